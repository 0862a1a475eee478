"""The map composer: layers in, a finished A4/A3 map page (matplotlib Figure) out.

:func:`thematic_map` lays out one page: title, the map frame with its
coordinate grid, north arrow and scale bar, a legend column (with an
optional locator inset of the county) and an information block (CRS, data
source, map maker, date, numeric scale). :func:`export_map` writes it to PDF,
PNG or SVG. The Figure is a plain matplotlib Figure: it displays inline in
Jupyter and can be edited before saving.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import logging
import math
import os
from pathlib import Path
from typing import Any, Sequence

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pyproj
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as MPath

from .._files import atomic_path
from .._lang import msg
from ..crs import check_crs, check_same_crs, layer_name, normalize_crs
from ..errors import CRSError, OptionError, fix
from . import _display, elements
from . import signoff as signoff_block
from ._fonts import font, map_rc
from .labels import place_labels
from .palette import DEFAULT_COLOUR_NOTE, Palette, landuse_palette
from .styles import MapLayer, as_layers

log = logging.getLogger(__name__)

__all__ = ["PAPER_MM", "FITS", "MapInfo", "page_size", "frame_size", "thematic_map", "map_pages",
           "export_map", "map_info", "map_format"]

#: paper name -> (width, height) in millimetres, portrait (ISO 216 A series)
PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "A2": (420.0, 594.0),
            "A1": (594.0, 841.0), "A0": (841.0, 1189.0)}
#: what a map at a fixed scale does when its extent does not fit the frame: a larger
#: paper (up to A0) or several pages (:func:`map_pages`, ``export_map(..., fit="pages")``)
FITS = ("paper", "pages")
MM = 1 / 25.4
FORMATS = ("pdf", "png", "svg")
_NICE_SCALES = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
_ZONE_COLORS = [
    (0.55, 0.83, 0.78), (1.0, 1.0, 0.70), (0.75, 0.73, 0.85), (0.98, 0.50, 0.45),
    (0.50, 0.69, 0.83), (0.99, 0.71, 0.38), (0.70, 0.87, 0.41), (0.99, 0.80, 0.90),
    (0.85, 0.85, 0.85), (0.74, 0.50, 0.74), (0.80, 0.92, 0.77), (1.0, 0.93, 0.44),
]


@dataclasses.dataclass
class MapInfo:
    """What a composed map shows; attached to the Figure as ``fig.xigeo_map``."""

    title: str
    crs: pyproj.CRS
    paper: str
    orientation: str
    extent: tuple[float, float, float, float]
    scale: float | None
    scalebar: tuple[float, float, float] | None
    grid: dict[str, list[tuple[float, str]]]
    legend: list[str]
    sheet: str | None = None
    #: position in a paged map: (page, pages, row, column), 1-based; None for a single page
    page: tuple[int, int, int, int] | None = None
    #: the map frame (axes) on paper in millimetres: (left, bottom, width, height)
    frame_mm: tuple[float, float, float, float] | None = None


def map_info(fig: Figure) -> MapInfo:
    """The :class:`MapInfo` of a figure made by xigeo (raises if it is not one)."""
    info = getattr(fig, "xigeo_map", None)
    if info is None:
        raise ValueError(msg("这幅图不是 xigeo.maps 制作的（没有 xigeo_map 属性）",
                             "this figure was not made by xigeo.maps (no xigeo_map attribute)"))
    return info


def page_size(paper: str = "A4", orientation: str = "portrait") -> tuple[float, float]:
    """Page width and height in inches.

    >>> [round(v * 72, 2) for v in page_size("A4")]
    [595.28, 841.89]
    >>> [round(v * 72, 2) for v in page_size("A3", "landscape")]
    [1190.55, 841.89]
    """
    key = str(paper).upper()
    if key not in PAPER_MM:
        names = ", ".join(PAPER_MM)
        raise OptionError(msg(f"纸张 {paper!r}：可选 {names}", f"paper {paper!r}: use one of {names}"))
    if orientation not in ("portrait", "landscape"):
        raise OptionError(msg(f"方向 {orientation!r}：可选 portrait（纵向）或 landscape（横向）",
                              f"orientation {orientation!r}: use portrait or landscape"))
    w, h = PAPER_MM[key]
    if orientation == "landscape":
        w, h = h, w
    return w * MM, h * MM


def _frame_mm(W: float, H: float, subtitle: bool) -> tuple[float, float, float, float]:
    """The map frame on a W x H mm page: (left, bottom, right, top) in mm from the lower left."""
    m = 12.0
    title_h = 26.0 if subtitle else 20.0
    info_h = 17.0
    legend_w = round(0.2 * W, 1)
    return m + 8.0, m + info_h + 7.0, W - m - legend_w - 4.0, H - m - title_h


def frame_size(paper: str = "A4", orientation: str = "portrait", *,
               subtitle: bool = False) -> tuple[float, float]:
    """Width and height in mm of the map frame of a :func:`thematic_map` page.

    At scale 1:S the frame shows ``width / 1000 * S`` metres of ground.

    >>> frame_size("A4", "landscape")
    (201.6, 142.0)
    """
    w, h = page_size(paper, orientation)
    left, bottom, right, top = _frame_mm(w / MM, h / MM, subtitle)
    return round(right - left, 6), round(top - bottom, 6)


def _needed_scale(extent: tuple[float, float, float, float], frame: tuple[float, float],
                  crs: pyproj.CRS) -> float:
    """The scale denominator at which ``extent`` just fits a frame of ``frame`` mm (projected)."""
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    x0, y0, x1, y1 = extent
    return max((x1 - x0) * unit / (frame[0] / 1000), (y1 - y0) * unit / (frame[1] / 1000))


def _choose_page(extent: tuple[float, float, float, float], crs: pyproj.CRS, scale: float | None,
                 paper: str, orientation: str, subtitle: bool, fit: str) -> tuple[str, str]:
    """Paper and orientation for a map of ``extent``: at a fixed scale the extent must fit the
    frame, on a larger paper when ``fit="paper"``; never a different scale, never a crop."""
    if fit not in FITS:
        raise OptionError(f"fit={fit!r}：可选 {', '.join(FITS)}")
    key = str(paper).upper()
    page_size(key, "portrait")  # checks the paper name
    wide = (extent[2] - extent[0]) > (extent[3] - extent[1])
    if orientation == "auto":
        orientations = ["landscape", "portrait"] if wide else ["portrait", "landscape"]
    else:
        page_size(key, orientation)  # checks the orientation
        orientations = [orientation]
    if scale is None:
        return key, orientations[0]
    if crs.is_geographic:
        raise OptionError(f"按比例尺 1:{scale:g} 制图需要投影坐标系（米），图层为 {crs.name}。"
                          "改正：" + fix("thematic_map(..., crs='EPSG:4526')",
                                        "--map-crs EPSG:4526"))
    papers = list(PAPER_MM)
    tried = []
    for name in papers[papers.index(key):] if fit == "paper" else [key]:
        for orient in orientations:
            need = _needed_scale(extent, frame_size(name, orient, subtitle=subtitle), crs)
            tried.append((name, orient, need))
            if scale >= need * (1 - 1e-9):
                if name != key:
                    log.warning("比例尺 1:%g 下 %s 容纳不下制图范围，改用 %s（%s）", scale, key,
                                name, {"portrait": "纵向", "landscape": "横向"}[orient])
                return name, orient
    best = min(tried, key=lambda t: t[2])
    pages = fix("map_pages(...) or export_map(..., fit='pages')", "--fit pages")
    larger = fix("fit='paper'", "--fit paper")
    orient_zh = {"portrait": "纵向", "landscape": "横向"}
    raise OptionError(
        f"比例尺 1:{elements.format_metres(scale)} 下制图范围（{(extent[2] - extent[0]) / 1000:.1f} 千米"
        f" × {(extent[3] - extent[1]) / 1000:.1f} 千米）超出 {best[0]}{orient_zh[best[1]]}图框"
        f"（该纸张需 1:{elements.format_metres(math.ceil(best[2]))}）。改正：{pages} 分幅输出"
        + (f"，{larger} 换用更大纸张" if fit != "paper" else "")
        + "，或用更小的比例尺（更大的分母，如 "
        + fix(f"scale={_nice_scale(best[2]):.0f}", f"--scale {_nice_scale(best[2]):.0f}") + "）")


def _map_extent(layers: list[MapLayer], extent: Sequence[float] | None,
                center: Sequence[float] | None, margin: float) -> tuple[float, float, float, float]:
    """The area a map must show: ``extent`` (or all layers) plus ``margin``; about ``center``
    (symmetric, so it keeps every feature) when a centre is given."""
    if center is not None:
        cx, cy = _pair(center, "center")
        x0, y0, x1, y1 = _extent(layers, extent, margin)
        hx, hy = max(cx - x0, x1 - cx, 0.0), max(cy - y0, y1 - cy, 0.0)
        return cx - hx, cy - hy, cx + hx, cy + hy
    return _extent(layers, extent, margin)


def _pair(value: Sequence[float], name: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        raise OptionError(f"{name}={value!r}：应为两个数 x, y（图层坐标系）") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise OptionError(f"{name}={value!r}：应为两个有限数 x, y")
    return x, y


def _check_extent(extent: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise OptionError(f"extent={extent!r}：应为四个数 xmin, ymin, xmax, ymax") from None
    if not all(map(math.isfinite, (x0, y0, x1, y1))) or x1 <= x0 or y1 <= y0:
        raise OptionError(f"extent={tuple(extent)!r}：应满足 xmin < xmax、ymin < ymax"
                          "（有限数，图层坐标系）")
    return x0, y0, x1, y1


def _check_not_empty(layers: list[MapLayer], limits: tuple[float, float, float, float]) -> None:
    """An asked-for extent or centre that shows no feature is an error, not an empty frame."""
    frame = shapely.box(*limits)
    for lyr in layers:
        if len(lyr.data) and len(lyr.data.sindex.query(frame, predicate="intersects")):
            return
    bounds = np.array([lyr.data.total_bounds for lyr in layers if len(lyr.data)])
    data = (f"{np.nanmin(bounds[:, 0]):.0f}, {np.nanmin(bounds[:, 1]):.0f}, "
            f"{np.nanmax(bounds[:, 2]):.0f}, {np.nanmax(bounds[:, 3]):.0f}") if len(bounds) else "-"
    raise OptionError(f"图框 {', '.join(f'{v:.0f}' for v in limits)} 内没有任何要素"
                      f"（图层范围 {data}），不输出空白图框。改正："
                      + fix("extent= 或 center= 取在图层范围内", "--extent / --center 取在图层范围内"))


def _nice_scale(denominator: float) -> float:
    """Round a scale denominator up to a nice value: 1:43 210 -> 1:50 000."""
    exp = math.floor(math.log10(denominator))
    for m in _NICE_SCALES:
        if m * 10 ** exp >= denominator * (1 - 1e-9):
            return float(m * 10 ** exp)
    return float(10 ** (exp + 1))  # pragma: no cover


def _format_scale(denominator: float) -> str:
    return f"1:{elements.format_metres(denominator)}"


def _legend_layout(labels: list[str], width_mm: float, height_mm: float) -> tuple[float, int]:
    """Font size (pt) and column count so the legend fits the legend column."""
    pt = 25.4 / 72
    longest = max((sum(2 if ord(c) > 0x2E80 else 1 for c in text) for text in labels), default=4)
    for size in (7.5, 7.0, 6.5, 6.0, 5.5, 5.0, 4.5):
        row_mm = size * pt * 2.05
        rows = max(1, int(height_mm / row_mm))
        ncol = math.ceil(len(labels) / rows)
        col_mm = (2.2 + 1.0 + 0.8) * size * pt + longest * 0.55 * size * pt
        if ncol * col_mm + 4 <= width_mm:
            return size, ncol
    return 4.5, ncol


def _layer_crs(layers: list[MapLayer], crs: Any) -> pyproj.CRS:
    """Check every layer's CRS (or reproject all to ``crs``); return the map CRS."""
    names = tuple(layer_name(lyr.data, lyr.display_label) for lyr in layers)
    if crs is not None:
        target = normalize_crs(crs)
        for lyr, name in zip(layers, names):
            if lyr.data.crs is None:
                raise CRSError(msg(f"{name} 没有坐标系。解决："
                                   + fix("gdf.set_crs(EPSG 代码)，例如 4526",
                                         "--crs EPSG:<代码>，例如 --crs EPSG:4526"),
                                   f"{name} has no CRS. Fix: "
                                   + fix("gdf.set_crs(EPSG code), e.g. 4526", "--crs EPSG:<code>, e.g. "
                                         "--crs EPSG:4526")))
            if not normalize_crs(lyr.data.crs).equals(target):
                lyr.data = lyr.data.to_crs(target)
    for lyr, name in zip(layers, names):
        if len(lyr.data):
            check_crs(lyr.data, name=name)
    return check_same_crs(*[lyr.data for lyr in layers], names=names)


