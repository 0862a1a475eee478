"""Tests of xigeo.crs: the CGCS2000 / Xi'an 1980 / Beijing 1954 GK families and the guard.

Expected EPSG codes come from the EPSG registry as pyproj ships it (checked here
through the CRS names and projection parameters, not only the numbers).
"""

import re

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely import Point, Polygon, box

from xigeo.crs import (
    Datum,
    check_crs,
    check_same_crs,
    detect_survey_crs,
    gk_crs,
    gk_info,
    normalize_crs,
    to_survey_crs,
    zone_of,
)
from xigeo.errors import CRSError, XigeoError

# a parcel near the county seat in zone 38 with the prefix (x = easting, y = northing)
SEAT = (38_560_000.0, 3_580_000.0)


def parcels(crs=4526, xy=SEAT):
    x, y = xy
    return gpd.GeoDataFrame({"XMMC": ["谯楼街道地块"]}, geometry=[box(x, y, x + 100, y + 80)],
                            crs=crs)


def params(crs):
    return {p.name: p.value for p in crs.coordinate_operation.params}


@pytest.mark.parametrize("datum, first_prefix, first_cm, name", [
    ("cgcs2000", 4513, 4534, "CGCS2000"),
    ("xian1980", 2349, 2370, "Xian 1980"),
    ("beijing1954", 2401, 2422, "Beijing 1954"),
])
def test_three_degree_families(datum, first_prefix, first_cm, name):
    for i, zone in enumerate(range(25, 46)):
        with_prefix, without = gk_crs(zone, datum=datum), gk_crs(zone, prefix=False, datum=datum)
        assert with_prefix.to_epsg() == first_prefix + i
        assert without.to_epsg() == first_cm + i
        assert with_prefix.name.startswith(name) and f"zone {zone}" in with_prefix.name
        assert params(with_prefix)["False easting"] == zone * 1_000_000 + 500_000
        assert params(without)["False easting"] == 500_000
        assert params(without)["Longitude of natural origin"] == 3 * zone


def test_xi_county_zone_38():
    assert gk_crs(38).to_epsg() == 4526
    assert gk_crs(38, prefix=False).to_epsg() == 4547
    assert gk_crs(38, datum="xian1980").to_epsg() == 2362
    assert gk_crs(38, datum="1954北京坐标系", prefix=False).to_epsg() == 2435


def test_six_degree_zone_20():
    crs = gk_crs(20, width=6)
    assert crs.to_epsg() == 4498
    assert params(crs)["Longitude of natural origin"] == 117.0


def test_zone_out_of_range_and_bad_width():
    with pytest.raises(CRSError, match="第 50 带不在中国境内；请用第 25–45 带"):
        gk_crs(50)
    with pytest.raises(CRSError, match="请用 3 或 6"):
        gk_crs(38, width=4)
    with pytest.raises(CRSError, match="cgcs2000, xian1980, beijing1954"):
        gk_crs(38, datum="wgs84")


