"""Several maps bound as one PDF report: a contents page, then one map per page.

Pages keep their own size (an A3 map may follow A4 ones); each map page gets a
page number at the foot, added while it is written and removed afterwards,
so the figures passed in are left as they were.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any, Sequence

import matplotlib
import matplotlib.lines
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .._files import atomic_path
from .._lang import msg
from ..errors import OptionError
from ._fonts import font, map_rc
from .composer import page_size

log = logging.getLogger(__name__)

__all__ = ["write_atlas", "figure_title"]


def figure_title(fig: Figure, default: str = "") -> str:
    """The title of a map made by xigeo, else the figure's suptitle, else ``default``."""
    info = getattr(fig, "xigeo_map", None)
    if info is not None:
        return str(info.title)
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        return str(suptitle.get_text())
    return default


def _contents_page(title: str, entries: list[tuple[str, int]], subtitle: str | None) -> Figure:
    with matplotlib.rc_context(map_rc()):
        fig = Figure(figsize=page_size("A4", "portrait"))
        FigureCanvasAgg(fig)
        fig.text(0.5, 0.9, title, ha="center", va="center", fontproperties=font(22, bold=True),
                 gid="xigeo-atlas-title")
        if subtitle:
            fig.text(0.5, 0.86, subtitle, ha="center", va="center", fontproperties=font(11),
                     gid="xigeo-atlas-subtitle")
        fig.text(0.5, 0.8, "目  录", ha="center", va="center", fontproperties=font(15, bold=True),
                 gid="xigeo-contents-heading")
        step = min(0.035, 0.68 / max(len(entries), 1))
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        for i, (name, page) in enumerate(entries):
            y = 0.75 - i * step
            # a report section's opening page (一、土地利用现状) in bold
            heading = re.match(r"[一二三四五六七八九十]+、", name) is not None
            entry = fig.text(0.15, y, f"{i + 1}.  {name}", ha="left", va="center",
                             fontproperties=font(10.5, bold=heading), gid="xigeo-contents-entry")
            fig.text(0.85, y, str(page), ha="right", va="center", fontproperties=font(10.5),
                     gid="xigeo-contents-page")
            # a long entry is set smaller so it ends before the page number
            room = 0.66 * fig.bbox.width
            width = entry.get_window_extent(renderer).width
            if width > room:
                entry.set_fontsize(max(6.0, 10.5 * room / width))
                width = entry.get_window_extent(renderer).width
            end = 0.15 + width / fig.bbox.width + 0.01
            fig.add_artist(matplotlib.lines.Line2D([end, 0.83], [y, y],
                                                   transform=fig.transFigure, linestyle=":",
                                                   linewidth=0.8, color="0.4"))
    return fig


def write_atlas(figures: Sequence[Figure], path: str | os.PathLike[str], *, title: str = "专题图集",
                subtitle: str | None = None, titles: Sequence[str] | None = None,
                contents: bool = True, page_numbers: bool = True, overwrite: bool = False,
                author: str | None = None) -> Path:
    """Write maps into one multi-page PDF with a contents page and page numbers.

    Parameters
    ----------
    figures : sequence of Figure
        The maps, in order (from :func:`~xigeo.maps.thematic_map`, the
        ready-made maps, or any matplotlib Figure).
    path : path-like
        The ``.pdf`` to write (atomically: a temporary file renamed on success).
    title, subtitle : str
        Shown on the contents page and stored as the PDF's title.
    titles : sequence of str, optional
        Contents entries; default: each map's title.
    contents, page_numbers : bool
        Add the contents page; number the pages (the contents page is page 1).
    overwrite : bool
        Replace ``path`` if it exists; by default an existing file is refused
        (:class:`~xigeo.errors.LayerWriteError`) and left unchanged.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely import box
    >>> from xigeo.maps import thematic_map
    >>> g = gpd.GeoDataFrame({"DLBM": ["0101"]}, geometry=[box(500_000, 3_580_000,
    ...     500_500, 3_580_500)], crs=4547)
    >>> maps = [thematic_map(g, title=t, date="2026年11月") for t in ("甲图", "乙图")]
    >>> out = write_atlas(maps, pathlib.Path(tempfile.mkdtemp()) / "图集.pdf", title="示例图集")
    >>> out.suffix
    '.pdf'
    """
    path = Path(path)
    if path.suffix.lower() != ".pdf":
        raise OptionError(msg(f"{path}：图集是 PDF 文件；请用 .pdf 文件名",
                              f"{path}: an atlas is a PDF; use a .pdf file name"))
    figures = list(figures)
    if not figures:
        raise ValueError(msg("没有可装订成图集的图", "no figures to bind into an atlas"))
    names = list(titles) if titles is not None else [
        figure_title(fig, f"图{i + 1}") for i, fig in enumerate(figures)]
    if len(names) != len(figures):
        raise OptionError(msg(f"给出 {len(names)} 个标题，但有 {len(figures)} 幅图",
                              f"{len(names)} titles for {len(figures)} figures"))
    first = 2 if contents else 1
    total = len(figures) + first - 1
    pages = []
    if contents:
        pages.append(_contents_page(title, [(n, first + i) for i, n in enumerate(names)], subtitle))
    pages += figures
    metadata = {"Title": title, "Creator": "xigeo"}
    if author:
        metadata["Author"] = author
    with matplotlib.rc_context(map_rc()), atomic_path(path, overwrite=overwrite) as tmp:
        with PdfPages(tmp, metadata=metadata) as pdf:
            for number, fig in enumerate(pages, start=1):
                added: list[Any] = []
                if page_numbers:
                    added.append(fig.text(0.5, 0.012, f"— {number} / {total} —", ha="center",
                                          va="bottom", fontproperties=font(8),
                                          gid="xigeo-page-number"))
                try:
                    pdf.savefig(fig)
                finally:
                    for artist in added:
                        artist.remove()
    log.info(msg("已写入图集 %s：%d 幅图", "wrote atlas %s: %d maps"), path, len(figures))
    return path
