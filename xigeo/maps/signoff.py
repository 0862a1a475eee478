"""The sign-off block of a map (图廓外注记): who made it, when, on which coordinate system.

As on Chinese thematic maps, the foot of the sheet carries, on the left, the
coordinate system and projection in full (2000国家大地坐标系, 高斯-克吕格投影
3度带 第38带 中央经线114°), the height datum where the map shows a DEM
(1985国家高程基准) and the data source; on the right 制图单位, 制图人, 审核人
and 制图日期; optionally the bureau's logo at the far left. Every line is
text, so it stays searchable in a PDF. :func:`crs_name` gives the Chinese
names of a CRS; :func:`info_block` draws the block (called by
:func:`xigeo.maps.thematic_map`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import pyproj

from .._lang import msg
from ..crs import gk_info, normalize_crs
from ..errors import LayerReadError, OptionError
from ._fonts import font

log = logging.getLogger(__name__)

__all__ = ["crs_name", "info_block"]

MM = 1 / 25.4

#: pyproj datum names -> the Chinese names printed on maps
_DATUM_NAMES = {"china 2000": "2000国家大地坐标系", "xian 1980": "1980西安坐标系",
                "beijing 1954": "1954北京坐标系", "new beijing": "新1954北京坐标系"}


def _datum_name(crs: pyproj.CRS) -> str | None:
    datum = crs.datum.name if crs.datum is not None else ""
    key = datum.lower()
    for name, zh in _DATUM_NAMES.items():
        if key.startswith(name):
            return zh
    if key.startswith("world geodetic system 1984"):
        return "WGS 84坐标系"
    return None


def crs_name(crs: Any) -> tuple[str, str]:
    """The coordinate system and the projection of ``crs``, in Chinese, as maps print them.

    The datum comes from the CRS's datum (pyproj), the projection from its
    conversion: Gauss–Krüger zones with their width, zone number and central
    meridian (whether the eastings carry the zone number is said when they do
    not); a geographic CRS is 地理坐标. Other CRSs keep their own name.

    Examples
    --------
    >>> crs_name(4526)
    ('2000国家大地坐标系', '高斯-克吕格投影 3度带 第38带 中央经线114°')
    >>> crs_name(4547)
    ('2000国家大地坐标系', '高斯-克吕格投影 3度带 第38带 中央经线114°（坐标不含带号）')
    >>> crs_name(4490)
    ('2000国家大地坐标系', '地理坐标')
    >>> crs_name(32650)
    ('WGS 84坐标系', 'WGS 84 / UTM zone 50N')
    """
    crs = normalize_crs(crs)
    datum = _datum_name(crs)
    if crs.is_geographic:
        return datum or crs.name, "地理坐标"
    info = gk_info(crs)
    if info is not None and datum is not None:
        cm = f"{info.central_meridian:g}°"
        note = "" if info.prefix else "（坐标不含带号）"
        return datum, f"高斯-克吕格投影 {info.width}度带 第{info.zone}带 中央经线{cm}{note}"
    return datum or crs.name, crs.name


def _read_logo(path: Path) -> Any:
    import matplotlib.image

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise OptionError(msg(f"标志 {path}：不是 .png 文件；请把标志存为 PNG",
                              f"logo {path}: not a .png file; save the logo as PNG"))
    try:
        return matplotlib.image.imread(path, format="png")
    except FileNotFoundError:
        raise LayerReadError(msg(f"标志 {path} 不存在", f"logo {path} does not exist")) from None
    except (OSError, ValueError, SyntaxError) as err:
        raise LayerReadError(msg(f"标志 {path} 不是可读的 PNG（{err}）；请重新存为 PNG",
                                 f"logo {path} is not a readable PNG ({err}); save it again as PNG")) from None


def info_block(fig: Any, crs: pyproj.CRS, *, width_mm: float, height_mm: float, margin_mm: float,
               top_mm: float, renderer: Any, bureau: str | None = None, author: str | None = None,
               reviewer: str | None = None, date: str = "", source: str | None = None,
               elevation_datum: str | None = None, logo: Any = None,
               blanks: bool = False, notes: Sequence[str] = ()) -> list[Any]:
    """Draw the sign-off block at the foot of ``fig``; return its texts (left, right).

    ``top_mm`` is the height (from the sheet's foot) of the block's first
    line. The left column holds 坐标系, 投影, 高程基准 (when
    ``elevation_datum`` is given: the map shows a DEM) and 数据来源; the right
    column 制图单位, 制图人, 审核人 and 制图日期 — 制图人 and 审核人 left blank
    for a signature when ``blanks`` and not given. ``logo`` (a PNG path) is
    drawn at the far left, as tall as the block. ``notes`` are further lines of the left
    column (the colour table's source on a land-use map).
    """
    W, H, m = width_mm, height_mm, margin_mm
    size, spacing = 7.0, 1.45
    system, projection = crs_name(crs)
    epsg = crs.to_epsg()
    left_lines = [f"坐标系：{system}" + (f"（EPSG:{epsg}）" if epsg else ""), f"投影：{projection}"]
    if elevation_datum:
        left_lines.append(f"高程基准：{elevation_datum}")
    if source:
        left_lines.append(f"数据来源：{source}")
    left_lines += list(notes)
    right_lines = []
    if bureau:
        right_lines.append(f"制图单位：{bureau}")
    for label, value in (("制图人", author), ("审核人", reviewer)):
        if value or blanks:
            right_lines.append(f"{label}：{value or '　' * 6}")
    right_lines.append(f"制图日期：{date}")
    x_left = m
    if logo is not None:
        image = _read_logo(logo)
        side = top_mm - (m - 3.0)
        h_px, w_px = image.shape[:2]
        w_logo = min(side * w_px / max(h_px, 1), 2.5 * side)
        ax = fig.add_axes((m / W, (top_mm - side) / H, w_logo / W, side / H), gid="xigeo-logo")
        ax.imshow(image, interpolation="antialiased")
        ax.set_aspect("equal", anchor="W")
        ax.set_axis_off()
        x_left = m + w_logo + 2.0
    left = fig.text(x_left / W, top_mm / H, "\n".join(left_lines), ha="left", va="top",
                    fontproperties=font(size), linespacing=spacing, gid="xigeo-info")
    right = fig.text((W - m) / W, top_mm / H, "\n".join(right_lines), ha="left", va="top",
                     fontproperties=font(size), linespacing=spacing, gid="xigeo-info")
    # the right column is left-aligned (labels in a column) and ends at the margin
    r_width = right.get_window_extent(renderer).width / fig.dpi / MM
    right.set_x((W - m - r_width) / W)
    room_px = (W - m - r_width - 6.0 - x_left) * MM * fig.dpi
    width = left.get_window_extent(renderer).width
    if width > room_px > 0:
        new = max(5.0, size * room_px / width * 0.98)
        left.set_fontsize(new)
        if new == 5.0:
            log.warning(msg("图签左栏在 5 pt 下仍放不下；请缩短数据来源",
                            "the sign-off block's left column does not fit at 5 pt; shorten the data "
                            "source"))
    lines = len(max(left_lines, right_lines, key=len))
    if top_mm - lines * size * spacing * 25.4 / 72 < m - 3.5:
        log.warning(msg("图签（%d 行）压到了图廓", "the sign-off block (%d lines) runs into the sheet's frame"),
                    lines)
    return [left, right]
