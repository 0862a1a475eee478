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
from xigeo._text import YES_NO
from xigeo.cli import main
from xigeo.errors import CRSError, LayerWriteError, OptionError, SchemaError, ValidationError
from xigeo.linkage import RULES, LinkageResult, linkage_balance
from xigeo._excel import read_table
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
    newbuild = gpd.GeoDataFrame(
        {"XMMC": ["甲项目", "乙项目"], "PZZT": ["已批准", "已申报"], "JXQBH": ["A-J1", "B-J1"]},
        geometry=[rect(*J1), rect(*J2)], crs=4526)
    landuse = gpd.GeoDataFrame(
        {"DLBM": ["1003", "0103", "0301", "1106", "0101"]},
        geometry=[rect(*r) for r in (HIGHWAY, DRY, FOREST, SHOAL, PADDY)], crs=4526)
    farmland = gpd.GeoDataFrame({"JBNTTBBH": ["1"]}, geometry=[rect(*PADDY)], crs=4526)
    return demolition, newbuild, landuse, farmland


def test_balance_per_project_worked_out():
    demolition, newbuild, landuse, farmland = layers()
    result = linkage_balance(demolition, newbuild, landuse=landuse, farmland=farmland)
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
    demolition, newbuild, landuse, farmland = layers()
    result = linkage_balance(demolition, newbuild, landuse=landuse, farmland=farmland)
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
    demolition, newbuild, landuse, farmland = layers()
    result = linkage_balance(demolition, newbuild, landuse=landuse, farmland=farmland)
    totals = result.totals
    assert list(totals.index) == ["approved", "declared"]
    assert totals.at["approved", "projects"] == 1 and totals.at["declared", "projects"] == 2
    assert totals.at["approved", "newbuild_ha"] == pytest.approx(ha(J1), abs=TOL_HA)
    assert totals.at["declared", "newbuild_ha"] == pytest.approx(ha(J1, J2), abs=TOL_HA)
    assert totals.at["declared", "demolition_ha"] == pytest.approx(ha(C1, C2, C3), abs=TOL_HA)
    assert totals.at["approved", "surplus_ha"] == pytest.approx(
        ha(C1, C2) - ha(J1) + ha(HIGHWAY), abs=TOL_HA)
    assert "申报项目2个，其中批准1个" in result.summary("zh")
    assert "2 projects declared, 1 approved" in result.summary("en")
    # one language per summary
    assert "Linkage" not in result.summary("zh") and "申报" not in result.summary("en")
    html = result._repr_html_()
    # the Chinese view names the rule in Chinese (the English key is not in a Chinese table)
    assert "<table" in html and "乙项目" in html and "建新区不得占用永久基本农田" in html
    assert "basic_farmland" not in html


def test_total_rows_and_chinese_labels():
    demolition, newbuild, landuse, farmland = layers()
    result = linkage_balance(demolition, newbuild, landuse=landuse, farmland=farmland)
    t = result.table("projects", labels="zh", total=True)
    assert list(t.index) == ["甲项目", "乙项目", "已批准合计", "合计"]
    assert t.index.name == "项目名称"  # the index field XMMC, named in Chinese
    # printed to 0.01 ha: the total is the rounded sum, and the printed rows add up to it
    assert t.at["合计", "建新区面积(公顷)"] == pytest.approx(ha(J1, J2), abs=0.005)
    assert t.loc[["甲项目", "乙项目"], "建新区面积(公顷)"].sum() == pytest.approx(
        t.at["合计", "建新区面积(公顷)"], abs=1e-9)
    totals = result.table("totals", labels="zh")
    assert list(totals.index) == ["批准项目合计", "申报项目合计"]
    assert t.at["已批准合计", "节余指标(公顷)"] == pytest.approx(totals.at["批准项目合计", "节余指标(公顷)"])
    assert t.at["合计", "拆旧区个数"] == 3
    assert "规则名称" in result.table("violations", labels="zh").columns
    # the canonical tables hold no total rows and no Chinese headers
    assert list(result.projects.index) == ["甲项目", "乙项目"]
    assert "surplus_ha" in result.projects.columns and "节余指标(公顷)" not in result.projects.columns
    # English labels with the totals: the same rows, canonical headers
    en = result.table("projects", total=True)
    assert en.at["已批准合计", "surplus_ha"] == pytest.approx(result.totals.at["approved", "surplus_ha"])
    with pytest.raises(OptionError, match="en"):
        result.table("projects", labels="fr")
    with pytest.raises(OptionError, match="没有合计行"):
        result.table("violations", total=True)
    with pytest.raises(TypeError):   # labels= and total= left the calculator
        linkage_balance(demolition, newbuild, landuse=landuse, labels="zh")


