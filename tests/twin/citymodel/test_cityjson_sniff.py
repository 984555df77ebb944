"""is_cityjson_seq scans the first line through a reused buffer (issue 16): the same answers as reading the first
line whole (the definition, computed here by readline on the plain bytes), for one-line documents larger than the
buffer, header lines longer than a MiB, gzip, and the edge cases."""
from __future__ import annotations

import gzip
import json

import pytest

from geotwin.twin.citymodel.cityjson import is_cityjson_seq
from geotwin.twin.citymodel.delivery import MB, Limits, as_input

HEADER = {"type": "CityJSON", "version": "2.0", "transform": {"scale": [0.001] * 3, "translate": [0, 0, 0]},
          "CityObjects": {}, "vertices": []}
FEATURE = json.dumps({"type": "CityJSONFeature", "id": "b1", "CityObjects": {}, "vertices": []})


def defined(data: bytes, limit: int) -> bool:
    """The definition: a first line (of at most ``limit`` bytes, newline-terminated) that is a CityJSON object,
    followed by anything but whitespace."""
    first, _, rest = data.partition(b"\n")
    if len(first) + 1 > limit or not data.count(b"\n") or not rest.strip() or not first.strip().startswith(b"{"):
        return False
    try:
        head = json.loads(first)
    except ValueError:
        return False
    return isinstance(head, dict) and head.get("type") == "CityJSON"


def big_header() -> bytes:   # a header line of 1.5 MiB (its metadata)
    return json.dumps({**HEADER, "metadata": {"title": "x" * (3 * MB // 2)}}).encode()


CASES = {
    "seq": json.dumps(HEADER).encode() + b"\n" + FEATURE.encode() + b"\n",
    "seq after blank lines": json.dumps(HEADER).encode() + b"\n\n  \n" + FEATURE.encode(),
    "big header seq": big_header() + b"\n" + FEATURE.encode() + b"\n",
    "big one-line document": big_header() + b"\n",
    "big one-line document, whitespace after": big_header() + b"\n" + b" \n" * MB,
    "one-line document": json.dumps(HEADER).encode() + b"\n",
    "no newline": json.dumps(HEADER).encode(),
    "not json": b"{not json\n" + FEATURE.encode(),
    "not CityJSON": FEATURE.encode() + b"\n" + FEATURE.encode(),
    "not an object": b"[1, 2]\n" + FEATURE.encode(),
    "empty": b"",
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("compress", [False, True])
def test_answers_as_the_definition(name, compress, tmp_path):
    data = CASES[name]
    path = tmp_path / ("f.jsonl.gz" if compress else "f.jsonl")
    path.write_bytes(gzip.compress(data) if compress else data)
    expected = defined(data, Limits().max_json)
    assert is_cityjson_seq(path) is expected
    assert expected is name.endswith("seq") or name == "seq after blank lines"


def test_a_first_line_beyond_the_limit_is_not_a_sequence(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(CASES["big header seq"])
    limit = len(big_header())   # the header line with its newline is one byte longer
    assert defined(CASES["big header seq"], limit) is False
    assert is_cityjson_seq(as_input(path, Limits(max_json=limit))) is False
    assert is_cityjson_seq(as_input(path, Limits(max_json=limit + 1))) is True


def test_an_unreadable_file_is_not_a_sequence(tmp_path):
    path = tmp_path / "f.jsonl.gz"
    path.write_bytes(gzip.compress(CASES["big header seq"])[:-2000])   # truncated gzip: EOFError while scanning
    assert is_cityjson_seq(path) is False
