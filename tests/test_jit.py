"""Where the compiled kernels are cached (xigeo._jit; issue 14's "the cache never breaks").

A read-only install is simulated for real: the kernels run in a subprocess as
the unprivileged user ``nobody`` with HOME pointing nowhere, so neither the
package's ``__pycache__`` nor a user cache folder is writable (numba alone
then fails with "cannot cache function …: no locator available").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from xigeo import _jit

ROOT = Path(__file__).resolve().parent.parent
AREA = ("import logging; logging.basicConfig(format='%(message)s')\n"
        "import geopandas as gpd\nfrom shapely import box\nimport xigeo\n"
        "print(xigeo.area(gpd.GeoSeries([box(38_560_000, 3_580_000, 38_560_100, 3_580_100)],"
        " crs=4526)).iloc[0])")


def _run(env: dict[str, str], user: list[str] = ()) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run([*user, sys.executable, "-c", AREA], capture_output=True, text=True,
                          env={**base, **env}, check=False, cwd="/")


def test_cache_dir_rules(tmp_path, monkeypatch):
    assert _jit.cache_dir(environ={"NUMBA_CACHE_DIR": "/x"}) is None          # the user's choice stands
    assert _jit.cache_dir(environ={"XIGEO_CACHE_DIR": str(tmp_path)}) == tmp_path / "numba"
    monkeypatch.setattr(_jit, "_writable", lambda folder: False)             # nothing writable
    fallback = _jit.cache_dir(environ={"HOME": "/nonexistent"})
    assert fallback is not None and fallback.parent == Path(tempfile.gettempdir())
    monkeypatch.setattr(_jit, "_writable", lambda folder: "numba" in folder.parts)  # only ~/.cache
    assert _jit.cache_dir(environ={"HOME": str(tmp_path)}) is None


def test_xigeo_cache_dir_is_used_and_compiling_is_said_once(tmp_path):
    env = {"XIGEO_CACHE_DIR": str(tmp_path), "HOME": str(tmp_path)}
    first = _run(env)
    assert first.returncode == 0, first.stderr
    area = float(first.stdout.split()[-1])
    assert "正在编译计算内核" in first.stderr  # an empty cache: the kernel compiles, and says so
    assert list((tmp_path / "numba").rglob("_area_kernel.*.nbi"))
    second = _run(env)
    assert second.returncode == 0 and "正在编译" not in second.stderr
    assert float(second.stdout.split()[-1]) == area


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to run as the user nobody")
def test_read_only_install_falls_back_to_a_temporary_cache():
    tmp = Path(tempfile.mkdtemp(prefix="xigeo-readonly-"))
    try:
        tmp.chmod(0o777)  # nobody's TMPDIR
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        env = {"HOME": "/nonexistent", "TMPDIR": str(tmp)}
        first = _run(env, nobody)
        assert first.returncode == 0, first.stderr  # numba alone: "no locator available"
        assert "不可写" in first.stderr and "XIGEO_CACHE_DIR" in first.stderr
        # the survey area of the 100 m square at 115.0°E (as computed as root, in-tree cache)
        expected = _run({"HOME": str(tmp)})
        assert float(first.stdout.split()[-1]) == float(expected.stdout.split()[-1])
        assert list(tmp.glob("xigeo-numba-cache-65534/**/_area_kernel.*.nbi"))
        second = _run(env, nobody)
        assert second.returncode == 0 and "正在编译" not in second.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
