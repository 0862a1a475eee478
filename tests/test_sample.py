"""The Xi County sample data set: every published figure, recomputed from the files.

Expected numbers are the county report's figures (/work/shared/seed, DOMAIN.md
"The seed's figures"); the rules that turn geometry into those figures are the
ones sample_shapefiles/README.md states, written out again here rather than
imported from the generator. Areas are xigeo's survey ellipsoidal areas;
farmland / construction-land overlaps are xigeo areas of geopandas.overlay pieces.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from xigeo import sample
from xigeo.area import area
from xigeo import read_layer

REPO = Path(__file__).resolve().parents[1]
VECTORS = [n for n in sample.available if n != "minepark_dem"]

# DOMAIN.md / README: construction land (建设用地) in the sense of the linkage quota
CONSTRUCTION_CODES = {"1001", "1002", "1003", "1004", "1005", "1007", "1008", "1009", "1109", "1201"}
# DOMAIN.md "Industrial land": minimum floor-area ratio by GB/T 4754 division
MIN_FAR = {**dict.fromkeys(["13", "14", "15", "18", "19", "24", "30", "40", "41", "42"], 1.0),
           **dict.fromkeys(["17", "20", "21", "22", "23", "28", "29"], 0.8),
           **dict.fromkeys(["27", "31", "34", "35", "36", "37", "39", "43"], 0.7),
           **dict.fromkeys(["26", "32", "33"], 0.6), "25": 0.5}
MU = 10000 / 15


def is_construction(codes: pd.Series) -> pd.Series:
    return codes.str[:2].isin(["05", "06", "07", "08", "09"]) | codes.isin(CONSTRUCTION_CODES)


def ha(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    return area(gdf, method="ellipsoidal", unit="ha")


def overlap(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, keep: str) -> pd.Series:
    """m² of ``a`` covered by ``b``, per value of a's column ``keep`` (overlay pieces measured)."""
    pieces = gpd.overlay(a[[keep, "geometry"]], b[["geometry"]], how="intersection", keep_geom_type=True)
    return area(pieces, method="ellipsoidal", unit="m2").groupby(pieces[keep]).sum()


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return {name: read_layer(sample.path(name)) for name in VECTORS}


# --- plumbing --------------------------------------------------------------------------

def test_every_layer_is_there_in_the_survey_crs_and_utf8(layers):
    assert len(sample.available) == 21
    for name in VECTORS:
        path = sample.path(name)
        assert path.suffix == ".shp"
        assert path.with_suffix(".cpg").read_text().strip().upper() in {"UTF-8", "UTF8"}
        assert layers[name].crs.to_epsg() == 4526, name
        assert layers[name].geometry.is_valid.all(), name
        assert len(layers[name]) > 0
        # fixed .dbf date (bytes 1-3: year-1900, month, day) so rebuilds are byte-identical
        assert path.with_suffix(".dbf").read_bytes()[1:4] == bytes([126, 11, 26])
    assert sample.path("minepark_dem").suffix == ".tif"
    assert sample.load("county").attrs["source"] == str(sample.path("county"))
    with pytest.raises(KeyError, match="没有示例图层 .城关镇.；可用：county"):
        sample.path("城关镇")


def test_files_stay_small():
    # 15 MB since the second survey year dltb_2025 (4 MB) joined the set (issue 19)
    total = sum(f.stat().st_size for f in sample.data_dir().iterdir() if f.is_file())
    assert total < 15e6


# --- county, townships, survey patches, basic farmland ----------------------------------

def test_county_outline_and_townships(layers):
    county, towns = layers["county"], layers["townships"]
    assert area(county, unit="km2").sum() == pytest.approx(1890.0, abs=0.01)
    lon0, lat0, lon1, lat1 = county.to_crs(4490).total_bounds
    assert 114.4 <= lon0 < lon1 <= 115.0 and 32.1 <= lat0 < lat1 <= 32.6
    assert len(towns) == 21 and towns["XZQDM"].str.startswith("411528").all()
    names = set(towns["XZQMC"])
    assert {"谯楼街道", "龙湖街道", "淮河街道", "包信镇", "夏庄镇", "八里岔乡", "临河乡"} <= names
    assert "城关镇" not in names
    # the townships tile the county
    assert area(towns, unit="km2").sum() == pytest.approx(1890.0, abs=0.01)
    assert towns.union_all().symmetric_difference(county.geometry.iloc[0]).area < 1.0


