"""Keyword options normalised at the boundary: one error, :class:`~xigeo.errors.OptionError`.

Every calculator checks its keyword options here before it reads any data, so
a bad value is refused the same way everywhere: the message names the option,
the value given and the values allowed.

>>> choose("ZH", ("zh", "en"), name="labels")
'zh'
>>> choose("fr", ("zh", "en"), name="labels")
Traceback (most recent call last):
...
xigeo.errors.OptionError: labels='fr' is not allowed; use one of: zh, en
>>> positive(-1.0, name="depth_m")
Traceback (most recent call last):
...
xigeo.errors.OptionError: depth_m=-1.0: give a number > 0
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from typing import Any

from .errors import OptionError

__all__ = ["LANGS", "choose", "check_lang", "positive", "non_negative", "fraction"]

#: the languages of summaries and table labels: Chinese first
LANGS = ("zh", "en")


def choose(value: Any, allowed: Iterable[str] | type[enum.Enum], *, name: str) -> str:
    """``value`` as one of ``allowed`` (case-insensitive), else OptionError listing them.

    ``allowed`` may be an Enum class: its members' values are allowed, and a
    member is accepted as itself.
    """
    if isinstance(allowed, type) and issubclass(allowed, enum.Enum):
        if isinstance(value, allowed):
            return str(value.value)
        options = [str(m.value) for m in allowed]
    else:
        options = [str(a) for a in allowed]
    key = str(value).strip().lower() if isinstance(value, str) else value
    for option in options:
        if key == option.lower():
            return option
    raise OptionError(f"{name}={value!r} is not allowed; use one of: {', '.join(options)}")


def check_lang(lang: Any, *, name: str = "lang") -> str:
    """``"zh"`` or ``"en"`` (also accepted: 中文, chinese, english)."""
    aliases = {"中文": "zh", "chinese": "zh", "cn": "zh", "english": "en", "英文": "en"}
    key = aliases.get(str(lang).strip().lower(), lang)
    if key in LANGS:
        return str(key)
    raise OptionError(f"{name}={lang!r} is not allowed; use one of: zh (Chinese), en (English)")


def _number(value: Any, name: str, rule: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{name}={value!r}: give a number {rule}") from None
    if not math.isfinite(number):
        raise OptionError(f"{name}={value!r}: give a number {rule}")
    return number


def positive(value: Any, *, name: str) -> float:
    """``value`` as a float > 0, else OptionError."""
    number = _number(value, name, "> 0")
    if number <= 0:
        raise OptionError(f"{name}={value!r}: give a number > 0")
    return number


def non_negative(value: Any, *, name: str) -> float:
    """``value`` as a float ≥ 0, else OptionError."""
    number = _number(value, name, ">= 0")
    if number < 0:
        raise OptionError(f"{name}={value!r}: give a number >= 0")
    return number


def fraction(value: Any, *, name: str) -> float:
    """``value`` as a float in [0, 1], else OptionError."""
    number = _number(value, name, "from 0 to 1")
    if not 0 <= number <= 1:
        raise OptionError(f"{name}={value!r}: give a number from 0 to 1")
    return number
