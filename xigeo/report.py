"""The county land-saving report: a PDF atlas and an Excel workbook from a set of layers.

:func:`build_report` reads the layers (a folder, a GeoPackage, or the bundled
sample), runs the calculators, and writes

* a multi-page PDF: a contents page, a summary page with the headline
  figures (:func:`xigeo.headline.headline_figures`), then one section per
  topic present in the data — overview (land use), linkage, consolidation,
  pre-review and farmland, industrial cluster, mine park, topsoil stripping —
  each with its map (:mod:`xigeo.maps`) and its tables (long tables continue
  on the next page, marked 续);
* an Excel workbook with one sheet per table: Chinese headers with units,
  a 合计 row where the calculator totals its table.

Layer names are those of the sample data set (``xigeo.sample.available``).
A mapping file (JSON) points at other file, layer and field names; see
docs/report.md and :func:`read_mapping`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.table import Table
from matplotlib.transforms import Bbox

from .errors import LayerReadError, LayerWriteError, SchemaError

log = logging.getLogger(__name__)

__all__ = ["ReportResult", "Section", "SECTIONS", "build_report", "read_mapping", "resolve_layers",
           "table_pages"]

#: the DEM of the mine park: a raster, passed on as a path
RASTERS = {"minepark_dem"}
VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
RASTER_SUFFIXES = (".tif", ".tiff")

#: callback of :func:`build_report`: (steps done, steps in all, step now starting)
Progress = Callable[[int, int, str], None]


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
    Section("overview", "土地利用现状", None, ("dltb",), ("county",)),
    Section("linkage", "城乡建设用地增减挂钩", "城乡建设用地增减挂钩",
            ("linkage_demolition", "linkage_newbuild", "dltb"), ("jbnt", "county")),
    Section("consolidation", "土地综合整治", "土地综合整治", ("consolidation",),
            ("townships", "county")),
    Section("prereview", "建设项目用地预审与耕地保护", "建设项目用地预审", ("prereview", "jbnt")),
    Section("industrial", "产业集聚区节约集约用地", "产业集聚区", ("industrial",)),
    Section("minepark", "濮公山矿山公园", "濮公山矿山公园",
            ("minepark", "minepark_pits", "minepark_restoration", "minepark_dem")),
    Section("stripping", "表土剥离与再利用", "表土剥离", ("stripping_sources", "stripping_receivers")),
)
#: the layers that decide whether a section is in the report (the rest it then requires)
_PRIMARY = {"overview": ("dltb",), "linkage": ("linkage_demolition", "linkage_newbuild"),
            "consolidation": ("consolidation",), "prereview": ("prereview",),
            "industrial": ("industrial",),
            "minepark": ("minepark", "minepark_pits", "minepark_restoration"),
            "stripping": ("stripping_sources", "stripping_receivers")}


@dataclasses.dataclass
class ReportResult:
    """What :func:`build_report` wrote and computed.

    Attributes
    ----------
    pdf, xlsx : Path or None
        The files written (None when not asked for).
    headline : DataFrame
        The headline figures (:func:`xigeo.headline.headline_figures`'s
        table; ``published`` and ``agrees`` columns on the sample).
    tables : dict of str to DataFrame
        The workbook's sheets, by sheet name, as written.
    pages : list of str
        The PDF's page titles after the contents page (its contents entries).
    sections : list of str
        The keys of the sections in the report (see :data:`SECTIONS`).
    """

    pdf: Path | None
    xlsx: Path | None
    headline: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    pages: list[str]
    sections: list[str]


# ---------------------------------------------------------------- layers and the mapping file

def _known_layers() -> tuple[str, ...]:
    from . import sample

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
    ValueError: mapping: unknown key(s) layer; use "layers" and "fields"
    """
    source = "mapping"
    base: Path | None = None
    if not isinstance(mapping, Mapping):
        path = Path(mapping)
        source, base = str(path), path.resolve().parent
        try:
            mapping = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise LayerReadError(f"mapping file {path} does not exist") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc}); see docs/report.md for the format") from None
        if not isinstance(mapping, Mapping):
            raise ValueError(f"{path}: a mapping file holds a JSON object "
                             '({"layers": {...}, "fields": {...}})')
    unknown = sorted(set(mapping) - {"layers", "fields"})
    if unknown:
        raise ValueError(f'{source}: unknown key(s) {", ".join(unknown)}; use "layers" and "fields"')
    known = _known_layers()
    layers: dict[str, dict[str, Any]] = {}
    for name, entry in dict(mapping.get("layers") or {}).items():
        if name not in known:
            raise ValueError(f'{source}: "layers.{name}" is not a xigeo layer name; '
                             f"use one of {', '.join(known)}")
        if isinstance(entry, str):
            entry = {"path": entry, "layer": None}
        elif isinstance(entry, Mapping) and set(entry) <= {"path", "layer"} and entry:
            entry = {"path": entry.get("path"), "layer": entry.get("layer")}
        else:
            raise ValueError(f'{source}: "layers.{name}" must be a file path or '
                             '{"path": ..., "layer": ...}')
        layers[name] = entry
    fields: dict[str, dict[str, str]] = {}
    for name, renames in dict(mapping.get("fields") or {}).items():
        if name not in known:
            raise ValueError(f'{source}: "fields.{name}" is not a xigeo layer name; '
                             f"use one of {', '.join(known)}")
        if not isinstance(renames, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in renames.items()):
            raise ValueError(f'{source}: "fields.{name}" must map xigeo field names to yours, '
                             'e.g. {"XMMC": "项目名称"}')
        fields[name] = dict(renames)
    return {"layers": layers, "fields": fields, "base": base, "source": source}


