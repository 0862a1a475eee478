"""Tests of xigeo.area: the survey ellipsoidal area, geodesic and planar areas, summaries.

Where each expected number comes from is said next to it: a published value
(the 2008 map-sheet theoretical area, GeographicLib), an independent library
(pyproj's PROJ transverse Mercator and Karney geodesic area), or a formula
worked in the test (the 2008 series, the GK scale factor).
"""

from __future__ import annotations

import importlib
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from xigeo import using_language
from xigeo.area import AreaMethod, area, summarize_area
from xigeo.crs import gk_crs
from xigeo.errors import CRSError, SchemaError, UnitError

# xigeo.area is the function once xigeo/__init__ exports it; reach the module itself
xarea = importlib.import_module("xigeo.area")
kernel = importlib.import_module("xigeo._area_kernel")  # the compiled part of xigeo.area

# CGCS2000 ellipsoid (DOMAIN.md)
A_CGCS, F_CGCS = 6378137.0, 1 / 298.257222101

# 1:10 000 sheet, SW corner 114°22′30″E 32°20′N, 3′45″ × 2′30″ (国土调查办发〔2008〕32号 example)
SHEET_W, SHEET_S = 114 + 22 / 60 + 30 / 3600, 32 + 20 / 60
SHEET_E, SHEET_N = SHEET_W + 3.75 / 60, SHEET_S + 2.5 / 60
SHEET_AREA = 27_182_685.134  # m², published (CGCS2000)


def sheet_lonlat() -> Polygon:
    return box(SHEET_W, SHEET_S, SHEET_E, SHEET_N)


def star_parcels(n: int, seed: int) -> np.ndarray:
    """Random star-shaped parcels (10–30 vertices, radius 20–120 m) in Xi County, EPSG:4526."""
    rng = np.random.default_rng(seed)
    polys = []
    for _ in range(n):
        k = int(rng.integers(10, 31))
        cx, cy = rng.uniform(38_537_000, 38_594_000), rng.uniform(3_553_000, 3_609_000)
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = rng.uniform(20, 120) * rng.uniform(0.7, 1.0, k)
        polys.append(Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]).round(4)))
    return np.array(polys, dtype=object)


def geodesic_reference(polys: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Independent reference: pyproj transform to the datum's geographic CRS + Geod (Karney)."""
    to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    ell = crs.ellipsoid
    geod = pyproj.Geod(a=ell.semi_major_metre, rf=ell.inverse_flattening)
    out = []
    for poly in polys:
        total = 0.0
        for i, ring in enumerate([poly.exterior, *poly.interiors]):
            lon, lat = to_geo.transform(*np.asarray(ring.coords).T)
            a = abs(geod.polygon_area_perimeter(lon, lat)[0])
            total += a if i == 0 else -a
        out.append(total)
    return np.array(out)


def series_area(lon: np.ndarray, lat: np.ndarray, a: float, f: float) -> float:
    """The 2008 rules' trapezoid series (DOMAIN.md, A..E to e⁸), worked here in numpy."""
    e2 = f * (2 - f)
    b = a * (1 - f)
    A = 1 + e2 / 2 + 3 * e2**2 / 8 + 5 * e2**3 / 16 + 35 * e2**4 / 128
    B = e2 / 6 + 3 * e2**2 / 16 + 3 * e2**3 / 16 + 35 * e2**4 / 192
    C = 3 * e2**2 / 80 + e2**3 / 16 + 5 * e2**4 / 64
    D = e2**3 / 112 + 5 * e2**4 / 256
    E = 5 * e2**4 / 2304
    B1, B2 = np.radians(lat[:-1]), np.radians(lat[1:])
    L1, L2 = np.radians(lon[:-1]), np.radians(lon[1:])
    dL = (L1 + L2) / 2 - np.radians(lon[0])
    dB, Bm = B2 - B1, (B1 + B2) / 2
    s = 2 * b**2 * dL * (A * np.sin(dB / 2) * np.cos(Bm) - B * np.sin(3 * dB / 2) * np.cos(3 * Bm)
                         + C * np.sin(5 * dB / 2) * np.cos(5 * Bm) - D * np.sin(7 * dB / 2) * np.cos(7 * Bm)
                         + E * np.sin(9 * dB / 2) * np.cos(9 * Bm))
    return abs(s.sum())


# --- published oracles ---------------------------------------------------------------


def test_map_sheet_theoretical_area_geographic():
    # vertices as given in EPSG:4490, edges straight in (B, L): the published sheet area
    sheet = gpd.GeoSeries([sheet_lonlat()], crs=4490)
    exact = area(sheet, survey_rules=False).iloc[0]
    assert abs(exact - SHEET_AREA) < 1e-3  # measured residual: 0.0003 m²
    # survey rules: corners are whole arc-seconds, so B/L rounding changes nothing; no
    # 70 m densification for geographic input (a GK rule); result to 0.01 m²
    assert area(sheet).iloc[0] == 27_182_685.13


def test_series_of_the_2008_rules_agrees_with_closed_form():
    lon, lat = np.asarray(sheet_lonlat().exterior.coords).T
    ref = series_area(lon, lat, A_CGCS, F_CGCS)
    assert abs(ref - SHEET_AREA) < 1e-3
    sheet = gpd.GeoSeries([sheet_lonlat()], crs=4490)
    assert abs(area(sheet, survey_rules=False).iloc[0] - ref) < 1e-4  # measured 6e-6 m²


def test_geodesic_oracle_wgs84_one_degree_square():
    # GeographicLib: (lat, lon) (0,0),(0,1),(1,1),(1,0) on WGS84 → 12 308 778 361.469 m²
    cell = gpd.GeoSeries([Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])], crs=4326)
    got = area(cell, method="geodesic").iloc[0]
    assert abs(got - 12_308_778_361.469) < 1e-3
    # the survey form treats the same corners as a graticule cell (edges along parallels):
    # a different figure, by the area between the equator-parallel edges and the geodesics
    assert abs(area(cell, survey_rules=False).iloc[0] - got) > 1e3  # measured 314 467 m²


