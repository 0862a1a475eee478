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

It also says, once, when a kernel is about to be compiled (no cached copy
found): the first call after installing takes seconds, not milliseconds,
and the user should know why.

>>> cache_dir(environ={"NUMBA_CACHE_DIR": "/srv/numba"}) is None
True
>>> str(cache_dir(environ={"XIGEO_CACHE_DIR": "/srv/xigeo"}))
'/srv/xigeo/numba'
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["prepare", "cache_dir"]

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


def _cached(stem: str) -> bool:
    """Is there a numba index file of the module ``stem`` where numba will look for it?

    numba's order: ``NUMBA_CACHE_DIR`` when set, else beside the source when
    that is writable, else the user's cache folder.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        place: Path | None = Path(os.environ["NUMBA_CACHE_DIR"])
    elif _writable(_PACKAGE / "__pycache__"):
        place = _PACKAGE / "__pycache__"
    else:
        user = _user_cache(os.environ)
        place = user / "numba" if user is not None else None
    return place is not None and place.is_dir() and next(place.rglob(f"{stem}.*.nbi"), None) is not None


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
    if not _state["announced"] and not _cached(module.rpartition(".")[2]):
        _state["announced"] = True
        log.warning("xigeo: 首次运行：正在编译计算内核（一次性，约需半分钟）… / first run: compiling "
                    "the computing kernels (once, up to half a minute)…")
