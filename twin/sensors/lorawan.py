"""LoRaWAN uplinks from a network server's MQTT integration (ChirpStack v4 and v3, The Things Stack v3) into
the twin's sensor tables of a GeoPackage.

Messages:
- ChirpStack v4, topic ``application/<application id>/device/<DevEUI>/event/up``: ``deviceInfo.devEui``,
  ``fCnt``, ``time`` (else ``rxInfo[].gwTime``/``nsTime``), decoded payload ``object``.
- ChirpStack v3 (Application Server v3), the same topic, told by its top-level ``devEUI``: the "JSON v3"
  marshaler writes ``devEUI`` in hex and the decoded payload as ``object``, the Protobuf "JSON" marshaler
  ``devEUI`` in base64 and the decoded payload as the JSON text ``objectJSON``; both are read. ``fCnt`` (a
  missing one is 0), the time from ``publishedAt``, else the first ``rxInfo[].time`` (gateways with GPS), else the
  time the message arrived. ``applicationID``, ``applicationName``, ``deviceName``, ``fPort``, ``data``,
  ``txInfo`` and ``rxInfo`` of a wrong type make the message malformed, with the field named.
- The Things Stack v3, topic ``v3/<application id>@<tenant>/devices/<device id>/up``: ``end_device_ids.dev_eui``,
  ``uplink_message.f_cnt`` (TTS leaves a 0 out of its JSON, so a missing one is 0), ``received_at``,
  ``uplink_message.decoded_payload``.

Idempotence: every stored uplink is a row of ``lorawan_uplinks`` (DevEUI, frame counter, time). An uplink is a
duplicate when the same DevEUI and frame counter were stored with a time within ``DUPLICATE_WINDOW`` of its
own (a redelivery or a repeated publication carries the same time). A frame counter that comes back with a
time further away is a new session of a reset device (ABP reboot or OTAA rejoin), not a duplicate, and is
stored. The check reads the store, so it holds across restarts.

One sensor per device: a store that already holds a sensor of a device (a row written by the sensor import whose
``attributes`` name the DevEUI, e.g. a SensorThings Thing's ``properties.devEUI``) keeps it; the device's uplinks
are appended to that row (``adopted_sensors``), which keeps its position and link, and a value at a time the row
already has (its imported history) is not stored twice. Only devices without such a row get a
``lorawan#<sensor id>#<key>`` row. In a twin, a build that takes an adopted sensor from a changed sensors input
keeps the values appended to it (told by ``lorawan_uplinks``; see ``build._Builder.keep_adopted_values``).
"""
from __future__ import annotations

import base64
import binascii
import csv
import json
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from ..kernel.errors import GeoTwinError, InputError
from ..kernel.gpkg import SqliteError, connect_ro, connect_rw, layer_names
from ..kernel.numeric import to_number
from ..kernel.schema.sensors import LORAWAN_UPLINKS, OBSERVATIONS, SENSOR_ISSUES, SENSORS
from .importer import Link, LinkLayers, SensorLinker
from .linkrules import UNLINKED_REASON
from .series import KNOWN_UNITS, parse_time, statistics


class _Rows(Protocol):
    """A DB-API cursor after ``execute`` (sqlite3 or psycopg): rows as tuples."""

    def fetchone(self) -> Any: ...   # a row tuple or None; sqlite3 types it Any

    def __iter__(self) -> Iterator[Any]: ...


class _Database(Protocol):
    """What the uplink stores use of a DB-API connection (sqlite3.Connection or psycopg.Connection)."""

    def execute(self, sql: str, args: tuple[Any, ...], /) -> _Rows: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...

SOURCE = "lorawan"
DUPLICATE_WINDOW = timedelta(seconds=60)
MAX_MESSAGE_BYTES = 256 * 1024
MAX_UNKNOWN_LISTED = 10_000     # distinct unknown DevEUIs listed (and named in sensor_issues); more are only counted
CHIRPSTACK_TOPIC = "application/+/device/+/event/up"
TTS_TOPIC = "v3/+/devices/+/up"
TOPIC_PRESETS = {"chirpstack": [CHIRPSTACK_TOPIC], "tts": [TTS_TOPIC]}


_EUI = re.compile(r"[0-9a-f]{16}")
_CS_TOPIC = re.compile(r"application/[^/]+/device/([^/]+)/event/up")
_TTS_TOPIC = re.compile(r"v3/[^/]+/devices/[^/]+/up")


@dataclass(frozen=True)
class Property:
    key: str               # key in the decoded payload (``a.b`` for nested objects)
    observed_property: str
    unit_symbol: str
    unit_name: str = ""


@dataclass(frozen=True)
class Device:
    dev_eui: str
    sensor_id: str
    name: str
    x: float | None
    y: float | None
    crs: str
    properties: tuple[Property, ...]


@dataclass
class Uplink:
    topic: str
    dev_eui: str
    f_cnt: int
    time: datetime
    payload: dict[str, Any]
    network: str           # chirpstack (v4) | chirpstack-v3 | tts


class MalformedMessage(ValueError):
    """A message that is not a readable uplink; str() names the reason."""


