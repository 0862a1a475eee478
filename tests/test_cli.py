"""Tests of the ``xigeo`` command line (click CliRunner) on small layers written here.

Expected areas: a 100 m × 150 m GK rectangle near the county seat; its survey
ellipsoidal area comes from xigeo.area (tested against published oracles in
test_area.py), and its planar area is 15 000 m² by construction.
"""

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely import box

import xigeo
from xigeo.cli import cli, main
from xigeo._excel import read_table

X0, Y0 = 38_560_000.0, 3_580_000.0


@pytest.fixture
def layer(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"XMMC": ["挂钩项目甲", "挂钩项目甲", "挂钩项目乙"], "DKBH": ["J-1", "J-2", "Y-1"]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 150), box(X0 + 200, Y0, X0 + 300, Y0 + 150),
                  box(X0 + 400, Y0, X0 + 500, Y0 + 150)],
        crs=4526,
    )
    path = tmp_path / "建新区.shp"
    xigeo.write_layer(gdf, path)
    return path, gdf


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_area_summary_by_field_in_mu(layer):
    path, gdf = layer
    result = run("area", str(path), "--by", "XMMC", "--unit", "亩")
    assert result.exit_code == 0, result.output
    expected = xigeo.area(gdf, unit="mu").groupby(gdf["XMMC"]).sum()
    assert "挂钩项目甲" in result.output and "挂钩项目乙" in result.output
    assert f"{expected['挂钩项目甲']:,.2f}" in result.output
    # planar 15 000 m² = 22.5 mu; the ellipsoidal area is about 1.2 m²/ha smaller
    assert expected["挂钩项目乙"] == pytest.approx(22.5, abs=0.01)


def test_area_per_feature_to_xlsx(layer, tmp_path):
    path, gdf = layer
    out = tmp_path / "面积.xlsx"
    result = run("area", str(path), "--per-feature", "--id", "DKBH", "--unit", "ha", "-o", str(out))
    assert result.exit_code == 0, result.output
    table = read_table(out, index_col=0)  # the workbook has Chinese headers
    assert list(table.index) == ["J-1", "J-2", "Y-1"]
    expected = xigeo.area(gdf.set_index("DKBH"), unit="ha")
    assert table["面积(公顷)"].tolist() == pytest.approx(expected.tolist(), abs=1e-9)


