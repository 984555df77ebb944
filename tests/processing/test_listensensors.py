"""geotwin:listensensors against a real Mosquitto broker."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from geotwin.tests.auth_config import run_auth_script
from geotwin.tests.mqtt_broker import DATA, Mosquitto, recordings

DEVICES = DATA / "devices.json"


def stored(gpkg) -> int:
    try:
        with sqlite3.connect(gpkg) as db:
            return db.execute("SELECT count(*) FROM lorawan_uplinks").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def when_subscribed(broker: Mosquitto, action, timeout: float = 60.0) -> threading.Thread:
    """Run ``action`` in a thread once the broker has logged a SUBSCRIBE from the listener."""
    def run():
        end = time.monotonic() + timeout
        while "Received SUBSCRIBE from geotwin-" not in broker.log() and time.monotonic() < end:
            time.sleep(0.05)
        action()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_runs_until_cancelled_with_a_running_count(run_alg, broker, tmp_path):
    from qgis.core import QgsProcessingFeedback

    out = tmp_path / "twin.gpkg"
    messages = []

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, text):  # noqa: N802
            messages.append(text)
            super().pushInfo(text)

    feedback = Feedback()
    cs, tts = recordings("chirpstack_up.jsonl"), recordings("tts_up.jsonl")

    def publish_then_cancel():
        broker.publish(cs + tts + cs[:1] + [("v3/x@ttn/devices/d/up", b"garbage")])
        end = time.monotonic() + 60
        while len([m for m in messages if m.startswith("9 messages")]) == 0 and time.monotonic() < end:
            time.sleep(0.05)
        feedback.cancel()
    thread = when_subscribed(broker, publish_then_cancel)
    result = run_alg("geotwin:listensensors", {
        "BROKER": f"mqtt://127.0.0.1:{broker.port}", "TOPICS": 2, "DEVICES": str(DEVICES), "DURATION": 0,
        "OUTPUT": str(out)}, feedback=feedback)
    thread.join(10)
    assert {k: result[k] for k in ("RECEIVED", "STORED", "OBSERVATIONS", "DUPLICATES", "UNKNOWN", "MALFORMED")} == {
        "RECEIVED": 9, "STORED": 7, "OBSERVATIONS": 11, "DUPLICATES": 1, "UNKNOWN": 0, "MALFORMED": 1}
    assert stored(out) == 7
    assert any(m.startswith("9 messages: 7 uplinks stored (11 observations), 1 duplicates") for m in messages)
    with sqlite3.connect(out) as db:
        issue = db.execute("SELECT issue FROM sensor_issues").fetchone()[0]
    assert issue.startswith("malformed message on v3/x@ttn/devices/d/up: not JSON")


def test_a_duration_ends_the_run_and_custom_topics(run_alg, broker, tmp_path):
    out = tmp_path / "twin.gpkg"
    tts = recordings("tts_up.jsonl")
    thread = when_subscribed(broker, lambda: broker.publish(tts + recordings("chirpstack_up.jsonl")))
    result = run_alg("geotwin:listensensors", {
        "BROKER": f"127.0.0.1:{broker.port}", "TOPICS": 3, "CUSTOM_TOPICS": "v3/friedrichsplatz@ttn/devices/+/up",
        "DEVICES": str(DEVICES), "DURATION": 3, "OUTPUT": str(out)})
    thread.join(10)
    # only the TTS topic was subscribed; whatever arrived in the 3 s is TTS
    assert result["RECEIVED"] == result["STORED"] <= 3
    with sqlite3.connect(out) as db:
        assert {r[0] for r in db.execute("SELECT topic FROM lorawan_uplinks")} <= {tts[0][0]}


@pytest.mark.parametrize("params, message", [
    ({"BROKER": "mqtt://user:pw@127.0.0.1:1"}, "credentials in the broker address are refused"),
    ({"TOPICS": 3}, "Give CUSTOM_TOPICS"),
    ({"AUTHCFG": "nosuch1"}, "cannot be loaded"),
])
def test_bad_parameters_are_named(run_alg, tmp_path, params, message):
    from qgis.core import QgsProcessingException

    base = {"BROKER": "127.0.0.1:1", "DEVICES": str(DEVICES), "DURATION": 1, "OUTPUT": str(tmp_path / "t.gpkg")}
    with pytest.raises(QgsProcessingException, match=message) as err:
        run_alg("geotwin:listensensors", {**base, **params})
    assert "pw@" not in str(err.value)


SECRET = "mqtt-Pa55-geheim"
SCRIPT = """
    broker = basic_auth("broker", "geotwin", sys.argv[3])
    results = {}
    for authcfg in ("", broker):
        try:
            res = processing.run("geotwin:listensensors", {
                "BROKER": sys.argv[1], "TOPICS": 1, "DEVICES": sys.argv[4], "AUTHCFG": authcfg, "DURATION": 1,
                "OUTPUT": sys.argv[2]}, feedback=Feedback())
            results[authcfg or "none"] = res["RECEIVED"]
        except Exception as err:
            results[authcfg or "none"] = str(err)
    finish(results)
