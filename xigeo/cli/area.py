"""``xigeo area``: ellipsoidal survey areas of a layer, per feature or summed by a field."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pandas as pd

from ._options import (check_outputs, crs_option, encoding_option, method_option, output_option,
                       overwrite_option, read_input, unit_option)
from ._table import format_table, write_table

log = logging.getLogger(__name__)

#: table formats ``-o`` writes (cli/_table.write_table)
TABLE_SUFFIXES = (".csv", ".xlsx")


@click.command(name="area")
@click.argument("layer_path", metavar="LAYER", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--layer", "layer_name", help="Layer inside a GeoPackage, FileGDB or zip.")
@click.option("--by", help="Sum the areas by this field (overlaps inside a group are counted once).")
@unit_option("ha")
@method_option
@click.option("--per-feature", is_flag=True, help="One row per feature instead of a summary.")
@click.option("--id", "id_field", help="Field to index the per-feature table by.")
@encoding_option
@crs_option
@output_option("Write the table as .csv or .xlsx (an existing file is refused unless --overwrite).")
@overwrite_option
def area_command(layer_path: Path, layer_name: str | None, by: str | None, unit: str, method: str,
                 per_feature: bool, id_field: str | None, encoding: str | None, crs: tuple[str, ...],
                 output: Path | None, overwrite: bool) -> None:
    """Survey areas of the polygons in LAYER.

    \b
    Examples:
      xigeo area 建新区.shp --by XMMC --unit 亩
      xigeo area data.gpkg --layer dltb --by DLBM -o 地类面积.xlsx
      xigeo area parcels.shp --per-feature --id DKBH --unit ha -o 面积.csv --overwrite
    """
    from ..area import area, summarize_area
    from ..errors import OptionError
    from ..units import AreaUnit

    if output is not None and output.suffix.lower() not in TABLE_SUFFIXES:
        raise OptionError(f"{output}: write tables as .csv or .xlsx")
    check_outputs([output], overwrite=overwrite, inputs=[layer_path])
    unit_ = AreaUnit.create(unit)
    gdf = read_input(layer_path, crs, layer=layer_name, encoding=encoding)
    if per_feature:
        if id_field:
            _require(gdf, id_field, layer_path)
            gdf = gdf.set_index(id_field)
        table = pd.concat([area(gdf, method=method, unit=u) for u in (AreaUnit.M2, unit_)
                           if u is AreaUnit.M2 or unit_ is not AreaUnit.M2], axis=1)
        if by:
            _require(gdf, by, layer_path)
            table.insert(0, by, gdf[by])
    else:
        if by:
            _require(gdf, by, layer_path)
        table = summarize_area(gdf, by=by, method=method, unit=unit_)
    click.echo(format_table(table))
    if output:
        write_table(table, output, overwrite=overwrite)
        log.info("wrote %s", output)


def _require(gdf: pd.DataFrame, field: str, path: Path) -> None:
    from ..errors import SchemaError

    if field not in gdf.columns:
        raise SchemaError(f"{path}: no field {field!r}; fields are: {', '.join(map(str, gdf.columns))}")
