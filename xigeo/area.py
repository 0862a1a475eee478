"""Areas of polygon layers: the land-survey ellipsoidal area, geodesic and planar areas.

Official Chinese land-survey areas (第三次全国国土调查, TD/T 1055-2019) are
*ellipsoidal* areas (图斑椭球面积) defined by 国土调查办发〔2008〕32号: each
vertex is taken from Gauss–Krüger (GK) coordinates back to geodetic
latitude/longitude (B, L) on the ellipsoid of the layer's datum, and the
polygon's area is the sum of the ellipsoidal trapezoids between each edge
and a reference meridian. :func:`area` computes it for a whole layer in one
compiled pass (no Python loop per polygon or vertex); it also offers the
geodesic area (Karney, via :class:`pyproj.Geod`) and the plane area in the
projected CRS, for comparison. :func:`summarize_area` totals a layer by
group without counting overlapping polygons twice.

The ellipsoidal area in detail
------------------------------
For an edge (B1, L1) → (B2, L2) the trapezoid between the edge and the
reference meridian L0 is ``S = b²/2 · ((L1 + L2)/2 − L0) · (q(B2) − q(B1))``
with ``q(B) = sinB/(1 − e² sin²B) + atanh(e sinB)/e``: the closed form of
the series in the 2008 rules (on the 27 km² map sheet of the example below
they differ by 6e-6 m², see the tests), evaluated to full double
precision. The reference meridian L0 is each ring's first vertex, which
keeps the terms small and the sum exact to ~1e-6 m² on a parcel. The ring
area is ``|ΣS|``; holes are subtracted, the parts of a MultiPolygon added. The constants come from the layer's own CRS: CGCS2000
(a = 6378137, 1/f = 298.257222101) for CGCS2000 layers, IAG-1975
(a = 6378140, 1/f = 298.257) for Xi'an 1980, Krassowsky for Beijing 1954.
The ellipsoid is never mixed with another datum's constants.

The sum of such trapezoids is the exact plane area of the polygon drawn in
the cylindrical equal-area projection ``(L, q)``: between two vertices the
edge is, strictly, the line that is straight in that projection. It
coincides with the parallel or meridian for edges along a parallel or a
meridian (so a map sheet given by its four corners gets its theoretical
area). Against a straight GK line (or a geodesic, nearly the same on a
parcel) an edge of length d running east–west encloses about
d³·tanB/(12N) m² more or less (N ≈ 6 384 km): 0.003 m² for d = 70 m,
0.03 m² for 150 m and 2 000 m² for a 7 km edge, which is why the survey
rules densify long GK edges:

With ``survey_rules=True`` (default), the 三调 evaluation rules apply:

1. GK coordinates x, y are rounded to 4 decimals (0.1 mm);
2. an edge longer than 70 m gets ⌊length/70⌋ evenly spaced extra points
   (for the computation only: the geometry is not changed). This is a rule
   about GK coordinates and does not apply to geographic (B, L) input,
   whose edges are taken as straight in (B, L), e.g. map-sheet edges;
3. B and L are rounded to 6 decimals of an arc-second (~0.03 mm);
4. each feature's area is reported to 0.01 m² (rounded half up).

With ``survey_rules=False`` the computation is exact floating point on the
vertices as given, with no densification and no rounding.

Examples
--------
The 1:10 000 map sheet with south-west corner 114°22′30″E 32°20′N
(3′45″ × 2′30″) has the published theoretical area 27 182 685.134 m²
on the CGCS2000 ellipsoid:

>>> import geopandas as gpd
>>> from shapely import box
>>> sheet = gpd.GeoSeries([box(114.375, 32 + 20 / 60, 114.4375, 32.375)], crs=4490)
>>> float(area(sheet, survey_rules=False).round(3).iloc[0])
27182685.134
"""

from __future__ import annotations

import enum
import logging
import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from ._lang import msg
from ._layers import measured_note, polygonal_part, require_features, unmeasured
from ._rings import rings_of
# the survey rules' numbers, module constants here (one definition, shared with the kernel)
from ._survey_rules import ARCSEC_DECIMALS, AREA_DECIMALS, DENSIFY_EDGE_M, GK_DECIMALS  # noqa: F401
from ._tables import TOTAL_LABEL
from .crs import check_crs, layer_name
from ._options import choose
from .errors import CRSError, SchemaError, UnitError, ValidationError, XigeoWarning, fix, format_ids
from .units import AreaUnit, convert_area

__all__ = ["AreaMethod", "area", "summarize_area"]

logger = logging.getLogger(__name__)



