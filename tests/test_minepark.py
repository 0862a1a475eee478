"""Tests of xigeo.minepark and the ``xigeo minepark`` command.

Hand-made case: the "kinked ramp" DEM of test_terrain (flat up to column 9's
centre, then rising at 30° eastwards; 10 m cells), a park box, two pits and
a restoration zone covering half of the steep pit. Expected numbers are
worked from the DEM's formula and xigeo.area's ellipsoidal areas.

Sample case: the figures of sample_shapefiles/README.md ("Pugongshan mine
park"): park 2.28 km², 9 pits, restoration zone 0.251 km², phase-1
investment 1,976.7 万元, a hill rising ~100 m (≈35 → 138 m) with quarry faces
steeper than 25° along the pit rims; the three pits with ZLZT 一期治理 lie in
the restoration zone.
"""

import dataclasses
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from click.testing import CliRunner

from xigeo import sample, using_language
from xigeo.area import area
from xigeo.cli.minepark import minepark_command
from xigeo.errors import CRSError, LayerWriteError, OptionError, SchemaError, ValidationError
from xigeo.minepark import MineparkResult, MineparkSummary, minepark_summary
from xigeo.terrain import Raster
from xigeo._excel import read_table

X0, Y0 = 38_570_000.0, 3_575_000.0
T30 = math.tan(math.radians(30))
CELL = 10.0


def ramp(rows=6, cols=20):
    xs = (np.arange(cols) + 0.5) * CELL
    z = 20.0 + np.where(np.arange(cols) <= 9, 0.0, (xs - xs[9]) * T30)
    return Raster(np.tile(z, (rows, 1)), Affine(CELL, 0, X0, 0, -CELL, Y0 + rows * CELL), 4526)


def layer(rows, crs=4526):
    fields = {k: [r[k] for r in rows] for k in rows[0] if k != "g"}
    return gpd.GeoDataFrame(fields, geometry=[shapely.box(*(v + o for v, o in zip(r["g"], (X0, Y0, X0, Y0))))
                                              for r in rows], crs=crs)


@pytest.fixture
def case():
    park = layer([{"GYMC": "公园", "g": (0, 0, 200, 60)}])
    # KS01 over columns 11–14 (all 30°), KS02 over columns 2–5 (flat)
    pits = layer([{"KSBH": "KS01", "KSMC": "一号坑", "g": (110, 10, 150, 50)},
                  {"KSBH": "KS02", "KSMC": "二号坑", "g": (20, 10, 60, 50)}])
    # the zone covers the northern half of KS01 and none of KS02
    restoration = layer([{"XMMC": "一期", "TZJE": 100.0, "g": (100, 30, 160, 60)}])
    return park, pits, restoration


