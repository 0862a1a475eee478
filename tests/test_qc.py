"""xigeo.check_survey (质检): every rule on a hand-made layer that breaks it and one that does not.

The clean layer is a 3 × 3 grid of 100 m squares in Gauss–Krüger zone 38
(EPSG:4526) with consistent attributes: TBMJ the survey area computed
here by the closed form of DOMAIN.md (independent of xigeo.area), KCMJ =
round half up of TBMJ × KCXS, TBDLMJ = TBMJ − KCMJ, 19-digit codes of the
one village that covers it. Each test breaks one rule and asserts the one
finding (rule, feature, value) the rule must give and that no other rule
fires. Areas of overlap and gap pieces are checked against pyproj's
geodesic area of the same polygon (DOMAIN.md: the survey area agrees with
it to about 1e-7 relative).
"""

from __future__ import annotations

import math
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import Polygon, box

import xigeo
from xigeo.errors import OptionError, ValidationError
from xigeo.qc import load_rules

X0, Y0 = 38_560_000.0, 3_580_000.0
VILLAGE = "411528101201"
CRS = 4526
_GEOD = pyproj.Geod(ellps="GRS80")
_TO_LL = pyproj.Transformer.from_crs(CRS, 4490, always_xy=True)


def geodesic_m2(geom) -> float:
    """Area (m²) by pyproj's geodesic routine, the vertices densified every 1 m (an independent figure)."""
    g = shapely.segmentize(geom, 1.0)
    ll = shapely.transform(g, lambda xy: np.column_stack(_TO_LL.transform(xy[:, 0], xy[:, 1])))
    return abs(_GEOD.geometry_area_perimeter(ll)[0])


def tbmj(geom) -> float:
    """The TBMJ a patch must carry: xigeo's survey area (checked against survey_m2 below)."""
    return float(xigeo.area(gpd.GeoSeries([geom], crs=CRS)).iloc[0])


def survey_m2(geom) -> float:
    """Survey ellipsoidal area by the closed form of DOMAIN.md (q(B) on CGCS2000), rounded to 0.01."""
    e2 = 0.00669438002290
    e = math.sqrt(e2)
    b = 6356752.31414036
    g = shapely.segmentize(geom, 1.0)
    total = 0.0
    for ring, sign in [(g.exterior, 1)] + [(r, -1) for r in g.interiors]:
        lon, lat = _TO_LL.transform(*np.asarray(ring.coords).T)
        lam, phi = np.radians(lon), np.radians(lat)
        s = np.sin(phi)
        q = s / (1 - e2 * s * s) + (1 / (2 * e)) * np.log((1 + e * s) / (1 - e * s))
        total += sign * abs(np.sum((lam[1:] - lam[:-1]) * (q[1:] + q[:-1]) / 2) * b * b / 2)
    return round(total, 2)


def _half_up(v: float) -> float:
    return math.floor(v * 100 + 0.5 + 1e-9) / 100


def grid(n: int = 3, size: float = 100.0, dlbm: tuple[str, ...] = ("0101",) * 9) -> gpd.GeoDataFrame:
    geoms = [box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)
             for j in range(n) for i in range(n)]
    names = {"0101": "水田", "0103": "旱地", "0702": "农村宅基地", "0301": "乔木林地", "1006": "农村道路"}
    rows = []
    tbmjs = xigeo.area(gpd.GeoSeries(geoms, crs=CRS)).to_numpy()  # (agrees with survey_m2: a test below)
    for k, (g, code) in enumerate(zip(geoms, dlbm)):
        tbmj = float(tbmjs[k])
        farm = code.startswith("01")
        kcxs = 0.05 if farm else 0.0
        kcmj = _half_up(tbmj * kcxs)
        rows.append({"BSM": f"4115282{k + 1:08d}", "DLBM": code, "DLMC": names[code], "QSXZ": "30",
                     "ZLDWDM": VILLAGE + "0000000", "QSDWDM": VILLAGE + "0010000", "TBMJ": tbmj,
                     "KCXS": kcxs, "KCMJ": kcmj, "TBDLMJ": round(tbmj - kcmj, 2),
                     "GDPDJB": "2" if farm else ""})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def layers(d: gpd.GeoDataFrame):
    extent = box(*d.total_bounds)
    county = gpd.GeoDataFrame({"XZQDM": ["411528"]}, geometry=[extent], crs=CRS)
    villages = gpd.GeoDataFrame({"CJDCQDM": [VILLAGE]}, geometry=[extent], crs=CRS)
    farm = d[d["DLBM"].str.startswith("01")]
    jbnt = gpd.GeoDataFrame({"BSM": [f"J{k}" for k in range(len(farm))]}, geometry=farm.geometry.to_numpy(),
                            crs=CRS)
    return county, villages, jbnt


