"""Tests of xigeo.coords: the ministry coordinate exchange file (部标准坐标 TXT).

Input files are hand-written under tests/data/coords/ (the same two parcels as
GBK + CRLF and as UTF-8 with BOM + LF, and a 13-field consolidation file);
bad inputs are written inline so the line number each error must name is
visible next to the text. Expected areas are worked by hand from rectangles
(planar), and the ellipsoidal area is checked against the planar one divided
by the square of the Gauss–Krüger point scale factor (formula in
``gk_scale``).
"""

import datetime
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from click.testing import CliRunner
from shapely import MultiPolygon, box

from xigeo.area import area
from xigeo.coords import CoordsLayout, read_coords, write_coords
from xigeo.errors import (
    CoordsFileError,
    CRSError,
    LayerWriteError,
    SchemaError,
    ValidationError,
    XigeoWarning,
)

DATA = Path(__file__).parent / "data" / "coords"
ROOT = Path(__file__).parent.parent

HEADER = """[属性描述]
格式版本号=1.01
数据产生单位=息县自然资源局
数据产生日期=2026-11-26
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=38
精度=0.01
转换参数=,,,,,,
[地块坐标]
"""  # 12 lines: the first attribute line after it is line 13

# a 150 m × 100 m rectangle, zone 38 with prefix; lines 13–18 after HEADER
RECT = """5,1.4998,XJ-01,示例地块,面,,拆旧区,0702,@
J1,1,3579900.000,38569600.000
J2,1,3579900.000,38569750.000
J3,1,3579800.000,38569750.000
J4,1,3579800.000,38569600.000
J1,1,3579900.000,38569600.000
"""


