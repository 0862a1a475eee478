"""Geometry helpers of the sample-data generator: measuring, fitting areas, shapes.

Every area the generator aims at is measured with :func:`measure`, the
survey ellipsoidal area of :mod:`xigeo.area` (survey rules on), so the
totals written into the sample data are the totals xigeo itself computes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

logger = logging.getLogger(__name__)

#: The CRS of every sample layer: CGCS2000 3-degree GK zone 38, zone prefix.
EPSG = 4526
#: Coordinates are written to the millimetre.
GRID = 0.001

MU_M2 = 10000.0 / 15.0
HA_M2 = 10000.0


def measure(geoms: BaseGeometry | Sequence[BaseGeometry] | np.ndarray) -> Any:
    """Survey ellipsoidal area in m² of one geometry or an array of them (EPSG:4526)."""
    import geopandas as gpd

    from ..area import area

    single = isinstance(geoms, BaseGeometry)
    arr = [geoms] if single else list(geoms)
    values = area(gpd.GeoSeries(arr, crs=EPSG), method="ellipsoidal", unit="m2").to_numpy(dtype=float)
    return float(values[0]) if single else values


def snap(geom: BaseGeometry) -> BaseGeometry:
    """Round coordinates to the millimetre grid (keeps the geometry valid); rings as shapefiles store them.

    Outer rings run clockwise, holes counter-clockwise, so the geometry
    measured here is vertex for vertex the geometry written and read back.
    """
    return shapely.orient_polygons(shapely.set_precision(geom, GRID), exterior_cw=True)


def fit_areas(geoms: Sequence[BaseGeometry] | np.ndarray, targets_m2: Sequence[float] | np.ndarray, *,
              origins: Sequence[Point] | None = None, tolerance_m2: float = 0.02,
              max_iter: int = 12) -> list[BaseGeometry]:
    """Scale each geometry about its origin (centroid) until its measured area is its target.

    Geometries are snapped to the millimetre grid on every step, so each
    returned geometry's :func:`measure` is within about ``tolerance_m2`` of
    its target (the grid may not allow better; the best step is kept). All
    geometries are measured together, one call per iteration.
    """
    geoms = list(geoms)
    targets = np.asarray(targets_m2, dtype=float)
    origins = list(origins) if origins is not None else [g.centroid for g in geoms]
    scale = np.sqrt(targets / np.asarray(measure(geoms)))
    best = list(geoms)
    best_err = np.full(len(geoms), np.inf)
    todo = np.arange(len(geoms))
    for _ in range(max_iter):
        cand = [snap(affinity.scale(geoms[i], scale[i], scale[i], origin=origins[i])) for i in todo]
        a = np.asarray(measure(cand))
        err = a - targets[todo]
        for j, i in enumerate(todo):
            if abs(err[j]) < abs(best_err[i]):
                best[i], best_err[i] = cand[j], err[j]
        scale[todo] *= np.sqrt(targets[todo] / a)
        todo = todo[np.abs(err) > tolerance_m2]
        if todo.size == 0:
            break
    return best


def fit_area(geom: BaseGeometry, target_m2: float, *, origin: Point | None = None) -> BaseGeometry:
    """:func:`fit_areas` for one geometry.

    >>> from shapely.geometry import box
    >>> square = box(38569000, 3579000, 38569100, 3579100)  # 100 m × 100 m near the seat
    >>> round(measure(square), 2)  # ellipsoidal: ~1.2 m² per ha below the plane area
    9998.82
    >>> round(measure(fit_area(square, 20000.0)), 1)
    20000.0
    """
    return fit_areas([geom], [target_m2], origins=None if origin is None else [origin])[0]


def split_total(total: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split an integer total into parts proportional to ``weights`` (largest remainder).

    >>> split_total(100, [1, 1, 1]).tolist()
    [34, 33, 33]
    """
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


def blob(rng: np.random.Generator, x: float, y: float, area_m2: float, *, n: int = 28,
         rough: float = 0.18, elong: float = 1.0) -> Polygon:
    """An irregular star-shaped polygon of about ``area_m2`` (planar) centred on x, y."""
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 6):
        r += rng.uniform(0, rough / (k - 1)) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r *= rng.uniform(0.96, 1.04, n)
    px, py = r * np.cos(theta) * elong, r * np.sin(theta) / elong
    poly = Polygon(np.column_stack([px, py]))
    poly = affinity.rotate(poly, rng.uniform(0, 180), origin=(0, 0))
    factor = math.sqrt(area_m2 / poly.area)
    poly = affinity.scale(poly, factor, factor, origin=(0, 0))
    return snap(affinity.translate(poly, x, y)).buffer(0)


def quad(rng: np.random.Generator, x: float, y: float, area_m2: float, *, aspect: float = 1.5,
         angle: float = 0.0, jitter: float = 0.06) -> Polygon:
    """A slightly irregular rotated rectangle of about ``area_m2`` centred on x, y."""
    w = math.sqrt(area_m2 * aspect)
    h = area_m2 / w
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    pts += rng.uniform(-jitter, jitter, pts.shape) * np.array([w, h])
    poly = affinity.rotate(Polygon(pts), angle, origin=(0, 0))
    return snap(affinity.translate(poly, x, y))


def explode_polygons(geoms: Sequence[BaseGeometry] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygon parts of ``geoms`` and the index of the geometry each came from."""
    arr = np.asarray(geoms, dtype=object)
    parts, idx = shapely.get_parts(arr, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    return parts[keep], idx[keep]