def run(d, *, county=True, villages=True, jbnt=True, **kw):
    c, v, j = layers(grid())
    pick = lambda given, default: default if given is True else None if given is False else given  # noqa: E731
    return xigeo.check_survey(d, county=pick(county, c), villages=pick(villages, v), jbnt=pick(jbnt, j), **kw)


def found(r) -> list[tuple[str, str]]:
    return list(zip(r.errors["rule"], r.errors["feature_id"]))


# ----------------------------------------------------------------------------- the clean layer


def test_clean_grid_has_no_findings_and_passes():
    r = run(grid())
    assert found(r) == []
    assert r.passed
    assert (r.by_rule["status"] == "ran").all()
    assert r.summary().splitlines()[1] == "未发现错误。"
    assert r.summary("en").startswith("Checked 9 patches with 27 rules: 0 errors, 0 warnings; passed.")


def test_survey_area_of_the_helper_matches_xigeo_area():
    """The test's own closed form and xigeo.area agree (so a TBMJ finding is not the helper's)."""
    g = box(X0, Y0, X0 + 100, Y0 + 100)
    for g in [box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 98, Y0, X0 + 200, Y0 + 100),
              box(X0 + 299.5, Y0 + 200, X0 + 300, Y0 + 300)]:
        assert survey_m2(g) == pytest.approx(tbmj(g), abs=0.011)


# ----------------------------------------------------------------------------- topology


def test_overlap_found_with_its_piece_and_area():
    d = grid()
    # patch 2 (BSM ...02) is widened 2 m west into patch 1: the overlap is 2 m × 100 m
    d.loc[1, "geometry"] = box(X0 + 98, Y0, X0 + 200, Y0 + 100)
    d.loc[1, "TBMJ"] = tbmj(d.geometry[1])
    d.loc[1, "KCMJ"] = _half_up(d.loc[1, "TBMJ"] * 0.05)
    d.loc[1, "TBDLMJ"] = round(d.loc[1, "TBMJ"] - d.loc[1, "KCMJ"], 2)
    r = run(d)
    assert found(r) == [("TP003", "411528200000001|411528200000002")]
    row = r.errors.iloc[0]
    assert row["severity"] == "错误" and not r.passed
    assert row["area_m2"] == pytest.approx(geodesic_m2(box(X0 + 98, Y0, X0 + 100, Y0 + 100)), abs=0.01)
    assert row.geometry.equals(box(X0 + 98, Y0, X0 + 100, Y0 + 100))


def test_overlap_below_tolerance_is_not_a_finding_and_tolerance_overrides():
    d = grid()
    d.loc[1, "geometry"] = box(X0 + 99.99, Y0, X0 + 200, Y0 + 100)  # 0.01 m × 100 m ≈ 1 m²
    d.loc[1, "TBMJ"] = tbmj(d.geometry[1])
    d.loc[1, "KCMJ"] = _half_up(d.loc[1, "TBMJ"] * 0.05)
    d.loc[1, "TBDLMJ"] = round(d.loc[1, "TBMJ"] - d.loc[1, "KCMJ"], 2)
    assert found(run(d)) == [("TP003", "411528200000001|411528200000002")]
    assert found(run(d, tolerance_m2=2.0)) == []
    assert found(run(d, rules={"TP003": {"tolerance_m2": 2.0}})) == []


def test_duplicate_patch_is_an_overlap():
    d = grid()
    d = pd.concat([d, d.iloc[[4]].assign(BSM="411528200000099")], ignore_index=True)
    r = run(d)
    assert found(r) == [("TP003", "411528200000005|411528200000099")]
    assert r.errors["area_m2"].iloc[0] == pytest.approx(geodesic_m2(d.geometry[4]), abs=0.01)


def test_gap_inside_the_county_and_the_holes_without_one():
    d = grid().drop(index=4)  # the middle square is missing
    r = run(d, jbnt=False)
    assert found(r) == [("TP004", VILLAGE)]
    assert r.errors["area_m2"].iloc[0] == pytest.approx(geodesic_m2(box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)),
                                                        abs=0.01)
    # no county, no villages: the hole in the patches' union is the gap
    r = run(d, county=False, villages=False, jbnt=False)
    assert found(r) == [("TP004", "")]
    # the missing square at the edge is no gap without a boundary, one with the county
    d = grid().drop(index=1)
    assert found(run(d, county=False, villages=False, jbnt=False)) == []
    assert [f[0] for f in found(run(d, villages=False, jbnt=False))] == ["TP004"]


