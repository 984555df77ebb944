"""The twin store: one build into a GeoPackage and into PostGIS gives identical content, also after an update."""
from __future__ import annotations

import hashlib
import math
import re
import uuid

import pandas as pd
import pyogrio
import pytest
from lxml import etree

from geotwin.bim import georef
from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.tests.paths import ROOT
from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.islands.importer import import_learning_islands
from geotwin.twin.kernel.errors import GeoTwinError, InputError
from geotwin.twin.kernel.schema.twin import KNOWN_SPECS, SOURCE_KINDS
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.importer import write_sensors
from geotwin.twin.store import open_store, read_store

HAMBURG = "citygml/hamburg/{}/LoD2_576_5950_1_HH.xml"
FZK_GML = "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml"
FZK_IFC = "ifc/fzk-haus/AC20-FZK-Haus.ifc"
SENSOR_CSV = "sensors/sensor-community-aberdeen/2017-11-10_dht22_sensor_5332.csv"
# A build's own timestamp differs between two builds; everything else must be identical.
BUILD_TIME = {("builds", "built_at")}


def _xml_ids(path) -> set[str]:
    tags = [f"{{http://www.opengis.net/citygml/building/{v}}}{t}" for v in ("1.0", "2.0")
            for t in ("Building", "BuildingPart")]
    return {el.get("{http://www.opengis.net/gml}id") for el in etree.parse(str(path)).iter(*tags)}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, shared_data):
    """Importer GeoPackages of every source kind: Hamburg 2016 + FZK-Haus, the fitted FZK IFC, islands, sensors."""
    work = tmp_path_factory.mktemp("store-inputs")
    city16, city22 = work / "city2016.gpkg", work / "city2022.gpkg"
    import_citymodel([shared_data / HAMBURG.format(2016), shared_data / FZK_GML], city16)
    import_citymodel([shared_data / HAMBURG.format(2022), shared_data / FZK_GML], city22)
    footprints = pyogrio.read_dataframe(city16, layer="footprints")
    fzk_id = next(iter(_xml_ids(shared_data / FZK_GML)))
    footprint = footprints[footprints["building_id"] == fzk_id]
    ground = pyogrio.read_dataframe(city16, layer="buildings", where=f"id = '{fzk_id}'")["ground_height"][0]
    bim = work / "fzk.gpkg"
    import_ifc(shared_data / FZK_IFC, bim, ImportOptions(
        georeferencing=georef.FIT, target_crs="EPSG:25832", footprints=[(fzk_id, footprint.geometry.iloc[0])],
        fit_height=ground))
    islands = work / "islands.gpkg"
    import_learning_islands(str(shared_data / "wlan/muenchen/wlan-standorte-muenchen.geojson"), str(islands),
                            target_crs="EPSG:25832", field_mapping="name=adresse")
    sensors = work / "sensors.gpkg"
    series, issues = read_exports([shared_data / SENSOR_CSV], "EPSG:25832")
    write_sensors(series, issues, str(sensors), "EPSG:25832")
    return {"city16": city16, "city22": city22, "bim": bim, "islands": islands, "sensors": sensors,
            "fzk_id": fzk_id}


def _build_inputs(inputs, city: str) -> BuildInputs:
    return BuildInputs(citymodel=[str(inputs[city])], ifc=[str(inputs["bim"])], islands=[str(inputs["islands"])],
                       sensors=[str(inputs["sensors"])])


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    if hasattr(a, "geom_type"):
        return a.geom_type == b.geom_type and a.has_z == b.has_z and a.equals_exact(b, 1e-9)
    return a == b


