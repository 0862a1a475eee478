"""Survey-database quality checks (质检): numbered rules, an error log, a map of the errors.

:func:`check_survey` runs a rule pack over a land-use survey layer (DLTB)
and, when given, the county boundary, the villages (村级调查区) and the
permanent basic farmland (JBNT). Every finding is one row of
``result.errors``: the rule id (``TP003``), its Chinese name, severity
(错误 error / 警告 warning), the layer and feature, the field, the value
found and the value expected, and a geometry: the overlap, gap or outside
piece, or the feature's point. ``result.passed`` is True when no rule of
severity 错误 found anything.

The rules live in a data file, ``xigeo/data/qc_rules.toml`` (read with
:mod:`tomllib`); each names the built-in check that runs it, its Chinese
name, severity and parameters. A user's own TOML file or dict
(``rules=``) overrides keys of bundled rules (a province's thresholds),
switches rules off (``enabled = false``) or adds rules of its own that run
a built-in check with other parameters (:func:`load_rules`). A bad rule
file is refused naming the file, the rule and the key.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> x, y = 38_560_000, 3_580_000
>>> dltb = gpd.GeoDataFrame({"BSM": ["1", "2", "2"], "DLBM": ["0101", "0702", "9999"]},
...     geometry=[box(x, y, x + 100, y + 100), box(x + 90, y, x + 200, y + 100),
...               box(x + 200, y, x + 300, y + 100)], crs=4526)
>>> r = check_survey(dltb)
>>> r.passed
False
>>> r.errors[["rule", "feature_id", "field", "value"]].head(4)
    rule feature_id field      value
n
0  TP003        1|2        999.91 m²
1  SX002          2   BSM        2 次
2  SX002          2   BSM        2 次
3  SX003          2  DLBM       9999
>>> print(r.summary().splitlines()[0])
质检 3 个图斑，运行 21 条规则：错误 13 处，警告 0 处，未通过。

(The overlap of 10 m × 100 m is 999.91 m² on the ellipsoid; the fields the
layer lacks — DLMC, TBMJ … — are one finding each.)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._lang import msg
from ._options import choose, non_negative
from ._result import Result, TableSpec, Total
from .errors import CRSError, OptionError, ValidationError, fix

__all__ = ["check_survey", "SurveyCheck", "load_rules", "Rule", "CHECKS", "SEVERITIES", "ENGINES"]

log = logging.getLogger(__name__)

#: severities: an error fails the layer, a warning is listed
ERROR, WARNING = "错误", "警告"
SEVERITIES = (ERROR, WARNING)
_SEVERITY_EN = {ERROR: "error", WARNING: "warning"}
_SEVERITY_ALIASES = {"error": ERROR, "warning": WARNING, ERROR: ERROR, WARNING: WARNING}
ENGINES = ("local", "dask")
#: the bundled rule pack
RULES_FILE = "data/qc_rules.toml"

#: the columns of ``SurveyCheck.errors``
ERROR_COLUMNS = ("rule", "rule_name", "severity", "layer", "feature_id", "field", "value", "expected",
                 "area_m2")


# ----------------------------------------------------------------------------- rules


@dataclasses.dataclass(frozen=True)
class Check:
    """A built-in check: what it needs and which parameters it takes (name → type, default)."""

    category: str
    params: Mapping[str, tuple[type, Any]]
    #: layers besides dltb it needs (the rule does not run without them)
    needs: tuple[str, ...] = ()
    #: a topology check: runs per spatial partition with engine="dask"
    topology: bool = False


_AREA = {"tolerance_m2": (float, 0.01)}
#: the built-in checks a rule can name (``check = "..."``)
CHECKS: dict[str, Check] = {
    "empty_geometry": Check("拓扑", {}, topology=True),
    "invalid_geometry": Check("拓扑", {}, topology=True),
    "overlap": Check("拓扑", _AREA, topology=True),
    "gap": Check("拓扑", _AREA, topology=True),
    "outside_county": Check("拓扑", _AREA, needs=("county",), topology=True),
    "duplicate_vertex": Check("拓扑", {"min_distance_m": (float, 0.001)}, topology=True),
    "acute_angle": Check("拓扑", {"min_angle_deg": (float, 0.0), "max_angle_deg": (float, 10.0)},
                         topology=True),
    "sliver": Check("拓扑", {"min_width_m": (float, 1.0)}, topology=True),
    "min_area": Check("拓扑", {"min_area_m2": (dict, {})}),
    "missing_id": Check("属性", {"field": (str, "BSM")}),
    "duplicate_id": Check("属性", {"field": (str, "BSM")}),
    "class_code": Check("属性", {"aliases": (bool, True)}),
    "class_name": Check("属性", {}),
    "patch_area": Check("属性", {"tolerance_m2": (float, 0.0)}),
    "deducted_area": Check("属性", {"rounding": (str, "half_up")}),
    "class_area": Check("属性", {}),
    "deduction_rate": Check("属性", {"classes": (list, ["01"])}),
    "unit_code": Check("属性", {"fields": (list, ["ZLDWDM", "QSDWDM"]), "digits": (int, 19)}),
    "village_code": Check("属性", {"field": (str, "ZLDWDM"), "village_field": (str, "CJDCQDM")},
                          needs=("villages",)),
    "allowed_values": Check("属性", {"field": (str, ""), "values": (list, []), "classes": (list, []),
                                     "others_empty": (bool, False)}),
    "crs_mismatch": Check("图层间", {}),
    "jbnt_not_farmland": Check("图层间", {**_AREA, "exclude_construction": (bool, True)},
                               needs=("jbnt",)),
    "jbnt_on_construction": Check("图层间", _AREA, needs=("jbnt",)),
    "jbnt_outside_dltb": Check("图层间", _AREA, needs=("jbnt",)),
}
_RULE_KEYS = ("check", "name", "name_en", "severity", "enabled")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One rule of the pack: its id, the check it runs, names, severity, parameters."""

    id: str
    check: str
    name: str
    name_en: str
    severity: str
    enabled: bool
    params: Mapping[str, Any]

    @property
    def category(self) -> str:
        return CHECKS[self.check].category


def _bundled() -> tuple[dict[str, Any], str]:
    text = resources.files("xigeo").joinpath(RULES_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text), "bundled qc_rules.toml"


def _read_rules(source: Any) -> tuple[dict[str, Any], str]:
    """A user's rules as a mapping: a TOML path, or a dict (``{"rules": {...}}`` or ``{id: {...}}``)."""
    if isinstance(source, Mapping):
        data = dict(source)
        return (data if set(data) == {"rules"} else {"rules": data}), "rules"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            with open(path, "rb") as f:
                return tomllib.load(f), str(path)
        except FileNotFoundError:
            how = fix('check_survey(dltb, rules=<an existing .toml file>)', '--rules FILE')
            raise OptionError(msg(f"规则文件 {path} 不存在。解决：{how}",
                                  f"rule file {path} does not exist. Fix: {how}")) from None
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(msg(f"{path}：不是有效的 TOML 文件（{exc}）",
                                      f"{path}: not a valid TOML file ({exc})"), [str(exc)]) from None
    kind = type(source).__name__
    raise TypeError(msg(f"rules：请给出 TOML 文件路径或 dict，而不是 {kind}",
                        f"rules: give a TOML file path or a dict, got {kind}"))


