"""Feature labels (project names, ids) placed so they do not overlap where possible.

Greedy placement, largest feature first: each label tries its feature's
representative point, then four offsets around it; a label that still
overlaps one already placed (or leaves the map frame) is hidden, and the
count of hidden labels is logged. Placed labels keep ``gid="xigeo-label"``,
hidden ones ``gid="xigeo-label-hidden"``.
"""

from __future__ import annotations

import logging

import geopandas as gpd
from matplotlib.axes import Axes
from matplotlib.patheffects import withStroke
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from ._fonts import font

log = logging.getLogger(__name__)

__all__ = ["place_labels"]

_OFFSETS = [(0, 0), (0, 1.1), (0, -1.1), (1.1, 0), (-1.1, 0)]


def place_labels(ax: Axes, data: gpd.GeoDataFrame, field: str, *, fontsize: float = 6.5,
                 color: str = "black", avoid: list[Bbox] | None = None) -> list[Text]:
    """Write ``data[field]`` on each feature of ``data``; return the placed Text artists.

    ``avoid``: display-space boxes labels must not cover (scale bar, north
    arrow, labels of an earlier layer); the boxes of the labels placed here
    are appended to it.
    """
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg canvas
    frame = ax.get_window_extent(renderer)
    valid = data[data.geometry.notna() & ~data.geometry.is_empty]
    order = valid.geometry.area.sort_values(ascending=False).index if len(valid) else []
    placed: list[Bbox] = avoid if avoid is not None else []
    texts: list[Text] = []
    hidden = 0
    for idx in order:
        value = valid.at[idx, field]
        if value is None or (isinstance(value, float) and value != value):
            continue
        point = valid.geometry[idx].representative_point()
        text = ax.text(point.x, point.y, str(value), ha="center", va="center",
                       fontproperties=font(fontsize), color=color, zorder=30, clip_on=True,
                       gid="xigeo-label",
                       path_effects=[withStroke(linewidth=1.6, foreground="white")])
        box = text.get_window_extent(renderer)
        ok = False
        for dx, dy in _OFFSETS:
            candidate = box.translated(dx * box.width, dy * box.height)
            inside = (candidate.x0 >= frame.x0 and candidate.x1 <= frame.x1
                      and candidate.y0 >= frame.y0 and candidate.y1 <= frame.y1)
            if inside and not any(candidate.overlaps(other) for other in placed):
                if (dx, dy) != (0, 0):
                    x, y = ax.transData.inverted().transform(
                        (candidate.x0 + candidate.width / 2, candidate.y0 + candidate.height / 2))
                    text.set_position((x, y))
                placed.append(candidate.padded(1.0))
                ok = True
                break
        if ok:
            texts.append(text)
        else:
            text.set_visible(False)
            text.set_gid("xigeo-label-hidden")
            hidden += 1
    if hidden:
        log.info("%d of %d labels hidden to avoid overlaps (field %s)", hidden,
                 hidden + len(texts), field)
    return texts
