"""The one workbook writer: every .xlsx xigeo writes goes through :func:`write_workbook`.

Each sheet is laid out as a printed statistics table a bureau signs:

- row 1: the title (``df.attrs["title"]``, else the sheet name), merged across, bold;
- row 2: 填表单位 (``bureau=``) on the left, 填表日期 (``date=``, default today)
  in the middle, the unit (``df.attrs["unit"]``, e.g. ``面积单位：公顷``) on the right;
- row 3: the column headers, bold, centred, wrapped, bordered — so a sheet
  reads back with ``pd.read_excel(path, header=2)`` (or :func:`read_table`);
- the body with thin borders; numbers formatted from their values and
  ``df.attrs["decimals"]`` ({column: places}): integers ``#,##0``, floats
  ``#,##0.00`` unless told otherwise, codes/years/序号 without separators;
  是/否 for booleans; 合计/小计 rows bold;
- the note (``df.attrs["note"]``) after one blank row below the table.

An unnamed 0..n-1 index is written as a 序号 column counting from 1; a named
(or non-default) index as its own first column(s). Print set-up on every
sheet: A4, landscape when the columns are wider than a portrait page, fitted
to one page wide (``fitToWidth=1, fitToHeight=0``), the header row repeated
on every page, centred horizontally, footer ``第 &P 页 共 &N 页``.

The sheets are streamed as SpreadsheetML directly (cells built a column at
a time, not a Python object per cell): a 300,000-row sheet is written in
seconds (``benchmarks/bench_workbook.py``). Written to a temporary file and
renamed, so a failure never leaves half a workbook; an existing file is
replaced only with ``overwrite=True``.

>>> import pathlib, tempfile
>>> import pandas as pd
>>> path = pathlib.Path(tempfile.mkdtemp()) / "表.xlsx"
>>> t = pd.DataFrame({"面积(公顷)": [1.5], "通过": [True]}, index=pd.Index(["甲"], name="项目"))
>>> t.attrs.update(title="项目面积表", unit="面积单位：公顷", note="注：面积为椭球面积。")
>>> write_workbook({"项目表": t}, path, bureau="息县自然资源局", date="2026年5月1日").name
'表.xlsx'
>>> pd.read_excel(path, header=2, index_col=0).loc["甲", "通过"]
'是'
>>> read_table(path)  # the same, without the note row
    面积(公顷) 通过
项目
甲      1.5  是
>>> t = pd.DataFrame({"通过": [True, None]}, index=pd.Index(["甲", "合计"], name="项目"))
>>> _ = write_workbook({"表": t}, path, overwrite=True)
>>> read_table(path)["通过"].tolist()
['是', nan]
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import zipfile
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from ._lang import msg
from ._text import YES_NO, display_width
from .errors import OptionError, fix

if TYPE_CHECKING:
    from ._official_excel import OfficialSheet

__all__ = ["write_workbook", "read_table", "sheet_name", "check_target", "HEADER_ROW",
           "number_format"]

#: the Excel row (1-based) of the column headers: ``pd.read_excel(path, header=HEADER_ROW - 1)``
HEADER_ROW = 3
#: Excel's limit of rows in a sheet
MAX_ROWS = 1_048_576
#: A4 portrait fits about this many character widths between the margins
PORTRAIT_WIDTH = 90
#: the widest column (in character widths); longer text wraps
MAX_WIDTH = 50
#: paper A4 (the OOXML paperSize code)
A4 = 9
#: page margins in inches (left, right, top, bottom, header, footer)
MARGINS = (0.5, 0.5, 0.75, 0.75, 0.3, 0.3)
#: footer of every printed page
FOOTER = "&C第 &P 页 共 &N 页"
#: the font of every cell (the usual font of Chinese printed tables)
FONT = "宋体"

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: integer columns printed without thousands separators (codes, years, row numbers)
_CODE_NAME = re.compile(r"(代码|编码|编号|年份|年度|序号|^年$|code|year|_id$|^id$|BSM|DM$)", re.I)
#: float columns whose whole-number values are counts
_COUNT_NAME = re.compile(r"(个数|数量|[斑宗块户人条处项片]数|^n_|count)", re.I)
_TOTAL_WORDS = ("合计", "小计", "总计")
_SEPARATOR = "\ue000"  # a private-use character between texts escaped together
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHUNK = 5_000  # body rows built and written per step


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A valid Excel sheet name (≤ 31 characters, none of ``[]:*?/\\``), unique among ``taken``.

    >>> sheet_name("a/b:c")
    'a_b_c'
    >>> sheet_name("表", {"表"})
    '表 (2)'
    """
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "Sheet"
    base = base[:31]
    taken = taken or set()
    out, k = base, 2
    while out in taken:
        suffix = f" ({k})"
        out = base[:31 - len(suffix)] + suffix
        k += 1
    return out


def _is_boolean(values: pd.Series) -> bool:
    """A bool column, or one whose values are all bools or missing (a total row adds NaN)."""
    if pd.api.types.is_bool_dtype(values):
        return True
    if values.dtype != object:
        return False
    present = values.dropna()
    return bool(len(present)) and all(isinstance(v, (bool, np.bool_)) for v in present)


