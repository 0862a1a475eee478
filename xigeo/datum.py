"""Datum transformation from common points (公共点): 4- and 7-parameter Helmert.

Xi'an 1980 and Beijing 1954 data are brought into CGCS2000 with parameters
that a province issues or an office computes by least squares from common
points (points known in both systems). PROJ has no national grid for it, so
:func:`fit_transform` computes the parameters and :func:`transform` applies
them. Both follow PROJ's ``+proj=helmert`` exactly, so a parameter file can
be checked in any PROJ-based GIS.

The two models
--------------
``kind="4"`` (四参数, plane similarity) on plane coordinates
x = easting, y = northing (the geometry's order; in Chinese survey tables
X is the northing and Y the easting), with m = 1 + scale_ppm·10⁻⁶ and θ the
rotation in arc-seconds::

    x' = dx + m (x cos θ + y sin θ)
    y' = dy + m (−x sin θ + y cos θ)

which is PROJ's ``+proj=helmert +x=dx +y=dy +theta=θ +s=m`` (two dimensions:
PROJ takes the scale there as the factor m itself).

``kind="7"`` (七参数, Bursa–Wolf, coordinate-frame convention) on geocentric
X, Y, Z, computed from B, L, H on each side's own ellipsoid (Krassowsky 1940
for Beijing 1954, IAG-75 for Xi'an 1980, CGCS2000; heights 0 when the
points have none), rotations rx, ry, rz in arc-seconds (small angles)::

    [X']   [dx]             [ 1   rz  −ry] [X]
    [Y'] = [dy] + (1 + s) · [−rz   1   rx] [Y]
    [Z']   [dz]             [ ry −rx   1 ] [Z]

which is PROJ's ``+proj=helmert … +convention=coordinate_frame`` (the
position-vector convention has the rotations' signs reversed; parameter
files may use either, ``convention =`` says which).

The fit is linear least squares (the 7-parameter model is linear in dx, dy,
dz, (1+s) and (1+s)·r), on coordinates centred on the points' centroid.
Each point's residual is fitted − given, in metres (plane x, y for the
4-parameter model, geocentric X, Y, Z for the 7-parameter one); the RMS is
√(Σ|v|²/n) and the unit-weight standard error m0 = √(Σv²/(equations −
parameters)).

The parameter file (TOML)
-------------------------
::

    # xigeo 坐标转换参数 (datum transformation parameters)
    kind = "7"                        # "4" or "7"
    convention = "coordinate_frame"   # 7 only: or "position_vector"
    source_crs = "EPSG:2362"          # optional for kind 4
    target_crs = "EPSG:4526"          # optional for kind 4

    [parameters]
    dx_m = -12.1
    dy_m = 111.3
    dz_m = 64.9
    rx_arcsec = 1.2
    ry_arcsec = -0.8
    rz_arcsec = 2.4
    scale_ppm = -3.5

For kind 4 the parameters are ``dx_m``, ``dy_m``, ``rotation_arcsec`` and
``scale_ppm``. :func:`write_params` writes every number with all its digits
(17 significant: Xi County lies ~3,580 km from the Gauss–Krüger origin, so a
4-parameter rotation rounded to 0.01″ would move its points by up to 9 cm),
and a fit's ``[fit]`` table (points, RMS) as a record.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyproj

from ._lang import msg
from ._layers import layer_name
from ._options import choose
from ._result import Result, TableSpec
from .errors import CRSError, SchemaError, TransformError, fix, format_ids

logger = logging.getLogger(__name__)

__all__ = ["KINDS", "TransformParams", "TransformFit", "fit_transform", "transform",
           "read_params", "write_params", "read_common_points"]

KINDS = ("4", "7")
CONVENTIONS = ("coordinate_frame", "position_vector")
#: the parameters of each kind, in file order, and their Chinese names
PARAMETERS: Mapping[str, tuple[str, ...]] = {
    "4": ("dx_m", "dy_m", "rotation_arcsec", "scale_ppm"),
    "7": ("dx_m", "dy_m", "dz_m", "rx_arcsec", "ry_arcsec", "rz_arcsec", "scale_ppm"),
}
PARAMETERS_ZH = {
    "dx_m": "X平移(米)", "dy_m": "Y平移(米)", "dz_m": "Z平移(米)", "rotation_arcsec": "旋转角(秒)",
    "rx_arcsec": "X旋转(秒)", "ry_arcsec": "Y旋转(秒)", "rz_arcsec": "Z旋转(秒)",
    "scale_ppm": "尺度(ppm)",
}
_ARCSEC = math.pi / (180 * 3600)
#: fewest points each model needs (2 × 2 = 4 and 3 × 3 ≥ 7 equations)
MIN_POINTS = {"4": 2, "7": 3}
#: points whose spread across their line is less than this share of their spread along it
#: are collinear: a rotation about that line cannot be determined (7 parameters)
COLLINEAR_RATIO = 1e-3


def _kind(kind: Any) -> str:
    return choose(str(kind).strip().replace("参数", "").replace("-parameter", ""), KINDS, name="kind")


@dataclasses.dataclass(frozen=True)
class TransformParams:
    """A 4- or 7-parameter Helmert transformation (see the module notes for the formulas)."""

    kind: str
    values: Mapping[str, float]
    source_crs: pyproj.CRS | None = None
    target_crs: pyproj.CRS | None = None
    convention: str = "coordinate_frame"

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _kind(self.kind))
        missing = [k for k in PARAMETERS[self.kind] if k not in self.values]
        if missing:
            raise TransformError(msg(f"{self.kind} 参数转换：缺少 {', '.join(missing)}",
                                     f"{self.kind}-parameter transformation: missing {', '.join(missing)}"))
        object.__setattr__(self, "values", {k: float(self.values[k]) for k in PARAMETERS[self.kind]})
        object.__setattr__(self, "convention", choose(self.convention, CONVENTIONS,
                                                      name="convention"))
        for name in ("source_crs", "target_crs"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _crs(value, name))
        if self.kind == "7" and (self.source_crs is None or self.target_crs is None):
            raise TransformError(msg("7 参数转换：需要 source_crs 和 target_crs（由它们确定空间直角坐标的椭球）",
                                     "7-parameter transformation: source_crs and target_crs are "
                                     "needed (they give the ellipsoids of the geocentric coordinates)"))

    def helmert(self) -> str:
        """The PROJ ``+proj=helmert`` step of these parameters (all digits)."""
        v = self.values
        if self.kind == "4":
            m = 1.0 + v["scale_ppm"] * 1e-6
            return (f"+proj=helmert +x={v['dx_m']!r} +y={v['dy_m']!r} "
                    f"+theta={v['rotation_arcsec']!r} +s={m!r}")
        return (f"+proj=helmert +x={v['dx_m']!r} +y={v['dy_m']!r} +z={v['dz_m']!r} "
                f"+rx={v['rx_arcsec']!r} +ry={v['ry_arcsec']!r} +rz={v['rz_arcsec']!r} "
                f"+s={v['scale_ppm']!r} +convention={self.convention}")

    def pipeline(self) -> str:
        """The PROJ pipeline from the source's (lon, lat, h) to the target's, or the plane step.

        For kind 7: degrees → geocentric on the source ellipsoid → helmert →
        geodetic on the target ellipsoid → degrees. For kind 4: the helmert step.
        """
        if self.kind == "4":
            return self.helmert()
        assert self.source_crs is not None and self.target_crs is not None
        return (f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
                f"+step +proj=cart {_ellps(self.source_crs)} +step {self.helmert()} "
                f"+step +inv +proj=cart {_ellps(self.target_crs)} "
                f"+step +proj=unitconvert +xy_in=rad +xy_out=deg")


def _crs(value: Any, name: str) -> pyproj.CRS:
    from .crs import normalize_crs

    return normalize_crs(value)


def _ellps(crs: pyproj.CRS) -> str:
    ell = crs.ellipsoid
    if ell is None:
        raise CRSError(msg(f"{crs.name} 没有椭球：请给出大地坐标系，如 EPSG:4490",
                           f"{crs.name} has no ellipsoid: give a geodetic CRS such as EPSG:4490"))
    return f"+a={ell.semi_major_metre!r} +rf={ell.inverse_flattening!r}"


# ---------------------------------------------------------------------------
# geodetic ↔ geocentric (pyproj)


def _lonlat_h(xy: np.ndarray, h: np.ndarray, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) degrees of ``xy`` in ``crs`` on its own datum (no datum change)."""
    if crs.is_geographic:
        return xy[:, 0], xy[:, 1]
    to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lon, lat = to_geo.transform(xy[:, 0], xy[:, 1])
    return np.asarray(lon), np.asarray(lat)


