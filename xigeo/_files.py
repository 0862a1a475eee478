"""Safe file writing: a temporary file beside the target, linked into place.

A crash, a full disk or an exception while writing never leaves half a file
at the target path, and an existing file is replaced only when asked:

- the data goes to a temporary name in the target's folder (``.NAME.PID-XXXX.xigeo-tmp.SUFFIX``:
  the same suffix, so drivers pick the right format, and the writer's process id,
  so a later write can tell a live writer's file from one a killed process left);
- without ``overwrite`` the last step is ``os.link`` (or, where the file system has
  no hard links, an ``O_EXCL`` placeholder replaced by ``os.rename``), which fails
  if the target appeared meanwhile: two processes writing the same new file never
  both succeed, the second gets a :class:`~xigeo.errors.LayerWriteError`;
- a folder is never deleted or replaced by a file (only a FileGDB ``.gdb``
  folder is replaced by a new ``.gdb``, and only with ``overwrite``);
- a full disk (ENOSPC) or a refused permission is a LayerWriteError naming the file;
- temporary files a killed process left (its pid is gone, or older than
  :data:`STALE_AFTER_S`) are removed by the next write to that folder.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ._lang import msg
from .errors import LayerWriteError, XigeoError, fix

__all__ = ["atomic_path", "temp_path", "place", "clean_stale", "write_error", "refuse_folder",
           "refuse_inputs", "same_file", "recover_swaps", "TMP_TAG", "SWAP_TAG", "STALE_AFTER_S"]

#: every temporary name xigeo makes contains this
TMP_TAG = ".xigeo-tmp"
#: the journal of a shapefile swap under way ends in this (xigeo._writer.replace_shapefile)
SWAP_TAG = ".xigeo-swap"
#: a temporary file older than this is stale even if its pid is alive (pids are reused)
STALE_AFTER_S = 6 * 3600.0

# .NAME.PID-RANDOM.xigeo-tmp[SUFFIX]; the old form (.NAME.RANDOM.xigeo-tmp) has no pid
_TMP_NAME = re.compile(r"^\..*\.(?:(\d+)-)?[A-Za-z0-9_]+\.xigeo-tmp(\.[^.]*)?$")
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)


def temp_path(path: Path, *, folder: bool = False) -> Path:
    """A fresh temporary name beside ``path`` (not created), tagged with this process's pid."""
    tag = f"{os.getpid()}-{secrets.token_hex(4)}"
    return path.parent / (f".{path.name}.{tag}{TMP_TAG}" + ("" if folder else path.suffix))


def _pid_alive(pid: int) -> bool:
    """Is process ``pid`` running? (True when it cannot be told: only age makes it stale then.)"""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) there would send CTRL_C_EVENT: do not probe
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: keep it
    return True


def _is_stale(entry: Path, now: float) -> bool:
    match = _TMP_NAME.match(entry.name)
    if match is None:
        return False
    try:
        age = now - entry.lstat().st_mtime
    except OSError:
        return False
    if age > STALE_AFTER_S:
        return True
    pid = match.group(1)
    return pid is not None and not _pid_alive(int(pid))


