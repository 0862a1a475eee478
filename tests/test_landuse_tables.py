"""Tests of xigeo.landuse_tables: the 三调 summary tables, their rounding, checks and workbook.

Where the expected numbers come from:
- the sample's figures are recomputed here by a plain pandas groupby of TBDLMJ
  (by township and DLBM, DLBM mapped to its working class with the CSV read
  directly) plus Σ KCMJ as 1203 田坎; the issue's figures (水田 3,938.00 ha,
  田坎 653.72 ha, 水田 by TBMJ 4,144.92 ha) are the sample's own sums;
- the rounding is checked by its defining properties (integer hundredths:
  rows = totals, children = parent, every figure within 0.02 of the truth) and
  one hand-worked case;
- the classification against xigeo._landuse's 三大类 groups and the 一级 list
  of DOMAIN.md (source of the CSV: TD/T 1055-2019 附录A, see sandiao_classes.md).
"""

from __future__ import annotations

import configparser
import dataclasses
import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely import box

import xigeo
from xigeo import sample
from xigeo._landuse import AGRICULTURAL_CODES, CONSTRUCTION_CODES, matches
from xigeo.cli import cli, main
from xigeo.errors import OptionError, SchemaError, ValidationError
from xigeo.landuse_tables import load_classification, round_tables

ROOT = Path(__file__).parents[1]
CSV = ROOT / "xigeo" / "data" / "sandiao_classes.csv"


@pytest.fixture(scope="module")
def dltb():
    return sample.load("dltb")


@pytest.fixture(scope="module")
def townships():
    return sample.load("townships")


@pytest.fixture(scope="module")
def county():
    return sample.load("county")


@pytest.fixture(scope="module")
def tables(dltb, townships, county):
    return xigeo.landuse_tables(dltb, units=[county, townships])


@pytest.fixture(scope="module")
def village_tables(dltb, townships, county):
    return xigeo.landuse_tables(dltb, units=[county, townships], level="village")


def _working_class(dlbm: pd.Series) -> pd.Series:
    """DLBM → 二级 working class, from the CSV read with plain pandas (codes and aliases)."""
    raw = pd.read_csv(CSV, comment="#", dtype=str, keep_default_na=False)
    mapping = dict(zip(raw["code"], raw["code"]))
    for code, aliases in zip(raw["code"], raw["aliases"]):
        mapping.update({a: code for a in aliases.split()})
    return dlbm.map(mapping)


def _expected_by_township(dltb: pd.DataFrame) -> pd.DataFrame:
    """ha per township (rows) and working class (columns), worked with a plain groupby."""
    df = pd.DataFrame({"town": dltb["ZLDWDM"].str[:9], "cls": _working_class(dltb["DLBM"]),
                       "TBDLMJ": dltb["TBDLMJ"], "KCMJ": dltb["KCMJ"]})
    areas = df.groupby(["town", "cls"])["TBDLMJ"].sum().unstack(fill_value=0.0)
    areas["1203"] = areas.get("1203", 0.0) + df.groupby("town")["KCMJ"].sum()
    return areas / 10_000


# ----------------------------------------------------------------------------- the classification

def test_classification_is_the_sandiao_working_classification():
    c = load_classification()
    assert len(c) == 56 and c["code"].is_unique
    groups = c.drop_duplicates("level1_code").set_index("level1_code")["level1_name"].to_dict()
    assert groups == {"00": "湿地", "01": "耕地", "02": "种植园用地", "03": "林地", "04": "草地",
                      "05": "商业服务业用地", "06": "工矿用地", "07": "住宅用地",
                      "08": "公共管理与公共服务用地", "09": "特殊用地", "10": "交通运输用地",
                      "11": "水域及水利设施用地", "12": "其他土地"}
    by = c.set_index("code")
    assert sorted(by.index[by["level1_code"] == "00"]) == ["0303", "0304", "0306", "0402", "0603",
                                                           "1105", "1106", "1108"]
    for code in ("05H1", "0508", "08H1", "08H2", "09", "1203"):
        assert code in by.index
    assert by.loc["1203", "name"] == "田坎" and by.loc["1203", "three_class"] == "农用地"
    assert by.loc["0508", "aliases"] == "0604"
    # 三大类 agree with the package's code groups (xigeo._landuse)
    agri = matches(list(by.index), AGRICULTURAL_CODES)
    constr = matches(list(by.index), CONSTRUCTION_CODES)
    assert (by["three_class"].eq("农用地").to_numpy() == agri).all()
    assert (by["three_class"].eq("建设用地").to_numpy() == constr).all()
    assert sorted(by.index[by["three_class"] == "未利用地"]) == [
        "0404", "1101", "1102", "1105", "1106", "1108", "1110", "1204", "1205", "1206", "1207"]


