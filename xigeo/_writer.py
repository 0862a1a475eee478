"""The writer half of :func:`xigeo.io.write_layer`: checks, staging, read-back and the swap.

- :func:`check_fields`: refuse field names a format would rename or cut
  (case-only duplicates, the shapefile's 10 bytes) and text a shapefile would cut;
- :func:`warn_losses`: a :class:`~xigeo.errors.LossyWriteWarning` for what a
  shapefile silently changes (datetimes become text, ``""`` becomes null, missing
  integers and booleans become floats, tiny floats become 0);
- :func:`stage`: write into a temporary folder beside the target, then
  :func:`verify` that it reads back (feature count via ``pyogrio.read_info``, and
  the shapefile's own size fields), so a full disk never ends in "success";
- :func:`place_layer` / :func:`replace_shapefile`: move it into place without
  replacing anything that appeared meanwhile. A shapefile set is swapped under a
  journal (``.NAME.shp.PID-XXXX.xigeo-swap``): the old parts go into a backup
  folder, the new parts are linked in, then the backup is deleted. A failure
  puts the old set back; a killed process leaves the journal, and
  :func:`recover_swaps` (run by the next write to that folder) finishes the swap
  if new parts were already in place, or puts the old set back if none were.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import struct
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ._files import (SWAP_TAG, _link_new, _move, appeared, clean_stale, disk_full, place, recover_swaps,
                     temp_path, unreadable, write_error)
from ._lang import msg
from .errors import LayerWriteError, LossyWriteWarning, XigeoError, fix, format_ids

__all__ = ["check_fields", "warn_losses", "stage", "verify", "place_layer", "replace_shapefile",
           "recover_swaps", "prepare_folder", "SHAPEFILE_PARTS", "STALE_SIDECARS"]

log = logging.getLogger("xigeo.io")  # GDAL's messages while writing, logged as write_layer's

# the parts of a shapefile written, and the sidecars that describe the old data and must go
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
STALE_SIDECARS = (".qix", ".sbn", ".sbx", ".fix", ".atx", ".aih", ".ain", ".ixs", ".mxs", ".qpj")
# formats whose field names are case-insensitive (DBF, SQLite, FileGDB): DLBM and dlbm clash
_CASELESS = ("ESRI Shapefile", "GPKG", "OpenFileGDB")
_FORMAT = {"ESRI Shapefile": "shapefile", "GPKG": "GeoPackage", "OpenFileGDB": "FileGDB"}


def _field_names(gdf: gpd.GeoDataFrame) -> list[str]:
    geom = gdf.geometry.name
    names = [str(c) for c in gdf.columns if c != geom]
    if gdf.index.name is not None:  # geopandas writes a named index as a field
        names.append(str(gdf.index.name))
    return names


def _cut(name: str, limit: int = 10) -> str:
    """``name`` cut to ``limit`` UTF-8 bytes at a character boundary."""
    return name.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def check_fields(gdf: gpd.GeoDataFrame, path: Path, driver: str) -> None:
    """Refuse field names the format would rename or cut, and text a shapefile would cut."""
    names = _field_names(gdf)
    if driver in _CASELESS:
        seen: dict[str, list[str]] = {}
        for name in names:
            seen.setdefault(name.casefold(), []).append(name)
        clashes = [group for group in seen.values() if len(group) > 1]
        if clashes:
            listed = "; ".join(" and ".join(repr(n) for n in group) for group in clashes)
            listed_zh = "；".join(" 与 ".join(repr(n) for n in group) for group in clashes)
            example = {g[-1]: f"{g[-1]}_2" for g in clashes}
            other = driver != "ESRI Shapefile"
            raise LayerWriteError(msg(
                f"{path}：字段名仅大小写不同：{listed_zh}。{_FORMAT[driver]} 的字段名不区分大小写，"
                "GDAL 会悄悄改名其中一个（DLBM_1）。解决："
                + fix(f"write_layer(..., rename={example!r})", "在输入图层中给其中一个改名")
                + ("，或写成 GeoJSON/GeoParquet（两者都保留）" if other else ""),
                f"{path}: field names that differ only in case: {listed}. A {_FORMAT[driver]} "
                "field name ignores case, so GDAL would rename one silently (DLBM_1). Fix: "
                + fix(f"write_layer(..., rename={example!r})",
                      "rename one of them in the input layer")
                + (" or write GeoJSON/GeoParquet, which keep both" if other else "")))
    if driver != "ESRI Shapefile":
        return
    long = [(n, len(n.encode("utf-8"))) for n in names if len(n.encode("utf-8")) > 10]
    if long:
        listed = ", ".join(f"{c!r} ({n} bytes)" for c, n in long)
        listed_zh = "、".join(f"{c!r}（{n} 字节）" for c, n in long)
        example = {c: _cut(c) for c, _ in long}
        raise LayerWriteError(msg(
            f"{path}：字段名超过 shapefile 允许的 10 字节（UTF-8，每个汉字 3 字节）：{listed_zh}；"
            "GDAL 会截断。解决："
            + fix(f"write_layer(..., rename={example!r})", "在输入图层中给它们改名")
            + "，或写成没有此限制的 GeoPackage（.gpkg）",
            f"{path}: field names longer than the 10 bytes a shapefile allows (UTF-8, 3 bytes "
            f"per Chinese character): {listed}; GDAL would cut them. Fix: "
            + fix(f"write_layer(..., rename={example!r})", "rename them in the input layer")
            + " or write a GeoPackage (.gpkg), which has no such limit"))
    too_long = []
    for col in _text_columns(gdf):
        values = gdf[col].dropna()
        # 254 bytes hold at least 63 characters (4 bytes at most per character): only longer
        # values are encoded (str.len is vectorised; non-text values give NaN)
        try:
            lengths = values.str.len()
        except AttributeError:  # no text at all in an object column
            continue
        values = values[(lengths > 63).to_numpy(dtype=bool, na_value=False)]
        if len(values):
            nbytes = values.map(lambda v: len(v.encode("utf-8")))
            over = nbytes[nbytes > 254]
            if len(over):
                too_long.append(msg(f"{col!r}（行号：{format_ids(over.index)}）",
                                    f"{col!r} (rows {format_ids(over.index)})"))
    if too_long:
        raise LayerWriteError(msg(
            f"{path}：{'；'.join(too_long)}中的文本超过 shapefile 字段能容纳的 254 字节"
            "（UTF-8，每个汉字 3 字节），会被截断。请改写成 GeoPackage（.gpkg）",
            f"{path}: text longer than the 254 bytes a shapefile field holds (UTF-8, 3 bytes "
            f"per Chinese character) in {'; '.join(too_long)}; it would be cut. Write a "
            "GeoPackage (.gpkg) instead"))


def _text_columns(df: pd.DataFrame) -> list[Any]:
    geom = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    return [c for c in df.columns if c != geom
            and (pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c]))]


def warn_losses(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Warn (LossyWriteWarning) about what a shapefile would change without a word."""
    lost: list[str] = []
    geom = gdf.geometry.name
    for col in gdf.columns:
        if col == geom:
            continue
        values = gdf[col]
        dtype = values.dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            lost.append(msg(f"{col!r}：日期/时间存为文本（'2023/01/02 00:00:00'）",
                            f"{col!r}: dates/times are stored as text ('2023/01/02 00:00:00')"))
        elif isinstance(dtype, (pd.Int64Dtype, pd.Int32Dtype, pd.Int16Dtype, pd.Int8Dtype,
                                pd.UInt64Dtype, pd.UInt32Dtype, pd.UInt16Dtype, pd.UInt8Dtype,
                                pd.BooleanDtype)):
            if values.isna().any():
                lost.append(msg(f"{col!r}：含缺失值的整数/布尔值读回时变成浮点数（1.0、NaN）",
                                f"{col!r}: integers/booleans with missing values come back as "
                                "floats (1.0, NaN)"))
        elif pd.api.types.is_float_dtype(dtype):
            v = values.to_numpy(dtype="float64", na_value=np.nan)
            with np.errstate(invalid="ignore", over="ignore"):
                # a .dbf number keeps 15 decimal places: 1.234567e-12 comes back as 1.235e-12
                cut = np.isfinite(v) & (np.abs(np.round(v, 15) - v) > 1e-12 * np.abs(v))
            if cut.any():
                lost.append(msg(f"{col!r}：很小的数值（行号：{format_ids(values.index[cut])}）"
                                "会舍入到 .dbf 数值能保存的 15 位小数",
                                f"{col!r}: small values (rows {format_ids(values.index[cut])}) are "
                                "rounded to the 15 decimal places a .dbf number holds"))
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            empty = (values == "").to_numpy(dtype=bool, na_value=False)
            if empty.any():
                lost.append(msg(f"{col!r}：空文本 \"\" 读回时变成缺失值（None/NaN）"
                                f"（行号：{format_ids(values.index[empty])}）",
                                f"{col!r}: empty text \"\" comes back as missing (None/NaN) "
                                f"(rows {format_ids(values.index[empty])})"))
            if dtype == object:
                kinds = _object_kinds(values)
                if "datetime" in kinds:
                    lost.append(msg(f"{col!r}：日期/时间存为文本", f"{col!r}: dates/times are stored as text"))
    if lost:
        warnings.warn(msg(
            f"{path}：shapefile 会改变这些列：{'；'.join(lost)}。如要原样保留，请改写成 GeoPackage（.gpkg）",
            f"{path}: a shapefile changes these columns: {'; '.join(lost)}. To keep them as they "
            "are, write a GeoPackage (.gpkg) instead"), LossyWriteWarning, stacklevel=3)


