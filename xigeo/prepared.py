"""Prepared reference layers (预处理参考图层): a county layer read, checked and measured once.

Technicians check many small submissions against the same county layers
(永久基本农田 ``jbnt``, the survey's ``dltb``). Reading a 219,000-patch
shapefile takes seconds every time; :func:`prepare` reads it once and keeps,
in a user cache folder (never beside the data):

- a GeoParquet copy sorted along a Hilbert curve of the patches' boxes, in
  row groups of :data:`ROW_GROUP_ROWS` patches, with each patch's box as four
  covering columns, so that a check of a few parcels reads only the row
  groups near them (:meth:`PreparedLayer.near`);
- what a check computes once per layer: the validity of every patch (the
  same test :func:`xigeo.validate_layer` makes), whether the layer is a true
  coverage (GEOS coverage validation: no patch overlaps another, so the
  double-counting check can be skipped) and every patch's survey ellipsoidal
  area.

The cache is keyed on the source file(s): their size, modification time and
a content hash (the first and last 64 KiB and 32 blocks of 64 KiB spread over
each file, blake2b: ~1 ms where hashing a whole 250 MB shapefile takes
0.35 s). A changed source is prepared again; a cache file that cannot be read
or fails its checks (page checksums, the recorded fingerprint and counts) is
rebuilt with a log line, never trusted; a cache folder that cannot be written
falls back to a layer held in memory for this session, with a log line.

The folder: ``$XIGEO_CACHE_DIR/prepared`` when ``XIGEO_CACHE_DIR`` is set,
else ``$XDG_CACHE_HOME/xigeo/prepared``, else ``~/.cache/xigeo/prepared``
(:func:`cache_folder`).

:func:`xigeo.farmland_overlap` and ``xigeo check-farmland`` take a file path
or a :class:`PreparedLayer` as the farmland and use the cache by themselves
(``cache=False`` / ``--no-cache`` to read the file every time).

>>> import tempfile, pathlib
>>> import geopandas as gpd
>>> from shapely import box
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> jbnt = gpd.GeoDataFrame({"BSM": ["J1", "J2"], "JBNTMJ": [100.0, 100.0]},
...     geometry=[box(38_560_000, 3_580_000, 38_560_010, 3_580_010),
...               box(38_560_010, 3_580_000, 38_560_020, 3_580_010)], crs=4526)
>>> _ = jbnt.to_file(tmp / "jbnt.shp")
>>> layer = prepare(tmp / "jbnt.shp", cache_dir=tmp / "cache")
>>> len(layer), layer.coverage_valid, layer.all_valid
(2, True, True)
>>> layer.near(gpd.GeoSeries([box(38_560_012, 3_580_002, 38_560_013, 3_580_003)], crs=4526)).frame.index.tolist()
['J2']
>>> prepare(tmp / "jbnt.shp", cache_dir=tmp / "cache").from_cache
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import shapely

from ._lang import msg
from .errors import fix

__all__ = ["prepare", "PreparedLayer", "Near", "cache_folder", "cache_path", "fingerprint",
           "reference_layer",
           "near_patches", "ROW_GROUP_ROWS"]

log = logging.getLogger(__name__)

#: patches per row group of the prepared GeoParquet (a check reads whole row groups)
ROW_GROUP_ROWS = 2048
#: bumped whenever what is stored changes: older cache files are prepared again
FORMAT = 2
_META = b"xigeo.prepared"
_ROW, _M2, _VALID, _COVER = "xigeo_row", "xigeo_m2", "xigeo_valid", "xigeo_cover_ok"
_BOX = ("xigeo_minx", "xigeo_miny", "xigeo_maxx", "xigeo_maxy")
_HIDDEN = (_ROW, _M2, _VALID, _COVER) + _BOX
#: files of a shapefile that make up its content
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_BLOCK = 1 << 16
_SAMPLES = 32


def cache_folder(*, environ: Mapping[str, str] | None = None) -> Path:
    """Where prepared layers are kept: ``$XIGEO_CACHE_DIR/prepared``, else the user cache folder.

    >>> str(cache_folder(environ={"XIGEO_CACHE_DIR": "/srv/xigeo"}))
    '/srv/xigeo/prepared'
    >>> str(cache_folder(environ={"XDG_CACHE_HOME": "/home/li/.cache"}))
    '/home/li/.cache/xigeo/prepared'
    >>> str(cache_folder(environ={"HOME": "/home/wang"}))
    '/home/wang/.cache/xigeo/prepared'
    """
    env = os.environ if environ is None else environ
    if env.get("XIGEO_CACHE_DIR"):
        return Path(env["XIGEO_CACHE_DIR"]) / "prepared"
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "xigeo" / "prepared"
    home = env.get("HOME") or os.path.expanduser("~")
    if not home or home == "~":  # no home at all: the system's temporary folder
        return Path(tempfile.gettempdir()) / "xigeo-cache" / "prepared"
    return Path(home) / ".cache" / "xigeo" / "prepared"


def _parts(source: Path) -> list[Path]:
    """The files whose content is the layer (a shapefile's parts; every file of a folder)."""
    if source.is_dir():
        return sorted(p for p in source.rglob("*") if p.is_file())
    if source.suffix.lower() == ".shp":
        found = []
        for suffix in _SHAPEFILE_PARTS:
            for candidate in (source.with_suffix(suffix), source.with_suffix(suffix.upper())):
                if candidate.exists():
                    found.append(candidate)
                    break
        return found
    return [source]


def _sampled_hash(path: Path, size: int) -> str:
    """blake2b of the file's first and last 64 KiB and 32 blocks spread over it (all of a small file)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(size).encode())
    with open(path, "rb") as f:
        if size <= (_SAMPLES + 2) * _BLOCK:
            h.update(f.read())
        else:
            starts = np.linspace(0, size - _BLOCK, _SAMPLES + 2).astype(np.int64)
            for start in starts.tolist():
                f.seek(start)
                h.update(f.read(_BLOCK))
    return h.hexdigest()


def fingerprint(source: str | os.PathLike[str]) -> list[list[Any]]:
    """What identifies the content of ``source``: per file, its name, size, mtime (ns) and sampled hash.

    A shapefile's .shp, .shx, .dbf, .prj and .cpg all count (a new .cpg
    changes the text); a folder (FileGDB) counts every file in it.
    """
    source = Path(source)
    out = []
    for part in _parts(source):
        st = part.stat()
        out.append([part.name, st.st_size, st.st_mtime_ns, _sampled_hash(part, st.st_size)])
    return out


class Near(NamedTuple):
    """The patches of a prepared layer whose box meets a parcel's box, in the source's order."""

    #: the patches, indexed and with the columns as the source file gives them
    frame: Any
    #: per patch: its survey ellipsoidal area (m²), its validity, and False where GEOS
    #: coverage validation found an edge of it that does not match a neighbour's
    m2: np.ndarray
    valid: np.ndarray
    cover_ok: np.ndarray
    #: the candidate pairs (parcel positions, positions in ``frame``) whose boxes meet, sorted
    #: by parcel then patch: what :func:`xigeo._overlay.candidate_pairs` gives on ``frame``,
    #: found from the stored boxes before any geometry is decoded (None: not computed)
    pairs: tuple[np.ndarray, np.ndarray] | None = None


@dataclasses.dataclass(frozen=True, repr=False)
class PreparedLayer:
    """A reference layer prepared by :func:`prepare`: read near parcels in milliseconds.

    Attributes
    ----------
    source : Path
        The file it was prepared from.
    path : Path or None
        The cache file (GeoParquet), None when the cache folder could not be
        written (the layer is then held in memory).
    from_cache : bool
        True when an existing cache file was used (nothing was read from the source).
    n : int
        Number of patches (``len(layer)``).
    crs : pyproj.CRS
    all_valid : bool
        Every patch is a valid polygon.
    coverage_valid : bool
        The patches form a true coverage (``shapely.coverage_is_valid``): no
        two overlap, so no ground can be counted twice.
    """

    source: Path
    path: Path | None
    from_cache: bool
    meta: dict[str, Any]
    _memory: Any = None  # a pyarrow Table when no cache file could be written

    @property
    def n(self) -> int:
        return int(self.meta["n"])

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        where = self.path if self.path is not None else "memory"
        return (f"PreparedLayer({str(self.source)!r}, {self.n:,} patches, coverage_valid="
                f"{self.coverage_valid}, cache={str(where)!r})")

    @property
    def crs(self) -> Any:
        import pyproj

        return pyproj.CRS.from_json(self.meta["crs"]) if self.meta["crs"] else None

    @property
    def all_valid(self) -> bool:
        return bool(self.meta["all_valid"])

    @property
    def coverage_valid(self) -> bool:
        return bool(self.meta["coverage_valid"])

    @property
    def odd_rows(self) -> np.ndarray:
        """Source positions of missing, empty or non-polygon geometries (every check sees them)."""
        return np.asarray(self.meta["odd_rows"], dtype=np.int64)

    def _file(self) -> Any:
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.path, page_checksum_verification=True)

    @property
    def columns(self) -> list[str]:
        """The layer's attribute fields, as the source has them (the id field and geometry aside)."""
        return list(self.meta["columns"])

    def _stored(self, columns: list[str] | None) -> list[str] | None:
        """The stored columns to read for these attribute ``columns`` (None: all)."""
        if columns is None:
            return None
        index = [self.meta["index"]] if self.meta["index"] is not None else []
        return [c for c in self.columns if c in set(columns)] + index + [self.meta["geometry"], *_HIDDEN]

    def _read_groups(self, groups: np.ndarray | None, columns: list[str] | None = None) -> Any:
        stored = self._stored(columns)
        if self._memory is not None:
            table = self._memory if stored is None else self._memory.select(stored)
            if groups is None:
                return table
            import pyarrow as pa

            rows = [table.slice(int(g) * ROW_GROUP_ROWS, ROW_GROUP_ROWS) for g in groups]
            return pa.concat_tables(rows) if rows else table.slice(0, 0)
        from .errors import LayerReadError

        try:  # every data page's checksum is verified as it is read
            f = self._file()
            if groups is None:
                return f.read(columns=stored)
            return f.read_row_groups([int(g) for g in groups], columns=stored)
        except (OSError, ValueError) as err:
            again = fix('prepare(path, rebuild=True)', 'xigeo prepare --rebuild')
            raise LayerReadError(msg(
                f"{self.path}：{self.source} 的预处理副本已损坏（{err}）；请删除它或重新预处理（{again}）",
                f"{self.path}: the prepared copy of {self.source} is damaged ({err}); delete it or "
                f"prepare it again ({again})"
            )) from err

    def near(self, parcels: Any, *, columns: list[str] | None = None) -> Near:
        """The patches whose box meets the box of a geometry of ``parcels`` (and the odd rows).

        Only the row groups whose box meets a parcel's box are read (and of
        them only the attribute ``columns`` asked for, default all); of those,
        only the patches whose own box (the covering columns) meets a
        parcel's box are kept, found with the parcel × patch pairs from the
        stored boxes alone (``Near.pairs``), before any geometry is decoded.
        They are put back in the source's order, so a check on them gives
        exactly what it gives on the whole layer (a patch far from every
        parcel takes part in no pair either way).
        """
        geoms = np.asarray(getattr(parcels, "geometry", parcels).values
                           if hasattr(parcels, "geometry") else parcels, dtype=object)
        boxes = shapely.bounds(geoms)
        finite = np.flatnonzero(np.isfinite(boxes).all(axis=1))
        parcel_pos = finite if finite.size < len(boxes) else None
        boxes = boxes[finite]
        groups = np.asarray(self.meta["groups"], dtype=float).reshape(-1, 4)
        if boxes.size and groups.size:
            tree = shapely.STRtree(shapely.box(*boxes.T))
            g = np.unique(tree.query(shapely.box(*groups.T))[0])
        else:
            g = np.empty(0, dtype=np.int64)
        odd = self.odd_rows
        if odd.size:  # wherever they are: the check refuses them as it does on the whole layer
            g = np.union1d(g, odd // ROW_GROUP_ROWS).astype(np.int64)
        table = self._read_groups(g, columns)
        return self._near_rows(table, boxes, odd, parcel_pos)

    def _near_rows(self, table: Any, boxes: np.ndarray, odd: np.ndarray,
                   parcel_pos: np.ndarray | None = None) -> Near:
        """The rows of ``table`` whose box meets one of ``boxes`` (and the ``odd`` rows), with
        the pairs; ``parcel_pos``: the parcels' positions of ``boxes`` (None: 0, 1, …)."""
        rb = np.column_stack([table.column(c).to_numpy() for c in _BOX]) if table.num_rows else \
            np.empty((0, 4))
        row = table.column(_ROW).to_numpy() if table.num_rows else np.empty(0, np.int64)
        li, ti = _box_pairs(boxes, rb)  # parcel (position in boxes) × row of table
        if parcel_pos is not None:
            li = parcel_pos[li]
        hit = np.zeros(len(rb), dtype=bool)
        hit[ti] = True
        if odd.size:
            hit |= np.isin(row, odd)
        keep = np.flatnonzero(hit)
        keep = keep[np.argsort(row[keep], kind="stable")]
        # the pairs in the kept rows' positions, sorted by parcel then patch (candidate_pairs)
        pos = np.empty(len(rb), dtype=np.int64)
        pos[keep] = np.arange(keep.size)
        ri = pos[ti]
        order = np.lexsort((ri, li))
        return self._frame(table.take(keep), (li[order].astype(np.int64), ri[order]))

    def _frame(self, table: Any, pairs: tuple[np.ndarray, np.ndarray] | None = None) -> Near:
        import geopandas as gpd

        meta = self.meta
        geometry = meta["geometry"]
        wkb = table.column(geometry).to_numpy(zero_copy_only=False)
        geoms = shapely.from_wkb(np.asarray(wkb, dtype=object))
        m2 = table.column(_M2).to_numpy()
        valid = table.column(_VALID).to_numpy(zero_copy_only=False).astype(bool)
        cover = table.column(_COVER).to_numpy(zero_copy_only=False).astype(bool)
        row = table.column(_ROW).to_numpy()
        attrs = table.drop_columns([geometry, *_HIDDEN]).to_pandas()
        if meta["index"] is None:
            index = pd.Index(row, dtype=np.int64)
        else:
            index = pd.Index(attrs.pop(meta["index"]), name=meta["index"])
        attrs.index = index
        frame = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, index=index, crs=self.crs),
                                 crs=self.crs)
        frame = frame.rename_geometry(meta["geometry_name"]) if meta["geometry_name"] != "geometry" \
            else frame
        frame.attrs.update(meta["attrs"])
        return Near(frame, m2, valid, cover, pairs)

    def read(self) -> Any:
        """The whole layer as a GeoDataFrame, as :func:`xigeo.read_layer` gave it (same order)."""
        table = self._read_groups(None)
        import pyarrow.compute as pc

        order = np.asarray(pc.sort_indices(table.column(_ROW)))
        return self._frame(table.take(order)).frame


