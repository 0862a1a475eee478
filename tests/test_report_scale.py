"""The report at county scale (issue 17, scale): maps drawn for print, a workbook that stays a workbook.

- Polygon layers are drawn with their vertices rounded to 0.1 pt of the
  output (xigeo.maps._display): the expected properties are worked from the
  geometry itself — every shared edge still shared (directed segments cancel
  in pairs, leaving the outer boundary: no gap, no sliver), no vertex moved
  more than half a grid diagonal, the exact paths and the layer's data
  untouched by drawing, and a PDF writing at most one decimal.
- Dense markers are thinned where they cover each other; spread ones are all
  drawn.
- The workbook's QC findings sheet lists at most FINDINGS_PER_RULE findings
  of a rule; every finding is in ``<workbook>_质检发现.gpkg`` (counted back
  with pyogrio against check_survey's own result).
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import box

from xigeo import sample
from xigeo.errors import LayerWriteError
from xigeo.maps import _display, export_map, layer, thematic_map

X0, Y0 = 38_560_000.0, 3_580_000.0
pypdf = pytest.importorskip("pypdf")


def _cells(n: int, side: float, seed: int = 7) -> gpd.GeoDataFrame:
    """A coverage: Voronoi cells of ``n`` random points clipped to a square of ``side`` metres."""
    rng = np.random.default_rng(seed)
    frame = box(X0, Y0, X0 + side, Y0 + side)
    pts = shapely.multipoints(rng.uniform((X0, Y0), (X0 + side, Y0 + side), (n, 2)))
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=frame)),
                                 frame)
    codes = rng.choice(["0101", "0103", "0301", "0702", "1104"], len(cells))
    return gpd.GeoDataFrame({"DLBM": codes}, geometry=cells, crs=4526)


def _segments(xy: np.ndarray, ring: np.ndarray) -> collections.Counter:
    """Directed segments of closed rings, each as ((x0, y0), (x1, y1))."""
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    return collections.Counter(zip(map(tuple, a), map(tuple, b)))


def _unmatched(xy: np.ndarray, ring: np.ndarray) -> collections.Counter:
    """The directed segments left when each segment cancels against its reverse."""
    seg = _segments(xy, ring)
    return collections.Counter({s: n - seg.get((s[1], s[0]), 0) for s, n in seg.items()
                                if n > seg.get((s[1], s[0]), 0)})


def _rings(geoms) -> tuple[np.ndarray, np.ndarray]:
    g = shapely.orient_polygons(np.asarray(geoms, dtype=object))
    xy, ring, _, _ = _display.ring_data(g, np.zeros(len(g), dtype=np.intp))
    return xy, ring


# ---------------------------------------------------------------- rounding the rings

def test_rounded_coverage_keeps_shared_edges_and_has_no_gaps():
    cov = _cells(3000, 2000.0)
    assert shapely.coverage_is_valid(cov.geometry.values)
    xy, ring = _rings(cov.geometry.values)
    grid = 20.0  # a cell is ~36 m across: many vertices merge, small cells vanish
    out, out_ring = _display.snap_rings(xy, ring, grid)
    assert len(out) < len(xy)
    dropped = len(np.unique(ring)) - len(np.unique(out_ring))
    assert dropped > 0  # some cells were smaller than the grid
    # every vertex is an input vertex moved to its grid point: at most half a grid diagonal
    assert np.all(np.isin(out_ring, ring))
    assert np.allclose(out / grid, np.round(out / grid))
    # the segments that do not cancel against a neighbour's reverse segment are the rounded outer
    # boundary of the square (orientation: exteriors counter-clockwise), nothing inside: no gap
    left = _unmatched(out, out_ring)
    lines = shapely.linestrings([np.array(s) for s in left])
    frame = box(X0, Y0, X0 + 2000.0, Y0 + 2000.0).boundary
    assert len(left) > 0
    assert float(shapely.distance(lines, frame).max()) <= grid * np.sqrt(2) / 2 + 1e-6
    # and the filled area (signed shoelace over all rings) is the square's, to the rounding
    x, y = out[:, 0], out[:, 1]
    same = out_ring[1:] == out_ring[:-1]
    signed = 0.5 * float(np.sum((x[:-1] * y[1:] - x[1:] * y[:-1])[same]))
    assert signed == pytest.approx(2000.0 ** 2, abs=4 * 2000.0 * grid / 2)


def test_rounding_moves_no_vertex_more_than_half_a_diagonal():
    xy, ring = _rings(_cells(200, 500.0).geometry.values)
    out, out_ring = _display.snap_rings(xy, ring, 0.5)
    assert len(np.unique(out_ring)) == len(np.unique(ring))  # nothing vanishes at a fine grid
    tree = shapely.STRtree(shapely.points(xy))
    near = tree.query_nearest(shapely.points(out), return_distance=True)[1]
    assert near.max() <= 0.5 * np.sqrt(2) / 2 + 1e-9


# ---------------------------------------------------------------- maps

def _map_collections(fig):
    return [c for ax in fig.axes for c in ax.collections if isinstance(c, _display.DisplayPolygons)]


def _path_numbers(pdf: Path) -> list[bytes]:
    """The numbers of the path operators (m, l) of the PDF's first page."""
    data = pypdf.PdfReader(pdf).pages[0].get_contents().get_data()
    return re.findall(rb"(-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?) [ml]\n", data)


