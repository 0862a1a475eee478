"""check_survey on the sample data set: clean as delivered, and a copy with seeded errors of every kind.

The sample's dltb has no 错误. Its warnings are real and documented
(docs/quality_checks.md): 119 patches with vertices closer than 1 mm, 10
spikes and 124 very acute angles where the generator's noding left them,
328 patches below the minimum mapping units (TP010, recomputed here from
the survey areas and the 三调 上图面积 by class).

The seeded copy changes patches that have no finding of their own ("quiet"
patches) in one way each; the check must give the sample's own findings
plus exactly one finding per seeded error (two for a wedge: the spike in
one patch and the same notch in its neighbour; two for a BSM given twice;
two for a sliver, which is also below the minimum mapping unit) and
nothing else, with the local engine and with dask on a LocalCluster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import Polygon, box

import xigeo
from xigeo import sample
from xigeo.adjust import _half_up

NEW = "4115282999990"  # BSM prefix of seeded new patches
_GEOD = pyproj.Geod(ellps="GRS80")
_TO_LL = pyproj.Transformer.from_crs(4526, 4490, always_xy=True)


def geodesic_m2(geom) -> float:
    """Area (m²) by pyproj's geodesic routine, the vertices densified every 1 m (an independent figure)."""
    g = shapely.segmentize(geom, 1.0)
    ll = shapely.transform(g, lambda xy: np.column_stack(_TO_LL.transform(xy[:, 0], xy[:, 1])))
    return abs(_GEOD.geometry_area_perimeter(ll)[0])


@pytest.fixture(scope="module")
def layers():
    return {n: sample.load(n) for n in ("dltb", "survey_area", "villages", "jbnt")}


def check(layers, dltb=None, jbnt=None, **kw):
    return xigeo.check_survey(layers["dltb"] if dltb is None else dltb, county=layers["survey_area"],
                              villages=layers["villages"], jbnt=layers["jbnt"] if jbnt is None else jbnt, **kw)


@pytest.fixture(scope="module")
def baseline(layers):
    return check(layers)


def keys(r) -> list[tuple[str, str]]:
    return sorted(zip(r.errors["rule"], r.errors["feature_id"]))


def test_the_sample_is_clean(layers, baseline):
    r = baseline
    assert r.passed and r.counts()["错误"] == 0
    assert set(r.errors["severity"]) == {"警告"}
    assert r.by_rule["n_findings"][r.by_rule["n_findings"] > 0].to_dict() == {
        "TP006": 119, "TP007": 10, "TP008": 124, "TP010": 328}
    # TP010 recomputed: survey area below 上图面积 by the longest matching DLBM prefix of the pack
    d = layers["dltb"]
    table = xigeo.load_rules()["TP010"].params["min_area_m2"]
    limit = [max(((len(p), v) for p, v in table.items() if code.startswith(p)), default=(0, np.nan))[1]
             for code in d["DLBM"]]
    small = xigeo.area(d).to_numpy() < np.array(limit)
    assert sorted(d["BSM"][small]) == sorted(r.errors["feature_id"][r.errors["rule"] == "TP010"])
    assert r.summary().startswith("质检 7064 个图斑，运行 27 条规则：错误 0 处，警告 581 处，通过。")


# ----------------------------------------------------------------------------- seeding


def _fix_areas(d, k):
    """TBMJ, KCMJ, TBDLMJ of row k consistent with its geometry (KCMJ half up)."""
    tbmj = float(xigeo.area(d.geometry.iloc[[k]]).iloc[0])
    kcmj = _half_up(np.array([tbmj * 100 * float(d["KCXS"].iloc[k])]))[0] / 100
    d.iloc[k, d.columns.get_loc("TBMJ")] = tbmj
    d.iloc[k, d.columns.get_loc("KCMJ")] = kcmj
    d.iloc[k, d.columns.get_loc("TBDLMJ")] = round(tbmj - kcmj, 2)


def _shared_edges(d, pool, used, min_len=30.0):
    """Pairs of patches of ``pool`` sharing a straight edge ≥ min_len: (a, b, u, w), one after another."""
    g = d.geometry.to_numpy()
    tree = shapely.STRtree(g)
    for a in pool:
        if a in used:
            continue
        ca = np.asarray(g[a].exterior.coords)
        for b in tree.query(g[a], predicate="touches"):
            if b not in pool or b in used or b == a:
                continue
            cb = {tuple(np.round(p, 6)) for p in np.asarray(g[b].exterior.coords)}
            for u, w in zip(ca[:-1], ca[1:]):
                if (np.hypot(*(w - u)) >= min_len and tuple(np.round(u, 6)) in cb and tuple(np.round(w, 6)) in cb
                        and g[b].exterior.distance(shapely.Point((u + w) / 2)) < 1e-6):
                    yield a, b, u, w


