"""Tests of xigeo.changes (国土变更调查: two survey years) and the ``xigeo changes`` command.

Where the expected numbers come from:

- the sample's second year ``dltb_2025`` is derived from ``dltb`` by
  ``xigeo.sample.second_year.second_year``, which records every change it
  seeds with the area of the ground that changed, measured on the GEOS
  intersection (``shapely.intersection``) by ``xigeo.area`` — not by the
  overlay kernel the change survey uses;
- the class totals are those of the official summary table
  (``xigeo.landuse_tables``, 二级 table, county row), which the transition
  table's rows (first year) and its 年末面积 row (second year) must print;
- the ledgers are worked here from the seeded changes and the patches'
  attributes (class area TBDLMJ, ridges KCMJ, pro-rated by area);
- the pieces are compared with ``geopandas.overlay(how="intersection")``
  measured by the same survey area method;
- the linkage figures are the seed's (DOMAIN.md): demolition zones
  853.72 ha, new-build zones 395.42 ha of which 32.47 ha were already
  construction land.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely import box

import xigeo
from xigeo import landuse_tables, read_layer, sample
from xigeo.area import area
from xigeo.changes import STATUSES, SurveyChanges, survey_changes
from xigeo.errors import LayerWriteError, OptionError, SchemaError, ValidationError
from xigeo.landuse_tables import load_classification
from xigeo.sample.second_year import change_year, second_year
from xigeo._excel import read_table

X, Y = 38_560_000.0, 3_580_000.0
Z = "4115281012010000000"


@pytest.fixture(scope="module")
def sample_years():
    before = read_layer(sample.path("dltb"))
    after = read_layer(sample.path("dltb_2025"))
    return before, after


@pytest.fixture(scope="module")
def seeded():
    layers = [read_layer(sample.path(n)) for n in ("dltb", "linkage_demolition", "linkage_newbuild")]
    return second_year(*layers)


@pytest.fixture(scope="module")
def sample_result(sample_years):
    return survey_changes(*sample_years)


def year(rows, crs=4526):
    return gpd.GeoDataFrame([r[:-1] for r in rows], columns=["BSM", "DLBM", "ZLDWDM", "KCMJ", "TBDLMJ"],
                            geometry=[r[-1] for r in rows], crs=crs)


# --- the sample's second year --------------------------------------------------------------

def test_sample_second_year_is_what_the_generator_derives(sample_years, seeded):
    _, after = sample_years
    derived, _ = seeded
    assert list(derived["BSM"]) == list(after["BSM"])
    for field in ("DLBM", "ZLDWDM", "QSDWDM", "TBBH"):
        assert list(derived[field].astype(str)) == list(after[field].astype(str)), field
    np.testing.assert_array_equal(derived["TBMJ"].to_numpy(), after["TBMJ"].to_numpy())
    assert shapely.equals(derived.geometry.values, after.geometry.values).all()
    assert "dltb_2025" in sample.available


def test_second_year_keeps_the_survey_rules_and_the_total(sample_years):
    before, after = sample_years
    # TBDLMJ = TBMJ − KCMJ, KCMJ = TBMJ × KCXS (DOMAIN.md) on every patch of the new year
    np.testing.assert_allclose(after["TBDLMJ"], (after["TBMJ"] - after["KCMJ"]).round(2), atol=1e-9)
    # KCMJ rounded half up (worked with decimal: numpy rounds a tie to even)
    from decimal import ROUND_HALF_UP, Decimal

    want = [float((Decimal(repr(t)) * Decimal(repr(k))).quantize(Decimal("0.01"), ROUND_HALF_UP))
            for t, k in zip(after["TBMJ"], after["KCXS"])]
    np.testing.assert_allclose(after["KCMJ"], want, atol=1e-9)
    # the surveyed total is kept to the hundredth (the control area)
    assert round(after["TBMJ"].sum(), 2) == round(before["TBMJ"].sum(), 2)
    # reshaped and new patches carry their survey area, within the spread hundredths
    fresh = ~after["BSM"].isin(before["BSM"])
    assert np.abs(after.loc[fresh, "TBMJ"] - area(after[fresh])).max() < 0.05
    assert shapely.coverage_is_valid(after.geometry.values, gap_width=0.0)
    assert after["BSM"].is_unique


def test_every_seeded_change_is_found_with_its_area(sample_result, seeded):
    _, changes = seeded
    r = sample_result
    pieces = r.pieces.groupby(["before_BSM", "after_BSM"])["area_m2"].sum()
    classed = changes[changes["before_DLBM"] != changes["after_DLBM"]]
    assert set(classed["kind"]) == {"reclamation", "construction", "consolidation", "orchard"}
    keys = list(zip(classed["before_BSM"], classed["after_BSM"]))
    found = pieces.reindex(keys)
    assert found.notna().all(), classed[found.isna().to_numpy()]
    # the kernel's pieces against GEOS intersections, both measured by the survey area method
    np.testing.assert_allclose(found.to_numpy(), classed["area_m2"].to_numpy(), rtol=0, atol=1e-4)
    # every class-changed piece larger than a sliver is a seeded change (nothing else changed);
    # a seeded change may be a sliver itself (a zone grazing a patch)
    real = r.pieces[r.pieces["class_changed"] & ~r.pieces["sliver"]]
    assert set(zip(real["before_BSM"], real["after_BSM"])) <= set(keys)
    small = classed[classed["area_m2"] <= r.tolerance_m2]
    assert set(zip(real["before_BSM"], real["after_BSM"])) == set(keys) - set(zip(small["before_BSM"], small["after_BSM"]))
    # and the piece's classes are the seeded ones
    got = r.pieces.drop_duplicates(["before_BSM", "after_BSM"]).set_index(["before_BSM", "after_BSM"])
    assert list(got.loc[keys, "before_DLBM"]) == list(classed["before_DLBM"])
    assert list(got.loc[keys, "after_DLBM"]) == list(classed["after_DLBM"])


def test_seeded_patch_fates(sample_result, seeded):
    _, changes = seeded
    status = sample_result.patches["status"]
    recoded = changes[changes["kind"].isin(["reclamation", "consolidation", "orchard"])]
    assert (status.loc[recoded["before_BSM"]] == "attributes").all()
    merged = changes[changes["kind"] == "merge"]
    assert (status.loc[merged["before_BSM"]] == "merged").all()
    assert (status.loc[merged["after_BSM"].unique()] == "merged").all()
    # a patch cut by a new-build zone is split (its BSM keeps the part outside the zone)
    # (or merged into the zone's patch when wholly inside it; reshaped when only a sliver of it
    # is left outside, or only a sliver of it lies inside)
    built = changes[(changes["kind"] == "construction") & (changes["area_m2"] > sample_result.tolerance_m2)]
    fates = status.loc[built["before_BSM"].unique()]
    assert fates.isin(["split", "merged", "reshaped"]).all() and fates.isin(["split", "merged"]).mean() > 0.95
    zones = built["after_BSM"].unique()
    assert status.loc[zones].isin(["split", "merged"]).all() and len(zones) > 10
    assert set(status.unique()) <= set(STATUSES)
    lineage = sample_result.patches.loc[merged["after_BSM"].iloc[0], "lineage"].split(";")
    assert sorted(lineage) == sorted(merged[merged["after_BSM"] == merged["after_BSM"].iloc[0]]["before_BSM"])


def test_linkage_figures_in_the_change_survey(seeded, sample_years):
    """Reclaimed homesteads are the demolition zones (853.72 ha); built land the new-build zones
    less the 32.47 ha that were construction land already (395.42 − 32.47 = 362.95 ha, DOMAIN.md)."""
    _, changes = seeded
    from xigeo._landuse import is_construction

    reclaimed = changes[changes["kind"] == "reclamation"]
    assert round(reclaimed["area_m2"].sum() / 1e4, 2) == 853.72
    built = changes[(changes["kind"] == "construction") & ~is_construction(changes["before_DLBM"])]
    assert abs(built["area_m2"].sum() / 1e4 - 362.95) <= 0.01


def test_transition_totals_are_the_summary_tables_class_totals(sample_result, sample_years):
    before, after = sample_years
    t = sample_result.table("transitions", total=True)
    classes = load_classification()
    for layer, totals in ((before, t["total_ha"].drop("年末面积")), (after, t.loc["年末面积"])):
        level2 = landuse_tables(layer, level="county").table("level2").iloc[0]
        for code in classes["code"]:
            column = f"{code}_ha"
            printed = float(level2[column])
            key = code if layer is before else column
            got = float(totals.get(key, 0.0))
            assert got == pytest.approx(printed, abs=1e-9), (code, got, printed)
    # every row of the printed table adds up to its total
    cells = t.drop(columns=["name", "total_ha"])
    np.testing.assert_allclose(cells.drop("年末面积").sum(axis=1), t["total_ha"].drop("年末面积"), atol=1e-9)
    # the unrounded flows are the class areas: rows Σ first-year, columns Σ second-year
    m2 = sample_result.transitions_m2
    farm = before["DLBM"].str.startswith("01")
    assert m2.loc[["0101", "0102", "0103"]].to_numpy().sum() == pytest.approx(
        before.loc[farm, "TBDLMJ"].sum(), abs=1e-3)
    assert m2.loc["1203"].sum() == pytest.approx(before["KCMJ"].sum(), abs=1e-3)
    assert m2["1203_m2"].sum() == pytest.approx(after["KCMJ"].sum(), abs=1e-3)
    assert abs(m2.loc["0702", "0101_m2"] + m2.loc["0702", "0103_m2"] + m2.loc["0702", "1203_m2"]
               - seeded_m2(sample_result)) < 1.0


def seeded_m2(r: SurveyChanges) -> float:
    """Class-changed pieces from 0702 to farmland or ridges' classes (the reclaimed homesteads)."""
    p = r.pieces
    sel = (p["before_DLBM"] == "0702") & p["after_DLBM"].str.startswith("01")
    return float(p.loc[sel, "area_m2"].sum())


