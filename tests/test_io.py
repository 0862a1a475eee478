"""Tests of xigeo.io: reading and writing layers with Chinese text intact.

Every file is written here, in tmp_path: GBK shapefiles are written by
GDAL (pyogrio ``encoding="gbk"``), then their .cpg is removed or replaced and
the language-driver byte of the .dbf (byte 29) patched, to make each case
met in county data. The expected strings are the ones written.
"""

from __future__ import annotations

import json
import logging
import shutil
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely import box

import xigeo
from xigeo.errors import CRSError, LayerReadError, LayerWriteError, TextEncodingWarning
from xigeo.io import read_layer, write_layer

DLMC = ["水田", "农村宅基地"]
ZLDWMC = ["息县城关镇", "息县城关镇"]
X0, Y0 = 38_569_600.0, 3_579_800.0  # GK zone 38 with prefix, inside Xi County


@pytest.fixture
def parcels() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"DLBM": ["0101", "0702"], "DLMC": DLMC, "ZLDWMC": ZLDWMC},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 50)],
        crs=4526,
    )


def _shapefile(gdf: gpd.GeoDataFrame, path: Path, *, encoding: str, cpg: str | None = None,
               ldid: int | None = None) -> Path:
    """Write ``gdf`` with GDAL in ``encoding``, then set the .cpg (None: none) and LDID byte."""
    pyogrio.write_dataframe(gdf, path, encoding=encoding)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    if ldid is not None:
        dbf = path.with_suffix(".dbf")
        data = bytearray(dbf.read_bytes())
        data[29] = ldid
        dbf.write_bytes(bytes(data))
    return path


def _no_warnings():
    return warnings.catch_warnings(action="error")


# ---------------------------------------------------------------------------
# what GDAL does on its own (the reasons for xigeo's decoding)
# ---------------------------------------------------------------------------


def test_gdal_alone_returns_mojibake_for_gbk_without_cpg(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "gbk.shp", encoding="gbk")
    assert shp.with_suffix(".dbf").read_bytes()[29] == 0  # GDAL writes no code-page byte
    raw = pyogrio.read_dataframe(shp)
    # GBK bytes CB AE CC EF ("水田") decoded as ISO-8859-1
    assert raw["DLMC"][0] == "Ë®Ìï" == "水田".encode("gbk").decode("latin-1")


def test_gdal_alone_raises_on_cpg_utf8_over_gbk(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "lie.shp", encoding="gbk", cpg="UTF-8")
    with pytest.raises(UnicodeDecodeError):
        pyogrio.read_dataframe(shp)


# ---------------------------------------------------------------------------
# encodings
# ---------------------------------------------------------------------------


def test_cpg_utf8(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "u.shp", encoding="UTF-8", cpg="UTF-8")
    with _no_warnings():
        gdf = read_layer(shp)
    assert gdf["DLMC"].tolist() == DLMC
    assert gdf["ZLDWMC"].tolist() == ZLDWMC
    assert gdf.attrs["encoding"] == "utf-8"
    assert gdf.attrs["source"] == str(shp)
    assert gdf.crs.to_epsg() == 4526


@pytest.mark.parametrize("cpg", ["GBK", "gbk", "936", "CP936", "ANSI 936", "GB2312", "GB18030"])
def test_cpg_gbk_family(parcels, tmp_path, cpg):
    shp = _shapefile(parcels, tmp_path / "g.shp", encoding="gbk", cpg=cpg)
    with _no_warnings():
        gdf = read_layer(shp)
    assert gdf["DLMC"].tolist() == DLMC
    assert gdf["ZLDWMC"].tolist() == ZLDWMC
    assert gdf.attrs["encoding"] == "gb18030"  # the superset of the family


@pytest.mark.parametrize("cpg", ["UTF8", "65001", "utf-8"])
def test_cpg_utf8_spellings(parcels, tmp_path, cpg):
    # GDAL alone maps "65001" to nothing and falls back to ISO-8859-1
    shp = _shapefile(parcels, tmp_path / "u.shp", encoding="UTF-8", cpg=cpg)
    with _no_warnings():
        assert read_layer(shp)["DLMC"].tolist() == DLMC


def test_cpg_with_a_byte_order_mark(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "b.shp", encoding="gbk")
    shp.with_suffix(".cpg").write_bytes(b"\xef\xbb\xbfGBK\r\n")
    with _no_warnings():
        assert read_layer(shp)["DLMC"].tolist() == DLMC


