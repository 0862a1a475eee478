"""Benchmark of the CRS guard (xigeo.check_crs: zone plausibility, finite coordinates).

Run: ``python benchmarks/bench_crs.py [--n 300000] [--cache /tmp/xigeo_bench_adjust]``

On the county-size layer ``generate_dltb(n)`` (cached GeoParquet, see _cache.py), in EPSG:4526,
times in the same run:

- ``check_crs`` (bounds of every row, NaN test by ring length, zone window in metres at the
  layer's lowest latitude; no per-vertex work);
- the per-vertex alternative: ``shapely.get_coordinates`` of the layer, ``np.isfinite`` and the
  same window tested on every vertex;
- ``xigeo.area`` (the survey ellipsoidal area) on the same layer, which calls the guard once:
  the guard's share of an area computation.

Best of ``--repeat`` runs each.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import shapely

import xigeo
from xigeo.crs import check_crs

from _cache import cached_dltb


def best(func, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("XIGEO_BENCH_CACHE", "/tmp/xigeo_bench_adjust")))
    args = parser.parse_args()
    layer = cached_dltb(args.n, args.cache)
    values = np.asarray(layer.geometry.values, dtype=object)
    n_vertices = int(shapely.get_num_coordinates(values).sum())
    west, east = 38_500_000 - 188_000, 38_500_000 + 188_000

    def per_vertex():
        xy = shapely.get_coordinates(values)
        assert np.isfinite(xy).all()
        assert ((xy[:, 0] >= west) & (xy[:, 0] <= east)).all()

    xigeo.area(layer.iloc[:10])  # compile / load the kernel
    guard = best(lambda: check_crs(layer), args.repeat)
    vertex = best(per_vertex, args.repeat)
    area = best(lambda: xigeo.area(layer), 1)
    print(f"{len(layer):,} patches, {n_vertices:,} vertices, EPSG:{layer.crs.to_epsg()}")
    print(f"check_crs (bounds)         {guard:7.3f} s")
    print(f"per-vertex check           {vertex:7.3f} s   ({vertex / guard:.1f}x the guard)")
    print(f"xigeo.area (incl. guard)   {area:7.3f} s   (guard = {guard / area:.1%} of it)")


if __name__ == "__main__":
    main()
