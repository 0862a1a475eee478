"""xigeo.prepare / PreparedLayer: the cached reference layer and the checks made on it.

Expected results: the same check on the layer read from its file (``farmland_overlap`` on the
GeoDataFrame, today's code path), compared exactly (every column, bit for bit); the double-counted
area of two overlapping hand-made boxes worked out in the test; patch counts of the layers
written here.
"""

from __future__ import annotations

import logging
import os
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from pandas.testing import assert_frame_equal
from shapely import box

import xigeo.prepared as prepared_module
from xigeo import PreparedLayer, farmland_overlap, prepare, read_layer, write_layer
from xigeo.errors import ValidationError, XigeoWarning

X0, Y0 = 38_560_000.0, 3_580_000.0


def grid(n: int = 20, size: float = 50.0) -> gpd.GeoDataFrame:
    """n × n patches of a true coverage (neighbours share edges and vertices), BSM ids."""
    xs, ys = np.meshgrid(np.arange(n), np.arange(n))
    x, y = X0 + xs.ravel() * size, Y0 + ys.ravel() * size
    geoms = shapely.box(x, y, x + size, y + size)
    k = np.arange(n * n)
    return gpd.GeoDataFrame({"BSM": [f"J{i:04d}" for i in k], "TBBH": [str(i) for i in k],
                             "DLBM": np.where(k % 3 == 0, "0101", "0103"),
                             "DLMC": np.where(k % 3 == 0, "水田", "旱地"),
                             "TBDLMJ": np.round(shapely.area(geoms) * 0.95, 2)},
                            geometry=geoms, crs=4526)


def parcels(n: int = 12, seed: int = 0, extent: float = 1000.0) -> gpd.GeoDataFrame:
    """Rotated rectangles over part of the grid (a few reach past its edge)."""
    rng = np.random.default_rng(seed)
    cx, cy = X0 + rng.uniform(0, extent, n), Y0 + rng.uniform(0, extent * 0.4, n)
    polys = [shapely.affinity.rotate(box(x - 30, y - 12, x + 30, y + 12), a)
             for x, y, a in zip(cx, cy, rng.uniform(0, 180, n))]
    return gpd.GeoDataFrame({"XMBH": [f"P{i:02d}" for i in range(n)]}, geometry=polys,
                            crs=4526).set_index("XMBH")


def same(a, b) -> None:
    """Two FarmlandOverlap results are equal, exactly."""
    assert_frame_equal(a.by_parcel, b.by_parcel, check_exact=True)
    assert_frame_equal(pd.DataFrame(a.pieces.drop(columns="geometry")),
                       pd.DataFrame(b.pieces.drop(columns="geometry")), check_exact=True)
    assert shapely.equals_exact(a.pieces.geometry.values, b.pieces.geometry.values, 0).all()
    assert a.summary("zh") == b.summary("zh") and a.summary("en") == b.summary("en")
    assert (a.passed, a.n_farmland, a.area_field) == (b.passed, b.n_farmland, b.area_field)


def unprepared(path):
    gdf = read_layer(path)
    return gdf.set_index("BSM") if "BSM" in gdf.columns else gdf


def snapshot(folder):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture
def small_groups(monkeypatch):
    """Row groups of 32 patches, so a 400-patch layer has 13 and the pre-filter has work to do."""
    monkeypatch.setattr(prepared_module, "ROW_GROUP_ROWS", 32)


