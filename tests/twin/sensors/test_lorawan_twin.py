"""The demo's LoRaWAN flow without QGIS: sensor import (history) -> the listener appends the replayed uplinks of a
real Mosquitto broker to the same sensors GeoPackage -> the build links them -> series.json charts them.

Every device is one sensor of the twin, linked like the imported sensors, and its exported series is its imported
history followed by the replayed uplinks' decoded values (both read here with json from the sample files)."""
from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely
from lxml import etree
from pyproj import Transformer
from shapely.geometry import Polygon

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.importer import LinkLayers, write_sensors
from geotwin.twin.sensors.lorawan import CHIRPSTACK_TOPIC, PgUplinkStore, UplinkStore, load_devices
from geotwin.twin.store import open_store
from geotwin.twin.store.geopackage import GpkgStore
from geotwin.twin.store.postgis import PostgisStore

from .test_lorawan import Listener, local_broker

CUT = datetime(2025, 6, 8, 13, 45, tzinfo=UTC)   # the history's end, as in scripts/demo.sh
SKIP, LIVE = 8216, 520                            # the recording's lines before 8 June 14:00 UTC, and after
NS = {"bldg": "http://www.opengis.net/citygml/building/2.0", "gml": "http://www.opengis.net/gml"}
GROUND = ("Soil moisture", "Parking space occupancy")


def rows(gpkg, sql, *args):
    with sqlite3.connect(gpkg) as db:
        return db.execute(sql, args).fetchall()


def _replay(python_exe, broker, recording):
    proc = subprocess.run([python_exe, "-m", "geotwin.twin.sensors.replay", "--broker", f"127.0.0.1:{broker.port}",
                           "--skip", str(SKIP), "--limit", str(LIVE), str(recording)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{LIVE} messages published to mqtt://127.0.0.1:{broker.port}"


def _listen(broker, sensors, devices, python_exe, recording):
    """One listener run over the replay; its Counts once every message arrived."""
    listener = Listener(local_broker(broker), sensors, topics=[CHIRPSTACK_TOPIC],
                        store=UplinkStore(sensors, load_devices(devices)))
    _replay(python_exe, broker, recording)
    listener.wait(lambda: bool(listener.seen) and listener.seen[-1] >= LIVE, timeout=120)
    return listener.finish()


def district_geometry(folder):
    """Independent of the code under test: the WGS 84 -> UTM 32N transformer, each GML ground surface as
    (building id, polygon), and the square of areas.geojson (its feature and its polygon in UTM)."""
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    footprints = []
    for building in etree.parse(str(folder / "district.gml")).iterfind(".//bldg:Building", NS):
        for pos in building.iterfind(".//bldg:GroundSurface//gml:posList", NS):
            v = [float(t) for t in pos.text.split()]
            footprints.append((building.get("{http://www.opengis.net/gml}id"),
                               Polygon([(v[i], v[i + 1]) for i in range(0, len(v), 3)])))
    area = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))["features"][0]
    square = shapely.transform(shapely.geometry.shape(area["geometry"]),
                               lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))
    return to_utm, footprints, area, square


def expected_links(folder, devices):
    """Independent: each device's (link type, target) from its table position, the GML ground surfaces and the
    square of areas.geojson: inside a footprint -> building; a ground sensor (soil, parking) -> the square;
    within 1 m of a footprint -> that façade; inside the square -> the square; else the nearest façade."""
    to_utm, footprints, area, square = district_geometry(folder)
    out = {}
    for d in devices:
        point = shapely.Point(to_utm.transform(d["x"], d["y"]))
        bid, distance = min(((b, p.exterior.distance(point)) for b, p in footprints), key=lambda t: t[1])
        if any(p.contains(point) for _, p in footprints):
            out[d["dev_eui"]] = ("building", bid)
        elif d["properties"][0]["property"] in GROUND or (distance > 1.0 and square.contains(point)):
            out[d["dev_eui"]] = ("area", area["properties"]["id"])
        else:
            out[d["dev_eui"]] = ("facade", bid)
    return out


def expected_series(folder):
    """Independent: {DevEUI: [(time, value)]}: the SensorThings history until the cut (sensors.sta.json), then the
    decoded values of the recording's last LIVE uplinks (sensors.uplinks.jsonl), 8 June 14:00-23:45 UTC."""
    things = json.loads((folder / "sensors.sta.json").read_text(encoding="utf-8"))
    out = {t["properties"]["devEUI"].lower(): [(o["phenomenonTime"], float(o["result"]))
                                               for o in t["Datastreams"][0]["Observations"]
                                               if o["phenomenonTime"] <= "2025-06-08T13:45:00Z"]
           for t in things}
    live = 0
    with open(folder / "sensors.uplinks.jsonl", encoding="utf-8") as f:
        for line in list(f)[SKIP:SKIP + LIVE]:
            payload = json.loads(line)["payload"]
            (value,) = payload["object"].values()
            out[payload["deviceInfo"]["devEui"].lower()].append((payload["time"].replace("+00:00", "Z"), float(value)))
            live += 1
            assert payload["time"] >= "2025-06-08T14:00:00"
    assert live == LIVE
    return out


