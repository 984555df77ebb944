"""Empty GeoPackage layers made by sqlite3 exactly as GDAL's GPKG driver (3.6) creates them, so that a writer whose
rows go in by sqlite3 need not import GDAL's bindings (a tenth of a second of start-up) only to create its tables.

``create_layer(con, spec, crs)`` creates the GeoPackage's own tables on an empty database (the statements, default
spatial reference systems, application id and version GDAL writes) and then the layer: its table (GDAL's column
types and quoting), its gpkg_contents, gpkg_geometry_columns and gpkg_ogr_contents rows, its feature count triggers
and its SRS row. It returns False, creating nothing, for what it does not know as GDAL writes it (a CRS not in
``GDAL_SRS``, a measured geometry): the caller then lets GDAL create the layer. The test compares every table, row
and statement with GDAL's own creation, and pyogrio's and ogrinfo's reading of both.
"""
from __future__ import annotations

import sqlite3

from .schema import LayerSpec

GPKG_APPLICATION_ID = 0x47504B47   # "GPKG"
GPKG_USER_VERSION = 10200          # GeoPackage 1.2, as GDAL 3.6 writes a new file

_TILE_CHECKS = (("zoom_level", "cannot be less than 0", "(NEW.zoom_level < 0)"),
                ("matrix_width", "cannot be less than 1", "(NEW.matrix_width < 1)"),
                ("matrix_height", "cannot be less than 1", "(NEW.matrix_height < 1)"),
                ("pixel_x_size", "must be greater than 0", "NOT (NEW.pixel_x_size > 0)"),
                ("pixel_y_size", "must be greater than 0", "NOT (NEW.pixel_y_size > 0)"))


def _tile_triggers() -> list[str]:
    """GDAL's gpkg_tile_matrix triggers, word for word (its zoom_level update trigger says ``of``)."""
    out = []
    for column, rule, condition in _TILE_CHECKS:
        for event in ("insert", "update"):
            on = "INSERT" if event == "insert" else ("UPDATE of" if column == "zoom_level" else "UPDATE OF") + \
                f" {column}"
            out.append(f"CREATE TRIGGER 'gpkg_tile_matrix_{column}_{event}' BEFORE {on} ON 'gpkg_tile_matrix' FOR "
                       f"EACH ROW BEGIN SELECT RAISE(ABORT, '{event} on table ''gpkg_tile_matrix'' violates "
                       f"constraint: {column} {rule}') WHERE {condition}; END")
    return out


# the statements GDAL runs on a new GeoPackage, in its order
_BASE_TABLES = (
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,srs_id INTEGER NOT NULL PRIMARY KEY,organization "
    "TEXT NOT NULL,organization_coordsys_id INTEGER NOT NULL,definition  TEXT NOT NULL,description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,data_type TEXT NOT NULL,identifier TEXT "
    "UNIQUE,description TEXT DEFAULT '',last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    "min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y DOUBLE,srs_id INTEGER,CONSTRAINT fk_gc_r_srs_id FOREIGN KEY "
    "(srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_ogr_contents(table_name TEXT NOT NULL PRIMARY KEY,feature_count INTEGER DEFAULT NULL)",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,column_name TEXT NOT NULL,geometry_type_name TEXT "
    "NOT NULL,srs_id INTEGER NOT NULL,z TINYINT NOT NULL,m TINYINT NOT NULL,CONSTRAINT pk_geom_cols PRIMARY KEY "
    "(table_name, column_name),CONSTRAINT uk_gc_table_name UNIQUE (table_name),CONSTRAINT fk_gc_tn FOREIGN KEY "
    "(table_name) REFERENCES gpkg_contents(table_name),CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES "
    "gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_tile_matrix_set (table_name TEXT NOT NULL PRIMARY KEY,srs_id INTEGER NOT NULL,min_x DOUBLE "
    "NOT NULL,min_y DOUBLE NOT NULL,max_x DOUBLE NOT NULL,max_y DOUBLE NOT NULL,CONSTRAINT fk_gtms_table_name "
    "FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),CONSTRAINT fk_gtms_srs FOREIGN KEY (srs_id) "
    "REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_tile_matrix (table_name TEXT NOT NULL,zoom_level INTEGER NOT NULL,matrix_width INTEGER NOT "
    "NULL,matrix_height INTEGER NOT NULL,tile_width INTEGER NOT NULL,tile_height INTEGER NOT NULL,pixel_x_size DOUBLE "
    "NOT NULL,pixel_y_size DOUBLE NOT NULL,CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level),CONSTRAINT "
    "fk_tmm_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name))",
    *_tile_triggers(),
)

