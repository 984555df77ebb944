"""The batch path of the CityJSON reader (rings of many buildings cleaned at once, _gather + _clean_batch) against
the per-building path (every ring cleaned by itself, ``_ring``), on adversarial files: repeated and closing
indices, rings with fewer than 3 distinct points, holes, corrupt indices, duplicated and broken vertices, several
LoDs, semantics with nulls and out-of-range values, geometry templates, CityJSON 1.0/1.1/2.0 with and without a
transform, as one document and as CityJSONSeq (each feature its own vertex table)."""
from __future__ import annotations

import gc
import json
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geotwin.twin.citymodel import cityjson as cj
from geotwin.twin.citymodel.model import CityObject, Relief, Skipped
from geotwin.twin.kernel.crs import crs_override

CRS = crs_override("EPSG:7415")
# indices into a vertex table of 6 (7 and -1 out of range), with corrupt ones now and then
_INDEX = st.one_of(st.integers(0, 5), st.integers(0, 5), st.integers(-1, 7), st.just(1.0), st.just(True),
                   st.just([0]))


@st.composite
def _good_ring(draw) -> list:
    """3 to 6 distinct indices, with repeated indices and a closing index now and then (the batch cleans those)."""
    ring = draw(st.permutations(range(6)))[:draw(st.integers(3, 6))]
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(ring) - 1))
        ring.insert(at, ring[at])
    return ring + ring[:1] if draw(st.booleans()) else ring


_BAD_RING = st.lists(_INDEX, min_size=0, max_size=7)   # mostly unusable or corrupt: the per-ring path's work
_POLYGON_CLEAN = st.lists(_good_ring(), min_size=1, max_size=3)   # exterior and holes
_POLYGON = st.one_of(_POLYGON_CLEAN, st.lists(st.one_of(_good_ring(), _BAD_RING), min_size=0, max_size=3))
_SEMANTIC = st.one_of(st.integers(0, 3), st.none(), st.just(True), st.just(-1))
_KINDS = ("RoofSurface", "WallSurface", "GroundSurface")


@st.composite
def _geometry(draw, lod: str, clean: bool) -> dict:
    polygons = draw(st.lists(_POLYGON_CLEAN if clean else _POLYGON, min_size=1, max_size=5))
    kind = draw(st.sampled_from(["MultiSurface", "CompositeSurface", "Solid", "MultiSolid"]))
    values = draw(st.one_of(st.none(), st.lists(_SEMANTIC, min_size=0, max_size=len(polygons) + 1)))
    geom: dict = {"type": kind, "lod": lod}
    if kind == "Solid":
        geom["boundaries"] = [polygons]
        values = None if values is None else [values]
    elif kind == "MultiSolid":
        geom["boundaries"] = [[polygons], [polygons[:1]]]
        values = None if values is None else [[values], [values[:1]]]
    else:
        geom["boundaries"] = polygons
    if values is not None:
        geom["semantics"] = {"surfaces": [{"type": t} for t in _KINDS], "values": values}
    return geom


@st.composite
def _building(draw) -> dict:
    lods = draw(st.lists(st.sampled_from(["1", "2", "2.2", 1.2]), min_size=1, max_size=2, unique=True))
    clean = draw(st.integers(0, 3)) > 0   # most buildings take the batch path
    geometries = [draw(_geometry(lod, clean)) for lod in lods]
    if draw(st.booleans()):
        geometries.append({"type": "GeometryInstance", "template": 0, "boundaries": [draw(st.integers(0, 5))],
                           "transformationMatrix": [1, 0, 0, 5, 0, 1, 0, 5, 0, 0, 1, 0, 0, 0, 0, 1]})
    building = {"type": "Building", "geometry": geometries}
    if draw(st.booleans()):
        building["attributes"] = {"measuredHeight": draw(st.one_of(st.none(), st.floats(0, 50), st.just("x"))),
                                  "roofType": draw(st.one_of(st.none(), st.just("1000"), st.just(3)))}
    return building


