"""The county-size survey layer the benchmarks share, generated once and cached as GeoParquet."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def cached_dltb(n_patches: int, cache: Path, *, seed: int | None = None, name: str = "dltb"):
    """``generate_dltb(n_patches)`` (its default seed unless ``seed``), read from ``cache`` after the first run."""
    import geopandas as gpd

    path = cache / f"{name}_{n_patches}.parquet"
    if path.exists():
        return gpd.read_parquet(path)
    from xigeo.sample.generate import generate_dltb

    t = time.perf_counter()
    gdf = generate_dltb(n_patches) if seed is None else generate_dltb(n_patches, seed=seed)
    print(f"  generated {len(gdf):,} patches in {time.perf_counter() - t:.0f} s -> {path}",
          file=sys.stderr)
    cache.mkdir(parents=True, exist_ok=True)
    gdf.attrs = {}  # the generator's bookkeeping, not data
    gdf.to_parquet(path)
    return gdf