def _insert(ring: np.ndarray, u, w, points) -> np.ndarray:
    """``ring`` with ``points`` inserted on its edge u→w (or w→u, reversed)."""
    for k in range(len(ring) - 1):
        if np.allclose(ring[k], u) and np.allclose(ring[k + 1], w):
            return np.vstack([ring[:k + 1], points, ring[k + 1:]])
        if np.allclose(ring[k], w) and np.allclose(ring[k + 1], u):
            return np.vstack([ring[:k + 1], points[::-1], ring[k + 1:]])
    raise AssertionError("edge not in ring")


def _wedge(d, a, b, u, w, width, height):
    g = d.geometry.to_numpy()
    t = (w - u) / np.hypot(*(w - u))
    n = np.array([-t[1], t[0]])
    mid = (u + w) / 2
    if not g[b].contains(shapely.Point(mid + 0.01 * n)):
        n = -n
    m1, m2, tip = mid - t * width / 2, mid + t * width / 2, mid + n * height
    new = {}
    for k in (a, b):
        geom = g[k]
        ring = _insert(np.asarray(geom.exterior.coords), u, w, np.array([m1, tip, m2]))
        new[k] = Polygon(ring, [r.coords for r in geom.interiors])
    if not all(p.is_valid for p in new.values()) or not g[b].contains(shapely.Point(tip).buffer(1.0)):
        return False
    for k, geom in new.items():
        d.iloc[k, d.columns.get_loc("geometry")] = geom
        _fix_areas(d, k)
    return True


