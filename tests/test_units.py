"""Tests of xigeo.units: exact conversions between m², ha, mu and km².

Expected values come from the definitions (DOMAIN.md): 1 ha = 10 000 m²,
1 mu = 10 000/15 m², 1 km² = 100 ha.
"""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from xigeo.errors import UnitError, XigeoError
from xigeo.units import AreaUnit, convert_area


@pytest.mark.parametrize(
    "name, unit",
    [("m2", AreaUnit.M2), ("平方米", AreaUnit.M2), ("m²", AreaUnit.M2),
     ("ha", AreaUnit.HA), ("公顷", AreaUnit.HA), ("HA", AreaUnit.HA),
     ("mu", AreaUnit.MU), ("亩", AreaUnit.MU),
     ("km2", AreaUnit.KM2), ("平方公里", AreaUnit.KM2), (" km² ", AreaUnit.KM2)],
)
def test_unit_names_english_and_chinese(name, unit):
    assert AreaUnit.create(name) is unit


def test_exact_factors():
    assert AreaUnit.MU.m2 == Fraction(10_000, 15)
    assert AreaUnit.HA.m2 / AreaUnit.MU.m2 == 15
    assert AreaUnit.KM2.m2 / AreaUnit.HA.m2 == 100


def test_conversions_worked_by_hand():
    # 15 mu = 1 ha exactly; 1 km² = 1 500 mu; 2 000 m² = 3 mu
    assert convert_area(15, "亩", "公顷") == 1.0
    assert convert_area(1, "km2", "mu") == 1500.0
    assert convert_area(2_000, "m2", "mu") == 3.0
    assert convert_area(853.72, "ha", "m2") == pytest.approx(8_537_200.0, abs=1e-6)
    # the seed: 1 525 mu of pre-review submissions is 101.6667 ha
    assert convert_area(1525, "mu", "ha") == pytest.approx(1525 / 15)


def test_convert_arrays_and_series_keep_index():
    s = pd.Series([10_000.0, 20_000.0], index=["a", "b"])
    out = convert_area(s, "m2", "mu")
    assert list(out.index) == ["a", "b"]
    np.testing.assert_allclose(out.to_numpy(), [15.0, 30.0])
    np.testing.assert_allclose(convert_area(np.array([1.0, 2.0]), "ha", "m2"), [1e4, 2e4])


def test_round_trip_is_exact_for_typical_values():
    values = np.array([0.01, 1.0, 395.42, 22_374.70])
    back = convert_area(convert_area(values, "ha", "mu"), "mu", "ha")
    np.testing.assert_allclose(back, values, rtol=1e-15)


def test_bad_unit_lists_allowed():
    with pytest.raises(UnitError) as info:
        AreaUnit.create("acre")
    msg = str(info.value)
    for allowed in ("m2", "ha", "mu", "km2", "亩", "公顷"):
        assert allowed in msg
    assert isinstance(info.value, XigeoError) and isinstance(info.value, ValueError)


def test_column_and_chinese_names():
    assert AreaUnit.create("亩").column == "area_mu"
    assert AreaUnit.HA.zh == "公顷"
