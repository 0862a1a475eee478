"""Report settings (xigeo.toml): reading, checking, precedence flag > file > default.

Every bad file is a real file in tmp_path; the tests assert the message names
the file, the key and the fix, and that nothing was written next to it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import xigeo

from xigeo.errors import LayerReadError, OptionError
from xigeo.settings import (DEFAULT_ELEVATION_DATUM, ReportSettings, find_settings, read_settings)

GOOD = '''county = "息县"
bureau = "息县自然资源局"
author = "张三"
reviewer = "李四"
year = 2026
date = 2026-11-20
data_source = "息县第三次全国国土调查成果"
paper = "a3"
scale = 10000

[titles]
"土地利用现状图" = "息县2026年度土地利用现状图（调查成果）"
'''

# a 1x1 PNG (the smallest valid file: signature, IHDR, IDAT, IEND)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
                    "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082")


def _write(tmp_path: Path, text: str, name: str = "xigeo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_read_good_file(tmp_path):
    path = _write(tmp_path, GOOD)
    s = read_settings(path)
    assert (s.county, s.bureau, s.author, s.reviewer, s.year) == ("息县", "息县自然资源局", "张三",
                                                                  "李四", 2026)
    assert s.date == "2026年11月20日"  # a TOML date, printed the Chinese way
    assert s.paper == "A3" and s.scale == 10000.0
    assert s.elevation_datum == DEFAULT_ELEVATION_DATUM == "1985国家高程基准"
    assert s.path == path
    assert s.map_title("土地利用现状图") == "息县2026年度土地利用现状图（调查成果）"
    assert s.map_title("卫片执法检查图斑分布图") == "息县2026年卫片执法检查图斑分布图"
    assert s.report_title() == "息县2026年节约集约用地工作报告图集"


def test_chinese_keys_and_relative_logo(tmp_path):
    (tmp_path / "局徽.png").write_bytes(PNG)
    s = read_settings(_write(tmp_path, '"县名" = "息县"\n"制图单位" = "息县自然资源局"\n'
                                       '"图标" = "局徽.png"\n"年度" = 2025\n'))
    assert (s.county, s.bureau, s.year) == ("息县", "息县自然资源局", 2025)
    assert s.logo == tmp_path.resolve() / "局徽.png"  # relative to the settings file


def test_defaults_year_from_date_then_today():
    assert ReportSettings().the_year == dt.date.today().year
    assert ReportSettings(date="2024年3月").the_year == 2024
    assert ReportSettings(date="2024年3月", year=2026).the_year == 2026
    today = dt.date.today()
    assert ReportSettings().the_date == f"{today.year}年{today.month}月"
    assert ReportSettings().map_title("土地利用现状图") == "土地利用现状图"  # no county: as given


#: (settings text, what the Chinese message says, what the English one says)
BAD_FILES = [
    ('county = "息县"\ncolour = "red"\n', ["未知键 colour", "可用的键：county, bureau"],
     ["unknown key colour", "known keys: county, bureau"]),
    ('year = "2026年"\n', ["year（年度）= '2026年' 不是年份", "year = 2026"],
     ["year (年度) = '2026年' is not a year", "year = 2026"]),
    ('maker = "张三"\n', ["maker 含义不明", 'bureau = "..."', 'author = "..."'],
     ["maker is ambiguous", 'bureau = "..."', 'author = "..."']),
    ('paper = "B5"\n', ["paper（纸张）= 'B5'", "A0, A1, A2, A3, A4"],
     ["paper (纸张) = 'B5'", "A0, A1, A2, A3, A4"]),
    ('scale = -5\n', ["scale（比例尺）= -5", "scale = 10000"], ["scale (比例尺) = -5", "scale = 10000"]),
    ('logo = "徽标.jpg"\n', ["logo（图标）= '", "请把图标存为 PNG"], ["logo (图标) = '", "save the logo as PNG"]),
    ('logo = "无此文件.png"\n', ["无此文件.png", "文件不存在"], ["无此文件.png", "no such file"]),
    ('county = 息县\n', ["不是有效的 TOML 配置文件", 'county = "息县"'],
     ["not a valid TOML settings file", 'county = "息县"']),
    ('县名 = "息县"\n', ["第 1 行（县名 = \"息县\"）：TOML 中的中文键要加引号", '"县名" = "息县"'],
     ["line 1 (县名 = \"息县\"): a Chinese key needs quotes", '"县名" = "息县"']),
    ('county = "息县"\n"县名" = "息县"\n', ["county（县名）给了两次"], ["county (县名) is given twice"]),
    ('date = 2026-11-20T08:00:00\n', ["date（制图日期）= 2026-11-20 08:00:00 带有时刻"],
     ["date (制图日期) = 2026-11-20 08:00:00 has a time"]),
    ('[titles]\n"土地利用现状图" = 3\n', ["titles（图名）"], ["titles (图名)"]),
]


@pytest.mark.parametrize("text, expected, _", BAD_FILES)
def test_bad_file_names_file_key_and_fix(tmp_path, text, expected, _):
    path = _write(tmp_path, text)
    before = _listing(tmp_path)
    with pytest.raises(OptionError) as err:
        read_settings(path)
    message = str(err.value)
    assert message.startswith("xigeo.toml："), message
    for part in expected:
        assert part in message, (part, message)
    assert _listing(tmp_path) == before  # nothing written, nothing changed


@pytest.mark.parametrize("text, _, expected", BAD_FILES)
def test_bad_file_in_english(tmp_path, text, _, expected):
    path = _write(tmp_path, text)
    with xigeo.using_language("en"), pytest.raises(OptionError) as err:
        read_settings(path)
    message = str(err.value)
    assert message.startswith("xigeo.toml: "), message
    for part in expected:
        assert part in message, (part, message)


def test_every_problem_at_once(tmp_path):
    path = _write(tmp_path, 'year = 1\npaper = "B5"\nfoo = 1\n')
    with pytest.raises(OptionError) as err:
        read_settings(path)
    message = str(err.value)
    assert "未知键 foo" in message and "year（年度）" in message and "paper（纸张）" in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(LayerReadError, match="无.toml 不存在"):
        read_settings(tmp_path / "无.toml")
    with pytest.raises(LayerReadError, match="是文件夹"):
        read_settings(tmp_path)
    with xigeo.using_language("en"), pytest.raises(LayerReadError, match="does not exist"):
        read_settings(tmp_path / "无.toml")
    assert list(tmp_path.iterdir()) == []


def test_not_utf8(tmp_path):
    path = tmp_path / "xigeo.toml"
    path.write_bytes('county = "息县"\n'.encode("gbk"))
    with pytest.raises(OptionError, match="不是 UTF-8 文本"):
        read_settings(path)


def test_replace_precedence():
    """flag > file > default: a None override keeps the file's value."""
    file = ReportSettings(county="息县", bureau="息县自然资源局", author="张三")
    flags = dict(bureau=None, author="王五", reviewer="李四")
    s = file.replace(**flags)
    assert (s.county, s.bureau, s.author, s.reviewer) == ("息县", "息县自然资源局", "王五", "李四")
    assert s.elevation_datum == "1985国家高程基准"  # the default, neither file nor flag
    with pytest.raises(OptionError, match="ReportSettings 没有 colour"):
        file.replace(colour="red")
    with pytest.raises(OptionError, match="year"):
        ReportSettings(year="2026")


def test_find_settings_data_folder_then_current_folder(tmp_path, monkeypatch):
    data, here = tmp_path / "县数据", tmp_path / "工作"
    data.mkdir()
    here.mkdir()
    monkeypatch.chdir(here)
    assert find_settings(data) is None
    (here / "xigeo.toml").write_text('county = "甲县"\n', encoding="utf-8")
    assert find_settings(data) == here / "xigeo.toml"
    (data / "xigeo.toml").write_text('county = "乙县"\n', encoding="utf-8")
    assert find_settings(data) == data / "xigeo.toml"
    gpkg = data / "县.gpkg"
    gpkg.write_bytes(b"")
    assert find_settings(gpkg) == data / "xigeo.toml"  # a GeoPackage: its folder
    assert find_settings(None) == here / "xigeo.toml"