def test_uplinks_join_the_imported_sensors_are_linked_and_charted(broker, tmp_path, python_exe):
    from geotwin.twin.tiles.source import read_city_model
    from geotwin.twin.tiles.twin_layers import read_twin_extras
    from geotwin.twin.tiles.twin_tiles import write_series

    folder = tmp_path / "district"
    generate_district(folder, buildings=20, seed=0, formats=("citygml", "sensors", "areas"))
    import_citymodel([folder / "district.gml"], tmp_path / "city.gpkg")
    # 1. the import: the SensorThings history until the cut, linked to buildings, façades and the square
    sensors = tmp_path / "sensors.gpkg"
    series, issues = read_exports([folder / "sensors.sta.json"], "EPSG:25832", end=CUT)
    write_sensors(series, issues, str(sensors), "EPSG:25832",
                  buildings=LayerRef(str(tmp_path / "city.gpkg"), "footprints"),
                  areas=LayerRef(str(folder / "areas.geojson")), tolerance=15.0)
    imported = rows(sensors, "SELECT count(*) FROM observations")[0][0]
    # 2. the listener appends the last 520 uplinks of the recording, twice (the second run stores nothing)
    devices_file, recording = folder / "sensors.devices.json", folder / "sensors.uplinks.jsonl"
    first = _listen(broker, sensors, devices_file, python_exe, recording)
    assert (first.received, first.stored, first.observations, first.duplicates, first.unknown, first.malformed,
            first.already_stored) == (LIVE, LIVE, LIVE, 0, 0, 0, 0)
    again = _listen(broker, sensors, devices_file, python_exe, recording)
    assert (again.received, again.stored, again.duplicates) == (LIVE, 0, LIVE)
    assert rows(sensors, "SELECT count(*) FROM observations")[0][0] == imported + LIVE
    # 3. the build: every device of the table is exactly one sensor of the twin, with no lorawan# twin
    store = open_store(tmp_path / "twin.gpkg")
    build_twin(store, BuildInputs(citymodel=[str(tmp_path / "city.gpkg")], sensors=[str(sensors)]))
    twin = tmp_path / "twin.gpkg"
    devices = json.loads(devices_file.read_text(encoding="utf-8"))["devices"]
    assert len(devices) == 13
    twin_sensors = rows(twin, "SELECT sensor_key, sensor_name, attributes, link_type, link_id FROM sensors")
    assert len(twin_sensors) == 13 and not [k for k, *_ in twin_sensors if k.startswith("lorawan#")]
    by_eui = {}
    for key, name, attributes, link_type, link_id in twin_sensors:
        by_eui.setdefault(json.loads(attributes)["thing_properties"]["devEUI"].lower(), []).append(
            (key, name, link_type, link_id))
    assert sorted(by_eui) == sorted(d["dev_eui"].lower() for d in devices)
    assert all(len(v) == 1 for v in by_eui.values())
    # each linked, as its table position says, with its row in the links table
    expected = expected_links(folder, devices)
    links = {f: (k, t) for f, t, k in rows(
        twin, "SELECT from_id, to_id, json_extract(details, '$.link_type') FROM links WHERE from_layer = 'sensors' "
              "AND relation = 'observes'")}
    for d in devices:
        [(key, name, link_type, link_id)] = by_eui[d["dev_eui"].lower()]
        assert name == d["name"]
        assert (link_type, link_id) == expected[d["dev_eui"]], d["sensor_id"]
        assert links[key] == expected[d["dev_eui"]], d["sensor_id"]
    assert sorted(k for k, _ in expected.values()) == ["area"] * 10 + ["facade"] * 3
    # 4. series.json: each device's history up to the cut, then the replayed uplinks' decoded values
    extras = read_twin_extras(twin, read_city_model(twin).rows)
    assert write_series(twin, extras, tmp_path) == "series.json"
    charted = json.loads((tmp_path / "series.json").read_text(encoding="utf-8"))
    wanted = expected_series(folder)
    assert sorted(wanted) == sorted(by_eui) and {len(v) for v in wanted.values()} == {7 * 24 * 4}
    for eui, [(key, *_)] in by_eui.items():
        got = list(zip(charted[key]["t"], charted[key]["v"]))
        assert got == wanted[eui], eui


