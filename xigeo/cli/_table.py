"""Print tables on a terminal with Chinese (double-width) text aligned."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._text import display_width
from ._i18n import t




def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap


def format_table(table: pd.DataFrame, *, floatfmt: str = ",.2f") -> str:
    """Format a DataFrame (index included) as aligned text; numbers right-aligned.

    A Chinese result table (``result.table(name, labels="zh")``) prints each
    column with its ``df.attrs["decimals"]``; other floats with ``floatfmt``.

    >>> print(format_table(pd.DataFrame({"面积": [1.5, 22.25]}, index=pd.Index(["水田", "旱地"], name="地类"))))
    地类  面积
    水田  1.50
    旱地 22.25
    """
    frame = table.reset_index() if table.index.name or isinstance(table.index, pd.MultiIndex) else table
    columns = [str(c) for c in frame.columns]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    places = table.attrs.get("decimals", {})
    text_columns = [[_cell(v, is_num, f",.{places[c]}f" if c in places else floatfmt)
                     for v in frame[c].tolist()]
                    for c, is_num in zip(frame.columns, numeric)]
    cells = [list(row) for row in zip(*text_columns)] if text_columns else []
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" ".join(_pad(c, w, n) for c, w, n in zip(columns, widths, numeric)).rstrip()]
    lines += [" ".join(_pad(v, w, n) for v, w, n in zip(r, widths, numeric)).rstrip() for r in cells]
    return "\n".join(lines)


def _cell(value: object, is_num: bool, floatfmt: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if is_num and isinstance(value, float):
        return format(value, floatfmt)
    if is_num and isinstance(value, int) and not isinstance(value, bool):
        return format(value, ",d")
    return str(value)


def workbook_labels(labels: str) -> str:
    """The headers of a workbook a command writes: ``--labels`` when given, else Chinese.

    A workbook is printed and signed, so it is Chinese first; a CSV and the
    terminal keep the ``--labels`` default (English, with units).
    """
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.get_parameter_source("labels") in (
            click.core.ParameterSource.DEFAULT, None):
        return "zh"
    return labels


def chinese_headers(table: pd.DataFrame, *, title: str | None = None) -> pd.DataFrame:
    """``table`` with the shared Chinese headers (``area_ha`` → 面积(公顷), ``count`` → 图斑数, a
    ``_rounded`` column → 修约面积…) for a workbook; ``title`` as its title row.

    >>> t = pd.DataFrame({"count": [2], "area_ha": [1.5], "area_ha_rounded": [1.5]},
    ...                  index=pd.Index(["0101"], name="DLBM"))
    >>> chinese_headers(t).reset_index().columns.tolist()
    ['地类编码', '图斑数', '面积(公顷)', '修约面积(公顷)']
    """
    from .._result import COMMON_ZH

    names = {**COMMON_ZH, "count": "图斑数", "overlap_removed_m2": "扣除重叠面积(平方米)"}
    def zh(column: object) -> object:
        text = str(column)
        if text.endswith("_rounded") and text.removesuffix("_rounded") in names:
            return "修约" + names[text.removesuffix("_rounded")]
        return names.get(text, column)
    out = table.rename(columns=zh)
    out.index = out.index.set_names([zh(n) if n is not None else None for n in out.index.names])
    out.attrs = {k: v for k, v in table.attrs.items() if k in ("title", "unit", "decimals", "note")}
    if isinstance(out.attrs.get("note"), dict):
        out.attrs["note"] = out.attrs["note"].get("zh", "")
    if title is not None:
        out.attrs["title"] = title
    return out


def write_table(table: pd.DataFrame, path: str | Path, *, overwrite: bool = False,
                sheet: str = "表") -> Path:
    """Write a table as CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX by suffix.

    An existing file is refused unless ``overwrite`` (the command's ``--overwrite``).
    """
    from .._excel import write_workbook
    from .._files import atomic_path
    from ..errors import OptionError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OptionError(t(f"{path}：表格请写为 .csv 或 .xlsx", f"{path}: write tables as .csv or .xlsx"))
    if suffix == ".xlsx":
        return write_workbook({sheet: table}, path, overwrite=overwrite)
    with atomic_path(path, overwrite=overwrite) as tmp:
        table.to_csv(tmp, encoding="utf-8-sig")
    return path
