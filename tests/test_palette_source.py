"""The shipped land-use palette against the public 三调 colour table it cites.

The expected values are the source's own table, copied code by code into
``tests/data/sandiao_colours_mapgis.csv`` (MapGIS/WebClient-Vue,
mapboxgl/docs/template/guotu.md "三调样式", snapshot b60bfb87; see that file's
header). Every code the source gives is looked up through
:class:`xigeo.maps.Palette` exactly as a map does (K / A variants fall back to
their four-character class), so a wrong colour, a missing class or a broken
fallback fails here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xigeo.maps.palette import DEFAULT_PALETTE, landuse_palette, read_palette

SOURCE = Path(__file__).parent / "data" / "sandiao_colours_mapgis.csv"


def _source() -> pd.DataFrame:
    return pd.read_csv(SOURCE, comment="#", dtype={"code": str, "name": str}, encoding="utf-8")


def test_source_table_is_the_one_cited():
    src = _source()
    # the source's 74 layers: 62 三调 working classes + 12 K/A/城镇村 codes, no duplicates
    assert len(src) == 74 and src["code"].is_unique
    assert {"0101", "05H1", "08H1", "08H2", "09", "1207", "201A", "204"} <= set(src["code"])
    # spot values read off the source text: 水田 rgba(248, 208, 114, 1), 旱地 rgba(255, 251, 177, 1)
    row = src.set_index("code")
    assert tuple(row.loc["0101", ["r", "g", "b"]]) == (248, 208, 114)
    assert tuple(row.loc["0103", ["r", "g", "b"]]) == (255, 251, 177)
    head = SOURCE.read_text(encoding="utf-8")
    assert "b60bfb87c697e9abf07541c24ba5b69ea7112bda" in head and "guotu.md" in head


@pytest.mark.parametrize("code", _source()["code"].tolist())
def test_palette_colour_equals_source(code):
    row = _source().set_index("code").loc[code]
    expected = (int(row["r"]), int(row["g"]), int(row["b"]))
    pal = landuse_palette()
    assert pal._key(code) is not None, f"{code} ({row['name']}) is not in the palette"
    assert pal.rgb255(code) == expected, f"{code} {row['name']}"


def test_every_source_code_checked_and_names_agree():
    src = _source()
    pal = landuse_palette()
    got = src["code"].map(pal.rgb255)
    want = list(zip(src["r"], src["g"], src["b"]))
    assert [c for c, g, w in zip(src["code"], got, want) if g != w] == []
    # names: the palette keeps the GB/T 21010-2017 name where the source's differs (its
    # 1005 reads 交通服务场地用地 for 交通服务场站用地, its 0809 公共设施用地 for 公用设施用地);
    # K/A codes are named by the palette after their base class
    base = src[src["code"].str.len() == 4].set_index("code")["name"]
    differ = {c: (n, pal.name(c)) for c, n in base.items() if pal.name(c) != n}
    assert differ == {"1005": ("交通服务场地用地", "交通服务场站用地"),
                      "0809": ("公共设施用地", "公用设施用地")}


def test_palette_file_cites_the_source_and_says_what_is_derived():
    head = "".join(line for line in DEFAULT_PALETTE.read_text(encoding="utf-8").splitlines(True)
                   if line.startswith("#"))
    assert "MapGIS/WebClient-Vue" in head and "b60bfb87c697e9abf07541c24ba5b69ea7112bda" in head
    assert "not the text of TD/T 1055-2019" in head
    assert "NOT in the source" in head
    # the derived group rows are what the header says: 01 = 0101, 05 = 05H1, 0803 = 08H2
    pal = read_palette(DEFAULT_PALETTE)
    assert pal.rgb255("01") == pal.rgb255("0101")
    assert pal.rgb255("05") == pal.rgb255("05H1") == pal.rgb255("0503")
    assert pal.rgb255("0803") == pal.rgb255("08H2")


def test_docs_cite_the_source():
    text = (Path(__file__).parent.parent / "docs" / "maps.md").read_text(encoding="utf-8")
    assert "MapGIS/WebClient-Vue" in text and "sandiao_colours_mapgis.csv" in text
