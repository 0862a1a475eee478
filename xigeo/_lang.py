"""The language of xigeo's messages: Chinese first, English on request.

Every message the library raises or warns with is written in both languages at the place
it is raised, ``msg("第 7 行无几何", "row 7 has no geometry")``, and the current language
chooses one when the message is made. The language is, in order:

1. the one a ``xigeo`` command runs in (``--lang``, see ``xigeo/cli/_i18n.py``), while it runs,
   or the one of an enclosing :func:`using_language` block;
2. :func:`set_language` (``xigeo.set_language("en")`` in a notebook);
3. the ``XIGEO_LANG`` environment variable (``zh`` or ``en``);
4. the locale (``LC_ALL``, else ``LC_MESSAGES``, else ``LANG``): English when it starts
   with ``en``;
5. otherwise Chinese (``C``/``POSIX`` locales included).

This module imports nothing heavy: it is loaded by ``import xigeo``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar

__all__ = ["LANGS", "language", "msg", "set_language", "using_language"]

#: the languages xigeo speaks
LANGS = ("zh", "en")

_SCOPED: ContextVar[str | None] = ContextVar("xigeo_language", default=None)
_CHOSEN: dict[str, str | None] = {"lang": None}


def _check(lang: str) -> str:
    value = str(lang).strip().lower()[:2]
    if value not in LANGS:
        # this message is about the language itself: both at once
        raise ValueError(f"语言应为 'zh' 或 'en'，而不是 {lang!r} / "
                         f"the language must be 'zh' or 'en', not {lang!r}")
    return value


def language(environ: Mapping[str, str] | None = None) -> str:
    """The language messages are made in now, ``"zh"`` or ``"en"``.

    >>> with using_language("en"):
    ...     language()
    'en'
    """
    scoped = _SCOPED.get()
    if scoped is not None:
        return scoped
    if _CHOSEN["lang"] is not None:
        return _CHOSEN["lang"]
    return language_from_environment(os.environ if environ is None else environ)


def language_from_environment(environ: Mapping[str, str]) -> str:
    """``XIGEO_LANG``, else the locale, else Chinese.

    >>> language_from_environment({}), language_from_environment({"LANG": "C"})
    ('zh', 'zh')
    >>> language_from_environment({"LANG": "en_GB.UTF-8", "XIGEO_LANG": "zh"})
    'zh'
    """
    chosen = environ.get("XIGEO_LANG", "").strip().lower()
    if chosen[:2] in LANGS:
        return chosen[:2]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def msg(zh: str, en: str) -> str:
    """``zh`` or ``en``, whichever the current language is.

    >>> with using_language("en"):
    ...     msg("第 7 行无几何", "row 7 has no geometry")
    'row 7 has no geometry'
    >>> with using_language("zh"):
    ...     msg("第 7 行无几何", "row 7 has no geometry")
    '第 7 行无几何'
    """
    return en if language() == "en" else zh


def set_language(lang: str | None) -> str | None:
    """Make xigeo's messages ``"zh"`` or ``"en"`` from now on (``None``: from the environment
    again); returns the previous setting.

    >>> previous = set_language("en")
    >>> msg("错误", "error")
    'error'
    >>> set_language(previous)
    'en'
    """
    previous = _CHOSEN["lang"]
    _CHOSEN["lang"] = None if lang is None else _check(lang)
    return previous


class using_language:
    """Context manager: messages made inside it are in ``lang``.

    >>> with using_language("en"):
    ...     msg("已写入", "written")
    'written'
    """

    def __init__(self, lang: str) -> None:
        self.lang = _check(lang)

    def __enter__(self) -> "using_language":
        self._token = _SCOPED.set(self.lang)
        return self

    def __exit__(self, *exc: object) -> None:
        _SCOPED.reset(self._token)
