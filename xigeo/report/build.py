"""build_report: layers → each calculator once → headline, maps, table pages, workbook."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._lang import msg
from ..errors import LayerWriteError, OptionError, fix
from .layers import plan, read, read_mapping, resolve_layers

log = logging.getLogger(__name__)

__all__ = ["ReportResult", "build_report", "Progress"]

#: callback of :func:`build_report`: (steps done, steps in all, step now starting)
Progress = Callable[[int, int, str], None]


@dataclasses.dataclass
class ReportResult:
    """What :func:`build_report` wrote and computed.

    Attributes
    ----------
    pdf, xlsx : Path or None
        The files written (None when not asked for).
    headline : DataFrame
        The headline figures (:func:`xigeo.headline.headline_figures`'s
        table; ``published`` and ``agrees`` columns on the sample).
    tables : dict of str to DataFrame
        The workbook's sheets, by sheet name, as written.
    pages : list of str
        The PDF's page titles after the contents page (its contents entries).
    sections : list of str
        The keys of the sections in the report (see :data:`SECTIONS`).
    findings : Path or None
        Every quality-check finding as a GeoPackage (``<workbook>_质检发现.gpkg``,
        :meth:`xigeo.qc.SurveyCheck.to_gpkg`), written when the workbook's
        质检错误清单 lists only some of them (at most
        :data:`~xigeo.report.sections.FINDINGS_PER_RULE` per rule).
    results : dict of str to result
        Each topic's calculator result (:mod:`xigeo._result` contract), by
        headline topic: the one computation behind the figures, maps and tables;
        and the land-use section's ``控制面积平差`` (:func:`xigeo.adjust_areas`,
        when the data have control layers) and ``土地利用现状``
        (:func:`xigeo.landuse_tables`).
    """

    pdf: Path | None
    xlsx: Path | None
    headline: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    pages: list[str]
    sections: list[str]
    results: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: the sign-off settings the report was made with (file, keywords and defaults applied)
    settings: Any = None
    findings: Path | None = None


def _check_target(path: Path | None, overwrite: bool, suffix: str) -> None:
    if path is None:
        return
    if path.suffix.lower() != suffix:
        raise OptionError(msg(f"{path}：请使用 {suffix} 文件名", f"{path}: use a {suffix} file name"))
    if path.exists() and not overwrite:
        raise LayerWriteError(msg(f"{path} 已存在；如要替换请用 " + fix("overwrite=True", "--overwrite"),
                                  f"{path} exists; "
                                  + fix("pass overwrite=True", "give --overwrite") + " to replace it"))
    if not path.parent.is_dir():
        raise LayerWriteError(msg(f"{path}：文件夹 {path.parent} 不存在",
                                  f"{path}: folder {path.parent} does not exist"))


def _headline_sheet(headline: pd.DataFrame) -> pd.DataFrame:
    sheet = headline.rename(columns={"topic": "专题", "figure": "指标", "value": "计算值",
                                     "reported": "报告值", "unit": "单位", "published": "公报值",
                                     "agrees": "与公报一致"})
    if "与公报一致" in sheet.columns:
        sheet["与公报一致"] = sheet["与公报一致"].map({True: "是", False: "否"})
    sheet.index = pd.RangeIndex(1, len(sheet) + 1, name="序号")
    return sheet


def _write_workbook(tables: Mapping[str, pd.DataFrame], official: Mapping[str, Any], path: Path, *,
                    overwrite: bool, bureau: str | None = None, date: str | None = None) -> None:
    """The report's workbook: every table a sheet; the 三调 sheets in their official layout.

    ``official``: sheet name → :class:`xigeo._official_excel.OfficialSheet` (the
    land-use tables as the survey prints them), laid out in place of the plain sheet.
    """
    from .._excel import write_workbook

    # one pass: the 三调 sheets laid out by the same writer as the rest
    write_workbook(tables, path, overwrite=overwrite, bureau=bureau, date=date, official=official)


def build_report(data: str | os.PathLike[str] | None = None, *,
                 pdf: str | os.PathLike[str] | None = "report.pdf",
                 xlsx: str | os.PathLike[str] | None = None,
                 mapping: str | os.PathLike[str] | Mapping[str, Any] | None = None,
                 progress: Progress | None = None, overwrite: bool = False,
                 title: str | None = None, maker: str | None = None,
                 date: str | dt.date | None = None, crs: Any = None,
                 settings: Any = None) -> ReportResult:
    """Build the report atlas (PDF) and its tables (Excel) from a county's layers.

    Each calculator runs once (:func:`xigeo.headline.compute_results`); its
    result gives the headline figures, the section's map overlays and its
    tables (``result.table(name, labels="zh", total=True)``).

    Parameters
    ----------
    data : path-like, optional
        A folder of layers or a GeoPackage, with the sample's layer names
        (``xigeo.sample.available``) unless ``mapping`` says otherwise.
        Default: the bundled Xi County sample (its headline figures are then
        checked against the published ones).
    pdf, xlsx : path-like, optional
        The files to write (``None``: skip it). Written atomically; an
        existing file is replaced only with ``overwrite=True``.
    mapping : path-like or dict, optional
        A JSON mapping of layer and field names (:func:`read_mapping`).
    progress : callable, optional
        Called as ``progress(done, total, step)`` before each step and once
        at the end with ``done == total``.
    settings : ReportSettings or path, optional
        The sign-off settings (:class:`xigeo.settings.ReportSettings`, or the
        path of an ``xigeo.toml``, :func:`xigeo.settings.read_settings`):
        county, bureau (制图单位), author (制图人), reviewer (审核人), year,
        date, data source, logo, paper and scale of every map. Map titles and
        the title page name the county and year (息县2026年土地利用现状图);
        the title page names the bureau. For the bundled sample the county
        defaults to 息县 and the bureau to 息县自然资源局. Not looked for on disk:
        pass it (the CLI finds an
        ``xigeo.toml`` by itself, see ``xigeo report --help``).
    title, maker, date : str
        Override the settings' ``title`` (the atlas title, default
        节约集约用地工作报告图集, prefixed by county and year), ``bureau``
        (``maker`` is the 制图单位, as in :func:`xigeo.maps.thematic_map`) and
        ``date`` (default: this month).
    crs : optional
        The CRS of layers without a ``.prj`` or with a wrong one (relabelled, as
        ``read_layer(path, crs=...)``): one CRS for every layer, or a dict from a
        layer's name (``"dltb"``) or file name (``"地类图斑.shp"``) to its CRS, with
        ``"*"`` for every other layer.

    Returns
    -------
    ReportResult

    Sections whose layers are all absent are left out; a section with some
    of its layers but not all is an error naming the missing layer and its
    mapping key. Each section opens with a page of its results' Chinese
    summaries (``result.summary("zh")``) and the list of its maps and tables.
    """
    pdf_path = Path(pdf) if pdf is not None else None
    xlsx_path = Path(xlsx) if xlsx is not None else None
    if pdf_path is None and xlsx_path is None:
        raise OptionError(msg("没有要写的内容：请给出 pdf= 和/或 xlsx=",
                              "nothing to write: give pdf= and/or xlsx="))
    _check_target(pdf_path, overwrite, ".pdf")
    _check_target(xlsx_path, overwrite, ".xlsx")
    if data is None and mapping is not None:
        raise OptionError(msg("映射文件需要 DATA（它所描述的文件夹或 GeoPackage）",
                              "a mapping needs DATA (the folder or GeoPackage it describes)"))

    from .. import sample
    from ..settings import as_settings
    from ..headline import compute_results, headline_figures
    from ..maps import write_atlas
    from ..maps.atlas import figure_title
    from .narrative import numeral, section_page
    from .pages import headline_page, table_pages
    from .sections import BUILDERS, FINDINGS_PER_RULE, findings_path

    if isinstance(date, dt.date):
        date = f"{date.year}年{date.month}月{date.day}日"
    # keyword > settings file > default
    signoff = as_settings(settings).replace(title=title, bureau=maker, date=date)
    if data is None and signoff.county is None:
        signoff = signoff.replace(county="息县")  # the bundled sample is Xi County's
    if data is None and signoff.bureau is None:
        signoff = signoff.replace(bureau="息县自然资源局")  # … and its bureau's (the seed report)
    signoff = signoff.replace(date=signoff.the_date)

    sources = resolve_layers(data, mapping=mapping)
    checked: dict[str, Any] = (read_mapping(mapping) if mapping is not None
                               else {"fields": {}, "source": "mapping"})
    fields: dict[str, dict[str, str]] = checked["fields"]
    mapping_source = str(checked["source"])
    sections = plan(sources, data)
    findings = findings_path(xlsx_path) if xlsx_path is not None and any(
        s.key == "qc" for s in sections) else None
    if findings is not None and findings.exists() and not overwrite:
        again = fix('build_report(..., overwrite=True)', '--overwrite')
        raise LayerWriteError(msg(f"{findings} 已存在（报告把全部质检发现写在工作簿旁的这个文件）。"
                                  f"解决：{again}，或换一个工作簿文件名",
                                  f"{findings} exists (the report writes every QC finding to this "
                                  f"file beside the workbook). Fix: {again}, or use another "
                                  "workbook file name"))
    needed = [n for n in sample.available
              if any(n in s.layers + s.optional for s in sections) and n in sources]
    steps = ["读取图层", "主要指标"] + [s.title for s in sections]
    steps += ["写出PDF图集"] * (pdf_path is not None) + ["写出Excel表格"] * (xlsx_path is not None)
    done = 0

    def step() -> None:
        nonlocal done
        log.info(msg("报告：%s", "report: %s"), steps[done])
        if progress is not None:
            progress(done, len(steps), steps[done])
        done += 1

    step()
    layers = {n: read(n, sources[n], fields.get(n, {}), mapping_source, crs=crs) for n in needed}
    step()
    topics = [s.topic for s in sections if s.topic is not None]
    results = compute_results(layers, topics=topics)
    headline = headline_figures(topics=topics, results=results, sample=data is None)
    kw: dict[str, Any] = {"signoff": signoff}
    if signoff.paper is not None:
        kw["paper"] = signoff.paper
    if signoff.scale is not None:
        kw["scale"] = signoff.scale
    # data without any headline topic (a folder of DLTB alone) have no headline page or sheet
    figures = headline_page(headline, "主要指标汇总") if len(headline) else []
    pages = ["主要指标汇总"] * bool(figures) + ["主要指标汇总（续）"] * (len(figures) - 1)
    tables: dict[str, pd.DataFrame] = {"主要指标": _headline_sheet(headline)} if len(headline) else {}
    official: dict[str, Any] = {}
    for number, section in enumerate(sections, start=1):
        step()
        topic_result = results.get(section.topic) if section.topic else None
        part = BUILDERS[section.key](layers, topic_result, kw)
        results.update(part.results)
        official.update(part.official)
        opening = len(figures)  # the section's opening page goes here, once its pages are known
        section_pages: list[str] = []
        for fig in part.maps:
            figures.append(fig)
            section_pages.append(f"{section.title}：{figure_title(fig)}")
        for sheet, page_title, table, columns in part.tables:
            tables[sheet] = table
            if columns is not None and not columns:
                continue  # a table for the workbook only (too wide for a page)
            shown = table[[c for c in columns if c in table.columns]] if columns else table
            new = table_pages(page_title, shown)
            figures += new
            section_pages += [page_title] + [f"{page_title}（续）"] * (len(new) - 1)
        summaries = [r.summary("zh") for r in [topic_result, *part.results.values()]
                     if r is not None and hasattr(r, "summary")]
        # page numbers: the contents page is 1, the opening page opening + 2, its pages follow
        listed = [(name.partition("：")[2] or name, opening + 3 + i)
                  for i, name in enumerate(section_pages) if not name.endswith("（续）")]
        figures.insert(opening, section_page(number, section.title, summaries, listed))
        pages += [f"{numeral(number)}、{section.title}"] + section_pages
    qc = results.get("图斑数据质检")
    if findings is not None and qc is not None and len(qc.errors) > len(tables["质检错误清单"]):
        shown = tables["质检错误清单"]
        shown.attrs["note"] = (
            f"共{len(qc.errors):,}处发现，本表每条规则最多列出{FINDINGS_PER_RULE:,}处（{len(shown):,}处）；"
            f"全部发现见 {findings.name}（GeoPackage：errors_point 点图层、errors_area 面图层，"
            "可在 QGIS 中打开；序号相同）。")
    else:
        findings = None
    if pdf_path is not None:
        step()
        write_atlas(figures, pdf_path, title=signoff.report_title(), titles=pages,
                    overwrite=overwrite, author=signoff.bureau,
                    subtitle="　".join(v for v in (signoff.bureau, signoff.date) if v))
    if xlsx_path is not None:
        step()
        _write_workbook(tables, official, xlsx_path, overwrite=overwrite,
                        bureau=signoff.bureau, date=signoff.date)
        if findings is not None and qc is not None:
            qc.to_gpkg(findings, overwrite=overwrite)
    if progress is not None:
        progress(len(steps), len(steps), "完成")
    return ReportResult(pdf=pdf_path, xlsx=xlsx_path, headline=headline, tables=tables,
                        pages=pages, sections=[s.key for s in sections], results=results,
                        settings=signoff, findings=findings)
