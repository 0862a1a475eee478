"""Adversarial tests of the overlay kernel ``xigeo._overlay.intersection_pieces``.

The kernel is about to get a compiled polygon clipper (numba) that falls back
to GEOS for the pairs it cannot decide robustly; these tests are what catches
its mistakes. Every case is checked by :func:`assert_same_pieces` against an
independent reference computed here, pair by pair: ``shapely.intersection(a,
b)`` (GEOS OverlayNG) of every pair whose bounding boxes meet (a plain numpy
box test, not the STRtree the kernel uses), keeping only the polygonal part
of the result and the pairs whose intersection has an area > 0. For each case:

- the same set of (left, right) pairs, ordered by left then right position;
- per pair ``|piece.area - ref.area| <= 1e-6`` m² and
  ``area(symmetric_difference(piece, ref)) <= 1e-6`` m² (planar);
- every piece valid (``shapely.is_valid``), a Polygon or MultiPolygon, never
  a collection, line or empty geometry;
- the same number of parts (``shapely.get_num_geometries``) and of holes
  (interior rings over all parts) as the reference.

GEOS rounds, so the reference is run twice: on the layers as given and on
the same layers moved exactly near the origin (subtracting an offset o from
coordinates in [o, 2o] is exact). At GK coordinates the two runs can differ
(one Voronoi pair by 1.6e-4 m², pieces of 1e-18..4e-6 m² present in one run
only); a pair is required where both runs have it, and a piece may match
either run. Where GEOS's overlay and its robust predicate disagree (relate
says the interiors overlap, exact rational clipping finds 4e-14 m², the
overlay returns only lines), a piece of area <= 1e-6 m² may be present, or
absent in the converse case. Everything else is exact to the tolerance.

Where a case's answer is also known by construction (no piece for polygons
that only touch, the small polygon itself for one inside the other, a count
of parts worked out from the drawing) that is asserted as well.

The geometries are drawn in metres in a local frame and placed either like a
real Gauss–Krüger layer (EPSG:4526: x ≈ 38,560,000, y ≈ 3,580,000, stored to
4 decimals) or at the origin, where every coordinate and every "exactly on
the edge" relation of the drawing is exact in floating point.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely import MultiPoint, MultiPolygon, Polygon, box
from shapely.affinity import rotate

from xigeo._overlay import candidate_pairs, intersection_pieces

GK = (38_560_000.0, 3_580_000.0)
ORIGIN = (0.0, 0.0)
NOISE_M2 = 1e-12
TOL_M2 = 1e-6
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon

# pieces of a parcel on a coverage sum to its area: exactly (to rounding) near the origin; at GK
# coordinates GEOS's own pieces of one parcel overlap by up to 1.6e-4 m² (see assert_same_pieces)
TILE_TOL = {ORIGIN: 1e-5, GK: 1e-3}

frames = pytest.mark.parametrize("origin", [GK, ORIGIN], ids=["gk", "origin"])


# ---------------------------------------------------------------------------
# building geometries


def at(geom, origin, *, decimals: int | None = 4):
    """``geom`` (drawn in local metres) moved to ``origin``.

    At the GK origin coordinates are rounded to ``decimals`` like a stored
    layer (equal local coordinates stay equal, so shared vertices stay
    shared); ``decimals=None`` keeps the sum unrounded (for the cases whose
    point is a sub-millimetre offset).
    """
    if geom is None:
        return None
    shift = np.asarray(origin, dtype=float)

    def move(c: np.ndarray) -> np.ndarray:
        c = c + shift
        return np.round(c, decimals) if decimals is not None and origin != ORIGIN else c

    return shapely.transform(geom, move)


def poly(shell, *holes) -> Polygon:
    return Polygon(shell, holes)


def arr(*geoms) -> np.ndarray:
    out = np.empty(len(geoms), dtype=object)
    out[:] = list(geoms)
    return out


def place(origin, *geoms, decimals: int | None = 4) -> np.ndarray:
    return arr(*(at(g, origin, decimals=decimals) for g in geoms))


def ring_start(p: Polygon, k: int) -> Polygon:
    """The same polygon with its shell starting at vertex ``k``."""
    c = list(p.exterior.coords)[:-1]
    c = c[k:] + c[:k]
    return Polygon(c, [h.coords for h in p.interiors])


def star(rng: np.random.Generator, cx: float, cy: float, n: int, rmin: float, rmax: float) -> Polygon:
    """A random star-shaped (generally non-convex) polygon round (cx, cy) with n vertices."""
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(rmin, rmax, n)
    return Polygon(np.c_[cx + rad * np.cos(ang), cy + rad * np.sin(ang)])


# ---------------------------------------------------------------------------
# the reference and the comparison


def _polygonal(g):
    """Polygonal part of a GEOS result: Polygon/MultiPolygon, or None."""
    if g is None or shapely.is_empty(g):
        return None
    t = shapely.get_type_id(g)
    if t in _POLYGONAL:
        return g
    if t != 7:
        return None
    polys, todo = [], list(shapely.get_parts(g))
    while todo:
        p = todo.pop(0)
        pt = shapely.get_type_id(p)
        if pt == 3 and not p.is_empty:
            polys.append(p)
        elif pt in (6, 7):
            todo[:0] = list(shapely.get_parts(p))
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def local_offset(*layers) -> np.ndarray:
    """An offset whose subtraction from every coordinate of the layers is exact.

    For coordinates x in [o, 2 o] (o > 0), x - o is exact in floating point
    (Sterbenz), so ``geom - offset`` is the very same geometry drawn near the
    origin. Layers near the origin get offset 0.
    """
    geoms = np.concatenate([arr(*g) for g in layers])
    b = shapely.bounds(geoms)
    b = b[~np.isnan(b).any(axis=1)]
    off = np.zeros(2)
    if b.size:
        for d in (0, 1):
            o = math.floor(b[:, d].min())
            if o >= 1 and b[:, d + 2].max() <= 2 * o:
                off[d] = o
    return off


def shifted(geoms, off: np.ndarray) -> np.ndarray:
    out = arr(*geoms)
    if off.any():
        ok = ~shapely.is_missing(out)
        out[ok] = shapely.transform(out[ok], lambda c: c - off)
    return out


def reference_pieces(left, right) -> dict[tuple[int, int], object]:
    """{(i, j): polygonal part of shapely.intersection(left[i], right[j])} with area > 0."""
    left, right = arr(*left), arr(*right)
    lb, rb = shapely.bounds(left), shapely.bounds(right)  # NaN for None/empty: never meet
    out: dict[tuple[int, int], object] = {}
    for s in range(0, len(left), 512):
        b = lb[s:s + 512, None, :]
        meet = ((b[..., 0] <= rb[None, :, 2]) & (rb[None, :, 0] <= b[..., 2])
                & (b[..., 1] <= rb[None, :, 3]) & (rb[None, :, 1] <= b[..., 3]))
        i, j = np.nonzero(meet)
        i = i + s
        if i.size == 0:
            continue
        inter = shapely.intersection(left[i], right[j])
        for a, c, g in zip(i.tolist(), j.tolist(), inter):
            g = _polygonal(g)
            if g is not None and g.area > 0.0:
                out[(a, c)] = g
    return out


def _holes(g) -> int:
    return int(shapely.get_num_interior_rings(shapely.get_parts(g)).sum())


def _short(g, n: int = 300) -> str:
    w = "None" if g is None else g.wkt
    return w if len(w) <= n else w[:n] + "..."


def _differences(piece, ref) -> list[str]:
    """How ``piece`` differs from the reference piece ``ref`` (empty: the same)."""
    out = []
    if abs(piece.area - ref.area) > TOL_M2:
        out.append(f"area {piece.area!r} vs reference {ref.area!r}")
    sd = shapely.symmetric_difference(piece, ref).area
    if sd > TOL_M2:
        out.append(f"symmetric difference with the reference has area {sd!r}")
    if shapely.get_num_geometries(piece) != shapely.get_num_geometries(ref):
        out.append(f"{shapely.get_num_geometries(piece)} parts, reference {shapely.get_num_geometries(ref)}: "
                   f"{_short(piece)} vs {_short(ref)}")
    if _holes(piece) != _holes(ref):
        out.append(f"{_holes(piece)} holes, reference {_holes(ref)}: {_short(piece)} vs {_short(ref)}")
    return out


def _interiors_overlap(left, right, pair, off) -> bool:
    """GEOS's robust predicate: the interiors of the pair meet (in either frame)."""
    a, b = left[pair[0]], right[pair[1]]
    if shapely.relate_pattern(a, b, "2********"):
        return True
    return bool(off.any() and shapely.relate_pattern(*shifted([a, b], off), "2********"))


