"""The dask engine of :func:`xigeo.farmland_overlap`: the overlay per farmland partition.

:func:`dask_pieces` gives what :func:`xigeo._overlay.intersection_pieces`
gives on the whole layers (parcel positions, patches, piece polygons, in
the same order), but the farmland layer is cut into spatial partitions that
are overlaid on the dask workers:

- a lazy ``dask_geopandas.GeoDataFrame`` (``dask_geopandas.read_parquet``
  of a Hilbert-ordered GeoParquet, say a province's farmland) is never
  brought into the client: its partitions are read by the workers, and
  with ``spatial_partitions`` set (GeoParquet written by dask-geopandas has
  them) a partition whose box meets no parcel's box is not read at all;
- a ``geopandas.GeoDataFrame`` is cut into runs of its patches in Hilbert
  order (only the geometry and the ids travel); with a ``distributed``
  Client each partition is scattered to the cluster once, not written into
  the task graph.

The parcels (a few thousand polygons) are sent once (scattered, or one
graph key), every task gets the positions of the parcels whose boxes meet
its partition, and only the pieces come back. Each task validates the
patches that can take part (boxes meeting a parcel's box, plus every
missing, empty or non-polygon geometry of the partition) with
:func:`xigeo.validate.validate_layer`, which names the patch ids, and
refuses rows without an id.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> x0, y0 = 38_560_000, 3_580_000
>>> farmland = gpd.GeoDataFrame({"DLBM": ["0101", "0103", "0102"]},
...     geometry=[box(x0, y0, x0 + 100, y0 + 100), box(x0 + 100, y0, x0 + 200, y0 + 100),
...               box(x0 + 900, y0, x0 + 1000, y0 + 100)],
...     index=pd.Index(["J1", "J2", "J3"], name="BSM"), crs=4526)
>>> parcels = np.array([box(x0 + 50, y0, x0 + 150, y0 + 50), box(x0 + 500, y0, x0 + 600, y0 + 50)])
>>> import dask
>>> with dask.config.set(scheduler="synchronous"):
...     li, patches, pieces = dask_pieces(parcels, farmland, fields=["DLBM", "TBBH"],
...                                       partitions=2, crs=farmland.crs)
>>> li.tolist(), [p.area for p in pieces]
([0, 0], [2500.0, 2500.0])
>>> patches
     DLBM  patch_pos
BSM
J1   0101          0
J2   0103          1
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geopandas.array import GeometryArray, from_shapely

from ._overlay import candidate_pairs, intersection_pieces
from ._lang import language, msg, using_language
from .errors import OptionError, ValidationError, format_ids
from .validate import validate_layer

__all__ = ["dask_pieces"]

log = logging.getLogger(__name__)

#: Default partition size for an in-memory farmland layer (patches per partition).
PATCHES_PER_PARTITION = 50_000

_POS = "patch_pos"

# with a distributed Client, scatter the partitions of an in-memory layer (False: put them in
# the task graph; kept to measure the difference)
_SCATTER = True


def dask_pieces(parcels: np.ndarray, farmland: Any, *, fields: Sequence[str],
                partitions: int | None, crs: Any, method: str | None = None,
                name: str = "farmland") -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Pieces of parcels × farmland patches, the farmland overlaid partition by partition on dask.

    Parameters
    ----------
    parcels : numpy array of shapely polygons
        The parcels' geometries, already validated (small: sent to the
        workers once).
    farmland : geopandas.GeoDataFrame or dask_geopandas.GeoDataFrame
        The farmland patches indexed by their id. A GeoDataFrame is cut into
        ``partitions`` runs of its patches in Hilbert order; a dask-geopandas
        GeoDataFrame keeps its own partitions (``partitions`` is ignored), is
        never computed as a whole, and with ``spatial_partitions`` set only
        the partitions whose box meets a parcel's box are read (read it with
        ``columns=[...]`` to read only the fields needed).
    fields : sequence of str
        Patch fields to carry onto the pieces (those the layer lacks are left
        out), e.g. ``["TBBH", "DLBM", "DLMC", "TBDLMJ"]``.
    partitions : int or None
        Number of partitions of a GeoDataFrame farmland layer (default: one
        per 50,000 patches, at least 2).
    crs : CRS-like
        The layers' CRS (given to partitions that carry none, for validation
        and for the patch areas).
    method : {"ellipsoidal", "geodesic", "planar"}, optional
        If given, the patches DataFrame also has ``patch_m2``, the area of the
        patch measured on the worker with :func:`xigeo.area.area` (what a lazy
        layer's caller cannot measure in the client).
    name : str
        The farmland layer's name in error messages.

    Returns
    -------
    li : numpy int64 array
        Parcel position of every piece.
    patches : pandas.DataFrame
        One row per piece, indexed by the patch id: the ``fields`` the layer
        has, ``patch_pos`` (the patch's row number in the farmland layer)
        and, with ``method``, ``patch_m2``.
    pieces : numpy object array
        The piece polygons.

    All three are ordered by parcel position, then patch row: the order of
    :func:`xigeo._overlay.intersection_pieces` on the whole layers, with the
    same pieces.

    Raises
    ------
    ValidationError
        A patch that can take part is invalid, missing, empty or not a
        polygon (named by its id); rows of a partition have no id (the
        partition and the rows are named); two patches met share an id.
    ImportError
        dask-geopandas is not installed.

    Notes
    -----
    The scheduler is whatever dask has active: a ``distributed`` Client (then
    the partitions of an in-memory layer are scattered: putting them in the
    task graph was 2-3× slower) or ``dask.config.set(scheduler=...)``. The
    parcels are one graph key, a GeometryArray (serialised as WKB in one
    call). Partitions of a lazy layer that no
    parcel's box meets are not read, so their rows are not validated (they
    cannot change the result); row numbers (``patch_pos``) need the lengths
    of the partitions before the last one read, so those partitions are
    counted (read) too.
    """
    import dask
    import dask_geopandas

    parcels = np.asarray(parcels, dtype=object)
    fields = list(fields)
    if isinstance(farmland, dask_geopandas.GeoDataFrame):
        runs = _lazy_runs(parcels, farmland, fields)
    elif isinstance(farmland, gpd.GeoDataFrame):
        _check_ids(farmland.index, name, msg("（图层中）", "of the layer"))
        runs = _eager_runs(parcels, farmland, partitions)
    else:
        raise TypeError(msg(f"{name}：需要 geopandas 或 dask_geopandas 的 GeoDataFrame，"
                            f"收到的是 {type(farmland).__name__}",
                            f"{name}: need a geopandas or dask_geopandas GeoDataFrame, "
                            f"got {type(farmland).__name__}"))
    carry = [f for f in fields if f in farmland.columns and f != farmland.geometry.name]
    meta = farmland.iloc[:0] if isinstance(farmland, gpd.GeoDataFrame) else farmland._meta
    empty = (np.empty(0, np.int64), _patch_frame(pd.DataFrame(meta[carry]), np.empty(0, np.int64),
                                                  method, np.empty(0)),
             np.empty(0, dtype=object))
    if not runs.tasks:
        log.debug("dask engine: no partition meets a parcel")
        return empty

    eager = isinstance(farmland, gpd.GeoDataFrame)
    # the parcels travel once, as one GeometryArray (WKB in one call, not one pickle per polygon)
    parcels_ref = dask.delayed(from_shapely(parcels), pure=False)
    jobs: list[Any]
    counts: list[Any] = []
    if eager:
        parts: Mapping[int, Any] = runs.parts
        client = _active_client()
        if client is not None and _SCATTER:  # each partition travels once, outside the task graph
            parts = dict(zip(runs.tasks, client.scatter([parts[k] for k in runs.tasks], hash=False)))
        # the language travels with the tasks: a worker thread or process does not see this
        # one's using_language / --lang
        jobs = [dask.delayed(_partition_pieces, pure=False)(
            parts[k], parcels_ref, runs.parcel_pos[k], k, [], crs, method, name, language())
            for k in runs.tasks]
    else:
        # map_partitions: the overlay of a partition runs on the worker that read it; the plan
        # (every task's parcel positions) is one graph key, not copied into every task
        plan = dask.delayed(_Plan(runs.tasks, runs.parcel_pos, carry, crs, method, name, language()),
                            pure=False)
        frame = runs.frame
        picked = frame if len(runs.tasks) == frame.npartitions else frame.partitions[runs.tasks]
        jobs = list(picked.map_partitions(_mapped_pieces, parcels_ref, plan, meta=frame._meta,
                                          enforce_metadata=False).to_delayed())
        if runs.count_only:
            counts = list(frame.partitions[runs.count_only].map_partitions(
                len, meta=(None, "int64"), enforce_metadata=False).to_delayed())
    out = dask.compute(*jobs, *counts)
    results, counted = out[:len(jobs)], out[len(jobs):]

    # global row numbers: partition offset + position in the partition
    if eager:
        rows = [runs.rows[k][r[1]] for k, r in zip(runs.tasks, results)]
    else:
        lengths = np.zeros(runs.frame.npartitions, dtype=np.int64)
        lengths[list(runs.tasks)] = [r[4] for r in results]
        lengths[list(runs.count_only)] = counted
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        rows = [offsets[k] + r[1] for k, r in zip(runs.tasks, results)]
    li = np.concatenate([r[0] for r in results]).astype(np.int64)
    pos = np.concatenate(rows).astype(np.int64)
    pieces = np.concatenate([np.asarray(r[3], dtype=object) for r in results])
    if eager:
        met = farmland[carry].take(pos)
        met = pd.DataFrame(met)
        if method is not None:
            met["patch_m2"] = np.concatenate([r[2]["patch_m2"].to_numpy() for r in results])
    else:
        met = pd.concat([r[2] for r in results])
    order = np.lexsort((pos, li))
    li, pos, pieces = li[order], pos[order], pieces[order]
    met = met.iloc[order]
    patch_m2 = met.pop("patch_m2").to_numpy() if "patch_m2" in met.columns else None
    patches = _patch_frame(met, pos, method, patch_m2)
    _check_shared_ids(patches, name)
    log.debug("dask engine: %d partitions, %d read, %d counted, %d pieces", runs.n,
              len(runs.tasks), len(runs.count_only), li.size)
    return li, patches, pieces


