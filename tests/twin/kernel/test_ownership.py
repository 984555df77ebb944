"""GeoTwin writes only into outputs it created or that are empty: a user's GeoPackage or PostGIS schema is
refused untouched, public and system schemas are refused, concurrent builds into one schema are serialised."""
from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import threading
import uuid
from pathlib import Path

import pyogrio
import pytest

from geotwin.twin import __version__
from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.islands.importer import import_learning_islands
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.gpkg import gpkg_marker
from geotwin.twin.kernel.ownership import MARKER_URI
from geotwin.twin.kernel.progress import CollectingReporter, Reporter
from geotwin.twin.store import open_store, read_store

FZK_GML = "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml"
HAMBURG = "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml"
WLAN = "wlan/muenchen/wlan-standorte-muenchen.geojson"


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _strip_marker(path: Path) -> None:
    """What an older GeoTwin wrote: the same GeoPackage without the ownership marker."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM gpkg_metadata WHERE md_standard_uri = ?", (MARKER_URI,))]
        con.executemany("DELETE FROM gpkg_metadata_reference WHERE md_file_id = ?", [(i,) for i in ids])
        con.executemany("DELETE FROM gpkg_metadata WHERE id = ?", [(i,) for i in ids])
        con.commit()
    assert gpkg_marker(path) is None


@pytest.fixture(scope="module")
def city(tmp_path_factory, shared_data) -> Path:
    """The FZK-Haus city model as imported by GeoTwin (one building)."""
    out = tmp_path_factory.mktemp("own-city") / "fzk.gpkg"
    import_citymodel([shared_data / FZK_GML], out)
    return out


@pytest.fixture
def user_gpkg(tmp_path, shared_data) -> Path:
    """A user's own GeoPackage: the Munich WLAN sites, saved by the user as layer 'wlan'."""
    frame = pyogrio.read_dataframe(shared_data / WLAN)
    path = tmp_path / "user.gpkg"
    pyogrio.write_dataframe(frame, path, layer="wlan", driver="GPKG")
    return path


# -- GeoPackage -----------------------------------------------------------------------------------
def test_outputs_carry_the_marker(tmp_path, city):
    marker = gpkg_marker(city)
    assert marker["generator"] == "geotwin" and marker["kind"] == "citymodel" and marker["version"] == __version__
    assert marker["created"][:4].isdigit()
    # invisible as a layer: GDAL lists only the city model's layers
    assert "gpkg_metadata" not in {n for n, _ in pyogrio.list_layers(city)}
    twin = tmp_path / "twin.gpkg"
    build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
    assert gpkg_marker(twin)["kind"] == "twin"


def test_twin_into_a_users_geopackage_is_refused_untouched(tmp_path, city, user_gpkg):
    before = _sha(user_gpkg)
    with pytest.raises(GeoTwinError, match=r"GeoTwin did not write: wlan \(1 table\)") as err:
        build_twin(open_store(user_gpkg), BuildInputs(citymodel=[str(city)]))
    text = str(err.value)
    assert str(user_gpkg) in text and "GeoTwin did not write: wlan (1 table)" in text
    assert _sha(user_gpkg) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_twin_into_the_learning_islands_geopackage_is_refused(tmp_path, city, shared_data):
    islands = tmp_path / "islands.gpkg"
    import_learning_islands(str(shared_data / WLAN), str(islands), target_crs="EPSG:25832",
                            field_mapping="name=adresse")
    rows = len(pyogrio.read_dataframe(islands, layer="learning_islands"))
    assert rows == 171
    before = _sha(islands)
    with pytest.raises(GeoTwinError, match="holds GeoTwin's islands output, and this run writes twin output"):
        build_twin(open_store(islands), BuildInputs(citymodel=[str(city)]))
    assert _sha(islands) == before
    # the same file of an older GeoTwin (no marker) is no twin either: its layers are named
    _strip_marker(islands)
    before = _sha(islands)
    with pytest.raises(GeoTwinError, match=r"layers of another kind of output: learning_islands.*\(\d tables?\)"):
        build_twin(open_store(islands), BuildInputs(citymodel=[str(city)]))
    assert _sha(islands) == before and len(pyogrio.read_dataframe(islands, layer="learning_islands")) == 171