def test_reclaimed_field_and_ratio():
    demolition, newbuild, landuse, _ = layers()
    # a reclaimed-area field (ha): C1 2.5 ha, C2 0.5 ha, C3 1 ha
    demolition["FKMJ"] = [2.5, 0.5, 1.0]
    r = linkage_balance(demolition, newbuild, landuse=landuse, reclaimed_field="FKMJ").projects
    assert r.at["甲项目", "reclaimed_ha"] == pytest.approx(3.0)
    assert r.at["甲项目", "reclaimed_farmland_ha"] == pytest.approx(2.5)   # C1 only (FKDL 0101)
    assert r.at["甲项目", "surplus_ha"] == pytest.approx(3.0 - ha(J1) + ha(HIGHWAY), abs=TOL_HA)
    # a reclaim ratio instead: 80 % of every zone
    r = linkage_balance(demolition, newbuild, landuse=landuse, reclaim_ratio=0.8).projects
    assert r.at["甲项目", "reclaimed_ha"] == pytest.approx(0.8 * ha(C1, C2), abs=TOL_HA)
    with pytest.raises(OptionError, match="reclaim_ratio"):
        linkage_balance(demolition, newbuild, landuse=landuse, reclaim_ratio=1.2)
    # the reclaimed area in mu (15 mu = 1 ha): the same figures
    mu = demolition.assign(FKMJ=demolition["FKMJ"] * 15)
    r = linkage_balance(mu, newbuild, landuse=landuse, reclaimed_field="FKMJ", reclaimed_unit="亩").projects
    assert r.at["甲项目", "reclaimed_ha"] == pytest.approx(3.0)
    # the reclaimed class from another field: C1 and C2 both reclaimed to farmland
    other = demolition.assign(FKLX=["0101", "0102", "0103"])
    r = linkage_balance(other, newbuild, landuse=landuse, reclaim_class_field="FKLX").projects
    assert r.at["甲项目", "reclaimed_farmland_ha"] == pytest.approx(ha(C1, C2), abs=TOL_HA)
    # no FKDL: everything reclaimed counts as farmland, and the result says so
    res = linkage_balance(demolition.drop(columns="FKDL"), newbuild, landuse=landuse)
    assert res.projects.at["甲项目", "reclaimed_farmland_ha"] == pytest.approx(ha(C1, C2), abs=TOL_HA)
    assert any("no reclaimed-class field" in n for n in res.notes)
    assert any("basic-farmland" in n for n in res.notes)   # no farmland layer given
    assert res.projects["basic_farmland_ha"].isna().all()


def test_bad_values_raise_with_row_ids():
    demolition, newbuild, landuse, _ = layers()
    demolition["FKMJ"] = [2.5, -0.5, 1.0]
    with pytest.raises(ValidationError, match="复垦面积 FKMJ 为负，行号：1"):
        linkage_balance(demolition, newbuild, landuse=landuse, reclaimed_field="FKMJ")
    with xigeo.using_language("en"), pytest.raises(ValidationError,
                                                   match="negative reclaimed area FKMJ in row.s. 1"):
        linkage_balance(demolition, newbuild, landuse=landuse, reclaimed_field="FKMJ")
    demolition["FKMJ"] = [2.5, 1.5, 1.0]   # C2 is 1 ha: 1.5 ha cannot be reclaimed from it
    with pytest.raises(ValidationError, match="复垦面积 FKMJ 大于拆旧区面积，行号：1"):
        linkage_balance(demolition, newbuild, landuse=landuse, reclaimed_field="FKMJ")
    mixed = newbuild.assign(PZZT=["已申报", "已申报"])   # A's demolition zones say 已批准
    with pytest.raises(ValidationError, match="区块状态 PZZT 不一致.*甲项目"):
        linkage_balance(demolition, mixed, landuse=landuse)
    nameless = newbuild.assign(XMMC=["甲项目", None])
    with pytest.raises(ValidationError, match="没有项目名称（XMMC），行号"):
        linkage_balance(demolition, nameless, landuse=landuse)


