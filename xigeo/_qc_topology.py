"""The geometry measures behind the topology rules of :func:`xigeo.check_survey`, vectorised.

Everything here works on numpy arrays of shapely geometries and returns
positions (into the array given) with the measured values; :mod:`xigeo.qc`
turns them into findings. No Python loop runs per polygon or per vertex:

- :func:`vertex_measures`: for every vertex of every ring, the length of
  the edge leaving it and the interior angle there, from one flat
  coordinate array (:func:`xigeo._rings.rings_of`), by index arithmetic;
- :func:`overlap_pairs`: candidate pairs from one bulk STRtree query, and,
  when GEOS finds the block a valid coverage (``shapely.coverage_is_valid``:
  no two interiors meet), no pair is clipped at all; otherwise only the
  pairs with a polygon that ``shapely.coverage_invalid_edges`` marks are
  clipped, by the overlay kernel (:func:`xigeo._overlay.overlay_pieces`);
- :func:`gap_pieces`: the boundary minus the coverage union of the
  patches (``shapely.coverage_union_all``, or ``union_all`` for a layer that
  is not a valid coverage), cut into its polygons.

>>> from shapely import Polygon, box
>>> spike = Polygon([(0, 0), (10, 0), (10, 10), (5, 10), (5, 30), (4.9, 10), (0, 10)])
>>> m = vertex_measures(np.array([box(0, 0, 1, 1), spike]))
>>> m.owner[np.nanargmin(m.angle_deg)], round(float(np.nanmin(m.angle_deg)), 3)
(np.int64(1), 0.286)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import shapely

from ._rings import rings_of

__all__ = ["VertexMeasures", "vertex_measures", "overlap_pairs", "gap_pieces", "exploded", "union",
           "polygonal_or_none"]


class VertexMeasures(NamedTuple):
    """Per vertex of every ring (closing points left out): what the vertex rules read."""

    #: position of the geometry of each vertex, and its coordinates
    owner: np.ndarray
    xy: np.ndarray
    #: True where the next vertex is within ``min_distance_m`` (a duplicate vertex)
    duplicate: np.ndarray
    #: the angle between the edges at the vertex, to its distinct neighbours (degrees,
    #: 0–180); NaN on duplicates and on rings of fewer than 3 distinct vertices
    angle_deg: np.ndarray


def _cyclic(lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Previous and next index of every vertex in rings of these lengths, laid end to end."""
    n = int(lens.sum())
    lens = lens[lens > 0]
    ends = np.cumsum(lens) - 1
    starts = ends - lens + 1
    idx = np.arange(n)
    prev, nxt = idx - 1, idx + 1
    prev[starts] = ends
    nxt[ends] = starts
    return prev, nxt


def vertex_measures(geoms: np.ndarray, *, min_distance_m: float = 0.0) -> VertexMeasures:
    """Duplicate vertices and vertex angles of every ring of ``geoms`` (polygons or None).

    A vertex whose next vertex lies within ``min_distance_m`` is a
    duplicate; angles are measured once the duplicates are dropped, so a
    repeated point neither hides nor fakes a spike.
    """
    rings = rings_of(np.asarray(geoms, dtype=object))
    full = np.diff(rings.ring_off)
    closing = np.zeros(len(rings.xy), dtype=bool)
    closing[rings.ring_off[1:][full > 0] - 1] = True
    xy = rings.xy[~closing]
    lens = np.maximum(full - 1, 0)
    ring_of = np.repeat(np.arange(lens.size), lens)
    owner = rings.owner[ring_of]
    _, nxt = _cyclic(lens)
    duplicate = np.hypot(*(xy[nxt] - xy).T) <= min_distance_m if xy.size else np.zeros(0, bool)
    keep = np.flatnonzero(~duplicate)
    klens = np.bincount(ring_of[keep], minlength=lens.size)
    kprev, knext = _cyclic(klens)
    kxy = xy[keep]
    a = kxy[kprev] - kxy
    b = kxy[knext] - kxy
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    dot = (a * b).sum(axis=1)
    angle = np.full(len(xy), np.nan)
    kangle = np.degrees(np.arctan2(np.abs(cross), dot))
    kangle[np.repeat(klens, klens) < 3] = np.nan
    angle[keep] = kangle
    return VertexMeasures(owner, xy, duplicate, angle)


