"""Options every ``xigeo`` command spells the same way, defined once.

``overwrite_option``, ``encoding_option``, ``crs_option``, ``labels_option``,
``method_option``, ``unit_option``, ``tolerance_option`` and
``output_option`` are click decorators; the choices come from the library's
enums, so the CLI accepts what the Python API accepts. :func:`check_outputs`
refuses an existing output before anything is computed (``--overwrite``
replaces it), so a long run never ends in "file exists".
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from ._i18n import h, t
from .._options import LANGS
from ..area import AreaMethod
from ..errors import LayerWriteError

__all__ = ["overwrite_option", "encoding_option", "crs_option", "crs_for", "read_input", "labels_option",
           "method_option", "unit_option", "tolerance_option", "output_option", "check_outputs",
           "no_cache_option",
           "METHODS", "LABELS"]

F = TypeVar("F", bound=Callable[..., Any])

#: area methods, from :class:`xigeo.area.AreaMethod`
METHODS = tuple(m.value for m in AreaMethod)
#: table header languages (xigeo._options.LANGS), English the CLI's default
LABELS = tuple(sorted(LANGS))


def overwrite_option(func: F) -> F:
    """``--overwrite``: replace output files that exist (default: refuse)."""
    return click.option("--overwrite", is_flag=True,
                        help=h("覆盖已存在的输出文件（默认：拒绝，不改动任何文件）。",
                               "Replace output files that exist (default: refuse and change nothing)."))(func)


def encoding_option(func: F) -> F:
    """``--encoding``: the attribute tables' text encoding, overriding .cpg."""
    return click.option("--encoding", help=h("属性表的文字编码，如 gbk（优先于 .cpg 文件）。",
                                             "Text encoding of the attribute tables, e.g. gbk "
                                             "(overrides .cpg)."))(func)


def crs_option(func: F) -> F:
    """``--crs [FILE=]CRS`` (repeatable): the CRS of the inputs (read_layer's ``crs=``).

    A plain value applies to every input the command reads; ``FILE=CRS`` (the file's
    name or path) to that input only. Read a layer's value with :func:`crs_for`.
    """
    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_crs_files(kwargs.get("crs") or (), kwargs.values())
        return func(*args, **kwargs)

    return click.option("--crs", "crs", multiple=True, metavar="[FILE=]CRS",
                        help=h("输入数据的坐标系，如 EPSG:4527，用于缺少 .prj 或 .prj 有误的文件：只"
                               "改标注的坐标系，不做投影转换。FILE=CRS（如 parcels.shp=EPSG:4509）只"
                               "设定一个输入文件；可重复。",
                               "CRS of the inputs, e.g. EPSG:4527, for a file without a .prj or with "
                               "a wrong one: the coordinates are relabelled (not reprojected). "
                               "FILE=CRS (e.g. parcels.shp=EPSG:4509) sets one input only; "
                               "repeatable."))(checked)  # type: ignore[return-value]


def _file_item(item: str) -> str | None:
    """The FILE of a ``FILE=CRS`` item (None for a plain CRS, a PROJ string included)."""
    name, sep, _ = item.partition("=")
    name = name.strip()
    return name if sep and Path(name).suffix and not name.startswith("+") else None


def _check_crs_files(items: Iterable[str], values: Iterable[Any]) -> None:
    """Refuse ``--crs FILE=CRS`` naming no input of the command (a typo would be ignored)."""
    names: set[str] = set()
    for value in values:
        for v in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(v, (str, os.PathLike)):
                text = os.fspath(v)
                if os.path.isdir(text):
                    return  # a folder of layers (xigeo report DATA): its files are the inputs
                names |= {Path(text).name, Path(text.rsplit(":", 1)[-1]).name}
    for item in items:
        name = _file_item(item)
        if name is not None and Path(name).name not in names:
            from ..errors import OptionError

            raise OptionError(t(f"--crs {item}：{name} 不是本命令的输入文件。解决："
                                "--crs FILE=CRS 中写本命令某个输入文件的名称，或用 --crs CRS 指定全部输入",
                                f"--crs {item}: {name} is not an input of this command. Fix: "
                                "--crs FILE=CRS with the name of one of its input files, or "
                                "--crs CRS for all of them"))


def crs_for(path: str | os.PathLike[str] | None, crs: Iterable[str] | str | None) -> str | None:
    """The ``--crs`` value for the input ``path``: its ``FILE=CRS`` item, else the plain one.

    >>> crs_for("data/parcels.shp", ("EPSG:4526", "parcels.shp=EPSG:4509"))
    'EPSG:4509'
    >>> crs_for("data/farmland.shp", ("EPSG:4526", "parcels.shp=EPSG:4509"))
    'EPSG:4526'
    >>> crs_for("farmland.shp", ("parcels.shp=EPSG:4509",)) is None
    True
    """
    if crs is None or path is None:
        return None
    items = (crs,) if isinstance(crs, str) else tuple(crs)
    target, plain = Path(path), None
    for item in items:
        name = _file_item(item)
        if name is not None:
            if Path(name).name == target.name or Path(name) == target:
                return item.partition("=")[2].strip()
            continue
        plain = item
    return plain


