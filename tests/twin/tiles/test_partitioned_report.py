"""The partitioned export's report counts its own bytes in ``sizes.total_bytes``, encoded once (patched in place)."""
from __future__ import annotations

import json

import pytest

from geotwin.twin.tiles.partitioned import _write_report


def _report(files: int) -> dict:
    return {"source": "a.gpkg", "skipped": ['"total_bytes": 7, in a message'],
            "sizes": {"tiles": 2, "content_bytes": 10, "total_bytes": files, "bytes_per_building": 1.5},
            "tiles": [{"uri": "tiles/0/0/0.glb", "bytes": 4}], "partitions": [{"sizes": {"total_bytes": files}}]}


@pytest.mark.parametrize("files", [1_000, 100_000, 99_900, 9_960], ids=["same digits", "large", "one more digit",
                                                                          "one more digit, small"])
def test_the_report_as_written_twice(tmp_path, files):
    # what the root wrote before: the report's size measured with the files' total, then the report with the sum
    first = json.dumps(_report(files), indent=1, ensure_ascii=False)
    expected_total = files + len(first.encode("utf-8"))
    report = _report(files)
    report["partitions"][0]["sizes"]["total_bytes"] = files
    total = _write_report(tmp_path / "report.json", report, files)
    expected = _report(files)
    expected["sizes"]["total_bytes"] = expected_total
    assert total == expected_total and report["sizes"]["total_bytes"] == expected_total
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == json.dumps(expected, indent=1,
                                                                                 ensure_ascii=False)