def write_text(tmp_path, text, name="坐标.txt", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def same_geometry(a, b, tolerance=0.0005 * math.sqrt(2)):
    """Same shapes to the written precision, whatever the vertex order: each coordinate is
    rounded to 1 mm, so a vertex moves by at most 0.5 mm in x and in y (√2 × 0.5 mm)."""
    a, b = shapely.normalize(np.asarray(a.values)), shapely.normalize(np.asarray(b.values))
    return bool(np.all(shapely.equals_exact(a, b, tolerance)))


def gk_scale(east, north, crs):
    """Gauss–Krüger point scale factor m = 1 + y²/2R² + y⁴/24R⁴ (y: distance from the
    central meridian, R² = M·N at the point's latitude, CGCS2000 ellipsoid)."""
    a, f = 6378137.0, 1 / 298.257222101
    e2 = f * (2 - f)
    to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    _, lat = to_geo.transform(east, north)
    w = math.sqrt(1 - e2 * math.sin(math.radians(lat)) ** 2)
    r2 = (a * (1 - e2) / w**3) * (a / w)
    fe = {p.name: p.value for p in crs.coordinate_operation.params}["False easting"]
    y = east - fe
    return 1 + y**2 / (2 * r2) + y**4 / (24 * r2**2)


@pytest.fixture
def parcels():
    """Two parcels in EPSG:4526: one with a hole, one of two parts each with a hole."""
    a = box(38569600, 3579800, 38569900, 3580000).difference(
        box(38569700, 3579850, 38569780, 3579900))
    p1 = box(38571000, 3581000, 38571100, 3581100).difference(
        box(38571040, 3581040, 38571060, 3581060))
    p2 = box(38571200, 3581000, 38571250, 3581100).difference(
        box(38571210, 3581020, 38571220, 3581030))
    return gpd.GeoDataFrame(
        {"DKBH": ["XJ-01", "XJ-02"], "DKMC": ["东岳村拆旧地块", "项店镇复垦区"],
         "TFH": ["H50G062039", None], "DKYT": ["拆旧区", "拆旧区"], "DLBM": ["0702", "0702"]},
        geometry=[a, MultiPolygon([p1, p2])], crs=4526)


# --- reading the hand-written files ------------------------------------------------------

def test_hand_written_file_geometry_and_areas():
    gdf = read_coords(DATA / "two_parcels_gbk_crlf.txt")
    assert gdf.crs.to_epsg() == 4526
    assert list(gdf["DKMC"]) == ["东岳村拆旧地块", "项店镇复垦区"]
    assert list(gdf["DLBM"]) == ["0702", "0702"]
    assert list(gdf["JZDS"]) == [10, 20] and list(gdf["DKMJ"]) == [5.5993, 1.4498]
    a, b = gdf.geometry
    # parcel 1: 300 m × 200 m minus a 80 m × 50 m hole = 60 000 − 4 000 m²
    assert a.geom_type == "Polygon" and len(a.interiors) == 1
    assert a.area == 56_000.0
    # parcel 2: ring 3 is a second part, not a hole; rings 2 and 4 are holes of parts 1 and 2:
    # (100×100 − 20×20) + (50×100 − 10×10) = 9 600 + 4 900 m²
    assert b.geom_type == "MultiPolygon" and len(b.geoms) == 2
    assert [len(p.interiors) for p in b.geoms] == [1, 1]
    assert [p.area for p in b.geoms] == [9_600.0, 4_900.0]
    assert b.equals(MultiPolygon([
        box(38571000, 3581000, 38571100, 3581100).difference(
            box(38571040, 3581040, 38571060, 3581060)),
        box(38571200, 3581000, 38571250, 3581100).difference(
            box(38571210, 3581020, 38571220, 3581030))]))
    assert gdf.geometry.is_valid.all()
    assert gdf.attrs["header"]["数据产生单位"] == "息县自然资源局"
    assert gdf.attrs["source"].endswith("two_parcels_gbk_crlf.txt")


def test_hand_written_file_ellipsoidal_area_within_gk_scale_factor():
    gdf = read_coords(DATA / "two_parcels_gbk_crlf.txt")
    ellipsoidal = area(gdf, method="ellipsoidal", unit="m2")
    for geom, planar, ell in zip(gdf.geometry, [56_000.0, 14_500.0], ellipsoidal):
        c = geom.centroid
        m = gk_scale(c.x, c.y, gdf.crs)
        # 70–71 km east of 114°E: m² − 1 ≈ 1.2e-4, i.e. ~1.2 m² per ha (DOMAIN.md)
        assert 1.19e-4 < m**2 - 1 < 1.25e-4
        assert ell < planar
        assert ell == pytest.approx(planar / m**2, abs=0.05)
    # the file's 地块面积 is this area in ha to 4 decimals
    assert list((ellipsoidal / 10_000).round(4)) == list(gdf["DKMJ"])


def test_gbk_crlf_and_utf8_bom_lf_read_the_same():
    gbk = read_coords(DATA / "two_parcels_gbk_crlf.txt")
    bom = read_coords(DATA / "two_parcels_utf8bom_lf.txt")
    assert gbk.attrs["encoding"] == "gb18030" and bom.attrs["encoding"] == "utf-8-sig"
    pd.testing.assert_frame_equal(pd.DataFrame(gbk.drop(columns="geometry")),
                                  pd.DataFrame(bom.drop(columns="geometry")))
    assert gbk.geometry.geom_equals_exact(bom.geometry, 0).all()
    assert read_coords(DATA / "two_parcels_gbk_crlf.txt", encoding="gbk")["DKMC"][0] == "东岳村拆旧地块"


def test_wrong_or_mixed_encoding_names_the_line(tmp_path):
    path = write_text(tmp_path, HEADER + RECT, encoding="gbk")
    with pytest.raises(CoordsFileError, match=r"坐标\.txt，第 1 行：.* 不是 utf-8 编码"):
        read_coords(path, encoding="utf-8")
    with pytest.raises(CoordsFileError, match="未知的文本编码 'klingon'"):
        read_coords(path, encoding="klingon")
    # header saved as UTF-8, the parcels pasted from a GBK file: never decode it half garbled
    path.write_bytes(HEADER.encode("utf-8") + RECT.encode("gbk"))
    with pytest.raises(CoordsFileError, match=r"第 13 行：文本编码混用"):
        read_coords(path)
    with pytest.raises(CoordsFileError, match=r"第 13 行：字节 .* 不是 utf-8 编码"):
        read_coords(path, encoding="utf-8")


def test_consolidation_file_13_fields_no_prefix():
    gdf = read_coords(DATA / "consolidation_utf8.txt")
    assert gdf.crs.to_epsg() == 4547 and gdf.attrs["encoding"] == "utf-8"
    row = gdf.iloc[0]
    assert (row["TBLX"], row["DL"], row["GZQ"], row["GZH"], row["BZ"]) == (
        "提质改造", "旱地", "9", "7", "新增灌溉")
    assert gdf.area[0] == 100 * 200


def test_blank_lines_cr_only_and_extra_section(tmp_path):
    text = "[扩展信息]\n项目=测试\n\n" + HEADER.replace("\n", "\r") + "\r\n\r\n" + RECT + "\n\n"
    gdf = read_coords(write_text(tmp_path, text))
    assert len(gdf) == 1 and gdf.area[0] == 150 * 100


def test_rings_all_numbered_1_split_where_they_close(tmp_path):
    # some exporters give every ring number 1; a ring ends where it returns to its first point
    text = HEADER + RECT.replace("5,1.4998", "10,1.4998") + """J5,1,3579880.000,38569620.000
J6,1,3579860.000,38569620.000
J7,1,3579860.000,38569640.000
J8,1,3579880.000,38569640.000
J5,1,3579880.000,38569620.000
"""
    with pytest.warns(XigeoWarning, match="地块面积与点位算出的面积相差超过"):
        gdf = read_coords(write_text(tmp_path, text))  # 1.4998 ha listed, 1.46 ha drawn
    assert len(gdf.geometry[0].interiors) == 1 and gdf.area[0] == 15_000 - 400


def test_island_inside_a_hole_is_a_part(tmp_path):
    # ring 1 outer 100×100, ring 2 hole 60×60, ring 3 an island 20×20 inside the hole
    text = HEADER + """15,0.6799,1,回字地块,面,,,,@
J1,1,3580100.000,38570000.000
J2,1,3580100.000,38570100.000
J3,1,3580000.000,38570100.000
J4,1,3580000.000,38570000.000
J1,1,3580100.000,38570000.000
J5,2,3580080.000,38570020.000
J6,2,3580020.000,38570020.000
J7,2,3580020.000,38570080.000
J8,2,3580080.000,38570080.000
J5,2,3580080.000,38570020.000
J9,3,3580060.000,38570040.000
J10,3,3580060.000,38570060.000
J11,3,3580040.000,38570060.000
J12,3,3580040.000,38570040.000
J9,3,3580060.000,38570040.000
"""
    gdf = read_coords(write_text(tmp_path, text))
    geom = gdf.geometry[0]
    assert geom.geom_type == "MultiPolygon" and [len(p.interiors) for p in geom.geoms] == [1, 0]
    assert gdf.area[0] == 10_000 - 3_600 + 400


# --- bad input: each names its line ------------------------------------------------------

def bad(tmp_path, text, pattern, encoding="utf-8"):
    with pytest.raises(CoordsFileError, match=pattern) as info:
        read_coords(write_text(tmp_path, text, encoding=encoding))
    assert "坐标.txt" in str(info.value)
    return str(info.value)


def test_missing_parcel_section(tmp_path):
    bad(tmp_path, HEADER.replace("[地块坐标]\n", ""), r"第 \d+ 行：在 \d+ 行中没有找到 \[地块坐标\] 节")


def test_point_line_with_wrong_number_of_fields(tmp_path):
    text = HEADER + RECT.replace("J3,1,3579800.000,38569750.000", "J3,1,3579800.000")
    bad(tmp_path, text, r"第 16 行：点行有 3 个字段，应为 4 个")
    text = HEADER + RECT.replace("J3,1,3579800.000,38569750.000", "J3，1，3579800.000，38569750.000")
    bad(tmp_path, text, r"第 16 行：.*全角逗号")


def test_non_numeric_coordinate(tmp_path):
    text = HEADER + RECT.replace("J2,1,3579900.000,38569750.000", "J2,1,3579900.000,38569七50")
    bad(tmp_path, text, r"第 15 行：坐标不是数字：Y='38569七50'")
    text = HEADER + RECT.replace("J2,1,3579900.000,38569750.000", "J2,1,nan,38569750.000")
    bad(tmp_path, text, r"第 15 行：坐标不是数字：X='nan'")


def test_ring_that_does_not_close(tmp_path):
    text = HEADER + """5,1.4998,XJ-01,示例地块,面,,拆旧区,0702,@
J1,1,3579900.000,38569600.000
J2,1,3579900.000,38569750.000
J3,1,3579800.000,38569750.000
J4,1,3579800.000,38569600.000
J5,1,3579899.000,38569600.000
"""
    # strict: refused, naming the ring and line; by default closed with a warning (issue 13)
    path = write_text(tmp_path, text)
    with pytest.raises(CoordsFileError,
                       match=r"第 18 行：第 1 圈（第 14–18 行）不闭合：最后一点 J5"):
        read_coords(path, strict=True)
    with pytest.warns(XigeoWarning, match=r"第 13 行地块的第 1 圈（第 14–18 行）："
                                          r"在第 18 行后补了 J1.*strict=True"):
        gdf = read_coords(path)
    # expected: J5 lies on the west edge between J4 and J1 (same easting), so the closed ring
    # is the 150 m × 100 m rectangle J1–J4: 15 000 m² planar
    assert gdf.area[0] == pytest.approx(15_000.0)
    assert gdf["JZDS"][0] == 5  # the file's own count of the lines it lists is accepted


def test_point_count_disagrees(tmp_path):
    bad(tmp_path, HEADER + RECT.replace("5,1.4998", "7,1.4998"),
        r"第 13 行：界址点数为 7，但该地块列出 5 个点行")


def test_point_count_without_closing_point_only_warns(tmp_path):
    with pytest.warns(XigeoWarning, match=r"第 13 行属性行的界址点数没有计入每圈的闭合点"):
        gdf = read_coords(write_text(tmp_path, HEADER + RECT.replace("5,1.4998", "4,1.4998")))
    assert gdf["JZDS"][0] == 4 and gdf.area[0] == 15_000


def test_y_without_prefix_among_prefixed(tmp_path):
    text = HEADER + RECT.replace("J3,1,3579800.000,38569750.000", "J3,1,3579800.000,569750.000")
    bad(tmp_path, text, r"第 16 行：Y=569750.000 不带带号 38，而其他点带有")


def test_x_and_y_swapped(tmp_path):
    swapped = []
    for line in RECT.splitlines():
        f = line.split(",")
        swapped.append(",".join([f[0], f[1], f[3], f[2]]) if len(f) == 4 else line)
    message = bad(tmp_path, HEADER + "\n".join(swapped) + "\n", r"5 个问题")
    for line in range(14, 19):
        assert f"第 {line} 行：X=38569" in message
    assert "X 与 Y 颠倒了" in message


def test_prefix_of_another_zone(tmp_path):
    bad(tmp_path, HEADER.replace("带号=38", "带号=39") + RECT,
        r"第 14 行：Y=38569600.000 带有带号 38，但带号为 39")


def test_several_problems_raised_once_each_with_its_line(tmp_path):
    first = RECT.replace("J2,1,3579900.000,38569750.000", "J2,1,3579900.000,3856975O.000").replace(
        "J4,1,3579800.000,38569600.000", "J4,1,3579800.000")
    second = RECT.replace("5,1.4998,XJ-01", "6,1.4998,XJ-02")
    message = bad(tmp_path, HEADER + first + second, r"3 个问题")
    # the first parcel's unreadable lines are reported, not their consequences
    assert message.splitlines()[1:] == [
        "  第 15 行：坐标不是数字：Y='3856975O.000'",
        "  第 17 行：点行有 3 个字段，应为 4 个（点号,圈号,X,Y）：'J4,1,3579800.000'",
        "  第 19 行：界址点数为 6，但该地块列出 5 个点行（1 圈，含闭合重复点）"]
    # the same problems in English on request
    from xigeo import using_language

    with using_language("en"):
        message = bad(tmp_path, HEADER + first + second, r"3 problems")
    assert message.splitlines()[1:] == [
        "  line 15: non-numeric coordinate Y='3856975O.000'",
        "  line 17: point line has 3 fields, expected 4 (点号,圈号,X,Y): 'J4,1,3579800.000'",
        "  line 19: 界址点数 is 6 but the parcel lists 5 point lines (1 ring(s), closing "
        "repeats included)"]


def test_missing_datum_and_zone(tmp_path):
    text = HEADER.replace("坐标系=2000国家大地坐标系", "坐标系=").replace("带号=38", "带号=")
    text += RECT.replace(",385", ",5")
    message = bad(tmp_path, text, r"2 个问题")
    assert "第 5 行：坐标系缺失" in message and "第 9 行：带号缺失" in message
    # crs= supplies what the header lacks; Y decides the prefix
    gdf = read_coords(tmp_path / "坐标.txt", crs=4526)
    assert gdf.crs.to_epsg() == 4547


# --- writing ------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig", "gb18030"])
def test_round_trip(tmp_path, parcels, encoding):
    path = write_coords(parcels, tmp_path / "out.txt", encoding=encoding)
    back = read_coords(path)
    assert back.crs.equals(parcels.crs)
    assert same_geometry(back.geometry, parcels.geometry)
    assert back.geometry.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    for col in ["DKBH", "DKMC", "DKYT", "DLBM"]:
        assert back[col].tolist() == parcels[col].tolist()
    assert back["TFH"][0] == "H50G062039" and pd.isna(back["TFH"][1])
    expected_ha = area(parcels, method="ellipsoidal", unit="ha").round(4)
    assert back["DKMJ"].tolist() == expected_ha.tolist() == [5.5993, 1.4498]
    assert back["JZDS"].tolist() == [10, 20]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert raw.count(b"\r\n") == len(raw.splitlines())
    # what was read writes back byte for byte
    again = write_coords(back, tmp_path / "again.txt", encoding=encoding)
    assert again.read_bytes() == raw


def test_written_lines(tmp_path, parcels):
    path = write_coords(parcels, tmp_path / "out.txt", header={"数据产生日期": "2026-11-26"})
    lines = path.read_text(encoding="gbk").splitlines()
    assert lines[12] == "10,5.5993,XJ-01,东岳村拆旧地块,面,H50G062039,拆旧区,0702,@"
    # ring 1 clockwise from the north-west corner, closed by repeating J1; hole numbered on
    assert lines[13:23] == [
        "J1,1,3580000.000,38569600.000", "J2,1,3580000.000,38569900.000",
        "J3,1,3579800.000,38569900.000", "J4,1,3579800.000,38569600.000",
        "J1,1,3580000.000,38569600.000",
        "J5,2,3579900.000,38569700.000", "J6,2,3579850.000,38569700.000",
        "J7,2,3579850.000,38569780.000", "J8,2,3579900.000,38569780.000",
        "J5,2,3579900.000,38569700.000"]
    assert lines[23] == "20,1.4498,XJ-02,项店镇复垦区,面,,拆旧区,0702,@"
    rings = [line.split(",")[1] for line in lines[24:]]
    assert rings == ["1"] * 5 + ["2"] * 5 + ["3"] * 5 + ["4"] * 5
    assert lines[24].startswith("J1,1,") and lines[-1].startswith("J13,4,")
    assert len(lines) == 12 + 1 + 10 + 1 + 20


@pytest.mark.parametrize("epsg, datum, width, zone, y_text", [
    (4526, "2000国家大地坐标系", 3, 38, "38569600.000"),
    (4547, "2000国家大地坐标系", 3, 38, "569600.000"),
    (2362, "1980西安坐标系", 3, 38, "38569600.000"),
    (2435, "1954北京坐标系", 3, 38, "569600.000"),
])
def test_header_matches_crs(tmp_path, epsg, datum, width, zone, y_text):
    prefixed = y_text.startswith("38")
    shift = 0 if prefixed else -38_000_000
    gdf = gpd.GeoDataFrame({"DKMC": ["地块"]}, geometry=[
        box(38569600 + shift, 3579800, 38569700 + shift, 3579900)], crs=epsg)
    path = write_coords(gdf, tmp_path / "out.txt")
    lines = path.read_text(encoding="gbk").splitlines()
    assert f"坐标系={datum}" in lines and f"几度分带={width}" in lines and f"带号={zone}" in lines
    assert lines[13].endswith("," + y_text)
    assert read_coords(path).crs.to_epsg() == epsg


def test_six_degree_zone(tmp_path):
    # CGCS2000 6-degree zone 20 with prefix (EPSG:4498), CM 117°E; Xi County is ~200 km west
    gdf = gpd.GeoDataFrame(geometry=[box(20_300_000, 3_580_000, 20_300_100, 3_580_100)], crs=4498)
    path = write_coords(gdf, tmp_path / "out.txt")
    text = path.read_text(encoding="gbk")
    assert "几度分带=6" in text and "带号=20" in text
    assert read_coords(path).crs.to_epsg() == 4498


def test_prefix_option_converts_without_reprojecting(tmp_path, parcels):
    path = write_coords(parcels, tmp_path / "out.txt", prefix=False)
    back = read_coords(path)
    assert back.crs.to_epsg() == 4547
    shifted = parcels.geometry.translate(xoff=-38_000_000).set_crs(4547, allow_override=True)
    assert same_geometry(back.geometry, shifted)
    assert back["DKMJ"].tolist() == [5.5993, 1.4498]  # same parcels, same area


def test_refuses_a_crs_that_is_not_a_chinese_gk_zone(tmp_path, parcels):
    with pytest.raises(CRSError, match="不是中国的高斯–克吕格投影带.*to_survey_crs"):
        write_coords(parcels.to_crs(4490), tmp_path / "a.txt")
    with pytest.raises(CRSError, match="不是中国的高斯–克吕格投影带"):
        write_coords(parcels.to_crs(3857), tmp_path / "b.txt")
    with pytest.raises(CRSError, match="没有坐标系"):
        write_coords(parcels.set_crs(None, allow_override=True), tmp_path / "c.txt")
    with pytest.raises(CRSError, match="带号"):  # prefixed eastings labelled 4547
        write_coords(parcels.set_crs(4547, allow_override=True), tmp_path / "d.txt")
    assert not list(tmp_path.iterdir())


def test_header_defaults_and_overrides(tmp_path, parcels):
    path = write_coords(parcels, tmp_path / "a.txt")
    lines = path.read_text(encoding="gbk").splitlines()
    assert lines[3] == f"数据产生日期={datetime.date.today().isoformat()}"
    assert lines[1:3] == ["格式版本号=1.01", "数据产生单位="]
    assert lines[9:11] == ["精度=0.01", "转换参数=,,,,,,"]
    header = {"数据产生单位": "息县自然资源局", "数据产生日期": "2026-11-26", "带号": 38,
              "坐标系": "CGCS2000"}
    lines = write_coords(parcels, tmp_path / "b.txt", header=header).read_text(
        encoding="gbk").splitlines()
    assert lines[2:5] == ["数据产生单位=息县自然资源局", "数据产生日期=2026-11-26",
                          "坐标系=2000国家大地坐标系"]
    with pytest.raises(CRSError, match="带号='39' 与图层的坐标系（38）矛盾"):
        write_coords(parcels, tmp_path / "c.txt", header={"带号": "39"})
    with pytest.raises(CRSError, match="几度分带='6' 与图层的坐标系（3）矛盾"):
        write_coords(parcels, tmp_path / "c.txt", header={"几度分带": "6"})
    with pytest.raises(CoordsFileError, match="未知的文件头键 '单位'"):
        write_coords(parcels, tmp_path / "c.txt", header={"单位": "x"})


def test_header_kept_from_the_file_read(tmp_path):
    gdf = read_coords(DATA / "two_parcels_gbk_crlf.txt")
    text = write_coords(gdf, tmp_path / "a.txt").read_text(encoding="gbk")
    assert "数据产生单位=息县自然资源局" in text


def test_refuses_to_overwrite_and_writes_atomically(tmp_path, parcels, monkeypatch):
    path = tmp_path / "out.txt"
    path.write_text("旧文件", encoding="utf-8")
    with pytest.raises(LayerWriteError, match="已存在；如要替换请用 overwrite=True"):
        write_coords(parcels, path)
    assert path.read_text(encoding="utf-8") == "旧文件"

    def broken(self, data):
        Path.write_text(self, "half a fi")
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(OSError, match="disk full"):
        write_coords(parcels, path, overwrite=True)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "旧文件"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    write_coords(parcels, path, overwrite=True)
    assert path.read_text(encoding="gbk").startswith("[属性描述]")


def test_consolidation_layout_and_columns(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"XMBH": ["ZZ-2015-03"], "XMMC": ["孙庙乡土地整治项目一区"], "TBLX": ["提质改造"],
         "地类": ["旱地"], "GZQ": [9], "GZH": [7], "BZ": ["新增灌溉"], "DLBM": ["0103"],
         "DKYT": ["土地整治"]},
        geometry=[box(569600, 3579600, 569700, 3579800)], crs=4547)
    path = write_coords(gdf, tmp_path / "out.txt", fields="consolidation",
                        columns={"DKBH": "XMBH", "DKMC": "XMMC"},
                        header={"数据产生单位": "息县自然资源局", "数据产生日期": "2026-11-20"})
    expected = (DATA / "consolidation_utf8.txt").read_text(encoding="utf-8").splitlines()
    assert path.read_text(encoding="gbk").splitlines() == expected
    back = read_coords(path)
    assert back[["DKBH", "DKMC", "TBLX", "DL", "GZQ", "GZH", "BZ"]].iloc[0].tolist() == [
        "ZZ-2015-03", "孙庙乡土地整治项目一区", "提质改造", "旱地", "9", "7", "新增灌溉"]
    assert CoordsLayout.create("土地整治") is CoordsLayout.CONSOLIDATION
    with pytest.raises(CoordsFileError, match="请用 'standard'"):
        write_coords(gdf, tmp_path / "x.txt", fields="nine")
    with pytest.raises(SchemaError, match="没有字段 名称"):
        write_coords(gdf, tmp_path / "x.txt", columns={"DKMC": "名称"})


