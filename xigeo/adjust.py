"""Control-area adjustment (面积平差 / 控制面积调平) of land-survey patches.

Official statistics must add up exactly, level by level, to the control
areas (控制面积): county → township (乡镇) → village (村级调查区) → patches.
The patch areas (TBMJ), each rounded to 0.01 m², never sum exactly to their
unit's control, so the difference is spread over the patches in whole
hundredths by the rule of the survey software (DOMAIN.md, "Control-area
adjustment"; :mod:`xigeo._apportion`):

- upper levels first: the county's difference is spread over its
  townships' controls, each township's adjusted control over its villages'
  controls, and each unit of the finest level given spreads what is left
  over its patches, so every level adds up to the one above;
- at each unit, ``n`` = |control − Σ| in hundredths over ``k`` items: each
  gets ``n div k``, the ``n mod k`` largest one more (ties broken by the
  code of a unit, by ``key_field`` (BSM) of a patch, never by row order),
  all with the sign of the difference;
- a difference larger than ``tolerance_m2`` is not rounding but a gap, an
  overlap or a misfiled patch: refused, every such unit named;
- KCMJ = round(TBMJ × KCXS, 2) (half up, 四舍五入) and TBDLMJ = TBMJ − KCMJ are
  recomputed from the adjusted TBMJ in exact hundredths.

Levels come from the length of a control's code: 6 digits county, 9
township, 12 village; a patch belongs to the unit whose code begins its
ZLDWDM (19 digits).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._apportion import spread, to_hundredths
from ._lang import msg
from ._options import choose, non_negative
from ._result import Result, TableSpec, Total
from .errors import SchemaError, ValidationError, fix, format_ids

__all__ = ["adjust_areas", "AdjustmentResult", "LEVELS", "CODE_FIELDS", "ENGINES"]

log = logging.getLogger(__name__)

#: code length → level name (Chinese names in :data:`LEVELS_ZH`)
LEVELS: dict[int, str] = {6: "county", 9: "township", 12: "village"}
LEVELS_ZH: dict[str, str] = {"county": "县", "township": "乡镇", "village": "村"}
#: the code fields a control table or layer may have, in the order they are looked for
CODE_FIELDS = ("XZQDM", "CJDCQDM", "DWDM", "code")
#: the name fields of a control table or layer (optional)
NAME_FIELDS = ("XZQMC", "CJDCQMC", "DWMC", "name")
#: the control-area field of a control table (m²)
CONTROL_FIELD = "KZMJ"
ENGINES = ("local", "dask")
ZLDWDM_DIGITS = 19

_UNITS_ZH = {
    "level": "级别", "name": "单位名称", "parent": "上级代码",
    "control_m2": "控制面积(平方米)", "adjusted_control_m2": "调平后控制面积(平方米)",
    "children": "下级单位数", "children_sum_m2": "下级控制面积之和(平方米)",
    "children_difference_m2": "下级差值(平方米)",
    "patches": "图斑数", "sum_before_m2": "平差前图斑面积之和(平方米)",
    "difference_m2": "差值(平方米)", "changed_patches": "调整图斑数",
    "max_change_m2": "单个图斑最大改变(平方米)", "sum_after_m2": "平差后图斑面积之和(平方米)",
}
_PATCHES_ZH = {
    "TBMJ": "图斑面积(平方米)", "KCXS": "扣除系数", "KCMJ": "扣除面积(平方米)",
    "TBDLMJ": "图斑地类面积(平方米)", "QSDWDM": "权属单位代码", "QSDWMC": "权属单位名称",
    "QSXZ": "权属性质", "GDPDJB": "耕地坡度级别", "GDLX": "耕地类型",
}


@dataclasses.dataclass(frozen=True, repr=False)
class AdjustmentResult(Result):
    """What :func:`adjust_areas` did (the result contract of :mod:`xigeo._result`).

    Attributes
    ----------
    units : DataFrame
        One row per control unit, county first, then townships, then
        villages (index ``code``): ``level`` (county/township/village),
        ``name``, ``parent`` (the code of the unit above, "" at the top),
        ``control_m2`` (as given or measured), ``adjusted_control_m2`` (after
        the parent's difference was spread: what the unit's patches now sum
        to), ``children`` / ``children_sum_m2`` / ``children_difference_m2``
        (the units one level down and what was spread over their controls;
        0 / NaN at the finest level), ``patches``, ``sum_before_m2`` (Σ TBMJ
        of its patches before), ``difference_m2`` (adjusted control − sum
        before: what its patches changed by in all), ``changed_patches``,
        ``max_change_m2`` (the largest change of one patch) and
        ``sum_after_m2`` (= ``adjusted_control_m2`` exactly).
    patches : GeoDataFrame
        The adjusted copy of the patches, same index, columns and order,
        with ``area_field`` (TBMJ), KCMJ and TBDLMJ recomputed;
        ``table("patches")`` drops the geometry.
    change_m2 : Series
        The change of each patch's area (m², aligned with ``patches``).
    passed : bool
        Every unit's patches sum exactly (in integer hundredths) to its
        adjusted control at every level and KCMJ + TBDLMJ = TBMJ on every
        patch — checked on the figures, not assumed. (A difference beyond
        the tolerance is refused with an error, so no result exists then.)
    levels : tuple of str
        The levels adjusted, top first ("county", "township", "village");
        empty when no control was given (TBMJ was then measured).
    tolerance_m2, method, area_field, engine
        The options used.
    """

    TITLE: ClassVar[tuple[str, str]] = ("控制面积平差", "Control-area adjustment")
    TABLES: ClassVar[dict[str, TableSpec]] = {
        "units": TableSpec("面积平差表", "adjustment by unit", _UNITS_ZH,
                           values_zh={"level": LEVELS_ZH}, index_name_zh="单位代码"),
        "patches": TableSpec("平差后图斑", "adjusted patches", _PATCHES_ZH,
                             total=Total(sum_columns=("TBMJ", "KCMJ", "TBDLMJ"))),
    }

    units: pd.DataFrame
    patches: Any
    change_m2: pd.Series
    passed: bool
    levels: tuple[str, ...] = ()
    tolerance_m2: float = 10.0
    method: str = "ellipsoidal"
    area_field: str = "TBMJ"
    engine: str = "local"

    def _total(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The patches with a 合计 row of TBMJ, KCMJ and TBDLMJ (the fields that exist)."""
        from ._tables import add_total

        spec = self.TABLES[name].total
        assert spec is not None
        columns = [c for c in (self.area_field, "KCMJ", "TBDLMJ") if c in frame.columns]
        return add_total(frame, label=spec.label, sum_columns=columns)

    def _summary(self, lang: str) -> str:
        n = len(self.patches)
        after = float(self.patches[self.area_field].sum())
        if not self.levels:
            if lang == "zh":
                return (f"未给控制面积：{n}个图斑的{self.area_field}按{_METHOD_ZH.get(self.method, self.method)}"
                        f"重新计算，合计{after:,.2f}平方米；扣除面积与图斑地类面积已重算。")
            return (f"No control areas given: {self.area_field} of {n} patches set to their "
                    f"{self.method} area, {after:,.2f} m² in all; KCMJ and TBDLMJ recomputed.")
        before = after - float(self.change_m2.sum())
        changed = int((self.change_m2 != 0).sum())
        max_change = float(self.change_m2.abs().max()) if n else 0.0
        top = self.units[self.units["level"] == self.levels[0]]
        finest = self.units[self.units["level"] == self.levels[-1]]
        diffs = finest["difference_m2"].to_numpy(dtype=np.float64)
        at = int(np.argmax(np.abs(diffs))) if diffs.size else -1
        worst = str(finest.index[at]) if at >= 0 else ""
        worst_m2 = float(diffs[at]) if at >= 0 else 0.0
        counts_zh = "、".join(f"{LEVELS_ZH[lv]}{int((self.units['level'] == lv).sum())}个"
                             for lv in self.levels)
        counts_en = ", ".join(f"{int((self.units['level'] == lv).sum())} {lv}(s)" for lv in self.levels)
        verdict_zh = "平差后各级图斑面积之和与控制面积完全一致。" if self.passed else "平差后仍有单位不闭合，请检查。"
        verdict_en = ("after it every unit's patches add up exactly to its control at every level."
                      if self.passed else "some unit still does not add up: check the units table.")
        if lang == "zh":
            return (f"控制面积平差：{counts_zh}控制单位，{n}个图斑；图斑面积合计由{before:,.2f}平方米调整为"
                    f"{after:,.2f}平方米（控制面积{float(top['control_m2'].sum()):,.2f}平方米），"
                    f"{changed}个图斑面积改变，单个图斑最多改变{max_change:.2f}平方米；"
                    f"最末级单位差值最大{worst_m2:+.2f}平方米（{worst}）；限差{self.tolerance_m2:g}平方米。"
                    f"{verdict_zh}")
        return (f"Control-area adjustment over {counts_en}, {n} patches: the patches' total went from "
                f"{before:,.2f} m² to {after:,.2f} m² (control {float(top['control_m2'].sum()):,.2f} m²); "
                f"{changed} patches changed, by at most {max_change:.2f} m² each; the largest difference "
                f"of a {self.levels[-1]} was {worst_m2:+.2f} m² ({worst}); tolerance "
                f"{self.tolerance_m2:g} m²; {verdict_en}")


