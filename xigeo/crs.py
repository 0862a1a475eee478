"""Coordinate reference systems of Chinese survey data, and the guard every layer passes.

Survey layers in China use Gauss–Krüger (transverse Mercator, scale 1)
projections of three datums — CGCS2000, Xi'an 1980 and Beijing 1954 — in
3-degree or 6-degree zones, with the zone number written in front of the
easting ("with prefix", false easting ``zone × 10⁶ + 500 000``) or not
(false easting 500 000). Xi County lies in 3-degree zone 38 (central
meridian 114°E): EPSG:4526 with the prefix, EPSG:4547 without.

Any CRS input (EPSG code, ``"EPSG:4526"``, WKT, a :class:`pyproj.CRS`) is
normalised once with :func:`normalize_crs`. :func:`check_crs` is the guard
every calculator calls before it computes a figure: it raises
:class:`~xigeo.errors.CRSError` naming what was found and the one-line fix.

Examples
--------
>>> gk_crs(38).to_epsg()
4526
>>> gk_crs(38, prefix=False).to_epsg()
4547
>>> gk_crs(19, width=6, datum="xian1980").to_epsg()
2333
>>> info = gk_info("EPSG:4547")
>>> (info.datum.value, info.width, info.zone, info.prefix, info.central_meridian)
('cgcs2000', 3, 38, False, 114.0)
"""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any

import numpy as np
import pyproj
from pyproj.exceptions import CRSError as _PyprojCRSError

from ._layers import layer_name
from .errors import CRSError
from .errors import fix as _fix

__all__ = [
    "Datum",
    "GKInfo",
    "normalize_crs",
    "geographic_crs",
    "gk_crs",
    "gk_info",
    "zone_of",
    "detect_survey_crs",
    "check_crs",
    "check_same_crs",
    "to_survey_crs",
    "layer_name",
]


class Datum(str, enum.Enum):
    """The geodetic datums of Chinese survey data."""

    CGCS2000 = "cgcs2000"
    XIAN1980 = "xian1980"
    BEIJING1954 = "beijing1954"

    @classmethod
    def create(cls, datum: "str | Datum") -> "Datum":
        """Return the datum named by ``datum``; the error lists the allowed names.

        >>> Datum.create("Xian 1980")
        <Datum.XIAN1980: 'xian1980'>
        """
        if isinstance(datum, Datum):
            return datum
        key = str(datum).lower().replace(" ", "").replace("_", "").replace("'", "")
        key = _DATUM_ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            allowed = ", ".join(d.value for d in cls)
            raise CRSError(f"unknown datum {datum!r}; use one of: {allowed}") from None


_DATUM_ALIASES = {
    "cgcs": "cgcs2000",
    "2000": "cgcs2000",
    "2000国家大地坐标系": "cgcs2000",
    "xian80": "xian1980",
    "xian": "xian1980",
    "1980西安坐标系": "xian1980",
    "西安80": "xian1980",
    "beijing54": "beijing1954",
    "1954北京坐标系": "beijing1954",
    "北京54": "beijing1954",
}

# EPSG codes of each datum: for each zone width the first code of the prefixed
# series (lowest zone) and of the CM series; and the datum's geographic CRS.
# 3-degree zones 25..45 (CM 75E..135E); 6-degree zones 13..23 (CM 75E..135E).
_EPSG: dict[Datum, dict[int, tuple[int, int]]] = {
    Datum.CGCS2000: {3: (4513, 4534), 6: (4491, 4502)},
    Datum.XIAN1980: {3: (2349, 2370), 6: (2327, 2338)},
    Datum.BEIJING1954: {3: (2401, 2422), 6: (21413, 21453)},
}
_GEOGRAPHIC = {Datum.CGCS2000: 4490, Datum.XIAN1980: 4610, Datum.BEIJING1954: 4214}
_FIRST_ZONE = {3: 25, 6: 13}
_ZONE_COUNT = {3: 21, 6: 11}
# (semi-major axis, inverse flattening) of each datum's ellipsoid; GRS 1980 differs
# from CGCS2000 by 1e-10 in 1/f, so .prj files that say GRS80 are taken as CGCS2000
_ELLIPSOIDS = {
    Datum.CGCS2000: (6378137.0, 298.257222101),
    Datum.XIAN1980: (6378140.0, 298.257),
    Datum.BEIJING1954: (6378245.0, 298.3),
}


