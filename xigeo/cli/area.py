"""``xigeo area``: ellipsoidal survey areas of a layer, per feature or summed by a field."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pandas as pd

from ._i18n import current, h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, method_option, output_option,
                       overwrite_option, read_input, unit_option)
from ._table import chinese_headers, format_table, write_table

log = logging.getLogger(__name__)

#: table formats ``-o`` writes (cli/_table.write_table)
TABLE_SUFFIXES = (".csv", ".xlsx")


@zh_doc("""计算 LAYER 中各面的调查面积（椭球面积）。""")
@click.command(name="area")
@click.argument("layer_path", metavar="LAYER", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--layer", "layer_name", help=h("GeoPackage、FileGDB 或 zip 中的图层名。",
                                              "Layer inside a GeoPackage, FileGDB or zip."))
@click.option("--by", help=h("按此字段汇总面积（同组内的重叠只计一次）。",
                             "Sum the areas by this field (overlaps inside a group are counted once)."))
@unit_option("ha")
@method_option
@click.option("--per-feature", is_flag=True, help=h("逐要素列出面积，不汇总。",
                                                    "One row per feature instead of a summary."))
@click.option("--id", "id_field", help=h("逐要素表的行标识字段。",
                                         "Field to index the per-feature table by."))
@click.option("--repair", is_flag=True,
              help=h("无效面（自相交“蝴蝶结”）修复后计算面积（shapely make_valid），并列出每个修复前"
                     "后的面积（默认：拒绝无效面）。",
                     "Measure invalid polygons (bow-ties) as repaired (shapely make_valid) and "
                     "report each one's area before and after (default: refuse them)."))
@encoding_option
@crs_option
@output_option(h("把表写入 .csv 或 .xlsx（文件已存在时拒绝，除非加 --overwrite）。",
                 "Write the table as .csv or .xlsx (an existing file is refused unless --overwrite)."))
@overwrite_option
def area_command(layer_path: Path, layer_name: str | None, by: str | None, unit: str, method: str,
                 per_feature: bool, id_field: str | None, repair: bool, encoding: str | None,
                 crs: tuple[str, ...], output: Path | None, overwrite: bool) -> None:
    """Survey areas of the polygons in LAYER.

    \b
    Examples:
      xigeo area 建新区.shp --by XMMC --unit 亩
      xigeo area data.gpkg --layer dltb --by DLBM -o 地类面积.xlsx
      xigeo area parcels.shp --per-feature --id DKBH --unit ha -o 面积.csv --overwrite
    """
    from .._layers import measured_note
    from ..area import area, summarize_area
    from ..errors import OptionError
    from ..units import AreaUnit, convert_area

    if output is not None and output.suffix.lower() not in TABLE_SUFFIXES:
        raise OptionError(t(f"{output}：表格请写为 .csv 或 .xlsx", f"{output}: write tables as .csv or .xlsx"))
    if id_field and not per_feature:
        raise click.UsageError(t("--id 是逐要素表的行标识：请与 --per-feature 一起使用"
                                 "（汇总表每个 --by 分组一行）",
                                 "--id indexes the per-feature table: give it with --per-feature "
                                 "(the summary has one row per --by group)"))
    check_outputs([output], overwrite=overwrite, inputs=[layer_path])
    unit_ = AreaUnit.create(unit)
    gdf = read_input(layer_path, crs, layer=layer_name, encoding=encoding)
    if per_feature:
        if id_field:
            _require(gdf, id_field, layer_path)
            gdf = gdf.set_index(id_field)
        fixing = "make_valid" if repair else None
        m2 = area(gdf, method=method, unit=AreaUnit.M2, repair=fixing)  # measured (and warned) once
        columns = [m2] + ([pd.Series(convert_area(m2.to_numpy(), AreaUnit.M2, unit_), index=m2.index,
                                     name=unit_.column)] if unit_ is not AreaUnit.M2 else [])
        repaired = m2.attrs.get("repaired")
        table = pd.concat(columns, axis=1)
        if by:
            _require(gdf, by, layer_path)
            table.insert(0, by, gdf[by])
        notes = {lang: measured_note(gdf.index, gdf.geometry.values, lang=lang) for lang in ("zh", "en")}
        left_outs = {"zh": "（这些行无面积）", "en": " (these rows have no area)"}
    else:
        if by:
            _require(gdf, by, layer_path)
        table = summarize_area(gdf, by=by, method=method, unit=unit_,
                               repair="make_valid" if repair else None)
        repaired = table.attrs.get("repaired")
        notes = table.attrs["note"]
        left_outs = {"zh": "（未计入合计）", "en": " (left out of the totals)"}
    note, left_out = notes[current()], left_outs[current()]
    click.echo(format_table(table))
    # rows left out of the totals and polygons repaired are said on the terminal, never silent
    if note:
        click.echo(t(f"注：{note}{left_out}", f"Note: {note}{left_out}"))
    if repaired is not None:
        for row, r in repaired.iterrows():
            before, after, change = r["area_before_m2"], r["area_after_m2"], r["change_m2"]
            click.echo(t(f"注：第 {row} 行无效面已修复（{r['reason']}）：{before:,.2f} → "
                         f"{after:,.2f} 平方米（{change:+,.2f}）",
                         f"Note: invalid polygon in row {row} repaired ({r['reason']}): {before:,.2f} → "
                         f"{after:,.2f} m² ({change:+,.2f})"))
    if output:
        if output.suffix.lower() == ".xlsx":  # Chinese headers, a title and the note
            what = "逐图斑面积表" if per_feature else "面积汇总表"
            table = chinese_headers(table, title=f"{layer_path.stem}{what}")
            if note:  # the workbook is a Chinese report whatever the terminal's language
                table.attrs["note"] = f"注：{notes['zh']}{left_outs['zh']}"
        write_table(table, output, overwrite=overwrite, sheet="面积")
        log.info(t("已写入 %s", "wrote %s"), output)


def _require(gdf: pd.DataFrame, field: str, path: Path) -> None:
    from ..errors import SchemaError

    if field not in gdf.columns:
        have = ", ".join(map(str, gdf.columns))
        raise SchemaError(t(f"{path}：没有字段 {field!r}；现有字段：{have}",
                            f"{path}: no field {field!r}; fields are: {have}"))
