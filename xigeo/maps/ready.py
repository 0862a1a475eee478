"""Ready-made report maps, one function call each.

Every function takes plain layers (GeoDataFrames as read by
:func:`xigeo.read_layer`, or as returned by the calculators) and the keywords
of :func:`~xigeo.maps.thematic_map` (``maker=``, ``date=``, ``paper=``,
``orientation=``, ``grid=``, ``locator=`` …), and returns a Figure to show,
edit, :func:`~xigeo.maps.export_map` or bind with
:func:`~xigeo.maps.write_atlas`. They draw what they are given: the figures
on a map come from the calculators, never from the map.

Keywords follow one vocabulary: ``label_field=`` names the field written on
the features (None: no labels); a switch that turns labels on or off is a
bool named for what it labels (``zone_labels=``, ``area_labels=``); fields
read are ``<role>_field=`` and id fields ``id_field=`` /
``<layer>_id_field=``, as in the calculators.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from .._lang import msg
from ..crs import check_same_crs, normalize_crs
from ..errors import CRSError, OptionError, SchemaError
from ._fonts import font
from .composer import map_info, thematic_map
from .labels import hidden_keys
from .styles import MapLayer, layer

log = logging.getLogger(__name__)

__all__ = ["landuse_map", "farmland_overlap_map", "farmland_overlap_maps", "linkage_map", "consolidation_map",
           "minepark_map", "stripping_map", "enforcement_map"]


def _outline(data: gpd.GeoDataFrame | None, kind: str, **kw: Any) -> list[MapLayer]:
    return [] if data is None else [layer(data, kind, **kw)]


def _bounds(*layers: gpd.GeoDataFrame, margin: float = 0.08) -> tuple[float, float, float, float]:
    b = np.array([g.total_bounds for g in layers if g is not None and len(g)])
    x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    pad = margin * max(x1 - x0, y1 - y0, 1.0)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _clip(data: gpd.GeoDataFrame | None, extent: tuple[float, ...]) -> gpd.GeoDataFrame | None:
    """Only the features touching the extent (drawing speed; geometry unchanged)."""
    if data is None:
        return None
    x0, y0, x1, y1 = extent
    pad = 0.6 * max(x1 - x0, y1 - y0)  # the frame is larger than the extent asked for
    extent = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    return data.iloc[data.sindex.query(_box(extent), predicate="intersects")].sort_index()


def _box(extent: tuple[float, ...]) -> Any:
    from shapely import box
    return box(*extent)


def _require(data: gpd.GeoDataFrame, fields: list[str], name: str) -> None:
    missing = [f for f in fields if f and f not in data.columns]
    if missing:
        names, have = ", ".join(missing), ", ".join(map(str, data.columns))
        raise SchemaError(msg(f"{name} 缺少字段 {names}；现有字段：{have}",
                              f"{name} lacks field(s) {names}; fields: {have}"))


def landuse_map(landuse: gpd.GeoDataFrame, *, boundary: gpd.GeoDataFrame | None = None,
                column: str = "DLBM", title: str = "土地利用现状图", **kwargs: Any) -> Figure:
    """Land-use map (土地利用现状图): patches coloured by the land-use palette.

    Parameters
    ----------
    landuse : GeoDataFrame
        Survey patches (dltb) with a code field.
    boundary : GeoDataFrame, optional
        An outline drawn on top (county, township or study area).
    column : str
        The land-use code field.
    """
    layers = [layer(landuse, "landuse", column=column)]
    layers += _outline(boundary, "boundary", label="界线")
    kwargs.setdefault("source", "土地利用现状调查（地类图斑）")
    return thematic_map(layers, title=title, **kwargs)


def _overlap_pieces(parcels: gpd.GeoDataFrame, farmland: gpd.GeoDataFrame, overlaps: Any,
                    extent: tuple[float, ...], tolerance_m2: float) -> tuple[gpd.GeoDataFrame, Any]:
    """The overlap pieces (a GeoDataFrame with ``sliver``), and the PrereviewResult if given."""
    review = overlaps if hasattr(overlaps, "overlap") and hasattr(overlaps, "projects") else None
    if overlaps is None:
        from ..farmland import farmland_overlap

        overlaps = farmland_overlap(parcels, _clip(farmland, extent), tolerance_m2=tolerance_m2)
    if not isinstance(overlaps, pd.DataFrame):
        overlaps = getattr(overlaps, "overlap", overlaps)  # a PrereviewResult
    pieces = overlaps if isinstance(overlaps, pd.DataFrame) else getattr(overlaps, "pieces", None)
    if not isinstance(pieces, gpd.GeoDataFrame):
        raise TypeError(msg("overlaps 须为 FarmlandOverlap 或重叠碎块的 GeoDataFrame",
                            "overlaps must be a FarmlandOverlap or a GeoDataFrame of overlap pieces"))
    pieces = pieces.copy()
    pieces["sliver"] = (pieces["sliver"].astype(bool) if "sliver" in pieces.columns
                        else pd.Series(False, index=pieces.index))
    return pieces, review


def _ids_as_column(parcels: gpd.GeoDataFrame, field: str | None) -> gpd.GeoDataFrame:
    """Parcels indexed by their id field (as the calculators index them) keep it as a column
    too, so it can be written on the map."""
    if field is not None and field not in parcels.columns and parcels.index.name == field:
        return parcels.assign(**{field: parcels.index.to_numpy()})
    return parcels


def _project_totals(pieces: gpd.GeoDataFrame, review: Any) -> pd.Series:
    """亩 on basic farmland per occupying project (parcel index label): the pre-review table's
    ``jbnt_mu`` when a PrereviewResult is given, else the sum of the real pieces' ``area_mu``."""
    if review is not None and "jbnt_mu" in review.projects.columns:
        mu = review.projects["jbnt_mu"]
        return mu[mu > 0]
    if "area_mu" not in pieces.columns or "parcel_id" not in pieces.columns:
        return pd.Series(dtype=float)
    return pieces[~pieces["sliver"]].groupby("parcel_id")["area_mu"].sum()