_AUTH = ',AUTHORITY["EPSG","{}"]'
_GREENWICH = 'PRIMEM["Greenwich",0' + _AUTH.format(8901) + '],UNIT["degree",0.0174532925199433' + \
    _AUTH.format(9122) + "]"
_ETRS89 = ('GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,'
           '298.257222101' + _AUTH.format(7019) + "]" + _AUTH.format(6258) + "]," + _GREENWICH + _AUTH.format(4258)
           + "]")
_DHDN = ('GEOGCS["DHDN",DATUM["Deutsches_Hauptdreiecksnetz",SPHEROID["Bessel 1841",6377397.155,299.1528128'
         + _AUTH.format(7004) + "]" + _AUTH.format(6314) + "]," + _GREENWICH + _AUTH.format(4314) + "]")
_AMERSFOORT = ('GEOGCS["Amersfoort",DATUM["Amersfoort",SPHEROID["Bessel 1841",6377397.155,299.1528128'
               + _AUTH.format(7004) + "]" + _AUTH.format(6289) + "]," + _GREENWICH + _AUTH.format(4289) + "]")
_METRE = 'UNIT["metre",1' + _AUTH.format(9001) + "]"
_EN, _NE = 'AXIS["Easting",EAST],AXIS["Northing",NORTH]', 'AXIS["Northing",NORTH],AXIS["Easting",EAST]'


def _projected(name: str, code: int, geographic: str, projection: str, parameters: str, axes: str) -> str:
    return (f'PROJCS["{name}",{geographic},PROJECTION["{projection}"],{parameters},{_METRE},{axes}'
            + _AUTH.format(code) + "]")


def _tm(lon0: int, k: str, x0: int) -> str:
    return (f'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",{lon0}],PARAMETER["scale_factor",{k}],'
            f'PARAMETER["false_easting",{x0}],PARAMETER["false_northing",0]')


def _srs_row(name: str, code: int, definition: str) -> tuple[str, int, str, int, str, None]:
    return name, code, "EPSG", code, definition, None


# The row GDAL 3.6 (with PROJ's database) writes into gpkg_spatial_ref_sys for each CRS it is given as ``EPSG:n``
# (srs_name, srs_id, organization, organization_coordsys_id, definition, description); the test checks each
# against GDAL. EPSG:4326 is one of the rows every new GeoPackage has.
GDAL_SRS: dict[str, tuple[str, int, str, int, str, None]] = {
    "EPSG:25832": _srs_row("ETRS89 / UTM zone 32N", 25832, _projected(
        "ETRS89 / UTM zone 32N", 25832, _ETRS89, "Transverse_Mercator", _tm(9, "0.9996", 500000), _EN)),
    "EPSG:25833": _srs_row("ETRS89 / UTM zone 33N", 25833, _projected(
        "ETRS89 / UTM zone 33N", 25833, _ETRS89, "Transverse_Mercator", _tm(15, "0.9996", 500000), _EN)),
    "EPSG:31467": _srs_row("DHDN / 3-degree Gauss-Kruger zone 3", 31467, _projected(
        "DHDN / 3-degree Gauss-Kruger zone 3", 31467, _DHDN, "Transverse_Mercator", _tm(9, "1", 3500000), _NE)),
    "EPSG:31468": _srs_row("DHDN / 3-degree Gauss-Kruger zone 4", 31468, _projected(
        "DHDN / 3-degree Gauss-Kruger zone 4", 31468, _DHDN, "Transverse_Mercator", _tm(12, "1", 4500000), _NE)),
    "EPSG:28992": _srs_row("Amersfoort / RD New", 28992, _projected(
        "Amersfoort / RD New", 28992, _AMERSFOORT, "Oblique_Stereographic",
        'PARAMETER["latitude_of_origin",52.1561605555556],PARAMETER["central_meridian",5.38763888888889],'
        'PARAMETER["scale_factor",0.9999079],PARAMETER["false_easting",155000],PARAMETER["false_northing",463000]',
        _EN)),
}
_WGS84 = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563' + _AUTH.format(7030) + "]"
          + _AUTH.format(6326) + "]," + _GREENWICH + ',AXIS["Latitude",NORTH],AXIS["Longitude",EAST]'
          + _AUTH.format(4326) + "]")