def test_ledgers_worked_from_the_seeded_changes(sample_result, sample_years, seeded):
    before, after = sample_years
    _, changes = seeded
    b = before.set_index("BSM")
    a = after.set_index("BSM")
    c = changes[changes["before_DLBM"] != changes["after_DLBM"]]
    # a piece carries its patch's class area pro-rated by area: piece × TBDLMJ / TBMJ
    before_class = c["area_m2"].to_numpy() * (b.loc[c["before_BSM"], "TBDLMJ"] / b.loc[c["before_BSM"], "TBMJ"]).to_numpy()
    after_class = c["area_m2"].to_numpy() * (a.loc[c["after_BSM"], "TBDLMJ"] / a.loc[c["after_BSM"], "TBMJ"]).to_numpy()
    from_farm = c["before_DLBM"].str.startswith("01").to_numpy()
    to_farm = c["after_DLBM"].str.startswith("01").to_numpy()
    occupied = before_class[from_farm & (c["kind"] == "construction").to_numpy()].sum()
    supplemented = after_class[to_farm & c["before_DLBM"].isin(["0702", "0404"]).to_numpy()].sum()
    into = after_class[to_farm & (c["before_DLBM"] == "1104").to_numpy()].sum()
    out = before_class[from_farm & (c["after_DLBM"] == "0201").to_numpy()].sum()
    oc, ff = sample_result.occupation.sum(), sample_result.farmland_flow.sum()
    assert oc["occupied_ha"] == pytest.approx(occupied / 1e4, abs=1e-4)
    assert oc["supplemented_ha"] == pytest.approx(supplemented / 1e4, abs=1e-4)
    assert oc["balance_ha"] == pytest.approx((supplemented - occupied) / 1e4, abs=2e-4)
    assert ff["in_ha"] == pytest.approx(into / 1e4, abs=1e-4)
    assert ff["out_ha"] == pytest.approx(out / 1e4, abs=1e-4)
    assert ff["balance_ha"] == pytest.approx((into - out) / 1e4, abs=2e-4)
    # by township: the second-year ZLDWDM[:9] of the ground
    towns = sample_result.occupation.index
    assert towns.str.fullmatch(r"411528\d{3}").all()
    assert sample_result.occupation["occupied_ha"].gt(0).sum() >= 2