_METHOD_ZH = {"ellipsoidal": "椭球面积", "geodesic": "大地线面积", "planar": "平面面积"}


# ---------------------------------------------------------------------------------- API


def adjust_areas(patches: Any, controls: Any = None, *, code_field: str = "ZLDWDM",
                 area_field: str = "TBMJ", tolerance_m2: float = 10.0, key_field: str | None = "BSM",
                 method: str = "ellipsoidal", engine: str = "local") -> AdjustmentResult:
    """Adjust the patch areas so that every level adds up exactly to its control areas.

    Parameters
    ----------
    patches : GeoDataFrame
        Land-survey patches (DLTB) with ``code_field`` (ZLDWDM, 19 digits,
        text), ``area_field`` (TBMJ, m²) and KCXS (the deduction ratio, in
        [0, 1)); KCMJ and TBDLMJ are written (added if missing). A plain
        DataFrame is accepted when no area has to be measured.
    controls : DataFrame, GeoDataFrame, Series, mapping, or a list of them; optional
        The control areas (控制面积) of one or more levels. A table has a
        code field (the first of XZQDM, CJDCQDM, DWDM, code) and the control
        area KZMJ in m², and optionally a name (XZQMC, CJDCQMC, DWMC, name);
        a polygon layer without KZMJ (XZQ 行政区, CJDCQ 村级调查区) has its
        survey area (``method``) as the control; a Series or mapping is
        code → m². The level of each unit is read from its code's length:
        6 digits county, 9 township, 12 village. ``None``: no adjustment;
        ``area_field`` is set to each patch's measured area (``method``).
    code_field : str
        The patches' location-unit code (坐落单位代码).
    area_field : str
        The patch area adjusted (图斑面积).
    tolerance_m2 : float
        The largest absolute difference between a unit's control and what it
        contains (its patches, or its units one level down) that is treated
        as rounding (default 10 m²); more is refused.
    key_field : str or None
        The tie-break among patches of equal area (default BSM; None: the
        index). Keys must be unique. Never the row order, so the result
        does not depend on how the rows are sorted.
    method : {"ellipsoidal", "geodesic", "planar"}
        How polygon controls, and the patches when no control is given, are
        measured; ``ellipsoidal`` is the survey method (三调 图斑椭球面积).
    engine : {"local", "dask"}
        ``local``: every unit at once, vectorised. ``dask``: the patches are
        partitioned by county (the first 6 digits of ``code_field``) and each
        county is adjusted in its own task on the active dask scheduler (a
        ``distributed`` Client for a cluster); results are identical. Needs
        ``pip install xigeo[dask]``.

    Returns
    -------
    AdjustmentResult
        Tables ``units`` and ``patches`` (the adjusted copy), ``change_m2``,
        ``passed``; ``summary("zh")`` / ``summary("en")``.

    Raises
    ------
    SchemaError
        A required field is missing (all are listed).
    ValidationError
        Bad data (codes of the wrong length, missing, NaN or negative areas,
        KCXS outside [0, 1), duplicate keys, codes used twice in the
        controls), or the adjustment is refused: units whose difference
        exceeds ``tolerance_m2``, patches whose code has no unit, units
        without patches. One error lists every problem; ``problems`` holds
        them as records.
    OptionError
        A bad option value.
    CRSError
        A layer whose area is measured has no or a wrong CRS, or the
        patches and a control layer are in different CRSs.

    Examples
    --------
    Four patches of village 411528101001; its control is 0.05 m² more than
    their sum. Five hundredths over four patches: one each, and the largest
    one more; A and B are equally large and B's BSM comes first:

    >>> import pandas as pd
    >>> dltb = pd.DataFrame({"BSM": ["2", "1", "3", "4"],
    ...                      "ZLDWDM": ["4115281010010000000"] * 4,
    ...                      "TBMJ": [300.00, 300.00, 200.00, 100.00],
    ...                      "KCXS": [0.05, 0.05, 0.0, 0.5]}, index=["A", "B", "C", "D"])
    >>> result = adjust_areas(dltb, {"411528101001": 900.05})
    >>> result.patches[["TBMJ", "KCMJ", "TBDLMJ"]]
         TBMJ   KCMJ  TBDLMJ
    A  300.01  15.00  285.01
    B  300.02  15.00  285.02
    C  200.01   0.00  200.01
    D  100.01  50.01   50.00
    >>> result.table("units")[["level", "control_m2", "sum_before_m2", "difference_m2", "max_change_m2"]]
                    level  control_m2  sum_before_m2  difference_m2  max_change_m2
    code
    411528101001  village      900.05          900.0           0.05           0.02
    >>> print(result.summary("en"))  # doctest: +NORMALIZE_WHITESPACE
    Control-area adjustment over 1 village(s), 4 patches: the patches' total went from 900.00 m²
    to 900.05 m² (control 900.05 m²); 4 patches changed, by at most 0.02 m² each; the largest
    difference of a village was +0.05 m² (411528101001); tolerance 10 m²; after it every unit's
    patches add up exactly to its control at every level.

    A difference beyond the tolerance is refused, naming the unit:

    >>> adjust_areas(dltb, {"411528101001": 950.0})
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: patches：面积平差被拒绝，1 个问题：
    - 村 411528101001：控制面积 950.00 m²，其图斑 900.00 m²，差值 +50.00 m²，超出限差 10 m²：图斑覆盖少于控制面积（有缝隙，或有图斑编在其他单位下）
    >>> from xigeo import using_language
    >>> with using_language("en"):
    ...     adjust_areas(dltb, {"411528101001": 950.0})
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: patches: the adjustment is refused (面积平差被拒绝), 1 problem(s):
    - village 411528101001: control 950.00 m², its patches 900.00 m², difference +50.00 m² beyond the tolerance of 10 m²: the patches cover less than the control (a gap, or patches coded under another unit)
    """
    tolerance_m2 = non_negative(tolerance_m2, name="tolerance_m2")
    engine = choose(engine, ENGINES, name="engine")
    from .area import AreaMethod

    method = choose(method, AreaMethod, name="method")
    for option, value in (("code_field", code_field), ("area_field", area_field)):
        if not isinstance(value, str) or not value:
            from .errors import OptionError

            raise OptionError(msg(f"{option}={value!r}：请给出字段名", f"{option}={value!r}: give a field name"))
    if engine == "dask":
        _require_dask()
    if not isinstance(patches, pd.DataFrame):
        raise TypeError(msg(f"patches：需要 GeoDataFrame，得到的是 {type(patches).__name__}",
                            f"patches: need a GeoDataFrame, got {type(patches).__name__}"))
    from ._layers import describe

    label = describe(patches, "patches")
    control_list = _control_list(controls)
    measure = not control_list
    required = [code_field, "KCXS"] + ([] if measure else [area_field])
    if key_field is not None:
        required.append(key_field)
    missing = [f for f in required if f not in patches.columns]
    if missing:
        have = ", ".join(str(c) for c in patches.columns
                         if c != getattr(patches, "_geometry_column_name", None))
        how = fix(msg("重命名字段（gdf.rename(columns={...})）或指明字段（code_field=, area_field=, key_field=）",
                      "rename the columns (gdf.rename(columns={...})) or name the fields "
                      "(code_field=, area_field=, key_field=)"),
                  msg("在文件中重命名字段，或指明字段（--code-field, --area-field, --key）",
                      "rename the fields in the file, or name them (--code-field, --area-field, --key)"))
        raise SchemaError(msg(f"{label} 缺少字段 {', '.join(missing)}；现有字段：{have}。修正：{how}",
                              f"{label} is missing the field(s) {', '.join(missing)}; it has: {have}. "
                              f"Fix: {how}"))

    # every problem of the layer's fields at once, then one error
    bad: list[tuple[str, list[Any]]] = []
    codes, code_index = _patch_codes(patches, code_field, bad)
    kcxs = _kcxs(patches, bad)
    area_h = None if measure else _patch_areas(patches, area_field, bad)
    if bad:
        rows = [r for _, rs in bad for r in rs]
        raise ValidationError(msg(f"{label}：" + "；".join(f"第 {format_ids(rs)} 行{what}" for what, rs in bad),
                                  f"{label}: " + "; ".join(f"{what} in row(s) {format_ids(rs)}"
                                                           for what, rs in bad)), rows)
    if area_h is None:
        area_h = to_hundredths(_measure(patches, method, label))
    key = _key_rank(patches, key_field, label)
    table = _controls_table(control_list, method, label, patches)

    if measure:
        delta = np.zeros(len(patches), dtype=np.int64)
        units = _empty_units()
        problems: list[dict[str, Any]] = []
    elif engine == "dask":
        delta, units, problems = _adjust_dask(codes, code_index, area_h, key, table, tolerance_m2)
    else:
        delta, units, problems = _adjust_block(codes, code_index, area_h, key, table,
                                               to_hundredths(np.array([tolerance_m2]))[0])
    # one dtype whichever engine built it (dask may turn object text into pyarrow strings)
    units = units.astype({"level": object, "name": object, "parent": object})
    units.index = pd.Index(units.index.to_numpy(dtype=object), name="code")
    new_h = area_h + delta
    negative = np.flatnonzero(new_h < 0)
    if negative.size:
        problems.append({"kind": "negative", "rows": negative.tolist()})
    if problems:
        raise _refusal(problems, patches.index, label, tolerance_m2, code_field)

    kcmj_h = _half_up(new_h * kcxs)
    out = patches.copy()
    out[area_field] = new_h / 100.0
    out["KCMJ"] = kcmj_h / 100.0
    out["TBDLMJ"] = (new_h - kcmj_h) / 100.0
    change = pd.Series(delta / 100.0, index=patches.index, name="change_m2")
    levels = tuple(LEVELS[n] for n in sorted({len(c) for c in units.index}))
    passed = bool((to_hundredths(units["sum_after_m2"].to_numpy())
                   == to_hundredths(units["adjusted_control_m2"].to_numpy())).all()
                  and (to_hundredths(out["KCMJ"].to_numpy()) + to_hundredths(out["TBDLMJ"].to_numpy())
                       == new_h).all())
    log.info(msg("已平差 %d 个图斑，共 %d 个单位（%s），%d 个有变化",
                 "adjusted %d patches over %d units (%s), %d changed"), len(out), len(units),
             msg("、".join(LEVELS_ZH[lv] for lv in levels) or "无控制面积",
                 ", ".join(levels) or "no control"), int((delta != 0).sum()))
    return AdjustmentResult(units=units, patches=out, change_m2=change, passed=passed, levels=levels,
                            tolerance_m2=tolerance_m2, method=method, area_field=area_field,
                            engine=engine)