def _box_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of boxes ``a[i]``, ``b[j]`` ((n, 4) minx, miny, maxx, maxy) that meet.

    The pairs an STRtree query of the geometries gives (it compares their
    envelopes, these boxes, closed); boxes with NaN (empty geometries) meet
    nothing. The tree is built on the smaller side.
    """
    a_ok = np.flatnonzero(np.isfinite(a).all(axis=1)) if a.size else np.empty(0, np.int64)
    b_ok = np.flatnonzero(np.isfinite(b).all(axis=1)) if b.size else np.empty(0, np.int64)
    if a_ok.size == 0 or b_ok.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if a_ok.size <= b_ok.size:
        j, i = shapely.STRtree(shapely.box(*a[a_ok].T)).query(shapely.box(*b[b_ok].T))
    else:
        i, j = shapely.STRtree(shapely.box(*b[b_ok].T)).query(shapely.box(*a[a_ok].T))
    return a_ok[i], b_ok[j]


def _options(layer: str | None, encoding: str | None, crs: Any, id_field: str | None) -> dict[str, Any]:
    return {"layer": layer, "encoding": encoding, "crs": None if crs is None else str(crs),
            "id_field": id_field, "format": FORMAT}


def cache_path(path: str | os.PathLike[str], *, layer: str | None = None, encoding: str | None = None,
               crs: Any = None, id_field: str | None = None,
               cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache file :func:`prepare` keeps for ``path`` read with these options (it may not exist yet).

    >>> cache_path("/data/永久基本农田.shp", cache_dir="/srv/cache").name  # doctest: +ELLIPSIS
    '永久基本农田-....parquet'
    """
    folder = Path(cache_dir) if cache_dir is not None else cache_folder()
    return folder / _cache_name(Path(path), _options(layer, encoding, crs, id_field))