def test_uplinks_the_imported_history_holds_are_not_stored_twice(broker, tmp_path, python_exe):
    """The whole week imported, then the recording's first 2 x 13 uplinks replayed: the uplinks are recorded (their
    DevEUI and frame counter), their values not doubled; the sensors stay the 13 imported ones."""
    folder = tmp_path / "district"
    generate_district(folder, buildings=10, seed=0, formats=("sensors",))
    sensors = tmp_path / "sensors.gpkg"
    write_sensors(*read_exports([folder / "sensors.sta.json"], "EPSG:25832"), str(sensors), "EPSG:25832")
    before = rows(sensors, "SELECT sensor_key, count(*), min(result), max(result) FROM observations "
                           "GROUP BY sensor_key ORDER BY sensor_key")
    assert len(before) == 13 and {n for _, n, *_ in before} == {7 * 24 * 4}
    listener = Listener(local_broker(broker), sensors, devices=folder / "sensors.devices.json",
                        topics=[CHIRPSTACK_TOPIC])
    proc = subprocess.run([python_exe, "-m", "geotwin.twin.sensors.replay", "--broker", f"127.0.0.1:{broker.port}",
                           "--limit", "26", str(folder / "sensors.uplinks.jsonl")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    listener.wait(lambda: bool(listener.seen) and listener.seen[-1] >= 26, timeout=120)
    counts = listener.finish()
    assert (counts.stored, counts.observations, counts.already_stored, counts.duplicates) == (26, 0, 26, 0)
    assert rows(sensors, "SELECT sensor_key, count(*), min(result), max(result) FROM observations "
                         "GROUP BY sensor_key ORDER BY sensor_key") == before
    assert rows(sensors, "SELECT count(*), sum(values_stored) FROM lorawan_uplinks") == [(26, 0)]
    assert rows(sensors, "SELECT count(*) FROM sensors") == [(13,)]


def test_a_postgis_twin_keeps_one_sensor_per_device(broker, pg_dsn):
    """In a twin built in PostGIS, the imported rows that name a device's DevEUI (in thing_properties or at the
    top) take its uplinks of the same observed property; the device's other property gets its own row; a value
    at a time the imported row already has is kept as it was."""
    import uuid

    import geopandas as gpd
    import psycopg

    from geotwin.tests.mqtt_broker import DATA, recordings
    from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS
    from geotwin.twin.sensors.lorawan import PgUplinkStore
    from geotwin.twin.sensors.timeseries import series_json
    from geotwin.twin.store.frames import conform

    schema = f"lw_{uuid.uuid4().hex[:8]}"
    imported = gpd.GeoDataFrame([
        {"sensor_key": "sta#7#7", "sensor_id": "7", "observed_property": "Air temperature", "link_type": "area",
         "link_id": "friedrichsplatz", "attributes": json.dumps({"thing_properties": {"devEUI": "70B3D57ED0051234"}})},
        {"sensor_key": "sta#9#9", "sensor_id": "9", "observed_property": "Sound pressure level (A-weighted)",
         "link_type": "area", "link_id": "friedrichsplatz", "attributes": json.dumps({"dev_eui": "a840410001 81c3a1"})},
    ], geometry=[shapely.Point(456268.0, 5428517.0), shapely.Point(456270.0, 5428540.0)], crs="EPSG:25832")
    history = gpd.GeoDataFrame([{"sensor_key": "sta#7#7", "phenomenon_time": "2025-06-02T08:30:07.520415Z",
                                 "result": 99.0}])
    store = open_store(pg_dsn, schema)
    with store.transaction("EPSG:25832") as writer:
        writer.replace(SENSORS, conform(imported, SENSORS, "EPSG:25832"))
        writer.replace(OBSERVATIONS, conform(history, OBSERVATIONS, None))
    try:
        uplinks = PgUplinkStore(pg_dsn, schema, load_devices(DATA / "devices.json"))
        assert uplinks.keys == {("70b3d57ed0051234", "temperature"): "sta#7#7",
                                ("a840410001 81c3a1".replace(" ", ""), "laeq"): "sta#9#9"}
        listener = Listener(local_broker(broker, client_id=f"geotwin-pg-{schema}"), Path("unused.gpkg"),
                            store=uplinks)
        broker.publish(recordings("chirpstack_up.jsonl") + recordings("tts_up.jsonl"))
        listener.wait(lambda: bool(listener.seen) and listener.seen[-1] >= 7)
        counts = listener.finish()
        assert counts.already_stored == 1
        with psycopg.connect(pg_dsn) as db:
            keys = sorted(r[0] for r in db.execute(f"SELECT sensor_key FROM {schema}.sensors"))
            stats = db.execute(f'SELECT "count", link_type, link_id FROM {schema}.sensors '
                               "WHERE sensor_key = 'sta#7#7'").fetchone()
        assert keys == ["lorawan#ka-fp-noise-01#battery.voltage", "lorawan#ka-fp-soil-01#temp_soil",
                        "lorawan#ka-fp-soil-01#water_soil", "sta#7#7", "sta#9#9"]
        assert stats == (3, "area", "friedrichsplatz")
        doc = series_json(open_store(pg_dsn, schema), ["sta#7#7", "sta#9#9"])
        assert doc["sta#7#7"]["v"] == [17.9, 18.4, 99.0]
        assert doc["sta#9#9"]["v"] and not [k for k in doc if k.startswith("lorawan#ka-fp-temp-01")]
    finally:
        with psycopg.connect(pg_dsn) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_a_device_only_listened_to_links_like_an_imported_sensor(broker, tmp_path):
    """Two devices of the table that the sensor import does not know (new DevEUIs at the positions of the imported
    'Lufttemperatur Platzmitte', inside Friedrichsplatz, and 'Stellplatz Erbprinzenstraße 4', a parking sensor
    0.5 m off the square) get their own sensors; the listener, given the import's footprints, areas and tolerance,
    links them as the import linked the imported ones: in the built twin each is on the square with the very
    link_reason of its imported twin, and the links table has its 'observes' row."""
    folder = tmp_path / "district"
    generate_district(folder, buildings=20, seed=0, formats=("citygml", "sensors", "areas"))
    import_citymodel([folder / "district.gml"], tmp_path / "city.gpkg")
    footprints, areas = LayerRef(str(tmp_path / "city.gpkg"), "footprints"), LayerRef(str(folder / "areas.geojson"))
    sensors = tmp_path / "sensors.gpkg"
    write_sensors(*read_exports([folder / "sensors.sta.json"], "EPSG:25832"), str(sensors), "EPSG:25832",
                  buildings=footprints, areas=areas, tolerance=15.0)
    table = json.loads((folder / "sensors.devices.json").read_text(encoding="utf-8"))
    by_id = {d["sensor_id"]: d for d in table["devices"]}
    clones = {"ka-fp-temp-01": ("0011223344550001", "lw-only-temp"),
              "ka-fp-park-04": ("0011223344550002", "lw-only-park")}
    for original, (eui, sensor_id) in clones.items():
        table["devices"].append({**by_id[original], "dev_eui": eui, "sensor_id": sensor_id})
    devices_file = tmp_path / "devices.json"
    devices_file.write_text(json.dumps(table), encoding="utf-8")
    store = UplinkStore(sensors, load_devices(devices_file), links=LinkLayers(footprints, areas, 15.0))
    listener = Listener(local_broker(broker), sensors, topics=[CHIRPSTACK_TOPIC], store=store)
    messages = []
    for n, (original, (eui, _)) in enumerate(clones.items()):
        key = by_id[original]["properties"][0]["key"]
        doc = {"deviceInfo": {"devEui": eui}, "fCnt": 7, "time": "2025-06-09T08:00:00+00:00", "object": {key: n + 0.5}}
        messages.append((f"application/1/device/{eui}/event/up", json.dumps(doc).encode()))
    broker.publish(messages)
    listener.wait(lambda: bool(listener.seen) and listener.seen[-1] >= 2)
    counts = listener.finish()
    assert (counts.stored, counts.observations, counts.unknown) == (2, 2, 0)
    build_twin(open_store(tmp_path / "twin.gpkg"), BuildInputs(citymodel=[str(tmp_path / "city.gpkg")],
                                                              sensors=[str(sensors)]))
    twin = tmp_path / "twin.gpkg"
    got = {sid: (t, i, r) for sid, t, i, r in rows(twin, "SELECT sensor_id, link_type, link_id, link_reason "
                                                        "FROM sensors")}
    # independent: the square of areas.geojson contains the temperature device and not the parking one
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    area = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))["features"][0]
    square = shapely.transform(shapely.geometry.shape(area["geometry"]),
                               lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))
    inside = {o: square.contains(shapely.Point(to_utm.transform(by_id[o]["x"], by_id[o]["y"]))) for o in clones}
    assert inside == {"ka-fp-temp-01": True, "ka-fp-park-04": False}
    assert got["lw-only-temp"] == got["ka-fp-temp-01"] == ("area", "friedrichsplatz",
                                                             "nearest façade: DEBW_KA_0000001 at 13.0 m")
    assert got["lw-only-park"] == got["ka-fp-park-04"] == (
        "area", "friedrichsplatz", "ground sensor (Parking space occupancy): nearest façade DEBW_KA_0000001 at 5.0 m, "
                                   "not named for it; nearest area within 15 m")
    links = rows(twin, "SELECT from_id, to_layer, to_id, json_extract(details, '$.link_type') FROM links "
                       "WHERE relation = 'observes' AND from_id LIKE 'lorawan#lw-only-%' ORDER BY from_id")
    assert links == [("lorawan#lw-only-park#parking_occupied", "area", "friedrichsplatz", "area"),
                     ("lorawan#lw-only-temp#air_temperature_c", "area", "friedrichsplatz", "area")]
    assert rows(twin, "SELECT sensor_key, result FROM observations WHERE sensor_key LIKE 'lorawan#lw-only-%' "
                      "ORDER BY sensor_key") == [("lorawan#lw-only-park#parking_occupied", 1.5),
                                                 ("lorawan#lw-only-temp#air_temperature_c", 0.5)]


