"""``xigeo industrial``: control indicators of enterprise parcels (工业用地节约集约)."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pandas as pd

from ._table import format_table, write_table

log = logging.getLogger(__name__)

_SHOWN = ["industry_code", "intensity_wan_yuan_per_ha", "far", "building_coefficient_pct",
          "office_share_pct", "green_ratio_pct", "failed_indicators", "saved_mu"]


def _field_options(values: tuple[str, ...]) -> dict[str, str | None]:
    from ..industrial import INDUSTRIAL_FIELDS

    fields: dict[str, str | None] = {}
    for item in values:
        role, sep, name = item.partition("=")
        if not sep or role.strip() not in INDUSTRIAL_FIELDS:
            raise click.BadParameter(f"{item!r}: write QUANTITY=FIELD, e.g. investment=TZE; "
                                     f"quantities: {', '.join(INDUSTRIAL_FIELDS)}",
                                     param_hint="--field")
        fields[role.strip()] = name.strip() or None
    return fields


def _write_sheets(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    from .._files import atomic_path

    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in sheets.items():
                table.to_excel(writer, sheet_name=name[:31])


@click.command(name="industrial")
@click.argument("parcels_path", metavar="PARCELS", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--layer", "layer_name", help="Layer inside a GeoPackage, FileGDB or zip.")
@click.option("--intensity-floor", type=float, default=3000.0, show_default=True,
              help="Investment-intensity floor, 万元/ha, for industries the thresholds table gives none "
                   "(it depends on the region class).")
@click.option("--thresholds", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of control values per industry (columns industry_code, min_far, ...); "
                   "default: the bundled 国土资发〔2008〕24号 table.")
@click.option("--region-class", help="Region class to use from a thresholds table with a region_class column.")
@click.option("--id", "id_field", default="QYBH", show_default=True, help="Enterprise id field.")
@click.option("--field", "field_items", multiple=True, metavar="QUANTITY=FIELD",
              help="A field name that differs from the default, e.g. investment=TZE "
                   "(quantities: industry, investment, floor_area, floor_area_over_8m, "
                   "building_footprint, structure_footprint, yard_footprint, office_area, "
                   "green_area, revenue, standard_factory). Repeatable.")
@click.option("--labels", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Column names with units, or Chinese report headers.")
@click.option("--encoding", help="Text encoding of the attribute table, e.g. gbk (overrides .cpg).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the full table: .csv, or .xlsx (with a summary sheet).")
def industrial_command(parcels_path: Path, layer_name: str | None, intensity_floor: float,
                       thresholds: Path | None, region_class: str | None, id_field: str,
                       field_items: tuple[str, ...], labels: str, encoding: str | None,
                       output: Path | None) -> None:
    """Investment intensity, floor-area ratio, building coefficient, office share and
    green ratio of every enterprise parcel in PARCELS, checked against the control
    values, with the land each parcel short of them could give back.

    Prints the parcels' indicators and the cluster's totals (revenue and standard
    factory floor area when the layer has YYSR and BZCF).

    \b
    Examples:
      xigeo industrial sample_shapefiles/industrial.shp
      xigeo industrial 企业用地.shp --intensity-floor 2400 --thresholds 控制指标.csv -o 集约评价.xlsx
      xigeo industrial parcels.gpkg --field investment=TZE --field industry=HYLB --labels zh
    """
    from ..industrial import industrial_intensity, industrial_summary
    from ..io import read_layer

    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter(f"{output}: write the table as .csv or .xlsx", param_hint="-o")
    gdf = read_layer(parcels_path, layer=layer_name, encoding=encoding)
    fields = _field_options(field_items)
    for role in ("revenue", "standard_factory"):
        default = {"revenue": "YYSR", "standard_factory": "BZCF"}[role]
        if role not in fields and default not in gdf.columns:
            fields[role] = None  # the summary leaves the figure out
    options = dict(thresholds=thresholds, intensity_floor=intensity_floor, region_class=region_class,
                   id_field=id_field, fields=fields)
    table = industrial_intensity(gdf, total=True, **options)  # type: ignore[arg-type]
    summary = industrial_summary(gdf, **options)  # type: ignore[arg-type]
    shown = table[_SHOWN]
    summary = summary.rename_axis("figure")
    if labels == "zh":
        from ..industrial import _SUMMARY_ZH, _ZH

        table = table.rename(columns=_ZH)
        shown = shown.rename(columns=_ZH)
        summary = summary.rename(_SUMMARY_ZH).rename_axis("指标")
    click.echo(format_table(shown))
    click.echo("")
    click.echo(format_table(summary.to_frame("value" if labels == "en" else "数值")))
    if output:
        if output.suffix.lower() == ".xlsx":
            _write_sheets({"indicators" if labels == "en" else "控制指标": table,
                           "summary" if labels == "en" else "汇总": summary.to_frame(
                               "value" if labels == "en" else "数值")}, output)
        else:
            write_table(table, output)
        log.info("wrote %s", output)
