"""The first call after installing: numba's compile, the cached load, and the warm speed.

Run: ``python benchmarks/bench_compile.py [--repeat 3] [--baseline DIR] [--cache DIR]``

Every measurement runs in a fresh subprocess, numba's cache given by
``XIGEO_CACHE_DIR`` (a new empty folder for "cold", the folder a cold run
filled for "cached"); wall time and the child's CPU time (user + sys, what
the wall time is on an idle machine: the compile is single-threaded) are
printed, since the 2-core machine is shared:

- ``overlap cold``: the first ``xigeo.farmland_overlap(prereview, jbnt)`` on
  the sample with an empty cache (every kernel compiles in that call), then
  the median of ``--repeat`` further calls; ``--breakdown`` adds the CPU
  seconds each compiled function took (numba's ``numba:compile`` events,
  exclusive of the functions it compiled in turn);
- ``overlap cached``: a new process with the cache the cold run left: the
  first call loads the compiled kernels (what every later session pays);
  ``load kernels`` is that load alone (importing the two kernel modules);
- ``warmup cold``: ``xigeo warmup`` with an empty cache (what ``make demo``
  and ``make test`` run once after installing);
- ``area cold``: the first ``xigeo.area(jbnt)`` with an empty cache;
- ``demo cold`` / ``demo cached``: ``xigeo demo`` (the whole county report on
  the sample: pdf and workbook) with an empty cache, and again with it warm;
- ``county warm``: ``farmland_overlap`` of 30,000 parcels against the 307,361
  patches of ``generate_dltb(300_000)`` (read from ``--cache``, see
  benchmarks/_cache.py), kernels loaded, median of ``--repeat`` calls: the
  warm speed, which the compile restructuring must not change.

``--baseline DIR``: a source tree of xigeo to compare with (e.g. ``git
worktree add /tmp/xigeo-main main``): every row runs with it too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def _sample():
    import xigeo.sample

    return xigeo.sample.load("prereview").set_index("XMBH"), xigeo.sample.load("jbnt").set_index("BSM")


def _timed(call, repeat: int) -> dict:
    t = time.perf_counter()
    value = call()
    first = time.perf_counter() - t
    warm, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        call()
        warm.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    warm.sort()
    cpu.sort()
    mid = len(warm) // 2
    return {"first_s": first, "warm_s": warm[mid] if warm else float("nan"),
            "warm_cpu_s": cpu[mid] if cpu else float("nan"), "value": value}


def _breakdown() -> tuple[list, object]:
    """Record the exclusive CPU seconds of every numba compilation from now on."""
    from numba.core import event

    stack: list = []
    rows: list = []

    class Record(event.Listener):
        def on_start(self, ev):
            stack.append([ev.data["dispatcher"].py_func, time.process_time(), 0.0])

        def on_end(self, ev):
            func, start, child = stack.pop()
            total = time.process_time() - start
            rows.append((f"{func.__module__}.{func.__qualname__}", total - child))
            if stack:
                stack[-1][2] += total

    listener = Record()
    event.register("numba:compile", listener)
    return rows, listener


def child(what: str, repeat: int, cache: str) -> None:
    import logging

    logging.basicConfig(format="%(message)s")  # xigeo's "compiling" line on stderr
    t = time.perf_counter()
    import xigeo
    out: dict = {"import_s": time.perf_counter() - t, "numba_after_import": "numba" in sys.modules}
    if what == "load":
        t = time.perf_counter()
        import xigeo._area_kernel  # noqa: F401  (compile or load every kernel)
        import xigeo._clip  # noqa: F401
        out.update(first_s=time.perf_counter() - t, warm_s=float("nan"), value=0.0)
    elif what in ("overlap", "area"):
        prereview, jbnt = _sample()
        rows = None
        if what == "overlap" and os.environ.get("BENCH_BREAKDOWN"):
            rows, _ = _breakdown()  # (imports numba first; xigeo._jit.prepare still sets the cache)
        if what == "area":
            out.update(_timed(lambda: float(xigeo.area(jbnt).sum()), repeat))
        else:
            out.update(_timed(lambda: float(xigeo.farmland_overlap(prereview, jbnt)
                                            .by_parcel["overlap_m2"].sum()), repeat))
        if rows is not None:
            agg: dict[str, list] = {}
            for name, s in rows:
                a = agg.setdefault(name if name.startswith("xigeo.") else "numba's own (np.empty, …)", [0, 0.0])
                a[0] += 1
                a[1] += s
            out["breakdown"] = sorted(([n, c, s] for n, (c, s) in agg.items()), key=lambda r: -r[2])
    elif what == "county":
        sys.path.insert(0, str(HERE))
        from _cache import cached_dltb
        from bench_farmland import make_parcels

        farmland = cached_dltb(300_000, Path(cache))
        parcels = make_parcels(30_000, farmland.total_bounds)
        xigeo.farmland_overlap(parcels.iloc[:20], farmland.iloc[:2000])  # kernels loaded
        r = _timed(lambda: float(xigeo.farmland_overlap(parcels, farmland).by_parcel["overlap_m2"].sum()),
                   repeat)
        out.update(r, first_s=r["warm_s"], patches=len(farmland))
    print(json.dumps(out))


def run(what: str, tree: Path, numba_cache: str, repeat: int, cache: str, *, cli: list[str] | None = None,
        breakdown: bool = False) -> dict:
    env = dict(os.environ, XIGEO_CACHE_DIR=numba_cache, PYTHONPATH=str(tree))
    env.pop("NUMBA_CACHE_DIR", None)
    if breakdown:
        env["BENCH_BREAKDOWN"] = "1"
    if cli is None:
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", what, "--repeat", str(repeat),
                "--cache", cache]
    else:
        argv = [sys.executable, "-c", "import sys\nfrom xigeo.cli import main\nsys.exit(main(sys.argv[1:]))",
                *cli]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{what}: {proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1]) if cli is None else {}
    out["wall_s"] = wall
    out["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out["said_compiling"] = "正在编译计算内核" in proc.stderr
    return out


def measure(tree: Path, repeat: int, cache: str, breakdown: bool) -> list[tuple[str, dict]]:
    rows = []
    with tempfile.TemporaryDirectory() as c1, tempfile.TemporaryDirectory() as c2, \
            tempfile.TemporaryDirectory() as c3, tempfile.TemporaryDirectory() as c4, \
            tempfile.TemporaryDirectory() as out:
        rows.append(("overlap cold", run("overlap", tree, c1, repeat, cache, breakdown=breakdown)))
        rows.append(("overlap cached", run("overlap", tree, c1, repeat, cache)))
        rows.append(("load kernels (cached)", run("load", tree, c1, 0, cache)))
        rows.append(("area cold", run("area", tree, c2, repeat, cache)))
        if (tree / "xigeo" / "cli" / "warmup.py").exists():
            rows.append(("warmup cold", run("warmup", tree, c3, 0, cache, cli=["warmup"])))
        demo = ["demo", "--quiet", "-o", out]
        rows.append(("demo cold", run("demo", tree, c4, 0, cache, cli=demo)))
        rows.append(("demo cached", run("demo", tree, c4, 0, cache, cli=demo)))
        if (Path(cache) / "dltb_300000.parquet").exists():
            rows.append(("county warm (300k × 30k)", run("county", tree, c1, repeat, cache)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm calls (the median is shown)")
    parser.add_argument("--baseline", type=Path, help="another xigeo source tree to compare with")
    parser.add_argument("--cache", default=os.environ.get("XIGEO_BENCH_CACHE", "/tmp/xigeo_bench_adjust"),
                        help="folder of the cached 300k layer (benchmarks/_cache.py); no county row without it")
    parser.add_argument("--breakdown", action="store_true", help="CPU seconds per compiled function")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeat, args.cache)
        return
    trees = [("this tree", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    print(f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; "
          "cpu = the child's user+sys seconds")
    print("| tree | run | first call | warm (median) | warm cpu (median) | process wall | process cpu "
          "| says compiling | value |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    breakdowns = []
    for label, tree in trees:
        for name, r in measure(tree, args.repeat, args.cache, args.breakdown):
            first = f"{r['first_s']:.2f} s" if "first_s" in r else ""
            warm = f"{r['warm_s'] * 1000:.0f} ms" if r.get("warm_s") == r.get("warm_s") and "warm_s" in r else ""
            value = f"{r['value']:,.2f}" if r.get("value") else ""
            wcpu = r.get("warm_cpu_s", float("nan"))
            wcpu = f"{wcpu * 1000:.0f} ms" if wcpu == wcpu else ""
            print(f"| {label} | {name} | {first} | {warm} | {wcpu} | {r['wall_s']:.1f} s | {r['cpu_s']:.1f} s | "
                  f"{'yes' if r['said_compiling'] else 'no'} | {value} |", flush=True)
            if "breakdown" in r:
                breakdowns.append((label, r["breakdown"]))
    for label, rows in breakdowns:
        print(f"\n# {label}: CPU seconds per compiled function, first farmland_overlap, empty cache")
        print("| function | compilations | cpu |")
        print("| --- | ---: | ---: |")
        for name, count, s in rows:
            print(f"| {name} | {count} | {s:.2f} s |")
        print(f"| total | {sum(r[1] for r in rows)} | {sum(r[2] for r in rows):.2f} s |")


if __name__ == "__main__":
    main()
