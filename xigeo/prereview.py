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
:func:`prereview` returns a :class:`PrereviewResult` (the result contract of
:mod:`xigeo._result`): the ``projects`` table, the report's ``totals``
(submitted / passed / cut: count and area; also :func:`summarize_prereview`)
and the farmland overlap it was computed from. :func:`prereview` has an
example.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ._landuse import is_farmland
from ._lang import msg
from ._layers import describe, numeric_field
from ._result import Result, TableSpec, Total
from ._survey import class_codes
from ._tables import index_by, require_fields
from .area import AreaMethod
from .crs import check_same_crs
from .errors import OptionError, ValidationError, format_ids
from .farmland import VERDICTS, FarmlandOverlap, farmland_overlap
from .units import AreaUnit, convert_area

__all__ = ["Rule", "farmland_rule", "area_cap_rule", "DEFAULT_RULES", "PrereviewResult", "prereview",
           "summarize_prereview"]

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
        # text that is not a number is refused with its rows (it must not pass as "no cap")
        cap = numeric_field(projects, field, describe(projects, "projects")).to_numpy(dtype=float)
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
    "reasons": "核减原因(英文)", "reasons_zh": "核减原因",  # reasons: English, not in the zh table
    "count": "项目个数",
}
_TOTALS_ZH = {"count": "项目个数", "area_m2": "面积(平方米)", "area_ha": "面积(公顷)", "area_mu": "面积(亩)"}
#: verdict of a project, with its Chinese label
PREREVIEW_VERDICTS = {"passed": "通过", "cut": "核减"}


@dataclasses.dataclass(frozen=True, repr=False)
class PrereviewResult(Result):
    """Result of :func:`prereview` (the result contract: :mod:`xigeo._result`).

    Attributes
    ----------
    projects : DataFrame
        Indexed like the projects: ``area_m2``, ``area_mu``, ``jbnt_m2``,
        ``jbnt_mu``, ``jbnt_verdict`` (see :func:`xigeo.farmland_overlap`),
        ``cultivated_m2``/``cultivated_mu`` with ``landuse``, ``passed``,
        ``verdict`` ("passed"/"cut"), ``cut_m2``, ``cut_mu``, ``reasons`` and
        ``reasons_zh`` (the failed rules, "; "-separated).
    totals : DataFrame
        The report's figures: rows ``submitted``, ``passed``, ``cut`` (受理 /
        通过 / 核减 with ``labels="zh"``), columns ``count``, ``area_m2``,
        ``area_ha``, ``area_mu``.
    passed : bool
        No project is cut.
    overlap : FarmlandOverlap
        The projects overlaid with the basic farmland (pieces for maps).
    cultivated : FarmlandOverlap or None
        The projects overlaid with the farmland (DLBM 01xx) of ``landuse``.
    rules : tuple of str
        The names of the rules applied.
    tolerance_m2, method
        The options the result was computed with.

    ``table("projects", labels="zh", total=True)`` is the report's project
    table (通过 / 核减, a 合计 row that also counts the projects passed).
    """

    TITLE = ("建设项目用地预审", "Land-use pre-review")
    TABLES = {
        "projects": TableSpec("建设项目用地预审项目表", "Pre-review by project", _ZH_COLUMNS,
                              values_zh={"verdict": PREREVIEW_VERDICTS, "jbnt_verdict": VERDICTS},
                              hidden_zh=("reasons",), total=Total()),
        "totals": TableSpec("建设项目用地预审汇总表", "Pre-review totals", _TOTALS_ZH,
                            index_zh={"submitted": "受理", "passed": "通过", "cut": "核减"},
                            index_name_zh="审查结果"),
    }

    projects: pd.DataFrame
    totals: pd.DataFrame
    passed: bool
    overlap: FarmlandOverlap
    cultivated: FarmlandOverlap | None
    rules: tuple[str, ...]
    tolerance_m2: float
    method: str
    projects_name: str = "projects"

    def _summary(self, lang: str) -> str:
        t = self.totals.reindex(["submitted", "passed", "cut"])
        n, ok, cut = (int(v) for v in t["count"].to_numpy())
        mu = dict(zip(t.index, t["area_mu"].to_numpy(dtype=float)))
        on_jbnt = int(((self.projects["jbnt_verdict"] == "touches") & ~self.projects["passed"]).sum())
        tol = self.tolerance_m2
        if lang == "zh":
            text = (f"建设项目用地预审：受理项目{n:,}个（{self.projects_name}），面积{mu['submitted']:,.2f}亩；"
                    f"通过预审{ok:,}个，面积{mu['passed']:,.2f}亩；核减项目{cut:,}个，面积"
                    f"{mu['cut']:,.2f}亩，其中占用永久基本农田（超过碎片容差{tol:g}平方米）的{on_jbnt:,}个。")
            return text + ("结论：全部通过。" if self.passed else "结论：有项目核减。")
        text = (f"Pre-review of {n:,} project{'s' * (n != 1)} ({self.projects_name}), "
                f"{mu['submitted']:,.2f} mu: {ok:,} passed ({mu['passed']:,.2f} mu), {cut:,} cut "
                f"({mu['cut']:,.2f} mu), {on_jbnt:,} of them on permanent basic farmland beyond the "
                f"sliver tolerance of {tol:g} m².")
        return text + (" Result: passed." if self.passed else " Result: failed (projects cut).")