def _find_in_folder(folder: Path, name: str) -> Path | None:
    suffixes = RASTER_SUFFIXES if name in RASTERS else VECTOR_SUFFIXES
    for suffix in suffixes:
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def resolve_layers(data: str | os.PathLike[str] | None = None, *,
                   mapping: str | os.PathLike[str] | Mapping[str, Any] | None = None
                   ) -> dict[str, tuple[Path, str | None, str]]:
    """Where each available layer is: name -> (file, layer in the file or None, mapping key).

    Without a mapping a folder DATA holds ``<name>.shp`` (or .gpkg, .geojson)
    and ``minepark_dem.tif``; a GeoPackage DATA holds layers named like the
    sample's, with ``minepark_dem.tif`` beside it. Layers the data lack are
    left out; a layer the mapping names but that does not exist is an error
    naming its mapping key.
    """
    import pyogrio

    if data is None:
        from . import sample

        folder = sample.data_dir()
        files = {n: _find_in_folder(folder, n) for n in sample.available}
        return {n: (p, None, f"layers.{n}") for n, p in files.items() if p is not None}
    data = Path(data)
    if not data.exists():
        raise LayerReadError(f"{data} does not exist; DATA is a folder of layers or a GeoPackage")
    m = read_mapping(mapping) if mapping is not None else {"layers": {}, "fields": {}, "base": None,
                                                          "source": "mapping"}
    gpkg = data if data.is_file() else None
    if gpkg is not None and gpkg.suffix.lower() != ".gpkg":
        raise LayerReadError(f"{data}: DATA is a folder of layers or a GeoPackage (.gpkg)")
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
                    raise LayerReadError(f'{where} names only a layer ({entry["layer"]!r}) but DATA '
                                         f"{data} is not a GeoPackage; give a path")
                path, layer = gpkg, entry["layer"]
            else:
                path = Path(entry["path"])
                path = path if path.is_absolute() else base / path
                layer = entry["layer"]
            if not path.exists():
                raise LayerReadError(f"{where} points at {path}, which does not exist")
            if layer is not None and layer not in set(pyogrio.list_layers(path)[:, 0]):
                raise LayerReadError(f"{where}: {path} has no layer {layer!r}; it has "
                                     f"{', '.join(pyogrio.list_layers(path)[:, 0])}")
            out[name] = (path, layer, key)
        elif gpkg is not None and name in gpkg_layers:
            out[name] = (gpkg, name, key)
        else:
            found = _find_in_folder(folder, name)
            if found is not None:
                out[name] = (found, None, key)
    return out


