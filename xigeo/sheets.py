"""Map sheets of the national basic-scale topographic maps (图幅, GB/T 13989-2012).

China's topographic maps are cut along parallels and meridians. A 1:1,000,000
sheet is 6° × 4°: its number is the row letter (A for 0–4°N, B for 4–8°N …,
``chr(ord("A") + ⌊B / 4°⌋)``) and the column ``⌊L / 6°⌋ + 31`` (Xi County:
I50). Every larger scale divides the 1:1M sheet into equal cells; its number
is the 1:1M number, the scale code and the cell's row (counted from the
*north* edge of the 1:1M sheet) and column (from its *west* edge):

=========== ==== ============ ============ ========= ================
scale       code ΔL           ΔB           rows×cols digits row/col
=========== ==== ============ ============ ========= ================
1:1,000,000 —    6°           4°           1×1       —
1:500,000   B    3°           2°           2×2       3
1:250,000   C    1°30′        1°           4×4       3
1:100,000   D    30′          20′          12×12     3
1:50,000    E    15′          10′          24×24     3
1:25,000    F    7′30″        5′           48×48     3
1:10,000    G    3′45″        2′30″        96×96     3
1:5,000     H    1′52.5″      1′15″        192×192   3
1:2,000     I    37.5″        25″          576×576   3
1:1,000     J    18.75″       12.5″        1152×1152 4
1:500       K    9.375″       6.25″        2304×2304 4
=========== ==== ============ ============ ========= ================

so a 1:10,000 number has 10 characters (``I50G088007``) and, as the 2012
edition has it, a 1:1,000 or 1:500 number 12 (4-digit row and column: 1,152
and 2,304 rows do not fit in 3 digits). The formulas of the standard are

    row    = ΔB₁ₘ / ΔB − ⌊(B mod 4°) / ΔB⌋
    column = ⌊(L mod 6°) / ΔL⌋ + 1

Which sheet a point on an edge belongs to
-----------------------------------------
The formulas take the floor, so a point exactly on a sheet edge belongs to
the sheet to its **north** (on a parallel) and to its **east** (on a
meridian): each sheet holds its south and west edges and its south-west
corner, and not its north or east edges. The arithmetic is exact: degrees
are converted to integer units of 1/8″ (every sheet size is a whole number of
them: 9.375″ = 75 units), and a coordinate within 1e-6 unit (≈ 4 µm on the
ground) of a sheet edge is taken as on it, so that 32°20′ written as the
decimal 32.333… lands on the edge and not a rounding error away from it.

Only the sheets covering China are numbered: rows A–N (0°–56°N) and columns
43–53 (72°–138°E); other points are refused.

Examples
--------
>>> sheet_number(114.6, 32.4, scale=1_000_000)
'I50'
>>> sheet_number(114.4, 32.35)                   # 1:10,000 by default
'I50G088007'
>>> sheet_number([114.375, 114.375], [32 + 20 / 60, 32.3])   # SW corner; just south of it
array(['I50G088007', 'I50G089007'], dtype='<U10')
>>> s = parse_sheet("I50G088007")
>>> s.scale, s.west, s.south, round(s.east, 6), s.north
(10000, 114.375, 32.333333333333336, 114.4375, 32.375)
>>> parse_sheet("I50G97007")
Traceback (most recent call last):
...
xigeo.errors.SheetNumberError: 图幅号 'I50G97007'：1:10000 图幅号（代码 G）有 10 个字符：1:100 万图幅的行号字母、2 位列号、G、3 位行号、3 位列号，如 I50G088007
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._lang import msg
from ._layers import layer_name
from ._result import Result, TableSpec, Total
from .errors import OptionError, SheetNumberError, format_ids

logger = logging.getLogger(__name__)

__all__ = ["SCALES", "Sheet", "SheetsResult", "parse_sheet", "sheet_number", "sheet_polygon",
           "sheets"]

#: units per degree: 1/8 arc-second, in which every sheet size is a whole number
UNITS_PER_DEGREE = 28_800
_SNAP = 1e-6              # a coordinate this close (in units) to a sheet edge is on it
_LON_1M = 6 * UNITS_PER_DEGREE
_LAT_1M = 4 * UNITS_PER_DEGREE
#: China's 1:1M sheets: row letters A–N, columns 43–53
ROWS_CHINA = "ABCDEFGHIJKLMN"
COLUMNS_CHINA = (43, 53)


@dataclasses.dataclass(frozen=True)
class _Scale:
    code: str          # "" for 1:1M
    dlon: int          # sheet width, units of 1/8″
    dlat: int          # sheet height
    digits: int        # digits of the row and of the column

    @property
    def rows(self) -> int:
        return _LAT_1M // self.dlat

    @property
    def columns(self) -> int:
        return _LON_1M // self.dlon

    @property
    def length(self) -> int:
        return 3 if not self.code else 4 + 2 * self.digits


#: scale denominator → its code, size and digits (GB/T 13989-2012 table 1)
SCALES: Mapping[int, _Scale] = {
    1_000_000: _Scale("", _LON_1M, _LAT_1M, 0),
    500_000: _Scale("B", 86_400, 57_600, 3),
    250_000: _Scale("C", 43_200, 28_800, 3),
    100_000: _Scale("D", 14_400, 9_600, 3),
    50_000: _Scale("E", 7_200, 4_800, 3),
    25_000: _Scale("F", 3_600, 2_400, 3),
    10_000: _Scale("G", 1_800, 1_200, 3),
    5_000: _Scale("H", 900, 600, 3),
    2_000: _Scale("I", 300, 200, 3),
    1_000: _Scale("J", 150, 100, 4),
    500: _Scale("K", 75, 50, 4),
}
_BY_CODE = {s.code: d for d, s in SCALES.items() if s.code}


def check_scale(scale: Any) -> int:
    """The scale denominator of ``scale`` (10000, "1:10000", "1:10,000", "1:1万", "G").

    >>> check_scale("1:5万"), check_scale("G"), check_scale(500)
    (50000, 10000, 500)
    >>> check_scale(20000)
    Traceback (most recent call last):
    ...
    xigeo.errors.OptionError: scale=20000 不是国家基本比例尺地形图的比例尺；可选：1000000, 500000, 250000, 100000, 50000, 25000, 10000, 5000, 2000, 1000, 500（或代码 B–K）
    """
    value: Any = scale
    if isinstance(scale, str):
        text = scale.strip().upper().replace(",", "").replace("，", "").replace(" ", "")
        if text in _BY_CODE:
            return _BY_CODE[text]
        text = text.split(":")[-1].split("：")[-1]
        multiplier = 1
        if text.endswith("万"):
            text, multiplier = text[:-1], 10_000
        try:
            value = float(text) * multiplier
        except ValueError:
            value = None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if math.isfinite(value) and float(value).is_integer() and int(value) in SCALES:
            return int(value)
    allowed = ", ".join(str(s) for s in SCALES)
    raise OptionError(msg(f"scale={scale!r} 不是国家基本比例尺地形图的比例尺；可选：{allowed}（或代码 B–K）",
                          f"scale={scale!r} is not a scale of the national map series; use one of: "
                          f"{allowed} (or the codes B–K)"))


def _units(degrees: np.ndarray) -> np.ndarray:
    """Degrees → whole units of 1/8″ (floor), a value within _SNAP of a whole unit taken as it."""
    x = degrees * UNITS_PER_DEGREE
    whole = np.rint(x)
    return np.where(np.abs(x - whole) < _SNAP, whole, np.floor(x)).astype(np.int64)


def _check_china(lon: np.ndarray, lat: np.ndarray, ulon: np.ndarray, ulat: np.ndarray,
                 index: Any = None) -> None:
    west, east = (COLUMNS_CHINA[0] - 31) * _LON_1M, (COLUMNS_CHINA[1] - 30) * _LON_1M
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    with np.errstate(invalid="ignore"):
        bad |= (ulon < west) | (ulon >= east) | (ulat < 0) | (ulat >= len(ROWS_CHINA) * _LAT_1M)
    if not bad.any():
        return
    where = np.flatnonzero(bad.ravel())
    labels = where if index is None else np.asarray(index)[where]
    shown = ", ".join(f"{lab} ({lo:g}, {la:g})" for lab, lo, la in
                      zip(labels[:5], lon.ravel()[where[:5]], lat.ravel()[where[:5]]))
    rest = len(where) - 5
    more = msg(f"，…（另有 {rest} 个）", f", … ({rest} more)") if rest > 0 else ""
    raise SheetNumberError(msg(
        f"{len(where)} 个点没有图幅：{shown}{more}。中国的图幅覆盖 72°–138°E、0°–56°N"
        "（1:100 万图幅行 A–N、列 43–53），以经纬度（度）计。修正：给出以度为单位的经度、纬度"
        "（经度在前），如由 gdf.to_crs(4490) 得到",
        f"{len(where)} point(s) have no map sheet: {shown}{more}. China's sheets cover "
        "72°–138°E and 0°–56°N (1:1,000,000 rows A–N, columns 43–53), in degrees of longitude "
        "and latitude. Fix: give longitude, latitude in degrees (lon first), e.g. from "
        "gdf.to_crs(4490)"))


def _digits(out: np.ndarray, start: int, values: np.ndarray, width: int) -> None:
    """Write ``values`` as zero-padded ASCII decimal digits into columns start … start+width."""
    values = values.astype(np.int32)          # < 2**31: every unit count in China's sheets
    for k in range(width):
        out[:, start + k] = (values // np.int32(10 ** (width - 1 - k))) % np.int32(10) + 48


def _numbers(ulon: np.ndarray, ulat: np.ndarray, sc: _Scale) -> np.ndarray:
    """Sheet numbers of points given in units (already checked to lie in China).

    Built as an (n, length) array of ASCII codes by integer arithmetic and viewed as
    strings: no Python step per point.
    """
    n = ulon.size
    out = np.empty((n, sc.length), dtype=np.uint8)
    out[:, 0] = ulat // _LAT_1M + ord("A")
    _digits(out, 1, ulon // _LON_1M + 31, 2)
    if sc.code:
        out[:, 3] = ord(sc.code)
        _digits(out, 4, sc.rows - (ulat % _LAT_1M) // sc.dlat, sc.digits)
        _digits(out, 4 + sc.digits, (ulon % _LON_1M) // sc.dlon + 1, sc.digits)
    return np.ascontiguousarray(out).view(f"S{sc.length}").ravel().astype(f"U{sc.length}")


def sheet_number(lon: Any, lat: Any, *, scale: Any = 10_000) -> Any:
    """The number of the map sheet (图幅号) each point lies on (GB/T 13989-2012).

    Parameters
    ----------
    lon, lat : float or array-like
        Longitude and latitude in degrees (CGCS2000, or the datum the sheets
        are drawn on); broadcast against each other.
    scale : int or str
        Scale denominator 1000000 … 500 (default 10000), "1:10000", "1:1万" or
        the scale code "G".

    Returns
    -------
    str, numpy array of str, or pandas Series
        A str for scalar input; an array shaped like the broadcast input
        otherwise (a Series with the same index, named ``sheet``, for a
        Series). A point on a sheet edge belongs to the sheet to its north
        and east (see the module notes).

    Raises
    ------
    SheetNumberError
        A point is not a number or lies outside China's sheets (72°–138°E, 0°–56°N).
    OptionError
        ``scale`` is not a scale of the series.

    Examples
    --------
    >>> sheet_number(114.4, 32.35, scale="1:5万")
    'I50E022002'
    >>> sheet_number(114.6, 32.4, scale=500)
    'I50K20740231'
    >>> sheet_number(16.4, 48.2)
    Traceback (most recent call last):
    ...
    xigeo.errors.SheetNumberError: 1 个点没有图幅：0 (16.4, 48.2)。中国的图幅覆盖 72°–138°E、0°–56°N（1:100 万图幅行 A–N、列 43–53），以经纬度（度）计。修正：给出以度为单位的经度、纬度（经度在前），如由 gdf.to_crs(4490) 得到
    """
    sc = SCALES[check_scale(scale)]
    index = lon.index if isinstance(lon, pd.Series) else (
        lat.index if isinstance(lat, pd.Series) else None)
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=np.float64),
                                       np.asarray(lat, dtype=np.float64))
    with np.errstate(invalid="ignore"):
        ulon = _units(np.nan_to_num(lon_a, nan=-1.0))
        ulat = _units(np.nan_to_num(lat_a, nan=-1.0))
    _check_china(lon_a, lat_a, ulon, ulat, index)
    out = _numbers(ulon.ravel(), ulat.ravel(), sc).reshape(lon_a.shape)
    if out.ndim == 0:
        return str(out[()])
    if index is not None:
        return pd.Series(out, index=index, name="sheet")
    return out


# ---------------------------------------------------------------------------
# parsing


@dataclasses.dataclass(frozen=True)
class Sheet:
    """One map sheet: its number, scale and bounds in degrees (west, south, east, north)."""

    number: str
    scale: int
    west: float
    south: float
    east: float
    north: float

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, as shapely's ``box`` takes them."""
        return (self.west, self.south, self.east, self.north)

    def area_m2(self, crs: Any = 4490) -> float:
        """The sheet's theoretical area (m², to 0.01 m²) on the ellipsoid of ``crs`` (CGCS2000).

        >>> round(parse_sheet("I50G088007").area_m2(), 2)
        27182685.13
        """
        import pyproj

        return float(_sheet_areas(np.array([self.west]), np.array([self.south]),
                                  np.array([self.east]), np.array([self.north]),
                                  pyproj.CRS.from_user_input(crs))[0])


