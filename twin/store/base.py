"""The store interface both backends implement, and ``open_store`` to pick one by target."""
from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from ..kernel.progress import Reporter
from ..kernel.schema import LayerSpec
from ..kernel.schema.twin import KNOWN_SPECS


class StoreWriter(abc.ABC):
    """Changes to a store inside one transaction (GeoPackage: a copy swapped in on success).

    Large writes check ``reporter`` for a cancel every ``ROWS_PER_CHECK`` rows."""

    reporter: Reporter = Reporter()
    ROWS_PER_CHECK = 5000

    @abc.abstractmethod
    def replace(self, spec: LayerSpec, frame: pd.DataFrame) -> None:
        """(Re)create the layer with exactly these rows."""

    @abc.abstractmethod
    def delete(self, spec: LayerSpec, column: str, values: Sequence[str]) -> int:
        """Delete the rows whose ``column`` is one of ``values``; returns the number deleted."""

    @abc.abstractmethod
    def append(self, spec: LayerSpec, frame: pd.DataFrame) -> None:
        """Add rows to an existing layer."""


class TwinStore(abc.ABC):
    """A twin in a GeoPackage file or a PostGIS schema: same layer names, columns and content."""

    @abc.abstractmethod
    def layer_names(self) -> list[str]:
        """The twin's layers present in the store (empty when the store does not exist yet)."""

    @abc.abstractmethod
    def stored_spec(self, name: str) -> LayerSpec:
        """The schema of a layer that is not in KNOWN_SPECS, as the store has it."""

    @abc.abstractmethod
    def read(self, spec: LayerSpec) -> pd.DataFrame:
        """The layer as a canonical frame (see frames.conform), in insertion order."""

    @abc.abstractmethod
    def crs(self) -> str | None:
        """CRS of the store's geometries (``EPSG:n``), None when it has none yet."""

    @abc.abstractmethod
    def transaction(self, crs: str | None,
                    reporter: Reporter | None = None) -> contextlib.AbstractContextManager[StoreWriter]:
        """All changes of one build, committed together or not at all; a cancel of ``reporter`` during it
        raises Cancelled within about a second and leaves the store as it was."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the store is, for messages (never with a password)."""

    @contextlib.contextmanager
    def exclusive(self, reporter: Reporter) -> Iterator[None]:
        """Hold the store for one build: wait for another build into it to finish (PostGIS), then check
        that the store is a twin GeoTwin wrote, or empty; a GeoTwinError naming the foreign tables otherwise."""
        yield

    def spec(self, name: str) -> LayerSpec:
        return KNOWN_SPECS.get(name) or self.stored_spec(name)

    def exists(self) -> bool:
        return "builds" in self.layer_names()


def is_dsn(target: str) -> bool:
    """True for a PostgreSQL connection string (URI or libpq key=value) rather than a file path."""
    text = str(target).strip()
    return text.startswith(("postgresql://", "postgres://")) or ("dbname=" in text and not Path(text).suffix)


def open_store(target: str | Path, schema: str = "geotwin") -> TwinStore:
    """A GeoPackage store for a file path, a PostGIS store (in ``schema``) for a DSN."""
    if is_dsn(str(target)):
        from .postgis import PostgisStore

        return PostgisStore(str(target), schema)
    from .geopackage import GpkgStore

    return GpkgStore(target)


def read_store(store: TwinStore) -> dict[str, pd.DataFrame]:
    """Every layer of the store as canonical frames, by layer name."""
    return {name: store.read(store.spec(name)) for name in sorted(store.layer_names())}

