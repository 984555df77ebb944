"""The one number parser of table cells and sensor results, and the readers that use it."""
from __future__ import annotations

import csv
import math
from datetime import UTC, datetime

import pytest

from geotwin.twin.kernel.layers import read_points
from geotwin.twin.kernel.numeric import to_number
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.series import Series

CRS = "EPSG:32630"  # UTM 30N: Aberdeen, where the sensor.community station is
DHT22 = "sensors/sensor-community-aberdeen/2017-11-13_dht22_sensor_5332.csv"


@pytest.mark.parametrize("value, expected", [
    ("3.5", 3.5), (" -3.5 ", -3.5), ("+7", 7.0), (".5", 0.5), ("5.", 5.0), ("1e-3", 0.001), ("-2.5E2", -250.0),
    ("\u22123,5", -3.5), ("\u22122.077", -2.077), ("\u22121.234,5", -1234.5),   # U+2212 is a minus
    ("3,5", 3.5), ("-0,25", -0.25), ("1,234", 1.234),                          # a lone comma is decimal
    ("1.234", 1.234),                                                          # a lone dot is decimal
    ("1.234,5", 1234.5), ("3.456.789,12", 3456789.12), ("1.234.567", 1234567.0),
    ("1,234.5", 1234.5), ("1,234,567", 1234567.0),
    (7, 7.0), (-2.5, -2.5), (10**400, None),
    (True, None), (False, None), ("true", None), ("1", 1.0),
    ("", None), ("   ", None), (None, None),
    ("nan", None), ("NaN", None), ("inf", None), ("-Infinity", None), ("1e999", None),
    (math.nan, None), (math.inf, None),
    ("n/a", None), ("3,5 °C", None), ("1_000", None), ("12.34.56", None), ("1,2,3", None), ("1.23,456.7", None),
    ("\u0663", None), ([1], None), ({"value": 1}, None),
])
def test_to_number(value, expected):
    got = to_number(value)
    assert got == expected if expected is None else got == pytest.approx(expected, rel=1e-15)
    assert got is None or type(got) is float


def test_sensor_bool_result_is_kept_as_text():
    s = Series("src", "s1", "S1", "d1", "D1", "door open")
    when = datetime(2026, 11, 23, tzinfo=UTC)
    assert [s.add(when, r) for r in (True, "\u22123,5", 4)] == [False, True, True]
    assert s.values == [None, -3.5, 4.0] and s.texts == ["True", None, None]
    assert s.stats()["non_numeric"] == 1 and s.stats()["mean"] == pytest.approx(0.25)


def _german(path, out):
    """The CSV with every number written with a decimal comma and U+2212 for its minus."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header = rows[0]
    numeric = {i for i, h in enumerate(header) if h in ("lat", "lon", "temperature", "humidity")}
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        for row in rows[1:]:
            writer.writerow([v.replace(".", ",").replace("-", "\u2212") if i in numeric else v
                             for i, v in enumerate(row)])
    return sum(v.startswith("-") for row in rows[1:] for i, v in enumerate(row) if i in numeric)


def test_german_notation_reads_like_the_original(shared_data, tmp_path):
    src = shared_data / DHT22
    german = tmp_path / src.name
    assert _german(src, german) > 0  # the longitude west of Greenwich at least
    for a, b in zip(read_points(src, CRS)[0], read_points(german, CRS)[0], strict=True):
        assert b.problem is None and (b.x, b.y) == (a.x, a.y)
    original, _ = read_exports([src], CRS)
    converted, issues = read_exports([german], CRS)
    assert issues == []
    assert [(s.key, s.x, s.y, s.times, s.values) for s in converted] == \
        [(s.key.replace(src.name, german.name), s.x, s.y, s.times, s.values) for s in original]
    with open(src, newline="", encoding="utf-8") as fh:
        temperatures = [float(r["temperature"]) for r in csv.DictReader(fh, delimiter=";") if r["temperature"]]
    got = next(s for s in converted if s.datastream_id == "temperature")
    assert got.values == temperatures
