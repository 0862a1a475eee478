"""Farmland overlap (基本农田/耕地占用检查): how much of each parcel lies on protected farmland.

:func:`farmland_overlap` overlays planned parcels (建设项目, 建新区, 报批地块 …)
with a farmland layer (永久基本农田 ``jbnt``, or the farmland patches of a land-use
survey) and reports, as the pre-review and linkage checks need them:

- every overlap piece (one row per parcel × farmland patch): the patch's TBBH,
  DLBM and DLMC, the survey ellipsoidal area of the piece, its share of the
  parcel and of the patch, and the pro-rated attribute area (the patch's
  TBDLMJ or JBNTMJ × the patch share), the way official figures are often
  computed;
- one row per parcel, those with no overlap included: total overlap, share,
  number of patches, and a verdict;
- slivers (pieces not larger than ``tolerance_m2``, 10 m² by default: the
  digitising noise where a parcel boundary follows a patch boundary) are
  never dropped: they are flagged, counted and listed;
- farmland patches that overlap each other (duplicates, a patch inside
  another) do not count the same ground twice: a parcel's overlap is the
  area of the union of its pieces, and ``double_counted_m2`` says how much
  the plain sum would have counted twice (a :class:`~xigeo.errors.XigeoWarning`
  names the parcels).

The overlay is one STRtree bulk query for the candidate pairs, then a
compiled clipping kernel (:mod:`xigeo._clip`: exact orientation tests, GEOS
only for the few pairs it cannot decide with certainty), whose rings are
measured directly by the survey area kernel. It gives the pieces
``geopandas.overlay(..., how="intersection")`` gives, in a fraction of the
time (docs/performance.md has the figures).

The result is a :class:`FarmlandOverlap` (the result contract of
:mod:`xigeo._result`); :func:`farmland_overlap` has an example.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import warnings
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._layers import as_frame, check_ids, describe, require_features
from ._options import choose, non_negative
from ._overlay import gc_paused, measured_pieces, odd_geometries, overlapping_within
from ._result import Result, TableSpec, Total
from ._tables import index_by
from .area import AreaMethod, area
from .crs import check_crs, check_same_crs, normalize_crs
from .prepared import Near, PreparedLayer, near_patches, reference_layer
from ._lang import language, msg
from .errors import CRSError, XigeoWarning, fix, format_ids
from .units import AreaUnit, convert_area
from .validate import checked_polygons, validate_layer

__all__ = ["FarmlandOverlap", "farmland_overlap", "VERDICTS", "PATCH_FIELDS", "AREA_FIELDS"]

log = logging.getLogger(__name__)

#: patch attributes copied onto the pieces when the farmland layer has them
PATCH_FIELDS = ("TBBH", "DLBM", "DLMC")
#: attribute areas (m²) pro-rated by the patch share, the first one present is used:
#: TBDLMJ (survey class area, dltb) and JBNTMJ (protected area, jbnt), then TBMJ
AREA_FIELDS = ("TBDLMJ", "JBNTMJ", "TBMJ")
#: verdict of a parcel, with its Chinese label
VERDICTS = {"clear": "不占用", "slivers only": "仅碎片", "touches": "占用"}
ENGINES = ("local", "dask")

_ZH_COLUMNS = {
    "parcel_id": "地块编号", "patch_id": "图斑标识", "TBBH": "图斑编号", "DLBM": "地类编码",
    "DLMC": "地类名称", "area_m2": "叠加面积(平方米)", "area_ha": "叠加面积(公顷)",
    "area_mu": "叠加面积(亩)", "parcel_share": "占地块比例", "patch_share": "占图斑比例",
    "prorated_m2": "折算地类面积(平方米)", "sliver": "碎片",
    "parcel_m2": "地块面积(平方米)", "overlap_m2": "占用面积(平方米)", "overlap_ha": "占用面积(公顷)",
    "overlap_mu": "占用面积(亩)", "share": "占用比例", "n_patches": "涉及图斑数",
    "n_slivers": "碎片数", "sliver_m2": "碎片面积(平方米)", "double_counted_m2": "重叠重复面积(平方米)",
    "verdict": "结论",
}


@dataclasses.dataclass(frozen=True, repr=False)
class FarmlandOverlap(Result):
    """Result of :func:`farmland_overlap` (the result contract: :mod:`xigeo._result`).

    Attributes
    ----------
    by_parcel : DataFrame
        One row per input parcel, indexed like the parcels: ``parcel_m2``,
        ``overlap_m2`` (area of the union of the parcel's pieces),
        ``overlap_ha``, ``overlap_mu``, ``share``, ``n_patches``,
        ``n_slivers``, ``sliver_m2``, ``double_counted_m2``, ``prorated_m2``,
        ``verdict`` ("clear", "slivers only" or "touches").
    pieces : GeoDataFrame
        One row per (parcel, farmland patch) overlap: ``parcel_id``,
        ``patch_id``, the patch's TBBH/DLBM/DLMC where present, ``area_m2``,
        ``area_ha``, ``area_mu``, ``parcel_share``, ``patch_share``,
        ``prorated_m2`` (the patch's attribute area × ``patch_share``; NaN
        without such a field), ``sliver`` and the piece's geometry
        (``table("pieces")`` leaves the geometry out).
    passed : bool
        No parcel overlaps the farmland by more than ``tolerance_m2``.
    tolerance_m2, method, area_field
        The options the result was computed with (``area_field``: the
        attribute pro-rated, or None).
    parcels_name, farmland_name, n_farmland
        The layers as the summary names them (file name or role) and the
        number of farmland patches (None for a lazy dask layer).

    ``summary("zh")`` / ``summary("en")`` give the report's paragraph;
    ``table("by_parcel", labels="zh")`` the Chinese headers and verdicts
    (占用 / 仅碎片 / 不占用), ``total=True`` its 合计 row (share recomputed).
    """

    TITLE = ("农田占用检查", "Farmland overlap")
    TABLES = {
        "by_parcel": TableSpec("地块占用农田情况表", "Farmland overlap by parcel", _ZH_COLUMNS,
                               values_zh={"verdict": VERDICTS},
                               total=Total(ratios={"share": ("overlap_m2", "parcel_m2", 1.0)}),
                               note_zh="合计行的占用比例为占用面积合计÷地块面积合计。"),
        "pieces": TableSpec("叠加图斑明细表", "Overlap pieces", _ZH_COLUMNS),
    }

    by_parcel: pd.DataFrame
    pieces: gpd.GeoDataFrame
    passed: bool
    tolerance_m2: float
    method: str
    area_field: str | None
    parcels_name: str = "parcels"
    farmland_name: str = "farmland"
    n_farmland: int | None = None

    @property
    def slivers(self) -> gpd.GeoDataFrame:
        """The sliver pieces (area ≤ ``tolerance_m2``), listed rather than dropped."""
        return self.pieces[self.pieces["sliver"].to_numpy(dtype=bool)]

    def _summary(self, lang: str) -> str:
        return _summary_text(self, lang)

    def _repr_html_(self) -> str:
        head, _, tail = super()._repr_html_().rpartition("</div>")
        slivers = self.slivers
        if not len(slivers):
            return head + "</div>" + tail
        from ._result import HTML_ROWS, html_table

        table = pd.DataFrame(slivers.drop(columns=slivers.geometry.name)).head(HTML_ROWS)
        return (f"{head}<p><b>碎片 Slivers</b> <code>.slivers</code> ({len(slivers)} rows)</p>\n"
                f"{html_table(table)}\n</div>{tail}")




def farmland_overlap(parcels: gpd.GeoDataFrame | gpd.GeoSeries,
                     farmland: gpd.GeoDataFrame | gpd.GeoSeries | str | os.PathLike[str] | PreparedLayer,
                     *, tolerance_m2: float = 10.0, method: str | AreaMethod = "ellipsoidal",
                     engine: str = "local", partitions: int | None = None,
                     patch_fields: Sequence[str] = PATCH_FIELDS,
                     area_field: str | None = None, id_field: str | None = None,
                     cache: bool = True) -> FarmlandOverlap:
    """Overlay parcels with farmland: overlap per piece and per parcel, slivers listed.

    Parameters
    ----------
    parcels : GeoDataFrame or GeoSeries
        The planned parcels, indexed by their id (``gdf.set_index("XMBH")``),
        or with the id in the field ``id_field``.
    farmland : GeoDataFrame, GeoSeries, path or PreparedLayer (or, with ``engine="dask"``, a dask-geopandas GeoDataFrame)
        The farmland patches (永久基本农田 or the 01xx patches of a survey),
        indexed by their id (e.g. ``jbnt.set_index("BSM")``), in the same CRS.
        A province's layer can stay on disk: ``dask_geopandas.read_parquet``
        of a spatially partitioned GeoParquet, read partition by partition
        by the workers (only the partitions a parcel meets, when the file has
        spatial partitions). A county layer used again and again can be
        given as its file path (indexed by BSM when it has that field, else
        by row number, as ``xigeo check-farmland`` does) or as a
        :class:`xigeo.PreparedLayer` (:func:`xigeo.prepare`): only the patches
        near the parcels are read from the prepared copy, and their validity,
        survey areas and whether they overlap each other are not computed
        again (the results are the same as for the layer in memory).
    tolerance_m2 : float
        Sliver tolerance, m² (default 10): a piece not larger than this is a
        sliver; a parcel whose total overlap is not larger than this only has
        slivers and does not fail the check.
    method : {"ellipsoidal", "geodesic", "planar"}
        How areas are measured (:func:`xigeo.area.area`); the survey
        ellipsoidal area by default.
    engine : {"local", "dask"}
        ``local`` (default): one process, the compiled overlay kernel on a
        thread per CPU. ``dask``: the farmland is overlaid partition by
        partition on whatever dask scheduler is active (a ``distributed``
        Client, or ``dask.config.set(scheduler=...)``): an in-memory layer is
        cut into runs of its patches in Hilbert order (scattered to the
        workers), a lazy layer keeps its partitions; the patches are
        validated and measured on the workers and only the pieces come back,
        so the results are those of the local engine. On one machine the
        local engine is faster; the dask engine is for layers that do not
        fit in memory and for clusters (docs/performance.md). Needs
        ``pip install xigeo[dask]`` (dask-geopandas, distributed).
    partitions : int, optional
        Number of farmland partitions for ``engine="dask"`` with an in-memory
        layer (default: one per 50,000 patches, at least 2).
    patch_fields : sequence of str
        Patch attributes copied onto the pieces when present (TBBH, DLBM, DLMC).
    area_field : str, optional
        The patch's attribute area (m²) to pro-rate; default: the first of
        TBDLMJ, JBNTMJ, TBMJ the layer has (none: ``prorated_m2`` is NaN).
    id_field : str, optional
        The parcels' id field (kept as a column too); default: the index.
    cache : bool
        With ``farmland`` a file path: use the prepared-layer cache
        (default; :func:`xigeo.prepare`, prepared on the first use); False
        reads the file every time.

    Returns
    -------
    FarmlandOverlap
        The tables ``by_parcel`` and ``pieces``, ``passed``, ``slivers``,
        ``summary(lang)`` (see :class:`FarmlandOverlap`).

    Raises
    ------
    OptionError
        A negative ``tolerance_m2``, an unknown ``method`` or ``engine``.
    CRSError
        A layer has no CRS, a wrong one, or the two differ (:func:`xigeo.check_same_crs`).
    ValidationError
        Invalid, missing, empty or non-polygon geometries, duplicate or
        missing ids (:func:`xigeo.validate_layer`): fix or ``xigeo.repair`` first.
    SchemaError
        ``area_field`` is not a field of the farmland layer, ``id_field`` not
        one of the parcels.

    Notes
    -----
    Verdicts: ``clear`` — no overlap with an area (sharing a boundary is not
    an overlap); ``slivers only`` — total overlap > 0 and ≤ ``tolerance_m2``;
    ``touches`` — the parcel lies on farmland: total overlap > ``tolerance_m2``
    (several slivers that add up to more than the tolerance count).
    Every piece's area is the area of the piece polygon measured by
    ``method`` (with the survey rules, to 0.01 m²), so the pieces agree with
    ``geopandas.overlay`` pieces measured the same way.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely import box
    >>> x0, y0 = 38_560_000, 3_580_000
    >>> parcels = gpd.GeoDataFrame(geometry=[box(x0, y0, x0 + 100, y0 + 100),
    ...     box(x0 + 300, y0, x0 + 400, y0 + 100)], index=pd.Index(["P1", "P2"], name="XMBH"), crs=4526)
    >>> farmland = gpd.GeoDataFrame({"TBBH": ["12", "13"], "DLBM": ["0101", "0103"],
    ...     "DLMC": ["水田", "旱地"], "TBDLMJ": [9000.0, 9600.0]},
    ...     geometry=[box(x0 + 50, y0, x0 + 150, y0 + 100), box(x0 + 399.95, y0, x0 + 499.95, y0 + 100)],
    ...     index=pd.Index(["J1", "J2"], name="BSM"), crs=4526)
    >>> result = farmland_overlap(parcels, farmland, method="planar")
    >>> result.passed
    False
    >>> result.pieces[["parcel_id", "patch_id", "TBBH", "area_m2", "patch_share", "prorated_m2", "sliver"]]
      parcel_id patch_id TBBH  area_m2  patch_share  prorated_m2  sliver
    0        P1       J1   12   5000.0       0.5000       4500.0   False
    1        P2       J2   13      5.0       0.0005          4.8    True
    >>> result.by_parcel[["overlap_m2", "share", "n_patches", "n_slivers", "verdict"]]
           overlap_m2   share  n_patches  n_slivers       verdict
    XMBH
    P1         5000.0  0.5000          1          0       touches
    P2            5.0  0.0005          1          1  slivers only
    >>> result.table("by_parcel", labels="zh", total=True)[["占用面积(平方米)", "占用比例", "结论"]]
          占用面积(平方米)    占用比例   结论
    项目编号
    P1       5000.0  0.5000   占用
    P2          5.0  0.0005  仅碎片
    合计       5005.0  0.2503  NaN
    >>> result.summary("en")[:70]
    'Farmland check of 2 parcels (parcels) against 2 farmland patches (farm'
    >>> print(result.summary())  # doctest: +ELLIPSIS
    农田占用检查：2个地块（parcels）与2个农田图斑（farmland）叠加，平面面积，碎片容差10平方米。占用农田的地块1个，...结论：不通过。
    """
    with gc_paused():
        return _farmland_overlap(parcels, farmland, tolerance_m2=tolerance_m2, method=method,
                                 engine=engine, partitions=partitions, patch_fields=patch_fields,
                                 area_field=area_field, id_field=id_field, cache=cache)


def _farmland_overlap(parcels: Any, farmland: Any, *, tolerance_m2: float, method: str | AreaMethod,
                      engine: str, partitions: int | None, patch_fields: Sequence[str],
                      area_field: str | None, id_field: str | None, cache: bool) -> FarmlandOverlap:
    from .errors import SchemaError

    method = AreaMethod.create(method)
    engine = choose(engine, ENGINES, name="engine")
    if engine == "dask":
        _require_dask()
    tolerance_m2 = non_negative(tolerance_m2, name="tolerance_m2")
    near: Near | None = None
    n_prepared: int | None = None
    crs_known = False  # the farmland layer as a whole passed check_crs before (its CRS unchanged)
    if isinstance(farmland, (str, os.PathLike)):
        farmland = reference_layer(farmland, cache=cache)
    all_columns: list[str] | None = None
    if isinstance(farmland, PreparedLayer):
        # only the patches near the parcels and the fields the check uses, with what preparing
        # them computed once
        all_columns = farmland.columns
        wanted = [c for c in all_columns if c in patch_fields or c in AREA_FIELDS or c == area_field]
        n_prepared, near = len(farmland), near_patches(farmland, parcels, columns=wanted)
        crs_known = bool(farmland.meta.get("crs_checked", False))  # at preparation
        farmland = near.frame
    p_label, f_label = describe(parcels, "parcels"), describe(farmland, "farmland")
    lazy = engine == "dask" and _is_dask_frame(farmland)
    if lazy:
        # a lazy layer: its CRS is compared, its coordinates stay on the workers
        check_crs(parcels, name=p_label)
        if farmland.crs is None or not pyproj.CRS(farmland.crs).equals(pyproj.CRS(parcels.crs)):
            raise CRSError(msg(
                f"{f_label} 的坐标系为 {getattr(farmland.crs, 'name', None)}，{p_label} 的为 "
                f"{parcels.crs.name}：请让两个图层使用同一坐标系（"
                + fix("先 farmland.to_crs(parcels.crs)，再转为延迟计算的图层", "先把其中一个文件重投影")
                + "）",
                f"{f_label} is in {getattr(farmland.crs, 'name', None)}, {p_label} in "
                f"{parcels.crs.name}: give both layers the same CRS ("
                + fix("farmland.to_crs(parcels.crs) before making it lazy",
                      "reproject one file first") + ")"))
    elif crs_known or _crs_checked_before(farmland):
        # the layer's CRS guard passed on the whole layer (at preparation, or by an earlier
        # check of this layer, same geometries and CRS): the parcels' own, and the same CRS
        check_crs(parcels, name=p_label)
        if not (isinstance(farmland, (gpd.GeoDataFrame, gpd.GeoSeries)) and farmland.crs is not None
                and normalize_crs(parcels.crs).equals(normalize_crs(farmland.crs))):
            check_same_crs(parcels, farmland, names=(p_label, f_label))  # its message
    else:
        check_same_crs(parcels, farmland, names=(p_label, f_label))
        if near is None and engine == "local":  # the local engine queries the layer's index
            _remember_crs_checked(farmland)
    if id_field is not None:
        parcels = index_by(as_frame(parcels, p_label), id_field, name=p_label)
    parcels = checked_polygons(parcels, p_label)
    if isinstance(farmland, gpd.GeoSeries):
        farmland = as_frame(farmland, f_label)
    if not lazy and n_prepared is None:
        # no farmland is not "no overlap"
        require_features(farmland, f_label, msg("永久基本农田图斑", "farmland patches"))
    elif n_prepared == 0:  # a prepared layer: the whole layer is empty, not just its part near the parcels
        require_features(farmland, f_label, msg("永久基本农田图斑", "farmland patches"))
    if not (lazy or isinstance(farmland, gpd.GeoDataFrame)):
        raise TypeError(msg(f"{f_label}：需要 GeoDataFrame 或 GeoSeries（engine='dask' 时也可为 "
                            f"dask_geopandas.GeoDataFrame），收到的是 {type(farmland).__name__}",
                            f"{f_label}: need a GeoDataFrame or GeoSeries (or, with engine='dask', a "
                            f"dask_geopandas.GeoDataFrame), got {type(farmland).__name__}"))
    columns = ([c for c in farmland.columns if c != farmland.geometry.name] if all_columns is None
               else all_columns)
    if area_field is None:
        area_field = next((f for f in AREA_FIELDS if f in columns), None)
    elif area_field not in columns:
        raise SchemaError(msg(f"{f_label}：没有用于按比例分摊的字段 {area_field!r}；图层的字段为："
                              f"{', '.join(str(c) for c in columns)}",
                              f"{f_label}: no field {area_field!r} to pro-rate; the layer has: "
                              f"{', '.join(str(c) for c in columns)}"))
    crs = parcels.crs
    left = np.asarray(parcels.geometry.values, dtype=object)
    fields = [f for f in patch_fields if f in columns]
    carry = fields + ([area_field] if area_field is not None and area_field not in fields else [])

    if engine == "dask":
        from ._farmland_dask import dask_pieces

        li, patches, geoms = dask_pieces(left, farmland, fields=carry, partitions=partitions,
                                         crs=crs, method=method.value, name=f_label)
        piece_m2 = area(gpd.GeoSeries(geoms, crs=crs), method=method).to_numpy()
        patch_m2_piece = patches["patch_m2"].to_numpy(dtype=float)
        patch_ids = patches.index.to_numpy()
        attrs = {f: patches[f].array for f in carry}
        n_farmland: int | None = None if lazy else len(farmland) if n_prepared is None else n_prepared
        overlapping = overlapping_within(li, geoms)
    else:
        # ids and duplicates on every row; validity only for the patches whose box meets a
        # parcel's box (the others cannot take part; testing them is what costs on a big layer)
        check_ids(farmland.index, f_label, unique=False)  # duplicates: validate_layer lists them
        if farmland.index.has_duplicates:
            validate_layer(farmland, name=f_label)  # reports the duplicate ids (and everything else)
        right = farmland.geometry.values
        measured = measured_pieces(
            left, np.asarray(right, dtype=object), crs=crs, method=method,
            label=msg("永久基本农田相交部分", "farmland pieces"),
            # geopandas keeps the layer's spatial index: built by the first check, reused after
            tree=right.sindex if near is None else None,
            right_odd=_odd_rows(right) if near is None else None,
            # a prepared layer: the pairs found from its stored boxes (no tree built again)
            pairs=near.pairs if near is not None else None,
            # the geometry column alone: copying the attributes of 100,000s of rows costs more
            check_right=lambda rows: validate_layer(farmland.geometry.iloc[rows], name=f_label),
            right_valid=None if near is None else near.valid,
            # the survey areas measured at preparation (unless that could not measure them)
            right_m2=near.m2 if near is not None and method is AreaMethod.ELLIPSOIDAL
            and not np.isnan(near.m2[near.valid]).any() else None)
        li, ri, geoms = measured.li, measured.ri, measured.pieces
        piece_m2, patch_m2_piece = measured.piece_m2, measured.right_m2
        patch_ids = farmland.index.take(ri).to_numpy()
        # the columns' own arrays (Arrow strings stay Arrow strings: no Python str per piece)
        attrs = {f: farmland[f].array.take(ri) for f in carry}
        n_farmland = len(farmland) if n_prepared is None else n_prepared
        if near is None:
            overlapping = measured.overlapping()
        else:
            overlapping = _overlapping_flagged(li, geoms, near.cover_ok[ri], ri,
                                               np.asarray(farmland.geometry.values, dtype=object))
    parcel_m2 = area(parcels, method=method).to_numpy()

    pieces = pd.DataFrame({"parcel_id": parcels.index.take(li).to_numpy(), "patch_id": patch_ids})
    for field in fields:
        pieces[field] = attrs[field]
    pieces["area_m2"] = piece_m2
    pieces["area_ha"] = convert_area(piece_m2, AreaUnit.M2, AreaUnit.HA)
    pieces["area_mu"] = convert_area(piece_m2, AreaUnit.M2, AreaUnit.MU)
    with np.errstate(divide="ignore", invalid="ignore"):
        pieces["parcel_share"] = piece_m2 / parcel_m2[li]
        pieces["patch_share"] = piece_m2 / patch_m2_piece
    if area_field is not None:
        attr = pd.to_numeric(pd.Series(attrs[area_field], copy=False), errors="coerce").to_numpy(dtype=float)
        pieces["prorated_m2"] = attr * pieces["patch_share"].to_numpy()
    else:
        pieces["prorated_m2"] = np.nan
    sliver = piece_m2 <= tolerance_m2
    pieces["sliver"] = sliver
    pieces_gdf = gpd.GeoDataFrame(pieces, geometry=gpd.GeoSeries(geoms, crs=crs, index=pieces.index))

    # per parcel; farmland patches overlapping each other must not count ground twice
    n = len(parcels)
    summed = np.bincount(li, weights=piece_m2, minlength=n)
    double = _double_counted(li, geoms, n, crs, method, summed, overlapping)
    overlap = summed - double
    by_parcel = pd.DataFrame({
        "parcel_m2": parcel_m2,
        "overlap_m2": overlap,
        "overlap_ha": convert_area(overlap, AreaUnit.M2, AreaUnit.HA),
        "overlap_mu": convert_area(overlap, AreaUnit.M2, AreaUnit.MU),
        "share": overlap / parcel_m2,
        "n_patches": np.bincount(li, minlength=n),
        "n_slivers": np.bincount(li[sliver], minlength=n),
        "sliver_m2": np.bincount(li[sliver], weights=piece_m2[sliver], minlength=n),
        "double_counted_m2": double,
        "prorated_m2": np.bincount(li, weights=np.nan_to_num(pieces["prorated_m2"].to_numpy()),
                                   minlength=n) if area_field is not None else np.nan,
    }, index=parcels.index.copy())
    verdict = np.where(by_parcel["n_patches"].to_numpy() == 0, "clear",
                       np.where(overlap > tolerance_m2, "touches", "slivers only"))
    by_parcel["verdict"] = verdict
    passed = bool((verdict != "touches").all())
    result = FarmlandOverlap(by_parcel=by_parcel, pieces=pieces_gdf, passed=passed,
                             tolerance_m2=tolerance_m2, method=method.value, area_field=area_field,
                             parcels_name=Path(p_label).name, farmland_name=Path(f_label).name,
                             n_farmland=n_farmland)
    log.info("%s", result.summary(language()))
    return result


#: per farmland layer (the spatial index geopandas keeps on its geometry array, which geopandas
#: drops whenever a geometry of the array is set): the CRS (WKT) its CRS guard passed with
_CRS_CHECKED: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
#: the same way: per patch, missing, empty or not a polygon (a whole-layer test, made once)
_ODD: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def _odd_rows(values: Any) -> np.ndarray:
    """:func:`xigeo._overlay.odd_geometries` of a layer's geometry array, once per spatial index."""
    tree = values.sindex  # the check queries it next
    odd = _ODD.get(tree)
    if odd is None or odd.size != len(values):
        odd = odd_geometries(np.asarray(values, dtype=object))
        odd.flags.writeable = False
        _ODD[tree] = odd
    return odd


def _crs_checked_before(layer: Any) -> bool:
    """``layer`` (its geometries and CRS as they are) passed :func:`check_crs` in an earlier check.

    Tied to geopandas' spatial index of the layer's geometry array: setting a
    geometry drops that index (and so this record), a new array (``to_crs``,
    a copy, a filter) has none, and the CRS is compared as well.
    """
    values = getattr(getattr(layer, "geometry", None), "values", None)
    if values is None or not getattr(values, "has_sindex", False) or layer.crs is None:
        return False
    return _CRS_CHECKED.get(values.sindex) == layer.crs.to_wkt()


def _remember_crs_checked(layer: Any) -> None:
    values = getattr(getattr(layer, "geometry", None), "values", None)
    if values is not None and getattr(layer, "crs", None) is not None and hasattr(values, "sindex"):
        _CRS_CHECKED[values.sindex] = layer.crs.to_wkt()  # builds the index the check uses next


def _overlapping_flagged(li: np.ndarray, geoms: np.ndarray, cover_ok: np.ndarray, ri: np.ndarray,
                         right: np.ndarray) -> np.ndarray:
    """:func:`overlapping_within` for the parcels with a piece of a patch coverage validation flagged.

    ``cover_ok``, per piece: GEOS coverage validation (at preparation) found
    no edge of its patch that fails to match a neighbour's. Two patches
    whose interiors meet are flagged (at least one of them: their crossing
    edges, or the edges of the one inside the other, or both duplicates),
    so a parcel all of whose pieces come from unflagged patches has no two
    overlapping pieces; on a true coverage no parcel is looked at.
    """
    if cover_ok.all():
        return np.empty(0, dtype=np.int64)
    flagged = np.zeros(int(li.max()) + 1 if li.size else 0, dtype=bool)
    flagged[li[~cover_ok]] = True
    sub = np.flatnonzero(flagged[li])  # the pieces of those parcels (li stays sorted)
    return overlapping_within(li[sub], geoms[sub], ri=ri[sub], right=right)


def _is_dask_frame(layer: Any) -> bool:
    try:
        import dask_geopandas
    except ImportError:  # pragma: no cover - checked by _require_dask first
        return False
    return isinstance(layer, dask_geopandas.GeoDataFrame)


def _require_dask() -> None:
    try:
        import dask_geopandas  # noqa: F401
    except ImportError:
        raise ImportError(msg("engine='dask' 需要 dask-geopandas（集群还需 distributed）："
                              "pip install xigeo[dask]",
                              "engine='dask' needs dask-geopandas (and distributed for a cluster): "
                              "pip install xigeo[dask]")) from None


def _double_counted(li: np.ndarray, geoms: np.ndarray, n: int, crs: Any, method: AreaMethod,
                    summed: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """m² a parcel's summed pieces count twice because farmland patches overlap each other.

    ``rows``: the parcels two of whose pieces overlap (:func:`xigeo._overlay.overlapping_within`).
    """
    double = np.zeros(n)
    if rows.size == 0:
        return double
    unions = np.array([shapely.union_all(geoms[li == p]) for p in rows], dtype=object)
    union_m2 = area(gpd.GeoSeries(unions, crs=crs), method=method).to_numpy()
    double[rows] = np.maximum(summed[rows] - union_m2, 0.0)
    if (double > 0).any():
        warnings.warn(msg(
            f"{int((double > 0).sum())} 个地块下的永久基本农田图斑相互重叠"
            f"（位置：{format_ids(np.flatnonzero(double > 0).tolist())}）："
            f"{double.sum():,.2f} m² 会被重复计算；每个地块的 overlap_m2 只计一次"
            "（见 by_parcel.double_counted_m2）。请修正永久基本农田图层（xigeo.validate_layer，"
            "删除重复图斑）",
            f"farmland patches overlap each other under {int((double > 0).sum())} parcel(s) "
            f"(positions {format_ids(np.flatnonzero(double > 0).tolist())}): "
            f"{double.sum():,.2f} m² would be counted twice; each parcel's overlap_m2 counts it "
            "once (see by_parcel.double_counted_m2). Fix the farmland layer (xigeo.validate_layer, "
            "remove duplicate patches)"), XigeoWarning, stacklevel=4)
    return double


def _summary_text(r: FarmlandOverlap, lang: str) -> str:
    """The summary paragraph of ``r`` in ``lang`` ("zh" or "en")."""
    by_parcel, pieces, tol, passed = r.by_parcel, r.pieces, r.tolerance_m2, r.passed
    p_label, f_label, n_patches = r.parcels_name, r.farmland_name, r.n_farmland
    verdict = by_parcel["verdict"]
    touching = verdict == "touches"
    n_touch, n_sliv, n_clear = int(touching.sum()), int((verdict == "slivers only").sum()), \
        int((verdict == "clear").sum())
    m2 = float(by_parcel.loc[touching, "overlap_m2"].sum())
    mu = m2 / AreaUnit.MU.m2
    n_pieces = int(by_parcel.loc[touching, "n_patches"].sum())
    slivers = pieces["sliver"].to_numpy(dtype=bool)
    s_n, s_m2 = int(slivers.sum()), float(pieces["area_m2"].to_numpy()[slivers].sum())
    dbl = float(by_parcel["double_counted_m2"].sum())
    method_zh = {"ellipsoidal": "椭球面积", "geodesic": "测地线面积", "planar": "平面面积"}[r.method]
    n = len(by_parcel)
    against = f"{n_patches:,} farmland patches" if n_patches is not None else "the farmland patches"
    en = (f"Farmland check of {n:,} parcel{'s' * (n != 1)} ({p_label}) against {against} "
          f"({f_label}), {r.method} areas, sliver tolerance {tol:g} m²: "
          f"{n_touch:,} parcel{'s' * (n_touch != 1)} overlap the farmland ({m2:,.2f} m² = "
          f"{mu:,.2f} mu in {n_pieces:,} pieces); {n_sliv:,} touch it only with slivers; "
          f"{n_clear:,} are clear. {s_n:,} sliver piece{'s' * (s_n != 1)} (≤ {tol:g} m², "
          f"{s_m2:,.2f} m² in all) are counted and listed (pieces.sliver).")
    zh_against = f"{n_patches:,}个农田图斑" if n_patches is not None else "农田图斑"
    zh = (f"农田占用检查：{n:,}个地块（{p_label}）与{zh_against}（{f_label}）叠加，"
          f"{method_zh}，碎片容差{tol:g}平方米。占用农田的地块{n_touch:,}个，占用面积"
          f"{m2:,.2f}平方米（{mu:,.2f}亩），叠加图斑{n_pieces:,}个；仅有碎片的地块{n_sliv:,}个；"
          f"不占用农田的地块{n_clear:,}个。碎片{s_n:,}个（≤{tol:g}平方米，合计{s_m2:,.2f}平方米）"
          "已计数并列出。")
    if dbl > 0:
        en += (f" Farmland patches overlap each other: {dbl:,.2f} m² under the parcels would "
               "be counted twice and is counted once (double_counted_m2).")
        zh += f"农田图斑相互重叠，重复面积{dbl:,.2f}平方米只计一次（double_counted_m2）。"
    en += " Result: passed." if passed else " Result: failed."
    zh += "结论：通过。" if passed else "结论：不通过。"
    return zh if lang == "zh" else en