# ------------------------------------------------------------------ devices heard before the link layers were given
def import_links(folder, devices, tolerance=15.0):
    """Independent: each device's (link type, target, distance) as the sensor import links its table position:
    inside a footprint -> building; inside the square -> area; a ground sensor (soil, parking) not named for a
    façade -> the square within the tolerance, else none; else the nearest façade within the tolerance, else none."""
    to_utm, footprints, area, square = district_geometry(folder)
    out = {}
    for d in devices:
        point = shapely.Point(to_utm.transform(d["x"], d["y"]))
        bid, distance = min(((b, p.distance(point)) for b, p in footprints), key=lambda t: t[1])
        ground = d["properties"][0]["property"] in GROUND and "fassade" not in d["name"].lower()
        if distance == 0.0:
            out[d["dev_eui"]] = ("building", bid, 0.0)
        elif square.contains(point):
            out[d["dev_eui"]] = ("area", area["properties"]["id"], 0.0)
        elif ground:
            near = square.distance(point)
            out[d["dev_eui"]] = ("area", area["properties"]["id"], near) if near <= tolerance else ("none", None, None)
        else:
            out[d["dev_eui"]] = ("facade", bid, distance) if distance <= tolerance else ("none", None, None)
    return out


def _uplinks(devices, f_cnt, when):
    """One ChirpStack v4 uplink per device of the table: every property of it, with the value f_cnt + n/10."""
    return [(f"application/1/device/{d['dev_eui']}/event/up",
             json.dumps({"deviceInfo": {"devEui": d["dev_eui"]}, "fCnt": f_cnt, "time": when,
                         "object": {p["key"]: f_cnt + n / 10 for p in d["properties"]}}).encode())
            for n, d in enumerate(devices)]


def _heard(broker, store, messages, client_id):
    """One listener run into ``store`` while ``messages`` are published; its Counts."""
    listener = Listener(local_broker(broker, client_id=client_id), Path("unused.gpkg"), topics=[CHIRPSTACK_TOPIC],
                        store=store)
    broker.publish(messages)
    listener.wait(lambda: bool(listener.seen) and listener.seen[-1] >= len(messages))
    return listener.finish()


def _district(tmp_path):
    """The sample district, its city model imported, the sensor import's link layers, the device table and the
    imported sensors' links by DevEUI (the import of sensors.sta.json with those layers: what a device is linked to
    when the import knows it)."""
    folder = tmp_path / "district"
    generate_district(folder, buildings=20, seed=0, formats=("citygml", "sensors", "areas"))
    import_citymodel([folder / "district.gml"], tmp_path / "city.gpkg")
    layers = LinkLayers(LayerRef(str(tmp_path / "city.gpkg"), "footprints"), LayerRef(str(folder / "areas.geojson")),
                        15.0)
    imported = tmp_path / "imported.gpkg"
    write_sensors(*read_exports([folder / "sensors.sta.json"], "EPSG:25832"), str(imported), "EPSG:25832",
                  buildings=layers.buildings, areas=layers.areas, tolerance=layers.tolerance)
    by_eui = {json.loads(a)["thing_properties"]["devEUI"].lower(): link for a, *link in rows(
        imported, "SELECT attributes, link_type, link_id, link_name, link_distance, link_reason FROM sensors")}
    devices = json.loads((folder / "sensors.devices.json").read_text(encoding="utf-8"))["devices"]
    assert len(devices) == len(by_eui) == 13
    return folder, layers, devices, by_eui


LINK_SQL = ("SELECT sensor_key, attributes, link_type, link_id, link_name, link_distance, link_reason FROM sensors "
            "ORDER BY sensor_key")


