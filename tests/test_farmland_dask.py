"""xigeo._farmland_dask.dask_pieces: the overlay per farmland partition on dask.

Expected results: the local kernel :func:`xigeo._overlay.intersection_pieces`
on the whole layers (the same parcel positions, patch rows and ids, and
piece polygons equal to 1e-9 m), and, for the hand-made case, overlaps of
boxes worked out in the test. Data: hand-made boxes and the sample's
``jbnt`` (3,274 basic-farmland patches) and ``prereview`` (61 projects)
layers (sample_shapefiles/README.md).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import Polygon, box

from xigeo import sample
from xigeo._overlay import intersection_pieces
from xigeo.area import area
from xigeo.errors import ValidationError

dask = pytest.importorskip("dask")
dask_geopandas = pytest.importorskip("dask_geopandas")

from xigeo._farmland_dask import dask_pieces  # noqa: E402

X0, Y0 = 38_560_000.0, 3_580_000.0
FIELDS = ["TBBH", "DLBM", "DLMC", "TBDLMJ", "JBNTMJ", "TBMJ"]


def b(x1: float, y1: float, x2: float, y2: float) -> Polygon:
    """A box in metres relative to (X0, Y0) in EPSG:4526."""
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def farm_layer(geoms, ids, **fields) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(fields, geometry=list(geoms), index=pd.Index(ids, name="BSM"), crs=4526)


@pytest.fixture
def farmland() -> gpd.GeoDataFrame:
    # three patches side by side at the origin, one 7 km north-east
    return farm_layer([b(0, 0, 100, 100), b(100, 0, 200, 100), b(0, 100, 200, 200), b(5000, 5000, 5100, 5100)],
                      ["J1", "J2", "J3", "J4"], DLBM=["0101", "0102", "0103", "0101"],
                      TBDLMJ=[9500.0, 9000.0, 19000.0, 10000.0])


@pytest.fixture(scope="module")
def sample_layers() -> tuple[np.ndarray, gpd.GeoDataFrame]:
    parcels = sample.load("prereview").set_index("XMBH")
    jbnt = sample.load("jbnt").set_index("BSM")
    return np.asarray(parcels.geometry.values, dtype=object), jbnt


def assert_like_local(result, parcels: np.ndarray, farm: gpd.GeoDataFrame, fields=FIELDS) -> None:
    """``result`` of dask_pieces equals intersection_pieces on the whole layers."""
    li, patches, pieces = result
    lli, lri, lpieces = intersection_pieces(parcels, np.asarray(farm.geometry.values, dtype=object))
    assert li.dtype == np.int64 and li.tolist() == lli.tolist()
    assert patches["patch_pos"].tolist() == lri.tolist()
    assert patches.index.tolist() == farm.index.take(lri).tolist()
    assert patches.index.name == farm.index.name
    carried = [f for f in fields if f in farm.columns]
    assert patches.columns.tolist()[:len(carried) + 1] == carried + ["patch_pos"]
    pd.testing.assert_frame_equal(patches[carried], pd.DataFrame(farm[carried]).take(lri),
                                  check_index_type=False, check_dtype=False)  # dask reads text as string[pyarrow]
    assert len(pieces) == len(lpieces) and shapely.equals_exact(pieces, lpieces, 1e-9).all()


def lazy(farm: gpd.GeoDataFrame, n: int) -> "dask_geopandas.GeoDataFrame":
    """A dask-geopandas layer of ``n`` runs of the patches in Hilbert order (rows keep their order)."""
    ddf = dask_geopandas.from_geopandas(farm, npartitions=n, sort=False)
    ddf.calculate_spatial_partitions()
    return ddf


# --- in-memory layer, synchronous scheduler ------------------------------------------------

def test_hand_made_pieces(farmland):
    parcels = np.array([b(50, 50, 150, 150),   # a quarter of J1 and of J2, 100×50 of J3
                        b(300, 0, 400, 100),   # far from all
                        b(10, 10, 20, 20)])    # inside J1
    with dask.config.set(scheduler="synchronous"):
        r = dask_pieces(parcels, farmland, fields=FIELDS, partitions=3, crs=farmland.crs,
                        method="planar")
    li, patches, pieces = r
    assert li.tolist() == [0, 0, 0, 2]
    assert patches.index.tolist() == ["J1", "J2", "J3", "J1"]
    assert patches["patch_pos"].tolist() == [0, 1, 2, 0]
    assert patches.columns.tolist() == ["DLBM", "TBDLMJ", "patch_pos", "patch_m2"]
    # 50×50, 50×50, 100×50 m² and the 10×10 m² parcel inside J1
    assert shapely.area(pieces).tolist() == [2500.0, 2500.0, 5000.0, 100.0]
    # patch areas: 100×100, 100×100, 200×100 m²
    assert patches["patch_m2"].tolist() == [10000.0, 10000.0, 20000.0, 10000.0]
    assert_like_local(r, parcels, farmland)


@pytest.mark.parametrize("partitions", [None, 1, 5])
def test_sample_in_memory_matches_local(sample_layers, partitions):
    parcels, jbnt = sample_layers
    with dask.config.set(scheduler="synchronous"):
        r = dask_pieces(parcels, jbnt, fields=FIELDS, partitions=partitions, crs=jbnt.crs,
                        method="ellipsoidal")
    assert_like_local(r, parcels, jbnt)
    # README "Pre-review": three projects overlap jbnt
    assert len(np.unique(r[0])) == 3
    # the patch areas measured on the workers: xigeo.area of the same patches
    pos = r[1]["patch_pos"].to_numpy()
    np.testing.assert_array_equal(r[1]["patch_m2"].to_numpy(), area(jbnt.iloc[pos]).to_numpy())


def test_no_parcel_meets_the_farmland(farmland):
    with dask.config.set(scheduler="synchronous"):
        li, patches, pieces = dask_pieces(np.array([b(-900, -900, -800, -800)]), farmland,
                                          fields=FIELDS, partitions=2, crs=farmland.crs)
    assert li.size == 0 and pieces.size == 0
    assert patches.columns.tolist() == ["DLBM", "TBDLMJ", "patch_pos"] and patches.index.name == "BSM"


def test_lazy_layer_reads_only_the_partitions_it_needs(farmland, caplog):
    # partition 0: J1, J2; partition 1: J3, J4 (from_geopandas keeps the row order); the box of
    # partition 1 (0..5100 × 100..5100 m) does not reach the parcel at y 10..20 m
    ddf = lazy(farmland, 2)
    with dask.config.set(scheduler="synchronous"), caplog.at_level(logging.DEBUG, "xigeo._farmland_dask"):
        r = dask_pieces(np.array([b(10, 10, 20, 20)]), ddf, fields=FIELDS, partitions=None,
                        crs=farmland.crs)
    assert "2 partitions, 1 read, 0 counted" in caplog.text
    assert r[1].index.tolist() == ["J1"] and r[1]["patch_pos"].tolist() == [0]
    # a parcel on J4 (partition 1): partition 0 is only counted, for the row numbers
    caplog.clear()
    with dask.config.set(scheduler="synchronous"), caplog.at_level(logging.DEBUG, "xigeo._farmland_dask"):
        r = dask_pieces(np.array([b(5010, 5010, 5020, 5020)]), ddf, fields=FIELDS, partitions=None,
                        crs=farmland.crs)
    assert "2 partitions, 1 read, 1 counted" in caplog.text
    assert r[1].index.tolist() == ["J4"] and r[1]["patch_pos"].tolist() == [3]


# --- validation ------------------------------------------------------------------------------

def test_invalid_patch_refused_only_near_a_parcel(farmland):
    bowtie = Polygon([(X0 + 5000, Y0 + 500), (X0 + 5010, Y0 + 510), (X0 + 5010, Y0 + 500),
                      (X0 + 5000, Y0 + 510)])
    far = pd.concat([farmland, farm_layer([bowtie], ["BOW"], DLBM=["0101"], TBDLMJ=[0.0])])
    near = np.array([b(4990, 490, 5020, 520)])      # its box meets the bow-tie's
    away = np.array([b(10, 10, 20, 20)])            # 5 km from it
    for layer in (far, lazy(far, 2)):
        with dask.config.set(scheduler="synchronous"):
            li, patches, _ = dask_pieces(away, layer, fields=FIELDS, partitions=2, crs=far.crs)
            assert patches.index.tolist() == ["J1"]
            with pytest.raises(ValidationError, match="BOW"):
                dask_pieces(near, layer, fields=FIELDS, partitions=2, crs=far.crs)


def test_missing_ids_and_shared_ids_are_refused(farmland):
    parcels = np.array([b(50, 50, 150, 150)])
    no_id = farmland.copy()
    no_id.index = pd.Index(["J1", None, "J3", "J4"], name="BSM")
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValidationError, match=r"1 行没有编号.*位置（图层中）：1"):
            dask_pieces(parcels, no_id, fields=FIELDS, partitions=2, crs=no_id.crs)
        # lazy, one partition per patch: the second holds the row without an id (dask refuses
        # missing values in a text index, so the ids are numbers here)
        no_id.index = pd.Index([1.0, np.nan, 3.0, 4.0], name="BSM")
        with pytest.raises(ValidationError, match=r"（第 1 分区）：1 行没有编号.*位置（分区中）：0。"):
            dask_pieces(parcels, lazy(no_id, 4), fields=FIELDS, partitions=None, crs=no_id.crs)
        shared = farmland.copy()
        shared.index = pd.Index(["J1", "J2", "J1", "J4"], name="BSM")
        with pytest.raises(ValidationError, match="个编号被多个图斑共用：J1"):
            dask_pieces(parcels, shared, fields=FIELDS, partitions=4, crs=shared.crs)


def test_partition_messages_keep_the_callers_language(farmland):
    """A task on a worker thread does not see the caller's using_language (or a command's
    --lang): the language travels with the task."""
    from xigeo import using_language

    parcels = np.array([b(50, 50, 150, 150)])
    no_id = farmland.copy()
    no_id.index = pd.Index([1.0, np.nan, 3.0, 4.0], name="BSM")
    with dask.config.set(scheduler="threads"), using_language("en"):
        with pytest.raises(ValidationError, match=r"\(partition 1\): 1 rows have no id .* positions 0 "
                                                  r"of the partition"):
            dask_pieces(parcels, lazy(no_id, 4), fields=FIELDS, partitions=None, crs=no_id.crs)
        with pytest.raises(ValidationError, match="shared by several patches"):
            shared = farmland.copy()
            shared.index = pd.Index(["J1", "J2", "J1", "J4"], name="BSM")
            dask_pieces(parcels, shared, fields=FIELDS, partitions=4, crs=shared.crs)


# --- a distributed cluster ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    # dashboard on a free port: None means the default 8787, taken when another cluster runs
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as c:
        yield c


# dask-geopandas 0.5 reads GeoParquet with set_index(inplace=True), which pandas 3.1 deprecates
@pytest.mark.filterwarnings("ignore:The inplace keyword in GeoDataFrame:DeprecationWarning")
def test_lazy_geoparquet_on_a_cluster(client, sample_layers, tmp_path):
    parcels, jbnt = sample_layers
    # a Hilbert-ordered GeoParquet of 6 partitions, read back lazily (a province's layer in small)
    order = np.argsort(jbnt.geometry.hilbert_distance().to_numpy(), kind="stable")
    dask_geopandas.from_geopandas(jbnt.iloc[order], npartitions=6, sort=False).to_parquet(tmp_path / "jbnt")
    ddf = dask_geopandas.read_parquet(tmp_path / "jbnt")
    assert ddf.spatial_partitions is not None and ddf.npartitions == 6
    r = dask_pieces(parcels, ddf, fields=FIELDS, partitions=None, crs=jbnt.crs, method="ellipsoidal")
    assert_like_local(r, parcels, jbnt.iloc[order])
    pos = r[1]["patch_pos"].to_numpy()
    np.testing.assert_array_equal(r[1]["patch_m2"].to_numpy(), area(jbnt.iloc[order].iloc[pos]).to_numpy())
    # without spatial partitions every partition is read and selects its parcels itself
    ddf.spatial_partitions = None
    again = dask_pieces(parcels, ddf, fields=FIELDS, partitions=None, crs=jbnt.crs)
    assert_like_local(again, parcels, jbnt.iloc[order])
    # an in-memory layer: its partitions are scattered to the workers
    assert_like_local(dask_pieces(parcels, jbnt, fields=FIELDS, partitions=4, crs=jbnt.crs),
                      parcels, jbnt)


def test_errors_come_back_from_the_workers(client, farmland):
    bowtie = Polygon([(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 20), (X0 + 20, Y0 + 10), (X0 + 10, Y0 + 20)])
    bad = pd.concat([farmland, farm_layer([bowtie], ["BOW"], DLBM=["0101"], TBDLMJ=[0.0])])
    parcels = np.array([b(0, 0, 50, 50)])
    for layer in (bad, lazy(bad, 2)):
        with pytest.raises(ValidationError, match="BOW.*Self-intersection") as info:
            dask_pieces(parcels, layer, fields=FIELDS, partitions=2, crs=bad.crs)
        # the problem list travels with the message (ValidationError pickles its problems)
        assert [list(p.rows) for p in info.value.problems] == [["BOW"]]


@pytest.mark.filterwarnings("ignore:The inplace keyword in GeoDataFrame:DeprecationWarning")
def test_farmland_overlap_with_a_lazy_layer_gives_the_local_result(client, tmp_path):
    # The whole check, farmland read lazily by the workers from a GeoParquet: pieces, per-parcel
    # table and verdict equal the local engine's on the layer in memory (the sample's pre-review
    # projects against jbnt: README "Pre-review", 3 projects on basic farmland).
    from xigeo.farmland import farmland_overlap

    pre = sample.load("prereview").set_index("XMBH")
    jbnt = sample.load("jbnt").set_index("BSM")
    order = np.argsort(jbnt.geometry.hilbert_distance().to_numpy(), kind="stable")
    dask_geopandas.from_geopandas(jbnt.iloc[order], npartitions=5, sort=False).to_parquet(tmp_path / "j")
    ddf = dask_geopandas.read_parquet(tmp_path / "j")
    dist = farmland_overlap(pre, ddf, engine="dask")
    local = farmland_overlap(pre, jbnt.iloc[order])
    pd.testing.assert_frame_equal(dist.by_parcel, local.by_parcel)
    cols = [c for c in local.pieces.columns if c != "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(dist.pieces[cols]), pd.DataFrame(local.pieces[cols]),
                                  check_dtype=False)
    assert dist.pieces.geometry.geom_equals_exact(local.pieces.geometry, 1e-9).all()
    assert dist.passed == local.passed is False
    assert dist.by_parcel.loc[["YS2014008", "YS2014013", "YS2020058"], "overlap_m2"].round().tolist() \
        == [9868, 27053, 20652]
    assert "against the farmland patches" in dist.summary("en")  # a lazy layer is not counted


def test_lazy_layer_in_another_crs_is_refused(farmland):
    from xigeo.errors import CRSError
    from xigeo.farmland import farmland_overlap

    parcels = gpd.GeoDataFrame(geometry=[b(0, 0, 50, 50)], index=pd.Index(["P"], name="XMBH"), crs=4526)
    other = lazy(farmland, 2).set_crs(4527, allow_override=True)
    with pytest.raises(CRSError, match="使用同一坐标系"):
        farmland_overlap(parcels, other, engine="dask")
