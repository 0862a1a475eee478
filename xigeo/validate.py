"""Check a polygon layer before any figure is computed from it, and repair it openly.

:func:`validate_layer` looks at the whole layer in one pass — missing and
empty geometries, non-polygons, invalid polygons (with GEOS's reason),
duplicate ids, missing fields, CRS problems — and raises one
:class:`~xigeo.errors.ValidationError` listing every problem with the ids
(index values) of the rows concerned. :func:`repair` fixes invalid polygons
with :func:`shapely.make_valid` and returns a report of what changed, with
the areas before and after.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Polygon, box
>>> bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
>>> parcels = gpd.GeoDataFrame(
...     {"DLBM": ["0101", "0702", "0103"]},
...     geometry=[box(38_569_600, 3_579_800, 38_569_700, 3_579_900), bowtie, None],
...     index=["XJ-01", "XJ-02", "XJ-03"], crs=4526)
>>> for p in validate_layer(parcels, strict=False, name="parcels"):
...     print(p.kind, list(p.rows))
null_geometry ['XJ-03']
invalid_geometry ['XJ-02']
crs []
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._lang import language, msg
from ._layers import polygonal_part
from .crs import check_crs, layer_name
from .errors import CRSError, ValidationError, format_ids

__all__ = ["Problem", "validate_layer", "repair"]

log = logging.getLogger(__name__)

_POLYGONAL = np.array([shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
               5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


@dataclasses.dataclass(frozen=True)
class Problem:
    """One kind of problem found in a layer, with the ids of the rows that have it.

    ``kind`` is one of ``"no_geometry"``, ``"null_geometry"``,
    ``"empty_geometry"``, ``"not_polygon"``, ``"invalid_geometry"``,
    ``"duplicate_id"``, ``"missing_fields"``, ``"crs"``, ``"empty_layer"``, ``"missing_id"``. ``rows`` holds index
    values (empty for layer-wide problems).
    """

    kind: str
    message: str
    rows: tuple[Any, ...] = ()

    def __str__(self) -> str:
        return self.message


def _geoms(data: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    return np.asarray(data.geometry.values, dtype=object)


def validate_layer(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, required: Iterable[str] = (),
                   strict: bool = True, name: str | None = None,
                   id_field: str | Iterable[str] | None = None) -> list[Problem]:
    """Collect every problem of a polygon layer; raise them all at once.

    Checks, each on the whole layer at once (shapely array functions):
    missing geometry (None), empty geometry, geometry that is not a
    Polygon/MultiPolygon, invalid polygons (with :func:`shapely.is_valid_reason`),
    an empty layer (never valid), duplicate index values (the parcel ids)
    and duplicate or missing values of the ``id_field`` fields, required
    fields that are missing, and the CRS (:func:`xigeo.crs.check_crs`: missing, wrong zone
    prefix, coordinates outside the CRS).

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
    required : iterable of str
        Field names the layer must have (e.g. ``("DLBM", "TBMJ")``).
    strict : bool
        True (default): raise :class:`~xigeo.errors.ValidationError` if anything
        is wrong. False: return the problems (an empty list means valid).
    name : str, optional
        Layer name for messages; default: the file it was read from.
    id_field : str or iterable of str, optional
        Field(s) holding ids that must be filled in and unique (e.g.
        ``"JXQBH"``, ``"DKBH"``); the ids used twice are listed. The index
        is always checked.

    Returns
    -------
    list of Problem
        Empty when the layer is valid.

    Raises
    ------
    ValidationError
        With ``strict=True``, listing every problem; ``.problems`` holds them.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, Polygon, box
    >>> good = box(38_569_600, 3_579_800, 38_569_700, 3_579_900)
    >>> layer = gpd.GeoDataFrame({"DLBM": ["0101", "0702"]}, geometry=[good, good], crs=4526)
    >>> validate_layer(layer, required=["DLBM"])
    []
    >>> bad = gpd.GeoDataFrame(
    ...     {"DLBM": ["0101", "0702", "0103"]},
    ...     geometry=[good, Point(38_569_600, 3_579_800), Polygon()], index=[7, 7, 9], crs=4526)
    >>> validate_layer(bad, required=["DLBM", "TBMJ"], name="dltb")
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: dltb：4 个问题：
      - 1 个空几何：行号：9
      - 1 个几何不是面：行号：7（Point）
      - 2 行编号（索引值）重复：7
      - 缺少字段：TBMJ（图层现有字段：DLBM）
    >>> from xigeo import using_language
    >>> with using_language("en"):
    ...     validate_layer(bad, required=["DLBM", "TBMJ"], name="dltb")
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: dltb: 4 problems:
      - 1 empty geometry: rows 9
      - 1 geometry that is not a polygon: rows 7 (Point)
      - 2 rows share an id (index value): 7
      - missing fields: TBMJ (the layer has: DLBM)
    """
    label = layer_name(gdf, name)
    problems: list[Problem] = []
    if not isinstance(gdf, (gpd.GeoDataFrame, gpd.GeoSeries)):
        kind = type(gdf).__name__
        raise TypeError(msg(f"validate_layer 需要 GeoDataFrame 或 GeoSeries，而不是 {kind}",
                            f"validate_layer needs a GeoDataFrame or GeoSeries, got {kind}"))
    if len(gdf) == 0:
        problems.append(Problem("empty_layer", msg(
            f"{label} 没有要素：空图层不能通过检查（请检查文件和图层）",
            f"{label} has no features: an empty layer is never valid (check the file and layer)")))
    has_geometry = _has_geometry(gdf)
    if not has_geometry:
        problems.append(Problem("no_geometry", msg(f"{label} 没有几何列",
                                                   f"{label} has no geometry column")))
    else:
        problems.extend(_geometry_problems(gdf))
    problems.extend(_id_problems(gdf.index))
    id_fields = [] if id_field is None else [id_field] if isinstance(id_field, str) else list(id_field)
    required = [required] if isinstance(required, str) else list(required)
    missing = _missing_fields(gdf, [*required, *(f for f in id_fields if f not in required)])
    for field in id_fields:
        if isinstance(gdf, gpd.GeoDataFrame) and field in gdf.columns:
            problems.extend(_field_id_problems(gdf, field))
    if missing is not None:
        problems.append(missing)
    if has_geometry:
        try:
            check_crs(gdf, name=label)
        except CRSError as err:
            problems.append(Problem("crs", str(err)))
    if problems and strict:
        lines = "\n".join(f"  - {p.message}" for p in problems)
        n = len(problems)
        raise ValidationError(msg(f"{label}：{n} 个问题：\n{lines}",
                                  f"{label}: {n} problem{'s' * (n > 1)}:\n{lines}"), problems)
    return problems


def _has_geometry(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> bool:
    if isinstance(gdf, gpd.GeoSeries):
        return True
    try:
        gdf.geometry
    except AttributeError:  # a GeoDataFrame without an active geometry column
        return False
    return True


def _rows(index: pd.Index, mask: np.ndarray) -> tuple[Any, ...]:
    return tuple(index[mask].tolist())


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word.replace('geometry', 'geometries')}"


def _geometry_problems(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> list[Problem]:
    index = gdf.index
    geoms = _geoms(gdf)
    problems = []
    null = shapely.is_missing(geoms)
    if null.any():
        n, ids = int(null.sum()), format_ids(index[null])
        problems.append(Problem(
            "null_geometry",
            msg(f"{n} 个几何缺失（None）：行号：{ids}",
                f"{_count(n, 'missing geometry')} (None): rows {ids}"),
            _rows(index, null)))
    empty = ~null & shapely.is_empty(geoms)
    if empty.any():
        n, ids = int(empty.sum()), format_ids(index[empty])
        problems.append(Problem(
            "empty_geometry",
            msg(f"{n} 个空几何：行号：{ids}", f"{_count(n, 'empty geometry')}: rows {ids}"),
            _rows(index, empty)))
    present = ~null & ~empty
    type_ids = shapely.get_type_id(geoms)
    other = present & ~np.isin(type_ids, _POLYGONAL)
    if other.any():
        kinds = ", ".join(_TYPE_NAMES[t] for t in np.unique(type_ids[other]))
        n, ids = int(other.sum()), format_ids(index[other])
        problems.append(Problem(
            "not_polygon",
            msg(f"{n} 个几何不是面：行号：{ids}（{kinds}）",
                f"{_count(n, 'geometry')} that {'is' if n == 1 else 'are'} "
                f"not a polygon: rows {ids} ({kinds})"),
            _rows(index, other)))
    polygonal = present & ~other
    # a compiled exact test settles most simple polygons; GEOS judges the rest
    from ._predicates import certainly_valid  # numba: loaded on the first layer validated

    ask = np.flatnonzero(polygonal & ~certainly_valid(geoms))
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[ask] = ~shapely.is_valid(geoms[ask])
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        ids = index[invalid]
        shown = "; ".join(f"{i}: {r}" for i, r in zip(ids[:20], reasons[:20]))
        more = msg(f"；…（另有 {len(ids) - 20} 个）", f"; … ({len(ids) - 20} more)") if len(ids) > 20 else ""
        n = int(invalid.sum())
        problems.append(Problem(
            "invalid_geometry",
            msg(f"{n} 个无效面：{shown}{more}。解决：xigeo.repair(gdf)，它会报告修改了什么",
                f"{_count(n, 'invalid polygon')}: {shown}{more}. "
                "Fix: xigeo.repair(gdf), which reports what it changes"),
            _rows(index, invalid)))
    return problems


def _id_problems(index: pd.Index) -> list[Problem]:
    dup = index.duplicated(keep=False)
    if not dup.any():
        return []
    ids = index[dup].unique().tolist()
    n, shown = int(dup.sum()), format_ids(ids)
    return [Problem(
        "duplicate_id",
        msg(f"{n} 行编号（索引值）重复：{shown}", f"{n} rows share an id (index value): {shown}"),
        tuple(ids))]


def _field_id_problems(gdf: gpd.GeoDataFrame, field: str) -> list[Problem]:
    """Ids of ``field`` that are missing (blank) or used twice, named by their value and rows."""
    values = gdf[field]
    text = values.astype("string").str.strip()
    blank = (values.isna() | (text == "")).to_numpy(dtype=bool)
    out = []
    if blank.any():
        n, ids = int(blank.sum()), format_ids(gdf.index[blank])
        out.append(Problem("missing_id", msg(f"{n} 行没有 {field}：行号：{ids}",
                                             f"{n} rows have no {field}: rows {ids}"),
                           _rows(gdf.index, blank)))
    dup = ~blank & text.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        groups: dict[str, list[Any]] = {}
        for value, row in zip(text[dup], gdf.index[dup]):
            groups.setdefault(value, []).append(row)
        shown = msg("；", "; ").join(msg(f"{v}（行号：{format_ids(r)}）", f"{v} (rows {format_ids(r)})")
                                    for v, r in list(groups.items())[:20])
        more = (msg(f"；…（另有 {len(groups) - 20} 个）", f"; … ({len(groups) - 20} more)")
                if len(groups) > 20 else "")
        n = int(dup.sum())
        out.append(Problem("duplicate_id", msg(f"{n} 行的 {field} 重复：{shown}{more}",
                                               f"{n} rows share a {field}: {shown}{more}"),
                           tuple(groups)))
    return out


def _missing_fields(gdf: gpd.GeoDataFrame | gpd.GeoSeries, required: Iterable[str]) -> Problem | None:
    required = [required] if isinstance(required, str) else list(required)
    columns = list(gdf.columns) if isinstance(gdf, gpd.GeoDataFrame) else []
    missing = [f for f in required if f not in columns]
    if not missing:
        return None
    geom = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    have = ", ".join(str(c) for c in columns if c != geom)
    names = ", ".join(missing)
    return Problem("missing_fields",
                   msg(f"缺少字段：{names}（图层现有字段：{have or '无'}）",
                       f"missing fields: {names} (the layer has: {have or 'no fields'})"))


# ---------------------------------------------------------------------------
# repair
# ---------------------------------------------------------------------------


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygons of each geometry; an empty Polygon where none is left."""
    return polygonal_part(geoms, empty=shapely.Polygon())


