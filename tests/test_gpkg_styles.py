"""QGIS styles in the GeoPackages xigeo writes (the ``layer_styles`` table), read back with sqlite3.

Expected colours come from the palette's cited source table
(tests/data/sandiao_colours_mapgis.csv) or from the report's map styles
(xigeo.maps.styles.KINDS) converted here by hand (0-1 floats × 255, rounded),
not from the module under test.
"""

from __future__ import annotations

import sqlite3
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely import box

import xigeo
from xigeo import sample
from xigeo.cli import cli
from xigeo.errors import OptionError, XigeoWarning
from xigeo.io import read_layer, write_layer

SOURCE = Path(__file__).parent / "data" / "sandiao_colours_mapgis.csv"


def _source_rgba(code: str) -> str:
    src = pd.read_csv(SOURCE, comment="#", dtype={"code": str}).set_index("code")
    r, g, b = (int(v) for v in src.loc[code, ["r", "g", "b"]])
    return f"{r},{g},{b},255"


def _rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT f_table_name, f_geometry_column, styleName, useAsDefault, styleQML "
                          "FROM layer_styles ORDER BY id").fetchall()
    return rows


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _qml(text: str) -> ET.Element:
    head, body = text.split("\n", 1)
    assert head.startswith("<!DOCTYPE qgis")
    root = ET.fromstring(body)
    assert root.tag == "qgis"
    return root


def _colour(symbol: ET.Element, index: int = 0) -> str:
    layer = symbol.findall("layer")[index]
    opt = {o.get("name"): o.get("value") for o in layer.find("Option")}
    prop = {p.get("k"): p.get("v") for p in layer.findall("prop")}
    assert opt == prop  # both forms, for QGIS before and after 3.26
    return opt["color"]


def _categories(root: ET.Element) -> list[tuple[str, str, str]]:
    """(value, label, fill colour) of each category of a categorised renderer."""
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol"
    symbols = {s.get("name"): s for s in renderer.find("symbols")}
    return [(c.get("value"), c.get("label"), _colour(symbols[c.get("symbol")]))
            for c in renderer.find("categories")]


def _landuse(field: str = "DLBM") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({field: ["0103", "0101", "0101K", "1104", "0103", "0201K"],
                             "DLMC": ["旱地", "水田", "水田", "坑塘水面", "旱地", "果园"]},
                            geometry=[box(i, 0, i + 1, 1) for i in range(6)], crs=4526)


def test_landuse_layer_carries_the_sandiao_style(tmp_path):
    path = write_layer(_landuse(), tmp_path / "地类图斑.gpkg", layer="DLTB")
    # the data is as written
    back = read_layer(path, layer="DLTB")
    assert back["DLBM"].tolist() == ["0103", "0101", "0101K", "1104", "0103", "0201K"]
    rows = _rows(path)
    assert len(rows) == 1
    table, geom, name, default, qml = rows[0]
    with sqlite3.connect(path) as db:
        geom_col = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'DLTB'"
                              ).fetchone()[0]
        contents = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
                              ).fetchone()
    assert (table, geom, default) == ("DLTB", geom_col, 1) and "三调" in name
    assert contents == ("attributes",)  # registered as QGIS registers it, so GDAL lists it
    root = _qml(qml)
    assert root.find("renderer-v2").get("attr") == "DLBM"
    assert root.find("layerGeometryType").text == "2"
    # one category per code present, sorted, named in Chinese, in the source table's colours
    assert _categories(root) == [
        ("0101", "0101 水田", _source_rgba("0101")),
        ("0101K", "0101K 水田", _source_rgba("0101")),  # the source has no 0101K: 水田's colour
        ("0103", "0103 旱地", _source_rgba("0103")),
        ("0201K", "0201K 果园", _source_rgba("0201K")),
        ("1104", "1104 坑塘水面", _source_rgba("1104"))]
    assert _source_rgba("0101") == "248,208,114,255"
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    assert aliases == {"DLBM": "地类编码", "DLMC": "地类名称"}


def test_lower_case_field_and_no_style(tmp_path):
    path = write_layer(_landuse("dlbm"), tmp_path / "a.gpkg")
    assert _qml(_rows(path)[0][4]).find("renderer-v2").get("attr") == "dlbm"
    # no DLBM field: "auto" stores nothing; style=None stores nothing either
    parcels = gpd.GeoDataFrame({"XMBH": ["P1"]}, geometry=[box(0, 0, 1, 1)], crs=4526)
    assert "layer_styles" not in _tables(write_layer(parcels, tmp_path / "b.gpkg"))
    assert "layer_styles" not in _tables(write_layer(_landuse(), tmp_path / "c.gpkg", style=None))


def test_a_layer_added_to_a_file_gets_its_own_row(tmp_path):
    path = write_layer(_landuse(), tmp_path / "a.gpkg", layer="DLTB")
    parcels = gpd.GeoDataFrame({"XMBH": ["P1"]}, geometry=[box(0, 0, 1, 1)], crs=4526)
    write_layer(parcels, path, layer="XM", style="parcels")
    rows = _rows(path)
    assert [(r[0], r[3]) for r in rows] == [("DLTB", 1), ("XM", 1)]
    root = _qml(rows[1][4])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "singleSymbol"
    # the report's parcel style: facecolor (1.0, 0.2, 0.2, 0.18), edgecolor (0.85, 0, 0)
    fill = renderer.find("symbols/symbol/layer")
    opts = {o.get("name"): o.get("value") for o in fill.find("Option")}
    assert opts["color"] == f"255,{round(0.2 * 255)},{round(0.2 * 255)},{round(0.18 * 255)}"
    assert opts["outline_color"] == f"{round(0.85 * 255)},0,0,255"


