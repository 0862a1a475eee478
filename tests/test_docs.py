"""The documentation builds with warnings as errors, and covers what it promises.

The build (``sphinx-build -W``, what ``make docs`` runs) executes the tutorial
notebooks and the executable pages (gotchas, errors) with myst-nb, renders the
API reference from the numpydoc docstrings, and fails on any warning: a page
outside the toctree, a broken cross-reference, a docstring numpydoc cannot
parse, a cell that raises.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import xigeo
import xigeo.errors

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"

pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")
pytest.importorskip("numpydoc")


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out / ".doctrees"), str(DOCS), str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, f"sphinx-build failed:\n{run.stderr[-6000:]}"
    return out


def _text(path: Path) -> str:
    """The page's text without tags or entities that matter here."""
    raw = path.read_text(encoding="utf-8")
    return re.sub(r"<[^>]+>", "", raw).replace("&#39;", "'").replace("&quot;", '"')


def test_every_page_built(html):
    pages = {"index", "api", "gotchas", "errors", "tutorials", "design", "maps", "coords",
             "performance", "calculators_linkage", "calculators_industrial",
             "calculators_minepark"}
    pages |= {f"tutorials/{p.stem}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    missing = [p for p in sorted(pages) if not (html / f"{p}.html").exists()]
    assert not missing


def test_every_tutorial_in_the_toctree():
    # a notebook added to notebooks/ must be listed in docs/tutorials.md (else -W fails anyway)
    listed = (DOCS / "tutorials.md").read_text(encoding="utf-8")
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"tutorials/{nb.stem}" in listed, nb.name


def test_tutorials_rendered_with_their_outputs(html):
    # the guide shows the figures the notebooks compute (DOMAIN.md, the seed's figures)
    page = _text(html / "tutorials" / "02_farmland_overlap_and_prereview.html")
    assert "受理 61 个 1,525 亩；通过 55 个 1,286 亩；核减 6 个 239 亩" in page
    page = _text(html / "tutorials" / "03_linkage_quota_and_consolidation.html")
    assert "节余指标490.77公顷" in page and "22,374.70" in page
    maps_page = (html / "tutorials" / "04_report_maps.html").read_text(encoding="utf-8")
    assert maps_page.count("<img") >= 4          # the four maps drawn in the notebook


def test_api_lists_every_export(html):
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    rendered = (html / "api.html").read_text(encoding="utf-8")
    for name in xigeo.__all__:
        if name == "maps":
            assert "xigeo.maps" in page
            continue
        assert f"   {name}\n" in page, f"{name} is in xigeo.__all__ but not on docs/api.md"
        assert f'id="xigeo.{name}"' in rendered or f'id="xigeo.maps.{name}"' in rendered, name
    for name in ("thematic_map", "export_map", "write_atlas", "linkage_map", "farmland_overlap_map"):
        assert f'id="xigeo.maps.{name}"' in rendered, name


def test_errors_page_covers_every_error_class(html):
    source = (DOCS / "errors.md").read_text(encoding="utf-8")
    page = _text(html / "errors.html")
    for name in xigeo.errors.__all__:
        assert f"## {name}" in source or f"`{name}`" in source, name
    # real messages, produced when the page was built
    for raised in ("CRSError: 建新区.shp has no CRS", "LayerReadError: 地类图斑.shp: no such file",
                   "LayerWriteError: 建新区.gpkg exists", "SchemaError: 拆旧区.shp is missing the field(s) PZZT",
                   "UnitError: unknown area unit '英亩'", "CoordsFileError: 坐标.txt",
                   "OptionError: lang='de' is not allowed", "OptionError: table 'parcels' is not a table"):
        assert raised in page, raised


def test_gotchas_page_shows_the_real_messages(html):
    page = _text(html / "gotchas.html")
    assert "eastings carry the zone prefix 38" in page                 # 4526 vs 4547
    assert "the axes are swapped" in page                              # X/Y
    assert "decoded as GB18030 (GBK)" in page                          # GBK without .cpg
    assert "its .cpg says 'UTF-8'" in page                             # lying .cpg
    assert "Xian 1980 / 3-degree Gauss-Kruger zone 38" in page         # datums not mixed
    assert "['farmland', 'area_cap']" in page                          # importlib for the modules


def test_readme_picture_is_small():
    png = DOCS / "_static" / "linkage_map.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size < 300_000
