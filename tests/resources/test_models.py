"""The shipped Graphical Modeler models: loaded by the provider, valid, and the whole chain run by qgis_process."""
from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from geotwin.tests.paths import ROOT

MODELS = ROOT / "resources" / "models"
QGIS_PROCESS = ROOT / "scripts" / "qgis_process"
BUILDINGS = 30
MODEL_OUTPUTS = {"sampledistrict:DISTRICT", "importcitymodel:CITYMODEL", "importifc:BIM",
                 "importlearningislands:ISLANDS", "importsensors:SENSORS", "buildtwin:TWIN", "export3dtiles:TILES"}


def _qgis_process(alg_id: str, params: dict[str, str]) -> subprocess.CompletedProcess:
    args = [str(QGIS_PROCESS), "run", alg_id, "--"] + [f"{k}={v}" for k, v in params.items()]
    return subprocess.run(args, capture_output=True, text=True, timeout=1800)


def _count(gpkg: Path, sql: str) -> int:
    with sqlite3.connect(gpkg) as con:
        return con.execute(sql).fetchone()[0]


def _rows(gpkg: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(gpkg) as con:
        return sorted(con.execute(sql).fetchall())


@pytest.fixture(scope="module")
def district_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """geotwin:districttwin on a 30-building district, every output in one folder."""
    out = tmp_path_factory.mktemp("districttwin")
    proc = _qgis_process("geotwin:districttwin", {
        "BUILDINGS": str(BUILDINGS), "sampledistrict:DISTRICT": out / "district",
        "importcitymodel:CITYMODEL": out / "citymodel.gpkg", "importifc:BIM": out / "school.gpkg",
        "importlearningislands:ISLANDS": out / "islands.gpkg", "importsensors:SENSORS": out / "sensors.gpkg",
        "buildtwin:TWIN": out / "twin.gpkg", "export3dtiles:TILES": out / "tiles"})
    return out, proc


def test_models_are_valid_and_use_registered_algorithms(qgis_processing):
    from qgis.core import QgsApplication, QgsProcessingModelAlgorithm

    registry = QgsApplication.processingRegistry()
    files = sorted(MODELS.glob("*.model3"))
    assert [f.stem for f in files] == ["districttwin", "usertwin"]
    for path in files:
        model = QgsProcessingModelAlgorithm()
        assert model.fromFile(str(path)), path
        assert model.name() == path.stem
        ok, errors = model.validate()
        assert ok, (path.name, errors)
        children = {c.algorithmId() for c in model.childAlgorithms().values()}
        assert {"geotwin:importcitymodel", "geotwin:importifc", "geotwin:importlearningislands",
                "geotwin:importsensors", "geotwin:buildtwin", "geotwin:export3dtiles"} <= children
        assert all(registry.algorithmById(a) is not None for a in children), children


def test_models_listed_by_the_provider_with_their_outputs(qgis_processing):
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("geotwin")
    for reload in (False, True):
        if reload:  # Processing's "reload" and plugin reloads refresh the provider
            provider.refreshAlgorithms()
        ids = {a.id() for a in provider.algorithms()}
        assert {"geotwin:districttwin", "geotwin:usertwin"} <= ids
        for alg_id in ("geotwin:districttwin", "geotwin:usertwin"):
            registered = registry.algorithmById(alg_id)
            assert registered.provider().id() == "geotwin"
            assert registered.displayName() != registered.name()  # a title, not the bare id
            created = registry.createAlgorithmById(alg_id)
            for alg in (registered, created):
                names = {d.name() for d in alg.destinationParameterDefinitions()}
                expected = MODEL_OUTPUTS - ({"sampledistrict:DISTRICT"} if alg_id == "geotwin:usertwin" else set())
                assert names == expected, (alg_id, names)
        district = registry.algorithmById("geotwin:districttwin")
        assert district.parameterDefinition("BUILDINGS").defaultValue() == 400


def test_district_model_builds_the_twin(district_run):
    out, proc = district_run
    twin = out / "twin.gpkg"
    assert twin.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    manifest = json.loads((out / "district" / "district.json").read_text())
    counts = manifest["counts"]
    assert counts["buildings"] == BUILDINGS
    assert _count(twin, "SELECT count(*) FROM buildings") == counts["buildings"]
    assert _count(twin, "SELECT count(*) FROM bim_spaces") == counts["ifc"]["spaces"]
    assert _count(twin, "SELECT count(*) FROM bim_storeys") == counts["ifc"]["storeys"]
    assert _count(twin, "SELECT count(*) FROM bim_elements WHERE ifc_class = 'IfcWall'") == counts["ifc"]["walls"]
    assert _count(twin, "SELECT count(*) FROM learning_islands") == counts["learning_islands"]
    assert _count(twin, "SELECT count(*) FROM sensors") == counts["sensors"]
    assert _count(twin, "SELECT count(*) FROM observations") == counts["observations"]
    # the school's IFC is placed exactly on its city-model building: matched, not added or mismatched
    school = manifest["school"]["id"]
    assert _rows(twin, "SELECT status, twin_building_id FROM conflation_report") == [("matched", school)]
    # the model wires the BIM rooms into the island import: every island the generator put in a school
    # room is linked to that room (independently: the GeoJSON's own building and room)
    islands = json.loads((out / "district" / "learning_islands.geojson").read_text())["features"]
    in_school_rooms = {f["properties"]["id"] for f in islands
                       if f["properties"]["building_id"] == school and f["properties"].get("room")}
    assert in_school_rooms
    linked = {r[0] for r in _rows(twin, "SELECT from_id FROM links WHERE from_layer = 'learning_islands' "
                                        "AND to_layer = 'bim_spaces' AND relation = 'located_in'")}
    assert linked == in_school_rooms
    # the model wires the district's areas.geojson into the sensor import: the sensors standing on
    # Friedrichsplatz (independently: the raw sensor positions in the raw square polygon) observe the square
    import numpy as np
    import shapely
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    area = next(f for f in json.loads((out / "district" / "areas.geojson").read_text())["features"]
                if f["properties"]["kind"] == "square")
    square = shapely.transform(shapely.geometry.shape(area["geometry"]),
                               lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))
    things = json.loads((out / "district" / "sensors.sta.json").read_text())
    on_square = {t["name"] for t in things
                 if square.contains(shapely.Point(to_utm.transform(*t["Locations"][0]["location"]["coordinates"])))}
    assert len(on_square) == 7
    # ... except a sensor on a façade: within 1 m of a footprint, or named for a façade within 15 m of one, it
    # observes the building (the school's north façade sensor stands 0.5 m from it, on the square)
    import pyogrio

    footprints = shapely.union_all(list(pyogrio.read_dataframe(twin, layer="footprints").geometry))
    positions = {t["name"]: shapely.Point(to_utm.transform(*t["Locations"][0]["location"]["coordinates"]))
                 for t in things}
    on_facade = {name for name in on_square if footprints.distance(positions[name]) <= 1.0
                 or ("fassade" in name.lower() and footprints.distance(positions[name]) <= 15.0)}
    assert on_facade == {"Lufttemperatur Schule Nordfassade"}
    on_square -= on_facade
    # ... and a ground sensor (soil, parking, groundwater) off the square is never put on a façade it is not named
    # for: with the square within the import's 15 m it observes the square (the kerbside parking bays, 5 m from
    # the school)
    ground = {t["name"] for t in things if any(word in d["ObservedProperty"]["name"].lower()
                                               for d in t["Datastreams"] for word in ("soil", "parking", "groundwater"))}
    near = {name for name in ground - on_square - on_facade
            if "fassade" not in name.lower() and square.distance(positions[name]) <= 15.0}
    assert near == {f"Stellplatz Erbprinzenstraße {i}" for i in range(1, 5)}
    on_square |= near
    observing = _rows(twin, "SELECT s.sensor_name, l.to_id FROM links l JOIN sensors s ON s.sensor_key = l.from_id "
                            "WHERE l.from_layer = 'sensors' AND l.relation = 'observes' AND l.to_layer = 'area'")
    assert observing == sorted((name, area["properties"]["id"]) for name in on_square)
    to_buildings = {r[0] for r in _rows(twin, "SELECT s.sensor_name FROM links l JOIN sensors s ON "
                                              "s.sensor_key = l.from_id WHERE l.relation = 'observes' "
                                              "AND l.to_layer = 'buildings'")}
    assert to_buildings == {t["name"] for t in things} - on_square
    # the intermediate GeoPackages are where the demo expects them
    for name in ("citymodel.gpkg", "school.gpkg", "islands.gpkg", "sensors.gpkg"):
        assert (out / name).stat().st_size > 0, name