def overlap_pairs(geoms: np.ndarray, own: np.ndarray, *, use_coverage: bool = False,
                  coverage_valid: bool | None = None,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of polygons of ``geoms`` whose interiors overlap, and their shared piece.

    ``geoms``: valid polygons (None elsewhere); ``own``: True for the
    polygons whose pairs this call reports (a block of a spatial partition;
    the others are its halo). A pair (i, j), i < j, is reported when ``own[i]``.

    The candidate pairs (boxes meeting: one STRtree query) are decided by
    the compiled kernels of :mod:`xigeo._clip`: coverage neighbours are
    shown apart by the line of the edge they share (``separated_pairs``),
    the rest by the clipping kernel without building pieces
    (``decide_only``), and the few it cannot decide by the DE-9IM test
    ``shapely.relate_pattern(a, b, "T********")``. Only overlapping pairs are
    clipped (:func:`xigeo._overlay.overlay_pieces`).

    ``use_coverage``: first ask GEOS (``shapely.coverage_is_valid``, then
    ``coverage_invalid_edges``) and decide only pairs with a polygon it
    marks (``coverage_valid``: its verdict, if known). Slower than the
    kernels on survey layers (docs/performance.md), kept for comparison.
    Returns positions i, j and the pieces (Polygon or MultiPolygon).
    """
    from ._clip import FALLBACK, PIECE, clip_pairs, separated_pairs
    from ._overlay import candidate_pairs, gc_paused, overlay_pieces

    geoms = np.asarray(geoms, dtype=object)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, dtype=object))
    present = np.flatnonzero(~shapely.is_missing(geoms))
    if present.size < 2:
        return empty
    suspect = None
    if use_coverage:
        sub = geoms[present]
        if coverage_valid is None:
            coverage_valid = bool(shapely.coverage_is_valid(sub))
        if coverage_valid:
            return empty
        edges = shapely.coverage_invalid_edges(sub)
        suspect = np.zeros(len(geoms), dtype=bool)
        suspect[present[~shapely.is_empty(edges)]] = True
    li, ri = candidate_pairs(geoms[present], geoms[present])
    li, ri = present[li], present[ri]
    keep = (li < ri) & own[li]
    if suspect is not None:
        keep &= suspect[li] | suspect[ri]
    li, ri = li[keep], ri[keep]
    if li.size == 0:
        return empty
    rings = rings_of(geoms)
    cand = np.flatnonzero(~separated_pairs(rings, len(geoms), li, ri))
    status = clip_pairs(geoms, geoms, li[cand], ri[cand], decide_only=True, left_rings=rings).status
    bad = status == PIECE
    unsure = np.flatnonzero(status == FALLBACK)
    if unsure.size:
        bad[unsure] = shapely.relate_pattern(geoms[li[cand[unsure]]], geoms[ri[cand[unsure]]], "T********")
    li, ri = li[cand[bad]], ri[cand[bad]]
    if li.size == 0:
        return empty
    with gc_paused():
        o = overlay_pieces(geoms, geoms, (li, ri))
    return o.li, o.ri, o.pieces


def exploded(geom: Any) -> np.ndarray:
    """The polygons of ``geom`` (Polygon, MultiPolygon or a collection; None: none)."""
    if geom is None or shapely.is_empty(geom):
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(np.array([geom], dtype=object))
    return parts[shapely.get_type_id(parts) == 3]


def union(geoms: np.ndarray, *, coverage_valid: bool | None = None) -> Any:
    """The union of non-overlapping polygons: the fast coverage union, verified.

    ``shapely.coverage_union_all`` is only defined for a valid coverage; its
    result is kept when it is valid and its area is the sum of the polygons'
    areas (no interiors overlap), else ``shapely.union_all`` is used.
    ``coverage_valid``: True when the caller knows the polygons form a valid coverage.
    """
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    if geoms.size == 0:
        return shapely.Polygon()
    if coverage_valid is not False:
        try:
            merged = shapely.coverage_union_all(geoms)
        except shapely.errors.GEOSException:  # edges that do not match: not a coverage
            merged = None
        if merged is not None and coverage_valid:
            return merged
        total = float(shapely.area(geoms).sum())
        if (merged is not None and shapely.is_valid(merged)
                and abs(shapely.area(merged) - total) <= 1e-9 * max(total, 1.0)):
            return merged
    return shapely.union_all(geoms)


def gap_pieces(covered: Any, boundary: Any | None, others: np.ndarray | None = None) -> np.ndarray:
    """Polygons inside ``boundary`` that no patch covers.

    ``covered``: the union of most patches (:func:`union` of those that
    overlap no other); ``others``: the rest (the overlapping ones, which
    the coverage union cannot take), subtracted from each candidate piece
    with only the ones that meet it (unioned per piece by one vectorised
    ``buffer(0)`` of their collection). ``boundary`` None: the land that
    the patches enclose (pieces of their envelope minus the patches that
    do not reach the envelope's edge).
    """
    others = np.empty(0, dtype=object) if others is None else np.asarray(others, dtype=object)
    others = others[~shapely.is_missing(others)]
    if boundary is None:
        extent = shapely.box(*shapely.total_bounds(np.concatenate([[covered], others])))
        frame = extent.buffer(1.0, join_style="mitre")
        candidates = exploded(shapely.difference(frame, covered))
    else:
        candidates = exploded(shapely.difference(boundary, covered))
    if others.size and candidates.size:
        ci, oi = shapely.STRtree(others).query(candidates, predicate="intersects")
        if ci.size:
            order = np.argsort(ci, kind="stable")
            ci, oi = ci[order], oi[order]
            hit = np.unique(ci)
            merged = shapely.buffer(shapely.geometrycollections(others[oi], indices=np.searchsorted(hit, ci)), 0)
            candidates = candidates.copy()
            candidates[hit] = shapely.difference(candidates[hit], merged)
        parts = shapely.get_parts(candidates)
        candidates = parts[shapely.get_type_id(parts) == 3]
    if boundary is None and candidates.size:
        candidates = candidates[~shapely.intersects(candidates, frame.exterior)]
    return candidates


def polygonal_or_none(geoms: Any) -> Any:
    """The polygonal part of each geometry (or of one geometry); None where it has no area."""
    from ._layers import polygonal_part

    if isinstance(geoms, np.ndarray):
        out = polygonal_part(geoms)
        out[~shapely.is_missing(out)] = np.where(shapely.area(out[~shapely.is_missing(out)]) > 0,
                                                 out[~shapely.is_missing(out)], None)
        return out
    return polygonal_or_none(np.array([geoms], dtype=object))[0]
