"""The ministry coordinate exchange file (部标准坐标 TXT): read and write.

Construction-land, consolidation and linkage parcels are submitted to the
province and the ministry as a text file with an ``[属性描述]`` header
(datum, zone width, zone, …) and a ``[地块坐标]`` section: per parcel one
attribute line ending in ``@`` and one point line per boundary point
(``点号,圈号,X,Y`` with X the northing and Y the easting). The full format
and the conventions xigeo follows are in ``docs/coords.md``.

:func:`read_coords` returns one row per parcel, with the CRS the header and
the coordinates declare. :func:`write_coords` writes a polygon layer in a
Chinese Gauss–Krüger CRS, with the survey ellipsoidal area in hectares.

Multi-part parcels: ring numbers increase over all rings of a parcel (part 1
outer = 1, its holes 2, 3, part 2 outer = 4, …). When reading, the role of
a ring comes from containment, not from its number: a ring inside an odd
number of the parcel's other rings is a hole of the smallest of them; any
other ring (beside the others, or an island in a hole) starts a new part.
So a second part is never mistaken for a hole, and a parcel reads back the
same whatever order or numbering its rings have.

Examples
--------
>>> import pathlib, tempfile
>>> import geopandas as gpd
>>> from shapely import box
>>> parcels = gpd.GeoDataFrame(
...     {"DKBH": ["XJ-01"], "DKMC": ["示例地块"], "DKYT": ["拆旧区"], "DLBM": ["0702"]},
...     geometry=[box(38_569_600, 3_579_800, 38_569_750, 3_579_930)], crs=4526)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "坐标.txt"
>>> _ = write_coords(parcels, path, header={"数据产生日期": "2026-11-26"})
>>> print(path.read_text(encoding="gbk"))
[属性描述]
格式版本号=1.01
数据产生单位=
数据产生日期=2026-11-26
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=38
精度=0.01
转换参数=,,,,,,
[地块坐标]
5,1.9498,XJ-01,示例地块,面,,拆旧区,0702,@
J1,1,3579930.000,38569600.000
J2,1,3579930.000,38569750.000
J3,1,3579800.000,38569750.000
J4,1,3579800.000,38569600.000
J1,1,3579930.000,38569600.000
<BLANKLINE>
>>> back = read_coords(path)
>>> back.crs.to_epsg(), back.loc[0, "DKMC"], float(back.area[0])
(4526, '示例地块', 19500.0)
"""

from __future__ import annotations

import codecs
import datetime
import enum
import logging
import math
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._files import atomic_path
from ._lang import msg
from .crs import Datum, GKInfo, check_crs, gk_crs, gk_info, layer_name, normalize_crs
from .errors import (
    fix,
    CoordsFileError,
    CRSError,
    LayerReadError,
    SchemaError,
    ValidationError,
    XigeoWarning,
    fix,
    format_ids,
)

__all__ = [
    "CoordsLayout",
    "FIELD_NAMES",
    "HEADER_KEYS",
    "read_coords",
    "write_coords",
]

log = logging.getLogger(__name__)

#: Column codes of the attribute line, in file order, and their Chinese names.
#: The first eight are the standard line (勘测定界 / 建设用地报批); the
#: consolidation line (土地整治, 耕地提质改造) adds five.
FIELD_NAMES: dict[str, str] = {
    "JZDS": "界址点数",
    "DKMJ": "地块面积",
    "DKBH": "地块编号",
    "DKMC": "地块名称",
    "JLTXSX": "记录图形属性",
    "TFH": "图幅号",
    "DKYT": "地块用途",
    "DLBM": "地类编码",
    "TBLX": "图斑类型",
    "DL": "地类",
    "GZQ": "改造前质量等别",
    "GZH": "改造后质量等别",
    "BZ": "备注",
}
_STANDARD = ("JZDS", "DKMJ", "DKBH", "DKMC", "JLTXSX", "TFH", "DKYT", "DLBM")
_CONSOLIDATION = _STANDARD + ("TBLX", "DL", "GZQ", "GZH", "BZ")
_COMPUTED = ("JZDS", "DKMJ", "JLTXSX")

#: Keys of the ``[属性描述]`` section, in the order they are written.
HEADER_KEYS: tuple[str, ...] = (
    "格式版本号", "数据产生单位", "数据产生日期", "坐标系", "几度分带", "投影类型",
    "计量单位", "带号", "精度", "转换参数",
)
_CRS_KEYS = ("坐标系", "几度分带", "带号")
_KEPT_KEYS = ("格式版本号", "数据产生单位", "精度", "转换参数")  # reused from gdf.attrs["header"]
_DEFAULT_HEADER = {
    "格式版本号": "1.01",
    "数据产生单位": "",
    "投影类型": "高斯克吕格",
    "计量单位": "米",
    "精度": "0.01",
    "转换参数": ",,,,,,",
}
_DATUM_TEXT = {
    Datum.CGCS2000: "2000国家大地坐标系",
    Datum.XIAN1980: "1980西安坐标系",
    Datum.BEIJING1954: "1954北京坐标系",
}
_HEADER_SECTION = "属性描述"
_PARCEL_SECTION = "地块坐标"
_DECIMALS = 3          # coordinates: millimetres
_AREA_DECIMALS = 4     # hectares: 0.0001 ha = 1 m²
_MAX_LISTED = 20       # problems listed in one error message
_AREA_TOLERANCE = 0.01  # relative difference of 地块面积 from the geometry before a warning


class CoordsLayout(str, enum.Enum):
    """Which attribute line to write: the standard 8 fields or the consolidation 13.

    >>> CoordsLayout.create("土地整治")
    <CoordsLayout.CONSOLIDATION: 'consolidation'>
    """

    STANDARD = "standard"
    CONSOLIDATION = "consolidation"

    @property
    def fields(self) -> tuple[str, ...]:
        """Column codes of the attribute line (the final ``@`` not included)."""
        return _STANDARD if self is CoordsLayout.STANDARD else _CONSOLIDATION

    @classmethod
    def create(cls, layout: "str | CoordsLayout") -> "CoordsLayout":
        """Return the layout named by ``layout``; the error lists the allowed names."""
        if isinstance(layout, CoordsLayout):
            return layout
        key = str(layout).strip().lower()
        key = {"标准": "standard", "勘测定界": "standard", "报批": "standard",
               "整治": "consolidation", "土地整治": "consolidation",
               "提质改造": "consolidation"}.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise CoordsFileError(msg(
                f"未知的属性行格式 {layout!r}；请用 'standard'（8 个字段：{','.join(_STANDARD)}）"
                f"或 'consolidation'（13 个字段：{','.join(_CONSOLIDATION)}）",
                f"unknown attribute-line layout {layout!r}; use 'standard' (8 fields: "
                f"{','.join(_STANDARD)}) or 'consolidation' (13 fields: "
                f"{','.join(_CONSOLIDATION)})"
            )) from None


# --------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------