def assert_same_pieces(left, right, **kwargs):
    """Run intersection_pieces(left, right, **kwargs) and compare it with the reference.

    Returns (li, ri, pieces) for the case's own extra checks.
    """
    left, right = arr(*left), arr(*right)
    left_before, right_before = left.copy(), right.copy()
    li, ri, pieces = intersection_pieces(left, right, **kwargs)
    # the inputs are not replaced
    assert all(a is b for a, b in zip(left, left_before))
    assert all(a is b for a, b in zip(right, right_before))

    li, ri, pieces = np.asarray(li), np.asarray(ri), np.asarray(pieces)
    assert li.shape == ri.shape == pieces.shape and li.ndim == 1
    assert np.issubdtype(li.dtype, np.integer) and np.issubdtype(ri.dtype, np.integer)
    got_pairs = list(zip(li.tolist(), ri.tolist()))
    # ordered by left then right position, each pair once
    assert got_pairs == sorted(set(got_pairs)), "pairs not ordered by (left, right) or repeated"

    # Two runs of the reference: on the layers as given, and on the same layers moved exactly
    # near the origin (subtracting an offset is exact there, see local_offset). GEOS rounds at
    # the magnitude of its input, and at GK coordinates (~4e7 m) its two answers can differ:
    # by 1.6e-4 m² on a Voronoi pair below, and by pieces of 1e-18..4e-6 m² that exist in one
    # run only. Where the runs agree the test is exact to the tolerance; where they disagree
    # either GEOS answer is accepted (pair present or absent, piece matching either).
    ref_here = reference_pieces(left, right)
    off = local_offset(left, right)
    ref_local = reference_pieces(shifted(left, off), shifted(right, off)) if off.any() else ref_here
    required, allowed = set(ref_here) & set(ref_local), set(ref_here) | set(ref_local)
    got_area = dict(zip(got_pairs, shapely.area(pieces).tolist()))
    # GEOS's overlay (OverlayNG, which rounds) and its robust predicate (RelateNG) can also
    # disagree on a pair whose exact overlap is tiny: two Voronoi pairs below overlap by
    # 3.8e-14 and 5.4e-14 m² (exact rational clipping of the two convex polygons), relate
    # says the interiors overlap, intersection returns only lines. Such a pair may be
    # present with a piece of area <= TOL_M2 (and a GEOS piece of area <= TOL_M2 may be
    # absent when relate says the interiors do not overlap); every other pair must agree.
    # A reference piece below NOISE_M2 (1e-12 m², a square of 1 µm side: far below the 0.01 m²
    # areas are reported to, and below the 7.5e-9 m spacing of doubles at GK eastings) may be
    # missing whatever relate says: it is rounding noise of one implementation or the other.
    missing = [p for p in sorted(required - set(got_pairs))
               if not (ref_here[p].area <= NOISE_M2
                       or (ref_here[p].area <= TOL_M2 and not _interiors_overlap(left, right, p, off)))]
    extra = [p for p in sorted(set(got_pairs) - allowed)
             if not (got_area[p] <= TOL_M2 and _interiors_overlap(left, right, p, off))]
    assert not missing and not extra, (
        f"pairs differ: missing {missing[:10]} (ref areas "
        f"{[ref_here[p].area for p in missing[:10]]}), extra {extra[:10]} (areas "
        f"{[got_area[p] for p in extra[:10]]})")

    problems = []
    for (i, j), piece, piece_local in zip(got_pairs, pieces, shifted(pieces, off)):
        where = f"pair ({i}, {j}): left {_short(left[i])} right {_short(right[j])}"
        if piece is None or shapely.get_type_id(piece) not in _POLYGONAL or piece.is_empty:
            problems.append(f"{where}: piece is not a non-empty Polygon/MultiPolygon: {_short(piece)}")
            continue
        if not shapely.is_valid(piece):
            problems.append(f"{where}: invalid piece ({shapely.is_valid_reason(piece)}): {_short(piece)}")
        found = []
        for ref, got in [(ref_here, piece), (ref_local, piece_local)]:
            if (i, j) in ref:
                found.append(_differences(got, ref[(i, j)]))
        if found and all(found):
            problems.append(f"{where}: " + " / ".join("; ".join(f) for f in found))
    assert not problems, f"{len(problems)} bad pieces:\n" + "\n".join(problems[:10])
    return li, ri, pieces


def parts_holes(pieces) -> list[tuple[int, int]]:
    return [(int(shapely.get_num_geometries(p)), _holes(p)) for p in pieces]