def _object_kinds(values: pd.Series) -> set[str]:
    """Which non-text kinds an object column holds (a cheap look at its first values)."""
    import datetime as dt

    head = values.dropna().head(100)
    kinds = set()
    for v in head:
        if isinstance(v, (dt.date, dt.datetime, pd.Timestamp)):
            kinds.add("datetime")
    return kinds


# ---------------------------------------------------------------------------
# staging and reading back
# ---------------------------------------------------------------------------


def prepare_folder(folder: Path) -> None:
    """Finish interrupted swaps and remove stale temporary files before writing into ``folder``."""
    clean_stale(folder)


def _write_staged(gdf: gpd.GeoDataFrame, staged: Path, *, driver: str, layer: str) -> None:
    if driver == "Parquet":
        gdf.to_parquet(staged)
        return
    kwargs: dict[str, Any] = {}
    if driver == "ESRI Shapefile":
        kwargs["encoding"] = "UTF-8"
    if driver in ("GPKG", "OpenFileGDB"):
        kwargs["layer"] = layer
    gdf.to_file(staged, driver=driver, engine="pyogrio", **kwargs)


def stage(gdf: gpd.GeoDataFrame, staged: Path, path: Path, *, driver: str, layer: str,
          errors: tuple[type[BaseException], ...]) -> None:
    """Write ``gdf`` to ``staged`` and check it reads back; errors name ``path``."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _write_staged(gdf, staged, driver=driver, layer=layer)
    except XigeoError:
        raise
    except OSError as err:
        raise write_error(path, err) from err
    except errors as err:
        text = str(err)
        if "No space left" in text or "disk full" in text.lower():
            raise disk_full(path, err) from err
        raise LayerWriteError(msg(f"{path}：GDAL 无法写出：{err}",
                                  f"{path}: GDAL could not write it: {err}")) from err
    for w in caught:
        if not issubclass(w.category, LossyWriteWarning):
            log.warning("%s: %s", path, w.message)
    if driver == "ESRI Shapefile":
        staged.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    verify(staged, path, driver=driver, layer=layer, expected=len(gdf))


def verify(staged: Path, path: Path, *, driver: str, layer: str, expected: int) -> None:
    """Check the written file cheaply: its feature count (read_info / Parquet metadata) and,
    for a shapefile, that each part is as long as its header says."""
    import pyogrio

    if driver == "ESRI Shapefile":
        _verify_shapefile(staged, path, expected)
    try:
        if driver == "Parquet":
            import pyarrow.parquet as pq

            found = pq.read_metadata(staged).num_rows
        else:
            info = pyogrio.read_info(staged, layer=layer if driver in ("GPKG", "OpenFileGDB") else None)
            found = int(info["features"])
    except Exception as err:  # any failure to read back means the file is bad
        raise unreadable(path, f"{type(err).__name__}: {err}") from err
    if found != expected:
        raise unreadable(path, msg(f"{expected} 个要素中只有 {found} 个", f"{found} of {expected} features"))


def _verify_shapefile(staged: Path, path: Path, expected: int) -> None:
    for ext in (".shp", ".shx"):
        part = staged.with_suffix(ext)
        try:
            size = part.stat().st_size
            with open(part, "rb") as f:
                head = f.read(28)
        except OSError as err:
            raise unreadable(path, f"{part.name}: {err}") from err
        if len(head) < 28 or struct.unpack(">i", head[24:28])[0] * 2 != size:
            raise unreadable(path, msg(f"{part.name} 为 {size} 字节，与其文件头给出的长度不符",
                                       f"{part.name} is {size} bytes, not the length its header gives"))
    if staged.with_suffix(".shx").stat().st_size != 100 + 8 * expected:
        raise unreadable(path, msg(f"{staged.with_suffix('.shx').name} 没有索引 {expected} 个图形",
                                   f"{staged.with_suffix('.shx').name} does not index {expected} shapes"))
    dbf = staged.with_suffix(".dbf")
    try:
        size = dbf.stat().st_size
        with open(dbf, "rb") as f:
            head = f.read(12)
    except OSError as err:
        raise unreadable(path, f"{dbf.name}: {err}") from err
    if len(head) < 12:
        raise unreadable(path, msg(f"{dbf.name} 只有 {size} 字节", f"{dbf.name} is {size} bytes"))
    records, header_len, record_len = struct.unpack("<IHH", head[4:12])
    if records != expected or size < header_len + records * record_len:
        raise unreadable(path, msg(f"{dbf.name} 在 {size} 字节中有 {records} 条记录，应为 {expected} 条",
                                   f"{dbf.name} holds {records} records in {size} bytes, "
                                   f"expected {expected}"))


# ---------------------------------------------------------------------------
# moving into place
# ---------------------------------------------------------------------------


def file_state(path: Path) -> tuple[int, int, int] | None:
    """What tells whether ``path`` changed: inode, size and mtime (None if it is gone)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def place_layer(staged: Path, path: Path, *, overwrite: bool) -> None:
    """Move a staged single-file layer (or .gdb folder) into place (see :func:`xigeo._files.place`)."""
    place(staged, path, overwrite=overwrite)


