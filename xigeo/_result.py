"""The result contract: what every calculator and check returns.

A result is a frozen dataclass whose attributes are its canonical tables
(English snake_case columns with the unit in the name: ``area_m2``,
``overlap_ha``, ``volume_m3``), the verdict ``passed`` where the calculation
has one, and the options it was computed with. On top of that every result
has the same few methods, defined once here:

- ``summary(lang="zh"|"en")``: one paragraph for a report or a log;
- ``tables()``: the names of its tables, in the order a report shows them;
- ``table(name, *, labels="en"|"zh", total=False)``: a copy of one table for
  output, without geometry; ``labels="zh"`` gives the Chinese report headers
  and values (通过, 核减 …, 是/否 for booleans), the figures rounded as printed
  (each 合计 equal to the sum of its printed rows) and ``df.attrs`` ``title``,
  ``unit`` (面积单位：公顷), ``decimals`` ({header: places}) and ``note`` for the
  workbook writer and the report's table pages; ``total=True`` the 合计 row(s);
- ``to_excel(path, *, labels="zh", overwrite=False)``: every table as a sheet
  of one workbook (:func:`xigeo._excel.write_workbook`), the summary first;
- ``_repr_html_``: the summary, the verdict and the tables in a notebook.

Chinese labelling happens here, at output, and never inside a calculator:
the canonical tables are what the calculator computed, so a report, the CLI
and a notebook all use one computation.

A subclass declares its tables in ``TABLES`` (name → :class:`TableSpec`:
titles, Chinese column headers, value labels, and how to total it) and
implements ``_summary(lang)``; it may override ``_total(name, frame)`` when a
total is more than sums and recomputed ratios.

>>> import dataclasses
>>> import pandas as pd
>>> @dataclasses.dataclass(frozen=True, repr=False)
... class Demo(Result):
...     TITLE = ("示例", "Demo")
...     TABLES = {"parts": TableSpec("部分表", "parts", {"area_ha": "面积(公顷)", "ok": "合格"},
...                                  values_zh={"kind": {"pit": "矿坑"}}, index_name_zh="编号",
...                                  total=Total())}
...     parts: pd.DataFrame
...     passed: bool
...     def _summary(self, lang):
...         n = len(self.parts)
...         return f"共{n}个部分。" if lang == "zh" else f"{n} parts."
>>> r = Demo(pd.DataFrame({"kind": ["pit", "pit"], "area_ha": [1.0, 2.5], "ok": [True, False]},
...                       index=pd.Index(["a", "b"], name="id")), passed=False)
>>> r.tables()
('parts',)
>>> r.summary(), r.summary("en")
('共2个部分。', '2 parts.')
>>> t = r.table("parts", labels="zh", total=True)
>>> t
     种类  面积(公顷)   合格
编号
a    矿坑     1.0    是
b    矿坑     2.5    否
合计  NaN     3.5  NaN
>>> t.attrs["title"], t.attrs["unit"], t.attrs["decimals"]
('部分表', '面积单位：公顷', {'面积(公顷)': 2})
>>> r.table("rows")
Traceback (most recent call last):
...
xigeo.errors.OptionError: Demo 没有表 'rows'；可选：parts
"""

from __future__ import annotations

import dataclasses
import html
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._options import check_lang
from ._tables import TOTAL_LABEL
from ._text import YES_NO, format_value
from ._lang import msg
from .errors import OptionError

__all__ = ["Result", "TableSpec", "Total", "COMMON_ZH", "TOTAL_LABEL", "column_decimals",
           "round_printed", "unit_line"]


#: Chinese headers of columns that mean the same in every table (a table's own
#: ``columns_zh`` takes precedence)
COMMON_ZH: dict[str, str] = {
    "area_m2": "面积(平方米)", "area_ha": "面积(公顷)", "area_mu": "面积(亩)", "area_km2": "面积(平方公里)",
    "count": "个数", "passed": "是否通过", "verdict": "结论", "kind": "种类", "name": "名称",
    "township": "乡镇名称", "township_code": "乡镇代码", "status": "状态", "detail": "说明",
    "figure": "指标", "value": "数值", "unit": "单位", "rule": "规则", "reason": "原因",
    "DLBM": "地类编码", "DLMC": "地类名称", "TBBH": "图斑编号", "BSM": "标识码",
    "XMMC": "项目名称", "XMBH": "项目编号", "ZLDWDM": "坐落单位代码", "ZLDWMC": "坐落单位名称",
}