def _cache_name(source: Path, options: dict[str, Any]) -> str:
    key = json.dumps([str(source.resolve()), options], sort_keys=True, ensure_ascii=False)
    digest = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    return f"{source.stem}-{digest}.parquet"


def prepare(path: str | os.PathLike[str], *, layer: str | None = None, encoding: str | None = None,
            crs: Any = None, id_field: str | None = None, cache_dir: str | os.PathLike[str] | None = None,
            rebuild: bool = False) -> PreparedLayer:
    """Prepare a reference layer once (read, sorted, validated, measured); cached for later sessions.

    Parameters
    ----------
    path : str or path-like
        The layer file (.shp, .gpkg, .gdb, .parquet …, what :func:`xigeo.read_layer` reads).
    layer, encoding, crs
        As for :func:`xigeo.read_layer` (part of the cache key).
    id_field : str, optional
        The patches' id field (becomes the index); default ``BSM`` when the
        layer has it, else the row number (as ``xigeo check-farmland``).
    cache_dir : path-like, optional
        The cache folder; default :func:`cache_folder` (``XIGEO_CACHE_DIR``
        or ``~/.cache/xigeo``). Never the data's own folder unless given.
    rebuild : bool
        Prepare again even if a valid cache file exists.

    Returns
    -------
    PreparedLayer
        Pass it (or the path itself) as ``farmland`` to :func:`xigeo.farmland_overlap`.

    Raises
    ------
    LayerReadError
        The source cannot be read (:func:`xigeo.read_layer`).
    SchemaError
        ``id_field`` is not a field of the layer.
    ValidationError
        Patches without an id or sharing one (the check would refuse them too).
    """
    from .errors import LayerReadError

    source = Path(path)
    if not source.exists():
        raise LayerReadError(msg(f"{source}：文件或文件夹不存在", f"{source}: no such file or folder"))
    options = _options(layer, encoding, crs, id_field)
    entry = cache_path(source, layer=layer, encoding=encoding, crs=crs, id_field=id_field,
                       cache_dir=cache_dir)
    folder = entry.parent
    fp = fingerprint(source)
    if entry.exists() and not rebuild:
        cached = _open(entry, source, fp, options)
        if cached is not None:
            log.debug(msg("预处理图层 %s：使用 %s", "prepared layer %s: using %s"), source, entry)
            return cached
    table, meta = _build(source, layer=layer, encoding=encoding, crs=crs, id_field=id_field)
    meta.update(fingerprint=fp, options=options)
    # the source may have changed while it was read: then this copy is not keyed on it
    if fingerprint(source) != fp:
        log.warning(msg("%s 在预处理期间被改动；不写入缓存", "%s changed while it was prepared; not cached"),
                    source)
        return PreparedLayer(source, None, False, meta, table)
    try:
        _write(table, meta, entry)
    except OSError as err:
        log.warning(msg("预处理图层缓存文件夹 %s 不可写（%s）：本次图层只在内存中使用；"
                        "请把 XIGEO_CACHE_DIR 设为可写的文件夹",
                        "cannot write the prepared-layer "
                        "cache %s (%s): the layer is held in memory for this session only; set "
                        "XIGEO_CACHE_DIR to a writable folder"), folder, err.strerror or err)
        return PreparedLayer(source, None, False, meta, table)
    log.info(msg("已预处理 %s（%s 个图斑）-> %s", "prepared %s (%s patches) -> %s"),
             source, f"{meta['n']:,}", entry)
    return PreparedLayer(source, entry, False, meta)