def test_gk_info_from_epsg_and_from_prj_without_code():
    assert gk_info(4526) == gk_info(4526)  # frozen dataclass
    info = gk_info(4526)
    assert (info.datum, info.width, info.zone, info.prefix, info.false_easting) == (
        Datum.CGCS2000, 3, 38, True, 38_500_000.0)
    # an ArcGIS-style .prj with no EPSG code and the GRS 1980 ellipsoid
    esri = ('PROJCS["CGCS2000_3_Degree_GK_Zone_38",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
            'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
            'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",38500000.0],'
            'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],'
            'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
    info = gk_info(esri)
    assert (info.datum, info.zone, info.prefix) == (Datum.CGCS2000, 38, True)
    proj4 = "+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +a=6378140 +rf=298.257 +units=m"
    info = gk_info(proj4)
    assert (info.datum, info.zone, info.prefix) == (Datum.XIAN1980, 38, False)
    assert gk_info(4490) is None
    assert gk_info(32650) is None  # UTM has scale 0.9996 and false northing 0: not GK


def test_zone_of():
    # 3° zone n is centred on 3n°E: 114.6°E is zone 38; 6° zone n on 6n−3: 114.6°E is zone 20
    assert zone_of(114.6) == 38 and zone_of(115.49) == 38 and zone_of(115.51) == 39
    assert zone_of(114.6, width=6) == 20


def test_normalize_crs_inputs():
    target = pyproj.CRS.from_epsg(4526)
    for value in (4526, "EPSG:4526", "epsg:4526", target.to_wkt(), target):
        assert normalize_crs(value).equals(target)
    with pytest.raises(CRSError):
        normalize_crs(None)


def test_detect_survey_crs():
    assert detect_survey_crs(parcels()).to_epsg() == 4526
    assert detect_survey_crs(parcels(), prefix=False).to_epsg() == 4547
    unprefixed = parcels(crs=None, xy=(60_000.0 + 500_000, 3_580_000.0))
    with pytest.raises(CRSError, match="zone="):
        detect_survey_crs(unprefixed)
    assert detect_survey_crs(unprefixed, zone=38).to_epsg() == 4547
    degrees = gpd.GeoSeries([Point(114.6, 32.4)])
    assert detect_survey_crs(degrees).to_epsg() == 4526
    assert detect_survey_crs(degrees, datum="xian1980").to_epsg() == 2362
    swapped = parcels(crs=None, xy=(3_580_000.0, 38_560_000.0))
    with pytest.raises(CRSError, match="坐标轴颠倒了"):
        detect_survey_crs(swapped)


def test_guard_accepts_good_layers():
    assert check_crs(parcels()).to_epsg() == 4526
    assert check_crs(parcels(4547, (60_000.0 + 500_000, 3_580_000.0))).to_epsg() == 4547
    assert check_crs(gpd.GeoSeries([Point(114.6, 32.4)], crs=4490)).to_epsg() == 4490
    empty = gpd.GeoSeries([], crs=4526)
    assert check_crs(empty).to_epsg() == 4526


def test_guard_no_crs_names_layer_and_suggests_code():
    with pytest.raises(CRSError) as info:
        check_crs(parcels(crs=None), name="拆旧区.shp")
    msg = str(info.value)
    assert "拆旧区.shp 没有坐标系" in msg and "EPSG:4526" in msg and "set_crs" in msg
    assert isinstance(info.value, XigeoError) and isinstance(info.value, ValueError)


def test_guard_geographic_where_metres_needed():
    geo = gpd.GeoSeries([Point(114.6, 32.4)], crs=4490)
    with pytest.raises(CRSError, match=r"地理坐标系 EPSG:4490.*需要以米为单位.*EPSG:4526"):
        check_crs(geo, projected=True)


def test_guard_prefix_mismatch_both_ways():
    with pytest.raises(CRSError) as info:
        check_crs(parcels(4547))
    assert "带有带号 38" in str(info.value) and "set_crs(4526" in str(info.value)
    with pytest.raises(CRSError) as info:
        check_crs(parcels(4526, (560_000.0, 3_580_000.0)))
    assert "不带带号" in str(info.value) and "set_crs(4547" in str(info.value)


def test_guard_swapped_axes_and_wrong_units():
    with pytest.raises(CRSError, match="坐标轴颠倒了"):
        check_crs(parcels(4526, (3_580_000.0, 38_560_000.0)))
    # GK metres read as degrees (a wrong .prj saying EPSG:4490)
    with pytest.raises(CRSError, match=r"是米，不是度.*EPSG:4526"):
        check_crs(parcels(4490))
    # latitude and longitude swapped under EPSG:4490
    with pytest.raises(CRSError, match="经纬度颠倒了"):
        check_crs(gpd.GeoSeries([Point(32.4, 114.6)], crs=4490))
    # a parcel of zone 38 declared in zone 39 (CM 117°E): 300 km west of CM 117°E is beyond
    # the zone's 1.5° + 0.5° (188 km at 32.4°N; tests/test_bad_crs.py checks the figure)
    with pytest.raises(CRSError, match=r"对该坐标系不合理.*中央经线 117°E 的 3 度带"):
        check_crs(parcels(4527, (39_200_000.0, 3_580_000.0)))


def test_check_same_crs():
    a, b = parcels(4526), parcels(4547, (560_000.0, 3_580_000.0))
    assert check_same_crs(a, parcels(4526)).to_epsg() == 4526
    with pytest.raises(CRSError) as info:
        check_same_crs(a, b, names=("parcels", "farmland"))
    msg = str(info.value)
    assert "EPSG:4526" in msg and "EPSG:4547" in msg and "farmland.to_crs(parcels.crs)" in msg
    with pytest.raises(CRSError, match="没有坐标系"):
        check_same_crs(a, parcels(None))
    # Xi'an 1980 against CGCS2000: no to_crs advice, a datum change needs official parameters
    with pytest.raises(CRSError) as info:
        check_same_crs(a, parcels(2362), names=("parcels", "farmland"))
    msg = str(info.value)
    assert "大地基准不同（cgcs2000 和 xian1980）" in msg and "to_crs(" not in msg


def test_guard_messages_in_english_on_request():
    # the same facts as the Chinese messages above, in English with using_language("en")
    from xigeo import using_language

    with using_language("en"):
        with pytest.raises(CRSError) as info:
            check_crs(parcels(crs=None), name="拆旧区.shp")
        assert "拆旧区.shp has no CRS" in str(info.value) and "EPSG:4526" in str(info.value)
        with pytest.raises(CRSError) as info:
            check_crs(parcels(4547))
        assert "zone prefix 38" in str(info.value) and "set_crs(4526" in str(info.value)
        with pytest.raises(CRSError, match="zones 25–45"):
            gk_crs(50)
        with pytest.raises(CRSError, match=r"not plausible for the CRS.*zone of CM 117°E"):
            check_crs(parcels(4527, (39_200_000.0, 3_580_000.0)))
        with pytest.raises(CRSError) as info:
            check_same_crs(parcels(4526), parcels(2362), names=("parcels", "farmland"))
        assert "different datums (cgcs2000 and xian1980)" in str(info.value)


def test_to_survey_crs_keeps_datum_and_rounds_to_0_1_mm():
    geo = gpd.GeoDataFrame({"DLMC": ["水田"]}, geometry=[Point(114.6, 32.4)], crs=4490)
    out = to_survey_crs(geo)
    assert out.crs.to_epsg() == 4526 and out["DLMC"].tolist() == ["水田"]
    x, y = pyproj.Transformer.from_crs(4490, 4526, always_xy=True).transform(114.6, 32.4)
    assert out.geometry.x[0] == pytest.approx(round(x, 4), abs=1e-9)
    assert out.geometry.y[0] == pytest.approx(round(y, 4), abs=1e-9)
    assert re.fullmatch(r"\d+\.\d{1,4}", repr(float(out.geometry.x[0])))
    # CM-114E → zone 38 with prefix: the easting grows by exactly 38 000 000
    plain = parcels(4547, (560_000.0, 3_580_000.0))
    moved = to_survey_crs(plain)
    assert moved.crs.to_epsg() == 4526
    np.testing.assert_allclose(moved.total_bounds - plain.total_bounds,
                               [38_000_000, 0, 38_000_000, 0], atol=1e-4)
    xian = gpd.GeoSeries([Point(114.6, 32.4)], crs=4610)
    assert to_survey_crs(xian).crs.to_epsg() == 2362
    assert to_survey_crs(xian, prefix=False).crs.to_epsg() == 2383
