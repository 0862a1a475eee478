"""Tests of xigeo.terrain: slope, slope grades, coverage-weighted zonal areas.

Where the expected numbers come from:
- a plane z = a·x + b·y has the slope atan(√(a² + b²)) everywhere; Horn's
  method reproduces it exactly (up to float rounding) at any cell size;
- Horn's formula for one 3×3 window is written out by hand in the test;
- the survey grade limits (≤2°, 2–6°, 6–15°, 15–25°, >25°) are those of
  TD/T 1055-2019 (DOMAIN.md / the issue);
- on the "kinked ramp" DEM (flat west of column 9's centre, rising at 30°
  east of it) the slope of each column follows from Horn's differences worked
  in the docstring of ``ramp``; parcel areas per grade are then plane widths
  × heights, times the parcel's ellipsoidal/planar ratio from xigeo.area
  (itself tested against published oracles in test_area.py).
"""

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine

from xigeo import sample
from xigeo.area import area
from xigeo.errors import CRSError, SchemaError, ValidationError
from xigeo._zonal import coverage
from xigeo.terrain import Raster, read_dem, slope, slope_classes, slope_grade, write_raster

X0, Y0 = 38_570_000.0, 3_575_000.0  # near Pugongshan, CGCS2000 GK zone 38 with prefix (EPSG:4526)
T30 = math.tan(math.radians(30))


def plane(a, b, *, dx, dy, shape=(6, 7)):
    """DEM of z = a·x + b·y (x, y the cell centres, in metres from the grid's corner)."""
    rows, cols = shape
    xs = (np.arange(cols) + 0.5) * dx
    ys = -(np.arange(rows) + 0.5) * dy
    z = a * xs[None, :] + b * ys[:, None]
    return Raster(z, Affine(dx, 0, X0, 0, -dy, Y0), 4526)


def ramp(rows=4, cols=20, cell=10.0):
    """The kinked ramp: z = 0 up to column 9's centre, then rising at 30° eastwards.

    Column slopes by Horn (every row alike, so only the x differences count):
    columns 0–8 are flat (0°); column 9: (z10 − z8)/20 = (10·t − 0)/20 = t/2
    → atan(tan30°/2) = 16.10° (grade 4); columns 10–19: (z[j+1] − z[j−1])/20 = t
    → 30° (grade 5; the last column one-sided: (z19 − z18)/10 = t).
    """
    xs = (np.arange(cols) + 0.5) * cell
    z = np.where(np.arange(cols) <= 9, 0.0, (xs - xs[9]) * T30)
    return Raster(np.tile(z, (rows, 1)), Affine(cell, 0, X0, 0, -cell, Y0 + rows * cell), 4526)


def boxes(*bounds, crs=4526):
    return gpd.GeoDataFrame({"DKBH": [f"D{i + 1}" for i in range(len(bounds))]},
                            geometry=[shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2) for x1, y1, x2, y2 in bounds],
                            crs=crs)


# --------------------------------------------------------------------------------------
# slope
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, dx, dy", [(0.3, -0.4, 2.0, 5.0), (1.0, 0.0, 5.0, 5.0), (0.05, 2.0, 12.5, 3.0)])
def test_plane_slope_exact_with_anisotropic_cells(a, b, dx, dy):
    expected = math.degrees(math.atan(math.hypot(a, b)))
    s = slope(plane(a, b, dx=dx, dy=dy)).array
    np.testing.assert_allclose(s[1:-1, 1:-1], expected, rtol=1e-12)  # interior: plain Horn
    np.testing.assert_allclose(s, expected, rtol=1e-12)  # edges too: one-sided differences


