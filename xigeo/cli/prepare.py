"""``xigeo prepare``: prepare a county reference layer once, for fast repeated checks."""

from __future__ import annotations

from pathlib import Path

import click

from ._i18n import h, t, zh_doc
from ._options import crs_for, crs_option, encoding_option


@zh_doc("""预处理 LAYER（如永久基本农田 JBNT.shp）一次：以后的核查读取只需几毫秒。

读取、检查并量算图层（椭球面积），检查图斑重叠（GEOS 覆盖检查），以按空间排序的
GeoParquet 保存在用户缓存文件夹（XIGEO_CACHE_DIR，否则 ~/.cache/xigeo/prepared），
从不放在数据旁边。`xigeo check-farmland` 首次使用 FARMLAND 时会自动预处理；本命令
提前完成。LAYER 改变后会自动重新预处理。""")
@click.command(name="prepare")
@click.argument("layer_path", metavar="LAYER", type=click.Path(path_type=Path))
@click.option("--layer", "layer_name", help=h("GeoPackage、FileGDB 或 zip 中的图层名。",
                                              "Layer inside a GeoPackage, FileGDB or zip."))
@click.option("--farmland-id", "farmland_id",
              help=h("图斑标识字段（默认：有 BSM 用 BSM，否则用行号）；check-farmland 请用相同的 --fa"
                     "rmland-id。",
                     "Patch id field (default: BSM if the layer has it, else the row number); "
                     "give check-farmland the same --farmland-id."))
@encoding_option
@crs_option
@click.option("--rebuild", is_flag=True, help=h("即使已有有效的预处理副本也重新预处理。",
                                                "Prepare again even if a valid prepared copy exists."))
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
    state = t("已是最新", "up to date") if prepared.from_cache else t("已预处理", "prepared")
    coverage = (t("图斑互不重叠（无需重叠重复检查）", "a true coverage: no patch overlaps another")
                if prepared.coverage_valid else
                t("存在重叠或边界不一致的图斑（检查时计算重复面积）",
                  "some patches overlap or do not match their neighbours' edges: checks look for "
                  "double counting"))
    where = prepared.path if prepared.path is not None else t("内存（缓存文件夹不可写）",
                                                              "memory (cache folder not writable)")
    click.echo(t(f"{layer_path}：{len(prepared):,} 个图斑，{state}：{where}",
                 f"{layer_path}: {len(prepared):,} patches, {state}: {where}"))
    click.echo(coverage)
