"""A sensor's statistics are the same whichever path takes them: the import (``Series.stats``), the build that
appends a LoRaWAN listener's values to an imported sensor (``build._statistics``) and the listener's refresh after
each batch (``UplinkStore.commit``). The same observations go through all three, real series (the sensor.community
exports, the sample district's uplinks) and edge cases, and the results must be identical."""
from __future__ import annotations

import json
import math
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geotwin.twin.build import _statistics
from geotwin.twin.sample import generate_district
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.lorawan import Counts, Device, Property, UplinkStore, load_devices, sensor_key
from geotwin.twin.sensors.series import Series, parse_time, statistics

CSV_DIR = "sensors/sensor-community-aberdeen"
FIELDS = ("count", "non_numeric", "min", "mean", "max", "latest_value", "latest_time", "window_start", "window_end")
TIMES = ("latest_time", "window_start", "window_end")
DEVICE = Device("70B3D57ED0000001", "T1", "test", None, None, "EPSG:4326", (Property("v", "value", "1"),))
Rows = list[tuple[str, Any]]   # (phenomenon_time as stored, result: a number, None, NaN or a text)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not math.isnan(value) else None


def via_import(rows: Rows) -> dict[str, Any]:
    """Series.stats of the rows, and the window the import writes (the first and last time of all)."""
    series = Series("s", "T1", "test", "v", "v", "value")
    for text, value in rows:
        series.add(parse_time(text), value)
    out = dict(series.stats())
    times = sorted(series.times)
    out.setdefault("window_start", times[0].isoformat().replace("+00:00", "Z") if times else None)
    out.setdefault("window_end", times[-1].isoformat().replace("+00:00", "Z") if times else None)
    return out


def via_build(rows: Rows) -> dict[str, Any]:
    frame = pd.DataFrame({"phenomenon_time": [t for t, _ in rows], "result": [_number(v) for _, v in rows]},
                         columns=["phenomenon_time", "result"]).astype({"result": "float64"})
    return _statistics(frame)


def via_listener(rows: Rows, tmp: Path) -> dict[str, Any]:
    """The listener's refresh of a sensor holding ``rows`` (in this order) in a new GeoPackage."""
    store = UplinkStore(tmp / "listener.gpkg", {DEVICE.dev_eui: DEVICE}, crs="EPSG:25832")
    key = sensor_key(DEVICE, DEVICE.properties[0])
    try:
        store.db.executemany("INSERT INTO observations (sensor_key, datastream_id, phenomenon_time, result, "
                             "result_text) VALUES (?, 'v', ?, ?, ?)",
                             [(key, t, _number(v), None if _number(v) is not None else str(v)) for t, v in rows])
        store._touched = {DEVICE.dev_eui}
        store.commit()
    finally:
        store.close()
    return _sensor_stats(tmp / "listener.gpkg", key)


def _sensor_stats(path: Path, key: str) -> dict[str, Any]:
    with closing(sqlite3.connect(path)) as db:
        row = db.execute(f"SELECT {', '.join(map(repr, FIELDS))} FROM sensors WHERE sensor_key = ?".replace("'", '"'),
                         (key,)).fetchone()
    return dict(zip(FIELDS, row))


def _instant(text: Any) -> datetime | None:
    return None if text is None else parse_time(text)


def assert_same(rows: Rows, tmp: Path, listener: dict[str, Any] | None = None) -> dict[str, Any]:
    """All three agree: the numbers exactly, the times as stored (build and listener) and as instants (the import
    writes its own UTC text of each time)."""
    imported, built = via_import(rows), via_build(rows)
    heard = listener if listener is not None else via_listener(rows, tmp)
    for name in FIELDS:
        if name in TIMES:
            assert built[name] == heard[name], (name, built[name], heard[name])
            assert _instant(imported[name]) == _instant(built[name]), (name, imported[name], built[name])
        else:
            assert imported[name] == built[name] == heard[name], (name, imported[name], built[name], heard[name])
    return heard


# real series -------------------------------------------------------------------------------------------------------
def test_sensor_community_exports(shared_data, tmp_path):
    paths = sorted((shared_data / CSV_DIR).glob("*.csv"))
    series, _ = read_exports(paths, "EPSG:32630")
    assert len(series) == 4
    for n, s in enumerate(series):
        rows = [(t.isoformat().replace("+00:00", "Z"), v) for t, v in zip(s.times, s.values)]
        (tmp_path / str(n)).mkdir()
        heard = assert_same(rows, tmp_path / str(n))
        values = [v for v in s.values if v is not None]
        assert heard["count"] == len(values) > 3000
        assert heard["mean"] == math.fsum(values) / len(values)   # independent: the exact sum
        last = max(range(len(s.times)), key=lambda i: (s.times[i], i))
        assert heard["latest_value"] == s.values[last]


def test_sample_district_uplinks(tmp_path):
    """The sample district's uplinks through the listener, then its observations through the import's and the
    build's statistics."""
    folder = tmp_path / "district"
    generate_district(folder, buildings=10, formats=("sensors",))
    devices = load_devices(folder / "sensors.devices.json")
    store = UplinkStore(tmp_path / "sensors.gpkg", devices, crs="EPSG:25832")
    counts = Counts()
    try:
        store.begin()
        for line in (folder / "sensors.uplinks.jsonl").read_text(encoding="utf-8").splitlines():
            message = json.loads(line)
            store.handle(message["topic"], json.dumps(message["payload"]).encode(), counts)
        store.commit()
    finally:
        store.close()
    assert counts.stored > 8000 and counts.observations > 8000
    with closing(sqlite3.connect(tmp_path / "sensors.gpkg")) as db:
        obs = pd.read_sql("SELECT sensor_key, phenomenon_time, result, result_text FROM observations ORDER BY fid", db)
    keys = sorted(set(obs["sensor_key"]))
    assert len(keys) >= 8
    for key in keys:
        mine = obs[obs["sensor_key"] == key]
        rows = [(t, v if v == v else text) for t, v, text in zip(mine["phenomenon_time"], mine["result"],
                                                                 mine["result_text"])]
        assert_same(rows, tmp_path, _sensor_stats(tmp_path / "sensors.gpkg", key))


