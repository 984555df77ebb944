"""Limits and broken rows of the sensor export readers (CSV, GeoJSON, SensorThings documents) on the
real sensor.community exports: file size and row limits, the observation cap, and malformed rows
skipped and counted (checked against the csv module)."""
from __future__ import annotations

import csv
import json

import pytest

from geotwin.twin.kernel.errors import GeoTwinError, InputError
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.sta_source import read_sta_document

CSV = "sensors/sensor-community-aberdeen/2017-11-10_sds011_sensor_5331.csv"
STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"
CRS = "EPSG:32630"


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_rows_with_too_many_values_are_skipped_and_counted(shared_data, tmp_path):
    lines = (shared_data / CSV).read_text(encoding="utf-8").splitlines()
    broken = {5: lines[5] + ";1;2", 9: lines[9] + ";;;x", 20: lines[20] + ";7"}   # index in the file
    for index, text in broken.items():
        lines[index] = text
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    series, issues = read_exports([path], CRS)
    skipped = [i for i in issues if i.obj == "row"]
    assert sorted(i.line for i in skipped) == sorted(index + 1 for index in broken)     # 1-based line numbers
    assert all("values but the header has 12 columns: row skipped" in i.issue for i in skipped)
    good = [r for n, r in enumerate(_rows(shared_data / CSV), start=1) if n not in broken]
    p1 = next(s for s in series if s.datastream_id == "P1")
    assert p1.values == [float(r["P1"]) for r in good]


def test_file_size_limit(shared_data):
    path = shared_data / CSV
    with pytest.raises(InputError, match=r"2017-11-10_sds011_sensor_5331\.csv: the file has 0 MB, more than the "
                                         r"limit of 0\.01 MB"):
        read_exports([path], CRS, max_file_mb=0.01)
    assert read_exports([path], CRS, max_file_mb=path.stat().st_size / 1024 / 1024)[0]


def test_row_limit_csv(shared_data):
    rows = len(_rows(shared_data / CSV))
    with pytest.raises(InputError, match=rf"sds011_sensor_5331\.csv, line {100 + 2}: more than 100 rows: refused"):
        read_exports([shared_data / CSV], CRS, max_rows=100)
    series, _ = read_exports([shared_data / CSV], CRS, max_rows=rows)
    assert len(next(s for s in series if s.datastream_id == "P1").values) == rows


def test_row_limit_geojson(shared_data, tmp_path):
    rows = _rows(shared_data / CSV)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
                 "properties": {"sensor_id": r["sensor_id"], "timestamp": r["timestamp"], "P1": float(r["P1"])}}
                for r in rows]
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with pytest.raises(InputError, match=rf"export\.geojson: {len(rows)} features, more than the limit of 50"):
        read_exports([path], CRS, max_rows=50)
    series, _ = read_exports([path], CRS, max_rows=len(rows))
    assert series[0].values == [float(r["P1"]) for r in rows]


def test_observation_cap_on_exports_and_documents(shared_data):
    rows = len(_rows(shared_data / CSV))
    with pytest.raises(InputError, match="more than 500 observations: stopped; narrow the time window"):
        read_exports([shared_data / CSV], CRS, max_observations=500)
    series, _ = read_exports([shared_data / CSV], CRS, max_observations=2 * rows)     # P1 and P2
    assert sum(len(s.values) for s in series) == 2 * rows
    with pytest.raises(GeoTwinError, match="more than 1000 observations from sta-deep-insert"):
        read_sta_document(shared_data / STA_DOC, CRS, max_observations=1000)
    with pytest.raises(GeoTwinError, match="more than 100 observations"):
        read_exports([shared_data / CSV, shared_data / STA_DOC], CRS, max_observations=2 * rows + 100)


def test_document_size_limit(shared_data):
    with pytest.raises(InputError, match=r"sta-deep-insert.*\.json: the file has 0 MB, more than the limit of "
                                         r"0\.1 MB"):
        read_sta_document(shared_data / STA_DOC, CRS, max_mb=0.1)
    with pytest.raises(InputError, match="more than the limit of 0.1 MB"):
        read_exports([shared_data / STA_DOC], CRS, max_file_mb=0.1)


@pytest.mark.parametrize("payload, pattern", [
    (b"", "the CSV file is empty"),
    (b'sensor_id;lat;lon;timestamp;P1\n1;57.1;-2.0;2017-11-10T00:00:00;"' + b"9" * 200_000 + b'"\n',
     r"line 2: malformed CSV: field larger than field limit"),
    (b"sensor_id;lat;lon;P1\n1;57.1;-2.0;3\n", r"no time column"),
    (b"sensor_id;P1;timestamp\n1;3;2017-11-10T00:00:00\n", r"no coordinate columns"),
])
def test_broken_csv_files_are_clear_errors(tmp_path, payload, pattern):
    path = tmp_path / "bad.csv"
    path.write_bytes(payload)
    with pytest.raises(InputError, match=pattern) as err:
        read_exports([path], CRS)
    assert "bad.csv" in str(err.value)


def test_bytes_undefined_in_cp1252_are_refused_with_their_line(tmp_path):
    """Neither UTF-8 nor cp1252 (0x81 is undefined there): a clear error naming the file and line."""
    path = tmp_path / "latin.csv"
    path.write_bytes(b"sensor_id;lat;lon;timestamp;P1\nM\x81nster;57.138;-2.077;2017-11-10T00:01:41;17.2\n")
    with pytest.raises(InputError, match="0x81") as err:
        read_exports([path], CRS)
    assert err.value.line == 2 and "0x81" in str(err.value) and "latin.csv" in str(err.value)


def test_times_out_of_range_are_skipped(tmp_path):
    path = tmp_path / "times.csv"
    path.write_text("sensor_id;lat;lon;timestamp;P1\n1;57.138;-2.077;99999999999999999999;1\n"
                    "1;57.138;-2.077;10000-01-01T00:00:00;2\n1;57.138;-2.077;2017-11-10T00:01:41;3\n", encoding="utf-8")
    series, issues = read_exports([path], CRS)
    assert series[0].values == [3.0]
    assert sorted(i.line for i in issues if "is not a time: row skipped" in i.issue) == [2, 3]