@dataclasses.dataclass(frozen=True)
class Total:
    """How ``table(name, total=True)`` totals a table: one row labelled ``label``.

    Numeric columns are summed (or only ``sum_columns``); ``ratios`` are
    recomputed from the summed columns: ``{"rate_pct": ("new_ha", "scale_ha", 100)}``.
    """

    label: str = TOTAL_LABEL
    sum_columns: tuple[str, ...] | None = None
    ratios: Mapping[str, tuple[str, str, float]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TableSpec:
    """One table of a result: its titles and how it reads in Chinese.

    ``columns_zh``: English column → Chinese header (units in the header);
    ``values_zh``: column → {value → Chinese label} (verdicts, statuses);
    ``index_zh``: index value → Chinese label (named rows: approved → 批准项目合计);
    ``index_name_zh``: the Chinese name of the index (项目编号); ``total``: how
    to total it (None: the table has no total row); ``hidden_zh``: English-only
    columns the Chinese table leaves out; ``decimals``: printed decimals per
    column where the default by unit (:func:`column_decimals`) is not right;
    ``unit_zh``, ``note_zh``: the unit line and footnote of the Chinese table.
    """

    title_zh: str
    title_en: str
    columns_zh: Mapping[str, str] = dataclasses.field(default_factory=dict)
    values_zh: Mapping[str, Mapping[Any, str]] = dataclasses.field(default_factory=dict)
    index_zh: Mapping[Any, str] = dataclasses.field(default_factory=dict)
    index_name_zh: str | tuple[str, ...] | None = None
    total: Total | None = None
    #: English-only columns left out of the Chinese table (their Chinese twin is shown)
    hidden_zh: tuple[str, ...] = ()
    #: decimals printed per (English) column where the default (by unit) is not right
    decimals: Mapping[str, int] = dataclasses.field(default_factory=dict)
    #: the unit line of the Chinese table (default: from the columns' area units)
    unit_zh: str | None = None
    #: a footnote of the Chinese table (e.g. how its 合计 row is made)
    note_zh: str | None = None

    def title(self, labels: str = "zh") -> str:
        return self.title_zh if labels == "zh" else self.title_en


@dataclasses.dataclass(frozen=True, repr=False)
class Result:
    """Base of every xigeo result; see the module docstring for the contract."""

    #: (Chinese, English) name of the calculation, for headings
    TITLE: ClassVar[tuple[str, str]] = ("", "")
    #: the result's tables, in report order
    TABLES: ClassVar[Mapping[str, TableSpec]] = {}

    # ------------------------------------------------------------ to implement

    def _summary(self, lang: str) -> str:
        raise NotImplementedError(f"{type(self).__name__} has no summary")  # message: internal

    def _total(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (the table ``name``) with its total row(s); override for more than sums."""
        from ._tables import add_total

        spec = self.TABLES[name].total
        assert spec is not None
        return add_total(frame, label=spec.label, sum_columns=spec.sum_columns,
                         ratios=dict(spec.ratios))

    # ------------------------------------------------------------ the contract

    def summary(self, lang: str = "zh") -> str:
        """One paragraph for reports and logs: ``lang="zh"`` (default) or ``"en"``."""
        return self._summary(check_lang(lang))

    def tables(self) -> tuple[str, ...]:
        """The names of the result's tables, in the order a report shows them."""
        return tuple(self.TABLES)

    def _table_name(self, name: str | None) -> str:
        """``name``, or the first table for None; OptionError listing the tables otherwise."""
        if name is None:
            return self.tables()[0]
        if name not in self.TABLES:
            raise OptionError(msg(f"{type(self).__name__} 没有表 {name!r}；可选："
                                  f"{', '.join(self.tables())}",
                                  f"table {name!r} is not a table of {type(self).__name__}; use one of: "
                                  f"{', '.join(self.tables())}"))
        return name

    def table(self, name: str | None = None, *, labels: str = "en", total: bool = False) -> pd.DataFrame:
        """A copy of the table ``name`` (default: the first) for output, without geometry.

        ``labels="zh"``: Chinese headers, value labels and index name;
        ``total=True``: with the 合计 row(s) (only tables that have one).
        """
        name = self._table_name(name)
        labels = check_lang(labels, name="labels")
        spec = self.TABLES[name]
        frame = getattr(self, name)
        geometry = getattr(frame, "_geometry_column_name", None)
        frame = pd.DataFrame(frame.drop(columns=geometry) if geometry in frame.columns else frame).copy()
        if total:
            if spec.total is None:
                totalled = [n for n, s in self.TABLES.items() if s.total is not None]
                raise OptionError(msg(f"{type(self).__name__} 的表 {name!r} 没有合计行；"
                                      f"有合计行的表：{', '.join(totalled) or '无'}",
                                      f"table {name!r} of {type(self).__name__} has no total row; "
                                      f"tables with one: {', '.join(totalled) or 'none'}"))
            frame = self._total(name, frame)
        if labels == "zh":
            frame = self._printed(name, frame, total=total)
            frame = label_zh(frame, spec)
            frame.attrs.update(self._attrs_zh(name, frame))
        return frame

    def _total_groups(self, name: str, frame: pd.DataFrame) -> list[tuple[Any, np.ndarray]]:
        """The total rows of ``frame`` (a totalled table) and the body rows each one adds up.

        Default: every row labelled ``spec.total.label`` adds up all rows that are
        not total rows. Overridden where a table has nested totals (增减挂钩's 已批准合计).
        """
        spec = self.TABLES[name].total
        label = spec.label if spec is not None else TOTAL_LABEL
        is_total = np.asarray(frame.index == label, dtype=bool)
        return [(label, ~is_total)] if is_total.any() else []

    def _printed(self, name: str, frame: pd.DataFrame, *, total: bool) -> pd.DataFrame:
        """``frame`` rounded as the Chinese table prints it; each summed total equals its rows."""
        groups = self._total_groups(name, frame) if total else []
        # decimals of the table as computed (a count the 合计 row leaves empty is still a count)
        return round_printed(frame, column_decimals(getattr(self, name), self.TABLES[name].decimals),
                             groups)

    def _attrs_zh(self, name: str, frame: pd.DataFrame) -> dict[str, Any]:
        """``df.attrs`` of the Chinese table: title, unit line, decimals per header, note."""
        spec = self.TABLES[name]
        source = getattr(self, name)
        decimals = column_decimals(source.drop(columns=[c for c in source.columns
                                                        if c in spec.hidden_zh]), spec.decimals)
        headers = {**COMMON_ZH, **spec.columns_zh}
        attrs: dict[str, Any] = {"title": spec.title_zh,
                                 "decimals": {headers.get(c, c): d for c, d in decimals.items()
                                              if headers.get(c, c) in frame.columns}}
        unit = spec.unit_zh if spec.unit_zh is not None else unit_line(source.columns)
        if unit:
            attrs["unit"] = unit
        if spec.note_zh:
            attrs["note"] = spec.note_zh
        return attrs

    def to_excel(self, path: str | os.PathLike[str], *, labels: str = "zh", total: bool = True,
                 overwrite: bool = False) -> Path:
        """Every table as a sheet of one workbook, the summary first.

        ``total``: tables that have a 合计 row get it (default); ``False`` leaves it out.
        """
        from ._excel import write_workbook

        labels = check_lang(labels, name="labels")
        head = "摘要" if labels == "zh" else "summary"
        sheets: dict[str, pd.DataFrame] = {
            head: pd.DataFrame({head: self.summary(labels).splitlines()})}
        for name, spec in self.TABLES.items():
            sheets[spec.title(labels)] = self.table(name, labels=labels,
                                                    total=total and spec.total is not None)
        return write_workbook(sheets, path, overwrite=overwrite)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{n} {len(getattr(self, n))} rows" for n in self.tables())
        verdict = ""
        if isinstance(getattr(self, "passed", None), bool):
            verdict = "; passed" if getattr(self, "passed") else "; failed"
        return f"<{type(self).__name__}: {shapes}{verdict}>\n{self.summary('en')}"

    def _repr_html_(self) -> str:
        """The summary and the first rows of each table, at most :data:`HTML_WIDTH` px wide
        (a notebook page and nbconvert's HTML): a wider table scrolls inside its box."""
        zh, en = self.TITLE
        parts = [f"<div class='xigeo-result' style='max-width:{HTML_WIDTH}px'>"
                 f"<h4>{html.escape(zh)} {html.escape(en)}"]
        passed = getattr(self, "passed", None)
        if isinstance(passed, bool):
            parts.append(": <b style='color:#1a7f37'>通过 passed</b>" if passed
                         else ": <b style='color:#cf222e'>不通过 failed</b>")
        parts.append("</h4>")
        parts += [f"<p>{html.escape(line)}</p>" for line in self.summary("zh").splitlines()]
        parts += [f"<p>{html.escape(line)}</p>" for line in self.summary("en").splitlines()]
        for name, spec in self.TABLES.items():
            frame = self.table(name, labels="zh")
            parts.append(f"<p><b>{html.escape(spec.title_zh)}</b> <code>.{name}</code> "
                         f"({len(frame)} rows)</p>")
            places = frame.attrs.get("decimals", {})  # as printed: 0 for counts, 4 for shares …
            shown = frame.head(HTML_ROWS).apply(lambda c: c.map(lambda v, d=places.get(c.name, 2):
                                                                format_value(v, d)))
            parts.append(html_table(shown))
            if len(frame) > HTML_ROWS:
                parts.append(f"<p>… 另有 {len(frame) - HTML_ROWS} 行 / {len(frame) - HTML_ROWS} more "
                             f"rows in <code>.{name}</code></p>")
        parts.append("</div>")
        return "\n".join(parts)


#: widest a result's HTML display gets (px): nbconvert's and JupyterLab's page width
HTML_WIDTH = 960
#: rows of each table shown in the HTML display (the rest are counted)
HTML_ROWS = 20


def html_table(frame: pd.DataFrame) -> str:
    """``frame`` as an HTML table in a box at most :data:`HTML_WIDTH` px wide that scrolls
    sideways when the table is wider (numbers with thousands separators, 2 decimals)."""
    table = frame.to_html(float_format=lambda v: f"{v:,.2f}", border=0)
    return (f"<div style='max-width:{HTML_WIDTH}px;overflow-x:auto'>"
            f"{table}</div>")


def label_zh(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """``frame`` with Chinese headers, value labels (是/否 for booleans), index labels and name.

    Columns of ``spec.hidden_zh`` are left out; an unnamed row-number index
    (0, 1, 2 …) becomes 序号 1, 2, 3 ….
    """
    out = frame.drop(columns=[c for c in spec.hidden_zh if c in frame.columns])
    for column, names in spec.values_zh.items():
        if column in out.columns:
            out[column] = out[column].map(lambda v, names=names: names.get(v, v))
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values) or (
                values.dtype == object and values.map(lambda v: isinstance(v, (bool, np.bool_))).any()):
            out[column] = values.map(lambda v: YES_NO[bool(v)] if isinstance(v, (bool, np.bool_)) else v)
    if out.index.nlevels == 1 and ((out.index.name is None and spec.index_name_zh is None)
                                   or spec.index_name_zh == "序号"):
        out.index = _row_numbers(out.index)
    if spec.index_zh:
        out = out.rename(index=lambda v: spec.index_zh.get(v, v))
    headers = {**COMMON_ZH, **spec.columns_zh}
    if spec.index_name_zh is not None:
        if isinstance(spec.index_name_zh, tuple):
            out.index.names = list(spec.index_name_zh)
        else:
            out.index.name = spec.index_name_zh
    else:  # an index named by a field (XMBH, XMMC …): its Chinese name
        out.index.names = [headers.get(n, n) if isinstance(n, str) else n for n in out.index.names]
    return out.rename(columns={c: headers[c] for c in out.columns if c in headers})


def _row_numbers(index: pd.Index) -> pd.Index:
    """A row-number index 0, 1, 2 … (then total labels) as 序号 1, 2, 3 …; other indexes unchanged."""
    numbers = [v for v in index if not isinstance(v, str)]
    if not len(numbers) or list(numbers) != list(range(len(numbers))):
        return index
    return pd.Index([v + 1 if not isinstance(v, str) else v for v in index], name="序号")


#: area units of column names (suffix) → their Chinese name, for the unit line
_AREA_UNITS = {"_m2": "平方米", "_ha": "公顷", "_mu": "亩", "_km2": "平方公里"}


def unit_line(columns: Any) -> str | None:
    """The unit line of a table from its (English) columns' area units: 面积单位：公顷.

    Several area units: 面积单位：见表头 (each header names its unit); none: None.

    >>> unit_line(["name", "area_ha", "new_ha"]), unit_line(["area_m2", "area_mu"]), unit_line(["n"])
    ('面积单位：公顷', '面积单位：见表头', None)
    """
    found = {zh for c in columns for suffix, zh in _AREA_UNITS.items() if str(c).endswith(suffix)}
    if not found:
        return None
    return f"面积单位：{found.pop()}" if len(found) == 1 else "面积单位：见表头"


def column_decimals(frame: pd.DataFrame, overrides: Mapping[str, int] | None = None) -> dict[str, int]:
    """Decimals each numeric column prints with: counts 0, shares (0–1) 4, everything else 2.

    Integer columns and float columns of counts (``n_…``, ``…count``) print
    without decimals; ``overrides`` (the TableSpec's ``decimals``) wins.

    >>> column_decimals(pd.DataFrame({"n_patches": [1.0], "area_ha": [2.5], "share": [0.1],
    ...                               "ok": [True], "name": ["甲"], "count": [3]}))
    {'n_patches': 0, 'area_ha': 2, 'share': 4, 'count': 0}
    """
    out: dict[str, int] = {}
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        name = str(column)
        if overrides and column in overrides:
            out[name] = int(overrides[column])
        elif pd.api.types.is_integer_dtype(values) or name.startswith("n_") or name.endswith("count"):
            out[name] = 0
        elif name.endswith("share"):
            out[name] = 4
        else:
            out[name] = 2
    return out


def _units(values: np.ndarray, decimals: int) -> np.ndarray:
    """``values`` in whole units of the last printed decimal, rounded half away from zero."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64)) * 10.0 ** decimals
    return (np.sign(v) * np.floor(np.abs(np.round(v, 6)) + 0.5)).astype(np.int64)


def round_printed(frame: pd.DataFrame, decimals: Mapping[str, int],
                  groups: list[tuple[Any, np.ndarray]] = ()) -> pd.DataFrame:  # type: ignore[assignment]
    """``frame`` rounded to ``decimals``, each summed total row equal to the sum of its printed rows.

    ``groups``: (total row label, mask of the rows it adds up), outer totals
    after the inner ones (已批准合计 before 合计). In a column where a total
    row is the sum of its rows (not a ratio, a mean or an extreme), the rows
    are rounded and the difference to the rounded total spread in units of
    the last decimal over the rows with the largest rounding remainders
    (largest-remainder apportionment, :func:`xigeo._apportion.spread`; ties by
    row order); the rows an inner total already fixed are kept. Float columns
    of whole numbers printed without decimals become nullable ``Int64``.

    >>> t = pd.DataFrame({"a_ha": [1.004, 1.004, 1.004, 3.012]}, index=["甲", "乙", "丙", "合计"])
    >>> round_printed(t, {"a_ha": 2}, [("合计", np.array([True, True, True, False]))])["a_ha"].tolist()
    [1.01, 1.0, 1.0, 3.01]
    """
    from ._apportion import spread

    out = frame.copy()
    labels = np.asarray(out.index, dtype=object)
    for column, d in decimals.items():
        if column not in out.columns or not pd.api.types.is_float_dtype(out[column]):
            continue
        values = out[column].to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(values)
        units = _units(values, d)
        fixed = np.zeros(len(values), dtype=bool)
        for label, mask in groups:
            where = np.flatnonzero(labels == label)
            if not len(where) or not finite[where[0]]:
                continue
            body = np.asarray(mask, dtype=bool) & finite
            total, summed = values[where[0]], float(values[body].sum())
            if abs(total - summed) > 1e-7 * max(1.0, abs(summed)):
                continue  # not a sum here: a ratio, a mean or an extreme is rounded as it is
            free = body & ~fixed
            n = int(units[where[0]] - units[body].sum())
            if n and free.any():
                remainder = values[free] * 10.0 ** d - units[free]
                units[free] += spread(np.sign(n) * remainder, np.zeros(int(free.sum()), dtype=np.int64),
                                      np.array([n]), np.arange(int(free.sum())))
            fixed |= body
        rounded = np.where(finite, units / 10.0 ** d, np.nan)
        if d == 0:
            out[column] = pd.array(np.where(finite, units, 0), dtype="Int64")
            out.loc[~finite, column] = pd.NA
        else:
            out[column] = rounded
    return out