def test_cell_size_is_honoured():
    # the same array read with 1 m and 10 m cells: the slope's tangent scales by 10
    z = plane(0.5, 0.0, dx=1.0, dy=1.0).array
    s1 = slope(Raster(z, Affine(1, 0, X0, 0, -1, Y0), 4526)).array
    s10 = slope(Raster(z, Affine(10, 0, X0, 0, -10, Y0), 4526)).array
    np.testing.assert_allclose(np.tan(np.radians(s1)), 0.5)
    np.testing.assert_allclose(np.tan(np.radians(s10)), 0.05)


def test_horn_window_by_hand():
    z = np.array([[50.0, 45.0, 50.0], [30.0, 30.0, 30.0], [8.0, 10.0, 10.0]])
    dx, dy = 5.0, 4.0
    a, b, c, d, _, f, g, h, i = z.ravel()
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * dy)
    expected = math.degrees(math.atan(math.hypot(dzdx, dzdy)))
    s = slope(Raster(z, Affine(dx, 0, X0, 0, -dy, Y0), 4526)).array
    assert s[1, 1] == pytest.approx(expected, rel=1e-13)


def test_nodata_stays_nan_and_neighbours_stay_exact():
    dem = plane(0.2, 0.1, dx=3.0, dy=4.0, shape=(7, 7))
    z = dem.array.copy()
    z[3, 3] = np.nan
    z[0, 5] = np.nan
    s = slope(Raster(z, dem.transform, dem.crs)).array
    assert np.isnan(s[3, 3]) and np.isnan(s[0, 5])
    assert np.isnan(s).sum() == 2
    np.testing.assert_allclose(s[~np.isnan(s)], math.degrees(math.atan(math.hypot(0.2, 0.1))), rtol=1e-12)


def test_lone_cell_has_slope_zero():
    z = np.full((3, 3), np.nan)
    z[1, 1] = 10.0
    s = slope(Raster(z, Affine(5, 0, X0, 0, -5, Y0), 4526)).array
    assert s[1, 1] == 0.0 and np.isnan(s).sum() == 8


def test_geotiff_path_dataset_and_nodata(tmp_path):
    dem = plane(0.3, 0.4, dx=5.0, dy=5.0)
    z = dem.array.copy()
    z[2, 2] = np.nan
    path = write_raster(Raster(z, dem.transform, dem.crs), tmp_path / "dem.tif")
    with rasterio.open(path) as src:
        assert src.nodata == -9999.0 and src.read(1)[2, 2] == -9999.0
        from_dataset = slope(src)
    from_path = slope(path)
    assert from_path.crs.to_epsg() == 4526 and from_path.transform == dem.transform
    assert np.isnan(from_path.array[2, 2])
    # float32 storage: 0.5 = tan(26.565°) to ~1e-6
    np.testing.assert_allclose(from_path.array[~np.isnan(from_path.array)], math.degrees(math.atan(0.5)), rtol=1e-5)
    np.testing.assert_array_equal(from_dataset.array, from_path.array)


def test_south_up_raster_is_flipped_to_north_up():
    dem = plane(0.1, 0.3, dx=5.0, dy=5.0)
    t = dem.transform
    south_up = Raster(dem.array[::-1], Affine(t.a, 0, t.c, 0, -t.e, t.f + t.e * dem.shape[0]), 4526)
    normal = read_dem(south_up)
    assert normal.transform == dem.transform
    np.testing.assert_array_equal(normal.array, dem.array)


def test_rotated_grid_is_refused():
    with pytest.raises(ValueError, match="格网是旋转的"):
        slope(Raster(np.zeros((3, 3)), Affine(5, 1, X0, 1, -5, Y0), 4526))
    with xigeo.using_language("en"), pytest.raises(ValueError, match="(?s)rotated grid.*north-up"):
        slope(Raster(np.zeros((3, 3)), Affine(5, 1, X0, 1, -5, Y0), 4526))


