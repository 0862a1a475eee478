"""Tests of xigeo.validate: one-pass layer validation and reported repair.

Geometries are tiny hand-made polygons in CGCS2000 GK zone 38 with prefix
(EPSG:4526), inside Xi County. Expected areas come from an independent
library: pyproj's geodesic (Karney) area on the CGCS2000 ellipsoid, which
agrees with the survey ellipsoidal area to ~1e-7 relative (DOMAIN.md); the
reported areas are rounded to 0.01 m².
"""

from __future__ import annotations

import dataclasses
import logging

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

import xigeo
from xigeo.errors import CRSError, ValidationError, XigeoError
from xigeo.validate import Problem, _polygonal_part, repair, validate_layer

X0, Y0 = 38_569_600.0, 3_579_800.0
SQUARE = box(X0, Y0, X0 + 10, Y0 + 10)
# ring (0,0) (30,30) (30,0) (0,10) crosses itself at (7.5, 7.5): triangles of
# 37.5 m² and 337.5 m² wound opposite ways, so the stored ring "has" 300 m²
BOWTIE = Polygon([(X0, Y0), (X0 + 30, Y0 + 30), (X0 + 30, Y0), (X0, Y0 + 10)])
# a hole (10 m square) outside its shell (10 m square): 100 − 100 = 0 m² as stored
HOLE_OUTSIDE = Polygon(SQUARE.exterior.coords,
                       [box(X0 + 20, Y0 + 20, X0 + 30, Y0 + 30).exterior.coords])
# all vertices on one line: no area at all
COLLAPSED = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 20, Y0 + 20), (X0, Y0)])

_TO_GEO = pyproj.Transformer.from_crs(4526, 4490, always_xy=True)
_GEOD = pyproj.Geod(a=6378137.0, f=1 / 298.257222101)  # CGCS2000


def geodesic_m2(geom) -> float:
    """Area on the CGCS2000 ellipsoid (pyproj/GeographicLib) of a GK zone-38 geometry.

    Rings are summed with their sign (as a ring that crosses itself is
    stored), holes subtracted: the same convention as the survey formula.
    """
    total = 0.0
    for poly in getattr(geom, "geoms", [geom]):
        for k, ring in enumerate([poly.exterior, *poly.interiors]):
            lon, lat = _TO_GEO.transform(*np.asarray(ring.coords).T)
            signed, _ = _GEOD.polygon_area_perimeter(lon, lat)
            total += abs(signed) if k == 0 else -abs(signed)
    return total


@pytest.fixture
def layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"DLBM": ["0101", "0702", "0103", "0101", "0102", "0201", "0301", "1001", "1101"]},
        geometry=[SQUARE, box(X0 + 50, Y0, X0 + 60, Y0 + 10), None, Polygon(),
                  Point(X0, Y0), BOWTIE, HOLE_OUTSIDE, SQUARE, SQUARE],
        index=["XJ-01", "XJ-02", "XJ-03", "XJ-04", "XJ-05", "XJ-06", "XJ-07", "XJ-08", "XJ-08"],
        crs=4526,
    )


# ---------------------------------------------------------------------------
# validate_layer
# ---------------------------------------------------------------------------


def test_valid_layer(layer):
    good = layer.iloc[:2]
    assert validate_layer(good, required=("DLBM",)) == []
    assert validate_layer(good, required="DLBM", strict=False) == []


def test_every_problem_in_one_error(layer):
    with pytest.raises(ValidationError) as err:
        validate_layer(layer, required=("DLBM", "TBMJ", "KCMJ"), name="dltb")
    problems = err.value.problems
    assert [p.kind for p in problems] == [
        "null_geometry", "empty_geometry", "not_polygon", "invalid_geometry",
        "duplicate_id", "missing_fields"]
    rows = {p.kind: p.rows for p in problems}
    assert rows == {
        "null_geometry": ("XJ-03",),
        "empty_geometry": ("XJ-04",),
        "not_polygon": ("XJ-05",),
        "invalid_geometry": ("XJ-06", "XJ-07"),
        "duplicate_id": ("XJ-08",),
        "missing_fields": (),
    }
    text = str(err.value)
    assert text.startswith("dltb：6 个问题：\n")
    assert "1 个几何缺失（None）：行号：XJ-03" in text
    assert "行号：XJ-05（Point）" in text
    # GEOS's reasons, with the location of the fault
    assert "XJ-06: Self-intersection[38569607.5 3579807.5]" in text
    assert "XJ-07: Hole lies outside shell[38569630 3579820]" in text
    assert "xigeo.repair" in text
    assert "2 行编号（索引值）重复：XJ-08" in text
    assert "缺少字段：TBMJ, KCMJ（图层现有字段：DLBM）" in text
    assert isinstance(err.value, ValueError) and isinstance(err.value, XigeoError)