def test_a_file_that_is_no_geopackage_is_refused(tmp_path, city, shared_data):
    notes = tmp_path / "notes.gpkg"
    notes.write_text("my notes, not a database\n" * 100)
    before = _sha(notes)
    with pytest.raises(GeoTwinError, match="exists and is not a readable GeoPackage"):
        build_twin(open_store(notes), BuildInputs(citymodel=[str(city)]))
    with pytest.raises(GeoTwinError, match="exists and is not a readable GeoPackage"):
        import_citymodel([shared_data / FZK_GML], notes)
    assert _sha(notes) == before


def test_importers_refuse_foreign_and_other_kinds(tmp_path, city, user_gpkg, shared_data):
    before = _sha(user_gpkg)
    with pytest.raises(GeoTwinError, match=r"user.gpkg: the output exists and holds data that GeoTwin did not "
                                           r"write: wlan \(1 table\)"):
        import_citymodel([shared_data / FZK_GML], user_gpkg)
    assert _sha(user_gpkg) == before
    # a twin is not replaced by a city model import
    twin = tmp_path / "twin.gpkg"
    build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
    before = _sha(twin)
    with pytest.raises(GeoTwinError, match="a GeoTwin twin GeoPackage, which only Build digital twin updates"):
        import_citymodel([shared_data / FZK_GML], twin)
    assert _sha(twin) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_importer_never_replaces_another_kind_of_output(tmp_path, city, shared_data):
    islands = tmp_path / "islands.gpkg"
    import_learning_islands(str(shared_data / WLAN), str(islands), target_crs="EPSG:25832",
                            field_mapping="name=adresse")
    before = _sha(islands)
    with pytest.raises(GeoTwinError, match="holds GeoTwin's islands output, and this run writes citymodel output"):
        import_citymodel([shared_data / FZK_GML], islands)
    assert _sha(islands) == before and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # the city model over itself is fine (see below); the islands import over the city model is refused
    with pytest.raises(GeoTwinError, match="holds GeoTwin's citymodel output, and this run writes islands output"):
        import_learning_islands(str(shared_data / WLAN), str(city), target_crs="EPSG:25832",
                                field_mapping="name=adresse")
    assert gpkg_marker(city)["kind"] == "citymodel"


def test_empty_own_and_legacy_outputs_are_accepted(tmp_path, city, shared_data):
    # an empty file (as a file dialog may create it) and a GeoPackage with no user table
    empty = tmp_path / "empty.gpkg"
    empty.touch()
    import_citymodel([shared_data / FZK_GML], empty)
    assert gpkg_marker(empty)["kind"] == "citymodel"
    bare = tmp_path / "bare.gpkg"
    pyogrio.write_dataframe(pyogrio.read_dataframe(city, layer="sources"), bare, layer="scratch", driver="GPKG")
    with contextlib.closing(sqlite3.connect(bare)) as con:
        con.execute("DROP TABLE scratch")
        con.execute("DELETE FROM gpkg_contents")
        con.commit()
    build_twin(open_store(bare), BuildInputs(citymodel=[str(city)]))
    assert gpkg_marker(bare)["kind"] == "twin"
    # our own city model output is replaced by a new import (Hamburg instead of FZK-Haus)
    own = tmp_path / "own.gpkg"
    import_citymodel([shared_data / FZK_GML], own)
    created = gpkg_marker(own)["created"]
    import_citymodel([shared_data / HAMBURG], own)
    assert len(pyogrio.read_dataframe(own, layer="buildings", read_geometry=False)) == 118
    assert gpkg_marker(own)["created"] >= created
    # an older GeoTwin's city model output (no marker) is replaced, and marked
    _strip_marker(own)
    import_citymodel([shared_data / FZK_GML], own)
    assert gpkg_marker(own)["kind"] == "citymodel"
    assert len(pyogrio.read_dataframe(own, layer="buildings", read_geometry=False)) == 1


