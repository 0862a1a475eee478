"""Industrial land intensity (工业用地节约集约): control indicators per enterprise parcel.

For each enterprise parcel :func:`industrial_intensity` computes the five
control indicators of 《工业项目建设用地控制指标》 (国土资发〔2008〕24号):

- 投资强度 investment intensity = fixed-asset investment ÷ site area, 万元/ha;
- 容积率 floor-area ratio = (total floor area + floor area of storeys higher
  than 8 m) ÷ site area: a storey higher than 8 m counts twice;
- 建筑系数 building coefficient = (building + structure + yard footprint) ÷
  site area, %;
- 行政办公及生活服务设施用地所占比重 office-and-living share = office and
  living area ÷ site area, %;
- 绿地率 green ratio = green area ÷ site area, %;

compares them with the control values (investment and floor-area ratio at
least the floor of the parcel's industry, building coefficient at least
30 %, office share and green ratio at most 7 % and 20 %) and works out the
land a parcel could give back: the smallest site on which the same
investment, floor area and footprints would meet the three "at least"
control values,

    need = max(investment ÷ floor × 10⁴ m², floor area ÷ min FAR, footprints ÷ 30 %)

and ``saved = S − need`` when the parcel falls short of all three (else 0;
too much office or green area saves nothing by itself). The site area S is
the survey ellipsoidal area of the parcel polygon (:func:`xigeo.area.area`;
``method=`` picks another, ``site_area_field=`` reads it from a field).

The control values come from a thresholds table (:func:`load_thresholds`):
one row per industry division (GB/T 4754 two-digit code) with the minimum
floor-area ratio and, optionally, the investment-intensity floor and the
other three limits. The bundled table ``xigeo/data/industrial_thresholds.csv``
is the 2008 table as DOMAIN.md summarises it (minimum floor-area ratio by
the GB/T 4754-2002 divisions; 30 % / 7 % / 20 %); the investment-intensity
floor depends on the region class (一类…十五类 areas) as well as the
industry, so it is a parameter (``intensity_floor``, default 3 000 万元/ha,
the Xi County cluster's figure) unless the table carries it. For another
province or the 2023 revision, check the table against the official one
and pass your own.

The result is an :class:`IndustrialResult`: the per-parcel table
(``parcels``), the cluster's figures (``totals``: enterprises, revenue,
standard-factory floor area, land that could be saved …) and the verdict
``passed``; ``result.table(name, labels="zh", total=True)`` gives the
Chinese report tables. See :func:`industrial_intensity` for an example.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Mapping
from importlib import resources
from os import PathLike
from typing import Any, Union

import numpy as np
import pandas as pd

from ._lang import msg
from ._layers import describe, numeric_field, require_features
from ._options import choose
from ._result import Result, TableSpec, Total
from ._tables import check_rows, index_by, require_fields
from .area import AreaMethod
from .crs import check_crs
from .errors import LayerReadError, OptionError, SchemaError, ValidationError, format_ids
from .units import AreaUnit

__all__ = [
    "DEFAULT_INTENSITY_FLOOR",
    "INDUSTRIAL_FIELDS",
    "INDICATORS_ZH",
    "IndustrialResult",
    "load_thresholds",
    "industrial_intensity",
    "industrial_summary",
]

log = logging.getLogger(__name__)

#: investment-intensity floor of the Xi County cluster (万元/ha), the default of ``intensity_floor``
DEFAULT_INTENSITY_FLOOR = 3000.0

#: field of each quantity (role) in the enterprise layer: the defaults of the ``<role>_field``
#: keywords of :func:`industrial_intensity`, the sample's (see sample_shapefiles/README.md).
#: Pass ``investment_field="TZE"`` (CLI: ``--field investment=TZE``) to change one.
INDUSTRIAL_FIELDS: dict[str, str] = {
    "industry": "HYDM",              # industry division, GB/T 4754 (13, 14, ...)
    "investment": "GDZC",            # fixed-asset investment, 万元
    "floor_area": "ZJZMJ",           # total floor area, every storey once, m²
    "floor_area_over_8m": "GC8MJ",   # floor area of storeys higher than 8 m (counted twice), m²
    "building_footprint": "JZZDMJ",  # m²
    "structure_footprint": "GZWZDMJ",  # m²
    "yard_footprint": "DCZDMJ",      # m²
    "office_area": "BGSHMJ",         # office and living facilities, m²
    "green_area": "LDMJ",            # m²
    "revenue": "YYSR",               # revenue, 万元 (industrial_summary only)
    "standard_factory": "BZCF",      # 是/否 standard factory (industrial_summary only)
}

#: fields that may be set to None (their quantity is then 0)
_OPTIONAL = ("floor_area_over_8m", "structure_footprint", "yard_footprint")
_SUMMARY_ONLY = ("revenue", "standard_factory")

#: Chinese names of the indicators (used in ``failed_indicators``)
INDICATORS_ZH: dict[str, str] = {
    "intensity": "投资强度",
    "far": "容积率",
    "building_coefficient": "建筑系数",
    "office_share": "行政办公及生活服务设施用地所占比重",
    "green_ratio": "绿地率",
}

_THRESHOLD_COLUMNS = ("min_far", "intensity_floor_wan_yuan_per_ha", "min_building_coefficient_pct",
                      "max_office_share_pct", "max_green_ratio_pct")
#: 2008 values used when a user table leaves a column out
_THRESHOLD_DEFAULTS = {"min_building_coefficient_pct": 30.0, "max_office_share_pct": 7.0,
                       "max_green_ratio_pct": 20.0}
#: a value at the limit passes; this relative slack keeps floating-point noise from failing it
_SLACK = 1e-9

_ZH = {
    "industry_code": "行业代码",
    "site_area_m2": "用地面积(平方米)",
    "investment_wan_yuan": "固定资产投资(万元)",
    "floor_area_m2": "计容建筑面积(平方米)",
    "footprint_m2": "建筑物构筑物及堆场占地面积(平方米)",
    "office_area_m2": "行政办公及生活服务设施用地面积(平方米)",
    "green_area_m2": "绿地面积(平方米)",
    "intensity_wan_yuan_per_ha": "投资强度(万元/公顷)",
    "far": "容积率",
    "building_coefficient_pct": "建筑系数(%)",
    "office_share_pct": "行政办公及生活服务设施用地所占比重(%)",
    "green_ratio_pct": "绿地率(%)",
    "min_far": "容积率控制值",
    "intensity_floor_wan_yuan_per_ha": "投资强度控制值(万元/公顷)",
    "intensity_ok": "投资强度达标",
    "far_ok": "容积率达标",
    "building_coefficient_ok": "建筑系数达标",
    "office_share_ok": "行政办公及生活服务设施用地所占比重达标",
    "green_ratio_ok": "绿地率达标",
    "passed": "全部达标",
    "failed_indicators": "未达标指标",
    "need_m2": "按控制指标需用地面积(平方米)",
    "saved_m2": "可节约用地面积(平方米)",
    "saved_mu": "可节约用地面积(亩)",
}

_SUMMARY_ZH = {
    "enterprises": "企业数(个)",
    "site_area_ha": "用地面积(公顷)",
    "investment_wan_yuan": "固定资产投资(万元)",
    "intensity_wan_yuan_per_ha": "投资强度(万元/公顷)",
    "revenue_yi_yuan": "主营业务收入(亿元)",
    "standard_factory_floor_area_wan_m2": "标准厂房建筑面积(万平方米)",
    "passed": "全部达标企业数(个)",
    "failed": "未达标企业数(个)",
    "saving": "可节约用地企业数(个)",
    "saved_mu": "可节约用地面积(亩)",
}

#: the 合计 row of the parcel table: sums, and the ratios of the sums
_SUMS = ("site_area_m2", "investment_wan_yuan", "floor_area_m2", "footprint_m2", "office_area_m2",
         "green_area_m2", "need_m2", "saved_m2", "saved_mu")
_RATIOS = {"intensity_wan_yuan_per_ha": ("investment_wan_yuan", "site_area_m2", 1e4),
           "far": ("floor_area_m2", "site_area_m2", 1.0),
           "building_coefficient_pct": ("footprint_m2", "site_area_m2", 100.0),
           "office_share_pct": ("office_area_m2", "site_area_m2", 100.0),
           "green_ratio_pct": ("green_area_m2", "site_area_m2", 100.0)}

ThresholdsLike = Union[None, str, "PathLike[str]", pd.DataFrame, Mapping[Any, Any]]


# ---------------------------------------------------------------------------
# thresholds


def _division(value: Any) -> str | None:
    """GB/T 4754 division (two digits) of an industry code: 14, 14.0, "1411", "C14" -> "14"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating))
                                                and float(value).is_integer()):
        value = str(int(value))
    text = str(value).strip().upper()
    match = re.fullmatch(r"C?(\d{2})\d{0,2}", text)
    return match.group(1) if match else None