def load_rules(rules: Any = None) -> dict[str, Rule]:
    """The rule pack: the bundled rules, with ``rules`` (a TOML path or dict) applied over them.

    A user's table for an existing id overrides only the keys it gives; a
    table for a new id adds a rule and must give ``check``, ``name`` and
    ``severity``; ``enabled = false`` switches a rule off. In a dict, a
    prefix mapped to None (``{"SX": None}``) switches off every rule whose
    id starts with it. Every problem (unknown key or check, wrong type,
    bad severity) is collected and raised once, naming the file, the rule
    and the key.

    >>> pack = load_rules({"TP010": {"severity": "错误"}, "HN001": {"check": "min_area",
    ...     "name": "耕地图斑小于1亩", "severity": "警告", "min_area_m2": {"01": 666.67}}})
    >>> pack["TP010"].severity, pack["HN001"].params["min_area_m2"]
    ('错误', {'01': 666.67})
    >>> load_rules({"TP003": {"tolerence_m2": 1}})
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: rules：规则 TP003：未知的键 'tolerence_m2'（检查 'overlap' 可用的键：tolerance_m2；每条规则都可用：check, name, name_en, severity, enabled）
    >>> from xigeo import using_language
    >>> with using_language("en"):
    ...     load_rules({"TP003": {"tolerence_m2": 1}})
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: rules: rule TP003: unknown key 'tolerence_m2' (check 'overlap' takes: tolerance_m2; every rule: check, name, name_en, severity, enabled)
    """
    base, _ = _bundled()
    raw: dict[str, dict[str, Any]] = {k: dict(v) for k, v in base["rules"].items()}
    label = msg("内置 qc_rules.toml", "bundled qc_rules.toml")
    problems: list[str] = []
    off: list[str] = []
    if rules is not None:
        data, label = _read_rules(rules)
        extra = sorted(set(data) - {"rules"})
        if extra:
            keys = ", ".join(extra)
            problems.append(msg(f"{label}：未知的顶层键 {keys}；规则应写在 [rules.<ID>] 表中",
                                f"{label}: unknown top-level key(s) {keys}; rules go in "
                                "[rules.<ID>] tables"))
        for rid, table in (data.get("rules") or {}).items():
            rid = str(rid)
            if table is None:
                off.append(rid)
                continue
            if not isinstance(table, Mapping):
                problems.append(msg(f"{label}：规则 {rid}：应为键值表，而不是 {table!r}",
                                    f"{label}: rule {rid}: expected a table of keys, got {table!r}"))
                continue
            if rid not in raw:
                for key in ("check", "name", "severity"):
                    if key not in table:
                        problems.append(msg(f"{label}：规则 {rid}：新规则需要键 {key!r}",
                                            f"{label}: rule {rid}: a new rule needs the key {key!r}"))
                raw[rid] = {}
            elif "check" in table and table["check"] != raw[rid].get("check"):
                # another check: the old parameters do not apply
                raw[rid] = {k: v for k, v in raw[rid].items() if k in _RULE_KEYS}
            raw[rid].update(table)
    pack: dict[str, Rule] = {}
    for rid, table in raw.items():
        where = msg(f"{label}：规则 {rid}", f"{label}: rule {rid}")
        check = table.get("check")
        if check not in CHECKS:
            if check is not None:
                names = ", ".join(CHECKS)
                problems.append(msg(f"{where}：键 'check'：未知的检查 {check!r}；可用：{names}",
                                    f"{where}: key 'check': unknown check {check!r}; use one of: {names}"))
            continue
        spec = CHECKS[check]
        severity = _SEVERITY_ALIASES.get(str(table.get("severity", "")))
        if severity is None:
            found = table.get("severity")
            problems.append(msg(f"{where}：键 'severity'：{found!r} 不是 错误 或 警告（或 error/warning）",
                                f"{where}: key 'severity': {found!r} is not 错误 or 警告 "
                                "(or error/warning)"))
        params: dict[str, Any] = {}
        for key, value in table.items():
            if key in _RULE_KEYS:
                continue
            if key not in spec.params:
                takes, every = ", ".join(spec.params), ", ".join(_RULE_KEYS)
                problems.append(msg(f"{where}：未知的键 {key!r}（检查 {check!r} 可用的键："
                                    f"{takes or '无参数'}；每条规则都可用：{every}）",
                                    f"{where}: unknown key {key!r} (check {check!r} takes: "
                                    f"{takes or 'no parameters'}; every rule: {every})"))
                continue
            problem = _type_problem(value, spec.params[key][0])
            if problem:
                problems.append(msg(f"{where}：键 {key!r}：{problem}", f"{where}: key {key!r}: {problem}"))
            params[key] = value
        for key, (kind, default) in spec.params.items():
            params.setdefault(key, default)
            if kind is float and isinstance(params[key], (int, float)):
                params[key] = float(params[key])
        for key in ("name", "name_en"):
            if key in table and not isinstance(table[key], str):
                problems.append(msg(f"{where}：键 {key!r}：应为文字，而不是 {table[key]!r}",
                                    f"{where}: key {key!r}: expected text, got {table[key]!r}"))
        if "enabled" in table and not isinstance(table["enabled"], bool):
            found = table["enabled"]
            problems.append(msg(f"{where}：键 'enabled'：应为 true 或 false，而不是 {found!r}",
                                f"{where}: key 'enabled': expected true or false, got {found!r}"))
        if check == "allowed_values" and not params.get("field"):
            problems.append(msg(f"{where}：键 'field'：检查 'allowed_values' 需要给出要检查的字段",
                                f"{where}: key 'field': check 'allowed_values' needs the field to check"))
        enabled = bool(table.get("enabled", True)) and not any(rid.startswith(p) for p in off)
        pack[rid] = Rule(rid, check, str(table.get("name", rid)), str(table.get("name_en", "")),
                         severity or ERROR, enabled, params)
    if problems:
        several = len(problems) > 1
        raise ValidationError(msg(
            "；".join(problems) + (f"。解决：修改 {label}（各检查的键见 docs/quality_checks.md）"
                                   if several else ""),
            "; ".join(problems) + (f". Fix: correct {label} (the keys of every check: "
                                   "docs/quality_checks.md)" if several else "")), problems)
    return pack


def _type_problem(value: Any, kind: type) -> str | None:
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        return None if ok else msg(f"应为 ≥ 0 的数，而不是 {value!r}", f"expected a number ≥ 0, got {value!r}")
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return None if ok else msg(f"应为 > 0 的整数，而不是 {value!r}",
                                   f"expected a whole number > 0, got {value!r}")
    if kind is bool:
        return None if isinstance(value, bool) else msg(f"应为 true 或 false，而不是 {value!r}",
                                                        f"expected true or false, got {value!r}")
    if kind is str:
        return None if isinstance(value, str) else msg(f"应为文字，而不是 {value!r}",
                                                       f"expected text, got {value!r}")
    if kind is list:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else msg(f"应为文字列表，而不是 {value!r}",
                                   f"expected a list of text values, got {value!r}")
    if kind is dict:
        ok = isinstance(value, Mapping) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in value.values())
        return None if ok else msg(f"应为“DLBM 前缀 = 面积（m²）”的表，而不是 {value!r}",
                                   f"expected a table of DLBM prefix = area (m²), got {value!r}")
    return None  # pragma: no cover


# ----------------------------------------------------------------------------- the result

_ERRORS_ZH = {"rule": "规则编号", "rule_name": "规则名称", "severity": "严重程度", "layer": "图层",
              "feature_id": "要素标识", "field": "字段", "value": "值", "expected": "应为",
              "area_m2": "面积(平方米)"}
_BY_RULE_ZH = {"rule_name": "规则名称", "category": "类别", "severity": "严重程度", "check": "检查项",
               "status": "运行情况", "n_findings": "发现数", "parameters": "参数(英文)",
               "parameters_zh": "参数"}