def farmland_overlap_map(parcels: gpd.GeoDataFrame, farmland: gpd.GeoDataFrame, *,
                         overlaps: Any = None, landuse: gpd.GeoDataFrame | None = None,
                         label_field: str | None = "XMBH", tolerance_m2: float = 10.0,
                         area_labels: bool = True, project_totals: bool = False,
                         title: str = "建设项目与永久基本农田叠加图", **kwargs: Any) -> Figure:
    """Parcels over permanent basic farmland, the overlap pieces highlighted.

    Parameters
    ----------
    parcels : GeoDataFrame
        Project parcels (pre-review projects, new-build zones …).
    farmland : GeoDataFrame
        Permanent basic farmland (jbnt).
    overlaps : FarmlandOverlap, PrereviewResult or GeoDataFrame, optional
        The result of :func:`xigeo.farmland.farmland_overlap` (or its
        ``pieces``, or a :func:`xigeo.prereview.prereview` result, whose
        ``overlap`` is used). Without it the overlap is computed here with that
        function (survey ellipsoidal areas, ``tolerance_m2`` slivers).
        Slivers are drawn apart from the real overlap.
    landuse : GeoDataFrame, optional
        Land-use patches as a faded background.
    label_field : str, optional
        Field of ``parcels`` written on them (None for no labels; ignored if
        ``parcels`` has no such field).
    area_labels : bool
        Write each overlap piece's area (亩, from the ``area_mu`` field).
    project_totals : bool
        Instead of the parcel ids and the pieces' areas, write one label per
        project on farmland: its id and its area on farmland ("YS2014008：
        14.80亩"; the pre-review table's figure when ``overlaps`` is a
        PrereviewResult, else the sum of its pieces). For an overview where
        the pieces are too small to label (:func:`farmland_overlap_maps`).
    """
    check_same_crs(parcels, farmland, names=("parcels", "farmland"))
    parcels = _ids_as_column(parcels, label_field)
    if label_field is not None and label_field not in parcels.columns:
        label_field = None
    extent = kwargs.pop("extent", None) or _bounds(parcels, margin=0.15)
    pieces, review = _overlap_pieces(parcels, farmland, overlaps, extent, tolerance_m2)
    sliver = pieces["sliver"]
    real = pieces[~sliver].copy()
    piece_labels = None
    if area_labels and "area_mu" in real.columns and not project_totals:
        real["_area_label"] = [f"{v:.2f}亩" for v in real["area_mu"]]
        piece_labels = "_area_label"
    shown_parcels, parcel_labels = parcels, label_field
    on_farmland = None
    if project_totals:
        totals = _project_totals(pieces, review)
        on_farmland = parcels.loc[parcels.index.intersection(totals.index)].copy()
        names = (on_farmland[label_field].astype(str) + "：" if label_field
                 else pd.Series("", index=on_farmland.index)).tolist()
        on_farmland["_total_label"] = [f"{n}{totals[i]:.2f}亩"
                                       for n, i in zip(names, on_farmland.index)]
        parcel_labels = None
    layers: list[MapLayer] = []
    if landuse is not None:
        layers.append(layer(_clip(landuse, extent), "landuse", legend=False, alpha=0.4))
    layers += [layer(_clip(farmland, extent), "farmland"),
               layer(shown_parcels, "parcels", label=kwargs.pop("parcel_label", "建设项目用地"),
                     label_field=parcel_labels),
               layer(real, "overlap", label_field=piece_labels)]
    if sliver.any():
        layers.append(layer(pieces[sliver], "overlap", label="细碎重叠（不超过容差）",
                            facecolor=(1.0, 0.85, 0.0, 0.9), edgecolor=(0.6, 0.45, 0.0)))
    if on_farmland is not None and len(on_farmland):
        # a dot marks each project on farmland (under a millimetre on an overview), labelled
        # beside it with its area on farmland
        dots = on_farmland.set_geometry(on_farmland.geometry.representative_point())
        layers.append(layer(dots, "points", label="占用永久基本农田的项目（标注占用面积）",
                            color=(0.55, 0.0, 0.65), markersize=22))
        layers.append(layer(on_farmland, "outline", legend=False, edgecolor=(0.4, 0.0, 0.5),
                            linewidth=1.4, label_field="_total_label"))
    kwargs.setdefault("source", "永久基本农田划定成果；建设项目用地范围")
    return thematic_map(layers, title=title, extent=extent, **kwargs)


