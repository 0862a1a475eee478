"""Catalogue of bad input (issue 13): every case a real file written in tmp_path or a call.

Each test asserts the error or warning class, the file, rows or line it names, the fix
where the user is (a keyword in Python, a flag in the CLI), and that nothing on disk
changed. Where a figure is asserted, the test says where the expected number comes from.

The catalogue behind it (issue 13, geometry/reading/coords part), tried through the
Python API and the CLI before the fixes: 302 runs — 9 area/summary calls, 39 calculator
calls (None/point/empty rows in 9 calculators, 12 empty layers), 192 CLI runs (48
command × option pairs, 4 bad values each), 33 more CLI runs (map, adjust, tables, report),
17 reading faults, 5 coordinate files, 7 others — plus 2,000 fuzzed coordinate files
(tests/test_coords_fuzz.py).

- already handled (a clear error naming file/rows, or a right result): 230 — e.g. 24 of 27
  calculator runs with None/point/empty rows (refused; the other 3 are landuse_tables,
  whose figures come from TBDLMJ and did not change), 5 of 6 GeoParquet metadata faults,
  176 of the 192 CLI option runs.
- fixed here: 52 — bow-tie area (2,499.70 m² for 4,166.17) and CLI, NaN coordinates
  (ZeroDivisionError), rows without area left out of summarize_area / ``xigeo area``
  silently, ``--per-feature --unit m2`` (AttributeError), an empty layer in summarize_area
  ("cannot convert float NaN"), validate_layer, farmland ×2, prereview ×2, enforcement ×2,
  linkage ×2 (KeyError 'zone'), consolidation/industrial (nan%), minepark, write_coords;
  duplicate ids in a field, a 地块编号 twice, a block repeated, an open ring refused with
  no way round; a .cpg / code-page byte of cp1252, ANSI 1252, ISO-8859-1, latin1 over GBK;
  a damaged GeoPackage blob; GeoParquet "point" encoding over WKB (AttributeError);
  PermissionError and ENOSPC while reading; a zip bomb (ratio, total); map --dpi 0/-5 and
  --scale nan/inf (tracebacks), --scale 0/-5; stripping --depth-field (ignored ×4); area
  --id without --per-feature (ignored ×4). The fuzz test found 2 more crashes, fixed
  (MemoryError on a 19-digit easting, OverflowError on a huge ring number).
- left: 19 — free-text options accepted as given (tables --year ×5, map/report --date ×6),
  linkage --approved values that match no status (×4: every zone reads as unapproved,
  visible in the result) and --county-field without --county (×4: unused).
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString, Point, Polygon, box

import xigeo
from xigeo.cli import main
from xigeo.errors import ValidationError, XigeoWarning

X0, Y0 = 38_569_600.0, 3_579_800.0


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its content hash: compared before and after a refusal."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_cli(*args: str) -> tuple[int, str]:
    """Run ``xigeo`` as the console script does (main: errors become one line)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue() + err.getvalue()


# a bow-tie: the ring (0,0) → (100,100) → (100,0) → (0,50) → back crosses itself
BOWTIE = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 50)])


def _scale_m2() -> float:
    """Ellipsoidal m² per planar m² here: a 100 m square's two areas (valid input)."""
    sq = gpd.GeoSeries([box(X0, Y0, X0 + 100, Y0 + 100)], crs=4526)
    return float(xigeo.area(sq, survey_rules=False).iloc[0]) / 10_000.0


# --- geometry in totals: invalid polygons ----------------------------------------------

def test_bowtie_is_refused_by_area_and_summary_naming_the_row():
    layer = gpd.GeoDataFrame({"DLBM": ["0101", "0103"]},
                             geometry=[box(X0, Y0, X0 + 10, Y0 + 10), BOWTIE],
                             index=["XJ-01", "XJ-02"], crs=4526)
    for call in (lambda: xigeo.area(layer), lambda: xigeo.summarize_area(layer, by="DLBM")):
        with pytest.raises(ValidationError, match=r"1 个无效的面.*XJ-02: Self-intersection.*"
                                                  r"repair='make_valid'") as info:
            call()
        assert info.value.problems == ["XJ-02"]