def test_slivers_are_counted_listed_and_kept_in_the_flows(sample_result):
    r = sample_result
    assert len(r.slivers) > 0 and (r.slivers["area_m2"] <= r.tolerance_m2).all()
    assert f"碎片{len(r.slivers):,}块" in r.summary("zh")
    assert f"{len(r.slivers):,} sliver" in r.summary("en")


def test_result_contract(sample_result, tmp_path):
    r = sample_result
    assert r.tables() == ("transitions", "farmland_flow", "occupation", "patches", "pieces", "slivers")
    zh = r.table("transitions", labels="zh", total=True)
    assert zh.index.name == "地类编码" and "年末面积" in zh.index
    assert "旱地(0103)" in zh.columns and "年初面积(公顷)" in zh.columns
    assert r.table("patches", labels="zh")["变化类型"].isin(STATUSES.values()).all()
    occ = r.table("occupation", labels="zh", total=True)
    assert occ.loc["合计", "建设占用耕地(公顷)"] == pytest.approx(r.occupation["occupied_ha"].sum())
    path = r.to_excel(tmp_path / "变更统计.xlsx")
    book = read_table(path, sheet_name=None, index_col=None)
    assert list(book)[:4] == ["摘要", "地类变化流量表", "耕地进出平衡表", "耕地占补平衡表"]
    assert "国土变更调查" in r._repr_html_()


