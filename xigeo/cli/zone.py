"""``xigeo zone``: move a layer to another Gauss–Krüger zone (换带), or add / remove the prefix."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import h, t, zh_doc
from ._options import check_outputs, crs_option, read_input, encoding_option, output_option, overwrite_option

log = logging.getLogger(__name__)


@zh_doc("""通过 B、L 或只改带号前缀，改变 LAYER 的高斯-克吕格分带（换带）。""")
@click.command(name="zone")
@click.argument("layer_path", metavar="LAYER", type=click.Path(path_type=Path))
@click.option("--layer", "layer_name", help=h("GeoPackage、FileGDB 或 zip 中的图层名。",
                                              "Layer inside a GeoPackage, FileGDB or zip."))
@click.option("--zone", "zone", type=int, help=h("新带号（3° 带 25–45，6° 带 13–23）。",
                                                 "The new zone number (3° zones 25–45, 6° zones 13–23)."))
@click.option("--central-meridian", type=float, help=h("用中央经线给出新带，如 117。",
                                                       "The new zone by its central meridian, e.g. 117."))
@click.option("--width", type=click.Choice(["3", "6"]), default="3", show_default=True,
              help=h("分带宽度（度）。",
                     "Zone width in degrees."))
@click.option("--prefix/--no-prefix", default=None,
              help=h("横坐标前加或不加带号（默认：与输入一致）。",
                     "Eastings with / without the zone number in front (default: as the input)."))
@encoding_option
@crs_option
@output_option(h("换带后的图层（.gpkg、.shp 等）。",
                 "The layer in the new zone (.gpkg, .shp …)."), required=True)
@overwrite_option
def zone_command(layer_path: Path, layer_name: str | None, zone: int | None,
                 central_meridian: float | None, width: str, prefix: bool | None,
                 encoding: str | None, crs: tuple[str, ...], output: Path, overwrite: bool) -> None:
    """Change the Gauss–Krüger zone of LAYER (换带) through B, L, or only its zone prefix.

    \b
    Examples:
      xigeo zone 地类图斑.shp --zone 39 -o 地类图斑39带.gpkg
      xigeo zone 地类图斑.shp --central-meridian 117 -o 39带.gpkg
      xigeo zone 地类图斑.shp --no-prefix -o 无带号.gpkg
    """
    from ..io import write_layer
    from ..zones import change_zone

    check_outputs([output], overwrite=overwrite, inputs=[layer_path])
    gdf = read_input(layer_path, crs, layer=layer_name, encoding=encoding)
    out = change_zone(gdf, zone, central_meridian=central_meridian, prefix=prefix, width=int(width))
    write_layer(out, output, overwrite=overwrite)
    epsg = out.crs.to_epsg()
    click.echo(t(f"已换带：{len(out)} 个要素，{gdf.crs.name} → {out.crs.name}（EPSG:{epsg}）；已写出 {output}",
                 f"zone changed: {len(out)} features, {gdf.crs.name} → {out.crs.name} (EPSG:{epsg}); "
                 f"wrote {output}"))
