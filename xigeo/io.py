"""Reading and writing vector layers, with Chinese text kept intact.

:func:`read_layer` reads Shapefiles (also inside a .zip, in any subfolder),
GeoPackage, GeoJSON, FileGDB (GDAL's OpenFileGDB driver) and GeoParquet into
a :class:`geopandas.GeoDataFrame` whose ``attrs`` record where it came from:

- ``attrs["source"]``: the path given (the .zip for a zipped layer);
- ``attrs["layer"]``: the ``layer=`` value that reads this layer again
  (GeoPackage / FileGDB layer name, or the member path inside a .zip);
- ``attrs["encoding"]``: for shapefiles, the Python codec the text was
  decoded with (``"utf-8"``, ``"gb18030"``, ``"cp1252"``…, ``"ascii"`` when
  the file holds no non-ASCII text).

Text encoding of shapefiles
---------------------------
The .dbf of a shapefile has no fixed encoding. xigeo reads the raw bytes
(GDAL told to pass them through as ISO-8859-1, which is lossless) and
decodes them itself, strictly, in this order:

1. ``encoding=`` given: that codec, for every byte of text.
2. a ``.cpg`` file: its code page. ``UTF-8``/``UTF8``/``65001`` mean UTF-8;
   ``GBK``, ``936``, ``CP936``, ``ANSI 936``, ``GB2312`` and ``GB18030`` are
   all decoded as GB18030, the superset of the family.
3. the language-driver byte of the .dbf header (byte 29, e.g. 0x4D or 0x7A
   for code page 936), from the ESRI table GDAL uses.
4. nothing usable (no .cpg, byte 0x00 or 0x57 "system ANSI code page"): the
   text is decoded as UTF-8 if it is valid UTF-8, else as GB18030 if it is
   valid GB18030 and reads as Chinese; a :class:`~xigeo.errors.TextEncodingWarning`
   says which (once per file). Otherwise :class:`~xigeo.errors.LayerReadError`.

Text that is not valid in the declared encoding (a .cpg saying UTF-8 over
GBK bytes, or the reverse) raises :class:`~xigeo.errors.LayerReadError`
naming the field, the rows and the ``encoding=`` to pass; xigeo never returns
replacement characters or None for text it could not decode.

Writing
-------
:func:`write_layer` picks the format from the suffix, writes into a
temporary folder next to the target, checks that it reads back (feature
count), and links it into place without replacing anything it was not asked
to (an existing file, or one another process wrote meanwhile); it never
overwrites the file a layer was read from or a folder, replaces a shapefile
as a set (the old set is put back on failure, and a swap a killed process
left is finished by the next write; see :mod:`xigeo._writer`), always gives
shapefiles a UTF-8 ``.cpg``, refuses what a format would silently damage
(field names differing only in case, shapefile field names over 10 bytes,
text over 254 bytes) and warns (:class:`~xigeo.errors.LossyWriteWarning`)
about what a shapefile changes (datetimes, ``""``).

Examples
--------
>>> import tempfile, pathlib
>>> import geopandas as gpd
>>> from shapely import box
>>> parcels = gpd.GeoDataFrame({"DLMC": ["水田"]}, geometry=[box(0, 0, 10, 10)], crs=4547)
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = pathlib.Path(tmp.name)
>>> write_layer(parcels, folder / "dltb.shp").name
'dltb.shp'
>>> back = read_layer(folder / "dltb.shp")
>>> back.loc[0, "DLMC"], back.attrs["encoding"], back.crs.to_epsg()
('水田', 'utf-8', 4547)
>>> tmp.cleanup()
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import shutil
import stat
import struct
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors

from . import _writer
from ._files import same_file
from ._lang import msg
from .crs import normalize_crs
from .errors import CRSError, LayerReadError, LayerWriteError, TextEncodingWarning, fix, format_ids

__all__ = ["read_layer", "write_layer"]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike

# ---------------------------------------------------------------------------
# formats
# ---------------------------------------------------------------------------

_WRITE_DRIVERS = {
    ".shp": "ESRI Shapefile",
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gdb": "OpenFileGDB",
    ".parquet": "Parquet",
    ".geoparquet": "Parquet",
}
_PARQUET = (".parquet", ".geoparquet")
_MULTI_LAYER = (".gpkg", ".gdb")
_DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".parquet", ".geoparquet")

# the parts of a shapefile, and sidecars that describe the old data and must go when it is replaced
_SHAPEFILE_PARTS = _writer.SHAPEFILE_PARTS
_STALE_SIDECARS = _writer.STALE_SIDECARS

_GDAL_ERRORS: tuple[type[BaseException], ...] = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    RuntimeError,
    OSError,
    ValueError,
)

_WRITE_ERRORS: tuple[type[BaseException], ...] = (*_GDAL_ERRORS, ImportError, TypeError)

# ---------------------------------------------------------------------------
# encodings
# ---------------------------------------------------------------------------

# DBF language-driver id (byte 29) -> Windows code page, the table GDAL uses
# (ogr/ogrsf_frmts/shape/ogrshapelayer.cpp, ConvertCodePage). 0x57 (87) means
# "the system's ANSI code page", which is unknown here, so it is not listed.
_LDID_CODEPAGE = {
    1: 437, 2: 850, 3: 1252, 4: 10000, 8: 865, 10: 850, 11: 437, 13: 437, 14: 850,
    15: 437, 16: 850, 17: 437, 18: 850, 19: 932, 20: 850, 21: 437, 22: 850, 23: 865,
    24: 437, 25: 437, 26: 850, 27: 437, 28: 863, 29: 850, 31: 852, 34: 852, 35: 852,
    36: 860, 37: 850, 38: 866, 55: 850, 64: 852, 77: 936, 78: 949, 79: 950, 80: 874,
    88: 1252, 89: 1252, 100: 852, 101: 866, 102: 865, 103: 861, 104: 895, 105: 620,
    106: 737, 107: 857, 108: 863, 120: 950, 121: 949, 122: 936, 123: 932, 124: 874,
    134: 737, 135: 852, 136: 857, 150: 10007, 151: 10029, 200: 1250, 201: 1251,
    202: 1254, 203: 1253, 204: 1257,
}
_GB_FAMILY = {"GBK", "CP936", "936", "MS936", "WINDOWS-936", "GB2312", "GB-2312", "EUC-CN",
              "GB18030", "GB-18030", "CSGB2312", "CHINESE"}
_UTF8_NAMES = {"UTF-8", "UTF8", "65001", "CP65001", "UTF-8-SIG"}

# characters GB18030 text from Chinese survey data is made of (besides ASCII):
# CJK ideographs, CJK and full-width punctuation, Greek/Cyrillic, Roman and
# circled numerals, a few Latin-1 signs present in GB2312 (° ± · × ÷)
_CHINESE_TEXT = re.compile(
    "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
    "\u2010-\u206f\u2100-\u218f\u2460-\u24ff\u2500-\u257f\u0391-\u03c9\u0401-\u0451"
    "\u00b0\u00b1\u00b7\u00d7\u00f7\u00a4\u00a7\u00a8]"
)
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def _codec(name: str) -> str:
    """Python codec name for an encoding name (GB family -> gb18030); KeyError if unknown."""
    key = name.strip().upper().replace("_", "-")
    if key.startswith("ANSI "):
        key = key[5:].strip()
    if key in _UTF8_NAMES:
        return "utf-8"
    if key in _GB_FAMILY:
        return "gb18030"
    if key.isdigit():
        key = "CP" + key
    if key.startswith("8859"):
        key = "ISO-8859-" + key[4:].lstrip("-")
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise KeyError(name) from None


def _user_codec(encoding: str) -> str:
    try:
        return _codec(encoding)
    except KeyError:
        raise LayerReadError(msg(
            f"未知编码 {encoding!r}：请使用 Python 编码名，如 'gbk'、'gb18030'、'utf-8' 或 'cp1252'",
            f"unknown encoding {encoding!r}: use a Python codec name such as 'gbk', "
            "'gb18030', 'utf-8' or 'cp1252'"
        )) from None


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def read_layer(path: PathLike, *, layer: str | None = None, encoding: str | None = None,
               crs: Any = None, zip_max_mb: float | None = None,
               zip_max_ratio: float | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer into a GeoDataFrame, keeping Chinese text intact.

    Parameters
    ----------
    path : str or path-like
        A .shp, .gpkg, .geojson/.json, .gdb folder (FileGDB), .parquet
        (GeoParquet), or a .zip holding one of these (in any subfolder).
        Other formats GDAL reads are passed to it as they are.
    layer : str, optional
        Which layer: the layer name in a GeoPackage or FileGDB; in a .zip, the
        member path (``"sub/dltb.shp"``) or its name (``"dltb"``), or the
        layer of the one GeoPackage/FileGDB inside. Needed when there are
        several; the error lists them.
    encoding : str, optional
        Text encoding of a shapefile's .dbf (``"gbk"``, ``"utf-8"``…). It wins
        over the .cpg and the .dbf's code-page byte. For other formats it is
        passed on to GDAL.
    crs : optional
        The CRS (EPSG code, WKT, pyproj.CRS) of a file whose .prj is missing.
        If the file has a different CRS, ``crs`` wins: the layer is relabelled
        (not reprojected) and both CRSs are logged at INFO.
    zip_max_mb, zip_max_ratio : float, optional
        Limits on what a .zip may unpack to, against zip bombs: in all
        (default 4096 MB, or the environment variable ``XIGEO_ZIP_MAX_MB``),
        and per member larger than 10 MB, the ratio of its unpacked to its
        packed size (default 200, or ``XIGEO_ZIP_MAX_RATIO``). A .zip beyond
        them is refused before anything is unpacked, and unpacking stops if
        a member turns out larger than it says.

    Returns
    -------
    GeoDataFrame
        With ``attrs["source"]`` (the path given), ``attrs["layer"]`` (the
        ``layer=`` that reads it again, or None) and, for shapefiles,
        ``attrs["encoding"]`` (the codec the text was decoded with).

    Raises
    ------
    LayerReadError
        Missing, unreadable or truncated file, missing .shx/.dbf, an unsafe
        .zip or one beyond the limits, several layers and no ``layer=``, text
        that cannot be decoded or that its declared single-byte code page
        (cp1252, latin-1…) would garble, a GeoPackage whose geometry blobs
        cannot be read (they would come back as None), a file that cannot be
        read (permission denied, I/O error).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = pathlib.Path(tmp.name)
    >>> g = gpd.GeoDataFrame({"ZLDWMC": ["息县城关镇"]}, geometry=[box(0, 0, 1, 1)], crs=4526)
    >>> _ = write_layer(g, folder / "zl.gpkg", layer="dltb")
    >>> _ = write_layer(g, folder / "zl.gpkg", layer="jbnt")
    >>> read_layer(folder / "zl.gpkg")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xigeo.errors.LayerReadError: ... 含 2 个图层：dltb, jbnt。请用 layer= 指定其中一个
    >>> read_layer(folder / "zl.gpkg", layer="jbnt").attrs["layer"]
    'jbnt'
    >>> tmp.cleanup()
    """
    path = Path(path)
    if path.suffix.lower() == ".shp":
        _recover_swap(path)
    if not path.exists():
        raise LayerReadError(msg(f"{path}：文件或文件夹不存在", f"{path}: no such file or folder"))
    try:
        if path.is_file() and path.suffix.lower() == ".zip":
            gdf, layer_used = _read_zip(path, layer=layer, encoding=encoding,
                                        max_mb=zip_max_mb, max_ratio=zip_max_ratio)
        else:
            gdf, layer_used = _read_path(path, layer=layer, encoding=encoding, label=str(path))
    except LayerReadError:
        raise
    except OSError as err:  # permission denied, an I/O error, a full disk while unpacking
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        raise LayerReadError(msg(
            f"{path}：无法读取：{err.strerror or err}{where}。请检查文件能否读取（权限、磁盘）后重试",
            f"{path}: cannot read it: {err.strerror or err}{where}. Check that "
            "the file can be read (permissions, disk) and try again")) from err
    gdf.attrs["source"] = str(path)
    gdf.attrs["layer"] = layer_used
    if crs is not None:
        gdf = _declare_crs(gdf, crs, str(path))
    elif gdf.crs is None:
        log.warning(msg("%s 没有坐标系（.prj 缺失）：%s", "%s has no CRS (no .prj): %s"), path,
                    msg(fix("请给 read_layer 传 crs=，如 crs=4526", "请加 --crs，如 --crs EPSG:4526"),
                        fix("pass crs= to read_layer, e.g. crs=4526", "give --crs, e.g. --crs EPSG:4526")))
    log.info(msg("已读取 %d 个要素：%s%s", "read %d features from %s%s"), len(gdf), path,
             msg(f"（图层 {layer_used}）", f" (layer {layer_used})") if layer_used else "")
    return gdf


