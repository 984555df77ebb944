"""Sensor import on real data: sensor.community CSVs and their SensorThings document; links; bad input."""
from __future__ import annotations

import copy
import csv
import json
from datetime import UTC, datetime

import numpy as np
import pytest

from geotwin.tests.sta_server import start
from geotwin.twin.kernel.gpkg import GpkgWriter
from geotwin.twin.kernel.http import StaClient
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.kernel.schema import FOOTPRINTS, LayerSpec
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.importer import write_sensors
from geotwin.twin.sensors.sta_source import fetch_series

CSV_DIR = "sensors/sensor-community-aberdeen"
STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"
CRS = "EPSG:32630"  # UTM 30N: Aberdeen
AREAS = LayerSpec("areas", "MultiPolygon", {"id": "str", "name": "str"})


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


def _raw_csv(paths):
    """{(sensor_id, column): [(time, value)]} parsed with the csv module only."""
    out = {}
    for p in paths:
        with open(p, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter=";"):
                for col in ("P1", "P2", "temperature", "humidity"):
                    if row.get(col):
                        out.setdefault((row["sensor_id"], col), []).append((row["timestamp"], float(row[col])))
    return out


def _station_xy():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(-2.077, 57.138)


def _twin(path, building_offset=None, area=True):
    """A square (area) around the station and/or a building ``building_offset`` m east of it."""
    import shapely

    x, y = _station_xy()
    w = GpkgWriter(path, CRS)
    if building_offset is not None:
        b = shapely.box(x + building_offset, y - 10, x + building_offset + 20, y + 10)
        w.add(FOOTPRINTS, {"building_id": "school", "area": b.area}, shapely.MultiPolygon([b]))
    if area:
        w.add(AREAS, {"id": "square-1", "name": "Marischal Square"},
              shapely.MultiPolygon([shapely.box(x - 30, y - 30, x + 30, y + 30)]))
    w.close()
    return path


def test_csv_exports_statistics_match_numpy(shared_data, tmp_path):
    paths = sorted((shared_data / CSV_DIR).glob("*.csv"))
    assert len(paths) == 14
    series, issues = read_exports(paths, CRS)
    raw = _raw_csv(paths)
    assert {(s.sensor_id, s.datastream_id) for s in series} == set(raw)
    out = tmp_path / "sensors.gpkg"
    twin = _twin(tmp_path / "twin.gpkg", building_offset=8.0)
    write_sensors(series, issues, str(out), CRS, buildings=LayerRef(str(twin), "footprints"),
                  areas=LayerRef(str(twin), "areas"))
    sensors = _read(out, "sensors").set_index(["sensor_id", "datastream_id"])
    assert len(sensors) == 4
    for key, pairs in raw.items():
        values = np.array([v for _, v in pairs])
        times = [t for t, _ in pairs]
        row = sensors.loc[key]
        assert row["count"] == len(values)
        assert row["min"] == values.min() and row["max"] == values.max()
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
        last = int(np.argmax(np.array(times, dtype="datetime64[s]")))
        assert row["latest_value"] == values[last]
        assert row["latest_time"] == times[last] + "Z"
    assert sensors.loc[("5331", "P1"), ["observed_property", "unit_symbol"]].tolist() == ["PM10", "µg/m³"]
    assert sensors.loc[("5332", "temperature"), "unit_symbol"] == "°C"
    # the station stands on the square, 8 m from the school's façade
    assert sensors.loc[("5331", "P1"), ["link_type", "link_id", "link_name"]].tolist() == \
        ["area", "square-1", "Marischal Square"]
    assert "school at 8.0 m" in sensors.loc[("5331", "P1"), "link_reason"]
    x, y = _station_xy()
    geom = sensors.loc[("5331", "P1")].geometry
    assert (geom.x, geom.y) == pytest.approx((x, y), abs=1e-6)
    observations = _read(out, "observations")
    assert len(observations) == sum(len(v) for v in raw.values())
    # sensor.community's empty columns (durP1, ratioP1...) and the 'location' id are not measurements
    assert not any(s.datastream_id in ("durP1", "ratioP1", "location") for s in series)


def test_sta_document_matches_the_raw_csv(shared_data, tmp_path):
    doc = json.loads((shared_data / STA_DOC).read_text(encoding="utf-8"))
    assert [len(d["Observations"]) for d in doc["Datastreams"]] == [583] * 4
    server = start([shared_data / STA_DOC], page_size=100, max_top=250)
    try:
        client = StaClient(server.base_url(), timeout=10, retries=0)
        series, issues = fetch_series(client, CRS)
    finally:
        server.stop()
    out = tmp_path / "sta.gpkg"
    twin = _twin(tmp_path / "twin.gpkg", building_offset=-5.0, area=False)   # the station inside the building
    summary = write_sensors(series, issues, str(out), CRS, buildings=LayerRef(str(twin), "footprints"))
    assert (summary.sensors, summary.observations) == (4, 4 * 583)
    raw = _raw_csv([shared_data / CSV_DIR / "2017-11-15_sds011_sensor_5331.csv",
                    shared_data / CSV_DIR / "2017-11-15_dht22_sensor_5332.csv"])
    columns = {"PM10 #5331": ("5331", "P1"), "PM2.5 #5331": ("5331", "P2"),
               "Temperature #5332": ("5332", "temperature"), "Humidity #5332": ("5332", "humidity")}
    sensors = _read(out, "sensors").set_index("datastream_name")
    for name, key in columns.items():
        values = np.array([v for _, v in raw[key]])
        row = sensors.loc[name]
        assert row["count"] == len(values) == 583
        assert (row["min"], row["max"]) == (values.min(), values.max())
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert row["latest_value"] == values[-1]
        assert row["self_link"].endswith(f"/Datastreams({row['datastream_id']})")
        assert row["link_type"] == "building" and row["link_id"] == "school"
    obs = _read(out, "observations")
    assert obs.groupby("sensor_key").size().tolist() == [583] * 4