def _extent(layers: list[MapLayer], extent: Sequence[float] | None,
            margin: float) -> tuple[float, float, float, float]:
    if extent is not None:
        x0, y0, x1, y1 = _check_extent(extent)
    else:
        bounds = np.array([lyr.data.total_bounds for lyr in layers if len(lyr.data)
                           and not lyr.data.geometry.is_empty.all()])
        if not len(bounds):
            raise ValueError(msg("所有图层都为空：没有可制图的内容", "every layer is empty: nothing to map"))
        x0, y0 = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
        x1, y1 = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
    dx, dy = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    pad = margin * max(dx, dy)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _fit(extent: tuple[float, float, float, float], box_in: tuple[float, float], crs: pyproj.CRS,
         scale: float | None) -> tuple[tuple[float, float, float, float], float, float | None]:
    """Limits with the axes box's aspect; y-aspect factor; scale denominator (projected)."""
    x0, y0, x1, y1 = extent
    w, h = box_in
    aspect = 1.0
    metres_per_unit = 1.0
    if crs.is_geographic:
        aspect = 1 / math.cos(math.radians((y0 + y1) / 2))
    else:
        metres_per_unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    per_inch = max((x1 - x0) / w, (y1 - y0) * aspect / h)  # x units per inch of paper
    denominator = None
    if not crs.is_geographic:
        needed = per_inch * metres_per_unit / 0.0254
        from .._options import positive

        denominator = positive(scale, name="scale") if scale is not None else _nice_scale(needed)
        per_inch = denominator * 0.0254 / metres_per_unit
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_x, half_y = per_inch * w / 2, per_inch * h / aspect / 2
    return (cx - half_x, cy - half_y, cx + half_x, cy + half_y), aspect, denominator


