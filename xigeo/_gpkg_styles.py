"""QGIS styles stored in the GeoPackages xigeo writes, so QGIS opens them styled.

QGIS keeps a layer's styles in a GeoPackage table ``layer_styles`` (the
columns QGIS itself creates when a style is saved "in the database") and
loads the row marked ``useAsDefault`` for the layer it opens. The table is
registered in ``gpkg_contents`` as an attributes table, as QGIS does, so GDAL
lists it too. Each style is a QML document as QGIS writes it (renderer-v2 with
its symbols; symbol-layer properties both as ``<Option>`` maps, read by QGIS
3.26 and later, and as ``<prop>`` lists, read by older 3.x).

The styles:

- ``landuse``: a layer with a DLBM field, categorised by DLBM with the land-use
  palette's colours (:func:`xigeo.maps.landuse_palette`, the 三调 colours) and
  "0101 水田" labels, one category per code present;
- the report's map styles (:data:`xigeo.maps.styles.KINDS`): ``farmland``,
  ``parcels``, ``overlap``, ``demolition``, ``newbuild``, ``boundary``, ...;
- the result layers: ``farmland_pieces`` (压占 / 细碎重叠, by ``sliver``),
  ``farmland_parcels`` (by ``verdict``: 不占用 / 仅碎片 / 占用), ``changes``
  (change pieces by the new class ``after_DLBM``, palette colours), and the
  quality-check findings (:mod:`xigeo._qc_output`, by ``severity``).

:func:`style_for` picks one for a layer (``"auto"``: land use when the layer
has a DLBM field, none otherwise); :func:`add_styles` writes rows into a
GeoPackage. :func:`xigeo.io.write_layer` calls them for every GeoPackage layer
(``style=``) and never fails a write because a style could not be made.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Sequence
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import pandas as pd

from ._lang import msg
from .errors import OptionError

__all__ = ["Style", "STYLE_NAMES", "style_for", "add_styles", "read_styles", "categorized_qml",
           "single_qml", "symbol_layers", "landuse_style", "geometry_kind", "check_style"]

#: the styles :func:`style_for` knows, besides ``"auto"`` and the map kinds
RESULT_STYLES = ("landuse", "farmland_pieces", "farmland_parcels", "changes")

#: Chinese aliases of survey and result fields (shown by QGIS in the attribute table)
ALIASES = {
    "BSM": "标识码", "YSDM": "要素代码", "TBYBH": "图斑预编号", "TBBH": "图斑编号",
    "DLBM": "地类编码", "DLMC": "地类名称", "QSXZ": "权属性质", "QSDWDM": "权属单位代码",
    "QSDWMC": "权属单位名称", "ZLDWDM": "坐落单位代码", "ZLDWMC": "坐落单位名称",
    "TBMJ": "图斑面积", "KCDLBM": "扣除地类编码", "KCXS": "扣除地类系数", "KCMJ": "扣除地类面积",
    "TBDLMJ": "图斑地类面积", "GDLX": "耕地类型", "GDPDJB": "耕地坡度级别", "XZDWKD": "线状地物宽度",
    "TBXHDM": "图斑细化代码", "TBXHMC": "图斑细化名称", "ZZSXDM": "种植属性代码",
    "ZZSXMC": "种植属性名称", "GDDB": "耕地等别", "FRDBS": "飞入地标识", "CZCSXM": "城镇村属性码",
    "SJNF": "数据年份", "MSSM": "描述说明", "HDMC": "海岛名称", "BZ": "备注",
    "JBNTMJ": "基本农田面积",
    "parcel_id": "地块编号", "patch_id": "图斑标识", "area_m2": "面积(平方米)",
    "area_mu": "面积(亩)", "area_ha": "面积(公顷)", "patch_share": "占图斑比例",
    "prorated_m2": "折算地类面积(平方米)", "sliver": "碎片", "overlap_m2": "占用面积(平方米)",
    "overlap_mu": "占用面积(亩)", "share": "占用比例", "n_patches": "占用图斑数",
    "n_slivers": "碎片数", "sliver_m2": "碎片面积(平方米)", "verdict": "结论",
    "before_BSM": "变更前标识码", "after_BSM": "变更后标识码", "before_DLBM": "变更前地类编码",
    "after_DLBM": "变更后地类编码", "before_DLMC": "变更前地类名称", "after_DLMC": "变更后地类名称",
    "class_changed": "地类变化",
}

_STYLES_DDL = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""

_GEOMETRY_TYPE = {"point": 0, "line": 1, "polygon": 2}
_SYMBOL_TYPE = {"point": "marker", "line": "line", "polygon": "fill"}
# matplotlib hatch -> QGIS SimpleFill brush style
_HATCH = {"/": "f_diagonal", "\\": "b_diagonal", "x": "diagonal_x", "+": "cross", "-": "horizontal",
          "|": "vertical"}


@dataclasses.dataclass(frozen=True)
class Style:
    """One QGIS style: its QML, the name QGIS lists, and a description."""

    qml: str
    name: str
    description: str = ""


# ----------------------------------------------------------------------------- colours

def _rgba(colour: Any, alpha: float | None = None) -> str:
    """A matplotlib colour (name, RGB(A) floats) as QGIS's "r,g,b,a" (0-255)."""
    from matplotlib.colors import to_rgba

    r, g, b, a = to_rgba(colour)
    if alpha is not None:
        a = alpha
    return ",".join(str(int(round(v * 255))) for v in (r, g, b, a))