class _Problems:
    """Problems found in a file, each with its line; raised together at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.items.append((line, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        items = sorted(self.items, key=lambda item: item[0])
        if len(items) == 1:
            line, message = items[0]
            raise CoordsFileError(msg(f"{self.path}，第 {line} 行：{message}",
                                      f"{self.path}, line {line}: {message}"))
        listed = "\n".join(msg(f"  第 {line} 行：{message}", f"  line {line}: {message}")
                           for line, message in items[:_MAX_LISTED])
        rest = len(items) - _MAX_LISTED
        more = msg(f"\n  …另有 {rest} 个", f"\n  … and {rest} more") if rest > 0 else ""
        raise CoordsFileError(msg(f"{self.path}：{len(items)} 个问题：\n{listed}{more}",
                                  f"{self.path}: {len(items)} problems:\n{listed}{more}"))


def _decode(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Text of the file and the encoding used: BOM, else UTF-8 if valid, else GB18030."""
    if encoding is None:
        if data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            try:
                return data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError as exc:
                # Chinese (3-byte) UTF-8 before the bad byte: not a GBK file read by chance
                before = data[: exc.start].decode("utf-8", errors="ignore")
                if sum("\u4e00" <= c <= "\u9fff" for c in before) >= 2:
                    line = data[: exc.start].count(b"\n") + 1
                    raise CoordsFileError(msg(
                        f"{path}，第 {line} 行：文本编码混用：前面的行是含中文的 UTF-8，"
                        "这一行不是（GBK？）；请用同一种编码保存整个文件",
                        f"{path}, line {line}: mixed text encodings: the lines before are "
                        "UTF-8 with Chinese text, this line is not (GBK?); save the whole "
                        "file in one encoding")) from None
                encoding = "gb18030"  # a superset of GBK and GB2312
    try:
        text = data.decode(encoding)
    except LookupError:
        raise CoordsFileError(msg(f"{path}：未知的文本编码 {encoding!r}；请用 'gbk'、'gb18030' 或 "
                                  "'utf-8' 等（或保留 encoding=None 自动识别）",
                                  f"{path}: unknown text encoding {encoding!r}; use e.g. 'gbk', "
                                  "'gb18030' or 'utf-8' (or leave encoding=None to detect it)")) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raw = data[exc.start:exc.start + 4]
        raise CoordsFileError(msg(
            f"{path}，第 {line} 行：字节 {raw!r} 不是 {encoding} 编码；请给出文件的编码"
            "（如 encoding='gbk' 或 'utf-8'），或保留 encoding=None 自动识别",
            f"{path}, line {line}: the bytes {raw!r} are not "
            f"{encoding}; pass the file's encoding (e.g. encoding='gbk' or 'utf-8') or "
            "leave encoding=None to detect it"
        )) from None
    log.debug("%s: decoded as %s", path, encoding)
    return text.lstrip("\ufeff"), encoding


_SECTION = re.compile(r"^[\[【]\s*(.+?)\s*[\]】]$")


def _parse_int(text: str) -> int | None:
    text = text.strip().rstrip("度").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    # counts, ring and zone numbers: a whole number of at most 9 digits (no int64 overflow)
    return int(value) if value.is_integer() and abs(value) < 1e9 else None


def _parse_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _datum_from_text(text: str) -> Datum | None:
    """Datum named by a 坐标系 value (``2000国家大地坐标系``, ``西安80``, ``CGCS2000``, …)."""
    try:
        return Datum.create(text.strip())
    except CRSError:
        pass
    key = text.upper().replace(" ", "")
    if "2000" in key or "CGCS" in key:
        return Datum.CGCS2000
    if "80" in key or "西安" in key or "XIAN" in key:
        return Datum.XIAN1980
    if "54" in key or "北京" in key or "BEIJING" in key:
        return Datum.BEIJING1954
    return None


class _Parsed:
    """What the parser collected: header, parcels and a flat table of points."""

    def __init__(self) -> None:
        self.header: dict[str, str] = {}
        self.header_line: dict[str, int] = {}
        self.sections: set[str] = set()
        self.parcel_line: list[int] = []
        self.parcel_values: list[list[str]] = []
        self.pt_line: list[int] = []
        self.pt_parcel: list[int] = []
        self.pt_name: list[str] = []
        self.pt_ring: list[int] = []
        self.pt_x: list[float] = []
        self.pt_y: list[float] = []
        self.bad_parcels: set[int] = set()  # parcels with unreadable point lines
        self.n_lines = 0
        self.closed: list[int] = []  # parcel of each closing point xigeo added (open rings)


def _parse(text: str, problems: _Problems) -> _Parsed:
    out = _Parsed()
    section: str | None = None
    lines = re.split(r"\r\n|\r|\n", text)
    out.n_lines = len(lines)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        match = _SECTION.match(line)
        if match:
            section = match.group(1)
            out.sections.add(section)
            continue
        if section == _HEADER_SECTION:
            key, sep, value = line.replace("＝", "=").partition("=")
            if not sep:
                problems.add(number, msg(f"文件头行 {line!r} 不是 键=值 形式",
                                         f"header line {line!r} is not key=value"))
                continue
            out.header[key.strip()] = value.strip()
            out.header_line[key.strip()] = number
        elif section == _PARCEL_SECTION:
            _parse_parcel_line(line, number, out, problems)
        elif section is None:
            problems.add(number, msg(f"{line[:40]!r} 出现在任何节之前：文件必须以 [属性描述]（或其他 [节]）开头",
                                     f"{line[:40]!r} comes before any section: the file must start "
                                     "with [属性描述] (or another [section])"))
        # other sections ([扩展信息], …) are skipped
    return out


def _parse_parcel_line(line: str, number: int, out: _Parsed, problems: _Problems) -> None:
    fields = [f.strip() for f in line.split(",")]
    if fields[-1] == "@":
        out.parcel_line.append(number)
        out.parcel_values.append(fields[:-1])
        return
    if len(fields) != 4:
        hint = ""
        if "，" in line:
            hint = msg("（发现全角逗号 ，：格式要求半角逗号）",
                       " (full-width commas ， found: the format needs ASCII commas)")
        elif len(fields) == 1 and len(line.split()) == 4:
            hint = msg("（字段以空格或制表符分隔：格式要求逗号）",
                       " (fields separated by spaces or tabs: the format needs commas)")
        elif len(fields) > 4:
            hint = msg("（属性行必须以 ,@ 结尾）", " (an attribute line must end with ,@)")
        problems.add(number, msg(f"点行有 {len(fields)} 个字段，应为 4 个（点号,圈号,X,Y）{hint}：{line[:60]!r}",
                                 f"point line has {len(fields)} fields, expected 4 "
                                 f"(点号,圈号,X,Y){hint}: {line[:60]!r}"))
        out.bad_parcels.add(len(out.parcel_line) - 1)
        return
    if not out.parcel_line:
        problems.add(number, msg("点行出现在第一个属性行（…,@）之前",
                                 "point line before the first attribute line (…,@)"))
        return
    name, ring_text, x_text, y_text = fields
    ring = _parse_int(ring_text)
    if ring is None or ring < 1:
        problems.add(number, msg(f"圈号 {ring_text!r} 不是 ≥ 1 的整数",
                                 f"ring number (圈号) {ring_text!r} is not a whole number ≥ 1"))
        out.bad_parcels.add(len(out.parcel_line) - 1)
        return
    x, y = _parse_float(x_text), _parse_float(y_text)
    bad = [f"{axis}={text!r}" for axis, text, value in (("X", x_text, x), ("Y", y_text, y))
           if value is None]
    if bad:
        problems.add(number, msg(f"坐标不是数字：{', '.join(bad)}",
                                 f"non-numeric coordinate {', '.join(bad)}"))
        out.bad_parcels.add(len(out.parcel_line) - 1)
        return
    assert x is not None and y is not None
    out.pt_line.append(number)
    out.pt_parcel.append(len(out.parcel_line) - 1)
    out.pt_name.append(name)
    out.pt_ring.append(ring)
    out.pt_x.append(x)
    out.pt_y.append(y)