def test_district_model_exports_the_tileset(district_run):
    out, proc = district_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    tileset = json.loads((out / "tiles" / "tileset.json").read_text())
    assert tileset["asset"]["version"] in ("1.0", "1.1")
    assert tileset["root"]["boundingVolume"]
    assert (out / "tiles" / "viewer" / "index.html").exists()
    contents = [p for p in (out / "tiles").rglob("*") if p.suffix in (".glb", ".b3dm")]
    assert contents
    report = json.loads((out / "tiles" / "export_report.json").read_text())
    assert Path(report["source"]).resolve() == (out / "twin.gpkg").resolve()
    assert report["buildings"] + len(report["skipped"]) == BUILDINGS
    assert report["skipped"] == []


def test_user_model_gives_the_same_twin(district_run, tmp_path):
    """geotwin:usertwin on the district's own files builds the same twin as the district model."""
    out, _ = district_run
    district = out / "district"
    twin = tmp_path / "twin.gpkg"
    proc = _qgis_process("geotwin:usertwin", {
        "CITYMODEL": district / "district.gml", "IFC": district / "school.ifc",
        "ISLANDS": district / "learning_islands.geojson", "SENSORS": district / "sensors.sta.json",
        "AREAS": district / "areas.geojson",
        "importcitymodel:CITYMODEL": "TEMPORARY_OUTPUT", "importifc:BIM": "TEMPORARY_OUTPUT",
        "importlearningislands:ISLANDS": "TEMPORARY_OUTPUT", "importsensors:SENSORS": "TEMPORARY_OUTPUT",
        "buildtwin:TWIN": twin, "export3dtiles:TILES": tmp_path / "tiles"})
    assert twin.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    for sql in ("SELECT id, ground_height, roof_height FROM buildings",
                "SELECT global_id, name, area FROM bim_spaces",
                "SELECT id, building_id, room_id FROM learning_islands",
                "SELECT sensor_key, latest_value, link_id FROM sensors",
                "SELECT from_id, from_layer, to_id, to_layer, relation FROM links"):
        assert _rows(twin, sql) == _rows(out / "twin.gpkg", sql), sql
