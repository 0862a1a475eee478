"""The land-use palette: DLBM code -> Chinese class name and fill colour.

The default table is ``xigeo/data/landuse_palette.csv`` (GB/T 21010-2017 and
三调 working classes; see the comment at its top for where the colours come
from and how far they were checked). It is a plain CSV so a bureau can
replace it with its provincial 图式: ``read_palette(path)`` and pass the result
as ``palette=`` to the map functions.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable

import pandas as pd

from .._lang import msg
from ..errors import SchemaError

__all__ = ["DEFAULT_COLOUR_NOTE", "DEFAULT_PALETTE", "Palette", "read_palette", "landuse_palette"]

DEFAULT_PALETTE = Path(__file__).resolve().parent.parent / "data" / "landuse_palette.csv"
UNKNOWN_COLOR = (0.85, 0.85, 0.85)
#: printed in the sign-off block of a map coloured by the default palette (issue 17: the
#: colours are a vendor's published 三调 style; the standard's own colour table was not found)
DEFAULT_COLOUR_NOTE = "地类配色：MapGIS三调样式（未见TD/T 1055-2019色表原文）"


class Palette:
    """Colours and names of land-use codes, looked up code → 4 characters → 2-digit group.

    >>> pal = landuse_palette()
    >>> pal.name("0101"), pal.rgb255("0101")
    ('水田', (248, 208, 114))
    >>> pal.name("0101K")          # 可调整 suffix: falls back to the 4-character code
    '水田'
    >>> pal.name("0199")           # unknown sub-class: the two-digit group
    '耕地'
    >>> pal.color("9999")          # not in the table: light grey
    (0.85, 0.85, 0.85)
    """

    def __init__(self, table: pd.DataFrame, *, source: str = "<table>") -> None:
        missing = [c for c in ("code", "name", "r", "g", "b") if c not in table.columns]
        if missing:
            names = ", ".join(missing)
            raise SchemaError(msg(f"配色表 {source} 缺少列 {names}；应有 code,name,r,g,b",
                                  f"palette {source} lacks column(s) {names}; expected code,name,r,g,b"))
        table = table.astype({"code": str, "name": str})
        bad = table[~table[["r", "g", "b"]].apply(lambda c: c.between(0, 255)).all(axis=1)]
        if len(bad):
            codes = ", ".join(bad["code"])
            raise ValueError(msg(f"配色表 {source}：编码 {codes} 的 RGB 值超出 0–255",
                                 f"palette {source}: RGB values outside 0-255 for code(s) {codes}"))
        self.table = table.set_index("code")
        self.source = source

    def _key(self, code: object) -> str | None:
        text = "" if code is None or (isinstance(code, float) and pd.isna(code)) else str(code).strip()
        for key in (text, text[:4], text[:2]):
            if key and key in self.table.index:
                return key
        return None

    def name(self, code: object) -> str:
        """Chinese class name of ``code`` (the code itself when unknown)."""
        key = self._key(code)
        return str(self.table.at[key, "name"]) if key else str(code)

    def rgb255(self, code: object) -> tuple[int, int, int]:
        """The colour as 0-255 integers."""
        key = self._key(code)
        if key is None:
            return tuple(round(c * 255) for c in UNKNOWN_COLOR)  # type: ignore[return-value]
        r, g, b = (int(v) for v in self.table.loc[key, ["r", "g", "b"]].to_numpy())
        return r, g, b

    def color(self, code: object) -> tuple[float, float, float]:
        """The colour as matplotlib RGB floats."""
        if self._key(code) is None:
            return UNKNOWN_COLOR
        r, g, b = self.rgb255(code)
        return r / 255, g / 255, b / 255

    def classes(self, codes: Iterable[object]) -> list[tuple[str, str]]:
        """(code, name) of the distinct classes present, sorted by code, as legend entries.

        >>> landuse_palette().classes(["0103", "0101", "0101", None])
        [('0101', '水田'), ('0103', '旱地')]
        """
        present = sorted({str(c).strip() for c in codes
                          if c is not None and not (isinstance(c, float) and pd.isna(c))})
        return [(c, self.name(c)) for c in present]


def read_palette(path: str | os.PathLike[str]) -> Palette:
    """Read a palette CSV (columns code,name,r,g,b; ``#`` comment lines allowed).

    >>> read_palette(DEFAULT_PALETTE).name("1104")
    '坑塘水面'
    """
    table = pd.read_csv(path, comment="#", dtype={"code": str, "name": str}, encoding="utf-8")
    return Palette(table, source=str(path))


@functools.lru_cache(maxsize=1)
def landuse_palette() -> Palette:
    """The default palette shipped with xigeo (read once)."""
    return read_palette(DEFAULT_PALETTE)
