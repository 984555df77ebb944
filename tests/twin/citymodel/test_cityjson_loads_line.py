"""``loads_line`` (a CityJSONSeq line decoded by json's C scanner) gives what ``json.loads`` gives, the same value or
the same error with the same message, for every line of the sample district and for lines that leave its fast way:
trailing spaces and garbage, a byte order mark, UTF-16, lines that do not start with '{"', invalid UTF-8, malformed
JSON and JSON nested too deeply."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from geotwin.twin.citymodel.cityjson import loads_line
from geotwin.twin.sample.generator import generate_district

FEATURE = b'{"type": "CityJSONFeature", "id": "b1", "CityObjects": {"b1": {"type": "Building"}}, "vertices": []}'
LINES = [
    FEATURE, FEATURE + b"\n", FEATURE + b" \t\r\n", FEATURE + b"\n\n", FEATURE + b" x\n", FEATURE + b"{}",
    b"\xef\xbb\xbf" + FEATURE, FEATURE.decode().encode("utf-16"), FEATURE.decode().encode("utf-16-le"),
    b" " + FEATURE, b'[1, 2.5, "x"]', b'"text"', b"42\n", b"", b"\n", b'{"id": "caf\xc3\xa9"}',
    b'{"id": "\xff"}', b'{"id": }', b'{"id": 1', b'{"', b'{"a": NaN, "b": -Infinity}', b'{"a": 1e999}',
    b'{"a": "\\ud800"}', b'{"a": "\\u00e9\\n"}', b'{"a": {"a": 1, "a": 2}}',
    b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
]


def _outcome(decode, line: bytes) -> tuple:
    try:
        value = decode(line)
    except (ValueError, RecursionError) as err:
        return type(err), str(err)
    return "value", json.dumps(value, sort_keys=True, allow_nan=True), type(value)


@pytest.mark.parametrize("line", LINES, ids=range(len(LINES)))
def test_loads_line_is_json_loads(line):
    expected = _outcome(json.loads, line)
    assert _outcome(loads_line, line) == expected


def test_every_line_of_a_district_is_json_loads(tmp_path: Path):
    generate_district(tmp_path, buildings=60, seed=3, formats=("cityjsonseq",))
    lines = (tmp_path / "district.city.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) == 61   # the header and a feature per building
    for line in lines:
        assert loads_line(line) == json.loads(line)
