"""The sign-off options of ``xigeo report`` and ``xigeo map``: a settings file and its flags.

``signoff_options`` adds ``--config`` / ``--no-config`` and one flag per
setting (``--county``, ``--bureau`` (also ``--maker``), ``--author``,
``--reviewer``, ``--year``, ``--date``, ``--source``, ``--logo``);
:func:`settings_from` reads the file (``--config``, else an ``xigeo.toml``
found by :func:`xigeo.settings.find_settings`) and applies the flags on top:
flag > file > default.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ._i18n import h, t

__all__ = ["signoff_options", "settings_from", "FLAGS"]

F = TypeVar("F", bound=Callable[..., Any])

#: flag parameter -> ReportSettings field
FLAGS = {"county": "county", "bureau": "bureau", "author": "author", "reviewer": "reviewer",
         "year": "year", "date": "date", "source": "data_source", "logo": "logo"}


def signoff_options(func: F) -> F:
    """The settings-file options, in one group (applied bottom-up: --config first in --help)."""
    options = [
        click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help=h("设置文件（xigeo.toml：县名、制图单位、制图人、审核人、年度、图标等）；"
                            "不给时使用数据文件夹或当前文件夹中的 xigeo.toml。命令行选项优先于设置文件。",
                            "Settings file (xigeo.toml: county, bureau, author, reviewer, year, logo …); "
                            "default: an xigeo.toml in the data folder or the current folder. Flags "
                            "override the file.")),
        click.option("--no-config", is_flag=True,
                     help=h("不读取任何 xigeo.toml（只用命令行选项和默认值）。",
                            "Read no xigeo.toml (flags and defaults only).")),
        click.option("--county", default=None, help=h("县名，用于图名和封面，如息县（图名：息县2026年……图）。",
                                                  "County name for the map titles and the title page, e.g. 息县.")),
        click.option("--bureau", "--maker", "bureau", default=None,
                     help=h("制图单位（--maker 为旧名），如息县自然资源局。",
                            "Mapping unit (制图单位; --maker is its old name), e.g. 息县自然资源局.")),
        click.option("--author", default=None, help=h("制图人。", "Map maker (制图人).")),
        click.option("--reviewer", default=None, help=h("审核人。", "Reviewer (审核人).")),
        click.option("--year", type=click.IntRange(1900, 2200), default=None,
                     help=h("图名中的年度（默认：制图日期的年份或今年）。",
                            "Year in the titles (default: the year of the date, or this year).")),
        click.option("--date", default=None, help=h("制图日期，如 2026年11月（默认：本月/今天）。",
                                                "Date printed on the maps, e.g. 2026年11月 (default: this month).")),
        click.option("--source", default=None, help=h("数据来源。", "Data source (数据来源).")),
        click.option("--logo", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help=h("图标（PNG），印在图签左侧。", "Logo (PNG), printed left of the sign-off block.")),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_from(kwargs: dict[str, Any], data: Any = None, *, quiet: bool = False) -> Any:
    """Pop the sign-off options from ``kwargs``; return the ReportSettings they give.

    The file: ``--config``, else (unless ``--no-config``) the ``xigeo.toml``
    of DATA's folder or the current folder; a file found this way is named on
    stderr (unless ``quiet``). The flags given override the file's values.
    """
    from ..errors import OptionError
    from ..settings import ReportSettings, find_settings, read_settings

    config: Path | None = kwargs.pop("config")
    no_config: bool = kwargs.pop("no_config")
    flags = {field: kwargs.pop(name) for name, field in FLAGS.items()}
    if config is not None and no_config:
        raise OptionError(t("--config 与 --no-config：只能给出其中一个",
                            "--config and --no-config: give one of them"))
    if config is None and not no_config:
        config = find_settings(data)
        if config is not None and not quiet:
            click.echo(t(f"使用设置文件 {config}", f"using the settings file {config}"), err=True)
    settings = read_settings(config) if config is not None else ReportSettings()
    try:
        return settings.replace(**flags)
    except OptionError as err:  # e.g. --logo 徽标.jpg
        bad = str(err).removeprefix("ReportSettings: ").removeprefix("ReportSettings：")
        raise OptionError(t(f"{bad}（命令行选项）", f"{bad} (command-line flag)")) from None
