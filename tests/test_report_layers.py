"""The 三调 database's standard layer names in a report's DATA (xigeo/report/layers.py).

DLTB, YJJBNTTB/JBNT, XZQ and CJDCQ (any case, or the Chinese names) are found in a folder,
a GeoPackage or a FileGDB without a mapping file and read as xigeo's dltb, jbnt,
survey_townships and villages; two candidates for one layer are refused naming both and
the fix. The files are small layers written here (copies of the sample's).
"""

from __future__ import annotations

import shutil
import warnings

import pyogrio
import pytest

from xigeo import sample, using_language
from xigeo.cli import main
from xigeo.errors import LayerReadError, cli_interface
from xigeo.io import read_layer, write_layer
from xigeo.report import resolve_layers
from xigeo.report.layers import STANDARD_NAMES


def _copy_shapefile(name, folder, stem):
    src = sample.path(name)
    for part in src.parent.glob(f"{src.stem}.*"):
        shutil.copy(part, folder / f"{stem}{part.suffix}")
    return folder / f"{stem}.shp"


@pytest.mark.parametrize("names", [
    {"dltb": "DLTB", "jbnt": "YJJBNTTB", "survey_townships": "XZQ", "villages": "CJDCQ"},
    {"dltb": "dltb", "jbnt": "jbnt", "survey_townships": "xzq", "villages": "cjdcq"},
    {"dltb": "Dltb", "jbnt": "JBNTBHTB", "survey_townships": "行政区", "villages": "村级调查区"},
])
def test_standard_shapefiles_in_a_folder(tmp_path, names):
    for ours, theirs in names.items():
        _copy_shapefile(ours, tmp_path, theirs)
    _copy_shapefile("county", tmp_path, "XZQJX")  # a standard layer xigeo does not use
    before = sorted(p.name for p in tmp_path.iterdir())
    found = resolve_layers(tmp_path)
    assert {n: p.name for n, (p, _, _) in found.items()} == {n: f"{s}.shp" for n, s in names.items()}
    # read as the sample layer it is a copy of
    assert len(read_layer(found["dltb"][0])) == len(read_layer(sample.path("dltb")))
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_standard_layers_in_a_geopackage_and_a_filegdb(tmp_path):
    gpkg = tmp_path / "三调.gpkg"
    for ours, theirs in (("dltb", "DLTB"), ("jbnt", "yjjbnttb"), ("villages", "CJDCQ")):
        write_layer(read_layer(sample.path(ours)), gpkg, layer=theirs)
    found = resolve_layers(gpkg)
    assert {n: layer for n, (_, layer, _) in found.items()} == {
        "dltb": "DLTB", "jbnt": "yjjbnttb", "villages": "CJDCQ"}
    gdb = tmp_path / "三调.gdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL: Integer64 fields as Float64 in a FileGDB
        for ours, theirs in (("dltb", "DLTB"), ("survey_townships", "XZQ")):
            pyogrio.write_dataframe(read_layer(sample.path(ours)), gdb, layer=theirs,
                                    driver="OpenFileGDB", promote_to_multi=True)
    found = resolve_layers(gdb)
    assert {n: (p, layer) for n, (p, layer, _) in found.items()} == {
        "dltb": (gdb, "DLTB"), "survey_townships": (gdb, "XZQ")}
    assert len(read_layer(gdb, layer="XZQ")) == len(read_layer(sample.path("survey_townships")))


def test_two_candidates_are_refused_with_both_names_and_the_fix(tmp_path):
    _copy_shapefile("jbnt", tmp_path, "JBNT")
    _copy_shapefile("jbnt", tmp_path, "YJJBNTTB")
    _copy_shapefile("dltb", tmp_path, "DLTB")
    with pytest.raises(LayerReadError, match="有 2 个图层都可能是 'jbnt'：JBNT.shp, YJJBNTTB.shp") as info:
        resolve_layers(tmp_path)
    assert 'mapping={"layers": {"jbnt": "JBNT.shp"}}' in str(info.value)
    with cli_interface(), pytest.raises(LayerReadError) as info:
        resolve_layers(tmp_path)
    assert '--mapping 图层对照.json，内容为 {"layers": {"jbnt": "JBNT.shp"}}' in str(info.value)
    with using_language("en"), pytest.raises(LayerReadError,
                                             match="2 layers could be 'jbnt': JBNT.shp, YJJBNTTB.shp"):
        resolve_layers(tmp_path)
    with using_language("en"), cli_interface(), pytest.raises(LayerReadError) as info:
        resolve_layers(tmp_path)
    assert '--mapping 图层对照.json with {"layers": {"jbnt": "JBNT.shp"}}' in str(info.value)
    # a mapping naming the layer settles it
    found = resolve_layers(tmp_path, mapping={"layers": {"jbnt": "YJJBNTTB.shp"}})
    assert found["jbnt"][0].name == "YJJBNTTB.shp"


def test_two_layers_of_a_geopackage_are_refused(tmp_path):
    gpkg = tmp_path / "data.gpkg"
    layer = read_layer(sample.path("dltb")).head(3)
    write_layer(layer, gpkg, layer="DLTB")
    write_layer(layer, gpkg, layer="地类图斑")
    with pytest.raises(LayerReadError, match="都可能是 'dltb'：DLTB, 地类图斑"):
        resolve_layers(gpkg)


def test_cli_report_refuses_the_ambiguous_folder_naming_mapping(tmp_path, capsys):
    _copy_shapefile("dltb", tmp_path, "DLTB")
    _copy_shapefile("dltb", tmp_path, "dltb_copy")  # not a candidate: another name
    shutil.copy(sample.path("dltb").with_suffix(".shp"), tmp_path / "x.txt")  # not a layer suffix
    write_layer(read_layer(sample.path("dltb")).head(2), tmp_path / "dltb.gpkg")
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "报告.pdf"
    assert main(["report", str(tmp_path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "DLTB.shp, dltb.gpkg" in err and "--mapping" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_standard_names_are_xigeo_layers():
    assert set(STANDARD_NAMES) <= set(sample.available)
