"""Satellite-image enforcement (卫片执法检查): change patches without approval.

Each change patch (卫片图斑) detected between two images is compared with the
approved construction land (批准建设用地): the part an approval covers is
legal; the rest is a suspected violation (疑似违法用地), graded by the land it
takes, as the annual enforcement campaign does:

====  ===================  ==================================================
grade verdict              the unapproved part of the patch …
====  ===================  ==================================================
3     ``basic farmland``   lies on permanent basic farmland (永久基本农田) by
                           more than the tolerance — the most serious case
2     ``farmland``         lies on farmland (耕地, land-use DLBM 01xx)
1     ``other``            lies on other land (existing construction land such
                           as village homesteads, forest, water …)
0     ``approved``         is not larger than the tolerance: the patch is legal
====  ===================  ==================================================

Areas are survey ellipsoidal areas (:func:`xigeo.area.area`); the overlays use
the kernel of :func:`xigeo.farmland_overlap`. Each patch is assigned to the
township (乡镇) it mostly lies in: from a ``townships`` layer (XZQDM, XZQMC)
when given, else from the landuse layer's location code ZLDWDM (its first 9
digits are the township code; the name is then unknown).
:func:`summarize_enforcement` totals the patches per township.

:func:`enforcement_check` returns an :class:`EnforcementResult` (the result
contract of :mod:`xigeo._result`) and has an example.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._landuse import is_construction, is_farmland
from ._lang import msg
from ._layers import describe, polygonal_part, require_features
from ._overlay import intersection_pieces
from ._result import Result, TableSpec, Total
from ._options import non_negative
from ._survey import class_codes
from ._tables import index_by, require_fields
from .area import AreaMethod, area
from .crs import check_same_crs
from .farmland import farmland_overlap
from .units import AreaUnit, convert_area
from .validate import checked_polygons

__all__ = ["EnforcementResult", "enforcement_check", "summarize_enforcement", "is_construction",
           "GRADES"]

log = logging.getLogger(__name__)

#: grade → (verdict, Chinese verdict)
GRADES = {0: ("approved", "合法（已批准）"), 1: ("other", "疑似违法用地"),
          2: ("farmland", "疑似违法占用耕地"), 3: ("basic farmland", "疑似违法占用永久基本农田")}
APPROVAL_ZH = {"all": "已批准", "part": "部分批准", "none": "未批准"}

_ZH_COLUMNS = {
    "area_m2": "图斑面积(平方米)", "area_ha": "图斑面积(公顷)", "approved_m2": "已批准面积(平方米)",
    "unapproved_m2": "未批准面积(平方米)", "unapproved_ha": "未批准面积(公顷)",
    "jbnt_m2": "未批占永久基本农田(平方米)", "cultivated_m2": "未批占耕地(平方米)",
    "construction_m2": "未批占原建设用地(平方米)", "other_m2": "未批占其他土地(平方米)",
    "approval": "批准情况", "grade": "违法等级", "verdict": "判定", "township_code": "乡镇代码",
    "township": "乡镇名称", "patches": "图斑个数", "suspected": "疑似违法图斑个数",
    "suspected_basic_farmland": "占永久基本农田图斑个数", "suspected_farmland": "占耕地图斑个数",
    "suspected_other": "占其他土地图斑个数", "jbnt_ha": "未批占永久基本农田(公顷)",
    "cultivated_ha": "未批占耕地(公顷)", "approved_ha": "已批准面积(公顷)",
}


_AREA_COLUMNS = ("area_m2", "area_ha", "approved_m2", "unapproved_m2", "unapproved_ha", "jbnt_m2",
                 "cultivated_m2", "construction_m2", "other_m2")


@dataclasses.dataclass(frozen=True, repr=False)
class EnforcementResult(Result):
    """Result of :func:`enforcement_check` (the result contract: :mod:`xigeo._result`).

    Attributes
    ----------
    changes : DataFrame
        One row per change patch, indexed like ``changes``: ``area_m2``,
        ``area_ha``, ``approved_m2``, ``unapproved_m2`` (= area − approved),
        ``unapproved_ha``, and the unapproved part's ``jbnt_m2`` (on basic
        farmland), ``cultivated_m2`` (on DLBM 01xx), ``construction_m2`` (on
        existing construction land) and ``other_m2``; ``approval`` ("all",
        "part", "none"), ``grade`` (0–3) and ``verdict`` (see the module
        notes); ``township_code`` and ``township``.
    by_township : DataFrame
        Per township (index ``township``): ``patches``, ``suspected`` (grade
        > 0) and per grade (``suspected_basic_farmland``,
        ``suspected_farmland``, ``suspected_other``), ``area_ha``,
        ``approved_ha``, ``unapproved_ha``, ``jbnt_ha``, ``cultivated_ha``.
    passed : bool
        No patch is a suspected violation (every grade is 0).
    tolerance_m2, method
        The options the result was computed with.

    ``table(name, labels="zh", total=True)`` gives the Chinese headers and
    verdicts (疑似违法占用永久基本农田 …) and the 合计 row (area sums for
    ``changes``, all counts and areas for ``by_township``).
    """

    TITLE = ("卫片执法检查", "Satellite enforcement check")
    TABLES = {
        "changes": TableSpec("卫片图斑检查表", "Change patches", _ZH_COLUMNS,
                             values_zh={"approval": APPROVAL_ZH,
                                        "verdict": {en: zh for en, zh in GRADES.values()}},
                             total=Total(sum_columns=_AREA_COLUMNS)),
        "by_township": TableSpec("卫片图斑分乡镇统计表", "Change patches by township", _ZH_COLUMNS,
                                 index_name_zh="乡镇", total=Total()),
    }

    changes: pd.DataFrame
    by_township: pd.DataFrame
    passed: bool
    tolerance_m2: float
    method: str
    changes_name: str = "changes"

    def _summary(self, lang: str) -> str:
        t = self.changes
        n = len(t)
        grade = t["grade"].to_numpy()
        approval = t["approval"]
        n_all, n_part, n_none = (int((approval == k).sum()) for k in ("all", "part", "none"))
        g3, g2, g1 = (int((grade == g).sum()) for g in (3, 2, 1))
        suspected = g3 + g2 + g1
        ha = float(t["area_ha"].sum())
        sus_ha = float(t.loc[grade > 0, "unapproved_ha"].sum())
        if lang == "zh":
            text = (f"卫片执法检查：变化图斑{n:,}个（{self.changes_name}），面积{ha:,.2f}公顷；已批准{n_all:,}个，"
                    f"部分批准{n_part:,}个，未批准{n_none:,}个。疑似违法用地图斑{suspected:,}个，未批准面积"
                    f"{sus_ha:,.2f}公顷，其中占用永久基本农田{g3:,}个，占用耕地{g2:,}个，占用其他土地{g1:,}个。")
            return text + ("结论：未发现疑似违法用地。" if self.passed else "结论：有疑似违法用地。")
        text = (f"Enforcement check of {n:,} change patch{'es' * (n != 1)} ({self.changes_name}), "
                f"{ha:,.2f} ha: {n_all:,} inside an approval, {n_part:,} partly, {n_none:,} without one. "
                f"{suspected:,} suspected violation{'s' * (suspected != 1)} ({sus_ha:,.2f} ha unapproved): "
                f"{g3:,} on permanent basic farmland, {g2:,} on farmland, {g1:,} on other land.")
        return text + (" Result: passed (no suspected violation)." if self.passed
                       else " Result: failed (suspected violations).")


def _largest(li: np.ndarray, m2: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each of n rows, the value of its largest piece (None without pieces)."""
    out = np.full(n, None, dtype=object)
    if li.size:
        order = np.lexsort((-m2, li))
        first = np.ones(order.size, dtype=bool)
        first[1:] = li[order][1:] != li[order][:-1]
        out[li[order][first]] = values[order][first]
    return out