def _long(numbers: list[tuple[bytes, bytes]]) -> int:
    """How many vertices have a coordinate written with more than one decimal."""
    return sum(any(len(v.partition(b".")[2]) > 1 for v in pair) for pair in numbers)


def test_landuse_map_draws_rounded_paths_and_keeps_the_exact_ones(tmp_path, monkeypatch):
    cov = _cells(20_000, 12_000.0)  # a small-scale map: ~1:60 000 on A4, many vertices per mm
    before = cov.copy()
    fig = thematic_map(cov, title="土地利用现状图", date="2026年11月")
    coll = _map_collections(fig)[0]
    exact = np.concatenate([p.vertices for p in coll.get_paths()])
    pdf = export_map(fig, tmp_path / "drawn.pdf")
    # drawing left the exact paths and the data as they were
    after = np.concatenate([p.vertices for p in coll.get_paths()])
    assert np.array_equal(exact, after)
    assert before.geometry.geom_equals_exact(cov.geometry, 0.0).all()
    assert (before["DLBM"] == cov["DLBM"]).all()
    # in the PDF the layer's coordinates have at most one decimal (0.1 pt); the frame, grid and
    # scale bar (a few hundred vertices) are drawn as before
    numbers = _path_numbers(pdf)
    assert len(numbers) > 1000
    assert _long(numbers) < 0.02 * len(numbers)
    # the same map with the exact vertices (grid 0) in the same run: larger
    monkeypatch.setattr(_display, "SNAP_PT", 0.0)
    exact_pdf = export_map(thematic_map(cov, title="土地利用现状图", date="2026年11月"),
                           tmp_path / "exact.pdf")
    assert pdf.stat().st_size < 0.7 * exact_pdf.stat().st_size
    assert len(_path_numbers(pdf)) < len(_path_numbers(exact_pdf))
    assert _long(_path_numbers(exact_pdf)) > 0.5 * len(_path_numbers(exact_pdf))


def test_drawn_paths_are_the_exact_ones_within_the_grid():
    cov = _cells(500, 3000.0)
    fig = thematic_map(cov, title="图", date="2026年11月")
    fig.canvas.draw()
    coll = _map_collections(fig)[0]
    shown = np.concatenate([p.vertices for p in coll.display_paths(fig.dpi)])
    exact = coll.get_transform().transform(np.concatenate([p.vertices for p in coll.get_paths()]))
    grid = _display.SNAP_PT * fig.dpi / 72
    near = shapely.STRtree(shapely.points(exact)).query_nearest(shapely.points(shown),
                                                                 return_distance=True)[1]
    assert near.max() <= grid * np.sqrt(2) / 2 + 1e-9
    # at this scale (large cells) no ring vanishes: as many subpaths drawn as exact
    moves = sum(int((p.codes == p.MOVETO).sum()) for p in coll.display_paths(fig.dpi))
    assert moves == sum(int((p.codes == p.MOVETO).sum()) for p in coll.get_paths())


