"""Keyword options normalised at the boundary: one error, :class:`~xigeo.errors.OptionError`.

Every calculator checks its keyword options here before it reads any data, so
a bad value is refused the same way everywhere: the message names the option,
the value given and the values allowed.

>>> choose("ZH", ("zh", "en"), name="labels")
'zh'
>>> choose("fr", ("zh", "en"), name="labels")
Traceback (most recent call last):
...
xigeo.errors.OptionError: labels='fr' 不可用；可选：zh, en
>>> from xigeo import using_language
>>> with using_language("en"):
...     positive(-1.0, name="depth_m")
Traceback (most recent call last):
...
xigeo.errors.OptionError: depth_m=-1.0: give a number > 0
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from typing import Any

from ._lang import msg
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
    raise OptionError(msg(f"{name}={value!r} 不可用；可选：{', '.join(options)}",
                          f"{name}={value!r} is not allowed; use one of: {', '.join(options)}"))


def check_lang(lang: Any, *, name: str = "lang") -> str:
    """``"zh"`` or ``"en"`` (also accepted: 中文, chinese, english)."""
    aliases = {"中文": "zh", "chinese": "zh", "cn": "zh", "english": "en", "英文": "en"}
    key = aliases.get(str(lang).strip().lower(), lang)
    if key in LANGS:
        return str(key)
    raise OptionError(msg(f"{name}={lang!r} 不可用；可选：zh（中文）、en（英文）",
                          f"{name}={lang!r} is not allowed; use one of: zh (Chinese), en (English)"))


_RULES_ZH = {"> 0": "大于 0 的数", ">= 0": "大于或等于 0 的数", "from 0 to 1": "0 到 1 之间的数"}


def _rule_error(value: Any, name: str, rule: str) -> OptionError:
    return OptionError(msg(f"{name}={value!r}：请给出{_RULES_ZH[rule]}（{rule}）",
                           f"{name}={value!r}: give a number {rule}"))


def _number(value: Any, name: str, rule: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _rule_error(value, name, rule) from None
    if not math.isfinite(number):
        raise _rule_error(value, name, rule)
    return number


def positive(value: Any, *, name: str) -> float:
    """``value`` as a float > 0, else OptionError."""
    number = _number(value, name, "> 0")
    if number <= 0:
        raise _rule_error(value, name, "> 0")
    return number


def non_negative(value: Any, *, name: str) -> float:
    """``value`` as a float ≥ 0, else OptionError."""
    number = _number(value, name, ">= 0")
    if number < 0:
        raise _rule_error(value, name, ">= 0")
    return number


def fraction(value: Any, *, name: str) -> float:
    """``value`` as a float in [0, 1], else OptionError."""
    number = _number(value, name, "from 0 to 1")
    if not 0 <= number <= 1:
        raise _rule_error(value, name, "from 0 to 1")
    return number
