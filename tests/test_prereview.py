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

from xigeo import sample
from xigeo.errors import CRSError, SchemaError
from xigeo.prereview import Rule, area_cap_rule, farmland_rule, prereview, summarize_prereview

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
    t = prereview(projects, farmland=jbnt, method="planar")
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
    s = summarize_prereview(t)
    assert s["count"].tolist() == [5, 3, 2]
    np.testing.assert_allclose(s["area_mu"], [75, 45, 30])


def test_tolerance_and_custom_rules(projects, jbnt):
    # a 1 m² tolerance makes YS04's 5 m² fail
    t = prereview(projects, farmland=jbnt, method="planar", tolerance_m2=1.0)
    assert not t.loc["YS04", "passed"]
    housing = Rule("housing", "住宅项目不予预审", "housing projects are not pre-reviewed",
                   lambda p, table: p["XMLX"] == "住宅", fields=("XMLX",))
    t = prereview(projects, farmland=jbnt, method="planar", rules=["farmland", housing, area_cap_rule()])
    # YS03 breaks two rules: both reasons are given, the area is cut once
    assert t.loc["YS03", "reasons_zh"] == "住宅项目不予预审；用地面积超过用地标准面积（YDBZMJ）"
    assert t.loc["YS03", "cut_mu"] == pytest.approx(15.0)
    t = prereview(projects, farmland=jbnt, method="planar", rules=[farmland_rule()])
    assert t["passed"].tolist() == [True, False, True, True, True]


def test_total_row_and_chinese_labels(projects, jbnt):
    t = prereview(projects, farmland=jbnt, method="planar", total=True, labels="zh")
    assert t.index[-1] == "合计"
    assert t.loc["合计", "是否通过"] == 3 and t.loc["合计", "核减面积(亩)"] == pytest.approx(30.0)
    assert t.loc["YS02", "审查结论"] == "核减" and t.loc["YS01", "审查结论"] == "通过"
    assert t.loc["YS04", "基本农田检查"] == "仅碎片"
    zh = summarize_prereview(prereview(projects, farmland=jbnt, method="planar"), labels="zh")
    assert zh.index.tolist() == ["受理", "通过", "核减"] and "面积(亩)" in zh.columns


def test_guards(projects, jbnt):
    with pytest.raises(SchemaError, match="YDBZMJ"):
        prereview(projects.drop(columns="YDBZMJ"), farmland=jbnt)
    with pytest.raises(CRSError):
        prereview(projects, farmland=jbnt.to_crs(4547))
    with pytest.raises(ValueError, match="unknown rule"):
        prereview(projects, farmland=jbnt, rules=["slope"])
    with pytest.raises(SchemaError, match="DLBM"):
        prereview(projects, farmland=jbnt, landuse=jbnt)


def test_landuse_adds_the_cultivated_land_occupied(projects, jbnt):
    landuse = gpd.GeoDataFrame({"DLBM": ["0101", "0702", "0103"]},
                               geometry=[b(0, 0, 50, 100), b(50, 0, 100, 100), b(250, 0, 300, 100)], crs=4526)
    t = prereview(projects, farmland=jbnt, landuse=landuse, method="planar")
    np.testing.assert_allclose(t["cultivated_m2"], [5000, 5000, 0, 0, 0])
    np.testing.assert_allclose(t["cultivated_mu"], [7.5, 7.5, 0, 0, 0])


def test_sample_reproduces_the_report():
    pre = sample.load("prereview").set_index("XMBH")
    t = prereview(pre, farmland=sample.load("jbnt"))
    # README "Pre-review": the six failing projects and why
    cut = t[~t["passed"]]
    assert sorted(cut.index) == ["YS2013002", "YS2014008", "YS2014013", "YS2019043", "YS2020053", "YS2020058"]
    assert (cut.loc[["YS2014008", "YS2014013", "YS2020058"], "jbnt_verdict"] == "touches").all()
    assert cut.loc[["YS2013002", "YS2019043", "YS2020053"], "reasons"].str.contains("YDBZMJ").all()
    # SBMJ is the polygon area in mu, to 0.01 mu
    np.testing.assert_array_equal(t["area_mu"].round(2).to_numpy(), pre["SBMJ"].to_numpy())
    s = summarize_prereview(t)
    # 受理61个 1525亩, 通过55个 1286亩, 核减6个 239亩
    assert s["count"].tolist() == [61, 55, 6]
    assert s["area_mu"].round(2).tolist() == [1525.00, 1286.00, 239.00]
