"""Text of tables for people: display width of Chinese text and number formatting.

Shared by the terminal tables of the CLI, the report's table pages and the
workbook writer, so a figure reads the same on screen, on paper and in Excel.

>>> display_width("abc"), display_width("水田"), display_width("0702农村宅基地")
(3, 4, 14)
>>> format_value(1234.5), format_value(3), format_value(True), format_value(float("nan"))
('1,234.50', '3', '是', '')
>>> format_value(pd.NA)  # an empty cell of a nullable integer column (a count the 合计 row leaves out)
''

"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["display_width", "format_value", "YES_NO"]

#: booleans as a Chinese table prints them
YES_NO = {True: "是", False: "否"}


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: CJK wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_value(value: Any, decimals: int = 2) -> str:
    """A table cell: thousands separators, ``decimals`` places for floats, 是/否, blank for missing."""
    if value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return YES_NO[bool(value)]
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,d}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.{decimals}f}"
    return str(value)
