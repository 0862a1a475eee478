"""Errors raised by xigeo.

Every error derives from :class:`XigeoError` and also from the builtin that
describes it best, so ``except ValueError`` keeps working in user code.
The messages name what was found and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextvars import ContextVar

from ._lang import msg

__all__ = [
    "XigeoError",
    "CRSError",
    "LayerReadError",
    "LayerWriteError",
    "SchemaError",
    "ValidationError",
    "OptionError",
    "UnitError",
    "CoordsFileError",
    "SheetNumberError",
    "TransformError",
    "XigeoWarning",
    "TextEncodingWarning",
    "LossyWriteWarning",
]


class XigeoError(Exception):
    """Root of every error xigeo raises."""


class CRSError(XigeoError, ValueError):
    """A layer's coordinate reference system is missing, wrong or inconsistent."""


class LayerReadError(XigeoError, OSError):
    """A layer file cannot be read: missing, truncated, unsafe or undecodable."""


class LayerWriteError(XigeoError, OSError):
    """A layer cannot be written as asked (existing file, field names, format)."""


class SchemaError(XigeoError, KeyError):
    """Required fields are missing from a table or layer."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class OptionError(XigeoError, ValueError):
    """A keyword option has a value xigeo does not accept; the message lists the allowed ones.

    Raised for options only (``unit=``, ``method=``, ``labels=``, ``depth_m=`` …);
    bad data rows raise :class:`ValidationError`.
    """


class UnitError(OptionError):
    """An area unit or method name is not one xigeo knows."""


class ValidationError(XigeoError, ValueError):
    """A layer failed validation; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)

    def __reduce__(self) -> tuple[type, tuple[str, list[object]]]:
        # keep the problems when pickled (raised on a dask worker, re-raised in the client)
        return type(self), (str(self), self.problems)


class CoordsFileError(XigeoError, ValueError):
    """A ministry coordinate exchange file is malformed (the message gives the line)."""


class SheetNumberError(XigeoError, ValueError):
    """A map-sheet number is malformed, or a point has no sheet (outside China's 1:1M sheets)."""


class TransformError(XigeoError, ValueError):
    """Common points or a parameter file cannot give (or do not hold) datum-transformation parameters."""


class XigeoWarning(UserWarning):
    """Base of the warnings xigeo issues."""


class TextEncodingWarning(XigeoWarning):
    """A layer's text encoding had to be guessed."""


class LossyWriteWarning(XigeoWarning):
    """A format cannot hold some values as they are (a shapefile turns datetimes into text)."""


_INTERFACE: ContextVar[str] = ContextVar("xigeo_interface", default="python")


def fix(python: str, cli: str | None = None) -> str:
    """The fix for an error as the user can apply it where they are.

    Messages name a fix; a Python user needs a keyword (``crs="EPSG:4490"``), a CLI user
    the flag (``--crs EPSG:4490``). While a ``xigeo`` command runs (:func:`cli_interface`),
    ``cli`` is returned when given, else ``python``.

    Examples
    --------
    >>> fix("read_layer(path, crs='EPSG:4490')", "--crs EPSG:4490")
    "read_layer(path, crs='EPSG:4490')"
    >>> with cli_interface():
    ...     fix("read_layer(path, crs='EPSG:4490')", "--crs EPSG:4490")
    '--crs EPSG:4490'
    """
    return cli if cli is not None and _INTERFACE.get() == "cli" else python


class cli_interface:
    """Context manager: errors raised inside it word their fixes for the command line."""

    def __enter__(self) -> "cli_interface":
        self._token = _INTERFACE.set("cli")
        return self

    def __exit__(self, *exc: object) -> None:
        _INTERFACE.reset(self._token)


def format_ids(ids: Iterable[object], limit: int = 20) -> str:
    """Return ``ids`` as a short comma-separated list for error messages."""
    ids = list(ids)
    text = ", ".join(str(i) for i in ids[:limit])
    if len(ids) > limit:
        text += msg(f"，…（另有 {len(ids) - limit} 个）", f", … ({len(ids) - limit} more)")
    return text