@pytest.fixture
def jbnt(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_layer(grid(), data / "jbnt.shp")
    return data / "jbnt.shp"


def test_round_trip_equals_the_unprepared_check(jbnt, tmp_path, small_groups, monkeypatch):
    cache = tmp_path / "cache"
    layer = prepare(jbnt, cache_dir=cache)
    assert isinstance(layer, PreparedLayer) and not layer.from_cache
    assert len(layer) == 400 and layer.coverage_valid and layer.all_valid
    assert layer.path.parent == cache and layer.path.suffix == ".parquet"
    # the whole layer reads back as read_layer gave it (same order, values and dtypes)
    full = unprepared(jbnt)
    back = layer.read()
    assert_frame_equal(pd.DataFrame(back.drop(columns="geometry")),
                       pd.DataFrame(full.drop(columns="geometry")), check_exact=True)
    assert shapely.equals_exact(back.geometry.values, full.geometry.values, 0).all()
    assert back.crs == full.crs and back.attrs["source"] == full.attrs["source"]
    # a valid GeoParquet: geopandas reads it (with its bbox covering columns)
    assert len(gpd.read_parquet(layer.path)) == 400

    p = parcels()
    expected = farmland_overlap(p, full)
    assert len(expected.pieces) > 20 and not expected.passed  # the parcels do meet the patches
    # only the row groups near the parcels are read
    import pyarrow.parquet as pq

    read_groups = []
    original = pq.ParquetFile.read_row_groups

    def spy(self, groups, *args, **kwargs):
        read_groups.extend(groups)
        return original(self, groups, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", spy)
    again = prepare(jbnt, cache_dir=cache)
    assert again.from_cache
    got = farmland_overlap(p, again)
    same(expected, got)
    assert 0 < len(set(read_groups)) < 13
    # the other methods (patch areas measured again) and a path with the cache
    same(farmland_overlap(p, full, method="planar"), farmland_overlap(p, again, method="planar"))
    monkeypatch.setattr(prepared_module, "cache_folder", lambda **_: cache)
    same(expected, farmland_overlap(p, jbnt))
    same(expected, farmland_overlap(p, str(jbnt), cache=False))
    # parcels far from every patch: nothing read but the check still names the whole layer
    far = p.translate(5000, 5000)
    same(farmland_overlap(far, full), farmland_overlap(far, again))
    # the pairs found from the stored boxes are the STRtree's pairs on the geometries read, and
    # only the patches in a pair are decoded: those whose box meets a parcel's (computed here
    # from the whole layer with shapely, an independent route)
    from xigeo._overlay import candidate_pairs

    near = prepared_module.near_patches(again, p)
    geoms = np.asarray(near.frame.geometry.values, dtype=object)
    li, ri = candidate_pairs(np.asarray(p.geometry.values, dtype=object), geoms)
    assert near.pairs is not None and li.size > 20
    assert np.array_equal(near.pairs[0], li) and np.array_equal(near.pairs[1], ri)
    whole = np.asarray(full.geometry.values, dtype=object)
    met = np.unique(shapely.STRtree(whole).query(np.asarray(p.geometry.values, dtype=object))[1])
    assert near.frame.index.tolist() == full.index.take(met).tolist()
    # the whole layer's CRS guard passed at preparation: a check guards only the parcels (the
    # patches read are a part of that layer), with the same results
    import xigeo.farmland as fm

    assert again.meta["crs_checked"] is True
    guarded = []
    real = fm.check_crs
    monkeypatch.setattr(fm, "check_crs", lambda data, *a, **k: guarded.append(len(data)) or real(data, *a, **k))
    same(expected, farmland_overlap(p, again))
    assert guarded == [len(p)]
    # a cache written before the record (no "crs_checked"): the patches read are guarded again
    import xigeo.crs as crs_module

    monkeypatch.setitem(again.meta, "crs_checked", False)
    monkeypatch.setattr(crs_module, "check_crs", fm.check_crs)  # check_same_crs's guard too
    guarded.clear()
    same(expected, farmland_overlap(p, again))
    assert sorted(guarded) == sorted([len(p), len(near.frame)])
    monkeypatch.setattr(fm, "check_crs", real)
    monkeypatch.setattr(crs_module, "check_crs", real)
    # an area field the layer does not have: refused as without preparing (all fields listed)
    from xigeo.errors import SchemaError

    with pytest.raises(SchemaError) as plain:
        farmland_overlap(p, full, area_field="JBNTMJ")
    with pytest.raises(SchemaError) as prep:
        farmland_overlap(p, again, area_field="JBNTMJ")
    assert str(prep.value) == str(plain.value) and "TBDLMJ" in str(prep.value)


def test_overlapping_patches_are_still_counted_once(tmp_path, small_groups):
    g = grid(6)
    # a duplicate of patch J0007 (shifted by half) overlaps J0007 and J0008: not a coverage
    dup = g.iloc[[7]].copy()
    dup["BSM"] = "DUP"
    dup = dup.set_geometry(dup.translate(25, 0))
    bad = pd.concat([g, dup], ignore_index=True)
    data = tmp_path / "data"
    data.mkdir()
    write_layer(bad, data / "jbnt.shp")
    layer = prepare(data / "jbnt.shp", cache_dir=tmp_path / "cache")
    assert not layer.coverage_valid and layer.all_valid
    p = gpd.GeoDataFrame(geometry=[box(X0 + 60, Y0 + 60, X0 + 140, Y0 + 90)], crs=4526)
    with pytest.warns(XigeoWarning, match="会被重复计算"):
        expected = farmland_overlap(p, unprepared(data / "jbnt.shp"), method="planar")
    with pytest.warns(XigeoWarning, match="会被重复计算"):
        got = farmland_overlap(p, layer, method="planar")
    same(expected, got)
    # worked by hand: the duplicate box x 75..125, y 50..100 meets the parcel (60..140 × 60..90)
    # over 50 × 30 = 1500 m², all of it also covered by J0007/J0008: counted once
    assert got.by_parcel["double_counted_m2"].iloc[0] == pytest.approx(1500.0, abs=1e-6)
    assert got.by_parcel["overlap_m2"].iloc[0] == pytest.approx(80 * 30, abs=1e-6)


def test_invalid_patch_is_refused_as_without_preparing(tmp_path):
    g = grid(4)
    bow = shapely.Polygon([(X0, Y0 + 200), (X0 + 50, Y0 + 250), (X0 + 50, Y0 + 200), (X0, Y0 + 250)])
    g = pd.concat([g, gpd.GeoDataFrame({"BSM": ["BOW"]}, geometry=[bow], crs=4526)],
                  ignore_index=True)
    data = tmp_path / "data"
    data.mkdir()
    write_layer(g, data / "jbnt.shp")
    layer = prepare(data / "jbnt.shp", cache_dir=tmp_path / "cache")
    assert not layer.all_valid
    near_bow = gpd.GeoDataFrame(geometry=[box(X0 + 10, Y0 + 190, X0 + 40, Y0 + 240)], crs=4526)
    with pytest.raises(ValidationError) as plain:
        farmland_overlap(near_bow, unprepared(data / "jbnt.shp"))
    with pytest.raises(ValidationError) as prep:
        farmland_overlap(near_bow, layer)
    assert str(prep.value) == str(plain.value) and "BOW" in str(prep.value)
    # far from it, both check without complaint and agree
    away = gpd.GeoDataFrame(geometry=[box(X0 + 10, Y0 + 10, X0 + 40, Y0 + 40)], crs=4526)
    same(farmland_overlap(away, unprepared(data / "jbnt.shp")), farmland_overlap(away, layer))


def test_changed_source_invalidates_the_cache(jbnt, tmp_path, caplog):
    cache = tmp_path / "cache"
    first = prepare(jbnt, cache_dir=cache)
    assert prepare(jbnt, cache_dir=cache).from_cache
    # touched only (same bytes, new mtime): prepared again
    st = jbnt.with_suffix(".dbf").stat()
    os.utime(jbnt.with_suffix(".dbf"), ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with caplog.at_level(logging.INFO, logger="xigeo.prepared"):
        touched = prepare(jbnt, cache_dir=cache)
    assert not touched.from_cache and "在预处理后已改动" in caplog.text
    # modified: a patch's class area changes; the prepared copy gives the new value
    g = grid()
    g.loc[5, "TBDLMJ"] = 1234.5
    write_layer(g, jbnt, overwrite=True)
    changed = prepare(jbnt, cache_dir=cache)
    assert not changed.from_cache
    assert changed.read().loc["J0005", "TBDLMJ"] == 1234.5
    assert first.path == changed.path  # one cache file per source, replaced
    assert len(list(cache.iterdir())) == 1


def test_fingerprint_sees_a_change_of_the_same_size_and_mtime(jbnt):
    """The content hash: bytes changed in place, size and mtime put back, is still seen."""
    dbf = jbnt.with_suffix(".dbf")
    before = prepared_module.fingerprint(jbnt)
    st = dbf.stat()
    data = bytearray(dbf.read_bytes())
    data[-200] = ord("9") if data[-200] != ord("9") else ord("8")
    dbf.write_bytes(bytes(data))
    os.utime(dbf, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert dbf.stat().st_size == st.st_size and dbf.stat().st_mtime_ns == st.st_mtime_ns
    assert prepared_module.fingerprint(jbnt) != before


@pytest.mark.parametrize("damage", ["garbage", "truncated", "data page"])
def test_corrupt_cache_is_rebuilt_never_trusted(jbnt, tmp_path, caplog, damage, small_groups):
    cache = tmp_path / "cache"
    layer = prepare(jbnt, cache_dir=cache)
    p = parcels()
    expected = farmland_overlap(p, unprepared(jbnt))
    raw = bytearray(layer.path.read_bytes())
    if damage == "garbage":
        raw[:] = b"not a parquet file" * 10
    elif damage == "truncated":
        raw = raw[: len(raw) // 2]
    else:  # flip bytes inside the data pages; the footer stays readable
        for k in range(200, len(raw) // 2, 97):
            raw[k] ^= 0xFF
    layer.path.write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING, logger="xigeo.prepared"):
        again = prepare(jbnt, cache_dir=cache)
        got = farmland_overlap(p, again)
    same(expected, got)
    assert "已损坏" in caplog.text
    # the damaged file was replaced: a third session uses the cache again and agrees
    third = prepare(jbnt, cache_dir=cache)
    assert third.from_cache
    same(expected, farmland_overlap(p, third))


def test_unwritable_cache_folder_falls_back_to_memory(jbnt, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="xigeo.prepared"):
        layer = prepare(jbnt, cache_dir=blocker / "cache")
    assert layer.path is None and "预处理图层缓存文件夹" in caplog.text and "不可写" in caplog.text
    assert blocker.read_text() == "not a folder"
    p = parcels()
    same(farmland_overlap(p, unprepared(jbnt)), farmland_overlap(p, layer))


def test_nothing_written_beside_the_data(jbnt, tmp_path, monkeypatch):
    monkeypatch.setattr(prepared_module, "cache_folder", lambda **_: tmp_path / "cache")
    before = snapshot(jbnt.parent)
    layer = prepare(jbnt)
    farmland_overlap(parcels(), jbnt)
    assert layer.path.parent == tmp_path / "cache"
    assert snapshot(jbnt.parent) == before


def test_cli_prepare_and_check_farmland_use_the_cache(jbnt, tmp_path, monkeypatch):
    from xigeo.cli import cli

    cache = tmp_path / "cache"
    monkeypatch.setattr(prepared_module, "cache_folder", lambda **_: cache)
    p = parcels().reset_index()
    write_layer(p, tmp_path / "parcels.gpkg")
    before = snapshot(jbnt.parent)
    res = CliRunner().invoke(cli, ["prepare", str(jbnt)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "400 个图斑" in res.output and "已预处理" in res.output and str(cache) in res.output
    (entry,) = cache.iterdir()
    stamp = entry.stat().st_mtime_ns
    res = CliRunner().invoke(cli, ["prepare", str(jbnt)], catch_exceptions=False)
    assert "已是最新" in res.output
    args = ["check-farmland", str(tmp_path / "parcels.gpkg"), str(jbnt), "--id", "XMBH"]
    cached = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert cached.exit_code == 0, cached.output
    assert entry.stat().st_mtime_ns == stamp  # read, not prepared again
    plain = CliRunner().invoke(cli, args + ["--no-cache"], catch_exceptions=False)
    assert plain.exit_code == 0 and plain.output == cached.output
    expected = farmland_overlap(read_layer(tmp_path / "parcels.gpkg").set_index("XMBH"),
                                unprepared(jbnt))
    assert expected.summary("zh") in cached.output
    assert snapshot(jbnt.parent) == before
    # --farmland-id: another index, another cache entry
    res = CliRunner().invoke(cli, ["prepare", str(jbnt), "--farmland-id", "TBBH"],
                             catch_exceptions=False)
    assert res.exit_code == 0 and len(list(cache.iterdir())) == 2
    bad = CliRunner().invoke(cli, ["prepare", str(jbnt), "--farmland-id", "NOPE"])
    assert bad.exit_code != 0 and "NOPE" in str(bad.exception)


def test_overlaps_in_one_corner_of_a_large_layer(tmp_path, small_groups):
    """Only the parcels with a piece of a flagged patch are looked at for double counting; the
    others (pieces of true-coverage patches) are unchanged, the overlapping ones found."""
    g = grid(12)
    dup = g.iloc[[13]].copy()
    dup["BSM"] = "DUP"
    dup = dup.set_geometry(dup.translate(10, 10))  # overlaps J0013, J0014, J0025, J0026
    data = tmp_path / "data"
    data.mkdir()
    write_layer(pd.concat([g, dup], ignore_index=True), data / "jbnt.shp")
    layer = prepare(data / "jbnt.shp", cache_dir=tmp_path / "cache")
    assert not layer.coverage_valid
    p = pd.concat([parcels(30, seed=3, extent=600),
                   gpd.GeoDataFrame(geometry=[box(X0 + 55, Y0 + 55, X0 + 95, Y0 + 95)],
                                    index=pd.Index(["ON"], name="XMBH"), crs=4526)])
    with warnings.catch_warnings(record=True) as plain_w:
        warnings.simplefilter("always")
        expected = farmland_overlap(p, unprepared(data / "jbnt.shp"))
    with warnings.catch_warnings(record=True) as prep_w:
        warnings.simplefilter("always")
        got = farmland_overlap(p, layer)
    same(expected, got)
    assert [str(w.message) for w in prep_w] == [str(w.message) for w in plain_w]
    # the parcel "ON" (55..95)² meets DUP (60..110)² over 35 × 35 m, all of it on J0013's square
    # (50..100)²: 1225 m² counted once (ellipsoidal areas: within 0.5 % of the plane's)
    assert got.by_parcel.loc["ON", "double_counted_m2"] == pytest.approx(1225.0, rel=5e-3)


def test_rounding_overlap_of_pieces_of_neighbouring_patches_is_not_double_counting():
    """Pieces of two patches that only share an edge can overlap by 1e-9 m² (crossing points
    computed once per piece); with the patches given, overlapping_within does not count that.
    Expected: shapely says the patches' interiors do not meet (first case) and do (second)."""
    from xigeo._overlay import overlapping_within

    left, right = box(0, 0, 1, 1), box(1, 0, 2, 1)  # neighbours sharing the edge x = 1
    # the pieces as rounding could leave them: the left one reaches 1e-9 past the shared edge
    pieces = np.array([box(0.5, 0, 1 + 1e-9, 1), box(1, 0, 1.5, 1)])
    assert not shapely.relate_pattern(left, right, "T********")
    assert overlapping_within(np.array([0, 0]), pieces).tolist() == [0]  # the pieces alone: flagged
    assert overlapping_within(np.array([0, 0]), pieces, ri=np.array([0, 1]),
                              right=np.array([left, right])).size == 0
    # patches that do overlap: still found
    over = box(0.9, 0, 2, 1)
    assert shapely.relate_pattern(left, over, "T********")
    assert overlapping_within(np.array([0, 0]), pieces, ri=np.array([0, 1]),
                              right=np.array([left, over])).tolist() == [0]