def test_classification_ships_in_the_wheel_with_its_source():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    assert "data/*.csv" in cfg["options.package_data"]["xigeo"]
    head = CSV.read_text(encoding="utf-8").splitlines()[:3]
    assert any("TD/T 1055-2019" in line for line in head)
    assert "TD/T 1055-2019" in (CSV.parent / "sandiao_classes.md").read_text(encoding="utf-8")


def test_classification_override_and_bad_classification(dltb):
    c = load_classification()
    c.loc[c["code"] == "0404", "three_class"] = "农用地"      # a province that counts 其他草地 as 农用地
    t = xigeo.landuse_tables(dltb, classification=c)
    base = xigeo.landuse_tables(dltb)
    grass = base.level2.iloc[0]["0404_ha"]
    assert grass > 0
    assert t.three_classes.iloc[0]["agricultural_ha"] == pytest.approx(
        base.three_classes.iloc[0]["agricultural_ha"] + grass, abs=1e-9)
    with pytest.raises(SchemaError, match="three_class"):
        load_classification(c.drop(columns="three_class"))
    with pytest.raises(ValidationError, match="three_class 农地 不在可选值 农用地, 建设用地, 未利用地 中"):
        load_classification(c.assign(three_class="农地"))


# ----------------------------------------------------------------------------- the figures

def test_tables_match_an_independent_groupby(tables, dltb):
    expected = _expected_by_township(dltb)
    level2 = tables.level2
    towns = level2[level2["level"] == "township"]
    for town, row in expected.iterrows():
        for cls, ha in row.items():
            assert towns.loc[town, f"{cls}_ha"] == pytest.approx(ha, abs=1e-9), (town, cls)
    # classes without patches are 0, townships without patches are rows of zeros
    other = [c for c in towns.columns if c.endswith("_ha") and c != "total_ha"
             and c.removesuffix("_ha") not in expected.columns]
    assert (towns[other] == 0).all().all()
    county = level2.iloc[0]
    assert county.name == "411528" and county["name"] == "息县"
    assert county["total_ha"] == pytest.approx((dltb["TBDLMJ"].sum() + dltb["KCMJ"].sum()) / 1e4)
    assert len(towns) == 21 and towns["name"].iloc[0] == "谯楼街道"


def test_ridges_are_1203_and_farmland_is_tbdlmj_not_tbmj(tables, dltb):
    c = tables.level2.iloc[0]
    # the figures: 水田 by TBDLMJ 3,938.00 ha (by TBMJ 4,144.92), 田坎 653.72 ha
    assert round(c["0101_ha"], 2) == 3938.00
    assert round(dltb.loc[dltb["DLBM"] == "0101", "TBMJ"].sum() / 1e4, 2) == 4144.92
    assert round(c["1203_ha"], 2) == 653.72
    farm = dltb["DLBM"].str.startswith("01")
    assert tables.level1.iloc[0]["01_ha"] == pytest.approx(dltb.loc[farm, "TBDLMJ"].sum() / 1e4)
    assert round(tables.level1.iloc[0]["01_ha"], 2) == 12380.35
    assert round(dltb.loc[farm, "TBMJ"].sum() / 1e4, 2) == 13034.07     # what the old table showed
    t3 = tables.three_classes.iloc[0]
    assert t3["agricultural_1203_ha"] == pytest.approx(dltb["KCMJ"].sum() / 1e4)
    assert t3["agricultural_01_ha"] == pytest.approx(tables.level1.iloc[0]["01_ha"])
    # the printed 田坎: the county's group 12 residue goes to its largest class (1203)
    printed = tables.table("level2").iloc[0]
    assert abs(printed["1203_ha"] - 653.72) <= 0.01 and printed["0101_ha"] == 3938.00