def _datum_of(crs: Any) -> Datum | None:
    """The datum whose ellipsoid ``crs`` uses, by its parameters, or None."""
    if crs is None:
        return None
    ell = normalize_crs(crs).ellipsoid
    if ell is None:
        return None
    for datum, (a, rf) in _ELLIPSOIDS.items():
        if math.isclose(ell.semi_major_metre, a, abs_tol=1e-3) and math.isclose(
            ell.inverse_flattening, rf, abs_tol=1e-6
        ):
            return datum
    return None


@dataclasses.dataclass(frozen=True)
class GKInfo:
    """What a Gauss–Krüger CRS is: datum, zone width, zone, prefix, central meridian."""

    datum: Datum
    width: int
    zone: int
    prefix: bool
    central_meridian: float

    @property
    def false_easting(self) -> float:
        """False easting in metres (with the zone number in front when prefixed)."""
        return self.zone * 1_000_000 + 500_000.0 if self.prefix else 500_000.0

    def crs(self, *, prefix: bool | None = None) -> pyproj.CRS:
        """The EPSG CRS of this zone, optionally with the other prefix convention."""
        return gk_crs(self.zone, prefix=self.prefix if prefix is None else prefix,
                      datum=self.datum, width=self.width)


def normalize_crs(crs: Any) -> pyproj.CRS:
    """Return ``crs`` (EPSG code, string, WKT, dict or CRS) as a :class:`pyproj.CRS`.

    >>> normalize_crs(4526).name
    'CGCS2000 / 3-degree Gauss-Kruger zone 38'
    >>> normalize_crs("not a crs")
    Traceback (most recent call last):
    ...
    xigeo.errors.CRSError: cannot understand CRS 'not a crs': give an EPSG code such as 4526 or 'EPSG:4526', a WKT string or a pyproj.CRS
    """
    if crs is None:
        raise CRSError("no CRS given: give an EPSG code such as 4526 (CGCS2000 GK zone 38)")
    try:
        return pyproj.CRS.from_user_input(crs)
    except _PyprojCRSError:
        raise CRSError(
            f"cannot understand CRS {crs!r}: give an EPSG code such as 4526 or "
            "'EPSG:4526', a WKT string or a pyproj.CRS"
        ) from None


def geographic_crs(datum: "str | Datum" = Datum.CGCS2000) -> pyproj.CRS:
    """Return the geographic (latitude/longitude) CRS of a datum.

    >>> geographic_crs().to_epsg(), geographic_crs("xian1980").to_epsg(), geographic_crs("北京54").to_epsg()
    (4490, 4610, 4214)
    """
    return pyproj.CRS.from_epsg(_GEOGRAPHIC[Datum.create(datum)])


def gk_crs(zone: int, *, prefix: bool = True, datum: "str | Datum" = Datum.CGCS2000,
           width: int = 3) -> pyproj.CRS:
    """Return the EPSG Gauss–Krüger CRS of a zone.

    Parameters
    ----------
    zone : int
        Zone number: 25–45 for 3-degree zones, 13–23 for 6-degree zones.
    prefix : bool
        True for eastings with the zone number in front (EPSG:4526 for zone 38).
    datum : str or Datum
        ``"cgcs2000"`` (default), ``"xian1980"`` or ``"beijing1954"``.
    width : int
        Zone width in degrees, 3 (default) or 6.

    >>> gk_crs(38, datum="beijing1954", prefix=False).name
    'Beijing 1954 / 3-degree Gauss-Kruger CM 114E'
    """
    datum = Datum.create(datum)
    if width not in (3, 6):
        raise CRSError(f"zone width {width!r} is not used in China; use 3 or 6")
    first = _FIRST_ZONE[width]
    if not first <= zone < first + _ZONE_COUNT[width]:
        raise CRSError(
            f"{width}-degree zone {zone} is outside China; use zones "
            f"{first}–{first + _ZONE_COUNT[width] - 1} (Xi County: 3-degree zone 38)"
        )
    base = _EPSG[datum][width][0 if prefix else 1]
    return pyproj.CRS.from_epsg(base + zone - first)