def test_write_increment(sample_result, tmp_path):
    r = sample_result
    path = r.write_increment(tmp_path / "变更.gpkg")
    import pyogrio

    # the three layers and the QGIS styles table (tests/test_gpkg_styles.py)
    assert sorted(n for n, _ in pyogrio.list_layers(path)) == ["added", "layer_styles", "pieces",
                                                               "removed"]
    added = read_layer(path, layer="added")
    removed = read_layer(path, layer="removed")
    # the increment: everything not unchanged, in either year
    status = r.patches["status"]
    assert len(removed) == int((r.patches["in_before"] & (status != "unchanged")).sum())
    assert len(added) == int((r.patches["in_after"] & (status != "unchanged")).sum())
    assert set(added["BSM"]) >= set(r.patches.index[~r.patches["in_before"]])
    before = path.read_bytes()
    with pytest.raises(LayerWriteError, match="已存在"):
        r.write_increment(path)
    assert path.read_bytes() == before


# --- against geopandas.overlay -------------------------------------------------------------

@pytest.fixture(scope="module")
def bench_pair():
    from xigeo.sample.generate import generate_dltb

    first = generate_dltb(1500, seed=3)
    return first, change_year(first, fraction=0.1, seed=4)


def test_pieces_agree_with_geopandas_overlay(bench_pair):
    before, after = bench_pair
    r = survey_changes(before, after)
    keep = ["BSM", "DLBM", "ZLDWDM", "QSDWDM", "geometry"]
    ov = gpd.overlay(before[keep], after[keep], how="intersection", keep_geom_type=True)
    ov["area_m2"] = area(ov).to_numpy()
    changed = ((ov["DLBM_1"] != ov["DLBM_2"]) | (ov["ZLDWDM_1"] != ov["ZLDWDM_2"])
               | (ov["QSDWDM_1"] != ov["QSDWDM_2"]))
    ov = ov[changed & (ov["area_m2"] > 0)]
    theirs = ov.groupby(["BSM_1", "BSM_2"])["area_m2"].sum()
    ours = r.pieces.groupby(["before_BSM", "after_BSM"])["area_m2"].sum()
    ours = ours[ours > 1e-6]
    theirs = theirs[theirs > 1e-6]
    assert len(theirs) > 50
    assert set(ours.index) == set(theirs.index)
    np.testing.assert_allclose(ours.loc[theirs.index].to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-6)
    # the same groupby of the overlay gives the transitions' class flows (class part + ridges)
    total = ov[ov["DLBM_1"] != ov["DLBM_2"]].groupby(["DLBM_1", "DLBM_2"])["area_m2"].sum()
    p = r.pieces[r.pieces["class_changed"]].groupby(["before_DLBM", "after_DLBM"])["area_m2"].sum()
    np.testing.assert_allclose(p.loc[total.index].to_numpy(), total.to_numpy(), rtol=0, atol=1e-5)


def test_change_year_for_benchmarks(bench_pair):
    before, after = bench_pair
    # the surveyed total and the survey rules are kept
    assert round(after["TBMJ"].sum(), 2) == round(before["TBMJ"].sum(), 2)
    np.testing.assert_allclose(after["TBDLMJ"], (after["TBMJ"] - after["KCMJ"]).round(2), atol=1e-9)
    assert after["BSM"].is_unique
    r = survey_changes(before, after)
    changed = (r.patches["in_before"] & (r.patches["status"] != "unchanged")).sum()
    # 10 % chosen; merges take a neighbour with them
    assert 0.09 * len(before) < changed < 0.13 * len(before)