def test_hand_made_park(case):
    park, pits, restoration = case
    summary = minepark_summary(park, pits, restoration, dem=ramp(), keep=["KSMC"])
    table = summary.pits
    assert table.index.tolist() == ["KS01", "KS02"] and table.index.name == "KSBH"
    assert table["KSMC"].tolist() == ["一号坑", "二号坑"]
    pit_ha = area(pits, unit="ha").to_numpy()
    np.testing.assert_allclose(table["area_ha"], pit_ha)
    # elevations: KS01 covers columns 11–14, z = 20 + (x − x9)·tan30 with x − x9 = 20…50 m
    ks1 = table.loc["KS01"]
    assert ks1["elev_min_m"] == pytest.approx(20 + 20 * T30)
    assert ks1["elev_max_m"] == pytest.approx(20 + 50 * T30)
    assert ks1["relief_m"] == pytest.approx(30 * T30)
    assert ks1["elev_mean_m"] == pytest.approx(20 + 35 * T30)
    assert ks1["slope_mean_deg"] == pytest.approx(30.0) and ks1["slope_max_deg"] == pytest.approx(30.0)
    # all of KS01 is steeper than 25°: half of it in the zone, half outside
    assert ks1["grade5_area_ha"] == pytest.approx(pit_ha[0], rel=1e-9)
    assert ks1["steep_area_ha"] == pytest.approx(pit_ha[0], rel=1e-9)
    half_in = area(gpd.GeoSeries([shapely.box(X0 + 110, Y0 + 30, X0 + 150, Y0 + 50)], crs=4526), unit="ha").iloc[0]
    assert ks1["restoration_area_ha"] == pytest.approx(half_in)
    assert ks1["steep_in_restoration_area_ha"] == pytest.approx(half_in, rel=1e-9)
    assert ks1["steep_outside_restoration_area_ha"] == pytest.approx(pit_ha[0] - half_in, rel=1e-6)
    assert ks1["restoration_share_pct"] == pytest.approx(half_in / pit_ha[0] * 100)  # ≈ 50 % (areas to 0.01 m²)
    # KS02 is flat, outside the zone
    ks2 = table.loc["KS02"]
    assert ks2["relief_m"] == 0.0 and ks2["slope_max_deg"] == 0.0
    assert ks2["grade1_area_ha"] == pytest.approx(pit_ha[1], rel=1e-9)
    assert ks2["steep_area_ha"] == 0.0 and ks2["restoration_area_ha"] == 0.0
    # park totals
    assert isinstance(summary, MineparkResult) and isinstance(summary.figures, MineparkSummary)
    assert summary.park_area_km2 == pytest.approx(area(park, unit="km2").iloc[0])
    assert summary.restoration_area_km2 == pytest.approx(area(restoration, unit="km2").iloc[0])
    assert summary.investment_wan_yuan == 100.0
    assert summary.pit_count == 2 and summary.pits_in_restoration == 0  # KS01 is only half in it
    assert summary.park_elev_min_m == 20.0
    assert summary.park_elev_max_m == pytest.approx(20 + 100 * T30)  # column 19: x − x9 = 100 m
    assert summary.pit_relief_m == pytest.approx(50 * T30)  # 20 m (KS02) → 20 + 50·tan30 (KS01)
    assert summary.steep_area_ha == pytest.approx(pit_ha[0], rel=1e-9)
    assert summary.steep_outside_restoration_area_ha == pytest.approx(pit_ha[0] - half_in, rel=1e-6)


def test_total_row_and_chinese_labels(case):
    park, pits, restoration = case
    summary = minepark_summary(park, pits, restoration, dem=ramp())
    table = summary.table("pits", total=True)
    total = table.loc["合计"]
    assert total["area_ha"] == pytest.approx(table["area_ha"].iloc[:2].sum())
    assert total["steep_area_ha"] == pytest.approx(table["steep_area_ha"].iloc[:2].sum())
    assert total["elev_min_m"] == 20.0 and total["relief_m"] == pytest.approx(summary.pit_relief_m)
    assert total["slope_max_deg"] == pytest.approx(30.0)
    assert total["slope_mean_deg"] == pytest.approx(15.0)  # two pits of equal area, 30° and 0°
    zh = summary.table("pits", labels="zh")
    assert {"面积(公顷)", "高差(米)", "最大坡度(度)", "坡度>25°待治理面积(公顷)", "其中治理区外(公顷)"} <= set(zh.columns)
    series = summary.figures.to_series(labels="zh")
    assert series["矿山公园面积(平方公里)"] == summary.park_area_km2
    assert series["矿坑个数"] == 2
    totals = summary.table("totals", labels="zh")["数值"]
    assert totals["矿山公园面积(平方公里)"] == summary.park_area_km2
    assert totals["矿坑个数"] == 2


def test_layers_in_different_crs_are_refused(case):
    park, pits, restoration = case
    shifted = pits.set_geometry(pits.geometry.translate(-38_000_000, 0)).set_crs(4547, allow_override=True)
    with pytest.raises(CRSError, match=r"park 是 EPSG:4526.*pits 是 EPSG:4547"):
        minepark_summary(park, shifted, restoration, dem=ramp())


def test_dem_in_another_crs_names_both(case):
    park, pits, restoration = case
    other = [g.set_geometry(g.geometry.translate(-38_000_000, 0)).set_crs(4547, allow_override=True)
             for g in (park, pits, restoration)]
    with pytest.raises(CRSError, match=r"park 是 .*EPSG:4547.*DEM.*EPSG:4526"):
        minepark_summary(*other, dem=ramp())


