"""Sphinx configuration of the xigeo documentation.

Build: ``make docs`` (``sphinx-build -W --keep-going -b html docs docs/_build/html``).
The tutorial notebooks (``notebooks/``, reached through the ``docs/tutorials``
link) are stored without outputs and executed at build time by myst-nb, so the
rendered guide shows real tables and maps. Nothing is downloaded: the theme is
Sphinx's built-in alabaster.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import xigeo  # noqa: E402

# the pages are written in English and run real code: its messages in English too (the library
# speaks Chinese unless told otherwise; docs/errors.md says how to choose)
xigeo.set_language("en")
os.environ["XIGEO_LANG"] = "en"  # the notebook kernels that run the pages' code

project = "xigeo"
author = "xigeo developers"
copyright = "2026, xigeo developers"
release = version = xigeo.__version__
language = "zh_CN"

extensions = [
    "myst_nb",                 # Markdown pages (MyST) and the .ipynb tutorials
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",                # the docstrings are numpydoc
    "sphinx.ext.mathjax",
]

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# --- notebooks: executed at every build (they are stored without outputs) ------------
nb_execution_mode = os.environ.get("XIGEO_DOCS_EXECUTE", "force")   # "off": render without outputs
nb_execution_timeout = 300
nb_execution_raise_on_error = True       # a failing tutorial fails the build
nb_execution_show_tb = True
nb_merge_streams = True
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "dollarmath"]

# --- API reference ---------------------------------------------------------------------
autosummary_generate = False             # the API page lists its entries itself: nothing generated
autodoc_member_order = "bysource"
autodoc_typehints = "none"               # the numpydoc "Parameters" sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- HTML --------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"xigeo {release}"
html_static_path = ["_static"]
html_theme_options = {
    "description": "县级自然资源局 GIS 分析库 — GIS analysis for county natural-resources bureaus",
    "fixed_sidebar": True,
    "page_width": "1200px",
    "sidebar_width": "240px",
}
html_show_sourcelink = False


# --- every page of docs/ is in the site ----------------------------------------------------
# index.md lists the topic pages; a page added to docs/ later (by another change) and not
# listed anywhere replaces the EXTRA_TOPICS line of index.md's "Topics" toctree, so it is
# built and linked instead of failing the -W build as "not included in any toctree".
_LISTED = {"index", "tutorials", "gotchas", "errors", "api"}


def _extra_topics() -> list[str]:
    index = (Path(__file__).parent / "index.md").read_text(encoding="utf-8")
    listed = _LISTED | {line.strip() for line in index.splitlines()}
    return sorted(p.stem for p in Path(__file__).parent.glob("*.md") if p.stem not in listed)


def _fill_topics(app, docname, source):  # noqa: ANN001
    if docname == "index":
        source[0] = source[0].replace("EXTRA_TOPICS", "\n".join(_extra_topics()))


def setup(app):  # noqa: ANN001
    app.connect("source-read", _fill_topics)