def test_map_sheet_projected_to_gk_densified():
    # the sheet's boundary with 1 000 points per edge (≈6 m apart), projected to EPSG:4526
    t = np.linspace(0, 1, 1001)[:-1]
    lon = np.concatenate([SHEET_W + (SHEET_E - SHEET_W) * t, np.full(t.size, SHEET_E),
                          SHEET_E - (SHEET_E - SHEET_W) * t, np.full(t.size, SHEET_W)])
    lat = np.concatenate([np.full(t.size, SHEET_S), SHEET_S + (SHEET_N - SHEET_S) * t,
                          np.full(t.size, SHEET_N), SHEET_N - (SHEET_N - SHEET_S) * t])
    x, y = pyproj.Transformer.from_crs(4490, 4526, always_xy=True).transform(lon, lat)
    gk = gpd.GeoSeries([Polygon(np.column_stack([x, y]))], crs=4526)
    # exact: the inverse projection returns the boundary's B, L to ~1e-14°, and consecutive
    # points of a parallel have ΔB ≈ 0, so the trapezoid sum is the sheet's own
    assert abs(area(gk, survey_rules=False).iloc[0] - SHEET_AREA) < 1e-3
    # survey rules: 0.1 mm GK rounding (≤0.07 mm per vertex, random in sign) and the
    # 6 m chords sagging d²/(8ρ) ≈ 5e-7 m from the parallels (ρ ≈ N/tanB ≈ 1e7 m) move
    # the area by far less than 1 m² over a 21 km perimeter
    assert abs(area(gk).iloc[0] - SHEET_AREA) < 0.05  # measured −0.004 m²
    # only the 4 corners in GK: without survey rules the trapezoid edges between corners
    # are again the parallels and meridians (exact); with them, the 5.9 km and 4.6 km
    # edges become 70 m chords of straight GK lines (measured −0.70 m²), the plane area
    # is 981 m² larger
    corners = gpd.GeoSeries([Polygon(np.column_stack([x[::1000], y[::1000]]))], crs=4526)
    assert abs(area(corners, survey_rules=False).iloc[0] - SHEET_AREA) < 1e-3
    assert abs(area(corners).iloc[0] - SHEET_AREA) < 1.0
    assert area(corners, method="planar").iloc[0] - SHEET_AREA == pytest.approx(981.05, abs=0.01)


# --- the inverse Gauss–Krüger projection ------------------------------------------------