def test_dltb_attributes_follow_the_survey_rules(layers):
    dltb = layers["dltb"]
    assert len(dltb) > 5000
    assert (dltb.geom_type == "Polygon").all()
    # TBMJ is the survey ellipsoidal area to 0.01 m²; TBDLMJ = TBMJ - KCMJ
    np.testing.assert_array_equal(dltb["TBMJ"].to_numpy(), area(dltb).round(2).to_numpy())
    np.testing.assert_allclose(dltb["TBDLMJ"], (dltb["TBMJ"] - dltb["KCMJ"]).round(2), atol=1e-9)
    farm = dltb["DLBM"].str.startswith("01")
    assert dltb.loc[farm, "KCXS"].between(0.02, 0.08).all()
    assert (dltb.loc[~farm, ["KCXS", "KCMJ"]] == 0).all().all()
    # KCMJ = TBMJ × KCXS rounded half up to 0.01 m² (the survey rule), worked with decimal here:
    # numpy/pandas round half to even, which put 31 patches 0.01 m² low before
    from decimal import ROUND_HALF_UP, Decimal

    want = [float((Decimal(repr(t)) * Decimal(repr(k))).quantize(Decimal("0.01"), ROUND_HALF_UP))
            for t, k in zip(dltb["TBMJ"], dltb["KCXS"])]
    np.testing.assert_allclose(dltb["KCMJ"], want, atol=1e-9)
    assert dltb["ZLDWDM"].str.fullmatch(r"411528\d{13}").all()
    assert dltb["QSDWDM"].str.fullmatch(r"411528\d{13}").all()
    assert dltb["BSM"].is_unique
    names = dict(zip(dltb["DLBM"], dltb["DLMC"]))
    assert {k: names[k] for k in ("0101", "0103", "0601", "0702", "1003", "1006", "1101", "1104")} == {
        "0101": "水田", "0103": "旱地", "0601": "工业用地", "0702": "农村宅基地",
        "1003": "公路用地", "1006": "农村道路", "1101": "河流水面", "1104": "坑塘水面"}
    assert dltb.groupby(["ZLDWDM", "TBBH"]).size().max() == 1


def test_dltb_is_a_gap_free_coverage_of_the_study_area(layers):
    dltb = layers["dltb"]
    assert shapely.coverage_is_valid(dltb.geometry.values)
    study = shapely.box(*dltb.total_bounds)
    assert abs(dltb.union_all().area - study.area) < 1.0
    assert abs(dltb.area.sum() - study.area) < 1.0
    assert area(dltb, unit="km2").sum() > 100


# --- the units the patches tile: villages (CJDCQ), townships' parts, the study area ---------
# README: a unit's code is a prefix of the patches' ZLDWDM (6 county, 9 township, 12 village),
# its polygon is the union of its patches, KZMJ its survey ellipsoidal area to 0.01 m². The
# patches' TBMJ are their own areas to 0.01 m², so Σ TBMJ differs from KZMJ by rounding only:
# at most 0.005 m² per patch (the bound asserted), in fact well under 1 m² (the README's figures).

UNITS = [("survey_area", "XZQDM", "XZQMC", 6), ("survey_townships", "XZQDM", "XZQMC", 9),
         ("villages", "CJDCQDM", "CJDCQMC", 12)]


def test_unit_codes_and_names_follow_the_patches(layers):
    dltb = layers["dltb"]
    for name, code, label, width in UNITS:
        unit = layers[name]
        assert unit[code].str.fullmatch(rf"411528\d{{{width - 6}}}").all(), name
        assert unit[code].is_unique
        assert set(unit[code]) == set(dltb["ZLDWDM"].str[:width]), name
    villages = layers["villages"].set_index("CJDCQDM")["CJDCQMC"]
    assert len(villages) == 170
    names = dltb.drop_duplicates("ZLDWDM").set_index(dltb.drop_duplicates("ZLDWDM")["ZLDWDM"].str[:12])["ZLDWMC"]
    assert villages.to_dict() == names.to_dict()
    towns = layers["survey_townships"].set_index("XZQDM")["XZQMC"]
    assert towns.to_dict() == layers["townships"].set_index("XZQDM")["XZQMC"].reindex(towns.index).to_dict()
    assert len(towns) == 8
    assert layers["survey_area"]["XZQDM"].tolist() == ["411528"]