def _compound_paths(geoms: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, list[MPath]]:
    """One compound matplotlib path per distinct key (e.g. per colour), holes included.

    Vectorised: the parts, rings and vertices of all geometries come from
    three shapely calls; each ring is a MOVETO … LINETO … CLOSEPOLY subpath
    (as ``Path(ring, closed=True)`` gives), rings keep their layer order
    within a key. Returns the distinct keys (as ``np.unique`` orders them)
    and their paths.
    """
    xy, ring, ring_key, uniq = _display.ring_data(geoms, keys)
    return uniq, _display.compound_paths(xy, ring, ring_key, len(uniq))


def _polygons(ax: Any, geoms: gpd.GeoSeries, colors: Any, style: dict[str, Any],
              gid: str, zorder: float) -> None:
    """Draw polygons as one collection of one compound path per colour (not per polygon)."""
    style = dict(style)
    # rings grouped by colour, exteriors counter-clockwise, holes clockwise (_display.ring_data):
    # overlapping features then fill as their union under the non-zero rule
    geoms = np.asarray(geoms, dtype=object)
    face = style.pop("facecolor", None) if colors is None else colors
    if colors is None:
        rings = _display.ring_data(geoms, np.zeros(len(geoms), dtype=np.intp))
        face = [face if face is not None else "none"]
    else:
        # one path per distinct colour; the colours as RGBA so equal colours merge
        rgba = to_rgba_array(colors)
        keyed = np.unique(rgba, axis=0, return_inverse=True)
        rings = _display.ring_data(geoms, keyed[1].reshape(-1))
        face = keyed[0][rings[3]]
    # drawn generalised to the print resolution (xigeo.maps._display); get_paths() stay exact
    coll = _display.DisplayPolygons((*rings[:3], len(rings[3])), facecolors=face,
                                    edgecolors=style.pop("edgecolor", "black"),
                                    linewidths=style.pop("linewidth", 0.5),
                                    linestyles=style.pop("linestyle", "solid"),
                                    hatch=style.pop("hatch", None), alpha=style.pop("alpha", None),
                                    zorder=zorder, gid=gid)
    if style:
        coll.set(**style)
    ax.add_collection(coll, autolim=False)


