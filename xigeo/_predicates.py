"""The exact orientation predicates and the compiled simplicity test, apart from the clipping kernel.

What validating a layer needs (:func:`certainly_valid`, :func:`simple_rings`)
and what :mod:`xigeo._clip` builds on (:func:`_orient`,
:func:`_segment_sides`, the compiled types), in a module of its own: the
first ``validate_layer`` after installing compiles these few functions
(~2 s), not the whole clipping kernel (docs/performance.md, "The first
call").

>>> from shapely import box
>>> certainly_valid(np.array([box(0, 0, 1, 1)])).tolist()
[True]
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._jit import prepare

prepare(__name__)  # a cache folder numba can write to, before numba is imported

import numba  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from numba import types as _t  # noqa: E402

from ._layers import thread_count  # noqa: E402
from ._rings import Rings, offsets  # noqa: E402

__all__ = ["certainly_valid", "simple_rings"]

# --- compiled types ------------------------------------------------------------------------
#
# Every compiled function has an explicit signature: numba compiles it once, when this module
# is imported (or loads it from its cache), for exactly these types, and never again for
# another (a literal int argument, a read-only or int32 array would each compile a copy).
# Arrays are C-contiguous; inputs are declared read-only, so that writable and read-only
# arrays (e.g. from Arrow) use the same code; the Python wrappers below (_kernel_layer, _f8,
# _i8) bring any other input to these types. docs/performance.md, "The first call".


def _arr(dtype: Any, ndim: int = 1, readonly: bool = False) -> Any:
    return _t.Array(dtype, ndim, "C", readonly=readonly)


_F8, _I8, _B1, _XY = _arr(_t.float64), _arr(_t.int64), _arr(_t.bool_), _arr(_t.float64, 2)
_XY_RO, _I8_RO = _arr(_t.float64, 2, True), _arr(_t.int64, 1, True)
_I, _F, _BOOL = _t.int64, _t.float64, _t.boolean
_EPS = 2.0**-53
_CCW_ERRBOUND = (3.0 + 16.0 * _EPS) * _EPS
_UNCERTAIN = 2

@numba.njit(_I(_F, _F, _F, _F, _F, _F), cache=True, nogil=True)
def _orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """Side of c from the line a→b: 1 left, -1 right, 0 on it, 2 not certain (orient2d filter)."""
    detleft = (ax - cx) * (by - cy)
    detright = (ay - cy) * (bx - cx)
    det = detleft - detright
    if detleft > 0.0:
        if detright <= 0.0:
            return 1 if det > 0.0 else (-1 if det < 0.0 else 0)
        detsum = detleft + detright
    elif detleft < 0.0:
        if detright >= 0.0:
            return 1 if det > 0.0 else (-1 if det < 0.0 else 0)
        detsum = -detleft - detright
    else:
        return 1 if det > 0.0 else (-1 if det < 0.0 else 0)
    bound = _CCW_ERRBOUND * detsum
    if det > bound:
        return 1
    if -det > bound:
        return -1
    return _UNCERTAIN


@numba.njit(_t.Tuple((_I, _I, _I, _I, _BOOL))(_F, _F, _F, _F, _F, _F, _F, _F), cache=True, nogil=True)
def _segment_sides(px0: float, py0: float, px1: float, py1: float, qx0: float, qy0: float,
                   qx1: float, qy1: float) -> tuple[int, int, int, int, bool]:
    """Sides of q's ends from the line of p, of p's ends from the line of q, and "apart".

    "apart": one segment lies strictly on one side of the other's line, so
    they do not meet. Any side may be 2 (not certain); then "apart" is
    False and the caller must not decide. When q's ends already show the
    segments apart, p's ends are not tested (returned as 0).
    """
    s1 = _orient(px0, py0, px1, py1, qx0, qy0)
    s2 = _orient(px0, py0, px1, py1, qx1, qy1)
    if s1 == _UNCERTAIN or s2 == _UNCERTAIN:
        return s1, s2, 0, 0, False
    if s1 == s2 and s1 != 0:
        return s1, s2, 0, 0, True
    s3 = _orient(qx0, qy0, qx1, qy1, px0, py0)
    s4 = _orient(qx0, qy0, qx1, qy1, px1, py1)
    return s1, s2, s3, s4, (s3 == s4 and s3 != 0 and s3 != _UNCERTAIN)


@numba.njit(_B1(_XY_RO, _I8_RO, _I), cache=True, nogil=True, error_model="numpy")
def _simple_rings(xy: np.ndarray, ring_off: np.ndarray, max_edges: int) -> np.ndarray:
    """True for every ring certainly simple: closed, ≥ 3 edges, no edge meets a non-adjacent one.

    False means "not certain": a self-intersection or self-touch, a spike
    (an edge folding back on the previous one), an orientation within
    rounding, too many edges (> ``max_edges``) or a non-finite coordinate.
    The caller asks GEOS about those.
    """
    n = ring_off.size - 1
    out = np.zeros(n, dtype=np.bool_)
    idx = np.empty(max_edges + 1, dtype=np.int64)
    for r in range(n):
        s, e = ring_off[r], ring_off[r + 1]
        if e - s < 4 or e - s > max_edges + 1:
            continue
        if xy[s, 0] != xy[e - 1, 0] or xy[s, 1] != xy[e - 1, 1]:
            continue
        ok = True
        m = 0  # vertices with repeated points dropped; idx[m] == idx[0] closes the ring
        for v in range(s, e - 1):
            if not (np.isfinite(xy[v, 0]) and np.isfinite(xy[v, 1])):
                ok = False
                break
            if m == 0 or xy[v, 0] != xy[idx[m - 1], 0] or xy[v, 1] != xy[idx[m - 1], 1]:
                idx[m] = v
                m += 1
        if not ok:
            continue
        if m > 1 and xy[idx[m - 1], 0] == xy[s, 0] and xy[idx[m - 1], 1] == xy[s, 1]:
            m -= 1
        if m < 3:
            continue
        idx[m] = idx[0]
        ox, oy = xy[s, 0], xy[s, 1]
        for i in range(m):
            ax0, ay0 = xy[idx[i], 0] - ox, xy[idx[i], 1] - oy
            ax1, ay1 = xy[idx[i + 1], 0] - ox, xy[idx[i + 1], 1] - oy
            # the next edge must not fold back onto this one
            j = i + 1 if i + 1 < m else 0
            bx1, by1 = xy[idx[j + 1], 0] - ox, xy[idx[j + 1], 1] - oy
            so = _orient(ax0, ay0, ax1, ay1, bx1, by1)
            if so == _UNCERTAIN or (so == 0 and (ax1 - ax0) * (bx1 - ax1) + (ay1 - ay0) * (by1 - ay1) <= 0.0):
                ok = False
                break
            aminx, amaxx = min(ax0, ax1), max(ax0, ax1)
            aminy, amaxy = min(ay0, ay1), max(ay0, ay1)
            for k in range(i + 2, m):
                if i == 0 and k == m - 1:
                    continue  # adjacent through the closing vertex
                bx0, by0 = xy[idx[k], 0] - ox, xy[idx[k], 1] - oy
                bx1, by1 = xy[idx[k + 1], 0] - ox, xy[idx[k + 1], 1] - oy
                if (max(bx0, bx1) < aminx or min(bx0, bx1) > amaxx
                        or max(by0, by1) < aminy or min(by0, by1) > amaxy):
                    continue
                if not _segment_sides(ax0, ay0, ax1, ay1, bx0, by0, bx1, by1)[4]:
                    ok = False  # they meet (or may): not simple for certain
                    break
            if not ok:
                break
        out[r] = ok
    return out



def simple_rings(rings: Rings, *, max_edges: int = 512) -> np.ndarray:
    """Per ring: certainly simple (see :func:`_simple_rings`), on a thread per CPU."""
    xy, ring_off = _f8(rings.xy), _i8(rings.ring_off)
    parts = _in_threads(lambda lo, hi: _simple_rings(xy, ring_off[lo:hi + 1], max_edges),
                        rings.ring_off.size - 1, min_chunk=20_000)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def certainly_valid(geoms: np.ndarray, *, max_edges: int = 512) -> np.ndarray:
    """True where a geometry is certainly a valid single-ring Polygon; False: ask GEOS.

    A compiled test, ~10× faster than ``shapely.is_valid`` on survey
    patches: a Polygon without holes is valid when its ring is closed, has
    at least three edges and no edge meets a non-adjacent edge nor folds
    back on the next one, each decided with an exact orientation test (see
    :func:`_orient`). Polygons with holes, MultiPolygons, rings of more than
    ``max_edges`` edges and anything undecided get False (not "invalid": the
    caller runs ``shapely.is_valid`` on them).

    >>> from shapely import Polygon, box
    >>> certainly_valid(np.array([box(0, 0, 1, 1), Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]),
    ...                           Polygon([(0, 0), (2, 0), (1, 0), (1, 1)]), None])).tolist()
    [True, False, False, False]
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype=bool)
    simple = np.flatnonzero((shapely.get_type_id(geoms) == 3) & ~shapely.is_empty(geoms))
    if simple.size:
        simple = simple[shapely.get_num_interior_rings(geoms[simple]) == 0]
    if simple.size == 0:
        return out
    ring_off = offsets(shapely.get_num_coordinates(geoms[simple]))
    xy = np.ascontiguousarray(shapely.get_coordinates(geoms[simple]), dtype=np.float64)
    out[simple] = simple_rings(Rings(xy, ring_off, simple, np.ones(simple.size, dtype=bool)),
                               max_edges=max_edges)
    return out


def _f8(a: np.ndarray) -> np.ndarray:
    """``a`` as the kernels' one compiled type: C-contiguous float64 (a copy only if it is not)."""
    return np.ascontiguousarray(a, dtype=np.float64)


def _i8(a: np.ndarray) -> np.ndarray:
    """``a`` as C-contiguous int64 (a copy only if it is not)."""
    return np.ascontiguousarray(a, dtype=np.int64)


def _in_threads(func: Callable[[int, int], Any], n: int, min_chunk: int = 2_000) -> list:
    """``func(lo, hi)`` on contiguous slices of range(n), a thread per CPU (nogil kernels)."""
    workers = thread_count(n, min_chunk)
    cuts = np.linspace(0, n, workers + 1).astype(np.int64)
    if workers == 1:
        return [func(0, n)]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda w: func(int(cuts[w]), int(cuts[w + 1])), range(workers)))


