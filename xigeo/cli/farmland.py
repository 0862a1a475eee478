"""``xigeo check-farmland``: overlay parcels with (basic) farmland; pieces, per-parcel table, slivers."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import (check_outputs, crs_for, crs_option, encoding_option, labels_option, method_option,
                       no_cache_option, output_option, overwrite_option, read_input, tolerance_option)
from ._table import format_table, workbook_labels

log = logging.getLogger(__name__)


@zh_doc("""核查 PARCELS 中每个地块压占 FARMLAND 中耕地（永久基本农田）的面积。

显示摘要和压占耕地的地块；按需写出每个压占块和按地块汇总的表。碎片（不超过
--tolerance 平方米的块）从不丢弃：计数、标记并列出。输出文件已存在时拒绝，除非加
--overwrite。FARMLAND 预处理一次后保存在用户缓存文件夹（见 `xigeo prepare`）；
以后的核查只读地块附近的图斑（--no-cache：每次读取整个文件）。""")
@click.command(name="check-farmland")
@click.argument("parcels_path", metavar="PARCELS", type=click.Path(path_type=Path))
@click.argument("farmland_path", metavar="FARMLAND", type=click.Path(path_type=Path))
@tolerance_option()
@click.option("--id", "id_field", help=h("地块标识字段（默认：行号）。",
                                         "Parcel id field (default: the row number)."))
@click.option("--farmland-id", "farmland_id",
              help=h("耕地图斑标识字段（默认：有 BSM 用 BSM，否则用行号）。",
                     "Farmland patch id field (default: BSM if the layer has it, else the row number)."))
@method_option
@encoding_option
@crs_option
@output_option(h("写出 GeoPackage，含图层 pieces（压占块）和 by_parcel（按地块）。",
                 "Write a GeoPackage with the layers 'pieces' and 'by_parcel'."))
@click.option("--xlsx", type=click.Path(path_type=Path),
              help=h("把各表（按地块、压占块、碎片）写入 Excel 工作簿。",
                     "Write the tables (by_parcel, pieces, slivers) to an Excel workbook."))
@labels_option
@overwrite_option
@no_cache_option
def check_farmland_command(parcels_path: Path, farmland_path: Path, tolerance_m2: float,
                           id_field: str | None, farmland_id: str | None, method: str,
                           encoding: str | None,
                           crs: tuple[str, ...], output: Path | None, xlsx: Path | None,
                           labels: str, overwrite: bool, no_cache: bool) -> None:
    """Check how much of each parcel in PARCELS lies on the farmland in FARMLAND.

    Prints a summary (Chinese and English) and the parcels that overlap the
    farmland; writes every overlap piece and the per-parcel table on request.
    Slivers (pieces ≤ --tolerance m²) are never dropped: they are counted,
    flagged and listed. An output that exists is refused unless --overwrite.
    FARMLAND is prepared once and kept in the user cache folder (see
    `xigeo prepare`); later checks read only the patches near the parcels
    (--no-cache: read the whole file every time).

    \b
    Examples:
      xigeo check-farmland 建新区.shp 永久基本农田.shp --id JXQBH
      xigeo check-farmland prereview.shp jbnt.shp --id XMBH -o 叠加结果.gpkg --xlsx 叠加结果.xlsx
      xigeo check-farmland parcels.gpkg dltb.shp --tolerance 1 --labels zh --xlsx 占用.xlsx
    """
    from .._excel import write_workbook
    from ..errors import LayerWriteError
    from ..farmland import farmland_overlap
    from .._files import atomic_path
    from ..io import write_layer
    from ..prepared import reference_layer

    for path, what in ((output, ".gpkg"), (xlsx, ".xlsx")):
        if path is not None and path.suffix.lower() != what:
            raise LayerWriteError(t(f"{path}：此输出请写为 {what} 文件", f"{path}: write this output as a {what} file"))
    check_outputs([output, xlsx], overwrite=overwrite, inputs=[parcels_path, farmland_path])
    parcels = read_input(parcels_path, crs, encoding=encoding)
    # prepared once into the user cache (or read as it is with --no-cache); indexed by
    # --farmland-id, else BSM when present, else the row number
    farmland = reference_layer(farmland_path, cache=not no_cache, encoding=encoding,
                               crs=crs_for(farmland_path, crs), id_field=farmland_id)
    result = farmland_overlap(parcels, farmland, tolerance_m2=tolerance_m2, method=method,
                              id_field=id_field)
    click.echo(result.summary(current()))
    touched = (result.by_parcel["verdict"] != "clear").to_numpy()
    if touched.any():  # the parcels that touch the farmland, with --labels' headers and verdicts
        shown = ["overlap_m2", "overlap_mu", "share", "n_patches", "n_slivers", "sliver_m2", "verdict"]
        table = result.table("by_parcel", labels=labels)
        click.echo("")
        click.echo(format_table(table.loc[touched, [table.columns[list(result.by_parcel.columns)
                                                                   .index(c)] for c in shown]]))
    if output is not None:
        import geopandas as gpd

        # by_parcel is in the parcels' order: their geometries go alongside
        by_parcel = gpd.GeoDataFrame(result.by_parcel.reset_index(),
                                     geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
        # both layers into one new file, renamed into place together: never a file with one layer
        with atomic_path(output, overwrite=overwrite, protect=[parcels_path, farmland_path]) as tmp:
            write_layer(result.pieces, tmp, layer="pieces", style="farmland_pieces")
            write_layer(by_parcel, tmp, layer="by_parcel", style="farmland_parcels")
        click.echo(t(f"已写出 {output}（图层 pieces、by_parcel）", f"wrote {output} (layers pieces, by_parcel)"))
    if xlsx is not None:
        sheet_labels = workbook_labels(labels)
        pieces = result.table("pieces", labels=sheet_labels)
        slivers = pieces[result.pieces["sliver"].to_numpy(dtype=bool)]
        slivers.attrs = {**pieces.attrs, "title": "碎片图斑明细表" if sheet_labels == "zh" else "slivers"}
        names = {"by_parcel": "by_parcel", "pieces": "pieces", "slivers": "slivers"}
        if sheet_labels == "zh":
            names = {"by_parcel": result.TABLES["by_parcel"].title("zh"),
                     "pieces": result.TABLES["pieces"].title("zh"), "slivers": "碎片图斑明细表"}
        write_workbook({names["by_parcel"]: result.table("by_parcel", labels=sheet_labels),
                        names["pieces"]: pieces, names["slivers"]: slivers}, xlsx, overwrite=overwrite)
        sheet_list = "、".join(names.values())
        click.echo(t(f"已写出 {xlsx}（工作表：{sheet_list}）", f"wrote {xlsx} (sheets {', '.join(names.values())})"))
