"""Issue 17, "Tables in the PDF and the workbook": every Chinese table of the sample report reads
right to a county technician.

The audit builds the sample report once (``build_report``: every result it computes, and the
tables it puts in the workbook and the PDF) plus the enforcement check of the sample's change
patches, and checks every table ``result.table(name, labels="zh", total=...)``:

- no English: no lower-case ASCII letters in headers, index names, row labels and text values
  once units (m, m², km …) are removed; upper-case codes are allowed (DLBM 05H1, project ids
  YS2013001, field names YDBZMJ, rule ids TP001, the 三调 codes TT/PD);
- booleans as 是/否 (no bool column, no True/False value);
- counts as integers (a column printed without decimals has an integer dtype, nullable Int64
  where a 合计 row leaves it empty);
- rounded rows adding up to their printed 合计: in every column where the unrounded total row is
  the sum of its rows, the printed rows add up exactly to the printed total, and the printed
  total is the unrounded total rounded (so it agrees with the headline figures);
- 合计 only where a sum means something: the elevation and slope cells of the pits' 合计 are
  extremes and weighted means of all pits, never sums (worked from the rows here).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from xigeo import sample
from xigeo._result import Result, column_decimals, round_printed, unit_line
from xigeo.enforcement import enforcement_check
from xigeo.industrial import INDICATORS_ZH
from xigeo.report import build_report

#: units that may stand in a Chinese table (removed before looking for English letters)
UNITS = re.compile(r"(?<![A-Za-z])(m²|m³|hm²|km²|km|m|cm|mm)(?![A-Za-z])")


def english(text: object) -> bool:
    """Lower-case ASCII letters left once the units are removed: English words (pit, True, nan)."""
    return bool(re.search(r"[a-z]", UNITS.sub("", str(text))))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("tables_zh")
    result = build_report(None, pdf=None, xlsx=out / "tables.xlsx", date="2026年11月")
    results = dict(result.results)
    results["卫片执法"] = enforcement_check(
        sample.load("changes").set_index("JCBH"), approvals=sample.load("approvals"),
        farmland=sample.load("jbnt"), landuse=sample.load("dltb"), townships=sample.load("townships"))
    return result, results


def _zh_tables(results):
    for topic, r in results.items():
        assert isinstance(r, Result), topic
        for name, spec in r.TABLES.items():
            yield f"{topic}.{name}", r, name, spec, r.table(name, labels="zh", total=spec.total is not None)


def _text_problems(label: str, table: pd.DataFrame) -> list[str]:
    found = [f"{label}: header {c!r}" for c in table.columns if english(c)]
    found += [f"{label}: index name {n!r}" for n in table.index.names if n is not None and english(n)]
    found += [f"{label}: unnamed index" for n in table.index.names if n is None]
    for level in range(table.index.nlevels):
        values = table.index.get_level_values(level)
        found += [f"{label}: row {v!r}" for v in values.unique() if isinstance(v, str) and english(v)]
    for c in table.columns:
        values = table[c]
        if pd.api.types.is_bool_dtype(values):
            found.append(f"{label}: boolean column {c!r}")
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            bad = [v for v in values.dropna().unique() if isinstance(v, (bool, np.bool_)) or english(v)]
            found += [f"{label}: {c!r} value {str(v)[:50]!r}" for v in bad[:3]]
    return found


def test_no_english_and_yes_no_in_every_chinese_table(report):
    built, results = report
    problems = []
    n = 0
    for label, _, _, _, table in _zh_tables(results):
        problems += _text_problems(label, table)
        n += 1
    for sheet, table in built.tables.items():  # the workbook's and the PDF's tables, as laid out
        problems += _text_problems(f"sheet {sheet}", table)
    assert n >= 25 and not problems, "\n".join(problems)


def test_counts_are_integers_and_every_table_has_title_unit_decimals(report):
    _, results = report
    for label, r, name, spec, table in _zh_tables(results):
        assert re.search(r"[\u4e00-\u9fff]", table.attrs["title"]), label
        decimals = table.attrs["decimals"]
        numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
        assert set(numeric) <= set(decimals), (label, set(numeric) - set(decimals))
        for c in numeric:
            if decimals[c] == 0:
                assert pd.api.types.is_integer_dtype(table[c]), (label, c, table[c].dtype)
        if any(str(c).endswith("_ha") for c in getattr(r, name).columns):
            assert "unit" in table.attrs, label
    # examples: the counts of the linkage and the quality checks stay whole numbers in the 合计 row
    linkage = results["城乡建设用地增减挂钩"].table("projects", labels="zh", total=True)
    assert linkage.loc["已批准合计", "拆旧区个数"] == 93 and linkage["拆旧区个数"].dtype == "int64"
    by_rule = results["图斑数据质检"].table("by_rule", labels="zh", total=True)
    assert by_rule.loc["合计", "发现数"] == by_rule["发现数"].iloc[:-1].sum()
    # units from the columns: the 三调 tables are in 公顷, the pre-review table mixes 平方米 and 亩
    assert results["土地利用现状"].table("level1", labels="zh").attrs["unit"] == "面积单位：公顷"
    assert results["建设项目用地预审"].table("projects", labels="zh").attrs["unit"] == "面积单位：见表头"


def test_printed_rows_add_up_to_their_printed_totals(report):
    """Every totalled table: Σ printed rows == printed 合计 in each summed column, exactly."""
    _, results = report
    checked = 0
    for label, r, name, spec, zh in _zh_tables(results):
        if spec.total is None:
            continue
        en = r.table(name, total=True)
        shown = [c for c in en.columns if c not in spec.hidden_zh]
        assert len(shown) == len(zh.columns), label
        decimals = column_decimals(en, spec.decimals)
        for total_label, rows in r._total_groups(name, en):
            at = list(en.index).index(total_label)
            for c_en, c_zh in zip(shown, zh.columns):
                if not pd.api.types.is_float_dtype(en[c_en]) or not np.isfinite(en[c_en].iloc[at]):
                    continue
                raw = en[c_en].to_numpy(dtype=float)
                if abs(raw[at] - np.nansum(raw[rows])) > 1e-7 * max(1.0, abs(raw[at])):
                    continue  # a ratio, mean or extreme: not a sum
                unit = 10.0 ** -decimals[c_en]
                printed = zh[c_zh].to_numpy(dtype=float)
                # the printed total is the unrounded total rounded; the printed rows add up to it
                assert printed[at] == pytest.approx(round(raw[at] / unit) * unit, abs=unit / 100), \
                    (label, total_label, c_zh)
                assert round(np.nansum(printed[rows]) / unit) == round(printed[at] / unit), \
                    (label, total_label, c_zh, np.nansum(printed[rows]), printed[at])
                # each printed row is its figure rounded, or one unit off it (the apportionment)
                assert np.nanmax(np.abs(printed[rows] - raw[rows])) <= unit * 1.5 + 1e-9, (label, c_zh)
                checked += 1
    assert checked >= 80


def test_headline_totals_as_printed(report):
    """The printed 合计 rows are the published figures (DOMAIN.md, "The seed's figures")."""
    _, results = report
    linkage = results["城乡建设用地增减挂钩"].table("projects", labels="zh", total=True)
    assert linkage.loc["已批准合计", ["建新区面积(公顷)", "拆旧区面积(公顷)", "节余指标(公顷)"]].tolist() == [
        395.42, 853.72, 490.77]
    approved = linkage[linkage["是否批准"] == "是"]
    assert round(approved["节余指标(公顷)"].sum(), 2) == 490.77  # the ten approved rows as printed
    consolidation = results["土地综合整治"].table("projects", labels="zh", total=True)
    assert consolidation.loc["合计", ["建设规模(公顷)", "新增耕地面积(公顷)"]].tolist() == [22374.70, 2847.31]
    prereview = results["建设项目用地预审"].table("projects", labels="zh", total=True)
    assert prereview.loc["合计", "申报面积(亩)"] == 1525.00 and prereview.loc["合计", "核减面积(亩)"] == 239.00
    assert round(prereview["申报面积(亩)"].iloc[:-1].sum(), 2) == 1525.00


def test_sums_only_where_they_mean_something(report):
    """The pits' 合计: areas summed; elevations and slopes extremes or area-weighted means."""
    _, results = report
    park = results["濮公山矿山公园"]
    pits = park.table("pits", labels="zh", total=True)
    rows, total = pits.iloc[:-1], pits.loc["合计"]
    assert total["最低高程(米)"] == rows["最低高程(米)"].min()
    assert total["最高高程(米)"] == rows["最高高程(米)"].max()
    assert total["高差(米)"] == pytest.approx(total["最高高程(米)"] - total["最低高程(米)"], abs=0.011)
    # the mean slope of all pits: between the pits' means, and far from their sum
    assert rows["平均坡度(度，面积加权)"].min() <= total["平均坡度(度，面积加权)"] <= rows["平均坡度(度，面积加权)"].max()
    assert "面积加权" in pits.attrs["note"] and "不是各行相加" in pits.attrs["note"]
    # stripping: the 合计 distance is Σ haul / Σ volume (volume-weighted), not a sum of distances
    flows_en = results["表土剥离"].table("flows", total=True)
    flows = results["表土剥离"].table("flows", labels="zh", total=True)
    weighted = flows_en["haul_m3km"].iloc[:-1].sum() / flows_en["volume_m3"].iloc[:-1].sum() * 1000
    assert flows.loc["合计", "运距(米)"] == round(weighted, 2) and "加权" in flows.attrs["note"]
    # ratios of the consolidation 合计 recomputed from the printed-to-be totals: Σ new / Σ scale
    c = results["土地综合整治"].table("projects", total=True).loc["合计"]
    zh = results["土地综合整治"].table("projects", labels="zh", total=True).loc["合计"]
    assert zh["新增耕地率(%)"] == round(c["new_farmland_ha"] / c["scale_ha"] * 100, 2)


