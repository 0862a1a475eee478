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
  and values (通过, 核减 …), ``total=True`` the 合计 row(s);
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
>>> r.table("parts", labels="zh", total=True)
   种类  面积(公顷)     合格
编号
a    矿坑     1.0   True
b    矿坑     2.5  False
合计  NaN     3.5    NaN
>>> r.table("rows")
Traceback (most recent call last):
...
xigeo.errors.OptionError: table 'rows' is not a table of Demo; use one of: parts
"""

from __future__ import annotations

import dataclasses
import html
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from ._options import check_lang
from ._tables import TOTAL_LABEL
from .errors import OptionError

__all__ = ["Result", "TableSpec", "Total", "COMMON_ZH", "TOTAL_LABEL"]


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
    to total it (None: the table has no total row).
    """

    title_zh: str
    title_en: str
    columns_zh: Mapping[str, str] = dataclasses.field(default_factory=dict)
    values_zh: Mapping[str, Mapping[Any, str]] = dataclasses.field(default_factory=dict)
    index_zh: Mapping[Any, str] = dataclasses.field(default_factory=dict)
    index_name_zh: str | tuple[str, ...] | None = None
    total: Total | None = None

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
        raise NotImplementedError(f"{type(self).__name__} has no summary")

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
            raise OptionError(f"table {name!r} is not a table of {type(self).__name__}; use one of: "
                              f"{', '.join(self.tables())}")
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
                raise OptionError(f"table {name!r} of {type(self).__name__} has no total row; "
                                  f"tables with one: {', '.join(totalled) or 'none'}")
            frame = self._total(name, frame)
        if labels == "zh":
            frame = label_zh(frame, spec)
        return frame

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
            parts.append(html_table(frame.head(HTML_ROWS)))
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
    """``frame`` with Chinese headers, value labels, index labels and index name."""
    out = frame.copy()
    for column, names in spec.values_zh.items():
        if column in out.columns:
            out[column] = out[column].map(lambda v, names=names: names.get(v, v))
    if spec.index_zh:
        out = out.rename(index=lambda v: spec.index_zh.get(v, v))
    if spec.index_name_zh is not None:
        if isinstance(spec.index_name_zh, tuple):
            out.index.names = list(spec.index_name_zh)
        else:
            out.index.name = spec.index_name_zh
    headers = {**COMMON_ZH, **spec.columns_zh}
    return out.rename(columns={c: headers[c] for c in out.columns if c in headers})