def test_bad_export_rows_are_reported_and_kept(shared_data, tmp_path):
    src = shared_data / CSV_DIR / "2017-11-15_dht22_sensor_5332.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    header = lines[0] + ";noise_index"
    body = [ln + ";1" for ln in lines[1:11]]
    parts = body[2].split(";")
    parts[3], parts[4] = "", ""                       # line 4: missing coordinates
    body[2] = ";".join(parts)
    parts = body[3].split(";")
    parts[3], parts[4] = parts[4], parts[3]           # line 5: lat/lon swapped
    body[3] = ";".join(parts)
    parts = body[4].split(";")
    parts[6] = "n/a"                                  # line 6: non-numeric temperature
    body[4] = ";".join(parts)
    body.append(body[0])                              # line 12: duplicate of line 2
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    series, issues = read_exports([path], CRS)
    text = {(i.line, i.issue.split(":")[0].split(" (")[0]) for i in issues}
    assert (4, "missing or non-numeric coordinates") in text
    assert any(i.line == 5 and "swapped" in i.issue for i in issues)
    assert any(i.line == 6 and "non-numeric value 'n/a'" in i.issue for i in issues)
    assert any(i.line == 12 and "duplicate observation" in i.issue for i in issues)
    assert any(i.obj == "column noise_index" and "unknown unit" in i.issue for i in issues)
    temp = next(s for s in series if s.datastream_id == "temperature")
    assert len(temp.times) == 10                      # the duplicate is the only row left out
    assert temp.texts.count("n/a") == 1 and temp.stats()["count"] == 9
    out = tmp_path / "bad.gpkg"
    write_sensors(series, issues, str(out), CRS)
    assert len(_read(out, "sensor_issues")) == len(issues)
    noise = _read(out, "sensors").set_index("datastream_id").loc["noise_index"]
    assert not noise["unit_known"] and noise["count"] == 10
    obs = _read(out, "observations")
    assert obs["result_text"].dropna().tolist() == ["n/a"]


def test_sta_non_numeric_results_and_time_window(shared_data, tmp_path):
    doc = json.loads((shared_data / STA_DOC).read_text(encoding="utf-8"))
    derived = copy.deepcopy(doc)
    derived["Datastreams"][2]["Observations"][5]["result"] = "sensor error"
    del derived["Datastreams"][3]["unitOfMeasurement"]["symbol"]
    path = tmp_path / "derived.json"
    path.write_text(json.dumps(derived), encoding="utf-8")
    server = start([path], page_size=100, max_top=1000)
    try:
        client = StaClient(server.base_url(), timeout=10, retries=0)
        t0, t1 = datetime(2017, 11, 15, 0, 0, tzinfo=UTC), datetime(2017, 11, 15, 6, 0, tzinfo=UTC)
        series, issues = fetch_series(client, CRS, start=t0, end=t1)
    finally:
        server.stop()
    temp = next(s for s in series if s.datastream_name.startswith("Temperature"))
    expected = [o["result"] for o in doc["Datastreams"][2]["Observations"] if o["phenomenonTime"] <= "2017-11-15T06:00:00Z"]
    assert len(temp.times) == len(expected)
    assert temp.stats()["count"] == len(expected) - 1
    assert temp.stats()["mean"] == pytest.approx(np.mean(expected[:5] + expected[6:]), rel=1e-12)
    messages = [i.issue for i in issues]
    assert "1 non-numeric results kept as text, left out of the statistics" in messages
    # the humidity datastream lost its symbol: reported with its unit name, kept as given
    unknown = [(i.obj, i.issue) for i in issues if "unknown unit" in i.issue]
    assert len(unknown) == 1 and unknown[0][1] == "unknown unit 'percent': kept as given"
    assert "Humidity #5332" in unknown[0][0]


def test_geojson_export_gives_the_same_series_as_the_csv(shared_data, tmp_path):
    src = shared_data / CSV_DIR / "2017-11-15_sds011_sensor_5331.csv"
    features = []
    with open(src, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            features.append({"type": "Feature",
                             "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
                             "properties": {"device_id": row["sensor_id"], "time": row["timestamp"] + "Z",
                                            "PM10": float(row["P1"]), "PM2_5": float(row["P2"])}})
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    series, issues = read_exports([path], CRS)
    from_csv, _ = read_exports([src], CRS)
    assert issues == []
    got = {s.observed_property: s for s in series}
    ref = {s.observed_property: s for s in from_csv}
    assert set(got) == set(ref) == {"PM10", "PM2.5"}
    for prop in got:
        assert got[prop].values == ref[prop].values and got[prop].times == ref[prop].times
        assert (got[prop].x, got[prop].y) == pytest.approx((ref[prop].x, ref[prop].y), abs=1e-6)
