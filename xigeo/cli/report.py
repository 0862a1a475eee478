"""``xigeo report``: the report atlas (PDF) and its tables (Excel) from a folder or GeoPackage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._i18n import h, t, zh_doc
from ..errors import OptionError, XigeoError
from ._options import _file_item, check_outputs, crs_option, overwrite_option
from ._signoff import settings_from, signoff_options
from ._table import format_table


def headline_text(headline: Any) -> str:
    """The headline figures as an aligned text table (Chinese headers), as ``demo`` prints them."""
    from ..headline import PUBLISHED

    decimals = [PUBLISHED[(t, f)].decimals for t, f in zip(headline["topic"], headline["figure"])]
    shown = headline.rename(columns={"topic": "专题", "figure": "指标", "unit": "单位"})
    shown["xigeo"] = [f"{v:>12,.{d}f}" for v, d in zip(headline["reported"], decimals)]
    columns = ["专题", "指标", "xigeo"]
    if "published" in headline.columns:
        shown["公报"] = [f"{v:>12,.{d}f}" for v, d in zip(headline["published"], decimals)]
        shown["一致"] = headline["agrees"].map({True: "是", False: "否"})
        columns += ["公报", "单位", "一致"]
    else:
        columns += ["单位"]
    return format_table(shown[columns])


def _report_crs(items: tuple[str, ...]) -> Any:
    """``--crs`` values as build_report's ``crs=``: FILE=CRS by file name, a plain value as "*"."""
    out: dict[str, str] = {}
    for item in items:
        name = _file_item(item)
        if name is not None:
            out[Path(name).name] = item.partition("=")[2].strip()
        else:
            out["*"] = item
    return out or None


def _progress_bar(enabled: bool) -> tuple[Any, Any]:
    """A click progress bar on a terminal (stderr), else nothing; returns (callback, close)."""
    state: dict[str, Any] = {}
    if not enabled:
        return None, lambda: None

    def callback(done: int, total: int, step: str) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label="生成报告", file=sys.stderr,
                                    show_pos=True, item_show_func=lambda s: s)
            bar.__enter__()
            state["bar"] = bar
            state["done"] = 0
        bar.update(done - state["done"], step)
        state["done"] = done

    def close() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return callback, close


@zh_doc("""为 DATA 写出报告图集（PDF）和表格（Excel）。

DATA 为图层文件夹或 GeoPackage，图层名同样例数据（dltb、jbnt、linkage_newbuild
等；见 `xigeo sample list`），或三调数据库标准图层名（DLTB 地类图斑、YJJBNTTB/JBNT
永久基本农田、XZQ 行政区、CJDCQ 村级调查区等，大小写均可）；其他文件、图层和字段名
用 --mapping JSON 文件对照。不给 DATA 时用内置的息县样例。PDF 含目录页、主要指标，
以及数据中每个专题的地图和表格；工作簿每表一个工作表，中文表头并注明单位。在终端
中显示进度条。PDF 或工作簿已存在时，在读取任何图层之前就拒绝，除非加 --overwrite。""")
@click.command(name="report")
@click.argument("data", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "pdf", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("report.pdf"), show_default=True, help=h("要写出的 PDF 图集。",
                                                                    "The PDF atlas to write."))
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=h("同时把各表写入此 Excel 工作簿（每表一个工作表）。",
                     "Also write the tables to this Excel workbook (one sheet per table)."))
@click.option("-m", "--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help=h("图层和字段对照的 JSON 文件（见 docs/report.md）；三调数据库标准图"
                                   "层名（DLTB、YJJBNTTB、XZQ、CJDCQ 等）无需此文件。",
                                   "JSON file naming your layers and fields (see docs/report.md); "
                                   "not needed for the survey database's layer names (DLTB, YJJBNTTB, "
                                   "XZQ, CJDCQ …)."))
@click.option("--title", default=None,
              help=h("报告标题（封面），默认为“节约集约用地工作报告图集”，前加县名和年度。",
                     "Report title (title page); default 节约集约用地工作报告图集, after the "
                     "county and the year."))
@signoff_options
@crs_option
@overwrite_option
@click.option("--quiet", is_flag=True, help=h("不显示进度条和表格，只列出写出的文件。",
                                              "No progress bar and no table; only the files written."))
def report_command(data: Path | None, pdf: Path, xlsx: Path | None, mapping: Path | None,
                   title: str | None, crs: tuple[str, ...], overwrite: bool, quiet: bool,
                   **signoff: Any) -> None:
    """Write the report atlas (PDF) and tables (Excel) for DATA.

    DATA is a folder of layers or a GeoPackage named like the sample data set
    (dltb, jbnt, linkage_newbuild …; `xigeo sample list`); a --mapping JSON
    file points at other file, layer and field names. Without DATA the report
    is made from the bundled Xi County sample. The PDF has a contents page,
    the headline figures, then a map and tables per topic present in the
    data; the workbook has one sheet per table, with Chinese headers and
    units. A progress bar shows on a terminal. An existing PDF or workbook is
    refused, before any layer is read, unless --overwrite.

    The sign-off block of every map (制图单位, 制图人, 审核人, 制图日期, 坐标系,
    数据来源) and the titles (息县2026年土地利用现状图) come from a settings file:
    --config xigeo.toml, else an xigeo.toml in DATA's folder or the current
    folder (docs/report.md); the flags (--county, --bureau, --author, --reviewer,
    --year, --date, --source, --logo) override it.

    \b
    Examples:
      xigeo report -o report.pdf --xlsx tables.xlsx
      xigeo report 县数据/ -o 报告图集.pdf --xlsx 报告表格.xlsx --bureau 息县自然资源局
      xigeo report 县数据/ --config xigeo.toml --reviewer 李四 -o 报告图集.pdf
      xigeo report 县数据.gpkg --mapping 图层对照.json -o 报告图集.pdf
    """
    from ..report import build_report

    check_outputs([pdf, xlsx], overwrite=overwrite, inputs=[data, mapping])
    settings = settings_from(signoff, data, quiet=quiet)
    callback, close = _progress_bar(not quiet and sys.stderr.isatty())
    try:
        result = build_report(data, pdf=pdf, xlsx=xlsx, mapping=mapping, progress=callback,
                              overwrite=overwrite, title=title, settings=settings,
                              crs=_report_crs(crs))
    except ValueError as exc:
        if isinstance(exc, XigeoError) and not isinstance(exc, OptionError):
            raise
        raise click.ClickException(str(exc)) from exc
    finally:
        close()
    if not quiet:
        click.echo(headline_text(result.headline))
        if "agrees" in result.headline.columns:
            agree = int(result.headline["agrees"].sum())
            click.echo(t(f"\n{len(result.headline)} 项指标中 {agree} 项与公布的数字一致",
                         f"\n{agree} of {len(result.headline)} figures equal the published ones"))
        click.echo(t(f"共 {len(result.pages) + 1} 页，{len(result.tables)} 张表",
                     f"{len(result.pages) + 1} pages, {len(result.tables)} tables"))
    for path in (result.pdf, result.xlsx, result.findings):
        if path is not None:
            click.echo(t(f"已写出 {path.resolve()}", f"wrote {path.resolve()}"))