def test_patch_outside_the_county():
    d = grid()
    county = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 300, Y0 + 290)], crs=CRS)  # 10 m short at the top
    r = run(d, county=county, villages=False, jbnt=False)
    assert found(r) == [("TP005", f"4115282{k:08d}") for k in (7, 8, 9)]
    assert r.errors["area_m2"].to_numpy() == pytest.approx(
        [geodesic_m2(box(X0 + i * 100, Y0 + 290, X0 + i * 100 + 100, Y0 + 300)) for i in range(3)], abs=0.01)


@pytest.mark.parametrize("geom, reason", [
    (Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)]), "Self-intersection"),
    (Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 50), (X0 + 150, Y0 + 50), (X0 + 100, Y0 + 50),
              (X0 + 100, Y0 + 100), (X0, Y0 + 100)]), "Self-intersection"),
])
def test_invalid_geometry_with_the_geos_reason(geom, reason):
    d = grid()
    d.loc[0, "geometry"] = geom
    r = run(d, county=False, villages=False, jbnt=False)
    rows = r.errors[r.errors["rule"] == "TP002"]
    assert rows["feature_id"].tolist() == ["411528200000001"]
    assert rows["value"].iloc[0].startswith(reason)
    assert rows["value"].iloc[0] == shapely.is_valid_reason(geom)


def test_a_line_in_the_polygon_layer_is_invalid():
    d = grid()
    d = pd.concat([d, d.iloc[[0]].assign(BSM="411528200000099")], ignore_index=True)
    d.loc[9, "geometry"] = shapely.LineString([(X0, Y0), (X0 + 10, Y0 + 10)])
    r = run(d)
    assert found(r) == [("TP002", "411528200000099")]
    assert r.errors["value"].iloc[0] == "不是面（LineString）"


def test_the_zero_width_spike_is_invalid_and_only_that():
    d = grid()
    d.loc[0, "geometry"] = Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 50), (X0 + 150, Y0 + 50),
                                    (X0 + 100, Y0 + 50), (X0 + 100, Y0 + 100), (X0, Y0 + 100)])
    assert found(run(d)) == [("TP002", "411528200000001")]  # covered land unchanged: no gap


def test_empty_and_missing_geometry():
    d = grid()
    extra = d.iloc[[0, 0]].copy()
    extra["BSM"] = ["411528200000098", "411528200000099"]
    extra = extra.set_geometry([None, Polygon()])
    d = pd.concat([d, extra], ignore_index=True)
    r = run(d)
    assert found(r) == [("TP001", "411528200000098"), ("TP001", "411528200000099")]
    assert r.errors["value"].tolist() == ["无几何", "空几何"]


def test_duplicate_vertex():
    d = grid()
    d.loc[0, "geometry"] = Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 0.0005), (X0 + 100, Y0 + 100),
                                    (X0, Y0 + 100)])
    r = run(d)
    assert found(r) == [("TP006", "411528200000001")]
    assert r.errors["value"].iloc[0] == "1 处"
    # 1 mm apart is two vertices at the bundled distance; a province's 2 mm makes it one
    d.loc[0, "geometry"] = Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 0.0015), (X0 + 100, Y0 + 100),
                                    (X0, Y0 + 100)])
    assert found(run(d)) == []
    assert found(run(d, rules={"TP006": {"min_distance_m": 0.002}})) == [("TP006", "411528200000001")]


def _wedge(width: float, height: float = 20.0):
    """Squares 1 and 2 with a wedge of square 1 pushed into square 2 (a shared edge moved: no gap, no overlap)."""
    d = grid()
    xm, ym = X0 + 100, Y0 + 50
    tip = (xm + height, ym)
    d.loc[0, "geometry"] = Polygon([(X0, Y0), (xm, Y0), (xm, ym - width / 2), tip, (xm, ym + width / 2),
                                    (xm, Y0 + 100), (X0, Y0 + 100)])
    d.loc[1, "geometry"] = Polygon([(xm, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 100), (xm, Y0 + 100),
                                    (xm, ym + width / 2), tip, (xm, ym - width / 2)])
    for k in (0, 1):
        d.loc[k, "TBMJ"] = tbmj(d.geometry[k])
        d.loc[k, "KCMJ"] = _half_up(d.loc[k, "TBMJ"] * 0.05)
        d.loc[k, "TBDLMJ"] = round(d.loc[k, "TBMJ"] - d.loc[k, "KCMJ"], 2)
    angle = math.degrees(2 * math.atan(width / 2 / height))
    return d, angle