@pytest.mark.parametrize("ldid", [0x4D, 0x7A])  # both code page 936 in the ESRI LDID table
def test_ldid_936_without_cpg(parcels, tmp_path, ldid):
    shp = _shapefile(parcels, tmp_path / "l.shp", encoding="gbk", ldid=ldid)
    with _no_warnings():
        gdf = read_layer(shp)
    assert gdf["ZLDWMC"].tolist() == ZLDWMC
    assert gdf.attrs["encoding"] == "gb18030"


@pytest.mark.parametrize("ldid", [0x00, 0x57])  # no code page / "system ANSI code page"
def test_gbk_without_any_declaration_is_detected_and_warned_once(parcels, tmp_path, ldid):
    shp = _shapefile(parcels, tmp_path / "n.shp", encoding="gbk", ldid=ldid)
    with pytest.warns(TextEncodingWarning) as record:
        gdf = read_layer(shp)
    assert len(record) == 1
    assert "GB18030" in str(record[0].message) and "n.shp" in str(record[0].message)
    assert gdf["DLMC"].tolist() == DLMC
    assert gdf["ZLDWMC"].tolist() == ZLDWMC
    assert gdf.attrs["encoding"] == "gb18030"


def test_utf8_without_cpg_is_detected(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "n.shp", encoding="UTF-8")
    with pytest.warns(TextEncodingWarning, match="UTF-8"):
        gdf = read_layer(shp)
    assert gdf["DLMC"].tolist() == DLMC
    assert gdf.attrs["encoding"] == "utf-8"


def test_gbk_field_names_are_decoded(parcels, tmp_path):
    named = parcels.rename(columns={"DLMC": "地类名称"})  # 8 bytes in GBK, fits the DBF
    shp = _shapefile(named, tmp_path / "f.shp", encoding="gbk")
    with pytest.warns(TextEncodingWarning):
        gdf = read_layer(shp)
    assert "地类名称" in gdf.columns
    assert gdf["地类名称"].tolist() == DLMC


def test_encoding_argument_wins_over_a_lying_cpg(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "lie.shp", encoding="gbk", cpg="UTF-8")
    with _no_warnings():
        gdf = read_layer(shp, encoding="gbk")
    assert gdf["DLMC"].tolist() == DLMC
    assert gdf.attrs["encoding"] == "gb18030"


def test_encoding_argument_wins_over_the_ldid(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "l.shp", encoding="UTF-8", ldid=0x4D)
    with _no_warnings():
        assert read_layer(shp, encoding="utf-8")["DLMC"].tolist() == DLMC


def test_cpg_utf8_over_gbk_is_refused_with_the_fix(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "lie.shp", encoding="gbk", cpg="UTF-8")
    with pytest.raises(LayerReadError) as err:
        read_layer(shp)
    text = str(err.value)
    assert "lie.shp" in text and "'DLMC'" in text and "行号：0, 1" in text
    assert "encoding='gbk'" in text and "'水田'" in text


def test_cpg_gbk_over_utf8_is_refused(parcels, tmp_path):
    # GDAL alone returns '姘寸敯' for '水田' here, and warns only once per process
    shp = _shapefile(parcels, tmp_path / "lie2.shp", encoding="UTF-8", cpg="GBK")
    with pytest.raises(LayerReadError, match="encoding='utf-8'"):
        read_layer(shp)


def test_wrong_encoding_argument_is_refused(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "g.shp", encoding="gbk", cpg="GBK")
    with pytest.raises(LayerReadError, match="不是有效的 utf-8.*encoding='gbk'"):
        read_layer(shp, encoding="utf-8")
    with pytest.raises(LayerReadError, match="未知编码 'no-such-codec'"):
        read_layer(shp, encoding="no-such-codec")


def test_latin1_text_without_declaration_is_refused(tmp_path):
    gdf = gpd.GeoDataFrame({"NAME": ["Café"]}, geometry=[box(0, 0, 1, 1)], crs=4490)
    shp = _shapefile(gdf, tmp_path / "w.shp", encoding="ISO-8859-1")
    with pytest.raises(LayerReadError, match="无法判断其文本编码"):
        read_layer(shp)
    assert read_layer(shp, encoding="latin-1")["NAME"].tolist() == ["Café"]


