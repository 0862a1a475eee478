"""The language of the library's messages (xigeo/_lang.py): Chinese first, English on request."""

from __future__ import annotations

import pytest

import xigeo
from xigeo._lang import language, language_from_environment, msg


def test_default_is_chinese_and_english_on_request(monkeypatch):
    monkeypatch.delenv("XIGEO_LANG", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert language() == "zh"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert language() == "en"
    monkeypatch.setenv("XIGEO_LANG", "zh")
    assert language() == "zh"


def test_set_language_and_using_language_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("XIGEO_LANG", "zh")
    previous = xigeo.set_language("en")
    try:
        assert msg("中文", "English") == "English"
        with xigeo.using_language("zh"):
            assert msg("中文", "English") == "中文"
        assert msg("中文", "English") == "English"
    finally:
        xigeo.set_language(previous)
    assert msg("中文", "English") == "中文"


def test_a_bad_language_is_refused_in_both_languages():
    with pytest.raises(ValueError, match="语言应为 'zh' 或 'en'.*must be 'zh' or 'en'"):
        xigeo.set_language("fr")


def test_locale_rules():
    assert language_from_environment({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert language_from_environment({"LANG": "C"}) == "zh"
    assert language_from_environment({"XIGEO_LANG": "EN"}) == "en"


def test_the_language_module_imports_only_the_standard_library():
    # it is imported by xigeo/errors.py, which every module imports
    import ast
    from pathlib import Path

    tree = ast.parse(Path(xigeo.__file__).with_name("_lang.py").read_text(encoding="utf-8"))
    names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    names |= {node.module.split(".")[0] for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module}
    assert names <= {"__future__", "os", "collections", "contextvars"}
