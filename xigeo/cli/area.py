"""``xigeo area``: ellipsoidal survey areas of a layer, per feature or summed by a field."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pandas as pd

from ._table import format_table, write_table

log = logging.getLogger(__name__)

METHODS = ("ellipsoidal", "geodesic", "planar")


@click.command(name="area")
@click.argument("layer_path", metavar="LAYER", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--layer", "layer_name", help="Layer inside a GeoPackage, FileGDB or zip.")
@click.option("--by", help="Sum the areas by this field (overlaps inside a group are counted once).")
@click.option("--unit", default="ha", show_default=True, help="m2, ha, mu, km2 (or 平方米, 公顷, 亩, 平方公里).")
@click.option("--method", type=click.Choice(METHODS), default="ellipsoidal", show_default=True,
              help="ellipsoidal: the land-survey method (三调); geodesic: Karney; planar: map plane.")
@click.option("--per-feature", is_flag=True, help="One row per feature instead of a summary.")
@click.option("--id", "id_field", help="Field to index the per-feature table by.")
@click.option("--encoding", help="Text encoding of the attribute table, e.g. gbk (overrides .cpg).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the table as .csv or .xlsx.")
def area_command(layer_path: Path, layer_name: str | None, by: str | None, unit: str, method: str,
                 per_feature: bool, id_field: str | None, encoding: str | None,
                 output: Path | None) -> None:
    """Survey areas of the polygons in LAYER.

    \b
    Examples:
      xigeo area 建新区.shp --by XMMC --unit 亩
      xigeo area data.gpkg --layer dltb --by DLBM -o 地类面积.xlsx
      xigeo area parcels.shp --per-feature --id DKBH --unit ha
    """
    from ..area import area, summarize_area
    from ..io import read_layer
    from ..units import AreaUnit

    gdf = read_layer(layer_path, layer=layer_name, encoding=encoding)
    unit_ = AreaUnit.create(unit)
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
        write_table(table, output)
        log.info("wrote %s", output)


def _require(gdf: pd.DataFrame, field: str, path: Path) -> None:
    from ..errors import SchemaError

    if field not in gdf.columns:
        raise SchemaError(f"{path}: no field {field!r}; fields are: {', '.join(map(str, gdf.columns))}")
