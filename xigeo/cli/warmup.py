"""``xigeo warmup``: compile the computing kernels now, once per installation."""

from __future__ import annotations

import click


@click.command(name="warmup")
def warmup_command() -> None:
    """Compile the computing kernels now, so that the first check runs at full speed.

    xigeo's overlay and area kernels are compiled (numba) the first time they
    run after installing, which takes 10-20 s once; the compiled copies are
    kept in a cache folder (beside the package, in the user's cache folder,
    or in XIGEO_CACHE_DIR when that is set). `make demo` and `make test` run
    this while installing; run it yourself after `pip install xigeo`, as the
    user (and with the same XIGEO_CACHE_DIR) who will run xigeo. Running it
    again only loads the kernels from the cache.

    \b
    Examples:
      xigeo warmup
      XIGEO_CACHE_DIR=D:/xigeo-cache xigeo warmup
    """
    from .._jit import warmup

    for w in warmup():
        how = (f"编译 {w.compiled} 个函数" if w.compiled else "已在缓存中") + f"，{w.seconds:.1f} 秒"
        click.echo(f"{w.module}: {how} / {w.compiled} compiled, {w.loaded} loaded from the cache "
                   f"({w.seconds:.1f} s)")
        click.echo(f"  缓存目录 / cache: {w.cache}")
    click.echo("计算内核已就绪 / the computing kernels are ready")
