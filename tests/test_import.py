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


def test_the_kernels_leave_scipy_linalg_out_and_user_numba_code_still_works():
    # numba's own BLAS probe (numba.np.arraymath imports scipy.linalg.cython_blas, ~0.4 s) is
    # skipped by xigeo._jit: no xigeo kernel uses BLAS (docs/performance.md, issue 14)
    code = ("import geopandas as gpd\nfrom shapely import box\nimport xigeo\n"
            "xigeo.area(gpd.GeoSeries([box(38_560_000, 3_580_000, 38_560_100, 3_580_100)], crs=4526))\n"
            "import sys\nassert 'scipy.linalg' not in sys.modules\n"
            # the user's own numba code compiled afterwards: np.dot (numba's own loop now) and
            # np.linalg (which looks for scipy again when compiled) agree with numpy's
            "import numba, numpy as np\n"
            "dot = numba.njit(lambda a, b: np.dot(a, b))\ninv = numba.njit(lambda m: np.linalg.inv(m))\n"
            "a = np.array([0.1, 2.0, -3.5]); m = np.array([[2.0, 1.0], [1.0, 3.0]])\n"
            "assert abs(dot(a, a) - float(a @ a)) <= 1e-12, dot(a, a)\n"
            "assert np.allclose(inv(m), np.linalg.inv(m), rtol=1e-14, atol=0)\n"
            "import scipy.linalg.cython_blas")  # importable as ever: the mark was removed
    loaded = _modules_after(code)
    assert {"numba", "xigeo._area_kernel", "scipy.linalg.cython_blas"} <= loaded


def test_scipy_linalg_imported_first_is_left_as_it_is():
    loaded = _modules_after("import scipy.linalg, numba\nimport xigeo._area_kernel\n"
                            "import numba.np.arraymath as m\nassert m._HAVE_BLAS")
    assert "scipy.linalg.cython_blas" in loaded


def test_the_xigeo_command_freezes_its_objects_at_the_end_and_main_with_arguments_does_not():
    # the console entry point (main() reading sys.argv) skips the final collection's walk of
    # every object at exit (gc.freeze); main(args) from a script or a test leaves gc alone
    code = ("import gc, sys\nfrom xigeo.cli import main\n"
            "sys.argv = ['xigeo', '--help']\nassert main() == 0\nassert gc.get_freeze_count() > 0\n"
            "gc.unfreeze()\nassert main(['--help']) == 0\nassert gc.get_freeze_count() == 0")
    assert "xigeo.cli" in _modules_after(code)
