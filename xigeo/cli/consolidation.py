"""``xigeo consolidation``: the land-consolidation project table (土地整治)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, labels_option, method_option,
                       output_option, overwrite_option, read_input)
from ._table import format_table, workbook_labels, write_table

log = logging.getLogger(__name__)


@zh_doc("""土地综合整治项目：建设规模、新增耕地、投资。

逐项目（或按 --by 分组）并合计：建设规模（申报值，以及图斑的椭球面积，两者相差
超过 0.01 公顷时标出）、新增耕地及新增耕地率、投资（万元）及每公顷投资。输出
文件已存在时拒绝，除非加 --overwrite。""")
@click.command(name="consolidation")
@click.argument("projects_path", metavar="PROJECTS", type=click.Path(path_type=Path))
@click.option("--by", help=h("按此字段分组，如 XZQMC（乡镇）。",
                             "Group by this field, e.g. XZQMC (township)."))
@click.option("--townships", "townships_path", type=click.Path(path_type=Path),
              help=h("乡镇界线图层：每个项目归入其面积最大部分所在的乡镇（按 --by 分组，默认该图层的 "
                     "XZQMC）。",
                     "Township polygons: each project goes to the township holding most of it "
                     "(grouped by --by, default XZQMC of this layer)."))
@click.option("--before", "before_path", type=click.Path(path_type=Path),
              help=h("整治前的地类图斑（与 --after 一起：实测新增耕地）。",
                     "Land-use patches before the works (with --after: measured new farmland)."))
@click.option("--after", "after_path", type=click.Path(path_type=Path),
              help=h("整治后的地类图斑。",
                     "Land-use patches after the works."))
@click.option("--id", "id_field", default="XMBH", show_default=True, help=h("项目编号字段。",
                                                                            "Project id field."))
@click.option("--scale", "scale_field", default="JSGM", show_default=True,
              help=h("建设规模字段（公顷）。",
                     "Construction-scale field (ha)."))
@click.option("--new-farmland", "new_farmland_field", default="XZGDMJ", show_default=True,
              help=h("新增耕地字段（公顷）。",
                     "New-farmland field (ha)."))
@click.option("--investment", "investment_field", default="TZJE", show_default=True,
              help=h("投资额字段（万元）。",
                     "Investment field (万元)."))
@method_option
@labels_option
@encoding_option
@crs_option
@output_option(h("把表（含合计行）写入 .csv 或 .xlsx。",
                 "Write the table (with the 合计 row) as .csv or .xlsx."))
@overwrite_option
def consolidation_command(projects_path: Path, by: str | None, townships_path: Path | None,
                          before_path: Path | None, after_path: Path | None, id_field: str,
                          scale_field: str, new_farmland_field: str, investment_field: str,
                          method: str, labels: str, encoding: str | None,
                          crs: tuple[str, ...], output: Path | None,
                          overwrite: bool) -> None:
    """Land-consolidation projects (土地综合整治): scale, new farmland, investment.

    Per project (or per --by group) and in total: construction scale 建设规模
    (declared, and the polygon's survey ellipsoidal area, flagged when they
    differ by more than 0.01 ha), new farmland 新增耕地 and its rate,
    investment (万元) and investment per hectare. An existing output is
    refused unless --overwrite.

    \b
    Examples:
      xigeo consolidation 土地整治项目.shp
      xigeo consolidation 土地整治项目.shp --by XZQMC --labels zh -o 土地整治.xlsx
      xigeo consolidation 项目.shp --before DLTB2019.shp --after DLTB2023.shp
    """
    from ..consolidation import consolidation_summary
    from ..errors import OptionError

    if (before_path is None) != (after_path is None):
        raise click.UsageError(t("--before 和 --after 要么都给，要么都不给", "give both --before and --after, or neither"))
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        raise OptionError(t(f"{output}：表格请写为 .csv 或 .xlsx", f"{output}: write the table as .csv or .xlsx"))
    check_outputs([output], overwrite=overwrite,
                  inputs=[projects_path, townships_path, before_path, after_path])
    layers = {name: read_input(path, crs, encoding=encoding) if path else None
              for name, path in (("before", before_path), ("after", after_path),
                                 ("townships", townships_path))}
    result = consolidation_summary(
        read_input(projects_path, crs, encoding=encoding), landuse_before=layers["before"],
        landuse_after=layers["after"], by=by, townships=layers["townships"], id_field=id_field,
        scale_field=scale_field, new_farmland_field=new_farmland_field,
        investment_field=investment_field, method=method)
    table = result.table("projects", labels=labels, total=True)
    click.echo(result.summary(current()))
    click.echo("")
    click.echo(format_table(table))
    if output:
        if output.suffix.lower() == ".xlsx":
            table = result.table("projects", labels=workbook_labels(labels), total=True)
        write_table(table, output, overwrite=overwrite, sheet=result.TABLES["projects"].title("zh"))
        log.info(t("已写入 %s", "wrote %s"), output)
