"""Safe file writing: a temporary file beside the target, renamed into place.

A crash, a full disk or an exception while writing never leaves half a file
at the target path, and an existing file is replaced only when asked.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import LayerWriteError

__all__ = ["atomic_path"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = False,
                protect: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """Yield a temporary path to write to; on success rename it to ``path``.

    The temporary file is in the same folder (so the rename is atomic) and
    has the same suffix (so drivers that look at it pick the right format).

    Parameters
    ----------
    path : path-like
        The file to write.
    overwrite : bool
        Replace ``path`` if it exists; by default an existing file is refused
        (LayerWriteError) before anything is written.
    protect : path-like, optional
        A file that must never be overwritten (the input the data was read from).

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "表.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("地类,面积\\n", encoding="utf-8")
    >>> target.read_text(encoding="utf-8")
    '地类,面积\\n'
    """
    path = Path(path)
    if protect is not None and path.resolve() == Path(protect).resolve():
        raise LayerWriteError(f"{path}: refusing to overwrite the file the data was read from; "
                              "write to a new file")
    if path.exists() and not overwrite:
        raise LayerWriteError(f"{path} exists; pass overwrite=True (CLI: --overwrite) to replace it")
    if not path.parent.is_dir():
        raise LayerWriteError(f"{path}: folder {path.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # let the writer create it (some drivers refuse an existing file)
    try:
        yield tmp
        if not tmp.exists():
            raise LayerWriteError(f"{path}: nothing was written")
        if tmp.is_dir():
            if path.exists():
                shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise
