"""Tests for xigeo.maps: fonts in the PDF, page sizes, legend, scale bar, grid, atlas, layouts.

Every PDF is checked with pypdf (no system tools): the fonts are embedded as
TrueType (CIDFontType2 + FontFile2), never Type 3 or CFF (FontFile3), and the
title and legend come back out as the right Chinese characters. Layouts are
compared with baseline images with all text hidden (text is tested on the
artists and in the PDF separately). Set XIGEO_UPDATE_BASELINE=1 to rewrite
the baselines in tests/baseline/.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pyproj
import pytest
from matplotlib.patches import Rectangle
from matplotlib.testing.compare import compare_images
from matplotlib.text import Text
from shapely import box

matplotlib.use("Agg")

from xigeo.errors import CRSError, SchemaError  # noqa: E402
from xigeo.maps import (  # noqa: E402
    FAMILY,
    export_map,
    font_files,
    layer,
    map_info,
    read_palette,
    thematic_map,
    write_atlas,
)
from xigeo.maps import elements  # noqa: E402
from xigeo.maps.palette import landuse_palette  # noqa: E402

pypdf = pytest.importorskip("pypdf")

BASELINE = Path(__file__).parent / "baseline"
DATE = "2026年11月"
# A4 = 210 x 297 mm, A3 = 297 x 420 mm; 1 in = 25.4 mm = 72 pt
A4_PT = (210 / 25.4 * 72, 297 / 25.4 * 72)   # 595.28 x 841.89
A3_PT = (297 / 25.4 * 72, 420 / 25.4 * 72)   # 841.89 x 1190.55


# ---------------------------------------------------------------- fixtures

def _landuse() -> gpd.GeoDataFrame:
    """Four patches in GK zone 38 (prefixed): paddy, dry land, homestead, paddy; 1.5 km x 1 km."""
    x, y = 38_560_000, 3_580_000
    return gpd.GeoDataFrame(
        {"DLBM": ["0101", "0103", "0702", "0101"], "DLMC": ["水田", "旱地", "农村宅基地", "水田"]},
        geometry=[box(x, y, x + 800, y + 500), box(x + 800, y, x + 1500, y + 500),
                  box(x, y + 500, x + 600, y + 1000), box(x + 600, y + 500, x + 1500, y + 1000)],
        crs=4526)


def _parcels() -> gpd.GeoDataFrame:
    x, y = 38_560_000, 3_580_000
    return gpd.GeoDataFrame({"XMMC": ["息县产业集聚区项目", "城关镇安置小区"], "XMBH": ["YS01", "YS02"]},
                            geometry=[box(x + 200, y + 200, x + 500, y + 400),
                                      box(x + 900, y + 600, x + 1300, y + 900)], crs=4526)


@pytest.fixture()
def landuse() -> gpd.GeoDataFrame:
    return _landuse()


def _pdf_fonts(reader: "pypdf.PdfReader") -> list[dict]:
    """Every font resource of every page: subtype, descendant subtype, font-file keys."""
    out = []
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            f = ref.get_object()
            entry = {"subtype": f.get("/Subtype"), "name": str(f.get("/BaseFont")), "files": [],
                     "descendants": []}
            for d in f.get("/DescendantFonts", []):
                d = d.get_object()
                entry["descendants"].append(d.get("/Subtype"))
                entry["files"] += [k for k in d["/FontDescriptor"].get_object() if k.startswith("/FontFile")]
            if "/FontDescriptor" in f:
                entry["files"] += [k for k in f["/FontDescriptor"].get_object() if k.startswith("/FontFile")]
            out.append(entry)
    return out


def _assert_truetype_embedded(path: Path) -> "pypdf.PdfReader":
    reader = pypdf.PdfReader(str(path))
    fonts = _pdf_fonts(reader)
    assert fonts, "no fonts in the PDF"
    for f in fonts:
        assert f["subtype"] != "/Type3", f
        assert "/FontFile3" not in f["files"], f"CFF font embedded: {f}"
        assert f["files"] == ["/FontFile2"], f"font not embedded as TrueType: {f}"
        if f["subtype"] == "/Type0":
            assert f["descendants"] == ["/CIDFontType2"], f
    assert any("XigeoNotoSansSC" in f["name"] for f in fonts)
    return reader


def _text(reader: "pypdf.PdfReader") -> str:
    return "".join(page.extract_text() for page in reader.pages)


def _texts(fig, gid: str) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_gid() == gid]


# ---------------------------------------------------------------- font

def test_shipped_fonts_are_static_truetype_with_licence():
    from fontTools.ttLib import TTFont

    files = font_files()
    assert [p.name for p in files] == ["XigeoNotoSansSC-Bold.ttf", "XigeoNotoSansSC-Regular.ttf"]
    for path in files:
        assert path.stat().st_size < 12e6
        font = TTFont(path)
        assert "glyf" in font and "CFF " not in font and "fvar" not in font
        cmap = font.getBestCmap()
        # GB 2312 level-1 and level-2 characters and the sample's place names
        for ch in "息县土地利用现状图水田旱地农村宅基地谯楼街道濮公山°′″²":
            assert ord(ch) in cmap, ch
        assert font["name"].getDebugName(1) == FAMILY
    ofl = (files[0].parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License" in ofl or "Open Font License" in ofl


def test_figure_displays_inline_in_jupyter(landuse):
    # IPython shows an object with _repr_png_ as an image even without %matplotlib inline
    fig = thematic_map(landuse, title="图", date=DATE)
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_maps_do_not_change_global_rcparams(landuse):
    before = dict(matplotlib.rcParams)
    thematic_map(landuse, title="图", date=DATE)
    assert matplotlib.rcParams["pdf.fonttype"] == before["pdf.fonttype"]
    assert matplotlib.rcParams["font.family"] == before["font.family"]


# ---------------------------------------------------------------- PDF output

@pytest.mark.parametrize("paper, orientation, size", [
    ("A4", "portrait", A4_PT),
    ("A4", "landscape", A4_PT[::-1]),
    ("A3", "portrait", A3_PT),
    ("A3", "landscape", A3_PT[::-1]),
])
def test_pdf_page_size_fonts_and_text(tmp_path, landuse, paper, orientation, size):
    out = export_map(landuse, tmp_path / "土地利用现状图.pdf", title="息县土地利用现状图",
                     paper=paper, orientation=orientation, maker="息县自然资源局", date=DATE)
    reader = _assert_truetype_embedded(out)
    box_ = reader.pages[0].mediabox
    assert float(box_.width) == pytest.approx(size[0], abs=0.5)
    assert float(box_.height) == pytest.approx(size[1], abs=0.5)
    text = _text(reader)
    for expected in ("息县土地利用现状图", "图 例", "水田", "旱地", "农村宅基地", "息县自然资源局",
                     "2000国家大地坐标系", "比例尺"):
        assert expected in text.replace("  ", " "), expected
    assert "坑塘水面" not in text  # only the classes present are in the legend


def test_export_by_suffix(tmp_path, landuse):
    png = export_map(landuse, tmp_path / "a.png", title="图", date=DATE, dpi=40)
    svg = export_map(landuse, tmp_path / "a.svg", title="图", date=DATE)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:400]
    with pytest.raises(ValueError, match=r"\.pdf, \.png, \.svg"):
        export_map(landuse, tmp_path / "a.jpg", title="图")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a.svg"]  # no temp files left


def test_export_refuses_to_overwrite_when_asked(tmp_path, landuse):
    out = export_map(landuse, tmp_path / "a.pdf", title="图", date=DATE)
    with pytest.raises(OSError, match="已存在"):
        export_map(landuse, out, title="图", overwrite=False)


def test_export_and_atlas_refuse_an_existing_file_by_default(tmp_path, landuse):
    from xigeo.errors import LayerWriteError

    fig = thematic_map(landuse, title="图", date=DATE)
    for path in (tmp_path / "a.png", tmp_path / "b.pdf"):
        path.write_bytes(b"an earlier map")
    with pytest.raises(LayerWriteError, match="a.png 已存在"):
        export_map(fig, tmp_path / "a.png", dpi=40)
    with pytest.raises(LayerWriteError, match="a.png 已存在"):
        export_map(landuse, tmp_path / "a.png", title="图", dpi=40)  # refused before composing
    with pytest.raises(LayerWriteError, match="b.pdf 已存在"):
        write_atlas([fig], tmp_path / "b.pdf")
    assert (tmp_path / "a.png").read_bytes() == b"an earlier map"
    assert (tmp_path / "b.pdf").read_bytes() == b"an earlier map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.pdf"]  # no temp files
    export_map(fig, tmp_path / "a.png", dpi=40, overwrite=True)
    write_atlas([fig], tmp_path / "b.pdf", overwrite=True)
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(pypdf.PdfReader(str(tmp_path / "b.pdf")).pages) == 2  # contents + the map
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.pdf"]


# ---------------------------------------------------------------- legend, labels, CRS guard

def test_legend_lists_present_classes_in_code_order(landuse):
    fig = thematic_map([landuse, layer(_parcels(), "newbuild")], title="图", date=DATE)
    # 0101 水田, 0103 旱地, 0702 农村宅基地 (palette CSV), then the new-build layer's label
    assert map_info(fig).legend == ["水田", "旱地", "农村宅基地", "建新区"]
    legend = [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == "xigeo-legend"][0]
    assert [t.get_text() for t in legend.get_texts()] == ["水田", "旱地", "农村宅基地", "建新区"]
    # the legend swatch of 水田 has the palette colour, the 三调 table's rgba(248, 208, 114)
    # (tests/data/sandiao_colours_mapgis.csv)
    swatch = legend.legend_handles[0]
    assert tuple(round(c * 255) for c in swatch.get_facecolor()[:3]) == (248, 208, 114)


def test_title_and_info_block_artists(landuse):
    fig = thematic_map(landuse, title="息县土地利用现状图", maker="息县自然资源局", author="张三",
                       source="三调", date=DATE)
    assert [t.get_text() for t in _texts(fig, "xigeo-title")] == ["息县土地利用现状图"]
    info = "\n".join(t.get_text() for t in _texts(fig, "xigeo-info"))
    assert "制图单位：息县自然资源局" in info and "制图人：张三" in info
    assert f"制图日期：{DATE}" in info and "数据来源：三调" in info
    assert "EPSG:4526" in info
    assert [t.get_text() for t in _texts(fig, "xigeo-scale")] == ["比例尺  1:10 000"]
    assert _texts(fig, "xigeo-north-label")[0].get_text() == "北"


def test_long_title_and_source_are_shrunk_to_the_page(landuse):
    title = "息县2013年第一批城乡建设用地增减挂钩项目拆旧区与建新区位置示意图"
    source = "第三次全国国土调查成果、永久基本农田划定成果、城乡建设用地增减挂钩项目批复文件及实施方案"
    fig = thematic_map(landuse, title=title, source=source, maker="息县自然资源局",
                       orientation="portrait", date=DATE)
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    title_box = _texts(fig, "xigeo-title")[0].get_window_extent(renderer)
    assert page.x0 < title_box.x0 and title_box.x1 < page.x1
    assert _texts(fig, "xigeo-title")[0].get_fontsize() < 20
    left, right = (t.get_window_extent(renderer) for t in _texts(fig, "xigeo-info"))
    assert left.x1 < right.x0  # the two halves of the information block do not collide


def test_labels_do_not_overlap():
    # 30 small parcels 40 m apart with long Chinese names, and one 2 km away so the map
    # is at about 1:15 000: 40 m is under 3 mm on paper, a label is over 20 mm long
    x, y = 38_560_000, 3_580_000
    parcels = gpd.GeoDataFrame(
        {"XMMC": [f"息县第{i}号建设项目用地" for i in range(31)]},
        geometry=[box(x + (i % 6) * 40, y + (i // 6) * 40, x + (i % 6) * 40 + 30,
                      y + (i // 6) * 40 + 30) for i in range(30)]
        + [box(x + 2000, y + 2000, x + 2030, y + 2030)], crs=4526)
    fig = thematic_map(layer(parcels, "parcels", label_field="XMMC"), title="图", date=DATE)
    shown = _texts(fig, "xigeo-label")
    hidden = _texts(fig, "xigeo-label-hidden")
    assert len(shown) + len(hidden) == 31
    assert 0 < len(shown) < 31 and all(not t.get_visible() for t in hidden)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in shown]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    # nor do they cover the scale bar (bottom left, where these parcels are) or the north arrow
    ax = fig.axes[0]
    furniture = [a.get_window_extent(renderer) for a in ax.get_children()
                 if str(a.get_gid()).startswith(("xigeo-scalebar", "xigeo-north"))]
    assert len(furniture) >= 8
    assert not any(a.overlaps(b) for a in boxes for b in furniture)
    assert shown[0].get_text().startswith("息县第")


def test_layers_in_different_crs_are_refused(landuse):
    other = _parcels().to_crs(4547)
    with pytest.raises(CRSError, match="4547"):
        thematic_map([landuse, other], title="图")
    fig = thematic_map([landuse, other], title="图", crs=4526, date=DATE)  # explicit reprojection
    assert map_info(fig).crs.to_epsg() == 4526
    with pytest.raises(CRSError, match="没有坐标系"):
        thematic_map(landuse.set_crs(None, allow_override=True), title="图")


def test_palette_is_a_replaceable_table(tmp_path, landuse):
    csv = tmp_path / "pal.csv"
    csv.write_text("# my bureau's colours\ncode,name,r,g,b\n01,耕地,10,20,30\n0702,宅基地,200,0,0\n",
                   encoding="utf-8")
    pal = read_palette(csv)
    assert pal.name("0101") == "耕地" and pal.rgb255("0103") == (10, 20, 30)
    fig = thematic_map(landuse, title="图", palette=pal, date=DATE)
    assert map_info(fig).legend == ["耕地", "宅基地"]  # 0101 and 0103 share the group row
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,red\n0101,水田,1\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="g, b"):
        read_palette(bad)
    assert landuse_palette().rgb255("0101") == (248, 208, 114)  # the default is untouched


# ---------------------------------------------------------------- scale bar and grid

def _scalebar(fig):
    ax = [a for a in fig.axes if a.get_gid() == "xigeo-map"][0]
    segs = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() == "xigeo-scalebar"]
    x0 = min(p.get_x() for p in segs)
    x1 = max(p.get_x() + p.get_width() for p in segs)
    ticks = [t.get_text() for t in _texts(fig, "xigeo-scalebar-tick")]
    unit = _texts(fig, "xigeo-scalebar-unit")[0].get_text()
    return ax, x0, x1, float(ticks[-1]) * (1000 if unit == "千米" else 1), unit


def test_scale_bar_length_equals_its_label_in_gk_metres(landuse):
    fig = thematic_map(landuse, title="图", date=DATE)
    ax, x0, x1, labelled_m, unit = _scalebar(fig)
    # GK data units are metres: the bar spans exactly the labelled ground distance
    assert x1 - x0 == pytest.approx(labelled_m, rel=1e-12)
    assert map_info(fig).scalebar[2] == labelled_m
    # and the map scale holds on paper: bar length in inches x denominator = ground metres
    renderer = fig.canvas.get_renderer()
    inches = (ax.transData.transform((x1, 0))[0] - ax.transData.transform((x0, 0))[0]) / fig.dpi
    assert inches * 0.0254 * map_info(fig).scale == pytest.approx(labelled_m, rel=1e-6)
    del renderer


def test_scale_bar_in_geographic_crs_measures_ground_distance(landuse):
    geo = landuse.to_crs(4490)
    fig = thematic_map(geo, title="图", date=DATE)
    ax, x0, x1, labelled_m, unit = _scalebar(fig)
    y_lo, y_hi = ax.get_ylim()
    lat = y_lo + 0.05 * (y_hi - y_lo)  # the bar's row (loc=(0.05, 0.05))
    # independent check: the geodesic distance along the bar's parallel on the CGCS2000
    # ellipsoid (pyproj Geod) between its ends equals the labelled distance
    geod = pyproj.CRS.from_epsg(4490).get_geod()
    _, _, d = geod.inv(x0, lat, x1, lat)
    assert d == pytest.approx(labelled_m, rel=1e-6)
    assert map_info(fig).scale is None  # no numeric scale on a geographic map
    # degrees grid in a geographic CRS: straight meridians labelled with their own longitude
    for x, label in map_info(fig).grid["x"]:
        assert label == elements.format_dms(x, "lon", seconds="″" in label)


def test_locator_inset_marks_the_map_extent(landuse):
    county = gpd.GeoDataFrame({"XZQMC": ["息县"]}, geometry=[box(38_550_000, 3_570_000,
                                                               38_575_000, 3_600_000)], crs=4526)
    fig = thematic_map(landuse, title="图", locator=county, date=DATE)
    inset = [a for a in fig.axes if a.get_gid() == "xigeo-locator"]
    assert len(inset) == 1
    marks = [p for p in inset[0].patches if isinstance(p, Rectangle)]
    x0, y0, x1, y1 = map_info(fig).extent
    assert (marks[0].get_x(), marks[0].get_y()) == pytest.approx((x0, y0))
    assert (marks[0].get_width(), marks[0].get_height()) == pytest.approx((x1 - x0, y1 - y0))
    assert inset[0].get_title() == "位置示意图"
    with pytest.raises(CRSError):
        thematic_map(landuse, title="图", locator=county.to_crs(4490))


def test_polygon_holes_stay_empty_and_multipolygons_fill():
    from shapely import MultiPolygon, Polygon

    x, y = 38_560_000, 3_580_000
    ring = [(x, y), (x + 1000, y), (x + 1000, y + 1000), (x, y + 1000)]
    hole = [(x + 300, y + 300), (x + 300, y + 700), (x + 700, y + 700), (x + 700, y + 300)]
    # the hole given counter-clockwise like its shell: orientation must not matter
    donut = Polygon(ring, [hole[::-1]])
    multi = MultiPolygon([box(x + 1200, y, x + 1400, y + 200), box(x + 1200, y + 800, x + 1400, y + 1000)])
    g = gpd.GeoDataFrame({"DLBM": ["0101", "1104"]}, geometry=[donut, multi], crs=4526)
    fig = thematic_map(g, title="图", grid="none", scalebar=False, north=False, legend=False,
                       date=DATE)
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    ax = fig.axes[0]

    def pixel(px, py):
        u, v = ax.transData.transform((px, py))
        return tuple(rgba[int(rgba.shape[0] - v), int(u), :3])

    assert pixel(x + 500, y + 500) == (255, 255, 255)          # the hole: background
    assert pixel(x + 150, y + 500) == (248, 208, 114)          # the shell: 水田 colour
    assert pixel(x + 1300, y + 900) == landuse_palette().rgb255("1104")   # both parts filled
    assert pixel(x + 1300, y + 500) == (255, 255, 255)         # between the parts: nothing


def test_ready_landuse_map_with_boundary(landuse):
    from xigeo.maps import landuse_map

    outline = gpd.GeoDataFrame(geometry=[box(*landuse.total_bounds)], crs=4526)
    fig = landuse_map(landuse, boundary=outline, title="息县土地利用现状图", date=DATE)
    assert map_info(fig).legend == ["水田", "旱地", "农村宅基地", "界线"]


def test_grid_labels_gk_metres(landuse):
    fig = thematic_map(landuse, title="图", grid="gk", date=DATE)
    ticks = dict(map_info(fig).grid["x"])
    assert ticks[38_560_000.0] == "38 560 000"
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(ticks.values())


def test_grid_labels_dms_match_pyproj(landuse):
    fig = thematic_map(landuse, title="图", grid="dms", date=DATE)
    ax = fig.axes[0]
    y_lo = ax.get_ylim()[0]
    x_lo = ax.get_xlim()[0]
    to_geo = pyproj.Transformer.from_crs(4526, 4490, always_xy=True)
    xs = map_info(fig).grid["x"]
    ys = map_info(fig).grid["y"]
    assert xs and ys
    for x, label in xs:  # meridian labels sit where the meridian cuts the bottom frame
        lon, _ = to_geo.transform(x, y_lo)
        assert label == elements.format_dms(lon, "lon", seconds="″" in label)
        assert label.endswith("E")
    for y, label in ys:
        _, lat = to_geo.transform(x_lo, y)
        assert label == elements.format_dms(lat, "lat", seconds="″" in label)
    # known point: easting 38 560 000 in zone 38 (CM 114°E) is 114°E + 60 km east; pyproj puts
    # it at 114°38′xx″E at this latitude, so the labelled meridians bracket that longitude
    lon_known, _ = to_geo.transform(38_560_000, 3_580_000)
    assert 114.6 < lon_known < 114.7
    labelled = [to_geo.transform(x, y_lo)[0] for x, _ in xs]
    assert min(labelled) - 1 / 60 <= lon_known <= max(labelled) + 1 / 60


def test_format_dms_examples():
    assert elements.format_dms(114 + 40 / 60, "lon") == "114°40′E"
    assert elements.format_dms(32 + 20 / 60 + 30 / 3600, "lat", seconds=True) == "32°20′30″N"


def test_crs_text_unprefixed():
    assert elements.crs_text(pyproj.CRS.from_epsg(4547)) == \
        "2000国家大地坐标系，高斯-克吕格投影3度带（中央经线114°E，EPSG:4547）"


# ---------------------------------------------------------------- atlas

def test_atlas_contents_page_numbers_and_sizes(tmp_path, landuse):
    figs = [thematic_map(landuse, title="息县土地利用现状图", orientation="portrait", date=DATE),
            thematic_map(_parcels(), title="建设项目用地分布图", paper="A3",
                         orientation="landscape", date=DATE)]
    texts_before = len(figs[0].texts)
    out = write_atlas(figs, tmp_path / "图集.pdf", title="息县节约集约用地专题图集")
    assert len(figs[0].texts) == texts_before  # page numbers removed again
    reader = _assert_truetype_embedded(out)
    assert len(reader.pages) == 3
    contents = reader.pages[0].extract_text()
    assert "息县节约集约用地专题图集" in contents and "目" in contents
    assert "息县土地利用现状图" in contents
    assert "建设项目用地分布图" in contents
    for n, page in enumerate(reader.pages, start=1):
        assert f"— {n} / 3 —" in page.extract_text()
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert sizes == [(595, 842), (595, 842), (1191, 842)]
    assert reader.metadata["/Title"] == "息县节约集约用地专题图集"
    assert [p.name for p in tmp_path.iterdir()] == ["图集.pdf"]


# ---------------------------------------------------------------- ready-made maps on the sample

@pytest.fixture(scope="module")
def sample_layers():
    from xigeo import sample

    names = ["county", "townships", "jbnt", "prereview", "linkage_demolition", "linkage_newbuild",
             "consolidation", "minepark", "minepark_pits", "minepark_restoration",
             "stripping_sources", "stripping_receivers", "changes", "approvals"]
    return {n: sample.load(n) for n in names}


def test_ready_made_maps_on_sample(sample_layers, tmp_path):
    from xigeo import sample
    from xigeo.maps import (consolidation_map, farmland_overlap_map, linkage_map, minepark_map,
                            stripping_map)

    L = sample_layers
    kw = dict(date=DATE, maker="息县自然资源局")
    over = farmland_overlap_map(L["prereview"], L["jbnt"], **kw)
    assert map_info(over).legend == ["永久基本农田", "建设项目用地", "压占永久基本农田"]
    # the overlap pieces are the farmland calculator's: sample README lists YS2014008 with
    # 9,868 m² on basic farmland = 14.80 mu (÷ 10 000/15), written on the piece
    areas = {t.get_text() for t in _texts(over, "xigeo-label") if t.get_text().endswith("亩")}
    assert "14.80亩" in areas
    project = "息县2017年第一批城乡建设用地增减挂钩项目"
    one = linkage_map(L["linkage_demolition"], L["linkage_newbuild"], farmland=L["jbnt"],
                      project=project, **kw)
    assert map_info(one).title == f"{project}示意图"
    assert _texts(one, "xigeo-label")  # zone ids written on a single-project map
    cons = consolidation_map(L["consolidation"], townships=L["townships"], county=L["county"], **kw)
    assert set(map_info(cons).legend) >= {"乡镇界", "县界"}
    with sample.load("minepark_dem") as dem:
        mine = minepark_map(L["minepark"], L["minepark_pits"],
                            restoration=L["minepark_restoration"], dem=dem, **kw)
    assert any(im.get_gid() == "xigeo-hillshade" for im in mine.axes[0].images)
    assert map_info(mine).legend[:3] == ["矿山公园范围", "一期治理区", "关停采石坑"]
    flows = pd.DataFrame({"BLBH": ["BL01", "BL02"], "JSBH": ["JS01", "JS02"],
                          "volume_m3": [30_000.0, 12_000.0]})
    strip = stripping_map(L["stripping_sources"], L["stripping_receivers"], flows=flows, **kw)
    assert [t.get_text() for t in _texts(strip, "xigeo-flow-label")] == ["3.00万m³", "1.20万m³"]
    # the calculator's plan (its flows table: source/receiver/volume_m3), and the same table
    # for output with a 合计 row, which the map ignores
    from xigeo.stripping import stripping_plan

    plan = stripping_plan(L["stripping_sources"], L["stripping_receivers"])
    n_flows = len(plan.flows)
    with_total = stripping_map(L["stripping_sources"], L["stripping_receivers"],
                               flows=plan.table("flows", total=True), **kw)
    assert len(_texts(with_total, "xigeo-flow-label")) == n_flows
    strip = stripping_map(L["stripping_sources"], L["stripping_receivers"], flows=plan, **kw)
    assert len(_texts(strip, "xigeo-flow-label")) == n_flows
    out = write_atlas([over, one, cons, mine, strip], tmp_path / "atlas.pdf", title="示例图集")
    reader = _assert_truetype_embedded(out)
    assert len(reader.pages) == 6
    assert "矿山公园地质环境治理示意图" in reader.pages[4].extract_text()


def test_enforcement_map_colours_patches_by_the_calculators_verdict(sample_layers):
    from xigeo import sample
    from xigeo.enforcement import enforcement_check
    from xigeo.maps import enforcement_map

    L = sample_layers
    changes = L["changes"].set_index("JCBH")
    result = enforcement_check(changes, approvals=L["approvals"], farmland=L["jbnt"],
                               landuse=sample.load("dltb"))
    fig = enforcement_map(changes, L["approvals"], result=result, farmland=L["jbnt"], date=DATE)
    legend = map_info(fig).legend
    assert legend[:2] == ["永久基本农田", "批准建设用地"]
    # verdicts in order of seriousness, only those present (sample README: 8 patches on basic
    # farmland, 14 inside an approval)
    assert legend[2] == "未批占用永久基本农田" and legend[-1] == "已批准"
    dots = [c for c in fig.axes[0].collections if c.get_gid() == "xigeo-change-dots"][0]
    red = (0.85, 0.0, 0.0, 1.0)
    assert sum(tuple(np.round(c, 6)) == red for c in dots.get_facecolors()) == \
        (result.changes["verdict"] == "basic farmland").sum()


def test_label_field_and_zone_labels(sample_layers):
    from xigeo.maps import consolidation_map, linkage_map

    L = sample_layers
    project = "息县2017年第一批城乡建设用地增减挂钩项目"
    demolition = L["linkage_demolition"][L["linkage_demolition"]["XMMC"] == project]
    newbuild = L["linkage_newbuild"][L["linkage_newbuild"]["XMMC"] == project]
    zone_ids = set(demolition["CJQBH"]) | set(newbuild["JXQBH"])

    def written(fig):
        return {t.get_text() for t in _texts(fig, "xigeo-label") + _texts(fig, "xigeo-label-hidden")}

    # one project: the zone ids are written by default; zone_labels=False writes none
    assert written(linkage_map(L["linkage_demolition"], L["linkage_newbuild"], project=project,
                               date=DATE)) == zone_ids
    assert written(linkage_map(L["linkage_demolition"], L["linkage_newbuild"], project=project,
                               zone_labels=False, date=DATE)) == set()
    # the whole county: none by default, every zone id with zone_labels=True
    assert written(linkage_map(L["linkage_demolition"], L["linkage_newbuild"],
                               date=DATE)) == set()
    everything = set(L["linkage_demolition"]["CJQBH"]) | set(L["linkage_newbuild"]["JXQBH"])
    assert written(linkage_map(L["linkage_demolition"], L["linkage_newbuild"], zone_labels=True,
                               date=DATE)) == everything
    # label_field names the field written (default XMBH); None writes none
    cons = L["consolidation"]
    assert written(consolidation_map(cons, date=DATE)) == set(cons["XMBH"])
    assert written(consolidation_map(cons, label_field="XMMC", date=DATE)) == set(cons["XMMC"])
    assert written(consolidation_map(cons, label_field=None, date=DATE)) == set()
    lyr = layer(cons, "parcels", label_field="XMBH")
    assert lyr.label_field == "XMBH" and lyr.display_label == "项目用地"
    with pytest.raises(TypeError, match="label_field="):
        layer(cons, "parcels", labels="XMBH")
    with pytest.raises(SchemaError, match="NOPE"):
        layer(cons, "parcels", label_field="NOPE")


def test_stripping_flows_with_unknown_ids_are_refused(sample_layers):
    from xigeo.maps import stripping_map

    flows = pd.DataFrame({"BLBH": ["BL99"], "JSBH": ["JS01"], "volume_m3": [1.0]})
    with pytest.raises(SchemaError, match="BL99"):
        stripping_map(sample_layers["stripping_sources"], sample_layers["stripping_receivers"],
                      flows=flows)


# ---------------------------------------------------------------- layout images

def _hide_text(fig) -> None:
    for t in fig.findobj(Text):
        t.set_visible(False)


def _compare_layout(fig, name: str, tmp_path: Path, tol: float = 1.0) -> None:
    """Compare with the baseline (RMS of pixel differences, 0-255 scale).

    Calibration on the A4 land-use layout at 30 dpi: the same map renders
    identically (RMS 0); dropping the grid gives RMS 1.2, the scale bar 4.8,
    the north arrow 5.7. A tolerance of 1.0 catches those and allows small
    anti-aliasing differences between matplotlib builds.
    """
    _hide_text(fig)
    actual = tmp_path / f"{name}.png"
    export_map(fig, actual, dpi=30)
    expected = BASELINE / f"{name}.png"
    if os.environ.get("XIGEO_UPDATE_BASELINE") or not expected.exists():
        if not os.environ.get("XIGEO_UPDATE_BASELINE"):
            pytest.fail(f"no baseline {expected}; run with XIGEO_UPDATE_BASELINE=1 to create it")
        expected.write_bytes(actual.read_bytes())
    result = compare_images(str(expected), str(actual), tol=tol)
    assert result is None, result


def test_layout_landuse_a4_portrait(tmp_path, landuse):
    fig = thematic_map([landuse, layer(_parcels(), "parcels", label_field="XMBH")], title="图",
                       orientation="portrait", date=DATE)
    _compare_layout(fig, "layout_landuse_a4_portrait", tmp_path)


def test_layout_minepark_with_hillshade(tmp_path, sample_layers):
    from xigeo import sample
    from xigeo.maps import minepark_map

    L = sample_layers
    with sample.load("minepark_dem") as dem:
        fig = minepark_map(L["minepark"], L["minepark_pits"],
                           restoration=L["minepark_restoration"], dem=dem, date=DATE)
    _compare_layout(fig, "layout_minepark", tmp_path)


def test_layout_linkage_a3_landscape_with_locator(tmp_path, sample_layers):
    from xigeo.maps import linkage_map

    L = sample_layers
    fig = linkage_map(L["linkage_demolition"], L["linkage_newbuild"], farmland=L["jbnt"],
                      boundary=None, locator=L["county"], paper="A3", orientation="landscape",
                      date=DATE)
    _compare_layout(fig, "layout_linkage_a3", tmp_path)


# ---------------------------------------------------------------- CLI

def test_cli_map_command(tmp_path):
    from click.testing import CliRunner

    from xigeo.cli.map import map_command
    from xigeo.sample import path as sample_path

    out = tmp_path / "建新区.pdf"
    result = CliRunner().invoke(map_command, [
        f"newbuild:{sample_path('linkage_newbuild')}", f"boundary:{sample_path('minepark')}",
        "-o", str(out), "--title", "建新区分布图", "--date", DATE, "--paper", "A3"])
    assert result.exit_code == 0, result.output
    reader = _assert_truetype_embedded(out)
    text = _text(reader)
    assert "建新区分布图" in text and "建新区" in text and "县界" in text
    assert float(reader.pages[0].mediabox.height) == pytest.approx(A3_PT[0], abs=0.5)  # landscape
    again = CliRunner().invoke(map_command, [str(sample_path("minepark")), "-o", str(out),
                                             "--title", "x"])
    assert again.exit_code != 0 and "--overwrite" in str(again.exception)


def test_cli_map_refuses_an_existing_output_before_reading(tmp_path, capsys):
    from xigeo.cli import main
    from xigeo.sample import path as sample_path

    out = tmp_path / "图.png"
    out.write_bytes(b"an earlier map")
    # the layer does not exist: the output is checked first, so that is the error
    assert main(["map", str(tmp_path / "没有.shp"), "-o", str(out), "--title", "图"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("xigeo: 错误：")
    assert str(out) in err and "--overwrite" in err
    assert out.read_bytes() == b"an earlier map"
    assert [p.name for p in tmp_path.iterdir()] == ["图.png"]  # no temp files
    # a suffix that is no map format is refused, before reading, in one line
    assert main(["map", str(tmp_path / "没有.shp"), "-o", str(tmp_path / "图.jpg"), "--title", "图"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ".pdf, .png, .svg" in err
    # --overwrite replaces it; --label-field writes the field on the last layer
    assert main(["map", f"newbuild:{sample_path('linkage_newbuild')}", "-o", str(out),
                 "--title", "建新区分布图", "--date", DATE, "--dpi", "40",
                 "--label-field", "JXQBH", "--overwrite"]) == 0
    assert capsys.readouterr().out.strip() == f"已写出 {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["图.png"]


# ---------------------------------------------------------------- scale (issue 17)

def _grid_landuse(nx: int, ny: int, codes: list[str], cell: float = 20.0) -> gpd.GeoDataFrame:
    """nx × ny square cells (a coverage) cycling through ``codes``."""
    x, y = 38_560_000, 3_580_000
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    x0, y0 = x + i.ravel() * cell, y + j.ravel() * cell
    import shapely
    geoms = shapely.box(x0, y0, x0 + cell, y0 + cell)
    return gpd.GeoDataFrame({"DLBM": [codes[k % len(codes)] for k in range(len(geoms))]},
                            geometry=geoms, crs=4526)


def test_landuse_map_draws_one_compound_path_per_class():
    codes = ["0101", "0103", "0702", "1101"]
    grid = _grid_landuse(40, 25, codes)                       # 1 000 patches, 4 classes
    fig = thematic_map(grid, title="图", date=DATE)
    drawn = [c for c in fig.axes[0].collections if str(c.get_gid()).endswith("-landuse")]
    assert len(drawn) == 1
    paths = drawn[0].get_paths()
    assert len(paths) == len(codes)                           # k paths, not one per polygon
    # every patch is in it: 1 000 closed rings of 5 vertices (4 corners + the closing one)
    assert sum(len(p.vertices) for p in paths) == 5 * len(grid)
    assert sum(int((p.codes == p.MOVETO).sum()) for p in paths) == len(grid)
    assert sum(int((p.codes == p.CLOSEPOLY).sum()) for p in paths) == len(grid)
    # each path's colour is its class's palette colour, and holds that class's cells only
    pal = landuse_palette()
    want = {tuple(np.round(matplotlib.colors.to_rgba(pal.color(c)), 6)) for c in codes}
    have = {tuple(np.round(f, 6)) for f in drawn[0].get_facecolors()}
    assert have == want
    for path, face in zip(paths, drawn[0].get_facecolors()):
        code = [c for c in codes if np.allclose(matplotlib.colors.to_rgba(pal.color(c)), face)][0]
        assert int((path.codes == path.MOVETO).sum()) == int((grid["DLBM"] == code).sum())


def test_landuse_pdf_size_is_bounded_for_a_big_layer(tmp_path):
    # 40 000 patches (200 × 200 cells of 5 m, 1 km²): the PDF holds 4 paths, vector;
    # bound: 40 000 rings × 5 vertices × 8 bytes ("x y l" compressed ≈ 3-6 bytes) ≈ 1.6 MB
    grid = _grid_landuse(200, 200, ["0101", "0103", "0702", "1101", "0301", "1001"], cell=5.0)
    out = export_map(grid, tmp_path / "big.pdf", title="图", date=DATE)
    size = out.stat().st_size
    assert size <= 40_000 * 5 * 8
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