def farmland_overlap_maps(parcels: gpd.GeoDataFrame, farmland: gpd.GeoDataFrame, *,
                          overlaps: Any = None, landuse: gpd.GeoDataFrame | None = None,
                          label_field: str | None = "XMBH", name_field: str | None = "XMMC",
                          tolerance_m2: float = 10.0, detail_mm: float = 5.0,
                          title: str = "建设项目与永久基本农田叠加图",
                          **kwargs: Any) -> list[Figure]:
    """An overview of every project plus a detail page per small project on farmland.

    The overview (:func:`farmland_overlap_map` with ``project_totals=True``)
    labels each project on basic farmland with its id and its area on
    farmland, which is the pre-review table's figure. A project on farmland
    whose larger side is under ``detail_mm`` millimetres on the overview's
    paper (too small to read its pieces), or whose label found no free place
    on the overview (a tight cluster), gets a detail page after it, at the
    round scale that fits it: the project, the farmland, every overlap piece
    labelled with its area (亩) and, as subtitle, the project's total and
    piece count; its locator shows where it lies among all the projects.
    Keywords are :func:`thematic_map`'s; ``scale=``, ``center=`` and
    ``extent=`` apply to the overview only.

    Returns
    -------
    list of Figure
        The overview, then the detail pages in project order. Each detail
        page's ``fig.xigeo_map.page`` is (k, n, 1, 1) for the k-th of n.
    """
    from .._options import positive

    detail_mm = positive(detail_mm, name="detail_mm")
    parcels = _ids_as_column(parcels, label_field)
    if label_field is not None and label_field not in parcels.columns:
        label_field = None
    if name_field is not None and name_field not in parcels.columns:
        name_field = None
    extent = kwargs.get("extent") or _bounds(parcels, margin=0.15)
    pieces, review = _overlap_pieces(parcels, farmland, overlaps, extent, tolerance_m2)
    overview = farmland_overlap_map(parcels, farmland, overlaps=review if review is not None
                                    else pieces, landuse=landuse,
                                    label_field=label_field, project_totals=True, title=title,
                                    **kwargs)
    totals = _project_totals(pieces, review)
    denominator = map_info(overview).scale
    occupying = parcels.loc[parcels.index.intersection(totals.index)]
    b = occupying.geometry.bounds
    size_mm = np.maximum(b["maxx"] - b["minx"], b["maxy"] - b["miny"]) / (denominator or 1) * 1000
    small_mask = (size_mm < detail_mm).to_numpy() if denominator else np.zeros(len(occupying), bool)
    # a project whose label found no place on the overview (a tight cluster) gets its page
    # too: every project on farmland has its total printed somewhere
    unlabelled = occupying.index.isin(hidden_keys(overview))
    small = occupying[small_mask | unlabelled]
    figures = [overview]
    detail_kw = {k: v for k, v in kwargs.items() if k not in ("scale", "center", "extent", "fit")}
    if detail_kw.get("locator") is None:
        x0, y0, x1, y1 = map_info(overview).extent
        detail_kw["locator"] = gpd.GeoDataFrame(
            geometry=[_box((x0, y0, x1, y1))] + list(parcels.geometry.values), crs=parcels.crs)
    real = pieces[~pieces["sliver"]].copy()
    real["_area_label"] = [f"{v:.2f}亩" for v in real["area_mu"]]
    for k, idx in enumerate(small.index, start=1):
        mine = real[real["parcel_id"] == idx]
        ident = str(small.at[idx, label_field]) if label_field else str(idx)
        name = f"　{small.at[idx, name_field]}" if name_field else ""
        box = _bounds(small.loc[[idx]], margin=0.35)
        near = _clip(parcels, box)
        layers: list[MapLayer] = []
        if landuse is not None:
            layers.append(layer(_clip(landuse, box), "landuse", legend=False, alpha=0.4))
        layers += [layer(_clip(farmland, box), "farmland"),
                   layer(near, "parcels", label="建设项目用地"),
                   layer(_clip(real, box), "overlap", label_field="_area_label"),
                   layer(small.loc[[idx]].assign(_id=ident), "outline", label="本项目用地范围",
                         edgecolor=(0.85, 0.0, 0.0), linewidth=1.6)]
        fig = thematic_map(
            layers, title=f"{title}（{ident}局部放大图）",
            subtitle=f"{ident}{name}　占用永久基本农田{totals[idx]:.2f}亩（{len(mine)}块）",
            extent=box, source=kwargs.get("source", "永久基本农田划定成果；建设项目用地范围"),
            page=(k, len(small), 1, 1), **{k2: v for k2, v in detail_kw.items() if k2 != "source"})
        figures.append(fig)
    log.info(msg("占用永久基本农田图：总图 1:%s，详图 %d 页（图上小于 %g mm 的项目）",
                 "farmland overlap maps: overview at 1:%s, %d detail pages (projects under %g mm)"),
             denominator, len(small), detail_mm)
    return figures