def _rgb255(rgb: Sequence[int], alpha: int = 255) -> str:
    return ",".join(str(int(v)) for v in (*rgb, alpha))


# ----------------------------------------------------------------------------- QML pieces

def _props(props: dict[str, str]) -> str:
    option = "".join(f"<Option type=\"QString\" name={quoteattr(k)} value={quoteattr(v)}/>"
                     for k, v in props.items())
    prop = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())
    return f"<Option type=\"Map\">{option}</Option>{prop}"


def _symbol_layers(kind: str, fill: str, outline: str, *, width: float = 0.26,
                   brush: str = "solid", outline_style: str = "solid",
                   hatch_colour: str | None = None) -> list[str]:
    """The <layer> elements of a symbol of geometry ``kind``."""
    if kind == "point":
        return ["<layer class=\"SimpleMarker\" enabled=\"1\" pass=\"0\" locked=\"0\">" + _props({
            "color": fill, "name": "circle", "size": "2.6", "size_unit": "MM",
            "outline_color": outline, "outline_style": "solid", "outline_width": "0.2",
            "outline_width_unit": "MM"}) + "</layer>"]
    if kind == "line":
        return ["<layer class=\"SimpleLine\" enabled=\"1\" pass=\"0\" locked=\"0\">" + _props({
            "line_color": outline, "line_style": outline_style, "line_width": f"{width:g}",
            "line_width_unit": "MM", "capstyle": "square", "joinstyle": "bevel"}) + "</layer>"]
    layers = [("<layer class=\"SimpleFill\" enabled=\"1\" pass=\"0\" locked=\"0\">" + _props({
        "color": fill, "style": "solid" if brush == "solid" or hatch_colour else brush,
        "outline_color": outline, "outline_style": outline_style,
        "outline_width": f"{width:g}", "outline_width_unit": "MM", "joinstyle": "bevel",
        "offset": "0,0", "offset_unit": "MM"}) + "</layer>")]
    if hatch_colour is not None and brush != "solid":
        # QGIS draws a brush pattern in the fill colour on a clear ground: the hatch is a
        # second layer over the solid fill, as the report's maps draw it
        layers.append("<layer class=\"SimpleFill\" enabled=\"1\" pass=\"0\" locked=\"0\">" + _props({
            "color": hatch_colour, "style": brush, "outline_color": "0,0,0,0",
            "outline_style": "no", "outline_width": "0", "outline_width_unit": "MM",
            "joinstyle": "bevel", "offset": "0,0", "offset_unit": "MM"}) + "</layer>")
    return layers


def _symbol(name: str, kind: str, layers: Iterable[str]) -> str:
    return (f"<symbol type=\"{_SYMBOL_TYPE[kind]}\" name={quoteattr(name)} alpha=\"1\" "
            f"clip_to_extent=\"1\" force_rhr=\"0\">{''.join(layers)}</symbol>")


def _document(renderer: str, kind: str, aliases: dict[str, str] | None) -> str:
    fields = ""
    categories = "Symbology"
    if aliases:
        categories = "Symbology|Fields"
        fields = "<aliases>" + "".join(
            f"<alias field={quoteattr(f)} index=\"{k}\" name={quoteattr(a)}/>"
            for k, (f, a) in enumerate(aliases.items())) + "</aliases>"
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f"<qgis version=\"3.28.0-Firenze\" styleCategories=\"{categories}\">"
            f"{renderer}<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode>"
            f"{fields}<layerGeometryType>{_GEOMETRY_TYPE[kind]}</layerGeometryType></qgis>")


