"""Feature labels (project names, ids, areas) placed so that none crosses another.

Greedy placement over candidate positions, largest feature first (or in the
caller's ``priority`` order). Each label tries, in order: centred on its
feature's point on surface; touching that point on one of eight sides; then
rings of positions farther out, joined to the point by a leader line. A
label never covers another feature's point, nor a feature too small to hold
a label (its own included: that label goes beside it), so a cluster of
small features is not walled in or hidden by its labels. A
candidate is taken when its box (display space, from the renderer) lies
inside the map frame and overlaps none of the boxes already taken: labels
placed before, the ``avoid`` boxes (scale bar, north arrow, …) and the leader
lines drawn so far; a leader must not cross a placed label or another leader. The
checks are numpy array comparisons over all candidates of a label at once
(labels are per feature — projects, pieces — never per vertex).

Placed labels have ``gid="xigeo-label"``, their leader lines
``gid="xigeo-leader"``; a label with no free position anywhere is hidden
(``gid="xigeo-label-hidden"``) and counted in a warning, so a caller that
needs every label (the overlap map's areas) can check and page instead: each
label's Text carries its feature's index label as ``xigeo_key``
(:func:`hidden_keys`).
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from ._fonts import font

log = logging.getLogger(__name__)

__all__ = ["place_labels", "label_boxes", "hidden_keys"]

#: directions of the first ring (touching the anchor), then of the leader rings
_ADJACENT = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)],
                     dtype=float)
_ANGLES = np.deg2rad(np.arange(0, 360, 11.25))
# steep leaders first: parallel near-vertical leaders leave room for each other, shallow ones
# along a row of features block the rest
_ANGLES = _ANGLES[np.argsort(-np.abs(np.sin(_ANGLES)), kind="stable")]
#: leader ring distances, in label heights beyond the label's half size
_RINGS = (1.5, 3.0, 4.5, 6.5, 9.0, 12.0, 16.0, 21.0, 27.0, 34.0)
_PAD = 1.5  # px kept free around a placed label


def _candidates(ax_: float, ay_: float, w: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres (K, 2) of the candidate boxes of a w x h label anchored at (ax_, ay_), and
    whether each needs a leader line (K,)."""
    gap = 0.25 * h
    adjacent = _ADJACENT * [w / 2 + gap, h / 2 + gap]
    rings = [np.c_[np.cos(_ANGLES) * (w / 2 + r * h), np.sin(_ANGLES) * (h / 2 + r * h)]
             for r in _RINGS]
    offsets = np.vstack([np.zeros((1, 2)), adjacent] + rings)
    leader = np.r_[np.zeros(1 + len(adjacent), dtype=bool), np.ones(len(offsets) - 9, dtype=bool)]
    return offsets + [ax_, ay_], leader