def _check_links(got, folder, devices, by_eui):
    """Every device one lorawan# sensor, linked as the independent computation and the import say."""
    expected = import_links(folder, devices)
    assert sorted(k for k, *_ in expected.values()) == ["area"] * 11 + ["facade"] * 2
    assert len(got) == 13
    for key, attributes, link_type, link_id, link_name, distance, reason in got:
        eui = json.loads(attributes)["dev_eui"]
        assert key.startswith("lorawan#")
        want_type, want_id, want_distance = expected[eui.upper()]
        assert (link_type, link_id) == (want_type, want_id), key
        assert distance == pytest.approx(want_distance, abs=1e-3), key
        assert [link_type, link_id, link_name, distance, reason] == by_eui[eui], key


def test_devices_heard_without_link_layers_are_linked_by_the_next_run_with_them(broker, tmp_path):
    """A listener without footprints and areas stores the 13 devices unlinked and the build warns; the next run
    with them links each as the sensor import links it (independently: its position against the GML footprints
    and the square; and equal to the imported sensor of its DevEUI); a third run changes nothing, and the twin
    built from it equals the twin of a user who gave the layers from the start, a rebuild changing nothing."""
    from geotwin.twin.kernel.progress import CollectingReporter
    from geotwin.twin.sensors.linkrules import UNLINKED_REASON

    folder, layers, devices, by_eui = _district(tmp_path)
    table = load_devices(folder / "sensors.devices.json")
    first, second = _uplinks(devices, 7, "2025-06-09T08:00:00+00:00"), _uplinks(devices, 8, "2025-06-09T08:15:00+00:00")
    forgot, gave = tmp_path / "forgot.gpkg", tmp_path / "gave.gpkg"
    counts = _heard(broker, UplinkStore(forgot, table), first, "forgot")
    assert (counts.stored, counts.observations, counts.unknown) == (13, 13, 0)
    assert rows(forgot, "SELECT DISTINCT link_type, link_id, link_reason FROM sensors") == [
        ("none", None, UNLINKED_REASON)]

    warned = CollectingReporter()
    build_twin(open_store(tmp_path / "twin_forgot.gpkg"), BuildInputs(citymodel=[str(tmp_path / "city.gpkg")],
                                                                       sensors=[str(forgot)]), reporter=warned)
    assert [w for w in warned.warnings if "LoRaWAN" in w] == [
        "13 sensors of LoRaWAN devices were stored by a listener without building footprints and areas and are not "
        "linked as the sensor import links: run geotwin:listensensors (or the listen service) once more with "
        "BUILDINGS and AREAS (--buildings, --areas), then build again"]
    # the next run, with the layers: every unlinked row linked, then the new uplinks stored
    store = UplinkStore(forgot, table, links=layers)
    assert store.relinked == 13
    assert _heard(broker, store, second, "forgot").stored == 13
    _check_links(rows(forgot, LINK_SQL), folder, devices, by_eui)
    linked = rows(forgot, LINK_SQL)
    again = UplinkStore(forgot, table, links=layers)
    again.close()
    assert again.relinked == 0 and rows(forgot, LINK_SQL) == linked
    # the user who gave the layers from the start
    assert _heard(broker, UplinkStore(gave, table, links=layers), first + second, "gave").stored == 26
    assert rows(gave, LINK_SQL) == linked
    twin_sql = ("SELECT sensor_key, link_type, link_id, link_name, link_distance, link_reason FROM sensors "
                "ORDER BY sensor_key")
    links_sql = ("SELECT from_id, to_layer, to_id, details FROM links WHERE relation = 'observes' ORDER BY from_id")
    obs_sql = "SELECT sensor_key, phenomenon_time, result FROM observations ORDER BY sensor_key, phenomenon_time"
    warned.warnings.clear()
    for name, sensors in (("twin_forgot.gpkg", forgot), ("twin_gave.gpkg", gave)):
        build_twin(open_store(tmp_path / name), BuildInputs(citymodel=[str(tmp_path / "city.gpkg")],
                                                             sensors=[str(sensors)]), reporter=warned)
    assert not [w for w in warned.warnings if "LoRaWAN" in w]
    for sql in (twin_sql, links_sql, obs_sql):
        assert rows(tmp_path / "twin_forgot.gpkg", sql) == rows(tmp_path / "twin_gave.gpkg", sql), sql
    assert len(rows(tmp_path / "twin_gave.gpkg", links_sql)) == 13
    assert len(rows(tmp_path / "twin_gave.gpkg", obs_sql)) == 26
    rebuilt = build_twin(open_store(tmp_path / "twin_forgot.gpkg"),
                         BuildInputs(citymodel=[str(tmp_path / "city.gpkg")], sensors=[str(forgot)]))
    assert rebuilt.layer_changes["sensors"] == (0, 0, 0) and rebuilt.reused == ["citymodel", "sensors"]