def test_reference_helper_sees_a_wrong_piece(monkeypatch):
    """The comparison itself fails on a piece that is off by a small sliver (guards the guard)."""
    real = intersection_pieces

    def wrong(left, right, **kw):
        li, ri, pieces = real(left, right, **kw)
        pieces = pieces.copy()
        pieces[0] = shapely.union(pieces[0], box(9.999, 0, 10.001, 1))
        return li, ri, pieces

    left, right = arr(box(0, 0, 10, 10)), arr(box(5, 0, 15, 10))
    monkeypatch.setitem(globals(), "intersection_pieces", wrong)
    with pytest.raises(AssertionError, match="area"):
        assert_same_pieces(left, right)


# ---------------------------------------------------------------------------
# 1. no piece: disjoint, interleaved, touching along an edge or at a corner


L1 = poly([(0, 0), (10.125, 0), (10.125, 2.25), (2.25, 2.25), (2.25, 10.125), (0, 10.125)])


@frames
@pytest.mark.parametrize("other", [
    box(20.5, 0, 30.5, 10.125),                                                    # disjoint
    poly([(10.125, 3), (10.125, 10.125), (3, 10.125), (3, 8), (8, 8), (8, 3)]),    # boxes meet, L's don't
    poly([(2.25, 2.25), (10.125, 2.25), (10.125, 10.125), (2.25, 10.125)]),        # fills the L's corner
    box(10.125, 0, 20, 10.125),                                                    # shares an edge
    box(10.125, 0.5, 20, 1.75),                                                    # shares part of an edge
    box(-5.5, 10.125, 0, 20),                                                      # shares a corner
    box(10.125, 2.25, 20, 20),                                                     # corner on a corner
    poly([(10.125, 1.0), (15, -3), (20, 1), (15, 5)]),                             # vertex on an edge
    poly([(2.25, 2.25), (8, 5), (5, 8)]),                                          # vertex on reflex corner
], ids=["disjoint", "L-shapes", "L-corner", "edge", "part-edge", "corner", "corner-corner",
        "vertex-on-edge", "in-reflex-corner"])
def test_no_piece(origin, other):
    for left, right in [(L1, other), (other, L1)]:
        li, _, _ = assert_same_pieces(place(origin, left), place(origin, right))
        assert li.size == 0


@frames
def test_triangles_sharing_a_slanted_edge(origin):
    t1 = poly([(0, 0), (12.345, 0), (0, 12.345)])
    t2 = poly([(12.345, 0), (12.345, 12.345), (0, 12.345)])
    t3 = poly([(12.345, 0), (12.345, 12.345), (0, 12.345), (6.1725, 6.1725)])  # extra vertex on the edge
    li, ri, _ = assert_same_pieces(place(origin, t1), place(origin, t2, t3))
    # shared vertices are identical, so t2 only touches; t3's mid vertex is exactly on the
    # edge only at the origin (at GK, rounded to 4 decimals, the reference decides)
    assert 0 not in ri.tolist()
    if origin == ORIGIN:
        assert li.size == 0


# ---------------------------------------------------------------------------
# 2. one inside the other, identical polygons


BIG = poly([(0, 0), (80.25, 0), (80.25, 60.5), (40.125, 75.75), (0, 60.5)])
SMALL = poly([(20.5, 20.5), (30.25, 15.125), (45.75, 22.5), (38.5, 40.375), (30, 30), (22.125, 41)])


@frames
def test_strictly_inside_both_ways(origin):
    big, small = at(BIG, origin), at(SMALL, origin)
    li, ri, pieces = assert_same_pieces(arr(big), arr(small))
    assert (li.tolist(), ri.tolist()) == ([0], [0])
    assert pieces[0].area == pytest.approx(small.area, abs=TOL_M2)
    li, ri, pieces = assert_same_pieces(arr(small), arr(big))
    assert (li.tolist(), ri.tolist()) == ([0], [0])
    assert shapely.symmetric_difference(pieces[0], small).area <= TOL_M2


@frames
@pytest.mark.parametrize("inner", [
    box(0, 0, 20.5, 20.5),                                      # a corner and two part edges
    poly([(0, 0), (80.25, 0), (40.125, 30.5)]),                  # one whole edge
    poly([(0, 10.5), (30.25, 30.125), (0, 50.25)]),              # part of one edge
    poly([(40.125, 75.75), (30, 40), (50, 40)]),                 # only the apex vertex
    poly([(0, 0), (80.25, 0), (80.25, 60.5), (40.125, 50), (0, 60.5)]),  # all but one vertex
], ids=["corner", "whole-edge", "part-edge", "apex", "almost-all"])
def test_inside_sharing_boundary(origin, inner):
    big, small = at(BIG, origin), at(inner, origin)
    for left, right in [(big, small), (small, big)]:
        li, _, pieces = assert_same_pieces(arr(left), arr(right))
        assert li.size == 1
        assert abs(pieces[0].area - small.area) <= TOL_M2


HOLED = poly([(0, 0), (50.5, 0), (50.5, 40.25), (0, 40.25)],
             [(10, 10), (20.5, 10), (20.5, 20.75), (10, 20.75)],
             [(30, 5), (45.25, 25.5), (30, 30)])


@frames
@pytest.mark.parametrize("shape", [BIG, SMALL, HOLED], ids=["convex", "nonconvex", "holed"])
def test_identical(origin, shape):
    p = at(shape, origin)
    variants = [p, at(shape.reverse(), origin), at(ring_start(shape, 2), origin),
                at(ring_start(shape.reverse(), 3), origin)]
    for v in variants:
        li, _, pieces = assert_same_pieces(arr(p), arr(v))
        assert li.size == 1 and abs(pieces[0].area - p.area) <= TOL_M2
        assert parts_holes(pieces) == [(1, len(shape.interiors))]
        li, _, pieces = assert_same_pieces(arr(v), arr(p))
        assert li.size == 1 and abs(pieces[0].area - p.area) <= TOL_M2


@frames
def test_identical_with_redundant_and_repeated_vertices(origin):
    """The same square, once with collinear vertices along its edges and a repeated vertex."""
    sq = box(0, 0, 30.5, 30.5)
    busy = poly([(0, 0), (10.125, 0), (20.25, 0), (20.25, 0), (30.5, 0), (30.5, 15.25),
                 (30.5, 30.5), (0, 30.5), (0, 30.5), (0, 7.625)])
    li, _, pieces = assert_same_pieces(place(origin, sq, busy), place(origin, busy, sq))
    assert li.size == 4
    np.testing.assert_allclose([p.area for p in pieces], 30.5 ** 2, atol=TOL_M2)


