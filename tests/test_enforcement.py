"""xigeo.enforcement_check: change patches against approvals, graded by the land they take.

Expected numbers: hand-made 100 m boxes (planar areas worked out in the
tests), and the sample's change patches (sample_shapefiles/README.md,
"Enforcement": 38 patches; 14 inside an approval, 6 partly inside one, 8 on
permanent basic farmland, 6 round the town with no approval, 4 in villages).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import box

from xigeo import sample
from xigeo.area import area
from xigeo import _landuse
from xigeo.enforcement import EnforcementResult, enforcement_check, is_construction, summarize_enforcement
from xigeo.errors import CRSError, OptionError, SchemaError, ValidationError

X0, Y0 = 38_560_000.0, 3_580_000.0


def b(x1, y1, x2, y2):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


@pytest.fixture
def layers():
    changes = gpd.GeoDataFrame(geometry=[
        b(0, 0, 100, 100),        # C1: inside approval A1
        b(200, 0, 300, 100),      # C2: half in A2; the other half on dry land, 20 × 100 of it jbnt
        b(400, 0, 500, 100),      # C3: no approval: half dry land, half village homestead
        b(600, 0, 700, 100),      # C4: no approval, on a village homestead only
        b(95, 0, 199.99, 100),    # C5: in A1 but for a 5 m² sliver of A1's edge … see below
    ], index=pd.Index(["C1", "C2", "C3", "C4", "C5"], name="JCBH"), crs=4526)
    approvals = gpd.GeoDataFrame({"PZWH": ["A1", "A2"]},
                                 geometry=[b(-10, -10, 199.95, 110), b(250, 0, 350, 100)], crs=4526)
    landuse = gpd.GeoDataFrame(
        {"DLBM": ["0103", "0702", "0601"],
         "ZLDWDM": ["4115281010010000000", "4115281010020000000", "4115281020010000000"]},
        geometry=[b(-100, -100, 450, 200), b(450, -100, 800, 200), b(800, -100, 900, 200)], crs=4526)
    jbnt = gpd.GeoDataFrame({"JBNTMJ": [2000.0]}, geometry=[b(200, 0, 220, 100)], crs=4526)
    return changes, approvals, jbnt, landuse


def test_grades_by_hand(layers):
    changes, approvals, jbnt, landuse = layers
    r = enforcement_check(changes, approvals=approvals, farmland=jbnt, landuse=landuse, method="planar")
    assert isinstance(r, EnforcementResult) and not r.passed
    assert r.tables() == ("changes", "by_township")
    t = r.changes
    np.testing.assert_allclose(t["area_m2"], [10000, 10000, 10000, 10000, 10499], rtol=1e-9)
    # C5 sticks 0.04 m × 100 m = 4 m² out of A1: below the 10 m² tolerance, so approved
    np.testing.assert_allclose(t["approved_m2"], [10000, 5000, 0, 0, 10495], rtol=1e-9)
    np.testing.assert_allclose(t["unapproved_m2"], [0, 5000, 10000, 10000, 4], rtol=1e-6, atol=1e-6)
    # unapproved part: C2 = x 200–250 dry land (jbnt 200–220); C3 = 400–450 dry, 450–500 homestead
    np.testing.assert_allclose(t["jbnt_m2"], [0, 2000, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(t["cultivated_m2"], [0, 5000, 5000, 0, 4], rtol=1e-6)
    np.testing.assert_allclose(t["construction_m2"], [0, 0, 5000, 10000, 0], rtol=1e-6)
    assert t["approval"].tolist() == ["all", "part", "none", "none", "all"]
    assert t["grade"].tolist() == [0, 3, 2, 1, 0]
    assert t["verdict"].tolist() == ["approved", "basic farmland", "farmland", "other", "approved"]
    # township = first 9 digits of ZLDWDM of the landuse patch under most of the change
    assert t["township_code"].tolist() == ["411528101"] * 5
    assert "变化图斑5个" in r.summary() and "疑似违法用地图斑3个" in r.summary()
    assert "占用永久基本农田1个，占用耕地1个，占用其他土地1个" in r.summary()
    assert "3 suspected violations" in r.summary("en") and "Result: failed" in r.summary("en")


def test_all_approved_passes_and_id_field(layers):
    changes, approvals, jbnt, landuse = layers
    inside = changes.loc[["C1", "C5"]].reset_index()
    r = enforcement_check(inside, approvals=approvals, farmland=jbnt, landuse=landuse,
                          method="planar", id_field="JCBH")
    assert r.passed and r.changes.index.tolist() == ["C1", "C5"]
    assert r.changes["grade"].tolist() == [0, 0]
    assert "结论：未发现疑似违法用地" in r.summary() and "no suspected violation" in r.summary("en")
    with pytest.raises(SchemaError, match="BH"):
        enforcement_check(inside, approvals=approvals, farmland=jbnt, landuse=landuse, id_field="BH")
    with pytest.raises(OptionError, match="tolerance_m2"):
        enforcement_check(inside, approvals=approvals, farmland=jbnt, landuse=landuse, tolerance_m2=-5)


def test_overlapping_approvals_are_counted_once(layers):
    changes, approvals, jbnt, landuse = layers
    twice = pd.concat([approvals, approvals.iloc[[1]]])
    t = enforcement_check(changes, approvals=twice.reset_index(drop=True), farmland=jbnt,
                          landuse=landuse, method="planar").changes
    assert t.loc["C2", "approved_m2"] == pytest.approx(5000)


def test_townships_layer_and_summary(layers):
    changes, approvals, jbnt, landuse = layers
    towns = gpd.GeoDataFrame({"XZQDM": ["411528001", "411528002"], "XZQMC": ["谯楼街道", "龙湖街道"]},
                             geometry=[b(-100, -100, 420, 200), b(420, -100, 900, 200)], crs=4526)
    r = enforcement_check(changes, approvals=approvals, farmland=jbnt, landuse=landuse,
                          townships=towns, method="planar")
    t = r.changes
    assert t["township"].tolist() == ["谯楼街道", "谯楼街道", "龙湖街道", "龙湖街道", "谯楼街道"]
    pd.testing.assert_frame_equal(summarize_enforcement(r), r.by_township)
    pd.testing.assert_frame_equal(summarize_enforcement(t), r.by_township)  # from the table too
    assert r.by_township.index.tolist() == ["谯楼街道", "龙湖街道"]  # canonical: no total row
    s = r.table("by_township", total=True)
    assert s.index.tolist() == ["谯楼街道", "龙湖街道", "合计"]
    assert s["patches"].tolist() == [3, 2, 5]
    assert s["suspected"].tolist() == [1, 2, 3]
    assert s["suspected_basic_farmland"].tolist() == [1, 0, 1]
    np.testing.assert_allclose(s["unapproved_ha"], [0.5004, 2.0, 2.5004], rtol=1e-6)
    by_approval = summarize_enforcement(r, by="approval")
    assert by_approval.index.tolist() == ["all", "none", "part"]
    assert by_approval["patches"].tolist() == [2, 2, 1]
    zs = r.table("by_township", labels="zh", total=True)
    assert zs.index.name == "乡镇" and zs.loc["合计", "疑似违法图斑个数"] == 3
    zh = r.table("changes", labels="zh", total=True)
    assert zh.loc["C2", "判定"] == "疑似违法占用永久基本农田" and zh.loc["C3", "批准情况"] == "未批准"
    assert zh.index[-1] == "合计" and zh.loc["合计", "图斑面积(平方米)"] == pytest.approx(50499)


def test_guards(layers):
    changes, approvals, jbnt, landuse = layers
    with pytest.raises(CRSError):
        enforcement_check(changes, approvals=approvals.to_crs(4547), farmland=jbnt, landuse=landuse)
    with pytest.raises(SchemaError, match="DLBM"):
        enforcement_check(changes, approvals=approvals, farmland=jbnt, landuse=landuse.drop(columns="DLBM"))
    with pytest.raises(ValidationError, match="编号（索引值）重复：C1"):
        enforcement_check(changes.rename(index={"C2": "C1"}), approvals=approvals, farmland=jbnt,
                          landuse=landuse)


def test_is_construction():
    assert is_construction is _landuse.is_construction  # one list of construction codes
    # sample README: 05–09xx, 1001–1005, 1007–1009, 1109, 1201 are construction land
    codes = ["0101", "0201", "0508", "0601", "0702", "0810", "0906", "1001", "1006", "1007",
             "1101", "1109", "1201", "1202"]
    assert is_construction(codes).tolist() == [False, False, True, True, True, True, True, True,
                                               False, True, False, True, True, False]


def test_sample_changes():
    ch = sample.load("changes").set_index("JCBH")
    r = enforcement_check(ch, approvals=sample.load("approvals"), farmland=sample.load("jbnt"),
                          landuse=sample.load("dltb"), townships=sample.load("townships"))
    t = r.changes
    assert len(t) == 38
    # JCMJ is the patch area in ha (README)
    np.testing.assert_allclose(t["area_ha"].round(4), ch["JCMJ"], atol=1e-9)
    # README: 14 inside an approval, 6 partly inside one, the other 18 without approval
    assert (t["approval"] == "all").sum() == 14
    assert (t["approval"] == "part").sum() == 6
    none = t[t["approval"] == "none"]
    assert len(none) == 18
    # 8 on permanent basic farmland: the most serious grade
    assert (none["grade"] == 3).sum() == 8 and (t["grade"] == 3).sum() == 8
    # README's other 10: "6 on farmland round the town" and "4 inside villages". By the land
    # they take (dltb), 5 lie on farmland and 5 on village homesteads (0702): one of the six
    # placed in the ring round the town, 41152820230013 (8,323 m²), landed on a homestead patch
    assert (none["grade"] == 2).sum() == 5 and (none["grade"] == 1).sum() == 5
    assert none.loc["41152820230013", "construction_m2"] == pytest.approx(none.loc["41152820230013", "area_m2"])
    # the unapproved part of the partly approved patches lies on farmland, not basic farmland
    assert (t.loc[t["approval"] == "part", "jbnt_m2"] == 0).all()
    # areas add up: approved + unapproved = patch; overlay cross-check of the approved area
    np.testing.assert_allclose(t["approved_m2"] + t["unapproved_m2"], t["area_m2"])
    ap = sample.load("approvals")
    ov = gpd.overlay(ch.reset_index()[["JCBH", "geometry"]], ap[["geometry"]], how="intersection",
                     keep_geom_type=True)
    covered = area(ov).groupby(ov["JCBH"]).sum().reindex(t.index, fill_value=0.0)
    np.testing.assert_allclose(t["approved_m2"], covered, atol=0.02)
    s = r.table("by_township", total=True)
    assert s.loc["合计", "patches"] == 38 and s.loc["合计", "suspected"] == 24
    assert s.loc["合计", "suspected_basic_farmland"] == 8


def test_numeric_land_use_codes_are_refused(layers):
    """Numeric DLBM (103) would grade farmland taken as 'other': refused before any overlay."""
    changes, approvals, jbnt, landuse = layers
    numeric = landuse.assign(DLBM=[103, 702, 601])
    with pytest.raises(ValidationError, match="DLBM 存的是数字.*带前导零"):
        enforcement_check(changes, approvals=approvals, farmland=jbnt, landuse=numeric, method="planar")