def test_a_postgis_twin_links_devices_heard_without_link_layers(broker, pg_dsn, tmp_path):
    """The same in a twin's PostGIS schema: heard without layers, the 13 devices' rows are unlinked; the next run
    with the import's footprints, areas and tolerance links each as the import links it (independently computed
    from its position, and equal to the imported sensor of its DevEUI); a third run changes nothing."""
    import uuid

    import psycopg

    from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS
    from geotwin.twin.sensors.linkrules import UNLINKED_REASON
    from geotwin.twin.sensors.lorawan import PgUplinkStore
    from geotwin.twin.store.frames import empty

    folder, layers, devices, by_eui = _district(tmp_path)
    table = load_devices(folder / "sensors.devices.json")
    schema = f"lw_{uuid.uuid4().hex[:8]}"
    with open_store(pg_dsn, schema).transaction("EPSG:25832") as writer:
        for spec in (SENSORS, OBSERVATIONS):
            writer.replace(spec, empty(spec, "EPSG:25832"))

    def linked():
        with psycopg.connect(pg_dsn) as db:
            return [(k, json.dumps(a) if isinstance(a, dict) else a, *rest)
                    for k, a, *rest in db.execute(LINK_SQL.replace("FROM sensors", f"FROM {schema}.sensors"))]

    try:
        counts = _heard(broker, PgUplinkStore(pg_dsn, schema, table), _uplinks(devices, 7, "2025-06-09T08:00:00Z"),
                        f"geotwin-pg-{schema}")
        assert (counts.stored, counts.observations, counts.unknown) == (13, 13, 0)
        assert {tuple(r[2:]) for r in linked()} == {("none", None, None, None, UNLINKED_REASON)}
        store = PgUplinkStore(pg_dsn, schema, table, links=layers)
        assert store.relinked == 13
        assert _heard(broker, store, _uplinks(devices, 8, "2025-06-09T08:15:00Z"), f"geotwin-pg-{schema}").stored == 13
        got = linked()
        _check_links(got, folder, devices, by_eui)
        again = PgUplinkStore(pg_dsn, schema, table, links=layers)
        again.close()
        assert again.relinked == 0 and linked() == got
        with psycopg.connect(pg_dsn) as db:
            assert db.execute(f"SELECT count(*) FROM {schema}.observations").fetchone() == (26,)
    finally:
        with psycopg.connect(pg_dsn) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


# ------------------------------------------------------------------ a listener writing into a PostGIS twin, then builds
def _twin_rows(store):
    """What a twin says of its sensors: the sensor rows with their links, the ``observes`` links rows and the
    observations, sorted, as plain tuples (the same for a GeoPackage and a PostGIS twin of the same uplinks)."""
    from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS
    from geotwin.twin.kernel.schema.twin import LINKS

    sensors = store.read(SENSORS)
    got_sensors = sorted((k, t, i, n, None if d != d else round(float(d), 6), r, int(c))
                         for k, t, i, n, d, r, c in zip(sensors["sensor_key"], sensors["link_type"], sensors["link_id"],
                                                        sensors["link_name"], sensors["link_distance"],
                                                        sensors["link_reason"], sensors["count"]))
    links = store.read(LINKS)
    got_links = sorted((f, fl, t, tl, (json.loads(d) if isinstance(d, str) else d)["link_type"])
                       for f, fl, t, tl, rel, d in zip(links["from_id"], links["from_layer"], links["to_id"],
                                                       links["to_layer"], links["relation"], links["details"])
                       if rel == "observes")
    obs = store.read(OBSERVATIONS)
    got_obs = sorted((k, str(t), float(v)) for k, t, v in zip(obs["sensor_key"], obs["phenomenon_time"],
                                                              obs["result"]))
    return got_sensors, got_links, got_obs


