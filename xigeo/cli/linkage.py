"""``xigeo linkage``: the quota balance of linkage projects (增减挂钩)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._options import (check_outputs, crs_option, encoding_option, labels_option, method_option,
                       output_option, overwrite_option, read_input)
from ._table import format_table, workbook_labels, write_table

log = logging.getLogger(__name__)


@click.command(name="linkage")
@click.argument("demolition_path", metavar="DEMOLITION", type=click.Path(path_type=Path))
@click.argument("newbuild_path", metavar="NEWBUILD", type=click.Path(path_type=Path))
@click.option("--landuse", "landuse_path", required=True, type=click.Path(path_type=Path),
              help="Land-use survey patches (DLTB) covering the new-build zones.")
@click.option("--farmland", "farmland_path", type=click.Path(path_type=Path),
              help="Permanent basic farmland (JBNT); without it that rule is not checked.")
@click.option("--county", "county_path", type=click.Path(path_type=Path),
              help="County polygons (field --county-field) for the one-county rule; default: "
                   "the first 6 digits of ZLDWDM.")
@click.option("--county-field", default="XZQDM", show_default=True, help="County code field of --county.")
@click.option("--by", default="XMMC", show_default=True, help="Project field.")
@click.option("--status", "status_field", default="PZZT", show_default=True,
              help="Approval-status field ('' : every project approved).")
@click.option("--approved", multiple=True, default=("已批准",), show_default=True,
              help="Status value meaning approved (repeatable).")
@click.option("--landuse-field", default="DLBM", show_default=True, help="Land-use class field of --landuse.")
@click.option("--reclaimed", "reclaimed_field",
              help="Field of DEMOLITION with each zone's reclaimed area in ha "
                   "(default: the zone is reclaimed whole).")
@method_option
@labels_option
@encoding_option
@crs_option
@output_option("Write the project table (with the total rows) as .csv, or .xlsx with the rule "
               "checks and totals as more sheets.")
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
        raise OptionError(f"{output}: write the tables as .csv or .xlsx")
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
    click.echo(result.summary("zh"))
    click.echo(result.summary("en"))
    click.echo("")
    click.echo(format_table(projects))
    if len(result.violations):
        violations = result.table("violations", labels=labels)
        click.echo("\n规则检查 / rule checks:")
        click.echo(format_table(violations.set_index(violations.columns[0])))
    for note in result.notes:
        click.echo(f"注 / note: {note}")
    if output:
        if output.suffix.lower() == ".xlsx":
            result.to_excel(output, labels=workbook_labels(labels), overwrite=overwrite)  # summary first
        else:
            write_table(projects, output, overwrite=overwrite)
        log.info("wrote %s", output)