def _draw_layer(ax: Any, lyr: MapLayer, index: int, default_palette: Palette) -> list[Any]:
    """Draw one layer; return its legend handles."""
    data = lyr.data[lyr.data.geometry.notna() & ~lyr.data.geometry.is_empty]
    if not len(data):
        return []
    style = lyr.merged_style()
    gid = f"xigeo-layer-{index}-{lyr.kind}"
    zorder = 2 + index * 0.01
    geoms = data.geometry
    handles: list[Any] = []
    if lyr.kind == "landuse":
        pal = lyr.palette or default_palette
        codes = data[lyr.column].astype("string").fillna("")
        which, present = pd.factorize(codes)  # the colours per distinct code, no loop per patch
        rgb = np.array([pal.color(c) for c in present], dtype=float).reshape(-1, 3)
        _polygons(ax, geoms, rgb[which], style, gid, zorder)
        for code, name in pal.classes(present[present != ""]):
            handles.append(Patch(facecolor=pal.color(code), edgecolor=(0.4, 0.4, 0.4),
                                 linewidth=0.4, label=name))
    elif lyr.kind == "zones":
        values = data[lyr.column].astype("string").fillna("（空）")
        order = [c for c in style.pop("order", []) if c in set(values)]
        cats = order + sorted(set(values) - set(order))
        given = style.pop("colors", {})
        colors = {c: given.get(c, _ZONE_COLORS[i % len(_ZONE_COLORS)]) for i, c in enumerate(cats)}
        _polygons(ax, geoms, [colors[v] for v in values], style, gid, zorder)
        handles = [Patch(facecolor=colors[c], edgecolor=style.get("edgecolor", "black"),
                         linewidth=0.4, alpha=style.get("alpha"), label=str(c)) for c in cats]
    elif lyr.kind == "points":
        pts = geoms.get_coordinates()
        _display.thin_markers(ax.scatter(pts["x"], pts["y"], s=style.get("markersize", 12),
                                         color=style.get("color"), zorder=zorder, gid=gid))
        handles = [Line2D([], [], marker="o", linestyle="none", color=style.get("color"),
                          markersize=5, label=lyr.display_label)]
    elif lyr.kind == "lines":
        segments = [np.asarray(part.coords)[:, :2] for g in geoms
                    for part in getattr(g, "geoms", [g])]
        ax.add_collection(LineCollection(segments, colors=style.get("color"),
                                         linewidths=style.get("linewidth", 1.0), zorder=zorder,
                                         gid=gid), autolim=False)
        handles = [Line2D([], [], color=style.get("color"), linewidth=style.get("linewidth", 1),
                          label=lyr.display_label)]
    else:
        _polygons(ax, geoms, None, style, gid, zorder)
        if style.get("facecolor") == "none":
            handles = [Line2D([], [], color=style.get("edgecolor"),
                              linewidth=style.get("linewidth", 1),
                              linestyle=style.get("linestyle", "-"), label=lyr.display_label)]
        else:
            handles = [Patch(facecolor=style.get("facecolor"), edgecolor=style.get("edgecolor"),
                             linewidth=0.6, hatch=style.get("hatch"), label=lyr.display_label)]
    return handles if lyr.legend else []


def _colour_notes(mlayers: Sequence[MapLayer], palette: Palette | None) -> list[str]:
    """The colour table's source, for a map with land use in the default palette."""
    shown = palette is None and any(lyr.kind == "landuse" and lyr.palette is None for lyr in mlayers)
    return [DEFAULT_COLOUR_NOTE] if shown else []


