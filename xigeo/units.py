"""Area units: square metres, hectares, mu (亩) and square kilometres.

All conversions are exact: 1 ha = 10 000 m², 1 mu = 10 000/15 m²,
1 km² = 1 000 000 m². Unit names are accepted in English or Chinese and
normalised once, at the boundary, to an :class:`AreaUnit`.

Examples
--------
>>> AreaUnit.create("亩")
<AreaUnit.MU: 'mu'>
>>> convert_area(1.0, "ha", "mu")
15.0
>>> convert_area(2_000, "平方米", "亩")
3.0
"""

from __future__ import annotations

import enum
from fractions import Fraction
from typing import TypeVar

import numpy as np

from ._lang import msg
from .errors import UnitError

__all__ = ["AreaUnit", "convert_area", "M2_PER_UNIT", "ROUND_DECIMALS"]

#: decimals reports use when they print an area in each unit
ROUND_DECIMALS = 2


class AreaUnit(str, enum.Enum):
    """An area unit; ``value`` is the suffix used in column names (``area_ha``)."""

    M2 = "m2"
    HA = "ha"
    MU = "mu"
    KM2 = "km2"

    @classmethod
    def create(cls, unit: "str | AreaUnit") -> "AreaUnit":
        """Return the unit named by ``unit`` (English or Chinese, any case).

        >>> AreaUnit.create("公顷").column
        'area_ha'
        >>> AreaUnit.create("acre")
        Traceback (most recent call last):
        ...
        xigeo.errors.UnitError: 未知的面积单位 'acre'；可选：m2 (平方米, m², sqm), ha (公顷, hectare), mu (亩), km2 (平方公里, km², 平方千米)
        """
        if isinstance(unit, AreaUnit):
            return unit
        key = str(unit).strip().lower()
        try:
            return _ALIASES[key]
        except KeyError:
            allowed = ", ".join(
                f"{u.value} ({', '.join(a for a in _NAMES[u])})" for u in AreaUnit
            )
            raise UnitError(msg(f"未知的面积单位 {unit!r}；可选：{allowed}",
                                f"unknown area unit {unit!r}; use one of: {allowed}")) from None

    @property
    def m2(self) -> Fraction:
        """Exact number of square metres in one of this unit."""
        return M2_PER_UNIT[self]

    @property
    def column(self) -> str:
        """Column name for areas in this unit, such as ``area_mu``."""
        return f"area_{self.value}"

    @property
    def zh(self) -> str:
        """Chinese name, as used in report headers."""
        return _NAMES[self][0]


M2_PER_UNIT: dict[AreaUnit, Fraction] = {
    AreaUnit.M2: Fraction(1),
    AreaUnit.HA: Fraction(10_000),
    AreaUnit.MU: Fraction(10_000, 15),
    AreaUnit.KM2: Fraction(1_000_000),
}

_NAMES: dict[AreaUnit, tuple[str, ...]] = {
    AreaUnit.M2: ("平方米", "m²", "sqm"),
    AreaUnit.HA: ("公顷", "hectare"),
    AreaUnit.MU: ("亩",),
    AreaUnit.KM2: ("平方公里", "km²", "平方千米"),
}

_ALIASES: dict[str, AreaUnit] = {}
for _unit, _names in _NAMES.items():
    for _name in (_unit.value, *_names):
        _ALIASES[_name.lower()] = _unit
_ALIASES.update({"m^2": AreaUnit.M2, "hectares": AreaUnit.HA, "km^2": AreaUnit.KM2})

T = TypeVar("T")


def convert_area(value: T, from_unit: "str | AreaUnit", to_unit: "str | AreaUnit") -> T:
    """Convert an area (scalar, array or Series) between units, exactly.

    The factor is formed as an exact fraction first, so ha → mu multiplies
    by exactly 15 and m² → mu by exactly 15/10 000.

    >>> convert_area(15, "mu", "ha")
    1.0
    >>> convert_area(1, "km2", "公顷")
    100.0
    """
    src, dst = AreaUnit.create(from_unit), AreaUnit.create(to_unit)
    factor = src.m2 / dst.m2
    return value * factor.numerator / factor.denominator  # type: ignore[operator,return-value]
