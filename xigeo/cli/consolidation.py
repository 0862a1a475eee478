"""``xigeo consolidation``: the land-consolidation project table (土地整治)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._options import (check_outputs, crs_option, encoding_option, labels_option, method_option,
                       output_option, overwrite_option, read_input)
from ._table import format_table, workbook_labels, write_table

log = logging.getLogger(__name__)


@click.command(name="consolidation")
@click.argument("projects_path", metavar="PROJECTS", type=click.Path(path_type=Path))
@click.option("--by", help="Group by this field, e.g. XZQMC (township).")
@click.option("--townships", "townships_path", type=click.Path(path_type=Path),
              help="Township polygons: each project goes to the township holding most of it "
                   "(grouped by --by, default XZQMC of this layer).")
@click.option("--before", "before_path", type=click.Path(path_type=Path),
              help="Land-use patches before the works (with --after: measured new farmland).")
@click.option("--after", "after_path", type=click.Path(path_type=Path),
              help="Land-use patches after the works.")
@click.option("--id", "id_field", default="XMBH", show_default=True, help="Project id field.")
@click.option("--scale", "scale_field", default="JSGM", show_default=True,
              help="Construction-scale field (ha).")
@click.option("--new-farmland", "new_farmland_field", default="XZGDMJ", show_default=True,
              help="New-farmland field (ha).")
@click.option("--investment", "investment_field", default="TZJE", show_default=True,
              help="Investment field (万元).")
@method_option
@labels_option
@encoding_option
@crs_option
@output_option("Write the table (with the 合计 row) as .csv or .xlsx.")
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
        raise click.UsageError("give both --before and --after, or neither")
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        raise OptionError(f"{output}: write the table as .csv or .xlsx")
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
    click.echo(result.summary("zh"))
    click.echo(result.summary("en"))
    click.echo("")
    click.echo(format_table(table))
    if output:
        if output.suffix.lower() == ".xlsx":
            table = result.table("projects", labels=workbook_labels(labels), total=True)
        write_table(table, output, overwrite=overwrite, sheet=result.TABLES["projects"].title("zh"))
        log.info("wrote %s", output)
