"""Urban–rural construction-land linkage (城乡建设用地增减挂钩 / 人地挂钩): the quota balance.

A linkage project has demolition zones (拆旧区: rural construction land,
mostly homesteads, demolished and reclaimed to farmland) and new-build zones
(建新区: where the construction-land quota is used). :func:`linkage_balance`
measures both kinds of zones, overlays the new-build zones with the land-use
survey patches under them, and works out per project and in total:

- demolition area 拆旧区面积 and reclaimed area 复垦面积 (and of it reclaimed
  farmland 复垦耕地);
- new-build area 建新区面积, of which construction land already
  (原有建设用地, needs no quota), agricultural land 农用地, farmland 耕地 and
  unused land 未利用地;
- quota used 使用指标 = new-build − construction land already there;
- surplus quota 节余指标 = reclaimed − quota used;

and checks the rules of DOMAIN.md per project: no new-build zone on permanent
basic farmland; demolition ≥ new-build; reclaimed farmland ≥ farmland
occupied; all zones of a project in one county. It returns a
:class:`LinkageResult` (the result contract of :mod:`xigeo._result`).

All areas are survey ellipsoidal areas (:func:`xigeo.area.area`, 三调 rules)
unless ``method=`` asks for another; the pieces of the overlay are measured
the same way. The overlay is vectorised: one :class:`shapely.STRtree` query
for all zone/patch pairs, one :func:`shapely.intersection` call on the pairs,
one area call on the pieces. The land-use code groups are those of
:mod:`xigeo._landuse` (re-exported here).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import shapely

from ._landuse import AGRICULTURAL_CODES, CONSTRUCTION_CODES, FARMLAND_CODES, matches
from ._lang import language, msg
from ._layers import describe, geometries, numeric_field, require_features
from ._options import fraction, non_negative
from ._result import TOTAL_LABEL, Result, TableSpec, Total
from ._survey import class_codes, ha, overlay_m2
from ._tables import check_rows, require_fields
from .area import AreaMethod, area
from .crs import check_crs, check_same_crs
from .errors import ValidationError, format_ids
from .units import AreaUnit, convert_area

__all__ = [
    "LinkageResult", "linkage_balance", "CONSTRUCTION_CODES", "AGRICULTURAL_CODES", "FARMLAND_CODES",
    "LINKAGE_COLUMNS_ZH",
]

logger = logging.getLogger(__name__)

#: The rules checked, with their Chinese names.
RULES: dict[str, str] = {
    "basic_farmland": "建新区不得占用永久基本农田",
    "demolition_ge_newbuild": "拆旧区面积不小于建新区面积",
    "reclaimed_farmland_ge_occupied": "复垦耕地不少于建新区占用耕地",
    "one_county": "项目区在同一县域内",
}

#: Chinese report headers of the result tables (``table(name, labels="zh")``).
LINKAGE_COLUMNS_ZH: dict[str, str] = {
    "status": "批准状态",
    "approved": "是否批准",
    "projects": "项目个数",
    "demolition_zones": "拆旧区个数",
    "newbuild_zones": "建新区个数",
    "demolition_ha": "拆旧区面积(公顷)",
    "reclaimed_ha": "复垦面积(公顷)",
    "reclaimed_farmland_ha": "复垦耕地面积(公顷)",
    "newbuild_ha": "建新区面积(公顷)",
    "construction_ha": "建新区原有建设用地(公顷)",
    "agricultural_ha": "建新区占用农用地(公顷)",
    "farmland_ha": "建新区占用耕地(公顷)",
    "unused_ha": "建新区占用未利用地(公顷)",
    "basic_farmland_ha": "建新区占用永久基本农田(公顷)",
    "quota_used_ha": "使用挂钩指标(公顷)",
    "surplus_ha": "节余指标(公顷)",
    "passed": "规则检查通过",
    "project": "项目",
    "rule": "规则",
    "rule_zh": "规则名称",
    "zones": "不符合的地块",
    "detail": "说明(英文)",
    "detail_zh": "说明",
}

#: index label of the approved projects' total row of ``table("projects", total=True)``
APPROVED_TOTAL = "已批准合计"
_TOTALS_ZH = {"approved": "批准项目合计", "declared": "申报项目合计"}

_AREA_COLUMNS = ["demolition_ha", "reclaimed_ha", "reclaimed_farmland_ha", "newbuild_ha",
                 "construction_ha", "agricultural_ha", "farmland_ha", "unused_ha",
                 "basic_farmland_ha", "quota_used_ha", "surplus_ha"]


@dataclasses.dataclass(frozen=True, repr=False)
class LinkageResult(Result):
    """What :func:`linkage_balance` found (the result contract of :mod:`xigeo._result`).

    Attributes
    ----------
    projects : DataFrame
        One row per project (index: the project field ``by``, e.g. XMMC):
        status, zone counts, areas in ha (see :func:`linkage_balance`),
        ``passed``. ``table("projects", total=True)`` adds two rows:
        已批准合计 (approved projects) and 合计 (every declared project).
    violations : DataFrame
        One row per broken rule and project: ``project``, ``status``,
        ``rule`` (key of :data:`RULES`), ``rule_zh``, ``zones`` (the failing
        zone ids, comma-separated), ``detail`` and ``detail_zh`` (what is wrong, in
        English and in Chinese). Empty when every rule holds.
    totals : DataFrame
        Rows ``approved`` (over the approved projects: the report's figures)
        and ``declared`` (over every project), with ``projects`` = the count;
        ``table("totals", labels="zh")`` labels them 批准项目合计 / 申报项目合计.
    passed : bool
        True when no rule is broken by any project.
    notes : tuple of str
        Rules that could not be checked and assumptions made (e.g. no
        reclaimed-class field: everything reclaimed counted as farmland),
        each in Chinese and English.
    method : str
        The area method every area was measured with.

    ``summary("zh")`` / ``summary("en")``: the approved projects' figures and
    the verdict of the rule checks, in one language each.
    """

    TITLE: ClassVar[tuple[str, str]] = ("城乡建设用地增减挂钩", "Urban-rural construction-land linkage")
    TABLES: ClassVar[dict[str, TableSpec]] = {
        "projects": TableSpec("增减挂钩项目", "linkage projects", LINKAGE_COLUMNS_ZH,
                              total=Total()),
        "violations": TableSpec("规则检查", "rule checks", LINKAGE_COLUMNS_ZH,
                                hidden_zh=("rule", "detail")),
        "totals": TableSpec("增减挂钩合计", "linkage totals", LINKAGE_COLUMNS_ZH, index_zh=_TOTALS_ZH,
                            index_name_zh="汇总"),
    }

    projects: pd.DataFrame
    violations: pd.DataFrame
    totals: pd.DataFrame
    passed: bool
    notes: tuple[str, ...] = ()
    method: str = "ellipsoidal"

    def _total(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The projects with two total rows: 已批准合计 (approved) and 合计 (declared)."""
        if name != "projects":
            return super()._total(name, frame)
        rows = self.totals.drop(columns="projects").rename(index={"approved": APPROVED_TOTAL,
                                                                  "declared": TOTAL_LABEL})
        out = pd.concat([frame, rows.astype({c: frame[c].dtype for c in rows.columns
                                             if c.endswith("_zones")})])
        out.index.name = frame.index.name
        return out

    def _total_groups(self, name: str, frame: pd.DataFrame) -> list[tuple[Any, np.ndarray]]:
        """已批准合计 adds up the approved projects; 合计 all of them (the approved rows as printed)."""
        if name != "projects":
            return super()._total_groups(name, frame)
        body = ~np.isin(np.asarray(frame.index, dtype=object), [APPROVED_TOTAL, TOTAL_LABEL])
        approved = body & (frame["approved"].to_numpy() == True)  # noqa: E712 (object column)
        return [(APPROVED_TOTAL, approved), (TOTAL_LABEL, body)]

    def _summary(self, lang: str) -> str:
        a = self.totals.loc["approved"]
        counts: dict[Any, int] = self.totals["projects"].astype(int).to_dict()
        n_declared, n_approved = counts["declared"], counts["approved"]
        failing = list(dict.fromkeys(self.violations["project"]))
        if lang == "zh":
            text = (f"增减挂钩：申报项目{n_declared}个，其中批准{n_approved}个；批准项目建新区面积"
                    f"{a['newbuild_ha']:.2f}公顷，拆旧区面积{a['demolition_ha']:.2f}公顷，建新区内原有建设用地"
                    f"{a['construction_ha']:.2f}公顷，使用指标{a['quota_used_ha']:.2f}公顷，节余指标"
                    f"{a['surplus_ha']:.2f}公顷。")
            if failing:
                return text + f"规则检查：{len(failing)}个项目不符合（{'、'.join(map(str, failing))}）。"
            return text + "规则检查：全部符合。"
        text = (f"Linkage: {n_declared} projects declared, {n_approved} approved; approved: new-build "
                f"{a['newbuild_ha']:.2f} ha, demolition {a['demolition_ha']:.2f} ha, construction land "
                f"already in the new-build zones {a['construction_ha']:.2f} ha, quota used "
                f"{a['quota_used_ha']:.2f} ha, surplus quota {a['surplus_ha']:.2f} ha.")
        text += (f" Rule checks: {len(failing)} project(s) break a rule." if failing
                 else " Rule checks: all passed.")
        if self.notes:
            text += f" ({len(self.notes)} note(s): see .notes)"
        return text


def _check_no_overlap(geoms: np.ndarray, ids: np.ndarray, label: str, *, tolerance_m2: float = 1.0) -> None:
    """Refuse zones of one layer that overlap each other (their area would be counted twice)."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if not len(left):
        return
    try:
        shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    except shapely.errors.GEOSException as err:
        raise ValidationError(msg(f"{label}：区块无法求交（{err}）；请用 xigeo.validate_layer 检查，"
                                  "用 xigeo.repair 修复",
                                  f"{label}: the zones cannot be intersected ({err}); check them with "
                                  "xigeo.validate_layer and fix them with xigeo.repair")) from None
    bad = shared > tolerance_m2
    if bad.any():
        pairs = [f"{ids[i]} & {ids[j]} ({a:,.2f} m²)" for i, j, a in zip(left[bad], right[bad], shared[bad])]
        shown = format_ids(pairs)
        raise ValidationError(msg(f"{label}：区块相互重叠，重叠面积会被计算两次：{shown}。"
                                  "解决：裁去重叠部分（每块土地只属于一个区块）",
                                  f"{label}: zones overlap, their common area would be counted twice: "
                                  f"{shown}. Fix: cut the overlaps (each piece of land "
                                  "belongs to one zone)"), pairs)


# ---------------------------------------------------------------------------
# the calculator


def linkage_balance(demolition: Any, newbuild: Any, *, landuse: Any, farmland: Any = None,
                    by: str = "XMMC", status_field: str | None = "PZZT",
                    approved: str | Sequence[str] = ("已批准",),
                    demolition_id_field: str | None = None, newbuild_id_field: str | None = None,
                    landuse_field: str = "DLBM",
                    construction_codes: Sequence[str] = CONSTRUCTION_CODES,
                    agricultural_codes: Sequence[str] = AGRICULTURAL_CODES,
                    farmland_codes: Sequence[str] = FARMLAND_CODES,
                    reclaimed_field: str | None = None, reclaimed_unit: str = "ha",
                    reclaim_ratio: float = 1.0, reclaim_class_field: str | None = None,
                    county: Any = None, county_field: str = "XZQDM",
                    location_field: str = "ZLDWDM",
                    tolerance_m2: float = 0.0, coverage_tolerance_m2: float = 1.0,
                    method: str | AreaMethod = "ellipsoidal") -> LinkageResult:
    """Quota balance and rule checks of linkage projects (增减挂钩 / 人地挂钩).

    Parameters
    ----------
    demolition : GeoDataFrame
        Demolition zones 拆旧区, one polygon per zone, with the project field
        ``by`` and the status field ``status_field``.
    newbuild : GeoDataFrame
        New-build zones 建新区, same fields.
    landuse : GeoDataFrame
        Land-use survey patches 地类图斑 (DLTB) with the class field
        ``landuse_field``; they must cover the new-build zones (up to
        ``coverage_tolerance_m2`` per zone) without overlapping.
    farmland : GeoDataFrame, optional
        Permanent basic farmland 永久基本农田 (JBNT). Without it the
        basic-farmland rule is not checked (said in ``notes``).
    by : str
        Project field, the index of the result (default ``XMMC`` 项目名称).
    status_field, approved
        Status field (default ``PZZT`` 批准状态) and the value(s) meaning
        approved (default 已批准); other values count as declared only. The
        zones of one project must agree. ``status_field=None``: every project
        is approved.
    demolition_id_field, newbuild_id_field : str, optional
        Zone id fields, used to name zones in the violation list and in
        errors: the named field; by default (None) ``CJQBH`` / ``JXQBH`` when
        the layer has that field, else the layer's index. A zone with a
        blank id is named by its index.
    landuse_field : str
        Land-use class field of ``landuse`` (default ``DLBM``).
    construction_codes, agricultural_codes, farmland_codes : sequence of str
        Class-code prefixes of construction land 建设用地 (no quota needed;
        default :data:`CONSTRUCTION_CODES`: 05–09, 1001–1005, 1007–1009,
        1109, 1201), agricultural land 农用地 (:data:`AGRICULTURAL_CODES`)
        and farmland 耕地 (``01``). Land in neither of the first two counts as
        unused land 未利用地. Every class that is not construction land needs quota.
    reclaimed_field : str, optional
        Field of ``demolition`` with the reclaimed area of each zone (in
        ``reclaimed_unit``, default ha). Without it the reclaimed area is the
        zone's area × ``reclaim_ratio`` (a share from 0 to 1, default 1:
        reclaimed whole).
    reclaim_class_field : str, optional
        Field with the class each zone is reclaimed to; default ``FKDL`` 复垦地类
        when present. Only reclaimed area of a farmland class counts as
        reclaimed farmland; without the field all of it does (said in ``notes``).
    county, county_field, location_field
        For the one-county rule: a county polygon layer with the code field
        ``county_field`` (each zone's county = the counties it overlaps);
        without it the county is the first 6 digits of the location code
        ``location_field`` (ZLDWDM 坐落单位代码) of the zone, or, for zones
        without that field, of the land-use patches under it. Without either
        the rule is not checked (said in ``notes``).
    tolerance_m2 : float
        A new-build zone breaks the basic-farmland rule when its overlap with
        ``farmland`` exceeds this (default 0: any overlap with area).
    coverage_tolerance_m2 : float
        Largest gap between a new-build zone's area and the area of the
        land-use pieces under it before the call is refused (gaps in or
        overlaps between the patches would make the quota wrong).
    method : {"ellipsoidal", "geodesic", "planar"}
        How every area (zones and overlay pieces) is measured: the survey
        ellipsoidal area (default, the official figures), Karney's geodesic
        area, or the plane area of the projected CRS (see :func:`xigeo.area`).

    Returns
    -------
    LinkageResult
        ``projects`` columns: ``status``, ``approved``, ``demolition_zones``,
        ``newbuild_zones``, ``demolition_ha``, ``reclaimed_ha``,
        ``reclaimed_farmland_ha``, ``newbuild_ha``, ``construction_ha``,
        ``agricultural_ha``, ``farmland_ha``, ``unused_ha`` (the last four
        split the new-build area), ``basic_farmland_ha`` (NaN without
        ``farmland``), ``quota_used_ha`` = newbuild − construction,
        ``surplus_ha`` = reclaimed − quota used, ``passed``. Areas are
        unrounded sums of per-zone / per-piece areas (each to 0.01 m² with
        the survey method). Also ``violations``, ``totals``, ``passed``,
        ``notes``; ``table(name, labels="zh", total=True)`` for report tables.

    Raises
    ------
    SchemaError
        A required field is missing (all missing fields are listed).
    ValidationError
        Zones without geometry or project, projects whose zones disagree on
        the status, negative or excessive reclaimed areas, land-use patches
        without a class, or land-use patches that do not cover a new-build
        zone (row / zone ids named).
    OptionError
        A bad option value: ``reclaim_ratio`` outside 0–1, a negative
        tolerance, an unknown ``method`` or ``reclaimed_unit``.
    CRSError
        A layer without a CRS, or layers in different CRSs.

    Examples
    --------
    One project: a 200 m × 100 m homestead demolished, a 100 m × 100 m
    new-build zone half on a highway (construction land) and half on dry land:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> x, y = 38_560_000, 3_580_000
    >>> demolition = gpd.GeoDataFrame({"XMMC": ["甲"], "PZZT": ["已批准"], "CJQBH": ["C1"]},
    ...                               geometry=[box(x + 1000, y, x + 1200, y + 100)], crs=4526)
    >>> newbuild = gpd.GeoDataFrame({"XMMC": ["甲"], "PZZT": ["已批准"], "JXQBH": ["J1"]},
    ...                             geometry=[box(x, y, x + 100, y + 100)], crs=4526)
    >>> landuse = gpd.GeoDataFrame({"DLBM": ["1003", "0103"]},
    ...     geometry=[box(x, y, x + 50, y + 100), box(x + 50, y, x + 100, y + 100)], crs=4526)
    >>> result = linkage_balance(demolition, newbuild, landuse=landuse)
    >>> result.passed
    True
    >>> result.projects[["demolition_ha", "newbuild_ha", "construction_ha", "quota_used_ha",
    ...                  "surplus_ha"]].round(4)
          demolition_ha  newbuild_ha  construction_ha  quota_used_ha  surplus_ha
    XMMC
    甲            1.9998       0.9999           0.4999            0.5      1.4998
    >>> result.table("projects", labels="zh", total=True)[["拆旧区面积(公顷)", "节余指标(公顷)"]].round(2)
           拆旧区面积(公顷)  节余指标(公顷)
    项目名称
    甲            2.0       1.5
    已批准合计        2.0       1.5
    合计           2.0       1.5
    >>> print(result.summary())
    增减挂钩：申报项目1个，其中批准1个；批准项目建新区面积1.00公顷，拆旧区面积2.00公顷，建新区内原有建设用地0.50公顷，使用指标0.50公顷，节余指标1.50公顷。规则检查：全部符合。
    >>> print(result.summary("en"))
    Linkage: 1 projects declared, 1 approved; approved: new-build 1.00 ha, demolition 2.00 ha, construction land already in the new-build zones 0.50 ha, quota used 0.50 ha, surplus quota 1.50 ha. Rule checks: all passed. (4 note(s): see .notes)
    """
    reclaim_ratio = fraction(reclaim_ratio, name="reclaim_ratio")
    tolerance_m2 = non_negative(tolerance_m2, name="tolerance_m2")
    coverage_tolerance_m2 = non_negative(coverage_tolerance_m2, name="coverage_tolerance_m2")
    method = AreaMethod.create(method).value
    unit = AreaUnit.create(reclaimed_unit)
    approved_values = {approved} if isinstance(approved, str) else set(approved)
    names = {"demolition": describe(demolition, "demolition"), "newbuild": describe(newbuild, "newbuild"),
             "landuse": describe(landuse, "landuse")}
    layers = [demolition, newbuild, landuse]
    labels_ = [names["demolition"], names["newbuild"], names["landuse"]]
    if farmland is not None:
        layers.append(farmland)
        labels_.append(describe(farmland, "farmland"))
    if county is not None:
        layers.append(county)
        labels_.append(describe(county, "county"))
    for layer, label in zip(layers, labels_):
        check_crs(layer, name=label)
    crs = check_same_crs(*layers, names=tuple(labels_))

    for layer, what, kind in ((demolition, "demolition", msg("拆旧区", "demolition features")),
                              (newbuild, "newbuild", msg("建新区", "newbuild features")),
                              (landuse, "landuse", msg("地类图斑", "landuse features"))):
        require_features(layer, names[what], kind)
    de_ids = _zone_id(demolition, demolition_id_field, "CJQBH", names["demolition"])
    nb_ids = _zone_id(newbuild, newbuild_id_field, "JXQBH", names["newbuild"])
    zone_fields = [by] + ([status_field] if status_field else [])
    require_fields(demolition, zone_fields + ([reclaimed_field] if reclaimed_field else [])
                   + ([reclaim_class_field] if reclaim_class_field else []), name=names["demolition"])
    require_fields(newbuild, zone_fields, name=names["newbuild"])
    require_fields(landuse, [landuse_field], name=names["landuse"])
    if county is not None:
        require_fields(county, [county_field], name=labels_[-1])
    if reclaim_class_field is None and "FKDL" in demolition.columns:
        reclaim_class_field = "FKDL"
    notes: list[str] = []

    # --- zones ---------------------------------------------------------------
    de_geoms = geometries(demolition, names["demolition"])
    nb_geoms = geometries(newbuild, names["newbuild"])
    _check_no_overlap(de_geoms, de_ids, names["demolition"])
    _check_no_overlap(nb_geoms, nb_ids, names["newbuild"])
    for layer, label in ((demolition, names["demolition"]), (newbuild, names["newbuild"])):
        check_rows(layer, layer[by].isna(), msg(f"没有项目名称（{by}）", f"no project name ({by})"),
                   name=label)
    de = pd.DataFrame({"project": demolition[by].to_numpy(), "zone": de_ids,
                       "m2": area(demolition, method=method, unit="m2").to_numpy()})
    nb = pd.DataFrame({"project": newbuild[by].to_numpy(), "zone": nb_ids,
                       "m2": area(newbuild, method=method, unit="m2").to_numpy()})
    de["status"] = demolition[status_field].to_numpy() if status_field else "approved"
    nb["status"] = newbuild[status_field].to_numpy() if status_field else "approved"

    # --- reclaimed area --------------------------------------------------------
    if reclaimed_field:
        values = numeric_field(demolition, reclaimed_field, names["demolition"])
        check_rows(demolition, values.isna().to_numpy(),
                   msg(f"没有复垦面积（{reclaimed_field}）", f"no reclaimed area ({reclaimed_field})"),
                   name=names["demolition"])
        rec_m2 = convert_area(values.to_numpy(), unit, AreaUnit.M2)
        check_rows(demolition, rec_m2 < 0,
                   msg(f"复垦面积 {reclaimed_field} 为负", f"negative reclaimed area {reclaimed_field}"),
                   name=names["demolition"])
        # the field is rounded (a 2-decimal ha field by up to 0.005 ha = 50 m²): allow that much
        # above the zone's area, and cap the reclaimed area at the zone's area
        excess = rec_m2 > de["m2"].to_numpy() + 50.0
        check_rows(demolition, excess,
                   msg(f"复垦面积 {reclaimed_field} 大于拆旧区面积",
                       f"reclaimed area {reclaimed_field} larger than the zone's area"),
                   name=names["demolition"])
        de["reclaimed_m2"] = np.minimum(rec_m2, de["m2"].to_numpy())
    else:
        de["reclaimed_m2"] = de["m2"] * reclaim_ratio
        if reclaim_ratio == 1.0:
            notes.append("复垦面积按拆旧区面积计 / reclaimed area = demolition area (each zone reclaimed whole)")
    if reclaim_class_field:
        fk = class_codes(demolition, reclaim_class_field, names["demolition"])
        de["reclaimed_farmland_m2"] = np.where(matches(fk, farmland_codes), de["reclaimed_m2"], 0.0)
    else:
        de["reclaimed_farmland_m2"] = de["reclaimed_m2"]
        notes.append("无复垦地类字段，复垦面积均按耕地计 / no reclaimed-class field: all reclaimed "
                     "land counted as farmland")

    # --- new-build zones over the land-use patches ----------------------------
    pieces = overlay_m2(nb_geoms, np.asarray(landuse.geometry.values, dtype=object), crs,
                        label=f"{names['newbuild']} × {names['landuse']}", method=method)
    codes = class_codes(landuse, landuse_field, names["landuse"]).iloc[
        pieces["patch"].to_numpy()].reset_index(drop=True)
    no_class = codes.isna() | (codes.astype("string").str.strip() == "")
    if no_class.any():
        rows = landuse.index[pieces.loc[no_class.to_numpy(), "patch"].unique()]
        lu, shown = names["landuse"], format_ids(rows)
        raise ValidationError(msg(f"{lu}：建新区下的图斑没有地类（{landuse_field}），行号：{shown}",
                                  f"{lu}: no land-use class ({landuse_field}) in row(s) "
                                  f"{shown} under new-build zones"), list(rows))
    construction = matches(codes, construction_codes)
    agricultural = matches(codes, agricultural_codes) & ~construction
    farm = matches(codes, farmland_codes) & agricultural
    for column, mask in (("construction_m2", construction), ("agricultural_m2", agricultural),
                         ("farmland_m2", farm), ("unused_m2", ~construction & ~agricultural)):
        nb[column] = np.bincount(pieces["zone"], weights=np.where(mask, pieces["m2"], 0.0),
                                 minlength=len(nb))
    covered = np.bincount(pieces["zone"], weights=pieces["m2"], minlength=len(nb))
    gap = nb["m2"].to_numpy() - covered
    for bad, what, what_zh in ((gap > coverage_tolerance_m2, "not covered by the land-use patches",
                                "未被 {lu} 的地类图斑完全覆盖"),
                               (gap < -coverage_tolerance_m2, "under overlapping land-use patches",
                                "下 {lu} 的地类图斑相互重叠")):
        if bad.any():
            detail = ", ".join(f"{z} ({abs(g):,.2f} m²)" for z, g in zip(nb.loc[bad, "zone"], gap[bad]))
            new, lu = names["newbuild"], names["landuse"]
            raise ValidationError(msg(
                f"{new}：区块 {detail} {what_zh.format(lu=lu)}；指标将算错。解决：使用无缝无重叠地覆盖"
                "这些区块的地类图层（xigeo.validate_layer），或调大 coverage_tolerance_m2",
                f"{new}: zone(s) {detail} {what} of {lu}; the quota "
                "would be wrong. Fix: use a land-use layer that covers the zones as a clean coverage "
                "(xigeo.validate_layer), or raise coverage_tolerance_m2"), list(nb.loc[bad, "zone"]))

    # --- basic farmland ---------------------------------------------------------
    if farmland is not None:
        bf = overlay_m2(nb_geoms, geometries(farmland, labels_[3]), crs,
                        label=f"{names['newbuild']} × basic farmland", method=method)
        nb["basic_farmland_m2"] = np.bincount(bf["zone"], weights=bf["m2"], minlength=len(nb))
    else:
        nb["basic_farmland_m2"] = np.nan
        notes.append("未提供永久基本农田图层，未检查占用基本农田 / no basic-farmland layer: "
                     "that rule was not checked")

    # --- counties -------------------------------------------------------------------
    de_county, nb_county = _counties(
        demolition, de_geoms, nb_geoms, pieces, landuse, crs, county=county, county_field=county_field,
        location_field=location_field, notes=notes, label=labels_[-1] if county is not None else "",
        method=method)
    de["county"] = pd.Series(de_county, index=de.index, dtype=object)
    nb["county"] = pd.Series(nb_county, index=nb.index, dtype=object)

    # --- per project ------------------------------------------------------------------
    projects = _project_table(de, nb, by, approved_values, status_field, names)
    violations = _violations(projects, de, nb, tolerance_m2=tolerance_m2,
                             check_farmland=farmland is not None)
    failing = set(violations["project"])
    projects["passed"] = [p not in failing for p in projects.index]
    result = LinkageResult(projects=projects, violations=violations, totals=_totals(projects),
                           passed=not failing, notes=tuple(notes), method=method)
    logger.info("%s", result.summary(language()))
    return result


def _zone_id(layer: pd.DataFrame, field_name: str | None, default: str, label: str) -> np.ndarray:
    """Zone ids: the named field, else the ``default`` field when present, else the row index.

    A blank id in the field is replaced by the row index.
    """
    if field_name is None:
        if default not in layer.columns:
            return np.asarray(layer.index.astype(str))
        field_name = default
    require_fields(layer, [field_name], name=label)
    ids = layer[field_name].astype("string").fillna("").to_numpy(dtype=object)
    blank = ids == ""
    ids[blank] = np.asarray(layer.index.astype(str))[blank]
    return ids


def _counties(demolition: pd.DataFrame, de_geoms: np.ndarray, nb_geoms: np.ndarray,
              pieces: pd.DataFrame, landuse: pd.DataFrame, crs: Any, *, county: Any,
              county_field: str, location_field: str, notes: list[str],
              label: str, method: str) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """The county code(s) each zone lies in, as sets (empty: unknown)."""

    def sets(zone_pos: np.ndarray, values: np.ndarray, n: int) -> list[frozenset[str]]:
        pairs = pd.DataFrame({"zone": zone_pos, "code": values})
        pairs = pairs[pairs["code"].map(lambda v: isinstance(v, str) and v != "")]
        found = pairs.groupby("zone")["code"].agg(frozenset)
        return found.reindex(range(n)).map(lambda s: s if isinstance(s, frozenset) else frozenset()).tolist()

    if county is not None:
        c_geoms = geometries(county, label)
        codes = county[county_field].astype("string").to_numpy(dtype=object)
        de_c = overlay_m2(de_geoms, c_geoms, crs, label=f"demolition × {label}", method=method)
        nb_c = overlay_m2(nb_geoms, c_geoms, crs, label=f"newbuild × {label}", method=method)
        return (sets(de_c["zone"].to_numpy(), codes[de_c["patch"]], len(de_geoms)),
                sets(nb_c["zone"].to_numpy(), codes[nb_c["patch"]], len(nb_geoms)))

    def prefix(values: pd.Series) -> np.ndarray:
        text = values.astype("string").str.strip().str[:6]
        return text.where(text.str.len() == 6).fillna("").to_numpy(dtype=object)

    if location_field in demolition.columns:
        de_sets = sets(np.arange(len(de_geoms)), prefix(demolition[location_field]), len(de_geoms))
    else:
        de_sets = [frozenset()] * len(de_geoms)
    if location_field in landuse.columns:
        under = prefix(landuse[location_field].iloc[pieces["patch"].to_numpy()])
        nb_sets = sets(pieces["zone"].to_numpy(), under, len(nb_geoms))
    else:
        nb_sets = [frozenset()] * len(nb_geoms)
    if not any(de_sets) and not any(nb_sets):
        notes.append(f"无县界图层且无{location_field}字段，未检查项目区是否在同一县域 / no county layer "
                     f"and no {location_field} codes: the one-county rule was not checked")
    return de_sets, nb_sets


def _project_table(de: pd.DataFrame, nb: pd.DataFrame, by: str, approved_values: set[str],
                   status_field: str | None, names: dict[str, str]) -> pd.DataFrame:
    order = pd.unique(pd.concat([de["project"], nb["project"]], ignore_index=True))
    both = pd.concat([de[["project", "status"]], nb[["project", "status"]]], ignore_index=True)
    statuses = both.groupby("project", sort=False)["status"].agg(lambda s: sorted(set(s.dropna().astype(str))))
    status_sets: dict[Any, list[str]] = dict(statuses.items())
    mixed = [p for p, s in status_sets.items() if len(s) != 1]
    if mixed:
        none = msg("无状态", "no status")
        detail = "; ".join(f"{p}: {', '.join(status_sets[p]) or none}" for p in mixed)
        de_name, nb_name = names["demolition"], names["newbuild"]
        raise ValidationError(msg(f"{de_name} / {nb_name}：同一项目的区块状态 {status_field} 不一致"
                                  f"（{detail}）。解决：同一项目的所有区块填写相同的状态",
                                  f"{de_name} / {nb_name}: the zones of a project "
                                  f"disagree on the status {status_field} ({detail}). Fix: give every zone "
                                  "of a project the same status"), mixed)
    idx = pd.Index(order, name=by)
    de_sum = de.groupby("project", sort=False)[["m2", "reclaimed_m2", "reclaimed_farmland_m2"]].sum()
    nb_sum = nb.groupby("project", sort=False)[["m2", "construction_m2", "agricultural_m2",
                                                "farmland_m2", "unused_m2", "basic_farmland_m2"]].sum(min_count=1)
    de_sum, nb_sum = de_sum.reindex(idx), nb_sum.reindex(idx)
    table = pd.DataFrame(index=idx)
    table["status"] = [status_sets[p][0] for p in idx]
    table["approved"] = table["status"].isin(approved_values) if status_field else True
    table["demolition_zones"] = de.groupby("project", sort=False).size().reindex(idx, fill_value=0)
    table["newbuild_zones"] = nb.groupby("project", sort=False).size().reindex(idx, fill_value=0)
    table["demolition_ha"] = ha(de_sum["m2"].fillna(0.0))
    table["reclaimed_ha"] = ha(de_sum["reclaimed_m2"].fillna(0.0))
    table["reclaimed_farmland_ha"] = ha(de_sum["reclaimed_farmland_m2"].fillna(0.0))
    table["newbuild_ha"] = ha(nb_sum["m2"].fillna(0.0))
    for col in ("construction", "agricultural", "farmland", "unused"):
        table[f"{col}_ha"] = ha(nb_sum[f"{col}_m2"].fillna(0.0))
    bf = nb_sum["basic_farmland_m2"]
    has_farmland_layer = nb["basic_farmland_m2"].notna().all() if len(nb) else False
    table["basic_farmland_ha"] = ha(bf.fillna(0.0)) if has_farmland_layer else np.nan
    table["quota_used_ha"] = table["newbuild_ha"] - table["construction_ha"]
    table["surplus_ha"] = table["reclaimed_ha"] - table["quota_used_ha"]
    return table


def _violations(projects: pd.DataFrame, de: pd.DataFrame, nb: pd.DataFrame, *,
                tolerance_m2: float, check_farmland: bool) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []

    def add(project: Any, rule: str, zones: Iterable[str], detail: str, detail_zh: str) -> None:
        rows.append({"project": project, "status": projects.at[project, "status"], "rule": rule,
                     "rule_zh": RULES[rule], "zones": ", ".join(map(str, zones)), "detail": detail,
                     "detail_zh": detail_zh})

    for project, row in projects.iterrows():
        nb_p = nb[nb["project"] == project]
        de_p = de[de["project"] == project]
        if check_farmland:
            on = nb_p[nb_p["basic_farmland_m2"] > tolerance_m2]
            if len(on):
                add(project, "basic_farmland", on["zone"],
                    f"{len(on)} new-build zone(s) on permanent basic farmland: "
                    f"{on['basic_farmland_m2'].sum():,.2f} m²",
                    f"{len(on)}个建新区占用永久基本农田{on['basic_farmland_m2'].sum():,.2f}平方米")
        if de_p["m2"].sum() < nb_p["m2"].sum():
            add(project, "demolition_ge_newbuild", nb_p["zone"],
                f"demolition {row['demolition_ha']:,.2f} ha < new-build {row['newbuild_ha']:,.2f} ha",
                f"拆旧区面积{row['demolition_ha']:,.2f}公顷小于建新区面积{row['newbuild_ha']:,.2f}公顷")
        if de_p["reclaimed_farmland_m2"].sum() < nb_p["farmland_m2"].sum():
            add(project, "reclaimed_farmland_ge_occupied", nb_p.loc[nb_p["farmland_m2"] > 0, "zone"],
                f"reclaimed farmland {row['reclaimed_farmland_ha']:,.2f} ha < farmland occupied "
                f"{row['farmland_ha']:,.2f} ha",
                f"复垦耕地{row['reclaimed_farmland_ha']:,.2f}公顷少于占用耕地{row['farmland_ha']:,.2f}公顷")
        counties = pd.concat([de_p[["zone", "county", "m2"]], nb_p[["zone", "county", "m2"]]])
        known = counties[counties["county"].map(len) > 0]
        codes = sorted(set().union(*known["county"])) if len(known) else []
        if len(codes) > 1:
            # the project's county: the one holding most of its zones' area
            weight = {c: known.loc[known["county"].map(lambda s, c=c: c in s), "m2"].sum() for c in codes}
            main = max(codes, key=lambda c: weight[c])
            off = known.loc[known["county"].map(lambda s: bool(s - {main})), "zone"]
            add(project, "one_county", off,
                f"zones in {len(codes)} counties ({', '.join(codes)}); main county {main}",
                f"项目区跨{len(codes)}个县（{'、'.join(codes)}），主要在{main}")
    return pd.DataFrame(rows, columns=["project", "status", "rule", "rule_zh", "zones", "detail",
                                       "detail_zh"])


def _totals(projects: pd.DataFrame) -> pd.DataFrame:
    sums = ["demolition_zones", "newbuild_zones"] + _AREA_COLUMNS
    out = {}
    for key, mask in (("approved", projects["approved"].to_numpy(dtype=bool)),
                      ("declared", np.ones(len(projects), dtype=bool))):
        part = projects.loc[mask]
        row: dict[str, Any] = {"projects": int(mask.sum())}
        for c in sums:
            row[c] = part[c].sum(min_count=1) if c == "basic_farmland_ha" else part[c].sum()
        out[key] = row
    table = pd.DataFrame.from_dict(out, orient="index")
    return table.astype({"projects": "int64", "demolition_zones": "int64", "newbuild_zones": "int64"})
