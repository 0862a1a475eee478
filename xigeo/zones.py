"""Zone change (换带) between Gauss–Krüger zones, and adding or removing the zone prefix.

Survey data near a zone edge, or data of a neighbouring county, has to be
moved into the zone of the project: 3° zone 38 → 39, or a 6° zone → 3°. The
change goes through geodetic coordinates B, L on the layer's own ellipsoid
(inverse Gauss–Krüger in the old zone, forward in the new; pyproj, no datum
change), and the result is rounded to 0.1 mm as :func:`xigeo.to_survey_crs`
rounds survey coordinates (the 三调 rules keep GK x, y to 4 decimals). The
zone prefix follows the zone: the new CRS is the EPSG code of the new zone
with or without the prefix (:func:`xigeo.gk_crs`).

Adding or removing the prefix alone (38 456 789.01 ↔ 456 789.01, EPSG:4526 ↔
EPSG:4547) is a pure false-easting change: ``zone × 10⁶`` is added to or
subtracted from every easting, exactly, and nothing else moves.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point
>>> pts = gpd.GeoSeries([Point(38_456_789.01, 3_580_000.0)], crs=4526)
>>> plain = change_zone(pts, prefix=False)
>>> plain.crs.to_epsg(), float(plain.x[0])
(4547, 456789.01)
>>> east = gpd.GeoSeries([Point(38_620_000.0, 3_580_000.0)], crs=4526)   # 115.27°E, by zone 39
>>> z39 = change_zone(east, zone=39)
>>> z39.crs.to_epsg(), z39.crs.name
(4527, 'CGCS2000 / 3-degree Gauss-Kruger zone 39')
>>> back = change_zone(z39, zone=38)
>>> float(back.x[0]), float(back.y[0])
(38620000.0, 3580000.0)
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from ._lang import msg
from ._layers import layer_name
from .errors import CRSError, OptionError, fix

logger = logging.getLogger(__name__)

__all__ = ["change_zone"]


def _zone_of_meridian(central_meridian: float, width: int) -> int:
    cm = float(central_meridian)
    zone = cm / 3 if width == 3 else (cm + 3) / 6
    if not math.isfinite(zone) or not float(zone).is_integer():
        allowed = (msg("3 的倍数（75–135）", "a multiple of 3 (75–135)") if width == 3
                   else msg("3 加 6 的倍数（75–135）", "3 + a multiple of 6 (75–135)"))
        raise OptionError(msg(f"central_meridian={central_meridian!r} 不是 {width}° 带的中央经线；"
                              f"请给出 {allowed}，如 117 即 3° 带第 39 带",
                              f"central_meridian={central_meridian!r} is not the central meridian of a "
                              f"{width}° zone; give {allowed}, e.g. 117 for 3° zone 39"))
    return int(zone)


def change_zone(layer: Any, zone: int | None = None, *, central_meridian: float | None = None,
                prefix: bool | None = None, width: int = 3) -> Any:
    """Move a layer to another Gauss–Krüger zone, or add or remove the zone prefix.

    Parameters
    ----------
    layer : GeoDataFrame or GeoSeries
        In a Gauss–Krüger CRS of CGCS2000, Xi'an 1980 or Beijing 1954 (or
        geographic degrees of one of them).
    zone : int, optional
        The new zone (3° zones 25–45, 6° zones 13–23); or give
        ``central_meridian``. Neither: the layer's own zone (a prefix change).
    central_meridian : float, optional
        The new zone's central meridian in degrees (117 → 3° zone 39).
    prefix : bool, optional
        Eastings with the zone number in front; default: as the layer has them
        (with the prefix for geographic input).
    width : {3, 6}
        The new zone's width in degrees (default 3).

    Returns
    -------
    GeoDataFrame or GeoSeries
        A new layer in the EPSG CRS of the new zone and datum.

    Raises
    ------
    CRSError
        The layer is not Gauss–Krüger (or geographic) on a Chinese datum, or
        the zone is outside China.
    OptionError
        Both ``zone`` and ``central_meridian``, one that is not a zone's
        meridian, or a width other than 3 or 6.
    """
    import shapely

    from .crs import _datum_of, _describe, check_crs, gk_crs, gk_info, to_survey_crs

    if width not in (3, 6):
        raise OptionError(msg(f"width={width!r} 不可用；可选：3, 6",
                              f"width={width!r} is not allowed; use one of: 3, 6"))
    if zone is not None and central_meridian is not None:
        raise OptionError(msg("zone= 和 central_meridian= 只能给一个", "give zone= or central_meridian=, not both"))
    label = layer_name(layer)
    crs = check_crs(layer, name=label)
    info = gk_info(crs)
    datum = info.datum if info is not None else _datum_of(crs)
    if datum is None or (info is None and not crs.is_geographic):
        how = fix("xigeo.to_survey_crs(gdf)",
                  msg("若 .prj 错了，用 --crs EPSG:...", "--crs EPSG:... if the .prj is wrong"))
        raise CRSError(msg(f"{label} 是 {_describe(crs)}，不是 2000国家大地坐标系、1980西安坐标系或"
                           f"1954北京坐标系的高斯–克吕格投影带。修正：{how}",
                           f"{label} is in {_describe(crs)}, not a Gauss–Krüger zone of CGCS2000, "
                           f"Xi'an 1980 or Beijing 1954. Fix: {how}"))
    if central_meridian is not None:
        zone = _zone_of_meridian(central_meridian, width)
    if prefix is None:
        prefix = info.prefix if info is not None else True
    if zone is None:
        if info is None:
            how = fix(msg("zone=38 或 central_meridian=114", "zone=38 or central_meridian=114"), "--zone 38")
            raise OptionError(msg(f"{label} 是地理坐标系：请指明投影带。修正：{how}",
                                  f"{label} is geographic: say which zone. Fix: {how}"))
        zone, width = info.zone, info.width
    target = gk_crs(zone, prefix=prefix, datum=datum, width=width)
    if info is not None and info.zone == zone and info.width == width:
        # the same zone: only the false easting changes (or nothing)
        shift = (info.zone * 1_000_000 if prefix else 0) - (info.zone * 1_000_000 if info.prefix else 0)
        geoms = np.asarray(getattr(layer, "geometry", layer).values, dtype=object)
        if shift:
            geoms = shapely.transform(geoms, lambda xy: xy + np.array([float(shift), 0.0]))
        out = _with_geometry(layer, geoms, target)
    else:
        out = to_survey_crs(layer, zone=zone, prefix=prefix, width=width)
    logger.debug("change_zone(%s): %s → %s", label, _describe(crs), _describe(target))
    return out


def _with_geometry(layer: Any, geoms: np.ndarray, crs: Any) -> Any:
    import geopandas as gpd

    series = gpd.GeoSeries(geoms, index=layer.index, crs=crs)
    if hasattr(layer, "set_geometry"):
        return layer.copy().set_geometry(series.rename(layer.geometry.name), crs=crs)
    return series.rename(getattr(layer, "name", None))