def _open(entry: Path, source: Path, fp: list[list[Any]], options: dict[str, Any]) -> PreparedLayer | None:
    """The cache file if it is whole and was prepared from this very source; None to rebuild."""
    import pyarrow.parquet as pq

    try:
        f = pq.ParquetFile(entry, page_checksum_verification=True)
        raw = (f.schema_arrow.metadata or {}).get(_META)
        if raw is None:
            raise ValueError(msg("没有 xigeo 元数据", "no xigeo metadata"))
        meta = json.loads(raw)
        n_groups = f.metadata.num_row_groups
        if (meta.get("format") != FORMAT or f.metadata.num_rows != meta["n"]
                or n_groups != len(meta["groups"])
                or any(f.metadata.row_group(i).num_rows != min(ROW_GROUP_ROWS, meta["n"] - i * ROW_GROUP_ROWS)
                       for i in range(n_groups))):
            raise ValueError(msg("行数与记录的不符", "row counts do not match the recorded ones"))
    except Exception as err:  # noqa: BLE001 - any failure to read it means: do not trust it
        log.warning(msg("预处理图层缓存 %s 无法读取或已损坏（%s）：重新预处理 %s",
                        "the prepared-layer cache %s is unreadable or "
                        "damaged (%s): preparing %s again"), entry, err, source)
        return None
    if meta.get("fingerprint") != fp or meta.get("options") != options:
        log.info(msg("%s 在预处理后已改动：重新预处理", "%s changed since it was prepared: preparing it again"),
                 source)
        return None
    return PreparedLayer(source, entry, True, meta)