def clean_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and folders killed xigeo writes left in ``folder``.

    Only names xigeo makes (``.….xigeo-tmp…``) whose writer is gone (its pid is
    not running) or that are older than :data:`STALE_AFTER_S`; an interrupted
    shapefile swap is finished first (:func:`recover_swaps`). Returns what was
    removed.
    """
    removed: list[Path] = []
    recover_swaps(folder)
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if TMP_TAG not in entry.name or not _is_stale(entry, now):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            continue
    return removed


def recover_swaps(folder: Path) -> list[Path]:
    """Finish the shapefile swaps a killed process left in ``folder`` (see the module notes).

    A swap whose new parts were partly in place is completed (the new set is
    whole); one where none were is undone (the old set is whole). Returns the
    shapefiles recovered.
    """
    recovered: list[Path] = []
    try:
        journals = [p for p in folder.iterdir() if p.name.endswith(SWAP_TAG)]
    except OSError:
        return recovered
    for journal in journals:
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            pid = int(data["pid"])
            age = time.time() - journal.stat().st_mtime
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _pid_alive(pid) and age < STALE_AFTER_S:
            continue  # a live writer's swap
        tmp, backup = folder / data["tmp"], folder / data["backup"]
        pending = [n for n in data["new"] if (tmp / n).is_file()]
        if len(pending) == len(data["new"]):  # no new part in place: put the old set back
            for name in data["old"]:
                if (backup / name).is_file() and not (folder / name).exists():
                    _move(backup / name, folder / name)
        else:  # the new set was going in (so the old parts are all in the backup): finish it
            for name in pending:
                _move(tmp / name, folder / name)
        shutil.rmtree(backup, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
        journal.unlink()
        recovered.append(folder / data["shp"])
    return recovered


def disk_full(path: Path, err: object) -> LayerWriteError:
    """The LayerWriteError for a full disk while writing ``path``."""
    return LayerWriteError(msg(
        f"{path}：磁盘已满（{err}）；那里什么也没写。解决：在 {path.parent} 腾出空间"
        "（或写到另一块磁盘）后再运行一次",
        f"{path}: the disk is full ({err}); nothing was written there. Fix: free space on "
        f"{path.parent} (or write to another disk) and run it again"))


def unreadable(path: Path, why: str) -> LayerWriteError:
    """The LayerWriteError for a written file that does not read back (``why``)."""
    return LayerWriteError(msg(
        f"{path}：写出的文件读不回来（{why}）；可能磁盘已满或写入被中断。{path} 未作任何改动。"
        f"解决：在 {path.parent} 腾出空间（或写到另一块磁盘）后再运行一次",
        f"{path}: the file written does not read back ({why}); the disk may be full or the "
        f"write was cut short. Nothing was changed at {path}. Fix: free space on {path.parent} "
        "(or write to another disk) and run it again"))


def appeared(path: Path) -> LayerWriteError:
    """The LayerWriteError for a target another writer created while this one wrote."""
    return LayerWriteError(msg(
        f"xigeo 写入 {path} 期间该文件出现了（另一程序或另一次 xigeo 运行同时写入）；"
        f"它保持原样，本次结果未保存。解决：写到其他文件名，或用 "
        f"{fix('overwrite=True', '--overwrite')} 替换",
        f"{path} appeared while xigeo was writing it (another program or xigeo run wrote it "
        f"meanwhile); it was left as it is and this result was not saved. Fix: write to "
        f"another name, or {fix('overwrite=True', '--overwrite')} to replace it"))


def write_error(path: Path, err: BaseException) -> LayerWriteError:
    """The LayerWriteError for an OSError while writing ``path`` (disk full, permission…)."""
    if isinstance(err, LayerWriteError):
        return err
    code = getattr(err, "errno", None)
    if code in _FULL:
        return disk_full(path, err)
    if isinstance(err, PermissionError) or code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return LayerWriteError(msg(
            f"{path}：没有写入权限（{err}）；未作任何改动。解决：如有其他程序（ArcGIS、Excel）"
            "打开了该文件请先关闭，或写到有写入权限的文件夹",
            f"{path}: no permission to write there ({err}); nothing was changed. Fix: close the file "
            "if another program (ArcGIS, Excel) has it open, or write to a folder you can write to"))
    return LayerWriteError(msg(f"{path}：无法写出（{err}）；{path} 未作任何改动",
                               f"{path}: could not write it ({err}); nothing was changed at {path}"))


def refuse_folder(path: Path, *, allow_gdb: bool = False) -> None:
    """A folder at ``path`` is never deleted or replaced by a file (a FileGDB may be, if allowed)."""
    if path.is_dir() and not (allow_gdb and _looks_like_gdb(path)):
        raise LayerWriteError(msg(
            f"{path} 是文件夹；xigeo 从不删除或替换文件夹（{fix('overwrite=True', '--overwrite')} "
            "对此无效）。解决：写到一个不是文件夹的文件名",
            f"{path} is a folder; xigeo never deletes or replaces a folder "
            f"({fix('overwrite=True', '--overwrite')} does not apply). Fix: write to a file name "
            "that is not a folder"))


def _looks_like_gdb(path: Path) -> bool:
    return path.suffix.lower() == ".gdb" and path.is_dir() and any(path.glob("*.gdbtable"))


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Do ``a`` and ``b`` name the same file (links, ``..`` and case followed as the file system
    does; a shapefile and its .dbf/.shx … parts count)?"""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    with contextlib.suppress(OSError):
        if a.exists() and b.exists() and os.path.samefile(a, b):
            return True
    parts = {".shp", ".dbf", ".shx", ".prj", ".cpg"}
    if a.suffix.lower() in parts and b.suffix.lower() in parts:
        stem_a, stem_b = a.resolve().with_suffix(""), b.resolve().with_suffix("")
        if stem_a == stem_b:
            return True
        # a case-insensitive file system (Windows, macOS): x.SHP and x.dbf are one set
        shp_a, shp_b = stem_a.with_suffix(".shp"), stem_b.with_suffix(".shp")
        with contextlib.suppress(OSError):
            return shp_a.exists() and shp_b.exists() and os.path.samefile(shp_a, shp_b)
    return False


_same = same_file


def refuse_inputs(path: Path, inputs: Iterable[str | os.PathLike[str] | None]) -> None:
    """Refuse to write ``path`` when it is one of ``inputs`` (links, ``..``, shapefile parts)."""
    for source in inputs:
        if source is not None and _same(Path(source), path):
            raise LayerWriteError(msg(
                f"{path}：拒绝覆盖数据读取的源文件（{source}）；xigeo 从不覆盖输入文件"
                f"（{fix('overwrite=True', '--overwrite')} 对此无效）。解决：写到新文件",
                f"{path}: refusing to overwrite the file the data was read from "
                f"({source}); xigeo never overwrites its input ({fix('overwrite=True', '--overwrite')} "
                "does not apply). Fix: write to a new file"))


