"""``xigeo sheets``, ``fit-transform``, ``transform`` and ``zone`` (click CliRunner, files in tmp_path).

The figures are those of the library functions (tested in test_sheets.py,
test_datum.py, test_zones.py); here: the commands write what they say, in
Chinese first, and refuse bad or existing outputs before changing anything.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from click.testing import CliRunner
from shapely import box

from xigeo.cli import cli, main
from xigeo.datum import read_params
from xigeo.io import read_layer, write_layer
from xigeo._excel import read_table

TRUE4 = {"dx_m": -48.213, "dy_m": 87.904, "rotation_arcsec": 2.37, "scale_ppm": 4.6}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def parcels(tmp_path):
    path = tmp_path / "地块.gpkg"
    write_layer(gpd.GeoDataFrame({"DKBH": ["A", "B"]}, geometry=[
        box(38_548_000, 3_579_000, 38_549_000, 3_580_000),
        box(38_590_000, 3_590_000, 38_590_500, 3_590_500)], crs=4526), path)
    return path


def _points_csv(tmp_path, n=6):
    rng = np.random.default_rng(4)
    src = np.column_stack([rng.uniform(38_537_000, 38_594_000, n), rng.uniform(3_553_000, 3_609_000, n)])
    helmert = pyproj.Transformer.from_pipeline(
        f"+proj=helmert +x={TRUE4['dx_m']} +y={TRUE4['dy_m']} +theta={TRUE4['rotation_arcsec']} "
        f"+s={1 + TRUE4['scale_ppm'] * 1e-6}")
    dst = np.column_stack(helmert.transform(*src.T))
    path = tmp_path / "公共点.csv"
    rows = ["点号,源X,源Y,目标X,目标Y"] + [f"G{i},{s[1]:.4f},{s[0]:.4f},{d[1]:.4f},{d[0]:.4f}"
                                     for i, (s, d) in enumerate(zip(src, dst))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_sheets_command_prints_and_writes(parcels, tmp_path):
    gpkg, xlsx = tmp_path / "图幅.gpkg", tmp_path / "图幅.xlsx"
    result = run("sheets", parcels, "--scale", "10000", "--id", "DKBH", "-o", gpkg, "--xlsx", xlsx,
                 "--labels", "zh")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "地块.gpkg：1:10000比例尺图幅2幅" in lines[0] and "map sheets" not in result.output
    assert "图幅理论面积(平方米)" in result.output
    written = read_layer(gpkg, layer="sheets")
    assert len(written) >= 2 and written["sheet"].str.match(r"^I50G\d{6}$").all()
    book = read_table(xlsx, sheet_name=None, index_col=None)
    assert list(book) == ["摘要", "图幅清单", "要素所在图幅"]
    assert set(book["要素所在图幅"]["要素编号"]) == {"A", "B"}


def test_sheets_refuses_before_reading(parcels, tmp_path, capsys):
    out = tmp_path / "图幅.xlsx"
    out.write_bytes(b"old")
    assert main(["sheets", str(parcels), "--xlsx", str(out)]) == 1
    assert "已存在" in capsys.readouterr().err and out.read_bytes() == b"old"
    assert main(["sheets", str(parcels), "--scale", "20000"]) == 1
    assert "scale='20000' 不是国家基本比例尺地形图的比例尺" in capsys.readouterr().err
    assert main(["sheets", str(parcels), "-o", str(parcels)]) == 1
    assert "是本命令的输入文件" in capsys.readouterr().err
    assert main(["--lang", "en", "sheets", str(parcels), "-o", str(parcels)]) == 1
    assert "is an input of this command" in capsys.readouterr().err


def test_fit_transform_then_transform(parcels, tmp_path):
    csv = _points_csv(tmp_path)
    toml = tmp_path / "参数.toml"
    result = run("fit-transform", csv, "--kind", "4", "-o", toml)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4参数转换：公共点6个")
    p = read_params(toml)
    assert p.kind == "4" and p.source_crs is None
    # the CSV keeps 0.1 mm: rotation and scale come back to 1e-3″ and 1e-2 ppm; the shifts (at
    # the origin, 3,500 km from the points) to 5 cm, as the rotation's last digits move them
    assert p.values["rotation_arcsec"] == pytest.approx(TRUE4["rotation_arcsec"], abs=1e-3)
    assert p.values["scale_ppm"] == pytest.approx(TRUE4["scale_ppm"], abs=1e-2)
    assert p.values["dx_m"] == pytest.approx(TRUE4["dx_m"], abs=0.05)
    assert p.values["dy_m"] == pytest.approx(TRUE4["dy_m"], abs=0.05)
    # the parcels are CGCS2000 here, but the file has no CRS: --to says what the result is
    out = tmp_path / "结果.gpkg"
    result = run("transform", parcels, "--params", toml, "--to", "4526", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("已转换 2 个要素（4 参数），坐标系 EPSG:4526")
    moved = read_layer(out)
    a = shapely.get_coordinates(read_layer(parcels).geometry.values)
    b = shapely.get_coordinates(moved.geometry.values)
    helmert = pyproj.Transformer.from_pipeline(
        f"+proj=helmert +x={TRUE4['dx_m']} +y={TRUE4['dy_m']} +theta={TRUE4['rotation_arcsec']} "
        f"+s={1 + TRUE4['scale_ppm'] * 1e-6}")
    expected = np.column_stack(helmert.transform(*a.T))
    assert moved.crs.to_epsg() == 4526 and np.abs(b - expected).max() < 0.01


def test_transform_without_to_names_the_flag(parcels, tmp_path, capsys):
    toml = tmp_path / "参数.toml"
    toml.write_text('kind = "4"\n[parameters]\n' + "".join(f"{k} = {v}\n" for k, v in TRUE4.items()),
                    encoding="utf-8")
    out = tmp_path / "结果.gpkg"
    assert main(["transform", str(parcels), "--params", str(toml), "-o", str(out)]) == 1
    assert "--to 4526" in capsys.readouterr().err and not out.exists()
    bad = tmp_path / "坏.toml"
    bad.write_text('kind = "4"\n[parameters]\ndx_m = 1\n', encoding="utf-8")
    assert main(["transform", str(parcels), "--params", str(bad), "--to", "4526", "-o", str(out)]) == 1
    assert "坏.toml：[parameters] 缺少 dy_m, rotation_arcsec, scale_ppm" in capsys.readouterr().err
    assert not out.exists()


def test_fit_transform_bad_csv_and_existing_output(tmp_path, capsys):
    csv = tmp_path / "公共点.csv"
    csv.write_text("点号,X,Y\nG1,1,2\n", encoding="utf-8")
    assert main(["fit-transform", str(csv)]) == 1
    assert "缺少 源X, 源Y, 目标X, 目标Y 列" in capsys.readouterr().err
    good = _points_csv(tmp_path)
    toml = tmp_path / "参数.toml"
    toml.write_text("old", encoding="utf-8")
    assert main(["fit-transform", str(good), "-o", str(toml)]) == 1
    assert "已存在" in capsys.readouterr().err and toml.read_text(encoding="utf-8") == "old"
    assert main(["fit-transform", str(good), "--kind", "7"]) == 1
    assert "--source-crs 2362 --target-crs 4526" in capsys.readouterr().err


def test_zone_command(parcels, tmp_path, capsys):
    # the parcels (114.51–114.96°E) lie beyond zone 39's reach (115.0–119.0°E): refused, naming
    # the flag for their own zone, nothing written
    assert main(["zone", str(parcels), "--zone", "39", "-o", str(tmp_path / "39带.gpkg")]) == 1
    assert "它位于 3 度带第 38 带。修正：--zone 38" in capsys.readouterr().err
    assert not (tmp_path / "39带.gpkg").exists()
    # into the 6° zone 20 (CM 117°E, 114–120°E): EPSG:4498
    out = tmp_path / "20带.gpkg"
    result = run("zone", parcels, "--zone", "20", "--width", "6", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("已换带：2 个要素") and "EPSG:4498" in result.output
    assert read_layer(out).crs.to_epsg() == 4498
    plain = tmp_path / "无带号.gpkg"
    assert run("zone", parcels, "--no-prefix", "-o", plain).exit_code == 0
    x = shapely.get_coordinates(read_layer(plain).geometry.values)[:, 0]
    assert read_layer(plain).crs.to_epsg() == 4547 and x.max() < 1_000_000
    before = out.read_bytes()
    assert main(["zone", str(parcels), "--zone", "20", "--width", "6", "-o", str(out)]) == 1
    assert "已存在" in capsys.readouterr().err and out.read_bytes() == before
    assert main(["zone", str(parcels), "--central-meridian", "116", "-o", str(tmp_path / "x.gpkg")]) == 1
    assert "不是 3° 带的中央经线" in capsys.readouterr().err
