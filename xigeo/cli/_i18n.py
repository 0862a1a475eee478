"""Chinese first, English on request: the language of the ``xigeo`` command line.

Help texts are written in Chinese with their English beside them:
``help=h("中文", "English")`` returns the Chinese text (so click shows Chinese even if
nothing else here ran) and records the English one; a command's Chinese description is
given by :func:`zh_doc` above ``@click.command`` (its English is the function's docstring,
whose ``Examples:`` block is reused under ``示例：``). Messages the commands print choose
their language when printed: ``t("已写入 {path}", "wrote {path}")``.

The language is resolved when a ``xigeo`` command starts (:func:`language`):

1. ``xigeo --lang en|zh …`` (the group option, before the command name);
2. the ``XIGEO_LANG`` environment variable (``en`` or ``zh``);
3. the locale: ``LC_ALL``, else ``LC_MESSAGES``, else ``LANG`` (the first one set);
   English when it starts with ``en`` (``en_US.UTF-8``);
4. otherwise Chinese, ``C``/``POSIX`` locales included: a county machine's scripts often
   run with ``LANG=C``, and the users read Chinese.

:func:`apply` puts the chosen language's texts on the command tree before click parses
the arguments, so ``--help`` is printed in it. Click's own words ("Usage:", "Options",
"Show this message and exit.", "No such option", "Missing argument" …) go through
:func:`gettext.gettext` in click's modules; while a xigeo command runs in Chinese they
come from :data:`CLICK_ZH` instead (click is told nothing outside a xigeo command, so
another click program in the same process keeps its own texts).
"""

from __future__ import annotations

import contextlib
import gettext as _gettext_module
import importlib
import inspect
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import click

from .._lang import language_from_environment, using_language

__all__ = ["LANGS", "h", "t", "lazy", "zh_doc", "language", "current", "apply", "active", "CLICK_ZH"]

#: languages of the command line
LANGS = ("zh", "en")

#: Chinese help text (as click stores it: :func:`inspect.cleandoc`) → its English
_EN: dict[str, str] = {}
_STATE: dict[str, Any] = {"lang": "zh", "depth": 0}

C = TypeVar("C", bound=click.Command)


def h(zh: str, en: str) -> str:
    """A help text in Chinese, with its English recorded for ``--lang en``; returns ``zh``.

    >>> h("输出文件。", "The file to write.")
    '输出文件。'
    """
    _EN[inspect.cleandoc(zh)] = inspect.cleandoc(en)
    return zh


def t(zh: str, en: str) -> str:
    """A message in the command line's current language (chosen when it is printed)."""
    return en if _STATE["lang"] == "en" else zh


class lazy(str):
    """A text click formats with ``%`` when it prints it (``--version``'s message), in the
    language of that moment: ``lazy("%(prog)s，版本 %(version)s", "%(prog)s, version %(version)s")``."""

    _en: str

    def __new__(cls, zh: str, en: str) -> "lazy":
        self = super().__new__(cls, zh)
        self._en = en
        return self

    def __mod__(self, values: Any) -> str:
        return (self._en if _STATE["lang"] == "en" else str(self)) % values


def current() -> str:
    """The command line's current language, ``"zh"`` or ``"en"``."""
    return str(_STATE["lang"])


def zh_doc(zh: str) -> Callable[[C], C]:
    """Give a command its Chinese description; its docstring stays the English one.

    The docstring's ``Examples:`` block (from its ``\\b`` line on) is appended to the
    Chinese text under ``示例：`` unless the Chinese text has its own.
    """
    def decorate(command: C) -> C:
        en = inspect.cleandoc(command.help or "")
        text = _join_lines(inspect.cleandoc(zh))
        head, sep, examples = en.partition("\b\nExamples:")
        if sep and "示例" not in text:
            text = f"{text}\n\n\b\n示例：{examples}"
        command.help = h(text, en)
        return command

    return decorate


def _join_lines(text: str) -> str:
    """Chinese paragraphs on one line each (click joins a paragraph's lines with a space,
    which Chinese does not have); ``\b`` blocks are kept as they are."""
    paragraphs = []
    for para in text.split("\n\n"):
        if para.startswith("\b"):
            paragraphs.append(para)
            continue
        lines = para.split("\n")
        out = lines[0]
        for line in lines[1:]:
            # no space between two Chinese characters, nor next to Chinese punctuation
            tight = bool(out and line) and ((_wide(out[-1]) and _wide(line[0]))
                                            or out[-1] in _PUNCT or line[0] in _PUNCT)
            out += line if tight else " " + line
        paragraphs.append(out)
    return "\n\n".join(paragraphs)


_PUNCT = set("，。；：、（）“”《》！？…")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _short_help(text: str, limit: int = 56) -> str:
    """A command's line in ``xigeo --help`` in Chinese: its first sentence, at most ``limit``
    terminal columns (click measures its own cut in characters, which is twice too long)."""
    first = text.split("\n\n")[0].split("。")[0].strip()
    if _display_len(first) <= limit:
        return first
    cut = ""
    for char in first:
        if _display_len(cut + char) > limit - 1:
            break
        cut += char
    return cut + "…"