def test_units_are_tiled_by_their_patches(layers):
    dltb = layers["dltb"]
    study = shapely.box(*dltb.total_bounds)
    villages, towns, whole = layers["villages"], layers["survey_townships"], layers["survey_area"]
    assert shapely.coverage_is_valid(villages.geometry.values)
    assert shapely.coverage_is_valid(towns.geometry.values)
    assert whole.geometry.iloc[0].symmetric_difference(study).area < 1.0
    # villages tile their township, townships tile the study area
    by_town = villages.dissolve(by=villages["CJDCQDM"].str[:9]).geometry
    for code, geom in zip(towns["XZQDM"], towns.geometry):
        assert geom.symmetric_difference(by_town[code]).area < 1.0, code
    assert towns.union_all().symmetric_difference(study).area < 1.0
    # every patch lies in its own village
    rep = dltb.geometry.representative_point()
    own = villages.set_index("CJDCQDM").geometry.reindex(dltb["ZLDWDM"].str[:12]).to_numpy()
    assert shapely.contains(own, rep.to_numpy()).all()


def test_control_areas_match_the_patches_up_to_rounding(layers):
    dltb = layers["dltb"]
    worst = {}
    for name, code, _, width in UNITS:
        unit = layers[name].set_index(code)
        measured = area(unit)
        np.testing.assert_array_equal(unit["KZMJ"].to_numpy(), measured.round(2).to_numpy())
        keys = dltb["ZLDWDM"].str[:width]
        tbmj = dltb["TBMJ"].groupby(keys).sum().reindex(unit.index)
        n = keys.value_counts().reindex(unit.index)
        diff = (unit["KZMJ"] - tbmj).abs()
        assert (diff <= 0.005 * n + 1e-6).all(), name
        worst[name] = round(float(diff.max()), 2)
    # the measured differences the README quotes (adjustment tests may rely on them)
    assert worst == {"survey_area": 0.0, "survey_townships": 0.17, "villages": 0.06}


def test_farmland_slope_grade_and_type(layers):
    dltb = layers["dltb"]
    farm = dltb["DLBM"].str.startswith("01")
    grade = dltb.loc[farm, "GDPDJB"]
    assert grade.isin(["1", "2", "3", "4", "5"]).all()
    assert dltb.loc[~farm, ["GDPDJB", "GDLX"]].isna().all().all()  # written empty
    # 三调: farmland of grades 2–5 is 梯田 TT or 坡地 PD; grade 1 (≤ 2°) has no type
    gdlx = dltb.loc[farm, "GDLX"]
    assert gdlx[grade != "1"].isin(["TT", "PD"]).all()
    assert gdlx[grade == "1"].isna().all()
    # terraces are commoner the steeper the land
    tt_share = (gdlx == "TT").groupby(grade).mean()
    assert tt_share["2"] < tt_share["3"] < tt_share["4"]
    assert grade.value_counts().to_dict() == {"1": 3499, "3": 732, "2": 597, "4": 6}
    # the plain north of the Huai is grade 1
    assert set(grade[dltb.loc[farm].geometry.centroid.y > 3579800.0]) == {"1"}


def test_jbnt_is_made_of_farmland_patches(layers):
    dltb, jbnt = layers["dltb"], layers["jbnt"]
    farm_wkb = set(dltb.geometry[dltb["DLBM"].str.startswith("01")].to_wkb())
    assert jbnt.geometry.to_wkb().isin(farm_wkb).all()
    assert jbnt["DLBM"].str.startswith("01").all()
    np.testing.assert_allclose(jbnt["JBNTMJ"], (jbnt["TBMJ"] - jbnt["KCMJ"]).round(2), atol=1e-9)


# --- linkage -------------------------------------------------------------------------------