@pytest.mark.parametrize("datum", ["cgcs2000", "xian1980", "beijing1954"])
def test_inverse_gauss_kruger_matches_proj(datum):
    crs = gk_crs(38, datum=datum)
    a, f = crs.ellipsoid.semi_major_metre, 1 / crs.ellipsoid.inverse_flattening
    a_ratio, beta, delta = kernel._kruger_coefficients(f)
    rng = np.random.default_rng(3)
    east = rng.uniform(38_300_000, 38_700_000, 500)  # ±200 km from the central meridian
    north = rng.uniform(2_000_000, 5_900_000, 500)
    lon, lat = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(east, north)
    got = np.array([kernel._inverse_tm(e, n, a * a_ratio, 38_500_000.0, 0.0, beta, delta)
                    for e, n in zip(east, north)])
    assert np.abs(np.degrees(got[:, 0]) - lat).max() < 1e-9  # measured ~3e-14°
    assert np.abs(114 + np.degrees(got[:, 1]) - lon).max() < 1e-9
    assert np.abs(got[:, 2] - np.sin(np.radians(lat))).max() < 1e-13


# --- agreement with the geodesic area on realistic parcels -----------------------------


def test_random_xi_county_parcels_agree_with_geodesic():
    polys = star_parcels(60, seed=7)
    dense = shapely.segmentize(polys, 1.0)  # 1 m edges: straight GK line, geodesic and trapezoid edges coincide
    ref = geodesic_reference(dense, pyproj.CRS(4526))
    got = area(gpd.GeoSeries(dense, crs=4526), survey_rules=False).to_numpy()
    # measured: 1.1e-7 relative, 4.5e-4 m² at most. The residual is the reference's own
    # noise: Karney's per-edge azimuth terms (× c² ≈ 4e13 m²) over thousands of 1 m edges
    # move it by ~1e-4 m² (0.25 m instead of 1 m densification changes it by 2.4e-4 m²),
    # while xigeo's sum matches an 80-bit evaluation (next test) to 1e-6 m²
    assert np.max(np.abs(got - ref) / ref) < 2e-7
    assert np.max(np.abs(got - ref)) < 1e-3
    # xigeo's own geodesic method is the same computation as the reference
    geo = area(gpd.GeoSeries(polys, crs=4526), method="geodesic").to_numpy()
    assert np.allclose(geo, geodesic_reference(polys, pyproj.CRS(4526)), rtol=1e-12, atol=0)
    # survey rules on the parcels as drawn (70 m densification, roundings, 0.01 m²):
    # the remaining difference to densified geodesic edges is below 0.01 m² + 1e-7
    survey = area(gpd.GeoSeries(polys, crs=4526)).to_numpy()
    assert np.all(np.abs(survey - ref) < 0.01 + 1e-7 * ref)


def test_trapezoid_sum_matches_extended_precision():
    # the same trapezoid sum evaluated in 80-bit long double from PROJ's B, L
    poly = shapely.segmentize(star_parcels(1, seed=7)[0], 1.0)
    lon, lat = pyproj.Transformer.from_crs(4526, 4490, always_xy=True).transform(
        *np.asarray(poly.exterior.coords).T)
    ld = np.longdouble
    f = ld(1) / ld("298.257222101")
    e2 = f * (2 - f)
    b = ld(6378137) * (1 - f)
    L, B = np.radians(lon.astype(ld)), np.radians(lat.astype(ld))
    s = np.sin(B)
    q = s / (1 - e2 * s * s) + np.arctanh(np.sqrt(e2) * s) / np.sqrt(e2)
    ref = float(abs(np.sum((L[:-1] + L[1:] - 2 * L[0]) * (q[1:] - q[:-1]))) * b * b / 4)
    got = area(gpd.GeoSeries([poly], crs=4526), survey_rules=False).iloc[0]
    assert got == pytest.approx(ref, abs=1e-6)