_DEFAULT_SRS = (
    ("Undefined Cartesian SRS", -1, "NONE", -1, "undefined", "undefined Cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84,
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
)
_COLUMN_TYPES = {"int": "INTEGER", "float": "REAL", "bool": "BOOLEAN"}   # any other kind: TEXT (OFTString)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def knows(spec: LayerSpec, crs: str | None) -> bool:
    """Whether ``create_layer`` makes this layer as GDAL would (else it is GDAL's to create).

    Example:
        >>> knows(LayerSpec("a", "PolygonZ", {"id": "str"}), "EPSG:25832"), knows(LayerSpec("a", None), None)
        (True, True)
        >>> knows(LayerSpec("a", "PointM"), "EPSG:25832"), knows(LayerSpec("a", "Point"), "EPSG:2056")
        (False, False)
    """
    if spec.geometry_type is None:
        return True
    if spec.geometry_type.endswith("M"):
        return False
    return crs is None or crs in GDAL_SRS or crs == "EPSG:4326"


def _srs_id(con: sqlite3.Connection, crs: str | None) -> int | None:
    """The srs_id of ``crs`` in the file, its GDAL row inserted when missing; None when GDAL would number it."""
    if crs is None:
        return 0
    code = int(crs.removeprefix("EPSG:"))
    found = con.execute("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE upper(organization) = 'EPSG' AND "
                        "organization_coordsys_id = ?", (code,)).fetchone()
    if found is not None:
        return int(found[0])
    if con.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?", (code,)).fetchone():
        return None
    con.execute("INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, "
                "definition, description) VALUES (?, ?, ?, ?, ?, ?)", GDAL_SRS[crs])
    return code


def _prepare(con: sqlite3.Connection) -> None:
    """GDAL's GeoPackage tables on an empty database; a database without gpkg_contents is not a GeoPackage."""
    if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
        con.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
        for statement in _BASE_TABLES:
            con.execute(statement)
        con.executemany("INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, "
                        "definition, description) VALUES (?, ?, ?, ?, ?, ?)", _DEFAULT_SRS)
    elif not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_contents'").fetchone():
        raise sqlite3.DatabaseError("no gpkg_contents table")


def create_layer(con: sqlite3.Connection, spec: LayerSpec, crs: str | None) -> bool:
    """Create the empty layer ``spec`` (without spatial index) in the GeoPackage of ``con`` as GDAL creates it, the
    GeoPackage's own tables first when the database is empty; committed. False, nothing created, when ``knows`` says
    no or the CRS's srs_id is taken by another one.

    Raises:
        sqlite3.DatabaseError: the file is not a GeoPackage (not SQLite, or without gpkg_contents).
        sqlite3.OperationalError: the layer exists already.

    Example:
        >>> con = sqlite3.connect(":memory:")
        >>> create_layer(con, LayerSpec("trees", "PointZ", {"height": "float"}), "EPSG:25832")
        True
        >>> con.execute("SELECT sql FROM sqlite_master WHERE name = 'trees'").fetchone()[0]
        'CREATE TABLE "trees" ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" POINT, "height" REAL)'
        >>> con.execute("SELECT * FROM gpkg_geometry_columns").fetchall()
        [('trees', 'geom', 'POINT', 25832, 1, 0)]
    """
    if not knows(spec, crs):
        return False
    try:
        _prepare(con)
        srs = _srs_id(con, crs if spec.geometry_type else None)
        if srs is None:
            con.rollback()
            return False
        _create_table(con, spec, srs)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return True


def _create_table(con: sqlite3.Connection, spec: LayerSpec, srs: int) -> None:
    name = spec.name
    columns = ['"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL']
    kind = spec.geometry_type
    if kind is not None:
        columns.append(f'"geom" {kind.removesuffix("Z").upper()}')
    columns += [f"{_ident(field)} {_COLUMN_TYPES.get(k, 'TEXT')}" for field, k in spec.fields.items()]
    con.execute(f"CREATE TABLE {_ident(name)} ( {', '.join(columns)})")
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
                "VALUES (?, ?, ?, '', strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?)",
                (name, "attributes" if kind is None else "features", name, srs))
    if kind is not None:
        con.execute("INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
                    "VALUES (?, 'geom', ?, ?, ?, 0)", (name, kind.removesuffix("Z").upper(), srs,
                                                       int(kind.endswith("Z"))))
    for event, sign in (("insert", "+"), ("delete", "-")):
        con.execute(f"CREATE TRIGGER {_ident(f'trigger_{event}_feature_count_{name}')} AFTER {event.upper()} ON "
                    f"{_ident(name)} BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count {sign} 1 WHERE "
                    f"lower(table_name) = lower({_literal(name)}); END")
    con.execute("INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, NULL)", (name,))
