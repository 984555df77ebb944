"""3D Tiles from the twin store: the sample district's twin built into a GeoPackage and into PostGIS by
geotwin:buildtwin exports to the same tiles (every content file byte for byte, tileset.json equal), through
the core (a PostgreSQL connection string or a store object) and through geotwin:export3dtiles (DATABASE and
SCHEMA)."""
from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest
from qgis.core import QgsProcessingException

from geotwin.twin.kernel.errors import GeoTwinError, InputError
from geotwin.twin.store import StoreReader, open_store
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles

BUILDINGS = 30


def _files(folder: Path) -> dict[str, str]:
    """sha256 of every file of an export but its report (which names the source) and availability.json
    (the islands' busy times from the moment of export on)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in (REPORT_NAME, "availability.json")}


def _drop(pg_dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module")
def twins(run_alg, district_sources, tmp_path_factory, pg_dsn):
    """The district's twin in a GeoPackage and in a PostGIS schema, both built by geotwin:buildtwin."""
    from psycopg.conninfo import conninfo_to_dict
    from qgis.core import QgsSettings

    out = tmp_path_factory.mktemp("storetiles")
    inputs = district_sources(out, BUILDINGS)
    gpkg = run_alg("geotwin:buildtwin", {**inputs, "OUTPUT": str(out / "twin.gpkg")})["OUTPUT"]
    schema = f"tiles_{uuid.uuid4().hex[:8]}"
    params = conninfo_to_dict(pg_dsn)   # a QGIS connection, as the Data Source Manager saves it
    name = f"geotwin-tiles-{uuid.uuid4().hex[:8]}"
    key = f"PostgreSQL/connections/{name}"
    settings = QgsSettings()
    for setting, value in (("host", params.get("host", "")), ("port", params.get("port", "5432")),
                           ("database", params["dbname"]), ("username", params.get("user", "")),
                           ("saveUsername", "true"), ("password", params.get("password", "")),
                           ("savePassword", "true" if params.get("password") else "false")):
        settings.setValue(f"{key}/{setting}", value)
    run_alg("geotwin:buildtwin", {**inputs, "DATABASE": name, "SCHEMA": schema})
    yield {"gpkg": Path(gpkg), "schema": schema, "connection": name, "out": out}
    settings.remove(key)
    _drop(pg_dsn, schema)


@pytest.mark.parametrize("options", [ExportOptions(), ExportOptions(implicit=True),
                                     ExportOptions(format="1.0"), ExportOptions(features="surface")],
                         ids=["1.1", "1.1-implicit", "1.0", "1.1-surface"])
def test_postgis_twin_exports_the_same_tiles(twins, pg_dsn, tmp_path, options):
    from_gpkg = export_3dtiles(twins["gpkg"], tmp_path / "gpkg", options)
    from_pg = export_3dtiles(open_store(pg_dsn, twins["schema"]), tmp_path / "pg", options)
    a, b = _files(from_gpkg.output), _files(from_pg.output)
    tiles = [f for f in a if f.startswith("tiles/")]
    # the twin's BIM and marker tiles are there (3D Tiles 1.1), and city-model tiles in either version
    assert len([f for f in tiles if f.startswith(("tiles/bim/", "tiles/points/"))]) == (
        0 if options.format == "1.0" else len(from_gpkg.report["twin"]["bim_tiles"]) + 2)
    assert len(tiles) == len(from_gpkg.report["incremental"]["tiles"]) >= 1
    assert a == b   # every tile, tileset.json, the metadata schema, the GeoJSON, the viewer: byte for byte
    assert json.loads((from_gpkg.tileset).read_text()) == json.loads(from_pg.tileset.read_text())
    assert from_pg.summary.source.startswith("PostGIS") or twins["schema"] in from_pg.summary.source
    assert "password" not in from_pg.summary.source
    for report in (from_gpkg.summary, from_pg.summary):   # the same twin: the same counts
        assert report.buildings == from_gpkg.report["buildings"] == BUILDINGS + len(
            [b for b in from_gpkg.report["twin"]["bim_tiles"] if b["building_id"] == b["bim_building_id"]])
        assert report.tiles == from_gpkg.tiles


def test_dsn_reads_the_store_and_reuses_tiles(twins, pg_dsn, tmp_path):
    """A connection string names the schema ``geotwin`` by default; with the schema given it is the store.
    Exporting the PostGIS twin into the GeoPackage twin's export keeps every tile (same content keys)."""
    from geotwin.twin.tiles.source import open_source

    with open_source(pg_dsn, schema=twins["schema"]) as (path, label):
        assert path.suffix == ".gpkg" and twins["schema"] in label
    first = export_3dtiles(twins["gpkg"], tmp_path / "tiles", ExportOptions(viewer=False))
    again = export_3dtiles(open_store(pg_dsn, twins["schema"]), tmp_path / "tiles", ExportOptions(viewer=False))
    assert again.summary.rewritten == [] and again.summary.reused == first.summary.rewritten


