"""``xigeo warmup``: compile the computing kernels now, once per installation."""

from __future__ import annotations

import click

from ._i18n import t, zh_doc


@zh_doc("""现在编译计算内核，使第一次核查就能全速运行。

xigeo 的叠加和面积内核（numba）在安装后首次运行时编译，需 10–20 秒（仅一次）；
编译结果保存在缓存文件夹（包旁边、用户缓存文件夹，或设置了 XIGEO_CACHE_DIR 时的
该文件夹）。`make demo` 和 `make test` 在安装时运行本命令；`pip install xigeo`
之后请以将来运行 xigeo 的用户身份（并用相同的 XIGEO_CACHE_DIR）自己运行一次。再次
运行只从缓存加载内核。""")
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
        how = "已编译" if w.compiled else "已在缓存中"
        click.echo(t(f"{w.module}：{how}，编译 {w.compiled} 个、从缓存加载 {w.loaded} 个函数，"
                     f"{w.seconds:.1f} 秒",
                     f"{w.module}: {w.compiled} compiled, {w.loaded} loaded from the cache "
                     f"({w.seconds:.1f} s)"))
        click.echo(t(f"  缓存目录：{w.cache}", f"  cache: {w.cache}"))
    click.echo(t("计算内核已就绪", "the computing kernels are ready"))
