"""The annual change survey (国土变更调查): what changed between two years of a survey layer.

:func:`survey_changes` compares the survey patches (DLTB) of one year with
the next and returns a :class:`SurveyChanges` (the result contract of
:mod:`xigeo._result`) with:

- ``pieces``: the overlay of the two years where the class (DLBM) or the
  ownership (ZLDWDM, QSDWDM) changed: before/after BSM, DLBM, DLMC, ZLDWDM,
  the piece's survey ellipsoidal area and its geometry;
- ``transitions``: the land-use transition table 地类变化流量表 (from class ×
  to class, ha): every row adds up to the first year's class total and
  every column to the second year's, as the official summary tables print
  them (:func:`xigeo.landuse_tables`; 田坎 1203 is Σ KCMJ, a class of its
  own), the rounding residues spread so that the printed figures add up;
- ``patches``: per patch of either year (keyed by BSM) what happened to it:
  unchanged, attributes changed, reshaped, split, merged, new or removed,
  with the patches of the other year its ground went to or came from;
- ``farmland_flow`` (耕地进出平衡) and ``occupation`` (耕地占补平衡) by
  township, with their balance;
- ``added`` and ``removed``: the increment package (增量包), the features the
  second year adds and those it retires (:meth:`SurveyChanges.write_increment`).

How it is fast: most patches do not change from one year to the next. A
patch with the same BSM, the same geometry (WKB bytes) and the same
attributes is settled by a vectorised comparison; one whose geometry is the
same but some attribute differs is one piece, the whole patch. Only the
rest (new, removed, reshaped patches and their neighbours) goes through the
overlay kernel (:func:`xigeo._overlay.measured_pieces`: the compiled
clipping of :mod:`xigeo._clip`, areas from the rings by the survey area
kernel), which gives the pieces ``geopandas.overlay`` gives.

How the flows are counted: a piece of ground belongs to a first-year patch
and a second-year patch. Its share of each patch (its ellipsoidal area over
the area of all the patch's pieces) pro-rates the patch's class area TBDLMJ
and its ridges KCMJ; the ridges go to 1203 田坎 in both years as far as both
have them (the rest of a changed ridge share flows to or from the class).
Rows of the flows then add up exactly to the first year's class totals;
the columns are brought to the second year's by iterative proportional
fitting (the two years' totals must agree: the same control area), and the
printed table is rounded with the rule of the summary tables
(:func:`xigeo.landuse_tables.round_tables`, :mod:`xigeo._apportion`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._lang import language, msg
from ._layers import describe
from ._options import choose, non_negative
from ._overlay import gc_paused, measured_pieces
from ._result import Result, TableSpec, Total, label_zh
from ._tables import TOTAL_LABEL
from .area import AreaMethod, area
from .crs import check_same_crs
from .errors import OptionError, SchemaError, ValidationError, fix, format_ids
from .landuse_tables import (_CODE_LENGTH, _RIDGE, _controlled, _read_patches, load_classification,
                             round_tables)
from .validate import validate_layer

__all__ = ["survey_changes", "SurveyChanges", "STATUSES", "ENGINES"]

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")
#: what happened to a patch, with its Chinese label
STATUSES: dict[str, str] = {
    "unchanged": "未变化", "attributes": "属性变化", "reshaped": "图形变化", "split": "分割",
    "merged": "合并", "new": "新增", "removed": "灭失"}
#: the fields whose change makes a piece a change piece: the class and the ownership
CHANGE_FIELDS = ("DLBM", "ZLDWDM", "QSDWDM")
_REQUIRED = ("DLBM", "ZLDWDM", "TBDLMJ", "KCMJ")
_M2_PER_HA = 10_000.0

_CLASSES = load_classification()
_CLASS_NAME = dict(zip(_CLASSES["code"], _CLASSES["name"]))
_TRANSITION_ZH = {f"{c}_ha": f"{n}({c})" for c, n in _CLASS_NAME.items()}
_TRANSITION_ZH.update({"name": "地类名称", "total_ha": "年初面积(公顷)"})

_ZH = {
    "before_BSM": "变更前标识码", "after_BSM": "变更后标识码", "before_DLBM": "变更前地类编码",
    "before_DLMC": "变更前地类名称", "after_DLBM": "变更后地类编码", "after_DLMC": "变更后地类名称",
    "before_ZLDWDM": "变更前坐落单位代码", "after_ZLDWDM": "变更后坐落单位代码",
    "before_QSDWDM": "变更前权属单位代码", "after_QSDWDM": "变更后权属单位代码",
    "class_changed": "地类变化", "owner_changed": "权属变化", "sliver": "碎片",
    "area_m2": "椭球面积(平方米)", "area_ha": "椭球面积(公顷)",
    "in_before": "变更前存在", "in_after": "变更后存在", "status": "变化类型",
    "n_to": "去向图斑数", "n_from": "来源图斑数", "lineage": "对应图斑标识码",
    "township": "乡镇代码", "out_ha": "耕地流出为其他农用地(公顷)",
    "in_ha": "其他农用地流入耕地(公顷)", "balance_ha": "平衡(公顷)",
    "occupied_ha": "建设占用耕地(公顷)", "supplemented_ha": "补充耕地(公顷)",
}


@dataclasses.dataclass(frozen=True, repr=False)
class SurveyChanges(Result):
    """Result of :func:`survey_changes` (the result contract: :mod:`xigeo._result`).

    Attributes
    ----------
    transitions : DataFrame
        地类变化流量表, printed figures (ha, rounded so that they add up): one
        row per first-year class (index ``code``), ``name``, one column
        ``{code}_ha`` per second-year class and ``total_ha`` (the first
        year's class total); ``table("transitions", total=True)`` adds the
        合计 row: the second year's class totals. ``transitions_m2`` holds
        the unrounded flows (m², same layout without the names).
    patches : DataFrame
        One row per BSM of either year: ``in_before``, ``in_after``,
        ``status`` (:data:`STATUSES`), ``before_DLBM``, ``after_DLBM``,
        ``n_to`` / ``n_from`` (patches of the other year its ground went to
        / came from, slivers not counted) and ``lineage`` (their BSMs).
    pieces : GeoDataFrame
        The change pieces (class or ownership changed): before/after BSM,
        DLBM, DLMC, ZLDWDM, QSDWDM, ``class_changed``, ``owner_changed``,
        ``area_m2``, ``area_ha``, ``sliver`` and the geometry.
    slivers : DataFrame
        Every overlay piece not larger than ``tolerance_m2`` (changed or not):
        counted and listed, never dropped (they are in the flows).
    farmland_flow : DataFrame
        耕地进出平衡 by township (ZLDWDM[:9] of the second year): ``out_ha``
        farmland turned into other agricultural land, ``in_ha`` other
        agricultural land turned into farmland, ``balance_ha = in − out``.
    occupation : DataFrame
        耕地占补平衡 by township: ``occupied_ha`` farmland taken by
        construction land, ``supplemented_ha`` farmland newly added from
        construction or unused land (reclamation, development),
        ``balance_ha = supplemented − occupied``.
    added, removed : GeoDataFrame
        The increment package: second-year features that are new or changed,
        first-year features that are retired or changed (all attributes).
    """

    TITLE = ("国土变更调查", "Annual change survey")
    TABLES = {
        "transitions": TableSpec("地类变化流量表", "Land-use transitions", _TRANSITION_ZH,
                                 index_name_zh="地类编码", total=Total(label="年末面积")),
        "farmland_flow": TableSpec("耕地进出平衡表", "Farmland in and out", _ZH,
                                   index_name_zh="乡镇代码", total=Total()),
        "occupation": TableSpec("耕地占补平衡表", "Farmland occupied and supplemented", _ZH,
                                index_name_zh="乡镇代码", total=Total()),
        "patches": TableSpec("图斑变化情况表", "Patches", _ZH,
                             values_zh={"status": STATUSES}, index_name_zh="标识码"),
        "pieces": TableSpec("变化图斑明细表", "Change pieces", _ZH,
                            total=Total(sum_columns=("area_m2", "area_ha"))),
        "slivers": TableSpec("碎片图斑表", "Slivers", _ZH),
    }

    transitions: pd.DataFrame
    farmland_flow: pd.DataFrame
    occupation: pd.DataFrame
    patches: pd.DataFrame
    pieces: gpd.GeoDataFrame
    slivers: pd.DataFrame
    added: gpd.GeoDataFrame
    removed: gpd.GeoDataFrame
    transitions_m2: pd.DataFrame
    tolerance_m2: float
    id_field: str = "BSM"
    before_name: str = "before"
    after_name: str = "after"

    @property
    def increment(self) -> dict[str, gpd.GeoDataFrame]:
        """The increment package as layers: ``{"added": …, "removed": …}``."""
        return {"added": self.added, "removed": self.removed}

    def write_increment(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the layers ``pieces``, ``added`` and ``removed`` to one GeoPackage, atomically.

        Each layer carries a QGIS style in the file's ``layer_styles`` table (the
        pieces coloured by their new class ``after_DLBM``, the added and removed
        patches by DLBM, in the 三调 colours), so QGIS opens them styled.

        The file is built under a temporary name and renamed into place, so
        a failure leaves no half-written package (and an existing file is
        replaced only with ``overwrite=True``).
        """
        from ._files import atomic_path
        from .io import write_layer

        path = Path(path)
        if path.suffix.lower() != ".gpkg":
            raise OptionError(msg(f"{path}：增量包须写为 GeoPackage（.gpkg）",
                                  f"{path}: the increment package is written as a GeoPackage (.gpkg)"))
        with atomic_path(path, overwrite=overwrite) as tmp:
            # QGIS styles in the file: the change pieces by their new class, the added and
            # removed patches by their class (三调 colours; xigeo._gpkg_styles)
            for name, layer, style in (("pieces", self.pieces, "changes"),
                                       ("added", self.added, "auto"),
                                       ("removed", self.removed, "auto")):
                write_layer(_writable(layer), tmp, layer=name, style=style)
        return path

    def _summary(self, lang: str) -> str:
        return _summary_text(self, lang)


# ----------------------------------------------------------------------------- the function

def survey_changes(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, *, id_field: str = "BSM",
                   tolerance_m2: float = 10.0, engine: str = "local") -> SurveyChanges:
    """Compare two years of a survey layer: change pieces, transitions, patch fates, ledgers.

    Parameters
    ----------
    before, after : GeoDataFrame
        The survey patches (DLTB) of the two years, in the same projected
        CRS, each with ``id_field`` (BSM), DLBM (text), ZLDWDM (19 digits),
        TBDLMJ and KCMJ (m²); QSDWDM and DLMC are used when present. Both
        must cover the same ground (the same control area): a first-year
        patch whose ground the second year does not cover is refused.
    id_field : str
        The patch id (BSM): a patch keeping its id is the same patch.
    tolerance_m2 : float
        Sliver tolerance, m² (default 10): overlay pieces not larger than
        this are flagged, counted and listed (``slivers``), kept in the
        flows, and not counted when deciding that a patch was split or merged.
    engine : {"local", "dask"}
        ``local``: in this process. ``dask``: a province's layers county by
        county (ZLDWDM[:6]), each county in its own task on the active dask
        scheduler (a ``distributed`` Client if one runs); counties are
        independent (each county's table is rounded on its own, as the
        summary tables are), so the result is the local one. Needs
        ``pip install xigeo[dask]``.

    Returns
    -------
    SurveyChanges

    Raises
    ------
    SchemaError
        A required field is missing (all missing ones named).
    ValidationError
        Missing or repeated ids, bad codes or areas (every bad row named,
        as :func:`xigeo.landuse_tables` does), invalid geometries of the
        patches that changed, ground one year covers and the other does
        not, or two years whose total areas differ.
    CRSError
        The layers have no CRS or different ones.

    Examples
    --------
    A homestead patch 1 and a dry-farmland (0103) patch 2 of 2 ha with 5 %
    field ridges; in the second year the east half of patch 2 is built on:
    a new patch 3 (0601, industrial).

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> x, y = 38_560_000, 3_580_000
    >>> def year(rows):
    ...     return gpd.GeoDataFrame([r[:-1] for r in rows], columns=["BSM", "DLBM", "ZLDWDM", "KCMJ", "TBDLMJ"],
    ...                             geometry=[r[-1] for r in rows], crs=4526)
    >>> z = "4115281012010000000"
    >>> y1 = year([("1", "0702", z, 0.0, 10000.0, box(x, y, x + 100, y + 100)),
    ...            ("2", "0103", z, 1000.0, 19000.0, box(x + 100, y, x + 300, y + 100))])
    >>> y2 = year([("1", "0702", z, 0.0, 10000.0, box(x, y, x + 100, y + 100)),
    ...            ("2", "0103", z, 500.0, 9500.0, box(x + 100, y, x + 200, y + 100)),
    ...            ("3", "0601", z, 0.0, 10000.0, box(x + 200, y, x + 300, y + 100))])
    >>> r = survey_changes(y1, y2)
    >>> r.pieces[["before_BSM", "after_BSM", "before_DLBM", "after_DLBM"]]
      before_BSM after_BSM before_DLBM after_DLBM
    0          2         3        0103       0601
    >>> r.patches[["status", "n_to", "n_from", "lineage"]]
            status  n_to  n_from lineage
    BSM
    1    unchanged     1       1
    2        split     2       1     2;3
    3        split     0       1       2

    Rows add up to the first year's class totals, the 年末面积 row to the
    second year's; the ridges of the half built on flow into 0601:

    >>> r.table("transitions", total=True)[["0103_ha", "0601_ha", "0702_ha", "1203_ha", "total_ha"]]
          0103_ha  0601_ha  0702_ha  1203_ha  total_ha
    code
    0103     0.95     0.95      0.0     0.00       1.9
    0601     0.00     0.00      0.0     0.00       0.0
    0702     0.00     0.00      1.0     0.00       1.0
    1203     0.00     0.05      0.0     0.05       0.1
    年末面积     0.95     1.00      1.0     0.05       3.0
    >>> r.occupation[["occupied_ha", "supplemented_ha", "balance_ha"]]
               occupied_ha  supplemented_ha  balance_ha
    township
    411528101         0.95              0.0       -0.95
    >>> print(r.summary().splitlines()[0])
    国土变更调查：变更前2个图斑（before），变更后3个图斑（after）。未变化1个，属性变化0个，图形变化0个，分割2个，合并0个，新增0个，灭失0个。地类变化图斑1块，椭球面积1.0000公顷。
    """
    with gc_paused():
        return _survey_changes(before, after, id_field=id_field, tolerance_m2=tolerance_m2,
                               engine=engine)


def _survey_changes(before: Any, after: Any, *, id_field: str, tolerance_m2: float,
                    engine: str) -> SurveyChanges:
    engine = choose(engine, ENGINES, name="engine")
    tolerance_m2 = non_negative(tolerance_m2, name="tolerance_m2")
    b_label, a_label = describe(before, "before"), describe(after, "after")
    for layer, label in ((before, b_label), (after, a_label)):
        if not isinstance(layer, gpd.GeoDataFrame):
            kind = type(layer).__name__
            raise TypeError(msg(f"{label}：需要 GeoDataFrame，而不是 {kind}",
                                f"{label}: need a GeoDataFrame, got {kind}"))
        missing = [f for f in (id_field, *_REQUIRED) if f not in layer.columns]
        if missing:
            names, have = ", ".join(missing), ", ".join(str(c) for c in layer.columns)
            raise SchemaError(msg(
                f"{label} 缺少字段 {names}；现有字段：{have}。解决："
                + fix("重命名字段，或 survey_changes(..., id_field=...)", "重命名字段，或 --id FIELD"),
                f"{label} is missing the field(s) {names}; it has: {have}. Fix: "
                + fix("rename the columns, or survey_changes(..., id_field=...)",
                      "rename the fields, or --id FIELD")))
    check_same_crs(before, after, names=(b_label, a_label))
    classes = _CLASSES
    # every bad row of both layers named at once (codes, classes, areas), as the summary tables do
    b_data = _read_year(before, b_label)
    a_data = _read_year(after, a_label)
    b_ids = _ids(before, id_field, b_label)
    a_ids = _ids(after, id_field, a_label)
    b_county = b_data.codes.str.slice(0, 6).to_numpy(dtype=object)
    a_county = a_data.codes.str.slice(0, 6).to_numpy(dtype=object)
    counties = sorted(set(b_county) | set(a_county))
    b_pos = [np.flatnonzero(b_county == c) for c in counties]
    a_pos = [np.flatnonzero(a_county == c) for c in counties]
    args: dict[str, Any] = dict(id_field=id_field, tolerance_m2=tolerance_m2, labels=(b_label, a_label))
    if engine == "dask":
        try:
            import dask
        except ImportError:  # pragma: no cover - dask is installed in the test environment
            raise ImportError(msg("engine='dask' 需要 dask（集群还需要 distributed）：pip install xigeo[dask]",
                                  "engine='dask' needs dask (and distributed for a cluster): "
                                  "pip install xigeo[dask]")) from None
        tasks = [dask.delayed(_county, pure=True)(before.iloc[bp], after.iloc[ap], b_ids[bp], a_ids[ap],
                                                  _sub(b_data, bp), _sub(a_data, ap), **args)
                 for bp, ap in zip(b_pos, a_pos)]
        parts = list(dask.compute(*tasks))
    else:
        if len(counties) == 1:
            parts = [_county(before, after, b_ids, a_ids, b_data, a_data, **args)]
        else:
            parts = [_county(before.iloc[bp], after.iloc[ap], b_ids[bp], a_ids[ap], _sub(b_data, bp),
                             _sub(a_data, ap), **args) for bp, ap in zip(b_pos, a_pos)]
    result = _combine(parts, before=before, after=after, id_field=id_field, tolerance_m2=tolerance_m2,
                      names=(Path(b_label).name, Path(a_label).name))
    log.info("%s", result.summary(language()))
    return result


def _read_year(layer: gpd.GeoDataFrame, label: str) -> Any:
    """The summary tables' field checks (every bad row at once), the message naming the year."""
    try:
        return _read_patches(layer, _CLASSES)
    except ValidationError as exc:
        text = str(exc)
        if text.startswith(("patches:", "patches：")):
            text = label + text[len("patches"):]
        raise ValidationError(text, exc.problems) from None


def _ids(layer: gpd.GeoDataFrame, id_field: str, label: str) -> np.ndarray:
    values = layer[id_field]
    missing = values.isna().to_numpy() | values.astype(str).str.strip().eq("").to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing).tolist()
        shown = format_ids(rows)
        raise ValidationError(msg(f"{label}：{len(rows)} 个图斑没有 {id_field}（行号：{shown}）。"
                                  f"解决：在这些行填写 {id_field}",
                                  f"{label}: {len(rows)} patches have no {id_field} (rows "
                                  f"{shown}). Fix: fill {id_field} in those rows"), rows)
    ids = values.astype(str).str.strip().to_numpy(dtype=object)
    dup = pd.Index(ids).duplicated(keep=False)
    if dup.any():
        bad = sorted(set(ids[dup]))
        shown = format_ids(bad)
        raise ValidationError(msg(f"{label}：{id_field} 重复：{shown}",
                                  f"{label}: {id_field} used twice: {shown}"), bad)
    return ids


