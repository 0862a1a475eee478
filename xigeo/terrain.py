"""Slope from a DEM, the survey slope grades, and coverage-weighted zonal statistics.

A DEM is read once into a :class:`Raster` (``array`` with NaN for nodata,
``transform``, ``crs``), normalised at the boundary: north-up, in a projected
CRS in metres. :func:`slope` gives the slope in degrees by Horn's method with
the real cell size (x and y resolution may differ). :func:`slope_classes`
grades parcels into the five survey slope grades (坡度分级, TD/T 1055-2019);
:func:`farmland_slope_grades` gives each farmland patch its GDPDJB grade:

====  ==========  =====================
grade slope        中文
====  ==========  =====================
1     ≤ 2°         ≤2°  (平地)
2     2° – 6°      2°–6°
3     6° – 15°     6°–15°
4     15° – 25°    15°–25°
5     > 25°        >25° (陡坡)
====  ==========  =====================

A slope exactly on a limit belongs to the gentler grade (2° is grade 1).

Zonal statistics weight every cell by the fraction of it the polygon covers
(exactextract), never by whole cells; the covered planar area of each grade
is then scaled by the parcel's ellipsoidal/planar ratio, so the grade areas
of a parcel add up to its survey ellipsoidal area (:func:`xigeo.area.area`).
These steps (DEM and polygon checks, coverage, the statistics) live in the
package-internal :mod:`xigeo._zonal`, which :mod:`xigeo.minepark` uses too.

Examples
--------
>>> import numpy as np
>>> from affine import Affine
>>> dem = Raster(np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]), Affine(1, 0, 38_570_000, 0, -2, 3_575_000), 4526)
>>> np.round(slope(dem).array, 2)
array([[45., 45., 45.],
       [45., 45., 45.]])
>>> slope_grade(np.array([0.5, 2.0, 2.01, 15.0, 30.0, np.nan]))
array([1, 1, 2, 3, 5, 0], dtype=int8)
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from affine import Affine

from ._landuse import is_farmland
from ._lang import msg
from ._tables import add_total, relabel, require_fields
from ._zonal import (
    GRADE_LIMITS_DEG,
    TerrainStats,
    check_dem_crs,
    check_on_dem,
    check_polygons,
    slope_grade,
    terrain_stats,
    zone_index,
)
from .crs import layer_name, normalize_crs
from .errors import LayerWriteError, OptionError, ValidationError, format_ids
from .units import AreaUnit

__all__ = [
    "Raster", "read_dem", "slope", "slope_grade", "slope_classes", "farmland_slope_grades",
    "write_raster", "SLOPE_GRADES", "GRADE_LIMITS_DEG",
]

logger = logging.getLogger(__name__)

#: grade -> its slope range as written in survey tables
SLOPE_GRADES: dict[int, str] = {1: "≤2°", 2: "2°–6°", 3: "6°–15°", 4: "15°–25°", 5: ">25°"}

_ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ"}


# --------------------------------------------------------------------------------------
# the raster container and reading a DEM
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Raster:
    """A single-band raster in memory: values, georeferencing and CRS.

    Attributes
    ----------
    array : numpy.ndarray
        2-D float array, row 0 at the top (north); nodata cells are NaN.
    transform : affine.Affine
        Pixel-corner to map transform (``rasterio`` convention).
    crs : pyproj.CRS or None
        Coordinate reference system; anything :func:`xigeo.crs.normalize_crs` accepts.
    name : str
        Where it came from, for messages (a file path, or ``"DEM"``).
    source : str or None
        The file it was read from, or computed from (a slope keeps its DEM's):
        :func:`write_raster` never writes over it.

    Examples
    --------
    >>> r = Raster(np.zeros((2, 3)), Affine(10, 0, 500_000, 0, -5, 3_580_000), 4547)
    >>> r.res, r.shape, r.cell_area, r.crs.to_epsg()
    ((10.0, 5.0), (2, 3), 50.0, 4547)
    """

    array: np.ndarray
    transform: Affine
    crs: Any = None
    name: str = "DEM"
    source: str | None = None

    def __post_init__(self) -> None:
        arr = np.asarray(self.array, dtype="float64")
        if arr.ndim != 2:
            raise ValueError(msg(f"{self.name}：Raster 只存一个波段，即二维数组；得到的形状为 {arr.shape}",
                                 f"{self.name}: a Raster holds one band, a 2-D array; got shape {arr.shape}"))
        object.__setattr__(self, "array", arr)
        object.__setattr__(self, "transform", Affine(*tuple(self.transform)[:6]))
        if self.crs is not None:
            object.__setattr__(self, "crs", normalize_crs(self.crs))

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (int(self.array.shape[0]), int(self.array.shape[1]))

    @property
    def res(self) -> tuple[float, float]:
        """Cell size (x, y) in CRS units, both positive."""
        t = self.transform
        return (float(np.hypot(t.a, t.d)), float(np.hypot(t.b, t.e)))

    @property
    def cell_area(self) -> float:
        """Planar area of one cell in CRS units squared."""
        t = self.transform
        return float(abs(t.a * t.e - t.b * t.d))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of a north-up raster."""
        t = self.transform
        h, w = self.shape
        xs = [t.c, t.c + w * t.a]
        ys = [t.f, t.f + h * t.e]
        return (min(xs), min(ys), max(xs), max(ys))


def read_dem(dem: Any, *, band: int = 1) -> Raster:
    """Read a DEM band into a north-up :class:`Raster` with NaN for nodata.

    Parameters
    ----------
    dem : path, rasterio dataset or Raster
        A GeoTIFF (or any raster GDAL reads), an open ``rasterio`` dataset,
        or a :class:`Raster` (returned normalised).
    band : int
        Band number (1-based).

    A raster stored south-up or east-to-west is flipped to north-up; a
    rotated or sheared grid is refused (warp it north-up first). Nodata cells
    (the band mask, or NaN) become NaN.

    Examples
    --------
    >>> r = read_dem(Raster(np.array([[1.0, 2.0]]), Affine(5, 0, 500_000, 0, 5, 3_580_000), 4547))
    >>> r.transform.e, r.transform.f
    (-5.0, 3580005.0)
    """
    if isinstance(dem, Raster):
        raster = dem
    elif isinstance(dem, (str, os.PathLike)):
        import rasterio

        path = Path(dem)
        if not path.exists():
            from .errors import LayerReadError

            raise LayerReadError(msg(f"{path}：DEM 文件不存在", f"{path}: no such DEM file"))
        with rasterio.open(path) as src:
            raster = read_dem(src, band=band)
        return dataclasses.replace(raster, source=str(path))
    elif hasattr(dem, "read") and hasattr(dem, "transform"):
        if band < 1 or band > dem.count:
            raise OptionError(msg(f"{dem.name}：没有第 {band} 波段；它有 {dem.count} 个波段",
                                  f"{dem.name}: no band {band}; it has {dem.count}"))
        data = dem.read(band, masked=True).astype("float64").filled(np.nan)
        raster = Raster(data, dem.transform, dem.crs.to_wkt() if dem.crs else None, name=str(dem.name))
    else:
        raise TypeError(msg(f"dem 应为栅格文件路径、已打开的 rasterio 数据集或 Raster；得到的是 "
                            f"{type(dem).__name__}",
                            f"dem must be a raster file path, an open rasterio dataset or a Raster; "
                            f"got {type(dem).__name__}"))
    t = raster.transform
    if t.b != 0 or t.d != 0:
        raise ValueError(msg(
            f"{raster.name} 的格网是旋转的（{t}）；xigeo 需要北向朝上的栅格。修正：重采样，"
            "如 gdalwarp -t_srs EPSG:4526 in.tif out.tif",
            f"{raster.name} has a rotated grid ({t}); xigeo needs a north-up raster. Fix: "
            "warp it, e.g. gdalwarp -t_srs EPSG:4526 in.tif out.tif"))
    arr = raster.array
    if t.a < 0:
        arr = arr[:, ::-1]
        t = Affine(-t.a, 0.0, t.c + t.a * arr.shape[1], 0.0, t.e, t.f)
    if t.e > 0:
        arr = arr[::-1, :]
        t = Affine(t.a, 0.0, t.c, 0.0, -t.e, t.f + t.e * arr.shape[0])
    if t is raster.transform:
        return raster
    return Raster(np.ascontiguousarray(arr), t, raster.crs, raster.name, raster.source)


# --------------------------------------------------------------------------------------
# slope
# --------------------------------------------------------------------------------------

def slope(dem: Any, *, band: int = 1) -> Raster:
    """Slope in degrees of every DEM cell (Horn's method, real cell sizes).

    Parameters
    ----------
    dem : path, rasterio dataset or Raster
        Elevations in metres, in a projected CRS in metres. x and y cell
        sizes may differ.
    band : int
        Band to read.

    Returns
    -------
    Raster
        Slope (0–90°) on the DEM's grid; NaN where the DEM is nodata.

    Raises
    ------
    CRSError
        The DEM has no CRS, a geographic CRS (degrees as cell size: reproject
        it) or one not in metres, or coordinates that do not fit its CRS.

    Notes
    -----
    Horn (1981): with the 3×3 window ``a b c / d e f / g h i``,
    ``dz/dx = ((c + 2f + i) − (a + 2d + g)) / (8 Δx)``,
    ``dz/dy = ((g + 2h + i) − (a + 2b + c)) / (8 Δy)``,
    slope = atan(√(dz/dx² + dz/dy²)).
    Horn's dz/dx is the 1-2-1 weighted mean of the central differences of
    the window's three rows, ``(c − a)/2Δx``, ``(f − d)/2Δx``, ``(i − g)/2Δx``
    (dz/dy likewise over its columns). Edges and nodata: when a neighbour is
    outside the grid or has no data, the difference of its row becomes
    one-sided through the row's middle cell (``(f − e)/Δx`` instead of
    ``(f − d)/2Δx``); a row with no difference left drops out and the
    weights of the others are renormalised. So a plane keeps its exact slope
    up to the edges and next to holes, where plain edge replication would
    halve it on the border cells. A cell without data stays NaN; a lone cell
    has slope 0. The elevation unit must be the CRS unit (metres).

    Examples
    --------
    A plane z = 0.1·x rising 0.1 m per metre eastwards, 10 m × 5 m cells:

    >>> x = np.arange(4) * 10.0
    >>> dem = Raster(np.tile(0.1 * x, (3, 1)), Affine(10, 0, 38_570_000, 0, -5, 3_575_000), 4526)
    >>> s = slope(dem).array
    >>> bool(np.allclose(s, np.degrees(np.arctan(0.1))))
    True
    """
    raster = read_dem(dem, band=band)
    check_dem_crs(raster)
    z = raster.array
    h, w = z.shape
    dx, dy = raster.res
    padded = np.pad(z, 1, constant_values=np.nan)
    dzdx = _horn_derivative(padded, h, w, dx, axis=1)
    dzdy = _horn_derivative(padded, h, w, dy, axis=0)
    s = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    s[np.isnan(z)] = np.nan
    logger.debug("slope of %s: %d × %d cells of %g × %g m", raster.name, h, w, dx, dy)
    return Raster(s, raster.transform, raster.crs, name=f"slope of {raster.name}", source=raster.source)


def _horn_derivative(padded: np.ndarray, h: int, w: int, step: float, *, axis: int) -> np.ndarray:
    """Horn's 1-2-1 weighted mean of the three central differences across ``axis``.

    A difference with a missing end becomes one-sided (through the middle
    cell of its line); a line with no difference at all drops out and the
    weights of the others are renormalised; no difference anywhere gives 0.
    """
    def cells(along: int, across: int) -> np.ndarray:
        dr, dc = (along, across) if axis == 0 else (across, along)
        return padded[1 + dr:1 + dr + h, 1 + dc:1 + dc + w]

    total = np.zeros((h, w))
    weights = np.zeros((h, w))
    for across, weight in ((-1, 1.0), (0, 2.0), (1, 1.0)):
        low, mid, high = cells(-1, across), cells(0, across), cells(1, across)
        diff = (high - low) / (2.0 * step)
        diff = np.where(np.isnan(diff), (high - mid) / step, diff)
        diff = np.where(np.isnan(diff), (mid - low) / step, diff)
        ok = ~np.isnan(diff)
        total += np.where(ok, diff, 0.0) * weight
        weights += ok * weight
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weights > 0, total / weights, 0.0)