def _gk_scale_per_ha(lon: float, lat: float, half_width: float) -> float:
    """(plane − ellipsoidal)/ellipsoidal × 10⁴ m² per ha from the GK scale factor.

    Point scale of Gauss–Krüger (k0 = 1) at easting offset y from the central meridian:
    m = 1 + y²/(2R²) + y⁴/(24R⁴), R² = M·N at the latitude; areas scale by m². Over a
    square of side 2h centred at y, the mean of y² is y² + h²/3.
    """
    e2 = F_CGCS * (2 - F_CGCS)
    w = 1 - e2 * math.sin(math.radians(lat)) ** 2
    r2 = (A_CGCS * (1 - e2) / w**1.5) * (A_CGCS / math.sqrt(w))
    x, _ = pyproj.Transformer.from_crs(4490, 4547, always_xy=True).transform(lon, lat)
    y2 = (x - 500_000) ** 2 + half_width**2 / 3
    m2 = (1 + y2 / (2 * r2) + y2**2 / (24 * r2**2)) ** 2
    return 1e4 * (m2 - 1)


@pytest.mark.parametrize("lon, expected", [(114.6, 0.786), (115.0, 2.182)])
def test_ellipsoidal_smaller_than_plane_by_gk_scale(lon, expected):
    # a 1 ha square centred at (lon, 32.4°N); expected values: the formula above, which
    # pyproj's areal scale (Proj.get_factors) confirms: 0.7856 and 2.1823 m²/ha
    x, y = pyproj.Transformer.from_crs(4490, 4526, always_xy=True).transform(lon, 32.4)
    sq = gpd.GeoSeries([box(x - 50, y - 50, x + 50, y + 50)], crs=4526)
    ell = area(sq, survey_rules=False).iloc[0]
    plane = area(sq, method="planar").iloc[0]
    per_ha = (plane - ell) / ell * 1e4
    formula = _gk_scale_per_ha(lon, 32.4, 50.0)
    assert ell < plane
    assert formula == pytest.approx(expected, abs=1e-3)
    assert per_ha == pytest.approx(formula, abs=1e-3)
    areal = pyproj.Proj(4526).get_factors(lon, 32.4).areal_scale
    assert formula == pytest.approx(1e4 * (areal - 1), abs=1e-3)


# --- CRSs and datums -------------------------------------------------------------------


def test_prefix_and_no_prefix_give_identical_areas():
    polys = star_parcels(20, seed=11)
    with_prefix = gpd.GeoSeries(polys, crs=4526)
    without = gpd.GeoSeries(shapely.transform(polys, lambda c: c - [38_000_000, 0]), crs=4547)
    assert np.array_equal(area(with_prefix).to_numpy(), area(without).to_numpy())
    assert np.allclose(area(with_prefix, survey_rules=False), area(without, survey_rules=False),
                       rtol=1e-12, atol=0)


@pytest.mark.parametrize("datum, a, rf", [("xian1980", 6378140.0, 298.257),
                                          ("beijing1954", 6378245.0, 298.3)])
def test_other_datums_use_their_own_ellipsoid(datum, a, rf):
    # 1 km × 1 km parcel, densified to 1 m so that geodesic and survey edges coincide
    parcel = shapely.segmentize(box(560_000, 3_580_000, 561_000, 3_581_000), 1.0)
    crs = gk_crs(38, prefix=False, datum=datum)
    got = area(gpd.GeoSeries([parcel], crs=crs), survey_rules=False).iloc[0]
    to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lon, lat = to_geo.transform(*np.asarray(parcel.exterior.coords).T)
    own = abs(pyproj.Geod(a=a, rf=rf).polygon_area_perimeter(lon, lat)[0])
    cgcs = abs(pyproj.Geod(a=A_CGCS, f=F_CGCS).polygon_area_perimeter(lon, lat)[0])
    assert got == pytest.approx(own, abs=1e-3)
    # the wrong ellipsoid would be off by ≈2Δa/a of the area (~1 m² for Xi'an, 33 m² for Beijing)
    assert abs(got - cgcs) > 0.5


def test_non_transverse_mercator_crs_is_refused():
    x, y = pyproj.Transformer.from_crs(4490, 3857, always_xy=True).transform(114.6, 32.4)
    merc = gpd.GeoSeries([box(x, y, x + 100, y + 100)], crs=3857)
    with pytest.raises(CRSError, match="to_survey_crs"):
        area(merc)
    assert area(merc, method="planar").iloc[0] == pytest.approx(10_000.0)


