"""geotwin:refreshislandavailability over iCalendar feeds served on loopback."""
from __future__ import annotations

import pytest

from geotwin.tests.calendar_servers import feed_server
from geotwin.tests.twin.islands.test_importer_fixtures import CRS, X0, Y0

FEED = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n"
        b"DTSTART;TZID=Europe/Berlin:20261123T100000\r\nDTEND;TZID=Europe/Berlin:20261123T110000\r\n"
        b"RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20261125T100000\r\nSUMMARY:Kurs\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n")


def _layer(path, records):
    import shapely

    from geotwin.twin.kernel.gpkg import GpkgWriter
    from geotwin.twin.kernel.schema.islands import LEARNING_ISLANDS

    writer = GpkgWriter(path, CRS)
    for k, rec in enumerate(records):
        writer.add(LEARNING_ISLANDS, {"seats": 8, "opening_hours": "Mo-Fr 08:00-12:00", **rec},
                   shapely.Point(X0 + k, Y0))
    writer.close()
    return f"{path}|layername=learning_islands"


def test_refresh_fills_island_availability(run_alg, tmp_path):
    import pyogrio

    with feed_server({"/k.ics": FEED}) as (base, _):
        layer = _layer(tmp_path / "l.gpkg", [{"id": "K", "calendar": f"{base}/k.ics", "calendar_type": "ical"},
                                             {"id": "G", "calendar": f"{base}/gone.ics"}, {"id": "N"}])
        out = tmp_path / "avail.gpkg"
        res = run_alg("geotwin:refreshislandavailability", {
            "INPUT": layer, "START": "2026-11-23T00:00:00", "END": "2026-11-28T00:00:00", "OUTPUT": str(out)})
    # Mon-Fri 10-11 minus Wednesday: 4 busy; free: 08-10 and 11-12 on those 4 days, 08-12 on Wednesday
    assert (res["CALENDARS"], res["BUSY"], res["FREE"], res["ERRORS"]) == (2, 4, 9, 1)
    rows = pyogrio.read_dataframe(out, layer="island_availability")
    assert sorted(str(s)[:10] for s in rows[rows.status == "busy"]["start"]) == [
        "2026-11-23", "2026-11-24", "2026-11-26", "2026-11-27"]


def test_refresh_refuses_a_long_range(run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    layer = _layer(tmp_path / "l.gpkg", [{"id": "N"}])
    with pytest.raises(QgsProcessingException, match="longer than 31 days"):
        run_alg("geotwin:refreshislandavailability", {
            "INPUT": layer, "START": "2026-01-01T00:00:00", "END": "2026-03-01T00:00:00",
            "OUTPUT": str(tmp_path / "a.gpkg")})