def write_raster(raster: Raster, path: str | os.PathLike[str], *, nodata: float = -9999.0,
                 overwrite: bool = False) -> Path:
    """Write a :class:`Raster` as a compressed float32 GeoTIFF (temp file, then rename).

    An existing ``path`` is refused unless ``overwrite=True``; the DEM the
    raster was read or computed from (``raster.source``) is never written
    over, ``overwrite`` or not. The file is checked to read back (its size
    and values) before it is moved into place.

    Use it to keep a slope map: ``write_raster(slope("dem.tif"), "slope.tif")``.
    """
    import rasterio

    from ._files import atomic_path

    path = Path(path)
    data = np.where(np.isnan(raster.array), nodata, raster.array).astype("float32")
    profile = {"driver": "GTiff", "width": raster.shape[1], "height": raster.shape[0], "count": 1,
               "dtype": "float32", "crs": raster.crs.to_wkt() if raster.crs is not None else None,
               "transform": raster.transform, "nodata": nodata, "compress": "deflate",
               "tiled": True, "blockxsize": 256, "blockysize": 256}
    if raster.shape[0] < 256 or raster.shape[1] < 256:
        profile.update(tiled=False)
        del profile["blockxsize"], profile["blockysize"]
    def readable(tmp: Path) -> None:
        try:
            with rasterio.open(tmp) as src:
                ok = src.shape == data.shape and src.count == 1
                src.read(1, window=((data.shape[0] - 1, data.shape[0]), (0, data.shape[1])))
        except Exception as err:  # a short file (full disk) fails to open or read
            raise LayerWriteError(msg(f"{path}：写出的 GeoTIFF 无法读回（{err}）；磁盘可能已满。"
                                      f"{path} 未作任何改动。修正：清理 {path.parent} 的空间后重新运行",
                                      f"{path}: the GeoTIFF written does not read back ({err}); the disk "
                                      f"may be full. Nothing was changed at {path}. Fix: free space on "
                                      f"{path.parent} and run it again")) from err
        if not ok:
            raise LayerWriteError(msg(f"{path}：写出的 GeoTIFF 读回时不是 {data.shape[0]}x{data.shape[1]} 个栅格",
                                      f"{path}: the GeoTIFF written does not read back as "
                                      f"{data.shape[0]}x{data.shape[1]} cells"))

    with atomic_path(path, overwrite=overwrite, protect=[raster.source], verify=readable) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data, 1)
    return path