def test_pit_ids_must_be_present_and_unique(case):
    park, pits, restoration = case
    with pytest.raises(SchemaError, match="KSBH"):
        minepark_summary(park, pits.drop(columns="KSBH"), restoration, dem=ramp())
    pits.loc[1, "KSBH"] = "KS01"
    with pytest.raises(ValidationError, match=r"pits：编号重复：KS01"):
        minepark_summary(park, pits, restoration, dem=ramp())
    pits.loc[1, "KSBH"] = None
    with pytest.raises(ValidationError, match=r"pits：1 行没有编号（缺少 KSBH），位置：1。解决：.*KSBH"):
        minepark_summary(park, pits, restoration, dem=ramp())
    with pytest.raises(SchemaError, match="ZLZT"):
        minepark_summary(park, pits.assign(KSBH=["A", "B"]), restoration, dem=ramp(), keep=["ZLZT"])


# --------------------------------------------------------------------------------------
# the sample data set (figures of sample_shapefiles/README.md)
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pugongshan():
    pits = sample.load("minepark_pits")
    summary = minepark_summary(sample.load("minepark"), pits, sample.load("minepark_restoration"),
                               dem=sample.path("minepark_dem"), keep=["ZLZT"])
    return pits, summary.table("pits", total=True), summary


def test_sample_park_figures(pugongshan):
    pits, table, summary = pugongshan
    assert round(summary.park_area_km2, 2) == 2.28
    assert summary.pit_count == 9
    assert round(summary.restoration_area_km2, 3) == 0.251
    assert summary.investment_wan_yuan == pytest.approx(1976.7)
    # the three pits of 一期治理 are the ones in the restoration zone
    in_zone = table.index[:-1][table["restoration_share_pct"].iloc[:-1] > 50].tolist()
    assert in_zone == pits.loc[pits["ZLZT"] == "一期治理", "KSBH"].tolist()
    assert summary.pits_in_restoration == 3
    # a hill rising ~100 m above the plain, ≈35 → 138 m
    assert 34 < summary.park_elev_min_m < 40 and 135 < summary.park_elev_max_m < 139
    assert summary.park_relief_m == pytest.approx(100, abs=10)
    # quarry faces steeper than 25° (up to ~80°) along every pit's rim
    assert (table["slope_max_deg"].iloc[:-1] > 25).all()
    assert summary.pit_slope_max_deg < 85
    assert (table["steep_area_ha"].iloc[:-1] > 0).all()


def test_sample_areas_add_up(pugongshan):
    pits, table, summary = pugongshan
    body = table.iloc[:-1]
    # pit areas: the MJ field (ha, 4 decimals) is the ellipsoidal area of each pit
    np.testing.assert_allclose(body["area_ha"], pits.set_index("KSBH")["MJ"], atol=5e-5)
    grades = body[[f"grade{k}_area_ha" for k in range(1, 6)]].sum(axis=1)
    np.testing.assert_allclose(grades, body["area_ha"], rtol=1e-9)
    assert (body["nodata_area_ha"] == 0).all()
    np.testing.assert_allclose(body["steep_in_restoration_area_ha"] + body["steep_outside_restoration_area_ha"],
                               body["steep_area_ha"], rtol=1e-6)
    # pits outside the zone have all their steep area still untreated
    outside = body["restoration_share_pct"] == 0
    np.testing.assert_allclose(body.loc[outside, "steep_outside_restoration_area_ha"],
                               body.loc[outside, "steep_area_ha"])
    assert summary.steep_area_ha == pytest.approx(table.loc["合计", "steep_area_ha"])
    assert summary.steep_in_restoration_area_ha + summary.steep_outside_restoration_area_ha == pytest.approx(
        summary.steep_area_ha, rel=1e-6)


# --------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------

def sample_args():
    return [str(sample.path(n)) for n in ("minepark", "minepark_pits", "minepark_restoration")] + [
        "--dem", str(sample.path("minepark_dem"))]


