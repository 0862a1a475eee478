"""Datum transformation from common points (xigeo/datum.py).

Expected coordinates come from PROJ pipelines written out here
(``+proj=helmert``, convention=coordinate_frame) and from an independent numpy
Bursa–Wolf written here with its own geodetic ↔ geocentric formulas; recovered
parameters are checked against the known ones within the standard errors the
noise gives, computed here from the least-squares normal equations.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import Point, box

import xigeo
from xigeo.datum import (TransformParams, fit_transform, read_common_points, read_params,
                         transform, write_params)
from xigeo.errors import CRSError, SchemaError, TransformError, cli_interface
from xigeo._excel import read_table

ARCSEC = math.pi / 180 / 3600
IAG75 = (6378140.0, 298.257)          # Xi'an 1980
CGCS = (6378137.0, 298.257222101)     # CGCS2000
#: typical magnitudes of a Xi'an 1980 → CGCS2000 set (metres, arc-seconds, ppm)
TRUE7 = {"dx_m": -15.42, "dy_m": 122.38, "dz_m": 48.71, "rx_arcsec": 1.83, "ry_arcsec": -2.41,
         "rz_arcsec": 3.06, "scale_ppm": -2.75}
TRUE4 = {"dx_m": -48.213, "dy_m": 87.904, "rotation_arcsec": 2.37, "scale_ppm": 4.6}


def xi_points(n: int, seed: int = 2000) -> np.ndarray:
    """n plane points over Xi County (EPSG:2362 / 4526 style, prefixed eastings)."""
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(38_537_000, 38_594_000, n), rng.uniform(3_553_000, 3_609_000, n)])


def geocentric(lon, lat, h, a, rf):
    """B, L, H → X, Y, Z (closed form)."""
    f = 1 / rf
    e2 = f * (2 - f)
    B, L = np.radians(lat), np.radians(lon)
    N = a / np.sqrt(1 - e2 * np.sin(B) ** 2)
    return np.column_stack([(N + h) * np.cos(B) * np.cos(L), (N + h) * np.cos(B) * np.sin(L),
                            (N * (1 - e2) + h) * np.sin(B)])


def geodetic(xyz, a, rf):
    """X, Y, Z → B, L, H (fixed-point iteration on B)."""
    f = 1 / rf
    e2 = f * (2 - f)
    X, Y, Z = xyz.T
    p = np.hypot(X, Y)
    L = np.arctan2(Y, X)
    B = np.arctan2(Z, p * (1 - e2))
    for _ in range(10):
        N = a / np.sqrt(1 - e2 * np.sin(B) ** 2)
        H = p / np.cos(B) - N
        B = np.arctan2(Z, p * (1 - e2 * N / (N + H)))
    N = a / np.sqrt(1 - e2 * np.sin(B) ** 2)
    return np.degrees(L), np.degrees(B), p / np.cos(B) - N


def bursa_wolf(xyz, p):
    """Coordinate-frame Bursa–Wolf, small angles: X' = T + (1+s)·R·X."""
    rx, ry, rz = p["rx_arcsec"] * ARCSEC, p["ry_arcsec"] * ARCSEC, p["rz_arcsec"] * ARCSEC
    R = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])
    return np.array([p["dx_m"], p["dy_m"], p["dz_m"]]) + (1 + p["scale_ppm"] * 1e-6) * xyz @ R.T


def numpy_7(xy, p, h=None):
    """Xi'an 1980 GK zone 38 → CGCS2000 GK zone 38 (prefixed) by the numpy formulas above
    (pyproj only for the Gauss–Krüger projection on each side)."""
    lon, lat = pyproj.Transformer.from_crs(2362, 4610, always_xy=True).transform(xy[:, 0], xy[:, 1])
    h = np.zeros(len(xy)) if h is None else h
    lon2, lat2, h2 = geodetic(bursa_wolf(geocentric(lon, lat, h, *IAG75), p), *CGCS)
    x, y = pyproj.Transformer.from_crs(4490, 4526, always_xy=True).transform(lon2, lat2)
    return np.column_stack([x, y]), h2


