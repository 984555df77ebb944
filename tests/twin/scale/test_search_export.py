"""The partitioned export's web map search index (twin/tiles/partitioned.py with twin/tiles/search_index.py): with
the viewer, the sharded index (search/) is the single-process export's byte for byte, run serially and on the real Dask cluster,
after a resumed export (a failed partition and a kept partition's removed rows tiled again) and when exported
again into the same folder (every partition kept from the earlier export)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from geotwin.tests.twin.tiles.test_search_shards import index_files, listed_ids
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.scale.cluster import dask_mapper, serial_mapper
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.partitioned import Failure, Task, export_partitioned
from geotwin.twin.tiles.resume import part_name, work_folder
from geotwin.twin.tiles.search_index import PART_SUFFIX, PARTS_DIR, SEARCH_DIR, SEARCH_FILE

OPTIONS = ExportOptions(lod1_max_buildings=60, cesium_url="https://cesium.example/Cesium.js")
PER_PARTITION = 60


def _search(folder: Path) -> dict[str, bytes]:
    return index_files(folder)


def _inodes(part: Path) -> dict[str, int]:
    return {p.relative_to(part).as_posix(): p.stat().st_ino for p in (part / "tiles").rglob("*") if p.is_file()}


def _single(city: Path, folder: Path) -> dict[str, bytes]:
    export_3dtiles(city, folder, OPTIONS)
    data = _search(folder)
    assert len(listed_ids(folder)) == 400   # every building
    index = json.loads(data["index.json"])
    assert len(data) == len(index["shards"]) + 1 and index["buildings"] == 400
    return data


def test_the_search_index_equals_the_single_exports_serially_and_on_the_cluster(single, client, tmp_path):
    expected = _single(single["city"], tmp_path / "single")
    for name, mapper in (("serial", serial_mapper()), ("dask", dask_mapper(client))):
        result = export_partitioned(single["city"], tmp_path / name, OPTIONS, CollectingReporter(), mapper,
                                    partition_buildings=PER_PARTITION)
        assert len(result.report["partitions"]) >= 4
        assert _search(tmp_path / name) == expected, name
        assert result.report["search"] == {"file": SEARCH_FILE, "buildings": 400, "shards": len(expected) - 1}
        assert not work_folder(tmp_path / name).exists()   # each partition's rows stay for the next export's reuse
        assert sorted(p.name for p in (tmp_path / name / PARTS_DIR).iterdir()) == \
            sorted(f"{part_name(p['key'])}{PART_SUFFIX}" for p in result.report["partitions"])
    plain = export_partitioned(single["city"], tmp_path / "plain", ExportOptions(viewer=False, lod1_max_buildings=60),
                               partition_buildings=PER_PARTITION)
    assert not (tmp_path / "plain" / SEARCH_DIR).exists() and plain.report["search"] is None
    assert not (tmp_path / "plain" / PARTS_DIR).exists()


def test_a_resumed_export_writes_the_same_search_index(single, tmp_path):
    expected = _single(single["city"], tmp_path / "single")
    target = tmp_path / "parts"
    failing: list[str] = []

    def fail_one(fn, tasks):
        for task in tasks:
            if not isinstance(task, Task):   # the plan's passes over the rows (planscan)
                yield fn(task)
            elif not failing and task.key != "top":
                failing.append(task.key)
                yield Failure(task.name, f"{task.name} failed: on purpose")
            else:
                yield fn(task)

    with pytest.raises(GeoTwinError, match=r"1 of \d+ partitions failed; the output is unchanged: .* on purpose"):
        export_partitioned(single["city"], target, OPTIONS, CollectingReporter(), fail_one,
                           partition_buildings=PER_PARTITION)
    parts = work_folder(target) / "parts"
    kept = sorted(p.name for p in parts.iterdir() if not p.name.startswith("."))
    assert part_name(failing[0]) not in kept and len(kept) >= 3
    rows = sorted(parts.glob(f"*/{PARTS_DIR}/*{PART_SUFFIX}"))
    assert [r.parent.parent.name for r in rows] == kept   # every kept partition holds its rows
    inodes = {p.name: _inodes(p) for p in parts.iterdir() if p.name in kept}
    removed = rows[0].parent.parent.name
    rows[0].unlink()   # this partition cannot be kept now: it is tiled again with the failed one
    reporter = CollectingReporter()   # the removed one's folder is not counted as kept
    result = export_partitioned(single["city"], target, OPTIONS, reporter, partition_buildings=PER_PARTITION)
    assert _search(target) == expected
    assert f"{len(kept) - 1} of {len(kept) + 1} partition(s) kept" in " ".join(reporter.infos)
    assert result.report["search"] == {"file": SEARCH_FILE, "buildings": 400, "shards": len(expected) - 1}
    for name, files in inodes.items():   # a kept partition's tiles are linked into the tileset, not written again
        now = {f: (target / f).stat().st_ino for f in files}
        assert (now == files) == (name != removed), name
    assert not work_folder(target).exists() and len(list((target / PARTS_DIR).iterdir())) == len(kept) + 1
    # exported again into the same folder: every partition is the earlier one's, the index the same
    again = export_partitioned(single["city"], target, OPTIONS, partition_buildings=PER_PARTITION)
    assert all(p["reused"] for p in again.report["partitions"]) and _search(target) == expected
    report = json.loads((target / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["search"]["buildings"] == 400
