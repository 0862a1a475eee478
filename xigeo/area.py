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
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from ._layers import polygonal_part
from ._rings import rings_of
# the survey rules' numbers, module constants here (one definition, shared with the kernel)
from ._survey_rules import ARCSEC_DECIMALS, AREA_DECIMALS, DENSIFY_EDGE_M, GK_DECIMALS  # noqa: F401
from ._tables import TOTAL_LABEL
from .crs import check_crs, layer_name
from .errors import CRSError, SchemaError, UnitError, ValidationError, fix
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
        xigeo.errors.UnitError: unknown area method 'spherical'; use one of: ellipsoidal (椭球面积, 椭球, survey), geodesic (测地线, karney), planar (平面, 投影面积, plane)
        """
        if isinstance(method, AreaMethod):
            return method
        key = str(method).strip().lower()
        try:
            return _METHOD_ALIASES[key]
        except KeyError:
            allowed = ", ".join(f"{m.value} ({', '.join(_METHOD_NAMES[m])})" for m in cls)
            raise UnitError(f"unknown area method {method!r}; use one of: {allowed}") from None


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
        raise CRSError(
            f"{label}: the survey ellipsoidal area needs Gauss–Krüger (transverse Mercator, "
            f"metres) or geographic coordinates, but the CRS is {crs.name}. Fix: "
            + fix(f"gdf.to_crs({geo}): area() measures the survey area on the ellipsoid from "
                  "B, L, at any extent in China (xigeo.to_survey_crs(gdf) only for a layer "
                  "within one Gauss–Krüger zone); or method='geodesic'",
                  f"reproject the file to EPSG:{geo} first (e.g. ogr2ogr -t_srs EPSG:{geo} "
                  "out.gpkg in.shp): the survey area is measured on the ellipsoid from B, L; "
                  "or --method geodesic")
        )
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
        raise CRSError(f"the CRS {crs.name} has no ellipsoid: give a geodetic CRS such as EPSG:4526")
    inv_f = ell.inverse_flattening
    f = 1.0 / inv_f if inv_f else 1.0 - ell.semi_minor_metre / ell.semi_major_metre
    return ell.semi_major_metre, f


def _ellipsoidal_m2(polys: np.ndarray, crs: pyproj.CRS, survey: bool, label: str) -> np.ndarray:
    xy, ring_off, ring_geom, exterior = rings_of(polys)
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
            raise CRSError(f"{label}: the geographic CRS {crs.name} is in {unit}, not degrees. "
                           "Fix: " + fix(f"gdf.to_crs({geo})",
                                         f"reproject the file to EPSG:{geo} (degrees) first"))
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


def _area_m2(geoms: Any, method: AreaMethod, survey_rules: bool, *, label: str,
             rounded: bool = True) -> tuple[np.ndarray, pd.Index]:
    """Area in m² of every geometry, after the CRS guard."""
    crs = check_crs(geoms, name=label, projected=method is AreaMethod.PLANAR)
    values, index = _geometry_array(geoms)
    if method is AreaMethod.PLANAR:
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        return shapely.area(values) * unit**2, index
    polys, missing = _polygonal(values)
    if method is AreaMethod.ELLIPSOIDAL:
        m2 = _ellipsoidal_m2(polys, crs, survey_rules, label)
        if survey_rules and rounded:
            m2 = _round_report(m2, AREA_DECIMALS)
    else:
        m2 = _geodesic_m2(polys, crs)
    m2[missing] = np.nan
    return m2, index


def area(geoms: Any, *, method: "str | AreaMethod" = "ellipsoidal",
         unit: "str | AreaUnit" = "m2", survey_rules: bool = True) -> pd.Series:
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
    label = layer_name(geoms)
    m2, index = _area_m2(geoms, method, survey_rules, label=label)
    logger.debug("area(%s): %d geometries, method=%s, survey_rules=%s, total %.2f m²",
                 label, len(m2), method.value, survey_rules, float(np.nansum(m2)))
    values = m2 if unit is AreaUnit.M2 else convert_area(m2, AreaUnit.M2, unit)
    return pd.Series(values, index=index, name=unit.column, dtype="float64")


# ---------------------------------------------------------------------------
# grouped totals


def _round_report(values: Any, decimals: int = AREA_DECIMALS) -> Any:
    """Round half up (四舍五入), as reports do; -0.0 becomes 0.0."""
    scale = 10.0**decimals
    v = np.asarray(values, dtype=float)
    return np.sign(v) * np.floor(np.abs(v) * scale + 0.5) / scale + 0.0


def summarize_area(layer: Any, *, by: "str | Sequence[str] | None" = None,
                   method: "str | AreaMethod" = "ellipsoidal", unit: "str | AreaUnit" = "ha",
                   survey_rules: bool = True, total: bool = False) -> pd.DataFrame:
    """Total area of a layer per group, counting overlapping polygons once.

    The polygons of each group are dissolved (unioned) before they are
    measured, so an area covered by two polygons of one group is counted
    once; the area this removed is reported. Areas are unrounded sums of
    the :func:`area` figures (with ``survey_rules``, the GK and B, L rounding
    and densification apply, but not the per-feature 0.01 m² rounding);
    the ``*_rounded`` columns round the totals half up to 2 decimals, as
    reports print them.

    Parameters
    ----------
    layer : GeoDataFrame or GeoSeries
        Polygons with a CRS (see :func:`area`).
    by : str or list of str, optional
        Column(s) to group by; missing values form their own group. Default:
        the whole layer as one row labelled ``"合计"`` (total).
    method, survey_rules
        As for :func:`area`.
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

        - ``count``: features with a non-empty polygonal geometry;
        - ``area_m2``: area of the group's union, m², unrounded;
        - ``overlap_removed_m2``: sum of the features' areas minus the area
          of their union, m², to 0.01 m² (0 when nothing overlaps);
        - ``area_<unit>`` and ``area_<unit>_rounded`` for ``unit``, ``ha``
          and ``mu`` (e.g. ``area_ha``, ``area_ha_rounded``, ``area_mu``,
          ``area_mu_rounded``): the union's area, unrounded and rounded half
          up to 2 decimals.

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
    label = layer_name(layer)
    check_crs(layer, name=label, projected=method is AreaMethod.PLANAR)
    values, index = _geometry_array(layer)
    crs = getattr(layer, "crs", None)
    keys: list[str] = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing_cols = [k for k in keys if k not in getattr(layer, "columns", ())]
    if missing_cols:
        have = ", ".join(str(c) for c in getattr(layer, "columns", ()))
        raise SchemaError(f"{label}: no column {', '.join(missing_cols)} to group by; "
                          f"the layer has: {have}")
    member_m2, _ = _area_m2(layer, method, survey_rules, label=label, rounded=False)
    polys, _missing = _polygonal(values)
    present = ~shapely.is_missing(polys) & ~shapely.is_empty(polys)

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

    unions = np.empty(len(members), dtype=object)
    for i, rows in enumerate(members):  # one union per group, not per polygon
        try:
            unions[i] = shapely.union_all(polys[rows])
        except shapely.errors.GEOSException as err:
            raise ValidationError(
                f"{label}: the polygons of group {group_labels[i]!r} cannot be dissolved "
                f"({err}); run xigeo.validate_layer / xigeo.repair first") from None
    union_layer = _as_geoseries(unions, crs)
    union_m2, _ = _area_m2(union_layer, method, survey_rules, label=label, rounded=False)
    union_m2 = np.nan_to_num(union_m2)
    summed = np.array([np.nansum(member_m2[rows]) for rows in members])
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
    logger.debug("summarize_area(%s): %d groups, %.2f m² of overlap removed", label,
                 len(table), float(np.sum(summed - union_m2)))
    return table


def _as_geoseries(values: np.ndarray, crs: Any) -> Any:
    import geopandas as gpd

    return gpd.GeoSeries(values, crs=crs)