def test_missing_field_and_missing_file_one_line_errors(layer, capsys):
    path, _ = layer
    assert main(["area", str(path), "--by", "NOPE"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("xigeo: 错误：") and "NOPE" in err and "XMMC" in err
    assert "Traceback" not in err
    assert main(["area", str(path.with_name("没有.shp"))]) == 1
    assert "没有.shp" in capsys.readouterr().err


def test_bad_crs_is_one_line(tmp_path, capsys):
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[box(X0, Y0, X0 + 10, Y0 + 10)], crs=4547)
    path = tmp_path / "wrong.gpkg"
    xigeo.write_layer(gdf, path)
    assert main(["area", str(path)]) == 1
    err = capsys.readouterr().err
    assert "带有带号 38" in err and "4526" in err and len(err.strip().splitlines()) == 1


def test_validate_reports_problems(tmp_path):
    gdf = gpd.GeoDataFrame({"XMMC": ["甲", "乙"]},
                           geometry=[box(X0, Y0, X0 + 10, Y0 + 10), None], crs=4526)
    path = tmp_path / "v.gpkg"
    xigeo.write_layer(gdf, path)
    result = CliRunner().invoke(cli, ["validate", str(path), "--required", "DKBH"])
    assert result.exit_code == 1
    assert "DKBH" in result.output
    assert "problem" in result.output
    ok = CliRunner().invoke(cli, ["validate", str(path.with_name("v.gpkg")), "--required", "XMMC"])
    assert ok.exit_code == 1  # the null geometry is still a problem


def test_help_has_examples():
    for command in ("area", "validate", "sample", "coords", "demo"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert command in result.output
    assert "示例" in run("area", "--help").output
    assert "Examples" in run("--lang", "en", "area", "--help").output


def _commands(group, prefix=()):
    """Every command path of the CLI: ("area",), ("coords", "import") …"""
    import click

    for name, command in group.commands.items():
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def test_top_level_help_lists_each_command_once_and_every_help_has_examples():
    lines = run("--help").output.split("命令:")[1].strip().splitlines()
    listed = [line.split()[0] for line in lines if not line.startswith("    ")]
    assert listed == sorted(cli.commands)  # each command once
    assert len(listed) == 23  # 13 + adjust, tables (15) + sheets, fit-transform, transform, zone (18) + prepare, warmup (14) + changes (19) + check (16)
    for path in _commands(cli):
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        assert "示例：" in result.output, path


def _refused(argv, output, capsys, before):
    """``xigeo argv`` exits 1 with one line naming ``output`` and --overwrite; nothing changed."""
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("xigeo: 错误："), err
    assert str(output) in err and "--overwrite" in err
    assert output.read_bytes() == before


@pytest.mark.parametrize("name", ["面积.csv", "面积.xlsx"])
def test_area_refuses_an_existing_output_before_reading(layer, tmp_path, capsys, name):
    path, gdf = layer
    out = tmp_path / "out" / name
    out.parent.mkdir()
    out.write_bytes(b"an earlier table")
    # the layer does not exist: the output is checked first, so that is the error
    _refused(["area", str(tmp_path / "没有.shp"), "-o", str(out)], out, capsys, b"an earlier table")
    _refused(["area", str(path), "--by", "XMMC", "-o", str(out)], out, capsys, b"an earlier table")
    assert [p.name for p in out.parent.iterdir()] == [name]  # no temp files
    assert main(["area", str(path), "--by", "XMMC", "--unit", "亩", "-o", str(out),
                 "--overwrite"]) == 0
    table = (pd.read_csv(out, index_col=0, encoding="utf-8-sig") if name.endswith(".csv")
             else read_table(out, index_col=0))
    expected = xigeo.summarize_area(xigeo.read_layer(path), by="XMMC", unit="mu")
    column = "area_mu" if name.endswith(".csv") else "面积(亩)"  # the workbook: Chinese headers
    assert table[column].to_dict() == pytest.approx(expected["area_mu"].to_dict(), abs=1e-9)
    assert table[column]["挂钩项目乙"] == pytest.approx(22.5, abs=0.01)  # 15 000 m²
    assert [p.name for p in out.parent.iterdir()] == [name]
    capsys.readouterr()
    bad = tmp_path / "out" / "面积.txt"
    assert main(["area", str(tmp_path / "没有.shp"), "-o", str(bad)]) == 1  # suffix, before reading
    assert "表格请写为 .csv 或 .xlsx" in capsys.readouterr().err and not bad.exists()


def test_sample_copy_refuses_existing_files_and_replaces_them_with_overwrite(tmp_path, capsys):
    from xigeo import sample

    folder = tmp_path / "练习"
    folder.mkdir()
    target = folder / "linkage_newbuild.dbf"
    target.write_bytes(b"my own edits")
    _refused(["sample", "copy", str(folder)], target, capsys, b"my own edits")
    assert [p.name for p in folder.iterdir()] == ["linkage_newbuild.dbf"]  # nothing copied
    assert main(["sample", "copy", str(folder), "--overwrite"]) == 0
    source = sample.path("linkage_newbuild").with_suffix(".dbf")
    assert target.read_bytes() == source.read_bytes()
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in source.parent.iterdir() if p.is_file())
    assert not [n for n in names if n.startswith(".")]  # no temp files


def test_report_refuses_existing_outputs_before_computing(tmp_path, capsys):
    from xigeo import sample

    pdf, xlsx = tmp_path / "图集.pdf", tmp_path / "表格.xlsx"
    xlsx.write_bytes(b"an earlier workbook")
    # no DATA: the whole sample would be computed; the existing workbook is refused first
    _refused(["report", "-o", str(pdf), "--xlsx", str(xlsx), "--quiet"], xlsx, capsys,
             b"an earlier workbook")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["表格.xlsx"]
    gpkg = tmp_path / "县数据.gpkg"
    for name in ("stripping_sources", "stripping_receivers"):
        sample.load(name).to_file(gpkg, layer=name)
    assert main(["report", str(gpkg), "-o", str(pdf), "--xlsx", str(xlsx), "--quiet",
                 "--overwrite"]) == 0
    figures = read_table(xlsx, sheet_name="主要指标", index_col=None)
    assert figures["报告值"].tolist() == [500]  # DOMAIN.md: 500 mu stripped in phase 1
    assert pdf.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["图集.pdf", "县数据.gpkg", "表格.xlsx"])