def test_missing_fields_listed_together():
    demolition, newbuild, landuse, _ = layers()
    with pytest.raises(SchemaError) as info:
        linkage_balance(demolition.drop(columns=["XMMC", "PZZT"]), newbuild, landuse=landuse)
    assert "XMMC, PZZT" in str(info.value) and isinstance(info.value, KeyError)
    with pytest.raises(SchemaError, match="DLBM"):
        linkage_balance(demolition, newbuild, landuse=landuse.rename(columns={"DLBM": "dlbm"}))
    with pytest.raises(SchemaError, match="XMBH"):
        linkage_balance(demolition, newbuild, landuse=landuse, by="XMBH")


def test_landuse_must_cover_the_newbuild_zones():
    demolition, newbuild, landuse, _ = layers()
    gap = landuse.drop(index=3)            # the shoal under A-J1 missing: 0.2 ha uncovered
    with pytest.raises(ValidationError, match="区块 A-J1 .*未被 landuse 的地类图斑完全覆盖"):
        linkage_balance(demolition, newbuild, landuse=gap)
    twice = pd.concat([landuse, landuse.iloc[[1]]])   # the dry land patch twice
    with pytest.raises(ValidationError, match="区块 A-J1 .*地类图斑相互重叠"):
        linkage_balance(demolition, newbuild, landuse=twice)
    classless = landuse.assign(DLBM=["1003", None, "0301", "1106", "0101"])
    with pytest.raises(ValidationError, match="没有地类（DLBM）"):
        linkage_balance(demolition, newbuild, landuse=classless)


def test_overlapping_zones_and_numeric_codes_are_refused():
    demolition, newbuild, landuse, _ = layers()
    # a third zone of A over half of A-C2: 0.5 ha would be counted twice
    extra = gpd.GeoDataFrame({"XMMC": ["甲项目"], "PZZT": ["已批准"], "CJQBH": ["A-C3"], "FKDL": ["0101"]},
                             geometry=[rect(1050, 200, 1150, 300)], crs=4526)
    with pytest.raises(ValidationError, match="A-C2 & A-C3"):
        linkage_balance(pd.concat([demolition, extra], ignore_index=True), newbuild, landuse=landuse)
    # DLBM read as numbers (103 for 0103): refused with the fix, not matched wrongly
    numeric = landuse.assign(DLBM=[1003, 103, 301, 1106, 101])
    with pytest.raises(ValidationError, match="带前导零.*zfill"):
        linkage_balance(demolition, newbuild, landuse=numeric)


def test_construction_codes_are_a_parameter():
    from xigeo import _landuse, linkage

    # the code groups live in xigeo._landuse; linkage re-exports them
    assert linkage.CONSTRUCTION_CODES is _landuse.CONSTRUCTION_CODES
    assert linkage.AGRICULTURAL_CODES is _landuse.AGRICULTURAL_CODES
    assert linkage.FARMLAND_CODES == ("01",)
    demolition, newbuild, landuse, _ = layers()
    # count inland shoals (1106) as construction land too
    r = linkage_balance(demolition, newbuild, landuse=landuse,
                        construction_codes=("05", "06", "07", "08", "09", "1003", "1106")).projects
    assert r.at["甲项目", "construction_ha"] == pytest.approx(ha(HIGHWAY, SHOAL), abs=TOL_HA)
    assert r.at["甲项目", "unused_ha"] == 0


def test_bad_options_raise_option_error_before_reading():
    demolition, newbuild, landuse, _ = layers()
    for kw, match in ((dict(tolerance_m2=-1), "tolerance_m2=-1"),
                      (dict(coverage_tolerance_m2="x"), "coverage_tolerance_m2"),
                      (dict(method="spherical"), "ellipsoidal"),
                      (dict(reclaimed_unit="acre"), "acre"),
                      (dict(reclaim_ratio=-0.1), "reclaim_ratio")):
        with pytest.raises(OptionError, match=match):
            # the layers are not looked at: a bad option is refused first
            linkage_balance(None, None, landuse=None, **kw)