# --- hand-made cases -------------------------------------------------------------------------

def test_merged_reshaped_new_removed_statuses():
    """Four 100 m squares in a row; the second year merges 1+2 into a new patch 5, and retires 4:
    its west 20 m go to 3 (reshaped), the rest is a new patch 6 (4 was split between 3 and 6)."""
    b = year([("1", "0103", Z, 0.0, 10000.0, box(X, Y, X + 100, Y + 100)),
              ("2", "0103", Z, 0.0, 10000.0, box(X + 100, Y, X + 200, Y + 100)),
              ("3", "0201", Z, 0.0, 10000.0, box(X + 200, Y, X + 300, Y + 100)),
              ("4", "0301", Z, 0.0, 10000.0, box(X + 300, Y, X + 400, Y + 100))])
    a = year([("5", "0103", Z, 0.0, 20000.0, box(X, Y, X + 200, Y + 100)),
              ("3", "0201", Z, 0.0, 12000.0, box(X + 200, Y, X + 320, Y + 100)),
              ("6", "0301", Z, 0.0, 8000.0, box(X + 320, Y, X + 400, Y + 100))])
    r = survey_changes(b, a)
    status = r.patches["status"].to_dict()
    assert status == {"1": "merged", "2": "merged", "3": "reshaped", "4": "split", "5": "merged",
                      "6": "split"}
    assert r.patches.loc["5", "lineage"] == "1;2" and r.patches.loc["4", "lineage"] == "3;6"
    # the 20 m strip of 4 went to 3: 0301 → 0201, 2,000 m² less the ellipsoid's scale
    piece = r.pieces.set_index(["before_BSM", "after_BSM"]).loc[("4", "3")]
    assert piece["area_m2"] == pytest.approx(area(gpd.GeoSeries([box(X + 300, Y, X + 320, Y + 100)], crs=4526))[0],
                                             abs=1e-6)
    t = r.table("transitions", total=True)
    assert t.loc["0301", "0201_ha"] == 0.2 and t.loc["年末面积", "0201_ha"] == 1.2


def test_ridges_follow_the_official_tables():
    """A farmland patch's ridges are 1203 田坎 in both years; more ridges flow from its class."""
    b = year([("1", "0103", Z, 500.0, 9500.0, box(X, Y, X + 100, Y + 100))])
    a = year([("1", "0103", Z, 800.0, 9200.0, box(X, Y, X + 100, Y + 100))])
    r = survey_changes(b, a)
    assert r.patches.loc["1", "status"] == "attributes"
    assert len(r.pieces) == 0  # neither class nor ownership changed
    m2 = r.transitions_m2
    assert m2.loc["0103", "0103_m2"] == pytest.approx(9200.0)
    assert m2.loc["0103", "1203_m2"] == pytest.approx(300.0)
    assert m2.loc["1203", "1203_m2"] == pytest.approx(500.0)
    assert r.farmland_flow["out_ha"].sum() == 0 and r.occupation["occupied_ha"].sum() == 0


def test_ownership_change_is_a_change_piece():
    b = year([("1", "0103", Z, 0.0, 10000.0, box(X, Y, X + 100, Y + 100))])
    a = year([("1", "0103", "4115281012020000000", 0.0, 10000.0, box(X, Y, X + 100, Y + 100))])
    r = survey_changes(b, a)
    assert len(r.pieces) == 1 and r.pieces["owner_changed"].all() and not r.pieces["class_changed"].any()
    assert r.pieces["area_m2"].iloc[0] == pytest.approx(area(b).iloc[0])


def test_a_sliver_is_listed_and_flows():
    """The boundary moves by 2 cm: a 2 m² sliver of 0103 becomes 0201 — listed, and in the flows."""
    b = year([("1", "0103", Z, 0.0, 10000.0, box(X, Y, X + 100, Y + 100)),
              ("2", "0201", Z, 0.0, 10000.0, box(X + 100, Y, X + 200, Y + 100))])
    a = year([("1", "0103", Z, 0.0, 9998.0, box(X, Y, X + 99.98, Y + 100)),
              ("2", "0201", Z, 0.0, 10002.0, box(X + 99.98, Y, X + 200, Y + 100))])
    r = survey_changes(b, a)
    assert len(r.slivers) == 1 and r.slivers["area_m2"].iloc[0] == pytest.approx(2.0, abs=1e-3)
    assert r.pieces["sliver"].sum() == 1
    assert r.transitions_m2.loc["0103", "0201_m2"] == pytest.approx(2.0, abs=1e-3)
    # slivers do not make a split or a merge
    assert set(r.patches["status"]) == {"reshaped"}
    assert len(survey_changes(b, a, tolerance_m2=1.0).slivers) == 0