def test_bowtie_with_repair_measures_the_repaired_shape_and_reports_the_change():
    layer = gpd.GeoSeries([BOWTIE], index=["XJ-02"], crs=4526)
    with pytest.warns(XigeoWarning, match=r"1 个无效的面已修复.*XJ-02: "):
        got = xigeo.area(layer, repair="make_valid", survey_rules=False)
    report = got.attrs["repaired"]
    # expected: the repaired shape is the two triangles either side of the crossing point
    # (x = 100·50/150 ... solved below); the stored ring's shoelace area is their difference
    fixed = shapely.make_valid(BOWTIE)
    tri_m2 = [float(xigeo.area(gpd.GeoSeries([p], crs=4526), survey_rules=False).iloc[0])
              for p in shapely.get_parts(fixed)]
    assert got["XJ-02"] == pytest.approx(sum(tri_m2), abs=1e-6)
    # the two triangles, planar: crossing point of (0,0)-(100,100) and (100,0)-(0,50) is
    # (100/3, 100/3); left triangle (0,0),(100/3,100/3),(0,50): 50·(100/3)/2 = 833.33;
    # right (100/3,100/3),(100,100),(100,0): 100·(200/3)/2 = 3333.33
    scale = _scale_m2()
    assert got["XJ-02"] == pytest.approx((2500 / 3 + 10_000 / 3) * scale, rel=1e-5)
    assert report.loc["XJ-02", "area_before_m2"] == pytest.approx((10_000 / 3 - 2500 / 3) * scale,
                                                                   rel=1e-5)
    # with the survey rules, the figures the issue reported: 2,499.70 m² as stored, 4,166.17 repaired
    with pytest.warns(XigeoWarning, match="2,499.70 → 4,166.17 m²"):
        assert xigeo.area(layer, repair="make_valid")["XJ-02"] == 4166.17
    assert report.loc["XJ-02", "change_m2"] == pytest.approx(2 * 2500 / 3 * scale, rel=1e-5)
    with pytest.raises(xigeo.OptionError, match="repair='fix'.*make_valid"):
        xigeo.area(layer, repair="fix")


def test_nan_coordinates_are_refused_not_zero_division():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        nan = Polygon([(X0, Y0), (np.nan, Y0), (X0 + 5, Y0 + 5)])
    layer = gpd.GeoSeries([box(X0, Y0, X0 + 1, Y0 + 1), nan], index=["a", "b"], crs=4526)
    for call in (lambda: xigeo.area(layer), lambda: xigeo.summarize_area(layer),
                 lambda: xigeo.area(layer, repair="make_valid")):
        # the CRS guard sees them first (coordinates are checked before anything is measured)
        with pytest.raises(xigeo.CRSError, match=r"1 行（行号：b）的坐标不是有限值（NaN 或无穷大）"):
            call()


# --- geometry in totals: rows without a polygonal area ---------------------------------

def _mixed_layer() -> gpd.GeoDataFrame:
    geoms = [box(X0 + 20 * i, Y0, X0 + 20 * i + 10, Y0 + 10) for i in range(25)]
    geoms[7] = None
    geoms[9] = Polygon()
    geoms[11] = Point(X0, Y0)
    geoms[12] = LineString([(X0, Y0), (X0 + 5, Y0)])
    return gpd.GeoDataFrame({"DLBM": ["0101"] * 25}, geometry=geoms, crs=4526)


def test_summarize_area_counts_and_names_rows_without_area():
    layer = _mixed_layer()
    with pytest.warns(XigeoWarning, match="25 个要素中 21 个已量算；第 7 行无几何；第 9 行几何为空；"
                                          "第 11, 12 行不是面"):
        table = xigeo.summarize_area(layer, unit="m2")
    assert table.attrs["note"]["en"] == ("21 of 25 features measured; row 7 has no geometry; "
                                         "row 9 has an empty geometry; rows 11, 12 have no polygon "
                                         "(a point or line)")
    assert table.attrs["unmeasured"] == {"none": [7], "empty": [9], "not_polygon": [11, 12]}
    # expected total: the 21 squares, each measured alone by area()
    squares = layer.geometry[[i for i in range(25) if i not in (7, 9, 11, 12)]]
    assert table["count"].iloc[0] == 21
    assert table["area_m2"].iloc[0] == pytest.approx(
        float(xigeo.area(gpd.GeoSeries(squares, crs=4526), survey_rules=True).sum()), abs=0.05)


