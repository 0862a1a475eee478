"""Table pages of the report atlas: tables drawn as A4 pages with matplotlib.

The only part of the report (with the maps) that imports matplotlib; it is
imported when a PDF is drawn, never by ``import xigeo``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.table import Table
from matplotlib.transforms import Bbox

from .._text import display_width as _width
from .._text import format_value as _format

__all__ = ["table_pages", "headline_page"]

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
    column ``decimals``, by default the table's ``attrs["decimals"]`` as
    ``Result.table(labels="zh")`` sets them), booleans read 是/否, 合计 rows
    are bold and shaded. The table's ``attrs["unit"]`` (面积单位：公顷) prints
    right-aligned above it and ``attrs["note"]`` below it (unless ``note``).
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
    from ..maps._fonts import font, map_rc
    from ..maps.composer import page_size

    decimals = {**table.attrs.get("decimals", {}), **(decimals or {})}
    note = note if note is not None else table.attrs.get("note")
    unit = table.attrs.get("unit")
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
    # codes (行业代码 13, 单位代码 411528) are text: left-aligned like names
    numeric = [all(_NUMBER.fullmatch(r[i]) for r in body if r[i]) and any(r[i] for r in body)
               and not any(w in headers[i] for w in ("代码", "编码", "编号"))
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
            if unit:
                fig.text(0.96, 0.897, unit, ha="right", va="bottom", fontproperties=font(8),
                         gid="xigeo-table-unit")
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



def headline_page(headline: pd.DataFrame, title: str) -> list[Figure]:
    from ..headline import PUBLISHED

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
