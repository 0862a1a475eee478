"""Maps of the annual change survey (国土变更调查): what changed, and farmland gained and lost.

Both take the :class:`~xigeo.changes.SurveyChanges` of
:func:`xigeo.survey_changes` (its ``pieces``: the ground whose class
changed, with both years' classes) and the keywords of
:func:`~xigeo.maps.thematic_map`:

- :func:`change_map` (土地利用变化图): each change piece coloured by its
  from → to pair of 一级 groups (耕地→住宅用地 …): the colour of the new
  class, tinted by the old one, one legend entry per pair present;
- :func:`farmland_change_map` (耕地增减变化图): farmland lost (from 01 to
  another class) in red, farmland gained in green, split by what it became
  or came from (construction land, other agricultural land, unused land).

Slivers (pieces not larger than the result's tolerance) are left off the
map (they are listed in the result's ``slivers`` table).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._lang import msg
from .composer import thematic_map
from .palette import landuse_palette
from .styles import MapLayer, layer

__all__ = ["change_map", "farmland_change_map"]

#: farmland gained / lost by the other class's 三大类, with their colours (legend order)
FARMLAND_KINDS: dict[str, tuple[str, tuple[float, float, float]]] = {
    "lost_construction": ("耕地减少（建设占用）", (0.85, 0.05, 0.05)),
    "lost_agricultural": ("耕地减少（转为其他农用地）", (0.98, 0.55, 0.35)),
    "lost_unused": ("耕地减少（转为未利用地）", (0.75, 0.45, 0.55)),
    "gained_construction": ("耕地增加（建设用地复垦）", (0.0, 0.45, 0.1)),
    "gained_agricultural": ("耕地增加（其他农用地转入）", (0.45, 0.78, 0.35)),
    "gained_unused": ("耕地增加（未利用地开发）", (0.2, 0.65, 0.65)),
}


def _changed(result: Any) -> gpd.GeoDataFrame:
    pieces = getattr(result, "pieces", result)
    if not isinstance(pieces, gpd.GeoDataFrame) or "before_DLBM" not in pieces.columns:
        raise TypeError(msg("请给出 xigeo.survey_changes 的 SurveyChanges（或其 pieces）",
                            "give the SurveyChanges of xigeo.survey_changes (or its pieces)"))
    keep = pieces["class_changed"].to_numpy(dtype=bool) & ~pieces["sliver"].to_numpy(dtype=bool)
    return pieces[keep].copy()


def _groups() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Class code → 一级 group code, group code → name, class code → 三大类."""
    from ..landuse_tables import load_classification

    c = load_classification()
    return (dict(zip(c["code"], c["level1_code"])), dict(zip(c["level1_code"], c["level1_name"])),
            dict(zip(c["code"], c["three_class"])))


def _class_of(codes: Any, lookup: dict[str, str]) -> np.ndarray:
    """Codes (aliases and 5-character codes included) to their class's value in ``lookup``."""
    from ..landuse_tables import _lookup, load_classification

    classes = load_classification()
    pos = _lookup(classes)
    text = pd.Series(np.asarray(codes, dtype=object)).astype("string").str.strip().fillna("")
    index = pd.Index(pos.index)
    at = index.get_indexer(text.to_numpy(dtype=object))
    short = at < 0
    at[short] = index.get_indexer(text.str.slice(0, 4).to_numpy(dtype=object)[short])
    values = classes["code"].map(lookup).fillna("").to_numpy(dtype=object)[pos.to_numpy()[np.maximum(at, 0)]]
    return np.where(at >= 0, values, "")


