"""Scale, extent, paper, paging, labels and page layout of xigeo.maps (issue 17).

Scale on paper is measured, not read back: the map frame's size in mm comes
from the renderer (``get_window_extent`` in pixels / dpi x 25.4) and the
ground it shows from the axes limits in metres, so ``metres / (mm / 1000)``
is the true scale; ISO 216 gives the paper sizes.

Layout baselines: ``element_boxes`` lists each page element's box in mm
(title, map frame, legend, scale bar, north arrow, information block, 比例尺
text, labels); the test checks every box lies on the page, that elements do
not overlap (labels, scale bar and north arrow inside the frame, the others
around it) and that they are within 1.5 mm of the stored boxes in
tests/baselines/*.json. After a deliberate layout change, regenerate them with

    XIGEO_UPDATE_BASELINES=1 python -m pytest tests/test_maps_layout.py

and look at the new boxes (git diff) before committing them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from shapely import box

matplotlib.use("Agg")

from xigeo.errors import OptionError  # noqa: E402
from xigeo.maps import (  # noqa: E402
    PAPER_MM,
    export_map,
    farmland_overlap_maps,
    frame_size,
    layer,
    map_info,
    map_pages,
    page_size,
    thematic_map,
)

pypdf = pytest.importorskip("pypdf")

BASELINES = Path(__file__).parent / "baselines"
UPDATE = os.environ.get("XIGEO_UPDATE_BASELINES") == "1"
DATE = "2026年11月"
MM_PER_INCH = 25.4
# ISO 216 A series, mm (A0 = 841 x 1189, each next size halves the longer side)
ISO_A = {"A0": (841, 1189), "A1": (594, 841), "A2": (420, 594), "A3": (297, 420), "A4": (210, 297)}
X0, Y0 = 38_560_000, 3_580_000  # GK zone 38 (EPSG:4526), metres


def _landuse(width: float = 1500, height: float = 1000) -> gpd.GeoDataFrame:
    """Four patches (paddy, dry land, homestead, paddy) over width x height metres."""
    w, h = width, height
    return gpd.GeoDataFrame(
        {"DLBM": ["0101", "0103", "0702", "0101"]},
        geometry=[box(X0, Y0, X0 + w / 2, Y0 + h / 2), box(X0 + w / 2, Y0, X0 + w, Y0 + h / 2),
                  box(X0, Y0 + h / 2, X0 + w / 3, Y0 + h), box(X0 + w / 3, Y0 + h / 2, X0 + w, Y0 + h)],
        crs=4526)


def _px_to_mm(fig, bb) -> tuple[float, float, float, float]:
    k = MM_PER_INCH / fig.dpi
    return bb.x0 * k, bb.y0 * k, bb.x1 * k, bb.y1 * k


def _frame_mm(fig) -> tuple[float, float]:
    ax = fig.axes[0]
    ax.apply_aspect()
    x0, y0, x1, y1 = _px_to_mm(fig, ax.get_window_extent(fig.canvas.get_renderer()))
    return x1 - x0, y1 - y0


def _measured_scale(fig) -> tuple[float, float]:
    """Ground metres per paper metre along x and y, measured (the scale denominators)."""
    ax = fig.axes[0]
    w_mm, h_mm = _frame_mm(fig)
    (xa, xb), (ya, yb) = ax.get_xlim(), ax.get_ylim()
    return (xb - xa) / (w_mm / 1000), (yb - ya) / (h_mm / 1000)


def _scalebar_mm(fig) -> tuple[float, float]:
    """(bar length on paper in mm, labelled length in metres)."""
    renderer = fig.canvas.get_renderer()
    segs = [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_gid() == "xigeo-scalebar"]
    boxes = [_px_to_mm(fig, p.get_window_extent(renderer)) for p in segs]
    length = max(b[2] for b in boxes) - min(b[0] for b in boxes)
    return length, map_info(fig).scalebar[2]


def _texts(fig, gid: str) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_gid() == gid]


# ---------------------------------------------------------------- paper and scale

def test_papers_a4_to_a0_are_iso_216():
    for name, (w, h) in ISO_A.items():
        assert PAPER_MM[name] == (w, h)
        assert [round(v * MM_PER_INCH, 6) for v in page_size(name)] == [w, h]
        assert [round(v * MM_PER_INCH, 6) for v in page_size(name, "landscape")] == [h, w]
    with pytest.raises(OptionError, match="A5"):
        page_size("A5")


@pytest.mark.parametrize("scale,paper,orientation", [
    (5000, "A4", "portrait"), (10000, "A3", "landscape"), (2000, "A3", "landscape"),
    (50000, "A0", "portrait")])
def test_fixed_scale_is_the_true_scale_on_paper(scale, paper, orientation):
    # 500 m x 400 m (+4 % margin: 520 x 416 m) fits each frame: at 1:2 000 an A3 landscape
    # frame is 300 x 229 mm = 600 x 458 m
    data = _landuse(500, 400)
    fig = thematic_map(data, title="图", scale=scale, paper=paper, orientation=orientation,
                       date=DATE)
    info = map_info(fig)
    assert (info.paper, info.orientation, info.scale) == (paper, orientation, scale)
    # the frame measured on paper (mm) x the scale = the ground it shows (m), both ways
    sx, sy = _measured_scale(fig)
    assert sx == pytest.approx(scale, rel=1e-6) and sy == pytest.approx(scale, rel=1e-6)
    # the scale bar: its length on paper x the scale = the distance written on it
    bar_mm, bar_m = _scalebar_mm(fig)
    assert bar_mm / 1000 * scale == pytest.approx(bar_m, rel=1e-6)
    # and the printed 比例尺 text is that scale
    assert _texts(fig, "xigeo-scale")[0].get_text() == f"比例尺  1:{scale:,}".replace(",", " ")
    # every feature is inside the frame (the map is not cropped)
    x0, y0, x1, y1 = info.extent
    bx0, by0, bx1, by1 = data.total_bounds
    assert x0 <= bx0 and y0 <= by0 and bx1 <= x1 and by1 <= y1


def test_fit_paper_sizes_the_paper_up_never_the_scale():
    # 5.6 km x 1 km plus the 4 % margin on each side (224 m) is 6 048 m: 605 mm at 1:10 000.
    # An A1 landscape frame (page 841 mm - 32 mm margins - 168.2 mm legend - 4 mm = 636.8 mm)
    # holds it; A2 landscape (594 - 32 - 118.8 - 4 = 439.2 mm) does not
    data = _landuse(5600, 1000)
    fig = thematic_map(data, title="图", scale=10000, date=DATE)
    info = map_info(fig)
    assert (info.paper, info.orientation, info.scale) == ("A1", "landscape", 10000)
    assert [round(v * MM_PER_INCH) for v in page_size(info.paper, info.orientation)] == [841, 594]
    w_mm, _ = _frame_mm(fig)
    assert w_mm == pytest.approx(636.8) and w_mm / 1000 * 10000 >= 5600 * 1.08
    assert frame_size("A2", "landscape")[0] == pytest.approx(439.2)
    assert _measured_scale(fig)[0] == pytest.approx(10000, rel=1e-6)


def test_beyond_a0_or_fit_pages_is_an_error_naming_both_fixes(tmp_path):
    data = _landuse(60_000, 1000)
    with pytest.raises(OptionError, match=r"map_pages.*fit='pages'.*scale=") as err:
        thematic_map(data, title="图", scale=10000, date=DATE)
    assert "A0" in str(err.value)
    with pytest.raises(OptionError, match=r"fit='paper'"):
        thematic_map(_landuse(6000, 1000), title="图", scale=10000, fit="pages", date=DATE)
    out = tmp_path / "图.pdf"
    with pytest.raises(OptionError):
        export_map(data, out, title="图", scale=10000, date=DATE)
    assert list(tmp_path.iterdir()) == []


def test_map_pages_cover_the_data_at_the_scale_with_position_notes(tmp_path):
    # two blocks 4.1 km apart at 1:10 000 on A4. Worked by hand: the extent with the 4 %
    # margin (0.04 x 6 100 m = 244 m) is 6 588 m x 1 288 m; an A4 landscape frame with the
    # note line is 201.6 x 136 mm = 2 016 m x 1 360 m, so 4 x 1 sheets (portrait, 1 320 m
    # wide, would need 5), centred: columns from X0 - 982 m in steps of 2 016 m. The first
    # block lies in column 1, the second in column 4; columns 2 and 3 are empty and left out
    data = gpd.GeoDataFrame({"DLBM": ["0101", "0103"]},
                            geometry=[box(X0, Y0, X0 + 1000, Y0 + 800),
                                      box(X0 + 5100, Y0, X0 + 6100, Y0 + 800)], crs=4526)
    pages = map_pages(data, title="分幅图", scale=10000, date=DATE)
    infos = [map_info(f) for f in pages]
    n = len(pages)
    assert [i.page for i in infos] == [(1, 2, 1, 1), (2, 2, 1, 4)]
    assert infos[0].orientation == "landscape"
    assert infos[0].extent[0] == pytest.approx(X0 - 982)
    assert [i.page[:2] for i in infos] == [(k, n) for k in range(1, n + 1)]
    fw, fh = frame_size("A4", infos[0].orientation, subtitle=True)
    frames = [box(*i.extent) for i in infos]
    for fig, info, frame in zip(pages, infos, frames):
        assert info.scale == 10000 and _measured_scale(fig)[0] == pytest.approx(10000, rel=1e-6)
        x0, y0, x1, y1 = info.extent
        assert (x1 - x0, y1 - y0) == pytest.approx((fw * 10, fh * 10), rel=1e-9)  # mm x 10 000
        assert data.intersects(frame).any()  # no empty frame
        k, total, row, col = info.page
        assert _texts(fig, "xigeo-subtitle")[0].get_text() == f"第{k}幅／共{total}幅（第{row}行第{col}列）"
    # together the sheets hold every feature, and they do not overlap each other
    from shapely import union_all

    assert union_all(frames).contains(data.union_all())
    assert sum(f.area for f in frames) == pytest.approx(union_all(frames).area, rel=1e-9)
    # the multi-page PDF: one page per sheet, the notes searchable
    out = export_map(data, tmp_path / "分幅图.pdf", title="分幅图", scale=10000, fit="pages",
                     date=DATE)
    reader = pypdf.PdfReader(str(out))
    assert len(reader.pages) == n
    assert f"第1幅／共{n}幅" in reader.pages[0].extract_text()
    with pytest.raises(OptionError, match=r"\.pdf"):
        export_map(data, tmp_path / "分幅图.png", title="分幅图", scale=10000, fit="pages",
                   date=DATE)
    assert not (tmp_path / "分幅图.png").exists()


def test_center_and_scale_show_the_frame_about_the_centre():
    data = _landuse(3000, 3000)
    cx, cy = X0 + 1200, Y0 + 1400
    fig = thematic_map(data, title="图", scale=5000, center=(cx, cy), paper="A4",
                       orientation="portrait", date=DATE)
    x0, y0, x1, y1 = map_info(fig).extent
    fw, fh = frame_size("A4", "portrait")
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((cx, cy))
    assert (x1 - x0, y1 - y0) == pytest.approx((fw * 5, fh * 5))  # mm x 5 000 / 1 000
    assert _measured_scale(fig)[0] == pytest.approx(5000, rel=1e-6)


def test_extent_or_centre_without_features_is_refused(tmp_path):
    with pytest.raises(OptionError, match="没有任何要素"):
        thematic_map(_landuse(), title="图", extent=(0, 0, 100, 100), date=DATE)
    with pytest.raises(OptionError, match="没有任何要素"):
        export_map(_landuse(), tmp_path / "图.pdf", title="图", scale=5000, center=(0, 0))
    with pytest.raises(OptionError, match="xmin < xmax"):
        thematic_map(_landuse(), title="图", extent=(10, 0, 0, 10))
    assert list(tmp_path.iterdir()) == []


def test_scale_on_a_geographic_map_is_refused_with_the_reprojection_fix():
    with pytest.raises(OptionError, match=r"crs='EPSG:4526'"):
        thematic_map(_landuse().to_crs(4490), title="图", scale=10000)
    fig = thematic_map(_landuse().to_crs(4490), title="图", scale=10000, crs=4526, date=DATE)
    assert _measured_scale(fig)[0] == pytest.approx(10000, rel=1e-6)


def test_cli_map_scale_extent_center_fit(tmp_path, capsys):
    from xigeo.cli import main

    def run(*args):
        code = main(["map", str(src), *map(str, args)])
        return code, capsys.readouterr()

    src = tmp_path / "dltb.gpkg"
    gpd.GeoDataFrame({"DLBM": ["0101", "0103"]},
                     geometry=[box(X0, Y0, X0 + 1000, Y0 + 800),
                               box(X0 + 4100, Y0, X0 + 5100, Y0 + 800)], crs=4526).to_file(src)
    out = tmp_path / "分幅.pdf"
    code, _ = run("-o", out, "--title", "分幅图", "--scale", 10000, "--fit", "pages", "--date", DATE)
    assert code == 0
    assert len(pypdf.PdfReader(str(out)).pages) == len(
        map_pages(gpd.read_file(src), title="分幅图", scale=10000, date=DATE))
    # 5.1 km + margins = 5.5 km = 551 mm at 1:10 000: sized up to A1 landscape (636.8 mm frame)
    big = tmp_path / "大图.pdf"
    code, _ = run("-o", big, "--title", "图", "--scale", 10000, "--date", DATE)
    assert code == 0
    page = pypdf.PdfReader(str(big)).pages[0]
    assert round(float(page.mediabox.width) / 72 * MM_PER_INCH) == 841
    # a window at 1:5 000 about a centre
    code, _ = run("-o", tmp_path / "c.pdf", "--title", "图", "--scale", 5000, "--center",
                  f"{X0 + 500},{Y0 + 400}")
    assert code == 0
    # an extent with no feature, a malformed extent: one clear line each, nothing written
    code, res = run("-o", tmp_path / "e.pdf", "--title", "图", "--extent", "0,0,10,10")
    assert code != 0 and "--extent / --center" in res.err and "Traceback" not in res.err
    assert res.err.strip().splitlines()[-1].startswith("xigeo: 错误：")  # Chinese by default (conftest: XIGEO_LANG=zh)
    code, res = run("-o", tmp_path / "e.pdf", "--title", "图", "--extent", "1,2,3")
    assert code == 2 and "4 个" in res.err
    assert not (tmp_path / "e.pdf").exists()
    helptext = CliRunner().invoke(_map_command(), ["--help"]).output
    assert "比例尺分母" in helptext and "分幅" in helptext and "A0" in helptext


def _map_command():
    from xigeo.cli.map import map_command

    return map_command


# ---------------------------------------------------------------- labels

def _boxes(fig, gid):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in _texts(fig, gid) if t.get_visible()]


def _furniture(fig):
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    inside = [a.get_window_extent(renderer) for a in ax.get_children()
              if str(a.get_gid()).startswith(("xigeo-scalebar", "xigeo-north"))]
    outside = [t.get_window_extent(renderer) for t in fig.findobj(Text)
               if t.get_gid() in ("xigeo-title", "xigeo-subtitle", "xigeo-info", "xigeo-scale")
               and t.get_text()]
    outside += [a.get_window_extent(renderer) for a in fig.axes if a.get_gid() in
                ("xigeo-legend-axes", "xigeo-locator")]
    return inside, outside


def _assert_labels_clear(fig):
    labels = _boxes(fig, "xigeo-label")
    frame = fig.axes[0].get_window_extent(fig.canvas.get_renderer())
    inside, outside = _furniture(fig)
    assert len(inside) >= 8 and len(outside) >= 3
    for i, a in enumerate(labels):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
        assert not any(a.overlaps(b) for b in labels[i + 1:])
        assert not any(a.overlaps(b) for b in inside + outside)
    return labels


@pytest.fixture(scope="module")
def prereview_maps():
    from xigeo import sample
    from xigeo.prereview import prereview

    projects, jbnt = sample.load("prereview"), sample.load("jbnt")
    r = prereview(projects, farmland=jbnt)
    figs = farmland_overlap_maps(projects, jbnt, overlaps=r, title="建设项目用地预审与永久基本农田叠加图",
                                 date=DATE, maker="息县自然资源局")
    return projects, r, figs


def test_prereview_overview_labels_equal_the_table(prereview_maps):
    projects, r, figs = prereview_maps
    table = r.table("projects")  # the rows of `projects`, in order (the zh table numbers them from 1)
    occupying = table[table["jbnt_mu"] > 0]
    # sample README: YS2014008 has 9,868 m² on basic farmland = 14.80 mu; three projects occupy
    assert len(occupying) == 3
    expected = {f"{projects.at[i, 'XMBH']}：{v:.2f}亩" for i, v in occupying["jbnt_mu"].items()}
    assert "YS2014008：14.80亩" in expected
    overview = figs[0]
    assert {t.get_text() for t in _texts(overview, "xigeo-label")} == expected
    assert not _texts(overview, "xigeo-label-hidden")
    _assert_labels_clear(overview)


def test_prereview_detail_pages_for_projects_under_5mm(prereview_maps):
    projects, r, figs = prereview_maps
    overview, details = figs[0], figs[1:]
    scale = map_info(overview).scale
    pieces = r.overlap.pieces[~r.overlap.pieces["sliver"]]
    occupying = projects.loc[sorted(set(pieces["parcel_id"]))]
    b = occupying.bounds
    size_mm = np.maximum(b.maxx - b.minx, b.maxy - b.miny) / scale * 1000
    small = occupying[size_mm < 5]
    assert len(small) == len(details) == 3  # ~200 m projects at 1:120 000 are under 2 mm
    for fig, (idx, row) in zip(details, small.iterrows()):
        mine = pieces[pieces["parcel_id"] == idx]
        # every piece labelled with its area, the pieces adding up to the table's figure
        assert sorted(t.get_text() for t in _texts(fig, "xigeo-label") if t.get_text().endswith("亩")) \
            == sorted(f"{v:.2f}亩" for v in mine["area_mu"])
        total = r.projects.at[idx, "jbnt_mu"]
        assert mine["area_mu"].sum() == pytest.approx(total, abs=1e-6)
        sub = _texts(fig, "xigeo-subtitle")[0].get_text()
        assert sub.startswith(row["XMBH"]) and f"{total:.2f}亩（{len(mine)}块）" in sub
        # legible: the project is at least 5 cm on its page
        x0, y0, x1, y1 = row.geometry.bounds
        assert max(x1 - x0, y1 - y0) / map_info(fig).scale * 1000 > 50
        _assert_labels_clear(fig)


def test_labels_are_searchable_text_in_the_pdf(prereview_maps, tmp_path):
    from xigeo.maps import write_atlas

    _, _, figs = prereview_maps
    out = write_atlas(figs, tmp_path / "预审.pdf", title="预审", contents=False)
    reader = pypdf.PdfReader(str(out))
    text = [p.extract_text() for p in reader.pages]
    for label in _texts(figs[0], "xigeo-label"):
        assert label.get_text() in text[0]
    for fig, page in zip(figs[1:], text[1:]):
        for label in _texts(fig, "xigeo-label"):
            assert label.get_text() in page
    assert "YS2014008：14.80亩" in text[0] and "14.80亩" in text[1]


def test_crowded_labels_use_leaders_and_never_overlap():
    # 12 small parcels in a row 60 m apart (4 mm at this map's 1:15 000, a label is ~11 mm):
    # centred labels would collide, so some move out on leader lines; none overlaps another,
    # a leader or the furniture. The row starts under the scale bar: those labels leave it
    parcels = gpd.GeoDataFrame({"XMBH": [f"YS20260{i:02d}" for i in range(12)]},
                               geometry=[box(X0 + 60 * i, Y0 + 100, X0 + 60 * i + 30, Y0 + 130)
                                         for i in range(12)], crs=4526)
    fig = thematic_map([_landuse(2000, 1500), layer(parcels, "parcels", label_field="XMBH")],
                       title="图", date=DATE)
    labels = _assert_labels_clear(fig)
    hidden = _texts(fig, "xigeo-label-hidden")
    # a row this tight leaves a label or two without a free place (logged as a warning):
    # all but those are written, none hides another parcel
    assert len(labels) + len(hidden) == 12 and len(labels) >= 10
    assert all(not t.get_visible() for t in hidden)
    leaders = [ln for ln in fig.axes[0].lines if ln.get_gid() == "xigeo-leader"]
    assert leaders  # some labels moved away from their parcel and are joined to it
    inv = fig.axes[0].transData
    from xigeo.maps.labels import _seg_box

    segs = np.array([np.r_[inv.transform(np.c_[ln.get_xdata(), ln.get_ydata()])[[0, -1]].ravel()]
                     for ln in leaders if len(ln.get_xdata()) == 2])
    # (shrunk by 0.5 px: a leader ends on its own label's edge)
    lab = np.array([[b.x0 + 0.5, b.y0 + 0.5, b.x1 - 0.5, b.y1 - 0.5] for b in labels])
    assert not _seg_box(segs, lab).any()  # no leader runs through a label


# ---------------------------------------------------------------- layout baselines

def element_boxes(fig) -> dict[str, list[list[float]]]:
    """The page elements' boxes in mm from the page's lower left, rounded to 0.1 mm."""
    renderer = fig.canvas.get_renderer()
    fig.axes[0].apply_aspect()

    def union(artists):
        bbs = [a.get_window_extent(renderer) for a in artists]
        if not bbs:
            return []
        x0, y0 = min(b.x0 for b in bbs), min(b.y0 for b in bbs)
        x1, y1 = max(b.x1 for b in bbs), max(b.y1 for b in bbs)
        return [[round(v, 1) for v in _px_to_mm(fig, Bbox.from_extents(x0, y0, x1, y1))]]

    ax = fig.axes[0]
    out = {
        "title": union(_texts(fig, "xigeo-title")),
        "subtitle": union(_texts(fig, "xigeo-subtitle")),
        "frame": union([ax]),
        "legend": union([a.get_legend() for a in fig.axes if a.get_gid() == "xigeo-legend-axes"]),
        "locator": union([a for a in fig.axes if a.get_gid() == "xigeo-locator"]),
        "scalebar": union([a for a in ax.get_children() if str(a.get_gid()).startswith("xigeo-scalebar")]),
        "north": union([a for a in ax.get_children() if str(a.get_gid()).startswith("xigeo-north")]),
        "info": [union([t])[0] for t in _texts(fig, "xigeo-info") if t.get_text()],
        "scale_text": union(_texts(fig, "xigeo-scale")),
        "labels": sorted(union([t])[0] for t in _texts(fig, "xigeo-label") if t.get_visible()),
    }
    return {k: v for k, v in out.items() if v}


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_layout(fig, name: str, tol_mm: float = 1.5) -> None:
    boxes = element_boxes(fig)
    w, h = (v * MM_PER_INCH for v in fig.get_size_inches())
    for key, items in boxes.items():
        for b in items:
            assert 0 <= b[0] and b[2] <= w and 0 <= b[1] and b[3] <= h, (key, b)
    # around the frame: title, subtitle, legend, locator, info, 比例尺 text do not touch
    # each other or the frame; inside it: scale bar, north arrow and labels are apart
    around = [(k, b) for k in ("title", "subtitle", "frame", "legend", "locator", "info",
                               "scale_text") for b in boxes.get(k, [])]
    inside = [(k, b) for k in ("scalebar", "north", "labels") for b in boxes.get(k, [])]
    frame = boxes["frame"][0]
    for group in (around, inside):
        for i, (ka, a) in enumerate(group):
            for kb, b in group[i + 1:]:
                assert not _overlap(a, b), (name, ka, a, kb, b)
    for k, b in inside:
        assert frame[0] <= b[0] and b[2] <= frame[2] and frame[1] <= b[1] and b[3] <= frame[3], (k, b)
    path = BASELINES / f"{name}.json"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no layout baseline {path}; run with XIGEO_UPDATE_BASELINES=1 to write it")
        path.parent.mkdir(exist_ok=True)
        rows = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in boxes.items()]
        path.write_text("{\n" + ",\n".join(rows) + "\n}\n", encoding="utf-8")
        return
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(stored) == sorted(boxes), (name, sorted(stored), sorted(boxes))
    for key in stored:
        assert len(stored[key]) == len(boxes[key]), (name, key)
        for a, b in zip(stored[key], boxes[key]):
            assert np.allclose(a, b, atol=tol_mm), (name, key, a, b)


def _parcels() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"XMBH": ["YS01", "YS02", "YS03"]},
                            geometry=[box(X0 + 200, Y0 + 200, X0 + 500, Y0 + 400),
                                      box(X0 + 900, Y0 + 600, X0 + 1300, Y0 + 900),
                                      box(X0 + 120, Y0 + 60, X0 + 160, Y0 + 90)], crs=4526)


def test_layout_baselines_small_maps():
    county = gpd.GeoDataFrame(geometry=[box(X0 - 3000, Y0 - 3000, X0 + 4000, Y0 + 4000)], crs=4526)
    maps = {
        "landuse_a4_portrait": thematic_map(_landuse(), title="息县土地利用现状图", paper="A4",
                                            orientation="portrait", maker="息县自然资源局",
                                            source="第三次全国国土调查", date=DATE),
        "parcels_a3_landscape_1to6000": thematic_map(
            [_landuse(), layer(_parcels(), "parcels", label_field="XMBH")], title="建设项目用地分布图",
            subtitle="比例尺 1:6 000 示例", paper="A3", orientation="landscape", scale=6000,
            locator=county, date=DATE),
        "sheet_page_1to5000": map_pages(_landuse(2600, 1000), title="分幅图", scale=5000,
                                        date=DATE)[0],
    }
    for name, fig in maps.items():
        check_layout(fig, name)


@pytest.mark.slow
def test_layout_baselines_sample_report_maps(prereview_maps):
    """The report's map pages on the sample (the land-use map draws all 7,064 patches)."""
    from xigeo import sample
    from xigeo.maps import landuse_map, linkage_map

    _, _, figs = prereview_maps
    check_layout(figs[0], "report_prereview_overview")
    for k, fig in enumerate(figs[1:], start=1):
        check_layout(fig, f"report_prereview_detail_{k}")
    check_layout(landuse_map(sample.load("dltb"), boundary=sample.load("county"),
                             title="土地利用现状图", date=DATE), "report_landuse")
    check_layout(linkage_map(sample.load("linkage_demolition"), sample.load("linkage_newbuild"),
                             farmland=sample.load("jbnt"), boundary=sample.load("county"),
                             date=DATE), "report_linkage")