def grade_columns(unit: AreaUnit) -> list[str]:
    """Names of the per-grade area columns, e.g. ``grade1_area_m2``."""
    return [f"grade{k}_{unit.column}" for k in range(1, 6)]


def grade_labels_zh(unit: AreaUnit) -> dict[str, str]:
    """Chinese report headers of the per-grade area and share columns."""
    names = {f"grade{k}_{unit.column}": f"{_ROMAN[k]}级坡({SLOPE_GRADES[k]})面积({unit.zh})" for k in range(1, 6)}
    names.update({f"grade{k}_share_pct": f"{_ROMAN[k]}级坡占比(%)" for k in range(1, 6)})
    return names


def _zones_on_dem(layer: Any, dem: Any, id_field: str | None) -> tuple[str, Raster, pd.Index, np.ndarray]:
    """The checks before zonal statistics: the DEM read and in metres, the layer on it, ids, polygons."""
    name = layer_name(layer)
    raster = read_dem(dem)
    check_dem_crs(raster)
    check_on_dem(layer, raster, name)
    return name, raster, zone_index(layer, id_field, name), check_polygons(layer, name)


def slope_classes(parcels: Any, dem: Any, *, id_field: str | None = None, unit: "str | AreaUnit" = "m2",
                  total: bool = False, labels: str = "en") -> pd.DataFrame:
    """Survey slope grade of every parcel (largest-area rule) and its area in each grade.

    Parameters
    ----------
    parcels : GeoDataFrame or GeoSeries
        Polygons in the DEM's CRS (projected Gauss–Krüger).
    dem : path, rasterio dataset or Raster
        Elevations in metres.
    id_field : str, optional
        Field to index the result by (unique); default: the input's index.
    unit : str or AreaUnit
        Unit of the area columns: m2 (default), ha, mu, km2.
    total : bool
        Append a 合计 row (areas summed, shares recomputed).
    labels : {"en", "zh"}
        Column names with units, or Chinese report headers.

    Returns
    -------
    DataFrame
        One row per parcel: ``slope_grade`` (1–5, the grade holding the
        largest area; <NA> where the DEM has no data under the parcel),
        ``area_<unit>`` (survey ellipsoidal area), ``grade1_area_<unit>`` …
        ``grade5_area_<unit>``, ``nodata_area_<unit>`` (outside the DEM or on
        nodata cells), ``grade1_share_pct`` … ``grade5_share_pct`` (of the
        parcel's area), ``slope_mean_deg`` (coverage-weighted) and
        ``slope_max_deg``.

    Notes
    -----
    Each DEM cell counts with the fraction of it the parcel covers
    (exactextract), so a parcel covering half a cell gets half its area.
    The covered plane area of each grade is multiplied by the parcel's
    ellipsoidal/planar area ratio: the grade areas plus the nodata area add
    up to the parcel's survey ellipsoidal area. On equal areas the gentler
    grade wins.

    Examples
    --------
    A DEM of two halves, flat (west) and 30° (east), 10 m cells:

    >>> import geopandas as gpd
    >>> x = np.arange(6) * 10.0
    >>> z = np.where(x < 30, 0.0, (x - 25) * np.tan(np.radians(30)))
    >>> dem = Raster(np.tile(z, (4, 1)), Affine(10, 0, 38_570_000, 0, -10, 3_575_000), 4526)
    >>> parcels = gpd.GeoSeries([shapely.box(38_570_000, 3_574_970, 38_570_020, 3_574_990)], crs=4526)
    >>> t = slope_classes(parcels, dem)
    >>> int(t.loc[0, "slope_grade"]), round(float(t.loc[0, "area_m2"]), 2)
    (1, 399.95)
    """
    unit_ = AreaUnit.create(unit)
    name, raster, index, geoms = _zones_on_dem(parcels, dem, id_field)
    zonal = terrain_stats(geoms, raster.crs, raster, slope(raster))
    table = _grade_table(zonal, unit_, index)
    table["slope_mean_deg"] = zonal.slope_mean
    table["slope_max_deg"] = zonal.slope_max
    if total:
        table = _total_with_shares(table, unit_)
    names = {"slope_grade": "坡度级别", unit_.column: f"面积({unit_.zh})",
             f"nodata_{unit_.column}": f"无高程数据面积({unit_.zh})",
             "slope_mean_deg": "平均坡度(度)", "slope_max_deg": "最大坡度(度)"}
    names.update(grade_labels_zh(unit_))
    return relabel(table, names, labels=labels)