def _overlaps(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """(K,) True where box k (x0, y0, x1, y1) overlaps any of ``others`` (M, 4)."""
    if not len(others):
        return np.zeros(len(boxes), dtype=bool)
    b, o = boxes[:, None, :], others[None, :, :]
    hit = ((b[..., 0] < o[..., 2]) & (b[..., 2] > o[..., 0])
           & (b[..., 1] < o[..., 3]) & (b[..., 3] > o[..., 1]))
    return np.asarray(hit.any(axis=1))


def _edge_point(anchor: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """The point of each box (K, 4) nearest to ``anchor``: where a leader line ends."""
    return np.c_[np.clip(anchor[0], boxes[:, 0], boxes[:, 2]),
                 np.clip(anchor[1], boxes[:, 1], boxes[:, 3])]


def _seg_box(segments: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(S, B) True where segment s (x0, y0, x1, y1) passes through the inside of box b
    (Liang-Barsky clipping, all pairs at once)."""
    if not len(segments) or not len(boxes):
        return np.zeros((len(segments), len(boxes)), dtype=bool)
    x0, y0 = segments[:, 0:1], segments[:, 1:2]
    dx, dy = segments[:, 2:3] - x0, segments[:, 3:4] - y0
    t0 = np.zeros((len(segments), len(boxes)))
    t1 = np.ones_like(t0)
    hit = np.ones_like(t0, dtype=bool)
    for pk, qk in ((-dx, x0 - boxes[:, 0]), (dx, boxes[:, 2] - x0),
                   (-dy, y0 - boxes[:, 1]), (dy, boxes[:, 3] - y0)):
        pk = np.broadcast_to(pk, t0.shape)
        qk = np.broadcast_to(qk, t0.shape)
        parallel = pk == 0
        hit &= ~(parallel & (qk <= 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, qk / np.where(parallel, 1.0, pk))
        t0 = np.where(~parallel & (pk < 0), np.maximum(t0, r), t0)
        t1 = np.where(~parallel & (pk > 0), np.minimum(t1, r), t1)
    return hit & (t0 < t1)


def _crossing(a: np.ndarray, ends: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """(K,) True where the segment a → ends[k] properly crosses any of ``segments`` (L, 4)."""
    if not len(segments):
        return np.zeros(len(ends), dtype=bool)

    def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.sign((q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1])
                       - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0]))

    p1 = np.broadcast_to(a, ends.shape)[:, None, :]
    p2 = ends[:, None, :]
    q1, q2 = segments[None, :, :2], segments[None, :, 2:]
    crosses = ((side(p1, p2, q1) * side(p1, p2, q2) < 0)
               & (side(q1, q2, p1) * side(q1, q2, p2) < 0))
    return crosses.any(axis=1)


def _box_array(boxes: Sequence[Bbox]) -> np.ndarray:
    return np.array([[b.x0, b.y0, b.x1, b.y1] for b in boxes], dtype=float).reshape(-1, 4)


def place_labels(ax: Axes, data: gpd.GeoDataFrame, field: str, *, fontsize: float = 6.5,
                 color: str = "black", avoid: list[Bbox] | None = None, leaders: bool = True,
                 priority: Sequence[Any] | None = None, gid: str = "xigeo-label",
                 bold: bool = False) -> list[Text]:
    """Write ``data[field]`` on each feature of ``data``; return the placed Text artists.

    Parameters
    ----------
    ax : Axes
        The map frame (limits set; its figure has an Agg canvas).
    data : GeoDataFrame
        The features; those outside the frame are not labelled (a feature
        cut by the frame is labelled on its visible part).
    field : str
        The field written (None / NaN values are skipped).
    avoid : list of Bbox, optional
        Display-space boxes labels must not cover (scale bar, north arrow,
        labels of an earlier layer); the boxes of the labels and leader lines
        placed here are appended to it, so a later call avoids them too.
    leaders : bool
        Allow positions away from the feature, joined to it by a leader line.
    priority : sequence, optional
        Index labels of ``data`` in placement order (default: largest first).
    gid : str
        The placed labels' gid (hidden ones get ``gid + "-hidden"``).
    """
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg canvas
    frame = ax.get_window_extent(renderer)
    fb = np.array([frame.x0, frame.y0, frame.x1, frame.y1])
    valid = data[data.geometry.notna() & ~data.geometry.is_empty & data[field].notna()]
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    seen = shapely.clip_by_rect(np.asarray(valid.geometry.values, dtype=object),
                                x_lo, y_lo, x_hi, y_hi)
    shown = ~shapely.is_empty(seen)
    valid, seen = valid[shown], seen[shown]
    if not len(valid):
        return []
    anchors = ax.transData.transform(shapely.get_coordinates(shapely.point_on_surface(seen)))
    where = {idx: i for i, idx in enumerate(valid.index)}
    # features too small to hold a label: no label (but their own) may hide them
    b = shapely.bounds(seen)
    lo, hi = ax.transData.transform(b[:, :2]), ax.transData.transform(b[:, 2:])
    feature_px = np.c_[np.minimum(lo, hi), np.maximum(lo, hi)]
    em = fontsize * ax.figure.dpi / 72
    tiny = np.flatnonzero(np.maximum(feature_px[:, 2] - feature_px[:, 0],
                                     feature_px[:, 3] - feature_px[:, 1]) < 3 * em)
    tiny_set = set(tiny.tolist())
    if priority is not None:
        order = [where[i] for i in priority if i in where]
    else:
        order = list(np.argsort(-shapely.area(seen), kind="stable"))
    placed: list[Bbox] = avoid if avoid is not None else []
    leader_segs = np.zeros((0, 4))  # leader lines drawn: (x0, y0, x1, y1), display space
    to_data = ax.transData.inverted()
    texts: list[Text] = []
    hidden = 0
    for i in order:
        value = valid[field].iloc[i]
        anchor = anchors[i]
        xd, yd = to_data.transform(anchor)
        text = ax.text(xd, yd, str(value), ha="center", va="center",
                       fontproperties=font(fontsize, bold=bold), color=color, zorder=30,
                       clip_on=True, gid=gid,
                       # a white box, not a stroke path effect: path effects turn the text
                       # into outlines in a PDF, and labels must stay searchable text
                       bbox=dict(boxstyle="square,pad=0.12", facecolor="white", alpha=0.75,
                                 edgecolor="none"))
        setattr(text, "xigeo_key", valid.index[i])
        bb = text.get_window_extent(renderer)
        w, h = bb.width, bb.height
        centres, leader = _candidates(anchor[0], anchor[1], w, h)
        if not leaders:
            centres, leader = centres[~leader], leader[~leader]
        boxes = np.c_[centres - [w / 2, h / 2], centres + [w / 2, h / 2]]
        ok = ((boxes[:, 0] >= fb[0]) & (boxes[:, 2] <= fb[2]) & (boxes[:, 1] >= fb[1])
              & (boxes[:, 3] <= fb[3]))
        taken = _box_array(placed)
        ok &= ~_overlaps(boxes, taken)
        ok &= ~_overlaps(boxes, feature_px[tiny[tiny != i]])
        if i in tiny_set:  # nor its own feature: the label goes beside it
            own = feature_px[i] + [-0.4 * em, -0.4 * em, 0.4 * em, 0.4 * em]
            ok &= ~_overlaps(boxes, own[None, :])
        # nor cover another feature's point (its label or leader starts there)
        others = np.delete(anchors, i, axis=0)
        ok &= ~((others[None, :, 0] > boxes[:, None, 0]) & (others[None, :, 0] < boxes[:, None, 2])
                & (others[None, :, 1] > boxes[:, None, 1])
                & (others[None, :, 1] < boxes[:, None, 3])).any(axis=1)
        ok &= ~_seg_box(leader_segs, boxes).any(axis=0)
        ends = _edge_point(anchor, boxes)
        if leader.any():
            mine = np.c_[np.broadcast_to(anchor, ends[leader].shape), ends[leader]]
            # a leader may leave a box its own point lies under (a feature under the scale
            # bar), never cross another
            around = ((taken[:, 0] <= anchor[0]) & (anchor[0] <= taken[:, 2])
                      & (taken[:, 1] <= anchor[1]) & (anchor[1] <= taken[:, 3]))
            ok[leader] &= ~_seg_box(mine, taken[~around]).any(axis=1)
            ok[leader] &= ~_seg_box(mine, np.c_[others - 1.5, others + 1.5]).any(axis=1)
            ok[leader] &= ~_crossing(anchor, ends[leader], leader_segs)
        free = np.flatnonzero(ok)
        if not len(free):
            text.set_visible(False)
            text.set_gid(gid + "-hidden")
            hidden += 1
            continue
        k = free[0]
        if k:
            text.set_position(tuple(to_data.transform(centres[k])))
        if leader[k]:
            seg = to_data.transform(np.vstack([anchor, ends[k]]))
            ax.add_line(Line2D(seg[:, 0], seg[:, 1], color=color, linewidth=0.45, zorder=29,
                               gid="xigeo-leader", solid_capstyle="butt"))
            ax.plot([seg[0, 0]], [seg[0, 1]], marker="o", markersize=1.6, color=color,
                    zorder=29, gid="xigeo-leader")
            leader_segs = np.vstack([leader_segs, np.r_[anchor, ends[k]][None, :]])
        b = boxes[k]
        placed.append(Bbox.from_extents(b[0] - _PAD, b[1] - _PAD, b[2] + _PAD, b[3] + _PAD))
        texts.append(text)
    if hidden:
        log.warning("%d/%d 个注记（字段 %s）在图上找不到不重叠的位置，未显示", hidden,
                    hidden + len(texts), field)
    return texts


def label_boxes(fig: Any, gid: str = "xigeo-label") -> list[Bbox]:
    """Display-space boxes of a figure's visible labels with ``gid`` (for checks and tests)."""
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in fig.findobj(Text)
            if t.get_gid() == gid and t.get_visible()]


def hidden_keys(fig: Any, gid: str = "xigeo-label") -> list[Any]:
    """Index labels of the features whose label (``gid``) found no place on ``fig``."""
    return [getattr(t, "xigeo_key", None) for t in fig.findobj(Text)
            if t.get_gid() == gid + "-hidden"]