def _header_crs(parsed: _Parsed, crs: Any, problems: _Problems) -> tuple[Datum | None, int | None, int | None]:
    """Datum, zone width and zone from ``crs`` or from the header (None where missing)."""
    if crs is not None:
        info = gk_info(normalize_crs(crs))
        if info is None:
            given, example = fix(f"crs={crs!r}", f"--crs {crs}"), fix("crs=4526", "--crs EPSG:4526")
            raise CRSError(msg(f"{given} 不是中国的高斯–克吕格投影带；请给出如 {example}"
                               "（2000国家大地坐标系 3 度带第 38 带）",
                               f"{given} is not a Chinese Gauss–Krüger zone; give e.g. "
                               f"{example} (CGCS2000 3-degree zone 38)"))
        return info.datum, info.width, info.zone
    header, where = parsed.header, parsed.header_line
    datum = width = zone = None
    text = header.get("坐标系", "")
    if text:
        datum = _datum_from_text(text)
        if datum is None:
            problems.add(where["坐标系"], msg(f"坐标系={text!r} 不是 xigeo 认识的大地基准；请用 "
                                             "2000国家大地坐标系、1980西安坐标系 或 1954北京坐标系",
                                             f"坐标系={text!r} is not a datum xigeo knows; use "
                                             "2000国家大地坐标系, 1980西安坐标系 or 1954北京坐标系"))
    else:
        line = where.get("坐标系", min(where.values(), default=1))
        how = fix(msg("给 read_coords 传入 crs=，如 crs=4547", "pass crs= to read_coords, e.g. crs=4547"),
                  msg(" --crs EPSG:4547（文件的坐标系）", "--crs EPSG:4547 (the CRS of the file)"))
        problems.add(line, msg(f"坐标系缺失或为空：需要大地基准（如 2000国家大地坐标系）；或{how}",
                               "坐标系 is missing or empty: the datum (e.g. 2000国家大地坐标系) is "
                               f"needed; or {how}"))
    for key in ("几度分带", "带号"):
        text = header.get(key, "")
        if not text:
            continue
        value = _parse_int(text)
        if value is None:
            problems.add(where[key], msg(f"{key}={text!r} 不是整数", f"{key}={text!r} is not a whole number"))
        elif key == "几度分带":
            if value not in (3, 6):
                problems.add(where[key], msg(f"几度分带={text!r}：投影带宽应为 3 度或 6 度",
                                             f"几度分带={text!r}: zones are 3 or 6 degrees wide"))
            else:
                width = value
        else:
            zone = value
    for key, allowed in (("计量单位", ("米", "m", "M", "metre", "meter")),):
        text = header.get(key, "")
        if text and text not in allowed:
            problems.add(where[key], msg(f"{key}={text!r}：坐标必须以米为单位",
                                         f"{key}={text!r}: coordinates must be in metres (米)"))
    text = header.get("投影类型", "")
    if text and "高斯" not in text and "gauss" not in text.lower():
        problems.add(where["投影类型"], msg(f"投影类型={text!r}：只支持高斯克吕格投影的文件",
                                            f"投影类型={text!r}: only Gauss–Krüger (高斯克吕格) "
                                            "files are supported"))
    return datum, width, zone


def _zone_width(zone: int) -> int:
    return 3 if zone >= 25 else 6


def _check_coordinates(parsed: _Parsed, width: int | None, zone: int | None, path: Path,
                       problems: _Problems) -> tuple[int | None, int | None, bool]:
    """Check every point against the zone; return (zone, width, prefix)."""
    x = np.asarray(parsed.pt_x, dtype=float)
    y = np.asarray(parsed.pt_y, dtype=float)
    lines = np.asarray(parsed.pt_line, dtype=int)
    if x.size == 0:
        return zone, width, True
    swapped = (x >= 10_000_000) | ((x < 1_000_000) & (y >= 1_000_000) & (y < 10_000_000))
    for line, xi, yi in zip(lines[swapped], x[swapped], y[swapped]):
        problems.add(int(line), msg(f"X={xi:.3f}, Y={yi:.3f}：X 与 Y 颠倒了：X 应为北坐标（7 位），"
                                    "Y 应为东坐标（前加带号 8 位，不加带号 6 位）",
                                    f"X={xi:.3f}, Y={yi:.3f}: X and Y are swapped: X must be the "
                                    "northing (7 digits) and Y the easting (8 digits with the zone "
                                    "number in front, or 6 without)"))
    prefixed = (y >= 10_000_000) & (y < 100_000_000) & ~swapped  # 8 digits: zone 10–99 in front
    plain = (y > 0) & (y < 1_000_000) & ~swapped
    neither = ~(prefixed | plain | swapped)
    for line, yi in zip(lines[neither], y[neither]):
        problems.add(int(line), msg(f"Y={yi:.3f} 不是东坐标：应为前加带号的 8 位（38xxxxxx.xxx）或不加带号的 6 位",
                                    f"Y={yi:.3f} is not an easting: 8 digits with the zone number "
                                    "in front (38xxxxxx.xxx) or 6 digits without"))
    northing_bad = ~swapped & ((x <= 0) | (x >= 10_000_000))
    for line, xi in zip(lines[northing_bad], x[northing_bad]):
        problems.add(int(line), msg(f"X={xi:.3f} 不是中国境内的北坐标（7 位，如 3580000.000）",
                                    f"X={xi:.3f} is not a northing in China (7 digits, e.g. 3580000.000)"))
    prefix_zone = np.floor(y / 1_000_000).astype(int)
    if zone is None:
        zones = prefix_zone[prefixed]
        if zones.size == 0:
            line = parsed.header_line.get("带号", min(parsed.header_line.values(), default=1))
            how = fix(msg("给 read_coords 传入 crs=（crs=4547：第 38 带，不带带号）",
                          "pass crs= to read_coords (crs=4547: zone 38, no prefix)"),
                      msg(" --crs EPSG:4547（第 38 带，不带带号）", "--crs EPSG:4547 (zone 38, no prefix)"))
            problems.add(line, msg(f"带号缺失，Y 也不带带号：无法确定投影带；请填写带号（息县：38）或{how}",
                                   "带号 is missing and Y has no zone prefix: the zone cannot be known; "
                                   f"fill in 带号 (Xi County: 38) or {how}"))
            return None, width, False
        zone = int(np.bincount(zones).argmax())
        log.info(msg("%s：带号缺失，由 Y 坐标的带号取第 %d 带", "%s: 带号 missing, zone %d taken from the Y prefix"),
                 path, zone)
    if width is None:
        width = _zone_width(zone)
    elif width != _zone_width(zone):
        line = parsed.header_line.get("几度分带", 1)
        problems.add(line, msg(f"几度分带={width} 与 带号={zone} 不符：3 度带为第 25–45 带，6 度带为第 13–23 带",
                               f"几度分带={width} does not fit 带号={zone}: 3-degree zones are "
                               "numbered 25–45, 6-degree zones 13–23"))
    other_zone = prefixed & (prefix_zone != zone)
    for line, yi, pz in zip(lines[other_zone], y[other_zone], prefix_zone[other_zone]):
        problems.add(int(line), msg(f"Y={yi:.3f} 带有带号 {pz}，但带号为 {zone}",
                                    f"Y={yi:.3f} carries the zone prefix {pz} but 带号 is {zone}"))
    n_prefixed, n_plain = int(prefixed.sum()), int(plain.sum())
    prefix = n_prefixed >= n_plain
    if n_prefixed and n_plain:
        odd, what = ((plain, msg(f"不带带号 {zone}，而其他点带有",
                                 f"has no zone prefix {zone} while the other points have it"))
                     if prefix else (prefixed, msg("带有带号，而其他点不带",
                                                   "carries a zone prefix while the other points "
                                                   "have none")))
        for line, yi in zip(lines[odd], y[odd]):
            problems.add(int(line), f"Y={yi:.3f} {what}")
    # points must lie in the zone (1 degree of slack beyond its edges)
    ok = ~(swapped | neither | northing_bad | other_zone)
    if ok.any() and not problems:
        try:
            crs = gk_crs(zone, prefix=prefix, width=width)
        except CRSError as exc:
            problems.add(parsed.header_line.get("带号", 1), str(exc))
            return zone, width, prefix
        to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        with np.errstate(all="ignore"):
            lon, lat = to_geo.transform(y, x)
        cm = zone * 3.0 if width == 3 else zone * 6.0 - 3.0
        outside = ok & (~np.isfinite(lon) | (np.abs(lon - cm) > width / 2 + 1.0)
                        | ~np.isfinite(lat) | (lat < 0) | (lat > 56))
        for line, xi, yi in zip(lines[outside], x[outside], y[outside]):
            problems.add(int(line), msg(f"X={xi:.3f}, Y={yi:.3f} 位于 {width} 度带第 {zone} 带"
                                        f"（中央经线 {cm:g}°E）之外：带号错了，或 X/Y 错了",
                                        f"X={xi:.3f}, Y={yi:.3f} lies outside {width}-degree zone "
                                        f"{zone} (central meridian {cm:g}°E): wrong 带号, or X/Y wrong"))
    return zone, width, prefix