def test_refuses_values_the_file_cannot_hold(tmp_path, parcels):
    commas = parcels.assign(DKMC=["东岳村,拆旧", "项店镇"])
    with pytest.raises(ValidationError, match=r"字段 DKMC（地块名称）第 0 行含有逗号"):
        write_coords(commas, tmp_path / "a.txt")
    numeric = parcels.assign(DLBM=[702, 702])
    with pytest.raises(ValidationError, match="前导零"):
        write_coords(numeric, tmp_path / "a.txt")
    rare = parcels.assign(DKMC=["𠮷地块", "项店镇"])  # outside GBK, inside GB18030
    with pytest.raises(ValidationError, match="无法用 gbk 编码写出"):
        write_coords(rare, tmp_path / "a.txt")
    assert read_coords(write_coords(rare, tmp_path / "b.txt", encoding="gb18030"))["DKMC"][0] == "𠮷地块"
    empty = parcels.copy()
    empty.loc[1, "geometry"] = None
    with pytest.raises(ValidationError, match="第 1 行没有几何图形"):
        write_coords(empty, tmp_path / "a.txt")
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(38569600, 3579800),
                                                           (38569700, 3579900)])], crs=4526)
    with pytest.raises(ValidationError, match="第 0 行不是面"):
        write_coords(lines, tmp_path / "a.txt")
    assert not list(tmp_path.glob("a.txt"))


