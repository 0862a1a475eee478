"""``xigeo transform``: apply 4- or 7-parameter transformation parameters to a layer."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import h, t, zh_doc
from ._options import check_outputs, crs_option, read_input, encoding_option, output_option, overwrite_option

log = logging.getLogger(__name__)


@zh_doc("""用 --params 中的参数把 LAYER 转换到另一个坐标基准。""")
@click.command(name="transform")
@click.argument("layer_path", metavar="LAYER", type=click.Path(path_type=Path))
@click.option("--layer", "layer_name", help=h("GeoPackage、FileGDB 或 zip 中的图层名。",
                                              "Layer inside a GeoPackage, FileGDB or zip."))
@click.option("--params", "params_path", type=click.Path(path_type=Path), required=True,
              help=h("参数文件（TOML，由 xigeo fit-transform 写出）。",
                     "The parameter file (TOML, as xigeo fit-transform writes it)."))
@click.option("--to", "to", help=h("结果的坐标系，如 4526（默认：参数文件中的 target_crs）。",
                                   "CRS of the result, e.g. 4526 (default: the parameter file's "
                                   "target_crs)."))
@encoding_option
@crs_option
@output_option(h("转换后的图层（.gpkg、.shp 等）。",
                 "The transformed layer (.gpkg, .shp …)."), required=True)
@overwrite_option
def transform_command(layer_path: Path, layer_name: str | None, params_path: Path, to: str | None,
                      encoding: str | None, crs: tuple[str, ...], output: Path, overwrite: bool) -> None:
    """Bring LAYER into another datum with the parameters in --params.

    \b
    Examples:
      xigeo transform 西安80地类图斑.shp --params 参数.toml --to 4526 -o 地类图斑2000.gpkg
      xigeo transform 控制点.shp --params 七参数.toml -o 控制点2000.shp
    """
    from ..datum import read_params, transform
    from ..io import write_layer

    check_outputs([output], overwrite=overwrite, inputs=[layer_path, params_path])
    params = read_params(params_path)
    gdf = read_input(layer_path, crs, layer=layer_name, encoding=encoding)
    out = transform(gdf, params, to=to)
    write_layer(out, output, overwrite=overwrite)
    code = out.crs.to_epsg()
    click.echo(t(f"已转换 {len(out)} 个要素（{params.kind} 参数），坐标系 EPSG:{code}；已写出 {output}",
                 f"transformed {len(out)} features ({params.kind}-parameter) to EPSG:{code}; "
                 f"wrote {output}"))
