"""Benchmark of xigeo's workbook writer against pandas' plain ``DataFrame.to_excel`` (openpyxl).

Run: ``python benchmarks/bench_workbook.py [--rows 300000] [--repeat 1]
[--report] [--county DIR]``.

- a synthetic county-size table built here: ``--rows`` rows × 10 columns
  (a 13-character patch number, a land-use name out of 4, six float areas,
  an integer count, a boolean), the shape of a per-patch sheet;
- ``--report``: the tables of the sample report (``build_report(xlsx=...)``,
  15 sheets), each written by both;
- ``--county DIR``: the same for the report of a county data folder, timing
  the report's own 写出Excel表格 step too;
- ``--qc-patches N``: the report's largest county sheet, 质检错误清单 and
  质检按规则统计 of ``check_survey(generate_dltb(N))`` (read from
  ``$XIGEO_BENCH_CACHE``, default ``/tmp/xigeo_bench_v2``, via
  ``benchmarks/_cache.py``).

Both writers write the same frames to a fresh file in the same run; xigeo's
writer also lays the sheets out for print (title, unit, 填表单位/日期 rows,
borders, number formats, print set-up), pandas writes plain cells. The
ratio printed is pandas / xigeo (> 1: xigeo is faster).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from xigeo._excel import write_workbook


def synthetic(rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` × 10: patch number, land-use name, six areas, a count, a flag."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "图斑编号": [f"4115282{i:07d}" for i in range(rows)],
        "地类名称": rng.choice(["水田", "旱地", "乔木林地", "农村宅基地"], rows),
    })
    for k in range(6):
        frame[f"面积{k}(公顷)"] = rng.random(rows) * 1000
    frame["图斑数"] = rng.integers(0, 100, rows)
    frame["是否占用"] = rng.random(rows) > 0.5
    return frame


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def compare(label: str, sheets: dict[str, pd.DataFrame], repeat: int) -> None:
    out = Path(tempfile.mkdtemp())
    cells = sum(t.size for t in sheets.values())

    def ours() -> None:
        write_workbook(sheets, out / "xigeo.xlsx", overwrite=True)

    def plain() -> None:
        with pd.ExcelWriter(out / "pandas.xlsx", engine="openpyxl") as writer:
            for name, table in sheets.items():
                table.to_excel(writer, sheet_name=name[:31])

    t_ours = best(ours, repeat)
    t_plain = best(plain, repeat)
    size = (out / "xigeo.xlsx").stat().st_size / 1e6
    print(f"{label}: {len(sheets)} sheets, {cells:,} cells")
    print(f"  xigeo write_workbook (laid out for print): {t_ours:7.2f} s  {size:6.1f} MB")
    print(f"  pandas to_excel (openpyxl, plain cells):   {t_plain:7.2f} s  "
          f"{(out / 'pandas.xlsx').stat().st_size / 1e6:6.1f} MB")
    print(f"  ratio pandas / xigeo: {t_plain / t_ours:.1f}")


def report_tables(data: Path | None) -> tuple[dict[str, pd.DataFrame], float]:
    """The report's tables, and the seconds of its own 写出Excel表格 step."""
    from xigeo.report import build_report

    marks: list[tuple[float, str]] = []
    out = Path(tempfile.mkdtemp())
    result = build_report(data, pdf=None, xlsx=out / "tables.xlsx",
                          progress=lambda done, total, step: marks.append((time.perf_counter(), step)))
    steps = dict((s, t1 - t0) for (t0, s), (t1, _) in zip(marks, marks[1:]))
    return result.tables, steps.get("写出Excel表格", float("nan"))


def qc_tables(n: int) -> dict[str, pd.DataFrame]:
    """The report's two QC sheets (sections._qc) for ``generate_dltb(n)``."""
    import os
    import sys

    from xigeo.qc import check_survey

    sys.path.insert(0, str(Path(__file__).parent))
    from _cache import cached_dltb

    dltb = cached_dltb(n, Path(os.environ.get("XIGEO_BENCH_CACHE", "/tmp/xigeo_bench_v2")))
    start = time.perf_counter()
    r = check_survey(dltb)
    print(f"check_survey of {len(dltb):,} patches: {time.perf_counter() - start:.1f} s, "
          f"{len(r.errors):,} findings")
    return {"质检按规则统计": r.table("by_rule", labels="zh", total=True),
            "质检错误清单": r.table("errors", labels="zh")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--report", action="store_true", help="also the sample report's tables")
    parser.add_argument("--county", type=Path, default=None, help="also a county folder's report tables")
    parser.add_argument("--qc-patches", type=int, default=0, help="also the QC sheets of N generated patches")
    args = parser.parse_args()
    if args.rows:
        compare(f"synthetic {args.rows:,} rows × 10 columns", {"图斑": synthetic(args.rows)}, args.repeat)
    if args.report:
        tables, step = report_tables(None)
        print(f"sample report: its 写出Excel表格 step {step:.2f} s")
        compare("sample report tables", tables, args.repeat)
    if args.county is not None:
        tables, step = report_tables(args.county)
        print(f"county report ({args.county}): its 写出Excel表格 step {step:.2f} s")
        print("  largest sheets: " + ", ".join(f"{n} {len(t):,}×{t.shape[1]}" for n, t in
                                              sorted(tables.items(), key=lambda kv: -kv[1].size)[:3]))
        compare("county report tables", tables, args.repeat)
    if args.qc_patches:
        compare(f"quality check of {args.qc_patches:,} generated patches", qc_tables(args.qc_patches),
                args.repeat)


if __name__ == "__main__":
    main()