def test_geoseries_and_default_parcel_ids(tmp_path, parcels):
    path = write_coords(parcels.geometry, tmp_path / "a.txt")
    back = read_coords(path)
    assert back["DKBH"].tolist() == ["1", "2"] and back["DKMC"].isna().all()


# --- CLI -------------------------------------------------------------------------------

@pytest.fixture
def fake_io(monkeypatch):
    """xigeo.io stand-in (GeoPackage via geopandas) while the real module is being written."""
    try:
        import xigeo.io  # noqa: F401
        return
    except ImportError:
        pass
    import sys
    import types

    io = types.ModuleType("xigeo.io")

    def read_layer(path, *, layer=None, encoding=None, crs=None):
        gdf = gpd.read_file(path, layer=layer)
        gdf.attrs["source"] = str(path)
        return gdf

    def write_layer(gdf, path, *, layer=None, overwrite=False):
        if Path(path).exists() and not overwrite:
            raise LayerWriteError(f"{path} exists")
        gdf.to_file(path, layer=layer)

    io.read_layer, io.write_layer = read_layer, write_layer
    monkeypatch.setitem(sys.modules, "xigeo.io", io)


def test_cli_import_export(tmp_path, fake_io):
    from xigeo.cli.coords import coords

    runner = CliRunner()
    gpkg = tmp_path / "拆旧区.gpkg"
    result = runner.invoke(coords, ["import", str(DATA / "two_parcels_gbk_crlf.txt"),
                                    "-o", str(gpkg)])
    assert result.exit_code == 0, result.output
    assert "2 个地块" in result.output
    out = tmp_path / "报盘.txt"
    result = runner.invoke(coords, ["export", str(gpkg), "-o", str(out), "--encoding", "utf-8",
                                    "--header", "数据产生单位=息县自然资源局"])
    assert result.exit_code == 0, result.output
    back = read_coords(out)
    assert back.attrs["header"]["数据产生单位"] == "息县自然资源局"
    original = read_coords(DATA / "two_parcels_gbk_crlf.txt")
    assert same_geometry(back.geometry, original.geometry)
    assert back["DKMC"].tolist() == ["东岳村拆旧地块", "项店镇复垦区"]
    result = runner.invoke(coords, ["export", str(gpkg), "-o", str(out)])
    assert result.exit_code != 0 and isinstance(result.exception, LayerWriteError)
    result = runner.invoke(coords, ["export", str(gpkg), "-o", str(out), "--overwrite",
                                    "--header", "bad"])
    assert result.exit_code == 2 and "KEY=VALUE" in result.output