def linkage_map(demolition: gpd.GeoDataFrame, newbuild: gpd.GeoDataFrame, *,
                farmland: gpd.GeoDataFrame | None = None,
                landuse: gpd.GeoDataFrame | None = None,
                boundary: gpd.GeoDataFrame | None = None, project: str | None = None,
                project_field: str = "XMMC", zone_labels: bool | None = None,
                title: str | None = None, **kwargs: Any) -> Figure:
    """Linkage project map (增减挂钩项目图): demolition and new-build zones.

    Parameters
    ----------
    demolition, newbuild : GeoDataFrame
        拆旧区 and 建新区 zones.
    farmland, landuse, boundary : GeoDataFrame, optional
        Background layers: permanent basic farmland, land use, an outline.
    project : str, optional
        Map one project only (its ``project_field`` value); the title names it.
    zone_labels : bool, optional
        Write zone ids (CJQBH / JXQBH) on the zones; default: True for one
        ``project``, False for the whole county.
    """
    check_same_crs(demolition, newbuild, names=("demolition", "newbuild"))
    if project is not None:
        _require(demolition, [project_field], "demolition")
        _require(newbuild, [project_field], "newbuild")
        demolition = demolition[demolition[project_field] == project]
        newbuild = newbuild[newbuild[project_field] == project]
        if not len(demolition) and not len(newbuild):
            raise OptionError(msg(f"没有 {project_field} = {project!r} 的区块",
                                  f"no zone has {project_field} = {project!r}"))
    zone_labels = (project is not None) if zone_labels is None else zone_labels
    extent = kwargs.pop("extent", None) or _bounds(demolition, newbuild, margin=0.06)
    layers: list[MapLayer] = []
    if landuse is not None:
        layers.append(layer(_clip(landuse, extent), "landuse", legend=False, alpha=0.4))
    if farmland is not None:
        layers.append(layer(_clip(farmland, extent), "farmland"))
    layers.append(layer(demolition, "demolition",
                        label_field="CJQBH" if zone_labels and "CJQBH" in demolition.columns
                        else None))
    layers.append(layer(newbuild, "newbuild",
                        label_field="JXQBH" if zone_labels and "JXQBH" in newbuild.columns
                        else None))
    layers += _outline(boundary, "boundary", label="界线")
    if title is None:
        title = f"{project}示意图" if project else "城乡建设用地增减挂钩项目分布图"
    kwargs.setdefault("source", "城乡建设用地增减挂钩项目拆旧区、建新区")
    return thematic_map(layers, title=title, extent=extent, **kwargs)