def enforcement_check(changes: gpd.GeoDataFrame, *, approvals: gpd.GeoDataFrame | gpd.GeoSeries,
                      farmland: gpd.GeoDataFrame | gpd.GeoSeries, landuse: gpd.GeoDataFrame,
                      townships: gpd.GeoDataFrame | None = None, tolerance_m2: float = 10.0,
                      method: str | AreaMethod = "ellipsoidal",
                      id_field: str | None = None) -> EnforcementResult:
    """Grade satellite change patches: approved, or suspected violations by the land they take.

    Parameters
    ----------
    changes : GeoDataFrame
        Change patches (卫片图斑), indexed by their id (``gdf.set_index("JCBH")``)
        or with the id in ``id_field``.
    approvals : GeoDataFrame or GeoSeries
        Approved construction land (批准建设用地); approvals may overlap.
    farmland : GeoDataFrame or GeoSeries
        Permanent basic farmland (永久基本农田, ``jbnt``).
    landuse : GeoDataFrame
        The land-use survey (``dltb``) with DLBM (and ZLDWDM for townships).
    townships : GeoDataFrame, optional
        Township boundaries with XZQDM and XZQMC; default: the township code
        from landuse's ZLDWDM.
    tolerance_m2 : float
        Areas not larger than this (m², default 10) are digitising noise: an
        unapproved remainder this small leaves the patch approved, and the
        grade needs more than this on (basic) farmland.
    method : {"ellipsoidal", "geodesic", "planar"}
        Area method (:func:`xigeo.area.area`).
    id_field : str, optional
        The change patches' id field (kept as a column too); default: the index.

    Returns
    -------
    EnforcementResult
        The tables ``changes`` (one row per patch: its areas, the approved
        and unapproved parts, the land the unapproved part takes,
        ``approval``, ``grade``, ``verdict``, the township) and
        ``by_township`` (:func:`summarize_enforcement`), ``passed`` (no
        suspected violation), ``summary(lang)``; see :class:`EnforcementResult`.

    Raises
    ------
    OptionError
        A bad ``tolerance_m2`` or ``method``.
    CRSError, ValidationError, SchemaError
        Layers in different CRSs; invalid geometries, missing or duplicate
        ids; landuse without DLBM, townships without XZQDM/XZQMC, no ``id_field``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely import box
    >>> x0, y0 = 38_560_000, 3_580_000
    >>> changes = gpd.GeoDataFrame(geometry=[box(x0, y0, x0 + 100, y0 + 100),
    ...     box(x0 + 200, y0, x0 + 300, y0 + 100), box(x0 + 400, y0, x0 + 500, y0 + 100)],
    ...     index=pd.Index(["C1", "C2", "C3"], name="JCBH"), crs=4526)
    >>> approvals = gpd.GeoSeries([box(x0 - 10, y0 - 10, x0 + 110, y0 + 110),
    ...                            box(x0 + 250, y0, x0 + 350, y0 + 100)], crs=4526)
    >>> landuse = gpd.GeoDataFrame({"DLBM": ["0103", "0702"], "ZLDWDM": ["4115281010010000000"] * 2},
    ...     geometry=[box(x0 - 100, y0 - 100, x0 + 450, y0 + 200), box(x0 + 450, y0 - 100, x0 + 600, y0 + 200)],
    ...     crs=4526)
    >>> jbnt = gpd.GeoSeries([box(x0 + 200, y0, x0 + 220, y0 + 100)], crs=4526)
    >>> result = enforcement_check(changes, approvals=approvals, farmland=jbnt, landuse=landuse,
    ...                            method="planar")
    >>> result.passed
    False
    >>> result.changes[["approved_m2", "jbnt_m2", "cultivated_m2", "approval", "grade", "verdict"]]
          approved_m2  jbnt_m2  cultivated_m2 approval  grade         verdict
    JCBH
    C1        10000.0      0.0            0.0      all      0        approved
    C2         5000.0   2000.0         5000.0     part      3  basic farmland
    C3            0.0      0.0         5000.0     none      2        farmland
    >>> result.table("by_township", total=True)[["patches", "suspected", "unapproved_ha"]]
              patches  suspected  unapproved_ha
    township
    411528101        3          2            1.5
    合计               3          2            1.5
    >>> result.table("changes", labels="zh")["判定"].tolist()
    ['合法（已批准）', '疑似违法占用永久基本农田', '疑似违法占用耕地']
    >>> print(result.summary("en"))
    Enforcement check of 3 change patches (changes), 3.00 ha: 1 inside an approval, 1 partly, 1 without one. 2 suspected violations (1.50 ha unapproved): 1 on permanent basic farmland, 1 on farmland, 0 on other land. Result: failed (suspected violations).
    """
    method = AreaMethod.create(method)
    tolerance_m2 = non_negative(tolerance_m2, name="tolerance_m2")
    names = {"changes": describe(changes, "changes"), "approvals": describe(approvals, "approvals"),
             "farmland": describe(farmland, "farmland"), "landuse": describe(landuse, "landuse")}
    layers = [changes, approvals, farmland, landuse]
    if townships is not None:
        names["townships"] = describe(townships, "townships")
        layers.append(townships)
    check_same_crs(*layers, names=tuple(names.values()))
    require_fields(landuse, ["DLBM"], name=names["landuse"])
    class_codes(landuse, "DLBM", names["landuse"])  # numeric codes (101) would all count as 'other'
    if townships is not None:
        require_fields(townships, ["XZQDM", "XZQMC"], name=names["townships"])
    if id_field is not None:
        changes = index_by(changes, id_field, name=names["changes"])
    changes = checked_polygons(changes, names["changes"])
    for layer, what, features in ((farmland, "farmland", msg("永久基本农田图斑", "farmland features")),
                                  (landuse, "landuse", msg("地类图斑", "landuse features"))):
        require_features(layer, names[what], features)  # none is not "nothing on it"
    # no approval at all is possible (and makes every change unapproved: not a pass)
    approvals = checked_polygons(approvals, names["approvals"], empty_ok=True)
    if townships is not None:
        townships = checked_polygons(townships, names["townships"])
    crs = changes.crs
    n = len(changes)
    geoms = np.asarray(changes.geometry.values, dtype=object)
    area_m2 = area(changes, method=method).to_numpy()

    # the part of each patch the approvals cover (approvals may overlap: union per patch)
    li, _ri, pieces = intersection_pieces(geoms, np.asarray(approvals.geometry.values, dtype=object))
    covered = np.full(n, None, dtype=object)
    if li.size:
        rows, start = np.unique(li, return_index=True)
        ends = np.r_[start[1:], li.size]
        covered[rows] = [pieces[s] if e - s == 1 else shapely.union_all(pieces[s:e])
                         for s, e in zip(start, ends)]
    approved_m2 = np.zeros(n)
    has = ~shapely.is_missing(covered)
    if has.any():
        approved_m2[has] = area(gpd.GeoSeries(covered[has], crs=crs), method=method).to_numpy()
    approved_m2 = np.minimum(approved_m2, area_m2)
    unapproved_m2 = area_m2 - approved_m2

    # the unapproved remainder, and the land it takes
    rest = geoms.copy()
    rest[has] = polygonal_part(shapely.difference(geoms[has], covered[has]))
    present = ~shapely.is_missing(rest)
    rest_layer = gpd.GeoDataFrame(geometry=gpd.GeoSeries(rest[present], crs=crs,
                                                         index=changes.index[present]))
    jbnt_m2 = np.zeros(n)
    cls_m2 = {k: np.zeros(n) for k in ("cultivated", "construction", "other")}
    if present.any():
        jb = farmland_overlap(rest_layer, farmland, tolerance_m2=tolerance_m2, method=method)
        jbnt_m2[present] = jb.by_parcel["overlap_m2"].to_numpy()
        lu = farmland_overlap(rest_layer, landuse, tolerance_m2=tolerance_m2, method=method,
                              patch_fields=("DLBM",))
        p = lu.pieces
        pos = np.flatnonzero(present)[rest_layer.index.get_indexer(p["parcel_id"])]
        codes = p["DLBM"]
        kind = np.where(is_farmland(codes), "cultivated",
                        np.where(is_construction(codes), "construction", "other"))
        for k in cls_m2:
            sel = kind == k
            cls_m2[k] = np.bincount(pos[sel], weights=p["area_m2"].to_numpy()[sel],
                                    minlength=n).astype(float)

    tol = tolerance_m2
    approval = np.where(unapproved_m2 <= tol, "all", np.where(approved_m2 > tol, "part", "none"))
    grade = np.where(unapproved_m2 <= tol, 0,
                     np.where(jbnt_m2 > tol, 3, np.where(cls_m2["cultivated"] > tol, 2, 1)))
    table = pd.DataFrame({
        "area_m2": area_m2,
        "area_ha": convert_area(area_m2, AreaUnit.M2, AreaUnit.HA),
        "approved_m2": approved_m2,
        "unapproved_m2": unapproved_m2,
        "unapproved_ha": convert_area(unapproved_m2, AreaUnit.M2, AreaUnit.HA),
        "jbnt_m2": jbnt_m2,
        "cultivated_m2": cls_m2["cultivated"],
        "construction_m2": cls_m2["construction"],
        "other_m2": cls_m2["other"],
        "approval": approval,
        "grade": grade.astype(np.int64),
        "verdict": [GRADES[int(g)][0] for g in grade],
    }, index=changes.index.copy())
    code, name = _townships(changes, geoms, townships, landuse, crs, method)
    table["township_code"] = code
    table["township"] = name
    log.info(msg("enforcement_check(%s)：%d 个图斑，疑似违法 %d 个（占永久基本农田 %d 个，占耕地 %d 个）",
                 "enforcement_check(%s): %d patches, %d suspected (%d on basic farmland, %d on farmland)"),
             names["changes"], n, int((grade > 0).sum()), int((grade == 3).sum()), int((grade == 2).sum()))
    return EnforcementResult(changes=table, by_township=_by_group(table, "township"),
                             passed=bool((grade == 0).all()), tolerance_m2=tol, method=method.value,
                             changes_name=Path(names["changes"]).name)


