"""Missing values in property tables: every property has values in every table, no buffer view is empty,
and each view's length is what the table's count and the offsets imply (checked by tests/twin/tiles/tiles_structure.py)."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from geotwin.twin.tiles.glb import FeatureSet, build_glb
from geotwin.twin.tiles.metadata import STRING_NO_DATA, build_columns, schema
from geotwin.twin.tiles.reader import Tile


def _structure():
    spec = importlib.util.spec_from_file_location("tiles_structure", Path(__file__).with_name("tiles_structure.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ts = _structure()

ROWS = [
    {"id": f"b{i}", "parent_id": "" if i < 6 else "p1", "note": None, "empty": "", "flag": i % 3 == 0,
     "height": [float("nan"), float("inf"), -float("inf"), 2.5][i % 4], "big": 2**40 * (i - 4),
     "kind": ["roof", "wall"][i % 2], "tags": ["x", str(i)] if i % 2 else []}
    for i in range(8)
]


def _glb(columns, rows) -> bytes:
    rows = np.asarray(rows)
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float).repeat(len(rows), axis=0)
    ids = np.repeat(np.arange(len(rows)), 3)
    tris = np.arange(len(positions)).reshape(-1, 3)
    normals = np.tile([0.0, 0.0, 1.0], (len(positions), 1))
    return build_glb(positions, normals, tris, [FeatureSet(ids, "building", "building", columns, rows)],
                     translation=np.zeros(3), quantize=True, meshopt=True).data


@pytest.mark.parametrize("rows", [[0, 1, 2], [5], [6, 7], list(range(8))])
def test_every_subset_of_rows_gives_exact_buffer_views(rows):
    """Tables whose parent_id is all empty ([0, 1, 2], [5]), all set ([6, 7]) or mixed: every class property
    has values, and each view has exactly the implied length (the fault was a 0-byte column padded to 1)."""
    columns = build_columns(ROWS)
    data = _glb(columns, rows)
    gltf, binary = ts.parse_glb(data)
    assert ts.check_glb(gltf, binary, Path("."), "tile") == []
    table = gltf["extensions"]["EXT_structural_metadata"]["propertyTables"][0]
    assert set(table["properties"]) == {c.id for c in columns}
    values = Tile(data).property_table()
    assert values["parent_id"] == [None if i < 6 else "p1" for i in rows]
    assert values["note"] == values["empty"] == [None] * len(rows)
    assert values["height"] == [2.5 if i % 4 == 3 else None for i in rows]   # NaN and infinities: missing


def test_types_and_no_data_of_hostile_columns():
    by_name = {c.name: c for c in build_columns(ROWS)}
    assert by_name["parent_id"].type == "STRING"      # an identifier: never an ENUM
    assert by_name["note"].type == by_name["empty"].type == "STRING"
    assert by_name["flag"].type == "BOOLEAN" and by_name["big"].type == "INT64"
    assert by_name["height"].type == "FLOAT64"
    assert by_name["height"].values == [None, None, None, 2.5, None, None, None, 2.5]
    assert by_name["tags"].type == "STRING"            # lists as JSON text
    doc = schema({"building": list(by_name.values())})
    props = {p["name"]: p for p in doc["classes"]["building"]["properties"].values()}
    assert props["parent_id"]["noData"] == props["note"]["noData"] == STRING_NO_DATA
    assert len(STRING_NO_DATA.encode("utf-8")) == 1
    assert "noData" not in props["flag"]
    assert props["height"]["noData"] == -1.7976931348623157e308
    assert not any(isinstance(v, float) and not math.isfinite(v) for p in props.values() for v in p.values())


def test_a_subset_class_shares_the_enum():
    columns = build_columns([{"id": str(i), "kind": ["roof", "wall"][i % 2]} for i in range(12)])
    doc = schema({"building": columns, "building_lod1": [c for c in columns if c.name == "kind"]})
    types = {cls: [p.get("enumType") for p in c["properties"].values() if p["type"] == "ENUM"]
             for cls, c in doc["classes"].items()}
    assert types == {"building": ["building_kind"], "building_lod1": ["building_kind"]}
    assert list(doc["enums"]) == ["building_kind"]


def test_a_table_without_features_is_refused():
    """A property table needs count >= 1 (and its views >= 1 byte): an empty one is a caller's error."""
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float)
    features = [FeatureSet(np.zeros(3, np.int64), "building", "building", build_columns(ROWS),
                           np.array([], dtype=np.int64))]
    with pytest.raises(ValueError, match="property table 'building' without features"):
        build_glb(positions, np.tile([0.0, 0.0, 1.0], (3, 1)), np.arange(3).reshape(1, 3), features,
                  translation=np.zeros(3))


def test_the_glb_builder_never_writes_an_empty_buffer_view():
    from geotwin.twin.tiles.glb import _Builder

    with pytest.raises(ValueError, match="empty buffer view"):
        _Builder(meshopt=False).view(b"")
