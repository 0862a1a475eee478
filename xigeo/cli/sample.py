"""``xigeo sample``: list or copy the bundled Xi County sample layers."""

from __future__ import annotations

import shutil
from pathlib import Path

import click


@click.group(name="sample")
def sample_command() -> None:
    """The bundled synthetic Xi County sample data set.

    \b
    Examples:
      xigeo sample list
      xigeo sample copy ./练习数据
    """


@sample_command.command(name="list")
def sample_list() -> None:
    """List the sample layers and their files."""
    from .. import sample

    for name in sample.available:
        click.echo(f"{name:22} {sample.path(name)}")


@sample_command.command(name="copy")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def sample_copy(folder: Path) -> None:
    """Copy every sample file into FOLDER (created if missing) to practise on."""
    from .. import sample

    folder.mkdir(parents=True, exist_ok=True)
    source = sample.path(sample.available[0]).parent
    copied = 0
    for item in sorted(source.iterdir()):
        if item.is_file():
            target = folder / item.name
            if target.exists():
                raise click.ClickException(f"{target} exists; copy into an empty folder")
            shutil.copy2(item, target)
            copied += 1
    click.echo(f"copied {copied} files to {folder.resolve()}")