def change_map(result: Any, *, landuse: gpd.GeoDataFrame | None = None,
               boundary: gpd.GeoDataFrame | None = None, title: str = "土地利用变化图",
               **kwargs: Any) -> Figure:
    """Change map: each change piece coloured by its from → to pair of 一级 groups.

    Parameters
    ----------
    result : SurveyChanges
        :func:`xigeo.survey_changes`'s result (or its ``pieces``).
    landuse : GeoDataFrame, optional
        The second year's patches, as a faded background.
    boundary : GeoDataFrame, optional
        An outline drawn on top.
    """
    pieces = _changed(result)
    group, group_name, _ = _groups()
    pal = landuse_palette()
    frm = _class_of(pieces["before_DLBM"], group)
    to = _class_of(pieces["after_DLBM"], group)
    pieces["_flow"] = (_named(frm, group_name) + "→" + _named(to, group_name)).to_numpy()
    colors: dict[str, tuple[float, ...]] = {}
    for flow, a, b in sorted(set(zip(pieces["_flow"], frm, to)), key=lambda t: (t[1], t[2])):
        new, old = np.array(pal.color(b)), np.array(pal.color(a))
        colors[flow] = tuple(0.7 * new + 0.3 * old)
    return _draw(pieces, "_flow", colors, list(colors), landuse=landuse, boundary=boundary,
                 title=title, nothing=msg("没有地类变化的图斑：无变化图可画",
                                                  "nothing changed class: no change map to draw"), **kwargs)


def _named(codes: np.ndarray, names: dict[str, str]) -> pd.Series:
    """Each group code's name (the code itself where it has none)."""
    text = pd.Series(codes, dtype=object)
    return text.map(names).fillna(text)


def _draw(pieces: gpd.GeoDataFrame, column: str, colors: dict[str, Any], order: list[str], *,
          landuse: gpd.GeoDataFrame | None, boundary: gpd.GeoDataFrame | None, title: str,
          nothing: str, **kwargs: Any) -> Figure:
    """The change pieces coloured by ``column`` over a faded ``landuse``, under ``boundary``."""
    layers: list[MapLayer] = []
    if landuse is not None:
        layers.append(layer(landuse, "landuse", legend=False, alpha=0.25))
    if len(pieces):
        layers.append(layer(pieces, "zones", column=column, colors=colors, order=order, alpha=0.95,
                            edgecolor=(0.2, 0.2, 0.2), linewidth=0.3))
    if boundary is not None:
        layers.append(layer(boundary, "boundary", label="界线"))
    if not layers:
        raise ValueError(nothing)
    kwargs.setdefault("source", "国土变更调查：变更前后地类图斑叠加")
    return thematic_map(layers, title=title, **kwargs)


def farmland_change_map(result: Any, *, landuse: gpd.GeoDataFrame | None = None,
                        boundary: gpd.GeoDataFrame | None = None, title: str = "耕地增减变化图",
                        **kwargs: Any) -> Figure:
    """Farmland gained (green) and lost (red), by what the ground became or came from.

    Parameters
    ----------
    result : SurveyChanges
        :func:`xigeo.survey_changes`'s result (or its ``pieces``).
    landuse, boundary : GeoDataFrame, optional
        Faded background patches and an outline, as for :func:`change_map`.
    """
    pieces = _changed(result)
    group, _, three = _groups()
    frm_farm = _class_of(pieces["before_DLBM"], group) == "01"
    to_farm = _class_of(pieces["after_DLBM"], group) == "01"
    lost = frm_farm & ~to_farm
    gained = to_farm & ~frm_farm
    # lost to / gained from which of the three groups (未利用地 when the code has none)
    words = {"建设用地": "construction", "农用地": "agricultural", "未利用地": "unused"}
    other = np.where(lost, _class_of(pieces["after_DLBM"], three), _class_of(pieces["before_DLBM"], three))
    kind = np.where(lost, "lost_", "gained_") + pd.Series(other, dtype=object).map(words).fillna("unused")
    keep = lost | gained
    pieces = pieces[keep].copy()
    pieces["_kind"] = kind[keep].map({k: name for k, (name, _) in FARMLAND_KINDS.items()}).to_numpy()
    colors = {name: color for name, color in FARMLAND_KINDS.values()}
    return _draw(pieces, "_kind", colors, [name for name, _ in FARMLAND_KINDS.values()],
                 landuse=landuse, boundary=boundary, title=title,
                 nothing=msg("耕地没有增减：无耕地变化图可画",
                             "no farmland gained or lost: no farmland change map to draw"), **kwargs)