def _sheet_areas(west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray,
                 crs: Any) -> np.ndarray:
    """Theoretical areas of sheets: the survey ellipsoidal area (xigeo.area's method) of the
    four-corner outline, whose edges it takes as straight in (B, L): parallels and meridians."""
    from .area import ellipsoidal_rings_m2

    n = len(west)
    if n == 0:
        return np.zeros(0)
    xy = np.stack([np.column_stack([west, south]), np.column_stack([east, south]),
                   np.column_stack([east, north]), np.column_stack([west, north]),
                   np.column_stack([west, south])], axis=1).reshape(-1, 2)
    ring_off = np.arange(n + 1, dtype=np.int64) * 5
    return np.asarray(ellipsoidal_rings_m2(xy, ring_off, np.arange(n, dtype=np.int64),
                                           np.ones(n, dtype=bool), n, crs, label="sheets"))


_PATTERN = re.compile(r"^([A-Z])(\d{2})(?:([A-Z])(\d*))?$")


def _example(sc: _Scale) -> str:
    return sheet_number(114.4, 32.35, scale=[d for d, s in SCALES.items() if s is sc][0])


def parse_sheet(number: Any) -> Sheet:
    """Check a sheet number's form and return the sheet (bounds in degrees).

    Spaces, hyphens and lower case are accepted (``i50-g-088-007``). Every
    problem is named: a row letter outside A–N, a 1:1M column outside 43–53, an
    unknown scale code, the wrong number of digits for the scale, a row or
    column beyond the sheets of the scale.

    >>> parse_sheet("i50-g-088-007").number
    'I50G088007'
    >>> parse_sheet("I50G097007")
    Traceback (most recent call last):
    ...
    xigeo.errors.SheetNumberError: 图幅号 'I50G097007'：1:10000 没有第 97 行（自 1:100 万图幅北边起第 001–096 行）
    """
    if not isinstance(number, str):
        raise SheetNumberError(msg(f"图幅号 {number!r}：请以文本给出图幅号，如 'I50G088007'",
                                   f"sheet number {number!r}: give the number as text, e.g. 'I50G088007'"))
    text = re.sub(r"[\s\-_]", "", number).upper()
    match = _PATTERN.match(text)
    if match is None:
        raise SheetNumberError(msg(
            f"图幅号 {number!r}：图幅号以 1:100 万图幅开头（行号字母 A–N 和 2 位列号，如 I50），"
            "更大比例尺再接比例尺代码 B–K 和行、列号数字，如 I50G088007",
            f"sheet number {number!r}: a number starts with the 1:1,000,000 sheet (a row letter "
            "A–N and a 2-digit column, e.g. I50), then for larger scales the scale code B–K and "
            "the row and column digits, e.g. I50G088007"))
    letter, column, code, digits = match.groups()
    problems = []
    if letter not in ROWS_CHINA:
        problems.append(msg(f"行号字母 {letter!r} 超出中国的图幅（A–N，0°–56°N）",
                            f"row letter {letter!r} is outside China's sheets (A–N, 0°–56°N)"))
    if not COLUMNS_CHINA[0] <= int(column) <= COLUMNS_CHINA[1]:
        problems.append(msg(f"列号 {column} 超出中国的图幅（43–53，72°–138°E）",
                            f"column {column} is outside China's sheets (43–53, 72°–138°E)"))
    scale = 1_000_000
    if code is not None:
        if code not in _BY_CODE:
            codes = ("B (1:500000), C (1:250000), D (1:100000), E (1:50000), F (1:25000), "
                     "G (1:10000), H (1:5000), I (1:2000), J (1:1000), K (1:500)")
            problems.append(msg(f"{code!r} 不是比例尺代码；可选：{codes}",
                                f"{code!r} is not a scale code; use {codes}"))
        else:
            scale = _BY_CODE[code]
            sc = SCALES[scale]
            if len(digits) != 2 * sc.digits:
                raise SheetNumberError(msg(
                    f"图幅号 {number!r}：1:{scale} 图幅号（代码 {code}）有 {sc.length} 个字符："
                    f"1:100 万图幅的行号字母、2 位列号、{code}、{sc.digits} 位行号、{sc.digits} 位列号，"
                    f"如 {_example(sc)}",
                    f"sheet number {number!r}: a 1:{scale} number (code {code}) has {sc.length} "
                    f"characters: row letter, 2-digit column of the 1:1,000,000 sheet, {code}, "
                    f"{sc.digits}-digit row, {sc.digits}-digit column, e.g. {_example(sc)}"))
            row, col = int(digits[:sc.digits]), int(digits[sc.digits:])
            width = sc.digits
            if not 1 <= row <= sc.rows:
                rows = f"{1:0{width}d}–{sc.rows:0{width}d}"
                problems.append(msg(f"1:{scale} 没有第 {row} 行（自 1:100 万图幅北边起第 {rows} 行）",
                                    f"row {row} does not exist at 1:{scale} (rows {rows} "
                                    "from the north edge of the 1:1,000,000 sheet)"))
            if not 1 <= col <= sc.columns:
                cols = f"{1:0{width}d}–{sc.columns:0{width}d}"
                problems.append(msg(f"1:{scale} 没有第 {col} 列（自 1:100 万图幅西边起第 {cols} 列）",
                                    f"column {col} does not exist at 1:{scale} (columns {cols} "
                                    "from the west edge of the 1:1,000,000 sheet)"))
    if problems:
        raise SheetNumberError(msg(f"图幅号 {number!r}：" + "；".join(problems),
                                   f"sheet number {number!r}: " + "; ".join(problems)))
    sc = SCALES[scale]
    west_u = (int(column) - 31) * _LON_1M
    south_u = ROWS_CHINA.index(letter) * _LAT_1M
    if sc.code:
        west_u += (col - 1) * sc.dlon
        south_u += (sc.rows - row) * sc.dlat
    u = float(UNITS_PER_DEGREE)
    return Sheet(text, scale, west_u / u, south_u / u, (west_u + sc.dlon) / u,
                 (south_u + sc.dlat) / u)