# ---------------------------------------------------------------------------------- input


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
    except ImportError:  # pragma: no cover - dask is installed in the test environment
        raise ImportError(msg("engine='dask' 需要 dask（集群还需要 distributed）：pip install xigeo[dask]",
                              "engine='dask' needs dask (and distributed for a cluster): "
                              "pip install xigeo[dask]")) from None


def _control_list(controls: Any) -> list[Any]:
    if controls is None:
        return []
    if isinstance(controls, (pd.DataFrame, pd.Series, Mapping)):
        return [controls]
    if isinstance(controls, Sequence) and not isinstance(controls, (str, bytes)):
        items = list(controls)
        for item in items:
            if not isinstance(item, (pd.DataFrame, pd.Series, Mapping)):
                raise TypeError(msg(f"controls：需要表、图层、Series 或映射，得到的是 {type(item).__name__}",
                                    f"controls: need tables, layers, Series or mappings, got "
                                    f"{type(item).__name__}"))
        return items
    raise TypeError(msg(f"controls：需要表、图层、Series、映射或它们的列表，得到的是 {type(controls).__name__}",
                        f"controls: need a table, layer, Series, mapping or a list of them, got "
                        f"{type(controls).__name__}"))


def _patch_codes(patches: pd.DataFrame, code_field: str,
                 bad: list[tuple[str, list[Any]]]) -> tuple[np.ndarray, np.ndarray]:
    """The unique codes (text) and each patch's position among them; bad codes noted in ``bad``."""
    index, uniques = pd.factorize(patches[code_field], use_na_sentinel=True)
    texts = np.array([_code_text(u) for u in uniques], dtype=object)
    ok = np.array([len(t) == ZLDWDM_DIGITS and t.isdigit() for t in texts], dtype=bool)
    wrong = (index < 0) | ~np.append(ok, False)[index]
    if wrong.any():
        bad.append((msg(f"的 {code_field} 不是 {ZLDWDM_DIGITS} 位代码（县 6 位、乡镇 3 位、村 3 位、"
                        "组 7 位；请按文本读取以保留前导零）",
                        f"{code_field} is not a {ZLDWDM_DIGITS}-digit code (6 county, 3 township, "
                        "3 village, 7 group digits; read it as text so leading zeros stay)"),
                    list(patches.index[wrong])))
    return texts.astype(str), index.astype(np.int64)