class AreaMethod(str, enum.Enum):
    """How an area is measured.

    ``ellipsoidal``: the land-survey ellipsoidal area (图斑椭球面积), the
    official figure; ``geodesic``: Karney's area of the polygon whose edges
    are geodesics between the vertices; ``planar``: the plane area in the
    projected CRS (GK plane area, 投影面积).
    """

    ELLIPSOIDAL = "ellipsoidal"
    GEODESIC = "geodesic"
    PLANAR = "planar"

    @classmethod
    def create(cls, method: "str | AreaMethod") -> "AreaMethod":
        """Return the method named by ``method``; the error lists the allowed names.

        >>> AreaMethod.create("椭球面积")
        <AreaMethod.ELLIPSOIDAL: 'ellipsoidal'>
        >>> AreaMethod.create("spherical")
        Traceback (most recent call last):
        ...
        xigeo.errors.UnitError: 未知的面积算法 'spherical'；可选：ellipsoidal (椭球面积, 椭球, survey), geodesic (测地线, karney), planar (平面, 投影面积, plane)
        """
        if isinstance(method, AreaMethod):
            return method
        key = str(method).strip().lower()
        try:
            return _METHOD_ALIASES[key]
        except KeyError:
            allowed = ", ".join(f"{m.value} ({', '.join(_METHOD_NAMES[m])})" for m in cls)
            raise UnitError(msg(f"未知的面积算法 {method!r}；可选：{allowed}",
                                f"unknown area method {method!r}; use one of: {allowed}")) from None


_METHOD_NAMES: dict[AreaMethod, tuple[str, ...]] = {
    AreaMethod.ELLIPSOIDAL: ("椭球面积", "椭球", "survey"),
    AreaMethod.GEODESIC: ("测地线", "karney"),
    AreaMethod.PLANAR: ("平面", "投影面积", "plane"),
}
_METHOD_ALIASES: dict[str, AreaMethod] = {
    name.lower(): m for m, names in _METHOD_NAMES.items() for name in (m.value, *names)
}


# ---------------------------------------------------------------------------
# geometry preparation


def _geometry_array(geoms: Any) -> tuple[np.ndarray, pd.Index]:
    series = getattr(geoms, "geometry", geoms)
    index = getattr(series, "index", None)
    values = np.asarray(getattr(series, "values", series), dtype=object)
    if index is None:
        index = pd.RangeIndex(len(values))
    return values, index


