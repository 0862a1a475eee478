"""What every calculator does to a layer before it computes: one implementation each.

- :func:`layer_name` / :func:`describe`: how a layer is named in a message
  (the file it was read from, else its role: ``farmland``, ``pits``);
- :func:`as_frame`: a GeoSeries becomes a GeoDataFrame, anything else is refused;
- :func:`check_ids`: every row has an id (and, by default, a unique one);
- :func:`geometries`: the geometry array, missing and empty rows refused;
- :func:`numeric_field`: a numeric attribute, text that is not a number refused;
- :func:`polygonal_part`: only the polygons of an overlay's results;
- :func:`unmeasured` / :func:`measured_note`: the rows without a polygonal
  area, counted and named in every summary that totals areas;
- :func:`require_features`: an empty layer is refused (it is never a pass);
- :func:`thread_count`: how many threads a compiled kernel may use.

Nothing here knows land administration; the calculators above it do.

>>> import geopandas as gpd
>>> from shapely import box
>>> layer = gpd.GeoDataFrame({"TZJE": ["12.5", "abc"]}, geometry=[box(0, 0, 1, 1), None])
>>> describe(layer, "projects")
'projects'
>>> from xigeo import using_language
>>> with using_language("en"):
...     numeric_field(layer, "TZJE", "projects")
Traceback (most recent call last):
...
xigeo.errors.ValidationError: projects: TZJE is not a number in row(s) 1
>>> with using_language("en"):
...     geometries(layer, "projects")
Traceback (most recent call last):
...
xigeo.errors.ValidationError: projects: no geometry (missing or empty) in row(s) 1
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ._lang import msg
from .errors import ValidationError, format_ids

__all__ = ["layer_name", "describe", "as_frame", "check_ids", "geometries", "numeric_field",
           "polygonal_part", "unmeasured", "measured_note", "require_features", "thread_count"]

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7


def layer_name(data: Any, name: str | None = None) -> str:
    """Name of a layer for messages: ``name``, else the file it was read from, else "layer"."""
    if name:
        return name
    attrs = getattr(data, "attrs", None) or {}
    return str(attrs.get("source", "layer"))


def describe(layer: Any, default: str) -> str:
    """The layer's source file (``attrs["source"]``, set by read_layer), else its role ``default``."""
    name = layer_name(layer)
    return default if name == "layer" else name


def as_frame(layer: Any, label: str) -> Any:
    """``layer`` as a GeoDataFrame (a GeoSeries is wrapped); TypeError for anything else."""
    import geopandas as gpd

    if isinstance(layer, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=layer)
        frame.attrs.update(layer.attrs)
        return frame
    if not isinstance(layer, gpd.GeoDataFrame):
        raise TypeError(msg(f"{label}：需要 GeoDataFrame 或 GeoSeries，收到的是 {type(layer).__name__}",
                            f"{label}: need a GeoDataFrame or GeoSeries, got {type(layer).__name__}"))
    return layer


def check_ids(index: pd.Index, label: str, *, unique: bool = True, what: str | None = None,
              fix: str | None = None, field: str | None = None) -> None:
    """Refuse rows without an id and, with ``unique``, ids used twice.

    ``what``: what the ids are (default "编号" / "id"); ``fix``: the fix a missing id
    needs (default: give every row an id, ``gdf.set_index('BSM')``); both in the
    current language. ``field``: the column the ids were taken from (the message then
    names it instead of "index value").
    """
    if what is None or what == "id":  # "id", the default of callers too, is 编号 in Chinese
        what = msg("编号", "id")
    if fix is None:
        fix = msg("给每行一个编号，如 gdf.set_index('BSM')", "give every row an id, e.g. gdf.set_index('BSM')")
    # a space between Chinese and a Latin name ("没有 BSM", "BSM 重复"), none before Chinese
    before, after = (" ", " ") if what.isascii() else ("", "")
    missing = np.asarray(pd.isna(index))
    if missing.any():
        rows = np.flatnonzero(missing).tolist()
        where = msg(f"缺少 {field}" if field else "缺少索引值",
                    f"missing {field}" if field else "missing index value")
        raise ValidationError(msg(
            f"{label}：{int(missing.sum())} 行没有{before}{what}（{where}），位置：{format_ids(rows)}。"
            f"解决：{fix}",
            f"{label}: {int(missing.sum())} rows have no {what} ({where}) at positions "
            f"{format_ids(rows)}. Fix: {fix}"), rows)
    if unique:
        dup = index.duplicated(keep=False)
        if dup.any():
            ids = sorted(set(map(str, index[dup])))
            raise ValidationError(msg(f"{label}：{what}{after}重复：{format_ids(ids)}",
                                      f"{label}: {what}(s) used twice: {format_ids(ids)}"),
                                  list(index[dup]))