#: the longest step along a parallel in sheet_polygon: 7.5″ (≈ 190 m), over which a
#: parallel drawn in Gauss–Krüger departs from its chord by less than 1 mm
PARALLEL_STEP_DEG = 7.5 / 3600


def sheet_polygon(number: str) -> Any:
    """The outline of a sheet in geographic coordinates (lon, lat degrees), densified.

    The north and south edges are parallels: they get a vertex at least every
    7.5″ of longitude, so the outline stays on the parallel (within 1 mm)
    when projected to Gauss–Krüger; the east and west edges are meridians,
    straight in any GK projection's graticule sense and kept as two vertices.
    The ring runs counter-clockwise from the south-west corner.

    >>> p = sheet_polygon("I50G088007")
    >>> p.bounds, len(p.exterior.coords)
    ((114.375, 32.333333333333336, 114.4375, 32.375), 63)
    """
    import shapely

    s = parse_sheet(number)
    n = max(1, math.ceil(round((s.east - s.west) / PARALLEL_STEP_DEG, 9)))
    lons = np.linspace(s.west, s.east, n + 1)
    ring = np.concatenate([
        np.column_stack([lons, np.full(n + 1, s.south)]),
        np.column_stack([lons[::-1], np.full(n + 1, s.north)]),
        [[s.west, s.south]],
    ])
    return shapely.Polygon(ring)


