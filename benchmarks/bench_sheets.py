"""Benchmark of xigeo.sheet_number over 1,000,000 points against a per-point Python loop.

Run: ``python benchmarks/bench_sheets.py [--points 1000000] [--repeat 3]``

Points: uniform random longitudes 114.4–115.0°E and latitudes 32.1–32.6°N
(Xi County, seed 0). Contenders, in the same run (best and median):

- ``xigeo``: ``sheet_number(lon, lat, scale=10000)`` on the arrays;
- ``loop``: the obvious per-point Python: the standard's floor formulas and
  an f-string per point (on a 1/20 sample, scaled up to all points).

The script checks both give the same numbers on the sample.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time

import numpy as np

from xigeo import sheet_number


def loop(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    out = []
    dl, db = 3.75 / 60, 2.5 / 60
    for x, y in zip(lon.tolist(), lat.tolist()):
        head = "ABCDEFGHIJKLMN"[math.floor(y / 4)] + str(math.floor(x / 6) + 31)
        row = 96 - math.floor((y % 4) / db)
        col = math.floor((x % 6) / dl) + 1
        out.append(f"{head}G{row:03d}{col:03d}")
    return out


def best_median(f, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    lon = rng.uniform(114.4, 115.0, args.points)
    lat = rng.uniform(32.1, 32.6, args.points)
    sample = slice(0, args.points // 20)
    assert sheet_number(lon[sample], lat[sample]).tolist() == loop(lon[sample], lat[sample])
    x = best_median(lambda: sheet_number(lon, lat), args.repeat)
    part = best_median(lambda: loop(lon[sample], lat[sample]), args.repeat)
    lp = (part[0] * 20, part[1] * 20)
    print(f"{platform.python_version()} {platform.machine()}: {args.points:,} points, 1:10000")
    print(f"xigeo sheet_number : best {x[0]:.3f} s, median {x[1]:.3f} s")
    print(f"python loop (×20)  : best {lp[0]:.3f} s, median {lp[1]:.3f} s")
    print(f"ratio loop / xigeo : {lp[0] / x[0]:.1f}×")


if __name__ == "__main__":
    main()
