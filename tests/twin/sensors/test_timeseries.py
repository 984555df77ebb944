"""Series read back from the store, and series.json for the web map."""
from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from geotwin.tests.plugin.test_series_dock import T0, store  # noqa: F401  (the fixture)
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.sensors.timeseries import last_window, read_series, series_json


def test_series_json_matches_the_observations(store):  # noqa: F811  (the imported fixture)
    doc = series_json(store, window=(T0 + timedelta(hours=10), T0 + timedelta(hours=12)))
    assert set(doc) == {"lorawan#soil#water_soil", "lorawan#noise#laeq"}
    soil = doc["lorawan#soil#water_soil"]
    assert soil == {"unit": "%", "property": "Soil moisture", "name": "Soil: moisture",
                    "t": ["2025-06-02T10:00:00Z", "2025-06-02T11:00:00Z", "2025-06-02T12:00:00Z"],
                    "v": [22.5, 22.75, 23.0]}
    json.dumps(doc)     # serialisable as is
    everything = series_json(store, ["lorawan#soil#water_soil"])
    with sqlite3.connect(store) as db:
        n = db.execute("SELECT count(*) FROM observations WHERE sensor_key = 'lorawan#soil#water_soil' "
                       "AND result IS NOT NULL").fetchone()[0]
    assert len(everything["lorawan#soil#water_soil"]["v"]) == n == 240


def test_a_store_object_gives_the_same_series(store):  # noqa: F811  (the imported fixture)
    from geotwin.twin.store import open_store

    twin = open_store(store)
    assert series_json(twin, ["lorawan#soil#water_soil"]) == series_json(store, ["lorawan#soil#water_soil"])


def test_windows_and_errors(store):  # noqa: F811  (the imported fixture)
    start, end = last_window(store, "lorawan#soil#water_soil", "24h")
    assert end == T0 + timedelta(hours=239) and end - start == timedelta(hours=24)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert last_window(store, "lorawan#soil#water_soil", "7d", now) == (now - timedelta(days=7), now)
    with pytest.raises(GeoTwinError, match="unknown window"):
        last_window(store, "lorawan#soil#water_soil", "1y")
    with pytest.raises(GeoTwinError, match="no sensor 'nope'"):
        read_series(store, "nope")