# ---------------------------------------------------------------------------
# the sheets a layer touches


@dataclasses.dataclass(frozen=True, repr=False)
class SheetsResult(Result):
    """The map sheets a layer's features touch, at one scale (:func:`sheets`)."""

    TITLE: ClassVar[tuple[str, str]] = ("图幅清单", "Map sheets")
    TABLES: ClassVar[Mapping[str, TableSpec]] = {
        "sheets": TableSpec(
            "图幅清单", "sheets",
            {"scale": "比例尺分母", "south_b": "西南角纬度B(度)", "west_l": "西南角经度L(度)",
             "north_b": "东北角纬度B(度)", "east_l": "东北角经度L(度)", "sw_corner": "西南角(L, B)",
             "ne_corner": "东北角(L, B)", "area_m2": "图幅理论面积(平方米)",
             "area_km2": "图幅理论面积(平方公里)", "n_features": "要素个数", "features": "要素编号"},
            index_name_zh="图幅号", total=Total(sum_columns=("area_m2", "area_km2"))),
        "pairs": TableSpec("要素所在图幅", "feature sheets", {"feature": "要素编号", "sheet": "图幅号"}),
    }

    sheets: Any
    """GeoDataFrame indexed by the sheet number, with the sheet outlines (geographic)."""
    pairs: pd.DataFrame
    """one row per (feature, sheet) it touches"""
    scale: int
    layer: str

    def _summary(self, lang: str) -> str:
        n = len(self.sheets)
        area_km2 = float(self.sheets["area_km2"].sum()) if n else 0.0
        features = self.pairs["feature"].nunique() if len(self.pairs) else 0
        first = ", ".join(map(str, self.sheets.index[:3])) + ("…" if n > 3 else "")
        if lang == "zh":
            return (f"{self.layer}：1:{self.scale}比例尺图幅{n}幅（{first}），涉及要素{features}个；"
                    f"图幅理论面积合计{area_km2:,.4f}平方公里（椭球面积）。")
        return (f"{self.layer}: {n} map sheets at 1:{self.scale} ({first}) touched by {features} "
                f"features; theoretical (ellipsoidal) sheet area {area_km2:,.4f} km² in total.")