def test_geographic_dem_is_refused_with_the_fix():
    dem = Raster(np.zeros((3, 3)), Affine(0.0001, 0, 115.2, 0, -0.0001, 32.3), 4490)
    with pytest.raises(CRSError, match=r"地理坐标系.*坡度需要米.*gdalwarp -t_srs EPSG:4526"):
        slope(dem)
    with xigeo.using_language("en"), pytest.raises(
            CRSError, match=r"geographic CRS.*reproject.*gdalwarp -t_srs EPSG:4526"):
        slope(dem)


def test_dem_without_crs_is_refused():
    with pytest.raises(CRSError, match="没有坐标系.*rio edit-info --crs EPSG:4526"):
        slope(Raster(np.zeros((3, 3)), Affine(5, 0, X0, 0, -5, Y0), None))


def test_dem_with_unprefixed_eastings_under_prefixed_crs_is_refused():
    with pytest.raises(CRSError, match="不带带号"):
        slope(Raster(np.zeros((3, 3)), Affine(5, 0, 570_000, 0, -5, Y0), 4526))


def test_slope_grade_limits_belong_to_the_gentler_grade():
    values = [0, 2, 2.0001, 6, 6.0001, 15, 15.0001, 25, 25.0001, 89, np.nan]
    assert slope_grade(values).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0]


# --------------------------------------------------------------------------------------
# coverage weighting and slope classes
# --------------------------------------------------------------------------------------

def test_half_a_cell_counts_half():
    dem = Raster(np.zeros((3, 3)), Affine(10, 0, X0, 0, -10, Y0 + 30), 4526)
    half_box = shapely.box(X0 + 10, Y0 + 10, X0 + 15, Y0 + 20)  # west half of the centre cell
    triangle = shapely.Polygon([(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 10), (X0 + 20, Y0 + 20)])  # diagonal half
    cover = coverage(np.array([half_box, triangle], dtype=object), dem)
    assert cover.cell.tolist() == [4, 4]
    np.testing.assert_allclose(cover.fraction, [0.5, 0.5], rtol=1e-12)


def test_half_a_steep_cell_gets_half_the_cell_area():
    # every cell of the 30° ramp east of column 10 is grade 5: a triangle over half of one
    # cell has 50 m² of plane area in grade 5, i.e. its whole ellipsoidal area
    parcels = gpd.GeoDataFrame(geometry=[shapely.Polygon([(X0 + 120, Y0 + 10), (X0 + 130, Y0 + 10),
                                                          (X0 + 130, Y0 + 20)])], crs=4526)
    t = slope_classes(parcels, ramp())
    ellipsoidal = area(parcels).iloc[0]
    planar = 50.0
    assert t.loc[0, "grade5_area_m2"] == pytest.approx(planar * (ellipsoidal / planar), rel=1e-9)
    assert t.loc[0, "grade5_area_m2"] == pytest.approx(ellipsoidal, rel=1e-9)
    assert t.loc[0, "slope_grade"] == 5
    assert t.loc[0, "slope_max_deg"] == pytest.approx(30.0, rel=1e-12)


def test_two_slope_dem_largest_area_wins_and_areas_add_up():
    # D1: x 20–130 → 70 m flat (cols 2–8), 10 m grade 4 (col 9), 30 m grade 5 (cols 10–12)
    # D2: x 60–200 → 30 m flat, 10 m grade 4, 100 m grade 5
    # D3: x 85–135 → 5 m flat (half of col 8), 10 m grade 4, 35 m grade 5 (col 13 half covered)
    parcels = boxes((20, 5, 130, 35), (60, 5, 200, 35), (85, 5, 135, 35))
    t = slope_classes(parcels, ramp(), id_field="DKBH")
    ellipsoidal = area(parcels).to_numpy()
    ratio = ellipsoidal / parcels.area.to_numpy()
    widths = {"D1": (70, 0, 0, 10, 30), "D2": (30, 0, 0, 10, 100), "D3": (5, 0, 0, 10, 35)}
    for k, (dkbh, w) in enumerate(widths.items()):
        expected = np.array(w) * 30.0 * ratio[k]
        got = t.loc[dkbh, [f"grade{g}_area_m2" for g in range(1, 6)]].to_numpy(float)
        np.testing.assert_allclose(got, expected, rtol=1e-9)
        assert got.sum() == pytest.approx(ellipsoidal[k], rel=1e-12)
        assert t.loc[dkbh, "area_m2"] == ellipsoidal[k]
        assert t.loc[dkbh, "nodata_area_m2"] == 0.0
    assert t["slope_grade"].tolist() == [1, 5, 5]
    assert t.loc["D1", "grade1_share_pct"] == pytest.approx(70 / 110 * 100, rel=1e-9)
    # the coverage-weighted mean slope of D3: (5·0 + 10·16.10° + 35·30°) / 50
    s9 = math.degrees(math.atan(T30 / 2))
    assert t.loc["D3", "slope_mean_deg"] == pytest.approx((10 * s9 + 35 * 30) / 50, rel=1e-12)


