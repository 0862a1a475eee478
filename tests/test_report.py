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
                                                                           "国土变更调查", "图斑数据质检"}
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
    assert len(maps) == 10
    assert result.pages[0] == "主要指标汇总"
    # as designed on the sample: summary 1, overview 1+2 (一级分类, 耕地坡度分级; the 二级 and
    # 三大类 tables are too wide for a page: workbook only), linkage 1+3, consolidation 1+1,
    # pre-review 1+1+3 (62 rows), industrial 1+1+3 (81 rows), mine park 1+2, stripping 1+3,
    # change survey 2+2 (the two ledgers; the transition and patch tables are workbook only);
    # quality checks (issue 16) 1+1: the map of the findings and the counts by rule (the list
    # of findings is in the workbook only)
    assert len(reader.pages) == 34
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
    assert len(book) == 24  # 18 + the change survey's 4 (issue 19) + the quality checks' counts by rule and list of findings (16)
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
    level1 = book["一级分类面积"].set_index("单位代码")
    county = level1.iloc[0]
    assert county["级别"] == "县" and len(level1) == 1 + 8
    assert county["国土调查总面积"] == pytest.approx(dltb["TBMJ"].sum() / 1e4, abs=0.005)
    assert county["国土调查总面积"] == pytest.approx(level1["国土调查总面积"].iloc[1:].sum(), abs=1e-9)
    farmland_ha = dltb.loc[dltb["DLBM"].str.startswith("01"), "TBDLMJ"].sum() / 1e4
    assert county["耕地(01)"] == pytest.approx(farmland_ha, abs=0.005)  # 田坎 not counted as 耕地
    level2 = book["二级分类面积"].set_index("单位代码")
    assert level2.iloc[0]["田坎(1203)"] == pytest.approx(dltb["KCMJ"].sum() / 1e4, abs=0.011)
    assert {"三大类面积", "耕地坡度分级面积"} <= set(book)


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
    with pytest.raises(LayerReadError, match=r"'jbnt' \(mapping key \"layers\.jbnt\"\)"):
        build_report(folder, pdf=None, xlsx=tmp_path / "t.xlsx", mapping=partial)
    wrong = {"layers": {**mapping["layers"], "jbnt": "没有这个文件.shp"}}
    with pytest.raises(LayerReadError, match=r'"layers\.jbnt" points at .*没有这个文件\.shp'):
        build_report(folder, pdf=None, xlsx=tmp_path / "t.xlsx", mapping=wrong)
    no_field = {"layers": mapping["layers"], "fields": {"prereview": {"XMBH": "项目号"}}}
    with pytest.raises(SchemaError, match=r"项目号 \(fields\.prereview\.XMBH\)"):
        build_report(folder, pdf=None, xlsx=tmp_path / "t.xlsx", mapping=no_field)
    assert not (tmp_path / "t.xlsx").exists()


def test_mapping_file_is_checked():
    with pytest.raises(ValueError, match=r'"layers\.土地" is not a xigeo layer name'):
        read_mapping({"layers": {"土地": "a.shp"}})
    with pytest.raises(ValueError, match=r'"fields\.dltb" must map'):
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
    with pytest.raises(ValueError, match="unknown topic"):
        headline_figures(layers, topics=["矿山"])


# ---------------------------------------------------------------- command line

def test_cli_report_on_sample_quiet_and_refuses_to_overwrite(tmp_path):
    pdf, xlsx = tmp_path / "x.pdf", tmp_path / "y.xlsx"
    result = CliRunner().invoke(report_command, ["-o", str(pdf), "--xlsx", str(xlsx), "--quiet"])
    assert result.exit_code == 0, result.output
    # quiet: only the files written (no table, no progress bar)
    assert result.output.splitlines() == [f"wrote {pdf.resolve()}", f"wrote {xlsx.resolve()}"]
    assert len(pypdf.PdfReader(str(pdf)).pages) == 34
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
    assert bad.exit_code == 1 and "use a .pdf file name" in bad.output
