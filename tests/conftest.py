"""Shared test set-up: prepared reference layers go to a temporary folder, never ~/.cache."""

from __future__ import annotations

import os

import pytest

# the command line speaks Chinese unless told otherwise (xigeo/cli/_i18n.py); tests expect its
# Chinese whatever the locale of the machine that runs them (tests of the language choice pass
# their own environment)
os.environ["XIGEO_LANG"] = "zh"


@pytest.fixture(autouse=True)
def _prepared_cache(tmp_path_factory, monkeypatch):
    """Point xigeo's prepared-layer cache (``check-farmland`` uses it by itself) at a test folder.

    Only the prepared layers: the numba kernel cache (also under XIGEO_CACHE_DIR) stays where it
    is, or every test session would compile the kernels again.
    """
    import xigeo.prepared

    folder = tmp_path_factory.mktemp("prepared-cache")
    monkeypatch.setattr(xigeo.prepared, "cache_folder", lambda **_: folder)
    return folder
