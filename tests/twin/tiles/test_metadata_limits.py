"""tiles/metadata.py pinned down: BOOLEAN bit order, INT32/INT64 and ENUM limits, noData, strings, read back
through independent decoders written from the 3D Tiles / EXT_structural_metadata spec."""
from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from geotwin.twin.tiles.metadata import (
    ENUM_MAX,
    ENUM_NO_DATA,
    NO_DATA,
    STRING_NO_DATA,
    Column,
    build_columns,
    decode_property,
    finite,
    schema,
)


def _col(rows, name, spec=None):
    return {c.name: c for c in build_columns(rows, spec)}[name]


def _spec_bits(data: bytes, count: int) -> list[bool]:
    """3D Tiles: booleans packed LSB first, element i is bit i % 8 of byte i // 8."""
    return [bool((data[i // 8] >> (i % 8)) & 1) for i in range(count)]


@pytest.mark.parametrize("flags", [[True, False, False, True, True],
                                   [False] * 7 + [True, True] + [False] * 8 + [True],
                                   [True] * 9])
def test_boolean_column_is_packed_lsb_first(flags):
    col = _col([{"ok": f} for f in flags], "ok")
    assert col.type == "BOOLEAN" and col.schema() == {"name": "ok", "type": "BOOLEAN"}
    (data,), extra = col.encode(np.arange(len(flags)))
    assert extra == {} and len(data) == math.ceil(len(flags) / 8)
    assert _spec_bits(data, len(flags)) == flags
    assert np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little")[:len(flags)].tolist() == flags
    # a row subset (tiles pick their rows), reversed
    rows = np.arange(len(flags))[::-1]
    (sub,), _ = col.encode(rows)
    assert _spec_bits(sub, len(flags)) == flags[::-1]
    assert decode_property(col.schema(), [data], len(flags)) == flags


def test_boolean_with_missing_values_becomes_string():
    col = _col([{"ok": True}, {"ok": None}, {"ok": False}], "ok")
    assert col.type == "STRING" and col.values == ["true", None, "false"]


@pytest.mark.parametrize("values,kind", [
    ([-(2**31) + 1, 0, 2**31 - 1], "INT32"),
    ([-(2**31), 0], "INT64"),          # -2^31 is INT32's noData: as INT32 it would read back as missing
    ([0, 2**31], "INT64"),
    ([-(2**31) + 1], "INT32"),
    ([2**31 - 1], "INT32"),
])
def test_integer_range_limits(values, kind):
    col = _col([{"n": v} for v in values], "n")
    assert col.type == kind
    (data,), _ = col.encode(np.arange(len(values)))
    fmt = "<i" if kind == "INT32" else "<q"
    assert len(data) == len(values) * (4 if kind == "INT32" else 8)
    assert [struct.unpack_from(fmt, data, 4 * i if kind == "INT32" else 8 * i)[0] for i in range(len(values))] \
        == values
    assert decode_property(col.schema(), [data], len(values)) == values
    assert "noData" not in col.schema()


def test_missing_integers_and_floats_are_nodata():
    col = _col([{"n": 5}, {"n": None}, {"n": -3}], "n")
    assert col.type == "INT32" and col.schema() == {"name": "n", "type": "SCALAR", "componentType": "INT32",
                                                      "noData": -(2**31)}
    (data,), _ = col.encode(np.arange(3))
    assert struct.unpack("<3i", data) == (5, -(2**31), -3)
    assert decode_property(col.schema(), [data], 3) == [5, None, -3]
    big = _col([{"n": 2**40}, {"n": None}], "n")
    (data,), _ = big.encode(np.arange(2))
    assert big.type == "INT64" and struct.unpack("<2q", data) == (2**40, -(2**63))
    assert big.schema()["noData"] == -(2**63) and NO_DATA == {"INT32": -(2**31), "INT64": -(2**63),
                                                              "FLOAT64": -1.7976931348623157e308}
    fl = _col([{"x": 1.5}, {"x": float("nan")}, {"x": 2}, {"x": float("inf")}], "x")
    assert fl.type == "FLOAT64" and fl.values == [1.5, None, 2.0, None]
    (data,), _ = fl.encode(np.arange(4))
    assert struct.unpack("<4d", data) == (1.5, -1.7976931348623157e308, 2.0, -1.7976931348623157e308)
    assert fl.schema()["noData"] == -1.7976931348623157e308
    assert decode_property(fl.schema(), [data], 4) == [1.5, None, 2.0, None]


def _enum_rows(distinct: int, rows: int) -> list[dict]:
    return [{"kind": f"k{i % distinct:04d}"} for i in range(rows)]


@pytest.mark.parametrize("distinct,value_type", [(255, "UINT8"), (256, "UINT16"), (300, "UINT16")])
def test_enum_256_names_limit(distinct, value_type):
    """The enum holds ENUM_NO_DATA plus the distinct names: up to 256 names fit one byte."""
    col = _col(_enum_rows(distinct, 4 * distinct), "kind")
    assert col.type == "ENUM" and len(col.enum) == distinct + 1 and col.enum[0] == ENUM_NO_DATA
    enum = col.enum_schema()
    assert enum["valueType"] == value_type
    (data,), _ = col.encode(np.arange(4 * distinct))
    dtype = "<u1" if value_type == "UINT8" else "<u2"
    codes = np.frombuffer(data, dtype)
    assert len(codes) == 4 * distinct
    names = {v["value"]: v["name"] for v in enum["values"]}
    assert [names[int(c)] for c in codes] == col.values
    sch = schema({"c": [col]})
    assert decode_property(sch["classes"]["c"]["properties"]["kind"], [data], 4 * distinct, sch["enums"]) \
        == col.values


def test_enum_thresholds():
    # a string column becomes an ENUM only with at most a quarter as many distinct values as rows
    assert _col(_enum_rows(4, 16), "kind").type == "ENUM"
    assert _col(_enum_rows(4, 15), "kind").type == "STRING"
    assert ENUM_MAX == 1000
    assert _col(_enum_rows(1000, 4000), "kind").type == "ENUM"
    assert _col(_enum_rows(1001, 4004), "kind").type == "STRING"
    # ids are never ENUMs
    assert _col([{"building_id": "b"}] * 8, "building_id").type == "STRING"
    assert _col([{"id": "b"}] * 8, "id").type == "STRING"
    # missing values map to ENUM_NO_DATA, which the schema declares as noData
    col = _col([{"kind": "a"}] * 6 + [{"kind": None}, {"kind": ""}], "kind")
    assert col.type == "ENUM" and col.schema()["noData"] == ENUM_NO_DATA
    (data,), _ = col.encode(np.arange(8))
    assert list(data) == [1] * 6 + [0, 0]
    assert _col([{"kind": ENUM_NO_DATA}] * 8, "kind").type == "STRING"   # a name equal to the marker


def test_strings_offsets_and_missing():
    col = _col([{"s": "a"}, {"s": None}, {"s": "äö"}, {"s": ""}], "s")
    assert col.type == "STRING" and col.schema()["noData"] == STRING_NO_DATA
    (data, offsets), extra = col.encode(np.arange(4))
    assert extra == {"stringOffsetType": "UINT16"}
    assert data == b"a\x00" + "äö".encode() + b"\x00"
    assert struct.unpack("<5H", offsets) == (0, 1, 2, 6, 7)
    assert decode_property(col.schema(), [data, offsets], 4, offset_type="UINT16") == ["a", None, "äö", None]
    long = _col([{"s": "x" * 40000}, {"s": "y" * 30000}], "s")
    (data, offsets), extra = long.encode(np.arange(2))
    assert extra == {"stringOffsetType": "UINT32"} and struct.unpack("<3I", offsets) == (0, 40000, 70000)
    short = _col([{"s": "x" * 65535}], "s")
    assert short.encode(np.arange(1))[1] == {"stringOffsetType": "UINT16"}
    edge = _col([{"s": "x" * 65536}], "s")
    assert edge.encode(np.arange(1))[1] == {"stringOffsetType": "UINT32"}


def test_attribute_json_flattened_and_typed():
    rows = [{"id": "a", "attributes": {"h": 3, "addr": {"city": "KA", "n": 1}, "tags": [1, 2], "id": "x"}},
            {"id": "b", "attributes": {"h": 4.5, "flag": True}}]
    cols = {c.name: c for c in build_columns(rows)}
    assert set(cols) == {"id", "attributes.id", "h", "addr.city", "addr.n", "tags", "flag"}
    assert cols["h"].type == "FLOAT64" and cols["h"].values == [3.0, 4.5]
    assert cols["tags"].type == "STRING" and cols["tags"].values == ["[1, 2]", None]
    assert cols["flag"].type == "STRING" and cols["flag"].values == [None, "true"]
    assert cols["addr.n"].type == "INT32" and cols["addr.n"].values == [1, None]
    mixed = _col([{"v": 1}, {"v": "a"}, {"v": False}, {"v": {"k": float("nan")}}], "v")
    assert mixed.values == ["1", "a", "false", '{"k": null}']
    spec = _col([{"n": 2.0}, {"n": None}], "n", {"n": "int"})
    assert spec.type == "INT32" and spec.values == [2, None]
    js = build_columns([{"j": None, "x": 1}], {"j": "json", "x": "float"})
    assert [(c.name, c.type, c.values) for c in js] == [("x", "FLOAT64", [1.0])]


def test_identifiers_are_unique_and_valid():
    cols = build_columns([{"a b": 1, "a_b": 2, "1x": 3, "a-b": 4}])
    ids = {c.name: c.id for c in cols}
    assert ids == {"1x": "_1x", "a b": "a_b", "a-b": "a_b_2", "a_b": "a_b_3"}


def test_finite_replaces_nan_everywhere():
    assert finite({"a": [1.0, float("nan"), {"b": float("-inf")}], "c": "x"}) == {"a": [1.0, None, {"b": None}],
                                                                                    "c": "x"}
    assert finite(2.5) == 2.5 and finite((1, float("inf"))) == [1, None]


def test_schema_shares_enums_between_classes():
    col = _col(_enum_rows(2, 8), "kind")
    other = Column("h", "h", "FLOAT64", [1.0] * 8)
    sch = schema({"a": [col, other], "b": [col]})
    assert list(sch["enums"]) == ["a_kind"]
    assert sch["classes"]["b"]["properties"]["kind"]["enumType"] == "a_kind"
    assert sch["classes"]["a"]["properties"]["h"] == {"name": "h", "type": "SCALAR", "componentType": "FLOAT64"}
    assert "enums" not in schema({"a": [other]})


@pytest.mark.parametrize("values, kind, missing", [
    (["a", "b"], "STRING", False), (["a", "", "b"], "STRING", True), (["a", None, "b"], "STRING", True),
    (["k"] * 7 + [""], "ENUM", True), (["k"] * 8, "ENUM", False), ([1, 2], "INT32", False), ([1, None], "INT32", True),
    ([0.5, 1.5], "FLOAT64", False),
])
def test_nodata_only_when_a_value_is_missing(values, kind, missing):
    col = _col([{"v": v} for v in values], "v")
    assert col.type == kind and col.has_missing is missing
    assert ("noData" in col.schema()) is missing


def test_empty_row_selection():
    col = _col([{"s": "a"}, {"s": "b"}], "s")
    (data, offsets), extra = col.encode(np.array([], dtype=np.int64))
    assert data == b"" and struct.unpack("<H", offsets) == (0,) and extra == {"stringOffsetType": "UINT16"}
    flags = _col([{"f": True}, {"f": False}], "f")
    assert flags.encode(np.array([], dtype=np.int64)) == ([b""], {})


def test_column_missing_everywhere_is_a_string_of_nodata():
    cols = {c.name: c for c in build_columns([{"a": 1, "empty": None}, {"a": 2}])}
    empty = cols["empty"]
    assert empty.type == "STRING" and empty.values == [None, None]
    assert empty.schema() == {"name": "empty", "type": "STRING", "noData": STRING_NO_DATA}
    (data, offsets), _ = empty.encode(np.arange(2))
    assert data == b"\x00\x00" and struct.unpack("<3H", offsets) == (0, 1, 2)


def test_json_text_keeps_non_ascii():
    col = _col([{"attributes": {"tags": ["Straße", "Ölweg"]}}, {"attributes": {"tags": None}}], "tags")
    assert col.type == "STRING" and col.values == ['["Straße", "Ölweg"]', None]


def test_mixed_numbers_become_float64_values():
    """Ints and floats in one column: FLOAT64, every value a float (as encoded: little-endian doubles)."""
    col = _col([{"h": 3}, {"h": 2.5}, {"h": None}, {"h": -1}], "h")
    assert col.type == "FLOAT64" and col.values == [3.0, 2.5, None, -1.0]
    assert all(type(v) is float for v in col.values if v is not None)
    (data,), _ = col.encode(np.arange(4))
    assert struct.unpack("<4d", data) == (3.0, 2.5, -1.7976931348623157e308, -1.0)
    assert decode_property(col.schema(), [data], 4) == [3.0, 2.5, None, -1.0]


def test_spec_types_convert_values():
    """The layer's field types win over the values: float fields hold floats, int fields ints, str fields text."""
    rows = [{"f": 1, "i": 2.0, "s": 7, "b": True}, {"f": 2.5, "i": None, "s": "x", "b": False}]
    cols = {c.name: c for c in build_columns(rows, {"f": "float", "i": "int", "s": "str", "b": "str"})}
    assert (cols["f"].type, cols["f"].values) == ("FLOAT64", [1.0, 2.5])
    assert (cols["i"].type, cols["i"].values) == ("INT32", [2, None]) and type(cols["i"].values[0]) is int
    assert (cols["s"].type, cols["s"].values) == ("STRING", ["7", "x"])
    assert (cols["b"].type, cols["b"].values) == ("STRING", ["true", "false"])
    assert [c.name for c in build_columns(rows, {"s": "str", "f": "float"})] == ["s", "f", "b", "i"]


def test_dict_values_become_sorted_json_text():
    """A dict in a plain (not JSON) field is written as JSON text with sorted keys: the text does not depend on the
    order the source wrote the keys in (json.dumps(sort_keys=True) is the independent reference)."""
    import json

    col = _col([{"v": {"b": 1, "a": [2, 3], "ä": "ü"}}, {"v": {"a": [2, 3], "ä": "ü", "b": 1}}, {"v": None}], "v")
    text = '{"a": [2, 3], "b": 1, "ä": "ü"}'
    assert text == json.dumps({"ä": "ü", "b": 1, "a": [2, 3]}, sort_keys=True, ensure_ascii=False)
    assert col.type == "STRING" and col.values == [text, text, None]


def test_json_field_that_is_no_object_stays_a_column():
    """Only a JSON object is flattened; a JSON field holding a list or text stays one column (as JSON text), and
    only a missing ``json`` field of the spec is left out. ``attributes`` outside the spec is kept when missing."""
    cols = {c.name: c for c in build_columns([{"j": [1, 2], "k": "plain", "m": None, "x": 1}],
                                             {"j": "json", "k": "json", "m": "json"})}
    assert set(cols) == {"j", "k", "x"}
    assert cols["j"].values == ["[1, 2]"] and cols["k"].values == ["plain"]
    kept = {c.name: c for c in build_columns([{"id": "a", "attributes": None}])}
    assert set(kept) == {"id", "attributes"} and kept["attributes"].values == [None]
    assert kept["attributes"].schema() == {"name": "attributes", "type": "STRING", "noData": STRING_NO_DATA}


@pytest.mark.parametrize("value, kind, want", [
    (2.0, "INT32", 2), ("7", "INT64", 7), (-(2**40), "INT64", -(2**40)), (True, "INT32", 1),
    (1, "BOOLEAN", True), (0, "BOOLEAN", False), ("x", "BOOLEAN", True),
    (3, "FLOAT64", 3.0), ("2.5", "FLOAT64", 2.5),
    (True, "STRING", "true"), (False, "STRING", "false"), (4, "STRING", "4"), ("s", "STRING", "s"),
    (None, "INT32", None), (None, "BOOLEAN", None), (None, "STRING", None),
])
def test_value_conversion_to_a_column_type(value, kind, want):
    """The converter build_columns and the streaming ColumnType (tiles/columns.py) share: Python's own int(),
    bool(), float() and str() are the reference, booleans as JSON's true/false."""
    from geotwin.twin.tiles.metadata import as_type

    got = as_type(value, kind)
    assert got == want and type(got) is type(want)
