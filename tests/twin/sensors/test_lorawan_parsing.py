"""sensors/lorawan.py without a broker: the DevEUI rule, every error of the device table (JSON and CSV) and of
an MQTT message (ChirpStack v4 and The Things Stack v3), the limits (256 KiB, frame counter 0..2^32-1) and
nested payload keys. Messages are written here as the network servers document them.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from geotwin.twin.kernel.errors import InputError
from geotwin.twin.sensors import lorawan
from geotwin.twin.sensors.lorawan import MalformedMessage, load_devices, normalise_eui, parse_uplink

EUI = "70b3d57ed0051234"
CS = f"application/app-1/device/{EUI}/event/up"
TTS = "v3/app-1@ttn/devices/dev-1/up"


@pytest.mark.parametrize("text, eui", [
    ("70B3D57ED0051234", EUI), ("70-b3-d5-7e-d0-05-12-34", EUI), ("70:B3:D5:7E:D0:05:12:34", EUI),
    (" 70b3 d57e d005 1234 ", EUI),
])
def test_normalise_eui(text, eui):
    assert normalise_eui(text) == eui


@pytest.mark.parametrize("value, shown", [
    ("70b3d57ed005123", "'70b3d57ed005123'"), ("70b3d57ed00512345", "'70b3d57ed00512345'"),
    ("70b3d57ed005123g", "'70b3d57ed005123g'"), (None, "'None'"), ("", "''"), ("x" * 50, repr("x" * 40)),
    ("70b3d57e_d0051234", "'70b3d57e_d0051234'"),
])
def test_not_a_dev_eui(value, shown):
    with pytest.raises(ValueError, match=rf"^not a DevEUI: {shown}$".replace("(", r"\(").replace(")", r"\)")):
        normalise_eui(value)


# ------------------------------------------------------------------ the device table


def _where(path, match):
    """The message as InputError shows it: the file, then the line and object where known."""
    return "^" + re.escape(str(path)) + r"(, line \d+)?(, object [^:]+)?: " + match.lstrip("^")


def _json(tmp_path, doc, name="d.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return path


def _device(**kw):
    base = {"dev_eui": EUI, "sensor_id": "S1", "name": "Room 1", "x": 8.4, "y": 49.0,
            "properties": [{"key": "temperature", "property": "air temperature", "unit": "°C",
                            "unit_name": "degree Celsius"}, {"key": "hum.rel", "unit": "%"}]}
    base.update(kw)
    return base


def test_json_table(tmp_path):
    devices = load_devices(_json(tmp_path, {"crs": "EPSG:25832", "devices": [
        _device(), _device(dev_eui="0011223344556677", sensor_id="S2", name=None, x=None, y=None, crs="EPSG:4326")]}))
    assert list(devices) == [EUI, "0011223344556677"]
    d = devices[EUI]
    assert (d.sensor_id, d.name, d.x, d.y, d.crs) == ("S1", "Room 1", 8.4, 49.0, "EPSG:25832")
    assert d.properties == (lorawan.Property("temperature", "air temperature", "°C", "degree Celsius"),
                            lorawan.Property("hum.rel", "hum.rel", "%", ""))
    other = devices["0011223344556677"]
    assert (other.name, other.x, other.y, other.crs) == ("S2", None, None, "EPSG:4326")
    assert lorawan.sensor_key(d, d.properties[1]) == "lorawan#S1#hum.rel"
    # a bare list, with the default CRS
    assert load_devices(_json(tmp_path, [_device()], "l.json"))[EUI].crs == "EPSG:4326"
    # JSON recognised by its first character whatever the file is called
    assert load_devices(_json(tmp_path, "  " + json.dumps([_device()]), "table.txt"))[EUI].sensor_id == "S1"


def test_csv_table(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("\ufeffdev_eui,sensor_id,name,x,y,crs,key,property,unit\n"
                    f"{EUI.upper()}, S1 ,Room 1,\"456000,5\",5429000,EPSG:25832,temperature,air temperature,°C\n"
                    f"{EUI},S1,Room 1,\"456000,5\",5429000,EPSG:25832,co2,,ppm\n"
                    "0011223344556677,S2,,,,,pm10,PM10,µg/m³\n", encoding="utf-8")
    devices = load_devices(path)
    d = devices[EUI]
    assert (d.sensor_id, d.name, d.x, d.y, d.crs) == ("S1", "Room 1", 456000.5, 5429000.0, "EPSG:25832")
    assert [p.key for p in d.properties] == ["temperature", "co2"]
    assert d.properties[1] == lorawan.Property("co2", "co2", "ppm", "")
    s2 = devices["0011223344556677"]
    assert (s2.name, s2.x, s2.crs) == ("S2", None, "EPSG:4326")


@pytest.mark.parametrize("doc, match", [
    ("{not json", r"^not JSON: Expecting property name enclosed in double quotes"),
    ({"devices": {"a": 1}}, r'^expected a list of devices \(or \{"devices": \[\.\.\.\]\}\)'),
    ({"crs": "EPSG:4326"}, r"^expected a list of devices"),
    ([["x"]], r"^a device is not an object"),
    ([_device(properties=[])], r"^a device needs a non-empty list of properties"),
    ([_device(properties={"key": "t"})], r"^a device needs a non-empty list of properties"),
    ([_device(properties=["t"])], r"^a property is not an object"),
    ([_device(dev_eui="123")], r"^not a DevEUI: '123'"),
    ([_device(sensor_id=" ")], r"^sensor_id and key must not be empty"),
    ([_device(properties=[{"key": "", "unit": "%"}])], r"^sensor_id and key must not be empty"),
    ([_device(x=None)], r"^give both x and y or neither"),
    ([_device(y="north")], r"^give both x and y or neither"),
    ([_device(), _device(sensor_id="S9")], rf"^DevEUI {EUI} is given for two sensors \(S1, S9\)"),
    ([_device(properties=[{"key": "t", "unit": "%"}, {"key": "t", "unit": "K"}])],
     r"^payload key 't' is listed twice"),
    ([], r"^the device table lists no devices"),
])
def test_json_table_errors(tmp_path, doc, match):
    path = _json(tmp_path, doc)
    with pytest.raises(InputError, match=_where(path, match)) as info:
        load_devices(path)
    assert info.value.path == str(path)


@pytest.mark.parametrize("text, match, line", [
    ("dev_eui,sensor_id,key\n", r"^the device table lacks the columns unit", 1),
    ("name,x\n", r"^the device table lacks the columns dev_eui, key, sensor_id, unit", 1),
    ("dev_eui,sensor_id,key,unit\n", r"^the device table lists no devices", None),
    (f"dev_eui,sensor_id,key,unit\n{EUI},S1,t,%\n{EUI},S1,t,%\n", r"^payload key 't' is listed twice", 3),
    (f"dev_eui,sensor_id,key,unit\n{EUI},S1,t,%\nbad,S2,t,%\n", r"^not a DevEUI: 'bad'", 3),
    (f"dev_eui,sensor_id,key,unit,x,y\n{EUI},S1,t,%,1,\n", r"^give both x and y or neither", 2),
])
def test_csv_table_errors(tmp_path, text, match, line):
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=_where(path, match)) as info:
        load_devices(path)
    assert info.value.line == line


def test_unreadable_table(tmp_path):
    with pytest.raises(InputError, match=_where(tmp_path / "missing.json", r"^cannot read the device table: ")):
        load_devices(tmp_path / "missing.json")
    (tmp_path / "latin1.csv").write_bytes("dev_eui,sensor_id,key,unit\n0011223344556677,Ü,t,°C\n".encode("latin-1"))
    with pytest.raises(InputError, match=_where(tmp_path / "latin1.csv", r"^cannot read the device table: 'utf-8' codec")):
        load_devices(tmp_path / "latin1.csv")


# ------------------------------------------------------------------ messages


def _cs(**kw):
    doc = {"deduplicationId": "d", "time": "2026-11-23T09:00:00.123Z", "deviceInfo": {"devEui": EUI},
           "fCnt": 7, "object": {"temperature": 21.5, "hum": {"rel": 40}}}
    doc.update(kw)
    return json.dumps(doc).encode()


def _tts(**kw):
    up = {"f_cnt": 9, "decoded_payload": {"temperature": 20.0}, "received_at": "2026-11-23T09:00:05Z"}
    up.update(kw.pop("up", {}))
    doc = {"end_device_ids": {"device_id": "dev-1", "dev_eui": EUI.upper()}, "received_at": "2026-11-23T09:00:06Z",
           "uplink_message": up}
    doc.update(kw)
    return json.dumps(doc).encode()


def test_chirpstack_uplink():
    up = parse_uplink(CS, _cs())
    assert (up.topic, up.dev_eui, up.f_cnt, up.network) == (CS, EUI, 7, "chirpstack")
    assert up.time == datetime(2026, 11, 23, 9, 0, 0, 123000, tzinfo=UTC)
    assert up.payload == {"temperature": 21.5, "hum": {"rel": 40}}
    # recognised by its content on any topic; the frame counter defaults to 0; the gateway time when no time
    doc = json.loads(_cs())
    del doc["time"], doc["fCnt"]
    doc["rxInfo"] = ["junk", {"gwTime": None, "nsTime": "2026-11-23T09:00:01Z"}, {"gwTime": "2026-11-23T09:00:02Z"}]
    up = parse_uplink("any/topic", json.dumps(doc).encode())
    assert up.f_cnt == 0 and up.time == datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)


def test_tts_uplink():
    up = parse_uplink(TTS, _tts())
    assert (up.dev_eui, up.f_cnt, up.network, up.payload) == (EUI, 9, "tts", {"temperature": 20.0})
    assert up.time == datetime(2026, 11, 23, 9, 0, 6, tzinfo=UTC)
    doc = json.loads(_tts())
    del doc["received_at"], doc["uplink_message"]["f_cnt"]
    up = parse_uplink("other", json.dumps(doc).encode())
    assert up.time == datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC) and up.f_cnt == 0


@pytest.mark.parametrize("topic, payload, match", [
    (CS, b"\xff\xfe", r"^not JSON \("), (CS, b"{", r"^not JSON \("), (CS, b"[1, 2]", r"^not a JSON object$"),
    (CS, b"[" * 100_000 + b"]" * 100_000, r"^JSON nested too deeply$|^not JSON"),
    ("x/y", b'{"a": 1}', r"^neither a ChirpStack v3/v4 nor a The Things Stack v3 uplink$"),
    (TTS, b'{"end_device_ids": {}}', r"^no uplink_message$"),
    (TTS, b'{"uplink_message": 5}', r"^no uplink_message$"),
    (CS, _cs(deviceInfo={"devEui": "12"}), r"^no valid DevEUI \(not a DevEUI: '12'\)$"),
    (CS, _cs(deviceInfo=None), r"^no valid DevEUI \(not a DevEUI: 'None'\)$"),
    (CS, _cs(fCnt=-1), r"^frame counter is not an integer 0\.\.2\^32-1: '-1'$"),
    (CS, _cs(fCnt=2 ** 32), r"^frame counter is not an integer 0\.\.2\^32-1: '4294967296'$"),
    (CS, _cs(fCnt=True), r"^frame counter is not an integer 0\.\.2\^32-1: 'True'$"),
    (CS, _cs(fCnt=3.0), r"^frame counter is not an integer 0\.\.2\^32-1: '3\.0'$"),
    (CS, _cs(fCnt="7"), r"^frame counter is not an integer"),
    (CS, _cs(time=None), r"^no time$"),
    (TTS, _tts(received_at=None, up={"received_at": None}), r"^no received_at$"),
    (CS, _cs(time="yesterday"), r"^time is not a time \("),
    (TTS, _tts(received_at="soon"), r"^received_at is not a time \("),
    (CS, _cs(object=None), r"^no decoded payload \(configure a payload codec in the network server\)$"),
    (TTS, _tts(up={"decoded_payload": [1]}), r"^no decoded payload"),
])
def test_malformed_messages(topic, payload, match):
    with pytest.raises(MalformedMessage, match=match):
        parse_uplink(topic, payload)


def test_message_size_limit():
    doc = json.loads(_cs())
    doc["padding"] = ""
    base = len(json.dumps(doc).encode())
    doc["padding"] = "x" * (256 * 1024 - base)
    at_limit = json.dumps(doc).encode()
    assert len(at_limit) == 262144 and parse_uplink(CS, at_limit).f_cnt == 7
    doc["padding"] += "x"
    with pytest.raises(MalformedMessage, match=r"^message larger than 256 KiB$"):
        parse_uplink(CS, json.dumps(doc).encode())


def test_frame_counter_limits_accepted():
    assert parse_uplink(CS, _cs(fCnt=0)).f_cnt == 0
    assert parse_uplink(CS, _cs(fCnt=2 ** 32 - 1)).f_cnt == 4294967295


def test_payload_value_and_counts_line():
    payload = {"a.b": 1, "a": {"b": 2, "c": {"d": 3}}, "n": None}
    assert lorawan.payload_value(payload, "a.b") == 1           # a flat key wins
    assert lorawan.payload_value(payload, "a.c.d") == 3
    assert lorawan.payload_value(payload, "a.c.x") is None
    assert lorawan.payload_value(payload, "a.b.c") is None       # 2 is no object
    assert lorawan.payload_value(payload, "n") is None and lorawan.payload_value(payload, "zz") is None
    counts = lorawan.Counts(received=9, stored=5, observations=12, duplicates=2, malformed=1, unknown=1)
    assert counts.line() == ("9 messages: 5 uplinks stored (12 observations), 2 duplicates, 1 from unknown devices, "
                             "1 malformed")
    fresh = lorawan.Counts()
    assert (fresh.received, fresh.stored, fresh.observations, fresh.duplicates, fresh.malformed, fresh.unknown,
            fresh.unknown_devices, fresh.missing_values, fresh.unknown_unlisted) == (0, 0, 0, 0, 0, 0, {}, 0, 0)
    assert lorawan.Counts().line() == "0 messages: 0 uplinks stored (0 observations), 0 duplicates, 0 from unknown " \
                                      "devices, 0 malformed"


# ------------------------------------------------------------------ ChirpStack v3
# The two uplink examples of the ChirpStack Application Server v3 documentation, "Event types" -> "Uplink"
# (brocaar/chirpstack-application-server, docs/content/integrate/sending-receiving/_index.md, published at
# https://www.chirpstack.io/application-server/integrate/sending-receiving/): the "JSON v3" marshaler (devEUI in
# hex, the decoded payload as the object "object") and the Protobuf "JSON" marshaler (bytes in base64 as the
# Protocol Buffers JSON mapping demands, the decoded payload as the JSON text "objectJSON"). The documentation
# writes "data": "..."; here it is the base64 of four real bytes. Field names checked against integration.proto
# of chirpstack-api v3 (application_id -> "applicationID", dev_eui -> "devEUI", object_json -> "objectJSON").
CS_V3_JSON_V3 = {
    "applicationID": "123",
    "applicationName": "temperature-sensor",
    "deviceName": "garden-sensor",
    "devEUI": "0202020202020202",
    "rxInfo": [{"gatewayID": "0303030303030303", "name": "rooftop-gateway", "time": "2016-11-25T16:24:37.295915988Z",
                "rssi": -57, "loRaSNR": 10,
                "location": {"latitude": 52.3740364, "longitude": 4.9144401, "altitude": 10.5}}],
    "txInfo": {"frequency": 868100000, "dr": 5},
    "adr": False,
    "fCnt": 10,
    "fPort": 5,
    "data": "AQIDBA==",
    "object": {"temperatureSensor": {"1": 25}, "humiditySensor": {"1": 32}},
    "tags": {"key": "value"},
}
CS_V3_PROTOBUF_JSON = {
    "applicationID": "123",
    "applicationName": "temperature-sensor",
    "deviceName": "garden-sensor",
    "devEUI": "AgICAgICAgI=",
    "rxInfo": [{"gatewayID": "AwMDAwMDAwM=", "time": "2019-11-08T13:59:25.048445Z", "timeSinceGPSEpoch": None,
                "rssi": -48, "loRaSNR": 9, "channel": 5, "rfChain": 0, "board": 0, "antenna": 0,
                "location": {"latitude": 52.3740364, "longitude": 4.9144401, "altitude": 10.5},
                "fineTimestampType": "NONE", "context": "9u/uvA==", "uplinkID": "jhMh8Gq6RAOChSKbi83RHQ=="}],
    "txInfo": {"frequency": 868100000, "modulation": "LORA",
               "loRaModulationInfo": {"bandwidth": 125, "spreadingFactor": 11, "codeRate": "4/5",
                                      "polarizationInversion": False}},
    "adr": True,
    "dr": 1,
    "fCnt": 10,
    "fPort": 5,
    "data": "AQIDBA==",
    "objectJSON": "{\"temperatureSensor\":25,\"humiditySensor\":32}",
    "tags": {"key": "value"},
}
CS_V3_TOPIC = "application/123/device/0202020202020202/event/up"


def _v3(base=CS_V3_PROTOBUF_JSON, **changes) -> bytes:
    doc = json.loads(json.dumps(base))
    for key, value in changes.items():
        if value is ...:
            doc.pop(key)
        else:
            doc[key] = value
    return json.dumps(doc).encode()


def test_chirpstack_v3_json_v3_uplink():
    up = parse_uplink(CS_V3_TOPIC, _v3(CS_V3_JSON_V3))
    assert (up.dev_eui, up.f_cnt, up.network) == ("0202020202020202", 10, "chirpstack-v3")
    assert up.time == datetime(2016, 11, 25, 16, 24, 37, 295915, tzinfo=UTC)   # the gateway's GPS time
    assert up.payload == {"temperatureSensor": {"1": 25}, "humiditySensor": {"1": 32}}


def test_chirpstack_v3_protobuf_json_uplink():
    up = parse_uplink(CS_V3_TOPIC, _v3())
    assert (up.dev_eui, up.f_cnt, up.network) == ("0202020202020202", 10, "chirpstack-v3")
    assert bytes.fromhex(up.dev_eui) == b"\x02" * 8        # base64 "AgICAgICAgI=" decoded independently
    assert up.time == datetime(2019, 11, 8, 13, 59, 25, 48445, tzinfo=UTC)
    assert up.payload == {"temperatureSensor": 25, "humiditySensor": 32}
    # the same message on any topic is recognised by its top-level devEUI
    assert parse_uplink("other/topic", _v3()).payload == up.payload


def test_chirpstack_v3_times_and_defaults():
    received = datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)
    # publishedAt (chirpstack-api v3.9+) wins over the gateway time
    up = parse_uplink(CS_V3_TOPIC, _v3(publishedAt="2019-11-08T13:59:26Z"), received)
    assert up.time == datetime(2019, 11, 8, 13, 59, 26, tzinfo=UTC)
    # no gateway with GPS time: the first one with a time, else the time the message arrived
    rx = [{"gatewayID": "AwMDAwMDAwM=", "rssi": -48}, {"gatewayID": "BAQEBAQEBAQ=", "time": "2019-11-08T13:59:27Z"}]
    assert parse_uplink(CS_V3_TOPIC, _v3(rxInfo=rx), received).time == datetime(2019, 11, 8, 13, 59, 27, tzinfo=UTC)
    assert parse_uplink(CS_V3_TOPIC, _v3(rxInfo=rx[:1]), received).time == received
    assert parse_uplink(CS_V3_TOPIC, _v3(rxInfo=...), received).time == received
    before = datetime.now(UTC)
    assert before <= parse_uplink(CS_V3_TOPIC, _v3(rxInfo=...)).time <= datetime.now(UTC)
    # the Protobuf JSON mapping leaves zeros out: fCnt and fPort 0
    up = parse_uplink(CS_V3_TOPIC, _v3(fCnt=..., fPort=..., data=..., txInfo=..., applicationID=...))
    assert up.f_cnt == 0 and up.payload["temperatureSensor"] == 25
    # an object in the Protobuf JSON message is taken as the JSON v3 one is
    assert parse_uplink(CS_V3_TOPIC, _v3(objectJSON=..., object={"t": 1})).payload == {"t": 1}


@pytest.mark.parametrize("payload, match", [
    (_v3(objectJSON="{not json"), r"^objectJSON is not JSON \(Expecting property name"),
    (_v3(objectJSON="[25, 32]"), r"^objectJSON is not a JSON object$"),
    (_v3(objectJSON="25"), r"^objectJSON is not a JSON object$"),
    (_v3(objectJSON={"temperatureSensor": 25}), r"^objectJSON is not a string \(the decoded payload as JSON text\)"),
    (_v3(objectJSON="[" * 100_000 + "]" * 100_000), r"^objectJSON is nested too deeply$|^objectJSON is not JSON"),
    (_v3(objectJSON=""), r"^no decoded payload \(configure a payload codec in the network server\)$"),
    (_v3(objectJSON=...), r"^no decoded payload \(configure a payload codec"),
    (_v3(CS_V3_JSON_V3, object=[25, 32]), r"^object is not a JSON object$"),
    (_v3(devEUI="AgICAgICAg=="), r"^no valid DevEUI \(devEUI is neither 16 hex digits nor the base64 of 8 bytes: "
                                 r"'AgICAgICAg=='\)$"),
    (_v3(devEUI="not an eui"), r"^no valid DevEUI \(devEUI is neither 16 hex digits nor the base64 of 8 bytes"),
    (_v3(devEUI=202020202020202), r"^no valid DevEUI \(devEUI is not a string: '202020202020202'\)$"),
    (_v3(devEUI=None), r"^no valid DevEUI \(devEUI is not a string: 'None'\)$"),
    (_v3(devEUI=...), r"^no valid DevEUI \(devEUI is not a string: 'None'\)$"),
    (_v3(applicationID={"id": 123}), r"^applicationID is not a numeric id: "),
    (_v3(applicationID=True), r"^applicationID is not a numeric id: 'True'$"),
    (_v3(applicationID="app-1"), r"^applicationID is not a numeric id: 'app-1'$"),
    (_v3(applicationName=5), r"^applicationName is not a string: '5'$"),
    (_v3(deviceName=["garden-sensor"]), r"^deviceName is not a string: "),
    (_v3(fPort="5"), r"^fPort is not an integer 0\.\.255: '5'$"),
    (_v3(fPort=256), r"^fPort is not an integer 0\.\.255: '256'$"),
    (_v3(data="..."), r"^data is not base64: '\.\.\.'$"),     # the documentation's placeholder
    (_v3(data=1234), r"^data is not base64: '1234'$"),
    (_v3(txInfo="LORA"), r"^txInfo is not an object$"),
    (_v3(rxInfo={"gatewayID": "AwMDAwMDAwM="}), r"^rxInfo is not a list$"),
    (_v3(rxInfo=["junk"]), r"^rxInfo\[0\] is not an object$"),
    (_v3(rxInfo=[{"time": "yesterday"}]), r"^rxInfo\[0\]\.time is not a time \("),
    (_v3(publishedAt=[2019]), r"^publishedAt is not a time \("),
    (_v3(fCnt="10"), r"^frame counter is not an integer 0\.\.2\^32-1: '10'$"),
    (_v3(fCnt=-1), r"^frame counter is not an integer 0\.\.2\^32-1: '-1'$"),
])
def test_malformed_chirpstack_v3_messages_name_the_field(payload, match):
    with pytest.raises(MalformedMessage, match=match):
        parse_uplink(CS_V3_TOPIC, payload)