def test_hatched_map_kind_is_a_fill_and_a_hatch(tmp_path):
    jbnt = gpd.GeoDataFrame({"JBNTMJ": [1.0]}, geometry=[box(0, 0, 1, 1)], crs=4526)
    path = write_layer(jbnt, tmp_path / "j.gpkg", style="farmland")
    symbol = _qml(_rows(path)[0][4]).find("renderer-v2/symbols/symbol")
    layers = symbol.findall("layer")
    assert len(layers) == 2
    # farmland: facecolor (0.75, 0.9, 0.6, 0.35) under "////" hatching in the edge colour (0.2, 0.55, 0.2)
    assert _colour(symbol, 0) == f"{round(0.75 * 255)},{round(0.9 * 255)},{round(0.6 * 255)},{round(0.35 * 255)}"
    hatch = {o.get("name"): o.get("value") for o in layers[1].find("Option")}
    assert hatch["style"] == "f_diagonal"
    assert hatch["color"] == f"{round(0.2 * 255)},{round(0.55 * 255)},{round(0.2 * 255)},255"


def test_bad_style_is_refused_before_writing(tmp_path):
    before = sorted(tmp_path.iterdir())
    with pytest.raises(OptionError, match="style='three-colour'"):
        write_layer(_landuse(), tmp_path / "a.gpkg", style="three-colour")
    assert sorted(tmp_path.iterdir()) == before


def test_a_style_that_cannot_be_made_never_breaks_the_write(tmp_path, monkeypatch):
    from xigeo import _gpkg_styles

    def broken(gdf, style="auto"):
        raise RuntimeError("no palette")

    monkeypatch.setattr(_gpkg_styles, "style_for", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = write_layer(_landuse(), tmp_path / "a.gpkg")
    assert len(read_layer(path)) == 6 and "layer_styles" not in _tables(path)
    messages = [str(w.message) for w in caught if issubclass(w.category, XigeoWarning)]
    assert len(messages) == 1 and "没有 QGIS 样式" in messages[0] and "no palette" in messages[0]
    assert "a.gpkg" in messages[0] and "'a'" in messages[0]
    assert "\n" not in messages[0]


def test_check_farmland_output_is_styled(tmp_path):
    out = tmp_path / "叠加.gpkg"
    result = CliRunner().invoke(cli, ["check-farmland", str(sample.path("prereview")),
                                      str(sample.path("jbnt")), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r[0]: r for r in _rows(out)}
    assert set(rows) == {"pieces", "by_parcel"} and all(r[3] == 1 for r in rows.values())
    pieces = _qml(rows["pieces"][4])
    # categorised on an expression of the sliver flag (a GeoPackage boolean reads as 0/1 or bool)
    assert pieces.find("renderer-v2").get("attr") == "CASE WHEN \"sliver\" THEN '碎片' ELSE '压占' END"
    cats = _categories(pieces)
    # the overlap kind's fill (0.55, 0.0, 0.65, 0.85); slivers the pre-review map's yellow
    assert cats[0] == ("压占", "压占永久基本农田",
                       f"{round(0.55 * 255)},0,{round(0.65 * 255)},{round(0.85 * 255)}")
    assert cats[1][:2] == ("碎片", "细碎重叠（不超过容差）")
    verdicts = _categories(_qml(rows["by_parcel"][4]))
    assert [(v, lab) for v, lab, _ in verdicts] == [("clear", "不占用"), ("slivers only", "仅碎片"),
                                                   ("touches", "占用")]
    # the values are the ones the layer holds
    held = set(read_layer(out, layer="by_parcel")["verdict"])
    assert held <= {v for v, _, _ in verdicts}


def test_change_increment_is_styled(tmp_path):
    before = read_layer(sample.path("dltb"))
    after = read_layer(sample.path("dltb_2025"))
    r = xigeo.survey_changes(before, after)
    path = r.write_increment(tmp_path / "变更.gpkg")
    rows = {row[0]: row for row in _rows(path)}
    assert set(rows) == {"pieces", "added", "removed"}
    pieces = _qml(rows["pieces"][4])
    assert pieces.find("renderer-v2").get("attr") == "after_DLBM"
    codes = sorted(set(r.pieces["after_DLBM"].dropna().astype(str).str.strip()) - {""})
    cats = _categories(pieces)
    assert [c[0] for c in cats] == codes
    src = pd.read_csv(SOURCE, comment="#", dtype={"code": str}).set_index("code")
    for code, _, colour in cats:
        key = code if code in src.index else code[:4]
        if key in src.index:  # every code the source gives has its colour
            assert colour == _source_rgba(key), code
    for name in ("added", "removed"):
        assert _qml(rows[name][4]).find("renderer-v2").get("attr") == "DLBM"


def test_qc_styles_come_from_the_shared_writer(tmp_path):
    from xigeo import _gpkg_styles, _qc_output

    qml = _qc_output.qml("polygon")
    cats = _categories(_qml(qml))
    # 错误 red, 警告 orange: the fill is the outline colour at alpha 90
    assert cats == [("错误", "错误", "227,26,28,90"), ("警告", "警告", "255,140,0,90")]
    # read_styles: the rows as written, and an empty table for a file without styles
    path = write_layer(_landuse(), tmp_path / "a.gpkg", layer="DLTB")
    table = _gpkg_styles.read_styles(path)
    assert table["f_table_name"].tolist() == ["DLTB"] and table["useAsDefault"].tolist() == [1]
    plain = write_layer(_landuse(), tmp_path / "b.gpkg", style=None)
    assert _gpkg_styles.read_styles(plain).empty