def test_cli_area_prints_the_rows_left_out(tmp_path):
    path = tmp_path / "mixed.gpkg"
    _mixed_layer().to_file(path)
    before = snapshot(tmp_path)
    with pytest.warns(XigeoWarning, match="25 个要素中 21 个已量算"):
        code, out = run_cli("area", str(path), "--unit", "m2")
    assert code == 0, out
    assert "注：25 个要素中 21 个已量算；第 7 行无几何" in out
    code, out = run_cli("area", str(path), "--per-feature", "--unit", "m2")
    assert code == 0, out  # was: AttributeError (the m2 column twice)
    assert "第 7 行无几何" in out
    assert snapshot(tmp_path) == before


def test_cli_area_bowtie_refused_then_repaired_with_the_flag(tmp_path):
    path = tmp_path / "bowtie.gpkg"
    gpd.GeoDataFrame({"DLBM": ["0103"]}, geometry=[BOWTIE], crs=4526).to_file(path)
    before = snapshot(tmp_path)
    code, out = run_cli("area", str(path))
    assert code == 1 and out.startswith("xigeo: 错误：") and "--repair" in out
    assert "repair='make_valid'" not in out  # the CLI user gets the flag, not the keyword
    with pytest.warns(XigeoWarning, match="已修复"):
        code, out = run_cli("area", str(path), "--repair", "--unit", "m2")
    assert code == 0, out
    assert "第 0 行无效面已修复" in out and "2,499.70 → 4,166.17 平方米" in out
    assert snapshot(tmp_path) == before


def test_empty_layer_summary_is_refused():
    empty = gpd.GeoDataFrame({"DLBM": []}, geometry=[], crs=4526)
    with pytest.raises(ValidationError, match="没有要素（0 个要素）：空图层永远不算通过"):
        xigeo.summarize_area(empty)
    with xigeo.using_language("en"), pytest.raises(ValidationError, match="has no features.*never a pass"):
        xigeo.summarize_area(empty)


def test_cli_warnings_are_one_line():
    from xigeo.cli import _warnings_as_lines

    with _warnings_as_lines():
        text = warnings.formatwarning(XigeoWarning("a.shp: 第 7 行无几何"), XigeoWarning, "x.py", 1)
        other = warnings.formatwarning(RuntimeWarning("r"), RuntimeWarning, "x.py", 1)
    assert text == "xigeo: 警告：a.shp: 第 7 行无几何\n"
    assert "RuntimeWarning" in other
    assert "xigeo: 警告" not in warnings.formatwarning(XigeoWarning("m"), XigeoWarning, "x.py", 1)


# --- empty layers: never a pass ----------------------------------------------------------

@pytest.fixture(scope="module")
def sample_layers():
    from xigeo import sample

    return {n: sample.load(n) for n in ("dltb", "jbnt", "linkage_demolition", "linkage_newbuild",
                                        "consolidation", "prereview", "industrial", "changes",
                                        "approvals")}


def test_empty_layers_are_refused_by_every_check(sample_layers):
    L = sample_layers
    e = {k: v.iloc[:0] for k, v in L.items()}
    cases = [
        ("jbnt.shp 没有要素", lambda: xigeo.farmland_overlap(L["prereview"], e["jbnt"])),
        ("prereview.shp 没有要素", lambda: xigeo.farmland_overlap(e["prereview"], L["jbnt"])),
        ("jbnt.shp 没有要素", lambda: xigeo.prereview(L["prereview"], farmland=e["jbnt"])),
        ("prereview.shp 没有要素", lambda: xigeo.prereview(e["prereview"], farmland=L["jbnt"])),
        ("changes.shp 没有要素", lambda: xigeo.enforcement_check(
            e["changes"], approvals=L["approvals"], farmland=L["jbnt"], landuse=L["dltb"])),
        ("jbnt.shp 没有要素", lambda: xigeo.enforcement_check(
            L["changes"], approvals=L["approvals"], farmland=e["jbnt"], landuse=L["dltb"])),
        # was: KeyError 'zone'
        ("linkage_demolition.shp 没有要素", lambda: xigeo.linkage_balance(
            e["linkage_demolition"], L["linkage_newbuild"], landuse=L["dltb"], farmland=L["jbnt"])),
        ("dltb.shp 没有要素", lambda: xigeo.linkage_balance(
            L["linkage_demolition"], L["linkage_newbuild"], landuse=e["dltb"], farmland=L["jbnt"])),
        # were: "新增耕地率nan%" and "投资强度nan万元/公顷"
        ("consolidation.shp 没有要素", lambda: xigeo.consolidation_summary(e["consolidation"])),
        ("industrial.shp 没有要素", lambda: xigeo.industrial_intensity(e["industrial"])),
    ]
    for expected, call in cases:
        with pytest.raises(ValidationError, match=f"{expected}.*空图层永远不算通过"):
            call()