def _sub(data: Any, rows: np.ndarray) -> Any:
    return dataclasses.replace(
        data, codes=data.codes.iloc[rows], classes=data.classes[rows], tbdlmj=data.tbdlmj[rows],
        kcmj=data.kcmj[rows], grade=None, kind=None,
        names=None if data.names is None else data.names.iloc[rows])


# ----------------------------------------------------------------------------- one county

@dataclasses.dataclass
class _Part:
    flows: np.ndarray            # K × K m², rows first-year classes, columns second-year
    printed: np.ndarray          # K × K hundredths of ha
    ledger: pd.DataFrame         # township × (out, in, occupied, supplemented) m²
    pieces: gpd.GeoDataFrame
    slivers: pd.DataFrame
    patches: pd.DataFrame
    removed_rows: np.ndarray     # positions in the county's first-year frame
    added_rows: np.ndarray
    before: gpd.GeoDataFrame
    after: gpd.GeoDataFrame


def _text(frame: gpd.GeoDataFrame, field: str, rows: np.ndarray | None = None,
          n: int | None = None) -> np.ndarray:
    """A field as stripped text ("" for missing); with ``rows``: only those filled (of ``n``)."""
    size = len(frame) if rows is None or n is None else n
    out: np.ndarray = np.full(size, "", dtype=object)
    if field not in frame.columns:
        return out
    column = frame[field] if rows is None else frame[field].iloc[rows]
    values = column.astype("string").str.strip().fillna("").to_numpy(dtype=object)
    if rows is None:
        return values
    out[rows] = values
    return out