def _rings(parsed: _Parsed, problems: _Problems, *, strict: bool = True,
           path: Path | None = None) -> np.ndarray:
    """Ring index of every point: a new ring where the ring number or the parcel changes,
    or after a point that closes the ring (files that number every ring 1).

    A ring of at least 3 points that does not repeat its first point is closed
    (the first point added after its last, with a warning naming it) unless
    ``strict``; then it is a problem.
    """
    n = len(parsed.pt_line)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    parcel = np.asarray(parsed.pt_parcel, dtype=np.int64)
    number = np.asarray(parsed.pt_ring, dtype=np.int64)
    x, y = np.asarray(parsed.pt_x, dtype=float), np.asarray(parsed.pt_y, dtype=float)
    starts = np.r_[True, (parcel[1:] != parcel[:-1]) | (number[1:] != number[:-1])]
    ring_of = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:] - 1, n - 1]
    # a point back at its block's first point before the block ends: more rings follow
    closes = ~starts & (x == x[first][ring_of]) & (y == y[first][ring_of])
    if np.any(closes & (np.arange(n) != last[ring_of])):
        ring = -1
        start = 0
        for i in range(n):  # rare: split sequentially, each ring closing on its own start
            if starts[i] or (i - 1 > start and x[i - 1] == x[start] and y[i - 1] == y[start]):
                ring += 1
                start = i
            ring_of[i] = ring
    # every ring must close and have at least 3 distinct points
    first = np.r_[0, np.flatnonzero(np.diff(ring_of)) + 1]
    last = np.r_[first[1:] - 1, n - 1]
    is_open = (x[first] != x[last]) | (y[first] != y[last])
    if not strict:
        candidates = np.flatnonzero(is_open & (last - first >= 2))
        to_close = [r for r in candidates if parsed.pt_parcel[first[r]] not in parsed.bad_parcels]
        if to_close:
            _close_rings(parsed, first[to_close], last[to_close], path)
            return _rings(parsed, problems, strict=True, path=path)
    open_or_short = is_open | (last - first < 3)
    for a, b in zip(first[open_or_short], last[open_or_short]):
        if parsed.pt_parcel[a] in parsed.bad_parcels:
            continue  # its unreadable lines are reported; do not report the consequences
        label = msg(f"第 {parsed.pt_ring[a]} 圈（第 {parsed.pt_line[a]}–{parsed.pt_line[b]} 行）",
                    f"ring {parsed.pt_ring[a]} (lines {parsed.pt_line[a]}–{parsed.pt_line[b]})")
        last_pt = f"{parsed.pt_name[b]} ({x[b]:.3f}, {y[b]:.3f})"
        first_pt = f"{parsed.pt_name[a]} ({x[a]:.3f}, {y[a]:.3f})"
        if x[a] != x[b] or y[a] != y[b]:
            problems.add(parsed.pt_line[b], msg(
                f"{label}不闭合：最后一点 {last_pt} 不是第一点 {first_pt}；每圈末尾应重复第一点"
                "（严格模式；非严格模式下 xigeo 会闭合这样的圈并给出警告）",
                f"{label} does not close: its last point {last_pt} is not its first point "
                f"{first_pt}; repeat the first "
                "point at the end of each ring (strict mode: without it, xigeo closes "
                "such rings with a warning)"))
        else:
            problems.add(parsed.pt_line[b], msg(f"{label}只有 {b - a} 个不同的点；一圈至少需要 3 个点再加闭合重复点",
                                                f"{label} has {b - a} distinct points; a ring "
                                                "needs at least 3 plus the closing repeat"))
    return ring_of


def _close_rings(parsed: _Parsed, firsts: np.ndarray, lasts: np.ndarray, path: Path | None) -> None:
    """Add each open ring's first point after its last one (a copy, on the last point's line)."""
    notes = [msg(f"第 {parsed.parcel_line[parsed.pt_parcel[a]]} 行地块的第 {parsed.pt_ring[a]} 圈"
                 f"（第 {parsed.pt_line[a]}–{parsed.pt_line[b]} 行）：在第 {parsed.pt_line[b]} 行后补了 "
                 f"{parsed.pt_name[a]}",
                 f"ring {parsed.pt_ring[a]} of the parcel on line {parsed.parcel_line[parsed.pt_parcel[a]]} "
                 f"(lines {parsed.pt_line[a]}–{parsed.pt_line[b]}): added {parsed.pt_name[a]} after line "
                 f"{parsed.pt_line[b]}") for a, b in zip(firsts, lasts)]
    columns = ("pt_line", "pt_parcel", "pt_name", "pt_ring", "pt_x", "pt_y")
    for a, b in sorted(zip(firsts.tolist(), lasts.tolist()), reverse=True):
        for name in columns:
            values = getattr(parsed, name)
            values.insert(b + 1, values[b] if name == "pt_line" else values[a])
        parsed.closed.append(parsed.pt_parcel[a])
    rest = len(notes) - _MAX_LISTED
    strict = fix('read_coords(path, strict=True)', '--strict')
    warnings.warn(msg(
        f"{path}：{len(notes)} 个圈末尾没有按标准重复第一点；xigeo 已将其闭合："
        f"{'；'.join(notes[:_MAX_LISTED])}{f'；…（另有 {rest} 个）' if rest > 0 else ''}。"
        f"修正：{strict} 会拒绝这样的文件",
        f"{path}: {len(notes)} ring(s) do not repeat their first point at the end, as the "
        f"standard asks; xigeo closed them: {'; '.join(notes[:_MAX_LISTED])}"
        f"{f'; … ({rest} more)' if rest > 0 else ''}. "
        f"Fix: {strict} refuses such files instead"),
        XigeoWarning, stacklevel=4)


def _check_parcels(parsed: _Parsed, ring_of: np.ndarray, problems: _Problems, path: Path) -> None:
    """Attribute lines: numeric count and area, 面, and the point count."""
    parcel = np.asarray(parsed.pt_parcel, dtype=np.int64)
    n_parcels = len(parsed.parcel_line)
    points = np.bincount(parcel, minlength=n_parcels)
    added = np.bincount(np.asarray(parsed.closed, dtype=np.int64), minlength=n_parcels)
    ring_parcel = np.zeros(int(ring_of.max()) + 1 if ring_of.size else 0, dtype=np.int64)
    ring_parcel[ring_of] = parcel
    rings = np.bincount(ring_parcel, minlength=n_parcels)
    off_by_closing = []
    for i, (line, values) in enumerate(zip(parsed.parcel_line, parsed.parcel_values)):
        count_text = values[0] if values else ""
        area_text = values[1] if len(values) > 1 else ""
        shape = values[4] if len(values) > 4 else ""
        if points[i] == 0:
            problems.add(line, msg("属性行后没有点行", "attribute line with no point lines after it"))
        if shape not in ("", "面"):
            problems.add(line, msg(f"记录图形属性={shape!r}：只支持面",
                                   f"记录图形属性={shape!r}: only polygons (面) are supported"))
        if area_text and _parse_float(area_text) is None:
            problems.add(line, msg(f"地块面积 {area_text!r} 不是数字（公顷）",
                                   f"地块面积 {area_text!r} is not a number (hectares)"))
        if not count_text or i in parsed.bad_parcels:
            continue
        count = _parse_int(count_text)
        if count is None:
            problems.add(line, msg(f"界址点数 {count_text!r} 不是整数",
                                   f"界址点数 {count_text!r} is not a whole number"))
        elif points[i] and count != points[i]:
            if added[i] and count == points[i] - added[i]:
                continue  # the file's own count of the points it lists, before xigeo closed rings
            if count == points[i] - rings[i]:
                off_by_closing.append(line)
            else:
                problems.add(line, msg(f"界址点数为 {count}，但该地块列出 {points[i]} 个点行"
                                       f"（{rings[i]} 圈，含闭合重复点）",
                                       f"界址点数 is {count} but the parcel lists {points[i]} point "
                                       f"lines ({rings[i]} ring(s), closing repeats included)"))
    if off_by_closing:
        lines_text = format_ids(off_by_closing)
        warnings.warn(msg(
            f"{path}：第 {lines_text} 行属性行的界址点数没有计入每圈的闭合点；标准要求计入每个点行，"
            "含闭合重复点（不影响读出的图形）",
            f"{path}: 界址点数 leaves out the closing point of each ring on the attribute "
            f"line(s) {lines_text}; the standard counts every point line, "
            "closing repeats included (the geometry read is not affected)"),
            XigeoWarning, stacklevel=3)


