"""Every GeoPackage access of GeoTwin: listing layers, reading them, writing them.

Reading
    ``list_layers(path)``: the layer names (gpkg_contents); ``layer_crs(path, layer)``;
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from operator import itemgetter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from .atomic import atomic_path
from .errors import GeoTwinError, InputError
from .ownership import (
    LEGACY,
    OURS,
    check_gpkg,
    geotwin_layer_names,
    gpkg_marker,
    gpkg_tables,
    kind_of_layers,
    listing,
    mark_gpkg,
)
from .schema import LayerSpec

PathLike = str | os.PathLike

# -- reading ---------------------------------------------------------------------------------------
# envelope size (bytes) by the envelope indicator of a GeoPackage geometry blob's flags
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
# header length by the flags byte of a GeoPackage geometry blob; None for an empty geometry
_HEADER = [None if flags & 0x10 else 8 + _ENVELOPE.get((flags >> 1) & 7, 0) for flags in range(256)]


def connect(path: PathLike) -> sqlite3.Connection:
    """A read-only connection; raises sqlite3.DatabaseError when ``path`` is not a GeoPackage."""
    con = sqlite3.connect(f"file:{quote(Path(path).resolve().as_posix())}?mode=ro", uri=True)
    try:
        con.execute("SELECT table_name FROM gpkg_contents LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        con.close()
        raise
    return con


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def layer_names(path: PathLike) -> list[str]:
    """``list_layers`` without its messages: sqlite3.Error when ``path`` is no GeoPackage (for callers that
    word their own message, e.g. translated in the plugin)."""
    with closing(connect(path)) as con:
        return [str(r[0]) for r in con.execute("SELECT table_name FROM gpkg_contents ORDER BY rowid")]


def list_layers(path: PathLike) -> list[str]:
    """The layer names of a GeoPackage (feature and attribute tables of gpkg_contents), in the order they
    were created; an InputError naming the file when it is missing or no readable GeoPackage."""
    if not Path(path).is_file():
        raise InputError("no such GeoPackage file", path=str(path))
    try:
        return layer_names(path)
    except sqlite3.Error as err:
        raise InputError(f"not a readable GeoPackage ({_first_line(err)})", path=str(path)) from None


def layer_crs(path: PathLike, layer: str) -> str | None:
    """``AUTHORITY:CODE`` (or the WKT) of a feature table's spatial reference system; None without one."""
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
               ) -> tuple[list[str], list[tuple], np.ndarray | list | None]:
    """Column names (without the fid and the geometry column), row tuples in table order and, with
    ``geometry``, a shapely array of the rows' geometries (None for a missing or empty one), or their
    GeoPackage blobs when not ``decode`` (see ``decode_geometries``). ``columns`` keeps only those (absent
    ones are left out); ``rows=(start, stop)`` reads only that range of rows."""
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
        records = con.execute(f"SELECT {', '.join(select) or 'NULL'} FROM {_quote(layer)}{_limit(rows)}").fetchall()
    if not with_geometry:
        return fields, records, None
    n = len(fields)
    blobs = [r[n] for r in records]
    records = [r[:n] for r in records]
    return fields, records, decode_geometries(blobs) if decode else blobs


def iter_table(path: PathLike, layer: str, columns: list[str], batch: int) -> Iterator[tuple[list[tuple], list]]:
    """Row tuples (``columns``, then the geometry) and the GeoPackage geometry blobs of ``layer`` in table
    order, ``batch`` rows at a time, so that a large layer is never held whole (a missing column reads NULL)."""
    with closing(connect(path)) as con:
        geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
        fields = {c[1] for c in con.execute(f"PRAGMA table_info({_quote(layer)})")}
        select = [_quote(c) if c in fields else "NULL" for c in columns] + [_quote(geom[0]) if geom else "NULL"]
        cursor = con.execute(f"SELECT {', '.join(select)} FROM {_quote(layer)}")
        geometry = itemgetter(len(columns))
        while batch_rows := cursor.fetchmany(batch):
            yield batch_rows, list(map(geometry, batch_rows))


def count_by(path: PathLike, layer: str, column: str) -> dict:
    """Number of rows of ``layer`` per value of ``column``."""
    with closing(connect(path)) as con:
        return dict(con.execute(f"SELECT {_quote(column)}, count(*) FROM {_quote(layer)} GROUP BY 1"))


