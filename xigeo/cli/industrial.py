"""``xigeo industrial``: control indicators of enterprise parcels (工业用地节约集约)."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pandas as pd

from ._i18n import h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, labels_option, method_option,
                       output_option, overwrite_option, read_input)
from ._table import format_table, workbook_labels, write_table

log = logging.getLogger(__name__)

_SHOWN = ["industry_code", "intensity_wan_yuan_per_ha", "far", "building_coefficient_pct",
          "office_share_pct", "green_ratio_pct", "failed_indicators", "saved_mu"]


def _field_options(values: tuple[str, ...]) -> dict[str, str | None]:
    """``--field QUANTITY=FIELD`` items as the calculator's ``<quantity>_field=`` keywords."""
    from ..industrial import INDUSTRIAL_FIELDS

    fields: dict[str, str | None] = {}
    for item in values:
        role, sep, name = item.partition("=")
        if not sep or role.strip() not in INDUSTRIAL_FIELDS:
            raise click.BadParameter(t(f"{item!r}：请写成 QUANTITY=FIELD，如 investment=TZE；"
                                       f"指标：{', '.join(INDUSTRIAL_FIELDS)}",
                                       f"{item!r}: write QUANTITY=FIELD, e.g. investment=TZE; "
                                       f"quantities: {', '.join(INDUSTRIAL_FIELDS)}"),
                                     param_hint="--field")
        fields[f"{role.strip()}_field"] = name.strip() or None
    return fields


def _figures(totals: pd.DataFrame) -> pd.DataFrame:
    """The totals table for the terminal: counts as integers, the rest with two decimals."""
    def text(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return f"{value:,.2f}" if isinstance(value, float) else str(value)

    return totals.map(text)


@zh_doc("""PARCELS 中各企业宗地的投资强度、容积率、建筑系数、行政办公及生活服务设施
用地所占比重和绿地率，与控制指标比较，并给出未达标宗地可收回的土地。

显示各宗地的指标和园区合计（图层有 YYSR、BZCF 时含营业收入和标准厂房面积）。""")
@click.command(name="industrial")
@click.argument("parcels_path", metavar="PARCELS", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--layer", "layer_name", help=h("GeoPackage、FileGDB 或 zip 中的图层名。",
                                              "Layer inside a GeoPackage, FileGDB or zip."))
@click.option("--intensity-floor", type=float, default=3000.0, show_default=True,
              help=h("控制指标表未给出的行业所用的投资强度下限（万元/公顷，随地区等别而定）。",
                     "Investment-intensity floor, 万元/ha, for industries the thresholds table gives none "
                     "(it depends on the region class)."))
@click.option("--thresholds", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=h("各行业控制指标的 CSV（列 industry_code、min_far 等）；默认：内置的国土资发〔200"
                     "8〕24号 指标表。",
                     "CSV of control values per industry (columns industry_code, min_far, ...); "
                     "default: the bundled 国土资发〔2008〕24号 table."))
@click.option("--region-class", help=h("控制指标表有 region_class 列时所用的地区等别。",
                                       "Region class to use from a thresholds table with a region_class column."))
@click.option("--id", "id_field", default="QYBH", show_default=True, help=h("企业标识字段。",
                                                                            "Enterprise id field."))
@click.option("--field", "field_items", multiple=True, metavar="QUANTITY=FIELD",
              help=h("与默认不同的字段名，如 investment=TZE（指标：industry、investment、floor_area、"
                     "floor_area_over_8m、building_footprint、structure_footprint、yard_footprint、of"
                     "fice_area、green_area、revenue、standard_factory；FIELD 留空表示不用该可选指标"
                     "）。可重复。",
                     "A field name that differs from the default, e.g. investment=TZE "
                     "(quantities: industry, investment, floor_area, floor_area_over_8m, "
                     "building_footprint, structure_footprint, yard_footprint, office_area, "
                     "green_area, revenue, standard_factory; an empty FIELD leaves an optional one "
                     "out). Repeatable."))
@method_option
@labels_option
@encoding_option
@crs_option
@output_option(h("写出完整表：.csv（各宗地及合计行），或 .xlsx（摘要、宗地、合计三张表）。",
                 "Write the full table: .csv (the parcels with the 合计 row), or .xlsx (summary, "
                 "parcels and totals sheets)."))
@overwrite_option
def industrial_command(parcels_path: Path, layer_name: str | None, intensity_floor: float,
                       thresholds: Path | None, region_class: str | None, id_field: str,
                       field_items: tuple[str, ...], method: str, labels: str, encoding: str | None,
                       crs: tuple[str, ...],
                       output: Path | None, overwrite: bool) -> None:
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
    from ..industrial import industrial_intensity

    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter(t(f"{output}：表格请写成 .csv 或 .xlsx", f"{output}: write the table as .csv or .xlsx"),
                                 param_hint="-o")
    fields = _field_options(field_items)
    check_outputs([output], overwrite=overwrite, inputs=[parcels_path, thresholds])
    gdf = read_input(parcels_path, crs, layer=layer_name, encoding=encoding)
    result = industrial_intensity(gdf, thresholds=thresholds, intensity_floor=intensity_floor,
                                  region_class=region_class, id_field=id_field, method=method,
                                  **fields)  # type: ignore[arg-type]
    table = result.table("parcels", labels=labels, total=True)
    # the labelled table keeps the canonical column order
    labelled = dict(zip(result.parcels.columns, table.columns))
    click.echo(format_table(table[[labelled[c] for c in _SHOWN]]))
    click.echo("")
    click.echo(format_table(_figures(result.table("totals", labels=labels))))
    click.echo("")
    click.echo(result.summary(labels))
    if output:
        if output.suffix.lower() == ".xlsx":
            result.to_excel(output, labels=workbook_labels(labels), overwrite=overwrite)
        else:
            write_table(table, output, overwrite=overwrite)
        log.info(t("已写入 %s", "wrote %s"), output)
