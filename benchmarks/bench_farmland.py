"""Benchmark of xigeo.farmland_overlap (local engine) against geopandas.overlay.

Run: ``python benchmarks/bench_farmland.py [--patches 300000] [--parcels 1000 10000 30000]``

Farmland: ``xigeo.sample.generate.generate_dltb(patches, seed=1)``, a
gap-free land-use coverage of about ``patches`` patches (villages, ponds,
field roads, farmland; every patch is used as a "farmland" patch, so each
parcel meets as many patches as it would in a real survey layer). The
layer is cached as GeoParquet in ``--cache`` (generating 300,000 patches
takes minutes).

Parcels: random rotated rectangles, 0.1–6 ha (log-uniform), aspect 1–3,
spread over the farmland's extent (a few reach past its edge), seed 0.

Each contender runs in its own subprocess (so peak memory is its own:
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the end, and the same
after loading the layers, to show what the computation added):

- ``xigeo``: ``farmland_overlap(parcels, farmland)`` — validation of both
  layers, the overlay, survey ellipsoidal areas of pieces, parcels and
  patches, per-parcel table, double-counting check;
- ``xigeo-overlay``: what overlay + area computes and nothing more, the way
  the local engine computes it: candidate pairs, the compiled overlay
  (``xigeo._overlay.overlay_pieces``), a GeoDataFrame of the pieces with
  both ids, the pieces' survey areas from the kernel's rings;
- ``overlay``: ``geopandas.overlay(parcels, farmland, how="intersection",
  keep_geom_type=True)``, then ``xigeo.area`` of its pieces (the same
  measurement, so both produce the same numbers; the overlay alone is also
  timed);
- ``dask`` / ``dask-lazy`` (``--contenders``): ``farmland_overlap(...,
  engine="dask")`` on a 2-process LocalCluster, the farmland in memory or
  read by the workers from a Hilbert-partitioned GeoParquet (12 parts).

Every contender prints the number of pieces and their total area; the
script checks they agree. Each child warms up first (one call on 20
parcels), so that numba's compiled kernels are loaded, not compiled, in the
timed call, as in any session after the first (compiling takes ~40 s once
per installation).
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

import numpy as np
import pandas as pd

from _cache import cached_dltb


def farmland_layer(n_patches: int, cache: Path):
    return cached_dltb(n_patches, cache, seed=1, name="farmland")


def bench_layer(args: argparse.Namespace):
    """(farmland GeoDataFrame, its GeoParquet file) for ``args.layer``.

    ``generated``: ``generate_dltb(patches, seed=1)`` (the table above); ``dltb``: the county
    layer ``generate_dltb(300_000)`` (default seed, 307,361 patches, cached in ``--dltb-cache``);
    ``window``: the ~100,000 patches of that layer whose centre lies in a central square (a true
    coverage: neighbours share their edges and vertices, GEOS coverage validation finds no
    invalid edge).
    """
    import geopandas as gpd

    if args.layer == "generated":
        cache = Path(args.cache)
        return farmland_layer(args.patches, cache), cache / f"farmland_{args.patches}.parquet"
    dltb_cache = Path(args.dltb_cache)
    dltb = cached_dltb(300_000, dltb_cache)
    if args.layer == "dltb":
        return dltb, dltb_cache / "dltb_300000.parquet"
    path = Path(args.cache) / "dltb_window_100k.parquet"
    if path.exists():
        return gpd.read_parquet(path), path
    b = dltb.total_bounds
    half = (b[2] - b[0]) * np.sqrt(1 / 3.07) / 2
    c = dltb.geometry.centroid
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    window = dltb[((c.x - cx).abs() < half) & ((c.y - cy).abs() < half)].reset_index(drop=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    window.to_parquet(path)
    return window, path


def along_parcels(farmland, n: int, seed: int = 0):
    """``n`` parcels digitised along the farmland's boundaries: a patch and up to two patches it
    touches, merged (every parcel edge is an edge of a patch, the same vertices)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    g = np.asarray(farmland.geometry.values, dtype=object)
    seeds = rng.choice(len(g), n, replace=False)
    pi, fi = shapely.STRtree(g).query(g[seeds], predicate="touches")
    parts = np.array([shapely.coverage_union_all(np.concatenate([[g[s]], g[fi[pi == k][:2]]]))
                      for k, s in enumerate(seeds)], dtype=object)
    parts = parts[shapely.get_type_id(parts) == 3]
    return gpd.GeoDataFrame({"XMBH": [f"A{i:06d}" for i in range(len(parts))]}, geometry=parts,
                            crs=farmland.crs).set_index("XMBH")