def test_crs_errors_propagate():
    parcel = box(38_560_000, 3_580_000, 38_560_100, 3_580_100)
    with pytest.raises(CRSError, match="没有坐标系"):
        area(gpd.GeoSeries([parcel]))
    with pytest.raises(CRSError, match="修正：gdf.set_crs\\(4526"):
        area(gpd.GeoSeries([parcel], crs=4547))  # prefixed eastings under a CM-114E CRS
    with pytest.raises(CRSError, match="地理坐标系"):
        area(gpd.GeoSeries([sheet_lonlat()], crs=4490), method="planar")
    with pytest.raises(CRSError):
        summarize_area(gpd.GeoDataFrame(geometry=[parcel]))


# --- survey rules ------------------------------------------------------------------------


def test_rule_long_edges_get_floor_len_over_70_points():
    # a 210 m × 35 m strip: long edges get ⌊210/70⌋ = 3 extra points (4 parts of 52.5 m),
    # the 35 m edges none: same figure as the strip drawn with those points
    x0, y0 = 38_560_000.0, 3_580_000.0
    strip = box(x0, y0, x0 + 210, y0 + 35)
    xs = x0 + np.array([0, 52.5, 105, 157.5, 210])
    drawn = Polygon([*zip(xs, [y0] * 5), *zip(xs[::-1], [y0 + 35] * 5)])
    survey = area(gpd.GeoSeries([strip, drawn], crs=4526))
    assert survey.iloc[0] == survey.iloc[1]


def _densify_70(poly: Polygon) -> Polygon:
    """The rule worked by hand: ⌊len/70⌋ evenly spaced points on each edge longer than 70 m."""
    pts = np.asarray(poly.exterior.coords)
    out = []
    for p, q in zip(pts[:-1], pts[1:]):
        length = float(np.hypot(*(q - p)))
        k = math.floor(length / 70) if length > 70 else 0
        out.extend(p + (q - p) * j / (k + 1) for j in range(k + 1))
    return Polygon(out)


def test_rule_densification_makes_gk_edges_straight():
    # a triangle with 7 km edges: without densification the trapezoid edges (straight in
    # the equal-area (L, q) plane) bow away from the straight GK edges by ~2 100 m²
    x0, y0 = 38_560_000.0, 3_580_000.0
    tri = Polygon([(x0, y0), (x0 + 7000, y0), (x0, y0 + 3500)])
    s = gpd.GeoSeries([tri, _densify_70(tri), shapely.segmentize(tri, 1.0)], crs=4526)
    survey, exact = area(s), area(s, survey_rules=False)
    assert exact.iloc[2] - exact.iloc[0] > 2_000  # measured 2 132.47 m²
    # survey rules = the triangle densified by hand (B, L and 0.1 mm roundings: < 0.02 m²)
    assert survey.iloc[0] == pytest.approx(exact.iloc[1], abs=0.02)
    # 70 m chords vs 1 m chords of the straight GK edges: measured 0.12 m² of 12.2 km²
    assert survey.iloc[0] == pytest.approx(exact.iloc[2], rel=2e-8)


def test_rule_gk_coordinates_rounded_to_4_decimals():
    x0, y0 = 38_560_000.0, 3_580_000.0
    clean = box(x0, y0, x0 + 50, y0 + 40)
    noisy = box(x0 + 0.00004, y0 - 0.00004, x0 + 50.00003, y0 + 40.00002)
    s = gpd.GeoSeries([clean, noisy], crs=4526)
    assert area(s).iloc[0] == area(s).iloc[1]
    assert area(s, survey_rules=False).iloc[0] != area(s, survey_rules=False).iloc[1]


def test_rule_result_reported_to_001_m2():
    got = area(gpd.GeoSeries(star_parcels(10, seed=2), crs=4526)).to_numpy()
    assert np.array_equal(got, np.round(got, 2))


# --- geometry handling ------------------------------------------------------------------


@pytest.fixture
def parcels() -> gpd.GeoDataFrame:
    outer = box(38_560_000, 3_580_000, 38_560_100, 3_580_100)
    inner = box(38_560_020, 3_580_020, 38_560_050, 3_580_070)
    other = box(38_561_000, 3_580_000, 38_561_080, 3_580_060)
    return gpd.GeoDataFrame(
        {"DLBM": ["0101", "0101", "0702", "0702", "0103", "0103", "1001", "0101"]},
        geometry=[outer, Polygon(outer.exterior, [inner.exterior]), MultiPolygon([outer, other]),
                  None, Polygon(), GeometryCollection([outer, LineString([(38_560_000, 3_580_000), (38_560_001, 3_580_001)])]),
                  LineString([(38_560_000, 3_580_000), (38_560_100, 3_580_100)]),
                  Polygon(outer.exterior.coords[::-1])],
        index=pd.Index(["XJ-01", "XJ-02", "XJ-03", "XJ-04", "XJ-05", "XJ-06", "XJ-07", "XJ-08"],
                       name="BSM"),
        crs=4526,
    )