def test_every_problem_in_one_error_in_english(layer):
    with xigeo.using_language("en"), pytest.raises(ValidationError) as err:
        validate_layer(layer, required=["DLBM", "TBMJ", "KCMJ"], name="dltb")
    text = str(err.value)
    assert text.startswith("dltb: 6 problems:\n")
    assert "1 missing geometry (None): rows XJ-03" in text
    assert "rows XJ-05 (Point)" in text
    assert "XJ-06: Self-intersection[38569607.5 3579807.5]" in text
    assert "Fix: xigeo.repair" in text
    assert "2 rows share an id (index value): XJ-08" in text
    assert "missing fields: TBMJ, KCMJ (the layer has: DLBM)" in text


def test_not_strict_returns_the_problems(layer):
    problems = validate_layer(layer, strict=False)
    assert len(problems) == 5
    assert all(isinstance(p, Problem) for p in problems)
    with pytest.raises(dataclasses.FrozenInstanceError):
        problems[0].kind = "other"  # type: ignore[misc]


def test_crs_problems_are_collected(layer):
    unprefixed_crs = layer.iloc[:2].set_crs(4547, allow_override=True)  # CM 114E, no prefix
    problems = validate_layer(unprefixed_crs, strict=False, name="dltb")
    assert [p.kind for p in problems] == ["crs"]
    assert "带有带号 38" in problems[0].message and "set_crs(4526" in problems[0].message
    no_crs = layer.iloc[:2].set_crs(None, allow_override=True)
    with pytest.raises(ValidationError, match="dltb 没有坐标系"):
        validate_layer(no_crs, name="dltb")


def test_layer_name_comes_from_the_source(layer):
    bad = layer.iloc[:3].copy()
    bad.attrs["source"] = "息县/dltb.shp"
    with pytest.raises(ValidationError, match="^息县/dltb.shp：1 个问题："):
        validate_layer(bad)


def test_geoseries_and_missing_geometry_column(layer):
    problems = validate_layer(layer.geometry, strict=False)
    assert [p.kind for p in problems] == [
        "null_geometry", "empty_geometry", "not_polygon", "invalid_geometry", "duplicate_id"]
    table = gpd.GeoDataFrame({"DLBM": ["0101"]})
    assert [p.kind for p in validate_layer(table, strict=False)] == ["no_geometry"]
    with pytest.raises(TypeError):
        validate_layer([SQUARE])  # type: ignore[arg-type]


def test_many_bad_rows_are_summarised():
    n = 50
    bad = gpd.GeoSeries([BOWTIE] * n, crs=4526)
    (problem,) = validate_layer(bad, strict=False)
    assert len(problem.rows) == n
    assert problem.message.count("Self-intersection") == 20
    assert "…（另有 30 个）" in problem.message


# ---------------------------------------------------------------------------
# repair
# ---------------------------------------------------------------------------


def test_repair_reports_areas_before_and_after(layer, caplog):
    fixable = layer.drop(index="XJ-08")
    with caplog.at_level(logging.INFO, logger="xigeo.validate"):
        fixed, report = repair(fixable)
    assert report.index.tolist() == ["XJ-06", "XJ-07"]
    assert list(report.columns) == ["reason", "area_before_m2", "area_after_m2", "change_m2",
                                    "result"]
    assert report.loc["XJ-06", "reason"] == "Self-intersection[38569607.5 3579807.5]"
    assert report.loc["XJ-07", "reason"] == "Hole lies outside shell[38569630 3579820]"
    # bowtie: stored ring 337.5 − 37.5 = 300 m² (plane); repaired 337.5 + 37.5 = 375 m²
    assert report.loc["XJ-06", "area_before_m2"] == pytest.approx(geodesic_m2(BOWTIE), abs=0.006)
    assert report.loc["XJ-06", "area_after_m2"] == pytest.approx(
        geodesic_m2(fixed.geometry["XJ-06"]), abs=0.006)
    assert fixed.geometry["XJ-06"].area == pytest.approx(375.0)
    assert 374.9 < report.loc["XJ-06", "area_after_m2"] < 375.0  # ellipsoidal < plane GK
    # hole outside its shell: 0 m² as stored, two 100 m² squares after
    assert report.loc["XJ-07", "area_before_m2"] == pytest.approx(0.0, abs=0.006)
    assert report.loc["XJ-07", "area_after_m2"] == pytest.approx(
        geodesic_m2(MultiPolygon([SQUARE, box(X0 + 20, Y0 + 20, X0 + 30, Y0 + 30)])), abs=0.006)
    assert report["change_m2"].tolist() == pytest.approx(
        (report["area_after_m2"] - report["area_before_m2"]).tolist(), abs=1e-9)
    assert report["result"].tolist() == ["MultiPolygon of 2 parts", "MultiPolygon of 2 parts"]
    assert "修复了 2 个无效面（其中 0 个退化为空）；行号：XJ-06, XJ-07" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="xigeo.validate"), xigeo.using_language("en"):
        repair(fixable)
    assert "repaired 2 invalid polygons (0 collapsed to empty); rows XJ-06, XJ-07" in caplog.text


