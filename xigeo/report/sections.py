"""The report's sections: each draws its map and lays out its tables from results computed once.

A section builder gets the layers, the calculator result of its topic (computed
once by :func:`xigeo.headline.compute_results`, the same object the headline
figures are read from) and the map options; it returns its map figures and its
tables (sheet name, page title, table with Chinese headers, columns shown in
the PDF). Tables are the results' own ``table(name, labels="zh", total=True)``:
no calculator runs here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._lang import msg
from ..errors import SchemaError

__all__ = ["Part", "BUILDERS", "FINDINGS_PER_RULE", "findings_sheet", "findings_path"]


@dataclasses.dataclass
class Part:
    """A section's output: maps, then tables (sheet name, page title, table, PDF columns)."""

    maps: list[Any]
    tables: Sequence[tuple[str, str, pd.DataFrame, Sequence[str] | None]]
    #: results the section computed itself (not a headline topic), by name
    results: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: sheets the workbook lays out in the official layout (sheet name → OfficialSheet)
    official: dict[str, Any] = dataclasses.field(default_factory=dict)


def _named(table: pd.DataFrame, *names: str) -> pd.DataFrame:
    table = table.copy()
    if len(names) == 1:
        table.index.name = names[0]
    else:
        table.index.names = list(names)
    return table


def _figures(result: Any, name: str = "totals") -> pd.DataFrame:
    """A result's one-column table of figures as the report shows it: 指标 / 数值."""
    table = result.table(name, labels="zh")
    table.columns = ["数值"]
    return _named(table, "指标")


#: unit layers whose KZMJ are control areas (county, township, village), adjusted to before the tables
CONTROL_LAYERS = ("survey_area", "survey_townships", "villages")


def _overview(L: Mapping[str, Any], result: Any, kw: dict[str, Any]) -> Part:
    """The 三调 summary tables (xigeo.landuse_tables) of the patches, after the control-area
    adjustment when the data carry control layers (xigeo.adjust_areas), and the land-use map."""
    from ..adjust import adjust_areas
    from ..landuse_tables import landuse_tables
    from ..maps import landuse_map

    dltb = L["dltb"]
    if "DLBM" not in dltb.columns:
        raise SchemaError(msg('dltb 没有 DLBM 字段（地类编码）；请在映射文件的 "fields" 中对应：'
                              '"fields": {"dltb": {"DLBM": "<你的字段>"}}',
                              "dltb has no DLBM field (land-use code); map it in the mapping file's "
                              '"fields": {"dltb": {"DLBM": "<your field>"}}'))
    controls = [L[n] for n in CONTROL_LAYERS if n in L]
    results: dict[str, Any] = {}
    if controls:
        results["控制面积平差"] = adjust_areas(dltb, controls)
    patches = results["控制面积平差"].patches if controls else dltb
    units = [L[n] for n in ("survey_area", "survey_townships") if n in L] or \
        [L[n] for n in ("county", "townships") if n in L] or None
    t = results["土地利用现状"] = landuse_tables(patches, units=units)
    # a survey of part of the county (the sample's 调查区) is mapped at its own extent, outlined,
    # with the county in the locator; a whole-county survey within the county boundary
    if "survey_area" in L and "county" in L:
        fig = landuse_map(dltb, boundary=L["survey_area"], title="土地利用现状图",
                          **{"locator": L["county"], **kw})
    else:
        fig = landuse_map(dltb, boundary=L.get("county"), title="土地利用现状图", **kw)
    tables: list[tuple[str, str, pd.DataFrame, Sequence[str] | None]] = [
        ("一级分类面积", "土地利用现状一级分类面积汇总表", t.table("level1", labels="zh"), None),
        ("二级分类面积", "土地利用现状二级分类面积汇总表", t.table("level2", labels="zh"), []),
        ("三大类面积", "土地利用现状三大类面积汇总表", t.table("three_classes", labels="zh"), []),
    ]
    if len(t.slope):
        tables.append(("耕地坡度分级面积", "耕地坡度分级面积汇总表", t.table("slope", labels="zh"), None))
    # the workbook lays these sheets out as the survey prints them (xigeo.landuse_tables' official
    # layout: title, 面积单位 row, merged headers with the codes, the county row in bold)
    sheet_of = {t.TABLES[n].title_zh: s for n, s in (("level1", "一级分类面积"), ("level2", "二级分类面积"),
                                                      ("three_classes", "三大类面积"),
                                                      ("slope", "耕地坡度分级面积"))}
    official = {sheet_of[o.name]: o for o in t.official_sheets() if o.name in sheet_of}
    return Part([fig], tables, results, official)


