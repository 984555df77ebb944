"""Every GeoPackage access of GeoTwin: listing layers, reading them, writing them.

Connections
    ``connect_ro(path)`` (read-only; any characters in the path: ``sqlite_uri`` quotes it), ``connect(path)``
    (the same, checked to be a GeoPackage), ``connect_rw(path)`` (read-write, with the ``ST_*`` functions that
    GDAL's R-tree triggers call); ``SqliteError`` is what they raise. The GeoTwin marker: ``gpkg_marker``,
    ``mark_gpkg``, ``check_gpkg``, ``gpkg_tables``.
Reading
    ``list_layers(path)``: the layer names (gpkg_contents); ``layer_crs(path, layer)``;
    ``scratch_database(path)``: a SQLite file of GeoTwin's own bookkeeping that attaches GeoPackages;
    ``read_table(path, layer, columns=, geometry=, decode=, rows=)``: plain rows and shapely geometries with the
    standard library's sqlite3 (no pandas); ``iter_table`` the same in batches; ``count_by``;
    ``read_frame(path, layer, columns=, bbox=, rows=)``: a GeoDataFrame (pyogrio) of a GeoPackage or any
    other vector file GDAL reads; ``layer_info``; ``list_vector_layers`` for any vector file.
Writing
    ``gpkg_output(target, crs, kind=)`` -> ``GpkgWriter.add(spec, row, geometry)``: typed, batched, atomic
    output of the importers; ``write_frame(path, spec, frame, append=, check=)``: a canonical frame into a
    layer in chunks (the GeoPackage twin store); ``delete_rows``.
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from .atomic import atomic_path
from .errors import GeoTwinError, InputError
from .gpkg_schema import create_layer
from .ownership import (
    EMPTY,
    GENERATOR,
    LEGACY,
    MARKER_URI,
    NEW,
    OURS,
    geotwin_layer_names,
    kind_of_layers,
    listing,
    marker,
)
from .schema import LayerSpec
from .schema.twin import KNOWN_SPECS

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

PathLike = str | os.PathLike[str]
Row = dict[str, Any]   # a layer row: field name -> value (text, number, bool, datetime or a JSON-able object)
# a row's geometry as GpkgWriter takes it: shapely, WKB bytes or None
Geometry: TypeAlias = "BaseGeometry | bytes | None"

# -- reading ---------------------------------------------------------------------------------------
# envelope size (bytes) by the envelope indicator of a GeoPackage geometry blob's flags
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
# header length by the flags byte of a GeoPackage geometry blob; None for an empty geometry
_HEADER = [None if flags & 0x10 else 8 + _ENVELOPE.get((flags >> 1) & 7, 0) for flags in range(256)]


def connect(path: PathLike) -> sqlite3.Connection:
    """Open a GeoPackage read-only.

    Args:
        path: the file.

    Returns:
        An sqlite3 connection (close it).

    Raises:
        sqlite3.DatabaseError: ``path`` is no SQLite database.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> con = connect(path)
        >>> con.execute("SELECT count(*) FROM trees").fetchone()[0]
        3
        >>> con.close()
        >>> tmp.cleanup()
    """
    con = connect_ro(path)
    try:
        con.execute("SELECT table_name FROM gpkg_contents LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        con.close()
        raise
    return con


#: What a GeoPackage connection raises (sqlite3.Error): callers catch it without opening SQLite themselves.
SqliteError = sqlite3.Error
_URI_MODES = ("ro", "rw", "rwc")


def sqlite_uri(path: PathLike, mode: str = "ro") -> str:
    """Make the SQLite URI of a file, quoted, so that ``#``, ``?``, ``%``, spaces and umlauts in a folder or
    file name stay part of the name (an unquoted ``file:{path}?mode=ro`` cuts the name at ``#`` or ``?``).

    Args:
        path: the file (relative paths are resolved against the working directory).
        mode: ``ro`` (read-only), ``rw`` (read-write, the file must exist) or ``rwc`` (created when missing).

    Returns:
        ``file:///...?mode=<mode>`` for ``sqlite3.connect(uri, uri=True)``.

    Raises:
        ValueError: an unknown mode.

    Example:
        >>> sqlite_uri("/data/a#b?c%20 ü/twin.gpkg")
        'file:///data/a%23b%3Fc%2520%20%C3%BC/twin.gpkg?mode=ro'
        >>> sqlite_uri("/data/twin.gpkg", "write")
        Traceback (most recent call last):
        ...
        ValueError: not an SQLite open mode: 'write' (ro, rw or rwc)
    """
    if mode not in _URI_MODES:
        raise ValueError(f"not an SQLite open mode: {mode!r} (ro, rw or rwc)")
    return f"{Path(path).resolve().as_uri()}?mode={mode}"


def connect_ro(path: PathLike) -> sqlite3.Connection:
    """Open an SQLite file read-only, whatever characters its path holds (see ``sqlite_uri``); unlike
    ``connect`` it does not require the GeoPackage tables.

    Args:
        path: the file.

    Returns:
        An sqlite3 connection (close it).

    Raises:
        sqlite3.OperationalError: the file does not exist or cannot be opened.

    Example:
        >>> import sqlite3, tempfile
        >>> from contextlib import closing
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "a#b?c%20 ü" / "t.sqlite"
        ...     path.parent.mkdir()
        ...     with closing(sqlite3.connect(path)) as con:
        ...         _ = con.execute("CREATE TABLE t (x)")
        ...     with closing(connect_ro(path)) as con:
        ...         names = [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
        ...         try:
        ...             con.execute("INSERT INTO t VALUES (1)")
        ...         except sqlite3.OperationalError as err:
        ...             refused = str(err)
        >>> names, refused
        (['t'], 'attempt to write a readonly database')
    """
    return sqlite3.connect(sqlite_uri(path, "ro"), uri=True)


def connect_rw(path: PathLike, timeout: float = 30.0, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open a GeoPackage read-write (created when missing) with the SQL functions that GDAL's R-tree triggers
    name (``ST_IsEmpty``, ``ST_MinX`` ... ``ST_MaxY``): without them SQLite cannot prepare an UPDATE or DELETE
    of a feature table with a spatial index.

    Args:
        path: the GeoPackage (any characters in its path, see ``sqlite_uri``).
        timeout: seconds to wait for another writer's lock.
        check_same_thread: False lets another thread use the connection (one at a time).

    Returns:
        An sqlite3 connection (close it).

    Raises:
        sqlite3.OperationalError: the file cannot be opened or created.

    Example:
        >>> import tempfile
        >>> from contextlib import closing
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "a#b?c%20 ü" / "trees.gpkg"
        >>> path.parent.mkdir()
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "height": 18.5}, Point(456500, 5429500))
        >>> with closing(connect_rw(path)) as con:   # the R-tree triggers call ST_MinX and friends
        ...     _ = con.execute("UPDATE trees SET height = 19.0, geom = geom")
        ...     con.commit()
        ...     con.execute("SELECT ST_MinX(geom), ST_IsEmpty(geom), height FROM trees").fetchall()
        [(456500.0, 0, 19.0)]
        >>> tmp.cleanup()
    """
    con = sqlite3.connect(sqlite_uri(path, "rwc"), uri=True, timeout=timeout, check_same_thread=check_same_thread)
    _register_functions(con)
    return con


def _bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """The bounds of a GeoPackage geometry blob; None for NULL, an empty geometry or no geometry blob."""
    import shapely

    wkb = wkbs_of([blob])[0]
    if wkb is None:
        return None
    geometry = shapely.from_wkb(bytes(wkb))
    if geometry is None or geometry.is_empty:
        return None
    minx, miny, maxx, maxy = geometry.bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def _register_functions(con: sqlite3.Connection) -> None:
    """Register ST_IsEmpty and ST_MinX/MinY/MaxX/MaxY, the functions GDAL's R-tree triggers call."""
    def bound(index: int) -> Callable[[bytes | None], float | None]:
        def f(blob: bytes | None) -> float | None:
            box = _bounds(blob)
            return None if box is None else box[index]
        return f

    con.create_function("ST_IsEmpty", 1, lambda blob: int(_bounds(blob) is None), deterministic=True)
    for name, index in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
        con.create_function(name, 1, bound(index), deterministic=True)


# -- the GeoTwin marker (see twin/kernel/ownership.py) and the tables it is decided by --------------------
def gpkg_tables(path: str | os.PathLike[str]) -> list[str]:
    """List the user tables and views of a GeoPackage (not gpkg_*, sqlite_*, rtree_* or extension tables).

    Args:
        path: the GeoPackage (opened read-only).

    Returns:
        The table names, sorted.

    Example:
        >>> import sqlite3, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "t.gpkg"
        ...     with sqlite3.connect(path) as con:
        ...         _ = con.execute("CREATE TABLE gpkg_contents (table_name TEXT)")
        ...         _ = con.execute("CREATE TABLE trees (fid INTEGER PRIMARY KEY)")
        ...     gpkg_tables(path)
        ['trees']
    """
    with closing(connect_ro(path)) as con:
        rows = con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall()
    skip = ("gpkg_", "gpkgext_", "sqlite_", "rtree_", "ogr_", "gdal_")
    return sorted(str(name) for (name,) in rows if not str(name).lower().startswith(skip))


def gpkg_marker(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Read the GeoTwin marker of a GeoPackage.

    Args:
        path: the GeoPackage (opened read-only).

    Returns:
        The marker's keys (see ``marker``), None when it has none.

    Example:
        >>> import sqlite3, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "out.gpkg"
        ...     sqlite3.connect(path).close()
        ...     before = gpkg_marker(path)
        ...     mark_gpkg(path, "islands")
        ...     before, gpkg_marker(path)["kind"]
        (None, 'islands')
    """
    with closing(connect_ro(path)) as con:
        has = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_metadata'").fetchone()
        if not has:
            return None
        row = con.execute("SELECT metadata FROM gpkg_metadata WHERE md_standard_uri = ? ORDER BY id DESC LIMIT 1",
                          (MARKER_URI,)).fetchone()
    if not row:
        return None
    try:
        data = json.loads(row[0])
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("generator") == GENERATOR else None


def mark_gpkg(path: str | os.PathLike[str], kind: str) -> None:
    """Add (or refresh) the GeoTwin marker of a GeoPackage; ``created`` of an earlier marker is kept.

    Args:
        path: the GeoPackage.
        kind: the kind of output.

    Example:
        >>> import sqlite3, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "out.gpkg"
        ...     sqlite3.connect(path).close()
        ...     mark_gpkg(path, "coverage")
        ...     first = gpkg_marker(path)["created"]
        ...     mark_gpkg(path, "coverage")
        ...     gpkg_marker(path)["created"] == first, check_gpkg(path, "coverage", legacy_twin)
        (True, 'ours')
    """
    old = gpkg_marker(path)
    data = marker(kind, (old or {}).get("created"))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with closing(connect_rw(path)) as con:
        con.execute("CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY "
                    "ASC NOT NULL, md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL, "
                    "mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '')")
        con.execute("CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT NULL, "
                    "table_name TEXT, column_name TEXT, row_id_value INTEGER, timestamp DATETIME NOT NULL "
                    "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), md_file_id INTEGER NOT NULL, "
                    "md_parent_id INTEGER, CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES "
                    "gpkg_metadata(id), CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES "
                    "gpkg_metadata(id))")
        con.execute("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
                    "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
                    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")
        for table in ("gpkg_metadata", "gpkg_metadata_reference"):
            con.execute("INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_metadata', "
                        "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write')", (table,))
        ids = [r[0] for r in con.execute("SELECT id FROM gpkg_metadata WHERE md_standard_uri = ?", (MARKER_URI,))]
        for md_id in ids:
            con.execute("DELETE FROM gpkg_metadata_reference WHERE md_file_id = ?", (md_id,))
            con.execute("DELETE FROM gpkg_metadata WHERE id = ?", (md_id,))
        cur = con.execute("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
                          "VALUES ('dataset', ?, 'application/json', ?)", (MARKER_URI, json.dumps(data)))
        con.execute("INSERT INTO gpkg_metadata_reference (reference_scope, table_name, column_name, row_id_value, "
                    "timestamp, md_file_id, md_parent_id) VALUES ('geopackage', NULL, NULL, NULL, ?, ?, NULL)",
                    (now, cur.lastrowid))
        con.commit()


def _gpkg_columns(path: Path, table: str) -> set[str]:
    with closing(connect_ro(path)) as con:
        return {str(r[1]) for r in con.execute(f"PRAGMA table_info({_quote(table)})")}


def legacy_twin(path: Path, tables: list[str]) -> bool:
    """Tell whether a GeoPackage without a marker is a twin of an older GeoTwin (only twin layers, among them
    ``builds`` with its ``geotwin_version`` column).

    Args:
        path: the GeoPackage.
        tables: its user tables (``gpkg_tables``).

    Returns:
        True for an older GeoTwin twin.

    Example:
        >>> import sqlite3, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "old.gpkg"
        ...     with sqlite3.connect(path) as con:
        ...         _ = con.execute("CREATE TABLE builds (fid INTEGER PRIMARY KEY, geotwin_version TEXT)")
        ...     legacy_twin(path, ["builds"]), legacy_twin(path, ["builds", "my_parcels"])
        (True, False)
    """
    return ("builds" in tables and set(tables) <= set(KNOWN_SPECS)
            and "geotwin_version" in _gpkg_columns(path, "builds"))


def check_gpkg(path: str | os.PathLike[str], kind: str | None, legacy: Callable[[Path, list[str]], bool]) -> str:
    """Decide whether GeoTwin may replace or update the GeoPackage ``path`` with an output of ``kind``.

    Args:
        path: the GeoPackage.
        kind: the kind of output the run writes, None when it is not known yet.
        legacy: tells whether an unmarked file is an older GeoTwin's output of this kind.

    Returns:
        NEW (no file), EMPTY (no user table), OURS (GeoTwin's marker, the same kind when ``kind`` is given)
        or LEGACY (no marker, but ``legacy(path, tables)``).

    Raises:
        GeoTwinError: a folder, an unreadable file, another kind of GeoTwin output or foreign data (named).

    Example:
        >>> import sqlite3, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "out.gpkg"
        ...     states = [check_gpkg(path, "islands", legacy_twin)]
        ...     sqlite3.connect(path).close()
        ...     states.append(check_gpkg(path, "islands", legacy_twin))
        ...     with sqlite3.connect(path) as con:
        ...         _ = con.execute("CREATE TABLE parcels (fid INTEGER PRIMARY KEY)")
        ...     states
        ['new', 'empty']
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "out.gpkg"
        ...     with sqlite3.connect(path) as con:
        ...         _ = con.execute("CREATE TABLE parcels (fid INTEGER PRIMARY KEY)")
        ...     check_gpkg(path, "islands", legacy_twin)
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: ...holds data that GeoTwin did not write: parcels (1 table)...
    """
    path = Path(path)
    if not path.exists():
        return NEW
    if path.is_dir():
        raise GeoTwinError("the output is a folder, not a GeoPackage file", path=str(path))
    try:
        found = gpkg_marker(path)
        tables = gpkg_tables(path)
    except sqlite3.Error as err:
        raise GeoTwinError(f"the output exists and is not a readable GeoPackage ({err}): GeoTwin replaces only "
                           "files it wrote; choose a new file name", path=str(path)) from None
    if found is not None:
        if kind is not None and found.get("kind") != kind:
            raise GeoTwinError(f"the output holds GeoTwin's {found.get('kind')} output, and this run writes {kind} "
                               "output: choose another file name (or delete it first)", path=str(path))
        return OURS
    if not tables:
        return EMPTY
    if legacy(path, tables):
        return LEGACY
    known = geotwin_layer_names()
    foreign = [t for t in tables if t not in known]
    what = (f"data that GeoTwin did not write: {listing(foreign)}" if foreign
            else f"the layers of another kind of output: {listing(tables)}")
    raise GeoTwinError(f"the output exists and holds {what}; GeoTwin writes only into a new or empty "
                       f"GeoPackage or one it wrote{f' as a {kind}' if kind else ''}: choose another file name",
                       path=str(path))


def scratch_database(path: PathLike, read_only: bool = False) -> sqlite3.Connection:
    """Open a SQLite file of GeoTwin's own bookkeeping beside GeoPackages (no GeoPackage: e.g. the ids a merge has
    seen), which may ATTACH GeoPackages to read them. Created when missing, with no journal and no syncing (its
    owner removes it; a crash leaves it to be made again), or opened read-only.

    Args:
        path: the file.
        read_only: open an existing file for reading only (e.g. on a worker).

    Returns:
        An sqlite3 connection (close it).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "seen.sqlite"
        >>> with closing(scratch_database(path)) as con:
        ...     _ = con.execute("CREATE TABLE seen (id TEXT PRIMARY KEY)")
        ...     _ = con.execute("INSERT INTO seen VALUES ('b1')")
        ...     con.commit()
        >>> with closing(scratch_database(path, read_only=True)) as con:
        ...     con.execute("SELECT id FROM seen").fetchall()
        [('b1',)]
    """
    if read_only:
        return connect_ro(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    return con


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def layer_names(path: PathLike) -> list[str]:
    """List the layers of a GeoPackage like ``list_layers``, without its messages.

    Args:
        path: the GeoPackage.

    Returns:
        The layer names in gpkg_contents order.

    Raises:
        sqlite3.Error: ``path`` is no GeoPackage.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> layer_names(path)
        ['trees']
        >>> tmp.cleanup()
    """
    with closing(connect(path)) as con:
        return [str(r[0]) for r in con.execute("SELECT table_name FROM gpkg_contents ORDER BY rowid")]


def list_layers(path: PathLike) -> list[str]:
    """List the layers of a GeoPackage (the feature and attribute tables of gpkg_contents).

    Args:
        path: the GeoPackage.

    Returns:
        The layer names.

    Raises:
        InputError: the file is no GeoPackage (naming it).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> list_layers(path)
        ['trees']
        >>> _ = (Path(tmp.name) / "notes.txt").write_text("not a GeoPackage")
        >>> list_layers(Path(tmp.name) / "notes.txt")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: ...
        >>> tmp.cleanup()
    """
    if not Path(path).is_file():
        raise InputError("no such GeoPackage file", path=str(path))
    try:
        return layer_names(path)
    except sqlite3.Error as err:
        raise InputError(f"not a readable GeoPackage ({_first_line(err)})", path=str(path)) from None


def layer_crs(path: PathLike, layer: str) -> str | None:
    """Read the CRS of a feature table.

    Args:
        path: the GeoPackage.
        layer: the table.

    Returns:
        ``AUTHORITY:CODE`` (or the WKT of a CRS without one); None without a CRS.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> layer_crs(path, "trees")
        'EPSG:25832'
        >>> tmp.cleanup()
    """
    with closing(connect(path)) as con:
        row = con.execute("SELECT s.organization, s.organization_coordsys_id, s.definition "
                          "FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON g.srs_id = s.srs_id "
                          "WHERE g.table_name = ?", (layer,)).fetchone()
    if row is None or row[1] is None or row[1] < 0:
        return None
    org, code, wkt = row
    return f"{org.upper()}:{code}" if org and org.lower() != "none" else (wkt or None)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _limit(rows: tuple[int, int] | None) -> str:
    """SQL of a row range ``(start, stop)`` in table order (empty for all rows)."""
    if rows is None:
        return ""
    start, stop = rows
    return f" ORDER BY rowid LIMIT {max(0, int(stop) - int(start))} OFFSET {max(0, int(start))}"


def read_table(path: PathLike, layer: str, columns: list[str] | None = None, geometry: bool = True,
               decode: bool = True, rows: tuple[int, int] | None = None
               ) -> tuple[list[str], list[tuple[Any, ...]], npt.NDArray[np.object_] | list[bytes | None] | None]:
    """Read a GeoPackage table over sqlite3 (no pandas): rows as tuples and the geometries.

    Args:
        path: the GeoPackage.
        layer: the table.
        columns: only these columns (absent ones are left out); None: all but the fid and the geometry.
        geometry: also read the geometry column.
        decode: geometries as shapely (else the GeoPackage blobs, see ``decode_geometries``).
        rows: only the rows ``(start, stop)`` in table order.

    Returns:
        (column names, row tuples, the geometries: a shapely array with None for a missing or empty one, the
        blobs, or None without ``geometry`` or a geometry column).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> names, rows, geoms = read_table(path, "trees", columns=["tree_id", "height"], rows=(0, 2))
        >>> names, rows, [g.x if g is not None else None for g in geoms]
        (['tree_id', 'height'], [('T1', 18.5), ('T2', None)], [456500.0, 456510.0])
        >>> tmp.cleanup()
    """
    with closing(connect(path)) as con:
        info = con.execute(f"PRAGMA table_info({_quote(layer)})").fetchall()
        geom_row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                               (layer,)).fetchone()
        geom_col = geom_row[0] if geom_row else None
        fields = [c[1] for c in info if not c[5] and c[1] != geom_col]  # c[5]: part of the primary key
        if columns is not None:
            fields = [c for c in columns if c in fields]
        select = [_quote(c) for c in fields]
        with_geometry = geometry and geom_col is not None
        if with_geometry and geom_col is not None:
            select.append(_quote(geom_col))
        records = con.execute(f"SELECT {', '.join(select) or 'NULL'} FROM {_quote(layer)}{_limit(rows)}").fetchall()
    if not with_geometry:
        return fields, records, None
    n = len(fields)
    blobs = [r[n] for r in records]
    records = [r[:n] for r in records]
    return fields, records, decode_geometries(blobs) if decode else blobs


def iter_table(path: PathLike, layer: str, columns: list[str], batch: int,
               rowids: tuple[int, int] | None = None) -> Iterator[tuple[list[tuple[Any, ...]], list[bytes | None]]]:
    """Read a GeoPackage table in batches, so that a large layer is never held whole.

    Args:
        path: the GeoPackage.
        layer: the table.
        columns: the columns to read (a missing one reads NULL).
        batch: rows per batch.
        rowids: only the rows of rowid ``first..last`` (inclusive).

    Yields:
        (row tuples of ``columns`` followed by the geometry blob, the geometry blobs), in table order.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> [[row[:2] for row in rows] for rows, _ in iter_table(path, "trees", ["tree_id", "girth"], batch=2)]
        [[('T1', None), ('T2', None)], [('T3', None)]]
        >>> tmp.cleanup()
    """
    with closing(connect(path)) as con:
        geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
        fields = {c[1] for c in con.execute(f"PRAGMA table_info({_quote(layer)})")}
        select = [_quote(c) if c in fields else "NULL" for c in columns] + [_quote(geom[0]) if geom else "NULL"]
        where = " WHERE rowid BETWEEN ? AND ? ORDER BY rowid" if rowids is not None else ""
        cursor = con.execute(f"SELECT {', '.join(select)} FROM {_quote(layer)}{where}", rowids or ())
        geometry = itemgetter(len(columns))
        while batch_rows := cursor.fetchmany(batch):
            yield batch_rows, list(map(geometry, batch_rows))



def row_ranges(path: PathLike, layer: str, size: int) -> list[tuple[int, int, int]]:
    """Cut a table into consecutive ranges of ``size`` rows in rowid order (``iter_table``'s order).

    Args:
        path: the GeoPackage.
        layer: the table.
        size: rows per range (the last may have fewer).

    Returns:
        Per range: its first and last rowid and its number of rows.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str"})
        >>> path = Path(tempfile.mkdtemp()) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     for n in range(3):
        ...         out.add(TREES, {"tree_id": f"T{n}"}, Point(456500 + n, 5429500))
        >>> row_ranges(path, "trees", 2)
        [(1, 2, 2), (3, 3, 1)]
    """
    out: list[tuple[int, int, int]] = []
    with closing(connect(path)) as con:
        cursor = con.execute(f"SELECT rowid FROM {_quote(layer)} ORDER BY rowid")
        while chunk := cursor.fetchmany(max(1, size)):
            out.append((int(chunk[0][0]), int(chunk[-1][0]), len(chunk)))
    return out

def count_by(path: PathLike, layer: str, column: str) -> dict[Any, int]:
    """Count the rows of a table per value of a column.

    Args:
        path: the GeoPackage.
        layer: the table.
        column: the column.

    Returns:
        value -> number of rows.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> count_by(path, "trees", "species")
        {'Ahorn': 1, 'Linde': 2}
        >>> tmp.cleanup()
    """
    with closing(connect(path)) as con:
        return dict(con.execute(f"SELECT {_quote(column)}, count(*) FROM {_quote(layer)} GROUP BY 1"))


def wkbs_of(blobs: Sequence[bytes | None]) -> list[bytes | None]:
    """Strip the GeoPackage header off geometry blobs.

    Args:
        blobs: GeoPackage geometry blobs (None allowed).

    Returns:
        Their WKB; None for NULL, a blob that is no GeoPackage geometry, or an empty geometry.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> _, _, blobs = read_table(path, "trees", decode=False)
        >>> [len(w) if w else w for w in wkbs_of(blobs)] + wkbs_of([b"no geometry"])
        [21, 21, None, None]
        >>> tmp.cleanup()
    """
    return [b[h:] if b is not None and len(b) >= 8 and b[:2] == b"GP" and (h := _HEADER[b[3]]) else None
            for b in blobs]


def decode_geometries(blobs: Sequence[bytes | None]) -> npt.NDArray[np.object_]:
    """Decode GeoPackage geometry blobs to shapely, all in one call.

    Args:
        blobs: GeoPackage geometry blobs (None allowed).

    Returns:
        An array of shapely geometries (None for NULL or an empty geometry).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> _, _, blobs = read_table(path, "trees", decode=False)
        >>> [g.wkt if g is not None else None for g in decode_geometries(blobs)]
        ['POINT (456500 5429500)', 'POINT (456510 5429500)', None]
        >>> tmp.cleanup()
    """
    import shapely

    geometries: npt.NDArray[np.object_] = shapely.from_wkb(np.array(wkbs_of(blobs), dtype=object))
    return geometries


def list_vector_layers(path: PathLike) -> list[str]:
    """List the layers of any vector file GDAL reads (GeoPackage, Shapefile, GeoJSON...).

    Args:
        path: the file.

    Returns:
        The layer names.

    Raises:
        pyogrio's DataSourceError or OSError: the file cannot be read.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> list_vector_layers(path)
        ['trees']
        >>> tmp.cleanup()
    """
    import pyogrio

    return [str(n) for n in pyogrio.list_layers(path)[:, 0]]


def layer_info(path: PathLike, layer: str) -> dict[str, Any]:
    """Describe a layer with pyogrio.

    Args:
        path: the file.
        layer: the layer.

    Returns:
        pyogrio's description: ``fields``, ``dtypes``, ``geometry_type``, ``crs``, ``features``...

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> info = layer_info(path, "trees")
        >>> list(info["fields"]), info["geometry_type"], info["crs"], info["features"]
        (['tree_id', 'species', 'height'], 'Point', 'EPSG:25832', 3)
        >>> tmp.cleanup()
    """
    import pyogrio

    info: dict[str, Any] = pyogrio.read_info(path, layer=layer)
    return info


def read_frame(path: PathLike, layer: str | None, columns: list[str] | None = None,
               bbox: tuple[float, float, float, float] | None = None, rows: tuple[int, int] | None = None,
               fid_as_index: bool = False, where: str | None = None) -> gpd.GeoDataFrame:
    """Read a layer as a GeoDataFrame (a DataFrame without geometry) with pyogrio.

    Args:
        path: any vector file.
        layer: the layer (None: the first).
        columns: only these columns.
        bbox: only the features that intersect it (layer CRS; GDAL's spatial filter).
        rows: only the rows ``(start, stop)``.
        fid_as_index: index the frame by the feature ids.
        where: only the features that match this OGR SQL filter.

    Returns:
        The GeoDataFrame.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> frame = read_frame(path, "trees", columns=["tree_id"], bbox=(456505, 5429495, 456515, 5429505))
        >>> list(frame["tree_id"]), frame.crs.to_epsg()
        (['T2'], 25832)
        >>> tmp.cleanup()
    """
    import pyogrio

    kwargs: dict[str, Any] = {"layer": layer, "fid_as_index": fid_as_index}
    if columns is not None:
        kwargs["columns"] = list(columns)
    if bbox is not None:
        kwargs["bbox"] = tuple(bbox)
    if where is not None:
        kwargs["where"] = where
    count = None
    if rows is not None:
        count = max(0, int(rows[1]) - int(rows[0]))
        kwargs["skip_features"] = max(0, int(rows[0]))
        kwargs["max_features"] = max(1, count)   # pyogrio reads every row for 0
    frame = pyogrio.read_dataframe(path, **kwargs)
    return frame.iloc[:0] if count == 0 else frame


# -- writing ---------------------------------------------------------------------------------------


# json.dumps(value, ensure_ascii=False, default=str) without building an encoder per call
_JSON_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return value if isinstance(value, str) else _JSON_ENCODE(value)
    if kind == "str":
        return str(value)
    if kind == "datetime":
        return value if isinstance(value, str) else value.isoformat()
    return value


def preload() -> None:
    """Import the writer's pyogrio (which pulls in geopandas and pandas, about half a second) in a background
    thread while the caller parses its input; the writer then finds it imported.

    Example:
        >>> import sys, time
        >>> preload()
        >>> for _ in range(600):
        ...     if "pyogrio.raw" in sys.modules:
        ...         break
        ...     time.sleep(0.05)
        >>> "pyogrio.raw" in sys.modules
        True
    """
    threading.Thread(target=importlib.import_module, args=("pyogrio.raw",), name="preload pyogrio",
                     daemon=True).start()


def _ogr() -> Any:
    """GDAL's Python bindings (osgeo.ogr, with exceptions on), or None without them: they import in a sixth of the
    time pyogrio takes (which pulls in geopandas) and QGIS has them loaded already. Exceptions are switched on only
    while a layer is created (the bindings' global setting is QGIS's and its plugins')."""
    try:
        from osgeo import ogr
    except ImportError:
        return None
    return ogr


# the OGR field type (and subtype) pyogrio gives each kind of LayerSpec.fields (by the numpy dtype of _columns)
_OGR_FIELDS = {"int": ("OFTInteger64", None), "float": ("OFTReal", None), "bool": ("OFTInteger", "OFSTBoolean")}


def _create_layer(ogr: Any, path: Path, spec: LayerSpec, crs: str | None) -> None:
    """An empty layer exactly as pyogrio's write of no rows creates it (same GDAL driver, types, SRS), without a
    spatial index."""
    from osgeo import osr

    was = ogr.GetUseExceptions(), osr.GetUseExceptions()
    ogr.UseExceptions()
    osr.UseExceptions()
    try:
        _create_ogr_layer(ogr, osr, path, spec, crs)
    except RuntimeError as err:   # GDAL's own errors at any call (open, create, sync) are faults of the storage
        raise OSError(str(err)) from err   # (disk full, I/O error, a file that is not a GeoPackage)
    finally:   # in reverse order: GDAL keeps the modules' error handlers on a stack
        if not was[1]:
            osr.DontUseExceptions()
        if not was[0]:
            ogr.DontUseExceptions()


def _create_ogr_layer(ogr: Any, osr: Any, path: Path, spec: LayerSpec, crs: str | None) -> None:
    exists = path.exists() and path.stat().st_size > 0
    ds = ogr.Open(str(path), 1) if exists else ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    if ds is None:   # some GDAL versions return None instead of raising, even with exceptions on
        raise OSError(f"GDAL cannot open {path} as a GeoPackage for writing")
    try:
        srs = None
        if crs:
            srs = osr.SpatialReference()
            srs.SetFromUserInput(crs)
        if spec.geometry_type is None:
            layer = ds.CreateLayer(spec.name, None, ogr.wkbNone)
        else:
            geometry_type = ogr.__dict__["wkb" + spec.geometry_type.removesuffix("Z")]
            if spec.geometry_type.endswith("Z"):
                geometry_type = ogr.GT_SetZ(geometry_type)
            layer = ds.CreateLayer(spec.name, srs, geometry_type, ["SPATIAL_INDEX=NO"])
        for name, kind in spec.fields.items():
            field_type, subtype = _OGR_FIELDS.get(kind, ("OFTString", None))
            definition = ogr.FieldDefn(name, getattr(ogr, field_type))
            if subtype:
                definition.SetSubType(getattr(ogr, subtype))
            layer.CreateField(definition)
        layer.SyncToDisk()
    finally:
        ds = None


class GpkgWriter:
    """Buffers rows per layer and appends them in batches, so memory stays flat."""

    def __init__(self, path: PathLike, crs: str | None, batch_size: int = 5000,
                 direct: bool = False) -> None:
        # direct: the layers are created by sqlite3 as GDAL creates them (gpkg_schema), else by GDAL's own bindings
        # when present (imported only then); not direct: every batch is a pyogrio write
        self._ogr: Any = None
        if not direct:
            from pyogrio.raw import write  # imported now (it pulls in geopandas), not at the first flush

            self._write = write
        self.path = Path(path)
        self.crs = crs
        self.batch_size = batch_size
        self._buffers: dict[str, tuple[LayerSpec, list[Row], list[Geometry]]] = {}
        self._created: set[str] = set()
        self.counts: dict[str, int] = {}
        self._crs_cache: str | None = None
        # direct: GDAL creates each layer (empty, no spatial index), rows go in by sqlite3, the R-tree is built in
        # bulk at close (see DirectLayers); else every batch is a pyogrio write (per-row R-tree triggers)
        self._direct = DirectLayers(self.path) if direct else None

    def add(self, spec: LayerSpec, row: Row, geometry: Geometry = None) -> None:
        """Queue one row (a dict of spec.fields) and its geometry (shapely, or WKB bytes)."""
        _, rows, geoms = self._buffers.setdefault(spec.name, (spec, [], []))
        rows.append(row)
        geoms.append(geometry)
        if len(rows) >= self.batch_size:
            self._flush(spec.name)

    def add_many(self, spec: LayerSpec, rows: Sequence[Row], geometries: Sequence[Geometry] | None = None) -> None:
        """Queue many rows at once (the same as ``add`` for each, without its per-row cost)."""
        _, buffered, geoms = self._buffers.setdefault(spec.name, (spec, [], []))
        start = 0
        while start < len(rows):
            end = min(len(rows), start + self.batch_size - len(buffered))
            buffered.extend(rows[start:end])
            geoms.extend([None] * (end - start) if geometries is None else geometries[start:end])
            start = end
            if len(buffered) >= self.batch_size:
                self._flush(spec.name)

    def add_polygons(self, spec: LayerSpec, columns: dict[str, list[Any]], points: npt.NDArray[Any],
                     ring_points: npt.NDArray[Any], polygon_rings: npt.NDArray[Any],
                     group_polygons: npt.NDArray[Any] | Sequence[int] | None = None,
                     others: dict[int, Any] | None = None) -> None:
        """Append rows given as columns (a list per field, one length) after the layer's queued rows, with their
        polygons as ragged arrays (see ragged_polygon_blobs): a Polygon(Z) per row, or with ``group_polygons`` a
        MultiPolygon(Z) of that many consecutive polygons per row (0: no geometry, or the shapely geometry
        ``others`` gives for that row). The GeoPackage blobs are assembled from the arrays at once.

        Example: ``writer.add_polygons(spec, {"id": ["a"]}, np.array([[0., 0], [1, 0], [0, 1], [0, 0]]), [4], [1])``.
        """
        if self._direct is not None:   # the layer exists, its queued rows written: these follow them
            self.ensure_layer(spec)
            self._flush(spec.name)
        srs = self._direct.srs(spec) if self._direct is not None else 0
        groups = None if group_polygons is None else np.asarray(group_polygons, dtype=np.int64)
        rows = len(polygon_rings) if groups is None else len(groups)
        blobs: list[bytes | None]
        bounds = np.full((rows, 4), np.nan)
        if groups is None or (groups > 0).all():
            blobs_made, env = ragged_polygon_blobs(points, ring_points, polygon_rings, groups, srs)
            blobs, bounds = list(blobs_made), env
        else:
            made, env = ragged_polygon_blobs(points, ring_points, polygon_rings, groups[groups > 0], srs)
            blobs = [None] * rows
            for i, made_blob in zip(np.flatnonzero(groups > 0).tolist(), made):
                blobs[i] = made_blob
            bounds[groups > 0] = env[:, :4]
        if others:
            index = list(others)
            made_others, others_bounds = geometry_blobs([others[i] for i in index], srs)
            for i, other_blob in zip(index, made_others):
                blobs[i] = other_blob
            bounds[index] = others_bounds
        if self._direct is None:
            names = list(columns)
            self.add_many(spec, [dict(zip(names, values)) for values in zip(*columns.values())],
                          [None if b is None else b[_HEADER[b[3]] or 8:] for b in blobs])
            return
        if rows:
            self._direct.insert_columns(spec, columns, blobs, bounds)
            self.counts[spec.name] = self.counts.get(spec.name, 0) + rows

    def copy_layer(self, spec: LayerSpec, source: PathLike) -> bool:
        """Append every row of the layer of GeoPackage ``source`` after the layer's queued rows, in fid order, by
        SQL inside SQLite (see ``DirectLayers.copy_from``); False (nothing copied) when this writer is not direct or
        the source's layer is not one this writer could copy whole (then add its rows the usual way).

        Example: ``writer.copy_layer(BUILDINGS, "part.gpkg") or writer.add_many(BUILDINGS, rows, wkbs)``.
        """
        if self._direct is None:
            return False
        self.ensure_layer(spec)
        self._flush(spec.name)   # creates the layer, writes its queued rows: the copied ones follow them
        copied = self._direct.copy_from(spec, Path(source))
        if copied is None:
            return False
        self.counts[spec.name] = self.counts.get(spec.name, 0) + copied
        return True

    def pack_index(self) -> None:
        """Write the queued rows and pack the index entries of the rows so far into R-tree leaves of their own (see
        ``DirectLayers.pack``): a merge calls it after each spatially compact partition, so that its memory holds
        one partition's entries and the end builds only the levels above the leaves. Not direct: nothing to do.

        Example: ``writer.copy_layer(BUILDINGS, "part.gpkg") or writer.add_many(BUILDINGS, rows, wkbs)``, then
        ``writer.pack_index()``.
        """
        if self._direct is None:
            return
        for name in list(self._buffers):
            self._flush(name)
        self._direct.pack()

    def ensure_layer(self, spec: LayerSpec) -> None:
        """Create the layer even if it receives no rows."""
        self._buffers.setdefault(spec.name, (spec, [], []))

    def append_to(self, names: Iterable[str]) -> None:
        """Treat the layers ``names`` as present in the file already: their rows are appended, no layer is created.

        Example: ``writer.append_to(layer_names(path))`` before adding rows to an existing GeoPackage.
        """
        self._created.update(names)

    @property
    def layers(self) -> list[str]:
        """The names of the layers this writer writes (queued by ``add``, ``ensure_layer`` and the like), in the
        order they were first queued; empty when nothing was queued.

        Example: ``if writer.layers: writer.close()``.
        """
        return list(self._buffers)

    def _columns(self, spec: LayerSpec,
                 rows: list[Row]) -> tuple[list[npt.NDArray[Any]], list[npt.NDArray[np.bool_] | None]]:
        """Each field as a numpy array, with a null mask for integers and booleans."""
        data: list[npt.NDArray[Any]] = []
        masks: list[npt.NDArray[np.bool_] | None] = []
        for name, kind in spec.fields.items():
            values = [r.get(name) for r in rows]
            if kind in ("int", "bool"):
                mask = np.fromiter((v is None or v != v for v in values), dtype=bool, count=len(values))  # NaN
                masks.append(mask)
                data.append(np.array([0 if null else v for v, null in zip(values, mask)],
                                     dtype=np.int64 if kind == "int" else bool))
            elif kind == "float":
                data.append(np.array([np.nan if v is None else v for v in values], dtype=np.float64))
                masks.append(None)   # NaN is written as null
            else:
                column = np.empty(len(values), dtype=object)
                if kind == "str" and all(v is None or type(v) is str for v in values):
                    column[:] = values  # already what _cell would make of them
                else:
                    column[:] = [_cell(v, kind) for v in values]
                data.append(column)
                masks.append(None)   # None is written as null
        return data, masks

    def _crs_text(self) -> str | None:
        """The CRS as GDAL takes it: ``EPSG:n`` when it has a code, else WKT."""
        if self._crs_cache is None and self.crs:
            from .crs import known_epsg

            self._crs_cache = known_epsg(self.crs)   # what PROJ would say, without importing pyproj
        if self._crs_cache is None and self.crs:
            from pyproj import CRS

            crs = CRS.from_user_input(self.crs)
            epsg = crs.to_epsg()
            self._crs_cache = f"EPSG:{epsg}" if epsg else crs.to_wkt("WKT1_GDAL")
        return self._crs_cache

    def _flush(self, name: str) -> None:
        spec, rows, geoms = self._buffers[name]
        if not rows and name in self._created:
            return
        if self._direct is not None:
            if name not in self._created:
                self._create_empty(spec)
            if rows:
                self._direct.insert(spec, rows, geoms)
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                rows.clear()
                geoms.clear()
            return
        self._write_batch(spec, rows, geoms)

    def _create_empty(self, spec: LayerSpec) -> None:
        """The layer as GDAL creates it (table, gpkg_contents, geometry column, SRS), without rows and without
        its spatial index (built in bulk at close)."""
        crs = self._crs_text() if spec.geometry_type else None
        if self._direct is not None:
            self._direct.commit()   # GDAL writes the new layer: no transaction of ours may hold the file
            if self._direct.create(spec, crs):
                self._created.add(spec.name)
                self._direct.register(spec)
                return
            if self._ogr is None:
                self._ogr = _ogr()
            if self._ogr is None:
                from pyogrio.raw import write

                self._write = write
        if self._ogr is not None:
            _create_layer(self._ogr, self.path, spec, crs)
            self._created.add(spec.name)
        else:
            self._write_batch(spec, [], [], {"SPATIAL_INDEX": "NO"} if spec.geometry_type else None)
        if self._direct is not None:
            self._direct.register(spec)

    def _write_batch(self, spec: LayerSpec, rows: list[Row], geoms: list[Any],
                     layer_options: dict[str, str] | None = None) -> None:
        name = spec.name
        data, masks = self._columns(spec, rows)
        kwargs: dict[str, Any] = {"layer": spec.name, "driver": "GPKG", "fields": list(spec.fields),
                                  "field_data": data, "field_mask": masks, "geometry": None}
        if spec.geometry_type is not None:
            import shapely

            wkb = np.empty(len(geoms), dtype=object)
            wkb[:] = [g[0] if type(g) is tuple else g for g in geoms]   # prepared: (ISO WKB, envelope)
            shaped = np.fromiter((g is not None and not isinstance(g, bytes) for g in wkb), dtype=bool,
                                 count=len(geoms))
            if shaped.any():
                wkb[shaped] = shapely.to_wkb(wkb[shaped])
            kwargs["geometry"] = wkb
            kwargs["geometry_type"] = (spec.geometry_type.replace("Z", " Z") if spec.geometry_type.endswith("Z")
                                       else spec.geometry_type)
            kwargs["crs"] = self._crs_text()
        if name in self._created:
            kwargs["append"] = True
        if layer_options:
            kwargs["layer_options"] = layer_options
        self._write(self.path, **kwargs)
        self._created.add(name)
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        rows.clear()
        geoms.clear()

    def close(self) -> None:
        """Write every buffered row (direct: then build the spatial indexes and the layers' statistics)."""
        for name in list(self._buffers):
            self._flush(name)
        if self._direct is not None:
            self._direct.finish()

    def abort(self) -> None:
        """Release the file without finishing it (the run failed; the temporary file is discarded)."""
        if self._direct is not None:
            self._direct.abort()


# -- direct writing: rows by sqlite3, the R-tree in bulk ----------------------------------------------
# GDAL 3.6's R-tree triggers (gpkg_rtree_index extension), word for word, so that later edits by GDAL, QGIS or
# any GeoPackage client keep the index current exactly as in a file GDAL indexed itself.
_RTREE_TRIGGERS = (
    'CREATE TRIGGER "{r}_insert" AFTER INSERT ON "{t}" WHEN (new."{c}" NOT NULL AND NOT ST_IsEmpty(NEW."{c}")) '
    'BEGIN INSERT OR REPLACE INTO "{r}" VALUES (NEW."{f}",ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"),'
    'ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}")); END',
    'CREATE TRIGGER "{r}_update1" AFTER UPDATE OF "{c}" ON "{t}" WHEN OLD."{f}" = NEW."{f}" AND '
    '(NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}")) BEGIN INSERT OR REPLACE INTO "{r}" VALUES (NEW."{f}",'
    'ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"),ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}")); END',
    'CREATE TRIGGER "{r}_update2" AFTER UPDATE OF "{c}" ON "{t}" WHEN OLD."{f}" = NEW."{f}" AND '
    '(NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}")) BEGIN DELETE FROM "{r}" WHERE id = OLD."{f}"; END',
    'CREATE TRIGGER "{r}_update3" AFTER UPDATE ON "{t}" WHEN OLD."{f}" != NEW."{f}" AND '
    '(NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}")) BEGIN DELETE FROM "{r}" WHERE id = OLD."{f}"; '
    'INSERT OR REPLACE INTO "{r}" VALUES (NEW."{f}",ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"),'
    'ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}")); END',
    'CREATE TRIGGER "{r}_update4" AFTER UPDATE ON "{t}" WHEN OLD."{f}" != NEW."{f}" AND '
    '(NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}")) BEGIN DELETE FROM "{r}" WHERE id IN (OLD."{f}", NEW."{f}"); END',
    'CREATE TRIGGER "{r}_delete" AFTER DELETE ON "{t}" WHEN old."{c}" NOT NULL BEGIN DELETE FROM "{r}" '
    'WHERE id = OLD."{f}"; END',
)
_EXTENSIONS_TABLE = ("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,column_name TEXT,extension_name "
                     "TEXT NOT NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE "
                     "(table_name, column_name, extension_name))")
_RTREE_EXTENSION = ("gpkg_rtree_index", "http://www.geopackage.org/spec120/#extension_rtree", "write-only")
_RTREE_NODE_ENTRIES = 51    # RTREE_MAXCELLS: cells of an SQLite R-tree node (of 2D boxes: 4 + 51 * 24 bytes)
_RTREE_CELL = np.dtype([("id", ">i8"), ("box", ">f4", 4)])   # a node cell: rowid or child node, box (big-endian)
_POINT = 0


def _sql_name(name: str) -> str:
    """An identifier as it goes between double quotes."""
    return name.replace('"', '""')


def _int_or_none(value: Any) -> int | None:
    return None if value is None or value != value else int(value)


def _bool_or_none(value: Any) -> int | None:
    return None if value is None or value != value else int(bool(value))


def _float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else number   # pyogrio writes NaN as null


def _str_or_none(value: Any) -> str | None:
    return value if value is None or type(value) is str else str(value)


_NONE = type(None)


def column_values(kind: str, values: list[Any]) -> list[Any]:
    """Convert one column's values to the SQLite values GDAL stores for a field kind of ``LayerSpec.fields``.

    Args:
        kind: the field kind: "str", "float", "int", "bool", or another kind of ``LayerSpec.fields``.
        values: the column's values (None, or NaN in a float column, for null).

    Returns:
        The values to store (None for null); the list itself when it needs no change.

    Example:
        >>> column_values("int", [1, None, 2.0]), column_values("float", [18.5, float("nan"), "9"])
        ([1, None, 2], [18.5, None, 9.0])
        >>> column_values("str", ["Linde", None, 42]), column_values("bool", [True, 0, None])
        (['Linde', None, '42'], [1, 0, None])
        >>> heights = [18.5, 9.0]
        >>> column_values("float", heights) is heights   # nothing to convert
        True
    """
    types = set(map(type, values))
    if kind == "str":
        return values if types <= {str, _NONE} else [_str_or_none(v) for v in values]
    if kind == "float":
        if types <= {float, _NONE}:
            numbers = np.array(values, dtype=np.float64)   # None -> NaN
            nulls = np.isnan(numbers)
            return values if not nulls.any() else [None if null else v for v, null in zip(values, nulls.tolist())]
        return [_float_or_none(v) for v in values]
    if kind == "int":
        return values if types <= {int, _NONE} else [_int_or_none(v) for v in values]
    if kind == "bool":
        return [_bool_or_none(v) for v in values]
    return [_cell(v, kind) for v in values]


def envelopes(geometries: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Compute the 3D envelopes of shapely geometries, vectorised.

    Args:
        geometries: an object array of shapely geometries.

    Returns:
        (N, 6) minx, maxx, miny, maxy, minz, maxz (NaN rows for empty geometries; NaN z for 2D ones).

    Example:
        >>> import shapely
        >>> shapes = np.array([shapely.Point(1, 2, 3), shapely.box(0, 0, 4, 3), shapely.Polygon()])
        >>> envelopes(shapes).tolist()
        [[1.0, 1.0, 2.0, 2.0, 3.0, 3.0], [0.0, 4.0, 0.0, 3.0, nan, nan], [nan, nan, nan, nan, nan, nan]]
    """
    import shapely

    out = np.full((len(geometries), 6), np.nan)
    coords, index = shapely.get_coordinates(geometries, include_z=True, return_index=True)
    if not len(coords):
        return out
    counts = np.bincount(index, minlength=len(geometries))
    filled = counts > 0
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[filled]
    low, high = np.minimum.reduceat(coords, starts, axis=0), np.maximum.reduceat(coords, starts, axis=0)
    out[filled] = np.column_stack([low[:, 0], high[:, 0], low[:, 1], high[:, 1], low[:, 2], high[:, 2]])
    return out


def geometry_blobs(geometries: Sequence[Any], srs_id: int) -> tuple[list[bytes | None], npt.NDArray[Any]]:
    """GeoPackage geometry blobs as GDAL writes them (little-endian ISO WKB; an XY envelope, XYZ for geometries
    with z, none for points and empty ones) of shapely geometries, WKB, or prepared geometries (a tuple of the
    ISO WKB of a non-empty geometry with z and its envelope minx, maxx, miny, maxy, minz, maxz as 48 bytes of
    little-endian doubles); None stays None.
    Also the (N, 4) XY envelopes (NaN where none).

    Args:
        geometries: shapely geometries, WKB bytes, prepared tuples or None.
        srs_id: the srs_id written into each blob's header.

    Returns:
        The blobs (None for None) and their (N, 4) minx, maxx, miny, maxy (NaN rows for None and empty ones).

    Example:
        >>> import shapely, struct
        >>> blobs, bounds = geometry_blobs([shapely.box(0, 0, 12, 10), None, shapely.Point(457842, 5439083)], 25832)
        >>> blobs[0][:4], struct.unpack("<i", blobs[0][4:8])[0], struct.unpack("<4d", blobs[0][8:40])
        (b'GP\\x00\\x03', 25832, (0.0, 12.0, 0.0, 10.0))
        >>> shapely.from_wkb(blobs[0][40:]).equals(shapely.box(0, 0, 12, 10)), blobs[1]
        (True, None)
        >>> blobs[2][:4], len(blobs[2]), bounds[2].tolist()   # a point: no envelope, 8 + 21 bytes
        (b'GP\\x00\\x01', 29, [457842.0, 457842.0, 5439083.0, 5439083.0])
    """
    import shapely

    n = len(geometries)
    blobs: list[bytes | None] = [None] * n
    bounds = np.full((n, 4), np.nan)
    prepared = [i for i, g in enumerate(geometries) if type(g) is tuple]
    if prepared:
        _prepared_blobs(geometries, prepared, srs_id, blobs, bounds)
    present = [i for i, g in enumerate(geometries) if g is not None and type(g) is not tuple]
    if not present:
        return blobs, bounds
    shapes = np.empty(len(present), dtype=object)
    shapes[:] = [geometries[i] for i in present]
    raw = np.fromiter((isinstance(g, bytes | bytearray) for g in shapes), dtype=bool, count=len(shapes))
    if raw.any():
        shapes[raw] = shapely.from_wkb(shapes[raw])
    wkb = shapely.to_wkb(shapes, flavor="iso", byte_order=1).tolist()
    env = envelopes(shapes)
    empty = np.isnan(env[:, 0])
    kind = np.where(shapely.has_z(shapes), 2, 1)
    kind[empty | (shapely.get_type_id(shapes) == _POINT)] = 0
    srs = int(srs_id).to_bytes(4, "little", signed=True)
    prefixes = [b"GP\x00" + bytes([0x01 | (k << 1)]) + srs for k in (0, 1, 2)]
    empty_prefix = b"GP\x00\x11" + srs
    sizes = (0, 32, 48)
    packed = env.astype("<f8").tobytes()
    for j, (i, k, blank, body) in enumerate(zip(present, kind.tolist(), empty.tolist(), wkb)):
        if blank:
            blobs[i] = empty_prefix + body
        else:
            blobs[i] = prefixes[k] + packed[48 * j:48 * j + sizes[k]] + body
    bounds[present] = env[:, :4]
    return blobs, bounds


def _prepared_blobs(geometries: Sequence[Any], index: list[int], srs_id: int, blobs: list[bytes | None],
                    bounds: npt.NDArray[Any]) -> None:
    """Blobs of prepared geometries: (ISO WKB of a non-empty geometry with z, its envelope as 6 little-endian
    doubles)."""
    prefix = b"GP\x00\x05" + int(srs_id).to_bytes(4, "little", signed=True)
    boxes = [geometries[i][1] for i in index]
    for i, box in zip(index, boxes):
        blobs[i] = prefix + box + geometries[i][0]
    bounds[index] = np.frombuffer(b"".join(boxes), dtype="<f8").reshape(-1, 6)[:, :4]


def ragged_polygon_blobs(points: npt.NDArray[Any], ring_points: npt.NDArray[Any], polygon_rings: npt.NDArray[Any],
                         group_polygons: npt.NDArray[Any] | None, srs_id: int
                         ) -> tuple[list[bytes], npt.NDArray[Any]]:
    """GeoPackage blobs as GDAL writes them (little-endian ISO WKB, XY or XYZ envelope) of polygons given as ragged
    arrays, assembled in one buffer: ``points`` (P, 2 or 3) the closed rings' coordinates one after another,
    ``ring_points`` the points of each ring, ``polygon_rings`` the rings of each polygon (exterior first);
    ``group_polygons`` None for a Polygon(Z) blob per polygon, else a MultiPolygon(Z) blob per group of that many
    consecutive polygons (each group at least one). Also the blobs' (G, 2 * dims) envelopes minx, maxx, miny, maxy
    (, minz, maxz).

    Args:
        points: the (P, 2) or (P, 3) points of every closed ring.
        ring_points: the number of points of each ring.
        polygon_rings: the number of rings of each polygon.
        group_polygons: the number of polygons of each MultiPolygon, or None for one Polygon blob per polygon.
        srs_id: the srs_id written into each blob's header.

    Returns:
        The blobs and their (G, 4) or (G, 6) envelopes.

    Example:
        >>> import shapely
        >>> square = [[0.0, 0, 5], [4, 0, 5], [4, 4, 5], [0, 4, 5], [0, 0, 5]]
        >>> hole = [[1.0, 1, 5], [1, 2, 5], [2, 2, 5], [2, 1, 5], [1, 1, 5]]
        >>> triangle = [[10.0, 0, 7], [12, 0, 7], [10, 2, 8], [10, 0, 7]]
        >>> points = np.array(square + hole + triangle)
        >>> blobs, env = ragged_polygon_blobs(points, np.array([5, 5, 4]), np.array([2, 1]), np.array([2]), 25832)
        >>> len(blobs), blobs[0][:4], env.tolist()   # one MultiPolygon Z, flags 0x05: an XYZ envelope
        (1, b'GP\\x00\\x05', [[0.0, 12.0, 0.0, 4.0, 5.0, 8.0]])
        >>> shape = shapely.from_wkb(blobs[0][56:])
        >>> shape.geom_type, shape.has_z, shape.area, [len(p.interiors) for p in shape.geoms]
        ('MultiPolygon', True, 17.0, [1, 0])
        >>> blobs, env = ragged_polygon_blobs(points, np.array([5, 5, 4]), np.array([2, 1]), None, 25832)
        >>> [shapely.from_wkb(b[56:]).area for b in blobs]   # one Polygon Z each
        [15.0, 2.0]
    """
    dims = points.shape[1]
    ring_points = np.asarray(ring_points, dtype=np.int64)
    polygon_rings = np.asarray(polygon_rings, dtype=np.int64)
    multi = group_polygons is not None
    groups = (np.asarray(group_polygons, dtype=np.int64) if multi else np.ones(len(polygon_rings), dtype=np.int64))
    if not len(groups):
        return [], np.zeros((0, 2 * dims))
    if len(ring_points) == len(polygon_rings) == len(groups) and (groups == 1).all() and (polygon_rings == 1).all():
        made = _one_ring_blobs(points, ring_points, multi, srs_id)
        if made is not None:
            return made
    head = np.dtype([("gp", "S2"), ("version", "u1"), ("flags", "u1"), ("srs", "<i4"), ("env", "<f8", (2 * dims,))]
                    + ([("order", "u1"), ("type", "<u4"), ("count", "<u4")] if multi else []))
    polygon_head = np.dtype([("order", "u1"), ("type", "<u4"), ("count", "<u4")])
    ring_bytes = 4 + ring_points * (8 * dims)
    ring_end = np.cumsum(ring_bytes)
    first_ring = np.cumsum(polygon_rings) - polygon_rings
    ring_first_byte = ring_end - ring_bytes
    polygon_bytes = polygon_head.itemsize + ring_end[first_ring + polygon_rings - 1] - ring_first_byte[first_ring]
    polygon_group = np.repeat(np.arange(len(groups)), groups)
    polygon_start = np.cumsum(polygon_bytes) - polygon_bytes + (polygon_group + 1) * head.itemsize
    ring_polygon = np.repeat(np.arange(len(polygon_rings)), polygon_rings)
    ring_start = (polygon_start[ring_polygon] + polygon_head.itemsize + (ring_end - ring_bytes)
                  - (ring_end - ring_bytes)[first_ring][ring_polygon])
    first_polygon = np.cumsum(groups) - groups
    group_end = polygon_start[first_polygon + groups - 1] + polygon_bytes[first_polygon + groups - 1]
    group_start = np.concatenate(([0], group_end[:-1]))
    # envelopes: each group's points are consecutive
    group_rings = np.add.reduceat(polygon_rings, first_polygon)
    group_first_point = (np.cumsum(ring_points) - ring_points)[np.cumsum(group_rings) - group_rings]
    low, high = np.minimum.reduceat(points, group_first_point), np.maximum.reduceat(points, group_first_point)
    env = np.empty((len(groups), 2 * dims))
    env[:, 0::2], env[:, 1::2] = low, high
    out = np.empty(int(group_end[-1]), dtype=np.uint8)
    heads = np.zeros(len(groups), dtype=head)
    heads["gp"], heads["flags"], heads["srs"], heads["env"] = b"GP", 0x01 | ((2 if dims == 3 else 1) << 1), srs_id, env
    z = 1000 if dims == 3 else 0
    if multi:
        heads["order"], heads["type"], heads["count"] = 1, 6 + z, groups
    coords = np.ones(len(out), dtype=bool)   # the bytes that are no head: the points', in their order
    _scatter(out, group_start, heads.view(np.uint8).reshape(len(groups), -1), coords)
    polygons = np.zeros(len(polygon_rings), dtype=polygon_head)
    polygons["order"], polygons["type"], polygons["count"] = 1, 3 + z, polygon_rings
    _scatter(out, polygon_start, polygons.view(np.uint8).reshape(len(polygons), -1), coords)
    _scatter(out, ring_start, ring_points.astype("<u4").view(np.uint8).reshape(-1, 4), coords)
    out[coords] = np.ascontiguousarray(points, dtype="<f8").view(np.uint8).ravel()
    data = out.tobytes()
    return [data[a:b] for a, b in zip(group_start.tolist(), group_end.tolist())], env


def _one_ring_blobs(points: npt.NDArray[Any], ring_points: npt.NDArray[Any], multi: bool, srs_id: int
                    ) -> tuple[list[bytes], npt.NDArray[Any]] | None:
    """ragged_polygon_blobs of blobs that are each one polygon of one ring (a building's surfaces; a MultiPolygon of
    one with ``multi``): the blobs of each ring size (the same layout: head, polygon head, ring, points) made as one
    structured array and cut, the same bytes 2.5 times faster than scattered into one buffer (the 72,098 surfaces of
    the 10k district). None (ragged_polygon_blobs' general way) for an empty ring or more than 64 ring sizes."""
    dims = points.shape[1]
    sizes = np.unique(ring_points)
    if sizes[0] < 1 or len(sizes) > 64:
        return None
    starts = np.cumsum(ring_points) - ring_points
    env = np.empty((len(ring_points), 2 * dims))
    env[:, 0::2], env[:, 1::2] = np.minimum.reduceat(points, starts), np.maximum.reduceat(points, starts)
    z = 1000 if dims == 3 else 0
    head = [("gp", "S2"), ("version", "u1"), ("flags", "u1"), ("srs", "<i4"), ("env", "<f8", (2 * dims,))]
    if multi:
        head += [("multi_order", "u1"), ("multi_type", "<u4"), ("polygons", "<u4")]
    blobs: list[bytes] = []
    picked: list[npt.NDArray[Any]] = []
    for size in sizes.tolist():
        rows = np.flatnonzero(ring_points == size) if len(sizes) > 1 else np.arange(len(ring_points))
        record = np.dtype([*head, ("order", "u1"), ("type", "<u4"), ("rings", "<u4"), ("count", "<u4"),
                           ("points", "<f8", (size, dims))])
        made = np.zeros(len(rows), dtype=record)
        made["gp"], made["flags"], made["srs"] = b"GP", 0x01 | ((2 if dims == 3 else 1) << 1), srs_id
        made["env"] = env[rows]
        if multi:
            made["multi_order"], made["multi_type"], made["polygons"] = 1, 6 + z, 1
        made["order"], made["type"], made["rings"], made["count"] = 1, 3 + z, 1, size
        made["points"] = points[starts[rows][:, None] + np.arange(size)]
        data, width = made.tobytes(), record.itemsize
        blobs += map(data.__getitem__, map(slice, range(0, len(data), width), range(width, len(data) + width, width)))
        picked.append(rows)
    if len(picked) == 1:
        return blobs, env
    place = np.empty(len(ring_points), dtype=np.int64)
    place[np.concatenate(picked)] = np.arange(len(ring_points))
    return list(map(blobs.__getitem__, place.tolist())), env


def _scatter(out: npt.NDArray[Any], starts: npt.NDArray[Any], rows: npt.NDArray[Any],
             free: npt.NDArray[np.bool_]) -> None:
    """Write the (N, k) bytes ``rows`` into ``out`` at the N byte offsets ``starts``; mark them taken in ``free``."""
    where = (starts[:, None] + np.arange(rows.shape[1])).ravel()
    out[where] = rows.ravel()
    free[where] = False


def str_order(boxes: npt.NDArray[Any], node: int = _RTREE_NODE_ENTRIES) -> npt.NDArray[Any]:
    """Sort-Tile-Recursive order of (N, 4) minx, maxx, miny, maxy boxes: vertical slices by centre x, each by
    centre y, so that consecutive boxes fill R-tree nodes with neighbours.

    Args:
        boxes: the (N, 4) boxes.
        node: the entries of one R-tree node.

    Returns:
        The box indices in STR order.

    Example:
        >>> str_order(np.array([[5, 5, 0, 0], [0, 0, 0, 0]])).tolist()
        [1, 0]
        >>> grid = np.array([[x, x + 1, y, y + 1] for x in range(4) for y in range(4)][::-1])   # 4 x 4, reversed
        >>> order = str_order(grid, node=4)   # 4 leaves: 2 slices of 2 columns by x, each by y
        >>> grid[order][:, [0, 2]].reshape(4, 4, 2).tolist()   # each node of 4 a 2 x 2 block: (x, y) corners
        [[[0, 0], [1, 0], [0, 1], [1, 1]], [[0, 2], [1, 2], [0, 3], [1, 3]],
         [[2, 0], [3, 0], [2, 1], [3, 1]], [[2, 2], [3, 2], [2, 3], [3, 3]]]
    """
    n = len(boxes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    cx, cy = boxes[:, 0] + boxes[:, 1], boxes[:, 2] + boxes[:, 3]
    leaves = -(-n // node)
    per_slice = node * max(1, -(-leaves // max(1, int(np.ceil(np.sqrt(leaves))))))
    order = np.argsort(cx, kind="stable")
    for start in range(0, n, per_slice):   # each slice by y, in place (no N-sized key arrays at once)
        part = order[start:start + per_slice]
        part[:] = part[np.argsort(cy[part], kind="stable")]
    return order


def rtree_boxes(bounds: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """(N, 4) float32 boxes as SQLite's R-tree stores (N, 4) minx, maxx, miny, maxy doubles (rtreeValueDown/Up:
    float32, and where that falls inside, the double scaled by 1 -/+ 2^-23 outwards, then float32).

    Args:
        bounds: the (N, 4) minx, maxx, miny, maxy of the entries.

    Returns:
        The (N, 4) float32 boxes, each enclosing its double box.

    Example:
        >>> bounds = np.array([[0.1, 0.2, 0.3, 0.4], [457842.3, 457854.7, -5439083.1, -5439082.9]])
        >>> boxes = rtree_boxes(bounds)
        >>> boxes.tolist()
        [[0.09999998658895493, 0.20000000298023224, 0.2999999523162842, 0.4000000059604645],
         [457842.25, 457854.75, -5439083.5, -5439082.5]]
        >>> bool((boxes[:, [0, 2]] <= bounds[:, [0, 2]]).all() and (boxes[:, [1, 3]] >= bounds[:, [1, 3]]).all())
        True
        >>> import sqlite3   # what SQLite itself stores for the same boxes
        >>> con = sqlite3.connect(":memory:")
        >>> con.execute("CREATE VIRTUAL TABLE idx USING rtree(id, minx, maxx, miny, maxy)").close()
        >>> rows = [(i, *b) for i, b in enumerate(bounds.tolist())]
        >>> _ = con.executemany("INSERT INTO idx VALUES (?, ?, ?, ?, ?)", rows)
        >>> stored = con.execute("SELECT minx, maxx, miny, maxy FROM idx ORDER BY id").fetchall()
        >>> bool((np.array(stored) == boxes).all())
        True
        >>> con.close()
    """
    towards, away = 1.0 - 1.0 / 8388608.0, 1.0 + 1.0 / 8388608.0
    out = bounds.astype(np.float32)
    for col, down in ((0, True), (1, False), (2, True), (3, False)):
        d, f = bounds[:, col], out[:, col]
        inside = f > d if down else f < d
        if inside.any():
            scale = np.where((d < 0) == down, away, towards)
            f[inside] = (d[inside] * scale[inside]).astype(np.float32)
    return out


def rtree_nodes(ids: npt.NDArray[Any], boxes: npt.NDArray[Any], size: int,
                shift: int = 0) -> tuple[Iterator[tuple[int, bytes]], npt.NDArray[Any], npt.NDArray[Any]]:
    """An SQLite R-tree of 2D boxes packed bottom-up in Sort-Tile-Recursive order (full nodes of neighbours): the
    rows of its ``_node`` (node number, blob of ``size`` bytes: depth or 0, cell count, cells; encoded as they are
    consumed), ``_rowid`` (the entries in leaf order, see ``leaf_rows``) and ``_parent`` (node, its parent; an
    (M, 2) array) tables; node 1 is the root. ``boxes``: (N, 4) float32 from rtree_boxes. The same entries as N
    inserts give, in about a tenth of the time (rtreecheck() accepts it).

    Args:
        ids: the (N,) entry ids (a layer's feature ids).
        boxes: their (N, 4) float32 boxes.
        size: the byte size of a node (as the R-tree's ``_node`` table holds it; 1228 for 51 cells).
        shift: added to every node number but the root's (nodes 2 to 1 + shift are left for others).

    Returns:
        The ``_node`` rows (an iterator), the entry ids in leaf order, and the (M, 2) ``_parent`` rows.

    Example:
        >>> import sqlite3
        >>> con = sqlite3.connect(":memory:")
        >>> con.execute("CREATE VIRTUAL TABLE idx USING rtree(id, minx, maxx, miny, maxy)").close()
        >>> size = con.execute("SELECT length(data) FROM idx_node WHERE nodeno = 1").fetchone()[0]
        >>> corners = np.array([[x, y] for x in range(20) for y in range(10)], dtype=float) * 10   # 200 entries
        >>> bounds = np.column_stack([corners[:, 0], corners[:, 0] + 5, corners[:, 1], corners[:, 1] + 5])
        >>> ids = np.arange(1, 201)
        >>> nodes, leaves, parents = rtree_nodes(ids, rtree_boxes(bounds), size)
        >>> _ = con.execute("DELETE FROM idx_node")
        >>> _ = con.executemany("INSERT INTO idx_node VALUES (?, ?)", nodes)
        >>> _ = con.executemany("INSERT INTO idx_rowid VALUES (?, ?)", leaf_rows(leaves, size, 0, len(leaves)))
        >>> _ = con.executemany("INSERT INTO idx_parent VALUES (?, ?)", parents.tolist())
        >>> size, con.execute("SELECT rtreecheck('idx')").fetchone()[0], sorted(parents.tolist())   # 4 leaves, 1 root
        (1228, 'ok', [[2, 1], [3, 1], [4, 1], [5, 1]])
        >>> query = "SELECT id FROM idx WHERE maxx >= 42 AND minx <= 58 AND maxy >= 12 AND miny <= 28 ORDER BY id"
        >>> [row[0] for row in con.execute(query)]
        [42, 43, 52, 53]
        >>> [int(i) for i, b in zip(ids, bounds) if b[1] >= 42 and b[0] <= 58 and b[3] >= 12 and b[2] <= 28]
        [42, 43, 52, 53]
        >>> con.close()
    """
    capacity = (size - 4) // _RTREE_CELL.itemsize
    # per level, bottom first: cell refs and boxes, by node
    levels: list[tuple[npt.NDArray[Any], npt.NDArray[Any]]] = []
    refs, level_boxes = ids, boxes
    while True:
        order = str_order(level_boxes, capacity)
        refs, level_boxes = refs[order], level_boxes[order]
        del order
        levels.append((refs, level_boxes))
        if len(refs) <= capacity:
            break
        starts = np.arange(0, len(refs), capacity)
        low, high = np.minimum.reduceat(level_boxes, starts), np.maximum.reduceat(level_boxes, starts)
        level_boxes = np.column_stack([low[:, 0], high[:, 1], low[:, 2], high[:, 3]])
        refs = np.arange(len(starts))
    counts = [-(-len(r) // capacity) for r, _ in levels]
    bases = [0] * len(levels)
    bases[-1] = 1
    for j in range(len(levels) - 2, -1, -1):
        bases[j] = bases[j + 1] + counts[j + 1] + (shift if j == len(levels) - 2 else 0)
    parents = [np.column_stack([refs + bases[j - 1], bases[j] + np.arange(len(refs)) // capacity])
               for j, (refs, _) in enumerate(levels) if j > 0]
    leaves = levels[0][0]   # entry k's leaf is node bases[0] + k // capacity (see leaf_rows)
    return (_node_rows(levels, bases, counts, capacity, size), leaves,
            np.concatenate(parents) if parents else np.zeros((0, 2), dtype=np.int64))


def leaf_rows(entries: npt.NDArray[Any], size: int, start: int, stop: int) -> list[list[int]]:
    """``_rowid`` rows (entry, leaf node) of entries[start:stop] of rtree_nodes' leaf order: the leaves are the
    last nodes, numbered after the root and the internal nodes, ``capacity`` entries each.

    Args:
        entries: the entry ids in leaf order (rtree_nodes' second result).
        size: the byte size of a node.
        start: the first entry of this chunk.
        stop: the end of the chunk (may pass the last entry).

    Returns:
        [entry id, leaf node] of each entry of the chunk.

    Example:
        >>> leaves = np.arange(1, 121)   # 120 entries: leaves 2, 3, 4 of 51, 51 and 18 below the root, node 1
        >>> leaf_rows(leaves, 1228, 0, 2), leaf_rows(leaves, 1228, 50, 52), leaf_rows(leaves, 1228, 119, 200)
        ([[1, 2], [2, 2]], [[51, 2], [52, 3]], [[120, 4]])
        >>> leaf_rows(np.array([7]), 1228, 0, 1)   # one leaf: the root itself
        [[7, 1]]
    """
    rows: list[list[int]] = _leaf_pairs(entries, size, start, stop).tolist()
    return rows


def _leaf_pairs(entries: npt.NDArray[Any], size: int, start: int, stop: int, shift: int = 0) -> npt.NDArray[Any]:
    """leaf_rows as an (N, 2) array (of rtree_nodes with ``shift``)."""
    capacity = (size - 4) // _RTREE_CELL.itemsize
    leaves = -(-len(entries) // capacity)
    nodes, level = 1 if leaves > 1 else 0, leaves   # nodes above the leaves
    while level > capacity:
        level = -(-level // capacity)
        nodes += level
    first = 1 + nodes + shift if leaves > 1 else 1
    position = np.arange(start, min(stop, len(entries)))
    return np.column_stack([entries[start:stop], first + position // capacity])


def _node_rows(levels: list[tuple[npt.NDArray[Any], npt.NDArray[Any]]], bases: list[int], counts: list[int],
               capacity: int, size: int) -> Iterator[tuple[int, bytes]]:
    """The ``_node`` rows of rtree_nodes' levels, 1,000 nodes encoded at a time."""
    depth = len(levels) - 1
    width = capacity * _RTREE_CELL.itemsize
    for j, (level_refs, level_boxes) in enumerate(levels):
        for first in range(0, counts[j], 1000):
            cut = slice(first * capacity, (first + 1000) * capacity)
            cells = np.empty(len(level_refs[cut]), dtype=_RTREE_CELL)
            cells["id"] = level_refs[cut] if j == 0 else level_refs[cut] + bases[j - 1]
            cells["box"] = level_boxes[cut]
            data = cells.tobytes()
            for k in range(first, min(counts[j], first + 1000)):
                part = data[(k - first) * width:(k - first + 1) * width]
                header = (depth if j == depth else 0).to_bytes(2, "big") + (
                    len(part) // _RTREE_CELL.itemsize).to_bytes(2, "big")
                yield bases[j] + k, (header + part).ljust(size, b"\0")


def _load_rtree(con: sqlite3.Connection, rtree: str, ids: npt.NDArray[Any], boxes: npt.NDArray[Any],
                step: int = 16384) -> None:
    """Write the entries ``ids`` with their float32 ``boxes`` into the empty R-tree ``rtree`` in bulk (see
    rtree_nodes); the index rows are made into Python ints ``step`` at a time."""
    size = con.execute(f"SELECT length(data) FROM {_quote(rtree + '_node')} WHERE nodeno = 1").fetchone()[0]
    nodes, leaves, parents = rtree_nodes(ids, boxes, size)
    del ids, boxes
    con.execute(f"DELETE FROM {_quote(rtree + '_node')}")
    con.executemany(f"INSERT INTO {_quote(rtree + '_node')} VALUES (?, ?)", nodes)
    # the _rowid rows in the order of their rowids (the entry ids): appended to its B-tree instead of inserted all
    # over it, the same rows at about half the cost (72,000 entries: 0.02 instead of 0.06 CPU s)
    if len(leaves):
        first, capacity = int(_leaf_pairs(leaves, size, 0, 1)[0, 1]), (size - 4) // _RTREE_CELL.itemsize
        by_id = np.argsort(leaves, kind="stable")   # positions in leaf order; entry k's leaf: first + k // capacity
        for start in range(0, len(leaves), step):
            at = by_id[start:start + step]
            _insert_flat(con, f"INSERT INTO {_quote(rtree + '_rowid')} VALUES ", 2,
                         np.column_stack([leaves[at], first + at // capacity]).ravel().tolist())
    for start in range(0, len(parents), step):
        _insert_flat(con, f"INSERT INTO {_quote(rtree + '_parent')} VALUES ", 2,
                     parents[start:start + step].ravel().tolist())


# R-tree entries held in memory before they go to a temporary file: 24 B each while held (int64 id, 4 float32), about
# 56 B each at the peak of the in-memory load (tracemalloc: 107 MiB at 2,000,000). Spilled, 2,000,000 entries cost
# about 4x the CPU of the in-memory load (SQLite's sort on disk; 103 vs 25 CPU s measured), so only beyond this.
RTREE_SPILL = 2_000_000


class RtreeEntries:
    """The entries (ids, float32 boxes) of an R-tree to bulk-load, gathered in any number of chunks: up to ``spill``
    in memory, beyond that in a temporary SQLite file in ``folder`` (removed by ``close``), so that memory stays
    bounded however many entries there are. ``load`` writes the same R-tree as ``_load_rtree`` of all entries at once
    (the same nodes, cells and rows): beyond ``spill`` the entries are sorted by SQLite (on disk) in the
    Sort-Tile-Recursive order of ``str_order``, one vertical slice at a time in memory, and only the levels above
    the leaves (a 51st of the entries) are built in memory.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> corners = np.array([[x, y] for x in range(60) for y in range(50)], dtype=float)   # 3,000 entries
        >>> bounds = np.column_stack([corners[:, 0], corners[:, 0] + 0.5, corners[:, 1], corners[:, 1] + 0.5])
        >>> def tree(spill):
        ...     con = sqlite3.connect(":memory:")
        ...     con.execute("CREATE VIRTUAL TABLE idx USING rtree(id, minx, maxx, miny, maxy)").close()
        ...     entries = RtreeEntries(folder, spill)
        ...     for start in range(0, 3000, 700):
        ...         entries.add(np.arange(start, min(start + 700, 3000)) + 1, rtree_boxes(bounds[start:start + 700]))
        ...     spilled = entries.spilled
        ...     entries.load(con, "idx")
        ...     entries.close()
        ...     tables = [con.execute(f"SELECT * FROM idx_{t} ORDER BY 1").fetchall() for t in ("node", "rowid",
        ...                                                                                      "parent")]
        ...     return spilled, tables, con.execute("SELECT rtreecheck('idx')").fetchone()
        >>> (low, in_memory, ok), (high, on_disk, ok2) = tree(10_000), tree(1_000)
        >>> low, high, in_memory == on_disk, ok, ok2, len(in_memory[0]), list(folder.iterdir())
        (False, True, True, ('ok',), ('ok',), 62, [])
    """

    def __init__(self, folder: PathLike, spill: int | None = None) -> None:
        self.folder = Path(folder)
        self.spill = RTREE_SPILL if spill is None else spill
        self.count = 0
        self._ids: list[npt.NDArray[Any]] = []
        self._boxes: list[npt.NDArray[Any]] = []
        self._file: Path | None = None
        self._con: sqlite3.Connection | None = None

    @property
    def spilled(self) -> bool:
        """Whether the entries are in the temporary file."""
        return self._con is not None

    def add(self, ids: npt.NDArray[Any], boxes: npt.NDArray[Any]) -> None:
        """Append entries: (N,) int ids and their (N, 4) float32 boxes (rtree_boxes)."""
        if not len(ids):
            return
        if self._con is None and self.count + len(ids) > self.spill:
            import tempfile

            handle, name = tempfile.mkstemp(prefix=".geotwin-rtree-", suffix=".sqlite", dir=self.folder)
            os.close(handle)
            self._file = Path(name)
            self._con = sqlite3.connect(name)
            self._con.execute("PRAGMA journal_mode = OFF")
            self._con.execute("PRAGMA synchronous = OFF")
            self._con.execute("CREATE TABLE entry (seq INTEGER PRIMARY KEY, id INTEGER, minx REAL, maxx REAL, "
                              "miny REAL, maxy REAL, cx REAL, cy REAL)")
            held, self._ids, self._boxes, self.count = list(zip(self._ids, self._boxes)), [], [], 0
            for chunk in held:
                self._write(*chunk)
        if self._con is None:
            self._ids.append(np.asarray(ids, dtype=np.int64))
            self._boxes.append(np.asarray(boxes, dtype=np.float32))
            self.count += len(ids)
        else:
            self._write(np.asarray(ids, dtype=np.int64), np.asarray(boxes, dtype=np.float32))

    def _write(self, ids: npt.NDArray[Any], boxes: npt.NDArray[Any]) -> None:
        assert self._con is not None, "the temporary file is open"
        cx, cy = boxes[:, 0] + boxes[:, 1], boxes[:, 2] + boxes[:, 3]   # float32, as str_order sums them
        seq = range(self.count, self.count + len(ids))   # the order of arrival: str_order's ties
        self._con.executemany("INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              zip(seq, ids.tolist(), *boxes.T.tolist(), cx.tolist(), cy.tolist()))
        self.count += len(ids)

    def load(self, con: sqlite3.Connection, rtree: str, step: int = 16384) -> None:
        """Write every entry into the empty R-tree ``rtree`` of ``con`` (as ``_load_rtree``)."""
        if self._con is None:
            if self.count:
                ids, boxes = np.concatenate(self._ids), np.concatenate(self._boxes)
                self._ids, self._boxes = [], []
                _load_rtree(con, rtree, ids, boxes, step)
            return
        self._con.commit()
        size = con.execute(f"SELECT length(data) FROM {_quote(rtree + '_node')} WHERE nodeno = 1").fetchone()[0]
        capacity = (size - 4) // _RTREE_CELL.itemsize
        lengths = [self.count]
        while lengths[-1] > capacity:
            lengths.append(-(-lengths[-1] // capacity))
        counts = [-(-n // capacity) for n in lengths]
        bases = [0] * len(lengths)
        bases[-1] = 1
        for j in range(len(lengths) - 2, -1, -1):
            bases[j] = bases[j + 1] + counts[j + 1]
        leaves = counts[0]
        per_slice = capacity * max(1, -(-leaves // max(1, int(np.ceil(np.sqrt(leaves))))))   # as str_order
        con.execute(f"DELETE FROM {_quote(rtree + '_node')}")
        uppers = self._leaves(con, rtree, size, capacity, per_slice, bases[0], step)
        nodes, order, parents = rtree_nodes(np.arange(len(uppers), dtype=np.int64) + bases[0], uppers, size)
        depth = len(lengths) - 1
        con.executemany(f"INSERT INTO {_quote(rtree + '_node')} VALUES (?, ?)",
                        ((n, depth.to_bytes(2, "big") + d[2:] if n == 1 else d) for n, d in nodes))
        for start in range(0, len(order), step):   # the leaves' parents
            _insert_rows(con, f"INSERT INTO {_quote(rtree + '_parent')} VALUES ", leaf_rows(order, size, start,
                                                                                               start + step))
        for start in range(0, len(parents), step):
            _insert_rows(con, f"INSERT INTO {_quote(rtree + '_parent')} VALUES ", parents[start:start + step].tolist())

    def _leaves(self, con: sqlite3.Connection, rtree: str, size: int, capacity: int, per_slice: int, first: int,
                step: int) -> npt.NDArray[Any]:
        """The leaf nodes and their ``_rowid`` rows, slice by slice of the entries sorted by centre x (each slice
        by centre y, stably); returns the leaves' boxes (the level above)."""
        assert self._con is not None, "the temporary file is open"
        cursor = self._con.execute("SELECT id, minx, maxx, miny, maxy, cy FROM entry ORDER BY cx, seq")
        uppers: list[npt.NDArray[Any]] = []
        done = 0
        while rows := cursor.fetchmany(per_slice):
            block = np.array(rows, dtype=np.float64).reshape(-1, 6)
            del rows
            order = np.argsort(block[:, 5].astype(np.float32), kind="stable")
            ids, boxes = block[order, 0].astype(np.int64), block[order, 1:5].astype(np.float32)
            node = first + done // capacity
            con.executemany(f"INSERT INTO {_quote(rtree + '_node')} VALUES (?, ?)",
                            _node_rows([(ids, boxes)], [node], [-(-len(ids) // capacity)], capacity, size))
            slots = (done + np.arange(len(ids))) // capacity + first
            for start in range(0, len(ids), step):
                _insert_rows(con, f"INSERT INTO {_quote(rtree + '_rowid')} VALUES ",
                             np.column_stack([ids[start:start + step], slots[start:start + step]]).tolist())
            starts = np.arange(0, len(ids), capacity)
            low, high = np.minimum.reduceat(boxes, starts), np.maximum.reduceat(boxes, starts)
            uppers.append(np.column_stack([low[:, 0], high[:, 1], low[:, 2], high[:, 3]]))
            done += len(ids)
        return np.concatenate(uppers)

    def groups(self, size: int) -> Iterator[tuple[npt.NDArray[Any], npt.NDArray[Any]]]:
        """Take the entries in the order they came, ``size`` at a time (ids, float32 boxes); none are left."""
        if self._con is None:
            ids = np.concatenate(self._ids) if self._ids else np.zeros(0, dtype=np.int64)
            boxes = np.concatenate(self._boxes) if self._boxes else np.zeros((0, 4), dtype=np.float32)
            self.close()
            for start in range(0, len(ids), size):
                yield ids[start:start + size], boxes[start:start + size]
            return
        self._con.commit()
        cursor = self._con.execute("SELECT id, minx, maxx, miny, maxy FROM entry ORDER BY seq")
        while rows := cursor.fetchmany(size):
            block = np.array(rows, dtype=np.float64).reshape(-1, 5)
            yield block[:, 0].astype(np.int64), block[:, 1:].astype(np.float32)
        self.close()

    def close(self) -> None:
        """Drop the entries (and the temporary file)."""
        self.count = 0
        self._ids, self._boxes = [], []
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._file is not None:
            self._file.unlink(missing_ok=True)
            self._file = None


class RtreeLeaves:
    """An R-tree written group by group as spatially compact groups of entries come in (a partition each): each
    group is packed into full leaf nodes in Sort-Tile-Recursive order (str_order within the group) and written at
    once (its ``_node`` and ``_rowid`` rows, leaves numbered 2, 3, … as they come); only the leaves' boxes are kept.
    ``finish`` builds the levels above the leaves (node 1 the root, the others numbered after the leaves), so
    memory holds one group and a box per leaf, and the end builds a 51st of the tree. The entries are those of a
    bulk load of all of them (every query gives the same rows); only the grouping into nodes differs.

    Example:
        >>> con = sqlite3.connect(":memory:")
        >>> corners = np.array([[x, y] for x in range(60) for y in range(50)], dtype=float)   # 3,000 entries
        >>> bounds = np.column_stack([corners[:, 0], corners[:, 0] + 0.5, corners[:, 1], corners[:, 1] + 0.5])
        >>> tree = RtreeLeaves("idx")
        >>> for start in range(0, 3000, 700):   # 5 groups: 14 + 14 + 14 + 14 + 4 leaves
        ...     tree.write(con, np.arange(start, min(start + 700, 3000)) + 1, rtree_boxes(bounds[start:start + 700]))
        >>> tree.leaves, tree.finish(con), con.execute("SELECT rtreecheck('idx')").fetchone()[0]
        (60, None, 'ok')
        >>> query = "SELECT id FROM idx WHERE maxx >= 10 AND minx <= 11 AND maxy >= 20 AND miny <= 20.2 ORDER BY id"
        >>> [row[0] for row in con.execute(query)], con.execute("SELECT count(*) FROM idx").fetchone()[0]
        ([521, 571], 3000)
        >>> con.close()
    """

    def __init__(self, rtree: str, fresh: bool = True) -> None:
        self.rtree = rtree
        self.fresh = fresh   # False: the R-tree exists with entries of its own (see adopt); its nodes are kept
        self.leaves = 0   # leaf nodes written (numbered after the nodes there were: 2 … leaves + 1 when fresh)
        self.size = 0     # a node's bytes (0: not known yet)
        self.entries = 0  # entries written
        self.after: int | None = None   # the highest id pack_pending packed
        self._boxes: list[npt.NDArray[Any]] = []
        self._nodes: list[npt.NDArray[Any]] = []

    def _table(self, suffix: str) -> str:
        return _quote(self.rtree + suffix)

    def _create(self, con: sqlite3.Connection) -> None:
        if not self.size:
            if self.fresh:
                con.execute(f"CREATE VIRTUAL TABLE {_quote(self.rtree)} USING rtree(id, minx, maxx, miny, maxy)")
            self.size = con.execute(f"SELECT length(data) FROM {self._table('_node')} LIMIT 1").fetchone()[0]

    def write(self, con: sqlite3.Connection, ids: npt.NDArray[Any], boxes: npt.NDArray[Any],
              step: int = 16384) -> None:
        """Pack one group of entries (``ids``, float32 ``boxes`` from rtree_boxes) into leaves and write them."""
        if not len(ids):
            return
        self._create(con)
        if self.fresh and not self.leaves:
            con.execute(f"DELETE FROM {self._table('_node')}")   # the root comes at finish
        capacity = (self.size - 4) // _RTREE_CELL.itemsize
        order = str_order(boxes, capacity)
        ids, boxes = np.asarray(ids, dtype=np.int64)[order], boxes[order]
        del order
        count = -(-len(ids) // capacity)
        first = max(2, (con.execute(f"SELECT max(nodeno) FROM {self._table('_node')}").fetchone()[0] or 0) + 1)
        con.executemany(f"INSERT INTO {self._table('_node')} VALUES (?, ?)",
                        _node_rows([(ids, boxes)], [first], [count], capacity, self.size))
        by_id = np.argsort(ids, kind="stable")   # the _rowid rows appended in rowid order (see _load_rtree)
        for start in range(0, len(ids), step):
            at = by_id[start:start + step]
            _insert_flat(con, f"INSERT INTO {self._table('_rowid')} VALUES ", 2,
                         np.column_stack([ids[at], first + at // capacity]).ravel().tolist())
        starts = np.arange(0, len(ids), capacity)
        low, high = np.minimum.reduceat(boxes, starts), np.maximum.reduceat(boxes, starts)
        self._boxes.append(np.column_stack([low[:, 0], high[:, 1], low[:, 2], high[:, 3]]))
        self._nodes.append(np.arange(first, first + count, dtype=np.int64))
        self.leaves += count
        self.entries += len(ids)

    def adopt(self, con: sqlite3.Connection, folder: PathLike, step: int = 16384) -> None:
        """An R-tree that had entries of its own (not fresh): its nodes other than the leaves written here are
        dropped and its entries (reachable from its root) packed into leaves like a group, before ``finish``.
        Meanwhile (before adopt) others may insert into it: the leaves written here hang under no node."""
        if self.fresh:
            return
        self._create(con)
        entries = RtreeEntries(folder)   # (beyond RTREE_SPILL in a temporary file in ``folder``)
        try:
            _read_entries(con.execute(f"SELECT id, minx, maxx, miny, maxy FROM {_quote(self.rtree)}"), entries, step)
            con.execute("CREATE TEMP TABLE geotwin_kept (nodeno INTEGER PRIMARY KEY)")
            nodes = np.concatenate(self._nodes).tolist() if self._nodes else []
            con.executemany("INSERT INTO temp.geotwin_kept VALUES (?)", ((n,) for n in nodes))
            for suffix, column in (("_rowid", "nodeno"), ("_node", "nodeno")):
                con.execute(f"DELETE FROM {self._table(suffix)} WHERE {column} NOT IN temp.geotwin_kept")
            con.execute(f"DELETE FROM {self._table('_parent')}")
            con.execute("DROP TABLE temp.geotwin_kept")
            self.fresh = True   # from here on as a fresh tree's leaves (node 1 is gone)
            for ids, boxes in entries.groups(DirectLayers.PACK_ENTRIES):
                self.write(con, ids, boxes, step)
        finally:
            entries.close()

    def finish(self, con: sqlite3.Connection, step: int = 16384) -> None:
        """Write the levels above the leaves (an empty R-tree when no entry came): the R-tree is complete."""
        self._create(con)
        if self.leaves == 1:   # one leaf: it is the root
            con.execute(f"UPDATE {self._table('_node')} SET nodeno = 1 WHERE nodeno = ?", (int(self._nodes[0][0]),))
            con.execute(f"UPDATE {self._table('_rowid')} SET nodeno = 1")
        elif self.leaves:
            boxes, self._boxes = np.concatenate(self._boxes), []
            shift = con.execute(f"SELECT max(nodeno) FROM {self._table('_node')}").fetchone()[0] - 1
            nodes, order, parents = rtree_nodes(np.concatenate(self._nodes), boxes, self.size, shift=shift)
            # the root's depth counts the leaves' level too (rtree_nodes' leaves are the nodes above them)
            con.executemany(f"INSERT INTO {self._table('_node')} VALUES (?, ?)",
                            ((n, (int.from_bytes(d[:2], "big") + 1).to_bytes(2, "big") + d[2:] if n == 1 else d)
                             for n, d in nodes))
            pairs = np.concatenate([_leaf_pairs(order, self.size, 0, len(order), shift), parents])
            for start in range(0, len(pairs), step):
                _insert_flat(con, f"INSERT INTO {self._table('_parent')} VALUES ", 2,
                             pairs[start:start + step].ravel().tolist())
        elif not con.execute(f"SELECT 1 FROM {self._table('_node')} WHERE nodeno = 1").fetchone():
            con.execute(f"INSERT INTO {self._table('_node')} VALUES (1, zeroblob(?))", (self.size,))
        self.leaves, self._boxes, self._nodes = 0, [], []

INSERT_ROWS = 100   # rows per INSERT statement (fewer statements: each also reads and writes the AUTOINCREMENT
# counter); 100 is as fast as 500 on the 10k district (0.83 CPU s, 0.94 with one row each) and its prepared statements
# stay small (peak RSS 110 MB against 120 MB with 500)


def _insert_rows(con: sqlite3.Connection, insert: str, rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (each a sequence of the columns' values) in their order (see _insert_flat)."""
    if rows and rows[0]:
        _insert_flat(con, insert, len(rows[0]), list(chain.from_iterable(rows)))


def _insert_flat(con: sqlite3.Connection, insert: str, width: int, values: list[Any]) -> None:
    """Insert the rows of ``width`` columns given one after another in ``values``, in their order, by multi-row
    ``INSERT … VALUES (…), (…)`` statements: the same rows, fids and file as one statement per row, at about half
    the cost. ``insert`` is the statement up to ``VALUES ``."""
    if not width or not values:
        return
    count = len(values) // width
    marks = "(" + ", ".join("?" * width) + ")"
    limit = getattr(con, "getlimit", None)   # Python 3.11; SQLite's default limit before 3.32 otherwise
    variables = limit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if limit is not None else 999
    step = max(1, min(INSERT_ROWS, variables // width))
    full, size = count - count % step, step * width
    if full:
        con.executemany(insert + ",".join([marks] * step), (values[i:i + size] for i in range(0, full * width, size)))
    if full < count:
        con.execute(insert + ",".join([marks] * (count - full)), values[full * width:])


def _interleave(columns: list[list[Any]], count: int) -> list[Any]:
    """The rows of ``columns`` one after another, their values in column order: what
    ``list(chain.from_iterable(zip(*columns)))`` gives, written by one strided slice assignment per column instead
    of a tuple per row when every column is ``count`` long."""
    width = len(columns)
    if any(len(column) != count for column in columns):
        return list(chain.from_iterable(zip(*columns)))
    values: list[Any] = [None] * (width * count)
    for k, column in enumerate(columns):
        values[k::width] = column
    return values


class DirectLayers:
    """Rows into layers that GDAL created (empty, without spatial index) by sqlite3 executemany, one transaction a
    batch; at ``finish`` each geometry layer gets its R-tree in bulk (STR-ordered inserts instead of a trigger per
    row), GDAL's R-tree triggers and extension row, its feature count and its extent in gpkg_contents."""

    RTREE_CHUNK = 16384   # index rows inserted at a time
    # packed layers (see copy_from): appended entries held before they are packed into leaves (12 MB)
    PACK_ENTRIES = 500_000
    # rows appended between commits: each commit writes the journal and the pages changed since the last; with the
    # journal in memory the transaction's size costs no memory (a fresh file: its new pages need no journal), and
    # 50,000 instead of 5,000 took the writing of the 10k district from 0.31-0.37 to 0.29-0.33 CPU s (replayed alone)
    COMMIT_ROWS = 50000

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con: sqlite3.Connection | None = None
        self._layers: dict[str, dict[str, Any]] = {}

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            self._con = sqlite3.connect(self.path)
            # a temporary file that atomic_path moves into place when complete: no syncs, and the rollback journal
            # (still needed for ROLLBACK, see create_layer) in memory instead of a file written at every commit
            self._con.execute("PRAGMA synchronous = OFF")
            self._con.execute("PRAGMA journal_mode = MEMORY")
        return self._con

    def srs(self, spec: LayerSpec) -> int:
        """The srs_id of a layer GDAL has created (0 without geometry)."""
        return int(self._layer(spec)["srs"])

    def commit(self) -> None:
        """Commit the rows appended so far."""
        if self._con is not None:
            self._con.commit()
            for layer in self._layers.values():
                layer["pending"] = 0

    def create(self, spec: LayerSpec, crs: str | None) -> bool:
        """Create the empty layer by sqlite3 as GDAL creates it (see gpkg_schema.create_layer); False when that is
        GDAL's to do.

        Raises:
            OSError: the file is not a GeoPackage, or has a layer of that name already.
        """
        try:
            if create_layer(self._connection(), spec, crs):
                return True
            if self._con is not None and self.path.stat().st_size == 0:   # the empty file sqlite3 made: GDAL's
                self._con.close()                                        # to create, as it does a new file
                self._con = None
                self.path.unlink()
            return False
        except sqlite3.OperationalError as err:
            if "already exists" in str(err):
                raise OSError(f"{self.path}: layer {spec.name!r} already exists") from err
            raise OSError(f"{self.path}: {err}") from err
        except sqlite3.DatabaseError as err:
            raise OSError(f"cannot open {self.path} as a GeoPackage for writing: {err}") from err

    def register(self, spec: LayerSpec) -> None:
        """A layer GDAL has just created: it gets its index, triggers and statistics at ``finish``."""
        self._layer(spec)

    def _layer(self, spec: LayerSpec) -> dict[str, Any]:
        layer = self._layers.get(spec.name)
        if layer is None:
            con = self._connection()
            geom = con.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                               (spec.name,)).fetchone()
            fid = next(r[1] for r in con.execute(f"PRAGMA table_info({_quote(spec.name)})") if r[5])
            # GDAL's feature count triggers: a row each would cost an UPDATE; restored at finish, count set once
            triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND "
                                   "name LIKE 'trigger_%_feature_count_%'", (spec.name,)).fetchall()
            for name, _ in triggers:
                con.execute(f"DROP TRIGGER {_quote(name)}")
            con.commit()
            columns = ([geom[0]] if geom else []) + list(spec.fields)
            layer = {"geom": geom[0] if geom else None, "srs": geom[1] if geom else 0, "fid": fid, "rows": 0,
                     "table": spec.name, "index": RtreeEntries(self.path.parent), "pending": 0, "packed": False,
                     "leaves": RtreeLeaves(f"rtree_{spec.name}_{geom[0]}") if geom else None,
                     "triggers": [sql for _, sql in triggers], "extent": [np.inf, np.inf, -np.inf, -np.inf],
                     "insert": f"INSERT INTO {_quote(spec.name)} ({', '.join(map(_quote, columns))}) VALUES "}
            self._layers[spec.name] = layer
        return layer

    def insert(self, spec: LayerSpec, rows: list[Row], geometries: list[Any]) -> None:
        """Append ``rows`` (dicts of spec.fields) and their geometries (shapely, WKB or None) to the layer."""
        layer = self._layer(spec)
        columns = [column_values(kind, [r.get(name) for r in rows]) for name, kind in spec.fields.items()]
        blobs, bounds = geometry_blobs(geometries, layer["srs"]) if layer["geom"] is not None else ([], None)
        self._append(layer, columns, blobs, bounds)

    def insert_columns(self, spec: LayerSpec, columns: dict[str, list[Any]], blobs: list[bytes | None],
                       bounds: npt.NDArray[Any] | None) -> None:
        """Append rows given as columns (a list per field of spec.fields, all of one length) with their geometry as
        GeoPackage blobs (see ragged_polygon_blobs) and the blobs' (N, >= 4) envelopes (NaN rows for None)."""
        layer = self._layer(spec)
        values = [column_values(kind, columns[name]) for name, kind in spec.fields.items()]
        self._append(layer, values, blobs if layer["geom"] is not None else [], bounds)

    def _append(self, layer: dict[str, Any], columns: list[list[Any]], blobs: list[bytes | None],
                bounds: npt.NDArray[Any] | None) -> None:
        con = self._connection()
        if layer["geom"] is not None and bounds is not None:
            present = ~np.isnan(bounds[:, 0])
            if present.any():
                e, b = layer["extent"], bounds[present]
                e[0], e[1] = min(e[0], float(b[:, 0].min())), min(e[1], float(b[:, 2].min()))
                e[2], e[3] = max(e[2], float(b[:, 1].max())), max(e[3], float(b[:, 3].max()))
            columns.insert(0, blobs)
        count = len(columns[0]) if columns else 0
        _insert_flat(con, layer["insert"], len(columns), _interleave(columns, count))
        layer["rows"] += count
        if layer["geom"] is not None and bounds is not None and count:
            # the rows just appended are the table's last ``count`` fids (a fresh table, appends only)
            last = con.execute(f"SELECT max({_quote(layer['fid'])}) FROM {_quote(layer['table'])}").fetchone()[0]
            fids = np.arange(last - count + 1, last + 1, dtype=np.int64)
            layer["index"].add(fids[present], rtree_boxes(bounds[present, :4]))
            if layer["packed"] and layer["index"].count >= self.PACK_ENTRIES:
                self._pack(layer)
        layer["pending"] += count
        if layer["pending"] >= self.COMMIT_ROWS:
            con.commit()
            layer["pending"] = 0

    def copy_from(self, spec: LayerSpec, source: Path) -> int | None:
        """Append the rows of layer ``spec`` of GeoPackage ``source`` (in fid order, new fids following the table's
        last) by ``INSERT … SELECT`` over an attached database: the same blobs and values, the index entries taken
        from the source's R-tree, the extent from its gpkg_contents. None (nothing copied) when the source's layer
        lacks a column, has a gap in its fids, or has geometries without an R-tree. Returns the rows copied.

        The layer's R-tree is then packed (see ``pack``): the rows appended before and the copied rows are each
        packed into leaves of their own."""
        layer = self._layer(spec)
        con = self._connection()
        self._pack(layer, True)
        con.commit()   # ATTACH cannot run inside a transaction
        con.execute("ATTACH DATABASE ? AS part", (str(source),))
        try:
            plan = self._copy_plan(con, spec, layer)
            if plan is None:
                return None
            fid, low, count, index = plan
            if not count:
                return 0
            names = ", ".join(map(_quote, ([layer["geom"]] if layer["geom"] else []) + list(spec.fields)))
            con.execute(f"INSERT INTO main.{_quote(spec.name)} ({names}) SELECT {names} FROM part.{_quote(spec.name)} "
                        f"ORDER BY {_quote(fid)}")
            last = con.execute(f"SELECT max({_quote(layer['fid'])}) FROM main.{_quote(spec.name)}").fetchone()[0]
            if index is not None:   # source fid low + k became last - count + 1 + k
                ids, boxes, extent = index
                layer["leaves"].write(con, ids - low + last - count + 1, boxes, self.RTREE_CHUNK)
                if extent is not None:   # as the source holds it (rounded once, see _extent)
                    e = layer.get("copied") or extent
                    layer["copied"] = [min(e[0], extent[0]), min(e[1], extent[1]), max(e[2], extent[2]),
                                       max(e[3], extent[3])]
            layer["rows"] += count
            con.commit()
            return int(count)
        finally:
            con.execute("DETACH DATABASE part")

    @staticmethod
    def _copy_plan(con: sqlite3.Connection, spec: LayerSpec,
                   layer: dict[str, Any]) -> tuple[str, int, int, tuple[Any, Any, list[float] | None] | None] | None:
        """What copy_from needs of the attached source: its fid column, lowest fid, row count and (geometry layers)
        the R-tree's ids and boxes and the extent; None when it cannot copy the layer whole."""
        table = _quote(spec.name)
        info = con.execute(f"PRAGMA part.table_info({table})").fetchall()
        fid = next((r[1] for r in info if r[5]), None)
        if fid is None or not set(spec.fields) | ({layer["geom"]} if layer["geom"] else set()) <= {r[1] for r in info}:
            return None
        low, high, count = con.execute(f"SELECT min({_quote(fid)}), max({_quote(fid)}), count(*) FROM part.{table}"
                                       ).fetchone()
        if not count:
            return fid, 0, 0, None
        if high - low + 1 != count:
            return None
        if not layer["geom"]:
            return fid, low, count, None
        rtree = f"rtree_{spec.name}_{layer['geom']}"
        if not con.execute("SELECT 1 FROM part.sqlite_master WHERE type = 'table' AND name = ?", (rtree,)).fetchone():
            return None
        rows = con.execute(f"SELECT id, minx, maxx, miny, maxy FROM part.{_quote(rtree)} ORDER BY id").fetchall()
        extent = con.execute("SELECT min_x, min_y, max_x, max_y FROM part.gpkg_contents WHERE lower(table_name) = "
                             "lower(?)", (spec.name,)).fetchone()
        if rows and (extent is None or None in extent):
            return None
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        boxes = np.array([r[1:] for r in rows], dtype=np.float64).reshape(-1, 4).astype(np.float32)
        return fid, low, count, (ids, boxes, list(extent) if rows else None)

    def pack(self) -> None:
        """Pack the index entries of the rows appended so far into R-tree leaves of their own, a group per geometry
        layer (see RtreeLeaves): a merge calls it after each spatially compact partition, so that it holds no more
        than one partition's entries. A layer packed once (or copied into, see copy_from) keeps being packed so:
        its R-tree is its groups' leaves under levels built at ``finish``. Never packed, a layer's R-tree is one
        bulk load of all its entries at ``finish`` (the single-process import)."""
        for layer in self._layers.values():
            self._pack(layer, True)

    def _pack(self, layer: dict[str, Any], start: bool = False) -> None:
        if layer["leaves"] is None or not (start or layer["packed"]):
            return
        layer["packed"] = True
        for ids, boxes in layer["index"].groups(self.PACK_ENTRIES):
            layer["leaves"].write(self._connection(), ids, boxes, self.RTREE_CHUNK)

    def finish(self) -> None:
        """Spatial indexes, triggers, feature counts and extents of every layer written; closes the file."""
        if self._con is None:
            return
        con = self._con
        for table, layer in self._layers.items():
            if layer["geom"] is not None:
                self._rtree(con, table, layer["geom"], layer["fid"])
                extent = self._extent(con, layer)
                if extent is not None:
                    con.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = "
                                "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE lower(table_name) = lower(?)",
                                (*extent, table))
            if layer["rows"]:
                count = con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]
                con.execute("UPDATE gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = lower(?)",
                            (count, table))
            for sql in layer["triggers"]:
                con.execute(sql)
        con.commit()
        self.abort()

    @staticmethod
    def _extent(con: sqlite3.Connection, layer: dict[str, Any]) -> list[float] | None:
        """The layer's extent as gpkg_contents holds it: GDAL writes it as SQL text printed by SQLite's %.18g, which
        does not give back the same doubles, so the rows' extent is rounded so once; the extents copied from other
        GeoPackages (``copied``) were rounded so there (rounding keeps the order: the min of rounded is the rounded
        min)."""
        extent = layer.get("copied")
        if np.isfinite(layer["extent"][0]):
            rounded = con.execute("SELECT " + ", ".join(["CAST(printf('%.18g', ?) AS REAL)"] * 4),
                                  layer["extent"]).fetchone()
            extent = rounded if extent is None else [min(extent[0], rounded[0]), min(extent[1], rounded[1]),
                                                     max(extent[2], rounded[2]), max(extent[3], rounded[3])]
        return None if extent is None else list(extent)

    def _rtree(self, con: sqlite3.Connection, table: str, column: str, fid: str) -> None:
        """The layer's R-tree (GDAL's names, columns, triggers and extension row), bulk-loaded (see rtree_nodes)."""
        rtree = f"rtree_{table}_{column}"
        layer = self._layers[table]
        entries = layer["index"]   # (fids, float32 boxes) of every non-null geometry, as appended
        if layer["packed"]:   # the rest packed, then the levels above the leaves
            self._pack(layer)
            layer["leaves"].finish(con, self.RTREE_CHUNK)
        else:
            con.execute(f"CREATE VIRTUAL TABLE {_quote(rtree)} USING rtree(id, minx, maxx, miny, maxy)")
            entries.load(con, rtree, self.RTREE_CHUNK)   # bounded memory: beyond RTREE_SPILL sorted on disk
        entries.close()
        names = {"r": _sql_name(rtree), "t": _sql_name(table), "c": _sql_name(column), "f": _sql_name(fid)}
        for trigger in _RTREE_TRIGGERS:
            con.execute(trigger.format(**names))
        con.execute(_EXTENSIONS_TABLE)
        con.execute("INSERT OR REPLACE INTO gpkg_extensions VALUES (?, ?, ?, ?, ?)", (table, column, *_RTREE_EXTENSION))

    def abort(self) -> None:
        """Close the connection (any uncommitted batch is dropped) and drop the gathered index entries."""
        for layer in self._layers.values():
            layer["index"].close()
        if self._con is not None:
            self._con.close()
            self._con = None


@contextlib.contextmanager
def gpkg_output(target: PathLike, crs: str | None, batch_size: int = 5000,
                kind: str | None = None, direct: bool = False) -> Iterator[GpkgWriter]:
    """Write a GeoPackage output atomically: a GpkgWriter on a temporary file that replaces ``target`` only when
    the block succeeds.

    An existing ``target`` is replaced only when GeoTwin wrote it as the same kind of output (``kind``, else told
    by the layers written), when it is empty, or when an older GeoTwin wrote it (no marker, and no layer this run
    does not write). A foreign or unreadable file or a twin is refused before any work, another kind of GeoTwin
    output once the run knows its own kind; a refused ``target`` is never touched. The output gets the marker.
    ``direct``: rows written by sqlite3 and spatial indexes built in bulk at the end (see ``DirectLayers``; the
    same rows, geometry blobs and index entries as GDAL writes).

    Args:
        target: the GeoPackage.
        crs: the CRS of its geometry columns.
        batch_size: rows buffered per layer before they are written.
        kind: the kind of output (see ``ownership.kind_of_layers``).
        direct: write with sqlite3 and bulk-load the R-tree (the city model import).

    Yields:
        The GpkgWriter: ``add``, ``add_many``, ``ensure_layer``, ``counts``.

    Raises:
        GeoTwinError: ``target`` may not be replaced (the reason names it and its tables).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> gpkg_marker(path)["kind"], count_by(path, "trees", "species")
        ('trees', {'Ahorn': 1, 'Linde': 2})
        >>> with gpkg_output(path, "EPSG:25832", kind="shrubs") as out:
        ...     out.add(TREES, {"tree_id": "S1"}, None)
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: ...: the output holds GeoTwin's trees output, and this run writes...
        >>> tmp.cleanup()
    """
    state = check_gpkg(target, kind, lambda _, tables: set(tables) <= geotwin_layer_names())
    if state == OURS and kind is None and (gpkg_marker(target) or {}).get("kind") == "twin":
        raise GeoTwinError("the output is a GeoTwin twin GeoPackage, which only Build digital twin updates: choose "
                           "another file name", path=str(target))
    with atomic_path(target) as tmp:
        writer = GpkgWriter(tmp, crs, batch_size, direct=direct)
        try:
            yield writer
            writer.close()
        except BaseException:
            writer.abort()
            raise
        written = kind or kind_of_layers(writer.layers)
        existing = (gpkg_marker(target) or {}).get("kind") if state == OURS else None
        if state == OURS and existing != written:
            raise GeoTwinError(f"the output holds GeoTwin's {existing} output, and this run "
                               f"writes {written} output: choose another file name (or delete it first)",
                               path=str(target))
        if state == LEGACY:
            extra = sorted(set(gpkg_tables(target)) - set(writer.layers))
            if extra:
                raise GeoTwinError(f"the output exists and holds layers this run does not write: {listing(extra)}; "
                                   "choose another file name (or delete it first)", path=str(target))
        if tmp.exists():
            mark_gpkg(tmp, written)


def ogr_geometry_type(spec: LayerSpec) -> str | None:
    """Name a spec's geometry type as GDAL does.

    Args:
        spec: the layer spec.

    Returns:
        ``MultiPolygon Z`` for ``MultiPolygonZ``; None for a table without geometry.

    Example:
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> ogr_geometry_type(LayerSpec("b", "MultiPolygonZ")), ogr_geometry_type(LayerSpec("t", None))
        ('MultiPolygon Z', None)
    """
    gt = spec.geometry_type
    if gt is None:
        return None
    return gt[:-1] + " Z" if gt.endswith("Z") else gt


def write_frame(path: PathLike, spec: LayerSpec, frame: gpd.GeoDataFrame, append: bool, chunk: int = 5000,
                check: Callable[[], None] | None = None, spatial_index: bool = True) -> None:
    """Write a (Geo)DataFrame whose columns are the spec's as a layer: (re)create it, or append to it (nothing for
    an empty frame), ``chunk`` rows at a time, calling ``check`` (e.g. a cancel check) before each chunk.

    Args:
        path: the GeoPackage.
        spec: the layer.
        frame: the rows.
        append: append instead of replacing the layer.
        chunk: rows per write.
        check: called before each chunk.
        spatial_index: give a new layer an R-tree (False: a scratch copy read whole).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> import geopandas as gpd
        >>> more = gpd.GeoDataFrame({"tree_id": ["T4"], "species": ["Eiche"], "height": [21.0]},
        ...                         geometry=[Point(456520, 5429500)], crs="EPSG:25832")
        >>> write_frame(path, TREES, more, append=True)
        >>> count_by(path, "trees", "species")
        {'Ahorn': 1, 'Eiche': 1, 'Linde': 2}
        >>> tmp.cleanup()
    """
    import pyogrio

    if append and frame.empty:
        return
    kwargs: dict[str, Any] = {"layer": spec.name, "driver": "GPKG", "append": append}
    if not spatial_index and not append:
        kwargs["layer_options"] = {"SPATIAL_INDEX": "NO"}
    if spec.geometry_type is not None:
        kwargs["geometry_type"] = ogr_geometry_type(spec)
    for start in range(0, max(1, len(frame)), chunk):
        if check is not None:
            check()
        pyogrio.write_dataframe(frame.iloc[start:start + chunk], path, **kwargs)
        kwargs["append"] = True


def delete_rows(path: PathLike, layer: str, column: str, values: Sequence[str], chunk: int = 500) -> int:
    """Delete the rows of a layer whose column holds one of the values.

    Args:
        path: the GeoPackage.
        layer: the table.
        column: the column.
        values: the values (deleted ``chunk`` at a time).
        chunk: values per statement.

    Returns:
        The number of rows deleted.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
        >>> tmp = tempfile.TemporaryDirectory()
        >>> path = Path(tmp.name) / "trees.gpkg"
        >>> with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        ...     out.add(TREES, {"tree_id": "T1", "species": "Linde", "height": 18.5}, Point(456500, 5429500))
        ...     out.add(TREES, {"tree_id": "T2", "species": "Ahorn", "height": None}, Point(456510, 5429500))
        ...     out.add(TREES, {"tree_id": "T3", "species": "Linde", "height": 9.0}, None)
        >>> delete_rows(path, "trees", "species", ["Linde"]), count_by(path, "trees", "species")
        (2, {'Ahorn': 1})
        >>> tmp.cleanup()
    """
    values = list(values)
    if not values:
        return 0
    deleted = 0
    with contextlib.closing(sqlite3.connect(path)) as con:
        for i in range(0, len(values), chunk):
            part = values[i:i + chunk]
            marks = ",".join("?" * len(part))
            cur = con.execute(f"DELETE FROM {_quote(layer)} WHERE {_quote(column)} IN ({marks})", part)
            deleted += cur.rowcount
        con.commit()
    return deleted


def append_rows(target: PathLike, source: PathLike, spec: LayerSpec, where: tuple[str, Any] | None = None,
                values: dict[str, Any] | None = None, index: bool = True, durable: bool = True,
                table: str | None = None) -> int | None:
    """Append the rows of layer ``spec`` of GeoPackage ``source`` to the same layer of ``target`` (both written by
    GDAL, the layer existing in both) inside SQLite, as GDAL's append of the same rows writes them: in fid order,
    new fids after the target's last, the same values and geometry blobs, the R-tree entries copied from the
    source's index, the feature count and the extent (the wider of both) updated.

    Args:
        target: the GeoPackage appended to (no other connection may write it meanwhile).
        source: the GeoPackage read.
        spec: the layer (its fields, and its geometry column, are copied).
        where: only the source rows whose column (first) equals the value (second).
        values: columns written as these constants instead of the source's values.
        index: False: the copied R-tree entries wait in a side table until ``bulk_index`` builds the layer's R-tree
            in one pass (many appends: each R-tree insert costs more the larger the tree); the file is no valid
            GeoPackage until then.
        durable: False: SQLite does not wait for the disk at the commit (``PRAGMA synchronous = OFF``), for a
            temporary file that is moved into place when complete (as ``gpkg_output(direct=True)`` writes).
        table: the source's table, when it is not named as the layer: for a layer without geometries, ``source``
            may be a plain SQLite file (see stage_rows).

    Returns:
        The rows appended; None (nothing written) when the source lacks a column or the layer has geometries
        without a spatial index or a gap in its fids: then append them the usual way.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> import geopandas as gpd
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "height": "float"})
        >>> tmp = Path(tempfile.mkdtemp())
        >>> def trees(ids, x):
        ...     return gpd.GeoDataFrame({"tree_id": ids, "height": [9.0] * len(ids)},
        ...                             geometry=[Point(x + i, 5429500) for i in range(len(ids))], crs="EPSG:25832")
        >>> write_frame(tmp / "a.gpkg", TREES, trees(["A1"], 456500), append=False)
        >>> write_frame(tmp / "b.gpkg", TREES, trees(["B1", "B2"], 456600), append=False)
        >>> append_rows(tmp / "a.gpkg", tmp / "b.gpkg", TREES, values={"height": 2.5})
        2
        >>> read_frame(tmp / "a.gpkg", "trees")[["tree_id", "height"]].values.tolist()
        [['A1', 9.0], ['B1', 2.5], ['B2', 2.5]]
        >>> [float(v) for v in layer_info(tmp / "a.gpkg", "trees")["total_bounds"]]
        [456500.0, 5429500.0, 456601.0, 5429500.0]
        >>> len(read_frame(tmp / "a.gpkg", "trees", bbox=(456599, 5429499, 456602, 5429501)))   # the R-tree
        2
    """
    con = sqlite3.connect(Path(target))
    try:
        if not durable:
            con.execute("PRAGMA synchronous = OFF")   # no fsync per append
        con.execute("ATTACH DATABASE ? AS part", (str(Path(source)),))
        count = _append_layer(con, spec, table or spec.name, where, values or {}, index)
        con.commit()
        return count
    finally:
        con.close()


def append_layers(target: PathLike, source: PathLike, specs: Sequence[LayerSpec], index: bool = True,
                  durable: bool = True) -> list[int | None]:
    """Append the rows of several layers of GeoPackage ``source`` to the same layers of ``target``, each as
    ``append_rows`` appends it, in one connection, with the source attached once and one commit.

    Args:
        target: the GeoPackage appended to (no other connection may write it meanwhile).
        source: the GeoPackage read.
        specs: the layers, appended in this order.
        index: as append_rows's.
        durable: as append_rows's.

    Returns:
        Per layer, the rows appended; None for a layer append_rows could not copy (that layer untouched).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> import geopandas as gpd
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str"})
        >>> NAMES = LayerSpec("names", None, {"tree_id": "str"})
        >>> tmp = Path(tempfile.mkdtemp())
        >>> for name, x in (("a.gpkg", 0), ("b.gpkg", 100)):
        ...     write_frame(tmp / name, TREES, gpd.GeoDataFrame({"tree_id": ["T1", "T2"]}, geometry=[
        ...         Point(x, 5429500), Point(x + 1, 5429500)], crs="EPSG:25832"), append=False)
        >>> write_frame(tmp / "a.gpkg", NAMES, gpd.GeoDataFrame({"tree_id": ["T1"]}), append=False)
        >>> append_layers(tmp / "a.gpkg", tmp / "b.gpkg", [TREES, NAMES])   # b.gpkg has no names
        [2, None]
        >>> read_frame(tmp / "a.gpkg", "trees")["tree_id"].tolist(), len(read_frame(tmp / "a.gpkg", "names"))
        (['T1', 'T2', 'T1', 'T2'], 1)
    """
    con = sqlite3.connect(Path(target))
    try:
        if not durable:
            con.execute("PRAGMA synchronous = OFF")
        con.execute("ATTACH DATABASE ? AS part", (str(Path(source)),))
        counts = [_append_layer(con, spec, spec.name, None, {}, index) for spec in specs]
        con.commit()
        return counts
    finally:
        con.close()


def _append_layer(con: sqlite3.Connection, spec: LayerSpec, table: str, where: tuple[str, Any] | None,
                  values: dict[str, Any], index: bool) -> int | None:
    """append_rows of one layer from the source attached as ``part`` (its table ``table``), not committed."""
    plan = _append_plan(con, spec, table)
    if plan is None:
        return None
    if not index and plan["geom"]:
        plan["rtree_into"] = _pending(plan["rtree"])
        con.execute(f"CREATE TABLE IF NOT EXISTS main.{_quote(plan['rtree_into'])} (id INTEGER PRIMARY KEY, "
                    "minx REAL, maxx REAL, miny REAL, maxy REAL)")
    return _append_copy(con, spec, plan, where, values)


def fid_column(con: sqlite3.Connection, db: str, table: str, fields: Iterable[str]) -> str | None:
    """The feature id column (the integer primary key) of the table ``table`` of the database ``db`` (``main`` or an
    attached one) when the table has every one of ``fields``; None when it has no such key or lacks a field.

    Args:
        con: the connection.
        db: the database's name on ``con``.
        table: the table.
        fields: the columns it must have.

    Returns:
        The column's name, or None.

    Example:
        >>> con = sqlite3.connect(":memory:")
        >>> _ = con.execute("CREATE TABLE links (fid INTEGER PRIMARY KEY, from_id TEXT, to_id TEXT)")
        >>> fid_column(con, "main", "links", ["from_id", "to_id"]), fid_column(con, "main", "links", ["relation"])
        ('fid', None)
    """
    info = con.execute(f"PRAGMA {db}.table_info({_quote(table)})").fetchall()
    fid = next((r[1] for r in info if r[5]), None)
    return fid if fid is not None and set(fields) <= {r[1] for r in info} else None


def copy_rows(con: sqlite3.Connection, table: str, source: str, names: Sequence[str], fid: str,
              where: tuple[str, Any] | None = None, values: dict[str, Any] | None = None) -> int:
    """Copy the rows of ``part.source`` (the database attached as ``part``) into ``main.table``, columns ``names``,
    in the order of the source's feature ids ``fid``: one ``INSERT ... SELECT ... ORDER BY fid``, so the copies get
    the target's next feature ids in that order.

    Args:
        con: the connection, with the source attached as ``part``.
        table: the target table.
        source: the source table.
        names: the columns copied (the target's and the source's names alike).
        fid: the source's feature id column (``fid_column``).
        where: (column, value): only the source's rows with that value.
        values: constants by column, written instead of the source's values.

    Returns:
        How many rows were copied.

    Example:
        >>> con = sqlite3.connect(":memory:")
        >>> _ = con.execute("ATTACH DATABASE ':memory:' AS part")
        >>> _ = con.execute("CREATE TABLE part.t (fid INTEGER PRIMARY KEY, name TEXT, layer TEXT)")
        >>> _ = con.executemany("INSERT INTO part.t VALUES (?, ?, ?)", [(2, "b", "x"), (1, "a", "x"), (3, "c", "y")])
        >>> _ = con.execute("CREATE TABLE t (fid INTEGER PRIMARY KEY, name TEXT, layer TEXT)")
        >>> copy_rows(con, "t", "t", ["name", "layer"], "fid", where=("layer", "x"), values={"name": "z"})
        2
        >>> copy_rows(con, "t", "t", ["name", "layer"], "fid", where=("layer", "y"))
        1
        >>> con.execute("SELECT * FROM t").fetchall()
        [(1, 'z', 'x'), (2, 'z', 'x'), (3, 'c', 'y')]
    """
    values = values or {}
    picked = ", ".join("?" if n in values else _quote(n) for n in names)
    condition = f" WHERE {_quote(where[0])} = ?" if where else ""
    params = [values[n] for n in names if n in values] + ([where[1]] if where else [])
    con.execute(f"INSERT INTO main.{_quote(table)} ({', '.join(map(_quote, names))}) SELECT {picked} FROM "
                f"part.{_quote(source)}{condition} ORDER BY {_quote(fid)}", params)
    return int(con.execute("SELECT changes()").fetchone()[0])


def _append_plan(con: sqlite3.Connection, spec: LayerSpec, source: str) -> dict[str, Any] | None:
    """The target's and source's fid columns, the geometry column and its R-tree, when append_rows can copy from the
    source's table ``source``."""
    plan: dict[str, Any] = {"source": source}
    for db, name in (("main", spec.name), ("part", source)):
        plan[db] = fid_column(con, db, name, spec.fields)
        geom = con.execute(f"SELECT column_name FROM {db}.gpkg_geometry_columns WHERE table_name = ?",
                           (name,)).fetchone() if con.execute(
            f"SELECT 1 FROM {db}.sqlite_master WHERE name = 'gpkg_geometry_columns'").fetchone() else None
        plan[db + "_geom"] = geom[0] if geom else None
        if plan[db] is None:
            return None
    plan["geom"] = plan["main_geom"]
    if plan["geom"] != plan["part_geom"] or (plan["geom"] and source != spec.name):
        return None
    if plan["geom"]:
        plan["rtree"] = f"rtree_{spec.name}_{plan['geom']}"
        for db in ("main", "part"):
            if not con.execute(f"SELECT 1 FROM {db}.sqlite_master WHERE type = 'table' AND name = ?",
                               (plan["rtree"],)).fetchone():
                return None
        low, high, count = con.execute(f"SELECT min({_quote(plan['part'])}), max({_quote(plan['part'])}), count(*) "
                                       f"FROM part.{_quote(source)}").fetchone()
        if count and high - low + 1 != count:
            return None
    return plan


def _append_copy(con: sqlite3.Connection, spec: LayerSpec, plan: dict[str, Any], where: tuple[str, Any] | None,
                 values: dict[str, Any]) -> int:
    table, geom = _quote(spec.name), plan["geom"]
    names = ([geom] if geom else []) + list(spec.fields)
    condition = f" WHERE {_quote(where[0])} = ?" if where else ""
    params = [where[1]] if where else []
    before = con.execute(f"SELECT coalesce(max({_quote(plan['main'])}), 0) FROM main.{table}").fetchone()[0]
    # GDAL's R-tree triggers call its SQL functions (ST_IsEmpty, ST_MinX, …), which plain SQLite lacks: the insert
    # trigger is set aside, and the source's index entries copied instead; its feature count trigger (a row of
    # gpkg_ogr_contents updated per row) too: the count is raised once by the rows copied
    triggers = con.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND "
                           "(name LIKE 'rtree_%' OR name = ?)",
                           (spec.name, f"trigger_insert_feature_count_{spec.name}")).fetchall()
    for name, _ in triggers:
        con.execute(f"DROP TRIGGER main.{_quote(name)}")
    fid = _quote(plan["part"])
    count = copy_rows(con, spec.name, plan["source"], names, plan["part"], where, values)
    if geom and count:
        if where:   # fids of the copied rows in their order: the k-th copied row became fid before + k
            con.execute("CREATE TEMP TABLE _copied (k INTEGER PRIMARY KEY, src INTEGER UNIQUE)")
            con.execute(f"INSERT INTO _copied (src) SELECT {fid} FROM part.{table}{condition} ORDER BY {fid}",
                        params)
            source = (f"SELECT m.k + {int(before)}, r.minx, r.maxx, r.miny, r.maxy FROM _copied m JOIN "
                      f"part.{_quote(plan['rtree'])} r ON r.id = m.src ORDER BY m.k")
        else:
            low = con.execute(f"SELECT min({fid}) FROM part.{table}").fetchone()[0]
            source = (f"SELECT id - {int(low)} + {int(before) + 1}, minx, maxx, miny, maxy FROM "
                      f"part.{_quote(plan['rtree'])} ORDER BY id")
        con.execute(f"INSERT INTO main.{_quote(plan.get('rtree_into', plan['rtree']))} {source}")
        con.execute("DROP TABLE IF EXISTS temp._copied")
        _widen_extent(con, spec.name)
    for _, sql in triggers:
        con.execute(sql)
    if con.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'gpkg_ogr_contents'").fetchone():
        # not count(*): it reads the whole table, at every append of a growing layer; NULL: unknown, but for a layer
        # with geometries that had no rows (GDAL leaves the count of a layer written without rows NULL, and writes
        # it with the first rows), which then holds the rows copied
        known = 0 if geom and not before else None
        con.execute("UPDATE main.gpkg_ogr_contents SET feature_count = coalesce(feature_count, ?) + ? WHERE "
                    "lower(table_name) = lower(?)", (known, int(count), spec.name))
    return int(count)


def _pending(rtree: str) -> str:
    """The side table of R-tree entries that append_rows(index=False) copied and bulk_index has not loaded."""
    return f"geotwin_pending_{rtree}"


def _rtree_of(con: sqlite3.Connection, name: str) -> str | None:
    """The R-tree of layer ``name``, None when it has no geometry column."""
    geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (name,)).fetchone()
    return f"rtree_{name}_{geom[0]}" if geom else None


def _read_entries(cursor: sqlite3.Cursor, entries: RtreeEntries, chunk: int) -> None:
    """Add the (id, minx, maxx, miny, maxy) rows of ``cursor`` to ``entries`` (the stored float32 boxes)."""
    while rows := cursor.fetchmany(chunk):
        block = np.array(rows, dtype=np.float64).reshape(-1, 5)
        entries.add(block[:, 0].astype(np.int64), block[:, 1:].astype(np.float32))
        del rows, block


def gather_pending(target: PathLike, name: str, entries: RtreeEntries, after: int | None,
                   chunk: int = 65536) -> int | None:
    """Add to ``entries`` the R-tree entries of layer ``name`` of GeoPackage ``target`` that bulk_index would read,
    in its order, while more appends may follow (e.g. while other partitions are still being built): at the first
    call (``after`` None) those of its R-tree, then those that append_rows(index=False) set aside with ids above
    ``after``. Pass the result as ``after`` of the next call, and ``entries`` to bulk_index.

    Args:
        target: the GeoPackage.
        name: the layer.
        entries: the entries gathered so far.
        after: the result of the previous call; None at the first.
        chunk: entries read into numpy arrays at a time.

    Returns:
        The highest id gathered from the side table (``after`` when it added none).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> import geopandas as gpd
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str"})
        >>> tmp = Path(tempfile.mkdtemp())
        >>> def trees(name, x):
        ...     frame = gpd.GeoDataFrame({"tree_id": [f"T{i}" for i in range(60)]},
        ...                              geometry=[Point(x + i, 5429500) for i in range(60)], crs="EPSG:25832")
        ...     write_frame(tmp / name, TREES, frame, append=False)
        >>> trees("a.gpkg", 0); trees("b.gpkg", 100); trees("c.gpkg", 200)
        >>> entries = RtreeEntries(tmp)
        >>> append_rows(tmp / "a.gpkg", tmp / "b.gpkg", TREES, index=False)
        60
        >>> after = gather_pending(tmp / "a.gpkg", "trees", entries, None)
        >>> append_rows(tmp / "a.gpkg", tmp / "c.gpkg", TREES, index=False)
        60
        >>> after, gather_pending(tmp / "a.gpkg", "trees", entries, after), entries.count
        (120, 180, 180)
        >>> bulk_index(tmp / "a.gpkg", "trees", entries=entries)
        180
        >>> len(read_frame(tmp / "a.gpkg", "trees", bbox=(50, 5429499, 110.5, 5429501)))   # the R-tree
        21
    """
    con = sqlite3.connect(Path(target))
    try:
        rtree = _rtree_of(con, name)
        if rtree is None:
            return after
        if after is None:
            _read_entries(con.execute(f"SELECT id, minx, maxx, miny, maxy FROM {_quote(rtree)}"), entries, chunk)
        pending = _pending(rtree)
        if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (pending,)).fetchone():
            return after
        last = con.execute(f"SELECT max(id) FROM {_quote(pending)}").fetchone()[0]
        _read_entries(con.execute(f"SELECT id, minx, maxx, miny, maxy FROM {_quote(pending)} WHERE id > ? "
                                  "ORDER BY id", (-(2**63) if after is None else after,)), entries, chunk)
        return after if last is None else int(last)
    finally:
        con.close()


def pack_pending(target: PathLike, name: str, leaves: RtreeLeaves, durable: bool = True,
                 chunk: int = 65536) -> None:
    """Pack the R-tree entries of layer ``name`` of GeoPackage ``target`` that append_rows(index=False) set aside
    since the last call (ids above ``leaves.after``; one spatially compact partition: a cell) into leaves of the
    layer's R-tree at once (see RtreeLeaves; ``leaves`` made with ``fresh=False``): they hang under no node until
    bulk_index, and the R-tree answers for its own entries meanwhile. Pass ``leaves`` to bulk_index: memory holds
    one partition's entries, and bulk_index builds only the levels above the leaves.

    Args:
        target: the GeoPackage (no other connection may write it meanwhile).
        name: the layer.
        leaves: the layer's leaves written so far.
        durable: False: SQLite does not wait for the disk at the commit (see append_rows).
        chunk: entries read into numpy arrays at a time.

    Example:
        >>> import tempfile
        >>> from shapely.geometry import Point
        >>> import geopandas as gpd
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str"})
        >>> tmp = Path(tempfile.mkdtemp())
        >>> def trees(name, x):
        ...     frame = gpd.GeoDataFrame({"tree_id": [f"T{i}" for i in range(60)]},
        ...                              geometry=[Point(x + i, 5429500) for i in range(60)], crs="EPSG:25832")
        ...     write_frame(tmp / name, TREES, frame, append=False)
        >>> trees("a.gpkg", 0); trees("b.gpkg", 100); trees("c.gpkg", 200)
        >>> leaves = RtreeLeaves("", fresh=False)
        >>> for cell in ("b.gpkg", "c.gpkg"):   # each cell's 60 entries: 2 leaves of 51 and 9
        ...     _ = append_rows(tmp / "a.gpkg", tmp / cell, TREES, index=False)
        ...     pack_pending(tmp / "a.gpkg", "trees", leaves)
        >>> leaves.rtree, leaves.leaves, leaves.after
        ('rtree_trees_geom', 4, 180)
        >>> bulk_index(tmp / "a.gpkg", "trees", leaves=leaves)   # a's own 60 packed too, the root above
        180
        >>> with closing(sqlite3.connect(tmp / "a.gpkg")) as con:
        ...     con.execute("SELECT rtreecheck('rtree_trees_geom')").fetchone()[0]
        'ok'
        >>> len(read_frame(tmp / "a.gpkg", "trees", bbox=(50, 5429499, 210.5, 5429501)))   # 10 + 60 + 11
        81
    """
    con = sqlite3.connect(Path(target))
    try:
        if not durable:
            con.execute("PRAGMA synchronous = OFF")
        rtree = _rtree_of(con, name)
        pending = _pending(rtree or "")
        if rtree is None or not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                            (pending,)).fetchone():
            return
        leaves.rtree = leaves.rtree or rtree   # (RtreeLeaves("", fresh=False): the layer's R-tree)
        entries = RtreeEntries(Path(target).parent)
        try:
            _read_entries(con.execute(f"SELECT id, minx, maxx, miny, maxy FROM {_quote(pending)} WHERE id > ? "
                                      "ORDER BY id", (-(2**63) if leaves.after is None else leaves.after,)),
                          entries, chunk)
            for ids, boxes in entries.groups(DirectLayers.PACK_ENTRIES):
                leaves.write(con, ids, boxes)
                leaves.after = int(ids[-1])   # read in id order
        finally:
            entries.close()
        con.commit()
    finally:
        con.close()


def bulk_index(target: PathLike, name: str, chunk: int = 65536, durable: bool = True,
               entries: RtreeEntries | None = None, leaves: RtreeLeaves | None = None) -> int | None:
    """Build the R-tree of layer ``name`` of GeoPackage ``target`` in one pass from its entries and those that
    append_rows(index=False) set aside (see rtree_nodes), and drop the side table: the same entries as the
    row-by-row inserts give, the GeoPackage's triggers and extension rows untouched.

    Args:
        target: the GeoPackage (no other connection may write it meanwhile).
        name: the layer.
        chunk: entries read into numpy arrays at a time.
        durable: False: SQLite does not wait for the disk at the commit (see append_rows).
        entries: the entries gather_pending gathered (closed here): used when there are as many as the R-tree
            and the side table hold, else read again.
        leaves: instead of ``entries``: the leaves pack_pending wrote; the entries still set aside and the R-tree's
            own are packed too, then the levels above the leaves are built.

    Returns:
        The R-tree's entries; None when nothing was set aside (the R-tree is left as it is).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> import geopandas as gpd
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str"})
        >>> tmp = Path(tempfile.mkdtemp())
        >>> def trees(name, x):
        ...     frame = gpd.GeoDataFrame({"tree_id": [f"T{i}" for i in range(60)]},
        ...                              geometry=[Point(x + i, 5429500) for i in range(60)], crs="EPSG:25832")
        ...     write_frame(tmp / name, TREES, frame, append=False)
        >>> trees("a.gpkg", 0); trees("b.gpkg", 100)
        >>> append_rows(tmp / "a.gpkg", tmp / "b.gpkg", TREES, index=False)
        60
        >>> bulk_index(tmp / "a.gpkg", "trees"), bulk_index(tmp / "a.gpkg", "trees")
        (120, None)
        >>> with closing(sqlite3.connect(tmp / "a.gpkg")) as con:
        ...     con.execute("SELECT rtreecheck('rtree_trees_geom')").fetchone()[0]
        'ok'
        >>> len(read_frame(tmp / "a.gpkg", "trees", bbox=(50, 5429499, 110.5, 5429501)))   # the R-tree
        21
    """
    con = sqlite3.connect(Path(target))
    entries = entries if entries is not None else RtreeEntries(Path(target).parent)
    try:
        if not durable:
            con.execute("PRAGMA synchronous = OFF")
        rtree = _rtree_of(con, name) or ""
        pending = _pending(rtree)
        if not rtree or not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                        (pending,)).fetchone():
            return None
        if leaves is not None:
            con.close()
            pack_pending(target, name, leaves, durable, chunk)   # the rest set aside
            con = sqlite3.connect(Path(target))
            if not durable:
                con.execute("PRAGMA synchronous = OFF")
            leaves.adopt(con, Path(target).parent, chunk)
            count = leaves.entries
            leaves.finish(con, chunk)
            con.execute(f"DROP TABLE {_quote(pending)}")
            con.commit()
            return count
        held = con.execute(f"SELECT (SELECT count(*) FROM {_quote(rtree + '_rowid')}) + "
                           f"(SELECT count(*) FROM {_quote(pending)})").fetchone()[0]
        if entries.count != held:   # none gathered, or the layer changed since: read them all
            entries.close()
            entries = RtreeEntries(Path(target).parent)
            _read_entries(con.execute(f"SELECT id, minx, maxx, miny, maxy FROM {_quote(rtree)} UNION ALL "
                                      f"SELECT id, minx, maxx, miny, maxy FROM {_quote(pending)}"), entries, chunk)
        if entries.count:   # load reads the node size from the root before it replaces the nodes
            for table in ("_rowid", "_parent"):
                con.execute(f"DELETE FROM {_quote(rtree + table)}")
            entries.load(con, rtree)   # bounded memory: beyond RTREE_SPILL entries sorted on disk
        con.execute(f"DROP TABLE {_quote(pending)}")
        con.commit()
        return int(entries.count)
    finally:
        entries.close()
        con.close()


def _widen_extent(con: sqlite3.Connection, name: str) -> None:
    """The target layer's extent in gpkg_contents widened to hold the source's."""
    rows = [con.execute(f"SELECT min_x, min_y, max_x, max_y FROM {db}.gpkg_contents WHERE lower(table_name) = "
                        "lower(?)", (name,)).fetchone() for db in ("main", "part")]
    boxes = [r for r in rows if r is not None and None not in r]
    if boxes:
        extent = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                  max(b[3] for b in boxes))
        con.execute("UPDATE main.gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE "
                    "lower(table_name) = lower(?)", (*extent, name))