def _check_complete(tmp: Path, path: Path) -> None:
    """A cheap look at the end of a file whose format has one (a full disk leaves it short)."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".zip"):
            import zipfile

            with zipfile.ZipFile(tmp) as archive:  # reads the central directory at the end
                archive.infolist()
            return
        tails = {".pdf": b"%%EOF", ".png": b"IEND"}
        if suffix in tails:
            with open(tmp, "rb") as f:
                f.seek(max(0, tmp.stat().st_size - 1024))
                ok = tails[suffix] in f.read()
            if not ok:
                raise ValueError(msg(f"末尾没有 {tails[suffix].decode()}",
                                     f"no {tails[suffix].decode()} at its end"))
    except Exception as err:  # a short or damaged file
        raise unreadable(path, str(err)) from err


def _move(src: Path, dst: Path) -> None:
    """One rename (its own function so tests can interrupt a sequence of them)."""
    os.replace(src, dst)


def _link_new(src: Path, dst: Path) -> None:
    """Move file ``src`` to ``dst`` only if ``dst`` does not exist (FileExistsError otherwise)."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as err:  # no hard links here (FAT, some network shares): placeholder + rename
        if err.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV,
                             errno.EMLINK, errno.ENOSYS, errno.EACCES):
            raise
        fd = os.open(dst, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.close(fd)
        _move(src, dst)
        return
    os.unlink(src)


def place(tmp: Path, path: Path, *, overwrite: bool) -> None:
    """Put the written ``tmp`` at ``path``: never replacing a file unless ``overwrite``,
    never replacing a folder (except a FileGDB by a FileGDB)."""
    try:
        if tmp.is_dir():
            if path.exists() and not overwrite:
                raise FileExistsError(errno.EEXIST, "exists", str(path))
            if path.exists():
                refuse_folder(path, allow_gdb=True)
                if not path.is_dir():
                    raise LayerWriteError(msg(f"{path} 是文件，而 FileGDB 是文件夹。解决：删除它或写到其他名称",
                                              f"{path} is a file; a FileGDB is a folder. Fix: remove "
                                              "it or write to another name"))
                old = temp_path(path, folder=True)
                _move(path, old)
                try:
                    _move(tmp, path)
                except OSError:
                    _move(old, path)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                path.mkdir()  # exclusive: fails if someone else made it meanwhile
                try:
                    os.rename(tmp, path)  # replaces the empty folder just made (POSIX)
                except OSError:
                    path.rmdir()  # a system that does not replace an empty folder
                    os.rename(tmp, path)
            return
        if overwrite:
            refuse_folder(path)
            _move(tmp, path)
        else:
            _link_new(tmp, path)
    except FileExistsError:
        raise appeared(path) from None
    except XigeoError:
        raise
    except OSError as err:
        raise write_error(path, err) from err


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = False,
                protect: str | os.PathLike[str] | Iterable[str | os.PathLike[str] | None] | None = None,
                verify: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """Yield a temporary path to write to; on success move it to ``path``.

    The temporary file is in the same folder (so the move is atomic) and
    has the same suffix (so drivers that look at it pick the right format).

    Parameters
    ----------
    path : path-like
        The file to write.
    overwrite : bool
        Replace ``path`` if it exists; by default an existing file is refused
        (LayerWriteError) before anything is written, and one that appears
        while writing is not replaced either.
    protect : path-like or iterable of them, optional
        Files that must never be overwritten (the inputs the data was read from).
    verify : callable, optional
        Called with the temporary path before it is moved into place; it raises
        if the file does not read back (a full disk can leave a short file).
        Without it, an .xlsx is checked to open as a zip, a .pdf to end in
        ``%%EOF`` and a .png in its ``IEND`` chunk.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "表.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("地类,面积\\n", encoding="utf-8")
    >>> target.read_text(encoding="utf-8")
    '地类,面积\\n'
    """
    path = Path(path)
    if protect is not None:
        refuse_inputs(path, [protect] if isinstance(protect, (str, os.PathLike)) else protect)
    refuse_folder(path)
    if path.exists() and not overwrite:
        raise LayerWriteError(msg(f"{path} 已存在；如要替换请用 {fix('overwrite=True', '--overwrite')}，"
                                  "或写到其他名称",
                                  f"{path} exists; pass {fix('overwrite=True', '--overwrite')} to "
                                  "replace it, or write to another name"))
    if not path.parent.is_dir():
        raise LayerWriteError(msg(f"{path}：文件夹 {path.parent} 不存在",
                                  f"{path}: folder {path.parent} does not exist"))
    clean_stale(path.parent)
    tmp = temp_path(path)
    try:
        try:
            yield tmp
        except XigeoError:
            raise
        except OSError as err:
            raise write_error(path, err) from err
        if not tmp.exists():
            raise LayerWriteError(msg(f"{path}：什么也没写出", f"{path}: nothing was written"))
        if verify is not None:
            verify(tmp)
        else:
            _check_complete(tmp, path)
        place(tmp, path, overwrite=overwrite)
    finally:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                tmp.unlink()
