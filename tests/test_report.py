"""The report: PDF atlas + Excel tables from the sample, a folder with a mapping, a GeoPackage.

Expected figures are the seed's (DOMAIN.md, "The seed's figures"; the sample's
README defines how each is computed from the layers): linkage 395.42 / 853.72 /
490.77 ha, consolidation 22,374.70 / 2,847.31 ha, pre-review 1,525 / 1,286 /
239 mu, 1,506 mu saved in the industrial cluster, mine park 2.28 km², 500 mu of
topsoil stripped.
"""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from xigeo import sample
from xigeo.cli.report import report_command
from xigeo.errors import LayerReadError, LayerWriteError, SchemaError
from xigeo.io import write_layer
from xigeo.headline import PUBLISHED, headline_figures
from xigeo.report import SECTIONS, build_report, read_mapping
from xigeo._excel import read_table

pypdf = pytest.importorskip("pypdf")

SEED_TEXTS = ("395.42", "853.72", "490.77", "22,374.70", "2,847.31", "1,525", "1,286", "239",
              "1,506", "2.28", "500")


def _fonts(reader) -> list[tuple[str, str, list[str]]]:
    """(subtype, base font, font-file keys) of every font of every page."""
    out = []
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            f = ref.get_object()
            files: list[str] = []
            for d in [x.get_object() for x in f.get("/DescendantFonts", [])] + [f]:
                if "/FontDescriptor" in d:
                    files += [k for k in d["/FontDescriptor"].get_object() if k.startswith("/FontFile")]
            out.append((str(f.get("/Subtype")), str(f.get("/BaseFont")), files))
    return out


#: the calculators (module, function) whose calls the sample report counts
COUNTED = [("prereview", "prereview"), ("farmland", "farmland_overlap"), ("prereview", "farmland_overlap"),
           ("linkage", "linkage_balance"), ("consolidation", "consolidation_summary"),
           ("industrial", "industrial_intensity"), ("minepark", "minepark_summary"),
           ("stripping", "stripping_plan")]


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    import importlib

    out = tmp_path_factory.mktemp("report")
    calls: list[tuple[int, int, str]] = []
    counted: collections.Counter[str] = collections.Counter()
    with pytest.MonkeyPatch.context() as patch:
        for module_name, func in COUNTED:
            module = importlib.import_module(f"xigeo.{module_name}")
            original = getattr(module, func)

            def counting(*args, _original=original, _func=func, **kwargs):
                counted[_func] += 1
                return _original(*args, **kwargs)

            patch.setattr(module, func, counting)
        result = build_report(None, pdf=out / "report.pdf", xlsx=out / "tables.xlsx",
                              progress=lambda done, total, step: calls.append((done, total, step)),
                              date="2026年11月", maker="息县自然资源局")
    result.calls = dict(counted)  # type: ignore[attr-defined]
    return result, calls


def test_sample_report_runs_each_calculator_once(sample_report):
    """Issue 12: maps, tables and headline figures share one result per calculator
    (before: prereview 3x, farmland_overlap 4x, industrial_intensity 4x, the stripping LP 3x)."""
    result, _ = sample_report
    assert result.calls == {"prereview": 1, "farmland_overlap": 1, "linkage_balance": 1,
                            "consolidation_summary": 1, "industrial_intensity": 1,
                            "minepark_summary": 1, "stripping_plan": 1}
    assert set(result.results) == {s.topic for s in SECTIONS if s.topic} | {"控制面积平差", "土地利用现状",
                                                                           "国土变更调查", "图斑数据质检",
                                                                           "卫片执法检查"}
    # the land-use section: patches adjusted to the sample's control layers, then the 三调 tables
    adjusted = result.results["控制面积平差"]
    assert adjusted.passed and adjusted.levels == ("county", "township", "village")
    assert result.results["土地利用现状"].passed


# ---------------------------------------------------------------- the sample report