def gk_info(crs: Any) -> GKInfo | None:
    """Describe a Chinese Gauss–Krüger CRS, or return None for any other CRS.

    Works on EPSG codes and on CRSs read from .prj files with no code, by
    looking at the projection: transverse Mercator, scale factor 1, a central
    meridian on a 3° or 6° zone, false easting 500 000 with or without the zone.

    >>> gk_info(4490) is None
    True
    >>> gk_info(2362).datum
    <Datum.XIAN1980: 'xian1980'>
    """
    crs = normalize_crs(crs)
    if not crs.is_projected or crs.coordinate_operation is None:
        return None
    op = crs.coordinate_operation
    if "transverse mercator" not in op.method_name.lower():
        return None
    params = {p.name.lower(): p.value for p in op.params}
    k = params.get("scale factor at natural origin", 1.0)
    lon0 = params.get("longitude of natural origin")
    fe = params.get("false easting", 0.0)
    if lon0 is None or not math.isclose(k, 1.0) or params.get("false northing", 0.0) != 0.0:
        return None
    datum = _datum_of(crs)
    if datum is None:
        return None
    # 3° and 6° zones share some meridians (117°E is 3° zone 39 and 6° zone 20):
    # with a prefix the false easting tells them apart; without one, 3° is assumed
    for width in (3, 6):
        zone = round(lon0 / 3) if width == 3 else round((lon0 + 3) / 6)
        cm = zone * 3.0 if width == 3 else zone * 6.0 - 3.0
        if not math.isclose(cm, lon0):
            continue
        if math.isclose(fe, zone * 1_000_000 + 500_000):
            return GKInfo(datum, width, zone, True, cm)
    if math.isclose(fe, 500_000.0):
        width = 3 if math.isclose(lon0 % 3, 0.0) else 6
        zone = round(lon0 / 3) if width == 3 else round((lon0 + 3) / 6)
        return GKInfo(datum, width, zone, False, float(lon0))
    return None


def zone_of(longitude: float, *, width: int = 3) -> int:
    """Zone number for a longitude in degrees.

    >>> zone_of(114.6), zone_of(114.6, width=6)
    (38, 20)
    """
    if width == 3:
        return int(math.floor(longitude / 3.0 + 0.5))
    if width == 6:
        return int(math.floor(longitude / 6.0)) + 1
    raise CRSError(f"zone width {width!r} is not used in China; use 3 or 6")




def _bounds(data: Any) -> np.ndarray:
    """Total bounds (minx, miny, maxx, maxy) of a GeoDataFrame/GeoSeries, ignoring empties."""
    geoms = getattr(data, "geometry", data)
    arr = np.asarray(geoms.values if hasattr(geoms, "values") else geoms, dtype=object)
    import shapely

    b = shapely.bounds(arr)
    if b.size == 0 or np.all(np.isnan(b)):
        return np.full(4, np.nan)
    return np.array([np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]), np.nanmax(b[:, 3])])


def _looks_prefixed(x: float) -> bool:
    return 13_000_000 <= x < 46_000_000