# ---------------------------------------------------------------------------
# 3. coverage data: grids and Voronoi cells, parcels on their edges


def grid_cells(nx: int, ny: int, dx: float, dy: float, *, angle: float = 0.0) -> list[Polygon]:
    """Cells of a grid built on one lattice of points (neighbours share vertices exactly)."""
    gx, gy = np.meshgrid(np.arange(nx + 1) * dx, np.arange(ny + 1) * dy, indexing="ij")
    if angle:
        c, s = math.cos(angle), math.sin(angle)
        gx, gy = c * gx - s * gy, s * gx + c * gy
    return [Polygon([(gx[i, j], gy[i, j]), (gx[i + 1, j], gy[i + 1, j]), (gx[i + 1, j + 1], gy[i + 1, j + 1]),
                     (gx[i, j + 1], gy[i, j + 1])])
            for i in range(nx) for j in range(ny)]


def voronoi_cells(seed: int, n: int, size: float) -> list[Polygon]:
    rng = np.random.default_rng(seed)
    frame = box(0, 0, size, size)
    pts = MultiPoint(np.round(rng.uniform(0, size, (n, 2)), 3))
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=frame))
    return list(shapely.intersection(cells, frame))


def coverage(cells, origin) -> np.ndarray:
    out = place(origin, *cells)
    assert shapely.is_valid(out).all()
    assert shapely.coverage_is_valid(out)  # the test data is a true coverage
    return out


GX, GY = 37.5, 42.125  # grid cell size (m)


def grid_parcels(cells: list[Polygon]) -> list:
    """Parcels on a 6 × 5 grid: unions of cells, edge-following parcels, T-junctions."""
    c = lambda i, j: cells[i * 5 + j]  # noqa: E731
    ring8 = shapely.union_all([c(i, j) for i in range(1, 4) for j in range(1, 4) if (i, j) != (2, 2)])
    return [
        c(0, 0),                                                       # one cell itself
        shapely.union_all([c(0, 1), c(1, 1)]),                         # two cells
        shapely.union_all([c(3, 0), c(4, 0), c(4, 1)]),                # an L of three cells
        ring8,                                                         # 8 cells round a hole = cell
        # two cells and a box sticking out east of the grid across their shared edge
        shapely.union_all([c(5, 3), c(5, 4), box(5 * GX + 10, 4 * GY - 5, 6 * GX + 20, 4 * GY + 5)]),
        # follows the grid line x = 2 GX for a while, then cuts across cells
        poly([(2 * GX, 0.5 * GY), (2 * GX, 3 * GY), (3.3 * GX, 3.7 * GY), (3.6 * GX, 0.2 * GY)]),
        # corners in the middle of cell edges (T-junctions), edges along grid lines
        box(GX, 2.5 * GY, 3 * GX, 4.5 * GY),
        # a diamond whose four vertices are mid-points of cell edges
        poly([(4.5 * GX, 1 * GY), (5 * GX, 2.5 * GY), (4.5 * GX, 4 * GY), (4 * GX, 2.5 * GY)]),
        # vertices exactly at grid nodes, edges cutting cells diagonally
        poly([(0, 2 * GY), (2 * GX, 3 * GY), (GX, 5 * GY)]),
        # a cell minus a square notch whose corner is a grid node
        shapely.difference(shapely.union_all([c(1, 0), c(2, 0)]), box(2 * GX, 0, 2.5 * GX, 0.5 * GY)),
    ]


@frames
@pytest.mark.parametrize("angle", [0.0, 0.3], ids=["axis", "rotated"])
def test_grid_coverage(origin, angle):
    parcels = grid_parcels(grid_cells(6, 5, GX, GY))
    if angle:  # parcels rotated on their own: their grid nodes are the cells' ones to an ulp or so
        parcels = [rotate(g, angle, origin=(0, 0), use_radians=True) for g in parcels]
    right = coverage(grid_cells(6, 5, GX, GY, angle=angle), origin)
    left = place(origin, *parcels)
    assert shapely.is_valid(left).all()
    li, ri, pieces = assert_same_pieces(left, right)
    if angle == 0.0:
        got = dict(zip(zip(li.tolist(), ri.tolist()), pieces))
        # a parcel made of cells gives exactly those cells, nothing from the neighbours
        assert sorted(j for i, j in got if i == 0) == [0]
        assert sorted(j for i, j in got if i == 1) == [1, 6]
        assert sorted(j for i, j in got if i == 2) == [15, 20, 21]
        assert sorted(j for i, j in got if i == 3) == [6, 7, 8, 11, 13, 16, 17, 18]  # not 12, the hole
        # T-junction box: x on grid lines 1..3 GX, y 2.5..4.5 GY: 2 columns × 3 rows of cells
        assert sorted(j for i, j in got if i == 6) == [7, 8, 9, 12, 13, 14]
        np.testing.assert_allclose(sum(p.area for (i, _), p in got.items() if i == 6), 2 * GX * 2 * GY,
                                   atol=TOL_M2)
    # the pieces of a parcel inside the grid tile it
    grid = shapely.union_all(right)
    for k in range(len(left)):
        if not shapely.covers(grid, left[k]):
            continue
        assert sum(p.area for p in pieces[li == k]) == pytest.approx(left[k].area, abs=TILE_TOL[origin])


def voronoi_parcels(cells: list[Polygon], seed: int) -> list:
    """Parcels on a Voronoi coverage: unions, T-junctions on shared edges, hulls of nodes."""
    rng = np.random.default_rng(seed)
    arrc = arr(*cells)
    tree = shapely.STRtree(arrc)
    out = []
    for k in rng.choice(len(cells), 6, replace=False):
        nb = tree.query(cells[k], predicate="touches")
        out.append(shapely.union_all(arrc[np.r_[k, nb[:2]]]))            # a cell and two neighbours
        # shared edges of cell k: mid-points of the edges it shares with its neighbours
        mids = []
        for j in nb:
            shared = shapely.line_merge(shapely.intersection(cells[k].boundary, cells[j].boundary))
            if shared.geom_type == "LineString" and shared.length > 1.0:
                mids.append(shared.interpolate(0.5, normalized=True))
                mids.append(shared.interpolate(0.25, normalized=True))
        if len(mids) >= 3:
            out.append(shapely.convex_hull(MultiPoint(mids)))           # vertices on cell edges
        nodes = shapely.get_coordinates(shapely.union_all(arrc[np.r_[k, nb]]).exterior)
        hull = shapely.convex_hull(MultiPoint(nodes[::2]))               # vertices at Voronoi nodes
        out.append(hull)
        star_shape = shapely.difference(hull, shapely.buffer(cells[k].centroid, 3.0, quad_segs=2))
        out.append(star_shape)
    return [g for g in out if g.geom_type == "Polygon" and g.is_valid and g.area > 0]


