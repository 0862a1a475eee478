"""Layer kinds and their default styles.

A map is a list of layers drawn in order; each layer has a *kind* that picks
its style and legend entry. Pass a GeoDataFrame as it is (its kind is guessed:
a ``DLBM`` field means land use, points are points, lines are lines, other
polygons are parcels) or wrap it with :func:`layer` to say what it is.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import geopandas as gpd

from .._lang import msg
from ..errors import OptionError, SchemaError
from .palette import Palette

__all__ = ["KINDS", "MapLayer", "layer", "as_layers"]

#: kind -> (default legend label, matplotlib style). ``facecolor`` "none" = outline only.
KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    "landuse": ("地类", dict(edgecolor=(0.5, 0.5, 0.5), linewidth=0.08)),
    "boundary": ("县界", dict(facecolor="none", edgecolor="black", linewidth=1.4,
                             linestyle=(0, (6, 2, 1, 2)))),
    "township": ("乡镇界", dict(facecolor="none", edgecolor=(0.35, 0.35, 0.35), linewidth=0.6,
                              linestyle=(0, (4, 2)))),
    "farmland": ("永久基本农田", dict(facecolor=(0.75, 0.9, 0.6, 0.35), edgecolor=(0.2, 0.55, 0.2),
                                 linewidth=0.2, hatch="////")),
    "parcels": ("项目用地", dict(facecolor=(1.0, 0.2, 0.2, 0.18), edgecolor=(0.85, 0.0, 0.0),
                             linewidth=0.9)),
    "overlap": ("压占永久基本农田", dict(facecolor=(0.55, 0.0, 0.65, 0.85),
                                    edgecolor=(0.4, 0.0, 0.5), linewidth=0.3)),
    "demolition": ("拆旧区", dict(facecolor=(1.0, 0.55, 0.0, 0.85), edgecolor=(0.55, 0.25, 0.0),
                               linewidth=0.6, hatch="xxx")),
    "newbuild": ("建新区", dict(facecolor=(0.9, 0.1, 0.1, 0.7), edgecolor=(0.55, 0.0, 0.0),
                             linewidth=0.5)),
    "zones": ("分区", dict(edgecolor=(0.25, 0.25, 0.25), linewidth=0.5, alpha=0.75)),
    "outline": ("范围", dict(facecolor="none", edgecolor=(0.0, 0.3, 0.8), linewidth=1.2)),
    "points": ("点位", dict(color=(0.85, 0.0, 0.0), markersize=12)),
    "lines": ("线", dict(color=(0.0, 0.35, 0.8), linewidth=1.0)),
}


@dataclasses.dataclass
class MapLayer:
    """One layer of a map: data, kind, legend label and options.

    Attributes
    ----------
    data : GeoDataFrame
    kind : str
        One of :data:`KINDS`.
    label : str
        Legend text (default: the kind's Chinese name).
    column : str, optional
        Land use: the code field (default ``DLBM``). Zones: the category field
        coloured one colour per value, each value a legend entry.
    label_field : str, optional
        Field whose values are written on the features (project names, ids).
        (``label`` is the legend text; ``label_field`` names a field.)
    style : dict
        matplotlib keyword overrides (facecolor, edgecolor, linewidth, hatch …);
        for zones also ``colors`` (value → colour) and ``order`` (legend order
        of the values; the others follow sorted).
    legend : bool
        Show the layer in the legend.
    palette : Palette, optional
        Land use: the palette (default: :func:`~xigeo.maps.palette.landuse_palette`).
    """

    data: gpd.GeoDataFrame
    kind: str = "parcels"
    label: str | None = None
    column: str | None = None
    label_field: str | None = None
    style: dict[str, Any] = dataclasses.field(default_factory=dict)
    legend: bool = True
    palette: Palette | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            kinds = ", ".join(KINDS)
            raise OptionError(msg(f"未知的图层类型 {self.kind!r}；可选 {kinds}",
                                  f"unknown layer kind {self.kind!r}; use one of {kinds}"))
        if isinstance(self.data, gpd.GeoSeries):
            self.data = gpd.GeoDataFrame(geometry=self.data)
        if not isinstance(self.data, gpd.GeoDataFrame):
            kind = type(self.data).__name__
            raise TypeError(msg(f"地图图层须为 GeoDataFrame 或 GeoSeries，而不是 {kind}",
                                f"a map layer must be a GeoDataFrame or GeoSeries, not {kind}"))
        if self.kind == "landuse" and self.column is None:
            self.column = "DLBM"
        if self.kind in ("landuse", "zones") and self.column is None:
            raise OptionError(msg(f"{self.kind} 图层需要 column=（用于着色的字段）",
                                  f"a {self.kind} layer needs column= (the field to colour by)"))
        for field in (self.column, self.label_field):
            if field is not None and field not in self.data.columns:
                have = ", ".join(map(str, self.data.columns))
                raise SchemaError(msg(f"图层 {self.display_label!r} 没有字段 {field!r}；现有字段：{have}",
                                      f"layer {self.display_label!r} has no field {field!r}; fields: {have}"))

    @property
    def display_label(self) -> str:
        return self.label if self.label is not None else KINDS[self.kind][0]

    def merged_style(self) -> dict[str, Any]:
        return {**KINDS[self.kind][1], **self.style}


def guess_kind(data: gpd.GeoDataFrame) -> str:
    """The kind of a bare GeoDataFrame: land use if it has DLBM, else by geometry type."""
    types = set(data.geom_type.dropna())
    if types and types <= {"Point", "MultiPoint"}:
        return "points"
    if types and types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "lines"
    if "DLBM" in data.columns:
        return "landuse"
    return "parcels"


def layer(data: gpd.GeoDataFrame | gpd.GeoSeries, kind: str | None = None, *,
          label: str | None = None, column: str | None = None, label_field: str | None = None,
          legend: bool = True, palette: Palette | None = None, **style: Any) -> MapLayer:
    """Wrap a GeoDataFrame as a map layer of a given kind.

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"XMMC": ["甲"]}, geometry=[box(0, 0, 1, 1)], crs=4547)
    >>> lyr = layer(g, "newbuild", label_field="XMMC", edgecolor="black")
    >>> lyr.display_label, lyr.merged_style()["edgecolor"]
    ('建新区', 'black')
    """
    if "labels" in style:  # not a matplotlib style: the old name of label_field
        raise TypeError(msg("layer() 用 label_field=（注记在要素上的字段），不用 labels=",
                            "layer() takes label_field= (the field written on the features), "
                            "not labels="))
    if isinstance(data, gpd.GeoSeries):
        data = gpd.GeoDataFrame(geometry=data)
    return MapLayer(data, kind or guess_kind(data), label, column, label_field, dict(style), legend,
                    palette)


def as_layers(layers: Any) -> list[MapLayer]:
    """Normalise one GeoDataFrame / MapLayer or a list of them to a list of MapLayer."""
    if isinstance(layers, (gpd.GeoDataFrame, gpd.GeoSeries, MapLayer)):
        layers = [layers]
    out = [item if isinstance(item, MapLayer) else layer(item) for item in layers]
    if not out:
        raise ValueError(msg("没有可制图的图层", "no layers to map"))
    return out
