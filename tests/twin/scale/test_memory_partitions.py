"""Issue 13, flat memory: a worker's share of the 3D Tiles export is bounded by a constant, however large the city.

The plan's partitions (twin/tiles/partitioned.py) are the topmost quadtree subtrees with at most
``partition_buildings`` buildings (explicit tiling: at least ``lod1_max_buildings``, so that an LoD1 tile is within
one partition). Checked here on generated districts of three sizes against the buildings the store holds (read with
sqlite, independently of the plan): no task exceeds the bound, the number of tasks grows with the city while the
largest task does not, and every building is in exactly one task (nothing lost or doubled).
"""
from __future__ import annotations

import collections
import sqlite3
from pathlib import Path

import pytest

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.tiles.export import ExportOptions
from geotwin.twin.tiles.partitioned import plan_export

SIZES = (150, 600, 2400)
LIMIT = 120


@pytest.fixture(scope="module")
def cities(tmp_path_factory) -> dict[int, Path]:
    """City model GeoPackages of the generated district at every size of SIZES."""
    out = {}
    for size in SIZES:
        folder = tmp_path_factory.mktemp(f"city{size}")
        generated = generate_district(folder / "district", buildings=size, seed=5, formats=("citygml",))
        gpkg = folder / "city.gpkg"
        import_citymodel([generated.path("citygml")], gpkg, None, "highest", CollectingReporter())
        out[size] = gpkg
    return out


def _stored_ids(gpkg: Path) -> list[str]:
    with sqlite3.connect(gpkg) as con:
        return [r[0] for r in con.execute("SELECT id FROM buildings WHERE geom IS NOT NULL")]


@pytest.mark.parametrize("implicit", [False, True])
def test_a_partition_holds_at_most_the_bound_at_every_city_size(cities, implicit):
    options = ExportOptions(viewer=False, leaf_max_buildings=40, lod1_max_buildings=LIMIT, implicit=implicit)
    largest, tasks = {}, {}
    for size, gpkg in cities.items():
        plan = plan_export(gpkg, options, partition_buildings=LIMIT)
        counts = [len(t.ids) for t in plan.tasks if t.key != "top"]
        assert max(counts) <= LIMIT, (size, counts)
        seen = collections.Counter(i for t in plan.tasks for i in t.ids)
        stored = _stored_ids(gpkg)
        assert len(stored) == size and sorted(seen) == sorted(stored)   # every building planned ...
        assert set(seen.values()) == {1}                                  # ... in exactly one task
        largest[size], tasks[size] = max(counts), len(plan.tasks)
    # the city grows 16x: the number of tasks grows with it, the largest task stays within the bound
    assert tasks[SIZES[-1]] >= 8 * tasks[SIZES[0]] // 2, tasks
    assert all(v <= LIMIT for v in largest.values()), largest


def test_the_top_task_of_implicit_tiling_holds_only_buildings_across_tile_borders(cities):
    """The one task that is not a subtree: its share is the buildings straddling the borders above the partitions,
    a small fraction of the city (not a subtree's worth of buildings at every size)."""
    options = ExportOptions(viewer=False, leaf_max_buildings=40, implicit=True)
    for size, gpkg in cities.items():
        plan = plan_export(gpkg, options, partition_buildings=LIMIT)
        top = [len(t.ids) for t in plan.tasks if t.key == "top"]
        assert not top or top[0] < size / 4, (size, top)