@frames
@pytest.mark.parametrize("seed", [1, 2])
def test_voronoi_coverage(origin, seed):
    local = voronoi_cells(seed, 60, 400.0)
    right = coverage(local, origin)
    left = place(origin, *voronoi_parcels(local, seed))
    assert len(left) >= 15 and shapely.is_valid(left).all()
    li, ri, pieces = assert_same_pieces(left, right)
    for k in range(len(left)):
        assert sum(p.area for p in pieces[li == k]) == pytest.approx(left[k].area, abs=TILE_TOL[origin])
    # and the other way round: cells as left, parcels as right
    assert_same_pieces(right, left)


# ---------------------------------------------------------------------------
# 4. collinear edges, vertices on edges, crossings at vertices


A4 = box(0, 0, 10.5, 10.5)


@frames
@pytest.mark.parametrize("case", [
    # collinear overlapping edges, same and opposite direction (ring orientation)
    (A4, box(5.25, 0, 15.75, 8.125)),
    (A4, box(5.25, 0, 15.75, 8.125, ccw=False)),
    (A4, box(2.5, 0, 8, 10.5)),                              # two collinear edges, strip inside
    (A4, box(2.5, 0, 8, 10.5, ccw=False)),
    (A4, box(-3, -2, 10.5, 4)),                              # collinear with the right edge
    # slanted collinear edges on the line (3t, 4t)
    (poly([(0, 0), (30, 40), (0, 40)]), poly([(15, 20), (45, 60), (15, 60)])),
    (poly([(0, 0), (30, 40), (0, 40)]), poly([(15, 20), (45, 60), (15, 60)]).reverse()),
    (poly([(0, 0), (30, 40), (0, 40)]), poly([(6, 8), (24, 32), (6, 40)])),
    # a vertex of one exactly on an edge of the other
    (A4, poly([(5.25, 0), (15, 5.25), (5.25, 10.5)])),
    (A4, poly([(5.25, 0), (15, 5.25), (5.25, 7)])),
    (poly([(0, 0), (40, 30), (0, 30)]), poly([(20, 15), (10, 40), (-5, 10)])),
    (poly([(0, 0), (40, 30), (0, 30)]), poly([(20, 15), (30, 0), (35, 30), (15, 40)])),
    # edges crossing exactly at a vertex of both
    (poly([(10, 10), (0, 0), (20, 0)]), poly([(10, 10), (10, -5), (25, 10)])),
    (poly([(10, 10), (0, 0), (20, 0)]), poly([(10, 10), (4, -5), (16, -5)])),
    (poly([(0, 0), (10, 10), (20, 0), (20, 20), (0, 20)]), poly([(10, 10), (0, 5), (0, -5), (20, -5), (20, 5)])),
], ids=["coll-same", "coll-opposite", "two-coll-same", "two-coll-opposite", "coll-right",
        "slanted-same", "slanted-opposite", "slanted-inside", "vertices-on-edges", "vertex-on-edge",
        "slanted-vertex-on-edge", "slanted-vertex-on-edge-2", "cross-at-vertex", "wedge-in-wedge",
        "notch-vertex"])
def test_degenerate_contacts(origin, case):
    a, b = case
    for left, right in [(a, b), (b, a)]:
        li, _, pieces = assert_same_pieces(place(origin, left), place(origin, right))
        if origin == ORIGIN:  # exact drawing: the area is the planar one of the intersection
            assert li.size == 1
            assert pieces[0].area == pytest.approx(shapely.intersection(a, b).area, abs=TOL_M2)


@frames
def test_cross_at_vertex_area_by_hand(origin):
    """Triangle (10,10),(0,0),(20,0) and triangle (10,10),(10,-30),(40,10) cross at (10,10).

    Their intersection is the triangle (10,10),(10,0),(20,0): area 10 × 10 / 2 = 50 m².
    """
    a = poly([(10, 10), (0, 0), (20, 0)])
    b = poly([(10, 10), (10, -30), (40, 10)])
    _, _, pieces = assert_same_pieces(place(origin, a), place(origin, b))
    assert pieces[0].area == pytest.approx(50.0, abs=TOL_M2)


# ---------------------------------------------------------------------------
# 5. non-convex against convex: several parts, parts touching at a point


COMB = poly([(0, 30), (0, 0), (5, 0), (5, 20), (10, 20), (10, 0), (15, 0), (15, 20), (20, 20), (20, 0),
             (25, 0), (25, 20), (30, 20), (30, 0), (35, 0), (35, 30)])
U = poly([(0, 0), (30, 0), (30, 30), (22, 30), (22, 8), (8, 8), (8, 30), (0, 30)])


@frames
@pytest.mark.parametrize("case", [
    (COMB, box(-5, -5, 40, 10.25), 4, [4 * 5 * 10.25]),                 # 4 teeth, 5 × 10.25 each
    (COMB, box(2.5, -5, 32.5, 10.25), 4, [2 * 2.5 * 10.25 + 2 * 5 * 10.25]),
    (COMB, box(5, -5, 30, 10.25), 2, [2 * 5 * 10.25]),                  # teeth touching box edges
    (COMB, poly([(-5, 5), (17.5, -10), (40, 5), (17.5, 12)]), 4, None),
    (U, box(-1, 15, 31, 40), 2, [2 * 8 * 15]),                           # the U's two arms
    (U, box(8, 8, 22, 40), 0, None),                                    # fills the U exactly: touch
    (U, box(4, 4, 26, 26), 1, None),
], ids=["comb-4", "comb-cut", "comb-touching", "comb-diamond", "U-arms", "U-filled", "U-ring"])
def test_several_parts(origin, case):
    shape, other, n_parts, area = case
    for left, right in [(shape, other), (other, shape)]:
        li, _, pieces = assert_same_pieces(place(origin, left), place(origin, right))
        if n_parts == 0:
            assert li.size == 0
            continue
        assert li.size == 1 and shapely.get_num_geometries(pieces[0]) == n_parts
        if area is not None:
            assert pieces[0].area == pytest.approx(area[0], abs=TOL_M2)


