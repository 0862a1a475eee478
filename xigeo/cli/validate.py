"""``xigeo validate``: check a layer and list every problem at once."""

from __future__ import annotations

from pathlib import Path

import click

from ._options import crs_option, encoding_option, read_input


@click.command(name="validate")
@click.argument("layer_path", metavar="LAYER", type=click.Path(path_type=Path))
@click.option("--layer", "layer_name", help="Layer inside a GeoPackage, FileGDB or zip.")
@click.option("--required", multiple=True, help="A field the layer must have (repeatable).")
@click.option("--id", "id_fields", multiple=True,
              help="An id field whose values must be filled in and unique, e.g. JXQBH (repeatable).")
@encoding_option
@crs_option
def validate_command(layer_path: Path, layer_name: str | None, required: tuple[str, ...],
                     id_fields: tuple[str, ...], encoding: str | None, crs: tuple[str, ...]) -> None:
    """Check LAYER: geometry, ids, required fields and CRS; exit 1 on any problem.

    Writes no file: every problem is listed on the terminal.

    \b
    Examples:
      xigeo validate 拆旧区.shp --required XMMC --id DKBH
      xigeo validate 地类图斑.shp --encoding gbk
      xigeo validate 无prj文件.shp --crs EPSG:4527
    """
    from ..validate import validate_layer

    gdf = read_input(layer_path, crs, layer=layer_name, encoding=encoding)
    problems = validate_layer(gdf, required=required, strict=False, id_field=id_fields)
    if not problems:
        click.echo(f"{layer_path}: {len(gdf)} features, no problems")
        return
    for problem in problems:
        click.echo(f"- {problem.message}")
    raise click.ClickException(f"{layer_path}: {len(problems)} problem(s)")