def test_linkage_totals_reproduce_the_report(layers):
    demo, newbuild = layers["linkage_demolition"], layers["linkage_newbuild"]
    dltb, jbnt = layers["dltb"], layers["jbnt"]
    projects = pd.concat([demo[["XMMC", "PZZT"]], newbuild[["XMMC", "PZZT"]]]).drop_duplicates()
    assert projects["XMMC"].is_unique
    assert len(projects) == 14 and (projects["PZZT"] == "已批准").sum() == 10
    app_nb = newbuild[newbuild["PZZT"] == "已批准"]
    app_de = demo[demo["PZZT"] == "已批准"]
    newbuild_ha = ha(app_nb).sum()
    demolition_ha = ha(app_de).sum()
    construction_ha = overlap(app_nb, dltb[is_construction(dltb["DLBM"])], keep="JXQBH").sum() / 1e4
    quota_used = newbuild_ha - construction_ha
    surplus = demolition_ha - quota_used  # reclaimed area = demolition area (README)
    assert round(newbuild_ha, 2) == 395.42
    assert round(demolition_ha, 2) == 853.72
    assert round(construction_ha, 2) == 32.47
    assert round(quota_used, 2) == 362.95
    assert round(surplus, 2) == 490.77
    # MJ carries the zone area in ha
    np.testing.assert_allclose(newbuild["MJ"], ha(newbuild).round(4), atol=1e-9)


def test_linkage_zones_follow_the_rules(layers):
    demo, newbuild = layers["linkage_demolition"], layers["linkage_newbuild"]
    dltb, jbnt = layers["dltb"], layers["jbnt"]
    # demolition zones are homestead patches of dltb, vertex for vertex
    homesteads = set(dltb.geometry[dltb["DLBM"] == "0702"].to_wkb())
    assert demo.geometry.to_wkb().isin(homesteads).all()
    # approved new-build zones keep clear of permanent basic farmland; one declared one does not
    farmland = jbnt.union_all()
    approved = newbuild["PZZT"] == "已批准"
    assert not newbuild[approved].intersects(farmland).any()
    assert newbuild[~approved].intersects(farmland).sum() == 1
    # demolition >= new build for every approved project; one declared project falls short
    per = pd.DataFrame({"de": ha(demo).groupby(demo["XMMC"]).sum(),
                        "nb": ha(newbuild).groupby(newbuild["XMMC"]).sum()})
    status = newbuild.groupby("XMMC")["PZZT"].first()
    assert (per.loc[status == "已批准", "de"] >= per.loc[status == "已批准", "nb"]).all()
    assert (per.loc[status == "已申报", "de"] < per.loc[status == "已申报", "nb"]).sum() == 1


# --- consolidation, pre-review --------------------------------------------------------------

def test_consolidation_totals(layers):
    cons = layers["consolidation"]
    assert len(cons) == 25 and cons["XMMC"].is_unique
    areas = ha(cons)
    np.testing.assert_array_equal(areas.round(2).to_numpy(), cons["JSGM"].to_numpy())
    assert round(areas.sum(), 2) == 22374.70
    assert round(cons["JSGM"].sum(), 2) == 22374.70
    assert round(cons["XZGDMJ"].sum(), 2) == 2847.31
    assert round(cons["TZJE"].sum() / 1e4, 2) == 7.29  # 万元 -> 亿元
    assert cons["XZQMC"].nunique() == 18
    assert cons.geometry.within(layers["county"].geometry.iloc[0]).all()


def test_prereview_pass_and_cut(layers):
    pre, jbnt = layers["prereview"], layers["jbnt"]
    mu = area(pre, unit="mu")
    np.testing.assert_array_equal(mu.round(2).to_numpy(), pre["SBMJ"].to_numpy())
    # README: a project fails when it overlaps basic farmland by more than 10 m²
    # or its area exceeds the land-use standard YDBZMJ; a failing project is cut whole
    on_farmland = overlap(pre, jbnt, keep="XMBH").reindex(pre["XMBH"], fill_value=0.0).to_numpy() > 10.0
    over_cap = (mu > pre["YDBZMJ"]).to_numpy()
    fail = on_farmland | over_cap
    assert on_farmland.sum() == 3 and over_cap.sum() == 3
    assert len(pre) == 61 and fail.sum() == 6
    assert round(mu.sum(), 2) == 1525.00
    assert round(mu[~fail].sum(), 2) == 1286.00
    assert round(mu[fail].sum(), 2) == 239.00


