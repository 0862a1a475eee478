"""The compiled polygon kernels of xigeo._clip, against GEOS (shapely) as the independent reference.

tests/test_overlay_kernel.py checks the pieces of ``intersection_pieces``
pair by pair against ``shapely.intersection``; this file checks the parts of
the kernel the overlay relies on: the exact validity pre-test, the status of
pairs, the decide-only mode, the rings handed to the area kernel and the GEOS
fallback.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import Polygon, box

from xigeo._clip import EMPTY, FALLBACK, PIECE, certainly_valid, clip_pairs
from xigeo._overlay import geos_intersection

X0, Y0 = 38_560_000.0, 3_580_000.0


def random_polygons(n: int, seed: int, *, vertices: int = 6, spread: float = 10.0) -> np.ndarray:
    """Random rings (many self-intersecting) near GK coordinates."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, spread, (n, vertices, 2)).round(3) + [X0, Y0]
    return shapely.polygons(np.concatenate([xy, xy[:, :1]], axis=1))


def test_certainly_valid_never_says_valid_where_geos_says_invalid():
    # 20,000 random hexagons: about 1 in 8 is valid. "Certainly valid" must be a subset of
    # GEOS's valid set, and (for simple rings of a few vertices) the same set.
    polys = random_polygons(20_000, seed=3)
    certain = certainly_valid(polys)
    valid = shapely.is_valid(polys)
    assert 2_000 < valid.sum() < 4_000
    assert not (certain & ~valid).any()
    assert (certain == valid).all()


def test_certainly_valid_defers_what_it_does_not_decide():
    spike = Polygon([(0, 0), (10, 0), (10, 10), (10, 15), (10, 10), (0, 10)])  # folds back
    touch = Polygon([(0, 0), (10, 0), (5, 5), (10, 10), (0, 10), (5, 5)])  # touches itself
    hole = Polygon(box(0, 0, 10, 10).exterior, [box(2, 2, 4, 4).exterior])
    repeated = Polygon([(0, 0), (10, 0), (10, 0), (10, 10), (0, 10)])  # repeated point: valid
    collinear = Polygon([(0, 0), (5, 0), (10, 0), (10, 10), (0, 10)])  # collinear vertex: valid
    geoms = np.array([spike, touch, hole, repeated, collinear, None, Polygon(),
                      shapely.MultiPolygon([box(0, 0, 1, 1)]), box(0, 0, 1, 1)])
    assert certainly_valid(geoms).tolist() == [False, False, False, True, True, False, False,
                                               False, True]
    # GEOS agrees where the test decided, and says invalid for the two it left undecided
    assert shapely.is_valid(geoms[[0, 1, 3, 4, 8]]).tolist() == [False, False, True, True, True]


def test_certainly_valid_on_rings_too_long_asks_geos():
    circle = shapely.Point(X0, Y0).buffer(100, quad_segs=256)  # 1,025 vertices
    assert certainly_valid(np.array([circle])).tolist() == [False]
    assert certainly_valid(np.array([circle]), max_edges=2_000).tolist() == [True]


def test_status_of_pairs():
    a = box(0, 0, 10, 10)
    left = np.array([a, a, a, a])
    right = np.array([box(5, 5, 15, 15),       # overlap 25
                      box(10, 0, 20, 10),      # shares an edge only
                      box(20, 20, 30, 30),     # disjoint
                      box(0, 0, 10, 10)])      # identical
    st, pieces, rings, patch_rings = clip_pairs(left, right, np.arange(4), np.arange(4))
    assert st.tolist() == [PIECE, EMPTY, EMPTY, PIECE]
    assert [None if p is None else p.area for p in pieces] == [25.0, None, None, 100.0]
    # the rings of the two pieces, owned by their pair positions, shells counter-clockwise
    assert rings.owner.tolist() == [0, 3] and rings.exterior.tolist() == [True, True]
    assert all(shapely.LinearRing(rings.xy[rings.ring_off[r]:rings.ring_off[r + 1]]).is_ccw
               for r in range(2))
    # the right polygons taking part, by their positions in ``right``
    assert patch_rings.owner.tolist() == [0, 1, 2, 3]


def test_decide_only_gives_the_status_without_rings():
    left = np.array([box(0, 0, 10, 10)] * 3)
    right = np.array([box(5, 5, 15, 15), box(10, 0, 20, 10), box(2, 2, 3, 3)])
    full = clip_pairs(left, right, np.arange(3), np.arange(3))
    decided = clip_pairs(left, right, np.arange(3), np.arange(3), decide_only=True)
    assert decided.status.tolist() == full.status.tolist() == [PIECE, EMPTY, PIECE]
    assert decided.piece_rings.owner.size == 0 and all(p is None for p in decided.pieces)


def test_hole_of_the_left_polygon_inside_the_right_one():
    # The piece is the left polygon's frame clipped to the box: its shell must be written
    # first and the hole second, whichever ring the kernel traces first (a regression:
    # the hole was once written as the shell and the piece dropped for its negative area).
    frame = Polygon(box(0, 0, 100, 100).exterior, [box(30, 30, 70, 70).exterior])
    right = box(20, 20, 80.5, 80.5)
    st, pieces, _, _ = clip_pairs(np.array([frame]), np.array([right]), np.array([0]), np.array([0]))
    assert st.tolist() == [PIECE]
    expected = shapely.intersection(frame, right)  # 60.5² − 40² = 2,060.25
    assert pieces[0].area == pytest.approx(2_060.25, abs=1e-9)
    assert pieces[0].is_valid and len(pieces[0].interiors) == 1
    assert shapely.symmetric_difference(pieces[0], expected).area < 1e-9


