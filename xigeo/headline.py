"""The headline figures of a county's land-saving report, computed from its layers.

:func:`headline_figures` runs every calculator on a set of layers (by default
the bundled Xi County sample) and returns one table: topic, figure, the value
xigeo computed, its unit, and — when the layers are the sample — the figure
the county published in its report (DOMAIN.md, "The seed's figures") with
whether the computed value, rounded as the report rounds it, equals it.
It is what ``make demo`` prints and what a report's summary page shows.
:func:`compute_results` runs each calculator once; the report passes the same
results to its maps, its tables and :func:`headline_figures`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from ._lang import msg
from .errors import OptionError

log = logging.getLogger(__name__)

__all__ = ["Figure", "PUBLISHED", "Topic", "TOPICS", "compute_results", "headline_figures",
           "sample_layers"]


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


# ---------------------------------------------------------------- the calculators, once each
# Each topic: how its result is computed from the layers, and the figures read from the result.
# build_report computes the results once (compute_results) and hands the same results to its
# maps, its tables and headline_figures.


def _stripping_sources(layers: Mapping[str, Any]) -> Any:
    """The first phase (期次 QC == 1) of the stripping sources, as the report counts it."""
    sources = layers["stripping_sources"]
    return sources[sources["QC"] == 1] if "QC" in sources.columns else sources


def _compute_prereview(layers: Mapping[str, Any]) -> Any:
    from .prereview import prereview

    projects = layers["prereview"]
    if "XMBH" in projects.columns and projects.index.name != "XMBH":
        projects = projects.set_index("XMBH")
    return prereview(projects, farmland=layers["jbnt"])


def _compute_linkage(layers: Mapping[str, Any]) -> Any:
    from .linkage import linkage_balance

    return linkage_balance(layers["linkage_demolition"], layers["linkage_newbuild"],
                           landuse=layers["dltb"], farmland=layers.get("jbnt"))


def _compute_consolidation(layers: Mapping[str, Any]) -> Any:
    from .consolidation import consolidation_summary

    return consolidation_summary(layers["consolidation"])


def _compute_industrial(layers: Mapping[str, Any]) -> Any:
    from .industrial import industrial_intensity

    return industrial_intensity(layers["industrial"])


def _compute_minepark(layers: Mapping[str, Any]) -> Any:
    from .minepark import minepark_summary

    return minepark_summary(layers["minepark"], layers["minepark_pits"],
                            layers["minepark_restoration"], dem=layers["minepark_dem"])


def _compute_stripping(layers: Mapping[str, Any]) -> Any:
    from .stripping import stripping_plan

    return stripping_plan(_stripping_sources(layers), layers["stripping_receivers"])


def _prereview(result: Any) -> dict[str, float]:
    rows = {key: result.totals.loc[key].to_dict() for key in ("submitted", "passed", "cut")}
    return {"受理项目数": float(rows["submitted"]["count"]),
            "受理面积": float(rows["submitted"]["area_mu"]),
            "通过项目数": float(rows["passed"]["count"]), "通过面积": float(rows["passed"]["area_mu"]),
            "核减项目数": float(rows["cut"]["count"]), "核减面积": float(rows["cut"]["area_mu"])}


def _linkage(result: Any) -> dict[str, float]:
    approved = result.totals.loc["approved"].to_dict()
    declared = result.totals.loc["declared"].to_dict()
    return {"申报项目数": float(declared["projects"]), "批准项目数": float(approved["projects"]),
            "建新区面积": float(approved["newbuild_ha"]),
            "拆旧区面积": float(approved["demolition_ha"]),
            "节余指标": float(approved["surplus_ha"])}


def _consolidation(result: Any) -> dict[str, float]:
    total = result.table("projects", total=True).iloc[-1]
    return {"项目数": float(len(result.projects)), "建设规模": float(total["scale_measured_ha"]),
            "新增耕地": float(total["new_farmland_ha"]),
            "投资": float(total["investment_wan_yuan"]) / 1e4}


def _industrial(result: Any) -> dict[str, float]:
    s = result.totals["value"]
    return {"入驻企业": float(s["enterprises"]), "主营业务收入": float(s["revenue_yi_yuan"]),
            "标准厂房面积": float(s["standard_factory_floor_area_wan_m2"]),
            "节约用地": float(s["saved_mu"])}


def _minepark(result: Any) -> dict[str, float]:
    return {"关停采矿企业": float(result.pit_count), "公园面积": float(result.park_area_km2),
            "一期治理投资": float("nan") if result.investment_wan_yuan is None
            else float(result.investment_wan_yuan)}


def _stripping(result: Any) -> dict[str, float]:
    return {"一期剥离面积": float(result.sources["area_mu"].sum())}


@dataclasses.dataclass(frozen=True)
class Topic:
    """A headline topic: how its result is computed from the layers, the figures it gives."""

    name: str
    compute: Callable[[Mapping[str, Any]], Any]
    figures: Callable[[Any], dict[str, float]]


#: The topics of the headline figures, in report order, keyed by their Chinese name.
TOPICS: dict[str, Topic] = {t.name: t for t in (
    Topic("建设项目用地预审", _compute_prereview, _prereview),
    Topic("城乡建设用地增减挂钩", _compute_linkage, _linkage),
    Topic("土地综合整治", _compute_consolidation, _consolidation),
    Topic("产业集聚区", _compute_industrial, _industrial),
    Topic("濮公山矿山公园", _compute_minepark, _minepark),
    Topic("表土剥离", _compute_stripping, _stripping),
)}


def _topics(topics: Iterable[str] | None) -> list[str]:
    chosen = list(TOPICS) if topics is None else list(topics)
    unknown = [t for t in chosen if t not in TOPICS]
    if unknown:
        raise OptionError(msg(f"topics：未知专题 {', '.join(unknown)}；可选：{', '.join(TOPICS)}",
                              f"topics: unknown topic(s) {', '.join(unknown)}; use {', '.join(TOPICS)}"))
    return [t for t in TOPICS if t in chosen]  # always in report order


def sample_layers() -> dict[str, Any]:
    """The bundled sample's layers by name (the DEM as its path)."""
    from . import sample

    return {name: (sample.path(name) if name == "minepark_dem" else sample.load(name))
            for name in sample.available}


