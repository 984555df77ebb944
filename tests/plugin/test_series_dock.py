"""The sensor time series dock plots exactly the stored series, filtered by the window, with the unit."""
from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from geotwin.twin.kernel.gpkg import gpkg_output
from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS

T0 = datetime(2025, 6, 2, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    """Ten days of hourly soil moisture (plus a text result and another sensor that must not leak in)."""
    import shapely

    path = tmp_path / "sensors.gpkg"
    with gpkg_output(path, "EPSG:25832") as out:
        out.add(SENSORS, {"sensor_key": "lorawan#soil#water_soil", "sensor_id": "soil", "sensor_name": "Soil",
                          "datastream_name": "Soil: moisture", "observed_property": "Soil moisture",
                          "unit_symbol": "%"}, shapely.Point(457000, 5428000))
        out.add(SENSORS, {"sensor_key": "lorawan#noise#laeq", "sensor_id": "noise", "observed_property": "Noise",
                          "unit_symbol": "dB(A)"}, shapely.Point(457010, 5428000))
        for h in range(240):
            out.add(OBSERVATIONS, {"sensor_key": "lorawan#soil#water_soil",
                                   "phenomenon_time": (T0 + timedelta(hours=h)).isoformat().replace("+00:00", "Z"),
                                   "result": 20 + (h % 24) / 4})
            out.add(OBSERVATIONS, {"sensor_key": "lorawan#noise#laeq",
                                   "phenomenon_time": (T0 + timedelta(hours=h)).isoformat(), "result": 55.0})
        out.add(OBSERVATIONS, {"sensor_key": "lorawan#soil#water_soil", "phenomenon_time": "2025-06-03T00:30:00Z",
                               "result": None, "result_text": "error"})
    return path


def stored(path, start, end):
    """The series read independently with SQL (text results left out)."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT phenomenon_time, result FROM observations WHERE sensor_key = "
                          "'lorawan#soil#water_soil' AND result IS NOT NULL").fetchall()
    out = []
    for t, v in rows:
        when = datetime.fromisoformat(t.replace("Z", "+00:00"))
        if start <= when <= end:
            out.append((when.timestamp(), v))
    return sorted(out)


def test_windows_plot_the_stored_series_with_the_unit(qgis_app, store):
    from geotwin.plugin.series_dock import SeriesDock

    dock = SeriesDock(store)
    assert [dock.sensor.itemData(i) for i in range(dock.sensor.count())] == ["lorawan#noise#laeq",
                                                                           "lorawan#soil#water_soil"]
    dock.sensor.setCurrentIndex(dock.sensor.findData("lorawan#soil#water_soil"))
    latest = T0 + timedelta(hours=239)
    dock.window.setCurrentIndex(dock.window.findData("24h"))
    assert dock.chart.points() == stored(store, latest - timedelta(hours=24), latest)
    assert len(dock.chart.points()) == 25      # both ends included
    assert dock.chart.y_axis_title() == "Soil moisture [%]"
    dock.window.setCurrentIndex(dock.window.findData("7d"))
    assert dock.chart.points() == stored(store, latest - timedelta(days=7), latest)
    assert len(dock.chart.points()) == 7 * 24 + 1
    start, end = T0 + timedelta(hours=20), T0 + timedelta(hours=30)
    dock.set_range(start, end)
    assert dock.chart.points() == stored(store, start, end)
    assert [v for _, v in dock.chart.points()] == [20 + (h % 24) / 4 for h in range(20, 31)]
    assert dock.message.text() == "11 values"
    dock.chart.resize(400, 250)
    image = dock.chart.grab().toImage()      # it paints
    assert not image.isNull()
    dock.sensor.setCurrentIndex(dock.sensor.findData("lorawan#noise#laeq"))
    assert dock.chart.y_axis_title() == "Noise [dB(A)]"
    assert {v for _, v in dock.chart.points()} == {55.0}


def test_an_empty_window_and_a_missing_store(qgis_app, store, tmp_path):
    from geotwin.plugin.series_dock import SeriesDock

    dock = SeriesDock(store)
    dock.set_range(T0 - timedelta(days=30), T0 - timedelta(days=20))
    assert dock.chart.points() == []
    assert dock.chart.x_axis_title() == "No observations in this window"
    from geotwin.twin.kernel.errors import GeoTwinError

    with pytest.raises(GeoTwinError, match="no such twin store"):
        dock.set_store(tmp_path / "missing.gpkg")
