"""xigeo.farmland_overlap: pieces, per-parcel totals, slivers, double counting, guards.

Expected numbers: hand-made boxes whose overlaps are worked out in the tests
(planar areas, exact), geopandas.overlay (an independent implementation of
the same intersection) measured with the same xigeo.area call, and the
sample's README (sample_shapefiles/README.md, "Pre-review": overlaps of
9,868, 27,053 and 20,652 m² with jbnt).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import MultiPolygon, Polygon, box

from xigeo import sample
from xigeo.area import area
from xigeo.errors import CRSError, LayerWriteError, OptionError, SchemaError, ValidationError, XigeoWarning
from xigeo.farmland import FarmlandOverlap, farmland_overlap
from xigeo._excel import read_table

X0, Y0 = 38_560_000.0, 3_580_000.0


def b(x1: float, y1: float, x2: float, y2: float) -> Polygon:
    """A box in metres relative to (X0, Y0) in EPSG:4526."""
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def layer(geoms, ids, name="id", crs=4526, **fields) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(fields, geometry=list(geoms), index=pd.Index(ids, name=name), crs=crs)


@pytest.fixture
def farmland() -> gpd.GeoDataFrame:
    return layer([b(0, 0, 100, 100), b(100, 0, 200, 100), b(0, 100, 200, 200)], ["J1", "J2", "J3"],
                 name="BSM", TBBH=["1", "2", "3"], DLBM=["0101", "0102", "0103"],
                 DLMC=["水田", "水浇地", "旱地"], TBDLMJ=[9500.0, 9000.0, 19000.0])


def test_pieces_and_parcels_by_hand(farmland):
    parcels = layer([b(50, 50, 150, 150),          # over all three patches: 4 × 2500 m² quarters
                     b(300, 0, 400, 100),          # far away
                     b(200, 0, 300, 100),          # shares the east edge of J2 only
                     b(10, 10, 20, 20)],           # inside J1
                    ["A", "B", "C", "D"], name="XMBH")
    r = farmland_overlap(parcels, farmland, method="planar")
    assert isinstance(r, FarmlandOverlap) and not r.passed
    p = r.pieces
    assert list(zip(p["parcel_id"], p["patch_id"])) == [("A", "J1"), ("A", "J2"), ("A", "J3"), ("D", "J1")]
    # A: quarter of J1 and of J2 (2500 each), half of the 200×100 patch J3's... 100×50 = 5000
    np.testing.assert_allclose(p["area_m2"], [2500, 2500, 5000, 100])
    np.testing.assert_allclose(p["parcel_share"], [0.25, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(p["patch_share"], [0.25, 0.25, 0.25, 0.01])
    # pro-rated class area = TBDLMJ × patch share
    np.testing.assert_allclose(p["prorated_m2"], [9500 * 0.25, 9000 * 0.25, 19000 * 0.25, 95.0])
    np.testing.assert_allclose(p["area_mu"], p["area_m2"] * 15 / 10000)
    assert p["DLMC"].tolist() == ["水田", "水浇地", "旱地", "水田"]
    # D lies inside J1: its piece is D itself
    assert p.geometry.iloc[3].equals(parcels.geometry.iloc[3])
    t = r.by_parcel
    assert t.index.tolist() == ["A", "B", "C", "D"] and t.index.name == "XMBH"
    np.testing.assert_allclose(t["overlap_m2"], [10000, 0, 0, 100])
    np.testing.assert_allclose(t["share"], [1.0, 0, 0, 1.0])
    assert t["n_patches"].tolist() == [3, 0, 0, 1]
    assert t["verdict"].tolist() == ["touches", "clear", "clear", "touches"]
    assert (t["double_counted_m2"] == 0).all()


def test_patch_inside_parcel_is_the_patch():
    farm = layer([b(40, 40, 60, 60), b(500, 500, 600, 600)], ["J1", "J2"])
    r = farmland_overlap(layer([b(0, 0, 100, 100)], ["P"]), farm, method="planar")
    assert len(r.pieces) == 1 and r.pieces.geometry.iloc[0].equals(farm.geometry.iloc[0])
    assert r.pieces["patch_share"].iloc[0] == 1.0


def test_only_the_polygonal_part_of_a_mixed_intersection_is_kept():
    # an L-shaped patch: overlaps the parcel in a 10×100 strip and touches it along another edge
    ell = Polygon([(X0 - 10, Y0), (X0 + 10, Y0), (X0 + 10, Y0 - 50), (X0 + 200, Y0 - 50),
                   (X0 + 200, Y0 - 100), (X0 - 10, Y0 - 100)])
    farm = layer([ell], ["J1"])
    parcel = layer([b(0, -50, 100, 50)], ["P"])  # touches the L's inner edge y = -50 from x 10 to 100
    r = farmland_overlap(parcel, farm, method="planar")
    geom = r.pieces.geometry.iloc[0]
    assert geom.geom_type == "Polygon"
    assert r.pieces["area_m2"].iloc[0] == pytest.approx(10 * 50)
    # geopandas.overlay gives the same piece
    ov = gpd.overlay(parcel, farm, how="intersection", keep_geom_type=True)
    assert ov.geometry.area.iloc[0] == pytest.approx(geom.area)


def test_slivers_are_counted_and_listed(farmland):
    parcels = layer([b(199.97, 0, 300, 100),                                 # 0.03 × 100 = 3 m² on J2
                     b(199.96, 0, 300, 200),                                 # 4 m² on J2, 4 m² on J3
                     b(-100, 0, 0.06, 200).union(b(199.94, 0, 300, 200))],   # J1 6, J2 6, J3 6 + 6
                    ["S1", "S2", "S3"])
    r = farmland_overlap(parcels, farmland, method="planar", tolerance_m2=10)
    t = r.by_parcel
    np.testing.assert_allclose(t["overlap_m2"], [3, 8, 24], rtol=1e-6)
    np.testing.assert_allclose(r.pieces["area_m2"], [3, 4, 4, 6, 6, 12], rtol=1e-6)
    # every piece not larger than 10 m² is a sliver; all are kept
    assert r.pieces["sliver"].tolist() == [True, True, True, True, True, False]
    assert len(r.slivers) == 5
    assert t["n_slivers"].tolist() == [1, 2, 2]
    np.testing.assert_allclose(t["sliver_m2"], [3, 8, 12], rtol=1e-6)
    assert t["verdict"].tolist() == ["slivers only", "slivers only", "touches"]
    assert not r.passed and "5 sliver pieces" in r.summary("en") and "碎片5个" in r.summary("zh")
    r_big = farmland_overlap(parcels, farmland, method="planar", tolerance_m2=30)
    assert r_big.passed and r_big.by_parcel["verdict"].tolist() == ["slivers only"] * 3
    assert "Result: passed" in r_big.summary("en") and "结论：通过" in r_big.summary("zh")


def test_slivers_adding_up_beyond_the_tolerance_fail(farmland):
    # J1 6 m², J2 3 m², J3 6 + 3 m²: each piece a sliver, 18 m² in all > 10 m²
    parcel = layer([b(-10, 0, 0.06, 200).union(b(199.97, 0, 210, 200))], ["P"])
    r = farmland_overlap(parcel, farmland, method="planar")
    np.testing.assert_allclose(r.pieces["area_m2"], [6, 3, 9], rtol=1e-6)
    assert r.pieces["sliver"].all() and r.by_parcel["verdict"].iloc[0] == "touches"


def test_overlapping_farmland_is_not_counted_twice(farmland):
    dup = pd.concat([farmland, layer([b(0, 0, 100, 100)], ["J1-copy"], name="BSM", TBBH=["1"],
                                     DLBM=["0101"], DLMC=["水田"], TBDLMJ=[9500.0])])
    parcels = layer([b(50, 50, 150, 150), b(150, 0, 160, 10)], ["A", "B"])
    with pytest.warns(XigeoWarning, match="会被重复计算"):
        r = farmland_overlap(parcels, dup, method="planar")
    # A: pieces 2500 (J1) + 2500 (J2) + 5000 (J3) + 2500 (the copy of J1); the union is 10 000
    t = r.by_parcel
    assert t.loc["A", "n_patches"] == 4
    assert t.loc["A", "overlap_m2"] == pytest.approx(10000)
    assert t.loc["A", "double_counted_m2"] == pytest.approx(2500)
    assert t.loc["B", "double_counted_m2"] == 0 and t.loc["B", "overlap_m2"] == pytest.approx(100)
    assert "counted once" in r.summary("en")


def test_multipolygon_parcel_and_ellipsoidal_areas(farmland):
    mp = MultiPolygon([b(10, 10, 20, 20), b(110, 10, 130, 20)])
    r = farmland_overlap(layer([mp], ["M"]), farmland)
    # ellipsoidal pieces equal xigeo.area of the hand-made piece polygons
    expected = area(gpd.GeoSeries([b(10, 10, 20, 20), b(110, 10, 130, 20)], crs=4526))
    np.testing.assert_array_equal(r.pieces["area_m2"].to_numpy(), expected.to_numpy())
    assert r.by_parcel["overlap_m2"].iloc[0] == pytest.approx(expected.sum())
    assert r.method == "ellipsoidal" and r.area_field == "TBDLMJ"


def test_no_farmland_is_refused_not_passed():
    # issue 13: an empty farmland layer made the check "pass" (a wrong file, a wrong layer=)
    empty = gpd.GeoDataFrame(geometry=[], crs=4526)
    with pytest.raises(ValidationError, match="farmland 没有要素（0 个永久基本农田图斑）：空图层永远不算通过"):
        farmland_overlap(gpd.GeoSeries([b(0, 0, 10, 10)], crs=4526), empty)
    with pytest.raises(ValidationError, match="parcels 没有要素"):
        farmland_overlap(gpd.GeoSeries([], crs=4526), layer([b(0, 0, 10, 10)], ["F"]))


def test_guards(farmland):
    parcels = layer([b(0, 0, 10, 10)], ["P"])
    with pytest.raises(CRSError, match="修正"):
        farmland_overlap(parcels, farmland.to_crs(4547))
    bowtie = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    with pytest.raises(ValidationError, match="1 个无效面：Q1"):
        farmland_overlap(layer([bowtie], ["Q1"]), farmland)
    with pytest.raises(ValidationError, match="没有编号"):
        farmland_overlap(layer([b(0, 0, 1, 1), b(1, 1, 2, 2)], ["P", None]), farmland)
    with pytest.raises(ValidationError, match="2 行编号（索引值）重复：P"):
        farmland_overlap(layer([b(0, 0, 1, 1), b(1, 1, 2, 2)], ["P", "P"]), farmland)
    with pytest.raises(ValidationError, match="几何缺失（None）"):
        farmland_overlap(layer([b(0, 0, 1, 1), None], ["P", "R"]), farmland)
    with pytest.raises(SchemaError, match="JBNTMJ"):
        farmland_overlap(parcels, farmland, area_field="JBNTMJ")
    with pytest.raises(OptionError, match="tolerance"):
        farmland_overlap(parcels, farmland, tolerance_m2=-1)
    with pytest.raises(OptionError, match="engine='spark'.*local, dask"):
        farmland_overlap(parcels, farmland, engine="spark")
    with pytest.raises(SchemaError, match="DKBH"):
        farmland_overlap(parcels, farmland, id_field="DKBH")
    try:
        import dask_geopandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"xigeo\[dask\]"):
            farmland_overlap(parcels, farmland, engine="dask")


def test_farmland_validity_is_checked_where_it_matters(farmland):
    bowtie = Polygon([(X0 + 5000, Y0), (X0 + 5010, Y0 + 10), (X0 + 5010, Y0), (X0 + 5000, Y0 + 10)])
    far = pd.concat([farmland, layer([bowtie], ["FAR"], name="BSM")])
    parcels = layer([b(10, 10, 20, 20)], ["P"])
    # an invalid patch 5 km from every parcel cannot change the result: not refused
    r = farmland_overlap(parcels, far, method="planar")
    assert r.by_parcel["overlap_m2"].iloc[0] == pytest.approx(100)
    # within reach of a parcel (boxes meet) it is refused, with its id
    with pytest.raises(ValidationError, match="FAR"):
        farmland_overlap(layer([b(4990, -10, 5020, 20)], ["P"]), far)
    # missing geometries and duplicate ids are refused wherever they are
    with pytest.raises(ValidationError, match="1 个几何缺失（None）：行号：NONE"):
        farmland_overlap(parcels, pd.concat([farmland, layer([None], ["NONE"], name="BSM")]))
    with pytest.raises(ValidationError, match="2 行编号（索引值）重复：J3"):
        farmland_overlap(parcels, pd.concat([farmland, layer([b(900, 900, 901, 901)], ["J3"], name="BSM")]))


def test_report_views(farmland):
    r = farmland_overlap(layer([b(50, 50, 150, 150), b(199.99, 0, 300, 10)], ["A", "B"]), farmland)
    html = r._repr_html_()
    assert "failed" in html and "不通过" in html and "Slivers" in html and "<table" in html
    zh = r.table(labels="zh")
    assert "占用面积(平方米)" in zh.columns and zh["结论"].tolist() == ["占用", "仅碎片"]
    assert "叠加面积(亩)" in r.table("pieces", labels="zh").columns
    assert "geometry" not in r.table("pieces").columns and "geometry" in r.pieces.columns
    assert "by_parcel 2 rows" in repr(r) and r.tables() == ("by_parcel", "pieces")
    # the 合计 row sums the areas and counts and recomputes the share from the sums
    t = r.table("by_parcel", total=True)
    assert t.index[-1] == "合计"
    assert t.loc["合计", "overlap_m2"] == pytest.approx(t["overlap_m2"].iloc[:2].sum())
    assert t.loc["合计", "share"] == pytest.approx(t.loc["合计", "overlap_m2"] / t.loc["合计", "parcel_m2"])
    assert t.loc["合计", "n_patches"] == 4 and pd.isna(t.loc["合计", "verdict"])
    with pytest.raises(OptionError, match="pieces.*没有合计行"):
        r.table("pieces", total=True)
    with pytest.raises(OptionError, match="by_parcel, pieces"):
        r.table("rows")


def test_id_field_names_the_parcels(farmland):
    parcels = layer([b(50, 50, 150, 150), b(300, 0, 400, 100)], [7, 8], XMBH=["A", "B"])
    r = farmland_overlap(parcels, farmland, method="planar", id_field="XMBH")
    assert r.by_parcel.index.tolist() == ["A", "B"] and r.by_parcel.index.name == "XMBH"
    assert r.pieces["parcel_id"].tolist() == ["A", "A", "A"]
    np.testing.assert_allclose(r.by_parcel["overlap_m2"], [10000, 0])
    # the same figures as with the ids as the index
    by_index = farmland_overlap(parcels.set_index("XMBH"), farmland, method="planar")
    pd.testing.assert_frame_equal(r.by_parcel, by_index.by_parcel)
    with pytest.raises(ValidationError, match="编号重复：A"):
        farmland_overlap(parcels.assign(XMBH=["A", "A"]), farmland, id_field="XMBH")


def _random_layers(seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A Voronoi coverage of farmland (with holes punched in some patches) and random parcels."""
    rng = np.random.default_rng(seed)
    extent = b(0, 0, 3000, 3000)
    pts = shapely.multipoints(np.c_[X0 + rng.uniform(0, 3000, 400), Y0 + rng.uniform(0, 3000, 400)])
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=extent))
    cells = shapely.intersection(cells, extent)
    holes = rng.random(cells.size) < 0.1
    cells[holes] = shapely.difference(cells[holes], shapely.buffer(shapely.centroid(cells[holes]), 15))
    farm = layer(cells, [f"J{i}" for i in range(cells.size)], DLBM="0101", TBDLMJ=shapely.area(cells))
    centres = np.c_[X0 + rng.uniform(-200, 3200, 250), Y0 + rng.uniform(-200, 3200, 250)]
    shapes = []
    for k, (x, y) in enumerate(centres):
        if k % 3 == 0:
            shapes.append(shapely.Point(x, y).buffer(rng.uniform(5, 150), quad_segs=6))
        else:
            w, h = rng.uniform(3, 400, 2)
            shapes.append(shapely.affinity.rotate(box(x, y, x + w, y + h), rng.uniform(0, 90)))
    # a few parcels that follow patch boundaries exactly (pieces touching along edges)
    shapes += list(cells[:10])
    parcels = layer(shapes, [f"P{i}" for i in range(len(shapes))])
    return parcels, farm


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_layers_agree_with_geopandas_overlay(seed):
    parcels, farm = _random_layers(seed)
    r = farmland_overlap(parcels, farm)
    ov = gpd.overlay(parcels.reset_index(), farm.reset_index().rename(columns={"id": "fid"}),
                     how="intersection", keep_geom_type=True)
    ov = ov[ov.geometry.area > 0]
    ours = r.pieces.set_index(["parcel_id", "patch_id"]).sort_index()
    theirs = ov.set_index(["id", "fid"]).sort_index()
    assert ours.index.tolist() == theirs.index.tolist()
    # the same pieces measured the same way: survey-rule areas and exact (unrounded) areas
    np.testing.assert_allclose(ours["area_m2"].to_numpy(), area(theirs).to_numpy(), rtol=0, atol=1e-6)
    exact_ours = area(gpd.GeoSeries(ours.geometry.values, crs=4526), survey_rules=False).to_numpy()
    exact_theirs = area(theirs, survey_rules=False).to_numpy()
    np.testing.assert_allclose(exact_ours, exact_theirs, rtol=0, atol=1e-6)
    # per parcel: the sum of the pieces (the coverage does not overlap itself)
    per_parcel = area(ov).groupby(ov["id"]).sum().reindex(parcels.index, fill_value=0.0)
    np.testing.assert_allclose(r.by_parcel["overlap_m2"], per_parcel, atol=1e-6)
    assert (r.by_parcel["double_counted_m2"] == 0).all()