def thematic_map(layers: Any, *, title: str, subtitle: str | None = None, paper: str = "A4",
                 orientation: str = "auto", grid: str = "auto", scale: float | None = None,
                 scalebar: bool = True, north: bool = True, legend: bool = True,
                 legend_title: str = "图  例", locator: gpd.GeoDataFrame | None = None,
                 maker: str | None = None, author: str | None = None,
                 date: str | dt.date | None = None, source: str | None = None,
                 crs: Any = None, extent: Sequence[float] | None = None,
                 center: Sequence[float] | None = None, fit: str = "paper", margin: float = 0.04,
                 palette: Palette | None = None, extra: Any = None,
                 sheet: str | None = None, page: tuple[int, int, int, int] | None = None,
                 reviewer: str | None = None, logo: Any = None,
                 terrain: bool = False, signoff: Any = None) -> Figure:
    """Compose a thematic map page from layers drawn in order.

    Parameters
    ----------
    layers : GeoDataFrame, MapLayer or list of them
        Drawn first to last. A bare GeoDataFrame with a ``DLBM`` field is
        land use (coloured by the land-use palette, legend lists the classes
        present); other polygons are parcels. Use :func:`xigeo.maps.layer`
        to choose the kind (boundary, farmland, demolition, newbuild, zones,
        overlap, outline …), the legend text and the field to label with.
    title : str
        Map title (图名), e.g. ``"息县土地利用现状图"``.
    paper, orientation : str
        ``"A4"``, ``"A3"``, ``"A2"``, ``"A1"`` or ``"A0"``; ``"portrait"``,
        ``"landscape"`` or ``"auto"`` (landscape when the data are wider than
        tall; at a fixed scale the orientation the map fits).
    grid : str
        ``"auto"`` (GK metres for projected CRSs, degrees for geographic),
        ``"gk"``, ``"dms"`` (degrees and minutes, e.g. 114°40′E) or ``"none"``.
    scale : float, optional
        Scale denominator (50000 for 1:50 000). Default: the smallest round
        scale at which every layer fits the frame (projected CRSs). The map is
        drawn at exactly this scale on paper (frame millimetres x scale =
        ground metres); the scale bar and the 比例尺 text say so.
    fit : str
        A fixed ``scale`` whose extent does not fit the frame: ``"paper"``
        (default) draws it on the next larger paper that holds it (A4 → A0,
        logged); ``"pages"`` refuses here (use :func:`map_pages` or
        ``export_map(..., fit="pages")`` for a multi-page PDF). Beyond A0, or
        with ``"pages"``, :class:`~xigeo.errors.OptionError` names both fixes.
        The map is never cropped and the scale never changed.
    scalebar, north, legend : bool
        Draw the scale bar, north arrow, legend.
    locator : GeoDataFrame, optional
        Outline for a locator inset (the county) with the map's extent marked.
    maker, author, reviewer, date, source : str, optional
        Sign-off block (:mod:`xigeo.maps.signoff`): 制图单位, 制图人, 审核人,
        制图日期 (default today), 数据来源; beside the coordinate system and
        projection in full (坐标系, 投影), which come from the map's CRS.
    logo : path, optional
        A PNG drawn at the left of the sign-off block.
    terrain : bool
        The map shows a DEM or hillshade: the block prints the height datum
        (高程基准, the signoff's ``elevation_datum``, default 1985国家高程基准).
    signoff : ReportSettings or path, optional
        :class:`xigeo.settings.ReportSettings` (or the path of an
        ``xigeo.toml``): the defaults of ``maker`` (its ``bureau``),
        ``author``, ``reviewer``, ``date`` and ``logo`` (keywords given here
        win); its ``data_source`` is printed before ``source`` (the county's
        data, then the map's own layers); the title becomes 县名 + 年度 +
        title (``ReportSettings.map_title``); 制图人 and 审核人 are printed,
        blank for a signature when not set.
    crs : optional
        Reproject every layer to this CRS first; by default all layers must
        already share one CRS (otherwise :class:`~xigeo.errors.CRSError`).
    extent : (xmin, ymin, xmax, ymax), optional
        Area to show (default: all layers plus ``margin``).
    center : (x, y), optional
        Centre of the map. With ``scale`` the frame is exactly the paper's
        frame at that scale about this point (a window; features beyond it
        are outside); without, the extent is widened symmetrically about it.
        An extent or centre that shows no feature is an
        :class:`~xigeo.errors.OptionError` (never an empty frame).
    palette : Palette, optional
        Land-use palette (default: ``xigeo/data/landuse_palette.csv``).
    extra : callable, optional
        ``extra(ax)`` is called after the layers are drawn (hillshade,
        arrows …) and may return extra legend handles.
    sheet : str, optional
        Map-sheet number (图号, GB/T 13989-2012, e.g. ``"I50G088007"``) printed
        above the map frame's top right corner; checked with
        :func:`xigeo.parse_sheet`.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.xigeo_map`` (:class:`MapInfo`): scale, extent, grid ticks,
        scale bar, legend entries.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> dltb = gpd.GeoDataFrame({"DLBM": ["0101", "0702"]},
    ...     geometry=[box(38_560_000, 3_580_000, 38_561_000, 3_581_000),
    ...               box(38_561_000, 3_580_000, 38_561_500, 3_580_400)], crs=4526)
    >>> fig = thematic_map(dltb, title="示例土地利用现状图", date="2026年11月")
    >>> info = map_info(fig)
    >>> info.legend, info.scale
    (['水田', '农村宅基地'], 10000.0)
    """
    if sheet is not None:
        from ..sheets import parse_sheet

        sheet = parse_sheet(sheet).number
    settings = None
    if signoff is not None:
        from ..settings import as_settings

        settings = as_settings(signoff)
        title = settings.map_title(title)
        maker = maker if maker is not None else settings.bureau
        author = author if author is not None else settings.author
        reviewer = reviewer if reviewer is not None else settings.reviewer
        date = date if date is not None else settings.date
        # the settings' data source (the county's survey) first, then the map's own layers
        source = "；".join(dict.fromkeys(v for v in (settings.data_source, source) if v)) or None
        logo = logo if logo is not None else settings.logo
    mlayers = as_layers(layers)
    map_crs = _layer_crs(mlayers, crs)
    if locator is not None:
        if crs is not None and locator.crs is not None:
            locator = locator.to_crs(map_crs)
        check_same_crs(mlayers[0].data, locator, names=("map", "locator"))
    pal = palette or landuse_palette()
    if scale is not None:
        from .._options import positive

        scale = positive(scale, name="scale")
    ex = _map_extent(mlayers, extent, center, margin)
    sub = subtitle is not None
    if center is not None and scale is not None:
        # a window of the frame's size at this scale about the centre: it fits by construction
        paper, orientation = _choose_page(ex, map_crs, None, paper, orientation, sub, fit)
        if map_crs.is_geographic:
            _choose_page(ex, map_crs, scale, paper, orientation, sub, fit)  # refuses
        fw, fh = frame_size(paper, orientation, subtitle=sub)
        unit = map_crs.axis_info[0].unit_conversion_factor if map_crs.axis_info else 1.0
        cx, cy = _pair(center, "center")
        hx, hy = fw / 2000 * scale / unit, fh / 2000 * scale / unit
        ex = (cx - hx, cy - hy, cx + hx, cy + hy)
    else:
        paper, orientation = _choose_page(ex, map_crs, scale, paper, orientation, sub, fit)
    with matplotlib.rc_context(map_rc()):
        fig = Figure(figsize=page_size(paper, orientation))
        FigureCanvasAgg(fig)
        W, H = fig.get_figwidth() / MM, fig.get_figheight() / MM  # mm
        m, info_h = 12.0, 17.0  # page margin, information block height (as _frame_mm)
        legend_w = round(0.2 * W, 1)
        left, bottom, right, top = _frame_mm(W, H, sub)
        box = (left / W, bottom / H, (right - left) / W, (top - bottom) / H)
        ax = fig.add_axes(box, gid="xigeo-map")
        (x0, y0, x1, y1), aspect, denominator = _fit(
            ex, ((right - left) * MM, (top - bottom) * MM), map_crs, scale)
        if extent is not None or center is not None:
            _check_not_empty(mlayers, (x0, y0, x1, y1))
        handles: list[Any] = []
        for i, lyr in enumerate(mlayers):
            handles += _draw_layer(ax, lyr, i, pal)
        if extra is not None:
            handles += list(extra(ax) or [])
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(aspect, adjustable="box", anchor="C")
        ax.set_xlabel("")
        ax.set_ylabel("")
        for spine in ax.spines.values():
            spine.set_linewidth(0.9)
        ticks = elements.grid(ax, map_crs, mode=grid)
        bar = elements.scale_bar(ax, map_crs) if scalebar else None
        if north:
            elements.north_arrow(ax)
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        obstacles = [a.get_window_extent(renderer) for a in ax.get_children()
                     if str(a.get_gid()).startswith(("xigeo-scalebar", "xigeo-north"))]
        for lyr in mlayers[::-1]:  # the top layer (the map's subject) is labelled first
            if lyr.label_field is not None:
                place_labels(ax, lyr.data, lyr.label_field, avoid=obstacles)
        # title block
        title_text = fig.text(0.5, (H - m - 7.0) / H, title, ha="center", va="center",
                              fontproperties=font(20 if W < 250 else 26, bold=True),
                              gid="xigeo-title")
        _shrink_to(title_text, (W - 2 * m - 6.0) * MM * fig.dpi, renderer, minimum=10)
        if subtitle:
            fig.text(0.5, (H - m - 16.0) / H, subtitle, ha="center", va="center",
                     fontproperties=font(11), gid="xigeo-subtitle")
        if sheet is not None:
            fig.text(right / W, (top + 1.5) / H, f"图号：{sheet}", ha="right", va="bottom",
                     fontproperties=font(9), gid="xigeo-sheet")
        # legend column: locator inset on top, legend below
        col_x = (W - m - legend_w) / W
        legend_top = top
        if locator is not None:
            size = min(legend_w - 4.0, 0.35 * (top - bottom))
            ax_loc = fig.add_axes((col_x, (top - size) / H, size / W, size / H), gid="xigeo-locator")
            _polygons(ax_loc, locator.geometry.dropna(), None,
                      dict(facecolor=(0.95, 0.95, 0.92), edgecolor="black", linewidth=0.6),
                      "xigeo-locator-outline", 1)
            ax_loc.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=(1, 0, 0, 0.15),
                                       edgecolor="red", linewidth=0.8))
            lb = locator.total_bounds
            loc_extent = (min(lb[0], x0), min(lb[1], y0), max(lb[2], x1), max(lb[3], y1))
            pad = 0.05 * max(loc_extent[2] - loc_extent[0], loc_extent[3] - loc_extent[1])
            loc_extent = (loc_extent[0] - pad, loc_extent[1] - pad, loc_extent[2] + pad,
                          loc_extent[3] + pad)
            (lx0, ly0, lx1, ly1), _, _ = _fit(loc_extent, (size * MM, size * MM), map_crs, None)
            ax_loc.set_xlim(lx0, lx1)
            ax_loc.set_ylim(ly0, ly1)
            ax_loc.set_aspect(aspect, adjustable="box")
            ax_loc.set_xlabel("")
            ax_loc.set_ylabel("")
            ax_loc.set_xticks([])
            ax_loc.set_yticks([])
            ax_loc.set_title("位置示意图", fontproperties=font(8))
            legend_top = top - size - 10.0
        entries: list[str] = []
        seen: set[str] = set()
        unique = []
        for h in handles:
            if h.get_label() not in seen:
                seen.add(h.get_label())
                unique.append(h)
        if legend and unique:
            ax_leg = fig.add_axes((col_x, bottom / H, legend_w / W, (legend_top - bottom) / H),
                                  gid="xigeo-legend-axes")
            ax_leg.set_axis_off()
            size_pt, ncol = _legend_layout([h.get_label() for h in unique], legend_w,
                                           legend_top - bottom - 10.0)
            leg = ax_leg.legend(handles=unique, loc="upper left", ncol=ncol, frameon=True,
                                title=legend_title, prop=font(size_pt),
                                title_fontproperties=font(10, bold=True), handlelength=2.2,
                                handleheight=1.3, borderaxespad=0.0, fancybox=False,
                                edgecolor="black", columnspacing=1.0)
            leg.get_frame().set_linewidth(0.6)
            leg.set_gid("xigeo-legend")
            entries = [t.get_text() for t in leg.get_texts()]
        # information block
        when = date if date is not None else dt.date.today()
        if isinstance(when, dt.date):
            when = f"{when.year}年{when.month}月{when.day}日"
        datum = None
        if terrain:
            from ..settings import DEFAULT_ELEVATION_DATUM

            datum = settings.elevation_datum if settings is not None else DEFAULT_ELEVATION_DATUM
        signoff_block.info_block(fig, map_crs, width_mm=W, height_mm=H, margin_mm=m,
                                 top_mm=m + info_h - 3.0, renderer=renderer, bureau=maker,
                                 author=author, reviewer=reviewer, date=str(when), source=source,
                                 elevation_datum=datum, logo=logo, blanks=settings is not None,
                                 notes=_colour_notes(mlayers, palette))
        if denominator is not None:
            # centred between the frame's coordinate labels and the information block
            fig.text(((left + right) / 2) / W, (bottom - 6.5) / H, f"比例尺  {_format_scale(denominator)}",
                     ha="center", va="center", fontproperties=font(8.5), gid="xigeo-scale")
        # outer neat line around the whole sheet content
        fig.add_artist(Rectangle(((m - 4) / W, (m - 4) / H), (W - 2 * m + 8) / W,
                                 (H - 2 * m + 8) / H, transform=fig.transFigure, fill=False,
                                 linewidth=1.6, edgecolor="black", gid="xigeo-frame"))
    fig._repr_png_ = functools.partial(_repr_png, fig)  # type: ignore[attr-defined]
    fig.xigeo_map = MapInfo(title=title, crs=map_crs, paper=str(paper).upper(),  # type: ignore[attr-defined]
                            orientation=orientation, extent=(x0, y0, x1, y1), scale=denominator,
                            scalebar=bar, grid=ticks, legend=entries, sheet=sheet, page=page,
                            frame_mm=(left, bottom, right - left, top - bottom))
    log.info(msg("已制图 %r：%d 个图层，%s", "composed map %r: %d layers, %s"), title, len(mlayers),
             _format_scale(denominator) if denominator else map_crs.name)
    return fig