def wkbs_of(blobs: list) -> list[bytes | None]:
    """The WKB of GeoPackage geometry blobs (None for NULL, a non-GeoPackage blob or an empty geometry)."""
    return [b[h:] if b is not None and len(b) >= 8 and b[:2] == b"GP" and (h := _HEADER[b[3]]) else None
            for b in blobs]


def decode_geometries(blobs: list) -> np.ndarray:
    """Shapely geometries of GeoPackage geometry blobs (None for NULL or an empty geometry)."""
    import shapely

    return shapely.from_wkb(np.array(wkbs_of(blobs), dtype=object))


def list_vector_layers(path: PathLike) -> list[str]:
    """The layer names of any vector file GDAL reads (GeoPackage, Shapefile, GeoJSON, ...); pyogrio's error
    (DataSourceError, OSError) when it cannot."""
    import pyogrio

    return [str(n) for n in pyogrio.list_layers(path)[:, 0]]


def layer_info(path: PathLike, layer: str) -> dict:
    """pyogrio's description of a layer (``fields``, ``dtypes``, ``geometry_type``, ``crs``, ...)."""
    import pyogrio

    return pyogrio.read_info(path, layer=layer)


def read_frame(path: PathLike, layer: str | None, columns: list[str] | None = None,
               bbox: tuple[float, float, float, float] | None = None, rows: tuple[int, int] | None = None,
               fid_as_index: bool = False, where: str | None = None) -> Any:
    """The layer as a GeoDataFrame (a DataFrame without geometry) read with pyogrio: only ``columns`` when
    given, only the features that intersect ``bbox`` (layer CRS; GDAL's spatial filter), only the rows
    ``rows=(start, stop)``, only the features that match the OGR SQL filter ``where``."""
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


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if kind == "str":
        return str(value)
    if kind == "datetime":
        return value if isinstance(value, str) else value.isoformat()
    return value


def preload() -> None:
    """Import the writer's pyogrio (which pulls in geopandas and pandas, about half a second) in a
    background thread, while the caller parses its input; the writer then finds it imported."""
    threading.Thread(target=importlib.import_module, args=("pyogrio.raw",), name="preload pyogrio",
                     daemon=True).start()