def load_thresholds(thresholds: ThresholdsLike = None, *,
                    intensity_floor: float = DEFAULT_INTENSITY_FLOOR,
                    region_class: str | None = None) -> pd.DataFrame:
    """The control values per industry division, as :func:`industrial_intensity` uses them.

    Parameters
    ----------
    thresholds : path, DataFrame or dict, optional
        Default: the bundled ``xigeo/data/industrial_thresholds.csv`` (国土资发
        〔2008〕24号 as DOMAIN.md gives it). A table (CSV file, UTF-8) needs
        ``industry_code`` (GB/T 4754 division, two digits; ``*`` = every
        other industry) and ``min_far``; it may add
        ``intensity_floor_wan_yuan_per_ha`` (blank cells take
        ``intensity_floor``), ``min_building_coefficient_pct`` (default 30),
        ``max_office_share_pct`` (7), ``max_green_ratio_pct`` (20),
        ``industry_name`` and ``region_class``. A dict maps industry code to
        the minimum floor-area ratio (``{"14": 1.0}``) or to a dict of the
        columns above (``{"14": {"min_far": 1.0, "intensity_floor_wan_yuan_per_ha": 3500}}``).
    intensity_floor : float
        Investment-intensity floor (万元/ha) for the industries whose row has
        none. It depends on the region class of the county (一类…十五类 in
        the 2008 table); 3 000 is the Xi County cluster's.
    region_class : str, optional
        When the table has a ``region_class`` column (one block of rows per
        region class, e.g. the official investment-intensity table), the
        class to use; required if the table holds more than one.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``industry_code`` (str), with ``industry_name`` and the
        five control-value columns.

    Examples
    --------
    >>> t = load_thresholds()
    >>> t.loc["14", ["min_far", "intensity_floor_wan_yuan_per_ha", "max_office_share_pct"]].tolist()
    [1.0, 3000.0, 7.0]
    >>> load_thresholds({"14": 1.2, "*": 0.7}, intensity_floor=2500)["min_far"].to_dict()
    {'14': 1.2, '*': 0.7}
    """
    intensity_floor = _check_floor(intensity_floor)
    label = msg("工业用地控制指标", "industrial thresholds")
    if thresholds is None:
        with resources.files("xigeo").joinpath("data/industrial_thresholds.csv").open(
                "r", encoding="utf-8") as handle:
            table = pd.read_csv(handle, dtype={"industry_code": str})
        label = msg("内置 industrial_thresholds.csv", "bundled industrial_thresholds.csv")
    elif isinstance(thresholds, pd.DataFrame):
        table = thresholds.copy()
        if "industry_code" not in table.columns and table.index.name == "industry_code":
            table = table.reset_index()
    elif isinstance(thresholds, Mapping):
        rows = []
        for code, value in thresholds.items():
            row = dict(value) if isinstance(value, Mapping) else {"min_far": value}
            rows.append({"industry_code": code, **row})
        table = pd.DataFrame(rows)
    else:
        label = str(thresholds)
        try:
            table = pd.read_csv(thresholds, dtype={"industry_code": str, "region_class": str},
                                encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LayerReadError(msg(
                f"{label} 不是 UTF-8 文本（第 {exc.start} 字节：{exc.reason}）。"
                "解决：在 Excel 中另存为“CSV UTF-8 (逗号分隔)”；或自行读取"
                "（pd.read_csv(path, encoding='gbk')）后传入 DataFrame",
                f"{label} is not UTF-8 text ({exc.reason} at byte {exc.start}). "
                "Fix: in Excel, save it as 'CSV UTF-8 (逗号分隔)'; or read it "
                "yourself (pd.read_csv(path, encoding='gbk')) and pass the "
                "DataFrame")) from exc
    table.attrs["source"] = label
    require_fields(table, ["industry_code", "min_far"], name=label)
    if "region_class" in table.columns:
        classes = sorted(str(c) for c in table["region_class"].dropna().unique())
        if region_class is None and len(classes) > 1:
            shown = ", ".join(classes)
            raise ValidationError(msg(f"{label} 含有多个地区等别（{shown}）；"
                                      "请用 region_class=（--region-class）选择一个",
                                      f"{label} holds several region classes ({shown}); "
                                      "pass region_class= (--region-class) to pick one"), classes)
        if region_class is not None:
            if str(region_class) not in classes:
                shown = ", ".join(classes)
                raise ValidationError(msg(f"{label} 没有地区等别 {region_class!r}；现有：{shown}",
                                          f"{label} has no region class {region_class!r}; it has: "
                                          f"{shown}"), [region_class])
            table = table[table["region_class"].astype(str) == str(region_class)]
    elif region_class is not None:
        raise ValidationError(msg(f"给出了 region_class={region_class!r}，但 {label} 没有 region_class 列",
                                  f"region_class={region_class!r} given but {label} has no "
                                  "region_class column"), [region_class])
    codes = table["industry_code"].map(lambda c: "*" if str(c).strip() == "*" else _division(c))
    # a row must name a division (14), not a group or class (1411) that would stand for all of 14
    bad = codes.isna() | table["industry_code"].astype(str).str.strip().str.fullmatch(r"C?\d{3,4}")
    if bad.any():
        found = format_ids(table["industry_code"][bad])
        raise ValidationError(msg(f"{label}：industry_code 须为 GB/T 4754 的大类（两位数字，例如 14）"
                                  f"或 '*'；发现 {found}",
                                  f"{label}: industry_code must be a GB/T 4754 division (two digits, "
                                  f"e.g. 14) or '*'; found {found}"),
                              list(table["industry_code"][bad]))
    table = table.assign(industry_code=codes)
    dup = table["industry_code"].duplicated(keep=False)
    if dup.any():
        found = format_ids(sorted(set(table["industry_code"][dup])))
        raise ValidationError(msg(f"{label}：行业代码重复列出：{found}",
                                  f"{label}: industry code(s) listed twice: {found}"),
                              sorted(set(table["industry_code"][dup])))
    table = table.set_index("industry_code")
    if "industry_name" not in table.columns:
        table["industry_name"] = ""
    filled = []
    for column in _THRESHOLD_COLUMNS:
        default = intensity_floor if column == "intensity_floor_wan_yuan_per_ha" else \
            _THRESHOLD_DEFAULTS.get(column)
        if column not in table.columns:
            table[column] = np.nan
            if column != "intensity_floor_wan_yuan_per_ha":
                filled.append(f"{column}={default:g}")
        values = pd.to_numeric(table[column], errors="coerce")
        text_bad = values.isna() & table[column].notna() & (table[column].astype(str).str.strip() != "")
        check_rows(table, text_bad, msg(f"{column} 不是数字", f"{column} is not a number"), name=label)
        if default is not None:
            values = values.fillna(default)
        table[column] = values.astype("float64")
        check_rows(table, table[column].isna(), msg(f"没有 {column}", f"no {column}"), name=label)
        check_rows(table, table[column] <= 0, msg(f"{column} 须 > 0", f"{column} must be > 0"), name=label)
    if filled:
        log.info(msg("%s 没有 %s 的列：采用 2008 年的控制指标", "%s has no column(s) for %s: using the 2008 values"),
                 label, ", ".join(filled))
    return table[["industry_name", *_THRESHOLD_COLUMNS]]


# ---------------------------------------------------------------------------
# the result


@dataclasses.dataclass(frozen=True, repr=False)
class IndustrialResult(Result):
    """What :func:`industrial_intensity` returns: per-parcel indicators and the cluster's figures.

    Attributes
    ----------
    parcels : pandas.DataFrame
        One row per enterprise parcel (see :func:`industrial_intensity`);
        ``table("parcels", total=True)`` adds the 合计 row (sums, and the
        ratios of the sums: the cluster's intensity, floor-area ratio, …).
    totals : pandas.DataFrame
        The cluster's figures, index the figure's key (``enterprises``,
        ``site_area_ha``, ``investment_wan_yuan``, ``intensity_wan_yuan_per_ha``,
        ``revenue_yi_yuan``, ``standard_factory_floor_area_wan_m2``,
        ``passed``, ``failed``, ``saving``, ``saved_mu``), column ``value``;
        counts are whole numbers, a figure the layer has no field for is NaN.
    passed : bool
        Every parcel meets every control value.
    thresholds : pandas.DataFrame
        The control values used (:func:`load_thresholds`).
    intensity_floor : float
        The investment-intensity floor for industries the table gives none.
    method : str
        How the site areas were measured ("field" when read from ``site_area_field``).
    """

    TITLE = ("工业用地节约集约评价", "Industrial land intensity")
    TABLES = {
        "parcels": TableSpec("企业用地控制指标评价表", "indicators", _ZH, index_name_zh="企业编号",
                             total=Total(sum_columns=_SUMS, ratios=_RATIOS),
                             note_zh="合计行：面积、投资为各企业之和；投资强度、容积率、建筑系数、行政办公及"
                                     "生活服务设施用地所占比重、绿地率由合计数重算（按用地面积加权）；"
                                     "控制值和是否达标不合计。"),
        "totals": TableSpec("产业集聚区主要指标", "totals", index_zh=_SUMMARY_ZH, index_name_zh="指标"),
    }

    parcels: pd.DataFrame
    totals: pd.DataFrame
    passed: bool
    thresholds: pd.DataFrame
    intensity_floor: float
    method: str

    def _summary(self, lang: str) -> str:
        v = self.totals["value"]
        revenue, factory = float(v["revenue_yi_yuan"]), float(v["standard_factory_floor_area_wan_m2"])
        if lang == "zh":
            extra = "".join([f"，主营业务收入{revenue:,.2f}亿元" if not math.isnan(revenue) else "",
                             f"，标准厂房建筑面积{factory:,.2f}万平方米" if not math.isnan(factory) else ""])
            return (f"企业{v['enterprises']}家，用地面积{v['site_area_ha']:,.2f}公顷，固定资产投资"
                    f"{v['investment_wan_yuan']:,.2f}万元，投资强度{v['intensity_wan_yuan_per_ha']:,.2f}"
                    f"万元/公顷{extra}；{v['passed']}家控制指标全部达标，{v['failed']}家有指标未达标，"
                    f"其中{v['saving']}家可节约用地{v['saved_mu']:,.2f}亩。")
        extra = "".join([f", revenue {revenue:,.2f} × 10⁸ yuan" if not math.isnan(revenue) else "",
                         f", standard factories {factory:,.2f} × 10⁴ m² of floor" if not math.isnan(factory)
                         else ""])
        return (f"{v['enterprises']} enterprises on {v['site_area_ha']:,.2f} ha, fixed-asset investment "
                f"{v['investment_wan_yuan']:,.2f} × 10⁴ yuan, intensity "
                f"{v['intensity_wan_yuan_per_ha']:,.2f} × 10⁴ yuan/ha{extra}; {v['passed']} meet every control value, {v['failed']} fall short, "
                f"{v['saving']} of which could give back {v['saved_mu']:,.2f} mu.")


# ---------------------------------------------------------------------------
# per-parcel indicators


def _check_floor(intensity_floor: Any) -> float:
    try:
        value = float(intensity_floor)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise OptionError(msg(f"intensity_floor={intensity_floor!r}：请给出以 万元/ha 计、> 0 的下限",
                              f"intensity_floor={intensity_floor!r}: give the floor in 万元/ha, > 0"))
    return value


def _field_names(given: Mapping[str, str | None], parcels: pd.DataFrame, label: str,
                 *, strict: bool) -> dict[str, str | None]:
    """The ``<role>_field`` keywords by role; None only where allowed.

    A summary-only field (revenue, standard factory) left at its default name
    but absent from the layer leaves its figure out (NaN) unless ``strict``.
    """
    names: dict[str, str | None] = {}
    for role, column in given.items():
        if column is None and role not in (*_OPTIONAL, *_SUMMARY_ONLY):
            allowed = ", ".join(f"{r}_field" for r in (*_OPTIONAL, *_SUMMARY_ONLY))
            raise OptionError(msg(f"{role}_field=None：该字段不能为 None（只有 {allowed} 可以）",
                                  f"{role}_field=None: the {role.replace('_', ' ')} field cannot be None "
                                  f"(only {allowed} can)"))
        if (not strict and role in _SUMMARY_ONLY and column == INDUSTRIAL_FIELDS[role]
                and column not in parcels.columns):
            log.info(msg("%s 没有 %s 字段 %s：该项数字留空", "%s has no %s field %s: that figure is left out"),
                     label, role, column)
            column = None
        names[role] = column
    return names


def _site_area(parcels: pd.DataFrame, site_area_field: str | None, method: str,
               label: str) -> pd.Series:
    if site_area_field is None:
        from .area import area

        if not hasattr(parcels, "geometry"):
            raise SchemaError(msg(f"{label} 没有几何；请用 site_area_field= 给出存放用地面积（m²）的字段",
                                  f"{label} has no geometry; pass site_area_field= the field holding the "
                                  "site area in m²"))
        check_crs(parcels, name=label)
        values = area(parcels, method=method).set_axis(parcels.index)
        check_rows(parcels, values.isna() | (values <= 0),
                   msg("几何为空或缺失（用地面积为 0）", "empty or missing geometry (site area 0)"), name=label)
        return values
    values = _number(parcels, site_area_field, label)
    check_rows(parcels, values <= 0, msg(f"用地面积 {site_area_field} 须 > 0",
                                         f"site area {site_area_field} must be > 0"), name=label)
    return values


def _number(data: pd.DataFrame, column: str | None, label: str) -> pd.Series:
    """A quantity field: present, a number, not negative; 0 for a field given as None."""
    if column is None:
        return pd.Series(0.0, index=data.index)
    return numeric_field(data, column, label, required=True, non_negative=True)


def industrial_intensity(parcels: pd.DataFrame, *, thresholds: ThresholdsLike = None,
                         intensity_floor: float = DEFAULT_INTENSITY_FLOOR,
                         region_class: str | None = None, id_field: str | None = "QYBH",
                         industry_field: str = "HYDM", investment_field: str = "GDZC",
                         floor_area_field: str = "ZJZMJ",
                         floor_area_over_8m_field: str | None = "GC8MJ",
                         building_footprint_field: str = "JZZDMJ",
                         structure_footprint_field: str | None = "GZWZDMJ",
                         yard_footprint_field: str | None = "DCZDMJ",
                         office_area_field: str = "BGSHMJ", green_area_field: str = "LDMJ",
                         revenue_field: str | None = "YYSR",
                         standard_factory_field: str | None = "BZCF",
                         site_area_field: str | None = None,
                         method: str = "ellipsoidal") -> IndustrialResult:
    """Control indicators, pass/fail and land that could be saved, per enterprise parcel.

    Parameters
    ----------
    parcels : GeoDataFrame
        Enterprise parcels (polygons with a CRS) with the fields below (the
        sample's: HYDM, GDZC, ZJZMJ, GC8MJ, JZZDMJ, GZWZDMJ, DCZDMJ, BGSHMJ,
        LDMJ, YYSR, BZCF). A plain DataFrame works with ``site_area_field=``.
    thresholds : path, DataFrame or dict, optional
        Control values per industry; see :func:`load_thresholds`. Default:
        the bundled 2008 table.
    intensity_floor : float
        Investment-intensity floor, 万元/ha, for industries whose thresholds
        row has none (a value in the table wins). Default 3 000.
    region_class : str, optional
        Region class to pick from a thresholds table with a ``region_class`` column.
    id_field : str or None
        Enterprise id field (default ``QYBH``); None: use the index.
    industry_field : str
        Industry division, GB/T 4754 (``14``, ``1411``, ``C14``): ``HYDM``.
    investment_field : str
        Fixed-asset investment, 万元: ``GDZC``.
    floor_area_field : str
        Total floor area, every storey once, m²: ``ZJZMJ``.
    floor_area_over_8m_field : str or None
        Floor area of storeys higher than 8 m (counted twice), m²: ``GC8MJ``.
    building_footprint_field, structure_footprint_field, yard_footprint_field : str or None
        Footprints of buildings, structures and yards, m²: ``JZZDMJ``,
        ``GZWZDMJ``, ``DCZDMJ``.
    office_area_field, green_area_field : str
        Office-and-living area and green area, m²: ``BGSHMJ``, ``LDMJ``.
    revenue_field : str or None
        Revenue, 万元 (``YYSR``), reported in 亿元 in ``totals``.
    standard_factory_field : str or None
        是/否: the parcel is a standard factory (``BZCF``); ``totals`` gives
        their floor area (every storey once) in 万 m².
    site_area_field : str, optional
        Field with the site area in m², instead of the measured area of the
        polygon (the default).
    method : {"ellipsoidal", "geodesic", "planar"}
        How the site area is measured: the survey ellipsoidal area (default),
        the geodesic area, or the plane area.

    The fields that may be None (their quantity is then 0, or the figure is
    left out) are ``floor_area_over_8m_field``, ``structure_footprint_field``,
    ``yard_footprint_field``, ``revenue_field`` and ``standard_factory_field``;
    a revenue or standard-factory field left at its default name that the
    layer does not have leaves its figure out too (NaN).

    Returns
    -------
    IndustrialResult
        ``parcels``: indexed by the enterprise id; columns ``industry_code``,
        ``site_area_m2``, ``investment_wan_yuan``, ``floor_area_m2``
        (counting storeys above 8 m twice), ``footprint_m2``,
        ``office_area_m2``, ``green_area_m2``, ``intensity_wan_yuan_per_ha``,
        ``far``, ``building_coefficient_pct``, ``office_share_pct``,
        ``green_ratio_pct``, the control values ``min_far`` and
        ``intensity_floor_wan_yuan_per_ha``, a pass flag per indicator
        (``intensity_ok``, ``far_ok``, ``building_coefficient_ok``,
        ``office_share_ok``, ``green_ratio_ok``), ``passed`` (all five),
        ``failed_indicators`` (Chinese names joined by 、, "" when passed),
        ``need_m2``, ``saved_m2``, ``saved_mu``. A value exactly at its
        control value passes. ``totals``: the cluster's figures (see
        :class:`IndustrialResult`); ``passed``: every parcel passes.

    Raises
    ------
    OptionError
        ``intensity_floor`` ≤ 0, a field that cannot be None given as None,
        an unknown ``method``.
    SchemaError
        Fields missing (all listed at once).
    ValidationError
        Negative or missing numbers, floor area above 8 m larger than the
        total floor area, empty geometries, duplicate ids, industries with
        no row in the thresholds table (with the row ids).
    CRSError
        See :func:`xigeo.check_crs`.

    Examples
    --------
    Two 1 ha parcels of a food factory (industry 14: minimum floor-area ratio
    1.0; investment floor 3 000 万元/ha). A has 2 000 万元 and 8 000 m² of floor,
    2 000 m² of it in storeys above 8 m (counted twice: FAR 1.0), and 2 400 m²
    of footprints (24 %): short on investment and building coefficient but not
    on FAR, so it saves nothing. B (1 500 万元, 6 000 m² of floor, 2 400 m² of
    footprints, 800 m² of offices) is short of all three: it needs
    max(1 500/3 000 × 10⁴, 6 000/1.0, 2 400/0.30) = 8 000 m² and could give
    back 10 000 − 8 000 = 2 000 m² = 3 mu (on the central meridian the
    ellipsoidal area of the 100 m square is 10 000.00 m², as on the plane):

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame(
    ...     {"QYBH": ["A", "B"], "HYDM": ["14", "14"], "GDZC": [2000.0, 1500.0],
    ...      "ZJZMJ": [8000.0, 6000.0], "GC8MJ": [2000.0, 0.0], "JZZDMJ": [2000.0, 2000.0],
    ...      "GZWZDMJ": [400.0, 400.0], "DCZDMJ": [0.0, 0.0], "BGSHMJ": [500.0, 800.0],
    ...      "LDMJ": [1500.0, 1500.0], "YYSR": [5000.0, 3000.0], "BZCF": ["否", "是"]},
    ...     geometry=[box(500_000, 3_580_000, 500_100, 3_580_100),
    ...               box(500_200, 3_580_000, 500_300, 3_580_100)], crs=4547)
    >>> result = industrial_intensity(parcels)
    >>> t = result.parcels
    >>> t[["site_area_m2", "intensity_wan_yuan_per_ha", "far", "building_coefficient_pct"]]
          site_area_m2  intensity_wan_yuan_per_ha  far  building_coefficient_pct
    QYBH
    A          10000.0                     2000.0  1.0                      24.0
    B          10000.0                     1500.0  0.6                      24.0
    >>> t[["passed", "need_m2", "saved_mu"]]
          passed  need_m2  saved_mu
    QYBH
    A      False  10000.0       0.0
    B      False   8000.0       3.0
    >>> t.loc["B", "failed_indicators"]
    '投资强度、容积率、建筑系数、行政办公及生活服务设施用地所占比重'
    >>> result.passed
    False
    >>> result.table("parcels", labels="zh", total=True)[["用地面积(平方米)", "容积率", "可节约用地面积(亩)"]]
          用地面积(平方米)  容积率  可节约用地面积(亩)
    企业编号
    A         10000.0  1.0         0.0
    B         10000.0  0.6         3.0
    合计        20000.0  0.8         3.0
    >>> result.table("totals", labels="zh").loc[["企业数(个)", "可节约用地面积(亩)"]]
                 数值
    指标
    企业数(个)        2
    可节约用地面积(亩)  3.0
    >>> print(result.summary())
    企业2家，用地面积2.00公顷，固定资产投资3,500.00万元，投资强度1,750.00万元/公顷，主营业务收入0.80亿元，标准厂房建筑面积0.60万平方米；0家控制指标全部达标，2家有指标未达标，其中1家可节约用地3.00亩。
    """
    method = choose(method, AreaMethod, name="method")
    intensity_floor = _check_floor(intensity_floor)
    label = describe(parcels, "parcels")
    names = _field_names({
        "industry": industry_field, "investment": investment_field, "floor_area": floor_area_field,
        "floor_area_over_8m": floor_area_over_8m_field, "building_footprint": building_footprint_field,
        "structure_footprint": structure_footprint_field, "yard_footprint": yard_footprint_field,
        "office_area": office_area_field, "green_area": green_area_field, "revenue": revenue_field,
        "standard_factory": standard_factory_field}, parcels, label, strict=False)
    table = load_thresholds(thresholds, intensity_floor=intensity_floor, region_class=region_class)
    needed = [c for c in names.values() if c is not None]
    require_fields(parcels, needed + ([id_field] if id_field else []) +
                   ([site_area_field] if site_area_field else []), name=label)
    require_features(parcels, label, msg("宗地", "parcels"))
    data = index_by(parcels, id_field, name=label, what=msg("宗地编号", "parcel id"))

    division = data[names["industry"]].map(_division)  # type: ignore[index]
    field = names["industry"]
    check_rows(data, division.isna(), msg(f"行业代码 {field} 缺失或不是 GB/T 4754 代码（两位数字，例如 14）",
                                          f"industry code {field} is missing or not a "
                                          "GB/T 4754 code (two digits, e.g. 14)"), name=label)
    codes = division
    unknown = ~codes.isin(table.index)
    if unknown.any() and "*" in table.index:
        codes = codes.where(~unknown, "*")
        unknown = ~codes.isin(table.index)
    if unknown.any():
        found = format_ids(sorted(set(codes[unknown])))
        rows = format_ids(list(data.index[unknown.to_numpy()]))
        source = table.attrs.get("source")
        raise ValidationError(msg(
            f"{label}：行业代码 {found} 在控制指标表{f' {source} ' if source else ''}中没有对应行"
            f"（行号：{rows}）。"
            "解决：把它们加入控制指标表（或加一行 '*'），并用 thresholds= 传入",
            f"{label}: industry code(s) {found} have no row in "
            f"the {source or 'thresholds table'} (row(s) {rows}). Fix: add them to a thresholds "
            "table (or a '*' row) and pass thresholds="), list(data.index[unknown.to_numpy()]))
    limits = table.loc[codes.to_numpy()].set_axis(data.index)

    num = {role: _number(data, names[role], label) for role in names
           if role not in ("industry", *_SUMMARY_ONLY)}
    check_rows(data, num["floor_area_over_8m"] > num["floor_area"] * (1 + _SLACK),
               msg(f"{names['floor_area_over_8m']}（层高超过 8 m 的建筑面积）大于总建筑面积 "
                   f"{names['floor_area']}",
                   f"{names['floor_area_over_8m']} (floor area above 8 m) exceeds the total floor area "
                   f"{names['floor_area']}"), name=label)
    s = _site_area(data, site_area_field, method, label)

    floor = num["floor_area"] + num["floor_area_over_8m"]
    footprint = num["building_footprint"] + num["structure_footprint"] + num["yard_footprint"]
    out = pd.DataFrame({
        "industry_code": division,
        "site_area_m2": s,
        "investment_wan_yuan": num["investment"],
        "floor_area_m2": floor,
        "footprint_m2": footprint,
        "office_area_m2": num["office_area"],
        "green_area_m2": num["green_area"],
        "intensity_wan_yuan_per_ha": num["investment"] / s * 1e4,
        "far": floor / s,
        "building_coefficient_pct": footprint / s * 100,
        "office_share_pct": num["office_area"] / s * 100,
        "green_ratio_pct": num["green_area"] / s * 100,
        "min_far": limits["min_far"],
        "intensity_floor_wan_yuan_per_ha": limits["intensity_floor_wan_yuan_per_ha"],
    }, index=data.index)
    at_least = {
        "intensity": (out["intensity_wan_yuan_per_ha"], limits["intensity_floor_wan_yuan_per_ha"]),
        "far": (out["far"], limits["min_far"]),
        "building_coefficient": (out["building_coefficient_pct"], limits["min_building_coefficient_pct"]),
    }
    at_most = {
        "office_share": (out["office_share_pct"], limits["max_office_share_pct"]),
        "green_ratio": (out["green_ratio_pct"], limits["max_green_ratio_pct"]),
    }
    for key, (value, limit) in at_least.items():
        out[f"{key}_ok"] = value >= limit * (1 - _SLACK)
    for key, (value, limit) in at_most.items():
        out[f"{key}_ok"] = value <= limit * (1 + _SLACK)
    flags = [f"{key}_ok" for key in INDICATORS_ZH]
    out["passed"] = out[flags].all(axis=1)
    out["failed_indicators"] = [
        "、".join(INDICATORS_ZH[key] for key in INDICATORS_ZH if not row[f"{key}_ok"])
        for _, row in out[flags].iterrows()]
    need = pd.concat([num["investment"] / limits["intensity_floor_wan_yuan_per_ha"] * 1e4,
                      floor / limits["min_far"],
                      footprint / (limits["min_building_coefficient_pct"] / 100)], axis=1).max(axis=1)
    short_of_all = ~(out["intensity_ok"] | out["far_ok"] | out["building_coefficient_ok"])
    out["need_m2"] = need
    out["saved_m2"] = (s - need).clip(lower=0).where(short_of_all, 0.0)
    out["saved_mu"] = out["saved_m2"] / float(AreaUnit.MU.m2)
    log.info(msg("%s：%d 宗地，%d 宗全部控制指标达标，%d 宗可节约 %.2f 亩",
                 "%s: %d parcels, %d pass all control values, %d could save %.2f mu"), label, len(out),
             int(out["passed"].sum()), int((out["saved_m2"] > 0).sum()), out["saved_mu"].sum())
    totals = _totals(out, data, names, label)
    return IndustrialResult(parcels=out, totals=totals, passed=bool(out["passed"].all()),
                            thresholds=table, intensity_floor=intensity_floor,
                            method="field" if site_area_field else method)


_YES = {"是", "1", "Y", "YES", "TRUE", "T"}
_NO = {"否", "0", "N", "NO", "FALSE", "F", ""}


def _yes_no(values: pd.Series, column: str, data: pd.DataFrame, label: str) -> pd.Series:
    text = values.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v))
                      else str(int(v)) if isinstance(v, (bool, np.bool_)) else str(v).strip().upper())
    bad = ~text.isin(_YES | _NO)
    check_rows(data, bad, msg(f"{column} 须为 是 或 否", f"{column} must be 是 or 否"), name=label)
    return text.isin(_YES)


