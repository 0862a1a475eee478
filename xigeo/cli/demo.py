"""``xigeo demo``: the headline figures of the county report, from the bundled sample."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import check_outputs, overwrite_option
from .report import _progress_bar, headline_text

#: the files demo writes into its folder, and the note of what it wrote (size and mtime of each)
DEMO_FILES = ("report.pdf", "tables.xlsx")
MARKER = ".xigeo-demo"


def _state(path: Path) -> str:
    st = path.stat()
    return f"{path.name} {st.st_size} {st.st_mtime_ns}"


def foreign_files(folder: Path) -> list[Path]:
    """demo's output files in ``folder`` that an earlier demo did not write as they are now."""
    marker = folder / MARKER
    noted = set(marker.read_text(encoding="utf-8").splitlines()) if marker.is_file() else set()
    return [folder / n for n in DEMO_FILES if (folder / n).exists() and _state(folder / n) not in noted]


@zh_doc("""用内置的息县样例数据运行主要工作。

用 xigeo 的计算模块算出县节约集约用地报告的主要指标（预审、增减挂钩指标、土地
整治、工业用地集约度、矿山公园、表土剥离），与县里公布的数字并列显示，并把报告
图集（report.pdf：地图和表格）及其表格（tables.xlsx，每表一个工作表）写入输出
文件夹。

与其他命令不同，demo 再次运行不需要 --overwrite：它替换自己输出文件夹（默认
xigeo-demo/）中以前由 demo 写出的 report.pdf 和 tables.xlsx（记录在
.xigeo-demo 中），所以 `make demo` 可以反复运行。不是它写出的（或之后被改过的）
report.pdf、tables.xlsx 会被拒绝，除非加 --overwrite。文件夹中的其他文件不动。
要保留以前的结果，用 -o 指定另一个文件夹。""")
@click.command(name="demo")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("xigeo-demo"), show_default=True,
              help=h("报告（report.pdf）及其表格（tables.xlsx）的输出文件夹；这两个文件若是以前的 dem"
                     "o 写的，则被替换。",
                     "Folder for the report (report.pdf) and its tables (tables.xlsx); "
                     "those two files are replaced if an earlier demo wrote them."))
@click.option("--quiet", is_flag=True, help=h("不显示进度条。",
                                              "No progress bar."))
@overwrite_option
def demo_command(output: Path, quiet: bool, overwrite: bool) -> None:
    """Run the main job on the bundled Xi County sample data.

    Computes the headline figures of the county's land-saving report (pre-review,
    linkage quota, consolidation, industrial intensity, mine park, topsoil stripping)
    with xigeo's calculators, prints them beside the figures the county
    published, and writes the report atlas (report.pdf: maps and tables) and
    its tables (tables.xlsx, one sheet per table) to the output folder.

    Unlike the other commands, demo needs no --overwrite to run again: it
    replaces report.pdf and tables.xlsx in its own output folder (xigeo-demo/
    by default) when an earlier demo wrote them (it notes them in
    .xigeo-demo), so `make demo` can be run again. A report.pdf or
    tables.xlsx it did not write (or that was changed since) is refused
    unless --overwrite. Other files there are left alone. To keep an earlier
    demo's files, give another folder with -o.

    \b
    Examples:
      xigeo demo
      xigeo demo -o 演示结果
    """
    from ..report import build_report

    if output.is_dir():
        check_outputs(foreign_files(output), overwrite=overwrite)
    output.mkdir(parents=True, exist_ok=True)
    callback, close = _progress_bar(not quiet and sys.stderr.isatty())
    try:
        result = build_report(None, pdf=output / "report.pdf", xlsx=output / "tables.xlsx",
                              progress=callback, overwrite=True,
                              title="息县节约集约用地工作报告图集（样例数据）")
    finally:
        close()
    (output / MARKER).write_text("".join(_state(output / n) + "\n" for n in DEMO_FILES),
                                 encoding="utf-8")
    figures = result.headline
    click.echo(t("息县节约集约用地 主要指标（样例数据）\n", "息县节约集约用地 headline figures (sample data)\n"))
    click.echo(headline_text(figures))
    agree = int(figures["agrees"].sum())
    click.echo(t(f"\n{len(figures)} 项指标中 {agree} 项与公布的数字一致",
                 f"\n{agree} of {len(figures)} figures equal the published ones"))
    for name in ("控制面积平差", "土地利用现状"):  # the 三调 tables, after the adjustment
        if name in result.results:
            click.echo(f"\n{result.results[name].summary(current())}")
    pdf, book = (output / "report.pdf").resolve(), (output / "tables.xlsx").resolve()
    click.echo(t(f"已写出 {pdf}（{len(result.pages) + 1} 页）", f"wrote {pdf} ({len(result.pages) + 1} pages)"))
    click.echo(t(f"已写出 {book}（{len(result.tables)} 个工作表）", f"wrote {book} ({len(result.tables)} sheets)"))
