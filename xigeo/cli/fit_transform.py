"""``xigeo fit-transform``: 4- or 7-parameter transformation parameters from common points."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import check_outputs, encoding_option, labels_option, output_option, overwrite_option
from ._table import format_table, workbook_labels

log = logging.getLogger(__name__)


@zh_doc("""用 POINTS_CSV 中的公共点求解坐标转换参数。

CSV 的列为：点号、源X、源Y、目标X、目标Y（可选：源H、目标H；也可用 X1、Y1、X2、Y2）；
X 为北坐标，Y 为东坐标，与测量表格一致。显示参数、各点残差和中误差。""")
@click.command(name="fit-transform")
@click.argument("points_path", metavar="POINTS_CSV", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(["4", "7"]), default="4", show_default=True,
              help=h("4：平面四参数（两个平移、旋转、尺度）；7：布尔莎七参数（坐标框架旋转）。",
                     "4: plane similarity (two shifts, rotation, scale); 7: Bursa–Wolf "
                     "(coordinate frame)."))
@click.option("--source-crs", help=h("源（旧）坐标的坐标系，如 2362（西安 1980 高斯-克吕格 38 带）；-"
                                     "-kind 7 时必填。",
                                     "CRS of the source (old) coordinates, e.g. 2362 (Xi'an 1980 GK "
                                     "zone 38); required for --kind 7."))
@click.option("--target-crs", help=h("目标（新）坐标的坐标系，如 4526；--kind 7 时必填。",
                                     "CRS of the target (new) coordinates, e.g. 4526; required for "
                                     "--kind 7."))
@encoding_option
@output_option(h("把参数写成 TOML 参数文件。",
                 "Write the parameters as a TOML file (the office's parameter file)."))
@click.option("--xlsx", type=click.Path(path_type=Path),
              help=h("把参数和各点残差写入 Excel 工作簿。",
                     "Write the parameters and each point's residual to an Excel workbook."))
@labels_option
@overwrite_option
def fit_transform_command(points_path: Path, kind: str, source_crs: str | None,
                          target_crs: str | None, encoding: str | None, output: Path | None,
                          xlsx: Path | None, labels: str, overwrite: bool) -> None:
    """Fit transformation parameters to the common points (公共点) in POINTS_CSV.

    The CSV has the columns 点号, 源X, 源Y, 目标X, 目标Y (optional 源H, 目标H; also
    X1, Y1, X2, Y2); X is the northing and Y the easting, as in survey tables.
    Prints the parameters, each point's residual and the RMS.

    \b
    Examples:
      xigeo fit-transform 公共点.csv --kind 4 -o 参数.toml
      xigeo fit-transform 公共点.csv --kind 7 --source-crs 2362 --target-crs 4526 -o 七参数.toml --xlsx 残差.xlsx
    """
    from ..datum import fit_transform, read_common_points, write_params
    from ..errors import OptionError, TransformError

    if output is not None and output.suffix.lower() != ".toml":
        raise OptionError(t(f"{output}：参数请写为 .toml 文件", f"{output}: write the parameters as a .toml file"))
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise OptionError(t(f"{xlsx}：工作簿请写为 .xlsx 文件", f"{xlsx}: write the workbook as a .xlsx file"))
    if kind == "7" and (source_crs is None or target_crs is None):
        raise TransformError(t("--kind 7 需要两边的坐标系（由其椭球求地心坐标）。"
                               "解决：--source-crs 2362 --target-crs 4526（换成您的代码）",
                               "--kind 7 needs the CRSs of both sides (their ellipsoids give the "
                               "geocentric coordinates). Fix: --source-crs 2362 --target-crs 4526 "
                               "(your codes)"))
    check_outputs([output, xlsx], overwrite=overwrite, inputs=[points_path])
    # without CRSs (4 parameters) the plane coordinates are labelled with a placeholder
    # projected CRS; the parameter file then names none
    placeholder = source_crs is None or target_crs is None
    src, dst = read_common_points(points_path, source_crs=source_crs or 4547,
                                  target_crs=target_crs or 4547, encoding=encoding)
    fit = fit_transform(src, dst, kind=kind)
    if placeholder:
        import dataclasses

        fit = dataclasses.replace(fit, params=dataclasses.replace(
            fit.params, source_crs=None if source_crs is None else fit.params.source_crs,
            target_crs=None if target_crs is None else fit.params.target_crs))
    click.echo(fit.summary(current()))
    click.echo("")
    click.echo(format_table(fit.table("parameters", labels=labels), floatfmt=".10g"))
    click.echo("")
    click.echo(format_table(fit.table("residuals", labels=labels), floatfmt=",.4f"))
    if output is not None:
        write_params(fit, output, overwrite=overwrite)
        click.echo(t(f"已写出 {output}", f"wrote {output}"))
    if xlsx is not None:
        fit.to_excel(xlsx, labels=workbook_labels(labels), overwrite=overwrite)
        click.echo(t(f"已写出 {xlsx}", f"wrote {xlsx}"))
