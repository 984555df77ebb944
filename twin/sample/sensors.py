"""LoRaWAN sensors on and around Friedrichsplatz with one week of 15-minute observations.

Written twice: an OGC SensorThings API v1.1 deep-insert document (a list of Things) and the CSV
a LoRaWAN network server exports (one row per uplink, one column per measurement).
"""
from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import school
from .jsonfmt import dumps
from .site import to_lonlat

WEEK_START = datetime(2025, 6, 2, tzinfo=UTC)   # a Monday
STEP = timedelta(minutes=15)
STEPS = 7 * 24 * 4
UTC_OFFSET_H = 2            # CEST: daily cycles follow local time

OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


@dataclass(frozen=True)
class Quantity:
    key: str                 # CSV column
    property_name: str
    property_definition: str
    description: str
    unit: dict[str, Any]
    sensor_name: str
    sensor_description: str
    valid_range: tuple[float, float]


NOISE = Quantity("noise_dba", "Sound pressure level (A-weighted)",
                 "http://qudt.org/vocab/quantitykind/SoundPressureLevel",
                 "A-weighted equivalent continuous sound level over 15 minutes",
                 {"name": "decibel (A-weighted)", "symbol": "dB(A)",
                  "definition": "http://qudt.org/vocab/unit/DeciB_A"},
                 "Class 2 sound level meter", "LoRaWAN sound level meter, IEC 61672 class 2", (30.0, 100.0))
SOIL = Quantity("soil_moisture_pct", "Soil moisture",
                "http://qudt.org/vocab/quantitykind/VolumeFraction",
                "Volumetric water content of the soil at 20 cm depth",
                {"name": "percent", "symbol": "%", "definition": "http://qudt.org/vocab/unit/PERCENT"},
                "Capacitive soil moisture probe", "LoRaWAN capacitive soil moisture probe, 20 cm", (0.0, 60.0))
TEMPERATURE = Quantity("air_temperature_c", "Air temperature",
                       "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/",
                       "Air temperature 3 m above ground, radiation shielded",
                       {"name": "degree Celsius", "symbol": "°C", "definition": "http://qudt.org/vocab/unit/DEG_C"},
                       "Air temperature sensor", "LoRaWAN air temperature sensor in a radiation shield",
                       (-30.0, 50.0))
PARKING = Quantity("parking_occupied", "Parking space occupancy",
                   "http://qudt.org/vocab/quantitykind/Dimensionless",
                   "1 when a vehicle occupies the parking space, else 0",
                   {"name": "occupancy state", "symbol": "1", "definition": "http://qudt.org/vocab/unit/UNITLESS"},
                   "Magnetometer parking sensor", "LoRaWAN in-ground magnetometer parking sensor", (0.0, 1.0))
QUANTITIES = (NOISE, SOIL, TEMPERATURE, PARKING)

# (device id, quantity, name, (u, v) in the square's frame (see school.uv_to_en))
DEVICES = (
    ("ka-fp-noise-01", NOISE, "Lärm Friedrichsplatz Nord", (0.0, 15.5)),
    ("ka-fp-noise-02", NOISE, "Lärm Erbprinzenstraße", (0.0, 46.0)),
    ("ka-fp-noise-03", NOISE, "Lärm Fächerstrahl Ost", (58.0, 0.0)),
    ("ka-fp-soil-01", SOIL, "Bodenfeuchte Rasen West", (-15.0, 0.0)),
    ("ka-fp-soil-02", SOIL, "Bodenfeuchte Rasen Süd", (10.0, -8.0)),
    ("ka-fp-soil-03", SOIL, "Bodenfeuchte Baumscheibe Ost", (20.0, 8.0)),
    ("ka-fp-temp-01", TEMPERATURE, "Lufttemperatur Platzmitte", (-5.0, 5.0)),
    ("ka-fp-temp-02", TEMPERATURE, "Lufttemperatur Schule Nordfassade", (0.0, 36.5)),
    ("ka-fp-temp-03", TEMPERATURE, "Lufttemperatur Museum Südwest", (-40.0, -38.0)),
    ("ka-fp-park-01", PARKING, "Stellplatz Erbprinzenstraße 1", (-20.0, 41.0)),
    ("ka-fp-park-02", PARKING, "Stellplatz Erbprinzenstraße 2", (-14.0, 41.0)),
    ("ka-fp-park-03", PARKING, "Stellplatz Erbprinzenstraße 3", (-8.0, 41.0)),
    ("ka-fp-park-04", PARKING, "Stellplatz Erbprinzenstraße 4", (25.0, 41.0)),
)


def _local_hour(step: int) -> float:
    return (step * 0.25 + UTC_OFFSET_H) % 24.0


