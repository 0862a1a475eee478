"""The catalogue of bad outputs: every writer refuses to lose data or leave a partial file.

Each case is a real file or call in tmp_path. It asserts the error class, that
the message names the file (and the fix), and that nothing on disk changed:
every file's bytes and mtime, and the folder listing (hidden files included),
are compared before and after.

Classes (see docs/errors.md "Writing outputs"):
A. an output that is an input of the same call (resolved paths, links, another
   layer of the input GeoPackage, the DEM a raster came from), Python and CLI;
B. an existing output without overwrite=True / --overwrite, every writer;
C. a folder at the output path is never deleted;
D. a shapefile replaced as a set: a failure between renames restores the old
   set; a SIGKILL between renames leaves a journal the next write completes
   or undoes, so the old set or the new set is whole;
E. a full disk (ENOSPC), a refused permission, a file that does not read back;
F. two writers of the same new output: the second is refused, the first kept;
G. stale temporary files of killed writes are cleaned by the next write;
H. field names a format would rename or cut; values a shapefile changes (warned).
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from affine import Affine
from shapely import box

import xigeo
from xigeo import _files, _writer
from xigeo.cli import main
from xigeo.errors import LayerWriteError, LossyWriteWarning
from xigeo.io import read_layer, write_layer

X0, Y0 = 38_560_000.0, 3_580_000.0
ROOT = Path(__file__).resolve().parents[1]


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder`` (hidden ones too): its sha256 and mtime; folders as 'dir'."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_dir():
            out[rel] = ("dir", 0)
        else:
            out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def parcels(n: int = 3, value: str = "旱地") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"DLMC": [value] * n, "DKBH": [f"D-{i}" for i in range(n)]},
        geometry=[box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 150) for i in range(n)], crs=4526)


def run_cli(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


# ---------------------------------------------------------------------------
# A. an output that is an input
# ---------------------------------------------------------------------------


@pytest.fixture
def inputs(tmp_path):
    """Real layers for the CLI commands: two GeoPackages and a shapefile."""
    write_layer(parcels(), tmp_path / "parcels.gpkg", layer="dltb")
    write_layer(parcels(2, "水田"), tmp_path / "farmland.gpkg", layer="jbnt")
    write_layer(parcels(), tmp_path / "sources.shp")
    write_layer(parcels(2), tmp_path / "receivers.shp")
    return tmp_path


# (command, arguments, the input given again as -o); each refusal comes before any reading
CLI_INPUT_CASES = [
    ("stripping", ["sources.shp", "receivers.shp"], "sources.shp"),
    ("stripping", ["sources.shp", "receivers.shp"], "sub/../receivers.shp"),
    ("check-farmland", ["parcels.gpkg", "farmland.gpkg"], "parcels.gpkg"),  # new layers into it
    ("check-farmland", ["parcels.gpkg", "farmland.gpkg"], "./sub/../farmland.gpkg"),
    ("adjust", ["parcels.gpkg", "--control-table", "parcels.gpkg"], "parcels.gpkg"),
    ("coords", ["export", "sources.shp"], "sources.shp"),
]


@pytest.mark.parametrize("command,args,output", CLI_INPUT_CASES)
def test_cli_never_writes_over_an_input(inputs, capsys, monkeypatch, command, args, output):
    monkeypatch.chdir(inputs)
    (inputs / "sub").mkdir()
    before = snapshot(inputs)
    argv = [*command.split(), *args]
    if command == "coords":
        argv = ["coords", *args]
    code, err = run_cli(capsys, *argv, "-o", output, "--overwrite")
    assert code == 1
    assert "是本命令的输入文件" in err and Path(output).name in err
    assert snapshot(inputs) == before


def test_cli_input_through_a_symlink_and_absolute_path(inputs, capsys, monkeypatch):
    monkeypatch.chdir(inputs)
    (inputs / "link.gpkg").symlink_to(inputs / "parcels.gpkg")
    before = snapshot(inputs)
    for out in ("link.gpkg", inputs / "parcels.gpkg"):
        code, err = run_cli(capsys, "check-farmland", "parcels.gpkg", "farmland.gpkg", "-o", out,
                            "--overwrite")
        assert code == 1 and "是本命令的输入文件" in err, err
    assert snapshot(inputs) == before


def test_write_layer_never_writes_into_its_source_geopackage(tmp_path):
    write_layer(parcels(), tmp_path / "in.gpkg", layer="dltb")
    gdf = read_layer(tmp_path / "in.gpkg")
    (tmp_path / "alias.gpkg").symlink_to(tmp_path / "in.gpkg")
    before = snapshot(tmp_path)
    for target, layer in ((tmp_path / "in.gpkg", "other"), (tmp_path / "alias.gpkg", "dltb"),
                          (tmp_path / "x" / ".." / "in.gpkg", None)):
        with pytest.raises(LayerWriteError, match="从不覆盖输入文件") as info:
            write_layer(gdf, target, layer=layer, overwrite=True)
        assert str(target) in str(info.value)
    assert snapshot(tmp_path) == before


def _dem(path: Path) -> Path:
    import rasterio

    z = np.arange(12, dtype="float32").reshape(3, 4)
    with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=1, dtype="float32",
                       crs="EPSG:4526", transform=Affine(10, 0, X0, 0, -10, Y0)) as dst:
        dst.write(z, 1)
    return path


def test_write_raster_never_over_its_own_dem(tmp_path):
    from xigeo.terrain import read_dem, slope, write_raster

    dem_path = _dem(tmp_path / "dem.tif")
    before = snapshot(tmp_path)
    dem = read_dem(dem_path)
    for raster, target in ((dem, dem_path), (slope(dem), tmp_path / "." / "dem.tif")):
        with pytest.raises(LayerWriteError, match="拒绝覆盖数据读取的源文件") as info:
            write_raster(raster, target, overwrite=True)
        assert "dem.tif" in str(info.value)
    assert snapshot(tmp_path) == before
    write_raster(slope(dem), tmp_path / "slope.tif")  # a new name is fine
    assert read_dem(tmp_path / "slope.tif").shape == (3, 4)


# ---------------------------------------------------------------------------
# B. an existing output, every writer
# ---------------------------------------------------------------------------


def _result():
    sources = gpd.GeoDataFrame({"BLBH": ["S1"]}, geometry=[box(X0, Y0, X0 + 100, Y0 + 100)], crs=4526)
    receivers = gpd.GeoDataFrame({"JSBH": ["R1"]}, geometry=[box(X0 + 500, Y0, X0 + 700, Y0 + 100)],
                                 crs=4526)
    return xigeo.stripping_plan(sources, receivers, spread_m=0.3)


def _writers(tmp_path):
    """(name, target, write(overwrite)) for every public writer."""
    from xigeo.coords import write_coords
    from xigeo.maps import export_map, thematic_map, write_atlas
    from xigeo.terrain import read_dem, write_raster

    dem = read_dem(_dem(tmp_path / "dem_in.tif"))
    g = parcels()
    return [
        ("write_layer shp", tmp_path / "o.shp", lambda ow: write_layer(g, tmp_path / "o.shp", overwrite=ow)),
        ("write_layer gpkg", tmp_path / "o.gpkg", lambda ow: write_layer(g, tmp_path / "o.gpkg", overwrite=ow)),
        ("write_layer geojson", tmp_path / "o.geojson",
         lambda ow: write_layer(g, tmp_path / "o.geojson", overwrite=ow)),
        ("write_layer parquet", tmp_path / "o.parquet",
         lambda ow: write_layer(g, tmp_path / "o.parquet", overwrite=ow)),
        ("write_raster", tmp_path / "o.tif", lambda ow: write_raster(dem, tmp_path / "o.tif", overwrite=ow)),
        ("write_coords", tmp_path / "o.txt", lambda ow: write_coords(g, tmp_path / "o.txt", overwrite=ow)),
        ("to_excel", tmp_path / "o.xlsx", lambda ow: _result().to_excel(tmp_path / "o.xlsx", overwrite=ow)),
        ("export_map", tmp_path / "o.png",
         lambda ow: export_map(g, tmp_path / "o.png", title="图", dpi=30, overwrite=ow)),
        ("write_atlas", tmp_path / "o.pdf",
         lambda ow: write_atlas([thematic_map(g, title="图")], tmp_path / "o.pdf", overwrite=ow)),
    ]


def test_every_writer_refuses_an_existing_output(tmp_path):
    for name, target, write in _writers(tmp_path):
        write(False)
        assert target.exists(), name
        before = snapshot(tmp_path)
        with pytest.raises(LayerWriteError, match="overwrite=True") as info:
            write(False)
        assert target.name in str(info.value), name
        assert snapshot(tmp_path) == before, name
        write(True)  # asked: replaced
        assert snapshot(tmp_path)[target.name] != before[target.name], name


def test_cli_refuses_an_existing_output_and_names_the_flag(inputs, capsys, monkeypatch):
    """Every command that writes, each refusing before it reads anything."""
    monkeypatch.chdir(inputs)
    for name in ("out.gpkg", "out.csv", "out.xlsx", "out.png", "out.txt", "out.pdf"):
        (inputs / name).write_bytes(b"someone's work")
    (inputs / "控制面积.csv").write_text("XZQDM,KZMJ\n411528,1.0\n", encoding="utf-8")
    (inputs / "坐标.txt").write_text("[属性描述]\n", encoding="utf-8")
    (inputs / "练习").mkdir()
    (inputs / "练习" / "linkage_newbuild.shp").write_bytes(b"someone's practice file")
    _dem(inputs / "dem.tif")
    (inputs / "演示").mkdir()
    (inputs / "演示" / "report.pdf").write_bytes(b"the bureau's own report")
    before = snapshot(inputs)
    for argv in (["check-farmland", "parcels.gpkg", "farmland.gpkg", "-o", "out.gpkg"],
                 ["check-farmland", "parcels.gpkg", "farmland.gpkg", "--xlsx", "out.xlsx"],
                 ["stripping", "sources.shp", "receivers.shp", "-o", "out.gpkg"],
                 ["area", "parcels.gpkg", "-o", "out.csv"],
                 ["report", "-o", "out.pdf"],
                 ["report", "-o", "new.pdf", "--xlsx", "out.xlsx"],
                 ["adjust", "parcels.gpkg", "--control-table", "控制面积.csv", "-o", "out.gpkg"],
                 ["adjust", "parcels.gpkg", "--control-table", "控制面积.csv", "-o", "new.gpkg",
                  "--units", "out.csv"],
                 ["consolidation", "parcels.gpkg", "-o", "out.csv"],
                 ["industrial", "parcels.gpkg", "-o", "out.csv"],
                 ["linkage", "sources.shp", "receivers.shp", "--landuse", "parcels.gpkg", "-o", "out.csv"],
                 ["minepark", "parcels.gpkg", "sources.shp", "receivers.shp", "--dem", "dem.tif",
                  "-o", "out.csv"],
                 ["tables", "parcels.gpkg", "-o", "out.xlsx"],
                 ["map", "parcels.gpkg", "--title", "图", "-o", "out.png"],
                 ["coords", "import", "坐标.txt", "-o", "out.gpkg"],
                 ["coords", "export", "sources.shp", "-o", "out.txt"],
                 ["sample", "copy", "练习"],
                 ["demo", "-o", "演示"]):
        code, err = run_cli(capsys, *argv)
        assert code != 0
        assert "已存在" in err and "--overwrite" in err, (argv, err)
        assert "out." in err or "linkage_newbuild.shp" in err or "report.pdf" in err, (argv, err)
    assert snapshot(inputs) == before


# ---------------------------------------------------------------------------
# C. never delete a folder
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x.shp", "x.gpkg", "x.geojson", "x.gdb", "x.dbf"])
def test_a_folder_at_the_output_is_never_deleted(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "重要资料.txt").write_text("keep me", encoding="utf-8")
    before = snapshot(tmp_path)
    target = tmp_path / ("x.shp" if name == "x.dbf" else name)  # a .dbf folder blocks the set
    with pytest.raises(LayerWriteError, match="folder") as info:
        write_layer(parcels(), target, overwrite=True)
    assert name in str(info.value)
    assert snapshot(tmp_path) == before


def test_atomic_path_and_cli_never_replace_a_folder(tmp_path, capsys, monkeypatch):
    (tmp_path / "表.csv").mkdir()
    (tmp_path / "表.csv" / "a").write_text("keep")
    before = snapshot(tmp_path)
    with pytest.raises(LayerWriteError, match="是文件夹"):
        with _files.atomic_path(tmp_path / "表.csv", overwrite=True) as tmp:
            tmp.write_text("x")
    write_layer(parcels(), tmp_path / "in.gpkg")
    before = snapshot(tmp_path)
    code, err = run_cli(capsys, "area", tmp_path / "in.gpkg", "-o", tmp_path / "表.csv", "--overwrite")
    assert code == 1 and "是文件夹" in err and "表.csv" in err
    assert snapshot(tmp_path) == before


def test_a_filegdb_is_replaced_by_a_filegdb(tmp_path):
    path = tmp_path / "x.gdb"
    write_layer(parcels(2), path)
    write_layer(parcels(3), path, overwrite=True)
    assert len(read_layer(path)) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["x.gdb"]


# ---------------------------------------------------------------------------
# D. a shapefile replaced as a set
# ---------------------------------------------------------------------------


@pytest.fixture
def old_set(tmp_path):
    path = tmp_path / "dltb.shp"
    write_layer(parcels(2, "旧"), path)
    (tmp_path / "dltb.qix").write_bytes(b"stale index of the old shapes")
    return path


def test_failure_between_renames_restores_the_old_set(old_set, monkeypatch):
    folder = old_set.parent
    before = snapshot(folder)
    calls = {"n": 0}
    real = _writer._link_new

    def failing(src, dst):  # the third new part cannot be moved in
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.EIO, "I/O error")
        real(src, dst)

    monkeypatch.setattr(_writer, "_link_new", failing)
    with pytest.raises(LayerWriteError, match="旧文件已放回") as info:
        write_layer(parcels(3, "新"), old_set, overwrite=True)
    assert "dltb.shp" in str(info.value)
    assert snapshot(folder) == before  # every old part, the .qix too, byte for byte
    assert read_layer(old_set)["DLMC"].tolist() == ["旧", "旧"]


_KILLER = textwrap.dedent("""
    import os, signal, sys
    import geopandas as gpd
    from shapely import box
    from xigeo import _writer
    from xigeo.io import write_layer
    k = int(sys.argv[2])
    def step(i):
        if i == k:
            os.kill(os.getpid(), signal.SIGKILL)
    _writer._swap_step = step
    g = gpd.GeoDataFrame({"DLMC": ["新"] * 3}, geometry=[box(0, 0, 1, 1)] * 3, crs=4526)
    write_layer(g, sys.argv[1], overwrite=True)
