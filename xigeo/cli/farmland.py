"""``xigeo check-farmland``: overlay parcels with (basic) farmland; pieces, per-parcel table, slivers."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._table import format_table

log = logging.getLogger(__name__)

METHODS = ("ellipsoidal", "geodesic", "planar")


@click.command(name="check-farmland")
@click.argument("parcels_path", metavar="PARCELS", type=click.Path(path_type=Path))
@click.argument("farmland_path", metavar="FARMLAND", type=click.Path(path_type=Path))
@click.option("--tolerance", "tolerance_m2", type=float, default=10.0, show_default=True,
              help="Sliver tolerance, m²: pieces not larger than this are slivers (counted and listed).")
@click.option("--id", "id_field", help="Parcel id field (default: the row number).")
@click.option("--farmland-id", "farmland_id",
              help="Farmland patch id field (default: BSM if the layer has it, else the row number).")
@click.option("--method", type=click.Choice(METHODS), default="ellipsoidal", show_default=True,
              help="Area method; ellipsoidal is the land-survey area (三调).")
@click.option("--encoding", help="Text encoding of both attribute tables, e.g. gbk (overrides .cpg).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write a GeoPackage with the layers 'pieces' and 'by_parcel'.")
@click.option("--xlsx", type=click.Path(path_type=Path),
              help="Write the tables (by_parcel, pieces, slivers) to an Excel workbook.")
@click.option("--labels", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Column headers of the workbook: English with units, or Chinese.")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
def check_farmland_command(parcels_path: Path, farmland_path: Path, tolerance_m2: float,
                           id_field: str | None, farmland_id: str | None, method: str,
                           encoding: str | None, output: Path | None, xlsx: Path | None,
                           labels: str, overwrite: bool) -> None:
    """Check how much of each parcel in PARCELS lies on the farmland in FARMLAND.

    Prints a summary (Chinese and English) and the parcels that overlap the
    farmland; writes every overlap piece and the per-parcel table on request.
    Slivers (pieces ≤ --tolerance m²) are never dropped: they are counted,
    flagged and listed.

    \b
    Examples:
      xigeo check-farmland 建新区.shp 永久基本农田.shp --id JXQBH
      xigeo check-farmland prereview.shp jbnt.shp --id XMBH -o 叠加结果.gpkg --xlsx 叠加结果.xlsx
      xigeo check-farmland parcels.gpkg dltb.shp --tolerance 1 --labels zh --xlsx 占用.xlsx
    """
    from ..errors import LayerWriteError, SchemaError
    from ..farmland import farmland_overlap
    from ..io import read_layer, write_layer

    for path, what in ((output, ".gpkg"), (xlsx, ".xlsx")):
        if path is not None and path.suffix.lower() != what:
            raise LayerWriteError(f"{path}: write this output as a {what} file")
        if path is not None and path.exists() and not overwrite:
            raise LayerWriteError(f"{path} exists. Fix: another name, or --overwrite")
    parcels = read_layer(parcels_path, encoding=encoding)
    farmland = read_layer(farmland_path, encoding=encoding)
    for gdf, field, path in ((parcels, id_field, parcels_path), (farmland, farmland_id, farmland_path)):
        if field is not None and field not in gdf.columns:
            raise SchemaError(f"{path}: no field {field!r}; fields are: "
                              f"{', '.join(str(c) for c in gdf.columns)}")
    if id_field:
        parcels = parcels.set_index(id_field)
    if farmland_id is None and "BSM" in farmland.columns:
        farmland_id = "BSM"
    if farmland_id:
        farmland = farmland.set_index(farmland_id)
    result = farmland_overlap(parcels, farmland, tolerance_m2=tolerance_m2, method=method)
    click.echo(result.summary_zh)
    click.echo(result.summary_en)
    touched = result.by_parcel[result.by_parcel["verdict"] != "clear"]
    if len(touched):
        click.echo("")
        click.echo(format_table(touched[["overlap_m2", "overlap_mu", "share", "n_patches",
                                         "n_slivers", "sliver_m2", "verdict"]]))
    if output is not None:
        by_parcel = result.by_parcel.join(parcels.geometry).reset_index()
        import geopandas as gpd

        by_parcel = gpd.GeoDataFrame(by_parcel, geometry=parcels.geometry.name, crs=parcels.crs)
        write_layer(result.pieces, output, layer="pieces", overwrite=overwrite)
        write_layer(by_parcel, output, layer="by_parcel", overwrite=overwrite)
        click.echo(f"wrote {output} (layers pieces, by_parcel)")
    if xlsx is not None:
        import pandas as pd

        from .._files import atomic_path

        sliver = result.table("pieces", labels=labels)[result.pieces["sliver"].to_numpy(dtype=bool)]
        with atomic_path(xlsx, overwrite=overwrite) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                result.table("by_parcel", labels=labels).to_excel(writer, sheet_name="by_parcel")
                result.table("pieces", labels=labels).to_excel(writer, sheet_name="pieces")
                sliver.to_excel(writer, sheet_name="slivers")
        click.echo(f"wrote {xlsx} (sheets by_parcel, pieces, slivers)")
