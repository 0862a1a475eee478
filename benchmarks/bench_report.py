"""Benchmark of xigeo.build_report: the time of each step, and the calculators against the drawing.

Run: ``python benchmarks/bench_report.py [--repeat 3]``

On the bundled sample (a folder of layers; the county-size run of issue 17
will add ``--patches``), after one warm-up report (numba compiled or loaded,
fonts cached), times in the same run:

- ``headline_figures`` alone: every calculator once, no drawing — the
  obvious lower bound of a report's computing;
- ``build_report`` (PDF and workbook), split by its progress steps: reading
  the layers, computing the results (each calculator once), each section's
  maps and table pages, writing the PDF, writing the workbook.

It prints the best of ``--repeat`` runs and the ratio
``build_report / (headline_figures + drawing and writing)`` that issue 12
asks to keep within 1.5.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from pathlib import Path

from xigeo.headline import headline_figures
from xigeo.report import build_report


def report_steps() -> tuple[float, dict[str, float]]:
    """One sample report; wall time and seconds per progress step."""
    marks: list[tuple[float, str]] = []

    def progress(done: int, total: int, step: str) -> None:
        marks.append((time.perf_counter(), step))

    out = Path(tempfile.mkdtemp())
    start = time.perf_counter()
    build_report(pdf=out / "report.pdf", xlsx=out / "tables.xlsx", progress=progress)
    wall = time.perf_counter() - start
    steps: dict[str, float] = collections.defaultdict(float)
    for (t0, step), (t1, _) in zip(marks, marks[1:]):
        steps[step] += t1 - t0
    return wall, dict(steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    report_steps()  # warm-up: compile or load the kernels, load fonts
    headline = min(_timed(headline_figures) for _ in range(args.repeat))
    runs = [report_steps() for _ in range(args.repeat)]
    wall, steps = min(runs, key=lambda r: r[0])
    computing = steps.get("读取图层", 0.0) + steps.get("主要指标", 0.0)
    drawing = wall - computing
    print(f"headline_figures (each calculator once): {headline:6.2f} s")
    print(f"build_report, PDF + workbook:            {wall:6.2f} s")
    for step, seconds in steps.items():
        print(f"  {step:<20s} {seconds:6.2f} s")
    print(f"drawing and writing (sections, PDF, workbook): {drawing:.2f} s")
    print(f"build_report / (headline_figures + drawing and writing) = "
          f"{wall / (headline + drawing):.2f}")


def _timed(func: object) -> float:
    start = time.perf_counter()
    func()  # type: ignore[operator]
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
