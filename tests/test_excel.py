"""The workbook writer (xigeo/_excel.py): layout for print, number formats, read-back, atomic writes.

Every workbook is read back with openpyxl (an independent reader of the
OOXML the writer streams); the expected values are stated here: the layout
the module documents (title row 1, 填表单位/日期/单位 row 2, headers row 3),
A4 = paperSize 9, and the figures of the small tables built in each test.
LibreOffice is not needed (the printed page counts are measured by hand,
docs/performance.md).
"""

from __future__ import annotations

import datetime
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from xigeo import using_language
from xigeo._excel import HEADER_ROW, read_table, write_workbook
from xigeo.errors import LayerWriteError, OptionError


def land_table() -> pd.DataFrame:
    t = pd.DataFrame({"地类名称": ["水田", "旱地", "合计"],
                      "面积(公顷)": [1234.5, 22.25, 1256.75],
                      "图斑数": [3, 4, 7],
                      "系数": [0.12345, 0.5, np.nan],
                      "是否耕地": [True, False, None]},
                     index=pd.Index(["0101", "0103", "合计"], name="地类编码"))
    t.attrs.update(title="息县耕地面积汇总表", unit="面积单位：公顷",
                   decimals={"系数": 4}, note="注：面积为椭球面积。")
    return t


@pytest.fixture
def book(tmp_path):
    path = write_workbook({"耕地": land_table()}, tmp_path / "表.xlsx", bureau="息县自然资源局",
                          date=datetime.date(2026, 5, 1))
    return path, openpyxl.load_workbook(path)["耕地"]


def test_title_unit_and_filler_rows(book):
    _, ws = book
    # 6 columns: the index (地类编码) and the 5 table columns
    assert ws.max_column == 6
    assert ws["A1"].value == "息县耕地面积汇总表" and ws["A1"].font.b and ws["A1"].font.sz == 16
    assert ws["A1"].alignment.horizontal == "center"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:F1" in merged
    # the three texts need 26 + 25 + 16 = 67 character widths (each + 2), the six columns are
    # 10 + 10 + 12 + 8 + 8 + 10 = 58 wide: 填表单位 and 填表日期 share A2:E2 on two lines
    assert [ws.column_dimensions[c].width for c in "ABCDEF"] == [10, 10, 12, 8, 8, 10]
    row2 = [c.value for c in ws[2] if c.value]
    assert row2 == ["填表单位：息县自然资源局\n填表日期：2026年5月1日", "面积单位：公顷"]
    assert "A2:E2" in merged and ws["A2"].alignment.wrap_text and ws.row_dimensions[2].height == 34
    unit = next(c for c in ws[2] if c.value == "面积单位：公顷")
    assert unit.alignment.horizontal == "right" and unit.column_letter == "F"
    assert ws["A2"].alignment.horizontal == "left"