def test_bad_input_is_refused(tmp_path):
    b = year([("1", "0103", Z, 0.0, 10000.0, box(X, Y, X + 100, Y + 100))])
    with pytest.raises(SchemaError, match="KCMJ"):
        survey_changes(b.drop(columns="KCMJ"), b)
    with pytest.raises(SchemaError, match="id_field"):
        survey_changes(b.drop(columns="BSM"), b)
    with pytest.raises(ValidationError, match="BSM 重复：1"):
        survey_changes(gpd.GeoDataFrame(pd.concat([b, b.assign(geometry=b.translate(100))]), crs=b.crs), b)
    with pytest.raises(ValidationError, match=r"^after：1 个问题：\n  - DLBM 不是三调工作分类中的地类：1 个图斑，BSM：1"):
        survey_changes(b, b.assign(DLBM="9999"))
    with xigeo.using_language("en"), pytest.raises(
            ValidationError,
            match=r"^after: 1 problem\(s\):\n  - DLBM is not a class of the 三调 working classification in 1 BSM\(s\) 1"):
        survey_changes(b, b.assign(DLBM="9999"))
    with pytest.raises(OptionError, match="tolerance_m2"):
        survey_changes(b, b, tolerance_m2=-1)
    with pytest.raises(OptionError, match="engine"):
        survey_changes(b, b, engine="spark")
    # the second year covers only half: the ground of patch 1 is refused, named
    half = year([("1", "0103", Z, 0.0, 5000.0, box(X, Y, X + 50, Y + 100))])
    with pytest.raises(ValidationError, match="1 个图斑有部分范围未被 .* 覆盖.*：1"):
        survey_changes(b, half)
    # the same ground, different totals (not adjusted to one control area)
    with pytest.raises(ValidationError, match="两个年度的总面积相差"):
        survey_changes(b, b.assign(TBDLMJ=12000.0, BSM="2"))
    with pytest.raises(Exception, match="CRS|crs"):
        survey_changes(b, b.set_crs(4527, allow_override=True))


# --- dask: a province, county by county ------------------------------------------------------------

def _two_counties():
    from xigeo.sample.generate import generate_dltb

    one = generate_dltb(600, seed=1)
    other = generate_dltb(600, seed=2)
    one.attrs, other.attrs = {}, {}
    other = other.set_geometry(other.translate(xoff=60_000))
    for field in ("ZLDWDM", "QSDWDM"):
        other[field] = "411529" + other[field].str.slice(6)
    other["BSM"] = "411529" + other["BSM"].str.slice(6)
    pairs = [(g, change_year(g, fraction=0.05, seed=s)) for g, s in ((one, 7), (other, 8))]
    before = gpd.GeoDataFrame(pd.concat([p[0] for p in pairs], ignore_index=True), crs=one.crs)
    after = gpd.GeoDataFrame(pd.concat([p[1] for p in pairs], ignore_index=True), crs=one.crs)
    return before, after


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as c:
        yield c


