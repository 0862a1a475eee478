"""``xigeo linkage``: the quota balance of linkage projects (增减挂钩);
``xigeo consolidation``: the land-consolidation project table (土地整治)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
import pandas as pd

from ._table import format_table, write_table

log = logging.getLogger(__name__)

_LABELS = click.Choice(["en", "zh"])


def _read(path: Path | None, encoding: str | None) -> Any:
    from ..io import read_layer

    return None if path is None else read_layer(path, encoding=encoding)


def _write_book(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Several tables as the sheets of one .xlsx workbook, written atomically."""
    from .._files import atomic_path

    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in sheets.items():
                table.to_excel(writer, sheet_name=name[:31], index=table.index.name is not None or
                               not isinstance(table.index, pd.RangeIndex))
    return path


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
@click.option("--status", default="PZZT", show_default=True, help="Approval-status field.")
@click.option("--approved", multiple=True, default=("已批准",), show_default=True,
              help="Status value meaning approved (repeatable).")
@click.option("--landuse-field", default="DLBM", show_default=True, help="Land-use class field of --landuse.")
@click.option("--reclaimed", help="Field of DEMOLITION with each zone's reclaimed area in ha "
                                  "(default: the zone is reclaimed whole).")
@click.option("--labels", type=_LABELS, default="en", show_default=True,
              help="Column headers: en (with units) or zh (Chinese report headers).")
@click.option("--encoding", help="Text encoding of the attribute tables, e.g. gbk (overrides .cpg).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the project table as .csv, or .xlsx with the rule checks and totals as more sheets.")
def linkage_command(demolition_path: Path, newbuild_path: Path, landuse_path: Path,
                    farmland_path: Path | None, county_path: Path | None, county_field: str, by: str,
                    status: str, approved: tuple[str, ...], landuse_field: str, reclaimed: str | None,
                    labels: str, encoding: str | None, output: Path | None) -> None:
    """Quota balance and rule checks of linkage projects (城乡建设用地增减挂钩).

    Per project and in total: demolition (拆旧区) and reclaimed area, new-build
    (建新区) area and the construction land, agricultural land and farmland
    under it, quota used and surplus quota (节余指标); then the rules: no
    new-build zone on basic farmland, demolition >= new-build, reclaimed
    farmland >= farmland occupied, one county per project. Areas are survey
    ellipsoidal areas in hectares.

    \b
    Examples:
      xigeo linkage 拆旧区.shp 建新区.shp --landuse DLTB.shp --farmland JBNT.shp
      xigeo linkage 拆旧区.shp 建新区.shp --landuse DLTB.shp --labels zh -o 增减挂钩.xlsx
    """
    from ..linkage import linkage_balance

    result = linkage_balance(
        _read(demolition_path, encoding), _read(newbuild_path, encoding),
        landuse=_read(landuse_path, encoding), farmland=_read(farmland_path, encoding),
        county=_read(county_path, encoding), county_field=county_field, by=by, status=status or None,
        approved=approved, landuse_field=landuse_field, reclaimed=reclaimed, total=True, labels=labels)
    click.echo(result.summary)
    click.echo("")
    click.echo(format_table(result.projects))
    if len(result.violations):
        click.echo("\n规则检查 / rule checks:")
        click.echo(format_table(result.violations.set_index(result.violations.columns[0])))
    for note in result.notes:
        click.echo(f"注 / note: {note}")
    if output:
        if output.suffix.lower() == ".xlsx":
            _write_book({"projects": result.projects, "violations": result.violations,
                         "totals": result.totals}, output)
        else:
            write_table(result.projects, output)
        log.info("wrote %s", output)


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
@click.option("--scale", default="JSGM", show_default=True, help="Construction-scale field (ha).")
@click.option("--new-farmland", default="XZGDMJ", show_default=True, help="New-farmland field (ha).")
@click.option("--investment", default="TZJE", show_default=True, help="Investment field (万元).")
@click.option("--labels", type=_LABELS, default="en", show_default=True,
              help="Column headers: en (with units) or zh (Chinese report headers).")
@click.option("--encoding", help="Text encoding of the attribute tables, e.g. gbk (overrides .cpg).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the table as .csv or .xlsx.")
def consolidation_command(projects_path: Path, by: str | None, townships_path: Path | None,
                          before_path: Path | None, after_path: Path | None, id_field: str,
                          scale: str, new_farmland: str, investment: str, labels: str,
                          encoding: str | None, output: Path | None) -> None:
    """Land-consolidation projects (土地综合整治): scale, new farmland, investment.

    Per project (or per --by group) and in total: construction scale 建设规模
    (declared, and the polygon's survey ellipsoidal area, flagged when they
    differ by more than 0.01 ha), new farmland 新增耕地 and its rate,
    investment (万元) and investment per hectare.

    \b
    Examples:
      xigeo consolidation 土地整治项目.shp
      xigeo consolidation 土地整治项目.shp --by XZQMC --labels zh -o 土地整治.xlsx
      xigeo consolidation 项目.shp --before DLTB2019.shp --after DLTB2023.shp
    """
    from ..consolidation import consolidation_summary

    if (before_path is None) != (after_path is None):
        raise click.UsageError("give both --before and --after, or neither")
    table = consolidation_summary(
        _read(projects_path, encoding), landuse_before=_read(before_path, encoding),
        landuse_after=_read(after_path, encoding), by=by, townships=_read(townships_path, encoding),
        id_field=id_field, scale=scale, new_farmland=new_farmland, investment=investment,
        total=True, labels=labels)
    click.echo(table.attrs.get("summary", ""))
    click.echo("")
    click.echo(format_table(table))
    if output:
        write_table(table, output)
        log.info("wrote %s", output)
