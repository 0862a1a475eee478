"""The dask engine of :func:`xigeo.check_survey`: the topology rules per spatial partition.

The patches are put in Hilbert order of their box centres and cut into
runs (compact spatial partitions). Each partition is checked in its own
task with its *halo*: the patches of other partitions whose boxes meet
the partition's extent. A task reports the per-patch rules (outside the
county, duplicate vertices, angles, slivers) of its own patches and the
overlaps (i, j), i < j, whose first patch is its own: every pair is seen
by exactly one task, since a patch overlapping one of the partition's
patches lies in its halo. Gaps need the union of all patches: each task
returns the coverage union of its partition and the client unions those
(a few dozen polygons) before cutting the gaps. The findings are the
local engine's (tests/test_qc.py runs both on a LocalCluster).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely

__all__ = ["dask_topology", "dask_union", "spatial_blocks"]

_PER_PARTITION = 50_000


def spatial_blocks(geoms: np.ndarray, partitions: int | None) -> list[np.ndarray]:
    """Positions of the present geometries in Hilbert order, cut into ``partitions`` runs."""
    import geopandas as gpd

    present = np.flatnonzero(~shapely.is_missing(geoms))
    if present.size == 0:
        return []
    k = partitions or max(2, -(-present.size // _PER_PARTITION))
    k = max(1, min(int(k), present.size))
    series = gpd.GeoSeries(geoms[present])
    order = present[np.argsort(series.hilbert_distance().to_numpy(), kind="stable")]
    return [np.sort(b) for b in np.array_split(order, k)]


def _block_task(sub: np.ndarray, own: np.ndarray, county: Any, rules: Mapping[str, Any],
                crs: Any, pairs: bool) -> dict[str, dict[str, np.ndarray]]:
    from .qc import topology_block

    return topology_block(sub, own, county, rules, crs, pairs=pairs)


def dask_topology(geoms: np.ndarray, county: Any, rules: Mapping[str, Any], crs: Any, *,
                  partitions: int | None = None, pairs: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """:func:`xigeo.qc.topology_block` on the whole layer, partition by partition on dask."""
    import dask

    geoms = np.asarray(geoms, dtype=object)
    blocks = spatial_blocks(geoms, partitions)
    present = np.flatnonzero(~shapely.is_missing(geoms))
    tree = shapely.STRtree(geoms[present])
    tasks, subs = [], []
    for block in blocks:
        x0, y0, x1, y1 = shapely.total_bounds(geoms[block])
        near = present[tree.query(shapely.box(x0, y0, x1, y1))]
        sub_pos = np.union1d(block, near)  # sorted: local order is global order
        own = np.isin(sub_pos, block)
        subs.append(sub_pos)
        tasks.append(dask.delayed(_block_task, pure=True)(geoms[sub_pos], own, county, dict(rules), crs, pairs))
    results = dask.compute(*tasks) if tasks else ()
    out: dict[str, dict[str, np.ndarray]] = {}
    for rid in [*rules, *(["_pairs"] if pairs else [])]:
        parts = [(sub, r[rid]) for sub, r in zip(subs, results) if rid in r]
        if not parts:
            continue
        keys = parts[0][1].keys()
        merged: dict[str, np.ndarray] = {}
        for key in keys:
            arrays = [sub[p[key]] if key in ("i", "j") else p[key] for sub, p in parts]
            merged[key] = np.concatenate(arrays) if arrays else np.empty(0)
        out[rid] = merged
    return out


def _union_task(sub: np.ndarray) -> Any:
    from ._qc_topology import union

    return union(sub)


def dask_union(geoms: np.ndarray, *, partitions: int | None = None) -> Any:
    """The union of the polygons: each partition's on dask, then the union of those."""
    import dask

    from ._qc_topology import union

    geoms = np.asarray(geoms, dtype=object)
    blocks = spatial_blocks(geoms, partitions)
    parts = dask.compute(*[dask.delayed(_union_task, pure=True)(geoms[b]) for b in blocks])
    return union(np.asarray(parts, dtype=object))