def read_input(path: str | os.PathLike[str], crs: Iterable[str] | str | None, **kwargs: Any) -> Any:
    """``read_layer(path, crs=<the --crs value for path>, **kwargs)``."""
    from ..io import read_layer

    return read_layer(path, crs=crs_for(path, crs), **kwargs)


def labels_option(func: F) -> F:
    """``--labels en|zh``: column headers with units, or Chinese report headers."""
    return click.option("--labels", type=click.Choice(LABELS), default="en", show_default=True,
                        help=h("表头：zh（中文报表表头）或 en（英文字段名，带单位）。",
                               "Column headers: en (with units) or zh (Chinese report headers)."))(func)


def method_option(func: F) -> F:
    """``--method``: the area method (choices from :class:`xigeo.area.AreaMethod`)."""
    return click.option("--method", type=click.Choice(METHODS), default="ellipsoidal",
                        show_default=True,
                        help=h("面积算法：ellipsoidal 为三调椭球面积算法；geodesic 为 Karney 测地线算"
                               "法；planar 为投影平面面积。",
                               "ellipsoidal: the land-survey method (三调); geodesic: Karney; "
                               "planar: map plane."))(func)


def no_cache_option(func: F) -> F:
    """``--no-cache``: read a reference layer from its file, not from the prepared-layer cache."""
    return click.option("--no-cache", is_flag=True,
                        help=h("每次都从文件读取参照图层，不用用户缓存文件夹中的预处理副本（见 xigeo "
                               "prepare）。",
                               "Read the reference layer from its file every time instead of the "
                               "prepared copy in the user cache folder (xigeo prepare)."))(func)


def unit_option(default: str = "ha") -> Callable[[F], F]:
    """``--unit``: an area unit in English or Chinese."""
    return click.option("--unit", default=default, show_default=True,
                        help=h("面积单位：平方米、公顷、亩、平方公里（或 m2、ha、mu、km2）。",
                               "m2, ha, mu, km2 (or 平方米, 公顷, 亩, 平方公里)."))


def tolerance_option(default: float = 10.0) -> Callable[[F], F]:
    """``--tolerance``: the sliver tolerance in m²."""
    return click.option("--tolerance", "tolerance_m2", type=float, default=default, show_default=True,
                        help=h("碎片容差（平方米）：不超过此面积的重叠只列出，不算不合格。",
                               "Sliver tolerance in m²: overlaps up to this area are listed, not counted "
                               "as a failure."))


def output_option(help: str, *, required: bool = False) -> Callable[[F], F]:
    """``-o/--output``: the file to write."""
    return click.option("-o", "--output", type=click.Path(path_type=Path), required=required,
                        help=help)


def check_outputs(paths: Iterable[str | os.PathLike[str] | None], *, overwrite: bool,
                  inputs: Iterable[str | os.PathLike[str] | None] = ()) -> None:
    """Refuse, before any work, an output that exists (without ``--overwrite``) or has no folder,
    and an output that is one of the command's ``inputs`` or a folder (``--overwrite`` or not)."""
    from .._files import refuse_folder, same_file

    sources = [Path(p) for p in inputs if p is not None]
    outputs: list[Path] = []
    for path in paths:
        if path is None:
            continue
        path = Path(path)
        for earlier in outputs:
            if earlier.resolve() == path.resolve():
                raise LayerWriteError(t(f"{path} 被指定为两个输出（{earlier}）；后一个会覆盖前一个。"
                                        "解决：每个输出用不同的文件名",
                                        f"{path} is given for two outputs ({earlier}); the second "
                                        "would replace the first. Fix: give each output its own name"))
        outputs.append(path)
        for source in sources:
            if same_file(source, path):
                raise LayerWriteError(t(f"{path} 是本命令的输入文件；xigeo 从不覆盖输入文件"
                                        "（--overwrite 对此无效）。解决：写到新文件",
                                        f"{path} is an input of this command; xigeo never overwrites "
                                        "its input (--overwrite does not apply). Fix: write to a new file"))
        refuse_folder(path, allow_gdb=True)
        if path.exists() and not overwrite:
            raise LayerWriteError(t(f"{path} 已存在。解决：换一个文件名，或加 --overwrite 覆盖",
                                    f"{path} exists. Fix: another name, or --overwrite to replace it"))
        if not path.parent.is_dir():
            raise LayerWriteError(t(f"{path}：文件夹 {path.parent} 不存在",
                                    f"{path}: folder {path.parent} does not exist"))