def _mask(rows: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


def _others(rows: np.ndarray, n: int) -> np.ndarray:
    """The positions 0…n-1 not in ``rows`` (sorted), without a sort of ``rows``."""
    return np.flatnonzero(~_mask(rows, n))


def _same_values(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality of two columns (same length, any index), two missing values equal."""
    a = a.reset_index(drop=True)
    b = b.reset_index(drop=True)
    try:
        eq = (a == b).fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError):  # columns of different kinds (text against numbers)
        eq = a.to_numpy(dtype=object) == b.to_numpy(dtype=object)
        eq = np.asarray(eq, dtype=bool)
    return eq | (a.isna().to_numpy() & b.isna().to_numpy())


def _county(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, b_ids: np.ndarray, a_ids: np.ndarray,
            b_data: Any, a_data: Any, *, id_field: str, tolerance_m2: float,
            labels: tuple[str, str]) -> _Part:
    b_label, a_label = labels
    crs = before.crs
    K = len(_CLASSES)
    ridge = int(np.flatnonzero(_CLASSES["code"].to_numpy() == _RIDGE)[0])
    nb, na = len(before), len(after)
    bg = np.asarray(before.geometry.values, dtype=object)
    ag = np.asarray(after.geometry.values, dtype=object)

    # ---- 1. the patches that kept their id, geometry and attributes: settled without an overlay
    match = pd.Index(a_ids).get_indexer(pd.Index(b_ids))          # first-year row → second-year row
    both = np.flatnonzero(match >= 0)
    same_geom = np.zeros(nb, dtype=bool)
    if both.size:
        same_geom[both] = _same_geometry(bg[both], ag[match[both]])
        # the same polygon written differently (start vertex, ring direction): equal topologically
        other = both[~same_geom[both]]
        if other.size:
            ok = ~(shapely.is_missing(bg[other]) | shapely.is_missing(ag[match[other]]))
            eq = np.zeros(other.size, dtype=bool)
            eq[ok] = shapely.equals(bg[other[ok]], ag[match[other[ok]]])
            same_geom[other[eq]] = True
    settled = np.flatnonzero(same_geom)
    common = [c for c in before.columns if c in after.columns and c != before.geometry.name]
    same_attr = np.ones(settled.size, dtype=bool)
    if settled.size:
        b_rows = before.iloc[settled]
        a_rows = after.iloc[match[settled]]
        for c in common:
            same_attr &= _same_values(b_rows[c], a_rows[c])
    unchanged = settled[same_attr]
    recoded = settled[~same_attr]                                   # one piece each: the whole patch
    b_rest = _others(settled, nb)
    a_taken = np.zeros(na, dtype=bool)
    a_taken[match[settled]] = True
    a_rest = np.flatnonzero(~a_taken)

    # ---- 2. the rest: the overlay kernel, pieces measured by the survey area method
    if b_rest.size:
        validate_layer(before.geometry.iloc[b_rest], name=b_label)
    measured = measured_pieces(
        bg[b_rest], ag[a_rest], crs=crs, method=AreaMethod.ELLIPSOIDAL, label="change pieces",
        check_right=lambda rows: validate_layer(after.geometry.iloc[a_rest[rows]], name=a_label))
    li, ri = b_rest[measured.li], a_rest[measured.ri]
    piece_m2 = measured.piece_m2
    o_geoms = measured.pieces
    # ground one year has and the other does not: refused (the years must cover the same ground)
    b_sum = np.bincount(li, weights=piece_m2, minlength=nb)
    a_sum = np.bincount(ri, weights=piece_m2, minlength=na)
    _check_cover(bg, b_rest, b_sum, b_ids, crs, tolerance_m2, b_label, a_label)
    _check_cover(ag, a_rest, a_sum, a_ids, crs, tolerance_m2, a_label, b_label)

    # ---- 3. every piece of ground: (first-year row, second-year row, share of each)
    whole_b = np.concatenate([unchanged, recoded])
    pb = np.concatenate([whole_b, li])
    pa = np.concatenate([match[whole_b], ri])
    with np.errstate(divide="ignore", invalid="ignore"):
        sb = np.concatenate([np.ones(whole_b.size), piece_m2 / b_sum[li]])
        sa = np.concatenate([np.ones(whole_b.size), piece_m2 / a_sum[ri]])
    sb, sa = np.nan_to_num(sb), np.nan_to_num(sa)
    # class area and ridges (m²) of each piece in each year
    b_cls, b_t, b_k = b_data.classes[pb], b_data.tbdlmj[pb] / 100.0 * sb, b_data.kcmj[pb] / 100.0 * sb
    a_cls, a_t, a_k = a_data.classes[pa], a_data.tbdlmj[pa] / 100.0 * sa, a_data.kcmj[pa] / 100.0 * sa
    mag = b_t + b_k
    with np.errstate(divide="ignore", invalid="ignore"):
        kb = np.where(mag > 0, b_k / mag, 0.0)
        a_tot = a_t + a_k
        ka = np.where(a_tot > 0, a_k / a_tot, 0.0)
    cells = [  # (from class, to class, m²): class → class, ridge → ridge, and the changed ridge share
        (b_cls, a_cls, mag * np.minimum(1 - kb, 1 - ka)),
        (np.full_like(b_cls, ridge), np.full_like(a_cls, ridge), mag * np.minimum(kb, ka)),
        (np.full_like(b_cls, ridge), a_cls, mag * np.maximum(kb - ka, 0.0)),
        (b_cls, np.full_like(a_cls, ridge), mag * np.maximum(ka - kb, 0.0)),
    ]
    flat = np.zeros(K * K)
    for u, v, w in cells:
        flat += np.bincount(u * K + v, weights=w, minlength=K * K)
    flows = flat.reshape(K, K)

    # ---- 4. the two years' class totals (as the summary tables count them) and the fitting
    rows_m2 = (np.bincount(b_data.classes, weights=b_data.tbdlmj, minlength=K)
               + np.bincount(np.full(nb, ridge), weights=b_data.kcmj, minlength=K)) / 100.0
    cols_m2 = (np.bincount(a_data.classes, weights=a_data.tbdlmj, minlength=K)
               + np.bincount(np.full(na, ridge), weights=a_data.kcmj, minlength=K)) / 100.0
    county = str(b_data.codes.iloc[0])[:6] if nb else str(a_data.codes.iloc[0])[:6]
    diff = cols_m2.sum() - rows_m2.sum()
    if abs(diff) > max(tolerance_m2, 1.0):
        raise ValidationError(msg(
            f"{county}：两个年度的总面积相差 {diff:,.2f} m²（{b_label}：{rows_m2.sum():,.2f} m²，"
            f"{a_label}：{cols_m2.sum():,.2f} m²，Σ TBDLMJ + Σ KCMJ）；变更调查须保持控制面积不变。"
            "解决：把两个年度平差到相同的控制面积（xigeo.adjust_areas），或比较范围相同的图层",
            f"{county}: the two years' total areas differ by {diff:,.2f} m² ({b_label}: "
            f"{rows_m2.sum():,.2f} m², {a_label}: {cols_m2.sum():,.2f} m², Σ TBDLMJ + Σ KCMJ); a change "
            "survey keeps the control area. Fix: adjust both years to the same control areas "
            "(xigeo.adjust_areas) or compare layers of the same extent"))
    r_fac, c_fac = _fit(flows, rows_m2, cols_m2 * (rows_m2.sum() / cols_m2.sum() if cols_m2.sum() else 1.0))
    fitted = flows * r_fac[:, None] * c_fac[None, :]
    groups = [np.flatnonzero(_CLASSES["level1_code"].to_numpy() == g)
              for g in dict.fromkeys(_CLASSES["level1_code"])]
    row_print = round_tables([(rows_m2[None, :] / 100.0, None)], groups)[0][0]   # hundredths of ha
    col_print = round_tables([(cols_m2[None, :] / 100.0, None)], groups)[0][0]
    if row_print.sum() != col_print.sum():
        first, second = row_print.sum() / 100, col_print.sum() / 100
        raise ValidationError(msg(
            f"{county}：两个年度打印的合计不同（{first:.2f} 公顷与 {second:.2f} 公顷）；变更调查须保持"
            "控制面积不变。解决：把两个年度平差到相同的控制面积（xigeo.adjust_areas）",
            f"{county}: the two years' printed totals differ ({first:.2f} ha and "
            f"{second:.2f} ha); a change survey keeps the control area. Fix: adjust "
            "both years to the same control areas (xigeo.adjust_areas)"))
    # fixed rows: a hundredth may land in a cell without land rather than a row off its printed total
    printed = _controlled(fitted / 100.0, row_print, col_print, fixed_rows=True)

    # ---- 5. the ledgers, by the second-year township, from the fitted flows of each piece
    # (an unchanged patch flows only to its own class and ridges: no ledger entry; left out)
    moved = slice(unchanged.size, None)
    town = a_data.codes.iloc[pa[moved]].str.slice(0, _CODE_LENGTH["township"]).to_numpy(dtype=object)
    ledger = _ledger([(u[moved], v[moved], w[moved]) for u, v, w in cells], r_fac, c_fac, town)

    # ---- 6. change pieces and slivers
    changed_b = _others(unchanged, nb)
    changed_a = _others(match[unchanged], na)
    n_whole = whole_b.size
    recoded_m2 = area(gpd.GeoSeries(bg[recoded], crs=crs)).to_numpy() if recoded.size else np.zeros(0)
    all_m2 = np.concatenate([np.full(unchanged.size, np.nan), recoded_m2, piece_m2])
    geoms = np.concatenate([np.full(n_whole, None, dtype=object), o_geoms])
    geoms[unchanged.size:n_whole] = bg[recoded]
    # the attributes, as text, of the patches that changed (the unchanged ones cannot differ)
    fields = {f: (_text(before, f, changed_b, nb), _text(after, f, changed_a, na))
              for f in ("DLBM", "DLMC", "ZLDWDM", "QSDWDM")}
    cls_changed = fields["DLBM"][0][pb] != fields["DLBM"][1][pa]
    own_changed = ((fields["ZLDWDM"][0][pb] != fields["ZLDWDM"][1][pa])
                   | (fields["QSDWDM"][0][pb] != fields["QSDWDM"][1][pa]))
    cls_changed[:unchanged.size] = False
    own_changed[:unchanged.size] = False
    is_overlay = np.arange(pb.size) >= n_whole
    sliver = is_overlay & (all_m2 <= tolerance_m2)
    keep = np.flatnonzero(cls_changed | own_changed)
    table = pd.DataFrame({"before_BSM": b_ids[pb[keep]], "after_BSM": a_ids[pa[keep]]})
    for f in ("DLBM", "DLMC", "ZLDWDM", "QSDWDM"):
        table[f"before_{f}"] = fields[f][0][pb[keep]]
        table[f"after_{f}"] = fields[f][1][pa[keep]]
    table["class_changed"] = cls_changed[keep]
    table["owner_changed"] = own_changed[keep]
    table["area_m2"] = all_m2[keep]
    table["area_ha"] = all_m2[keep] / _M2_PER_HA
    table["sliver"] = sliver[keep]
    pieces = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms[keep], crs=crs), crs=crs)
    sl = np.flatnonzero(sliver)
    slivers = pd.DataFrame({"before_BSM": b_ids[pb[sl]], "after_BSM": a_ids[pa[sl]],
                            "before_DLBM": fields["DLBM"][0][pb[sl]], "after_DLBM": fields["DLBM"][1][pa[sl]],
                            "class_changed": cls_changed[sl], "area_m2": all_m2[sl]})

    # ---- 7. what happened to each patch
    patches = _fates(nb, na, b_ids, a_ids, match, unchanged, recoded, li, ri, piece_m2 > tolerance_m2,
                     (_text(before, "DLBM"), _text(after, "DLBM")))
    return _Part(flows=flows * r_fac[:, None] * c_fac[None, :], printed=printed, ledger=ledger,
                 pieces=pieces, slivers=slivers, patches=patches, removed_rows=changed_b,
                 added_rows=changed_a, before=before, after=after)


def _same_geometry(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise: the same geometry, vertex for vertex (what equal WKB bytes say), vectorised.

    ``shapely.equals_identical``: the same type, structure and coordinates in
    the same order (a dozen times faster than comparing WKB bytes).
    """
    return np.asarray(shapely.equals_identical(a, b), dtype=bool)


def _check_cover(geoms: np.ndarray, rest: np.ndarray, covered: np.ndarray, ids: np.ndarray, crs: Any,
                 tolerance_m2: float, label: str, other: str) -> None:
    """Refuse patches of ``label`` whose ground ``other`` does not cover (beyond the tolerance)."""
    if not rest.size:
        return
    own = area(gpd.GeoSeries(geoms[rest], crs=crs)).to_numpy()
    gap = own - covered[rest]
    bad = np.flatnonzero(gap > max(tolerance_m2, 1e-6 * own.max(initial=0.0)))
    if bad.size:
        names = ids[rest[bad]].tolist()
        total, shown = gap[bad].sum(), format_ids(names)
        raise ValidationError(msg(
            f"{label}：{bad.size} 个图斑有部分范围未被 {other} 覆盖（共 {total:,.2f} m²）：{shown}。"
            "两个年度须覆盖相同的范围（相同的控制面积）：补齐缝隙，或比较范围相同的图层"
            "（xigeo.validate_layer）",
            f"{label}: {bad.size} patch(es) have ground that {other} does not cover "
            f"({total:,.2f} m² in all): {shown}. Both years must cover the same "
            "ground (the same control area): fix the gaps or compare layers of the same extent "
            "(xigeo.validate_layer)"), names)


def _fit(flows: np.ndarray, rows: np.ndarray, cols: np.ndarray, *, tol: float = 1e-7,
         iterations: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Row and column factors bringing ``flows`` to the given totals (iterative proportional fitting).

    The rows are exact already (each piece carries its first-year class areas
    in full); the columns are off by the second-year patches' attribute areas
    against the first-year ones, usually by hundredths of m².
    """
    r = np.ones(flows.shape[0])
    c = np.ones(flows.shape[1])
    for _ in range(iterations):
        col_now = (flows * r[:, None]).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(col_now > 0, cols / col_now, 1.0)
        row_now = (flows * c[None, :]).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(row_now > 0, rows / row_now, 1.0)
        fitted = flows * r[:, None] * c[None, :]
        if np.abs(fitted.sum(axis=0) - cols).max(initial=0.0) <= tol:
            break
    return r, c


def _ledger(cells: list[tuple[np.ndarray, np.ndarray, np.ndarray]], r: np.ndarray, c: np.ndarray,
            town: np.ndarray) -> pd.DataFrame:
    """m² per township: farmland out to / in from other agricultural land, occupied, supplemented."""
    level1 = _CLASSES["level1_code"].to_numpy()
    three = _CLASSES["three_class"].to_numpy()
    code = _CLASSES["code"].to_numpy()
    farm = level1 == "01"
    other_agri = (three == "农用地") & ~farm & (code != _RIDGE)
    construction = three == "建设用地"
    unused = three == "未利用地"
    kinds = {"out": (farm, other_agri), "in": (other_agri, farm),
             "occupied": (farm, construction), "supplemented": (construction | unused, farm)}
    out: dict[str, pd.Series] = {}
    towns = pd.Index(sorted(set(town)), name="township")
    pos = towns.get_indexer(town)
    for name, (frm, to) in kinds.items():
        total = np.zeros(len(towns))
        for u, v, w in cells:
            sel = frm[u] & to[v]
            if sel.any():
                total += np.bincount(pos[sel], weights=w[sel] * r[u[sel]] * c[v[sel]], minlength=len(towns))
        out[name] = pd.Series(total, index=towns)
    return pd.DataFrame(out)


def _fates(nb: int, na: int, b_ids: np.ndarray, a_ids: np.ndarray, match: np.ndarray,
           unchanged: np.ndarray, recoded: np.ndarray, li: np.ndarray, ri: np.ndarray,
           real: np.ndarray, dlbm: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """One row per BSM of either year: what happened to it (see :data:`STATUSES`)."""
    li, ri = li[real], ri[real]          # slivers do not make a split or a merge
    # distinct (first, second) pairs: several pieces of one pair count once
    pair = np.unique(np.column_stack([li, ri]), axis=0) if li.size else np.zeros((0, 2), dtype=np.int64)
    li, ri = pair[:, 0], pair[:, 1]
    n_to = np.bincount(li, minlength=nb)
    n_from = np.bincount(ri, minlength=na)
    b_in_a = match >= 0
    a_match = np.full(na, -1, dtype=np.int64)
    a_match[match[b_in_a]] = np.flatnonzero(b_in_a)
    a_in_b = a_match >= 0
    # a pair's other side: a new id took part of this patch / a retired id joined that patch
    gained_new = np.bincount(li, weights=~a_in_b[ri], minlength=nb) > 0
    # a retired patch whose ground went wholly into this one joined it (one split up does not)
    joined_old = np.bincount(ri, weights=~b_in_a[li] & (n_to[li] == 1), minlength=na) > 0
    b_status = np.full(nb, "removed", dtype=object)
    b_status[b_in_a] = "reshaped"
    b_status[b_in_a & (n_to >= 2) & gained_new] = "split"
    merged_into = np.zeros(nb, dtype=bool)
    if li.size:
        merged_into[li[(n_from[ri] >= 2)]] = True
    b_status[b_in_a & (b_status == "reshaped") & merged_into & (n_to == 1)
             & joined_old[np.maximum(match, 0)]] = "merged"
    gone = ~b_in_a
    b_status[gone & (n_to >= 2)] = "split"
    b_status[gone & (n_to == 1) & merged_into] = "merged"
    a_status = np.full(na, "new", dtype=object)
    a_status[a_in_b] = b_status[a_match[a_in_b]]
    src_split = np.zeros(na, dtype=bool)
    if ri.size:
        src_split[ri[n_to[li] >= 2]] = True
    fresh = ~a_in_b
    a_status[fresh & (n_from >= 2)] = "merged"
    a_status[fresh & (n_from == 1) & src_split] = "split"
    b_status[unchanged] = "unchanged"
    b_status[recoded] = "attributes"
    # lineage: the other year's ids
    to_ids = _join(li, a_ids[ri], nb)
    from_ids = _join(ri, b_ids[li], na)
    rec = recoded
    to_ids[rec] = a_ids[match[rec]]
    from_ids[match[rec]] = b_ids[rec]
    frame_b = pd.DataFrame({"in_before": True, "in_after": b_in_a, "status": b_status,
                            "before_DLBM": dlbm[0], "after_DLBM": np.where(b_in_a, dlbm[1][np.maximum(match, 0)], ""),
                            "n_to": np.where(_mask(np.concatenate([unchanged, recoded]), nb), 1, n_to),
                            "n_from": 0, "lineage": to_ids},
                           index=pd.Index(b_ids, name="BSM"))
    # a patch kept in both years: n_from of its second-year self, lineage of both sides
    kept = np.flatnonzero(b_in_a)
    settled = np.zeros(nb, dtype=bool)
    settled[unchanged] = settled[recoded] = True
    nf = n_from[match[kept]].astype(np.int64)
    nf[settled[kept]] = 1
    n_from_b = np.zeros(nb, dtype=np.int64)
    n_from_b[kept] = nf
    frame_b["n_from"] = n_from_b
    moved = kept[~settled[kept]]          # kept their id, changed their ground: both sides' ids
    lin = frame_b["lineage"].to_numpy(dtype=object).copy()
    lin[moved] = [_merge_ids(t, f) for t, f in zip(to_ids[moved], from_ids[match[moved]])]
    lin[kept[settled[kept]]] = ""
    frame_b["lineage"] = lin
    only_a = np.flatnonzero(~a_in_b)
    frame_a = pd.DataFrame({"in_before": False, "in_after": True, "status": a_status[only_a],
                            "before_DLBM": "", "after_DLBM": dlbm[1][only_a], "n_to": 0,
                            "n_from": n_from[only_a], "lineage": from_ids[only_a]},
                           index=pd.Index(a_ids[only_a], name="BSM"))
    return pd.concat([frame_b, frame_a])


def _join(owner: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """Per owner 0…n-1: the ids of its pairs joined by ";" (sorted), "" for none."""
    out = np.full(n, "", dtype=object)
    if owner.size:
        joined = pd.Series(ids.astype(str)).groupby(owner).agg(lambda s: ";".join(sorted(s)))
        out[joined.index.to_numpy()] = joined.to_numpy(dtype=object)
    return out


def _merge_ids(a: str, b: str) -> str:
    return ";".join(sorted(set(filter(None, a.split(";"))) | set(filter(None, b.split(";")))))


# ----------------------------------------------------------------------------- combining

def _combine(parts: list[_Part], *, before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, id_field: str,
             tolerance_m2: float, names: tuple[str, str]) -> SurveyChanges:
    K = len(_CLASSES)
    flows = sum((p.flows for p in parts), np.zeros((K, K)))
    printed = sum((p.printed for p in parts), np.zeros((K, K), dtype=np.int64))
    codes = _CLASSES["code"].to_numpy()
    live = np.flatnonzero((flows.sum(axis=1) > 0) | (flows.sum(axis=0) > 0)
                          | (printed.sum(axis=1) != 0) | (printed.sum(axis=0) != 0))
    index = pd.Index(codes[live], name="code")
    cols = [f"{c}_ha" for c in codes[live]]
    transitions = pd.DataFrame(printed[np.ix_(live, live)] / 100.0, index=index, columns=cols)
    transitions.insert(0, "name", [_CLASS_NAME[c] for c in codes[live]])
    transitions["total_ha"] = printed[live].sum(axis=1) / 100.0
    transitions_m2 = pd.DataFrame(flows[np.ix_(live, live)], index=index,
                                  columns=[f"{c}_m2" for c in codes[live]])
    ledger = pd.concat([p.ledger for p in parts]).groupby(level=0).sum().sort_index()
    ledger.index.name = "township"
    ha = ledger / _M2_PER_HA
    farmland_flow = pd.DataFrame({"out_ha": ha["out"], "in_ha": ha["in"],
                                  "balance_ha": ha["in"] - ha["out"]})
    occupation = pd.DataFrame({"occupied_ha": ha["occupied"], "supplemented_ha": ha["supplemented"],
                               "balance_ha": ha["supplemented"] - ha["occupied"]})
    pieces = pd.concat([p.pieces for p in parts], ignore_index=True)
    pieces = gpd.GeoDataFrame(pieces, geometry="geometry", crs=before.crs)
    slivers = pd.concat([p.slivers for p in parts], ignore_index=True)
    patches = pd.concat([p.patches for p in parts])
    removed = pd.concat([_plain(p.before.iloc[p.removed_rows]) for p in parts])
    added = pd.concat([_plain(p.after.iloc[p.added_rows]) for p in parts])
    return SurveyChanges(transitions=transitions, farmland_flow=farmland_flow, occupation=occupation,
                         patches=patches, pieces=pieces, slivers=slivers,
                         added=gpd.GeoDataFrame(added, geometry=after.geometry.name, crs=after.crs),
                         removed=gpd.GeoDataFrame(removed, geometry=before.geometry.name, crs=before.crs),
                         transitions_m2=transitions_m2, tolerance_m2=tolerance_m2, id_field=id_field,
                         before_name=names[0], after_name=names[1])


def _plain(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` without ``attrs`` (pandas compares them when concatenating; arrays there fail)."""
    out = frame.copy(deep=False)
    out.attrs = {}
    return out


def _writable(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy with a plain index (GeoPackage keeps columns, not the index)."""
    out = layer.reset_index(drop=True)
    out.attrs = {}
    return out


# ----------------------------------------------------------------------------- summary

def _summary_text(r: SurveyChanges, lang: str) -> str:
    status = r.patches["status"].value_counts()
    n = {k: int(status.get(k, 0)) for k in STATUSES}
    changed = r.pieces[r.pieces["class_changed"].to_numpy(dtype=bool)]
    changed_ha = float(changed["area_ha"].sum())
    ff, oc = r.farmland_flow.sum(), r.occupation.sum()
    s_n = len(r.slivers)
    s_m2 = float(r.slivers["area_m2"].sum()) if s_n else 0.0
    nb = int(r.patches["in_before"].sum())
    na = int(r.patches["in_after"].sum())
    if lang == "zh":
        return (
            f"国土变更调查：变更前{nb:,}个图斑（{r.before_name}），变更后{na:,}个图斑（{r.after_name}）。"
            f"未变化{n['unchanged']:,}个，属性变化{n['attributes']:,}个，图形变化{n['reshaped']:,}个，"
            f"分割{n['split']:,}个，合并{n['merged']:,}个，新增{n['new']:,}个，灭失{n['removed']:,}个。"
            f"地类变化图斑{len(changed):,}块，椭球面积{changed_ha:,.4f}公顷。\n"
            f"耕地进出平衡：耕地流出为其他农用地{ff['out_ha']:,.4f}公顷，其他农用地流入耕地"
            f"{ff['in_ha']:,.4f}公顷，平衡{ff['balance_ha']:,.4f}公顷。"
            f"耕地占补平衡：建设占用耕地{oc['occupied_ha']:,.4f}公顷，补充耕地"
            f"{oc['supplemented_ha']:,.4f}公顷，平衡{oc['balance_ha']:,.4f}公顷。\n"
            f"碎片{s_n:,}块（≤{r.tolerance_m2:g}平方米，合计{s_m2:,.2f}平方米）已计入流量并列出。")
    return (
        f"Change survey: {nb:,} patches before ({r.before_name}), {na:,} after ({r.after_name}): "
        f"{n['unchanged']:,} unchanged, {n['attributes']:,} attributes changed, {n['reshaped']:,} "
        f"reshaped, {n['split']:,} split, {n['merged']:,} merged, {n['new']:,} new, {n['removed']:,} "
        f"removed. {len(changed):,} pieces changed class, {changed_ha:,.4f} ha (ellipsoidal).\n"
        f"Farmland in/out: {ff['out_ha']:,.4f} ha of farmland became other agricultural land, "
        f"{ff['in_ha']:,.4f} ha came back, balance {ff['balance_ha']:,.4f} ha. Occupation/"
        f"supplement: construction took {oc['occupied_ha']:,.4f} ha of farmland, "
        f"{oc['supplemented_ha']:,.4f} ha of farmland was added, balance {oc['balance_ha']:,.4f} ha.\n"
        f"{s_n:,} sliver piece{'s' * (s_n != 1)} (≤ {r.tolerance_m2:g} m², {s_m2:,.2f} m² in all) "
        "are in the flows and listed (slivers).")