def _totals(table: pd.DataFrame, data: pd.DataFrame, names: Mapping[str, str | None],
            label: str) -> pd.DataFrame:
    """The cluster's figures as a one-column table (``value``); counts as whole numbers."""
    revenue = np.nan
    if names["revenue"] is not None:
        revenue = float(_number(data, names["revenue"], label).sum()) / 1e4
    factory = np.nan
    if names["standard_factory"] is not None:
        flag = _yes_no(data[names["standard_factory"]], names["standard_factory"], data, label)
        factory = float(_number(data, names["floor_area"], label)[flag].sum()) / 1e4
    s = float(table["site_area_m2"].sum())
    investment = float(table["investment_wan_yuan"].sum())
    values: dict[str, Any] = {
        "enterprises": len(table),
        "site_area_ha": s / 1e4,
        "investment_wan_yuan": investment,
        "intensity_wan_yuan_per_ha": investment / s * 1e4 if s else np.nan,
        "revenue_yi_yuan": revenue,
        "standard_factory_floor_area_wan_m2": factory,
        "passed": int(table["passed"].sum()),
        "failed": int((~table["passed"]).sum()),
        "saving": int((table["saved_m2"] > 0).sum()),
        "saved_mu": float(table["saved_mu"].sum()),
    }
    return pd.DataFrame({"value": pd.Series(values, dtype=object)}).rename_axis("figure")


