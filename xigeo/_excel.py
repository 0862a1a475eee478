"""The one workbook writer: every .xlsx xigeo writes goes through :func:`write_workbook`.

One sheet per table, Chinese text intact, 是/否 for booleans, the header row
frozen, columns as wide as their text (CJK counted double), two decimals
with thousands separators for floats; written to a temporary file and
renamed, so a failure never leaves half a workbook, and an existing file is
replaced only with ``overwrite=True``.

>>> import pathlib, tempfile
>>> import pandas as pd
>>> path = pathlib.Path(tempfile.mkdtemp()) / "表.xlsx"
>>> t = pd.DataFrame({"面积(公顷)": [1.5], "通过": [True]}, index=pd.Index(["甲"], name="项目"))
>>> write_workbook({"项目表": t}, path).name
'表.xlsx'
>>> pd.read_excel(path, index_col=0).loc["甲", "通过"]
'是'
>>> t = pd.DataFrame({"通过": [True, None]}, index=pd.Index(["甲", "合计"], name="项目"))
>>> _ = write_workbook({"表": t}, path, overwrite=True)
>>> pd.read_excel(path, index_col=0)["通过"].tolist()
['是', nan]
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ._text import YES_NO, display_width, format_value
from .errors import OptionError

__all__ = ["write_workbook", "sheet_name", "check_target"]

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A valid Excel sheet name (≤ 31 characters, none of ``[]:*?/\\``), unique among ``taken``.

    >>> sheet_name("a/b:c")
    'a_b_c'
    >>> sheet_name("表", {"表"})
    '表 (2)'
    """
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "Sheet"
    base = base[:31]
    taken = taken or set()
    out, k = base, 2
    while out in taken:
        suffix = f" ({k})"
        out = base[:31 - len(suffix)] + suffix
        k += 1
    return out


def _is_boolean(values: pd.Series) -> bool:
    """A bool column, or one whose values are all bools or missing (a total row adds NaN)."""
    if pd.api.types.is_bool_dtype(values):
        return True
    if values.dtype != object:
        return False
    present = values.dropna()
    return bool(len(present)) and all(isinstance(v, (bool, np.bool_)) for v in present)


def check_target(path: str | os.PathLike[str], sheets: Collection[object]) -> Path:
    """The workbook's path, refused unless it is an .xlsx and there is a sheet to write."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OptionError(f"{path}: a workbook is written as .xlsx")
    if not sheets:
        raise OptionError(f"{path}: no table to write")
    return path


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike[str], *,
                   overwrite: bool = False, index: bool = True) -> Path:
    """Write ``sheets`` (sheet name → table) as one .xlsx workbook, atomically.

    ``index``: write each table's index as its first column(s) (a plain
    RangeIndex without a name is left out either way).
    """
    from openpyxl.utils import get_column_letter

    from ._files import atomic_path

    path = check_target(path, sheets)
    with atomic_path(path, overwrite=overwrite) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            taken: set[str] = set()
            for name, table in sheets.items():
                name = sheet_name(name, taken)
                taken.add(name)
                out = pd.DataFrame(table).copy()
                for c in out.columns:
                    if _is_boolean(out[c]):
                        out[c] = out[c].map(lambda v: YES_NO[bool(v)] if isinstance(v, (bool, np.bool_)) else v)
                keep_index = index and (out.index.name is not None or
                                        any(n is not None for n in out.index.names) or
                                        not isinstance(out.index, pd.RangeIndex))
                out.to_excel(writer, sheet_name=name, index=keep_index)
                ws = writer.sheets[name]
                ws.freeze_panes = ws.cell(row=2, column=(out.index.nlevels if keep_index else 0) + 1)
                frame = out.reset_index() if keep_index else out
                for j, column in enumerate(frame.columns, start=1):
                    values = [str(column)] + [format_value(v) for v in frame[column].head(200)]
                    ws.column_dimensions[get_column_letter(j)].width = min(
                        60, max(display_width(v) for v in values) + 2)
                    if pd.api.types.is_float_dtype(frame[column]):
                        for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                            row[0].number_format = "#,##0.00"
    return path