def test_method_measures_every_area():
    demolition, newbuild, landuse, farmland = layers()
    planar = linkage_balance(demolition, newbuild, landuse=landuse, farmland=farmland, method="planar")
    a = planar.projects.loc["甲项目"]
    # the plane areas of the GK rectangles, from their sides: J1 200 × 100 m, highway 40 × 100 m,
    # C1 + C2 300 × 100 + 100 × 100 m
    assert a["newbuild_ha"] == pytest.approx(2.0, abs=1e-9)
    assert a["construction_ha"] == pytest.approx(0.4, abs=1e-9)
    assert a["demolition_ha"] == pytest.approx(4.0, abs=1e-9)
    assert a["surplus_ha"] == pytest.approx(4.0 - 1.6, abs=1e-9)
    assert planar.projects.at["乙项目", "basic_farmland_ha"] == pytest.approx(1.5, abs=1e-9)
    assert planar.method == "planar"
    # the default is the survey area, which differs from the plane area here by ~1e-4 ha per ha
    default = linkage_balance(demolition, newbuild, landuse=landuse, farmland=farmland)
    assert default.method == "ellipsoidal"
    assert default.projects.at["甲项目", "newbuild_ha"] == pytest.approx(ha(J1), abs=TOL_HA)
    assert abs(ha(J1) - 2.0) > 10 * TOL_HA
    geodesic = linkage_balance(demolition, newbuild, landuse=landuse, method="geodesic")
    assert geodesic.projects.at["甲项目", "newbuild_ha"] == pytest.approx(ha(J1), abs=TOL_HA)


def test_zone_id_fields():
    demolition, newbuild, landuse, farmland = layers()
    # a named field
    named = newbuild.assign(BH=["J-甲", "J-乙"])
    v = linkage_balance(demolition, named, landuse=landuse, farmland=farmland,
                        newbuild_id_field="BH").violations
    assert set(v["zones"]) == {"J-乙"}
    # no field named and no JXQBH: the index
    v = linkage_balance(demolition, newbuild.drop(columns="JXQBH").set_axis(["n1", "n2"]),
                        landuse=landuse, farmland=farmland).violations
    assert set(v["zones"]) == {"n2"}
    # the demolition ids name the zones in an overlap error
    extra = gpd.GeoDataFrame({"XMMC": ["甲项目"], "PZZT": ["已批准"], "BH": ["X9"], "FKDL": ["0101"]},
                             geometry=[rect(1050, 200, 1150, 300)], crs=4526)
    both = pd.concat([demolition.assign(BH=["X1", "X2", "X3"]), extra], ignore_index=True)
    with pytest.raises(ValidationError, match="X2 & X9"):
        linkage_balance(both, newbuild, landuse=landuse, demolition_id_field="BH")
    with pytest.raises(SchemaError, match="ZZZ"):
        linkage_balance(demolition, newbuild, landuse=landuse, demolition_id_field="ZZZ")


def test_status_field_none_approves_every_project():
    demolition, newbuild, landuse, _ = layers()
    result = linkage_balance(demolition.drop(columns="PZZT"), newbuild.drop(columns="PZZT"),
                             landuse=landuse, status_field=None)
    assert result.totals.at["approved", "projects"] == 2
    assert result.totals.at["approved", "newbuild_ha"] == pytest.approx(ha(J1, J2), abs=TOL_HA)
    other = linkage_balance(demolition.rename(columns={"PZZT": "ZT"}), newbuild.rename(columns={"PZZT": "ZT"}),
                            landuse=landuse, status_field="ZT", approved="已申报")
    assert other.projects["approved"].tolist() == [False, True]


def test_crs_guard():
    demolition, newbuild, landuse, _ = layers()
    other = landuse.set_crs(4547, allow_override=True)
    with pytest.raises(CRSError):
        linkage_balance(demolition, newbuild, landuse=other)
    with pytest.raises(CRSError, match="没有坐标系"):
        linkage_balance(demolition, newbuild.set_crs(None, allow_override=True), landuse=landuse)