def industrial_summary(parcels: pd.DataFrame, **options: Any) -> pd.Series:
    """Totals of an industrial cluster: the report's figures in one Series.

    A thin call to :func:`industrial_intensity` (same options) returning its
    ``totals`` as a float Series: the revenue (``revenue_field``, 万元,
    reported in 亿元) and the floor area of standard factories (floor area
    of the parcels with ``standard_factory_field`` = 是, every storey once,
    reported in 万 m²) among them. Here those two fields must exist unless
    given as None (the figure is then NaN).

    Returns
    -------
    pandas.Series
        ``enterprises``, ``site_area_ha``, ``investment_wan_yuan``,
        ``intensity_wan_yuan_per_ha`` (Σ investment ÷ Σ site area),
        ``revenue_yi_yuan``, ``standard_factory_floor_area_wan_m2``,
        ``passed``, ``failed``, ``saving`` (parcels that could save land),
        ``saved_mu``; for Chinese labels use
        ``industrial_intensity(...).table("totals", labels="zh")``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame(
    ...     {"QYBH": ["A"], "HYDM": ["14"], "GDZC": [4000.0], "ZJZMJ": [12000.0], "GC8MJ": [0.0],
    ...      "JZZDMJ": [4000.0], "GZWZDMJ": [0.0], "DCZDMJ": [0.0], "BGSHMJ": [500.0],
    ...      "LDMJ": [1500.0], "YYSR": [25000.0], "BZCF": ["是"]},
    ...     geometry=[box(500_000, 3_580_000, 500_100, 3_580_100)], crs=4547)
    >>> industrial_summary(parcels)[["enterprises", "revenue_yi_yuan", "standard_factory_floor_area_wan_m2", "passed"]]
    enterprises                           1.0
    revenue_yi_yuan                       2.5
    standard_factory_floor_area_wan_m2    1.2
    passed                                1.0
    dtype: float64
    """
    label = describe(parcels, "parcels")
    extra = [options.get(f"{role}_field", INDUSTRIAL_FIELDS[role]) for role in _SUMMARY_ONLY]
    require_fields(parcels, [c for c in extra if c is not None], name=label)
    result = industrial_intensity(parcels, **options)
    return result.totals["value"].astype("float64").rename(None).rename_axis(None)
