"""JSON written and measured in pieces (twin/kernel/jsonfile.py): the bytes of json.dumps, in bounded memory."""
from __future__ import annotations

import json
import math
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geotwin.twin.kernel.jsonfile import json_size, write_json

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_DOCS = st.recursive(_SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=40)
_OPTIONS = [{}, {"indent": 1}, {"indent": 1, "ensure_ascii": False}, {"indent": 2, "sort_keys": True},
            {"separators": (",", ":"), "ensure_ascii": False}]


@settings(max_examples=60, deadline=None)
@given(doc=_DOCS, which=st.integers(0, len(_OPTIONS) - 1))
def test_the_bytes_and_size_are_those_of_json_dumps(tmp_path_factory: pytest.TempPathFactory, doc: Any,
                                                     which: int) -> None:
    options = _OPTIONS[which]
    expected = json.dumps(doc, **options).encode("utf-8")
    path = tmp_path_factory.mktemp("j") / "doc.json"
    assert write_json(path, doc, **options) == len(expected)
    assert path.read_bytes() == expected
    assert json_size(doc, **options) == len(expected)


def _tileset(tiles: int) -> dict[str, Any]:
    """A tileset.json of ``tiles`` leaves as the partitioned export writes it (box, error, content uri)."""
    children = [{"boundingVolume": {"box": [float(i), -13431.566673035555, -45.61859200757905, 466.32169096609323,
                                            0.0, 0.0, 0.0, 375.6555810228392, 0.0, 0.0, 0.0, 14.141145529092844]},
                 "geometricError": 0.0, "content": {"uri": f"tiles/7/{i % 128}/{i // 128}.glb"}}
                for i in range(tiles)]
    return {"asset": {"version": "1.1"}, "geometricError": 5000.0, "root": {"children": children}}


def test_a_large_document_streams_beyond_the_batch_with_a_fraction_of_the_memory(tmp_path: Path) -> None:
    doc = _tileset(20_000)   # about 8 MB indented, many batches of pieces
    expected = json.dumps(doc, indent=1)
    tracemalloc.start()
    try:
        written = write_json(tmp_path / "tileset.json", doc, indent=1)
        streamed = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        whole = len(json.dumps(doc, indent=1))
        joined = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert written == whole == len(expected.encode("utf-8")) > 5_000_000
    assert (tmp_path / "tileset.json").read_text(encoding="utf-8") == expected
    assert streamed < joined / 10 and streamed < 2_000_000   # json.dumps holds every piece, then the whole string


def test_a_refused_value_names_itself_and_the_write_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        write_json(tmp_path / "doc.json", {"height": math.nan}, allow_nan=False)
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        json_size({"ids": {1, 2}})


def test_a_packed_part_is_written_as_the_document_it_holds_in_a_fraction_of_the_memory(tmp_path: Path) -> None:
    from geotwin.twin.kernel.jsonfile import PackedJSON, unpacked

    fragment = _tileset(2_000)["root"]
    tracemalloc.start()
    try:
        held = json.loads(json.dumps(fragment))
        objects = tracemalloc.get_traced_memory()[0]
        packed = PackedJSON(held)
        del held
        both = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(packed.data) < objects / 10 and both < objects / 5, (len(packed.data), objects, both)
    doc = {"asset": {"version": "1.1"}, "root": {"children": [packed, {"content": {"uri": "x.glb"}}]}}
    plain = {"asset": {"version": "1.1"}, "root": {"children": [fragment, {"content": {"uri": "x.glb"}}]}}
    assert write_json(tmp_path / "t.json", doc, indent=1) == json_size(doc, indent=1)
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == json.dumps(plain, indent=1)
    assert unpacked(packed) == fragment and unpacked(fragment) is fragment
    assert repr(packed) == f"PackedJSON({len(packed.data)} bytes)"
