"""Compiled intersection of polygon pairs: the overlay's clipping without GEOS.

:func:`clip_pairs` computes, for pairs (left[i], right[j]) of polygons, the
polygon they share, in one compiled (numba) pass over all pairs, and builds
the shapely geometries of the results in bulk. GEOS (``shapely.intersection``)
takes ~25 µs per pair on survey parcels; this kernel takes a few µs.

The method is the edge-classification overlay (as GEOS OverlayNG labels
edges, without its snap-rounding):

1. every ring is oriented shells counter-clockwise, holes clockwise, so that
   a polygon's interior lies left of each of its edges;
2. every edge of one polygon is split where it meets an edge of the other
   (proper crossings, a vertex on an edge, collinear overlaps); a crossing
   point is computed once and used for both edges, so that the pieces join
   exactly;
3. each sub-edge is kept if it lies inside the other polygon (the crossing
   parity of its midpoint); a sub-edge lying *on* an edge of the other
   polygon is kept once if both interiors lie on its left (the polygons
   share that boundary and overlap there) and dropped if they lie on
   opposite sides (neighbours in a coverage);
4. the kept sub-edges are linked end to start into rings; counter-clockwise
   rings are shells, clockwise ones holes, assigned to the shell that
   contains them.

:func:`_clip_chunk` runs these steps as stages, one small compiled function
each: :func:`_pair_edges` (1), :func:`_split_points` and :func:`_sort_splits`
(2), :func:`_classify` (3), :func:`_link`, :func:`_trace_rings`,
:func:`_assign_holes` and :func:`_write_piece` (4). The three stages every
pair runs are inlined into it by numba (``inline="always"``): as separate
calls they made the kernel 9-12 % slower (docs/performance.md). Every other
function is compiled once, for one explicit signature, and called (LLVM
inlines the small ones): the first call after installing compiles in
seconds (docs/performance.md, "The first call").

Every orientation test is Shewchuk's ``orient2d`` with its floating-point
error bound. Whenever a pair is not decided with certainty by the
arithmetic — a point too close to a line to know its side, a sub-edge
midpoint on the other boundary, a node where the result touches itself
(two outgoing edges), a hole that fits no shell — the kernel gives up on
that pair (status :data:`FALLBACK`) and the caller clips it with GEOS. It
never guesses. Results are further checked with ``shapely.is_valid`` by
:func:`xigeo._overlay.intersection_pieces`.

Examples
--------
>>> from shapely import box, Polygon
>>> left = np.array([box(0, 0, 10, 10), Polygon([(0, 0), (4, 0), (4, 4), (2, 1), (0, 4)])])
>>> right = np.array([box(5, 5, 15, 15), box(0, 2, 4, 3)])
>>> status, pieces, _, _ = clip_pairs(left, right, np.array([0, 1]), np.array([0, 1]))
>>> status.tolist(), [round(p.area, 6) for p in pieces], [p.geom_type for p in pieces]
([1, 1], [25.0, 2.0], ['Polygon', 'MultiPolygon'])
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from ._jit import prepare
from ._lang import msg

prepare(__name__)  # a cache folder numba can write to, before numba is imported

import numba  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from numba import types as _t  # noqa: E402

# the exact predicates, the compiled types and the simplicity test (re-exported)
from ._predicates import (_B1, _BOOL, _F, _F8, _I, _I8, _I8_RO, _UNCERTAIN, _XY, _XY_RO,  # noqa: E402
                          _arr, _f8, _i8, _in_threads, _orient, _segment_sides, _simple_rings,
                          certainly_valid, simple_rings)
# the ring layout the kernels read (re-exported: callers import it from here too)
from ._rings import Rings, merge_rings, no_rings, offsets, ring_boxes, rings_of  # noqa: E402

# Every compiled function has one explicit signature (see xigeo._predicates); the Python
# wrappers (_kernel_layer, _f8, _i8) bring any other input to those types.
#: scratch tuples of :func:`_clip_chunk` (see "the clipping kernel, in stages")
_EDGES = _t.UniTuple(_F8, 8)
_SPLITS = _t.Tuple((_I8, _F8, _F8, _F8))
_OVERLAPS = _t.Tuple((_I8, _F8, _F8, _B1))
_SUBS = _t.UniTuple(_F8, 4)
_RINGS = _t.Tuple((_I8, _I8, _F8, _I8))
#: a layer as :func:`_kernel_layer` gives it: xy, ring offsets, first ring per geometry, reversed, boxes
_LAYER = _t.Tuple((_XY_RO, _I8_RO, _I8_RO, _arr(_t.bool_, 1, True), _XY_RO))


__all__ = ["clip_pairs", "Clipped", "Rings", "rings_of", "merge_rings", "simple_rings", "separated_pairs", "offsets", "certainly_valid", "EMPTY", "PIECE", "FALLBACK"]

log = logging.getLogger(__name__)

#: status of a pair: the polygons share no area
EMPTY = 0
#: status of a pair: the kernel built the piece
PIECE = 1
#: status of a pair: not decided with certainty, clip it with GEOS
FALLBACK = 2

#: a crossing closer than this (fraction of either edge) to an end point goes to GEOS
_NEAR_END = 1e-9


@numba.njit(_arr(_t.int8)(_XY_RO, _I8_RO), cache=True, nogil=True)
def _ring_orientation(xy: np.ndarray, ring_off: np.ndarray) -> np.ndarray:
    """Sign of the shoelace area of every ring (1 counter-clockwise, -1 clockwise, 0 flat)."""
    n = ring_off.size - 1
    out = np.zeros(n, dtype=np.int8)
    for r in range(n):
        s, e = ring_off[r], ring_off[r + 1]
        if e - s < 4:
            continue
        x0, y0 = xy[s, 0], xy[s, 1]
        acc = 0.0
        for k in range(s, e - 1):
            acc += (xy[k, 0] - x0) * (xy[k + 1, 1] - y0) - (xy[k + 1, 0] - x0) * (xy[k, 1] - y0)
        out[r] = 1 if acc > 0.0 else (-1 if acc < 0.0 else 0)
    return out


@numba.njit(_F(_F, _F, _F, _F, _F, _F), cache=True, nogil=True, error_model="numpy")
def _param(x0: float, y0: float, x1: float, y1: float, x: float, y: float) -> float:
    """Position of (x, y) along the edge (x0, y0)→(x1, y1), 0 at the start, 1 at the end."""
    dx, dy = x1 - x0, y1 - y0
    if abs(dx) >= abs(dy):
        return (x - x0) / dx
    return (y - y0) / dy


@numba.njit([_I8(_I8, _I), _F8(_F8, _I), _B1(_B1, _I)], cache=True, nogil=True)
def _grow(a: np.ndarray, need: int) -> np.ndarray:
    """``a`` if it holds ``need`` items, else a copy of it at least twice as long."""
    if a.size >= need:
        return a
    b = np.empty(max(need, 2 * a.size), dtype=a.dtype)
    for i in range(a.size):  # a loop, not b[:n] = a: numba's slice assignment compiles string formatting
        b[i] = a[i]
    return b


@numba.njit(_I(_F, _F, _F8, _F8, _F8, _F8, _F8, _F8, _I, _I), cache=True, nogil=True)
def _inside(px: float, py: float, ex0: np.ndarray, ey0: np.ndarray, ex1: np.ndarray,
            ey1: np.ndarray, bx_lo: np.ndarray, bx_hi: np.ndarray, lo: int, hi: int) -> int:
    """Crossing parity of (px, py) against edges lo..hi-1: 1 inside, 0 outside, 2 on/uncertain.

    The ray goes towards +x; ``bx_lo``/``bx_hi`` are the edges' x ranges.
    """
    inside = False
    for k in range(lo, hi):
        y0, y1 = ey0[k], ey1[k]
        if (y0 > py) != (y1 > py):
            if bx_hi[k] < px:
                continue  # wholly left of the point: the ray misses it
            if bx_lo[k] > px:
                inside = not inside  # wholly right: the ray crosses it
                continue
            s = _orient(ex0[k], y0, ex1[k], y1, px, py)
            if s == 0 or s == _UNCERTAIN:
                return _UNCERTAIN
            if (y1 > y0) == (s > 0):
                inside = not inside
        elif y0 == py and y1 == py:
            if bx_lo[k] <= px <= bx_hi[k]:
                return _UNCERTAIN
    return 1 if inside else 0


# --- the clipping kernel, in stages -------------------------------------------------------
#
# One pair at a time, :func:`_clip_chunk` runs the stages below on scratch arrays it owns and
# grows (numba has no cheap mutable struct that caches, so the scratch travels as tuples of
# arrays): ``edges`` = (x0, y0, x1, y1, x_lo, x_hi, y_lo, y_hi), one column per edge;
# ``splits`` = (edge, t, x, y) per split point; ``overlaps`` = (edge, t0, t1, same) per
# collinear overlap; ``subs`` = (x0, y0, x1, y1) per kept sub-edge; ``rings`` = (start,
# length, signed area, owner) per ring built. Each stage that can meet an uncertain case
# reports it, and the pair goes to GEOS (status FALLBACK).


@numba.njit(_EDGES(_I), cache=True, nogil=True)
def _edge_table(cap: int) -> tuple:
    """Empty ``edges`` scratch for ``cap`` edges (eight distinct arrays)."""
    return (np.empty(cap), np.empty(cap), np.empty(cap), np.empty(cap),
            np.empty(cap), np.empty(cap), np.empty(cap), np.empty(cap))


@numba.njit(_XY(_XY, _I, _I), cache=True, nogil=True)
def _grow_xy(a: np.ndarray, n: int, need: int) -> np.ndarray:
    """``a`` ((m, 2) points, the first ``n`` in use) if it holds ``need``, else a larger copy."""
    if a.shape[0] >= need:
        return a
    b = np.empty((max(need, 2 * a.shape[0]), 2))
    for i in range(n):
        b[i, 0], b[i, 1] = a[i, 0], a[i, 1]
    return b


@numba.njit(_I8(_F8, _F8, _I, _I8), cache=True, nogil=True)
def _lex_order(k1: np.ndarray, k2: np.ndarray, n: int, order: np.ndarray) -> np.ndarray:
    """``order[:n]``: 0..n-1 sorted by k1, then k2, then position (``order`` grown if needed).

    A stable bottom-up merge sort: the same order as two stable
    ``np.argsort`` passes (k2, then k1), without compiling numba's argsort.
    """
    order = _grow(order, n)
    for u in range(n):
        order[u] = u
    src = order
    dst = np.empty(max(n, 1), dtype=np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, w = lo, mid, lo
            while i < mid and j < hi:
                a, b = src[i], src[j]
                if k1[b] < k1[a] or (k1[b] == k1[a] and k2[b] < k2[a]):
                    dst[w] = b  # strictly before: the right run's item first
                    j += 1
                else:
                    dst[w] = a  # ties keep the left (earlier) item first
                    i += 1
                w += 1
            while i < mid:
                dst[w] = src[i]
                i += 1
                w += 1
            while j < hi:
                dst[w] = src[j]
                j += 1
                w += 1
        src, dst = dst, src
        width *= 2
    if src is not order:
        for u in range(n):
            order[u] = src[u]
    return order


@numba.njit(cache=True, nogil=True, inline="always")
def _pair_edges(A, B, ga, gb, origin, window, edges, active, act_b):
    """Stage 1: the edges of polygons A[ga] and B[gb], oriented (interior on the left).

    In coordinates local to ``origin``; edges 0..ea-1 are A's, ea..ne-1 B's
    (zero-length edges dropped). ``active``: the edge's box meets ``window``
    (the intersection of the polygons' boxes, local, as (x0, x1, y0, y1)):
    an edge outside it lies outside the other polygon. ``act_b`` lists B's
    active edges. Returns (ne, ea, n_act_b).
    """
    ex0, ey0, ex1, ey1, bx_lo, bx_hi, by_lo, by_hi = edges
    ox, oy = origin
    wx0, wx1, wy0, wy1 = window
    ne = 0
    ea = 0
    n_act_b = 0
    for side in range(2):
        layer = A if side == 0 else B
        xy, roff, gring, rev = layer[0], layer[1], layer[2], layer[3]
        g = ga if side == 0 else gb
        for r in range(gring[g], gring[g + 1]):
            for v in range(roff[r], roff[r + 1] - 1):
                x0, y0 = xy[v, 0] - ox, xy[v, 1] - oy
                x1, y1 = xy[v + 1, 0] - ox, xy[v + 1, 1] - oy
                if x0 == x1 and y0 == y1:
                    continue
                if rev[r]:
                    x0, y0, x1, y1 = x1, y1, x0, y0
                ex0[ne], ey0[ne], ex1[ne], ey1[ne] = x0, y0, x1, y1
                mnx, mxx, mny, mxy = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
                bx_lo[ne], bx_hi[ne], by_lo[ne], by_hi[ne] = mnx, mxx, mny, mxy
                act = (mnx <= wx1) & (mxx >= wx0) & (mny <= wy1) & (mxy >= wy0)
                active[ne] = act
                if act and side == 1:
                    act_b[n_act_b] = ne
                    n_act_b += 1
                ne += 1
        if side == 0:
            ea = ne
    return ne, ea, n_act_b


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _split_points(edges, active, act_b, n_act_b, ea, splits, overlaps):
    """Stage 2: where A's active edges meet B's: split points and collinear overlaps.

    A crossing point is computed once and recorded on both edges (so the
    pieces join exactly); a collinear overlap records its end points on
    both edges and its extent on each (``same``: the edges run the same
    way). ``splits`` and ``overlaps`` are grown as needed and returned.
    Returns (ns, nco, fail, splits, overlaps); ``fail``: an orientation not
    certain, or a crossing within rounding of a vertex.
    """
    ex0, ey0, ex1, ey1, bx_lo, bx_hi, by_lo, by_hi = edges
    sp_e, sp_t, sp_x, sp_y = splits
    co_e, co_t0, co_t1, co_same = overlaps
    ns = 0
    nco = 0
    for i in range(ea):
        if not active[i]:
            continue
        px0, py0, px1, py1 = ex0[i], ey0[i], ex1[i], ey1[i]
        pminx, pmaxx = bx_lo[i], bx_hi[i]
        pminy, pmaxy = by_lo[i], by_hi[i]
        for jj in range(n_act_b):
            j = act_b[jj]
            if not ((bx_hi[j] >= pminx) & (bx_lo[j] <= pmaxx)
                    & (by_hi[j] >= pminy) & (by_lo[j] <= pmaxy)):
                continue
            qx0, qy0, qx1, qy1 = ex0[j], ey0[j], ex1[j], ey1[j]
            s1, s2, s3, s4, apart = _segment_sides(px0, py0, px1, py1, qx0, qy0, qx1, qy1)
            if apart:
                continue
            if s1 == _UNCERTAIN or s2 == _UNCERTAIN or s3 == _UNCERTAIN or s4 == _UNCERTAIN:
                return ns, nco, True, (sp_e, sp_t, sp_x, sp_y), (co_e, co_t0, co_t1, co_same)
            if s1 == 0 and s2 == 0:
                # collinear: the overlap runs between two of the four end points
                tq0 = _param(px0, py0, px1, py1, qx0, qy0)
                tq1 = _param(px0, py0, px1, py1, qx1, qy1)
                u0, u1 = max(0.0, min(tq0, tq1)), min(1.0, max(tq0, tq1))
                if not u0 < u1:
                    continue  # end to end: a shared point only
                same = (px1 - px0) * (qx1 - qx0) + (py1 - py0) * (qy1 - qy0) > 0.0
                tp0 = _param(qx0, qy0, qx1, qy1, px0, py0)
                tp1 = _param(qx0, qy0, qx1, qy1, px1, py1)
                w0, w1 = max(0.0, min(tp0, tp1)), min(1.0, max(tp0, tp1))
                if ns + 4 > sp_e.size:
                    sp_e = _grow(sp_e, ns + 4)
                    sp_t = _grow(sp_t, ns + 4)
                    sp_x = _grow(sp_x, ns + 4)
                    sp_y = _grow(sp_y, ns + 4)
                if 0.0 < tq0 < 1.0:
                    sp_e[ns], sp_t[ns], sp_x[ns], sp_y[ns] = i, tq0, qx0, qy0
                    ns += 1
                if 0.0 < tq1 < 1.0:
                    sp_e[ns], sp_t[ns], sp_x[ns], sp_y[ns] = i, tq1, qx1, qy1
                    ns += 1
                if 0.0 < tp0 < 1.0:
                    sp_e[ns], sp_t[ns], sp_x[ns], sp_y[ns] = j, tp0, px0, py0
                    ns += 1
                if 0.0 < tp1 < 1.0:
                    sp_e[ns], sp_t[ns], sp_x[ns], sp_y[ns] = j, tp1, px1, py1
                    ns += 1
                need = nco + 2
                co_e = _grow(co_e, need)
                co_t0 = _grow(co_t0, need)
                co_t1 = _grow(co_t1, need)
                co_same = _grow(co_same, need)
                co_e[nco], co_t0[nco], co_t1[nco], co_same[nco] = i, u0, u1, same
                co_e[nco + 1], co_t0[nco + 1], co_t1[nco + 1], co_same[nco + 1] = j, w0, w1, same
                nco += 2
                continue
            # one crossing point
            if s1 == 0:
                x, y = qx0, qy0
            elif s2 == 0:
                x, y = qx1, qy1
            elif s3 == 0:
                x, y = px0, py0
            elif s4 == 0:
                x, y = px1, py1
            else:
                d3 = (qx1 - qx0) * (py0 - qy0) - (qy1 - qy0) * (px0 - qx0)
                d4 = (qx1 - qx0) * (py1 - qy0) - (qy1 - qy0) * (px1 - qx0)
                t = d3 / (d3 - d4)
                d1 = (px1 - px0) * (qy0 - py0) - (py1 - py0) * (qx0 - px0)
                d2 = (px1 - px0) * (qy1 - py0) - (py1 - py0) * (qx1 - px0)
                u = d1 / (d1 - d2)
                if min(t, 1.0 - t) < _NEAR_END or min(u, 1.0 - u) < _NEAR_END:
                    # a crossing within rounding of a vertex: its rounded point
                    # could fall on the wrong side of nearby edges
                    return ns, nco, True, (sp_e, sp_t, sp_x, sp_y), (co_e, co_t0, co_t1, co_same)
                x = px0 + t * (px1 - px0)
                y = py0 + t * (py1 - py0)
                # keep the rounded point inside both edges' boxes
                x = min(max(x, max(pminx, min(qx0, qx1))), min(pmaxx, max(qx0, qx1)))
                y = min(max(y, max(pminy, min(qy0, qy1))), min(pmaxy, max(qy0, qy1)))
            if ns + 2 > sp_e.size:
                sp_e = _grow(sp_e, ns + 2)
                sp_t = _grow(sp_t, ns + 2)
                sp_x = _grow(sp_x, ns + 2)
                sp_y = _grow(sp_y, ns + 2)
            if not ((x == px0 and y == py0) or (x == px1 and y == py1)):
                sp_e[ns], sp_t[ns], sp_x[ns], sp_y[ns] = i, _param(px0, py0, px1, py1, x, y), x, y
                ns += 1
            if not ((x == qx0 and y == qy0) or (x == qx1 and y == qy1)):
                sp_e[ns], sp_t[ns], sp_x[ns], sp_y[ns] = j, _param(qx0, qy0, qx1, qy1, x, y), x, y
                ns += 1
    return ns, nco, False, (sp_e, sp_t, sp_x, sp_y), (co_e, co_t0, co_t1, co_same)


@numba.njit(_I8(_I8, _F8, _I, _I8), cache=True, nogil=True)
def _sort_splits(sp_e: np.ndarray, sp_t: np.ndarray, ns: int, order: np.ndarray) -> np.ndarray:
    """The order of splits 0..ns-1 by edge, then along the edge (``order`` grown if needed)."""
    order = _grow(order, ns)
    if ns <= 32:  # insertion sort: no allocation for the usual handful
        for u in range(ns):
            order[u] = u
            w = u
            while w > 0 and (sp_e[order[w - 1]] > sp_e[u] or (
                    sp_e[order[w - 1]] == sp_e[u] and sp_t[order[w - 1]] > sp_t[u])):
                order[w] = order[w - 1]
                w -= 1
            order[w] = u
    else:
        edge = np.empty(ns)  # edge numbers as floats (exact below 2**53): one sort for both callers
        for u in range(ns):
            edge[u] = sp_e[u]
        order = _lex_order(edge, sp_t, ns, order)
    return order


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _classify(edges, active, ne, ea, splits, order, ns, overlaps, nco, subs):
    """Stage 3: cut every active edge at its splits and keep the sub-edges inside the other polygon.

    A sub-edge on a collinear overlap is kept once (on A's edge) if both
    interiors lie on its left (``same``) and dropped otherwise; any other
    sub-edge is kept if the crossing parity of its midpoint says it is
    inside the other polygon. Kept sub-edges go to ``subs`` (sized by the
    caller for ne + ns + 1). Returns (nseg, fail); ``fail``: a midpoint on
    the other boundary or not certain.
    """
    ex0, ey0, ex1, ey1, bx_lo, bx_hi, by_lo, by_hi = edges
    sp_e, sp_t, sp_x, sp_y = splits
    co_e, co_t0, co_t1, co_same = overlaps
    sx, sy, tx, ty = subs
    eb_lo, eb_hi = ea, ne
    nseg = 0
    q = 0  # cursor in the sorted splits
    for e in range(ne):
        if not active[e]:
            continue  # outside the other polygon's box: outside it
        is_a = e < ea
        cx, cy = ex0[e], ey0[e]
        ct = 0.0
        while True:
            if q < ns and sp_e[order[q]] == e:
                s = order[q]
                nx_, ny_, nt = sp_x[s], sp_y[s], sp_t[s]
                q += 1
                if nx_ == cx and ny_ == cy:
                    continue
            else:
                nx_, ny_, nt = ex1[e], ey1[e], 1.0
                if nx_ == cx and ny_ == cy:
                    break
            tm = 0.5 * (ct + nt)
            state = -1
            for c in range(nco):
                if co_e[c] == e and co_t0[c] < tm < co_t1[c]:
                    state = 1 if (is_a and co_same[c]) else 0
                    break
            if state == -1:
                mx, my = 0.5 * (cx + nx_), 0.5 * (cy + ny_)
                if is_a:
                    state = _inside(mx, my, ex0, ey0, ex1, ey1, bx_lo, bx_hi, eb_lo, eb_hi)
                else:
                    state = _inside(mx, my, ex0, ey0, ex1, ey1, bx_lo, bx_hi, 0, ea)
                if state == _UNCERTAIN:
                    return nseg, True
            if state == 1:
                sx[nseg], sy[nseg], tx[nseg], ty[nseg] = cx, cy, nx_, ny_
                nseg += 1
            if nt == 1.0 and nx_ == ex1[e] and ny_ == ey1[e]:
                break
            cx, cy, ct = nx_, ny_, nt
    return nseg, False


@numba.njit(_BOOL(_SUBS, _I, _I8), cache=True, nogil=True)
def _link(subs, nseg: int, nxt: np.ndarray) -> bool:
    """Stage 4: ``nxt[s]``, the sub-edge starting where sub-edge s ends; True (fail) unless unique.

    A node where two kept sub-edges start is a result touching itself: GEOS decides.
    """
    sx, sy, tx, ty = subs
    if nseg <= 48:
        for s in range(nseg):
            found = -1
            for u in range(nseg):
                if sx[u] == tx[s] and sy[u] == ty[s]:
                    if found >= 0:
                        return True
                    found = u
            if found < 0:
                return True
            nxt[s] = found
        return False
    srt = _lex_order(sx, sy, nseg, np.empty(nseg, dtype=np.int64))
    keyx = np.empty(nseg)
    for u in range(nseg):
        keyx[u] = sx[srt[u]]
    for s in range(nseg):
        lo, hi = 0, nseg  # the first position with keyx[pos] >= tx[s] (np.searchsorted)
        while lo < hi:
            mid = (lo + hi) // 2
            if keyx[mid] < tx[s]:
                lo = mid + 1
            else:
                hi = mid
        pos = lo
        found = -1
        while pos < nseg and keyx[pos] == tx[s]:
            u = srt[pos]
            if sy[u] == ty[s]:
                if found >= 0:
                    return True
                found = u
            pos += 1
        if found < 0:
            return True
        nxt[s] = found
    return False


@numba.njit(_t.Tuple((_I, _I, _I, _BOOL))(_SUBS, _I, _I8, _B1, _XY, _I, _RINGS), cache=True,
             nogil=True)
def _trace_rings(subs, nseg, nxt, seen, out_xy, n_xy, rings):
    """Stage 5: follow ``nxt`` into closed rings, written to ``out_xy`` from ``n_xy`` on.

    ``out_xy`` must hold n_xy + 2·nseg points and ``rings`` nseg rings
    (start, length, signed area; counter-clockwise: a shell). Returns (nr,
    n_shell, n_xy, fail); ``fail``: a ring that does not close or is flat.
    """
    sx, sy, tx, ty = subs
    r_start, r_len, r_area, r_owner = rings
    seen[:nseg] = False
    nr = 0
    n_shell = 0
    for s in range(nseg):
        if seen[s]:
            continue
        start = n_xy
        acc = 0.0
        u = s
        while not seen[u]:
            seen[u] = True
            out_xy[n_xy, 0], out_xy[n_xy, 1] = sx[u], sy[u]
            n_xy += 1
            acc += sx[u] * ty[u] - tx[u] * sy[u]
            u = nxt[u]
        if u != s or n_xy - start < 3 or acc == 0.0:
            return nr, n_shell, n_xy, True  # not a closed ring, or a flat one
        out_xy[n_xy, 0], out_xy[n_xy, 1] = sx[s], sy[s]
        n_xy += 1
        r_start[nr], r_len[nr], r_area[nr] = start, n_xy - start, 0.5 * acc
        if acc > 0.0:
            n_shell += 1
        nr += 1
    return nr, n_shell, n_xy, False


@numba.njit(_BOOL(_XY, _RINGS, _I, _I), cache=True, nogil=True)
def _assign_holes(out_xy, rings, nr, n_shell) -> bool:
    """Stage 6: every hole to the smallest shell containing its first vertex; True (fail) if none.

    ``rings``' owner column: the ring's shell (a shell owns itself).
    """
    r_start, r_len, r_area, r_owner = rings
    for r in range(nr):
        r_owner[r] = r
    if nr == n_shell:
        return False
    for h in range(nr):
        if r_area[h] > 0.0:
            continue
        hx, hy = out_xy[r_start[h], 0], out_xy[r_start[h], 1]
        best = -1
        for r in range(nr):
            if r_area[r] < 0.0:
                continue
            if n_shell == 1:
                best = r
                break
            inside = False
            for v in range(r_start[r], r_start[r] + r_len[r] - 1):
                y0, y1 = out_xy[v, 1], out_xy[v + 1, 1]
                if (y0 > hy) != (y1 > hy):
                    so = _orient(out_xy[v, 0], y0, out_xy[v + 1, 0], y1, hx, hy)
                    if so == 0 or so == _UNCERTAIN:
                        return True
                    if (y1 > y0) == (so > 0):
                        inside = not inside
            if inside and (best < 0 or r_area[r] < r_area[best]):
                best = r
        if best < 0:
            return True
        r_owner[h] = best
    return False


@numba.njit(_t.UniTuple(_I, 3)(_t.Tuple((_XY, _I8, _I8)), _t.UniTuple(_I, 3), _I, _XY, _RINGS, _I,
                                _t.UniTuple(_F, 2)), cache=True, nogil=True)
def _write_piece(out, counts, ring_base, tmpxy, rings, nr, origin):
    """Stage 7: rewrite the rings from ``ring_base`` on per part (the shell, then its holes).

    ``out`` = (points, ring lengths, rings per part), sized by the caller;
    ``counts`` = how many of each are in use; coordinates go back to the
    layer's (``origin`` added). Returns the new counts.
    """
    out_xy, ring_len, part_rings = out
    n_xy, n_ring, n_part = counts
    r_start, r_len, r_area, r_owner = rings
    ox, oy = origin
    for v in range(n_xy - ring_base):
        tmpxy[v, 0], tmpxy[v, 1] = out_xy[ring_base + v, 0], out_xy[ring_base + v, 1]
    w = ring_base
    for r in range(nr):
        if r_area[r] < 0.0:
            continue
        cnt = 0
        for hh in range(-1, nr):  # the shell first, then its holes
            h = r if hh < 0 else hh
            if hh < 0 or (r_owner[h] == r and h != r):
                off = r_start[h] - ring_base
                for v in range(r_len[h]):
                    out_xy[w, 0] = tmpxy[off + v, 0] + ox
                    out_xy[w, 1] = tmpxy[off + v, 1] + oy
                    w += 1
                ring_len[n_ring] = r_len[h]
                n_ring += 1
                cnt += 1
        part_rings[n_part] = cnt
        n_part += 1
    return w, n_ring, n_part


@numba.njit(_t.Tuple((_arr(_t.int8), _I8, _I8, _I8, _XY))(_LAYER, _LAYER, _I8_RO, _I8_RO, _I, _I, _BOOL),
             cache=True, nogil=True, error_model="numpy")
def _clip_chunk(A, B, li, ri, lo, hi, decide_only):
    """Intersect pairs (A[li[k]], B[ri[k]]), k in lo..hi-1, stage by stage.

    ``A``, ``B``: a layer each, (xy, ring offsets, first ring of every
    geometry, ring reversed?, boxes) (:func:`_kernel_layer`). Returns status,
    parts per pair, rings per part, ring lengths, coordinates.
    ``decide_only``: only the status (do the interiors share an area?), no rings.
    """
    npairs = hi - lo
    status = np.zeros(npairs, dtype=np.int8)
    pair_parts = np.zeros(npairs, dtype=np.int64)
    out_xy = np.empty((1024, 2))
    n_xy = 0
    ring_len = np.empty(256, dtype=np.int64)
    n_ring = 0
    part_rings = np.empty(256, dtype=np.int64)
    n_part = 0
    # scratch, grown as needed
    edges = _edge_table(256)
    active = np.empty(256, dtype=np.bool_)
    act_b = np.empty(256, dtype=np.int64)
    splits = (np.empty(256, dtype=np.int64), np.empty(256), np.empty(256), np.empty(256))
    overlaps = (np.empty(64, dtype=np.int64), np.empty(64), np.empty(64), np.empty(64, dtype=np.bool_))
    subs = (np.empty(256), np.empty(256), np.empty(256), np.empty(256))
    nxt = np.empty(256, dtype=np.int64)
    seen = np.empty(256, dtype=np.bool_)
    rings = (np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64), np.empty(64),
             np.empty(64, dtype=np.int64))
    order = np.empty(256, dtype=np.int64)
    tmpxy = np.empty((256, 2))
    a_roff, a_gring, abox = A[1], A[2], A[4]
    b_roff, b_gring, bbox = B[1], B[2], B[4]
    for k in range(lo, hi):
        kk = k - lo
        ga, gb = li[k], ri[k]
        # intersection of the bounding boxes (closed); empty: nothing shared
        ix0 = max(abox[ga, 0], bbox[gb, 0])
        iy0 = max(abox[ga, 1], bbox[gb, 1])
        ix1 = min(abox[ga, 2], bbox[gb, 2])
        iy1 = min(abox[ga, 3], bbox[gb, 3])
        if not (ix0 <= ix1 and iy0 <= iy1):
            continue
        ox, oy = abox[ga, 0], abox[ga, 1]  # local origin: exact differences nearby
        need = (a_roff[a_gring[ga + 1]] - a_roff[a_gring[ga]]
                + b_roff[b_gring[gb + 1]] - b_roff[b_gring[gb]])
        if active.size < need:
            edges = _edge_table(2 * need)
            active = np.empty(2 * need, dtype=np.bool_)
            act_b = np.empty(2 * need, dtype=np.int64)
        ne, ea, n_act_b = _pair_edges(A, B, ga, gb, (ox, oy), (ix0 - ox, ix1 - ox, iy0 - oy, iy1 - oy),
                                      edges, active, act_b)
        ns, nco, fail, splits, overlaps = _split_points(edges, active, act_b, n_act_b, ea, splits,
                                                        overlaps)
        if fail:
            status[kk] = FALLBACK
            continue
        order = _sort_splits(splits[0], splits[1], ns, order)
        need = ne + ns + 1
        subs = (_grow(subs[0], need), _grow(subs[1], need), _grow(subs[2], need), _grow(subs[3], need))
        nseg, fail = _classify(edges, active, ne, ea, splits, order, ns, overlaps, nco, subs)
        if fail:
            status[kk] = FALLBACK
            continue
        if nseg == 0:
            continue
        if decide_only:
            status[kk] = PIECE  # a kept sub-edge: the interiors share an area
            continue
        nxt = _grow(nxt, nseg)
        if seen.size < nseg:
            seen = np.empty(2 * nseg, dtype=np.bool_)
        if _link(subs, nseg, nxt):
            status[kk] = FALLBACK
            continue
        out_xy = _grow_xy(out_xy, n_xy, n_xy + 2 * nseg)
        rings = (_grow(rings[0], nseg), _grow(rings[1], nseg), _grow(rings[2], nseg),
                 _grow(rings[3], nseg))
        ring_base = n_xy
        nr, n_shell, n_xy, fail = _trace_rings(subs, nseg, nxt, seen, out_xy, n_xy, rings)
        if fail or n_shell == 0 or _assign_holes(out_xy, rings, nr, n_shell):
            n_xy = ring_base
            status[kk] = FALLBACK
            continue
        if tmpxy.shape[0] < n_xy - ring_base:
            tmpxy = np.empty((2 * (n_xy - ring_base), 2))
        ring_len = _grow(ring_len, n_ring + nr)
        part_rings = _grow(part_rings, n_part + n_shell)
        n_xy, n_ring, n_part = _write_piece((out_xy, ring_len, part_rings), (n_xy, n_ring, n_part),
                                            ring_base, tmpxy, rings, nr, (ox, oy))
        pair_parts[kk] = n_shell
        status[kk] = PIECE
    return status, pair_parts, part_rings[:n_part].copy(), ring_len[:n_ring].copy(), \
        out_xy[:n_xy].copy()


@numba.njit(_B1(_XY_RO, _I8_RO, _I8_RO, _I8_RO, _I8_RO, _I, _I), cache=True, nogil=True,
             error_model="numpy")
def _separated_chunk(xy: np.ndarray, ring_off: np.ndarray, geom_ring: np.ndarray,
                     first: np.ndarray, second: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Pairs lo..hi-1 certainly apart: a shared edge whose line has each polygon on one side.

    For two single-ring polygons that share an edge (the same two vertices,
    either way round; neighbours in a coverage), the line through that edge
    separates them when every vertex of one lies on one side of it (or on
    it) and every vertex of the other on the other side: their interiors
    are then disjoint. Decided with exact orientation tests; False means
    "not shown apart", for the full kernel to decide.
    """
    out = np.zeros(hi - lo, dtype=np.bool_)
    for k in range(lo, hi):
        g, h = first[k], second[k]
        if geom_ring[g + 1] - geom_ring[g] != 1 or geom_ring[h + 1] - geom_ring[h] != 1:
            continue
        ps, pe = ring_off[geom_ring[g]], ring_off[geom_ring[g] + 1]
        qs, qe = ring_off[geom_ring[h]], ring_off[geom_ring[h] + 1]
        ox, oy = xy[ps, 0], xy[ps, 1]
        apart = False
        for i in range(ps, pe - 1):
            ax, ay, bx, by = xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]
            shared = False
            for j in range(qs, qe - 1):
                cx, cy, dx, dy = xy[j, 0], xy[j, 1], xy[j + 1, 0], xy[j + 1, 1]
                if ((ax == dx and ay == dy and bx == cx and by == cy)
                        or (ax == cx and ay == cy and bx == dx and by == dy)):
                    shared = True
                    break
            if not shared or (ax == bx and ay == by):
                continue
            ax, ay, bx, by = ax - ox, ay - oy, bx - ox, by - oy
            side_p = 0
            ok = True
            for v in range(ps, pe - 1):
                sg = _orient(ax, ay, bx, by, xy[v, 0] - ox, xy[v, 1] - oy)
                if sg == _UNCERTAIN or (sg != 0 and side_p != 0 and sg != side_p):
                    ok = False
                    break
                if sg != 0:
                    side_p = sg
            if not ok or side_p == 0:
                continue
            for v in range(qs, qe - 1):
                sg = _orient(ax, ay, bx, by, xy[v, 0] - ox, xy[v, 1] - oy)
                if sg == _UNCERTAIN or sg == side_p:
                    ok = False
                    break
            if ok:
                apart = True
                break
        out[k - lo] = apart
    return out


def separated_pairs(rings: Rings, n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per pair (first[k], second[k]) of polygons with these rings: certainly disjoint interiors.

    A quick certificate for neighbours in a coverage (see
    :func:`_separated_chunk`); False means "ask the kernel".

    >>> from shapely import box, Polygon
    >>> polys = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1),            # neighbours
    ...                   Polygon([(1, 0), (1, 1), (0.5, 0.5)])])        # inside the first
    >>> separated_pairs(rings_of(polys), 3, np.array([0, 0]), np.array([1, 2])).tolist()
    [True, False]
    """
    geom_ring = np.searchsorted(rings.owner, np.arange(n + 1)).astype(np.int64)
    first = np.ascontiguousarray(first, dtype=np.int64)
    second = np.ascontiguousarray(second, dtype=np.int64)
    xy, ring_off = _f8(rings.xy), _i8(rings.ring_off)
    parts = _in_threads(lambda lo, hi: _separated_chunk(xy, ring_off, geom_ring, first, second, lo, hi),
                        first.size)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _kernel_layer(rings: Rings, n: int, box: np.ndarray) -> tuple:
    """One layer of ``n`` geometries as :func:`_clip_chunk` reads it (a tuple of five arrays)."""
    geom_ring = np.searchsorted(rings.owner, np.arange(n + 1)).astype(np.int64)
    xy, ring_off = _f8(rings.xy), _i8(rings.ring_off)
    sign = _ring_orientation(xy, ring_off)
    # shells counter-clockwise, holes clockwise
    rev = np.ascontiguousarray(np.where(rings.exterior, sign < 0, sign > 0), dtype=np.bool_)
    return xy, ring_off, geom_ring, rev, _f8(box)


class Clipped(NamedTuple):
    """Result of :func:`clip_pairs`."""

    #: per pair: EMPTY, PIECE or FALLBACK
    status: np.ndarray
    #: per pair: the piece (Polygon or MultiPolygon) where status is PIECE, else None
    pieces: np.ndarray
    #: the rings of the pieces built (``owner``: the pair's position)
    piece_rings: Rings
    #: the rings of the right polygons taking part (``owner``: position in ``right``)
    right_rings: Rings


def clip_pairs(left: np.ndarray, right: np.ndarray, li: np.ndarray, ri: np.ndarray, *,
               decide_only: bool = False, check: bool = True,
               left_rings: Rings | None = None, right_rings: Rings | None = None) -> Clipped:
    """Intersection of ``left[li[k]]`` and ``right[ri[k]]`` for every k, where the kernel is certain.

    Parameters
    ----------
    left, right : numpy arrays of shapely Polygons / MultiPolygons (valid)
    li, ri : int arrays of the same length: the pairs
    decide_only : bool
        Only decide whether each pair's interiors share an area (status
        EMPTY, PIECE or FALLBACK), without building rings or geometries.
    check : bool
        Check every piece is a valid polygon: single-ring pieces with the
        compiled :func:`_simple_rings` test, the others (and any it cannot
        decide) with ``shapely.is_valid``; a piece that fails goes back to
        FALLBACK (GEOS). None has been seen to fail, but a figure someone
        signs should not rest on that.
    left_rings, right_rings : Rings, optional
        The layers' rings if the caller holds them already (``owner``:
        positions in ``left`` / ``right``; geometries that take part in no
        pair may be left out), instead of unpacking the geometries again.
        With ``right is left``, ``left_rings`` serve both sides.

    Returns
    -------
    Clipped
        ``status`` per pair (:data:`EMPTY`, :data:`PIECE`, :data:`FALLBACK`),
        ``pieces`` (geometries where PIECE, else None), the pieces' rings
        and the right polygons' rings (for measuring them without unpacking
        the geometries again).
    """
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    li = np.ascontiguousarray(li, dtype=np.int64)
    ri = np.ascontiguousarray(ri, dtype=np.int64)
    n = li.size
    pieces = np.full(n, None, dtype=object)
    if n == 0:
        return Clipped(np.zeros(0, dtype=np.int8), pieces, no_rings(), no_rings())
    # only the geometries taking part are unpacked (or the caller's rings are used)
    if left_rings is None:
        ul, li_d = _dense(li, len(left))
        a = _kernel_layer(rings_of(left[ul]), ul.size, shapely.bounds(left[ul]))
    else:
        li_d = li
        a = _kernel_layer(left_rings, len(left), ring_boxes(left_rings, len(left)))
    if right_rings is not None:
        ri_d = ri
        b_rings = right_rings
        b = _kernel_layer(right_rings, len(right), ring_boxes(right_rings, len(right)))
    elif right is left and left_rings is not None:
        ri_d, b_rings, b = ri, left_rings, a
    else:
        ur, ri_d = _dense(ri, len(right))
        local = rings_of(right[ur])
        b_rings = Rings(local.xy, local.ring_off, ur[local.owner], local.exterior)
        b = _kernel_layer(local, ur.size, shapely.bounds(right[ur]))
    results = _in_threads(lambda lo, hi: _clip_chunk(a, b, li_d, ri_d, lo, hi, decide_only), n)
    status = np.concatenate([r[0] for r in results])
    parts = np.concatenate([r[1] for r in results])
    part_rings = np.concatenate([r[2] for r in results])
    ring_len = np.concatenate([r[3] for r in results])
    xy = np.concatenate([r[4] for r in results])
    done = np.flatnonzero(status == PIECE)
    build = not decide_only
    if decide_only:
        done = done[:0]  # the status only: no rings were made
    ring_off, part_off, geom_off = offsets(ring_len), offsets(part_rings), offsets(parts[done])
    ring_piece = np.repeat(np.repeat(np.arange(done.size), parts[done]), part_rings)
    exterior = np.zeros(ring_len.size, dtype=bool)
    exterior[part_off[:-1]] = True
    if check and done.size:
        simple = _simple_rings(_f8(xy), _i8(ring_off), 512)
        single = (parts[done] == 1) & (part_rings[geom_off[:-1]] == 1)
        certain = single & simple[part_off[geom_off[:-1]]]
        if not certain.all():
            ask = np.flatnonzero(~certain)
            polys = _build(xy, ring_off, part_off, geom_off, parts[done])
            bad = ask[~shapely.is_valid(polys[ask])]
            if bad.size:
                log.warning(msg("clip_pairs：编译内核得到的 %d 个碎片无效；改用 GEOS 计算",
                                "clip_pairs: %d pieces of the compiled kernel were invalid; they go "
                                "to GEOS"), bad.size)
                status[done[bad]] = FALLBACK
                keep = np.ones(done.size, dtype=bool)
                keep[bad] = False
                ring_keep = keep[ring_piece]
                xy = xy[np.repeat(ring_keep, ring_len)]
                ring_len, ring_piece, exterior = ring_len[ring_keep], ring_piece[ring_keep], exterior[ring_keep]
                part_keep = np.repeat(keep, parts[done])
                part_rings = part_rings[part_keep]
                done = done[keep]
                ring_piece = np.searchsorted(np.flatnonzero(keep), ring_piece)
                ring_off, part_off, geom_off = offsets(ring_len), offsets(part_rings), offsets(parts[done])
            elif build:
                pieces[done] = polys
                build = False
    if build and done.size:
        pieces[done] = _build(xy, ring_off, part_off, geom_off, parts[done])
    log.debug("clip_pairs: %d pairs, %d pieces, %d empty, %d to GEOS", n, done.size,
              int((status == EMPTY).sum()), int((status == FALLBACK).sum()))
    piece_rings = Rings(xy, ring_off, done[ring_piece], exterior)
    return Clipped(status, pieces, piece_rings, b_rings)


def _dense(pos: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct positions (sorted) and each position's rank among them: np.unique in O(n)."""
    seen = np.zeros(n, dtype=bool)
    seen[pos] = True
    rank = np.cumsum(seen, dtype=np.int64) - 1
    return np.flatnonzero(seen), rank[pos]


def _build(xy: np.ndarray, ring_off: np.ndarray, part_off: np.ndarray, geom_off: np.ndarray,
           parts: np.ndarray) -> np.ndarray:
    """Polygons (one part) and MultiPolygons from the kernel's flat arrays, in bulk."""
    polys = shapely.from_ragged_array(shapely.GeometryType.POLYGON, xy, (ring_off, part_off))
    out = polys[geom_off[:-1]]
    many = np.flatnonzero(parts > 1)
    if many.size:
        counts = parts[many]
        owner = np.repeat(np.arange(many.size), counts)
        first = np.repeat(geom_off[:-1][many], counts)
        within = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
        out[many] = shapely.multipolygons(polys[first + within], indices=owner)
    return out
