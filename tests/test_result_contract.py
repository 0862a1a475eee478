"""The result contract, checked the same way on every calculator and check (issue 12).

Each calculator runs once on the bundled Xi County sample (a module fixture);
every result must then behave alike: ``summary`` in both languages, ``tables()``,
``table(name, labels=, total=)``, ``_repr_html_``, ``to_excel`` (read back and
compared with ``table``), option errors, and no ``labels=``/``total=`` on the
calculator itself. The figures themselves are asserted in each calculator's
own test module; here a few published ones (DOMAIN.md, "The seed's figures")
are checked to come through the contract unchanged.
"""

from __future__ import annotations

import dataclasses
import inspect
import re

import numpy as np
import pandas as pd
import pytest

import xigeo
from xigeo import sample
from xigeo._result import Result
from xigeo._text import YES_NO
from xigeo.errors import LayerWriteError, OptionError
from xigeo.headline import compute_results, sample_layers
from xigeo._excel import read_table

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def layers():
    return sample_layers()


def _enforcement(L):
    return xigeo.enforcement_check(L["changes"].set_index("JCBH"), approvals=L["approvals"],
                                   farmland=L["jbnt"], landuse=L["dltb"], townships=L["townships"])


#: calculator name → (function, how the sample runs it)
CALCULATORS = {
    "farmland_overlap": (xigeo.farmland_overlap, lambda L: xigeo.farmland_overlap(
        L["prereview"].set_index("XMBH"), L["jbnt"].set_index("BSM"))),
    "prereview": (xigeo.prereview, lambda L: compute_results(L, topics=["建设项目用地预审"])["建设项目用地预审"]),
    "enforcement_check": (xigeo.enforcement_check, _enforcement),
    "linkage_balance": (xigeo.linkage_balance,
                        lambda L: compute_results(L, topics=["城乡建设用地增减挂钩"])["城乡建设用地增减挂钩"]),
    "consolidation_summary": (xigeo.consolidation_summary,
                              lambda L: compute_results(L, topics=["土地综合整治"])["土地综合整治"]),
    "industrial_intensity": (xigeo.industrial_intensity,
                             lambda L: compute_results(L, topics=["产业集聚区"])["产业集聚区"]),
    "stripping_plan": (xigeo.stripping_plan, lambda L: compute_results(L, topics=["表土剥离"])["表土剥离"]),
    "minepark_summary": (xigeo.minepark_summary,
                         lambda L: compute_results(L, topics=["濮公山矿山公园"])["濮公山矿山公园"]),
    # controls: the sample's patches dissolved per township (their survey area), as tests/test_adjust.py
    "adjust_areas": (xigeo.adjust_areas, lambda L: xigeo.adjust_areas(L["dltb"], _township_controls(L))),
    # issue 18: the townships' map sheets at 1:50,000; a 4-parameter fit to their centroids
    "sheets": (xigeo.sheets, lambda L: xigeo.sheets(L["townships"].set_index("XZQMC"), scale=50_000)),
    "fit_transform": (xigeo.fit_transform, lambda L: _common_points_fit(L)),
    "check_survey": (xigeo.check_survey, lambda L: xigeo.check_survey(
        L["dltb"], county=L["survey_area"], villages=L["villages"], jbnt=L["jbnt"])),
}


def _common_points_fit(L):
    import geopandas as gpd
    import shapely

    centroids = L["townships"].set_index("XZQDM").geometry.centroid
    xy = shapely.get_coordinates(centroids.values)   # a plane shift plus 1 cm of seeded noise
    moved = xy + [-48.2, 87.9] + np.random.default_rng(18).normal(0, 0.01, xy.shape)
    source = gpd.GeoSeries(shapely.points(xy), index=centroids.index, crs=2362)
    target = gpd.GeoSeries(shapely.points(moved), index=centroids.index, crs=4526)
    return xigeo.fit_transform(source, target, kind="4")


def _township_controls(L):
    dltb = L["dltb"]
    units = dltb.assign(XZQDM=dltb["ZLDWDM"].str[:9]).dissolve(by="XZQDM")[["geometry"]].reset_index()
    return units.assign(KZMJ=xigeo.area(units).to_numpy().round(2) + 0.37)  # 37 hundredths to spread

_cache: dict[str, Result] = {}


@pytest.fixture(params=list(CALCULATORS))
def case(request, layers):
    name = request.param
    if name not in _cache:
        _cache[name] = CALCULATORS[name][1](layers)
    return name, CALCULATORS[name][0], _cache[name]


def test_is_a_frozen_result(case):
    name, func, result = case
    assert isinstance(result, Result), name
    assert dataclasses.is_dataclass(result)
    first = result.tables()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, first, None)
    if hasattr(result, "passed"):
        assert isinstance(result.passed, bool)


def test_calculator_signature_has_no_output_options(case):
    name, func, _ = case
    params = inspect.signature(func).parameters
    assert "labels" not in params and "total" not in params, name
    # one example in the calculator's own docstring: help(xigeo.<name>) shows it
    assert "Examples\n" in inspect.getdoc(func), name


def test_summary_in_both_languages(case):
    name, _, result = case
    zh, en = result.summary(), result.summary("en")
    assert zh == result.summary("zh") and CJK.search(zh), name
    assert en and not CJK.search(en.replace("合计", "")), (name, en)
    with pytest.raises(OptionError, match="lang='de'.*zh.*en"):
        result.summary("de")