def _plan(available: Mapping[str, Any], data: Any) -> list[Section]:
    """The sections the data support; a section with some but not all of its layers is an error."""
    chosen = []
    for section in SECTIONS:
        if not any(n in available for n in _PRIMARY[section.key]):
            log.info("report: no %s layers, section %s left out", section.key, section.title)
            continue
        for name in section.layers:
            if name not in available:
                where = "the bundled sample" if data is None else str(data)
                raise LayerReadError(
                    f"the report section {section.title} ({section.key}) needs the layer "
                    f"'{name}' (mapping key \"layers.{name}\"), which is not in {where}. Fix: "
                    f'add "{name}" to the mapping file\'s "layers", or leave out the section\'s '
                    f"other layers ({', '.join(n for n in section.layers if n in available)})")
        chosen.append(section)
    if not chosen:
        raise LayerReadError(f"{data}: no layer of any report section found; expected names like "
                             f"{', '.join(_known_layers())} (or a mapping file)")
    return chosen


def _read(name: str, source: tuple[Path, str | None, str], fields: Mapping[str, str],
          mapping_source: str) -> Any:
    from .io import read_layer

    path, layer, key = source
    if name in RASTERS:
        return path
    gdf = read_layer(path, layer=layer)
    if fields:
        missing = [f"{theirs} (fields.{name}.{ours})" for ours, theirs in fields.items()
                   if theirs not in gdf.columns]
        if missing:
            raise SchemaError(f"{mapping_source}: layer '{name}' ({path}) has no field(s) "
                              f"{', '.join(missing)}; it has {', '.join(map(str, gdf.columns))}")
        gdf = gdf.rename(columns={theirs: ours for ours, theirs in fields.items()})
    return gdf


# ---------------------------------------------------------------- table pages

def _width(text: str) -> int:
    from ._text import display_width

    return display_width(text)


def _format(value: Any, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,d}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.{decimals}f}"
    return str(value)


_NUMBER = re.compile(r"-?[\d,]+(\.\d+)?")


def _is_count(name: str, values: pd.Series) -> bool:
    """A column of counts (个, 家, 数) holding whole numbers: print it without decimals."""
    if not pd.api.types.is_float_dtype(values) or not any(w in name for w in ("个", "家", "数(")):
        return False
    finite = values.dropna()
    return bool(len(finite)) and bool((finite == finite.round()).all())