def test_report_prereview_section_takes_paper_and_scale():
    """The report's map options (paper=, scale= … as the settings pass them) reach the section's
    maps: the overview at that scale on that paper, the detail pages on that paper."""
    from xigeo import sample
    from xigeo.prereview import prereview
    from xigeo.report.sections import BUILDERS

    projects, jbnt = sample.load("prereview"), sample.load("jbnt")
    r = prereview(projects.set_index("XMBH"), farmland=jbnt)  # as xigeo.headline computes it
    part = BUILDERS["prereview"]({"prereview": projects, "jbnt": jbnt}, r,
                                 {"date": DATE, "paper": "A3", "scale": 100_000})
    overview, details = part.maps[0], part.maps[1:]
    assert (map_info(overview).paper, map_info(overview).scale) == ("A3", 100_000)
    assert _measured_scale(overview)[0] == pytest.approx(100_000, rel=1e-6)
    assert len(details) == 3 and all(map_info(f).paper == "A3" for f in details)
    labels = {t.get_text() for t in _texts(overview, "xigeo-label")}
    assert labels == {f"{i}：{v:.2f}亩" for i, v in r.projects["jbnt_mu"].items() if v > 0}


def test_a_project_whose_label_finds_no_place_gets_a_detail_page():
    # 12 projects 40 m apart in three rows (under a millimetre at the overview's scale, which a
    # project 4 km away sets): their labels (~20 mm) cannot all be placed; every project on
    # farmland still has its total printed, on the overview or on a page of its own
    from xigeo.maps.labels import hidden_keys

    geoms = [box(X0 + 40 * i, Y0 + 40 * (i % 3), X0 + 40 * i + 30, Y0 + 30 + 40 * (i % 3))
             for i in range(12)] + [box(X0 + 3000, Y0 + 2500, X0 + 3030, Y0 + 2530)]
    parcels = gpd.GeoDataFrame({"XMBH": [f"YS2026{i:03d}" for i in range(13)],
                                "XMMC": [f"项目{i}" for i in range(13)]}, geometry=geoms, crs=4526)
    farm = gpd.GeoDataFrame({"DLBM": ["0101", "0101"]},
                            geometry=[box(X0 - 100, Y0 - 100, X0 + 600, Y0 + 200),
                                      box(X0 + 2900, Y0 + 2400, X0 + 3100, Y0 + 2600)], crs=4526)
    # detail_mm tiny: only the unlabelled projects get pages
    figs = farmland_overlap_maps(parcels, farm, detail_mm=0.01, date=DATE)
    overview, details = figs[0], figs[1:]
    hidden = hidden_keys(overview)
    assert hidden, "the cluster is meant to leave labels without a place"
    assert len(details) == len(hidden)
    # each project 30 m x 30 m wholly on farmland: 900 m² = 1.35 亩 (900 / 666.67)
    written = {t.get_text() for t in _texts(overview, "xigeo-label")}
    paged = [_texts(fig, "xigeo-subtitle")[0].get_text() for fig in details]
    for i, ident in enumerate(parcels["XMBH"]):
        on_overview = f"{ident}：1.35亩" in written
        on_page = any(s.startswith(ident) and "占用永久基本农田1.35亩" in s for s in paged)
        assert on_overview != on_page, ident  # exactly one place
        assert on_page == (i in hidden)
