"""Tests of xigeo.linkage (城乡建设用地增减挂钩) and the ``xigeo linkage`` command.

Hand-made layers: axis-parallel Gauss–Krüger rectangles (EPSG:4526, ~60 km east
of the central meridian near the county seat). Every expected area is worked
out here independently of xigeo.area: the rectangle's ring is densified to
1 m steps in the GK plane, taken to CGCS2000 longitude/latitude with pyproj and
measured with pyproj.Geod (Karney) on the CGCS2000 ellipsoid. Between points
1 m apart the geodesic and the straight GK line coincide (to ~1e-12 m²), so
this is the area of the GK polygon on the ellipsoid; the survey method
differs from it only by its rounding (coordinates to 0.1 mm, B/L to 1e-6″,
result to 0.01 m²) and by its ≤ 70 m trapezoid edges (d³·tanB/12N ≈ 0.005 m²
per 70 m edge): well under the 0.1 m² (1e-5 ha) the tests allow per figure.

The sample-data test reproduces the seed's figures (DOMAIN.md "The seed's
figures"; sample_shapefiles/README.md "Linkage"): 14 declared, 10 approved,
new-build 395.42 ha, demolition 853.72 ha, construction land already in the
new-build zones 32.47 ha, quota used 362.95 ha, surplus 490.77 ha.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

import xigeo
from xigeo import sample
from xigeo.cli.linkage import linkage_command
from xigeo.errors import CRSError, SchemaError, ValidationError
from xigeo.linkage import LinkageResult, linkage_balance
from geo_reference import ha, rect

TOL_HA = 1e-5  # 0.1 m², see the module docstring


# project A (approved): two demolition zones, one new-build zone over four classes
C1, C2 = (1000, 0, 1300, 100), (1000, 200, 1100, 300)          # 3 ha reclaimed to 0101, 1 ha to 0301
J1 = (0, 0, 200, 100)                                           # 2 ha new build
HIGHWAY, DRY, FOREST, SHOAL = (0, 0, 40, 100), (40, 0, 140, 100), (140, 0, 180, 100), (180, 0, 200, 100)
# project B (declared): a 1 ha demolition zone, a 1.5 ha new-build zone on basic farmland
C3, J2, PADDY = (1000, 500, 1100, 600), (0, 500, 150, 600), (0, 500, 300, 700)


def layers():
    demolition = gpd.GeoDataFrame(
        {"XMMC": ["甲项目", "甲项目", "乙项目"], "PZZT": ["已批准", "已批准", "已申报"],
         "CJQBH": ["A-C1", "A-C2", "B-C1"], "FKDL": ["0101", "0301", "0103"]},
        geometry=[rect(*C1), rect(*C2), rect(*C3)], crs=4526)
    new_build = gpd.GeoDataFrame(
        {"XMMC": ["甲项目", "乙项目"], "PZZT": ["已批准", "已申报"], "JXQBH": ["A-J1", "B-J1"]},
        geometry=[rect(*J1), rect(*J2)], crs=4526)
    landuse = gpd.GeoDataFrame(
        {"DLBM": ["1003", "0103", "0301", "1106", "0101"]},
        geometry=[rect(*r) for r in (HIGHWAY, DRY, FOREST, SHOAL, PADDY)], crs=4526)
    farmland = gpd.GeoDataFrame({"JBNTTBBH": ["1"]}, geometry=[rect(*PADDY)], crs=4526)
    return demolition, new_build, landuse, farmland


def test_balance_per_project_worked_out():
    demolition, new_build, landuse, farmland = layers()
    result = linkage_balance(demolition, new_build, landuse=landuse, farmland=farmland)
    assert isinstance(result, LinkageResult)
    t = result.projects
    assert t.index.name == "XMMC" and list(t.index) == ["甲项目", "乙项目"]
    a, b = t.loc["甲项目"], t.loc["乙项目"]
    expected_a = {
        "demolition_ha": ha(C1, C2), "reclaimed_ha": ha(C1, C2),
        "reclaimed_farmland_ha": ha(C1),            # C2 is reclaimed to forest (FKDL 0301)
        "newbuild_ha": ha(J1), "construction_ha": ha(HIGHWAY),  # 1003 highway: construction land
        "agricultural_ha": ha(DRY, FOREST), "farmland_ha": ha(DRY),
        "unused_ha": ha(SHOAL),                     # 1106 inland shoal: unused land
        "basic_farmland_ha": 0.0,
        "quota_used_ha": ha(J1) - ha(HIGHWAY),
        "surplus_ha": ha(C1, C2) - (ha(J1) - ha(HIGHWAY)),
    }
    for column, value in expected_a.items():
        assert a[column] == pytest.approx(value, abs=TOL_HA), column
    # the split of the new-build zone adds up to the zone
    assert a["construction_ha"] + a["agricultural_ha"] + a["unused_ha"] == pytest.approx(a["newbuild_ha"], abs=TOL_HA)
    assert (a["status"], a["approved"], a["demolition_zones"], a["newbuild_zones"]) == ("已批准", True, 2, 1)
    # B: everything under J2 is paddy (0101) on basic farmland, none of it construction land
    assert b["approved"] == False  # noqa: E712 (numpy bool)
    assert b["newbuild_ha"] == pytest.approx(ha(J2), abs=TOL_HA)
    assert b["farmland_ha"] == pytest.approx(ha(J2), abs=TOL_HA)
    assert b["basic_farmland_ha"] == pytest.approx(ha(J2), abs=TOL_HA)
    assert b["quota_used_ha"] == pytest.approx(ha(J2), abs=TOL_HA)
    assert b["surplus_ha"] == pytest.approx(ha(C3) - ha(J2), abs=TOL_HA)  # 1 − 1.5 ha: negative
    assert t["passed"].tolist() == [True, False]


def test_rule_checks_name_the_failing_zones():
    demolition, new_build, landuse, farmland = layers()
    result = linkage_balance(demolition, new_build, landuse=landuse, farmland=farmland)
    assert not result.passed
    v = result.violations
    assert set(v["project"]) == {"乙项目"}
    assert sorted(v["rule"]) == ["basic_farmland", "demolition_ge_newbuild",
                                 "reclaimed_farmland_ge_occupied"]
    assert (v["zones"] == "B-J1").all()
    assert v.set_index("rule").at["basic_farmland", "rule_zh"] == "建新区不得占用永久基本农田"
    # 1.5 ha on basic farmland = ha(J2) × 1e4 m², written in the detail to 0.01 m²
    detail = v.set_index("rule").at["basic_farmland", "detail"]
    overlap_m2 = float(re.search(r"([\d,]+\.\d\d) m²", detail).group(1).replace(",", ""))
    assert overlap_m2 == pytest.approx(ha(J2) * 1e4, abs=0.1)
    # A reclaims 3 ha of farmland (C1, FKDL 0101) for 1 ha occupied (DRY): passes
    assert "甲项目" not in set(v["project"])


def test_totals_approved_and_declared():
    demolition, new_build, landuse, farmland = layers()
    result = linkage_balance(demolition, new_build, landuse=landuse, farmland=farmland)
    totals = result.totals
    assert list(totals.index) == ["approved", "declared"]
    assert totals.at["approved", "projects"] == 1 and totals.at["declared", "projects"] == 2
    assert totals.at["approved", "newbuild_ha"] == pytest.approx(ha(J1), abs=TOL_HA)
    assert totals.at["declared", "newbuild_ha"] == pytest.approx(ha(J1, J2), abs=TOL_HA)
    assert totals.at["declared", "demolition_ha"] == pytest.approx(ha(C1, C2, C3), abs=TOL_HA)
    assert totals.at["approved", "surplus_ha"] == pytest.approx(
        ha(C1, C2) - ha(J1) + ha(HIGHWAY), abs=TOL_HA)
    assert "申报项目2个，其中批准1个" in result.summary
    assert "2 projects declared, 1 approved" in result.summary
    html = result._repr_html_()
    assert "<table" in html and "乙项目" in html and "basic_farmland" in html


def test_total_rows_and_chinese_labels():
    demolition, new_build, landuse, farmland = layers()
    result = linkage_balance(demolition, new_build, landuse=landuse, farmland=farmland,
                             total=True, labels="zh")
    t = result.projects
    assert list(t.index) == ["甲项目", "乙项目", "已批准合计", "合计"]
    assert t.at["合计", "建新区面积(公顷)"] == pytest.approx(ha(J1, J2), abs=TOL_HA)
    assert t.at["已批准合计", "节余指标(公顷)"] == pytest.approx(result.totals.at["批准项目合计", "节余指标(公顷)"])
    assert t.at["合计", "拆旧区个数"] == 3
    assert "规则名称" in result.violations.columns
    with pytest.raises(ValueError, match="en"):
        linkage_balance(demolition, new_build, landuse=landuse, labels="fr")


def test_reclaimed_field_and_ratio():
    demolition, new_build, landuse, _ = layers()
    # a reclaimed-area field (ha): C1 2.5 ha, C2 0.5 ha, C3 1 ha
    demolition["FKMJ"] = [2.5, 0.5, 1.0]
    r = linkage_balance(demolition, new_build, landuse=landuse, reclaimed="FKMJ").projects
    assert r.at["甲项目", "reclaimed_ha"] == pytest.approx(3.0)
    assert r.at["甲项目", "reclaimed_farmland_ha"] == pytest.approx(2.5)   # C1 only (FKDL 0101)
    assert r.at["甲项目", "surplus_ha"] == pytest.approx(3.0 - ha(J1) + ha(HIGHWAY), abs=TOL_HA)
    # a reclaim ratio instead: 80 % of every zone
    r = linkage_balance(demolition, new_build, landuse=landuse, reclaim_ratio=0.8).projects
    assert r.at["甲项目", "reclaimed_ha"] == pytest.approx(0.8 * ha(C1, C2), abs=TOL_HA)
    with pytest.raises(ValueError, match="reclaim_ratio"):
        linkage_balance(demolition, new_build, landuse=landuse, reclaim_ratio=1.2)
    # no FKDL: everything reclaimed counts as farmland, and the result says so
    res = linkage_balance(demolition.drop(columns="FKDL"), new_build, landuse=landuse)
    assert res.projects.at["甲项目", "reclaimed_farmland_ha"] == pytest.approx(ha(C1, C2), abs=TOL_HA)
    assert any("no reclaimed-class field" in n for n in res.notes)
    assert any("basic-farmland" in n for n in res.notes)   # no farmland layer given
    assert res.projects["basic_farmland_ha"].isna().all()


def test_bad_values_raise_with_row_ids():
    demolition, new_build, landuse, _ = layers()
    demolition["FKMJ"] = [2.5, -0.5, 1.0]
    with pytest.raises(ValidationError, match="negative reclaimed area FKMJ in row.s. 1"):
        linkage_balance(demolition, new_build, landuse=landuse, reclaimed="FKMJ")
    demolition["FKMJ"] = [2.5, 1.5, 1.0]   # C2 is 1 ha: 1.5 ha cannot be reclaimed from it
    with pytest.raises(ValidationError, match="larger than the zone's area in row.s. 1"):
        linkage_balance(demolition, new_build, landuse=landuse, reclaimed="FKMJ")
    mixed = new_build.assign(PZZT=["已申报", "已申报"])   # A's demolition zones say 已批准
    with pytest.raises(ValidationError, match="disagree on the status PZZT.*甲项目"):
        linkage_balance(demolition, mixed, landuse=landuse)
    nameless = new_build.assign(XMMC=["甲项目", None])
    with pytest.raises(ValidationError, match="no project name"):
        linkage_balance(demolition, nameless, landuse=landuse)


def test_missing_fields_listed_together():
    demolition, new_build, landuse, _ = layers()
    with pytest.raises(SchemaError) as info:
        linkage_balance(demolition.drop(columns=["XMMC", "PZZT"]), new_build, landuse=landuse)
    assert "XMMC, PZZT" in str(info.value) and isinstance(info.value, KeyError)
    with pytest.raises(SchemaError, match="DLBM"):
        linkage_balance(demolition, new_build, landuse=landuse.rename(columns={"DLBM": "dlbm"}))
    with pytest.raises(SchemaError, match="XMBH"):
        linkage_balance(demolition, new_build, landuse=landuse, by="XMBH")


def test_landuse_must_cover_the_new_build_zones():
    demolition, new_build, landuse, _ = layers()
    gap = landuse.drop(index=3)            # the shoal under A-J1 missing: 0.2 ha uncovered
    with pytest.raises(ValidationError, match="A-J1 .*not covered"):
        linkage_balance(demolition, new_build, landuse=gap)
    twice = pd.concat([landuse, landuse.iloc[[1]]])   # the dry land patch twice
    with pytest.raises(ValidationError, match="A-J1 .*overlapping"):
        linkage_balance(demolition, new_build, landuse=twice)
    classless = landuse.assign(DLBM=["1003", None, "0301", "1106", "0101"])
    with pytest.raises(ValidationError, match="no land-use class"):
        linkage_balance(demolition, new_build, landuse=classless)


def test_overlapping_zones_and_numeric_codes_are_refused():
    demolition, new_build, landuse, _ = layers()
    # a third zone of A over half of A-C2: 0.5 ha would be counted twice
    extra = gpd.GeoDataFrame({"XMMC": ["甲项目"], "PZZT": ["已批准"], "CJQBH": ["A-C3"], "FKDL": ["0101"]},
                             geometry=[rect(1050, 200, 1150, 300)], crs=4526)
    with pytest.raises(ValidationError, match="A-C2 & A-C3"):
        linkage_balance(pd.concat([demolition, extra], ignore_index=True), new_build, landuse=landuse)
    # DLBM read as numbers (103 for 0103): refused with the fix, not matched wrongly
    numeric = landuse.assign(DLBM=[1003, 103, 301, 1106, 101])
    with pytest.raises(ValidationError, match="leading zeros.*zfill"):
        linkage_balance(demolition, new_build, landuse=numeric)


def test_construction_codes_are_a_parameter():
    demolition, new_build, landuse, _ = layers()
    # count inland shoals (1106) as construction land too
    r = linkage_balance(demolition, new_build, landuse=landuse,
                        construction_codes=("05", "06", "07", "08", "09", "1003", "1106")).projects
    assert r.at["甲项目", "construction_ha"] == pytest.approx(ha(HIGHWAY, SHOAL), abs=TOL_HA)
    assert r.at["甲项目", "unused_ha"] == 0


def test_crs_guard():
    demolition, new_build, landuse, _ = layers()
    other = landuse.set_crs(4547, allow_override=True)
    with pytest.raises(CRSError):
        linkage_balance(demolition, new_build, landuse=other)
    with pytest.raises(CRSError, match="no CRS"):
        linkage_balance(demolition, new_build.set_crs(None, allow_override=True), landuse=landuse)


def test_one_county_rule_from_codes_and_from_a_county_layer():
    demolition, new_build, landuse, _ = layers()
    # ZLDWDM: A's second demolition zone lies in county 411521, the rest in 411528
    demolition["ZLDWDM"] = ["4115281010010000000", "4115211010010000000", "4115281010020000000"]
    landuse["ZLDWDM"] = "4115281010030000000"     # the new-build zones: from the patches under them
    v = linkage_balance(demolition, new_build, landuse=landuse).violations
    row = v[v["rule"] == "one_county"]
    assert row["project"].tolist() == ["甲项目"] and row["zones"].tolist() == ["A-C2"]
    assert "411521, 411528" in row["detail"].iloc[0]
    # a county layer instead: the border at x = 1050 m cuts A-C1 (3 ha) and B-C1
    county = gpd.GeoDataFrame({"XZQDM": ["411528", "411599"]},
                              geometry=[rect(-100, -100, 1050, 800), rect(1050, -100, 1400, 800)], crs=4526)
    v = linkage_balance(demolition, new_build, landuse=landuse, county=county).violations
    rows = v[v["rule"] == "one_county"].set_index("project")
    # the project's county is the one whose zones hold most area: for A, 411528 touches
    # C1 + C2 + J1 (3 + 1 + 2 ha), 411599 only C1 + C2 (4 ha); the zones reaching into
    # another county are listed. B: 411528 (C3 + J2) against 411599 (C3 only).
    assert set(rows.index) == {"甲项目", "乙项目"}
    assert rows.at["甲项目", "zones"] == "A-C1, A-C2"
    assert rows.at["乙项目", "zones"] == "B-C1"
    assert "main county 411528" in rows.at["甲项目", "detail"]


def test_sample_reproduces_the_seed_figures():
    """DOMAIN.md / sample README: 14 declared, 10 approved; 395.42, 853.72, 32.47, 362.95, 490.77 ha."""
    result = linkage_balance(sample.load("linkage_demolition"), sample.load("linkage_newbuild"),
                             landuse=sample.load("dltb"), farmland=sample.load("jbnt"))
    a, d = result.totals.loc["approved"], result.totals.loc["declared"]
    assert (d["projects"], a["projects"]) == (14, 10)
    assert round(a["newbuild_ha"], 2) == 395.42
    assert round(a["demolition_ha"], 2) == 853.72
    assert round(a["reclaimed_ha"], 2) == 853.72
    assert round(a["construction_ha"], 2) == 32.47
    assert round(a["quota_used_ha"], 2) == 362.95
    assert round(a["surplus_ha"], 2) == 490.77
    # README: two declared projects break a rule, every approved one passes
    v = result.violations.set_index("project")
    assert v.at["息县2017年第一批城乡建设用地增减挂钩项目", "rule"] == "basic_farmland"
    assert v.at["息县2017年第三批城乡建设用地增减挂钩项目", "rule"] == "demolition_ge_newbuild"
    assert len(v) == 2 and not result.passed
    p = result.projects
    assert p.loc[p["approved"], "passed"].all()
    assert round(p.at["息县2017年第三批城乡建设用地增减挂钩项目", "demolition_ha"], 2) == 13.64
    assert round(p.at["息县2017年第三批城乡建设用地增减挂钩项目", "newbuild_ha"], 2) == 13.88
    assert "节余指标490.77公顷" in result.summary


# --- CLI ----------------------------------------------------------------------------------

def test_cli_prints_table_and_writes_workbook(tmp_path):
    demolition, new_build, landuse, farmland = layers()
    paths = {}
    for name, gdf in (("拆旧区", demolition), ("建新区", new_build), ("DLTB", landuse), ("JBNT", farmland)):
        paths[name] = tmp_path / f"{name}.shp"
        xigeo.write_layer(gdf, paths[name])
    out = tmp_path / "增减挂钩.xlsx"
    result = CliRunner().invoke(linkage_command, [
        str(paths["拆旧区"]), str(paths["建新区"]), "--landuse", str(paths["DLTB"]),
        "--farmland", str(paths["JBNT"]), "--labels", "zh", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "申报项目2个，其中批准1个" in result.output
    assert "节余指标(公顷)" in result.output and "已批准合计" in result.output
    assert "B-J1" in result.output and "建新区不得占用永久基本农田" in result.output
    book = pd.read_excel(out, sheet_name=None, index_col=0)
    assert set(book) == {"projects", "violations", "totals"}
    assert book["projects"].at["合计", "建新区面积(公顷)"] == pytest.approx(ha(J1, J2), abs=TOL_HA)
    csv = tmp_path / "t.csv"
    result = CliRunner().invoke(linkage_command, [
        str(paths["拆旧区"]), str(paths["建新区"]), "--landuse", str(paths["DLTB"]), "-o", str(csv)])
    assert result.exit_code == 0, result.output
    assert "basic-farmland layer" in result.output    # the note: that rule was not checked
    assert pd.read_csv(csv, index_col=0, encoding="utf-8-sig").index.tolist()[-2:] == ["已批准合计", "合计"]


def test_cli_help_and_missing_landuse():
    runner = CliRunner()
    assert "Examples" in runner.invoke(linkage_command, ["--help"]).output
    result = runner.invoke(linkage_command, ["a.shp", "b.shp"])
    assert result.exit_code == 2 and "--landuse" in result.output
