"""Hostile MQTT messages: deep nesting, non-finite numbers, floods of unknown DevEUIs, oversize payloads."""
from __future__ import annotations

import json
import sqlite3

import pytest

from geotwin.tests.mqtt_broker import DATA, recordings
from geotwin.twin.sensors import lorawan
from geotwin.twin.sensors.lorawan import Counts, MalformedMessage, UplinkStore, load_devices, parse_uplink

TOPIC = "application/a/device/a84041000181c3a1/event/up"


def test_deep_nesting_is_malformed_not_a_crash():
    with pytest.raises(MalformedMessage, match="nested too deeply"):
        parse_uplink(TOPIC, b"[" * 50_000 + b"]" * 50_000)
    doc = json.loads(recordings("chirpstack_up.jsonl")[0][1])
    deep = "{" + "\"a\":{" * 20_000 + "}" * 20_000 + "}"
    text = json.dumps(doc).replace('"object": {', '"object": {"nested": ' + deep + ", ", 1)
    with pytest.raises(MalformedMessage, match="nested too deeply"):
        parse_uplink(TOPIC, text.encode())


def test_non_finite_and_non_numeric_values_are_kept_as_text(tmp_path):
    doc = json.loads(recordings("chirpstack_up.jsonl")[0][1])
    doc["object"] = {"laeq": 1e400, "battery": {"voltage": "NaN"}}
    store = UplinkStore(tmp_path / "t.gpkg", load_devices(DATA / "devices.json"))
    counts = Counts()
    store.begin()
    raw = json.dumps(doc).replace("Infinity", "1e400").encode()
    assert store.handle(TOPIC, raw, counts) == "stored"
    store.commit()
    store.close()
    with sqlite3.connect(tmp_path / "t.gpkg") as db:
        got = sorted(db.execute("SELECT sensor_key, result, result_text FROM observations").fetchall())
    assert got == [("lorawan#ka-fp-noise-01#battery.voltage", None, "NaN"),
                   ("lorawan#ka-fp-noise-01#laeq", None, "inf")]
    assert counts.missing_values == 2


def test_a_flood_of_unknown_devices_is_counted_not_listed_without_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(lorawan, "MAX_UNKNOWN_LISTED", 5)
    store = UplinkStore(tmp_path / "t.gpkg", load_devices(DATA / "devices.json"))
    doc = json.loads(recordings("chirpstack_up.jsonl")[0][1])
    counts = Counts()
    store.begin()
    for i in range(40):
        doc["deviceInfo"]["devEui"] = f"{i:016x}"
        assert store.handle(TOPIC, json.dumps(doc).encode(), counts) == "unknown"
    store.commit()
    store.close()
    assert (counts.unknown, len(counts.unknown_devices), counts.unknown_unlisted) == (40, 5, 35)
    with sqlite3.connect(tmp_path / "t.gpkg") as db:
        assert db.execute("SELECT count(*) FROM sensor_issues").fetchone()[0] == 5
