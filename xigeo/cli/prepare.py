"""``xigeo prepare``: prepare a county reference layer once, for fast repeated checks."""

from __future__ import annotations

from pathlib import Path

import click

from ._options import crs_for, crs_option, encoding_option


@click.command(name="prepare")
@click.argument("layer_path", metavar="LAYER", type=click.Path(path_type=Path))
@click.option("--layer", "layer_name", help="Layer inside a GeoPackage, FileGDB or zip.")
@click.option("--farmland-id", "farmland_id",
              help="Patch id field (default: BSM if the layer has it, else the row number); "
                   "give check-farmland the same --farmland-id.")
@encoding_option
@crs_option
@click.option("--rebuild", is_flag=True, help="Prepare again even if a valid prepared copy exists.")
def prepare_command(layer_path: Path, layer_name: str | None, farmland_id: str | None,
                    encoding: str | None, crs: tuple[str, ...], rebuild: bool) -> None:
    """Prepare LAYER (e.g. 永久基本农田 JBNT.shp) once: later checks read it in milliseconds.

    The layer is read, validated, measured (survey ellipsoidal areas),
    checked for overlapping patches (GEOS coverage validation) and kept as a
    spatially sorted GeoParquet in the user cache folder (XIGEO_CACHE_DIR, else
    ~/.cache/xigeo/prepared), never beside the data. `xigeo check-farmland`
    prepares its FARMLAND by itself on first use; this command does it ahead
    of time. A changed LAYER is prepared again automatically.

    \b
    Examples:
      xigeo prepare 永久基本农田.shp
      xigeo prepare dltb.gpkg --layer DLTB --encoding gbk
    """
    from ..prepared import prepare

    prepared = prepare(layer_path, layer=layer_name, encoding=encoding, crs=crs_for(layer_path, crs),
                       id_field=farmland_id, rebuild=rebuild)
    state = "已是最新 / up to date" if prepared.from_cache else "已预处理 / prepared"
    coverage = ("图斑互不重叠（无需重叠重复检查）/ a true coverage: no patch overlaps another"
                if prepared.coverage_valid else
                "存在重叠或边界不一致的图斑（检查时计算重复面积）/ some patches overlap or do not "
                "match their neighbours' edges: checks look for double counting")
    where = prepared.path if prepared.path is not None else "内存 / memory (cache folder not writable)"
    click.echo(f"{layer_path}: {len(prepared):,} 个图斑 / patches, {state}: {where}")
    click.echo(coverage)
