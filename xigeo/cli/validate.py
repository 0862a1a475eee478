"""``xigeo validate``: check a layer and list every problem at once."""

from __future__ import annotations

from pathlib import Path

import click

from ._i18n import h, t, zh_doc
from ._options import crs_option, encoding_option, read_input


@zh_doc("""检查 LAYER：几何、标识、必填字段和坐标系；有任何问题退出码为 1。

不写出文件：所有问题在终端中列出。""")
@click.command(name="validate")
@click.argument("layer_path", metavar="LAYER", type=click.Path(path_type=Path))
@click.option("--layer", "layer_name", help=h("GeoPackage、FileGDB 或 zip 中的图层名。",
                                              "Layer inside a GeoPackage, FileGDB or zip."))
@click.option("--required", multiple=True, help=h("图层必须有的字段（可重复）。",
                                                  "A field the layer must have (repeatable)."))
@click.option("--id", "id_fields", multiple=True,
              help=h("值必须填写且唯一的标识字段，如 JXQBH（可重复）。",
                     "An id field whose values must be filled in and unique, e.g. JXQBH (repeatable)."))
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
        click.echo(t(f"{layer_path}：{len(gdf)} 个要素，没有问题", f"{layer_path}: {len(gdf)} features, no problems"))
        return
    for problem in problems:
        click.echo(f"- {problem.message}")
    raise click.ClickException(t(f"{layer_path}：{len(problems)} 个问题", f"{layer_path}: {len(problems)} problem(s)"))