class GpkgWriter:
    """Buffers rows per layer and appends them in batches, so memory stays flat."""

    def __init__(self, path: str | os.PathLike, crs: str | None, batch_size: int = 5000) -> None:
        from pyogrio.raw import write  # imported now (it pulls in geopandas), not at the first flush

        self._write = write
        self.path = Path(path)
        self.crs = crs
        self.batch_size = batch_size
        self._buffers: dict[str, tuple[LayerSpec, list[dict], list]] = {}
        self._created: set[str] = set()
        self.counts: dict[str, int] = {}
        self._crs_cache: str | None = None

    def add(self, spec: LayerSpec, row: dict, geometry=None) -> None:
        """Queue one row (a dict of spec.fields) and its geometry (shapely, or WKB bytes)."""
        _, rows, geoms = self._buffers.setdefault(spec.name, (spec, [], []))
        rows.append(row)
        geoms.append(geometry)
        if len(rows) >= self.batch_size:
            self._flush(spec.name)

    def add_many(self, spec: LayerSpec, rows: Sequence[dict], geometries: Sequence | None = None) -> None:
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

    def ensure_layer(self, spec: LayerSpec) -> None:
        """Create the layer even if it receives no rows."""
        self._buffers.setdefault(spec.name, (spec, [], []))

    def _columns(self, spec: LayerSpec, rows: list[dict]) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Each field as a numpy array, with a null mask for integers and booleans."""
        data: list[np.ndarray] = []
        masks: list[np.ndarray | None] = []
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
            from pyproj import CRS

            crs = CRS.from_user_input(self.crs)
            epsg = crs.to_epsg()
            self._crs_cache = f"EPSG:{epsg}" if epsg else crs.to_wkt("WKT1_GDAL")
        return self._crs_cache

    def _flush(self, name: str) -> None:
        spec, rows, geoms = self._buffers[name]
        if not rows and name in self._created:
            return
        data, masks = self._columns(spec, rows)
        kwargs: dict[str, Any] = {"layer": spec.name, "driver": "GPKG", "fields": list(spec.fields),
                                  "field_data": data, "field_mask": masks, "geometry": None}
        if spec.geometry_type is not None:
            import shapely

            wkb = np.empty(len(geoms), dtype=object)
            wkb[:] = geoms
            shaped = np.fromiter((g is not None and not isinstance(g, bytes) for g in geoms), dtype=bool,
                                 count=len(geoms))
            if shaped.any():
                wkb[shaped] = shapely.to_wkb(wkb[shaped])
            kwargs["geometry"] = wkb
            kwargs["geometry_type"] = (spec.geometry_type.replace("Z", " Z") if spec.geometry_type.endswith("Z")
                                       else spec.geometry_type)
            kwargs["crs"] = self._crs_text()
        if name in self._created:
            kwargs["append"] = True
        self._write(self.path, **kwargs)
        self._created.add(name)
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        rows.clear()
        geoms.clear()

    def close(self) -> None:
        """Write every buffered row."""
        for name in list(self._buffers):
            self._flush(name)


@contextlib.contextmanager
def gpkg_output(target: str | os.PathLike, crs: str | None, batch_size: int = 5000,
                kind: str | None = None) -> Iterator[GpkgWriter]:
    """A GpkgWriter on a temporary file that replaces ``target`` only when the block succeeds.

    An existing ``target`` is replaced only when GeoTwin wrote it as the same kind of output (``kind``, else
    told by the layers written), when it is empty, or when an older GeoTwin wrote it (no marker, and no layer
    that this run does not write). A foreign or unreadable file or a twin is refused before any work, another
    kind of GeoTwin output once the run knows its own kind; a refused ``target`` is never touched. The output
    gets the marker (see ``ownership``).
    """
    state = check_gpkg(target, kind, lambda _, tables: set(tables) <= geotwin_layer_names())
    if state == OURS and kind is None and (gpkg_marker(target) or {}).get("kind") == "twin":
        raise GeoTwinError("the output is a GeoTwin twin GeoPackage, which only Build digital twin updates: choose "
                           "another file name", path=str(target))
    with atomic_path(target) as tmp:
        writer = GpkgWriter(tmp, crs, batch_size)
        yield writer
        writer.close()
        written = kind or kind_of_layers(writer._buffers)
        if state == OURS and (gpkg_marker(target) or {}).get("kind") != written:
            raise GeoTwinError(f"the output holds GeoTwin's {gpkg_marker(target).get('kind')} output, and this run "
                               f"writes {written} output: choose another file name (or delete it first)",
                               path=str(target))
        if state == LEGACY:
            extra = sorted(set(gpkg_tables(target)) - set(writer._buffers))
            if extra:
                raise GeoTwinError(f"the output exists and holds layers this run does not write: {listing(extra)}; "
                                   "choose another file name (or delete it first)", path=str(target))
        if tmp.exists():
            mark_gpkg(tmp, written)


def ogr_geometry_type(spec: LayerSpec) -> str | None:
    """The spec's geometry type as GDAL names it (``MultiPolygon Z``)."""
    gt = spec.geometry_type
    if gt is None:
        return None
    return gt[:-1] + " Z" if gt.endswith("Z") else gt


def write_frame(path: PathLike, spec: LayerSpec, frame: Any, append: bool, chunk: int = 5000,
                check: Callable[[], None] | None = None) -> None:
    """Write a (Geo)DataFrame whose columns are the spec's as layer ``spec.name``: (re)create it, or append to
    it (nothing for an empty frame); ``chunk`` rows at a time, calling ``check`` (e.g. a cancel check)
    before each chunk."""
    import pyogrio

    if append and frame.empty:
        return
    kwargs: dict[str, Any] = {"layer": spec.name, "driver": "GPKG", "append": append}
    if spec.geometry_type is not None:
        kwargs["geometry_type"] = ogr_geometry_type(spec)
    for start in range(0, max(1, len(frame)), chunk):
        if check is not None:
            check()
        pyogrio.write_dataframe(frame.iloc[start:start + chunk], path, **kwargs)
        kwargs["append"] = True


def delete_rows(path: PathLike, layer: str, column: str, values: Sequence[str], chunk: int = 500) -> int:
    """Delete the rows of ``layer`` whose ``column`` is one of ``values``; the number deleted."""
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