@pytest.mark.parametrize("seed", [1, 4])
def test_piece_and_patch_areas_are_the_areas_of_their_geometries(seed):
    # The local engine measures pieces and patches from the rings its compiled kernel holds,
    # not from the geometries: it must give exactly what xigeo.area gives for the geometries
    # (the issue: "areas of pieces must agree with the ellipsoidal area of the piece's
    # geometry to 0.01 m²"; here they are equal).
    parcels, farm = _random_layers(seed)
    r = farmland_overlap(parcels, farm)
    assert len(r.pieces) > 50
    np.testing.assert_array_equal(r.pieces["area_m2"].to_numpy(), area(r.pieces).to_numpy())
    patch_m2 = area(farm).reindex(r.pieces["patch_id"]).to_numpy()
    np.testing.assert_allclose(r.pieces["patch_share"], r.pieces["area_m2"] / patch_m2, rtol=1e-15)
    parcel_m2 = area(parcels).reindex(r.pieces["parcel_id"]).to_numpy()
    np.testing.assert_allclose(r.pieces["parcel_share"], r.pieces["area_m2"] / parcel_m2, rtol=1e-15)


def test_the_layers_spatial_index_is_reused_and_an_edit_renews_it():
    # The check queries the spatial index geopandas keeps on the layer (built by the first check,
    # as geopandas.overlay builds and reuses it): a second check uses it, and an edit of a patch
    # in place (which makes geopandas drop its index) is seen. Expected areas: GEOS (shapely)
    # intersections of the parcels with the patches as they are at each call, measured planar.
    parcels, farm = _random_layers(5)
    farm = farm.copy()
    assert not farm.geometry.values.has_sindex
    first = farmland_overlap(parcels, farm, method="planar")
    assert farm.geometry.values.has_sindex
    tree = farm.geometry.values.sindex

    def by_geos(layer):
        left = np.asarray(parcels.geometry.values, dtype=object)
        right = np.asarray(layer.geometry.values, dtype=object)
        li, ri = shapely.STRtree(right).query(left, predicate="intersects")
        m2 = shapely.area(shapely.intersection(left[li], right[ri]))
        return pd.Series(m2).groupby(parcels.index.take(li)).sum().reindex(parcels.index, fill_value=0.0)

    np.testing.assert_allclose(first.by_parcel["overlap_m2"], by_geos(farm), rtol=0, atol=1e-6)
    again = farmland_overlap(parcels, farm, method="planar")
    assert farm.geometry.values.sindex is tree  # not built again
    pd.testing.assert_frame_equal(again.by_parcel, first.by_parcel, check_exact=True)
    # move the patch the most parcels meet away from every parcel (10 km east), in place
    hit = first.pieces["patch_id"].value_counts().index[0]
    moved = shapely.affinity.translate(farm.geometry.loc[hit], 10_000, 0)
    farm.loc[hit, farm.geometry.name] = moved
    after = farmland_overlap(parcels, farm, method="planar")
    assert not after.by_parcel["overlap_m2"].equals(first.by_parcel["overlap_m2"])
    np.testing.assert_allclose(after.by_parcel["overlap_m2"], by_geos(farm), rtol=0, atol=1e-6)
    # a patch emptied in place, far from every parcel (the one moved away): refused as on a
    # fresh copy of the layer (missing geometries are looked for on the whole layer)
    farm.loc[hit, farm.geometry.name] = None
    with pytest.raises(ValidationError) as got:
        farmland_overlap(parcels, farm, method="planar")
    with pytest.raises(ValidationError) as fresh:
        farmland_overlap(parcels, farm.copy(), method="planar")
    assert str(got.value) == str(fresh.value) and "几何缺失" in str(got.value)