def _polygonal(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygon/MultiPolygon array (GeometryCollections reduced to their polygons).

    Returns the polygonal geometries (None where there is none) and a mask of
    the input's missing geometries (None), whose area is NaN. Points, lines
    and collections without polygons measure 0.
    """
    return polygonal_part(values), shapely.is_missing(values)


def _tm_parameters(crs: pyproj.CRS, label: str) -> tuple[float, float, float, float]:
    """(lon0 degrees, k0, false easting, false northing) of a transverse Mercator CRS."""
    op = crs.coordinate_operation
    method = op.method_name.lower() if op is not None else ""
    tm = ("transverse mercator" in method or "gauss" in method) and "south" not in method
    params = {p.name.lower(): p.value for p in op.params} if tm and op is not None else {}
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    if (not tm or params.get("latitude of natural origin", 0.0) != 0.0 or unit != 1.0
            or "longitude of natural origin" not in params):
        geo = _geographic_code(crs)
        how = fix(msg(f"gdf.to_crs({geo})：area() 在椭球面上由 B、L 计算调查面积，适用于中国任何范围"
                      "（xigeo.to_survey_crs(gdf) 只适用于位于一个高斯–克吕格投影带内的图层）；"
                      "或 method='geodesic'",
                      f"gdf.to_crs({geo}): area() measures the survey area on the ellipsoid from "
                      "B, L, at any extent in China (xigeo.to_survey_crs(gdf) only for a layer "
                      "within one Gauss–Krüger zone); or method='geodesic'"),
                  msg(f"先把文件投影到 EPSG:{geo}（如 ogr2ogr -t_srs EPSG:{geo} out.gpkg in.shp）："
                      "调查面积在椭球面上由 B、L 计算；或 --method geodesic",
                      f"reproject the file to EPSG:{geo} first (e.g. ogr2ogr -t_srs EPSG:{geo} "
                      "out.gpkg in.shp): the survey area is measured on the ellipsoid from B, L; "
                      "or --method geodesic"))
        raise CRSError(msg(
            f"{label}：椭球面积需要高斯–克吕格（横轴墨卡托，米）或地理坐标，但坐标系是 {crs.name}。"
            f"修正：{how}",
            f"{label}: the survey ellipsoidal area needs Gauss–Krüger (transverse Mercator, "
            f"metres) or geographic coordinates, but the CRS is {crs.name}. Fix: {how}"))
    return (float(params["longitude of natural origin"]),
            float(params.get("scale factor at natural origin", 1.0)),
            float(params.get("false easting", 0.0)), float(params.get("false northing", 0.0)))


def _geographic_code(crs: pyproj.CRS) -> int:
    """EPSG code of the geographic CRS of ``crs``'s datum (4490 for CGCS2000 and unknown ones)."""
    from .crs import _datum_of, geographic_crs

    datum = _datum_of(crs)
    return (geographic_crs(datum).to_epsg() or 4490) if datum is not None else 4490


def _ellipsoid(crs: pyproj.CRS) -> tuple[float, float]:
    ell = crs.ellipsoid
    if ell is None:
        raise CRSError(msg(f"坐标系 {crs.name} 没有椭球：请给出大地坐标系，如 EPSG:4526",
                           f"the CRS {crs.name} has no ellipsoid: give a geodetic CRS such as EPSG:4526"))
    inv_f = ell.inverse_flattening
    f = 1.0 / inv_f if inv_f else 1.0 - ell.semi_minor_metre / ell.semi_major_metre
    return ell.semi_major_metre, f


def _ellipsoidal_m2(polys: np.ndarray, crs: pyproj.CRS, survey: bool, label: str,
                    rings: Any = None) -> np.ndarray:
    xy, ring_off, ring_geom, exterior = rings_of(polys) if rings is None else rings
    return _ellipsoidal_rings_m2(xy, ring_off, ring_geom, exterior, len(polys), crs, survey, label)


def ellipsoidal_rings_m2(xy: np.ndarray, ring_off: np.ndarray, ring_geom: np.ndarray,
                         exterior: np.ndarray, n: int, crs: Any, *, label: str = "layer") -> np.ndarray:
    """Survey ellipsoidal area (m², reported to 0.01 m²) of polygons given as flat rings.

    What :func:`area` gives with the default options, for callers that hold
    the rings already (the overlay kernel): ring r spans
    ``xy[ring_off[r]:ring_off[r + 1]]`` (closed) and belongs to polygon
    ``ring_geom[r]`` (< ``n``) as its shell (``exterior[r]``) or a hole.
    """
    crs = pyproj.CRS.from_user_input(crs)
    m2 = _ellipsoidal_rings_m2(np.ascontiguousarray(xy, dtype=np.float64), ring_off, ring_geom,
                               exterior, n, crs, True, label)
    return _round_report(m2, AREA_DECIMALS)


def _ellipsoidal_rings_m2(xy: np.ndarray, ring_off: np.ndarray, ring_geom: np.ndarray,
                          exterior: np.ndarray, n: int, crs: pyproj.CRS, survey: bool,
                          label: str) -> np.ndarray:
    from ._area_kernel import ring_areas_m2  # numba: loaded on the first area computed

    a, f = _ellipsoid(crs)
    if crs.is_geographic:
        unit = crs.axis_info[0].unit_name if crs.axis_info else "degree"
        if "degree" not in unit:
            geo = _geographic_code(crs)
            how = fix(f"gdf.to_crs({geo})", msg(f"先把文件投影到 EPSG:{geo}（度）",
                                                f"reproject the file to EPSG:{geo} (degrees) first"))
            raise CRSError(msg(f"{label}：地理坐标系 {crs.name} 的单位是 {unit}，不是度。修正：{how}",
                               f"{label}: the geographic CRS {crs.name} is in {unit}, not degrees. "
                               f"Fix: {how}"))
        ring_m2 = ring_areas_m2(xy, ring_off, projected=False, a=a, f=f, survey=survey)
    else:
        lon0, k0, fe, fn = _tm_parameters(crs, label)
        ring_m2 = ring_areas_m2(xy, ring_off, projected=True, a=a, f=f, lon0=lon0, k0=k0, fe=fe,
                                fn=fn, survey=survey)
    signed = np.where(exterior, ring_m2, -ring_m2)
    return np.bincount(ring_geom, weights=signed, minlength=n)


def _geodesic_m2(polys: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    xy, ring_off, ring_geom, exterior = rings_of(polys)
    a, f = _ellipsoid(crs)
    geod = pyproj.Geod(a=a, f=f)
    if crs.is_projected:
        to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        lon, lat = to_geo.transform(xy[:, 0], xy[:, 1])
    else:
        lon, lat = xy[:, 0], xy[:, 1]
    lon = np.ascontiguousarray(lon, dtype=np.float64)
    lat = np.ascontiguousarray(lat, dtype=np.float64)
    # one C call per ring: pyproj offers no batched polygon area
    ring_area = np.array([
        abs(geod.polygon_area_perimeter(lon[s:e], lat[s:e])[0]) if e - s >= 4 else 0.0
        for s, e in zip(ring_off[:-1], ring_off[1:])
    ])
    signed = np.where(exterior, ring_area, -ring_area)
    return np.bincount(ring_geom, weights=signed, minlength=len(polys))


#: the ``repair=`` values area() and summarize_area() accept
REPAIRS = ("make_valid",)


class _Measured:
    """What :func:`_area_m2` found: areas, the polygons measured and any repair made."""

    def __init__(self, m2: np.ndarray, index: pd.Index, polys: np.ndarray,
                 repaired: pd.DataFrame | None) -> None:
        self.m2, self.index, self.polys, self.repaired = m2, index, polys, repaired


def _check_repair(repair: str | None) -> str | None:
    return None if repair is None else choose(repair, REPAIRS, name="repair")


def _certainly_valid(polys: np.ndarray, rings: Any) -> np.ndarray:
    """:func:`xigeo._predicates.certainly_valid` on rings already flattened (the area's own)."""
    from ._predicates import simple_rings  # numba: the predicates only, not the clipping kernel

    simple = simple_rings(rings)
    n = len(polys)
    n_rings = np.bincount(rings.owner, minlength=n)
    one_simple = np.bincount(rings.owner, weights=simple, minlength=n)
    return (n_rings == 1) & (one_simple == 1)


def _guard_polygons(polys: np.ndarray, index: pd.Index, label: str, repair: str | None,
                    rings: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Refuse invalid polygons (or repair them with ``repair``) and non-finite coordinates.

    Returns the polygons to measure, the positions repaired and GEOS's reasons.
    A compiled exact test settles the simple survey polygons (on ``rings``, the
    flattened rings, when the caller has them); GEOS judges the rest.
    """
    from ._predicates import certainly_valid  # numba: the predicates only, not the clipping kernel

    sure = certainly_valid(polys) if rings is None else _certainly_valid(polys, rings)
    ask = np.flatnonzero(~shapely.is_missing(polys) & ~sure)
    none = np.zeros(0, dtype=np.int64)
    if ask.size == 0:
        return polys, none, np.zeros(0, dtype=object)
    bad = ask[~shapely.is_valid(polys[ask])]
    if bad.size == 0:
        return polys, none, np.zeros(0, dtype=object)
    reasons = np.asarray(shapely.is_valid_reason(polys[bad]), dtype=object)
    nonfinite = np.array([str(r).startswith("Invalid Coordinate") for r in reasons], dtype=bool)
    if nonfinite.any():
        rows = index[bad[nonfinite]].tolist()
        raise ValidationError(msg(
            f"{label}：第 {format_ids(rows)} 行的坐标不是数字（NaN 或无穷大）：无法量算面积。"
            "修正：在源数据中修正或删除这些行",
            f"{label}: coordinates that are not numbers (NaN or infinite) in row(s) "
            f"{format_ids(rows)}: no area can be measured. Fix: correct or delete these rows "
            "in the source"), rows)
    if repair is None:
        rows = index[bad].tolist()
        shown = "; ".join(f"{i}: {r}" for i, r in zip(rows[:10], reasons[:10]))
        rest = len(rows) - 10
        more = msg(f"；…（另有 {rest} 个）", f"; … ({rest} more)") if rest > 0 else ""
        how = fix('area(layer, repair=' + repr(REPAIRS[0]) + ')', '--repair')
        raise ValidationError(msg(
            f"{label}：{len(rows)} 个无效的面，其面积会算错（交叉的环相互抵消）：{shown}{more}。"
            f"修正：{how} 量算修复后的图形并报告变化，或修正源数据（xigeo.repair）",
            f"{label}: {len(rows)} invalid polygon(s), whose area would be wrong (crossing "
            f"rings cancel out): {shown}{more}. Fix: {how} measures the "
            "repaired shapes and reports the change, or correct the source (xigeo.repair)"), rows)
    fixed = polys.copy()
    fixed[bad] = polygonal_part(shapely.make_valid(polys[bad], method="structure",
                                                   keep_collapsed=False), empty=shapely.Polygon())
    return fixed, bad, reasons


def _measure_m2(values: np.ndarray, polys: np.ndarray, missing: np.ndarray, crs: pyproj.CRS,
                method: AreaMethod, survey_rules: bool, label: str, rounded: bool,
                rings: Any = None) -> np.ndarray:
    if method is AreaMethod.PLANAR:
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        return np.asarray(shapely.area(values), dtype=float) * unit**2
    if method is AreaMethod.ELLIPSOIDAL:
        m2 = _ellipsoidal_m2(polys, crs, survey_rules, label, rings)
        if survey_rules and rounded:
            m2 = _round_report(m2, AREA_DECIMALS)
    else:
        m2 = _geodesic_m2(polys, crs)
    m2[missing] = np.nan
    return m2


def area_as_stored_m2(geoms: Any, *, label: str = "layer") -> np.ndarray:
    """Survey ellipsoidal area (m², to 0.01 m²) of polygons as stored, invalid ones included.

    For :func:`xigeo.repair`'s "before" figure only: on an invalid polygon
    this is the wrong area the guard in :func:`area` refuses to give.
    """
    crs = check_crs(geoms, name=label)
    values, _ = _geometry_array(geoms)
    polys, missing = _polygonal(values)
    return _measure_m2(values, polys, missing, crs, AreaMethod.ELLIPSOIDAL, True, label, True)


def _area_m2(geoms: Any, method: AreaMethod, survey_rules: bool, *, label: str,
             rounded: bool = True, repair: str | None = None) -> _Measured:
    """Area in m² of every geometry, after the CRS guard and the validity guard."""
    crs = check_crs(geoms, name=label, projected=method is AreaMethod.PLANAR)
    values, index = _geometry_array(geoms)
    polys, missing = _polygonal(values)
    # the ellipsoidal kernel and the validity test read the same flattened rings
    rings = rings_of(polys) if method is AreaMethod.ELLIPSOIDAL else None
    polys, bad, reasons = _guard_polygons(polys, index, label, repair, rings)
    if bad.size == 0:
        m2 = _measure_m2(values, polys, missing, crs, method, survey_rules, label, rounded, rings)
        return _Measured(m2, index, polys, None)
    fixed_values = values.copy()
    fixed_values[bad] = polys[bad]
    m2 = _measure_m2(fixed_values, polys, missing, crs, method, survey_rules, label, rounded)
    before_polys = _polygonal(values[bad])[0]
    before = _measure_m2(values[bad], before_polys, np.zeros(bad.size, dtype=bool), crs, method,
                         survey_rules, label, rounded)
    report = pd.DataFrame({"reason": reasons, "area_before_m2": before, "area_after_m2": m2[bad]},
                          index=index[bad])
    report["change_m2"] = _round_report(report["area_after_m2"] - report["area_before_m2"])
    shown = "; ".join(f"{i}: {b:,.2f} → {a:,.2f} m²" for i, b, a in
                      zip(report.index[:10], report["area_before_m2"], report["area_after_m2"]))
    rest = len(report) - 10
    more = msg(f"；…（另有 {rest} 个）", f"; … ({rest} more)") if rest > 0 else ""
    change = float(report['change_m2'].sum())
    warnings.warn(msg(
        f"{label}：{len(report)} 个无效的面已修复（repair={repair!r}）并按修复后量算，"
        f"共 {change:+,.2f} m²：{shown}{more}",
        f"{label}: {len(report)} invalid polygon(s) repaired (repair={repair!r}) and measured "
        f"as repaired, {change:+,.2f} m² in all: {shown}{more}"),
        XigeoWarning, stacklevel=4)
    return _Measured(m2, index, polys, report)


def area(geoms: Any, *, method: "str | AreaMethod" = "ellipsoidal",
         unit: "str | AreaUnit" = "m2", survey_rules: bool = True,
         repair: str | None = None) -> pd.Series:
    """Area of every polygon of a layer, by default the official survey ellipsoidal area.

    Parameters
    ----------
    geoms : GeoDataFrame or GeoSeries
        Polygons with a CRS: Gauss–Krüger (EPSG:4526, 4547, Xi'an 1980,
        Beijing 1954 zones; any transverse Mercator) or geographic (EPSG:4490).
        Geographic input is measured directly on the ellipsoid from B, L, at any
        extent in China (a whole-province or whole-China layer wider than one
        zone needs no reprojection). Geometries are read x = easting, y =
        northing (geopandas order).
    method : {"ellipsoidal", "geodesic", "planar"} or AreaMethod
        ``ellipsoidal`` (默认, 椭球面积): the land-survey area of 国土调查办发
        〔2008〕32号 / TD/T 1055-2019 on the ellipsoid of the layer's datum
        (see the module notes). ``geodesic``: :class:`pyproj.Geod` (Karney)
        area of the polygon whose edges are geodesics between the vertices
        (one pyproj call per ring, slower). ``planar``: plane area in the
        projected CRS (refused for geographic layers).
    unit : str or AreaUnit
        ``m2`` (default), ``ha``, ``mu``, ``km2``, or their Chinese names
        (平方米, 公顷, 亩, 平方公里). Conversion is exact.
    survey_rules : bool
        Apply the 三调 evaluation rules to the ellipsoidal area (default):
        GK x, y to 4 decimals, ⌊len/70⌋ extra points on GK edges longer than
        70 m, B and L to 1e-6″, the result rounded half up to 0.01 m²
        (before any unit conversion). False: exact floating-point computation
        on the vertices as given. No effect on the other methods.
    repair : {None, "make_valid"}
        None (default): an invalid polygon (a bow-tie, a ring crossing itself)
        is refused, since its area would be wrong (crossing rings cancel out).
        ``"make_valid"``: such polygons are repaired as :func:`xigeo.repair`
        does (``shapely.make_valid``, polygonal part kept) and measured as
        repaired; a :class:`~xigeo.errors.XigeoWarning` names the rows and
        their areas before and after, and ``result.attrs["repaired"]`` holds
        the same as a table (``reason``, ``area_before_m2``,
        ``area_after_m2``, ``change_m2``).

    Returns
    -------
    pandas.Series
        Indexed like ``geoms``, named ``area_m2``/``area_ha``/``area_mu``/
        ``area_km2``. None → NaN; empty geometries, points and lines → 0;
        the polygons of a GeometryCollection are summed; holes are
        subtracted and the parts of a MultiPolygon added.

    Raises
    ------
    CRSError
        The layer has no CRS or one that does not fit its coordinates (see
        :func:`xigeo.check_crs`); ``planar`` on a geographic layer;
        ``ellipsoidal`` on a projected CRS that is not transverse Mercator.
    UnitError
        Unknown ``unit`` or ``method`` (the message lists the allowed ones).
    ValidationError
        Invalid polygons without ``repair=`` (the rows and GEOS's reasons),
        or coordinates that are not finite numbers (NaN, infinite).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import MultiPolygon, Polygon, box
    >>> sq = box(38_560_000, 3_580_000, 38_560_100, 3_580_100)   # 1 ha, 60 km east of the CM
    >>> hole = Polygon(sq.exterior, [box(38_560_040, 3_580_040, 38_560_060, 3_580_060).exterior])
    >>> parcels = gpd.GeoSeries([sq, hole, MultiPolygon([sq, box(38_560_200, 3_580_000,
    ...                          38_560_300, 3_580_100)]), None, Polygon()],
    ...                         index=["XJ-01", "XJ-02", "XJ-03", "XJ-04", "XJ-05"], crs=4526)
    >>> area(parcels)
    XJ-01     9999.11
    XJ-02     9599.15
    XJ-03    19998.22
    XJ-04         NaN
    XJ-05        0.00
    Name: area_m2, dtype: float64
    >>> area(parcels, method="planar").iloc[0]
    np.float64(10000.0)
    >>> area(parcels, unit="亩").round(4).tolist()[:2]
    [14.9987, 14.3987]
    """
    method = AreaMethod.create(method)
    unit = AreaUnit.create(unit)
    repair = _check_repair(repair)
    label = layer_name(geoms)
    measured = _area_m2(geoms, method, survey_rules, label=label, repair=repair)
    m2, index = measured.m2, measured.index
    logger.debug("area(%s): %d geometries, method=%s, survey_rules=%s, total %.2f m²",
                 label, len(m2), method.value, survey_rules, float(np.nansum(m2)))
    values = m2 if unit is AreaUnit.M2 else convert_area(m2, AreaUnit.M2, unit)
    out = pd.Series(values, index=index, name=unit.column, dtype="float64")
    if measured.repaired is not None:
        out.attrs["repaired"] = measured.repaired
    return out


# ---------------------------------------------------------------------------
# grouped totals


def _round_report(values: Any, decimals: int = AREA_DECIMALS) -> Any:
    """Round half up (四舍五入), as reports do; -0.0 becomes 0.0."""
    scale = 10.0**decimals
    v = np.asarray(values, dtype=float)
    return np.sign(v) * np.floor(np.abs(v) * scale + 0.5) / scale + 0.0


def summarize_area(layer: Any, *, by: "str | Sequence[str] | None" = None,
                   method: "str | AreaMethod" = "ellipsoidal", unit: "str | AreaUnit" = "ha",
                   survey_rules: bool = True, total: bool = False,
                   repair: str | None = None) -> pd.DataFrame:
    """Total area of a layer per group, counting overlapping polygons once.

    An area covered by two polygons of one group is counted once; the area
    this removed is reported. Only features that really overlap are
    dissolved: candidate pairs come from one STRtree query (bounding boxes),
    the pairs whose interiors meet in an area (DE-9IM ``2********``) are
    kept, and each connected cluster of such features inside a group is
    unioned and its union measured (with ``survey_rules``, densified on the
    union's own edges). Every other feature — all of them in a coverage
    such as a 三调 DLTB layer — counts with its own unrounded :func:`area`
    figure, so the total of a coverage is the survey-method total, the sum
    of the members' areas (GK and B, L rounding and densification applied,
    but not the per-feature 0.01 m² rounding). The ``*_rounded`` columns
    round the totals half up to 2 decimals, as reports print them.

    Parameters
    ----------
    layer : GeoDataFrame or GeoSeries
        Polygons with a CRS (see :func:`area`).
    by : str or list of str, optional
        Column(s) to group by; missing values form their own group. Default:
        the whole layer as one row labelled ``"合计"`` (total).
    method, survey_rules, repair
        As for :func:`area`: invalid polygons are refused unless
        ``repair="make_valid"``; then they are dissolved and measured as
        repaired, and ``table.attrs["repaired"]`` lists the rows with their
        areas before and after.
    unit : str or AreaUnit
        Unit of the headline columns (default ``ha``); hectare and mu
        columns are always included.
    total : bool
        Add a row ``"合计"`` (total): the union of the whole layer, so overlaps
        *between* groups are not counted twice either (it can then be less
        than the sum of the group rows; its ``overlap_removed_m2`` says by
        how much the features overlap overall).

    Returns
    -------
    pandas.DataFrame
        One row per group (index: the group values), columns:

        - ``count``: features with a non-empty polygonal geometry (measured);
        - ``area_m2``: area of the group counting overlaps once, m²,
          unrounded: the members' own areas plus, for each cluster of
          overlapping members, its union's area instead of theirs;
        - ``overlap_removed_m2``: sum of the features' areas minus the area
          of their union, m², to 0.01 m² (0 when nothing overlaps);
        - ``area_<unit>`` and ``area_<unit>_rounded`` for ``unit``, ``ha``
          and ``mu`` (e.g. ``area_ha``, ``area_ha_rounded``, ``area_mu``,
          ``area_mu_rounded``): the union's area, unrounded and rounded half
          up to 2 decimals.

        Rows without a polygonal area (no geometry, an empty one, a point or
        a line) are not in the totals, and never silently:
        ``table.attrs["note"]`` (``{"zh": …, "en": …}``) says how many were
        measured and names the others ("25 个要素中 24 个已量算；第 7 行无几何"),
        ``table.attrs["unmeasured"]`` maps each reason to its rows, and a
        :class:`~xigeo.errors.XigeoWarning` says the same.

    Raises
    ------
    ValidationError
        An empty layer (a total of nothing is not 0 ha), invalid polygons
        without ``repair=``, coordinates that are not finite.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame(
    ...     {"project": ["A", "A", "B"]},
    ...     geometry=[box(38_560_000, 3_580_000, 38_560_100, 3_580_100),
    ...               box(38_560_050, 3_580_000, 38_560_150, 3_580_100),
    ...               box(38_570_000, 3_580_000, 38_570_100, 3_580_050)], crs=4526)
    >>> table = summarize_area(parcels, by="project", method="planar", total=True)
    >>> table[["count", "area_m2", "overlap_removed_m2", "area_ha_rounded", "area_mu_rounded"]]
             count  area_m2  overlap_removed_m2  area_ha_rounded  area_mu_rounded
    project
    A            2  15000.0              5000.0              1.5            22.50
    B            1   5000.0                 0.0              0.5             7.50
    合计           3  20000.0              5000.0              2.0            30.00
    """
    method = AreaMethod.create(method)
    unit = AreaUnit.create(unit)
    repair = _check_repair(repair)
    label = layer_name(layer)
    require_features(layer, label)
    check_crs(layer, name=label, projected=method is AreaMethod.PLANAR)
    values, index = _geometry_array(layer)
    crs = getattr(layer, "crs", None)
    keys: list[str] = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing_cols = [k for k in keys if k not in getattr(layer, "columns", ())]
    if missing_cols:
        have = ", ".join(str(c) for c in getattr(layer, "columns", ()))
        raise SchemaError(msg(f"{label}：没有用于分组的字段 {', '.join(missing_cols)}；图层现有字段：{have}",
                              f"{label}: no column {', '.join(missing_cols)} to group by; "
                              f"the layer has: {have}"))
    measured = _area_m2(layer, method, survey_rules, label=label, rounded=False, repair=repair)
    member_m2, polys = measured.m2, measured.polys
    present = ~shapely.is_missing(polys) & ~shapely.is_empty(polys)
    note = {lang: measured_note(index, values, lang=lang) for lang in ("zh", "en")}
    if note["zh"]:
        warnings.warn(msg(f"{label}：{note['zh']}；这些行不计入合计",
                          f"{label}: {note['en']}; these rows are not in the totals"),
                      XigeoWarning, stacklevel=2)

    if keys:
        frame = pd.DataFrame({k: np.asarray(layer[k]) for k in keys})
        grouped = frame.groupby(keys, dropna=False, sort=True)
        group_labels: list[Hashable] = list(grouped.indices.keys())
        members = [np.asarray(grouped.indices[g]) for g in group_labels]
    else:
        group_labels, members = [TOTAL_LABEL], [np.arange(len(values))]
    if total and keys:
        group_labels.append(TOTAL_LABEL if len(keys) == 1
                            else (TOTAL_LABEL,) + ("",) * (len(keys) - 1))
        members.append(np.arange(len(values)))

    union_m2, summed = _dissolved_m2(polys, member_m2, present, members, group_labels,
                                     bool(total and keys), method, survey_rules, label, crs)
    counts = np.array([int(present[rows].sum()) for rows in members])

    idx: pd.Index
    if len(keys) > 1:
        idx = pd.MultiIndex.from_tuples([tuple(g) for g in group_labels], names=keys)  # type: ignore[arg-type]
    else:
        idx = pd.Index(group_labels, name=keys[0] if keys else None)
    table = pd.DataFrame({"count": counts, "area_m2": union_m2,
                          "overlap_removed_m2": _round_report(summed - union_m2)}, index=idx)
    for u in dict.fromkeys([unit, AreaUnit.HA, AreaUnit.MU]):
        v = union_m2 if u is AreaUnit.M2 else convert_area(union_m2, AreaUnit.M2, u)
        if u is not AreaUnit.M2:
            table[u.column] = v
        table[f"{u.column}_rounded"] = _round_report(v)
    table.attrs["note"] = note
    table.attrs["unmeasured"] = {k: index[m].tolist() for k, m in unmeasured(values).items()
                                 if m.any()}
    if measured.repaired is not None:
        table.attrs["repaired"] = measured.repaired
    logger.debug("summarize_area(%s): %d groups, %.2f m² of overlap removed", label,
                 len(table), float(np.sum(summed - union_m2)))
    return table


def _overlapping_pairs(polys: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of features whose interiors meet in an area (DE-9IM ``2********``).

    Candidates are the pairs whose bounding boxes meet (one STRtree query);
    the exact test is then run on those pairs only, all in vectorised calls.
    Features that merely touch (a shared edge or corner, as in a coverage)
    are not pairs.
    """
    rows = np.flatnonzero(present)
    if rows.size < 2:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    geoms = polys[rows]
    a, b = shapely.STRtree(geoms).query(geoms)
    keep = a < b
    a, b = a[keep], b[keep]
    shapely.prepare(geoms)
    inside = shapely.relate_pattern(geoms[a], geoms[b], "2********")
    return rows[a[inside]], rows[b[inside]]


def _dissolved_m2(polys: np.ndarray, member_m2: np.ndarray, present: np.ndarray,
                  members: list[np.ndarray], group_labels: list[Hashable], with_total: bool,
                  method: AreaMethod, survey_rules: bool, label: str,
                  crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Area of each group counting overlaps once, and the plain sum of its members' areas.

    ``members`` is a partition of the rows (the groups), followed by one
    group of all rows (the total) if ``with_total``. Only the clusters of features that
    really overlap (connected through pairs whose interiors meet, inside one
    group) are unioned and measured; every other feature contributes its own
    unrounded area. One union per overlap cluster, not per group or polygon.
    """
    m2 = np.nan_to_num(np.asarray(member_m2, dtype=float))
    pi, pj = _overlapping_pairs(polys, present)
    cut = len(members) - 1 if with_total else len(members)
    out = [_partition_m2(polys, m2, pi, pj, members[a:b], group_labels[a:b], method,
                         survey_rules, label, crs)
           for a, b in ((0, cut), (cut, len(members))) if b > a]
    return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])


def _partition_m2(polys: np.ndarray, m2: np.ndarray, pi: np.ndarray, pj: np.ndarray,
                  members: list[np.ndarray], group_labels: list[Hashable], method: AreaMethod,
                  survey_rules: bool, label: str, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_dissolved_m2` for groups that partition the rows (each row in one group)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, ngroups = len(polys), len(members)
    code = np.full(n, -1, dtype=np.intp)
    for g, rows in enumerate(members):  # one assignment per group
        code[rows] = g
    summed = np.bincount(code, weights=m2, minlength=ngroups)
    same = code[pi] == code[pj]
    gi, gj = pi[same], pj[same]
    if gi.size == 0:
        return summed, summed
    graph = coo_matrix((np.ones(gi.size), (gi, gj)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    clustered = np.unique(np.r_[gi, gj])
    # the clustered features sorted by cluster; one union per cluster
    order = clustered[np.argsort(comp[clustered], kind="stable")]
    clusters = np.split(order, np.flatnonzero(np.diff(comp[order])) + 1)
    unions = np.empty(len(clusters), dtype=object)
    for k, cluster in enumerate(clusters):
        try:
            unions[k] = shapely.union_all(polys[cluster])
        except shapely.errors.GEOSException as err:
            group = group_labels[code[cluster[0]]]
            raise ValidationError(msg(
                f"{label}：分组 {group!r} 的面无法融合（{err}）；请先运行 xigeo.validate_layer / xigeo.repair",
                f"{label}: the polygons of group {group!r} cannot be "
                f"dissolved ({err}); run xigeo.validate_layer / xigeo.repair first")) from None
    cluster_m2 = np.nan_to_num(_area_m2(_as_geoseries(unions, crs), method, survey_rules,
                                        label=label, rounded=False).m2)
    alone = np.ones(n, dtype=bool)
    alone[clustered] = False
    dissolved = (np.bincount(code[alone], weights=m2[alone], minlength=ngroups)
                 + np.bincount(code[[c[0] for c in clusters]], weights=cluster_m2,
                               minlength=ngroups))
    return dissolved, summed


def _as_geoseries(values: np.ndarray, crs: Any) -> Any:
    import geopandas as gpd

    return gpd.GeoSeries(values, crs=crs)
