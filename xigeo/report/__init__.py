"""The county land-saving report: a PDF atlas and an Excel workbook from a set of layers.

:func:`build_report` reads the layers (a folder, a GeoPackage, or the bundled
sample), runs the calculators, and writes

* a multi-page PDF: a contents page, a summary page with the headline
  figures (:func:`xigeo.headline.headline_figures`), then one section per
  topic present in the data — overview (land use), linkage, consolidation,
  pre-review and farmland, industrial cluster, mine park, topsoil stripping —
  each with its map (:mod:`xigeo.maps`) and its tables (long tables continue
  on the next page, marked 续);
* an Excel workbook with one sheet per table: Chinese headers with units,
  a 合计 row where the calculator totals its table.

Layer names are those of the sample data set (``xigeo.sample.available``).
A mapping file (JSON) points at other file, layer and field names; see
docs/report.md and :func:`read_mapping`.

The package: :mod:`~xigeo.report.layers` finds and reads the layers,
:func:`xigeo.headline.compute_results` runs each calculator once,
:mod:`~xigeo.report.sections` draws each section's map and lays out its
tables from those results, :mod:`~xigeo.report.pages` draws tables as pages
(matplotlib is imported there and in :mod:`xigeo.maps`, only when a report is
built), and :func:`xigeo._excel.write_workbook` writes the workbook.
"""

from __future__ import annotations

from typing import Any

from .build import Progress, ReportResult, build_report
from .layers import RASTERS, SECTIONS, Section, read_mapping, resolve_layers

__all__ = ["ReportResult", "Section", "SECTIONS", "build_report", "read_mapping", "resolve_layers",
           "table_pages"]


def __getattr__(name: str) -> Any:
    """``table_pages`` draws with matplotlib: imported on first use."""
    if name == "table_pages":
        from .pages import table_pages

        return table_pages
    from .._lang import msg

    raise AttributeError(msg(f"模块 {__name__!r} 没有属性 {name!r}",
                             f"module {__name__!r} has no attribute {name!r}"))
