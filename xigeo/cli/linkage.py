"""``xigeo linkage``: the quota balance of linkage projects (增减挂钩)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, labels_option, method_option,
                       output_option, overwrite_option, read_input)
from ._table import format_table, workbook_labels, write_table

log = logging.getLogger(__name__)


@zh_doc("""城乡建设用地增减挂钩项目的指标平衡和规则检查。

逐项目并合计：拆旧区面积和复垦面积，建新区面积及其占用的建设用地、农用地和
耕地，使用指标和节余指标；然后检查规则：建新区不占永久基本农田，拆旧面积不小于
建新面积，复垦耕地不少于占用耕地，项目在同一县内。面积为椭球面积（公顷，
--method 可换算法）。输出文件已存在时拒绝，除非加 --overwrite。""")
@click.command(name="linkage")
@click.argument("demolition_path", metavar="DEMOLITION", type=click.Path(path_type=Path))
@click.argument("newbuild_path", metavar="NEWBUILD", type=click.Path(path_type=Path))
@click.option("--landuse", "landuse_path", required=True, type=click.Path(path_type=Path),
              help=h("覆盖建新区的地类图斑（DLTB）。",
                     "Land-use survey patches (DLTB) covering the new-build zones."))
@click.option("--farmland", "farmland_path", type=click.Path(path_type=Path),
              help=h("永久基本农田（JBNT）；不给则不检查该规则。",
                     "Permanent basic farmland (JBNT); without it that rule is not checked."))
@click.option("--county", "county_path", type=click.Path(path_type=Path),
              help=h("县级行政区图层（字段见 --county-field），用于“项目在同一县内”规则；默认：用 ZLD"
                     "WDM 的前 6 位。",
                     "County polygons (field --county-field) for the one-county rule; default: "
                     "the first 6 digits of ZLDWDM."))
@click.option("--county-field", default="XZQDM", show_default=True, help=h("--county 图层的县代码字段。",
                                                                           "County code field of --county."))
@click.option("--by", default="XMMC", show_default=True, help=h("项目字段。",
                                                                "Project field."))
@click.option("--status", "status_field", default="PZZT", show_default=True,
              help=h("批复状态字段（"" 表示所有项目均已批复）。",
                     "Approval-status field ('' : every project approved)."))
@click.option("--approved", multiple=True, default=("已批准",), show_default=True,
              help=h("表示已批复的状态值（可重复）。",
                     "Status value meaning approved (repeatable)."))
@click.option("--landuse-field", default="DLBM", show_default=True, help=h("--landuse 图层的地类字段。",
                                                                           "Land-use class field of --landuse."))
@click.option("--reclaimed", "reclaimed_field",
              help=h("DEMOLITION 中各拆旧区复垦面积的字段（公顷）（默认：整块复垦）。",
                     "Field of DEMOLITION with each zone's reclaimed area in ha "
                     "(default: the zone is reclaimed whole)."))
@method_option
@labels_option
@encoding_option
@crs_option
@output_option(h("把项目表（含合计行）写入 .csv，或写入 .xlsx（另含规则检查和合计表）。",
                 "Write the project table (with the total rows) as .csv, or .xlsx with the rule "
                 "checks and totals as more sheets."))
@overwrite_option
def linkage_command(demolition_path: Path, newbuild_path: Path, landuse_path: Path,
                    farmland_path: Path | None, county_path: Path | None, county_field: str, by: str,
                    status_field: str, approved: tuple[str, ...], landuse_field: str,
                    reclaimed_field: str | None, method: str, labels: str, encoding: str | None,
                    crs: tuple[str, ...],
                    output: Path | None, overwrite: bool) -> None:
    """Quota balance and rule checks of linkage projects (城乡建设用地增减挂钩).

    Per project and in total: demolition (拆旧区) and reclaimed area, new-build
    (建新区) area and the construction land, agricultural land and farmland
    under it, quota used and surplus quota (节余指标); then the rules: no
    new-build zone on basic farmland, demolition >= new-build, reclaimed
    farmland >= farmland occupied, one county per project. Areas are survey
    ellipsoidal areas in hectares (--method for another). An existing output
    is refused unless --overwrite.

    \b
    Examples:
      xigeo linkage 拆旧区.shp 建新区.shp --landuse DLTB.shp --farmland JBNT.shp
      xigeo linkage 拆旧区.shp 建新区.shp --landuse DLTB.shp --labels zh -o 增减挂钩.xlsx
    """
    from ..errors import OptionError
    from ..linkage import linkage_balance

    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        raise OptionError(t(f"{output}：表格请写为 .csv 或 .xlsx", f"{output}: write the tables as .csv or .xlsx"))
    check_outputs([output], overwrite=overwrite,
                  inputs=[demolition_path, newbuild_path, landuse_path, farmland_path, county_path])
    result = linkage_balance(
        read_input(demolition_path, crs, encoding=encoding),
        read_input(newbuild_path, crs, encoding=encoding),
        landuse=read_input(landuse_path, crs, encoding=encoding),
        farmland=read_input(farmland_path, crs, encoding=encoding) if farmland_path else None,
        county=read_input(county_path, crs, encoding=encoding) if county_path else None,
        county_field=county_field, by=by, status_field=status_field or None, approved=approved,
        landuse_field=landuse_field, reclaimed_field=reclaimed_field, method=method)
    projects = result.table("projects", labels=labels, total=True)
    click.echo(result.summary(current()))
    click.echo("")
    click.echo(format_table(projects))
    if len(result.violations):
        violations = result.table("violations", labels=labels)
        click.echo(t("\n规则检查：", "\nrule checks:"))
        click.echo(format_table(violations.set_index(violations.columns[0])))
    for note in result.notes:
        click.echo(t(f"注：{note}", f"note: {note}"))
    if output:
        if output.suffix.lower() == ".xlsx":
            result.to_excel(output, labels=workbook_labels(labels), overwrite=overwrite)  # summary first
        else:
            write_table(projects, output, overwrite=overwrite)
        log.info(t("已写入 %s", "wrote %s"), output)