def proj_7(xy, p):
    """The same through one PROJ pipeline written out here."""
    pipe = pyproj.Transformer.from_pipeline(
        "+proj=pipeline "
        "+step +inv +proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=38500000 +y_0=0 +a=6378140 +rf=298.257 "
        "+step +proj=cart +a=6378140 +rf=298.257 "
        f"+step +proj=helmert +x={p['dx_m']} +y={p['dy_m']} +z={p['dz_m']} +rx={p['rx_arcsec']} "
        f"+ry={p['ry_arcsec']} +rz={p['rz_arcsec']} +s={p['scale_ppm']} +convention=coordinate_frame "
        "+step +inv +proj=cart +ellps=GRS80 "
        "+step +proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=38500000 +y_0=0 +ellps=GRS80")
    x, y, _ = pipe.transform(xy[:, 0], xy[:, 1], np.zeros(len(xy)))
    return np.column_stack([x, y])


def proj_4(xy, p):
    """PROJ's 2-D helmert (theta in arc-seconds; the scale given as the factor)."""
    pipe = pyproj.Transformer.from_pipeline(
        f"+proj=helmert +x={p['dx_m']} +y={p['dy_m']} +theta={p['rotation_arcsec']} "
        f"+s={1 + p['scale_ppm'] * 1e-6}")
    x, y = pipe.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def series(xy, crs, ids=None, h=None):
    pts = shapely.points(xy[:, 0], xy[:, 1], h)
    return gpd.GeoSeries(pts, index=ids if ids is not None else [f"G{i + 1:02d}" for i in range(len(xy))],
                         crs=crs)


# ---------------------------------------------------------------- applying parameters


def test_7_parameters_match_numpy_bursa_wolf_and_proj_to_1mm():
    xy = xi_points(50)
    layer = gpd.GeoDataFrame({"BSM": range(50)}, geometry=shapely.points(xy), crs=2362)
    params = TransformParams("7", TRUE7, 2362, 4526)
    out = transform(layer, params)
    got = shapely.get_coordinates(out.geometry.values)
    expected, _ = numpy_7(xy, TRUE7)
    assert out.crs.to_epsg() == 4526 and out["BSM"].tolist() == list(range(50))
    assert np.abs(got - expected).max() < 1e-3
    assert np.abs(got - proj_7(xy, TRUE7)).max() < 1e-3
    # the datum shift itself is tens of metres (so the test could see a wrong sign)
    assert np.hypot(*(got - xy).T).min() > 20


def test_7_parameters_on_polygons_and_heights():
    poly = box(38_560_000, 3_580_000, 38_561_000, 3_581_000)
    params = TransformParams("7", TRUE7, 2362, 4526)
    out = transform(gpd.GeoSeries([poly, None], crs=2362), params)
    ring = np.asarray(poly.exterior.coords)
    expected, _ = numpy_7(ring, TRUE7)
    assert np.abs(np.asarray(out.iloc[0].exterior.coords) - expected).max() < 1e-3
    assert out.iloc[1] is None
    # 3-D points: the Z is the ellipsoidal height and comes out on the CGCS2000 ellipsoid
    xy, h = xi_points(5), np.array([30.0, 45.0, 52.5, 60.0, 38.0])
    out = transform(series(xy, 2362, h=h), params)
    exp_xy, exp_h = numpy_7(xy, TRUE7, h)
    coords = shapely.get_coordinates(out.values, include_z=True)
    assert np.abs(coords[:, :2] - exp_xy).max() < 1e-3
    assert np.abs(coords[:, 2] - exp_h).max() < 1e-3


def test_position_vector_is_the_reverse_rotation():
    xy = xi_points(5)
    reversed_ = {**TRUE7, **{k: -TRUE7[k] for k in ("rx_arcsec", "ry_arcsec", "rz_arcsec")}}
    pv = TransformParams("7", reversed_, 2362, 4526, convention="position_vector")
    got = shapely.get_coordinates(transform(series(xy, 2362), pv).values)
    assert np.abs(got - numpy_7(xy, TRUE7)[0]).max() < 1e-3


def test_4_parameters_match_proj_helmert_to_1mm():
    xy = xi_points(40)
    params = TransformParams("4", TRUE4, 2362, 4526)
    out = transform(series(xy, 2362), params)
    assert out.crs.to_epsg() == 4526
    assert np.abs(shapely.get_coordinates(out.values) - proj_4(xy, TRUE4)).max() < 1e-3


