"""xigeo.prereview: pass / cut (核减) of submitted projects, with the reasons.

Expected numbers: hand-made 100 m × 100 m projects (planar 10 000 m² = 15 mu
each, overlaps worked out in the tests) and the county report's pre-review
figures as the sample README defines them (sample_shapefiles/README.md,
"Pre-review": 61 projects / 1,525 mu, 55 passed / 1,286 mu, 6 cut / 239 mu;
DOMAIN.md "The seed's figures").
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import box

import xigeo
from xigeo import sample
from xigeo.errors import CRSError, OptionError, SchemaError, ValidationError
from xigeo.farmland import FarmlandOverlap
from xigeo.prereview import (PrereviewResult, Rule, area_cap_rule, farmland_rule, prereview,
                             summarize_prereview)

X0, Y0 = 38_560_000.0, 3_580_000.0


def b(x1, y1, x2, y2):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


@pytest.fixture
def projects() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"YDBZMJ": [20.0, 20.0, 10.0, 20.0, np.nan], "XMLX": ["工业", "工业", "住宅", "工业", "商服"]},
        geometry=[b(0, 0, 100, 100), b(200, 0, 300, 100), b(400, 0, 500, 100),
                  b(600, 0, 700, 100), b(800, 0, 900, 100)],
        index=pd.Index(["YS01", "YS02", "YS03", "YS04", "YS05"], name="XMBH"), crs=4526)


@pytest.fixture
def jbnt() -> gpd.GeoDataFrame:
    # YS02: 10 m × 100 m = 1000 m² on it; YS04: 0.05 m × 100 m = 5 m², a sliver
    return gpd.GeoDataFrame({"JBNTMJ": [5500.0, 9000.0]},
                            geometry=[b(290, 0, 350, 100), b(699.95, 0, 799, 100)], crs=4526)


def test_pass_and_cut_by_hand(projects, jbnt):
    r = prereview(projects, farmland=jbnt, method="planar")
    assert isinstance(r, PrereviewResult) and not r.passed and r.tables() == ("projects", "totals")
    t = r.projects
    assert t.index.tolist() == ["YS01", "YS02", "YS03", "YS04", "YS05"]
    np.testing.assert_allclose(t["area_mu"], 15.0)
    np.testing.assert_allclose(t["jbnt_m2"], [0, 1000, 0, 5, 0], rtol=1e-6)
    assert t["jbnt_verdict"].tolist() == ["clear", "touches", "clear", "slivers only", "clear"]
    # YS02 on basic farmland; YS03 15 mu > its 10 mu standard; YS04's 5 m² sliver passes;
    # YS05 has no standard area (NaN), which fails no rule
    assert t["passed"].tolist() == [True, False, False, True, True]
    assert t["verdict"].tolist() == ["passed", "cut", "cut", "passed", "passed"]
    np.testing.assert_allclose(t["cut_mu"], [0, 15, 15, 0, 0])
    assert t.loc["YS02", "reasons_zh"] == "占用永久基本农田（超过碎片容差）"
    assert "land-use standard" in t.loc["YS03", "reasons"]
    s = summarize_prereview(r)
    assert s["count"].tolist() == [5, 3, 2]
    np.testing.assert_allclose(s["area_mu"], [75, 45, 30])
    pd.testing.assert_frame_equal(s, r.totals)
    pd.testing.assert_frame_equal(summarize_prereview(t), r.totals)  # from the projects table too
    # the farmland overlay the verdicts come from is kept (maps draw its pieces)
    assert isinstance(r.overlap, FarmlandOverlap) and r.cultivated is None
    np.testing.assert_allclose(r.overlap.by_parcel["overlap_m2"], t["jbnt_m2"])
    assert r.rules == ("farmland", "area_cap") and r.tolerance_m2 == 10 and r.method == "planar"
    assert "受理项目5个" in r.summary() and "核减项目2个，面积30.00亩" in r.summary()
    assert "5 projects" in r.summary("en") and "2 cut (30.00 mu)" in r.summary("en")


def test_all_passed_and_id_field(projects, jbnt):
    fine = projects.iloc[[0, 4]].reset_index()
    r = prereview(fine, farmland=jbnt, method="planar", id_field="XMBH")
    assert r.passed and r.projects.index.tolist() == ["YS01", "YS05"]
    assert r.projects.index.name == "XMBH"
    assert "结论：全部通过" in r.summary() and "Result: passed" in r.summary("en")
    with pytest.raises(SchemaError, match="DKBH"):
        prereview(fine, farmland=jbnt, id_field="DKBH")


def test_tolerance_and_custom_rules(projects, jbnt):
    # a 1 m² tolerance makes YS04's 5 m² fail
    t = prereview(projects, farmland=jbnt, method="planar", tolerance_m2=1.0).projects
    assert not t.loc["YS04", "passed"]
    housing = Rule("housing", "住宅项目不予预审", "housing projects are not pre-reviewed",
                   lambda p, table: p["XMLX"] == "住宅", fields=("XMLX",))
    t = prereview(projects, farmland=jbnt, method="planar",
                  rules=["farmland", housing, area_cap_rule()]).projects
    # YS03 breaks two rules: both reasons are given, the area is cut once
    assert t.loc["YS03", "reasons_zh"] == "住宅项目不予预审；用地面积超过用地标准面积（YDBZMJ）"
    assert t.loc["YS03", "cut_mu"] == pytest.approx(15.0)
    t = prereview(projects, farmland=jbnt, method="planar", rules=[farmland_rule()]).projects
    assert t["passed"].tolist() == [True, False, True, True, True]


def test_total_row_and_chinese_labels(projects, jbnt):
    r = prereview(projects, farmland=jbnt, method="planar")
    t = r.table("projects", labels="zh", total=True)
    assert t.index[-1] == "合计"
    # 是否通过 is a 是/否 column: its 合计 cell stays empty (the passed count is in the totals table)
    assert pd.isna(t.loc["合计", "是否通过"]) and t.loc["YS01", "是否通过"] == "是"
    assert t.loc["合计", "核减面积(亩)"] == pytest.approx(30.0)
    assert r.table("totals", labels="zh").loc["通过", "项目个数"] == 3
    assert t.loc["YS02", "审查结论"] == "核减" and t.loc["YS01", "审查结论"] == "通过"
    assert t.loc["YS04", "基本农田检查"] == "仅碎片"
    zh = r.table("totals", labels="zh")
    assert zh.index.tolist() == ["受理", "通过", "核减"] and "面积(亩)" in zh.columns
    assert zh["项目个数"].tolist() == [5, 3, 2]
    # the canonical tables stay English, without a total row
    assert r.projects.index[-1] == "YS05" and r.projects["passed"].dtype == bool
    with pytest.raises(OptionError, match="totals.*没有合计行"):
        r.table("totals", total=True)


def test_guards(projects, jbnt):
    with pytest.raises(SchemaError, match="YDBZMJ"):
        prereview(projects.drop(columns="YDBZMJ"), farmland=jbnt)
    with pytest.raises(CRSError):
        prereview(projects, farmland=jbnt.to_crs(4547))
    with pytest.raises(OptionError, match="未知的规则 'slope'.*farmland, area_cap"):
        prereview(projects, farmland=jbnt, rules=["slope"])
    with xigeo.using_language("en"), pytest.raises(OptionError,
                                                   match="unknown rule 'slope'.*farmland, area_cap"):
        prereview(projects, farmland=jbnt, rules=["slope"])
    with pytest.raises(OptionError, match="Rule 对象或规则名.*int"):
        prereview(projects, farmland=jbnt, rules=[42])
    # a rule's test must answer once per project, and not with a missing value
    short = Rule("short", "短", "short", lambda p, table: [True, False])
    with pytest.raises(OptionError, match="'short' 对 5 个项目返回了 2 个值"):
        prereview(projects, farmland=jbnt, rules=[short])
    vague = Rule("vague", "含糊", "vague",  # no answer where YDBZMJ is missing (YS05)
                 lambda p, table: p["YDBZMJ"].gt(15).where(p["YDBZMJ"].notna()))
    with pytest.raises(ValidationError, match="'vague' 对项目 YS05 没有给出结果") as info:
        prereview(projects, farmland=jbnt, rules=[vague])
    assert info.value.problems == ["YS05"]
    with pytest.raises(SchemaError, match="DLBM"):
        prereview(projects, farmland=jbnt, landuse=jbnt)


def test_landuse_adds_the_cultivated_land_occupied(projects, jbnt):
    landuse = gpd.GeoDataFrame({"DLBM": ["0101", "0702", "0103"]},
                               geometry=[b(0, 0, 50, 100), b(50, 0, 100, 100), b(250, 0, 300, 100)], crs=4526)
    r = prereview(projects, farmland=jbnt, landuse=landuse, method="planar")
    t = r.projects
    np.testing.assert_allclose(t["cultivated_m2"], [5000, 5000, 0, 0, 0])
    assert isinstance(r.cultivated, FarmlandOverlap)
    np.testing.assert_allclose(r.cultivated.by_parcel["overlap_m2"], [5000, 5000, 0, 0, 0])
    np.testing.assert_allclose(t["cultivated_mu"], [7.5, 7.5, 0, 0, 0])


def test_sample_reproduces_the_report():
    pre = sample.load("prereview").set_index("XMBH")
    r = prereview(pre, farmland=sample.load("jbnt"))
    t = r.projects
    # README "Pre-review": the six failing projects and why
    cut = t[~t["passed"]]
    assert sorted(cut.index) == ["YS2013002", "YS2014008", "YS2014013", "YS2019043", "YS2020053", "YS2020058"]
    assert (cut.loc[["YS2014008", "YS2014013", "YS2020058"], "jbnt_verdict"] == "touches").all()
    assert cut.loc[["YS2013002", "YS2019043", "YS2020053"], "reasons"].str.contains("YDBZMJ").all()
    # SBMJ is the polygon area in mu, to 0.01 mu
    np.testing.assert_array_equal(t["area_mu"].round(2).to_numpy(), pre["SBMJ"].to_numpy())
    s = summarize_prereview(r)
    # 受理61个 1525亩, 通过55个 1286亩, 核减6个 239亩
    assert s["count"].tolist() == [61, 55, 6]
    assert s["area_mu"].round(2).tolist() == [1525.00, 1286.00, 239.00]


def test_area_cap_that_is_not_a_number_is_refused():
    """Review: YDBZMJ "abc" was read as no cap, so an oversized project passed."""
    from shapely import box

    from xigeo.errors import ValidationError

    x0, y0 = 38_560_000, 3_580_000
    projects = gpd.GeoDataFrame({"YDBZMJ": [20.0, "abc"]}, geometry=[
        box(x0, y0, x0 + 100, y0 + 100), box(x0 + 200, y0, x0 + 300, y0 + 100)],
        index=pd.Index(["YS01", "YS02"], name="XMBH"), crs=4526)
    jbnt = gpd.GeoSeries([box(x0 + 1000, y0, x0 + 1100, y0 + 100)], crs=4526)
    with pytest.raises(ValidationError, match=r"YDBZMJ 不是数字.*行号：YS02") as err:
        prereview(projects, farmland=jbnt, method="planar")
    assert "YS02" in str(err.value)


def test_numeric_land_use_codes_are_refused(projects, jbnt):
    """DLBM read as numbers (103 for 0103) would match no farmland prefix and report 0 m² of
    cultivated land occupied: refused with the fix instead (as linkage_balance does)."""
    landuse = gpd.GeoDataFrame({"DLBM": [101, 702, 103]},
                               geometry=[b(0, 0, 50, 100), b(50, 0, 100, 100), b(250, 0, 300, 100)], crs=4526)
    with pytest.raises(ValidationError, match="DLBM 存的是数字.*带前导零.*zfill"):
        prereview(projects, farmland=jbnt, landuse=landuse, method="planar")