def test_sample_pdf_pages_summary_and_fonts(sample_report):
    result, _ = sample_report
    reader = pypdf.PdfReader(str(result.pdf))
    # contents page + the pages listed on it; all sections present, one map each, two for
    # the change survey (issue 19: the sample has a second survey year, dltb_2025)
    assert result.sections == [s.key for s in SECTIONS]
    assert len(reader.pages) == 1 + len(result.pages)
    maps = [p for p in result.pages if "：" in p]
    # the pre-review overview plus a detail page for each of its 3 projects on farmland (all
    # under 5 mm at the overview's 1:120 000: xigeo.maps.farmland_overlap_maps), and the
    # enforcement map (issue 17)
    assert len(maps) == 14
    assert sum("局部放大图" in p for p in maps) == 3
    assert result.pages[0] == "主要指标汇总"
    # as designed on the sample: summary 1, overview 1+2 (一级分类, 耕地坡度分级; the 二级 and
    # 三大类 tables are too wide for a page: workbook only), linkage 1+3, consolidation 1+1,
    # pre-review 1+3+1+3 (overview, 3 project detail maps; 62 rows), industrial 1+1+3 (81 rows), mine park 1+2, stripping 1+3,
    # change survey 2+2 (the two ledgers; the transition and patch tables are workbook only);
    # quality checks (issue 16) 1+1: the map of the findings and the counts by rule (the list
    # of findings is in the workbook only); enforcement (issue 17) 1+2: the map, the counts by
    # township (8 rows) and the 24 suspected violations (the list of all 38 patches is in the
    # workbook only); and each of the 10 sections opens with its summary page (issue 17)
    assert len(reader.pages) == 34 + 3 + 10 + 3  # + the 3 pre-review detail maps
    qc = [i for i, p in enumerate(result.pages) if p.startswith("图斑数据质检按规则统计")]
    assert result.pages[qc[0]] == "图斑数据质检按规则统计（未发现错误）"
    assert "未发现错误" in reader.pages[1 + qc[0]].extract_text()
    contents = reader.pages[0].extract_text()
    for title in ("目", "主要指标汇总", "城乡建设用地增减挂钩项目分布图", "矿山公园地质环境治理示意图",
                  "表土剥离与再利用示意图", "建设项目用地预审项目表（续）"):
        assert title in contents
    summary = reader.pages[1].extract_text()
    assert "主要指标汇总" in summary
    for text in SEED_TEXTS + ("城乡建设用地增减挂钩", "土地综合整治", "濮公山矿山公园", "表土剥离"):
        assert text in summary, text
    assert "否" not in summary  # every figure agrees with the published one (一致 = 是)
    text = "".join(p.extract_text() for p in reader.pages)
    for title in ("土地利用现状图", "增减挂钩项目面积与指标表", "土地综合整治项目表",
                  "企业用地控制指标评价表", "关停矿坑地形与治理表", "表土调运方案表"):
        assert title in text
    fonts = _fonts(reader)
    assert fonts and all(files == ["/FontFile2"] for _, _, files in fonts), fonts
    assert not any(sub == "/Type3" for sub, _, _ in fonts)
    assert any("XigeoNotoSansSC" in name for _, name, _ in fonts)


def test_progress_steps(sample_report):
    _, calls = sample_report
    total = calls[0][1]
    assert [c[0] for c in calls] == list(range(total + 1))
    assert calls[0][2] == "读取图层" and calls[-1] == (total, total, "完成")
    assert "写出PDF图集" in [c[2] for c in calls]