def test_to_another_crs_of_the_target_datum():
    xy = xi_points(5)
    params = TransformParams("4", TRUE4, 2362, 4526)
    out = transform(series(xy, 2362), params, to=4547)          # the same zone without the prefix
    expected = proj_4(xy, TRUE4) - [38_000_000, 0]
    assert out.crs.to_epsg() == 4547
    assert np.abs(shapely.get_coordinates(out.values) - expected).max() < 1e-3
    with pytest.raises(CRSError, match="与参数的目标坐标系 EPSG:4526 .* 不是同一大地基准.*to=4526"):
        transform(series(xy, 2362), params, to=2362)


def test_output_is_rounded_to_a_tenth_of_a_millimetre():
    out = transform(series(xi_points(20), 2362), TransformParams("7", TRUE7, 2362, 4526))
    c = shapely.get_coordinates(out.values) * 1e4
    assert np.abs(c - np.round(c)).max() < 1e-3


def test_layer_in_another_crs_is_refused():
    with pytest.raises(CRSError, match="是 EPSG:4526.*参数是从 EPSG:2362"):
        transform(series(xi_points(3), 4526), TransformParams("7", TRUE7, 2362, 4526))


def test_4_parameters_without_crs_need_to():
    params = TransformParams("4", TRUE4)
    with pytest.raises(TransformError, match=r"参数没有指明目标坐标系.*to=4526"):
        transform(series(xi_points(3), 2362), params)
    with cli_interface(), pytest.raises(TransformError, match="--to 4526"):
        transform(series(xi_points(3), 2362), params)
    out = transform(series(xi_points(3), 2362), params, to=4526)
    assert out.crs.to_epsg() == 4526


# ---------------------------------------------------------------- fitting


def test_fit_4_recovers_exact_parameters_without_noise():
    src = xi_points(8)
    fit = fit_transform(series(src, 2362), series(proj_4(src, TRUE4), 4526), kind="4")
    for key, value in TRUE4.items():
        assert fit.params.values[key] == pytest.approx(value, abs=1e-6), key
    assert fit.rms_m < 1e-6 and fit.n_points == 8


def _sigma(A, sigma):
    """Standard errors of least-squares unknowns: σ·√diag((AᵀA)⁻¹)."""
    return sigma * np.sqrt(np.diag(np.linalg.inv(A.T @ A)))


def test_fit_4_with_noise_recovers_parameters_within_the_noise():
    rng = np.random.default_rng(18)
    sigma = 0.02
    src = xi_points(12)
    dst = proj_4(src, TRUE4) + rng.normal(0, sigma, (12, 2))
    fit = fit_transform(series(src, 2362), series(dst, 4526), kind="4")
    # the model is linear in (dx, dy, a = m cos θ, b = m sin θ): its design matrix, here
    x, y = src.T
    one, zero = np.ones(12), np.zeros(12)
    A = np.concatenate([np.column_stack([one, zero, x, y]), np.column_stack([zero, one, y, -x])])
    s_dx, s_dy, s_a, s_b = _sigma(A, sigma)
    p = fit.params.values
    m = 1 + p["scale_ppm"] * 1e-6
    a, b = m * math.cos(p["rotation_arcsec"] * ARCSEC), m * math.sin(p["rotation_arcsec"] * ARCSEC)
    mt = 1 + TRUE4["scale_ppm"] * 1e-6
    at, bt = mt * math.cos(TRUE4["rotation_arcsec"] * ARCSEC), mt * math.sin(TRUE4["rotation_arcsec"] * ARCSEC)
    assert abs(p["dx_m"] - TRUE4["dx_m"]) < 4 * s_dx and abs(p["dy_m"] - TRUE4["dy_m"]) < 4 * s_dy
    assert abs(a - at) < 4 * s_a and abs(b - bt) < 4 * s_b
    # in the units a report shows: rotation within 4σ (≈ 4·s_b/m rad) and scale within 4σ in ppm
    assert abs(p["rotation_arcsec"] - TRUE4["rotation_arcsec"]) < 4 * s_b / ARCSEC
    assert abs(p["scale_ppm"] - TRUE4["scale_ppm"]) < 4 * s_a * 1e6
    # the residuals are the noise: RMS of the 2-D residual ≈ σ·√2·√((2n − 4)/(2n))
    assert fit.rms_m == pytest.approx(sigma * math.sqrt(2 * (24 - 4) / 24), rel=0.4)
    assert fit.m0_m == pytest.approx(sigma, rel=0.4)
    r = fit.residuals
    assert list(r.columns) == ["source_x", "source_y", "target_x", "target_y", "v_east_m", "v_north_m", "v_m"]
    fitted = proj_4(src, p)
    assert np.allclose(r["v_east_m"], fitted[:, 0] - dst[:, 0], atol=1e-6)
    assert np.allclose(r["v_m"], np.hypot(r["v_east_m"], r["v_north_m"]))
    assert fit.rms_m == pytest.approx(math.sqrt((r["v_m"] ** 2).mean()))


