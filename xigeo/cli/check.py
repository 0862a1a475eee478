"""``xigeo check``: the survey-database quality checks (质检) on a DLTB layer."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import check_outputs, crs_option, encoding_option, output_option, overwrite_option, read_input
from ._table import format_table

log = logging.getLogger(__name__)


@zh_doc("""按规则包对 DLTB 中的调查图斑做质检。

显示中文摘要和各规则的问题数；有严重程度为“错误”的规则发现问题时退出码为 1，
只有“警告”或没有问题时为 0。输出文件已存在时拒绝，除非加 --overwrite；从不改写
输入文件。""")
@click.command(name="check")
@click.argument("dltb_path", metavar="DLTB", type=click.Path(path_type=Path))
@click.option("--county", "county_path", type=click.Path(path_type=Path),
              help=h("县级行政区（XZQ）：检查其内的缝隙和其外的图斑。",
                     "County boundary (XZQ): gaps inside it, patches outside it."))
@click.option("--villages", "villages_path", type=click.Path(path_type=Path),
              help=h("村级调查区（CJDCQ，含 CJDCQDM）：检查图斑所在村的 ZLDWDM/QSDWDM。",
                     "Villages (村级调查区, CJDCQ with CJDCQDM): ZLDWDM/QSDWDM of the village a patch lies in."))
@click.option("--jbnt", "jbnt_path", type=click.Path(path_type=Path),
              help=h("永久基本农田（JBNT）：检查落在非耕地、建设用地上的部分。",
                     "Permanent basic farmland (JBNT): on land that is not farmland, on construction land."))
@click.option("--rules", "rules_path", type=click.Path(path_type=Path),
              help=h("自定义规则文件（TOML），覆盖内置规则包：阈值、严重程度、停用或新增规则。",
                     "Your own rule file (TOML) over the bundled rule pack: thresholds, severities, "
                     "rules switched off or added."))
@click.option("--tolerance", "tolerance_m2", type=float, default=None,
              help=h("重叠、缝隙、界外和基本农田各规则的面积容差（平方米）（默认：各规则自己的值，0.0"
                     "1 或 1 平方米）。",
                     "Area tolerance in m² of every overlap, gap, outside and JBNT rule "
                     "(default: each rule's own, 0.01 m² / 1 m²)."))
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help=h("dask：拓扑规则按空间分区在 dask 调度器上计算；local：本机计算。",
                     "dask: the topology rules per spatial partition on a dask scheduler."))
@encoding_option
@crs_option
@output_option(h("把质检结果写成 GeoPackage（图层 errors_point、errors_area，QGIS 中带样式）。",
                 "Write the findings as a GeoPackage (layers errors_point and errors_area, styled in QGIS)."))
@click.option("--xlsx", type=click.Path(path_type=Path),
              help=h("把质检结果写入 Excel 工作簿：一张汇总表，每条规则一张表。",
                     "Write the findings to an Excel workbook: a summary sheet and a sheet per rule."))
@overwrite_option
@click.pass_context
def check_command(ctx: click.Context, dltb_path: Path, county_path: Path | None, villages_path: Path | None,
                  jbnt_path: Path | None, rules_path: Path | None, tolerance_m2: float | None, engine: str,
                  encoding: str | None, crs: tuple[str, ...], output: Path | None, xlsx: Path | None, overwrite: bool) -> None:
    """Check the survey patches in DLTB against the rule pack (质检).

    Prints the summary in Chinese and the count of findings by rule; exits
    with status 1 when a rule of severity 错误 found something, 0 when
    there are only warnings (警告) or none. Outputs that exist are refused
    unless --overwrite; an input is never written to.

    \b
    Examples:
      xigeo check DLTB.shp --county XZQ.shp --villages CJDCQ.shp --jbnt JBNT.shp -o 质检.gpkg --xlsx 质检.xlsx
      xigeo check DLTB.shp --rules 河南省质检规则.toml
      xigeo check sample_shapefiles/dltb.shp --county sample_shapefiles/survey_area.shp
    """
    from ..errors import LayerWriteError
    from ..qc import check_survey

    for path, what in ((output, ".gpkg"), (xlsx, ".xlsx")):
        if path is not None and path.suffix.lower() != what:
            raise LayerWriteError(t(f"{path}：此输出请写为 {what} 文件", f"{path}: write this output as a {what} file"))
    inputs = [dltb_path, county_path, villages_path, jbnt_path, rules_path]
    check_outputs([output, xlsx], overwrite=overwrite, inputs=inputs)
    dltb = read_input(dltb_path, crs, encoding=encoding)
    county, villages, jbnt = (None if p is None else read_input(p, crs, encoding=encoding)
                              for p in (county_path, villages_path, jbnt_path))
    result = check_survey(dltb, county=county, villages=villages, jbnt=jbnt, rules=rules_path,
                          tolerance_m2=tolerance_m2, engine=engine)
    click.echo(result.summary(current()))
    found = result.by_rule[result.by_rule["n_findings"] > 0]
    if len(found):
        click.echo("")
        table = result.table("by_rule", labels="zh").loc[found.index, ["规则名称", "严重程度", "发现数"]]
        click.echo(format_table(table))
    if output is not None:
        result.to_gpkg(output, overwrite=overwrite)
        click.echo(t(f"已写出 {output}（图层 errors_point、errors_area，QGIS 按严重程度显示）",
                     f"wrote {output} (layers errors_point, errors_area, styled by severity in QGIS)"))
    if xlsx is not None:
        result.to_excel(xlsx, overwrite=overwrite)
        click.echo(t(f"已写出 {xlsx}", f"wrote {xlsx}"))
    if not result.passed:
        ctx.exit(1)