def test_parcel_partly_off_the_dem_reports_nodata_area(caplog):
    # x 180–220: 20 m on the DEM (cols 18–19, grade 5), 20 m east of it
    parcels = boxes((180, 10, 220, 30))
    with caplog.at_level(logging.WARNING, logger="xigeo.terrain"):
        t = slope_classes(parcels, ramp())
    ellipsoidal = area(parcels).iloc[0]
    assert t.loc[0, "grade5_area_m2"] == pytest.approx(ellipsoidal / 2, rel=1e-9)
    assert t.loc[0, "nodata_area_m2"] == pytest.approx(ellipsoidal / 2, rel=1e-9)
    assert t.loc[0, "grade5_share_pct"] == pytest.approx(50.0, rel=1e-9)
    assert "部分位于 DEM 之外" in caplog.text


def test_parcel_off_the_dem_gets_no_grade_and_none_and_empty_are_kept():
    parcels = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 500, Y0, X0 + 510, Y0 + 10), None, shapely.Polygon(),
                                         shapely.box(X0, Y0, X0 + 10, Y0 + 10)], crs=4526)
    t = slope_classes(parcels, ramp())
    assert t["slope_grade"].isna().tolist() == [True, True, True, False]
    assert t.loc[0, "nodata_area_m2"] == t.loc[0, "area_m2"] > 0
    assert t.loc[2, "area_m2"] == 0.0


def test_multipolygon_with_hole():
    outer = shapely.box(X0, Y0, X0 + 80, Y0 + 40)
    ring_with_hole = shapely.Polygon(outer.exterior.coords, [shapely.box(X0 + 20, Y0 + 10, X0 + 60, Y0 + 30).exterior.coords])
    steep = shapely.box(X0 + 150, Y0, X0 + 170, Y0 + 40)
    parcels = gpd.GeoDataFrame(geometry=[shapely.MultiPolygon([ring_with_hole, steep])], crs=4526)
    t = slope_classes(parcels, ramp())
    r = area(parcels).iloc[0] / parcels.area.iloc[0]
    assert t.loc[0, "grade1_area_m2"] == pytest.approx((3200 - 800) * r, rel=1e-9)
    assert t.loc[0, "grade5_area_m2"] == pytest.approx(800 * r, rel=1e-9)
    assert t.loc[0, "slope_grade"] == 1


def test_total_units_and_chinese_labels():
    parcels = boxes((20, 5, 130, 35), (60, 5, 200, 35))
    t = slope_classes(parcels, ramp(), id_field="DKBH", unit="亩", total=True)
    assert t.index[-1] == "合计"
    assert t.loc["合计", "area_mu"] == pytest.approx(t["area_mu"].iloc[:2].sum())
    expected_share = t["grade5_area_mu"].iloc[:2].sum() / t["area_mu"].iloc[:2].sum() * 100
    assert t.loc["合计", "grade5_share_pct"] == pytest.approx(expected_share)
    m2 = slope_classes(parcels, ramp(), id_field="DKBH")
    assert t.loc["D1", "area_mu"] == pytest.approx(m2.loc["D1", "area_m2"] * 15 / 10_000)
    zh = slope_classes(parcels, ramp(), labels="zh")
    assert {"坡度级别", "面积(平方米)", "Ⅴ级坡(>25°)面积(平方米)", "Ⅰ级坡占比(%)"} <= set(zh.columns)


