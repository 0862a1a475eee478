"""Where numba keeps the compiled kernels, decided before a kernel module imports numba.

numba caches each compiled kernel beside its source (``xigeo/__pycache__``)
or, when that folder is not writable (a read-only site-packages), in the
user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``). When neither is
writable — a locked-down office PC, a service account without a home — numba
refuses to compile a cached function at all ("cannot cache function …: no
locator available"). :func:`prepare` avoids that: it points numba at
``$XIGEO_CACHE_DIR/numba`` when that is set, else, only when numba's own
places are not writable, at a folder of the system's temporary directory,
and says so once in the log. A ``NUMBA_CACHE_DIR`` set by the user is left
as it is.

It also says, once, when a kernel is about to be compiled: numba announces
each compilation (its ``numba:compile`` event, sent only when no cached copy
was found), and the first one of a xigeo kernel logs
"首次运行：正在编译计算内核…": the first call after installing takes
seconds, not milliseconds, and the user should know why.

:func:`warmup` compiles (or loads) every kernel now, so that the first real
call does not pay for it: ``make demo``/``make test`` run it while
installing (``xigeo warmup``, which calls this); a plain
``pip install xigeo`` does not, and then the first call compiles (~10 s,
docs/performance.md "The first call").

>>> cache_dir(environ={"NUMBA_CACHE_DIR": "/srv/numba"}) is None
True
>>> str(cache_dir(environ={"XIGEO_CACHE_DIR": "/srv/xigeo"}))
'/srv/xigeo/numba'
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["prepare", "cache_dir", "warmup", "KERNEL_MODULES", "Warmed"]

#: the modules holding numba kernels (each compiles all its kernels when imported)
KERNEL_MODULES = ("xigeo._area_kernel", "xigeo._predicates", "xigeo._clip")

log = logging.getLogger("xigeo")

_PACKAGE = Path(__file__).resolve().parent
_state = {"prepared": False, "announced": False}


def _writable(folder: Path) -> bool:
    """Can this process create files in ``folder`` (or, if missing, create it)?"""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


def _user_cache(environ: Mapping[str, str]) -> Path | None:
    xdg = environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg)
    home = environ.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".cache" if home and home != "~" else None


def cache_dir(*, environ: Mapping[str, str] | None = None) -> Path | None:
    """The folder to point numba at, or None when numba's own choice works."""
    env = os.environ if environ is None else environ
    if env.get("NUMBA_CACHE_DIR"):
        return None
    if env.get("XIGEO_CACHE_DIR"):
        return Path(env["XIGEO_CACHE_DIR"]) / "numba"
    if _writable(_PACKAGE / "__pycache__"):
        return None
    user = _user_cache(env)
    if user is not None and _writable(user / "numba"):
        return None
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"xigeo-numba-cache-{uid}"


def prepare(module: str) -> None:
    """Call at the top of a kernel module, before ``import numba`` (``module``: its ``__name__``)."""
    if not _state["prepared"]:
        _state["prepared"] = True
        folder = cache_dir()
        if folder is not None:
            new = not folder.exists()
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.environ["NUMBA_CACHE_DIR"] = str(folder)
            if "numba" in sys.modules:  # imported by the user before xigeo's kernels
                sys.modules["numba"].config.CACHE_DIR = str(folder)
            if not os.environ.get("XIGEO_CACHE_DIR"):
                # a warning when the folder is made, a log line once it is in use
                log.log(logging.WARNING if new else logging.INFO,"xigeo: 程序目录和用户缓存目录都不可写，计算内核缓存到临时目录 %s"
                            "（可设置环境变量 XIGEO_CACHE_DIR 指定）/ the package folder and the user "
                            "cache are not writable: compiled kernels are cached in %s (set "
                            "XIGEO_CACHE_DIR to choose a folder)", folder, folder)
        _skip_blas_probe()
        _listen_for_compiles()