def test_ascii_only_needs_no_guess(tmp_path):
    gdf = gpd.GeoDataFrame({"DLBM": ["0101"]}, geometry=[box(X0, Y0, X0 + 1, Y0 + 1)], crs=4526)
    shp = _shapefile(gdf, tmp_path / "a.shp", encoding="UTF-8")
    with _no_warnings():
        back = read_layer(shp)
    assert back.attrs["encoding"] == "ascii"
    assert back["DLBM"].tolist() == ["0101"]


def test_missing_values_stay_missing(tmp_path):
    gdf = gpd.GeoDataFrame({"DLMC": ["水田", None]},
                           geometry=[box(X0, Y0, X0 + 1, Y0 + 1)] * 2, crs=4526)
    shp = _shapefile(gdf, tmp_path / "m.shp", encoding="gbk", cpg="GBK")
    back = read_layer(shp)
    assert back["DLMC"][0] == "水田" and pd.isna(back["DLMC"][1])


# ---------------------------------------------------------------------------
# formats
# ---------------------------------------------------------------------------


def test_geopackage_layers(parcels, tmp_path):
    path = tmp_path / "xj.gpkg"
    write_layer(parcels, path, layer="dltb")
    write_layer(parcels.iloc[:1], path, layer="jbnt")
    with pytest.raises(LayerReadError, match="含 2 个图层：dltb, jbnt。请用 layer= 指定"):
        read_layer(path)
    with pytest.raises(LayerReadError, match="没有图层 'zz'；其图层为：dltb, jbnt"):
        read_layer(path, layer="zz")
    gdf = read_layer(path, layer="jbnt")
    assert gdf["DLMC"].tolist() == DLMC[:1]
    assert gdf.attrs == {"source": str(path), "layer": "jbnt"}


def test_geojson_round_trip(parcels, tmp_path):
    path = write_layer(parcels, tmp_path / "xj.geojson")
    gdf = read_layer(path)
    assert gdf["ZLDWMC"].tolist() == ZLDWMC
    assert gdf.crs.to_epsg() == 4526


def test_geojson_in_gbk(tmp_path):
    # RFC 7946 says UTF-8; some tools write the local code page anyway
    path = tmp_path / "gbk.geojson"
    feature = {"type": "Feature", "properties": {"ZLDWMC": "息县城关镇"},
               "geometry": {"type": "Point", "coordinates": [114.74, 32.34]}}
    text = json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False)
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(LayerReadError, match="不是有效的 UTF-8.*encoding='gbk'"):
        read_layer(path)
    assert read_layer(path, encoding="gbk")["ZLDWMC"].tolist() == ["息县城关镇"]


def test_filegdb_round_trip(parcels, tmp_path):
    path = tmp_path / "xj.gdb"
    layer = parcels.assign(BSM=np.array([1, 2], dtype="int64"))
    write_layer(layer, path, layer="DLTB")
    write_layer(layer.iloc[:1], path, layer="JBNTBHTB")
    assert path.is_dir()
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["DLTB", "JBNTBHTB"]
    gdf = read_layer(path, layer="DLTB")
    assert gdf["DLMC"].tolist() == DLMC
    assert gdf["BSM"].tolist() == [1, 2]  # int64 stored as int32 (ArcGIS 10.x has no int64)
    assert gdf.crs.to_epsg() == 4526
    assert gdf.geometry.area.tolist() == [10_000.0, 5_000.0]


def test_geoparquet_round_trip(parcels, tmp_path):
    path = write_layer(parcels.set_index(pd.Index(["a", "b"], name="BSM")), tmp_path / "xj.parquet")
    gdf = read_layer(path)
    assert gdf["DLMC"].tolist() == DLMC
    assert gdf.index.tolist() == ["a", "b"]
    assert gdf.crs.to_epsg() == 4526
    with pytest.raises(LayerReadError, match="只有一个图层"):
        read_layer(path, layer="dltb")


# ---------------------------------------------------------------------------
# zip
# ---------------------------------------------------------------------------


def _zip(zip_path: Path, files: dict[str, Path]) -> Path:
    with zipfile.ZipFile(zip_path, "w") as zf:
        for arcname, src in files.items():
            zf.write(src, arcname)
    return zip_path


def _parts(shp: Path) -> list[Path]:
    return sorted(p for p in shp.parent.iterdir() if p.stem == shp.stem)


