"""Tests of xigeo._files.atomic_path: no half-written outputs, no overwritten inputs."""

import pytest

from xigeo import using_language
from xigeo._files import atomic_path
from xigeo.errors import LayerWriteError


def test_failure_leaves_no_file_and_keeps_old(tmp_path):
    target = tmp_path / "结果.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target, overwrite=True) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["结果.csv"]


def test_refuses_existing_unless_overwrite(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old")
    with pytest.raises(LayerWriteError, match="overwrite=True"):
        with atomic_path(target, overwrite=False) as tmp:
            tmp.write_text("new")
    assert target.read_text() == "old"
    with pytest.raises(LayerWriteError, match="overwrite=True"):  # refusing is the default
        with atomic_path(target) as tmp:
            tmp.write_text("new")
    assert target.read_text() == "old"
    with atomic_path(target, overwrite=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_never_overwrites_protected_input(tmp_path):
    source = tmp_path / "input.csv"
    source.write_text("input")
    with pytest.raises(LayerWriteError, match="拒绝覆盖数据读取的源文件"):
        with atomic_path(tmp_path / "." / "input.csv", protect=source) as tmp:
            tmp.write_text("x")
    assert source.read_text() == "input"


def test_missing_folder_and_nothing_written(tmp_path):
    with pytest.raises(LayerWriteError, match="文件夹 .*no 不存在"):
        with atomic_path(tmp_path / "no" / "a.csv"):
            pass
    with using_language("en"), pytest.raises(LayerWriteError, match="does not exist"):
        with atomic_path(tmp_path / "no" / "a.csv"):
            pass
    with pytest.raises(LayerWriteError, match="什么也没写出"):
        with atomic_path(tmp_path / "b.csv"):
            pass
    assert not list(tmp_path.iterdir())