def test_cli_import_export_refuse_an_existing_output_before_reading(tmp_path, capsys):
    from xigeo.cli import main

    def refused(argv, output, before):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("xigeo: 错误："), err
        assert str(output) in err and "--overwrite" in err
        assert output.read_bytes() == before

    gpkg, txt = tmp_path / "拆旧区.gpkg", tmp_path / "报盘.txt"
    gpkg.write_bytes(b"an earlier layer")
    txt.write_bytes(b"an earlier file")
    # the inputs named do not matter (a missing layer is not even read): the output comes first
    refused(["coords", "import", str(DATA / "two_parcels_gbk_crlf.txt"), "-o", str(gpkg)], gpkg,
            b"an earlier layer")
    refused(["coords", "export", str(tmp_path / "没有.shp"), "-o", str(txt)], txt,
            b"an earlier file")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["拆旧区.gpkg", "报盘.txt"])
    # --overwrite replaces both
    assert main(["coords", "import", str(DATA / "two_parcels_gbk_crlf.txt"), "-o", str(gpkg),
                 "--overwrite"]) == 0
    from xigeo.io import read_layer

    layer = read_layer(gpkg)
    assert layer["DKMC"].tolist() == ["东岳村拆旧地块", "项店镇复垦区"]
    assert main(["coords", "export", str(gpkg), "-o", str(txt), "--overwrite"]) == 0
    back = read_coords(txt)
    assert same_geometry(back.geometry, read_coords(DATA / "two_parcels_gbk_crlf.txt").geometry)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["拆旧区.gpkg", "报盘.txt"])