def test_an_older_twin_is_taken_over_and_marked(tmp_path, city):
    twin = tmp_path / "twin.gpkg"
    build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
    _strip_marker(twin)
    reporter = CollectingReporter()
    build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]), reporter=reporter)
    assert any("older GeoTwin" in m and "marked" in m for m in reporter.infos)
    assert gpkg_marker(twin)["kind"] == "twin"
    assert read_store(open_store(twin))["builds"]["build_id"].tolist() == [1, 2]


def test_an_older_twin_with_a_user_layer_is_refused(tmp_path, city, user_gpkg):
    twin = tmp_path / "twin.gpkg"
    build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
    _strip_marker(twin)
    pyogrio.write_dataframe(pyogrio.read_dataframe(user_gpkg), twin, layer="my_notes", driver="GPKG", append=False)
    before = _sha(twin)
    with pytest.raises(GeoTwinError, match=r"did not write: my_notes \(1 table\)"):
        build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
    assert _sha(twin) == before


# -- PostGIS ------------------------------------------------------------------------------------
@pytest.fixture
def schema(pg_dsn):
    import psycopg

    name = f"own_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _rows(pg_dsn: str, sql: str, *args) -> list[tuple]:
    import psycopg

    with psycopg.connect(pg_dsn) as conn:
        return conn.execute(sql, args).fetchall()


def _execute(pg_dsn: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def test_a_users_schema_is_refused_untouched(pg_dsn, schema, city):
    _execute(pg_dsn, f'CREATE SCHEMA "{schema}"',
             f'CREATE TABLE "{schema}".buildings (id text PRIMARY KEY, owner text, geom geometry(Point, 25832))',
             f'CREATE TABLE "{schema}".links (url text, title text)',
             f"INSERT INTO \"{schema}\".buildings SELECT 'b' || i, 'office ' || i, ST_SetSRID(ST_MakePoint(i, i), "
             f"25832) FROM generate_series(1, 250) i",
             f"INSERT INTO \"{schema}\".links VALUES ('https://example.org', 'home'), ('https://x.example', 'x')")
    content = "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)), count(*) FROM \"{}\".{} t"
    before = {t: _rows(pg_dsn, content.format(schema, t)) for t in ("buildings", "links")}
    with pytest.raises(GeoTwinError, match=r"GeoTwin did not write: buildings, links \(2 tables\)") as err:
        build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(city)]))
    text = str(err.value)
    assert f"schema {schema}" in text and "GeoTwin did not write: buildings, links (2 tables)" in text
    assert "password" not in text
    after = {t: _rows(pg_dsn, content.format(schema, t)) for t in ("buildings", "links")}
    assert after == before and before["buildings"][0][1] == 250 and before["links"][0][1] == 2
    tables = {r[0] for r in _rows(pg_dsn, "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                                  schema)}
    assert tables == {"buildings", "links"}


@pytest.mark.parametrize("name, message", [
    ("public", "schema 'public' is shared by every user of the database: choose a schema for the twin, e.g. geotwin"),
    ("Public", "schema 'public' is shared by every user"),
    ("pg_catalog", "schema 'pg_catalog' is a system schema of PostgreSQL or PostGIS"),
    ("information_schema", "is a system schema"),
    ("pg_toast", "is a system schema"),
    ("pg_temp_3", "is a system schema"),
    ("topology", "is a system schema"),
    ("tiger", "is a system schema"),
    ("twin; DROP TABLE x", "not a valid schema name"),
    ("1twin", "not a valid schema name"),
    ("a" * 64, "not a valid schema name"),
])
def test_shared_system_and_invalid_schemas_are_refused(pg_dsn, name, message):
    with pytest.raises(GeoTwinError, match=re.escape(message)) as err:
        open_store(pg_dsn, name)
    assert message in str(err.value) and "table or column" not in str(err.value)


def test_public_is_left_untouched(pg_dsn, city):
    before = _rows(pg_dsn, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                           "ORDER BY 1")
    with pytest.raises(GeoTwinError, match="shared by every user"):
        build_twin(open_store(pg_dsn, "public"), BuildInputs(citymodel=[str(city)]))
    assert _rows(pg_dsn, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                         "ORDER BY 1") == before


def test_empty_own_and_legacy_schemas_are_accepted(pg_dsn, schema, city):
    _execute(pg_dsn, f'CREATE SCHEMA "{schema}"')
    first = build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(city)]))
    assert first.buildings == 1
    meta = dict(_rows(pg_dsn, f'SELECT key, value FROM "{schema}".geotwin_meta'))
    assert meta["generator"] == "geotwin" and meta["kind"] == "twin" and meta["version"] == __version__
    # our own schema (a user's view on a twin table included) is rebuilt; created is kept
    _execute(pg_dsn, f'CREATE VIEW "{schema}".my_view AS SELECT id FROM "{schema}".buildings')
    build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(city)]))
    assert dict(_rows(pg_dsn, f'SELECT key, value FROM "{schema}".geotwin_meta'))["created"] == meta["created"]
    assert read_store(open_store(pg_dsn, schema))["builds"]["build_id"].tolist() == [1, 2]
    assert "geotwin_meta" not in open_store(pg_dsn, schema).layer_names()
    # a twin of an older GeoTwin (no geotwin_meta) is taken over and marked
    _execute(pg_dsn, f'DROP VIEW "{schema}".my_view', f'DROP TABLE "{schema}".geotwin_meta')
    reporter = CollectingReporter()
    build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(city)]), reporter=reporter)
    assert any("older GeoTwin" in m for m in reporter.infos)
    assert dict(_rows(pg_dsn, f'SELECT key, value FROM "{schema}".geotwin_meta'))["kind"] == "twin"