def geometries(layer: Any, label: str) -> np.ndarray:
    """The layer's geometries as an array; an empty layer, missing or empty geometries are refused."""
    from ._tables import check_rows

    require_features(layer, label)
    geoms = np.asarray(layer.geometry.values, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    check_rows(layer, bad, msg("无几何（缺失或为空）", "no geometry (missing or empty)"), name=label)
    return geoms


def numeric_field(layer: pd.DataFrame, column: str, label: str, *, required: bool = False,
                  non_negative: bool = False) -> pd.Series:
    """A numeric field as float64; text that is not a number is refused with the rows.

    ``required``: a missing value is refused too; ``non_negative``: so is a value < 0.
    """
    from ._tables import check_rows

    values = pd.to_numeric(layer[column], errors="coerce").astype("float64")
    check_rows(layer, values.isna() & layer[column].notna(),
               msg(f"{column} 不是数字", f"{column} is not a number"), name=label)
    if required:
        check_rows(layer, values.isna(), msg(f"{column} 缺失", f"{column} is missing"), name=label)
    if non_negative:
        check_rows(layer, values < 0, msg(f"{column} 为负数", f"{column} is negative"), name=label)
    return values


def polygonal_part(geoms: Any, *, empty: Any = None) -> np.ndarray:
    """The polygonal part of every geometry: Polygon/MultiPolygon kept, the rest ``empty``.

    GeometryCollections keep their polygons (one Polygon, or a MultiPolygon
    of several); lines, points and empty results become ``empty`` (None by
    default; pass ``shapely.Polygon()`` for an empty polygon). Missing
    geometries (None) stay None.

    >>> from shapely import GeometryCollection, LineString, box
    >>> out = polygonal_part(np.array([box(0, 0, 1, 1), LineString([(0, 0), (1, 0)]),
    ...     GeometryCollection([box(0, 0, 1, 1), LineString([(1, 1), (2, 2)])]), None]))
    >>> [g.geom_type if g is not None else None for g in out]
    ['Polygon', None, 'Polygon', None]
    >>> polygonal_part(np.array([LineString([(0, 0), (1, 0)])]), empty=shapely.Polygon())[0].wkt
    'POLYGON EMPTY'
    """
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    out = geoms.copy()
    other = ~np.isin(types, (_POLYGON, _MULTIPOLYGON, _COLLECTION)) & (types >= 0)
    out[other] = empty
    out[np.isin(types, (_POLYGON, _MULTIPOLYGON)) & shapely.is_empty(geoms)] = empty
    coll = np.flatnonzero(types == _COLLECTION)
    if coll.size:
        parts, owner = shapely.get_parts(geoms[coll], return_index=True)
        # nested multi-geometries inside a collection: explode until flat
        while parts.size:
            multi = np.isin(shapely.get_type_id(parts), (_MULTIPOLYGON, _COLLECTION))
            if not multi.any():
                break
            sub, sub_owner = shapely.get_parts(parts[multi], return_index=True)
            parts = np.concatenate([parts[~multi], sub])
            owner = np.concatenate([owner[~multi], owner[multi][sub_owner]])
        keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
        parts, owner = parts[keep], owner[keep]
        rebuilt = np.full(coll.size, empty, dtype=object)
        if owner.size:
            order = np.argsort(owner, kind="stable")
            parts, owner = parts[order], owner[order]
            uniq, start, count = np.unique(owner, return_index=True, return_counts=True)
            single = count == 1
            rebuilt[uniq[single]] = parts[start[single]]
            many = ~single
            if many.any():
                sel = np.isin(owner, uniq[many])
                _, dense = np.unique(owner[sel], return_inverse=True)
                rebuilt[uniq[many]] = shapely.multipolygons(parts[sel], indices=dense)
        out[coll] = rebuilt
    if empty is None:
        out[shapely.is_empty(out) & ~shapely.is_missing(out)] = None
    return out


#: why a row has no polygonal area: (key, Chinese, English), in the order notes list them
_UNMEASURED_KINDS = (
    ("none", "无几何", "no geometry"),
    ("empty", "几何为空", "an empty geometry"),
    ("not_polygon", "不是面（点或线）", "no polygon (a point or line)"),
)


def unmeasured(geoms: Any) -> dict[str, np.ndarray]:
    """Masks of the rows that have no polygonal area, by reason (``none``, ``empty``, ``not_polygon``).

    >>> from shapely import LineString, box
    >>> {k: m.tolist() for k, m in unmeasured(np.array([box(0, 0, 1, 1), None, shapely.Polygon(),
    ...     LineString([(0, 0), (1, 0)])])).items()}
    {'none': [False, True, False, False], 'empty': [False, False, True, False], 'not_polygon': [False, False, False, True]}
    """
    geoms = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    none = shapely.is_missing(geoms)
    empty = ~none & shapely.is_empty(geoms)
    part = polygonal_part(geoms)
    not_polygon = ~none & ~empty & shapely.is_missing(part)
    return {"none": none, "empty": empty, "not_polygon": not_polygon}


def measured_note(index: Any, geoms: Any, *, lang: str | None = None) -> str:
    """"24 of 25 features measured; row 7 has no geometry" ("zh" or "en"; default the current
    language, see :mod:`xigeo._lang`); "" when all are.

    Rows are named by their index value (the id a table shows).

    >>> from shapely import box
    >>> geoms = np.array([box(0, 0, 1, 1), None, box(0, 0, 2, 2)])
    >>> measured_note(pd.RangeIndex(3), geoms)
    '3 个要素中 2 个已量算；第 1 行无几何'
    >>> measured_note(pd.Index(["a", "b", "c"]), geoms, lang="en")
    '2 of 3 features measured; row b has no geometry'
    >>> measured_note(pd.RangeIndex(1), geoms[:1])
    ''
    """
    if lang is None:
        from ._lang import language

        lang = language()
    masks = unmeasured(geoms)
    index = pd.Index(index)
    n = len(index)
    bad = sum(int(m.sum()) for m in masks.values())
    if not bad:
        return ""
    parts = []
    for key, zh, en in _UNMEASURED_KINDS:
        rows = index[masks[key]]
        if len(rows) == 0:
            continue
        ids = format_ids(rows.tolist())
        if lang == "zh":
            parts.append(f"第 {ids} 行{zh}")
        else:
            parts.append(f"row{'s' * (len(rows) > 1)} {ids} {'have' if len(rows) > 1 else 'has'} {en}")
    if lang == "zh":
        return f"{n} 个要素中 {n - bad} 个已量算；" + "；".join(parts)
    return f"{n - bad} of {n} features measured; " + "; ".join(parts)


def require_features(layer: Any, label: str, what: str | None = None) -> None:
    """Refuse an empty layer: a check on nothing is never a pass.

    ``what``: what the features are, in the current language (default "要素" / "features").

    >>> require_features(pd.DataFrame({"a": []}), "jbnt.shp", "永久基本农田图斑")
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: jbnt.shp 没有要素（0 个永久基本农田图斑）：空图层永远不算通过。解决：检查给出的文件和图层是否正确
    >>> from xigeo import using_language
    >>> with using_language("en"):
    ...     require_features(pd.DataFrame({"a": []}), "jbnt.shp", "farmland patches")
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: jbnt.shp has no features (0 farmland patches): an empty layer is never a pass. Fix: check that the right file and layer were given
    """
    if len(layer) == 0:
        if what is None:
            what = msg("要素", "features")
        space = " " if what[:1].isascii() else ""  # "0 个 parcels", "0 个图斑"
        raise ValidationError(msg(
            f"{label} 没有要素（0 个{space}{what}）：空图层永远不算通过。解决：检查给出的文件和图层是否正确",
            f"{label} has no features (0 {what}): an empty layer is never a pass. Fix: check that "
            "the right file and layer were given"), [])


def thread_count(work: int, per_thread: int) -> int:
    """Threads for a compiled kernel: one per CPU this process may use, at least ``per_thread`` items each."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, work // max(per_thread, 1)))