_UNIQUE = [[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0], [0, 0, 10], [10, 0, 10]]
_VERTICES = st.one_of(
    st.just(_UNIQUE), st.just(_UNIQUE), st.just(_UNIQUE), st.permutations(_UNIQUE).map(list),
    st.just([[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0], [0, 0, 0], [10, 0, 10]]),  # a duplicated vertex
    st.just([[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0], [0, 0, 10], [float("nan"), 0, 10]]),  # a broken one
    st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=6, max_size=6),  # many repeats
)
_TEMPLATES = {"templates": [{"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 2]], [[0, 1, 1, 0]]]}],
              "vertices-templates": [[0, 0, 0], [1, 0, 0], [0, 1, 0]]}


def _header(version: str, transform: bool) -> dict:
    header = {"type": "CityJSON", "version": version, "CityObjects": {}, "vertices": [],
              "geometry-templates": _TEMPLATES}
    if transform:
        header["transform"] = {"scale": [0.001, 0.001, 0.001], "translate": [85000.0, 446000.0, 0.0]}
    return header


def _placed(vertices: list, transform: bool) -> list:
    """Vertices as written: integers with a transform, else coordinates in the Netherlands (as the transform
    would place them)."""
    return vertices if transform else [[x * 0.001 + 85000, y * 0.001 + 446000, z * 0.001] for x, y, z in vertices]


def _seq(path: Path, version: str, transform: bool, features: list[tuple[list, dict]]) -> Path:
    lines = [json.dumps(_header(version, transform))]
    for n, (vertices, building) in enumerate(features):
        lines.append(json.dumps({"type": "CityJSONFeature", "id": f"b{n}", "CityObjects": {f"b{n}": building},
                                 "vertices": _placed(vertices, transform)}))
    path.write_text("\n".join(lines) + "\n")
    return path


def _document(path: Path, version: str, transform: bool, features: list[tuple[list, dict]]) -> Path:
    """The buildings in one document: each one's indices shifted onto one shared vertex table."""
    doc = _header(version, transform)
    for n, (vertices, building) in enumerate(features):
        shift = len(doc["vertices"])
        doc["vertices"] += _placed(vertices, transform)
        shifted = json.loads(json.dumps(building))
        for geom in shifted["geometry"]:
            geom["boundaries"] = _shift(geom["boundaries"], shift)
        doc["CityObjects"][f"b{n}"] = shifted
    path.write_text(json.dumps(doc))
    return path


def _shift(value, shift: int):
    if isinstance(value, list):
        return [_shift(v, shift) for v in value]
    return value + shift if type(value) is int else value


def _rows(path: Path, batch: int) -> list[tuple]:
    source = cj.read_cityjson(path, CRS)
    source.BATCH = batch
    out: list[tuple] = []
    for item in source:
        if isinstance(item, Skipped):
            out.append(("skipped", item.object_id, item.reason, item.line))
        elif isinstance(item, CityObject):
            out.append(("object", item.id, item.lod, item.lods_available, item.line, item.attributes,
                        [(s.surface_type, s.id, s.lod, [r.tolist() for r in s.rings]) for s in item.surfaces],
                        [[r.tolist() for r in rings] for rings in item.footprint_rings]))
        else:
            assert isinstance(item, Relief)
            out.append(("relief", item.id))
    return out


def _per_building(path: Path) -> list[tuple]:
    """What the reader gives with every ring cleaned by itself (the batch path switched off)."""
    with mock.patch.object(cj, "_gather", lambda *args: None):
        return _rows(path, 1)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_VERTICES, _building()), min_size=1, max_size=8),
       st.sampled_from([("1.0", False), ("1.0", True), ("1.1", True), ("2.0", True)]), st.integers(1, 5))
def test_batch_cleaner_equals_the_per_building_cleaner(tmp_path, features, version, batch):
    """Every row the batch path gives (objects with their surfaces, skipped rows, in order) is the per-building
    path's, for batches of 1 to 5 buildings over features with their own vertex tables and over one document."""
    seq = _seq(tmp_path / "f.city.jsonl", *version, features)
    expected = _per_building(seq)
    assert _rows(seq, batch) == expected
    assert _rows(seq, 256) == expected
    doc = _document(tmp_path / "f.city.json", *version, features)
    assert _rows(doc, batch) == _per_building(doc)