def consolidation_map(projects: gpd.GeoDataFrame, *, townships: gpd.GeoDataFrame | None = None,
                      county: gpd.GeoDataFrame | None = None, column: str | None = "XMLX",
                      label_field: str | None = "XMBH", title: str = "土地综合整治项目分布图",
                      **kwargs: Any) -> Figure:
    """Land-consolidation projects (土地整治项目) over township boundaries.

    ``column`` colours the projects by a category (project type by default;
    None: one colour); ``label_field`` writes a field on them (None: no labels).
    """
    if column is not None and column not in projects.columns:
        column = None
    if label_field is not None and label_field not in projects.columns:
        label_field = None
    layers = _outline(townships, "township")
    if column is None:
        layers.append(layer(projects, "parcels", label="整治项目", label_field=label_field,
                            facecolor=(0.3, 0.7, 0.3, 0.6), edgecolor=(0.1, 0.4, 0.1)))
    else:
        layers.append(layer(projects, "zones", column=column, label_field=label_field))
    layers += _outline(county, "boundary")
    kwargs.setdefault("source", "土地综合整治项目库")
    return thematic_map(layers, title=title, **kwargs)


def _read_dem(dem: Any) -> tuple[np.ma.MaskedArray, tuple[float, float, float, float], float, Any]:
    """Elevation (masked), extent (l, r, b, t), cell size, CRS from a path or an open dataset."""
    import rasterio
    from rasterio.plot import plotting_extent

    if isinstance(dem, (str, bytes)) or hasattr(dem, "__fspath__"):
        with rasterio.open(dem) as src:
            return _read_dem(src)
    z = dem.read(1, masked=True).astype("float64")
    return z, plotting_extent(dem), float(abs(dem.transform.a)), dem.crs


