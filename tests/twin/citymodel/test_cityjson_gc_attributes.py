"""Cheaper paths of the CityJSON reader that must not change what it reads.

- The parsed document goes to the collector's oldest generation untraversed (``_to_oldest_generation``), so the
  first young collection after the parse does not traverse it; nothing stays frozen; a freeze held by a reader
  (gc_frozen) is left as it is.
- Attribute values typed already skip ``_coerce``: the fields equal what ``_coerce`` gives, type included, for
  ints (also beyond float's exact range), floats (also NaN and infinities), bools, strings and None; an int
  beyond float's range is kept under its own key (it stopped the import before).
- Vertices are scaled in place: equal to ``raw * scale + translate`` computed independently with numpy.
"""
from __future__ import annotations

import gc
import json
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from geotwin.twin.citymodel import cityjson as cj
from geotwin.twin.kernel.crs import crs_override

RD_NAP = crs_override("EPSG:7415")


def _containers(doc: dict) -> list:
    objects = doc["CityObjects"]
    first = next(iter(objects.values()))
    return [doc, objects, first, first["geometry"], first["geometry"][0]["boundaries"]]


def test_the_parsed_document_goes_to_the_oldest_generation_untraversed(shared_data):
    path = shared_data / "cityjson" / "cjio" / "delft.json"
    assert gc.isenabled() and gc.get_freeze_count() == 0
    count = len(json.loads(path.read_text())["CityObjects"])
    source = cj.read_cityjson(path)
    doc = source._doc
    assert doc is not None and len(doc["CityObjects"]) == count == 570
    oldest = {id(x) for x in gc.get_objects(generation=2)}
    assert all(id(x) in oldest for x in _containers(doc))
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert sum(1 for _ in source) == count   # a building (160) or a "not imported" row (410) each, as before


def test_a_held_freeze_is_not_handed_back_by_a_parse(shared_data):
    path = shared_data / "cityjson" / "cjio" / "multi_lod.json"
    with cj.gc_frozen():
        held = gc.get_freeze_count()
        assert held > 0
        source = cj.read_cityjson(path, RD_NAP)
        assert gc.get_freeze_count() > 0 and source._doc is not None
        oldest = {id(x) for x in gc.get_objects(generation=2)}
        assert id(source._doc["CityObjects"]) not in oldest or gc.get_count()[0] == 0
    assert gc.get_freeze_count() == 0


def _reference(key: str, value):
    """What map_attributes gave before the typed shortcut: the field from _coerce, else the value under its key."""
    field, kind = cj._ATTRIBUTE_FIELDS[key]
    try:
        return {field: cj._coerce(value, kind)}
    except (TypeError, ValueError, OverflowError):
        return {key: value}


def _typed(mapping: dict) -> list:
    return sorted((k, type(v).__name__, repr(v)) for k, v in mapping.items())


_VALUES = st.one_of(st.integers(-2 ** 64, 2 ** 64), st.sampled_from([2 ** 53, 2 ** 53 + 1, -2 ** 53 - 1, 10 ** 20]),
                    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                    st.text(max_size=5), st.sampled_from(["12", "6.5", "1e3", " 7 "]))


@settings(max_examples=400, deadline=None)
@given(key=st.sampled_from(["measuredHeight", "storeysAboveGround", "storeysBelowGround", "yearOfConstruction"]),
       value=_VALUES)
def test_typed_attributes_equal_what_coerce_gives(key, value):
    assert _typed(cj.map_attributes({key: value}, None)) == _typed(_reference(key, value))


def test_an_int_beyond_float_range_is_kept_under_its_own_key():
    huge = 10 ** 400
    assert cj.map_attributes({"yearOfConstruction": huge, "measuredHeight": 7}, None) == {
        "yearOfConstruction": huge, "measured_height": 7.0}
    assert cj.map_attributes({"storeysAboveGround": 2 ** 53 + 1}, None) == {"storeys_above_ground": 2 ** 53}
    assert math.isnan(cj.map_attributes({"measuredHeight": math.nan}, None)["measuredHeight"])


def test_vertices_scaled_in_place_equal_the_transform(shared_data):
    path = shared_data / "cityjson" / "denhaag" / "DenHaag_01_v2.0_derived.city.json"
    raw = json.loads(path.read_text())
    source = cj.read_cityjson(path)
    vertices = raw["vertices"]
    kept = [list(v) for v in vertices[:50]]
    got = source._vertices(vertices)
    expected = np.asarray(vertices, dtype=np.float64) * raw["transform"]["scale"] + raw["transform"]["translate"]
    assert got.shape == (len(vertices), 3) and np.array_equal(got, expected)
    assert vertices[:50] == kept                           # the parsed lists are left as they were
    assert source._vertices(vertices) is not got and np.array_equal(source._vertices(vertices), got)