def test_demo_help_says_it_replaces_its_own_files():
    text = " ".join(run("--lang", "en", "demo", "--help").output.split())
    assert "replaces report.pdf and tables.xlsx in its own output folder" in text
    assert "--overwrite" in text  # it needs none


def test_sample_list_and_copy(tmp_path):
    from xigeo import sample

    listed = run("sample", "list").output.splitlines()
    assert [line.split()[0] for line in listed] == list(sample.available)
    result = run("sample", "copy", str(tmp_path / "练习"))
    assert result.exit_code == 0
    assert (tmp_path / "练习" / "linkage_newbuild.shp").exists()
    again = CliRunner().invoke(cli, ["sample", "copy", str(tmp_path / "练习")])
    assert again.exit_code == 1 and "README.md 已存在" in str(again.exception)


def test_demo_refuses_a_report_it_did_not_write(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.pdf").write_text("the bureau's own report")
    assert main(["demo", "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "report.pdf 已存在" in err and "--overwrite" in err
    assert (tmp_path / "out" / "report.pdf").read_text() == "the bureau's own report"


def test_demo_prints_and_writes_the_seed_figures(tmp_path):
    from xigeo.cli.demo import foreign_files

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.pdf").write_text("an earlier report")  # replaced: --overwrite
    result = run("demo", "-o", str(tmp_path / "out"), "--overwrite")
    assert result.exit_code == 0, result.output

    # DOMAIN.md, the seed's figures: linkage 395.42 / 853.72 / 490.77 ha, 1,506 mu saved,
    # pre-review 1,525 / 1,286 / 239 mu
    for text in ("395.42", "853.72", "490.77", "22,374.70", "1,506", "1,286", "239", "23 项指标中 23 项"):
        assert text in result.output
    # the report (xigeo.report.build_report; tests/test_report.py checks its pages and sheets)
    pdf, book = tmp_path / "out" / "report.pdf", tmp_path / "out" / "tables.xlsx"
    # 28 pages and 18 sheets before the change survey (issue 19: 2 maps + 2 ledger pages; 4 sheets)
    # and the quality checks (issue 16: the map of the findings, the counts by rule; 2 sheets)
    # and (issue 17) the enforcement section (map + 2 table pages; 3 sheets), the 10 section
    # opening pages and the pre-review detail maps of its 3 projects on farmland (34 + 3 + 10 + 3)
    assert f"已写出 {pdf.resolve()}（50 页）" in result.output
    assert f"已写出 {book.resolve()}（27 个工作表）" in result.output
    # the 三调 tables after the control-area adjustment (issue 15): the study area's 20,797.50 ha
    # (Σ TBMJ of the sample, sample_shapefiles/README.md), every level summing to its control
    assert "控制面积平差：县1个、乡镇8个、村170个控制单位" in result.output
    assert "国土调查总面积20,797.50公顷" in result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    figures = read_table(book, sheet_name="主要指标", index_col=None)
    assert figures["与公报一致"].eq("是").all() and len(figures) == 23
    prereview = read_table(book, sheet_name="用地预审项目", index_col=0)
    assert prereview.loc["合计", "申报面积(亩)"] == pytest.approx(1_525.00, abs=1e-4)
    assert foreign_files(tmp_path / "out") == []  # a second `xigeo demo` replaces them unasked
    book.write_bytes(b"edited by hand")
    assert foreign_files(tmp_path / "out") == [book]  # now it would need --overwrite


def test_crs_option_labels_a_file_without_prj(tmp_path, capsys):
    """--crs is read_layer's crs=: a shapefile whose .prj is missing gets it (shared CLI option)."""
    from xigeo.cli import main
    from xigeo.io import write_layer

    from xigeo import sample

    layer = sample.load("linkage_newbuild")
    with_prj = write_layer(layer, tmp_path / "有prj.shp")
    path = write_layer(layer, tmp_path / "建新区.shp")
    path.with_suffix(".prj").unlink()
    assert main(["area", str(path)]) == 1
    err = capsys.readouterr().err
    assert "没有坐标系" in err and "--crs 建新区.shp=EPSG:4526" in err
    assert main(["area", str(with_prj), "--unit", "ha"]) == 0
    expected = capsys.readouterr().out
    assert main(["area", str(path), "--crs", "EPSG:4526", "--unit", "ha"]) == 0
    # the same survey areas as the file with its .prj (476.04 ha: every new-build zone)
    assert capsys.readouterr().out == expected and "476.04" in expected
    assert main(["validate", str(path), "--crs", "EPSG:4526"]) == 0


@pytest.mark.parametrize("command", [
    ["stripping", "{src}", "{rec}", "-o", "{src}"],            # the flow lines over a source layer
    ["check-farmland", "{src}", "{jbnt}", "-o", "{jbnt}"],      # the pieces into the farmland file
    ["area", "{src}", "-o", "{src_csv}"],                      # a file given as input, another kind
])
def test_an_input_is_never_an_output_even_with_overwrite(tmp_path, capsys, command):
    """With --overwrite an existing output is replaced, but never a file the command reads."""
    from xigeo import sample
    from xigeo.cli import main
    from xigeo.io import write_layer

    src = write_layer(sample.load("stripping_sources"), tmp_path / "剥离区.shp")
    rec = write_layer(sample.load("stripping_receivers"), tmp_path / "接收区.shp")
    jbnt = write_layer(sample.load("jbnt"), tmp_path / "基本农田.gpkg")
    csv = tmp_path / "面积.csv"
    csv.write_text("an input")
    names = {"src": src, "rec": rec, "jbnt": jbnt, "src_csv": csv}
    args = [a.format(**{k: str(v) for k, v in names.items()}) for a in command]
    if command[0] == "area":  # the csv is an input of the command (as the layer's path)
        args = ["area", str(csv), "-o", str(csv)]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main([*args, "--overwrite"]) == 1
    err = capsys.readouterr().err
    assert "是本命令的输入文件" in err and "--overwrite 对此无效" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_missing_id_in_the_id_field_names_the_field(tmp_path, capsys):
    """check-farmland --id JXQBH with a blank JXQBH: the error names the field and the rows, and the
    fix is to fill it in (not a Python call)."""
    from xigeo import sample
    from xigeo.cli import main
    from xigeo.io import write_layer

    parcels = sample.load("linkage_newbuild")
    parcels.loc[parcels.index[2], "JXQBH"] = None
    path = write_layer(parcels, tmp_path / "建新区.gpkg")
    jbnt = write_layer(sample.load("jbnt"), tmp_path / "基本农田.gpkg")
    assert main(["check-farmland", str(path), str(jbnt), "--id", "JXQBH"]) == 1
    err = capsys.readouterr().err
    assert "缺少 JXQBH" in err and "位置：2" in err and "JXQBH" in err.split("解决：")[1]
    assert "set_index" not in err


def test_errors_name_the_fix_for_the_interface_in_use():
    """errors.fix gives the CLI flag while a command runs and the keyword otherwise, and the
    CLI's setting does not leak into later Python calls in the same process."""
    import click
    from click.testing import CliRunner

    from xigeo.cli import cli
    from xigeo.errors import fix

    seen = []

    @cli.command("_probe", hidden=True)
    def _probe() -> None:
        seen.append(fix("crs='EPSG:4490'", "--crs EPSG:4490"))
        click.echo("ok")

    try:
        result = CliRunner().invoke(cli, ["_probe"])
    finally:
        cli.commands.pop("_probe")
    assert result.exit_code == 0, result.output
    assert seen == ["--crs EPSG:4490"]
    assert fix("crs='EPSG:4490'", "--crs EPSG:4490") == "crs='EPSG:4490'"
    assert fix("crs='EPSG:4490'") == "crs='EPSG:4490'"
