"""``xigeo sample``: list or copy the bundled Xi County sample layers."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from ._i18n import t, zh_doc
from ._options import check_outputs, overwrite_option


@zh_doc("""内置的息县合成样例数据。""")
@click.group(name="sample")
def sample_command() -> None:
    """The bundled synthetic Xi County sample data set.

    \b
    Examples:
      xigeo sample list
      xigeo sample copy ./练习数据
    """


@zh_doc("""列出样例图层及其文件。""")
@sample_command.command(name="list")
def sample_list() -> None:
    """List the sample layers and their files.

    \b
    Examples:
      xigeo sample list
    """
    from .. import sample

    for name in sample.available:
        click.echo(f"{name:22} {sample.path(name)}")


@zh_doc("""把全部样例文件复制到 FOLDER（不存在则创建），用于练习。

FOLDER 中已有同名文件时拒绝（不复制任何文件），除非加 --overwrite。""")
@sample_command.command(name="copy")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@overwrite_option
def sample_copy(folder: Path, overwrite: bool) -> None:
    """Copy every sample file into FOLDER (created if missing) to practise on.

    A file of the same name already in FOLDER is refused (nothing is copied)
    unless --overwrite.

    \b
    Examples:
      xigeo sample copy ./练习数据
      xigeo sample copy ./练习数据 --overwrite
    """
    from .. import sample
    from .._files import atomic_path

    source = sample.path(sample.available[0]).parent
    items = [item for item in sorted(source.iterdir()) if item.is_file()]
    targets = [folder / item.name for item in items]
    if folder.is_dir():
        check_outputs(targets, overwrite=overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    for item, target in zip(items, targets):
        with atomic_path(target, overwrite=overwrite) as tmp:
            shutil.copy2(item, tmp)
    click.echo(t(f"已复制 {len(items)} 个文件到 {folder.resolve()}", f"copied {len(items)} files to {folder.resolve()}"))
