"""The command line in Chinese first, English on request (xigeo/cli/_i18n.py, issue 17).

Every command's ``--help`` is checked in both languages: in Chinese no English sentence
is left (flags, metavars, file names, codes and the example command lines may stay in
Latin letters), in English no Chinese sentence is left (Chinese names such as 平方米 or
制图单位 may stay). Usage errors name the flag in the run's language.
"""

import os
import re
import subprocess
import sys
import warnings

import click
import pytest
from click.testing import CliRunner

from xigeo.cli import _i18n, cli, main

#: three or more Latin words in a row (an English phrase), e.g. "Write the table"
ENGLISH = re.compile(r"[A-Za-z][a-z']+(?:[ -]+[A-Za-z][a-z']+){2,}")


def commands(group=cli, path=()):
    yield path
    for name, command in sorted(getattr(group, "commands", {}).items()):
        yield from commands(command, (*path, name))


ALL = list(commands())


def help_text(path, lang, env=None):
    result = CliRunner().invoke(cli, ["--lang", lang, *path, "--help"], env=env or {})
    assert result.exit_code == 0, result.output
    return result.output


def prose(text):
    """The help without its example command lines and the usage line (they are commands)."""
    keep = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("xigeo ", "用法:", "Usage:", "make ")):
            continue
        keep.append(line)
    return "\n".join(keep)


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "xigeo")
def test_help_is_chinese_then_english(path):
    zh = help_text(path, "zh")
    english_left = [m for m in ENGLISH.findall(prose(zh)) if "xigeo" not in m]  # command names
    assert not english_left, (path, english_left)
    assert "用法:" in zh and "选项:" in zh and "显示本帮助并退出。" in zh
    en = help_text(path, "en")
    # Chinese names quoted in English help (平方米, 制图单位, 三调汇总表 …) may stay; a Chinese
    # sentence (ending in 。) may not
    assert "。" not in prose(en), (path, [s for s in prose(en).splitlines() if "。" in s])
    assert "Usage:" in en and "Options:" in en and "Show this message and exit." in en
    assert len(ENGLISH.findall(prose(en))) >= 1, path


def test_every_help_text_has_its_english():
    missing = []
    for path in ALL:
        command = cli
        for name in path:
            command = command.commands[name]
        texts = [command.__dict__.get("_xigeo_help", (command.help,))[0]]
        texts += [p.__dict__.get("_xigeo_help", p.help) for p in command.params
                  if isinstance(p, click.Option) and p.help and p.name != "version"]
        missing += [(path, text) for text in texts
                    if text and __import__("inspect").cleandoc(text) not in _i18n._EN]
    assert not missing