def test_layer_and_dem_in_different_crs_names_both():
    parcels = boxes((20, 5, 130, 35)).set_crs(4547, allow_override=True)
    parcels = parcels.set_geometry(parcels.geometry.translate(-38_000_000, 0)).set_crs(4547, allow_override=True)
    with pytest.raises(CRSError, match=r"EPSG:4547.*DEM.*EPSG:4526"):
        slope_classes(parcels, ramp())


def test_bad_ids_and_geometries_are_named():
    parcels = boxes((20, 5, 130, 35), (60, 5, 200, 35))
    with pytest.raises(SchemaError, match="XMBH"):
        slope_classes(parcels, ramp(), id_field="XMBH")
    parcels.loc[1, "DKBH"] = "D1"
    with pytest.raises(ValidationError, match=r"编号重复：D1"):
        slope_classes(parcels, ramp(), id_field="DKBH")
    parcels.loc[1, "DKBH"] = None
    with xigeo.using_language("en"), pytest.raises(
            ValidationError, match=r"1 rows have no id .* at positions 1\. Fix: give every row an id"):
        slope_classes(parcels, ramp(), id_field="DKBH")
    with pytest.raises(ValidationError, match=r"1 行没有编号（缺少 DKBH），位置：1。解决：.*DKBH"):
        slope_classes(parcels, ramp(), id_field="DKBH")
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    bad = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 5, Y0 + 5), bowtie], crs=4526)
    # check_rows words the row list (xigeo._tables): the whole sentence in both languages
    with xigeo.using_language("en"), pytest.raises(
            ValidationError, match=r"invalid polygons.*xigeo.repair.*row\(s\) 1$"):
        slope_classes(bad, ramp())
    with pytest.raises(ValidationError, match=r"无效的面（自相交或环嵌套错误；用 xigeo.repair 修复）.*行号：1$"):
        slope_classes(bad, ramp())
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0, Y0), (X0 + 5, Y0 + 5)])], crs=4526)
    with pytest.raises(ValidationError, match="不是面（坡度统计需要面）"):
        slope_classes(lines, ramp())


def test_sample_dem_reads_and_its_pits_have_steep_faces():
    # sample README: 434 × 447 cells of 5 m, ≈35 → 138 m, quarry faces steeper than 25° up to ~80°
    with sample.load("minepark_dem") as src:
        dem = read_dem(src)
    assert dem.shape == (447, 434) and dem.res == (5.0, 5.0)
    assert 30 < np.nanmin(dem.array) < 40 and 130 < np.nanmax(dem.array) < 140
    s = slope(dem)
    assert 60 < np.nanmax(s.array) < 85
    t = slope_classes(sample.load("minepark_pits"), sample.path("minepark_dem"), id_field="KSBH")
    assert len(t) == 9 and (t["grade5_area_m2"] > 0).all()
    np.testing.assert_allclose(t[[f"grade{k}_area_m2" for k in range(1, 6)]].sum(axis=1), t["area_m2"], rtol=1e-9)


# ---------------------------------------------------------------- farmland_slope_grades (GDPDJB)
# Expected grades: on a plane of slope θ every cell has slope θ (Horn is exact on planes), so a
# patch on it takes grade(θ) by the survey limits; on the two-slope DEM the grade is the one of
# the half holding more of the patch (widths × heights of boxes); on the sample DEM the grades
# are recomputed here independently: Horn's formula written out with numpy, and each cell's
# share of a patch by shapely intersections of the cell squares (not exactextract).

