"""``xigeo adjust``: control-area adjustment (面积平差) of a land-survey layer."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._i18n import current, h, t, zh_doc
from ._options import (check_outputs, crs_option, encoding_option, method_option, output_option,
                       overwrite_option, read_input)
from ._table import format_table

log = logging.getLogger(__name__)

_LAYER_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".parquet", ".gdb")


@zh_doc("""按控制面积平差图斑面积：使 DLTB 的图斑面积（TBMJ）之和等于控制面积。

级别由代码长度确定（6 位县、9 位乡镇、12 位村），自上而下逐级平差；各单位的
差值以 0.01 平方米为单位分配到其图斑，先分给面积最大的图斑。KCMJ 和 TBDLMJ
随之重算。差值超过 --tolerance 的单位被拒绝，不写出任何文件。输出文件已存在时
拒绝，除非加 --overwrite。""")
@click.command(name="adjust")
@click.argument("patches_path", metavar="DLTB", type=click.Path(path_type=Path))
@click.option("--control", "control_paths", multiple=True, type=click.Path(path_type=Path),
              help=h("控制面积的单位图层：以其图斑的椭球面积为控制面积（XZQ 用 6/9 位 XZQDM，CJDCQ 用"
                     " 12 位 CJDCQDM；有 KZMJ 字段时用 KZMJ）。可重复。",
                     "A unit layer whose polygons' survey area is the control (XZQ 6/9-digit XZQDM, "
                     "CJDCQ 12-digit CJDCQDM; a KZMJ field, if present, is used instead). Repeatable."))
@click.option("--control-table", "table_paths", multiple=True, type=click.Path(path_type=Path),
              help=h("控制面积表（.csv 或 .xlsx）：代码列（XZQDM、CJDCQDM、DWDM 或 code）和 KZMJ（平"
                     "方米）。可重复。",
                     "A .csv or .xlsx table of control areas: a code (XZQDM, CJDCQDM, DWDM or code) "
                     "and KZMJ in m². Repeatable."))
@output_option(h("平差后的图层（如 DLTB_平差.gpkg）。",
                 "The adjusted layer (e.g. DLTB_平差.gpkg)."), required=True)
@click.option("--units", "units_path", type=click.Path(path_type=Path),
              help=h("写出面积平差表：.xlsx 含各单位及被调整的图斑；.csv 只含各单位。",
                     "Write the audit table (平差表): .xlsx has every unit and the patches changed; "
                     ".csv the units only."))
@click.option("--tolerance", "tolerance_m2", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help=h("单位控制面积与其图斑面积之和的差值（平方米）在此以内视为舍入误差；超过则作为拓"
                     "扑或编码错误拒绝。",
                     "Largest difference (m²) between a unit's control and its contents treated as "
                     "rounding; more is refused as a topology or coding error."))
@click.option("--key", "key_field", default="BSM", show_default=True,
              help=h("面积相等的图斑按此字段排序（唯一标识字段）。",
                     "Tie-break among patches of equal area (a unique id field)."))
@click.option("--code-field", default="ZLDWDM", show_default=True,
              help=h("图斑的 19 位坐落单位代码字段。",
                     "The patches' 19-digit unit code field (坐落单位代码)."))
@click.option("--area-field", default="TBMJ", show_default=True,
              help=h("被平差的图斑面积字段（平方米）。",
                     "The patch area field (m²) that is adjusted."))
@click.option("--engine", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help=h("dask：在当前 dask 调度器上按县分块计算；local：本机计算。",
                     "dask: county by county on the active dask scheduler."))
@method_option
@encoding_option
@crs_option
@overwrite_option
def adjust_command(patches_path: Path, control_paths: tuple[Path, ...], table_paths: tuple[Path, ...],
                   output: Path, units_path: Path | None, tolerance_m2: float, key_field: str,
                   code_field: str, area_field: str, engine: str, method: str, encoding: str | None,
                   crs: tuple[str, ...], overwrite: bool) -> None:
    """Adjust the patch areas (TBMJ) of DLTB so that they add up to the control areas.

    Levels come from the code length (6 county, 9 township, 12 village) and
    are adjusted top first; each unit's difference is spread over its
    patches in hundredths of m², largest patch first. KCMJ and TBDLMJ are
    recomputed. A unit whose difference is beyond --tolerance is refused and
    nothing is written. An output that exists is refused unless --overwrite.

    \b
    Examples:
      xigeo adjust DLTB.shp --control XZQ.shp -o DLTB_平差.gpkg
      xigeo adjust DLTB.shp --control XZQ.shp --control CJDCQ.shp -o DLTB_平差.gpkg --units 平差表.xlsx
      xigeo adjust DLTB.shp --control-table 控制面积.csv -o DLTB_平差.gpkg
    """
    from ..adjust import adjust_areas
    from ..errors import LayerWriteError
    from ..io import write_layer

    if output.suffix.lower() not in _LAYER_SUFFIXES:
        kinds = ", ".join(_LAYER_SUFFIXES)
        raise LayerWriteError(t(f"{output}：平差后的图层请写为以下格式之一：{kinds}",
                                f"{output}: write the adjusted layer as one of {kinds}"))
    if units_path is not None and units_path.suffix.lower() not in (".xlsx", ".csv"):
        raise LayerWriteError(t(f"{units_path}：面积平差表请写为 .xlsx 或 .csv",
                                f"{units_path}: write the audit table as .xlsx or .csv"))
    if not control_paths and not table_paths:
        raise click.UsageError(t("请给出控制面积：--control XZQ.shp 和/或 --control-table 控制面积.csv",
                                 "give the control areas: --control XZQ.shp and/or --control-table "
                                 "控制面积.csv"))
    check_outputs([output, units_path], overwrite=overwrite,
                  inputs=[patches_path, *control_paths, *table_paths])
    patches = read_input(patches_path, crs, encoding=encoding)
    controls = [read_input(p, crs, encoding=encoding) for p in control_paths]
    controls += [_read_table(p, encoding) for p in table_paths]
    result = adjust_areas(patches, controls, tolerance_m2=tolerance_m2, key_field=key_field,
                          code_field=code_field, area_field=area_field, method=method, engine=engine)
    click.echo(result.summary(current()))
    click.echo("")
    units = result.table("units", labels="zh")
    shown = ["级别", "单位名称", "控制面积(平方米)", "平差前图斑面积之和(平方米)", "差值(平方米)", "图斑数",
             "单个图斑最大改变(平方米)"]
    click.echo(format_table(units[shown]))
    written = write_layer(result.patches, output, overwrite=overwrite)
    if units_path is not None:  # after the layer: no audit table of a layer never written
        _write_units(result, units_path, key_field=key_field, overwrite=overwrite)
    click.echo(t(f"已写出 {written}（平差后图斑）", f"wrote {written} (adjusted patches)"))
    if units_path is not None:
        click.echo(t(f"已写出 {units_path}（面积平差表）", f"wrote {units_path} (adjustment table)"))


def _read_table(path: Path, encoding: str | None):  # noqa: ANN202 - a DataFrame
    """A control table (.csv or .xlsx) with its code columns kept as text."""
    import pandas as pd

    from ..adjust import CODE_FIELDS
    from ..errors import LayerReadError

    if not path.is_file():
        raise LayerReadError(t(f"{path}：文件不存在", f"{path}: no such file"))
    text_columns = {c: str for c in CODE_FIELDS}
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            try:
                frame = pd.read_csv(path, dtype=text_columns, encoding=encoding or "utf-8-sig")
            except UnicodeDecodeError:
                raise LayerReadError(t(f"{path}：不是 UTF-8 文本；请给出其编码，例如 --encoding gbk",
                                       f"{path}: not UTF-8 text; give its encoding, e.g. --encoding gbk")) from None
        elif suffix in (".xlsx", ".xls"):
            frame = pd.read_excel(path, dtype=text_columns)
        else:
            raise LayerReadError(t(f"{path}：控制面积表只能从 .csv 或 .xlsx 读取",
                                   f"{path}: a control table is read from .csv or .xlsx"))
    except (ValueError, pd.errors.ParserError) as exc:
        raise LayerReadError(t(f"{path}：无法读取该表：{exc}", f"{path}: cannot read the table: {exc}")) from None
    frame.attrs["source"] = str(path)
    return frame


def _write_units(result, path: Path, *, key_field: str, overwrite: bool) -> None:  # noqa: ANN001
    """The audit: the units table and the patches whose area changed (Chinese headers)."""
    import pandas as pd

    from .._excel import write_workbook
    from ._table import write_table

    units = result.table("units", labels="zh")
    if path.suffix.lower() == ".csv":
        write_table(units, path, overwrite=overwrite)
        return
    changed = result.change_m2 != 0
    field = result.area_field
    patches = result.patches.loc[changed]
    detail = pd.DataFrame({"标识码": patches[key_field] if key_field in patches.columns
                           else patches.index.astype(str),
                           "坐落单位代码": patches["ZLDWDM"] if "ZLDWDM" in patches.columns else "",
                           "平差前图斑面积(平方米)": (patches[field] - result.change_m2[changed]).round(2),
                           "平差后图斑面积(平方米)": patches[field],
                           "改变(平方米)": result.change_m2[changed]}).set_index("标识码")
    summary = pd.DataFrame({"摘要": [result.summary("zh"), result.summary("en")]})
    write_workbook({"摘要": summary, "面积平差表": units, "调整图斑": detail}, path, overwrite=overwrite)