class _Runs:
    """Partitions of the farmland and the parcels each must meet."""

    def __init__(self, n: int, tasks: list[int], parcel_pos: Mapping[int, np.ndarray | None], *,
                 parts: Mapping[int, gpd.GeoDataFrame] | None = None, rows: Mapping[int, np.ndarray] | None = None,
                 frame: Any = None, count_only: Sequence[int] = ()) -> None:
        self.n = n                          # number of partitions
        self.tasks = tasks                  # partitions to overlay
        self.parcel_pos = parcel_pos        # k -> parcel positions (None: the task selects)
        self.parts = parts or {}            # in-memory layer: partition k
        self.rows = rows or {}              # in-memory layer: k -> row of each patch in the layer
        self.frame = frame                  # lazy layer: the columns needed
        self.count_only = list(count_only)  # lazy layer: partitions only counted


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What every task of a lazy layer needs (sent with the graph)."""

    numbers: list[int]                               # task j overlays partition numbers[j]
    parcel_pos: Mapping[int, np.ndarray | None]
    carry: list[str]
    crs: Any
    method: str | None
    name: str
    lang: str | None = None                          # the messages' language (xigeo._lang)


def _box_pairs(parcels: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(box, parcel) positions whose bounding boxes meet (closed boxes, as STRtree.query)."""
    if len(parcels) == 0 or len(boxes) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return shapely.STRtree(parcels).query(boxes)