def _build(source: Path, *, layer: str | None, encoding: str | None, crs: Any,
           id_field: str | None) -> tuple[Any, dict[str, Any]]:
    """Read ``source`` and compute what a check needs once: the table to store and its metadata."""
    gdf, id_field = _read_indexed(source, layer=layer, encoding=encoding, crs=crs, id_field=id_field)
    label = str(gdf.attrs.get("source", source))
    return layer_table(gdf, label=label, index=id_field or None)


def _read_indexed(path: Path | str | os.PathLike[str], *, layer: str | None, encoding: str | None,
                  crs: Any, id_field: str | None) -> tuple[Any, str | None]:
    """The layer read and indexed by ``id_field``, else BSM when present (else the row number)."""
    from .errors import SchemaError
    from .io import read_layer

    gdf = read_layer(path, layer=layer, encoding=encoding, crs=crs)
    if id_field is not None and id_field not in gdf.columns:
        raise SchemaError(msg(f"{path}：没有字段 {id_field!r}；字段为："
                              f"{', '.join(str(c) for c in gdf.columns)}",
                              f"{path}: no field {id_field!r}; fields are: "
                              f"{', '.join(str(c) for c in gdf.columns)}"))
    if id_field is None and "BSM" in gdf.columns:
        id_field = "BSM"
    if id_field:
        attrs = dict(gdf.attrs)
        gdf = gdf.set_index(id_field)
        gdf.attrs.update(attrs)
    return gdf, id_field or None


