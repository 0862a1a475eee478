"""Land-use pre-review of construction projects (建设项目用地预审): pass or cut (核减).

Each submitted project polygon is checked against rules; a project that
breaks any rule is cut (核减) whole — its whole area is the area cut — and the
table says why. The default rules are the two of the county's pre-review:

- :func:`farmland_rule`: the project overlaps permanent basic farmland
  (永久基本农田) by more than the sliver tolerance (10 m² by default; the
  overlap is measured by :func:`xigeo.farmland_overlap`);
- :func:`area_cap_rule`: the project's area exceeds the area the land-use
  standard allows it (用地标准面积, field ``YDBZMJ`` in mu).

Other rules are :class:`Rule` objects: a name, the reason in Chinese and
English, and a test on the projects and the computed table.
:func:`summarize_prereview` gives the report's figures (submitted / passed /
cut: count and area).

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> x0, y0 = 38_560_000, 3_580_000
>>> projects = gpd.GeoDataFrame({"YDBZMJ": [20.0, 20.0, 10.0]}, geometry=[
...     box(x0, y0, x0 + 100, y0 + 100), box(x0 + 200, y0, x0 + 300, y0 + 100),
...     box(x0 + 400, y0, x0 + 500, y0 + 100)],
...     index=pd.Index(["YS01", "YS02", "YS03"], name="XMBH"), crs=4526)
>>> jbnt = gpd.GeoSeries([box(x0 + 290, y0, x0 + 350, y0 + 100)], crs=4526)
>>> table = prereview(projects, farmland=jbnt, method="planar")
>>> table[["area_mu", "jbnt_m2", "verdict", "cut_mu"]]
      area_mu  jbnt_m2 verdict  cut_mu
XMBH
YS01     15.0      0.0  passed     0.0
YS02     15.0   1000.0     cut    15.0
YS03     15.0      0.0     cut    15.0
>>> table["reasons"].tolist()
['', 'overlaps permanent basic farmland by more than the sliver tolerance', 'area above the land-use standard area (YDBZMJ)']
>>> summarize_prereview(table)[["count", "area_mu"]]
           count  area_mu
submitted      3     45.0
passed         1     15.0
cut            2     30.0
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ._tables import add_total, check_labels, relabel, require_fields
from .area import AreaMethod
from .crs import check_same_crs
from .farmland import _label, farmland_overlap
from .units import AreaUnit, convert_area

__all__ = ["Rule", "farmland_rule", "area_cap_rule", "DEFAULT_RULES", "prereview", "summarize_prereview"]

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Rule:
    """A pre-review rule; a project that fails it is cut (核减).

    ``test(projects, table)`` gets the projects layer and the table computed
    so far (``area_m2``, ``area_mu``, ``jbnt_m2``, ``jbnt_verdict``, … indexed
    like the projects) and returns a boolean array or Series: True where the
    project fails. ``fields``: the project fields the rule needs (checked
    before anything is computed).

    >>> big = Rule("size", "面积超过100亩", "area above 100 mu",
    ...            lambda projects, table: table["area_mu"] > 100)
    >>> big.name, big.reason_en
    ('size', 'area above 100 mu')
    """

    name: str
    reason_zh: str
    reason_en: str
    test: Callable[[gpd.GeoDataFrame, pd.DataFrame], Any]
    fields: tuple[str, ...] = ()


def farmland_rule() -> Rule:
    """Fail a project that overlaps the farmland layer by more than the sliver tolerance."""
    return Rule("farmland", "占用永久基本农田（超过碎片容差）",
                "overlaps permanent basic farmland by more than the sliver tolerance",
                lambda projects, table: table["jbnt_verdict"] == "touches")


def area_cap_rule(field: str = "YDBZMJ", *, unit: str = "mu") -> Rule:
    """Fail a project whose area exceeds its land-use-standard area (``field``, in ``unit``)."""
    unit_ = AreaUnit.create(unit)

    def test(projects: gpd.GeoDataFrame, table: pd.DataFrame) -> Any:
        cap = pd.to_numeric(projects[field], errors="coerce").to_numpy(dtype=float)
        area = convert_area(table["area_m2"].to_numpy(), AreaUnit.M2, unit_)
        return area > cap  # a missing cap (NaN) never fails

    return Rule("area_cap", f"用地面积超过用地标准面积（{field}）",
                f"area above the land-use standard area ({field})", test, (field,))


DEFAULT_RULES: tuple[Rule, ...] = (farmland_rule(), area_cap_rule())
_NAMED = {"farmland": farmland_rule, "area_cap": area_cap_rule}

_ZH_COLUMNS = {
    "area_m2": "申报面积(平方米)", "area_mu": "申报面积(亩)", "area_ha": "申报面积(公顷)",
    "jbnt_m2": "占用永久基本农田(平方米)", "jbnt_mu": "占用永久基本农田(亩)",
    "jbnt_verdict": "基本农田检查", "cultivated_m2": "占用耕地(平方米)", "cultivated_mu": "占用耕地(亩)",
    "passed": "是否通过", "verdict": "审查结论", "cut_m2": "核减面积(平方米)", "cut_mu": "核减面积(亩)",
    "reasons": "核减原因(英文)", "reasons_zh": "核减原因",
    "count": "项目个数",
}


def _rules(rules: Sequence[Rule | str]) -> list[Rule]:
    out = []
    for rule in rules:
        if isinstance(rule, str):
            if rule not in _NAMED:
                raise ValueError(f"unknown rule {rule!r}; use one of {', '.join(_NAMED)} or a Rule")
            rule = _NAMED[rule]()
        if not isinstance(rule, Rule):
            raise TypeError(f"rules must be Rule objects or names, got {type(rule).__name__}")
        out.append(rule)
    return out


def prereview(projects: gpd.GeoDataFrame, *, farmland: gpd.GeoDataFrame | gpd.GeoSeries,
              landuse: gpd.GeoDataFrame | None = None, rules: Sequence[Rule | str] = DEFAULT_RULES,
              tolerance_m2: float = 10.0, method: str | AreaMethod = "ellipsoidal",
              total: bool = False, labels: str = "en") -> pd.DataFrame:
    """Pre-review submitted project polygons: each passes or is cut whole, with the reasons.

    Parameters
    ----------
    projects : GeoDataFrame
        The submitted projects, indexed by project id (``gdf.set_index("XMBH")``),
        with the fields the rules need (``YDBZMJ`` for the area cap).
    farmland : GeoDataFrame or GeoSeries
        Permanent basic farmland (永久基本农田, ``jbnt``), same CRS.
    landuse : GeoDataFrame, optional
        A land-use survey layer (``dltb``, field DLBM): adds the farmland
        (耕地, DLBM 01xx) each project occupies, for information.
    rules : sequence of Rule or rule names
        Default: :func:`farmland_rule` and :func:`area_cap_rule` (``"farmland"``,
        ``"area_cap"``).
    tolerance_m2 : float
        Sliver tolerance of the farmland overlap (default 10 m²).
    method : {"ellipsoidal", "geodesic", "planar"}
        Area method (:func:`xigeo.area.area`), the survey ellipsoidal area by default.
    total : bool
        Append a 合计 row (sums of the area columns and of ``passed``).
    labels : {"en", "zh"}
        ``zh``: Chinese column headers and verdicts (通过 / 核减).

    Returns
    -------
    DataFrame
        Indexed like ``projects``: ``area_m2``, ``area_mu``, ``jbnt_m2``,
        ``jbnt_mu``, ``jbnt_verdict`` (see :func:`xigeo.farmland_overlap`),
        ``cultivated_m2``/``cultivated_mu`` with ``landuse``, ``passed``,
        ``verdict`` ("passed"/"cut"), ``cut_m2``, ``cut_mu``, ``reasons`` and
        ``reasons_zh`` (the failed rules, "; "-separated).

    Raises
    ------
    CRSError, ValidationError
        As :func:`xigeo.farmland_overlap` (layers in different CRSs, invalid
        geometries, missing or duplicate ids).
    SchemaError
        A field a rule needs (e.g. YDBZMJ) is missing.
    """
    labels = check_labels(labels)
    rule_list = _rules(rules)
    p_label = _label(projects, "projects")
    layers = [projects, farmland] + ([landuse] if landuse is not None else [])
    names = (p_label, _label(farmland, "farmland")) + ((_label(landuse, "landuse"),) if landuse is not None else ())
    check_same_crs(*layers, names=names)
    require_fields(projects, [f for r in rule_list for f in r.fields], name=p_label)
    if landuse is not None:
        require_fields(landuse, ["DLBM"], name=names[-1])

    ov = farmland_overlap(projects, farmland, tolerance_m2=tolerance_m2, method=method)
    bp = ov.by_parcel
    table = pd.DataFrame({
        "area_m2": bp["parcel_m2"],
        "area_mu": convert_area(bp["parcel_m2"].to_numpy(), AreaUnit.M2, AreaUnit.MU),
        "jbnt_m2": bp["overlap_m2"],
        "jbnt_mu": bp["overlap_mu"],
        "jbnt_verdict": bp["verdict"],
    }, index=projects.index.copy())
    if landuse is not None:
        cultivated = landuse[landuse["DLBM"].astype(str).str.startswith("01").to_numpy()]
        cov = farmland_overlap(projects, cultivated, tolerance_m2=tolerance_m2, method=method)
        table["cultivated_m2"] = cov.by_parcel["overlap_m2"].to_numpy()
        table["cultivated_mu"] = cov.by_parcel["overlap_mu"].to_numpy()

    failed = np.zeros(len(table), dtype=bool)
    reasons: list[list[Rule]] = [[] for _ in range(len(table))]
    for rule in rule_list:
        hit = np.asarray(rule.test(projects, table), dtype=bool)
        if hit.shape != failed.shape:
            raise ValueError(f"rule {rule.name!r} returned {hit.shape[0] if hit.ndim else 1} values "
                             f"for {len(table)} projects")
        failed |= hit
        for i in np.flatnonzero(hit):
            reasons[i].append(rule)
    table["passed"] = ~failed
    table["verdict"] = np.where(failed, "cut", "passed")
    table["cut_m2"] = np.where(failed, table["area_m2"].to_numpy(), 0.0)
    table["cut_mu"] = np.where(failed, table["area_mu"].to_numpy(), 0.0)
    table["reasons"] = ["; ".join(r.reason_en for r in rs) for rs in reasons]
    table["reasons_zh"] = ["；".join(r.reason_zh for r in rs) for rs in reasons]
    log.info("prereview(%s): %d projects, %d passed, %d cut (%.2f mu)", p_label, len(table),
             int((~failed).sum()), int(failed.sum()), float(table["cut_mu"].sum()))
    if total:
        table = add_total(table.astype({"passed": int}))
    if labels == "zh":
        from .farmland import VERDICTS

        table = table.replace({"verdict": {"passed": "通过", "cut": "核减"}, "jbnt_verdict": VERDICTS})
        table = relabel(table, _ZH_COLUMNS, labels="zh")
    return table


def summarize_prereview(table: pd.DataFrame, *, labels: str = "en") -> pd.DataFrame:
    """The report's figures: submitted / passed / cut projects, count and area.

    ``table`` is what :func:`prereview` returned (English labels, no total row).
    Returns rows ``submitted``, ``passed``, ``cut`` (受理 / 通过 / 核减 with
    ``labels="zh"``) and columns ``count``, ``area_m2``, ``area_ha``, ``area_mu``.
    """
    labels = check_labels(labels)
    require_fields(table, ["passed", "area_m2"], name="prereview table")
    ok = table["passed"].to_numpy(dtype=bool)
    m2 = table["area_m2"].to_numpy(dtype=float)
    rows = {"submitted": np.ones_like(ok), "passed": ok, "cut": ~ok}
    out = pd.DataFrame({
        "count": [int(mask.sum()) for mask in rows.values()],
        "area_m2": [float(m2[mask].sum()) for mask in rows.values()],
    }, index=list(rows))
    out["area_ha"] = convert_area(out["area_m2"].to_numpy(), AreaUnit.M2, AreaUnit.HA)
    out["area_mu"] = convert_area(out["area_m2"].to_numpy(), AreaUnit.M2, AreaUnit.MU)
    if labels == "zh":
        out = out.rename(index={"submitted": "受理", "passed": "通过", "cut": "核减"})
        out = relabel(out, {"count": "项目个数", "area_m2": "面积(平方米)", "area_ha": "面积(公顷)",
                            "area_mu": "面积(亩)"}, labels="zh")
    return out
