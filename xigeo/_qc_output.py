"""The quality-check findings as a GeoPackage that QGIS opens styled by severity.

QGIS keeps a layer's styles in a GeoPackage table ``layer_styles`` (the
columns QGIS itself creates when a style is saved "in the database") and
loads the row marked ``useAsDefault`` for the layer it opens. The table is
registered in ``gpkg_contents`` as an attributes table, as QGIS does, so
GDAL lists it too. The style is a QML document: a categorised renderer on
``severity`` (错误 red, 警告 orange) and Chinese field aliases.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["write_gpkg", "qml", "LAYERS", "COLOURS"]

#: the layers written: (name, geometry kind)
LAYERS = (("errors_point", "point"), ("errors_area", "polygon"))
#: severity → RGBA of the style
COLOURS = {"错误": "227,26,28,255", "警告": "255,140,0,255"}
_ALIASES = {"rule": "规则编号", "rule_name": "规则名称", "severity": "严重程度", "layer": "图层",
            "feature_id": "要素标识", "field": "字段", "value": "值", "expected": "应为",
            "area_m2": "面积(平方米)"}

_STYLES_DDL = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def _symbol(name: str, kind: str, colour: str) -> str:
    if kind == "point":
        layer = ("<layer class=\"SimpleMarker\" enabled=\"1\" pass=\"0\" locked=\"0\"><Option type=\"Map\">"
                 f"<Option type=\"QString\" name=\"color\" value=\"{colour}\"/>"
                 "<Option type=\"QString\" name=\"name\" value=\"circle\"/>"
                 "<Option type=\"QString\" name=\"size\" value=\"3\"/>"
                 "<Option type=\"QString\" name=\"outline_color\" value=\"35,35,35,255\"/>"
                 "</Option></layer>")
        stype = "marker"
    else:
        fill = colour.rsplit(",", 1)[0] + ",90"
        layer = ("<layer class=\"SimpleFill\" enabled=\"1\" pass=\"0\" locked=\"0\"><Option type=\"Map\">"
                 f"<Option type=\"QString\" name=\"color\" value=\"{fill}\"/>"
                 f"<Option type=\"QString\" name=\"outline_color\" value=\"{colour}\"/>"
                 "<Option type=\"QString\" name=\"outline_width\" value=\"0.6\"/>"
                 "<Option type=\"QString\" name=\"style\" value=\"solid\"/>"
                 "</Option></layer>")
        stype = "fill"
    return (f"<symbol type=\"{stype}\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" "
            f"force_rhr=\"0\">{layer}</symbol>")


def qml(kind: str) -> str:
    """The QGIS style (QML) of a findings layer of geometry ``kind`` ("point" or "polygon")."""
    cats = "".join(f"<category symbol=\"{k}\" value={quoteattr(s)} label={quoteattr(s)} render=\"true\"/>"
                   for k, s in enumerate(COLOURS))
    syms = "".join(_symbol(str(k), kind, c) for k, c in enumerate(COLOURS.values()))
    aliases = "".join(f"<alias field=\"{f}\" index=\"{k}\" name={quoteattr(a)}/>"
                      for k, (f, a) in enumerate(_ALIASES.items()))
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            "<qgis version=\"3.28.0\" styleCategories=\"Symbology|Fields\">"
            "<renderer-v2 type=\"categorizedSymbol\" attr=\"severity\" symbollevels=\"0\" "
            "enableorderby=\"0\" forceraster=\"0\">"
            f"<categories>{cats}</categories><symbols>{syms}</symbols></renderer-v2>"
            f"<aliases>{aliases}</aliases></qgis>")


def write_gpkg(errors: gpd.GeoDataFrame, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the findings (:attr:`xigeo.qc.SurveyCheck.errors`) as :data:`LAYERS`, with their styles."""
    import pyogrio

    from ._files import atomic_path

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        from .errors import LayerWriteError

        raise LayerWriteError(f"{path}: write the findings as a .gpkg file")
    geoms = np.asarray(errors.geometry.values, dtype=object)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    points = geoms.copy()
    need = ~shapely.is_missing(geoms) & ~np.isin(shapely.get_type_id(geoms), (0,))
    if need.any():
        points[need] = shapely.point_on_surface(geoms[need])
    area = errors[polygonal]
    area = area.set_geometry(gpd.GeoSeries(shapely.multipolygons(shapely.get_parts(geoms[polygonal]),
                                                                 indices=_part_owner(geoms[polygonal])),
                                           crs=errors.crs, index=area.index))
    with atomic_path(path, overwrite=overwrite) as tmp:
        for (name, kind), frame in zip(LAYERS, (errors.set_geometry(gpd.GeoSeries(
                points, crs=errors.crs, index=errors.index)), area)):
            pyogrio.write_dataframe(frame.reset_index(), tmp, layer=name, driver="GPKG",
                                    geometry_type="Point" if kind == "point" else "MultiPolygon",
                                    promote_to_multi=False)
        with sqlite3.connect(tmp) as db:
            db.execute(_STYLES_DDL)
            for name, kind in LAYERS:
                db.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                           "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                           "owner, ui) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', '')",
                           (name, f"{name} 按严重程度", qml(kind), "xigeo 质检: 错误 红色, 警告 橙色"))
            db.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
                       "description, last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                       "'', strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
        db.close()
    return path


def _part_owner(geoms: np.ndarray) -> np.ndarray:
    counts = shapely.get_num_geometries(geoms)
    return np.repeat(np.arange(len(geoms)), counts)