def lazy_layer(farmland, n_patches: int, cache: Path, partitions: int = 12) -> Path:
    """A GeoParquet folder of ``farmland`` in ``partitions`` Hilbert-ordered runs (cached)."""
    import dask_geopandas

    path = cache / f"farmland_{n_patches}_hilbert{partitions}"
    if not path.exists():
        order = np.argsort(farmland.geometry.hilbert_distance().to_numpy(), kind="stable")
        dask_geopandas.from_geopandas(farmland.iloc[order], npartitions=partitions,
                                      sort=False).to_parquet(path)
    return path


def make_parcels(n: int, bounds: np.ndarray, seed: int = 0):
    """``n`` rotated rectangles of 0.1–6 ha inside ``bounds`` (EPSG:4526)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = bounds
    area = np.exp(rng.uniform(np.log(1e3), np.log(6e4), n))
    aspect = rng.uniform(1.0, 3.0, n)
    w = np.sqrt(area * aspect)
    h = area / w
    cx = rng.uniform(minx, maxx, n)
    cy = rng.uniform(miny, maxy, n)
    t = rng.uniform(0, np.pi, n)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    dx = corners[None, :, 0] * w[:, None]
    dy = corners[None, :, 1] * h[:, None]
    x = cx[:, None] + dx * np.cos(t)[:, None] - dy * np.sin(t)[:, None]
    y = cy[:, None] + dx * np.sin(t)[:, None] + dy * np.cos(t)[:, None]
    xy = np.stack([x, y], axis=-1).round(3)
    polys = shapely.polygons(xy)
    return gpd.GeoDataFrame({"XMBH": [f"P{i:06d}" for i in range(n)]}, geometry=polys,
                            crs=4526).set_index("XMBH")


def count_geos_fallback():
    """From now on, count the candidate pairs of the overlay and those left to GEOS (its debug log)."""
    import logging

    seen = [0, 0]

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.msg.startswith("intersection_pieces:") and record.args:
                seen[0] += int(record.args[0])
                seen[1] += int(record.args[1])

    logger = logging.getLogger("xigeo._overlay")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Count())
    return lambda: tuple(seen)


def maxrss_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def rss_mb() -> float:
    """Resident memory now, MB (Linux /proc; the peak where that is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return maxrss_mb()


def child(args: argparse.Namespace) -> None:
    """Run one contender on one size; print a JSON line."""
    import warnings

    import geopandas as gpd

    from xigeo.area import area

    if args.contender == "dask-lazy":
        dask_lazy(args)
        return
    farmland, source = bench_layer(args)
    farmland = farmland.set_index("BSM") if "BSM" in farmland.columns else farmland
    if args.parcel_kind == "along":
        parcels = along_parcels(farmland, args.parcels_n)
    else:
        parcels = make_parcels(args.parcels_n, farmland.total_bounds)
    # warm, for both contenders alike: compiled kernels loaded from numba's cache, CRS objects
    # built, GEOS and pandas code paths run once (a technician's session has done this before
    # the check that matters)
    area(farmland.iloc[:10])
    if args.contender == "overlay":
        gpd.overlay(parcels.iloc[:20].reset_index(), farmland[["geometry"]].reset_index(),
                    how="intersection", keep_geom_type=True)
    elif args.contender in ("xigeo", "xigeo-overlay"):
        from xigeo.farmland import farmland_overlap as warm

        warm(parcels.iloc[:20], farmland)
    loaded = rss_mb()
    out: dict = {"contender": args.contender, "patches": len(farmland), "parcels": len(parcels)}
    if args.contender == "dask":
        r, out["time_s"] = on_cluster(parcels, farmland)
        out["pieces"] = len(r.pieces)
        out["total_m2"] = float(r.pieces["area_m2"].sum())
    elif args.contender == "xigeo":
        from xigeo.farmland import farmland_overlap

        fallback = count_geos_fallback()
        t, c = time.perf_counter(), time.process_time()
        with warnings.catch_warnings(record=True) as caught:  # double counting is a finding
            warnings.simplefilter("always")
            r = farmland_overlap(parcels, farmland)
        out["time_s"], out["cpu_s"] = time.perf_counter() - t, time.process_time() - c
        out["warnings"] = [str(w.message)[:120] for w in caught]
        out["pairs"], out["geos_pairs"] = fallback()
        out["pieces"] = len(r.pieces)
        out["total_m2"] = float(r.pieces["area_m2"].sum())
    elif args.contender == "xigeo-overlay":
        # like for like with overlay + area: the pieces (GeoDataFrame with both ids) and their
        # survey areas, nothing else (no validation, shares, per-parcel table or double counting)
        from xigeo._overlay import candidate_pairs, gc_paused, overlay_pieces
        from xigeo.area import ellipsoidal_rings_m2

        t = time.perf_counter()
        with gc_paused():
            left = np.asarray(parcels.geometry.values, dtype=object)
            right = np.asarray(farmland.geometry.values, dtype=object)
            o = overlay_pieces(left, right, candidate_pairs(left, right))
            ov = gpd.GeoDataFrame({"XMBH": parcels.index.take(o.li), "BSM": farmland.index.take(o.ri)},
                                  geometry=o.pieces, crs=parcels.crs)
            out["overlay_s"] = time.perf_counter() - t
            # survey areas as the local engine measures them: from the kernel's rings
            pr = o.clipped.piece_rings
            m2 = ellipsoidal_rings_m2(pr.xy, pr.ring_off, pr.owner, pr.exterior,
                                      o.clipped.status.size, parcels.crs)[o.pair]
            if not o.by_kernel.all():
                m2[~o.by_kernel] = area(ov[~o.by_kernel]).to_numpy()
        out["time_s"] = time.perf_counter() - t
        out["pieces"] = len(ov)
        out["total_m2"] = float(m2.sum())
    elif args.contender == "xigeo-prepared":
        from xigeo.farmland import farmland_overlap
        from xigeo.prepared import prepare

        layer = prepare(source, cache_dir=Path(args.cache) / "prepared")  # once, not timed
        farmland_overlap(parcels.iloc[:20], layer)
        t, c = time.perf_counter(), time.process_time()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = farmland_overlap(parcels, layer)
        out["warnings"] = [str(w.message)[:120] for w in caught]
        out["time_s"], out["cpu_s"] = time.perf_counter() - t, time.process_time() - c
        out["pieces"] = len(r.pieces)
        out["total_m2"] = float(r.pieces["area_m2"].sum())
        out["coverage_valid"] = layer.coverage_valid
    else:
        t, c = time.perf_counter(), time.process_time()
        ov = gpd.overlay(parcels.reset_index(), farmland[["geometry"]].reset_index(),
                         how="intersection", keep_geom_type=True)
        out["overlay_s"] = time.perf_counter() - t
        m2 = area(ov).to_numpy()
        # the same groupby as the check's per-parcel table (overlap per parcel, 0 where none)
        per_parcel = pd.Series(m2).groupby(ov["XMBH"].to_numpy()).sum().reindex(parcels.index,
                                                                                fill_value=0.0)
        out["time_s"], out["cpu_s"] = time.perf_counter() - t, time.process_time() - c
        out["pieces"] = len(ov)
        out["total_m2"] = float(per_parcel.sum())
    out["rss_loaded_mb"] = loaded
    out["rss_peak_mb"] = maxrss_mb()
    print(json.dumps(out))


def on_cluster(parcels, farmland):
    """farmland_overlap(engine="dask") on a LocalCluster of one process per CPU: (result, seconds).

    One warm-up call first (the workers load the compiled kernels); cluster start-up not timed.
    """
    import distributed

    from xigeo.farmland import farmland_overlap

    workers = os.cpu_count() or 2
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster):
        farmland_overlap(parcels.iloc[:20], farmland, engine="dask")
        t = time.perf_counter()
        r = farmland_overlap(parcels, farmland, engine="dask")
        return r, time.perf_counter() - t