def test_workbook_sheets_headers_totals_and_headline(sample_report):
    result, _ = sample_report
    book = read_table(result.xlsx, sheet_name=None, index_col=None)
    assert list(book) == list(result.tables)
    assert len(book) == 27  # 18 + the change survey's 4 (issue 19) + the quality checks' counts by rule and list of findings (16) + enforcement's 3 (17)
    headline = book["主要指标"]
    assert len(headline) == 23
    assert headline["报告值"].tolist() == headline["公报值"].tolist()
    assert headline["公报值"].tolist() == [
        PUBLISHED[(t, f)].published for t, f in zip(headline["专题"], headline["指标"])]
    assert (headline["与公报一致"] == "是").all()
    # Chinese headers with units, and the 合计 row where the calculator totals its table
    with_units = {"增减挂钩项目": "节余指标(公顷)",
                  "土地综合整治": "建设规模(公顷)", "用地预审项目": "申报面积(亩)",
                  "企业用地评价": "可节约用地面积(亩)", "矿坑": "面积(公顷)",
                  "表土剥离区": "剥离面积(亩)", "表土调运": "调运土方量(立方米)",
                  "耕地占补平衡": "建设占用耕地(公顷)", "耕地进出平衡": "平衡(公顷)"}
    for sheet, column in with_units.items():
        table = book[sheet].set_index(book[sheet].columns[0])
        assert column in table.columns, sheet
        assert table.index[-1] == "合计", sheet
    linkage = book["增减挂钩项目"].set_index("项目名称")
    assert linkage.loc["已批准合计", "节余指标(公顷)"] == pytest.approx(490.77, abs=0.005)
    assert linkage.loc["已批准合计", "建新区面积(公顷)"] == pytest.approx(395.42, abs=0.005)
    consolidation = book["土地综合整治"].set_index("项目编号")
    assert consolidation.loc["合计", "建设规模(公顷)"] == pytest.approx(22_374.70, abs=0.005)
    prereview = book["用地预审项目"].set_index("项目编号")
    assert prereview.loc["合计", "申报面积(亩)"] == pytest.approx(1_525, abs=0.005)
    stripping = book["表土剥离区"].set_index("剥离区编号")
    assert stripping.loc["合计", "剥离面积(亩)"] == pytest.approx(500, abs=0.005)
    # the land-use section: the 三调 tables after the control-area adjustment (issue 15). Expected
    # figures worked here from the sample's attribute table: Σ TBMJ, Σ TBDLMJ of 01xx, Σ KCMJ
    dltb = sample.load("dltb")
    level1 = result.tables["一级分类面积"]  # the sheet's table, laid out officially in the workbook
    county = level1.iloc[0]
    assert county["级别"] == "县" and len(level1) == 1 + 8
    assert county["国土调查总面积"] == pytest.approx(dltb["TBMJ"].sum() / 1e4, abs=0.005)
    assert county["国土调查总面积"] == pytest.approx(level1["国土调查总面积"].iloc[1:].sum(), abs=1e-9)
    farmland_ha = dltb.loc[dltb["DLBM"].str.startswith("01"), "TBDLMJ"].sum() / 1e4
    assert county["耕地(01)"] == pytest.approx(farmland_ha, abs=0.005)  # 田坎 not counted as 耕地
    level2 = result.tables["二级分类面积"]
    assert level2.iloc[0]["田坎(1203)"] == pytest.approx(dltb["KCMJ"].sum() / 1e4, abs=0.011)
    assert {"三大类面积", "耕地坡度分级面积"} <= set(book)
    # the 三调 sheets in the official layout (xigeo.landuse_tables.to_excel's): title row naming the
    # county, 面积单位 row, 单位名称/单位代码 columns, the figures as the table prints them
    import openpyxl

    ws = openpyxl.load_workbook(result.xlsx)["一级分类面积"]
    assert ws["A1"].value == "息县（示例调查区）土地利用现状一级分类面积汇总表"
    # row 2: 填表单位 (the report's bureau) on the left, the unit in the last cells on the right
    assert ws["A2"].value == "填表单位：息县自然资源局"
    assert [c.value for c in ws[2] if c.value is not None][-1] == "面积单位：公顷"
    assert ws["A3"].value == "单位名称" and ws["B3"].value == "单位代码"
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] is not None}
    assert rows["411528"][0] == "息县（示例调查区）"
    assert rows["411528"][2] == pytest.approx(county["国土调查总面积"], abs=1e-9)
    assert [rows[str(code)][2] for code in level1.index[1:]] == pytest.approx(
        level1["国土调查总面积"].iloc[1:].tolist(), abs=1e-9)


# ---------------------------------------------------------------- other data

def _copy_shapefile(name: str, target: Path) -> None:
    for part in sample.data_dir().glob(f"{name}.*"):
        shutil.copy(part, target.with_suffix(part.suffix))


@pytest.fixture(scope="module")
def own_folder(tmp_path_factory):
    """Pre-review and stripping layers under the county's own names; one field renamed."""
    folder = tmp_path_factory.mktemp("县数据")
    (folder / "预审").mkdir()
    # a dBase field name holds at most 10 bytes: 编号 (6 bytes in UTF-8)
    projects = sample.load("prereview").rename(columns={"XMBH": "编号"})
    write_layer(projects, folder / "预审" / "预审项目.shp")
    sample.load("jbnt").to_file(folder / "基本农田.gpkg", layer="JBNT")
    _copy_shapefile("stripping_sources", folder / "剥离区.shp")
    _copy_shapefile("stripping_receivers", folder / "接收区.shp")
    mapping = {"layers": {"prereview": "预审/预审项目.shp",
                          "jbnt": {"path": "基本农田.gpkg", "layer": "JBNT"},
                          "stripping_sources": "剥离区.shp", "stripping_receivers": "接收区.shp"},
               "fields": {"prereview": {"XMBH": "编号"}}}
    (folder / "图层对照.json").write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    return folder, mapping