def test_spike_and_acute_angle():
    d, angle = _wedge(0.2)  # 0.57°: a spike in square 1, the same narrow notch in square 2
    r = run(d, jbnt=False)
    assert found(r) == [("TP007", "411528200000001"), ("TP007", "411528200000002")]
    assert r.errors["value"].iloc[0] == f"1 处，最小 {angle:.3f}°"
    assert r.errors.geometry.iloc[0].equals(shapely.Point(X0 + 120, Y0 + 50))
    d, angle = _wedge(2.0)  # 5.7°: very acute, not a spike
    assert found(run(d, jbnt=False)) == [("TP008", "411528200000001"), ("TP008", "411528200000002")]
    d, angle = _wedge(8.0)  # 22.6°: fine
    assert found(run(d, jbnt=False)) == []


def test_sliver_and_minimum_mapping_unit():
    d = grid(dlbm=("0101",) * 8 + ("0702",))
    # square 9 (rural homestead) becomes a 0.5 m strip along square 8's edge, the rest goes to square 8
    strip = box(X0 + 299.5, Y0 + 200, X0 + 300, Y0 + 300)
    d.loc[7, "geometry"] = box(X0 + 100, Y0 + 200, X0 + 299.5, Y0 + 300)
    d.loc[8, "geometry"] = strip
    for k in (7, 8):
        d.loc[k, "TBMJ"] = tbmj(d.geometry[k])
        kcxs = d.loc[k, "KCXS"]
        d.loc[k, "KCMJ"] = _half_up(d.loc[k, "TBMJ"] * kcxs)
        d.loc[k, "TBDLMJ"] = round(d.loc[k, "TBMJ"] - d.loc[k, "KCMJ"], 2)
    d.loc[6, "geometry"] = box(X0, Y0 + 200, X0 + 100, Y0 + 300)
    c, v, _ = layers(grid())
    r = xigeo.check_survey(d, county=c, villages=v)
    # mean width 2A/P of a 0.5 × 100 strip: 2·50/201 = 0.4975 m; 50 m² < 200 m² for construction land
    assert found(r) == [("TP009", "411528200000009"), ("TP010", "411528200000009")]
    assert r.errors["value"].iloc[0] == f"平均宽度 {2 * 50 / 201:.2f} m"
    assert r.errors["expected"].iloc[1] == "≥ 200 m²（0702）"
    # a province's own minimum: farmland 1 亩 (666.67 m²) as a rule of its own, every square passes it
    r = xigeo.check_survey(grid(), rules={"HN001": {"check": "min_area", "name": "耕地小于1亩",
                                                    "severity": "错误", "min_area_m2": {"01": 666.67}}})
    assert r.by_rule.loc["HN001", "n_findings"] == 0 and r.by_rule.loc["HN001", "status"] == "ran"
    r = xigeo.check_survey(grid(), rules={"HN001": {"check": "min_area", "name": "耕地小于1公顷",
                                                    "severity": "错误", "min_area_m2": {"01": 10_000.0}}})
    # every 100 m square is 9,998.8 m² on the ellipsoid (< 1 ha): all nine fail the province's rule
    assert r.by_rule.loc["HN001", "n_findings"] == 9 and not r.passed


# ----------------------------------------------------------------------------- attributes


def _one(d, rule, fid, field=None, value=None, expected=None, **kw):
    r = run(d, **kw)
    assert found(r) == [(rule, fid)], r.errors.drop(columns="geometry")
    row = r.errors.iloc[0]
    if field is not None:
        assert row["field"] == field
    if value is not None:
        assert row["value"] == value
    if expected is not None:
        assert row["expected"] == expected
    return row


def test_bsm_missing_and_duplicate():
    d = grid()
    d.loc[2, "BSM"] = None
    row = _one(d, "SX001", "#2", field="BSM")
    assert row.geometry.equals(shapely.point_on_surface(d.geometry[2]))
    d = grid()
    d.loc[3, "BSM"] = d.loc[5, "BSM"]
    r = run(d)
    assert found(r) == [("SX002", "411528200000006")] * 2 and r.errors["value"].tolist() == ["2 次"] * 2


def test_class_code_and_name():
    d = grid()
    d.loc[0, "DLBM"] = "0109"
    _one(d, "SX003", "411528200000001", field="DLBM", value="0109")
    # GB/T 21010-2017 codes the working classification counts under its classes are accepted ...
    d = grid(dlbm=("0101",) * 8 + ("0702",))
    d.loc[8, ["DLBM", "DLMC"]] = ["0503", "餐饮用地"]
    assert found(run(d, jbnt=False)) == []
    # ... unless the pack says otherwise
    assert found(run(d, jbnt=False, rules={"SX003": {"aliases": False}})) == [("SX003", "411528200000009")]
    d.loc[8, "DLMC"] = "商业服务业设施用地"
    _one(d, "SX004", "411528200000009", field="DLMC", value="商业服务业设施用地", expected="餐饮用地", jbnt=False)
    d = grid()
    d.loc[4, "DLMC"] = "旱地"
    _one(d, "SX004", "411528200000005", value="旱地", expected="水田")


