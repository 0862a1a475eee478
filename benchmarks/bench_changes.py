"""Benchmark of xigeo.survey_changes (the annual change survey) against geopandas.overlay.

Run: ``python benchmarks/bench_changes.py [--patches 300000] [--fraction 0.02] [--subset 8]``

Layers: the first year is ``generate_dltb(patches)`` (default seed), read
from the cache ``--cache`` (default ``$XIGEO_BENCH_CACHE`` or
``/tmp/xigeo_bench_adjust``: generating 300,000 patches takes minutes);
the second year is ``xigeo.sample.second_year.change_year(first,
fraction=0.02)``: 2 % of the patches changed (60 % recoded, 30 % split in
two with one half built on, 10 % merged with a neighbour), cached next to it.

Contenders, each in its own subprocess (peak memory is its own:
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, also after loading the
layers to show what the computation added):

- ``xigeo``: ``survey_changes(before, after)``: validation of the codes and
  areas of both years, the vectorised comparison that settles the
  unchanged patches, the overlay kernel on the rest, survey ellipsoidal
  areas, the transition table (fitted and rounded), patch fates, ledgers,
  the increment package;
- ``overlay``: ``geopandas.overlay(before, after, how="intersection",
  keep_geom_type=True)``, ``xigeo.area`` of the pieces and the same groupby
  (from class × to class): the obvious way to do it. At 300,000 patches a
  whole run takes many minutes on this machine, so by default it runs on a
  spatial subset — the patches (of both years) whose representative point
  lies in the western 1/``--subset`` of the extent — and its time is
  scaled by the ratio of patches (overlay time grows at least linearly with
  the pairs; the scaled figure is a lower bound). ``--subset 1`` runs it whole.

Each child warms up first (one call on two tiny layers) so that numba's
compiled kernels are loaded, not compiled, in the timed call.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from _cache import cached_dltb

DEFAULT_CACHE = Path(os.environ.get("XIGEO_BENCH_CACHE", "/tmp/xigeo_bench_adjust"))


def maxrss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def layers(n: int, fraction: float, cache: Path):
    import geopandas as gpd

    from xigeo.sample.second_year import change_year

    first = _with_village_codes(cached_dltb(n, cache))
    path = cache / f"dltb_{n}_grid_changed{int(round(fraction * 1000)):03d}.parquet"
    if path.exists():
        return first, gpd.read_parquet(path)
    t = time.perf_counter()
    second = change_year(first, fraction=fraction)
    print(f"  derived the second year in {time.perf_counter() - t:.1f} s -> {path}", file=sys.stderr)
    second.to_parquet(path)
    return first, second


def _with_village_codes(first):
    """ZLDWDM / QSDWDM as 19-digit codes of a 20 × 20 grid of villages in 20 townships.

    The layer cached by earlier benchmarks was generated before
    ``generate_dltb`` coded villages on a grid: each patch had its own
    20- or 21-digit "village" code, which the survey tables (and
    ``survey_changes``, which validates like them) refuse. The grid here is
    the one ``generate_dltb`` now uses (townships of 4 × 5 villages), on
    the patches' box centres.
    """
    import numpy as np
    import shapely

    first = first.copy()
    first.attrs = {}
    b = shapely.bounds(first.geometry.values)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    minx, miny, maxx, maxy = first.total_bounds
    col = np.minimum(((cx - minx) / (maxx - minx) * 20).astype(int), 19)
    row = np.minimum(((cy - miny) / (maxy - miny) * 20).astype(int), 19)
    town = 100 + (col // 4) * 4 + row // 5
    village = 201 + (col % 4) * 5 + row % 5
    codes = np.char.add(np.char.add("411528", town.astype(str)), village.astype(str))
    first["ZLDWDM"] = np.char.add(codes, "0000000")
    first["QSDWDM"] = np.char.add(codes, "0010000")
    return first


def warm_up() -> None:
    import geopandas as gpd
    from shapely import box

    from xigeo import survey_changes

    x, y, z = 38_560_000, 3_580_000, "4115281012010000000"
    a = gpd.GeoDataFrame({"BSM": ["1", "2"], "DLBM": ["0103", "0103"], "ZLDWDM": [z, z],
                          "KCMJ": [0.0, 0.0], "TBDLMJ": [1e4, 1e4]},
                         geometry=[box(x, y, x + 100, y + 100), box(x + 100, y, x + 200, y + 100)], crs=4526)
    b = a.copy()
    b["geometry"] = [box(x, y, x + 120, y + 100), box(x + 120, y, x + 200, y + 100)]
    b["TBDLMJ"] = [1.2e4, 0.8e4]
    survey_changes(a, b)


def child(name: str, n: int, fraction: float, cache: Path, subset: int) -> dict:
    import numpy as np

    before, after = layers(n, fraction, cache)
    loaded = maxrss_gb()
    out: dict = {"contender": name, "patches_before": len(before), "patches_after": len(after),
                 "loaded_gb": round(loaded, 2)}
    if name == "xigeo":
        from xigeo import survey_changes

        warm_up()
        t = time.perf_counter()
        r = survey_changes(before, after)
        out["seconds"] = round(time.perf_counter() - t, 2)
        changed = r.pieces[r.pieces["class_changed"].to_numpy(dtype=bool)]
        out.update(pieces=len(r.pieces), class_changed_m2=round(float(changed["area_m2"].sum()), 2),
                   slivers=len(r.slivers), changed_patches=int((r.patches["status"] != "unchanged").sum()))
    else:
        import geopandas as gpd

        from xigeo.area import area

        keep = ["BSM", "DLBM", "ZLDWDM", "QSDWDM", "geometry"]
        b, a = before[keep], after[keep]
        if subset > 1:
            minx, _, maxx, _ = before.total_bounds
            cut = minx + (maxx - minx) / subset
            b = b[b.geometry.representative_point().x.to_numpy() < cut]
            a = a[a.geometry.representative_point().x.to_numpy() < cut]
        warm = gpd.overlay(b.iloc[:50], a.iloc[:50], how="intersection", keep_geom_type=True)
        del warm
        t = time.perf_counter()
        ov = gpd.overlay(b, a, how="intersection", keep_geom_type=True)
        t_overlay = time.perf_counter() - t
        ov["area_m2"] = area(ov).to_numpy()
        changed = ov[ov["DLBM_1"] != ov["DLBM_2"]]
        flows = changed.groupby(["DLBM_1", "DLBM_2"])["area_m2"].sum()
        seconds = time.perf_counter() - t
        scale = len(before) / len(b)
        out.update(seconds_subset=round(seconds, 2), overlay_only_subset=round(t_overlay, 2),
                   subset_patches=len(b), scale=round(scale, 3), seconds=round(seconds * scale, 2),
                   pieces=len(ov), class_changed_m2_subset=round(float(flows.sum()), 2))
        out["flows"] = int(np.count_nonzero(flows.to_numpy()))
    out["peak_gb"] = round(maxrss_gb(), 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=300_000)
    parser.add_argument("--fraction", type=float, default=0.02)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--subset", type=int, default=8,
                        help="run geopandas.overlay on the western 1/SUBSET of the extent and scale (1: whole)")
    parser.add_argument("--contenders", nargs="+", default=["xigeo", "overlay"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.patches, args.fraction, args.cache, args.subset)))
        return 0
    layers(args.patches, args.fraction, args.cache)  # build the cache once, outside the timings
    print(f"# bench_changes: {args.patches:,} patches, {args.fraction:.0%} changed; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    results = {}
    for name in args.contenders:
        proc = subprocess.run([sys.executable, __file__, "--child", name, "--patches", str(args.patches),
                               "--fraction", str(args.fraction), "--cache", str(args.cache),
                               "--subset", str(args.subset)], capture_output=True, text=True, check=False)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(results[name], ensure_ascii=False))
    if "xigeo" in results and "overlay" in results:
        ratio = results["overlay"]["seconds"] / results["xigeo"]["seconds"]
        print(f"xigeo {results['xigeo']['seconds']:.2f} s, peak {results['xigeo']['peak_gb']:.2f} GB; "
              f"geopandas.overlay + area + groupby {results['overlay']['seconds']:.1f} s"
              f"{' (scaled from 1/' + str(args.subset) + ')' if args.subset > 1 else ''}: {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