def seeded(layers, baseline):
    d = layers["dltb"].copy()
    jb = layers["jbnt"].copy()
    sa = layers["survey_area"].geometry.iloc[0]
    loud = set(baseline.errors["feature_id"])
    farm = d["DLBM"].str.startswith("01").to_numpy()
    quiet = [k for k in range(len(d)) if d["BSM"].iloc[k] not in loud]
    big = xigeo.area(d).to_numpy() > 5000
    nonfarm = [k for k in quiet if not farm[k] and big[k] and d["DLBM"].iloc[k] in ("0301", "0307", "0201", "1104")]
    farmq = [k for k in quiet if farm[k] and big[k]]
    used: set[int] = set()
    expect: list[tuple[str, str]] = []

    def take(pool, ok=lambda k: True):
        k = next(k for k in pool if k not in used and ok(k))
        used.add(k)
        return k

    bsm = lambda k: d["BSM"].iloc[k]  # noqa: E731
    g = d.geometry.to_numpy()
    new_rows = []

    # TP003: a 30 m square patch inside a forest patch
    e = take(nonfarm, lambda k: g[k].contains(shapely.point_on_surface(g[k]).buffer(25, cap_style="square")))
    p = shapely.point_on_surface(g[e])
    o = d.iloc[[e]].copy().set_geometry([box(p.x - 15, p.y - 15, p.x + 15, p.y + 15)], crs=d.crs)
    o["BSM"] = NEW + "01"
    new_rows.append(o)
    expect.append(("TP003", f"{bsm(e)}|{NEW}01"))
    # TP004: a 10 m hole cut out of a patch
    k = take(nonfarm, lambda k: g[k].contains(shapely.point_on_surface(g[k]).buffer(12, cap_style="square")))
    p = shapely.point_on_surface(g[k])
    d.iloc[k, d.columns.get_loc("geometry")] = g[k].difference(box(p.x - 5, p.y - 5, p.x + 5, p.y + 5))
    _fix_areas(d, k)
    expect.append(("TP004", d["ZLDWDM"].iloc[k][:12]))
    # TP005: a 20 m × 10 m bump over the west edge of the study area
    x0 = sa.bounds[0]
    edge = shapely.LineString([(x0, sa.bounds[1]), (x0, sa.bounds[3])])

    def on_edge(k):
        c = g[k].intersection(edge)
        return c.length > 60

    k = take([k for k in quiet if not farm[k]], on_edge)
    c = g[k].intersection(edge)
    ym = (c.bounds[1] + c.bounds[3]) / 2
    d.iloc[k, d.columns.get_loc("geometry")] = shapely.union(g[k], box(x0 - 10, ym - 10, x0, ym + 10))
    assert d.geometry.iloc[k].geom_type == "Polygon"
    _fix_areas(d, k)
    expect.append(("TP005", bsm(k)))
    # TP002: a zero-width spike (the ring runs out 3 m and back)
    k = take(nonfarm)
    ring = np.asarray(g[k].exterior.coords)
    spike = ring[1] + (ring[1] - ring[0]) / np.hypot(*(ring[1] - ring[0])) * 3
    d.iloc[k, d.columns.get_loc("geometry")] = Polygon(np.vstack([ring[:2], [spike], ring[1:]]),
                                                       [r.coords for r in g[k].interiors])
    expect.append(("TP002", bsm(k)))
    # TP001: a row without geometry
    z = d.iloc[[take(quiet)]].copy().set_geometry([None], crs=d.crs)
    z["BSM"] = NEW + "02"
    new_rows.append(z)
    expect.append(("TP001", NEW + "02"))
    # TP006: a vertex repeated
    k = take(nonfarm)
    ring = np.asarray(g[k].exterior.coords)
    d.iloc[k, d.columns.get_loc("geometry")] = Polygon(np.vstack([ring[:2], ring[1:]]),
                                                       [r.coords for r in g[k].interiors])
    expect.append(("TP006", bsm(k)))
    # TP007 and TP008: a wedge of one patch into its neighbour (a spike 5 cm wide, an acute one 60 cm)
    # (two farmland patches: the permanent basic farmland of either stays on farmland)
    pool = set(k for k in quiet if farm[k])
    for rule, width in (("TP007", 0.05), ("TP008", 0.6)):  # 0.57° and 6.9° at a 5 m tip
        a, b, u, w = next(c for c in _shared_edges(d, pool, used, min_len=12.0) if _wedge(d, *c, width, 5.0))
        used.update((a, b))
        expect += [(rule, bsm(a)), (rule, bsm(b))]
    # TP009 + TP010: a 0.5 m × 40 m strip cut out of a patch becomes a patch of its own
    k = take(nonfarm, lambda k: g[k].contains(shapely.point_on_surface(g[k]).buffer(25, cap_style="square")))
    p = shapely.point_on_surface(g[k])
    strip = box(p.x - 20, p.y - 0.25, p.x + 20, p.y + 0.25)
    d.iloc[k, d.columns.get_loc("geometry")] = g[k].difference(strip)
    _fix_areas(d, k)
    s = d.iloc[[k]].copy().set_geometry([strip], crs=d.crs)
    s["BSM"] = NEW + "03"
    new_rows.append(s)
    expect += [("TP009", NEW + "03"), ("TP010", NEW + "03")]

    # attributes, each on a quiet patch of its own
    def setv(k, **values):
        for f, v in values.items():
            d.iloc[k, d.columns.get_loc(f)] = v

    k = take(quiet)
    setv(k, BSM="")
    expect.append(("SX001", f"#{d.index[k]}"))
    i, j = take(quiet), take(quiet)
    setv(i, BSM=bsm(j))
    expect += [("SX002", bsm(j))] * 2
    k = take(farmq)
    setv(k, DLBM="0109")
    expect.append(("SX003", bsm(k)))
    k = take(farmq, lambda k: d["DLBM"].iloc[k] == "0101")
    setv(k, DLMC="旱地")
    expect.append(("SX004", bsm(k)))
    k = take(farmq)
    tbmj = round(float(d["TBMJ"].iloc[k]) + 1.0, 2)
    kcmj = _half_up(np.array([tbmj * 100 * float(d["KCXS"].iloc[k])]))[0] / 100
    setv(k, TBMJ=tbmj, KCMJ=kcmj, TBDLMJ=round(tbmj - kcmj, 2))
    expect.append(("SX005", bsm(k)))
    k = take(farmq)
    kcmj = round(float(d["KCMJ"].iloc[k]) + 0.02, 2)
    setv(k, KCMJ=kcmj, TBDLMJ=round(float(d["TBMJ"].iloc[k]) - kcmj, 2))
    expect.append(("SX006", bsm(k)))
    k = take(farmq)
    setv(k, TBDLMJ=round(float(d["TBDLMJ"].iloc[k]) + 0.5, 2))
    expect.append(("SX007", bsm(k)))
    k = take(nonfarm)
    kcmj = _half_up(np.array([float(d["TBMJ"].iloc[k]) * 100 * 0.05]))[0] / 100
    setv(k, KCXS=0.05, KCMJ=kcmj, TBDLMJ=round(float(d["TBMJ"].iloc[k]) - kcmj, 2))
    expect.append(("SX008", bsm(k)))
    k = take(quiet)
    setv(k, ZLDWDM=d["ZLDWDM"].iloc[k][:18])
    expect.append(("SX009", bsm(k)))
    other = lambda k: next(c for c in layers["villages"]["CJDCQDM"] if c != d["ZLDWDM"].iloc[k][:12])  # noqa: E731
    k = take(quiet)
    setv(k, ZLDWDM=other(k) + "0000000")
    expect.append(("SX010", bsm(k)))
    k = take(quiet)
    setv(k, QSDWDM=other(k) + "0010000")
    expect.append(("SX011", bsm(k)))
    k = take(farmq)
    setv(k, GDPDJB="7")
    expect.append(("SX012", bsm(k)))
    k = take(quiet)
    setv(k, QSXZ="99")
    expect.append(("SX013", bsm(k)))

    # jbnt on forest, on construction land, and outside the survey area
    forest = take(nonfarm)
    built = take([k for k in quiet if d["DLBM"].iloc[k] == "0702"])
    extra = jb.iloc[:3].copy().set_geometry([g[forest], g[built],
                                             box(x0 - 200, sa.bounds[1] + 100, x0 - 150, sa.bounds[1] + 150)],
                                            crs=jb.crs)
    extra["BSM"] = ["J-SEED-1", "J-SEED-2", "J-SEED-3"]
    jb = pd.concat([jb, extra], ignore_index=True)
    expect += [("TC002", "J-SEED-1"), ("TC003", "J-SEED-2"), ("TC004", "J-SEED-3")]

    d = pd.concat([d, *new_rows], ignore_index=True)
    for pos in range(len(d) - len(new_rows), len(d)):
        if d.geometry.iloc[pos] is not None:
            _fix_areas(d, pos)
    return d, jb, expect