def test_patch_area_and_adjusted_tolerance():
    d = grid()
    true = d.loc[0, "TBMJ"]
    d.loc[0, "TBMJ"] = round(true + 0.03, 2)
    d.loc[0, "KCMJ"] = _half_up(d.loc[0, "TBMJ"] * 0.05)
    d.loc[0, "TBDLMJ"] = round(d.loc[0, "TBMJ"] - d.loc[0, "KCMJ"], 2)
    _one(d, "SX005", "411528200000001", field="TBMJ", expected=f"{true:.2f}")
    # after a control-area adjustment a few hundredths are allowed by the pack's tolerance
    assert found(run(d, rules={"SX005": {"tolerance_m2": 0.05}})) == []


def test_deducted_and_class_area():
    d = grid()
    want = d.loc[0, "KCMJ"]
    d.loc[0, "KCMJ"] = round(want + 0.01, 2)
    d.loc[0, "TBDLMJ"] = round(d.loc[0, "TBMJ"] - d.loc[0, "KCMJ"], 2)
    _one(d, "SX006", "411528200000001", field="KCMJ", expected=f"{want:.2f}")
    d = grid()
    d.loc[0, "TBDLMJ"] = round(d.loc[0, "TBDLMJ"] + 1, 2)
    _one(d, "SX007", "411528200000001", field="TBDLMJ",
         expected=f"{round(d.loc[0, 'TBMJ'] - d.loc[0, 'KCMJ'], 2):.2f}")


def test_kcmj_rounding_at_a_tie():
    """TBMJ 1000.10 × KCXS 0.05 = 50.005 exactly: half up gives 50.01; numpy's round gives 50.0."""
    d = grid()
    assert np.round(1000.10 * 0.05, 2) == 50.0
    d.loc[0, ["TBMJ", "KCXS", "KCMJ", "TBDLMJ"]] = [1000.10, 0.05, 50.0, 950.10]
    rules = {"SX005": {"enabled": False}}
    # the bundled pack holds the survey rule (half up); rounding = "any" accepts a tie to even
    assert found(run(d, rules=rules)) == [("SX006", "411528200000001")]
    lenient = {**rules, "SX006": {"rounding": "any"}}
    assert found(run(d, rules=lenient)) == []
    d.loc[0, ["KCMJ", "TBDLMJ"]] = [50.01, 950.09]
    assert found(run(d, rules=rules)) == [] and found(run(d, rules=lenient)) == []


def test_kcxs_range_and_class():
    d = grid(dlbm=("0101",) * 8 + ("0301",))
    d.loc[8, ["KCXS", "KCMJ"]] = [0.05, _half_up(d.loc[8, "TBMJ"] * 0.05)]
    d.loc[8, "TBDLMJ"] = round(d.loc[8, "TBMJ"] - d.loc[8, "KCMJ"], 2)
    _one(d, "SX008", "411528200000009", field="KCXS", value="0.05", jbnt=False)
    d = grid()
    d.loc[0, ["KCXS", "KCMJ"]] = [1.0, d.loc[0, "TBMJ"]]
    d.loc[0, "TBDLMJ"] = 0.0
    _one(d, "SX008", "411528200000001", expected="0 ≤ KCXS < 1")


def test_unit_codes():
    d = grid()
    d.loc[0, "ZLDWDM"] = VILLAGE + "000000"  # 18 digits
    _one(d, "SX009", "411528200000001", field="ZLDWDM", value=VILLAGE + "000000")
    d = grid()
    d.loc[1, "QSDWDM"] = VILLAGE + "00A0000"
    _one(d, "SX009", "411528200000002", field="QSDWDM")


def test_codes_consistent_with_the_village():
    d = grid()
    d.loc[0, "ZLDWDM"] = "4115281012020000000"  # another village of the township
    row = _one(d, "SX010", "411528200000001", field="ZLDWDM", expected=f"{VILLAGE}……（前 12 位）")
    assert row["severity"] == "错误"
    d = grid()
    d.loc[0, "QSDWDM"] = "4115281012020010000"
    row = _one(d, "SX011", "411528200000001", field="QSDWDM")
    assert row["severity"] == "警告"
    r = run(d)
    assert r.passed  # a warning only