def test_zip_with_shapefile_in_a_subfolder(parcels, tmp_path, monkeypatch):
    shp = _shapefile(parcels, tmp_path / "dltb.shp", encoding="gbk", cpg="GBK")
    z = _zip(tmp_path / "data.zip", {f"息县/2023/{p.name}": p for p in _parts(shp)})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    gdf = read_layer(z)
    assert gdf["DLMC"].tolist() == DLMC
    assert gdf.attrs["source"] == str(z)
    assert gdf.attrs["layer"] == "息县/2023/dltb.shp"
    assert gdf.attrs["encoding"] == "gb18030"
    assert list(scratch.iterdir()) == []  # the extraction folder is gone


def test_zip_with_several_shapefiles_needs_layer(parcels, tmp_path):
    a = _shapefile(parcels, tmp_path / "dltb.shp", encoding="UTF-8", cpg="UTF-8")
    b = _shapefile(parcels.iloc[:1], tmp_path / "jbnt.shp", encoding="UTF-8", cpg="UTF-8")
    files = {f"a/{p.name}": p for p in _parts(a)} | {f"b/{p.name}": p for p in _parts(b)}
    z = _zip(tmp_path / "two.zip", files)
    with pytest.raises(LayerReadError, match="含 2 个图层：a/dltb.shp, b/jbnt.shp"):
        read_layer(z)
    assert len(read_layer(z, layer="jbnt")) == 1
    assert len(read_layer(z, layer="a/dltb.shp")) == 2


def test_zip_with_a_geopackage(parcels, tmp_path):
    gpkg = tmp_path / "xj.gpkg"
    write_layer(parcels, gpkg, layer="dltb")
    write_layer(parcels, gpkg, layer="jbnt")
    z = _zip(tmp_path / "g.zip", {"out/xj.gpkg": gpkg})
    gdf = read_layer(z, layer="jbnt")
    assert gdf.attrs["layer"] == "jbnt" and gdf["DLMC"].tolist() == DLMC