def test_holes_multipolygons_missing_empty_and_index(parcels):
    got = area(parcels, survey_rules=False)
    assert got.name == "area_m2"
    assert got.index.equals(parcels.index)
    outer, inner, other = (area(gpd.GeoSeries([g], crs=4526), survey_rules=False).iloc[0]
                           for g in (box(38_560_000, 3_580_000, 38_560_100, 3_580_100),
                                     box(38_560_020, 3_580_020, 38_560_050, 3_580_070),
                                     box(38_561_000, 3_580_000, 38_561_080, 3_580_060)))
    assert got["XJ-01"] == outer
    assert got["XJ-02"] == pytest.approx(outer - inner, rel=1e-12)
    assert got["XJ-03"] == pytest.approx(outer + other, rel=1e-12)
    assert np.isnan(got["XJ-04"])  # None → NaN
    assert got["XJ-05"] == 0.0  # empty → 0
    assert got["XJ-06"] == outer  # collection: its polygons; the line adds nothing
    assert got["XJ-07"] == 0.0  # a line has no area
    assert got["XJ-08"] == pytest.approx(outer, rel=1e-13)  # orientation does not matter
    assert area(gpd.GeoSeries([Point(38_560_000, 3_580_000)], crs=4526)).iloc[0] == 0.0
    # the same rules hold for every method
    for method in ("geodesic", "planar"):
        m = area(parcels, method=method)
        assert np.isnan(m["XJ-04"]) and m["XJ-05"] == 0 and m["XJ-07"] == 0
        assert m["XJ-02"] == pytest.approx(m["XJ-01"] - area(gpd.GeoSeries(
            [box(38_560_020, 3_580_020, 38_560_050, 3_580_070)], crs=4526), method=method).iloc[0])


def test_units_exact_factors(parcels):
    m2 = area(parcels)
    assert area(parcels, unit="ha").name == "area_ha"
    pd.testing.assert_series_equal(area(parcels, unit="ha"), (m2 * 1 / 10_000).rename("area_ha"))
    pd.testing.assert_series_equal(area(parcels, unit="mu"), (m2 * 15 / 10_000).rename("area_mu"))
    pd.testing.assert_series_equal(area(parcels, unit="亩"), area(parcels, unit="mu"))
    pd.testing.assert_series_equal(area(parcels, unit="km2"), (m2 * 1 / 1_000_000).rename("area_km2"))
    pd.testing.assert_series_equal(area(parcels, unit="公顷"), area(parcels, unit="ha"))
    # 1 ha = 15 mu exactly
    assert area(parcels, unit="mu")["XJ-01"] == pytest.approx(15 * area(parcels, unit="ha")["XJ-01"],
                                                              rel=1e-15)


def test_bad_unit_and_method_list_allowed_values(parcels):
    with pytest.raises(UnitError, match=r"m2 .*ha .*mu .*km2"):
        area(parcels, unit="acre")
    with pytest.raises(UnitError, match="ellipsoidal .*geodesic .*planar"):
        area(parcels, method="spherical")
    assert AreaMethod.create("平面") is AreaMethod.PLANAR
    assert AreaMethod.create(AreaMethod.GEODESIC) is AreaMethod.GEODESIC


def test_geoseries_with_empty_or_all_missing_input():
    assert area(gpd.GeoSeries([], crs=4526)).empty
    got = area(gpd.GeoSeries([None, None], crs=4526))
    assert got.isna().all() and got.name == "area_m2"


# --- summarize_area ---------------------------------------------------------------------