@pytest.fixture(scope="module")
def seeded_layers(layers, baseline):
    return seeded(layers, baseline)


def test_seeded_errors_are_found_and_nothing_else(layers, baseline, seeded_layers):
    d, jb, expect = seeded_layers
    r = check(layers, dltb=d, jbnt=jb)
    assert len({rule for rule, _ in expect}) == 27 - 1  # every rule but TC001 (CRS: tests/test_qc.py)
    assert keys(r) == sorted(keys(baseline) + expect)
    assert not r.passed
    # the outside piece is the 20 m × 10 m bump (geodesic area by pyproj, densified)
    row = r.errors[r.errors["rule"] == "TP005"].iloc[0]
    assert row["area_m2"] == pytest.approx(geodesic_m2(row.geometry), abs=0.01)
    assert row["area_m2"] == pytest.approx(200.0, abs=0.5)
    gap = r.errors[r.errors["rule"] == "TP004"].iloc[0]
    assert gap["area_m2"] == pytest.approx(geodesic_m2(gap.geometry), abs=0.01)
    assert gap["area_m2"] == pytest.approx(100.0, abs=0.1)


def test_seeded_copy_on_a_dask_cluster_gives_the_same_findings(layers, seeded_layers):
    distributed = pytest.importorskip("distributed")
    d, jb, _ = seeded_layers
    local = check(layers, dltb=d, jbnt=jb)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster):
        remote = check(layers, dltb=d, jbnt=jb, engine="dask", partitions=5)
    assert remote.engine == "dask"
    pd.testing.assert_frame_equal(remote.errors.drop(columns="geometry"), local.errors.drop(columns="geometry"))
    a, b = remote.errors.geometry.to_numpy(), local.errors.geometry.to_numpy()
    assert (shapely.equals(a, b) | (shapely.is_missing(a) & shapely.is_missing(b))).all()
    pd.testing.assert_frame_equal(remote.by_rule, local.by_rule)


def _debug(layers, baseline):  # pragma: no cover - run by hand
    d, jb, expect = seeded(layers, baseline)
    r = check(layers, dltb=d, jbnt=jb)
    got, want = keys(r), sorted(keys(baseline) + expect)
    from collections import Counter
    print("missing", list((Counter(want) - Counter(got)).elements()))
    print("extra", list((Counter(got) - Counter(want)).elements()))
    return r, expect
