"""The synthetic Xi County sample data set.

A county laid out like Xi County (息县), Henan — outline, townships,
land-use survey patches with the units they tile (villages 村级调查区, the
townships' parts and the study area, each with its control area KZMJ),
permanent basic farmland and the project layers of
the county's land-saving report (linkage, consolidation, pre-review,
industrial cluster, Pugongshan mine park, topsoil stripping, enforcement) —
whose totals, computed by xigeo's own calculators, reproduce the report's
figures. The data are synthetic, not real cadastral data; see
``sample_shapefiles/README.md`` for the data dictionary and how every total
is defined. All layers are in EPSG:4526 (CGCS2000 3-degree GK zone 38, with
the zone prefix), UTF-8 with a ``.cpg`` file.

Examples
--------
>>> "dltb" in available and "minepark_dem" in available and "villages" in available
True
>>> path("linkage_newbuild").name
'linkage_newbuild.shp'
>>> load("county")["XZQMC"].iloc[0]
'息县'
>>> with load("minepark_dem") as dem:
...     dem.crs.to_epsg(), dem.res
(4526, (5.0, 5.0))
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .._lang import msg
from ..errors import LayerReadError

__all__ = ["available", "path", "load", "data_dir"]

logger = logging.getLogger(__name__)

#: Names of the sample layers, in the order the README lists them.
available: tuple[str, ...] = (
    "county", "townships", "dltb", "dltb_2025", "survey_area", "survey_townships", "villages", "jbnt", "linkage_demolition", "linkage_newbuild",
    "consolidation", "prereview", "industrial", "minepark", "minepark_pits",
    "minepark_restoration", "minepark_dem", "stripping_sources", "stripping_receivers",
    "changes", "approvals",
)

_RASTERS = {"minepark_dem": ".tif"}


def data_dir() -> Path:
    """The folder holding the sample files.

    An installed package carries them in ``xigeo/sample/data/`` (copied there
    from ``sample_shapefiles/`` when the wheel is built); a source checkout
    or an editable install reads the repository's ``sample_shapefiles/``.
    """
    here = Path(__file__).resolve().parent
    for folder in (here / "data", here.parents[1] / "sample_shapefiles"):
        if (folder / "county.shp").is_file():
            return folder
    first, second = here / "data", here.parents[1] / "sample_shapefiles"
    raise LayerReadError(msg(
        f"缺少示例数据文件：已查找 {first} 和 {second}；请用 `python -m xigeo.sample.generate` 重新生成",
        f"the sample data files are missing: looked in {first} and "
        f"{second}; rebuild them with `python -m xigeo.sample.generate`"))


def path(name: str) -> Path:
    """Path of a sample layer's main file (``.shp``, or ``.tif`` for the DEM).

    >>> path("minepark_dem").suffix
    '.tif'
    """
    if name not in available:
        names = ", ".join(available)
        raise KeyError(msg(f"没有示例图层 {name!r}；可用：{names}",
                           f"no sample layer {name!r}; available: {names}"))
    return data_dir() / f"{name}{_RASTERS.get(name, '.shp')}"


def load(name: str) -> Any:
    """Read a sample layer.

    Vector layers come back as a GeoDataFrame (through :func:`xigeo.io.read_layer`,
    so ``attrs["source"]`` names the file). The DEM ``"minepark_dem"`` comes back
    as an open :class:`rasterio.io.DatasetReader`; use it in a ``with`` block so
    the file is closed (or call ``path("minepark_dem")`` and open it yourself).
    """
    p = path(name)
    if name in _RASTERS:
        import rasterio

        return rasterio.open(p)
    try:
        from ..io import read_layer
    except ImportError:  # pragma: no cover - before xigeo.io existed
        import geopandas as gpd

        gdf = gpd.read_file(p)
        gdf.attrs["source"] = str(p)
        return gdf
    return read_layer(p)