def test_verdicts_and_failed_indicators_in_chinese(report):
    _, results = report
    pre = results["建设项目用地预审"]
    zh = pre.table("projects", labels="zh")
    assert set(zh["基本农田检查"]) <= {"不占用", "仅碎片", "占用"} and "占用" in set(zh["基本农田检查"])
    assert set(zh["审查结论"]) == {"通过", "核减"} and set(zh["是否通过"]) == {"是", "否"}
    assert "核减原因(英文)" not in zh.columns
    assert (zh["基本农田检查"] == "不占用").sum() == (pre.projects["jbnt_verdict"] == "clear").sum()
    # the enterprise table: 未达标指标 names the failed indicators in Chinese, in the table's order
    ind = results["产业集聚区"]
    table = ind.table("parcels", labels="zh")
    expected = ["、".join(zh_name for key, zh_name in INDICATORS_ZH.items() if not row[f"{key}_ok"])
                for _, row in ind.parcels.iterrows()]
    assert table["未达标指标"].tolist() == expected
    assert table.loc["CY080", "未达标指标"] == "投资强度、容积率、建筑系数"
    assert (table["未达标指标"] != "").sum() == (table["全部达标"] == "否").sum() == 31
    # linkage rule checks: the Chinese detail; quality checks: Chinese parameters and layers
    v = results["城乡建设用地增减挂钩"].table("violations", labels="zh")
    assert v["说明"].tolist()[1] == "拆旧区面积13.64公顷小于建新区面积13.88公顷"
    by_rule = results["图斑数据质检"].table("by_rule", labels="zh")
    assert by_rule.loc["TP003", "参数"] == "容差 0.01平方米"
    assert set(results["图斑数据质检"].table("errors", labels="zh")["图层"]) == {"地类图斑"}
    assert results["图斑数据质检"].table("errors", labels="zh").index[0] == 1  # 序号 from 1


