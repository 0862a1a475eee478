"""Deterministic generator of the synthetic Xi County sample data set.

Run ``python -m xigeo.sample.generate [OUTDIR]`` (default: the repository's
``sample_shapefiles/``) to rebuild every file byte for byte. The data are
synthetic: laid out like Xi County (息县), sized so that xigeo's own
calculators reproduce the figures of the county's report; they are not real
cadastral data.

Geometry is built first, then scaled until the survey ellipsoidal area
(:func:`xigeo.area.area`, survey rules on) of each polygon hits its target;
every total the README quotes is measured from the written geometry.
:func:`generate_dltb` alone builds a land-use survey layer of any size
(e.g. 300,000 patches for benchmarks) without writing it.
"""

from __future__ import annotations

import argparse
import logging
import math
import shutil
import struct
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from .._apportion import to_hundredths
from .._landuse import is_construction
from .._lang import msg
from .._zonal import slope_grade
from ._geometry import (
    EPSG,
    HA_M2,
    MU_M2,
    blob,
    explode_polygons,
    fit_area,
    fit_areas,
    measure,
    quad,
    snap,
    split_total,
)

logger = logging.getLogger(__name__)

SEED = 411528
#: Date written into every .dbf header (bytes 1-3) so rebuilds are byte-identical.
DBF_DATE = (2026, 11, 26)

#: County seat (谯楼街道) in EPSG:4526, about 114.74°E 32.34°N.
OX, OY = 38569660.0, 3579800.0
#: The land-use study area around the seat (16 km × 13 km).
STUDY = box(OX - 8000, OY - 6000, OX + 8000, OY + 7000)

COUNTY_CODE = "411528"
COUNTY_AREA_M2 = 1890.0e6

# --- targets from the county report (seed) ------------------------------------------
LINK_NEWBUILD_HA = 395.42
LINK_DEMOLITION_HA = 853.72
LINK_CONSTRUCTION_HA = 32.47  # approved new-build area already construction land
CONS_JSGM_HA = 22374.70
CONS_XZGD_HA = 2847.31
CONS_TZJE_WAN = 72900.00
PRE_PASS_MU, PRE_FAIL_MU = 1286.00, 239.00
IND_REVENUE_WAN = 1425000.00
IND_STD_FACTORY_M2 = 186000.00
IND_SAVED_MU = 1506.00
IND_INTENSITY_FLOOR = 3000.0  # 万元/ha
IND_COVERAGE_MIN = 0.30
PARK_M2, RESTORATION_M2 = 2.28e6, 0.251e6
RESTORATION_TZJE_WAN = 1976.7
STRIP_MU, STRIP_DEPTH_M = 500.00, 0.30

#: Minimum floor-area ratio by GB/T 4754 industry division (工业项目建设用地控制指标).
MIN_FAR = {**{c: 1.0 for c in ("13", "14", "15", "18", "19", "24", "30", "40", "41", "42")},
           **{c: 0.8 for c in ("17", "20", "21", "22", "23", "28", "29")},
           **{c: 0.7 for c in ("27", "31", "34", "35", "36", "37", "39", "43")},
           **{c: 0.6 for c in ("26", "32", "33")}, "25": 0.5}

DLMC = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地", "0201": "果园", "0301": "乔木林地",
    "0305": "灌木林地", "0307": "其他林地", "0404": "其他草地", "0503": "餐饮用地",
    "0505": "商务金融用地", "0507": "其他商服用地", "0601": "工业用地", "0602": "采矿用地",
    "0604": "仓储用地", "0701": "城镇住宅用地", "0702": "农村宅基地", "0801": "机关团体用地",
    "0803": "教育用地", "0805": "医疗卫生用地", "0809": "公用设施用地", "0810": "公园与绿地",
    "1003": "公路用地", "1004": "城镇村道路用地", "1006": "农村道路", "1101": "河流水面",
    "1104": "坑塘水面", "1106": "内陆滩涂", "1107": "沟渠", "1202": "设施农用地",
}
# construction land (建设用地) in the sense of the linkage quota: xigeo._landuse.is_construction


TOWNSHIPS = [  # name, code (9 digits)
    ("谯楼街道", "411528001"), ("龙湖街道", "411528002"), ("淮河街道", "411528003"),
    ("包信镇", "411528101"), ("夏庄镇", "411528102"), ("东岳镇", "411528103"),
    ("项店镇", "411528104"), ("小茴店镇", "411528105"), ("曹黄林镇", "411528106"),
    ("路口乡", "411528201"), ("杨店乡", "411528202"), ("张陶乡", "411528203"),
    ("白土店乡", "411528204"), ("岗李店乡", "411528205"), ("长陵乡", "411528206"),
    ("陈棚乡", "411528207"), ("彭店乡", "411528208"), ("关店乡", "411528209"),
    ("孙庙乡", "411528210"), ("八里岔乡", "411528211"), ("临河乡", "411528212"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
SUFFIXES = "庄营湾店岗楼寨集台园桥洼岭畈塘"
BRANDS = ["丰禾", "谷源", "淮香", "金穗", "禾润", "稻乡", "豫珍", "息粮", "鑫田", "鲜源", "润土",
          "绿原", "嘉禾", "康麦", "农悦", "福瑞", "恒味", "佳膳", "优粮", "同福", "泰康", "顺达",
          "宏源", "瑞丰", "华誉", "立禾", "新峰", "振兴", "龙湖", "淮源"]
IND_WORDS = {"13": "粮油加工", "14": "食品", "15": "饮品", "17": "纺织", "18": "服饰", "22": "纸业",
             "27": "药业", "29": "塑胶", "30": "建材", "33": "金属制品"}


def _rng(section: int) -> np.random.Generator:
    return np.random.default_rng([SEED, section])


def _to_gk() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(4490, EPSG, always_xy=True)


def _lonlat_box_gk(lon0: float, lat0: float, lon1: float, lat1: float) -> Polygon:
    """The lon/lat box drawn in GK zone 38 (edges densified, so parallels stay curved)."""
    t = _to_gk()
    n = 60
    lons = np.r_[np.linspace(lon0, lon1, n), np.full(n, lon1), np.linspace(lon1, lon0, n), np.full(n, lon0)]
    lats = np.r_[np.full(n, lat0), np.linspace(lat0, lat1, n), np.full(n, lat1), np.linspace(lat1, lat0, n)]
    x, y = t.transform(lons, lats)
    return Polygon(np.column_stack([x, y]))


def _nearest(targets_xy: np.ndarray, query_xy: np.ndarray) -> np.ndarray:
    """Index of the nearest target point for each query point."""
    tree = shapely.STRtree(shapely.points(targets_xy))
    qi, ti = tree.query_nearest(shapely.points(query_xy), all_matches=False)
    out = np.empty(len(query_xy), dtype=np.int64)
    out[qi] = ti
    return out


def _smooth(a: np.ndarray, k: int) -> np.ndarray:
    """Box blur of half-width ``k`` cells (applied twice: close to a Gaussian)."""
    for _ in range(2):
        for axis in (0, 1):
            pad = np.pad(a, [(k, k) if ax == axis else (0, 0) for ax in (0, 1)], mode="edge")
            c = np.cumsum(pad, axis=axis, dtype=float)
            c = np.concatenate([np.zeros_like(c.take([0], axis=axis)), c], axis=axis)
            n = a.shape[axis]
            a = (c.take(range(2 * k + 1, 2 * k + 1 + n), axis=axis) - c.take(range(0, n), axis=axis)) / (2 * k + 1)
    return a


def _measure_sum(geoms: Sequence[BaseGeometry]) -> float:
    return float(np.sum(measure(list(geoms)))) if len(geoms) else 0.0


# ======================================================================================
# county and townships
# ======================================================================================

def build_county() -> tuple[Polygon, gpd.GeoDataFrame]:
    """County outline (1,890 km²) and its 21 townships."""
    rng = _rng(1)
    t = _to_gk()
    cx, cy = t.transform(114.70, 32.355)
    frame = _lonlat_box_gk(114.4, 32.1, 115.0, 32.6).buffer(-800)
    outline = blob(rng, cx, cy, 2300e6, n=72, rough=0.22, elong=1.05)
    outline = outline.intersection(frame)
    outline = fit_area(outline, COUNTY_AREA_M2, origin=Point(cx, cy))
    assert frame.contains(outline) and outline.contains(Point(OX, OY))

    # the three seat sub-districts: wedges of a 4.5 km (irregular) disc round the seat
    disc = blob(rng, OX, OY, math.pi * 4500.0 ** 2, n=48, rough=0.16)
    wedges = []
    for a0, a1 in ((100, 220), (-20, 100), (220, 340)):  # 谯楼 NW, 龙湖 E, 淮河 S
        angles = np.radians(np.linspace(a0, a1, 40))
        pts = [(OX, OY)] + [(OX + 9000 * math.cos(a), OY + 9000 * math.sin(a)) for a in angles]
        wedges.append(snap(Polygon(pts).intersection(disc)))
    rest = outline.difference(disc)
    # 18 towns: farthest-point seeds in the rest of the county
    minx, miny, maxx, maxy = rest.bounds
    cand = np.column_stack([rng.uniform(minx, maxx, 6000), rng.uniform(miny, maxy, 6000)])
    cand = cand[shapely.contains_xy(rest.buffer(-3000), cand[:, 0], cand[:, 1])]
    seeds = [cand[0]]
    d = np.hypot(*(cand - cand[0]).T)
    for _ in range(17):
        i = int(np.argmax(d))
        seeds.append(cand[i])
        d = np.minimum(d, np.hypot(*(cand - cand[i]).T))
    seeds_arr = np.array(seeds)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds_arr), extend_to=outline.envelope.buffer(5000))
    cells = list(shapely.get_parts(cells))
    towns = [next(c for c in cells if c.contains(Point(*s))) for s in seeds_arr]
    # name towns by angle round the seat so the layout is stable
    order = np.argsort(np.arctan2(seeds_arr[:, 1] - OY, seeds_arr[:, 0] - OX))
    geoms = _partition(outline, wedges + [towns[i] for i in order])
    gdf = gpd.GeoDataFrame({"XZQDM": [c for _, c in TOWNSHIPS], "XZQMC": [n for n, _ in TOWNSHIPS]},
                           geometry=geoms, crs=EPSG)
    return outline, gdf


def _partition(extent: Polygon, claims: list[BaseGeometry]) -> list[Polygon]:
    """Split ``extent`` exactly among ``claims`` (earlier claims win), one polygon each.

    Boundaries are noded once and polygonised, so neighbours share their
    edges vertex for vertex; a claim's stray fragments go to the neighbour
    they share most boundary with.
    """
    arr = np.array(claims, dtype=object)
    lines = shapely.union_all(np.r_[shapely.boundary(arr), [extent.boundary]])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    pts = shapely.point_on_surface(faces)
    faces = faces[shapely.contains(extent, pts)]
    pts = shapely.point_on_surface(faces)
    fi, ci = shapely.STRtree(arr).query(pts, predicate="within")
    owner = pd.Series(ci).groupby(fi).min().reindex(range(len(faces)), fill_value=-1).to_numpy()
    parts: list[tuple[Any, int]] = []  # (geometry, owner)
    for k in range(len(claims)):
        merged = shapely.coverage_union_all(faces[owner == k])
        pieces = sorted(explode_polygons([merged])[0], key=lambda p: -p.area)
        parts.extend((p, k if j == 0 else -1) for j, p in enumerate(pieces))
    parts.extend((f, -1) for f in faces[owner == -1])
    main = {k: g for g, k in parts if k >= 0}
    for g, k in parts:
        if k >= 0:
            continue
        shared = {j: g.intersection(m).length for j, m in main.items()}
        j = max(shared, key=lambda key: shared[key])
        main[j] = shapely.coverage_union_all([main[j], g])
    out = [shapely.orient_polygons(main[k], exterior_cw=True) for k in range(len(claims))]
    assert all(g.geom_type == "Polygon" for g in out)
    return out


# ======================================================================================
# the study area: river, highways, town, industrial cluster, zones, villages
# ======================================================================================

@dataclass
class Layout:
    """Everything placed in the study area before the survey patches are overlaid.

    ``features`` are (stage, geometry, DLBM, tag): lower stages win where
    features overlap (1 river, 2 highways, 3 town, cluster and pits, 4
    villages); ponds, field roads and farmland patches come after.
    """
    river_line: LineString
    features: list[tuple[int, BaseGeometry, str, str]] = field(default_factory=list)  # stage, geom, DLBM, tag
    urban: Any = None
    cluster: Any = None
    parcels: list[Polygon] = field(default_factory=list)
    ring: Any = None
    devzone: Any = None
    park: Any = None
    pits: list[Polygon] = field(default_factory=list)
    villages: list[Polygon] = field(default_factory=list)
    village_tag: list[str] = field(default_factory=list)
    zones: list[dict[str, Any]] = field(default_factory=list)
    highways: list[BaseGeometry] = field(default_factory=list)
    villages_src: list[Polygon] = field(default_factory=list)  # as placed, before the overlay


def _river_line() -> LineString:
    x = np.linspace(OX - 9000, OX + 9000, 400)
    u = x - OX
    y = OY - 2450 + 380 * np.sin(u / 2600) + 160 * np.sin(u / 850 + 1.0)
    return LineString(np.column_stack([x, y]))