def test_one_county_rule_from_codes_and_from_a_county_layer():
    demolition, newbuild, landuse, _ = layers()
    # ZLDWDM: A's second demolition zone lies in county 411521, the rest in 411528
    demolition["ZLDWDM"] = ["4115281010010000000", "4115211010010000000", "4115281010020000000"]
    landuse["ZLDWDM"] = "4115281010030000000"     # the new-build zones: from the patches under them
    v = linkage_balance(demolition, newbuild, landuse=landuse).violations
    row = v[v["rule"] == "one_county"]
    assert row["project"].tolist() == ["甲项目"] and row["zones"].tolist() == ["A-C2"]
    assert "411521, 411528" in row["detail"].iloc[0]
    # a county layer instead: the border at x = 1050 m cuts A-C1 (3 ha) and B-C1
    county = gpd.GeoDataFrame({"XZQDM": ["411528", "411599"]},
                              geometry=[rect(-100, -100, 1050, 800), rect(1050, -100, 1400, 800)], crs=4526)
    v = linkage_balance(demolition, newbuild, landuse=landuse, county=county).violations
    rows = v[v["rule"] == "one_county"].set_index("project")
    # the project's county is the one whose zones hold most area: for A, 411528 touches
    # C1 + C2 + J1 (3 + 1 + 2 ha), 411599 only C1 + C2 (4 ha); the zones reaching into
    # another county are listed. B: 411528 (C3 + J2) against 411599 (C3 only).
    assert set(rows.index) == {"甲项目", "乙项目"}
    assert rows.at["甲项目", "zones"] == "A-C1, A-C2"
    assert rows.at["乙项目", "zones"] == "B-C1"
    assert "main county 411528" in rows.at["甲项目", "detail"]


@pytest.fixture(scope="module")
def sample_result():
    return linkage_balance(sample.load("linkage_demolition"), sample.load("linkage_newbuild"),
                           landuse=sample.load("dltb"), farmland=sample.load("jbnt"))


def test_sample_result_contract(sample_result, tmp_path):
    """The result contract on the sample: summary, tables, labels, HTML, workbook (490.77 ha, README)."""
    result = sample_result
    assert "节余指标490.77公顷" in result.summary("zh") and "surplus quota 490.77 ha" in result.summary("en")
    assert "批准10个" in result.summary() and "2个项目不符合" in result.summary("zh")
    assert result.tables() == ("projects", "violations", "totals")
    projects = result.table("projects", labels="zh")
    assert len(projects) == 14 and "节余指标(公顷)" in projects.columns
    assert round(result.table("projects", labels="zh", total=True).at["已批准合计", "节余指标(公顷)"], 2) == 490.77
    violations = result.table("violations", labels="zh")
    assert set(violations["规则名称"]) == {RULES["basic_farmland"], RULES["demolition_ge_newbuild"]}
    totals = result.table("totals", labels="zh")
    assert round(totals.at["批准项目合计", "节余指标(公顷)"], 2) == 490.77
    assert totals.at["申报项目合计", "项目个数"] == 14
    html = result._repr_html_()
    assert "不通过" in html and "490.77" in html and "规则检查" in html
    path = tmp_path / "增减挂钩.xlsx"
    assert result.to_excel(path) == path
    book = read_table(path, sheet_name=None, index_col=0)
    assert list(book) == ["摘要", "增减挂钩项目", "规则检查", "增减挂钩合计"]
    assert "节余指标490.77公顷" in book["摘要"].to_string()
    for name, spec in result.TABLES.items():
        expected = result.table(name, labels="zh", total=spec.total is not None)
        # the workbook writes booleans as 是/否 (also in a column a total row made object)
        expected = expected.apply(lambda c: c.map(lambda v: YES_NO[bool(v)] if isinstance(v, bool) else v))
        got = read_table(path, sheet_name=spec.title_zh)  # violations: 序号 1, 2 …
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_index_type=False,
                                      check_names=False)
    before = path.read_bytes()
    with pytest.raises(LayerWriteError, match="已存在"):
        result.to_excel(path)
    assert path.read_bytes() == before
    result.to_excel(path, overwrite=True, labels="en")
    assert "linkage projects" in read_table(path, sheet_name=None, index_col=None)


def test_sample_reproduces_the_seed_figures(sample_result):
    """DOMAIN.md / sample README: 14 declared, 10 approved; 395.42, 853.72, 32.47, 362.95, 490.77 ha."""
    result = sample_result
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
    assert "节余指标490.77公顷" in result.summary("zh")


