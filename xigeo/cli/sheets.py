"""``xigeo sheets``: the map sheets (图幅, GB/T 13989-2012) a layer's features touch."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import (check_outputs, crs_option, read_input, encoding_option, labels_option, output_option,
                       overwrite_option)
from ._table import format_table, workbook_labels

log = logging.getLogger(__name__)


@zh_doc("""列出 LAYER 的要素涉及的图幅及其理论面积。

显示摘要和每个图幅一行：图幅号、西南角和东北角坐标、理论椭球面积及其上的要素。
位于图幅边线上的点属于其北面和东面的图幅。""")
@click.command(name="sheets")
@click.argument("layer_path", metavar="LAYER", type=click.Path(path_type=Path))
@click.option("--layer", "layer_name", help=h("GeoPackage、FileGDB 或 zip 中的图层名。",
                                              "Layer inside a GeoPackage, FileGDB or zip."))
@click.option("--scale", default="10000", show_default=True,
              help=h("比例尺分母：1000000、500000、250000、100000、50000、25000、10000、5000、2000、1"
                     "000、500（或 1:1万，或比例尺代码 B–K）。",
                     "Scale denominator: 1000000, 500000, 250000, 100000, 50000, 25000, 10000, 5000, "
                     "2000, 1000, 500 (or 1:1万, or the code B–K)."))
@click.option("--id", "id_field", help=h("要素标识字段（默认：行号）。",
                                         "Feature id field (default: the row number)."))
@encoding_option
@crs_option
@output_option(h("把图幅范围及其表写成 GeoPackage（图层 sheets）。",
                 "Write the sheet outlines and their table as a GeoPackage (layer 'sheets')."))
@click.option("--xlsx", type=click.Path(path_type=Path),
              help=h("把图幅表和要素-图幅对照表写入 Excel 工作簿。",
                     "Write the sheet table and the feature–sheet pairs to an Excel workbook."))
@labels_option
@overwrite_option
def sheets_command(layer_path: Path, layer_name: str | None, scale: str, id_field: str | None,
                   encoding: str | None, crs: tuple[str, ...], output: Path | None, xlsx: Path | None,
                   labels: str, overwrite: bool) -> None:
    """List the map sheets (图幅) the features of LAYER touch, with their theoretical areas.

    Prints a summary (Chinese, then English) and one row per sheet: its number,
    SW and NE corners, theoretical ellipsoidal area and the features on it.
    A point on a sheet edge belongs to the sheet north and east of it.

    \b
    Examples:
      xigeo sheets 地类图斑.shp --scale 10000
      xigeo sheets 建新区.shp --scale 1:5万 --id XMBH -o 图幅.gpkg --xlsx 图幅.xlsx
    """
    from ..errors import LayerWriteError, SchemaError
    from ..io import write_layer
    from ..sheets import check_scale, sheets

    check_scale(scale)
    for path, what in ((output, ".gpkg"), (xlsx, ".xlsx")):
        if path is not None and path.suffix.lower() != what:
            raise LayerWriteError(t(f"{path}：此输出请写为 {what} 文件", f"{path}: write this output as a {what} file"))
    check_outputs([output, xlsx], overwrite=overwrite, inputs=[layer_path])
    gdf = read_input(layer_path, crs, layer=layer_name, encoding=encoding)
    if id_field is not None:
        if id_field not in gdf.columns:
            have = ", ".join(map(str, gdf.columns))
            raise SchemaError(t(f"{layer_path}：没有字段 {id_field!r}；现有字段：{have}",
                                f"{layer_path}: no field {id_field!r}; fields are: {have}"))
        gdf = gdf.set_index(id_field)
    result = sheets(gdf, scale=scale)
    click.echo(result.summary(current()))
    click.echo("")
    from .._result import label_zh

    table = result.table("sheets")[["scale", "sw_corner", "ne_corner", "area_m2", "n_features",
                                    "features"]]
    click.echo(format_table(label_zh(table, result.TABLES["sheets"]) if labels == "zh" else table))
    if output is not None:
        write_layer(result.sheets.reset_index(), output, layer="sheets", overwrite=overwrite)
        click.echo(t(f"已写出 {output}（图层 sheets）", f"wrote {output} (layer sheets)"))
    if xlsx is not None:
        result.to_excel(xlsx, labels=workbook_labels(labels), overwrite=overwrite)
        click.echo(t(f"已写出 {xlsx}", f"wrote {xlsx}"))
