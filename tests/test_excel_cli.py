"""CLI workbooks go through the one writer: Chinese headers and sheet names, 序号 or the
meaningful index, title/unit rows and the print set-up (read back with openpyxl).

Expected areas: 100 m × 150 m rectangles in CGCS2000 / 3-degree GK zone 38
(EPSG:4526); their survey (ellipsoidal) areas come from ``xigeo.area``
(tested against published oracles in test_area.py).
"""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pytest
from click.testing import CliRunner
from shapely import box

import xigeo
from xigeo._excel import read_table
from xigeo.cli import cli

X0, Y0 = 38_560_000.0, 3_580_000.0


@pytest.fixture
def layer(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"XMMC": ["挂钩项目甲", "挂钩项目甲", "挂钩项目乙"], "DKBH": ["J-1", "J-2", "Y-1"]},
        geometry=[box(X0 + 200 * k, Y0, X0 + 200 * k + 100, Y0 + 150) for k in range(3)], crs=4526)
    path = tmp_path / "建新区.shp"
    xigeo.write_layer(gdf, path)
    return path, gdf


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def print_setup(ws) -> tuple:
    return (int(ws.page_setup.paperSize), ws.page_setup.fitToWidth, ws.page_setup.fitToHeight,
            ws.print_title_rows, ws.oddFooter.center.text)


def test_area_summary_workbook(layer, tmp_path):
    path, gdf = layer
    out = tmp_path / "面积.xlsx"
    result = run("area", str(path), "--by", "XMMC", "--unit", "ha", "-o", str(out))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["面积"]
    ws = wb["面积"]
    assert ws["A1"].value == "建新区面积汇总表"
    assert print_setup(ws) == (9, 1, 0, "$3:$3", "第 &P 页 共 &N 页")
    headers = [c.value for c in ws[3]]
    # the by-field is the meaningful index (项目名称), no 0..n column; counts of patches are integers
    assert headers[:3] == ["项目名称", "图斑数", "面积(平方米)"] and "修约面积(公顷)" in headers
    assert all(h.isascii() is False for h in headers)     # every header Chinese
    assert ws["B4"].number_format == "#,##0" and ws["C4"].number_format == "#,##0.00"
    table = read_table(out)
    # the same figures as the Python call (summarize_area sums the patches' areas the survey way)
    expected = xigeo.summarize_area(xigeo.read_layer(path), by="XMMC", unit="ha")
    assert table.loc["挂钩项目甲", "图斑数"] == 2
    assert table.loc["挂钩项目甲", "面积(公顷)"] == pytest.approx(expected.loc["挂钩项目甲", "area_ha"], abs=1e-9)
    # and within 0.01 m² of the two patches' ellipsoidal areas
    assert table.loc["挂钩项目甲", "面积(平方米)"] == pytest.approx(xigeo.area(gdf).iloc[:2].sum(), abs=0.01)


def test_area_per_feature_workbook_numbers_rows_from_one(layer, tmp_path):
    path, gdf = layer
    out = tmp_path / "逐块.xlsx"
    assert run("area", str(path), "--per-feature", "-o", str(out)).exit_code == 0
    ws = openpyxl.load_workbook(out)["面积"]
    assert ws["A1"].value == "建新区逐图斑面积表"
    assert [ws.cell(row=r, column=1).value for r in (3, 4, 5, 6)] == ["序号", 1, 2, 3]
    table = read_table(out)
    assert table["面积(平方米)"].tolist() == pytest.approx(xigeo.area(gdf).tolist(), abs=1e-9)


def test_labels_en_keeps_english_headers(tmp_path):
    from xigeo import sample

    out = tmp_path / "矿山.xlsx"
    dem = sample.path("minepark_dem")
    args = [str(sample.path(n)) for n in ("minepark", "minepark_pits", "minepark_restoration")]
    base = ["minepark", *args, "--dem", str(dem), "-o", str(out)]
    assert run(*base).exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "摘要"          # no --labels: Chinese
    assert run(*base, "--labels", "en", "--overwrite").exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "summary"       # --labels en: as asked