def compute_results(layers: Mapping[str, Any], *, topics: Iterable[str] | None = None) -> dict[str, Any]:
    """Each topic's calculator run once on ``layers``: topic name → result."""
    out = {}
    for topic in _topics(topics):
        log.info(msg("主要指标：%s", "headline figures: %s"), topic)
        out[topic] = TOPICS[topic].compute(layers)
    return out


def headline_figures(layers: Mapping[str, Any] | None = None, *,
                     topics: Iterable[str] | None = None,
                     results: Mapping[str, Any] | None = None,
                     sample: bool | None = None) -> pd.DataFrame:
    """Compute the report's headline figures from ``layers`` (default: the sample).

    Parameters
    ----------
    layers : mapping of layer name to GeoDataFrame (and ``minepark_dem`` to a
        DEM path or open dataset), named as in the sample data set; default:
        the bundled sample, which carries the published figures.
    topics : iterable of str, optional
        Only these topics (e.g. ``["表土剥离"]``), for layers that cover part
        of the report; default: all six.
    results : mapping of topic to result, optional
        Results already computed (:func:`compute_results`, as the report
        does); a topic found here is not computed again.
    sample : bool, optional
        Add the published figures (``published``, ``agrees``): the results
        are the bundled sample's. Default: when neither ``layers`` nor
        ``results`` is given.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``topic``, ``figure``, ``value`` (unrounded),
        ``unit``, ``reported`` (rounded as the report prints it), and for the
        sample, ``published`` and ``agrees``.

    Examples
    --------
    >>> table = headline_figures(topics=["表土剥离"])
    >>> table[["figure", "reported", "unit", "published", "agrees"]]
           figure  reported unit  published  agrees
    0  一期剥离面积     500.0    亩        500    True
    """
    chosen = _topics(topics)
    is_sample = (layers is None and results is None) if sample is None else sample
    results = dict(results or {})
    missing = [t for t in chosen if t not in results]
    if missing:
        results.update(compute_results(sample_layers() if layers is None else layers, topics=missing))
    rows = []
    for topic in chosen:
        for name, value in TOPICS[topic].figures(results[topic]).items():
            figure = PUBLISHED[(topic, name)]
            reported = round(float(value), figure.decimals)
            row = {"topic": topic, "figure": name, "value": float(value), "unit": figure.unit,
                   "reported": reported}
            if is_sample:
                row["published"] = figure.published
                row["agrees"] = reported == figure.published
            rows.append(row)
    return pd.DataFrame(rows)
