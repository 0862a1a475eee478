"""The overlay kernel shared by the calculators: pieces of two polygon layers.

:func:`intersection_pieces` returns, for every pair of a left and a right
polygon whose interiors meet, the polygon they share. It gives the same
pieces as ``geopandas.overlay(left, right, how="intersection",
keep_geom_type=True)`` without building a GeoDataFrame per step:

1. one bulk query of an STRtree on the right layer gives the candidate
   pairs (``tree.query(left)``, bounding boxes);
2. the compiled kernel :func:`xigeo._clip.clip_pairs` clips every
   candidate pair (no GEOS call): pairs whose polygons share no area give
   no piece, the others the Polygon or MultiPolygon they share;
3. the pairs the kernel cannot decide with certainty in floating point
   (points within rounding error of a line, results touching themselves at
   a point) and any piece that ``shapely.is_valid`` rejects are clipped
   with ``shapely.intersection`` (GEOS OverlayNG), keeping the polygonal
   part (a GeometryCollection of polygons and lines keeps its polygons);
4. pairs that only touch (a shared edge or corner) give no piece.

:func:`measured_pieces` also measures them: the pieces' survey areas come
straight from the rings the kernel built, the areas of the right polygons
met from the rings unpacked once for the kernel and for a compiled validity
pre-test, so that a calculator (:func:`xigeo.farmland_overlap`) gets
geometries and areas and never handles ring arrays.

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

import contextlib
import gc
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import shapely

# re-exported: callers that took the polygonal part from here keep working
from ._layers import polygonal_part
from ._rings import Rings, merge_rings, ring_boxes, rings_of
from .area import AreaMethod, area, ellipsoidal_rings_m2

if TYPE_CHECKING:
    from ._clip import Clipped

__all__ = ["candidate_pairs", "intersection_pieces", "polygonal_part", "overlapping_within",
           "geos_intersection", "overlay_pieces", "Overlaid", "measured_pieces", "Measured",
           "gc_paused", "odd_geometries"]

log = logging.getLogger(__name__)

# The compiled kernels (xigeo._clip, numba) are imported inside the functions that run them,
# so that importing this module (every calculator does) loads no numba.


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while 100,000s of geometries are made.

    Each shapely geometry is a tracked Python object: making 100,000 of them
    triggers full collections that walk every object alive, a loaded
    300,000-patch layer included, which tripled the time of building the
    pieces (0.07 s → 0.26 s for 113,000 polygons). Nothing made here forms
    reference cycles; the previous state is restored on exit.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def candidate_pairs(left: np.ndarray, right: np.ndarray, *,
                    tree: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (left, right positions) whose bounding boxes meet: one bulk STRtree query.

    ``tree``: a ``shapely.STRtree`` already built on ``right``, or the
    spatial index geopandas keeps on the right layer's geometry array
    (``gdf.geometry.values.sindex``: built once per layer and reused by
    every later query, as ``geopandas.overlay`` reuses it).

    >>> from shapely import box
    >>> candidate_pairs(np.array([box(0, 0, 2, 2)]), np.array([box(1, 1, 3, 3), box(5, 5, 6, 6)]))
    (array([0]), array([0]))
    """
    if tree is None:
        tree = shapely.STRtree(np.asarray(right, dtype=object))
    li, ri = tree.query(np.asarray(left, dtype=object))
    order = np.lexsort((ri, li))
    return li[order], ri[order]


