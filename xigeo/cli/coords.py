"""``xigeo coords``: the ministry coordinate exchange file (部标准坐标 TXT), in and out."""

from __future__ import annotations

from pathlib import Path

import click

from ._i18n import h, t, zh_doc
from ._options import check_outputs, crs_for, crs_option, overwrite_option, read_input


@zh_doc("""部标准坐标交换文件（坐标 TXT）：导入和导出。""")
@click.group(name="coords")
def coords() -> None:
    """Ministry coordinate exchange files (部标准坐标 TXT): import and export.

    \b
    Examples:
      xigeo coords import 报盘坐标.txt -o 拆旧区.gpkg
      xigeo coords export 拆旧区.shp -o 报盘坐标.txt --header 数据产生单位=息县自然资源局
    """


@zh_doc("""读取坐标文件 FILE，把其中的地块写成图层。""")
@coords.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help=h("要写出的图层（.gpkg、.shp、.geojson 等）；文件已存在时拒绝，除非加 --overwrite"
                     "。",
                     "Layer to write (.gpkg, .shp, .geojson, …); an existing file is refused "
                     "unless --overwrite."))
@click.option("--encoding", help=h("FILE 的文字编码，如 gbk（默认：自动识别）。",
                                   "Text encoding of FILE, e.g. gbk (default: detected)."))
@click.option("--strict", is_flag=True,
              help=h("拒绝首尾点不重合的环（默认：自动闭合，并逐个警告）。",
                     "Refuse rings that do not repeat their first point (default: close them, "
                     "with a warning naming each)."))
@crs_option
@overwrite_option
def import_command(file: Path, output: Path, encoding: str | None, strict: bool, crs: tuple[str, ...],
                   overwrite: bool) -> None:
    """Read the coordinate file FILE and write its parcels as a layer.

    \b
    Examples:
      xigeo coords import 报盘坐标.txt -o 拆旧区.gpkg
      xigeo coords import 报盘坐标.txt -o 拆旧区.shp --encoding gbk --overwrite
      xigeo coords import 无带号.txt -o 拆旧区.gpkg --crs EPSG:4547
    """
    from ..coords import read_coords
    from ..io import write_layer

    check_outputs([output], overwrite=overwrite, inputs=[file])
    gdf = read_coords(file, encoding=encoding, crs=crs_for(file, crs), strict=strict)
    write_layer(gdf, output, overwrite=overwrite)
    click.echo(t(f"{file}：{len(gdf)} 个地块，{gdf.crs.name} → {output}",
                 f"{file}: {len(gdf)} parcel(s), {gdf.crs.name} -> {output}"))


def _pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    header = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(t(f"{item!r} 不是 KEY=VALUE 形式", f"{item!r} is not KEY=VALUE"), param_hint=option)
        header[key.strip()] = value.strip()
    return header


@zh_doc("""把 LAYER（高斯-克吕格坐标系）中的面写成坐标文件。""")
@coords.command(name="export")
@click.argument("layer_path", metavar="LAYER", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help=h("要写出的 .txt 文件；文件已存在时拒绝，除非加 --overwrite。",
                     "The .txt to write; an existing file is refused unless --overwrite."))
@click.option("--layer", "layer_name", help=h("GeoPackage、FileGDB 或 zip 中的图层名。",
                                              "Layer inside a GeoPackage, FileGDB or zip."))
@click.option("--encoding", default="gbk", show_default=True,
              help=h("写出文件的编码：gbk、gb18030、utf-8、utf-8-sig。",
                     "Encoding of the file written: gbk, gb18030, utf-8, utf-8-sig."))
@click.option("--fields", type=click.Choice(["standard", "consolidation"]), default="standard",
              show_default=True, help=h("属性行格式：8 字段的一般格式，或 13 字段的土地整治格式。",
                                        "8-field attribute line, or the 13-field consolidation line."))
@click.option("--column", "column_items", multiple=True, metavar="CODE=COLUMN",
              help=h("从图层字段取属性，如 --column DKMC=XMMC（可重复）。",
                     "Take a field from a column, e.g. --column DKMC=XMMC (repeatable)."))
@click.option("--header", "header_items", multiple=True, metavar="KEY=VALUE",
              help=h("文件头的值，如 --header 数据产生单位=息县自然资源局（可重复）。",
                     "Header value, e.g. --header 数据产生单位=息县自然资源局 (repeatable)."))
@click.option("--prefix/--no-prefix", default=None,
              help=h("Y 坐标带或不带带号（默认：与图层坐标系一致）。",
                     "Write Y with / without the zone number (default: as the layer's CRS)."))
@crs_option
@overwrite_option
def export_command(layer_path: Path, output: Path, layer_name: str | None, encoding: str,
                   fields: str, column_items: tuple[str, ...], header_items: tuple[str, ...],
                   prefix: bool | None, crs: tuple[str, ...], overwrite: bool) -> None:
    """Write the polygons of LAYER (in a Gauss–Krüger CRS) as a coordinate file.

    \b
    Examples:
      xigeo coords export 拆旧区.shp -o 报盘坐标.txt --header 数据产生单位=息县自然资源局
      xigeo coords export 整治项目.gpkg -o 整治.txt --fields consolidation --column DKBH=XMBH
    """
    from ..coords import write_coords

    header = _pairs(header_items, "--header")
    columns = _pairs(column_items, "--column")
    check_outputs([output], overwrite=overwrite, inputs=[layer_path])
    gdf = read_input(layer_path, crs, layer=layer_name)
    write_coords(gdf, output, header=header, encoding=encoding, fields=fields,
                 columns=columns or None, prefix=prefix, overwrite=overwrite)
    click.echo(t(f"{layer_path}：{len(gdf)} 个地块 → {output}（{encoding}）",
                 f"{layer_path}: {len(gdf)} parcel(s) -> {output} ({encoding})"))
