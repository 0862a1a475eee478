"""The sheet index (图幅结合表): a layer with the map sheets it lies on, each labelled.

:func:`sheet_index_map` draws a layer and the outlines of every map sheet
(GB/T 13989-2012) its features touch at one scale, as :func:`xigeo.sheets`
lists them, each sheet labelled with its number. The outlines are the
densified ones of :func:`xigeo.sheet_polygon`, so their parallels curve as
they should in a Gauss–Krüger map.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from matplotlib.figure import Figure

from .composer import thematic_map
from .styles import as_layers, layer

__all__ = ["sheet_index_map"]


def sheet_index_map(data: Any, *, scale: Any = 10_000, title: str | None = None,
                    **kwargs: Any) -> Figure:
    """Draw a sheet index (图幅结合表) of a layer at a scale.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or MapLayer
        What the sheets are listed for; drawn under the sheet outlines.
    scale : int or str
        Scale denominator 1000000 … 500 (default 10000), as :func:`xigeo.sheet_number`.
    title : str, optional
        Default: ``"1:10000图幅结合表"``.
    **kwargs
        The keywords of :func:`~xigeo.maps.thematic_map` (``maker=``, ``date=``,
        ``paper=`` …).

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.xigeo_sheets``, the :class:`~xigeo.sheets.SheetsResult` drawn.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame({"XMBH": ["YS01"]},
    ...     geometry=[box(38_535_000, 3_578_000, 38_541_000, 3_583_000)], crs=4526)
    >>> fig = sheet_index_map(parcels, scale=10_000, date="2026年11月")
    >>> fig.xigeo_sheets.sheets.index.tolist()
    ['I50G088006', 'I50G088007', 'I50G089006', 'I50G089007']
    """
    from ..sheets import check_scale, sheets

    denominator = check_scale(scale)
    base = as_layers(data)
    target = base[0].data
    result = sheets(target, scale=denominator)
    outlines = gpd.GeoDataFrame({"sheet": result.sheets.index.to_numpy()},
                                geometry=result.sheets.geometry.to_numpy(),
                                crs=result.sheets.crs).to_crs(target.crs)
    grid = layer(outlines, "outline", label=f"1:{denominator}图幅", label_field="sheet",
                 edgecolor=(0.0, 0.3, 0.8), linewidth=0.9)
    kwargs.setdefault("source", f"图幅：GB/T 13989-2012，1:{denominator}")
    fig = thematic_map([*base, grid], title=title or f"1:{denominator}图幅结合表", **kwargs)
    fig.xigeo_sheets = result  # type: ignore[attr-defined]
    return fig