def geos_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Polygonal part of ``shapely.intersection(a, b)``, computed near the origin.

    GEOS rounds at the magnitude of its input: at Gauss–Krüger eastings
    (~4e7 m) two runs of one pair can differ by 1e-4 m². Each pair is moved
    by the lower-left corner of its first polygon's box (subtracting a nearby
    offset is exact), intersected, and moved back; a piece that moving back
    makes invalid (a sliver narrower than the rounding) is intersected where
    it lies instead.

    >>> from shapely import box
    >>> x, y = 38_560_000.0, 3_580_000.0
    >>> geos_intersection(np.array([box(x, y, x + 10, y + 10)]), np.array([box(x + 5, y, x + 20, y + 10)]))[0].bounds
    (38560005.0, 3580000.0, 38560010.0, 3580010.0)
    """
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    off = shapely.bounds(a)[:, :2]
    off[~np.isfinite(off)] = 0.0

    def moved(g: np.ndarray, shift: np.ndarray) -> np.ndarray:
        xy = shapely.get_coordinates(g)
        n = shapely.get_num_coordinates(g)
        return shapely.set_coordinates(g.copy(), xy + np.repeat(shift, n, axis=0))

    local = polygonal_part(shapely.intersection(moved(a, -off), moved(b, -off)))
    out = np.full(len(a), None, dtype=object)
    idx = np.flatnonzero(~shapely.is_missing(local))
    if idx.size:
        out[idx] = moved(local[idx], off[idx])
        # moving back rounds to the spacing of doubles there (7.5e-9 m): a sliver can fold
        bad = idx[~shapely.is_valid(out[idx])]
        if bad.size:
            out[bad] = polygonal_part(shapely.intersection(a[bad], b[bad]))
    return out


def intersection_pieces(left: np.ndarray, right: np.ndarray, *,
                        tree: shapely.STRtree | None = None,
                        pairs: tuple[np.ndarray, np.ndarray] | None = None,
                        check: bool = True,
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
    check : bool
        Check every piece the compiled kernel built with ``shapely.is_valid``
        and clip the invalid ones again with GEOS (default; none has been
        seen invalid, but a signed figure should not rest on that).

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
    with gc_paused():
        o = overlay_pieces(left, right, pairs, check=check)
    return o.li, o.ri, o.pieces


class Overlaid(NamedTuple):
    """What :func:`overlay_pieces` returns: the pieces and, for measuring them, the kernel's rings."""

    li: np.ndarray
    ri: np.ndarray
    pieces: np.ndarray
    #: per piece: built by the compiled kernel (its rings are in ``clipped.piece_rings``)
    #: or, where False, by GEOS
    by_kernel: np.ndarray
    clipped: "Clipped"
    #: per piece: its pair's position in the candidate pairs (the rings' owner)
    pair: np.ndarray

    def piece_rings(self) -> Rings:
        """The rings of every piece, ``owner``: the piece's position (GEOS pieces unpacked)."""
        pr = self.clipped.piece_rings
        pos = np.searchsorted(self.pair, pr.owner)
        pos = np.minimum(pos, max(self.pair.size - 1, 0))
        ok = self.pair[pos] == pr.owner if self.pair.size else np.zeros(pr.owner.size, bool)
        if not ok.all():  # pragma: no cover - kernel pieces always have an area
            raise RuntimeError("a kernel piece was dropped")  # message: internal
        kernel = Rings(pr.xy, pr.ring_off, pos, pr.exterior)
        geos = np.flatnonzero(~self.by_kernel)
        if geos.size == 0:
            return kernel
        extra = rings_of(self.pieces[geos])
        return merge_rings(kernel, Rings(extra.xy, extra.ring_off, geos[extra.owner], extra.exterior))


def overlay_pieces(left: np.ndarray, right: np.ndarray,
                   pairs: tuple[np.ndarray, np.ndarray], *, check: bool = True,
                   right_rings: Rings | None = None, right_bad: np.ndarray | None = None) -> Overlaid:
    """:func:`intersection_pieces` on known candidate pairs, with the kernel's rings kept.

    ``right_rings``: the rings of the right polygons taking part, if the
    caller unpacked them already (see :func:`xigeo._clip.clip_pairs`);
    ``right_bad``: per right polygon, missing or empty (or otherwise to be
    left out), if the caller knows it already (not tested again).
    """
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    from ._clip import PIECE

    li, ri = (np.asarray(p, dtype=np.int64) for p in pairs)
    if li.size:
        # None and empty geometries take no part (tested once per geometry, not per pair)
        lu = np.unique(li)
        bad_left = np.zeros(len(left), dtype=bool)
        bad_left[lu] = shapely.is_missing(left[lu]) | shapely.is_empty(left[lu])
        if right_bad is not None:
            bad_right = np.asarray(right_bad, dtype=bool)
        else:
            seen = np.zeros(len(right), dtype=bool)
            seen[ri] = True
            ru = np.flatnonzero(seen)
            bad_right = np.zeros(len(right), dtype=bool)
            bad_right[ru] = shapely.is_missing(right[ru]) | shapely.is_empty(right[ru])
        usable = ~(bad_left[li] | bad_right[ri])
        li, ri = li[usable], ri[usable]
    pli, pri, pieces, (clipped, keep) = _pieces(left, right, li, ri, check=check,
                                                right_rings=right_rings)
    kept = np.flatnonzero(keep)
    return Overlaid(pli, pri, pieces, clipped.status[kept] == PIECE, clipped, kept)