def _strips(geom: BaseGeometry, step: float, axis: int = 0) -> list[Polygon]:
    """Cut a long feature into pieces of about ``step`` m along x (axis 0) or y (1)."""
    minx, miny, maxx, maxy = geom.bounds
    out: list[Polygon] = []
    lo, hi = (minx, maxx) if axis == 0 else (miny, maxy)
    edges = np.arange(math.floor(lo / step) * step, hi + step, step)
    for a, b in zip(edges[:-1], edges[1:]):
        cutter = box(a, miny - 1, b, maxy + 1) if axis == 0 else box(minx - 1, a, maxx + 1, b)
        piece = geom.intersection(cutter)
        out.extend(p for p in explode_polygons([piece])[0] if p.area > 1.0)
    return out


def build_layout(rng: np.random.Generator) -> Layout:
    """Place the town, the cluster, the river, highways, the mine park and the linkage zones."""
    river = _river_line()
    lay = Layout(river_line=river)
    study = STUDY
    water = river.buffer(150, quad_segs=4).intersection(study)
    shoal = river.buffer(290, quad_segs=4).intersection(study).difference(water)
    for p in _strips(water, 2000):
        lay.features.append((1, snap(p), "1101", "river"))
    for p in _strips(shoal, 2500):
        lay.features.append((1, snap(p), "1106", "shoal"))
    stage1 = shapely.union_all([g for _, g, _, _ in lay.features])

    # highways (公路用地), 30 m wide
    lines = [
        LineString([(OX - 9000, OY + 2500), (OX - 3000, OY + 2700), (OX + 3000, OY + 2550), (OX + 9000, OY + 2750)]),
        LineString([(OX - 2900, OY - 7000), (OX - 2800, OY - 1000), (OX - 2650, OY + 3000), (OX - 2900, OY + 8000)]),
        LineString([(OX + 2100, OY - 900), (OX + 5000, OY - 1250), (OX + 9000, OY - 1900)]),
        LineString([(OX + 600, OY + 2000), (OX + 700, OY + 5000), (OX + 450, OY + 8000)]),
    ]
    taken = stage1
    for k, ln in enumerate(lines):
        road = ln.buffer(15, cap_style="flat", quad_segs=2).intersection(study).difference(taken)
        lay.highways.append(road)
        for p in _strips(road, 2000, axis=0 if k in (0, 2) else 1):
            lay.features.append((2, snap(p), "1003", "highway"))
        taken = taken.union(road)
    highways = shapely.union_all(lay.highways)

    # the town (seat) north of the river, and the industrial cluster east of it
    town = blob(rng, OX - 200, OY + 300, 17.5e6, n=48, rough=0.12, elong=1.15)
    town = town.difference(river.buffer(470)).difference(highways.buffer(0.01))
    town = max(explode_polygons([town])[0], key=lambda p: float(p.area))
    lay.urban = town
    cluster_origin = (OX + 2700, OY - 550)
    widths = rng.uniform(300, 470, 8)
    heights = rng.uniform(175, 265, 10)
    street = 24.0
    xs, x = [], 0.0
    for i, w in enumerate(widths):
        xs.append((x, x + w))
        x += w + (street if i % 2 == 1 else 0.0)
    ys, y = [], 0.0
    for j, h in enumerate(heights):
        ys.append((y, y + h))
        y += h + (street if j % 2 == 1 else 0.0)
    cl_box = box(-street, -street, x, y)  # the parcels with a street all round
    parcels = [box(a, b, c, d) for (b, d) in ys for (a, c) in xs]
    angle = 4.0
    def place(g: BaseGeometry) -> BaseGeometry:
        g = affinity.rotate(g, angle, origin=(0, 0))
        return snap(affinity.translate(g, *cluster_origin))
    lay.parcels = [place(p) for p in parcels]
    lay.cluster = place(cl_box)
    assert not lay.cluster.intersects(highways) and not lay.cluster.intersects(stage1)
    # the town's street grid and blocks (stage 3)
    grid = []
    gx0, gy0, gx1, gy1 = town.bounds
    for xv in np.arange(gx0 + rng.uniform(100, 300), gx1, 360):
        grid.append(LineString([(xv, gy0 - 100), (xv + 60, gy1 + 100)]))
    for yv in np.arange(gy0 + rng.uniform(100, 300), gy1, 320):
        grid.append(LineString([(gx0 - 100, yv), (gx1 + 100, yv - 40)]))
    streets = shapely.union_all([g.buffer(11, cap_style="flat", quad_segs=2) for g in grid]).intersection(town)
    for p in _strips(streets, 900, 0):
        for q in _strips(p, 900, 1):
            lay.features.append((3, snap(q), "1004", "street"))
    blocks = explode_polygons([town.difference(streets)])[0]
    urban_codes = ["0701"] * 11 + ["0505", "0503", "0507", "0801", "0803", "0805", "0809", "0810", "0601", "0604"]
    for b in blocks:
        if b.area > 200:
            lay.features.append((3, snap(b), str(rng.choice(urban_codes)), "town"))
    for p in lay.parcels:
        lay.features.append((3, p, "0601", "parcel"))
    for p in explode_polygons([lay.cluster.difference(shapely.union_all(lay.parcels))])[0]:
        if p.area > 1:
            for q in _strips(p, 800, 0):
                lay.features.append((3, snap(q), "1004", "cluster_street"))

    # Pugongshan mine park, about 4 km south of the seat across the Huai
    park = blob(rng, OX + 300, OY - 4300, PARK_M2, n=40, rough=0.15, elong=1.15)
    park = fit_area(park, PARK_M2)
    assert not park.intersects(river.buffer(400)) and STUDY.contains(park)
    lay.park = park
    inner = park.buffer(-70)
    pits: list[Polygon] = []
    tries = 0
    while len(pits) < 9:
        tries += 1
        minx, miny, maxx, maxy = inner.bounds
        px, py = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        g = blob(rng, px, py, rng.uniform(2.0e4, 7.0e4), n=20, rough=0.25, elong=1.3)
        if inner.contains(g) and all(g.distance(o) > 45 for o in pits):
            pits.append(g)
        assert tries < 5000
    lay.pits = pits
    for g in pits:
        lay.features.append((3, g, "0602", "pit"))

    # the ring round the town where linkage new-build zones and pre-review projects go
    lay.devzone = shapely.union_all([town.buffer(1700), lay.cluster.buffer(700)]).difference(
        river.buffer(300)).intersection(STUDY)
    ring = shapely.union_all([town.buffer(1500)]).difference(town.buffer(80))
    ring = ring.difference(lay.cluster.buffer(80)).difference(river.buffer(560)).difference(park.buffer(200))
    lay.ring = ring.intersection(STUDY.buffer(-200))
    return lay


def _place(rng: np.random.Generator, region: BaseGeometry, make: Any, ok: Any, tries: int = 4000) -> BaseGeometry:
    """Draw centres in ``region`` until ``make(x, y)`` gives a polygon inside it that ``ok`` accepts."""
    minx, miny, maxx, maxy = region.bounds
    for _ in range(tries):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not region.contains(Point(x, y)):
            continue
        g = make(x, y)
        if region.contains(g) and ok(g):
            return g
    raise RuntimeError("could not place a polygon; the region is too crowded")  # message: internal


# ======================================================================================
# linkage projects (城乡建设用地增减挂钩)
# ======================================================================================

LINK_PROJECTS = [  # year, batch, approved
    (2013, "第一批", True), (2013, "第二批", True), (2014, "第一批", True), (2014, "第二批", True),
    (2014, "第三批", True), (2015, "第一批", True), (2015, "第二批", True), (2015, "第三批", True),
    (2016, "第一批", True), (2016, "第二批", True), (2016, "第三批", False), (2017, "第一批", False),
    (2017, "第二批", False), (2017, "第三批", False),
]


def place_villages(lay: Layout, rng: np.random.Generator) -> None:
    """Scatter rural settlements (0702) over the study area, avoiding everything placed so far."""
    blocked = shapely.union_all([g for s, g, _, _ in lay.features] + [lay.urban.buffer(120), lay.cluster.buffer(120),
                                                                     lay.park.buffer(150)])
    blocked = blocked.union(shapely.union_all(lay.highways).buffer(60)).union(lay.river_line.buffer(420))
    zones = shapely.union_all([z["geometry"] for z in lay.zones]) if lay.zones else Polygon()
    blocked = blocked.union(zones.buffer(40))
    tree_geoms: list[Polygon] = []
    minx, miny, maxx, maxy = STUDY.bounds
    step = 780.0
    for gx in np.arange(minx + 300, maxx - 200, step):
        for gy in np.arange(miny + 300, maxy - 200, step):
            x, y = gx + rng.uniform(-250, 250), gy + rng.uniform(-250, 250)
            a = float(np.clip(rng.lognormal(math.log(9.0e4), 0.45), 3.0e4, 2.6e5))
            g = blob(rng, x, y, a, n=26, rough=0.28, elong=rng.uniform(1.0, 1.5))
            if not STUDY.buffer(-150).contains(g) or g.intersects(blocked):
                continue
            if any(g.distance(o) < 180 for o in tree_geoms[-40:]) or any(
                    g.distance(o) < 180 for o in tree_geoms if abs(o.centroid.x - x) < 1500 and abs(o.centroid.y - y) < 1500):
                continue
            tree_geoms.append(g)
    lay.villages = tree_geoms
    lay.village_tag = [""] * len(tree_geoms)


def build_linkage(lay: Layout, rng: np.random.Generator) -> None:
    """Place the 14 projects' new-build zones (``lay.zones``); approved ones total 395.42 ha.

    Approved zones go in the ring round the town (inside the development
    zone, so clear of basic farmland), with at most 45 % of the 32.47 ha of
    construction land they must contain coming from highways across them;
    :func:`place_islands` adds the rest as old village land. Of the declared
    projects, the second lies on protected farmland (a rule the checks find).
    """
    n_app = sum(1 for *_, ok in LINK_PROJECTS if ok)
    highways = shapely.union_all(lay.highways)
    # --- new-build zones of approved projects: areas first, by project weights
    weights = rng.uniform(0.6, 1.4, n_app)
    nb_cent = split_total(round(LINK_NEWBUILD_HA * 100), weights)  # 0.01 ha
    zones: list[dict[str, Any]] = []
    for p in range(n_app):
        k = int(rng.integers(1, 4))
        parts = split_total(int(nb_cent[p]), rng.uniform(0.5, 1.5, k))
        for z in parts:
            zones.append({"project": p, "target": z * 100.0})  # m²
    taken: list[BaseGeometry] = []
    c0_budget = 0.45 * LINK_CONSTRUCTION_HA * HA_M2
    c0 = 0.0
    for z in zones:
        def make(x: float, y: float, a: float = z["target"]) -> Polygon:
            return quad(rng, x, y, a * 1.002, aspect=rng.uniform(1.1, 2.2), angle=4.0 + 90.0 * int(rng.integers(0, 2)))
        def ok(g: BaseGeometry) -> bool:
            if any(g.distance(o) < 60 for o in taken):
                return False
            hw = g.intersection(highways).area
            return c0 + hw <= c0_budget
        g = _place(rng, lay.ring.buffer(-30), make, ok)
        c0 += g.intersection(highways).area
        taken.append(g)
        z["geometry"] = g
    fitted = fit_areas([z["geometry"] for z in zones], [z["target"] for z in zones])
    for z, g in zip(zones, fitted):
        z["geometry"] = g
    # residual of the approved total: refit the largest zone to close it exactly
    total = _measure_sum([z["geometry"] for z in zones])
    big = max(range(len(zones)), key=lambda i: zones[i]["target"])
    target = zones[big]["target"] + (LINK_NEWBUILD_HA * HA_M2 - total)
    zones[big]["geometry"] = fit_area(zones[big]["geometry"], target, origin=zones[big]["geometry"].centroid)
    # --- declared projects: two ordinary zones in the ring, one on protected farmland
    #     (outside the development zone), one ordinary but under-demolished
    declared = [i for i, (*_, ok) in enumerate(LINK_PROJECTS) if not ok]
    for j, p in enumerate(declared):
        a = float(rng.uniform(12e4, 30e4))
        if j == 1:  # violates: new-build zone on permanent basic farmland
            region = STUDY.buffer(-600).difference(lay.devzone.buffer(500)).difference(lay.river_line.buffer(700))
            region = region.difference(lay.park.buffer(500)).difference(shapely.union_all(lay.highways).buffer(100))
        else:
            region = lay.ring.buffer(-30)
        g = _place(rng, region, lambda x, y: quad(rng, x, y, a, aspect=1.6, angle=4.0),
                   lambda g: all(g.distance(o) > 60 for o in taken) and not g.intersects(highways))
        g = fit_area(g, round(a / 100) * 100.0)
        taken.append(g)
        zones.append({"project": p, "target": round(a / 100) * 100.0, "geometry": g, "violation": j == 1})
    lay.zones = zones