def _day(step: int) -> int:
    return int((step * 0.25 + UTC_OFFSET_H) // 24.0)


def series(quantity: Quantity, rng: random.Random) -> list[float | int]:
    """Make one week of realistic, deterministic values of a quantity (15-minute steps, daily cycles).

    Args:
        quantity: NOISE, SOIL, TEMPERATURE or PARKING.
        rng: the random source (seeded per device).

    Returns:
        The values.

    Example:
        >>> import random
        >>> values = series(TEMPERATURE, random.Random(1))
        >>> len(values), 5.0 < min(values) < max(values) < 35.0
        (672, True)
    """
    values: list[float | int] = []
    if quantity is TEMPERATURE:
        base = rng.uniform(17.0, 20.0)
        day_offsets = [rng.uniform(-2.5, 2.5) for _ in range(8)]
        for s in range(STEPS):
            h = _local_hour(s)
            v = base + day_offsets[_day(s)] + 6.5 * math.cos(2 * math.pi * (h - 15.0) / 24.0)
            values.append(round(v + rng.gauss(0.0, 0.25), 1))
    elif quantity is NOISE:
        base = rng.uniform(-2.0, 3.0)
        for s in range(STEPS):
            h, weekend = _local_hour(s), _day(s) % 7 >= 5
            v = 46.0 + base + (14.0 if 6.0 <= h < 22.0 else 0.0) * (0.7 if weekend else 1.0)
            if not weekend and (7.0 <= h < 9.0 or 16.0 <= h < 18.5):
                v += 4.0
            values.append(round(v + rng.gauss(0.0, 1.8), 1))
    elif quantity is SOIL:
        v = rng.uniform(30.0, 36.0)
        rain_step = 3 * 96 + 60 + rng.randrange(8)     # an evening shower on Thursday
        for s in range(STEPS):
            h = _local_hour(s)
            v -= 0.05 if 9.0 <= h < 20.0 else 0.008     # evapotranspiration mostly by day
            if rain_step <= s < rain_step + 6:
                v += 1.8
            v = min(max(v, 5.0), 50.0)
            values.append(round(v + rng.gauss(0.0, 0.15), 1))
    elif quantity is PARKING:
        state = 1
        for s in range(STEPS):
            h, weekend = _local_hour(s), _day(s) % 7 >= 5
            p_busy = 0.9 if 8.0 <= h < 19.0 and not weekend else (0.6 if 8.0 <= h < 22.0 else 0.35)
            if rng.random() < 0.25:
                state = 1 if rng.random() < p_busy else 0
            values.append(state)
    else:
        raise ValueError(f"unknown quantity {quantity.key}")
    return values


def _time(step: int) -> str:
    return (WEEK_START + step * STEP).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(seed: int) -> tuple[list[dict[str, Any]], list[tuple[str, str, float, float, str, float | int]]]:
    """Make the district's sensors: SensorThings Things (deep insert) and the same observations as CSV rows.

    Args:
        seed: the district's seed.

    Returns:
        (the Things, the CSV rows: device, time, lat, lon, column, value).

    Example:
        >>> things, rows = build(0)
        >>> len(things), len(rows), rows[0]
        (13, 8736, ('ka-fp-noise-01', '2025-06-02T00:00:00Z', 49.0076342, 8.4020577, 'noise_dba', 45.4))
    """
    to_ll = to_lonlat()
    things: list[dict[str, Any]] = []
    rows: list[tuple[str, str, float, float, str, float | int]] = []
    for device, q, name, (u, v) in DEVICES:
        rng = random.Random(f"geotwin-sensors:{seed}:{device}")
        e, n = school.uv_to_en(u, v)
        lon, lat = (round(c, 7) for c in to_ll.transform(e, n))
        values = series(q, rng)
        dev_eui = _dev_eui(device)
        things.append({
            "name": name,
            "description": f"LoRaWAN sensor {device} at Friedrichsplatz, Karlsruhe",
            "properties": {"deviceId": device, "devEUI": dev_eui, "network": "LoRaWAN"},
            "Locations": [{
                "name": f"{name} (Standort)",
                "description": f"Mounting position of {device}",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }],
            "Datastreams": [{
                "name": f"{q.property_name} {device}",
                "description": q.description,
                "observationType": OM_MEASUREMENT,
                "unitOfMeasurement": dict(q.unit),
                "ObservedProperty": {"name": q.property_name, "definition": q.property_definition,
                                     "description": q.description},
                "Sensor": {"name": f"{q.sensor_name} {device}", "description": q.sensor_description,
                           "encodingType": "text/html", "metadata": "https://www.thethingsnetwork.org/"},
                "Observations": [{"phenomenonTime": _time(s), "result": val} for s, val in enumerate(values)],
            }],
        })
        rows.extend((device, _time(s), lat, lon, q.key, val) for s, val in enumerate(values))
    rows.sort(key=lambda r: (r[1], r[0]))
    return things, rows


def write_sensors(sta_path: Path, csv_path: Path, seed: int) -> tuple[int, int]:
    """Write the district's sensors as a SensorThings document and as a CSV export.

    Args:
        sta_path: the SensorThings JSON file.
        csv_path: the CSV file.
        seed: the district's seed.

    Returns:
        (sensors, observations).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     write_sensors(Path(tmp) / "sensors.sta.json", Path(tmp) / "sensors.csv", 0)
        (13, 8736)
    """
    things, rows = build(seed)
    Path(sta_path).write_text(dumps(things, indent=1) + "\n", encoding="utf-8")
    columns = [q.key for q in QUANTITIES]
    with open(csv_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["device_id", "time", "latitude", "longitude", *columns])
        for device, time, lat, lon, key, val in rows:
            w.writerow([device, time, f"{lat:.7f}", f"{lon:.7f}",
                        *(val if c == key else "" for c in columns)])
    return len(things), len(rows)


CHIRPSTACK_APPLICATION = "9b1c2f7e-5d3a-4f0e-8c61-2a7d4e9b0c15"
CHIRPSTACK_TENANT = "52f14cd4-c6f1-4fbd-8f87-4025e1d49242"


def _dev_eui(device: str) -> str:
    """A DevEUI per device id, unique (the former last-bytes-of-the-name scheme gave noise-01 and soil-01 one)."""
    import hashlib

    return f"70B3D57ED0{hashlib.sha1(device.encode()).hexdigest()[:6].upper()}"


def write_lorawan(devices_path: Path, uplinks_path: Path, seed: int) -> tuple[int, int]:
    """Write a LoRaWAN device table and a recording of the devices' ChirpStack uplinks (JSON lines), for the MQTT
    listener.

    Args:
        devices_path: the device table (JSON).
        uplinks_path: the recording.
        seed: the district's seed.

    Returns:
        (devices, uplinks).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     write_lorawan(Path(tmp) / "devices.json", Path(tmp) / "uplinks.jsonl", 0)
        (13, 8736)
    """
    import base64
    import struct
    import uuid

    to_ll = to_lonlat()
    table, lines = [], []
    for device, q, name, (u, v) in DEVICES:
        rng = random.Random(f"geotwin-sensors:{seed}:{device}")
        lon, lat = (round(c, 7) for c in to_ll.transform(*school.uv_to_en(u, v)))
        eui = _dev_eui(device)
        table.append({"dev_eui": eui, "sensor_id": device, "name": name, "x": lon, "y": lat,
                      "properties": [{"key": q.key, "property": q.property_name, "unit": q.unit["symbol"],
                                      "unit_name": q.unit["name"]}]})
        values = series(q, rng)
        first_fcnt = rng.randrange(100, 5000)
        dev_addr = f"{rng.getrandbits(32) & 0x01FFFFFF | 0x26000000:08x}"   # TTN/ChirpStack NetID 0x13 style
        for s, val in enumerate(values):
            when = (WEEK_START + s * STEP).isoformat()
            raw = struct.pack(">h", int(round(float(val) * 10)))   # the device's 2-byte payload (value x 10)
            payload = {
                "deduplicationId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "time": when,
                "deviceInfo": {"tenantId": CHIRPSTACK_TENANT, "tenantName": "Stadt Karlsruhe",
                               "applicationId": CHIRPSTACK_APPLICATION, "applicationName": "friedrichsplatz",
                               "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
                               "deviceProfileName": q.sensor_name, "deviceName": device, "devEui": eui.lower(),
                               "deviceClassEnabled": "CLASS_A", "tags": {"site": "friedrichsplatz"}},
                "devAddr": dev_addr, "adr": True, "dr": 5, "fCnt": first_fcnt + s, "fPort": 2, "confirmed": False,
                "data": base64.b64encode(raw).decode(), "object": {q.key: val},
                "rxInfo": [{"gatewayId": "0016c001f153a14c", "uplinkId": rng.getrandbits(31), "nsTime": when,
                            "rssi": -rng.randrange(70, 115), "snr": round(rng.uniform(-5.0, 10.0), 1),
                            "channel": rng.randrange(8), "context": "E3OWOQ==", "crcStatus": "CRC_OK",
                            "metadata": {"region_config_id": "eu868", "region_common_name": "EU868"}}],
                "txInfo": {"frequency": 868100000 + 200000 * rng.randrange(3),
                           "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}}},
            }
            lines.append((when, f"application/{CHIRPSTACK_APPLICATION}/device/{eui.lower()}/event/up", payload))
    lines.sort(key=lambda r: r[0])
    Path(devices_path).write_text(dumps({"crs": "EPSG:4326", "devices": table}, indent=1) + "\n", encoding="utf-8")
    with open(uplinks_path, "w", encoding="utf-8") as f:
        for _, topic, payload in lines:
            f.write(json.dumps({"topic": topic, "payload": payload}, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(table), len(lines)
