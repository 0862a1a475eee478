"""Benchmark of xigeo.area on synthetic Xi County parcels.

Run: ``python benchmarks/bench_area.py [--n 300000] [--loop-n 20000]``

Makes ``n`` star-shaped parcels of 10–30 vertices (radius 20–120 m, so a few
edges exceed 70 m) in EPSG:4526 around Xi County, then times, in the same
run and on the same data:

- ``xigeo.area(method="ellipsoidal")`` (survey rules on), warm: after a
  first call that compiles (or loads from cache) the numba kernel;
- its two stages: flattening the geometries (``shapely.to_ragged_array``)
  and the compiled kernel;
- shapely planar area (``shapely.area``);
- ``xigeo.area(method="geodesic")`` (vectorised transform, one pyproj call per ring);
- the per-polygon pyproj loop a script would write: transform each polygon
  to EPSG:4490 and call ``Geod.geometry_area_perimeter``. On a random
  subset of ``--loop-n`` polygons, scaled linearly to ``n`` (said in the output).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import time

import geopandas as gpd
import numpy as np
import pyproj
import shapely

# xigeo.area is the function once xigeo/__init__ exports it; reach the module itself
xarea = importlib.import_module("xigeo.area")
area_kernel = importlib.import_module("xigeo._area_kernel")  # the compiled part (numba)
rings_of = importlib.import_module("xigeo._rings").rings_of


def make_parcels(n: int, seed: int = 0) -> gpd.GeoSeries:
    """``n`` random star-shaped parcels with 10–30 vertices in EPSG:4526 (Xi County)."""
    rng = np.random.default_rng(seed)
    n_vertices = rng.integers(10, 31, n)
    owner = np.repeat(np.arange(n), n_vertices)
    cx = rng.uniform(38_537_000, 38_594_000, n)[owner]
    cy = rng.uniform(3_553_000, 3_609_000, n)[owner]
    radius = rng.uniform(20.0, 120.0, n)[owner] * rng.uniform(0.7, 1.0, owner.size)
    angle = rng.uniform(0.0, 2 * np.pi, owner.size)
    order = np.lexsort((angle, owner))
    angle, radius = angle[order], radius[order]
    xy = np.column_stack([cx + radius * np.cos(angle), cy + radius * np.sin(angle)]).round(4)
    rings = shapely.linearrings(xy, indices=owner)
    return gpd.GeoSeries(shapely.polygons(rings), crs=4526)


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def pyproj_loop(polys: np.ndarray) -> np.ndarray:
    to_geo = pyproj.Transformer.from_crs(4526, 4490, always_xy=True)
    geod = pyproj.Geod(ellps="GRS80")  # CGCS2000 ellipsoid to 1e-4 mm in b
    out = np.empty(len(polys))
    for i, poly in enumerate(polys):
        geo = shapely.transform(poly, lambda c: np.column_stack(to_geo.transform(c[:, 0], c[:, 1])))
        out[i] = abs(geod.geometry_area_perimeter(geo)[0])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300_000, help="number of parcels")
    parser.add_argument("--loop-n", type=int, default=20_000,
                        help="parcels timed in the per-polygon pyproj loop (scaled to --n)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    t = time.perf_counter()
    first = xarea.area(make_parcels(10, seed=1))
    compile_s = time.perf_counter() - t
    parcels = make_parcels(args.n, seed=args.seed)
    # a few random stars cross themselves (40 of 300,000): area() refuses those (its validity
    # guard), so they are replaced by their convex hull, a valid polygon of the same size
    crossed = ~shapely.is_valid(np.asarray(parcels.values))
    if crossed.any():
        parcels = parcels.copy()
        parcels[crossed] = shapely.convex_hull(np.asarray(parcels.values)[crossed])
        print(f"{int(crossed.sum())} self-crossing stars replaced by their convex hulls")
    values = np.asarray(parcels.values)
    n_vertices = int(shapely.get_num_coordinates(values).sum())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numba {area_kernel.numba.__version__}, shapely {shapely.__version__}, "
          f"pyproj {pyproj.__version__}")
    print(f"parcels: {args.n:,} in EPSG:4526, {n_vertices:,} vertices "
          f"({n_vertices / args.n:.1f} per ring incl. closing point)")
    print(f"first call (compile or cache load + run on 10 parcels): {compile_s:.2f} s "
          f"[{len(first)} results]")

    ell = best_of(lambda: xarea.area(parcels))
    auto_workers = area_kernel.thread_count
    area_kernel.thread_count = lambda work, per_thread: 1
    ell_1 = best_of(lambda: xarea.area(parcels))
    area_kernel.thread_count = auto_workers
    planar = best_of(lambda: shapely.area(values))
    guard = best_of(lambda: xarea.check_crs(parcels))
    polys = xarea._polygonal(values)[0]
    flat = best_of(lambda: rings_of(polys))
    xy, ring_off, ring_geom, exterior = rings_of(polys)
    flat_kernel = best_of(lambda: xarea._ellipsoidal_m2(polys, parcels.crs, True, "bench"))
    kernel = flat_kernel - flat
    n_points = n_vertices - len(ring_off) + 1
    seg = np.hypot(*np.diff(xy, axis=0).T)
    starts = ring_off[1:-1] - 1  # the joints between rings are not edges
    seg[starts] = 0.0
    extra = int(np.floor(seg[seg > 70] / 70).sum())
    geodesic_vec = best_of(lambda: xarea.area(parcels, method="geodesic"), repeat=1)
    rng = np.random.default_rng(args.seed + 1)
    subset = rng.choice(args.n, size=min(args.loop_n, args.n), replace=False)
    loop_sub = best_of(lambda: pyproj_loop(values[subset]), repeat=1)
    loop = loop_sub * args.n / subset.size

    # agreement on the subset, as a sanity check of what was timed: the survey rules
    # (70 m densification, 0.01 m² rounding) against geodesic edges between the vertices
    ours = xarea.area(parcels.iloc[subset]).to_numpy()
    ref = pyproj_loop(values[subset])
    diff = np.abs(ours - ref)

    print(f"rings: {len(ring_off) - 1:,}; points evaluated by the kernel: {n_points + extra:,} "
          f"({extra:,} extra points on edges > 70 m)")
    print(f"threads used by the kernel: {area_kernel.thread_count(xy.shape[0], area_kernel.POINTS_PER_THREAD)}")
    print(f"xigeo.area ellipsoidal (survey rules, warm): {ell:8.3f} s  "
          f"({ell / args.n * 1e6:.2f} µs/parcel)")
    print(f"xigeo.area ellipsoidal, one thread:          {ell_1:8.3f} s  "
          f"({ell_1 / args.n * 1e6:.2f} µs/parcel)")
    print(f"  CRS guard (check_crs):                     {guard:8.3f} s")
    print(f"  flattening (get_coordinates + ring counts):{flat:8.3f} s")
    print(f"  compiled kernel (threads, summing):        {kernel:8.3f} s "
          f"({kernel / (n_points + extra) * 1e9:.0f} ns/point)")
    print(f"shapely planar area:                         {planar:8.3f} s")
    print(f"xigeo.area geodesic (one pyproj call/ring):  {geodesic_vec:8.3f} s")
    print(f"pyproj per-polygon loop (4490 + Geod):       {loop:8.3f} s  "
          f"(timed on {subset.size:,} random parcels: {loop_sub:.2f} s, scaled x{args.n / subset.size:.1f})")
    print(f"ratio loop / ellipsoidal:     {loop / ell:6.1f}x  (one thread: {loop / ell_1:.1f}x)")
    print(f"ratio ellipsoidal / planar:   {ell / planar:6.1f}x")
    print(f"ratio geodesic(xigeo) / ellipsoidal: {geodesic_vec / ell:6.1f}x")
    print(f"ellipsoidal (survey rules) vs pyproj geodesic loop on the subset: median "
          f"{np.median(diff / ref):.1e}, max {np.max(diff / ref):.1e} relative, max {diff.max():.3f} m²")


if __name__ == "__main__":
    main()
