"""The twin store interface: a read side and a write side, with GeoPackage and PostGIS behind it.

This module names no backend: ``geopackage.GpkgStore`` and ``postgis.PostgisStore`` implement it, and
``open.open_store(target)`` picks one by target (a file path or a PostgreSQL DSN).

Read side: ``StoreReader``, all a reader of a twin needs (the twin build, the 3D Tiles export):
    ``layer_names()``, ``exists()``, ``crs()``, ``spec(name)`` / ``stored_spec(name)``,
    ``read(spec, columns=, bbox=, rows=, where_in=)`` (a canonical frame: whole, some columns, a bbox, a row range,
    the rows whose column has one of some values),
    ``iter_rows(name, columns, batch, fids=)`` (plain row tuples and WKB in batches, for streaming; ``fids``: only
    the rows of a ``row_ranges(name, size)`` range),
    ``count_by(name, column)``, ``describe()``, ``local_geopackage()`` (the GeoPackage file a reader may open
    itself, None for PostGIS).
Write side: ``TwinStore(StoreReader)`` adds ``exclusive(reporter)`` (hold the store for one build) and
    ``transaction(crs, reporter)`` -> ``StoreWriter`` with ``replace``, ``append`` and ``delete``.
"""
from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..kernel.errors import GeoTwinError
from ..kernel.progress import Reporter
from ..kernel.schema import LayerSpec
from ..kernel.schema.twin import KNOWN_SPECS

BBox = tuple[float, float, float, float]
"""``(xmin, ymin, xmax, ymax)`` in the store's CRS."""
RowRange = tuple[int, int]
"""``(start, stop)``: rows ``start`` to ``stop - 1`` in insertion order."""
WhereIn = tuple[str, Sequence[Any]]
"""``(column, values)``: the rows whose ``column`` is one of ``values``."""


def column_spec(spec: LayerSpec, columns: Sequence[str] | None) -> LayerSpec:
    """Narrow a layer spec to some of its columns.

    Args:
        spec: the layer spec.
        columns: the columns to keep (in ``spec``'s order; unknown names are ignored); None for all.

    Returns:
        The narrowed spec (``spec`` itself for None).

    Example:
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> spec = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> column_spec(spec, ["height", "tree_id", "girth"]).fields
        {'tree_id': 'str', 'height': 'float'}
    """
    if columns is None:
        return spec
    keep = set(columns)
    return LayerSpec(spec.name, spec.geometry_type, {k: v for k, v in spec.fields.items() if k in keep},
                     spec.description)


def where_values(spec: LayerSpec, where_in: WhereIn) -> list[Any]:
    """Check the filter of a ``read(where_in=)`` against the layer and give its distinct values.

    Args:
        spec: the layer spec (all its fields, before ``columns`` narrows it).
        where_in: ``(column, values)``.

    Returns:
        The distinct values, sorted by their text (the order the reads query them in).

    Raises:
        GeoTwinError: the layer has no such column.

    Example:
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> spec = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str"})
        >>> where_values(spec, ("tree_id", ["T2", "T1", "T2"]))
        ['T1', 'T2']
        >>> where_values(spec, ("girth", ["1"]))
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: the layer trees has no column girth to filter by
    """
    column, values = where_in
    if column not in spec.fields:
        raise GeoTwinError(f"the layer {spec.name} has no column {column} to filter by")
    return sorted(set(values), key=str)


