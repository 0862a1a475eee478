"""``xigeo map``: a report map (PDF, PNG or SVG) from one or more layers."""

from __future__ import annotations

from pathlib import Path

import click

from ._i18n import h, t, zh_doc
from ._options import check_outputs, crs_option, encoding_option, overwrite_option, read_input

_PAPERS = ["A4", "A3"]


def _split_kind(spec: str) -> tuple[str | None, str]:
    """'newbuild:建新区.shp' -> ('newbuild', '建新区.shp'); a plain path has no kind."""
    from ..maps import KINDS

    head, sep, tail = spec.partition(":")
    if sep and head in KINDS:
        return head, tail
    return None, spec


@zh_doc("""把各 LAYER（第一个在最下层）绘成带图名、图例、比例尺和格网的地图。

在图层前加类型以选择样式：landuse（地类）、boundary（界线）、township（乡镇）、
farmland（耕地）、parcels（地块）、overlap（压占）、demolition（拆旧区）、
newbuild（建新区）、outline（轮廓）、points（点）、lines（线）。有 DLBM 字段的
图层默认按地类显示。""")
@click.command(name="map")
@click.argument("layers", nargs=-1, required=True, metavar="[KIND:]LAYER...")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help=h("要写出的地图文件：.pdf、.png 或 .svg（文件已存在时拒绝，除非加 --overwrite）。",
                     "Map file to write: .pdf, .png or .svg (an existing file is refused "
                     "unless --overwrite)."))
@click.option("--title", required=True, help=h("图名。",
                                               "Map title (图名)."))
@click.option("--subtitle", help=h("副标题（图名下的一行）。",
                                   "Line under the title."))
@click.option("--paper", type=click.Choice(_PAPERS, case_sensitive=False), default="A4",
              show_default=True)
@click.option("--orientation", type=click.Choice(["auto", "portrait", "landscape"]),
              default="auto", show_default=True)
@click.option("--grid", type=click.Choice(["auto", "gk", "dms", "none"]), default="auto",
              show_default=True, help=h("坐标格网：高斯-克吕格公里网、经纬度（度分）或不画。",
                                        "Coordinate grid: GK metres, degrees-minutes or none."))
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), help=h("比例尺分母，如 10000 表示 1:10"
                                                                             " 000。",
                                                                             "Scale denominator, e.g. 10000 for 1:10 000."))
@click.option("--label-field", "--label", "label_field",
              help=h("注记在最上层图层要素上的字段（如 JXQBH）。",
                     "Field written on the features of the last layer (e.g. JXQBH)."))
@click.option("--locator", type=click.Path(path_type=Path), help=h("县界，用于位置示意图。",
                                                                   "County outline for a locator inset."))
@click.option("--maker", help=h("制图单位。",
                                "制图单位 (mapping unit)."))
@click.option("--author", help=h("制图人。",
                                 "制图人 (map maker)."))
@click.option("--date", help=h("制图日期（默认：今天）。",
                               "制图日期 (default: today)."))
@click.option("--source", help=h("数据来源。",
                                 "数据来源 (data source)."))
@click.option("--dpi", type=click.IntRange(min=1), default=300, show_default=True, help=h("PNG 输出的分辨率（dpi）。",
                                                                                          "Resolution of PNG output."))
@encoding_option
@crs_option
@overwrite_option
def map_command(layers: tuple[str, ...], output: Path, title: str, subtitle: str | None,
                paper: str, orientation: str, grid: str, scale: float | None,
                label_field: str | None, locator: Path | None, maker: str | None,
                author: str | None, date: str | None, source: str | None, dpi: int,
                encoding: str | None, crs: tuple[str, ...], overwrite: bool) -> None:
    """Draw LAYERs (first at the bottom) as a map with title, legend, scale bar and grid.

    Prefix a layer with its kind to choose its style: landuse, boundary,
    township, farmland, parcels, overlap, demolition, newbuild, outline,
    points, lines. A layer with a DLBM field is land use by default.

    \b
    Examples:
      xigeo map dltb.shp boundary:county.shp -o 土地利用现状图.pdf --title 息县土地利用现状图
      xigeo map farmland:jbnt.shp newbuild:建新区.shp -o 叠加图.pdf --title 建新区与永久基本农田叠加图 --label-field JXQBH --paper A3
    """
    from ..maps import export_map, layer
    from ..maps.composer import map_format

    map_format(output)  # a bad suffix is refused before anything is read
    check_outputs([output], overwrite=overwrite,
                  inputs=[_split_kind(spec)[1] for spec in layers] + [locator])
    map_layers = []
    for i, spec in enumerate(layers):
        kind, path = _split_kind(spec)
        gdf = read_input(path, crs, encoding=encoding)
        field = label_field if i == len(layers) - 1 else None
        map_layers.append(layer(gdf, kind, label_field=field))
    county = read_input(locator, crs, encoding=encoding) if locator else None
    export_map(map_layers, output, title=title, subtitle=subtitle, paper=paper,
               orientation=orientation, grid=grid, scale=scale, locator=county, maker=maker,
               author=author, date=date, source=source, dpi=dpi, overwrite=overwrite)
    click.echo(t(f"已写出 {output}", f"wrote {output}"))