def test_slope_grade_and_ownership_codes():
    d = grid()
    d.loc[0, "GDPDJB"] = "6"
    _one(d, "SX012", "411528200000001", field="GDPDJB", value="6", expected="1、2、3、4、5")
    d = grid(dlbm=("0101",) * 8 + ("0702",))
    d.loc[8, "GDPDJB"] = "1"
    _one(d, "SX012", "411528200000009", expected="空", jbnt=False)
    d = grid()
    d.loc[0, "QSXZ"] = "99"
    _one(d, "SX013", "411528200000001", field="QSXZ", value="99")


def test_a_missing_field_is_one_finding():
    d = grid().drop(columns=["GDPDJB"])
    r = run(d)
    assert found(r) == [("SX012", "")]
    assert r.errors["value"].iloc[0] == "缺少字段"


# ----------------------------------------------------------------------------- cross-layer


def test_jbnt_on_other_land_construction_and_outside():
    d = grid(dlbm=("0101",) * 6 + ("0301", "0702", "0101"))
    c, v, _ = layers(d)
    jb = gpd.GeoDataFrame({"BSM": ["J1", "J2", "J3", "J4"]}, geometry=[
        box(X0, Y0, X0 + 100, Y0 + 100),              # on farmland: fine
        box(X0, Y0 + 150, X0 + 100, Y0 + 250),        # half on farmland, half on 0301 forest (square 7)
        box(X0 + 150, Y0 + 200, X0 + 200, Y0 + 300),  # on 0702 homestead (square 8)
        box(X0 + 250, Y0 + 250, X0 + 350, Y0 + 300),  # half outside the patches
    ], crs=CRS)
    r = xigeo.check_survey(d, county=c, villages=v, jbnt=jb)
    assert found(r) == [("TC002", "J2"), ("TC003", "J3"), ("TC004", "J4")]
    expect = [geodesic_m2(box(X0, Y0 + 200, X0 + 100, Y0 + 250)),
              geodesic_m2(box(X0 + 150, Y0 + 200, X0 + 200, Y0 + 300)),
              geodesic_m2(box(X0 + 300, Y0 + 250, X0 + 350, Y0 + 300))]
    assert r.errors["area_m2"].to_numpy() == pytest.approx(expect, abs=0.01)
    assert r.errors["value"].iloc[0].startswith("图斑 411528200000007（0301）")


def test_layers_in_another_crs():
    d = grid()
    c, v, j = layers(d)
    j = j.to_crs(4547)
    r = xigeo.check_survey(d, county=c, villages=v, jbnt=j)
    assert found(r) == [("TC001", "jbnt")]
    assert r.errors["value"].iloc[0] == "EPSG:4547"
    assert (r.by_rule.loc[["TC002", "TC003", "TC004"], "status"] == "crs").all()
    assert not r.passed


def test_rules_needing_a_layer_do_not_run_without_it():
    r = xigeo.check_survey(grid())
    assert r.by_rule.loc["TP005", "status"] == "no_layer"
    assert r.by_rule.loc["SX010", "status"] == "no_layer"
    assert found(r) == []


# ----------------------------------------------------------------------------- the rule pack


def test_bundled_pack_ids_and_severities():
    pack = load_rules()
    assert list(pack)[:3] == ["TP001", "TP002", "TP003"]
    assert len(pack) == 27
    assert {r.severity for r in pack.values()} == {"错误", "警告"}
    assert pack["TP010"].params["min_area_m2"]["07"] == 200.0
    assert pack["TP010"].params["min_area_m2"]["01"] == 400.0
    assert pack["TP010"].params["min_area_m2"]["12"] == 600.0


def test_user_rule_file_overrides_switches_off_and_adds(tmp_path):
    f = tmp_path / "河南.toml"
    f.write_text('[rules.TP010]\nseverity = "错误"\n\n[rules.SX011]\nenabled = false\n\n'
                 '[rules.HN002]\ncheck = "allowed_values"\nname = "耕地类型错误"\nseverity = "警告"\n'
                 'field = "GDLX"\nvalues = ["TT", "PD"]\nclasses = ["01"]\n', encoding="utf-8")
    pack = load_rules(f)
    assert pack["TP010"].severity == "错误" and pack["TP010"].params["min_area_m2"]["07"] == 200.0
    assert not pack["SX011"].enabled
    assert pack["HN002"].params["values"] == ["TT", "PD"]
    d = grid()
    d["GDLX"] = ["TT"] * 8 + ["XX"]
    r = run(d, rules=f)
    assert found(r) == [("HN002", "411528200000009")]
    assert r.by_rule.loc["SX011", "status"] == "off"
    assert r.passed  # HN002 is a warning