def test_repair_leaves_other_rows_untouched(layer):
    fixed, report = repair(layer)
    untouched = [i for i in range(len(layer)) if layer.index[i] not in report.index]
    assert [layer.index[i] for i in untouched] == ["XJ-01", "XJ-02", "XJ-03", "XJ-04", "XJ-05",
                                                   "XJ-08", "XJ-08"]
    for i in untouched:
        before, after = layer.geometry.iloc[i], fixed.geometry.iloc[i]
        assert after is before or (before is None and after is None)
    assert fixed.index.equals(layer.index)
    assert fixed["DLBM"].tolist() == layer["DLBM"].tolist()
    assert fixed.crs == layer.crs
    # the input is not modified
    assert not layer.geometry.iloc[5].is_valid
    # what is left for validate_layer: None, empty, the point, the duplicate ids
    kinds = [p.kind for p in validate_layer(fixed, strict=False)]
    assert kinds == ["null_geometry", "empty_geometry", "not_polygon", "duplicate_id"]


def test_collapsed_polygon_becomes_empty_and_says_so():
    layer = gpd.GeoDataFrame({"TBBH": ["1", "2"]}, geometry=[SQUARE, COLLAPSED], crs=4526)
    fixed, report = repair(layer)
    assert fixed.geometry[1].is_empty and fixed.geometry[1].geom_type == "Polygon"
    assert report.loc[1, "result"] == "collapsed: no area left, geometry is now empty"
    assert report.loc[1, ["area_before_m2", "area_after_m2", "change_m2"]].tolist() == [0, 0, 0]
    assert [p.kind for p in validate_layer(fixed, strict=False)] == ["empty_geometry"]


def test_repair_of_a_valid_layer(layer, caplog):
    good = layer.iloc[:2]
    with caplog.at_level(logging.INFO, logger="xigeo.validate"):
        fixed, report = repair(good)
    assert report.empty and list(report.columns)[:2] == ["reason", "area_before_m2"]
    assert fixed is not good and fixed.geometry.tolist() == good.geometry.tolist()
    assert "没有无效面，未作修复" in caplog.text


def test_repair_geoseries():
    series = gpd.GeoSeries([BOWTIE, SQUARE], index=["a", "b"], crs=4526, name="geom")
    fixed, report = repair(series)
    assert isinstance(fixed, gpd.GeoSeries) and fixed.name == "geom"
    assert fixed.is_valid.all() and report.index.tolist() == ["a"]


def test_repair_needs_a_crs():
    layer = gpd.GeoDataFrame(geometry=[BOWTIE])
    with pytest.raises(CRSError):
        repair(layer)


def test_only_the_polygonal_part_is_kept():
    tri = Polygon([(0, 0), (1, 0), (0, 1)])
    two = MultiPolygon([tri, box(5, 5, 6, 6)])
    geoms = np.array([
        GeometryCollection([tri, LineString([(0, 0), (3, 3)])]),
        GeometryCollection([two, Point(9, 9)]),
        GeometryCollection([LineString([(0, 0), (1, 1)])]),
        two,
    ], dtype=object)
    out = _polygonal_part(geoms)
    assert out[0].equals(tri) and out[0].geom_type == "Polygon"
    assert out[1].geom_type == "MultiPolygon" and len(out[1].geoms) == 2
    assert out[1].area == pytest.approx(1.5)
    assert out[2].is_empty and out[2].geom_type == "Polygon"
    assert out[3] is two
    assert shapely.is_valid(out).all()


def test_validation_error_keeps_its_problems_when_pickled():
    # A ValidationError raised on a dask worker reaches the client by pickling: the problem
    # list must travel with the message (it did not: only the message did).
    import pickle

    from xigeo.errors import ValidationError

    layer = gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])],
                             index=["XJ-02"], crs=4526)
    problems = validate_layer(layer, strict=False)
    err = ValidationError("parcels: 1 invalid polygon", problems)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ValidationError and str(back) == str(err)
    assert [p.kind for p in back.problems] == [p.kind for p in problems]
    assert list(back.problems[0].rows) == list(problems[0].rows)