def _hundredths(frame: pd.DataFrame) -> pd.DataFrame:
    return (frame.drop(columns=["level", "name"]) * 100).round().astype("int64")


@pytest.mark.parametrize("which", ["tables", "village_tables"])
def test_printed_rows_and_columns_add_up_to_their_printed_totals(which, request):
    result = request.getfixturevalue(which)
    classes = load_classification()
    for name in result.tables():
        printed, true = result.table(name), result.table(name, rounded=False)
        if not len(printed):
            continue
        h = _hundredths(printed)
        # every printed figure has two decimals and lies within 0.02 of the truth
        assert np.allclose(printed.drop(columns=["level", "name"]) * 100, h, atol=1e-6)
        assert (np.abs(printed.drop(columns=["level", "name"]) - true.drop(columns=["level", "name"]))
                <= 0.02 + 1e-9).all().all()
        # columns: townships add up to the county, villages to their township
        for child, parent, n in (("township", "county", 6), ("village", "township", 9)):
            kids = printed["level"] == child
            if kids.any():
                sums = h[kids.to_numpy()].groupby(printed.index[kids].str[:n]).sum()
                assert (sums == h.loc[sums.index]).all().all(), (name, child)
    # rows: 国土调查总面积 = Σ groups = Σ classes; 小计 = Σ parts
    h1, h2, h3 = (_hundredths(result.table(n)) for n in ("level1", "level2", "three_classes"))
    groups = [f"{g}_ha" for g in dict.fromkeys(classes["level1_code"])]
    assert (h1[groups].sum(axis=1) == h1["total_ha"]).all()
    assert (h2.drop(columns="total_ha").sum(axis=1) == h2["total_ha"]).all()
    for key in ("agricultural", "construction", "unused"):
        parts = [c for c in h3.columns if c.startswith(f"{key}_") and c != f"{key}_ha"]
        assert (h3[parts].sum(axis=1) == h3[f"{key}_ha"]).all()
    assert (h3[["agricultural_ha", "construction_ha", "unused_ha"]].sum(axis=1) == h3["total_ha"]).all()
    # the same total and the same 耕地 everywhere
    assert (h1["total_ha"] == h2["total_ha"]).all() and (h1["total_ha"] == h3["total_ha"]).all()
    assert (h1["01_ha"] == h2[["0101_ha", "0102_ha", "0103_ha"]].sum(axis=1)).all()
    assert (h1["01_ha"] == h3["agricultural_01_ha"]).all()
    assert (h1["01_ha"] == _hundredths(result.table("slope"))["farmland_ha"]).all()
    # the county's printed total is its true total correctly rounded
    assert result.table("level1").iloc[0]["total_ha"] == round(result.level1.iloc[0]["total_ha"], 2)