def check_target(path: str | os.PathLike[str], sheets: Collection[object]) -> Path:
    """The workbook's path, refused unless it is an .xlsx and there is a sheet to write."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OptionError(msg(f"{path}：工作簿要写成 .xlsx", f"{path}: a workbook is written as .xlsx"))
    if not sheets:
        raise OptionError(msg(f"{path}：没有要写的表", f"{path}: no table to write"))
    return path


def number_format(decimals: int | None) -> str:
    """The Excel number format for ``decimals`` places with thousands separators.

    >>> number_format(0), number_format(2), number_format(4)
    ('#,##0', '#,##0.00', '#,##0.0000')
    """
    d = 2 if decimals is None else int(decimals)
    return "#,##0" if d <= 0 else "#,##0." + "0" * d


def date_text(date: str | dt.date | None = None) -> str:
    """填表日期 as printed: a string as given, a date as ``2026年5月1日``, None as today.

    >>> date_text(dt.date(2026, 5, 1)), date_text("2026年5月")
    ('2026年5月1日', '2026年5月')
    """
    if date is None:
        date = dt.date.today()
    if isinstance(date, dt.date):
        return f"{date.year}年{date.month}月{date.day}日"
    return str(date)


# --------------------------------------------------------------------------- styles

class _Styles:
    """The workbook's cell formats (cellXfs), registered as the sheets ask for them."""

    def __init__(self) -> None:
        self.fonts: list[tuple[bool, int]] = [(False, 11)]
        self.formats: list[str] = []
        self.xfs: list[tuple[int, int, int, str, bool]] = [(0, 0, 0, "", False)]
        self._ids: dict[tuple[Any, ...], int] = {}

    def get(self, *, fmt: str | None = None, bold: bool = False, size: int = 11,
            border: bool = False, align: str = "", wrap: bool = False) -> int:
        key = (fmt, bold, size, border, align, wrap)
        if key in self._ids:
            return self._ids[key]
        if (bold, size) not in self.fonts:
            self.fonts.append((bold, size))
        if fmt is not None and fmt not in self.formats:
            self.formats.append(fmt)
        fmt_id = 0 if fmt is None else (49 if fmt == "@" else 164 + self.formats.index(fmt))
        self.xfs.append((fmt_id, self.fonts.index((bold, size)), int(border), align, wrap))
        self._ids[key] = len(self.xfs) - 1
        return self._ids[key]

    def xml(self) -> str:
        fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(f)}/>'
                       for i, f in enumerate(self.formats) if f != "@")
        n_fmts = sum(f != "@" for f in self.formats)
        fonts = "".join(f'<font>{"<b/>" if b else ""}<sz val="{s}"/><name val="{FONT}"/>'
                        f'<family val="3"/><charset val="134"/></font>' for b, s in self.fonts)
        side = '<{0} style="thin"><color auto="1"/></{0}>'
        borders = ("<border><left/><right/><top/><bottom/><diagonal/></border>"
                   "<border>" + "".join(side.format(s) for s in ("left", "right", "top", "bottom"))
                   + "<diagonal/></border>")
        xfs = []
        for fmt_id, font, border, align, wrap in self.xfs:
            attrs = (f'numFmtId="{fmt_id}" fontId="{font}" fillId="0" borderId="{border}" xfId="0"'
                     + (' applyNumberFormat="1"' if fmt_id else "")
                     + (' applyFont="1"' if font else "") + (' applyBorder="1"' if border else ""))
            if align or wrap:
                horizontal = f' horizontal="{align}"' if align else ""
                wrapping = ' wrapText="1"' if wrap else ""
                xfs.append(f'<xf {attrs} applyAlignment="1"><alignment{horizontal} vertical="center"'
                           f'{wrapping}/></xf>')
            else:
                xfs.append(f"<xf {attrs}/>")
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
                + (f'<numFmts count="{n_fmts}">{fmts}</numFmts>' if n_fmts else "")
                + f'<fonts count="{len(self.fonts)}">{fonts}</fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                f'<borders count="2">{borders}</borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                "</styleSheet>")