class StoreReader(abc.ABC):
    """The read side of a twin in a GeoPackage file or a PostGIS schema: same layer names, columns and content."""

    @abc.abstractmethod
    def layer_names(self) -> list[str]:
        """The twin's layers present in the store (empty when the store does not exist yet)."""

    @abc.abstractmethod
    def stored_spec(self, name: str) -> LayerSpec:
        """The schema of a layer that is not in KNOWN_SPECS, as the store has it."""

    @abc.abstractmethod
    def read(self, spec: LayerSpec, columns: Sequence[str] | None = None, bbox: BBox | None = None,
             rows: RowRange | None = None, where_in: WhereIn | None = None) -> pd.DataFrame:
        """The layer as a canonical frame (see frames.conform) in insertion order: only ``columns`` of the
        spec's fields when given (the geometry stays), only the features that intersect ``bbox``, only the rows
        whose column ``where_in[0]`` is one of the values ``where_in[1]`` (none for no values; a GeoTwinError for a
        column the spec lacks), only the rows ``rows=(start, stop)`` (counted after the bbox and where_in filters)."""

    @abc.abstractmethod
    def iter_rows(self, name: str, columns: Sequence[str], batch: int,
                  fids: tuple[int, int] | None = None) -> Iterator[tuple[list[tuple[Any, ...]], list[bytes | None]]]:
        """The layer in insertion order, ``batch`` rows at a time: row tuples of exactly ``columns`` (a
        column the layer lacks reads None) and the WKB of each row's geometry (None when it has none, or the
        layer has no geometry). Values are plain Python (text, int, float, bool; json as its text). ``fids``:
        only the rows of feature ids ``first..last`` (inclusive; a range of ``row_ranges``)."""

    def row_ranges(self, name: str, size: int) -> list[tuple[int, int, int]]:
        """The layer cut into consecutive ranges of ``size`` rows in insertion order (the last may be shorter):
        per range its first and last feature id and its rows (``iter_rows(..., fids=(first, last))`` reads it).

        Example:
            >>> import tempfile
            >>> from pathlib import Path
            >>> from shapely.geometry import Point
            >>> from geotwin.twin.kernel.gpkg import gpkg_output
            >>> from geotwin.twin.store.geopackage import GpkgStore
            >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str"})
            >>> path = Path(tempfile.mkdtemp()) / "trees.gpkg"
            >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
            ...     for n in range(5):
            ...         out.add(TREES, {"tree_id": f"T{n}"}, Point(456500 + n, 5429500))
            >>> store = GpkgStore(path)
            >>> store.row_ranges("trees", 2)
            [(1, 2, 2), (3, 4, 2), (5, 5, 1)]
            >>> [rows for rows, _ in store.iter_rows("trees", ["tree_id"], 10, fids=(3, 4))]
            [[('T2',), ('T3',)]]
        """
        raise GeoTwinError(f"{self.describe()}: this store cannot read a layer in ranges of rows")

    @abc.abstractmethod
    def count_by(self, name: str, column: str) -> dict[Any, int]:
        """Number of rows of the layer per value of ``column``."""

    @abc.abstractmethod
    def crs(self) -> str | None:
        """CRS of the store's geometries (``EPSG:n``), None when it has none yet."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the store is, for messages (never with a password)."""

    @abc.abstractmethod
    def local_geopackage(self) -> Path | None:
        """The GeoPackage file on this computer that holds the store, for a reader that reads GeoPackages itself
        (the 3D Tiles export); None when the store is no such file (PostGIS): read it through this interface."""

    def spec(self, name: str) -> LayerSpec:
        """The layer's schema: GeoTwin's own (KNOWN_SPECS), else as stored."""
        return KNOWN_SPECS.get(name) or self.stored_spec(name)

    def exists(self) -> bool:
        """True when the store holds a twin (a ``builds`` layer)."""
        return "builds" in self.layer_names()


class StoreWriter(abc.ABC):
    """Write side: changes to a store inside one transaction (GeoPackage: a copy swapped in on success).

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

    def append_from(self, spec: LayerSpec, source: str, where: tuple[str, Any] | None = None,
                    values: dict[str, Any] | None = None, index: bool = True, table: str | None = None) -> bool:
        """Add the rows of the layer of GeoPackage ``source`` (those whose column ``where[0]`` is ``where[1]``;
        the columns of ``values`` set to these) to the existing layer, as ``append`` of its frame would, without
        reading them into Python; False (nothing added) when the store cannot: then ``append`` them. ``index``
        False: the spatial index may wait for ``build_index`` of the layer (which must follow). ``table``: the
        source's table when not named as the layer (a layer without geometries: ``source`` may be plain SQLite)."""
        return False

    def append_layers(self, specs: Sequence[LayerSpec], source: str, index: bool = True) -> list[bool]:
        """``append_from`` of several layers of GeoPackage ``source``, in this order (a store may open the source
        once); per layer whether its rows were added (else ``append`` them)."""
        return [self.append_from(spec, source, index=index) for spec in specs]

    def build_index(self, spec: LayerSpec) -> None:
        """Complete the spatial index of the layer after append_from(index=False); nothing where the store
        indexes as it appends."""
        return None


class TwinStore(StoreReader):
    """A twin store with both sides: the read side (``StoreReader``) and the write side (``exclusive``,
    ``transaction`` -> ``StoreWriter``)."""

    @abc.abstractmethod
    def transaction(self, crs: str | None,
                    reporter: Reporter | None = None) -> contextlib.AbstractContextManager[StoreWriter]:
        """Write side: all changes of one build, committed together or not at all; a cancel of ``reporter``
        during it raises Cancelled within about a second and leaves the store as it was."""

    @contextlib.contextmanager
    def exclusive(self, reporter: Reporter) -> Iterator[None]:
        """Write side: hold the store for one build: wait for another build into it to finish (PostGIS), then
        check that the store is a twin GeoTwin wrote, or empty; a GeoTwinError naming the foreign tables
        otherwise."""
        yield


def read_store(store: StoreReader) -> dict[str, pd.DataFrame]:
    """Read every layer of a store as canonical frames.

    Args:
        store: the store's read side.

    Returns:
        layer name -> frame, by name.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.kernel.gpkg import gpkg_output
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> from geotwin.twin.store.open import open_store
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "t.gpkg"
        ...     with gpkg_output(path, None) as out:
        ...         out.add(LayerSpec("notes", None, {"text": "str"}), {"text": "hello"})
        ...     frames = read_store(open_store(path))
        >>> list(frames), frames["notes"]["text"].tolist()
        (['notes'], ['hello'])
    """
    return {name: store.read(store.spec(name)) for name in sorted(store.layer_names())}