def minepark_map(park: gpd.GeoDataFrame, pits: gpd.GeoDataFrame, *,
                 restoration: gpd.GeoDataFrame | None = None, dem: Any = None,
                 label_field: str | None = "KSMC", title: str = "矿山公园地质环境治理示意图",
                 vertical_exaggeration: float = 2.0, **kwargs: Any) -> Figure:
    """Mine park map (矿山公园): park outline, closed pits, restoration zone, DEM hillshade.

    ``dem`` is a raster path or an open rasterio dataset in the layers' CRS;
    it is drawn as a hillshade tinted by elevation. ``label_field`` is the
    field of ``pits`` written on them (None: no labels).
    """
    check_same_crs(park, pits, names=("park", "pits"))
    if label_field is not None and label_field not in pits.columns:
        label_field = None
    extra = None
    if dem is not None:
        z, dem_extent, cell, dem_crs = _read_dem(dem)
        if dem_crs is None or not normalize_crs(dem_crs).equals(normalize_crs(park.crs)):
            raise CRSError(msg(f"DEM 的坐标系是 {dem_crs}，而矿山公园图层是 {park.crs}。"
                               "解决：把 DEM 重投影到图层的坐标系（rasterio.warp / gdalwarp）",
                               f"the DEM is in {dem_crs} but the park is in {park.crs}. "
                               "Fix: warp the DEM to the layers' CRS (rasterio.warp / gdalwarp)"))

        def extra(ax: Any) -> list[Any]:
            from matplotlib.colors import LightSource

            ls = LightSource(azdeg=315, altdeg=45)
            filled = z.filled(np.nan)
            base = np.where(np.isnan(filled), np.nanmin(filled), filled)
            rgb = ls.shade(base, cmap=_dem_cmap(), blend_mode="soft",
                           vert_exag=vertical_exaggeration, dx=cell, dy=cell)
            alpha = (~np.isnan(filled)).astype(float)
            rgba = np.dstack([rgb[..., :3], alpha])
            ax.imshow(rgba, extent=dem_extent, origin="upper", zorder=0.5, interpolation="bilinear",
                      gid="xigeo-hillshade")
            lo, hi = np.nanmin(filled), np.nanmax(filled)
            return [Patch(facecolor=_dem_cmap()(0.15), edgecolor="none",
                          label=f"地形晕渲（高程 {lo:.0f}–{hi:.0f} 米）")]

    layers = [layer(park, "outline", label="矿山公园范围", edgecolor=(0.0, 0.45, 0.2),
                    linewidth=1.6)]
    if restoration is not None:
        layers.append(layer(restoration, "parcels", label="一期治理区",
                            facecolor=(0.2, 0.6, 1.0, 0.25), edgecolor=(0.0, 0.3, 0.8),
                            linewidth=1.0, hatch="..."))
    layers.append(layer(pits, "parcels", label="关停采石坑", label_field=label_field,
                        facecolor=(0.55, 0.35, 0.2, 0.55), edgecolor=(0.35, 0.15, 0.05)))
    kwargs.setdefault("source", "矿山公园规划范围；数字高程模型")
    kwargs.setdefault("terrain", dem is not None)  # the sign-off block then prints 高程基准
    return thematic_map(layers, title=title, extra=extra, **kwargs)


def _dem_cmap() -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "xigeo_dem", [(0.80, 0.90, 0.75), (0.93, 0.90, 0.70), (0.82, 0.70, 0.55),
                      (0.70, 0.58, 0.48)])


