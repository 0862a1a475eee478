"""``xigeo check-farmland``: overlay parcels with (basic) farmland; pieces, per-parcel table, slivers."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._options import (check_outputs, crs_for, crs_option, encoding_option, labels_option, method_option,
                       no_cache_option, output_option, overwrite_option, read_input, tolerance_option)
from ._table import format_table, workbook_labels

log = logging.getLogger(__name__)


@click.command(name="check-farmland")
@click.argument("parcels_path", metavar="PARCELS", type=click.Path(path_type=Path))
@click.argument("farmland_path", metavar="FARMLAND", type=click.Path(path_type=Path))
@tolerance_option()
@click.option("--id", "id_field", help="Parcel id field (default: the row number).")
@click.option("--farmland-id", "farmland_id",
              help="Farmland patch id field (default: BSM if the layer has it, else the row number).")
@method_option
@encoding_option
@crs_option
@output_option("Write a GeoPackage with the layers 'pieces' and 'by_parcel'.")
@click.option("--xlsx", type=click.Path(path_type=Path),
              help="Write the tables (by_parcel, pieces, slivers) to an Excel workbook.")
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
            raise LayerWriteError(f"{path}: write this output as a {what} file")
    check_outputs([output, xlsx], overwrite=overwrite, inputs=[parcels_path, farmland_path])
    parcels = read_input(parcels_path, crs, encoding=encoding)
    # prepared once into the user cache (or read as it is with --no-cache); indexed by
    # --farmland-id, else BSM when present, else the row number
    farmland = reference_layer(farmland_path, cache=not no_cache, encoding=encoding,
                               crs=crs_for(farmland_path, crs), id_field=farmland_id)
    result = farmland_overlap(parcels, farmland, tolerance_m2=tolerance_m2, method=method,
                              id_field=id_field)
    click.echo(result.summary("zh"))
    click.echo(result.summary("en"))
    touched = result.by_parcel[result.by_parcel["verdict"] != "clear"]
    if len(touched):
        click.echo("")
        click.echo(format_table(touched[["overlap_m2", "overlap_mu", "share", "n_patches",
                                         "n_slivers", "sliver_m2", "verdict"]]))
    if output is not None:
        import geopandas as gpd

        # by_parcel is in the parcels' order: their geometries go alongside
        by_parcel = gpd.GeoDataFrame(result.by_parcel.reset_index(),
                                     geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
        # both layers into one new file, renamed into place together: never a file with one layer
        with atomic_path(output, overwrite=overwrite, protect=[parcels_path, farmland_path]) as tmp:
            write_layer(result.pieces, tmp, layer="pieces")
            write_layer(by_parcel, tmp, layer="by_parcel")
        click.echo(f"wrote {output} (layers pieces, by_parcel)")
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
        click.echo(f"已写出 {xlsx}（工作表：{'、'.join(names.values())}）")