def detect_survey_crs(data: Any, *, prefix: bool | None = None, datum: "str | Datum | None" = None,
                      width: int = 3, zone: int | None = None) -> pyproj.CRS:
    """Return the Gauss–Krüger CRS a layer's coordinates are in, from the coordinates.

    Eastings with an 8-digit zone prefix give the zone directly. Degrees give
    the zone from the mean longitude. Plain 6-digit eastings cannot tell the
    zone: it comes from ``zone``, else from the layer's CRS, else zone 38
    is refused with a message asking for ``zone=``.

    Parameters
    ----------
    data : GeoDataFrame or GeoSeries
    prefix : bool, optional
        Convention of the returned CRS; default: what the coordinates use
        (prefixed for degrees).
    datum : str or Datum, optional
        Default: the datum of the layer's CRS, else CGCS2000.
    width : int
        Zone width, 3 (default) or 6, used when the coordinates are degrees.
    zone : int, optional
        Zone of unprefixed eastings.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> s = gpd.GeoSeries([Point(38_456_789.0, 3_580_000.0)])
    >>> detect_survey_crs(s).to_epsg(), detect_survey_crs(s, prefix=False).to_epsg()
    (4526, 4547)
    >>> detect_survey_crs(gpd.GeoSeries([Point(114.6, 32.4)])).to_epsg()
    4526
    """
    current = getattr(data, "crs", None)
    info = gk_info(current) if current is not None else None
    if datum is None:
        datum = info.datum if info else _datum_of(current) or Datum.CGCS2000
    datum = Datum.create(datum)
    minx, miny, maxx, maxy = _bounds(data)
    if np.isnan(minx):
        raise CRSError(f"{layer_name(data)} has no coordinates to detect a CRS from")
    if _looks_prefixed(minx) and _looks_prefixed(maxx):
        zone_found = int(minx // 1_000_000)
        if int(maxx // 1_000_000) != zone_found:
            raise CRSError(f"{layer_name(data)} mixes eastings of zones {zone_found} and "
                           f"{int(maxx // 1_000_000)}: split it by zone first")
        if _looks_prefixed(miny):
            raise CRSError(f"{layer_name(data)}: both X and Y look like prefixed eastings")
        w = 3 if zone_found >= 25 else 6
        return gk_crs(zone_found, prefix=True if prefix is None else prefix, datum=datum, width=w)
    if _looks_prefixed(miny) and 1_000_000 < minx < 10_000_000:
        raise CRSError(
            f"{layer_name(data)}: X holds northings ({minx:,.0f}…) and Y prefixed eastings "
            f"({miny:,.0f}…): the axes are swapped (exchange files list northing first); "
            "swap them with gdf.geometry.transform(lambda xy: xy[:, ::-1])"
        )
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        lon = (minx + maxx) / 2
        w = width
        return gk_crs(zone_of(lon, width=w), prefix=True if prefix is None else prefix,
                      datum=datum, width=w)
    if 0 < minx and maxx < 1_000_000 and 0 < miny < 10_000_000:
        z = zone if zone is not None else (info.zone if info else None)
        w = info.width if info and zone is None else width
        if z is None:
            raise CRSError(
                f"{layer_name(data)} has eastings without a zone prefix "
                f"({minx:,.0f}–{maxx:,.0f}), which do not tell the zone: pass zone= "
                "(Xi County: zone=38, giving EPSG:4547)"
            )
        return gk_crs(z, prefix=False if prefix is None else prefix, datum=datum, width=w)
    raise CRSError(
        f"{layer_name(data)}: coordinates ({minx:,.2f}, {miny:,.2f}) – ({maxx:,.2f}, {maxy:,.2f}) "
        "are neither degrees nor Gauss–Krüger metres of a zone in China"
    )


def _describe(crs: pyproj.CRS | None) -> str:
    if crs is None:
        return "no CRS"
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def _suggest(data: Any) -> str:
    try:
        found = detect_survey_crs(data)
    except CRSError:
        return ""
    return f" The coordinates look like {_describe(found)}."


def check_crs(data: Any, *, name: str | None = None, projected: bool = False) -> pyproj.CRS:
    """Guard a layer before any figure is computed from it; return its CRS.

    Raises :class:`~xigeo.errors.CRSError`, naming what was found and the fix, when
    the layer has no CRS; when ``projected`` is asked and the CRS is
    geographic; when the eastings carry a zone prefix the CRS does not have
    (or lack one it has); and when the coordinates fall outside the CRS's
    area of use (X and Y swapped, metres read as degrees, wrong zone).

    Parameters
    ----------
    data : GeoDataFrame or GeoSeries
    name : str, optional
        Layer name for messages; default: the file it was read from.
    projected : bool
        Require a projected CRS in metres.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> check_crs(gpd.GeoSeries([Point(38_456_789.0, 3_580_000.0)], crs=4526)).to_epsg()
    4526
    >>> check_crs(gpd.GeoSeries([Point(38_456_789.0, 3_580_000.0)], crs=4547), name="parcels")
    Traceback (most recent call last):
    ...
    xigeo.errors.CRSError: parcels: eastings carry the zone prefix 38 (38,456,789) but the CRS EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E) has none. Fix: gdf.set_crs(4526, allow_override=True)
    """
    label = layer_name(data, name)
    crs = getattr(data, "crs", None)
    if crs is None:
        raise CRSError(
            f"{label} has no CRS (a missing or unreadable .prj).{_suggest(data)} "
            "Fix: gdf.set_crs(EPSG code) with the code the data was made in, e.g. "
            "4526 for CGCS2000 GK zone 38 with prefix"
        )
    crs = normalize_crs(crs)
    minx, miny, maxx, maxy = _bounds(data)
    if projected and not crs.is_projected:
        fix = _suggest(data).replace(" The coordinates look like", "")
        target = fix.strip().rstrip(".") or "EPSG:4526"
        raise CRSError(
            f"{label} is in the geographic CRS {_describe(crs)}, but this measurement needs "
            f"metres. Fix: gdf.to_crs(...) to the Gauss–Krüger zone of the data, here "
            f"{target}"
        )
    if np.isnan(minx):
        return crs
    if crs.is_geographic:
        if -90 <= minx and maxx <= 90 and 90 < maxy <= 180 and miny >= -180:
            raise CRSError(
                f"{label}: x runs {minx:.4f}–{maxx:.4f} and y {miny:.4f}–{maxy:.4f}: latitude "
                "and longitude are swapped (x must be the longitude). Fix: swap them with "
                "gdf.geometry.transform(lambda xy: xy[:, ::-1])"
            )
        if not (-180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90):
            try:
                fix = f"gdf.set_crs({detect_survey_crs(data).to_epsg()}, allow_override=True)"
            except CRSError:
                fix = "gdf.set_crs(<the code the data was made in>, allow_override=True)"
            raise CRSError(
                f"{label}: coordinates ({minx:,.0f}, {miny:,.0f}) are metres, not degrees, "
                f"but the CRS is geographic {_describe(crs)}.{_suggest(data)} Fix: {fix}"
            )
    info = gk_info(crs)
    if info is not None:
        prefixed = _looks_prefixed(minx)
        if prefixed and not info.prefix:
            zone = int(minx // 1_000_000)
            prefixed_crs = gk_crs(zone, prefix=True, datum=info.datum, width=3 if zone >= 25 else 6)
            raise CRSError(
                f"{label}: eastings carry the zone prefix {zone} ({minx:,.0f}) but the CRS "
                f"{_describe(crs)} has none. Fix: "
                f"gdf.set_crs({prefixed_crs.to_epsg()}, allow_override=True)"
            )
        if info.prefix and 0 < minx < 1_000_000 and 0 < maxx < 1_000_000 and miny > 1_000_000:
            plain_crs = info.crs(prefix=False)
            raise CRSError(
                f"{label}: eastings ({minx:,.0f}) have no zone prefix but the CRS "
                f"{_describe(crs)} expects {info.zone}xxxxxx. Fix: "
                f"gdf.set_crs({plain_crs.to_epsg()}, allow_override=True)"
            )
    _check_area_of_use(crs, (minx, miny, maxx, maxy), label, data)
    return crs


def _check_area_of_use(crs: pyproj.CRS, bounds: tuple[float, ...], label: str, data: Any) -> None:
    aou = crs.area_of_use
    if aou is None:
        return
    minx, miny, maxx, maxy = bounds
    # 1° of slack: survey data near a zone edge legitimately runs a little past it
    slack = 1.0
    west, south, east, north = aou.west - slack, aou.south - slack, aou.east + slack, aou.north + slack
    if crs.is_geographic:
        lon = np.array([minx, maxx])
        lat = np.array([miny, maxy])
    else:
        to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        xs = np.array([minx, maxx, minx, maxx])
        ys = np.array([miny, miny, maxy, maxy])
        with np.errstate(all="ignore"):
            lon, lat = to_geo.transform(xs, ys)
    ok = np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))
    ok = ok and west <= np.min(lon) and np.max(lon) <= east and south <= np.min(lat) and np.max(lat) <= north
    if ok:
        return
    hint = ""
    if crs.is_projected and _looks_prefixed(miny) and 1_000_000 < minx < 10_000_000:
        hint = (" X holds northings and Y eastings: the axes are swapped (exchange files list "
                "northing first). Fix: swap them with gdf.geometry.transform(lambda xy: xy[:, ::-1])")
    else:
        hint = _suggest(data)
    raise CRSError(
        f"{label}: coordinates ({minx:,.2f}, {miny:,.2f}) – ({maxx:,.2f}, {maxy:,.2f}) lie outside "
        f"the area of use of {_describe(crs)} ({aou.west}–{aou.east}°E, {aou.south}–{aou.north}°N)."
        f"{hint}"
    )


def check_same_crs(*layers: Any, names: tuple[str, ...] | None = None) -> pyproj.CRS:
    """Refuse layers in different CRSs in one operation; return the common CRS.

    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> a = gpd.GeoSeries([Point(38_456_789, 3_580_000)], crs=4526)
    >>> b = gpd.GeoSeries([Point(456_789, 3_580_000)], crs=4547)
    >>> check_same_crs(a, b, names=("parcels", "farmland"))
    Traceback (most recent call last):
    ...
    xigeo.errors.CRSError: parcels is in EPSG:4526 (CGCS2000 / 3-degree Gauss-Kruger zone 38) but farmland is in EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E). Fix: farmland.to_crs(parcels.crs) (or xigeo.to_survey_crs on both)
    """
    if not layers:
        raise CRSError("no layers given")
    labels = names or tuple(layer_name(layer) for layer in layers)
    first = getattr(layers[0], "crs", None)
    for layer, label in zip(layers[1:], labels[1:]):
        other = getattr(layer, "crs", None)
        if first is None or other is None:
            missing = labels[0] if first is None else label
            raise CRSError(f"{missing} has no CRS. Fix: gdf.set_crs(EPSG code), e.g. 4526")
        if not normalize_crs(first).equals(normalize_crs(other)):
            datum_a, datum_b = _datum_of(first), _datum_of(other)
            if datum_a is not None and datum_b is not None and datum_a is not datum_b:
                raise CRSError(
                    f"{labels[0]} is in {_describe(normalize_crs(first))} but {label} is in "
                    f"{_describe(normalize_crs(other))}: different datums "
                    f"({datum_a.value} and {datum_b.value}). A datum change needs the "
                    "province's transformation parameters; to_crs without them is off by tens "
                    "of metres. Fix: convert one layer with the official parameters first: "
                    + _fix("xigeo.transform(layer, xigeo.read_params('参数.toml'), to=...)",
                           "xigeo transform LAYER --params 参数.toml --to EPSG")
                    + " (parameters from common points: "
                    + _fix("xigeo.fit_transform(source_points, target_points)",
                           "xigeo fit-transform 公共点.csv -o 参数.toml")
                    + ")"
                )
            raise CRSError(
                f"{labels[0]} is in {_describe(normalize_crs(first))} but {label} is in "
                f"{_describe(normalize_crs(other))}. Fix: {label}.to_crs({labels[0]}.crs) "
                "(or xigeo.to_survey_crs on both)"
            )
    return normalize_crs(first)


def to_survey_crs(data: Any, *, zone: int | None = None, prefix: bool = True,
                  width: int = 3) -> Any:
    """Reproject a layer to the Gauss–Krüger zone of its own datum, keeping survey conventions.

    The datum is never changed (CGCS2000 stays CGCS2000, Xi'an 1980 stays
    Xi'an 1980): a datum change needs the province's seven-parameter
    transformation, which a reprojection cannot guess. The zone is the
    3-degree zone of the layer's centre unless ``zone`` is given. Easting
    and northing are rounded to 0.1 mm as survey tables store them.

    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> g = to_survey_crs(gpd.GeoSeries([Point(114.0, 32.0)], crs=4490))
    >>> g.crs.to_epsg(), float(round(g.x[0], 4))
    (4526, 38500000.0)
    """
    import geopandas as gpd
    import shapely

    crs = check_crs(data)
    datum = _datum_of(crs) or Datum.CGCS2000
    if zone is None:
        minx, miny, maxx, maxy = _bounds(data)
        if crs.is_geographic:
            lon = (minx + maxx) / 2
        else:
            to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
            lon, _ = to_geo.transform(float(minx + maxx) / 2, float(miny + maxy) / 2)
        zone = zone_of(lon, width=width)
    target = gk_crs(zone, prefix=prefix, datum=datum, width=width)
    out = data.to_crs(target)
    geoms = shapely.set_precision(np.asarray(out.geometry.values, dtype=object), 1e-4,
                                  mode="pointwise")
    if hasattr(out, "set_geometry"):
        return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=target),
                                crs=target)
    return gpd.GeoSeries(geoms, index=out.index, crs=target, name=out.name)