def test_batch_spans_features_with_their_own_vertex_tables(tmp_path):
    """Two features whose index 0..3 name different points: one batch holds both, each ring takes its own
    feature's coordinates (the tables are concatenated with offsets); repeated and closing indices dropped."""
    square = [[0, 0, 0], [1000, 0, 0], [1000, 1000, 0], [0, 1000, 0]]
    moved = [[x + 5000, y, z + 2000] for x, y, z in square]
    ring = {"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 1, 2, 3, 0]]],
            "semantics": {"surfaces": [{"type": "GroundSurface"}], "values": [0]}}
    path = _seq(tmp_path / "two.city.jsonl", "2.0", True,
                [(square, {"type": "Building", "geometry": [ring]}), (moved, {"type": "Building", "geometry": [ring]})])
    rows = _rows(path, 256)
    first, second = (row[6][0][3][0] for row in rows)
    assert first == [[85000.0, 446000.0, 0.0], [85001.0, 446000.0, 0.0], [85001.0, 446001.0, 0.0],
                     [85000.0, 446001.0, 0.0]]
    assert second == [[x + 5, y, z + 2] for x, y, z in first]
    assert [row[6][0][:3] for row in rows] == [("GroundSurface", "b0_2_1", "2"), ("GroundSurface", "b1_2_1", "2")]