def categorized_qml(field: str, categories: Sequence[tuple[str, str, list[str]]], kind: str, *,
                    aliases: dict[str, str] | None = None) -> str:
    """QML of a categorised renderer on ``field``.

    ``categories``: (value, label, symbol layers from :func:`symbol_layers`) per category.

    >>> q = categorized_qml("severity", [("错误", "错误", symbol_layers("point", "227,26,28,255"))],
    ...                     "point")
    >>> 'attr="severity"' in q and 'value="错误"' in q
    True
    """
    cats = "".join(f"<category symbol=\"{k}\" value={quoteattr(v)} label={quoteattr(lab)} "
                   f"render=\"true\" type=\"string\"/>" for k, (v, lab, _) in enumerate(categories))
    syms = "".join(_symbol(str(k), kind, lyr) for k, (_, _, lyr) in enumerate(categories))
    renderer = (f"<renderer-v2 type=\"categorizedSymbol\" attr={quoteattr(field)} symbollevels=\"0\" "
                "enableorderby=\"0\" forceraster=\"0\" referencescale=\"-1\">"
                f"<categories>{cats}</categories><symbols>{syms}</symbols>"
                "<rotation/><sizescale/></renderer-v2>")
    return _document(renderer, kind, aliases)


def single_qml(kind: str, layers: list[str], *, aliases: dict[str, str] | None = None) -> str:
    """QML of a single-symbol renderer."""
    renderer = ("<renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" enableorderby=\"0\" "
                "forceraster=\"0\" referencescale=\"-1\">"
                f"<symbols>{_symbol('0', kind, layers)}</symbols><rotation/><sizescale/></renderer-v2>")
    return _document(renderer, kind, aliases)


def symbol_layers(kind: str, fill: str, outline: str = "35,35,35,255", **kw: Any) -> list[str]:
    """Symbol layers of a simple fill / line / marker (QGIS "r,g,b,a" colours)."""
    return _symbol_layers(kind, fill, outline, **kw)


# ----------------------------------------------------------------------------- the layer's side

def geometry_kind(gdf: gpd.GeoDataFrame) -> str:
    """"point", "line" or "polygon": the layer's geometry kind (polygon when mixed or empty)."""
    types = set(pd.unique(gdf.geom_type.dropna()))
    if types and types <= {"Point", "MultiPoint"}:
        return "point"
    if types and types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "line"
    return "polygon"


def _field(gdf: gpd.GeoDataFrame, name: str) -> str | None:
    """The layer's column called ``name`` in any case (DLBM, dlbm), or None."""
    geom = gdf.geometry.name
    for col in gdf.columns:
        if col != geom and str(col).casefold() == name.casefold():
            return str(col)
    return None


def _aliases(gdf: gpd.GeoDataFrame) -> dict[str, str]:
    geom = gdf.geometry.name
    return {str(c): ALIASES[str(c).upper() if str(c).upper() in ALIASES else str(c)]
            for c in gdf.columns if c != geom and (str(c).upper() in ALIASES or str(c) in ALIASES)}


def _codes(values: pd.Series) -> list[str]:
    """The distinct codes of a column, as text, sorted (no per-row Python loop)."""
    text = values.dropna().astype("string").str.strip()
    return sorted(str(v) for v in pd.unique(text[text != ""]))


def landuse_style(gdf: gpd.GeoDataFrame, field: str | None = None, *, palette: Any = None,
                  title: str = "地类（三调色彩）") -> Style:
    """Land use categorised by ``field`` (default: the DLBM column, any case) in the palette's colours."""
    from .maps.palette import landuse_palette

    pal = palette or landuse_palette()
    field = field or _field(gdf, "DLBM")
    if field is None:
        raise OptionError(msg(f"地类样式需要 DLBM 字段；此图层的字段为 {', '.join(map(str, gdf.columns))}",
                              "a land-use style needs a DLBM field; this layer has "
                              f"{', '.join(map(str, gdf.columns))}"))
    kind = geometry_kind(gdf)
    edge = "128,128,128,255"
    cats = [(code, f"{code} {pal.name(code)}",
             _symbol_layers(kind, _rgb255(pal.rgb255(code)), edge, width=0.1))
            for code in _codes(gdf[field])]
    return Style(categorized_qml(field, cats, kind, aliases=_aliases(gdf)),
                 f"{title}", f"xigeo: {field} 分类，色彩取自 {Path(pal.source).name}")


