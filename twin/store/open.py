"""Pick the store backend by target: ``open_store(path)`` -> GpkgStore, ``open_store(dsn)`` -> PostgisStore."""
from __future__ import annotations

from pathlib import Path

from .base import TwinStore
from .geopackage import GpkgStore
from .postgis import PostgisStore


def is_dsn(target: str) -> bool:
    """Tell a PostgreSQL connection string (URI or libpq key=value) from a file path.

    Args:
        target: the output as given.

    Returns:
        True for a connection string.

    Example:
        >>> is_dsn("postgresql://geo@db/twin"), is_dsn("host=db dbname=twin"), is_dsn("/data/twin.gpkg")
        (True, True, False)
    """
    text = str(target).strip()
    return text.startswith(("postgresql://", "postgres://")) or ("dbname=" in text and not Path(text).suffix)


def open_store(target: str | Path, schema: str = "geotwin") -> TwinStore:
    """Open a twin store: a GeoPackage for a file path, PostGIS (in ``schema``) for a connection string.

    Args:
        target: the file path or connection string.
        schema: the PostGIS schema of the twin.

    Returns:
        The TwinStore (nothing is opened or created until it is used).

    Raises:
        GeoTwinError: an invalid schema name.

    Example:
        >>> type(open_store("/data/twin.gpkg")).__name__, type(open_store("host=db dbname=twin")).__name__
        ('GpkgStore', 'PostgisStore')
        >>> open_store("host=db dbname=twin", schema="public")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: schema 'public' is shared by every user of the database: ...
    """
    if is_dsn(str(target)):
        return PostgisStore(str(target), schema)
    return GpkgStore(target)
