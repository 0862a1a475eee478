"""Land-use code fields and overlay areas shared by the calculators.

- :func:`class_codes`: a land-use class field (DLBM, FKDL) as text, numbers refused
  (a code read as a number has lost its leading zero: 101 for 0101);
- :func:`overlay_m2`: the area of every piece shared by a zone and a patch,
  measured with the calculator's area method, for the linkage quota, the
  consolidation's new farmland and its township join;
- :func:`ha`: square metres to hectares.

The land-use code groups themselves are in :mod:`xigeo._landuse`.

>>> import pandas as pd
>>> class_codes(pd.DataFrame({"DLBM": [" 0101", "0702"]}), "DLBM", "dltb").tolist()
['0101', '0702']
>>> class_codes(pd.DataFrame({"DLBM": [101, 702]}), "DLBM", "dltb")
Traceback (most recent call last):
...
xigeo.errors.ValidationError: dltb：DLBM 存的是数字（101），但地类编码是带前导零的文本（0101、0702）：按数字读，0101 和 101 无法区分。修正：layer['DLBM'] = layer['DLBM'].astype('Int64').astype(str).str.zfill(4)
>>> float(ha(12_500.0))
1.25
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ._lang import msg
from .errors import ValidationError, fix
from .units import AreaUnit, convert_area

__all__ = ["class_codes", "overlay_m2", "ha"]

logger = logging.getLogger(__name__)


def class_codes(layer: pd.DataFrame, column: str, label: str) -> pd.Series:
    """A land-use code field as text; numbers (leading zeros lost: 101 for 0101) are refused."""
    values = layer[column]
    if pd.api.types.is_numeric_dtype(values):
        first = values.dropna().iloc[0] if values.notna().any() else ""
        how = fix(f"layer[{column!r}] = layer[{column!r}].astype('Int64').astype(str).str.zfill(4)",
                  msg(f"在文件中把 {column} 存为文本字段（QGIS 字段计算器："
                      f"lpad(to_string(\"{column}\"), 4, '0')）",
                      f"store {column} as a text field in the file (QGIS field calculator: "
                      f"lpad(to_string(\"{column}\"), 4, '0'))"))
        raise ValidationError(msg(
            f"{label}：{column} 存的是数字（{first}），但地类编码是带前导零的文本（0101、0702）："
            f"按数字读，0101 和 101 无法区分。修正：{how}",
            f"{label}: {column} holds numbers ({first}), but land-use codes are text with leading "
            f"zeros (0101, 0702): read as numbers, 0101 and 101 cannot be told apart. Fix: {how}"))
    return values.astype("string").str.strip()


def overlay_m2(zones: np.ndarray, patches: np.ndarray, crs: Any, *, label: str,
               method: str = "ellipsoidal") -> pd.DataFrame:
    """Area (``method``, default the survey ellipsoidal area) of every piece shared by a zone and a patch.

    Returns a frame with ``zone`` and ``patch`` (positions in the two arrays)
    and ``m2``, pieces without area left out. One STRtree query for all
    pairs, one intersection call, one area call: no Python loop per polygon.
    """
    import geopandas as gpd

    from ._overlay import intersection_pieces
    from .area import area

    try:
        zone_pos, patch_pos, pieces = intersection_pieces(zones, patches)
    except shapely.errors.GEOSException as err:
        raise ValidationError(msg(f"{label}：叠加分析失败（{err}）；请用 xigeo.validate_layer 检查图层，"
                                  "用 xigeo.repair 修复",
                                  f"{label}: the overlay failed ({err}); check the layers with "
                                  "xigeo.validate_layer and fix them with xigeo.repair")) from None
    m2 = area(gpd.GeoSeries(pieces, crs=crs), method=method, unit="m2").to_numpy()
    m2 = np.nan_to_num(m2)
    keep = m2 > 0
    logger.debug("overlay %s: %d candidate pairs, %d pieces with area", label, len(zone_pos),
                 int(keep.sum()))
    return pd.DataFrame({"zone": zone_pos[keep], "patch": patch_pos[keep], "m2": m2[keep]})


def ha(m2: Any) -> Any:
    """Square metres to hectares (arrays and Series keep their shape and index)."""
    return convert_area(m2, AreaUnit.M2, AreaUnit.HA)