def _eager_runs(parcels: np.ndarray, farmland: gpd.GeoDataFrame, partitions: int | None) -> _Runs:
    n = len(farmland)
    k = partitions if partitions is not None else max(2, -(-n // PATCHES_PER_PARTITION))
    if k < 1:
        raise OptionError(msg(f"partitions={partitions!r}：请给出正数",
                              f"partitions={partitions!r}: give a positive number"))
    if n == 0 or len(parcels) == 0:
        return _Runs(0, [], {})
    k = min(k, n)
    geoms = np.asarray(farmland.geometry.values, dtype=object)
    bounds = shapely.bounds(geoms)
    # Hilbert order of the box centres (missing/empty geometries last)
    ok = ~np.isnan(bounds).any(axis=1)
    key = np.full(n, np.iinfo(np.int64).max)
    if ok.any():
        key[ok] = gpd.GeoSeries(geoms[ok]).hilbert_distance().to_numpy()
    order = np.argsort(key, kind="stable")
    cuts = np.linspace(0, n, k + 1).astype(np.int64)
    starts = cuts[:-1]
    sb = bounds[order]
    boxes = shapely.box(np.fmin.reduceat(sb[:, 0], starts), np.fmin.reduceat(sb[:, 1], starts),
                        np.fmax.reduceat(sb[:, 2], starts), np.fmax.reduceat(sb[:, 3], starts))
    hi, pi = _box_pairs(parcels, boxes)
    geometry = farmland.geometry
    frame = gpd.GeoDataFrame(geometry=geometry.values, index=farmland.index, crs=farmland.crs)
    parts, tasks, parcel_pos, rows = {}, [], {}, {}
    for h in range(k):
        sel = order[cuts[h]:cuts[h + 1]]
        pos = np.sort(pi[hi == h])
        if pos.size:
            parts[h] = frame.iloc[sel]
            tasks.append(h)
            parcel_pos[h] = pos
            rows[h] = sel
    return _Runs(k, tasks, parcel_pos, parts=parts, rows=rows)


def _lazy_runs(parcels: np.ndarray, farmland: Any, fields: list[str]) -> _Runs:
    geom = farmland.geometry.name
    keep = [f for f in fields if f in farmland.columns and f != geom] + [geom]
    spatial = farmland.spatial_partitions
    frame = farmland[keep]
    n = frame.npartitions
    if len(parcels) == 0:
        return _Runs(n, [], {}, frame=frame)
    if spatial is None:
        # unknown extents: every partition is read once and selects its parcels itself
        return _Runs(n, list(range(n)), dict.fromkeys(range(n)), frame=frame)
    hi, pi = _box_pairs(parcels, shapely.envelope(np.asarray(spatial.values, dtype=object)))
    tasks = sorted(set(hi.tolist()))
    parcel_pos = {h: np.sort(pi[hi == h]) for h in tasks}
    count_only = [h for h in range(max(tasks) if tasks else 0) if h not in parcel_pos]
    return _Runs(n, tasks, parcel_pos, frame=frame, count_only=count_only)


def _active_client() -> Any:
    """The distributed Client dask would compute on, or None (a local scheduler is active)."""
    import dask

    try:
        from distributed import Client
    except ImportError:
        return None
    scheduler = dask.base.get_scheduler()
    client = getattr(scheduler, "__self__", None)
    return client if isinstance(client, Client) else None


def _mapped_pieces(part: gpd.GeoDataFrame, parcels: GeometryArray, plan: _Plan,
                   partition_info: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """:func:`_partition_pieces` as a ``map_partitions`` function (a tuple, not a frame, comes back)."""
    if partition_info is None:  # dask's trial run on the empty meta frame
        raise RuntimeError("_mapped_pieces runs with meta= given; it needs partition_info")  # message: internal
    k = plan.numbers[partition_info["number"]]
    return _partition_pieces(part, parcels, plan.parcel_pos[k], k, plan.carry, plan.crs, plan.method,
                             plan.name, plan.lang)


def _partition_pieces(part: gpd.GeoDataFrame, parcels: GeometryArray, parcel_pos: np.ndarray | None,
                      k: int, carry: list[str], crs: Any, method: str | None,
                      name: str, lang: str | None = None
                      ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, GeometryArray, int]:
    """On a worker: validate and overlay one farmland partition.

    Returns parcel positions, patch positions in the partition, the patches
    met (id index, ``carry`` fields, ``patch_m2`` with ``method``), the
    pieces and the partition's length. ``lang``: the language of the messages.
    """
    if lang is not None:
        with using_language(lang):
            return _partition_pieces(part, parcels, parcel_pos, k, carry, crs, method, name)
    n = len(part)
    label = msg(f"{name}（第 {k} 分区）", f"{name} (partition {k})")
    _check_ids(part.index, label, msg("（分区中）", "of the partition"))
    if part.crs is None and crs is not None:
        part = part.set_crs(crs)
    geoms = np.asarray(part.geometry.values, dtype=object)
    parcels = np.asarray(parcels, dtype=object)
    if parcel_pos is None:  # the parcels whose boxes meet the partition's box
        b = shapely.bounds(parcels)
        x0, y0, x1, y1 = _total_bounds(geoms)
        parcel_pos = np.flatnonzero((b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0))
    left = parcels[parcel_pos]
    pairs = candidate_pairs(left, geoms) if left.size and n else (np.empty(0, np.int64),) * 2
    odd = shapely.is_missing(geoms) | shapely.is_empty(geoms) | \
        ~np.isin(shapely.get_type_id(geoms), (3, 6))
    check = np.union1d(np.unique(pairs[1]), np.flatnonzero(odd)).astype(np.int64)
    if check.size:
        validate_layer(part.iloc[check], name=label)
    li, ri, pieces = intersection_pieces(left, geoms, pairs=pairs)
    met = pd.DataFrame(part[carry]).iloc[ri]
    if method is not None:
        from .area import area

        hit, inverse = np.unique(ri, return_inverse=True)
        m2 = area(gpd.GeoSeries(geoms[hit], crs=part.crs), method=method).to_numpy()
        met["patch_m2"] = m2[inverse]
    return parcel_pos[li], ri.astype(np.int64), met, from_shapely(pieces), n


def _check_ids(index: pd.Index, label: str, where: str) -> None:
    missing = np.asarray(pd.isna(index))
    if missing.any():
        rows = np.flatnonzero(missing).tolist()
        raise ValidationError(msg(
            f"{label}：{len(rows)} 行没有编号（缺少索引值），位置{where}：{format_ids(rows)}。"
            "解决：给每个图斑一个编号，如 gdf.set_index('BSM')",
            f"{label}: {len(rows)} rows have no id (missing index value) at positions {format_ids(rows)} "
            f"{where}. Fix: give every patch an id, e.g. gdf.set_index('BSM')"), rows)


def _total_bounds(geoms: np.ndarray) -> tuple[float, float, float, float]:
    b = shapely.bounds(geoms)
    ok = ~np.isnan(b).any(axis=1)
    if not ok.any():
        return (np.nan,) * 4  # type: ignore[return-value]
    b = b[ok]
    return b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()


def _patch_frame(met: pd.DataFrame, pos: np.ndarray, method: str | None,
                 patch_m2: np.ndarray | None = None) -> pd.DataFrame:
    out = pd.DataFrame(met).copy()
    out[_POS] = np.asarray(pos, dtype=np.int64)
    if method is not None:
        out["patch_m2"] = np.asarray(patch_m2, dtype=float)
    return out


def _check_shared_ids(patches: pd.DataFrame, name: str) -> None:
    """Two different patches (rows) met under one id: the id is not an id."""
    ids = pd.DataFrame({"id": patches.index.to_numpy(), "pos": patches[_POS].to_numpy()}).drop_duplicates()
    shared = ids["id"][ids["id"].duplicated()].unique()
    if shared.size:
        raise ValidationError(msg(
            f"{name}：{shared.size} 个编号被多个图斑共用：{format_ids(shared.tolist())}。"
            "解决：给每个图斑各自的编号（xigeo.validate_layer 会列出它们）",
            f"{name}: {shared.size} ids are shared by several patches: {format_ids(shared.tolist())}. "
            "Fix: give every patch its own id (xigeo.validate_layer lists them)"), shared.tolist())