def _kind_style(gdf: gpd.GeoDataFrame, name: str) -> Style:
    """One of the report's map kinds (xigeo.maps.styles.KINDS) as a single symbol."""
    from .maps.styles import KINDS

    label, mpl = KINDS[name]
    kind = geometry_kind(gdf)
    return Style(single_qml(kind, _mpl_layers(kind, mpl), aliases=_aliases(gdf)), label,
                 f"xigeo 报告图式: {label}")


def _mpl_layers(kind: str, mpl: dict[str, Any]) -> list[str]:
    """A matplotlib style dict of the map kinds as QGIS symbol layers."""
    face = mpl.get("facecolor", mpl.get("color", (0.7, 0.7, 0.7)))
    edge = mpl.get("edgecolor", mpl.get("color", (0.2, 0.2, 0.2)))
    clear = isinstance(face, str) and face == "none"
    fill = "0,0,0,0" if clear else _rgba(face, mpl.get("alpha"))
    width = 0.35 * float(mpl.get("linewidth", 0.75))  # points -> mm (1 pt = 0.353 mm)
    ls = mpl.get("linestyle")
    dashed = "solid" if ls in (None, "-", "solid") else (
        "dash dot" if isinstance(ls, tuple) and len(ls[1]) >= 4 else "dash")
    hatch = mpl.get("hatch")
    brush = _HATCH.get(hatch[0], "solid") if hatch else "solid"
    if kind == "line":
        return _symbol_layers(kind, fill, _rgba(edge), width=max(width, 0.26), outline_style=dashed)
    if kind == "point":
        return _symbol_layers(kind, _rgba(face), "35,35,35,255")
    return _symbol_layers(kind, fill, _rgba(edge), width=width, outline_style=dashed,
                          brush=brush, hatch_colour=_rgba(edge) if brush != "solid" else None)


def _farmland_pieces(gdf: gpd.GeoDataFrame) -> Style:
    from .maps.styles import KINDS

    kind = geometry_kind(gdf)
    field = _field(gdf, "sliver")
    if field is None:
        return _kind_style(gdf, "overlap")
    overlap = KINDS["overlap"][1]
    # as the pre-review map draws them: real overlaps purple, slivers yellow
    cats = [("压占", "压占永久基本农田", _mpl_layers(kind, overlap)),
            ("碎片", "细碎重叠（不超过容差）",
             _mpl_layers(kind, dict(overlap, facecolor=(1.0, 0.85, 0.0, 0.9),
                                    edgecolor=(0.6, 0.45, 0.0))))]
    # a GeoPackage boolean reads back as a bool or a 0/1 integer depending on the reader: the
    # renderer categorises an expression true for both, not the raw value
    expr = f"CASE WHEN \"{field}\" THEN '碎片' ELSE '压占' END"
    return Style(categorized_qml(expr, cats, kind, aliases=_aliases(gdf)), "压占永久基本农田图斑",
                 "xigeo 叠加分析: 压占 紫色, 细碎重叠 黄色")


def _farmland_parcels(gdf: gpd.GeoDataFrame) -> Style:
    from .farmland import VERDICTS
    from .maps.styles import KINDS

    kind = geometry_kind(gdf)
    field = _field(gdf, "verdict")
    if field is None:
        return _kind_style(gdf, "parcels")
    parcels = KINDS["parcels"][1]
    fills = {"clear": ((0.2, 0.6, 0.2, 0.15), (0.1, 0.45, 0.1)),
             "slivers only": ((1.0, 0.75, 0.0, 0.3), (0.75, 0.5, 0.0)),
             "touches": (parcels["facecolor"][:3] + (0.45,), parcels["edgecolor"])}
    cats = [(v, VERDICTS[v], _mpl_layers(kind, dict(parcels, facecolor=f, edgecolor=e)))
            for v, (f, e) in fills.items()]
    return Style(categorized_qml(field, cats, kind, aliases=_aliases(gdf)), "地块占用农田结论",
                 "xigeo 叠加分析: 占用 红色, 仅碎片 橙色, 不占用 绿色")


def _changes(gdf: gpd.GeoDataFrame) -> Style:
    field = _field(gdf, "after_DLBM")
    if field is None:
        return style_for(gdf, "auto") or _kind_style(gdf, "outline")
    style = landuse_style(gdf, field, title="变化图斑（变更后地类）")
    return dataclasses.replace(style, description="xigeo 变更调查: 变化图斑按变更后地类着色（三调色彩）")


