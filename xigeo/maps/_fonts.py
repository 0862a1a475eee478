"""The shipped Chinese map font and the rc settings every map is drawn with.

The package carries ``xigeo/fonts/XigeoNotoSansSC-Regular.ttf`` and ``-Bold.ttf``:
Noto Sans SC (SIL OFL 1.1) made static and subset to GB 2312 by
``tools/build_font.py``, with TrueType (glyf) outlines. Maps never look for
fonts installed on the machine: the files are registered with matplotlib's
font manager on first use, and every map text names the family explicitly.

PDFs are written with ``pdf.fonttype = 42`` (TrueType embedded, text
searchable and copyable). The settings are applied through
:func:`matplotlib.rc_context` around drawing and saving only; importing xigeo
never changes global rcParams.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from matplotlib import font_manager

from .._lang import msg

log = logging.getLogger(__name__)

__all__ = ["FAMILY", "FONT_DIR", "font_files", "register_fonts", "map_rc", "font"]

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "Xigeo Noto Sans SC"
#: DejaVu Sans ships inside matplotlib: the fallback for a glyph outside GB 2312
FALLBACK = "DejaVu Sans"

_registered = False


def font_files() -> list[Path]:
    """The shipped TrueType files (Regular, Bold).

    >>> [p.name for p in font_files()]
    ['XigeoNotoSansSC-Bold.ttf', 'XigeoNotoSansSC-Regular.ttf']
    """
    files = sorted(FONT_DIR.glob("XigeoNotoSansSC-*.ttf"))
    if len(files) < 2:
        raise FileNotFoundError(msg(
            f"{FONT_DIR} 中缺少 xigeo 的地图字体；请重新安装 xigeo（package_data fonts/*.ttf），"
            "或用 tools/build_font.py 重新生成",
            f"the xigeo map fonts are missing from {FONT_DIR}; reinstall xigeo "
            "(package_data fonts/*.ttf) or rebuild them with tools/build_font.py"))
    return files


def register_fonts() -> str:
    """Add the shipped fonts to matplotlib's font manager once; return the family name.

    >>> register_fonts()
    'Xigeo Noto Sans SC'
    """
    global _registered
    if not _registered:
        for path in font_files():
            font_manager.fontManager.addfont(str(path))
            log.debug("registered map font %s", path)
        _registered = True
    return FAMILY


def map_rc() -> dict[Any, Any]:
    """rcParams for drawing and saving maps (use with ``matplotlib.rc_context``).

    >>> rc = map_rc()
    >>> rc["pdf.fonttype"], rc["font.family"]
    (42, ['Xigeo Noto Sans SC', 'DejaVu Sans'])
    """
    register_fonts()
    return {
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "font.family": [FAMILY, FALLBACK],
        "axes.unicode_minus": True,
        # zlib level 3: a county land-use map (2.4 M drawn vertices) saves in 1.7 s instead of
        # 3.3 s at level 6, for 10.9 MB instead of 8.9 MB (docs/performance.md, issue 17)
        "pdf.compression": 3,
    }


def font(size: float = 9, *, bold: bool = False) -> font_manager.FontProperties:
    """FontProperties for map text in the shipped family (with the DejaVu fallback).

    >>> font(12, bold=True).get_weight()
    'bold'
    """
    register_fonts()
    return font_manager.FontProperties(family=[FAMILY, FALLBACK], size=size,
                                       weight="bold" if bold else "normal")
