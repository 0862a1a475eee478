"""A second survey year of the sample (and of benchmark layers), with known changes.

:func:`second_year` derives the next year's land-use survey layer from the
sample ``dltb`` (the 2024 survey) and the linkage project layers, seeding the
changes a change survey (国土变更调查) has to find, and returns them in a
table so that a test can check each one is found with its area:

- ``construction``: the approved projects' new-build zones (建新区) are built
  on: each zone becomes one new patch of its planned use (城镇住宅 0701,
  工业 0601, 商服 0505); the patches it cuts keep their BSM for the part
  outside the zone (further parts get new BSMs), so farmland is taken by
  construction land (the 占 of 占补平衡) — the linkage's farmland occupied;
- ``reclamation``: the approved projects' demolition zones (拆旧区, homestead
  patches 0702) are reclaimed to farmland of their FKDL class: the patches
  keep BSM and geometry, the class changes (the 补) — the linkage's
  reclaimed area, 853.72 ha in all;
- ``consolidation``: land consolidation (土地整治) brings unused other
  grassland (0404) into cultivation (补, development of unused land) and
  ponds (1104) back to farmland (耕地进出平衡: 进); the county's
  consolidation projects of the sample lie outside the surveyed study area,
  so these stand for a project inside it;
- ``orchard``: farmland patches planted with orchards (0201: 进出平衡, 出);
- ``merge``: pairs of neighbouring dry-farmland patches of one owner merged
  into one new patch (no class change: only the patch table shows it).

Patch areas (TBMJ) of reshaped and new patches are their survey ellipsoidal
areas, with the hundredths that rounding loses spread back largest first
(:func:`xigeo._apportion.spread`), so the surveyed total is the same in both
years (a change survey keeps the control area).

:func:`change_year` does the same in bulk for the benchmark layers of
:func:`xigeo.sample.generate.generate_dltb`: about 2 % of the patches
recoded, split in two (one half built on) or merged with a neighbour.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._apportion import spread, to_hundredths
from ._geometry import measure

__all__ = ["second_year", "change_year", "SECOND_YEAR", "USE_CLASS"]

#: the year of the derived layer (the sample ``dltb`` is the 2024 survey)
SECOND_YEAR = 2025
#: planned use of a new-build zone (GHYT) → the class it is built as
USE_CLASS = {"城镇住宅用地": "0701", "工业用地": "0601", "商服用地": "0505"}
_NAMES = {"0701": "城镇住宅用地", "0601": "工业用地", "0505": "商务金融用地", "0101": "水田",
          "0102": "水浇地", "0103": "旱地", "0201": "果园"}
_KCXS = (0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08)


def _new_ids(dltb: gpd.GeoDataFrame, n: int) -> list[str]:
    """``n`` BSMs after the largest of the layer (same county prefix and width)."""
    ids = dltb["BSM"].astype(str)
    prefix = ids.iloc[0][:7]
    start = int(ids.str.slice(7).astype(np.int64).max()) + 1
    width = len(ids.iloc[0]) - 7
    return [f"{prefix}{k:0{width}d}" for k in range(start, start + n)]


def _farmland(frame: pd.DataFrame, rows: np.ndarray, code: str, rng: np.random.Generator) -> None:
    """Make ``rows`` farmland of class ``code``: a ridge coefficient, KCMJ, TBDLMJ, slope grade 1."""
    frame.loc[rows, "DLBM"] = code
    frame.loc[rows, "DLMC"] = _NAMES[code]
    kcxs = rng.choice(_KCXS, len(rows))
    frame.loc[rows, "KCXS"] = kcxs
    frame.loc[rows, "GDPDJB"] = "1"
    frame.loc[rows, "GDLX"] = ""


def _recompute(frame: pd.DataFrame) -> None:
    # half up to 0.01 m² as the survey rounds (np.round rounds half to even)
    tbmj = frame["TBMJ"].to_numpy(float)
    kcmj = to_hundredths(tbmj * frame["KCXS"].to_numpy(float)) / 100.0
    frame["KCMJ"] = kcmj
    frame["TBDLMJ"] = (to_hundredths(tbmj) - to_hundredths(kcmj)) / 100.0


def _keep_total(tbmj: np.ndarray, measured: np.ndarray, total_m2: float, key: np.ndarray) -> np.ndarray:
    """``measured`` rounded to 0.01 m², the difference to ``total_m2`` spread largest first."""
    cents = to_hundredths(measured)
    diff = int(to_hundredths(np.array([total_m2]))[0] - cents.sum())
    cents = cents + spread(measured, np.zeros(cents.size, dtype=np.int64), np.array([diff]), key)
    return cents / 100.0


def second_year(dltb: gpd.GeoDataFrame, demolition: gpd.GeoDataFrame, newbuild: gpd.GeoDataFrame, *,
                seed: int = 2025) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The sample's next survey year and the changes seeded in it.

    Parameters
    ----------
    dltb : GeoDataFrame
        The first year (the sample ``dltb``, with its survey fields).
    demolition, newbuild : GeoDataFrame
        The linkage layers (``linkage_demolition``, ``linkage_newbuild``);
        the zones of approved projects (PZZT 已批准) change.
    seed : int
        Seed of the choices (ridge coefficients, consolidation patches).

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The second year (same fields, ordered by BSM) and one row per seeded
        change: ``kind``, ``before_BSM``, ``after_BSM``, ``before_DLBM``,
        ``after_DLBM``, ``area_m2`` (survey ellipsoidal area of the ground
        that changed, measured on the GEOS intersection), ``project``.
    """
    rng = np.random.default_rng([seed, 19])
    crs = dltb.crs
    first = dltb.reset_index(drop=True)
    out = first.copy()
    geoms = np.asarray(first.geometry.values, dtype=object)
    seeded: list[dict[str, Any]] = []
    touched = np.zeros(len(first), dtype=bool)

    # ---- reclamation: approved demolition zones are homestead patches; they become farmland
    demo = demolition[demolition["PZZT"] == "已批准"].reset_index(drop=True)
    zi, pi = first.sindex.query(demo.geometry.representative_point(), predicate="within")
    rows = pi[np.argsort(zi)]
    if len(rows) != len(demo) or not (first["DLBM"].to_numpy()[rows] == "0702").all():
        raise RuntimeError("a demolition zone is not a homestead patch of dltb")  # message: internal
    for code in ("0101", "0103"):
        sel = rows[demo["FKDL"].to_numpy() == code]
        _farmland(out, sel, code, rng)
    zone_m2 = measure(demo.geometry.to_numpy())
    patch_m2 = measure(geoms[rows])
    if np.abs(zone_m2 - patch_m2).max() > 0.01:
        raise RuntimeError("a demolition zone differs from its homestead patch")  # message: internal
    touched[rows] = True
    for k, r in enumerate(rows):
        seeded.append({"kind": "reclamation", "before_BSM": first.at[r, "BSM"], "after_BSM": first.at[r, "BSM"],
                       "before_DLBM": "0702", "after_DLBM": out.at[r, "DLBM"], "area_m2": float(patch_m2[k]),
                       "project": demo.at[k, "XMBH"]})

    # ---- consolidation and orchards: whole patches recoded, away from the linkage zones
    zones = newbuild[newbuild["PZZT"] == "已批准"].reset_index(drop=True)
    near = np.zeros(len(first), dtype=bool)
    near[first.sindex.query(zones.geometry.to_numpy(), predicate="intersects")[1]] = True
    free = ~near & ~touched
    dlbm = first["DLBM"].to_numpy()
    picks = {"consolidation": [("0404", "0103", 8), ("1104", "0101", 4)],
             "orchard": [("0103", "0201", 6)]}
    for kind, rules in picks.items():
        for src, dst, n in rules:
            cand = np.flatnonzero(free & (dlbm == src))
            chosen = np.sort(rng.choice(cand, size=min(n, cand.size), replace=False))
            if dst.startswith("01"):
                _farmland(out, chosen, dst, rng)
            else:
                out.loc[chosen, "DLBM"] = dst
                out.loc[chosen, "DLMC"] = _NAMES[dst]
                out.loc[chosen, ["KCXS", "GDPDJB", "GDLX"]] = [0.0, "", ""]
            free[chosen] = False
            touched[chosen] = True
            m2 = measure(geoms[chosen])
            for k, r in enumerate(chosen):
                seeded.append({"kind": kind, "before_BSM": first.at[r, "BSM"], "after_BSM": first.at[r, "BSM"],
                               "before_DLBM": src, "after_DLBM": dst, "area_m2": float(m2[k]),
                               "project": "" if kind == "orchard" else f"TDZZ{SECOND_YEAR}01"})
    _recompute_rows = np.flatnonzero(touched)
    part = out.loc[_recompute_rows].copy()
    _recompute(part)
    out.loc[_recompute_rows, ["KCMJ", "TBDLMJ"]] = part[["KCMJ", "TBDLMJ"]].to_numpy()

    # ---- construction: each approved new-build zone becomes a patch; the patches it cuts shrink
    zone_geoms = zones.geometry.to_numpy()
    zi, pi = first.sindex.query(zone_geoms, predicate="intersects")
    inside = shapely.intersection(geoms[pi], zone_geoms[zi])
    keep = shapely.area(inside) > 0
    zi, pi, inside = zi[keep], pi[keep], inside[keep]
    if touched[pi].any():
        raise RuntimeError("a new-build zone meets a patch changed already")  # message: internal
    new_rows: list[dict[str, Any]] = []
    ids = iter(_new_ids(first, 10_000))
    reshaped: dict[int, Any] = {}
    for p in np.unique(pi):
        rest = shapely.difference(geoms[p], shapely.union_all(zone_geoms[zi[pi == p]]))
        reshaped[int(p)] = rest
    zone_ids = [next(ids) for _ in range(len(zones))]
    inside_m2 = measure(inside)
    for z, p, m2 in zip(zi, pi, inside_m2):
        before_code = dlbm[p]
        after_code = USE_CLASS[zones.at[int(z), "GHYT"]]
        if before_code != after_code:
            seeded.append({"kind": "construction", "before_BSM": first.at[p, "BSM"], "after_BSM": zone_ids[z],
                           "before_DLBM": before_code, "after_DLBM": after_code, "area_m2": float(m2),
                           "project": zones.at[int(z), "XMBH"]})
    # the new zone patches: location unit of the patch holding most of the zone, state-owned
    for z in range(len(zones)):
        mine = np.flatnonzero(zi == z)
        host = pi[mine[np.argmax(inside_m2[mine])]]
        code = USE_CLASS[zones.at[z, "GHYT"]]
        zl = first.at[host, "ZLDWDM"]
        new_rows.append({**first.loc[host].to_dict(), "BSM": zone_ids[z], "DLBM": code, "DLMC": _NAMES[code],
                         "QSXZ": "10", "QSDWDM": zl[:12] + "0000000", "KCXS": 0.0, "GDPDJB": "", "GDLX": "",
                         # the union of its pieces: it has the nodes its neighbours have (a coverage)
                         "geometry": shapely.union_all(inside[mine]), "_parent": [int(x) for x in pi[mine]]})
    drop: list[int] = []
    out_geoms = np.asarray(out.geometry.values, dtype=object).copy()
    for p, rest in reshaped.items():
        parts = shapely.get_parts(rest)
        parts = parts[shapely.area(parts) > 0]
        if not parts.size:
            drop.append(p)
            continue
        parts = parts[np.argsort(-shapely.area(parts), kind="stable")]
        out_geoms[p] = parts[0]
        for g in parts[1:]:
            new_rows.append({**first.loc[p].to_dict(), "BSM": next(ids), "geometry": g, "_parent": [p]})

    out = out.set_geometry(gpd.GeoSeries(out_geoms, crs=crs, index=out.index))

    # ---- merges: pairs of neighbouring 0103 patches of one owner, untouched so far
    merged_rows: list[int] = []
    cand = np.flatnonzero(free & (dlbm == "0103") & ~np.isin(np.arange(len(first)), list(reshaped)))
    a, b = first.sindex.query(geoms[cand], predicate="touches")
    a = cand[a]
    ok = free[b] & (dlbm[b] == "0103") & (a < b)
    ok &= first["QSDWDM"].to_numpy()[a] == first["QSDWDM"].to_numpy()[b]
    ok &= shapely.length(shapely.intersection(geoms[a], geoms[b])) > 50
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i, j in zip(a[ok], b[ok]):
        if i in used or j in used:
            continue
        pairs.append((int(i), int(j)))
        used |= {int(i), int(j)}
        if len(pairs) == 3:
            break
    for i, j in pairs:
        union = shapely.union(geoms[i], geoms[j])
        bsm = next(ids)
        new_rows.append({**first.loc[i].to_dict(), "BSM": bsm, "geometry": union, "_parent": [i, j]})
        merged_rows += [i, j]
        for r in (i, j):
            seeded.append({"kind": "merge", "before_BSM": first.at[r, "BSM"], "after_BSM": bsm,
                           "before_DLBM": "0103", "after_DLBM": "0103", "area_m2": float(measure(geoms[r])),
                           "project": ""})
    drop += merged_rows

    # ---- areas: measured, the lost hundredths spread so the surveyed total stays the same
    added = gpd.GeoDataFrame(new_rows, geometry="geometry", crs=crs)
    parents = sorted(set(list(reshaped)) | set(merged_rows))
    shrunk = np.array(sorted(reshaped), dtype=np.int64)
    shrunk = shrunk[~np.isin(shrunk, drop)]
    geoms_after = np.concatenate([out.geometry.to_numpy()[shrunk], added.geometry.to_numpy()])
    m2 = measure(geoms_after)
    total = float(first["TBMJ"].to_numpy()[parents].sum())
    key = np.arange(m2.size)
    tbmj = _keep_total(first["TBMJ"].to_numpy()[parents], m2, total, key)
    out.loc[shrunk, "TBMJ"] = tbmj[:shrunk.size]
    added["TBMJ"] = tbmj[shrunk.size:]
    added = added.drop(columns="_parent")
    part = out.loc[shrunk].copy()
    _recompute(part)
    out.loc[shrunk, ["KCMJ", "TBDLMJ"]] = part[["KCMJ", "TBDLMJ"]].to_numpy()
    _recompute(added)
    out = out.drop(index=drop)
    result = pd.concat([out, added[out.columns]], ignore_index=True)
    # TBBH: kept patches keep theirs; new patches are numbered on within their village
    result = result.sort_values("BSM", kind="stable").reset_index(drop=True)
    fresh = ~result["BSM"].isin(first["BSM"]).to_numpy()
    top = first["TBBH"].astype(int).groupby(first["ZLDWDM"]).max()
    base_no = result["ZLDWDM"].map(top).fillna(0).astype(int).to_numpy()
    rank = result[fresh].groupby("ZLDWDM").cumcount().to_numpy() + 1
    result.loc[fresh, "TBBH"] = (base_no[fresh] + rank).astype(str)
    result = gpd.GeoDataFrame(result, geometry="geometry", crs=crs)
    return result, pd.DataFrame(seeded)