def _pieces(left: np.ndarray, right: np.ndarray, li: np.ndarray, ri: np.ndarray, *,
            check: bool, right_rings: Rings | None = None,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[Clipped, np.ndarray]]:
    from ._clip import FALLBACK, clip_pairs

    clipped = clip_pairs(left, right, li, ri, check=check, right_rings=right_rings)
    status, pieces = clipped.status, clipped.pieces
    geos = np.flatnonzero(status == FALLBACK)
    if geos.size:
        pieces[geos] = geos_intersection(left[li[geos]], right[ri[geos]])
    keep = ~shapely.is_missing(pieces)
    # the kernel's pieces have an area (it keeps no ring without one: Overlaid.piece_rings
    # relies on it); only GEOS's pieces can be lines or points that touch
    if geos.size:
        g = geos[keep[geos]]
        keep[g] = shapely.area(pieces[g]) > 0.0
    log.debug("intersection_pieces: %d candidate pairs, %d clipped by GEOS, %d pieces",
              li.size, geos.size, int(keep.sum()))
    return li[keep], ri[keep], pieces[keep], (clipped, keep)


def overlapping_within(li: np.ndarray, pieces: np.ndarray, *, rings: Rings | None = None,
                       ri: np.ndarray | None = None, right: np.ndarray | None = None) -> np.ndarray:
    """Left positions two of whose pieces overlap (their right polygons overlap there).

    ``li`` and ``pieces`` are what :func:`intersection_pieces` returns
    (sorted by ``li``); ``rings``: the pieces' rings if already unpacked
    (:meth:`Overlaid.piece_rings`). Pieces of one left polygon come from different right
    polygons; their interiors meet only where those right polygons overlap
    each other (duplicates, a patch inside another) *inside* the left
    polygon. Only pairs of pieces of the same left polygon whose bounding
    boxes overlap are tested, in one compiled kernel pass
    (:func:`xigeo._clip.clip_pairs`; ``shapely.relate_pattern`` for the
    pairs it cannot decide), never the whole right layer against itself.
    With ``ri`` and ``right`` (the pieces' right polygons), a pair of pieces
    counts only if their right polygons' interiors meet too (exact DE-9IM on
    the input polygons): two pieces of neighbouring patches of a coverage
    can overlap by 1e-9 m² because the points where the left polygon's edges
    cross their shared edge were computed once for each piece; that is
    rounding, not ground counted twice.

    >>> from shapely import box
    >>> pieces = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 0, 1, 1), box(0.5, 0, 1, 1)])
    >>> overlapping_within(np.array([0, 0, 1, 1]), pieces).tolist()
    [1]
    """
    from ._clip import FALLBACK, PIECE, clip_pairs, separated_pairs

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
    bounds = shapely.bounds(pieces) if rings is None else ring_boxes(rings, len(pieces))
    ba, bb = bounds[first], bounds[second]
    cand = np.flatnonzero((np.minimum(ba[:, 2], bb[:, 2]) > np.maximum(ba[:, 0], bb[:, 0]))
                          & (np.minimum(ba[:, 3], bb[:, 3]) > np.maximum(ba[:, 1], bb[:, 1])))
    if cand.size == 0:
        return np.empty(0, dtype=np.int64)
    # coverage neighbours are shown apart by the line of an edge they share; the compiled
    # kernel decides the other pairs, and the exact DE-9IM test the ones it cannot decide
    if rings is None:
        rings = rings_of(pieces)
    apart = separated_pairs(rings, len(pieces), first[cand], second[cand])
    cand = cand[~apart]
    status = clip_pairs(pieces, pieces, first[cand], second[cand], decide_only=True,
                        left_rings=rings).status
    bad = status == PIECE
    unsure = np.flatnonzero(status == FALLBACK)
    if unsure.size:
        bad[unsure] = shapely.relate_pattern(pieces[first[cand[unsure]]],
                                             pieces[second[cand[unsure]]], "T********")
    if ri is not None and right is not None and bad.any():
        k = np.flatnonzero(bad)
        ra, rb = np.asarray(ri)[first[cand[k]]], np.asarray(ri)[second[cand[k]]]
        bad[k] = shapely.relate_pattern(right[ra], right[rb], "T********")
    return np.unique(li[first[cand[bad]]])


