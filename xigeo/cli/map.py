"""``xigeo map``: a report map (PDF, PNG or SVG) from one or more layers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from ._i18n import h, t, zh_doc
from ._options import check_outputs, crs_option, encoding_option, overwrite_option, read_input
from ._signoff import settings_from, signoff_options

_PAPERS = ["A4", "A3", "A2", "A1", "A0"]


def _numbers(count: int, what: str) -> "click.ParamType":
    """A click type for ``count`` comma-separated numbers (``--extent``, ``--center``)."""

    class Numbers(click.ParamType):
        name = what

        def convert(self, value: object, param: object, ctx: object) -> tuple[float, ...]:
            if isinstance(value, tuple):
                return value
            parts = str(value).replace("，", ",").split(",")
            try:
                numbers = tuple(float(v) for v in parts)
            except ValueError:
                numbers = ()
            if len(numbers) != count or not all(math.isfinite(v) for v in numbers):
                self.fail(f"{value!r}：应为 {count} 个以逗号分隔的数（{what}，图层坐标系单位）",
                          param, ctx)  # type: ignore[arg-type]
            return numbers

    return Numbers()


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
图层默认按地类显示。

图签（制图单位、制图人、审核人、制图日期、数据来源、图标）及图名中的县名和年度取自
--config xigeo.toml（未给时用第一个图层所在文件夹或当前文件夹中的 xigeo.toml），
命令行选项优先；设置文件中的纸张和比例尺在未给 --paper/--scale 时使用。""")
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
              show_default=True, help=h("纸张：A4、A3、A2、A1 或 A0。", "Paper: A4, A3, A2, A1 or A0."))
@click.option("--orientation", type=click.Choice(["auto", "portrait", "landscape"]),
              default="auto", show_default=True,
              help=h("纸张方向：auto 按制图范围自动选择、portrait 纵向、landscape 横向。",
                     "Paper orientation: auto (from the extent), portrait or landscape."))
@click.option("--grid", type=click.Choice(["auto", "gk", "dms", "none"]), default="auto",
              show_default=True, help=h("坐标格网：高斯-克吕格公里网、经纬度（度分）或不画。",
                                        "Coordinate grid: GK metres, degrees-minutes or none."))
@click.option("--scale", type=click.FloatRange(min=0, min_open=True),
              help=h("比例尺分母，如 10000 表示 1:10 000（图上毫米 × 分母 = 实地毫米）；"
                     "默认取能容纳全部图层的整数比例尺。",
                     "Scale denominator, e.g. 10000 for 1:10 000 (mm on paper × denominator = mm on "
                     "the ground); default: a round scale that holds every layer."))
@click.option("--extent", type=_numbers(4, "xmin,ymin,xmax,ymax"),
              help=h("制图范围 xmin,ymin,xmax,ymax（图层坐标系单位）；默认为全部图层范围。",
                     "Map extent xmin,ymin,xmax,ymax (in the layers' CRS units); default: all layers."))
@click.option("--center", type=_numbers(2, "x,y"),
              help=h("图幅中心 x,y；与 --scale 同用时按纸张图框大小截取该中心周围的范围。",
                     "Map centre x,y; with --scale, the frame's extent around that point."))
@click.option("--fit", type=click.Choice(["paper", "pages"]), default="paper", show_default=True,
              help=h("固定比例尺下范围超出图框时：paper 换用更大纸张（最大 A0），pages 分幅输出为"
                     "多页 PDF（每页注明第几幅及行列位置）。比例尺始终不变。",
                     "When the extent does not fit the frame at a fixed scale: paper takes a larger "
                     "paper (up to A0), pages writes a multi-page PDF of sheets (each names its "
                     "number, row and column). The scale never changes."))
@click.option("--map-crs", help=h("先将全部图层投影到此坐标系再制图，如 EPSG:4526"
                                  "（经纬度图层按比例尺制图时需要）。",
                                  "Reproject every layer to this CRS before drawing, e.g. EPSG:4526 "
                                  "(needed for a fixed scale with layers in degrees)."))
@click.option("--label-field", "--label", "label_field",
              help=h("注记在最上层图层要素上的字段（如 JXQBH）。",
                     "Field written on the features of the last layer (e.g. JXQBH)."))
@click.option("--locator", type=click.Path(path_type=Path), help=h("县界，用于位置示意图。",
                                                                   "County outline for a locator inset."))
@signoff_options
@click.option("--dpi", type=click.IntRange(min=1), default=300, show_default=True,
              help=h("PNG 输出的分辨率（dpi）。", "Resolution of PNG output."))
@encoding_option
@crs_option
@overwrite_option
def map_command(layers: tuple[str, ...], output: Path, title: str, subtitle: str | None,
                paper: str, orientation: str, grid: str, scale: float | None,
                extent: tuple[float, ...] | None, center: tuple[float, ...] | None, fit: str,
                map_crs: str | None, label_field: str | None, locator: Path | None, dpi: int,
                encoding: str | None, crs: tuple[str, ...], overwrite: bool,
                **signoff: Any) -> None:
    """Draw LAYERs (first at the bottom) as a map with title, legend, scale bar and grid.

    Prefix a layer with its kind to choose its style: landuse, boundary,
    township, farmland, parcels, overlap, demolition, newbuild, outline,
    points, lines. A layer with a DLBM field is land use by default.

    The sign-off block (制图单位, 制图人, 审核人, 制图日期, 数据来源, logo) and the
    county and year of the title come from --config xigeo.toml (else an
    xigeo.toml beside the first layer or in the current folder), overridden by
    the flags; the file's paper and scale apply unless --paper/--scale are given.

    \b
    Examples:
      xigeo map dltb.shp boundary:county.shp -o 土地利用现状图.pdf --title 息县土地利用现状图
      xigeo map farmland:jbnt.shp newbuild:建新区.shp -o 叠加图.pdf --title 建新区与永久基本农田叠加图 --label-field JXQBH --paper A3
      xigeo map dltb.shp -o 分幅图.pdf --title 息县土地利用现状图 --scale 10000 --fit pages
      xigeo map dltb.shp -o 局部.pdf --title 城关镇土地利用现状图 --scale 5000 --center 38566000,3580000
    """
    from ..maps import export_map, layer
    from ..settings import ReportSettings
    from ..maps.composer import map_format

    map_format(output)  # a bad suffix is refused before anything is read
    check_outputs([output], overwrite=overwrite,
                  inputs=[_split_kind(spec)[1] for spec in layers] + [locator])
    settings = settings_from(signoff, Path(_split_kind(layers[0])[1]).parent)
    ctx = click.get_current_context()
    if settings.paper and ctx.get_parameter_source("paper") == ParameterSource.DEFAULT:
        paper = settings.paper  # flag > file > default
    if settings.scale and ctx.get_parameter_source("scale") == ParameterSource.DEFAULT:
        scale = settings.scale
    map_layers = []
    for i, spec in enumerate(layers):
        kind, path = _split_kind(spec)
        gdf = read_input(path, crs, encoding=encoding)
        field = label_field if i == len(layers) - 1 else None
        map_layers.append(layer(gdf, kind, label_field=field))
    county = read_input(locator, crs, encoding=encoding) if locator else None
    export_map(map_layers, output, title=title, subtitle=subtitle, paper=paper,
               orientation=orientation, grid=grid, scale=scale, extent=extent, center=center,
               fit=fit, crs=map_crs, locator=county,
               signoff=settings if settings != ReportSettings() else None, dpi=dpi,
               overwrite=overwrite)
    click.echo(t(f"已写出 {output}", f"wrote {output}"))