def _figures(result) -> dict[str, float]:
    return dict(zip(result.headline["figure"], result.headline["reported"]))


def test_folder_with_mapping_gives_the_same_figures(own_folder, tmp_path):
    folder, _ = own_folder
    result = build_report(folder, pdf=tmp_path / "r.pdf", xlsx=tmp_path / "t.xlsx",
                          mapping=folder / "图层对照.json")
    assert result.sections == ["prereview", "stripping"]
    figures = _figures(result)
    # DOMAIN.md: 61 projects / 1,525 mu received, 55 / 1,286 passed, 6 / 239 cut; 500 mu stripped
    assert figures == {"受理项目数": 61, "受理面积": 1525, "通过项目数": 55, "通过面积": 1286,
                       "核减项目数": 6, "核减面积": 239, "一期剥离面积": 500}
    assert "published" not in result.headline.columns  # not the sample: nothing to compare with
    reader = pypdf.PdfReader(str(result.pdf))
    assert len(reader.pages) == 1 + len(result.pages)
    assert "1,525" in reader.pages[1].extract_text()
    with pd.ExcelFile(result.xlsx) as book:
        assert set(book.sheet_names) == {
            "主要指标", "用地预审汇总", "用地预审项目", "表土剥离区", "表土接收区", "表土调运"}


def test_missing_required_layer_names_layer_and_mapping_key(own_folder, tmp_path):
    folder, mapping = own_folder
    partial = {"layers": {k: v for k, v in mapping["layers"].items() if k != "jbnt"},
               "fields": mapping["fields"]}
    with pytest.raises(LayerReadError, match=r"'jbnt'（映射键 \"layers\.jbnt\"）"):
        build_report(folder, pdf=None, xlsx=tmp_path / "t.xlsx", mapping=partial)
    wrong = {"layers": {**mapping["layers"], "jbnt": "没有这个文件.shp"}}
    with pytest.raises(LayerReadError, match=r'"layers\.jbnt" 指向 .*没有这个文件\.shp，该文件不存在'):
        build_report(folder, pdf=None, xlsx=tmp_path / "t.xlsx", mapping=wrong)
    no_field = {"layers": mapping["layers"], "fields": {"prereview": {"XMBH": "项目号"}}}
    with pytest.raises(SchemaError, match=r"没有字段 项目号（fields\.prereview\.XMBH）"):
        build_report(folder, pdf=None, xlsx=tmp_path / "t.xlsx", mapping=no_field)
    assert not (tmp_path / "t.xlsx").exists()


def test_mapping_file_is_checked():
    with pytest.raises(ValueError, match=r'"layers\.土地" 不是 xigeo 的图层名'):
        read_mapping({"layers": {"土地": "a.shp"}})
    with pytest.raises(ValueError, match=r'"fields\.dltb" 应把 xigeo 字段名对应到你的字段名'):
        read_mapping({"fields": {"dltb": ["DLBM"]}})


def test_geopackage_data(tmp_path):
    gpkg = tmp_path / "县数据.gpkg"
    for name in ("stripping_sources", "stripping_receivers"):
        sample.load(name).to_file(gpkg, layer=name)
    result = build_report(gpkg, pdf=None, xlsx=tmp_path / "t.xlsx")
    assert result.sections == ["stripping"] and result.pdf is None
    assert _figures(result) == {"一期剥离面积": 500}  # DOMAIN.md: 500 mu stripped in phase 1


def test_headline_topics_subset():
    layers = {n: sample.load(n) for n in ("stripping_sources", "stripping_receivers")}
    table = headline_figures(layers, topics=["表土剥离"])
    assert table["figure"].tolist() == ["一期剥离面积"] and table["reported"].tolist() == [500]
    with pytest.raises(ValueError, match="未知专题 矿山"):
        headline_figures(layers, topics=["矿山"])


# ---------------------------------------------------------------- command line