class Measured(NamedTuple):
    """What :func:`measured_pieces` returns: the pieces and their areas."""

    #: per piece: positions of its left and right polygons (sorted by left, then right)
    li: np.ndarray
    ri: np.ndarray
    #: per piece: the Polygon or MultiPolygon
    pieces: np.ndarray
    #: per piece: its area (m²), and the area of its right polygon, by the method asked for
    piece_m2: np.ndarray
    right_m2: np.ndarray
    overlaid: Overlaid
    #: the right polygons
    right: np.ndarray | None = None

    def overlapping(self) -> np.ndarray:
        """Left positions two of whose pieces overlap (:func:`overlapping_within`, on the rings
        held), their right polygons overlapping too."""
        return overlapping_within(self.li, self.pieces, rings=self.overlaid.piece_rings(),
                                  ri=self.ri, right=self.right)


def measured_pieces(left: np.ndarray, right: np.ndarray, *, crs: Any, method: AreaMethod,
                    check_right: Callable[[np.ndarray], object] | None = None,
                    label: str = "pieces", right_valid: np.ndarray | None = None,
                    right_m2: np.ndarray | None = None, tree: Any = None,
                    pairs: tuple[np.ndarray, np.ndarray] | None = None,
                    right_odd: np.ndarray | None = None) -> Measured:
    """Pieces of ``left`` × ``right`` (arrays of valid polygons) with their areas.

    What :func:`intersection_pieces` gives, plus the area of every piece and
    of the right polygon it comes from, measured by ``method`` (the survey
    ellipsoidal area straight from the rings the kernel holds: the same
    figures :func:`xigeo.area.area` gives for the geometries).

    Only right polygons whose box meets a left box take part. Their rings
    are unpacked once, for the kernel, their areas and a compiled validity
    pre-test: ``check_right(rows)``, if given, is called (before anything is
    clipped) with the positions in ``right`` that the pre-test does not
    settle (single-ring polygons it cannot certify, polygons with holes,
    multipolygons) and every missing, empty or non-polygon geometry of
    ``right``; it should raise to refuse them (e.g. ``validate_layer``).
    ``label`` names the pieces in a CRS error. ``right_valid`` (per right
    polygon, known beforehand, e.g. by :func:`xigeo.prepare`): True for the
    valid ones, which ``check_right`` is then not asked about and the
    pre-test skips; ``right_m2``: the right polygons' areas by ``method``,
    known beforehand (not measured again); ``tree``: a spatial index on
    ``right`` (see :func:`candidate_pairs`), or ``pairs``: the candidate
    pairs themselves, if known (as :func:`candidate_pairs` gives them);
    ``right_odd``: per right polygon, missing, empty or not a polygon
    (:func:`odd_geometries`), if known.

    >>> from shapely import box
    >>> x0, y0 = 38_560_000, 3_580_000
    >>> m = measured_pieces(np.array([box(x0, y0, x0 + 100, y0 + 100)]),
    ...                     np.array([box(x0 + 50, y0, x0 + 150, y0 + 100), box(x0 + 900, y0, x0 + 950, y0 + 10)]),
    ...                     crs=4526, method=AreaMethod.PLANAR)
    >>> m.li.tolist(), m.ri.tolist(), m.piece_m2.tolist(), m.right_m2.tolist()
    ([0], [0], [5000.0], [10000.0])
    """
    from ._clip import simple_rings

    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    if pairs is None:
        pairs = candidate_pairs(left, right, tree=tree)
    met = np.zeros(len(right), dtype=bool)
    met[pairs[1]] = True  # np.unique in O(n)
    if right_odd is not None:
        odd = np.asarray(right_odd, dtype=bool)
    elif right_valid is not None:
        # what is known valid is a polygon: only the others are looked at
        odd = np.zeros(len(right), dtype=bool)
        ask = np.flatnonzero(~np.asarray(right_valid, dtype=bool))
        odd[ask] = odd_geometries(right[ask])
    else:
        odd = odd_geometries(right)
    near = np.flatnonzero(met)
    fine = near[~odd[near]]
    local = rings_of(right[fine])
    right_rings = Rings(local.xy, local.ring_off, fine[local.owner], local.exterior)
    asked = None
    if check_right is not None and right_valid is not None:
        asked = np.union1d(fine[~right_valid[fine]], np.flatnonzero(odd))
    elif check_right is not None:
        # single-ring polygons the exact compiled test settles; the caller judges the rest
        single = np.bincount(local.owner, minlength=fine.size) == 1
        certain = np.zeros(fine.size, dtype=bool)
        if single.any():
            simple = simple_rings(local)
            certain[single] = simple[np.searchsorted(local.owner, np.flatnonzero(single))]
        asked = np.union1d(fine[~certain], np.flatnonzero(odd))
    if check_right is not None and asked is not None and asked.size:
        check_right(asked)  # never asked about no rows (an empty selection is not an empty layer)
    overlaid = overlay_pieces(left, right, pairs, right_rings=right_rings, right_bad=odd)
    piece_m2, right_m2 = _measure(overlaid, right, crs, method, label, right_m2=right_m2)
    return Measured(overlaid.li, overlaid.ri, overlaid.pieces, piece_m2, right_m2[overlaid.ri],
                    overlaid, right)


