"""Benchmark of xigeo.check_survey (质检) on a county-size layer, rule by rule.

Run: ``python benchmarks/bench_check.py [--patches 300000] [--cache DIR] [--window 0.2]``

Patches: ``generate_dltb(patches)`` (default seed; 307,361 patches for
300,000), cached as GeoParquet in ``--cache`` (benchmarks/_cache.py; the
env var XIGEO_BENCH_CACHE, else /tmp/xigeo_bench_adjust). The generator's
layer is a valid coverage; to give the overlap and gap rules work, 1% of
the patches (every 100th) is moved 3 m east (each then overlaps its
neighbours and leaves a gap), so the findings are real. The county is the
patches' extent (a box) and TBMJ the survey area (so the attribute rules
run over every row).

Timed in the same run:

- ``check_survey`` on the whole layer, all rules; then each rule alone
  (``rules=`` switching the others off), so the time per rule is shown;
- the obvious geopandas way for overlaps and gaps, on a window of the
  layer (``--window``: that share of the extent's width, the same window
  for both): ``geopandas.overlay(layer, layer, how="intersection")`` with
  the self-pairs dropped for the overlaps, ``unary_union`` and a difference
  from the boundary for the gaps; against check_survey's TP003 + TP004 on
  the same window. The ratio printed is geopandas / xigeo.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def layer(n: int, cache: Path):
    import shapely

    from _cache import cached_dltb
    from xigeo import area

    gdf = cached_dltb(n, cache)
    g = np.asarray(gdf.geometry.values, dtype=object).copy()
    moved = np.arange(0, len(g), 100)
    g[moved] = shapely.transform(g[moved], lambda xy: xy + [3.0, 0.0])
    gdf = gdf.set_geometry(g)
    # the survey attributes the rules check: TBMJ the survey area, KCMJ and TBDLMJ from it, and
    # 19-digit codes (the generator's codes overflow to 20 digits past 16,000 patches)
    from xigeo.adjust import _half_up

    gdf["TBMJ"] = area(gdf).to_numpy()
    gdf["KCMJ"] = _half_up(gdf["TBMJ"].to_numpy() * 100 * gdf["KCXS"].to_numpy()) / 100
    gdf["TBDLMJ"] = np.round(gdf["TBMJ"] - gdf["KCMJ"], 2)
    k = np.arange(len(gdf))
    village = np.char.add("411528", np.char.zfill((100 + k % 20).astype(str), 3))
    village = np.char.add(village, np.char.zfill((200 + (k // 20) % 700).astype(str), 3))
    gdf["ZLDWDM"] = np.char.add(village, "0000000")
    gdf["QSDWDM"] = np.char.add(village, "0010000")
    return gdf, moved


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patches", type=int, default=300_000)
    ap.add_argument("--cache", type=Path,
                    default=Path(os.environ.get("XIGEO_BENCH_CACHE", "/tmp/xigeo_bench_adjust")))
    ap.add_argument("--window", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=1, help="runs of the whole check (best shown)")
    ap.add_argument("--whole-only", action="store_true",
                    help="only the whole check (no per-rule runs, no geopandas comparison)")
    args = ap.parse_args()

    import geopandas as gpd
    import shapely

    from xigeo import check_survey, load_rules

    gdf, moved = layer(args.patches, args.cache)
    county = gpd.GeoSeries([shapely.box(*gdf.total_bounds)], crs=gdf.crs)
    print(f"{len(gdf):,} patches, {len(moved):,} moved 3 m east")
    check_survey(gdf.iloc[:2000], county=county)  # compile the kernels, warm the caches
    runs = [timed(lambda: check_survey(gdf, county=county)) for _ in range(args.repeat)]
    t_all, result = min(runs, key=lambda r: r[0])
    print(f"check_survey, all rules: {t_all:.2f} s (best of {args.repeat}: "
          f"{', '.join(f'{t:.2f}' for t, _ in runs)}); {result.summary('en').splitlines()[1]}")
    if args.whole_only:
        return
    pack = load_rules()
    print("per rule (each alone):")
    for rid in pack:
        if not pack[rid].enabled:
            continue
        only = {r: {"enabled": r == rid} for r in pack}
        t, r = timed(lambda: check_survey(gdf, county=county, rules=only))
        print(f"  {rid} {pack[rid].check:18s} {t:6.2f} s  {int(r.by_rule.loc[rid, 'n_findings']):,} findings")

    # the geopandas way on a window of the layer
    x0, y0, x1, y1 = gdf.total_bounds
    win = shapely.box(x0, y0, x0 + (x1 - x0) * args.window, y1)
    part = gdf[gdf.geometry.within(win)].reset_index(drop=True)
    boundary = shapely.coverage_union_all(np.asarray(part.geometry.values)).envelope
    only = {r: {"enabled": r in ("TP003", "TP004")} for r in pack}
    bcounty = gpd.GeoSeries([boundary], crs=gdf.crs)
    t_x, r_x = timed(lambda: check_survey(part, county=bcounty, rules=only))

    def geopandas_way():
        left = part[["BSM", "geometry"]].assign(i=np.arange(len(part)))
        pairs = gpd.overlay(left, left, how="intersection", keep_geom_type=True)
        pairs = pairs[pairs["i_1"] < pairs["i_2"]]
        over = pairs[pairs.area > 0.01]
        gaps = gpd.GeoSeries([boundary.difference(part.geometry.union_all())], crs=gdf.crs).explode()
        return over, gaps[gaps.area > 0.01]

    t_g, (over, gaps) = timed(geopandas_way)
    n_x = (r_x.errors["rule"] == "TP003").sum(), (r_x.errors["rule"] == "TP004").sum()
    print(f"window {len(part):,} patches: xigeo TP003+TP004 {t_x:.2f} s ({n_x[0]} overlaps, {n_x[1]} gaps); "
          f"geopandas overlay + union/difference {t_g:.2f} s ({len(over)} overlaps, {len(gaps)} gaps); "
          f"ratio {t_g / t_x:.1f}x")


if __name__ == "__main__":
    main()