def test_a_batch_holds_at_most_batch_buildings(tmp_path):
    """Items are released when BATCH buildings wait: with BATCH 2 the first two arrive after 2 of 5 lines."""
    tri = {"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 2]]]}
    verts = [[0, 0, 0], [1000, 0, 0], [0, 1000, 0]]
    path = _seq(tmp_path / "five.city.jsonl", "2.0", True, [(verts, {"type": "Building", "geometry": [tri]})] * 5)
    source = cj.read_cityjson(path, CRS)
    source.BATCH = 2
    it = iter(source)
    assert [next(it).id, next(it).id] == ["b0", "b1"]
    lines = path.read_bytes().splitlines(keepends=True)
    assert source.progress == pytest.approx(sum(map(len, lines[:3])) / path.stat().st_size)  # header + 2 lines
    assert [o.id for o in it] == ["b2", "b3", "b4"]


def test_gc_frozen_while_read_and_released_after(tmp_path):
    """The objects alive when reading starts are frozen (out of the collector's traversals) until the last
    reader ends, also when a reader is abandoned half way; nested holds share one freeze."""
    tri = {"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 2]]]}
    verts = [[0, 0, 0], [1000, 0, 0], [0, 1000, 0]]
    path = _seq(tmp_path / "three.city.jsonl", "2.0", True, [(verts, {"type": "Building", "geometry": [tri]})] * 3)
    assert gc.get_freeze_count() == 0
    first, second = iter(cj.read_cityjson(path, CRS)), iter(cj.read_cityjson(path, CRS))
    next(first)
    assert gc.get_freeze_count() > 0
    next(second)
    assert gc.get_freeze_count() > 0
    first.close()  # abandoned: the other reader still holds the freeze
    assert gc.get_freeze_count() > 0
    assert len(list(second)) == 2
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError, match="inside"), cj.gc_frozen():
        raise RuntimeError("inside")
    assert gc.get_freeze_count() == 0


def test_gc_frozen_raises_the_young_threshold_and_restores_it(tmp_path):
    """While a reader holds gc_frozen the young generation is collected every GC_YOUNG allocations; the threshold
    in force before (a custom one too) comes back when the last hold ends: after a read, an abandoned reader,
    nested holds and an exception; the older generations' thresholds are never touched."""
    tri = {"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 2]]]}
    verts = [[0, 0, 0], [1000, 0, 0], [0, 1000, 0]]
    path = _seq(tmp_path / "three.city.jsonl", "2.0", True, [(verts, {"type": "Building", "geometry": [tri]})] * 3)
    saved = gc.get_threshold()
    try:
        gc.set_threshold(555, 7, 9)
        reader = iter(cj.read_cityjson(path, CRS))
        next(reader)
        assert gc.get_threshold() == (cj.GC_YOUNG, 7, 9) == (20000, 7, 9)
        with cj.gc_frozen():
            assert gc.get_threshold() == (20000, 7, 9)
        assert gc.get_threshold() == (20000, 7, 9)   # the reader still holds it
        reader.close()
        assert gc.get_threshold() == (555, 7, 9)
        assert len(list(cj.read_cityjson(path, CRS))) == 3
        assert gc.get_threshold() == (555, 7, 9)
        with pytest.raises(ValueError, match="mid-read"), cj.gc_frozen():
            assert gc.get_threshold() == (20000, 7, 9)
            raise ValueError("mid-read")
        assert gc.get_threshold() == (555, 7, 9)
        gc.set_threshold(50000, 7, 9)   # higher already: kept as it is
        with cj.gc_frozen():
            assert gc.get_threshold() == (50000, 7, 9)
        assert gc.get_threshold() == (50000, 7, 9) and gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*saved)


def test_gather_refuses_what_needs_the_per_ring_path():
    """_gather gives None (the per-ring path then names the problem) for every case the batch cannot clean."""
    good = cj._Vertices(np.array([[0., 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]]))
    cases = [[[[0, 1]]], [[[0, 1, 0, 1]]], [[[0, 1, 2.0]]], [[[0, 1, 4]]], [[[0, 1, -1]]], [[[0, [1], 2]]], [[]],
             [[[0, 1, 2], 3]], [5], [[[]]]]
    for boundaries in cases:
        assert cj._gather("b", {"type": "MultiSurface", "boundaries": boundaries}, good, "2") is None, boundaries
    duplicated = cj._Vertices(np.array([[0., 0, 0], [1, 0, 0], [1, 1, 0], [0, 0, 0]]))
    assert cj._gather("b", {"type": "MultiSurface", "boundaries": [[[0, 1, 2]]]}, duplicated, "2") is None
    gathered = cj._gather("b", {"type": "MultiSurface", "boundaries": [[[0, 1, 2, 0], [1, 2, 3]], [[3, 2, 1]]],
                                "semantics": {"surfaces": [{"type": "WallSurface"}], "values": [0]}}, good, "2")
    assert gathered is not None
    assert (gathered.flat, gathered.lengths, gathered.polygon_rings, gathered.kinds) == (
        [0, 1, 2, 0, 1, 2, 3, 3, 2, 1], [4, 3, 3], [2, 1], ["WallSurface", ""])


def test_other_objects_and_terrain_are_not_held_for_a_batch(tmp_path):
    """Objects of other types are released 4 BATCH at a time even while no building waits, and a terrain at once
    (with the buildings before it): a file of mostly other objects is never held whole."""
    tree = {"type": "SolitaryVegetationObject", "geometry": []}
    tri = {"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 2]]]}
    tin = {"type": "TINRelief", "geometry": [{"type": "CompositeSurface", "lod": "1", "boundaries": [[[0, 1, 2]]]}]}
    verts = [[0, 0, 0], [1000, 0, 0], [0, 1000, 0]]
    features = ([(verts, {"type": "Building", "geometry": [tri]})] + [(verts, tree)] * 9
                + [(verts, tin)] + [(verts, {"type": "Building", "geometry": [tri]})])
    path = _seq(tmp_path / "mixed.city.jsonl", "2.0", True, features)
    source = cj.read_cityjson(path, CRS)
    source.BATCH = 2   # held: at most 8 items
    it = iter(source)
    first = [next(it) for _ in range(8)]
    assert isinstance(first[0], CityObject) and first[0].surfaces and all(isinstance(o, Skipped) for o in first[1:])
    lines = path.read_bytes().splitlines(keepends=True)
    assert source.progress == pytest.approx(sum(map(len, lines[:9])) / path.stat().st_size)  # header + 8 lines
    rest = list(it)
    assert [type(o).__name__ for o in rest] == ["Skipped"] * 2 + ["Relief", "CityObject"]
    assert [o.id for o in rest[2:]] == ["b10", "b11"] and rest[3].surfaces
    source = cj.read_cityjson(path, CRS)
    it = iter(source)   # BATCH 256: the terrain releases everything before it
    before = [next(it) for _ in range(11)]
    assert isinstance(before[-1], Relief)
    assert source.progress == pytest.approx(sum(map(len, lines[:12])) / path.stat().st_size)


def test_a_freeze_made_by_someone_else_is_left_alone(tmp_path):
    """When objects are frozen already (e.g. before a fork), reading neither freezes more nor unfreezes them."""
    tri = {"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 2]]]}
    verts = [[0, 0, 0], [1000, 0, 0], [0, 1000, 0]]
    path = _seq(tmp_path / "one.city.jsonl", "2.0", True, [(verts, {"type": "Building", "geometry": [tri]})])
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        source = iter(cj.read_cityjson(path, CRS))
        first = next(source)   # reading: the objects made since the freeze (the source's) stay unfrozen
        assert 0 < gc.get_freeze_count() <= frozen
        assert first.id == "b0" and list(source) == []
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


_MALFORMED = st.one_of(st.just([]), st.just([[0, 0]] * 6), st.just([[0, 0, 0, 0]] * 6), st.just("x"),
                       st.just([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], ["a", 0, 0]]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.one_of(_VERTICES, _MALFORMED), _building()), min_size=1, max_size=12),
       st.integers(1, 5))
def test_vertex_tables_of_many_lines_equal_each_lines_own(tmp_path, features, lines):
    """The vertices of a run of CityJSONSeq lines converted, transformed and checked at once (_vertex_tables, with
    duplicates found per feature by one sort) give every row, coordinate for coordinate, and every skipped row that
    each line's own table (_vertices, _Vertices) gives, also with malformed, empty and broken vertices."""
    seq = _seq(tmp_path / "f.city.jsonl", "2.0", True, features)
    with mock.patch.object(cj.CityJSONSource, "SEQ_BATCH", lines):
        batched = _rows(seq, 256)
    with mock.patch.object(cj.CityJSONSource, "_vertex_tables", lambda self, raws: None):
        assert _rows(seq, 256) == batched
    assert len(batched) >= len(features)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1000, 3000), st.sampled_from(["none", "copy", "signed-zero", "close"]),
       st.booleans())