def test_cli_on_the_sample(tmp_path):
    out = tmp_path / "矿山公园.csv"
    result = CliRunner().invoke(minepark_command, [*sample_args(), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for ksbh in [f"KS{k:02d}" for k in range(1, 10)]:
        assert ksbh in result.output
    assert "合计" in result.output and "濮公山1号采石坑" in result.output
    assert "park_area_km2" in result.output and "2.2800" in result.output
    written = pd.read_csv(out, index_col=0, encoding="utf-8-sig")
    assert len(written) == 10 and written.loc["合计", "area_ha"] == pytest.approx(34.29, abs=0.01)


def test_cli_xlsx_with_chinese_labels(tmp_path):
    out = tmp_path / "矿山公园.xlsx"
    result = CliRunner().invoke(minepark_command, [*sample_args(), "--labels", "zh", "--no-total", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "矿山公园面积(平方公里)" in result.output
    sheets = read_table(out, sheet_name=None, index_col=0)
    assert set(sheets) == {"摘要", "关停矿坑地形与治理表", "矿山公园主要指标"}
    assert len(sheets["关停矿坑地形与治理表"]) == 9
    assert sheets["矿山公园主要指标"].loc["矿坑个数"].iloc[0] == 9


def test_cli_requires_the_layers_and_the_dem():
    runner = CliRunner()
    assert runner.invoke(minepark_command, []).exit_code == 2
    result = runner.invoke(minepark_command, sample_args()[:3])
    assert result.exit_code == 2 and "--dem" in result.output


def test_cli_refuses_an_existing_output(tmp_path):
    runner = CliRunner()
    for name in ("矿山公园.csv", "矿山公园.xlsx"):
        out = tmp_path / name
        out.write_bytes(b"old")
        result = runner.invoke(minepark_command, [*sample_args(), "-o", str(out)])
        assert result.exit_code == 1 and isinstance(result.exception, LayerWriteError)
        assert "已存在" in str(result.exception) and out.read_bytes() == b"old"
        result = runner.invoke(minepark_command, [*sample_args(), "-o", str(out), "--overwrite"],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert out.read_bytes() != b"old"
    written = pd.read_csv(tmp_path / "矿山公园.csv", index_col=0, encoding="utf-8-sig")
    assert written.loc["合计", "area_ha"] == pytest.approx(34.29, abs=0.01)
    # with the default --total the workbook is the result's own (to_excel): 10 pit rows
    # a workbook is Chinese (no --labels given)
    sheets = read_table(tmp_path / "矿山公园.xlsx", sheet_name=None, index_col=0)
    assert set(sheets) == {"摘要", "关停矿坑地形与治理表", "矿山公园主要指标"}
    assert len(sheets["关停矿坑地形与治理表"]) == 10
    assert sheets["矿山公园主要指标"].loc["矿坑个数"].iloc[0] == 9


def test_method_and_ids_from_the_index(case):
    park, pits, restoration = case
    by_index = minepark_summary(park, pits.set_index("KSBH"), restoration, dem=ramp(), id_field=None)
    assert by_index.pits.index.tolist() == ["KS01", "KS02"]
    planar = minepark_summary(park, pits, restoration, dem=ramp(), method="planar")
    # 40 m × 40 m pits on the plane; the survey area at 70 km from the meridian is a little smaller
    assert planar.method == "planar"
    assert planar.pits["area_ha"].tolist() == pytest.approx([0.16, 0.16], rel=1e-12)
    assert (by_index.pits["area_ha"] < planar.pits["area_ha"]).all()
    assert planar.park_area_km2 == pytest.approx(200 * 60 / 1e6, rel=1e-12)
    grades = planar.pits[[f"grade{k}_area_ha" for k in range(1, 6)]].sum(axis=1)
    np.testing.assert_allclose(grades, planar.pits["area_ha"], rtol=1e-9)
    with pytest.raises(OptionError, match="method='flat'"):
        minepark_summary(park, pits, restoration, dem=ramp(), method="flat")


def test_minepark_uses_no_private_name_of_another_module():
    import ast
    import inspect

    import xigeo.minepark as module

    tree = ast.parse(inspect.getsource(module))
    private = [(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for alias in node.names if alias.name.startswith("_")]
    assert private == []


# --------------------------------------------------------------------------------------
# the result contract
# --------------------------------------------------------------------------------------

def test_result_contract_on_the_sample(pugongshan, tmp_path):
    from xigeo.headline import PUBLISHED

    pits, _, result = pugongshan
    assert result.tables() == ("pits", "totals")
    assert not hasattr(result, "passed") and result.method == "ellipsoidal"
    # the published figures: 9 pits closed, a park of 2.28 km² (DOMAIN.md)
    assert PUBLISHED[("濮公山矿山公园", "关停采矿企业")].published == 9
    assert PUBLISHED[("濮公山矿山公园", "公园面积")].published == 2.28
    assert result.pit_count == 9 and round(result.park_area_km2, 2) == 2.28
    zh, en = result.summary("zh"), result.summary("en")
    assert "矿山公园面积2.28平方公里" in zh and "关停矿坑9个" in zh and "治理投资1,976.7万元" in zh
    assert "Mine park of 2.28 km²" in en and "9 closed pits" in en
    # the figures as a table: index the field name, column value, counts whole numbers
    totals = result.totals
    assert totals.columns.tolist() == ["value"]
    assert totals.index.tolist() == [f.name for f in dataclasses.fields(MineparkSummary)]
    assert totals.loc["pit_count", "value"] == 9 and isinstance(totals.loc["pit_count", "value"], int)
    assert totals.loc["park_area_km2", "value"] == result.park_area_km2
    totals_zh = result.table("totals", labels="zh")
    assert totals_zh.index.name == "指标" and totals_zh.columns.tolist() == ["数值"]
    assert totals_zh.loc["矿坑个数", "数值"] == 9
    assert totals_zh.loc["治理投资(万元)", "数值"] == pytest.approx(1976.7)
    # the pit table: today's total=True, labels="zh"
    pits_zh = result.table("pits", labels="zh", total=True)
    assert pits_zh.index.name == "矿坑编号" and pits_zh.index[-1] == "合计" and len(pits_zh) == 10
    assert pits_zh.loc["合计", "面积(公顷)"] == pytest.approx(34.29, abs=0.01)
    assert pits_zh.loc["合计", "高差(米)"] == pytest.approx(result.pit_relief_m)
    assert pits_zh.loc["合计", "坡度>25°待治理面积(公顷)"] == round(result.steep_area_ha, 2)  # printed
    html = result._repr_html_()
    assert "矿山公园地质环境治理" in html and "关停矿坑9个" in html
    book = tmp_path / "矿山公园.xlsx"
    result.to_excel(book)
    sheets = read_table(book, sheet_name=None, index_col=0)
    assert list(sheets) == ["摘要", "关停矿坑地形与治理表", "矿山公园主要指标"]
    pd.testing.assert_frame_equal(sheets["关停矿坑地形与治理表"], pits_zh, check_dtype=False)
    pd.testing.assert_frame_equal(sheets["矿山公园主要指标"], totals_zh, check_dtype=False)
    before = book.read_bytes()
    with pytest.raises(LayerWriteError, match="已存在"):
        result.to_excel(book)
    assert book.read_bytes() == before


def test_investment_that_is_not_a_number_is_refused(case):
    """TZJE "约100" was left out of the investment sum (None); now refused with the row,
    and a layer whose TZJE are all empty reports no investment (None), not 0 万元."""
    from xigeo.errors import ValidationError

    park, pits, restoration = case
    two = pd.concat([restoration, restoration.assign(XMMC="二期", TZJE="约100")], ignore_index=True)
    with pytest.raises(ValidationError, match="TZJE 不是数字"):
        minepark_summary(park, pits, two, dem=ramp())
    both = pd.concat([restoration, restoration.assign(XMMC="二期", TZJE="50.5")], ignore_index=True)
    assert minepark_summary(park, pits, both, dem=ramp()).figures.investment_wan_yuan == 150.5
    empty = restoration.assign(TZJE=[None])
    assert minepark_summary(park, pits, empty, dem=ramp()).figures.investment_wan_yuan is None