def test_a_schema_of_another_kind_is_refused(pg_dsn, schema, city):
    _execute(pg_dsn, f'CREATE SCHEMA "{schema}"',
             f'CREATE TABLE "{schema}".geotwin_meta (key text PRIMARY KEY, value text NOT NULL)',
             f"INSERT INTO \"{schema}\".geotwin_meta VALUES ('generator', 'geotwin'), ('kind', 'citymodel')")
    with pytest.raises(GeoTwinError, match="holds a GeoTwin citymodel output, not a twin"):
        build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(city)]))
    # a geotwin_meta table that GeoTwin did not write is a foreign table
    _execute(pg_dsn, f'DROP TABLE "{schema}".geotwin_meta',
             f'CREATE TABLE "{schema}".geotwin_meta (name text, size int)')
    with pytest.raises(GeoTwinError, match=r"did not write: geotwin_meta \(1 table\)"):
        build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(city)]))


class _Pausing(CollectingReporter):
    """A build's reporter that stops at its first progress report until ``go`` is set."""

    def __init__(self, go: threading.Event, started: threading.Event) -> None:
        super().__init__()
        self.go, self.started = go, started

    def progress(self, percent: float) -> None:
        super().progress(percent)
        if not self.started.is_set():
            self.started.set()
            assert self.go.wait(300), "the second build never reported that it waits"


class _Waiting(CollectingReporter):
    def __init__(self, waiting: threading.Event) -> None:
        super().__init__()
        self.waiting = waiting

    def info(self, message: str) -> None:
        super().info(message)
        if message.startswith("waiting for another GeoTwin build"):
            self.waiting.set()


