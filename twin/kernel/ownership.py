"""GeoTwin writes only into outputs it created, or that are empty.

A GeoPackage that GeoTwin wrote carries a marker in the GeoPackage metadata extension (``gpkg_metadata``,
scope ``geopackage``, standard URI ``MARKER_URI``): a JSON document with ``generator`` ("geotwin"),
``version``, ``kind`` (twin, citymodel, ifc, islands, sensors, ...) and ``created``. It is invisible as a
layer. A PostGIS schema carries the same keys as rows of its table ``geotwin_meta`` (key, value).

An existing output that has neither the marker nor is empty is refused with a message naming its tables,
except outputs of older GeoTwin versions (no marker, but only the layers that run writes): those are taken
over and marked.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from .errors import GeoTwinError
from .schema import LayerSpec, islands
from .schema.twin import KNOWN_SPECS

GENERATOR = "geotwin"
MARKER_URI = "urn:x-geotwin:output"
META_TABLE = "geotwin_meta"
TWIN = "twin"
NEW, EMPTY, OURS, LEGACY = "new", "empty", "ours", "legacy"

# The kind of an importer's GeoPackage, told by the first of its layers found here.
_KIND_BY_LAYER = (("buildings", "citymodel"), ("bim_buildings", "ifc"), ("learning_islands", "islands"),
                  ("sensors", "sensors"), ("wlan_building_coverage", "coverage"),
                  ("learning_island_search", "search"))


def marker(kind: str, created: str | None = None) -> dict[str, str]:
    """Make the marker GeoTwin leaves in its outputs (the ``gpkg_metadata`` row, the PostGIS ``geotwin_meta``).

    Args:
        kind: the kind of output (``twin``, ``citymodel``, ``ifc``, ``islands``, ...).
        created: the creation time of an earlier marker to keep; now when None.

    Returns:
        The keys generator, version, kind and created.

    Example:
        >>> m = marker("islands", created="2026-07-01T10:00:00+00:00")
        >>> m["generator"], m["kind"], m["created"]
        ('geotwin', 'islands', '2026-07-01T10:00:00+00:00')
    """
    return {"generator": GENERATOR, "version": __version__, "kind": kind,
            "created": created or datetime.now(UTC).isoformat(timespec="seconds")}


def kind_of_layers(layers: Iterable[str]) -> str:
    """Tell the kind of GeoPackage a run wrote from its layer names.

    Args:
        layers: the names of the layers written.

    Returns:
        ``citymodel``, ``ifc``, ``islands``, ``sensors``, ``coverage``, ``search``, else ``output``.

    Example:
        >>> kind_of_layers(["bim_elements", "bim_buildings"]), kind_of_layers(["something"])
        ('ifc', 'output')
    """
    names = set(layers)
    return next((kind for layer, kind in _KIND_BY_LAYER if layer in names), "output")


def geotwin_layer_names() -> frozenset[str]:
    """List every layer name some GeoTwin run writes into a GeoPackage (the store's and the importers').

    Returns:
        The layer names.

    Example:
        >>> names = geotwin_layer_names()
        >>> {"buildings", "bim_elements", "learning_islands", "sensors"} <= names
        True
    """
    return frozenset(KNOWN_SPECS) | {v.name for v in vars(islands).values() if isinstance(v, LayerSpec)}


def listing(names: list[str], limit: int = 5, noun: str = "table") -> str:
    """Name a few of many names for a message: the first ``limit`` and the count.

    Args:
        names: the names.
        limit: how many to show.
        noun: what they are (an ``s`` is added for the count unless it is 1).

    Returns:
        ``a, b, c, ... (12 tables)``.

    Example:
        >>> listing(["a", "b", "c", "d"], limit=2)
        'a, b, ... (4 tables)'
        >>> listing(["roads"], noun="layer")
        'roads (1 layer)'
    """
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f"{shown} ({len(names)} {noun}{'s' if len(names) != 1 else ''})"


def check_folder(target: str | Path, ours: str) -> None:
    """Refuse to replace an existing folder unless it is empty or holds ``ours`` (the file every GeoTwin output
    of its kind has, e.g. a tileset's export report).

    Args:
        target: the output folder.
        ours: the file name that marks GeoTwin's output.

    Raises:
        GeoTwinError: the target is a file, or a folder with other content.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     check_folder(Path(tmp) / "new", "report.json")     # absent: fine
        ...     (Path(tmp) / "notes.txt").write_text("mine")
        ...     check_folder(tmp, "report.json")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: ...folder is not empty and holds no earlier GeoTwin output...
    """
    target = Path(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise GeoTwinError("the output exists and is not a folder", path=str(target))
    names = sorted(p.name for p in target.iterdir())
    if names and ours not in names:
        raise GeoTwinError(f"the output folder is not empty and holds no earlier GeoTwin output ({ours}): "
                           f"{listing(names, noun='entry').replace('entrys', 'entries')}; GeoTwin replaces the "
                           "whole folder: choose a new or empty folder", path=str(target))


# -- GeoPackage -----------------------------------------------------------------------------------
def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


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
    with contextlib.closing(_connect_ro(Path(path))) as con:
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
    with contextlib.closing(_connect_ro(Path(path))) as con:
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
    with contextlib.closing(sqlite3.connect(path)) as con:
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
    with contextlib.closing(_connect_ro(path)) as con:
        return {str(r[1]) for r in con.execute(f"PRAGMA table_info(\"{table.replace(chr(34), '')}\")")}


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