"""


def test_authcfg_credentials_reach_the_broker_and_nothing_else(tmp_path, python_exe):
    folder = tmp_path / "broker"
    folder.mkdir()
    b = Mosquitto(folder, users={"geotwin": SECRET}).start()
    out = tmp_path / "twin.gpkg"
    try:
        proc, doc = run_auth_script(SCRIPT, [f"127.0.0.1:{b.port}", str(out), SECRET, str(DEVICES)], tmp_path,
                                    python_exe)
    finally:
        b.stop()
    assert "refused the connection: Not authorized" in doc["results"]["none"]
    assert [v for k, v in doc["results"].items() if k != "none"] == [0]     # connected, listened 1 s
    assert "New client connected" in b.log() and "as geotwin-" in b.log() and "u'geotwin'" in b.log()
    assert not any(SECRET in text for text in doc["log"])
    assert SECRET not in proc.stdout and SECRET not in proc.stderr
    assert SECRET.encode() not in out.read_bytes()


def test_into_a_postgis_twin(run_alg, broker, pg_dsn, pg_connection, tmp_path):
    import uuid

    import psycopg
    from qgis.core import QgsProcessingFeedback

    from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS
    from geotwin.twin.store import open_store
    from geotwin.twin.store.frames import empty

    schema = f"lw_{uuid.uuid4().hex[:8]}"
    with open_store(pg_dsn, schema).transaction("EPSG:25832") as writer:
        for spec in (SENSORS, OBSERVATIONS):
            writer.replace(spec, empty(spec, "EPSG:25832"))
    feedback = QgsProcessingFeedback()
    tts = recordings("tts_up.jsonl")

    def publish_then_cancel():
        broker.publish(tts)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            with psycopg.connect(pg_dsn) as db:
                if db.execute(f"SELECT count(*) FROM {schema}.observations").fetchone()[0] == 3:
                    break
            time.sleep(0.1)
        feedback.cancel()
    try:
        thread = when_subscribed(broker, publish_then_cancel)
        result = run_alg("geotwin:listensensors", {
            "BROKER": f"127.0.0.1:{broker.port}", "TOPICS": 1, "DEVICES": str(DEVICES), "DURATION": 0,
            "DATABASE": pg_connection, "SCHEMA": schema}, feedback=feedback)
        thread.join(10)
        assert (result["STORED"], result["OBSERVATIONS"]) == (3, 3)
        with psycopg.connect(pg_dsn) as db:
            assert db.execute(f"SELECT count(*) FROM {schema}.lorawan_uplinks").fetchone()[0] == 3
    finally:
        with psycopg.connect(pg_dsn) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_output_or_database_not_both(run_alg, pg_connection, tmp_path):
    from qgis.core import QgsProcessingException

    for extra in ({}, {"OUTPUT": str(tmp_path / "t.gpkg"), "DATABASE": pg_connection}):
        with pytest.raises(QgsProcessingException, match="either an output GeoPackage or a PostGIS connection"):
            run_alg("geotwin:listensensors", {"BROKER": "127.0.0.1:1", "DEVICES": str(DEVICES), **extra})


def test_devices_without_an_imported_sensor_are_linked_to_the_given_layers(run_alg, broker, tmp_path):
    """BUILDINGS, AREAS and TOLERANCE link a device's new sensor point as geotwin:importsensors links a sensor:
    one inside the square (its nearest façade, 12 m away, named), one 5 m east of the school (its façade), one 40 m
    away from both (unlinked, with the reason)."""
    import json

    import geopandas as gpd
    from shapely.geometry import box

    layers = tmp_path / "layers.gpkg"
    gpd.GeoDataFrame({"id": ["B1"], "name": ["Schule"]}, geometry=[box(0, 0, 20, 10)],
                     crs="EPSG:25832").to_file(layers, layer="footprints")
    gpd.GeoDataFrame({"id": ["platz"], "name": ["Platz"]}, geometry=[box(0, 20, 100, 120)],
                     crs="EPSG:25832").to_file(layers, layer="areas")
    temperature = [{"key": "t", "property": "Air temperature", "unit": "°C", "unit_name": "degree Celsius"}]
    devices = tmp_path / "devices.json"
    devices.write_text(json.dumps({"crs": "EPSG:25832", "devices": [
        {"dev_eui": f"00000000000000a{n}", "sensor_id": sid, "name": sid, "x": x, "y": y, "properties": temperature}
        for n, (sid, x, y) in enumerate((("square", 10.0, 22.0), ("wall", 25.0, 5.0),
                                         ("street", 60.0, -40.0)))]}), encoding="utf-8")
    out = tmp_path / "sensors.gpkg"
    result = run_alg("geotwin:listensensors", {
        "BROKER": f"127.0.0.1:{broker.port}", "TOPICS": 0, "DEVICES": str(devices), "DURATION": 0.5,
        "BUILDINGS": f"{layers}|layername=footprints", "AREAS": f"{layers}|layername=areas", "TOLERANCE": 15.0,
        "OUTPUT": str(out)})
    assert result["RECEIVED"] == 0
    with sqlite3.connect(out) as db:
        links = {r[0]: r[1:] for r in db.execute(
            "SELECT sensor_id, link_type, link_id, link_distance, link_reason FROM sensors")}
    assert links == {
        "square": ("area", "platz", 0.0, "nearest façade: B1 at 12.0 m"),
        "wall": ("facade", "B1", 5.0, None),
        "street": ("none", None, None, "no building or area contains the point and no façade lies within 15 m")}