# --- the sample data set -----------------------------------------------------------------

SAMPLE = ROOT / "sample_shapefiles" / "linkage_demolition.shp"


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample data not generated yet")
def test_sample_linkage_zones_round_trip(tmp_path):
    """The sample demolition zones (拆旧区) export to a file that imports back identically."""
    from xigeo.io import read_layer

    layer = read_layer(SAMPLE)
    columns = {code: col for code, col in (("DKBH", "CJQBH"), ("DKMC", "XMMC"), ("DLBM", "DLBM"))
               if col in layer.columns}
    path = write_coords(layer, tmp_path / "拆旧区.txt", columns=columns,
                        header={"数据产生单位": "息县自然资源局"})
    back = read_coords(path)
    assert len(back) == len(layer) and back.crs.equals(layer.crs)
    assert same_geometry(back.geometry, layer.geometry)
    for code, col in columns.items():
        assert back[code].tolist() == layer[col].astype(str).tolist()
    # 地块面积: the ellipsoidal area of the parcels, to 1 m² (coordinates written to 1 mm)
    hectares = area(layer, method="ellipsoidal", unit="ha").to_numpy()
    assert np.abs(back["DKMJ"].to_numpy() - hectares).max() <= 0.0001
    # and the file imports back identically: a second round trip changes nothing
    again = write_coords(back, tmp_path / "again.txt")
    assert again.read_bytes() == path.read_bytes()


