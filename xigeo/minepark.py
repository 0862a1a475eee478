"""Mine park and quarry restoration (矿山公园, 矿山地质环境恢复治理): areas, relief and slope.

:func:`minepark_summary` takes the park outline, the closed pits and the
restoration (治理) zone, plus a DEM, and returns one row per pit — area,
elevation range and relief, mean and maximum slope, area in each survey
slope grade, and the area steeper than 25° that still needs slope treatment
(削坡/边坡治理), split into the part inside the restoration zone and the part
outside it — and a :class:`MineparkSummary` with the park's totals.

All areas are survey ellipsoidal areas (:func:`xigeo.area.area`); the slope
areas weight partial cells by coverage (see :mod:`xigeo.terrain`).

Examples
--------
>>> from xigeo import sample
>>> table, summary = minepark_summary(sample.load("minepark"), sample.load("minepark_pits"),
...                                   sample.load("minepark_restoration"), dem=sample.path("minepark_dem"))
>>> round(summary.park_area_km2, 2), summary.pit_count, round(summary.restoration_area_km2, 3)
(2.28, 9, 0.251)
>>> bool((table["slope_max_deg"] > 25).all())
True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ._tables import TOTAL_LABEL, check_labels, relabel, require_fields
from .area import area
from .crs import check_same_crs, layer_name
from .errors import ValidationError, format_ids
from .terrain import (
    _check_dem_crs,
    _check_layer_on_dem,
    _check_polygons,
    _index,
    _polygonal,
    _zonal,
    grade_columns,
    grade_labels_zh,
    read_dem,
    slope,
)
from .units import AreaUnit

__all__ = ["minepark_summary", "MineparkSummary", "STEEP_DEG"]

logger = logging.getLogger(__name__)

#: slopes steeper than this (degrees, survey grade 5) need slope treatment
STEEP_DEG = 25.0

_HA = AreaUnit.HA

_ZH_COLUMNS = {
    "area_ha": "面积(公顷)",
    "restoration_area_ha": "治理区内面积(公顷)",
    "restoration_share_pct": "治理区内占比(%)",
    "elev_min_m": "最低高程(米)",
    "elev_max_m": "最高高程(米)",
    "elev_mean_m": "平均高程(米)",
    "relief_m": "高差(米)",
    "slope_mean_deg": "平均坡度(度)",
    "slope_max_deg": "最大坡度(度)",
    "nodata_area_ha": "无高程数据面积(公顷)",
    "steep_area_ha": "坡度>25°待治理面积(公顷)",
    "steep_in_restoration_area_ha": "其中治理区内(公顷)",
    "steep_outside_restoration_area_ha": "其中治理区外(公顷)",
    **grade_labels_zh(_HA),
}

_ZH_SUMMARY = {
    "park_area_km2": "矿山公园面积(平方公里)",
    "restoration_area_km2": "治理区面积(平方公里)",
    "investment_wan_yuan": "治理投资(万元)",
    "pit_count": "矿坑个数",
    "pits_in_restoration": "治理区内矿坑个数",
    "pit_area_ha": "矿坑面积(公顷)",
    "pit_area_in_restoration_ha": "治理区内矿坑面积(公顷)",
    "park_elev_min_m": "公园最低高程(米)",
    "park_elev_max_m": "公园最高高程(米)",
    "park_relief_m": "公园高差(米)",
    "pit_elev_min_m": "矿坑最低高程(米)",
    "pit_elev_max_m": "矿坑最高高程(米)",
    "pit_relief_m": "矿坑高差(米)",
    "pit_slope_max_deg": "矿坑最大坡度(度)",
    "steep_area_ha": "坡度>25°待治理面积(公顷)",
    "steep_in_restoration_area_ha": "其中治理区内(公顷)",
    "steep_outside_restoration_area_ha": "其中治理区外(公顷)",
}


@dataclass(frozen=True)
class MineparkSummary:
    """Park totals of :func:`minepark_summary` (areas ellipsoidal; elevations from the DEM)."""

    park_area_km2: float
    restoration_area_km2: float
    investment_wan_yuan: float | None
    pit_count: int
    pits_in_restoration: int
    pit_area_ha: float
    pit_area_in_restoration_ha: float
    park_elev_min_m: float
    park_elev_max_m: float
    park_relief_m: float
    pit_elev_min_m: float
    pit_elev_max_m: float
    pit_relief_m: float
    pit_slope_max_deg: float
    steep_area_ha: float
    steep_in_restoration_area_ha: float
    steep_outside_restoration_area_ha: float

    def to_series(self, *, labels: str = "en") -> pd.Series:
        """The totals as a Series (English field names, or Chinese report labels)."""
        values = asdict(self)
        series = pd.Series(values, dtype=object, name="value")
        if check_labels(labels) == "zh":
            series = series.rename(index=_ZH_SUMMARY)
            series.name = "数值"
        return series


def minepark_summary(park: Any, pits: Any, restoration: Any, *, dem: Any, id_field: str = "KSBH",
                     fields: Sequence[str] = (), total: bool = False,
                     labels: str = "en") -> tuple[pd.DataFrame, MineparkSummary]:
    """Areas, relief and slope of a mine park's pits, and the steep slopes left to treat.

    Parameters
    ----------
    park : GeoDataFrame
        The park outline (one or more polygons, taken together).
    pits : GeoDataFrame
        The closed pits (采石坑), one polygon per pit, with the id field.
    restoration : GeoDataFrame
        The restoration project zone(s) (治理区), taken together.
    dem : path, rasterio dataset or Raster
        Elevations in metres covering the park, in the layers' CRS.
    id_field : str
        Pit id field (unique), the table's index; default ``KSBH``.
    fields : sequence of str
        Pit attributes to carry into the table (e.g. ``("KSMC", "ZLZT")``).
    total : bool
        Append a 合计 row: areas summed, elevation and slope figures over all pits.
    labels : {"en", "zh"}
        Column names with units, or Chinese report headers.

    Returns
    -------
    table : DataFrame
        Indexed by pit id: ``area_ha``; ``restoration_area_ha`` and
        ``restoration_share_pct`` (the part of the pit inside the restoration
        zone); ``elev_min_m``, ``elev_max_m``, ``elev_mean_m`` (coverage-weighted),
        ``relief_m`` = max − min; ``slope_mean_deg``, ``slope_max_deg``;
        ``grade1_area_ha`` … ``grade5_area_ha`` (survey slope grades);
        ``nodata_area_ha``; ``steep_area_ha`` (> 25°, needs slope treatment)
        = ``steep_in_restoration_area_ha`` + ``steep_outside_restoration_area_ha``.
    summary : MineparkSummary
        Park, restoration and pit totals; ``summary.to_series(labels="zh")``
        for a report.

    Raises
    ------
    CRSError
        A layer without CRS or in degrees, layers in different CRSs, or a DEM
        in another CRS than the layers (the message names both).
    SchemaError, ValidationError
        The id field is missing, empty or repeated; geometries are not
        valid polygons.
    """
    labels = check_labels(labels)
    names = (_name(park, "park"), _name(pits, "pits"), _name(restoration, "restoration"))
    raster = read_dem(dem)
    _check_dem_crs(raster)
    crs = check_same_crs(park, pits, restoration, names=names)
    for layer, name in zip((park, pits, restoration), names):
        _check_layer_on_dem(layer, raster, name)
    index = _index(pits, id_field, names[1])
    require_fields(pits, list(fields), name=names[1])
    if len(pits) == 0:
        raise ValidationError(f"{names[1]} has no pits")
    park_geoms = _check_polygons(park, names[0])
    pit_geoms = _check_polygons(pits, names[1])
    rest_geoms = _check_polygons(restoration, names[2])

    park_area = float(area(park, method="ellipsoidal", unit="km2").sum())
    rest_area = float(area(restoration, method="ellipsoidal", unit="km2").sum())
    park_union = shapely.union_all(park_geoms)
    rest_union = shapely.union_all(rest_geoms)
    outside = ~shapely.covered_by(pit_geoms, park_union.buffer(0.5)) & ~shapely.is_missing(pit_geoms)
    if outside.any():
        logger.warning("%s: pit(s) %s reach outside the park %s", names[1],
                       format_ids(list(index[outside])), names[0])

    slope_deg = slope(raster)
    inside = _polygonal(shapely.intersection(pit_geoms, rest_union))
    all_pits = shapely.union_all(pit_geoms)
    zones = np.concatenate([pit_geoms, inside, _polygonal(np.array([all_pits, park_union], dtype=object))])
    zonal = _zonal(zones, crs, raster, slope_deg)
    n = len(pit_geoms)
    pit_rows = slice(0, n)
    in_rows = slice(n, 2 * n)
    ha = float(_HA.m2)

    table = pd.DataFrame(index=index)
    for column in fields:
        table[column] = pits[column].to_numpy()
    table["area_ha"] = zonal.area_m2[pit_rows] / ha
    table["restoration_area_ha"] = zonal.area_m2[in_rows] / ha
    with np.errstate(invalid="ignore", divide="ignore"):
        table["restoration_share_pct"] = np.where(
            zonal.area_m2[pit_rows] > 0, zonal.area_m2[in_rows] / zonal.area_m2[pit_rows] * 100, np.nan)
    table["elev_min_m"] = zonal.elev_min[pit_rows]
    table["elev_max_m"] = zonal.elev_max[pit_rows]
    table["elev_mean_m"] = zonal.elev_mean[pit_rows]
    table["relief_m"] = table["elev_max_m"] - table["elev_min_m"]
    table["slope_mean_deg"] = zonal.slope_mean[pit_rows]
    table["slope_max_deg"] = zonal.slope_max[pit_rows]
    for k, column in enumerate(grade_columns(_HA)):
        table[column] = zonal.grade_m2[pit_rows, k] / ha
    table["nodata_area_ha"] = zonal.nodata_m2[pit_rows] / ha
    steep = zonal.grade_m2[:, 4] / ha
    table["steep_area_ha"] = steep[pit_rows]
    table["steep_in_restoration_area_ha"] = steep[in_rows]
    table["steep_outside_restoration_area_ha"] = np.clip(steep[pit_rows] - steep[in_rows], 0.0, None)

    no_dem = np.flatnonzero(zonal.nodata_m2[pit_rows] > 0.01)
    if len(no_dem):
        logger.warning("%s: pit(s) %s lie partly outside the DEM %s or on nodata cells; see "
                       "nodata_area_ha", names[1], format_ids(list(index[no_dem])), raster.name)

    u, pk = 2 * n, 2 * n + 1  # rows of the union of the pits and of the park
    investment = None
    if "TZJE" in restoration.columns:
        investment = float(pd.to_numeric(restoration["TZJE"], errors="coerce").sum())
    in_zone = table["restoration_share_pct"] > 50
    summary = MineparkSummary(
        park_area_km2=park_area,
        restoration_area_km2=rest_area,
        investment_wan_yuan=investment,
        pit_count=n,
        pits_in_restoration=int(in_zone.sum()),
        pit_area_ha=float(table["area_ha"].sum()),
        pit_area_in_restoration_ha=float(table["restoration_area_ha"].sum()),
        park_elev_min_m=float(zonal.elev_min[pk]),
        park_elev_max_m=float(zonal.elev_max[pk]),
        park_relief_m=float(zonal.elev_max[pk] - zonal.elev_min[pk]),
        pit_elev_min_m=float(zonal.elev_min[u]),
        pit_elev_max_m=float(zonal.elev_max[u]),
        pit_relief_m=float(zonal.elev_max[u] - zonal.elev_min[u]),
        pit_slope_max_deg=float(zonal.slope_max[u]),
        steep_area_ha=float(table["steep_area_ha"].sum()),
        steep_in_restoration_area_ha=float(table["steep_in_restoration_area_ha"].sum()),
        steep_outside_restoration_area_ha=float(table["steep_outside_restoration_area_ha"].sum()),
    )
    logger.info("mine park: %.4f km², %d pits, restoration zone %.4f km², %.4f ha steeper than 25°",
                park_area, n, rest_area, summary.steep_area_ha)
    if total:
        row = {c: table[c].sum() for c in table.columns if c.endswith("_ha")}
        row.update(elev_min_m=zonal.elev_min[u], elev_max_m=zonal.elev_max[u],
                   elev_mean_m=zonal.elev_mean[u], relief_m=zonal.elev_max[u] - zonal.elev_min[u],
                   slope_mean_deg=zonal.slope_mean[u], slope_max_deg=zonal.slope_max[u])
        row["restoration_share_pct"] = (row["restoration_area_ha"] / row["area_ha"] * 100
                                        if row["area_ha"] else np.nan)
        total_row = pd.DataFrame([row], index=pd.Index([TOTAL_LABEL], name=table.index.name))
        table = pd.concat([table, total_row[[c for c in table.columns if c in total_row]]])
    return relabel(table, _ZH_COLUMNS, labels=labels), summary


def _name(data: Any, default: str) -> str:
    """The layer's file name for messages, else a role name (``pits``)."""
    name = layer_name(data)
    return default if name == "layer" else name