def _marker_uses(pdf: Path) -> int:
    data = pypdf.PdfReader(pdf).pages[0].get_contents().get_data()
    return len(re.findall(rb"/M\d+ Do", data))


def test_dense_markers_are_thinned_spread_ones_all_drawn(tmp_path):
    rng = np.random.default_rng(3)
    frame = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 50_000, Y0 + 50_000)], crs=4526)
    # 20,000 findings in 5 km (20 mm on paper): markers of 3.5 pt cover each other
    dense = gpd.GeoDataFrame(geometry=shapely.points(rng.uniform((X0, Y0), (X0 + 5000, Y0 + 5000),
                                                                (20_000, 2))), crs=4526)
    spread = gpd.GeoDataFrame(geometry=shapely.points(
        [(X0 + 5000 * i, Y0 + 5000 * j) for i in range(1, 10) for j in range(1, 10)]), crs=4526)
    for pts, name in ((dense, "dense"), (spread, "spread")):
        fig = thematic_map([layer(frame, "outline"), layer(pts, "points")], title="点", date="2026年11月")
        pdf = export_map(fig, tmp_path / f"{name}.pdf")
        drawn = _marker_uses(pdf)
        sc = [c for c in fig.axes[0].collections if isinstance(c, _display.ThinnedMarkers)][0]
        assert len(sc.get_offsets()) == len(pts)  # the data keep every point
        if name == "spread":
            assert drawn == len(pts)
        else:
            assert 0 < drawn < 0.5 * len(pts)


def test_thinned_points_leave_every_point_within_a_cell_of_a_drawn_one():
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 100, (50_000, 2))
    kept = _display.thin_points(xy, 2.0)
    assert len(kept) <= 50 * 50 and len(np.unique(kept)) == len(kept)
    near = shapely.STRtree(shapely.points(xy[kept])).query_nearest(shapely.points(xy),
                                                                   return_distance=True)[1]
    assert near.max() <= 2.0 * np.sqrt(2)


# ---------------------------------------------------------------- the QC findings in the workbook

@pytest.fixture(scope="module")
def wrong_areas(tmp_path_factory):
    """1,500 sample patches with TBMJ 1 % too large (KCMJ, TBDLMJ following it as the survey
    computes them): 1,500 findings of SX005 (patch area)."""
    from xigeo._apportion import to_hundredths

    folder = tmp_path_factory.mktemp("county")
    dltb = sample.load("dltb").iloc[:1500].copy()
    tbmj = to_hundredths(dltb["TBMJ"].to_numpy() * 1.01)
    kcmj = to_hundredths(tbmj / 100.0 * dltb["KCXS"].to_numpy())
    dltb["TBMJ"], dltb["KCMJ"], dltb["TBDLMJ"] = tbmj / 100.0, kcmj / 100.0, (tbmj - kcmj) / 100.0
    dltb.to_file(folder / "dltb.shp", encoding="UTF-8", engine="pyogrio")
    return folder


def test_findings_sheet_lists_at_most_the_cap_per_rule(wrong_areas):
    from xigeo.io import read_layer
    from xigeo.qc import check_survey
    from xigeo.report.sections import findings_sheet

    r = check_survey(read_layer(wrong_areas / "dltb.shp"))
    full = r.table("errors", labels="zh")
    per_rule = r.errors["rule"].value_counts()
    assert per_rule["SX005"] == 1500
    sheet = findings_sheet(r, per_rule=100)
    shown = sheet["规则编号"].value_counts()
    assert shown["SX005"] == 100
    assert all(shown[rid] == min(n, 100) for rid, n in per_rule.items())
    # the rows are the full list's first rows of each rule, with their numbers (序号 = n + 1,
    # as in SurveyCheck.to_excel and to_gpkg)
    first = r.errors.groupby("rule", sort=False).head(100).index
    assert list(sheet.index) == list(first + 1)
    assert list(full.index) == list(range(1, len(r.errors) + 1))
    pd.testing.assert_frame_equal(sheet, full.loc[sheet.index])