@frames
def test_parts_touching_at_a_point(origin):
    """A box with a V-notch whose tip (5, 0) lies on the bottom edge of the box (0,0)-(10,10).

    The notch runs from (5, 0) up to (-2, 15) and (12, 15): it crosses the whole box, so the
    intersection is two parts, left and right of the notch, sharing only the vertex (5, 0).
    """
    notched = poly([(-5, -5), (15, -5), (15, 15), (12, 15), (5, 0), (-2, 15), (-5, 15)])
    sq = box(0, 0, 10, 10)
    for left, right in [(notched, sq), (sq, notched)]:
        _, _, pieces = assert_same_pieces(place(origin, left), place(origin, right))
        assert pieces[0].geom_type == "MultiPolygon" and parts_holes(pieces) == [(2, 0)]
        assert shapely.is_valid(pieces[0])
        # area: the box minus the notch's part in it, a triangle of base 2 × 7 × 10/15 and height 10
        assert pieces[0].area == pytest.approx(100 - 0.5 * (14 * 10 / 15) * 10, abs=TOL_M2)


@frames
def test_hole_touching_the_shell_at_a_point(origin):
    """A triangular hole whose vertex (5, 0) is on the bottom edge of the clipping box.

    The piece is the box with a hole that touches its shell at one point: one part, one
    hole, valid (a clipper must not turn it into a self-touching shell).
    """
    holed = poly([(-5, -5), (15, -5), (15, 15), (-5, 15)], [(5, 0), (7, 4), (3, 4)])
    sq = box(0, 0, 10, 10)
    for left, right in [(holed, sq), (sq, holed)]:
        _, _, pieces = assert_same_pieces(place(origin, left), place(origin, right))
        assert parts_holes(pieces) == [(1, 1)]
        assert pieces[0].area == pytest.approx(100 - 0.5 * 4 * 4, abs=TOL_M2)


@frames
def test_two_parts_touching_at_a_reflex_vertex(origin):
    """A 'bow-tie' pair of triangles as a valid MultiPolygon input against a box crossing the tie."""
    tie = MultiPolygon([poly([(0, 0), (10, 5), (0, 10)]), poly([(20, 0), (20, 10), (10, 5)])])
    for other in [box(5, 2, 15, 8), box(10, 0, 15, 10), box(0, 5, 20, 10)]:
        for left, right in [(tie, other), (other, tie)]:
            assert_same_pieces(place(origin, left), place(origin, right))


@frames
def test_result_with_polygon_and_line_parts(origin):
    """GEOS returns a GeometryCollection (a polygon and the lines where the edges touch):
    the piece is its polygon only."""
    sq = box(0, 0, 10, 10)
    hook = poly([(10, 0), (20, 0), (20, 10), (10, 10), (10, 5), (5, 5), (5, 4), (10, 4)])
    _, _, pieces = assert_same_pieces(place(origin, sq), place(origin, hook))
    assert parts_holes(pieces) == [(1, 0)]
    assert pieces[0].area == pytest.approx(5.0, abs=TOL_M2)


# ---------------------------------------------------------------------------
# 6. holes and MultiPolygon inputs


FRAME6 = poly([(0, 0), (100.5, 0), (100.5, 100.5), (0, 100.5)], [(40, 40), (60.25, 40), (60.25, 60.25), (40, 60.25)])


@frames
@pytest.mark.parametrize("case", [
    (box(20, 20, 80.5, 80.5), (1, 1), 60.5 ** 2 - 20.25 ** 2),           # hole fully inside
    (box(50, 10, 150, 90), (1, 0), 50.5 * 80 - 10.25 * 20.25),            # hole crosses the boundary
    (box(45, 45, 55, 55), None, None),                                   # inside the hole
    (box(40, 40, 60.25, 60.25), None, None),                             # exactly the hole
    (box(40, 45, 50, 55), None, None),                                   # in the hole, touching it
    (box(60.25, 0, 100.5, 100.5), (1, 0), 40.25 * 100.5),                 # shares the hole's edge
    (box(40, 0, 100.5, 40), (1, 0), 60.5 * 40),                           # shares part of it
    (box(40, 40, 100.5, 60.25), (1, 0), 40.25 * 20.25),                   # hole edges on three sides
    (box(30, 30, 50, 50), (1, 0), 20 * 20 - 10 * 10),                     # L-shaped piece
    (box(0, 45, 100.5, 55), (2, 0), 100.5 * 10 - 20.25 * 10),             # hole cuts a strip in two
], ids=["hole-inside", "hole-crossing", "in-hole", "is-hole", "in-hole-touching", "hole-edge",
        "hole-part-edge", "hole-three-edges", "hole-corner", "hole-splits"])
def test_holes(origin, case):
    other, shape, expected_area = case
    for left, right in [(FRAME6, other), (other, FRAME6)]:
        li, _, pieces = assert_same_pieces(place(origin, left), place(origin, right))
        if shape is None:
            assert li.size == 0
        else:
            assert parts_holes(pieces) == [shape]
            assert pieces[0].area == pytest.approx(expected_area, abs=TOL_M2)


MULTI_A = MultiPolygon([
    poly([(0, 0), (40, 0), (40, 40), (0, 40)], [(10, 10), (30, 10), (30, 30), (10, 30)]),
    poly([(50, 0), (90, 0), (90, 25), (50, 25)], [(60, 5), (70, 5), (70, 15)], [(75, 5), (85, 5), (85, 20), (75, 20)]),
    poly([(40, 40), (60, 40), (60, 60), (40, 60)]),                      # touches part 1 at a corner
])
MULTI_B = MultiPolygon([
    poly([(20, 20), (70, 20), (70, 70), (20, 70)], [(35, 35), (45, 35), (45, 45), (35, 45)]),
    poly([(75, 0), (100, 0), (100, 12.5), (75, 12.5)]),
])


@frames
def test_multipolygon_inputs(origin):
    others = [box(15, 15, 55, 55), box(5, 5, 35, 35), MULTI_B, box(80, 2, 95, 30),
              box(60, 5, 70, 15), box(62, 6, 64, 8)]
    left = place(origin, MULTI_A, MULTI_B)
    right = place(origin, *others)
    li, ri, pieces = assert_same_pieces(left, right)
    assert_same_pieces(right, left)
    got = dict(zip(zip(li.tolist(), ri.tolist()), pieces))
    # MULTI_A ∩ box(60,5,70,15): the part-2 rectangle minus its triangular hole (area 50)
    assert got[(0, 4)].area == pytest.approx(100 - 50, abs=TOL_M2)
    # box(62,6,64,8) lies in part 2's triangular hole {y >= 5, x <= 70, y <= x - 55} except for
    # the triangle (62,7), (62,8), (63,8) above the line y = x - 55: area 1/2
    assert got[(0, 5)].area == pytest.approx(0.5, abs=TOL_M2)