# --- CLI ----------------------------------------------------------------------------------

def test_cli_prints_table_and_writes_workbook(tmp_path):
    demolition, newbuild, landuse, farmland = layers()
    paths = {}
    for name, gdf in (("拆旧区", demolition), ("建新区", newbuild), ("DLTB", landuse), ("JBNT", farmland)):
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
    # the result's own workbook: the summary first, then the tables under their Chinese titles
    book = read_table(out, sheet_name=None, index_col=0)
    assert list(book) == ["摘要", "增减挂钩项目", "规则检查", "增减挂钩合计"]
    assert "申报项目2个，其中批准1个" in book["摘要"]["摘要"].iloc[0]
    # printed to 0.01 ha
    assert book["增减挂钩项目"].at["合计", "建新区面积(公顷)"] == pytest.approx(ha(J1, J2), abs=0.005)
    assert book["增减挂钩合计"].index.tolist() == ["批准项目合计", "申报项目合计"]
    assert book["规则检查"]["规则名称"].tolist() == [
        RULES["basic_farmland"], RULES["demolition_ge_newbuild"], RULES["reclaimed_farmland_ge_occupied"]]
    csv = tmp_path / "t.csv"
    result = CliRunner().invoke(linkage_command, [
        str(paths["拆旧区"]), str(paths["建新区"]), "--landuse", str(paths["DLTB"]), "-o", str(csv)])
    assert result.exit_code == 0, result.output
    assert "basic-farmland layer" in result.output    # the note: that rule was not checked
    assert pd.read_csv(csv, index_col=0, encoding="utf-8-sig").index.tolist()[-2:] == ["已批准合计", "合计"]


def test_cli_help_and_missing_landuse():
    runner = CliRunner()
    help_text = runner.invoke(linkage_command, ["--help"]).output
    assert "示例" in help_text and "--overwrite" in help_text and "--method" in help_text
    result = runner.invoke(linkage_command, ["a.shp", "b.shp"])
    assert result.exit_code == 2 and "--landuse" in result.output


def _cli_layers(tmp_path):
    demolition, newbuild, landuse, farmland = layers()
    paths = []
    for name, gdf in (("拆旧区", demolition), ("建新区", newbuild), ("DLTB", landuse)):
        paths.append(tmp_path / f"{name}.shp")
        xigeo.write_layer(gdf, paths[-1])
    return [str(paths[0]), str(paths[1]), "--landuse", str(paths[2])]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_cli_refuses_an_existing_output_unless_overwrite(tmp_path, capsys, suffix):
    args = _cli_layers(tmp_path)
    out = tmp_path / f"挂钩{suffix}"
    out.write_bytes(b"an earlier table")
    # refused before anything is read: even a missing input is not looked at
    assert main(["linkage", str(tmp_path / "missing.shp"), *args[1:], "-o", str(out)]) == 1
    assert "已存在" in capsys.readouterr().err
    assert main(["linkage", *args, "-o", str(out)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"an earlier table"
    assert main(["linkage", *args, "--labels", "zh", "-o", str(out), "--overwrite"]) == 0
    table = (read_table(out, sheet_name="增减挂钩项目", index_col=0) if suffix == ".xlsx"
             else pd.read_csv(out, index_col=0, encoding="utf-8-sig"))
    assert table.at["已批准合计", "建新区面积(公顷)"] == pytest.approx(ha(J1), abs=0.005)  # printed: 0.01 ha


def test_cli_method_and_bad_suffix(tmp_path, capsys):
    args = _cli_layers(tmp_path)
    out = tmp_path / "t.csv"
    assert main(["linkage", *args, "--method", "planar", "-o", str(out)]) == 0
    table = pd.read_csv(out, index_col=0, encoding="utf-8-sig")
    assert table.at["甲项目", "newbuild_ha"] == pytest.approx(2.0, abs=1e-9)   # 200 m × 100 m
    assert main(["linkage", *args, "-o", str(tmp_path / "t.txt")]) == 1
    assert ".csv 或 .xlsx" in capsys.readouterr().err
    assert not (tmp_path / "t.txt").exists()