#: the layers a finding is on, as a Chinese table names them
_LAYER_ZH = {"dltb": "地类图斑", "county": "县级调查区", "villages": "村级调查区", "jbnt": "永久基本农田"}
#: the rule parameters in Chinese (name, unit) and their word values
_PARAM_ZH = {"tolerance_m2": ("容差", "平方米"), "min_distance_m": ("最小距离", "米"),
             "min_angle_deg": ("最小角度", "度"), "max_angle_deg": ("最大角度", "度"),
             "min_width_m": ("最小宽度", "米"), "min_area_m2": ("最小面积", "平方米"),
             "field": ("字段", ""), "fields": ("字段", ""), "aliases": ("接受别名", ""),
             "rounding": ("取舍", ""), "classes": ("地类", ""), "digits": ("位数", ""),
             "village_field": ("村代码字段", ""), "values": ("允许值", ""),
             "others_empty": ("其他地类为空", ""), "exclude_construction": ("排除建设用地", "")}
_PARAM_VALUE_ZH = {"half_up": "四舍五入", "any": "四舍五入或四舍六入五成双", True: "是", False: "否"}
_STATUS_ZH = {"ran": "已运行", "off": "已关闭", "no_layer": "缺少图层", "crs": "坐标系不一致，未运行"}


@dataclasses.dataclass(frozen=True, repr=False)
class SurveyCheck(Result):
    """What :func:`check_survey` found (the result contract of :mod:`xigeo._result`).

    Attributes
    ----------
    errors : GeoDataFrame
        One row per finding: ``rule``, ``rule_name``, ``severity`` (错误/警告),
        ``layer`` (dltb, county, villages, jbnt), ``feature_id`` (BSM, or the
        index; ``a|b`` for an overlap of two patches; the village code for a
        gap), ``field``, ``value``, ``expected``, ``area_m2`` (the survey
        ellipsoidal area of an overlap, gap or outside piece) and the
        geometry: that piece, or the feature's point. Sorted by rule, then
        layer order.
    by_rule : DataFrame
        Per rule (index: rule id, pack order): ``rule_name``, ``category``
        (拓扑/属性/图层间), ``severity``, ``check``, ``status`` (ran, off,
        no_layer, crs), ``n_findings``, ``parameters`` and ``parameters_zh``
        (the same in Chinese: 容差 0.01平方米).
    passed : bool
        True when no rule of severity 错误 found anything.
    n_patches : int
        The patches checked.
    engine : str
        local or dask.
    """

    TITLE: ClassVar[tuple[str, str]] = ("图斑数据质检", "Survey-database quality check")
    TABLES: ClassVar[dict[str, TableSpec]] = {
        "by_rule": TableSpec("按规则统计", "findings by rule", _BY_RULE_ZH,
                             values_zh={"status": _STATUS_ZH}, index_name_zh="规则编号",
                             hidden_zh=("check", "parameters"),
                             total=Total(sum_columns=("n_findings",))),
        "errors": TableSpec("质检错误清单", "findings", _ERRORS_ZH, values_zh={"layer": _LAYER_ZH},
                            index_name_zh="序号"),
    }

    errors: gpd.GeoDataFrame
    by_rule: pd.DataFrame
    passed: bool
    n_patches: int
    engine: str = "local"

    def counts(self) -> dict[str, int]:
        """Findings by severity: {"错误": n, "警告": m}."""
        sev = self.errors["severity"]
        return {s: int((sev == s).sum()) for s in SEVERITIES}

    def _summary(self, lang: str) -> str:
        c = self.counts()
        ran = int((self.by_rule["status"] == "ran").sum())
        found = self.by_rule[self.by_rule["n_findings"] > 0]
        if lang == "zh":
            head = (f"质检 {self.n_patches} 个图斑，运行 {ran} 条规则：错误 {c[ERROR]} 处，"
                    f"警告 {c[WARNING]} 处，{'通过' if self.passed else '未通过'}。")
            if not len(found):
                return head + "\n未发现错误。"
            lines = [f"{rid} {row.rule_name}（{row.severity}）：{row.n_findings} 处"
                     for rid, row in found.iterrows()]
            return head + "\n" + "；".join(lines) + "。"
        head = (f"Checked {self.n_patches} patches with {ran} rules: {c[ERROR]} errors, "
                f"{c[WARNING]} warnings; {'passed' if self.passed else 'failed'}.")
        if not len(found):
            return head + "\nNo findings."
        return head + "\n" + "; ".join(f"{rid} ({_SEVERITY_EN[row.severity]}): {row.n_findings}"
                                       for rid, row in found.iterrows()) + "."

    def to_excel(self, path: str | os.PathLike[str], *, labels: str = "zh", total: bool = True,
                 overwrite: bool = False) -> Path:
        """The summary, the counts by rule, every finding, then one sheet per rule with findings.

        The first sheets are the contract's (摘要 and a sheet per table); the
        per-rule sheets (``TP003 图斑重叠`` …) follow, in rule order.
        """
        from ._excel import write_workbook
        from ._options import check_lang

        labels = check_lang(labels, name="labels")
        head = "摘要" if labels == "zh" else "summary"
        table = self.table("errors", labels=labels)
        # findings numbered from 1 (as n in to_gpkg), the same in the per-rule sheets
        table.index = pd.Index(self.errors.index + 1, name=table.index.name)
        sheets: dict[str, pd.DataFrame] = {
            head: pd.DataFrame({head: self.summary(labels).splitlines()}),
            self.TABLES["by_rule"].title(labels): self.table("by_rule", labels=labels, total=total),
            self.TABLES["errors"].title(labels): table,
        }
        for rid, rows in table.groupby(self.errors["rule"].to_numpy(), sort=False):
            name = self.by_rule.loc[rid, "rule_name"] if labels == "zh" else rid
            sheets[f"{rid} {name}" if labels == "zh" else str(rid)] = rows
        return write_workbook(sheets, path, overwrite=overwrite)

    def to_gpkg(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """The findings as a GeoPackage QGIS opens styled by severity.

        Two layers: ``errors_point`` (every finding at a point: the feature's
        point, or a point inside its overlap/gap piece) and ``errors_area``
        (the findings with a piece: overlaps, gaps, parts outside the county
        or off farmland), each with a QGIS style (categorised by ``severity``:
        错误 red, 警告 orange) stored as the default in the GeoPackage's
        ``layer_styles`` table, which QGIS reads when it opens the layer.
        """
        from ._qc_output import write_gpkg

        return write_gpkg(self.errors, path, overwrite=overwrite)


# ----------------------------------------------------------------------------- the checks


@dataclasses.dataclass
class _Context:
    dltb: gpd.GeoDataFrame
    geoms: np.ndarray
    #: valid polygons (others None): what the geometric rules measure
    valid: np.ndarray
    ids: np.ndarray
    crs: Any
    layers: dict[str, gpd.GeoDataFrame | None]
    engine: str
    partitions: int | None
    _area: np.ndarray | None = None
    #: every overlapping pair of valid patches (i, j, geometry, area), once the topology rules ran
    pairs: dict[str, np.ndarray] | None = None
    _texts: dict[str, pd.Series] = dataclasses.field(default_factory=dict)

    def area_m2(self) -> np.ndarray:
        """Survey ellipsoidal area (0.01 m²) of every valid patch, NaN for the others."""
        if self._area is None:
            from .area import area

            self._area = area(gpd.GeoSeries(self.valid, crs=self.crs)).to_numpy()
        return self._area

    def covered(self) -> np.ndarray:
        """The land the patches cover: the valid polygons, and invalid ones repaired (make_valid).

        The gap rule reads this, so that an invalid patch (TP002) does not also
        leave a gap where it lies.
        """
        from ._layers import polygonal_part

        bad = np.flatnonzero(shapely.is_missing(self.valid) & ~shapely.is_missing(self.geoms)
                             & ~shapely.is_empty(self.geoms))
        if bad.size == 0:
            return self.valid
        out = self.valid.copy()
        out[bad] = polygonal_part(shapely.make_valid(self.geoms[bad]))
        return out

    def text(self, column: str) -> pd.Series:
        """A field of dltb as stripped text (:func:`_text`), computed once per field."""
        if column not in self._texts:
            self._texts[column] = _text(self.dltb, column)
        return self._texts[column]

    def codes(self) -> pd.Series:
        return self.text("DLBM")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A field as stripped text, "" for missing values (numbers written without ".0")."""
    values = frame[column]
    if pd.api.types.is_float_dtype(values):
        text = values.astype(str).str.replace(r"\.0$", "", regex=True)
        values = text.where(values.notna(), "")
    out = values.astype("string").fillna("").str.strip()
    return pd.Series(out.to_numpy(dtype=object), index=frame.index)


def _frame(rule: Rule, layer: str, ids: Any, *, field: str = "", value: Any = "", expected: Any = "",
           geometry: Any = None, area_m2: Any = np.nan) -> pd.DataFrame:
    ids = np.asarray(ids, dtype=object)
    n = len(ids)

    def col(v: Any) -> np.ndarray:
        if isinstance(v, (np.ndarray, pd.Series, list)):
            return np.asarray(v, dtype=object)
        return np.full(n, v, dtype=object)

    out = pd.DataFrame({"rule": rule.id, "rule_name": rule.name, "severity": rule.severity,
                        "layer": layer, "feature_id": ids.astype(str), "field": col(field),
                        "value": [("" if v is None else str(v)) for v in col(value)],
                        "expected": [("" if v is None else str(v)) for v in col(expected)],
                        "area_m2": np.asarray(col(area_m2), dtype=float)}, index=range(n))
    out["geometry"] = col(geometry) if n else np.empty(0, dtype=object)
    return out


def _points(geoms: np.ndarray) -> np.ndarray:
    """A point of every geometry (inside it for polygons), None where there is none."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.any():
        try:
            out[ok] = shapely.point_on_surface(geoms[ok])
        except shapely.errors.GEOSException:
            out[ok] = shapely.centroid(geoms[ok])
    bad = ok & shapely.is_missing(out)
    if bad.any():
        out[bad] = shapely.centroid(geoms[bad])
    return out


def _m2(values: np.ndarray) -> list[str]:
    return [f"{v:.2f} m²" for v in values]


# --- topology, per feature (these also run on the dask workers, on a block of the layer)


def topology_block(geoms: np.ndarray, own: np.ndarray, county: Any, rules: Mapping[str, Rule],
                   crs: Any, *, pairs: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """The topology rules on one block: ``geoms`` (valid polygons or None), ``own`` the block's own.

    Returns per rule id the arrays of its findings (positions into ``geoms``
    and measures); positions of the halo (``own`` False) appear only as the
    second patch of an overlap. ``pairs``: also every overlapping pair
    (key ``_pairs``: positions, pieces and their survey areas). The local engine calls this once on the
    whole layer, the dask engine once per spatial partition with its halo.
    """
    from . import _qc_topology as topo

    out: dict[str, dict[str, np.ndarray]] = {}
    mine = np.flatnonzero(own & ~shapely.is_missing(geoms))
    if pairs:
        # every overlapping pair: the overlap rule filters them, the gap rule needs them all
        i, j, pieces = topo.overlap_pairs(geoms, own)
        out["_pairs"] = {"i": i, "j": j, "geometry": pieces, "area": _survey_m2(pieces, crs)}
    measured: dict[float, topo.VertexMeasures] = {}

    def vertices(distance: float) -> topo.VertexMeasures:
        if distance not in measured:
            measured[distance] = topo.vertex_measures(geoms[mine], min_distance_m=distance)
        return measured[distance]

    for rid, rule in rules.items():
        p = rule.params
        if rule.check == "outside_county" and county is not None:
            # only the patches whose boxes meet the county's edge (cut into ≤ 200 m segments) need
            # the exact test; any other lies wholly inside or wholly outside, which one point decides
            parts = shapely.get_parts(shapely.boundary(county))
            xy = shapely.get_coordinates(shapely.segmentize(parts, 200.0), return_index=True)
            coords, owner = xy if isinstance(xy, tuple) else (xy, np.zeros(len(xy), int))
            same = owner[1:] == owner[:-1]
            segments = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
            near = np.unique(shapely.STRtree(geoms[mine]).query(segments)[1])
            inside_box = np.ones(mine.size, dtype=bool)
            inside_box[near] = False
            candidates = np.flatnonzero(~inside_box)
            # the patches that do not meet the boundary are inside or wholly outside: one point decides
            far = np.flatnonzero(inside_box)
            far_out = far[~shapely.intersects(county, _points(geoms[mine[far]]))] if far.size else far
            outside = np.union1d(candidates[~shapely.within(geoms[mine[candidates]], county)], far_out)
            idx = mine[outside]
            pieces = topo.polygonal_or_none(shapely.difference(geoms[idx], county))
            a = _survey_m2(pieces, crs)
            keep = a > p["tolerance_m2"]
            out[rid] = {"i": idx[keep], "geometry": pieces[keep], "area": a[keep]}
        elif rule.check == "duplicate_vertex":
            m = vertices(p["min_distance_m"])
            out[rid] = _per_owner(mine, m.owner, m.duplicate, m.xy, np.zeros(len(m.owner)))
        elif rule.check == "acute_angle":
            m = vertices(rules_min_distance(rules))
            hit = (m.angle_deg < p["max_angle_deg"]) & (m.angle_deg >= p["min_angle_deg"])
            out[rid] = _per_owner(mine, m.owner, hit, m.xy, m.angle_deg)
        elif rule.check == "sliver":
            g = geoms[mine]
            width = 2.0 * shapely.area(g) / np.maximum(shapely.length(g), 1e-12)
            hit = width < p["min_width_m"]
            out[rid] = {"i": mine[hit], "width": width[hit]}
    return out


def rules_min_distance(rules: Mapping[str, Rule]) -> float:
    """The duplicate-vertex distance of the pack (angles are measured without duplicates)."""
    for rule in rules.values():
        if rule.check == "duplicate_vertex":
            return float(rule.params["min_distance_m"])
    return 0.0


def _per_owner(mine: np.ndarray, owner: np.ndarray, hit: np.ndarray, xy: np.ndarray,
               measure: np.ndarray) -> dict[str, np.ndarray]:
    """One finding per polygon with hits: count, the worst (smallest) measure and its vertex."""
    idx = np.flatnonzero(hit)
    if idx.size == 0:
        return {"i": np.empty(0, np.int64), "n": np.empty(0, np.int64), "worst": np.empty(0),
                "x": np.empty(0), "y": np.empty(0)}
    order = idx[np.lexsort((measure[idx], owner[idx]))]
    first = np.r_[True, owner[order][1:] != owner[order][:-1]]
    heads = order[first]
    n = np.bincount(owner[idx], minlength=len(mine))[owner[heads]]
    return {"i": mine[owner[heads]], "n": n, "worst": measure[heads], "x": xy[heads, 0], "y": xy[heads, 1]}


def _survey_m2(pieces: np.ndarray, crs: Any) -> np.ndarray:
    from .area import area

    if len(pieces) == 0:
        return np.empty(0)
    return area(gpd.GeoSeries(pieces, crs=crs)).fillna(0.0).to_numpy()


def _topology_findings(ctx: _Context, rules: Mapping[str, Rule], county: Any) -> list[pd.DataFrame]:
    topo_rules = {rid: r for rid, r in rules.items()
                  if r.check in ("outside_county", "duplicate_vertex", "acute_angle", "sliver")}
    pairs = any(r.check in ("overlap", "gap") for r in rules.values())
    if not topo_rules and not pairs:
        return []
    if ctx.engine == "dask":
        from ._qc_dask import dask_topology

        found = dask_topology(ctx.valid, county, topo_rules, ctx.crs, partitions=ctx.partitions, pairs=pairs)
    else:
        found = topology_block(ctx.valid, np.ones(len(ctx.valid), bool), county, topo_rules, ctx.crs,
                               pairs=pairs)
    if pairs:
        ctx.pairs = found.pop("_pairs")
        for rid, rule in rules.items():
            if rule.check == "overlap":
                f = ctx.pairs
                keep = f["area"] > rule.params["tolerance_m2"]
                found[rid] = {k: v[keep] for k, v in f.items()}
    out = []
    for rid, f in found.items():
        rule = rules[rid]
        if rule.check == "overlap":
            order = np.lexsort((f["j"], f["i"]))
            i, j = f["i"][order], f["j"][order]
            out.append(_frame(rule, "dltb", [f"{a}|{b}" for a, b in zip(ctx.ids[i], ctx.ids[j])],
                              value=_m2(f["area"][order]), expected=f"≤ {rule.params['tolerance_m2']:g} m²",
                              geometry=f["geometry"][order], area_m2=f["area"][order]))
        elif rule.check == "outside_county":
            order = np.argsort(f["i"], kind="stable")
            out.append(_frame(rule, "dltb", ctx.ids[f["i"][order]], value=_m2(f["area"][order]),
                              expected="0 m²（在县界内）", geometry=f["geometry"][order],
                              area_m2=f["area"][order]))
        elif rule.check in ("duplicate_vertex", "acute_angle"):
            order = np.argsort(f["i"], kind="stable")
            pts = shapely.points(f["x"][order], f["y"][order])
            if rule.check == "duplicate_vertex":
                value = [f"{k} 处" for k in f["n"][order]]
                expected = f"相邻节点距离 > {rule.params['min_distance_m']:g} m"
            else:
                value = [f"{k} 处，最小 {w:.3f}°" for k, w in zip(f["n"][order], f["worst"][order])]
                expected = f"夹角 ≥ {rule.params['max_angle_deg']:g}°"
            out.append(_frame(rule, "dltb", ctx.ids[f["i"][order]], value=value, expected=expected,
                              geometry=pts))
        elif rule.check == "sliver":
            order = np.argsort(f["i"], kind="stable")
            i = f["i"][order]
            out.append(_frame(rule, "dltb", ctx.ids[i], value=[f"平均宽度 {w:.2f} m" for w in f["width"][order]],
                              expected=f"≥ {rule.params['min_width_m']:g} m", geometry=_points(ctx.valid[i])))
    return out


# --- the per-layer rules


def _empty_invalid(rule: Rule, layer: str, frame: gpd.GeoDataFrame, ids: np.ndarray,
                   valid: np.ndarray | None = None) -> pd.DataFrame:
    """Empty or invalid geometries of a layer (``valid``: its :func:`_valid_mask`, when known)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(geoms)
    if rule.check == "empty_geometry":
        idx = np.flatnonzero(empty)
        return _frame(rule, layer, ids[idx], field="geometry",
                      value=np.where(missing[idx], "无几何", "空几何"), expected="面")
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, (3, 6))
    idx = np.flatnonzero(~empty & ~(_valid_mask(geoms) if valid is None else valid))
    reasons = np.asarray(shapely.is_valid_reason(geoms[idx]), dtype=object)
    other = ~polygonal[idx]
    if other.any():  # a point or line in a polygon layer
        names = np.array(shapely.geometry.base.GEOMETRY_TYPES, dtype=object)
        reasons[other] = "不是面（" + names[types[idx][other]] + "）"
    return _frame(rule, layer, ids[idx], field="geometry", value=reasons, expected="有效的面",
                  geometry=_points(shapely.make_valid(geoms[idx]) if idx.size else geoms[idx]))


def _missing_field(rule: Rule, field: str, frame: pd.DataFrame) -> pd.DataFrame | None:
    if field in frame.columns:
        return None
    return _frame(rule, "dltb", [""], field=field, value="缺少字段", expected=f"字段 {field}")


def _attribute_findings(ctx: _Context, rule: Rule, classes: pd.DataFrame) -> list[pd.DataFrame]:
    d, p, ids = ctx.dltb, rule.params, ctx.ids
    text: Any
    expected: Any
    allowed: Any
    pts = lambda mask: _points(ctx.geoms[np.asarray(mask, dtype=bool)])  # noqa: E731
    out: list[pd.DataFrame] = []

    def need(*fields: str) -> bool:
        for f in fields:
            miss = _missing_field(rule, f, d)
            if miss is not None:
                out.append(miss)
                return False
        return True

    c = rule.check
    if c in ("missing_id", "duplicate_id"):
        if not need(p["field"]):
            return out
        text = ctx.text(p["field"])
        if c == "missing_id":
            m = (text == "").to_numpy()
            out.append(_frame(rule, "dltb", [f"#{k}" for k in d.index[m]], field=p["field"], value="",
                              expected="非空", geometry=pts(m)))
        else:
            m = (text.duplicated(keep=False) & (text != "")).to_numpy()
            times = text.map(text.value_counts())
            out.append(_frame(rule, "dltb", text[m], field=p["field"], value=[f"{k} 次" for k in times[m]],
                              expected="唯一", geometry=pts(m)))
    elif c in ("class_code", "class_name"):
        if not need("DLBM") or (c == "class_name" and not need("DLMC")):
            return out
        codes = ctx.codes()
        names = _class_names(classes, aliases=True)
        allowed = set(classes["code"])
        if c == "class_code":
            if p["aliases"]:
                allowed |= {a for text in classes["aliases"] for a in text.split()}
            m = (~codes.isin(sorted(allowed))).to_numpy()
            out.append(_frame(rule, "dltb", ids[m], field="DLBM", value=codes[m],
                              expected="三调工作分类的二级地类编码", geometry=pts(m)))
        else:
            expected = codes.map(names)
            dlmc = ctx.text("DLMC")
            m = (expected.notna() & (dlmc != expected)).to_numpy()
            out.append(_frame(rule, "dltb", ids[m], field="DLMC", value=dlmc[m], expected=expected[m],
                              geometry=pts(m)))
    elif c == "patch_area":
        if not need("TBMJ"):
            return out
        tbmj = pd.to_numeric(d["TBMJ"], errors="coerce").to_numpy(dtype=float)
        a = ctx.area_m2()
        m = np.isnan(tbmj) | (np.isfinite(a) & (np.abs(tbmj - a) > p["tolerance_m2"] + 1e-6))
        out.append(_frame(rule, "dltb", ids[m], field="TBMJ", value=_num(d["TBMJ"][m]),
                          expected=[f"{v:.2f}" for v in a[m]], geometry=pts(m)))
    elif c == "deducted_area":
        if not need("TBMJ", "KCXS", "KCMJ"):
            return out
        tbmj, kcxs, kcmj = (pd.to_numeric(d[f], errors="coerce").to_numpy(dtype=float)
                            for f in ("TBMJ", "KCXS", "KCMJ"))
        product = tbmj * np.nan_to_num(kcxs)
        want = _round2(product)
        m = np.isnan(kcmj) | (np.abs(kcmj - want) > 0.005)
        if p["rounding"] == "any":  # a tie rounded half to even (numpy's round) is accepted too
            m &= np.isnan(kcmj) | (np.abs(kcmj - np.round(product, 2)) > 0.005)
        out.append(_frame(rule, "dltb", ids[m], field="KCMJ", value=_num(d["KCMJ"][m]),
                          expected=[f"{v:.2f}" for v in want[m]], geometry=pts(m)))
    elif c == "class_area":
        if not need("TBMJ", "KCMJ", "TBDLMJ"):
            return out
        tbmj, kcmj, tbdlmj = (pd.to_numeric(d[f], errors="coerce").to_numpy(dtype=float)
                              for f in ("TBMJ", "KCMJ", "TBDLMJ"))
        want = _round2(tbmj - np.nan_to_num(kcmj))
        m = np.isnan(tbdlmj) | (np.abs(tbdlmj - want) > 0.005)
        out.append(_frame(rule, "dltb", ids[m], field="TBDLMJ", value=_num(d["TBDLMJ"][m]),
                          expected=[f"{v:.2f}" for v in want[m]], geometry=pts(m)))
    elif c == "deduction_rate":
        if not need("KCXS", "DLBM"):
            return out
        from ._landuse import matches

        kcxs = pd.to_numeric(d["KCXS"], errors="coerce").to_numpy(dtype=float)
        text = ctx.text("KCXS").to_numpy()
        farm = matches(ctx.codes().to_numpy(), p["classes"])
        bad_value = (text != "") & (np.isnan(kcxs) | (kcxs < 0) | (kcxs >= 1))
        m = bad_value | (~farm & (np.nan_to_num(kcxs) != 0))
        expected = np.where(bad_value[m], "0 ≤ KCXS < 1", f"0（{'/'.join(p['classes'])} 以外的地类无扣除系数）")
        out.append(_frame(rule, "dltb", ids[m], field="KCXS", value=_num(d["KCXS"][m]), expected=expected,
                          geometry=pts(m)))
    elif c == "unit_code":
        digits = int(p["digits"])
        for f in p["fields"]:
            if not need(f):
                continue
            text = ctx.text(f)
            m = (~text.str.fullmatch(rf"\d{{{digits}}}")).to_numpy()
            out.append(_frame(rule, "dltb", ids[m], field=f, value=text[m], expected=f"{digits} 位数字",
                              geometry=pts(m)))
    elif c == "village_code":
        villages = ctx.layers.get("villages")
        if villages is None or not need(p["field"]):
            return out
        vf = p["village_field"]
        if vf not in villages.columns:
            out.append(_frame(rule, "villages", [""], field=vf, value="缺少字段", expected=f"字段 {vf}"))
            return out
        vcode = _text(villages, vf).to_numpy()
        rep = _points(ctx.valid)
        have = np.flatnonzero(~shapely.is_missing(rep))
        tree = shapely.STRtree(np.asarray(villages.geometry.values, dtype=object))
        pi, vi = tree.query(rep[have], predicate="intersects")
        found = np.full(len(rep), None, dtype=object)
        found[have[pi[::-1]]] = vcode[vi[::-1]]  # the first village, where a point is on a border
        text_s = ctx.text(p["field"])
        text = text_s.to_numpy()
        # a patch's code must begin with its village's code (compared per code length, vectorised)
        found_s = pd.Series(found, index=d.index, dtype=object)
        lens = found_s.str.len()
        m = found_s.isna().to_numpy() & ~shapely.is_missing(rep)
        for width in pd.unique(lens.dropna()):
            sel = (lens == width).to_numpy()
            m[sel] = (text_s[sel].str[:int(width)] != found_s[sel]).to_numpy()
        expected = np.array([f"{v}……（前 {len(v)} 位）" if v is not None else "位于某个村级调查区内"
                             for v in found[m]], dtype=object)
        out.append(_frame(rule, "dltb", ids[m], field=p["field"], value=text[m], expected=expected,
                          geometry=rep[m]))
    elif c == "allowed_values":
        f = p["field"]
        if not need(f):
            return out
        from ._landuse import matches

        text = ctx.text(f)
        allowed = text.isin(p["values"]).to_numpy()
        if p["classes"]:
            if not need("DLBM"):
                return out
            inside = matches(ctx.codes().to_numpy(), p["classes"])
        else:
            inside = np.ones(len(d), dtype=bool)
        m = inside & ~allowed
        if p["others_empty"]:
            m |= ~inside & (text != "").to_numpy()
        expected = np.where(inside[m], "、".join(p["values"]), "空")
        out.append(_frame(rule, "dltb", ids[m], field=f, value=text[m], expected=expected, geometry=pts(m)))
    elif c == "min_area":
        if not need("DLBM"):
            return out
        limits = _min_area_limits(ctx.codes(), p["min_area_m2"])
        a = ctx.area_m2()
        m = np.isfinite(limits) & np.isfinite(a) & (a < limits)
        out.append(_frame(rule, "dltb", ids[m], field="DLBM", value=[f"{v:.2f} m²" for v in a[m]],
                          expected=[f"≥ {v:g} m²（{k}）" for v, k in zip(limits[m], ctx.codes()[m])],
                          geometry=pts(m), area_m2=a[m]))
    return out


def _num(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in values]


def _round2(values: np.ndarray) -> np.ndarray:
    """Half-up rounding to 0.01 (四舍五入), the rule :func:`xigeo.adjust_areas` writes KCMJ by."""
    from .adjust import _half_up

    v = np.nan_to_num(np.asarray(values, dtype=float) * 100.0)
    return np.sign(v) * _half_up(np.abs(v)) / 100.0


def _min_area_limits(codes: pd.Series, table: Mapping[str, float]) -> np.ndarray:
    """Per patch: the minimum mapping unit of the longest DLBM prefix in ``table`` (NaN: none)."""
    limits = np.full(len(codes), np.nan)
    best = np.zeros(len(codes), dtype=int)
    text = codes.astype(str)
    for prefix, value in table.items():
        hit = text.str.startswith(str(prefix)).to_numpy() & (len(str(prefix)) > best)
        limits[hit] = float(value)
        best[hit] = len(str(prefix))
    return limits


def _class_names(classes: pd.DataFrame, *, aliases: bool) -> pd.Series:
    """DLBM → DLMC: the working classification's names, and the GB/T 21010-2017 names of its aliases."""
    from ._landuse import names_gb21010

    names = dict(zip(classes["code"], classes["name"]))
    if aliases:
        gb = names_gb21010()
        for text in classes["aliases"]:
            for a in text.split():
                if a in gb:
                    names.setdefault(a, gb[a])
    return pd.Series(names, dtype=object)


# --- gaps and cross-layer


def _gap_findings(ctx: _Context, rule: Rule, county: Any) -> pd.DataFrame:
    from . import _qc_topology as topo

    villages = ctx.layers.get("villages")
    boundary = county
    if boundary is None and villages is not None:
        boundary = topo.union(np.asarray(villages.geometry.values, dtype=object))
    cover = ctx.covered()
    assert ctx.pairs is not None
    suspect = np.zeros(len(cover), dtype=bool)  # patches that overlap another: not in the coverage union
    suspect[ctx.pairs["i"]] = True
    suspect[ctx.pairs["j"]] = True
    rest = cover.copy()
    rest[suspect] = None
    if ctx.engine == "dask":
        from ._qc_dask import dask_union

        patches = dask_union(rest, partitions=ctx.partitions)
    else:
        patches = topo.union(rest)
    pieces = topo.gap_pieces(patches, boundary, cover[suspect])
    a = _survey_m2(pieces, ctx.crs)
    keep = a > rule.params["tolerance_m2"]
    pieces, a = pieces[keep], a[keep]
    where = np.full(len(pieces), "", dtype=object)
    if villages is not None and len(pieces):
        code_f = rule.params.get("village_field", "CJDCQDM")
        if code_f not in villages.columns:
            code_f = "CJDCQDM" if "CJDCQDM" in villages.columns else None
        if code_f:
            codes = _text(villages, code_f).to_numpy()
            tree = shapely.STRtree(np.asarray(villages.geometry.values, dtype=object))
            pi, vi = tree.query(_points(pieces), predicate="intersects")
            where[pi[::-1]] = codes[vi[::-1]]
    # a stable order: by the piece's point (north-west first)
    pts = _points(pieces)
    order = np.lexsort((shapely.get_x(pts), -shapely.get_y(pts))) if len(pieces) else np.empty(0, int)
    return _frame(rule, "villages" if county is None and villages is not None else "county" if county is not None else "dltb",
                  where[order], value=_m2(a[order]), expected="无缝隙", geometry=pieces[order], area_m2=a[order])


def _jbnt_findings(ctx: _Context, rules: list[Rule], jbnt: gpd.GeoDataFrame, jids: np.ndarray,
                   jmask: np.ndarray | None = None) -> list[pd.DataFrame]:
    from ._landuse import is_construction, is_farmland
    from ._overlay import measured_pieces
    from .area import AreaMethod

    jg = np.asarray(jbnt.geometry.values, dtype=object)
    jvalid = _kept(jg, _valid_mask(jg) if jmask is None else jmask)
    cover = ctx.covered()
    m = measured_pieces(jvalid, cover, crs=ctx.crs, method=AreaMethod.ELLIPSOIDAL, label="jbnt")
    codes = ctx.codes().to_numpy()
    farm = is_farmland(codes)[m.ri]
    built = is_construction(codes)[m.ri]
    out = []
    for rule in rules:
        tol = rule.params["tolerance_m2"]
        if rule.check == "jbnt_outside_dltb":
            from .area import area

            covered = np.bincount(m.li, weights=m.piece_m2, minlength=len(jg))
            total = area(gpd.GeoSeries(jvalid, crs=ctx.crs)).fillna(0.0).to_numpy()
            idx = np.flatnonzero(total - covered > tol)
            if idx.size:
                from . import _qc_topology as topo

                pieces = np.array([topo.polygonal_or_none(shapely.difference(
                    jvalid[k], shapely.union_all(cover[m.ri[m.li == k]]))) for k in idx], dtype=object)
                a = _survey_m2(pieces, ctx.crs)
                keep = a > tol
                idx, pieces, a = idx[keep], pieces[keep], a[keep]
            else:
                pieces, a = np.empty(0, dtype=object), np.empty(0)
            out.append(_frame(rule, "jbnt", jids[idx], value=_m2(a), expected="位于调查图斑内",
                              geometry=pieces, area_m2=a))
            continue
        if rule.check == "jbnt_on_construction":
            sel = built
        else:
            sel = ~farm & (~built if rule.params["exclude_construction"] else True)
        sel = sel & (m.piece_m2 > tol)
        k = np.flatnonzero(sel)
        patch = ctx.ids[m.ri[k]]
        value = [f"图斑 {p}（{c}）{a:.2f} m²" for p, c, a in zip(patch, codes[m.ri[k]], m.piece_m2[k])]
        out.append(_frame(rule, "jbnt", jids[m.li[k]], field="DLBM", value=value,
                          expected="耕地（01）" if rule.check == "jbnt_not_farmland" else "非建设用地",
                          geometry=m.pieces[k], area_m2=m.piece_m2[k]))
    return out


def _kept(geoms: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``geoms`` with None where ``keep`` is False."""
    out = np.asarray(geoms, dtype=object).copy()
    out[~keep] = None
    return out


def _valid_mask(geoms: np.ndarray) -> np.ndarray:
    """Valid Polygons/MultiPolygons: the compiled exact pre-test (xigeo._clip.certainly_valid), GEOS for the rest."""
    from ._clip import certainly_valid

    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & np.isin(shapely.get_type_id(geoms), (3, 6))
    ask = np.flatnonzero(ok)
    if ask.size > 1000:
        ask = ask[~certainly_valid(geoms[ask])]
    ok[ask] = shapely.is_valid(geoms[ask])
    return ok


def _ids(frame: gpd.GeoDataFrame) -> np.ndarray:
    """BSM where the layer has it (the row's index where BSM is empty), else the index."""
    index = np.asarray([str(v) for v in frame.index], dtype=object)
    if "BSM" in frame.columns:
        bsm = _text(frame, "BSM").to_numpy()
        return np.where(bsm != "", bsm, np.char.add("#", index.astype(str))).astype(object)
    return index


# ----------------------------------------------------------------------------- entry point


def check_survey(dltb: gpd.GeoDataFrame, *, county: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                 villages: gpd.GeoDataFrame | None = None, jbnt: gpd.GeoDataFrame | None = None,
                 rules: Any = None, tolerance_m2: float | None = None, engine: str = "local",
                 partitions: int | None = None) -> SurveyCheck:
    """Check a land-use survey layer (DLTB) against the rule pack; one row per finding.

    Parameters
    ----------
    dltb : GeoDataFrame
        The survey patches (图斑) with their fields (BSM, DLBM, DLMC, TBMJ,
        KCXS, KCMJ, TBDLMJ, ZLDWDM, QSDWDM, QSXZ, GDPDJB …), in a projected
        Gauss–Krüger CRS.
    county : GeoDataFrame or GeoSeries, optional
        The county boundary (its polygons are unioned): gaps inside it
        (TP004) and patches outside it (TP005).
    villages : GeoDataFrame, optional
        The villages (村级调查区) with their code (CJDCQDM): ZLDWDM/QSDWDM
        must start with the code of the village a patch lies in (SX010,
        SX011); gaps inside them when no county is given.
    jbnt : GeoDataFrame, optional
        Permanent basic farmland: on patches that are not farmland (TC002),
        on construction land (TC003), outside every patch (TC004).
    rules : path, dict or None
        A user's rule file or dict over the bundled pack (:func:`load_rules`).
    tolerance_m2 : float, optional
        Overrides the area tolerance (m²) of every overlap, gap, outside and
        JBNT rule; None: each rule's own ``tolerance_m2``.
    engine : {"local", "dask"}
        ``dask``: the topology rules run per spatial partition on the active
        dask scheduler (a ``distributed`` Client if one is running); the
        findings are identical. Needs ``pip install xigeo[dask]``.
    partitions : int, optional
        Number of spatial partitions for ``engine="dask"`` (default: about
        50,000 patches each, at least 2).

    Returns
    -------
    SurveyCheck
        ``errors`` (one row per finding), ``by_rule``, ``passed`` …

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> x, y = 38_560_000, 3_580_000
    >>> patches = gpd.GeoDataFrame({"BSM": ["A", "B"], "DLBM": ["0101", "0702"]},
    ...     geometry=[box(x, y, x + 100, y + 100), box(x + 100, y, x + 200, y + 100)], crs=4526)
    >>> county = gpd.GeoSeries([box(x, y, x + 200, y + 110)], crs=4526)   # 10 m more to the north
    >>> r = check_survey(patches, county=county, rules={"SX": None})
    >>> r.errors[["rule", "feature_id", "area_m2"]]
        rule feature_id  area_m2
    n
    0  TP004                 1999.82
    >>> r.passed, r.by_rule.loc["TP005", "status"]
    (False, 'ran')
    """
    from .landuse_tables import load_classification
    from ._layers import as_frame, layer_name

    engine = choose(engine, ENGINES, name="engine")
    if engine == "dask":
        from .adjust import _require_dask

        _require_dask()
    pack = load_rules(rules)
    if tolerance_m2 is not None:
        tol = non_negative(tolerance_m2, name="tolerance_m2")
        pack = {rid: dataclasses.replace(r, params={**r.params, "tolerance_m2": tol})
                if "tolerance_m2" in r.params and r.check != "patch_area" else r for rid, r in pack.items()}
    dltb = as_frame(dltb, "dltb")
    if dltb.crs is None:
        label, how = layer_name(dltb, "dltb"), fix("dltb.set_crs(4526)", "--crs EPSG:4526")
        raise CRSError(msg(f"{label}：图层没有坐标系。解决：{how}（文件实际所用的坐标系）",
                           f"{label}: the layer has no CRS. Fix: {how} (the CRS the file is in)"))
    layers: dict[str, gpd.GeoDataFrame | None] = {
        "county": None if county is None else as_frame(county, "county"),
        "villages": None if villages is None else as_frame(villages, "villages"),
        "jbnt": None if jbnt is None else as_frame(jbnt, "jbnt")}
    geoms = np.asarray(dltb.geometry.values, dtype=object)
    masks = {"dltb": _valid_mask(geoms)}  # validity computed once per layer, for every rule
    valid = _kept(geoms, masks["dltb"])
    ctx = _Context(dltb, geoms, valid, _ids(dltb), dltb.crs, dict(layers), engine, partitions)
    status = {rid: ("ran" if r.enabled else "off") for rid, r in pack.items()}
    findings: list[pd.DataFrame] = []
    # layers in another CRS: a finding, and the rules that need them do not run
    for name, layer in layers.items():
        if layer is None:
            continue
        same = layer.crs is not None and pyproj_equal(layer.crs, dltb.crs)
        if not same:
            for rid, r in pack.items():
                if r.enabled and r.check == "crs_mismatch":
                    findings.append(_frame(r, name, [layer_name(layer, name)], field="crs",
                                           value=str(layer.crs.to_string() if layer.crs else "无坐标系"),
                                           expected=dltb.crs.to_string()))
            ctx.layers[name] = None
            for rid, r in pack.items():
                if r.enabled and name in CHECKS[r.check].needs:
                    status[rid] = "crs"
    for rid, r in pack.items():
        if status[rid] == "ran" and any(ctx.layers.get(n) is None for n in CHECKS[r.check].needs):
            status[rid] = "no_layer"
    run = {rid: r for rid, r in pack.items() if status[rid] == "ran"}
    county_geom = None
    if ctx.layers["county"] is not None:
        cg = np.asarray(ctx.layers["county"].geometry.values, dtype=object)
        county_geom = shapely.union_all(cg[_valid_mask(cg)])
        shapely.prepare(county_geom)
    classes = load_classification()
    ids_of = {name: _ids(layer) for name, layer in ctx.layers.items() if layer is not None}
    ids_of["dltb"] = ctx.ids
    for rid, r in run.items():
        if r.check in ("empty_geometry", "invalid_geometry"):
            for name, layer in (("dltb", dltb), *((n, l) for n, l in ctx.layers.items() if l is not None)):
                if name not in masks and r.check == "invalid_geometry":
                    masks[name] = _valid_mask(np.asarray(layer.geometry.values, dtype=object))
                findings.append(_empty_invalid(r, name, layer, ids_of[name], masks.get(name)))
        elif CHECKS[r.check].category == "属性" or r.check == "min_area":
            findings += _attribute_findings(ctx, r, classes)
    findings += _topology_findings(ctx, run, county_geom)
    for r in run.values():
        if r.check == "gap":
            findings.append(_gap_findings(ctx, r, county_geom))
    jrules = [r for r in run.values() if r.check.startswith("jbnt_")]
    if jrules:
        findings += _jbnt_findings(ctx, jrules, ctx.layers["jbnt"], ids_of["jbnt"], masks.get("jbnt"))
    errors = _assemble(findings, list(pack), dltb.crs)
    counts = errors["rule"].value_counts()
    by_rule = pd.DataFrame({
        "rule_name": [r.name for r in pack.values()],
        "category": [r.category for r in pack.values()],
        "severity": [r.severity for r in pack.values()],
        "check": [r.check for r in pack.values()],
        "status": [status[rid] for rid in pack],
        "n_findings": [int(counts.get(rid, 0)) for rid in pack],
        "parameters": [_params_text(r.params) for r in pack.values()],
        "parameters_zh": [_params_text_zh(r.params) for r in pack.values()],
    }, index=pd.Index(list(pack), name="rule"))
    passed = not bool((errors["severity"] == ERROR).any())
    log.info(msg("check_survey：%d 个图斑，%d 处发现", "check_survey: %d patches, %d findings"),
             len(dltb), len(errors))
    return SurveyCheck(errors, by_rule, passed, len(dltb), engine)


def pyproj_equal(a: Any, b: Any) -> bool:
    import pyproj

    return bool(pyproj.CRS.from_user_input(a).equals(pyproj.CRS.from_user_input(b)))


def _params_text(params: Mapping[str, Any]) -> str:
    parts = []
    for k, v in params.items():
        if isinstance(v, Mapping):
            v = ", ".join(f"{a}: {b:g}" for a, b in v.items())
        elif isinstance(v, list):
            v = ", ".join(v)
        parts.append(f"{k} = {v}")
    return "; ".join(parts)


def _params_text_zh(params: Mapping[str, Any]) -> str:
    """A rule's parameters as a Chinese table shows them: 容差 0.01平方米；最小角度 0度."""
    parts = []
    for k, v in params.items():
        name, unit = _PARAM_ZH.get(k, (k, ""))
        if isinstance(v, Mapping):
            text = "、".join(f"{a}：{b:g}{unit}" for a, b in v.items())
        elif isinstance(v, list):
            text = "、".join(str(x) for x in v)
        elif isinstance(v, bool) or v in _PARAM_VALUE_ZH:
            text = _PARAM_VALUE_ZH.get(v, str(v))
        elif isinstance(v, float):
            text = f"{v:g}{unit}"
        else:
            text = f"{v}{unit}"
        parts.append(f"{name} {text}")
    return "；".join(parts)


def _assemble(findings: list[pd.DataFrame], order: list[str], crs: Any) -> gpd.GeoDataFrame:
    frames = [f for f in findings if len(f)]
    if frames:
        table = pd.concat(frames, ignore_index=True)
    else:
        table = _frame(Rule("", "gap", "", "", ERROR, True, {}), "", [])
    rank = {rid: k for k, rid in enumerate(order)}
    layer_rank = {"dltb": 0, "county": 1, "villages": 2, "jbnt": 3}
    key = np.lexsort((np.arange(len(table)), table["layer"].map(layer_rank).fillna(9).to_numpy(),
                      table["rule"].map(rank).to_numpy()))
    table = table.iloc[key].reset_index(drop=True)
    table.index.name = "n"
    geometry = table.pop("geometry")
    out = gpd.GeoDataFrame(table[list(ERROR_COLUMNS)], geometry=gpd.GeoSeries(
        np.asarray(geometry, dtype=object), crs=crs, index=table.index), crs=crs)
    return out