def test_bad_rule_file_names_file_rule_and_key(tmp_path):
    f = tmp_path / "bad.toml"
    text = ('[rules.TP003]\ntolerance_m2 = "1"\n\n[rules.SX005]\nseverity = "fatal"\n\n'
            '[rules.HN001]\nname = "x"\nseverity = "警告"\ncheck = "nothing"\n\n[rules.TP006]\nmin_dist = 1\n')
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        load_rules(f)
    msg = str(e.value)
    assert f"{f}：规则 TP003：键 'tolerance_m2'：应为 ≥ 0 的数，而不是 '1'" in msg
    assert f"{f}：规则 SX005：键 'severity'" in msg
    assert f"{f}：规则 HN001：键 'check'：未知的检查 'nothing'" in msg
    assert f"{f}：规则 TP006：未知的键 'min_dist'" in msg
    assert len(e.value.problems) == 4
    with xigeo.using_language("en"), pytest.raises(ValidationError) as e:
        load_rules(f)
    msg = str(e.value)
    assert f"{f}: rule TP003: key 'tolerance_m2': expected a number ≥ 0, got '1'" in msg
    assert f"{f}: rule SX005: key 'severity'" in msg
    assert f"{f}: rule HN001: key 'check': unknown check 'nothing'" in msg
    assert f"{f}: rule TP006: unknown key 'min_dist'" in msg
    assert f". Fix: correct {f}" in msg
    assert f.read_text(encoding="utf-8") == text  # nothing written
    f.write_text("[rules.TP003\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="bad.toml：不是有效的 TOML 文件"):
        load_rules(f)
    with pytest.raises(OptionError, match="none.toml 不存在"):
        load_rules(tmp_path / "none.toml")
    with xigeo.using_language("en"), pytest.raises(OptionError, match="none.toml does not exist"):
        load_rules(tmp_path / "none.toml")
    with pytest.raises(ValidationError, match="规则 HN9：新规则需要键 'check'"):
        load_rules({"HN9": {"name": "x", "severity": "警告"}})


def test_engine_is_checked():
    with pytest.raises(OptionError, match="engine"):
        xigeo.check_survey(grid(), engine="spark")


# ----------------------------------------------------------------------------- outputs


def _broken():
    """An overlap (square 2 widened west, its TBMJ left as it was: SX005 too), a bad QSXZ, no BSM."""
    d = grid()
    d.loc[1, "geometry"] = box(X0 + 98, Y0, X0 + 200, Y0 + 100)
    d.loc[0, "QSXZ"] = "99"
    d.loc[2, "BSM"] = None
    return run(d)


def test_result_contract_tables_and_excel(tmp_path):
    import openpyxl

    r = _broken()
    assert r.tables() == ("by_rule", "errors")
    t = r.table("by_rule", labels="zh", total=True)
    assert t.index.name == "规则编号" and t.loc["合计", "发现数"] == len(r.errors) == 4
    e = r.table("errors", labels="zh")
    assert list(e.columns[:3]) == ["规则编号", "规则名称", "严重程度"]
    path = r.to_excel(tmp_path / "质检.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["摘要", "按规则统计", "质检错误清单", "TP003 图斑重叠", "SX001 标识码为空",
                             "SX005 图斑面积与椭球面积不符", "SX013 权属性质代码错误"]
    # title, 填表单位/日期 and header rows above the first finding (row 4)
    assert wb["SX013 权属性质代码错误"]["F4"].value == "411528200000001"
    assert wb["SX013 权属性质代码错误"]["A3"].value == "序号" and wb["SX013 权属性质代码错误"]["A3"].font.bold
    assert "<b style='color:#cf222e'>不通过 failed</b>" in r._repr_html_()
    before = path.read_bytes()
    with pytest.raises(xigeo.LayerWriteError, match="已存在"):
        r.to_excel(path)
    assert path.read_bytes() == before


def test_gpkg_opens_with_styles(tmp_path):
    import pyogrio

    r = _broken()
    path = r.to_gpkg(tmp_path / "质检.gpkg")
    names = [n for n, _ in pyogrio.list_layers(path)]
    assert {"errors_point", "errors_area", "layer_styles"} <= set(names)
    pts = gpd.read_file(path, layer="errors_point")
    area = gpd.read_file(path, layer="errors_area")
    assert len(pts) == len(r.errors) and set(pts.geom_type) == {"Point"}
    assert area["rule"].tolist() == ["TP003"] and area.crs.to_epsg() == CRS
    assert pts["rule_name"].tolist() == r.errors["rule_name"].tolist()  # Chinese intact
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles"
                          ).fetchall()
    assert sorted(row[0] for row in rows) == ["errors_area", "errors_point"]
    assert all(row[1] == "geom" and row[2] == 1 for row in rows)
    for row in rows:
        root = ET.fromstring(row[3].split("\n", 1)[1])
        renderer = root.find("renderer-v2")
        assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "severity"
        assert [c.get("value") for c in renderer.iter("category")] == ["错误", "警告"]
    with pytest.raises(xigeo.LayerWriteError, match="已存在"):
        r.to_gpkg(path)
    r.to_gpkg(path, overwrite=True)


