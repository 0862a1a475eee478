"""Report settings (``xigeo.toml``): who made the maps, for which county and year.

A bureau writes its sign-off details once, in a small TOML file, instead of
repeating them on every command::

    # xigeo.toml
    county = "息县"                     # 县名: titles read 息县2026年土地利用现状图
    bureau = "息县自然资源局"           # 制图单位 / 填表单位
    author = "张三"                     # 制图人
    reviewer = "李四"                   # 审核人
    year = 2026                         # 年度 in the titles (default: this year)
    date = "2026年11月"                 # 制图日期 (or a TOML date: 2026-11-20)
    data_source = "息县第三次全国国土调查成果"   # 数据来源
    logo = "局徽.png"                   # relative to this file's folder
    paper = "A3"
    scale = 10000

    [titles]                            # a map's own title instead of 县名+年度+图名
    "土地利用现状图" = "息县2026年度土地利用现状图（调查成果）"

The keys may also be written in Chinese, in quotes as TOML wants for
non-ASCII keys (``"县名" = "息县"``; also 制图单位, 制图人, 审核人, 年度,
制图日期, 数据来源, 图标, 纸张, 比例尺, 高程基准, 报告标题, 图名). ``maker``
is refused on purpose: in xigeo's map keywords ``maker=`` has always meant
the mapping unit (制图单位), so a settings file says ``bureau`` (制图单位) or
``author`` (制图人).

:func:`read_settings` reads and checks a file (every problem is named at
once, with the file, the key and the fix); :func:`find_settings` looks for
``xigeo.toml`` in the data folder, then in the current folder (what
``xigeo report`` and ``xigeo map`` do when no ``--config`` is given);
:meth:`ReportSettings.replace` applies overrides (command-line flags,
keywords) on top: flag > file > default.

>>> s = ReportSettings(county="息县", bureau="息县自然资源局", year=2026)
>>> s.map_title("土地利用现状图")
'息县2026年土地利用现状图'
>>> s.replace(year=2025, author=None).map_title("土地利用现状图")
'息县2025年土地利用现状图'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._lang import msg
from .errors import LayerReadError, OptionError, fix

__all__ = ["ReportSettings", "read_settings", "find_settings", "as_settings", "SETTINGS_FILE",
           "DEFAULT_REPORT_TITLE", "DEFAULT_ELEVATION_DATUM"]

#: the file name :func:`find_settings` looks for
SETTINGS_FILE = "xigeo.toml"
DEFAULT_REPORT_TITLE = "节约集约用地工作报告图集"
DEFAULT_ELEVATION_DATUM = "1985国家高程基准"
#: paper sizes a settings file may name (the map composer checks the ones it draws)
_PAPERS = ("A0", "A1", "A2", "A3", "A4")

#: key -> (Chinese name, what it holds, an example value as TOML)
_KEYS: dict[str, tuple[str, str, str]] = {
    "county": ("县名", "text", '"息县"'),
    "bureau": ("制图单位", "text", '"息县自然资源局"'),
    "author": ("制图人", "text", '"张三"'),
    "reviewer": ("审核人", "text", '"李四"'),
    "year": ("年度", "a year", "2026"),
    "date": ("制图日期", "text or a TOML date", '"2026年11月" or 2026-11-20'),
    "data_source": ("数据来源", "text", '"息县第三次全国国土调查成果"'),
    "elevation_datum": ("高程基准", "text", f'"{DEFAULT_ELEVATION_DATUM}"'),
    "logo": ("图标", "a PNG file", '"局徽.png"'),
    "paper": ("纸张", "a paper size", '"A3"'),
    "scale": ("比例尺", "a scale denominator", "10000"),
    "title": ("报告标题", "text", f'"{DEFAULT_REPORT_TITLE}"'),
    "titles": ("图名", "a table of map titles", '{"土地利用现状图" = "息县2026年度土地利用现状图"}'),
}
#: what each key holds, in Chinese (the second item of _KEYS)
_WHAT_ZH = {"text": "文本", "a year": "年份", "text or a TOML date": "文本或 TOML 日期",
            "a PNG file": "PNG 文件", "a paper size": "纸张规格", "a scale denominator": "比例尺分母",
            "a table of map titles": "图名表"}
_ALIASES = {zh: key for key, (zh, _, _) in _KEYS.items()}
_TEXT_KEYS = ("county", "bureau", "author", "reviewer", "data_source", "elevation_datum", "title")


@dataclasses.dataclass(frozen=True)
class ReportSettings:
    """Who made the report's maps, for which county and year (the sign-off block).

    Attributes
    ----------
    county : str, optional
        县名 (e.g. ``"息县"``): map titles become 县名 + 年度 + 图名
        (``息县2026年土地利用现状图``) and the report's title page names it.
    bureau : str, optional
        制图单位 / 填表单位 (e.g. ``"息县自然资源局"``).
    author, reviewer : str, optional
        制图人, 审核人.
    year : int, optional
        The year in the titles; default: the year of ``date`` if it has one,
        else this year.
    date : str, optional
        制图日期 as printed (``"2026年11月"``); default: this month.
    data_source : str, optional
        数据来源 (the county's data), printed on every map before the map's
        own source (its layers).
    elevation_datum : str
        高程基准 printed on maps that show a DEM (default 1985国家高程基准).
    logo : Path, optional
        A PNG drawn in the sign-off block.
    paper, scale : optional
        Paper size (A4 … A0) and scale denominator of the report's maps.
    title : str, optional
        The report's title (default 节约集约用地工作报告图集), prefixed by
        county and year like the map titles.
    titles : dict of str to str
        A map's title as printed, by its plain title (``"土地利用现状图"``).
    path : Path, optional
        The settings file these came from (None: made in Python).
    """

    county: str | None = None
    bureau: str | None = None
    author: str | None = None
    reviewer: str | None = None
    year: int | None = None
    date: str | None = None
    data_source: str | None = None
    elevation_datum: str = DEFAULT_ELEVATION_DATUM
    logo: Path | None = None
    paper: str | None = None
    scale: float | None = None
    title: str | None = None
    titles: Mapping[str, str] = dataclasses.field(default_factory=dict)
    path: Path | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self) -> None:
        problems = _check(dataclasses.asdict(self) | {"titles": dict(self.titles)})
        if problems:
            raise OptionError(msg("ReportSettings：", "ReportSettings: ")
                              + msg("；", "; ").join(p for _, p in problems))
        if self.logo is not None and not isinstance(self.logo, Path):
            object.__setattr__(self, "logo", Path(self.logo))
        if self.paper is not None:
            object.__setattr__(self, "paper", str(self.paper).upper())
        if self.scale is not None:
            object.__setattr__(self, "scale", float(self.scale))

    def replace(self, **overrides: Any) -> "ReportSettings":
        """These settings with ``overrides`` applied; a ``None`` override keeps the value.

        >>> ReportSettings(bureau="甲局").replace(bureau=None, author="王五")
        ReportSettings(county=None, bureau='甲局', author='王五', reviewer=None, year=None, date=None, data_source=None, elevation_datum='1985国家高程基准', logo=None, paper=None, scale=None, title=None, titles={}, path=None)
        """
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise OptionError(msg(f"ReportSettings 没有 {', '.join(unknown)}；"
                                  f"可用的有：{', '.join(_KEYS)}",
                                  f"ReportSettings has no {', '.join(unknown)}; "
                                  f"known: {', '.join(_KEYS)}"))
        given = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **given) if given else self

    @property
    def the_year(self) -> int:
        """The year of the titles: ``year``, else the year in ``date``, else this year."""
        if self.year is not None:
            return int(self.year)
        found = re.match(r"\s*(\d{4})\s*年", self.date or "")
        return int(found.group(1)) if found else dt.date.today().year

    @property
    def the_date(self) -> str:
        """制图日期 as printed: ``date``, else this month (``2026年11月``)."""
        if self.date:
            return self.date
        today = dt.date.today()
        return f"{today.year}年{today.month}月"

    def map_title(self, title: str) -> str:
        """A map's title as printed: the ``titles`` override, else 县名 + 年度 + title.

        A title that already starts with the county is left as it is; without a
        county the title is printed as given.

        >>> s = ReportSettings(county="息县", year=2026, titles={"土地利用现状图": "甲"})
        >>> s.map_title("土地利用现状图"), s.map_title("息县卫片图"), s.map_title("质检图")
        ('甲', '息县卫片图', '息县2026年质检图')
        """
        if title in self.titles:
            return self.titles[title]
        if not self.county or title.startswith(self.county):
            return title
        return f"{self.county}{self.the_year}年{title}"

    def report_title(self) -> str:
        """The report's title: ``title`` (default 节约集约用地工作报告图集) with county and year."""
        return self.map_title(self.title or DEFAULT_REPORT_TITLE)


def _check(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, problem) for every value a ReportSettings cannot hold."""
    problems: list[tuple[str, str]] = []

    def bad(key: str, value: Any) -> None:
        zh, what, example = _KEYS[key]
        problems.append((key, msg(
            f"{key}（{zh}）= {value!r} 不是{_WHAT_ZH[what]}；请写成如 {key} = {example.replace(' or ', ' 或 ')}",
            f"{key} ({zh}) = {value!r} is not {what}; write e.g. {key} = {example}")))

    for key in _TEXT_KEYS:
        value = values.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            bad(key, value)
    year = values.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                             or not 1900 <= year <= 2200):
        bad("year", year)
    date = values.get("date")
    if date is not None and (not isinstance(date, str) or not date.strip()):
        bad("date", date)
    paper = values.get("paper")
    if paper is not None and str(paper).upper() not in _PAPERS:
        problems.append(("paper", msg(f"paper（纸张）= {paper!r} 不是纸张规格；可选："
                                      f"{', '.join(_PAPERS)}",
                                      f"paper (纸张) = {paper!r} is not a paper size; use one of "
                                      f"{', '.join(_PAPERS)}")))
    scale = values.get("scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float))
                              or not math.isfinite(scale) or scale <= 0):
        bad("scale", scale)
    logo = values.get("logo")
    if logo is not None:
        if not isinstance(logo, (str, os.PathLike)) or not str(logo).strip():
            bad("logo", logo)
        elif Path(logo).suffix.lower() != ".png":
            problems.append(("logo", msg(f"logo（图标）= {str(logo)!r} 不是 .png 文件；"
                                         "请把图标存为 PNG",
                                         f"logo (图标) = {str(logo)!r} is not a .png file; "
                                         "save the logo as PNG")))
        elif not Path(logo).is_file():
            problems.append(("logo", msg(f"logo（图标）= {str(logo)!r}：文件不存在",
                                         f"logo (图标) = {str(logo)!r}: no such file")))
    titles = values.get("titles")
    if titles is not None and (not isinstance(titles, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in titles.items())):
        bad("titles", titles)
    return problems


def read_settings(path: str | os.PathLike[str]) -> ReportSettings:
    """Read and check a settings file (``xigeo.toml``); see the module notes for its keys.

    Every problem is reported at once, naming the file, the key and the fix;
    unknown keys are refused with the list of known ones. A relative ``logo``
    is relative to the file's folder; a TOML date (``date = 2026-11-20``) is
    printed as ``2026年11月20日``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "xigeo.toml"
    >>> _ = f.write_text('"县名" = "息县"\\nbureau = "息县自然资源局"\\nyear = 2026\\n', encoding="utf-8")
    >>> s = read_settings(f)
    >>> s.county, s.bureau, s.map_title("土地利用现状图")
    ('息县', '息县自然资源局', '息县2026年土地利用现状图')
    >>> _ = f.write_text('county = "息县"\\nyear = "2026年"\\ncolour = "red"\\n', encoding="utf-8")
    >>> read_settings(f)
    Traceback (most recent call last):
    ...
    xigeo.errors.OptionError: xigeo.toml：未知键 colour（可用的键：county, bureau, author, reviewer, year, date, data_source, elevation_datum, logo, paper, scale, title, titles，或其中文名 县名, 制图单位, 制图人, 审核人, 年度, 制图日期, 数据来源, 高程基准, 图标, 纸张, 比例尺, 报告标题, 图名）；year（年度）= '2026年' 不是年份；请写成如 year = 2026
    >>> from xigeo import using_language
    >>> with using_language("en"):
    ...     read_settings(f)
    Traceback (most recent call last):
    ...
    xigeo.errors.OptionError: xigeo.toml: unknown key colour (known keys: county, bureau, author, reviewer, year, date, data_source, elevation_datum, logo, paper, scale, title, titles, or their Chinese names 县名, 制图单位, 制图人, 审核人, 年度, 制图日期, 数据来源, 高程基准, 图标, 纸张, 比例尺, 报告标题, 图名); year (年度) = '2026年' is not a year; write e.g. year = 2026
    """
    path = Path(path)
    where = fix(f"read_settings({str(path)!r})", f"--config {path}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LayerReadError(msg(f"配置文件 {path} 不存在；请检查给 {where} 的路径",
                                 f"settings file {path} does not exist; check the path given to "
                                 f"{where}")) from None
    except IsADirectoryError:
        raise LayerReadError(msg(f"{path} 是文件夹；请给出配置文件本身（{path / SETTINGS_FILE}）",
                                 f"{path} is a folder; give the settings file itself "
                                 f"({path / SETTINGS_FILE})")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OptionError(msg(f"{path.name}：不是 UTF-8 文本；请把配置文件存为 UTF-8"
                              "（记事本：另存为，编码 UTF-8）",
                              f"{path.name}: not UTF-8 text; save the settings file as UTF-8 "
                              "(记事本: 另存为, 编码 UTF-8)")) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        hint = msg('文本值要加引号，如 county = "息县"', 'text values need quotes, e.g. county = "息县"')
        line = re.search(r"line (\d+)", str(err))
        if line is not None:
            lines = text.splitlines()
            number = int(line.group(1))
            bare = lines[number - 1].strip() if 0 < number <= len(lines) else ""
            if bare and not bare[0].isascii():
                hint = msg(f'第 {number} 行（{bare}）：TOML 中的中文键要加引号，如 "县名" = "息县"',
                           f'line {number} ({bare}): a Chinese key needs quotes in TOML, e.g. '
                           '"县名" = "息县"')
        raise OptionError(msg(f"{path.name}：不是有效的 TOML 配置文件（{err}）；{hint}"
                              '（docs/report.md，“Settings file”一节）',
                              f"{path.name}: not a valid TOML settings file ({err}); {hint} "
                              '(docs/report.md, "Settings file")')) from None
    problems: list[str] = []
    values: dict[str, Any] = {}
    unknown = []
    for key, value in doc.items():
        name = _ALIASES.get(key, key)
        if name == "maker" or key == "maker":
            problems.append(msg('maker 含义不明：制图单位请写 bureau = "..."，制图人请写 author = "..."',
                                'maker is ambiguous: write bureau = "..." for 制图单位 or '
                                'author = "..." for 制图人'))
        elif name not in _KEYS:
            unknown.append(key)
        elif name in values:
            problems.append(msg(f"{name}（{_KEYS[name][0]}）给了两次（作为 {name} 和 "
                                f"{_KEYS[name][0]}）；请保留一个",
                                f"{name} ({_KEYS[name][0]}) is given twice (as {name} and as "
                                f"{_KEYS[name][0]}); keep one"))
        else:
            values[name] = value
    if unknown:
        known = ", ".join(_KEYS) + msg("，或其中文名 ", ", or their Chinese names ") + ", ".join(_ALIASES)
        problems.insert(0, msg(f"未知键 {', '.join(unknown)}（可用的键：{known}）",
                               f"unknown key{'s' * (len(unknown) > 1)} {', '.join(unknown)} "
                               f"(known keys: {known})"))
    if isinstance(values.get("date"), dt.datetime):
        problems.append(msg(f"date（制图日期）= {values['date']} 带有时刻；请写日期"
                            "（date = 2026-11-20）或文本（date = \"2026年11月\"）",
                            f"date (制图日期) = {values['date']} has a time; write a day "
                            "(date = 2026-11-20) or text (date = \"2026年11月\")"))
    elif isinstance(values.get("date"), dt.date):
        d = values["date"]
        values["date"] = f"{d.year}年{d.month}月{d.day}日"
    logo = values.get("logo")
    if isinstance(logo, str) and logo.strip() and not Path(logo).is_absolute():
        values["logo"] = path.resolve().parent / logo
    problems += [p for _, p in _check(values)]
    if problems:
        raise OptionError(msg(f"{path.name}：", f"{path.name}: ") + msg("；", "; ").join(problems))
    return ReportSettings(**values, path=path)


def find_settings(data: str | os.PathLike[str] | None = None) -> Path | None:
    """The ``xigeo.toml`` a command uses without ``--config``: in DATA's folder, else here.

    DATA's folder is DATA itself for a folder of layers, the GeoPackage's
    folder for a GeoPackage; then the current folder is tried. None when
    neither has one.
    """
    places = []
    if data is not None:
        data = Path(data)
        places.append(data if data.is_dir() else data.parent)
    places.append(Path.cwd())
    for place in places:
        candidate = place / SETTINGS_FILE
        if candidate.is_file():
            return candidate
    return None


def as_settings(settings: ReportSettings | str | os.PathLike[str] | None) -> ReportSettings:
    """``settings`` as :class:`ReportSettings`: read a path, defaults for None."""
    if settings is None:
        return ReportSettings()
    if isinstance(settings, ReportSettings):
        return settings
    if isinstance(settings, (str, os.PathLike)):
        return read_settings(settings)
    raise OptionError(msg(f"settings={settings!r}：请给出 ReportSettings 或 {SETTINGS_FILE} 文件的路径",
                          f"settings={settings!r}: give a ReportSettings or the path of a "
                          f"{SETTINGS_FILE} file"))
