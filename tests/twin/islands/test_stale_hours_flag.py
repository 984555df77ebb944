"""An island imported before the parser learnt a form keeps the opening_hours_error its import wrote; the search and
availability.json read the stored opening_hours again instead of trusting that flag (and a value that does not
parse is refused with today's reason even when the flag is missing)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from geotwin.tests.twin.islands.test_availability import _layer
from geotwin.tests.twin.islands.test_importer_fixtures import X0, Y0
from geotwin.twin.islands.availability import availability_json
from geotwin.twin.islands.opening_hours import parse
from geotwin.twin.islands.search import find_learning_islands
from geotwin.twin.kernel.progress import CollectingReporter

BERLIN = ZoneInfo("Europe/Berlin")
MON_10 = datetime(2026, 11, 23, 10, 0)
# what the import of the previous parser wrote for a value it did not know
OLD_FLAG = ("'Mo-Fr 8-16 Uhr' is not valid opening_hours syntax (Failed to parse expression) ; times need hours and "
            "minutes with a colon, as in Mo-Fr 08:00-16:00")


def _islands(tmp_path):
    return _layer(tmp_path / "l.gpkg", [
        {"id": "stale", "opening_hours": "Mo-Fr 8-16 Uhr", "opening_hours_error": OLD_FLAG},
        {"id": "unflagged", "opening_hours": "Mo-Fr 8-4 Uhr"},     # written by another tool, never checked
        {"id": "plain", "opening_hours": "Mo-Fr 08:00-16:00"},
    ])


def test_the_search_reads_the_stored_hours_again(tmp_path):
    rep = CollectingReporter()
    summary = find_learning_islands(_islands(tmp_path), str(tmp_path / "f.gpkg"), when=MON_10, duration=60,
                                    location=(X0, Y0), reporter=rep)
    assert [iid for iid, _ in summary.found] == ["stale", "plain"]
    assert summary.excluded == {"unflagged": "opening hours 'Mo-Fr 8-4 Uhr' not understood: 'Mo-Fr 8-4 Uhr' is "
                                             "ambiguous: '8-4 Uhr' ends before it starts: on a 12-hour clock it could "
                                             "mean until 16:00, or it runs past midnight; write 08:00-16:00 or "
                                             "08:00-04:00"}
    late = find_learning_islands(_islands(tmp_path), str(tmp_path / "g.gpkg"), when=MON_10.replace(hour=15, minute=30),
                                 duration=60, location=(X0, Y0))
    assert late.found == [] and late.next_free["stale"] == datetime(2026, 11, 24, 8, tzinfo=BERLIN)


def test_availability_reads_the_stored_hours_again(tmp_path):
    rep = CollectingReporter()
    islands = availability_json(_islands(tmp_path), now=MON_10, reporter=rep)["islands"]
    assert islands["stale"]["hours"] == islands["plain"]["hours"]
    week = (datetime(2026, 11, 23), datetime(2026, 11, 30))
    open_rows = [(datetime.fromisoformat(a), datetime.fromisoformat(b))
                 for a, b, state, *_ in islands["stale"]["hours"] if state == "open"]
    assert open_rows == parse("Mo-Fr 08:00-16:00").spans(*week) and len(open_rows) == 5
    assert "hours_error" not in islands["stale"]
    assert islands["unflagged"]["hours"] == [["2026-11-23T00:00:00+01:00", "2026-11-30T00:00:00+01:00", "unknown"]]
    assert islands["unflagged"]["hours_error"].startswith("opening hours 'Mo-Fr 8-4 Uhr' not evaluated: 'Mo-Fr 8-4 "
                                                          "Uhr' is ambiguous")
    assert [w.split(":")[0] for w in rep.warnings] == ["island unflagged"]