def _assemble(parsed: _Parsed, ring_of: np.ndarray, problems: _Problems) -> np.ndarray:
    """One Polygon or MultiPolygon per parcel, holes found by containment (vectorised)."""
    n_parcels = len(parsed.parcel_line)
    coords = np.column_stack([parsed.pt_y, parsed.pt_x])  # (easting, northing)
    rings = shapely.linearrings(coords, indices=ring_of)
    n_rings = rings.size
    first = np.r_[0, np.flatnonzero(np.diff(ring_of)) + 1]
    parcel_of_ring = np.asarray(parsed.pt_parcel, dtype=np.int64)[first]
    ring_polys = shapely.polygons(rings)
    tree = shapely.STRtree(ring_polys)
    outer_idx, inner_idx = tree.query(ring_polys, predicate="contains")
    keep = (outer_idx != inner_idx) & (parcel_of_ring[outer_idx] == parcel_of_ring[inner_idx])
    outer_idx, inner_idx = outer_idx[keep], inner_idx[keep]
    pairs = set(zip(outer_idx.tolist(), inner_idx.tolist()))
    for a, b in pairs:
        if a < b and (b, a) in pairs:
            problems.add(parsed.pt_line[first[b]], msg(
                f"第 {parsed.pt_ring[first[b]]} 圈与第 {parsed.pt_ring[first[a]]} 圈"
                f"（第 {parsed.pt_line[first[a]]} 行）重复",
                f"ring {parsed.pt_ring[first[b]]} repeats ring "
                f"{parsed.pt_ring[first[a]]} (line {parsed.pt_line[first[a]]})"))
    problems.raise_if_any()
    depth = np.bincount(inner_idx, minlength=n_rings)
    # the parent of a ring is the deepest ring containing it (the smallest container)
    parent = np.full(n_rings, -1, dtype=np.int64)
    if inner_idx.size:
        order = np.lexsort((depth[outer_idx], inner_idx))  # by ring, then container depth
        last_of_ring = np.r_[np.flatnonzero(np.diff(inner_idx[order])), order.size - 1]
        parent[inner_idx[order][last_of_ring]] = outer_idx[order][last_of_ring]
    is_hole = depth % 2 == 1
    part = np.where(is_hole, parent, np.arange(n_rings))
    order = np.lexsort((np.arange(n_rings), is_hole, part, parcel_of_ring))
    part_sorted = part[order]
    part_id = np.r_[0, np.cumsum(part_sorted[1:] != part_sorted[:-1])]
    polygons = shapely.polygons(rings[order], indices=part_id)
    part_parcel = parcel_of_ring[order][np.r_[0, np.flatnonzero(np.diff(part_id)) + 1]]
    multi = shapely.multipolygons(polygons, indices=part_parcel)
    single = shapely.get_num_geometries(multi) == 1
    geoms = np.where(single, shapely.get_geometry(multi, 0), multi)
    if geoms.size != n_parcels:  # parcels without points were reported before
        raise AssertionError("parcel count mismatch")  # message: internal
    return geoms


def _check_areas(gdf: gpd.GeoDataFrame, parsed: _Parsed, path: Path) -> None:
    """Warn when 地块面积 is far from the parcel's area (m² or 亩 written as ha)."""
    if "DKMJ" not in gdf.columns:
        return
    planar_ha = gdf.geometry.area.to_numpy() / 10_000
    stated = gdf["DKMJ"].to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        ratio = stated / planar_ha
    bad = np.isfinite(ratio) & (np.abs(ratio - 1) > _AREA_TOLERANCE)
    if not bad.any():
        return
    notes = []
    for i in np.flatnonzero(bad):
        r = ratio[i]
        unit = (msg("（像是平方米）", " (looks like m²)") if abs(r / 10_000 - 1) < 0.01
                else msg("（像是亩）", " (looks like 亩)") if abs(r / 15 - 1) < 0.01 else "")
        notes.append(msg(f"第 {parsed.parcel_line[i]} 行：{stated[i]:g} 对 {planar_ha[i]:.4f} 公顷{unit}",
                         f"line {parsed.parcel_line[i]}: {stated[i]:g} vs {planar_ha[i]:.4f} ha{unit}"))
    warnings.warn(msg(
        f"{path}：{len(notes)} 个属性行的地块面积与点位算出的面积相差超过 {_AREA_TOLERANCE:.0%}："
        f"{'；'.join(notes[:_MAX_LISTED])}。图形按所列点读出；请用 xigeo.area(gdf, unit='ha') 重算面积",
        f"{path}: 地块面积 disagrees by more than {_AREA_TOLERANCE:.0%} with the area of the "
        f"points on {len(notes)} attribute line(s): {'; '.join(notes[:_MAX_LISTED])}. The "
        "geometry is read as listed; recompute areas with xigeo.area(gdf, unit='ha')"),
        XigeoWarning, stacklevel=3)


