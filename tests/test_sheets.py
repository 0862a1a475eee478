"""Map-sheet numbers, outlines and areas (xigeo/sheets.py, GB/T 13989-2012).

Expected numbers come from the standard's formulas worked here in exact
arithmetic (fractions), independently of xigeo's integer units; expected areas
from the closed-form area of an ellipsoidal zone between two parallels, from
the published 1:10,000 sheet area (DOMAIN.md) and from pyproj.Geod.
"""

from __future__ import annotations

import math
from fractions import Fraction as Fr

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely import LineString, Point, box

import xigeo
from xigeo.errors import OptionError, SheetNumberError
from xigeo.sheets import SCALES, parse_sheet, sheet_number, sheet_polygon, sheets
from xigeo._excel import read_table

# GB/T 13989-2012 table: scale → (code, ΔL, ΔB) in degrees, written from the standard
STD = {
    1_000_000: ("", Fr(6), Fr(4)), 500_000: ("B", Fr(3), Fr(2)), 250_000: ("C", Fr(3, 2), Fr(1)),
    100_000: ("D", Fr(1, 2), Fr(1, 3)), 50_000: ("E", Fr(1, 4), Fr(1, 6)),
    25_000: ("F", Fr(1, 8), Fr(1, 12)), 10_000: ("G", Fr(1, 16), Fr(1, 24)),
    5_000: ("H", Fr(1, 32), Fr(1, 48)), 2_000: ("I", Fr(375, 36000), Fr(25, 3600)),
    1_000: ("J", Fr(1875, 360000), Fr(125, 36000)), 500: ("K", Fr(9375, 3600000), Fr(625, 360000)),
}


def std_number(lon: Fr, lat: Fr, scale: int) -> str:
    """The standard's formulas: a = ⌊B/4°⌋+1, b = ⌊L/6°⌋+31, c = 4°/ΔB − ⌊(B mod 4°)/ΔB⌋,
    d = ⌊(L mod 6°)/ΔL⌋ + 1; rows and columns 3 digits, 4 for 1:1000 and 1:500."""
    code, dl, db = STD[scale]
    head = "ABCDEFGHIJKLMNOPQRSTUV"[math.floor(lat / 4)] + str(math.floor(lon / 6) + 31)
    if not code:
        return head
    row = int(Fr(4) / db) - math.floor((lat % 4) / db)
    col = math.floor((lon % 6) / dl) + 1
    digits = 4 if scale <= 1000 else 3
    return f"{head}{code}{row:0{digits}d}{col:0{digits}d}"


