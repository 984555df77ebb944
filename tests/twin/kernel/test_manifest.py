"""The partition manifest shared by the partitioned import, build and export (twin/kernel/manifest.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.manifest import MANIFEST, PartitionManifest
from geotwin.twin.scale.manifest import Manifest
from geotwin.twin.tiles.resume import WorkFolder


def test_saved_file_is_the_sorted_json_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    m = PartitionManifest(tmp_path / "w", {"stage": "build", "target": "t"})
    m.record("b", {"fingerprint": "2"})
    m.record("a", {"fingerprint": "1", "rows": {"x": 3}})
    m.forget("b")
    text = (tmp_path / "w" / MANIFEST).read_text(encoding="utf-8")
    expected = {"partitions": {"a": {"fingerprint": "1", "rows": {"x": 3}}}, "stage": "build", "target": "t"}
    assert text == json.dumps(expected, indent=1, sort_keys=True)
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == [MANIFEST]


def test_a_stage_manifest_reads_back_what_it_recorded_and_refuses_another_stage(tmp_path: Path) -> None:
    out = tmp_path / "tile_1.gpkg"
    out.write_bytes(b"x")
    Manifest(tmp_path, "import").record("tile_1", {"fingerprint": "f1", "output": out.name})
    again = Manifest(tmp_path, "import")
    assert again.done("tile_1", "f1") and not again.done("tile_1", "f2") and not again.done("tile_2", "f1")
    out.unlink()
    assert not again.done("tile_1", "f1")      # its output is gone
    with pytest.raises(GeoTwinError, match="not a manifest of the build stage"):
        Manifest(tmp_path, "build")


def test_the_export_work_folder_records_parts_in_the_same_format(tmp_path: Path) -> None:
    work = WorkFolder(tmp_path / "tiles")
    assert work.open(["3/5/2", "top"]) == {}
    work.record_part("3/5/2", "d1")
    data = json.loads((tmp_path / "tiles.geotwin-work" / MANIFEST).read_text(encoding="utf-8"))
    assert data == {"stage": "export", "target": "tiles",
                    "partitions": {"3/5/2": {"fingerprint": "d1", "output": "parts/3-5-2"}}}
    assert WorkFolder(tmp_path / "tiles").open(["3/5/2"]) == {"3/5/2": "d1"}
    with pytest.raises(GeoTwinError, match="not the work folder of an unfinished GeoTwin export of 'other'"):
        (tmp_path / "other.geotwin-work").mkdir()
        WorkFolder(tmp_path / "other")