def _dms(deg: np.ndarray) -> np.ndarray:
    total = np.rint(np.asarray(deg) * 3600 * 10_000).astype(np.int64)   # 1e-4″
    d, rest = np.divmod(total, 3600 * 10_000)
    m, s = np.divmod(rest, 60 * 10_000)
    return np.array([f"{a}°{b:02d}′{c / 10_000:07.4f}″".replace(".0000″", "″")
                     for a, b, c in zip(d, m, s)], dtype=object)


def sheets(layer: Any, *, scale: Any = 10_000) -> SheetsResult:
    """Every map sheet the features of a layer touch, with its theoretical area.

    A polygon or line touches a sheet when it has interior points in common
    with it (sharing only an edge does not count); a point lies on exactly
    one sheet, the one :func:`sheet_number` gives (a point on an edge belongs
    to the sheet north and east of it). Coordinates are taken to the
    geographic CRS of the layer's own datum (no datum change), vertex by
    vertex.

    Parameters
    ----------
    layer : GeoDataFrame or GeoSeries
        Any geometry, with a CRS; the index gives the feature ids.
    scale : int or str
        Scale denominator 1000000 … 500 (default 10000), see :func:`sheet_number`.

    Returns
    -------
    SheetsResult
        ``sheets``: one row per sheet, indexed by its number, in number order:
        ``scale``, the SW and NE corners (``south_b``, ``west_l``, ``north_b``,
        ``east_l`` in degrees; ``sw_corner``, ``ne_corner`` as D°MM′SS″),
        ``area_m2`` (the sheet's theoretical area: the survey ellipsoidal area
        of :func:`xigeo.area` on the ellipsoid of the layer's datum, to 0.01 m²),
        ``area_km2``, ``n_features``, ``features`` (their ids, comma-separated)
        and the outline (:func:`sheet_polygon`) as geometry;
        ``pairs``: one row per feature and sheet.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> layer = gpd.GeoSeries([box(114.43, 32.36, 114.45, 32.37), Point(114.375, 32.5), None],
    ...                       index=["XJ-01", "XJ-02", "XJ-03"], crs=4490)
    >>> r = sheets(layer)
    >>> r.sheets[["area_m2", "n_features", "features"]]
                    area_m2  n_features features
    sheet
    I50G084007  27133437.35           1    XJ-02
    I50G088007  27182685.13           1    XJ-01
    I50G088008  27182685.13           1    XJ-01
    >>> r.summary("en")
    'layer: 3 map sheets at 1:10000 (I50G084007, I50G088007, I50G088008) touched by 2 features; theoretical (ellipsoidal) sheet area 81.4988 km² in total.'
    """
    import geopandas as gpd
    import shapely

    from .crs import check_crs

    denominator = check_scale(scale)
    sc = SCALES[denominator]
    label = layer_name(layer)
    crs = check_crs(layer, name=label)
    geo_crs = crs.geodetic_crs if crs.is_projected else crs
    series = getattr(layer, "geometry", layer)
    index = series.index
    geo = series.to_crs(geo_crs) if crs.is_projected else series
    geoms = np.asarray(geo.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    b = shapely.bounds(geoms[present])
    ids = index[present]
    if len(b):   # every feature's bounds on China's sheets, the bad ones named by id
        lon, lat = np.concatenate([b[:, 0], b[:, 2]]), np.concatenate([b[:, 1], b[:, 3]])
        _check_china(lon, lat, _units(lon), _units(lat),
                     np.concatenate([np.asarray(ids), np.asarray(ids)]))
    # candidate cells from the bounds, in whole sheets (cell = units // size)
    c0 = _units(b[:, 0]) // sc.dlon
    c1 = _units(b[:, 2]) // sc.dlon
    r0 = _units(b[:, 1]) // sc.dlat
    r1 = _units(b[:, 3]) // sc.dlat
    ncol, nrow = c1 - c0 + 1, r1 - r0 + 1
    counts = ncol * nrow
    feature = np.repeat(np.arange(len(b)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    col = c0[feature] + offset % ncol[feature]
    row = r0[feature] + offset // ncol[feature]
    west, south = col * sc.dlon / UNITS_PER_DEGREE, row * sc.dlat / UNITS_PER_DEGREE
    cells = shapely.box(west, south, west + sc.dlon / UNITS_PER_DEGREE,
                        south + sc.dlat / UNITS_PER_DEGREE)
    parts = geoms[present][feature]
    is_point = shapely.get_type_id(parts) == 0
    keep = is_point | (shapely.intersects(parts, cells) & ~shapely.touches(parts, cells))
    feature, col, row = feature[keep], col[keep], row[keep]
    numbers = _numbers(col * sc.dlon, row * sc.dlat, sc)
    pairs = pd.DataFrame({"feature": np.asarray(ids)[feature], "sheet": numbers.astype(object)})
    pairs = pairs.sort_values(["sheet"], kind="stable").reset_index(drop=True)
    cell_key = pd.DataFrame({"sheet": numbers, "col": col, "row": row}).drop_duplicates("sheet")
    cell_key = cell_key.sort_values("sheet").reset_index(drop=True)
    u = float(UNITS_PER_DEGREE)
    west = cell_key["col"].to_numpy() * sc.dlon / u
    south = cell_key["row"].to_numpy() * sc.dlat / u
    east, north = (cell_key["col"].to_numpy() + 1) * sc.dlon / u, (cell_key["row"].to_numpy() + 1) * sc.dlat / u
    m2 = _sheet_areas(west, south, east, north, geo_crs)
    grouped = pairs.groupby("sheet", sort=True)["feature"]
    sheet_index = pd.Index(cell_key["sheet"].astype(object), name="sheet")
    table = gpd.GeoDataFrame({
        "scale": np.full(len(cell_key), denominator, dtype=np.int64),
        "south_b": south, "west_l": west, "north_b": north, "east_l": east,
        "sw_corner": [f"{lo}, {la}" for lo, la in zip(_dms(west), _dms(south))],
        "ne_corner": [f"{lo}, {la}" for lo, la in zip(_dms(east), _dms(north))],
        "area_m2": m2, "area_km2": m2 / 1e6,
        "n_features": grouped.nunique().reindex(sheet_index).to_numpy(dtype=np.int64),
        "features": grouped.agg(lambda v: format_ids(pd.unique(v), limit=10**9))
                           .reindex(sheet_index).to_numpy(dtype=object),
    }, index=sheet_index, geometry=[sheet_polygon(n) for n in sheet_index], crs=geo_crs)
    logger.debug("sheets(%s): %d features on %d sheets at 1:%d", label, int(present.sum()),
                 len(table), denominator)
    return SheetsResult(sheets=table, pairs=pairs, scale=denominator, layer=label)
