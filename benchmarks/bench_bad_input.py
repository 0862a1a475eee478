"""The good path's cost of the bad-input guards (issue 13): area() and summarize_area on the county layer.

Run: ``python benchmarks/bench_bad_input.py [--cache /tmp/xigeo_bench_adjust] [--repeat 5] [--sum-n 50000]``

On ``generate_dltb(300_000)`` (307,361 patches, cached as GeoParquet), in the same
process and interleaved (the machine is shared, so only same-run ratios mean much):

- ``xigeo.area(layer)`` (ellipsoidal, survey rules) as it is now, with the validity
  guard (a compiled exact test on the rings the kernel reads anyway, GEOS on the rest);
- the same call with the guard switched off (``_guard_polygons`` replaced by a no-op:
  the code path before issue 13);
- ``xigeo.summarize_area(layer, by="DLBM")`` with and without the guard on the first
  ``--sum-n`` patches (the dissolve dominates; the full layer takes minutes).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from _cache import cached_dltb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=os.environ.get("XIGEO_BENCH_CACHE", "/tmp/xigeo_bench_adjust"))
    parser.add_argument("--n", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sum-n", type=int, default=50_000)
    args = parser.parse_args()
    import xigeo

    xarea = importlib.import_module("xigeo.area")
    guarded = xarea._guard_polygons

    def unguarded(polys, index, label, repair, rings=None):
        empty = np.zeros(0, dtype=np.int64)
        return polys, empty, np.zeros(0, dtype=object)

    layer = cached_dltb(args.n, Path(args.cache))
    print(f"{len(layer):,} patches")
    xigeo.area(layer.iloc[:10])  # load the kernels
    times: dict[str, list[float]] = {"guard": [], "no guard": []}
    for _ in range(args.repeat):
        for name, fn in (("guard", guarded), ("no guard", unguarded)):
            xarea._guard_polygons = fn
            t = time.perf_counter()
            xigeo.area(layer)
            times[name].append(time.perf_counter() - t)
    xarea._guard_polygons = guarded
    a, b = min(times["guard"]), min(times["no guard"])
    print(f"area(), best of {args.repeat}: with the guard {a:.2f} s, without {b:.2f} s "
          f"(+{a - b:.2f} s, ratio {a / b:.2f}); medians {np.median(times['guard']):.2f} / "
          f"{np.median(times['no guard']):.2f} s")
    part = layer.iloc[:args.sum_n]
    sums: dict[str, list[float]] = {"guard": [], "no guard": []}
    for _ in range(2):
        for name, fn in (("guard", guarded), ("no guard", unguarded)):
            xarea._guard_polygons = fn
            t = time.perf_counter()
            xigeo.summarize_area(part, by="DLBM")
            sums[name].append(time.perf_counter() - t)
    xarea._guard_polygons = guarded
    a, b = min(sums["guard"]), min(sums["no guard"])
    print(f"summarize_area(by='DLBM') on {len(part):,} patches, best of 2: with the guard "
          f"{a:.2f} s, without {b:.2f} s (ratio {a / b:.2f})")


if __name__ == "__main__":
    main()