class _Strings:
    """The shared string table: each distinct text once, cells refer to it by number."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.count = 0
        self._by_id: list[str] = []

    def add(self, texts: list[str]) -> np.ndarray:
        """Ids of ``texts``; new texts are appended (dict lookups and inserts in bulk)."""
        ids = self.ids
        got = list(map(ids.get, texts))
        missing = [t for t, g in zip(texts, got) if g is None]
        if missing:
            start = len(ids)
            fresh = list(dict.fromkeys(missing))
            ids.update(zip(fresh, range(start, start + len(fresh))))
            got = list(map(ids.get, texts))
        return np.array(got, dtype=np.int64)

    def text(self, number: int) -> str:
        """The text of string ``number``."""
        if len(self._by_id) != len(self.ids):
            self._by_id = list(self.ids)
        return self._by_id[number]

    def chunks(self) -> Iterator[str]:
        yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" '
               f'count="{self.count}" uniqueCount="{len(self.ids)}">')
        texts = list(self.ids)
        between = '</t></si><si><t xml:space="preserve">'
        for k in range(0, len(texts), 20_000):
            part = texts[k:k + 20_000]
            joined = _SEPARATOR.join(part)
            if joined.count(_SEPARATOR) == len(part) - 1:  # escaped in one go (the usual case)
                yield f'<si><t xml:space="preserve">{_text(joined).replace(_SEPARATOR, between)}</t></si>'
            else:
                yield "".join(f'<si><t xml:space="preserve">{_text(t)}</t></si>' for t in part)
        yield "</sst>"


def _text(value: str) -> str:
    return escape(_BAD_XML.sub("", value))


def _letter(j: int) -> str:
    """Column letters of the 0-based column ``j``: 0 → A, 26 → AA."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


# --------------------------------------------------------------------------- one sheet

class _Column:
    """One column of a sheet as cell texts (``<c>`` elements without the row number)."""

    def __init__(self, header: str, values: pd.Series, decimals: int | None,
                 styles: _Styles, strings: _Strings) -> None:
        self.header = header
        kind, fmt, align, integral = "num", None, "right", False
        if _is_boolean(values):
            values = values.map(lambda v: YES_NO[bool(v)] if isinstance(v, (bool, np.bool_)) else v)
            kind, align = "str", "center"
        elif pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d").astype(object)
            kind, align = "str", "center"
        elif (pd.api.types.is_integer_dtype(values)
              or (pd.api.types.is_float_dtype(values) and decimals is None
                  and _COUNT_NAME.search(header) is not None and _whole(values))):
            fmt = "0" if _CODE_NAME.search(header) else number_format(0 if decimals is None else decimals)
            integral = True
        elif pd.api.types.is_float_dtype(values):
            fmt = number_format(decimals)
        else:
            kind, align = "obj", ""
        # texts of the cells (without the leading '<c r="A1"' and the style)
        if kind == "num":
            array = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            ok = np.isfinite(array)
            if pd.api.types.is_integer_dtype(values) and ok.all():  # exact, also beyond 2**53
                texts = values.to_numpy(dtype=np.int64).astype(str)
            elif integral:
                texts = np.where(ok, np.where(ok, array, 0).round().astype(np.int64).astype(str), "")
            else:
                texts = np.where(ok, array.astype(str), "")
            self.cells = ["" if not t else f"><v>{t}</v></c>" for t in texts.tolist()]
            self.width = max([_width_of_numbers(array[ok], fmt)] + [0])
        else:
            self.cells, widths = _text_cells(values, strings, decimals)
            self.width = max(widths, default=0)
        # text wider than a column can be inside it (it never overflows into the next page)
        self.wrap = self.width + 2 > MAX_WIDTH
        self.style = styles.get(fmt=fmt, border=True, align=align, wrap=self.wrap)
        self.bold_style = styles.get(fmt=fmt, border=True, align=align, bold=True, wrap=self.wrap)


def _whole(values: pd.Series) -> bool:
    array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    array = array[np.isfinite(array)]
    return bool(len(array)) and bool(np.all(array == np.round(array)))


def _width_of_numbers(array: np.ndarray, fmt: str | None) -> int:
    if not len(array):
        return 0
    places = len(fmt.split(".")[1]) if fmt and "." in fmt else 0
    sep = "," if fmt and "," in fmt else ""
    return max(len(f"{v:{sep}.{places}f}") for v in (float(array.min()), float(array.max())))