def test_the_layers_crs_guard_is_not_run_again_on_the_same_layer(monkeypatch, farmland):
    # The whole-layer CRS guard of a farmland layer runs once: a later check of the same layer
    # (same geometry array and CRS) guards only the parcels; a CRS set in place, or a geometry
    # set, is guarded again, with the message check_same_crs gives.
    import xigeo.farmland as fm
    from xigeo.crs import check_same_crs

    parcels = layer([b(50, 50, 150, 150)], ["P1"])
    seen = []
    real = fm.check_crs

    def spy(data, *args, **kwargs):
        seen.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(fm, "check_crs", spy)
    first = farmland_overlap(parcels, farmland)
    seen.clear()
    again = farmland_overlap(parcels, farmland)
    assert seen == [1]  # the parcels only
    pd.testing.assert_frame_equal(again.by_parcel, first.by_parcel, check_exact=True)
    # the layer relabelled in place (4527: zone 39): refused as a fresh layer is
    farmland.set_crs(4527, allow_override=True, inplace=True)
    with pytest.raises(CRSError) as got:
        farmland_overlap(parcels, farmland)
    with pytest.raises(CRSError) as fresh:
        check_same_crs(parcels, farmland.copy(), names=("parcels", "farmland"))
    assert str(got.value) == str(fresh.value)
    farmland.set_crs(4526, allow_override=True, inplace=True)
    # a parcel layer in another CRS: the same message as without the record
    other = parcels.set_crs(4527, allow_override=True).translate(1_000_000, 0)
    with pytest.raises(CRSError) as got:
        farmland_overlap(other, farmland)
    with pytest.raises(CRSError) as fresh:
        farmland_overlap(other, farmland.copy())
    assert str(got.value) == str(fresh.value)