def odd_geometries(geoms: np.ndarray) -> np.ndarray:
    """Per geometry: missing, empty, or neither a Polygon nor a MultiPolygon."""
    return (shapely.is_missing(geoms) | shapely.is_empty(geoms)
            | ~np.isin(shapely.get_type_id(geoms), (3, 6)))


def _measure(overlaid: Overlaid, right: np.ndarray, crs: Any, method: AreaMethod,
             label: str, *, right_m2: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Areas (m²) of the pieces, and of the right polygons they come from (NaN for the others).

    With the survey ellipsoidal method the areas come straight from the
    rings the kernel holds (the same coordinates as the geometries, so the
    same figures :func:`xigeo.area` gives for them, without unpacking
    100,000s of geometries again).
    """
    import geopandas as gpd

    li, ri, geoms = overlaid.li, overlaid.ri, overlaid.pieces
    known = right_m2
    right_m2 = np.full(len(right), np.nan)
    if method is AreaMethod.ELLIPSOIDAL:
        piece_m2 = np.empty(li.size)
        kernel = overlaid.by_kernel
        pr = overlaid.clipped.piece_rings
        by_pair = ellipsoidal_rings_m2(pr.xy, pr.ring_off, pr.owner, pr.exterior,
                                       overlaid.clipped.status.size, crs, label=label)
        piece_m2[kernel] = by_pair[overlaid.pair[kernel]]
        if not kernel.all():
            piece_m2[~kernel] = area(gpd.GeoSeries(geoms[~kernel], crs=crs), method=method).to_numpy()
        if known is not None:
            return piece_m2, np.asarray(known, dtype=float)
        rr = overlaid.clipped.right_rings
        met = np.zeros(len(right), dtype=bool)
        met[ri] = True
        hit_rings = rr.take(met[rr.owner])  # the rings of the right polygons with a piece
        hit = np.flatnonzero(met)
        right_m2[hit] = ellipsoidal_rings_m2(hit_rings.xy, hit_rings.ring_off, hit_rings.owner,
                                             hit_rings.exterior, len(right), crs, label=label)[hit]
        return piece_m2, right_m2
    piece_m2 = area(gpd.GeoSeries(geoms, crs=crs), method=method).to_numpy()
    if known is not None:
        return piece_m2, np.asarray(known, dtype=float)
    hit = np.unique(ri)
    if hit.size:
        right_m2[hit] = area(gpd.GeoSeries(right[hit], crs=crs), method=method).to_numpy()
    return piece_m2, right_m2
