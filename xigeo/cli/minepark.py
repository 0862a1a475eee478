"""``xigeo minepark``: areas, relief and slope of a mine park's pits from a DEM."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, labels_option, method_option,
                       output_option, overwrite_option, read_input)
from ._table import format_table, workbook_labels, write_table

log = logging.getLogger(__name__)


@zh_doc("""矿坑面积、高差、坡度分级以及待治理的陡坡（>25°）。

PARK 为公园范围，PITS 为闭坑，RESTORATION 为修复区；均与 DEM 坐标系相同。面积为
椭球面积（公顷；公园和修复区为平方公里）；坡度用 Horn 方法由 DEM 计算。""")
@click.command(name="minepark")
@click.argument("park_path", metavar="PARK", type=click.Path(path_type=Path))
@click.argument("pits_path", metavar="PITS", type=click.Path(path_type=Path))
@click.argument("restoration_path", metavar="RESTORATION", type=click.Path(path_type=Path))
@click.option("--dem", "dem_path", required=True, type=click.Path(path_type=Path),
              help=h("DEM GeoTIFF（高程单位米，与图层坐标系相同）。",
                     "DEM GeoTIFF (elevations in metres, in the layers' CRS)."))
@click.option("--id", "id_field", default="KSBH", show_default=True, help=h("矿坑标识字段。",
                                                                            "Pit id field."))
@click.option("--keep", "--field", "keep", multiple=True,
              help=h("带入表中的矿坑字段（可重复；默认：有 KSMC、ZLZT 时带入）。",
                     "Pit field to carry into the table (repeatable; default: KSMC and ZLZT when present)."))
@click.option("--total/--no-total", default=True, show_default=True, help=h("加合计行。",
                                                                            "Add the 合计 row."))
@method_option
@labels_option
@encoding_option
@crs_option
@output_option(h("把矿坑表写入 .csv，或写入 .xlsx（摘要、矿坑、合计三张表）。",
                 "Write the pit table as .csv, or .xlsx (summary, pits and totals sheets)."))
@overwrite_option
def minepark_command(park_path: Path, pits_path: Path, restoration_path: Path, dem_path: Path,
                     id_field: str, keep: tuple[str, ...], total: bool, method: str, labels: str,
                     encoding: str | None,
                     crs: tuple[str, ...], output: Path | None, overwrite: bool) -> None:
    """Pit areas, relief, slope grades and steep (>25°) slopes left to treat.

    PARK is the park outline, PITS the closed pits, RESTORATION the
    restoration zone; all in the DEM's CRS. Areas are survey ellipsoidal
    areas (ha; park and zone in km²); slope by Horn's method on the DEM.

    \b
    Examples:
      xigeo minepark 矿山公园.shp 采石坑.shp 治理区.shp --dem dem.tif
      xigeo minepark park.shp pits.shp zone.shp --dem dem.tif --labels zh -o 矿山公园.xlsx
    """
    from ..minepark import minepark_summary

    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter(t(f"{output}：表格请写成 .csv 或 .xlsx", f"{output}: write the table as .csv or .xlsx"),
                                 param_hint="-o")
    check_outputs([output], overwrite=overwrite,
                  inputs=[park_path, pits_path, restoration_path, dem_path])
    park = read_input(park_path, crs, encoding=encoding)
    pits = read_input(pits_path, crs, encoding=encoding)
    restoration = read_input(restoration_path, crs, encoding=encoding)
    if not keep:
        keep = tuple(f for f in ("KSMC", "ZLZT") if f in pits.columns)
    result = minepark_summary(park, pits, restoration, dem=dem_path, id_field=id_field, keep=keep,
                              method=method)
    table = result.table("pits", labels=labels, total=total)
    totals = result.table("totals", labels=labels)
    click.echo(format_table(table))
    click.echo("")
    click.echo(format_table(totals.map(_number)))
    click.echo("")
    click.echo(result.summary(labels))
    if output:
        if output.suffix.lower() == ".xlsx":
            # the result's workbook, with the pit table's 合计 row as --total says
            result.to_excel(output, labels=workbook_labels(labels), total=total, overwrite=overwrite)
        else:
            write_table(table, output, overwrite=overwrite)
        log.info(t("已写入 %s", "wrote %s"), output)


def _number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4f}"
    return str(value)
