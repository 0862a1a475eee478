"""Land consolidation (土地综合整治 / 土地整治项目): scale, new farmland, investment.

:func:`consolidation_summary` tabulates land-consolidation projects per
project or per township (or any grouping field), with the total available
as ``table("projects", total=True)``: construction scale 建设规模 (the
declared JSGM and the survey ellipsoidal area of the project polygon, with
any difference above 0.01 ha flagged), newly added farmland 新增耕地 and its
rate (new ÷ scale), investment 投资 (万元) and investment per hectare. Given
the land-use survey layers before and after the works, it also measures the
new farmland (farmland area inside the project after − before, by overlay)
and compares it with the declared figure. It returns a
:class:`ConsolidationResult` (the result contract of :mod:`xigeo._result`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._landuse import FARMLAND_CODES, matches
from ._lang import language, msg
from ._layers import describe, geometries, numeric_field
from ._options import non_negative
from ._result import Result, TableSpec, Total
from ._survey import class_codes, ha, overlay_m2
from ._tables import check_rows, require_fields
from .area import AreaMethod, area
from .crs import check_crs, check_same_crs
from .errors import OptionError, ValidationError, format_ids

__all__ = ["ConsolidationResult", "consolidation_summary", "CONSOLIDATION_COLUMNS_ZH"]

logger = logging.getLogger(__name__)

#: Chinese report headers (``table("projects", labels="zh")``).
CONSOLIDATION_COLUMNS_ZH: dict[str, str] = {
    "XMMC": "项目名称",
    "projects": "项目个数",
    "scale_ha": "建设规模(公顷)",
    "scale_measured_ha": "椭球面积(公顷)",
    "scale_diff_ha": "面积差(公顷)",
    "scale_mismatch": "面积不符",
    "scale_mismatches": "面积不符项目数",
    "new_farmland_ha": "新增耕地面积(公顷)",
    "new_farmland_rate_pct": "新增耕地率(%)",
    "investment_wan_yuan": "投资(万元)",
    "investment_wan_yuan_per_ha": "公顷投资(万元/公顷)",
    "farmland_before_ha": "整治前耕地(公顷)",
    "farmland_after_ha": "整治后耕地(公顷)",
    "new_farmland_measured_ha": "实测新增耕地(公顷)",
    "new_farmland_diff_ha": "实测与申报新增耕地差(公顷)",
}

#: ratios of the total row, recomputed from the summed columns (not summed themselves)
_RATIOS = {"new_farmland_rate_pct": ("new_farmland_ha", "scale_ha", 100.0),
           "investment_wan_yuan_per_ha": ("investment_wan_yuan", "scale_ha", 1.0)}


@dataclasses.dataclass(frozen=True, repr=False)
class ConsolidationResult(Result):
    """What :func:`consolidation_summary` found (the result contract of :mod:`xigeo._result`).

    Attributes
    ----------
    projects : DataFrame
        One row per project (index: ``id_field``) or per group (index:
        ``by``); the columns are listed in :func:`consolidation_summary`.
        ``table("projects", total=True)`` adds the 合计 row, with the rate and
        the per-ha investment recomputed from the sums.
    by : str or None
        The grouping field, None for one row per project.
    method : str
        The area method the measured figures were computed with.

    ``summary("zh")`` / ``summary("en")``: projects, scale, new farmland
    (and its rate) and investment, in one language each.
    """

    TITLE: ClassVar[tuple[str, str]] = ("土地综合整治", "Land consolidation")
    TABLES: ClassVar[dict[str, TableSpec]] = {
        "projects": TableSpec("土地综合整治", "land consolidation projects", CONSOLIDATION_COLUMNS_ZH,
                              total=Total(ratios=_RATIOS),
                              note_zh="合计行的新增耕地率、公顷投资由合计数重算，不是各行相加。"),
    }

    projects: pd.DataFrame
    by: str | None = None
    method: str = "ellipsoidal"

    def _summary(self, lang: str) -> str:
        table = self.projects
        n = int(table["projects"].sum()) if "projects" in table.columns else len(table)
        scale = table["scale_ha"].sum()
        new = table["new_farmland_ha"].sum()
        inv = table["investment_wan_yuan"].sum()
        rate = new / scale * 100 if scale else float("nan")
        if lang == "zh":
            return (f"土地整治：项目{n}个，建设规模{scale:,.2f}公顷，新增耕地{new:,.2f}公顷"
                    f"（新增耕地率{rate:.2f}%），投资{inv / 1e4:,.2f}亿元。")
        return (f"Land consolidation: {n} projects, scale {scale:,.2f} ha, new farmland {new:,.2f} ha "
                f"({rate:.2f} %), investment {inv / 1e4:,.2f} × 10⁸ yuan ({inv:,.2f} × 10⁴ yuan).")


def consolidation_summary(projects: Any, *, landuse_before: Any = None, landuse_after: Any = None,
                          by: str | None = None, townships: Any = None,
                          id_field: str = "XMBH", name_field: str | None = "XMMC",
                          scale_field: str = "JSGM", new_farmland_field: str = "XZGDMJ",
                          investment_field: str = "TZJE", landuse_field: str = "DLBM",
                          farmland_codes: Sequence[str] = FARMLAND_CODES,
                          scale_tolerance_ha: float = 0.01,
                          method: str | AreaMethod = "ellipsoidal") -> ConsolidationResult:
    """Land-consolidation projects: scale, new farmland, investment, per project or group.

    Parameters
    ----------
    projects : GeoDataFrame
        One polygon per project, with the fields below.
    landuse_before, landuse_after : GeoDataFrame, optional
        Land-use survey patches before and after the works (class field
        ``landuse_field``). Given both, the new farmland is measured: area of
        farmland (``farmland_codes``, default 01xx) inside each project after
        − before, from the overlay pieces' areas, and compared with the
        declared figure.
    by : str, optional
        Group the projects by this field of ``projects`` (e.g. ``XZQMC``
        乡镇名称) and return one row per group. With ``townships``, the field
        of the townships layer instead (default ``XZQMC``).
    townships : GeoDataFrame, optional
        Township polygons: each project is given the township holding the
        largest part of its area (a spatial join), for projects without a
        township field or to check it.
    id_field : str
        Project id field, the index of the table (default ``XMBH`` 项目编号).
    name_field : str or None
        Project name field carried into the per-project table (default
        ``XMMC``; skipped when absent).
    scale_field, new_farmland_field, investment_field : str
        Fields of the declared construction scale 建设规模 (ha, default
        ``JSGM``), new farmland 新增耕地 (ha, ``XZGDMJ``) and investment
        (万元, ``TZJE``).
    scale_tolerance_ha : float
        ``scale_mismatch`` is set when the declared scale and the polygon's
        measured area differ by more than this (default 0.01 ha).
    method : {"ellipsoidal", "geodesic", "planar"}
        How the polygons and overlay pieces are measured: the survey
        ellipsoidal area (default, the official figures), Karney's geodesic
        area, or the plane area of the projected CRS (see :func:`xigeo.area`).

    Returns
    -------
    ConsolidationResult
        ``projects``, indexed by project id (or by ``by``). Columns:
        ``XMMC``, ``scale_ha`` (declared), ``scale_measured_ha`` (measured
        area), ``scale_diff_ha`` (declared − measured), ``scale_mismatch``,
        ``new_farmland_ha``, ``new_farmland_rate_pct`` (new ÷ declared scale
        × 100), ``investment_wan_yuan``, ``investment_wan_yuan_per_ha``
        (investment ÷ declared scale); with both land-use layers
        ``farmland_before_ha``, ``farmland_after_ha``,
        ``new_farmland_measured_ha``, ``new_farmland_diff_ha`` (measured −
        declared). Grouped tables have ``projects`` (count) and
        ``scale_mismatches`` (count) instead of the name and flag.
        ``table("projects", labels="zh", total=True)`` is the report table;
        ``summary()`` the one-paragraph summary.

    Raises
    ------
    SchemaError
        Required fields missing (all listed).
    ValidationError
        Duplicate or missing project ids; non-numeric, missing or negative
        scale, new farmland or investment; new farmland larger than the scale
        (row ids named).
    OptionError
        Only one of ``landuse_before`` / ``landuse_after``, a negative
        ``scale_tolerance_ha`` or an unknown ``method``.
    CRSError
        A layer without a CRS, or layers in different CRSs.

    Examples
    --------
    Two projects of 100 m × 100 m (about 1 ha each) in one township:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> x, y = 38_560_000, 3_580_000
    >>> projects = gpd.GeoDataFrame(
    ...     {"XMBH": ["Z1", "Z2"], "XZQMC": ["夏庄镇", "夏庄镇"], "JSGM": [1.0, 1.0],
    ...      "XZGDMJ": [0.1, 0.3], "TZJE": [30.0, 50.0]},
    ...     geometry=[box(x, y, x + 100, y + 100), box(x + 200, y, x + 300, y + 100)], crs=4526)
    >>> result = consolidation_summary(projects)
    >>> result.table("projects", total=True)[["new_farmland_ha", "new_farmland_rate_pct",
    ...                                        "investment_wan_yuan_per_ha"]]
          new_farmland_ha  new_farmland_rate_pct  investment_wan_yuan_per_ha
    XMBH
    Z1                0.1                   10.0                        30.0
    Z2                0.3                   30.0                        50.0
    合计                0.4                   20.0                        40.0
    >>> result.projects["scale_mismatch"].tolist()   # 1 ha declared, 0.9999 ha measured
    [False, False]
    >>> print(result.summary())
    土地整治：项目2个，建设规模2.00公顷，新增耕地0.40公顷（新增耕地率20.00%），投资0.01亿元。
    >>> consolidation_summary(projects, by="XZQMC").table(labels="zh")[["项目个数", "建设规模(公顷)"]]
           项目个数  建设规模(公顷)
    XZQMC
    夏庄镇       2       2.0
    """
    scale_tolerance_ha = non_negative(scale_tolerance_ha, name="scale_tolerance_ha")
    method = AreaMethod.create(method).value
    if (landuse_before is None) != (landuse_after is None):
        raise OptionError(msg("landuse_before 与 landuse_after 要么都给出（新增耕地 = 整治后 − 整治前），"
                              "要么都不给",
                              "give both landuse_before and landuse_after (the new farmland is after − "
                              "before), or neither"))
    label = describe(projects, "projects")
    check_crs(projects, name=label)
    extra = [(landuse_before, describe(landuse_before, "landuse_before")),
             (landuse_after, describe(landuse_after, "landuse_after")),
             (townships, describe(townships, "townships"))]
    extra = [(layer, name) for layer, name in extra if layer is not None]
    for layer, name in extra:
        check_crs(layer, name=name)
    crs = check_same_crs(projects, *(layer for layer, _ in extra),
                         names=(label, *(name for _, name in extra)))
    town_field = (by or "XZQMC") if townships is not None else None
    if town_field is not None:
        by = town_field
        require_fields(townships, [town_field], name=describe(townships, "townships"))
    require_fields(projects, [id_field, scale_field, new_farmland_field, investment_field]
                   + ([by] if by and townships is None else []), name=label)
    if landuse_before is not None:
        for layer, name in extra[:2]:
            require_fields(layer, [landuse_field], name=name)

    ids = projects[id_field]
    check_rows(projects, ids.isna(), msg(f"没有项目编号（{id_field}）", f"no project id ({id_field})"),
               name=label)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        shown = format_ids(sorted(set(ids[dup].astype(str))))
        raise ValidationError(msg(f"{label}：项目编号 {id_field} 重复：{shown}",
                                  f"{label}: project id {id_field} not unique: {shown}"), list(ids[dup]))
    geoms = geometries(projects, label)
    frame = projects.set_index(pd.Index(ids.astype(str), name=id_field))

    values = {}
    for field, what, what_zh in ((scale_field, "construction scale", "建设规模"),
                                 (new_farmland_field, "new farmland", "新增耕地"),
                                 (investment_field, "investment", "投资")):
        v = numeric_field(frame, field, label)
        check_rows(frame, v.isna(), msg(f"没有{what_zh}（{field}）", f"no {what} ({field})"), name=label)
        check_rows(frame, v < 0, msg(f"{what_zh} {field} 为负", f"negative {what} {field}"), name=label)
        values[field] = v
    check_rows(frame, values[new_farmland_field] > values[scale_field],
               msg(f"新增耕地 {new_farmland_field} 大于建设规模 {scale_field}",
                   f"new farmland {new_farmland_field} larger than the construction scale {scale_field}"),
               name=label)

    table = pd.DataFrame(index=frame.index)
    if name_field and name_field in frame.columns:
        table[name_field] = frame[name_field]
    measured = area(projects, method=method, unit="ha").to_numpy()
    table["scale_ha"] = values[scale_field]
    table["scale_measured_ha"] = measured
    table["scale_diff_ha"] = values[scale_field] - measured
    table["scale_mismatch"] = table["scale_diff_ha"].abs() > scale_tolerance_ha + 1e-9
    if table["scale_mismatch"].any():
        logger.warning(msg("%s：申报的 %s 与图斑的 %s 面积相差超过 %.2f 公顷：%s",
                           "%s: declared %s differs from the polygon's %s area by more than "
                           "%.2f ha for %s"), label, scale_field, method, scale_tolerance_ha,
                       format_ids(table.index[table["scale_mismatch"]]))
    table["new_farmland_ha"] = values[new_farmland_field]
    table["investment_wan_yuan"] = values[investment_field]
    if landuse_before is not None:
        for key, layer, name in (("before", landuse_before, extra[0][1]), ("after", landuse_after, extra[1][1])):
            pieces = overlay_m2(geoms, np.asarray(layer.geometry.values, dtype=object), crs,
                                label=f"{label} × {name}", method=method)
            codes = class_codes(layer, landuse_field, name).iloc[pieces["patch"].to_numpy()]
            farm = matches(codes, farmland_codes)
            table[f"farmland_{key}_ha"] = ha(np.bincount(pieces["zone"], weights=np.where(farm, pieces["m2"], 0.0),
                                                         minlength=len(table)))
        table["new_farmland_measured_ha"] = table["farmland_after_ha"] - table["farmland_before_ha"]
        table["new_farmland_diff_ha"] = table["new_farmland_measured_ha"] - table["new_farmland_ha"]
    if town_field is not None:
        table[town_field] = _township_of(geoms, townships, town_field, crs, label, method)
    elif by:
        table[by] = frame[by]

    if by:
        table = _grouped(table, by, name_field)
    result = ConsolidationResult(projects=_with_ratios(table), by=by, method=method)
    logger.info("%s", result.summary(language()))
    return result


def _with_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Insert the rate and per-ha columns after the figures they are made of."""
    scale = table["scale_ha"].where(table["scale_ha"] > 0)
    table.insert(_after(table, "new_farmland_ha"), "new_farmland_rate_pct",
                 table["new_farmland_ha"] / scale * 100.0)
    table.insert(_after(table, "investment_wan_yuan"), "investment_wan_yuan_per_ha",
                 table["investment_wan_yuan"] / scale)
    return table