def select_demolition(lay: Layout, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Pick villages outside the development zone as demolition zones.

    The approved projects' villages total exactly 853.72 ha: villages are
    added greedily, the gap is filled with the best-fitting smaller one, and
    one large village (the adjuster) is rescaled to close the total. Each
    declared project gets villages too; the last declared one fewer than its
    new-build area (a rule the checks find).
    """
    n_app = sum(1 for *_, ok in LINK_PROJECTS if ok)
    cand = [i for i, g in enumerate(lay.villages)
            if not g.intersects(lay.devzone) and lay.village_tag[i] == ""]
    rng.shuffle(cand)
    areas = dict(zip(cand, measure([lay.villages[i] for i in cand])))
    target = LINK_DEMOLITION_HA * HA_M2
    # the adjuster: a large village with room round it, rescaled at the end
    adjuster = max(cand[:40], key=lambda i: areas[i])
    chosen: list[int] = []
    s = areas[adjuster]
    for i in cand:
        if i == adjuster:
            continue
        if s + areas[i] <= target:
            chosen.append(i)
            s += areas[i]
        if target - s < 3.0e4:
            break
    gap = target - s
    # fill the gap as well as possible with one more village smaller than it
    small = [i for i in cand if i not in chosen and i != adjuster and areas[i] <= gap]
    if small:
        best = max(small, key=lambda i: areas[i])
        chosen.append(best)
        s += areas[best]
    rest_target = areas[adjuster] + (target - s)
    ratio = rest_target / areas[adjuster]
    assert 0.8 < ratio < 1.35, ratio
    g = fit_area(lay.villages[adjuster], rest_target)
    neighbours = [o for k, o in enumerate(lay.villages) if k != adjuster]
    assert all(g.distance(o) > 60 for o in neighbours)
    lay.villages[adjuster] = g
    chosen.append(adjuster)
    total = _measure_sum([lay.villages[i] for i in chosen])
    assert abs(total - target) < 0.5, total - target
    # group the chosen villages into the approved projects by angle round the seat
    ang = {i: math.atan2(lay.villages[i].centroid.y - OY, lay.villages[i].centroid.x - OX) for i in chosen}
    chosen.sort(key=lambda i: ang[i])
    groups = np.array_split(np.array(chosen), n_app)
    demo: list[dict[str, Any]] = []
    for p, grp in enumerate(groups):
        for i in grp:
            lay.village_tag[int(i)] = f"demolition:{p}"
            demo.append({"project": p, "village": int(i)})
    # declared projects' demolition zones: a few more villages
    declared = [i for i, (*_, ok) in enumerate(LINK_PROJECTS) if not ok]
    left = [i for i in cand if lay.village_tag[i] == ""]
    pos = 0
    for j, p in enumerate(declared):
        newbuild = sum(z["target"] for z in lay.zones if z["project"] == p)
        need = newbuild * (0.7 if j == 3 else 1.6)  # the last one demolishes less than it builds
        got = 0.0
        while got < need and pos < len(left):
            i = left[pos]
            pos += 1
            if j == 3 and got + areas[i] >= newbuild:
                continue
            lay.village_tag[i] = f"demolition:{p}"
            demo.append({"project": p, "village": i})
            got += areas[i]
    return demo


def construction_in_newbuild(dltb: gpd.GeoDataFrame, lay: Layout) -> float:
    """m² of construction-land patches inside the approved new-build zones (overlay pieces measured)."""
    n_app = sum(1 for *_, ok in LINK_PROJECTS if ok)
    zones = [z["geometry"] for z in lay.zones if z["project"] < n_app]
    cons = dltb[is_construction(dltb["DLBM"])]
    zi, pi = cons.sindex.query(np.array(zones, dtype=object), predicate="intersects")
    pieces = shapely.intersection(np.array(zones, dtype=object)[zi], cons.geometry.to_numpy()[pi])
    parts, _ = explode_polygons(pieces)
    return _measure_sum(list(parts))


def place_islands(lay: Layout, rng: np.random.Generator) -> None:
    """Old village land inside approved new-build zones: makes their construction part 32.47 ha."""
    n_app = sum(1 for *_, ok in LINK_PROJECTS if ok)
    construction = shapely.union_all([g for s, g, code, _ in lay.features if is_construction(code)])
    app = [z for z in lay.zones if z["project"] < n_app]
    c0 = 0.0
    pieces: list[Any] = []
    for z in app:
        inter = z["geometry"].intersection(construction)
        pieces.extend(explode_polygons([inter])[0])
    c0 = _measure_sum(pieces)
    need = LINK_CONSTRUCTION_HA * HA_M2 - c0
    assert need > 2e4, need
    hw = shapely.union_all(lay.highways)
    free = sorted([z for z in app if not z["geometry"].intersects(hw.buffer(60))],
                  key=lambda z: -z["target"])
    k = 1
    while need / sum(z["target"] for z in free[:k]) > 0.28:
        k += 1
    hosts = free[:k]
    parts = split_total(round(need * 100), [z["target"] for z in hosts]) / 100.0
    islands = []
    for z, a in zip(hosts, parts):
        zone = z["geometry"]
        inner = zone.buffer(-25)
        for _ in range(200):
            c = inner.centroid
            g = blob(rng, c.x + rng.uniform(-30, 30), c.y + rng.uniform(-30, 30), a, n=22, rough=0.15,
                     elong=1.0 + 0.3 * rng.random())
            if inner.contains(g):
                break
        else:
            raise RuntimeError("no room for old village land in a new-build zone")  # message: internal
        islands.append(g)
    islands[:-1] = fit_areas(islands[:-1], parts[:-1]) if len(islands) > 1 else []
    last = need - _measure_sum(islands[:-1])
    islands[-1] = fit_area(islands[-1], last)
    for z, g in zip(hosts, islands):
        assert z["geometry"].buffer(-5).contains(g)
        lay.villages.append(g)
        lay.village_tag.append("old_village_in_newbuild")


# ======================================================================================
# the survey patches (地类图斑)
# ======================================================================================

def _rural_roads(rng: np.random.Generator, extent: Polygon, spacing: float) -> list[Polygon]:
    """A jittered grid of field roads (农村道路) 4–7 m wide, one patch per grid edge."""
    minx, miny, maxx, maxy = extent.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    nx, ny = len(xs), len(ys)
    px = xs[:, None] + rng.uniform(-0.18, 0.18, (nx, ny)) * spacing
    py = ys[None, :] + rng.uniform(-0.18, 0.18, (nx, ny)) * spacing
    segs = []
    for i in range(nx):
        for j in range(ny):
            if i + 1 < nx and rng.random() < 0.85:
                segs.append(LineString([(px[i, j], py[i, j]), (px[i + 1, j], py[i + 1, j])]))
            if j + 1 < ny and rng.random() < 0.85:
                segs.append(LineString([(px[i, j], py[i, j]), (px[i, j + 1], py[i, j + 1])]))
    widths = rng.uniform(2.0, 3.5, len(segs))
    polys = shapely.buffer(np.array(segs, dtype=object), widths, cap_style="square", join_style="mitre")
    # overlaps at the junctions are resolved by _assemble (the earlier segment wins)
    return list(polys)


def _base_cells(rng: np.random.Generator, extent: Polygon, mean_area: float) -> np.ndarray:
    """Irregular base patches: fine Voronoi cells of jittered seeds dissolved into coarse groups."""
    minx, miny, maxx, maxy = extent.bounds
    n_coarse = max(4, int(extent.area / mean_area))
    fine_step = math.sqrt(mean_area / 5.0)
    gx = np.arange(minx, maxx + fine_step, fine_step)
    gy = np.arange(miny, maxy + fine_step, fine_step)
    fx, fy = np.meshgrid(gx, gy)
    pts = np.column_stack([fx.ravel(), fy.ravel()]) + rng.uniform(-0.45, 0.45, (fx.size, 2)) * fine_step
    coarse = np.column_stack([rng.uniform(minx, maxx, n_coarse), rng.uniform(miny, maxy, n_coarse)])
    label = _nearest(coarse, pts)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent.buffer(fine_step * 3))
    cells = shapely.get_parts(cells)
    # voronoi_polygons does not keep input order: match cells back to their seed
    tree = shapely.STRtree(cells)
    seed_idx, cell_idx = tree.query(shapely.points(pts), predicate="within")
    order = np.empty(len(cells), dtype=np.int64)
    order[cell_idx] = seed_idx
    lab = label[order]
    groups = pd.Series(np.arange(len(cells))).groupby(lab)
    merged = [shapely.coverage_union_all(cells[idx.to_numpy()]) for _, idx in groups]
    merged = shapely.intersection(np.array(merged, dtype=object), extent)
    return merged


def _merge_slivers(geoms: list[BaseGeometry], movable: np.ndarray, absorbing: np.ndarray,
                   min_area: float) -> tuple[list[BaseGeometry], np.ndarray]:
    """Merge movable pieces under ``min_area`` m² into the absorbing neighbour sharing most boundary."""
    arr = np.array(geoms, dtype=object)
    areas = shapely.area(arr)
    small = np.flatnonzero((areas < min_area) & movable)
    keep = np.ones(len(arr), dtype=bool)
    tree = shapely.STRtree(arr)
    for i in small[np.argsort(areas[small])]:
        grown = arr[i].buffer(0.01)
        near = [j for j in tree.query(grown, predicate="intersects")
                if j != i and keep[j] and absorbing[j] and areas[j] >= min_area]
        if not near:
            continue
        shared = [grown.intersection(arr[j].boundary).length for j in near]
        order = np.argsort(shared)[::-1]
        for k in order:
            if shared[k] <= 0:
                break
            j = near[k]
            merged = shapely.union(arr[j], arr[i])
            if merged.geom_type == "Polygon":
                arr[j] = shapely.orient_polygons(merged, exterior_cw=True)
                areas[j] = merged.area
                keep[i] = False
                break
    return list(arr[keep]), keep


def _farm_class(rng: np.random.Generator, x: float, y: float, river: LineString | None,
                park: BaseGeometry | None) -> str:
    if park is not None and park.contains(Point(x, y)):
        return str(rng.choice(["0301", "0301", "0305", "0404"]))
    near_river = river is not None and river.distance(Point(x, y)) < 1600
    if near_river:
        return str(rng.choice(["0101"] * 14 + ["0103"] * 4 + ["0301", "0404"]))
    return str(rng.choice(["0103"] * 14 + ["0101"] * 3 + ["0102"] * 2 + ["0201", "0301", "0307", "1202"]))


def _assemble(features: list[tuple[int, BaseGeometry, str, str]], rng: np.random.Generator,
              extent: Polygon, river: LineString | None, park: BaseGeometry | None,
              mean_area: float, road_spacing: float) -> gpd.GeoDataFrame:
    """Overlay the stages into one gap-free patch layer (higher stages win).

    Every boundary is noded once and polygonised; each face goes to the
    highest-priority feature that contains it, and the faces of a feature are
    dissolved. Neighbouring patches therefore share their edges vertex for
    vertex: no slivers, gaps or overlaps. ``ref`` is the feature's index in
    ``features`` (-1 for ponds, field roads and base patches).
    """
    items: list[tuple[BaseGeometry, str, str, int, int]] = sorted(
        ((g, c, t, s, k) for k, (s, g, c, t) in enumerate(features)), key=lambda it: it[3])
    # ponds beside villages (stage 5)
    blocked = shapely.STRtree(np.array([it[0] for it in items] or [Polygon()], dtype=object))
    for g0, code, *_ in list(items):
        if code != "0702" or rng.random() >= 0.6:
            continue
        c = g0.centroid
        r = math.sqrt(g0.area / math.pi) + rng.uniform(40, 120)
        a = rng.uniform(0, 2 * math.pi)
        g = blob(rng, c.x + r * math.cos(a), c.y + r * math.sin(a), rng.uniform(3e3, 1.5e4), n=14, rough=0.2)
        if len(blocked.query(g, predicate="intersects")) == 0 and extent.contains(g):
            items.append((g, "1104", "pond", 5, -1))
    # field roads (stage 6) and base patches (stage 7)
    items.extend((g, "1006", "field_road", 6, -1) for g in _rural_roads(rng, extent, road_spacing))
    for g in _base_cells(rng, extent, mean_area):
        if g.is_empty:
            continue
        c = g.representative_point()
        items.append((g, _farm_class(rng, c.x, c.y, river, park), "base", 7, -1))
    geoms = np.array([it[0] for it in items], dtype=object)
    lines = shapely.union_all(np.r_[shapely.boundary(geoms), [extent.boundary]])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    pts = shapely.point_on_surface(faces)
    inside = shapely.contains(extent, pts)
    faces, pts = faces[inside], pts[inside]
    fi, gi = shapely.STRtree(geoms).query(pts, predicate="within")
    winner = pd.Series(gi).groupby(fi).min()
    if len(winner) != len(faces):
        raise RuntimeError(f"{len(faces) - len(winner)} faces are covered by no feature")  # message: internal
    rows = []
    win = winner.to_numpy()
    face_ids = winner.index.to_numpy()
    for w in np.unique(win):
        merged = shapely.coverage_union_all(faces[face_ids[win == w]])
        for part in explode_polygons([merged])[0]:
            g, code, tag, stage, ref = items[int(w)]
            rows.append((shapely.orient_polygons(part, exterior_cw=True), code, tag, stage, ref))
    gdf = gpd.GeoDataFrame({"DLBM": [r[1] for r in rows], "tag": [r[2] for r in rows],
                            "stage": [r[3] for r in rows], "ref": [r[4] for r in rows]},
                           geometry=[r[0] for r in rows], crs=EPSG)
    stage = gdf["stage"].to_numpy()
    fixed = (gdf["tag"].str.startswith("village") | gdf["tag"].isin(["parcel", "pit"])).to_numpy()
    geoms_out, keep = _merge_slivers(list(gdf.geometry), ~fixed, ~fixed, 60.0)
    gdf = gdf[keep].reset_index(drop=True).set_geometry(geoms_out, crs=EPSG)
    return gdf


def generate_dltb(n_patches: int = 300_000, *, seed: int = SEED, extent: Polygon | None = None) -> gpd.GeoDataFrame:
    """A synthetic land-use survey layer of about ``n_patches`` patches (not written anywhere).

    Villages, field roads, ponds and farmland patches over ``extent`` (default:
    a square round the county seat sized for the patch count); for
    benchmarks. Areas are planar-sized, not fitted to any figure.

    Examples
    --------
    >>> small = generate_dltb(1000, seed=1)
    >>> 600 < len(small) < 1400, small.crs.to_epsg()
    (True, 4526)
    """
    rng = np.random.default_rng([seed, 99])
    mean_area = 2.2e4  # m² per patch, field roads included
    if extent is None:
        side = math.sqrt(n_patches * mean_area)
        extent = box(OX - side / 2, OY - side / 2, OX + side / 2, OY + side / 2)
    features: list[tuple[int, BaseGeometry, str, str]] = []
    minx, miny, maxx, maxy = extent.bounds
    step = 800.0
    placed: list[BaseGeometry] = []
    inner = extent.buffer(-100)
    for gx in np.arange(minx + 300, maxx - 200, step):
        for gy in np.arange(miny + 300, maxy - 200, step):
            g = blob(rng, gx + rng.uniform(-200, 200), gy + rng.uniform(-200, 200),
                     float(np.clip(rng.lognormal(math.log(8e4), 0.45), 2e4, 2.5e5)), n=22, rough=0.28)
            if inner.contains(g):
                features.append((4, g, "0702", "village"))
    gdf = _assemble(features, rng, extent, None, None, mean_area * 1.9, 700.0)
    coder = _grid_village_coder(extent, np.random.default_rng([seed, 98]))
    out = _finish_dltb(gdf, rng, measure_areas=False, village_codes=coder)
    rep = shapely.point_on_surface(out.geometry.values)
    # mostly plain (grade 1), gentle rises of grades 2 and 3
    slope_deg = 0.8 * _noise_slope(extent, np.random.default_rng([seed, 97]))(shapely.get_x(rep), shapely.get_y(rep))
    return _with_slope_fields(out, slope_grade(slope_deg), np.random.default_rng([seed, 96]))


#: Townships and villages of :func:`generate_dltb`: a 20 × 20 grid of villages, 4 × 5 per township.
BENCH_GRID, BENCH_TOWN_BLOCK = 20, (4, 5)


def _grid_village_coder(extent: Polygon, rng: np.random.Generator) -> Any:
    """Codes and names of ~400 villages in 20 townships: nearest of a jittered 20 × 20 grid of seats."""
    minx, miny, maxx, maxy = extent.bounds
    n = BENCH_GRID
    bx, by = BENCH_TOWN_BLOCK
    step_x, step_y = (maxx - minx) / n, (maxy - miny) / n
    col = np.repeat(np.arange(n), n)
    row = np.tile(np.arange(n), n)
    seats = np.column_stack([minx + (col + 0.5 + rng.uniform(-0.3, 0.3, col.size)) * step_x,
                             miny + (row + 0.5 + rng.uniform(-0.3, 0.3, row.size)) * step_y])
    town = (col // bx) * (n // by) + row // by
    number = (col % bx) * by + row % by + 1
    towns = [c for _, c in TOWNSHIPS[:(n // bx) * (n // by)]]
    codes = np.array([f"{towns[t]}{200 + v:03d}" for t, v in zip(town, number)])
    k = np.arange(col.size)
    names = np.array([f"{SURNAMES[i % len(SURNAMES)]}{SUFFIXES[(i // len(SURNAMES)) % len(SUFFIXES)]}村" for i in k])

    def coder(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = _nearest(seats, np.column_stack([x, y]))
        return codes[i], names[i]
    return coder


# ======================================================================================
# farmland slope grade (GDPDJB) and type (GDLX)
# ======================================================================================

#: Share of farmland patches of slope grade 2–5 that are terraced (梯田, GDLX "TT");
#: the rest are sloping land (坡地, "PD"). Grade 1 (≤ 2°) farmland has no GDLX.
TERRACE_SHARE = {2: 0.10, 3: 0.35, 4: 0.70, 5: 0.90}


def _noise_slope(extent: Polygon, rng: np.random.Generator, cell: float = 100.0) -> Any:
    """A smooth random slope field (degrees) over ``extent``: mostly flat, a few low hills."""
    minx, miny, maxx, maxy = extent.bounds
    nx, ny = int(math.ceil((maxx - minx) / cell)) + 1, int(math.ceil((maxy - miny) / cell)) + 1
    noise = _smooth(rng.normal(0, 1, (ny, nx)), 6)
    noise = (noise - noise.min()) / max(float(np.ptp(noise)), 1e-12)
    field = 0.4 + 14.0 * noise ** 3

    def at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        i = np.clip(((y - miny) / cell).astype(int), 0, ny - 1)
        j = np.clip(((x - minx) / cell).astype(int), 0, nx - 1)
        return field[i, j]
    return at


def _sample_slope(lay: Layout, rng: np.random.Generator) -> Any:
    """Slope (degrees) of the study area: the plain north of the Huai (≤ 2°), low hills (岗地)
    south of it (mostly 2°–6°, in places up to ~24°)."""
    base = _noise_slope(STUDY, rng, cell=100.0)
    rx, ry = np.asarray(lay.river_line.coords).T

    def at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        south = y < np.interp(x, rx, ry) - 300.0
        b = base(x, y)
        return np.where(south, 1.0 + 1.6 * b, 0.3 + 0.1 * b)
    return at


def _with_slope_fields(gdf: gpd.GeoDataFrame, grade: np.ndarray, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """GDPDJB ("1"–"5") and GDLX ("TT"/"PD" for grades 2–5) on the farmland patches, "" elsewhere."""
    farm = gdf["DLBM"].str.startswith("01").to_numpy()
    grade = np.where(farm, grade, 0)
    share = np.array([0.0, 0.0] + [TERRACE_SHARE[k] for k in (2, 3, 4, 5)])[grade]
    terraced = rng.random(len(gdf)) < share
    gdlx = np.where(farm & (grade >= 2), np.where(terraced, "TT", "PD"), "")
    gdf = gdf.copy()
    gdf["GDPDJB"] = np.where(farm, grade.astype(str), "")
    gdf["GDLX"] = gdlx
    return gdf


def grade_sample_farmland(dltb: gpd.GeoDataFrame, lay: Layout, dem: tuple[np.ndarray, Any],
                          rng: np.random.Generator) -> gpd.GeoDataFrame:
    """GDPDJB/GDLX of the sample: from the park DEM for farmland on it, else the slope model."""
    from ..terrain import Raster, farmland_slope_grades

    rep = shapely.point_on_surface(dltb.geometry.values)
    grade = slope_grade(_sample_slope(lay, rng)(shapely.get_x(rep), shapely.get_y(rep)))
    z, transform = dem
    raster = Raster(np.where(z == -9999.0, np.nan, z), transform, EPSG, name="minepark_dem")
    left, bottom, right, top = raster.bounds
    on_dem = (dltb.geometry.within(box(left, bottom, right, top)) & dltb["DLBM"].str.startswith("01")).to_numpy()
    from_dem = farmland_slope_grades(dltb[on_dem], raster)
    grade[on_dem] = from_dem.astype(int).to_numpy()
    return _with_slope_fields(dltb, grade, rng)


def _finish_dltb(gdf: gpd.GeoDataFrame, rng: np.random.Generator, *, measure_areas: bool = True,
                 village_codes: Any = None) -> gpd.GeoDataFrame:
    """Add the survey attributes: BSM, TBBH, DLMC, TBMJ, KCXS, KCMJ, TBDLMJ, owner codes."""
    gdf = gdf.copy()
    # order patches north-west to south-east (how survey numbering runs)
    c = gdf.geometry.centroid
    order = np.lexsort((np.round(c.x.to_numpy() / 500), -np.round(c.y.to_numpy() / 500)))
    gdf = gdf.iloc[order].reset_index(drop=True)
    c = gdf.geometry.centroid
    if measure_areas:
        tbmj = np.round(np.asarray(measure(list(gdf.geometry))), 2)
    else:
        tbmj = np.round(gdf.geometry.area.to_numpy(), 2)
    farm = gdf["DLBM"].str.startswith("01").to_numpy()
    kcxs = np.where(farm, rng.choice([0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08], len(gdf)), 0.0)
    # KCMJ = TBMJ × KCXS rounded half up to 0.01 m² (the survey rule; np.round rounds half to even)
    kcmj = to_hundredths(tbmj * kcxs) / 100.0
    if village_codes is None:
        codes = np.array([f"{COUNTY_CODE}{100 + int(i % 20):03d}{200 + int(i // 20):03d}" for i in range(len(gdf))])
        names = np.array(["示例村"] * len(gdf))
    else:
        codes, names = village_codes(c.x.to_numpy(), c.y.to_numpy())
    state = gdf["DLBM"].isin(["1101", "1106", "1003", "1004", "0505", "0503", "0507", "0801", "0803", "0805",
                              "0809", "0810", "0601", "0604", "0701", "0602"]).to_numpy()
    group = rng.integers(1, 9, len(gdf))
    qsdwdm = np.where(state, np.char.add(codes.astype(str), "0000000"),
                      np.char.add(np.char.add(codes.astype(str), np.char.zfill(group.astype(str), 3)), "0000"))
    zldwdm = np.char.add(codes.astype(str), "0000000")
    tbbh = pd.Series(zldwdm).groupby(zldwdm).cumcount() + 1
    out = gpd.GeoDataFrame({
        "BSM": [f"{COUNTY_CODE}2{i + 1:08d}" for i in range(len(gdf))],
        "TBBH": tbbh.astype(str).to_numpy(),
        "DLBM": gdf["DLBM"].to_numpy(),
        "DLMC": gdf["DLBM"].map(DLMC).to_numpy(),
        "QSXZ": np.where(state, "10", "30"),
        "QSDWDM": qsdwdm,
        "QSDWMC": names,
        "ZLDWDM": zldwdm,
        "ZLDWMC": names,
        "TBMJ": tbmj,
        "KCXS": kcxs,
        "KCMJ": kcmj,
        "TBDLMJ": (to_hundredths(tbmj) - to_hundredths(kcmj)) / 100.0,
        "GDPDJB": np.where(farm, "1", ""),  # set from the terrain afterwards (_with_slope_fields)
        "GDLX": np.full(len(gdf), ""),
    }, geometry=gdf.geometry.to_numpy(), crs=EPSG)
    out.attrs["tag"] = gdf["tag"].to_numpy()
    return out


# ======================================================================================
# village codes, jbnt
# ======================================================================================

COMMUNITIES = ["东关", "西关", "南关", "北关", "城东", "城西", "城南", "城北", "龙湖", "谯楼", "淮滨", "新城",
               "文昌", "建设", "解放", "和平", "民主", "迎宾", "花园", "滨河"]


def _village_coder(lay: Layout, towns: gpd.GeoDataFrame, rng: np.random.Generator) -> Any:
    """A function mapping points to (12-digit village code, village name): nearest settlement."""
    centres = [(g.centroid.x, g.centroid.y, False) for g in lay.villages]
    minx, miny, maxx, maxy = lay.urban.bounds
    for x in np.arange(minx + 400, maxx, 900):
        for y in np.arange(miny + 400, maxy, 900):
            if lay.urban.contains(Point(x, y)):
                centres.append((x, y, True))
    cx = np.array([c[0] for c in centres])
    cy = np.array([c[1] for c in centres])
    pts = gpd.GeoSeries(shapely.points(cx, cy), crs=EPSG)
    town_idx = gpd.sjoin_nearest(gpd.GeoDataFrame(geometry=pts), towns[["XZQDM", "geometry"]], how="left")
    town_idx = town_idx[~town_idx.index.duplicated()]
    codes, names = [], []
    used: dict[str, set[str]] = {}
    counters: dict[tuple[str, bool], int] = {}
    for k, (x, y, urban) in enumerate(centres):
        tcode = str(town_idx["XZQDM"].iloc[k])
        key = (tcode, urban)
        counters[key] = counters.get(key, 0) + 1
        n = counters[key]
        codes.append(f"{tcode}{(n if urban else 200 + n):03d}")
        taken = used.setdefault(tcode, set())
        while True:
            if urban:
                name = COMMUNITIES[(n - 1 + len(taken)) % len(COMMUNITIES)] + "社区居委会"
            else:
                name = str(rng.choice(list(SURNAMES))) + str(rng.choice(list(SUFFIXES))) + "村"
            if name not in taken:
                taken.add(name)
                break
        names.append(name)
    centre_xy = np.column_stack([cx, cy])
    codes_arr, names_arr = np.array(codes), np.array(names)

    def coder(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = _nearest(centre_xy, np.column_stack([x, y]))
        return codes_arr[i], names_arr[i]
    return coder


def build_dltb(lay: Layout, towns: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    feats = list(lay.features)
    if not lay.villages_src:
        lay.villages_src = list(lay.villages)
    for g, tag in zip(lay.villages_src, lay.village_tag):
        feats.append((4, g, "0702", "village:" + tag))
    gdf = _assemble(feats, rng, STUDY, lay.river_line, lay.park, mean_area=5.5e4, road_spacing=760.0)
    # villages, enterprise parcels and quarry pits are single patches; their layers take the
    # patch geometry (it gained the nodes where neighbouring edges meet it)
    where: dict[int, tuple[list[Any], int]] = {}
    n_parcel = n_pit = 0
    for k, (_, _, _, tag) in enumerate(lay.features):
        if tag == "parcel":
            where[k] = (lay.parcels, n_parcel)
            n_parcel += 1
        elif tag == "pit":
            where[k] = (lay.pits, n_pit)
            n_pit += 1
    for v in range(len(lay.villages)):
        where[len(lay.features) + v] = (lay.villages, v)
    counts = gdf["ref"].value_counts()
    for k, (target, i) in where.items():
        if counts.get(k, 0) != 1:
            raise RuntimeError(f"feature {k} ({feats[k][3]}) became {counts.get(k, 0)} patches")  # message: internal
        new = gdf.geometry[gdf["ref"] == k].iloc[0]
        if abs(new.area - feats[k][1].area) > 0.01:
            raise RuntimeError(f"feature {k} ({feats[k][3]}) changed its area: {feats[k][1].area} -> {new.area}")  # message: internal
        target[i] = new
    coder = _village_coder(lay, towns, rng)
    return _finish_dltb(gdf, rng, village_codes=coder)


SURVEY_AREA_NAME = "息县（示例调查区）"


def _dissolve(dltb: gpd.GeoDataFrame, codes: pd.Series) -> tuple[list[str], list[BaseGeometry]]:
    """The union of the patches of each code (shared edges dissolved, boundary vertices kept)."""
    keys, geoms = [], []
    arr = dltb.geometry.values
    for key, idx in pd.Series(np.arange(len(dltb))).groupby(codes.to_numpy()):
        merged = shapely.coverage_union_all(arr[idx.to_numpy()])
        keys.append(str(key))
        geoms.append(shapely.orient_polygons(merged, exterior_cw=True))
    return keys, geoms


def survey_units(dltb: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The units the patches tile: villages (村级调查区, ZLDWDM[:12]), the townships' parts in the
    study area (ZLDWDM[:9]) and the study area (ZLDWDM[:6]); KZMJ = survey ellipsoidal area."""
    names = dltb.groupby(dltb["ZLDWDM"].str[:12])["ZLDWMC"].first()
    town_names = {c: n for n, c in TOWNSHIPS}
    out: dict[str, gpd.GeoDataFrame] = {}
    for layer, width, code_f, name_f in (("survey_area", 6, "XZQDM", "XZQMC"),
                                         ("survey_townships", 9, "XZQDM", "XZQMC"),
                                         ("villages", 12, "CJDCQDM", "CJDCQMC")):
        keys, geoms = _dissolve(dltb, dltb["ZLDWDM"].str[:width])
        label = {6: lambda k: SURVEY_AREA_NAME, 9: lambda k: town_names[k], 12: lambda k: names[k]}[width]
        out[layer] = gpd.GeoDataFrame({code_f: keys, name_f: [label(k) for k in keys],
                                       "KZMJ": np.round(np.asarray(measure(geoms)), 2)},
                                      geometry=geoms, crs=EPSG)
    return out


def build_jbnt(dltb: gpd.GeoDataFrame, lay: Layout, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Permanent basic farmland: farmland patches outside the town's development zone."""
    farm = dltb["DLBM"].str.startswith("01")
    outside = ~dltb.geometry.intersects(lay.devzone)
    violating = shapely.union_all([z["geometry"] for z in lay.zones if z.get("violation")])
    forced = dltb.geometry.intersects(violating)
    pick = farm & outside & ((rng.random(len(dltb)) < 0.9) | forced)
    src = dltb[pick]
    jb = gpd.GeoDataFrame({
        "BSM": [f"{COUNTY_CODE}3{i + 1:08d}" for i in range(len(src))],
        "JBNTTBBH": [f"{i + 1:06d}" for i in range(len(src))],
        "TBBH": src["TBBH"].to_numpy(),
        "DLBM": src["DLBM"].to_numpy(),
        "DLMC": src["DLMC"].to_numpy(),
        "ZLDWDM": src["ZLDWDM"].to_numpy(),
        "ZLDWMC": src["ZLDWMC"].to_numpy(),
        "TBMJ": src["TBMJ"].to_numpy(),
        "KCMJ": src["KCMJ"].to_numpy(),
        "JBNTMJ": src["TBDLMJ"].to_numpy(),
        "ZLDJ": rng.choice(["5", "6", "7", "8", "9"], len(src)),
    }, geometry=src.geometry.to_numpy(), crs=EPSG)
    return jb


# ======================================================================================
# linkage layers
# ======================================================================================

def _link_name(p: int) -> tuple[str, str]:
    year, batch, _ = LINK_PROJECTS[p]
    n = {"第一批": 1, "第二批": 2, "第三批": 3}[batch]
    return f"息县{year}年{batch}城乡建设用地增减挂钩项目", f"ZJGG{year}{n:02d}"


def linkage_layers(lay: Layout, demo: list[dict[str, Any]], dltb: gpd.GeoDataFrame,
                   rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    # demolition zones are the village patches themselves (same geometry as in dltb)
    rows = [(d["project"], lay.villages[d["village"]]) for d in demo]
    geoms = [g for _, g in rows]
    areas = np.asarray(measure(geoms))
    recs = []
    counter: dict[int, int] = {}
    for k, ((p, g), a) in enumerate(zip(rows, areas)):
        name, code = _link_name(p)
        counter[p] = counter.get(p, 0) + 1
        recs.append({"XMMC": name, "XMBH": code, "PZZT": "已批准" if LINK_PROJECTS[p][2] else "已申报",
                     "PZWH": f"豫国土资函〔{LINK_PROJECTS[p][0]}〕{300 + p * 7}号" if LINK_PROJECTS[p][2] else "",
                     "CJQBH": f"{code}-C{counter[p]:02d}", "DLBM": "0702", "FKDL": str(rng.choice(["0103", "0101"])),
                     "MJ": round(a / HA_M2, 4)})
    demo_gdf = gpd.GeoDataFrame(recs, geometry=geoms, crs=EPSG)
    # attach the village code of the patch under each zone
    idx = dltb.sindex.query(demo_gdf.geometry.representative_point(), predicate="within")
    zl = dltb["ZLDWDM"].to_numpy()[idx[1][np.argsort(idx[0])]]
    demo_gdf.insert(6, "ZLDWDM", zl)
    nb = []
    counter = {}
    for z in lay.zones:
        p = z["project"]
        name, code = _link_name(p)
        counter[p] = counter.get(p, 0) + 1
        nb.append({"XMMC": name, "XMBH": code, "PZZT": "已批准" if LINK_PROJECTS[p][2] else "已申报",
                   "PZWH": f"豫国土资函〔{LINK_PROJECTS[p][0]}〕{300 + p * 7}号" if LINK_PROJECTS[p][2] else "",
                   "JXQBH": f"{code}-J{counter[p]:02d}", "GHYT": str(rng.choice(["城镇住宅用地", "工业用地", "商服用地"])),
                   "MJ": round(float(measure(z["geometry"])) / HA_M2, 4)})
    nb_gdf = gpd.GeoDataFrame(nb, geometry=[z["geometry"] for z in lay.zones], crs=EPSG)
    order = np.lexsort((nb_gdf["JXQBH"], nb_gdf["XMBH"]))
    nb_gdf = nb_gdf.iloc[order].reset_index(drop=True)
    order = np.lexsort((demo_gdf["CJQBH"], demo_gdf["XMBH"]))
    demo_gdf = demo_gdf.iloc[order].reset_index(drop=True)
    return demo_gdf, nb_gdf


# ======================================================================================
# land consolidation (土地整治)
# ======================================================================================

def build_consolidation(towns: gpd.GeoDataFrame, outline: Polygon, lay: Layout,
                        rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = 25
    jsgm = split_total(round(CONS_JSGM_HA * 100), rng.lognormal(0, 0.35, n))  # 0.01 ha
    xzgd = split_total(round(CONS_XZGD_HA * 100), jsgm * rng.uniform(0.08, 0.18, n))
    tzje = split_total(round(CONS_TZJE_WAN * 100), jsgm * rng.uniform(0.8, 1.2, n))  # 0.01 万元
    rural = towns.iloc[3:].reset_index(drop=True)
    regions = [t.buffer(-250).difference(STUDY.buffer(300)) for t in rural.geometry]
    regions = [r if r.area > 0.3 * t.area else t.buffer(-250).difference(lay.devzone.buffer(300))
               for r, t in zip(regions, rural.geometry)]
    # the largest projects go to the townships with most room; every township gets one
    free = np.array([r.area for r in regions])
    host = np.empty(n, dtype=np.int64)
    for k in np.argsort(-jsgm, kind="stable"):
        pick = int(np.argmax(free))
        host[k] = pick
        free[pick] -= 6 * jsgm[k] * 100.0
    placed: list[BaseGeometry] = []
    recs = []
    for k in range(n):
        t = rural.iloc[host[k]]
        region = regions[host[k]]
        a = jsgm[k] * 100.0
        g = _place(rng, region, lambda x, y: blob(rng, x, y, a * 1.001, n=36, rough=0.2, elong=rng.uniform(1.0, 1.4)),
                   lambda g: all(g.distance(o) > 150 for o in placed), tries=20000)
        placed.append(g)
        year = int(2010 + k * 7 // 25)
        kind = "补充耕地储备库项目" if k % 3 == 2 else "土地整治项目"
        recs.append({"XMMC": f"息县{t['XZQMC']}{year}年{kind}", "XMBH": f"TDZZ{year}{k + 1:02d}",
                     "XMLX": "补充耕地储备库项目" if k % 3 == 2 else "新增费项目",
                     "XZQDM": t["XZQDM"], "XZQMC": t["XZQMC"], "LXNF": year,
                     "JSGM": jsgm[k] / 100.0, "XZGDMJ": xzgd[k] / 100.0, "TZJE": tzje[k] / 100.0})
    fitted = fit_areas(placed, [v * 100.0 for v in jsgm])
    # close the total exactly on the last project
    last = CONS_JSGM_HA * HA_M2 - _measure_sum(fitted[:-1])
    fitted[-1] = fit_area(fitted[-1], last)
    gdf = gpd.GeoDataFrame(recs, geometry=fitted, crs=EPSG)
    assert all(outline.contains(g) for g in gdf.geometry)
    return gdf


# ======================================================================================
# pre-review (用地预审)
# ======================================================================================

PRE_KINDS = [("工业", "{b}食品有限公司年产{q}万吨{p}项目", "息县{b}食品有限公司"),
             ("交通", "息县{r}道路建设工程", "息县交通运输局"),
             ("公共服务", "息县{r}学校建设项目", "息县教育体育局"),
             ("公共服务", "息县{r}卫生院迁建项目", "息县卫生健康委员会"),
             ("住宅", "息县{r}安置小区建设项目", "息县城市建设投资有限公司"),
             ("商服", "息县{r}农产品物流园项目", "息县{b}物流有限公司"),
             ("公用设施", "息县{r}污水处理厂项目", "息县水利局")]


def build_prereview(lay: Layout, jbnt: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    n_pass, n_fail = 55, 6
    pass_c = split_total(round(PRE_PASS_MU * 100), rng.lognormal(0, 0.5, n_pass))  # 0.01 mu
    fail_c = split_total(round(PRE_FAIL_MU * 100), rng.uniform(0.7, 1.3, n_fail))
    jb_union = jbnt.geometry.union_all()
    zones = shapely.union_all([z["geometry"] for z in lay.zones])
    placed: list[BaseGeometry] = []
    kinds: list[str] = []
    ring = lay.ring.buffer(-20).difference(zones.buffer(40))

    jb_buffer = jb_union.buffer(5)
    shapely.prepare(jb_buffer)

    def ok_free(g: BaseGeometry) -> bool:
        return all(g.distance(o) > 25 for o in placed) and not jb_buffer.intersects(g)

    # failing: three on protected farmland, three above the land-use standard
    big_jb = jbnt[jbnt.geometry.area > 3e4]
    for k in range(n_fail):
        a = fail_c[k] * MU_M2 / 100.0
        if k < 3:
            for _ in range(500):
                patch = big_jb.geometry.iloc[int(rng.integers(len(big_jb)))]
                pt = patch.exterior.interpolate(rng.uniform(0, patch.exterior.length))
                g = quad(rng, pt.x, pt.y, a, aspect=rng.uniform(1.2, 2.0), angle=4.0)
                if all(g.distance(o) > 25 for o in placed) and g.intersection(jb_union).area > 0.3 * g.area \
                        and not g.intersects(zones.buffer(50)) and STUDY.buffer(-100).contains(g):
                    break
            else:
                raise RuntimeError("no place for a pre-review project on basic farmland")  # message: internal
            kinds.append("jbnt")
        else:
            g = _place(rng, ring, lambda x, y: quad(rng, x, y, a, aspect=rng.uniform(1.0, 2.0), angle=4.0), ok_free)
            kinds.append("cap")
        placed.append(g)
    for k in range(n_pass):
        a = pass_c[k] * MU_M2 / 100.0
        g = _place(rng, ring, lambda x, y: quad(rng, x, y, a, aspect=rng.uniform(1.0, 2.4),
                                                   angle=4.0 + 90 * int(rng.integers(0, 2))), ok_free)
        placed.append(g)
        kinds.append("pass")
    targets = np.r_[fail_c, pass_c] * MU_M2 / 100.0
    geoms = fit_areas(placed, targets)
    # close both totals exactly on the last polygon of each group
    geoms[n_fail - 1] = fit_area(geoms[n_fail - 1], PRE_FAIL_MU * MU_M2 - _measure_sum(geoms[:n_fail - 1]))
    geoms[-1] = fit_area(geoms[-1], PRE_PASS_MU * MU_M2 - _measure_sum(geoms[n_fail:-1]))
    mu = np.asarray(measure(geoms)) / MU_M2
    # order by submission date; failing projects are spread through the list
    dates = np.sort(rng.integers(0, 2900, n_pass + n_fail))
    perm = rng.permutation(n_pass + n_fail)
    recs = []
    roads = ["淮河路", "龙湖路", "谯楼路", "息州大道", "濮公山路", "东岳路", "包信路", "迎宾大道", "新华路", "息夫人大道"]
    for slot, i in enumerate(perm):
        kind, tmpl, unit = PRE_KINDS[int(rng.integers(len(PRE_KINDS)))]
        b = str(rng.choice(BRANDS))
        name = tmpl.format(b=b, q=int(rng.integers(2, 30)), p=str(rng.choice(["面粉", "大米", "挂面", "速冻食品", "饮料"])),
                           r=str(rng.choice(roads)))
        day = pd.Timestamp("2013-03-01") + pd.Timedelta(days=int(dates[slot]))
        cap = mu[i] * (rng.uniform(0.62, 0.85) if kinds[i] == "cap" else rng.uniform(1.03, 1.4))
        recs.append({"XMMC": name, "XMBH": f"YS{day.year}{slot + 1:03d}", "JSDW": unit.format(b=b),
                     "XMLX": kind, "SBRQ": day.strftime("%Y-%m-%d"), "SBMJ": round(float(mu[i]), 2),
                     "YDBZMJ": math.floor(cap * 100) / 100 if kinds[i] == "cap" else math.ceil(cap * 100) / 100,
                     "_kind": kinds[i], "_geom": geoms[i]})
    gdf = gpd.GeoDataFrame(recs, geometry=[r["_geom"] for r in recs], crs=EPSG).drop(columns="_geom")
    return gdf


# ======================================================================================
# industrial cluster (绿色食品产业集聚区)
# ======================================================================================

def saved_land_m2(site_m2: np.ndarray, gdzc: np.ndarray, floor_m2: np.ndarray, min_far: np.ndarray,
                  footprint_m2: np.ndarray, *, intensity_floor: float = IND_INTENSITY_FLOOR,
                  coverage_min: float = IND_COVERAGE_MIN) -> np.ndarray:
    """Land a parcel could give back: site − the area its investment and buildings need.

    ``need = max(GDZC / intensity_floor (ha → m²), floor / min_far, footprint / coverage_min)``;
    ``saved = max(0, site − need)`` (see sample_shapefiles/README.md).
    """
    need = np.maximum.reduce([gdzc / intensity_floor * HA_M2, floor_m2 / min_far, footprint_m2 / coverage_min])
    return np.maximum(0.0, site_m2 - need)


def build_industrial(lay: Layout, rng: np.random.Generator) -> gpd.GeoDataFrame:
    geoms = lay.parcels
    n = len(geoms)
    site = np.asarray(measure(geoms))
    hy = rng.choice(["13", "14", "15", "17", "18", "22", "27", "29", "30", "33"], n,
                    p=[0.34, 0.30, 0.10, 0.04, 0.05, 0.03, 0.04, 0.04, 0.03, 0.03])
    far_min = np.array([MIN_FAR[h] for h in hy])
    gdzc = np.zeros(n)
    zjz = np.zeros(n)
    gc8 = np.zeros(n)
    foot = np.zeros((n, 3))
    office = np.round(site * rng.uniform(0.02, 0.065, n), 2)
    green = np.round(site * rng.uniform(0.08, 0.18, n), 2)
    bzcf = np.zeros(n, dtype=bool)

    def set_footprint(i: int, total: float) -> None:
        b = rng.uniform(0.6, 0.8)
        s = rng.uniform(0.05, 0.15)
        foot[i, 0] = round(total * b, 2)
        foot[i, 1] = round(total * s, 2)
        foot[i, 2] = round(total - foot[i, 0] - foot[i, 1], 2)

    def set_floor(i: int, counted: float, high_share: float) -> None:
        gc8[i] = round(counted * high_share, 2)
        zjz[i] = round(counted - gc8[i], 2)

    order = np.argsort(site)
    # standard factories: the smallest food parcels, multi-storey, 186,000 m² of floor in all
    std, acc = [], 0.0
    for i in order:
        if acc >= IND_STD_FACTORY_M2 / 1.25:
            break
        std.append(int(i))
        acc += site[i]
    hy[std] = "14"
    far_min[std] = 1.0
    std_floor = split_total(round(IND_STD_FACTORY_M2 * 100), site[std]) / 100.0
    for i, f in zip(std, std_floor):
        bzcf[i] = True
        zjz[i], gc8[i] = f, 0.0
        gdzc[i] = round(site[i] / HA_M2 * rng.uniform(3300, 5200), 2)
        set_footprint(i, site[i] * rng.uniform(0.42, 0.6))
    # failing parcels: the large ones, until about 1,506 mu can be saved
    target = IND_SAVED_MU * MU_M2
    rest = [int(i) for i in order[::-1] if int(i) not in std]
    fail, acc = [], 0.0
    for i in rest:
        if acc >= target / 0.42:
            break
        fail.append(i)
        acc += site[i]
    r = rng.uniform(0.3, 0.55, len(fail))
    r *= target / float(np.sum(site[fail] * r))
    assert r.max() < 0.75
    kinds = rng.choice(["invest", "far", "cover"], len(fail))
    kinds[-1] = "invest"
    for i, ri, kind in zip(fail, r, kinds):
        need = site[i] * (1 - ri)
        if kind == "invest":
            gdzc[i] = round(need / HA_M2 * IND_INTENSITY_FLOOR, 2)
        else:
            gdzc[i] = round(need / HA_M2 * IND_INTENSITY_FLOOR * rng.uniform(0.5, 0.95), 2)
        if kind == "far":
            set_floor(i, need * far_min[i], rng.uniform(0.0, 0.3))
        else:
            set_floor(i, need * far_min[i] * rng.uniform(0.55, 0.95), rng.uniform(0.0, 0.3))
        set_footprint(i, need * IND_COVERAGE_MIN * (1.0 if kind == "cover" else rng.uniform(0.5, 0.95)))
    # passing parcels (a few fail only the office or green share: nothing to save there)
    passing = [i for i in rest if i not in fail]
    for k, i in enumerate(passing):
        gdzc[i] = round(site[i] / HA_M2 * rng.uniform(3300, 6800), 2)
        set_floor(i, site[i] * far_min[i] * rng.uniform(1.05, 1.9), 0.0 if rng.random() < 0.6 else rng.uniform(0.05, 0.25))
        set_footprint(i, site[i] * rng.uniform(0.36, 0.62))
        if k < 3:
            office[i] = round(site[i] * rng.uniform(0.075, 0.10), 2)
        elif k < 5:
            green[i] = round(site[i] * rng.uniform(0.21, 0.26), 2)

    def saved() -> np.ndarray:
        return saved_land_m2(site, gdzc, zjz + gc8, far_min, foot.sum(axis=1))
    # close the total on the last failing parcel (bound by its investment)
    last = fail[-1]
    others = float(np.sum(saved())) - float(saved()[last])
    need_last = site[last] - (target - others)
    gdzc[last] = round(need_last / HA_M2 * IND_INTENSITY_FLOOR, 2)
    total = float(np.sum(saved()))
    assert abs(total - target) < 0.2, total - target
    revenue = split_total(round(IND_REVENUE_WAN * 100), gdzc * rng.uniform(0.6, 1.6, n)) / 100.0
    names, used = [], set()
    for i in range(n):
        while True:
            nm = f"息县{rng.choice(BRANDS)}{IND_WORDS[hy[i]]}有限公司"
            if nm not in used:
                used.add(nm)
                break
        names.append(nm)
    gdf = gpd.GeoDataFrame({
        "QYBH": [f"CY{i + 1:03d}" for i in range(n)], "QYMC": names, "HYDM": hy,
        "GDZC": gdzc, "YDMJ": np.round(site, 2), "JZZDMJ": foot[:, 0], "GZWZDMJ": foot[:, 1],
        "DCZDMJ": foot[:, 2], "ZJZMJ": zjz, "GC8MJ": gc8, "BGSHMJ": office, "LDMJ": green,
        "YYSR": revenue, "BZCF": np.where(bzcf, "是", "否"),
    }, geometry=geoms, crs=EPSG)
    return gdf


# ======================================================================================
# Pugongshan mine park and its DEM
# ======================================================================================

def build_minepark(lay: Layout, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    import itertools

    pits = lay.pits
    best = None
    for trio in itertools.combinations(range(len(pits)), 3):
        u = shapely.union_all([pits[i] for i in trio])
        if u.area > 1.7e5:
            continue
        spread = sum(pits[a].distance(pits[b]) for a, b in itertools.combinations(trio, 2))
        if best is None or spread < best[0]:
            best = (spread, trio)
    assert best is not None
    trio = best[1]
    core = shapely.union_all([pits[i] for i in trio])
    hull = core.convex_hull
    inside = lay.park.buffer(-15)

    def zone(d: float) -> BaseGeometry:
        z = snap(hull.buffer(d, quad_segs=6).intersection(inside))
        return max(explode_polygons([z])[0], key=lambda p: float(p.area))
    lo, hi = 0.0, 500.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if measure(zone(mid)) < RESTORATION_M2:
            lo = mid
        else:
            hi = mid
    rest = zone(hi)
    assert abs(measure(rest) - RESTORATION_M2) < 500 and rest.contains(core)
    park = gpd.GeoDataFrame({"GYMC": ["息县濮公山省级矿山公园"], "JB": ["省级"], "PZNF": [2014],
                             "GBNF": [2012], "MJ": [round(float(measure(lay.park)) / 1e6, 4)]},
                            geometry=[lay.park], crs=EPSG)
    pit_area = np.asarray(measure(pits))
    c = gpd.GeoSeries(pits, crs=EPSG).centroid
    order = np.lexsort((c.x.to_numpy(), -c.y.to_numpy()))
    owners = ["息县濮公山第一石料厂", "息县濮公山第二石料厂", "息县东岳建材有限公司", "息县淮南采石场",
              "息县宏达石业有限公司", "息县濮公山石灰石矿", "息县金山建材厂", "息县顺发石料有限公司", "息县淮河石料厂"]
    pit_gdf = gpd.GeoDataFrame({
        "KSBH": [f"KS{k + 1:02d}" for k in range(len(pits))],
        "KSMC": [f"濮公山{k + 1}号采石坑" for k in range(len(pits))],
        "CKQR": owners,
        "KZ": ["建筑石料用灰岩"] * len(pits),
        "GBNF": [2012] * len(pits),
        "ZLZT": ["一期治理" if int(i) in trio else "待治理" for i in order],
        "MJ": [round(float(pit_area[i]) / HA_M2, 4) for i in order],
    }, geometry=[pits[i] for i in order], crs=EPSG)
    rest_gdf = gpd.GeoDataFrame({"XMMC": ["息县濮公山矿山地质环境恢复治理一期工程"], "TZJE": [RESTORATION_TZJE_WAN],
                                 "SSNF": [2015], "MJ": [round(float(measure(rest)) / 1e6, 4)]},
                                geometry=[rest], crs=EPSG)
    return park, pit_gdf, rest_gdf


def build_dem(lay: Layout, rng: np.random.Generator) -> tuple[np.ndarray, Any]:
    """Elevation (m) on 5 m cells over the park: a hill with quarry faces cut into it."""
    from affine import Affine

    cell = 5.0
    minx, miny, maxx, maxy = lay.park.buffer(250).bounds
    minx, miny = math.floor(minx / cell) * cell, math.floor(miny / cell) * cell
    maxx, maxy = math.ceil(maxx / cell) * cell, math.ceil(maxy / cell) * cell
    w, h = int(round((maxx - minx) / cell)), int(round((maxy - miny) / cell))
    transform = Affine(cell, 0.0, minx, 0.0, -cell, maxy)
    xs = minx + (np.arange(w) + 0.5) * cell
    ys = maxy - (np.arange(h) + 0.5) * cell
    X, Y = np.meshgrid(xs, ys)
    z = 36.0 + 0.002 * (Y - miny)
    pc = lay.park.centroid
    z += 78.0 * np.exp(-(((X - pc.x) / 520.0) ** 2 + ((Y - pc.y) / 380.0) ** 2))
    for p in lay.pits:
        q = p.centroid
        z += rng.uniform(8, 22) * np.exp(-(((X - q.x) ** 2 + (Y - q.y) ** 2) / (2 * 160.0 ** 2)))
    z += _smooth(rng.normal(0, 2.5, z.shape), 3)
    for p in lay.pits:
        mask = shapely.contains_xy(p, X, Y)
        if not mask.any():
            continue
        inside = np.zeros(z.shape)
        inside[mask] = shapely.distance(shapely.points(X[mask], Y[mask]), p.exterior)
        floor = float(np.percentile(z[mask], 5)) - rng.uniform(4, 12)
        blend = np.clip(inside / 7.5, 0, 1)
        z = np.where(mask, z - (z - floor) * blend, z)
    return np.round(z, 2).astype("float32"), transform


# ======================================================================================
# topsoil stripping (表土剥离) and enforcement (卫片执法)
# ======================================================================================

def build_stripping(lay: Layout, demo: gpd.GeoDataFrame, dltb: gpd.GeoDataFrame,
                    rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    n_app = sum(1 for *_, ok in LINK_PROJECTS if ok)
    construction = shapely.union_all(dltb.geometry[is_construction(dltb["DLBM"])].to_numpy())
    farm = shapely.union_all(dltb.geometry[dltb["DLBM"].str.startswith("01")].to_numpy())
    shapely.prepare(farm)
    hosts = sorted([z for z in lay.zones if z["project"] < n_app], key=lambda z: -z["target"])
    parts = split_total(round(STRIP_MU * 100), rng.uniform(0.8, 1.2, 4)) * MU_M2 / 100.0
    placed: list[BaseGeometry] = []
    used_zone: list[int] = []
    for a in parts:
        for zi, z in enumerate(hosts):
            if zi in used_zone or z["target"] < a * 1.6:
                continue
            region = z["geometry"].buffer(-12).difference(construction.buffer(8))
            try:
                g = _place(rng, region, lambda x, y: quad(rng, x, y, a, aspect=rng.uniform(1.0, 1.8), angle=4.0),
                           lambda g: g.intersection(farm).area > 0.85 * g.area, tries=600)
            except RuntimeError:
                continue
            placed.append(g)
            used_zone.append(zi)
            break
        else:
            raise RuntimeError("no room for a topsoil source")  # message: internal
    geoms = fit_areas(placed, parts)
    geoms[-1] = fit_area(geoms[-1], STRIP_MU * MU_M2 - _measure_sum(geoms[:-1]))
    kinds = ["工业用地", "房地产开发用地", "工业用地", "房地产开发用地"]
    names = ["息县绿色食品产业园{}号地块", "息县{}安置小区地块"]
    src = gpd.GeoDataFrame({
        "BLBH": [f"BL{k + 1:02d}" for k in range(4)],
        "XMMC": [names[k % 2].format(k + 1 if k % 2 == 0 else ["龙湖", "淮滨"][k // 2]) for k in range(4)],
        "YDLX": kinds, "DLBM": ["0103"] * 4, "BLHD": [STRIP_DEPTH_M] * 4, "QC": [1] * 4,
    }, geometry=geoms, crs=EPSG)
    for k, g in enumerate(geoms):
        assert g.intersection(construction).area < 1e-3
        under = dltb[dltb.geometry.intersects(g)]
        share = under.geometry.intersection(g).area
        src.loc[k, "DLBM"] = under["DLBM"].to_numpy()[int(np.argmax(share.to_numpy()))]
    # receivers: reclaimed homesteads of approved projects first, then low-grade dry land
    volume = STRIP_MU * MU_M2 * STRIP_DEPTH_M
    app_demo = demo[demo["PZZT"] == "已批准"]
    cs = gpd.GeoSeries(geoms, crs=EPSG).union_all().centroid
    dist = app_demo.geometry.distance(cs).sort_values()
    recs: list[dict[str, Any]] = []
    cap = 0.0
    for i in dist.index[:6]:
        g = app_demo.geometry[i]
        depth = float(rng.choice([0.20, 0.25, 0.30]))
        recs.append({"LX": "新复垦耕地", "LYXM": app_demo["XMMC"][i], "DLBM": "0702", "FTHD": depth, "_g": g})
        cap += g.area * depth
    dry = dltb[(dltb["DLBM"] == "0103") & ~dltb.geometry.intersects(lay.devzone) & (dltb["TBMJ"] > 4e4)]
    dry = dry.iloc[rng.permutation(len(dry))[:20]]
    for i in range(len(dry)):
        if cap >= 1.3 * volume and sum(r["LX"] == "低效耕地" for r in recs) >= 2:
            break
        g = dry.geometry.iloc[i]
        depth = float(rng.choice([0.20, 0.25]))
        recs.append({"LX": "低效耕地", "LYXM": "", "DLBM": "0103", "FTHD": depth, "_g": g})
        cap += g.area * depth
    rec = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "_g"} for r in recs],
                           geometry=[r["_g"] for r in recs], crs=EPSG)
    rec.insert(0, "JSBH", [f"JS{k + 1:02d}" for k in range(len(rec))])
    return src, rec


def build_enforcement(lay: Layout, dltb: gpd.GeoDataFrame, jbnt: gpd.GeoDataFrame,
                      rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    zones = shapely.union_all([z["geometry"] for z in lay.zones])
    ring = lay.ring.buffer(-30).difference(zones.buffer(50))
    approvals: list[BaseGeometry] = []
    for _ in range(18):
        a = float(rng.uniform(1.5e4, 9e4))
        approvals.append(_place(rng, ring, lambda x, y: quad(rng, x, y, a, aspect=rng.uniform(1.0, 2.0), angle=4.0),
                                lambda g: all(g.distance(o) > 40 for o in approvals)))
    ap_areas = np.asarray(measure(approvals))
    years = np.sort(rng.integers(2016, 2023, len(approvals)))
    ap = gpd.GeoDataFrame({
        "PZWH": [f"豫政土〔{y}〕{int(rng.integers(100, 999))}号" for y in years],
        "PZRQ": [f"{y}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 28)):02d}" for y in years],
        "XMMC": [f"息县{y}年度第{k % 4 + 1}批次城镇建设用地" for k, y in enumerate(years)],
        "YDLX": rng.choice(["工业用地", "城镇住宅用地", "商服用地", "公共管理与公共服务用地"], len(approvals)),
        "PZMJ": np.round(ap_areas / HA_M2, 4),
    }, geometry=approvals, crs=EPSG)
    jb_union = jbnt.geometry.union_all()
    approved_union = shapely.union_all(approvals).buffer(30)
    changes: list[tuple[BaseGeometry, str]] = []

    def free(g: BaseGeometry) -> bool:
        return all(g.distance(o) > 20 for o, _ in changes)
    for k in range(14):  # inside an approval
        host = approvals[k % len(approvals)].buffer(-8)
        g = _place(rng, host, lambda x, y: blob(rng, x, y, rng.uniform(2e3, 1.2e4), n=12, rough=0.2), free)
        changes.append((g, "新增建设用地"))
    for k in range(6):  # half in an approval
        b = approvals[(k * 3 + 1) % len(approvals)].exterior
        pt = b.interpolate(rng.uniform(0, b.length))
        changes.append((blob(rng, pt.x, pt.y, rng.uniform(3e3, 1e4), n=12, rough=0.2), "新增建设用地"))
    outside = STUDY.buffer(-300).difference(lay.devzone.buffer(100))
    for k in range(8):  # on permanent basic farmland
        g = _place(rng, jb_union.buffer(-10).intersection(outside),
                   lambda x, y: blob(rng, x, y, rng.uniform(1.5e3, 8e3), n=12, rough=0.2), free)
        changes.append((g, str(rng.choice(["新增建设用地", "推堆土", "设施农用地"]))))
    for k in range(6):  # farmland in the ring, no approval
        g = _place(rng, ring.difference(approved_union),
                   lambda x, y: blob(rng, x, y, rng.uniform(2e3, 1e4), n=12, rough=0.2), free)
        changes.append((g, "新增建设用地"))
    vil = dltb.geometry[dltb["DLBM"] == "0702"]
    for k in range(4):  # new houses in villages
        v = vil.iloc[int(rng.integers(len(vil)))].buffer(-10)
        g = _place(rng, v, lambda x, y: blob(rng, x, y, rng.uniform(600, 2500), n=10, rough=0.2), free)
        changes.append((g, "新增建设用地"))
    geoms = [g for g, _ in changes]
    areas = np.asarray(measure(geoms))
    c = gpd.GeoSeries(geoms, crs=EPSG).centroid
    perm = rng.permutation(len(geoms))
    ch = gpd.GeoDataFrame({
        "JCBH": [f"{COUNTY_CODE}2023{k + 1:04d}" for k in range(len(geoms))],
        "XZB": np.round(c.y.to_numpy()[perm], 2),
        "YZB": np.round(c.x.to_numpy()[perm], 2),
        "JCMJ": np.round(areas[perm] / HA_M2, 4),
        "QSX": ["2022-10"] * len(geoms), "HSX": ["2023-10"] * len(geoms),
        "BHLX": [changes[i][1] for i in perm],
    }, geometry=[geoms[i] for i in perm], crs=EPSG)
    return ch, ap


# ======================================================================================
# writing
# ======================================================================================

#: Every layer's fields: (name, fiona type, Chinese, English). The README's data
#: dictionary is this table.
SCHEMAS: dict[str, list[tuple[str, str, str, str]]] = {
    "county": [("XZQDM", "str:6", "行政区代码", "county code"), ("XZQMC", "str:12", "行政区名称", "county name"),
               ("MJ", "float:12.4", "面积(平方公里)", "area, km²")],
    "townships": [("XZQDM", "str:9", "乡镇代码", "township code"), ("XZQMC", "str:24", "乡镇名称", "township name"),
                  ("MJ", "float:12.4", "面积(平方公里)", "area, km²")],
    "dltb": [("BSM", "str:18", "标识码", "feature id"), ("TBBH", "str:8", "图斑编号", "patch number within the village"),
             ("DLBM", "str:5", "地类编码", "land-use code (GB/T 21010)"), ("DLMC", "str:30", "地类名称", "land-use name"),
             ("QSXZ", "str:2", "权属性质", "ownership: 10 state, 30 collective"),
             ("QSDWDM", "str:19", "权属单位代码", "owner unit code"), ("QSDWMC", "str:60", "权属单位名称", "owner unit name"),
             ("ZLDWDM", "str:19", "坐落单位代码", "location unit code"), ("ZLDWMC", "str:60", "坐落单位名称", "location unit name"),
             ("TBMJ", "float:15.2", "图斑面积(平方米)", "patch ellipsoidal area, m²"),
             ("KCXS", "float:6.4", "扣除系数", "field-ridge deduction coefficient"),
             ("KCMJ", "float:15.2", "扣除地类面积(平方米)", "deducted (ridge) area, m²"),
             ("TBDLMJ", "float:15.2", "图斑地类面积(平方米)", "class area = TBMJ − KCMJ, m²"),
             ("GDPDJB", "str:2", "耕地坡度级别", "farmland slope grade (1-5)"),
             ("GDLX", "str:2", "耕地类型", "farmland type, grades 2-5: TT 梯田 terraced, PD 坡地 sloping")],
    "survey_area": [("XZQDM", "str:6", "行政区代码", "county code (the study area stands for the county)"),
                    ("XZQMC", "str:30", "行政区名称", "name"),
                    ("KZMJ", "float:15.2", "控制面积(平方米)", "control area = survey ellipsoidal area, m²")],
    "survey_townships": [("XZQDM", "str:9", "乡镇代码", "township code = ZLDWDM[:9]"),
                         ("XZQMC", "str:24", "乡镇名称", "township name"),
                         ("KZMJ", "float:15.2", "控制面积(平方米)", "control area = survey ellipsoidal area, m²")],
    "villages": [("CJDCQDM", "str:12", "村级调查区代码", "village code = ZLDWDM[:12]"),
                 ("CJDCQMC", "str:60", "村级调查区名称", "village name (ZLDWMC)"),
                 ("KZMJ", "float:15.2", "控制面积(平方米)", "control area = survey ellipsoidal area, m²")],
    "jbnt": [("BSM", "str:18", "标识码", "feature id"), ("JBNTTBBH", "str:8", "基本农田图斑编号", "farmland patch number"),
             ("TBBH", "str:8", "图斑编号", "dltb patch number"), ("DLBM", "str:5", "地类编码", "land-use code"),
             ("DLMC", "str:30", "地类名称", "land-use name"), ("ZLDWDM", "str:19", "坐落单位代码", "location unit code"),
             ("ZLDWMC", "str:60", "坐落单位名称", "location unit name"), ("TBMJ", "float:15.2", "图斑面积(平方米)", "patch area, m²"),
             ("KCMJ", "float:15.2", "扣除地类面积(平方米)", "deducted area, m²"),
             ("JBNTMJ", "float:15.2", "基本农田面积(平方米)", "protected farmland area = TBMJ − KCMJ, m²"),
             ("ZLDJ", "str:2", "质量等级", "farmland quality grade (1 best – 15)")],
    "linkage_demolition": [("XMMC", "str:120", "项目名称", "project name"), ("XMBH", "str:12", "项目编号", "project id"),
                           ("PZZT", "str:12", "批准状态", "已批准 approved / 已申报 declared"),
                           ("PZWH", "str:60", "批准文号", "approval document"), ("CJQBH", "str:20", "拆旧区编号", "zone id"),
                           ("DLBM", "str:5", "地类编码", "land-use code before demolition"),
                           ("ZLDWDM", "str:19", "坐落单位代码", "village code"), ("FKDL", "str:5", "复垦地类", "class reclaimed to"),
                           ("MJ", "float:14.4", "面积(公顷)", "zone ellipsoidal area, ha")],
    "linkage_newbuild": [("XMMC", "str:120", "项目名称", "project name"), ("XMBH", "str:12", "项目编号", "project id"),
                         ("PZZT", "str:12", "批准状态", "已批准 approved / 已申报 declared"),
                         ("PZWH", "str:60", "批准文号", "approval document"), ("JXQBH", "str:20", "建新区编号", "zone id"),
                         ("GHYT", "str:30", "规划用途", "planned use"), ("MJ", "float:14.4", "面积(公顷)", "zone ellipsoidal area, ha")],
    "consolidation": [("XMMC", "str:120", "项目名称", "project name"), ("XMBH", "str:12", "项目编号", "project id"),
                      ("XMLX", "str:40", "项目类型", "project type"), ("XZQDM", "str:9", "乡镇代码", "township code"),
                      ("XZQMC", "str:24", "乡镇名称", "township"), ("LXNF", "int:4", "立项年份", "year started"),
                      ("JSGM", "float:14.2", "建设规模(公顷)", "construction scale = polygon area, ha"),
                      ("XZGDMJ", "float:14.2", "新增耕地面积(公顷)", "new farmland, ha"),
                      ("TZJE", "float:14.2", "投资金额(万元)", "investment, 10⁴ yuan")],
    "prereview": [("XMMC", "str:120", "项目名称", "project name"), ("XMBH", "str:12", "项目编号", "project id"),
                  ("JSDW", "str:90", "建设单位", "applicant"), ("XMLX", "str:20", "项目类型", "project type"),
                  ("SBRQ", "str:10", "申报日期", "submission date"),
                  ("SBMJ", "float:12.2", "申报面积(亩)", "submitted area = polygon area, mu"),
                  ("YDBZMJ", "float:12.2", "用地标准面积(亩)", "area allowed by the land-use standard, mu")],
    "industrial": [("QYBH", "str:8", "企业编号", "enterprise id"), ("QYMC", "str:90", "企业名称", "enterprise name"),
                   ("HYDM", "str:2", "行业代码", "industry division (GB/T 4754)"),
                   ("GDZC", "float:14.2", "固定资产投资(万元)", "fixed-asset investment, 10⁴ yuan"),
                   ("YDMJ", "float:14.2", "用地面积(平方米)", "site area = polygon area, m²"),
                   ("JZZDMJ", "float:14.2", "建筑物占地面积(平方米)", "building footprint, m²"),
                   ("GZWZDMJ", "float:14.2", "构筑物占地面积(平方米)", "structure footprint, m²"),
                   ("DCZDMJ", "float:14.2", "堆场占地面积(平方米)", "yard footprint, m²"),
                   ("ZJZMJ", "float:14.2", "总建筑面积(平方米)", "total floor area, each storey once, m²"),
                   ("GC8MJ", "float:14.2", "层高超8米建筑面积(平方米)", "floor area of storeys higher than 8 m, m²"),
                   ("BGSHMJ", "float:14.2", "行政办公及生活服务设施用地面积(平方米)", "office and living area, m²"),
                   ("LDMJ", "float:14.2", "绿地面积(平方米)", "green area, m²"),
                   ("YYSR", "float:14.2", "主营业务收入(万元)", "revenue, 10⁴ yuan"),
                   ("BZCF", "str:3", "是否标准厂房", "standard factory 是/否")],
    "minepark": [("GYMC", "str:60", "公园名称", "park name"), ("JB", "str:6", "级别", "level"),
                 ("PZNF", "int:4", "批准年份", "year designated"), ("GBNF", "int:4", "关停年份", "year mines closed"),
                 ("MJ", "float:12.4", "面积(平方公里)", "area, km²")],
    "minepark_pits": [("KSBH", "str:4", "矿山编号", "pit id"), ("KSMC", "str:30", "矿山名称", "pit name"),
                      ("CKQR", "str:60", "原采矿权人", "former licence holder"), ("KZ", "str:30", "矿种", "mineral"),
                      ("GBNF", "int:4", "关停年份", "year closed"), ("ZLZT", "str:12", "治理状态", "restoration status"),
                      ("MJ", "float:12.4", "面积(公顷)", "area, ha")],
    "minepark_restoration": [("XMMC", "str:90", "项目名称", "project name"),
                             ("TZJE", "float:12.2", "投资金额(万元)", "phase-1 investment, 10⁴ yuan"),
                             ("SSNF", "int:4", "实施年份", "year"), ("MJ", "float:12.4", "面积(平方公里)", "area, km²")],
    "stripping_sources": [("BLBH", "str:4", "剥离编号", "source id"), ("XMMC", "str:90", "项目名称", "project"),
                          ("YDLX", "str:30", "用地类型", "construction use"), ("DLBM", "str:5", "地类编码", "current land-use code"),
                          ("BLHD", "float:6.2", "剥离厚度(米)", "stripping depth, m"), ("QC", "int:2", "期次", "phase")],
    "stripping_receivers": [("JSBH", "str:4", "接收编号", "receiver id"), ("LX", "str:18", "类型", "新复垦耕地 reclaimed / 低效耕地 low-grade"),
                            ("LYXM", "str:120", "来源项目", "linkage project it was reclaimed by"),
                            ("DLBM", "str:5", "地类编码", "land-use code in dltb"),
                            ("FTHD", "float:6.2", "覆土厚度(米)", "spread depth, m")],
    "changes": [("JCBH", "str:14", "监测编号", "change patch id"), ("XZB", "float:14.2", "中心点X坐标", "centre X (northing), m"),
                ("YZB", "float:14.2", "中心点Y坐标", "centre Y (easting with zone 38), m"),
                ("JCMJ", "float:12.4", "监测面积(公顷)", "area, ha"), ("QSX", "str:7", "前时相", "earlier image"),
                ("HSX", "str:7", "后时相", "later image"), ("BHLX", "str:18", "变化类型", "change type")],
    "approvals": [("PZWH", "str:60", "批准文号", "approval document"), ("PZRQ", "str:10", "批准日期", "approval date"),
                  ("XMMC", "str:90", "项目名称", "batch name"), ("YDLX", "str:36", "用地类型", "use"),
                  ("PZMJ", "float:12.4", "批准面积(公顷)", "approved area = polygon area, ha")],
}


def write_shapefile(gdf: gpd.GeoDataFrame, path: Path, schema: list[tuple[str, str, str, str]]) -> None:
    """Write one layer with the fixed field schema, UTF-8 (.cpg) and a fixed .dbf date."""
    import fiona

    props = {name: ftype for name, ftype, _, _ in schema}
    fschema = {"geometry": "Polygon", "properties": props}
    geoms = list(gdf.geometry)
    if any(g.geom_type == "MultiPolygon" for g in geoms):
        fschema["geometry"] = "MultiPolygon"
        geoms = [shapely.geometry.MultiPolygon([g]) if g.geom_type == "Polygon" else g for g in geoms]
    columns: dict[str, list[Any]] = {}
    for name, ftype, _, _ in schema:
        values = gdf[name].tolist()
        if ftype.startswith("str"):
            columns[name] = ["" if v is None else str(v) for v in values]
        elif ftype.startswith("int"):
            columns[name] = [int(v) for v in values]
        else:
            columns[name] = [float(v) for v in values]
    names = list(columns)
    rows = list(zip(*columns.values()))
    # shapefile rings run clockwise (outer) / counter-clockwise (holes)
    geoms = [shapely.geometry.polygon.orient(g, -1.0) if g.geom_type == "Polygon" else g for g in geoms]
    with fiona.open(path, "w", driver="ESRI Shapefile", schema=fschema, crs="EPSG:4526", encoding="utf-8") as dst:
        dst.writerecords({"geometry": shapely.geometry.mapping(g), "properties": dict(zip(names, row))}
                         for g, row in zip(geoms, rows))
    dbf = path.with_suffix(".dbf")
    with open(dbf, "r+b") as f:
        f.seek(1)
        f.write(struct.pack("<3B", DBF_DATE[0] - 1900, DBF_DATE[1], DBF_DATE[2]))
    cpg = path.with_suffix(".cpg")
    if not cpg.exists():
        cpg.write_text("UTF-8", encoding="ascii")


def write_dem(z: np.ndarray, transform: Any, path: Path) -> None:
    import rasterio

    profile = {"driver": "GTiff", "width": z.shape[1], "height": z.shape[0], "count": 1, "dtype": "float32",
               "crs": "EPSG:4526", "transform": transform, "compress": "deflate", "predictor": 3,
               "tiled": True, "blockxsize": 256, "blockysize": 256, "nodata": -9999.0}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z, 1)
        dst.update_tags(1, UNITS="metre", DESCRIPTION="synthetic DEM of the Pugongshan mine park")


def build_all() -> tuple[dict[str, gpd.GeoDataFrame], tuple[np.ndarray, Any]]:
    """Build every vector layer and the DEM (elevation array, affine transform) in memory.

    The order matters: each step places its polygons clear of what earlier
    steps placed, and every section draws from its own seeded generator.
    """
    outline, towns = build_county()
    lay = build_layout(_rng(2))
    build_linkage(lay, _rng(3))
    place_villages(lay, _rng(4))
    demo_sel = select_demolition(lay, _rng(5))
    place_islands(lay, _rng(6))
    dltb = build_dltb(lay, towns, _rng(7))
    # merging slivers can move a few m² between construction and other land inside the
    # new-build zones: resize the last old-village island and rebuild until it is exact
    target = LINK_CONSTRUCTION_HA * HA_M2
    for _ in range(4):
        got = construction_in_newbuild(dltb, lay)
        if abs(got - target) < 0.5:
            break
        i = max(k for k, t in enumerate(lay.village_tag) if t == "old_village_in_newbuild")
        lay.villages_src[i] = fit_area(lay.villages_src[i], float(measure(lay.villages_src[i])) + target - got)
        dltb = build_dltb(lay, towns, _rng(7))
    else:
        raise RuntimeError(f"construction land in the approved new-build zones is {got} m², not {target}")  # message: internal
    jbnt = build_jbnt(dltb, lay, _rng(8))
    demo, newbuild = linkage_layers(lay, demo_sel, dltb, _rng(9))
    cons = build_consolidation(towns, outline, lay, _rng(10))
    pre = build_prereview(lay, jbnt, _rng(11))
    ind = build_industrial(lay, _rng(12))
    park, pits, rest = build_minepark(lay, _rng(13))
    dem = build_dem(lay, _rng(14))
    src, rec = build_stripping(lay, demo, dltb, _rng(15))
    changes, approvals = build_enforcement(lay, dltb, jbnt, _rng(16))
    dltb = grade_sample_farmland(dltb, lay, dem, _rng(17))
    units = survey_units(dltb)
    county = gpd.GeoDataFrame({"XZQDM": [COUNTY_CODE], "XZQMC": ["息县"],
                               "MJ": [round(float(measure(outline)) / 1e6, 4)]}, geometry=[outline], crs=EPSG)
    towns = towns.assign(MJ=np.round(np.asarray(measure(list(towns.geometry))) / 1e6, 4))
    layers = {"county": county, "townships": towns, "dltb": dltb, **units, "jbnt": jbnt,
              "linkage_demolition": demo, "linkage_newbuild": newbuild, "consolidation": cons,
              "prereview": pre, "industrial": ind, "minepark": park, "minepark_pits": pits,
              "minepark_restoration": rest, "stripping_sources": src, "stripping_receivers": rec,
              "changes": changes, "approvals": approvals}
    return layers, dem


def write_second_year(folder: str | Path) -> Path:
    """Derive ``dltb_2025`` from the layers written in ``folder`` and write it there.

    It is derived from the files as written (read back), so the sample file
    is exactly what :func:`xigeo.sample.second_year.second_year` gives for
    the sample ``dltb`` (the test of the change survey recomputes it).
    """
    from ..io import read_layer
    from .second_year import second_year

    folder = Path(folder)
    layers = [read_layer(folder / f"{name}.shp") for name in ("dltb", "linkage_demolition", "linkage_newbuild")]
    after, _ = second_year(*layers)
    target = folder / "dltb_2025.shp"
    write_shapefile(after, target, SCHEMAS["dltb"])
    return target


def generate(outdir: str | Path) -> list[Path]:
    """Build the sample data set and write it into ``outdir``; return the files written.

    Files are written into a temporary folder inside ``outdir`` and moved into
    place only when every layer has been built, so a failure leaves the old
    files untouched. ``README.md`` is not written (it is maintained by hand).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    layers, (z, transform) = build_all()
    written: list[Path] = []
    with tempfile.TemporaryDirectory(dir=outdir) as tmp:
        tmpdir = Path(tmp)
        for name, gdf in layers.items():
            write_shapefile(gdf, tmpdir / f"{name}.shp", SCHEMAS[name])
        write_dem(z, transform, tmpdir / "minepark_dem.tif")
        write_second_year(tmpdir)
        for f in sorted(tmpdir.iterdir()):
            if f.name.endswith(".aux.xml"):
                continue
            target = outdir / f.name
            shutil.move(str(f), target)
            written.append(target)
    logger.info(msg("已写入 %d 个文件到 %s", "wrote %d files to %s"), len(written), outdir)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xigeo.sample.generate", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", default=None,
                        help="folder to write (default: the repository's sample_shapefiles/)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    outdir = args.outdir or Path(__file__).resolve().parents[2] / "sample_shapefiles"
    generate(outdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