def test_minepark_without_a_park_outline_is_refused():
    from xigeo import sample

    park, pits, rest = (sample.load(n) for n in ("minepark", "minepark_pits", "minepark_restoration"))
    with pytest.raises(ValidationError, match="minepark.shp 没有要素（0 个"):
        xigeo.minepark_summary(park.iloc[:0], pits, rest, dem=sample.path("minepark_dem"))


def test_an_empty_layer_does_not_validate(tmp_path):
    path = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"JXQBH": []}, geometry=[], crs=4526).to_file(path)
    before = snapshot(tmp_path)
    problems = xigeo.validate_layer(xigeo.read_layer(path), strict=False)
    assert [p.kind for p in problems] == ["empty_layer"]
    code, out = run_cli("validate", str(path))
    assert code == 1 and "没有要素：空图层不能通过检查" in out
    assert snapshot(tmp_path) == before


# --- duplicate ids ---------------------------------------------------------------------

def test_validate_checks_id_fields_not_only_the_index(tmp_path):
    geoms = [box(X0 + 20 * i, Y0, X0 + 20 * i + 10, Y0 + 10) for i in range(4)]
    path = tmp_path / "jxq.gpkg"
    gpd.GeoDataFrame({"JXQBH": ["J1", "J2", "J1", None]}, geometry=geoms, crs=4526).to_file(path)
    before = snapshot(tmp_path)
    gdf = xigeo.read_layer(path)
    with pytest.raises(ValidationError) as info:
        xigeo.validate_layer(gdf, id_field="JXQBH")
    text = str(info.value)
    assert "2 行的 JXQBH 重复：J1（行号：0, 2）" in text and "1 行没有 JXQBH：行号：3" in text
    code, out = run_cli("validate", str(path), "--id", "JXQBH")
    assert code == 1 and "J1（行号：0, 2）" in out
    code, out = run_cli("--lang", "en", "validate", str(path), "--id", "JXQBH")
    assert code == 1 and "2 rows share a JXQBH: J1 (rows 0, 2)" in out and "2 problem(s)" in out
    code, out = run_cli("validate", str(path), "--required", "JXQBH")
    assert code == 0  # --required asks only that the field exists; --id asks for unique ids
    assert snapshot(tmp_path) == before


# --- the ministry coordinate exchange file ---------------------------------------------

COORDS_HEADER = """[属性描述]
格式版本号=1.01
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=38
[地块坐标]
"""  # 8 lines: the first attribute line is line 9


def _parcel(dkbh: str, dx: float = 0.0, closed: bool = True) -> str:
    """A 150 m × 100 m rectangle (1.5 ha), shifted ``dx`` m east."""
    pts = [(3579900, 38569600), (3579900, 38569750), (3579800, 38569750), (3579800, 38569600)]
    if closed:
        pts.append(pts[0])
    lines = [f"{len(pts)},1.5,{dkbh},地块,面,,拆旧区,0702,@"]
    lines += [f"J{i % 4 + 1},1,{x:.3f},{y + dx:.3f}" for i, (x, y) in enumerate(pts)]
    return "\n".join(lines) + "\n"


def test_coords_same_parcel_number_twice_is_refused(tmp_path):
    path = tmp_path / "坐标.txt"
    path.write_text(COORDS_HEADER + _parcel("XJ-01") + _parcel("XJ-01", dx=500), encoding="gbk")
    before = snapshot(tmp_path)
    with pytest.raises(xigeo.CoordsFileError,
                       match=r"坐标.txt，第 15 行：地块编号 'XJ-01' 用了两次（第一次在第 9 行）"):
        xigeo.read_coords(path)
    out = tmp_path / "out.gpkg"
    code, text = run_cli("coords", "import", str(path), "-o", str(out))
    assert code == 1 and "用了两次" in text and not out.exists()
    assert snapshot(tmp_path) == before