def _after(table: pd.DataFrame, column: str) -> int:
    """Position just after ``column``."""
    return list(table.columns).index(column) + 1


def _grouped(table: pd.DataFrame, by: str, name_field: str | None) -> pd.DataFrame:
    check_rows(table, table[by].isna(), msg(f"没有用于分组的 {by}", f"no {by} to group by"), name="projects")
    sums = [c for c in table.columns if c not in (by, name_field, "scale_mismatch")]
    grouped = table.groupby(by, sort=False)
    out = grouped[sums].sum()
    out.insert(0, "projects", grouped.size())
    out.insert(_after(out, "scale_diff_ha"), "scale_mismatches",
               grouped["scale_mismatch"].sum().astype("int64"))
    return out


def _township_of(geoms: np.ndarray, townships: Any, field: str, crs: Any, label: str,
                 method: str) -> np.ndarray:
    """The ``field`` value of the township holding the largest part of each project."""
    name = describe(townships, "townships")
    pieces = overlay_m2(geoms, geometries(townships, name), crs, label=f"{label} × {name}",
                        method=method)
    out = np.full(len(geoms), None, dtype=object)
    if len(pieces):
        best = pieces.sort_values("m2", ascending=False).drop_duplicates("zone")
        out[best["zone"].to_numpy()] = townships[field].to_numpy(dtype=object)[best["patch"].to_numpy()]
        split = pieces.groupby("zone").size()
        if (split > 1).any():
            logger.info(msg("%s：%d 个项目跨多个乡镇；每个项目计入其面积最大的乡镇",
                            "%s: %d project(s) lie in more than one township; each is counted in the "
                            "one holding most of its area"), label, int((split > 1).sum()))
    missing = pd.isna(out)
    if missing.any():
        rows = format_ids(np.flatnonzero(missing))
        raise ValidationError(msg(f"{label}：第 {rows} 行项目不在 {name} 的任何乡镇内",
                                  f"{label}: project row(s) {rows} lie in no township of {name}"),
                              list(np.flatnonzero(missing)))
    return out