def _check_repeats(parsed: _Parsed, geoms: np.ndarray | None, problems: _Problems) -> None:
    """A 地块编号 used twice, or a parcel block listed twice (the same points): imported twice."""
    first_line: dict[str, int] = {}
    for line, values in zip(parsed.parcel_line, parsed.parcel_values):
        dkbh = values[2] if len(values) > 2 else ""
        if not dkbh:
            continue
        if dkbh in first_line:
            problems.add(line, msg(f"地块编号 {dkbh!r} 用了两次（第一次在第 {first_line[dkbh]} 行）："
                                   "该地块会被导入两次；请给每个地块单独的地块编号，或删除重复的块",
                                   f"地块编号 {dkbh!r} is used twice (first on line {first_line[dkbh]}): "
                                   "the parcel would be imported twice; give every parcel its own "
                                   "地块编号, or delete the repeated block"))
        else:
            first_line[dkbh] = line
    if geoms is None:
        return
    keys = shapely.to_wkb(shapely.normalize(geoms))
    seen: dict[bytes, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            j = seen[key]
            problems.add(parsed.parcel_line[i], msg(
                f"该地块的点与第 {parsed.parcel_line[j]} 行地块的点重复：列出两次的块会被导入（并统计）"
                "两次；请删除重复的块",
                f"the parcel's points repeat those of the parcel on line "
                f"{parsed.parcel_line[j]}: a block listed twice would be imported (and "
                "counted) twice; delete the repeated block"))
        else:
            seen[key] = i


def read_coords(path: str | os.PathLike[str], *, encoding: str | None = None,
                crs: Any = None, strict: bool = False) -> gpd.GeoDataFrame:
    """Read a ministry coordinate exchange file (部标准坐标 TXT) into a GeoDataFrame.

    Parameters
    ----------
    path : path-like
        The ``.txt`` file.
    encoding : str, optional
        Text encoding. Default: detected — a byte-order mark gives UTF-8 (or
        UTF-16), text that is valid UTF-8 is UTF-8, anything else GB18030 (a
        superset of GBK), so Chinese text is never garbled.
    crs : optional
        A Chinese Gauss–Krüger CRS to use instead of the header's 坐标系,
        几度分带 and 带号 (for files whose header is missing or wrong). Whether
        the eastings carry the zone prefix is always read from the Y values.
    strict : bool
        False (default): a ring that does not repeat its first point at the
        end (as other readers accept) is closed, with a
        :class:`~xigeo.errors.XigeoWarning` naming the ring and its lines.
        True: such a file is refused (the standard asks for the repeat).

    Returns
    -------
    GeoDataFrame
        One row per parcel, in file order: the attribute-line fields as columns
        (``JZDS`` 界址点数 as int, ``DKMJ`` 地块面积 in ha as float, then
        ``DKBH``, ``DKMC``, ``JLTXSX``, ``TFH``, ``DKYT``, ``DLBM`` as text, and
        ``TBLX``, ``DL``, ``GZQ``, ``GZH``, ``BZ`` for 13-field consolidation
        lines; other extra fields as ``FIELD9``, …), empty fields as missing;
        geometry a Polygon, or a MultiPolygon for multi-part parcels (rings are
        sorted into parts and holes by containment, see above), x = easting and
        y = northing. The CRS is the EPSG Gauss–Krüger CRS of the
        datum, zone width and zone, with or without the zone prefix as the Y
        values have it (EPSG:4526 or EPSG:4547 in Xi County).
        ``attrs["header"]`` holds the ``[属性描述]`` fields, ``attrs["source"]``
        the path, ``attrs["encoding"]`` the encoding used.

    Raises
    ------
    CoordsFileError
        Every problem found, each with its line: no ``[地块坐标]`` section, a
        point line without 4 fields, a non-numeric coordinate, a ring that does
        not close, a 界址点数 that disagrees with the points listed, a Y without
        the zone prefix the other points have, a zone prefix that is not 带号,
        X and Y swapped, a point outside the zone, a 地块编号 used twice or a
        parcel block listed twice (it would be imported twice); with
        ``strict=True``, a ring that does not close.
    CRSError
        ``crs`` is not a Chinese Gauss–Krüger CRS.
    LayerReadError
        The file does not exist or cannot be read.

    Warns
    -----
    XigeoWarning
        a ring was closed (``strict=False``); 界址点数 leaves out exactly the closing points; 地块面积 differs from the
        area of the points by more than 1 % (e.g. m² written as ha); a parcel's
        geometry is invalid (self-intersecting ring).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> text = '''[属性描述]
    ... 坐标系=2000国家大地坐标系
    ... 几度分带=3
    ... 带号=38
    ... [地块坐标]
    ... 5,1.9998,XJ-01,示例地块,面,,拆旧区,0702,@
    ... J1,1,3579800.000,569600.000
    ... J2,1,3579800.000,569700.000
    ... J3,1,3579600.000,569700.000
    ... J4,1,3579600.000,569600.000
    ... J1,1,3579800.000,569600.000
    ... '''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "示例.txt"
    >>> _ = path.write_text(text, encoding="gbk")
    >>> gdf = read_coords(path)
    >>> gdf.crs.to_epsg(), gdf.attrs["encoding"], list(gdf.columns[:4])
    (4547, 'gb18030', ['JZDS', 'DKMJ', 'DKBH', 'DKMC'])
    >>> gdf.loc[0, "DKMC"], gdf.loc[0, "DLBM"], float(gdf.area[0])
    ('示例地块', '0702', 20000.0)
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LayerReadError(msg(f"{path}：文件不存在", f"{path}: no such file")) from None
    except OSError as exc:
        raise LayerReadError(msg(f"{path}：无法读取：{exc}", f"{path}: cannot read: {exc}")) from None
    text, used = _decode(data, encoding, path)
    problems = _Problems(path)
    parsed = _parse(text, problems)
    if _PARCEL_SECTION not in parsed.sections:
        raise CoordsFileError(msg(
            f"{path}，第 {parsed.n_lines} 行：在 {parsed.n_lines} 行中没有找到 [地块坐标] 节；"
            "这是部标准坐标交换文件（部标准坐标 TXT）吗？",
            f"{path}, line {parsed.n_lines}: no [地块坐标] section found in {parsed.n_lines} "
            "lines; is this a ministry coordinate exchange file (部标准坐标 TXT)?"))
    if not parsed.parcel_line:
        problems.add(parsed.n_lines, msg("[地块坐标] 节中没有地块（没有以 ,@ 结尾的属性行）",
                                         "the [地块坐标] section has no parcel (no attribute line "
                                         "ending in ,@)"))
        problems.raise_if_any()
    datum, width, zone = _header_crs(parsed, crs, problems)
    zone, width, prefix = _check_coordinates(parsed, width, zone, path, problems)
    ring_of = _rings(parsed, problems, strict=strict, path=path)
    _check_parcels(parsed, ring_of, problems, path)
    _check_repeats(parsed, None, problems)
    problems.raise_if_any()
    geoms = _assemble(parsed, ring_of, problems)
    _check_repeats(parsed, geoms, problems)
    problems.raise_if_any()
    assert datum is not None and zone is not None and width is not None
    out_crs = gk_crs(zone, prefix=prefix, datum=datum, width=width)
    table = _attribute_table(parsed)
    gdf = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=out_crs), crs=out_crs)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        reasons = shapely.is_valid_reason(gdf.geometry[invalid].to_numpy())
        notes = [msg(f"第 {parsed.parcel_line[i]} 行：{r}", f"line {parsed.parcel_line[i]}: {r}")
                 for i, r in zip(np.flatnonzero(invalid), reasons)]
        warnings.warn(msg(f"{path}：{len(notes)} 个地块的图形无效（{'；'.join(notes[:_MAX_LISTED])}）；"
                          "这些地块的面积不可靠：请检查，或用 xigeo.validate.repair",
                          f"{path}: {len(notes)} parcel(s) have invalid geometry ("
                          f"{'; '.join(notes[:_MAX_LISTED])}); areas of such parcels are not "
                          "reliable: check them, or use xigeo.validate.repair"),
                      XigeoWarning, stacklevel=2)
    _check_areas(gdf, parsed, path)
    gdf.attrs["source"] = str(path)
    gdf.attrs["header"] = dict(parsed.header)
    gdf.attrs["encoding"] = used
    log.info(msg("%s：%d 个地块，%s，%s", "%s: %d parcel(s), %s, %s"), path, len(gdf), out_crs.name, used)
    return gdf


def _attribute_table(parsed: _Parsed) -> pd.DataFrame:
    """Attribute-line fields as columns: counts and areas numeric, the rest text."""
    width = max(len(values) for values in parsed.parcel_values)
    base = (_CONSOLIDATION if any(len(v) == len(_CONSOLIDATION) for v in parsed.parcel_values)
            else _STANDARD)
    names = [*base, *(f"FIELD{k}" for k in range(len(base) + 1, width + 1))]
    rows = [[v or None for v in values] + [None] * (len(names) - len(values))
            for values in parsed.parcel_values]
    table = pd.DataFrame(rows, columns=names, dtype=object)
    counts = pd.array([_parse_int(v) if v else None for v in table["JZDS"]], dtype="Int64")
    table["JZDS"] = counts.astype("int64") if not counts.isna().any() else counts
    table["DKMJ"] = pd.to_numeric(table["DKMJ"], errors="coerce").astype(float)
    return table  # text columns stay object dtype, with None for empty fields


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------

def _layer_info(gdf: gpd.GeoDataFrame, label: str) -> GKInfo:
    if gdf.crs is None:
        how = fix(msg("gdf.set_crs(4526)（或数据实际的坐标系代码）",
                      "gdf.set_crs(4526) (or the code the data was made in)"),
                  msg("--crs EPSG:4526（或数据实际的坐标系代码）",
                      "--crs EPSG:4526 (or the code the data was made in)"))
        raise CRSError(msg(f"{label} 没有坐标系；坐标文件需要中国的高斯–克吕格投影带。修正：{how}",
                           f"{label} has no CRS; the coordinate file needs a Chinese Gauss–Krüger "
                           f"zone. Fix: {how}"))
    info = gk_info(gdf.crs)
    if info is None:
        how = fix(msg("xigeo.to_survey_crs(gdf)（数据所在的 2000国家大地坐标系 3 度带，息县为 EPSG:4526）",
                      "xigeo.to_survey_crs(gdf) (CGCS2000 3-degree zone of the data, EPSG:4526 in "
                      "Xi County)"),
                  msg("先把图层投影到其高斯–克吕格投影带（息县为 EPSG:4526；如 ogr2ogr -t_srs "
                      "EPSG:4526 out.gpkg in.shp）；若 .prj 错了，用 --crs 指定正确的代码",
                      "reproject the layer to its Gauss–Krüger zone first (EPSG:4526 in "
                      "Xi County; e.g. ogr2ogr -t_srs EPSG:4526 out.gpkg in.shp); if its .prj is "
                      "wrong, --crs with the right code"))
        raise CRSError(msg(
            f"{label} 是 {gdf.crs.name}，不是中国的高斯–克吕格投影带；坐标文件存的是高斯–克吕格北坐标和东坐标。"
            f"修正：{how}",
            f"{label} is in {gdf.crs.name}, not a Chinese Gauss–Krüger zone; the coordinate "
            f"file holds GK northings and eastings. Fix: {how}"))
    check_crs(gdf, name=label, projected=True)
    return info


def _header_for(info: GKInfo, header: Mapping[str, Any] | None,
                attrs: Mapping[str, Any]) -> dict[str, str]:
    out = dict(_DEFAULT_HEADER)
    kept = attrs.get("header") if isinstance(attrs.get("header"), Mapping) else {}
    for key in _KEPT_KEYS:
        if kept and kept.get(key):
            out[key] = str(kept[key])
    out["数据产生日期"] = datetime.date.today().isoformat()
    out["坐标系"] = _DATUM_TEXT[info.datum]
    out["几度分带"] = str(info.width)
    out["带号"] = str(info.zone)
    for key, value in (header or {}).items():
        if key not in HEADER_KEYS:
            raise CoordsFileError(msg(f"未知的文件头键 {key!r}；可选：{', '.join(HEADER_KEYS)}",
                                      f"unknown header key {key!r}; use one of: {', '.join(HEADER_KEYS)}"))
        value = "" if value is None else str(value)
        if "\n" in value or "\r" in value:
            raise CoordsFileError(msg(f"文件头 {key}={value!r} 含有换行",
                                      f"header {key}={value!r} holds a line break"))
        if key in _CRS_KEYS:
            given = (_datum_from_text(value) if key == "坐标系" else _parse_int(value))
            wanted = {"坐标系": info.datum, "几度分带": info.width, "带号": info.zone}[key]
            if given != wanted:
                how = fix(msg("不要给出它，或把图层投影（gdf.to_crs(...)）到你要的坐标系",
                              "leave it out, or reproject the layer (gdf.to_crs(...)) to the CRS you "
                              "mean"),
                          msg(f"去掉 --header {key}=…，或先把图层投影到你要的坐标系（若 .prj 错了，给出 --crs）",
                              f"leave out --header {key}=…, or reproject the layer to the CRS "
                              "you mean first (or, if its .prj is wrong, give --crs)"))
                raise CRSError(msg(
                    f"文件头 {key}={value!r} 与图层的坐标系（{out[key]}）矛盾；文件头按坐标系写出：{how}",
                    f"header {key}={value!r} contradicts the layer's CRS ({out[key]}); the "
                    f"header is written from the CRS: {how}"))
            continue  # the canonical text is written
        out[key] = value
    return {key: out[key] for key in HEADER_KEYS}


def _field_values(gdf: gpd.GeoDataFrame, layout: CoordsLayout,
                  columns: Mapping[str, str] | None, label: str) -> dict[str, list[str]]:
    """Text of every written attribute field, one list per code."""
    columns = dict(columns or {})
    writable = [c for c in layout.fields if c not in _COMPUTED]
    unknown = [c for c in columns if c not in writable]
    if unknown:
        raise SchemaError(msg(f"columns= 中有未知的字段代码 {', '.join(unknown)}；"
                              f"{layout.value} 格式写出：{', '.join(writable)}",
                              f"columns= names unknown field code(s) {', '.join(unknown)}; the "
                              f"{layout.value} layout writes: {', '.join(writable)}"))
    missing = [col for col in columns.values() if col not in gdf.columns]
    if missing:
        present = ", ".join(map(str, gdf.columns))
        raise SchemaError(msg(f"{label} 没有字段 {', '.join(missing)}；现有字段：{present}",
                              f"{label} has no column(s) {', '.join(missing)}; columns are: "
                              f"{present}"))
    values: dict[str, list[str]] = {}
    problems: list[str] = []
    for code in writable:
        column = columns.get(code) or next(
            (c for c in (code, FIELD_NAMES[code]) if c in gdf.columns), None)
        if column is None:
            values[code] = ([str(i + 1) for i in range(len(gdf))] if code == "DKBH"
                            else [""] * len(gdf))
            continue
        series = gdf[column]
        if code == "DLBM" and pd.api.types.is_numeric_dtype(series):
            zfill = f"gdf[{column!r}] = gdf[{column!r}].astype(int).astype(str).str.zfill(4)"
            raise ValidationError(msg(
                f"{label}：字段 {column}（地类编码）存的是数字，会丢掉 '0702' 这类编码的前导零。"
                f"修正：{zfill}",
                f"{label}: column {column} (地类编码) holds numbers, which lose the leading zero "
                f"of codes like '0702'. Fix: {zfill}"))
        texts = [_text(v) for v in series]
        bad = [str(i) for i, t in zip(gdf.index, texts) if "," in t or "\n" in t or "\r" in t
               or t == "@"]
        if bad:
            problems.append(msg(f"字段 {column}（{FIELD_NAMES[code]}）第 {format_ids(bad)} 行含有逗号、"
                                "换行或 '@'",
                                f"column {column} ({FIELD_NAMES[code]}) has commas, line breaks "
                                f"or '@' in rows {format_ids(bad)}"))
        values[code] = texts
    if problems:
        raise ValidationError(msg(f"{label}：有坐标文件无法容纳的值：{'；'.join(problems)}。"
                                  "修正：替换它们（如把 ',' 换成 '，'）",
                                  f"{label}: values the coordinate file cannot hold: "
                                  f"{'; '.join(problems)}. Fix: replace them (e.g. ',' by '，')"),
                              problems)
    return values


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _nw_start(coords: np.ndarray) -> int:
    """Index of the vertex nearest the north-west corner of the ring's bounding box."""
    west, north = coords[:, 0].min(), coords[:, 1].max()
    return int(np.argmin((coords[:, 0] - west) ** 2 + (coords[:, 1] - north) ** 2))


def write_coords(gdf: gpd.GeoDataFrame | gpd.GeoSeries, path: str | os.PathLike[str], *,
                 header: Mapping[str, Any] | None = None, encoding: str = "gbk",
                 fields: "str | CoordsLayout" = "standard",
                 columns: Mapping[str, str] | None = None, prefix: bool | None = None,
                 overwrite: bool = False) -> Path:
    """Write a polygon layer as a ministry coordinate exchange file (部标准坐标 TXT).

    One attribute line per row, then its points: ``J1``, ``J2``, … numbered
    through the whole parcel, each ring closed by repeating its first point
    (name and number), X (northing) then Y (easting) with 3 decimals (mm).
    Ring 1 is the outer ring of the first part, its holes follow; a further
    part's outer ring takes the next ring number, its holes after it. Outer
    rings run clockwise, holes anticlockwise, each starting at the point
    nearest the north-west corner of its bounding box.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        Polygons or MultiPolygons in a Chinese Gauss–Krüger CRS (e.g.
        EPSG:4526 or EPSG:4547); anything else raises CRSError.
    path : path-like
        The ``.txt`` to write. Written atomically.
    header : mapping, optional
        ``[属性描述]`` values to set (keys from :data:`HEADER_KEYS`), e.g.
        ``{"数据产生单位": "息县自然资源局"}``. 数据产生日期 defaults to today;
        格式版本号 (1.01), 数据产生单位, 精度 (0.01) and 转换参数 default to
        ``gdf.attrs["header"]`` (kept by :func:`read_coords`), else the values in
        brackets. 坐标系, 几度分带 and 带号 are written from the CRS; giving one
        that contradicts it raises CRSError.
    encoding : str
        ``"gbk"`` (default, what submission systems expect), ``"gb18030"``,
        ``"utf-8"`` or ``"utf-8-sig"`` (with BOM).
    fields : {"standard", "consolidation"}
        The 8-field attribute line ``界址点数,地块面积,地块编号,地块名称,面,图幅号,
        地块用途,地类编码,@``, or the 13-field consolidation line that adds
        ``图斑类型,地类,改造前质量等别,改造后质量等别,备注``.
    columns : mapping, optional
        Field code → column of ``gdf``, e.g. ``{"DKBH": "XMBH", "DKMC": "XMMC"}``.
        Without it a field is taken from the column named by its code
        (``DKBH``) or its Chinese name (``地块编号``), else left empty
        (地块编号: the row number from 1). 界址点数, 地块面积 and 面 are always computed.
    prefix : bool, optional
        Write Y with the zone number in front (True) or without (False);
        default: as the CRS has it. The header is the same either way.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    CRSError
        No CRS, not a Chinese Gauss–Krüger zone, coordinates that do not fit it,
        or a header value that contradicts it.
    ValidationError
        Empty or non-polygon geometries, attribute values with commas or line
        breaks, numeric 地类编码, text the encoding cannot hold.
    LayerWriteError
        ``path`` exists and ``overwrite`` is False.

    Notes
    -----
    地块面积 is the survey ellipsoidal area (``xigeo.area(..., method="ellipsoidal",
    unit="ha")``) of the coordinates as written (rounded to mm), to 4 decimals
    (1 m²). 界址点数 counts every point line of the parcel, closing repeats included.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> hole = box(569_620, 3_579_650, 569_660, 3_579_700)
    >>> parcel = box(569_600, 3_579_600, 569_700, 3_579_800).difference(hole)
    >>> gdf = gpd.GeoDataFrame({"DKMC": ["有洞地块"]}, geometry=[parcel], crs=4547)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> _ = write_coords(gdf, path, encoding="utf-8")
    >>> lines = path.read_text(encoding="utf-8").splitlines()
    >>> lines[12], lines[13], lines[18], lines[-1]
    ('10,1.7998,1,有洞地块,面,,,,@', 'J1,1,3579800.000,569600.000', 'J5,2,3579700.000,569620.000', 'J5,2,3579700.000,569620.000')
    """
    source = getattr(gdf, "attrs", {}).get("source")  # never written over (the file it came from)
    if isinstance(gdf, gpd.GeoSeries):
        gdf = gpd.GeoDataFrame(geometry=gdf, crs=gdf.crs)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(msg(f"write_coords 需要 GeoDataFrame 或 GeoSeries，而不是 {type(gdf).__name__}",
                            f"write_coords needs a GeoDataFrame or GeoSeries, not {type(gdf).__name__}"))
    path = Path(path)
    label = layer_name(gdf)
    from ._layers import require_features

    require_features(gdf, label, "parcels")  # a file of no parcels submits nothing
    layout = CoordsLayout.create(fields)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CoordsFileError(msg(f"未知的文本编码 {encoding!r}；请用 'gbk'、'gb18030'、'utf-8' 或 'utf-8-sig'",
                                  f"unknown text encoding {encoding!r}; use 'gbk', 'gb18030', "
                                  "'utf-8' or 'utf-8-sig'")) from None
    geoms = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        ids = format_ids(gdf.index[empty])
        raise ValidationError(msg(f"{label}：第 {ids} 行没有几何图形；地块需要界址线。"
                                  "修正：删除它们（gdf[~gdf.is_empty]）",
                                  f"{label}: rows {ids} have no geometry; "
                                  "a parcel needs its boundary. Fix: drop them (gdf[~gdf.is_empty])"),
                              list(gdf.index[empty]))
    kinds = shapely.get_type_id(geoms)
    not_poly = ~np.isin(kinds, (3, 6))
    if not_poly.any():
        ids = format_ids(gdf.index[not_poly])
        raise ValidationError(msg(f"{label}：第 {ids} 行不是面（坐标文件把地块记为面）",
                                  f"{label}: rows {ids} are not polygons "
                                  "(the file records parcels as 面)"), list(gdf.index[not_poly]))
    info = _layer_info(gdf, label)
    out_prefix = info.prefix if prefix is None else bool(prefix)
    shift = info.zone * 1_000_000.0 * (int(out_prefix) - int(info.prefix))
    out_crs = info.crs(prefix=out_prefix)

    def _round(c: np.ndarray) -> np.ndarray:
        return np.round(c + np.array([shift, 0.0]), _DECIMALS)

    geoms = shapely.orient_polygons(shapely.transform(geoms, _round), exterior_cw=True)
    from .area import area as _area

    written = gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms, index=gdf.index, crs=out_crs))
    hectares = _area(written, method="ellipsoidal", unit="ha").to_numpy(dtype=float)
    values = _field_values(gdf, layout, columns, label)
    head = _header_for(info, header, gdf.attrs)

    lines = [f"[{_HEADER_SECTION}]", *(f"{k}={v}" for k, v in head.items()), f"[{_PARCEL_SECTION}]"]
    for i, geom in enumerate(geoms):
        points: list[str] = []
        ring_no = point_no = 0
        for part in getattr(geom, "geoms", [geom]):
            for ring in (part.exterior, *part.interiors):
                ring_no += 1
                xy = np.asarray(ring.coords)[:-1]
                xy = np.roll(xy, -_nw_start(xy), axis=0)
                names = [f"J{point_no + k + 1}" for k in range(len(xy))]
                points.extend(f"{name},{ring_no},{n:.{_DECIMALS}f},{e:.{_DECIMALS}f}"
                              for name, (e, n) in zip(names, xy))
                points.append(f"{names[0]},{ring_no},{xy[0, 1]:.{_DECIMALS}f},{xy[0, 0]:.{_DECIMALS}f}")
                point_no += len(xy)
        attrs = {"JZDS": str(len(points)), "DKMJ": f"{hectares[i]:.{_AREA_DECIMALS}f}",
                 "JLTXSX": "面"}
        attrs.update({code: values[code][i] for code in values})
        lines.append(",".join([*(attrs[code] for code in layout.fields), "@"]))
        lines.extend(points)
    text = "\r\n".join(lines) + "\r\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end]
        line = exc.object[: exc.start].count("\n") + 1
        raise ValidationError(msg(
            f"{label}：文本 {bad!r}（文件第 {line} 行）无法用 {encoding} 编码写出。"
            "修正：encoding='gb18030' 或 'utf-8'，或替换该字符",
            f"{label}: the text {bad!r} (file line {line}) cannot be written in {encoding}. "
            "Fix: encoding='gb18030' or 'utf-8', or replace the character")) from None
    with atomic_path(path, overwrite=overwrite, protect=[source]) as tmp:
        tmp.write_bytes(data)
    log.info(msg("已写入 %s：%d 个地块，%s，%s", "wrote %s: %d parcel(s), %s, %s"),
             path, len(gdf), out_crs.name, encoding)
    return path
