"""Fast read-only access to GeoPackage tables with the standard library's sqlite3.

The export reads a city model's few typed layers whole; going through SQLite directly (rather than
GDAL/pyogrio and a pandas frame) avoids importing pandas/geopandas and building a DataFrame.
Geometries come back as shapely arrays decoded from the GeoPackage blobs' WKB in one vectorised call.
"""
from __future__ import annotations

from typing import Any

import sqlite3
from contextlib import closing
from operator import itemgetter
from pathlib import Path
from urllib.parse import quote

import numpy as np
from numpy.typing import NDArray

# envelope size (bytes) by the envelope indicator of a GeoPackage geometry blob's flags
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def connect(path: str | Path) -> sqlite3.Connection:
    """A read-only connection; raises sqlite3.DatabaseError when ``path`` is not a GeoPackage."""
    con = sqlite3.connect(f"file:{quote(Path(path).resolve().as_posix())}?mode=ro", uri=True)
    try:
        con.execute("SELECT table_name FROM gpkg_contents LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        con.close()
        raise
    return con


def layers(path: str | Path) -> set[str]:
    with closing(connect(path)) as con:
        return {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}


def layer_crs(path: str | Path, layer: str) -> str | None:
    """``AUTHORITY:CODE`` (or the WKT) of a feature table's spatial reference system."""
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


def read_table(path: str | Path, layer: str, columns: list[str] | None = None, geometry: bool = True,
               decode: bool = True) -> tuple[list[str], list[tuple], NDArray[Any] | list | None]:
    """Column names (without the fid and the geometry column), row tuples in table order and, with
    ``geometry``, a shapely array of the rows' geometries (None for a missing or empty one), or their
    GeoPackage blobs when not ``decode`` (see ``decode_geometries``)."""
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
        if with_geometry:
            select.append(_quote(geom_col))
        rows = con.execute(f"SELECT {', '.join(select) or 'NULL'} FROM {_quote(layer)}").fetchall()
    if not with_geometry:
        return fields, rows, None
    n = len(fields)
    blobs = [r[n] for r in rows]
    rows = [r[:n] for r in rows]
    return fields, rows, decode_geometries(blobs) if decode else blobs


def iter_table(path: str | Path, layer: str, columns: list[str], batch: int):
    """Row tuples (``columns``, then the geometry) and the GeoPackage geometry blobs of ``layer`` in table
    order, ``batch`` rows at a time, so that a large layer is never held whole."""
    with closing(connect(path)) as con:
        geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
        fields = {c[1] for c in con.execute(f"PRAGMA table_info({_quote(layer)})")}
        select = [_quote(c) if c in fields else "NULL" for c in columns] + [_quote(geom[0]) if geom else "NULL"]
        cursor = con.execute(f"SELECT {', '.join(select)} FROM {_quote(layer)}")
        geometry = itemgetter(len(columns))
        while rows := cursor.fetchmany(batch):
            yield rows, list(map(geometry, rows))


def count_by(path: str | Path, layer: str, column: str) -> dict:
    """Number of rows of ``layer`` per value of ``column``."""
    with closing(connect(path)) as con:
        return dict(con.execute(f"SELECT {_quote(column)}, count(*) FROM {_quote(layer)} GROUP BY 1"))


# header length by the flags byte of a GeoPackage geometry blob; None for an empty geometry
_HEADER = [None if flags & 0x10 else 8 + _ENVELOPE.get((flags >> 1) & 7, 0) for flags in range(256)]


def wkbs_of(blobs: list) -> list[bytes | None]:
    """The WKB of GeoPackage geometry blobs (None for NULL, a non-GeoPackage blob or an empty geometry)."""
    return [b[h:] if b is not None and len(b) >= 8 and b[:2] == b"GP" and (h := _HEADER[b[3]]) else None
            for b in blobs]


def decode_geometries(blobs: list) -> NDArray[Any]:
    """Shapely geometries of GeoPackage geometry blobs (None for NULL or an empty geometry)."""
    import shapely

    return shapely.from_wkb(np.array(wkbs_of(blobs), dtype=object))
