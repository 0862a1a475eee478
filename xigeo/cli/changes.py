"""``xigeo changes``: compare two survey years (国土变更调查): flows, patch fates, ledgers, increment."""

from __future__ import annotations

from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, output_option, overwrite_option,
                       read_input, tolerance_option)
from ._table import format_table


@zh_doc("""比较两个年度的调查图斑 BEFORE 和 AFTER（DLTB 图层）。

显示摘要、地类变化流量表（公顷；行为 BEFORE 的地类，年末面积为 AFTER 的）以及
按乡镇的耕地进出平衡、耕地占补平衡两个台账。按需写出变更增量包（变化块、新增
和灭失要素）和工作簿。碎片（不超过 --tolerance 平方米的块）计数并列出，从不丢弃。
输出文件已存在时拒绝，除非加 --overwrite；从不改写输入文件。""")
@click.command(name="changes")
@click.argument("before_path", metavar="BEFORE", type=click.Path(path_type=Path))
@click.argument("after_path", metavar="AFTER", type=click.Path(path_type=Path))
@click.option("--id", "id_field", default="BSM", show_default=True,
              help=h("图斑标识字段：标识不变的图斑视为同一图斑。",
                     "Patch id field: a patch keeping its id is the same patch."))
@tolerance_option()
@encoding_option
@crs_option
@output_option(h("把变更增量包写成 GeoPackage：图层 pieces（变化块）、added（新增）、removed（灭失）"
                 "。",
                 "Write the increment package as a GeoPackage: layers pieces, added, removed."))
@click.option("--xlsx", type=click.Path(path_type=Path),
              help=h("把各表（地类变化流量表、台账、图斑、变化块）写入 Excel 工作簿。",
                     "Write the tables (地类变化流量表, ledgers, patches, pieces) to an Excel workbook."))
@overwrite_option
def changes_command(before_path: Path, after_path: Path, id_field: str, tolerance_m2: float,
                    encoding: str | None, crs: tuple[str, ...], output: Path | None, xlsx: Path | None, overwrite: bool) -> None:
    """Compare the survey patches of two years, BEFORE and AFTER (DLTB layers).

    Prints the summary (Chinese, then English), the transition table
    地类变化流量表 (ha, rows: BEFORE's classes, 年末面积: AFTER's) and the two
    ledgers 耕地进出平衡 / 耕地占补平衡 by township. Writes the increment
    package (change pieces, added and removed features) and the workbook on
    request. Slivers (pieces ≤ --tolerance m²) are counted and listed, never
    dropped. Outputs that exist are refused unless --overwrite; an input is
    never written to.

    \b
    Examples:
      xigeo changes DLTB_2024.shp DLTB_2025.shp -o 变更.gpkg --xlsx 变更统计.xlsx
      xigeo changes dltb.shp dltb_2025.shp --tolerance 1
    """
    from ..changes import survey_changes
    from ..errors import LayerWriteError

    for path, what in ((output, ".gpkg"), (xlsx, ".xlsx")):
        if path is not None and path.suffix.lower() != what:
            raise LayerWriteError(t(f"{path}：此输出请写为 {what} 文件", f"{path}: write this output as a {what} file"))
    check_outputs([output, xlsx], overwrite=overwrite, inputs=[before_path, after_path])
    before = read_input(before_path, crs, encoding=encoding)
    after = read_input(after_path, crs, encoding=encoding)
    result = survey_changes(before, after, id_field=id_field, tolerance_m2=tolerance_m2)
    click.echo(result.summary(current()))
    click.echo("")
    click.echo(t("地类变化流量表（公顷）", "Land-use class flows (ha)"))
    flows = result.table("transitions", labels="zh", total=True)
    changed = flows.drop(columns=["地类名称"])
    click.echo(format_table(changed))
    for name in ("farmland_flow", "occupation"):
        click.echo("")
        click.echo(result.TABLES[name].title_zh + "（公顷）")
        click.echo(format_table(result.table(name, labels="zh", total=True)))
    if output is not None:
        result.write_increment(output, overwrite=overwrite)
        click.echo(t(f"已写出 {output}（图层 pieces、added、removed）", f"wrote {output} (layers pieces, added, removed)"))
    if xlsx is not None:
        result.to_excel(xlsx, overwrite=overwrite)
        click.echo(t(f"已写出 {xlsx}", f"wrote {xlsx}"))