def _rules(rules: Sequence[Rule | str]) -> list[Rule]:
    if isinstance(rules, (str, Rule)):
        rules = [rules]
    out = []
    for rule in rules:
        if isinstance(rule, str):
            if rule not in _NAMED:
                names = ", ".join(_NAMED)
                raise OptionError(msg(f"未知的规则 {rule!r}；可用：{names}（或一个 Rule）",
                                      f"unknown rule {rule!r}; use one of: {names} (or a Rule)"))
            rule = _NAMED[rule]()
        if not isinstance(rule, Rule):
            names, kind = ", ".join(_NAMED), type(rule).__name__
            raise OptionError(msg(f"rules：请给出 Rule 对象或规则名（{names}），而不是 {kind}",
                                  f"rules: give Rule objects or rule names ({names}), got {kind}"))
        out.append(rule)
    return out


def _hits(rule: Rule, projects: gpd.GeoDataFrame, table: pd.DataFrame, label: str) -> np.ndarray:
    """The projects ``rule`` fails, as a boolean array; a rule that gives no clear answer is refused."""
    raw = np.asarray(rule.test(projects, table), dtype=object)
    if raw.shape != (len(table),):
        got = raw.size if raw.ndim else 1
        raise OptionError(msg(f"规则 {rule.name!r} 对 {len(table)} 个项目返回了 {got} 个值："
                              "它的检验须对每个项目给出一个 True/False",
                              f"rule {rule.name!r} returned {got} values for "
                              f"{len(table)} projects: its test must give one True/False per project"))
    missing = np.asarray(pd.isna(raw), dtype=bool)
    if missing.any():
        ids = list(table.index[missing])
        shown = format_ids(ids)
        raise ValidationError(msg(f"{label}：规则 {rule.name!r} 对项目 {shown} 没有给出结果（缺失值）",
                                  f"{label}: rule {rule.name!r} gave no answer (a missing value) for "
                                  f"project(s) {shown}"), ids)
    return raw.astype(bool)


def _totals(table: pd.DataFrame) -> pd.DataFrame:
    """Submitted / passed / cut projects: count and area (the report's figures)."""
    require_fields(table, ["passed", "area_m2"], name=msg("预审结果表", "prereview table"))
    ok = table["passed"].to_numpy(dtype=bool)
    m2 = table["area_m2"].to_numpy(dtype=float)
    rows = {"submitted": np.ones_like(ok), "passed": ok, "cut": ~ok}
    out = pd.DataFrame({
        "count": [int(mask.sum()) for mask in rows.values()],
        "area_m2": [float(m2[mask].sum()) for mask in rows.values()],
    }, index=list(rows))
    out["area_ha"] = convert_area(out["area_m2"].to_numpy(), AreaUnit.M2, AreaUnit.HA)
    out["area_mu"] = convert_area(out["area_m2"].to_numpy(), AreaUnit.M2, AreaUnit.MU)
    return out