import xigeo  # noqa: E402
from xigeo.terrain import farmland_slope_grades  # noqa: E402


def test_farmland_slope_grades_is_exported():
    assert "farmland_slope_grades" in xigeo.__all__ and callable(xigeo.farmland_slope_grades)


def tilted(degrees, *, shape=(12, 12), cell=10.0):
    return plane(math.tan(math.radians(degrees)), 0.0, dx=cell, dy=cell, shape=shape)


def patches(*bounds, codes, index=None):
    gdf = boxes(*bounds).assign(DLBM=codes)
    return gdf.set_axis(index, axis=0) if index is not None else gdf


@pytest.mark.parametrize("degrees, grade", [(1.0, "1"), (4.0, "2"), (10.0, "3"), (20.0, "4"), (35.0, "5")])
def test_farmland_on_a_plane_takes_the_plane_grade(degrees, grade):
    dem = tilted(degrees)
    layer = patches((10, -100, 60, -20), (60, -100, 110, -20), (20, -30, 40, -10),
                    codes=["0101", "0103", "0702"], index=["T1", "T2", "T3"])
    got = farmland_slope_grades(layer, dem)
    assert got.name == "GDPDJB" and str(got.dtype) == "string"
    assert got.index.tolist() == ["T1", "T2", "T3"]
    assert got.tolist() == [grade, grade, pd.NA]


def test_the_grade_covering_most_of_the_patch_wins():
    # west half flat (0°), east half rising at 30°, the kink at x = 95 m (see `ramp`):
    # columns 0–8 flat, column 9 16.1° (grade 4), columns 10–19 30° (grade 5)
    dem = ramp(rows=6)
    layer = patches((10, 10, 80, 50),     # all flat: grade 1
                    (50, 10, 120, 50),    # 40 m flat, 10 m grade 4, 20 m grade 5: grade 1
                    (70, 10, 150, 50),    # 20 m flat, 10 m grade 4, 50 m grade 5: grade 5
                    (85, 10, 105, 50),    # 5 m flat, 10 m grade 4, 5 m grade 5: grade 4
                    codes=["0101", "0102", "0103", "0103"])
    got = farmland_slope_grades(layer, dem, id_field="DKBH", field="PDJB")
    assert got.name == "PDJB" and got.index.name == "DKBH"
    assert got.to_dict() == {"D1": "1", "D2": "1", "D3": "5", "D4": "4"}
    # the same grades as slope_classes' largest-area rule
    t = slope_classes(layer, dem, id_field="DKBH")
    assert got.tolist() == t["slope_grade"].astype(str).tolist()


def test_non_farmland_missing_geometry_and_class_field_none():
    dem = tilted(10.0)
    layer = patches((10, -100, 60, -20), (60, -100, 110, -20), codes=["0201", None])
    assert farmland_slope_grades(layer, dem).isna().all()
    assert farmland_slope_grades(layer, dem, class_field=None).tolist() == ["3", "3"]
    assert farmland_slope_grades(layer.geometry, dem).tolist() == ["3", "3"]
    empty = layer.assign(DLBM="0101").set_geometry([None, shapely.box(X0 + 10, Y0 - 50, X0 + 20, Y0 - 40)])
    assert farmland_slope_grades(empty, dem).tolist() == [pd.NA, "3"]


