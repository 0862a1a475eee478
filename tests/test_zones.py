"""Zone change (换带) and the zone prefix (xigeo/zones.py).

Expected coordinates come from pyproj's direct transformation between the two
EPSG zones; EPSG codes are those of xigeo.gk_crs (tested against EPSG names in
test_crs.py) and pyproj's names.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely import Point, box

import xigeo
from xigeo.errors import CRSError, OptionError
from xigeo.zones import change_zone

#: ~115.3°E in zone 38 (prefixed), 9 vertices: within the 0.5° a zone reaches beyond its edge
#: (xigeo.crs.MARGIN_DEG), so it can be moved into zone 39 (CM 117°E), as data of a project
#: straddling the zone boundary is (the guard refuses data farther out: test_bad_crs.py)
EDGE = np.column_stack([np.linspace(38_615_000, 38_624_000, 9), np.linspace(3_553_000, 3_609_000, 9)])


def _coords(g):
    return shapely.get_coordinates(np.asarray(g.geometry.values if hasattr(g, "geometry") else g.values))


def test_zone_38_to_39_agrees_with_pyproj_and_round_trips():
    layer = gpd.GeoDataFrame({"BSM": ["A", "B"]}, geometry=[
        box(38_615_000.1234, 3_560_000.5678, 38_616_000, 3_561_000),
        shapely.LineString(EDGE)], crs=4526)
    z39 = change_zone(layer, zone=39)
    assert z39.crs.to_epsg() == 4527 and z39.crs.name == "CGCS2000 / 3-degree Gauss-Kruger zone 39"
    assert z39["BSM"].tolist() == ["A", "B"]
    x, y = pyproj.Transformer.from_crs(4526, 4527, always_xy=True).transform(*_coords(layer).T)
    assert np.abs(_coords(z39) - np.column_stack([x, y])).max() < 1e-3
    assert _coords(z39)[:, 0].min() > 39_000_000           # the prefix follows the zone
    back = change_zone(z39, zone=38)
    assert back.crs.to_epsg() == 4526
    assert np.abs(_coords(back) - _coords(layer)).max() < 1e-3
    # survey rounding: 0.1 mm
    c = _coords(z39) * 1e4
    assert np.abs(c - np.round(c)).max() < 1e-3


def test_central_meridian_and_width_6():
    pts = gpd.GeoSeries(shapely.points(EDGE), crs=4526)
    assert change_zone(pts, central_meridian=117).crs.equals(change_zone(pts, zone=39).crs)
    assert change_zone(pts, zone=39, prefix=False).crs.to_epsg() == 4548   # CGCS2000 CM 117E
    six = change_zone(pts, zone=20, width=6)            # 6° zone 20: CM 117°E
    assert six.crs.equals(xigeo.gk_crs(20, width=6)) and six.crs.name == "CGCS2000 / Gauss-Kruger zone 20"
    assert six.crs.to_epsg() == 4498 and _coords(six)[:, 0].min() > 20_000_000
    x, y = pyproj.Transformer.from_crs(4526, six.crs, always_xy=True).transform(*EDGE.T)
    assert np.abs(_coords(six) - np.column_stack([x, y])).max() < 1e-3
    # 6° → 3° (its own zone and prefix convention chosen by the call)
    three = change_zone(six, zone=38, width=3, prefix=False)
    assert three.crs.to_epsg() == 4547
    assert np.abs(_coords(three) - (EDGE - [38_000_000, 0])).max() < 1e-3


def test_prefix_alone_is_an_exact_false_easting_change():
    pts = gpd.GeoSeries([Point(38_456_789.0123, 3_580_000.5), None], index=["J1", "J2"], crs=4526)
    plain = change_zone(pts, prefix=False)
    assert plain.crs.to_epsg() == 4547
    assert plain.index.tolist() == ["J1", "J2"] and plain.iloc[1] is None
    assert plain.iloc[0].x == 38_456_789.0123 - 38_000_000 and plain.iloc[0].y == 3_580_000.5
    again = change_zone(plain, prefix=True)
    assert again.crs.to_epsg() == 4526 and again.iloc[0].x == pytest.approx(38_456_789.0123, abs=1e-8)
    same = change_zone(pts)                      # nothing to change: a copy
    assert same.crs.to_epsg() == 4526 and same.iloc[0].equals(pts.iloc[0])


def test_other_datums_stay_on_their_datum():
    pts = gpd.GeoSeries(shapely.points(EDGE), crs=2362)        # Xi'an 1980 zone 38
    out = change_zone(pts, zone=39)
    assert out.crs.equals(xigeo.gk_crs(39, datum="xian1980"))
    x, y = pyproj.Transformer.from_crs(2362, out.crs, always_xy=True).transform(*EDGE.T)
    assert np.abs(_coords(out) - np.column_stack([x, y])).max() < 1e-3


def test_geographic_input():
    pts = gpd.GeoSeries([Point(115.3, 32.3)], crs=4490)
    out = change_zone(pts, zone=39)
    assert out.crs.to_epsg() == 4527
    x, y = pyproj.Transformer.from_crs(4490, 4527, always_xy=True).transform(115.3, 32.3)
    assert abs(out.iloc[0].x - x) < 1e-3 and abs(out.iloc[0].y - y) < 1e-3
    with pytest.raises(OptionError, match="请指明投影带.*zone=38"):
        change_zone(pts)


@pytest.mark.parametrize("kwargs, error, message, english", [
    ({"zone": 39, "central_meridian": 117}, OptionError, "只能给一个", "not both"),
    ({"central_meridian": 116}, OptionError, "central_meridian=116 不是 3° 带的中央经线",
     "central_meridian=116 is not the central meridian of a 3° zone"),
    ({"central_meridian": 114, "width": 6}, OptionError, "不是 6° 带的中央经线", "of a 6° zone"),
    ({"zone": 39, "width": 4}, OptionError, "width=4 不可用", "width=4 is not allowed"),
    ({"zone": 60}, CRSError, "3 度带第 60 带不在中国境内", "3-degree zone 60 is outside China"),
])
def test_bad_options(kwargs, error, message, english):
    with pytest.raises(error, match=message):
        change_zone(gpd.GeoSeries(shapely.points(EDGE), crs=4526), **kwargs)
    with xigeo.using_language("en"), pytest.raises(error, match=english):
        change_zone(gpd.GeoSeries(shapely.points(EDGE), crs=4526), **kwargs)


def test_not_gauss_kruger():
    with pytest.raises(CRSError, match="不是 2000国家大地坐标系.*的高斯–克吕格投影带"):
        change_zone(gpd.GeoSeries([Point(12_700_000, 3_800_000)], crs=3857), zone=39)


def test_a_zone_the_layer_does_not_reach_names_the_layers_own_zone():
    """Xi County's eastern edge (~114.9°E) is 2.1° from zone 39's meridian, beyond the 0.5° a zone
    reaches past its edge: refused, naming the zone it lies in (the message said 'no zone fits
    it', which contradicted the narrow layer)."""
    pts = gpd.GeoSeries(shapely.points([[38_585_000, 3_553_000], [38_594_000, 3_609_000]]), crs=4526)
    with pytest.raises(CRSError, match=r"zone=39 覆盖 115\.00–119\.00°E.*它位于 3 度带第 38 带。"
                                       r"修正：zone=38") as info:
        change_zone(pts, zone=39)
    assert "没有哪个带能容下它" not in str(info.value)