def zone_area(b_south: float, b_north: float, dl_deg: float, a: float, rf: float) -> float:
    """Closed-form area of the ellipsoidal quadrangle between two parallels and meridians:
    S = b²·ΔL/2·[q(B2) − q(B1)], q(B) = sinB/(1 − e² sin²B) + ln((1 + e sinB)/(1 − e sinB))/(2e)."""
    f = 1 / rf
    e2 = f * (2 - f)
    e = math.sqrt(e2)
    b = a * (1 - f)

    def q(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return b * b * math.radians(dl_deg) / 2 * (q(b_north) - q(b_south))


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("lon, lat, scale, expected", [
    # Xi County (DOMAIN.md: I50): 32.4N → ⌊32.4/4⌋+1 = 9 → I; ⌊114.6/6⌋+31 = 50
    (114.6, 32.4, 1_000_000, "I50"),
    # 1:10,000: row 96 − ⌊0.4/(1/24)⌋ = 96 − 9 = 87; col ⌊0.6/(1/16)⌋+1 = 10
    (114.6, 32.4, 10_000, "I50G087010"),
    # on the 1:1M boundary 114°E (columns 49 | 50): the sheet to the east, column 001
    (114.0, 32.4, 1_000_000, "I50"),
    (114.0, 32.4, 10_000, "I50G087001"),
    # on the 1:1M boundary 32°N (rows H | I): the sheet to the north, its southern row 096
    (114.6, 32.0, 1_000_000, "I50"),
    (114.6, 32.0, 10_000, "I50G096010"),
    # just south of it: row H
    (114.6, 31.999, 1_000_000, "H50"),
    # the south-west corner of the published sheet 114°22′30″E 32°20′N: that sheet
    (114.375, 32 + 20 / 60, 10_000, "I50G088007"),
    # Zengmu Ansha, China's south: ⌊3.85/4⌋ → A; ⌊112.3/6⌋+31 = 49;
    # 1:10k row 96 − ⌊3.85/(1/24)⌋ = 96 − 92 = 4, col ⌊4.3/(1/16)⌋+1 = 69
    (112.3, 3.85, 1_000_000, "A49"),
    (112.3, 3.85, 10_000, "A49G004069"),
    # Heixiazi island, China's east: ⌊48.3/4⌋ = 12 → M; ⌊134.7/6⌋+31 = 53;
    # 1:10k row 96 − ⌊0.3·24⌋ = 89, col ⌊2.7·16⌋+1 = 44
    (134.7, 48.3, 1_000_000, "M53"),
    (134.7, 48.3, 10_000, "M53G089044"),
    # 1:500 (12 characters): row 2304 − ⌊0.4/(6.25″)⌋ = 2304 − 230 = 2074, col ⌊0.6/9.375″⌋+1 = 231
    (114.6, 32.4, 500, "I50K20740231"),
])
def test_worked_numbers(lon, lat, scale, expected):
    assert sheet_number(lon, lat, scale=scale) == expected
    assert std_number(Fr(lon), Fr(lat) if lat != 32 + 20 / 60 else Fr(97, 3), scale) == expected


def test_point_on_an_edge_belongs_to_the_sheet_north_and_east():
    # the published sheet I50G088007 spans 114°22′30″–114°26′15″E, 32°20′–32°22′30″N
    s = parse_sheet("I50G088007")
    assert sheet_number(s.west, s.south) == "I50G088007"          # its SW corner: its own
    assert sheet_number(s.east, s.south) == "I50G088008"          # SE corner: the sheet east
    assert sheet_number(s.west, s.north) == "I50G087007"          # NW corner: the sheet north
    assert sheet_number(s.east, s.north) == "I50G087008"
    # a decimal that is 32°20′ only to the last bit still lands on the edge
    assert sheet_number(114.4, 32.333333333333333) == sheet_number(114.4, 97 / 3)
    assert sheet_number(114.4, 32.33333) == "I50G089007"          # 3.6 cm south of the edge


def test_random_points_every_scale_match_the_standard_formulas():
    rng = np.random.default_rng(13989)
    lon = rng.uniform(72, 138, 400)
    lat = rng.uniform(0, 56, 400)
    for scale in STD:
        got = sheet_number(lon, lat, scale=scale)
        assert got.shape == (400,)
        expected = [std_number(Fr(x), Fr(y), scale) for x, y in zip(lon, lat)]
        assert got.tolist() == expected, scale
        # and each point lies in the sheet its number parses to (south/west edges inclusive)
        for x, y, n in zip(lon[:40], lat[:40], got[:40]):
            s = parse_sheet(n)
            assert s.scale == scale and s.west <= x < s.east and s.south <= y < s.north


def test_shapes_and_series():
    assert isinstance(sheet_number(114.6, 32.4), str)
    grid = sheet_number(np.full((2, 3), 114.6), np.full((2, 3), 32.4), scale=1_000_000)
    assert grid.shape == (2, 3) and set(grid.ravel()) == {"I50"}
    s = sheet_number(pd.Series([114.6, 112.3], index=["a", "b"]), pd.Series([32.4, 3.85], index=["a", "b"]),
                     scale="1:100万")
    assert isinstance(s, pd.Series) and s.to_dict() == {"a": "I50", "b": "A49"}


@pytest.mark.parametrize("lon, lat", [(16.4, 48.2), (139.0, 40.0), (71.9, 40.0), (114.0, -1.0),
                                      (114.0, 56.0), (float("nan"), 32.0),
                                      (3_580_000.0, 38_456_789.0)])
def test_points_outside_china_are_refused(lon, lat):
    with pytest.raises(SheetNumberError, match="没有图幅.*72°–138°E、0°–56°N"):
        sheet_number(lon, lat)


def test_outside_points_are_named():
    with pytest.raises(SheetNumberError, match=r"2 个点没有图幅：b \(16\.4, 48\.2\), c \(200, 10\)"):
        sheet_number(pd.Series([114.6, 16.4, 200.0], index=["a", "b", "c"]), [32.4, 48.2, 10.0])


@pytest.mark.parametrize("scale", [20_000, "1:3000", "X", 0, None, 10_000.5, True])
def test_unknown_scales_are_refused(scale):
    with pytest.raises(OptionError, match="不是国家基本比例尺地形图的比例尺；可选："
                                          "1000000, 500000"):
        sheet_number(114.6, 32.4, scale=scale)


@pytest.mark.parametrize("scale", [10_000, "10000", "1:10000", "1:10,000", "1:1万", "g", 10_000.0])
def test_scale_spellings(scale):
    assert sheet_number(114.6, 32.4, scale=scale) == "I50G087010"


# ---------------------------------------------------------------- parsing


def test_parse_bounds_worked():
    s = parse_sheet("I50")
    assert (s.west, s.south, s.east, s.north, s.scale) == (114.0, 32.0, 120.0, 36.0, 1_000_000)
    # J50E001010 (cnmaptiling's README example, Beijing): 116°15′–116°30′E, 39°50′–40°N
    s = parse_sheet("J50E001010")
    assert s.west == pytest.approx(116.25) and s.east == pytest.approx(116.5)
    assert s.south == pytest.approx(39 + 50 / 60) and s.north == pytest.approx(40.0)
    # 1:1000 (4 digits): row 1, column 1 is the NW corner cell of I50
    s = parse_sheet("I50J00010001")
    assert (s.west, s.north) == (114.0, 36.0)
    assert s.east - s.west == pytest.approx(18.75 / 3600) and s.north - s.south == pytest.approx(12.5 / 3600)


@pytest.mark.parametrize("number, message, english", [
    ("I50G97007", "1:10000 图幅号（代码 G）有 10 个字符",
     "a 1:10000 number \\(code G\\) has 10 characters"),
    ("I50J001001", "1:1000 图幅号（代码 J）有 12 个字符.*4 位行号",
     "a 1:1000 number \\(code J\\) has 12 characters.*4-digit row"),
    ("O50", "行号字母 'O' 超出中国的图幅（A–N", "row letter 'O' is outside China's sheets \\(A–N"),
    ("I60", "列号 60 超出中国的图幅（43–53", "column 60 is outside China's sheets \\(43–53"),
    ("I50L088007", "'L' 不是比例尺代码；可选：B \\(1:500000\\)",
     "'L' is not a scale code; use B \\(1:500000\\)"),
    ("I50G097007", "1:10000 没有第 97 行（自 1:100 万图幅北边起第 001–096 行",
     "row 97 does not exist at 1:10000 \\(rows 001–096"),
    ("I50G088000", "1:10000 没有第 0 列（自 1:100 万图幅西边起第 001–096 列",
     "column 0 does not exist at 1:10000 \\(columns 001–096"),
    ("I50B003001", "1:500000 没有第 3 行", "row 3 does not exist at 1:500000"),
    ("50IG088007", "图幅号以 1:100 万图幅开头", "a number starts with the 1:1,000,000 sheet"),
    ("", "图幅号以", "a number starts with"),
    (12345, "请以文本给出图幅号", "give the number as text"),
    ("P60Z", "行号字母 'P'.*列号 60.*'Z' 不是比例尺代码",
     "row letter 'P'.*column 60.*'Z' is not a scale code"),   # every problem named
])
def test_malformed_numbers_say_what_is_wrong(number, message, english):
    with pytest.raises(SheetNumberError, match=message):
        parse_sheet(number)
    with xigeo.using_language("en"), pytest.raises(SheetNumberError, match=english):
        parse_sheet(number)


def test_parse_accepts_separators_and_case():
    assert parse_sheet(" i50-g-088-007 ").number == "I50G088007"


# ---------------------------------------------------------------- outlines and areas


def test_published_sheet_area():
    # DOMAIN.md: the 1:10,000 sheet with SW corner 114°22′30″E 32°20′N: 27,182,685.134 m² (CGCS2000)
    r = sheets(gpd.GeoSeries([Point(114.4, 32.35)], crs=4490))
    assert r.sheets.index.tolist() == ["I50G088007"]
    assert r.sheets["area_m2"].iloc[0] == pytest.approx(27_182_685.134, abs=0.006)


@pytest.mark.parametrize("number", ["I50", "I50B001002", "I50E013005", "I50G088007", "I50K20740231",
                                    "A49G004069", "M53G089044"])
def test_sheet_areas_against_the_closed_form(number):
    s = parse_sheet(number)
    expected = zone_area(s.south, s.north, s.east - s.west, 6378137.0, 298.257222101)
    # reported to 0.01 m², from B, L kept to 1e-6″: within 0.01 m² (relative 1e-12 on the 1:1M sheet)
    assert s.area_m2() == pytest.approx(expected, abs=0.01, rel=1e-12)
    if s.south >= 17:   # EPSG:4490's area of use (the CRS guard) starts at 16.7°N
        r = sheets(gpd.GeoSeries([Point((s.west + s.east) / 2, (s.south + s.north) / 2)], crs=4490),
                   scale=s.scale)
        assert r.sheets.index[0] == number
        assert r.sheets["area_m2"].iloc[0] == s.area_m2()


def test_densified_outline_against_geodesic_area():
    # a geodesic polygon through the densified outline (edges ≤ 7.5″) follows the parallels:
    # its Karney area is within 1 m² of the theoretical area; the 4-corner geodesic one is
    # ~100 m² off on a 1:50,000 sheet (DOMAIN.md: ~97 m²)
    geod = pyproj.Geod(a=6378137.0, rf=298.257222101)
    number = sheet_number(114.6, 32.4, scale=50_000)
    s = parse_sheet(number)
    theory = zone_area(s.south, s.north, s.east - s.west, 6378137.0, 298.257222101)
    lon, lat = np.asarray(sheet_polygon(number).exterior.coords).T
    dense = abs(geod.polygon_area_perimeter(lon, lat)[0])
    corners = abs(geod.polygon_area_perimeter([s.west, s.east, s.east, s.west],
                                              [s.south, s.south, s.north, s.north])[0])
    assert abs(dense - theory) < 1.0
    assert 50 < abs(corners - theory) < 200
    assert np.all(np.diff(lon[: len(lon) // 2]) <= 7.5 / 3600 + 1e-12)


def test_outline_shape():
    p = sheet_polygon("I50G088007")
    assert p.is_valid and p.exterior.is_ccw
    assert p.bounds == pytest.approx((114.375, 97 / 3, 114.4375, 32.375))
    # 9.375″ wide at 1:500: ⌈9.375/7.5⌉ = 2 segments per parallel, 2·3 + 1 coordinates
    assert len(sheet_polygon("I50K20740231").exterior.coords) == 7


# ---------------------------------------------------------------- the sheets of a layer


def test_layer_sheets_touch_rules_and_features():
    s = parse_sheet("I50G088007")
    dl, db = s.east - s.west, s.north - s.south
    layer = gpd.GeoDataFrame({"DKBH": ["P1", "P2", "P3", "P4", "P5"]}, geometry=[
        box(s.west + dl / 4, s.south + db / 4, s.west + dl / 2, s.south + db / 2),   # inside
        box(s.east - dl / 4, s.south + db / 4, s.east + dl / 4, s.south + db / 2),   # across E edge
        box(s.east - dl / 4, s.south, s.east, s.south + db / 2),     # shares the E edge only
        Point(s.east, s.north),                                       # on the NE corner
        LineString([(s.west + dl / 2, s.south - db / 2), (s.west + dl / 2, s.south + db / 2)]),
    ], crs=4490).set_index("DKBH")
    r = sheets(layer)
    pairs = {(f, n) for f, n in r.pairs[["feature", "sheet"]].itertuples(index=False)}
    assert pairs == {("P1", "I50G088007"), ("P2", "I50G088007"), ("P2", "I50G088008"),
                     ("P3", "I50G088007"), ("P4", "I50G087008"), ("P5", "I50G088007"),
                     ("P5", "I50G089007")}
    t = r.sheets
    assert t.index.tolist() == sorted(t.index)
    assert t.loc["I50G088007", "features"] == "P1, P2, P3, P5"
    assert t.loc["I50G088007", "n_features"] == 4
    assert t.loc["I50G088007", "sw_corner"] == "114°22′30″, 32°20′00″"
    assert t.loc["I50G088007", "ne_corner"] == "114°26′15″, 32°22′30″"
    assert t.loc["I50G088007", ["west_l", "south_b", "east_l", "north_b"]].tolist() == \
        pytest.approx([s.west, s.south, s.east, s.north])
    assert t.loc["I50G088008", "west_l"] == pytest.approx(s.east)
    assert t.geometry.iloc[0].equals(sheet_polygon(t.index[0]))


def test_gk_layer_and_datum_ellipsoid():
    # a Xi'an 1980 GK parcel: sheets on Xi'an 1980 B, L; areas on the IAG-75 ellipsoid
    parcel = gpd.GeoSeries([box(38_540_000, 3_580_000, 38_546_000, 3_586_000)], crs=2362)
    r = sheets(parcel)
    lon, lat = pyproj.Transformer.from_crs(2362, 4610, always_xy=True).transform(
        [38_540_000, 38_546_000], [3_580_000, 3_586_000])
    corners = set(sheet_number(np.array([lon[0], lon[1], lon[0], lon[1]]),
                               np.array([lat[0], lat[0], lat[1], lat[1]])))
    assert corners <= set(r.sheets.index)
    for number in r.sheets.index:
        s = parse_sheet(number)
        expected = zone_area(s.south, s.north, s.east - s.west, 6378140.0, 298.257)
        assert r.sheets.loc[number, "area_m2"] == pytest.approx(expected, abs=0.01)
    assert r.sheets.crs.to_epsg() == 4610


def test_result_contract(tmp_path):
    r = sheets(gpd.GeoSeries([box(114.43, 32.36, 114.45, 32.37)], index=["XJ-01"], crs=4490))
    assert "图幅" in r.summary("zh") and "2幅" in r.summary("zh") and "map sheets" in r.summary("en")
    zh = r.table("sheets", labels="zh", total=True)
    assert zh.index.name == "图幅号"
    assert "图幅理论面积(平方米)" in zh.columns and "geometry" not in zh.columns
    assert zh.loc["合计", "图幅理论面积(平方米)"] == pytest.approx(2 * 27_182_685.13, abs=0.02)
    out = r.to_excel(tmp_path / "图幅.xlsx")
    back = read_table(out, sheet_name="图幅清单", index_col=0)
    assert back.loc["I50G088008", "要素编号"] == "XJ-01"
    with pytest.raises(xigeo.LayerWriteError):
        r.to_excel(out)


def test_layer_outside_china_and_empty():
    with pytest.raises(SheetNumberError, match="没有图幅"):
        sheets(gpd.GeoSeries([box(10, 45, 11, 46)], crs=4326))   # WGS 84: Austria passes the CRS guard
    r = sheets(gpd.GeoSeries([None], crs=4490))
    assert len(r.sheets) == 0 and len(r.pairs) == 0


def test_every_scale_has_its_code():
    assert [s.code for s in SCALES.values()] == ["", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"]


def test_the_docs_table_of_scales():
    # docs/geodesy.md lists an example number per scale for 114.6°E, 32.4°N: each must be what
    # the standard's formulas (std_number, above) give
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "geodesy.md").read_text(encoding="utf-8")
    rows = [line.split("|") for line in page.splitlines() if line.startswith("| 1:")]
    seen = {}
    for cells in rows:
        scale = int(cells[1].strip()[2:].replace(",", ""))
        if scale in STD and "×" in cells[3]:
            seen[scale] = cells[5].strip()
    assert set(seen) == set(STD)
    for scale, number in seen.items():
        assert number == std_number(Fr(114.6), Fr(32.4), scale) == sheet_number(114.6, 32.4, scale=scale)