def prereview(projects: gpd.GeoDataFrame, *, farmland: gpd.GeoDataFrame | gpd.GeoSeries,
              landuse: gpd.GeoDataFrame | None = None, rules: Sequence[Rule | str] = DEFAULT_RULES,
              tolerance_m2: float = 10.0, method: str | AreaMethod = "ellipsoidal",
              id_field: str | None = None) -> PrereviewResult:
    """Pre-review submitted project polygons: each passes or is cut whole, with the reasons.

    Parameters
    ----------
    projects : GeoDataFrame
        The submitted projects, indexed by project id (``gdf.set_index("XMBH")``)
        or with the id in ``id_field``, with the fields the rules need
        (``YDBZMJ`` for the area cap).
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
    id_field : str, optional
        The projects' id field (kept as a column too); default: the index.

    Returns
    -------
    PrereviewResult
        The tables ``projects`` (one row per project: areas, the farmland
        verdict, ``passed``, ``verdict``, the area cut and the reasons) and
        ``totals`` (submitted / passed / cut), ``passed`` (no project cut),
        ``overlap`` and ``cultivated`` (the farmland overlays), ``summary(lang)``;
        see :class:`PrereviewResult`.

    Raises
    ------
    OptionError
        An unknown rule name, something that is not a rule, a rule whose test
        does not give one answer per project; a bad ``tolerance_m2`` or ``method``.
    CRSError, ValidationError
        As :func:`xigeo.farmland_overlap` (layers in different CRSs, invalid
        geometries, missing or duplicate ids); a rule that gives no answer
        (a missing value) for some projects.
    SchemaError
        A field a rule needs (e.g. YDBZMJ), ``id_field`` or the landuse's DLBM is missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely import box
    >>> x0, y0 = 38_560_000, 3_580_000
    >>> projects = gpd.GeoDataFrame({"XMBH": ["YS01", "YS02", "YS03"], "YDBZMJ": [20.0, 20.0, 10.0]},
    ...     geometry=[box(x0, y0, x0 + 100, y0 + 100), box(x0 + 200, y0, x0 + 300, y0 + 100),
    ...               box(x0 + 400, y0, x0 + 500, y0 + 100)], crs=4526)
    >>> jbnt = gpd.GeoSeries([box(x0 + 290, y0, x0 + 350, y0 + 100)], crs=4526)
    >>> result = prereview(projects, farmland=jbnt, method="planar", id_field="XMBH")
    >>> result.passed
    False
    >>> result.projects[["area_mu", "jbnt_m2", "verdict", "cut_mu"]]
          area_mu  jbnt_m2 verdict  cut_mu
    XMBH
    YS01     15.0      0.0  passed     0.0
    YS02     15.0   1000.0     cut    15.0
    YS03     15.0      0.0     cut    15.0
    >>> result.projects["reasons"].tolist()
    ['', 'overlaps permanent basic farmland by more than the sliver tolerance', 'area above the land-use standard area (YDBZMJ)']
    >>> result.table("totals", labels="zh")[["项目个数", "面积(亩)"]]
          项目个数  面积(亩)
    审查结果
    受理       3   45.0
    通过     1   15.0
    核减     2   30.0
    >>> result.table("projects", labels="zh", total=True)[["申报面积(亩)", "审查结论", "是否通过"]]
          申报面积(亩) 审查结论 是否通过
    项目编号
    YS01     15.0   通过    是
    YS02     15.0   核减    否
    YS03     15.0   核减    否
    合计       45.0  NaN  NaN
    >>> print(result.summary())
    建设项目用地预审：受理项目3个（projects），面积45.00亩；通过预审1个，面积15.00亩；核减项目2个，面积30.00亩，其中占用永久基本农田（超过碎片容差10平方米）的1个。结论：有项目核减。
    """
    rule_list = _rules(rules)
    p_label = describe(projects, "projects")
    layers = [projects, farmland] + ([landuse] if landuse is not None else [])
    names = (p_label, describe(farmland, "farmland")) + \
        ((describe(landuse, "landuse"),) if landuse is not None else ())
    check_same_crs(*layers, names=names)
    if id_field is not None:
        projects = index_by(projects, id_field, name=p_label)
    require_fields(projects, [f for r in rule_list for f in r.fields], name=p_label)
    if landuse is not None:
        require_fields(landuse, ["DLBM"], name=names[-1])
        class_codes(landuse, "DLBM", names[-1])  # numeric codes (101) would find no farmland

    ov = farmland_overlap(projects, farmland, tolerance_m2=tolerance_m2, method=method)
    bp = ov.by_parcel
    table = pd.DataFrame({
        "area_m2": bp["parcel_m2"],
        "area_mu": convert_area(bp["parcel_m2"].to_numpy(), AreaUnit.M2, AreaUnit.MU),
        "jbnt_m2": bp["overlap_m2"],
        "jbnt_mu": bp["overlap_mu"],
        "jbnt_verdict": bp["verdict"],
    }, index=projects.index.copy())
    cov = None
    if landuse is not None:
        cultivated = landuse[is_farmland(landuse["DLBM"])]
        cov = farmland_overlap(projects, cultivated, tolerance_m2=tolerance_m2, method=method)
        table["cultivated_m2"] = cov.by_parcel["overlap_m2"].to_numpy()
        table["cultivated_mu"] = cov.by_parcel["overlap_mu"].to_numpy()

    failed = np.zeros(len(table), dtype=bool)
    reasons: list[list[Rule]] = [[] for _ in range(len(table))]
    for rule in rule_list:
        hit = _hits(rule, projects, table, p_label)
        failed |= hit
        for i in np.flatnonzero(hit):
            reasons[i].append(rule)
    table["passed"] = ~failed
    table["verdict"] = np.where(failed, "cut", "passed")
    table["cut_m2"] = np.where(failed, table["area_m2"].to_numpy(), 0.0)
    table["cut_mu"] = np.where(failed, table["area_mu"].to_numpy(), 0.0)
    table["reasons"] = ["; ".join(r.reason_en for r in rs) for rs in reasons]
    table["reasons_zh"] = ["；".join(r.reason_zh for r in rs) for rs in reasons]
    log.info(msg("prereview(%s)：%d 个项目，通过 %d 个，核减 %d 个（%.2f 亩）",
                 "prereview(%s): %d projects, %d passed, %d cut (%.2f mu)"), p_label, len(table),
             int((~failed).sum()), int(failed.sum()), float(table["cut_mu"].sum()))
    return PrereviewResult(projects=table, totals=_totals(table), passed=not failed.any(),
                           overlap=ov, cultivated=cov, rules=tuple(r.name for r in rule_list),
                           tolerance_m2=ov.tolerance_m2, method=ov.method,
                           projects_name=Path(p_label).name)


def summarize_prereview(result: PrereviewResult | pd.DataFrame) -> pd.DataFrame:
    """The report's figures: submitted / passed / cut projects, count and area.

    ``result`` is what :func:`prereview` returned (or its ``projects``
    table); the same as ``result.totals``: rows ``submitted``, ``passed``,
    ``cut`` and columns ``count``, ``area_m2``, ``area_ha``, ``area_mu``
    (``result.table("totals", labels="zh")``: 受理 / 通过 / 核减, Chinese headers).
    """
    if isinstance(result, PrereviewResult):
        return result.totals.copy()
    return _totals(result)