def stripping_map(sources: gpd.GeoDataFrame, receivers: gpd.GeoDataFrame, *,
                  flows: pd.DataFrame | None = None, id_field: str = "BLBH",
                  receivers_id_field: str = "JSBH", volume_field: str = "volume_m3",
                  landuse: gpd.GeoDataFrame | None = None,
                  title: str = "表土剥离与再利用示意图", **kwargs: Any) -> Figure:
    """Topsoil stripping map (表土剥离): sources, receivers and the flows between them.

    Parameters
    ----------
    sources, receivers : GeoDataFrame
        Stripping sites (表土剥离区) and receiving sites (接收区), with id fields
        ``id_field`` and ``receivers_id_field`` (as in
        :func:`xigeo.stripping.stripping_plan`), written on the sites.
    flows : StrippingPlan or DataFrame, optional
        The result of :func:`xigeo.stripping.stripping_plan` (or its
        ``flows`` table: columns ``source``, ``receiver``, ``volume_m3``), or
        any table with the id fields ``id_field``, ``receivers_id_field`` and
        ``volume_field`` (m³). A 合计 row is ignored. Arrows are drawn with a width
        proportional to the volume and labelled in 万m³.
    """
    check_same_crs(sources, receivers, names=("sources", "receivers"))
    _require(sources, [id_field], "sources")
    _require(receivers, [receivers_id_field], "receivers")
    extra = None
    if flows is not None:
        flows = getattr(flows, "flows", flows)
        flows = flows[flows.index.astype(str) != "合计"].reset_index()
        if id_field not in flows.columns and "source" in flows.columns:
            flows = flows.rename(columns={"source": id_field, "receiver": receivers_id_field})
        _require(flows, [id_field, receivers_id_field, volume_field], "flows")  # type: ignore[arg-type]
        src_pt = sources.set_index(id_field).geometry.representative_point()
        rcv_pt = receivers.set_index(receivers_id_field).geometry.representative_point()
        unknown = sorted(set(flows[id_field]) - set(src_pt.index)) + sorted(
            set(flows[receivers_id_field]) - set(rcv_pt.index))
        if unknown:
            ids = ", ".join(map(str, unknown))
            raise SchemaError(msg(f"调运表中的编号不在图层中：{ids}", f"flows name ids not in the layers: {ids}"))

        def extra(ax: Any) -> list[Any]:
            vmax = float(flows[volume_field].max()) or 1.0
            for row in flows.itertuples(index=False):
                a = src_pt[getattr(row, id_field)]
                b = rcv_pt[getattr(row, receivers_id_field)]
                v = float(getattr(row, volume_field))
                width = 0.8 + 3.2 * v / vmax
                ax.add_patch(FancyArrowPatch((a.x, a.y), (b.x, b.y), arrowstyle="-|>",
                                             mutation_scale=8 + 6 * v / vmax, linewidth=width,
                                             color=(0.55, 0.3, 0.1), alpha=0.85, zorder=25,
                                             connectionstyle="arc3,rad=0.12", gid="xigeo-flow"))
                ax.text((a.x + b.x) / 2, (a.y + b.y) / 2, f"{v / 1e4:.2f}万m³", ha="center",
                        va="bottom", fontproperties=font(6), color=(0.45, 0.2, 0.0), zorder=26,
                        gid="xigeo-flow-label")
            return [Line2D([], [], color=(0.55, 0.3, 0.1), linewidth=2.0, marker=">",
                           markevery=[1], label="表土调运方向（万m³）")]

    extent = kwargs.pop("extent", None) or _bounds(sources, receivers, margin=0.08)
    layers: list[MapLayer] = []
    if landuse is not None:
        layers.append(layer(_clip(landuse, extent), "landuse", legend=False, alpha=0.4))
    layers += [layer(sources, "parcels", label="表土剥离区", label_field=id_field,
                     facecolor=(0.85, 0.45, 0.1, 0.6), edgecolor=(0.6, 0.25, 0.0)),
               layer(receivers, "parcels", label="表土接收区", label_field=receivers_id_field,
                     facecolor=(0.3, 0.7, 0.2, 0.55), edgecolor=(0.1, 0.45, 0.05))]
    kwargs.setdefault("source", "表土剥离项目；接收区（新复垦耕地、低效耕地）")
    return thematic_map(layers, title=title, extent=extent, extra=extra, **kwargs)


