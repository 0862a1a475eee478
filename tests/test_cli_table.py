"""Tests of the CLI's terminal tables: Chinese columns stay aligned."""

import pandas as pd

from xigeo.cli._table import display_width, format_table, write_table
from xigeo._excel import read_table


def test_chinese_columns_align():
    table = pd.DataFrame({"地类名称": ["水田", "农村宅基地"], "面积_公顷": [1.5, 1234.567]},
                         index=pd.Index(["0101", "0702"], name="DLBM"))
    lines = format_table(table).splitlines()
    assert lines[0].split() == ["DLBM", "地类名称", "面积_公顷"]
    assert "1,234.57" in lines[2]
    # every line has the same display width: columns line up on a terminal
    assert len({display_width(line) for line in lines}) == 1


def test_write_csv_keeps_chinese_for_excel(tmp_path):
    table = pd.DataFrame({"项目名称": ["息县挂钩项目"], "面积": [1.0]})
    path = write_table(table, tmp_path / "表.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 CSV correctly
    assert "息县挂钩项目" in raw.decode("utf-8-sig")
    path = write_table(table, tmp_path / "表.xlsx")
    assert read_table(path, index_col=None)["项目名称"].tolist() == ["息县挂钩项目"]  # no unnamed RangeIndex column


def test_integer_columns_stay_integers_in_one_row_tables():
    table = pd.DataFrame({"count": [61], "area_mu": [1525.0]})
    lines = format_table(table).splitlines()
    assert lines[1].split() == ["61", "1,525.00"]
