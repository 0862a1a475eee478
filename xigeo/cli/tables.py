"""``xigeo tables``: the 三调 summary tables of a survey layer, as a workbook in the official layout."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, output_option, overwrite_option,
                       read_input, unit_option)
from ._table import format_table

log = logging.getLogger(__name__)


@zh_doc("""三调汇总表：一级、二级分类，三大类，耕地坡度分级（由 DLTB 汇总）。

地类面积为 TBDLMJ，田坎（Σ KCMJ）计入 1203 田坎；印出的数字各行各列都能加总。
工作簿含摘要表和每表一个按官方表样的工作表。输出文件已存在时拒绝，除非加
--overwrite。""")
@click.command(name="tables")
@click.argument("patches_path", metavar="DLTB", type=click.Path(path_type=Path))
@click.option("--units", "units_paths", multiple=True, type=click.Path(path_type=Path),
              help=h("给出表行的单位图层：XZQ（XZQDM/XZQMC，县或乡镇）或 CJDCQ（CJDCQDM/CJDCQMC，村）"
                     "；可重复。",
                     "Unit layer naming the rows: XZQ (XZQDM/XZQMC, county or townships) or CJDCQ "
                     "(CJDCQDM/CJDCQMC, villages); repeat for several."))
@click.option("--level", type=click.Choice(["township", "village", "county"]), default="township",
              show_default=True, help=h("最细一级的行：乡镇、到村，或只有全县。",
                                        "Finest rows: townships, also villages, or the county only."))
@unit_option("ha")
@click.option("--county", help=h("表题中的县名（默认：县级行的名称）。",
                                 "County name in the titles (default: the county row's name)."))
@click.option("--year", help=h("表题中的年份，如 2023。",
                               "Year in the titles, e.g. 2023."))
@encoding_option
@crs_option
@output_option(h("按官方表样写出 .xlsx 工作簿。",
                 "Write the tables as an .xlsx workbook in the official layout."), required=True)
@overwrite_option
def tables_command(patches_path: Path, units_paths: tuple[Path, ...], level: str, unit: str,
                   county: str | None, year: str | None, encoding: str | None,
                   crs: tuple[str, ...], output: Path,
                   overwrite: bool) -> None:
    """三调汇总表：一级、二级分类，三大类，耕地坡度分级 — the survey's summary tables of DLTB.

    Class areas are TBDLMJ, with the field ridges (Σ KCMJ) as 1203 田坎; the
    printed figures add up across every row and column. The workbook has a
    摘要 sheet and one sheet per table in the official layout. An output that
    exists is refused unless --overwrite.

    \b
    Examples:
      xigeo tables DLTB.shp --units XZQ.shp -o 统计表.xlsx
      xigeo tables DLTB.shp --units XZQ.shp --units CJDCQ.shp --level village -o 村级统计表.xlsx
      xigeo tables DLTB.gpkg --unit 亩 --year 2023 -o 统计表.xlsx --overwrite
    """
    from ..errors import LayerWriteError
    from ..landuse_tables import landuse_tables

    if output.suffix.lower() != ".xlsx":
        raise LayerWriteError(t(f"{output}：统计表请写为 .xlsx 文件", f"{output}: write the tables as an .xlsx file"))
    check_outputs([output], overwrite=overwrite, inputs=[patches_path, *units_paths])
    patches = read_input(patches_path, crs, encoding=encoding)
    units = [read_input(p, crs, encoding=encoding) for p in units_paths] or None
    result = landuse_tables(patches, units=units, level=level, unit=unit)
    click.echo(result.summary(current()))
    click.echo("")
    shown = result.table("level1", labels="zh").drop(columns=["级别"])
    click.echo(format_table(shown.head(40)))
    if len(shown) > 40:
        click.echo(t(f"… 另有 {len(shown) - 40} 行，见工作簿", f"… {len(shown) - 40} more rows in the workbook"))
    result.to_excel(output, overwrite=overwrite, county=county, year=year)
    click.echo(t(f"已写出 {output}", f"wrote {output}"))