def test_fit_7_recovers_exact_parameters_without_noise():
    src = xi_points(10)
    dst, h2 = numpy_7(src, TRUE7)
    # heights 0 on Xi'an 1980 come out as h2 (metres) on CGCS2000: the target points carry them
    fit = fit_transform(series(src, 2362), series(dst, 4526, h=h2), kind="7")
    p = fit.params.values
    # plane coordinates carry ~1e-9 m of rounding: the parameters come back to
    # 1 mm / 1e-4″ / 0.01 ppm (their correlations over a 57 km county magnify it)
    for key in ("dx_m", "dy_m", "dz_m"):
        assert p[key] == pytest.approx(TRUE7[key], abs=1e-3), key
    for key in ("rx_arcsec", "ry_arcsec", "rz_arcsec"):
        assert p[key] == pytest.approx(TRUE7[key], abs=1e-4), key
    assert p["scale_ppm"] == pytest.approx(TRUE7["scale_ppm"], abs=1e-2)
    assert fit.rms_m < 1e-4
    # the fitted parameters reproduce the points (through PROJ) to 1 mm
    out = transform(series(src, 2362), fit)
    assert np.abs(shapely.get_coordinates(out.values) - dst).max() < 1e-3


def test_fit_7_from_2d_points_reproduces_plane_coordinates():
    # docs/geodesy.md: heights change by ~111 m here; a fit from 2-D points (heights 0 on both
    # sides) gives other parameters that still reproduce plane coordinates across the county
    src = xi_points(10)
    dst, h2 = numpy_7(src, TRUE7)
    assert 105 < h2.min() and h2.max() < 117
    fit = fit_transform(series(src, 2362), series(dst, 4526), kind="7")
    assert abs(fit.params.values["dx_m"] - TRUE7["dx_m"]) > 10        # not the true seven
    check = xi_points(50, seed=5)
    out = transform(series(check, 2362), fit)
    assert np.abs(shapely.get_coordinates(out.values) - numpy_7(check, TRUE7)[0]).max() < 3e-3


def test_fit_7_with_noise_recovers_parameters_within_the_noise():
    rng = np.random.default_rng(1980)
    sigma = 0.01
    src_plane = xi_points(15)
    h = rng.uniform(20, 80, 15)
    lon, lat = pyproj.Transformer.from_crs(2362, 4610, always_xy=True).transform(*src_plane.T)
    src_xyz = geocentric(lon, lat, h, *IAG75)
    dst_xyz = bursa_wolf(src_xyz, TRUE7) + rng.normal(0, sigma, (15, 3))
    lon2, lat2, h2 = geodetic(dst_xyz, *CGCS)
    dst_plane = np.column_stack(pyproj.Transformer.from_crs(4490, 4526, always_xy=True).transform(lon2, lat2))
    fit = fit_transform(series(src_plane, 2362, h=h), series(dst_plane, 4526, h=h2), kind="7")
    # standard errors from the linearised design matrix (unknowns dx, dy, dz, rx, ry, rz, s)
    X, Y, Z = src_xyz.T
    one, zero = np.ones(15), np.zeros(15)
    A = np.concatenate([
        np.column_stack([one, zero, zero, zero, -Z, Y, X]),
        np.column_stack([zero, one, zero, Z, zero, -X, Y]),
        np.column_stack([zero, zero, one, -Y, X, zero, Z]),
    ])
    sig = _sigma(A, sigma)
    p = fit.params.values
    keys = ["dx_m", "dy_m", "dz_m", "rx_arcsec", "ry_arcsec", "rz_arcsec", "scale_ppm"]
    to_unit = [1, 1, 1, 1 / ARCSEC, 1 / ARCSEC, 1 / ARCSEC, 1e6]
    for key, s, unit in zip(keys, sig, to_unit):
        assert abs(p[key] - TRUE7[key]) < 4 * s * unit, (key, p[key] - TRUE7[key], s * unit)
    # residuals in geocentric metres; their RMS ≈ σ·√3·√((3n − 7)/(3n))
    assert list(fit.residuals.columns)[-4:] == ["v_x_m", "v_y_m", "v_z_m", "v_m"]
    assert fit.rms_m == pytest.approx(sigma * math.sqrt(3 * (45 - 7) / 45), rel=0.4)
    assert fit.m0_m == pytest.approx(sigma, rel=0.4)