def _plain(value):
    """None for every kind of missing value (None, NaN, pd.NA)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def assert_identical(left: dict, right: dict) -> None:
    assert sorted(left) == sorted(right)
    for name in left:
        spec = KNOWN_SPECS[name]
        a, b = left[name], right[name]
        assert len(a) == len(b), name
        columns = [c for c in spec.fields if (name, c) not in BUILD_TIME]
        for column in columns:
            for i, (x, y) in enumerate(zip(a[column].tolist(), b[column].tolist())):
                x, y = _plain(x), _plain(y)
                assert _same(x, y), f"{name}.{column} row {i}: {x!r} != {y!r}"
        if spec.geometry_type is not None:
            for i, (x, y) in enumerate(zip(a.geometry, b.geometry)):
                assert _same(x, y), f"{name} geometry row {i}"


@pytest.fixture
def pg_schema(pg_dsn):
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:10]}"
    yield schema
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_gpkg_and_postgis_round_trips_are_identical(tmp_path, inputs, shared_data, pg_dsn, pg_schema):
    import psycopg

    gpkg, pg = open_store(tmp_path / "twin.gpkg"), open_store(pg_dsn, pg_schema)
    results = [build_twin(store, _build_inputs(inputs, "city16")) for store in (gpkg, pg)]
    assert results[0].matched == results[1].matched == 1
    left, right = read_store(gpkg), read_store(pg)
    assert_identical(left, right)

    # content against the raw sources
    hamburg, fzk = shared_data / HAMBURG.format(2016), shared_data / FZK_GML
    assert set(left["buildings"]["id"]) == _xml_ids(hamburg) | _xml_ids(fzk)
    assert len(left["buildings"]) == 118 + 1
    city_sources = left["sources"][left["sources"]["source_kind"] == "citymodel"]
    assert dict(zip(city_sources["source_file"], city_sources["checksum_sha256"])) == {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in (hamburg, fzk)}
    ifc_text = (shared_data / FZK_IFC).read_text(errors="replace")
    building_gid = re.search(r"IFCBUILDING\('([^']+)'", ifc_text).group(1)
    replaces = left["links"][left["links"]["relation"] == "replaces"]
    assert list(zip(replaces["from_id"], replaces["to_id"])) == [(building_gid, inputs["fzk_id"])]
    parts = left["links"][(left["links"]["relation"] == "part_of") & (left["links"]["from_layer"] == "buildings")]
    assert len(parts) == 72  # the 2016 tile's BuildingParts
    assert len(left["learning_islands"]) == 171 and len(left["observations"]) > 1000
    assert {"sensors", "observations", "sensor_issues", "bim_elements", "conflation_report", "height_report",
            "object_hashes", "changes", "builds"} <= set(left)

    # PostGIS: right SRID, Z where the layer has it, jsonb attributes
    with psycopg.connect(pg_dsn) as conn:
        geoms = dict(conn.execute(
            "SELECT f_table_name, srid || ':' || coord_dimension || ':' || type FROM geometry_columns "
            "WHERE f_table_schema = %s", (pg_schema,)).fetchall())
        attributes = conn.execute("SELECT data_type FROM information_schema.columns WHERE table_schema = %s "
                                  "AND table_name = 'buildings' AND column_name = 'attributes'",
                                  (pg_schema,)).fetchone()[0]
    assert geoms["buildings"] == "25832:3:MULTIPOLYGON" and geoms["bim_spaces"] == "25832:3:POLYGON"
    assert geoms["footprints"] == "25832:2:MULTIPOLYGON" and geoms["learning_islands"] == "25832:2:POINT"
    assert attributes == "jsonb"

    # a view of the office on a table every build rewrites survives the rebuilds
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE VIEW "{pg_schema}".replacements AS SELECT from_id, to_id FROM "{pg_schema}".links '
                     "WHERE relation = 'replaces'")

    # an incremental update (Hamburg 2022) is applied identically to both stores
    updates = [build_twin(store, _build_inputs(inputs, "city22")) for store in (gpkg, pg)]
    assert (updates[0].added, updates[0].removed, updates[0].modified) == \
        (updates[1].added, updates[1].removed, updates[1].modified)
    assert set(updates[0].reused) == {"ifc", "islands", "sensors"}
    unchanged_layers = [k.spec.name for kind in ("ifc", "islands", "sensors") for k in SOURCE_KINDS[kind]]
    for update in updates:  # layers read back from either store hash exactly as their inputs did
        assert {n: update.layer_changes[n] for n in unchanged_layers} == {n: (0, 0, 0) for n in unchanged_layers}
    assert len(updates[0].added) == 118 and len(updates[0].removed) == 118
    assert_identical(read_store(gpkg), read_store(pg))
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(f'SELECT from_id, to_id FROM "{pg_schema}".replacements').fetchall() == \
            [(building_gid, inputs["fzk_id"])]


def test_store_writes_are_atomic(tmp_path, inputs):
    """A failing build leaves the existing GeoPackage twin exactly as it was."""
    target = tmp_path / "twin.gpkg"
    build_twin(open_store(target), _build_inputs(inputs, "city16"))
    before = target.read_bytes()
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage")
    with pytest.raises(InputError, match="broken.gpkg: not a readable GeoPackage"):
        build_twin(open_store(target), BuildInputs(citymodel=[str(broken)]))
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".twin.gpkg")] == []


def test_postgis_password_is_never_shown(tmp_path):
    dsn = f"host={tmp_path / 'no-server'} port=1 dbname=twin user=office password=s3cret-pw"
    store = open_store(dsn, "geotwin")
    assert "s3cret-pw" not in store.describe() and "user=office" in store.describe()
    with pytest.raises(GeoTwinError, match="cannot connect to PostGIS") as err:
        store.layer_names()
    assert "cannot connect to PostGIS" in str(err.value) and "s3cret-pw" not in str(err.value)


def test_schema_document_lists_every_layer_and_field():
    text = (ROOT / "docs" / "twin-schema.md").read_text(encoding="utf-8")
    for name, spec in KNOWN_SPECS.items():
        section = text.split(f"### `{name}`", 1)
        assert len(section) == 2, f"layer {name} is not documented"
        body = section[1].split("\n### ", 1)[0]
        for field in spec.fields:
            assert f"| `{field}` |" in body, f"{name}.{field} is not documented"
