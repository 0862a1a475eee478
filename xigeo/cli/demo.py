"""``xigeo demo``: the headline figures of the county report, from the bundled sample."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .report import _progress_bar, headline_text


@click.command(name="demo")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("xigeo-demo"), show_default=True,
              help="Folder for the report (report.pdf) and its tables (tables.xlsx); "
                   "those two files are replaced if they exist.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def demo_command(output: Path, quiet: bool) -> None:
    """Run the main job on the bundled Xi County sample data.

    Computes the headline figures of the county's land-saving report (pre-review,
    linkage quota, consolidation, industrial intensity, mine park, topsoil stripping)
    with xigeo's calculators, prints them beside the figures the county
    published, and writes the report atlas (report.pdf: maps and tables) and
    its tables (tables.xlsx, one sheet per table) to the output folder.

    Unlike the other commands, demo needs no --overwrite: it replaces
    report.pdf and tables.xlsx in its own output folder (xigeo-demo/ by
    default), so it can be run again (`make demo`). Other files there are
    left alone. To keep an earlier demo's files, give another folder with -o.

    \b
    Examples:
      xigeo demo
      xigeo demo -o 演示结果
    """
    from ..report import build_report

    output.mkdir(parents=True, exist_ok=True)
    callback, close = _progress_bar(not quiet and sys.stderr.isatty())
    try:
        result = build_report(None, pdf=output / "report.pdf", xlsx=output / "tables.xlsx",
                              progress=callback, overwrite=True,
                              title="息县节约集约用地工作报告图集（样例数据）")
    finally:
        close()
    figures = result.headline
    click.echo("息县节约集约用地 主要指标 (headline figures; sample data)\n")
    click.echo(headline_text(figures))
    agree = int(figures["agrees"].sum())
    click.echo(f"\n{agree} of {len(figures)} figures equal the published ones")
    for name in ("控制面积平差", "土地利用现状"):  # the 三调 tables, after the adjustment
        if name in result.results:
            click.echo(f"\n{result.results[name].summary('zh')}")
    click.echo(f"wrote {(output / 'report.pdf').resolve()} ({len(result.pages) + 1} pages)")
    click.echo(f"wrote {(output / 'tables.xlsx').resolve()} ({len(result.tables)} sheets)")