def test_fit_result_contract(tmp_path):
    src = xi_points(6)
    fit = fit_transform(series(src, 2362), series(proj_4(src, TRUE4), 4526), kind=4)
    assert "4参数转换：公共点6个" in fit.summary("zh") and "6 common points" in fit.summary("en")
    params = fit.table("parameters", labels="zh")
    assert params["参数"].tolist() == ["X平移(米)", "Y平移(米)", "旋转角(秒)", "尺度(ppm)"]
    res = fit.table("residuals", labels="zh")
    assert res.index.name == "点号" and "点位残差(米)" in res.columns
    book = fit.to_excel(tmp_path / "参数.xlsx")
    back = read_table(book, sheet_name="转换参数", index_col=0)
    assert back["数值"].tolist() == pytest.approx(fit.parameters["value"].tolist())


# ---------------------------------------------------------------- refusing bad points


def test_too_few_points():
    src = xi_points(2)
    with pytest.raises(TransformError, match="只给了 2 个公共点；7 参数模型至少需要 3 个"):
        fit_transform(series(src, 2362), series(src, 4526), kind="7")
    with pytest.raises(TransformError, match="至少需要 2 个"):
        fit_transform(series(src[:1], 2362), series(src[:1], 4526), kind="4")
    # exactly 2 for 4 parameters: solvable, no redundancy
    fit = fit_transform(series(src, 2362), series(proj_4(src, TRUE4), 4526), kind="4")
    assert math.isnan(fit.m0_m) and "无多余观测" in fit.summary("zh")


def test_coincident_and_collinear_points():
    same = np.array([[38_560_000.0, 3_580_000.0]] * 4)
    with pytest.raises(TransformError, match="源点只有 1 个不同位置"):
        fit_transform(series(same, 2362), series(same, 4526), kind="4")
    line = np.column_stack([np.linspace(38_540_000, 38_590_000, 6), np.linspace(3_560_000, 3_600_000, 6)])
    with pytest.raises(TransformError, match="位于一条直线上.*绕该直线的 7 参数旋转.*kind=\"4\""):
        fit_transform(series(line, 2362), series(numpy_7(line, TRUE7)[0], 4526), kind="7")
    with cli_interface(), pytest.raises(TransformError, match="--kind 4"):
        fit_transform(series(line, 2362), series(numpy_7(line, TRUE7)[0], 4526), kind="7")
    # a plane similarity is fixed by any two distinct points: collinear ones are accepted
    fit = fit_transform(series(line, 2362), series(proj_4(line, TRUE4), 4526), kind="4")
    assert fit.params.values["rotation_arcsec"] == pytest.approx(TRUE4["rotation_arcsec"], abs=1e-5)


def test_mismatched_point_lists():
    src = xi_points(4)
    with pytest.raises(TransformError, match="源点有 4 个，目标点有 3 个"):
        fit_transform(series(src, 2362), series(src[:3], 4526))
    other = series(src, 4526, ids=["G01", "G02", "G03", "K9"])
    with pytest.raises(TransformError, match="仅在源点中 G04；仅在目标点中 K9"):
        fit_transform(series(src, 2362), other)
    shuffled = series(src, 4526, ids=["G02", "G01", "G03", "G04"])
    with pytest.raises(TransformError, match="顺序不同.*reindex"):
        fit_transform(series(src, 2362), shuffled)


