"""The good path's cost of the bad-input guards (issue 13): area() and summarize_area on the county layer.

Run: ``python benchmarks/bench_bad_input.py [--cache /tmp/xigeo_bench_adjust] [--repeat 3]``

Times, on ``generate_dltb(300_000)`` (307,361 patches, cached as GeoParquet):

- ``xigeo.area(layer)`` (ellipsoidal, survey rules), warm, best of ``--repeat``;
- the validity guard it now runs (``certainly_valid`` + GEOS on the rest), alone;
- ``xigeo.summarize_area(layer, by="DLBM")``, best of ``--repeat``.

Run it on the code before and after a change, in the same session, to compare.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import shapely  # noqa: E402

from _cache import cached_dltb  # noqa: E402


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=os.environ.get("XIGEO_BENCH_CACHE", "/tmp/xigeo_bench_adjust"))
    parser.add_argument("--n", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import xigeo
    from xigeo._clip import certainly_valid

    layer = cached_dltb(args.n, Path(args.cache))
    geoms = np.asarray(layer.geometry.values, dtype=object)
    print(f"{len(layer):,} patches, {int(shapely.get_num_coordinates(geoms).sum()):,} vertices")
    xigeo.area(layer.iloc[:10])  # load the kernels
    t_area = best_of(lambda: xigeo.area(layer), args.repeat)

    def guard() -> None:
        ask = np.flatnonzero(~certainly_valid(geoms))
        shapely.is_valid(geoms[ask])

    t_guard = best_of(guard, args.repeat)
    t_plain_valid = best_of(lambda: shapely.is_valid(geoms), 1)
    t_sum = best_of(lambda: xigeo.summarize_area(layer, by="DLBM"), max(1, args.repeat - 1))
    print(f"area()                         {t_area:7.2f} s")
    print(f"validity guard alone           {t_guard:7.2f} s  (shapely.is_valid on all: {t_plain_valid:.2f} s)")
    print(f"summarize_area(by='DLBM')      {t_sum:7.2f} s")


if __name__ == "__main__":
    main()