def _recover_swap(path: Path) -> None:
    """Finish or undo a shapefile swap a killed writer left beside ``path``, before reading it.

    Without this a reader meets the half-swapped set (parts moved aside, or old and new
    parts mixed) until the next write into the folder. A folder the reader cannot write
    is left as it is (the read then reports what it finds).
    """
    from ._files import recover_swaps

    try:
        for shp in recover_swaps(path.parent):
            log.warning(msg("%s：已完成一次被中断进程留下的未完成写入",
                            "%s: finished an interrupted write that a killed process left"), shp)
    except OSError:
        pass


def _declare_crs(gdf: gpd.GeoDataFrame, crs: Any, label: str) -> gpd.GeoDataFrame:
    new = normalize_crs(crs)
    old = gdf.crs
    if old is None:
        return gdf.set_crs(new)
    if not old.equals(new):
        log.info(msg("%s：文件的坐标系为 %s，但 crs= 为 %s；采用 crs=（坐标不变）",
                     "%s: the file says %s but crs= says %s; using crs= (coordinates unchanged)"),
                 label, old.to_string(), new.to_string())
        return gdf.set_crs(new, allow_override=True)
    return gdf


@contextmanager
def _gdal_messages(label: str) -> Iterator[list[warnings.WarningMessage]]:
    """Collect the warnings GDAL raises through pyogrio and log them with the file name."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    for w in caught:
        log.warning("%s: %s", label, w.message)


def _read_path(path: Path, *, layer: str | None, encoding: str | None,
               label: str) -> tuple[gpd.GeoDataFrame, str | None]:
    suffix = path.suffix.lower()
    if path.is_dir() and suffix != ".gdb":
        raise LayerReadError(msg(
            f"{label} 是文件夹，不是图层：请给出其中的 .shp、.gpkg 或 .gdb",
            f"{label} is a folder, not a layer: give the .shp, .gpkg or .gdb inside it"
        ))
    if suffix == ".shp":
        if layer is not None and layer.lower() != path.stem.lower():
            raise LayerReadError(msg(f"{label} 只有一个图层 {path.stem!r}，没有 {layer!r}",
                                     f"{label} holds one layer, {path.stem!r}, not {layer!r}"))
        return _read_shapefile(path, encoding=encoding, label=label), None
    if suffix in (".dbf", ".shx", ".prj", ".cpg"):
        raise LayerReadError(msg(f"{label} 是 shapefile 的组成文件：请读取旁边的 .shp",
                                 f"{label} is part of a shapefile: read the .shp next to it"))
    if suffix in _PARQUET:
        if layer is not None:
            raise LayerReadError(msg(f"{label} 只有一个图层：请去掉 layer=",
                                     f"{label} holds one layer: leave layer= out"))
        return _read_parquet(path, label=label), None
    layer = _pick_layer(path, layer, label) if suffix in _MULTI_LAYER or path.is_dir() else layer
    kwargs: dict[str, Any] = {}
    if encoding is not None:
        kwargs["encoding"] = _user_codec(encoding)
    try:
        with _gdal_messages(label):
            gdf = pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except UnicodeDecodeError as err:
        raise LayerReadError(msg(
            f"{label}：其文本不是有效的 {encoding or 'UTF-8'}（第 {err.start} 字节处 {err.reason}）："
            + fix("请用 encoding= 指定正确的编码（如 encoding='gbk'）",
                  "请用 --encoding 指定正确的编码（如 --encoding gbk）"),
            f"{label}: its text is not valid {encoding or 'UTF-8'} ({err.reason} at byte "
            f"{err.start}): "
            + fix("pass encoding= with the right one (e.g. encoding='gbk')",
                  "give --encoding with the right one (e.g. --encoding gbk)")
        )) from err
    except _GDAL_ERRORS as err:
        raise LayerReadError(msg(f"{label}：无法读取：{err}", f"{label}: cannot read it: {err}")) from err
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerReadError(msg(f"{label}{f' 图层 {layer}' if layer else ''} 没有几何：它是一张表",
                                 f"{label}{f' layer {layer}' if layer else ''} has no geometry: it is a table"))
    _check_gpkg_geometries(gdf, path, layer, label)
    return gdf, layer


def _pick_layer(path: Path, layer: str | None, label: str) -> str:
    try:
        with _gdal_messages(label):
            listed = pyogrio.list_layers(path)
    except _GDAL_ERRORS as err:
        raise LayerReadError(msg(f"{label}：无法打开：{err}", f"{label}: cannot open it: {err}")) from err
    names = [str(name) for name, _ in listed]
    spatial = [str(name) for name, geom in listed if geom is not None]
    if layer is not None:
        if layer not in names:
            raise LayerReadError(msg(
                f"{label} 没有图层 {layer!r}；其图层为：{', '.join(names) or '无'}",
                f"{label} has no layer {layer!r}; its layers are: {', '.join(names) or 'none'}"
            ))
        return layer
    if len(spatial) == 1:
        return spatial[0]
    if not spatial:
        raise LayerReadError(msg(
            f"{label} 没有带几何的图层（表：{', '.join(names) or '无'}）",
            f"{label} holds no layer with geometry (tables: {', '.join(names) or 'none'})"))
    raise LayerReadError(msg(
        f"{label} 含 {len(spatial)} 个图层：{', '.join(spatial)}。请用 layer= 指定其中一个",
        f"{label} holds {len(spatial)} layers: {', '.join(spatial)}. Pass layer= with one of them"
    ))


def _check_gpkg_geometries(gdf: gpd.GeoDataFrame, path: Path, layer: str | None,
                           label: str) -> None:
    """Refuse a GeoPackage whose geometry blobs GDAL could not read (they come back as None).

    The rows without geometry are compared with the table itself (sqlite): a row whose blob
    is there but was read as None is damaged. Only when some geometry is None (cheap otherwise).
    """
    if path.suffix.lower() != ".gpkg" or not path.is_file() or layer is None:
        return
    import shapely
    import sqlite3

    missing = shapely.is_missing(np.asarray(gdf.geometry.values, dtype=object))
    if not missing.any():
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            found = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                                (layer,)).fetchone()
            pk = [r[1] for r in con.execute(f'PRAGMA table_info("{layer}")') if r[5]]
            if found is None or len(pk) != 1:
                return
            blobs = con.execute(f'SELECT "{pk[0]}", "{found[0]}" IS NOT NULL AND length("{found[0]}") > 0 '
                                f'FROM "{layer}" ORDER BY "{pk[0]}"').fetchall()
    except sqlite3.Error:
        return  # not a table sqlite can read the way GDAL does: nothing to compare
    if len(blobs) != len(gdf):
        return
    has_blob = np.array([bool(b[1]) for b in blobs], dtype=bool)
    damaged = has_blob & missing
    if damaged.any():
        fids = [blobs[i][0] for i in np.flatnonzero(damaged)]
        raise LayerReadError(msg(
            f"{label}（图层 {layer}）：{int(damaged.sum())} 行的几何已损坏，无法读取（读出来会是无几何）："
            f"行号：{format_ids(gdf.index[damaged].tolist())}（fid {format_ids(fids)}）。"
            "请向提供方要一份完好的数据，或用 ogrinfo / QGIS 检查这些行",
            f"{label} (layer {layer}): the geometry of {int(damaged.sum())} row(s) is damaged and "
            f"cannot be read (it would come back as no geometry): rows "
            f"{format_ids(gdf.index[damaged].tolist())} (fid {format_ids(fids)}). Get a good copy "
            "from the sender, or check them with ogrinfo / QGIS"))


def _read_parquet(path: Path, *, label: str) -> gpd.GeoDataFrame:
    try:
        with _gdal_messages(label):
            return gpd.read_parquet(path)
    except (ImportError, OSError, ValueError, TypeError, KeyError) as err:
        raise LayerReadError(msg(f"{label}：无法按 GeoParquet 读取：{err}",
                                 f"{label}: cannot read it as GeoParquet: {err}")) from err
    except (AttributeError, IndexError, NotImplementedError) as err:
        # e.g. a 'geo' metadata encoding ("point") that does not match the column's data (WKB)
        raise LayerReadError(msg(
            f"{label}：无法按 GeoParquet 读取：其几何列的内容与 'geo' 元数据不符"
            f"（{type(err).__name__}: {err}）。请用 geopandas 的 to_parquet 重新写出，或改用 GeoPackage 发送",
            f"{label}: cannot read it as GeoParquet: its geometry column does not hold what its "
            f"'geo' metadata says ({type(err).__name__}: {err}). Write it again with "
            "geopandas' to_parquet, or send it as GeoPackage")) from err


# --- shapefiles --------------------------------------------------------------


def _sidecar(shp: Path, ext: str) -> Path | None:
    """The file next to ``shp`` with extension ``ext`` (any case), or None."""
    for candidate in (shp.with_suffix(ext), shp.with_suffix(ext.upper())):
        if candidate.is_file():
            return candidate
    stem = shp.stem.lower()
    for sibling in shp.parent.iterdir():
        if sibling.is_file() and sibling.stem.lower() == stem and sibling.suffix.lower() == ext:
            return sibling
    return None


def _check_shapefile(shp: Path, label: str) -> dict[str, Path | None]:
    """Refuse a shapefile whose parts are missing, truncated or do not match."""
    name = shp.name
    shp_size = shp.stat().st_size
    shp_head = _head(shp, 100)
    if len(shp_head) < 100 or struct.unpack(">i", shp_head[:4])[0] != 9994:
        raise LayerReadError(msg(f"{label} 不是 shapefile 的 .shp（文件头错误）：文件已损坏",
                                 f"{label} is not a shapefile .shp (bad header): the file is damaged"))
    parts = {ext: _sidecar(shp, ext) for ext in (".shx", ".dbf", ".prj", ".cpg")}
    if parts[".shx"] is None:
        raise LayerReadError(msg(
            f"{label}：缺少 {shp.with_suffix('.shx').name}（图形的索引）。"
            "请向提供方要完整的文件组（.shp .shx .dbf .prj .cpg），或用 GDAL 重建索引："
            f"ogrinfo --config SHAPE_RESTORE_SHX YES {name}（在 Python 中：读取前调用 "
            "pyogrio.set_gdal_config_options({'SHAPE_RESTORE_SHX': 'YES'})）",
            f"{label}: {shp.with_suffix('.shx').name} is missing (the index of the shapes). "
            "Get the complete file set (.shp .shx .dbf .prj .cpg) from the sender, or rebuild "
            f"the index with GDAL: ogrinfo --config SHAPE_RESTORE_SHX YES {name} (in Python: "
            "pyogrio.set_gdal_config_options({'SHAPE_RESTORE_SHX': 'YES'}) before reading)"
        ))
    if parts[".dbf"] is None:
        raise LayerReadError(msg(
            f"{label}：缺少 {shp.with_suffix('.dbf').name}，图层没有属性（地类、图斑编号）。"
            "请向提供方要完整的文件组（.shp .shx .dbf .prj .cpg）",
            f"{label}: {shp.with_suffix('.dbf').name} is missing, so the layer has no "
            "attributes (land class, parcel ids). Get the complete file set "
            "(.shp .shx .dbf .prj .cpg) from the sender"
        ))
    shx, dbf = parts[".shx"], parts[".dbf"]
    assert shx is not None and dbf is not None
    declared = struct.unpack(">i", shp_head[24:28])[0] * 2
    if shp_size < declared:
        raise LayerReadError(msg(
            f"{label} 不完整：文件头为 {declared:,} 字节，但文件只有 {shp_size:,} 字节。请从源头重新复制",
            f"{label} is truncated: its header says {declared:,} bytes but the file has "
            f"{shp_size:,}. Copy it again from the source"
        ))
    shx_size = shx.stat().st_size
    shx_head = _head(shx, 100)
    if len(shx_head) < 100 or struct.unpack(">i", shx_head[:4])[0] != 9994 or (shx_size - 100) % 8:
        raise LayerReadError(msg(f"{label}：{shx.name} 已损坏（文件头错误或大小 {shx_size:,} 字节不对）",
                                 f"{label}: {shx.name} is damaged (bad header or size {shx_size:,} bytes)"))
    n_shapes = (shx_size - 100) // 8
    if n_shapes:
        with open(shx, "rb") as f:
            f.seek(shx_size - 8)
            offset, length = struct.unpack(">ii", f.read(8))
        end = offset * 2 + 8 + length * 2
        if end > shp_size:
            raise LayerReadError(msg(
                f"{label} 不完整：{shx.name} 中第 {n_shapes - 1} 个图形到第 {end:,} 字节，"
                f"但 .shp 只有 {shp_size:,} 字节。请从源头重新复制",
                f"{label} is truncated: {shx.name} places shape {n_shapes - 1} up to byte "
                f"{end:,} but the .shp has {shp_size:,} bytes. Copy it again from the source"
            ))
    dbf_head = _head(dbf, 32)
    if len(dbf_head) < 32:
        raise LayerReadError(msg(f"{label}：{dbf.name} 已损坏（比 .dbf 文件头还短）",
                                 f"{label}: {dbf.name} is damaged (shorter than a .dbf header)"))
    n_records, header_len, record_len = struct.unpack("<IHH", dbf_head[4:12])
    dbf_size = dbf.stat().st_size
    if dbf_size < header_len + n_records * record_len:
        raise LayerReadError(msg(
            f"{label}：{dbf.name} 不完整：文件头声明 {n_records:,} 条记录"
            f"（{header_len + n_records * record_len:,} 字节），但文件只有 {dbf_size:,} 字节。请从源头重新复制",
            f"{label}: {dbf.name} is truncated: its header announces {n_records:,} records "
            f"({header_len + n_records * record_len:,} bytes) but the file has {dbf_size:,} "
            "bytes. Copy it again from the source"
        ))
    if n_records != n_shapes:
        raise LayerReadError(msg(
            f"{label}：{shx.name} 列出 {n_shapes:,} 个图形，但 {dbf.name} 有 {n_records:,} 条记录："
            "这些文件不属于同一图层",
            f"{label}: {shx.name} lists {n_shapes:,} shapes but {dbf.name} has {n_records:,} "
            "records: the files do not belong together"
        ))
    return parts


def _head(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def _declared_encoding(parts: dict[str, Path | None], encoding: str | None) -> tuple[str | None, str]:
    """(codec, where it came from) for a shapefile; codec None when nothing says."""
    if encoding is not None:
        return _user_codec(encoding), msg(f"指定了 encoding={encoding!r}", f"encoding={encoding!r}")
    cpg = parts[".cpg"]
    ignored = ""
    if cpg is not None:
        text = _head(cpg, 200).removeprefix(codecs.BOM_UTF8).decode("ascii", errors="replace").strip()
        try:
            return _codec(text), msg(f"其 .cpg 为 {text!r}", f"its .cpg says {text!r}")
        except KeyError:
            ignored = msg(f"其 .cpg 为 {text!r}，不是已知编码",
                          f"its .cpg says {text!r}, which is no known encoding")
    dbf = parts[".dbf"]
    assert dbf is not None
    ldid = _head(dbf, 30)[29]
    if ldid in _LDID_CODEPAGE:
        cp = _LDID_CODEPAGE[ldid]
        return _codec(str(cp)), msg(f"其 .dbf 的代码页字节为 0x{ldid:02X}（代码页 {cp}）",
                                    f"the code-page byte of its .dbf is 0x{ldid:02X} (code page {cp})")
    if ignored:
        return None, ignored
    if ldid == 0x57:
        return None, msg("没有 .cpg，其 .dbf 只写了“系统 ANSI 代码页”（0x57）",
                         "it has no .cpg and its .dbf says only 'system ANSI code page' (0x57)")
    return None, msg("没有 .cpg，其 .dbf 也没有代码页字节", "it has no .cpg and no code-page byte in its .dbf")


def _read_shapefile(shp: Path, *, encoding: str | None, label: str) -> gpd.GeoDataFrame:
    parts = _check_shapefile(shp, label)
    codec, origin = _declared_encoding(parts, encoding)
    try:
        with _gdal_messages(label):
            # ISO-8859-1 passes every byte through unchanged: xigeo decodes the text itself
            # not through Arrow (use_arrow): it halves the read's CPU on a county (7.8 -> 4.2 s)
            # but raises the county report's peak memory from 1.94 to 2.08 GB, over its 2 GB
            gdf = pyogrio.read_dataframe(shp, encoding="ISO-8859-1")
    except _GDAL_ERRORS as err:
        raise LayerReadError(msg(f"{label}：无法读取：{err}", f"{label}: cannot read it: {err}")) from err
    gdf, used = _decode_text(gdf, codec=codec, origin=origin, label=label,
                             explicit=encoding is not None)
    gdf.attrs["encoding"] = used
    return gdf


def _text_columns(df: pd.DataFrame) -> list[Any]:
    geom = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    return [c for c in df.columns if c != geom
            and (pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c]))]


def _raw_values(df: pd.DataFrame) -> dict[Any, list[bytes]]:
    """Non-ASCII raw byte strings of each text column (unique values)."""
    out = {}
    for col in _text_columns(df):
        values = [v for v in df[col].dropna().unique() if isinstance(v, str) and not v.isascii()]
        if values:
            out[col] = [v.encode("latin-1") for v in values]
    return out


def _decode_all(raw: list[bytes], codec: str) -> tuple[dict[bytes, str], list[bytes]]:
    good, bad = {}, []
    for b in raw:
        try:
            good[b] = b.decode(codec)
        except UnicodeDecodeError:
            bad.append(b)
    return good, bad


def _looks_chinese(texts: list[str]) -> bool:
    joined = "".join(t for t in texts if not t.isascii())
    others = _CHINESE_TEXT.sub("", "".join(ch for ch in joined if ord(ch) > 127))
    return not others and bool(_IDEOGRAPH.search(joined))


def _guess(raw_all: list[bytes]) -> str | None:
    """utf-8 if all is valid UTF-8, gb18030 if all is valid GB18030 and reads as Chinese."""
    good, bad = _decode_all(raw_all, "utf-8")
    if not bad:
        return "utf-8"
    good, bad = _decode_all(raw_all, "gb18030")
    if not bad and _looks_chinese(list(good.values())):
        return "gb18030"
    return None


def _decode_text(gdf: gpd.GeoDataFrame, *, codec: str | None, origin: str, label: str,
                 explicit: bool) -> tuple[gpd.GeoDataFrame, str]:
    names = [c for c in gdf.columns if isinstance(c, str) and not c.isascii()]
    raw_names = [c.encode("latin-1") for c in names]
    raw_values = _raw_values(gdf)
    raw_all = raw_names + [b for values in raw_values.values() for b in values]
    if not raw_all:
        return gdf, codec or "ascii"
    if codec is None:
        guessed = _guess(raw_all)
        if guessed is None:
            raise LayerReadError(msg(
                f"{label}：无法判断其文本编码（{origin}）；既不是 UTF-8 也不是中文 GB18030。"
                + fix("请用 encoding= 指定（如 'gbk'、'utf-8'、'cp1252'）",
                      "请用 --encoding 指定（如 --encoding gbk）"),
                f"{label}: cannot tell the encoding of its text ({origin}); it is neither "
                "UTF-8 nor Chinese GB18030. "
                + fix("Pass encoding= (e.g. 'gbk', 'utf-8', 'cp1252')",
                      "Give --encoding (e.g. --encoding gbk)")
            ))
        name = {"utf-8": "UTF-8", "gb18030": "GB18030 (GBK)"}[guessed]
        warnings.warn(msg(
            f"{label}：{origin}；其文本已按 {name} 解码，这是唯一能读通的编码。"
            + fix("如需其他编码请传 encoding=", "如需其他编码请加 --encoding")
            + "；write_layer 写 shapefile 时会附 .cpg，以后不会再出现",
            f"{label}: {origin}; its text was decoded as {name}, the only encoding that "
            "reads it. "
            + fix("Pass encoding= to choose another", "Give --encoding to choose another")
            + "; write_layer gives shapefiles a .cpg so this does not recur"),
            TextEncodingWarning,
            stacklevel=5,
        )
        codec = guessed
    else:
        _check_declared(raw_names, raw_values, gdf, codec=codec, origin=origin, label=label,
                        explicit=explicit)
    rename = {c: b.decode(codec) for c, b in zip(names, raw_names)}
    out = gdf.copy()
    for col, values in raw_values.items():
        mapping = {b.decode("latin-1"): b.decode(codec) for b in values}
        # decode each distinct value once and index (a function mapped per row made 0.9 M
        # calls on a county's text fields); ASCII values are not in the mapping and stay
        column = gdf[col].to_numpy(dtype=object)
        codes, uniques = pd.factorize(column)
        decoded = np.array([mapping.get(u, u) for u in uniques] + [None], dtype=object)[codes]
        missing = codes < 0
        decoded[missing] = column[missing]  # None or NaN, as read
        out[col] = pd.Series(decoded, index=gdf.index, name=col)
    if rename:
        out = out.rename(columns=rename)
    return out, codec


def _check_declared(raw_names: list[bytes], raw_values: dict[Any, list[bytes]],
                    gdf: gpd.GeoDataFrame, *, codec: str, origin: str, label: str,
                    explicit: bool) -> None:
    """Refuse text that is not valid in the declared codec, or that the declaration misreads."""
    problems = []
    _, bad_names = _decode_all(raw_names, codec)
    if bad_names:
        problems.append(msg(f"字段名 {', '.join(repr(b.decode('latin-1')) for b in bad_names)}",
                            f"field names {', '.join(repr(b.decode('latin-1')) for b in bad_names)}"))
    for col, values in raw_values.items():
        _, bad = _decode_all(values, codec)
        if bad:
            bad_text = {b.decode("latin-1") for b in bad}
            rows = gdf.index[gdf[col].isin(bad_text)]
            problems.append(msg(f"字段 {col!r}（行号：{format_ids(rows)}）",
                                f"field {col!r} (rows {format_ids(rows)})"))
    raw_all = raw_names + [b for values in raw_values.values() for b in values]
    if problems:
        hint = _hint(raw_all)
        said = (f"{origin} but" if not explicit else f"{origin} was given but")
        raise LayerReadError(msg(
            f"{label}：{origin}，但{'；'.join(problems)}的文本不是有效的 {codec}。{hint}",
            f"{label}: {said} the text of {'; '.join(problems)} is not valid {codec}.{hint}"
        ))
    if not explicit and _single_byte(codec):
        # cp1252 / latin-1 decode any bytes, so GBK text passes the strict decoding above
        _refuse_garbling(raw_all, codec=codec, origin=origin, label=label)
    if codec != "utf-8" and not explicit:
        # a .cpg / code page saying GBK over UTF-8 bytes decodes "cleanly" into
        # the wrong characters: UTF-8 is strict enough to recognise
        utf8, bad = _decode_all(raw_all, "utf-8")
        multibyte = sum(len(s) - sum(ch.isascii() for ch in s) for s in utf8.values())
        if not bad and multibyte >= 4:
            example = next(iter(utf8.items()))
            use_utf8 = fix("encoding='utf-8'", "--encoding utf-8")
            confirm = fix(f"encoding={codec!r}", f"--encoding {codec}")
            raise LayerReadError(msg(
                f"{label}：{origin}，但其文本是 UTF-8（{example[0].decode(codec)!r} 按 {codec} "
                f"读即 UTF-8 的 {example[1]!r}）。文本是 UTF-8 请用 {use_utf8}，"
                f"或用 {confirm} 确认所声明的编码",
                f"{label}: {origin}, but its text is UTF-8 ({example[0].decode(codec)!r} "
                f"in {codec} is {example[1]!r} in UTF-8). Use {use_utf8} if the text "
                f"is UTF-8, or {confirm} to confirm the declared one"
            ))


def _single_byte(codec: str) -> bool:
    """True for a code page that maps every byte to one character (cp1252, latin-1, cp437…)."""
    if codec == "utf-8":
        return False
    try:
        return len(bytes(range(128, 256)).decode(codec, errors="replace")) == 128
    except LookupError:
        return False


def _refuse_garbling(raw_all: list[bytes], *, codec: str, origin: str, label: str) -> None:
    """A single-byte code page (cp1252, latin-1…) decodes any bytes: refuse one over GBK text."""
    from .errors import fix

    gb, bad = _decode_all(raw_all, "gb18030")
    if bad or not _looks_chinese(list(gb.values())):
        return
    raw = next(b for b in raw_all if not b.isascii())
    use_gbk = fix("encoding='gbk'", "--encoding gbk")
    confirm = fix(f"encoding={codec!r}", f"--encoding {codec}")
    raise LayerReadError(msg(
        f"{label}：{origin}，但其文本按中文 GBK 才读得通（{raw.decode(codec)!r} 按 {codec} "
        f"读即 GBK 的 {raw.decode('gb18030')!r}）：用 {codec} 会成乱码。解决：文本是 GBK 请用 {use_gbk}"
        f"（并改正或删除 .cpg），或用 {confirm} 确认所声明的编码",
        f"{label}: {origin}, but its text reads as Chinese GBK ({raw.decode(codec)!r} in {codec} "
        f"is {raw.decode('gb18030')!r} in GBK): {codec} would garble it. Fix: {use_gbk} if the "
        f"text is GBK (and correct or delete the .cpg), or {confirm} to confirm the declared one"))


def _hint(raw_all: list[bytes]) -> str:
    guessed = _guess(raw_all)
    if guessed is None:
        return msg(fix("请用 encoding= 指定正确的编码（如 'gbk'、'utf-8'）",
                       "请用 --encoding 指定正确的编码（如 --encoding gbk）"),
                   " " + fix("Pass encoding= with the right one (e.g. 'gbk', 'utf-8')",
                             "Give --encoding with the right one (e.g. --encoding gbk)"))
    good, _ = _decode_all(raw_all, guessed)
    sample = next(iter(good.values()))
    suggestion = "gbk" if guessed == "gb18030" else guessed
    use = fix(f"encoding={suggestion!r}", f"--encoding {suggestion}")
    return msg(f"按 {guessed.upper()} 可读通（如 {sample!r}）：请用 {use}（并改正或删除 .cpg）",
               f" It reads as {guessed.upper()} (e.g. {sample!r}): "
               + fix(f"pass encoding={suggestion!r}", f"give --encoding {suggestion}")
               + " (and correct or delete the .cpg)")


# --- zip ---------------------------------------------------------------------


def _member_name(info: zipfile.ZipInfo) -> str:
    """Member path, with GBK names from Chinese Windows zip tools decoded right."""
    name = info.filename
    if not info.flag_bits & 0x800 and not name.isascii():
        try:
            return name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return name
    return name


def _unsafe(name: str) -> bool:
    norm = name.replace("\\", "/")
    return (norm.startswith("/") or bool(re.match(r"^[A-Za-z]:", norm))
            or ".." in norm.split("/"))


#: what a .zip may unpack to: in all, and the unpacked/packed ratio of a member over 10 MB
_ZIP_MAX_MB = 4096.0
_ZIP_MAX_RATIO = 200.0
_ZIP_RATIO_FROM = 10 * 2**20


def _zip_limits(max_mb: float | None, max_ratio: float | None) -> tuple[int, float]:
    from ._options import positive

    env_mb, env_ratio = os.environ.get("XIGEO_ZIP_MAX_MB"), os.environ.get("XIGEO_ZIP_MAX_RATIO")
    mb = positive(max_mb if max_mb is not None else env_mb if env_mb else _ZIP_MAX_MB,
                  name="zip_max_mb" if max_mb is not None or not env_mb else "XIGEO_ZIP_MAX_MB")
    ratio = positive(max_ratio if max_ratio is not None else env_ratio if env_ratio
                     else _ZIP_MAX_RATIO, name="zip_max_ratio" if max_ratio is not None
                     or not env_ratio else "XIGEO_ZIP_MAX_RATIO")
    return int(mb * 2**20), ratio


def _zip_refusal(path: Path, what: str, keyword: str, env: str, value: float) -> LayerReadError:
    from .errors import fix

    python = f"read_layer(path, {keyword}={value:g})"
    return LayerReadError(msg(
        f"{path} 被拒绝：{what}（zip 炸弹，或图层很大）。如数据属实，请放宽限制："
        f"{fix(python, f'在 xigeo 命令前设 {env}={value:g}')}",
        f"{path} is refused: {what} (a zip bomb, or a very large layer). If the data are "
        f"genuine, raise the limit: {fix(python, f'{env}={value:g} before the xigeo command')}"))


def _extract(path: Path, folder: Path, limits: tuple[int, float] = (int(_ZIP_MAX_MB * 2**20),
                                                                      _ZIP_MAX_RATIO)) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise LayerReadError(msg(f"{path}：不是可读的 .zip（{err}）",
                                 f"{path}: not a readable .zip ({err})")) from err
    with archive:
        infos = archive.infolist()
        names = [_member_name(i) for i in infos]
        unsafe = [n for n, i in zip(names, infos)
                  if _unsafe(n) or stat.S_ISLNK(i.external_attr >> 16)]
        if unsafe:
            raise LayerReadError(msg(
                f"{path} 不安全：成员 {', '.join(unsafe[:5])} 指向解压文件夹之外"
                "（绝对路径、'..' 或链接）。请用普通相对路径重新压缩数据",
                f"{path} is unsafe: members {', '.join(unsafe[:5])} point outside the folder "
                "they would be extracted to (absolute paths, '..' or links). Re-zip the data "
                "with plain relative paths"
            ))
        max_bytes, max_ratio = limits
        for info, name in zip(infos, names):
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _ZIP_RATIO_FROM and ratio > max_ratio:
                raise _zip_refusal(
                    path, msg(f"成员 {name} 由 {info.compress_size:,} 字节解压为 "
                              f"{info.file_size:,} 字节（{ratio:,.0f} 倍），超过 {max_ratio:g} 倍的限制",
                              f"member {name} unpacks {info.compress_size:,} bytes to "
                              f"{info.file_size:,} ({ratio:,.0f} times), over the limit of "
                              f"{max_ratio:g} times"), "zip_max_ratio", "XIGEO_ZIP_MAX_RATIO",
                    float(np.ceil(ratio)))
        total = sum(i.file_size for i in infos)
        if total > max_bytes:
            raise _zip_refusal(path, msg(f"解压后共 {total:,} 字节，超过 "
                                         f"{max_bytes:,} 字节（{max_bytes / 2**20:g} MB）的限制",
                                         f"it unpacks to {total:,} bytes, over the limit of "
                                         f"{max_bytes:,} ({max_bytes / 2**20:g} MB)"),
                               "zip_max_mb", "XIGEO_ZIP_MAX_MB", float(np.ceil(total / 2**20)))
        free = shutil.disk_usage(folder).free
        if total > free:
            raise LayerReadError(msg(f"{path} 解压后 {total:,} 字节，超过 {folder} 的可用空间 "
                                     f"{free:,} 字节",
                                     f"{path} unpacks to {total:,} bytes, more than the "
                                     f"{free:,} bytes free in {folder}"))
        root = folder.resolve()
        unpacked = 0
        for info, name in zip(infos, names):
            target = (folder / name.replace("\\", "/")).resolve()
            if root not in target.parents:
                raise LayerReadError(msg(f"{path} 不安全：成员 {name} 指向文件夹之外",
                                         f"{path} is unsafe: member {name} leaves the folder"))
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, open(target, "wb") as dst:
                    written = 0
                    # the sizes in the directory can lie: count what really comes out
                    while chunk := src.read(2**20):
                        written += len(chunk)
                        unpacked += len(chunk)
                        if written > info.file_size or unpacked > max_bytes:
                            raise LayerReadError(msg(
                                f"{path} 被拒绝：成员 {name} 解压后超过其目录项所写的 "
                                f"{info.file_size:,} 字节（伪造的 zip）",
                                f"{path} is refused: member {name} unpacks to more than the "
                                f"{info.file_size:,} bytes its entry says (a forged zip)"))
                        dst.write(chunk)
            except LayerReadError:
                raise
            except (zipfile.BadZipFile, EOFError, zlib.error) as err:
                raise LayerReadError(msg(f"{path}：成员 {name} 已损坏（{err}）",
                                         f"{path}: member {name} is damaged ({err})")) from err
            except OSError as err:
                raise LayerReadError(msg(f"{path}：成员 {name} 无法解压到 {folder}"
                                         f"（{err.strerror or err}）：请腾出磁盘空间",
                                         f"{path}: member {name} cannot be unpacked into {folder} "
                                         f"({err.strerror or err}): free some disk space")) from err


def _datasets(folder: Path) -> list[str]:
    """Relative paths of the layers' files in an extracted zip, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for d in list(dirnames):
            if d.lower().endswith(".gdb"):
                found.append((here / d).relative_to(folder).as_posix())
                dirnames.remove(d)
            elif d.startswith("__MACOSX"):
                dirnames.remove(d)
        found.extend((here / f).relative_to(folder).as_posix() for f in filenames
                     if Path(f).suffix.lower() in _DATASET_SUFFIXES and not f.startswith("._"))
    return sorted(found)