def test_coords_repeated_block_is_refused(tmp_path):
    path = tmp_path / "坐标.txt"
    path.write_text(COORDS_HEADER + _parcel("XJ-01") + _parcel("XJ-02"), encoding="gbk")
    with pytest.raises(xigeo.CoordsFileError,
                       match=r"第 15 行：该地块的点与第 9 行地块的点重复"):
        xigeo.read_coords(path)


def test_coords_open_ring_closed_with_a_warning_or_refused_when_strict(tmp_path):
    path = tmp_path / "坐标.txt"
    path.write_text(COORDS_HEADER + _parcel("XJ-01", closed=False), encoding="gbk")
    before = snapshot(tmp_path)
    with pytest.warns(XigeoWarning, match=r"第 9 行地块的第 1 圈（第 10–13 行）："
                                          r"在第 13 行后补了 J1"):
        gdf = xigeo.read_coords(path)
    assert gdf.area[0] == pytest.approx(150 * 100)  # the rectangle, planar, by construction
    with pytest.raises(xigeo.CoordsFileError, match=r"第 13 行：第 1 圈（第 10–13 行）不闭合"):
        xigeo.read_coords(path, strict=True)
    out = tmp_path / "out.gpkg"
    code, text = run_cli("coords", "import", str(path), "-o", str(out), "--strict")
    assert code == 1 and "不闭合" in text and not out.exists()
    assert snapshot(tmp_path) == before
    with pytest.warns(XigeoWarning, match="修正：--strict 会拒绝这样的文件"):
        code, text = run_cli("coords", "import", str(path), "-o", str(out))
    assert code == 0 and out.exists()


# --- reading: encodings ----------------------------------------------------------------

def _gbk_shapefile(folder: Path) -> Path:
    """A shapefile whose .dbf text is GBK (written by GDAL), .cpg as GDAL writes it."""
    import pyogrio

    gdf = gpd.GeoDataFrame({"DLMC": ["水田", "旱地"], "ZLDWMC": ["城关镇", "路口乡"]},
                           geometry=[box(X0, Y0, X0 + 10, Y0 + 10), box(X0 + 20, Y0, X0 + 30, Y0 + 10)],
                           crs=4526)
    path = folder / "dltb.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    assert "水田".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    return path


@pytest.mark.parametrize("cpg", ["1252", "ANSI 1252", "ISO-8859-1", "latin1"])
def test_cpg_saying_a_western_code_page_over_gbk_text_is_refused(tmp_path, cpg):
    path = _gbk_shapefile(tmp_path)
    path.with_suffix(".cpg").write_text(cpg)
    before = snapshot(tmp_path)
    with pytest.raises(xigeo.LayerReadError,
                       match=rf"dltb.shp：其 .cpg 为 '{cpg}'，但其文本按中文 GBK 才读得通"
                             r"（.* 读即 GBK 的 '(水田|旱地|城关镇|路口乡)'）.*encoding='gbk'"):
        xigeo.read_layer(path)
    with xigeo.using_language("en"), pytest.raises(
            xigeo.LayerReadError,
            match=rf"dltb.shp: its .cpg says '{cpg}', but its text reads as Chinese GBK "
                  r"\(.* is '(水田|旱地|城关镇|路口乡)' in GBK\).*encoding='gbk'"):
        xigeo.read_layer(path)
    # the fix works: encoding='gbk' reads the right text
    assert xigeo.read_layer(path, encoding="gbk")["DLMC"].tolist() == ["水田", "旱地"]
    # and encoding= confirming the code page is obeyed (the user's call)
    assert xigeo.read_layer(path, encoding="cp1252")["DLMC"][0] == "水田".encode("gbk").decode("cp1252")
    code, out = run_cli("area", str(path))
    assert code == 1 and "--encoding gbk" in out and "encoding='gbk'" not in out
    assert snapshot(tmp_path) == before


def test_dbf_code_page_byte_cp1252_over_gbk_text_is_refused(tmp_path):
    path = _gbk_shapefile(tmp_path)
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0x03  # language driver 0x03: code page 1252
    dbf.write_bytes(bytes(data))
    with pytest.raises(xigeo.LayerReadError, match=r"其 .dbf 的代码页字节为 0x03"
                                                   r"（代码页 1252），但其文本按中文 GBK 才读得通"):
        xigeo.read_layer(path)