@pytest.fixture
def projects() -> gpd.GeoDataFrame:
    # project A: two 100 m × 100 m parcels overlapping by 50 m × 100 m; project B: 100 × 50 m
    return gpd.GeoDataFrame(
        {"project": ["A", "A", "B", None]},
        geometry=[box(38_560_000, 3_580_000, 38_560_100, 3_580_100),
                  box(38_560_050, 3_580_000, 38_560_150, 3_580_100),
                  box(38_570_000, 3_580_000, 38_570_100, 3_580_050),
                  box(38_580_000, 3_580_000, 38_580_010, 3_580_010)],
        crs=4526,
    )


def test_summarize_counts_overlap_once_planar(projects):
    table = summarize_area(projects, by="project", method="planar", total=True)
    # rows without a project are a group of their own, not dropped
    assert table.index[[0, 1, 3]].tolist() == ["A", "B", "合计"] and pd.isna(table.index[2])
    assert table["count"].tolist() == [2, 1, 1, 4]
    a = table.loc["A"]
    assert a["count"] == 2
    assert a["area_m2"] == pytest.approx(15_000.0)  # union 150 × 100 m, not 20 000
    assert a["overlap_removed_m2"] == 5_000.0
    assert a["area_ha"] == pytest.approx(1.5) and a["area_ha_rounded"] == 1.5
    assert a["area_mu"] == pytest.approx(22.5) and a["area_mu_rounded"] == 22.5
    assert table.loc["B", "overlap_removed_m2"] == 0.0
    assert table.loc["合计", "area_m2"] == pytest.approx(15_000 + 5_000 + 100)


def test_summarize_ellipsoidal_overlap_equals_intersection_area(projects):
    table = summarize_area(projects, by="project")
    members = area(projects, survey_rules=True)
    overlap = area(gpd.GeoSeries([box(38_560_050, 3_580_000, 38_560_100, 3_580_100)], crs=4526))
    # union area = sum of the two parcels − their intersection (independently measured)
    assert table.loc["A", "area_m2"] == pytest.approx(members.iloc[:2].sum() - overlap.iloc[0], abs=0.02)
    assert table.loc["A", "overlap_removed_m2"] == pytest.approx(overlap.iloc[0], abs=0.02)
    assert table.loc["B", "area_m2"] == pytest.approx(members.iloc[2], abs=0.01)
    assert list(table.columns) == ["count", "area_m2", "overlap_removed_m2", "area_ha",
                                   "area_ha_rounded", "area_mu", "area_mu_rounded"]


def test_summarize_overlaps_inside_and_between_groups_worked_by_hand():
    # planar, metres; worked by hand:
    #   A: a1 = [0,100]², a2 = [50,150]×[0,100] (overlap 50×100), a3 = [100,200]×[0,100]
    #      overlapping a2 by 50×100 → one cluster a1-a2-a3, union [0,200]×[0,100] = 20 000;
    #      a4 = [300,400]×[0,100] touches nothing → its own 10 000. A = 30 000, removed 10 000.
    #   B: b1 = [0,100]×[100,200] shares an edge with a1 only (no overlap),
    #      b2 = [150,250]×[50,150] overlaps a2 and a3 (another group) by 50×50 each and
    #      touches b1 at no area → B = 10 000 + 10 000 = 20 000, removed 0.
    #   合计: A ∪ B: b1 adds 10 000; b2 adds 100×100 − [150,200]×[50,100] (2 500) = 7 500;
    #      total = 30 000 + 10 000 + 7 500 = 47 500; removed = 60 000 − 47 500 = 12 500.
    x0, y0 = 38_560_000, 3_580_000
    rects = {"a1": (0, 0, 100, 100), "a2": (50, 0, 150, 100), "a3": (100, 0, 200, 100),
             "a4": (300, 0, 400, 100), "b1": (0, 100, 100, 200), "b2": (150, 50, 250, 150)}
    layer = gpd.GeoDataFrame(
        {"cls": [k[0].upper() for k in rects]},
        geometry=[box(x0 + a, y0 + b, x0 + c, y0 + d) for a, b, c, d in rects.values()], crs=4526)
    table = summarize_area(layer, by="cls", method="planar", total=True)
    assert table["area_m2"].tolist() == pytest.approx([30_000, 20_000, 47_500])
    assert table["overlap_removed_m2"].tolist() == [10_000, 0, 12_500]
    # the same figures as dissolving each group whole (shapely's union, independent of xigeo)
    for g in ("A", "B"):
        geoms = layer.geometry[layer["cls"] == g].to_numpy()
        assert table.loc[g, "area_m2"] == pytest.approx(shapely.union_all(geoms).area)
    assert table.loc["合计", "area_m2"] == pytest.approx(shapely.union_all(layer.geometry.to_numpy()).area)
    # ellipsoidal: a cluster's union is measured, the others' own areas summed
    ell = summarize_area(layer, by="cls", total=True)
    members = area(layer, survey_rules=True)
    union_a = area(gpd.GeoSeries([box(x0, y0, x0 + 200, y0 + 100)], crs=4526)).iloc[0]
    assert ell.loc["A", "area_m2"] == pytest.approx(union_a + members.iloc[3], abs=0.02)
    assert ell.loc["B", "area_m2"] == pytest.approx(members.iloc[4:].sum(), abs=0.02)