def farmland_slope_grades(patches: Any, dem: Any, *, field: str = "GDPDJB", class_field: str | None = "DLBM",
                          id_field: str | None = None) -> pd.Series:
    """The survey slope grade (耕地坡度级别, GDPDJB) of every farmland patch, from a DEM.

    Parameters
    ----------
    patches : GeoDataFrame or GeoSeries
        Land-use survey patches (地类图斑) in the DEM's CRS (projected Gauss–Krüger).
    dem : path, rasterio dataset or Raster
        Elevations in metres; it must cover every farmland patch.
    field : str
        Name of the returned Series (the survey field it fills).
    class_field : str or None
        Land-use code field; patches whose code is farmland (耕地, DLBM 01xx)
        are graded. ``None`` grades every patch (a GeoSeries is always graded whole).
    id_field : str, optional
        Field to index the result by (unique); default: the input's index.

    Returns
    -------
    Series
        Text grades ``"1"`` … ``"5"`` (≤2°, 2°–6°, 6°–15°, 15°–25°, >25°; the
        survey field is text), indexed like the input, named ``field``;
        ``<NA>`` for patches that are not farmland and for farmland without
        a geometry. ``patches.assign(GDPDJB=farmland_slope_grades(patches, dem))``
        fills the field.

    Raises
    ------
    ValidationError
        A farmland patch lies partly or wholly outside the DEM or on its
        nodata cells (every such patch is named, with its uncovered area), or
        a geometry is not a valid polygon.
    SchemaError
        ``class_field`` is missing.
    CRSError
        The DEM or the patches are not in one projected CRS in metres.

    Notes
    -----
    The rule of the survey (《利用DEM确定耕地坡度分级技术规定》, kept by 三调): a
    patch is not split; when it spans several grades it takes the grade
    covering the largest part of its area. Each DEM cell counts with the
    fraction of it the patch covers and the areas are survey ellipsoidal
    areas, as in :func:`slope_classes` (whose ``slope_grade`` column this is,
    for the farmland rows); on equal areas the gentler grade wins. Whether a
    sloping patch is terraced (梯田 ``TT``) or not (坡地 ``PD``, the GDLX
    field) is not visible in a DEM and is left to the survey.

    Examples
    --------
    A plane rising 10 % eastwards (5.71°, grade 2) with a paddy field, a
    homestead and a dry-land patch on it:

    >>> import geopandas as gpd
    >>> x = np.arange(10) * 10.0
    >>> dem = Raster(np.tile(0.1 * x, (10, 1)), Affine(10, 0, 38_570_000, 0, -10, 3_575_100), 4526)
    >>> patches = gpd.GeoDataFrame({"DLBM": ["0101", "0702", "0103"]}, geometry=[
    ...     shapely.box(38_570_010, 3_575_010, 38_570_040, 3_575_040),
    ...     shapely.box(38_570_050, 3_575_010, 38_570_080, 3_575_040),
    ...     None], crs=4526, index=["T1", "T2", "T3"])
    >>> farmland_slope_grades(patches, dem).tolist()
    ['2', <NA>, <NA>]

    A farmland patch off the DEM is refused:

    >>> off = patches.set_geometry([shapely.box(38_570_090, 3_575_010, 38_570_120, 3_575_040), None, None])
    >>> farmland_slope_grades(off, dem)
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: layer：1 个耕地图斑部分或全部位于 DEM DEM 之外或其无数据栅格上，坡度级别无法确定；未覆盖面积：T1 (599.9 m²)。修正：使用覆盖全部耕地图斑的 DEM，或只对其上的图斑分级（patches[patches.within(shapely.box(*xigeo.read_dem(dem).bounds))]）
    """
    name, raster, index, geoms = _zones_on_dem(patches, dem, id_field)
    if class_field is None or not hasattr(patches, "columns"):
        farm = np.ones(len(geoms), dtype=bool)
    else:
        require_fields(patches, [class_field], name=name)
        farm = np.asarray(is_farmland(patches[class_field].to_numpy()), dtype=bool)
    rows = np.flatnonzero(farm)
    out = pd.Series(pd.NA, index=index, name=field, dtype="string")
    if not len(rows):
        return out
    zonal = terrain_stats(geoms[rows], raster.crs, raster, slope(raster))
    uncovered = np.zeros(len(geoms))
    uncovered[rows] = zonal.nodata_m2
    off = uncovered > 0.01
    if off.any():
        ids = list(index[off])
        where = ", ".join(f"{i} ({a:,.1f} m²)" for i, a in zip(ids[:20], uncovered[off][:20]))
        rest = len(ids) - 20
        more = msg(f"，…（另有 {rest} 个）", f", … ({rest} more)") if rest > 0 else ""
        subset = "patches[patches.within(shapely.box(*xigeo.read_dem(dem).bounds))]"
        raise ValidationError(msg(
            f"{name}：{len(ids)} 个耕地图斑部分或全部位于 DEM {raster.name} 之外或其无数据栅格上，"
            f"坡度级别无法确定；未覆盖面积：{where}{more}。修正：使用覆盖全部耕地图斑的 DEM，"
            f"或只对其上的图斑分级（{subset}）",
            f"{name}: {len(ids)} farmland patch(es) lie partly or wholly outside the DEM {raster.name} "
            f"or on its nodata cells, so their slope grade is unknown; uncovered area: {where}{more}. "
            "Fix: use a DEM that covers every farmland patch, or grade only the patches on it "
            f"({subset})"), problems=ids)
    covered = zonal.grade_m2.sum(axis=1) > 0
    grade = (np.argmax(zonal.grade_m2, axis=1) + 1).astype(str)
    out.iloc[rows] = pd.Series(np.where(covered, grade, None), dtype="string").to_numpy()
    logger.debug("%s: graded %d farmland patches on %s", name, int(covered.sum()), raster.name)
    return out


