"""Polygons as flat ring arrays: what the compiled kernels read (no numba here).

:func:`rings_of` unpacks an array of Polygons / MultiPolygons into one
coordinate array and ring offsets (:class:`Rings`); the survey-area kernel
(:mod:`xigeo._area_kernel`) and the clipping kernel (:mod:`xigeo._clip`)
both read that layout. This module imports nothing from xigeo, so every
kernel can use it.

>>> from shapely import Polygon, box
>>> r = rings_of(np.array([box(0, 0, 1, 1), None,
...                        Polygon(box(0, 0, 4, 4).exterior, [box(1, 1, 2, 2).exterior])]))
>>> r.ring_off.tolist(), r.owner.tolist(), r.exterior.tolist()
([0, 5, 10, 15], [0, 2, 2], [True, True, False])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import shapely

__all__ = ["Rings", "offsets", "rings_of", "merge_rings", "no_rings", "ring_boxes"]


class Rings(NamedTuple):
    """Polygons as flat arrays: what the compiled kernels read.

    ``xy`` (n, 2) closed rings, ring r spans ``xy[ring_off[r]:ring_off[r + 1]]``;
    ``owner[r]`` the geometry of ring r (sorted); ``exterior[r]`` shell or hole.
    """

    xy: np.ndarray
    ring_off: np.ndarray
    owner: np.ndarray
    exterior: np.ndarray

    def take(self, keep: np.ndarray) -> Rings:
        """The rings where the boolean mask ``keep`` (one per ring) is True."""
        lens = np.diff(self.ring_off)
        return Rings(self.xy[np.repeat(keep, lens)], offsets(lens[keep]), self.owner[keep],
                     self.exterior[keep])


def offsets(lengths: np.ndarray) -> np.ndarray:
    """Start offsets of consecutive runs of these lengths, with the total at the end.

    >>> offsets(np.array([5, 4, 6])).tolist()
    [0, 5, 9, 15]
    """
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def no_rings() -> Rings:
    """Rings of no polygon."""
    return Rings(np.empty((0, 2)), np.zeros(1, np.int64), np.empty(0, np.int64), np.empty(0, bool))


def rings_of(polys: np.ndarray) -> Rings:
    """The :class:`Rings` of an array of Polygons, MultiPolygons and None (None: no ring).

    Coordinates come from one ``shapely.get_coordinates`` call; ring objects
    are only made for the (usually few) geometries with holes or several
    parts, which is several times faster than ``shapely.to_ragged_array`` on
    survey layers.
    """
    polys = np.asarray(polys, dtype=object)
    types = shapely.get_type_id(polys)
    present = (types >= 0) & ~shapely.is_empty(polys)
    simple = present & (types == 3) & (shapely.get_num_interior_rings(polys) == 0)
    s_idx = np.flatnonzero(simple)
    s_len = shapely.get_num_coordinates(polys[s_idx])
    c_idx = np.flatnonzero(present & ~simple)
    parts, part_owner = shapely.get_parts(polys[c_idx], return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    c_len = shapely.get_num_coordinates(rings)
    c_owner = c_idx[part_owner[ring_part]]
    c_ext = np.ones(ring_part.size, dtype=bool)
    c_ext[1:] = ring_part[1:] != ring_part[:-1]
    owner = np.concatenate([s_idx, c_owner]).astype(np.int64)
    lengths = np.concatenate([s_len, c_len]).astype(np.int64)
    exterior = np.concatenate([np.ones(s_idx.size, dtype=bool), c_ext])
    if c_idx.size:
        order = np.argsort(owner, kind="stable")
        owner, lengths, exterior = owner[order], lengths[order], exterior[order]
    ring_off = offsets(lengths)
    xy = np.ascontiguousarray(shapely.get_coordinates(polys), dtype=np.float64)
    if xy.shape[0] != ring_off[-1]:  # pragma: no cover - shapely invariant
        raise RuntimeError("ring lengths do not match the coordinates")  # message: internal
    return Rings(xy, ring_off, owner, exterior)


def merge_rings(*parts: Rings) -> Rings:
    """Rings of several sets in one, ordered by owner (owners must not collide)."""
    parts = tuple(p for p in parts if p.owner.size)
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return no_rings()
    xy = np.concatenate([p.xy for p in parts])
    lens = np.concatenate([np.diff(p.ring_off) for p in parts])
    base = np.cumsum([0] + [p.xy.shape[0] for p in parts[:-1]])
    starts = np.concatenate([p.ring_off[:-1] + b for p, b in zip(parts, base)])
    owner = np.concatenate([p.owner for p in parts])
    exterior = np.concatenate([p.exterior for p in parts])
    order = np.argsort(owner, kind="stable")
    lens = lens[order]
    ring_off = offsets(lens)
    gather = np.arange(ring_off[-1]) - np.repeat(ring_off[:-1], lens) + np.repeat(starts[order], lens)
    return Rings(xy[gather], ring_off, owner[order], exterior[order])


def ring_boxes(rings: Rings, n: int) -> np.ndarray:
    """(n, 4) bounding boxes of the geometries from their rings (NaN for those without)."""
    box = np.full((n, 4), np.nan)
    if rings.owner.size == 0:
        return box
    starts = rings.ring_off[:-1]
    x, y = rings.xy[:, 0], rings.xy[:, 1]
    ring_box = np.column_stack([np.minimum.reduceat(x, starts), np.minimum.reduceat(y, starts),
                                np.maximum.reduceat(x, starts), np.maximum.reduceat(y, starts)])
    first = np.flatnonzero(np.r_[True, rings.owner[1:] != rings.owner[:-1]])
    owners = rings.owner[first]
    box[owners, :2] = np.minimum.reduceat(ring_box[:, :2], first, axis=0)
    box[owners, 2:] = np.maximum.reduceat(ring_box[:, 2:], first, axis=0)
    return box
