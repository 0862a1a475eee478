"""Map furniture: scale bar, north arrow, coordinate grid, CRS description.

Every element is drawn with a ``gid`` (``xigeo-scalebar``, ``xigeo-north``,
``xigeo-grid`` …) so tests and users can find it among the figure's artists.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyproj
from matplotlib.axes import Axes
from matplotlib.patches import Polygon, Rectangle
from matplotlib.transforms import blended_transform_factory

from .._lang import msg
from ..crs import Datum, gk_info
from ..errors import OptionError
from ._fonts import font

__all__ = ["nice_length", "scale_bar", "north_arrow", "grid", "crs_text", "format_dms",
           "format_metres"]

_DATUM_ZH = {Datum.CGCS2000: "2000国家大地坐标系", Datum.XIAN1980: "1980西安坐标系",
             Datum.BEIJING1954: "1954年北京坐标系"}


def nice_length(target: float) -> float:
    """The largest 1, 2, 2.5 or 5 × 10ⁿ not above ``target`` (a round scale-bar length).

    >>> nice_length(3700), nice_length(2600), nice_length(999)
    (2500.0, 2500.0, 500.0)
    """
    if not target > 0:
        raise OptionError(msg(f"比例尺的目标长度须为正数，而不是 {target}",
                              f"scale bar target length must be positive, got {target}"))
    exp = math.floor(math.log10(target))
    for m in (5, 2.5, 2, 1):
        if m * 10.0 ** exp <= target * (1 + 1e-12):
            return m * 10.0 ** exp
    return 10.0 ** exp  # pragma: no cover


def _distance_label(metres: float) -> str:
    """'500 米' below 1 km, else kilometres: '2.5 千米'.

    >>> _distance_label(500), _distance_label(2500), _distance_label(10000)
    ('500 米', '2.5 千米', '10 千米')
    """
    if metres < 1000:
        return f"{metres:g} 米"
    return f"{metres / 1000:g} 千米"


def _ground_to_data(crs: pyproj.CRS, x0: float, y: float, metres: float) -> float:
    """Length in data x units of ``metres`` of ground along the parallel/row at (x0, y)."""
    if crs.is_geographic:
        geod = crs.get_geod()
        assert geod is not None  # a geographic CRS always has an ellipsoid
        lon1, _, _ = geod.fwd(x0, y, 90.0, metres)
        # fwd follows a geodesic, not the parallel; refine so the parallel chord is exact
        for _ in range(3):
            _, _, d = geod.inv(x0, y, lon1, y)
            lon1 = x0 + (lon1 - x0) * metres / d
        return lon1 - x0
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return metres / unit


def scale_bar(ax: Axes, crs: pyproj.CRS, *, fraction: float = 0.25, segments: int = 4,
              length_m: float | None = None, loc: tuple[float, float] = (0.05, 0.05),
              fontsize: float = 7) -> tuple[float, float, float]:
    """Draw an alternating black/white scale bar in ``ax``; return (x0, x1, metres).

    The bar is drawn in data x units (its ends are data coordinates) and axes
    y units, so its length on paper always matches the map. In a projected
    CRS the data length equals the ground distance in metres; in a
    geographic CRS it is the longitude span whose length along the parallel
    is that distance on the CRS's ellipsoid.
    """
    x_lo, x_hi = ax.get_xlim()
    y_lo, y_hi = ax.get_ylim()
    x0 = x_lo + loc[0] * (x_hi - x_lo)
    y_data = y_lo + loc[1] * (y_hi - y_lo)
    if length_m is None:
        per_metre = _ground_to_data(crs, x0, y_data, 1000.0) / 1000.0
        length_m = nice_length(fraction * (x_hi - x_lo) / per_metre)
    span = _ground_to_data(crs, x0, y_data, length_m)
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    height = 0.012
    # white box behind the bar and its labels
    ax.add_patch(Rectangle((x0 - 0.02 * (x_hi - x_lo), loc[1] - 0.025), span + 0.06 * (x_hi - x_lo),
                           0.075, transform=trans, facecolor="white", edgecolor="none",
                           alpha=0.8, zorder=20, gid="xigeo-scalebar-box"))
    step = span / segments
    for i in range(segments):
        ax.add_patch(Rectangle((x0 + i * step, loc[1]), step, height, transform=trans,
                               facecolor="black" if i % 2 == 0 else "white", edgecolor="black",
                               linewidth=0.6, zorder=21, gid="xigeo-scalebar"))
    for i in (0, segments // 2, segments):
        metres = length_m * i / segments
        text = "0" if i == 0 else (f"{metres:g}" if length_m < 1000 else f"{metres / 1000:g}")
        ax.text(x0 + i * step, loc[1] + height + 0.006, text, transform=trans, ha="center",
                va="bottom", fontproperties=font(fontsize), zorder=22, gid="xigeo-scalebar-tick")
    unit = "米" if length_m < 1000 else "千米"
    ax.text(x0 + span + 0.01 * (x_hi - x_lo), loc[1] + height / 2, unit, transform=trans,
            ha="left", va="center", fontproperties=font(fontsize), zorder=22,
            gid="xigeo-scalebar-unit")
    return x0, x0 + span, length_m


def north_arrow(ax: Axes, *, loc: tuple[float, float] = (0.93, 0.86), size: float = 0.07,
                fontsize: float = 10) -> None:
    """Draw a north arrow (half-black spearhead and 北) in axes coordinates."""
    x, y = loc
    w = size * 0.3
    fig: Any = ax.figure
    bbox = ax.get_position()
    aspect = (bbox.width * fig.get_figwidth()) / (bbox.height * fig.get_figheight())
    w_ax = w / aspect  # keep the arrow's shape on non-square axes
    left = Polygon([(x, y + size), (x - w_ax, y), (x, y + size * 0.25)], closed=True,
                   transform=ax.transAxes, facecolor="white", edgecolor="black", linewidth=0.7,
                   zorder=23, gid="xigeo-north")
    right = Polygon([(x, y + size), (x + w_ax, y), (x, y + size * 0.25)], closed=True,
                    transform=ax.transAxes, facecolor="black", edgecolor="black", linewidth=0.7,
                    zorder=23, gid="xigeo-north")
    ax.add_patch(left)
    ax.add_patch(right)
    ax.text(x, y + size + 0.008, "北", transform=ax.transAxes, ha="center", va="bottom",
            fontproperties=font(fontsize, bold=True), zorder=23, gid="xigeo-north-label")


def format_dms(value: float, axis: str, *, seconds: bool = False) -> str:
    """Degrees and minutes (and seconds) with the hemisphere: 114°40′E, 32°20′N.

    >>> format_dms(114 + 40 / 60, "lon"), format_dms(32.5, "lat")
    ('114°40′E', '32°30′N')
    >>> format_dms(114 + 40 / 60 + 30 / 3600, "lon", seconds=True)
    '114°40′30″E'
    """
    hemi = ("E" if value >= 0 else "W") if axis == "lon" else ("N" if value >= 0 else "S")
    total = round(abs(value) * 3600) if seconds else round(abs(value) * 60) * 60
    deg, rem = divmod(total, 3600)
    minutes, secs = divmod(rem, 60)
    if seconds:
        return f"{deg}°{minutes:02d}′{secs:02d}″{hemi}"
    return f"{deg}°{minutes:02d}′{hemi}" if minutes else f"{deg}°{hemi}"


def format_metres(value: float) -> str:
    """GK coordinate in metres with spaces between thousands: '38 560 000'.

    >>> format_metres(38_560_000), format_metres(3_580_500)
    ('38 560 000', '3 580 500')
    """
    return f"{value:,.0f}".replace(",", " ")


def _nice_step(span: float, target_lines: int, steps: list[float]) -> float:
    want = span / target_lines
    for s in steps:
        if s >= want:
            return s
    return steps[-1]


_METRE_STEPS = [m * 10.0 ** e for e in range(0, 7) for m in (1, 2, 5)]
_ARC_STEPS = [s / 3600 for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
                                 7200, 18000, 36000)]


def grid(ax: Axes, crs: pyproj.CRS, *, mode: str = "auto", lines: int = 4,
         fontsize: float = 6.5) -> dict[str, list[tuple[float, str]]]:
    """Draw a labelled coordinate grid; return the tick positions and labels per side.

    ``mode``: ``"gk"`` (projected metres, the CRS's own eastings and
    northings), ``"dms"`` (degrees and minutes: meridians and parallels
    drawn as lines, labelled where they cross the bottom and left frame), or
    ``"auto"`` (metres in a projected CRS, degrees in a geographic one).
    """
    if mode not in ("auto", "gk", "dms", "none"):
        raise OptionError(msg(f"格网方式 {mode!r}：可选 auto、gk、dms 或 none",
                              f"grid mode {mode!r}: use auto, gk, dms or none"))
    if mode == "none":
        ax.set_xticks([])
        ax.set_yticks([])
        return {"x": [], "y": []}
    if mode == "auto":
        mode = "dms" if crs.is_geographic else "gk"
    if mode == "gk" and crs.is_geographic:
        raise OptionError(msg("grid='gk' 需要投影坐标系；经纬度请用 grid='dms'",
                              "grid='gk' needs a projected CRS; use grid='dms' for degrees"))
    x_lo, x_hi = ax.get_xlim()
    y_lo, y_hi = ax.get_ylim()
    style: dict[str, Any] = dict(color=(0.45, 0.45, 0.45), linewidth=0.3, linestyle=(0, (3, 3)),
                                 zorder=15)
    ticks: dict[str, list[tuple[float, str]]] = {"x": [], "y": []}
    if mode == "gk":
        step = _nice_step(min(x_hi - x_lo, y_hi - y_lo), lines, _METRE_STEPS)
        xs = np.arange(math.ceil(x_lo / step) * step, x_hi, step)
        ys = np.arange(math.ceil(y_lo / step) * step, y_hi, step)
        for x in xs:
            ax.plot([x, x], [y_lo, y_hi], gid="xigeo-grid", **style)
        for y in ys:
            ax.plot([x_lo, x_hi], [y, y], gid="xigeo-grid", **style)
        ticks["x"] = [(float(x), format_metres(x)) for x in xs]
        ticks["y"] = [(float(y), format_metres(y)) for y in ys]
    elif crs.is_geographic:
        step = _nice_step(min(x_hi - x_lo, y_hi - y_lo), lines, _ARC_STEPS)
        xs = np.arange(math.ceil(x_lo / step - 1e-9) * step, x_hi, step)
        ys = np.arange(math.ceil(y_lo / step - 1e-9) * step, y_hi, step)
        secs = step < 1 / 60 - 1e-12
        for x in xs:
            ax.plot([x, x], [y_lo, y_hi], gid="xigeo-grid", **style)
        for y in ys:
            ax.plot([x_lo, x_hi], [y, y], gid="xigeo-grid", **style)
        ticks["x"] = [(float(x), format_dms(x, "lon", seconds=secs)) for x in xs]
        ticks["y"] = [(float(y), format_dms(y, "lat", seconds=secs)) for y in ys]
    else:
        ticks = _projected_graticule(ax, crs, lines, style)
    # meridians converge in a projected map: the bottom/left crossings are not the top/right ones
    mirrored = not (mode == "dms" and not crs.is_geographic)
    ax.set_xticks([t for t, _ in ticks["x"]], [s for _, s in ticks["x"]])
    ax.set_yticks([t for t, _ in ticks["y"]], [s for _, s in ticks["y"]])
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    family = font().get_family()
    ax.tick_params(axis="both", direction="in", length=3, width=0.5, labelsize=fontsize,
                   labelfontfamily=family, top=mirrored, right=mirrored)
    for label in ax.get_yticklabels():
        label.set_rotation(90)
        label.set_verticalalignment("center")
    return ticks


def _projected_graticule(ax: Axes, crs: pyproj.CRS, lines: int,
                         style: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """Meridians and parallels in a projected map, labelled where they cut the frame."""
    x_lo, x_hi = ax.get_xlim()
    y_lo, y_hi = ax.get_ylim()
    geo = crs.geodetic_crs
    to_geo = pyproj.Transformer.from_crs(crs, geo, always_xy=True)
    to_map = pyproj.Transformer.from_crs(geo, crs, always_xy=True)
    ex, ey = np.meshgrid(np.linspace(x_lo, x_hi, 9), np.linspace(y_lo, y_hi, 9))
    lon, lat = to_geo.transform(ex.ravel(), ey.ravel())
    lon_lo, lon_hi, lat_lo, lat_hi = lon.min(), lon.max(), lat.min(), lat.max()
    step = _nice_step(min(lon_hi - lon_lo, lat_hi - lat_lo), lines, _ARC_STEPS)
    secs = step < 1 / 60 - 1e-12
    lons = np.arange(math.ceil(lon_lo / step - 1e-9) * step, lon_hi, step)
    lats = np.arange(math.ceil(lat_lo / step - 1e-9) * step, lat_hi, step)
    t = np.linspace(0, 1, 64)
    for lo in lons:
        xs, ys = to_map.transform(np.full_like(t, lo), lat_lo + t * (lat_hi - lat_lo))
        ax.plot(xs, ys, gid="xigeo-grid", **style)
    for la in lats:
        xs, ys = to_map.transform(lon_lo + t * (lon_hi - lon_lo), np.full_like(t, la))
        ax.plot(xs, ys, gid="xigeo-grid", **style)
    ticks: dict[str, list[tuple[float, str]]] = {"x": [], "y": []}
    for lo in lons:  # where the meridian crosses the bottom edge y = y_lo
        x = _solve(lambda x: to_geo.transform(x, y_lo)[0] - lo, x_lo, x_hi)
        if x is not None:
            ticks["x"].append((x, format_dms(lo, "lon", seconds=secs)))
    for la in lats:  # where the parallel crosses the left edge x = x_lo
        y = _solve(lambda y: to_geo.transform(x_lo, y)[1] - la, y_lo, y_hi)
        if y is not None:
            ticks["y"].append((y, format_dms(la, "lat", seconds=secs)))
    return ticks


def _solve(f: Any, lo: float, hi: float) -> float | None:
    """Root of a monotone ``f`` on [lo, hi] by bisection (None if it does not change sign)."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo * f_hi > 0:
        return None
    for _ in range(60):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if (f_mid <= 0) == (f_lo <= 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (lo + hi) / 2


def crs_text(crs: pyproj.CRS) -> str:
    """Chinese description of a CRS for the map's information block.

    >>> crs_text(pyproj.CRS.from_epsg(4526))
    '2000国家大地坐标系，高斯-克吕格投影3度带第38带（中央经线114°E，EPSG:4526）'
    >>> crs_text(pyproj.CRS.from_epsg(4490))
    '2000国家大地坐标系，经纬度（EPSG:4490）'
    """
    epsg = crs.to_epsg()
    code = f"EPSG:{epsg}" if epsg else crs.name
    info = gk_info(crs)
    if info is not None:
        datum = _DATUM_ZH.get(info.datum, str(info.datum.value))
        zone = f"第{info.zone}带" if info.prefix else f"中央经线{info.central_meridian:g}°E"
        if info.prefix:
            return (f"{datum}，高斯-克吕格投影{info.width}度带{zone}"
                    f"（中央经线{info.central_meridian:g}°E，{code}）")
        return f"{datum}，高斯-克吕格投影{info.width}度带（{zone}，{code}）"
    if crs.is_geographic:
        if crs.to_epsg() == 4490:
            return f"2000国家大地坐标系，经纬度（{code}）"
        return f"{crs.name}，经纬度（{code}）"
    return f"{crs.name}（{code}）"