def test_dask_engine_equals_local_on_two_counties(client):
    before, after = _two_counties()
    local = survey_changes(before, after)
    lazy = survey_changes(before, after, engine="dask")
    assert set(local.occupation.index.str.slice(0, 6)) == {"411528", "411529"}
    for name in ("transitions", "transitions_m2", "farmland_flow", "occupation", "patches", "slivers"):
        pd.testing.assert_frame_equal(getattr(lazy, name), getattr(local, name), check_exact=False,
                                      rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(pd.DataFrame(lazy.pieces.drop(columns="geometry")),
                                  pd.DataFrame(local.pieces.drop(columns="geometry")))
    assert shapely.equals(lazy.pieces.geometry.values, local.pieces.geometry.values).all()
    # the province's table is the sum of the counties' (each rounded on its own)
    c1 = survey_changes(before[before["ZLDWDM"].str.startswith("411528")],
                        after[after["ZLDWDM"].str.startswith("411528")])
    c2 = survey_changes(before[before["ZLDWDM"].str.startswith("411529")],
                        after[after["ZLDWDM"].str.startswith("411529")])
    summed = c1.transitions.drop(columns="name").add(c2.transitions.drop(columns="name"), fill_value=0)
    pd.testing.assert_frame_equal(local.transitions.drop(columns="name").loc[summed.index, summed.columns],
                                  summed, check_exact=False, atol=1e-9)


# --- the command ------------------------------------------------------------------------------

def test_cli_changes(tmp_path):
    from xigeo.cli import cli

    before, after = sample.path("dltb"), sample.path("dltb_2025")
    out, xlsx = tmp_path / "变更.gpkg", tmp_path / "变更统计.xlsx"
    result = CliRunner().invoke(cli, ["changes", str(before), str(after), "-o", str(out), "--xlsx", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert "国土变更调查" in result.output and "耕地占补平衡" in result.output
    assert out.is_file() and xlsx.is_file()
    book = read_table(xlsx, sheet_name=None, index_col=None)
    assert "地类变化流量表" in book
    # an existing output is refused, nothing written
    stamp = (out.read_bytes(), xlsx.read_bytes())
    again = CliRunner().invoke(cli, ["changes", str(before), str(after), "-o", str(out), "--xlsx", str(xlsx)])
    assert again.exit_code == 1 and "--overwrite" in str(again.exception)
    assert (out.read_bytes(), xlsx.read_bytes()) == stamp
    # an input is never an output
    copy = tmp_path / "a.gpkg"
    sample_layer = read_layer(before)
    sample_layer.attrs = {}
    from xigeo import write_layer

    write_layer(sample_layer, copy)
    stamp = copy.read_bytes()
    onto = CliRunner().invoke(cli, ["changes", str(copy), str(after), "-o", str(copy), "--overwrite"])
    assert onto.exit_code == 1 and "是本命令的输入文件" in str(onto.exception)
    assert copy.read_bytes() == stamp
    # a missing id field names the flag
    bad = CliRunner().invoke(cli, ["changes", str(before), str(after), "--id", "FID"])
    assert bad.exit_code == 1 and "--id FIELD" in str(bad.exception)


# --- maps -----------------------------------------------------------------------------------

def test_change_map_legend_is_the_from_to_pairs(sample_result):
    from xigeo.maps import change_map, map_info

    fig = change_map(sample_result, date="2026年12月")
    legend = map_info(fig).legend
    # the pairs of 一级 groups of the class-changed pieces larger than a sliver (classification table)
    classes = load_classification()
    group = dict(zip(classes["code"], classes["level1_code"]))
    group.update({"0505": "05"})  # GB/T 21010 0505 is counted as 05H1 (aliases)
    name = dict(zip(classes["level1_code"], classes["level1_name"]))
    p = sample_result.pieces[sample_result.pieces["class_changed"] & ~sample_result.pieces["sliver"]]
    pairs = {(group[a], group[b]) for a, b in zip(p["before_DLBM"], p["after_DLBM"])}
    assert legend == [f"{name[a]}→{name[b]}" for a, b in sorted(pairs)]
    assert map_info(fig).title == "土地利用变化图"


def test_farmland_change_map_colours_gains_and_losses(sample_result):
    from xigeo.maps import farmland_change_map, map_info

    fig = farmland_change_map(sample_result, date="2026年12月")
    legend = map_info(fig).legend
    # seeded: construction on farmland, farmland to orchards; homesteads reclaimed, ponds and
    # unused grassland brought into cultivation
    assert legend == ["耕地减少（建设占用）", "耕地减少（转为其他农用地）", "耕地增加（建设用地复垦）",
                      "耕地增加（其他农用地转入）", "耕地增加（未利用地开发）"]
    p = sample_result.pieces[sample_result.pieces["class_changed"] & ~sample_result.pieces["sliver"]]
    farm_b, farm_a = p["before_DLBM"].str.startswith("01"), p["after_DLBM"].str.startswith("01")
    # polygons are drawn as one compound path per colour: count their rings (MOVETOs)
    drawn = sum(1 if p.codes is None else int((p.codes == p.MOVETO).sum())
                for c in fig.axes[0].collections for p in c.get_paths())
    assert drawn >= int((farm_b ^ farm_a).sum())
