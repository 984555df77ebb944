"""LoRaWAN uplinks over MQTT into the twin's sensor tables, with a real Mosquitto broker."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyproj import Transformer

from geotwin.tests.mqtt_broker import DATA, Mosquitto, recordings
from geotwin.twin.kernel.errors import GeoTwinError, InputError
from geotwin.twin.kernel.progress import Reporter
from geotwin.twin.sensors.lorawan import (
    CHIRPSTACK_TOPIC,
    TTS_TOPIC,
    Counts,
    MalformedMessage,
    UplinkStore,
    load_devices,
    parse_uplink,
)
from geotwin.twin.sensors.mqtt import Broker, default_client_id, listen, parse_broker

DEVICES = DATA / "devices.json"
TOPICS = [CHIRPSTACK_TOPIC, TTS_TOPIC]


def rows(gpkg: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(gpkg) as db:
        return db.execute(sql, args).fetchall()


class Listener:
    """listen() in a thread until stopped."""

    def __init__(self, broker: Broker, output: Path, devices=DEVICES, topics=TOPICS, store=None) -> None:
        self.store = store or UplinkStore(output, load_devices(devices))
        self.stop = threading.Event()
        self.counts: Counts | None = None
        self.error: Exception | None = None
        self.seen: list[int] = []
        self.ready = threading.Event()
        ready = self.ready

        class _Ready(Reporter):
            def info(self, message: str) -> None:
                if message.startswith("listening on"):
                    ready.set()
        broker.client_id = broker.client_id or default_client_id(output, topics)

        def run():
            try:
                self.counts = listen(broker, topics, self.store, stop=self.stop, reporter=_Ready(),
                                     on_progress=lambda c: self.seen.append(c.received))
            except Exception as err:  # noqa: BLE001 - handed to the test
                self.error = err
            finally:
                self.store.close()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        self.wait(self.ready.is_set)     # subscribed: what is published from now on reaches us

    def wait(self, predicate, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            assert self.error is None, self.error
            assert time.monotonic() < end, "condition not reached"
            time.sleep(0.05)

    def finish(self) -> Counts:
        self.stop.set()
        self.thread.join(15)
        assert self.error is None, self.error
        return self.counts


def stored(gpkg: Path) -> int:
    try:
        return rows(gpkg, "SELECT count(*) FROM lorawan_uplinks")[0][0]
    except sqlite3.OperationalError:
        return 0


def local_broker(b: Mosquitto, **kw) -> Broker:
    return Broker("127.0.0.1", b.port, **kw)


# ------------------------------------------------------------------------------------------------- parsing
def test_chirpstack_and_tts_messages_parse():
    cs = recordings("chirpstack_up.jsonl")
    up = parse_uplink(*cs[0])
    assert (up.network, up.dev_eui, up.f_cnt) == ("chirpstack", "a84041000181c3a1", 41)
    assert up.time == datetime(2025, 6, 2, 8, 0, 3, 775023, tzinfo=UTC)
    assert up.payload["laeq"] == 58.4
    tts = recordings("tts_up.jsonl")
    first = parse_uplink(*tts[0])
    assert (first.network, first.dev_eui, first.f_cnt) == ("tts", "70b3d57ed0051234", 0)  # f_cnt 0 is left out
    assert "f_cnt" not in json.loads(tts[0][1])["uplink_message"]
    assert parse_uplink(*tts[2]).f_cnt == 2
    assert first.time == datetime(2025, 6, 2, 8, 0, 7, 512863, tzinfo=UTC)


def _cs(**changes) -> bytes:
    doc = json.loads(recordings("chirpstack_up.jsonl")[0][1])
    for key, value in changes.items():
        if value is ...:
            doc.pop(key)
        else:
            doc[key] = value
    return json.dumps(doc).encode()


@pytest.mark.parametrize("payload, reason", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"hello": 1}', "no valid DevEUI"),
    (_cs(deviceInfo={"devEui": "xyz"}), "no valid DevEUI"),
    (_cs(fCnt=-1), "frame counter"),
    (_cs(fCnt="12"), "frame counter"),
    (_cs(fCnt=2 ** 32), "frame counter"),
    (_cs(time="yesterday"), "time is not a time"),
    (_cs(time=..., rxInfo=[]), "no time"),
    (_cs(object=...), "no decoded payload"),
    (b" " * (256 * 1024 + 1), "larger than 256 KiB"),
])
def test_malformed_messages_name_the_reason(payload, reason):
    with pytest.raises(MalformedMessage, match=reason):
        parse_uplink("application/x/device/a84041000181c3a1/event/up", payload)


def test_chirpstack_time_falls_back_to_the_gateway_time():
    up = parse_uplink("application/x/device/a/event/up", _cs(time=...))
    assert up.time == datetime(2025, 6, 2, 8, 0, 3, 775023, tzinfo=UTC)


def test_other_topics_and_shapes_are_malformed():
    with pytest.raises(MalformedMessage, match="neither a ChirpStack v3/v4 nor a The Things Stack v3 uplink"):
        parse_uplink("sensors/room1", b'{"temperature": 21.5}')


def test_tts_without_uplink_message_is_malformed():
    with pytest.raises(MalformedMessage, match="no uplink_message"):
        parse_uplink("v3/a@ttn/devices/d/up", b'{"end_device_ids": {"dev_eui": "70B3D57ED0051234"}}')


# ------------------------------------------------------------------------------------------------- device table
def test_device_table_json_and_csv_agree(tmp_path):
    devices = load_devices(DEVICES)
    assert set(devices) == {"a84041000181c3a1", "a840410001820b02", "70b3d57ed0051234"}
    noise = devices["a84041000181c3a1"]
    assert [p.key for p in noise.properties] == ["laeq", "battery.voltage"]
    assert noise.crs == "EPSG:4326" and devices["a840410001820b02"].crs == "EPSG:25832"
    csv_path = tmp_path / "devices.csv"
    lines = ["dev_eui,sensor_id,name,x,y,crs,key,property,unit,unit_name"]
    for d in devices.values():
        for p in d.properties:
            lines.append(f"{d.dev_eui},{d.sensor_id},{d.name},{d.x},{d.y},{d.crs},{p.key},{p.observed_property},"
                         f"{p.unit_symbol},{p.unit_name}")
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load_devices(csv_path) == devices


@pytest.mark.parametrize("text, message", [
    ("dev_eui,sensor_id,key\n", "lacks the columns unit"),
    ("dev_eui,sensor_id,key,unit\n", "lists no devices"),
    ("dev_eui,sensor_id,key,unit\nnot-an-eui,s1,t,°C\n", "not a DevEUI"),
    ("dev_eui,sensor_id,key,unit\n0011223344556677,s1,t,°C\n0011223344556677,s2,h,%\n", "two sensors"),
    ("dev_eui,sensor_id,key,unit\n0011223344556677,s1,t,°C\n0011223344556677,s1,t,%\n", "listed twice"),
    ("dev_eui,sensor_id,key,unit,x,y\n0011223344556677,s1,t,°C,8.4,\n", "both x and y"),
    ("dev_eui,sensor_id,key,unit\n0011223344556677,,t,°C\n", "must not be empty"),
    ('{"devices": {}}', "expected a list"),
    ('{"devices": [{"dev_eui": "0011223344556677", "sensor_id": "s"}]}', "non-empty list of properties"),
    ('{"devices": [', "not JSON"),
])
def test_bad_device_tables_are_refused_with_the_line(tmp_path, text, message):
    path = tmp_path / ("d.json" if text.startswith("{") else "d.csv")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        load_devices(path)
    assert str(path) in str(err.value)


def test_broker_addresses():
    assert parse_broker("broker.example:1884") == Broker("broker.example", 1884, False)
    assert parse_broker("mqtts://broker.example") == Broker("broker.example", 8883, True)
    assert parse_broker("mqtt://10.0.0.1") == Broker("10.0.0.1", 1883, False)
    for bad, message in (("mqtt://user:secret@broker", "credentials in the broker address"),
                         ("http://broker", "unknown broker scheme"), ("", "no MQTT broker"),
                         ("mqtt://broker/path", "no path"), ("mqtt://broker:99999", "not a broker address")):
        with pytest.raises(GeoTwinError, match=message) as err:
            parse_broker(bad)
        assert "secret" not in str(err.value)


# ------------------------------------------------------------------------------------------------- live
def test_uplinks_stored_with_values_times_units_positions(broker, tmp_path):
    out = tmp_path / "twin.gpkg"
    listener = Listener(local_broker(broker), out)
    cs, tts = recordings("chirpstack_up.jsonl"), recordings("tts_up.jsonl")
    unknown = json.loads(cs[0][1])
    unknown["deviceInfo"]["devEui"] = "0004a30b001c0530"
    broker.publish(cs + tts + [cs[1], tts[0]]                                   # two duplicates
                   + [("application/a/device/0004a30b001c0530/event/up", json.dumps(unknown).encode())] * 2
                   + [("application/a/device/a84041000181c3a1/event/up", b'{"deviceInfo": ')])
    listener.wait(lambda: listener.seen and listener.seen[-1] >= 12)
    counts = listener.finish()
    assert (counts.received, counts.stored, counts.duplicates, counts.unknown, counts.malformed) == (12, 7, 2, 2, 1)
    assert counts.unknown_devices == {"0004a30b001c0530": 2}
    assert counts.observations == 2 * 2 + 2 * 2 + 3
    obs = rows(out, "SELECT sensor_key, phenomenon_time, result FROM observations ORDER BY sensor_key, phenomenon_time")
    assert obs == [
        ("lorawan#ka-fp-noise-01#battery.voltage", "2025-06-02T08:00:03.775023Z", 3.61),
        ("lorawan#ka-fp-noise-01#battery.voltage", "2025-06-02T08:15:04.112093Z", 3.60),
        ("lorawan#ka-fp-noise-01#laeq", "2025-06-02T08:00:03.775023Z", 58.4),
        ("lorawan#ka-fp-noise-01#laeq", "2025-06-02T08:15:04.112093Z", 61.9),
        ("lorawan#ka-fp-soil-01#temp_soil", "2025-06-02T08:00:11.004512Z", 18.42),   # numbers sent as strings
        ("lorawan#ka-fp-soil-01#temp_soil", "2025-06-02T08:20:11.337001Z", 18.61),
        ("lorawan#ka-fp-soil-01#water_soil", "2025-06-02T08:00:11.004512Z", 27.31),
        ("lorawan#ka-fp-soil-01#water_soil", "2025-06-02T08:20:11.337001Z", 27.05),
        ("lorawan#ka-fp-temp-01#temperature", "2025-06-02T08:00:07.512863Z", 17.9),
        ("lorawan#ka-fp-temp-01#temperature", "2025-06-02T08:15:07.498113Z", 18.4),
        ("lorawan#ka-fp-temp-01#temperature", "2025-06-02T08:30:07.520415Z", 18.8),
    ]
    sensors = {r[0]: r[1:] for r in rows(out, "SELECT sensor_key, unit_symbol, count, min, max, latest_value, "
                                               "latest_time, observed_property FROM sensors")}
    assert sensors["lorawan#ka-fp-noise-01#laeq"] == ("dB(A)", 2, 58.4, 61.9, 61.9, "2025-06-02T08:15:04.112093Z",
                                                      "Sound pressure level (A-weighted)")
    assert sensors["lorawan#ka-fp-temp-01#temperature"][:5] == ("°C", 3, 17.9, 18.8, 18.8)
    # positions: the store's CRS (EPSG:25832), transformed independently
    import geopandas as gpd

    frame = gpd.read_file(out, layer="sensors").set_index("sensor_key")
    assert frame.crs.to_epsg() == 25832
    ex, ey = Transformer.from_crs(4326, 25832, always_xy=True).transform(8.40303, 49.00772)
    point = frame.geometry["lorawan#ka-fp-noise-01#laeq"]
    assert (point.x, point.y) == pytest.approx((ex, ey), abs=1e-6)
    assert (frame.geometry["lorawan#ka-fp-soil-01#water_soil"].x,
            frame.geometry["lorawan#ka-fp-soil-01#water_soil"].y) == pytest.approx((457123.4, 5428456.7))
    issues = [r[0] for r in rows(out, "SELECT issue FROM sensor_issues ORDER BY issue")]
    assert len(issues) == 2
    assert issues[0].startswith("malformed message on application/a/device/a84041000181c3a1/event/up: not JSON")
    assert issues[1] == "unknown device 0004a30b001c0530 (not in the device table)"


def test_idempotent_across_restarts_and_frame_counter_resets(broker, tmp_path):
    out = tmp_path / "twin.gpkg"
    cs = recordings("chirpstack_up.jsonl")
    first = Listener(local_broker(broker), out)
    broker.publish(cs[:2])
    first.wait(lambda: stored(out) == 2)
    first.finish()
    # published while the listener is away: the broker keeps them for its persistent session
    reset = json.loads(cs[0][1])
    reset["fCnt"], reset["time"], reset["object"]["laeq"] = 0, "2025-06-02T09:00:00+00:00", 49.0
    again = json.loads(cs[0][1])
    again["fCnt"], again["time"], again["object"]["laeq"] = 41, "2025-06-02T09:15:00+00:00", 50.5
    broker.publish(cs + [(cs[0][0], json.dumps(reset).encode()), (cs[0][0], json.dumps(again).encode())])
    second = Listener(local_broker(broker), out)
    second.wait(lambda: stored(out) == 6)
    second.wait(lambda: second.seen and second.seen[-1] >= 6)
    counts = second.finish()
    assert (counts.received, counts.duplicates, counts.stored) == (6, 2, 4)
    laeq = rows(out, "SELECT phenomenon_time, result FROM observations WHERE sensor_key = "
                     "'lorawan#ka-fp-noise-01#laeq' ORDER BY phenomenon_time")
    # fCnt 41 twice: 08:00 and, after the reset (fCnt 0 at 09:00), a new session's 41 at 09:15
    assert laeq == [("2025-06-02T08:00:03.775023Z", 58.4), ("2025-06-02T08:15:04.112093Z", 61.9),
                    ("2025-06-02T09:00:00Z", 49.0), ("2025-06-02T09:15:00Z", 50.5)]
    assert rows(out, "SELECT count(*) FROM sensors")[0][0] == 5     # sensor rows are not added twice


def test_broker_restart_mid_run_loses_and_doubles_nothing(broker, tmp_path):
    out = tmp_path / "twin.gpkg"
    cs, tts = recordings("chirpstack_up.jsonl"), recordings("tts_up.jsonl")
    listener = Listener(local_broker(broker), out)
    broker.publish(cs[:2])
    listener.wait(lambda: stored(out) == 2)
    broker.stop()
    broker.start()                 # same port, its session restored from the persistence file
    broker.publish(cs[2:] + tts)   # published at once, before the client is back (reconnect delay >= 1 s)
    broker.publish(cs[:1])         # a duplicate
    listener.wait(lambda: stored(out) == 7)
    listener.wait(lambda: listener.seen and listener.seen[-1] >= 8)
    counts = listener.finish()
    # QoS 1 is at least once: a message whose PUBACK the broker had not persisted when it stopped comes again after
    # the restart (seen in CI: one of the first two); the store takes each uplink once and counts every repeat
    assert counts.stored == 7 and counts.malformed == counts.unknown == 0
    assert counts.duplicates == counts.received - 7 and 1 <= counts.duplicates <= 3   # the one sent again + redelivered
    assert rows(out, "SELECT count(*) FROM observations")[0][0] == 11
    assert rows(out, "SELECT count(*), count(DISTINCT dev_eui || f_cnt) FROM lorawan_uplinks")[0] == (7, 7)


def test_tls_with_a_self_signed_certificate(tmp_path):
    folder = tmp_path / "tls"
    folder.mkdir()
    b = Mosquitto(folder, tls=True).start()
    try:
        out = tmp_path / "twin.gpkg"
        with pytest.raises(GeoTwinError, match="certificate verify failed") as err:  # the system CAs do not know it
            listen(Broker("127.0.0.1", b.port, tls=True), TOPICS, UplinkStore(out, load_devices(DEVICES)))
        assert f"mqtts://127.0.0.1:{b.port}" in str(err.value)
        listener = Listener(Broker("127.0.0.1", b.port, tls=True, ca_file=str(b.cert)), out)
        b.publish(recordings("tts_up.jsonl"))
        listener.wait(lambda: stored(out) == 3)
        assert listener.finish().stored == 3
    finally:
        b.stop()


def test_credentials_go_to_that_broker_only(tmp_path):
    folder = tmp_path / "auth"
    folder.mkdir()
    b = Mosquitto(folder, users={"geotwin": "s3cret-pw"}).start()
    try:
        out = tmp_path / "twin.gpkg"
        for user, password in ((None, None), ("geotwin", "wrong")):
            with pytest.raises(GeoTwinError, match="refused the connection: Not authorized") as err:
                listen(Broker("127.0.0.1", b.port, username=user, password=password), TOPICS,
                       UplinkStore(out, load_devices(DEVICES)))
            assert "s3cret" not in str(err.value) and "wrong" not in str(err.value)
        listener = Listener(Broker("127.0.0.1", b.port, username="geotwin", password="s3cret-pw"), out)
        b.publish(recordings("tts_up.jsonl"), "geotwin", "s3cret-pw")
        listener.wait(lambda: stored(out) == 3)
        listener.finish()
        # the password reached the broker (it let us in) and appears nowhere in the output
        assert b"s3cret" not in out.read_bytes()
    finally:
        b.stop()


def test_unreachable_broker_is_named(tmp_path):
    from geotwin.tests.mqtt_broker import free_port

    port = free_port()
    with pytest.raises(GeoTwinError, match=f"cannot connect to the MQTT broker mqtt://127.0.0.1:{port}"):
        listen(Broker("127.0.0.1", port), TOPICS, UplinkStore(tmp_path / "t.gpkg", load_devices(DEVICES)))


def test_extends_an_existing_sensors_geopackage(broker, tmp_path, shared_data):
    """An importsensors/twin GeoPackage keeps its rows and gains the LoRaWAN ones in its CRS."""
    import shapely

    from geotwin.twin.kernel.gpkg import gpkg_output
    from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS

    out = tmp_path / "sensors.gpkg"
    with gpkg_output(out, "EPSG:25832") as w:
        w.add(SENSORS, {"sensor_key": "sta#1#2", "sensor_id": "1", "count": 1}, shapely.Point(457000, 5428000))
        w.add(OBSERVATIONS, {"sensor_key": "sta#1#2", "phenomenon_time": "2025-06-01T00:00:00Z", "result": 1.0})
    listener = Listener(local_broker(broker), out)
    broker.publish(recordings("tts_up.jsonl"))
    listener.wait(lambda: stored(out) == 3)
    listener.finish()
    assert rows(out, "SELECT count(*) FROM sensors")[0][0] == 6
    assert rows(out, "SELECT count(*) FROM observations")[0][0] == 4


@pytest.mark.parametrize("folder", ["a#b?c%20 ü", "q?mode=rw&x=1"])
def test_a_store_in_an_odd_folder_round_trips_real_uplinks(broker, tmp_path, folder):
    """'#', '?', '%20', spaces and umlauts in the store's folder: stored, extended after a restart (the store reads
    its tables, CRS and sensor keys back), and read as time series; nothing lands where an unquoted URI points."""
    from geotwin.twin.sensors.timeseries import read_series, sensor_keys

    out = tmp_path / folder / "twin.gpkg"
    out.parent.mkdir()
    cs, tts = recordings("chirpstack_up.jsonl"), recordings("tts_up.jsonl")
    first = Listener(local_broker(broker), out)
    broker.publish(cs)
    first.wait(lambda: stored(out) == len(cs))
    first.finish()
    second = Listener(local_broker(broker), out)          # an existing store: _tables, _crs and _sensor_keys
    broker.publish(tts + cs[:1])                          # and a duplicate, found in the stored uplinks
    second.wait(lambda: second.seen and second.seen[-1] >= len(tts) + 1)
    counts = second.finish()
    assert (counts.stored, counts.duplicates, counts.malformed) == (len(tts), 1, 0)
    assert rows(out, "SELECT count(*) FROM sensors")[0][0] == 5          # not added again on the restart
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["broker", folder])
    # the series equal the recordings' decoded payloads, read independently from the JSON
    for topic_payloads, key, path in ((tts, "lorawan#ka-fp-temp-01#temperature", ("uplink_message",
                                       "decoded_payload", "temperature")),
                                      (cs[:2], "lorawan#ka-fp-noise-01#laeq", ("object", "laeq"))):
        expected = []
        for _, body in topic_payloads:
            value = json.loads(body)
            for part in path:
                value = value[part]
            expected.append(float(value))
        series = read_series(out, key)
        assert series.values == expected
        assert len(series.times) == len(expected) and series.times == sorted(series.times)
    assert ("lorawan#ka-fp-temp-01#temperature", "°C") in {(k, u) for k, _, u in sensor_keys(out)}


def _chirpstack_v3(eui: str, f_cnt: int, when: str, decoded: dict, protobuf_json: bool) -> tuple[str, bytes]:
    """A ChirpStack v3 uplink shaped like the examples of its documentation (ChirpStack Application Server v3,
    "Event types" -> "Uplink", brocaar/chirpstack-application-server docs/content/integrate/sending-receiving/
    _index.md; the same payloads as tests/twin/sensors/test_lorawan_parsing.py's CS_V3_*), for a device of the
    device table: Protobuf "JSON" (devEUI base64, objectJSON a JSON text) or "JSON v3" (hex, object)."""
    import base64

    doc = {"applicationID": "123", "applicationName": "friedrichsplatz", "deviceName": "garden-sensor",
           "devEUI": base64.b64encode(bytes.fromhex(eui)).decode() if protobuf_json else eui,
           "rxInfo": [{"gatewayID": "AwMDAwMDAwM=" if protobuf_json else "0303030303030303", "time": when,
                       "rssi": -48, "loRaSNR": 9, "location": {"latitude": 49.0094, "longitude": 8.4037}}],
           "txInfo": {"frequency": 868100000, "modulation": "LORA"},
           "adr": True, "dr": 1, "fCnt": f_cnt, "fPort": 2, "data": "AQIDBA==", "tags": {"key": "value"}}
    if protobuf_json:
        doc["objectJSON"] = json.dumps(decoded)
    else:
        doc["object"] = decoded
    return f"application/123/device/{eui}/event/up", json.dumps(doc).encode()


def test_chirpstack_v3_uplinks_over_the_broker(broker, tmp_path):
    out = tmp_path / "twin.gpkg"
    listener = Listener(local_broker(broker), out)
    noise, soil = "a84041000181c3a1", "a840410001820b02"
    messages = [
        _chirpstack_v3(noise, 12, "2019-11-08T13:59:25.048445Z", {"laeq": 55.2, "battery": {"voltage": 3.58}}, True),
        _chirpstack_v3(soil, 3, "2019-11-08T14:00:01Z", {"water_soil": "31.5", "temp_soil": 11.25}, False),
        # the same uplink through the other marshaler: a duplicate by DevEUI, frame counter and time
        _chirpstack_v3(noise, 12, "2019-11-08T13:59:25.048445Z", {"laeq": 55.2, "battery": {"voltage": 3.58}}, False),
    ]
    hostile = _chirpstack_v3(noise, 13, "2019-11-08T14:14:25Z", {"laeq": 1.0}, True)
    doc = json.loads(hostile[1])
    doc["objectJSON"] = "{laeq: 57.0"
    wrong_type = json.loads(messages[1][1])
    wrong_type["fPort"] = "2"
    broker.publish(messages + [(hostile[0], json.dumps(doc).encode()),
                               (messages[1][0], json.dumps(wrong_type).encode())])
    listener.wait(lambda: listener.seen and listener.seen[-1] >= 5)
    counts = listener.finish()
    assert (counts.received, counts.stored, counts.duplicates, counts.unknown, counts.malformed) == (5, 2, 1, 0, 2)
    obs = rows(out, "SELECT sensor_key, phenomenon_time, result FROM observations ORDER BY sensor_key")
    assert obs == [("lorawan#ka-fp-noise-01#battery.voltage", "2019-11-08T13:59:25.048445Z", 3.58),
                   ("lorawan#ka-fp-noise-01#laeq", "2019-11-08T13:59:25.048445Z", 55.2),
                   ("lorawan#ka-fp-soil-01#temp_soil", "2019-11-08T14:00:01Z", 11.25),
                   ("lorawan#ka-fp-soil-01#water_soil", "2019-11-08T14:00:01Z", 31.5)]
    assert rows(out, "SELECT dev_eui, f_cnt FROM lorawan_uplinks ORDER BY dev_eui") == [(noise, 12), (soil, 3)]
    issues = sorted(r[0] for r in rows(out, "SELECT issue FROM sensor_issues"))
    assert issues[0].startswith(f"malformed message on application/123/device/{noise}/event/up: objectJSON is not "
                                "JSON (")
    assert issues[1] == f"malformed message on application/123/device/{soil}/event/up: fPort is not an integer " \
                        "0..255: '2'"


def test_not_a_geopackage_is_refused(tmp_path):
    bad = tmp_path / "x.gpkg"
    bad.write_text("hello")
    with pytest.raises(GeoTwinError, match="is not a GeoPackage"):
        UplinkStore(bad, load_devices(DEVICES))


def test_command_line_service_stops_on_sigterm(broker, tmp_path, python_exe):
    out = tmp_path / "twin.gpkg"
    env = {**os.environ}
    proc = subprocess.Popen([python_exe, "-m", "geotwin.twin.sensors.listen", "--broker",
                             f"127.0.0.1:{broker.port}", "--preset", "tts", "--devices", str(DEVICES),
                             "--output", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while stored(out) == 0 and time.monotonic() < deadline:   # until it has subscribed
            broker.publish(recordings("tts_up.jsonl")[:1])
            time.sleep(0.5)
        broker.publish(recordings("tts_up.jsonl"))
        while stored(out) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "stopping (SIGTERM)" in stdout
    assert stored(out) == 3
    last = stdout.strip().splitlines()[-1]
    assert last.endswith("duplicates, 0 from unknown devices, 0 malformed")
    assert " 3 uplinks stored (3 observations)" in last


def test_command_line_service_links_new_device_sensors_as_the_import(broker, tmp_path, python_exe):
    """--buildings, --areas and --tolerance: a device inside the square is on it, one 5 m east of the school on its
    façade (link_sensor's rules, as the sensor import applies them), also when a first run without them left both
    unlinked."""
    import geopandas as gpd
    from shapely.geometry import box

    layers = tmp_path / "layers.gpkg"
    gpd.GeoDataFrame({"id": ["B1"], "name": ["Schule"]}, geometry=[box(0, 0, 20, 10)],
                     crs="EPSG:25832").to_file(layers, layer="footprints")
    areas = tmp_path / "areas.geojson"
    gpd.GeoDataFrame({"id": ["platz"], "name": ["Platz"]}, geometry=[box(0, 20, 100, 120)],
                     crs="EPSG:25832").to_file(areas)
    prop = [{"key": "t", "property": "Air temperature", "unit": "°C", "unit_name": "degree Celsius"}]
    devices = tmp_path / "devices.json"
    devices.write_text(json.dumps({"crs": "EPSG:25832", "devices": [
        {"dev_eui": "00000000000000a1", "sensor_id": "square", "name": "square", "x": 10.0, "y": 22.0,
         "properties": prop},
        {"dev_eui": "00000000000000a2", "sensor_id": "wall", "name": "wall", "x": 25.0, "y": 5.0,
         "properties": prop}]}), encoding="utf-8")
    out = tmp_path / "sensors.gpkg"
    links = ["--buildings", f"{layers}|footprints", "--areas", str(areas), "--tolerance", "15"]

    def run(*extra):
        proc = subprocess.run([python_exe, "-m", "geotwin.twin.sensors.listen", "--broker",
                               f"127.0.0.1:{broker.port}", "--devices", str(devices), "--output", str(out),
                               "--duration", "0.5", *extra], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    sql = "SELECT sensor_id, link_type, link_id, link_distance, link_reason FROM sensors"
    # forgotten once: unlinked; the next run with the layers links them, a third changes nothing
    assert "linked now" not in run()
    assert sorted(rows(out, sql)) == [("square", "none", None, None, "not linked (LoRaWAN device table)"),
                                      ("wall", "none", None, None, "not linked (LoRaWAN device table)")]
    assert "2 sensors an earlier run left unlinked are linked now" in run(*links)
    assert sorted(rows(out, sql)) == [
        ("square", "area", "platz", 0.0, "nearest façade: B1 at 12.0 m"), ("wall", "facade", "B1", 5.0, None)]
    assert "linked now" not in run(*links)
    assert sorted(rows(out, sql)) == [
        ("square", "area", "platz", 0.0, "nearest façade: B1 at 12.0 m"), ("wall", "facade", "B1", 5.0, None)]


# ------------------------------------------------------------------------------------------------- sample district
def test_sample_district_uplinks_replay_into_the_same_series(broker, tmp_path, python_exe):
    """The sample's device table and ChirpStack recording, replayed through the broker by the replay
    command, give exactly the values of the sample's CSV export."""
    import csv as csv_mod

    from geotwin.twin.sample.sensors import DEVICES as SAMPLE_DEVICES
    from geotwin.twin.sample.sensors import write_lorawan, write_sensors

    devices, uplinks = tmp_path / "sensors.devices.json", tmp_path / "sensors.uplinks.jsonl"
    assert write_lorawan(devices, uplinks, 0) == (13, 13 * 7 * 24 * 4)
    write_sensors(tmp_path / "s.sta.json", tmp_path / "s.csv", 0)
    table = load_devices(devices)
    assert len(table) == 13 and {d.sensor_id for d in table.values()} == {d[0] for d in SAMPLE_DEVICES}
    lines = uplinks.read_text(encoding="utf-8").splitlines()
    parsed = [parse_uplink(d["topic"], json.dumps(d["payload"]).encode()) for d in map(json.loads, lines)]
    assert all(p.dev_eui in table for p in parsed)
    day = 13 * 96                 # the first day
    out = tmp_path / "twin.gpkg"
    listener = Listener(local_broker(broker), out, devices=devices)
    proc = subprocess.run([python_exe, "-m", "geotwin.twin.sensors.replay", "--broker", f"127.0.0.1:{broker.port}",
                           "--limit", str(day), str(uplinks)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{day} messages published to mqtt://127.0.0.1:{broker.port}"
    listener.wait(lambda: stored(out) == day, timeout=120)
    counts = listener.finish()
    assert (counts.stored, counts.duplicates, counts.malformed, counts.unknown) == (day, 0, 0, 0)
    with open(tmp_path / "s.csv", encoding="utf-8", newline="") as f:
        expected = {}
        for row in csv_mod.DictReader(f):
            if row["time"] < "2025-06-03":
                key = next(k for k in row if k not in ("device_id", "time", "latitude", "longitude") and row[k])
                expected[(f"lorawan#{row['device_id']}#{key}", row["time"])] = float(row[key])
    got = {(k, t): v for k, t, v in rows(out, "SELECT sensor_key, phenomenon_time, result FROM observations")}
    assert got == expected


def test_bad_recording_lines_are_named(tmp_path):
    from geotwin.twin.sensors.replay import read_recording

    path = tmp_path / "r.jsonl"
    path.write_text('{"topic": "a", "payload": {}}\n{"payload": {}}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not a recorded message") as err:
        read_recording(path)
    assert err.value.line == 2 if hasattr(err.value, "line") else f"{path}" in str(err.value)


def test_postgis_twin_schema(broker, pg_dsn, tmp_path):
    """The same into the sensors tables of a twin in PostGIS (the twin store's layout)."""
    import uuid

    import psycopg

    from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS
    from geotwin.twin.sensors.lorawan import PgUplinkStore
    from geotwin.twin.sensors.timeseries import series_json
    from geotwin.twin.store import open_store
    from geotwin.twin.store.frames import empty

    schema = f"lw_{uuid.uuid4().hex[:8]}"
    with pytest.raises(GeoTwinError, match=f"schema {schema} has no sensors and observations tables"):
        PgUplinkStore(pg_dsn, schema, load_devices(DEVICES))
    twin = open_store(pg_dsn, schema)
    with twin.transaction("EPSG:25832") as writer:
        for spec in (SENSORS, OBSERVATIONS):
            writer.replace(spec, empty(spec, "EPSG:25832"))
    try:
        store = PgUplinkStore(pg_dsn, schema, load_devices(DEVICES))
        listener = Listener(local_broker(broker, client_id=f"geotwin-pg-{schema}"), tmp_path / "unused.gpkg",
                            store=store)
        cs, tts = recordings("chirpstack_up.jsonl"), recordings("tts_up.jsonl")
        broker.publish(cs + tts + cs[:2] + [("v3/a/devices/b/up", b"{}")])
        listener.wait(lambda: listener.seen and listener.seen[-1] >= 10)
        counts = listener.finish()
        assert (counts.stored, counts.duplicates, counts.malformed, counts.observations) == (7, 2, 1, 11)
        with psycopg.connect(pg_dsn) as db:
            n, = db.execute(f"SELECT count(*) FROM {schema}.observations").fetchone()
            x, y, srid = db.execute(f"SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM {schema}.sensors WHERE "
                                    "sensor_key = 'lorawan#ka-fp-noise-01#laeq'").fetchone()
            stats = db.execute(f'SELECT "count", "max", latest_time FROM {schema}.sensors WHERE '
                               "sensor_key = 'lorawan#ka-fp-temp-01#temperature'").fetchone()
        assert n == 11 and srid == 25832
        ex, ey = Transformer.from_crs(4326, 25832, always_xy=True).transform(8.40303, 49.00772)
        assert (x, y) == pytest.approx((ex, ey), abs=1e-6)
        assert stats == (3, 18.8, "2025-06-02T08:30:07.520415Z")
        # read back through the twin store: the web map's series
        doc = series_json(open_store(pg_dsn, schema), ["lorawan#ka-fp-temp-01#temperature"])
        assert doc["lorawan#ka-fp-temp-01#temperature"]["v"] == [17.9, 18.4, 18.8]
        assert doc["lorawan#ka-fp-temp-01#temperature"]["unit"] == "°C"
    finally:
        with psycopg.connect(pg_dsn) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_a_foreign_geopackage_is_not_extended(tmp_path):
    from geotwin.twin.kernel.gpkg import gpkg_marker

    foreign = tmp_path / "roads.gpkg"
    import geopandas as gpd
    import shapely

    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(1, 2)], crs=25832).to_file(foreign, layer="roads")
    before = foreign.read_bytes()
    with pytest.raises(GeoTwinError, match="is no GeoTwin output \\(it holds roads\\)"):
        UplinkStore(foreign, load_devices(DEVICES))
    assert foreign.read_bytes() == before
    new = tmp_path / "new.gpkg"
    UplinkStore(new, load_devices(DEVICES)).close()
    assert gpkg_marker(new)["kind"] == "sensors"


def test_command_line_needs_an_output_and_keeps_the_password_out_of_the_client_id(monkeypatch, capsys):
    from geotwin.twin.sensors import listen as cli

    monkeypatch.delenv("GEOTWIN_PG_DSN", raising=False)
    with pytest.raises(SystemExit, match="^2$") as err:
        cli.main(["--broker", "127.0.0.1:1", "--devices", str(DEVICES)])
    assert err.value.code == 2
    assert "give --output (a GeoPackage) or --dsn (a PostGIS twin)" in capsys.readouterr().err
    assert cli.safe_dsn("host=db password=s3cret user=u") == "host=db  user=u"
    assert cli.safe_dsn("host=db password='a b' user=u") == "host=db  user=u"
