"""write_layer on a county-size layer against a plain pyogrio write (the obvious alternative).

python benchmarks/bench_write.py [--cache DIR] [--repeat 3]

write_layer adds, around the same GDAL write: the field checks (case clashes, 10-byte
names, 254-byte text), the shapefile loss warnings, staging in a temporary folder, the
read-back check (pyogrio.read_info and the shapefile's header lengths, not a full read) and
the no-replace link into place. Run it with PYTHONPATH pointing at another tree to compare
versions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from _cache import cached_dltb


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _overhead(write) -> float | None:
    """write_layer's time outside the GDAL write itself (checks, read-back, moving into place);
    None for a version without the _writer module."""
    try:
        from xigeo import _writer
    except ImportError:
        return None
    real = _writer._write_staged
    spent = [0.0]

    def timed(*args, **kwargs):
        t = time.perf_counter()
        real(*args, **kwargs)
        spent[0] += time.perf_counter() - t

    _writer._write_staged = timed
    try:
        t = time.perf_counter()
        write()
        return time.perf_counter() - t - spent[0]
    finally:
        _writer._write_staged = real


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("XIGEO_BENCH_CACHE", "/tmp/xigeo_bench_adjust")))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import xigeo
    from xigeo.io import write_layer

    gdf = cached_dltb(300_000, args.cache)
    gdf = gdf[[c for c in gdf.columns if len(c.encode()) <= 10]]  # what a shapefile can hold
    print(f"xigeo {xigeo.__file__}: {len(gdf):,} patches, {len(gdf.columns) - 1} fields")
    folder = Path(tempfile.mkdtemp(prefix="xigeo-bench-write-"))
    try:
        for suffix in (".gpkg", ".shp"):
            target = folder / f"dltb{suffix}"
            plain = folder / f"plain{suffix}"

            def ours() -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    write_layer(gdf, target, overwrite=True)

            def theirs() -> None:
                for p in folder.glob("plain.*"):
                    p.unlink()
                kwargs = {"encoding": "UTF-8"} if suffix == ".shp" else {}
                gdf.to_file(plain, engine="pyogrio", **kwargs)

            t_ours, t_plain = float("inf"), float("inf")
            for _ in range(args.repeat):  # alternated, so a busy machine slows both alike
                t_ours = min(t_ours, best(ours, 1))
                t_plain = min(t_plain, best(theirs, 1))
            print(f"{suffix}: write_layer {t_ours:.2f} s, plain to_file {t_plain:.2f} s, "
                  f"ratio {t_ours / t_plain:.2f}")
            overhead = _overhead(ours)
            if overhead is not None:
                print(f"{suffix}: write_layer's own work (all but the GDAL write) {overhead:.3f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