def normalise_eui(value: Any) -> str:
    """Write a DevEUI the one way the uplink tables use.

    Args:
        value: the DevEUI as given (separators ``-``, ``:`` and spaces allowed, any case).

    Returns:
        16 lower-case hex digits.

    Raises:
        ValueError: not 16 hex digits.

    Example:
        >>> normalise_eui("70-B3-D5-7E-D0:05 A1 B2")
        '70b3d57ed005a1b2'
        >>> normalise_eui("70b3")
        Traceback (most recent call last):
        ...
        ValueError: not a DevEUI: '70b3'
    """
    text = re.sub(r"[\s:-]", "", str(value or "")).lower()
    if not _EUI.fullmatch(text):
        raise ValueError(f"not a DevEUI: {str(value)[:40]!r}")
    return text


# ---------------------------------------------------------------------------------------------- device table
def load_devices(path: str | Path) -> dict[str, Device]:
    """Read the device table of a LoRaWAN network (JSON or CSV), keyed by DevEUI.

    JSON: ``{"crs": "EPSG:4326", "devices": [{"dev_eui", "sensor_id", "name", "x", "y", "crs"?,
    "properties": [{"key", "property", "unit", "unit_name"?}]}]}`` (or just the list).
    CSV: one row per device and property with the columns ``dev_eui, sensor_id, name, x, y, crs, key,
    property, unit`` (``unit_name`` optional); a device's rows repeat its id, name and position.

    Args:
        path: the table.

    Returns:
        DevEUI (normalised) -> Device with its properties.

    Raises:
        InputError: an unreadable table, a missing column, a bad DevEUI, a DevEUI given for two sensors, a key
            listed twice, or no devices (naming the file and line).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "devices.csv"
        ...     _ = path.write_text("dev_eui,sensor_id,name,x,y,crs,key,property,unit\\n"
        ...                         "70-B3-D5-7E-D0-05-A1-B2,T1,Schulhof,8.4034,49.0094,EPSG:4326,temp,air temp,°C\\n"
        ...                         "70-B3-D5-7E-D0-05-A1-B2,T1,Schulhof,8.4034,49.0094,EPSG:4326,hum,humidity,%\\n")
        ...     devices = load_devices(path)
        >>> device = devices["70b3d57ed005a1b2"]
        >>> device.sensor_id, [(p.key, p.unit_symbol) for p in device.properties]
        ('T1', [('temp', '°C'), ('hum', '%')])
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the device table: {err}", path=str(path)) from err
    rows: list[tuple[int | None, dict[str, Any]]] = []
    default_crs = "EPSG:4326"
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"not JSON: {err.msg}", path=str(path), line=err.lineno) from err
        if isinstance(doc, dict):
            default_crs = str(doc.get("crs") or default_crs)
            doc = doc.get("devices")
        if not isinstance(doc, list):
            raise InputError("expected a list of devices (or {\"devices\": [...]})", path=str(path))
        for entry in doc:
            if not isinstance(entry, dict):
                raise InputError("a device is not an object", path=str(path), obj=str(entry)[:60])
            props = entry.get("properties")
            if not isinstance(props, list) or not props:
                raise InputError("a device needs a non-empty list of properties", path=str(path),
                                 obj=str(entry.get("dev_eui")))
            for prop in props:
                if not isinstance(prop, dict):
                    raise InputError("a property is not an object", path=str(path), obj=str(entry.get("dev_eui")))
                rows.append((None, {**entry, **prop, "property": prop.get("property"), "crs":
                                    entry.get("crs") or default_crs}))
    else:
        reader = csv.DictReader(text.splitlines())
        missing = {"dev_eui", "sensor_id", "key", "unit"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"the device table lacks the columns {', '.join(sorted(missing))}", path=str(path),
                             line=1)
        for row in reader:
            rows.append((reader.line_num, {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}))
    grouped: dict[str, dict[str, Any]] = {}
    for line, row in rows:
        try:
            eui = normalise_eui(row.get("dev_eui"))
        except ValueError as err:
            raise InputError(str(err), path=str(path), line=line, obj=str(row.get("sensor_id"))) from None
        sensor_id = str(row.get("sensor_id") or "").strip()
        key = str(row.get("key") or "").strip()
        if not sensor_id or not key:
            raise InputError("sensor_id and key must not be empty", path=str(path), line=line, obj=eui)
        x, y = to_number(row.get("x")), to_number(row.get("y"))
        if (x is None) != (y is None):
            raise InputError("give both x and y or neither", path=str(path), line=line, obj=eui)
        entry = grouped.setdefault(eui, {"sensor_id": sensor_id, "name": str(row.get("name") or sensor_id),
                                         "x": x, "y": y, "crs": str(row.get("crs") or default_crs), "props": {}})
        if entry["sensor_id"] != sensor_id:
            raise InputError(f"DevEUI {eui} is given for two sensors ({entry['sensor_id']}, {sensor_id})",
                             path=str(path), line=line, obj=eui)
        if key in entry["props"]:
            raise InputError(f"payload key {key!r} is listed twice", path=str(path), line=line, obj=eui)
        entry["props"][key] = Property(key, str(row.get("property") or key), str(row.get("unit") or ""),
                                       str(row.get("unit_name") or ""))
    if not grouped:
        raise InputError("the device table lists no devices", path=str(path))
    return {eui: Device(eui, e["sensor_id"], e["name"], e["x"], e["y"], e["crs"], tuple(e["props"].values()))
            for eui, e in grouped.items()}


def sensor_key(device: Device, prop: Property) -> str:
    """Make the ``sensor_key`` of a device's measured property (the key of its rows in ``sensors``).

    Args:
        device: the device of the device table.
        prop: one of its properties.

    Returns:
        ``lorawan#<sensor id>#<payload key>``.

    Example:
        >>> prop = Property("temperature", "air temperature", "°C", "degree Celsius")
        >>> device = Device("70b3d57ed005a1b2", "Schule-T1", "Schulhof", 456500.0, 5429500.0, "EPSG:25832", (prop,))
        >>> sensor_key(device, prop)
        'lorawan#Schule-T1#temperature'
    """
    return f"{SOURCE}#{device.sensor_id}#{prop.key}"


def attribute_euis(attributes: Any) -> set[str]:
    """Find the DevEUIs a sensor's ``attributes`` name: a key ``dev_eui``/``devEUI`` (any case, ``-``/``_``) at
    the top or in ``thing_properties``/``datastream_properties``.

    Args:
        attributes: the sensor row's attributes (JSON text or dict; anything else names none).

    Returns:
        The DevEUIs, normalised (a value that is no DevEUI is left out).

    Example:
        >>> sorted(attribute_euis('{"thing_properties": {"devEUI": "70B3D57ED0A1B2C3"}, "Dev-EUI": "a8:40:41:00"}'))
        ['70b3d57ed0a1b2c3']
        >>> attribute_euis({"dev_eui": "A840410001 81C3A1"}), attribute_euis("not json"), attribute_euis(None)
        ({'a84041000181c3a1'}, set(), set())
    """
    if isinstance(attributes, str):
        try:
            attributes = json.loads(attributes)
        except json.JSONDecodeError:
            return set()
    if not isinstance(attributes, dict):
        return set()
    found = set()
    for scope in (attributes, attributes.get("thing_properties"), attributes.get("datastream_properties")):
        if not isinstance(scope, dict):
            continue
        for name, value in scope.items():
            if re.sub(r"[-_\s]", "", str(name)).lower() == "deveui":
                try:
                    found.add(normalise_eui(value))
                except ValueError:
                    continue
    return found


def adopted_sensors(devices: dict[str, Device], rows: list[tuple[Any, ...]]) -> dict[tuple[str, str], str]:
    """Match the device table to sensors already in a store, so a device stays one sensor.

    A row matches a device's property when its ``attributes`` name the device's DevEUI and its observed property
    (or datastream id) is the property's; a device with one property also takes the one row of its DevEUI. Rows
    that leave the choice open are not taken (the device gets its own ``lorawan#`` row).

    Args:
        devices: the device table (``load_devices``).
        rows: the store's sensors as (sensor_key, observed_property, datastream_id, attributes (JSON text or dict)).

    Returns:
        (DevEUI, payload key) -> the sensor_key of the row its values are appended to.

    Example:
        >>> prop = Property("soil_moisture_pct", "Soil moisture", "%")
        >>> device = Device("70b3d57ed0a1b2c3", "soil-01", "Rasen West", None, None, "EPSG:4326", (prop,))
        >>> rows = [("sta#3#3", "Soil moisture", "3", '{"thing_properties": {"devEUI": "70B3D57ED0A1B2C3"}}'),
        ...         ("sta#4#4", "Soil moisture", "4", '{"thing_properties": {"devEUI": "70B3D57ED0FFFFFF"}}')]
        >>> adopted_sensors({device.dev_eui: device}, rows)
        {('70b3d57ed0a1b2c3', 'soil_moisture_pct'): 'sta#3#3'}
    """
    by_eui: dict[str, list[tuple[str, str, str]]] = {}
    for key, observed, datastream, attributes in rows:
        for eui in attribute_euis(attributes):
            by_eui.setdefault(eui, []).append((str(key), str(observed or "").strip().lower(), str(datastream or "")))
    out: dict[tuple[str, str], str] = {}
    for eui, device in devices.items():
        candidates = by_eui.get(eui, [])
        for prop in device.properties:
            same = [key for key, observed, datastream in candidates
                    if observed == prop.observed_property.strip().lower() or datastream == prop.key]
            if len(same) == 1:
                out[(eui, prop.key)] = same[0]
            elif not same and len(device.properties) == 1 and len(candidates) == 1:
                out[(eui, prop.key)] = candidates[0][0]
    return out


# ---------------------------------------------------------------------------------------------- messages
def _get(obj: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _time(value: Any, what: str) -> datetime:
    try:
        return parse_time(value)
    except (TypeError, ValueError) as err:
        raise MalformedMessage(f"{what} is not a time ({err})") from None


def _json_object(payload: bytes) -> dict[str, Any]:
    """The message body as a JSON object, or MalformedMessage naming why not."""
    if len(payload) > MAX_MESSAGE_BYTES:
        raise MalformedMessage(f"message larger than {MAX_MESSAGE_BYTES // 1024} KiB")
    return _loads_object(payload, "", "JSON nested too deeply")


def _loads_object(text: str | bytes, subject: str, too_deep: str) -> dict[str, Any]:
    """``text`` (bytes: UTF-8) as a JSON object, or MalformedMessage: ``{subject}not JSON (...)``, ``too_deep``
    or ``{subject}not a JSON object``."""
    try:
        doc = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedMessage(f"{subject}not JSON ({err})") from None
    except RecursionError:
        raise MalformedMessage(too_deep) from None
    if not isinstance(doc, dict):
        raise MalformedMessage(f"{subject}not a JSON object")
    return doc


def _frame_counter(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2 ** 32:
        raise MalformedMessage(f"frame counter is not an integer 0..2^32-1: {str(value)[:20]!r}")
    return value


_NO_CODEC = "no decoded payload (configure a payload codec in the network server)"


def _chirpstack_v4(doc: dict[str, Any]) -> tuple[Any, Any, Any, Any, str]:
    """DevEUI, frame counter, decoded payload, time and the name of the time field of a ChirpStack v4 uplink."""
    when = doc.get("time")
    if when is None:
        rx = [r for r in doc.get("rxInfo") or () if isinstance(r, dict)]
        when = next((r.get(k) for r in rx for k in ("gwTime", "nsTime") if r.get(k)), None)
    return _get(doc, "deviceInfo", "devEui"), doc.get("fCnt", 0), doc.get("object"), when, "time"


def _tts(doc: dict[str, Any]) -> tuple[Any, Any, Any, Any, str]:
    """The same of a The Things Stack v3 uplink."""
    up = doc.get("uplink_message")
    if not isinstance(up, dict):
        raise MalformedMessage("no uplink_message")
    return (_get(doc, "end_device_ids", "dev_eui"), up.get("f_cnt", 0), up.get("decoded_payload"),
            doc.get("received_at") or up.get("received_at"), "received_at")


def _v3_dev_eui(value: Any) -> str:
    """ChirpStack v3's devEUI: hex (the "JSON v3" marshaler) or base64 of the 8 bytes (the Protobuf "JSON" one)."""
    if not isinstance(value, str):
        raise MalformedMessage(f"no valid DevEUI (devEUI is not a string: {str(value)[:40]!r})")
    try:
        return normalise_eui(value)
    except ValueError:
        pass
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 8:
        raise MalformedMessage(f"no valid DevEUI (devEUI is neither 16 hex digits nor the base64 of 8 bytes: "
                               f"{value[:40]!r})")
    return raw.hex()


def _v3_object(doc: dict[str, Any]) -> dict[str, Any]:
    """The decoded payload of a ChirpStack v3 uplink: ``object`` (JSON v3) or ``objectJSON`` (a JSON text)."""
    if doc.get("object") is not None:
        if not isinstance(doc["object"], dict):
            raise MalformedMessage("object is not a JSON object")
        return doc["object"]
    text = doc.get("objectJSON")
    if text is None or text == "":
        raise MalformedMessage(_NO_CODEC)
    if not isinstance(text, str):
        raise MalformedMessage(f"objectJSON is not a string (the decoded payload as JSON text): {str(text)[:40]!r}")
    return _loads_object(text, "objectJSON is ", "objectJSON is nested too deeply")


def _v3_check_types(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Refuse the fields of a ChirpStack v3 uplink that have the wrong type; returns its rxInfo."""
    app = doc.get("applicationID")
    if app is not None and (isinstance(app, bool) or not isinstance(app, (int, str)) or not str(app).isdigit()):
        raise MalformedMessage(f"applicationID is not a numeric id: {str(app)[:40]!r}")
    for name in ("applicationName", "deviceName"):
        if doc.get(name) is not None and not isinstance(doc[name], str):
            raise MalformedMessage(f"{name} is not a string: {str(doc[name])[:40]!r}")
    port = doc.get("fPort", 0)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 255:
        raise MalformedMessage(f"fPort is not an integer 0..255: {str(port)[:20]!r}")
    data = doc.get("data")
    try:
        if data is not None:
            base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise MalformedMessage(f"data is not base64: {str(data)[:40]!r}") from None
    if doc.get("txInfo") is not None and not isinstance(doc["txInfo"], dict):
        raise MalformedMessage("txInfo is not an object")
    rx = doc.get("rxInfo")
    if rx is None:
        return []
    if not isinstance(rx, list):
        raise MalformedMessage("rxInfo is not a list")
    for index, entry in enumerate(rx):
        if not isinstance(entry, dict):
            raise MalformedMessage(f"rxInfo[{index}] is not an object")
    return rx


def _chirpstack_v3(topic: str, doc: dict[str, Any], received: datetime | None) -> Uplink:
    """A ChirpStack v3 uplink (Application Server v3, "JSON v3" or Protobuf "JSON" marshaler). Its time:
    ``publishedAt``, else the first gateway's ``rxInfo[].time`` (set by gateways with GPS), else ``received``."""
    rx = _v3_check_types(doc)
    eui = _v3_dev_eui(doc.get("devEUI"))
    fcnt = _frame_counter(doc.get("fCnt", 0))     # the Protobuf JSON mapping leaves a 0 out
    obj = _v3_object(doc)
    when, what = doc.get("publishedAt"), "publishedAt"
    if when is None:
        index = next((i for i, r in enumerate(rx) if r.get("time") is not None), None)
        if index is not None:
            when, what = rx[index]["time"], f"rxInfo[{index}].time"
    time = _time(when, what) if when is not None else (received or datetime.now(UTC)).astimezone(UTC)
    return Uplink(topic, eui, fcnt, time, obj, "chirpstack-v3")


def _is_chirpstack_v3(doc: dict[str, Any]) -> bool:
    return "deviceInfo" not in doc and "end_device_ids" not in doc and ("devEUI" in doc or "applicationID" in doc)


def parse_uplink(topic: str, payload: bytes, received: datetime | None = None) -> Uplink:
    """Read one MQTT message of a network server as an uplink.

    ChirpStack v4 and v3 (both ``application/+/device/+/event/up``; v4 has ``deviceInfo``, v3 a top-level
    ``devEUI``) and The Things Stack v3 (``v3/+/devices/+/up``) are understood, by topic or by content.

    Args:
        topic: the MQTT topic.
        payload: the message body (JSON).
        received: when the message arrived (UTC), the time of a ChirpStack v3 uplink that carries none (no
            ``publishedAt``, no gateway with GPS time); None: now.

    Returns:
        The Uplink: DevEUI, frame counter, time (UTC), decoded payload and network.

    Raises:
        MalformedMessage: the message is no readable uplink (the text names why, and the field).

    Example:
        >>> body = (b'{"deviceInfo": {"devEui": "70B3D57ED005A1B2"}, "fCnt": 7, "time": "2026-07-01T10:00:00Z",'
        ...         b' "object": {"temperature": 21.5}}')
        >>> up = parse_uplink("application/1/device/70b3d57ed005a1b2/event/up", body)
        >>> up.dev_eui, up.f_cnt, up.time.isoformat(), up.payload, up.network
        ('70b3d57ed005a1b2', 7, '2026-07-01T10:00:00+00:00', {'temperature': 21.5}, 'chirpstack')
        >>> import json   # ChirpStack v3, Protobuf JSON: devEUI in base64, the decoded payload as a JSON text
        >>> v3 = json.dumps({"applicationID": "1", "devEUI": "cLPVftAFobI=", "fCnt": 8, "objectJSON": '{"t": 21.0}',
        ...                  "rxInfo": [{"time": "2026-07-01T10:15:00Z"}]}).encode()
        >>> up = parse_uplink("application/1/device/70b3d57ed005a1b2/event/up", v3)
        >>> up.dev_eui, up.f_cnt, up.time.isoformat(), up.payload, up.network
        ('70b3d57ed005a1b2', 8, '2026-07-01T10:15:00+00:00', {'t': 21.0}, 'chirpstack-v3')
        >>> parse_uplink("application/1/device/x/event/up", b"[]")
        Traceback (most recent call last):
        ...
        geotwin.twin.sensors.lorawan.MalformedMessage: not a JSON object
    """
    doc = _json_object(payload)
    if _is_chirpstack_v3(doc):
        return _chirpstack_v3(topic, doc, received)
    if _CS_TOPIC.fullmatch(topic) or "deviceInfo" in doc:
        (eui, fcnt, payload_obj, when, what), network = _chirpstack_v4(doc), "chirpstack"
    elif _TTS_TOPIC.fullmatch(topic) or "end_device_ids" in doc:
        (eui, fcnt, payload_obj, when, what), network = _tts(doc), "tts"
    else:
        raise MalformedMessage("neither a ChirpStack v3/v4 nor a The Things Stack v3 uplink")
    try:
        eui = normalise_eui(eui)
    except ValueError as err:
        raise MalformedMessage(f"no valid DevEUI ({err})") from None
    fcnt = _frame_counter(fcnt)
    if when is None:
        raise MalformedMessage(f"no {what}")
    if not isinstance(payload_obj, dict):
        raise MalformedMessage(_NO_CODEC)
    return Uplink(topic, eui, fcnt, _time(when, what), payload_obj, network)


def payload_value(payload: dict[str, Any], key: str) -> Any:
    """Find a value of a decoded payload by the key the device table names.

    Args:
        payload: the decoded payload.
        key: a top-level key, or ``a.b`` for a nested object (a top-level key with a dot wins).

    Returns:
        The value, None when the payload lacks it.

    Example:
        >>> payload_value({"air": {"temperature": 21.5}, "battery": 3.6}, "air.temperature")
        21.5
        >>> payload_value({"air.temperature": 20.0}, "air.temperature"), payload_value({}, "battery")
        (20.0, None)
    """
    if key in payload:
        return payload[key]
    return _get(payload, *key.split("."))


# ---------------------------------------------------------------------------------------------- the store
@dataclass
class Counts:
    received: int = 0
    stored: int = 0            # uplinks stored
    observations: int = 0
    duplicates: int = 0
    malformed: int = 0
    unknown: int = 0
    unknown_devices: dict[str, int] = field(default_factory=dict)   # DevEUI -> messages
    missing_values: int = 0    # a property of the table absent or not numeric in a stored uplink
    unknown_unlisted: int = 0  # messages of unknown devices beyond MAX_UNKNOWN_LISTED distinct ones
    already_stored: int = 0    # values of an adopted sensor at a time it already had (its imported history)

    def line(self) -> str:
        return (f"{self.received} messages: {self.stored} uplinks stored ({self.observations} observations), "
                f"{self.duplicates} duplicates, {self.unknown} from unknown devices, {self.malformed} malformed")


#: the statistics columns of ``sensors`` the listener refreshes, in the order of its UPDATE
_STATISTICS = ("count", "min", "mean", "max", "window_start", "window_end", "non_numeric", "latest_value",
               "latest_time")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


class UplinkStore:
    """Appends uplinks to the sensors, observations, sensor_issues and lorawan_uplinks tables of a
    GeoPackage (created when missing; an existing twin or sensors GeoPackage is extended).

    A device without a sensor row gets its own, linked like an imported sensor (``SensorLinker``) when ``links``
    names the building footprints and areas, else left unlinked (``UNLINKED_REASON``; the build's façade pass
    leaves such a row alone). A store opened with ``links`` also links the rows an earlier run left unlinked, as it
    links a new row (``relinked`` counts them), so forgetting the layers once leaves no trace; rows linked before
    are not touched."""

    def __init__(self, path: str | Path, devices: dict[str, Device], crs: str | None = None,
                 links: LinkLayers | None = None) -> None:
        self.path = Path(path)
        self.devices = devices
        self.links = links
        self._made_linker: SensorLinker | None = None
        self._touched: set[str] = set()      # DevEUIs with new rows since the last commit
        self.keys: dict[tuple[str, str], str] = {}   # (DevEUI, key) -> an imported sensor's key (adopted_sensors)
        self._prepare(crs)
        # the MQTT thread writes, one user at a time; the R-tree triggers of sensors need the ST_* functions
        self.db: _Database = connect_rw(self.path, timeout=30, check_same_thread=False)
        self._x("CREATE INDEX IF NOT EXISTS lorawan_uplinks_key ON lorawan_uplinks (dev_eui, f_cnt)")
        if self.keys:   # adopted sensors: their history is looked up by time for every value
            self._x("CREATE INDEX IF NOT EXISTS observations_key_time ON observations (sensor_key, phenomenon_time)")
        self.relinked = self._relink()
        self.db.commit()

    def _x(self, sql: str, args: tuple[Any, ...] = ()) -> _Rows:
        return self.db.execute(sql, args)

    def describe(self) -> str:
        return str(self.path)

    def key(self, device: Device, prop: Property) -> str:
        """The sensor_key a device's property is stored under: an imported row of the device, else its own."""
        return self.keys.get((device.dev_eui, prop.key)) or sensor_key(device, prop)

    def _linker(self) -> SensorLinker | None:
        """The SensorLinker of ``links`` (its layers read once), None without ``links``."""
        if self.links is not None and self._made_linker is None:
            self._made_linker = SensorLinker(self.links, self.crs)
        return self._made_linker

    @staticmethod
    def _device_link(device: Device, prop: Property, point: Any, linker: SensorLinker | None) -> Link:
        """How a device property's own sensor is linked: by ``linker`` as the sensor import links, else not."""
        if linker is None:
            return {"link_type": "none", "link_reason": UNLINKED_REASON}
        return linker.link(point, {"sensor_name": device.name, "datastream_name": f"{device.name}: "
                                   f"{prop.observed_property}", "observed_property": prop.observed_property,
                                   "attributes": {"dev_eui": device.dev_eui}})

    def _sensor_row(self, device: Device, prop: Property, point: Any = None,
                    linker: SensorLinker | None = None) -> dict[str, Any]:
        """A device property's own sensor row, linked by ``linker`` as the sensor import links (else unlinked)."""
        link = self._device_link(device, prop, point, linker)
        return {
            "sensor_key": sensor_key(device, prop), "sensor_id": device.sensor_id, "sensor_name": device.name,
            "datastream_id": prop.key, "datastream_name": f"{device.name}: {prop.observed_property}",
            "observed_property": prop.observed_property, "unit_name": prop.unit_name,
            "unit_symbol": prop.unit_symbol, "unit_known": prop.unit_symbol.strip().lower() in KNOWN_UNITS,
            "count": 0, "non_numeric": 0, "source": SOURCE, **link,
            "attributes": json.dumps({"dev_eui": device.dev_eui}),
        }

    def _position(self, device: Device, crs: str) -> tuple[float, float] | None:
        if device.x is None:
            return None
        from pyproj import Transformer

        return Transformer.from_crs(device.crs, crs, always_xy=True).transform(device.x, device.y)

    def _relink(self) -> int:
        """Link the device rows an earlier run without ``links`` left unlinked (``UNLINKED_REASON``), by the device
        table's position as a new row is linked; inside the open transaction. Returns how many were linked."""
        if self.links is None:
            return 0
        unlinked = {str(r[0]) for r in self._x("SELECT sensor_key FROM sensors WHERE source = ? AND link_reason = ?",
                                               (SOURCE, UNLINKED_REASON))}
        todo = [(d, p) for d in self.devices.values() for p in d.properties if sensor_key(d, p) in unlinked]
        if not todo:
            return 0
        import shapely

        linker = self._linker()
        for device, prop in todo:
            xy = self._position(device, self.crs)
            link = self._device_link(device, prop, None if xy is None else shapely.Point(*xy), linker)
            self._x("UPDATE sensors SET link_type = ?, link_id = ?, link_name = ?, link_distance = ?, link_reason = ? "
                    "WHERE sensor_key = ?", (link["link_type"], link.get("link_id"), link.get("link_name"),
                                             link.get("link_distance"), link.get("link_reason"),
                                             sensor_key(device, prop)))
        return len(todo)

    # tables and sensor rows -------------------------------------------------------------------------------
    def _prepare(self, crs: str | None) -> None:
        from ..kernel.gpkg import GpkgWriter, gpkg_marker, mark_gpkg
        from ..kernel.ownership import geotwin_layer_names, kind_of_layers

        existing = self._tables() if self.path.exists() else set()
        if self.path.exists() and not existing and self.path.stat().st_size:
            raise GeoTwinError(f"{self.path} is not a GeoPackage")
        foreign = existing - geotwin_layer_names() - {LORAWAN_UPLINKS.name}
        if foreign and not gpkg_marker(self.path):
            raise GeoTwinError(f"{self.path} is no GeoTwin output (it holds {', '.join(sorted(foreign)[:5])}): "
                               "give a twin or sensors GeoPackage or a new file")
        store_crs = self._crs() if SENSORS.name in existing else None
        self.crs = store_crs or crs or "EPSG:25832"
        writer = GpkgWriter(self.path, self.crs)
        writer.append_to(existing)
        for spec in (SENSORS, OBSERVATIONS, SENSOR_ISSUES, LORAWAN_UPLINKS):
            if spec.name not in existing:
                writer.ensure_layer(spec)
        rows = self._sensor_rows() if SENSORS.name in existing else []
        known = {str(r[0]) for r in rows}
        self.keys = adopted_sensors(self.devices, rows)
        import shapely

        linker = self._linker() if any(self.key(d, p) not in known for d in self.devices.values()
                                       for p in d.properties) else None
        for device in self.devices.values():
            xy = self._position(device, self.crs)
            point = None if xy is None else shapely.Point(*xy)
            for prop in device.properties:
                if self.key(device, prop) not in known:
                    writer.add(SENSORS, self._sensor_row(device, prop, point, linker), point)
        if writer.layers:
            try:
                writer.close()
            except Exception as err:  # pyogrio/GDAL errors
                raise GeoTwinError(f"cannot write the sensor tables of {self.path}: {err}") from err
        if not existing:
            mark_gpkg(self.path, kind_of_layers([SENSORS.name, OBSERVATIONS.name]))

    def _tables(self) -> set[str]:
        try:
            return set(layer_names(self.path))
        except SqliteError:
            return set()

    def _crs(self) -> str | None:
        with closing(connect_ro(self.path)) as db:
            row = db.execute("SELECT s.organization, s.organization_coordsys_id, s.definition FROM gpkg_contents c "
                             "JOIN gpkg_spatial_ref_sys s USING (srs_id) WHERE c.table_name = ?",
                             (SENSORS.name,)).fetchone()
        if not row:
            return None
        return f"{row[0]}:{row[1]}" if row[0] and row[0].upper() == "EPSG" else row[2]

    def _sensor_rows(self) -> list[tuple[Any, ...]]:
        with closing(connect_ro(self.path)) as db:
            return list(db.execute("SELECT sensor_key, observed_property, datastream_id, attributes FROM sensors"))

    # uplinks ----------------------------------------------------------------------------------------------
    def is_duplicate(self, up: Uplink) -> bool:
        for (stored,) in self._x("SELECT time FROM lorawan_uplinks WHERE dev_eui = ? AND f_cnt = ?",
                                         (up.dev_eui, up.f_cnt)):
            if abs(parse_time(stored if isinstance(stored, str) else stored.isoformat()) - up.time) <= DUPLICATE_WINDOW:
                return True
        return False

    def issue(self, topic: str, obj: str, text: str) -> None:
        self._x("INSERT INTO sensor_issues (source, line, object, issue) VALUES (?, NULL, ?, ?)",
                        (f"mqtt:{topic}"[:500], obj[:200], text[:500]))

    def handle(self, topic: str, payload: bytes, counts: Counts) -> str:
        """Process one message inside the open transaction; returns stored | duplicate | unknown | malformed."""
        counts.received += 1
        try:
            up = parse_uplink(topic, payload)
        except MalformedMessage as err:
            counts.malformed += 1
            self.issue(topic, "message", f"malformed message on {topic}: {err}")
            return "malformed"
        device = self.devices.get(up.dev_eui)
        if device is None:
            counts.unknown += 1
            if up.dev_eui in counts.unknown_devices:
                counts.unknown_devices[up.dev_eui] += 1
            elif len(counts.unknown_devices) < MAX_UNKNOWN_LISTED:
                counts.unknown_devices[up.dev_eui] = 1
                self.issue(topic, up.dev_eui, f"unknown device {up.dev_eui} (not in the device table)")
            else:
                counts.unknown_unlisted += 1
            return "unknown"
        if self.is_duplicate(up):
            counts.duplicates += 1
            return "duplicate"
        stored = 0
        for prop in device.properties:
            raw = payload_value(up.payload, prop.key)
            value = to_number(raw)
            if raw is None:
                counts.missing_values += 1
                continue
            if value is None:
                counts.missing_values += 1
            key = self.key(device, prop)
            if key != sensor_key(device, prop) and self._x(
                    "SELECT 1 FROM observations WHERE sensor_key = ? AND phenomenon_time = ? LIMIT 1",
                    (key, _iso(up.time))).fetchone():
                counts.already_stored += 1   # the adopted sensor's imported history has it
                continue
            self._x(
                "INSERT INTO observations (sensor_key, datastream_id, observation_id, phenomenon_time, result, "
                "result_text) VALUES (?, ?, ?, ?, ?, ?)",
                (key, prop.key, f"{up.dev_eui}:{up.f_cnt}:{_iso(up.time)}", _iso(up.time),
                 value, None if value is not None else str(raw)[:500]))
            stored += 1
        self._x("INSERT INTO lorawan_uplinks (dev_eui, f_cnt, time, topic, sensor_id, values_stored) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (up.dev_eui, up.f_cnt, _iso(up.time), topic[:500], device.sensor_id, stored))
        self._touched.add(up.dev_eui)
        counts.stored += 1
        counts.observations += stored
        return "stored"

    def begin(self) -> None:
        self._touched = set()

    def commit(self) -> None:
        """Refresh the statistics of the sensors that received values, then commit."""
        for eui in self._touched:
            device = self.devices[eui]
            for prop in device.properties:
                key = self.key(device, prop)
                stats = statistics(self._x("SELECT phenomenon_time, result FROM observations WHERE sensor_key = ? "
                                           "ORDER BY fid", (key,)))
                self._x(
                    "UPDATE sensors SET \"count\" = ?, \"min\" = ?, \"mean\" = ?, \"max\" = ?, window_start = ?, "
                    "window_end = ?, non_numeric = ?, latest_value = ?, latest_time = ? WHERE sensor_key = ?",
                    (*(stats[c] for c in _STATISTICS), key))
        self.db.commit()
        self._touched = set()

    def close(self) -> None:
        self.db.close()


_PG_TYPES = {"str": "text", "int": "bigint", "float": "double precision", "bool": "boolean", "datetime": "text",
             "json": "jsonb"}


class PgUplinkStore(UplinkStore):
    """The same tables in a PostGIS schema of a built twin (``sensors`` must exist there; ``lorawan_uplinks``
    is created when missing)."""

    def __init__(self, dsn: str, schema: str, devices: dict[str, Device], links: LinkLayers | None = None) -> None:
        import psycopg

        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", schema or ""):
            raise GeoTwinError(f"not a valid schema name: {schema!r}")
        self.dsn, self.schema, self.devices, self.links = dsn, schema, devices, links
        self._made_linker = None
        self._touched = set()
        self.keys = {}
        self.path = Path(f"postgis-{schema}")
        try:
            self.db = psycopg.connect(dsn, connect_timeout=15)
        except psycopg.Error as err:
            raise GeoTwinError(f"cannot connect to PostGIS: {str(err).strip()[:300]}") from None
        try:
            self._prepare_pg()
        except BaseException:
            self.db.close()
            raise

    def _x(self, sql: str, args: tuple[Any, ...] = ()) -> _Rows:
        return self.db.execute(sql.replace("?", "%s"), args)

    def describe(self) -> str:
        return f"PostGIS schema {self.schema}"

    def _prepare_pg(self) -> None:
        tables = {r[0] for r in self._x("SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                                        (self.schema,))}
        if SENSORS.name not in tables or OBSERVATIONS.name not in tables:
            raise GeoTwinError(f"the PostGIS schema {self.schema} has no sensors and observations tables: build "
                               "the twin there first")
        self._x(f'SET search_path TO "{self.schema}", public')
        for spec in (SENSOR_ISSUES, LORAWAN_UPLINKS):
            if spec.name not in tables:
                cols = ", ".join(f'"{n}" {_PG_TYPES[k]}' for n, k in spec.fields.items())
                self._x(f'CREATE TABLE "{spec.name}" (fid bigserial PRIMARY KEY, {cols})')
        self._x("CREATE INDEX IF NOT EXISTS lorawan_uplinks_key ON lorawan_uplinks (dev_eui, f_cnt)")
        srid = self._x("SELECT Find_SRID(?, 'sensors', 'geom')", (self.schema,)).fetchone()[0]
        self.crs = f"EPSG:{srid}"
        rows = list(self._x("SELECT sensor_key, observed_property, datastream_id, attributes FROM sensors"))
        known = {str(r[0]) for r in rows}
        self.keys = adopted_sensors(self.devices, rows)
        import shapely

        linker = self._linker() if any(self.key(d, p) not in known for d in self.devices.values()
                                       for p in d.properties) else None
        for device in self.devices.values():
            xy = self._position(device, self.crs)
            for prop in device.properties:
                if self.key(device, prop) in known:
                    continue
                row = self._sensor_row(device, prop, None if xy is None else shapely.Point(*xy), linker)
                names = ", ".join(f'"{n}"' for n in row)
                marks = ", ".join("?" for _ in row)
                geom = "NULL" if xy is None else "ST_SetSRID(ST_MakePoint(?, ?), ?)"
                self._x(f"INSERT INTO sensors ({names}, geom) VALUES ({marks}, {geom})",
                        tuple(row.values()) + (() if xy is None else (xy[0], xy[1], srid)))
        if self.keys:
            self._x("CREATE INDEX IF NOT EXISTS observations_key_time ON observations (sensor_key, phenomenon_time)")
        self.relinked = self._relink()
        self.db.commit()
