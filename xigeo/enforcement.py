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

Examples
--------
>>> import geopandas as gpd
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
>>> t = enforcement_check(changes, approvals=approvals, farmland=jbnt, landuse=landuse, method="planar")
>>> t[["approved_m2", "jbnt_m2", "cultivated_m2", "approval", "grade", "verdict"]]
      approved_m2  jbnt_m2  cultivated_m2 approval  grade         verdict
JCBH
C1        10000.0      0.0            0.0      all      0        approved
C2         5000.0   2000.0         5000.0     part      3  basic farmland
C3            0.0      0.0         5000.0     none      2        farmland
>>> summarize_enforcement(t)[["patches", "suspected", "unapproved_ha"]]
           patches  suspected  unapproved_ha
township
411528101        3          2            1.5
合计               3          2            1.5
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._overlay import intersection_pieces, polygonal_part
from ._tables import add_total, check_labels, relabel, require_fields
from .area import AreaMethod, area
from .crs import check_same_crs
from .farmland import _label, _prepare, farmland_overlap
from .units import AreaUnit, convert_area

__all__ = ["enforcement_check", "summarize_enforcement", "is_construction", "GRADES"]

log = logging.getLogger(__name__)

#: grade → (verdict, Chinese verdict)
GRADES = {0: ("approved", "合法（已批准）"), 1: ("other", "疑似违法用地"),
          2: ("farmland", "疑似违法占用耕地"), 3: ("basic farmland", "疑似违法占用永久基本农田")}
APPROVAL_ZH = {"all": "已批准", "part": "部分批准", "none": "未批准"}
# construction land (建设用地) among the GB/T 21010 codes of 三调 (sample README)
_CONSTRUCTION_GROUPS = ("05", "06", "07", "08", "09")
_CONSTRUCTION_CODES = ("1001", "1002", "1003", "1004", "1005", "1007", "1008", "1009", "1109", "1201")

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


def is_construction(dlbm: Any) -> np.ndarray:
    """True for construction-land codes (05–09xx, 1001–1005, 1007–1009, 1109, 1201).

    >>> is_construction(pd.Series(["0702", "0101", "1006", "1003"])).tolist()
    [True, False, False, True]
    """
    codes = pd.Series(np.asarray(dlbm, dtype=object)).astype(str)
    return (codes.str[:2].isin(_CONSTRUCTION_GROUPS) | codes.isin(_CONSTRUCTION_CODES)).to_numpy()


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
                      method: str | AreaMethod = "ellipsoidal", total: bool = False,
                      labels: str = "en") -> pd.DataFrame:
    """Grade satellite change patches: approved, or suspected violations by the land they take.

    Parameters
    ----------
    changes : GeoDataFrame
        Change patches (卫片图斑), indexed by their id (``gdf.set_index("JCBH")``).
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
    total : bool
        Append a 合计 row (area sums).
    labels : {"en", "zh"}
        ``zh``: Chinese headers and verdicts.

    Returns
    -------
    DataFrame
        Indexed like ``changes``: ``area_m2``, ``area_ha``, ``approved_m2``,
        ``unapproved_m2`` (= area − approved), ``unapproved_ha``, and the
        unapproved part's ``jbnt_m2`` (on basic farmland), ``cultivated_m2``
        (on DLBM 01xx), ``construction_m2`` (on existing construction land)
        and ``other_m2``; ``approval`` ("all", "part", "none"), ``grade``
        (0–3) and ``verdict`` (see the module notes); ``township_code`` and
        ``township``.

    Raises
    ------
    CRSError, ValidationError, SchemaError
        Layers in different CRSs; invalid geometries, missing or duplicate
        ids; landuse without DLBM, townships without XZQDM/XZQMC.
    """
    labels = check_labels(labels)
    method = AreaMethod.create(method)
    names = {"changes": _label(changes, "changes"), "approvals": _label(approvals, "approvals"),
             "farmland": _label(farmland, "farmland"), "landuse": _label(landuse, "landuse")}
    layers = [changes, approvals, farmland, landuse]
    if townships is not None:
        names["townships"] = _label(townships, "townships")
        layers.append(townships)
    check_same_crs(*layers, names=tuple(names.values()))
    require_fields(landuse, ["DLBM"], name=names["landuse"])
    if townships is not None:
        require_fields(townships, ["XZQDM", "XZQMC"], name=names["townships"])
    changes = _prepare(changes, names["changes"])
    approvals = _prepare(approvals, names["approvals"])
    if townships is not None:
        townships = _prepare(townships, names["townships"])
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
        codes = p["DLBM"].astype(str)
        kind = np.where(codes.str.startswith("01").to_numpy(), "cultivated",
                        np.where(is_construction(codes), "construction", "other"))
        for k in cls_m2:
            sel = kind == k
            cls_m2[k] = np.bincount(pos[sel], weights=p["area_m2"].to_numpy()[sel],
                                    minlength=n).astype(float)

    tol = float(tolerance_m2)
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
    log.info("enforcement_check(%s): %d patches, %d suspected (%d on basic farmland, %d on farmland)",
             names["changes"], n, int((grade > 0).sum()), int((grade == 3).sum()), int((grade == 2).sum()))
    if total:
        table = add_total(table, sum_columns=[c for c in table.columns if c.endswith(("_m2", "_ha"))])
    if labels == "zh":
        table = table.replace({"approval": APPROVAL_ZH,
                               "verdict": {en: zh for en, zh in GRADES.values()}})
        table = relabel(table, _ZH_COLUMNS, labels="zh")
    return table


