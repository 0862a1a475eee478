"""Tests of xigeo.stripping (表土剥离) and the ``xigeo stripping`` command.

Hand-made sites are 10 m × 10 m squares centred on a line of northing
3 580 000 within 2.1 km of the central meridian of EPSG:4547, where the
survey ellipsoidal area equals the plane area to 0.01 m²: 100.00 m²
(asserted). Optimality is checked three independent ways: a case worked by
hand where nearest-first is worse, the assignment algorithm (Hungarian,
scipy.optimize.linear_sum_assignment) on unit-split random integer problems
(the transport polytope has integer vertices, so its optimum is the
assignment optimum), and a negative-cycle test on the residual network of
the plan (a flow is min-cost iff its residual network has no negative
cycle). Sample figures: sample_shapefiles/README.md ("Topsoil stripping")
and DOMAIN.md (30 cm; phase 1 500 mu).
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.optimize import linear_sum_assignment
from shapely import box

import xigeo
from xigeo.area import area
from xigeo.cli.stripping import stripping_command
from xigeo.errors import CRSError, LayerWriteError, OptionError, SchemaError, ValidationError
from xigeo.stripping import _solve_transport, stripping_plan
from xigeo._excel import read_table

Y = 3_580_000.0


def square(x, y=Y, side=10.0):
    h = side / 2
    return box(500_000 + x - h, y - h, 500_000 + x + h, y + h)


def layers(src_x=(0, 2100), rec_x=(1000, -1100), fthd=(0.45, 0.45), blhd=None, crs=4547):
    src = gpd.GeoDataFrame({"BLBH": [f"S{k + 1}" for k in range(len(src_x))]},
                           geometry=[square(x) for x in src_x], crs=crs)
    if blhd is not None:
        src["BLHD"] = blhd
    rec = gpd.GeoDataFrame({"JSBH": [f"R{k + 1}" for k in range(len(rec_x))], "FTHD": list(fthd)},
                           geometry=[square(x) for x in rec_x], crs=crs)
    return src, rec


def greedy_nearest_first(volumes, capacities, distance):
    """The rule of thumb: repeatedly fill the closest (source, receiver) pair left."""
    v, c = volumes.astype(float).copy(), capacities.astype(float).copy()
    haul = 0.0
    for flat in np.argsort(distance, axis=None, kind="stable"):
        i, j = np.unravel_index(flat, distance.shape)
        q = min(v[i], c[j])
        if q > 0:
            haul += q * distance[i, j] / 1000
            v[i] -= q
            c[j] -= q
    return haul


def no_negative_cycle(flows, capacities, distance, tol=1e-7):
    """Bellman–Ford on the residual network: nodes sources, receivers, sink."""
    n, m = distance.shape
    sink = n + m
    edges = []
    for i in range(n):
        for j in range(m):
            edges.append((i, n + j, distance[i, j]))            # send more i → j
            if flows[i, j] > 1e-9:
                edges.append((n + j, i, -distance[i, j]))       # send less i → j
    received = flows.sum(axis=0)
    for j in range(m):
        if received[j] < capacities[j] - 1e-9:
            edges.append((n + j, sink, 0.0))
        if received[j] > 1e-9:
            edges.append((sink, n + j, 0.0))
    dist = np.zeros(n + m + 1)
    for _ in range(n + m + 1):
        changed = False
        for a, b, w in edges:
            if dist[a] + w < dist[b] - tol:
                dist[b] = dist[a] + w
                changed = True
        if not changed:
            return True
    return False


def test_hand_made_areas_are_100_m2():
    src, rec = layers()
    assert area(src).tolist() == [100.0, 100.0] and area(rec).tolist() == [100.0, 100.0]


def test_optimum_beats_nearest_first():
    # S1 at 0, R1 at +1000, S2 at +2100, R2 at −1100 (metres):
    # d(S1,R1) = 1000, d(S1,R2) = 1100, d(S2,R1) = 1100, d(S2,R2) = 3200.
    # Volumes 100 m² × 0.30 = 30 m³ each; capacities 100 m² × 0.45 = 45 m³ each.
    # With x = S2→R1, y = S1→R1: haul = 1.1x + 3.2(30−x) + 1.0y + 1.1(30−y) = 129 − 2.1x − 0.1y,
    # smallest at x = 30, y = 15 (x + y ≤ 45): 64.5 m³·km, the unique optimum.
    # Nearest first: S1→R1 30 (30 m³·km), S2→R1 15 (16.5), S2→R2 15 (48): 94.5 m³·km.
    src, rec = layers()
    plan = stripping_plan(src, rec)
    assert plan.total_haul_m3km == pytest.approx(64.5)
    flows = plan.flows.set_index(["source", "receiver"])["volume_m3"].to_dict()
    assert flows == pytest.approx({("S1", "R1"): 15.0, ("S1", "R2"): 15.0, ("S2", "R1"): 30.0})
    distance = np.array([[1000.0, 1100.0], [1100.0, 3200.0]])
    assert greedy_nearest_first(np.array([30.0, 30.0]), np.array([45.0, 45.0]), distance) == \
        pytest.approx(94.5)
    assert plan.flows["distance_m"].tolist() == pytest.approx([1000, 1100, 1100])
    assert plan.volume_m3 == pytest.approx(60) and plan.capacity_m3 == pytest.approx(90)


def test_tables_per_source_and_receiver():
    plan = stripping_plan(*layers())
    s, r = plan.table("sources", total=True), plan.table("receivers", total=True)
    assert s.index.name == "BLBH" and r.index.name == "JSBH"
    assert s.loc["S1", "volume_m3"] == pytest.approx(30.0)       # 100 m² × 0.30 m
    assert s.loc["S1", "haul_m3km"] == pytest.approx(31.5)       # 15 × 1.0 + 15 × 1.1
    assert s.loc["S1", "mean_distance_m"] == pytest.approx(1050)
    assert s.loc["S1", "receivers"] == "R1, R2" and s.loc["S2", "receivers"] == "R1"
    assert s.loc["S1", "area_mu"] == pytest.approx(100 / (10_000 / 15))
    assert r.loc["R1", "received_m3"] == pytest.approx(45) and r.loc["R1", "fill_pct"] == pytest.approx(100)
    assert r.loc["R2", "spare_m3"] == pytest.approx(30) and r.loc["R2", "sources"] == "S1"
    # totals: Σ haul 64.5 over Σ volume 60 m³ → mean distance 1075 m; fill 60/90
    flows = plan.table("flows", total=True)
    assert flows.loc["合计", "volume_m3"] == pytest.approx(60)
    assert flows.loc["合计", "distance_m"] == pytest.approx(1075)
    assert s.loc["合计", "mean_distance_m"] == pytest.approx(1075)
    assert r.loc["合计", "fill_pct"] == pytest.approx(200 / 3)


def test_chinese_labels():
    plan = stripping_plan(*layers())
    assert plan.table("flows", labels="zh").columns.tolist() == [
        "剥离区", "接收区", "调运土方量(立方米)", "运距(米)", "运输量(立方米·公里)"]
    assert "剥离量(立方米)" in plan.table("sources", labels="zh").columns
    assert "可接收量(立方米)" in plan.table("receivers", labels="zh").columns
    assert "volume_m3" in plan.lines.columns          # GIS fields stay English


def test_lines_join_the_centroids():
    src, rec = layers()
    plan = stripping_plan(src, rec)
    lines = plan.lines
    assert lines.crs.to_epsg() == 4547 and (lines.geom_type == "LineString").all()
    assert lines.length.tolist() == pytest.approx(plan.flows["distance_m"].tolist())
    first = lines.geometry.iloc[0]
    assert first.coords[0] == pytest.approx((500_000.0, Y)) and first.coords[1] == pytest.approx((501_000.0, Y))


def test_depth_field_wins_over_default():
    # BLHD 0.5 for S1, blank for S2 (takes depth_m 0.2): volumes 50 and 20 m³
    src, rec = layers(blhd=[0.5, np.nan])
    plan = stripping_plan(src, rec, depth_m=0.2)
    assert plan.sources["depth_m"].tolist() == [0.5, 0.2]
    assert plan.sources["volume_m3"].tolist() == pytest.approx([50.0, 20.0])
    # depth_field=None: the default for every row
    plan = stripping_plan(src, rec, depth_m=0.2, depth_field=None)
    assert plan.sources["volume_m3"].tolist() == pytest.approx([20.0, 20.0])


def test_spread_default_and_missing():
    src, rec = layers()
    rec = rec.drop(columns="FTHD")
    plan = stripping_plan(src, rec, spread_m=0.5)
    assert plan.receivers["capacity_m3"].tolist() == pytest.approx([50.0, 50.0])
    with pytest.raises(ValidationError, match=r"没有覆土厚度，行号：R1, R2.*spread_m="):
        stripping_plan(src, rec)
    with xigeo.using_language("en"), pytest.raises(
            ValidationError, match=r"no spread depth in row\(s\) R1, R2.*Fix: pass the spread depth"):
        stripping_plan(src, rec)
    src, rec = layers(fthd=(0.45, np.nan))
    with pytest.raises(ValidationError, match=r"行号：R2（FTHD 为空）"):
        stripping_plan(src, rec)


def test_bad_values_name_the_rows():
    src, rec = layers(blhd=[0.3, 0.0])
    with pytest.raises(ValidationError, match=r"剥离厚度须 > 0 m，行号：S2"):
        stripping_plan(src, rec)
    src, rec = layers(fthd=(0.0, 0.45))
    with pytest.raises(ValidationError, match=r"覆土厚度须 > 0 m，行号：R1"):
        stripping_plan(src, rec)
    src, rec = layers()
    rec.loc[1, "geometry"] = None
    with pytest.raises(ValidationError, match=r"受土容量为零，行号：R2"):
        stripping_plan(src, rec)
    with pytest.raises(OptionError, match=r"depth_m=-0.3：剥离厚度须 > 0 m"):
        stripping_plan(*layers(), depth_m=-0.3)
    with pytest.raises(OptionError, match=r"spread_m=0：覆土厚度须 > 0 m"):
        stripping_plan(*layers(), spread_m=0)
    with pytest.raises(OptionError, match="method='flat'"):
        stripping_plan(*layers(), method="flat")
    src, rec = layers()
    src.loc[1, "BLBH"] = "S1"
    with pytest.raises(ValidationError, match="编号重复：S1"):
        stripping_plan(src, rec)
    with pytest.raises(SchemaError, match="BLBH"):
        stripping_plan(src.drop(columns="BLBH"), rec)


def test_shortfall_names_the_m3():
    # 60 m³ to place, 2 × 100 m² × 0.25 = 50 m³ of room: 10 m³ short
    src, rec = layers(fthd=(0.25, 0.25))
    with pytest.raises(ValidationError, match=r"可容纳 50\.00 m³，而剥离区.*剥离 60\.00 m³：有 10\.00 m³ 无处堆放"):
        stripping_plan(src, rec)
    with xigeo.using_language("en"), pytest.raises(
            ValidationError, match=r"50\.00 m³ but the sources .* 60\.00 m³: 10\.00 m³ has nowhere"):
        stripping_plan(src, rec)


def test_exactly_full_capacity_is_feasible():
    src, rec = layers(fthd=(0.30, 0.30))
    plan = stripping_plan(src, rec)
    # each receiver takes one source whole; S1→R2 and S2→R1 (1100 + 1100) beats 1000 + 3200
    assert plan.total_haul_m3km == pytest.approx(30 * 1.1 * 2)


def test_crs_checks():
    src, rec = layers()
    with pytest.raises(CRSError):
        stripping_plan(src, rec.to_crs(4526))
    with pytest.raises(CRSError):
        stripping_plan(src.to_crs(4490), rec.to_crs(4490))


@pytest.mark.parametrize("seed", range(6))
def test_solver_matches_assignment_on_random_integer_cases(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(2, 5), rng.integers(2, 5)
    volumes = rng.integers(1, 5, n).astype(float)
    capacities = rng.integers(1, 6, m).astype(float)
    capacities[0] += max(0.0, volumes.sum() - capacities.sum())     # make it feasible
    cost = rng.uniform(0.1, 10.0, (n, m))
    flows = _solve_transport(volumes, capacities, cost)
    assert flows.sum(axis=1) == pytest.approx(volumes)
    assert (flows.sum(axis=0) <= capacities + 1e-9).all() and (flows >= 0).all()
    # split every m³ into a unit job and every unit of capacity into a slot: the assignment
    # of jobs to slots at least cost is the transport optimum (integer data, integral polytope)
    rows = np.repeat(np.arange(n), volumes.astype(int))
    cols = np.repeat(np.arange(m), capacities.astype(int))
    r, c = linear_sum_assignment(cost[rows][:, cols])
    assert (cost * flows).sum() == pytest.approx(cost[rows][:, cols][r, c].sum())


@pytest.mark.parametrize("seed", range(3))
def test_random_layers_plan_is_optimal(seed):
    rng = np.random.default_rng(100 + seed)
    src_xy = rng.uniform(-3000, 3000, (5, 2))
    rec_xy = rng.uniform(-3000, 3000, (4, 2))
    src = gpd.GeoDataFrame({"BLBH": [f"S{k}" for k in range(5)], "BLHD": rng.uniform(0.2, 0.4, 5)},
                           geometry=[square(x, Y + y, side=rng.uniform(50, 90)) for x, y in src_xy],
                           crs=4547)
    rec = gpd.GeoDataFrame({"JSBH": [f"R{k}" for k in range(4)], "FTHD": rng.uniform(0.3, 0.6, 4)},
                           geometry=[square(x, Y + y, side=90) for x, y in rec_xy], crs=4547)
    plan = stripping_plan(src, rec)
    x = pd.crosstab(plan.flows["source"], plan.flows["receiver"], values=plan.flows["volume_m3"],
                    aggfunc="sum").reindex(index=src["BLBH"], columns=rec["JSBH"]).fillna(0).to_numpy()
    d = np.hypot(src_xy[:, None, 0] - rec_xy[None, :, 0], src_xy[:, None, 1] - rec_xy[None, :, 1])
    cap = plan.receivers["capacity_m3"].to_numpy()
    assert x.sum(axis=1) == pytest.approx(plan.sources["volume_m3"].to_numpy())
    assert no_negative_cycle(x, cap, d)
    assert plan.total_haul_m3km <= greedy_nearest_first(plan.sources["volume_m3"].to_numpy(), cap, d) + 1e-9


# --- the sample data: README "Topsoil stripping" -------------------------------------------

def test_sample_phase_one():
    from xigeo import sample

    src, rec = sample.load("stripping_sources"), sample.load("stripping_receivers")
    assert (src["QC"] == 1).all() and (src["BLHD"] == 0.30).all()
    plan = stripping_plan(src, rec)
    s, r = plan.table("sources", total=True), plan.table("receivers", total=True)
    # phase 1 strips 500.00 mu; 500 mu = 333 333.33 m² would give 100 000.00 m³, the four
    # polygons' areas (each to 0.01 m²) sum to 333 333.32 m², hence 99 999.996 m³
    assert round(s.loc["合计", "area_mu"], 2) == 500.00
    assert s.loc["合计", "area_m2"] == pytest.approx(333_333.32, abs=1e-6)
    assert plan.volume_m3 == pytest.approx(99_999.996, abs=1e-6)
    assert round(plan.volume_m3, -3) == 100_000
    # Σ capacity = Σ area × FTHD ≈ 165,000 m³ > the volume
    assert plan.capacity_m3 == pytest.approx(165_200.198, abs=1e-6)
    rows = r.drop(index="合计")
    assert (rows["received_m3"] <= rows["capacity_m3"] + 1e-6).all()
    assert plan.table("flows", total=True).loc["合计", "volume_m3"] == pytest.approx(plan.volume_m3, abs=1e-5)
    # optimal: no negative cycle in the residual network, and no worse than nearest first
    flows = plan.flows
    ids_s, ids_r = list(s.index[:-1]), list(rows.index)
    x = np.zeros((len(ids_s), len(ids_r)))
    for _, f in flows.iterrows():
        x[ids_s.index(f["source"]), ids_r.index(f["receiver"])] = f["volume_m3"]
    a = np.column_stack([src.centroid.x, src.centroid.y])
    b = np.column_stack([rec.centroid.x, rec.centroid.y])
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    assert no_negative_cycle(x, rows["capacity_m3"].to_numpy(), d)
    greedy = greedy_nearest_first(s["volume_m3"].to_numpy()[:-1], rows["capacity_m3"].to_numpy(), d)
    # on the sample the README's "nearest first" happens to reach the optimum too
    assert plan.total_haul_m3km == pytest.approx(greedy, rel=1e-12)
    # measured with this implementation (regression value): 261,176.14 m³·km over 7 flows
    assert plan.total_haul_m3km == pytest.approx(261_176.14, abs=0.01)
    assert len(flows) == 7


# --- command line --------------------------------------------------------------------------

def written_layers(tmp_path):
    """The hand-made layers as files, for the command."""
    src, rec = layers()
    sp, rp = tmp_path / "剥离区.gpkg", tmp_path / "接收区.gpkg"
    src.to_file(sp)
    rec.to_file(rp)
    return sp, rp


def test_cli_stripping_outputs(tmp_path):
    sp, rp = written_layers(tmp_path)
    runner = CliRunner()
    result = runner.invoke(stripping_command, [str(sp), str(rp), "-o", str(tmp_path / "flows.gpkg")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "总运量：64.50 立方米·公里" in result.output
    lines = gpd.read_file(tmp_path / "flows.gpkg")
    assert len(lines) == 3 and lines["haul_m3km"].sum() == pytest.approx(64.5)
    result = runner.invoke(stripping_command, [str(sp), str(rp), "--labels", "zh", "-o",
                                               str(tmp_path / "方案.xlsx")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    sheets = read_table(tmp_path / "方案.xlsx", sheet_name=None, index_col=0)
    assert set(sheets) == {"摘要", "表土剥离区表", "表土接收区表", "表土调运方案表"}
    assert sheets["表土调运方案表"].loc["合计", "运输量(立方米·公里)"] == pytest.approx(64.5)
    result = runner.invoke(stripping_command, [str(sp), str(rp), "-o", str(tmp_path / "调运.shp")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert gpd.read_file(tmp_path / "调运.shp")["volume_m3"].sum() == pytest.approx(60)
    result = runner.invoke(stripping_command, [str(sp), str(rp), "-o", str(tmp_path / "a.txt")])
    assert result.exit_code == 2 and ".gpkg 或 .shp" in result.output
    result = runner.invoke(stripping_command, [str(sp), str(rp), "--depth", "0.6", "--depth-field", ""])
    assert result.exit_code == 1 and "30.00 m³ 无处堆放" in str(result.exception)


def test_cli_stripping_refuses_existing_outputs(tmp_path):
    sp, rp = written_layers(tmp_path)
    runner = CliRunner()
    for name in ("flows.gpkg", "调运.shp", "方案.xlsx", "flows.csv"):
        out = tmp_path / name
        out.write_bytes(b"old")
        result = runner.invoke(stripping_command, [str(sp), str(rp), "-o", str(out)])
        # refused before anything is read or computed (used to replace .gpkg/.shp silently)
        assert result.exit_code == 1 and isinstance(result.exception, LayerWriteError)
        assert "已存在" in str(result.exception) and out.read_bytes() == b"old"
        result = runner.invoke(stripping_command, [str(sp), str(rp), "-o", str(out), "--overwrite"],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert out.read_bytes() != b"old"
    assert gpd.read_file(tmp_path / "flows.gpkg")["haul_m3km"].sum() == pytest.approx(64.5)
    assert gpd.read_file(tmp_path / "调运.shp")["volume_m3"].sum() == pytest.approx(60)
    csv = pd.read_csv(tmp_path / "flows.csv", index_col=0, encoding="utf-8-sig")
    assert csv.loc["合计", "haul_m3km"] == pytest.approx(64.5)
    # the old option names still work
    result = runner.invoke(stripping_command, [str(sp), str(rp), "--source-id", "BLBH",
                                               "--receiver-id", "JSBH"], catch_exceptions=False)
    assert result.exit_code == 0 and "64.50 m³·km" in result.output


def test_ids_from_the_index_and_method():
    src, rec = layers()
    plan = stripping_plan(src.set_index("BLBH"), rec.set_index("JSBH"), id_field=None,
                          receivers_id_field=None)
    assert plan.total_haul_m3km == pytest.approx(64.5)
    assert plan.flows["source"].tolist() == ["S1", "S1", "S2"]
    # near the central meridian the three methods agree to 0.01 m² on a 10 m square
    for method in ("geodesic", "planar"):
        other = stripping_plan(src, rec, method=method)
        assert other.method == method
        assert other.sources["area_m2"].tolist() == pytest.approx([100.0, 100.0], abs=0.01)


# --- the result contract ---------------------------------------------------------------------

def test_result_contract_on_the_sample(tmp_path):
    from xigeo import StrippingPlan, sample
    from xigeo.headline import PUBLISHED

    src, rec = sample.load("stripping_sources"), sample.load("stripping_receivers")
    plan = stripping_plan(src[src["QC"] == 1], rec)
    assert isinstance(plan, StrippingPlan)
    assert plan.tables() == ("sources", "receivers", "flows")
    assert not hasattr(plan, "passed") and plan.method == "ellipsoidal"
    # the published figure: phase 1 strips 500 mu (DOMAIN.md)
    assert PUBLISHED[("表土剥离", "一期剥离面积")].published == 500
    assert round(plan.sources["area_mu"].sum()) == 500
    zh, en = plan.summary("zh"), plan.summary("en")
    assert "剥离面积500.00亩" in zh and "调运7条" in zh and "261,176.14立方米·公里" in zh
    assert "500.00 mu" in en and "7 flows" in en and "261,176.14 m³·km" in en
    # today's total=True, labels="zh" tables
    sources = plan.table("sources", labels="zh", total=True)
    assert sources.index.name == "剥离区编号" and sources.index[-1] == "合计"
    assert round(sources.loc["合计", "剥离面积(亩)"], 2) == 500.00
    receivers = plan.table("receivers", labels="zh", total=True)
    assert receivers.index.name == "接收区编号"
    assert receivers.loc["合计", "可接收量(立方米)"] == 165_200.20  # 165,200.198 m³ printed to 0.01
    flows = plan.table("flows", labels="zh", total=True)
    assert flows.index.name == "调运" and len(flows) == 8
    assert flows.loc["合计", "运输量(立方米·公里)"] == pytest.approx(261_176.14, abs=0.01)
    # lines are a GeoDataFrame attribute, not a table; tables drop geometry anyway
    assert "lines" not in plan.tables() and len(plan.lines) == 7
    html = plan._repr_html_()
    assert "表土剥离与再利用" in html and "剥离面积500.00亩" in html and "passed" not in html
    book = tmp_path / "剥离.xlsx"
    plan.to_excel(book)
    sheets = read_table(book, sheet_name=None, index_col=0)
    assert list(sheets) == ["摘要", "表土剥离区表", "表土接收区表", "表土调运方案表"]
    for title, table in (("表土剥离区表", sources), ("表土接收区表", receivers),
                         ("表土调运方案表", flows)):
        back = sheets[title]
        if title == "表土调运方案表":   # the flow numbers 1, 2, … come back as integers
            back.index = [str(i) if i == "合计" else int(i) for i in back.index]
            back.index.name = "调运"
        # an empty cell ("" for a receiver that gets nothing) reads back as NaN
        pd.testing.assert_frame_equal(back, table.replace("", np.nan), check_dtype=False,
                                      check_index_type=False)
    before = book.read_bytes()
    with pytest.raises(LayerWriteError, match="已存在"):
        plan.to_excel(book)
    assert book.read_bytes() == before