#: the workbook's findings sheet (质检错误清单) lists at most this many findings of each rule, in
#: the check's order; when a rule has more, build_report writes every finding to a GeoPackage
#: next to the workbook (:func:`findings_path`) and the sheet's note points at it
FINDINGS_PER_RULE = 1000


def findings_sheet(r: Any, per_rule: int = FINDINGS_PER_RULE) -> pd.DataFrame:
    """The findings table of a :class:`xigeo.qc.SurveyCheck` (Chinese headers), at most
    ``per_rule`` rows of each rule; 序号 is the finding's number in the full list."""
    rank = r.errors.groupby("rule", sort=False).cumcount().to_numpy()
    keep = rank < per_rule
    shown = dataclasses.replace(r, errors=r.errors[keep]) if not keep.all() else r
    table = shown.table("errors", labels="zh")
    table.index = pd.Index(shown.errors.index + 1, name="序号")  # as SurveyCheck.to_excel and to_gpkg's n
    return table


def findings_path(xlsx: Path) -> Path:
    """Where the report writes every QC finding when the workbook lists only some."""
    return xlsx.with_name(f"{xlsx.stem}_质检发现.gpkg")


#: above this many patches the findings map outlines the survey area, not each patch
QC_OUTLINE_MAX = 20_000


def _qc(L: Mapping[str, Any], result: Any, kw: dict[str, Any]) -> Part:
    """The quality checks of the patches (xigeo.check_survey) and the map of their findings."""
    from ..maps import layer, thematic_map
    from ..qc import check_survey

    dltb = L["dltb"]
    county = L.get("survey_area", L.get("county"))
    r = check_survey(dltb, county=county, villages=L.get("villages"), jbnt=L.get("jbnt"))
    counts = r.counts()
    verdict = "未发现错误" if counts["错误"] == 0 else f"错误{counts['错误']}处"
    if len(dltb) > QC_OUTLINE_MAX and county is not None:
        # a county's patches (300,000) are a grey blur at its map scale: its boundary instead
        layers = [layer(county, "boundary", label="调查范围")]
    else:
        layers = [layer(dltb, "outline", label="调查图斑", edgecolor=(0.6, 0.6, 0.6), linewidth=0.1)]
    for severity, colour in (("警告", (1.0, 0.55, 0.0)), ("错误", (0.89, 0.1, 0.11))):
        found = r.errors[r.errors["severity"] == severity]
        if len(found):
            points = found.set_geometry(found.geometry.representative_point())
            layers.append(layer(points, "points", label=f"{severity}（{len(found)}处）", color=colour,
                                markersize=6 if severity == "警告" else 14))
    fig = thematic_map(layers, title="图斑数据质检结果图", subtitle=f"{verdict}，警告{counts['警告']}处",
                       source="xigeo 质检规则（xigeo/data/qc_rules.toml）", **kw)
    by_rule = r.table("by_rule", labels="zh", total=True)
    return Part([fig], [
        ("质检按规则统计", f"图斑数据质检按规则统计（{verdict}）", by_rule, ["规则名称", "严重程度", "发现数"]),
        ("质检错误清单", "图斑数据质检错误清单", findings_sheet(r), []),
    ], {"图斑数据质检": r})


def _linkage(L: Mapping[str, Any], r: Any, kw: dict[str, Any]) -> Part:
    from ..maps import linkage_map

    fig = linkage_map(L["linkage_demolition"], L["linkage_newbuild"], farmland=L.get("jbnt"),
                      boundary=L.get("county"), **kw)
    projects = _named(r.table("projects", labels="zh", total=True), "项目名称")
    totals = _named(r.table("totals", labels="zh"), "汇总")
    tables = [("增减挂钩项目", "增减挂钩项目面积与指标表", projects,
               ["批准状态", "拆旧区个数", "建新区个数", "拆旧区面积(公顷)", "建新区面积(公顷)",
                "建新区原有建设用地(公顷)", "使用挂钩指标(公顷)", "节余指标(公顷)", "规则检查通过"]),
              ("增减挂钩汇总", "增减挂钩汇总表", totals,
               ["项目个数", "拆旧区面积(公顷)", "复垦耕地面积(公顷)", "建新区面积(公顷)",
                "建新区原有建设用地(公顷)", "建新区占用永久基本农田(公顷)", "使用挂钩指标(公顷)",
                "节余指标(公顷)"])]
    if len(r.violations):
        violations = r.table("violations", labels="zh").set_index("项目")
        tables.append(("增减挂钩规则检查", "增减挂钩规则检查（不符合项）", violations,
                       ["批准状态", "规则名称", "不符合的地块"]))
    return Part([fig], tables)