def test_dask_engine_gives_the_local_result():
    dask = pytest.importorskip("dask")
    pytest.importorskip("dask_geopandas")
    from geopandas.testing import assert_geodataframe_equal

    parcels, farm = _random_layers(2)
    local = farmland_overlap(parcels, farm)
    with dask.config.set(scheduler="synchronous"):
        dist = farmland_overlap(parcels, farm, engine="dask", partitions=5)
    assert_geodataframe_equal(dist.pieces, local.pieces)
    pd.testing.assert_frame_equal(dist.by_parcel, local.by_parcel)
    assert dist.summary("en") == local.summary("en") and dist.summary("zh") == local.summary("zh")
    assert dist.passed == local.passed


def test_dask_engine_on_a_local_cluster(farmland):
    pytest.importorskip("dask_geopandas")
    distributed = pytest.importorskip("distributed")
    parcels = layer([b(50, 50, 150, 150), b(10, 10, 20, 20), b(500, 500, 600, 600)], ["A", "D", "X"])
    dup = pd.concat([farmland, layer([b(0, 0, 100, 100)], ["J1-copy"], name="BSM")])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        with pytest.warns(XigeoWarning, match="会被重复计算"):
            dist = farmland_overlap(parcels, dup, engine="dask", partitions=2)
    with pytest.warns(XigeoWarning):
        local = farmland_overlap(parcels, dup)
    pd.testing.assert_frame_equal(dist.by_parcel, local.by_parcel)
    pd.testing.assert_frame_equal(pd.DataFrame(dist.pieces.drop(columns="geometry")),
                                  pd.DataFrame(local.pieces.drop(columns="geometry")))
    assert dist.pieces.geometry.geom_equals_exact(local.pieces.geometry, 0).all()