def test_bad_kind_and_geographic_4():
    src = xi_points(4)
    with pytest.raises(xigeo.OptionError, match="kind='5' 不可用；可选：4, 7"):
        fit_transform(series(src, 2362), series(src, 4526), kind="5")
    lon, lat = pyproj.Transformer.from_crs(2362, 4610, always_xy=True).transform(*src.T)
    with pytest.raises(CRSError, match="地理坐标系.*4 参数模型用以米为单位的平面坐标"):
        fit_transform(series(np.column_stack([lon, lat]), 4610), series(src, 4526), kind="4")


def test_params_need_every_value():
    with pytest.raises(TransformError, match="缺少 rz_arcsec, scale_ppm"):
        TransformParams("7", {k: v for k, v in TRUE7.items() if k not in ("rz_arcsec", "scale_ppm")},
                        2362, 4526)
    with pytest.raises(TransformError, match="需要 source_crs 和 target_crs"):
        TransformParams("7", TRUE7)


def test_datum_messages_in_english_on_request(tmp_path):
    from xigeo import using_language

    src = xi_points(4)
    with using_language("en"):
        with pytest.raises(TransformError, match="missing rz_arcsec, scale_ppm"):
            TransformParams("7", {k: v for k, v in TRUE7.items() if k not in ("rz_arcsec", "scale_ppm")},
                            2362, 4526)
        with pytest.raises(TransformError, match="only in the source G04; only in the target K9"):
            fit_transform(series(src, 2362), series(src, 4526, ids=["G01", "G02", "G03", "K9"]))
        path = tmp_path / "参数.toml"
        path.write_text('kind = "4"\n[parameters]\ndx_m = 1\ndy_m = 2\nrotation_arcsec = "2.1"\n'
                        'scale_ppm = 0\n', encoding="utf-8")
        with pytest.raises(TransformError, match="参数.toml: \\[parameters\\] rotation_arcsec = '2.1' "
                                                 "is not a number"):
            read_params(path)


# ---------------------------------------------------------------- the parameter file


def test_parameter_file_round_trip(tmp_path):
    src = xi_points(9)
    fit = fit_transform(series(src, 2362), series(numpy_7(src, TRUE7)[0], 4526), kind="7")
    path = write_params(fit, tmp_path / "参数.toml")
    text = path.read_text(encoding="utf-8")
    assert 'kind = "7"' in text and 'source_crs = "EPSG:2362"' in text and "[fit]" in text
    back = read_params(path)
    assert back.values == fit.params.values                     # every digit kept
    assert back.source_crs.to_epsg() == 2362 and back.target_crs.to_epsg() == 4526
    assert back.convention == "coordinate_frame"
    before = path.read_bytes()
    with pytest.raises(xigeo.LayerWriteError, match="已存在"):
        write_params(fit, path)
    assert path.read_bytes() == before
    # a file without CRSs (kind 4) is fine
    p4 = write_params(TransformParams("4", TRUE4), tmp_path / "四参数.toml")
    assert "source_crs" not in p4.read_text(encoding="utf-8")
    assert read_params(p4).values == TRUE4 and read_params(p4).source_crs is None