def test_filler_date_and_unit_side_by_side_on_a_wide_table(tmp_path):
    t = pd.DataFrame(np.ones((2, 8)), columns=[f"面积{k}(公顷)" for k in range(8)])
    t.attrs["unit"] = "面积单位：公顷"
    ws = openpyxl.load_workbook(write_workbook({"表": t}, tmp_path / "a.xlsx", bureau="息县自然资源局",
                                               date="2026年5月"))["表"]
    # 序号 (6 wide) and 8 columns 12 wide: 填表单位 over A:C (30 ≥ 26), the unit over H:I (24 ≥ 16),
    # 填表日期 between (D:G, 48 ≥ 25)
    assert [(c.coordinate, c.value) for c in ws[2] if c.value] == [
        ("A2", "填表单位：息县自然资源局"), ("D2", "填表日期：2026年5月"), ("H2", "面积单位：公顷")]
    assert {"A2:C2", "D2:G2", "H2:I2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws["D2"].alignment.horizontal == "center" and ws["H2"].alignment.horizontal == "right"


def test_headers_body_and_number_formats(book):
    _, ws = book
    headers = [c.value for c in ws[HEADER_ROW]]
    assert headers == ["地类编码", "地类名称", "面积(公顷)", "图斑数", "系数", "是否耕地"]
    for cell in ws[HEADER_ROW]:
        assert cell.font.b and cell.alignment.wrap_text and cell.alignment.horizontal == "center"
        assert {cell.border.left.style, cell.border.top.style, cell.border.bottom.style} == {"thin"}
    # first data row (row 4): codes stay text, figures are numbers with their formats
    assert [c.value for c in ws[4]] == ["0101", "水田", 1234.5, 3, 0.12345, "是"]
    assert ws["C4"].number_format == "#,##0.00"      # float: two decimals
    assert ws["D4"].number_format == "#,##0"         # integer count
    assert ws["E4"].number_format == "#,##0.0000"    # df.attrs["decimals"] = {"系数": 4}
    assert ws["F5"].value == "否" and ws["F4"].alignment.horizontal == "center"
    assert all(c.border.left.style == "thin" for row in ws.iter_rows(min_row=4, max_row=6) for c in row)
    # the 合计 row is bold; its missing cells are blank but bordered
    assert ws["A6"].value == "合计" and ws["C6"].font.b and not ws["C5"].font.b
    assert ws["E6"].value is None and ws["F6"].value is None and ws["F6"].border.left.style == "thin"
    # the note after one blank row, merged across
    assert all(c.value is None for c in ws[7])
    assert ws["A8"].value == "注：面积为椭球面积。"
    assert "A8:F8" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "B4"


def test_print_setup(book):
    _, ws = book
    assert int(ws.page_setup.paperSize) == 9                    # A4
    assert ws.page_setup.orientation == "portrait"               # six narrow columns fit upright
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$3:$3"                        # the header row on every page
    assert ws.print_options.horizontalCentered
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    m = ws.page_margins
    assert (m.left, m.right, m.top, m.bottom) == (0.5, 0.5, 0.75, 0.75)


def test_a_wide_table_prints_landscape(tmp_path):
    # 20 columns of figures 12 characters wide are > 90 character widths: landscape
    wide = pd.DataFrame(np.full((3, 20), 1234567.891), columns=[f"指标{k}" for k in range(20)])
    path = write_workbook({"宽表": wide}, tmp_path / "宽.xlsx")
    ws = openpyxl.load_workbook(path)["宽表"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    # a bare 0..n-1 index becomes 序号 1..n; no title in attrs: the sheet name
    assert ws["A1"].value == "宽表" and ws["A3"].value == "序号"
    assert [ws.cell(row=r, column=1).value for r in (4, 5, 6)] == [1, 2, 3]
    assert ws["A4"].number_format == "0"                         # no thousands separator in 序号
    assert ws["B4"].value == 1234567.891 and ws["B4"].number_format == "#,##0.00"
    # no bureau: the 填表单位 is left blank to be filled in by hand; the date is today's
    today = datetime.date.today()
    texts = [c.value for c in ws[2] if c.value]
    assert texts == ["填表单位：" + "\u3000" * 8, f"填表日期：{today.year}年{today.month}月{today.day}日"]


def test_read_back(book):
    path, _ = book
    # pandas directly: the headers are on row 3 (header=2); the note row comes along
    raw = pd.read_excel(path, header=HEADER_ROW - 1, index_col=0, dtype={"地类编码": str})
    assert raw.index.tolist()[:3] == ["0101", "0103", "合计"] and len(raw) == 5
    table = read_table(path, dtype={"地类编码": str})
    assert table.index.tolist() == ["0101", "0103", "合计"]
    assert table["面积(公顷)"].tolist() == [1234.5, 22.25, 1256.75]
    assert table["图斑数"].tolist() == [3, 4, 7] and table["图斑数"].dtype.kind == "i"
    assert table["是否耕地"].tolist()[:2] == ["是", "否"]
    assert list(read_table(path, sheet_name=None)) == ["耕地"]


def test_codes_years_and_counts(tmp_path):
    t = pd.DataFrame({"年份": [2026], "行政区代码": [411528], "图斑数": [1234.0],
                      "面积": [1.0], "日期": pd.to_datetime(["2026-05-01"])})
    ws = openpyxl.load_workbook(write_workbook({"表": t}, tmp_path / "a.xlsx"))["表"]
    assert [c.value for c in ws[4]][1:4] == [2026, 411528, 1234]
    assert (ws["B4"].number_format, ws["C4"].number_format) == ("0", "0")   # no 2,026
    assert ws["D4"].number_format == "#,##0"    # a float count of whole numbers: an integer format
    assert ws["E4"].number_format == "#,##0.00"  # an area stays two decimals even when whole
    assert ws["F4"].value == "2026-05-01"


def test_text_is_escaped_and_long_text_wraps(tmp_path):
    text = "a<b & c>d \"引号\" 'x'"
    long = "很长的说明" * 30                      # 300 character widths: wraps in a 50-wide column
    t = pd.DataFrame({"说明": [text, long, "\x01控制字符"]})
    ws = openpyxl.load_workbook(write_workbook({"表": t}, tmp_path / "a.xlsx"))["表"]
    assert ws["B4"].value == text and ws["B6"].value == "控制字符"
    assert ws["B5"].alignment.wrap_text and ws.column_dimensions["B"].width == 50
    assert ws.row_dimensions[5].height == 15 * 7 + 2             # ceil(300 / 49) = 7 lines


def test_several_sheets_names_and_order(tmp_path):
    sheets = {"摘要": pd.DataFrame({"摘要": ["一句。"]}), "a/b": land_table(), "a_b": land_table()}
    path = write_workbook(sheets, tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["摘要", "a_b", "a_b (2)"]
    # print titles per sheet
    assert [wb[n].print_title_rows for n in wb.sheetnames] == ["$3:$3"] * 3
    with zipfile.ZipFile(path) as z:
        assert "xl/sharedStrings.xml" in z.namelist()


def test_index_false_and_empty_table(tmp_path):
    t = pd.DataFrame({"甲": [1, 2]})
    ws = openpyxl.load_workbook(write_workbook({"表": t}, tmp_path / "a.xlsx", index=False))["表"]
    assert ws["A3"].value == "甲" and ws["A4"].value == 1 and ws.max_column == 1
    empty = pd.DataFrame({"甲": pd.Series([], dtype=float)})
    ws = openpyxl.load_workbook(write_workbook({"空": empty}, tmp_path / "b.xlsx"))["空"]
    assert ws["B3"].value == "甲" and ws.max_row == 3


def test_atomic_and_refusals(tmp_path):
    path = tmp_path / "表.xlsx"
    path.write_bytes(b"an earlier workbook")
    with pytest.raises(LayerWriteError, match="表.xlsx 已存在"):
        write_workbook({"表": land_table()}, path)
    with using_language("en"), pytest.raises(LayerWriteError, match="exists"):
        write_workbook({"表": land_table()}, path)
    assert path.read_bytes() == b"an earlier workbook"
    with pytest.raises(OptionError, match=".xlsx"):
        write_workbook({"表": land_table()}, tmp_path / "表.xls")
    with pytest.raises(OptionError, match="没有要写的表"):
        write_workbook({}, tmp_path / "空.xlsx")
    write_workbook({"表": land_table()}, path, overwrite=True)
    assert read_table(path)["面积(公顷)"].sum() == pytest.approx(2513.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["表.xlsx"]   # no temporary file left


def test_a_sheet_over_excels_row_limit_is_refused(tmp_path, monkeypatch):
    import xigeo._excel as excel

    monkeypatch.setattr(excel, "MAX_ROWS", 10)   # Excel's 1,048,576 rows, made small to test
    with pytest.raises(OptionError, match="最多 10 行.*csv"):
        write_workbook({"表": pd.DataFrame({"a": range(8)})}, tmp_path / "a.xlsx")
    with using_language("en"), pytest.raises(OptionError, match="at most 10 rows.*csv"):
        write_workbook({"表": pd.DataFrame({"a": range(8)})}, tmp_path / "a.xlsx")
    assert not list(tmp_path.iterdir())


def test_row_numbers_from_zero_print_from_one(tmp_path):
    # a 0..n-1 RangeIndex named 序号 (the quality check's finding list) is printed 1..n;
    # any other integer index as it is (a subset keeps the numbers it was given)
    t = pd.DataFrame({"规则编号": ["TP003", "SX001"]}, index=pd.RangeIndex(2, name="序号"))
    sub = t.iloc[[1]]
    wb = openpyxl.load_workbook(write_workbook({"全部": t, "SX001": sub}, tmp_path / "a.xlsx"))
    assert [wb["全部"].cell(row=r, column=1).value for r in (4, 5)] == [1, 2]
    assert wb["SX001"]["A4"].value == 1 and wb["SX001"]["B4"].value == "SX001"