def _consolidation(L: Mapping[str, Any], r: Any, kw: dict[str, Any]) -> Part:
    from ..maps import consolidation_map

    table = _named(r.table("projects", labels="zh", total=True), "项目编号")
    fig = consolidation_map(L["consolidation"], townships=L.get("townships"),
                            county=L.get("county"), **kw)
    return Part([fig], [("土地综合整治", "土地综合整治项目表", table,
                         ["项目名称", "建设规模(公顷)", "新增耕地面积(公顷)", "新增耕地率(%)",
                          "投资(万元)", "公顷投资(万元/公顷)"])])


def _prereview(L: Mapping[str, Any], r: Any, kw: dict[str, Any]) -> Part:
    from ..maps import farmland_overlap_maps

    projects = L["prereview"]
    if "XMBH" in projects.columns:
        projects = projects.set_index("XMBH")
    # the overview labels each project on farmland with the table's 占用永久基本农田(亩); a
    # project under 5 mm on its paper gets a detail page with each piece's area
    figs = farmland_overlap_maps(projects, L["jbnt"], overlaps=r,
                                 title="建设项目用地预审与永久基本农田叠加图", **kw)
    checked = _named(r.table("projects", labels="zh", total=True), "项目编号")
    if "XMMC" in projects.columns:
        checked.insert(0, "项目名称", projects["XMMC"].reindex(checked.index))
    summary = _named(r.table("totals", labels="zh"), "审查结果")
    return Part(figs, [("用地预审汇总", "建设项目用地预审汇总表", summary, None),
                        ("用地预审项目", "建设项目用地预审项目表", checked,
                         ["项目名称", "申报面积(亩)", "占用永久基本农田(亩)", "审查结论",
                          "核减面积(亩)", "核减原因"])])


def _industrial(L: Mapping[str, Any], r: Any, kw: dict[str, Any]) -> Part:
    from ..maps import layer, thematic_map

    parcels = L["industrial"]
    status = r.parcels["passed"] if "passed" in r.parcels.columns else None
    shown = parcels.copy()
    if status is not None and "QYBH" in shown.columns:
        verdict = status.reindex(shown["QYBH"]).to_numpy()
        shown["_status"] = np.where(verdict.astype(bool), "控制指标全部达标", "有指标未达标")
        main = layer(shown, "zones", column="_status",
                     colors={"控制指标全部达标": (0.3, 0.7, 0.3), "有指标未达标": (0.95, 0.55, 0.1)})
    else:
        main = layer(shown, "parcels", label="企业用地")
    fig = thematic_map([main], title="产业集聚区企业用地集约利用评价图",
                       source="产业集聚区企业用地及控制指标", **kw)
    table = _named(r.table("parcels", labels="zh", total=True), "企业编号")
    return Part([fig], [("产业集聚区汇总", "产业集聚区主要指标", _figures(r), None),
                        ("企业用地评价", "企业用地控制指标评价表", table,
                         ["行业代码", "用地面积(平方米)", "投资强度(万元/公顷)", "容积率",
                          "建筑系数(%)", "绿地率(%)", "全部达标", "未达标指标", "可节约用地面积(亩)"])])


def _minepark(L: Mapping[str, Any], r: Any, kw: dict[str, Any]) -> Part:
    from ..maps import minepark_map

    fig = minepark_map(L["minepark"], L["minepark_pits"], restoration=L["minepark_restoration"],
                       dem=L["minepark_dem"], **kw)
    pits = _named(r.table("pits", labels="zh", total=True), "矿坑编号")
    return Part([fig], [("矿山公园汇总", "矿山公园主要指标", _figures(r), None),
                        ("矿坑", "关停矿坑地形与治理表", pits,
                         ["面积(公顷)", "治理区内面积(公顷)", "最低高程(米)", "最高高程(米)",
                          "高差(米)", "平均坡度(度，面积加权)", "最大坡度(度)",
                          "坡度>25°待治理面积(公顷)"])])