def test_crossing_near_a_vertex_goes_to_geos():
    # An edge crosses another 1e-12 of its length from a vertex: the rounded crossing point
    # could land on the wrong side of the next edge, so the kernel leaves the pair to GEOS.
    a = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    b = Polygon([(10 - 1e-11, -5), (20, -5), (20, 5), (10 - 1e-11, 5)])
    st, pieces, _, _ = clip_pairs(np.array([a]), np.array([b]), np.array([0]), np.array([0]))
    assert st.tolist() == [FALLBACK] and pieces[0] is None


def test_geos_fallback_is_computed_near_the_origin():
    # The same pair at GK eastings and moved to the origin: the fallback gives the origin's
    # answer, moved back (to the spacing of doubles at 3.8e7, 7.5e-9 m).
    a = Polygon([(0.1234, 0.5678), (97.3, 3.1), (88.8, 91.7), (2.2, 77.7)])
    b = Polygon([(50.05, -10.01), (140.3, 40.2), (60.6, 120.12)])
    ref = shapely.intersection(a, b)
    moved = shapely.transform(np.array([a, b]), lambda xy: xy + [X0, Y0])
    got = geos_intersection(moved[:1], moved[1:])[0]
    back = shapely.transform(got, lambda xy: xy - [X0, Y0])
    assert shapely.symmetric_difference(back, ref).area < 1e-6
    assert got.area == pytest.approx(ref.area, abs=1e-6)


def test_geos_fallback_keeps_the_polygonal_part():
    a, b = box(0, 0, 10, 10), box(10, 0, 20, 10)  # a shared edge only: a line, no piece
    got = geos_intersection(np.array([a, box(0, 0, 10, 10)]), np.array([b, box(5, 0, 20, 10)]))
    assert got[0] is None and got[1].area == 50.0


def test_random_pairs_match_geos_in_bulk():
    # 2,000 random star-shaped polygon pairs (non-convex, several parts in ~40 % of results)
    rng = np.random.default_rng(11)

    def star(cx, cy):
        n = rng.integers(5, 30)
        t = np.sort(rng.uniform(0, 2 * np.pi, n))
        r = 30 * rng.uniform(0.3, 1.0, n)
        return Polygon(np.c_[X0 + cx + r * np.cos(t), Y0 + cy + r * np.sin(t)].round(4))

    left = np.array([star(*rng.uniform(0, 40, 2)) for _ in range(2_000)])
    right = np.array([star(*rng.uniform(0, 40, 2)) for _ in range(2_000)])
    keep = shapely.is_valid(left) & shapely.is_valid(right)
    left, right = left[keep], right[keep]
    idx = np.arange(len(left))
    st, pieces, _, _ = clip_pairs(left, right, idx, idx)
    ref = shapely.intersection(left, right)
    built = st == PIECE
    assert built.sum() > 0.9 * len(left)  # the kernel decided nearly every pair itself
    np.testing.assert_allclose(shapely.area(pieces[built]), shapely.area(ref[built]), atol=1e-6)
    assert shapely.is_valid(pieces[built]).all()
    assert (shapely.area(shapely.symmetric_difference(pieces[built], ref[built])) < 1e-6).all()
    assert (shapely.get_num_geometries(pieces[built]) == shapely.get_num_geometries(ref[built])).all()
    assert (shapely.area(ref[st == EMPTY]) < 1e-9).all()


def test_separated_pairs_is_a_certificate_never_a_guess():
    # Neighbours of a Voronoi coverage are shown apart; no pair the certificate calls apart
    # has interiors that meet (GEOS relate "T********", the reference); overlapping and
    # touching-at-a-corner pairs are never certified.
    from xigeo._clip import rings_of, separated_pairs

    rng = np.random.default_rng(5)
    pts = shapely.multipoints(np.c_[X0 + rng.uniform(0, 500, 300), Y0 + rng.uniform(0, 500, 300)])
    cells = np.array(shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box(X0, Y0, X0 + 500, Y0 + 500))))
    cells = shapely.intersection(cells, box(X0, Y0, X0 + 500, Y0 + 500))
    extra = np.array([shapely.buffer(cells[0], 1.0), box(X0, Y0, X0 + 50, Y0 + 50)])
    polys = np.concatenate([cells, extra])
    i, j = shapely.STRtree(polys).query(polys, predicate="intersects")
    i, j = i[i < j], j[i < j]
    apart = separated_pairs(rings_of(polys), len(polys), i, j)
    meet = shapely.relate_pattern(polys[i], polys[j], "T********")
    assert not (apart & meet).any()
    neighbours = (i < len(cells)) & (j < len(cells))
    assert apart[neighbours].mean() > 0.9  # convex cells: the shared edge separates them
    assert meet[~neighbours].any() and not apart[meet].any()
