"""The overlay kernel shared by the calculators: pieces of two polygon layers.

:func:`intersection_pieces` returns, for every pair of a left and a right
polygon whose interiors meet, the polygon they share. It gives the same
pieces as ``geopandas.overlay(left, right, how="intersection",
keep_geom_type=True)`` without building a GeoDataFrame per step:

1. one bulk query of an STRtree on the right layer gives the candidate
   pairs (``tree.query(left)``, boxes), then ``shapely.intersects`` on the
   pairs with the left polygons prepared (what ``tree.query(left,
   predicate="intersects")`` does, but the box pairs are also what the
   callers validate);
2. pairs where one polygon properly contains the other need no clipping:
   the piece is the smaller polygon itself (``shapely.contains_properly``
   on the pairs whose bounding boxes allow it, with prepared geometries);
3. the remaining pairs are clipped in one vectorised
   ``shapely.intersection`` call; only the polygonal part of each result is
   kept (a GeometryCollection of polygons and lines keeps its polygons);
4. pairs that only touch (an intersection of zero area: a shared edge or
   corner) give no piece.

The kernel does not measure anything: the callers measure the pieces with
:func:`xigeo.area.area`.

Examples
--------
>>> from shapely import box
>>> left = np.array([box(0, 0, 10, 10), box(20, 0, 30, 10)])
>>> right = np.array([box(5, 5, 15, 15), box(2, 2, 4, 4), box(30, 0, 40, 10)])
>>> li, ri, pieces = intersection_pieces(left, right)
>>> li.tolist(), ri.tolist(), [p.area for p in pieces]
([0, 0], [0, 1], [25.0, 4.0])
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import shapely

__all__ = ["candidate_pairs", "intersection_pieces", "polygonal_part", "interior_overlaps", "overlapping_within"]

log = logging.getLogger(__name__)

_POLYGON = 3
_MULTIPOLYGON = 6
_COLLECTION = 7


def polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """The polygonal part of every geometry: Polygon/MultiPolygon kept, others None.

    GeometryCollections keep their polygons (one Polygon, or a MultiPolygon
    of several); lines, points and empty results become None.

    >>> from shapely import GeometryCollection, LineString, box
    >>> out = polygonal_part(np.array([box(0, 0, 1, 1), LineString([(0, 0), (1, 0)]),
    ...     GeometryCollection([box(0, 0, 1, 1), LineString([(1, 1), (2, 2)])])]))
    >>> [g.geom_type if g is not None else None for g in out]
    ['Polygon', None, 'Polygon']
    """
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    out = geoms.copy()
    out[~np.isin(types, (_POLYGON, _MULTIPOLYGON, _COLLECTION))] = None
    coll = np.flatnonzero(types == _COLLECTION)
    if coll.size:
        parts, owner = shapely.get_parts(geoms[coll], return_index=True)
        # nested multi-geometries inside a collection: explode until flat
        while parts.size:
            multi = np.isin(shapely.get_type_id(parts), (_MULTIPOLYGON, _COLLECTION))
            if not multi.any():
                break
            sub, sub_owner = shapely.get_parts(parts[multi], return_index=True)
            parts = np.concatenate([parts[~multi], sub])
            owner = np.concatenate([owner[~multi], owner[multi][sub_owner]])
        keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
        parts, owner = parts[keep], owner[keep]
        rebuilt = np.full(coll.size, None, dtype=object)
        if owner.size:
            order = np.argsort(owner, kind="stable")
            parts, owner = parts[order], owner[order]
            uniq, start, count = np.unique(owner, return_index=True, return_counts=True)
            single = count == 1
            rebuilt[uniq[single]] = parts[start[single]]
            many = ~single
            if many.any():
                sel = np.isin(owner, uniq[many])
                _, dense = np.unique(owner[sel], return_inverse=True)
                rebuilt[uniq[many]] = shapely.multipolygons(parts[sel], indices=dense)
        out[coll] = rebuilt
    out[shapely.is_empty(out) & ~shapely.is_missing(out)] = None
    return out


def _bbox_within(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """Row-wise: the box ``inner`` (n, 4) lies strictly inside the box ``outer``."""
    return ((inner[:, 0] > outer[:, 0]) & (inner[:, 1] > outer[:, 1])
            & (inner[:, 2] < outer[:, 2]) & (inner[:, 3] < outer[:, 3]))


def candidate_pairs(left: np.ndarray, right: np.ndarray, *,
                    tree: shapely.STRtree | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (left, right positions) whose bounding boxes meet: one bulk STRtree query.

    >>> from shapely import box
    >>> candidate_pairs(np.array([box(0, 0, 2, 2)]), np.array([box(1, 1, 3, 3), box(5, 5, 6, 6)]))
    (array([0]), array([0]))
    """
    if tree is None:
        tree = shapely.STRtree(np.asarray(right, dtype=object))
    li, ri = tree.query(np.asarray(left, dtype=object))
    order = np.lexsort((ri, li))
    return li[order], ri[order]


def _threaded(func: Any, *arrays: np.ndarray, min_chunk: int = 5_000) -> np.ndarray:
    """``func(*arrays)`` on slices in a thread per CPU (for shapely functions that release the GIL)."""
    n = len(arrays[0])
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    workers = max(1, min(cpus, n // min_chunk))
    if workers == 1:
        return func(*arrays)
    cuts = np.linspace(0, n, workers + 1).astype(np.int64)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda k: func(*(a[cuts[k]:cuts[k + 1]] for a in arrays)),
                              range(workers)))
    return np.concatenate(parts)