def _header(text: str, width: int = 14) -> str:
    """Break a header before its unit and every ``width`` columns: 拆旧区面积\\n(公顷)."""
    head, sep, unit = text.partition("(")
    lines, line = [], ""
    for ch in head:
        if _width(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    lines.append(line)
    if sep:
        lines.append(sep + unit)
    return "\n".join(lines)


def _is_total(label: Any) -> bool:
    labels = label if isinstance(label, tuple) else (label,)
    return any(str(v).endswith("合计") for v in labels)


def table_pages(title: str, table: pd.DataFrame, *, decimals: Mapping[str, int] | None = None,
                note: str | None = None, paper_orientation: str | None = None) -> list[Figure]:
    """Pages (matplotlib Figures) showing ``table`` with its index, split when long.

    Numbers are right-aligned with thousands separators (2 decimals, or per
    column ``decimals``), booleans read 是/否, 合计 rows are bold and shaded.
    Headers break before the unit. The page is A4, landscape when the table is
    wide; the font shrinks (down to 5 pt) to fit the width; rows that do not
    fit go on further pages titled ``title（续）``. Text uses the package's
    Chinese font and stays text in a PDF.

    Examples
    --------
    >>> t = pd.DataFrame({"面积(公顷)": [1.5, 2.25]}, index=pd.Index(["甲", "乙"], name="项目"))
    >>> [f.texts[0].get_text() for f in table_pages("示例表", t)]
    ['示例表']
    >>> len(table_pages("长表", pd.DataFrame({"x": range(100)})))
    3
    """
    from .maps._fonts import font, map_rc
    from .maps.composer import page_size

    decimals = dict(decimals or {})
    frame = table.copy()
    index_names = [n if n is not None else "" for n in frame.index.names]
    labels = list(frame.index)
    body = []
    for label, (_, row) in zip(labels, frame.iterrows()):
        keys = label if isinstance(label, tuple) else (label,)
        cells = [_format(k) for k in keys]
        cells += [_format(v, decimals.get(str(c), 0 if _is_count(str(c), frame[c]) else 2))
                  for c, v in row.items()]
        body.append(cells)
    headers = [_header(str(n)) for n in index_names] + [_header(str(c)) for c in frame.columns]
    numeric = [all(_NUMBER.fullmatch(r[i]) for r in body if r[i]) and any(r[i] for r in body)
               for i in range(len(headers))]
    widths = [max([_width(line) for line in h.split("\n")] + [_width(r[i]) for r in body] + [2]) + 2
              for i, h in enumerate(headers)]
    total_chars = sum(widths)
    orientation = paper_orientation or ("landscape" if total_chars > 95 else "portrait")
    page_w, page_h = page_size("A4", orientation)  # inches
    usable_w_pt = 0.92 * page_w * 72
    # one display column (an ASCII character) is about 0.55 em wide
    size = float(np.clip(usable_w_pt / (0.55 * total_chars), 5.0, 9.0))
    row_pt = size * 1.75
    header_lines = max(h.count("\n") + 1 for h in headers)
    header_pt = size * (1.25 * header_lines + 0.6)
    table_w = min(1.0, 0.55 * size * total_chars / usable_w_pt)
    top, bottom = 0.885, 0.06 + (0.03 if note else 0.0)
    avail_pt = (top - bottom) * page_h * 72
    per_page = max(1, int((avail_pt - header_pt) // row_pt))
    chunks = [body[i:i + per_page] for i in range(0, len(body), per_page)] or [[]]
    figures = []
    for k, chunk in enumerate(chunks):
        with matplotlib.rc_context(map_rc()):
            fig = Figure(figsize=(page_w, page_h))
            FigureCanvasAgg(fig)
            fig.text(0.5, 0.935, title if k == 0 else f"{title}（续）", ha="center", va="center",
                     fontproperties=font(15, bold=True), gid="xigeo-table-title")
            if note and k == len(chunks) - 1:
                fig.text(0.04, 0.05, note, ha="left", va="bottom", fontproperties=font(8),
                         wrap=True, gid="xigeo-table-note")
            height_pt = header_pt + row_pt * len(chunk)
            height = height_pt / (page_h * 72)
            left = 0.04 + (0.92 - 0.92 * table_w) / 2
            ax = fig.add_axes((left, top - height, 0.92 * table_w, height))
            ax.set_axis_off()
            grid = Table(ax, bbox=Bbox.from_bounds(0.0, 0.0, 1.0, 1.0))
            col_w = [w / total_chars for w in widths]
            h_head, h_row = header_pt / height_pt, row_pt / height_pt
            for j, text in enumerate(headers):
                cell = grid.add_cell(0, j, col_w[j], h_head, text=text, loc="center",
                                     facecolor="0.88")
                cell.get_text().set_fontproperties(font(size, bold=True))
            for i, cells in enumerate(chunk, start=1):
                shade = _is_total(cells[0]) or (len(index_names) > 1 and _is_total(cells[1]))
                for j, text in enumerate(cells):
                    cell = grid.add_cell(i, j, col_w[j], h_row, text=text,
                                         loc="right" if numeric[j] else "left",
                                         facecolor="0.94" if shade else "white")
                    cell.get_text().set_fontproperties(font(size, bold=shade))
            for cell in grid.get_celld().values():
                cell.set_linewidth(0.4)
                cell.PAD = 0.3 / max(len(headers), 1)
            grid.auto_set_font_size(False)
            grid.set_fontsize(size)
            ax.add_table(grid)
            fig.xigeo_table = True  # type: ignore[attr-defined]
        figures.append(fig)
    return figures


# ---------------------------------------------------------------- the sections

@dataclasses.dataclass
class _Part:
    """A section's output: maps, then tables (sheet name, page title, table, PDF columns)."""

    maps: list[Figure]
    tables: Sequence[tuple[str, str, pd.DataFrame, Sequence[str] | None]]


def _named(table: pd.DataFrame, *names: str) -> pd.DataFrame:
    table = table.copy()
    if len(names) == 1:
        table.index.name = names[0]
    else:
        table.index.names = list(names)
    return table


def _overview(L: Mapping[str, Any], kw: dict[str, Any]) -> _Part:
    from .area import summarize_area
    from .maps import landuse_map

    dltb = L["dltb"]
    by = [c for c in ("DLBM", "DLMC") if c in dltb.columns] or None
    if by is None:
        raise SchemaError("dltb has no DLBM field (land-use code); map it in the mapping file's "
                          '"fields": {"dltb": {"DLBM": "<your field>"}}')
    table = summarize_area(dltb, by=by, unit="ha", total=True)
    table = table[["count", "area_ha", "area_mu"]].rename(
        columns={"count": "图斑数(个)", "area_ha": "面积(公顷)", "area_mu": "面积(亩)"})
    table["占比(%)"] = table["面积(公顷)"] / table["面积(公顷)"].iloc[-1] * 100
    table = _named(table, *[{"DLBM": "地类编码", "DLMC": "地类名称"}[c] for c in by])
    fig = landuse_map(dltb, boundary=L.get("county"), title="土地利用现状图", **kw)
    return _Part([fig], [("土地利用现状", "土地利用现状面积统计表", table, None)])


def _linkage(L: Mapping[str, Any], kw: dict[str, Any]) -> _Part:
    from .linkage import linkage_balance
    from .maps import linkage_map

    r = linkage_balance(L["linkage_demolition"], L["linkage_newbuild"], landuse=L["dltb"],
                        farmland=L.get("jbnt"), total=True, labels="zh")
    fig = linkage_map(L["linkage_demolition"], L["linkage_newbuild"], farmland=L.get("jbnt"),
                      boundary=L.get("county"), **kw)
    projects = _named(r.projects, "项目名称")
    totals = _named(r.totals, "汇总")
    tables = [("增减挂钩项目", "增减挂钩项目面积与指标表", projects,
               ["批准状态", "拆旧区个数", "建新区个数", "拆旧区面积(公顷)", "建新区面积(公顷)",
                "建新区原有建设用地(公顷)", "使用挂钩指标(公顷)", "节余指标(公顷)", "规则检查通过"]),
              ("增减挂钩汇总", "增减挂钩汇总表", totals,
               ["项目个数", "拆旧区面积(公顷)", "复垦耕地面积(公顷)", "建新区面积(公顷)",
                "建新区原有建设用地(公顷)", "建新区占用永久基本农田(公顷)", "使用挂钩指标(公顷)",
                "节余指标(公顷)"])]
    if len(r.violations):
        violations = r.violations.set_index("项目")
        tables.append(("增减挂钩规则检查", "增减挂钩规则检查（不符合项）", violations,
                       ["批准状态", "规则名称", "不符合的地块"]))
    return _Part([fig], tables)


def _consolidation(L: Mapping[str, Any], kw: dict[str, Any]) -> _Part:
    from .consolidation import consolidation_summary
    from .maps import consolidation_map

    table = _named(consolidation_summary(L["consolidation"], total=True, labels="zh"), "项目编号")
    fig = consolidation_map(L["consolidation"], townships=L.get("townships"),
                            county=L.get("county"), **kw)
    return _Part([fig], [("土地综合整治", "土地综合整治项目表", table,
                          ["项目名称", "建设规模(公顷)", "新增耕地面积(公顷)", "新增耕地率(%)",
                           "投资(万元)", "公顷投资(万元/公顷)"])])


def _prereview(L: Mapping[str, Any], kw: dict[str, Any]) -> _Part:
    from .maps import farmland_overlap_map
    from .prereview import prereview, summarize_prereview

    projects = L["prereview"]
    if "XMBH" in projects.columns:
        projects = projects.set_index("XMBH")
    checked = prereview(projects, farmland=L["jbnt"], total=True, labels="zh")
    summary = summarize_prereview(prereview(projects, farmland=L["jbnt"]), labels="zh")
    fig = farmland_overlap_map(L["prereview"], L["jbnt"], title="建设项目用地预审与永久基本农田叠加图",
                               **kw)
    checked = _named(checked, "项目编号")
    if "XMMC" in projects.columns:
        checked.insert(0, "项目名称", projects["XMMC"].reindex(checked.index))
    return _Part([fig], [("用地预审汇总", "建设项目用地预审汇总表", _named(summary, "审查结果"), None),
                         ("用地预审项目", "建设项目用地预审项目表", checked,
                          ["项目名称", "申报面积(亩)", "占用永久基本农田(亩)", "审查结论",
                           "核减面积(亩)", "核减原因"])])


def _industrial(L: Mapping[str, Any], kw: dict[str, Any]) -> _Part:
    from .industrial import industrial_intensity, industrial_summary
    from .maps import layer, thematic_map

    parcels = L["industrial"]
    table = industrial_intensity(parcels, total=True, labels="zh")
    summary = industrial_summary(parcels, labels="zh").to_frame("数值")
    summary.index.name = "指标"
    plain = industrial_intensity(parcels)
    status = plain["passed"] if "passed" in plain.columns else None
    shown = parcels.copy()
    if status is not None and "QYBH" in shown.columns:
        verdict = status.reindex(shown["QYBH"]).to_numpy()
        shown["_status"] = np.where(verdict.astype(bool), "控制指标全部达标", "有指标未达标")
        main = layer(shown, "zones", column="_status",
                     colors={"控制指标全部达标": (0.3, 0.7, 0.3), "有指标未达标": (0.95, 0.55, 0.1)})
    else:
        main = layer(shown, "parcels", label="企业用地")
    fig = thematic_map([main], title="产业集聚区企业用地集约利用评价图",
                       source="产业集聚区企业用地及控制指标", **kw)
    table = _named(table, "企业编号")
    return _Part([fig], [("产业集聚区汇总", "产业集聚区主要指标", summary, None),
                         ("企业用地评价", "企业用地控制指标评价表", table,
                          ["行业代码", "用地面积(平方米)", "投资强度(万元/公顷)", "容积率",
                           "建筑系数(%)", "绿地率(%)", "全部达标", "可节约用地面积(亩)"])])


def _minepark(L: Mapping[str, Any], kw: dict[str, Any]) -> _Part:
    from .maps import minepark_map
    from .minepark import minepark_summary

    pits, summary = minepark_summary(L["minepark"], L["minepark_pits"], L["minepark_restoration"],
                                     dem=L["minepark_dem"], total=True, labels="zh")
    fig = minepark_map(L["minepark"], L["minepark_pits"], restoration=L["minepark_restoration"],
                       dem=L["minepark_dem"], **kw)
    s = summary.to_series(labels="zh").to_frame("数值")
    s.index.name = "指标"
    return _Part([fig], [("矿山公园汇总", "矿山公园主要指标", s, None),
                         ("矿坑", "关停矿坑地形与治理表", _named(pits, "矿坑编号"),
                          ["面积(公顷)", "治理区内面积(公顷)", "最低高程(米)", "最高高程(米)",
                           "高差(米)", "平均坡度(度)", "最大坡度(度)", "坡度>25°待治理面积(公顷)"])])


def _stripping(L: Mapping[str, Any], kw: dict[str, Any]) -> _Part:
    from .maps import stripping_map
    from .stripping import stripping_plan

    sources = L["stripping_sources"]
    if "QC" in sources.columns:  # the first phase (期次) only, as the report counts it
        sources = sources[sources["QC"] == 1]
    plan = stripping_plan(sources, L["stripping_receivers"], total=True, labels="zh")
    flows = stripping_plan(sources, L["stripping_receivers"])
    fig = stripping_map(sources, L["stripping_receivers"], flows=flows.flows, **kw)
    return _Part([fig], [("表土剥离区", "表土剥离区表", _named(plan.sources, "剥离区编号"), None),
                         ("表土接收区", "表土接收区表", _named(plan.receivers, "接收区编号"), None),
                         ("表土调运", "表土调运方案表", _named(plan.flows, "调运"), None)])


_BUILDERS: dict[str, Callable[[Mapping[str, Any], dict[str, Any]], _Part]] = {
    "overview": _overview, "linkage": _linkage, "consolidation": _consolidation,
    "prereview": _prereview, "industrial": _industrial, "minepark": _minepark,
    "stripping": _stripping,
}


# ---------------------------------------------------------------- headline

def _headline(layers: Mapping[str, Any], sections: Sequence[Section], is_sample: bool) -> pd.DataFrame:
    from .headline import PUBLISHED, headline_figures

    topics = [s.topic for s in sections if s.topic is not None]
    table = headline_figures(layers, topics=topics)
    if is_sample and len(table):
        table["published"] = [PUBLISHED[(t, f)].published
                              for t, f in zip(table["topic"], table["figure"])]
        table["agrees"] = table["reported"] == table["published"]
    return table


def _headline_sheet(headline: pd.DataFrame) -> pd.DataFrame:
    sheet = headline.rename(columns={"topic": "专题", "figure": "指标", "value": "计算值",
                                     "reported": "报告值", "unit": "单位", "published": "公报值",
                                     "agrees": "与公报一致"})
    if "与公报一致" in sheet.columns:
        sheet["与公报一致"] = sheet["与公报一致"].map({True: "是", False: "否"})
    sheet.index = pd.RangeIndex(1, len(sheet) + 1, name="序号")
    return sheet


def _headline_page(headline: pd.DataFrame, title: str) -> list[Figure]:
    from .headline import PUBLISHED

    decimals = [PUBLISHED[(t, f)].decimals for t, f in zip(headline["topic"], headline["figure"])]
    shown = pd.DataFrame({"专题": headline["topic"], "指标": headline["figure"],
                          "数值": [_format(v, d) for v, d in zip(headline["reported"], decimals)],
                          "单位": headline["unit"]})
    if "published" in headline.columns:
        shown["公报数"] = [_format(v, d) for v, d in zip(headline["published"], decimals)]
        shown["一致"] = headline["agrees"].map({True: "是", False: "否"})
    shown = shown.set_index(["专题", "指标"])
    note = ("数值由 xigeo 按调查椭球面积方法从图层计算，按报告的位数四舍五入；"
            "“公报数”为县级工作综述公布的数字。" if "published" in headline.columns
            else "数值由 xigeo 按调查椭球面积方法从图层计算，按报告的位数四舍五入。")
    pages = table_pages(title, shown, note=note, paper_orientation="portrait")
    return pages


# ---------------------------------------------------------------- the report

def _check_target(path: Path | None, overwrite: bool, suffix: str) -> None:
    if path is None:
        return
    if path.suffix.lower() != suffix:
        raise ValueError(f"{path}: use a {suffix} file name")
    if path.exists() and not overwrite:
        raise LayerWriteError(f"{path} exists; pass overwrite=True (CLI: --overwrite) to replace it")
    if not path.parent.is_dir():
        raise LayerWriteError(f"{path}: folder {path.parent} does not exist")


def _write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path, overwrite: bool) -> None:
    from openpyxl.utils import get_column_letter

    from ._files import atomic_path

    with atomic_path(path, overwrite=overwrite) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in tables.items():
                out = table.copy()
                for c in out.columns:
                    if pd.api.types.is_bool_dtype(out[c]):
                        out[c] = out[c].map({True: "是", False: "否"})
                out.to_excel(writer, sheet_name=name)
                ws = writer.sheets[name]
                ws.freeze_panes = ws.cell(row=2, column=out.index.nlevels + 1)
                frame = out.reset_index()
                for j, column in enumerate(frame.columns, start=1):
                    values = [str(column)] + [_format(v) for v in frame[column].head(200)]
                    ws.column_dimensions[get_column_letter(j)].width = min(
                        60, max(_width(v) for v in values) + 2)
                    if pd.api.types.is_float_dtype(frame[column]):
                        for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                            row[0].number_format = "#,##0.00"


def build_report(data: str | os.PathLike[str] | None = None, *,
                 pdf: str | os.PathLike[str] | None = "report.pdf",
                 xlsx: str | os.PathLike[str] | None = None,
                 mapping: str | os.PathLike[str] | Mapping[str, Any] | None = None,
                 progress: Progress | None = None, overwrite: bool = False,
                 title: str = "节约集约用地工作报告图集", maker: str | None = None,
                 date: str | dt.date | None = None) -> ReportResult:
    """Build the report atlas (PDF) and its tables (Excel) from a county's layers.

    Parameters
    ----------
    data : path-like, optional
        A folder of layers or a GeoPackage, with the sample's layer names
        (``xigeo.sample.available``) unless ``mapping`` says otherwise.
        Default: the bundled Xi County sample (its headline figures are then
        checked against the published ones).
    pdf, xlsx : path-like, optional
        The files to write (``None``: skip it). Written atomically; an
        existing file is replaced only with ``overwrite=True``.
    mapping : path-like or dict, optional
        A JSON mapping of layer and field names (:func:`read_mapping`).
    progress : callable, optional
        Called as ``progress(done, total, step)`` before each step and once
        at the end with ``done == total``.
    title, maker, date : str
        The atlas title (contents page, PDF metadata); the map maker and date
        printed on every map (default date: this month).

    Returns
    -------
    ReportResult

    Sections whose layers are all absent are left out; a section with some
    of its layers but not all is an error naming the missing layer and its
    mapping key.
    """
    from .maps import write_atlas
    from .maps.atlas import figure_title

    pdf_path = Path(pdf) if pdf is not None else None
    xlsx_path = Path(xlsx) if xlsx is not None else None
    if pdf_path is None and xlsx_path is None:
        raise ValueError("nothing to write: give pdf= and/or xlsx=")
    _check_target(pdf_path, overwrite, ".pdf")
    _check_target(xlsx_path, overwrite, ".xlsx")
    if data is None and mapping is not None:
        raise ValueError("a mapping needs DATA (the folder or GeoPackage it describes)")
    sources = resolve_layers(data, mapping=mapping)
    checked: dict[str, Any] = (read_mapping(mapping) if mapping is not None
                               else {"fields": {}, "source": "mapping"})
    fields: dict[str, dict[str, str]] = checked["fields"]
    mapping_source = str(checked["source"])
    sections = _plan(sources, data)
    needed = [n for n in _known_layers()
              if any(n in s.layers + s.optional for s in sections) and n in sources]
    steps = ["读取图层", "主要指标"] + [s.title for s in sections]
    steps += ["写出PDF图集"] * (pdf_path is not None) + ["写出Excel表格"] * (xlsx_path is not None)
    done = 0

    def step() -> None:
        nonlocal done
        log.info("report: %s", steps[done])
        if progress is not None:
            progress(done, len(steps), steps[done])
        done += 1

    step()
    layers = {n: _read(n, sources[n], fields.get(n, {}), mapping_source) for n in needed}
    step()
    headline = _headline(layers, sections, data is None)
    if date is None:
        today = dt.date.today()
        date = f"{today.year}年{today.month}月"
    kw: dict[str, Any] = {"date": date}
    if maker:
        kw["maker"] = maker
    figures: list[Figure] = _headline_page(headline, "主要指标汇总")
    pages = ["主要指标汇总"] + ["主要指标汇总（续）"] * (len(figures) - 1)
    tables: dict[str, pd.DataFrame] = {"主要指标": _headline_sheet(headline)}
    for section in sections:
        step()
        part = _BUILDERS[section.key](layers, kw)
        for fig in part.maps:
            figures.append(fig)
            pages.append(f"{section.title}：{figure_title(fig)}")
        for sheet, page_title, table, columns in part.tables:
            tables[sheet] = table
            shown = table[[c for c in columns if c in table.columns]] if columns else table
            new = table_pages(page_title, shown)
            figures += new
            pages += [page_title] + [f"{page_title}（续）"] * (len(new) - 1)
    if pdf_path is not None:
        step()
        write_atlas(figures, pdf_path, title=title, titles=pages, overwrite=overwrite,
                    subtitle=f"{'息县样例数据' if data is None else Path(data).name}　{date}")
    if xlsx_path is not None:
        step()
        _write_xlsx(tables, xlsx_path, overwrite)
    if progress is not None:
        progress(len(steps), len(steps), "完成")
    return ReportResult(pdf=pdf_path, xlsx=xlsx_path, headline=headline, tables=tables,
                        pages=pages, sections=[s.key for s in sections])