def _stripping(L: Mapping[str, Any], r: Any, kw: dict[str, Any]) -> Part:
    from ..headline import _stripping_sources
    from ..maps import stripping_map

    fig = stripping_map(_stripping_sources(L), L["stripping_receivers"], flows=r.flows, **kw)
    return Part([fig], [
        ("表土剥离区", "表土剥离区表", _named(r.table("sources", labels="zh", total=True), "剥离区编号"), None),
        ("表土接收区", "表土接收区表", _named(r.table("receivers", labels="zh", total=True), "接收区编号"),
         None),
        ("表土调运", "表土调运方案表", _named(r.table("flows", labels="zh", total=True), "调运"), None)])


def _changes(L: Mapping[str, Any], r: Any, kw: dict[str, Any]) -> Part:
    """The annual change survey of dltb against the second year (xigeo.survey_changes): the change
    map, the farmland gain/loss map, the transition table (workbook: too wide for a page) and the
    two farmland ledgers by township."""
    from ..changes import survey_changes
    from ..maps import change_map, farmland_change_map

    r = survey_changes(L["dltb"], L["dltb_2025"])
    boundary = L.get("survey_area", L.get("county"))
    maps = [change_map(r, boundary=boundary, **kw), farmland_change_map(r, boundary=boundary, **kw)]
    tables: list[tuple[str, str, pd.DataFrame, Sequence[str] | None]] = [
        ("地类变化流量", "地类变化流量表（公顷）", r.table("transitions", labels="zh", total=True), []),
        ("耕地进出平衡", "耕地进出平衡表", r.table("farmland_flow", labels="zh", total=True), None),
        ("耕地占补平衡", "耕地占补平衡表", r.table("occupation", labels="zh", total=True), None),
        ("图斑变化", "图斑变化情况表", r.table("patches", labels="zh"), []),
    ]
    return Part(maps, tables, {"国土变更调查": r})


def _enforcement(L: Mapping[str, Any], r: Any, kw: dict[str, Any]) -> Part:
    """Satellite enforcement (卫片执法检查, xigeo.enforcement_check): the change patches graded
    against the approvals, basic farmland and land use; the map of the verdicts, the counts by
    township and the list of suspected violations (every patch in the workbook)."""
    from ..enforcement import enforcement_check
    from ..maps import enforcement_map

    changes = L["changes"]
    if "JCBH" in changes.columns:
        changes = changes.set_index("JCBH")
    townships = L.get("townships")
    if townships is not None and not {"XZQDM", "XZQMC"} <= set(townships.columns):
        townships = None  # the township then comes from dltb's ZLDWDM
    r = enforcement_check(changes, approvals=L["approvals"], farmland=L["jbnt"], landuse=L["dltb"],
                          townships=townships)
    fig = enforcement_map(changes, L["approvals"], result=r, farmland=L["jbnt"], **kw)
    by_township = r.table("by_township", labels="zh", total=True)
    patches = _named(r.table("changes", labels="zh", total=True), "监测编号")
    # the suspected violations, most serious first, with their own 合计 (the result's table of
    # those rows: dataclasses.replace keeps every other field)
    worst = r.changes[r.changes["grade"] > 0].sort_values("grade", ascending=False, kind="stable")
    suspected = _named(dataclasses.replace(r, changes=worst).table("changes", labels="zh", total=True),
                       "监测编号")
    return Part([fig], [
        ("卫片图斑分乡镇统计", "卫片执法检查图斑分乡镇统计表", by_township,
         ["图斑个数", "疑似违法图斑个数", "占永久基本农田图斑个数", "占耕地图斑个数",
          "占其他土地图斑个数", "图斑面积(公顷)", "已批准面积(公顷)", "未批准面积(公顷)", "未批占永久基本农田(公顷)",
          "未批占耕地(公顷)"]),
        ("疑似违法图斑", "卫片执法检查疑似违法用地图斑表", suspected,
         ["乡镇名称", "图斑面积(公顷)", "未批准面积(公顷)", "批准情况", "判定"]),
        ("卫片图斑", "卫片执法检查图斑检查表", patches, []),
    ], {"卫片执法检查": r})


#: section key → builder(layers, the topic's result or None, map options)
BUILDERS: dict[str, Callable[[Mapping[str, Any], Any, dict[str, Any]], Part]] = {
    "overview": _overview, "qc": _qc, "linkage": _linkage, "consolidation": _consolidation,
    "prereview": _prereview, "industrial": _industrial, "minepark": _minepark,
    "stripping": _stripping, "changes": _changes, "enforcement": _enforcement,
}
