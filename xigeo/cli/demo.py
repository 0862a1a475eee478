"""``xigeo demo``: the headline figures of the county report, from the bundled sample."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from ._table import format_table


@click.command(name="demo")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("xigeo-demo"), show_default=True, help="Folder for the workbook.")
def demo_command(output: Path) -> None:
    """Run the main job on the bundled Xi County sample data.

    Computes the headline figures of the county's land-saving report (pre-review,
    linkage quota, consolidation, industrial intensity, mine park, topsoil stripping)
    with xigeo's calculators, prints them beside the figures the county
    published, and writes them to an Excel workbook with one sheet per table.

    \b
    Examples:
      xigeo demo
      xigeo demo -o 演示结果
    """
    from .. import sample
    from .._files import atomic_path
    from ..area import summarize_area
    from ..headline import PUBLISHED, headline_figures

    figures = headline_figures()
    decimals = [PUBLISHED[(t, f)].decimals for t, f in zip(figures["topic"], figures["figure"])]
    shown = figures.rename(columns={"topic": "专题", "figure": "指标", "reported": "xigeo",
                                    "unit": "单位", "published": "公报", "agrees": "一致"})
    shown["一致"] = shown["一致"].map({True: "是", False: "否"})
    printed = shown.copy()
    for column in ("xigeo", "公报"):
        printed[column] = [f"{v:>12,.{d}f}" for v, d in zip(shown[column], decimals)]
    click.echo("息县节约集约用地 主要指标 (headline figures; sample data)\n")
    click.echo(format_table(printed[["专题", "指标", "xigeo", "公报", "单位", "一致"]]))
    areas = {name: summarize_area(sample.load(name), by=by, unit=unit, total=True)
             for name, by, unit in (("linkage_newbuild", ["PZZT", "XMMC"], "ha"),
                                    ("linkage_demolition", ["PZZT", "XMMC"], "ha"),
                                    ("consolidation", "XZQMC", "ha"),
                                    ("prereview", None, "mu"))}
    output.mkdir(parents=True, exist_ok=True)
    book = output / "headline_figures.xlsx"
    with atomic_path(book) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            shown.to_excel(writer, sheet_name="主要指标", index=False)
            for name, table in areas.items():
                table.to_excel(writer, sheet_name=name[:31])
    agree = int(figures["agrees"].sum())
    click.echo(f"\n{agree} of {len(figures)} figures equal the published ones")
    click.echo(f"wrote {book.resolve()}")