def test_tables_and_labels(case):
    name, _, result = case
    names = result.tables()
    assert names and names == tuple(type(result).TABLES)
    for table_name in names:
        canonical = getattr(result, table_name)
        assert isinstance(canonical, pd.DataFrame)
        en = result.table(table_name)
        zh = result.table(table_name, labels="zh")
        assert "geometry" not in en.columns and len(en) == len(canonical)
        assert list(en.columns) == [c for c in canonical.columns
                                    if c != getattr(canonical, "_geometry_column_name", None)]
        spec = type(result).TABLES[table_name]
        shown = [c for c in en.columns if c not in spec.hidden_zh]  # English-only text columns
        assert len(zh.columns) == len(shown) and len(zh) == len(en)
        # English headers are snake_case (or the layer's own field names); Chinese ones are Chinese
        untranslated = [c for c in zh.columns if not CJK.search(str(c))]
        assert not untranslated, (name, table_name, untranslated)
        # the Chinese table is the printed one: each figure rounded half away from zero to the
        # decimals it prints with (df.attrs["decimals"]), nothing else changed
        decimals = zh.attrs["decimals"]
        for c_en, c_zh in zip(shown, zh.columns):
            if pd.api.types.is_float_dtype(en[c_en]):
                d = decimals[c_zh]
                v = en[c_en].to_numpy(dtype=float) * 10.0 ** d
                expected = np.sign(v) * np.floor(np.abs(np.round(v, 6)) + 0.5) / 10.0 ** d
                np.testing.assert_allclose(zh[c_zh].to_numpy(dtype=float), expected, rtol=0,
                                           atol=1e-9 * max(1.0, float(np.nanmax(np.abs(v), initial=1))))
        if spec.total is None:
            with pytest.raises(OptionError, match=f"{type(result).__name__} 的表 '{table_name}' 没有合计行"):
                result.table(table_name, total=True)
            with xigeo.using_language("en"), pytest.raises(OptionError, match="no total row"):
                result.table(table_name, total=True)
        else:
            totalled = result.table(table_name, total=True)
            assert len(totalled) > len(en)
            assert str(totalled.index[-1]).endswith("合计")
    with pytest.raises(OptionError, match=f"{type(result).__name__} 没有表 'no_such_table'；可选：{names[0]}"):
        result.table("no_such_table")
    with xigeo.using_language("en"), pytest.raises(OptionError, match="not a table"):
        result.table("no_such_table")
    with pytest.raises(OptionError, match="labels='fr'"):
        result.table(names[0], labels="fr")


def test_repr_html_shows_summary_and_tables(case):
    name, _, result = case
    page = result._repr_html_()
    assert result.summary("zh").splitlines()[0][:20] in page or \
        result.summary("zh").splitlines()[0][:20].replace("<", "&lt;") in page
    for spec in type(result).TABLES.values():
        assert spec.title_zh in page
    assert repr(result).startswith(f"<{type(result).__name__}:")


def test_to_excel_round_trip_and_refusal(case, tmp_path):
    name, _, result = case
    path = tmp_path / f"{name}.xlsx"
    assert result.to_excel(path) == path
    book = read_table(path, sheet_name=None, dtype=str, index_col=None)  # text as written: codes keep their zeros
    specs = type(result).TABLES
    sheets = ["摘要"] + [s.title_zh[:31] for s in specs.values()]
    assert list(book)[:len(sheets)] == sheets
    extra = list(book)[len(sheets):]
    if name == "check_survey":  # then a sheet per rule with findings (issue 16)
        assert extra == [f"{r} {result.by_rule.loc[r, 'rule_name']}"[:31] for r in pd.unique(result.errors["rule"])]
    else:
        assert extra == []
    assert "\n".join(book["摘要"]["摘要"].astype(str)) == result.summary("zh")
    for table_name, spec in specs.items():
        expected = result.table(table_name, labels="zh", total=spec.total is not None)
        sheet = book[spec.title_zh[:31]]
        assert len(sheet) == len(expected), (name, table_name)
        assert list(sheet.columns[-len(expected.columns):]) == [str(c) for c in expected.columns]
        for column in expected.columns:
            want = expected[column]
            if pd.api.types.is_float_dtype(want):
                got = pd.to_numeric(sheet[column], errors="coerce").to_numpy()
                assert got == pytest.approx(want.to_numpy(dtype=float), nan_ok=True), \
                    (name, table_name, column)
            else:  # text, counts, verdicts and 是/否 as the workbook writes them
                shown = [YES_NO[bool(v)] if isinstance(v, (bool, np.bool_)) else v for v in want]
                for got, exp in zip(sheet[column], shown):
                    if isinstance(exp, (int, float, np.integer, np.floating)) and not pd.isna(exp):
                        assert float(got) == pytest.approx(float(exp)), (name, table_name, column)
                    else:
                        assert _cell(got) == _cell(exp), (name, table_name, column, got, exp)
    before = path.read_bytes()
    with pytest.raises(LayerWriteError, match=f"{path.name} 已存在；如要替换请用 overwrite=True"):
        result.to_excel(path)
    with xigeo.using_language("en"), pytest.raises(LayerWriteError, match="exists"):
        result.to_excel(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    english = result.to_excel(tmp_path / "en.xlsx", labels="en")
    assert list(read_table(english, sheet_name=None, index_col=None))[0] == "summary"


def _cell(value):
    """A cell as text; an empty cell and a missing value alike."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value == "":
        return ""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return str(value)


def test_published_figures_through_the_contract(layers):
    """The same results the report uses give the county's published figures (DOMAIN.md)."""
    results = {k: CALCULATORS[k][1](layers) for k in ("prereview", "linkage_balance", "minepark_summary")}
    totals = results["prereview"].table("totals", labels="zh")
    assert totals.loc["受理", "项目个数"] == 61 and round(totals.loc["核减", "面积(亩)"]) == 239
    assert round(results["linkage_balance"].totals.loc["approved", "surplus_ha"], 2) == 490.77
    assert results["minepark_summary"].pit_count == 9
    assert "490.77" in results["linkage_balance"].summary("zh")