def _code_text(value: Any) -> str:
    """A code as text: integers without a decimal point; text stripped."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return str(value).strip()


def _kcxs(patches: pd.DataFrame, bad: list[tuple[str, list[Any]]]) -> np.ndarray:
    values = pd.to_numeric(patches["KCXS"], errors="coerce").to_numpy(dtype=np.float64)
    wrong = ~((values >= 0) & (values < 1))
    if wrong.any():
        bad.append((msg("的 KCXS（扣除系数）缺失或不在 [0, 1) 内", "KCXS (扣除系数) is missing or outside [0, 1)"),
                    list(patches.index[wrong])))
    return values


def _patch_areas(patches: pd.DataFrame, area_field: str, bad: list[tuple[str, list[Any]]]) -> np.ndarray:
    values = pd.to_numeric(patches[area_field], errors="coerce").to_numpy(dtype=np.float64)
    wrong = ~np.isfinite(values) | (values < 0)
    if wrong.any():
        bad.append((msg(f"的 {area_field} 缺失、不是数字或为负", f"{area_field} is missing, not a number or negative"),
                    list(patches.index[wrong])))
    return to_hundredths(np.where(wrong, 0.0, values))


def _measure(layer: Any, method: str, label: str) -> np.ndarray:
    """The survey area (m², hundredths rounded by xigeo.area) of every polygon; CRS guarded."""
    import geopandas as gpd

    from ._layers import geometries
    from .area import area
    from .crs import check_crs

    if not isinstance(layer, gpd.GeoDataFrame):
        raise TypeError(msg(f"{label}：面积由面量算：需要 GeoDataFrame，得到的是 {type(layer).__name__}",
                            f"{label}: areas are measured from polygons: need a GeoDataFrame, got "
                            f"{type(layer).__name__}"))
    check_crs(layer, name=label)
    geometries(layer, label)
    return area(layer, method=method).to_numpy(dtype=np.float64)


def _key_rank(patches: pd.DataFrame, key_field: str | None, label: str) -> np.ndarray:
    """Each patch's rank by its key (ascending): the tie-break among equal areas."""
    from ._layers import check_ids

    keys = pd.Index(patches.index if key_field is None else patches[key_field])
    check_ids(keys, label, what="key" if key_field is None else key_field,
              field=key_field, fix=fix("key_field='BSM'", "--key BSM"))
    if not pd.api.types.is_numeric_dtype(keys.dtype):
        keys = pd.Index(keys.astype(str))
    return np.argsort(np.argsort(keys.to_numpy(), kind="stable"), kind="stable").astype(np.int64)