def test_report_pdf_tables_show_unit_note_and_failed_indicators(report):
    from xigeo.report.pages import table_pages

    built, results = report
    assert "未达标指标" in built.tables["企业用地评价"].columns
    pits = built.tables["矿坑"]
    fig = table_pages("关停矿坑地形与治理表", pits)[0]
    texts = {t.get_gid(): t.get_text() for t in fig.texts}
    assert texts["xigeo-table-unit"] == "面积单位：公顷" and "面积加权" in texts["xigeo-table-note"]


def test_round_printed_largest_remainder():
    """Worked by hand: three thirds of a hectare print 0.33 each, the 合计 1.00: the row with the
    largest remainder gets the missing 0.01 (all equal here: the first); nested totals keep the
    inner group's rows."""
    t = pd.DataFrame({"a_ha": [1 / 3, 1 / 3, 1 / 3, 1.0]}, index=["甲", "乙", "丙", "合计"])
    body = np.array([True, True, True, False])
    assert round_printed(t, {"a_ha": 2}, [("合计", body)])["a_ha"].tolist() == [0.34, 0.33, 0.33, 1.0]
    # remainders 0.004, 0.0049, 0.001 (rounded down) → the 0.0049 row goes up; negative: down
    t = pd.DataFrame({"a_ha": [1.004, 2.0049, 3.001, 6.0099]}, index=["甲", "乙", "丙", "合计"])
    assert round_printed(t, {"a_ha": 2}, [("合计", body)])["a_ha"].tolist() == [1.0, 2.01, 3.0, 6.01]
    t = pd.DataFrame({"a_ha": [1.006, 2.0051, 3.009, 6.0201]}, index=["甲", "乙", "丙", "合计"])
    assert round_printed(t, {"a_ha": 2}, [("合计", body)])["a_ha"].tolist() == [1.01, 2.0, 3.01, 6.02]
    # nested: 已批准合计 over 甲乙 first (0.67 = 0.34 + 0.33), then 合计 over all: 丙 takes the rest
    t = pd.DataFrame({"a_ha": [1 / 3, 1 / 3, 1 / 3, 2 / 3, 1.0]}, index=["甲", "乙", "丙", "已批准合计", "合计"])
    inner = np.array([True, True, False, False, False])
    outer = np.array([True, True, True, False, False])
    got = round_printed(t, {"a_ha": 2}, [("已批准合计", inner), ("合计", outer)])["a_ha"].tolist()
    assert got == [0.34, 0.33, 0.33, 0.67, 1.0]
    # a ratio total is rounded as it is (not a sum of its rows); a count column becomes Int64
    t = pd.DataFrame({"rate_pct": [10.0, 20.0, 30.0, 15.555], "n": [1.0, 2.0, np.nan, 3.0]},
                     index=["甲", "乙", "丙", "合计"])
    out = round_printed(t, {"rate_pct": 2, "n": 0}, [("合计", body)])
    assert out["rate_pct"].tolist() == [10.0, 20.0, 30.0, 15.56] and str(out["n"].dtype) == "Int64"
    assert unit_line(["area_km2"]) == "面积单位：平方公里"