# ---------------------------------------------------------------------------
# 7. nearly degenerate: tiny angles, slivers, sub-nanometre offsets, many vertices


@frames
@pytest.mark.parametrize("theta", [1e-9, -1e-9, 1e-7])
def test_nearly_parallel_edges(origin, theta):
    """Edges crossing at a tiny angle: B's bottom edge crosses A's top edge (y = 10) at x = 500."""
    a = box(0, 0, 1000, 10)
    rise = 600 * math.tan(theta)
    b = poly([(-100, 10 - rise), (1100, 10 + rise), (1100, 20), (-100, 20)])
    # and A rotated by theta round its centre against A: the edges cross near their middles
    a_rot = rotate(a, theta, origin=(500, 5), use_radians=True)
    for left, right in [(a, b), (b, a), (a, a_rot), (a_rot, a)]:
        assert_same_pieces(place(origin, left, decimals=None), place(origin, right, decimals=None))


@frames
def test_slivers(origin):
    a = box(0, 0, 100, 100)
    others = [
        box(100 - 1e-4, 20, 200, 80),                               # 1e-4 m strip inside A's edge
        box(-50, 50, 150, 50 + 1e-4),                               # 1e-4 m sliver crossing A
        rotate(box(-50, 50, 150, 50 + 1e-4), 0.3, origin=(50, 50), use_radians=True),
        poly([(100 - 1e-4, 0), (200, 0), (200, 100), (100, 100)]),  # wedge: 1e-4 m at the base, 0 at top
        poly([(100, 0), (100, 1e-4), (0, 0)]),                       # sliver triangle along an edge
    ]
    left = place(origin, a, decimals=None)
    right = place(origin, *others, decimals=None)
    li, _, pieces = assert_same_pieces(left, right)
    assert_same_pieces(right, left)
    if origin == ORIGIN:
        # areas by hand: 1e-4 × 60, 1e-4 × 100, 1e-4 × 100 / cos 0.3, 1e-4 × 100 / 2, 100 × 1e-4 / 2
        np.testing.assert_allclose([p.area for p in pieces],
                                   [6e-3, 1e-2, 1e-2 / math.cos(0.3), 5e-3, 5e-3], rtol=1e-6)


@frames
@pytest.mark.parametrize("offset", [1e-9, -1e-9, 1e-7, -1e-7, 0.0])
def test_vertex_near_an_edge(origin, offset):
    """A triangle whose apex is ``offset`` m below (inside, offset > 0) or above (outside) A's top
    edge y = 10, the same apex on a nearly flat base, and a box whose corner is that far inside
    A's corner (an overlap of offset² m² when offset > 0)."""
    a = box(0, 0, 10, 10)
    tri = poly([(5, 10 - offset), (15, 20), (-5, 20)])
    wide = poly([(5, 10 - offset), (15, 10 + 1e-9), (15, 20), (-5, 20), (-5, 10 + 1e-9)])
    corner = box(10 - offset, 10 - offset, 20, 20)
    for other in [tri, wide, corner]:
        for left, right in [(a, other), (other, a)]:
            li, _, _ = assert_same_pieces(place(origin, left, decimals=None),
                                          place(origin, right, decimals=None))
            if origin == ORIGIN and offset <= 0 and other is tri:
                assert li.size == 0  # apex on or above the edge: only touches or misses


@frames
def test_many_vertices(origin):
    circle = shapely.Point(0, 0).buffer(100.0, quad_segs=500)   # 2,000 vertices
    assert shapely.get_num_coordinates(circle) == 2001
    others = [
        box(-50, -150, 50, 150),                # cuts two caps off
        box(-30, -30, 30, 30),                  # inside
        box(-200, -200, 200, 200),              # around it
        box(100, -10, 150, 10),                 # tangent at the vertex (100, 0): touches
        box(99.99, -10, 150, 10),               # shaves a sliver off
        rotate(box(-10, -150, 10, 150), 0.123, origin=(0, 0), use_radians=True),
        shapely.Point(60, 0).buffer(60.0, quad_segs=400),   # another many-vertex circle
    ]
    left = place(origin, circle)
    right = place(origin, *others)
    li, ri, pieces = assert_same_pieces(left, right)
    assert_same_pieces(right, left)
    assert 3 not in ri.tolist()
    assert pieces[ri.tolist().index(1)].area == pytest.approx(3600.0, abs=TOL_M2)
    assert pieces[ri.tolist().index(2)].area == pytest.approx(left[0].area, abs=TOL_M2)


# ---------------------------------------------------------------------------
# 8. randomised layers and the sample data


def random_stars(seed: int, n: int, size: float, *, snap: float | None = None, holes: bool = False):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        cx, cy = rng.uniform(0, size, 2)
        p = star(rng, cx, cy, int(rng.integers(5, 41)), rng.uniform(2, 15), rng.uniform(15, 45))
        if holes:
            h = shapely.affinity.scale(star(rng, cx, cy, int(rng.integers(5, 20)), 1, 10), 0.6, 0.6)
            if p.contains(h):
                p = Polygon(p.exterior.coords, [h.exterior.coords])
        if snap is not None:
            p = shapely.set_precision(p, snap, mode="pointwise")
        if shapely.get_type_id(p) == 3 and p.is_valid and p.area > 0:
            out.append(p)
    return out


@frames
@pytest.mark.parametrize("seed", [11, 12])
def test_random_stars(origin, seed):
    left = place(origin, *random_stars(seed, 30, 150.0))
    right = place(origin, *random_stars(seed + 100, 30, 150.0))
    li, _, _ = assert_same_pieces(left, right)
    assert li.size > 120  # 153-172 overlapping pairs


@frames
def test_random_stars_snapped_to_a_grid(origin):
    """Stars with vertices on a 1 m grid: shared vertices, collinear edges, T-junctions galore."""
    left = place(origin, *random_stars(21, 30, 150.0, snap=1.0))
    right = place(origin, *random_stars(22, 30, 150.0, snap=1.0))
    li, _, _ = assert_same_pieces(left, right)
    assert li.size > 100
    assert_same_pieces(left, left)  # a layer against itself: every polygon identical to itself


@frames
def test_random_stars_with_holes(origin):
    left = place(origin, *random_stars(31, 25, 200.0, holes=True))
    right = place(origin, *random_stars(32, 25, 200.0, holes=True))
    assert sum(len(p.interiors) for p in left) > 5
    li, _, _ = assert_same_pieces(left, right)
    assert li.size > 50


