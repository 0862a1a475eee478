"""Mine park and quarry restoration (矿山公园, 矿山地质环境恢复治理): areas, relief and slope.

:func:`minepark_summary` takes the park outline, the closed pits and the
restoration (治理) zone, plus a DEM, and returns a :class:`MineparkResult`:
one row per pit (``pits``) — area, elevation range and relief, mean and
maximum slope, area in each survey slope grade, and the area steeper than
25° that still needs slope treatment (削坡/边坡治理), split into the part
inside the restoration zone and the part outside it — and the park's totals
(``totals``, also attributes of the result: ``result.park_area_km2``).

Areas are measured by ``method`` (default: the survey ellipsoidal area,
:func:`xigeo.area.area`); the slope areas weight partial cells by coverage
(see :mod:`xigeo.terrain`).

Examples
--------
The sample's Pugongshan park (sample_shapefiles/README.md):

>>> from xigeo import sample
>>> park = minepark_summary(sample.load("minepark"), sample.load("minepark_pits"),
...                         sample.load("minepark_restoration"), dem=sample.path("minepark_dem"))
>>> round(park.park_area_km2, 2), park.pit_count, round(park.restoration_area_km2, 3)
(2.28, 9, 0.251)
>>> bool((park.pits["slope_max_deg"] > 25).all())
True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ._lang import msg
from ._layers import describe, numeric_field, polygonal_part, require_features
from ._options import choose
from ._result import TOTAL_LABEL, Result, TableSpec, Total
from ._tables import check_labels, require_fields
from ._zonal import check_dem_crs, check_on_dem, check_polygons, terrain_stats, zone_index
from .area import AreaMethod, area
from .crs import check_same_crs
from .errors import ValidationError, format_ids
from .terrain import grade_columns, grade_labels_zh, read_dem, slope
from .units import AreaUnit

__all__ = ["minepark_summary", "MineparkResult", "MineparkSummary", "STEEP_DEG"]

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
    "elev_mean_m": "平均高程(米，面积加权)",
    "relief_m": "高差(米)",
    "slope_mean_deg": "平均坡度(度，面积加权)",
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
    """Park totals of :func:`minepark_summary` (areas by the result's method; elevations from the DEM).

    :class:`MineparkResult` is a MineparkSummary too: these figures are its
    attributes, and ``result.figures`` gives them as a plain MineparkSummary.
    """

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
        values = {f.name: getattr(self, f.name) for f in fields(MineparkSummary)}
        series = pd.Series(values, dtype=object, name="value")
        if check_labels(labels) == "zh":
            series = series.rename(index=_ZH_SUMMARY)
            series.name = "数值"
        return series


@dataclass(frozen=True, repr=False)
class MineparkResult(Result, MineparkSummary):
    """What :func:`minepark_summary` returns: the pit table, the park totals and their figures.

    Attributes
    ----------
    pits : pandas.DataFrame
        One row per pit, indexed by the pit id; see :func:`minepark_summary`.
        ``table("pits", total=True)`` adds the 合计 row: areas summed,
        elevation and slope figures of all pits taken together.
    totals : pandas.DataFrame
        The park figures as a table: index the figure's name
        (``park_area_km2``, ``pit_count``, …), column ``value``; counts are
        whole numbers.
    pits_together : pandas.Series
        Terrain figures of all pits taken together (their union):
        ``elev_min_m``, ``elev_max_m``, ``elev_mean_m``, ``relief_m``,
        ``slope_mean_deg``, ``slope_max_deg`` (the 合计 row's).
    method : str
        How the areas were measured.
    park_area_km2, pit_count, … : the :class:`MineparkSummary` figures
        (``figures`` gives them as a MineparkSummary).
    """

    TITLE = ("矿山公园地质环境治理", "Mine park restoration")
    TABLES = {
        "pits": TableSpec("关停矿坑地形与治理表", "pits", _ZH_COLUMNS, index_name_zh="矿坑编号",
                          total=Total(),
                          note_zh="合计行：面积为各矿坑之和，治理区内占比由合计面积重算；最低、最高高程和"
                                  "最大坡度取全部矿坑的极值，高差为二者之差；平均高程、平均坡度为全部矿坑"
                                  "合并计算的面积加权平均，均不是各行相加。"),
        "totals": TableSpec("矿山公园主要指标", "totals", index_zh=_ZH_SUMMARY, index_name_zh="指标"),
    }

    pits: pd.DataFrame
    totals: pd.DataFrame
    pits_together: pd.Series
    method: str = "ellipsoidal"

    @property
    def figures(self) -> MineparkSummary:
        """The park figures as a plain :class:`MineparkSummary`."""
        return MineparkSummary(**{f.name: getattr(self, f.name) for f in fields(MineparkSummary)})

    def _total(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        if name != "pits":  # pragma: no cover - only the pit table has a total
            return super()._total(name, frame)
        row: dict[str, Any] = {c: frame[c].sum() for c in frame.columns if c.endswith("_ha")}
        row.update({str(k): v for k, v in self.pits_together.items()})
        row["restoration_share_pct"] = (row["restoration_area_ha"] / row["area_ha"] * 100
                                        if row["area_ha"] else np.nan)
        total = pd.DataFrame([row], index=pd.Index([TOTAL_LABEL], name=frame.index.name))
        return pd.concat([frame, total[[c for c in frame.columns if c in total]]])

    def _summary(self, lang: str) -> str:
        invest = self.investment_wan_yuan
        if lang == "zh":
            money = f"，治理投资{invest:,.1f}万元" if invest is not None else ""
            return (f"矿山公园面积{self.park_area_km2:,.2f}平方公里，治理区面积"
                    f"{self.restoration_area_km2:,.3f}平方公里{money}；关停矿坑{self.pit_count}个，"
                    f"面积{self.pit_area_ha:,.2f}公顷，其中{self.pits_in_restoration}个在治理区内；"
                    f"矿坑高程{self.pit_elev_min_m:,.1f}–{self.pit_elev_max_m:,.1f}米，最大坡度"
                    f"{self.pit_slope_max_deg:,.1f}度；坡度大于25°待治理面积{self.steep_area_ha:,.2f}公顷，"
                    f"其中治理区内{self.steep_in_restoration_area_ha:,.2f}公顷、治理区外"
                    f"{self.steep_outside_restoration_area_ha:,.2f}公顷。")
        money = f", investment {invest:,.1f} × 10⁴ yuan" if invest is not None else ""
        return (f"Mine park of {self.park_area_km2:,.2f} km², restoration zone "
                f"{self.restoration_area_km2:,.3f} km²{money}; {self.pit_count} closed pits of "
                f"{self.pit_area_ha:,.2f} ha, {self.pits_in_restoration} of them in the restoration "
                f"zone; pits from {self.pit_elev_min_m:,.1f} to {self.pit_elev_max_m:,.1f} m, steepest "
                f"{self.pit_slope_max_deg:,.1f}°; {self.steep_area_ha:,.2f} ha steeper than 25° to "
                f"treat, {self.steep_in_restoration_area_ha:,.2f} ha inside the restoration zone and "
                f"{self.steep_outside_restoration_area_ha:,.2f} ha outside it.")


def minepark_summary(park: Any, pits: Any, restoration: Any, *, dem: Any,
                     id_field: str | None = "KSBH", keep: Sequence[str] = (),
                     method: str = "ellipsoidal") -> MineparkResult:
    """Areas, relief and slope of a mine park's pits, and the steep slopes left to treat.

    Parameters
    ----------
    park : GeoDataFrame
        The park outline (one or more polygons, taken together).
    pits : GeoDataFrame
        The closed pits (采石坑), one polygon per pit, with the id field.
    restoration : GeoDataFrame
        The restoration project zone(s) (治理区), taken together; a ``TZJE``
        field (万元) gives the investment.
    dem : path, rasterio dataset or Raster
        Elevations in metres covering the park, in the layers' CRS.
    id_field : str or None
        Pit id field (unique), the table's index; default ``KSBH``; None: the
        layer's index.
    keep : sequence of str
        Pit attributes carried into the table unchanged (e.g. ``("KSMC", "ZLZT")``).
    method : {"ellipsoidal", "geodesic", "planar"}
        How areas are measured: the survey ellipsoidal area (default), the
        geodesic area, or the plane area.

    Returns
    -------
    MineparkResult
        ``pits``: indexed by pit id: ``area_ha``; ``restoration_area_ha`` and
        ``restoration_share_pct`` (the part of the pit inside the restoration
        zone); ``elev_min_m``, ``elev_max_m``, ``elev_mean_m`` (coverage-weighted),
        ``relief_m`` = max − min; ``slope_mean_deg``, ``slope_max_deg``;
        ``grade1_area_ha`` … ``grade5_area_ha`` (survey slope grades);
        ``nodata_area_ha``; ``steep_area_ha`` (> 25°, needs slope treatment)
        = ``steep_in_restoration_area_ha`` + ``steep_outside_restoration_area_ha``.
        ``totals``: the park, restoration and pit totals (index: figure,
        column ``value``), which are also attributes of the result
        (``park_area_km2``, ``pit_count``, ``steep_area_ha``, …; see
        :class:`MineparkSummary`). ``table(name, labels="zh")`` gives the
        Chinese report tables; ``table("pits", total=True)`` the 合计 row.

    Raises
    ------
    OptionError
        ``method`` is not a known method.
    CRSError
        A layer without CRS or in degrees, layers in different CRSs, or a DEM
        in another CRS than the layers (the message names both).
    SchemaError, ValidationError
        The id field or a ``keep`` field is missing, an id is empty or
        repeated; geometries are not valid polygons.

    Examples
    --------
    A DEM of 10 m cells, flat up to x = 95 m and rising 30° eastwards beyond;
    pit KS01 (40 m × 40 m) lies on the slope, its northern half in the
    restoration zone; KS02 is on the flat:

    >>> import geopandas as gpd
    >>> from affine import Affine
    >>> from xigeo.terrain import Raster
    >>> x0, y0 = 38_570_000, 3_575_000
    >>> xs = np.arange(20) * 10 + 5.0
    >>> dem = Raster(np.tile(20 + np.clip(xs - 95, 0, None) * np.tan(np.radians(30)), (6, 1)),
    ...              Affine(10, 0, x0, 0, -10, y0 + 60), 4526)
    >>> def boxes(*rows, **fields):
    ...     return gpd.GeoDataFrame(fields, geometry=[shapely.box(x0 + a, y0 + b, x0 + c, y0 + d)
    ...                                               for a, b, c, d in rows], crs=4526)
    >>> result = minepark_summary(boxes((0, 0, 200, 60)),
    ...                           boxes((110, 10, 150, 50), (20, 10, 60, 50), KSBH=["KS01", "KS02"]),
    ...                           boxes((100, 30, 160, 60), TZJE=[100.0]), dem=dem)
    >>> result.pits[["area_ha", "restoration_share_pct", "relief_m", "slope_max_deg", "steep_area_ha"]].round(4)
          area_ha  restoration_share_pct  relief_m  slope_max_deg  steep_area_ha
    KSBH
    KS01   0.1600                   50.0   17.3205           30.0         0.1600
    KS02   0.1600                    0.0    0.0000            0.0         0.0000
    >>> result.pit_count, result.investment_wan_yuan
    (2, 100.0)
    >>> print(result.summary())
    矿山公园面积0.01平方公里，治理区面积0.002平方公里，治理投资100.0万元；关停矿坑2个，面积0.32公顷，其中0个在治理区内；矿坑高程20.0–48.9米，最大坡度30.0度；坡度大于25°待治理面积0.16公顷，其中治理区内0.08公顷、治理区外0.08公顷。
    """
    method = choose(method, AreaMethod, name="method")
    keep = list(keep)
    names = (describe(park, "park"), describe(pits, "pits"), describe(restoration, "restoration"))
    raster = read_dem(dem)
    check_dem_crs(raster)
    crs = check_same_crs(park, pits, restoration, names=names)
    for layer, name in zip((park, pits, restoration), names):
        check_on_dem(layer, raster, name)
    index = zone_index(pits, id_field, names[1])
    require_fields(pits, keep, name=names[1])
    if len(pits) == 0:
        raise ValidationError(msg(f"{names[1]} 中没有采坑", f"{names[1]} has no pits"))
    require_features(park, names[0], msg("矿山公园边界", "park outlines"))
    park_geoms = check_polygons(park, names[0])
    pit_geoms = check_polygons(pits, names[1])
    rest_geoms = check_polygons(restoration, names[2])

    park_area = float(area(park, method=method, unit="km2").sum())
    rest_area = float(area(restoration, method=method, unit="km2").sum())
    park_union = shapely.union_all(park_geoms)
    rest_union = shapely.union_all(rest_geoms)
    outside = ~shapely.covered_by(pit_geoms, park_union.buffer(0.5)) & ~shapely.is_missing(pit_geoms)
    if outside.any():
        logger.warning(msg("%s：采坑 %s 超出矿山公园 %s 的范围", "%s: pit(s) %s reach outside the park %s"),
                       names[1],
                       format_ids(list(index[outside])), names[0])

    slope_deg = slope(raster)
    empty = shapely.Polygon()
    inside = polygonal_part(shapely.intersection(pit_geoms, rest_union), empty=empty)
    all_pits = shapely.union_all(pit_geoms)
    zones = np.concatenate([pit_geoms, inside,
                            polygonal_part(np.array([all_pits, park_union], dtype=object), empty=empty)])
    zonal = terrain_stats(zones, crs, raster, slope_deg, method=method)
    n = len(pit_geoms)
    pit_rows = slice(0, n)
    in_rows = slice(n, 2 * n)
    ha = float(_HA.m2)

    table = pd.DataFrame(index=index)
    for column in keep:
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
        logger.warning(msg("%s：采坑 %s 部分位于 DEM %s 之外或无数据栅格上；见 nodata_area_ha",
                           "%s: pit(s) %s lie partly outside the DEM %s or on nodata cells; see "
                           "nodata_area_ha"), names[1], format_ids(list(index[no_dem])), raster.name)

    u, pk = 2 * n, 2 * n + 1  # rows of the union of the pits and of the park
    investment = None
    if "TZJE" in restoration.columns:
        # text that is not a number is refused (it was dropped from the sum); no value at all is None
        tzje = numeric_field(restoration, "TZJE", names[2], non_negative=True)
        investment = float(tzje.sum()) if tzje.notna().any() else None
    in_zone = table["restoration_share_pct"] > 50
    figures = MineparkSummary(
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
    logger.info(msg("矿山公园：%.4f km²，采坑 %d 个，恢复治理区 %.4f km²，坡度大于 25° 的 %.4f ha",
                    "mine park: %.4f km², %d pits, restoration zone %.4f km², %.4f ha steeper than 25°"),
                park_area, n, rest_area, figures.steep_area_ha)
    together = pd.Series({"elev_min_m": zonal.elev_min[u], "elev_max_m": zonal.elev_max[u],
                          "elev_mean_m": zonal.elev_mean[u],
                          "relief_m": zonal.elev_max[u] - zonal.elev_min[u],
                          "slope_mean_deg": zonal.slope_mean[u], "slope_max_deg": zonal.slope_max[u]},
                         dtype="float64")
    totals = figures.to_series().to_frame("value").rename_axis("figure")
    return MineparkResult(**asdict(figures), pits=table, totals=totals, pits_together=together,
                          method=method)