def _text_cells(values: pd.Series, strings: _Strings, decimals: int | None) -> tuple[list[str], list[int]]:
    """Cells of a text (or mixed) column: shared strings, numbers as numbers, blanks empty."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if pd.api.types.infer_dtype(uniques, skipna=True) == "string":  # text only: no loop per value
        distinct = [u if isinstance(u, str) else str(u) for u in uniques.tolist()]
        ids = strings.add(distinct)
        lookup = np.array([f' t="s"><v>{i}</v></c>' for i in ids.tolist()] + [""], dtype=object)
        strings.count += len(codes) - int((codes < 0).sum())
        # widths from (a sample of) the distinct texts and the longest one
        step = max(1, len(distinct) // 5_000)
        sample = distinct[::step] + ([max(distinct, key=len)] if distinct else [])
        sampled = [max(display_width(line) for line in t.split("\n")) if t else 0 for t in sample]
        return lookup[np.where(codes < 0, len(distinct), codes)].tolist(), sampled
    cells_of_unique: list[str] = []
    widths: list[int] = []
    texts: list[str] = []
    where: list[int] = []
    for k, u in enumerate(uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)):
        if isinstance(u, (bool, np.bool_)):
            u = YES_NO[bool(u)]
        if isinstance(u, (int, float, np.integer, np.floating)) and not isinstance(u, bool):
            if not math.isfinite(float(u)):
                cells_of_unique.append("")
                continue
            cells_of_unique.append(f"><v>{u!r}</v></c>" if isinstance(u, float) else f"><v>{int(u)}</v></c>")
            widths.append(len(f"{u:,.{2 if decimals is None else decimals}f}") if isinstance(u, float)
                          else len(f"{int(u):,d}"))
            continue
        text = u.isoformat() if isinstance(u, (dt.date, pd.Timestamp)) else str(u)
        cells_of_unique.append("")  # filled below with the string id
        texts.append(text)
        where.append(k)
        if len(widths) < 5_000 or k % 50 == 0:  # widths from (a sample of) the distinct texts
            widths.append(max(display_width(line) for line in text.split("\n")) if text else 0)
    ids = strings.add(texts)
    for k, i in zip(where, ids.tolist()):
        cells_of_unique[k] = f' t="s"><v>{i}</v></c>'
    lookup = np.array(cells_of_unique + [""], dtype=object)
    cells = lookup[np.where(codes < 0, len(cells_of_unique), codes)].tolist()
    strings.count += len(codes) - int((codes < 0).sum())
    return cells, widths


def _frame(table: pd.DataFrame, index: bool) -> tuple[pd.DataFrame, int]:
    """The table with its index as first column(s) (序号 1..n for a bare RangeIndex)."""
    out = pd.DataFrame(table)
    if isinstance(out.columns, pd.MultiIndex):
        out = out.copy()
        out.columns = [" ".join(str(p) for p in c if str(p) and not str(p).startswith("Unnamed"))
                       for c in out.columns]
    bare = isinstance(out.index, pd.RangeIndex) and out.index.name is None
    if not index:
        return out.reset_index(drop=True), 0
    if bare:
        if "序号" in out.columns:
            return out.reset_index(drop=True), 0
        numbered = out.reset_index(drop=True)
        numbered.insert(0, "序号", np.arange(1, len(out) + 1, dtype=np.int64))
        return numbered, 1
    if out.index.name == "序号" and isinstance(out.index, pd.RangeIndex) and out.index.start == 0 \
            and out.index.step == 1:  # row numbers counted from 0 are printed from 1
        out = out.copy()
        out.index = out.index + 1
    names = [n if n is not None else ("序号" if out.index.nlevels == 1 else f"索引{i + 1}")
             for i, n in enumerate(out.index.names)]
    keyed = out.copy()
    keyed.index = keyed.index.set_names(names)
    return keyed.reset_index(), out.index.nlevels


def _sheet_xml(name: str, table: pd.DataFrame, *, index: bool, bureau: str | None, date: str,
               styles: _Styles, strings: _Strings, selected: bool) -> Iterator[str]:
    attrs = dict(getattr(table, "attrs", {}) or {})
    frame, n_keys = _frame(table, index)
    n_rows = len(frame)
    if n_rows + HEADER_ROW + 2 > MAX_ROWS:
        raise OptionError(msg(
            f"工作表 {name!r} 有 {n_rows:,} 行；Excel 每个工作表最多 {MAX_ROWS:,} 行。"
            f"解决：{fix('写成 .csv（table.to_csv(...)）', '-o 表.csv')}",
            f"sheet {name!r} has {n_rows:,} rows; Excel holds at most {MAX_ROWS:,} rows a "
            f"sheet. Fix: {fix('write it as .csv (table.to_csv(...))', '-o 表.csv')}"))
    decimals = attrs.get("decimals") or {}
    if not isinstance(decimals, Mapping):
        decimals = {c: decimals for c in frame.columns}
    columns = [_Column(str(c), frame[c], decimals.get(c), styles, strings) for c in frame.columns]
    n_cols = max(len(columns), 1)
    last = _letter(n_cols - 1)
    # widths: the body's widest text; a long header wraps instead of widening the column
    widths = []
    for col in columns:
        width = min(MAX_WIDTH, max(col.width, min(display_width(col.header), 12), 4) + 2)
        widths.append(width)
    total_width = sum(widths) or 10
    landscape = total_width > PORTRAIT_WIDTH
    header_lines = max([math.ceil(display_width(c.header) / max(w - 1, 1)) for c, w in zip(columns, widths)]
                       + [1])
    # bold 合计/小计 rows: those whose key columns (the first three) say so
    bold = np.zeros(n_rows, dtype=bool)
    for j in range(min(3, len(frame.columns))):
        key = frame.iloc[:, j]
        if key.dtype == object or pd.api.types.is_string_dtype(key):
            bold |= key.astype(str).str.contains("|".join(_TOTAL_WORDS), regex=True).to_numpy(dtype=bool)
    title, unit, note = (_zh(attrs.get(k)) for k in ("title", "unit", "note"))
    title = title or name
    filler = f"填表单位：{bureau if bureau else chr(0x3000) * 8}"
    stamp = f"填表日期：{date}"
    s_title = styles.get(bold=True, size=16, align="center")
    s_left = styles.get(align="left")
    s_centre = styles.get(align="center")
    s_right = styles.get(align="right")
    s_head = styles.get(bold=True, border=True, align="center", wrap=True)
    s_note = styles.get(align="left", wrap=True)
    s_wrap = styles.get(align="left", wrap=True)
    merges = [f"A1:{last}1"] if n_cols > 1 else []

    def cell(ref: str, text: str, style: int) -> str:
        return _string_cell(strings, ref, text, style)

    # row 2: 填表单位 on the left, the unit on the right, 填表日期 between, each over as many
    # columns as its text needs (all in the first cell when the table is too narrow)
    need = [display_width(t) + 2 for t in (filler, stamp, unit)]
    two_lines = False
    edges = np.cumsum([0] + widths)
    a = int(np.searchsorted(edges, need[0])) if n_cols else 0
    b = int(np.searchsorted(edges, edges[-1] - need[2], side="right")) - 1 if unit else n_cols
    if 1 <= a < b <= n_cols - (1 if unit else 0) and edges[b] - edges[a] >= need[1]:
        parts = [(0, a - 1, filler, s_left), (a, b - 1, stamp, s_centre)]
        parts += [(b, n_cols - 1, unit, s_right)] if unit else []
    elif n_cols >= 2 and unit:
        left = f"{filler}　{stamp}"
        if display_width(left) + need[2] > edges[-1]:
            left, two_lines = f"{filler}\n{stamp}", True
        parts = [(0, n_cols - 2, left, s_wrap), (n_cols - 1, n_cols - 1, unit, s_right)]
    else:
        parts = [(0, n_cols - 1, "\n".join(t for t in (filler, stamp, unit) if t), s_wrap)]
        two_lines = True
    row2 = []
    for first, end, text, part_style in parts:
        row2.append(cell(f"{_letter(first)}2", text, part_style))
        if end > first:
            merges.append(f"{_letter(first)}2:{_letter(end)}2")
    head_height = 16 * header_lines + 4
    tab = ' tabSelected="1"' if selected else ""
    yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{last}{HEADER_ROW + n_rows + (2 if note else 0)}"/>'
           f'<sheetViews><sheetView workbookViewId="0"{tab}>'
           + _pane(n_keys) + '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>'
           + "".join(f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>'
                     for j, w in enumerate(widths, start=1))
           + "</cols><sheetData>"
           f'<row r="1" ht="30" customHeight="1">{cell("A1", title, s_title)}</row>'
           f'<row r="2" ht="{48 if two_lines and n_cols < 2 and unit else 34 if two_lines else 20}" customHeight="1">{"".join(row2)}</row>'
           f'<row r="{HEADER_ROW}" ht="{head_height}" customHeight="1">'
           + "".join(cell(f"{_letter(j)}{HEADER_ROW}", c.header, s_head) for j, c in enumerate(columns))
           + "</row>")
    heads = [f'<c r="{_letter(j)}' for j in range(len(columns))]
    plain = [f'" s="{c.style}"' for c in columns]
    strong = [f'" s="{c.bold_style}"' for c in columns]
    wrapped = [j for j, c in enumerate(columns) if c.wrap]
    for start in range(0, n_rows, _CHUNK):
        stop = min(start + _CHUNK, n_rows)
        rows = [str(r) for r in range(HEADER_ROW + 1 + start, HEADER_ROW + 1 + stop)]
        cells = [[f"{h}{r}{s}{x or '/>'}" for r, x in zip(rows, c.cells[start:stop])]
                 for h, s, c in zip(heads, plain, columns)]
        for i in np.flatnonzero(bold[start:stop]).tolist():
            for column, h, s, c in zip(cells, heads, strong, columns):
                column[i] = f"{h}{rows[i]}{s}{c.cells[start + i] or '/>'}"
        heights = [""] * len(rows)
        for i in range(len(rows) if wrapped else 0):
            lines = max(math.ceil(_cell_width(columns[j], start + i, strings) / max(widths[j] - 1, 1))
                        for j in wrapped)
            heights[i] = f' ht="{15 * lines + 2}" customHeight="1"' if lines > 1 else ""
        yield "".join([f'<row r="{r}"{h}>{"".join(cs)}</row>' for r, h, cs in zip(rows, heights, zip(*cells))])
    if note:
        r = HEADER_ROW + n_rows + 2
        lines = max(1, math.ceil(display_width(note) / max(total_width - 2, 1)))
        yield f'<row r="{r}" ht="{15 * lines + 4}" customHeight="1">{cell(f"A{r}", note, s_note)}</row>'
        if n_cols > 1:
            merges.append(f"A{r}:{last}{r}")
    yield "</sheetData>"
    if merges:
        yield f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
    yield ('<printOptions horizontalCentered="1"/><pageMargins '
           + " ".join(f'{k}="{v}"' for k, v in zip(("left", "right", "top", "bottom", "header", "footer"),
                                                   MARGINS))
           + f'/><pageSetup paperSize="{A4}" orientation="{"landscape" if landscape else "portrait"}" '
           f'fitToWidth="1" fitToHeight="0"/>'
           f'<headerFooter><oddFooter>{escape(FOOTER)}</oddFooter></headerFooter></worksheet>')


def _zh(value: Any) -> str:
    """An attrs text; of a {"zh": ..., "en": ...} pair the Chinese."""
    if isinstance(value, Mapping):
        value = value.get("zh")
    return "" if value is None else str(value)


def _cell_width(column: _Column, i: int, strings: _Strings) -> int:
    """Display width of a wrapped text cell (looked up only for the few wrapping columns)."""
    cell = column.cells[i]
    if ' t="s"' not in cell:
        return 0
    number = int(cell.split("<v>")[1].split("<")[0])
    text = strings.text(number)
    return max(display_width(line) for line in text.split("\n"))


def _pane(n_keys: int) -> str:
    """Frozen panes below the header row and right of the key columns."""
    top_left = f"{_letter(n_keys)}{HEADER_ROW + 1}"
    split = (f'xSplit="{n_keys}" ' if n_keys else "") + f'ySplit="{HEADER_ROW}"'
    pane = "bottomRight" if n_keys else "bottomLeft"
    return (f'<pane {split} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/>')


# --------------------------------------------------------------------------- official layout

#: two decimals with thousands separators (the survey's tables print hectares so)
OFFICIAL_FORMAT = "#,##0.00"
#: an official table with more data columns than this prints on A3 instead of A4
A4_MAX_COLUMNS = 16
#: paper A3 (the OOXML paperSize code)
A3 = 8


def _string_cell(strings: _Strings, ref: str, text: str, style: int) -> str:
    """One cell holding ``text`` (a shared string), or an empty cell with ``style``."""
    if not text:
        return f'<c r="{ref}" s="{style}"/>'
    ids = strings.add([text])
    strings.count += 1
    return f'<c r="{ref}" s="{style}" t="s"><v>{int(ids[0])}</v></c>'


def _header_depth(sheet: OfficialSheet) -> int:
    return max([len(tuple(h)) for h in sheet.headers] + [1])


def _header_cells(headers: list[tuple[str | None, ...]], depth: int
                  ) -> list[tuple[int, int, int, int, str]]:
    """The header block's cells as (row, column, last row, last column, text), 0-based in the
    block's data columns: ``None`` continues the cell above; neighbouring columns whose cells
    agree from the top down to a row are merged across in that row."""
    out = []
    for r in range(depth):
        j = 0
        while j < len(headers):
            text = headers[j][r]
            if text is None:
                j += 1
                continue
            down = r
            while down + 1 < depth and headers[j][down + 1] is None:
                down += 1
            right = j
            while (right + 1 < len(headers) and headers[right + 1][:r + 1] == headers[j][:r + 1]
                   and all(headers[right + 1][k] is None for k in range(r + 1, down + 1))):
                right += 1
            out.append((r, j, down, right, text))
            j = right + 1
    return out


def _official_xml(sheet: OfficialSheet, *, bureau: str | None, date: str, styles: _Styles,
                  strings: _Strings, selected: bool) -> Iterator[str]:
    """One 三调 summary table as the survey prints it (see :mod:`xigeo._official_excel`):
    title, 填表单位/填表日期/unit row, merged header rows, name and code columns, the
    figures with two decimals, 合计/小计 bold, note, print set-up."""
    headers = [tuple(h) for h in sheet.headers]
    depth = _header_depth(sheet)
    headers = [h + (None,) * (depth - len(h)) for h in headers]
    n_cols = 2 + len(headers)
    last = _letter(n_cols - 1)
    top, bottom = HEADER_ROW, HEADER_ROW + depth - 1
    s_title = styles.get(bold=True, size=16, align="center")
    s_left, s_centre, s_right = (styles.get(align=a) for a in ("left", "center", "right"))
    s_head = styles.get(bold=True, border=True, align="center", wrap=True)
    s_note = styles.get(align="left", wrap=True)
    plain = (styles.get(border=True), styles.get(fmt="@", border=True),
             styles.get(fmt=OFFICIAL_FORMAT, border=True))
    strong = (styles.get(border=True, bold=True), styles.get(fmt="@", border=True, bold=True),
              styles.get(fmt=OFFICIAL_FORMAT, border=True, bold=True))
    merges = [f"A1:{last}1"]

    def text_cell(ref: str, text: str, style: int) -> str:
        return _string_cell(strings, ref, text, style)

    def span(row: int, first: int, end: int) -> None:
        if end > first:
            merges.append(f"{_letter(first)}{row}:{_letter(end)}{row}")

    filler = f"填表单位：{bureau if bureau else chr(0x3000) * 8}"
    stamp = f"填表日期：{date}"
    # row 2: 填表单位 on the left, 填表日期 over three figure columns and the unit over the
    # last two on the right; on a narrow table the date follows the bureau
    dated = len(headers) >= 5
    left_end = n_cols - 5 if dated else n_cols - 1
    row2 = [text_cell("A2", filler if dated else f"{filler}　{stamp}", s_left)]
    span(2, 0, left_end - 1)
    if dated:
        row2.append(text_cell(f"{_letter(n_cols - 5)}2", stamp, s_centre))
        span(2, n_cols - 5, n_cols - 3)
    unit_at = n_cols - 2 if dated else n_cols - 1
    row2.append(text_cell(f"{_letter(unit_at)}2", sheet.unit_label, s_right))
    span(2, unit_at, n_cols - 1)
    # the header block: every cell bordered (merged areas too, so their borders print)
    grid = [[""] * n_cols for _ in range(depth)]
    for j, text in enumerate(sheet.key_headers):
        grid[0][j] = text
        if depth > 1:
            merges.append(f"{_letter(j)}{top}:{_letter(j)}{bottom}")
    for r, j, down, right, text in _header_cells(headers, depth):
        grid[r][2 + j] = text
        if right > j or down > r:
            merges.append(f"{_letter(2 + j)}{top + r}:{_letter(2 + right)}{top + down}")
    head_rows = ["".join(text_cell(f"{_letter(j)}{top + r}", grid[r][j], s_head) for j in range(n_cols))
                 for r in range(depth)]
    # widths: names and codes as wide as their text; figures wide enough for 12,345,678.90
    names = [str(n) for n in sheet.names]
    codes = [str(c) for c in sheet.codes]
    widths = [min(30, max([display_width(n) for n in names] + [display_width(sheet.key_headers[0])]) + 2),
              max([len(c) for c in codes] + [8]) + 2] + [11] * len(headers)
    tab = ' tabSelected="1"' if selected else ""
    first_body = f"C{bottom + 1}"
    yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{last}{bottom + len(names) + (2 if sheet.note else 0)}"/>'
           f'<sheetViews><sheetView workbookViewId="0"{tab}>'
           f'<pane xSplit="2" ySplit="{bottom}" topLeftCell="{first_body}" activePane="bottomRight" '
           f'state="frozen"/><selection pane="bottomRight" activeCell="{first_body}" sqref="{first_body}"/>'
           '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>'
           + "".join(f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>'
                     for j, w in enumerate(widths, start=1))
           + "</cols><sheetData>"
           f'<row r="1" ht="30" customHeight="1">{text_cell("A1", sheet.title, s_title)}</row>'
           f'<row r="2">{"".join(row2)}</row>'
           + "".join(f'<row r="{top + r}">{cells}</row>' for r, cells in enumerate(head_rows)))
    values = np.round(np.asarray(sheet.values, dtype=np.float64), 2)
    bold = np.asarray(sheet.bold_rows, dtype=bool)
    body = []
    for i, (name, code) in enumerate(zip(names, codes)):
        r = bottom + 1 + i
        st = strong if bold[i] else plain
        cells = [text_cell(f"A{r}", name, st[0]), text_cell(f"B{r}", code, st[1])]
        cells += [f'<c r="{_letter(2 + j)}{r}" s="{st[2]}"/>' if not math.isfinite(v)
                  else f'<c r="{_letter(2 + j)}{r}" s="{st[2]}"><v>{float(v)!r}</v></c>'
                  for j, v in enumerate(values[i].tolist())]
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    yield "".join(body)
    if sheet.note:
        r = bottom + len(names) + 2
        lines = max(1, math.ceil(display_width(sheet.note) / max(sum(widths) - 2, 1)))
        yield f'<row r="{r}" ht="{15 * lines + 4}" customHeight="1">{text_cell(f"A{r}", sheet.note, s_note)}</row>'
        merges.append(f"A{r}:{last}{r}")
    yield "</sheetData>"
    yield f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
    paper = A3 if len(headers) > A4_MAX_COLUMNS else A4
    yield ('<printOptions horizontalCentered="1"/><pageMargins '
           + " ".join(f'{k}="{v}"' for k, v in zip(("left", "right", "top", "bottom", "header", "footer"),
                                                   MARGINS))
           + f'/><pageSetup paperSize="{paper}" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
           f'<headerFooter><oddFooter>{escape(FOOTER)}</oddFooter></headerFooter></worksheet>')


# --------------------------------------------------------------------------- the workbook

def _package(path: Path, names: list[str], bodies: list[Iterator[str]], styles: _Styles,
             strings: _Strings, titles_rows: list[tuple[int, int]] | None = None) -> None:
    """Zip the sheets into an .xlsx; ``titles_rows``: each sheet's header rows (first, last),
    repeated on every printed page (default: :data:`HEADER_ROW` alone)."""
    rows = titles_rows or [(HEADER_ROW, HEADER_ROW)] * len(names)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for k, body in enumerate(bodies, start=1):
            with book.open(f"xl/worksheets/sheet{k}.xml", "w", force_zip64=True) as stream:
                for chunk in body:
                    stream.write(chunk.encode("utf-8"))
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
            for chunk in strings.chunks():
                stream.write(chunk.encode("utf-8"))
        book.writestr("xl/styles.xml", styles.xml())
        n = len(names)
        sheets = "".join(f'<sheet name={quoteattr(s)} sheetId="{k}" r:id="rId{k}"/>'
                         for k, s in enumerate(names, start=1))
        titles = "".join(f'<definedName name="_xlnm.Print_Titles" localSheetId="{k}">'
                         f"{escape(_quoted(s))}!${top}:${bottom}</definedName>"
                         for k, (s, (top, bottom)) in enumerate(zip(names, rows)))
        book.writestr("xl/workbook.xml",
                      f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
                      f'xmlns:r="{_REL}"><bookViews><workbookView activeTab="0"/></bookViews>'
                      f"<sheets>{sheets}</sheets><definedNames>{titles}</definedNames></workbook>")
        rels = "".join(f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
                       for k in range(1, n + 1))
        rels += (f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                 f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>')
        book.writestr("xl/_rels/workbook.xml.rels",
                      f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      f'<Relationships xmlns="{_PKG}">{rels}</Relationships>')
        book.writestr("_rels/.rels",
                      f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG}">'
                      f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                      "</Relationships>")
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{kind}.worksheet+xml"/>'
                            for k in range(1, n + 1))
        book.writestr("[Content_Types].xml",
                      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                      '<Default Extension="xml" ContentType="application/xml"/>'
                      f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>{overrides}'
                      f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>'
                      f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}.sharedStrings+xml"/>'
                      "</Types>")


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike[str], *,
                   overwrite: bool = False, index: bool = True, bureau: str | None = None,
                   date: str | dt.date | None = None,
                   official: Mapping[str, OfficialSheet] | None = None) -> Path:
    """Write ``sheets`` (sheet name → table) as one .xlsx workbook laid out for print, atomically.

    Parameters
    ----------
    sheets : mapping of str to DataFrame
        One sheet per table, in order. A table's ``attrs`` give its title,
        unit, decimals per column and note (see the module docs).
    path : path-like
        The .xlsx to write; an existing file is refused unless ``overwrite``.
    index : bool
        Write each table's index as its first column(s) (a bare 0..n-1
        index as 序号 1..n); ``False`` leaves the index out.
    bureau : str, optional
        填表单位 (left blank to fill in by hand when not given).
    date : str or datetime.date, optional
        填表日期; default today.
    official : mapping of str to OfficialSheet, optional
        Sheets (by name in ``sheets``) laid out as the survey prints its
        summary tables instead (:class:`xigeo._official_excel.OfficialSheet`:
        header rows merged over the classes, codes under the names), in the
        same pass.
    """
    from ._files import atomic_path

    official = dict(official or {})
    path = check_target(path, sheets)
    stamp = date_text(date)
    styles, strings = _Styles(), _Strings()
    taken: set[str] = set()
    names: list[str] = []
    for name in sheets:
        names.append(sheet_name(name, taken))
        taken.add(names[-1])
    with atomic_path(path, overwrite=overwrite) as tmp:
        bodies: list[Iterator[str]] = []
        titles_rows = []
        for k, (n, (key, t)) in enumerate(zip(names, sheets.items())):
            if key in official:
                layout = official[key]
                bodies.append(_official_xml(layout, bureau=bureau, date=stamp, styles=styles,
                                            strings=strings, selected=k == 0))
                titles_rows.append((HEADER_ROW, HEADER_ROW + _header_depth(layout) - 1))
                continue
            bodies.append(_sheet_xml(n, pd.DataFrame(t) if not isinstance(t, pd.DataFrame) else t,
                                     index=index, bureau=bureau, date=stamp, styles=styles,
                                     strings=strings, selected=k == 0))
            titles_rows.append((HEADER_ROW, HEADER_ROW))
        _package(tmp, names, bodies, styles, strings, titles_rows)
    return path


def read_table(path: str | os.PathLike[str], sheet_name: str | int | None = 0, *,
               index_col: int | list[int] | None = 0, **kwargs: Any) -> Any:
    """A sheet written by :func:`write_workbook` read back as a DataFrame (``sheet_name=None``: all).

    ``pd.read_excel(path, header=2)`` with the note row (after the blank
    row below the table) left out; other keywords go to ``pd.read_excel``.
    """
    book = pd.read_excel(path, sheet_name=sheet_name, header=HEADER_ROW - 1, index_col=index_col, **kwargs)
    if isinstance(book, dict):
        return {k: _without_note(path, k, v, index_col, kwargs) for k, v in book.items()}
    return _without_note(path, sheet_name, book, index_col, kwargs)  # type: ignore[arg-type]


def _without_note(path: str | os.PathLike[str], sheet: Any, frame: pd.DataFrame,
                  index_col: Any, kwargs: dict[str, Any]) -> Any:
    """The rows above the first blank row (the note follows one), read again so dtypes are the table's."""
    cells_blank = frame.isna().all(axis=1).to_numpy()
    if index_col is None:  # a RangeIndex: only the cells tell
        blank = cells_blank
    else:
        index_blank = pd.isna(frame.index.to_frame(index=False)).all(axis=1).to_numpy()
        blank = index_blank & cells_blank if frame.shape[1] else index_blank
    if not blank.any():
        return frame
    return pd.read_excel(path, sheet_name=sheet, header=HEADER_ROW - 1, index_col=index_col,
                         nrows=int(np.argmax(blank)), **kwargs)
