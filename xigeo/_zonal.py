"""What the terrain calculators share: DEM and polygon checks, pit ids, coverage-weighted statistics.

:func:`xigeo.terrain.slope_classes` and :func:`xigeo.minepark.minepark_summary`
both put polygons on a DEM and its slope; this package-internal module holds
the steps they have in common, so neither imports a private name of the other:

- :func:`check_dem_crs`: a DEM in a projected CRS in metres, or CRSError;
- :func:`check_on_dem`: a layer in the DEM's CRS, or CRSError naming both;
- :func:`check_polygons`: valid polygons (None and empty allowed), else the rows;
- :func:`zone_index`: the result's index, from the layer's index or an id field;
- :func:`coverage`: which cells each polygon covers, and what fraction of each;
- :func:`slope_grade`: the survey slope grade 1–5 of slope values;
- :func:`terrain_stats`: area per slope grade, nodata area, slope and elevation
  figures of each polygon, areas measured by the survey method.

Every cell counts with the fraction of it the polygon covers (exactextract),
never as a whole cell; the covered plane area of each grade is scaled by the
polygon's measured/planar area ratio, so the grade areas and the nodata area
of a polygon add up to its measured area (:func:`xigeo.area.area`).

>>> slope_grade(np.array([0.5, 2.0, 2.01, 15.0, 30.0, np.nan]))
array([1, 1, 2, 3, 5, 0], dtype=int8)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from ._lang import msg
from ._layers import check_ids
from ._tables import check_rows, require_fields
from .crs import check_crs
from .errors import CRSError, fix as fix_for

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from .terrain import Raster

__all__ = ["GRADE_LIMITS_DEG", "check_dem_crs", "check_on_dem", "check_polygons", "zone_index",
           "Cover", "coverage", "slope_grade", "TerrainStats", "terrain_stats"]

#: upper slope limits (degrees) of grades 1–4; grade 5 is everything steeper than 25°
GRADE_LIMITS_DEG: tuple[float, ...] = (2.0, 6.0, 15.0, 25.0)

_POLYGON, _MULTIPOLYGON = 3, 6


def check_dem_crs(raster: Raster) -> pyproj.CRS:
    """Refuse a DEM without a CRS, in degrees, or in a unit other than metres."""
    fix = "gdalwarp -t_srs EPSG:4526 -tr 5 5 -r bilinear in.tif out.tif (or rasterio.warp.reproject)"
    crs = raster.crs
    if crs is None:
        raise CRSError(msg(f"{raster.name} 没有坐标系，栅格大小没有单位。修正：指定它实际的坐标系，"
                           "如 rio edit-info --crs EPSG:4526 DEM.tif",
                           f"{raster.name} has no CRS, so its cell size has no unit. Fix: assign the "
                           "CRS it was made in, e.g. rio edit-info --crs EPSG:4526 DEM.tif"))
    if not crs.is_projected:
        raise CRSError(msg(
            f"{raster.name} 是地理坐标系 {crs.name}（EPSG:{crs.to_epsg()}）：栅格为 "
            f"{raster.res[0]:g}° × {raster.res[1]:g}°，而坡度需要米。修正：把它投影到调查用的"
            f"高斯–克吕格投影带，如 {fix}",
            f"{raster.name} is in the geographic CRS {crs.name} (EPSG:{crs.to_epsg()}): its cells "
            f"are {raster.res[0]:g}° × {raster.res[1]:g}°, and a slope needs metres. Fix: "
            f"reproject it to the survey Gauss–Krüger zone, e.g. {fix}"))
    unit = crs.axis_info[0].unit_name if crs.axis_info else "unknown"
    if unit not in ("metre", "meter"):
        raise CRSError(msg(f"{raster.name}：坐标系 {crs.name} 的单位是 {unit}，不是米；坡度需要与高程"
                           f"同单位的栅格大小。修正：{fix}",
                           f"{raster.name}: the CRS {crs.name} is in {unit}, not metres; slope needs "
                           f"cell sizes in the elevation unit. Fix: {fix}"))
    left, bottom, right, top = raster.bounds
    import geopandas as gpd

    check_crs(gpd.GeoSeries([shapely.box(left, bottom, right, top)], crs=crs), name=raster.name)
    return crs


def check_on_dem(data: Any, raster: Raster, name: str) -> None:
    """The layer's CRS must be the DEM's; CRSError naming both otherwise."""
    crs = check_crs(data, name=name, projected=True)
    if not crs.equals(raster.crs):
        dem_code = raster.crs.to_epsg()
        how = fix_for(msg(f"{name}.to_crs(DEM 的坐标系)", f"{name}.to_crs(the DEM's CRS)"),
                      msg(f"把 {name} 投影到 EPSG:{dem_code}", f"reproject {name} to EPSG:{dem_code}"))
        raise CRSError(msg(
            f"{name} 是 {crs.name}（EPSG:{crs.to_epsg()}），但 DEM {raster.name} 是 "
            f"{raster.crs.name}（EPSG:{dem_code}）。修正：{how}，或把 DEM 重投影到图层的坐标系"
            "（gdalwarp -t_srs ...）",
            f"{name} is in {crs.name} (EPSG:{crs.to_epsg()}) but the DEM {raster.name} is in "
            f"{raster.crs.name} (EPSG:{dem_code}). Fix: {how}"
            ", or warp the DEM to the layer's CRS (gdalwarp -t_srs ...)"))


def check_polygons(data: Any, name: str) -> np.ndarray:
    """Polygonal, valid geometries (None/empty allowed) or a ValidationError naming the rows."""
    geoms = np.asarray(data.geometry.values if hasattr(data, "geometry") else data.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kind = shapely.get_type_id(geoms)
    bad_kind = ~missing & ~np.isin(kind, (_POLYGON, _MULTIPOLYGON))
    check_rows(data, bad_kind, msg("不是面（坡度统计需要面）", "not polygons (slope statistics need areas)"),
               name=name)
    invalid = ~missing & ~shapely.is_valid(geoms)
    check_rows(data, invalid, msg("无效的面（自相交或环嵌套错误；用 xigeo.repair 修复）",
                                  "invalid polygons (self-intersecting or badly nested "
                                  "rings; fix them with xigeo.repair)"), name=name)
    return geoms


def zone_index(data: Any, id_field: str | None, name: str) -> pd.Index:
    """The result's index: the layer's own (``id_field=None``), or the ``id_field`` values.

    Ids must be present and unique (:func:`xigeo._layers.check_ids`).

    >>> zone_index(pd.DataFrame({"KSBH": ["KS01", "KS01"]}), "KSBH", "pits")
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: pits：编号重复：KS01
    """
    if id_field is None:
        index = data.index
    else:
        require_fields(data, [id_field], name=name)
        index = pd.Index(data[id_field].to_numpy(), name=id_field)
    example = f"a {id_field} value" if id_field else "gdf.set_index(KSBH)"
    example_zh = f"填写 {id_field} 值" if id_field else " gdf.set_index(KSBH)"
    check_ids(index, name, field=id_field,
              fix=msg(f"给每一行一个编号，如{example_zh}", f"give every row an id, e.g. {example}"))
    return index


@dataclass(frozen=True, eq=False)
class Cover:
    """Cells each geometry covers: owner (geometry position), flat cell id, coverage fraction."""

    owner: np.ndarray
    cell: np.ndarray
    fraction: np.ndarray
    n: int

    def weighted_sum(self, weights: np.ndarray | None = None, mask: np.ndarray | None = None) -> np.ndarray:
        w = self.fraction if weights is None else self.fraction * weights
        if mask is not None:
            w = np.where(mask, w, 0.0)
        return np.bincount(self.owner, weights=w, minlength=self.n)

    def reduce(self, values: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
        """min/max of ``values`` (per covered cell) over each geometry; NaN when none."""
        fill = np.inf if ufunc is np.minimum else -np.inf
        out = np.full(self.n, fill)
        ufunc.at(out, self.owner, values)
        out[np.isinf(out)] = np.nan
        return out


def coverage(geoms: np.ndarray, valid: Raster) -> Cover:
    """Coverage fractions of the valid (non-NaN) cells of ``valid`` under each geometry."""
    try:
        from exactextract import exact_extract
        from exactextract.raster import NumPyRasterSource
    except ImportError:  # pragma: no cover - exactextract is a dependency
        raise ImportError(msg("分区统计需要 exactextract 包：pip install exactextract",
                              "zonal statistics need the exactextract package: pip install exactextract")) from None
    import geopandas as gpd

    n = len(geoms)
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    owners, cells, fractions = [np.empty(0, "int64")], [np.empty(0, "int64")], [np.empty(0)]
    if len(present):
        left, bottom, right, top = valid.bounds
        source = NumPyRasterSource(valid.array, left, bottom, right, top, nodata=np.nan)
        frame = gpd.GeoDataFrame(geometry=geoms[present], crs=valid.crs)
        result = exact_extract(source, frame, ["cell_id", "coverage"], output="pandas")
        if len(result) != len(present):  # pragma: no cover - exactextract keeps every feature
            raise RuntimeError("exactextract returned a different number of features")  # message: internal
        for pos, ids, cov in zip(present, result["cell_id"], result["coverage"]):
            ids = np.asarray(ids, dtype="int64")
            owners.append(np.full(len(ids), pos, dtype="int64"))
            cells.append(ids)
            fractions.append(np.asarray(cov, dtype="float64"))
    return Cover(np.concatenate(owners), np.concatenate(cells), np.concatenate(fractions), n)


def slope_grade(degrees: Any) -> np.ndarray:
    """Survey slope grade 1–5 of slope values in degrees; 0 for NaN.

    A slope exactly on a limit belongs to the gentler grade (2° is grade 1).

    >>> slope_grade([0.0, 6.0, 6.5, 25.0, 25.1])
    array([1, 2, 3, 4, 5], dtype=int8)
    """
    values = np.asarray(degrees, dtype="float64")
    grade = (np.digitize(values, GRADE_LIMITS_DEG, right=True) + 1).astype("int8")
    grade[np.isnan(values)] = 0
    return grade


@dataclass(frozen=True, eq=False)
class TerrainStats:
    """Per-geometry terrain figures; areas in m² (measured, scaled from the covered plane area)."""

    area_m2: np.ndarray
    grade_m2: np.ndarray  # (n, 5)
    nodata_m2: np.ndarray
    slope_mean: np.ndarray
    slope_max: np.ndarray
    elev_min: np.ndarray
    elev_max: np.ndarray
    elev_mean: np.ndarray


def terrain_stats(geoms: np.ndarray, crs: pyproj.CRS, elevation: Raster, slope_deg: Raster, *,
                  method: str = "ellipsoidal") -> TerrainStats:
    """Coverage-weighted terrain statistics of each geometry, areas by ``method``."""
    import geopandas as gpd

    from .area import area

    cover = coverage(geoms, elevation)
    measured = area(gpd.GeoSeries(geoms, crs=crs), method=method, unit="m2").to_numpy(float)
    planar = np.nan_to_num(shapely.area(geoms), nan=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(planar > 0, measured / planar, 0.0)
    cell_area = elevation.cell_area
    s = slope_deg.array.ravel()[cover.cell]
    z = elevation.array.ravel()[cover.cell]
    grades = slope_grade(s)
    grade_m2 = np.column_stack([cover.weighted_sum(mask=grades == k) for k in range(1, 6)])
    grade_m2 = grade_m2 * cell_area * ratio[:, None]
    nodata = measured - grade_m2.sum(axis=1)
    nodata = np.where(np.abs(nodata) < 1e-6 * np.maximum(measured, 1.0), 0.0, nodata)
    weight = cover.weighted_sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        slope_mean = np.where(weight > 0, cover.weighted_sum(s) / weight, np.nan)
        elev_mean = np.where(weight > 0, cover.weighted_sum(z) / weight, np.nan)
    return TerrainStats(measured, grade_m2, np.nan_to_num(nodata, nan=0.0), slope_mean,
                        cover.reduce(s, np.maximum), cover.reduce(z, np.minimum),
                        cover.reduce(z, np.maximum), elev_mean)