def _read_zip(path: Path, *, layer: str | None, encoding: str | None,
              max_mb: float | None = None,
              max_ratio: float | None = None) -> tuple[gpd.GeoDataFrame, str | None]:
    limits = _zip_limits(max_mb, max_ratio)
    with tempfile.TemporaryDirectory(prefix="xigeo-zip-") as tmp:
        folder = Path(tmp)
        _extract(path, folder, limits)
        found = _datasets(folder)
        if not found:
            raise LayerReadError(msg(f"{path} 中没有图层（.shp、.gpkg、.geojson、.gdb、.parquet）",
                                     f"{path} holds no layer (.shp, .gpkg, .geojson, .gdb, .parquet)"))
        inner: str | None = None
        if layer is None:
            if len(found) > 1:
                raise LayerReadError(msg(
                    f"{path} 含 {len(found)} 个图层：{', '.join(found)}。请用 layer= 指定其中一个",
                    f"{path} holds {len(found)} layers: {', '.join(found)}. "
                    "Pass layer= with one of them"
                ))
            member = found[0]
        else:
            key = layer.replace("\\", "/").strip("/").lower()
            matches = [m for m in found
                       if m.lower() == key or Path(m).stem.lower() == key or Path(m).name.lower() == key]
            containers = [m for m in found if Path(m).suffix.lower() in _MULTI_LAYER]
            if len(matches) == 1:
                member = matches[0]
            elif len(matches) > 1:
                raise LayerReadError(msg(f"{path}：layer={layer!r} 匹配到 {', '.join(matches)}；"
                                         "请给出成员的完整路径",
                                         f"{path}: layer={layer!r} matches {', '.join(matches)}; "
                                         "pass the full member path"))
            elif len(containers) == 1:
                member, inner = containers[0], layer
            else:
                raise LayerReadError(msg(
                    f"{path} 没有图层 {layer!r}；其中有：{', '.join(found)}",
                    f"{path} has no layer {layer!r}; it holds: {', '.join(found)}"
                ))
        gdf, inner_used = _read_path(folder / member, layer=inner, encoding=encoding,
                                     label=f"{path}!{member}")
    # attrs["layer"]: what layer= reads this layer again
    if inner is not None or (len(found) == 1 and inner_used is not None):
        return gdf, inner_used
    return gdf, member


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def write_layer(gdf: gpd.GeoDataFrame, path: PathLike, *, layer: str | None = None,
                overwrite: bool = False, rename: dict[str, str] | None = None,
                style: object = "auto") -> Path:
    """Write a layer atomically; the format comes from the suffix.

    The data is written into a temporary folder next to ``path`` and renamed
    into place, so a failure never leaves half a file (for a shapefile, all
    its parts are replaced, and stale index files .qix/.sbn/.sbx removed).

    Parameters
    ----------
    gdf : GeoDataFrame
        Must have a CRS (a shapefile without .prj is how county data goes wrong).
    path : str or path-like
        ``.shp`` (with a UTF-8 .cpg), ``.gpkg``, ``.geojson``/``.json``,
        ``.gdb`` (FileGDB, OpenFileGDB driver) or ``.parquet`` (GeoParquet).
    layer : str, optional
        Layer name in a GeoPackage or FileGDB (default: the file name). Giving
        a new layer name adds that layer to an existing file (its other layers
        are kept); replacing an existing layer needs ``overwrite=True``.
    overwrite : bool
        Replace an existing file (or, with ``layer=``, that layer). The file
        ``gdf`` was read from (``gdf.attrs["source"]``) is never written to,
        not even to add a layer, whatever this says; a folder is never
        replaced (except a FileGDB by a FileGDB). Without it, a file that
        appears while writing (another process) is not replaced either.
    rename : dict, optional
        Field names to change on the way out (``{"dlbm": "dlbm_2"}``), e.g. for
        names a shapefile cannot hold; ``gdf`` itself is not changed.
    style : str, Style or None
        GeoPackage only: the QGIS style stored with the layer in the file's
        ``layer_styles`` table, which QGIS opens it with (:mod:`xigeo._gpkg_styles`).
        ``"auto"`` (default): the 三调 land-use colours by DLBM when the layer
        has a DLBM field, no style otherwise; ``"landuse"``, a result style
        (``"farmland_pieces"``, ``"farmland_parcels"``, ``"changes"``), a map kind
        of the report (``"farmland"``, ``"parcels"``, ``"newbuild"`` ...), or None
        for no style. A style that cannot be made never fails the write (a
        warning says so).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    CRSError
        ``gdf`` has no CRS.
    LayerWriteError
        The file exists (and ``overwrite`` is False) or appeared meanwhile,
        it is the layer's own source or a folder, the suffix is unknown, field
        names differ only in case (shapefile, GeoPackage, FileGDB), shapefile
        field names longer than 10 bytes or text longer than 254 bytes, the
        disk is full, permission is refused, the file written does not read
        back, or GDAL fails. Nothing at ``path`` is changed then.

    Warns
    -----
    LossyWriteWarning
        A shapefile would change some columns (datetimes become text, ``""``
        becomes missing, missing integers become floats); write a GeoPackage.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = pathlib.Path(tmp.name)
    >>> g = gpd.GeoDataFrame({"地类名称": ["旱地"]}, geometry=[box(0, 0, 1, 1)], crs=4526)
    >>> write_layer(g, folder / "a.shp")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xigeo.errors.LayerWriteError: ...a.shp：字段名超过 shapefile 允许的 10 字节（UTF-8，每个汉字 3 字节）：'地类名称'（12 字节）；GDAL 会截断。解决：write_layer(..., rename={'地类名称': '地类名'})，或写成没有此限制的 GeoPackage（.gpkg）
    >>> write_layer(g, folder / "a.shp", rename={"地类名称": "地类名"}).name
    'a.shp'
    >>> write_layer(g, folder / "a.gpkg").name
    'a.gpkg'
    >>> write_layer(g, folder / "a.gpkg")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xigeo.errors.LayerWriteError: ...a.gpkg 已存在：如要替换请用 overwrite=True
    >>> tmp.cleanup()
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(msg(f"write_layer 需要 GeoDataFrame，收到的是 {type(gdf).__name__}",
                            f"write_layer needs a GeoDataFrame, got {type(gdf).__name__}"))
    path = Path(path)
    suffix = path.suffix.lower()
    driver = _WRITE_DRIVERS.get(suffix)
    if driver is None:
        raise LayerWriteError(msg(
            f"{path}：无法从 {suffix or '无后缀'!r} 判断格式；请使用 "
            f"{', '.join(sorted(_WRITE_DRIVERS))} 之一",
            f"{path}: cannot tell the format from {suffix or 'no suffix'!r}; use one of "
            f"{', '.join(sorted(_WRITE_DRIVERS))}"
        ))
    if gdf.crs is None:
        raise CRSError(msg(
            f"拒绝写出没有坐标系的 {path}：文件将没有 .prj，由它算出的每个面积都只能靠猜。解决："
            + fix("先 gdf.set_crs(EPSG 代码)，如 gdf.set_crs(4526)（2000国家大地坐标系 高斯-克吕格 "
                  "38 带，带号）", "为输入加 --crs EPSG:<代码>，如 --crs EPSG:4526（2000国家大地坐标系 "
                  "高斯-克吕格 38 带，带号）"),
            f"refusing to write {path} without a CRS: the file would have no .prj and every "
            "area computed from it would be a guess. Fix: "
            + fix("gdf.set_crs(EPSG code) first, e.g. gdf.set_crs(4526) for CGCS2000 GK zone 38 "
                  "with prefix", "--crs EPSG:<code> for the input, e.g. --crs EPSG:4526 for "
                  "CGCS2000 GK zone 38 with prefix")
        ))
    if suffix not in _MULTI_LAYER and layer is not None and layer != path.stem:
        raise LayerWriteError(msg(f"{path} 只有一个以文件名命名的图层；请去掉 layer=，"
                                  "或写成 GeoPackage（.gpkg）以命名图层",
                                  f"{path} holds one layer named after the file; leave layer= out "
                                  "or write a GeoPackage (.gpkg) to name layers"))
    _refuse_source(gdf, path)
    _refuse_folders(path, suffix)
    if driver == "GPKG":
        from ._gpkg_styles import check_style

        check_style(style)
    if rename:
        missing = [k for k in rename if k not in gdf.columns and k != gdf.index.name]
        if missing:
            raise LayerWriteError(msg(f"{path}：rename= 中有图层没有的字段："
                                      f"{', '.join(map(repr, missing))}；其字段为："
                                      f"{', '.join(map(str, gdf.columns))}",
                                      f"{path}: rename= names fields the layer does not have: "
                                      f"{', '.join(map(repr, missing))}; its fields: "
                                      f"{', '.join(map(str, gdf.columns))}"))
        gdf = gdf.rename(columns=rename).rename_axis(rename.get(gdf.index.name, gdf.index.name))
    if path.parent.is_dir():
        _writer.prepare_folder(path.parent)
    layer_name = layer or path.stem
    existing = _existing_layers(path, suffix)
    if existing is not None:
        if suffix in _MULTI_LAYER and layer is not None and layer not in existing:
            pass  # adding a layer to an existing file
        elif not overwrite:
            named = layer is not None and suffix in _MULTI_LAYER
            raise LayerWriteError(msg(
                f"{f'{path} 的图层 {layer!r}' if named else path} 已存在："
                f"如要替换请用 {fix('overwrite=True', '--overwrite')}",
                f"{f'layer {layer!r} of {path}' if named else path} exists: "
                f"pass {fix('overwrite=True', '--overwrite')} to replace it"))
    data = gdf
    _writer.check_fields(gdf, path, driver)
    if driver == "ESRI Shapefile":
        _writer.warn_losses(gdf, path)
    if driver == "OpenFileGDB":
        data = _fit_int32(gdf)
    add_layer = existing is not None and suffix in _MULTI_LAYER and layer is not None
    _atomic_write(data, path, driver=driver, layer=layer_name, add_layer=add_layer,
                  overwrite=overwrite, style=style)
    log.info(msg("已写出 %d 个要素：%s%s", "wrote %d features to %s%s"), len(gdf), path,
             msg(f"（图层 {layer_name}）", f" (layer {layer_name})") if suffix in _MULTI_LAYER else "")
    return path


def _refuse_source(gdf: gpd.GeoDataFrame, path: Path) -> None:
    source = gdf.attrs.get("source")
    if not source:
        return
    if same_file(source, path):
        raise LayerWriteError(msg(
            f"{path} 正是此图层读取的源文件；xigeo 从不覆盖输入文件（overwrite=True 对此无效）。"
            "请写到新的文件名",
            f"{path} is the file this layer was read from; xigeo never overwrites its input "
            "(overwrite=True does not apply). Write to a new file name"
        ))


def _existing_layers(path: Path, suffix: str) -> list[str] | None:
    """None if nothing exists at ``path``; else the layer names found there."""
    if suffix == ".shp":
        present = [p for p in (path.with_suffix(e) for e in _SHAPEFILE_PARTS) if p.exists()]
        return [path.stem] if present else None
    if not path.exists():
        return None
    if suffix in _MULTI_LAYER:
        try:
            with _gdal_messages(str(path)):
                return [str(name) for name, _ in pyogrio.list_layers(path)]
        except _GDAL_ERRORS:
            return []
    return [path.stem]


def _fit_int32(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """FileGDB for ArcGIS 10.x has no 64-bit integers: store int64 as int32 when they fit."""
    out = gdf
    for col in gdf.columns:
        if pd.api.types.is_integer_dtype(gdf[col]) and gdf[col].dtype.itemsize == 8:
            values = gdf[col]
            info = np.iinfo(np.int32)
            if len(values) == 0 or (values.min() >= info.min and values.max() <= info.max):
                if out is gdf:
                    out = gdf.copy()
                out[col] = values.astype("int32")
    return out


def _refuse_folders(path: Path, suffix: str) -> None:
    """A folder at the target (or at a part of a shapefile) is never deleted or replaced."""
    from ._files import refuse_folder

    refuse_folder(path, allow_gdb=suffix == ".gdb")
    if suffix == ".shp":
        for ext in _SHAPEFILE_PARTS:
            refuse_folder(path.with_suffix(ext))


def _atomic_write(gdf: gpd.GeoDataFrame, path: Path, *, driver: str, layer: str,
                  add_layer: bool, overwrite: bool, style: object = None) -> None:
    """Write into a temporary folder beside ``path``, check it reads back, then move it into
    place (xigeo._writer): nothing at ``path`` changes unless the whole write succeeded."""
    from ._files import temp_path, write_error

    folder = path.parent
    if not folder.is_dir():
        raise LayerWriteError(msg(f"{path}：文件夹 {folder} 不存在",
                                  f"{path}: the folder {folder} does not exist"))
    tmp = temp_path(path, folder=True)
    try:
        tmp.mkdir()
    except OSError as err:
        raise write_error(path, err) from err
    try:
        staged = tmp / path.name
        seen = None
        if add_layer:
            try:
                seen = _writer.file_state(path)
                if path.is_dir():
                    shutil.copytree(path, staged)
                else:
                    shutil.copy2(path, staged)
            except OSError as err:
                raise write_error(path, err) from err
        _writer.stage(gdf, staged, path, driver=driver, layer=layer, errors=_WRITE_ERRORS)
        if driver == "GPKG" and style is not None:
            from ._gpkg_styles import store_style

            store_style(staged, layer, gdf, style, shown=path)
        if driver == "ESRI Shapefile":
            _writer.replace_shapefile(tmp, path, overwrite=overwrite)
        else:
            if seen is not None and _writer.file_state(path) != seen:
                raise LayerWriteError(msg(
                    f"xigeo 向 {path} 添加图层 {layer!r} 期间，该文件被改动（另一程序同时写入）；"
                    "文件保持原样，图层未添加。解决：等另一程序结束后再运行一次",
                    f"{path} changed while xigeo was adding layer {layer!r} to it (another program "
                    "wrote to it meanwhile); it was left as it is and the layer was not added. "
                    "Fix: run it again when the other program has finished"))
            _writer.place_layer(staged, path, overwrite=overwrite or add_layer)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