#: what is never summed in a 合计 row: elevations, slopes, ratios and percentages, thicknesses,
#: distances, control values, coefficients, years, ids and codes
NOT_SUMMED = ("高程", "坡度(度", "(%)", "率", "比例", "比重", "厚度", "运距", "控制值", "系数", "年份",
              "编号", "代码", "等级")


def test_no_total_sums_an_elevation_a_ratio_or_an_id(report):
    """In every totalled table, a column whose 合计 is the sum of its rows is a sum that means
    something (areas, volumes, money, counts): never one of NOT_SUMMED."""
    _, results = report
    summed_somewhere = set()
    for label, r, name, spec, zh in _zh_tables(results):
        if spec.total is None:
            continue
        en = r.table(name, total=True)
        shown = [c for c in en.columns if c not in spec.hidden_zh]
        for total_label, rows in r._total_groups(name, en):
            if rows.sum() < 2:
                continue
            at = list(en.index).index(total_label)
            for c_en, c_zh in zip(shown, zh.columns):
                if not pd.api.types.is_numeric_dtype(en[c_en]) or pd.api.types.is_bool_dtype(en[c_en]):
                    continue
                raw = pd.to_numeric(en[c_en], errors="coerce").to_numpy(dtype=float)
                if not np.isfinite(raw[at]) or abs(raw[at] - np.nansum(raw[rows])) > 1e-7 * max(1.0, abs(raw[at])):
                    continue
                if np.count_nonzero(np.nan_to_num(raw[rows])) < 2:
                    continue  # one non-zero row: its total is itself whatever the column is
                summed_somewhere.add(c_zh)
                assert not any(w in c_zh for w in NOT_SUMMED), (label, total_label, c_zh)
    # and the sums that are there: e.g. the pits' areas, the linkage zone counts, the money
    assert {"面积(公顷)", "拆旧区个数", "投资(万元)", "调运土方量(立方米)"} <= summed_somewhere