def _grade_table(zonal: TerrainStats, unit: AreaUnit, index: pd.Index) -> pd.DataFrame:
    """slope_grade, area, per-grade areas, nodata area and per-grade shares."""
    factor = float(unit.m2)
    covered = zonal.grade_m2.sum(axis=1) > 0
    grade = pd.array(np.where(covered, np.argmax(zonal.grade_m2, axis=1) + 1, 0), dtype="Int64")
    grade[~covered] = pd.NA
    table = pd.DataFrame({"slope_grade": grade, unit.column: zonal.area_m2 / factor}, index=index)
    for k, column in enumerate(grade_columns(unit)):
        table[column] = zonal.grade_m2[:, k] / factor
    table[f"nodata_{unit.column}"] = zonal.nodata_m2 / factor
    with np.errstate(invalid="ignore", divide="ignore"):
        for k in range(5):
            table[f"grade{k + 1}_share_pct"] = np.where(
                zonal.area_m2 > 0, zonal.grade_m2[:, k] / zonal.area_m2 * 100.0, np.nan)
    missing = np.flatnonzero(zonal.nodata_m2 > 0.01)
    if len(missing):
        logger.warning(msg("%d 个面部分位于 DEM 之外或无数据栅格上（%s）；其无数据面积单独列出",
                           "%d polygon(s) lie partly outside the DEM or on nodata cells (%s); their "
                           "nodata area is reported apart"), len(missing), format_ids(list(index[missing])))
    return table


def _total_with_shares(table: pd.DataFrame, unit: AreaUnit, extra: Sequence[str] = ()) -> pd.DataFrame:
    sums = [unit.column, *grade_columns(unit), f"nodata_{unit.column}", *extra]
    ratios = {f"grade{k}_share_pct": (f"grade{k}_{unit.column}", unit.column, 100.0) for k in range(1, 6)}
    return add_total(table, sum_columns=sums, ratios=ratios)