def _controls_table(control_list: list[Any], method: str, label: str, patches: Any) -> pd.DataFrame:
    """All controls as one table: code, level, control_h (hundredths), name."""
    frames = []
    for i, item in enumerate(control_list):
        name = "controls" if len(control_list) == 1 else f"controls[{i}]"
        frames.append(_one_control(item, method, name, patches, label))
    if not frames:
        return pd.DataFrame({"code": pd.Series([], dtype=object), "level": pd.Series([], dtype=np.int64),
                             "control_h": pd.Series([], dtype=np.int64),
                             "name": pd.Series([], dtype=object)})
    table = pd.concat(frames, ignore_index=True)
    dup = table["code"].duplicated(keep=False)
    if dup.any():
        codes = sorted(set(table.loc[dup, "code"]))
        raise ValidationError(msg(f"controls：单位代码重复给出：{format_ids(codes)}。修正：每个单位只给一个控制面积",
                                  f"controls: unit code(s) given twice: {format_ids(codes)}. Fix: give "
                                  "each unit one control"), codes)
    return table


def _one_control(item: Any, method: str, name: str, patches: Any, label: str) -> pd.DataFrame:
    from ._layers import describe

    if isinstance(item, Mapping):
        item = pd.Series(item, dtype=object)
    if isinstance(item, pd.Series):
        frame = pd.DataFrame({"code": [_code_text(c) for c in item.index],
                              CONTROL_FIELD: pd.to_numeric(item, errors="coerce").to_numpy()},
                             index=item.index)
        code_field: str | None = "code"
        name_field: str | None = None
    else:
        frame = item
        name = describe(item, name)
        code_field = next((f for f in CODE_FIELDS if f in frame.columns), None)
        name_field = next((f for f in NAME_FIELDS if f in frame.columns), None)
        if code_field is None:
            have = ", ".join(str(c) for c in frame.columns)
            raise SchemaError(msg(f"{name} 没有单位代码字段：请给出 {', '.join(CODE_FIELDS)} 之一；现有字段：{have}",
                                  f"{name} has no unit code field: give one of {', '.join(CODE_FIELDS)}; "
                                  f"it has: {have}"))
    codes = np.array([_code_text(c) if not pd.isna(c) else "" for c in frame[code_field]], dtype=object)
    bad = np.array([len(c) not in LEVELS or not c.isdigit() for c in codes], dtype=bool)
    if bad.any():
        rows = list(frame.index[bad])
        raise ValidationError(msg(f"{name}：第 {format_ids(rows)} 行的 {code_field} 不是 6、9 或 12 位的"
                                  "单位代码（县、乡镇、村）",
                                  f"{name}: {code_field} is not a 6-, 9- or 12-digit unit code (county, "
                                  f"township, village) in row(s) {format_ids(rows)}"), rows)
    if CONTROL_FIELD in frame.columns:
        values = pd.to_numeric(frame[CONTROL_FIELD], errors="coerce").to_numpy(dtype=np.float64)
        badv = ~np.isfinite(values) | (values < 0)
        if badv.any():
            rows = list(frame.index[badv])
            raise ValidationError(msg(f"{name}：第 {format_ids(rows)} 行的 {CONTROL_FIELD}（控制面积，m²）"
                                      "缺失、不是数字或为负",
                                      f"{name}: {CONTROL_FIELD} (控制面积, m²) is missing, not a number or "
                                      f"negative in row(s) {format_ids(rows)}"), rows)
    else:
        import geopandas as gpd

        if not isinstance(frame, gpd.GeoDataFrame):
            raise SchemaError(msg(f"{name} 没有控制面积：请给出字段 {CONTROL_FIELD}（m²），或以其调查面积"
                                  "作为控制面积的面",
                                  f"{name} has no control area: give the field {CONTROL_FIELD} (m²), or "
                                  "polygons whose survey area is the control"))
        if isinstance(patches, gpd.GeoDataFrame) and patches.crs is not None:
            from .crs import check_same_crs

            check_same_crs(patches, frame, names=(label, name))
        values = _measure(frame, method, name)
    names = (frame[name_field].astype(object).where(frame[name_field].notna(), "").astype(str).to_numpy()
             if name_field else np.full(len(frame), "", dtype=object))
    return pd.DataFrame({"code": codes.astype(str), "level": [len(c) for c in codes],
                         "control_h": to_hundredths(values), "name": names})