@pytest.mark.parametrize("body, message", [
    ('kind = "7"\nsource_crs = "EPSG:2362"\ntarget_crs = "EPSG:4526"\n[parameters]\ndx_m = 1.0\n',
     "缺少 dy_m, dz_m, rx_arcsec, ry_arcsec, rz_arcsec, scale_ppm"),
    ('kind = "4"\n[parameters]\ndx_m = 1\ndy_m = 2\nrotation_arcsec = "2.1"\nscale_ppm = 0\n',
     "rotation_arcsec = '2.1' 不是数字"),
    ('kind = "4"\n[parameters]\ndx_m = 1\ndy_m = 2\nrotation_arcsec = 0\nscale_ppm = 0\ndz_m = 3\n',
     "dz_m 不是 4 参数的值"),
    ('kind = "5"\n', "kind = '5'；应写 kind = \"4\" 或 kind = \"7\""),
    ('[parameters]\ndx_m = 1\n', "kind = None"),
    ('kind = "4"\n', "没有 \\[parameters\\] 表"),
    ('kind = "7"\n[parameters]\n' + "".join(f"{k} = {v}\n" for k, v in TRUE7.items()),
     "需要 source_crs 和 target_crs"),
    ('kind = 4\n[parameters\n', "不是 TOML 参数文件"),
])
def test_bad_parameter_files(tmp_path, body, message):
    path = tmp_path / "参数.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TransformError, match=message):
        read_params(path)
    with pytest.raises(TransformError, match="参数.toml"):
        read_params(path)


def test_missing_parameter_file(tmp_path):
    with pytest.raises(TransformError, match="无.toml：参数文件不存在"):
        read_params(tmp_path / "无.toml")


# ---------------------------------------------------------------- common points from CSV


def _csv(tmp_path, src, dst, header="点号,源X,源Y,目标X,目标Y", encoding="utf-8"):
    lines = [header] + [f"G{i + 1:02d},{s[1]:.4f},{s[0]:.4f},{d[1]:.4f},{d[0]:.4f}"
                        for i, (s, d) in enumerate(zip(src, dst))]
    path = tmp_path / "公共点.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_read_common_points_x_is_northing(tmp_path):
    src = xi_points(5)
    dst = proj_4(src, TRUE4)
    path = _csv(tmp_path, src, dst)
    s, d = read_common_points(path, source_crs=2362, target_crs=4526)
    assert s.crs.to_epsg() == 2362 and d.crs.to_epsg() == 4526
    assert s.index.tolist() == ["G01", "G02", "G03", "G04", "G05"] and s.index.name == "点号"
    assert np.allclose(shapely.get_coordinates(s.values), src, atol=1e-4)   # x = Y (east)
    fit = fit_transform(s, d, kind="4")
    assert fit.params.values["scale_ppm"] == pytest.approx(TRUE4["scale_ppm"], abs=0.01)
    # English headers with heights, and a GBK file read with encoding=
    path = _csv(tmp_path, src, dst, header="id,X1,Y1,X2,Y2")
    assert read_common_points(path, source_crs=2362, target_crs=4526)[0].index[0] == "G01"
    path = _csv(tmp_path, src, dst, encoding="gbk")
    with pytest.raises(TransformError, match="不是 UTF-8 文本.*encoding='gbk'"):
        read_common_points(path, source_crs=2362, target_crs=4526)
    s, _ = read_common_points(path, source_crs=2362, target_crs=4526, encoding="gbk")
    assert len(s) == 5


def test_common_points_csv_problems(tmp_path):
    src = xi_points(3)
    path = _csv(tmp_path, src, src, header="点号,源X,源Y,目标X,高程")
    with pytest.raises(SchemaError, match="缺少 目标Y 列；现有列为 点号, 源X, 源Y, 目标X, 高程"):
        read_common_points(path, source_crs=2362, target_crs=4526)
    path.write_text("点号,源X,源Y,目标X,目标Y\nG1,3580000,38560000,3580040,\nG2,abc,38560000,1,2\n",
                    encoding="utf-8")
    with pytest.raises(TransformError, match="目标Y：第 2 行（点号 G1）.*源X：第 3 行|源X：第 3 行（点号 G2）"):
        read_common_points(path, source_crs=2362, target_crs=4526)


def test_crs_guard_points_to_the_transformation():
    a = gpd.GeoSeries([Point(38_560_000, 3_580_000)], crs=2362)
    b = gpd.GeoSeries([Point(38_560_000, 3_580_000)], crs=4526)
    with pytest.raises(CRSError, match=r"xigeo\.transform\(.*xigeo\.fit_transform\("):
        xigeo.check_same_crs(a, b, names=("old", "new"))
    with cli_interface(), pytest.raises(CRSError, match="xigeo transform LAYER --params 参数.toml.*"
                                                        "xigeo fit-transform 公共点.csv"):
        xigeo.check_same_crs(a, b, names=("old", "new"))