# ----------------------------------------------------------------------------- the CLI


@pytest.fixture
def files(tmp_path):
    from xigeo.io import write_layer

    d = grid()
    c, v, j = layers(d)
    paths = {}
    for name, frame in (("DLTB", d), ("XZQ", c), ("CJDCQ", v), ("JBNT", j)):
        paths[name] = write_layer(frame, tmp_path / f"{name}.shp")
    return paths


def _cli(paths, *extra):
    from xigeo.cli import main

    return main(["check", str(paths["DLTB"]), "--county", str(paths["XZQ"]), "--villages", str(paths["CJDCQ"]),
                 "--jbnt", str(paths["JBNT"]), *map(str, extra)])


def test_cli_clean_layer_exits_0_and_writes_both_outputs(files, tmp_path, capsys):
    import openpyxl

    gpkg, xlsx = tmp_path / "质检.gpkg", tmp_path / "质检.xlsx"
    assert _cli(files, "-o", gpkg, "--xlsx", xlsx) == 0
    out = capsys.readouterr().out
    assert out.startswith("质检 9 个图斑，运行 27 条规则：错误 0 处，警告 0 处，通过。\n未发现错误。")
    assert gpd.read_file(gpkg, layer="errors_point").empty
    assert openpyxl.load_workbook(xlsx).sheetnames == ["摘要", "按规则统计", "质检错误清单"]


def test_cli_errors_exit_1_warnings_exit_0(files, tmp_path, capsys):
    from xigeo.io import write_layer

    d = grid()
    d.loc[0, "QSXZ"] = "99"
    write_layer(d, files["DLTB"], overwrite=True)
    assert _cli(files) == 1
    out = capsys.readouterr().out
    assert "错误 1 处" in out and "SX013" in out and "权属性质代码错误" in out
    d = grid()
    d.loc[0, "QSDWDM"] = "4115281012020010000"  # SX011 is a warning
    write_layer(d, files["DLTB"], overwrite=True)
    assert _cli(files) == 0
    assert "警告 1 处，通过" in capsys.readouterr().out


def test_cli_refuses_existing_outputs_and_inputs(files, tmp_path, capsys):
    xlsx = tmp_path / "质检.xlsx"
    xlsx.write_bytes(b"earlier")
    assert _cli(files, "--xlsx", xlsx) == 1
    err = capsys.readouterr().err
    assert str(xlsx) in err and "--overwrite" in err and xlsx.read_bytes() == b"earlier"
    assert _cli(files, "--xlsx", xlsx, "--overwrite") == 0
    # an input is never written to, --overwrite or not
    target = tmp_path / "out.gpkg"
    from xigeo.io import write_layer
    write_layer(layers(grid())[2], target)
    paths = {**files, "JBNT": target}
    before = target.read_bytes()
    assert _cli(paths, "-o", target, "--overwrite") == 1
    assert "是本命令的输入文件" in capsys.readouterr().err
    assert target.read_bytes() == before


def test_cli_bad_rule_file_names_file_rule_and_key(files, tmp_path, capsys):
    rules = tmp_path / "省规则.toml"
    rules.write_text("[rules.TP010]\nseverity = \"严重\"\n", encoding="utf-8")
    assert _cli(files, "--rules", rules) == 1
    err = capsys.readouterr().err
    assert err.startswith("xigeo: 错误：") and f"{rules}：规则 TP010：键 'severity'" in err
    assert _cli(files, "--rules", tmp_path / "无.toml") == 1
    assert "无.toml 不存在。解决：--rules FILE" in capsys.readouterr().err
    from xigeo.cli import main
    assert main(["--lang", "en", "check", str(files["DLTB"]), "--rules", str(tmp_path / "无.toml")]) == 1
    err = capsys.readouterr().err
    assert "无.toml does not exist. Fix: --rules FILE" in err and "不存在" not in err
    rules.write_text("[rules.SX013]\nenabled = false\n", encoding="utf-8")
    d = grid()
    d.loc[0, "QSXZ"] = "99"
    from xigeo.io import write_layer
    write_layer(d, files["DLTB"], overwrite=True)
    assert _cli(files, "--rules", rules) == 0
