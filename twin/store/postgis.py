"""PostGIS backend of the twin store: the same layers as tables of one schema (psycopg 3).

Geometry column ``geom`` typed ``geometry(<type>, <srid>)`` with a GiST index; ``json`` fields
are ``jsonb``; ``fid`` is a bigserial primary key (row order = insertion order, as in a
GeoPackage). Rows are loaded with COPY, geometries as hex EWKB with the SRID and Z.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely

from ..kernel.atomic import failure_reason, is_storage_error
from ..kernel.errors import Cancelled, GeoTwinError
from ..kernel.ownership import EMPTY, GENERATOR, LEGACY, META_TABLE, NEW, OURS, TWIN, listing, marker
from ..kernel.progress import Reporter
from ..kernel.schema import LayerSpec
from .base import BBox, RowRange, StoreWriter, TwinStore, WhereIn, column_spec, where_values
from .frames import canonical_json, conform, records

if TYPE_CHECKING:
    from pathlib import Path

    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]

_SQL_TYPES = {"str": "text", "int": "bigint", "float": "double precision", "bool": "boolean",
              "datetime": "text", "json": "jsonb"}
_KINDS = {"text": "str", "bigint": "int", "integer": "int", "smallint": "int", "double precision": "float",
          "real": "float", "boolean": "bool", "jsonb": "json", "json": "json",
          "timestamp with time zone": "datetime", "timestamp without time zone": "datetime"}
_SYSTEM_TABLES = {"spatial_ref_sys"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Schemas of PostgreSQL itself and of PostGIS's extensions (pg_* are reserved by PostgreSQL as a whole).
_SYSTEM_SCHEMAS = {"information_schema", "topology", "tiger", "tiger_data", "postgis_topology",
                   "postgis_tiger_geocoder"}
_WAIT_SECONDS = 0.5


def check_schema(schema: str) -> None:
    """Check the PostGIS schema of a twin: a plain identifier, not ``public`` and no system schema.

    Args:
        schema: the schema name.

    Raises:
        GeoTwinError: the name is not allowed (the message says why).

    Example:
        >>> check_schema("geotwin_karlsruhe")
        >>> check_schema("pg_catalog")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: schema 'pg_catalog' is a system schema of PostgreSQL or PostGIS: ...
    """
    if not isinstance(schema, str) or not _NAME.match(schema) or len(schema.encode()) > 63:
        raise GeoTwinError(f"not a valid schema name: {schema!r} (letters, digits and _, at most 63, "
                           "not starting with a digit)")
    lowered = schema.lower()
    if lowered == "public":
        raise GeoTwinError("schema 'public' is shared by every user of the database: choose a schema for the twin, "
                           "e.g. geotwin")
    if lowered.startswith("pg_") or lowered in _SYSTEM_SCHEMAS:
        raise GeoTwinError(f"schema {schema!r} is a system schema of PostgreSQL or PostGIS: choose a schema for "
                           "the twin, e.g. geotwin")


def lock_key(schema: str) -> int:
    """Make the advisory lock key that serialises GeoTwin builds into a schema.

    Args:
        schema: the schema name.

    Returns:
        A signed 64-bit key, the same for the same schema in every process.

    Example:
        >>> lock_key("geotwin") == lock_key("geotwin") != lock_key("other"), -2**63 <= lock_key("geotwin") < 2**63
        (True, True)
    """
    return int.from_bytes(hashlib.sha256(f"geotwin build {schema}".encode()).digest()[:8], "big", signed=True)


def safe_dsn(dsn: str) -> str:
    """Remove the password from a connection string, for messages.

    Args:
        dsn: the connection string.

    Returns:
        The connection string without its password (``<invalid connection string>`` when it cannot be parsed).

    Example:
        >>> safe_dsn("host=db dbname=twin password=s3cret")   # libpq's own order
        'dbname=twin host=db'
        >>> safe_dsn("host='unterminated")
        '<invalid connection string>'
    """
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - an unparsable DSN is shown as nothing rather than leaked
        return "<invalid connection string>"
    params.pop("password", None)
    return make_conninfo("", **params)


def srid_of(crs: str | None) -> int:
    """Find the SRID for a CRS in PostGIS: the EPSG code of its horizontal part (PostGIS has no compound SRIDs).

    Args:
        crs: the CRS text.

    Returns:
        The EPSG code, 0 when unknown or None.

    Example:
        >>> srid_of("EPSG:25832+7837"), srid_of(None)
        (25832, 0)
    """
    if not crs:
        return 0
    from pyproj import CRS

    parsed = CRS.from_user_input(crs)
    if parsed.is_compound:
        parsed = parsed.sub_crs_list[0]
    code = parsed.to_epsg()
    return int(code) if code else 0


def _first(conn: Connection, sql: str, args: tuple[Any, ...]) -> Any:
    """The first value of the one row a query of a function returns."""
    row = conn.execute(sql, args).fetchone()
    if row is None:   # never for SELECT f(...)
        raise GeoTwinError(f"PostGIS returned no row for {sql}")
    return row[0]


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise GeoTwinError(f"not a valid table or column name: {name!r}")
    return f'"{name}"'


class _PgWriter(StoreWriter):
    def __init__(self, conn: Connection, schema: str, srid: int, reporter: Reporter) -> None:
        self.conn = conn
        self.schema = schema
        self.srid = srid
        self.reporter = reporter

    def _table(self, spec: LayerSpec) -> str:
        return f"{_ident(self.schema)}.{_ident(spec.name)}"

    def _columns(self, spec: LayerSpec) -> list[tuple[str, str]]:
        rows = self.conn.execute("SELECT column_name, format_type(a.atttypid, a.atttypmod) FROM "
                                 "information_schema.columns c JOIN pg_attribute a ON a.attname = c.column_name "
                                 "AND a.attrelid = format('%%I.%%I', c.table_schema, c.table_name)::regclass "
                                 "WHERE c.table_schema = %s AND c.table_name = %s ORDER BY c.ordinal_position",
                                 (self.schema, spec.name)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def replace(self, spec: LayerSpec, frame: pd.DataFrame) -> None:
        """Empty and refill the table when its columns are as specified (views and grants stay), else recreate it."""
        table = self._table(spec)
        cols = [f"{_ident(n)} {_SQL_TYPES[k]}" for n, k in spec.fields.items()]
        if spec.geometry_type is not None:
            cols.append(f"geom geometry({spec.geometry_type}, {self.srid})")
        wanted = [("fid", "bigint")] + [(n, _SQL_TYPES[k]) for n, k in spec.fields.items()]
        if spec.geometry_type is not None:
            wanted.append(("geom", f"geometry({spec.geometry_type},{self.srid})"))
        if [(n, t.lower().replace(" ", "")) for n, t in self._columns(spec)] == \
                [(n, t.lower().replace(" ", "")) for n, t in wanted]:
            self.conn.execute(f"TRUNCATE {table} RESTART IDENTITY")
            self.append(spec, frame)
            return
        with self.conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
            cur.execute(f"CREATE TABLE {table} (fid bigserial PRIMARY KEY, {', '.join(cols)})")
            if spec.geometry_type is not None:
                cur.execute(f"CREATE INDEX {_ident(spec.name + '_geom_idx')} ON {table} USING gist (geom)")
        self.append(spec, frame)

    def append(self, spec: LayerSpec, frame: pd.DataFrame) -> None:
        frame = conform(frame, spec, None)
        if frame.empty:
            return
        names = [_ident(n) for n in spec.fields] + (["geom"] if spec.geometry_type is not None else [])
        kinds = list(spec.fields.values())
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {self._table(spec)} ({', '.join(names)}) FROM STDIN") as copy:
                for n, row in enumerate(records(frame, spec)):
                    if n % self.ROWS_PER_CHECK == 0:
                        self.reporter.check()    # leaving the block aborts the COPY
                    values = list(row[:len(kinds)])
                    if spec.geometry_type is not None:
                        geom = row[-1]
                        values.append(None if geom is None else shapely.to_wkb(
                            shapely.set_srid(geom, self.srid), hex=True, include_srid=True,
                            output_dimension=3))
                    copy.write_row(values)

    def delete(self, spec: LayerSpec, column: str, values: Sequence[str]) -> int:
        values = list(values)
        if not values:
            return 0
        with self.conn.cursor() as cur:
            cur.execute(f"DELETE FROM {self._table(spec)} WHERE {_ident(column)} = ANY(%s)", (values,))
            return cur.rowcount


class _CancelWatch:
    """While a transaction runs, a thread polls the reporter every 0.2 s and, once it is cancelled, cancels the
    statement the server is running (a long COPY, index build, DELETE or COMMIT) with ``connection.cancel()``;
    the statement then fails with QueryCanceled, which the transaction turns into Cancelled."""

    def __init__(self, conn: Connection, reporter: Reporter) -> None:
        self.conn, self.reporter = conn, reporter
        self.fired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="geotwin cancel watch", daemon=True)

    def _run(self) -> None:
        while not self._done.wait(0.2):
            if self.reporter.is_cancelled():
                self.fired = True
                with contextlib.suppress(Exception):
                    self.conn.cancel()
                return

    def __enter__(self) -> _CancelWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


class PostgisStore(TwinStore):
    """A twin in one schema of a PostGIS database."""

    def __init__(self, dsn: str, schema: str = "geotwin") -> None:
        check_schema(schema)
        self.dsn = dsn
        self.schema = schema

    def _connect(self, autocommit: bool = False) -> Connection:
        try:
            import psycopg
        except ImportError:
            raise GeoTwinError("a PostGIS store needs the Python package psycopg 3 (pip install 'psycopg[binary]')") \
                from None

        try:
            return psycopg.connect(self.dsn, connect_timeout=20, autocommit=autocommit)
        except psycopg.Error as err:
            raise GeoTwinError(f"cannot connect to PostGIS ({safe_dsn(self.dsn)}): "
                               f"{str(err).strip().splitlines()[0]}") from None

    @contextlib.contextmanager
    def _faults(self) -> Iterator[None]:
        """Database and OS errors become one GeoTwinError naming the store (never the password)."""
        try:
            yield
        except GeoTwinError:
            raise
        except Exception as err:  # noqa: BLE001 - storage faults become one message; bugs keep their traceback
            if not is_storage_error(err):
                raise
            raise GeoTwinError(f"{self.describe()}: {failure_reason(err)}") from None

    def _owner_state(self, conn: Connection) -> str:
        """NEW, EMPTY, OURS or LEGACY; a GeoTwinError naming the foreign tables otherwise."""
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone() is None:
            return NEW
        rels = conn.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT EXISTS (SELECT 1 FROM pg_depend d "
            "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') ORDER BY c.relname",
            (self.schema,)).fetchall()
        names = [r[0] for r in rels if r[0] not in _SYSTEM_TABLES]
        meta = self._marker(conn) if META_TABLE in names else None
        if meta is not None:
            if meta.get("kind") != TWIN:
                raise GeoTwinError(f"{self.describe()}: the schema holds a GeoTwin {meta.get('kind')} output, not a "
                                   "twin: choose another schema")
            return OURS
        if not names:
            return EMPTY
        from ..kernel.schema.twin import KNOWN_SPECS

        tables = [r[0] for r in rels if r[1] in ("r", "p") and r[0] not in _SYSTEM_TABLES]
        if "builds" in tables and set(tables) <= set(KNOWN_SPECS) and conn.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = 'builds' "
                "AND column_name = 'geotwin_version'", (self.schema,)).fetchone():
            return LEGACY
        foreign = [n for n in names if n not in KNOWN_SPECS] or names
        raise GeoTwinError(f"{self.describe()}: the schema holds data that GeoTwin did not write: {listing(foreign)}; "
                           "GeoTwin writes only into a new or empty schema or one it created: choose another schema")

    def _marker(self, conn: Connection) -> dict[str, str] | None:
        """The keys of the schema's geotwin_meta table when GeoTwin created it, else None."""
        import psycopg

        try:
            with conn.transaction():
                rows = conn.execute(f"SELECT key, value FROM {_ident(self.schema)}.{META_TABLE}").fetchall()
        except psycopg.Error:
            return None   # a table of that name with other columns: not ours
        meta = {str(k): str(v) for k, v in rows}
        return meta if meta.get("generator") == GENERATOR else None

    @contextlib.contextmanager
    def exclusive(self, reporter: Reporter) -> Iterator[None]:
        """An advisory lock on the schema for the whole build (another build into it waits), then the
        ownership check."""
        key = lock_key(self.schema)
        with self._faults():
            conn = self._connect(autocommit=True)
        try:
            with self._faults():
                if not _first(conn, "SELECT pg_try_advisory_lock(%s)", (key,)):
                    reporter.info(f"waiting for another GeoTwin build into schema {self.schema}")
                    while not _first(conn, "SELECT pg_try_advisory_lock(%s)", (key,)):
                        reporter.check()
                        time.sleep(_WAIT_SECONDS)
                state = self._owner_state(conn)
            if state == LEGACY:
                reporter.info(f"{self.describe()}: a twin of an older GeoTwin (no {META_TABLE} table): it is updated "
                              f"and marked as GeoTwin's")
            yield
        finally:
            with contextlib.suppress(Exception):
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            with contextlib.suppress(Exception):
                conn.close()

    def layer_names(self) -> list[str]:
        with self._faults(), contextlib.closing(self._connect()) as conn:
            rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                                "AND table_type = 'BASE TABLE' ORDER BY table_name", (self.schema,)).fetchall()
        return [r[0] for r in rows if r[0] not in _SYSTEM_TABLES and r[0] != META_TABLE]

    def stored_spec(self, name: str) -> LayerSpec:
        with self._faults(), contextlib.closing(self._connect()) as conn:
            cols = conn.execute("SELECT column_name, data_type, udt_name FROM information_schema.columns "
                                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                                (self.schema, name)).fetchall()
            geom = conn.execute("SELECT type, coord_dimension FROM geometry_columns WHERE f_table_schema = %s "
                                "AND f_table_name = %s AND f_geometry_column = 'geom'", (self.schema, name)).fetchone()
        fields = {c: _KINDS.get(t, "str") for c, t, _ in cols if c not in ("fid", "geom")}
        geometry_type = None
        if geom is not None:
            geometry_type = geom[0].title().replace("polygon", "Polygon").replace("string", "String")
            geometry_type += "Z" if geom[1] == 3 and not geometry_type.endswith("Z") else ""
        return LayerSpec(name, geometry_type, fields, "as stored in PostGIS")

    def read(self, spec: LayerSpec, columns: Sequence[str] | None = None, bbox: BBox | None = None,
             rows: RowRange | None = None, where_in: WhereIn | None = None) -> pd.DataFrame:
        import geopandas as gpd

        values = None if where_in is None else where_values(spec, where_in)
        spec = column_spec(spec, columns)
        cols = [_ident(n) for n in spec.fields]
        if spec.geometry_type is not None:
            cols.append("ST_AsEWKB(geom)")
        terms: list[str] = []
        params: list[Any] = []
        if bbox is not None and spec.geometry_type is not None:
            terms.append("ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, ST_SRID(geom)))")   # as GDAL filters
            params += [float(v) for v in bbox]
        if where_in is not None:
            terms.append(f"{_ident(where_in[0])} = ANY(%s)")
            params.append(values)
        where = (" WHERE " + " AND ".join(terms)) if terms else ""
        limit = ""
        if rows is not None:
            limit = f" LIMIT {max(0, int(rows[1]) - int(rows[0]))} OFFSET {max(0, int(rows[0]))}"
        with self._faults(), contextlib.closing(self._connect()) as conn:
            records = conn.execute(f"SELECT {', '.join(cols) or 'NULL'} FROM {_ident(self.schema)}."
                                   f"{_ident(spec.name)}{where} ORDER BY fid{limit}", params).fetchall()
        names = list(spec.fields)
        frame = pd.DataFrame([r[:len(names)] for r in records], columns=names, dtype=object)
        crs = self.crs() if spec.geometry_type is not None else None
        if spec.geometry_type is not None:
            geoms = [None if r[-1] is None else shapely.from_wkb(bytes(r[-1])) for r in records]
            frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs))
        return conform(frame, spec, crs)

    def iter_rows(self, name: str, columns: Sequence[str], batch: int,
                  fids: tuple[int, int] | None = None) -> Iterator[tuple[list[tuple[Any, ...]], list[bytes | None]]]:
        columns = list(columns)
        n = len(columns)
        with self._faults(), contextlib.closing(self._connect()) as conn:
            types: dict[str, str] = dict(conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE "
                "table_schema = %s AND table_name = %s", (self.schema, name)).fetchall())
            select = [_ident(c) if c in types else "NULL" for c in columns]
            select.append("ST_AsBinary(geom)" if "geom" in types else "NULL")
            as_json = [i for i, c in enumerate(columns) if types.get(c) in ("jsonb", "json")]
            with conn.cursor(name="geotwin_iter_rows") as cursor:   # server side: never the whole layer
                where = " WHERE fid BETWEEN %s AND %s" if fids is not None else ""
                cursor.execute(f"SELECT {', '.join(select)} FROM {_ident(self.schema)}.{_ident(name)}{where} "
                               "ORDER BY fid", fids)
                while chunk := cursor.fetchmany(batch):
                    out = [r[:n] for r in chunk]
                    if as_json:   # the text a GeoPackage twin holds (canonical JSON), not jsonb's own
                        out = [tuple(canonical_json(v) if i in as_json else v for i, v in enumerate(r)) for r in out]
                    yield out, [None if r[n] is None else bytes(r[n]) for r in chunk]

    def row_ranges(self, name: str, size: int) -> list[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        with self._faults(), contextlib.closing(self._connect()) as conn:
            with conn.cursor(name="geotwin_row_ranges") as cursor:   # server side: never every fid at once
                cursor.execute(f"SELECT fid FROM {_ident(self.schema)}.{_ident(name)} ORDER BY fid")
                while chunk := cursor.fetchmany(max(1, size)):
                    out.append((int(chunk[0][0]), int(chunk[-1][0]), len(chunk)))
        return out

    def count_by(self, name: str, column: str) -> dict[Any, int]:
        with self._faults(), contextlib.closing(self._connect()) as conn:
            return dict(conn.execute(f"SELECT {_ident(column)}, count(*) FROM {_ident(self.schema)}.{_ident(name)} "
                                     "GROUP BY 1").fetchall())

    def crs(self) -> str | None:
        with self._faults(), contextlib.closing(self._connect()) as conn:
            row = conn.execute("SELECT srid FROM geometry_columns WHERE f_table_schema = %s AND srid > 0 "
                               "ORDER BY f_table_name = 'buildings' DESC LIMIT 1", (self.schema,)).fetchone()
        return f"EPSG:{row[0]}" if row else None

    @contextlib.contextmanager
    def transaction(self, crs: str | None, reporter: Reporter | None = None) -> Iterator[StoreWriter]:
        reporter = reporter or Reporter()
        with self._faults():
            conn = self._connect()
            watch = _CancelWatch(conn, reporter)
            try:
                with watch, conn.transaction():
                    self._owner_state(conn)
                    schema = _ident(self.schema)
                    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                    conn.execute(f"CREATE TABLE IF NOT EXISTS {schema}.{META_TABLE} (key text PRIMARY KEY, "
                                 "value text NOT NULL)")
                    for key, value in marker(TWIN).items():
                        keep = "NOTHING" if key == "created" else "UPDATE SET value = EXCLUDED.value"
                        conn.execute(f"INSERT INTO {schema}.{META_TABLE} (key, value) VALUES (%s, %s) "
                                     f"ON CONFLICT (key) DO {keep}", (key, value))
                    yield _PgWriter(conn, self.schema, srid_of(crs), reporter)
                    reporter.check()         # the last moment to cancel: the commit follows
            except Exception as err:
                if watch.fired and type(err).__name__ == "QueryCanceled":
                    raise Cancelled() from None
                raise
            finally:
                with contextlib.suppress(Exception):
                    conn.close()

    def describe(self) -> str:
        return f"PostGIS {safe_dsn(self.dsn)} schema {self.schema}"

    def local_geopackage(self) -> Path | None:
        return None   # a database: read through the store interface
