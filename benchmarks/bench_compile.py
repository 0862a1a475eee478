"""Cold compile, first call and warm time of the numba kernels on the sample.

Run: ``python benchmarks/bench_compile.py [--repeat 5]``

Each measurement runs in a fresh subprocess:

- ``overlap cold``: numba's cache empty (``NUMBA_CACHE_DIR`` a new empty
  folder, and the ``*.nbi``/``*.nbc`` files numba writes next to xigeo's
  sources removed first), the wall time of the first
  ``xigeo.farmland_overlap(prereview, jbnt)`` on the sample (every kernel it
  needs is compiled in that call), then the median of ``--repeat`` further
  calls (warm);
- ``area cold``: the same for the first ``xigeo.area(jbnt)`` in a fresh
  process with an empty cache (only the survey-area kernel is compiled);
- ``overlap cached``: a fresh process with the cache the cold run left: the
  first call loads the compiled kernels instead of compiling them (what a
  technician's second session pays).

Loading the sample and ``import xigeo`` are not timed (printed apart).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(what: str, repeat: int) -> None:
    t = time.perf_counter()
    import xigeo
    import xigeo.sample
    import_s = time.perf_counter() - t
    numba_loaded = "numba" in sys.modules
    prereview = xigeo.sample.load("prereview").set_index("XMBH")
    jbnt = xigeo.sample.load("jbnt").set_index("BSM")

    if what == "area":
        def call():
            return float(xigeo.area(jbnt).sum())
    else:
        def call():
            return float(xigeo.farmland_overlap(prereview, jbnt).by_parcel["overlap_m2"].sum())
    t = time.perf_counter()
    value = call()
    first = time.perf_counter() - t
    warm = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        warm.append(time.perf_counter() - t)
    warm.sort()
    print(json.dumps({"import_s": import_s, "numba_after_import": numba_loaded, "first_s": first,
                      "warm_s": warm[len(warm) // 2], "warm_min_s": warm[0], "value": value}))


def clear_in_tree_cache() -> int:
    n = 0
    for pattern in ("*.nbi", "*.nbc"):
        for f in (ROOT / "xigeo").rglob(pattern):
            f.unlink()
            n += 1
    return n


def run(what: str, cache: str, repeat: int) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, __file__, "--child", what, "--repeat", str(repeat)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm calls (the median is shown)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeat)
        return
    rows = []
    with tempfile.TemporaryDirectory() as overlap_cache, tempfile.TemporaryDirectory() as area_cache:
        removed = clear_in_tree_cache()
        rows.append(("overlap cold", run("overlap", overlap_cache, args.repeat)))
        rows.append(("overlap cached", run("overlap", overlap_cache, args.repeat)))
        clear_in_tree_cache()
        rows.append(("area cold", run("area", area_cache, args.repeat)))
    print(f"# removed {removed} in-tree numba cache files first; NUMBA_CACHE_DIR: a new empty folder")
    print("| run | import xigeo | numba after import | first call | warm (median) | warm (min) | value |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for name, r in rows:
        print(f"| {name} | {r['import_s']:.2f} s | {r['numba_after_import']} | {r['first_s']:.2f} s | "
              f"{r['warm_s'] * 1000:.0f} ms | {r['warm_min_s'] * 1000:.0f} ms | {r['value']:,.2f} |")


if __name__ == "__main__":
    main()