# --- industrial cluster ---------------------------------------------------------------------

def test_industrial_cluster(layers):
    ind, dltb = layers["industrial"], layers["dltb"]
    assert len(ind) == 80
    site = area(ind).to_numpy()
    np.testing.assert_array_equal(np.round(site, 2), ind["YDMJ"].to_numpy())
    assert round(ind["YYSR"].sum() / 1e4, 1) == 142.5  # 万元 -> 亿元
    assert round(ind.loc[ind["BZCF"] == "是", "ZJZMJ"].sum() / 1e4, 1) == 18.6  # 万 m²
    assert ind["GDZC"].sum() / (site.sum() / 1e4) >= 3000  # cluster intensity, 万元/ha
    # the parcels are the 0601 patches of dltb
    assert ind.geometry.to_wkb().isin(set(dltb.geometry[dltb["DLBM"] == "0601"].to_wkb())).all()
    # README: need = max(GDZC/3000 ha, (ZJZMJ + GC8MJ)/min FAR, footprints/0.30); saved = max(0, site - need)
    floor = (ind["ZJZMJ"] + ind["GC8MJ"]).to_numpy()
    far_min = ind["HYDM"].map(MIN_FAR).to_numpy()
    footprint = (ind["JZZDMJ"] + ind["GZWZDMJ"] + ind["DCZDMJ"]).to_numpy()
    need = np.maximum.reduce([ind["GDZC"].to_numpy() / 3000 * 1e4, floor / far_min, footprint / 0.30])
    saved = np.maximum(0.0, site - need)
    assert round(saved.sum() / MU, 2) == 1506.00
    short = (ind["GDZC"].to_numpy() / (site / 1e4) < 3000) | (floor / site < far_min) | (footprint / site < 0.30) \
        | (ind["BGSHMJ"].to_numpy() / site > 0.07) | (ind["LDMJ"].to_numpy() / site > 0.20)
    assert (saved > 0).sum() == 26 and short.sum() == 31


# --- Pugongshan, topsoil, enforcement --------------------------------------------------------

def test_minepark(layers):
    park, pits, rest = layers["minepark"], layers["minepark_pits"], layers["minepark_restoration"]
    assert round(area(park, unit="km2").sum(), 2) == 2.28
    assert round(area(rest, unit="km2").sum(), 3) == 0.251
    assert len(pits) == 9 and pits.within(park.geometry.iloc[0]).all()
    assert rest.within(park.geometry.iloc[0]).all()
    assert rest["TZJE"].iloc[0] == 1976.7
    # about 4 km south of the seat (谯楼街道 is the seat), across the Huai
    seat = layers["townships"].set_index("XZQMC").geometry["谯楼街道"].union(
        layers["townships"].set_index("XZQMC").geometry["龙湖街道"]).centroid
    c = park.geometry.iloc[0].centroid
    assert 3000 < seat.y - c.y < 6000 and abs(seat.x - c.x) < 2500


def test_minepark_dem():
    with sample.load("minepark_dem") as dem:
        assert dem.crs.to_epsg() == 4526 and dem.res == (5.0, 5.0)
        assert dem.profile["compress"] == "deflate"
        z = dem.read(1)
        bounds = dem.bounds
    park = read_layer(sample.path("minepark")).total_bounds
    assert bounds.left <= park[0] and bounds.bottom <= park[1] and bounds.right >= park[2] and bounds.top >= park[3]
    assert 80 < z.max() - z.min() < 130
    gy, gx = np.gradient(z.astype(float), 5.0)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    assert (slope > 25).sum() * 25 > 20000  # more than 2 ha of quarry faces steeper than 25°


def test_topsoil_stripping(layers):
    src, rec, dltb = layers["stripping_sources"], layers["stripping_receivers"], layers["dltb"]
    mu = area(src, unit="mu")
    assert round(mu.sum(), 2) == 500.00
    assert (src["BLHD"] == 0.30).all() and src["DLBM"].str.startswith("01").all()
    volume = (area(src) * src["BLHD"]).sum()
    assert volume == pytest.approx(500 * MU * 0.30, abs=5)
    capacity = (area(rec) * rec["FTHD"]).sum()
    assert capacity >= volume
    assert set(rec["LX"]) == {"新复垦耕地", "低效耕地"}
    assert rec.geometry.to_wkb().isin(set(dltb.geometry.to_wkb())).all()


