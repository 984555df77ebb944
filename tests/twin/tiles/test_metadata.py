"""Property table typing and encoding edge cases: every value comes back from the GLB as written."""
from __future__ import annotations

import json

import numpy as np

from geotwin.twin.kernel.schema import BUILDINGS
from geotwin.twin.tiles.glb import FeatureSet, build_glb
from geotwin.twin.tiles.metadata import build_columns, schema
from geotwin.twin.tiles.reader import Tile

ROWS = [
    {"id": "a", "function": "31001_1000", "storeys_above_ground": 3, "measured_height": 12.5, "name": None,
     "attributes": {"Höhe über NN": 112.25, "big": 2**40, "flag": True, "nested": {"x": 1, "y": "z"},
                    "list": [1, 2], "function": "dup", "mixed": 1, "9lives": "cat"}},
    {"id": "b", "function": "31001_1000", "storeys_above_ground": None, "measured_height": None, "name": "Schule",
     "attributes": {"Höhe über NN": None, "big": -(2**40), "flag": False, "nested": {"x": 2}, "list": [],
                    "mixed": 2.5}},
    {"id": "c", "function": "31001_1000", "storeys_above_ground": 1, "measured_height": 3.0, "name": "",
     "attributes": {}},
    {"id": "d", "function": "31001_1000", "storeys_above_ground": 2, "measured_height": 7.0, "name": None,
     "attributes": {"flag": True}},
]


def _tile(columns, rows: np.ndarray) -> Tile:
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float).repeat(len(rows), axis=0)
    ids = np.repeat(np.arange(len(rows)), 3)
    tris = np.arange(len(positions)).reshape(-1, 3)
    normals = np.tile([0.0, 0.0, 1.0], (len(positions), 1))
    glb = build_glb(positions, normals, tris, [FeatureSet(ids, "building", "building", columns, rows)],
                    translation=np.zeros(3), quantize=True, meshopt=True).data
    return Tile(glb)


def test_types_and_round_trip():
    columns = build_columns(ROWS, BUILDINGS.fields)
    by_name = {c.name: c for c in columns}
    assert by_name["storeys_above_ground"].type == "INT32"
    assert by_name["measured_height"].type == "FLOAT64"
    assert by_name["big"].type == "INT64"
    assert by_name["flag"].type == "STRING"        # a boolean with a missing value cannot be BOOLEAN
    assert by_name["mixed"].type == "FLOAT64"
    assert by_name["list"].type == "STRING"        # lists stay JSON text
    assert by_name["nested.x"].type == "INT32" and by_name["nested.y"].type in ("STRING", "ENUM")
    assert by_name["function"].type == "ENUM"      # one distinct value over four rows
    assert "attributes.function" in by_name        # a JSON key that collides with a column keeps both
    ids = [c.id for c in columns]
    assert len(set(ids)) == len(ids)
    assert all(i.replace("_", "a").isalnum() and not i[0].isdigit() for i in ids)

    rows = np.array([3, 0, 1])                      # any subset, in any order
    table = _tile(columns, rows).property_table()
    expected = {
        "id": ["d", "a", "b"], "function": ["31001_1000"] * 3, "storeys_above_ground": [2, 3, None],
        "measured_height": [7.0, 12.5, None], "name": [None, None, "Schule"],
        "Höhe über NN": [None, 112.25, None], "big": [None, 2**40, -(2**40)], "flag": ["true", "true", "false"],
        "nested.x": [None, 1, 2], "nested.y": [None, "z", None], "mixed": [None, 1.0, 2.5],
        "attributes.function": [None, "dup", None], "9lives": [None, "cat", None],
    }
    for name, values in expected.items():
        assert table[name] == values, name
    assert [json.loads(v) if v else None for v in table["list"]] == [None, [1, 2], []]


def test_schema_is_valid_metadata(shared_data):
    import jsonschema

    folder = shared_data / "3dtiles-schema"
    store = {p.as_uri(): json.loads(p.read_text()) for p in folder.rglob("*.json")}
    target = folder / "Schema" / "schema.schema.json"
    validator = jsonschema.Draft202012Validator(
        store[target.as_uri()], resolver=jsonschema.RefResolver(target.as_uri(), store[target.as_uri()], store=store))
    doc = schema({"building": build_columns(ROWS, BUILDINGS.fields)})
    assert not [e.message for e in validator.iter_errors(doc)]
    del doc["classes"]["building"]["properties"]["id"]["type"]  # required
    assert list(validator.iter_errors(doc))
