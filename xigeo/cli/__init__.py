"""The ``xigeo`` command line: one click group, one module per command.

Every command is a thin call to a library function. Errors print one clear
line (``xigeo: error: …``) and exit with status 1; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from ..errors import XigeoError, XigeoWarning, cli_interface
from . import _i18n
from ._i18n import h, t, zh_doc
from .adjust import adjust_command
from .area import area_command
from .changes import changes_command
from .check import check_command
from .demo import demo_command
from .coords import coords
from .farmland import check_farmland_command
from .fit_transform import fit_transform_command
from .consolidation import consolidation_command
from .industrial import industrial_command
from .linkage import linkage_command
from .map import map_command
from .report import report_command
from .minepark import minepark_command
from .prepare import prepare_command
from .sample import sample_command
from .sheets import sheets_command
from .stripping import stripping_command
from .tables import tables_command
from .transform import transform_command
from .validate import validate_command
from .zone import zone_command
from .warmup import warmup_command

__all__ = ["cli", "main"]


class _Group(click.Group):
    """The ``xigeo`` group: resolves the language (``--lang``, XIGEO_LANG, the locale) and
    puts its help texts on the commands before click parses the arguments (cli/_i18n.py)."""

    def main(self, args: Any = None, *pos: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        before = _i18n.current()
        _i18n.apply(self, _i18n.language(argv, commands=self.commands))
        try:
            with _i18n.active():
                return super().main(argv, *pos, **kwargs)
        finally:
            # main() in a script or a test: the next run resolves its language afresh; a
            # command object invoked by itself (CliRunner) keeps the language it had before
            _i18n.apply(self, before)


@zh_doc("""xigeo：县级国土数据的调查面积、耕地核查与报告图件。

\b
示例：
  xigeo sample list
  xigeo area sample_shapefiles/linkage_newbuild.shp --by XMMC --unit 亩
  xigeo validate parcels.shp --required XMMC
  xigeo --lang en area --help""")
@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(_i18n.LANGS), expose_value=False,
              help=h("界面语言：zh（中文，默认）或 en（英文）；也可设环境变量 XIGEO_LANG，"
                     "或英文区域设置（LANG=en_US.UTF-8）。",
                     "Language of help and messages: zh (Chinese, the default) or en; also "
                     "the XIGEO_LANG variable or an English locale (LANG=en_US.UTF-8)."))
@click.option("--debug", is_flag=True, help=h("出错时显示 Python 回溯并输出调试日志。",
                                             "Show tracebacks and debug logging."))
@click.option("-v", "--verbose", is_flag=True, help=h("记录读写的每个文件。",
                                                      "Log what is read and written."))
@click.option("-q", "--quiet", is_flag=True, help=h("只显示错误。", "Only print errors."))
@click.version_option(package_name="xigeo", message=_i18n.lazy("%(prog)s，版本 %(version)s",
                                                              "%(prog)s, version %(version)s"))
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: bool, quiet: bool) -> None:
    """xigeo: survey areas, farmland checks and report maps for county land data.

    \b
    Examples:
      xigeo sample list
      xigeo area sample_shapefiles/linkage_newbuild.shp --by XMMC --unit 亩
      xigeo validate parcels.shp --required XMMC
      xigeo --lang en area --help
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    # messages raised while a command runs name CLI flags, not Python keywords (errors.fix)
    ctx.with_resource(cli_interface())
    ctx.with_resource(_warnings_as_lines())
    level = (logging.DEBUG if debug else logging.ERROR if quiet
             else logging.INFO if verbose else logging.WARNING)
    _log_to_stderr(level)


class _warnings_as_lines:
    """While a command runs, warnings print as one ``xigeo: 警告：…`` line on stderr
    (``xigeo: warning: …`` in English); the Python API keeps Python's usual warnings."""

    def __enter__(self) -> "_warnings_as_lines":
        import warnings

        self._saved = warnings.formatwarning

        def one_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                     line: str | None = None) -> str:
            # one line, no Python source line: the CLI user has no use for warnings.py:42
            text = " ".join(str(message).split())
            if issubclass(category, XigeoWarning):
                return t(f"xigeo: 警告：{text}\n", f"xigeo: warning: {text}\n")
            return t(f"xigeo: 警告（{category.__name__}）：{text}\n",
                     f"xigeo: warning ({category.__name__}): {text}\n")

        warnings.formatwarning = one_line
        return self

    def __exit__(self, *exc: object) -> None:
        import warnings

        warnings.formatwarning = self._saved


class _ClickHandler(logging.Handler):
    """Log records as plain lines on stderr (Chinese text unharmed)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


def _log_to_stderr(level: int) -> None:
    """Show xigeo's log on stderr at ``level``; the library itself only has a NullHandler."""
    logger = logging.getLogger("xigeo")
    for handler in [h for h in logger.handlers if isinstance(h, _ClickHandler)]:
        logger.removeHandler(handler)
    handler = _ClickHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


cli.add_command(area_command)
cli.add_command(prepare_command)
cli.add_command(validate_command)
cli.add_command(sample_command)
cli.add_command(demo_command)
cli.add_command(coords)
cli.add_command(linkage_command)
cli.add_command(consolidation_command)
cli.add_command(minepark_command)
cli.add_command(industrial_command)
cli.add_command(stripping_command)
cli.add_command(map_command)
cli.add_command(check_farmland_command)
cli.add_command(report_command)
cli.add_command(adjust_command)
cli.add_command(tables_command)
cli.add_command(sheets_command)
cli.add_command(fit_transform_command)
cli.add_command(transform_command)
cli.add_command(zone_command)
cli.add_command(changes_command)
cli.add_command(check_command)
cli.add_command(warmup_command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; XigeoError and OSError become one line on stderr and exit 1.

    Run as the ``xigeo`` command (``argv`` None: the arguments are ``sys.argv``),
    the objects made so far are moved out of the garbage collector's reach
    (:func:`gc.freeze`) when the command ends: the interpreter's last
    collection at exit would otherwise walk every object numba, pandas and
    the command made, ~0.35 s of a 1.5 s check (docs/performance.md, issue
    14). The process ends right after; atexit handlers still run, and the
    commands close what they write themselves. Called with ``argv`` (tests,
    scripts), nothing is frozen.
    """
    if argv is None:
        try:
            return _main(sys.argv[1:])
        finally:
            import gc

            gc.freeze()
    return _main(argv)


def _main(args: list[str]) -> int:
    debug = "--debug" in args
    before = _i18n.current()
    # the run's language also for the error printed after click returns ("Error:", "Try …")
    _i18n.apply(cli, _i18n.language(args, commands=cli.commands))
    try:
        with _i18n.active():
            return _run(args, debug)
    finally:
        _i18n.apply(cli, before)


def _run(args: list[str], debug: bool) -> int:
    try:
        # a command that ends with ctx.exit(n) (xigeo check: 1 when there are errors) returns n
        code = cli.main(args=args, prog_name="xigeo", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(t("xigeo: 已中止", "xigeo: aborted"), err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (XigeoError, OSError) as exc:
        if debug:
            raise
        click.echo(t(f"xigeo: 错误：{exc}", f"xigeo: error: {exc}"), err=True)
        return 1
    return code if isinstance(code, int) else 0
