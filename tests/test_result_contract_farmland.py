"""The result contract (xigeo._result) of the farmland family, checked the same way for each.

farmland_overlap, prereview and enforcement_check run once each on the sample; every result
must give both summaries (each stating a figure of the sample README that the test also
checks in the tables: 3 projects on basic farmland, 61 projects / 1,525 mu submitted,
38 change patches of which 24 suspected), its tables plain and labelled, an HTML view with
the summaries, and a workbook whose sheets are exactly ``table(name, labels="zh",
total=...)``; an existing workbook is never replaced without ``overwrite=True``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from xigeo import enforcement_check, farmland_overlap, prereview, sample
from xigeo._result import TOTAL_LABEL, Result
from xigeo.errors import LayerWriteError
from xigeo._excel import read_table

CJK = re.compile(r"[\u4e00-\u9fff]")


def _farmland() -> tuple[Result, Callable[[Any], None], str, str]:
    r = farmland_overlap(sample.load("prereview").set_index("XMBH"), sample.load("jbnt").set_index("BSM"))

    def figures(r: Any) -> None:  # README "Pre-review": three projects on basic farmland
        assert (r.by_parcel["verdict"] == "touches").sum() == 3 and not r.passed

    return r, figures, "占用农田的地块3个", "3 parcels overlap the farmland"


def _prereview() -> tuple[Result, Callable[[Any], None], str, str]:
    r = prereview(sample.load("prereview").set_index("XMBH"), farmland=sample.load("jbnt"))

    def figures(r: Any) -> None:  # 受理61个 1525亩, 通过55个 1286亩, 核减6个 239亩
        assert r.totals["count"].tolist() == [61, 55, 6]
        assert r.totals["area_mu"].round(2).tolist() == [1525.0, 1286.0, 239.0]

    return r, figures, "受理项目61个（prereview.shp），面积1,525.00亩", "6 cut (239.00 mu)"


def _enforcement() -> tuple[Result, Callable[[Any], None], str, str]:
    r = enforcement_check(sample.load("changes").set_index("JCBH"), approvals=sample.load("approvals"),
                          farmland=sample.load("jbnt"), landuse=sample.load("dltb"),
                          townships=sample.load("townships"))

    def figures(r: Any) -> None:  # README "Enforcement": 38 patches, 14 + 6 approved, 8 on jbnt
        assert len(r.changes) == 38 and (r.changes["grade"] > 0).sum() == 24
        assert r.by_township["patches"].sum() == 38 and not r.passed

    return r, figures, "变化图斑38个", "24 suspected violations"


CASES = {"farmland_overlap": _farmland, "prereview": _prereview, "enforcement_check": _enforcement}


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[Result, Callable[[Any], None], str, str]:
    return CASES[request.param]()


def _as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """What a table looks like read back from the workbook: 是/否 for booleans, blanks as NaN."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].map({True: "是", False: "否"})
        elif pd.api.types.is_extension_array_dtype(out[c]) and pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype(object).where(out[c].notna(), np.nan)  # Int64: an empty cell
        elif not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype(object).replace("", np.nan)
    return out


def test_summaries_state_the_figures(case):
    r, figures, zh_figure, en_figure = case
    figures(r)
    zh, en = r.summary("zh"), r.summary("en")
    assert r.summary() == zh and zh_figure in zh and en_figure in en
    assert zh.count("\n") == 0 and en.count("\n") == 0  # one paragraph each
    assert CJK.search(zh) and not CJK.search(en)         # no mixing


def test_tables_plain_labelled_and_totalled(case):
    r = case[0]
    assert r.tables() == tuple(type(r).TABLES) and len(r.tables()) == 2
    for name, spec in type(r).TABLES.items():
        plain = r.table(name)
        canonical = getattr(r, name)
        assert "geometry" not in plain.columns and len(plain) == len(canonical)
        assert not CJK.search("".join(map(str, plain.columns)))      # canonical: English
        assert TOTAL_LABEL not in plain.index.astype(str)              # and no total row
        zh = r.table(name, labels="zh")
        shown = plain.drop(columns=list(spec.hidden_zh))  # English-only text columns
        assert zh.shape == shown.shape and CJK.search("".join(map(str, zh.columns)))
        # the Chinese table is the printed one: figures rounded to their printed decimals
        numbers = shown.select_dtypes("number")
        decimals = [zh.attrs["decimals"][z] for c, z in zip(shown.columns, zh.columns) if c in numbers]
        np.testing.assert_allclose(zh.select_dtypes("number").to_numpy(dtype=float),
                                   np.column_stack([numbers[c].round(d) for c, d in
                                                    zip(numbers.columns, decimals)]),
                                   rtol=0, atol=1e-9 * max(1.0, float(numbers.abs().max().max())))
        if spec.total is not None:
            total = r.table(name, labels="zh", total=True)
            assert len(total) == len(plain) + 1 and total.index[-1] == TOTAL_LABEL


def test_html_view_shows_the_verdict_and_summaries(case):
    r = case[0]
    view = r._repr_html_()
    assert html.escape(r.summary("zh")) in view and html.escape(r.summary("en")) in view
    assert ("通过 passed" if r.passed else "不通过 failed") in view
    assert all(f"<code>.{name}</code>" in view for name in r.tables())


def test_workbook_holds_the_labelled_tables(case, tmp_path):
    r = case[0]
    path = r.to_excel(tmp_path / "结果.xlsx")
    # dtype=object: the cells as written (codes such as 411528103 stay text)
    # index_col=0: the table's index, or 序号 1..n for a bare 0..n-1 index
    sheets = read_table(path, sheet_name=None, dtype=object)
    specs = type(r).TABLES
    assert list(sheets) == ["摘要"] + [spec.title_zh for spec in specs.values()]
    assert sheets["摘要"]["摘要"].tolist() == [r.summary("zh")]
    for name, spec in specs.items():
        expected = _as_written(r.table(name, labels="zh", total=spec.total is not None))
        got = sheets[spec.title_zh]
        if isinstance(expected.index, pd.RangeIndex) and expected.index.name is None:
            assert got.index.name == "序号" and got.index.tolist() == list(range(1, len(expected) + 1))
            got = got.reset_index(drop=True)
        else:
            got.index.name = expected.index.name
            expected.index = expected.index.astype(str)
            got.index = got.index.astype(str)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_index_type=False,
                                      check_column_type=False, rtol=1e-12)


def test_workbook_is_not_replaced(case, tmp_path):
    r = case[0]
    path = tmp_path / "结果.xlsx"
    path.write_bytes(b"an earlier report")
    with pytest.raises(LayerWriteError, match="已存在"):
        r.to_excel(path)
    assert path.read_bytes() == b"an earlier report"
    r.to_excel(path, overwrite=True)
    assert list(read_table(path, sheet_name=None, index_col=None))[0] == "摘要"