def dask_lazy(args: argparse.Namespace) -> None:
    """The dask engine on a farmland layer that stays on disk (its client never loads it)."""
    import warnings

    import dask_geopandas

    path = Path(args.cache) / f"farmland_{args.patches}_hilbert12"
    with warnings.catch_warnings():  # dask-geopandas 0.5 read_parquet under pandas 3.1
        warnings.simplefilter("ignore", DeprecationWarning)
        layer = dask_geopandas.read_parquet(path)
    # the partitions' hulls give the layer's bounds: the same parcels as the other contenders
    parcels = make_parcels(args.parcels_n, layer.spatial_partitions.total_bounds)
    loaded = rss_mb()
    r, elapsed = on_cluster(parcels, layer)
    print(json.dumps({"contender": "dask-lazy", "patches": args.patches, "parcels": len(parcels),
                      "time_s": elapsed, "pieces": len(r.pieces),
                      "total_m2": float(r.pieces["area_m2"].sum()), "rss_loaded_mb": loaded,
                      "rss_peak_mb": maxrss_mb()}))


def run(contender: str, patches: int, parcels: int, cache: str, *, layer: str = "generated",
        kind: str = "random", dltb_cache: str = "", tree: str = "") -> dict:
    """One contender in a child process; ``tree``: run xigeo from that source tree instead
    (``--baseline``: the code before a change, with its own numba cache folder)."""
    cmd = [sys.executable, __file__, "--child", contender, "--patches", str(patches),
           "--parcels-n", str(parcels), "--cache", cache, "--layer", layer, "--parcel-kind", kind]
    if dltb_cache:
        cmd += ["--dltb-cache", dltb_cache]
    env = None
    if tree:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [tree, os.path.dirname(os.path.abspath(__file__))]),
            XIGEO_CACHE_DIR=os.path.join(tree, ".numba-cache"))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{contender} {parcels}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=300_000, help="farmland patches (about)")
    parser.add_argument("--parcels", type=int, nargs="+", default=[1_000, 10_000, 30_000],
                        help="parcel counts to run")
    parser.add_argument("--contenders", nargs="+", default=["xigeo", "xigeo-overlay", "overlay"],
                        choices=["xigeo", "xigeo-overlay", "overlay", "dask", "dask-lazy",
                                 "xigeo-prepared"],
                        help="dask: engine='dask' on a LocalCluster of one process per CPU, the "
                             "farmland in memory; dask-lazy: the same with the farmland read by the "
                             "workers from a Hilbert-partitioned GeoParquet (needs xigeo[dask]; "
                             "cluster start-up not timed)")
    parser.add_argument("--cache", default=os.path.join(os.path.dirname(__file__), ".cache"),
                        help="folder for the generated farmland layer")
    parser.add_argument("--prepared", action="store_true",
                        help="the prepared-layer benchmark (issue 14) instead of the table above")
    parser.add_argument("--dltb-cache", default=os.environ.get("XIGEO_BENCH_DLTB",
                                                               "/tmp/xigeo_bench_adjust"),
                        help="folder holding (or to hold) dltb_300000.parquet, generate_dltb(300_000)")
    parser.add_argument("--baseline", default="",
                        help="with --prepared: also run the xigeo contenders from this source tree "
                             "(e.g. `git archive main xigeo | tar -x -C DIR`), before/after in one run")
    parser.add_argument("--skip-files", action="store_true",
                        help="with --prepared: only the in-memory table (not the 61-project files "
                             "and check-farmland runs)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--parcels-n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--layer", default="generated", help=argparse.SUPPRESS)
    parser.add_argument("--parcel-kind", default="random", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.contender = args.child
        child(args)
        return
    if args.prepared:
        from _bench_prepared import prepared_benchmark

        prepared_benchmark(args, run)
        return

    import geopandas
    import shapely

    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
          f"geopandas {geopandas.__version__}")
    farm = farmland_layer(args.patches, Path(args.cache))  # generate once, outside the timed runs
    if "dask-lazy" in args.contenders:
        lazy_layer(farm.set_index("BSM") if "BSM" in farm.columns else farm, args.patches,
                   Path(args.cache))
    del farm
    print("| patches | parcels | pieces | xigeo s | overlay s (overlay alone) | ratio | "
          "xigeo peak MB (+ over loaded) | overlay peak MB (+ over loaded) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in args.parcels:
        res = {c: run(c, args.patches, n, args.cache) for c in args.contenders}
        x, o = res.get("xigeo"), res.get("overlay")
        for d in (res.get("dask"), res.get("dask-lazy")):
            if x and d and (x["pieces"] != d["pieces"] or abs(x["total_m2"] - d["total_m2"]) > 1e-6):
                print("  DISAGREE: dask engine and local engine", file=sys.stderr)
        if x and o:
            if x["pieces"] != o["pieces"] or abs(x["total_m2"] - o["total_m2"]) > 1e-6 * x["pieces"] + 1e-3:
                print(f"  DISAGREE: xigeo {x['pieces']} pieces {x['total_m2']:.2f} m², overlay "
                      f"{o['pieces']} pieces {o['total_m2']:.2f} m²", file=sys.stderr)
        first = x or o or d
        cells = [f"{first['patches']:,}", f"{n:,}", f"{first['pieces']:,}"]
        cells.append(f"{x['time_s']:.2f}" if x else "")
        cells.append(f"{o['time_s']:.2f} ({o['overlay_s']:.2f})" if o else "")
        cells.append(f"{o['time_s'] / x['time_s']:.1f}×" if x and o else "")
        xo = res.get("xigeo-overlay")
        if xo:
            agree = o is None or (xo["pieces"] == o["pieces"]
                                  and abs(xo["total_m2"] - o["total_m2"]) <= 1e-6 * xo["pieces"] + 1e-3)
            ratio = f", {o['time_s'] / xo['time_s']:.1f}× faster than overlay + area" if o else ""
            print(f"  xigeo-overlay (pieces + survey areas only): {xo['time_s']:.2f} s "
                  f"(pieces {xo['overlay_s']:.2f} s){ratio}, peak {xo['rss_peak_mb']:,.0f} MB"
                  f"{'' if agree else ' DISAGREES with overlay'}", flush=True)
        for name in ("dask", "dask-lazy"):
            if name in res:
                d = res[name]
                print(f"  {name} engine: {d['time_s']:.2f} s, {d['pieces']:,} pieces, client "
                      f"process peak {d['rss_peak_mb']:,.0f} MB, resident before the call "
                      f"{d['rss_loaded_mb']:,.0f} MB", flush=True)
        for r in (x, o):
            cells.append(f"{r['rss_peak_mb']:,.0f} (+{r['rss_peak_mb'] - r['rss_loaded_mb']:,.0f})"
                         if r else "")
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
