"""Shared plumbing of the calculators' result tables.

Every calculator returns a DataFrame indexed by the project / parcel id, with
the unit in each column name (``area_ha``, ``volume_m3``, ``investment_wan_yuan``).
These helpers give them one behaviour for the things they all need: checking
required fields, refusing bad values with the row ids, a total row, and
Chinese column labels for reports (``labels="zh"``).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"area_ha": [1.5, 2.25], "count": [1, 2]}, index=pd.Index(["甲", "乙"], name="XMMC"))
>>> add_total(t)
       area_ha  count
XMMC
甲         1.50      1
乙         2.25      2
合计        3.75      3
>>> relabel(t, {"area_ha": "面积(公顷)", "count": "个数"}, labels="zh").columns.tolist()
['面积(公顷)', '个数']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .crs import layer_name
from ._lang import msg
from .errors import SchemaError, ValidationError, format_ids

__all__ = ["TOTAL_LABEL", "require_fields", "check_rows", "index_by", "add_total", "relabel",
           "check_labels"]

#: index label of the total row (reports are Chinese; the label reads 合计 = total)
TOTAL_LABEL = "合计"


def require_fields(data: pd.DataFrame, fields: Iterable[str], *, name: str | None = None) -> None:
    """Raise SchemaError listing every required field missing from ``data``.

    >>> require_fields(pd.DataFrame({"XMMC": []}), ["XMMC", "TZJE", "JSGM"], name="consolidation")
    Traceback (most recent call last):
    ...
    xigeo.errors.SchemaError: consolidation 缺少字段 TZJE, JSGM；现有字段：XMMC。解决：重命名字段（gdf.rename(columns={...})），或在选项中给出字段名
    """
    missing = [f for f in fields if f not in data.columns]
    if missing:
        have = ", ".join(str(c) for c in data.columns if c != getattr(data, "_geometry_column_name", None))
        label, names = layer_name(data, name), ", ".join(missing)
        raise SchemaError(msg(
            f"{label} 缺少字段 {names}；现有字段：{have or '无'}。解决：重命名字段"
            "（gdf.rename(columns={...})），或在选项中给出字段名",
            f"{label} is missing the field(s) {names}; it has: "
            f"{have or 'no fields'}. Fix: rename the columns (gdf.rename(columns={{...}})) or "
            "pass the field names as options"
        ))


def check_rows(data: pd.DataFrame, bad: Any, message: str, *, name: str | None = None) -> None:
    """Raise ValidationError naming the rows where the boolean mask ``bad`` is true.

    >>> df = pd.DataFrame({"TZJE": [10.0, -5.0, np.nan]}, index=["a", "b", "c"])
    >>> check_rows(df, df["TZJE"] < 0, msg("投资 TZJE 为负", "negative investment TZJE"), name="xm")
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: xm：投资 TZJE 为负，行号：b
    """
    mask = np.asarray(bad, dtype=bool)
    if mask.any():
        rows = list(data.index[mask])
        label, ids = layer_name(data, name), format_ids(rows)
        raise ValidationError(msg(f"{label}：{message}，行号：{ids}",
                                  f"{label}: {message} in row(s) {ids}"), rows)


def index_by(layer: pd.DataFrame, id_field: str | None, *, name: str | None = None,
             what: str = "id") -> pd.DataFrame:
    """Index ``layer`` by ``id_field`` (kept as a column too), refusing missing ids and ids used twice.

    With ``id_field=None`` the layer keeps its index, which must be complete and unique too.

    >>> df = pd.DataFrame({"QYBH": ["CY01", "CY02", "CY01"]})
    >>> index_by(df, "QYBH", name="industrial")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xigeo.errors.ValidationError: industrial...CY01
    """
    from ._layers import check_ids

    label = layer_name(layer, name)
    if id_field is not None:
        require_fields(layer, [id_field], name=label)
        layer = layer.set_index(id_field, drop=False)
        layer.index.name = id_field
    fix = (msg(f"在这些行填写 {id_field}", f"fill {id_field} in those rows") if id_field is not None
           else msg("给每一行一个编号，例如 gdf.set_index('BSM')",
                    "give every row an id, e.g. gdf.set_index('BSM')"))
    check_ids(layer.index, label, what=what, field=id_field, fix=fix)
    return layer


def add_total(table: pd.DataFrame, *, label: str = TOTAL_LABEL,
              sum_columns: Iterable[str] | None = None,
              ratios: Mapping[str, tuple[str, str, float]] | None = None) -> pd.DataFrame:
    """Return ``table`` with a total row appended.

    Numeric columns are summed (or only ``sum_columns``); other columns are
    left empty. ``ratios`` recomputes ratio columns of the total from the
    summed columns instead of summing them: ``{"rate_pct": ("new_ha", "scale_ha", 100)}``
    sets total rate_pct = Σnew_ha / Σscale_ha × 100.
    """
    columns = list(sum_columns) if sum_columns is not None else [
        c for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
    ]
    total = {c: table[c].sum() for c in columns}
    for column, (num, den, factor) in (ratios or {}).items():
        total[column] = total[num] / total[den] * factor if total[den] else np.nan
    row = pd.DataFrame([total], index=pd.Index([label], name=table.index.name))
    return pd.concat([table, row.astype({c: table[c].dtype for c in row.columns
                                          if c in columns and c not in (ratios or {})})])


def relabel(table: pd.DataFrame, names: Mapping[str, str], *, labels: str = "en") -> pd.DataFrame:
    """Columns renamed to Chinese report labels when ``labels="zh"``; unchanged for "en"."""
    labels = check_labels(labels)
    if labels == "en":
        return table
    return table.rename(columns=dict(names))


def check_labels(labels: str) -> str:
    """Normalise the ``labels=`` option; the OptionError lists the allowed values."""
    from ._options import check_lang

    return check_lang(labels, name="labels")
