"""The official layout of the 三调 summary tables as an .xlsx workbook.

One sheet per table, laid out the way the survey's statistics tables are
printed: a title row (``息县土地利用现状一级分类面积汇总表``), the unit row
(``面积单位：公顷``), header rows with merged cells and the codes under the
names, bold bordered wrapped headers, the unit name and code columns, the
figures with two decimals, the 合计/小计 rows in bold, and a print set-up:
landscape A4 (A3 for wide tables), fitted to the page width, the header rows
repeated on every page, centred, the same margins and ``第 &P 页 共 &N 页``
footer as :func:`xigeo._excel.write_workbook`. Row 2 also carries 填表单位
(``bureau=``) on the left and 填表日期 (``date=``, default today); a sheet's
``note`` follows the table after one blank row. A 摘要 sheet with the summary comes first. The file is
written to a temporary name and renamed (:func:`xigeo._files.atomic_path`);
an existing file is refused unless ``overwrite``.

Headers are given per data column as a tuple of cells, top to bottom;
``None`` continues the cell above (merged vertically), and neighbouring
columns whose cells agree from the top down to a row are merged across in
that row.

>>> import pathlib, tempfile
>>> import numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "表.xlsx"
>>> sheet = OfficialSheet(name="一级", title="息县土地利用现状一级分类面积汇总表", unit_label="面积单位：公顷",
...     key_headers=("单位名称", "单位代码"), headers=[("国土调查总面积", None), ("耕地", "01")],
...     names=["息县"], codes=["411528"], values=np.array([[3.5, 1.25]]), bold_rows=np.array([True]))
>>> write_official_workbook([sheet], path, summary=("摘要", ["一行。"]), date="2026年5月1日").name
'表.xlsx'
>>> import openpyxl
>>> ws = openpyxl.load_workbook(path)["一级"]
>>> ws["A1"].value, ws["A2"].value, ws["D2"].value, ws["D4"].value, ws["D5"].number_format
('息县土地利用现状一级分类面积汇总表', '填表单位：\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000填表日期：2026年5月1日', '面积单位：公顷', '01', '#,##0.00')
>>> sorted(str(r) for r in ws.merged_cells.ranges)
['A1:D1', 'A2:C2', 'A3:A4', 'B3:B4', 'C3:C4']
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["OfficialSheet", "write_official_workbook"]


@dataclasses.dataclass(frozen=True)
class OfficialSheet:
    """One table in the official layout.

    ``headers``: one tuple of header cells per data column (same length for
    all); ``key_headers``: the headers of the name and code columns (merged
    down the header rows); ``values``: rows × data columns; ``bold_rows``:
    the 合计/小计 rows.
    """

    name: str
    title: str
    unit_label: str
    key_headers: tuple[str, str]
    headers: Sequence[tuple[str | None, ...]]
    names: Sequence[str]
    codes: Sequence[str]
    values: np.ndarray
    bold_rows: np.ndarray
    note: str = ""


def write_official_workbook(sheets: Sequence[OfficialSheet], path: str | os.PathLike[str], *,
                            summary: tuple[str, Sequence[str]] | None = None,
                            overwrite: bool = False, bureau: str | None = None,
                            date: str | datetime.date | None = None) -> Path:
    """Write ``sheets`` (and a first summary sheet) as one workbook, atomically.

    ``bureau``: 填表单位 (blank to fill in by hand when not given); ``date``:
    填表日期, default today. Written by :func:`xigeo._excel.write_workbook`
    (``official=``), the writer of every xigeo workbook.
    """
    import pandas as pd

    from ._excel import write_workbook

    tables: dict[str, pd.DataFrame] = {}
    if summary is not None:
        head, lines = summary
        tables[head] = pd.DataFrame({head: list(lines)})
    official = {}
    for sheet in sheets:
        tables[sheet.name] = pd.DataFrame()
        official[sheet.name] = sheet
    return write_workbook(tables, path, overwrite=overwrite, bureau=bureau, date=date,
                          official=official)