def intersection_pieces(left: np.ndarray, right: np.ndarray, *,
                        tree: shapely.STRtree | None = None,
                        pairs: tuple[np.ndarray, np.ndarray] | None = None,
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pieces shared by the polygons of ``left`` and ``right`` (arrays of geometries).

    Parameters
    ----------
    left, right : numpy arrays of shapely geometries
        Valid polygons (None and empty geometries are skipped).
    tree : shapely.STRtree, optional
        A tree already built on ``right``.
    pairs : (left positions, right positions), optional
        The bounding-box candidates of :func:`candidate_pairs`, if already known
        (sorted by left then right position).

    Returns
    -------
    left_index, right_index, pieces
        Positions (into ``left`` and ``right``) of every pair whose
        intersection has an area, and the intersection (Polygon or
        MultiPolygon), ordered by left then right position.
    """
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    if pairs is None:
        pairs = candidate_pairs(left, right, tree=tree)
    li, ri = pairs
    if li.size:
        # the "intersects" predicate on the candidates, the left polygons prepared
        shapely.prepare(left[np.unique(li)])
        meet = _threaded(shapely.intersects, left[li], right[ri])
        li, ri = li[meet], ri[meet]
    n = li.size
    pieces = np.empty(n, dtype=object)
    if n == 0:
        return li, ri, pieces
    lg, rg = left[li], right[ri]
    lb, rb = shapely.bounds(lg), shapely.bounds(rg)
    # a polygon properly inside the other: the piece is the polygon itself
    right_inside = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(_bbox_within(rb, lb))
    if cand.size:
        shapely.prepare(lg[cand])
        right_inside[cand] = shapely.contains_properly(lg[cand], rg[cand])
    left_inside = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(_bbox_within(lb, rb) & ~right_inside)
    if cand.size:
        shapely.prepare(rg[cand])
        left_inside[cand] = shapely.contains_properly(rg[cand], lg[cand])
    pieces[right_inside] = rg[right_inside]
    pieces[left_inside] = lg[left_inside]
    clip = ~(right_inside | left_inside)
    pieces[clip] = polygonal_part(shapely.intersection(lg[clip], rg[clip]))
    keep = ~shapely.is_missing(pieces)
    keep[keep] = shapely.area(pieces[keep]) > 0.0
    log.debug("intersection_pieces: %d candidate pairs, %d contained, %d clipped, %d pieces",
              n, int(right_inside.sum() + left_inside.sum()), int(clip.sum()), int(keep.sum()))
    return li[keep], ri[keep], pieces[keep]


def interior_overlaps(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of polygons of one layer whose interiors overlap.

    Neighbours that only share edges (a coverage, such as a land-survey
    layer) give no pair; duplicates, one patch inside another and partial
    overlaps do.

    >>> from shapely import box
    >>> i, j = interior_overlaps(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 0, 1, 1),
    ...                                    box(1.5, 0, 3, 1)]))
    >>> list(zip(i.tolist(), j.tolist()))
    [(0, 2), (1, 3)]
    """
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    upper = i < j
    i, j = i[upper], j[upper]
    if i.size:
        # interiors meet unless the pair only touches (shares boundary points)
        meet = ~shapely.touches(geoms[i], geoms[j])
        i, j = i[meet], j[meet]
    order = np.lexsort((j, i))
    return i[order], j[order]


def overlapping_within(li: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """Left positions two of whose pieces overlap (their right polygons overlap there).

    ``li`` and ``pieces`` are what :func:`intersection_pieces` returns
    (sorted by ``li``). Pieces of one left polygon come from different right
    polygons; their interiors meet only where those right polygons overlap
    each other (duplicates, a patch inside another) *inside* the left
    polygon. Only pairs of pieces of the same left polygon whose bounding
    boxes overlap are tested, with one vectorised ``shapely.relate_pattern``
    call, never the whole right layer against itself.

    >>> from shapely import box
    >>> pieces = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 0, 1, 1), box(0.5, 0, 1, 1)])
    >>> overlapping_within(np.array([0, 0, 1, 1]), pieces).tolist()
    [1]
    """
    li = np.asarray(li, dtype=np.int64)
    if li.size < 2:
        return np.empty(0, dtype=np.int64)
    # every pair (t, u), t < u, of pieces of the same left polygon
    group_end = np.searchsorted(li, li, side="right")
    reps = group_end - np.arange(li.size) - 1
    first = np.repeat(np.arange(li.size), reps)
    if first.size == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(reps) - reps, reps)
    second = first + 1 + (np.arange(first.size) - offsets)
    bounds = shapely.bounds(pieces)
    ba, bb = bounds[first], bounds[second]
    cand = np.flatnonzero((np.minimum(ba[:, 2], bb[:, 2]) > np.maximum(ba[:, 0], bb[:, 0]))
                          & (np.minimum(ba[:, 3], bb[:, 3]) > np.maximum(ba[:, 1], bb[:, 1])))
    if cand.size == 0:
        return np.empty(0, dtype=np.int64)
    bad = _threaded(lambda a, b: shapely.relate_pattern(a, b, "T********"),
                    pieces[first[cand]], pieces[second[cand]])
    return np.unique(li[first[cand[bad]]])