def test_real_cp1252_text_still_reads(tmp_path):
    import pyogrio

    gdf = gpd.GeoDataFrame({"NAME": ["Café", "Ærø"]}, geometry=[box(0, 0, 1, 1), box(2, 0, 3, 1)],
                           crs=4526)
    path = tmp_path / "west.shp"
    pyogrio.write_dataframe(gdf, path, encoding="cp1252")
    path.with_suffix(".cpg").write_text("1252")
    assert xigeo.read_layer(path)["NAME"].tolist() == ["Café", "Ærø"]


# --- reading: zip bombs, damaged files, read errors ------------------------------------

def _zip_of_zeros(path: Path, megabytes: int) -> Path:
    """A real zip: a small shapefile plus a member of ``megabytes`` MB of zeros (deflated ~1000×)."""
    import zipfile

    folder = path.parent / "src"
    folder.mkdir()
    xigeo.write_layer(gpd.GeoDataFrame({"DLBM": ["0101"]}, geometry=[box(X0, Y0, X0 + 10, Y0 + 10)],
                                       crs=4526), folder / "dltb.shp")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for part in folder.iterdir():
            z.write(part, f"data/{part.name}")
        with z.open("data/padding.bin", "w") as member:
            block = bytes(2**20)
            for _ in range(megabytes):
                member.write(block)
    return path


def test_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    path = _zip_of_zeros(tmp_path / "bomb.zip", 20)
    assert path.stat().st_size < 100_000  # 20 MB of zeros packed to a few tens of kB
    before = snapshot(tmp_path)
    unpacked = []
    monkeypatch.setattr("xigeo.io.shutil.disk_usage", lambda p: unpacked.append(p) or
                        type("U", (), {"free": 10**12})())
    with pytest.raises(xigeo.LayerReadError, match=r"bomb.zip 被拒绝：成员 data/padding.bin "
                                                   r"由 .* 字节解压为 20,971,520 字节（[\d,]+ 倍），"
                                                   r"超过 200 倍的限制.*zip_max_ratio="):
        xigeo.read_layer(path)
    assert unpacked == []  # refused from the zip's directory, before any byte was unpacked
    code, out = run_cli("area", str(path))
    assert code == 1 and "XIGEO_ZIP_MAX_RATIO=" in out and "zip_max_ratio" not in out
    # the limit can be raised where the user is: a keyword, or the environment variable
    assert len(xigeo.read_layer(path, zip_max_ratio=5000)) == 1
    monkeypatch.setenv("XIGEO_ZIP_MAX_RATIO", "5000")
    assert len(xigeo.read_layer(path)) == 1
    # the total: 20 MB over a limit of 5 MB
    with pytest.raises(xigeo.LayerReadError, match=r"解压后共 2\d,\d{3},\d{3} 字节，超过 "
                                                   r"5,242,880 字节（5 MB）的限制.*zip_max_mb=21"):
        xigeo.read_layer(path, zip_max_mb=5)
    with pytest.raises(xigeo.OptionError, match="zip_max_mb=-1"):
        xigeo.read_layer(path, zip_max_mb=-1)
    assert snapshot(tmp_path) == before


def test_damaged_geopackage_blob_is_refused_not_read_as_none(tmp_path):
    import sqlite3

    path = tmp_path / "dltb.gpkg"
    geoms = [box(X0 + 20 * i, Y0, X0 + 20 * i + 10, Y0 + 10) for i in range(4)]
    geoms[3] = None  # a real missing geometry: allowed (and named by the summaries)
    gpd.GeoDataFrame({"DLBM": ["0101"] * 4}, geometry=geoms, crs=4526).to_file(path, layer="dltb")
    with sqlite3.connect(path) as con:
        # the spatial-index triggers call SpatiaLite functions plain sqlite lacks: drop them
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        # a GeoPackage blob header ("GP", version, flags, srs id) followed by garbage
        con.execute("UPDATE dltb SET geom = X'4750000110110000DEADBEEFDEADBEEF' WHERE fid = 3")
    before = snapshot(tmp_path)
    with pytest.raises(xigeo.LayerReadError, match=r"dltb.gpkg（图层 dltb）：1 行的几何已损坏"
                                                   r".*行号：2（fid 3）"):
        xigeo.read_layer(path)
    assert snapshot(tmp_path) == before