def test_round_tables_by_hand_and_on_random_tables():
    # three classes of 0.334 in two equal townships: see the docstring of round_tables
    c, t = round_tables([(np.array([[33.4, 33.4, 33.4]]), None),
                         (np.array([[16.7, 16.7, 16.7], [16.7, 16.7, 16.7]]), np.array([0, 0]))],
                        [np.array([0, 1, 2])])
    assert c.tolist() == [[34, 33, 33]] and t.tolist() == [[17, 17, 16], [17, 16, 17]]
    rng = np.random.default_rng(7)
    for _ in range(50):
        n_town, n_vil, n_cls = rng.integers(1, 8), rng.integers(1, 40), rng.integers(2, 30)
        vil = rng.exponential(500, (n_vil, n_cls)) * (rng.random((n_vil, n_cls)) < 0.5)
        town_of = np.sort(rng.integers(0, n_town, n_vil))
        _, town_of = np.unique(town_of, return_inverse=True)
        towns = np.zeros((town_of.max() + 1, n_cls))
        np.add.at(towns, town_of, vil)
        groups = np.array_split(np.arange(n_cls), max(1, n_cls // 4))
        cty, tw, vl = round_tables([(towns.sum(axis=0, keepdims=True), None),
                                    (towns, np.zeros(len(towns), dtype=int)), (vil, town_of)], groups)
        assert cty.sum() == int(np.floor(towns.sum() + 0.5))
        assert (tw.sum(axis=0) == cty[0]).all()
        sums = np.zeros_like(tw)
        np.add.at(sums, town_of, vl)
        assert (sums == tw).all()
        assert (vl[vil == 0] == 0).all() and (vl >= 0).all()
        assert np.abs(vl - vil).max() < 3 and np.abs(tw - towns).max() < 3


def test_level_village_names_and_order(village_tables, dltb):
    t = village_tables.level1
    assert t["level"].iloc[0] == "county"
    first_town = t.index[1]
    assert t["level"].iloc[1] == "township"
    kids = t.index[2:][t["level"].iloc[2:].eq("village").cummin().to_numpy()]
    assert all(k.startswith(first_town) for k in kids) and len(kids) > 0
    # village names from ZLDWMC
    vil = t[t["level"] == "village"]
    expected = dltb.groupby(dltb["ZLDWDM"].str[:12])["ZLDWMC"].first()
    assert (vil["name"] == expected.loc[vil.index]).all()
    assert len(vil) == dltb["ZLDWDM"].str[:12].nunique()


def test_without_units_rows_are_codes(dltb):
    t = xigeo.landuse_tables(dltb, level="county", unit="亩")
    assert t.level1.index.tolist() == ["411528"] and t.unit == "mu"
    assert t.level1.iloc[0]["total_mu"] == pytest.approx(
        (dltb["TBDLMJ"].sum() + dltb["KCMJ"].sum()) * 15 / 10_000)
    t = xigeo.landuse_tables(dltb)
    assert (t.level1["name"] == t.level1.index).all()
    assert len(t.level1) == 1 + dltb["ZLDWDM"].str[:9].nunique()


def test_slope_table_by_grade_and_terrace_or_slope(dltb):
    rng = np.random.default_rng(3)
    farm = dltb["DLBM"].str.startswith("01").to_numpy()
    grade = np.where(farm, rng.integers(1, 6, len(dltb)).astype(str), "")
    kind = np.where(farm, rng.choice(["TT", "PD"], len(dltb)), "")
    layer = dltb.assign(GDPDJB=grade, GDLX=kind)
    t = xigeo.landuse_tables(layer)
    s = t.slope.iloc[0]
    df = layer[farm]
    for g in range(1, 6):
        assert s[f"grade{g}_ha"] == pytest.approx(df.loc[df["GDPDJB"] == str(g), "TBDLMJ"].sum() / 1e4)
    for g in range(2, 6):
        for k, col in (("TT", "terrace"), ("PD", "slope")):
            sel = (df["GDPDJB"] == str(g)) & (df["GDLX"] == k)
            assert s[f"grade{g}_{col}_ha"] == pytest.approx(df.loc[sel, "TBDLMJ"].sum() / 1e4)
    assert "grade1_terrace_ha" not in t.slope.columns
    printed = _hundredths(t.table("slope"))
    assert (printed["farmland_ha"] == _hundredths(t.table("level1"))["01_ha"]).all()
    for g in range(2, 6):
        assert (printed[[f"grade{g}_terrace_ha", f"grade{g}_slope_ha"]].sum(axis=1)
                == printed[f"grade{g}_ha"]).all()
    zh = t.table("slope", labels="zh").columns.tolist()
    assert "2°–6°（2级）梯田" in zh and "≤2°（1级）" in zh and "耕地面积" in zh
    # no GDPDJB: an empty slope table and a note
    t = xigeo.landuse_tables(dltb.drop(columns="GDPDJB"))
    assert len(t.slope) == 0 and "GDPDJB" in t.summary("en")


# ----------------------------------------------------------------------------- the checks

def test_cross_checks_run_and_raise_when_broken(tables):
    assert tables.passed and tables.checks["passed"].all()
    assert set(tables.checks.index) == {"rows add up", "same total in every table",
                                        "耕地 equal in every table", "units add up to their parent"}
    assert set(tables.checks["figures"]) == {"unrounded", "printed"}
    # a township's printed figure moved by 0.01: its row and the county column no longer add up
    printed = {n: f.copy() for n, f in tables.printed.items()}
    printed["level1"].iloc[1, printed["level1"].columns.get_loc("01_ha")] += 0.01
    broken = dataclasses.replace(tables, printed=printed)
    with pytest.raises(ValidationError) as err:
        broken.check()
    assert "各行合计相符（打印数字）" in str(err.value)
    assert "各表耕地面积相同（打印数字）" in str(err.value)
    assert "下级单位之和等于上级单位（打印数字）" in str(err.value)
    with xigeo.using_language("en"), pytest.raises(ValidationError) as err:
        broken.check()
    assert "rows add up (printed figures)" in str(err.value)
    assert "耕地 equal in every table (printed figures)" in str(err.value)
    assert "units add up to their parent (printed figures)" in str(err.value)
    assert "level1: township rows do not add up to their county" in str(err.value)
    # the same total everywhere: a level2 total changed with its row still adding up
    level2 = tables.level2.copy()
    level2.loc[:, "total_ha"] += 1.0
    level2.loc[:, "0101_ha"] += 1.0
    with pytest.raises(ValidationError, match="各表总面积相同（未取整数字）"):
        dataclasses.replace(tables, level2=level2).check()


# ----------------------------------------------------------------------------- the contract

def test_contract_summary_tables_labels_html(tables):
    zh, en = tables.summary(), tables.summary("en")
    assert zh.startswith("息县国土调查总面积20,797.50公顷（21个乡镇）")
    assert "耕地12,380.35公顷" in zh and "田坎" in zh
    assert "surveyed area 20,797.50 ha" in en and "farmland 12,380.35 ha" in en
    assert tables.tables() == ("level1", "level2", "three_classes", "slope")
    t = tables.table("level1", labels="zh")
    assert t.index.name == "单位代码"
    assert t.columns.tolist()[:5] == ["级别", "单位名称", "国土调查总面积", "湿地(00)", "耕地(01)"]
    assert t.iloc[0]["级别"] == "县" and t.iloc[1]["级别"] == "乡镇"
    assert t.iloc[0]["耕地(01)"] == 12380.35
    t3 = tables.table("three_classes", labels="zh").columns.tolist()
    assert {"农用地小计", "田坎(1203)", "耕地(01)", "盐田(0603)", "其他草地(0404)"} <= set(t3)
    html = tables._repr_html_()
    assert "一级分类面积汇总表" in html and "息县" in html and "通过" in html
    with pytest.raises(OptionError, match="没有合计行"):
        tables.table("level1", total=True)
    with pytest.raises(OptionError, match="level='town' 不可用"):
        xigeo.landuse_tables(sample.load("dltb"), level="town")


def test_workbook_in_the_official_layout(tables, tmp_path):
    path = tables.to_excel(tmp_path / "统计表.xlsx", year=2023)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["摘要", "一级分类面积汇总表", "二级分类面积汇总表", "三大类面积汇总表",
                             "耕地坡度分级面积汇总表"]
    # the summary as every xigeo workbook writes it: title row, header row 3, the lines below
    assert wb["摘要"]["B4"].value == tables.summary().splitlines()[0]
    ws = wb["一级分类面积汇总表"]
    assert ws["A1"].value == "息县土地利用现状一级分类面积汇总表（2023年）"
    assert ws["A1"].font.bold
    # row 2: 填表单位 (A:K, blank for the hand), 填表日期 (L:N, today), the unit (O:P)
    assert ws["A2"].value == "填表单位：" + "\u3000" * 8
    today = datetime.date.today()
    assert ws["L2"].value == f"填表日期：{today.year}年{today.month}月{today.day}日"
    assert ws["O2"].value == "面积单位：公顷" and ws["O2"].alignment.horizontal == "right"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:P1", "A2:K2", "L2:N2", "O2:P2", "A3:A4", "B3:B4", "C3:C4"} <= merged
    assert (ws["A3"].value, ws["B3"].value, ws["C3"].value) == ("单位名称", "单位代码", "国土调查总面积")
    assert (ws["D3"].value, ws["D4"].value, ws["E3"].value, ws["E4"].value) == ("湿地", "00", "耕地", "01")
    assert ws["E3"].font.bold and ws["E3"].alignment.wrap_text and ws["E3"].border.top.style == "thin"
    assert (ws["A5"].value, ws["B5"].value, ws["C5"].value) == ("息县", "411528", 20797.5)
    assert ws["E5"].value == 12380.35 and ws["E5"].number_format == "#,##0.00" and ws["A5"].font.bold
    assert ws["A6"].value == "谯楼街道" and not ws["A6"].font.bold
    column = [ws.cell(row=r, column=5).value for r in range(6, 6 + 21)]
    assert round(sum(column), 2) == 12380.35                       # townships add up to the county
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$4"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页" and ws.print_options.horizontalCentered
    ws2 = wb["二级分类面积汇总表"]
    assert int(ws2.page_setup.paperSize) == 8                            # A3: 57 columns
    assert (ws2["D3"].value, ws2["D4"].value, ws2["D5"].value) == ("湿地(00)", "红树林地", "0303")
    assert "D3:K3" in {str(r) for r in ws2.merged_cells.ranges}         # 湿地 over its 8 classes
    assert ws2.print_title_rows == "$3:$5"
    ws3 = wb["三大类面积汇总表"]
    assert (ws3["D3"].value, ws3["D4"].value) == ("农用地", "小计")
    assert "D4:D5" in {str(r) for r in ws3.merged_cells.ranges}
    # an existing workbook is refused, then replaced with overwrite
    before = path.read_bytes()
    with pytest.raises(xigeo.LayerWriteError, match="overwrite"):
        tables.to_excel(path)
    assert path.read_bytes() == before
    tables.to_excel(path, overwrite=True, county="息县", labels="en")
    assert openpyxl.load_workbook(path).sheetnames[0] == "summary"


# ----------------------------------------------------------------------------- bad input

def _layer(tmp_path, **changes):
    """A small DLTB written as a shapefile in tmp_path (five good patches, then ``changes``)."""
    x, y = 38_560_000.0, 3_580_000.0
    gdf = gpd.GeoDataFrame({
        "BSM": [f"41152820000000{i}" for i in range(1, 6)],
        "DLBM": ["0101", "0103", "0702", "1006", "0301"],
        "ZLDWDM": ["4115281012010000000"] * 3 + ["4115281022010000000"] * 2,
        "TBMJ": [10000.0, 20000.0, 3000.0, 500.0, 800.0],
        "KCXS": [0.05, 0.06, 0.0, 0.0, 0.0],
        "KCMJ": [500.0, 1200.0, 0.0, 0.0, 0.0],
        "TBDLMJ": [9500.0, 18800.0, 3000.0, 500.0, 800.0],
    }, geometry=[box(x + 200 * i, y, x + 200 * i + 100, y + 100) for i in range(5)], crs=4526)
    for field, values in changes.items():
        gdf[field] = values
    path = tmp_path / "DLTB.shp"
    xigeo.write_layer(gdf, path)
    return path


def test_bad_rows_are_all_named_in_one_error_and_nothing_is_written(tmp_path, capsys):
    path = _layer(tmp_path, DLBM=["101", "0103", "9999", "1006", "0301"],
                  ZLDWDM=["4115281012010000000", "41152810120", "4115281012010000000",
                          "4115281022010000000", "4115281022010000000"],
                  TBDLMJ=[9500.0, 18800.0, -3000.0, 500.0, 800.0],
                  KCXS=[0.05, 1.2, 0.0, 0.0, 0.0])
    before = sorted(p.name for p in tmp_path.iterdir())
    layer = xigeo.read_layer(path)
    with pytest.raises(ValidationError) as err:
        xigeo.landuse_tables(layer)
    text = str(err.value)
    for expected in ("DLBM 长度不对", "411528200000001",
                     "DLBM 不是三调工作分类中的地类：1 个图斑，BSM：411528200000003",
                     "ZLDWDM 不是 19 位代码", "411528200000002", "TBDLMJ 为负",
                     "KCXS 缺失或不在 [0, 1) 内", "TBDLMJ 不等于 TBMJ − KCMJ"):
        assert expected in text, expected
    assert len(err.value.problems) == 6
    with xigeo.using_language("en"), pytest.raises(ValidationError) as err:
        xigeo.landuse_tables(layer)
    text = str(err.value)
    for expected in ("DLBM has the wrong length", "411528200000001",
                     "not a class of the 三调 working classification in 1 BSM(s) 411528200000003",
                     "ZLDWDM is not a 19-digit code", "411528200000002", "TBDLMJ is negative",
                     "KCXS is missing or outside [0, 1)", "TBDLMJ is not TBMJ − KCMJ"):
        assert expected in text, expected
    out = tmp_path / "统计表.xlsx"
    assert main(["tables", str(path), "-o", str(out)]) == 1
    assert "DLBM 长度不对" in capsys.readouterr().err
    assert main(["--lang", "en", "tables", str(path), "-o", str(out)]) == 1
    assert "DLBM has the wrong length" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_missing_fields_are_one_schema_error(tmp_path, capsys):
    path = _layer(tmp_path)
    layer = xigeo.read_layer(path).drop(columns=["KCMJ", "TBDLMJ"])
    with pytest.raises(SchemaError, match="缺少字段 TBDLMJ, KCMJ"):
        xigeo.landuse_tables(layer)
    gdf = xigeo.read_layer(path).drop(columns=["DLBM", "KCMJ"])
    bad = tmp_path / "缺字段.shp"
    xigeo.write_layer(gdf, bad)
    out = tmp_path / "统计表.xlsx"
    assert main(["tables", str(bad), "-o", str(out)]) == 1
    assert "DLBM, KCMJ" in capsys.readouterr().err and not out.exists()


def test_patches_outside_the_units_and_units_without_patches(tmp_path):
    layer = xigeo.read_layer(_layer(tmp_path))
    units = pd.DataFrame({"XZQDM": ["411528101", "411528103"], "XZQMC": ["甲镇", "丙镇"]})
    with pytest.raises(ValidationError, match="2 个图斑不在单位图层的任何乡镇内"):
        xigeo.landuse_tables(layer, units=units)
    units = pd.DataFrame({"XZQDM": ["411528101", "411528102", "411528103"], "XZQMC": ["甲镇", "乙镇", "丙镇"]})
    t = xigeo.landuse_tables(layer, units=units)
    assert t.level1["name"].tolist() == ["411528", "甲镇", "乙镇", "丙镇"]
    assert t.level1.loc["411528103", "total_ha"] == 0
    assert t.table("level1").loc["411528101", "01_ha"] == 2.83
    with pytest.raises(ValidationError, match="没有可汇总的图斑（图层为空）"):
        xigeo.landuse_tables(layer.iloc[:0])
    with pytest.raises(SchemaError, match="没有单位代码字段.*XZQDM.*CJDCQDM.*现有字段：MC"):
        xigeo.landuse_tables(layer, units=pd.DataFrame({"MC": ["甲"]}))


# ----------------------------------------------------------------------------- CLI

def test_cli_writes_the_workbook_and_refuses_an_existing_one(tmp_path, capsys):
    out = tmp_path / "统计表.xlsx"
    argv = ["tables", str(sample.path("dltb")), "--units", str(sample.path("county")),
            "--units", str(sample.path("townships")), "--year", "2023", "-o", str(out)]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("息县国土调查总面积20,797.50公顷")      # Chinese first
    assert not any(line.startswith("息县: surveyed area") for line in lines)  # one language
    assert "耕地(01)" in result.output and "谯楼街道" in result.output
    ws = openpyxl.load_workbook(out)["一级分类面积汇总表"]
    assert ws["A1"].value == "息县土地利用现状一级分类面积汇总表（2023年）"
    before = out.read_bytes()
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("xigeo: 错误：") and "--overwrite" in err and str(out) in err
    assert out.read_bytes() == before
    # refused before reading: a missing input still gives the "exists" error
    assert main(["tables", str(tmp_path / "没有.shp"), "-o", str(out)]) == 1
    assert "已存在" in capsys.readouterr().err
    assert main(argv + ["--overwrite", "--level", "village"]) == 0
    assert len(openpyxl.load_workbook(out)["一级分类面积汇总表"]["A"]) > 100


def test_cli_help_has_examples():
    result = CliRunner().invoke(cli, ["tables", "--help"])
    assert result.exit_code == 0 and "示例：" in result.output


def test_dask_engine_county_by_county_equals_local(dltb):
    """A two-county layer (the sample, and a copy of it relabelled 411529 with its areas changed):
    the county-by-county dask engine gives the local tables exactly, printed figures included."""
    from dask.distributed import Client, LocalCluster

    other = dltb.copy()
    other["ZLDWDM"] = "411529" + other["ZLDWDM"].str.slice(6)
    other["BSM"] = "411529" + other["BSM"].astype(str).str.slice(6)
    # different areas, so the second county's rounding residues differ from the first's
    other["TBMJ"] = (other["TBMJ"] * 1.37).round(2)
    other["KCMJ"] = (other["TBMJ"] * other["KCXS"]).round(2)
    other["TBDLMJ"] = (other["TBMJ"] - other["KCMJ"]).round(2)
    province = pd.concat([other, dltb], ignore_index=True)  # rows out of code order on purpose
    local = xigeo.landuse_tables(province, level="village")
    assert list(local.level1.loc[local.level1["level"] == "county"].index) == ["411528", "411529"]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster):
        distributed = xigeo.landuse_tables(province, level="village", engine="dask")
    threaded = xigeo.landuse_tables(province, level="village", engine="dask")  # the default scheduler
    for result in (distributed, threaded):
        assert result.passed and result.tables() == local.tables()
        for name in local.tables():
            pd.testing.assert_frame_equal(getattr(result, name), getattr(local, name))
            pd.testing.assert_frame_equal(result.table(name, labels="zh"), local.table(name, labels="zh"))
        pd.testing.assert_frame_equal(result.checks, local.checks)
    with pytest.raises(OptionError, match="engine='spark'"):
        xigeo.landuse_tables(province, engine="spark")


def test_sparse_village_slope_table_keeps_the_printed_farmland():
    """Regression (review): one township, four small villages, most grades empty. The slope table is
    rounded to each unit's printed 耕地; where no hundredth could reach a row through a cell with
    land, the row's total used to move and the 耕地 cross-check failed on valid input."""
    df = pd.DataFrame({"ZLDWDM": ["4115281012010000000", "4115281012020000000", "4115281012020000000",
                                  "4115281012050000000", "4115281012030000000", "4115281012020000000"],
                       "DLBM": ["0102", "0103", "0103", "0103", "0101", "0103"],
                       "TBDLMJ": [312.44, 62.58, 235.88, 38.63, 276.87, 138.71], "KCMJ": 0.0,
                       "GDPDJB": ["1", "3", "3", "2", "1", "3"], "GDLX": ["PD", "TT", "PD", "PD", "PD", "TT"]})
    t = xigeo.landuse_tables(df, level="village")
    assert t.passed
    slope, level1 = t.table("slope"), t.table("level1")
    # printed 耕地 is the same in both tables, row by row, and the grades add up to it
    assert (slope["farmland_ha"] == level1["01_ha"]).all()
    grades = slope[[f"grade{g}_ha" for g in range(1, 6)]].sum(axis=1)
    assert np.allclose(grades, slope["farmland_ha"])
    # the unrounded farmland: Σ TBDLMJ of the 01xx patches, worked here (1,064.11 m²)
    assert t.slope["farmland_ha"].iloc[0] == pytest.approx(df["TBDLMJ"].sum() / 1e4)


def test_round_tables_to_given_row_totals_on_sparse_random_tables():
    """round_tables(totals=…) on sparse tables: every row equals its given total and every column
    its parent's printed cell (2,000 random cases, two thirds of the cells empty)."""
    rng = np.random.default_rng(3)
    for _ in range(2_000):
        n, m = rng.integers(2, 6, 2)
        values = rng.exponential(30, (n, m)) * (rng.random((n, m)) < 0.35)
        county = values.sum(axis=0, keepdims=True)
        total = np.array([int(np.floor(county.sum() + 0.5))])
        rows = np.round(values.sum(axis=1)).astype(int)
        rows[0] += total[0] - rows.sum()
        if (rows < 0).any():
            continue
        top, units = round_tables([(county, None), (values, np.zeros(n, dtype=int))], [np.arange(m)],
                                  totals=[total, rows])
        assert (units.sum(axis=1) == rows).all() and (units.sum(axis=0) == top[0]).all()
