"""Rich displays readable at nbconvert's page width (issue 17): a result's HTML is at most
960 px wide (wider tables scroll in their box), shows 20 rows per table and counts the rest;
a map's PNG for Jupyter is at most 960 px wide whatever the paper."""

from __future__ import annotations

import re
import struct

import pytest

from xigeo import sample
from xigeo._result import HTML_ROWS, HTML_WIDTH
from xigeo.consolidation import consolidation_summary


@pytest.fixture(scope="module")
def result():
    return consolidation_summary(sample.load("consolidation"))


def test_result_html_is_boxed_and_rows_are_capped(result):
    html = result._repr_html_()
    assert html.startswith(f"<div class='xigeo-result' style='max-width:{HTML_WIDTH}px'>")
    assert HTML_WIDTH <= 1000
    # every table sits in a box of the page width that scrolls sideways
    tables = html.count("<table")
    assert tables == len(result.tables()) == 1
    assert len(re.findall(r"<div style='max-width:960px;overflow-x:auto'><table", html)) == tables
    # the sample has 25 projects (sample_shapefiles/README.md): 20 rows shown, 5 counted
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == HTML_ROWS == 20
    assert "另有 5 行 / 5 more rows in <code>.projects</code>" in html
    assert "22,374.70" in html  # thousands separators (the summary's scale, README)


def test_a_short_table_has_no_more_rows_line(result):
    import dataclasses

    few = dataclasses.replace(result, projects=result.projects.head(3))
    html = few._repr_html_()
    assert html.split("<tbody>")[1].count("<tr>") == 3 and "more rows" not in html


@pytest.mark.parametrize("paper, orientation", [("A4", "portrait"), ("A3", "landscape")])
def test_map_png_for_jupyter_fits_the_page(paper, orientation):
    from xigeo.maps import thematic_map

    fig = thematic_map(sample.load("linkage_newbuild"), title="建新区分布图", paper=paper,
                       orientation=orientation, date="2026年12月")
    png = fig._repr_png_()
    width, height = struct.unpack(">II", png[16:24])  # the PNG's IHDR chunk
    assert width <= 960
    # the sheet's proportions are kept: width / height = paper width / height (± 1 px)
    w_in, h_in = fig.get_size_inches()
    assert abs(width / height - w_in / h_in) < 2 / height