def map_pages(layers: Any, *, title: str, scale: float, paper: str = "A4",
              orientation: str = "auto", extent: Sequence[float] | None = None,
              margin: float = 0.04, subtitle: str | None = None, crs: Any = None,
              locator: gpd.GeoDataFrame | None = None, **kwargs: Any) -> list[Figure]:
    """A map at a fixed scale on as many pages as it needs: one Figure per sheet.

    The extent (all layers plus ``margin``, or ``extent``) is cut into a grid
    of sheets, each exactly one frame at 1:``scale`` on ``paper`` (the
    orientation that needs fewer pages when ``"auto"``), centred on the
    extent. Sheets showing no feature are left out, so no page has an empty
    frame. Each page's subtitle is its position note (第2幅／共6幅（第1行第2列）,
    rows from the top) and its locator shows the sheet grid with the page's
    sheet marked (the ``locator`` outline, if given, drawn with it).
    ``fig.xigeo_map.page`` is (page, pages, row, column). The other keywords
    are :func:`thematic_map`'s.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"DLBM": ["0101", "0103"]}, geometry=[
    ...     box(38_560_000, 3_580_000, 38_561_000, 3_581_000),
    ...     box(38_562_000, 3_580_000, 38_563_000, 3_581_000)], crs=4526)
    >>> pages = map_pages(g, title="示例图", scale=10000, date="2026年11月")
    >>> [map_info(f).page for f in pages], map_info(pages[0]).scale
    ([(1, 2, 1, 1), (2, 2, 1, 2)], 10000.0)
    """
    from .._options import positive

    scale = positive(scale, name="scale")
    if kwargs.pop("center", None) is not None:
        raise TypeError(msg("map_pages 用 extent=，不用 center=（中心点加比例尺只成一页："
                            "thematic_map(..., center=, scale=)）",
                            "map_pages takes extent=, not center= (a centre and a scale make one page:"
                            " thematic_map(..., center=, scale=))"))
    mlayers = as_layers(layers)
    map_crs = _layer_crs(mlayers, crs)
    ex = _extent(mlayers, extent, margin)
    _choose_page(ex, map_crs, None, paper, "portrait", True, "pages")  # checks paper, CRS kind
    if map_crs.is_geographic:
        _choose_page(ex, map_crs, scale, paper, "portrait", True, "pages")  # refuses
    unit = map_crs.axis_info[0].unit_conversion_factor if map_crs.axis_info else 1.0
    best = None
    for orient in (["landscape", "portrait"] if orientation == "auto" else [orientation]):
        fw, fh = frame_size(paper, orient, subtitle=True)
        sw, sh = fw / 1000 * scale / unit, fh / 1000 * scale / unit  # sheet size, data units
        cols = max(1, math.ceil((ex[2] - ex[0]) / sw * (1 - 1e-9)))
        rows = max(1, math.ceil((ex[3] - ex[1]) / sh * (1 - 1e-9)))
        if best is None or cols * rows < best[1] * best[2]:
            best = (orient, cols, rows, sw, sh)
    assert best is not None
    orient, cols, rows, sw, sh = best
    x_start = (ex[0] + ex[2]) / 2 - cols * sw / 2
    y_top = (ex[1] + ex[3]) / 2 + rows * sh / 2
    r, c = np.divmod(np.arange(rows * cols), cols)
    sx0, sy1 = x_start + c * sw, y_top - r * sh
    sheets = shapely.box(sx0, sy1 - sh, sx0 + sw, sy1)
    used = np.zeros(len(sheets), dtype=bool)
    for lyr in mlayers:
        if len(lyr.data):
            hit = lyr.data.sindex.query(sheets, predicate="intersects")[0]
            used[hit] = True
    keep = np.flatnonzero(used)
    index = gpd.GeoDataFrame(geometry=sheets[keep], crs=map_crs)
    if locator is not None:
        check_same_crs(mlayers[0].data, locator, names=("map", "locator"))
        index = gpd.GeoDataFrame(geometry=_concat_geoms(locator.geometry, index.geometry),
                                 crs=map_crs)
    figures = []
    for k, i in enumerate(keep, start=1):
        frame = sheets[i]
        clipped = [dataclasses.replace(lyr, data=lyr.data.iloc[np.sort(
            lyr.data.sindex.query(frame, predicate="intersects"))] if len(lyr.data) else lyr.data)
            for lyr in mlayers]
        note = f"第{k}幅／共{len(keep)}幅（第{r[i] + 1}行第{c[i] + 1}列）"
        cx, cy = shapely.get_coordinates(shapely.centroid(frame))[0]
        figures.append(thematic_map(
            [lyr for lyr in clipped if len(lyr.data)] or clipped[:1], title=title,
            subtitle=f"{subtitle}　{note}" if subtitle else note, paper=paper,
            orientation=orient, scale=scale, center=(cx, cy), crs=map_crs, locator=index,
            page=(k, len(keep), int(r[i]) + 1, int(c[i]) + 1), **kwargs))
    log.info(msg("地图 %r 比例尺 1:%g：%d 页（%d × %d 幅 %s %s）",
                 "map %r at 1:%g: %d pages (%d x %d sheets of %s %s)"), title, scale, len(figures),
             rows, cols, paper, orient)
    return figures