""")


def test_sigkill_between_renames_leaves_a_whole_set(tmp_path):
    """Old set: 6 files (.cpg .dbf .prj .qix .shp .shx), new set: 5. Renames 1-6 move the old
    parts aside, 7-11 link the new ones in. Killed after rename k, the next write to the folder
    puts the old set back (k <= 6: no new part was in place) or finishes the new one (k >= 7)."""
    steps = (1, 3, 6, 7, 9, 11)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    folders = {}
    procs = {}
    for k in steps:
        folder = tmp_path / f"k{k}"
        folder.mkdir()
        write_layer(parcels(2, "旧"), folder / "dltb.shp")
        (folder / "dltb.qix").write_bytes(b"old index")
        folders[k] = (folder, snapshot(folder))
        procs[k] = subprocess.Popen([sys.executable, "-c", _KILLER, str(folder / "dltb.shp"), str(k)],
                                    env=env, stderr=subprocess.PIPE)
    for k, proc in procs.items():
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == -signal.SIGKILL, (k, err.decode())
    for k in steps:
        folder, before = folders[k]
        assert any(p.name.endswith(".xigeo-swap") for p in folder.iterdir()), k  # interrupted
        if k == 9:  # any write into the folder recovers, a table too
            with _files.atomic_path(folder / "other.gpkg") as tmp:
                tmp.write_bytes(b"a table")
        else:
            write_layer(parcels(1), folder / "other.gpkg")  # the next write to the folder recovers
        names = sorted(p.name for p in folder.iterdir())
        back = read_layer(folder / "dltb.shp")
        if k <= 6:
            assert back["DLMC"].tolist() == ["旧", "旧"], k
            after = snapshot(folder)
            del after["other.gpkg"]
            assert after == before, k  # the old set, byte for byte (mtimes kept by rename)
        else:
            assert back["DLMC"].tolist() == ["新"] * 3, k
            assert names == ["dltb.cpg", "dltb.dbf", "dltb.prj", "dltb.shp", "dltb.shx",
                             "other.gpkg"], k  # the stale .qix of the old shapes is gone


def test_a_live_writers_swap_is_left_alone(old_set):
    folder = old_set.parent
    journal = folder / f".dltb.shp.{os.getpid()}-abcd.xigeo-swap"
    journal.write_text('{"pid": %d, "shp": "dltb.shp", "tmp": "t", "backup": "b", "new": [], '
                       '"old": []}' % os.getpid())
    assert _writer.recover_swaps(folder) == []
    assert journal.exists()


# ---------------------------------------------------------------------------
# E. full disk, permission, a file that does not read back
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dltb.shp", "dltb.gpkg", "dltb.geojson", "dltb.parquet"])
def test_full_disk_is_a_layer_write_error_and_the_old_file_stays(tmp_path, monkeypatch, name):
    path = tmp_path / name
    write_layer(parcels(2, "旧"), path)
    before = snapshot(tmp_path)

    def full(gdf, staged, **kw):
        staged.write_bytes(b"\0" * 10)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_writer, "_write_staged", full)
    with pytest.raises(LayerWriteError, match="磁盘已满") as info:
        write_layer(parcels(3), path, overwrite=True)
    assert name in str(info.value) and "腾出空间" in str(info.value)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name,cut", [("dltb.shp", ".shp"), ("dltb.shp", ".dbf"), ("dltb.shp", ".shx"),
                                      ("dltb.gpkg", ".gpkg"), ("dltb.geojson", ".geojson"),
                                      ("dltb.parquet", ".parquet")])
def test_a_truncated_result_is_never_moved_into_place(tmp_path, monkeypatch, name, cut):
    """A full disk that the driver does not report: the file is short. read_info / the
    shapefile's header lengths catch it before the rename."""
    path = tmp_path / name
    write_layer(parcels(2, "旧"), path)
    before = snapshot(tmp_path)
    real = _writer._write_staged

    def short(gdf, staged, **kw):
        real(gdf, staged, **kw)
        part = staged.with_suffix(cut)
        data = part.read_bytes()
        part.write_bytes(data[: len(data) // 2])

    monkeypatch.setattr(_writer, "_write_staged", short)
    with pytest.raises(LayerWriteError, match="写出的文件读不回来") as info:
        write_layer(parcels(300), path, overwrite=True)
    assert name in str(info.value)
    assert snapshot(tmp_path) == before


def test_permission_refused_is_a_layer_write_error(tmp_path, monkeypatch):
    path = tmp_path / "dltb.gpkg"

    def denied(gdf, staged, **kw):
        raise PermissionError(errno.EACCES, "Permission denied", str(staged))

    monkeypatch.setattr(_writer, "_write_staged", denied)
    with pytest.raises(LayerWriteError, match="没有写入权限") as info:
        write_layer(parcels(), path)
    assert "dltb.gpkg" in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_layer_write_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(LayerWriteError, match="没有写入权限") as info:
            write_layer(parcels(), folder / "a.gpkg")
        assert "a.gpkg" in str(info.value)
        with pytest.raises(LayerWriteError, match="没有写入权限"):
            with _files.atomic_path(folder / "a.csv") as tmp:
                tmp.write_text("x")
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


def test_atomic_path_full_disk_and_short_file(tmp_path):
    target = tmp_path / "表.csv"
    target.write_text("old", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(LayerWriteError, match="磁盘已满") as info:
        with _files.atomic_path(target, overwrite=True) as tmp:
            tmp.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert "表.csv" in str(info.value)

    def check(tmp):
        raise LayerWriteError(f"{target}: does not read back")

    with pytest.raises(LayerWriteError, match="does not read back"):
        with _files.atomic_path(target, overwrite=True, verify=check) as tmp:
            tmp.write_text("short")
    assert snapshot(tmp_path) == before


def test_write_raster_short_file_is_refused(tmp_path, monkeypatch):
    import rasterio

    from xigeo.terrain import read_dem, write_raster

    dem = read_dem(_dem(tmp_path / "dem.tif"))
    before = snapshot(tmp_path)
    real_open = rasterio.open

    class Short:
        def __init__(self, path, mode="r", **kw):
            self.path, self.inner = path, real_open(path, mode, **kw)

        def __enter__(self):
            return self.inner.__enter__()

        def __exit__(self, *exc):
            self.inner.__exit__(*exc)
            data = Path(self.path).read_bytes()
            Path(self.path).write_bytes(data[:200])  # the disk filled up

    monkeypatch.setattr(rasterio, "open", lambda p, mode="r", **kw: Short(p, mode, **kw) if mode == "w"
                        else real_open(p, mode, **kw))
    with pytest.raises(LayerWriteError, match="写出的 GeoTIFF 无法读回") as info:
        write_raster(dem, tmp_path / "slope.tif")
    assert "slope.tif" in str(info.value)
    assert snapshot(tmp_path) == before


def test_dev_full_is_a_layer_write_error(tmp_path):
    """/dev/full is a device, not a folder, so xigeo's temporary files cannot be put there; a
    writer that copies its data through it gets the real ENOSPC the kernel gives a full disk."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    target = tmp_path / "表.csv"
    target.write_text("old", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(LayerWriteError, match="磁盘已满") as info:
        with _files.atomic_path(target, overwrite=True) as tmp:
            tmp.write_text("half")
            with open("/dev/full", "wb") as full:  # the data goes nowhere: ENOSPC on flush
                full.write(b"x" * 10)
    assert "表.csv" in str(info.value) and "腾出空间" in str(info.value)
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------------------
# F. two writers of the same new output
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dltb.gpkg", "dltb.shp", "dltb.geojson", "dltb.gdb"])
def test_target_appearing_while_writing_is_not_replaced(tmp_path, monkeypatch, name):
    path = tmp_path / name
    other = tmp_path / "other"
    other.mkdir()
    write_layer(parcels(5, "别人的"), other / name)  # what the other process writes
    real = _writer._write_staged

    def racing(gdf, staged, **kw):
        real(gdf, staged, **kw)
        for p in other.iterdir():  # the other writer finishes first
            os.replace(p, tmp_path / p.name)

    monkeypatch.setattr(_writer, "_write_staged", racing)
    with pytest.raises(LayerWriteError, match="期间该文件出现了") as info:
        write_layer(parcels(2), path)
    assert name in str(info.value)
    assert read_layer(path)["DLMC"].tolist() == ["别人的"] * 5
    assert not [p for p in tmp_path.iterdir() if ".xigeo-" in p.name]


def test_two_threads_writing_one_new_file_one_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "dltb.gpkg"
    barrier = threading.Barrier(2, timeout=30)
    real = _writer._write_staged

    def together(gdf, staged, **kw):  # both have passed the exists-check and written
        real(gdf, staged, **kw)
        barrier.wait()

    monkeypatch.setattr(_writer, "_write_staged", together)
    outcome: dict[str, object] = {}

    def writer(tag):
        try:
            write_layer(parcels(2, tag), path)
            outcome[tag] = "ok"
        except LayerWriteError as err:
            outcome[tag] = err

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [t for t, v in outcome.items() if v == "ok"]
    losers = [v for v in outcome.values() if isinstance(v, LayerWriteError)]
    assert len(winners) == 1 and len(losers) == 1
    assert "期间该文件出现了" in str(losers[0])
    assert read_layer(path)["DLMC"].tolist() == [winners[0]] * 2


def test_atomic_path_without_hard_links_uses_an_exclusive_placeholder(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "a.csv"
    with _files.atomic_path(target) as tmp:
        tmp.write_text("mine")
    assert target.read_text() == "mine"
    with pytest.raises(LayerWriteError, match="期间该文件出现了"):
        with _files.atomic_path(tmp_path / "b.csv") as tmp:
            tmp.write_text("mine")
            (tmp_path / "b.csv").write_text("theirs")
    assert (tmp_path / "b.csv").read_text() == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]


# ---------------------------------------------------------------------------
# G. stale temporary files
# ---------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporary_files_are_cleaned_by_the_next_write(tmp_path):
    dead = _dead_pid()
    stale_dir = tmp_path / f".dltb.shp.{dead}-ab12cd34.xigeo-tmp"
    stale_dir.mkdir()
    (stale_dir / "dltb.shp").write_bytes(b"half")
    stale_file = tmp_path / f".表.xlsx.{dead}-ab12cd34.xigeo-tmp.xlsx"
    stale_file.write_bytes(b"half")
    old_style = tmp_path / ".dltb.gpkg.k3j4l5.xigeo-tmp"  # no pid: removed once old
    old_style.mkdir()
    hours = time.time() - _files.STALE_AFTER_S - 60
    os.utime(old_style, (hours, hours))
    live = tmp_path / f".dltb.gpkg.{os.getpid()}-ffff0000.xigeo-tmp"  # a write under way
    live.mkdir()
    young = tmp_path / ".a.gpkg.zz99.xigeo-tmp"  # no pid, young: may be a live old writer
    young.mkdir()
    mine = tmp_path / ".notes.xigeo-tmp.txt.bak"  # not a name xigeo makes
    mine.write_text("user file")
    write_layer(parcels(), tmp_path / "new.gpkg")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([live.name, young.name, mine.name, "new.gpkg"])
    with _files.atomic_path(tmp_path / "t.csv") as tmp:  # atomic_path cleans too
        tmp.write_text("x")
    os.utime(live, (hours, hours))  # a pid can be reused: old enough is stale anyway
    _files.clean_stale(tmp_path)
    assert not live.exists() and young.exists()


# ---------------------------------------------------------------------------
# H. field names and values a format changes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.shp", "a.gpkg", "a.gdb"])
def test_field_names_differing_only_in_case_are_refused(tmp_path, name):
    g = parcels().assign(dlmc=["x", "y", "z"])
    with pytest.raises(LayerWriteError, match="字段名仅大小写不同") as info:
        write_layer(g, tmp_path / name)
    msg = str(info.value)
    assert "'DLMC' 与 'dlmc'" in msg and name in msg and "rename={'dlmc': 'dlmc_2'}" in msg
    assert list(tmp_path.iterdir()) == []
    write_layer(g, tmp_path / name, rename={"dlmc": "dlmc_2"})  # the fix the message gives works
    back = read_layer(tmp_path / name)
    assert back["dlmc_2"].tolist() == ["x", "y", "z"] and back["DLMC"].tolist() == ["旱地"] * 3


def test_geojson_and_parquet_keep_case_only_different_names(tmp_path):
    g = parcels().assign(dlmc=["x", "y", "z"])
    for name in ("a.geojson", "a.parquet"):
        write_layer(g, tmp_path / name)
        assert {"DLMC", "dlmc"} <= set(read_layer(tmp_path / name).columns)


def test_long_chinese_field_names_are_refused_with_a_cut_that_works(tmp_path):
    # UTF-8 (the .cpg xigeo writes): 3 bytes per character, so 4 characters are 12 bytes
    g = parcels().rename(columns={"DLMC": "地类名称"})
    with pytest.raises(LayerWriteError, match="10 字节") as info:
        write_layer(g, tmp_path / "a.shp")
    assert "'地类名称'（12 字节）" in str(info.value)
    assert "rename={'地类名称': '地类名'}" in str(info.value)
    assert list(tmp_path.iterdir()) == []
    write_layer(g, tmp_path / "a.shp", rename={"地类名称": "地类名"})
    assert read_layer(tmp_path / "a.shp")["地类名"].tolist() == ["旱地"] * 3


def test_rename_of_a_missing_field_is_refused(tmp_path):
    with pytest.raises(LayerWriteError, match="'NOPE'"):
        write_layer(parcels(), tmp_path / "a.shp", rename={"NOPE": "X"})


def test_shapefile_losses_are_warned_with_the_columns(tmp_path):
    g = parcels(3).assign(
        BGRQ=pd.to_datetime(["2023-01-02", "2023-05-06", None]),
        BZ=["", "说明", None],
        N=pd.array([1, None, 3], dtype="Int64"),
        TINY=[1.234567891234e-12, 0.5, 2.0])
    with pytest.warns(LossyWriteWarning) as record:
        write_layer(g, tmp_path / "a.shp")
    msg = str(record[0].message)
    for col in ("'BGRQ'", "'BZ'", "'N'", "'TINY'"):
        assert col in msg
    assert "GeoPackage" in msg and "a.shp" in msg
    back = read_layer(tmp_path / "a.shp")  # what the warning said happened
    assert back.loc[0, "BGRQ"] == "2023/01/02 00:00:00"
    assert back["BZ"].isna().tolist() == [True, False, True]
    assert back["TINY"].tolist()[0] == 1.235e-12  # 15 decimal places
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_layer(g, tmp_path / "a.gpkg")  # a GeoPackage keeps them: no warning
    kept = read_layer(tmp_path / "a.gpkg")
    assert kept.loc[0, "BZ"] == "" and kept.loc[0, "TINY"] == 1.234567891234e-12


def test_big_integers_and_booleans_survive_a_shapefile(tmp_path):
    """Already fine: GDAL writes int64 as a 20-digit number and bool as a logical field."""
    import warnings

    g = parcels(2).assign(BIG=np.array([2**40, -(2**53)], dtype="int64"), OK=[True, False])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_layer(g, tmp_path / "a.shp")
    back = read_layer(tmp_path / "a.shp")
    assert back["BIG"].tolist() == [2**40, -(2**53)] and back["OK"].tolist() == [True, False]


def test_the_good_path_leaves_only_the_output(tmp_path):
    write_layer(parcels(), tmp_path / "a.shp")
    write_layer(parcels(4), tmp_path / "a.shp", overwrite=True)
    write_layer(parcels(), tmp_path / "b.gpkg", layer="one")
    write_layer(parcels(), tmp_path / "b.gpkg", layer="two")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.cpg", "a.dbf", "a.prj", "a.shp", "a.shx", "b.gpkg"]
    assert [n for n, _ in pyogrio.list_layers(tmp_path / "b.gpkg")] == ["one", "two"]
    assert len(read_layer(tmp_path / "a.shp")) == 4
    assert xigeo.LossyWriteWarning is LossyWriteWarning


# ---------------------------------------------------------------------------
# more of the same classes
# ---------------------------------------------------------------------------


def test_a_layer_added_while_another_writer_adds_one_is_refused(tmp_path, monkeypatch):
    """Adding a layer copies the GeoPackage and replaces it: another writer's layer added in
    between would be lost, so a file that changed since the copy is not replaced."""
    path = tmp_path / "zl.gpkg"
    write_layer(parcels(), path, layer="dltb")
    real = _writer._write_staged

    def meanwhile(gdf, staged, **kw):
        real(gdf, staged, **kw)
        time.sleep(0.01)  # mtime resolution
        pyogrio.write_dataframe(parcels(1, "别人的"), path, layer="theirs", append=False)

    monkeypatch.setattr(_writer, "_write_staged", meanwhile)
    with pytest.raises(LayerWriteError, match="添加图层 'jbnt' 期间，该文件被改动") as info:
        write_layer(parcels(2), path, layer="jbnt")
    assert "zl.gpkg" in str(info.value)
    assert sorted(n for n, _ in pyogrio.list_layers(path)) == ["dltb", "theirs"]


def test_write_coords_never_over_the_file_it_read(tmp_path):
    from xigeo.coords import read_coords, write_coords

    write_coords(parcels(1), tmp_path / "坐标.txt")
    gdf = read_coords(tmp_path / "坐标.txt")
    before = snapshot(tmp_path)
    with pytest.raises(LayerWriteError, match="拒绝覆盖数据读取的源文件") as info:
        write_coords(gdf, tmp_path / "." / "坐标.txt", overwrite=True)
    assert "坐标.txt" in str(info.value)
    assert snapshot(tmp_path) == before


def test_one_path_for_two_outputs_is_refused(tmp_path):
    from xigeo.cli._options import check_outputs

    with pytest.raises(LayerWriteError, match="被指定为两个输出"):
        check_outputs([tmp_path / "a.xlsx", tmp_path / "." / "a.xlsx"], overwrite=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name,data", [("表.xlsx", b"PK\x03\x04 half a workbook"),
                                       ("图.pdf", b"%PDF-1.4 half a map"),
                                       ("图.png", b"\x89PNG\r\n\x1a\n half")])
def test_atomic_path_checks_a_short_workbook_map_or_picture(tmp_path, name, data):
    target = tmp_path / name
    target.write_bytes(b"the old file")
    before = snapshot(tmp_path)
    with pytest.raises(LayerWriteError, match="写出的文件读不回来") as info:
        with _files.atomic_path(target, overwrite=True) as tmp:
            tmp.write_bytes(data)
    assert name in str(info.value)
    assert snapshot(tmp_path) == before


def test_check_farmland_writes_both_layers_or_nothing(inputs, capsys, monkeypatch):
    """check-farmland -o wrote its two layers in two writes: a failure in the second left a
    GeoPackage with 'pieces' only at the output path. Now both go into one temporary file
    renamed into place: a failure leaves nothing (and an existing output unchanged)."""
    import xigeo.io as io_module

    monkeypatch.chdir(inputs)
    real = io_module.write_layer

    def fail_on_by_parcel(gdf, path, **kwargs):
        if kwargs.get("layer") == "by_parcel":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(gdf, path, **kwargs)

    before = snapshot(inputs)
    monkeypatch.setattr(io_module, "write_layer", fail_on_by_parcel)
    code, err = run_cli(capsys, "check-farmland", "parcels.gpkg", "farmland.gpkg", "-o", "out.gpkg")
    assert code == 1 and "No space left" in err
    assert snapshot(inputs) == before                    # no out.gpkg, no temporary file left
    monkeypatch.setattr(io_module, "write_layer", real)
    code, err = run_cli(capsys, "check-farmland", "parcels.gpkg", "farmland.gpkg", "-o", "out.gpkg")
    assert code == 0, err
    layers = sorted(name for name, _ in pyogrio.list_layers(inputs / "out.gpkg"))
    assert layers == ["by_parcel", "layer_styles", "pieces"]  # + the QGIS styles table
    assert len(read_layer(inputs / "out.gpkg", layer="by_parcel")) == len(read_layer(inputs / "parcels.gpkg"))


@pytest.mark.parametrize("k", [3, 9])
def test_a_reader_after_a_killed_swap_gets_a_whole_set(tmp_path, k):
    """A write killed mid-swap (after rename 3: old parts partly moved aside; after rename 9:
    new parts partly in) and then only a read, no write: read_layer finishes or undoes the
    swap first, so it reads the old set (k <= 6) or the new one, never a mixed or .shp-less set."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    write_layer(parcels(2, "旧"), tmp_path / "dltb.shp")
    proc = subprocess.run([sys.executable, "-c", _KILLER, str(tmp_path / "dltb.shp"), str(k)],
                          env=env, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert any(p.name.endswith(".xigeo-swap") for p in tmp_path.iterdir())
    back = read_layer(tmp_path / "dltb.shp")
    assert back["DLMC"].tolist() == (["旧", "旧"] if k <= 6 else ["新"] * 3)
    assert not any(p.name.endswith(".xigeo-swap") for p in tmp_path.iterdir())
