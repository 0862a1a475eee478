"""Tests of xigeo.consolidation (土地综合整治) and the ``xigeo consolidation`` command.

Hand-made projects are axis-parallel Gauss–Krüger rectangles (EPSG:4526). Their
expected ellipsoidal areas are computed independently of xigeo.area: the ring
densified to 1 m in the GK plane, taken to CGCS2000 lon/lat with pyproj, and
measured with pyproj.Geod (Karney) on the CGCS2000 ellipsoid; the survey method
differs from that by its rounding and ≤ 70 m trapezoid edges only, far below
the 0.1 m² (1e-5 ha) allowed (see tests/test_linkage.py). Rates and per-ha
figures are worked from the declared attributes by hand.

The sample test reproduces the seed (DOMAIN.md "The seed's figures",
sample_shapefiles/README.md "Consolidation"): 25 projects, 22,374.70 ha,
2,847.31 ha new farmland, 7.29 亿元.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import xigeo
from xigeo import sample
from xigeo._text import YES_NO
from xigeo.cli import main
from xigeo.cli.consolidation import consolidation_command
from xigeo.consolidation import ConsolidationResult, consolidation_summary
from xigeo.errors import CRSError, LayerWriteError, OptionError, SchemaError, ValidationError
from xigeo._excel import read_table
from geo_reference import ha, rect

TOL_HA = 1e-5


P1, P2, P3 = (0, 0, 400, 250), (1000, 0, 1200, 100), (2000, 0, 2500, 200)   # 10, 2, 10 ha


def projects():
    scale = [round(ha(P1), 2), round(ha(P2), 2) + 0.05, round(ha(P3), 2)]   # P2 declared 0.05 ha too big
    return gpd.GeoDataFrame(
        {"XMBH": ["TD01", "TD02", "TD03"], "XMMC": ["甲整治", "乙整治", "丙整治"],
         "XZQMC": ["夏庄镇", "夏庄镇", "包信镇"], "JSGM": scale,
         "XZGDMJ": [1.20, 0.10, 0.85], "TZJE": [300.0, 50.0, 410.0]},
        geometry=[rect(*P1), rect(*P2), rect(*P3)], crs=4526)


def test_per_project_figures():
    gdf = projects()
    result = consolidation_summary(gdf)
    assert isinstance(result, ConsolidationResult) and result.tables() == ("projects",)
    t = result.projects
    assert t.index.name == "XMBH" and list(t.index) == ["TD01", "TD02", "TD03"]
    assert t.at["TD01", "XMMC"] == "甲整治"
    np.testing.assert_allclose(t["scale_ha"], gdf["JSGM"])                  # declared
    np.testing.assert_allclose(t["scale_measured_ha"], [ha(P1), ha(P2), ha(P3)], atol=TOL_HA)
    # JSGM of TD02 is 0.05 ha above the polygon's area: flagged; the others are within 0.005 ha
    assert t["scale_mismatch"].tolist() == [False, True, False]
    assert t.at["TD02", "scale_diff_ha"] == pytest.approx(round(ha(P2), 2) + 0.05 - ha(P2), abs=TOL_HA)
    # rate = new ÷ declared scale × 100; per ha = investment ÷ declared scale
    for pid, new, inv in (("TD01", 1.20, 300.0), ("TD02", 0.10, 50.0), ("TD03", 0.85, 410.0)):
        scale = gdf.set_index("XMBH").at[pid, "JSGM"]
        assert t.at[pid, "new_farmland_rate_pct"] == pytest.approx(new / scale * 100)
        assert t.at[pid, "investment_wan_yuan_per_ha"] == pytest.approx(inv / scale)
    assert "measured" not in " ".join(c for c in t.columns if c.startswith("new_farmland"))


def test_total_row_recomputes_ratios_and_chinese_labels():
    gdf = projects()
    result = consolidation_summary(gdf)
    assert "合计" not in result.projects.index     # the canonical table has no total row
    t = result.table("projects", total=True)
    total = t.loc["合计"]
    scale = gdf["JSGM"].sum()
    assert total["scale_ha"] == pytest.approx(scale)
    assert total["new_farmland_ha"] == pytest.approx(2.15)
    assert total["investment_wan_yuan"] == pytest.approx(760.0)
    assert total["new_farmland_rate_pct"] == pytest.approx(2.15 / scale * 100)   # not a sum of rates
    assert total["investment_wan_yuan_per_ha"] == pytest.approx(760.0 / scale)
    zh = result.table("projects", total=True, labels="zh")
    assert {"建设规模(公顷)", "新增耕地面积(公顷)", "新增耕地率(%)", "投资(万元)"} <= set(zh.columns)
    assert zh.at["合计", "投资(万元)"] == pytest.approx(760.0)
    assert zh.index.name == "项目编号" and zh.at["TD01", "项目名称"] == "甲整治"  # XMBH in Chinese
    assert "投资0.08亿元" in result.summary("zh") and "3 projects" in result.summary("en")
    assert "projects" not in result.summary("zh") and "项目" not in result.summary("en")
    with pytest.raises(TypeError):   # total= and labels= left the calculator
        consolidation_summary(gdf, total=True)


def test_grouped_by_field_and_by_township_layer():
    gdf = projects()
    g = consolidation_summary(gdf, by="XZQMC").table("projects", total=True)
    assert list(g.index) == ["夏庄镇", "包信镇", "合计"]
    assert g.at["夏庄镇", "projects"] == 2 and g.at["合计", "projects"] == 3
    assert g.at["夏庄镇", "scale_mismatches"] == 1
    s = gdf["JSGM"].iloc[0] + gdf["JSGM"].iloc[1]
    assert g.at["夏庄镇", "scale_ha"] == pytest.approx(s)
    assert g.at["夏庄镇", "new_farmland_rate_pct"] == pytest.approx(1.30 / s * 100)
    # township polygons: the border at x = 1150 m cuts TD02 (3/4 west, 1/4 east); it goes west
    towns = gpd.GeoDataFrame({"XZQMC": ["西镇", "东镇"]},
                             geometry=[rect(-100, -100, 1150, 400), rect(1150, -100, 3000, 400)], crs=4526)
    g = consolidation_summary(gdf.drop(columns="XZQMC"), townships=towns).projects
    assert g.index.name == "XZQMC"
    assert g["projects"].to_dict() == {"西镇": 2, "东镇": 1}
    outside = gdf.assign(geometry=[rect(*P1), rect(*P2), rect(5000, 0, 5100, 100)])
    with pytest.raises(ValidationError, match="第 2 行项目不在 townships 的任何乡镇内"):
        consolidation_summary(outside, townships=towns)
    with xigeo.using_language("en"), pytest.raises(ValidationError,
                                                   match="project row.s. 2 lie in no township"):
        consolidation_summary(outside, townships=towns)


def test_new_farmland_measured_from_before_and_after():
    gdf = projects()
    # P1 (0–400 × 0–250): before, dry land on x < 240 and a pond beyond; after, dry land up to
    # x = 360 and a rural road beyond: 120 m × 250 m of new farmland = ha((240, 0, 360, 250)).
    # P2, P3 lie on farmland both times (no change); a patch outside every project is ignored.
    before = gpd.GeoDataFrame({"DLBM": ["0103", "1104", "0101", "0103"]}, geometry=[
        rect(-50, -50, 240, 300), rect(240, -50, 450, 300), rect(900, -50, 2600, 300),
        rect(9000, 0, 9100, 100)], crs=4526)
    after = gpd.GeoDataFrame({"DLBM": ["0103", "1006", "0101"]}, geometry=[
        rect(-50, -50, 360, 300), rect(360, -50, 450, 300), rect(900, -50, 2600, 300)], crs=4526)
    t = consolidation_summary(gdf, landuse_before=before, landuse_after=after).projects
    assert t.at["TD01", "farmland_before_ha"] == pytest.approx(ha((0, 0, 240, 250)), abs=TOL_HA)
    assert t.at["TD01", "farmland_after_ha"] == pytest.approx(ha((0, 0, 360, 250)), abs=TOL_HA)
    assert t.at["TD01", "new_farmland_measured_ha"] == pytest.approx(ha((240, 0, 360, 250)), abs=2 * TOL_HA)
    assert t.at["TD01", "new_farmland_diff_ha"] == pytest.approx(ha((240, 0, 360, 250)) - 1.20, abs=2 * TOL_HA)
    assert t.at["TD02", "new_farmland_measured_ha"] == pytest.approx(0.0, abs=TOL_HA)
    assert t.at["TD03", "farmland_after_ha"] == pytest.approx(ha(P3), abs=TOL_HA)
    with pytest.raises(OptionError, match="landuse_before 与 landuse_after 要么都给出"):
        consolidation_summary(gdf, landuse_before=before)


def test_bad_values_and_missing_fields():
    gdf = projects()
    with pytest.raises(SchemaError) as info:
        consolidation_summary(gdf.drop(columns=["TZJE", "XZGDMJ"]))
    assert "XZGDMJ, TZJE" in str(info.value)
    # field names are options
    renamed = gdf.rename(columns={"TZJE": "ZTZ", "XMBH": "ID"})
    assert consolidation_summary(renamed, investment_field="ZTZ", id_field="ID").projects.index.name == "ID"
    other = gdf.rename(columns={"JSGM": "GM", "XZGDMJ": "XZ"})
    t = consolidation_summary(other, scale_field="GM", new_farmland_field="XZ").projects
    assert t.at["TD01", "new_farmland_ha"] == pytest.approx(1.20)
    assert t.at["TD01", "scale_ha"] == pytest.approx(other.at[0, "GM"])
    with pytest.raises(ValidationError, match="投资 TZJE 为负，行号：TD02"):
        consolidation_summary(gdf.assign(TZJE=[300.0, -50.0, 410.0]))
    with xigeo.using_language("en"), pytest.raises(
            ValidationError, match="negative investment TZJE in row.s. TD02"):
        consolidation_summary(gdf.assign(TZJE=[300.0, -50.0, 410.0]))
    with pytest.raises(ValidationError, match="新增耕地 XZGDMJ 为负，行号：TD01, TD03"):
        consolidation_summary(gdf.assign(XZGDMJ=[-1.0, 0.1, -0.2]))
    with pytest.raises(ValidationError, match="大于建设规模 JSGM.*TD02"):
        consolidation_summary(gdf.assign(XZGDMJ=[1.0, 50.0, 0.2]))
    with pytest.raises(ValidationError, match="TZJE 不是数字") as err:
        consolidation_summary(gdf.assign(TZJE=["300", "50", "四百"]))
    assert "TD03" in str(err.value)
    with pytest.raises(ValidationError, match="项目编号 XMBH 重复：TD01"):
        consolidation_summary(gdf.assign(XMBH=["TD01", "TD01", "TD03"]))
    with pytest.raises(CRSError):
        consolidation_summary(gdf.set_crs(4547, allow_override=True))


def test_sample_reproduces_the_seed_figures():
    """DOMAIN.md / sample README: 25 projects; 22,374.70 ha; 2,847.31 ha; 7.29 亿元."""
    result = consolidation_summary(sample.load("consolidation"))
    t = result.table("projects", total=True)
    total = t.loc["合计"]
    assert len(t) - 1 == 25
    assert round(total["scale_ha"], 2) == 22374.70
    assert round(total["scale_measured_ha"], 2) == 22374.70
    assert not t["scale_mismatch"].iloc[:-1].any()     # JSGM = polygon area to 0.01 ha
    assert round(total["new_farmland_ha"], 2) == 2847.31
    assert round(total["investment_wan_yuan"] / 1e4, 2) == 7.29
    assert "投资7.29亿元" in result.summary("zh")
    by_town = consolidation_summary(sample.load("consolidation"), townships=sample.load("townships")).projects
    assert len(by_town) == 18 and by_town["projects"].sum() == 25
    # the spatial join agrees with the XZQMC field
    by_field = consolidation_summary(sample.load("consolidation"), by="XZQMC").projects
    pd.testing.assert_series_equal(by_town["projects"].sort_index(), by_field["projects"].sort_index())


def test_cli(tmp_path):
    path = tmp_path / "土地整治项目.shp"
    xigeo.write_layer(projects(), path)
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(consolidation_command, [str(path), "--by", "XZQMC", "--labels", "zh",
                                                        "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "夏庄镇" in result.output and "合计" in result.output and "新增耕地率(%)" in result.output
    assert "土地整治：项目3个" in result.output
    table = read_table(out, index_col=0)
    assert table.at["合计", "项目个数"] == 3
    result = CliRunner().invoke(consolidation_command, [str(path), "--before", str(path)])
    assert result.exit_code == 2 and "--after" in result.output
    help_text = CliRunner().invoke(consolidation_command, ["--help"]).output
    assert "示例" in help_text and "--overwrite" in help_text and "--method" in help_text


def test_no_private_name_from_linkage():
    """consolidation shares internals through xigeo._survey / _landuse / _layers, not linkage."""
    import inspect

    import xigeo.consolidation

    source = inspect.getsource(xigeo.consolidation)
    assert "from .linkage" not in source and "linkage." not in source


def test_method_and_bad_options():
    gdf = projects()
    planar = consolidation_summary(gdf, method="planar")
    # the plane areas of the GK rectangles, from their sides: 400 × 250, 200 × 100, 500 × 200 m
    np.testing.assert_allclose(planar.projects["scale_measured_ha"], [10.0, 2.0, 10.0], atol=1e-9)
    assert planar.method == "planar"
    assert consolidation_summary(gdf).method == "ellipsoidal"
    geodesic = consolidation_summary(gdf, method="geodesic").projects
    np.testing.assert_allclose(geodesic["scale_measured_ha"], [ha(P1), ha(P2), ha(P3)], atol=TOL_HA)
    for kw, match in ((dict(method="spherical"), "ellipsoidal"),
                      (dict(scale_tolerance_ha=-0.01), "scale_tolerance_ha"),
                      (dict(landuse_after=gdf), "landuse_before 与 landuse_after")):
        with pytest.raises(OptionError, match=match):
            consolidation_summary(None, **kw)     # refused before the layer is looked at


def test_sample_result_contract(tmp_path):
    """The result contract on the sample: 25 projects, 22,374.70 ha, 2,847.31 ha, 7.29 亿元 (README)."""
    result = consolidation_summary(sample.load("consolidation"))
    zh, en = result.summary("zh"), result.summary("en")
    assert "项目25个，建设规模22,374.70公顷，新增耕地2,847.31公顷" in zh and "投资7.29亿元" in zh
    assert "25 projects, scale 22,374.70 ha, new farmland 2,847.31 ha (12.73 %)" in en
    assert result.tables() == ("projects",)
    table = result.table("projects", labels="zh")
    assert len(table) == 25 and "新增耕地率(%)" in table.columns
    total = result.table("projects", labels="zh", total=True).loc["合计"]
    assert round(total["建设规模(公顷)"], 2) == 22374.70
    assert round(total["新增耕地率(%)"], 2) == 12.73      # 2,847.31 / 22,374.70, not a sum of rates
    html = result._repr_html_()
    assert "土地综合整治" in html and "22,374.70" in html and "<table" in html
    path = tmp_path / "土地整治.xlsx"
    result.to_excel(path)
    book = read_table(path, sheet_name=None, index_col=0)
    assert list(book) == ["摘要", "土地综合整治"]
    assert "投资7.29亿元" in book["摘要"].to_string()
    expected = result.table("projects", labels="zh", total=True)
    # the workbook writes booleans as 是/否 (also in a column a total row made object)
    expected = expected.apply(lambda c: c.map(lambda v: YES_NO[bool(v)] if isinstance(v, bool) else v))
    got = book["土地综合整治"]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_index_type=False)
    before = path.read_bytes()
    with pytest.raises(LayerWriteError, match="已存在"):
        result.to_excel(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_cli_refuses_an_existing_output_unless_overwrite(tmp_path, capsys, suffix):
    path = tmp_path / "土地整治项目.shp"
    xigeo.write_layer(projects(), path)
    out = tmp_path / f"整治{suffix}"
    out.write_bytes(b"an earlier table")
    # refused before anything is read: even a missing input is not looked at
    assert main(["consolidation", str(tmp_path / "missing.shp"), "-o", str(out)]) == 1
    assert "已存在" in capsys.readouterr().err
    assert main(["consolidation", str(path), "-o", str(out)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"an earlier table"
    assert main(["consolidation", str(path), "--method", "planar", "-o", str(out), "--overwrite"]) == 0
    table = (read_table(out, index_col=0) if suffix == ".xlsx"
             else pd.read_csv(out, index_col=0, encoding="utf-8-sig"))
    column = "椭球面积(公顷)" if suffix == ".xlsx" else "scale_measured_ha"  # a workbook is Chinese first
    assert table.at["合计", column] == pytest.approx(22.0, abs=1e-9)   # planar: 10 + 2 + 10 ha
    assert main(["consolidation", str(path), "-o", str(tmp_path / "t.txt")]) == 1
    assert not (tmp_path / "t.txt").exists()