# edge cases --------------------------------------------------------------------------------------------------------
EDGES: dict[str, Rows] = {
    "null and NaN": [("2026-07-01T10:00:00Z", 1.5), ("2026-07-01T11:00:00Z", None),
                     ("2026-07-01T12:00:00Z", float("nan")), ("2026-07-01T09:00:00Z", 4.0)],
    "non-numeric": [("2026-07-01T10:00:00Z", "n/a"), ("2026-07-01T11:00:00Z", 2.0), ("2026-07-01T12:00:00Z", "off")],
    "Z and +00:00 at the same instant": [("2026-07-01T10:00:00Z", 1.0), ("2026-07-01T10:00:00+00:00", 2.0)],
    "+00:00 and Z at the same instant": [("2026-07-01T10:00:00+00:00", 2.0), ("2026-07-01T10:00:00Z", 1.0)],
    "another offset": [("2026-07-01T10:00:00Z", 1.0), ("2026-07-01T11:30:00+02:00", 2.0)],
    "a fraction of a second": [("2026-07-01T10:00:00.500000Z", 3.0), ("2026-07-01T10:00:00Z", 1.0)],
    "one value": [("2026-07-01T10:00:00Z", 7.25)],
    "no numeric value": [("2026-07-01T10:00:00Z", None), ("2026-07-01T09:00:00Z", "x")],
    "no values": [],
}


#: what each edge case must give, worked out by hand: (count, non_numeric, mean, latest_value, latest_time,
#: window_start, window_end); before the one definition the listener took the latest of the stored texts (``Z``
#: after ``+00:00``, ``10:00:00Z`` after ``10:00:00.5Z``, ``11:30+02:00`` after ``10:00Z``), the build the first of
#: equal instants, and the listener's SQL mean (avg) differed from the exact one in the last digits
EXPECTED: dict[str, tuple[Any, ...]] = {
    "null and NaN": (2, 2, 2.75, 1.5, "2026-07-01T10:00:00Z", "2026-07-01T09:00:00Z", "2026-07-01T12:00:00Z"),
    "non-numeric": (1, 2, 2.0, 2.0, "2026-07-01T11:00:00Z", "2026-07-01T10:00:00Z", "2026-07-01T12:00:00Z"),
    "Z and +00:00 at the same instant": (2, 0, 1.5, 2.0, "2026-07-01T10:00:00+00:00", "2026-07-01T10:00:00Z",
                                         "2026-07-01T10:00:00+00:00"),
    "+00:00 and Z at the same instant": (2, 0, 1.5, 1.0, "2026-07-01T10:00:00Z", "2026-07-01T10:00:00+00:00",
                                         "2026-07-01T10:00:00Z"),
    "another offset": (2, 0, 1.5, 1.0, "2026-07-01T10:00:00Z", "2026-07-01T11:30:00+02:00", "2026-07-01T10:00:00Z"),
    "a fraction of a second": (2, 0, 2.0, 3.0, "2026-07-01T10:00:00.500000Z", "2026-07-01T10:00:00Z",
                               "2026-07-01T10:00:00.500000Z"),
    "one value": (1, 0, 7.25, 7.25, "2026-07-01T10:00:00Z", "2026-07-01T10:00:00Z", "2026-07-01T10:00:00Z"),
    "no numeric value": (0, 2, None, None, None, "2026-07-01T09:00:00Z", "2026-07-01T10:00:00Z"),
    "no values": (0, 0, None, None, None, None, None),
}


@pytest.mark.parametrize("name", EDGES)
def test_edge_cases(name, tmp_path):
    heard = assert_same(EDGES[name], tmp_path)
    names = ("count", "non_numeric", "mean", "latest_value", "latest_time", "window_start", "window_end")
    assert tuple(heard[n] for n in names) == EXPECTED[name]


def test_a_time_that_is_no_time_counts_but_is_never_the_latest(tmp_path):
    rows: Rows = [("2026-07-01T10:00:00Z", 1.0), ("no time", 5.0), ("2026-07-01T09:00:00Z", None)]
    built, heard = via_build(rows), via_listener(rows, tmp_path)
    assert built == heard
    assert (heard["count"], heard["non_numeric"], heard["mean"], heard["max"]) == (2, 1, 3.0, 5.0)
    assert (heard["latest_value"], heard["latest_time"], heard["window_start"], heard["window_end"]) == \
        (1.0, "2026-07-01T10:00:00Z", "2026-07-01T09:00:00Z", "2026-07-01T10:00:00Z")
    with pytest.raises(ValueError, match="no time|Invalid isoformat"):
        via_import(rows)   # the import never holds such a time: its readers parse every time


def test_naive_and_aware_times_given_as_datetimes():
    """A datetime is a UTC instant (naive: UTC) and returned as UTC text."""
    naive, aware = datetime(2026, 7, 1, 10), parse_time("2026-07-01T12:30:00+02:00")
    stats = statistics([(naive, 1.0), (aware, 2.0)])
    assert (stats["latest_value"], stats["latest_time"], stats["window_start"]) == \
        (2.0, "2026-07-01T10:30:00Z", "2026-07-01T10:00:00Z")