def _townships(changes: gpd.GeoDataFrame, geoms: np.ndarray, townships: gpd.GeoDataFrame | None,
               landuse: gpd.GeoDataFrame, crs: Any, method: AreaMethod) -> tuple[np.ndarray, np.ndarray]:
    """Township code and name of the township each patch mostly lies in."""
    n = len(geoms)
    if townships is not None:
        layer, code_field = townships, "XZQDM"
    elif "ZLDWDM" in landuse.columns:
        layer, code_field = landuse, "ZLDWDM"
    else:
        log.warning("no townships layer and no ZLDWDM in landuse: township left empty")
        return np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    li, ri, pieces = intersection_pieces(geoms, np.asarray(layer.geometry.values, dtype=object))
    m2 = area(gpd.GeoSeries(pieces, crs=crs), method=method).to_numpy()
    codes = _largest(li, m2, layer[code_field].astype(str).to_numpy()[ri], n)
    if townships is not None:
        names = _largest(li, m2, townships["XZQMC"].astype(str).to_numpy()[ri], n)
        return codes, names
    return np.array([c[:9] if c is not None else None for c in codes], dtype=object), \
        np.full(n, None, dtype=object)


def summarize_enforcement(table: pd.DataFrame, *, by: str = "township", total: bool = True,
                          labels: str = "en") -> pd.DataFrame:
    """Patches and areas per township (or per another column of the table).

    ``table`` is what :func:`enforcement_check` returned (English labels, no
    total row). Columns: ``patches``, ``suspected`` (grade > 0) and per
    grade (``suspected_basic_farmland``, ``suspected_farmland``,
    ``suspected_other``), ``area_ha``, ``approved_ha``, ``unapproved_ha``,
    ``jbnt_ha``, ``cultivated_ha``; a 合计 row with ``total``.
    """
    labels = check_labels(labels)
    require_fields(table, ["grade", "area_m2", "approved_m2", "unapproved_m2", "jbnt_m2",
                           "cultivated_m2"], name="enforcement table")
    key = by
    if by == "township":
        if "township" in table.columns and table["township"].notna().any():
            frame = table.assign(_key=table["township"].fillna(table.get("township_code")))
        else:
            frame = table.assign(_key=table.get("township_code"))
        key = "_key"
    else:
        require_fields(table, [by], name="enforcement table")
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
    if total:
        out = add_total(out)
    return relabel(out, _ZH_COLUMNS, labels=labels)