# ---------------------------------------------------------------------------------- core


def _half_up(values: np.ndarray) -> np.ndarray:
    """Non-negative figures (in hundredths) rounded half up to whole hundredths, int64."""
    return np.floor(np.round(np.asarray(values, dtype=np.float64), 6) + 0.5).astype(np.int64)


def _group_sum(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, groups, values)
    return out


def _empty_units() -> pd.DataFrame:
    return _units_frame({k: [] for k in ("code", "level", "name", "parent")}, {})


def _units_frame(text: Mapping[str, Any], ints: Mapping[str, Any]) -> pd.DataFrame:
    cols: dict[str, Any] = {"level": pd.Series(text["level"], dtype=object),
                            "name": pd.Series(text["name"], dtype=object),
                            "parent": pd.Series(text["parent"], dtype=object)}
    n = len(text["code"])
    for c in ("control", "adjusted_control"):
        cols[f"{c}_m2"] = np.asarray(ints.get(c, np.zeros(n)), dtype=np.int64) / 100.0
    cols["children"] = np.asarray(ints.get("children", np.zeros(n)), dtype=np.int64)
    for c in ("children_sum", "children_difference"):
        v = np.asarray(ints.get(c, np.zeros(n)), dtype=np.float64) / 100.0
        cols[f"{c}_m2"] = np.where(cols["children"] > 0, v, np.nan)
    cols["patches"] = np.asarray(ints.get("patches", np.zeros(n)), dtype=np.int64)
    for c in ("sum_before", "difference"):
        cols[f"{c}_m2"] = np.asarray(ints.get(c, np.zeros(n)), dtype=np.int64) / 100.0
    cols["changed_patches"] = np.asarray(ints.get("changed_patches", np.zeros(n)), dtype=np.int64)
    for c in ("max_change", "sum_after"):
        cols[f"{c}_m2"] = np.asarray(ints.get(c, np.zeros(n)), dtype=np.int64) / 100.0
    frame = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in cols.items()},
                         index=pd.Index(pd.Series(text["code"], dtype=object), name="code"))
    return frame


