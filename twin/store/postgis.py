"""PostGIS backend of the twin store: the same layers as tables of one schema (psycopg 3).

Geometry column ``geom`` typed ``geometry(<type>, <srid>)`` with a GiST index; ``json`` fields
are ``jsonb``; ``fid`` is a bigserial primary key (row order = insertion order, as in a
GeoPackage). Rows are loaded with COPY, geometries as hex EWKB with the SRID and Z.
"""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence

import pandas as pd
import shapely

from ..errors import GeoTwinError
from ..schema import LayerSpec
from .base import StoreWriter, TwinStore
from .frames import conform, records

_SQL_TYPES = {"str": "text", "int": "bigint", "float": "double precision", "bool": "boolean",
              "datetime": "text", "json": "jsonb"}
_KINDS = {"text": "str", "bigint": "int", "integer": "int", "smallint": "int", "double precision": "float",
          "real": "float", "boolean": "bool", "jsonb": "json", "json": "json",
          "timestamp with time zone": "datetime", "timestamp without time zone": "datetime"}
_SYSTEM_TABLES = {"spatial_ref_sys"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def safe_dsn(dsn: str) -> str:
    """The DSN without its password, for messages."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - an unparsable DSN is shown as nothing rather than leaked
        return "<invalid connection string>"
    params.pop("password", None)
    return make_conninfo(**params)


def srid_of(crs: str | None) -> int:
    """The EPSG code of the horizontal CRS (PostGIS has no compound SRIDs); 0 when unknown."""
    if not crs:
        return 0
    from pyproj import CRS

    parsed = CRS.from_user_input(crs)
    if parsed.is_compound:
        parsed = parsed.sub_crs_list[0]
    code = parsed.to_epsg()
    return int(code) if code else 0


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise GeoTwinError(f"not a valid table or column name: {name!r}")
    return f'"{name}"'


class _PgWriter(StoreWriter):
    def __init__(self, conn, schema: str, srid: int) -> None:
        self.conn = conn
        self.schema = schema
        self.srid = srid

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
                for row in records(frame, spec):
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


class PostgisStore(TwinStore):
    """A twin in one schema of a PostGIS database."""

    def __init__(self, dsn: str, schema: str = "geotwin") -> None:
        _ident(schema)
        self.dsn = dsn
        self.schema = schema

    def _connect(self):
        try:
            import psycopg
        except ImportError:
            raise GeoTwinError("a PostGIS store needs the Python package psycopg 3 (pip install 'psycopg[binary]')") \
                from None

        try:
            return psycopg.connect(self.dsn, connect_timeout=20)
        except psycopg.Error as err:
            raise GeoTwinError(f"cannot connect to PostGIS ({safe_dsn(self.dsn)}): "
                               f"{str(err).strip().splitlines()[0]}") from None

    def layer_names(self) -> list[str]:
        with contextlib.closing(self._connect()) as conn:
            rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                                "AND table_type = 'BASE TABLE' ORDER BY table_name", (self.schema,)).fetchall()
        return [r[0] for r in rows if r[0] not in _SYSTEM_TABLES]

    def stored_spec(self, name: str) -> LayerSpec:
        with contextlib.closing(self._connect()) as conn:
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

    def read(self, spec: LayerSpec) -> pd.DataFrame:
        import geopandas as gpd

        cols = [_ident(n) for n in spec.fields]
        if spec.geometry_type is not None:
            cols.append("ST_AsEWKB(geom)")
        with contextlib.closing(self._connect()) as conn:
            rows = conn.execute(f"SELECT {', '.join(cols)} FROM {_ident(self.schema)}.{_ident(spec.name)} "
                                "ORDER BY fid").fetchall()
        names = list(spec.fields)
        frame = pd.DataFrame([r[:len(names)] for r in rows], columns=names, dtype=object)
        crs = self.crs() if spec.geometry_type is not None else None
        if spec.geometry_type is not None:
            geoms = [None if r[-1] is None else shapely.from_wkb(bytes(r[-1])) for r in rows]
            frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs))
        return conform(frame, spec, crs)

    def crs(self) -> str | None:
        with contextlib.closing(self._connect()) as conn:
            row = conn.execute("SELECT srid FROM geometry_columns WHERE f_table_schema = %s AND srid > 0 "
                               "ORDER BY f_table_name = 'buildings' DESC LIMIT 1", (self.schema,)).fetchone()
        return f"EPSG:{row[0]}" if row else None

    @contextlib.contextmanager
    def transaction(self, crs: str | None) -> Iterator[StoreWriter]:
        conn = self._connect()
        try:
            with conn.transaction():
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(self.schema)}")
                yield _PgWriter(conn, self.schema, srid_of(crs))
        finally:
            conn.close()

    def describe(self) -> str:
        return f"PostGIS {safe_dsn(self.dsn)} schema {self.schema}"