#: enforcement verdicts (xigeo.enforcement) -> legend text and colour, most serious first
VERDICTS_ZH = {
    "basic farmland": ("未批占用永久基本农田", (0.85, 0.0, 0.0)),
    "farmland": ("未批占用耕地", (1.0, 0.55, 0.0)),
    "other": ("未批占用其他土地", (1.0, 0.85, 0.2)),
    "approved": ("已批准", (0.3, 0.7, 0.3)),
}


def enforcement_map(changes: gpd.GeoDataFrame, approvals: gpd.GeoDataFrame, *,
                    result: Any = None, farmland: gpd.GeoDataFrame | None = None,
                    verdict_field: str = "verdict", label_field: str | None = None,
                    title: str = "卫片执法检查图斑分布图", **kwargs: Any) -> Figure:
    """Satellite change patches (卫片图斑) over approvals, coloured by verdict.

    Parameters
    ----------
    changes : GeoDataFrame
        Change patches, indexed like ``result`` (e.g. ``set_index("JCBH")``).
    approvals : GeoDataFrame
        Approved construction land (批准建设用地), drawn as outlines.
    result : EnforcementResult or DataFrame, optional
        :func:`xigeo.enforcement.enforcement_check`'s result or its
        ``changes`` table (indexed like ``changes``): its ``verdict_field`` colours the patches (red on basic
        farmland, orange on farmland, yellow on other land, green approved).
        Without it all patches have one colour.
    farmland : GeoDataFrame, optional
        Permanent basic farmland as a hatched background.
    verdict_field : str
        The verdict column of ``result``.
    label_field : str, optional
        Field of ``changes`` written on the patches (``"index"``: the index;
        None: no labels).

    Patches too small to see at the map's scale are also marked with a dot
    of their colour at a point inside them.
    """
    check_same_crs(changes, approvals, names=("changes", "approvals"))
    patches = changes.copy()
    if label_field == "index":
        patches["_id"] = patches.index.astype(str)
        label_field = "_id"
    layers: list[MapLayer] = []
    extent = kwargs.pop("extent", None) or _bounds(changes, approvals, margin=0.05)
    if farmland is not None:
        layers.append(layer(_clip(farmland, extent), "farmland"))
    layers.append(layer(approvals, "outline", label="批准建设用地", edgecolor=(0.0, 0.35, 0.8),
                        linewidth=0.9))
    if result is not None:
        table = result if isinstance(result, pd.DataFrame) else result.changes
        table = table[table.index.astype(str) != "合计"]
        missing = patches.index.difference(table.index)
        if len(missing):
            ids = ", ".join(map(str, missing[:20]))
            raise SchemaError(msg(f"结果表中没有变化图斑 {ids} 的行；两者都应以图斑编号为索引",
                                  f"result has no row for change patch(es) {ids}; index both by the patch id"))
        names = {k: v[0] for k, v in VERDICTS_ZH.items()}
        patches["_verdict"] = table.loc[patches.index, verdict_field].map(lambda v: names.get(v, v))
        colors = {v[0]: v[1] for v in VERDICTS_ZH.values()}
        layers.append(layer(patches, "zones", column="_verdict", label_field=label_field,
                            colors=colors,
                            order=[v[0] for v in VERDICTS_ZH.values()], alpha=0.85))
        dot_colors = [colors.get(v, (0.5, 0.5, 0.5)) for v in patches["_verdict"]]
    else:
        layers.append(layer(patches, "parcels", label="卫片图斑", label_field=label_field))
        dot_colors = [(0.85, 0.0, 0.0)] * len(patches)
    points = patches.geometry.representative_point()

    def extra(ax: Any) -> list[Any]:
        ax.scatter(points.x, points.y, s=14, c=dot_colors, edgecolors="black", linewidths=0.4,
                   zorder=3, gid="xigeo-change-dots")
        return []

    kwargs.setdefault("source", "卫片执法检查变化图斑；批准建设用地")
    return thematic_map(layers, title=title, extent=extent, extra=extra, **kwargs)