def _skip_blas_probe() -> None:
    """Import numba's array-math module without its BLAS probe, which imports ``scipy.linalg``.

    numba's ``numba.np.arraymath`` (imported with numba's implementations the
    first time a kernel is compiled or loaded) calls ``ensure_blas()`` at
    import to decide whether ``np.dot`` of floats may call BLAS: that imports
    ``scipy.linalg.cython_blas``, i.e. all of ``scipy.linalg`` and
    ``scipy.sparse`` (~0.4 s, a third of a small check's start-up). No xigeo
    kernel uses BLAS. So, unless ``scipy.linalg`` is already loaded (then
    the probe costs nothing), the module is imported once with
    ``scipy.linalg.cython_blas`` marked as not importable (``None`` in
    ``sys.modules``, Python's documented way); numba's probe catches the
    ImportError and uses its own loop for ``np.dot`` of 1-d arrays in code
    compiled later in this process (the same results; numba's ``np.linalg``
    checks scipy again when such code is compiled, and finds it). The mark is
    removed at once, whatever happens; should a numba version not catch the
    ImportError, the module is imported again normally.
    """
    name = "scipy.linalg.cython_blas"
    if name in sys.modules or "numba.np.arraymath" in sys.modules:
        return
    sys.modules[name] = None  # type: ignore[assignment]
    try:
        import numba.np.arraymath  # noqa: F401
    except ImportError:
        pass
    finally:
        if sys.modules.get(name, "") is None:
            del sys.modules[name]
    import numba.np.arraymath  # noqa: F401, F811  (a no-op unless the import above failed)


def _listen_for_compiles() -> None:
    """Log one line when numba first compiles a xigeo kernel (not when it loads a cached one)."""
    from numba.core import event

    class Announce(event.Listener):
        def on_start(self, ev: Any) -> None:
            func = getattr(ev.data.get("dispatcher"), "py_func", None)
            if not _state["announced"] and getattr(func, "__module__", "").startswith("xigeo."):
                _state["announced"] = True
                from ._lang import msg

                log.warning(msg("xigeo: 首次运行：正在编译计算内核（一次性，约需十几秒）…",
                                "xigeo: first run: compiling the computing kernels (once, 10-20 s)…"))

        def on_end(self, ev: Any) -> None:
            pass

    event.register("numba:compile", Announce())


class Warmed(NamedTuple):
    """What :func:`warmup` did for one kernel module."""

    #: the module, e.g. ``xigeo._clip``
    module: str
    #: compiled functions (no cached copy was found)
    compiled: int
    #: functions loaded from numba's cache
    loaded: int
    #: wall time of importing the module (compiling or loading its kernels)
    seconds: float
    #: where numba keeps their compiled copies
    cache: str


def warmup() -> list[Warmed]:
    """Compile every compiled kernel now (or load it from the cache), once per installation.

    The kernels are compiled for one signature each when their module is
    imported, and kept in numba's cache (see the module docstring for where),
    so that the first overlay or area of every later session starts at full
    speed. ``make demo`` and ``make test`` run it while installing; the CLI
    has ``xigeo warmup``. A second call, or a call with a warm cache, loads
    the kernels and compiles nothing.
    """
    out = []
    for name in KERNEL_MODULES:
        t = time.perf_counter()
        already = name in sys.modules
        module = importlib.import_module(name)
        seconds = 0.0 if already else time.perf_counter() - t
        dispatchers = [d for d in vars(module).values() if hasattr(d, "stats")
                       and getattr(getattr(d, "py_func", None), "__module__", None) == name]
        compiled = sum(sum(d.stats.cache_misses.values()) for d in dispatchers)
        loaded = sum(sum(d.stats.cache_hits.values()) for d in dispatchers)
        cache = next((str(d.stats.cache_path) for d in dispatchers if d.stats.cache_path), "")
        out.append(Warmed(name, compiled, loaded, seconds, cache))
    return out
