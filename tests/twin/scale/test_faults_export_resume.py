"""The partitioned 3D Tiles export resumes (twin/tiles/resume.py): a partition that fails on bad input (a truncated
surface geometry in one subtree) is named, the others finish and are kept in ``OUT.geotwin-work``; exported again,
only the failed partition is tiled, and the tileset equals a clean export byte for byte. The same after a cancel on
the real cluster. The work folder is removed after success; a folder of its name that is not ours is refused and
left untouched."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from geotwin.twin.kernel.errors import Cancelled, GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.scale.cluster import dask_mapper, serial_mapper
from geotwin.twin.scale.export import export_tiles
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.partitioned import plan_export
from geotwin.twin.tiles.resume import part_name

OPTIONS = ExportOptions(viewer=False, lod1_max_buildings=60)
PER_PARTITION = 60


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != REPORT_NAME}


def _report(folder: Path) -> dict:
    """The export report without what differs between two runs of the same export (the partitions' timings, and
    the total size, which counts the report with its timings, and whether a partition was resumed)."""
    report = json.loads((folder / REPORT_NAME).read_text(encoding="utf-8"))
    report["sizes"].pop("total_bytes")
    for p in report["partitions"]:
        p.pop("seconds")
        p.pop("resumed")   # whether its folder was kept from an unfinished export; the test checks it apart
    report["partitions"].sort(key=lambda p: p["key"])   # in the order they finished
    report["skipped"].sort()
    return report


def _buildings(gpkg: Path) -> int:
    with sqlite3.connect(gpkg) as con:
        return int(con.execute("SELECT count(*) FROM buildings WHERE geom IS NOT NULL").fetchone()[0])


class _Surface:
    """One surface geometry of a building, truncated in place (bad input) and restored: the R-tree triggers of the
    GeoPackage are given the surface's own box, so only the blob changes."""

    def __init__(self, gpkg: Path, building: str):
        self.gpkg = gpkg
        with sqlite3.connect(gpkg) as con:
            self.fid, self.blob = con.execute("SELECT fid, geom FROM building_surfaces WHERE building_id = ? "
                                              "ORDER BY fid LIMIT 1", (building,)).fetchone()
            self.box = con.execute("SELECT minx, maxx, miny, maxy FROM rtree_building_surfaces_geom WHERE id = ?",
                                   (self.fid,)).fetchone()

    def _set(self, blob: bytes) -> None:
        con = sqlite3.connect(self.gpkg)
        try:
            for name, value in zip(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"), self.box):
                con.create_function(name, 1, lambda _g, v=value: v)
            con.create_function("ST_IsEmpty", 1, lambda _g: 0)
            con.execute("UPDATE building_surfaces SET geom = ? WHERE fid = ?", (blob, self.fid))
            con.commit()
        finally:
            con.close()

    def truncate(self) -> None:
        self._set(self.blob[:len(self.blob) // 2])

    def restore(self) -> None:
        self._set(self.blob)


def _victim(twin: Path):
    """A partition (not the top tiles') and one of its buildings with a surface that no other partition's read box
    reaches (a partition reads its boxes whole, then keeps its own buildings: a bad row fails every reader)."""
    plan = plan_export(twin, OPTIONS, partition_buildings=PER_PARTITION)
    assert len(plan.tasks) >= 4

    def reaches(task, box):
        return any(b[0] <= box[1] and box[0] <= b[2] and b[1] <= box[3] and box[2] <= b[3] for b, _ in task.reads)

    with sqlite3.connect(twin) as con:
        for task in (t for t in plan.tasks if t.key != "top"):
            for building in task.ids:
                row = con.execute("SELECT r.minx, r.maxx, r.miny, r.maxy FROM building_surfaces s JOIN "
                                  "rtree_building_surfaces_geom r ON r.id = s.fid WHERE s.building_id = ? "
                                  "ORDER BY s.fid LIMIT 1", (building,)).fetchone()
                if row and [t for t in plan.tasks if reaches(t, row)] == [task]:
                    return plan, task, building
    raise AssertionError("no surface is read by one partition alone")


def _inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_a_partition_failing_on_bad_input_is_named_and_a_rerun_tiles_only_it(single, client, tmp_path):
    twin = tmp_path / "twin.gpkg"
    shutil.copy(single["twin"], twin)
    clean = export_tiles(twin, tmp_path / "clean", OPTIONS, CollectingReporter(), dask_mapper(client),
                         partition_buildings=PER_PARTITION)
    plan, victim, building = _victim(twin)
    surface = _Surface(twin, building)
    surface.truncate()
    out, work = tmp_path / "tiles", tmp_path / "tiles.geotwin-work"
    others = len(plan.tasks) - 1
    with pytest.raises(GeoTwinError, match=rf"1 of {len(plan.tasks)} partitions failed; the output is unchanged: "
                                           rf"{re.escape(victim.name)} \({len(victim.ids)} buildings\) failed: .*"
                                           rf"Unable to read geometry \({others} finished partition\(s\) are kept in "
                                           rf"{re.escape(str(work))}: export again to tile only the failed ones\)"):
        export_tiles(twin, out, OPTIONS, CollectingReporter(), dask_mapper(client), partition_buildings=PER_PARTITION)
    assert not out.exists()
    manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stage"] == "export" and manifest["target"] == "tiles"
    assert sorted(manifest["partitions"]) == sorted(t.key for t in plan.tasks if t is not victim)
    assert not (work / "parts" / part_name(victim.key)).exists()
    kept = _inodes(work / "parts")
    digests = {e["key"]: e["digest"] for e in clean.report["partitions"]}
    assert {k: e["fingerprint"] for k, e in manifest["partitions"].items()} == \
        {k: d for k, d in digests.items() if k != victim.key}   # the same digests as the clean export's

    surface.restore()
    reporter = CollectingReporter()
    again = export_tiles(twin, out, OPTIONS, reporter, dask_mapper(client, reporter),
                         partition_buildings=PER_PARTITION)
    assert f"{others} of {len(plan.tasks)} partition(s) kept from the unfinished export in {work}" in reporter.infos
    assert again.summary.buildings == _buildings(twin) == 400
    assert sum(p["buildings"] for p in again.report["partitions"]) == 400
    assert _files(out) == _files(tmp_path / "clean") and again.tiles == clean.tiles
    resumed = {p["key"]: p["resumed"] for p in again.report["partitions"]}
    assert resumed == {t.key: t is not victim for t in plan.tasks}   # the kept ones, not the one tiled again
    assert _report(out) == _report(tmp_path / "clean")
    # the kept partitions' tiles are the very files of the failed run; only the victim's are new
    final = _inodes(out)
    contents = next(p["summary"]["contents"] for p in again.report["partitions"] if p["key"] == victim.key)
    victim_tiles = {name for name in final if any(name.startswith(f"tiles/{k}.") for k in contents)}
    reused = {name for name, inode in final.items() if inode in set(kept.values())}
    assert victim_tiles and reused and not victim_tiles & reused
    assert len(reused) == sum(1 for name in kept if name.split("/", 1)[1] != "summary.json")
    assert not work.exists()
    assert _files(tmp_path / "clean") == _files(export_3dtiles(twin, tmp_path / "single", OPTIONS).output)


def test_a_cancelled_export_on_the_cluster_keeps_its_finished_partitions_and_resumes(single, client, tmp_path):
    class CancelAfterFirst(CollectingReporter):
        def is_cancelled(self):
            return self.last_progress > 20   # the plan is done and a partition finished

    reporter = CancelAfterFirst()
    out, work = tmp_path / "tiles", tmp_path / "tiles.geotwin-work"
    with pytest.raises(Cancelled, match="cancelled by the user"):
        export_tiles(single["twin"], out, OPTIONS, reporter, dask_mapper(client, reporter), partition_buildings=30)
    assert not out.exists()

    def ours(dask_scheduler):
        return [str(k) for k, t in dask_scheduler.tasks.items()
                if str(k).startswith("_Run-") and t.state in ("processing", "queued", "waiting", "no-worker")]

    def executing(dask_worker):
        return dask_worker.state.executing_count

    deadline = time.monotonic() + 30
    while (client.run_on_scheduler(ours) or any(client.run(executing).values())) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.run_on_scheduler(ours) == [] and not any(client.run(executing).values())
    plan = plan_export(single["twin"], OPTIONS, partition_buildings=30)
    finished = json.loads((work / "manifest.json").read_text(encoding="utf-8"))["partitions"]
    assert 1 <= len(finished) < len(plan.tasks)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiles.geotwin-work"]   # nothing outside the work folder

    again = CollectingReporter()
    result = export_tiles(single["twin"], out, OPTIONS, again, dask_mapper(client, again), partition_buildings=30)
    assert f"{len(finished)} of {len(plan.tasks)} partition(s) kept from the unfinished export in {work}" in again.infos
    reference = export_3dtiles(single["twin"], tmp_path / "reference", OPTIONS)
    assert _files(out) == _files(reference.output) and result.summary.buildings == 400
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reference", "tiles"]


def test_a_cancel_before_any_partition_finished_leaves_nothing(single, tmp_path):
    class CancelAfterPlan(CollectingReporter):
        def is_cancelled(self):
            return self.last_progress >= 20   # the plan is done: no partition has run

    reporter = CancelAfterPlan()
    with pytest.raises(Cancelled, match="cancelled by the user"):
        export_tiles(single["twin"], tmp_path / "tiles", OPTIONS, reporter, serial_mapper(reporter),
                     partition_buildings=PER_PARTITION)
    assert list(tmp_path.iterdir()) == []


def test_a_partition_whose_rows_changed_since_the_failed_run_is_tiled_again(single, tmp_path):
    """A building deleted from a kept partition between the runs: that partition's digest changes and it is tiled
    again; the tileset equals the single-process export of the changed store."""
    twin = tmp_path / "twin.gpkg"
    shutil.copy(single["twin"], twin)
    plan, victim, building = _victim(twin)
    surface = _Surface(twin, building)
    surface.truncate()
    with pytest.raises(GeoTwinError, match=re.escape(victim.name)):
        export_tiles(twin, tmp_path / "tiles", OPTIONS, CollectingReporter(), serial_mapper(),
                     partition_buildings=PER_PARTITION)
    surface.restore()
    changed = next(t for t in plan.tasks if t is not victim and t.key != "top")
    with sqlite3.connect(twin) as con:
        con.execute("DELETE FROM buildings WHERE id = ?", (changed.ids[-1],))
    reporter = CollectingReporter()
    result = export_tiles(twin, tmp_path / "tiles", OPTIONS, reporter, serial_mapper(),
                          partition_buildings=PER_PARTITION)
    assert [t.key for t in plan_export(twin, OPTIONS, partition_buildings=PER_PARTITION).tasks] == \
        [t.key for t in plan.tasks]   # the same partitions: all but the victim and the changed one are kept
    assert f"{len(plan.tasks) - 2} of {len(plan.tasks)} partition(s) kept from the unfinished export in " \
           f"{tmp_path / 'tiles.geotwin-work'}" in reporter.infos
    assert result.summary.buildings == _buildings(twin) == 399
    assert _files(tmp_path / "tiles") == _files(export_3dtiles(twin, tmp_path / "single", OPTIONS).output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["single", "tiles", "twin.gpkg"]


def test_a_folder_of_the_work_folders_name_that_is_not_ours_is_refused_and_left_alone(single, tmp_path):
    foreign = tmp_path / "tiles.geotwin-work"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(GeoTwinError, match="not the work folder of an unfinished GeoTwin export of 'tiles': move it "
                                           "away or choose another output folder"):
        export_tiles(single["twin"], tmp_path / "tiles", OPTIONS, CollectingReporter(), serial_mapper())
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"] and not (tmp_path / "tiles").exists()
    (foreign / "notes.txt").unlink()
    (foreign / "manifest.json").write_text(json.dumps({"stage": "export", "target": "other", "partitions": {}}))
    with pytest.raises(GeoTwinError, match="not the work folder of an unfinished GeoTwin export of 'tiles'"):
        export_tiles(single["twin"], tmp_path / "tiles", OPTIONS, CollectingReporter(), serial_mapper())
    assert [p.name for p in foreign.iterdir()] == ["manifest.json"]
