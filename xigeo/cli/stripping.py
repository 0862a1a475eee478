"""``xigeo stripping``: the least-haul topsoil stripping plan (表土剥离)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, labels_option, method_option,
                       output_option, overwrite_option, read_input)
from ._table import format_table, workbook_labels, write_table

log = logging.getLogger(__name__)

_SUFFIXES = (".csv", ".xlsx", ".gpkg", ".shp")


@zh_doc("""表土剥离调配：SOURCES 中每个剥离区的剥离量（面积 × 厚度）、RECEIVERS 中每个
受土区的容量（面积 × 覆土厚度），以及从哪个剥离区向哪个受土区调配多少，使总运距
（立方米·公里，质心到质心）最小。""")
@click.command(name="stripping")
@click.argument("sources_path", metavar="SOURCES", type=click.Path(dir_okay=True, path_type=Path))
@click.argument("receivers_path", metavar="RECEIVERS", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--depth", type=float, default=0.30, show_default=True,
              help=h("剥离厚度（米），用于厚度字段无值的剥离区。",
                     "Stripping depth, m, for sources without a value in the depth field."))
@click.option("--spread", type=float,
              help=h("覆土厚度（米），用于覆土字段无值的受土区。",
                     "Spread depth, m, for receivers without a value in the spread field."))
@click.option("--depth-field", default="BLHD", show_default=True,
              help=h("各剥离区的厚度字段（有值时优先于 --depth）。",
                     "Per-source depth field (wins over --depth where it has a value)."))
@click.option("--spread-field", default="FTHD", show_default=True,
              help=h("各受土区的覆土厚度字段（有值时优先于 --spread）。",
                     "Per-receiver spread-depth field (wins over --spread where it has a value)."))
@click.option("--id", "--source-id", "id_field", default="BLBH", show_default=True,
              help=h("剥离区标识字段。",
                     "Source id field."))
@click.option("--receivers-id", "--receiver-id", "receivers_id_field", default="JSBH",
              show_default=True, help=h("受土区标识字段。",
                                        "Receiver id field."))
@method_option
@labels_option
@encoding_option
@crs_option
@output_option(h("flows.gpkg / .shp（调配流向线，用于制图）、.xlsx（摘要、剥离区、受土区、调配四张表"
                 "）或 .csv（调配表）。",
                 "flows.gpkg / .shp (the flows as lines, for maps), .xlsx (summary, sources, "
                 "receivers and flows sheets) or .csv (the flows)."))
@overwrite_option
def stripping_command(sources_path: Path, receivers_path: Path, depth: float, spread: float | None,
                      depth_field: str, spread_field: str, id_field: str, receivers_id_field: str,
                      method: str, labels: str, encoding: str | None,
                      crs: tuple[str, ...], output: Path | None,
                      overwrite: bool) -> None:
    """Plan topsoil stripping: the volume of every site in SOURCES (area × depth), the
    capacity of every site in RECEIVERS (area × spread depth), and which source sends how
    much to which receiver so that the total haul (m³·km, centroid to centroid) is the
    smallest possible.

    \b
    Examples:
      xigeo stripping sample_shapefiles/stripping_sources.shp sample_shapefiles/stripping_receivers.shp
      xigeo stripping 剥离区.shp 接收区.shp --depth 0.3 --spread 0.25 -o 调运方案.xlsx
      xigeo stripping 剥离区.shp 接收区.shp -o flows.gpkg
    """
    from ..io import write_layer
    from ..stripping import stripping_plan

    if output is not None and output.suffix.lower() not in _SUFFIXES:
        raise click.BadParameter(t(f"{output}：请写成 .gpkg 或 .shp（流向线）、.xlsx 或 .csv（表格）",
                                   f"{output}: write .gpkg or .shp (lines), .xlsx or .csv (tables)"),
                                 param_hint="-o")
    check_outputs([output], overwrite=overwrite, inputs=[sources_path, receivers_path])
    sources = read_input(sources_path, crs, encoding=encoding)
    receivers = read_input(receivers_path, crs, encoding=encoding)
    plan = stripping_plan(sources, receivers, depth_m=depth, spread_m=spread,
                          depth_field=depth_field or None, spread_field=spread_field or None,
                          id_field=id_field, receivers_id_field=receivers_id_field, method=method)
    for name in plan.tables():
        click.echo(f"{plan.TABLES[name].title(labels)}:")
        click.echo(format_table(plan.table(name, labels=labels, total=True)))
        click.echo("")
    click.echo(t(f"总运量：{plan.total_haul_m3km:,.2f} 立方米·公里；剥离量 {plan.volume_m3:,.2f} 立方米，"
                 f"容量 {plan.capacity_m3:,.2f} 立方米",
                 f"total haul: {plan.total_haul_m3km:,.2f} m³·km; volume {plan.volume_m3:,.2f} m³, "
                 f"capacity {plan.capacity_m3:,.2f} m³"))
    click.echo(plan.summary(labels))
    if output:
        suffix = output.suffix.lower()
        if suffix == ".xlsx":
            plan.to_excel(output, labels=workbook_labels(labels), overwrite=overwrite)
        elif suffix == ".csv":
            write_table(plan.table("flows", labels=labels, total=True), output, overwrite=overwrite)
        else:
            write_layer(plan.lines.reset_index(), output, overwrite=overwrite)
        log.info(t("已写入 %s", "wrote %s"), output)