def _describe(geoms: np.ndarray) -> list[str]:
    empty = shapely.is_empty(geoms)
    n_parts = shapely.get_num_geometries(geoms)
    types = shapely.get_type_id(geoms)
    texts = np.where(
        empty, "collapsed: no area left, geometry is now empty",
        np.where(types == shapely.GeometryType.MULTIPOLYGON,
                 np.char.add(np.char.add("MultiPolygon of ", n_parts.astype(str)), " parts"),
                 "Polygon"))
    return texts.tolist()


def repair(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> tuple[gpd.GeoDataFrame | gpd.GeoSeries, pd.DataFrame]:
    """Make invalid polygons valid, and say exactly what changed.

    Each invalid (Multi)Polygon goes through ``shapely.make_valid(...,
    method="structure", keep_collapsed=False)``; only the polygonal part of
    the result is kept, and a polygon that collapses to a line or point
    becomes an empty Polygon (the report says so). Valid rows, missing and
    empty geometries are left untouched.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        With a CRS: the report's areas are survey ellipsoidal areas computed
        with :func:`xigeo.area.area` in that CRS.

    Returns
    -------
    repaired : GeoDataFrame or GeoSeries
        A copy of ``gdf`` with the invalid geometries replaced.
    report : DataFrame
        Indexed by the ids of the repaired rows, columns ``reason`` (GEOS's
        reason it was invalid), ``area_before_m2`` (of the invalid polygon as
        stored: rings that cross cancel out), ``area_after_m2``,
        ``change_m2`` (after − before) and ``result``. Empty when nothing was
        invalid.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Polygon, box
    >>> x0, y0 = 38_569_600, 3_579_800
    >>> bowtie = Polygon([(x0, y0), (x0 + 30, y0 + 30), (x0 + 30, y0), (x0, y0 + 10)])
    >>> layer = gpd.GeoDataFrame({"TBBH": ["1", "2"]},
    ...                          geometry=[box(x0, y0, x0 + 10, y0 + 10), bowtie], crs=4526)
    >>> fixed, report = repair(layer)
    >>> report.loc[1, "reason"], report.loc[1, "result"]
    ('Self-intersection[38569607.5 3579807.5]', 'MultiPolygon of 2 parts')
    >>> report.loc[1, ["area_before_m2", "area_after_m2", "change_m2"]].tolist()
    [299.96, 374.95, 74.99]
    >>> fixed.geometry[0].equals(layer.geometry[0]), bool(fixed.geometry.is_valid.all())
    (True, True)
    """
    from .area import area as _area, area_as_stored_m2

    label = layer_name(gdf)
    geoms = _geoms(gdf)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    polygonal = present & np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    invalid = polygonal & ~shapely.is_valid(geoms)
    columns = ["reason", "area_before_m2", "area_after_m2", "change_m2", "result"]
    if not invalid.any():
        log.info(msg("%s：没有无效面，未作修复", "%s: no invalid polygon, nothing repaired"), label)
        report = pd.DataFrame(columns=columns, index=gdf.index[:0])
        return gdf.copy(), report.astype({c: float for c in columns[1:4]})
    before = geoms[invalid]
    made = shapely.make_valid(before, method="structure", keep_collapsed=False)
    after = _polygonal_part(made)
    crs = gdf.crs
    ids = gdf.index[invalid]
    area_before = pd.Series(area_as_stored_m2(gpd.GeoSeries(before, index=ids, crs=crs), label=label),
                            index=ids)
    area_after = _area(gpd.GeoSeries(after, index=ids, crs=crs), method="ellipsoidal", unit="m2")
    report = pd.DataFrame({
        "reason": shapely.is_valid_reason(before),
        "area_before_m2": area_before.to_numpy(dtype=float),
        "area_after_m2": area_after.to_numpy(dtype=float),
    }, index=ids)
    # areas are reported to 0.01 m² (TD/T 1055); keep the difference on that grid too
    report["change_m2"] = (report["area_after_m2"] - report["area_before_m2"]).round(2)
    report["result"] = _describe(after)
    new_geoms = geoms.copy()
    new_geoms[invalid] = after
    repaired = gdf.copy()
    series = gpd.GeoSeries(new_geoms, index=gdf.index, crs=crs)
    if isinstance(repaired, gpd.GeoDataFrame):
        repaired[repaired.geometry.name] = series
    else:
        repaired = series.rename(gdf.name)
    collapsed = int(shapely.is_empty(after).sum())
    if language() == "en":
        log.info("%s: repaired %d invalid polygon%s (%d collapsed to empty); rows %s",
                 label, len(ids), "s" * (len(ids) != 1), collapsed, format_ids(ids))
    else:
        log.info("%s：修复了 %d 个无效面（其中 %d 个退化为空）；行号：%s",
                 label, len(ids), collapsed, format_ids(ids))
    return repaired, report


def checked_polygons(layer: Any, label: str, *, empty_ok: bool = False) -> gpd.GeoDataFrame:
    """``layer`` as a GeoDataFrame whose every row is a valid polygon with an id; raise otherwise.

    Package-internal: what a calculator does to a polygon layer before it
    measures anything (a GeoSeries is wrapped; an empty layer unless
    ``empty_ok``, rows without an id, then every problem :func:`validate_layer`
    finds, duplicate ids included, are refused).

    >>> from shapely import box
    >>> layer = gpd.GeoSeries([box(38_569_600, 3_579_800, 38_569_700, 3_579_900)], crs=4526)
    >>> type(checked_polygons(layer, "parcels")).__name__
    'GeoDataFrame'
    >>> checked_polygons(gpd.GeoDataFrame(geometry=[None], crs=4526), "parcels")
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: parcels：1 个问题：
      - 1 个几何缺失（None）：行号：0
    """
    from ._layers import as_frame, check_ids, require_features

    frame = as_frame(layer, label)
    if not empty_ok:
        require_features(frame, label)
    check_ids(frame.index, label, unique=False)  # duplicates: validate_layer lists them with the rest
    validate_layer(frame, name=label)
    return frame