@pytest.mark.parametrize("env, lang", [
    ({}, "zh"), ({"LANG": "C"}, "zh"), ({"LANG": "POSIX"}, "zh"), ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"), ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_MESSAGES": "C", "LANG": "en_US.UTF-8"}, "zh"),  # LC_MESSAGES before LANG
    ({"LANG": "en_US.UTF-8", "XIGEO_LANG": "zh"}, "zh"), ({"LANG": "C", "XIGEO_LANG": "en"}, "en"),
])
def test_language_from_the_environment(env, lang):
    base = {"LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "XIGEO_LANG": None}
    out = CliRunner().invoke(cli, ["area", "--help"], env={**base, **env}).output
    assert (("Usage:" in out) if lang == "en" else ("用法:" in out and "调查面积" in out)), out


def test_lang_option_wins_over_the_locale():
    out = CliRunner().invoke(cli, ["--lang", "zh", "map", "--help"], env={"LANG": "en_US.UTF-8"}).output
    assert "制图人" in out and "Usage:" not in out
    out = CliRunner().invoke(cli, ["--lang=en", "map", "--help"], env={"LANG": "C"}).output
    assert "Map title" in out and "用法" not in out


def test_usage_error_in_chinese_names_the_flag(capsys):
    assert main(["--lang", "zh", "area", "x.shp", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "错误：没有选项 '--bogus'" in err or "错误：没有选项 --bogus" in err, err
    assert "运行 'xigeo area --help' 查看帮助。" in err
    assert main(["--lang", "zh", "area"]) == 2
    err = capsys.readouterr().err
    assert "缺少参数 'LAYER'" in err, err
    assert main(["--lang", "zh", "area", "x.shp", "--method", "flat"]) == 2
    err = capsys.readouterr().err
    assert "'--method' 的值无效" in err and "'flat' 不在可选值" in err, err


def test_usage_error_in_english(capsys):
    assert main(["--lang", "en", "area", "x.shp", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "Error: No such option" in err and "--bogus" in err and "错误" not in err


def test_a_missing_file_says_so_in_chinese(tmp_path, capsys):
    assert main(["--lang", "zh", "report", str(tmp_path / "没有")]) == 2
    err = capsys.readouterr().err
    assert "'[DATA]' 的值无效" in err and "路径" in err and "不存在" in err, err


def test_click_is_untouched_outside_xigeo():
    @click.command()
    @click.option("--n", type=int)
    def other(n):
        pass

    _i18n.apply(cli, "zh")
    out = CliRunner().invoke(other, ["--help"]).output
    assert "Usage:" in out and "Show this message and exit." in out
    out = CliRunner().invoke(other, ["--n", "x"]).output
    assert "Invalid value for '--n'" in out


def test_click_texts_exist_in_click():
    """Every text translated is one click asks gettext for (a click upgrade that rewords
    one shows here, not as an English line in a Chinese help)."""
    import pathlib

    source = "".join(p.read_text() for p in pathlib.Path(click.__file__).parent.glob("*.py"))
    unknown = [k for k in _i18n.CLICK_ZH
               if not any(q + k.encode("unicode_escape").decode() + q in source for q in "'\"")
               and k not in ("No such option: {name}",)]  # click 8.1's wording
    assert unknown == []


WARNING_RUN = """
import sys, warnings
from xigeo.cli import cli, main
from xigeo.errors import XigeoWarning

@cli.command(name="warn-test")
def warn_test():
    warnings.warn("第一行\\n第二行", XigeoWarning, stacklevel=1)
    warnings.warn("plain python warning", UserWarning, stacklevel=1)

sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("lang, lines", [
    ("zh", ["xigeo: 警告：第一行 第二行", "xigeo: 警告（UserWarning）：plain python warning"]),
    ("en", ["xigeo: warning: 第一行 第二行", "xigeo: warning (UserWarning): plain python warning"]),
])
def test_warnings_are_one_line_in_the_cli(lang, lines):
    # a real process: pytest records warnings itself, so their printing is seen only outside it
    run = subprocess.run([sys.executable, "-c", WARNING_RUN, "--lang", lang, "warn-test"],
                         capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "always"})
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == lines


def test_the_python_api_keeps_pythons_warnings():
    from xigeo.errors import XigeoWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("api", XigeoWarning, stacklevel=1)
    assert "test_cli_i18n.py" in warnings.formatwarning(caught[0].message, caught[0].category,
                                                       caught[0].filename, caught[0].lineno)


def test_help_stays_lazy():
    """``xigeo --lang en area --help`` imports neither numba nor matplotlib (issue 14)."""
    code = ("import sys\nfrom xigeo.cli import main\nsys.argv=['xigeo','--lang','en','area','--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy=[m for m in ('numba','matplotlib','xigeo.maps','xigeo.report.pages') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out


def test_encoding_fix_is_a_flag_in_the_cli(tmp_path, capsys):
    """A GBK shapefile without a .cpg read as UTF-8 fails naming --encoding, not encoding=."""
    import geopandas as gpd
    from shapely import box

    path = tmp_path / "地块.shp"
    gpd.GeoDataFrame({"XMMC": ["挂钩项目甲"]}, geometry=[box(38_560_000, 3_580_000, 38_560_100, 3_580_100)],
                     crs=4526).to_file(path, encoding="gbk")
    for part in tmp_path.glob("*.cpg"):
        part.write_text("UTF-8")  # a lying .cpg
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["area", str(path)]) == 1
    err = capsys.readouterr().err
    assert "--encoding gbk" in err and "encoding='gbk'" not in err and "encoding=" not in err.replace("--encoding", ""), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "xigeo")
def test_chinese_help_fits_80_columns(path):
    """Chinese characters take two terminal columns: the help is wrapped by columns, not
    characters (the example lines, written as they are typed, are left as they are)."""
    from xigeo._text import display_width

    out = CliRunner().invoke(cli, ["--lang", "zh", *path, "--help"], env={"COLUMNS": "80"}).output
    wide = [line for line in prose(out).splitlines() if display_width(line) > 80]
    assert not wide, wide
    # and no space left where a source line broke between two Chinese characters
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", prose(out).replace("示例", "")), path


def test_version_in_both_languages():
    from importlib.metadata import version

    zh = CliRunner().invoke(cli, ["--version"], prog_name="xigeo").output
    en = CliRunner().invoke(cli, ["--lang", "en", "--version"], prog_name="xigeo").output
    assert (zh, en) == (f"xigeo，版本 {version('xigeo')}\n", f"xigeo, version {version('xigeo')}\n")