def layer_table(gdf: Any, *, label: str, index: str | None) -> tuple[Any, dict[str, Any]]:
    """The prepared table of ``gdf`` (indexed by its ids or by row number) and its metadata."""
    import geopandas as gpd
    import pyarrow as pa

    from ._clip import certainly_valid
    from ._layers import check_ids
    from ._rings import rings_of
    from .area import ellipsoidal_rings_m2
    from .crs import check_crs
    from .validate import validate_layer

    check_ids(gdf.index, label, unique=False)
    if gdf.index.has_duplicates:
        validate_layer(gdf, name=label)  # lists the duplicate ids with everything else
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    n = len(geoms)
    odd = shapely.is_missing(geoms) | shapely.is_empty(geoms) | ~np.isin(shapely.get_type_id(geoms), (3, 6))
    valid = ~odd
    fine = np.flatnonzero(valid)
    ask = fine[~certainly_valid(geoms[fine])]
    valid[ask] = shapely.is_valid(geoms[ask])
    # the survey ellipsoidal area of every patch, as the check measures the patches it meets
    m2 = np.full(n, np.nan)
    crs_checked = False  # the whole layer passed check_crs (a check then need not look again)
    if gdf.crs is not None and fine.size:
        try:
            check_crs(gdf, name=label)
        except Exception:  # noqa: BLE001 - the check itself reports a CRS problem
            pass
        else:
            crs_checked = True
            rings = rings_of(geoms[fine])
            m2[fine] = ellipsoidal_rings_m2(rings.xy, rings.ring_off, rings.owner, rings.exterior,
                                            fine.size, gdf.crs, label=label)
    # GEOS coverage validation: a patch with an edge that does not match its neighbour's may
    # overlap it; where no patch has one, no ground can be counted twice
    cover_ok = np.zeros(n, dtype=bool)
    good = np.flatnonzero(valid)
    if good.size:
        edges = shapely.coverage_invalid_edges(geoms[good])
        cover_ok[good] = shapely.is_empty(edges)
    coverage_valid = bool(valid.all() and cover_ok.all())
    # Hilbert order of the boxes' centres (empty rows last), then row groups with their boxes
    bounds = shapely.bounds(geoms)
    known = np.isfinite(bounds).all(axis=1)
    key = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    if known.any():
        key[known] = gpd.GeoSeries(geoms[known]).hilbert_distance(
            total_bounds=(np.nanmin(bounds[known, 0]), np.nanmin(bounds[known, 1]),
                          np.nanmax(bounds[known, 2]), np.nanmax(bounds[known, 3]))).to_numpy()
    order = np.lexsort((np.arange(n), key))
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(
        drop=index is None)
    frame = frame.iloc[order].reset_index(drop=True)
    b = bounds[order]
    extra = {_ROW: order.astype(np.int64), _M2: m2[order], _VALID: valid[order],
             _COVER: cover_ok[order]}
    extra.update({c: b[:, k] for k, c in enumerate(_BOX)})
    geometry = "geometry" if "geometry" not in frame.columns else "xigeo_geometry"
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column(geometry, pa.array(shapely.to_wkb(geoms[order]), type=pa.binary()))
    for name, values in extra.items():
        table = table.append_column(name, pa.array(values))
    groups = []
    for start in range(0, n, ROW_GROUP_ROWS):
        part = b[start:start + ROW_GROUP_ROWS]
        ok = np.isfinite(part).all(axis=1)
        groups.append([float(part[ok, 0].min()), float(part[ok, 1].min()), float(part[ok, 2].max()),
                       float(part[ok, 3].max())] if ok.any() else [np.inf, np.inf, -np.inf, -np.inf])
    meta = {"format": FORMAT, "n": n, "crs": gdf.crs.to_json() if gdf.crs is not None else None,
            "columns": [str(c) for c in gdf.columns if c != gdf.geometry.name],
            "index": index, "geometry": geometry, "geometry_name": gdf.geometry.name,
            "attrs": {k: v for k, v in gdf.attrs.items() if isinstance(v, (str, int, float, type(None)))},
            "all_valid": bool(valid.all()), "coverage_valid": coverage_valid,
            "odd_rows": np.flatnonzero(odd).tolist(), "groups": groups, "crs_checked": crs_checked}
    return table, meta


