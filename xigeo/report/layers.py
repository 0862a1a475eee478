"""Where a report's layers are: the sections, the mapping file, folders and GeoPackages.

Nothing here draws or computes: it decides which sections the data support
(:data:`SECTIONS`), finds each layer (:func:`resolve_layers`, with a mapping
file read by :func:`read_mapping`) and reads it with the mapped field names.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._lang import msg
from ..errors import LayerReadError, OptionError, SchemaError

log = logging.getLogger(__name__)

__all__ = ["Section", "SECTIONS", "RASTERS", "read_mapping", "resolve_layers", "plan", "read"]

RASTERS = {"minepark_dem"}
VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
RASTER_SUFFIXES = (".tif", ".tiff")

@dataclasses.dataclass(frozen=True)
class Section:
    """One report section: its title, the headline topic it carries, the layers it reads.

    ``layers`` are read when any of them is in the data; then all of them are
    required. ``optional`` layers are drawn or used when present.
    """

    key: str
    title: str
    topic: str | None
    layers: tuple[str, ...]
    optional: tuple[str, ...] = ()


#: The report's sections, in order (the summary page comes first).
SECTIONS: tuple[Section, ...] = (
    Section("overview", "土地利用现状", None, ("dltb",),
            ("county", "townships", "survey_area", "survey_townships", "villages")),
    Section("qc", "图斑数据质检", None, ("dltb",), ("county", "survey_area", "villages", "jbnt")),
    Section("linkage", "城乡建设用地增减挂钩", "城乡建设用地增减挂钩",
            ("linkage_demolition", "linkage_newbuild", "dltb"), ("jbnt", "county")),
    Section("consolidation", "土地综合整治", "土地综合整治", ("consolidation",),
            ("townships", "county")),
    Section("prereview", "建设项目用地预审与耕地保护", "建设项目用地预审", ("prereview", "jbnt")),
    Section("industrial", "产业集聚区节约集约用地", "产业集聚区", ("industrial",)),
    Section("minepark", "濮公山矿山公园", "濮公山矿山公园",
            ("minepark", "minepark_pits", "minepark_restoration", "minepark_dem")),
    Section("stripping", "表土剥离与再利用", "表土剥离", ("stripping_sources", "stripping_receivers")),
    # the second survey year (mapping key layers.dltb_2025) against dltb: xigeo.survey_changes
    Section("changes", "国土变更调查", None, ("dltb", "dltb_2025"), ("survey_area", "county")),
    # satellite change patches against approvals (xigeo.enforcement_check)
    Section("enforcement", "卫片执法检查", None, ("changes", "approvals", "jbnt", "dltb"),
            ("townships",)),
)
#: the layers that decide whether a section is in the report (the rest it then requires)
_PRIMARY = {"overview": ("dltb",), "qc": ("dltb",), "linkage": ("linkage_demolition", "linkage_newbuild"),
            "consolidation": ("consolidation",), "prereview": ("prereview",),
            "industrial": ("industrial",),
            "minepark": ("minepark", "minepark_pits", "minepark_restoration"),
            "stripping": ("stripping_sources", "stripping_receivers"), "changes": ("dltb_2025",),
            "enforcement": ("changes", "approvals")}


# ---------------------------------------------------------------- layers and the mapping file

def _known_layers() -> tuple[str, ...]:
    from .. import sample

    return sample.available


def read_mapping(mapping: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """Read and check a mapping of layer and field names (a JSON file or a dict).

    The mapping has two optional parts::

        {"layers": {"dltb": "土地利用/DLTB.shp",
                    "jbnt": {"path": "基本农田.gpkg", "layer": "JBNT"},
                    "prereview": {"layer": "预审项目"}},
         "fields": {"prereview": {"XMBH": "项目编号", "YDBZMJ": "用地标准面积"}}}

    ``layers`` maps a xigeo layer name to a file (relative paths are relative
    to DATA when it is a folder, else to the mapping file's folder), or to
    ``{"path": ..., "layer": ...}`` for a layer of a multi-layer file, or to
    ``{"layer": ...}`` for a layer of the DATA GeoPackage. ``fields`` maps,
    per layer, the field name xigeo uses to the name in your data.

    Examples
    --------
    >>> m = read_mapping({"layers": {"dltb": "DLTB.shp"}, "fields": {"dltb": {"DLBM": "地类编码"}}})
    >>> m["layers"]["dltb"], m["fields"]["dltb"]
    ({'path': 'DLTB.shp', 'layer': None}, {'DLBM': '地类编码'})
    >>> read_mapping({"layer": {}})
    Traceback (most recent call last):
    ...
    xigeo.errors.OptionError: mapping：未知键 layer；请用 "layers" 和 "fields"
    """
    source = "mapping"
    base: Path | None = None
    if not isinstance(mapping, Mapping):
        path = Path(mapping)
        source, base = str(path), path.resolve().parent
        try:
            mapping = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise LayerReadError(msg(f"映射文件 {path} 不存在", f"mapping file {path} does not exist")) from None
        except json.JSONDecodeError as exc:
            raise OptionError(msg(f"{path}：不是有效的 JSON（{exc}）；格式见 docs/report.md",
                                  f"{path}: not valid JSON ({exc}); see docs/report.md for the format")) from None
        if not isinstance(mapping, Mapping):
            raise OptionError(msg(f"{path}：映射文件应是一个 JSON 对象"
                                  '（{"layers": {...}, "fields": {...}}）',
                                  f"{path}: a mapping file holds a JSON object "
                                  '({"layers": {...}, "fields": {...}})'))
    unknown = sorted(set(mapping) - {"layers", "fields"})
    if unknown:
        raise OptionError(msg(f'{source}：未知键 {", ".join(unknown)}；请用 "layers" 和 "fields"',
                              f'{source}: unknown key(s) {", ".join(unknown)}; use "layers" and "fields"'))
    known = _known_layers()
    layers: dict[str, dict[str, Any]] = {}
    for name, entry in dict(mapping.get("layers") or {}).items():
        if name not in known:
            raise OptionError(msg(f'{source}："layers.{name}" 不是 xigeo 的图层名；'
                                  f"可选：{', '.join(known)}",
                                  f'{source}: "layers.{name}" is not a xigeo layer name; '
                                  f"use one of {', '.join(known)}"))
        if isinstance(entry, str):
            entry = {"path": entry, "layer": None}
        elif isinstance(entry, Mapping) and set(entry) <= {"path", "layer"} and entry:
            entry = {"path": entry.get("path"), "layer": entry.get("layer")}
        else:
            raise OptionError(msg(f'{source}："layers.{name}" 应为文件路径或 '
                                  '{"path": ..., "layer": ...}',
                                  f'{source}: "layers.{name}" must be a file path or '
                                  '{"path": ..., "layer": ...}'))
        layers[name] = entry
    fields: dict[str, dict[str, str]] = {}
    for name, renames in dict(mapping.get("fields") or {}).items():
        if name not in known:
            raise OptionError(msg(f'{source}："fields.{name}" 不是 xigeo 的图层名；'
                                  f"可选：{', '.join(known)}",
                                  f'{source}: "fields.{name}" is not a xigeo layer name; '
                                  f"use one of {', '.join(known)}"))
        if not isinstance(renames, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in renames.items()):
            raise OptionError(msg(f'{source}："fields.{name}" 应把 xigeo 字段名对应到你的字段名，'
                                  '如 {"XMMC": "项目名称"}',
                                  f'{source}: "fields.{name}" must map xigeo field names to yours, '
                                  'e.g. {"XMMC": "项目名称"}'))
        fields[name] = dict(renames)
    return {"layers": layers, "fields": fields, "base": base, "source": source}


def _find_in_folder(folder: Path, name: str) -> Path | None:
    suffixes = RASTER_SUFFIXES if name in RASTERS else VECTOR_SUFFIXES
    for suffix in suffixes:
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


#: The 三调 (third land survey) database's standard layer names, and the Chinese names some
#: exchanges use, for xigeo's layers (TD/T 1057-2020 县级国土调查数据库标准: DLTB 地类图斑,
#: XZQ 行政区 (townships, with XZQDM and KZMJ), CJDCQ 村级调查区; YJJBNTTB 永久基本农田图斑
#: of the farmland database, JBNTBHTB 基本农田保护图斑 of the older ones). Matched in any case.
STANDARD_NAMES: dict[str, tuple[str, ...]] = {
    "dltb": ("DLTB", "地类图斑"),
    "jbnt": ("JBNT", "JBNTTB", "YJJBNTTB", "YJJBNT", "JBNTBHTB", "YJJBNTBHTB",
             "永久基本农田", "永久基本农田图斑", "基本农田保护图斑"),
    "survey_townships": ("XZQ", "行政区"),
    "villages": ("CJDCQ", "村级调查区"),
}
#: standard layers of the database xigeo does not read (lines, points, annotation, other
#: polygons): recognised so that they are named in the log, never taken for another layer
UNUSED_STANDARD = ("XZQJX", "CJDCQJX", "DLJX", "CZCDYD", "GDDB", "GDPDTB", "GDDLTB", "KCDLTB",
                   "STBHHX", "ZRBHQ", "PDT", "JBNTBHPK", "LXDW", "XZDW", "ZJ", "JJX", "KZD",
                   "CSKFBJ", "STHX", "TDLYZTGH")


def _aliases(name: str) -> set[str]:
    """The names, in lower case, a layer ``name`` is recognised by (its own and the standard)."""
    return {name.lower(), *(a.lower() for a in STANDARD_NAMES.get(name, ()))}


def _ambiguous(name: str, candidates: list[str], where: str) -> LayerReadError:
    from ..errors import fix

    example = f'{{"layers": {{"{name}": "{candidates[0]}"}}}}'
    return LayerReadError(msg(
        f"{where}：有 {len(candidates)} 个图层都可能是 '{name}'：{', '.join(candidates)}。解决："
        + fix(f"在映射中指明用哪一个，如 mapping={example}",
              f"--mapping 图层对照.json，内容为 {example}")
        + "（见 docs/report.md）",
        f"{where}: {len(candidates)} layers could be '{name}': {', '.join(candidates)}. Fix: "
        + fix(f"name the one to use in a mapping, e.g. mapping={example}",
              f"--mapping 图层对照.json with {example}")
        + " (docs/report.md)"))


def _find_standard(folder: Path, name: str) -> Path | None:
    """The file in ``folder`` named ``name`` or one of its standard names (any case); two
    candidates (dltb.shp and DLTB.gpkg, JBNT.shp and YJJBNTTB.shp) are refused."""
    suffixes = RASTER_SUFFIXES if name in RASTERS else VECTOR_SUFFIXES
    names = _aliases(name)
    found = sorted(p for p in folder.iterdir()
                   if p.suffix.lower() in suffixes and p.stem.lower() in names and p.is_file())
    if len(found) > 1:
        raise _ambiguous(name, [p.name for p in found], str(folder))
    return found[0] if found else None


def _find_layer(layers: set[str], name: str, where: Path) -> str | None:
    """The layer of a GeoPackage or FileGDB named ``name`` or a standard name (any case)."""
    names = _aliases(name)
    found = sorted(layer for layer in layers if layer.lower() in names)
    if len(found) > 1:
        raise _ambiguous(name, found, str(where))
    return found[0] if found else None


def resolve_layers(data: str | os.PathLike[str] | None = None, *,
                   mapping: str | os.PathLike[str] | Mapping[str, Any] | None = None
                   ) -> dict[str, tuple[Path, str | None, str]]:
    """Where each available layer is: name -> (file, layer in the file or None, mapping key).

    Without a mapping a folder DATA holds ``<name>.shp`` (or .gpkg, .geojson)
    and ``minepark_dem.tif``; a GeoPackage (or FileGDB, ``.gdb``) DATA holds
    layers named like the sample's, with ``minepark_dem.tif`` beside it.
    The 三调 database's standard names are recognised too, in any case
    (:data:`STANDARD_NAMES`: ``DLTB.shp`` or a layer ``dltb`` is ``dltb``,
    ``YJJBNTTB``/``JBNT`` is ``jbnt``, ``XZQ`` is ``survey_townships``,
    ``CJDCQ`` is ``villages``); two candidates for one layer are refused,
    naming both (a mapping then says which). Layers the data lack are left
    out; a layer the mapping names but that does not exist is an error
    naming its mapping key.
    """
    import pyogrio

    if data is None:
        from .. import sample

        folder = sample.data_dir()
        files = {n: _find_in_folder(folder, n) for n in sample.available}
        return {n: (p, None, f"layers.{n}") for n, p in files.items() if p is not None}
    data = Path(data)
    if not data.exists():
        raise LayerReadError(msg(f"{data} 不存在；DATA 应为图层文件夹或 GeoPackage",
                                 f"{data} does not exist; DATA is a folder of layers or a GeoPackage"))
    m = read_mapping(mapping) if mapping is not None else {"layers": {}, "fields": {}, "base": None,
                                                          "source": "mapping"}
    gdb = data.is_dir() and data.suffix.lower() == ".gdb"
    gpkg = data if data.is_file() or gdb else None
    if gpkg is not None and gpkg.suffix.lower() not in (".gpkg", ".gdb"):
        raise LayerReadError(msg(f"{data}：DATA 应为图层文件夹、GeoPackage（.gpkg）或 FileGDB（.gdb）",
                                 f"{data}: DATA is a folder of layers, a GeoPackage (.gpkg) or a "
                                 "FileGDB (.gdb)"))
    folder = data if gpkg is None else data.parent
    base = folder if gpkg is None else (m["base"] or folder)
    gpkg_layers = set(pyogrio.list_layers(gpkg)[:, 0]) if gpkg is not None else set()
    out: dict[str, tuple[Path, str | None, str]] = {}
    for name in _known_layers():
        key = f"layers.{name}"
        entry = m["layers"].get(name)
        if entry is not None:
            where = f'{m["source"]}: "{key}"'
            if entry["path"] is None:
                if gpkg is None:
                    raise LayerReadError(msg(f'{where} 只给了图层（{entry["layer"]!r}），但 DATA '
                                             f"{data} 不是 GeoPackage；请给出路径",
                                             f'{where} names only a layer ({entry["layer"]!r}) but DATA '
                                             f"{data} is not a GeoPackage; give a path"))
                path, layer = gpkg, entry["layer"]
            else:
                path = Path(entry["path"])
                path = path if path.is_absolute() else base / path
                layer = entry["layer"]
            if not path.exists():
                raise LayerReadError(msg(f"{where} 指向 {path}，该文件不存在",
                                         f"{where} points at {path}, which does not exist"))
            if layer is not None and layer not in set(pyogrio.list_layers(path)[:, 0]):
                has = ', '.join(pyogrio.list_layers(path)[:, 0])
                raise LayerReadError(msg(f"{where}：{path} 没有图层 {layer!r}；其图层为 {has}",
                                         f"{where}: {path} has no layer {layer!r}; it has {has}"))
            out[name] = (path, layer, key)
        elif gpkg is not None and name not in RASTERS and (
                found_layer := _find_layer(gpkg_layers, name, gpkg)) is not None:
            out[name] = (gpkg, found_layer, key)
        else:
            found = _find_standard(folder, name) if gpkg is None else _find_in_folder(folder, name)
            if found is not None:
                out[name] = (found, None, key)
    unused = sorted(n for n in (gpkg_layers if gpkg is not None else
                                {p.stem for p in folder.iterdir() if p.suffix.lower() in VECTOR_SUFFIXES})
                    if n.upper() in UNUSED_STANDARD)
    if unused:
        log.info(msg("报告：未用到的标准图层：%s", "report: standard layers not used by the report: %s"),
                 ", ".join(unused))
    return out


def plan(available: Mapping[str, Any], data: Any) -> list[Section]:
    """The sections the data support; a section with some but not all of its layers is an error."""
    chosen = []
    for section in SECTIONS:
        if not any(n in available for n in _PRIMARY[section.key]):
            log.info(msg("报告：没有 %s 图层，略去“%s”一节", "report: no %s layers, section %s left out"),
                     section.key, section.title)
            continue
        for name in section.layers:
            if name not in available:
                where = msg("自带样例数据", "the bundled sample") if data is None else str(data)
                others = ', '.join(n for n in section.layers if n in available)
                raise LayerReadError(msg(
                    f"报告的“{section.title}”一节（{section.key}）需要图层 '{name}'"
                    f"（映射键 \"layers.{name}\"），但 {where} 中没有。解决："
                    f'在映射文件的 "layers" 中加入 "{name}"，或去掉该节的其他图层（{others}）',
                    f"the report section {section.title} ({section.key}) needs the layer "
                    f"'{name}' (mapping key \"layers.{name}\"), which is not in {where}. Fix: "
                    f'add "{name}" to the mapping file\'s "layers", or leave out the section\'s '
                    f"other layers ({others})"))
        chosen.append(section)
    if not chosen:
        raise LayerReadError(msg(f"{data}：没有找到任何报告章节的图层；应有如下名称："
                                 f"{', '.join(_known_layers())}（或使用映射文件）",
                                 f"{data}: no layer of any report section found; expected names like "
                                 f"{', '.join(_known_layers())} (or a mapping file)"))
    return chosen


def read(name: str, source: tuple[Path, str | None, str], fields: Mapping[str, str],
          mapping_source: str, *, crs: Any = None) -> Any:
    from ..io import read_layer

    path, layer, key = source
    if name in RASTERS:
        return path
    if isinstance(crs, Mapping):  # by layer name, else by file name, else "*"
        crs = crs.get(name) or crs.get(Path(path).name) or crs.get("*")
    gdf = read_layer(path, layer=layer, crs=crs)
    if fields:
        missing = [msg(f"{theirs}（fields.{name}.{ours}）", f"{theirs} (fields.{name}.{ours})")
                   for ours, theirs in fields.items() if theirs not in gdf.columns]
        if missing:
            has = ', '.join(map(str, gdf.columns))
            raise SchemaError(msg(f"{mapping_source}：图层 '{name}'（{path}）没有字段 "
                                  f"{', '.join(missing)}；其字段为 {has}",
                                  f"{mapping_source}: layer '{name}' ({path}) has no field(s) "
                                  f"{', '.join(missing)}; it has {has}"))
        gdf = gdf.rename(columns={theirs: ours for ours, theirs in fields.items()})
    return gdf