def test_sample_prereview_against_jbnt():
    pre = sample.load("prereview").set_index("XMBH")
    jbnt = sample.load("jbnt").set_index("BSM")
    r = farmland_overlap(pre, jbnt)
    hit = r.by_parcel[r.by_parcel["verdict"] != "clear"]
    # README "Pre-review": 9,868 m², 27,053 m² and 20,652 m² of overlap
    assert hit.index.tolist() == ["YS2014008", "YS2014013", "YS2020058"]
    assert hit["overlap_m2"].round().tolist() == [9868, 27053, 20652]
    assert (hit["verdict"] == "touches").all() and not r.passed
    assert r.area_field == "JBNTMJ" and "prereview.shp" in r.summary("en")
    ov = gpd.overlay(pre.reset_index()[["XMBH", "geometry"]], jbnt.reset_index()[["BSM", "geometry"]],
                     how="intersection", keep_geom_type=True)
    theirs = area(ov).groupby([ov["XMBH"], ov["BSM"]]).sum().sort_index()
    ours = r.pieces.set_index(["parcel_id", "patch_id"])["area_m2"].sort_index()
    assert ours.index.tolist() == theirs.index.tolist()
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-6)


# --- the command line ---------------------------------------------------------------------

def test_cli_check_farmland(tmp_path, farmland):
    from click.testing import CliRunner

    from xigeo.cli.farmland import check_farmland_command
    from xigeo.io import read_layer, write_layer

    parcels = layer([b(50, 50, 150, 150), b(199.99, 0, 300, 10), b(500, 500, 600, 600)],
                    ["A", "B", "C"], name="XMBH").reset_index()
    write_layer(parcels, tmp_path / "地块.gpkg")
    write_layer(farmland.reset_index(), tmp_path / "jbnt.shp")
    out, book = tmp_path / "结果.gpkg", tmp_path / "结果.xlsx"
    args = [str(tmp_path / "地块.gpkg"), str(tmp_path / "jbnt.shp"), "--id", "XMBH",
            "-o", str(out), "--xlsx", str(book), "--labels", "zh"]
    res = CliRunner().invoke(check_farmland_command, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "结论：不通过" in res.output and "Result: failed" not in res.output
    # --labels zh: the touched parcels' table in Chinese, verdicts 仅碎片 / 占用 (不占用 not listed)
    assert "仅碎片" in res.output and "占用面积(平方米)" in res.output
    assert "slivers only" not in res.output and "touches" not in res.output
    pieces = read_layer(out, layer="pieces")
    # BSM of the farmland became patch_id; A covers a quarter of J1 and J2 and half of J3's width
    assert pieces["patch_id"].tolist() == ["J1", "J2", "J3", "J2"]
    by_parcel = read_layer(out, layer="by_parcel")
    assert by_parcel["XMBH"].tolist() == ["A", "B", "C"] and by_parcel["verdict"].tolist()[2] == "clear"
    sheets = read_table(book, sheet_name=None, index_col=0)
    assert list(sheets) == ["地块占用农田情况表", "叠加图斑明细表", "碎片图斑明细表"]
    assert sheets["地块占用农田情况表"]["结论"].tolist() == ["占用", "仅碎片", "不占用"]
    assert len(sheets["碎片图斑明细表"]) == 1
    # outputs are not replaced without --overwrite (refused before anything is read: the
    # files keep their bytes); with it they are
    before = out.read_bytes(), book.read_bytes()
    again = CliRunner().invoke(check_farmland_command, args)
    assert again.exit_code != 0 and "--overwrite" in str(again.exception)
    assert isinstance(again.exception, LayerWriteError)
    only_book = args[:2] + ["--id", "XMBH", "--xlsx", str(book)]
    again = CliRunner().invoke(check_farmland_command, only_book)
    assert again.exit_code != 0 and "结果.xlsx 已存在" in str(again.exception)
    # even with an input that cannot be read: the output is checked first
    again = CliRunner().invoke(check_farmland_command, [str(tmp_path / "无此文件.shp")] + only_book[1:])
    assert again.exit_code != 0 and "已存在" in str(again.exception)
    assert (out.read_bytes(), book.read_bytes()) == before
    again = CliRunner().invoke(check_farmland_command, args + ["--overwrite", "--tolerance", "0.05"])
    assert again.exit_code == 0, again.output
    assert read_layer(out, layer="by_parcel")["verdict"].tolist() == ["touches", "touches", "clear"]
    replaced = read_table(book, sheet_name="地块占用农田情况表", index_col=0)
    assert replaced["结论"].tolist() == ["占用", "占用", "不占用"]
    bad = CliRunner().invoke(check_farmland_command, args[:2] + ["--id", "DKBH"])
    assert bad.exit_code != 0 and "DKBH" in str(bad.exception)
    assert "示例" in CliRunner().invoke(check_farmland_command, ["--help"]).output


def test_sample_prereview_in_geographic_coordinates():
    # The same check on the layers reprojected to CGCS2000 geographic (EPSG:4490): the kernel
    # clips in degrees and the survey areas are taken from B, L (README "Pre-review": 9,868 m²,
    # 27,053 m² and 20,652 m²; reprojection moves vertices by < 1 mm, so the m² agree).
    pre = sample.load("prereview").set_index("XMBH").to_crs(4490)
    jbnt = sample.load("jbnt").set_index("BSM").to_crs(4490)
    r = farmland_overlap(pre, jbnt)
    hit = r.by_parcel[r.by_parcel["verdict"] != "clear"]
    assert hit.index.tolist() == ["YS2014008", "YS2014013", "YS2020058"]
    assert hit["overlap_m2"].round().tolist() == [9868, 27053, 20652]
    np.testing.assert_array_equal(r.pieces["area_m2"].to_numpy(), area(r.pieces).to_numpy())