@frames
def test_random_rectangles_on_voronoi_coverage(origin):
    rng = np.random.default_rng(41)
    rects = []
    for _ in range(60):
        cx, cy = rng.uniform(0, 400, 2)
        w, h = rng.uniform(5, 80, 2)
        rects.append(rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), rng.uniform(0, 180),
                            origin=(cx, cy)))
    right = coverage(voronoi_cells(42, 150, 400.0), origin)
    left = place(origin, *rects)
    li, _, pieces = assert_same_pieces(left, right)
    assert li.size > 200
    # rectangles inside the coverage's frame are tiled by their pieces
    inside = [k for k in range(len(left)) if shapely.covers(at(box(0, 0, 400, 400), origin), left[k])]
    for k in inside:
        assert sum(p.area for p in pieces[li == k]) == pytest.approx(left[k].area, abs=TILE_TOL[origin])


def _sample_geoms(name: str) -> np.ndarray:
    from xigeo import sample

    return sample.load(name).geometry.to_numpy()


@pytest.fixture(scope="module")
def dltb() -> np.ndarray:
    return _sample_geoms("dltb")


@pytest.mark.parametrize("left_name, right_name", [
    ("prereview", "jbnt"),              # the pre-review overlap (README: 9,868 / 27,053 / 20,652 m²)
    ("linkage_newbuild", "dltb"),       # the linkage figure's overlay (README: 32.47 ha)
    ("industrial", "dltb"),             # parcels identical to coverage patches: shared edges everywhere
    ("linkage_demolition", "jbnt"),     # homesteads next to farmland: touching only
    ("changes", "approvals"),
])
def test_sample_layers(left_name, right_name, dltb):
    left = _sample_geoms(left_name)
    right = dltb if right_name == "dltb" else _sample_geoms(right_name)
    li, ri, pieces = assert_same_pieces(left, right)
    if left_name == "industrial":
        # every enterprise parcel is a dltb patch: among its pieces is the whole patch itself
        whole = [p.area for k, p in zip(li, pieces) if abs(p.area - left[k].area) <= TOL_M2]
        assert len(whole) == len(left)
    if left_name == "prereview":
        per_project = np.bincount(li, weights=shapely.area(pieces), minlength=len(left))
        assert (per_project > 10.0).sum() == 3  # planar; the README's three projects on jbnt


def test_sample_jbnt_against_dltb(dltb):
    """jbnt patches are dltb patches (same geometry): each meets itself and touches its neighbours."""
    jbnt = _sample_geoms("jbnt")
    li, ri, pieces = assert_same_pieces(jbnt, dltb)
    assert np.array_equal(np.unique(li), np.arange(len(jbnt)))


# ---------------------------------------------------------------------------
# arguments: tree=, pairs=, None and empty geometries, ordering


@pytest.fixture(scope="module")
def star_layers():
    left = place(GK, *random_stars(51, 25, 150.0))
    right = place(GK, *random_stars(52, 25, 150.0))
    return left, right


def _same(a, b):
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert all(shapely.equals_exact(p, q, tolerance=0.0) or shapely.symmetric_difference(p, q).area <= TOL_M2
               for p, q in zip(a[2], b[2]))


def test_tree_and_pairs_give_the_same_result(star_layers):
    left, right = star_layers
    plain = assert_same_pieces(left, right)
    tree = shapely.STRtree(right)
    with_tree = assert_same_pieces(left, right, tree=tree)
    pairs = candidate_pairs(left, right, tree=tree)
    with_pairs = assert_same_pieces(left, right, pairs=pairs)
    with_both = assert_same_pieces(left, right, tree=tree, pairs=pairs)
    for other in (with_tree, with_pairs, with_both):
        _same(plain, other)


def test_pairs_restrict_the_result(star_layers):
    """pairs= limits the pairs looked at: a subset of candidates gives that subset's pieces,
    and every (left, right) pair, boxes meeting or not, gives the full result."""
    left, right = star_layers
    full = assert_same_pieces(left, right)
    cl, cr = candidate_pairs(left, right)
    keep = np.arange(cl.size) % 3 == 0
    li, ri, pieces = intersection_pieces(left, right, pairs=(cl[keep], cr[keep]))
    subset = set(zip(cl[keep].tolist(), cr[keep].tolist()))
    expected = [(k, (i, j)) for k, (i, j) in enumerate(zip(full[0].tolist(), full[1].tolist())) if (i, j) in subset]
    assert list(zip(li.tolist(), ri.tolist())) == [ij for _, ij in expected]
    for p, (k, _) in zip(pieces, expected):
        assert shapely.symmetric_difference(p, full[2][k]).area <= TOL_M2
    all_l, all_r = np.divmod(np.arange(len(left) * len(right)), len(right))
    _same(full, intersection_pieces(left, right, pairs=(all_l, all_r)))
    # no pairs at all
    li, ri, pieces = intersection_pieces(left, right, pairs=(np.empty(0, np.int64), np.empty(0, np.int64)))
    assert li.size == ri.size == pieces.size == 0


def test_none_and_empty_geometries_are_skipped():
    sq, sq2 = box(0, 0, 10, 10), box(5, 5, 15, 15)
    left = place(GK, None, sq, Polygon(), MultiPolygon(), sq2, None)
    right = place(GK, Polygon(), sq2, None, sq, shapely.from_wkt("GEOMETRYCOLLECTION EMPTY"))
    li, ri, pieces = assert_same_pieces(left, right)
    assert list(zip(li.tolist(), ri.tolist())) == [(1, 1), (1, 3), (4, 1), (4, 3)]
    np.testing.assert_allclose(shapely.area(pieces), [25, 100, 100, 25], atol=TOL_M2)
    assert_same_pieces(left, right, tree=shapely.STRtree(right))
    # only None / empty on one side, and empty layers
    for a, b in [(left, place(GK, None, Polygon())), (place(GK, None), right), (arr(), right), (left, arr())]:
        li, ri, pieces = assert_same_pieces(a, b)
        assert li.size == 0


def test_ordering_by_left_then_right():
    """Layers given in scrambled order: the result is sorted by left position, then right."""
    rng = np.random.default_rng(61)
    cells = grid_cells(5, 5, 20.0, 20.0)
    right = place(GK, *[cells[k] for k in rng.permutation(len(cells))])
    left = place(GK, *[box(x, y, x + 35, y + 35) for x, y in rng.uniform(0, 65, (12, 2))])
    li, ri, _ = assert_same_pieces(left, right)
    order = np.lexsort((ri, li))
    assert np.array_equal(order, np.arange(li.size))
    assert np.all(np.diff(li) >= 0) and li.size > 30