def _geocentric(xy: np.ndarray, h: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Geocentric X, Y, Z (m) of points given in ``crs`` with ellipsoidal heights ``h``."""
    lon, lat = _lonlat_h(xy, h, crs)
    cart = pyproj.Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=cart {_ellps(crs)}")
    X, Y, Z = cart.transform(lon, lat, h)
    return np.column_stack([X, Y, Z])


# ---------------------------------------------------------------------------
# the fit


@dataclasses.dataclass(frozen=True, repr=False)
class TransformFit(Result):
    """Parameters fitted to common points, each point's residual and the RMS (:func:`fit_transform`)."""

    TITLE: ClassVar[tuple[str, str]] = ("坐标转换参数解算", "Transformation fit")
    TABLES: ClassVar[Mapping[str, TableSpec]] = {
        "parameters": TableSpec("转换参数", "parameters",
                                {"parameter": "参数", "value": "数值", "unit": "单位"},
                                values_zh={"parameter": PARAMETERS_ZH}, index_name_zh="序号",
                                decimals={"value": 8}),  # parameters are used, not only read
        "residuals": TableSpec(
            "公共点残差", "residuals",
            {"source_x": "源x(东)", "source_y": "源y(北)", "target_x": "目标x(东)",
             "target_y": "目标y(北)", "v_east_m": "东向残差(米)", "v_north_m": "北向残差(米)",
             "v_x_m": "X残差(米)", "v_y_m": "Y残差(米)", "v_z_m": "Z残差(米)",
             "v_m": "点位残差(米)"},
            index_name_zh="点号",
            decimals={c: 4 for c in ("source_x", "source_y", "target_x", "target_y", "v_east_m",
                                     "v_north_m", "v_x_m", "v_y_m", "v_z_m", "v_m")}),
    }

    params: TransformParams
    parameters: pd.DataFrame
    residuals: pd.DataFrame
    rms_m: float
    m0_m: float
    n_points: int

    def _summary(self, lang: str) -> str:
        worst = self.residuals["v_m"].idxmax() if len(self.residuals) else None
        vmax = float(self.residuals["v_m"].max()) if len(self.residuals) else 0.0
        if lang == "zh":
            m0 = (f"单位权中误差{self.m0_m:.4f}米" if math.isfinite(self.m0_m)
                  else "无多余观测，无法检核")
            return (f"{self.params.kind}参数转换：公共点{self.n_points}个，点位残差中误差(RMS)"
                    f"{self.rms_m:.4f}米，最大残差{vmax:.4f}米（点{worst}），{m0}。")
        m0 = (f"unit-weight standard error {self.m0_m:.4f} m" if math.isfinite(self.m0_m)
              else "no redundancy: the fit cannot be checked")
        return (f"{self.params.kind}-parameter transformation from {self.n_points} common points: "
                f"RMS residual {self.rms_m:.4f} m, largest {vmax:.4f} m (point {worst}), {m0}.")


def _points(points: Any, label: str) -> tuple[np.ndarray, np.ndarray, pd.Index, pyproj.CRS]:
    """(xy, h, index, crs) of a GeoSeries/GeoDataFrame of points."""
    import shapely

    from .crs import normalize_crs

    series = getattr(points, "geometry", None)
    if series is None or getattr(series, "crs", None) is None:
        how = fix('xigeo.read_common_points(path, source_crs=..., target_crs=...)',
                  '--source-crs/--target-crs')
        raise TransformError(msg(
            f"{label}：请以带坐标系的点 GeoSeries 或 GeoDataFrame 给出公共点；修正：{how}",
            f"{label}: give the points as a GeoSeries or GeoDataFrame of points with a CRS; "
            f"Fix: {how}"))
    geoms = np.asarray(series.values, dtype=object)
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero((kinds != 0) | shapely.is_empty(geoms))
    if len(bad):
        ids = format_ids(series.index[bad])
        raise TransformError(msg(f"{label}：第 {ids} 行不是点", f"{label}: rows {ids} are not points"))
    xy = shapely.get_coordinates(geoms)
    has_z = shapely.has_z(geoms)
    h = np.zeros(len(xy))
    if has_z.any():
        z = shapely.get_coordinates(geoms, include_z=True)[:, 2]
        h = np.where(np.isfinite(z), z, 0.0)
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if len(bad):
        ids = format_ids(series.index[bad])
        raise TransformError(msg(f"{label}：第 {ids} 行没有坐标", f"{label}: rows {ids} have no coordinates"))
    return xy, h, series.index, normalize_crs(series.crs)


def _check_pairs(src_index: pd.Index, dst_index: pd.Index, n_src: int, n_dst: int) -> None:
    if n_src != n_dst:
        raise TransformError(msg(f"源点有 {n_src} 个，目标点有 {n_dst} 个：两个列表应给出相同的公共点，每点一行",
                                 f"the source has {n_src} points and the target {n_dst}: give the same "
                                 "common points, one row each, in both lists"))
    if not src_index.equals(dst_index):
        if src_index.is_unique and dst_index.is_unique and set(src_index) != set(dst_index):
            only_src = [i for i in src_index if i not in set(dst_index)]
            only_dst = [i for i in dst_index if i not in set(src_index)]
            raise TransformError(msg(
                f"两个点列表不一致：仅在源点中 {format_ids(only_src)}；仅在目标点中 "
                f"{format_ids(only_dst)}。修正：两个列表使用相同的点号",
                f"the point lists do not match: only in the source {format_ids(only_src)}; only "
                f"in the target {format_ids(only_dst)}. Fix: give both lists the same point ids"))
        raise TransformError(msg("两个点列表顺序不同（或有重复点号）：修正：target.reindex(source.index)",
                                 "the point lists are not in the same order (or have repeated ids): "
                                 "Fix: target.reindex(source.index)"))
    if not src_index.is_unique:
        dup = src_index[src_index.duplicated()].unique()
        raise TransformError(msg(f"点号 {format_ids(dup)} 出现不止一次",
                                 f"point ids {format_ids(dup)} appear more than once"))


def _spread(xyz: np.ndarray) -> np.ndarray:
    """Singular values of the centred points' horizontal spread (largest first)."""
    centred = xyz - xyz.mean(axis=0)
    if xyz.shape[1] == 3:   # remove the local vertical: the centroid's direction
        up = xyz.mean(axis=0) / np.linalg.norm(xyz.mean(axis=0))
        centred = centred - np.outer(centred @ up, up)
    return np.linalg.svd(centred, compute_uv=False)


def _fit4(src: np.ndarray, dst: np.ndarray) -> dict[str, float]:
    cs, cd = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - cs, dst - cd
    # x' = a x + b y ; y' = −b x + a y on centred coordinates
    A = np.concatenate([np.column_stack([s[:, 0], s[:, 1]]), np.column_stack([s[:, 1], -s[:, 0]])])
    rhs = np.concatenate([d[:, 0], d[:, 1]])
    (a, b), *_ = np.linalg.lstsq(A, rhs, rcond=None)
    dx = cd[0] - (a * cs[0] + b * cs[1])
    dy = cd[1] - (-b * cs[0] + a * cs[1])
    m, theta = math.hypot(a, b), math.atan2(b, a)
    return {"dx_m": float(dx), "dy_m": float(dy), "rotation_arcsec": theta / _ARCSEC,
            "scale_ppm": (m - 1.0) * 1e6}


def _fit7(src: np.ndarray, dst: np.ndarray) -> dict[str, float]:
    cs, cd = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - cs, dst - cd
    n = len(s)
    X, Y, Z = s[:, 0], s[:, 1], s[:, 2]
    zero, one = np.zeros(n), np.ones(n)
    # M = k·[[1, rz, −ry], [−rz, 1, rx], [ry, −rx, 1]] with unknowns k, b = k·rx, c = k·ry, d = k·rz
    rows_x = np.column_stack([X, zero, -Z, Y])
    rows_y = np.column_stack([Y, Z, zero, -X])
    rows_z = np.column_stack([Z, -Y, X, zero])
    A = np.concatenate([rows_x, rows_y, rows_z])
    rhs = np.concatenate([d[:, 0], d[:, 1], d[:, 2]])
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    sol, *_ = np.linalg.lstsq(A / scale, rhs, rcond=None)
    k, b, c, dd = sol / scale
    M = k * np.array([[1, dd / k, -c / k], [-dd / k, 1, b / k], [c / k, -b / k, 1]])
    T = cd - M @ cs
    return {"dx_m": float(T[0]), "dy_m": float(T[1]), "dz_m": float(T[2]),
            "rx_arcsec": float(b / k) / _ARCSEC, "ry_arcsec": float(c / k) / _ARCSEC,
            "rz_arcsec": float(dd / k) / _ARCSEC, "scale_ppm": (float(k) - 1.0) * 1e6}


def _apply4(xy: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
    m = 1.0 + values["scale_ppm"] * 1e-6
    t = values["rotation_arcsec"] * _ARCSEC
    c, s = m * math.cos(t), m * math.sin(t)
    x, y = xy[:, 0], xy[:, 1]
    return np.column_stack([values["dx_m"] + c * x + s * y, values["dy_m"] - s * x + c * y])


def _apply7_xyz(xyz: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
    rx, ry, rz = (values[k] * _ARCSEC for k in ("rx_arcsec", "ry_arcsec", "rz_arcsec"))
    R = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])
    T = np.array([values["dx_m"], values["dy_m"], values["dz_m"]])
    return T + (1.0 + values["scale_ppm"] * 1e-6) * xyz @ R.T


def fit_transform(source_points: Any, target_points: Any, *, kind: Any = "4") -> TransformFit:
    """Fit 4- or 7-parameter Helmert parameters to common points by least squares.

    Parameters
    ----------
    source_points, target_points : GeoSeries or GeoDataFrame of points
        The same points (same ids as the index, same order) in the old and
        the new system, each with its CRS: e.g. Xi'an 1980 GK (EPSG:2362) and
        CGCS2000 GK (EPSG:4526). Points with Z take it as the ellipsoidal
        height (7 parameters); otherwise heights are 0.
        :func:`read_common_points` reads them from a CSV file.
    kind : {"4", "7"}
        ``"4"``: plane similarity (two shifts, rotation, scale) on the plane
        coordinates (both CRSs projected, metres). ``"7"``: Bursa–Wolf,
        coordinate-frame convention, on geocentric coordinates of each CRS's
        ellipsoid.

    Returns
    -------
    TransformFit
        ``params`` (a :class:`TransformParams`, for :func:`transform` and
        :func:`write_params`), the tables ``parameters`` and ``residuals``
        (per point: the given coordinates and fitted − given, in metres:
        ``v_east_m``, ``v_north_m`` for 4 parameters, geocentric ``v_x_m``,
        ``v_y_m``, ``v_z_m`` for 7, and the length ``v_m``), ``rms_m``,
        ``m0_m`` (NaN without redundancy) and ``n_points``.

    Raises
    ------
    TransformError
        Fewer points than the model needs (2 for 4 parameters, 3 for 7),
        coincident points, collinear points for 7 parameters (a rotation about
        their line is undetermined; a plane similarity is determined by any two
        distinct points, so 4 parameters accept them), lists that do not pair up.
    CRSError
        A geographic CRS for 4 parameters.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> src = gpd.GeoSeries([Point(38_500_000, 3_580_000), Point(38_520_000, 3_580_000),
    ...                      Point(38_500_000, 3_600_000)], index=["G1", "G2", "G3"], crs=2362)
    >>> dst = gpd.GeoSeries([Point(38_499_990, 3_580_040), Point(38_519_990, 3_580_040),
    ...                      Point(38_499_990, 3_600_040)], index=["G1", "G2", "G3"], crs=4526)
    >>> fit = fit_transform(src, dst, kind="4")
    >>> {k: round(v, 6) for k, v in fit.params.values.items()}
    {'dx_m': -10.0, 'dy_m': 40.0, 'rotation_arcsec': 0.0, 'scale_ppm': 0.0}
    >>> fit.summary("en")
    '4-parameter transformation from 3 common points: RMS residual 0.0000 m, largest 0.0000 m (point G1), unit-weight standard error 0.0000 m.'
    """
    kind = _kind(kind)
    src_xy, src_h, src_index, src_crs = _points(
        source_points, layer_name(source_points, msg("源点", "source points")))
    dst_xy, dst_h, dst_index, dst_crs = _points(
        target_points, layer_name(target_points, msg("目标点", "target points")))
    _check_pairs(src_index, dst_index, len(src_xy), len(dst_xy))
    n = len(src_xy)
    need = MIN_POINTS[kind]
    if n < need:
        raise TransformError(msg(f"只给了 {n} 个公共点；{kind} 参数模型至少需要 {need} 个（还需更多点以便用残差检核）",
                                 f"{n} common point(s) given; the {kind}-parameter model needs at least "
                                 f"{need} (and more to check the fit by its residuals)"))
    if kind == "4":
        for crs, side in ((src_crs, "source"), (dst_crs, "target")):
            if not crs.is_projected:
                seven = fix('kind="7"', "--kind 7")
                side_zh = "源点" if side == "source" else "目标点"
                raise CRSError(msg(f"{side_zh}是地理坐标系 {crs.name}：4 参数模型用以米为单位的平面坐标。"
                                   f"修正：{seven}，或先把点投影",
                                   f"the {side} points are in the geographic CRS {crs.name}: the "
                                   f"4-parameter model works on plane coordinates in metres. Fix: "
                                   f"{seven}, or project the points first"))
        src, dst = src_xy, dst_xy
    else:
        src = _geocentric(src_xy, src_h, src_crs)
        dst = _geocentric(dst_xy, dst_h, dst_crs)
    distinct = len(np.unique(np.round(src, 3), axis=0))
    if distinct < need:
        raise TransformError(msg(f"源点只有 {distinct} 个不同位置：{kind} 参数模型需要 {need} 个",
                                 f"the source points are only {distinct} distinct position(s): the "
                                 f"{kind}-parameter model needs {need}"))
    if kind == "7":
        sv = _spread(src)
        if sv[1] <= COLLINEAR_RATIO * sv[0]:
            across, along = sv[1] / math.sqrt(n), sv[0] / math.sqrt(n)
            four = fix('kind="4"', "--kind 4")
            raise TransformError(msg(
                f"{n} 个公共点位于一条直线上（横向离散 {across:.3f} m，沿线 {along:.1f} m）："
                f"无法确定绕该直线的 7 参数旋转。修正：增加不在该直线上的公共点，或用 {four}",
                f"the {n} common points lie on one line (spread across it {across:.3f} m, "
                f"along it {along:.1f} m): a 7-parameter rotation about that line "
                f"cannot be determined. Fix: add common points off the line, or use {four}"))
    values = _fit4(src, dst) if kind == "4" else _fit7(src, dst)
    params = TransformParams(kind, values, src_crs, dst_crs)
    fitted = _apply4(src, values) if kind == "4" else _apply7_xyz(src, values)
    v = fitted - dst
    v_len = np.sqrt((v**2).sum(axis=1))
    rms = float(np.sqrt((v_len**2).mean()))
    redundancy = v.size - len(values)
    m0 = float(np.sqrt((v**2).sum() / redundancy)) if redundancy > 0 else math.nan
    residuals = pd.DataFrame({"source_x": src_xy[:, 0], "source_y": src_xy[:, 1],
                              "target_x": dst_xy[:, 0], "target_y": dst_xy[:, 1]}, index=src_index)
    names = ("v_east_m", "v_north_m") if kind == "4" else ("v_x_m", "v_y_m", "v_z_m")
    for i, name in enumerate(names):
        residuals[name] = v[:, i]
    residuals["v_m"] = v_len
    residuals.index.name = residuals.index.name or "point"
    units = {"m": "m", "arcsec": "″", "ppm": "ppm"}
    parameters = pd.DataFrame({"parameter": list(values), "value": list(values.values()),
                               "unit": [units[k.rsplit("_", 1)[1]] for k in values]},
                              index=pd.RangeIndex(1, len(values) + 1))
    logger.debug("fit_transform: kind %s, %d points, RMS %.4f m", kind, n, rms)
    return TransformFit(params=params, parameters=parameters, residuals=residuals, rms_m=rms,
                        m0_m=m0, n_points=n)


# ---------------------------------------------------------------------------
# applying parameters


def transform(layer: Any, params: TransformParams | TransformFit | str | os.PathLike[str], *,
              to: Any = None) -> Any:
    """Apply transformation parameters to a layer; return a new layer in the target CRS.

    Parameters
    ----------
    layer : GeoDataFrame or GeoSeries
        In the parameters' source CRS (any geometry; Z is taken as the
        ellipsoidal height for 7 parameters when every geometry has one).
    params : TransformParams, TransformFit or path
        The parameters, a fit, or a parameter file (:func:`read_params`).
    to : CRS, optional
        The CRS of the result (EPSG code …). Default: the parameters' target
        CRS. A different CRS of the same datum (e.g. 4526 for parameters fitted
        to 4547) is reached by reprojection after the transformation; for
        4-parameter files without CRSs, ``to`` is required.

    Returns
    -------
    GeoDataFrame or GeoSeries
        Like ``layer``, in ``to``; projected coordinates are rounded to 0.1 mm,
        as survey layers store them.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> p = TransformParams("4", {"dx_m": -10.0, "dy_m": 40.0, "rotation_arcsec": 0.0,
    ...                           "scale_ppm": 0.0})
    >>> out = transform(gpd.GeoSeries([Point(38_500_000, 3_580_000)], crs=2362), p, to=4526)
    >>> out.crs.to_epsg(), out.x[0], out.y[0]
    (4526, np.float64(38499990.0), np.float64(3580040.0))
    """
    import geopandas as gpd
    import shapely

    from .crs import _datum_of, _describe, check_crs, normalize_crs

    if isinstance(params, TransformFit):
        params = params.params
    elif not isinstance(params, TransformParams):
        params = read_params(params)
    label = layer_name(layer)
    crs = check_crs(layer, name=label)
    if params.source_crs is not None and not crs.equals(params.source_crs):
        code = params.source_crs.to_epsg() or "source_crs"
        how = fix(msg(f"若是同一基准的另一投影带，先 gdf.to_crs({code})"
                      f"（若 .prj 错了，gdf.set_crs({code}, allow_override=True)）",
                      f"gdf.to_crs({code}) first if it is the same datum in another zone "
                      f"(gdf.set_crs({code}, allow_override=True) if its .prj is wrong)"),
                  msg(f"若文件的 .prj 错了，用 --crs {code}；若是同一基准的另一投影带，先用 xigeo zone",
                      f"--crs {code} if the file's .prj is wrong; another zone of the same datum: "
                      "xigeo zone first"))
        raise CRSError(msg(
            f"{label} 是 {_describe(crs)}，但参数是从 {_describe(params.source_crs)} 转换的。"
            f"修正：{how}，或使用为其坐标系求得的参数",
            f"{label} is in {_describe(crs)} but the parameters transform from "
            f"{_describe(params.source_crs)}. Fix: {how}, or use parameters fitted for its CRS"))
    if to is None and params.target_crs is None:
        how = fix('transform(layer, params, to=4526)', '--to 4526')
        raise TransformError(msg(f"参数没有指明目标坐标系：请说明结果所用的坐标系。修正：{how}",
                                 f"the parameters name no target CRS: say what the result is in. "
                                 f"Fix: {how}"))
    target = normalize_crs(to) if to is not None else params.target_crs
    assert target is not None
    step_crs = params.target_crs or target
    if params.target_crs is not None and not target.equals(params.target_crs):
        if _datum_of(target) != _datum_of(params.target_crs):
            code = str(params.target_crs.to_epsg())
            how = fix('to=' + code, '--to ' + code)
            raise CRSError(msg(
                f"to={_describe(target)} 与参数的目标坐标系 {_describe(params.target_crs)} "
                f"不是同一大地基准：结果还需再换一次基准。修正：{how}",
                f"to={_describe(target)} is not on the datum of the parameters' target "
                f"{_describe(params.target_crs)}: the result would need a second datum change. "
                f"Fix: {how}"))
    if params.kind == "4" and not (crs.is_projected and step_crs.is_projected):
        raise CRSError(msg(f"4 参数转换用平面坐标：{label} 是 {_describe(crs)}，结果是 "
                           f"{_describe(step_crs)}；两者都必须是投影坐标系（米）",
                           f"4-parameter transformations work on plane coordinates: {label} is in "
                           f"{_describe(crs)} and the result in {_describe(step_crs)}; both must be "
                           "projected (metres)"))
    geoms = np.asarray(getattr(layer, "geometry", layer).values, dtype=object)
    if params.kind == "4":
        out = shapely.transform(geoms, lambda xy: _apply4(xy, params.values))
    else:
        out = _transform7(geoms, crs, step_crs, params)
    if not target.equals(step_crs):
        out = np.asarray(gpd.GeoSeries(out, crs=step_crs).to_crs(target).values, dtype=object)
    if target.is_projected:
        out = shapely.set_precision(out, 1e-4, mode="pointwise")
    series = gpd.GeoSeries(out, index=getattr(layer, "index", None), crs=target)
    logger.debug("transform(%s): %d features, %s-parameter, to %s", label, len(out), params.kind,
                 target.name)
    if hasattr(layer, "set_geometry"):
        result = layer.copy()
        return result.set_geometry(series.rename(layer.geometry.name), crs=target)
    return series.rename(getattr(layer, "name", None))


def _transform7(geoms: np.ndarray, crs: pyproj.CRS, target: pyproj.CRS,
                params: TransformParams) -> np.ndarray:
    import shapely

    to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    helmert = pyproj.Transformer.from_pipeline(params.pipeline())
    from_geo = pyproj.Transformer.from_crs(target.geodetic_crs, target, always_xy=True)
    present = ~shapely.is_missing(geoms)
    with_z = bool(present.any()) and bool(shapely.has_z(geoms[present]).all())

    def run(coords: np.ndarray) -> np.ndarray:
        lon, lat = to_geo.transform(coords[:, 0], coords[:, 1])
        h = coords[:, 2] if with_z else np.zeros(len(coords))
        lon2, lat2, h2 = helmert.transform(lon, lat, h)
        x, y = from_geo.transform(lon2, lat2)
        cols = [x, y, h2] if with_z else [x, y]
        return np.column_stack(cols)

    return shapely.transform(geoms, run, include_z=with_z)


# ---------------------------------------------------------------------------
# files


def read_params(path: str | os.PathLike[str]) -> TransformParams:
    """Read a parameter file (TOML, see the module notes); every missing or bad value is named.

    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "参数.toml"
    >>> _ = f.write_text('kind = "4"\\n[parameters]\\ndx_m = -10\\ndy_m = 40\\n', encoding="utf-8")
    >>> read_params(f)
    Traceback (most recent call last):
    ...
    xigeo.errors.TransformError: 参数.toml：[parameters] 缺少 rotation_arcsec, scale_ppm（4 参数文件需要 dx_m, dy_m, rotation_arcsec, scale_ppm）
    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise TransformError(msg(f"{path}：参数文件不存在", f"{path}: no such parameter file")) from None
    except UnicodeDecodeError:
        raise TransformError(msg(f"{name}：不是 UTF-8 文本；请把参数文件存为 UTF-8",
                                 f"{name}: not UTF-8 text; save the parameter file as UTF-8")) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TransformError(msg(f"{name}：不是 TOML 参数文件（{err}）",
                                 f"{name}: not a TOML parameter file ({err})")) from None
    problems = []
    kind = str(doc.get("kind", "")).strip()
    if kind not in KINDS:
        raise TransformError(msg(f"{name}：kind = {doc.get('kind')!r}；应写 kind = \"4\" 或 kind = \"7\"",
                                 f"{name}: kind = {doc.get('kind')!r}; write kind = \"4\" or kind = \"7\""))
    table = doc.get("parameters")
    if not isinstance(table, dict):
        raise TransformError(msg(f"{name}：没有 [parameters] 表（{kind} 参数文件需要 "
                                 f"{', '.join(PARAMETERS[kind])}）",
                                 f"{name}: no [parameters] table (a {kind}-parameter file needs "
                                 f"{', '.join(PARAMETERS[kind])})"))
    missing = [k for k in PARAMETERS[kind] if k not in table]
    if missing:
        problems.append(msg(f"[parameters] 缺少 {', '.join(missing)}",
                            f"[parameters] is missing {', '.join(missing)}"))
    for key, value in table.items():
        if key not in PARAMETERS[kind]:
            problems.append(msg(f"[parameters] {key} 不是 {kind} 参数的值",
                                f"[parameters] {key} is not a {kind}-parameter value"))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(msg(f"[parameters] {key} = {value!r} 不是数字",
                                f"[parameters] {key} = {value!r} is not a number"))
    if problems:
        needs = ", ".join(PARAMETERS[kind])
        raise TransformError(msg(f"{name}：" + "；".join(problems) + f"（{kind} 参数文件需要 {needs}）",
                                 f"{name}: " + "; ".join(problems) + f" (a {kind}-parameter file "
                                 f"needs {needs})"))
    try:
        return TransformParams(kind, table, doc.get("source_crs"), doc.get("target_crs"),
                               doc.get("convention", "coordinate_frame"))
    except (TransformError, CRSError, ValueError) as err:
        raise TransformError(msg(f"{name}：{err}", f"{name}: {err}")) from None


def _toml_crs(crs: pyproj.CRS | None) -> str | None:
    if crs is None:
        return None
    code = crs.to_epsg()
    if code is None:
        raise TransformError(msg(f"{crs.name} 没有 EPSG 代码；参数文件用代码指明坐标系",
                                 f"{crs.name} has no EPSG code; a parameter file names CRSs by code"))
    return f"EPSG:{code}"


def write_params(params: TransformParams | TransformFit, path: str | os.PathLike[str], *,
                 overwrite: bool = False) -> Path:
    """Write parameters (or a fit, with its points and RMS) as a TOML file; see the module notes."""
    from ._files import atomic_path

    fit = params if isinstance(params, TransformFit) else None
    p = fit.params if fit is not None else params
    assert isinstance(p, TransformParams)
    lines = ["# xigeo 坐标转换参数 (datum transformation parameters)",
             f'kind = "{p.kind}"']
    if p.kind == "7":
        lines.append(f'convention = "{p.convention}"')
    for key in ("source_crs", "target_crs"):
        value = _toml_crs(getattr(p, key))
        if value is not None:
            lines.append(f'{key} = "{value}"')
    lines += ["", "[parameters]"]
    lines += [f"{k} = {p.values[k]!r}" for k in PARAMETERS[p.kind]]
    if fit is not None:
        lines += ["", "[fit]", f"n_points = {fit.n_points}", f"rms_m = {fit.rms_m!r}"]
        if math.isfinite(fit.m0_m):
            lines.append(f"m0_m = {fit.m0_m!r}")
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: accepted CSV headers (case-insensitive) of each column of a common-point file
CSV_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "id": ("点号", "点名", "id", "name", "point"),
    "source_x": ("源X", "原X", "旧X", "X1", "source_x"),
    "source_y": ("源Y", "原Y", "旧Y", "Y1", "source_y"),
    "source_h": ("源H", "原H", "旧H", "H1", "source_h"),
    "target_x": ("目标X", "新X", "X2", "target_x"),
    "target_y": ("目标Y", "新Y", "Y2", "target_y"),
    "target_h": ("目标H", "新H", "H2", "target_h"),
}


def read_common_points(path: str | os.PathLike[str], *, source_crs: Any, target_crs: Any,
                       encoding: str | None = None) -> tuple[Any, Any]:
    """Read common points from a CSV file: (source, target) GeoSeries indexed by point id.

    Columns (headers in Chinese or English, see ``CSV_COLUMNS``): 点号, then
    源X, 源Y (optional 源H) and 目标X, 目标Y (optional 目标H); also X1, Y1,
    H1 / X2, Y2, H2. As in Chinese survey tables **X is the northing and Y
    the easting** (or latitude and longitude for geographic CRSs); heights
    are ellipsoidal heights in metres. The file is UTF-8 (with or without a
    BOM) unless ``encoding`` is given (``"gbk"`` for a CSV saved by Excel on
    a Chinese system).

    Raises SchemaError naming the missing columns, TransformError naming
    rows whose values are not numbers.
    """
    import geopandas as gpd
    import shapely

    from .crs import normalize_crs

    path = Path(path)
    if not path.is_file():
        raise TransformError(msg(f"{path}：文件不存在", f"{path}: no such file"))
    try:
        frame = pd.read_csv(path, encoding=encoding or "utf-8-sig", dtype=str, skipinitialspace=True)
    except UnicodeDecodeError:
        how = fix('read_common_points(path, ..., encoding=' + repr('gbk') + ')', '--encoding gbk')
        raise TransformError(msg(f"{path.name}：不是 UTF-8 文本。修正：{how}",
                                 f"{path.name}: not UTF-8 text. Fix: {how}")) from None
    headers = {str(c).strip().lower(): c for c in frame.columns}
    found: dict[str, Any] = {}
    for column, names in CSV_COLUMNS.items():
        for n in names:
            if n.lower() in headers:
                found[column] = headers[n.lower()]
                break
    required = ("id", "source_x", "source_y", "target_x", "target_y")
    missing = [c for c in required if c not in found]
    if missing:
        absent = ", ".join(CSV_COLUMNS[c][0] for c in missing)
        columns = ", ".join(map(str, frame.columns))
        raise SchemaError(msg(
            f"{path.name}：缺少 {absent} 列；现有列为 {columns}。公共点文件的列为 "
            "点号, 源X, 源Y, 目标X, 目标Y（可选 源H, 目标H；X 为北坐标，Y 为东坐标）",
            f"{path.name}: no column for {absent}; the "
            f"columns are {columns}. A common-point file has the "
            "columns 点号, 源X, 源Y, 目标X, 目标Y (optional 源H, 目标H; X = northing, Y = easting)"))
    ids = frame[found["id"]].astype(str).str.strip()
    values = {}
    problems = []
    for column in ("source_x", "source_y", "source_h", "target_x", "target_y", "target_h"):
        if column not in found:
            continue
        numbers = pd.to_numeric(frame[found[column]].str.strip(), errors="coerce")
        bad = np.flatnonzero(numbers.isna().to_numpy())
        if len(bad):
            rows, points = format_ids(bad + 2), format_ids(ids.iloc[bad])
            problems.append(msg(f"{found[column]}：第 {rows} 行（点号 {points}）",
                                f"{found[column]} on rows {rows} (points {points})"))
        values[column] = numbers.to_numpy(dtype=np.float64)
    if problems:
        raise TransformError(msg(f"{path.name}：有非数字的值：" + "；".join(problems)
                                 + "（行号把表头算作第 1 行）",
                                 f"{path.name}: values that are not numbers: " + "; ".join(problems)
                                 + " (row numbers count the header as row 1)"))
    index = pd.Index(ids, name="点号")
    if not index.is_unique:
        dup = format_ids(index[index.duplicated()].unique())
        raise TransformError(msg(f"{path.name}：点号 {dup} 出现不止一次",
                                 f"{path.name}: point ids {dup} appear more than once"))

    def side(prefix: str, crs: Any) -> Any:
        # X northing / latitude → geometry y; Y easting / longitude → geometry x
        h = values.get(f"{prefix}_h")
        pts = shapely.points(values[f"{prefix}_y"], values[f"{prefix}_x"], h)
        return gpd.GeoSeries(pts, index=index, crs=normalize_crs(crs), name=f"{prefix} points")

    return side("source", source_crs), side("target", target_crs)