def _concat_geoms(*series: Any) -> np.ndarray:
    """The geometries of several GeoSeries as one array (in order)."""
    return np.concatenate([np.asarray(s.values, dtype=object) for s in series])


def _shrink_to(text: Any, width_px: float, renderer: Any, *, minimum: float) -> None:
    """Reduce a text's font size until it is at most ``width_px`` wide (not below ``minimum`` pt)."""
    width = text.get_window_extent(renderer).width
    if width > width_px > 0:
        size = max(minimum, text.get_fontsize() * width_px / width * 0.98)
        text.set_fontsize(size)
        if size == minimum:
            log.warning(msg("文字 %r 在 %g pt 下仍超出页面；请缩短",
                            "text %r does not fit the page at %g pt; shorten it"), text.get_text()[:40],
                        minimum)


def _repr_png(fig: Figure) -> bytes:
    """PNG for Jupyter when no inline backend is active (a bare Figure as a cell's result),
    at most 960 px wide (nbconvert's page; an A3 sheet at 100 dpi would be 1,654 px)."""
    buf = io.BytesIO()
    with matplotlib.rc_context(map_rc()):
        fig.savefig(buf, format="png", dpi=min(100.0, 960 / fig.get_figwidth()))
    return buf.getvalue()


def map_format(path: str | os.PathLike[str]) -> str:
    """The map format of a file name (``pdf``, ``png`` or ``svg``), else OptionError.

    >>> map_format("图.PDF")
    'pdf'
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        allowed = ", ".join("." + f for f in FORMATS)
        raise OptionError(msg(f"{path}：不支持地图格式 {path.suffix or '（无）'}；可选 {allowed}",
                              f"{path}: map format {path.suffix or '(none)'} not supported; "
                              f"use one of {allowed}"))
    return fmt


def export_map(layers: Any, path: str | os.PathLike[str], *, dpi: int = 300,
               overwrite: bool = False, fit: str = "paper", **kwargs: Any) -> Path:
    """Write a map to PDF, PNG or SVG (by the file's suffix); return the path.

    ``layers`` is what :func:`thematic_map` takes (then ``title=`` and the
    other keywords are passed on), or a Figure already made (a ready-made
    map). PDFs embed the shipped TrueType font (Type 42), so the text is
    searchable and renders in every viewer; the file is written to a
    temporary name and renamed, so a failure never leaves half a file. An
    existing file is refused (:class:`~xigeo.errors.LayerWriteError`) unless
    ``overwrite=True``.

    ``fit="pages"`` with a ``scale=`` writes a map that does not fit the
    paper as a multi-page PDF, one sheet per page (:func:`map_pages`); PNG
    and SVG hold one page, so there it is an error when more are needed.
    ``fit="paper"`` (default) sizes the paper up instead (:func:`thematic_map`).

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"DLBM": ["0103"]}, geometry=[box(500_000, 3_580_000,
    ...     500_800, 3_580_600)], crs=4547)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "图.pdf"
    >>> export_map(g, out, title="旱地分布图", date="2026年11月").name
    '图.pdf'
    """
    from .._options import positive

    path = Path(path)
    fmt = map_format(path)
    dpi = int(positive(dpi, name="dpi"))
    if isinstance(layers, Figure) and kwargs:
        given = ", ".join(sorted(kwargs))
        raise TypeError(msg(f"export_map 收到的是已完成的 Figure，又给了制图选项（{given}）；"
                            "请在制图时给出这些选项",
                            f"export_map got a finished Figure and map options "
                            f"({given}); pass them when making the map"))
    # atomic_path refuses an existing file (without overwrite) before the map is composed
    if fit not in FITS:
        raise OptionError(f"fit={fit!r}：可选 {', '.join(FITS)}")
    with atomic_path(path, overwrite=overwrite) as tmp:
        if isinstance(layers, Figure):
            fig = layers
        elif fit == "pages" and kwargs.get("scale") is not None and kwargs.get("center") is None:
            figures = map_pages(layers, **kwargs)
            if len(figures) > 1:
                if fmt != "pdf":
                    raise OptionError(f"{path}：比例尺 1:{kwargs['scale']:g} 下需分 {len(figures)} "
                                      f"幅，.{fmt} 文件只能存一页。改正：输出 .pdf，或 "
                                      + fix("fit='paper'", "--fit paper"))
                from matplotlib.backends.backend_pdf import PdfPages

                with matplotlib.rc_context(map_rc()), PdfPages(
                        tmp, metadata={"Creator": "xigeo", "Title": kwargs.get("title")}) as pdf:
                    for page in figures:
                        pdf.savefig(page)
                log.info(msg("已写入 %s（%d 页）", "wrote %s (%d pages)"), path, len(figures))
                return path
            fig = figures[0]
        else:
            fig = thematic_map(layers, fit=fit, **kwargs)
        title = getattr(getattr(fig, "xigeo_map", None), "title", None)
        metadata: dict[str, Any] = ({"Software": "xigeo", "Title": title} if fmt == "png"
                                    else {"Creator": "xigeo", "Title": title})
        with matplotlib.rc_context(map_rc()):
            fig.savefig(tmp, format=fmt, dpi=dpi,
                        metadata={k: v for k, v in metadata.items() if v})
    log.info(msg("已写入 %s", "wrote %s"), path)
    return path