def _townships(changes: gpd.GeoDataFrame, geoms: np.ndarray, townships: gpd.GeoDataFrame | None,
               landuse: gpd.GeoDataFrame, crs: Any, method: AreaMethod) -> tuple[np.ndarray, np.ndarray]:
    """Township code and name of the township each patch mostly lies in."""
    n = len(geoms)
    if townships is not None:
        layer, code_field = townships, "XZQDM"
    elif "ZLDWDM" in landuse.columns:
        layer, code_field = landuse, "ZLDWDM"
    else:
        log.warning(msg("没有乡镇图层，地类图层也没有 ZLDWDM：乡镇一栏留空",
                        "no townships layer and no ZLDWDM in landuse: township left empty"))
        return np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    li, ri, pieces = intersection_pieces(geoms, np.asarray(layer.geometry.values, dtype=object))
    m2 = area(gpd.GeoSeries(pieces, crs=crs), method=method).to_numpy()
    codes = _largest(li, m2, layer[code_field].astype(str).to_numpy()[ri], n)
    if townships is not None:
        names = _largest(li, m2, townships["XZQMC"].astype(str).to_numpy()[ri], n)
        return codes, names
    return np.array([c[:9] if c is not None else None for c in codes], dtype=object), \
        np.full(n, None, dtype=object)


