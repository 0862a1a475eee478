"""Tests of xigeo._tables: total rows, Chinese labels, schema and value errors."""

import numpy as np
import pandas as pd
import pytest

from xigeo._tables import add_total, check_rows, relabel, require_fields
from xigeo.errors import OptionError, SchemaError, ValidationError


def table():
    return pd.DataFrame({"new_ha": [10.0, 30.0], "scale_ha": [100.0, 100.0],
                         "rate_pct": [10.0, 30.0], "name": ["甲", "乙"]},
                        index=pd.Index(["P1", "P2"], name="XMBH"))


def test_total_sums_and_recomputes_ratios():
    out = add_total(table(), ratios={"rate_pct": ("new_ha", "scale_ha", 100.0)})
    total = out.loc["合计"]
    assert total["new_ha"] == 40.0 and total["scale_ha"] == 200.0
    # 40 / 200 = 20 %, not the 40 % a plain sum of the rates would give
    assert total["rate_pct"] == pytest.approx(20.0)
    assert pd.isna(total["name"])
    assert out.index.name == "XMBH" and len(out) == 3


def test_relabel_zh_and_bad_labels():
    zh = relabel(table(), {"new_ha": "新增耕地(公顷)"}, labels="zh")
    assert "新增耕地(公顷)" in zh.columns
    assert relabel(table(), {"new_ha": "x"}).columns.tolist() == table().columns.tolist()
    with pytest.raises(OptionError, match="labels='fr'.*zh.*en"):
        relabel(table(), {}, labels="fr")


def test_require_fields_lists_all_missing():
    with pytest.raises(SchemaError) as info:
        require_fields(table(), ["new_ha", "TZJE", "JSGM"], name="整治项目.shp")
    msg = str(info.value)
    assert "整治项目.shp" in msg and "TZJE, JSGM" in msg and "new_ha" in msg
    assert isinstance(info.value, KeyError)


def test_check_rows_names_ids():
    df = table()
    check_rows(df, df["new_ha"] < 0, "negative")  # nothing bad: no error
    with pytest.raises(ValidationError) as info:
        check_rows(df, np.array([False, True]), "depth ≤ 0")
    assert "P2" in str(info.value) and info.value.problems == ["P2"]
