"""Every message the library raises or warns with is written in Chinese and English (xigeo/_lang.py).

The check reads the source: a ``raise SomeError(...)`` or ``warnings.warn(...)`` whose message
is a string written on the spot (a literal, an f-string, or a sum or ``%`` of them) must
pass it through ``msg(zh, en)`` (or the CLI's ``t``/``h``). A message no user can meet (an
internal invariant) may stay English with ``# message: internal`` on the raise's line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import xigeo

ROOT = Path(xigeo.__file__).parent
WRAPPERS = {"msg", "t", "h", "_", "fix"}


def _written_here(node: ast.AST) -> bool:
    """A text made on the spot, not through a wrapper."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_written_here(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _written_here(node.left) or _written_here(node.right)
    return False


def _has_cjk(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str)
               and any("\u4e00" <= c <= "\u9fff" for c in n.value) for n in ast.walk(node))


def _unwrapped_messages() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            call = None
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                call = node.exc
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "warn"):
                call = node
            if call is None or not call.args:
                continue
            first = call.args[0]
            if not _written_here(first) or _has_cjk(first):
                continue
            end = getattr(node, "end_lineno", node.lineno)
            if any("message: internal" in lines[i - 1] for i in range(node.lineno, end + 1)):
                continue
            found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}: {lines[node.lineno - 1].strip()[:90]}")
    return found


def test_every_message_is_in_both_languages():
    unwrapped = _unwrapped_messages()
    assert not unwrapped, f"{len(unwrapped)} messages in English only:\n" + "\n".join(unwrapped)