def test_geoparquet_with_a_wrong_geometry_encoding_is_a_layer_read_error(tmp_path):
    import json

    import pyarrow.parquet as pq

    path = tmp_path / "dltb.parquet"
    gpd.GeoDataFrame({"a": [1]}, geometry=[box(0, 0, 1, 1)], crs=4526).to_parquet(path)
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    geo = json.loads(meta[b"geo"])
    geo["columns"]["geometry"]["encoding"] = "point"  # says GeoArrow points, holds WKB
    meta[b"geo"] = json.dumps(geo).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(xigeo.LayerReadError, match=r"dltb.parquet：无法按 GeoParquet 读取："
                                                   r"其几何列的内容与 'geo' 元数据不符"):
        xigeo.read_layer(path)


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"),
                                   OSError(28, "No space left on device")])
def test_os_errors_while_reading_are_layer_read_errors_naming_the_file(tmp_path, monkeypatch, error):
    path = tmp_path / "dltb.shp"
    xigeo.write_layer(gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 1, Y0 + 1)], crs=4526), path)

    def refuse(*args, **kwargs):
        raise type(error)(error.errno, error.strerror, str(path))

    # root reads any file whatever its mode, so the denial is simulated where the file is opened
    monkeypatch.setattr("xigeo.io._head", refuse)
    with pytest.raises(xigeo.LayerReadError, match=rf"dltb.shp：无法读取：{error.strerror}"):
        xigeo.read_layer(path)
    code, out = run_cli("area", str(path))
    assert code == 1 and out.startswith(f"xigeo: 错误：{path}：无法读取") and "Traceback" not in out


# --- the CLI: bad option values are one clear line, never a traceback -------------------

SAMPLE = Path(__file__).resolve().parents[1] / "sample_shapefiles"


def _cli_cases(out: Path) -> list[tuple[list[str], str]]:
    s = {n: str(SAMPLE / f"{n}.shp") for n in ("linkage_newbuild", "stripping_sources",
                                                "stripping_receivers", "prereview", "jbnt")}
    png = str(out / "图.png")
    return [
        # were tracebacks: ValueError from matplotlib
        (["map", s["linkage_newbuild"], "-o", png, "--title", "T", "--dpi", "0"], "--dpi"),
        (["map", s["linkage_newbuild"], "-o", png, "--title", "T", "--scale", "nan"], "scale=nan"),
        (["map", s["linkage_newbuild"], "-o", png, "--title", "T", "--scale", "inf"], "scale=inf"),
        (["map", s["linkage_newbuild"], "-o", png, "--title", "T", "--scale", "0"], "--scale"),
        # were accepted and silently ignored
        (["stripping", s["stripping_sources"], s["stripping_receivers"], "--depth-field", "HD"],
         "没有逐行厚度字段 'HD'"),
        (["area", s["linkage_newbuild"], "--id", "XMBH"], "--id 是逐要素表的行标识"),
        # already clear (kept so they stay so)
        (["area", s["linkage_newbuild"], "--unit", "acre"], "未知的面积单位 'acre'"),
        (["area", s["linkage_newbuild"], "--encoding", "klingon"], "未知编码 'klingon'"),
        (["check-farmland", s["prereview"], s["jbnt"], "--tolerance", "-1"], "tolerance_m2=-1.0"),
        (["stripping", s["stripping_sources"], s["stripping_receivers"], "--depth", "nan"],
         "depth_m=nan"),
    ]


def test_cli_bad_option_values_are_one_clear_line(tmp_path):
    for args, expected in _cli_cases(tmp_path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code, out = run_cli(*args)
        assert code != 0, args
        assert expected in out, (args, out)
        assert "Traceback" not in out
        last = out.strip().splitlines()[-1]
        assert last.startswith(("xigeo: 错误：", "错误：")), (args, out)
    assert list(tmp_path.iterdir()) == []  # nothing written by a refused command


def test_write_coords_of_an_empty_layer_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="没有要素（0 个"):
        xigeo.write_coords(gpd.GeoDataFrame({"DKBH": []}, geometry=[], crs=4526), tmp_path / "空.txt")
    assert list(tmp_path.iterdir()) == []
