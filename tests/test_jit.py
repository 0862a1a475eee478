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


# --- the first call (issue 14): one compiled signature per kernel, the warm-up, the cache used ---

def _env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment with ``env``; a XIGEO_CACHE_DIR there wins over the
    NUMBA_CACHE_DIR that xigeo._jit.prepare set here (which a child would otherwise inherit)."""
    base = {k: v for k, v in os.environ.items() if not (k == "NUMBA_CACHE_DIR" and "XIGEO_CACHE_DIR" in env)}
    return {**base, "PYTHONPATH": str(ROOT), **env}


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import sys\nfrom xigeo.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=_env(env), check=False, cwd="/")


def _kernel_dispatchers():
    import numba

    from xigeo import _area_kernel, _clip, _predicates

    return {f"{m.__name__}.{n}": d for m in (_predicates, _clip, _area_kernel) for n, d in vars(m).items()
            if isinstance(d, numba.core.registry.CPUDispatcher) and d.py_func.__module__ == m.__name__}


def _compiles_during(func):
    """The numba compilations (function names) that happen while ``func()`` runs."""
    from numba.core import event

    seen: list[str] = []

    class Record(event.Listener):
        def on_start(self, ev):
            seen.append(ev.data["dispatcher"].py_func.__qualname__)

        def on_end(self, ev):
            pass

    with event.install_listener("numba:compile", Record()):
        func()
    return seen


def test_odd_inputs_reuse_the_one_compiled_signature():
    # int32 pairs, read-only and non-contiguous coordinates, int32 ring offsets: the wrappers bring
    # them to the kernels' declared types, so nothing compiles again and the results do not change
    import numpy as np
    from shapely import Polygon, box

    from xigeo import _area_kernel, _clip

    left = np.array([box(0, 0, 10, 10), Polygon([(0, 0), (4, 0), (4, 4), (2, 1), (0, 4)])])
    right = np.array([box(5, 5, 15, 15), box(0, 2, 4, 3), box(15, 5, 25, 15)])  # 0, 2: neighbours
    plain = _clip.clip_pairs(left, right, np.array([0, 1]), np.array([0, 1]))
    rings = _clip.rings_of(right)
    frozen = []
    for a in (np.asfortranarray(rings.xy), rings.ring_off.astype(np.int32)):
        a = a.copy()
        a.flags.writeable = False
        frozen.append(a)
    odd = _clip.Rings(frozen[0], frozen[1], rings.owner.astype(np.int32), rings.exterior)
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    ro = xy.copy()
    ro.flags.writeable = False

    def calls():
        got = _clip.clip_pairs(left, right, np.array([0, 1], dtype=np.int32),
                               np.array([0, 1], dtype=np.int32), right_rings=odd)
        assert got.status.tolist() == plain.status.tolist() == [1, 1]
        assert [p.wkb for p in got.pieces] == [p.wkb for p in plain.pieces]
        assert _clip.simple_rings(odd).tolist() == [True, True, True]
        pairs = np.array([0, 0], np.int32), np.array([1, 2], np.int32)
        assert _clip.separated_pairs(odd, 3, *pairs).tolist() == [False, True]
        args = dict(projected=False, a=6378137.0, f=1 / 298.257222101, survey=False)
        assert (_area_kernel.ring_areas_m2(ro, np.array([0, 5], dtype=np.int32), **args)
                == _area_kernel.ring_areas_m2(xy, np.array([0, 5]), **args)).all()

    calls()  # (compiles in a fresh process with an empty cache; loads otherwise)
    assert _compiles_during(calls) == []
    for name, d in _kernel_dispatchers().items():
        # (the stages numba inlines into _clip_chunk are never compiled on their own)
        expected = 0 if d.targetoptions.get("inline") == "always" else 3 if name.endswith("._grow") else 1
        assert len(d.signatures) == expected, (name, d.signatures)


def test_lex_order_is_the_stable_two_key_order_of_numpy():
    # the merge sort that replaced two np.argsort passes in the kernel: np.lexsort (stable) is the
    # reference, with many ties in both keys, short and long runs
    import numpy as np

    from xigeo._clip import _lex_order

    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 3, 33, 100, 1000):
        k1 = rng.integers(0, 5, n).astype(float)
        k2 = rng.integers(0, 4, n) / 4.0
        got = _lex_order(k1, k2, n, np.empty(0, dtype=np.int64))[:n]
        assert got.tolist() == np.lexsort((k2, k1)).tolist(), n


def test_warmup_then_nothing_compiles(tmp_path):
    # with the test session's cache (warm after `make test`'s warm-up, or warmed by the first run
    # here): a second warm-up loads every kernel, compiles none and says nothing about compiling
    env = {"HOME": str(tmp_path)}
    first = _cli(["warmup"], env)
    assert first.returncode == 0, first.stderr
    second = _cli(["warmup"], env)
    assert second.returncode == 0, second.stderr
    assert "正在编译" not in second.stderr
    lines = second.stdout.splitlines()
    for module in _jit.KERNEL_MODULES:
        line = next(line for line in lines if line.startswith(module))
        assert "已在缓存中" in line and "编译 0 个" in line, line
    compiled = [d for d in _kernel_dispatchers().values() if d.targetoptions.get("inline") != "always"]
    assert sum(int(line.split("从缓存加载 ")[1].split(" 个")[0]) for line in lines if "从缓存加载" in line) \
        == len(compiled) + 2  # one compiled copy each; _grow has three
    assert "计算内核已就绪" in second.stdout and "缓存目录" in second.stdout


@pytest.mark.slow
def test_cold_warmup_makes_the_first_overlap_of_a_new_process_warm(tmp_path):
    # a fresh install: an empty cache folder; `xigeo warmup` compiles, says so once; a new
    # process then runs farmland_overlap without compiling (the compile line is not printed)
    env = {"XIGEO_CACHE_DIR": str(tmp_path), "HOME": str(tmp_path)}
    cold = _cli(["warmup"], env)
    assert cold.returncode == 0, cold.stderr
    assert cold.stderr.count("首次运行：正在编译计算内核") == 1
    assert "从缓存加载 0 个" in cold.stdout and str(tmp_path / "numba") in cold.stdout
    code = ("import logging, sys; logging.basicConfig(format='%(message)s')\nimport xigeo, xigeo.sample\n"
            "r = xigeo.farmland_overlap(xigeo.sample.load('prereview').set_index('XMBH'),"
            " xigeo.sample.load('jbnt').set_index('BSM'))\nprint(float(r.by_parcel['overlap_m2'].sum()))")
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env=_env(env), cwd="/")
    assert warm.returncode == 0, warm.stderr
    assert "正在编译" not in warm.stderr
    import xigeo
    import xigeo.sample

    here = xigeo.farmland_overlap(xigeo.sample.load("prereview").set_index("XMBH"),
                                  xigeo.sample.load("jbnt").set_index("BSM"))
    assert float(warm.stdout.split()[-1]) == float(here.by_parcel["overlap_m2"].sum())


def test_validating_a_layer_compiles_the_simplicity_test_not_the_clipping_kernel():
    # the first validate_layer after installing needs xigeo._predicates only (~2 s to compile),
    # not the ~10 s of the clipping kernel in xigeo._clip
    code = ("import sys\nimport xigeo, xigeo.sample\nxigeo.validate_layer(xigeo.sample.load('jbnt'))\n"
            "print(' '.join(sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd="/")
    loaded = set(run.stdout.split())
    assert "xigeo._predicates" in loaded and "xigeo._clip" not in loaded