def test_algorithm_exports_a_postgis_twin(run_alg, twins, tmp_path):
    gpkg = run_alg("geotwin:export3dtiles", {"INPUT": str(twins["gpkg"]), "OUTPUT": str(tmp_path / "gpkg")})
    pg = run_alg("geotwin:export3dtiles", {"DATABASE": twins["connection"], "SCHEMA": twins["schema"],
                                           "OUTPUT": str(tmp_path / "pg")})
    assert pg["TILES"] == gpkg["TILES"] and pg["REWRITTEN"] == gpkg["REWRITTEN"] > 0 and pg["REUSED"] == 0
    assert _files(tmp_path / "gpkg") == _files(tmp_path / "pg")


def test_algorithm_needs_exactly_one_source(run_alg, twins, tmp_path):
    for params in ({}, {"INPUT": str(twins["gpkg"]), "DATABASE": twins["connection"], "SCHEMA": twins["schema"]}):
        with pytest.raises(QgsProcessingException, match="Give either the city model or twin GeoPackage"):
            run_alg("geotwin:export3dtiles", {**params, "OUTPUT": str(tmp_path / "tiles")})
    with pytest.raises(QgsProcessingException, match="No PostgreSQL connection named nowhere"):
        run_alg("geotwin:export3dtiles", {"DATABASE": "nowhere", "OUTPUT": str(tmp_path / "tiles")})
    assert not (tmp_path / "tiles").exists()


def test_an_empty_schema_is_refused_by_name(pg_dsn, tmp_path):
    schema = f"empty_{uuid.uuid4().hex[:8]}"
    with pytest.raises(InputError, match=r"no 'buildings' layer: build the twin into it") as err:
        export_3dtiles(open_store(pg_dsn, schema), tmp_path / "tiles")
    assert schema in str(err.value) and "password" not in str(err.value)
    assert not (tmp_path / "tiles").exists()


def test_a_geopackage_store_is_read_directly(twins, tmp_path):
    """A GeoPackage twin store is exported from its file (no snapshot): the report names the file."""
    from geotwin.twin.tiles.source import open_source

    store = open_store(twins["gpkg"])
    with open_source(store) as (path, label):
        assert path == twins["gpkg"] and label == str(twins["gpkg"])
    by_store = export_3dtiles(store, tmp_path / "store", ExportOptions(viewer=False))
    by_path = export_3dtiles(twins["gpkg"], tmp_path / "path", ExportOptions(viewer=False))
    assert _files(by_store.output) == _files(by_path.output)
    assert by_store.report == by_path.report


class _Opaque(StoreReader):
    """A GeoPackage twin behind the store interface that does not say it is a file (``local_geopackage`` None):
    the export must then read it through the interface, as it reads PostGIS."""

    def __init__(self, inner):
        self.inner = inner

    def layer_names(self):
        return self.inner.layer_names()

    def stored_spec(self, name):
        return self.inner.stored_spec(name)

    def read(self, spec, columns=None, bbox=None, rows=None):
        return self.inner.read(spec, columns, bbox, rows)

    def iter_rows(self, name, columns, batch):
        return self.inner.iter_rows(name, columns, batch)

    def count_by(self, name, column):
        return self.inner.count_by(name, column)

    def crs(self):
        return self.inner.crs()

    def describe(self):
        return f"opaque view of {self.inner.describe()}"

    def local_geopackage(self):
        return None


def test_a_store_without_ranges_of_rows_says_so(twins):
    """``row_ranges`` (the export plan's ranges) is the GeoPackage's and PostGIS's; another store names itself."""
    opaque = _Opaque(open_store(twins["gpkg"]))
    assert open_store(twins["gpkg"]).row_ranges("buildings", 10**9)[0][2] > 0
    with pytest.raises(GeoTwinError, match=rf"^opaque view of .*{twins['gpkg'].name}: this store cannot read a layer "
                                           "in ranges of rows"):
        opaque.row_ranges("buildings", 100)


def test_the_export_asks_the_store_for_a_local_geopackage(twins, tmp_path):
    """open_source decides by StoreReader.local_geopackage(), not by the store's class: a GeoPackage store that
    answers None is copied through the interface into a snapshot, and gives the same tiles as its file."""
    from geotwin.twin.tiles.source import open_source

    opaque = _Opaque(open_store(twins["gpkg"]))
    with open_source(opaque) as (path, label):
        snapshot = path
        assert path != twins["gpkg"] and path.is_file() and label == f"opaque view of {twins['gpkg']}"
        assert sorted(open_store(path).layer_names()) == sorted(opaque.layer_names())
    assert not snapshot.exists()   # the snapshot is removed afterwards
    by_interface = export_3dtiles(opaque, tmp_path / "opaque", ExportOptions(viewer=False))
    by_path = export_3dtiles(twins["gpkg"], tmp_path / "path", ExportOptions(viewer=False))
    assert _files(by_interface.output) == _files(by_path.output)
    assert by_interface.summary.source == f"opaque view of {twins['gpkg']}" != by_path.summary.source
    assert by_interface.summary.buildings == by_path.summary.buildings >= BUILDINGS