def language(args: list[str] | tuple[str, ...] = (), environ: Mapping[str, str] | None = None,
             commands: Any = ()) -> str:
    """The language for a run with ``args`` (``--lang`` before a command name) and ``environ``.

    >>> language(["--lang", "en", "area", "--help"], {})
    'en'
    >>> language([], {"LANG": "en_US.UTF-8"}), language([], {"LANG": "C"}), language([], {})
    ('en', 'zh', 'zh')
    >>> language([], {"LANG": "en_US.UTF-8", "XIGEO_LANG": "zh"})
    'zh'
    """
    env = os.environ if environ is None else environ
    for i, arg in enumerate(args):
        if arg in commands:
            break
        value = None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value in LANGS:
            return str(value)
    return language_from_environment(env)


def _walk(command: click.Command) -> Iterator[click.Command]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _walk(sub)


def _text(original: str | None, lang: str) -> str | None:
    if original is None:
        return None
    key = inspect.cleandoc(original)
    if key in _EN:
        return _EN[key] if lang == "en" else original
    english = _CLICK_EN.get(original, original)
    if english in CLICK_ZH:
        return CLICK_ZH[english] if lang == "zh" else english
    return original


def apply(root: click.Command, lang: str) -> None:
    """Put ``lang``'s help texts on ``root`` and every command under it (click shows them)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")  # message: internal
    _STATE["lang"] = lang
    for command in _walk(root):
        setattr(command, "_xigeo_i18n", True)
        saved = command.__dict__.setdefault("_xigeo_help", (command.help, command.short_help))
        command.help, command.short_help = _text(saved[0], lang), _text(saved[1], lang)
        if lang == "zh" and command.short_help is None and command.help:
            command.short_help = _short_help(command.help)
        command._help_option = None  # made again (in this language) when it is needed
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                original = param.__dict__.setdefault("_xigeo_help", param.help)
                param.help = _text(original, lang)


@contextlib.contextmanager
def active() -> Iterator[None]:
    """While a xigeo command runs (or shows its error): click's words, and the messages the
    library raises (xigeo/_lang.py), in its language."""
    _STATE["depth"] += 1
    try:
        with using_language(str(_STATE["lang"])):
            yield
    finally:
        _STATE["depth"] -= 1


def _in_xigeo() -> bool:
    if _STATE["depth"] > 0:
        return True
    ctx = click.get_current_context(silent=True)
    return ctx is not None and getattr(ctx.find_root().command, "_xigeo_i18n", False)


class _Template(str):
    """A Chinese click text whose ``format`` also translates the words click fills in
    ("argument", "File" …: click passes them untranslated)."""

    def format(self, *args: Any, **kwargs: Any) -> str:
        kwargs = {k: _WORDS.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
        return str.format(self, *args, **kwargs)


def _translate(message: str) -> str:
    if _STATE["lang"] == "zh" and _in_xigeo() and message in CLICK_ZH:
        return _Template(CLICK_ZH[message])
    return _gettext_module.gettext(message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    if _STATE["lang"] == "zh" and _in_xigeo():
        key = singular if n == 1 else plural
        if key in CLICK_ZH:
            return _Template(CLICK_ZH[key])
    return _gettext_module.ngettext(singular, plural, n)


#: click's own texts in Chinese (the msgids of click's gettext calls, click 8.1–8.5)
CLICK_ZH: dict[str, str] = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "No such option: {name}": "没有选项 {name}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Did you mean {possibility}?": "您是否要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您是否要用其中之一：{possibilities}？）",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不在可选值 {choices} 中。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} 不是有效的布尔值。可用：{states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "Aborted!": "已中止！",
    "Do you want to continue?": "是否继续？",
    "Repeat for confirmation": "再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Press any key to continue...": "按任意键继续……",
    "deprecated": "已弃用",
}
#: words click puts into its texts untranslated (parameter kinds, path and number types)
_WORDS = {"argument": "参数", "option": "选项", "parameter": "参数", "File": "文件",
          "Directory": "文件夹", "Path": "路径", "integer": "整数", "float": "数值"}
_CLICK_EN = {zh: en for en, zh in CLICK_ZH.items()}

# Help text is wrapped by terminal columns: a Chinese character takes two, and a line may break
# between any two of them (click counts characters and breaks only at spaces, so Chinese help
# ran to twice the terminal's width). Text without wide characters wraps exactly as before.
_textwrap = importlib.import_module("click._textwrap")
_formatting = importlib.import_module("click.formatting")
_compat = importlib.import_module("click._compat")
_WIDE = re.compile("([\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                   "\uff00-\uff60\uffe0-\uffe6])")


def _display_len(text: str) -> int:
    plain = _compat.strip_ansi(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in plain)


_split_words = _textwrap.TextWrapper._split


def _split(self: Any, text: str) -> list[str]:
    chunks = _split_words(self, text)
    if not _WIDE.search(text):
        return chunks
    return [part for chunk in chunks for part in _WIDE.split(chunk) if part]


_textwrap.TextWrapper._split = _split
for _module in (_textwrap, _formatting):
    if hasattr(_module, "term_len"):
        setattr(_module, "term_len", _display_len)

# click's modules call gettext through their module-level ``_`` / ``ngettext``
for _name in ("core", "exceptions", "parser", "types", "formatting", "decorators", "termui"):
    _module = importlib.import_module(f"click.{_name}")
    if hasattr(_module, "_"):
        setattr(_module, "_", _translate)
    if hasattr(_module, "ngettext"):
        setattr(_module, "ngettext", _ntranslate)