# --- more reading cases ------------------------------------------------------------------

def test_point_outside_the_declared_zone(tmp_path):
    # 带号=38 and plain eastings, but Y = 100 000 is 400 km west of 114°E: not zone 38
    text = HEADER + RECT.replace(",38569", ",100")
    message = bad(tmp_path, text, r"5 个问题")
    assert "第 14 行：X=3579900.000, Y=100600.000 位于 3 度带第 38 带（中央经线 114°E）之外" in message


def test_area_written_in_square_metres_warns(tmp_path):
    with pytest.warns(XigeoWarning, match=r"第 13 行：15000 对 1.5000 公顷（像是平方米）"):
        gdf = read_coords(write_text(tmp_path, HEADER + RECT.replace("1.4998", "15000")))
    assert gdf["DKMJ"][0] == 15_000  # read as written; the geometry is right
    with pytest.warns(XigeoWarning, match=r"（像是亩）"):
        read_coords(write_text(tmp_path, HEADER + RECT.replace("1.4998", "22.5")))


def test_invalid_ring_warns_with_its_line(tmp_path):
    bowtie = RECT.replace("J3,1,3579800.000,38569750.000", "J3,1,3579800.000,38569600.000").replace(
        "J4,1,3579800.000,38569600.000", "J4,1,3579800.000,38569750.000").replace("1.4998", "0")
    with pytest.warns(XigeoWarning, match=r"1 个地块的图形无效（第 13 行："
                                          r"Self-intersection"):
        read_coords(write_text(tmp_path, HEADER + bowtie))


