"""Tests of xigeo.adjust_areas (面积平差) and ``xigeo adjust``.

Where the expected numbers come from:
- the hand-worked cases: the rule of DOMAIN.md "Control-area adjustment"
  (n = |diff| in hundredths, k items, f = n div k each, the r = n mod k
  largest one more, ties by BSM; upper levels first), worked in the comments;
- the sample: the survey ellipsoidal area (xigeo.area, tested against
  published oracles in test_area.py) of the sample's patches dissolved by
  township and county code, as polygon controls, and a village control table
  made here; the checks are the rule's invariants (exact sums in integer
  hundredths at every level, no change beyond ceil(n/k)) and a plain
  per-unit Python loop applying the same rule, written independently here.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely import box

import xigeo
from xigeo import sample
from xigeo.adjust import AdjustmentResult, adjust_areas
from xigeo.cli import cli
from xigeo.errors import CRSError, OptionError, SchemaError, ValidationError
from xigeo._excel import read_table

X0, Y0 = 38_560_000.0, 3_580_000.0


def h(values):
    """Figures in m² as integer hundredths (exact)."""
    return np.round(np.asarray(values, dtype=np.float64) * 100).astype(np.int64)


# ------------------------------------------------------------------ hand-worked


@pytest.fixture
def four():
    # one village, four patches; A and B are equally large
    return pd.DataFrame({"BSM": ["2", "1", "3", "4"], "ZLDWDM": ["4115281010010000000"] * 4,
                         "TBMJ": [300.00, 300.00, 200.00, 100.00], "KCXS": [0.05, 0.05, 0.0, 0.5]},
                        index=pd.Index(["A", "B", "C", "D"], name="TBBH"))


def test_hand_worked_five_hundredths_over_four_patches(four):
    # Σ = 900.00, control 900.05: n = 5 hundredths, k = 4 → f = 1, r = 1.
    # Largest first: A and B (300.00) tie, B's BSM "1" < A's "2" → B gets f+1 = 2,
    # A, C, D get 1 each.
    r = adjust_areas(four, {"411528101001": 900.05})
    assert r.patches["TBMJ"].to_dict() == {"A": 300.01, "B": 300.02, "C": 200.01, "D": 100.01}
    assert r.change_m2.to_dict() == {"A": 0.01, "B": 0.02, "C": 0.01, "D": 0.01}
    # KCMJ = round(TBMJ × KCXS, 2) half up (四舍五入): A 30001 × 0.05 = 1500.05 → 1500 → 15.00;
    # D 10001 × 0.5 = 5000.5 hundredths → 5001 → 50.01 (banker's rounding would give 50.00);
    # TBDLMJ = TBMJ − KCMJ: D 100.01 − 50.01 = 50.00
    assert r.patches["KCMJ"].to_dict() == {"A": 15.00, "B": 15.00, "C": 0.00, "D": 50.01}
    assert r.patches["TBDLMJ"].to_dict() == {"A": 285.01, "B": 285.02, "C": 200.01, "D": 50.00}
    u = r.units.loc["411528101001"]
    assert (u["level"], u["control_m2"], u["sum_before_m2"], u["difference_m2"], u["patches"],
            u["changed_patches"], u["max_change_m2"], u["sum_after_m2"]) == \
        ("village", 900.05, 900.00, 0.05, 4, 4, 0.02, 900.05)
    assert r.passed and r.levels == ("village",)
    # the input is not changed
    assert four["TBMJ"].tolist() == [300.00, 300.00, 200.00, 100.00]


def test_negative_difference_and_the_tie_break_is_the_key_not_the_row_order(four):
    # control 899.97: n = 3, k = 4 → f = 0, r = 3: the three largest lose 0.01:
    # B (BSM 1) and A (BSM 2), then C; D keeps its area
    r = adjust_areas(four, {"411528101001": 899.97})
    assert r.patches["TBMJ"].to_dict() == {"A": 299.99, "B": 299.99, "C": 199.99, "D": 100.00}
    # control 900.01: only the first in order changes — B, whatever the row order
    for frame in (four, four.iloc[::-1], four.iloc[[2, 0, 3, 1]]):
        r = adjust_areas(frame, {"411528101001": 900.01})
        assert r.change_m2[r.change_m2 != 0].to_dict() == {"B": 0.01}
    # key_field=None: the index is the key (A < B) → A
    r = adjust_areas(four, {"411528101001": 900.01}, key_field=None)
    assert r.change_m2[r.change_m2 != 0].to_dict() == {"A": 0.01}


@pytest.fixture
def three_levels():
    """Two townships, three villages, six patches, and controls at three levels."""
    codes = ["411528101001", "411528101001", "411528101002", "411528102001", "411528102001",
             "411528102001"]
    patches = pd.DataFrame({"BSM": [f"4115282{i:08d}" for i in range(11, 17)],
                            "ZLDWDM": [c + "0010000" for c in codes],
                            "TBMJ": [400.00, 250.00, 300.00, 500.00, 500.00, 100.00],
                            "KCXS": [0.1, 0.0, 0.0, 0.05, 0.05, 0.0]},
                           index=pd.Index(["P1", "P2", "P3", "P4", "P5", "P6"], name="id"))
    controls = pd.DataFrame({"XZQDM": ["411528", "411528101", "411528102", "411528101001",
                                       "411528101002", "411528102001"],
                             "XZQMC": ["息县", "包信镇", "夏庄镇", "甲村", "乙村", "丙村"],
                             "KZMJ": [2050.10, 950.03, 1100.06, 650.01, 300.01, 1100.05]})
    return patches, controls


def test_hand_worked_three_levels(three_levels):
    patches, controls = three_levels
    # county 2050.10 − Σ townships (950.03 + 1100.06 = 2050.09) = +0.01: k = 2, f = 0, r = 1 →
    #   the larger control, 102 (1100.06), gets it: townships 950.03 and 1100.07.
    # township 101: 950.03 − (650.01 + 300.01) = +0.01 → village 101001 (the larger) → 650.02;
    #   101002 stays 300.01. township 102: 1100.07 − 1100.05 = +0.02 → village 102001 → 1100.07.
    # patches: village 101001 650.02 − (400 + 250) = +0.02 over 2 → +0.01 each;
    #   101002 300.01 − 300 = +0.01 → P3; 102001 1100.07 − 1100 = +0.07 over 3: f = 2, r = 1 →
    #   P4 and P5 tie at 500, P4's BSM first → P4 +0.03, P5 +0.02, P6 +0.02.
    r = adjust_areas(patches, controls)
    assert r.patches["TBMJ"].to_dict() == {"P1": 400.01, "P2": 250.01, "P3": 300.01, "P4": 500.03,
                                           "P5": 500.02, "P6": 100.02}
    assert r.units["adjusted_control_m2"].to_dict() == {
        "411528": 2050.10, "411528101": 950.03, "411528102": 1100.07, "411528101001": 650.02,
        "411528101002": 300.01, "411528102001": 1100.07}
    assert r.units["children_difference_m2"].loc[["411528", "411528101", "411528102"]].tolist() == \
        [0.01, 0.01, 0.02]
    assert r.units["parent"].to_dict() == {"411528": "", "411528101": "411528", "411528102": "411528",
                                           "411528101001": "411528101", "411528101002": "411528101",
                                           "411528102001": "411528102"}
    assert list(r.units.index) == ["411528", "411528101", "411528102", "411528101001",
                                   "411528101002", "411528102001"]
    assert r.levels == ("county", "township", "village") and r.passed
    # KCMJ of P1: 40001 × 0.1 = 4000.1 → 40.00; P4: 50003 × 0.05 = 2500.15 → 25.00
    assert r.patches.loc["P1", "KCMJ"] == 40.00 and r.patches.loc["P4", "KCMJ"] == 25.00
    assert r.patches.loc["P4", "TBDLMJ"] == 475.03


def test_controls_as_several_tables_series_or_mapping(three_levels):
    patches, controls = three_levels
    expected = adjust_areas(patches, controls).patches["TBMJ"]
    county = controls.iloc[:1]
    townships = controls.iloc[1:3].rename(columns={"XZQDM": "DWDM"})
    villages = pd.Series(controls["KZMJ"].iloc[3:].to_numpy(), index=controls["XZQDM"].iloc[3:])
    for given in ([villages, townships, county],
                  [dict(zip(controls["XZQDM"], controls["KZMJ"]))]):
        assert adjust_areas(patches, given).patches["TBMJ"].equals(expected)


# ------------------------------------------------------------------ the sample


@pytest.fixture(scope="module")
def dltb():
    return sample.load("dltb")


@pytest.fixture(scope="module")
def sample_controls(dltb):
    """The sample's unit layers (sample_shapefiles/README.md): the survey area standing for the
    county, its 8 townships and 170 villages, each the union of its patches with KZMJ = its
    survey ellipsoidal area (max |KZMJ − Σ TBMJ|: 0.00, 0.17, 0.06 m², tests/test_sample.py)."""
    return sample.load("survey_area"), sample.load("survey_townships"), sample.load("villages")


@pytest.fixture(scope="module")
def sample_result(dltb, sample_controls):
    return adjust_areas(dltb, list(sample_controls))


def test_sample_every_level_sums_exactly(dltb, sample_controls, sample_result):
    r = sample_result
    county, towns, villages = sample_controls
    assert r.levels == ("county", "township", "village") and r.passed
    assert len(r.units) == 1 + len(towns) + len(villages) == 1 + 8 + 170
    adjusted = h(r.patches["TBMJ"])
    for L, level in ((6, "county"), (9, "township"), (12, "village")):
        sums = pd.Series(adjusted, index=r.patches.index).groupby(r.patches["ZLDWDM"].str[:L]).sum()
        units = r.units[r.units["level"] == level]
        assert sums.to_dict() == dict(zip(units.index, h(units["adjusted_control_m2"])))
        assert (h(units["sum_after_m2"]) == h(units["adjusted_control_m2"])).all()
    # the county keeps its control; each level's adjusted controls sum to the unit above
    assert h(r.units.loc["411528", "adjusted_control_m2"]) == h(xigeo.area(county).iloc[0])
    for level, parent_level in (("township", "county"), ("village", "township")):
        units = r.units[r.units["level"] == level]
        up = r.units[r.units["level"] == parent_level]
        got = pd.Series(h(units["adjusted_control_m2"]), index=units.index).groupby(units["parent"]).sum()
        assert got.to_dict() == dict(zip(up.index, h(up["adjusted_control_m2"])))
    # the township controls are the dissolved polygons' ellipsoidal areas
    assert h(r.units.loc[towns["XZQDM"], "control_m2"]).tolist() == h(xigeo.area(towns)).tolist()
    assert r.units.loc["411528001", "name"] == "谯楼街道"
    # KCMJ and TBDLMJ recomputed in exact hundredths
    kcmj = np.floor(np.round(adjusted * dltb["KCXS"].to_numpy(), 6) + 0.5).astype(np.int64)
    assert (h(r.patches["KCMJ"]) == kcmj).all()
    assert (h(r.patches["TBDLMJ"]) == adjusted - kcmj).all()


def test_sample_no_patch_changes_more_than_ceil_n_over_k(dltb, sample_result):
    r = sample_result
    villages = r.units[r.units["level"] == "village"]
    n = np.abs(h(villages["difference_m2"]))
    k = villages["patches"].to_numpy()
    bound = pd.Series([math.ceil(a / b) for a, b in zip(n, k)], index=villages.index)
    change = pd.Series(np.abs(h(r.change_m2)), index=dltb.index).groupby(dltb["ZLDWDM"].str[:12]).max()
    assert (change <= bound.loc[change.index]).all()
    assert (h(villages["max_change_m2"]) == change.loc[villages.index].to_numpy()).all()
    assert change.max() >= 1     # something did change


def _loop_reference(patches, controls):
    """The obvious way, unit by unit in Python: the rule of DOMAIN.md written independently."""
    area = dict(zip(patches["BSM"], h(patches["TBMJ"])))
    code = dict(zip(patches["BSM"], patches["ZLDWDM"]))
    ctrl = {c: int(v) for c, v in zip(controls["code"], h(controls["KZMJ"]))}
    levels = sorted({len(c) for c in ctrl})
    adjusted = {c: v for c, v in ctrl.items() if len(c) == levels[0]}

    def share(items, diff):  # items: (size, key, name) → name: change
        items = sorted(items, key=lambda t: (-t[0], t[1]))
        f, r = divmod(abs(diff), len(items))
        sign = 1 if diff >= 0 else -1
        return {name: sign * (f + (i < r)) for i, (_, _, name) in enumerate(items)}

    for up, down in zip(levels, levels[1:]):
        for parent in [c for c in ctrl if len(c) == up]:
            children = [c for c in ctrl if len(c) == down and c.startswith(parent)]
            diff = adjusted[parent] - sum(ctrl[c] for c in children)
            for c, d in share([(ctrl[c], c, c) for c in children], diff).items():
                adjusted[c] = ctrl[c] + d
    out = dict(area)
    for unit in [c for c in ctrl if len(c) == levels[-1]]:
        members = [b for b in area if code[b].startswith(unit)]
        diff = adjusted[unit] - sum(area[b] for b in members)
        for b, d in share([(area[b], b, b) for b in members], diff).items():
            out[b] += d
    return np.array([out[b] for b in patches["BSM"]]) / 100.0


def test_sample_equals_a_per_unit_loop(dltb, sample_controls, sample_result):
    county, towns, villages = sample_controls
    controls = pd.concat([
        pd.DataFrame({"code": county["XZQDM"], "KZMJ": xigeo.area(county).to_numpy()}),
        pd.DataFrame({"code": towns["XZQDM"], "KZMJ": xigeo.area(towns).to_numpy()}),
        villages.rename(columns={"CJDCQDM": "code"})])
    expected = _loop_reference(dltb, controls)
    assert (h(sample_result.patches["TBMJ"]) == h(expected)).all()


def test_sample_row_order_does_not_matter(dltb, sample_controls, sample_result):
    rng = np.random.default_rng(15)
    shuffled = dltb.iloc[rng.permutation(len(dltb))]
    county, towns, villages = sample_controls
    r = adjust_areas(shuffled, [villages.sample(frac=1, random_state=1), towns.iloc[::-1], county])
    assert r.patches["TBMJ"].loc[dltb.index].equals(sample_result.patches["TBMJ"])
    assert r.patches.index.equals(shuffled.index)          # the copy keeps the input's order
    pd.testing.assert_frame_equal(r.units, sample_result.units)


def test_no_control_sets_the_ellipsoidal_area(dltb):
    moved = dltb.assign(TBMJ=dltb["TBMJ"] + 1.0)
    r = adjust_areas(moved)
    expected = xigeo.area(dltb, method="ellipsoidal")
    assert (h(r.patches["TBMJ"]) == h(expected)).all()
    assert r.levels == () and len(r.units) == 0 and r.passed
    assert (h(r.change_m2) == 0).all()
    planar = adjust_areas(moved.drop(columns="TBMJ"), method="planar")
    assert (h(planar.patches["TBMJ"]) == h(dltb.geometry.area)).all()
    assert "未给控制面积" in r.summary("zh") and f"{expected.sum():,.2f}" in r.summary("en")


# ------------------------------------------------------------------ refusals


def test_tolerance_refusal_names_every_unit(three_levels):
    patches, controls = three_levels
    bad = controls.copy()
    # village 101002 20 m² over its patches (a gap), village 102001 15 m² under them (an overlap)
    bad.loc[bad["XZQDM"] == "411528101002", "KZMJ"] += 20.0
    bad.loc[bad["XZQDM"] == "411528102001", "KZMJ"] -= 15.0
    with pytest.raises(ValidationError) as info:
        adjust_areas(patches, bad)
    zh = str(info.value)
    assert zh.startswith("patches：面积平差被拒绝，3 个问题：")
    assert ("乡镇 411528101 包信镇：控制面积 950.03 m²，其下一级单位 970.02 m²，差值 -19.99 m²"
            in zh and "单位的面相互重叠" in zh)
    assert "村 411528101002 乙村：控制面积 310.02 m²，其图斑 300.00 m²，差值 +10.02 m²" in zh
    # the same refusal in English, every figure as in Chinese
    with xigeo.using_language("en"), pytest.raises(ValidationError) as info:
        adjust_areas(patches, bad)
    text = str(info.value)
    assert "refused" in text and "面积平差被拒绝" in text
    # upper levels first: each township's villages no longer add up to it, so the townships are
    # named (their controls are the adjusted figures: 950.03, and 1100.06 + 0.01 from the county)
    assert ("township 411528101 包信镇: control 950.03 m², its units one level down 970.02 m², "
            "difference -19.99 m²") in text and "overlapping unit polygons" in text
    assert ("township 411528102 夏庄镇: control 1,100.07 m², its units one level down 1,085.05 m², "
            "difference +15.02 m²") in text and "a gap between their polygons" in text
    # township 101's −19.99 is spread over its two villages: f = 9, r = 1, the larger (650.01)
    # gets −10.00, 101002 (320.01) −9.99 → 310.02, 10.02 m² above its patches: beyond it too
    assert "village 411528101002 乙村: control 310.02 m², its patches 300.00 m², difference +10.02 m²" in text
    records = {(p["level"], p["code"], p["against"]): p["difference_m2"] for p in info.value.problems}
    assert records == {("township", "411528101", "units"): pytest.approx(-19.99),
                       ("township", "411528102", "units"): pytest.approx(15.02),
                       ("village", "411528101002", "patches"): pytest.approx(10.02)}
    # within the tolerance it passes
    assert adjust_areas(patches, bad, tolerance_m2=25.0).passed


def test_unknown_codes_and_units_without_patches(three_levels):
    patches, controls = three_levels
    stray = patches.copy()
    stray.loc["P6", "ZLDWDM"] = "4115281030010010000"      # township 103: no control
    extra = pd.concat([controls, pd.DataFrame({"XZQDM": ["411528101003"], "XZQMC": ["丁村"],
                                               "KZMJ": [5.0]})], ignore_index=True)
    with pytest.raises(ValidationError) as info:
        adjust_areas(stray, extra)
    text = str(info.value)
    assert "ZLDWDM 以 411528103 开头的图斑没有乡镇级控制面积（1 个图斑，第 P6 行）" in text
    assert "以 411528103001 开头的图斑没有村级控制面积" in text
    assert "村 411528101003 丁村：没有图斑（控制面积 5.00 m²）" in text
    kinds = {(p["kind"], p["code"]) for p in info.value.problems}
    assert {("no_unit", "411528103"), ("no_unit", "411528103001"), ("empty", "411528101003")} <= kinds


def test_bad_rows_one_error_with_row_ids(three_levels):
    patches, controls = three_levels
    bad = patches.copy()
    bad.loc["P1", "ZLDWDM"] = "41152810100100"            # 14 digits
    bad.loc["P2", "TBMJ"] = np.nan
    bad.loc["P3", "TBMJ"] = -1.0
    bad.loc["P4", "KCXS"] = 1.0
    bad.loc["P5", "KCXS"] = -0.1
    with pytest.raises(ValidationError) as info:
        adjust_areas(bad, controls)
    text = str(info.value)
    assert "第 P1 行的 ZLDWDM 不是 19 位代码" in text
    assert "第 P4, P5 行的 KCXS（扣除系数）缺失或不在 [0, 1) 内" in text
    assert "第 P2, P3 行的 TBMJ 缺失、不是数字或为负" in text
    assert sorted(info.value.problems) == ["P1", "P2", "P3", "P4", "P5"]


def test_missing_fields_all_listed(three_levels):
    patches, controls = three_levels
    with pytest.raises(SchemaError) as info:
        adjust_areas(patches.drop(columns=["KCXS", "ZLDWDM", "TBMJ"]), controls)
    assert "缺少字段 ZLDWDM, KCXS, TBMJ" in str(info.value)
    with xigeo.using_language("en"), pytest.raises(SchemaError) as info:
        adjust_areas(patches.drop(columns=["KCXS", "ZLDWDM", "TBMJ"]), controls)
    assert "missing the field(s) ZLDWDM, KCXS, TBMJ" in str(info.value)
    with pytest.raises(SchemaError, match="BSM"):
        adjust_areas(patches.drop(columns="BSM"), controls)
    with pytest.raises(SchemaError, match="没有单位代码字段"):
        adjust_areas(patches, controls.rename(columns={"XZQDM": "DM"}))
    with pytest.raises(SchemaError, match="KZMJ"):
        adjust_areas(patches, controls.drop(columns="KZMJ"))


def test_bad_controls(three_levels):
    patches, controls = three_levels
    bad = controls.copy()
    bad.loc[0, "XZQDM"] = "41152"
    with pytest.raises(ValidationError, match="不是 6、9 或 12 位的单位代码"):
        adjust_areas(patches, bad)
    with pytest.raises(ValidationError, match="单位代码重复给出：411528101"):
        adjust_areas(patches, [controls, controls.iloc[1:2]])
    neg = controls.assign(KZMJ=controls["KZMJ"].where(controls.index != 2, -1.0))
    with pytest.raises(ValidationError, match=r"第 2 行的 KZMJ（控制面积，m²）缺失、不是数字或为负"):
        adjust_areas(patches, neg)
    dup = patches.assign(BSM="x")
    with pytest.raises(ValidationError, match="重复：x"):
        adjust_areas(dup, controls)


def test_bad_options(three_levels):
    patches, controls = three_levels
    for kwargs, pattern in (({"tolerance_m2": -1}, "tolerance_m2"), ({"engine": "spark"}, "local, dask"),
                            ({"method": "flat"}, "ellipsoidal"), ({"area_field": ""}, "area_field")):
        with pytest.raises(OptionError, match=pattern):
            adjust_areas(patches, controls, **kwargs)
    with pytest.raises(TypeError):
        adjust_areas(patches, "XZQ.shp")


def test_crs_is_checked_when_areas_are_measured(dltb, sample_controls):
    county, towns, villages = sample_controls
    with pytest.raises(CRSError):
        adjust_areas(dltb.set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match="EPSG:4547"):
        # without KZMJ the control is the polygons' survey area: their CRS is checked
        adjust_areas(dltb, [towns.drop(columns="KZMJ").set_crs(4547, allow_override=True)])


# ------------------------------------------------------------------ dask


@pytest.fixture(scope="module")
def two_counties(dltb, sample_controls):
    """The sample twice: as county 411528 and as a copy coded 411529 (a second partition)."""
    county, towns, villages = sample_controls
    copy = dltb.assign(ZLDWDM="411529" + dltb["ZLDWDM"].str[6:],
                       BSM="411529" + dltb["BSM"].str[6:])
    copy.index = copy.index + len(dltb)
    both = pd.concat([dltb, copy])
    controls = [pd.concat([county, county.assign(XZQDM="411529")]),
                pd.concat([towns, towns.assign(XZQDM="411529" + towns["XZQDM"].str[6:])]),
                pd.concat([villages, villages.assign(CJDCQDM="411529" + villages["CJDCQDM"].str[6:],
                                                     KZMJ=villages["KZMJ"] + 0.03)])]
    return both, controls


def test_dask_engine_equals_local_on_a_cluster(two_counties):
    distributed = pytest.importorskip("distributed")
    both, controls = two_counties
    local = adjust_areas(both, controls)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster):
        remote = adjust_areas(both, controls, engine="dask")
        bad = [c.copy() for c in controls]
        bad[2].loc[bad[2].index[3], "KZMJ"] += 50.0
        with pytest.raises(ValidationError) as info_dask:
            adjust_areas(both, bad, engine="dask")
    assert remote.engine == "dask" and remote.passed
    pd.testing.assert_frame_equal(remote.patches, local.patches)
    pd.testing.assert_frame_equal(remote.units, local.units)
    assert remote.change_m2.equals(local.change_m2)
    assert len(local.units) == 2 * (1 + 8 + 170)
    with pytest.raises(ValidationError) as info_local:
        adjust_areas(both, bad)
    assert str(info_dask.value) == str(info_local.value)


def test_dask_engine_without_a_cluster_and_orphan_controls(three_levels):
    patches, controls = three_levels
    other = pd.concat([controls, pd.DataFrame({"XZQDM": ["411529"], "XZQMC": ["别县"], "KZMJ": [1.0]})])
    with pytest.raises(ValidationError) as local:
        adjust_areas(patches, other)
    with pytest.raises(ValidationError) as dask_:
        adjust_areas(patches, other, engine="dask")
    assert str(local.value) == str(dask_.value) and "县 411529 别县：没有图斑" in str(local.value)
    assert adjust_areas(patches, controls, engine="dask").patches.equals(
        adjust_areas(patches, controls).patches)


# ------------------------------------------------------------------ the result contract


def test_contract(three_levels, tmp_path):
    patches, controls = three_levels
    r = adjust_areas(patches, controls)
    assert isinstance(r, AdjustmentResult) and r.tables() == ("units", "patches")
    zh, en = r.summary("zh"), r.summary("en")
    # the patches' total went from 2,050.00 to 2,050.10 m²; largest single change 0.03 m²
    assert "图斑面积合计由2,050.00平方米调整为2,050.10平方米" in zh and "最多改变0.03平方米" in zh
    assert "from 2,050.00 m² to 2,050.10 m²" in en and "by at most 0.03 m²" in en
    assert "县1个、乡镇2个、村3个" in zh
    units = r.table("units", labels="zh")
    assert units.index.name == "单位代码"
    assert units.loc["411528101", "级别"] == "乡镇" and units.loc["411528", "级别"] == "县"
    assert units.loc["411528102001", "调平后控制面积(平方米)"] == 1100.07
    assert "差值(平方米)" in units.columns and "单个图斑最大改变(平方米)" in units.columns
    total = r.table("patches", labels="zh", total=True)
    assert total.loc["合计", "图斑面积(平方米)"] == pytest.approx(2050.10)
    assert "geometry" not in r.table("patches").columns
    html = r._repr_html_()
    assert "控制面积平差" in html and "通过 passed" in html and "面积平差表" in html
    path = r.to_excel(tmp_path / "平差.xlsx")
    sheets = read_table(path, sheet_name=None, index_col=0)
    assert list(sheets) == ["摘要", "面积平差表", "平差后图斑"]
    back = sheets["面积平差表"]
    assert back.index.astype(str).tolist() == list(r.units.index)
    assert back["调平后控制面积(平方米)"].tolist() == r.units["adjusted_control_m2"].tolist()
    assert sheets["平差后图斑"].loc["合计", "图斑面积(平方米)"] == pytest.approx(2050.10)
    with pytest.raises(OptionError):
        r.table("units", total=True)


def test_geodataframe_in_geodataframe_out(sample_result, dltb):
    assert isinstance(sample_result.patches, gpd.GeoDataFrame)
    assert sample_result.patches.crs == dltb.crs
    assert list(sample_result.patches.columns) == list(dltb.columns)


# ------------------------------------------------------------------ CLI


@pytest.fixture
def files(tmp_path):
    """A township (two villages) of GK boxes near the county seat, written as shapefiles, and a
    village control table. TBMJ = each box's ellipsoidal area; the township polygon's area is
    its control."""
    boxes = [box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 150) for i in range(6)]
    codes = ["411528101001"] * 3 + ["411528101002"] * 3
    layer = gpd.GeoDataFrame({"BSM": [f"B{i}" for i in range(6)], "DLBM": ["0101"] * 6,
                              "ZLDWDM": [c + "0010000" for c in codes], "KCXS": [0.05] * 6},
                             geometry=boxes, crs=4526)
    layer["TBMJ"] = xigeo.area(layer).to_numpy()
    town = gpd.GeoDataFrame({"XZQDM": ["411528101"], "XZQMC": ["包信镇"]},
                            geometry=[box(X0, Y0, X0 + 600, Y0 + 150)], crs=4526)
    sums = layer.groupby(layer["ZLDWDM"].str[:12])["TBMJ"].sum()
    table = pd.DataFrame({"CJDCQDM": sums.index, "CJDCQMC": ["甲村", "乙村"],
                          "KZMJ": np.round(sums.to_numpy() + [0.03, -0.02], 2)})
    paths = {"dltb": tmp_path / "DLTB.shp", "xzq": tmp_path / "XZQ.shp",
             "table": tmp_path / "控制面积.csv", "out": tmp_path / "DLTB_平差.gpkg",
             "units": tmp_path / "平差表.xlsx"}
    xigeo.write_layer(layer, paths["dltb"])
    xigeo.write_layer(town, paths["xzq"])
    table.to_csv(paths["table"], index=False, encoding="utf-8-sig")
    return paths, layer, town, table


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_cli_adjusts_and_writes_the_layer_and_the_audit(files):
    paths, layer, town, table = files
    result = run("adjust", paths["dltb"], "--control", paths["xzq"], "--control-table", paths["table"],
                 "-o", paths["out"], "--units", paths["units"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("控制面积平差") and not lines[1].startswith("Control-area adjustment")
    assert "包信镇" in result.output and "甲村" in result.output
    out = xigeo.read_layer(paths["out"])
    got = out.groupby(out["ZLDWDM"].str[:12])["TBMJ"].sum()
    # the township polygon's area is the control; the villages' controls are adjusted to it
    town_h = h(xigeo.area(town).iloc[0])
    assert h(out["TBMJ"]).sum() == town_h
    units = read_table(paths["units"], sheet_name=None, index_col=0)
    audit = units["面积平差表"]
    audit.index = audit.index.astype(str)
    assert h(got).tolist() == h(audit.loc[["411528101001", "411528101002"], "调平后控制面积(平方米)"]).tolist()
    assert (h(out["KCMJ"]) + h(out["TBDLMJ"]) == h(out["TBMJ"])).all()
    assert set(units) == {"摘要", "面积平差表", "调整图斑"}
    changed = units["调整图斑"]
    assert changed.index.name == "标识码" and set(changed.index) <= set(layer["BSM"])
    assert (h(changed["平差后图斑面积(平方米)"]) - h(changed["平差前图斑面积(平方米)"])
            == h(changed["改变(平方米)"])).all()
    assert f"已写出 {paths['out']}（平差后图斑）" in result.output


def test_cli_refuses_existing_outputs_unless_overwrite(files):
    paths, *_ = files
    paths["out"].write_bytes(b"old layer")
    result = CliRunner().invoke(cli, ["adjust", str(paths["dltb"]), "--control-table", str(paths["table"]),
                                      "-o", str(paths["out"])])
    assert result.exit_code == 1 and "已存在" in str(result.exception)
    assert paths["out"].read_bytes() == b"old layer"
    result = run("adjust", paths["dltb"], "--control-table", paths["table"], "-o", paths["out"],
                 "--overwrite")
    assert result.exit_code == 0, result.output
    assert len(xigeo.read_layer(paths["out"])) == 6


def test_cli_errors_write_nothing(files, tmp_path):
    paths, layer, town, table = files
    from xigeo.cli import main

    # a village control 30 m² off: refused, nothing written
    bad = tmp_path / "坏控制.csv"
    table.assign(KZMJ=table["KZMJ"] + [30.0, 0.0]).to_csv(bad, index=False, encoding="utf-8-sig")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["adjust", str(paths["dltb"]), "--control-table", str(bad), "-o", str(paths["out"]),
                 "--units", str(paths["units"])]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    # a layer without KCXS: one line naming the field
    broken = tmp_path / "DLTB2.shp"
    xigeo.write_layer(layer.drop(columns="KCXS"), broken)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["adjust", str(broken), "--control", str(paths["xzq"]), "-o", str(paths["out"])]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    # no control at all: a usage error
    result = CliRunner().invoke(cli, ["adjust", str(paths["dltb"]), "-o", str(paths["out"])])
    assert result.exit_code == 2 and "--control" in result.output
    assert not paths["out"].exists()


def test_cli_error_messages(files, capsys):
    paths, layer, town, table = files
    from xigeo.cli import main

    bad = paths["table"].with_name("bad.csv")
    table.assign(KZMJ=table["KZMJ"] + [30.0, 0.0]).to_csv(bad, index=False, encoding="utf-8-sig")
    assert main(["adjust", str(paths["dltb"]), "--control-table", str(bad), "-o", str(paths["out"])]) == 1
    err = capsys.readouterr().err
    assert "xigeo: 错误：" in err and "村 411528101001 甲村" in err and "面积平差被拒绝" in err
    # --lang en: the same refusal in English
    assert main(["--lang", "en", "adjust", str(paths["dltb"]), "--control-table", str(bad),
                 "-o", str(paths["out"])]) == 1
    err = capsys.readouterr().err
    assert "xigeo: error:" in err and "village 411528101001 甲村" in err and "refused" in err


def test_cli_field_names_and_option_values_are_flags(files, tmp_path, capsys):
    """The fixes a CLI user is given are flags the command has: a layer whose code and area
    fields are named otherwise runs with --code-field/--area-field (same figures as the
    renamed layer), the missing-field message names those flags, and a negative --tolerance
    is a usage error naming --tolerance (it named tolerance_m2=, a Python keyword)."""
    from xigeo.cli import main

    paths, layer, town, table = files
    other = tmp_path / "其他字段.shp"
    xigeo.write_layer(layer.rename(columns={"ZLDWDM": "ZLDM", "TBMJ": "MJ"}), other)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["adjust", str(other), "--control-table", str(paths["table"]), "-o", str(paths["out"])]) == 1
    err = capsys.readouterr().err
    assert "缺少字段 ZLDWDM, TBMJ" in err and "--code-field, --area-field" in err
    assert "gdf.rename" not in err and sorted(p.name for p in tmp_path.iterdir()) == before
    result = run("adjust", other, "--control-table", paths["table"], "-o", paths["out"],
                 "--code-field", "ZLDM", "--area-field", "MJ")
    assert result.exit_code == 0, result.output
    ref = run("adjust", paths["dltb"], "--control-table", paths["table"], "-o", tmp_path / "ref.gpkg")
    assert ref.exit_code == 0, ref.output
    got, want = xigeo.read_layer(paths["out"]), xigeo.read_layer(tmp_path / "ref.gpkg")
    assert h(got["MJ"]).tolist() == h(want["TBMJ"]).tolist()
    result = CliRunner().invoke(cli, ["adjust", str(paths["dltb"]), "--control-table", str(paths["table"]),
                                      "-o", str(tmp_path / "t.gpkg"), "--tolerance", "-1"])
    assert result.exit_code == 2 and "--tolerance" in result.output and "tolerance_m2" not in result.output


@pytest.mark.parametrize("controls", [
    {"411528101001": 300.0},                                    # county 411529 has no control at all
    {"411528101": 300.0, "411528101001": 300.0, "411529101001": 200.0},  # no township 411529101
])
def test_dask_engine_refuses_what_the_local_engine_refuses(controls):
    """Review: the dask engine read the control levels of each county's block, so a county without
    controls (or without a level the others have) passed unnoticed; the local engine names it."""
    patches = pd.DataFrame({"BSM": ["1", "2", "3"], "TBMJ": [100.0, 200.0, 200.0], "KCXS": 0.0,
                            "ZLDWDM": ["4115281010010000000", "4115281010010000000",
                                       "4115291010010000000"]})
    table = pd.DataFrame({"code": list(controls), "KZMJ": list(controls.values())})
    with pytest.raises(ValidationError) as local:
        adjust_areas(patches, table)
    with pytest.raises(ValidationError) as dask:
        adjust_areas(patches, table, engine="dask")
    assert "411529101" in str(local.value)
    assert str(dask.value) == str(local.value)
