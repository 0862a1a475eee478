"""Drawing for print: polygon layers rounded to the output's resolution, dense markers thinned.

A county's 300,000 patches hold ~4.4 M vertices; matplotlib writes every one
into a PDF with six decimals per coordinate (33 MB for the A4 land-use map at
1:800 000, where 0.1 mm of paper is 80 m of ground). The maps draw each
polygon layer instead with its vertices transformed to the output's
coordinates (points in a PDF, pixels in a PNG) and rounded to
:data:`SNAP_PT` (0.1 pt = 0.035 mm on paper), repeats dropped: a PDF then
writes at most one decimal, the vertices closer together than that on paper
merge, rings smaller than that vanish. The rounding is pointwise, so a vertex
that neighbouring patches share lands on the same point in each: shared edges
stay shared, no sliver or gap opens. On a large-scale map (the sample) a
vertex moves by at most 0.025 mm, which no print or screen at 300 dpi shows.

Only the drawing changes, at draw time: ``get_paths()`` and the layer's data
keep the exact geometries, and every area, table and label is computed from
them. Everything is vectorised (numpy over all vertices of a layer).

Dense point markers (300,000 quality-check findings on a county map) are
drawn once per cell of half their diameter: markers that close cover
each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from matplotlib.collections import PathCollection
from matplotlib.path import Path as MPath
from matplotlib.transforms import IdentityTransform

__all__ = ["SNAP_PT", "MARKER_CELL", "DisplayPolygons", "ThinnedMarkers", "compound_paths", "ring_data",
           "snap_rings", "thin_markers", "thin_points"]

#: the grid the drawn coordinates are rounded to, in points (1/72 inch): 0.1 pt = 0.035 mm on
#: paper, so a PDF writes each coordinate with at most one decimal (matplotlib writes six)
SNAP_PT = 0.1

def _ring_bounds(ring: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index and length of each run of equal consecutive ring ids."""
    if not len(ring):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    return starts, np.diff(np.r_[starts, len(ring)])


def thin_points(xy: np.ndarray, cell: float) -> np.ndarray:
    """Indices of the points to draw: the first point in each ``cell``-sized square of the plane.

    >>> thin_points(np.array([[0.0, 0.0], [0.1, 0.1], [5.0, 5.0]]), 1.0).tolist()
    [0, 2]
    """
    xy = np.asarray(xy, dtype=float)
    if not len(xy) or not cell > 0:
        return np.arange(len(xy))
    cells = np.floor(xy / cell).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    return np.sort(first)


def snap_rings(xy: np.ndarray, ring: np.ndarray, grid: float) -> tuple[np.ndarray, np.ndarray]:
    """Round the vertices of closed rings to a ``grid``; drop the repeats and the rings left flat.

    Rounding is pointwise, so a vertex shared by neighbouring rings lands on
    the same grid point in each: shared edges stay shared, and a ring smaller
    than the grid collapses together with its neighbours' edges around it (no
    gap opens). A ring left with fewer than three distinct vertices is dropped.

    >>> sq = np.array([(0, 0), (1.02, 0), (1.02, 0.98), (0.01, 1.0), (0, 0)], float)
    >>> snap_rings(sq, np.zeros(5, int), 0.5)[0].tolist()
    [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    """
    xy = np.asarray(xy, dtype=float)
    ring = np.asarray(ring)
    if not len(xy) or not grid > 0:
        return xy, ring
    q = np.round(xy / grid) * grid
    keep = np.r_[True, (ring[1:] != ring[:-1]) | np.any(q[1:] != q[:-1], axis=1)]
    q, ring = q[keep], ring[keep]
    _, lengths = _ring_bounds(ring)
    ok = np.repeat(lengths >= 4, lengths)  # three distinct vertices and the closing one
    return q[ok], ring[ok]


# ---------------------------------------------------------------- drawing


def _spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + n)`` for each start and length (vectorised)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.intp)
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + (np.arange(total) - offsets)


