"""The 三调 summary tables: land use per administrative unit, rounded so that they add up.

:func:`landuse_tables` turns a land-use survey layer (DLTB: one row per patch
with ZLDWDM, DLBM, TBDLMJ, KCMJ) into the four tables every county office
produces from its survey database:

- ``level1``: 土地利用现状一级分类面积汇总表 — 国土调查总面积 and the 一级 groups
  00 湿地, 01 耕地 … 12 其他土地;
- ``level2``: 土地利用现状二级分类面积汇总表 — every 二级 working class;
- ``three_classes``: 三大类面积汇总表 — 农用地 / 建设用地 / 未利用地, each with its
  小计 and its parts (田坎 1203 under 农用地);
- ``slope``: 耕地坡度分级面积汇总表 — farmland by GDPDJB grade 1–5, split 梯田 /
  坡地 (GDLX) for grades 2–5 (empty when the layer has no GDPDJB).

Rows are the county, then each township (and, with ``level="village"``, each
village after its township). Figures are class areas, TBDLMJ, with the field
ridges inside farmland patches, Σ KCMJ, counted as 1203 田坎 — so farmland is
Σ TBDLMJ of 01xx, never Σ TBMJ. Classes follow the 三调 working
classification bundled as ``xigeo/data/sandiao_classes.csv``
(:func:`load_classification`; sources in ``xigeo/data/sandiao_classes.md``).

The printed figures (``table(...)``, ``to_excel``) are rounded to 0.01 of the
unit so that every row adds up to its printed total and every column of the
townships adds up to the county (see :func:`round_tables` for the rule); the
result's attributes keep the unrounded figures. The cross-table checks run
on both every time; a broken one raises :class:`~xigeo.errors.ValidationError`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._apportion import spread, to_hundredths
from ._lang import msg
from ._layers import describe
from ._options import check_lang, choose
from ._result import Result, TableSpec, label_zh
from .errors import OptionError, SchemaError, ValidationError, format_ids
from .units import M2_PER_UNIT, AreaUnit

__all__ = ["landuse_tables", "LanduseTables", "load_classification", "round_tables",
           "LEVELS", "THREE_CLASSES", "SLOPE_GRADES", "GDLX_CODES"]

log = logging.getLogger(__name__)

#: the levels of the rows: county (ZLDWDM[:6]), township ([:9]), village ([:12])
LEVELS: tuple[str, ...] = ("county", "township", "village")
_CODE_LENGTH = {"county": 6, "township": 9, "village": 12}
_LEVEL_ZH = {"county": "县", "township": "乡镇", "village": "村"}
#: 三大类: key used in column names → Chinese name
THREE_CLASSES: dict[str, str] = {"agricultural": "农用地", "construction": "建设用地", "unused": "未利用地"}
#: GDPDJB grade → slope range (TD/T 1055-2019: ≤2°, 2–6°, 6–15°, 15–25°, >25°)
SLOPE_GRADES: dict[int, str] = {1: "≤2°", 2: "2°–6°", 3: "6°–15°", 4: "15°–25°", 5: ">25°"}
#: GDLX (耕地类型) values of the 三调 database → column key: TT 梯田, PD 坡地
GDLX_CODES: dict[str, str] = {"TT": "terrace", "PD": "slope"}
_GDLX_ZH = {"terrace": "梯田", "slope": "坡地"}
_GDLX_ALIASES = {"TT": "TT", "PD": "PD", "梯田": "TT", "坡地": "PD"}
_FIELDS = ("ZLDWDM", "DLBM", "TBDLMJ", "KCMJ")
_CLASS_COLUMNS = ("code", "name", "level1_code", "level1_name", "three_class", "aliases")
_RIDGE = "1203"
_FARMLAND = "01"


# ----------------------------------------------------------------------------- classification

def load_classification(classification: Any = None) -> pd.DataFrame:
    """The 三调 working classification: one row per 二级 class, in table order.

    Parameters
    ----------
    classification : DataFrame, path or None
        None: the bundled ``xigeo/data/sandiao_classes.csv``; else a table or
        CSV with the same columns (``code, name, level1_code, level1_name,
        three_class, aliases``; ``aliases`` may be missing).

    Returns
    -------
    DataFrame with columns code, name, level1_code, level1_name, three_class
    (农用地/建设用地/未利用地), aliases (space-separated DLBM values counted
    under the class), codes as text.

    Examples
    --------
    >>> c = load_classification()
    >>> len(c), c["level1_code"].nunique()
    (56, 13)
    >>> c.set_index("code").loc[["0603", "05H1", "1203"], ["level1_name", "three_class"]]
         level1_name three_class
    code
    0603          湿地        建设用地
    05H1     商业服务业用地        建设用地
    1203        其他土地         农用地
    """
    if classification is None:
        with resources.files("xigeo").joinpath("data/sandiao_classes.csv").open(
                "r", encoding="utf-8") as f:
            frame = pd.read_csv(f, comment="#", dtype=str, keep_default_na=False)
        label = msg("内置 sandiao_classes.csv", "bundled sandiao_classes.csv")
    elif isinstance(classification, pd.DataFrame):
        frame, label = classification.copy(), "classification"
    elif isinstance(classification, (str, os.PathLike)):
        frame = pd.read_csv(classification, comment="#", dtype=str, keep_default_na=False,
                            encoding="utf-8")
        label = str(classification)
    else:
        kind = type(classification).__name__
        raise TypeError(msg(f"classification：请给出 DataFrame 或 CSV 路径，而不是 {kind}",
                            f"classification: give a DataFrame or a CSV path, got {kind}"))
    if "aliases" not in frame.columns:
        frame["aliases"] = ""
    missing = [c for c in _CLASS_COLUMNS if c not in frame.columns]
    if missing:
        names, needed = ", ".join(missing), ", ".join(_CLASS_COLUMNS)
        raise SchemaError(msg(f"{label} 缺少列 {names}；需要的列：{needed}",
                              f"{label} is missing the column(s) {names}; it needs: {needed}"))
    frame = frame[list(_CLASS_COLUMNS)].astype(str).apply(lambda s: s.str.strip())
    frame["aliases"] = frame["aliases"].replace({"nan": "", "None": ""})
    problems: list[str] = []
    dup = frame["code"][frame["code"].duplicated()].tolist()
    if dup:
        problems.append(msg(f"编码重复列出：{', '.join(dup)}", f"codes listed twice: {', '.join(dup)}"))
    bad = sorted(set(frame["three_class"]) - set(THREE_CLASSES.values()))
    if bad:
        found, allowed = ", ".join(bad), ", ".join(THREE_CLASSES.values())
        problems.append(msg(f"three_class {found} 不在可选值 {allowed} 中",
                            f"three_class {found} is not one of {allowed}"))
    aliases = [a for text in frame["aliases"] for a in text.split()]
    clash = sorted(set(a for a in aliases if aliases.count(a) > 1) | (set(aliases) & set(frame["code"])))
    if clash:
        shown = ", ".join(clash)
        problems.append(msg(f"别名重复或与地类编码相同：{shown}",
                            f"aliases used twice or equal to a class code: {shown}"))
    if _RIDGE not in set(frame["code"]):
        problems.append(msg("没有地类 1203 田坎（田坎面积 Σ KCMJ 计入该类）",
                            "no class 1203 田坎 (the field ridges, Σ KCMJ, are counted there)"))
    groups = frame.drop_duplicates("level1_code")
    if frame["level1_code"].map(groups.set_index("level1_code")["level1_name"]).ne(frame["level1_name"]).any():
        problems.append(msg("有 level1_code 对应多个 level1_name",
                            "a level1_code has more than one level1_name"))
    if problems:
        raise ValidationError(msg(f"{label}：" + "；".join(problems), f"{label}: " + "; ".join(problems)),
                              problems)
    # table order: 一级 groups by code (00 湿地 first), classes in file order within a group
    order = pd.Index(sorted(frame["level1_code"].unique()))
    frame = frame.iloc[np.lexsort((np.arange(len(frame)), order.get_indexer(frame["level1_code"])))]
    return frame.reset_index(drop=True)


def _lookup(classes: pd.DataFrame) -> pd.Series:
    """DLBM value → class position (codes and aliases)."""
    pairs = [(code, i) for i, code in enumerate(classes["code"])]
    pairs += [(a, i) for i, text in enumerate(classes["aliases"]) for a in text.split()]
    return pd.Series({k: v for k, v in pairs}, dtype="int64")


# ----------------------------------------------------------------------------- the result

_COMMON = {"level": "级别", "name": "单位名称"}


@dataclasses.dataclass(frozen=True, repr=False)
class LanduseTables(Result):
    """What :func:`landuse_tables` computed (the result contract of :mod:`xigeo._result`).

    Attributes
    ----------
    level1, level2, three_classes, slope : DataFrame
        The **unrounded** figures, in ``unit``: index ``code`` (the unit's
        code: 6, 9 or 12 digits), columns ``level`` (county/township/village),
        ``name``, then the areas: ``total_<unit>`` (国土调查总面积) and one
        column per class, named by its code: ``01_ha`` (level1), ``0101_ha``
        (level2); ``agricultural_ha`` (农用地小计), ``agricultural_01_ha``,
        ``agricultural_1203_ha`` … (three_classes: a whole 一级 group when all of
        it is in the 三大类, else its 二级 classes); ``farmland_ha``,
        ``grade1_ha``, ``grade2_ha`` (the grade's 小计), ``grade2_terrace_ha``,
        ``grade2_slope_ha`` … (slope; empty without GDPDJB). Rows: the county,
        then its townships (each followed by its villages with ``level="village"``).
    printed : mapping of str to DataFrame
        The same tables as printed: rounded to 0.01 of the unit so that every
        row and every column adds up to its printed total (:func:`round_tables`).
        ``table(name)`` and ``to_excel`` give these.
    passed : bool
        True: every cross-table check held (a failed one raises instead).
    checks : DataFrame
        The cross-table checks that ran, on the unrounded and on the printed
        figures (index: check name; columns ``figures``, ``passed``).
    unit, level : str
        The area unit and the finest level of the rows.
    classification : DataFrame
        The classification used (:func:`load_classification`).
    notes : tuple of str
        What the tables could not show (no GDPDJB, no GDLX …).
    """

    TITLE: ClassVar[tuple[str, str]] = ("土地利用现状面积汇总", "Land-use summary tables (三调)")
    TABLES: ClassVar[dict[str, TableSpec]] = {
        "level1": TableSpec("一级分类面积汇总表", "level-1 classes", _COMMON,
                            values_zh={"level": _LEVEL_ZH}, index_name_zh="单位代码"),
        "level2": TableSpec("二级分类面积汇总表", "level-2 classes", _COMMON,
                            values_zh={"level": _LEVEL_ZH}, index_name_zh="单位代码"),
        "three_classes": TableSpec("三大类面积汇总表", "three classes", _COMMON,
                                   values_zh={"level": _LEVEL_ZH}, index_name_zh="单位代码"),
        "slope": TableSpec("耕地坡度分级面积汇总表", "farmland by slope grade", _COMMON,
                           values_zh={"level": _LEVEL_ZH}, index_name_zh="单位代码"),
    }
    #: the table titles of the official workbook (after the county name)
    OFFICIAL_TITLES: ClassVar[dict[str, str]] = {
        "level1": "土地利用现状一级分类面积汇总表", "level2": "土地利用现状二级分类面积汇总表",
        "three_classes": "土地利用现状三大类面积汇总表", "slope": "耕地坡度分级面积汇总表",
    }

    level1: pd.DataFrame
    level2: pd.DataFrame
    three_classes: pd.DataFrame
    slope: pd.DataFrame
    printed: Mapping[str, pd.DataFrame]
    passed: bool
    checks: pd.DataFrame
    unit: str = "ha"
    level: str = "township"
    classification: pd.DataFrame = dataclasses.field(default_factory=load_classification)
    notes: tuple[str, ...] = ()

    # ------------------------------------------------------------------ output

    def table(self, name: str | None = None, *, labels: str = "en", total: bool = False,
              rounded: bool = True) -> pd.DataFrame:
        """A copy of the table ``name`` for output: the **printed** (rounded) figures by default.

        ``rounded=False`` gives the unrounded figures (the attribute).
        ``labels="zh"``: Chinese headers (``耕地(01)``, ``国土调查总面积``) and
        level names. The county row is the table's total, so ``total=True``
        is refused (OptionError), as for every table without a 合计 row.
        """
        name = self._table_name(name)
        labels = check_lang(labels, name="labels")
        if total:
            kind = type(self).__name__
            raise OptionError(msg(f"{kind} 的表 {name!r} 没有合计行（第一行即县级行就是合计）；"
                                  "有合计行的表：无",
                                  f"table {name!r} of {kind} has no total row (its first "
                                  "row, the county, is the total); tables with one: none"))
        frame = (self.printed[name] if rounded else getattr(self, name)).copy()
        if labels == "zh":
            spec = self.TABLES[name]
            spec = dataclasses.replace(spec, columns_zh={**spec.columns_zh,
                                                         **self._headers(name, frame)})
            frame = label_zh(frame, spec)
            frame.attrs.update({
                "title": f"{self._county_name()}{self.OFFICIAL_TITLES[name]}",
                "unit": f"面积单位：{AreaUnit.create(self.unit).zh}",
                "decimals": {c: 2 for c in frame.columns if pd.api.types.is_float_dtype(frame[c])}})
        return frame

    def _headers(self, name: str, frame: pd.DataFrame) -> dict[str, str]:
        """Chinese header of every area column of ``frame`` (flat: 耕地(01))."""
        return {c: _flat(name, c, self.unit, self.classification, list(frame.columns))
                for c in frame.columns if c not in ("level", "name")}

    def to_excel(self, path: str | os.PathLike[str], *, labels: str = "zh", total: bool = True,
                 overwrite: bool = False, county: str | None = None,
                 year: int | str | None = None) -> Path:
        """The workbook in the official layout: a 摘要 sheet, then one sheet per table.

        Each table sheet has a title row (``息县土地利用现状一级分类面积汇总表``,
        with ``（2023年）`` when ``year`` is given), ``面积单位：公顷``, merged
        header rows with the codes under the names, the printed figures with
        two decimals, the county row (合计) and — at village level — the
        township rows (小计) in bold, and an A4/A3 landscape print set-up
        fitted to the page width with the header rows repeated. Written
        atomically; an existing ``path`` is refused unless ``overwrite``.
        ``county``: the name in the titles (default: the county row's name).
        ``total`` is accepted for the contract: the county row always is the total.
        """
        from ._official_excel import write_official_workbook

        labels = check_lang(labels, name="labels")
        head = "摘要" if labels == "zh" else "summary"
        return write_official_workbook(self.official_sheets(labels=labels, county=county, year=year),
                                       path, summary=(head, self.summary(labels).splitlines()),
                                       overwrite=overwrite)

    def official_sheets(self, *, labels: str = "zh", county: str | None = None,
                        year: int | str | None = None) -> list[Any]:
        """The tables in the official layout (:class:`xigeo._official_excel.OfficialSheet`), as
        :meth:`to_excel` writes them; the report's workbook lays its 三调 sheets out with them."""
        from ._official_excel import OfficialSheet

        labels = check_lang(labels, name="labels")
        county = county if county is not None else self._county_name()
        sheets: list[Any] = []
        for name, spec in self.TABLES.items():
            frame = self.printed[name]
            if not len(frame):
                continue
            columns = [c for c in frame.columns if c not in ("level", "name")]
            headers = [_header(name, c, self.unit, self.classification, columns) for c in columns]
            if labels == "en":
                headers = [tuple(c.removesuffix(f"_{self.unit}") if i == 0 else None
                                 for i, _ in enumerate(h)) for c, h in zip(columns, headers)]
            depth = max(len(h) for h in headers)
            headers = [tuple(h) + (None,) * (depth - len(h)) for h in headers]
            title = (f"{county}{self.OFFICIAL_TITLES[name]}" if labels == "zh"
                     else f"{county}: {spec.title_en}")
            if year is not None:
                title += f"（{year}年）" if labels == "zh" else f" ({year})"
            bold = frame["level"].eq("county").to_numpy(dtype=bool, copy=True)
            if self.level == "village":
                bold = bold | frame["level"].eq("township").to_numpy(dtype=bool)
            sheets.append(OfficialSheet(
                name=spec.title(labels), title=title,
                unit_label=(f"面积单位：{AreaUnit.create(self.unit).zh}" if labels == "zh"
                            else f"area unit: {self.unit}"),
                key_headers=("单位名称", "单位代码") if labels == "zh" else ("name", "code"),
                headers=headers, names=frame["name"].astype(str).tolist(),
                codes=frame.index.astype(str).tolist(), values=frame[columns].to_numpy(dtype=float),
                bold_rows=bold))
        return sheets

    # ------------------------------------------------------------------ checks

    def check(self) -> pd.DataFrame:
        """Run the cross-table checks again on both sets of figures; raise if one fails.

        Returns the ``checks`` table. The checks: each table's rows add up
        (国土调查总面积 = Σ groups; 小计 = Σ parts); the same total in every table;
        耕地 equal in every table; each township (village) row equal to the
        sum of its villages and each county row to the sum of its townships.
        """
        rows = []
        failures = []
        for figures, tables in (("unrounded", {n: getattr(self, n) for n in self.TABLES}),
                                ("printed", dict(self.printed))):
            for check, detail in _cross_checks(tables, self.unit, self.classification,
                                               exact=figures == "printed"):
                rows.append((check, figures, detail is None))
                if detail is not None:
                    failures.append(msg(
                        f"{_CHECKS_ZH.get(check, check)}（{_FIGURES_ZH[figures]}）：{detail}",
                        f"{check} ({figures} figures): {detail}"))
        if failures:
            raise ValidationError(msg("土地利用现状表：表间校核未通过：" + "；".join(failures),
                                      "landuse tables: cross-table check failed: " + "; ".join(failures)),
                                  failures)
        return pd.DataFrame(rows, columns=["check", "figures", "passed"]).set_index("check")

    # ------------------------------------------------------------------ summary

    def _county_name(self) -> str:
        counties = self.level1[self.level1["level"] == "county"]
        return "、".join(counties["name"].astype(str)) if len(counties) else ""

    def _summary(self, lang: str) -> str:
        p1, p3 = self.printed["level1"], self.printed["three_classes"]
        u = self.unit
        county = p1[p1["level"] == "county"]
        total = float(county[f"total_{u}"].sum())
        farmland = float(county[f"{_FARMLAND}_{u}"].sum())
        ridge_col = _ridge_column(p3, u)
        ridge = float(p3.loc[county.index, ridge_col].sum()) if ridge_col else 0.0
        parts = {k: float(p3.loc[county.index, f"{k}_{u}"].sum()) for k in THREE_CLASSES}
        n_town = int((p1["level"] == "township").sum())
        n_vil = int((p1["level"] == "village").sum())
        unit = AreaUnit.create(u)
        if lang == "zh":
            zh = unit.zh
            where = f"{n_town}个乡镇" + (f"、{n_vil}个村" if n_vil else "")
            text = (f"{self._county_name()}国土调查总面积{total:,.2f}{zh}（{where}）："
                    f"农用地{parts['agricultural']:,.2f}{zh}，其中耕地{farmland:,.2f}{zh}"
                    f"（按图斑地类面积TBDLMJ，不含田坎），田坎{ridge:,.2f}{zh}；"
                    f"建设用地{parts['construction']:,.2f}{zh}；未利用地{parts['unused']:,.2f}{zh}。"
                    "各表合计一致，下级单位之和等于上级单位，行列之和等于所列合计。")
            notes = [n.split(" / ")[0] for n in self.notes]
        else:
            where = f"{n_town} townships" + (f", {n_vil} villages" if n_vil else "")
            text = (f"{self._county_name()}: surveyed area {total:,.2f} {u} ({where}): agricultural "
                    f"land {parts['agricultural']:,.2f} {u}, of which farmland {farmland:,.2f} {u} "
                    f"(class area TBDLMJ, field ridges excluded) and field ridges (1203) "
                    f"{ridge:,.2f} {u}; construction land {parts['construction']:,.2f} {u}; unused "
                    f"land {parts['unused']:,.2f} {u}. Every table has the same totals, units add "
                    "up to their parent, rows and columns to their printed totals.")
            notes = [n.split(" / ")[-1] for n in self.notes]
        return "\n".join([text, *notes])


def _ridge_column(frame: pd.DataFrame, unit: str) -> str | None:
    for c in (f"agricultural_{_RIDGE}_{unit}", f"agricultural_12_{unit}"):
        if c in frame.columns:
            return c
    return None


# ----------------------------------------------------------------------------- headers

def _header(table: str, column: str, unit: str, classes: pd.DataFrame,
            columns: Sequence[str] = ()) -> tuple[str | None, ...]:
    """The header cells of a column in the workbook, top to bottom (None: merged with the cell above).

    The names come first, the codes in the row under them.
    """
    key = column.removesuffix(f"_{unit}")
    names = dict(zip(classes["code"], classes["name"]))
    groups = dict(zip(classes["level1_code"], classes["level1_name"]))
    if table == "level1":
        return ("国土调查总面积", None) if key == "total" else (groups[key], key)
    if table == "level2":
        if key == "total":
            return ("国土调查总面积", None, None)
        group = classes.loc[classes["code"] == key, "level1_code"].iloc[0]
        return (f"{groups[group]}({group})", names[key], key)
    if table == "three_classes":
        if key == "total":
            return ("国土调查总面积", None, None)
        three, _, part = key.partition("_")
        zh = THREE_CLASSES[three]
        if not part:
            return (zh, "小计", None)
        return (zh, names[part] if part in names and part not in groups else groups[part], part)
    if key == "farmland":
        return ("耕地面积", None)
    g, _, kind = key[5:].partition("_")
    grade = f"{SLOPE_GRADES[int(g)]}（{g}级）"
    if kind:
        return (grade, _GDLX_ZH[kind])
    split = any(c.startswith(f"grade{g}_") and c != column for c in columns)
    return (grade, "小计") if split else (grade, None)


def _flat(table: str, column: str, unit: str, classes: pd.DataFrame,
          columns: Sequence[str] = ()) -> str:
    """The one-line Chinese header of a column (``耕地(01)``, ``农用地小计``)."""
    cells = [c for c in _header(table, column, unit, classes, columns) if c]
    if table in ("level1", "level2", "three_classes") and len(cells) >= 2 and cells[-1] != "小计":
        return f"{cells[-2]}({cells[-1]})"
    return "".join(cells)


# ----------------------------------------------------------------------------- rounding

def _round_parts(true: np.ndarray, total: int, key: np.ndarray | None = None) -> np.ndarray:
    """Round ``true`` (hundredths, float) half up, then spread ``total − Σ`` largest first.

    Only items with a true value > 0 take part in the spreading, so an empty
    class never gets a printed 0.01.
    """
    true = np.asarray(true, dtype=np.float64)
    out = _half_up(true)
    diff = int(total - out.sum())
    if diff:
        live = np.flatnonzero(true > 0)
        if not live.size:
            raise ValidationError(msg(f"取整：有 {diff} 个 0.01 要分配，但各部分都是 0",
                                      f"rounding: {diff} hundredths to spread over parts that are all 0"))
        keys = np.arange(true.size) if key is None else np.asarray(key)
        out[live] += spread(true[live], np.zeros(live.size, dtype=np.int64), np.array([diff]),
                            keys[live])
    return out


def _half_up(values: np.ndarray) -> np.ndarray:
    """Hundredths (float) rounded half away from zero to int64."""
    v = np.asarray(values, dtype=np.float64)
    return (np.sign(v) * np.floor(np.abs(np.round(v, 6)) + 0.5)).astype(np.int64)


def _round_columns(true: np.ndarray, groups: Sequence[np.ndarray], total: int) -> np.ndarray:
    """One row (hundredths) rounded top-down: total → groups → columns of each group."""
    out = np.zeros(true.size, dtype=np.int64)
    group_true = np.array([true[g].sum() for g in groups])
    group_int = _round_parts(group_true, total)
    for g, value in zip(groups, group_int):
        out[g] = _round_parts(true[g], int(value))
    return out


def _controlled(true: np.ndarray, rows: np.ndarray, cols: np.ndarray, *,
                fixed_rows: bool = False) -> np.ndarray:
    """Integer cells near ``true`` whose rows sum to ``rows`` and columns to ``cols``.

    1. every cell rounded half up; 2. each column's residue spread over its
    cells largest first (cells that are 0 stay 0); 3. each row still off its
    target: one hundredth at a time moves, within one column, from a row
    above its target to a row below it — the column whose two cells are
    furthest on the other side of their true values (the receiving cell must
    be > 0 in truth), so column sums are kept and rows reach their targets
    (or, where no such move or chain of moves exists, the row's printed
    total moves by that hundredth instead: see :func:`_transfer_path`).

    ``fixed_rows``: the row totals are given and may not move (the slope
    table, rounded to the printed 耕地 of each unit): then a chain may end in
    a cell with no land in truth (one 0.01 in an empty grade rather than a
    row off its printed farmland).
    """
    true = np.asarray(true, dtype=np.float64)
    n, m = true.shape
    out = _half_up(true)
    diff = cols - out.sum(axis=0)
    live_r, live_c = np.nonzero(true > 0)
    if live_r.size:
        out[live_r, live_c] += spread(true[live_r, live_c], live_c, diff, live_r)
    short = rows - out.sum(axis=1)
    if short.sum() != 0:
        r_sum, c_sum = int(rows.sum()), int(cols.sum())
        raise ValidationError(msg(f"取整：行合计与列合计不同（{r_sum} 与 {c_sum} 个 0.01）",
                                  "rounding: the row and column totals differ "
                                  f"({r_sum} and {c_sum} hundredths)"))
    while (short > 0).any():
        i = int(np.argmax(short))
        donors = np.flatnonzero(short < 0)
        gain = true[i] - out[i]                          # how far cell (i, j) is below its true value
        loss = out[donors] - true[donors]                # how far the donors' cells are above theirs
        ok = (out[donors] >= 1) & (true[i] > 0)[None, :]
        if ok.any():
            score = np.where(ok, gain[None, :] + loss, -np.inf)
            d, col = np.unravel_index(int(np.argmax(score)), score.shape)
            path = [(int(donors[d]), i, int(col))]
        else:
            path = _transfer_path(out, true, i, short < 0)
            if not path and fixed_rows:
                path = _transfer_path(out, true, i, short < 0, any_cell=True)
                if not path:
                    raise ValidationError(msg("取整：没有 0.01 能调到打印合计固定的行（行合计与列合计不一致）",
                                              "rounding: no hundredth can reach a row whose printed total "
                                              "is fixed (the row and column totals disagree)"))
        for giver, taker, c in path:
            out[giver, c] -= 1
            out[taker, c] += 1
        short[i] -= 1
        short[path[0][0] if path else int(donors[0])] += 1
    return out


def _transfer_path(out: np.ndarray, true: np.ndarray, target: int, donor: np.ndarray, *,
                   any_cell: bool = False) -> list[tuple[int, int, int]]:
    """Moves (giver, taker, column) carrying one hundredth from a donor row to ``target``.

    When no donor shares a column with ``target`` directly: a breadth-first
    search over rows, each move within one column from a cell ≥ 0.01 to a
    cell whose true value is > 0, so intermediate rows keep their sums. No
    such chain (the rounded row and column totals disagree on where the land
    is): an empty list, and the caller moves the hundredth between the two
    rows' totals instead — a class without land never prints 0.01.
    ``any_cell``: a move may end in a cell without land (fixed row totals).
    """
    prev: dict[int, tuple[int, int]] = {}
    queue, seen = [target], {target}
    while queue:
        taker = queue.pop(0)
        can = (out >= 1) & (np.ones(true.shape[1], dtype=bool) if any_cell else true[taker] > 0)[None, :]
        can[list(seen)] = False
        for g in np.flatnonzero(can.any(axis=1)).tolist():
            giver: int = g
            j = int(np.argmax(np.where(can[giver], out[giver] - true[giver], -np.inf)))
            prev[giver] = (taker, j)
            seen.add(giver)
            if donor[giver]:
                path: list[tuple[int, int, int]] = []
                row = giver
                while row != target:
                    nxt, col = prev[row]
                    path.append((row, nxt, col))
                    row = nxt
                return path
            queue.append(giver)
    return []


def round_tables(tree: Sequence[tuple[np.ndarray, np.ndarray | None]],
                 groups: Sequence[np.ndarray], totals: Sequence[np.ndarray] | None = None
                 ) -> list[np.ndarray]:
    """Round a hierarchy of unit × class tables (in hundredths) so that everything adds up.

    Parameters
    ----------
    tree : list of (values, parent)
        Level by level, top first: ``values`` (units × classes, true
        hundredths of the unit, float) and ``parent`` (each unit's row in the
        level above; None for the top level, the counties).
    groups : list of int arrays
        A partition of the classes into groups (the 一级 groups), rounded
        before their classes.
    totals : list of int arrays, optional
        The printed total of every unit, level by level (the slope table is
        rounded to the printed farmland); default: rounded here.

    Returns
    -------
    One int64 array per level: the printed cells, in hundredths.

    The rule, top down:

    1. a county's total is rounded half up; its groups are rounded and the
       residue spread over them largest first (:func:`xigeo._apportion.spread`)
       so they add up to the total; then the classes of each group likewise;
    2. the units below a parent: their totals are rounded and spread to add
       up to the parent's total (rows); their cells are rounded, each
       column's residue spread over the units so the column adds up to the
       parent's printed cell; then rows off their total are fixed by moving
       single hundredths between two units within one column (see
       :func:`_controlled`), which keeps every column sum.

    Every printed row then adds up to its printed total, every column of
    the units to their parent's figure, and every figure is within a few
    hundredths of its true value.

    A county of three classes of 0.334 each (hundredths: 33.4) in two equal
    townships: plain rounding prints 0.33 + 0.33 + 0.33 ≠ 1.00 and 0.17 + 0.17
    ≠ 0.33. Here the county's largest class (the first, on a tie) takes the
    missing hundredth, each column's townships add up to the county, and
    each township's row to its total 0.50:

    >>> county = np.array([[33.4, 33.4, 33.4]])
    >>> towns = np.array([[16.7, 16.7, 16.7], [16.7, 16.7, 16.7]])
    >>> c, t = round_tables([(county, None), (towns, np.array([0, 0]))], [np.array([0, 1, 2])])
    >>> c.tolist(), t.tolist()
    ([[34, 33, 33]], [[17, 17, 16], [17, 16, 17]])
    >>> t.sum(axis=0).tolist(), t.sum(axis=1).tolist()
    ([34, 33, 33], [50, 50])
    """
    out: list[np.ndarray] = []
    for level, (values, parent) in enumerate(tree):
        values = np.asarray(values, dtype=np.float64)
        cells = np.zeros(values.shape, dtype=np.int64)
        given = None if totals is None else np.asarray(totals[level], dtype=np.int64)
        if parent is None:
            for r in range(values.shape[0]):
                total = int(given[r]) if given is not None else int(_half_up(values[r].sum()))
                cells[r] = _round_columns(values[r], groups, total)
        else:
            above = out[level - 1]
            for p in np.unique(parent):
                rows = np.flatnonzero(parent == p)
                target = (given[rows] if given is not None else
                          _round_parts(values[rows].sum(axis=1), int(above[p].sum()), rows))
                cells[rows] = _controlled(values[rows], target, above[p], fixed_rows=given is not None)
        out.append(cells)
    return out


# ----------------------------------------------------------------------------- checks

_CHECKS_ZH = {"rows add up": "各行合计相符", "same total in every table": "各表总面积相同",
              "耕地 equal in every table": "各表耕地面积相同",
              "units add up to their parent": "下级单位之和等于上级单位"}
_FIGURES_ZH = {"unrounded": "未取整数字", "printed": "打印数字"}
_LEVEL_ZH = {"county": "县", "township": "乡镇", "village": "村"}


def _cross_checks(tables: Mapping[str, pd.DataFrame], unit: str, classes: pd.DataFrame, *,
                  exact: bool) -> list[tuple[str, str | None]]:
    """(check, None when it holds else what is wrong) for every cross-table check."""
    u = f"_{unit}"

    def num(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
        v = frame[list(columns)].to_numpy(dtype=np.float64)
        return to_hundredths(v).astype(np.float64) if exact else v

    def same(a: np.ndarray, b: np.ndarray, index: pd.Index) -> str | None:
        bad = ~np.isclose(a, b, rtol=0, atol=0 if exact else 1e-6)
        if bad.ndim > 1:
            bad = bad.any(axis=1)
        return None if not bad.any() else msg(f"行：{format_ids(index[bad].tolist())}",
                                              f"rows {format_ids(index[bad].tolist())}")

    l1, l2, l3, sl = (tables["level1"], tables["level2"], tables["three_classes"], tables["slope"])
    groups = list(dict.fromkeys(classes["level1_code"]))
    g_cols = [f"{g}{u}" for g in groups if f"{g}{u}" in l1.columns]
    c_cols = [f"{c}{u}" for c in classes["code"] if f"{c}{u}" in l2.columns]
    results: list[tuple[str, str | None]] = []
    # 1. rows add up to their printed totals
    detail = same(num(l1, [f"total{u}"])[:, 0], num(l1, g_cols).sum(axis=1), l1.index)
    detail = detail or same(num(l2, [f"total{u}"])[:, 0], num(l2, c_cols).sum(axis=1), l2.index)
    subtotals = [f"{k}{u}" for k in THREE_CLASSES]
    detail = detail or same(num(l3, [f"total{u}"])[:, 0], num(l3, subtotals).sum(axis=1), l3.index)
    for k in THREE_CLASSES:
        parts = [c for c in l3.columns if c.startswith(f"{k}_") and c != f"{k}{u}"]
        detail = detail or same(num(l3, [f"{k}{u}"])[:, 0], num(l3, parts).sum(axis=1), l3.index)
    if len(sl):
        grades = [c for c in sl.columns if c.startswith("grade") and c.count("_") == 1]
        detail = detail or same(num(sl, [f"farmland{u}"])[:, 0], num(sl, grades).sum(axis=1), sl.index)
        for g in grades:
            kinds = [c for c in sl.columns if c.startswith(g.removesuffix(u) + "_") and c != g]
            if kinds:
                detail = detail or same(num(sl, [g])[:, 0], num(sl, kinds).sum(axis=1), sl.index)
    results.append(("rows add up", detail))
    # 2. the same total in every table
    t1 = num(l1, [f"total{u}"])[:, 0]
    detail = same(t1, num(l2, [f"total{u}"])[:, 0], l1.index) or same(
        t1, num(l3, [f"total{u}"])[:, 0], l1.index)
    results.append(("same total in every table", detail))
    # 3. 耕地 equal across tables
    farm = num(l1, [f"{_FARMLAND}{u}"])[:, 0]
    farm_classes = [f"{c}{u}" for c in classes.loc[classes["level1_code"] == _FARMLAND, "code"]]
    detail = same(farm, num(l2, farm_classes).sum(axis=1), l1.index)
    farm3 = f"agricultural_{_FARMLAND}{u}"
    if farm3 in l3.columns:
        detail = detail or same(farm, num(l3, [farm3])[:, 0], l1.index)
    if len(sl):
        detail = detail or same(farm, num(sl, [f"farmland{u}"])[:, 0], l1.index)
    results.append(("耕地 equal in every table", detail))
    # 4. units add up to their parent (township → county, village → township)
    detail = None
    for name, frame in tables.items():
        if not len(frame):
            continue
        cols = [c for c in frame.columns if c not in ("level", "name")]
        values = num(frame, cols)
        codes = frame.index.astype(str)
        levels = frame["level"].to_numpy()
        for child, parent in (("township", "county"), ("village", "township")):
            kids = np.flatnonzero(levels == child)
            if not kids.size:
                continue
            parents = np.flatnonzero(levels == parent)
            length = _CODE_LENGTH[parent]
            pos = pd.Index(codes[parents]).get_indexer(codes[kids].str[:length])
            sums = np.zeros((parents.size, len(cols)))
            np.add.at(sums, pos, values[kids])
            has_kids = np.isin(np.arange(parents.size), pos)
            bad = same(values[parents][has_kids], sums[has_kids], frame.index[parents][has_kids])
            if bad:
                detail = detail or msg(f"{name}：各{_LEVEL_ZH[child]}行之和不等于所属{_LEVEL_ZH[parent]}：{bad}",
                                       f"{name}: {child} rows do not add up to their {parent}: {bad}")
    results.append(("units add up to their parent", detail))
    return results


# ----------------------------------------------------------------------------- input

def _ids(patches: pd.DataFrame) -> np.ndarray:
    if "BSM" in patches.columns:
        return patches["BSM"].astype(str).to_numpy()
    return np.asarray(patches.index)


def _text(values: pd.Series) -> pd.Series:
    """A field as stripped text (missing stays missing)."""
    return values.astype("string").str.strip()


def _read_units(units: Any, patches_county: set[str]) -> dict[int, dict[str, str]]:
    """Code length → {code: name} from the unit layer(s)."""
    if units is None:
        return {}
    layers = list(units) if isinstance(units, (list, tuple)) else [units]
    out: dict[int, dict[str, str]] = {}
    problems: list[str] = []
    for layer in layers:
        if not isinstance(layer, pd.DataFrame):
            kind = type(layer).__name__
            raise TypeError(msg(f"units：需要 GeoDataFrame 或 DataFrame（XZQ、CJDCQ），而不是 {kind}",
                                f"units: need a GeoDataFrame or DataFrame (XZQ, CJDCQ), got {kind}"))
        label = describe(layer, "units")
        for code_f, name_f in (("XZQDM", "XZQMC"), ("CJDCQDM", "CJDCQMC")):
            if code_f in layer.columns:
                break
        else:
            have = ", ".join(str(c) for c in layer.columns)
            raise SchemaError(msg(f"{label} 没有单位代码字段：县、乡镇请给出 XZQDM（及 XZQMC），"
                                  f"村请给出 CJDCQDM（及 CJDCQMC）；现有字段：{have}",
                                  f"{label} has no unit code field: give XZQDM (+ XZQMC) for counties and "
                                  f"townships or CJDCQDM (+ CJDCQMC) for villages; it has: {have}"))
        codes = _text(layer[code_f])
        names = _text(layer[name_f]) if name_f in layer.columns else codes
        bad = ~codes.str.fullmatch(r"\d{6}|\d{9}|\d{12}").fillna(False).to_numpy(dtype=bool)
        if bad.any():
            rows = format_ids(layer.index[bad].tolist())
            problems.append(msg(f"{label}：{code_f} 不是 6、9 或 12 位代码，行号：{rows}",
                                f"{label}: {code_f} is not a 6, 9 or 12-digit code in row(s) {rows}"))
        for code, name in zip(codes[~bad], names[~bad]):
            if code[:6] in patches_county:
                out.setdefault(len(code), {})[str(code)] = str(name) if pd.notna(name) else str(code)
    if problems:
        raise ValidationError(msg("；", "; ").join(problems), problems)
    return out


@dataclasses.dataclass
class _Patches:
    codes: pd.Series       # ZLDWDM, 19 digits
    classes: np.ndarray    # class position per patch
    tbdlmj: np.ndarray     # hundredths of m², float64 holding integers
    kcmj: np.ndarray
    grade: np.ndarray | None   # 1..5 for farmland, 0 elsewhere
    kind: np.ndarray | None    # 0 TT, 1 PD, -1 none (farmland of grade ≥ 2 only)
    names: pd.Series | None    # ZLDWMC


def _read_patches(patches: Any, classes: pd.DataFrame) -> _Patches:
    """Validate the layer once and collect every problem (one ValidationError)."""
    if not isinstance(patches, pd.DataFrame):
        given = type(patches).__name__
        raise TypeError(msg(f"patches：需要 GeoDataFrame 或 DataFrame，而不是 {given}",
                            f"patches: need a GeoDataFrame or DataFrame, got {given}"))
    label = describe(patches, "patches")
    missing = [f for f in _FIELDS if f not in patches.columns]
    if missing:
        have = ", ".join(str(c) for c in patches.columns if c != getattr(patches, "_geometry_column_name", None))
        names = ", ".join(missing)
        raise SchemaError(msg(f"{label} 缺少字段 {names}；现有字段：{have or '无'}。"
                              "解决：重命名字段（gdf.rename(columns={...})）",
                              f"{label} is missing the field(s) {names}; it has: "
                              f"{have or 'no fields'}. Fix: rename the columns (gdf.rename(columns={{...}}))"))
    if not len(patches):
        raise ValidationError(msg(f"{label}：没有可汇总的图斑（图层为空）",
                                  f"{label}: no patches to tabulate (the layer is empty)"))
    ids = _ids(patches)
    what = "BSM" if "BSM" in patches.columns else "row"
    problems: list[tuple[Any, str]] = []
    messages: list[str] = []

    def flag(mask: np.ndarray, zh: str, en: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            bad = ids[mask].tolist()
            listed = format_ids(bad)
            message = msg(zh, en)
            messages.append(msg(f"{zh}：{len(bad)} 个图斑，{'BSM' if what == 'BSM' else '行号'}：{listed}",
                                f"{en} in {len(bad)} {what}(s) {listed}"))
            problems.extend((i, message) for i in bad)

    codes = _text(patches["ZLDWDM"])
    flag(~codes.str.fullmatch(r"\d{19}").fillna(False).to_numpy(dtype=bool),
         "ZLDWDM 不是 19 位代码（县 6 位、乡镇 3 位、村 3 位、组 7 位）",
         "ZLDWDM is not a 19-digit code (6 county, 3 township, 3 village, 7 group digits)")
    dlbm = _text(patches["DLBM"])
    lookup = _lookup(classes)
    pos = pd.Index(lookup.index).get_indexer(dlbm.fillna("").to_numpy(dtype=object))
    length = dlbm.str.len().fillna(0).to_numpy(dtype=int)
    wrong_length = ~np.isin(length, (2, 4, 5)) & (pos < 0)
    flag(wrong_length, "DLBM 长度不对（应为 2 或 4 个字符：是否丢了前导零？请按文本读取）",
         "DLBM has the wrong length (2 or 4 characters: a lost leading zero? read it as text)")
    flag((pos < 0) & ~wrong_length, "DLBM 不是三调工作分类中的地类",
         "DLBM is not a class of the 三调 working classification")
    areas = {}
    for field in ("TBDLMJ", "KCMJ"):
        values = pd.to_numeric(patches[field], errors="coerce").to_numpy(dtype=np.float64)
        flag(np.isnan(values) & patches[field].notna().to_numpy(), f"{field} 不是数字",
             f"{field} is not a number")
        flag(np.isnan(values) & patches[field].isna().to_numpy(), f"{field} 缺失", f"{field} is missing")
        flag(values < 0, f"{field} 为负", f"{field} is negative")
        areas[field] = np.nan_to_num(values)
    if "KCXS" in patches.columns:
        kcxs = pd.to_numeric(patches["KCXS"], errors="coerce").to_numpy(dtype=np.float64)
        flag(~((kcxs >= 0) & (kcxs < 1)), "KCXS 缺失或不在 [0, 1) 内", "KCXS is missing or outside [0, 1)")
    if "TBMJ" in patches.columns:
        tbmj = pd.to_numeric(patches["TBMJ"], errors="coerce").to_numpy(dtype=np.float64)
        off = np.abs(to_hundredths(np.nan_to_num(tbmj)) - to_hundredths(areas["TBDLMJ"])
                     - to_hundredths(areas["KCMJ"])) > 0
        flag(off & ~np.isnan(tbmj), "TBDLMJ 不等于 TBMJ − KCMJ", "TBDLMJ is not TBMJ − KCMJ")
    class_pos = np.where(pos >= 0, lookup.to_numpy()[np.maximum(pos, 0)], -1)
    farm_classes = np.flatnonzero(classes["level1_code"].to_numpy() == _FARMLAND)
    farm = np.isin(class_pos, farm_classes)
    grade = kind = None
    if "GDPDJB" in patches.columns:
        g = pd.to_numeric(_text(patches["GDPDJB"]), errors="coerce").to_numpy(dtype=np.float64)
        ok = np.isin(g, (1, 2, 3, 4, 5))
        flag(farm & ~ok, "耕地图斑的 GDPDJB（坡度级别）不是 1–5", "GDPDJB (slope grade) is not 1–5 on a farmland patch")
        grade = np.where(farm & ok, np.nan_to_num(g), 0).astype(np.int64)
        if "GDLX" in patches.columns:
            t = _text(patches["GDLX"]).str.upper().map(_GDLX_ALIASES)
            k = np.where(t.eq("TT").fillna(False).to_numpy(dtype=bool), 0,
                         np.where(t.eq("PD").fillna(False).to_numpy(dtype=bool), 1, -1))
            flag((grade >= 2) & (k < 0), "2–5 级耕地的 GDLX 不是 TT（梯田）或 PD（坡地）",
                 "GDLX is not TT (梯田) or PD (坡地) on farmland of grade 2–5")
            kind = np.where(grade >= 2, k, -1)
    if messages:
        listed = "\n  - ".join(messages)
        raise ValidationError(msg(f"{label}：{len(problems)} 个问题：\n  - {listed}",
                                  f"{label}: {len(problems)} problem(s):\n  - {listed}"), problems)
    return _Patches(codes=codes, classes=class_pos,
                    tbdlmj=to_hundredths(areas["TBDLMJ"]).astype(np.float64),
                    kcmj=to_hundredths(areas["KCMJ"]).astype(np.float64), grade=grade, kind=kind,
                    names=_text(patches["ZLDWMC"]) if "ZLDWMC" in patches.columns else None)


# ----------------------------------------------------------------------------- the function

def landuse_tables(patches: Any, *, units: Any = None, level: str = "township", unit: str = "ha",
                   classification: Any = None, engine: str = "local") -> LanduseTables:
    """The 三调 summary tables of a land-use survey layer, rounded so that they add up.

    Parameters
    ----------
    patches : GeoDataFrame or DataFrame
        The survey patches (DLTB) with ZLDWDM (19 digits, text), DLBM (text,
        leading zeros; GB/T 21010-2017 codes the working classification
        merges are accepted), TBDLMJ and KCMJ (m²); optional GDPDJB (1–5) and
        GDLX (TT 梯田 / PD 坡地) for the slope table, KCXS and TBMJ (checked),
        BSM (named in error messages), ZLDWMC (village names).
    units : GeoDataFrame, DataFrame or list of them, optional
        The administrative units whose names head the rows: XZQ layers
        (XZQDM 6 or 9 digits, XZQMC), village layers (CJDCQDM 12 digits,
        CJDCQMC). At a level the units give, every patch must lie in one of
        them and units without patches get a row of zeros. Without units the
        rows are the codes found in ZLDWDM (villages named by ZLDWMC).
    level : {"township", "village", "county"}
        The finest rows: county and townships (default), also villages, or
        the county only.
    unit : str
        Area unit of the figures: ha (default), m2, mu, km2 (or 公顷 …).
    classification : DataFrame or path, optional
        The class table (:func:`load_classification`); default the bundled
        三调 working classification.
    engine : {"local", "dask"}
        ``local``: every county at once. ``dask``: a province's layer county
        by county, each county's tables in its own task on the active dask
        scheduler (a ``dask.distributed`` Client if one is running); a
        county's tables are independent of the others' (its row is their
        total and the rounding starts there), so the result is the local one.
        Needs ``pip install xigeo[dask]``.

    Returns
    -------
    LanduseTables
        Tables ``level1``, ``level2``, ``three_classes``, ``slope``
        (unrounded attributes; ``table(name)`` and ``to_excel`` print the
        rounded figures), ``passed``, ``checks``.

    Raises
    ------
    SchemaError
        ZLDWDM, DLBM, TBDLMJ or KCMJ missing (all missing ones named).
    ValidationError
        Every bad row at once, with its BSM (or index): codes of the wrong
        length, unknown classes, negative or missing areas, KCXS outside
        [0, 1), TBDLMJ ≠ TBMJ − KCMJ, farmland without a valid GDPDJB/GDLX
        (when those fields exist), patches outside the given units; or a
        failed cross-table check.

    Examples
    --------
    >>> import pandas as pd
    >>> patches = pd.DataFrame({
    ...     "BSM": ["1", "2", "3", "4"],
    ...     "ZLDWDM": ["4115281012010000000", "4115281012020000000", "4115281022010000000",
    ...                "4115281022010000000"],
    ...     "DLBM": ["0101", "0103", "0702", "0503"],      # 0503 (GB/T 21010) is counted as 05H1
    ...     "TBMJ": [10000.0, 20000.5, 3000.25, 1500.0],
    ...     "KCMJ": [500.0, 1200.03, 0.0, 0.0],
    ...     "TBDLMJ": [9500.0, 18800.47, 3000.25, 1500.0]})
    >>> t = landuse_tables(patches)
    >>> t.table("level1")[["name", "total_ha", "01_ha", "05_ha", "07_ha", "12_ha"]]
                    name  total_ha  01_ha  05_ha  07_ha  12_ha
    code
    411528        411528      3.45   2.83   0.15    0.3   0.17
    411528101  411528101      3.00   2.83   0.00    0.0   0.17
    411528102  411528102      0.45   0.00   0.15    0.3   0.00
    >>> t.table("three_classes", labels="zh").iloc[0][["国土调查总面积", "农用地小计", "田坎(1203)"]].tolist()
    [np.float64(3.45), np.float64(3.0), np.float64(0.17)]
    >>> print(t.summary("en").splitlines()[0][:95])
    411528: surveyed area 3.45 ha (2 townships): agricultural land 3.00 ha, of which farmland 2.83
    >>> landuse_tables(patches.assign(DLBM=["101", "0103", "9999", "0702"]))
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: patches：2 个问题：
      - DLBM 长度不对（应为 2 或 4 个字符：是否丢了前导零？请按文本读取）：1 个图斑，BSM：1
      - DLBM 不是三调工作分类中的地类：1 个图斑，BSM：3
    """
    level = choose(level, LEVELS, name="level")
    unit = AreaUnit.create(unit).value
    engine = choose(engine, ENGINES, name="engine")
    classes = load_classification(classification)
    data = _read_patches(patches, classes)  # every bad row of the whole layer named at once
    if engine == "dask":
        return _tables_by_county(patches, data.codes, units=units, level=level, unit=unit,
                                 classes=classes)
    n_classes = len(classes)
    ridge = int(np.flatnonzero(classes["code"].to_numpy() == _RIDGE)[0])
    depth = LEVELS.index(level) + 1
    used = LEVELS[:depth]

    # ---- the units of each level: codes, names, parents
    prefix = {lv: data.codes.str.slice(0, _CODE_LENGTH[lv]) for lv in used}
    given = _read_units(units, set(prefix["county"].unique()))
    codes: dict[str, list[str]] = {}
    for lv in reversed(used):
        n = _CODE_LENGTH[lv]
        found = set(prefix[lv].unique())
        if n in given:
            outside = ~prefix[lv].isin(list(given[n])).to_numpy()
            if outside.any():
                ids = _ids(patches)[outside].tolist()
                label, listed = describe(patches, "patches"), format_ids(ids)
                raise ValidationError(msg(
                    f"{label}：{len(ids)} 个图斑不在单位图层的任何{_LEVEL_ZH.get(lv, lv)}内"
                    f"（ZLDWDM[:{n}] 不在单位代码中）：{listed}",
                    f"{label}: {len(ids)} patch(es) lie in no {lv} of the units "
                    f"(ZLDWDM[:{n}] not among the units' codes): {listed}"), ids)
            found = set(given[n])
        below = [c[:n] for deeper in codes.values() for c in deeper]
        codes[lv] = sorted(found | set(below))
    names: dict[str, dict[str, str]] = {lv: dict(given.get(_CODE_LENGTH[lv], {})) for lv in used}
    if level == "village" and data.names is not None and not names["village"]:
        top = (pd.DataFrame({"code": prefix["village"], "name": data.names}).dropna()
               .groupby("code")["name"].agg(lambda s: s.value_counts().index[0]))
        names["village"] = {str(k): str(v) for k, v in top.items()}
    leaf = used[-1]
    leaf_index = pd.Index(codes[leaf])
    row = leaf_index.get_indexer(pd.Index(prefix[leaf]))

    # ---- Σ per leaf unit and class, in hundredths of m² (integers held exactly in float64)
    n_leaf = len(leaf_index)
    cells = (np.bincount(row * n_classes + data.classes, weights=data.tbdlmj, minlength=n_leaf * n_classes)
             + np.bincount(row * n_classes + ridge, weights=data.kcmj, minlength=n_leaf * n_classes))
    leaf_m2 = cells.reshape(n_leaf, n_classes)
    slope_leaf, slope_keys = _slope_cells(data, classes, row, n_leaf)

    # ---- every level from the leaves, and each unit's parent row
    tree_codes = [codes[lv] for lv in used]
    parents: list[np.ndarray | None] = [None]
    leaf_to: list[np.ndarray] = []
    for k, lv in enumerate(used):
        leaf_to.append(pd.Index(codes[lv]).get_indexer(pd.Index([c[:_CODE_LENGTH[lv]] for c in codes[leaf]])))
        if k:
            n = _CODE_LENGTH[used[k - 1]]
            parents.append(pd.Index(codes[used[k - 1]]).get_indexer(pd.Index([c[:n] for c in codes[lv]])))

    def levels_of(matrix: np.ndarray) -> list[np.ndarray]:
        out = []
        for k in range(depth):
            m = np.zeros((len(tree_codes[k]), matrix.shape[1]))
            np.add.at(m, leaf_to[k], matrix)
            out.append(m)
        return out

    factor = float(M2_PER_UNIT[AreaUnit.create(unit)])
    true = [m / factor for m in levels_of(leaf_m2)]                 # hundredths of the unit
    group_codes = list(dict.fromkeys(classes["level1_code"]))
    groups = [np.flatnonzero(classes["level1_code"].to_numpy() == g) for g in group_codes]
    printed = round_tables(list(zip(true, parents)), groups)

    farm_cols = np.flatnonzero(classes["level1_code"].to_numpy() == _FARMLAND)
    slope_true = slope_printed = None
    if slope_leaf is not None:
        slope_true = [m / factor for m in levels_of(slope_leaf)]
        slope_groups = _slope_groups(slope_keys)
        slope_printed = round_tables(list(zip(slope_true, parents)), slope_groups,
                                     totals=[p[:, farm_cols].sum(axis=1) for p in printed])

    # ---- rows: depth first (county, its townships, each followed by its villages)
    order: list[tuple[int, int]] = []

    def visit(k: int, i: int) -> None:
        order.append((k, i))
        if k + 1 < depth:
            for child in np.flatnonzero(parents[k + 1] == i):
                visit(k + 1, int(child))

    for i in range(len(tree_codes[0])):
        visit(0, i)
    index = pd.Index([tree_codes[k][i] for k, i in order], name="code")
    meta = pd.DataFrame({"level": [used[k] for k, _ in order],
                         "name": [names[used[k]].get(tree_codes[k][i], tree_codes[k][i])
                                  for k, i in order]}, index=index)

    def stack(per_level: list[np.ndarray]) -> np.ndarray:
        return np.vstack([per_level[k][i] for k, i in order]) if order else np.zeros((0, 0))

    leaf_true, leaf_printed = stack(true) / 100.0, stack(printed).astype(np.float64) / 100.0
    u = f"_{unit}"
    specs = _table_columns(classes, u)
    canonical = {n: _build(meta, leaf_true, spec) for n, spec in specs.items()}
    shown = {n: _build(meta, leaf_printed, spec, decimals=2) for n, spec in specs.items()}
    notes: list[str] = []
    if slope_true is not None and slope_printed is not None:
        sspec = _slope_columns(slope_keys, u)
        canonical["slope"] = _build(meta, stack(slope_true) / 100.0, sspec)
        shown["slope"] = _build(meta, stack(slope_printed).astype(np.float64) / 100.0, sspec, decimals=2)
        if data.kind is None:
            notes.append("图层无GDLX字段，坡度分级表未分梯田/坡地。 / No GDLX field: the slope table "
                         "is not split into terraces and sloping land.")
    else:
        canonical["slope"] = shown["slope"] = meta.iloc[:0].copy()
        notes.append("图层无GDPDJB字段，未编制耕地坡度分级面积汇总表。 / No GDPDJB field: no farmland "
                     "slope table.")

    # ---- the patches are all counted: county totals against Σ TBDLMJ + Σ KCMJ
    counted = leaf_m2.sum() / factor / 100.0
    expected = (data.tbdlmj.sum() + data.kcmj.sum()) / factor / 100.0
    if not np.isclose(counted, expected, rtol=0, atol=1e-6):
        raise ValidationError(msg(f"土地利用现状表：表间校核“每个图斑都已计入”未通过：{counted}，应为 {expected}",
                                  f"landuse tables: cross-table check 'every patch counted' failed: "
                                  f"{counted} against {expected}"))
    result = LanduseTables(level1=canonical["level1"], level2=canonical["level2"],
                           three_classes=canonical["three_classes"], slope=canonical["slope"],
                           printed=shown, passed=True, checks=pd.DataFrame(), unit=unit,
                           level=level, classification=classes, notes=tuple(notes))
    checks = result.check()
    log.info(msg("土地利用现状表：%d 行，%d 个图斑，%d 项校核通过",
                 "landuse tables: %d rows, %d patches, %d checks passed"), len(index), len(data.classes),
             len(checks))
    return dataclasses.replace(result, checks=checks)


# ----------------------------------------------------------------------------- table layout

def _table_columns(classes: pd.DataFrame, u: str) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Each table's area columns: (column name, the class positions it sums)."""
    everything = np.arange(len(classes))
    group_codes = list(dict.fromkeys(classes["level1_code"]))
    group_of = classes["level1_code"].to_numpy()
    three_of = classes["three_class"].to_numpy()
    level1 = [(f"total{u}", everything)] + [(f"{g}{u}", np.flatnonzero(group_of == g)) for g in group_codes]
    level2 = [(f"total{u}", everything)] + [(f"{c}{u}", np.array([i])) for i, c in enumerate(classes["code"])]
    three = [(f"total{u}", everything)]
    for key, zh in THREE_CLASSES.items():
        members = np.flatnonzero(three_of == zh)
        three.append((f"{key}{u}", members))
        for g in group_codes:
            in_group = np.flatnonzero(group_of == g)
            part = np.intersect1d(in_group, members)
            if not part.size:
                continue
            if part.size == in_group.size:
                three.append((f"{key}_{g}{u}", part))
            else:
                three += [(f"{key}_{classes['code'].iloc[i]}{u}", np.array([i])) for i in part]
    return {"level1": level1, "level2": level2, "three_classes": three}


ENGINES = ("local", "dask")


def _tables_by_county(patches: Any, codes: pd.Series, *, units: Any, level: str, unit: str,
                      classes: pd.DataFrame) -> LanduseTables:
    """``landuse_tables`` county by county on the active dask scheduler, the blocks in code order.

    Rows are ordered by code (a county, then its townships and villages), so the
    counties' tables one after the other are the tables of the whole layer.
    """
    try:
        import dask
    except ImportError:  # pragma: no cover - dask is installed in the test environment
        raise ImportError(msg("engine='dask' 需要 dask（集群还需要 distributed）：pip install xigeo[dask]",
                              "engine='dask' needs dask (and distributed for a cluster): "
                              "pip install xigeo[dask]")) from None
    county = codes.str.slice(0, 6).to_numpy()
    keys = sorted(set(county))
    tasks = [dask.delayed(landuse_tables, pure=True)(patches[county == k], units=units, level=level,
                                                     unit=unit, classification=classes)
             for k in keys]
    parts: tuple[LanduseTables, ...] = dask.compute(*tasks)
    first = parts[0]
    checks = first.checks.copy()
    checks["passed"] = np.logical_and.reduce([p.checks["passed"].to_numpy(dtype=bool) for p in parts])
    return dataclasses.replace(
        first,
        level1=pd.concat([p.level1 for p in parts]), level2=pd.concat([p.level2 for p in parts]),
        three_classes=pd.concat([p.three_classes for p in parts]),
        slope=pd.concat([p.slope for p in parts]),
        printed={name: pd.concat([p.printed[name] for p in parts]) for name in first.printed},
        passed=all(p.passed for p in parts), checks=checks,
        notes=tuple(dict.fromkeys(n for p in parts for n in p.notes)))


def _build(meta: pd.DataFrame, values: np.ndarray, spec: list[tuple[str, np.ndarray]],
           decimals: int | None = None) -> pd.DataFrame:
    out = meta.copy()
    for name, members in spec:
        column = values[:, members].sum(axis=1) if len(values) else np.zeros(0)
        out[name] = np.round(column, decimals) if decimals is not None else column
    return out


def _slope_cells(data: _Patches, classes: pd.DataFrame, row: np.ndarray, n_leaf: int
                 ) -> tuple[np.ndarray | None, list[tuple[int, str]]]:
    """Farmland TBDLMJ per leaf unit and slope cell (grade, kind), hundredths of m²."""
    if data.grade is None:
        return None, []
    keys: list[tuple[int, str]] = [(1, "")]
    if data.kind is None:
        keys += [(g, "") for g in range(2, 6)]
        cell = data.grade - 1
    else:
        keys += [(g, k) for g in range(2, 6) for k in ("terrace", "slope")]
        cell = np.where(data.grade >= 2, 1 + (data.grade - 2) * 2 + np.maximum(data.kind, 0), 0)
    farm = data.grade > 0
    m = len(keys)
    cells = np.bincount(row[farm] * m + cell[farm], weights=data.tbdlmj[farm], minlength=n_leaf * m)
    return cells.reshape(n_leaf, m), keys


def _slope_groups(keys: list[tuple[int, str]]) -> list[np.ndarray]:
    grades = np.array([g for g, _ in keys])
    return [np.flatnonzero(grades == g) for g in range(1, 6)]


def _slope_columns(keys: list[tuple[int, str]], u: str) -> list[tuple[str, np.ndarray]]:
    out = [(f"farmland{u}", np.arange(len(keys)))]
    for g in range(1, 6):
        members = np.array([i for i, (gg, _) in enumerate(keys) if gg == g])
        out.append((f"grade{g}{u}", members))
        out += [(f"grade{g}_{keys[i][1]}{u}", np.array([i])) for i in members if keys[i][1]]
    return out