def test_a_postgis_twin_has_the_listeners_sensors_linked_as_a_geopackage_twin(broker, pg_dsn, tmp_path):
    """The listener writes its lorawan# rows straight into a PostGIS twin's schema; the builds after it (without
    sensor inputs) keep them, run the façade pass over them and give each an ``observes`` links row: the PostGIS
    twin has the sensors, links and observations of the GeoPackage twin built from the same uplinks, whether the
    devices were linked at once or by a later run with the layers; a rebuild adds nothing. With a sensors input (the
    CSV import of the district, no DevEUIs: nothing adopted) the build reusing it keeps them too, not doubled, and
    a build without it drops the input's rows and keeps the listener's."""
    import uuid

    import psycopg

    folder, layers, devices, by_eui = _district(tmp_path)
    table = load_devices(folder / "sensors.devices.json")
    first, second = _uplinks(devices, 7, "2025-06-09T08:00:00+00:00"), _uplinks(devices, 8, "2025-06-09T08:15:00+00:00")
    city = BuildInputs(citymodel=[str(tmp_path / "city.gpkg")])
    # the GeoPackage twin: the listener's sensors GeoPackage, then the build with it
    gave = tmp_path / "gave.gpkg"
    assert _heard(broker, UplinkStore(gave, table, links=layers), first + second, "gave").stored == 26
    build_twin(open_store(tmp_path / "twin.gpkg"), BuildInputs(citymodel=city.citymodel, sensors=[str(gave)]))
    want = _twin_rows(open_store(tmp_path / "twin.gpkg"))
    assert (len(want[0]), len(want[1]), len(want[2])) == (13, 13, 26)
    assert {t for *_, t in want[1]} == {"area", "facade"}          # the façade pass moved some off the square
    csv = tmp_path / "csv.gpkg"
    write_sensors(*read_exports([folder / "sensors.csv"], "EPSG:25832"), str(csv), "EPSG:25832",
                  buildings=layers.buildings, areas=layers.areas, tolerance=layers.tolerance)
    with_csv = BuildInputs(citymodel=city.citymodel, sensors=[str(csv)])
    build_twin(open_store(tmp_path / "twin_csv.gpkg"), BuildInputs(citymodel=city.citymodel,
                                                                   sensors=[str(csv), str(gave)]))
    want_csv = _twin_rows(open_store(tmp_path / "twin_csv.gpkg"))
    assert len(want_csv[0]) == 13 + len(rows(csv, "SELECT sensor_key FROM sensors")) > 13
    schemas = [f"lw_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    try:
        for schema, relinked in zip(schemas, (False, True)):
            inputs, expected = (city, want) if relinked else (with_csv, want_csv)
            build_twin(open_store(pg_dsn, schema), inputs)       # the twin, without sensors or with the CSV's
            if relinked:   # heard without the layers, built (unlinked), then linked by a run with them
                assert _heard(broker, PgUplinkStore(pg_dsn, schema, table), first, f"pg-{schema}").stored == 13
                build_twin(open_store(pg_dsn, schema), inputs)
                store = PgUplinkStore(pg_dsn, schema, table, links=layers)
                assert store.relinked == 13
                assert _heard(broker, store, second, f"pg-{schema}").stored == 13
            else:
                assert _heard(broker, PgUplinkStore(pg_dsn, schema, table, links=layers), first + second,
                              f"pg-{schema}").stored == 26
            build_twin(open_store(pg_dsn, schema), inputs)
            assert _twin_rows(open_store(pg_dsn, schema)) == expected, schema
            again = build_twin(open_store(pg_dsn, schema), inputs)   # idempotent: nothing added, nothing doubled
            assert again.layer_changes["sensors"] == (0, 0, 0) and again.layer_changes["observations"] == (0, 0, 0)
            assert _twin_rows(open_store(pg_dsn, schema)) == expected, schema
            if not relinked:   # the CSV input left out: its rows go, the listener's stay
                build_twin(open_store(pg_dsn, schema), city)
                assert _twin_rows(open_store(pg_dsn, schema)) == want, schema
    finally:
        with psycopg.connect(pg_dsn) as db:
            for schema in schemas:
                db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


# ------------------------------------------------------------------ a build re-taking an adopted sensor from its input
class _CountsReads:
    """A real store (GeoPackage or PostGIS) that records its observation reads: (the where_in values, rows read)."""

    def read(self, spec, columns=None, bbox=None, rows=None, where_in=None):
        frame = super().read(spec, columns, bbox, rows, where_in)
        if spec.name == "observations":
            self.reads.append((None if where_in is None else sorted(where_in[1]), len(frame)))
        return frame


class _CountingGpkg(_CountsReads, GpkgStore):
    def __init__(self, *args):
        super().__init__(*args)
        self.reads = []


class _CountingPg(_CountsReads, PostgisStore):
    def __init__(self, *args):
        super().__init__(*args)
        self.reads = []


LW_ONLY = "0011223344550001"   # a device of the table the sensor import does not know: its own lorawan# sensor


def _retake_district(tmp_path):
    """The district, its city model, the SensorThings import until 13:45 (before) and until 14:00 (after: one value
    more per sensor), the device table with one device more (LW_ONLY), the uplinks sent: 3 (14:00, 14:15, 14:30)
    of 5 imported devices and of LW_ONLY. Independent of the code under test (sensors.sta.json and the uplinks read
    with json): each sensor's series the twin must hold by DevEUI, and the 5 DevEUIs heard."""
    from datetime import timedelta

    folder = tmp_path / "district"
    generate_district(folder, buildings=10, seed=0, formats=("citygml", "sensors"))
    import_citymodel([folder / "district.gml"], tmp_path / "city.gpkg")
    inputs = {}
    for name, end in (("before", CUT), ("after", CUT + timedelta(minutes=15))):
        inputs[name] = tmp_path / f"{name}.gpkg"
        write_sensors(*read_exports([folder / "sensors.sta.json"], "EPSG:25832", end=end), str(inputs[name]),
                      "EPSG:25832")
    things = json.loads((folder / "sensors.sta.json").read_text(encoding="utf-8"))
    want = {t["properties"]["devEUI"].lower(): {o["phenomenonTime"]: float(o["result"])
                                               for o in t["Datastreams"][0]["Observations"]
                                               if o["phenomenonTime"] <= "2025-06-08T14:00:00Z"} for t in things}
    assert all("2025-06-08T14:00:00Z" in series for series in want.values())
    table = json.loads((folder / "sensors.devices.json").read_text(encoding="utf-8"))
    heard = [*table["devices"][:5], {**table["devices"][0], "dev_eui": LW_ONLY, "sensor_id": "lw-only"}]
    table["devices"].append(heard[-1])
    (tmp_path / "devices.json").write_text(json.dumps(table), encoding="utf-8")
    sent = [m for f_cnt, when in ((7, "14:00"), (8, "14:15"), (9, "14:30"))
            for m in _uplinks(heard, f_cnt, f"2025-06-08T{when}:00Z")]
    want[LW_ONLY] = {}
    for _topic, body in sent:   # the listener's rule: a value at a time the sensor has is not stored twice
        doc = json.loads(body)
        (value,) = doc["object"].values()
        want[doc["deviceInfo"]["devEui"].lower()].setdefault(doc["time"], value)
    assert sum(len(v) for v in want.values()) == 13 * 7 * 24 * 4 - 13 * 39 + 10 + 3
    return inputs, load_devices(tmp_path / "devices.json"), sent, want, [d["dev_eui"].lower() for d in heard[:5]]


@pytest.mark.parametrize("backend", ["gpkg", "pg"])
def test_a_build_retaking_an_adopted_sensor_keeps_the_listeners_values(broker, tmp_path, request, backend):
    """The twin built from the SensorThings import until 13:45; the listener, writing into the twin (its GeoPackage
    or its PostGIS schema), appends 3 uplinks (14:00, 14:15, 14:30) of 5 of the 13 devices to their imported
    sensors and stores those of a 14th device as its own lorawan# sensor; the build with the import until 14:00 (a
    changed input: one more value per sensor) holds the input's observations plus the listener's 10 values at 14:15
    and 14:30 (its 14:00 values are the input's, not doubled) and the 3 of the 14th, each sensor's statistics over
    its values; it reads only the observations of the 14th and of those 5 sensors; the next build changes nothing.
    Counted independently from sensors.sta.json and from the uplinks sent."""
    import uuid

    import psycopg

    inputs, table, sent, want, heard = _retake_district(tmp_path)
    city = [str(tmp_path / "city.gpkg")]
    schema = f"lw_{uuid.uuid4().hex[:8]}"
    if backend == "gpkg":
        def twin(store_class=GpkgStore):
            return store_class(tmp_path / "twin.gpkg")

        def uplinks():
            return UplinkStore(tmp_path / "twin.gpkg", table)
    else:
        dsn = request.getfixturevalue("pg_dsn")

        def twin(store_class=PostgisStore):
            return store_class(dsn, schema)

        def uplinks():
            return PgUplinkStore(dsn, schema, table)
    try:
        build_twin(twin(), BuildInputs(citymodel=city, sensors=[str(inputs["before"])]))
        counts = _heard(broker, uplinks(), sent, f"retake-{backend}-{schema}")
        assert (counts.stored, counts.observations, counts.already_stored, counts.unknown) == (18, 18, 0, 0)
        key_of = {json.loads(a)["thing_properties"]["devEUI"].lower(): k
                  for k, a in rows(inputs["after"], "SELECT sensor_key, attributes FROM sensors")}
        key_of[LW_ONLY] = next(f"lorawan#lw-only#{p.key}" for p in table[LW_ONLY].properties)
        heard_keys = sorted(key_of[eui] for eui in heard)
        before_rows = rows(inputs["before"], "SELECT count(*) FROM observations WHERE sensor_key IN "
                                             f"({', '.join('?' * 5)})", *heard_keys)[0][0]
        assert before_rows == 5 * (7 * 24 * 4 - 40)                           # until 13:45
        store = twin(_CountingGpkg if backend == "gpkg" else _CountingPg)
        result = build_twin(store, BuildInputs(citymodel=city, sensors=[str(inputs["after"])]))
        assert result.reused == ["citymodel"]
        total = rows(inputs["before"], "SELECT count(*) FROM observations")[0][0] + 18
        assert store.reads == [([key_of[LW_ONLY]], 3), (heard_keys, before_rows + 15)] and before_rows < total / 2
        assert result.layer_changes["observations"] == (1, 0, 13)
        _check_retaken(twin(), want, key_of)
        again = build_twin(twin(), BuildInputs(citymodel=city, sensors=[str(inputs["after"])]))
        assert again.layer_changes["sensors"] == again.layer_changes["observations"] == (0, 0, 0)
        _check_retaken(twin(), want, key_of)
    finally:
        if backend == "pg":
            with psycopg.connect(dsn) as db:
                db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _check_retaken(store, want, key_of):
    """The twin's observations and statistics are ``want``'s: per sensor its history then the listener's values."""
    from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS

    def instant(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    obs = store.read(OBSERVATIONS)
    got = {}
    for key, when, value in zip(obs["sensor_key"], obs["phenomenon_time"], obs["result"]):
        got.setdefault(key, []).append((instant(when), float(value)))
    expected = {key_of[eui]: sorted((instant(t), v) for t, v in series.items()) for eui, series in want.items()}
    assert {k: sorted(v) for k, v in got.items()} == expected
    sensors = store.read(SENSORS)
    assert len(sensors) == 14 and [k for k in sensors["sensor_key"] if k.startswith("lorawan#")] == [key_of[LW_ONLY]]
    for key, count, latest, latest_time, mean in zip(sensors["sensor_key"], sensors["count"],
                                                     sensors["latest_value"], sensors["latest_time"], sensors["mean"]):
        series = expected[key]
        assert int(count) == len(series), key
        assert (float(latest), instant(latest_time)) == (series[-1][1], series[-1][0]), key
        assert float(mean) == pytest.approx(sum(v for _, v in series) / len(series)), key


def test_a_reimport_over_the_file_a_listener_wrote_into_warns_of_the_values_it_drops(broker, tmp_path):
    """The README's path: the listener appends into the sensors GeoPackage. A new import written over that file
    replaces it (a new file: the listener's values and lorawan_uplinks are gone), and says so first: the values and
    uplinks counted from the messages sent (2 of each of the 13 devices; the first import, over no such file, warns
    of nothing)."""
    from geotwin.twin.kernel.progress import CollectingReporter

    folder = tmp_path / "district"
    generate_district(folder, buildings=10, seed=0, formats=("sensors",))
    sensors = tmp_path / "sensors.gpkg"
    first = CollectingReporter()
    write_sensors(*read_exports([folder / "sensors.sta.json"], "EPSG:25832", end=CUT), str(sensors), "EPSG:25832",
                  reporter=first)
    imported = rows(sensors, "SELECT count(*) FROM observations")[0][0]
    devices = json.loads((folder / "sensors.devices.json").read_text(encoding="utf-8"))["devices"]
    sent = _uplinks(devices, 8, "2025-06-08T14:15:00Z") + _uplinks(devices, 9, "2025-06-08T14:30:00Z")
    counts = _heard(broker, UplinkStore(sensors, load_devices(folder / "sensors.devices.json")), sent, "reimport")
    assert (counts.stored, counts.observations) == (len(sent), len(sent)) == (26, 26)
    assert rows(sensors, "SELECT count(*) FROM observations")[0][0] == imported + 26
    again = CollectingReporter()
    write_sensors(*read_exports([folder / "sensors.sta.json"], "EPSG:25832", end=CUT), str(sensors), "EPSG:25832",
                  reporter=again)
    assert [w for w in first.warnings if "LoRaWAN" in w] == []
    assert [w for w in again.warnings if "LoRaWAN" in w] == [
        f"{sensors} holds 26 values of 26 LoRaWAN uplinks a listener stored (geotwin:listensensors); this import "
        "replaces the file without them, and the network server does not send them again: to keep them, choose "
        "another OUTPUT (a listener that writes into the twin keeps its values across builds)"]
    assert rows(sensors, "SELECT count(*) FROM observations")[0][0] == imported
    assert rows(sensors, "SELECT name FROM sqlite_master WHERE name = 'lorawan_uplinks'") == []