def test_concurrent_builds_into_one_schema_are_serialised(pg_dsn, schema, city, shared_data, tmp_path):
    hamburg = tmp_path / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], hamburg)
    go, started = threading.Event(), threading.Event()
    first_reporter, second_reporter = _Pausing(go, started), _Waiting(go)
    results, errors = {}, []

    def run(name: str, path: Path, reporter: Reporter) -> None:
        try:
            results[name] = build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(path)]),
                                       reporter=reporter)
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)
            go.set()

    first = threading.Thread(target=run, args=("first", city, first_reporter))
    first.start()
    assert started.wait(300)        # the first build holds the schema's lock and is paused
    second = threading.Thread(target=run, args=("second", hamburg, second_reporter))
    second.start()                  # it waits for the lock; its waiting message releases the first build
    first.join(600)
    second.join(600)
    assert not errors, errors
    assert f"waiting for another GeoTwin build into schema {schema}" in second_reporter.infos
    assert not any(m.startswith("waiting") for m in first_reporter.infos)
    # consistent: the second build ran after the first and replaced its building by Hamburg's
    assert results["first"].buildings == 1 and len(results["first"].added) == 1
    assert results["second"].removed == results["first"].added and len(results["second"].added) == 118
    twin = read_store(open_store(pg_dsn, schema))
    assert twin["builds"]["build_id"].tolist() == [1, 2] and len(twin["buildings"]) == 118
    # the lock is released: nobody holds an advisory lock any more
    assert _rows(pg_dsn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == [(0,)]


def test_a_waiting_build_can_be_cancelled(pg_dsn, schema, city):
    import psycopg

    from geotwin.twin.kernel.errors import Cancelled
    from geotwin.twin.store.postgis import lock_key

    class CancelWhenWaiting(CollectingReporter):
        def is_cancelled(self) -> bool:
            return any(m.startswith("waiting") for m in self.infos)

    with psycopg.connect(pg_dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key(schema),))
        with pytest.raises(Cancelled, match="^cancelled by the user$"):
            build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(city)]),
                       reporter=CancelWhenWaiting())
    assert _rows(pg_dsn, "SELECT 1 FROM pg_namespace WHERE nspname = %s", schema) == []


# -- folders ----------------------------------------------------------------------------------------
def test_tiles_export_never_replaces_a_users_folder(tmp_path, city):
    from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>my site</h1>")
    (site / "photos").mkdir()
    (site / "photos" / "a.jpg").write_bytes(b"\xff\xd8 jpeg")
    with pytest.raises(GeoTwinError, match=r"site: the output folder is not empty and holds no earlier GeoTwin "
                                           r"output \(export_report.json\): index.html, photos \(2 entries\)"):
        export_3dtiles(city, site, ExportOptions(viewer=False))
    assert sorted(p.name for p in site.rglob("*")) == ["a.jpg", "index.html", "photos"]
    assert (site / "index.html").read_text() == "<h1>my site</h1>"
    # an empty folder and an earlier export are written
    empty = tmp_path / "empty"
    empty.mkdir()
    assert export_3dtiles(city, empty, ExportOptions(viewer=False)).tiles == 1
    assert export_3dtiles(city, empty, ExportOptions(viewer=False)).tiles == 1
    assert (empty / "tileset.json").is_file() and (empty / "export_report.json").is_file()


def test_an_older_output_of_another_kind_is_not_replaced(tmp_path, shared_data):
    """No marker, only GeoTwin layers, but layers that this run does not write: an older islands output is no
    city model output."""
    islands = tmp_path / "islands.gpkg"
    import_learning_islands(str(shared_data / WLAN), str(islands), target_crs="EPSG:25832",
                            field_mapping="name=adresse")
    _strip_marker(islands)
    before = _sha(islands)
    with pytest.raises(GeoTwinError, match=r"holds layers this run does not write: learning_islands"):
        import_citymodel([shared_data / FZK_GML], islands)
    assert _sha(islands) == before and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_tiles_export_onto_a_file_is_refused(tmp_path, city):
    from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

    target = tmp_path / "tiles"
    target.write_text("not a folder")
    with pytest.raises(GeoTwinError, match="tiles: the output exists and is not a folder"):
        export_3dtiles(city, target, ExportOptions(viewer=False))
    assert target.read_text() == "not a folder"
