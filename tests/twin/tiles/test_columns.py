"""Streaming column typing (twin/tiles/columns.py) against metadata.build_columns over all rows at once: the same
names, identifiers, types, enums, missing flags and schema, and a partition's columns encode as the whole's."""
from __future__ import annotations

import math
import pickle
import random

import numpy as np
import pytest

from geotwin.twin.kernel.schema import BUILDINGS
from geotwin.twin.tiles.columns import DISTINCT_CAP, ColumnStats, partition_columns, schema_columns
from geotwin.twin.tiles.metadata import ENUM_MAX, build_columns, schema


def _rows(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row = {"id": f"B{i:05d}", "parent_id": None if i % 7 else f"B{i - 1:05d}",
               "function": rng.choice(["31001_1000", "31001_2000", "", None]),
               "measured_height": rng.choice([10.5, 3, None, math.nan, math.inf]),
               "storeys_above_ground": rng.choice([1, 2.0, None, 3]),
               "year_of_construction": rng.choice([1950, 2**40, None]) if seed else rng.choice([1950, 1999]),
               "name": rng.choice(["a", "b", "c"]),
               "attributes": {"flag": rng.choice([True, False]), "maybe": rng.choice([True, None]),
                              "mixed": rng.choice([1, True, "1", 1.5, [1, 2], {"x": 1}]),
                              "deep": {"a": {"b": rng.choice([1, 2, 3])}, "c": {}},
                              "name": "collides", "nan": math.nan, "big": rng.choice([1, -(2**31), 2**31 - 1]),
                              "text": rng.choice(["x", "y", ""]), "unique": f"u{i}"}}
        if i % 5 == 0:
            del row["attributes"]["mixed"]      # a key some rows lack: missing there
        rows.append(row)
    return rows


def _described(columns) -> list[tuple]:
    return [(c.name, c.id, c.type, c.enum, c.has_missing) for c in columns]


@pytest.mark.parametrize("n,seed", [(40, 0), (40, 1), (3000, 2), (7, 3)])
def test_streaming_types_equal_build_columns(n, seed):
    rows = _rows(n, seed)
    whole = build_columns(rows, BUILDINGS.fields)
    stats = ColumnStats(BUILDINGS.fields)
    stats.add_all(rows)
    types = stats.types()
    assert _described(schema_columns(types)) == _described(whole)
    assert schema({"building": schema_columns(types)}) == schema({"building": whole})
    assert {c.type for c in whole} >= {"ENUM", "STRING", "BOOLEAN", "FLOAT64", "INT32"} or n < 40
    # a partition's columns encode each of its rows as the whole export encodes that row
    pick = sorted(random.Random(seed).sample(range(n), max(1, n // 3)))
    part = partition_columns(types, [rows[i] for i in pick], BUILDINGS.fields)
    for c_whole, c_part in zip(whole, part):
        for k, i in enumerate(pick):
            assert c_part.encode(np.array([k]))[0] == c_whole.encode(np.array([i]))[0], (c_whole.name, i)


def test_many_distinct_strings_are_no_enum():
    rows = [{"id": str(i), "name": f"n{i % (ENUM_MAX + 1)}"} for i in range(8 * ENUM_MAX)]
    stats = ColumnStats()
    stats.add_all(rows)
    assert _described(schema_columns(stats.types())) == _described(build_columns(rows))
    many = [{"id": str(i), "name": f"n{i}"} for i in range(DISTINCT_CAP + 10)]
    stats = ColumnStats()
    stats.add_all(many)
    assert [t.type for t in stats.types()] == [c.type for c in build_columns(many)] == ["STRING", "STRING"]


def test_a_column_past_the_cap_keeps_no_values_and_merges_as_whole():
    # a range of the plan (10,000 rows, ids and names all distinct, one short column): its stats travel from a
    # worker to the coordinator; past DISTINCT_CAP a column's values are dropped, they make no ENUM anyway
    rows = [{"id": f"DEBW{i:08d}", "name": f"Haus {i}", "function": ["31001_1000", "31001_2000"][i % 2]}
            for i in range(10_000)]
    whole, first, second = ColumnStats(), ColumnStats(), ColumnStats()
    whole.add_all(rows)
    first.add_all(rows[:DISTINCT_CAP])       # at the cap: its values still kept
    second.add_all(rows[DISTINCT_CAP:])      # past it only together
    first.flush(), second.flush(), whole.flush()
    assert len(first.stats["name"].distinct) == DISTINCT_CAP and not first.stats["name"].overflow
    assert whole.stats["name"].overflow and whole.stats["name"].distinct == set()
    assert whole.stats["id"].distinct == set() and len(whole.stats["function"].distinct) == 2
    first.merge(second)
    assert first.stats["name"].overflow and first.stats["name"].distinct == set()
    assert first.types() == whole.types()
    assert _described(schema_columns(whole.types())) == _described(build_columns(rows))
    # what travels: a few hundred bytes, not the 20,000 values (over 300 kB pickled)
    assert len(pickle.dumps(whole, protocol=pickle.HIGHEST_PROTOCOL)) < 2_000