def change_year(first: gpd.GeoDataFrame, *, fraction: float = 0.02, seed: int = 2025
                ) -> gpd.GeoDataFrame:
    """A second year of a benchmark layer (:func:`generate_dltb`): ``fraction`` of the patches changed.

    Of the changed patches, 60 % are recoded (farmland ↔ orchard, homestead →
    farmland …), 30 % split in two halves across their box (the east half a
    new patch, built on: 0601) and 10 % merged with a neighbour (the pair
    becomes one new patch). Areas are split and summed from TBMJ in whole
    hundredths, so the surveyed total is the same in both years. Everything
    is done on arrays (GEOS calls on the changed patches only).
    """
    rng = np.random.default_rng([seed, 20])
    crs = first.crs
    base = first.reset_index(drop=True)
    base.attrs = {}  # generate_dltb keeps arrays there, which pandas cannot compare when concatenating
    n = len(base)
    k = int(round(n * fraction))
    chosen = np.sort(rng.choice(n, size=k, replace=False))
    kind = rng.choice(3, size=k, p=[0.6, 0.3, 0.1])
    recode, split, merge = chosen[kind == 0], chosen[kind == 1], chosen[kind == 2]
    out = base.copy()
    geoms = np.asarray(base.geometry.values, dtype=object)
    dlbm = base["DLBM"].to_numpy(dtype=object)
    # ---- recode: farmland → orchard, homestead → dry farmland, other → dry farmland
    to = np.where(np.char.startswith(dlbm[recode].astype(str), "01"), "0201", "0103")
    out.loc[recode, "DLBM"] = to
    out.loc[recode, "DLMC"] = np.where(to == "0201", "果园", "旱地")
    farm = to == "0103"
    out.loc[recode, "KCXS"] = np.where(farm, 0.05, 0.0)
    out.loc[recode, "GDPDJB"] = np.where(farm, "1", "")
    out.loc[recode, "GDLX"] = ""
    # ---- merge: with a touching neighbour not otherwise changed
    busy = np.zeros(n, dtype=bool)
    busy[chosen] = True
    a, b = base.sindex.query(geoms[merge], predicate="touches")
    a = merge[a]
    ok = ~busy[b]
    a, b = a[ok], b[ok]
    _, first_pair = np.unique(a, return_index=True)
    a, b = a[first_pair], b[first_pair]
    _, uniq_b = np.unique(b, return_index=True)
    a, b = a[uniq_b], b[uniq_b]
    ids_prefix = str(base["BSM"].iloc[0])[:7]
    width = len(str(base["BSM"].iloc[0])) - 7
    next_id = int(base["BSM"].astype(str).str.slice(7).astype(np.int64).max()) + 1
    merged = base.iloc[a].copy()
    merged["geometry"] = shapely.union(geoms[a], geoms[b])
    merged["TBMJ"] = np.round(base["TBMJ"].to_numpy()[a] + base["TBMJ"].to_numpy()[b], 2)
    # ---- split: west half keeps the BSM, east half is a new industrial patch
    bounds = shapely.bounds(geoms[split])
    mid = (bounds[:, 0] + bounds[:, 2]) / 2.0
    west = shapely.intersection(geoms[split], shapely.box(bounds[:, 0] - 1, bounds[:, 1] - 1, mid, bounds[:, 3] + 1))
    east = shapely.difference(geoms[split], west)
    good = (shapely.get_type_id(west) == 3) & (shapely.get_type_id(east) == 3) & \
        (shapely.area(west) > 0) & (shapely.area(east) > 0)
    split, west, east = split[good], west[good], east[good]
    cents = to_hundredths(base["TBMJ"].to_numpy()[split])
    west_cents = np.round(cents * shapely.area(west) / (shapely.area(west) + shapely.area(east))).astype(np.int64)
    g_out = geoms.copy()
    g_out[split] = west
    out = out.set_geometry(gpd.GeoSeries(g_out, crs=crs, index=out.index))
    out.loc[split, "TBMJ"] = west_cents / 100.0
    halves = base.iloc[split].copy()
    halves["geometry"] = east
    halves["TBMJ"] = (cents - west_cents) / 100.0
    halves["DLBM"], halves["DLMC"] = "0601", "工业用地"
    halves[["KCXS", "GDPDJB", "GDLX"]] = [0.0, "", ""]
    halves["QSXZ"] = "10"
    new = pd.concat([merged, halves], ignore_index=True)
    new["BSM"] = [f"{ids_prefix}{i:0{width}d}" for i in range(next_id, next_id + len(new))]
    _recompute(new)
    changed = np.concatenate([recode, split])
    part = out.loc[changed].copy()
    _recompute(part)
    out.loc[changed, ["KCMJ", "TBDLMJ"]] = part[["KCMJ", "TBDLMJ"]].to_numpy()
    out = out.drop(index=np.concatenate([a, b]))
    result = pd.concat([out, new[out.columns]], ignore_index=True)
    return gpd.GeoDataFrame(result, geometry="geometry", crs=crs)
