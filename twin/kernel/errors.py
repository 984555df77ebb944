"""Exceptions the core raises; their text is shown to the user as is."""
from __future__ import annotations


class GeoTwinError(Exception):
    """A user-facing error: the message names the file, line and object where known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 obj: str | None = None) -> None:
        where = []
        if path:
            where.append(str(path))
        if line:
            where.append(f"line {line}")
        if obj:
            where.append(f"object {obj}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.path, self.line, self.obj = path, line, obj


class InputError(GeoTwinError):
    """The input cannot be read (malformed, hostile, truncated, unknown CRS...)."""


class Cancelled(GeoTwinError):
    """The user cancelled the run; earlier outputs are left untouched."""

    def __init__(self, message: str = "cancelled by the user") -> None:
        super().__init__(message)
