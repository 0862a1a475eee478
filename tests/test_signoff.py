"""The map sign-off block (xigeo.maps.signoff): CRS names, fields in the PDF text, logo, titles.

Expected CRS names are built in the tests from pyproj's own description of
each EPSG code (datum name, central meridian, false easting), not from xigeo.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely import box

from xigeo.maps import export_map, map_info, thematic_map
from xigeo.maps.signoff import crs_name
from xigeo.settings import ReportSettings

pypdf = pytest.importorskip("pypdf")

DATUMS = {"China 2000": "2000国家大地坐标系", "Xian 1980": "1980西安坐标系",
          "Beijing 1954": "1954北京坐标系"}


def _expected(epsg: int) -> tuple[str, str]:
    """The Chinese names from pyproj's parameters: zone width from the EPSG name, zone from
    the false easting (prefixed) or the central meridian (3°: cm/3, 6°: (cm+3)/6)."""
    crs = pyproj.CRS.from_epsg(epsg)
    datum = DATUMS[crs.datum.name]
    if crs.is_geographic:
        return datum, "地理坐标"
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    cm, fe = params["Longitude of natural origin"], params["False easting"]
    width = 3 if "3-degree" in crs.name else 6
    prefixed = fe > 1_000_000
    zone = int(fe // 1_000_000) if prefixed else int(cm / 3 if width == 3 else (cm + 3) / 6)
    note = "" if prefixed else "（坐标不含带号）"
    return datum, f"高斯-克吕格投影 {width}度带 第{zone}带 中央经线{cm:g}°{note}"


@pytest.mark.parametrize("epsg", [4490, 4526, 4547, 4509, 4495, 2383, 2436, 4610])
def test_crs_names_from_pyproj(epsg):
    assert crs_name(epsg) == _expected(epsg)


def test_crs_names_spelled_out():
    # the names the issue quotes, written out once by hand
    assert crs_name(4526) == ("2000国家大地坐标系", "高斯-克吕格投影 3度带 第38带 中央经线114°")
    assert crs_name(4490) == ("2000国家大地坐标系", "地理坐标")
    assert crs_name(4509) == ("2000国家大地坐标系", "高斯-克吕格投影 6度带 第20带 中央经线117°（坐标不含带号）")
    assert crs_name(32650) == ("WGS 84坐标系", "WGS 84 / UTM zone 50N")


@pytest.fixture
def dltb():
    x, y = 38_560_000, 3_580_000
    return gpd.GeoDataFrame({"DLBM": ["0101", "0702"]},
                            geometry=[box(x, y, x + 1000, y + 1000), box(x + 1000, y, x + 1500, y + 400)],
                            crs=4526)


SETTINGS = ReportSettings(county="息县", bureau="息县自然资源局", author="张三", reviewer="李四",
                          year=2026, date="2026年11月", data_source="息县第三次全国国土调查成果")


def _text(path) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)


def test_signoff_fields_in_pdf_text(dltb, tmp_path):
    out = export_map(dltb, tmp_path / "图.pdf", title="土地利用现状图", signoff=SETTINGS)
    text = _text(out)
    for line in ("息县2026年土地利用现状图", "制图单位：息县自然资源局", "制图人：张三", "审核人：李四",
                 "制图日期：2026年11月", "坐标系：2000国家大地坐标系（EPSG:4526）",
                 "投影：高斯-克吕格投影 3度带 第38带 中央经线114°",
                 "数据来源：息县第三次全国国土调查成果"):
        assert line in text, (line, text)
    assert "高程基准" not in text  # no DEM on this map


def test_elevation_datum_only_with_terrain(dltb, tmp_path):
    out = export_map(dltb, tmp_path / "地形.pdf", title="地形图", terrain=True, date="2026年11月")
    assert "高程基准：1985国家高程基准" in _text(out)
    other = ReportSettings(elevation_datum="1956黄海高程系")
    fig = thematic_map(dltb, title="地形图", terrain=True, signoff=other)
    info = "".join(t.get_text() for t in fig.texts if t.get_gid() == "xigeo-info")
    assert "高程基准：1956黄海高程系" in info


def test_minepark_map_prints_the_height_datum():
    from xigeo import sample
    from xigeo.maps import minepark_map

    fig = minepark_map(sample.load("minepark"), sample.load("minepark_pits"),
                       dem=sample.path("minepark_dem"), date="2026年11月")
    info = "".join(t.get_text() for t in fig.texts if t.get_gid() == "xigeo-info")
    assert "高程基准：1985国家高程基准" in info


def test_keywords_win_over_signoff_and_blanks_for_signatures(dltb):
    fig = thematic_map(dltb, title="息县土地利用现状图", signoff=ReportSettings(county="息县", year=2026,
                       bureau="甲局"), maker="乙局", date="2026年1月")
    info = "\n".join(t.get_text() for t in fig.texts if t.get_gid() == "xigeo-info")
    assert "制图单位：乙局" in info and "甲局" not in info
    # with a signoff, 制图人 and 审核人 are printed, blank for a hand signature
    assert "制图人：　　　　　　" in info and "审核人：　　　　　　" in info
    # a title that already names the county is kept
    assert map_info(fig).title == "息县土地利用现状图"
    # the settings' data source first, then the map's own
    both = thematic_map(dltb, title="图", source="建设项目用地范围",
                        signoff=ReportSettings(data_source="息县第三次全国国土调查成果"))
    both_info = "\n".join(t.get_text() for t in both.texts if t.get_gid() == "xigeo-info")
    assert "数据来源：息县第三次全国国土调查成果；建设项目用地范围" in both_info
    plain = thematic_map(dltb, title="图", date="2026年1月")
    plain_info = "\n".join(t.get_text() for t in plain.texts if t.get_gid() == "xigeo-info")
    assert "审核人" not in plain_info and "制图人" not in plain_info


def test_signoff_from_a_file_and_logo(dltb, tmp_path):
    import matplotlib.image

    logo = tmp_path / "局徽.png"
    rgb = np.zeros((20, 40, 3))
    rgb[..., 0] = 1.0
    matplotlib.image.imsave(logo, rgb)
    toml = tmp_path / "xigeo.toml"
    toml.write_text('county = "息县"\nyear = 2026\nbureau = "息县自然资源局"\nlogo = "局徽.png"\n',
                    encoding="utf-8")
    fig = thematic_map(dltb, title="土地利用现状图", signoff=toml, date="2026年11月")
    assert map_info(fig).title == "息县2026年土地利用现状图"
    axes = [a for a in fig.axes if a.get_gid() == "xigeo-logo"]
    assert len(axes) == 1 and len(axes[0].images) == 1
    assert axes[0].images[0].get_array().shape[:2] == (20, 40)
    # the left column starts right of the logo
    renderer = fig.canvas.get_renderer()
    left = [t for t in fig.texts if t.get_gid() == "xigeo-info"][0]
    assert left.get_window_extent(renderer).x0 > axes[0].get_window_extent(renderer).x0


def test_bad_logo_is_named(dltb, tmp_path):
    from xigeo.errors import LayerReadError

    bad = tmp_path / "坏.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(LayerReadError, match="坏.png 不是可读的 PNG.*请重新存为 PNG"):
        thematic_map(dltb, title="图", logo=bad)
    import xigeo
    with xigeo.using_language("en"), pytest.raises(LayerReadError, match="坏.png is not a readable PNG"):
        thematic_map(dltb, title="图", logo=bad)


def test_land_use_in_the_default_palette_names_its_colour_source(dltb, tmp_path):
    # issue 17: the 三调 colours come from a vendor's published style, not the standard's text;
    # the map says so where the reader sees it
    out = export_map(dltb, tmp_path / "现状.pdf", title="土地利用现状图", date="2026年11月")
    assert "地类配色：MapGIS三调样式（未见TD/T 1055-2019色表原文）" in _text(out)
    # a bureau's own palette, or a map without land use, carries no such note
    from xigeo.maps import layer
    from xigeo.maps.palette import read_palette, DEFAULT_PALETTE

    own = thematic_map(dltb, title="土地利用现状图", palette=read_palette(DEFAULT_PALETTE))
    parcels = thematic_map(layer(dltb, "parcels"), title="项目范围图")
    for fig in (own, parcels):
        info = "".join(t.get_text() for t in fig.texts if t.get_gid() == "xigeo-info")
        assert "地类配色" not in info