def test_enforcement(layers):
    changes, approvals, jbnt = layers["changes"], layers["approvals"], layers["jbnt"]
    covered = overlap(changes, approvals, keep="JCBH").reindex(changes["JCBH"], fill_value=0.0).to_numpy()
    share = covered / area(changes).to_numpy()
    assert (share > 0.999).sum() >= 10  # fully approved
    assert ((share > 0.01) & (share < 0.99)).sum() >= 3  # partly approved
    assert (share < 0.001).sum() >= 10  # no approval
    assert changes.intersects(jbnt.union_all()).sum() >= 5
    np.testing.assert_allclose(approvals["PZMJ"], ha(approvals).round(4), atol=1e-9)


# --- the generator --------------------------------------------------------------------------

def test_generator_rebuilds_every_file_byte_for_byte(tmp_path):
    from xigeo.sample.generate import generate

    written = generate(tmp_path)
    names = sorted(p.name for p in written)
    committed = sorted(p.name for p in sample.data_dir().iterdir() if p.is_file() and p.name != "README.md")
    assert names == committed
    differ = [n for n in names if (tmp_path / n).read_bytes() != (sample.data_dir() / n).read_bytes()]
    assert differ == []


def test_generate_dltb_for_benchmarks():
    from xigeo.sample.generate import generate_dltb

    small = generate_dltb(2000, seed=5)
    assert 1500 < len(small) < 3500
    assert shapely.coverage_is_valid(small.geometry.values)
    assert small["DLBM"].isin(["0702", "1104", "1006"]).any() and small["DLBM"].str.startswith("01").any()
    assert set(small.columns) >= {"BSM", "TBBH", "DLBM", "ZLDWDM", "ZLDWMC", "TBMJ", "KCXS", "KCMJ", "TBDLMJ",
                                  "GDPDJB", "GDLX"}
    # 20 townships of 20 villages each (a jittered 20 × 20 grid of villages); codes nest
    assert small["ZLDWDM"].str.fullmatch(r"411528\d{6}0000000").all()
    assert small["ZLDWDM"].str[:9].nunique() == 20
    assert 350 <= small["ZLDWDM"].str[:12].nunique() <= 400
    assert (small.groupby(small["ZLDWDM"].str[:12])["ZLDWMC"].nunique() == 1).all()
    assert small.groupby(["ZLDWDM", "TBBH"]).size().max() == 1
    # villages are places: a village's patches lie close together (a grid cell is ~330 m here)
    c = small.geometry.centroid
    spread = pd.DataFrame({"x": c.x, "y": c.y}).groupby(small["ZLDWDM"].str[:12]).agg(np.ptp)
    assert spread.max().max() < 1500
    farm = small["DLBM"].str.startswith("01")
    assert small.loc[farm, "GDPDJB"].isin(["1", "2", "3", "4", "5"]).all()
    assert (small.loc[~farm, ["GDPDJB", "GDLX"]] == "").all().all()
    steep = farm & (small["GDPDJB"] != "1")
    assert steep.any() and small.loc[steep, "GDLX"].isin(["TT", "PD"]).all()
    assert (small.loc[farm & ~steep, "GDLX"] == "").all()


def test_build_py_ships_the_data_inside_the_package(tmp_path):
    """What a wheel gets: build_py copies sample_shapefiles/ to xigeo/sample/data/."""
    lib = tmp_path / "lib"
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)], cwd=REPO,
                   check=True, capture_output=True)
    data = lib / "xigeo" / "sample" / "data"
    assert sorted(p.name for p in data.iterdir()) == sorted(p.name for p in (REPO / "sample_shapefiles").iterdir())
    # imported from the built tree (not the checkout), the package finds its own copy
    code = "from xigeo import sample; print(sample.path('dltb'))"
    env = {**os.environ, "PYTHONPATH": str(lib)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert Path(out) == data / "dltb.shp"
