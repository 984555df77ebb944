"""export_tiles (twin/scale/export.py): what the partitioned export does not cover is refused with the reason, or
exported in this process with a warning when a fallback is asked for; a twin built from a city model alone is
exported in partitions."""
from __future__ import annotations

import hashlib

import pytest

from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.scale.cluster import serial_mapper
from geotwin.twin.scale.export import export_tiles, partitioned_refusal
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles


def _files(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != REPORT_NAME}


def test_a_twin_of_a_city_model_alone_is_exported_in_partitions(single, tmp_path):
    assert partitioned_refusal(single["twin"], ExportOptions()) is None   # its BIM, island, sensor layers are empty
    result = export_tiles(single["twin"], tmp_path / "t", ExportOptions(viewer=False, implicit=True),
                          CollectingReporter(), serial_mapper(), partition_buildings=50)
    assert len(result.report["partitions"]) >= 3
    assert _files(tmp_path / "t") == _files(export_3dtiles(single["twin"], tmp_path / "s",
                                                           ExportOptions(viewer=False, implicit=True)).output)


@pytest.mark.parametrize("options, reason", [
    (ExportOptions(viewer=False, features="surface"), "one feature per building: per-surface features need"),
    (ExportOptions(viewer=False, terrain="relief"), "writes no terrain tiles"),
])
def test_what_it_does_not_cover_is_refused_or_exported_in_this_process(single, tmp_path, options, reason):
    assert reason in partitioned_refusal(single["city"], options)
    with pytest.raises(GeoTwinError, match=rf"{reason}.*\(run it without a scheduler and workers\)"):
        export_tiles(single["city"], tmp_path / "t", options, CollectingReporter(), serial_mapper())
    assert not (tmp_path / "t").exists()
    if options.terrain:
        return   # the single-process terrain export needs the terrain packages: tested in tests/twin/tiles
    reporter = CollectingReporter()
    result = export_tiles(single["city"], tmp_path / "t", options, reporter, serial_mapper(), fallback=True)
    assert any(reason in w and "exporting in this process, not on the cluster" in w for w in reporter.warnings)
    assert "partitions" not in result.report and result.summary.buildings == 400


def test_a_missing_source_is_named_by_the_export(tmp_path):
    assert partitioned_refusal(tmp_path / "none.gpkg", ExportOptions()) is None
    with pytest.raises(GeoTwinError, match="none.gpkg"):
        export_tiles(tmp_path / "none.gpkg", tmp_path / "t", None, CollectingReporter(), serial_mapper())
