"""Land-use class code groups of the 三调 working classification (GB/T 21010-2017).

The one place the package says which DLBM codes are construction land,
agricultural land and farmland: the linkage quota, the enforcement grades,
the consolidation's new farmland, the summary tables and the sample
generator all read these groups. Codes are text with leading zeros
(``"0101"``); a group is a tuple of code prefixes.

>>> is_construction(["0702", "0101", "1006", "1003", None]).tolist()
[True, False, False, True, False]
>>> matches(["0101", "0201", "1203"], FARMLAND_CODES).tolist()
[True, False, False]
>>> is_construction("0601")
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CONSTRUCTION_CODES", "AGRICULTURAL_CODES", "FARMLAND_CODES", "matches", "names_gb21010",
           "is_construction", "is_farmland"]

#: Construction land (建设用地), as DLBM prefixes: 05–09, 1001–1005, 1007–1009,
#: 1109, 1201 (三调 三大类 mapping; sample README).
CONSTRUCTION_CODES: tuple[str, ...] = (
    "05", "06", "07", "08", "09", "1001", "1002", "1003", "1004", "1005", "1007", "1008", "1009",
    "1109", "1201",
)
#: Agricultural land (农用地), as DLBM prefixes: farmland, orchards, forest, grassland
#: except 0404 其他草地, rural roads 1006, reservoirs 1103, ponds 1104, ditches 1107,
#: facility farmland 1202, ridges 1203 (三调 三大类 mapping).
AGRICULTURAL_CODES: tuple[str, ...] = (
    "01", "02", "03", "0401", "0402", "0403", "1006", "1103", "1104", "1107", "1202", "1203",
)
#: Farmland (耕地): DLBM 01xx.
FARMLAND_CODES: tuple[str, ...] = ("01",)


def matches(codes: Any, prefixes: Iterable[str]) -> Any:
    """True where a land-use code starts with one of ``prefixes`` (codes read as text).

    An array of booleans for a sequence of codes; one bool for a single code.
    """
    if np.ndim(codes) == 0:
        return bool(matches([codes], prefixes)[0])
    text = pd.Series(np.asarray(codes, dtype=object)).astype("string").str.strip()
    out = np.zeros(len(text), dtype=bool)
    for prefix in prefixes:
        out |= text.str.startswith(str(prefix)).fillna(False).to_numpy(dtype=bool)
    return out


def is_construction(codes: Any) -> Any:
    """True for construction-land codes (:data:`CONSTRUCTION_CODES`)."""
    return matches(codes, CONSTRUCTION_CODES)


def is_farmland(codes: Any) -> Any:
    """True for farmland codes (耕地, 01xx)."""
    return matches(codes, FARMLAND_CODES)


def names_gb21010() -> dict[str, str]:
    """DLBM → Chinese class name of GB/T 21010-2017 and the 三调 working classes.

    Read from the bundled ``xigeo/data/landuse_palette.csv`` (its ``code`` and
    ``name`` columns), the one table of the package that lists the GB/T
    21010-2017 二级 names (0503 餐饮用地, 0604 仓储用地 …) beside the 三调 ones.

    >>> names_gb21010()["0503"], names_gb21010()["05H1"]
    ('餐饮用地', '商业服务业设施用地')
    """
    from importlib import resources

    with resources.files("xigeo").joinpath("data/landuse_palette.csv").open("r", encoding="utf-8") as f:
        table = pd.read_csv(f, comment="#", dtype=str, keep_default_na=False)
    return dict(zip(table["code"].str.strip(), table["name"].str.strip()))