def test_summarize_coverage_equals_plain_sum_of_area():
    # a 6 × 5 grid of 37 m cells (a coverage: shared edges, no overlaps) in two classes:
    # nothing is dissolved, so each class is the sum of its members' area() figures
    x0, y0 = 38_560_000, 3_580_000
    cells = [box(x0 + 37 * i, y0 + 37 * j, x0 + 37 * (i + 1), y0 + 37 * (j + 1))
             for i in range(6) for j in range(5)]
    layer = gpd.GeoDataFrame({"cls": ["01", "02", "01"] * 10}, geometry=cells, crs=4526)
    unrounded = xarea._area_m2(layer, AreaMethod.ELLIPSOIDAL, True, label="t", rounded=False).m2
    table = summarize_area(layer, by="cls", total=True)
    for g in ("01", "02"):
        assert table.loc[g, "area_m2"] == pytest.approx(unrounded[layer["cls"] == g].sum(), rel=1e-12)
    assert table.loc["合计", "area_m2"] == pytest.approx(unrounded.sum(), rel=1e-12)
    assert (table["overlap_removed_m2"] == 0).all()
    # and within 0.01 m² per patch of the rounded area() figures
    assert table.loc["合计", "area_m2"] == pytest.approx(area(layer).sum(), abs=0.005 * 30)


def test_summarize_whole_layer_and_rounding(projects):
    table = summarize_area(projects, method="planar", unit="mu")
    assert list(table.index) == ["合计"]
    assert table["area_m2"].iloc[0] == pytest.approx(20_100.0)
    # 20 100 m² = 30.15 mu = 2.01 ha exactly
    assert table["area_mu_rounded"].iloc[0] == 30.15
    assert table["area_ha_rounded"].iloc[0] == 2.01
    assert table.columns[3:5].tolist() == ["area_mu", "area_mu_rounded"]


def test_report_rounding_is_half_up():
    # 0.125 and 2.675 are halfway cases (0.125 exactly; numpy's round gives 0.12)
    assert xarea._round_report(np.array([0.125, 1.5, -0.125, 0.0]), 2).tolist() == [0.13, 1.5, -0.13, 0.0]


def test_summarize_missing_group_column(projects):
    with pytest.raises(SchemaError, match="没有用于分组的字段 DLBM；图层现有字段：project"):
        summarize_area(projects, by="DLBM")
    with using_language("en"), pytest.raises(SchemaError, match="no column DLBM.*project"):
        summarize_area(projects, by="DLBM")


def test_area_messages_in_english_on_request():
    from xigeo.area import AreaMethod

    parcel = box(38_560_000, 3_580_000, 38_560_100, 3_580_100)
    with using_language("en"):
        with pytest.raises(CRSError, match="no CRS"):
            area(gpd.GeoSeries([parcel]))
        with pytest.raises(UnitError, match="unknown area method 'spherical'; use one of: ellipsoidal"):
            AreaMethod.create("spherical")
    with pytest.raises(UnitError, match="未知的面积算法 'spherical'；可选：ellipsoidal"):
        AreaMethod.create("spherical")


def test_threaded_blocks_give_the_same_areas(monkeypatch, parcels):
    # big layers are cut into blocks of rings run on threads; force 3 blocks on a small one
    layer = gpd.GeoSeries(np.concatenate([star_parcels(7, seed=5), parcels.geometry.values]),
                          crs=4526)
    one = area(layer)
    monkeypatch.setattr(kernel, "thread_count", lambda work, per_thread: 3)
    pd.testing.assert_series_equal(area(layer), one)