def check_style(style: object) -> None:
    """Refuse a ``style=`` that is none of the accepted forms (before anything is written)."""
    from .maps.styles import KINDS

    if style is None or style is False or isinstance(style, Style):
        return
    if isinstance(style, str) and (style == "auto" or style in RESULT_STYLES or style in KINDS):
        return
    raise OptionError(msg(f"style={style!r}：请用 'auto'、None、{', '.join(STYLE_NAMES)} 之一，"
                          "或 xigeo._gpkg_styles.Style",
                          f"style={style!r}: use 'auto', None, one of {', '.join(STYLE_NAMES)}, "
                          "or a xigeo._gpkg_styles.Style"))


def style_for(gdf: gpd.GeoDataFrame, style: object = "auto") -> Style | None:
    """The style to store with ``gdf`` (None: no style row).

    ``"auto"``: land use when the layer has a DLBM field, else None. A name of
    :data:`STYLE_NAMES`, or a :class:`Style` as it is.
    """
    check_style(style)
    if style is None or style is False:
        return None
    if isinstance(style, Style):
        return style
    if style == "auto":
        return landuse_style(gdf) if _field(gdf, "DLBM") is not None else None
    if style == "landuse":
        return landuse_style(gdf)
    if style == "farmland_pieces":
        return _farmland_pieces(gdf)
    if style == "farmland_parcels":
        return _farmland_parcels(gdf)
    if style == "changes":
        return _changes(gdf)
    return _kind_style(gdf, str(style))


def _names() -> tuple[str, ...]:
    from .maps.styles import KINDS

    return RESULT_STYLES + tuple(k for k in KINDS if k not in RESULT_STYLES)


STYLE_NAMES = _names()


# ----------------------------------------------------------------------------- the GeoPackage

def add_styles(path: str | os.PathLike[str], styles: dict[str, Style]) -> None:
    """Store ``styles`` ({layer name: Style}) in the GeoPackage ``path`` as each layer's default.

    A layer's earlier rows stay but are no longer its default; a row of the same
    style name is replaced.
    """
    con = sqlite3.connect(os.fspath(path))
    try:
        with con:
            geom = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
            con.execute(_STYLES_DDL)
            for table, style in styles.items():
                con.execute("UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ?", (table,))
                con.execute("DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                            (table, style.name))
                con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                            "description, owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '')",
                            (table, geom.get(table, "geom"), style.name, style.qml, style.description))
            con.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
                        "description, last_change) VALUES ('layer_styles', 'attributes', "
                        "'layer_styles', '', strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
    finally:
        con.close()


def read_styles(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The ``layer_styles`` rows of a GeoPackage (empty when it has none).

    Columns f_table_name, f_geometry_column, styleName, useAsDefault, description, styleQML.
    The file is opened read-only.
    """
    con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        known = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        cols = ["f_table_name", "f_geometry_column", "styleName", "useAsDefault", "description",
                "styleQML"]
        if "layer_styles" not in known:
            return pd.DataFrame(columns=cols)
        return pd.read_sql_query(f"SELECT {', '.join(cols)} FROM layer_styles ORDER BY id", con)
    finally:
        con.close()



def store_style(staged: Path, layer: str, gdf: gpd.GeoDataFrame, style: object, *,
                shown: Path | None = None) -> bool:
    """Store ``gdf``'s style for ``layer`` in the GeoPackage ``staged``; True if a row was written.

    Used by :func:`xigeo.io.write_layer` on the staged file before it is moved into
    place. A style that cannot be made or stored never fails the write: a
    :class:`~xigeo.errors.XigeoWarning` (one line, naming ``shown``) says so.
    """
    import warnings

    from .errors import XigeoWarning

    try:
        made = style_for(gdf, style)
        if made is None:
            return False
        add_styles(staged, {layer: made})
        return True
    except OptionError:
        raise
    except Exception as err:  # the data is written either way; QGIS then draws it unstyled
        warnings.warn(msg(f"{shown or staged}：图层 {layer!r} 已写出，但没有 QGIS 样式"
                          f"（{type(err).__name__}: {err}）",
                          f"{shown or staged}: the layer {layer!r} was written without a QGIS style "
                          f"({type(err).__name__}: {err})"), XigeoWarning, stacklevel=4)
        return False
