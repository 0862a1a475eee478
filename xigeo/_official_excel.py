"""The official layout of the 三调 summary tables as an .xlsx workbook (openpyxl).

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
from typing import Any

import numpy as np

from ._text import display_width

__all__ = ["OfficialSheet", "write_official_workbook", "NUMBER_FORMAT"]

#: two decimals with thousands separators
NUMBER_FORMAT = "#,##0.00"
#: more data columns than this print on A3 instead of A4
A4_MAX_COLUMNS = 16


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
    填表日期, default today.
    """
    from openpyxl import Workbook

    from ._excel import check_target, date_text, sheet_name
    from ._files import atomic_path

    path = check_target(path, sheets)
    filler = f"填表单位：{bureau if bureau else chr(0x3000) * 8}"
    stamp = f"填表日期：{date_text(date)}"
    with atomic_path(path, overwrite=overwrite) as tmp:
        wb = Workbook()
        first = wb.active
        assert first is not None
        taken: set[str] = set()
        if summary is not None:
            head, lines = summary
            first.title = sheet_name(head, taken)
            taken.add(first.title)
            first.column_dimensions["A"].width = 120
            for i, line in enumerate(lines, start=1):
                first.cell(row=i, column=1, value=line)
        else:
            wb.remove(first)
        for sheet in sheets:
            ws = wb.create_sheet(sheet_name(sheet.name, taken))
            taken.add(ws.title)
            _layout(ws, sheet, filler, stamp)
        wb.save(tmp)
    return path


def _layout(ws: Any, sheet: OfficialSheet, filler: str, stamp: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    from ._excel import FOOTER, MARGINS

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(bold=True)
    headers = [tuple(h) for h in sheet.headers]
    depth = max(len(h) for h in headers)
    headers = [h + (None,) * (depth - len(h)) for h in headers]
    n_cols = 2 + len(headers)
    last = get_column_letter(n_cols)
    # title and unit rows
    ws.merge_cells(f"A1:{last}1")
    title = ws.cell(row=1, column=1, value=sheet.title)
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    # row 2: 填表单位 on the left, 填表日期 (three figure columns) and the unit (the last two)
    # on the right; on a narrow table the date follows the bureau
    dated = len(headers) >= 5
    left_end = n_cols - 5 if dated else n_cols - 1
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=left_end)
    ws.cell(row=2, column=1, value=filler if dated else f"{filler}　{stamp}").alignment = \
        Alignment(horizontal="left", vertical="center")
    if dated:
        ws.merge_cells(start_row=2, start_column=n_cols - 4, end_row=2, end_column=n_cols - 2)
        ws.cell(row=2, column=n_cols - 4, value=stamp).alignment = Alignment(horizontal="center",
                                                                             vertical="center")
    unit_start = n_cols - 1 if dated else n_cols
    if unit_start < n_cols:
        ws.merge_cells(start_row=2, start_column=unit_start, end_row=2, end_column=n_cols)
    ws.cell(row=2, column=unit_start, value=sheet.unit_label).alignment = \
        Alignment(horizontal="right", vertical="center")
    top = 3
    bottom = top + depth - 1
    # header block: name and code columns merged down
    for j, text in enumerate(sheet.key_headers, start=1):
        ws.cell(row=top, column=j, value=text)
        if depth > 1:
            ws.merge_cells(start_row=top, start_column=j, end_row=bottom, end_column=j)
    for r in range(depth):
        j = 0
        while j < len(headers):
            cell_text = headers[j][r]
            if cell_text is None:
                j += 1
                continue
            # rows below that continue this cell (None)
            down = r
            while down + 1 < depth and headers[j][down + 1] is None:
                down += 1
            # columns to the right with the same cells from the top to this row
            right = j
            while (right + 1 < len(headers) and headers[right + 1][:r + 1] == headers[j][:r + 1]
                   and all(headers[right + 1][k] is None for k in range(r + 1, down + 1))):
                right += 1
            col = 3 + j
            ws.cell(row=top + r, column=col, value=cell_text)
            if right > j or down > r:
                ws.merge_cells(start_row=top + r, start_column=col, end_row=top + down,
                               end_column=3 + right)
            j = right + 1
    for row in ws.iter_rows(min_row=top, max_row=bottom, min_col=1, max_col=n_cols):
        for cell in row:
            cell.font = bold
            cell.border = border
            cell.alignment = centre
    # figures
    values = np.asarray(sheet.values, dtype=np.float64)
    for i, (name, code) in enumerate(zip(sheet.names, sheet.codes)):
        r = bottom + 1 + i
        cells = [ws.cell(row=r, column=1, value=str(name)),
                 ws.cell(row=r, column=2, value=str(code))]
        cells[1].number_format = "@"
        for j in range(values.shape[1]):
            cell = ws.cell(row=r, column=3 + j, value=float(round(values[i, j], 2)))
            cell.number_format = NUMBER_FORMAT
            cells.append(cell)
        for cell in cells:
            cell.border = border
            if bool(sheet.bold_rows[i]):
                cell.font = bold
    # widths: names and codes as wide as their text; figures wide enough for 12,345,678.90
    ws.column_dimensions["A"].width = min(30, max([display_width(str(n)) for n in sheet.names]
                                                  + [display_width(sheet.key_headers[0])]) + 2)
    ws.column_dimensions["B"].width = max([len(str(c)) for c in sheet.codes] + [8]) + 2
    for j in range(len(headers)):
        ws.column_dimensions[get_column_letter(3 + j)].width = 11
    # print set-up: landscape, fitted to the page width, header rows repeated
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = (ws.PAPERSIZE_A3 if len(headers) > A4_MAX_COLUMNS
                               else ws.PAPERSIZE_A4)
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{top}:{bottom}"
    ws.print_options.horizontalCentered = True
    (ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom,
     ws.page_margins.header, ws.page_margins.footer) = MARGINS
    ws.oddFooter.center.text = FOOTER.removeprefix("&C")
    if sheet.note:
        r = bottom + len(sheet.names) + 2
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n_cols)
        ws.cell(row=r, column=1, value=sheet.note).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=bottom + 1, column=3)