def _adjust_block(codes: np.ndarray, code_index: np.ndarray, area_h: np.ndarray, key: np.ndarray,
                  table: pd.DataFrame, tolerance_h: int, levels: Sequence[int] | None = None
                  ) -> tuple[np.ndarray, pd.DataFrame, list[dict[str, Any]]]:
    """The hierarchical adjustment of one block of patches (a county, or everything).

    ``codes``: the block's unique patch codes; ``code_index``: each patch's
    position in ``codes``; ``area_h``: areas in hundredths; ``key``: the
    tie-break rank; ``table``: the controls (code, level, control_h, name).
    Returns each patch's change (hundredths), the units table and the
    problems found (records; positions are the block's rows).
    """
    n_patches = area_h.size
    problems: list[dict[str, Any]] = []
    # the levels of the whole control set (a county block may lack some: its patches are then named)
    levels = sorted(set(int(v) for v in table["level"])) if levels is None else list(levels)
    delta = np.zeros(n_patches, dtype=np.int64)
    if not levels:
        return delta, _empty_units(), problems
    codes_s = pd.Series(codes, dtype=object)
    per_level: list[dict[str, Any]] = []
    for depth, L in enumerate(levels):
        units = table[table["level"] == L].sort_values("code")
        ucodes = units["code"].to_numpy(dtype=object)
        uindex = pd.Index(ucodes)
        m = len(ucodes)
        pos_of_code = uindex.get_indexer(codes_s.str[:L])
        upos = pos_of_code[code_index] if n_patches else np.zeros(0, dtype=np.int64)
        valid = upos >= 0
        if (~valid).any():
            prefix = codes_s.str[:L].to_numpy(dtype=object)
            lost = np.flatnonzero(~valid)
            for mc, rows in pd.Series(lost).groupby(prefix[code_index[lost]], sort=True):
                problems.append({"kind": "no_unit", "level": LEVELS[L], "code": str(mc),
                                 "rows": rows.to_numpy().tolist()})
        count = np.bincount(upos[valid], minlength=m).astype(np.int64)
        before = _group_sum(upos[valid], area_h[valid], m)
        control = units["control_h"].to_numpy(dtype=np.int64)
        info: dict[str, Any] = {"L": L, "codes": ucodes, "names": units["name"].to_numpy(dtype=object),
                                "upos": upos, "valid": valid, "count": count, "before": before,
                                "control": control, "adjusted": control.copy(),
                                "parent": np.full(m, "", dtype=object),
                                "children": np.zeros(m, dtype=np.int64),
                                "children_sum": np.zeros(m, dtype=np.int64),
                                "children_difference": np.zeros(m, dtype=np.int64)}
        if depth:
            up = per_level[-1]
            P = up["L"]
            ppos = pd.Index(up["codes"]).get_indexer(pd.Series(ucodes, dtype=object).str[:P])
            has_parent = ppos >= 0
            for c in ucodes[~has_parent]:
                problems.append({"kind": "no_parent", "level": LEVELS[L], "code": c,
                                 "parent_level": LEVELS[P], "parent": c[:P]})
            if len(up["codes"]):  # a county's block may have no unit at the level above
                info["parent"] = np.where(has_parent, up["codes"][np.maximum(ppos, 0)], "")
            pm = len(up["codes"])
            up["children"] = np.bincount(ppos[has_parent], minlength=pm).astype(np.int64)
            up["children_sum"] = _group_sum(ppos[has_parent], control[has_parent], pm)
            up["children_difference"] = up["adjusted"] - up["children_sum"]
            rank = np.arange(m, dtype=np.int64)  # the units are sorted by code
            change = spread(control[has_parent], ppos[has_parent], up["children_difference"],
                            rank[has_parent])
            info["adjusted"] = control.copy()
            info["adjusted"][has_parent] += change
        per_level.append(info)
    # the finest level spreads over the patches
    fine = per_level[-1]
    diff = fine["adjusted"] - fine["before"]
    valid = fine["valid"]
    delta[valid] = spread(area_h[valid], fine["upos"][valid], diff, key[valid])
    # figures and checks at every level
    text: dict[str, list[Any]] = {"code": [], "level": [], "name": [], "parent": []}
    ints: dict[str, list[np.ndarray]] = {}
    for info in per_level:
        m = len(info["codes"])
        upos, valid = info["upos"], info["valid"]
        after = info["before"] + _group_sum(upos[valid], delta[valid], m)
        changed = np.bincount(upos[valid & (delta != 0)], minlength=m).astype(np.int64)
        max_change = np.zeros(m, dtype=np.int64)
        np.maximum.at(max_change, upos[valid], np.abs(delta[valid]))
        difference = info["adjusted"] - info["before"]
        level = LEVELS[info["L"]]
        for j in range(m):
            if info["count"][j] == 0:
                problems.append({"kind": "empty", "level": level, "code": info["codes"][j],
                                 "name": info["names"][j], "control_h": int(info["control"][j])})
                continue
            if abs(int(difference[j])) > tolerance_h:
                problems.append({"kind": "tolerance", "level": level, "code": info["codes"][j],
                                 "name": info["names"][j], "against": "patches",
                                 "control_h": int(info["adjusted"][j]), "sum_h": int(info["before"][j]),
                                 "difference_h": int(difference[j])})
            if info["children"][j] and abs(int(info["children_difference"][j])) > tolerance_h:
                problems.append({"kind": "tolerance", "level": level, "code": info["codes"][j],
                                 "name": info["names"][j], "against": "units",
                                 "control_h": int(info["adjusted"][j]),
                                 "sum_h": int(info["children_sum"][j]),
                                 "difference_h": int(info["children_difference"][j])})
        text["code"] += list(info["codes"])
        text["level"] += [level] * m
        text["name"] += list(info["names"])
        text["parent"] += list(info["parent"])
        for k, v in (("control", info["control"]), ("adjusted_control", info["adjusted"]),
                     ("children", info["children"]), ("children_sum", info["children_sum"]),
                     ("children_difference", info["children_difference"]),
                     ("patches", info["count"]), ("sum_before", info["before"]),
                     ("difference", difference), ("changed_patches", changed),
                     ("max_change", max_change), ("sum_after", after)):
            ints.setdefault(k, []).append(v)
    units_frame = _units_frame(text, {k: np.concatenate(v) for k, v in ints.items()})
    return delta, units_frame, problems


def _adjust_dask(codes: np.ndarray, code_index: np.ndarray, area_h: np.ndarray, key: np.ndarray,
                 table: pd.DataFrame, tolerance_m2: float) -> tuple[np.ndarray, pd.DataFrame,
                                                                     list[dict[str, Any]]]:
    """County by county on the active dask scheduler; the same records as one block."""
    import dask

    tolerance_h = int(to_hundredths(np.array([tolerance_m2]))[0])
    county_of_code = np.array([c[:6] for c in codes], dtype=object)
    counties = sorted(set(county_of_code))
    table_county = table["code"].str[:6]
    levels = sorted(set(int(v) for v in table["level"]))  # as the local engine: of all the controls
    tasks, rows_of = [], []
    patch_county = county_of_code[code_index] if code_index.size else np.zeros(0, dtype=object)
    for county in counties:
        rows = np.flatnonzero(patch_county == county)
        local_codes = np.flatnonzero(county_of_code == county)
        remap = np.full(codes.size, -1, dtype=np.int64)
        remap[local_codes] = np.arange(local_codes.size)
        block = table[table_county == county].reset_index(drop=True)
        tasks.append(dask.delayed(_adjust_block, pure=True)(
            codes[local_codes], remap[code_index[rows]], area_h[rows], key[rows], block, tolerance_h,
            levels))
        rows_of.append(rows)
    results = dask.compute(*tasks) if tasks else ()
    delta = np.zeros(area_h.size, dtype=np.int64)
    frames, problems = [], []
    for rows, (d, units, probs) in zip(rows_of, results):
        delta[rows] = d
        if len(units):
            frames.append(units)
        for p in probs:
            if "rows" in p:
                p = {**p, "rows": rows[np.asarray(p["rows"], dtype=np.int64)].tolist()}
            problems.append(p)
    # controls of counties that have no patch: whole units without patches
    orphan = table[~table_county.isin(counties)]
    if len(orphan):
        _, o_units, o_probs = _adjust_block(np.zeros(0, dtype=str), np.zeros(0, dtype=np.int64),
                                            np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                                            orphan.reset_index(drop=True), tolerance_h, levels)
        frames.append(o_units)
        problems += o_probs
    units = pd.concat(frames) if frames else _empty_units()
    units = _sort_units(units)
    return delta, units, problems


