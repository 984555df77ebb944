"""Pick the store backend by target: ``open_store(path)`` -> GpkgStore, ``open_store(dsn)`` -> PostgisStore."""
from __future__ import annotations

from pathlib import Path

from .base import TwinStore
from .geopackage import GpkgStore
from .postgis import PostgisStore


def is_dsn(target: str) -> bool:
    """True for a PostgreSQL connection string (URI or libpq key=value) rather than a file path."""
    text = str(target).strip()
    return text.startswith(("postgresql://", "postgres://")) or ("dbname=" in text and not Path(text).suffix)


def open_store(target: str | Path, schema: str = "geotwin") -> TwinStore:
    """A GeoPackage store for a file path, a PostGIS store (in ``schema``) for a DSN."""
    if is_dsn(str(target)):
        return PostgisStore(str(target), schema)
    return GpkgStore(target)