def ring_data(geoms: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rings of polygons as :func:`compound_paths` and :class:`DisplayPolygons` draw them.

    Returns the vertices (each ring closed), each vertex's ring id (0, 1, …
    consecutive), each ring's key code and the distinct keys (``np.unique``
    order). Rings are grouped by key, in layer order within a key; exteriors
    run counter-clockwise and holes clockwise (the signed area of each ring
    from its coordinates; reversed where needed), so that overlapping features
    fill as their union under the non-zero rule and holes stay holes.
    """
    uniq, code = np.unique(keys, return_inverse=True)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, part_of = parts[keep], part_of[keep]
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, vertex_of = shapely.get_coordinates(rings, return_index=True)
    starts, lengths = _ring_bounds(vertex_of)  # rings without vertices (empty) have none here
    used = vertex_of[starts]
    # signed area (twice) of each ring, from its first vertex for precision
    rel = xy - np.repeat(xy[starts], lengths, axis=0)
    cross = rel[:-1, 0] * rel[1:, 1] - rel[1:, 0] * rel[:-1, 1]
    cross = np.r_[np.where(vertex_of[1:] == vertex_of[:-1], cross, 0.0), 0.0]
    area2 = np.add.reduceat(cross, starts) if len(starts) else cross[:0]
    exterior = np.r_[True, ring_of[1:] != ring_of[:-1]][used]
    flip = np.where(exterior, area2 < 0, area2 > 0)
    # rings grouped by key (stable), each flipped one read backwards
    ring_key = code.reshape(-1)[part_of[ring_of[used]]]
    order = np.argsort(ring_key, kind="stable")
    index = _spans(starts[order], lengths[order])
    backwards = np.repeat(flip[order], lengths[order])
    first = np.repeat(starts[order], lengths[order])
    index[backwards] = (2 * first + np.repeat(lengths[order], lengths[order]) - 1 - index)[backwards]
    ring = np.repeat(np.arange(len(order)), lengths[order])
    return xy[index], ring, ring_key[order], uniq


def compound_paths(xy: np.ndarray, ring: np.ndarray, ring_key: np.ndarray, n_keys: int) -> list[Any]:
    """One compound matplotlib path per key: each ring a MOVETO … LINETO … CLOSEPOLY subpath,
    rings in their order within a key (no loop per ring)."""
    owner = ring_key[ring]
    if len(owner) and not np.all(owner[1:] >= owner[:-1]):
        order = np.argsort(owner, kind="stable")
        xy, ring, owner = xy[order], ring[order], owner[order]
    codes = np.full(len(xy), MPath.LINETO, dtype=MPath.code_type)
    if len(xy):
        first = np.r_[True, ring[1:] != ring[:-1]]
        last = np.r_[ring[1:] != ring[:-1], True]
        codes[first] = MPath.MOVETO
        codes[last] = MPath.CLOSEPOLY
    cuts = np.searchsorted(owner, np.arange(1, n_keys))
    return [MPath(v, c) for v, c in zip(np.split(xy, cuts), np.split(codes, cuts))]


class DisplayPolygons(PathCollection):
    """Compound polygon paths (one per key) drawn generalised at the output's resolution.

    ``get_paths()`` are the exact paths. At draw time the vertices are
    transformed to the output's coordinates (points in a PDF, pixels in a
    PNG), rounded to :data:`SNAP_PT` (:func:`snap_rings`: shared vertices
    stay shared, rings smaller than that vanish with their neighbours
    closing over them) and drawn as they are; the exact paths are then
    restored, so a figure saved twice draws the same.
    """

    def __init__(self, rings: tuple[np.ndarray, np.ndarray, np.ndarray, int], **kwargs: Any):
        super().__init__(compound_paths(*rings), **kwargs)
        self._xigeo_rings = rings

    def display_paths(self, dpi: float) -> list[Any]:
        """The paths drawn at ``dpi`` (display coordinates, after :meth:`get_transform`)."""
        xy, ring, ring_key, n_keys = self._xigeo_rings
        shown = self.get_transform().transform(xy) if len(xy) else xy
        shown, ring = snap_rings(shown, ring, SNAP_PT * dpi / 72.0)
        return compound_paths(shown, ring, ring_key, n_keys)

    def draw(self, renderer: Any) -> None:
        if not self.get_visible() or not self.get_transform().is_affine:
            super().draw(renderer)
            return
        # swapped in and back without set_paths/set_transform: drawing does not make the figure stale
        exact = list(self.get_paths())
        transform: Any = self.get_transform()
        self._paths = self.display_paths(self.figure.dpi)
        self._transform = IdentityTransform()
        try:
            super().draw(renderer)
        finally:
            self._paths = exact
            self._transform = transform


#: markers closer than this fraction of their diameter are drawn once (they cover each other)
MARKER_CELL = 0.5


class ThinnedMarkers(PathCollection):
    """A scatter of one marker size drawing one marker per :data:`MARKER_CELL` of its diameter.

    Thinned at draw time in the output's coordinates, so a large-scale map
    draws every marker and a county map of 300,000 findings writes tens of
    thousands instead of each one hidden under its neighbours; ``get_offsets()``
    stay every point.
    """

    def draw(self, renderer: Any) -> None:
        offsets = np.asarray(self.get_offsets())
        sizes = self.get_sizes()
        if not self.get_visible() or len(offsets) < 2 or len(sizes) != 1 \
                or len(self.get_facecolor()) > 1 or len(self.get_edgecolor()) > 1:
            super().draw(renderer)
            return
        shown = self.get_offset_transform().transform(offsets)
        cell = MARKER_CELL * float(np.sqrt(sizes[0])) * self.figure.dpi / 72.0
        self._offsets = offsets[thin_points(shown, cell)]  # not set_offsets: the figure stays fresh
        try:
            super().draw(renderer)
        finally:
            self._offsets = offsets


def thin_markers(collection: PathCollection) -> PathCollection:
    """Make a scatter's collection a :class:`ThinnedMarkers` (drawn thinned); return it."""
    collection.__class__ = ThinnedMarkers
    return collection