def _swap_step(step: int) -> None:
    """Called after each rename of a shapefile swap (tests interrupt the swap here)."""


def _parts(path: Path, exts: tuple[str, ...]) -> list[Path]:
    """The files of the shapefile set ``path`` (same stem, any case of extension)."""
    wanted = {e.lower() for e in exts}
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries
                  if p.stem == path.stem and p.suffix.lower() in wanted and not p.is_dir())


def _write_journal(journal: Path, data: dict[str, Any]) -> None:
    tmp = temp_path(journal, folder=True)
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, journal)


def replace_shapefile(tmp: Path, path: Path, *, overwrite: bool) -> None:
    """Swap the shapefile set ``path`` for the new parts in ``tmp``; the old set (and its stale
    index files) is kept until the new one is complete, and put back on failure."""
    folder = path.parent
    stem = path.stem
    new_parts = sorted(p for p in tmp.iterdir() if p.is_file() and p.stem == stem)
    old_parts = _parts(path, SHAPEFILE_PARTS + STALE_SIDECARS)
    if old_parts and not overwrite:
        raise appeared(path)
    backup = temp_path(path, folder=True)
    backup.mkdir()
    journal = folder / (temp_path(path, folder=True).name.replace(".xigeo-tmp", SWAP_TAG))
    _write_journal(journal, {"pid": os.getpid(), "shp": path.name, "tmp": tmp.name,
                             "backup": backup.name, "new": [p.name for p in new_parts],
                             "old": [p.name for p in old_parts]})
    moved: list[Path] = []
    placed: list[Path] = []
    step = 0
    try:
        for old in old_parts:
            _move(old, backup / old.name)
            moved.append(old)
            step += 1
            _swap_step(step)
        for new in new_parts:
            target = folder / new.name
            _link_new(new, target)
            placed.append(target)
            step += 1
            _swap_step(step)
    except BaseException as err:
        for target in placed:
            with contextlib.suppress(OSError):
                target.unlink()
        for old in moved:
            with contextlib.suppress(OSError):
                _move(backup / old.name, old)
        with contextlib.suppress(OSError):
            journal.unlink()
        shutil.rmtree(backup, ignore_errors=True)
        if isinstance(err, FileExistsError):
            part = Path(err.filename or '').name
            raise LayerWriteError(msg(
                f"{path}：xigeo 写入期间出现了 {part or '一个组成文件'}（另一程序同时写入）；"
                f"未作任何改动。解决：写到其他文件名，或用 {fix('overwrite=True', '--overwrite')} 替换",
                f"{path}: {part or 'a part'} appeared while xigeo was "
                "writing it (another program wrote it meanwhile); nothing was changed. Fix: write "
                f"to another name, or {fix('overwrite=True', '--overwrite')} to replace it")) from None
        if isinstance(err, OSError):
            raise LayerWriteError(msg(f"{path}：无法把新文件移到位（{err}）；旧文件已放回",
                                      f"{path}: could not move the new files into place ({err}); the "
                                      "old files were put back")) from err
        raise
    journal.unlink()
    shutil.rmtree(backup, ignore_errors=True)