def _sort_units(units: pd.DataFrame) -> pd.DataFrame:
    """Units top level first, then by code (the order of the local engine)."""
    lengths = np.array([len(str(c)) for c in units.index], dtype=np.int64)
    order = np.lexsort((units.index.to_numpy(dtype=str), lengths))
    return units.iloc[order]


def _refusal(problems: list[dict[str, Any]], index: pd.Index, label: str, tolerance_m2: float,
             code_field: str) -> ValidationError:
    """One ValidationError naming every problem, in a fixed order (level, then code)."""
    rank = {"county": 0, "township": 1, "village": 2}
    kinds = {"tolerance": 0, "empty": 1, "no_unit": 2, "no_parent": 3, "negative": 4}
    problems = sorted(problems, key=lambda p: (kinds[p["kind"]], rank.get(p.get("level", ""), 9),
                                               str(p.get("code", "")), str(p.get("against", ""))))
    zh_lines, lines, records = [], [], []
    for p in problems:
        name = f" {p['name']}" if p.get("name") else ""
        unit = f"{p.get('level', '')} {p.get('code', '')}" + name
        unit_zh = f"{LEVELS_ZH.get(p.get('level', ''), p.get('level', ''))} {p.get('code', '')}" + name
        if p["kind"] == "tolerance":
            d = p["difference_h"] / 100
            what = "its patches" if p["against"] == "patches" else "its units one level down"
            what_zh = "其图斑" if p["against"] == "patches" else "其下一级单位"
            meaning = ("the patches cover less than the control (a gap, or patches coded under another "
                       "unit)" if d > 0 else "the patches cover more than the control (an overlap, or "
                       "patches of another unit, or outside the unit, coded here)")
            meaning_zh = ("图斑覆盖少于控制面积（有缝隙，或有图斑编在其他单位下）" if d > 0
                          else "图斑覆盖多于控制面积（有重叠，或其他单位或单位之外的图斑编在此处）")
            if p["against"] == "units":
                meaning = ("the units below leave part of it uncovered (a gap between their polygons, or "
                           "a unit missing from the controls)" if d > 0 else "the units below cover more "
                           "than it (overlapping unit polygons, or a unit of another parent)")
                meaning_zh = ("下级单位没有覆盖它的全部（其面之间有缝隙，或控制面积中缺了某个单位）" if d > 0
                              else "下级单位覆盖多于它（单位的面相互重叠，或有属于其他上级的单位）")
            control, total = f"{p['control_h'] / 100:,.2f}", f"{p['sum_h'] / 100:,.2f}"
            zh_lines.append(f"{unit_zh}：控制面积 {control} m²，{what_zh} {total} m²，差值 {d:+,.2f} m²，"
                            f"超出限差 {tolerance_m2:g} m²：{meaning_zh}")
            lines.append(f"{unit}: control {control} m², {what} "
                         f"{total} m², difference {d:+,.2f} m² beyond the tolerance of "
                         f"{tolerance_m2:g} m²: {meaning}")
            records.append({"kind": "tolerance", "level": p["level"], "code": p["code"],
                            "against": p["against"], "difference_m2": d})
        elif p["kind"] == "empty":
            control = f"{p['control_h'] / 100:,.2f}"
            zh_lines.append(f"{unit_zh}：没有图斑（控制面积 {control} m²）。修正：控制面积中不要列出图斑范围"
                            "之外的单位，或补上它们的图斑")
            lines.append(f"{unit}: no patches (control {control} m²). Fix: leave "
                         "units outside the patches' area out of the controls, or add their patches")
            records.append({"kind": "empty", "level": p["level"], "code": p["code"]})
        elif p["kind"] == "no_unit":
            rows = list(index[p["rows"]])
            level_zh = LEVELS_ZH.get(p["level"], p["level"])
            ids = format_ids(rows, limit=10)
            zh_lines.append(f"{code_field} 以 {p['code']} 开头的图斑没有{level_zh}级控制面积"
                            f"（{len(rows)} 个图斑，第 {ids} 行）。修正：给{level_zh} {p['code']} "
                            "一个控制面积，或更正代码")
            lines.append(f"patches whose {code_field} begins {p['code']} have no {p['level']} control "
                         f"({len(rows)} patches, row(s) {ids}). Fix: give the "
                         f"{p['level']} {p['code']} a control, or correct the codes")
            records.append({"kind": "no_unit", "level": p["level"], "code": p["code"], "rows": rows})
        elif p["kind"] == "no_parent":
            parent_zh = LEVELS_ZH.get(p["parent_level"], p["parent_level"])
            zh_lines.append(f"{unit_zh}：其所属{parent_zh} {p['parent']} 没有控制面积。修正：各级控制面积"
                            "应覆盖同一范围")
            lines.append(f"{unit}: its {p['parent_level']} {p['parent']} has no control. Fix: give "
                         "every level's controls for the same area")
            records.append({"kind": "no_parent", "level": p["level"], "code": p["code"]})
        else:
            rows = list(index[p["rows"]])
            zh_lines.append(f"第 {format_ids(rows)} 行平差后的面积会为负")
            lines.append(f"the adjusted area would be negative in row(s) {format_ids(rows)}")
            records.append({"kind": "negative", "rows": rows})
    text = msg(f"{label}：面积平差被拒绝，{len(zh_lines)} 个问题：\n"
               + "\n".join(f"- {line}" for line in zh_lines),
               f"{label}: the adjustment is refused (面积平差被拒绝), {len(lines)} problem(s):\n"
               + "\n".join(f"- {line}" for line in lines))
    return ValidationError(text, records)