def summarize_enforcement(result: EnforcementResult | pd.DataFrame, *,
                          by: str = "township") -> pd.DataFrame:
    """Patches and areas per township (or per another column of the ``changes`` table).

    ``result`` is what :func:`enforcement_check` returned (or its
    ``changes`` table). Columns: ``patches``, ``suspected`` (grade > 0) and
    per grade (``suspected_basic_farmland``, ``suspected_farmland``,
    ``suspected_other``), ``area_ha``, ``approved_ha``, ``unapproved_ha``,
    ``jbnt_ha``, ``cultivated_ha``. ``by="township"`` is ``result.by_township``;
    ``result.table("by_township", labels="zh", total=True)`` adds the 合计 row
    and the Chinese headers.
    """
    if isinstance(result, EnforcementResult):
        if by == "township":
            return result.by_township.copy()
        result = result.changes
    return _by_group(result, by)


def _by_group(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """The per-township (or per ``by``) counts and areas of the ``changes`` table."""
    require_fields(table, ["grade", "area_m2", "approved_m2", "unapproved_m2", "jbnt_m2",
                           "cultivated_m2"], name=msg("卫片执法结果表", "enforcement table"))
    key = by
    if by == "township":
        if "township" in table.columns and table["township"].notna().any():
            frame = table.assign(_key=table["township"].fillna(table.get("township_code")))
        else:
            frame = table.assign(_key=table.get("township_code"))
        key = "_key"
    else:
        require_fields(table, [by], name=msg("卫片执法结果表", "enforcement table"))
        frame = table
    ha = float(AreaUnit.HA.m2)
    g = frame.assign(
        patches=1, suspected=(frame["grade"] > 0).astype(int),
        suspected_basic_farmland=(frame["grade"] == 3).astype(int),
        suspected_farmland=(frame["grade"] == 2).astype(int),
        suspected_other=(frame["grade"] == 1).astype(int),
        area_ha=frame["area_m2"] / ha, approved_ha=frame["approved_m2"] / ha,
        unapproved_ha=frame["unapproved_m2"] / ha,
        jbnt_ha=frame["jbnt_m2"] / ha, cultivated_ha=frame["cultivated_m2"] / ha,
    ).groupby(key, dropna=False, sort=True)
    cols = ["patches", "suspected", "suspected_basic_farmland", "suspected_farmland",
            "suspected_other", "area_ha", "approved_ha", "unapproved_ha", "jbnt_ha", "cultivated_ha"]
    out = g[cols].sum()
    out.index.name = by
    return out