def test_vertex_uniqueness_of_large_arrays_as_np_unique(seed, count, twist, bad):
    """_Vertices.unique of an array of 1,000 or more vertices (one lexicographic sort of the rows' bit patterns
    when every vertex is finite and sane) equals np.unique(axis=0)'s verdict: a repeated row, -0.0 against 0.0
    (equal), a row one ulp away (distinct), NaN and absurd rows (np.unique itself then)."""
    rng = np.random.default_rng(seed)
    array = np.round(rng.uniform(-50, 50, (count, 3)), 1)   # coarse: rows that share a column or two
    array[:, 0] += np.arange(count)   # all rows distinct to start with
    i, j = rng.integers(0, count, 2)
    if twist == "copy" and i != j:
        array[j] = array[i]
    elif twist == "signed-zero" and i != j:
        array[i, 1:] = array[j, 1:] = 0.0
        array[i, 0], array[j, 0] = 0.0, -0.0
    elif twist == "close" and i != j:
        array[j] = array[i]
        array[j, 2] = np.nextafter(array[i, 2], np.inf)
    if bad:
        array[rng.integers(0, count, 2)] = [np.nan, 1.0, 2.0]   # two equal NaN rows: distinct for np.unique
        array[rng.integers(0, count)] = [1e300, 0.0, 0.0]
    vertices = cj._Vertices(array)
    assert vertices.unique == (len(np.unique(array, axis=0)) == count)
    assert bool(vertices.bad) == bad
    if twist in ("copy", "signed-zero") and i != j and not bad:
        assert not vertices.unique
