"""What ``import xigeo`` loads: numba only when a kernel first runs, matplotlib only when drawing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    """Names in ``sys.modules`` after running ``code`` in a fresh interpreter (this tree first)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, env=env, check=True)
    return set(out.stdout.split())


def test_import_xigeo_leaves_numba_out():
    loaded = _modules_after("import xigeo")
    assert "xigeo" in loaded and "xigeo.farmland" in loaded
    assert "numba" not in loaded
    assert not {"xigeo._clip", "xigeo._area_kernel"} & loaded
    # matplotlib comes with the maps and the report's pages, not with the library (issue 12)
    assert "matplotlib" not in loaded
    assert not {"xigeo.maps", "xigeo.report.pages", "xigeo.report.sections"} & loaded
    assert "xigeo.report" in loaded  # build_report itself is importable without drawing


def test_the_kernels_load_numba_when_first_used():
    loaded = _modules_after(
        "import geopandas as gpd\nfrom shapely import box\nimport xigeo\n"
        "xigeo.area(gpd.GeoSeries([box(38_560_000, 3_580_000, 38_560_100, 3_580_100)], crs=4526))")
    assert {"numba", "xigeo._area_kernel"} <= loaded
    assert "xigeo._clip" not in loaded  # the overlay kernel only with an overlay


def test_matplotlib_loads_with_the_maps():
    loaded = _modules_after("import xigeo\nxigeo.maps")
    assert {"matplotlib", "xigeo.maps"} <= loaded
    loaded = _modules_after("from xigeo.report import table_pages")
    assert {"matplotlib", "xigeo.report.pages"} <= loaded