def test_report_writes_every_finding_next_to_a_capped_workbook(wrong_areas, tmp_path):
    import openpyxl
    import pyogrio

    from xigeo.report import build_report
    from xigeo.report.sections import FINDINGS_PER_RULE

    xlsx = tmp_path / "表格.xlsx"
    r = build_report(wrong_areas, pdf=None, xlsx=xlsx)
    qc = r.results["图斑数据质检"]
    assert r.findings == tmp_path / "表格_质检发现.gpkg"
    sheet = r.tables["质检错误清单"]
    assert (sheet["规则编号"] == "SX005").sum() == FINDINGS_PER_RULE
    assert f"共{len(qc.errors):,}处发现" in sheet.attrs["note"] and r.findings.name in sheet.attrs["note"]
    from xigeo._excel import read_table

    # the listed rows under the title, 填表单位 and header rows, then a blank row and the note
    assert len(read_table(xlsx, sheet_name="质检错误清单")) == len(sheet)
    book = openpyxl.load_workbook(xlsx, read_only=True)
    ws = book["质检错误清单"]
    assert ws.max_row == 3 + len(sheet) + 2
    assert r.findings.name in [row for row in ws.iter_rows(values_only=True)][-1][0]
    book.close()
    points = pyogrio.read_dataframe(r.findings, layer="errors_point")
    assert len(points) == len(qc.errors)
    assert (points["rule"] == "SX005").sum() == 1500
    # a second report refuses the existing findings file before reading a layer; nothing changes
    xlsx.unlink()
    stamp = r.findings.stat().st_mtime_ns
    with pytest.raises(LayerWriteError, match="质检发现.gpkg"):
        build_report(wrong_areas, pdf=None, xlsx=xlsx)
    assert not xlsx.exists() and r.findings.stat().st_mtime_ns == stamp


def test_report_without_capping_writes_no_findings_file(tmp_path):
    from xigeo.report import build_report

    folder = tmp_path / "data"
    folder.mkdir()
    sample.load("dltb").iloc[:300].to_file(folder / "dltb.shp", encoding="UTF-8", engine="pyogrio")
    r = build_report(folder, pdf=None, xlsx=tmp_path / "t.xlsx")
    assert r.findings is None and not (tmp_path / "t_质检发现.gpkg").exists()
    assert len(r.tables["质检错误清单"]) == len(r.results["图斑数据质检"].errors)


def test_rings_are_oriented_as_shapely_orients_them():
    # exteriors clockwise and holes counter-clockwise given: ring_data turns them as
    # shapely.orient_polygons does (exteriors counter-clockwise), and in the same vertex order
    outer = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]          # clockwise
    hole = [(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)]                # counter-clockwise
    geoms = np.array([shapely.Polygon(outer, [hole]), box(20, 0, 30, 10),
                      shapely.MultiPolygon([box(40, 0, 41, 1), shapely.Polygon(outer[::-1])])],
                     dtype=object)
    geoms = shapely.transform(geoms, lambda c: c + (X0, Y0))
    xy, ring, key, uniq = _display.ring_data(geoms, np.zeros(3, dtype=np.intp))
    assert np.array_equal(xy, shapely.get_coordinates(shapely.orient_polygons(geoms)))
    assert np.array_equal(np.unique(ring), np.arange(5)) and (key == 0).all()


def test_qc_map_of_a_large_layer_outlines_the_survey_area_not_each_patch(monkeypatch):
    """Above QC_OUTLINE_MAX patches the findings map draws the survey area's boundary (a
    county's 300,000 patch outlines are a grey blur at its scale, and 2 s of drawing)."""
    from xigeo.report import sections

    L = {"dltb": sample.load("dltb").iloc[:400], "county": sample.load("county")}

    def legend(fig):
        return {t.get_text() for ax in fig.axes for lg in [ax.get_legend()] if lg for t in lg.get_texts()}

    small = sections._qc(L, None, {}).maps[0]
    assert "调查图斑" in legend(small) and "调查范围" not in legend(small)
    monkeypatch.setattr(sections, "QC_OUTLINE_MAX", 100)
    large = sections._qc(L, None, {}).maps[0]
    assert "调查范围" in legend(large) and "调查图斑" not in legend(large)
