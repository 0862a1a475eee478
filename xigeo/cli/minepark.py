"""``xigeo minepark``: areas, relief and slope of a mine park's pits from a DEM."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._table import format_table, write_table

log = logging.getLogger(__name__)


@click.command(name="minepark")
@click.argument("park_path", metavar="PARK", type=click.Path(path_type=Path))
@click.argument("pits_path", metavar="PITS", type=click.Path(path_type=Path))
@click.argument("restoration_path", metavar="RESTORATION", type=click.Path(path_type=Path))
@click.option("--dem", "dem_path", required=True, type=click.Path(path_type=Path),
              help="DEM GeoTIFF (elevations in metres, in the layers' CRS).")
@click.option("--id", "id_field", default="KSBH", show_default=True, help="Pit id field.")
@click.option("--field", "fields", multiple=True,
              help="Pit field to carry into the table (repeatable; default: KSMC and ZLZT when present).")
@click.option("--total/--no-total", default=True, show_default=True, help="Add the 合计 row.")
@click.option("--labels", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Column names with units (en) or Chinese report headers (zh).")
@click.option("--encoding", help="Text encoding of the attribute tables, e.g. gbk (overrides .cpg).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the pit table as .csv or .xlsx (an .xlsx also gets a 'summary' sheet).")
def minepark_command(park_path: Path, pits_path: Path, restoration_path: Path, dem_path: Path,
                     id_field: str, fields: tuple[str, ...], total: bool, labels: str,
                     encoding: str | None, output: Path | None) -> None:
    """Pit areas, relief, slope grades and steep (>25°) slopes left to treat.

    PARK is the park outline, PITS the closed pits, RESTORATION the
    restoration zone; all in the DEM's CRS. Areas are survey ellipsoidal
    areas (ha; park and zone in km²); slope by Horn's method on the DEM.

    \b
    Examples:
      xigeo minepark 矿山公园.shp 采石坑.shp 治理区.shp --dem dem.tif
      xigeo minepark park.shp pits.shp zone.shp --dem dem.tif --labels zh -o 矿山公园.xlsx
    """
    from ..io import read_layer
    from ..minepark import minepark_summary

    park = read_layer(park_path, encoding=encoding)
    pits = read_layer(pits_path, encoding=encoding)
    restoration = read_layer(restoration_path, encoding=encoding)
    if not fields:
        fields = tuple(f for f in ("KSMC", "ZLZT") if f in pits.columns)
    table, summary = minepark_summary(park, pits, restoration, dem=dem_path, id_field=id_field,
                                      fields=fields, total=total, labels=labels)
    click.echo(format_table(table))
    click.echo("")
    series = summary.to_series(labels=labels)
    click.echo(format_table(series.to_frame().map(_number).rename_axis("项目" if labels == "zh" else "item")))
    if output:
        if output.suffix.lower() == ".xlsx":
            import pandas as pd

            from .._files import atomic_path

            with atomic_path(output) as tmp:
                with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                    table.to_excel(writer, sheet_name="pits")
                    series.to_frame().to_excel(writer, sheet_name="summary")
        else:
            write_table(table, output)
        log.info("wrote %s", output)


def _number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4f}"
    return str(value)