class _GBKNameInfo(zipfile.ZipInfo):
    """A member name stored in GBK without the UTF-8 flag, as Chinese Windows zip tools do."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
        return self.filename.encode("gbk"), self.flag_bits


def test_zip_member_names_in_gbk(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "dltb.shp", encoding="UTF-8", cpg="UTF-8")
    z = tmp_path / "gbk-names.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in _parts(shp):
            zf.writestr(_GBKNameInfo(f"地类图斑{p.suffix}"), p.read_bytes())
    gdf = read_layer(z)
    assert gdf.attrs["layer"] == "地类图斑.shp"
    assert gdf["DLMC"].tolist() == DLMC


@pytest.mark.parametrize("member", ["../evil.shp", "/tmp/evil.shp", "a/../../evil.shp",
                                    "C:/evil.shp", "..\\evil.shp"])
def test_zip_escaping_the_folder_is_refused(parcels, tmp_path, member):
    shp = _shapefile(parcels, tmp_path / "dltb.shp", encoding="UTF-8", cpg="UTF-8")
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in _parts(shp):
            zf.write(p, f"ok/{p.name}")
        zf.writestr(zipfile.ZipInfo(member), b"x")
    before = set(tmp_path.parent.iterdir())
    with pytest.raises(LayerReadError, match="不安全"):
        read_layer(z)
    assert set(tmp_path.parent.iterdir()) == before


def test_damaged_zip(tmp_path):
    z = tmp_path / "bad.zip"
    z.write_bytes(b"PK not really a zip")
    with pytest.raises(LayerReadError, match="不是可读的 .zip"):
        read_layer(z)


# ---------------------------------------------------------------------------
# broken files
# ---------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(LayerReadError, match="nope.shp：文件或文件夹不存在"):
        read_layer(tmp_path / "nope.shp")
    with xigeo.using_language("en"), pytest.raises(LayerReadError, match="nope.shp: no such file"):
        read_layer(tmp_path / "nope.shp")


def test_missing_shx_names_it_and_the_fix(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "s.shp", encoding="UTF-8", cpg="UTF-8")
    shp.with_suffix(".shx").unlink()
    with pytest.raises(LayerReadError, match=r"缺少 s\.shx.*SHAPE_RESTORE_SHX"):
        read_layer(shp)


def test_missing_dbf(parcels, tmp_path):
    # GDAL alone reads geometries only, silently
    shp = _shapefile(parcels, tmp_path / "s.shp", encoding="UTF-8", cpg="UTF-8")
    shp.with_suffix(".dbf").unlink()
    assert list(pyogrio.read_dataframe(shp).columns) == ["geometry"]
    with pytest.raises(LayerReadError, match=r"缺少 s\.dbf"):
        read_layer(shp)


def test_truncated_shp(parcels, tmp_path):
    # GDAL alone returns None geometries without an error or a warning
    shp = _shapefile(parcels, tmp_path / "t.shp", encoding="UTF-8", cpg="UTF-8")
    data = shp.read_bytes()
    shp.write_bytes(data[: len(data) // 2])
    assert pyogrio.read_dataframe(shp).geometry.isna().all()
    with pytest.raises(LayerReadError, match=f"不完整：文件头为 {len(data):,} 字节"):
        read_layer(shp)


def test_truncated_shp_with_patched_header(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "t.shp", encoding="UTF-8", cpg="UTF-8")
    data = bytearray(shp.read_bytes())
    cut = data[: len(data) - 40]
    cut[24:28] = struct.pack(">i", len(cut) // 2)
    shp.write_bytes(bytes(cut))
    with pytest.raises(LayerReadError, match="不完整：t.shx 中第 1 个图形"):
        read_layer(shp)


def test_truncated_dbf(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "t.shp", encoding="UTF-8", cpg="UTF-8")
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[:-100])
    with pytest.raises(LayerReadError, match=r"t\.dbf 不完整"):
        read_layer(shp)


def test_parts_that_do_not_belong_together(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "a.shp", encoding="UTF-8", cpg="UTF-8")
    other = _shapefile(parcels.iloc[:1], tmp_path / "b.shp", encoding="UTF-8", cpg="UTF-8")
    shutil.copy(other.with_suffix(".dbf"), shp.with_suffix(".dbf"))
    with pytest.raises(LayerReadError, match="列出 2 个图形，但 a.dbf 有 1 条记录"):
        read_layer(shp)


def test_garbage_files_wrap_gdal_errors(tmp_path):
    bad_shp = tmp_path / "g.shp"
    bad_shp.write_bytes(b"hello" * 40)
    with pytest.raises(LayerReadError, match="文件头错误"):
        read_layer(bad_shp)
    bad_gpkg = tmp_path / "g.gpkg"
    bad_gpkg.write_text("not a database")
    with pytest.raises(LayerReadError, match="g.gpkg：无法打开") as err:
        read_layer(bad_gpkg)
    assert isinstance(err.value.__cause__, pyogrio.errors.DataSourceError)
    bad_parquet = tmp_path / "g.parquet"
    bad_parquet.write_text("nope")
    with pytest.raises(LayerReadError, match="GeoParquet"):
        read_layer(bad_parquet)


def test_a_folder_or_a_sidecar_is_not_a_layer(parcels, tmp_path):
    shp = _shapefile(parcels, tmp_path / "s.shp", encoding="UTF-8", cpg="UTF-8")
    with pytest.raises(LayerReadError, match="是文件夹，不是图层"):
        read_layer(tmp_path)
    with pytest.raises(LayerReadError, match="请读取旁边的 .shp"):
        read_layer(shp.with_suffix(".dbf"))


# ---------------------------------------------------------------------------
# CRS
# ---------------------------------------------------------------------------


def test_crs_argument_fills_a_missing_prj(parcels, tmp_path, caplog):
    shp = _shapefile(parcels, tmp_path / "p.shp", encoding="UTF-8", cpg="UTF-8")
    shp.with_suffix(".prj").unlink()
    with caplog.at_level(logging.WARNING, logger="xigeo.io"):
        assert read_layer(shp).crs is None
    assert "p.shp 没有坐标系" in caplog.text and "crs=4526" in caplog.text
    assert read_layer(shp, crs=4526).crs.to_epsg() == 4526


def test_crs_argument_wins_and_is_logged(parcels, tmp_path, caplog):
    shp = _shapefile(parcels, tmp_path / "p.shp", encoding="UTF-8", cpg="UTF-8")
    with caplog.at_level(logging.INFO, logger="xigeo.io"):
        gdf = read_layer(shp, crs="EPSG:4547")
    assert gdf.crs.to_epsg() == 4547
    assert gdf.geometry.total_bounds[0] == X0  # relabelled, not reprojected
    message = next(r.getMessage() for r in caplog.records if "crs=" in r.getMessage())
    assert "EPSG:4526" in message and "EPSG:4547" in message


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def test_shapefile_gets_a_utf8_cpg_and_round_trips(parcels, tmp_path):
    path = write_layer(parcels, tmp_path / "out.shp")
    assert path == tmp_path / "out.shp"
    assert (tmp_path / "out.cpg").read_text() == "UTF-8"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out.cpg", "out.dbf", "out.prj", "out.shp", "out.shx"]
    back = read_layer(path)
    assert back["DLMC"].tolist() == DLMC
    assert back.crs.to_epsg() == 4526


def test_existing_file_needs_overwrite(parcels, tmp_path):
    path = write_layer(parcels, tmp_path / "out.shp")
    (tmp_path / "out.qix").write_bytes(b"stale index")
    with pytest.raises(LayerWriteError, match=r"out\.shp 已存在：如要替换请用 overwrite=True"):
        write_layer(parcels.iloc[:1], path)
    assert len(read_layer(path)) == 2
    write_layer(parcels.iloc[:1], path, overwrite=True)
    assert len(read_layer(path)) == 1
    assert not (tmp_path / "out.qix").exists()  # would describe the old shapes


def test_never_overwrites_its_source(parcels, tmp_path):
    for name in ("src.shp", "src.gpkg"):
        path = write_layer(parcels, tmp_path / name)
        gdf = read_layer(path)
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.stem == "src"}
        with pytest.raises(LayerWriteError, match="正是此图层读取的源文件"):
            write_layer(gdf, tmp_path / "." / name, overwrite=True)
        if name.endswith(".gpkg"):
            with pytest.raises(LayerWriteError, match="从不覆盖输入文件"):
                write_layer(gdf, tmp_path / name, layer="another")
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.stem == "src"} == before


def test_long_field_names_are_refused_not_truncated(parcels, tmp_path):
    # GDAL alone cuts '地类名称长' to 10 bytes, in the middle of a character
    wide = parcels.rename(columns={"DLMC": "地类名称", "ZLDWMC": "坐落单位名称"})
    with pytest.raises(LayerWriteError) as err:
        write_layer(wide, tmp_path / "w.shp")
    text = str(err.value)
    assert "'地类名称'（12 字节）" in text and "'坐落单位名称'（18 字节）" in text
    assert "GeoPackage" in text
    assert list(tmp_path.iterdir()) == []
    assert read_layer(write_layer(wide, tmp_path / "w.gpkg"))["坐落单位名称"].tolist() == ZLDWMC
    ok = parcels.rename(columns={"DLMC": "地类名"})  # 9 bytes
    assert read_layer(write_layer(ok, tmp_path / "ok.shp"))["地类名"].tolist() == DLMC


def test_long_text_is_refused_for_shapefiles(parcels, tmp_path):
    long = parcels.assign(BZ=["说明" * 43, "短"])  # 258 bytes in UTF-8
    with pytest.raises(LayerWriteError, match=r"'BZ'（行号：0）.*254 字节"):
        write_layer(long, tmp_path / "l.shp")
    assert list(tmp_path.iterdir()) == []


def test_no_crs_is_refused(parcels, tmp_path):
    with pytest.raises(CRSError, match="拒绝写出没有坐标系的"):
        write_layer(parcels.set_crs(None, allow_override=True), tmp_path / "n.shp")
    assert list(tmp_path.iterdir()) == []


def test_unknown_suffix(parcels, tmp_path):
    with pytest.raises(LayerWriteError, match="无法从 '.kml' 判断格式"):
        write_layer(parcels, tmp_path / "x.kml")


def test_failed_write_leaves_nothing_behind(parcels, tmp_path, monkeypatch):
    path = write_layer(parcels, tmp_path / "keep.gpkg")
    original = path.read_bytes()

    def half_written(self, filename, **kwargs):
        Path(filename).write_bytes(b"half a file")
        raise pyogrio.errors.DataSourceError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", half_written)
    with pytest.raises(LayerWriteError, match="disk full"):
        write_layer(parcels, path, overwrite=True)
    with pytest.raises(LayerWriteError):
        write_layer(parcels, tmp_path / "new.shp")
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.gpkg"]


def test_geopackage_layers_are_added_and_replaced(parcels, tmp_path):
    path = write_layer(parcels, tmp_path / "xj.gpkg", layer="dltb")
    write_layer(parcels.iloc[:1], path, layer="jbnt")
    with pytest.raises(LayerWriteError, match="xj.gpkg 的图层 'dltb' 已存在"):
        write_layer(parcels.iloc[:1], path, layer="dltb")
    write_layer(parcels.iloc[:1], path, layer="dltb", overwrite=True)
    assert len(read_layer(path, layer="dltb")) == 1
    assert len(read_layer(path, layer="jbnt")) == 1


def test_filegdb_is_replaced_whole(parcels, tmp_path):
    path = write_layer(parcels, tmp_path / "xj.gdb", layer="DLTB")
    with pytest.raises(LayerWriteError, match="已存在"):
        write_layer(parcels, path)
    write_layer(parcels.iloc[:1], path, overwrite=True)
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["xj"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xj.gdb"]


def test_one_layer_formats_refuse_a_layer_name(parcels, tmp_path):
    with pytest.raises(LayerWriteError, match="只有一个以文件名命名的图层"):
        write_layer(parcels, tmp_path / "x.geojson", layer="dltb")


def test_messages_in_english_on_request(parcels, tmp_path):
    """The same facts in English (xigeo.using_language("en")): file, field, rows, the fix."""
    shp = _shapefile(parcels, tmp_path / "lie.shp", encoding="gbk", cpg="UTF-8")
    with xigeo.using_language("en"), pytest.raises(LayerReadError) as err:
        read_layer(shp)
    text = str(err.value)
    assert "lie.shp: its .cpg says 'UTF-8' but the text of field 'DLMC' (rows 0, 1)" in text
    assert "It reads as GB18030 (e.g. '水田'): pass encoding='gbk'" in text
    with xigeo.using_language("en"), pytest.raises(LayerReadError, match="holds one layer: leave layer= out"):
        read_layer(write_layer(parcels, tmp_path / "a.parquet"), layer="x")
    with xigeo.using_language("en"), pytest.raises(LayerWriteError, match=r"a\.parquet exists: pass overwrite=True"):
        write_layer(parcels, tmp_path / "a.parquet")
    with xigeo.using_language("en"), pytest.raises(LayerWriteError) as err:
        write_layer(parcels.assign(地类名称="x"), tmp_path / "w.shp")
    assert "field names longer than the 10 bytes a shapefile allows" in str(err.value)
    assert "'地类名称' (12 bytes)" in str(err.value)
    with xigeo.using_language("en"), pytest.raises(CRSError, match="refusing to write .*n.shp without a CRS"):
        write_layer(parcels.set_crs(None, allow_override=True), tmp_path / "n.shp")


def test_cli_messages_chinese_by_default_english_with_lang_en(parcels, tmp_path, capsys):
    """A read error and a write refusal from xigeo.io / xigeo._files as the command prints them:
    Chinese by default, English with ``--lang en``, the fix a flag in both."""
    from xigeo.cli import main

    shp = _shapefile(parcels, tmp_path / "lie.shp", encoding="gbk", cpg="UTF-8")
    assert main(["area", str(shp)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("xigeo: 错误：") and "lie.shp：其 .cpg 为 'UTF-8'" in err, err
    assert "行号：0, 1" in err and "--encoding gbk" in err and "encoding='gbk'" not in err
    assert main(["--lang", "en", "area", str(shp)]) == 1
    err = capsys.readouterr().err
    assert "lie.shp: its .cpg says 'UTF-8' but the text of field 'DLMC' (rows 0, 1)" in err, err
    assert "give --encoding gbk" in err and "其" not in err

    good = write_layer(parcels, tmp_path / "good.gpkg")
    out = tmp_path / "面积.csv"
    out.mkdir()  # a folder where the table should go: never replaced
    assert main(["area", str(good), "-o", str(out), "--overwrite"]) == 1
    err = capsys.readouterr().err
    assert "面积.csv 是文件夹；xigeo 从不删除或替换文件夹（--overwrite 对此无效）" in err, err
    assert main(["--lang", "en", "area", str(good), "-o", str(out), "--overwrite"]) == 1
    err = capsys.readouterr().err
    assert "面积.csv is a folder; xigeo never deletes or replaces a folder (--overwrite does not apply)" in err, err
    assert out.is_dir() and not list(out.iterdir())
