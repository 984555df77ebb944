"""The writer's blobs of polygons of one ring each (``_one_ring_blobs``, a building's surfaces) are byte for byte the
blobs of its general way (every head scattered into one buffer), which a batch with one polygon of two rings takes:
for Polygon(Z) and MultiPolygon(Z) blobs, in 2D and 3D, rings of one size and of many, and the batches the fast way
leaves to the general one (an empty ring, more than 64 ring sizes). Independently, every blob decodes (shapely) to
its polygon's points and its header holds their envelope."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from geotwin.twin.kernel.gpkg import _interleave, ragged_polygon_blobs

SRS = 25832


def _rings(seed: int, count: int, sizes: tuple[int, int], dims: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` closed rings of sizes[0] to sizes[1] - 1 points (the last repeats the first) around map coordinates."""
    rng = np.random.default_rng(seed)
    points = rng.integers(sizes[0], sizes[1], count)
    rings = []
    for n in points.tolist():
        ring = rng.normal(size=(n - 1, dims)) * 50 + [456000.0, 5428000.0, 110.0][:dims]
        rings.append(np.vstack([ring, ring[:1]]))
    return np.concatenate(rings), points


def _general(points: np.ndarray, ring_points: np.ndarray, multi: bool) -> tuple[list[bytes], np.ndarray]:
    """The blobs of the general way: the same polygons with one more of two rings (the fast way's refusal), cut off."""
    dims = points.shape[1]
    square = np.array([[0.0, 0, 5], [4, 0, 5], [4, 4, 5], [0, 4, 5], [0, 0, 5]])[:, :dims]
    hole = np.array([[1.0, 1, 5], [1, 2, 5], [2, 2, 5], [2, 1, 5], [1, 1, 5]])[:, :dims]
    extra = np.concatenate([points, square, hole])
    rings = np.concatenate([ring_points, [5, 5]])
    polygons = np.concatenate([np.ones(len(ring_points), dtype=np.int64), [2]])
    groups = np.ones(len(polygons), dtype=np.int64) if multi else None
    blobs, env = ragged_polygon_blobs(extra, rings, polygons, groups, SRS)
    return blobs[:-1], env[:-1]


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("sizes", [(5, 6), (4, 12), (4, 100)])   # one size, a few, more than 64 (general way)
def test_one_ring_blobs_are_the_general_blobs(dims, multi, sizes):
    points, ring_points = _rings(sizes[1] * dims + multi, 300, sizes, dims)
    ones = np.ones(len(ring_points), dtype=np.int64)
    blobs, env = ragged_polygon_blobs(points, ring_points, ones, ones if multi else None, SRS)
    expected, expected_env = _general(points, ring_points, multi)
    assert blobs == expected
    assert np.array_equal(env, expected_env)
    head = 8 + 16 * dims
    starts = np.cumsum(ring_points) - ring_points
    for blob, start, n, box in zip(blobs, starts.tolist(), ring_points.tolist(), env):
        ring = points[start:start + n]
        shape = shapely.from_wkb(blob[head:])
        assert shape.geom_type == ("MultiPolygon" if multi else "Polygon")
        polygon = shape.geoms[0] if multi else shape
        assert np.array_equal(shapely.get_coordinates(polygon, include_z=dims == 3), ring)
        low, high = ring.min(axis=0), ring.max(axis=0)
        assert np.frombuffer(blob[8:head], dtype="<f8").tolist() == np.column_stack([low, high]).ravel().tolist()
        assert box.tolist() == np.column_stack([low, high]).ravel().tolist()
        assert blob[:4] == b"GP\x00" + bytes([0x01 | ((2 if dims == 3 else 1) << 1)])
        assert int.from_bytes(blob[4:8], "little") == SRS


def test_an_empty_ring_takes_the_general_way():
    points, ring_points = _rings(7, 20, (4, 9), 3)
    ring_points = np.concatenate([[0], ring_points])   # a ring without points: no layout of its own
    ones = np.ones(len(ring_points), dtype=np.int64)
    blobs, env = ragged_polygon_blobs(points, ring_points, ones, None, SRS)
    expected, expected_env = _general(points, ring_points, False)
    assert blobs == expected
    assert np.array_equal(env, expected_env, equal_nan=True)
    assert len(blobs[0]) == 8 + 48 + 9 + 4   # its head, polygon head and ring of 0 points


def test_interleave_is_rows_one_after_another_and_zip_for_unequal_columns():
    columns = [[1, 2, 3], ["a", "b", "c"], [None, 2.5, None]]
    assert _interleave(columns, 3) == [1, "a", None, 2, "b", 2.5, 3, "c", None]
    assert _interleave([[1, 2, 3], ["a", "b"]], 3) == [1, "a", 2, "b"]   # as zip: the shortest column decides
    assert _interleave([], 0) == []