def test_structure_errors(tmp_path):
    bad(tmp_path, HEADER + RECT.replace(",面,", ",线,"), r"第 13 行：记录图形属性='线'：只支持面")
    bad(tmp_path, HEADER + RECT.splitlines(keepends=True)[1] + RECT,
        r"第 13 行：点行出现在第一个属性行（…,@）之前")
    bad(tmp_path, "坐标系=2000国家大地坐标系\n" + HEADER + RECT, r"第 1 行：.* 出现在任何节之前")
    bad(tmp_path, HEADER + RECT.replace("J2,1,", "J2,A,"), r"第 15 行：圈号 'A'")
    bad(tmp_path, HEADER + RECT + "3,0,XJ-09,空,面,,,,@\n", r"第 19 行：属性行后没有点行")
    sliver = "3,0,XJ-08,线状,面,,,,@\nJ1,1,3579900.000,38569600.000\nJ2,1,3579900.000,38569750.000\n" \
             "J1,1,3579900.000,38569600.000\n"
    bad(tmp_path, HEADER + sliver, r"第 16 行：第 1 圈（第 14–16 行）只有 2 个不同的点")
    bad(tmp_path, HEADER.replace("坐标系=2000国家大地坐标系", "坐标系=WGS84") + RECT,
        r"第 5 行：坐标系='WGS84' 不是 xigeo 认识的大地基准")
    bad(tmp_path, HEADER.replace("几度分带=3", "几度分带=6") + RECT,
        r"第 6 行：几度分带=6 与 带号=38 不符")
    bad(tmp_path, HEADER.replace("计量单位=米", "计量单位=度") + RECT, r"第 8 行：计量单位='度'")
    with pytest.raises(CRSError, match="不是中国的高斯–克吕格投影带"):
        read_coords(write_text(tmp_path, HEADER + RECT), crs=4490)
    with pytest.raises(OSError, match="文件不存在"):
        read_coords(tmp_path / "无.txt")


def test_other_datums_and_header_spellings(tmp_path):
    for text, epsg in (("1980西安坐标系", 2362), ("西安80坐标系", 2362), ("1954北京坐标系", 2414),
                       ("CGCS2000", 4526)):
        path = write_text(tmp_path, HEADER.replace("2000国家大地坐标系", text) + RECT)
        assert read_coords(path).crs.to_epsg() == epsg
    # 【】 brackets, full-width ＝, 带号 missing but given by the Y prefix, zone width "3度"
    text = (HEADER.replace("[属性描述]", "【属性描述】").replace("带号=38\n", "")
            .replace("几度分带=3", "几度分带＝3度") + RECT)
    assert read_coords(write_text(tmp_path, text)).crs.to_epsg() == 4526


def test_hole_listed_before_its_outer_ring(tmp_path):
    # ring numbers say nothing here: the hole (ring 1) lies inside ring 2, so it is its hole
    text = HEADER + """10,1.4598,XJ-03,倒序地块,面,,,,@
J1,1,3579880.000,38569620.000
J2,1,3579860.000,38569620.000
J3,1,3579860.000,38569640.000
J4,1,3579880.000,38569640.000
J1,1,3579880.000,38569620.000
J5,2,3579900.000,38569600.000
J6,2,3579900.000,38569750.000
J7,2,3579800.000,38569750.000
J8,2,3579800.000,38569600.000
J5,2,3579900.000,38569600.000
"""
    geom = read_coords(write_text(tmp_path, text)).geometry[0]
    assert geom.geom_type == "Polygon" and len(geom.interiors) == 1
    assert geom.area == 150 * 100 - 20 * 20


def test_gbk_text_that_starts_like_utf8_is_still_gbk(tmp_path):
    # 某 in GBK is C4 B3, which is also valid UTF-8 (ĳ): one such character is no proof of UTF-8
    path = write_text(tmp_path, "[某]\n" + HEADER + RECT, encoding="gbk")
    gdf = read_coords(path)
    assert gdf.attrs["encoding"] == "gb18030" and gdf["DKMC"][0] == "示例地块"