def test_farmland_off_the_dem_is_refused_with_every_patch_named():
    dem = tilted(10.0)  # 120 m × 120 m
    layer = patches((10, -100, 60, -20), (100, -100, 140, -20), (-30, -50, -10, -40), (200, -50, 210, -40),
                    codes=["0101", "0103", "0102", "0702"], index=["OK", "EDGE", "WEST", "HOME"])
    with pytest.raises(ValidationError, match=r"2 个耕地图斑部分或全部位于 DEM DEM 之外") as e:
        farmland_slope_grades(layer, dem)
    assert e.value.problems == ["EDGE", "WEST"]
    # the uncovered area named is the survey ellipsoidal area of the part off the DEM
    off = layer.geometry.difference(shapely.box(*dem.bounds))
    for key in ("EDGE", "WEST"):
        assert f"{key} ({area(off[[key]]).iloc[0]:,.1f} m²)" in str(e.value)
    assert round(area(off[["EDGE"]]).iloc[0]) == 1600  # 20 m × 80 m off the east edge
    # nodata cells count as off the DEM too
    holed = Raster(np.where(np.arange(12)[None, :] == 3, np.nan, dem.array), dem.transform, dem.crs)
    with pytest.raises(ValidationError, match="OK"):
        farmland_slope_grades(layer.iloc[:1], holed)


def test_farmland_slope_grades_bad_input():
    dem = tilted(10.0)
    layer = patches((10, -100, 60, -20), codes=["0101"])
    with pytest.raises(SchemaError, match="DLBM"):
        farmland_slope_grades(layer.drop(columns="DLBM"), dem)
    with pytest.raises(CRSError, match="EPSG:4547"):
        farmland_slope_grades(layer.set_crs(4547, allow_override=True), dem)
    with pytest.raises(ValidationError, match="编号重复"):
        farmland_slope_grades(pd.concat([layer, layer]).assign(DKBH="D1"), dem, id_field="DKBH")


def _horn_slope_deg(z, cell):
    """Horn's slope on the interior cells (edges NaN), written out without xigeo."""
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * cell)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * cell)
    out = np.full(z.shape, np.nan)
    out[1:-1, 1:-1] = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    return out


def test_sample_farmland_grades_against_an_independent_computation():
    dltb = sample.load("dltb")
    with rasterio.open(sample.path("minepark_dem")) as src:
        z = src.read(1).astype(float)
        t = src.transform
    cell = t.a
    s = _horn_slope_deg(z, cell)
    grade_of_cell = np.digitize(s, [2, 6, 15, 25], right=True) + 1
    # farmland patches clear of the DEM's border cells (where Horn is one-sided)
    inner = shapely.box(t.c + 2 * cell, t.f - (z.shape[0] - 2) * cell, t.c + (z.shape[1] - 2) * cell, t.f - 2 * cell)
    farm = dltb[dltb["DLBM"].str.startswith("01") & dltb.within(inner)]
    assert len(farm) >= 40
    expected = {}
    for bsm, geom in zip(farm["BSM"], farm.geometry):
        x0, y0, x1, y1 = geom.bounds
        c0, c1 = int((x0 - t.c) // cell), int((x1 - t.c) // cell) + 1
        r0, r1 = int((t.f - y1) // cell), int((t.f - y0) // cell) + 1
        rr, cc = np.meshgrid(np.arange(r0, r1), np.arange(c0, c1), indexing="ij")
        squares = shapely.box(t.c + cc * cell, t.f - (rr + 1) * cell, t.c + (cc + 1) * cell, t.f - rr * cell)
        share = shapely.area(shapely.intersection(squares, geom))
        per_grade = np.bincount(grade_of_cell[rr, cc].ravel(), weights=share.ravel(), minlength=6)[1:]
        expected[bsm] = str(int(np.argmax(per_grade)) + 1)
    got = farmland_slope_grades(farm, sample.path("minepark_dem"), id_field="BSM")
    assert got.to_dict() == expected
    assert set(expected.values()) == {"1", "2"}  # the hill's foot: plain and gentle slopes
    # the sample's own GDPDJB of these patches is the DEM's grade
    assert dict(zip(farm["BSM"], farm["GDPDJB"])) == expected
    # the whole layer: non-farmland missing, farmland off the DEM refused
    with pytest.raises(ValidationError, match="个耕地图斑部分或全部位于 DEM .* 之外"):
        farmland_slope_grades(dltb, sample.path("minepark_dem"))