def _write(table: Any, meta: dict[str, Any], entry: Path) -> None:
    """Write the prepared table as GeoParquet (geo metadata, bbox covering, page checksums), atomically."""
    import pyarrow.parquet as pq

    from ._files import atomic_path

    geometry = meta["geometry"]
    geo = {"version": "1.1.0", "primary_column": geometry, "columns": {geometry: {
        "encoding": "WKB", "geometry_types": [],
        "crs": json.loads(meta["crs"]) if meta["crs"] else None,
        "covering": {"bbox": {"xmin": [_BOX[0]], "ymin": [_BOX[1]], "xmax": [_BOX[2]],
                              "ymax": [_BOX[3]]}}}}}
    # the groups' boxes as JSON: inf is not JSON
    meta = dict(meta, groups=[g if np.isfinite(g).all() else [1e300, 1e300, -1e300, -1e300]
                              for g in meta["groups"]])
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"geo": json.dumps(geo),
                                           _META: json.dumps(meta, ensure_ascii=False)})
    entry.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(entry, overwrite=True) as tmp:
        pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd",
                       write_page_checksum=True, write_statistics=list(_BOX))


def reference_layer(path: str | os.PathLike[str], *, cache: bool = True, layer: str | None = None,
                    encoding: str | None = None, crs: Any = None,
                    id_field: str | None = None) -> Any:
    """A reference layer given as a file: prepared (cached) with ``cache``, else read as it is.

    Without the cache the layer is read by :func:`xigeo.read_layer` and
    indexed as :func:`prepare` indexes it (``id_field``, else BSM when
    present, else the row number).
    """
    if cache:
        return prepare(path, layer=layer, encoding=encoding, crs=crs, id_field=id_field)
    return _read_indexed(path, layer=layer, encoding=encoding, crs=crs, id_field=id_field)[0]


def near_patches(layer: PreparedLayer, parcels: Any, *, columns: list[str] | None = None) -> Near:
    """:meth:`PreparedLayer.near`; a cache file found damaged while read is prepared again."""
    from .errors import LayerReadError

    try:
        return layer.near(parcels, columns=columns)
    except LayerReadError as err:
        if not layer.from_cache or layer.path is None:
            raise
        log.warning(msg("%s：重新预处理", "%s: preparing it again"), err)
        opts = layer.meta["options"]
        again = prepare(layer.source, layer=opts["layer"], encoding=opts["encoding"],
                        crs=opts["crs"], id_field=opts["id_field"], cache_dir=layer.path.parent,
                        rebuild=True)
        return again.near(parcels, columns=columns)
