"""Benchmark of xigeo.landuse_tables against the obvious pandas approach (a Python loop per unit).

Run: ``python benchmarks/bench_tables.py [--patches 300000] [--repeat 3] [--cache DIR]``

Patches: ``xigeo.sample.generate.generate_dltb(patches)`` (seed 411528),
their attributes cached as Parquet in ``--cache`` (default: a folder in the
system's temp dir; generating 300,000 patches takes minutes). The tables
need no geometry, so only the attributes are kept. Each patch gets a
township (20, a 5 × 4 grid over the extent) and a village (20 per township,
a 4 × 5 grid inside it) from its centroid, written into ZLDWDM, and —
farmland only — a slope grade GDPDJB 1–5 and GDLX TT/PD drawn at random
(seed 1), so that every table is built, the slope table split both ways.

Timed in the same run, best of ``--repeat``:

- ``xigeo township``: ``landuse_tables(patches)`` — validation of every
  field, the four tables, the rounding (rows and columns add up) and the
  cross-table checks;
- ``xigeo village``: the same with ``level="village"`` (~400 village rows);
- ``pandas loop``: for each village, then each township, then the county:
  select its patches, group their TBDLMJ by class (DLBM mapped to the
  working class), add Σ KCMJ as 1203, sum the groups and the 三大类, and
  round each figure on its own (so its rows need not add up — the work
  xigeo does on top is not counted against it).

The ratio printed is pandas loop / xigeo village (the same rows).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def patches_layer(n_patches: int, cache: Path) -> pd.DataFrame:
    """The generated layer's attributes, with township and village codes (cached)."""
    path = cache / f"dltb_tables_{n_patches}.parquet"
    if path.exists():
        return pd.read_parquet(path)
    from xigeo.sample.generate import COUNTY_CODE, generate_dltb

    gdf = generate_dltb(n_patches)
    c = gdf.geometry.centroid
    x, y = c.x.to_numpy(), c.y.to_numpy()
    fx = (x - x.min()) / (np.ptp(x) + 1e-9)
    fy = (y - y.min()) / (np.ptp(y) + 1e-9)
    town = np.minimum((fx * 5).astype(int), 4) * 4 + np.minimum((fy * 4).astype(int), 3)
    vx = np.minimum((fx * 5 % 1 * 4).astype(int), 3)
    vy = np.minimum((fy * 4 % 1 * 5).astype(int), 4)
    village = vx * 5 + vy
    codes = np.char.add(np.char.add(np.char.add(COUNTY_CODE, np.char.zfill((101 + town).astype(str), 3)),
                                    np.char.zfill((201 + village).astype(str), 3)), "0000000")
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    frame["ZLDWDM"] = codes
    frame["ZLDWMC"] = np.char.add("村", (201 + village).astype(str))
    rng = np.random.default_rng(1)
    farm = frame["DLBM"].str.startswith("01").to_numpy()
    frame["GDPDJB"] = np.where(farm, rng.integers(1, 6, len(frame)).astype(str), "")
    frame["GDLX"] = np.where(farm, rng.choice(["TT", "PD"], len(frame)), "")
    cache.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path)
    return frame


def pandas_loop(patches: pd.DataFrame) -> pd.DataFrame:
    """The obvious approach: one selection and groupby per unit, figures rounded one by one."""
    from xigeo.landuse_tables import load_classification

    classes = load_classification()
    mapping = dict(zip(classes["code"], classes["code"]))
    for code, aliases in zip(classes["code"], classes["aliases"]):
        mapping.update({a: code for a in aliases.split()})
    group = dict(zip(classes["code"], classes["level1_code"]))
    three = dict(zip(classes["code"], classes["three_class"]))
    rows = {}
    units = sorted(set(patches["ZLDWDM"].str[:12]) | set(patches["ZLDWDM"].str[:9])
                   | set(patches["ZLDWDM"].str[:6]))
    for unit in units:
        sub = patches[patches["ZLDWDM"].str.startswith(unit)]
        by_class = sub.groupby(sub["DLBM"].map(mapping))["TBDLMJ"].sum()
        by_class["1203"] = by_class.get("1203", 0.0) + sub["KCMJ"].sum()
        row = {"total": round(by_class.sum() / 1e4, 2)}
        for cls, m2 in by_class.items():
            row[cls] = round(m2 / 1e4, 2)
        for g, m2 in by_class.groupby(by_class.index.map(group)).sum().items():
            row[f"g{g}"] = round(m2 / 1e4, 2)
        for t, m2 in by_class.groupby(by_class.index.map(three)).sum().items():
            row[t] = round(m2 / 1e4, 2)
        farm = sub[sub["DLBM"].str.startswith("01")]
        for (grade, kind), m2 in farm.groupby(["GDPDJB", "GDLX"])["TBDLMJ"].sum().items():
            row[f"grade{grade}{kind}"] = round(m2 / 1e4, 2)
        rows[unit] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def _best(func, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "xigeo_bench_tables"))
    args = parser.parse_args()
    import xigeo

    start = time.perf_counter()
    patches = patches_layer(args.patches, Path(args.cache))
    print(f"layer: {len(patches):,} patches, {patches['ZLDWDM'].str[:9].nunique()} townships, "
          f"{patches['ZLDWDM'].str[:12].nunique()} villages (read/generated in "
          f"{time.perf_counter() - start:.1f} s)")
    xigeo.landuse_tables(patches.head(1000))  # warm-up: imports, the classification
    town, result = _best(lambda: xigeo.landuse_tables(patches), args.repeat)
    village, vresult = _best(lambda: xigeo.landuse_tables(patches, level="village"), args.repeat)
    loop, naive = _best(lambda: pandas_loop(patches), 1)
    assert isinstance(vresult, xigeo.LanduseTables) and isinstance(naive, pd.DataFrame)
    county = vresult.level1.index[0]
    ours = round(float(vresult.level1.loc[county, "total_ha"]), 2)
    assert abs(ours - float(naive.loc[county, "total"])) < 0.005, (ours, naive.loc[county, "total"])
    worst = max(float(np.abs(vresult.table(n).drop(columns=["level", "name"]).to_numpy()
                             - vresult.table(n, rounded=False).drop(columns=["level", "name"]).to_numpy()
                             ).max()) for n in vresult.tables())
    print(f"xigeo township ({len(result.level1)} rows, all tables + rounding + checks): {town:6.3f} s")
    print(f"xigeo village  ({len(vresult.level1)} rows):                              {village:6.3f} s")
    print(f"pandas loop per unit ({len(naive)} units, plain rounding):               {loop:6.3f} s")
    print(f"ratio pandas loop / xigeo village: {loop / village:5.1f}×")
    print(f"county total {ours:,.2f} ha in both; largest printed − true figure: {worst:.4f} ha")


if __name__ == "__main__":
    main()
