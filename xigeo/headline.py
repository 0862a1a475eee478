"""The headline figures of a county's land-saving report, computed from its layers.

:func:`headline_figures` runs every calculator on a set of layers (by default
the bundled Xi County sample) and returns one table: topic, figure, the value
xigeo computed, its unit, and — when the layers are the sample — the figure
the county published in its report (DOMAIN.md, "The seed's figures") with
whether the computed value, rounded as the report rounds it, equals it.
It is what ``make demo`` prints and what a report's summary page shows.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

__all__ = ["Figure", "PUBLISHED", "headline_figures"]


@dataclasses.dataclass(frozen=True)
class Figure:
    """One headline figure: topic, name, unit, decimals the report prints, published value."""

    topic: str
    name: str
    unit: str
    decimals: int
    published: float | None = None


#: The figures of 息县创建国土资源节约集约模范县活动工作综述 (shared/seed; DOMAIN.md's table).
PUBLISHED: dict[tuple[str, str], Figure] = {(f.topic, f.name): f for f in (
    Figure("建设项目用地预审", "受理项目数", "个", 0, 61),
    Figure("建设项目用地预审", "受理面积", "亩", 0, 1525),
    Figure("建设项目用地预审", "通过项目数", "个", 0, 55),
    Figure("建设项目用地预审", "通过面积", "亩", 0, 1286),
    Figure("建设项目用地预审", "核减项目数", "个", 0, 6),
    Figure("建设项目用地预审", "核减面积", "亩", 0, 239),
    Figure("城乡建设用地增减挂钩", "申报项目数", "个", 0, 14),
    Figure("城乡建设用地增减挂钩", "批准项目数", "个", 0, 10),
    Figure("城乡建设用地增减挂钩", "建新区面积", "公顷", 2, 395.42),
    Figure("城乡建设用地增减挂钩", "拆旧区面积", "公顷", 2, 853.72),
    Figure("城乡建设用地增减挂钩", "节余指标", "公顷", 2, 490.77),
    Figure("土地综合整治", "项目数", "个", 0, 25),
    Figure("土地综合整治", "建设规模", "公顷", 2, 22374.70),
    Figure("土地综合整治", "新增耕地", "公顷", 2, 2847.31),
    Figure("土地综合整治", "投资", "亿元", 2, 7.29),
    Figure("濮公山矿山公园", "关停采矿企业", "家", 0, 9),
    Figure("濮公山矿山公园", "公园面积", "平方公里", 2, 2.28),
    Figure("濮公山矿山公园", "一期治理投资", "万元", 1, 1976.7),
    Figure("产业集聚区", "入驻企业", "家", 0, 80),
    Figure("产业集聚区", "主营业务收入", "亿元", 1, 142.5),
    Figure("产业集聚区", "标准厂房面积", "万平方米", 1, 18.6),
    Figure("产业集聚区", "节约用地", "亩", 0, 1506),
    Figure("表土剥离", "一期剥离面积", "亩", 0, 500),
)}


def _prereview(layers: Mapping[str, Any]) -> dict[str, float]:
    from .prereview import prereview, summarize_prereview

    table = summarize_prereview(prereview(layers["prereview"], farmland=layers["jbnt"]))
    rows = {key: table.loc[key].to_dict() for key in ("submitted", "passed", "cut")}
    return {"受理项目数": float(rows["submitted"]["count"]),
            "受理面积": float(rows["submitted"]["area_mu"]),
            "通过项目数": float(rows["passed"]["count"]), "通过面积": float(rows["passed"]["area_mu"]),
            "核减项目数": float(rows["cut"]["count"]), "核减面积": float(rows["cut"]["area_mu"])}


def _linkage(layers: Mapping[str, Any]) -> dict[str, float]:
    from .linkage import linkage_balance

    result = linkage_balance(layers["linkage_demolition"], layers["linkage_newbuild"],
                             landuse=layers["dltb"], farmland=layers.get("jbnt"))
    approved = result.totals.loc["approved"].to_dict()
    declared = result.totals.loc["declared"].to_dict()
    return {"申报项目数": float(declared["projects"]), "批准项目数": float(approved["projects"]),
            "建新区面积": float(approved["newbuild_ha"]),
            "拆旧区面积": float(approved["demolition_ha"]),
            "节余指标": float(approved["surplus_ha"])}


def _consolidation(layers: Mapping[str, Any]) -> dict[str, float]:
    from .consolidation import consolidation_summary

    table = consolidation_summary(layers["consolidation"], total=True)
    total = table.iloc[-1]
    return {"项目数": len(table) - 1, "建设规模": total["scale_measured_ha"],
            "新增耕地": total["new_farmland_ha"], "投资": total["investment_wan_yuan"] / 1e4}


def _industrial(layers: Mapping[str, Any]) -> dict[str, float]:
    from .industrial import industrial_summary

    s = industrial_summary(layers["industrial"])
    return {"入驻企业": s["enterprises"], "主营业务收入": s["revenue_yi_yuan"],
            "标准厂房面积": s["standard_factory_floor_area_wan_m2"], "节约用地": s["saved_mu"]}


def _minepark(layers: Mapping[str, Any]) -> dict[str, float]:
    from .minepark import minepark_summary

    _, s = minepark_summary(layers["minepark"], layers["minepark_pits"],
                            layers["minepark_restoration"], dem=layers["minepark_dem"])
    return {"关停采矿企业": float(s.pit_count), "公园面积": float(s.park_area_km2),
            "一期治理投资": float("nan") if s.investment_wan_yuan is None
            else float(s.investment_wan_yuan)}


def _stripping(layers: Mapping[str, Any]) -> dict[str, float]:
    from .stripping import stripping_plan

    sources = layers["stripping_sources"]
    if "QC" in sources.columns:
        sources = sources[sources["QC"] == 1]
    plan = stripping_plan(sources, layers["stripping_receivers"])
    return {"一期剥离面积": float(plan.sources["area_mu"].sum())}


_CALCULATORS: dict[str, Callable[[Mapping[str, Any]], dict[str, float]]] = {
    "建设项目用地预审": _prereview,
    "城乡建设用地增减挂钩": _linkage,
    "土地综合整治": _consolidation,
    "产业集聚区": _industrial,
    "濮公山矿山公园": _minepark,
    "表土剥离": _stripping,
}


def headline_figures(layers: Mapping[str, Any] | None = None, *,
                     topics: Iterable[str] | None = None) -> pd.DataFrame:
    """Compute the report's headline figures from ``layers`` (default: the sample).

    Parameters
    ----------
    layers : mapping of layer name to GeoDataFrame (and ``minepark_dem`` to a
        DEM path or open dataset), named as in the sample data set; default:
        the bundled sample, which carries the published figures.
    topics : iterable of str, optional
        Only these topics (e.g. ``["表土剥离"]``), for layers that cover part
        of the report; default: all six.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``topic``, ``figure``, ``value`` (unrounded),
        ``unit``, ``reported`` (rounded as the report prints it), and for the
        sample, ``published`` and ``agrees``.
    """
    from . import sample

    chosen = list(_CALCULATORS) if topics is None else list(topics)
    unknown = [t for t in chosen if t not in _CALCULATORS]
    if unknown:
        raise ValueError(f"unknown topic(s) {', '.join(unknown)}; use {', '.join(_CALCULATORS)}")
    is_sample = layers is None
    if layers is None:
        layers = {name: (sample.path(name) if name == "minepark_dem" else sample.load(name))
                  for name in sample.available}
    rows = []
    for topic, calculate in _CALCULATORS.items():
        if topic not in chosen:
            continue
        log.info("headline figures: %s", topic)
        for name, value in calculate(layers).items():
            figure = PUBLISHED[(topic, name)]
            reported = round(float(value), figure.decimals)
            row = {"topic": topic, "figure": name, "value": float(value), "unit": figure.unit,
                   "reported": reported}
            if is_sample:
                row["published"] = figure.published
                row["agrees"] = reported == figure.published
            rows.append(row)
    return pd.DataFrame(rows)
