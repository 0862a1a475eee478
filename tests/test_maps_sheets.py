"""The sheet number on a map and the sheet index (图幅结合表) (xigeo/maps/sheets.py).

The sheets drawn are those :func:`xigeo.sheets` lists (tested in test_sheets.py);
here: every one is drawn where its densified outline projects, labelled with
its number, and the sheet number printed on a map comes out of the PDF.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib
import numpy as np
import pyproj
import pytest
import shapely
from shapely import box

matplotlib.use("Agg")

from xigeo.errors import SheetNumberError  # noqa: E402
from xigeo.maps import export_map, map_info, sheet_index_map, thematic_map  # noqa: E402
from xigeo.sheets import sheet_number, sheet_polygon  # noqa: E402

pypdf = pytest.importorskip("pypdf")
DATE = "2026年11月"


def _parcels():
    return gpd.GeoDataFrame({"XMBH": ["YS01", "YS02"]}, geometry=[
        box(38_535_000, 3_578_000, 38_541_000, 3_583_000),
        box(38_545_000, 3_580_000, 38_546_000, 3_581_000)], crs=4526)


def test_sheet_index_draws_every_sheet_labelled_and_in_place(tmp_path):
    fig = sheet_index_map(_parcels(), scale=10_000, date=DATE)
    numbers = fig.xigeo_sheets.sheets.index.tolist()
    # each parcel is smaller than a sheet: the sheets it touches are those of its corners
    xy = shapely.get_coordinates(_parcels().geometry.values)
    lon, lat = pyproj.Transformer.from_crs(4526, 4490, always_xy=True).transform(*xy.T)
    assert numbers == sorted(set(sheet_number(lon, lat))) and len(numbers) == 5
    ax = next(a for a in fig.axes if a.get_gid() == "xigeo-map")
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "xigeo-label" and t.get_visible()]
    assert sorted(labels) == numbers
    # each label sits inside its sheet's outline, projected to the layer's CRS
    to_gk = pyproj.Transformer.from_crs(4490, 4526, always_xy=True)
    for t in ax.texts:
        if t.get_gid() == "xigeo-label" and t.get_text() in numbers:
            outline = shapely.transform(sheet_polygon(t.get_text()),
                                        lambda xy: np.column_stack(to_gk.transform(*xy.T)))
            assert outline.contains(shapely.Point(*t.get_position()))
    info = map_info(fig)
    assert info.title == "1:10000图幅结合表" and "1:10000图幅" in info.legend
    pdf = export_map(fig, tmp_path / "图幅结合表.pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages)
    # (feature labels have a white halo, drawn as paths: they are checked on the artists above)
    assert "1:10000图幅结合表" in text and "图幅：GB/T 13989-2012" in text


def test_map_prints_the_sheet_number(tmp_path):
    fig = thematic_map(_parcels(), title="项目位置图", date=DATE, sheet="i50-g-088-007")
    printed = [t.get_text() for t in fig.texts if t.get_gid() == "xigeo-sheet"]
    assert printed == ["图号：I50G088007"] and map_info(fig).sheet == "I50G088007"
    pdf = export_map(_parcels(), tmp_path / "图.pdf", title="项目位置图", date=DATE, sheet="I50G088007")
    assert "图号：I50G088007" in pypdf.PdfReader(pdf).pages[0].extract_text()
    assert map_info(thematic_map(_parcels(), title="无图号", date=DATE)).sheet is None


def test_bad_sheet_number_is_refused_before_drawing(tmp_path):
    with pytest.raises(SheetNumberError, match="没有第 97 行"):
        export_map(_parcels(), tmp_path / "图.pdf", title="项目位置图", sheet="I50G097007")
    assert not (tmp_path / "图.pdf").exists()