def test_cli_report_on_sample_quiet_and_refuses_to_overwrite(tmp_path):
    pdf, xlsx = tmp_path / "x.pdf", tmp_path / "y.xlsx"
    result = CliRunner().invoke(report_command, ["-o", str(pdf), "--xlsx", str(xlsx), "--quiet"])
    assert result.exit_code == 0, result.output
    # quiet: only the files written (no table, no progress bar)
    assert result.output.splitlines() == [f"已写出 {pdf.resolve()}", f"已写出 {xlsx.resolve()}"]
    assert len(pypdf.PdfReader(str(pdf)).pages) == 50  # as test_sample_pdf_pages_summary_and_fonts
    assert read_table(xlsx, sheet_name="主要指标", index_col=None)["报告值"].iloc[8] == 395.42
    before = pdf.stat().st_mtime_ns
    again = CliRunner().invoke(report_command, ["-o", str(pdf), "--xlsx", str(xlsx)])
    assert again.exit_code != 0
    assert isinstance(again.exception, LayerWriteError) and "--overwrite" in str(again.exception)
    assert pdf.stat().st_mtime_ns == before


def test_cli_report_prints_table_without_progress_when_not_a_terminal(tmp_path):
    gpkg = tmp_path / "县数据.gpkg"
    for name in ("stripping_sources", "stripping_receivers"):
        sample.load(name).to_file(gpkg, layer=name)
    result = CliRunner().invoke(report_command, [str(gpkg), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 0, result.output
    assert "一期剥离面积" in result.output and "500" in result.output
    assert "生成报告" not in result.output  # CliRunner is not a terminal: no progress bar
    assert (tmp_path / "r.pdf").exists()
    bad = CliRunner().invoke(report_command, [str(gpkg), "-o", str(tmp_path / "r.txt")])
    assert bad.exit_code == 1 and "r.txt：请使用 .pdf 文件名" in bad.output


# ---------------------------------------------------------------- a document to sign (issue 17)

def _page_texts(path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(str(path)).pages]


def _squash(text: str) -> str:
    return "".join(text.split())


def test_title_page_names_county_year_and_bureau(sample_report):
    """The sample fixture passes maker="息县自然资源局" (the 制图单位, as before) and date
    2026年11月; the sample's county defaults to 息县, the year comes from the date."""
    result, _ = sample_report
    title = _page_texts(result.pdf)[0]
    assert "息县2026年节约集约用地工作报告图集" in title
    assert "息县自然资源局" in title and "2026年11月" in title
    assert "样例数据" not in title and "sample" not in title
    assert result.settings.county == "息县" and result.settings.bureau == "息县自然资源局"


def test_each_section_opens_with_its_summaries(sample_report):
    result, _ = sample_report
    texts = _page_texts(result.pdf)
    opening = [i for i, p in enumerate(result.pages) if "、" in p[:3]]
    assert [result.pages[i] for i in opening] == [
        f"{n}、{s.title}" for n, s in zip("一二三四五六七八九十", SECTIONS)]
    topics = {s.key: s.topic for s in SECTIONS}
    own = {"overview": ["控制面积平差", "土地利用现状"], "qc": ["图斑数据质检"],
           "changes": ["国土变更调查"], "enforcement": ["卫片执法检查"]}
    for key, i in zip(result.sections, opening):
        page = _squash(texts[1 + i])
        names = own.get(key, [topics[key]])
        for name in names:  # the paragraph is the result's own Chinese summary, all of it
            assert _squash(result.results[name].summary("zh")) in page, (key, name)
        # then the section's maps and tables with their page numbers: the next page is the map
        following = result.pages[i + 1]
        assert following.partition("：")[2] in texts[1 + i]
        assert f"{following.partition('：')[2]}{i + 3}" in _squash(texts[1 + i])


def test_enforcement_section_pages_and_tables(sample_report):
    """Expected counts from the sample's README (tests/test_enforcement.py::test_sample_changes):
    38 change patches, 24 suspected violations, 8 of them on permanent basic farmland."""
    result, _ = sample_report
    assert result.sections[-1] == "enforcement"
    texts = _page_texts(result.pdf)
    pages = result.pages
    start = pages.index("十、卫片执法检查")
    assert pages[start + 1:] == ["卫片执法检查：息县2026年卫片执法检查图斑分布图",
                                 "卫片执法检查图斑分乡镇统计表", "卫片执法检查疑似违法用地图斑表"]
    assert "未批占用永久基本农田" in texts[1 + start + 1]  # the map's legend
    r = result.results["卫片执法检查"]
    by_township = result.tables["卫片图斑分乡镇统计"]
    assert by_township.loc["合计", "图斑个数"] == 38 and by_township.loc["合计", "疑似违法图斑个数"] == 24
    assert by_township.loc["合计", "占永久基本农田图斑个数"] == 8
    suspected = result.tables["疑似违法图斑"]
    assert len(suspected) == 24 + 1 and suspected.index[-1] == "合计"
    # its 合计 is the sum of its own 24 rows (not of all 38 patches), printed to 0.01 ha,
    # and the printed rows add up to it
    own = r.changes.loc[r.changes["grade"] > 0, "unapproved_ha"].sum()
    assert suspected.loc["合计", "未批准面积(公顷)"] == pytest.approx(round(own, 2))
    assert suspected["未批准面积(公顷)"].iloc[:-1].sum() == pytest.approx(round(own, 2))
    assert suspected.iloc[0]["判定"] == "疑似违法占用永久基本农田"  # most serious first
    assert len(result.tables["卫片图斑"]) == 38 + 1
    table_page = texts[1 + start + 3]
    assert "卫片执法检查疑似违法用地图斑表" in table_page and "合计" in table_page


def test_signoff_block_on_every_map_page(sample_report):
    result, _ = sample_report
    texts = _page_texts(result.pdf)
    maps = [i for i, p in enumerate(result.pages) if "：" in p]
    for i in maps:
        text = texts[1 + i]
        for line in ("制图单位：息县自然资源局", "制图日期：2026年11月", "坐标系：2000国家大地坐标系（EPSG:4526）",
                     "投影：高斯-克吕格投影 3度带 第38带 中央经线114°", "制图人：", "审核人：",
                     "数据来源："):
            assert line in text, (result.pages[i], line)
        assert "息县2026年" in text  # the title names the county and the year
        # the height datum only on the map with the DEM (the mine park)
        assert ("高程基准：1985国家高程基准" in text) == ("矿山公园" in result.pages[i]), result.pages[i]


@pytest.fixture
def stripping_gpkg(tmp_path):
    folder = tmp_path / "县数据"
    folder.mkdir()
    gpkg = folder / "县数据.gpkg"
    for name in ("stripping_sources", "stripping_receivers"):
        sample.load(name).to_file(gpkg, layer=name)
    (folder / "xigeo.toml").write_text(
        'county = "甲县"\nbureau = "甲县自然资源局"\nauthor = "张三"\nreviewer = "李四"\n'
        'year = 2025\ndate = "2025年12月"\ndata_source = "甲县三调成果"\n', encoding="utf-8")
    return gpkg


def test_build_report_settings_file_and_keyword_precedence(stripping_gpkg, tmp_path):
    toml = stripping_gpkg.parent / "xigeo.toml"
    result = build_report(stripping_gpkg, pdf=tmp_path / "r.pdf", settings=toml, maker="乙局")
    texts = _page_texts(result.pdf)
    # title page: county and year from the file, the bureau from the keyword (keyword > file)
    assert "甲县2025年节约集约用地工作报告图集" in texts[0] and "乙局" in texts[0]
    assert "甲县自然资源局" not in texts[0] and "县数据" not in texts[0]
    map_page = texts[1 + result.pages.index("表土剥离与再利用：甲县2025年表土剥离与再利用示意图")]
    for line in ("制图单位：乙局", "制图人：张三", "审核人：李四", "制图日期：2025年12月",
                 "数据来源：甲县三调成果；"):  # the county's data, then the map's own layers
        assert line in map_page
    # without settings: no county (not the sample), the date defaults to this month
    plain = build_report(stripping_gpkg, pdf=tmp_path / "p.pdf")
    assert plain.settings.county is None
    assert "节约集约用地工作报告图集" in _page_texts(plain.pdf)[0]


def test_cli_report_config_found_in_data_folder_and_flags_win(stripping_gpkg, tmp_path):
    from xigeo.cli import cli

    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(cli, ["report", str(stripping_gpkg), "-o", str(out),
                                      "--reviewer", "王五", "--year", "2026"])
    assert result.exit_code == 0, result.output
    assert f"使用设置文件 {stripping_gpkg.parent / 'xigeo.toml'}" in result.stderr
    texts = _page_texts(out)
    assert "甲县2026年节约集约用地工作报告图集" in texts[0]  # --year over the file's 2025
    map_text = "".join(t for t in texts if "制图单位" in t)
    assert "审核人：王五" in map_text and "制图人：张三" in map_text  # flag > file
    # --no-config: the file is not read
    out2 = tmp_path / "r2.pdf"
    plain = CliRunner().invoke(cli, ["report", str(stripping_gpkg), "-o", str(out2), "--no-config"])
    assert plain.exit_code == 0, plain.output
    assert "甲县" not in _page_texts(out2)[0] and "使用设置文件" not in plain.stderr


def test_cli_report_bad_settings_file_names_file_key_and_writes_nothing(stripping_gpkg, tmp_path,
                                                                         capsys):
    from xigeo.cli import main
    from xigeo.errors import OptionError

    bad = tmp_path / "坏设置.toml"
    bad.write_text('county = "甲县"\nyaer = 2026\n', encoding="utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    out = tmp_path / "r.pdf"
    assert main(["report", str(stripping_gpkg), "-o", str(out), "--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "坏设置.toml：未知键 yaer（可用的键：county, bureau" in err, err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written
    # a flag with a bad value is named as a flag
    result = CliRunner().invoke(report_command, [str(stripping_gpkg), "-o", str(out), "--no-config",
                                                 "--logo", str(tmp_path / "徽标.jpg")])
    assert isinstance(result.exception, OptionError)
    assert "请把图标存为 PNG" in str(result.exception)
    assert not out.exists()


def test_cli_map_config_title_paper_and_flags(stripping_gpkg, tmp_path):
    from xigeo.cli import cli

    layer = tmp_path / "剥离区.gpkg"
    sample.load("stripping_sources").to_file(layer)
    toml = stripping_gpkg.parent / "xigeo.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'paper = "A3"\n', encoding="utf-8")
    out = tmp_path / "图.pdf"
    result = CliRunner().invoke(cli, ["map", str(layer), "-o", str(out), "--title", "表土剥离区分布图",
                                      "--config", str(toml), "--author", "赵六"])
    assert result.exit_code == 0, result.output
    page = pypdf.PdfReader(str(out)).pages[0]
    text = page.extract_text()
    for line in ("甲县2025年表土剥离区分布图", "制图单位：甲县自然资源局", "制图人：赵六", "审核人：李四"):
        assert line in text
    # A3 from the file: 297 x 420 mm (either orientation) in points
    size = sorted(round(float(v) / 72 * 25.4) for v in (page.mediabox.width, page.mediabox.height))
    assert size == [297, 420]
    a4 = tmp_path / "图4.pdf"
    result = CliRunner().invoke(cli, ["map", str(layer), "-o", str(a4), "--title", "图",
                                      "--config", str(toml), "--paper", "A4"])
    assert result.exit_code == 0, result.output
    page = pypdf.PdfReader(str(a4)).pages[0]
    assert sorted(round(float(v) / 72 * 25.4) for v in (page.mediabox.width, page.mediabox.height)) \
        == [210, 297]  # --paper > file


def test_build_report_paper_and_scale_from_settings(stripping_gpkg, tmp_path):
    from xigeo.settings import ReportSettings

    # at 1:100 000 the map fits an A3 frame (at 1:20 000 or 1:50 000 it does not, and the map
    # moves up to a larger paper, as tests/test_maps_layout.py checks)
    s = ReportSettings(county="甲县", year=2025, paper="A3", scale=100000)
    result = build_report(stripping_gpkg, pdf=tmp_path / "r.pdf", settings=s)
    reader = pypdf.PdfReader(str(result.pdf))
    i = 1 + result.pages.index("表土剥离与再利用：甲县2025年表土剥离与再利用示意图")
    page = reader.pages[i]
    # A3 is 297 x 420 mm (ISO 216); the page size in points / 72 * 25.4
    assert sorted(round(float(v) / 72 * 25.4) for v in (page.mediabox.width, page.mediabox.height)) \
        == [297, 420]
    assert "比例尺  1:100 000" in page.extract_text()
