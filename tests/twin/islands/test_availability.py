"""Availability: the search window with calendars and next_free, island_availability, availability.json,
booking (CalDAV on Radicale, or the booking link), and the sample district's calendars."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from geotwin.tests.calendar_servers import PASSWORD, USER, feed_server, make_calendar, radicale_server
from geotwin.tests.twin.islands.test_importer_fixtures import CRS, X0, Y0
from geotwin.twin.islands.availability import (
    availability_json,
    book_island,
    booking_link,
    next_window,
    refresh_availability,
)
from geotwin.twin.islands.calendar import BookingConflict, Busy, CalendarError, Credentials
from geotwin.twin.islands.opening_hours import parse
from geotwin.twin.islands.search import find_learning_islands
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.gpkg import GpkgWriter
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema.islands import LEARNING_ISLANDS

BERLIN = ZoneInfo("Europe/Berlin")
TUE_10 = datetime(2026, 11, 24, 10, 0)    # a Tuesday in term time


def ics(*events: tuple[str, str, str]) -> bytes:
    """(start, end, summary) local times YYYYMMDDTHHMMSS in Europe/Berlin (floating = local)."""
    body = "".join(f"BEGIN:VEVENT\r\nUID:e{n}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{a}\r\nDTEND:{b}\r\n"
                   f"SUMMARY:{s}\r\nEND:VEVENT\r\n" for n, (a, b, s) in enumerate(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{body}END:VCALENDAR\r\n".encode()


def _layer(path, records):
    import shapely

    writer = GpkgWriter(path, CRS)
    for k, rec in enumerate(records):
        writer.add(LEARNING_ISLANDS, {"seats": 8, "opening_hours": "Mo-Fr 08:00-18:00", **rec},
                   shapely.Point(X0 + 10 * k, Y0))
    writer.close()
    return LayerRef(str(path), "learning_islands")


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


def test_next_window_skips_busy_and_closed_times():
    hours = parse("Mo-Fr 08:00-12:00")
    taken = [Busy(datetime(2026, 11, 24, 9, tzinfo=BERLIN), datetime(2026, 11, 24, 11, 30, tzinfo=BERLIN))]
    # 60 minutes from Tue 10:00: busy until 11:30, then only 30 minutes left that day -> Wednesday 08:00
    assert next_window(hours, taken, TUE_10, timedelta(minutes=60)) == datetime(2026, 11, 25, 8, tzinfo=BERLIN)
    assert next_window(hours, taken, TUE_10, timedelta(minutes=30)) == datetime(2026, 11, 24, 11, 30, tzinfo=BERLIN)
    assert next_window(parse("Mo 08:00-09:00"), [], TUE_10, timedelta(minutes=90)) is None   # never long enough
    # over the autumn DST change: Sunday 25 Oct 2026 01:30 + 120 minutes elapsed ends 02:30 CET
    night = parse("Su 00:00-03:00")
    assert next_window(night, [], datetime(2026, 10, 25, 1, 0), timedelta(minutes=150)) == datetime(
        2026, 10, 25, 1, 0, tzinfo=BERLIN)


def test_search_window_calendars_and_next_free(tmp_path):
    feed = ics(("20261124T093000", "20261124T103000", "Klasse 7b"),      # overlaps 10:00-11:00
               ("20261124T120000", "20261124T130000", "Mathe"))
    with feed_server({"/a.ics": feed, "/big.ics": b"x" * 10}) as (base, _):
        layer = _layer(tmp_path / "l.gpkg", [
            {"id": "free"},
            {"id": "booked", "calendar": f"{base}/a.ics", "calendar_type": "ical"},
            {"id": "closing", "opening_hours": "Mo-Fr 08:00-10:30"},
            {"id": "holiday", "opening_hours": "Mo-Fr 08:00-18:00; SH off"},
            {"id": "broken", "calendar": f"{base}/missing.ics"},
            {"id": "weird", "calendar": "ftp://x/y.ics"},
        ])
        out = tmp_path / "found.gpkg"
        rep = CollectingReporter()
        summary = find_learning_islands(layer, str(out), when=TUE_10, duration=60, location=(X0, Y0), reporter=rep)
        assert [i for i, _ in summary.found] == ["free", "holiday"]
        assert summary.excluded["booked"] == "booked 2026-11-24 09:30-10:30 ('Klasse 7b')"
        assert summary.next_free["booked"] == datetime(2026, 11, 24, 10, 30, tzinfo=BERLIN)
        assert summary.excluded["closing"].startswith("not open the whole time Tue 10:00-11:00")
        assert summary.next_free["closing"] == datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN)
        assert "HTTP 404" in summary.excluded["broken"] and summary.excluded["broken"].startswith("calendar not")
        assert "broken" not in summary.next_free
        assert "scheme 'ftp' is not supported" in summary.excluded["weird"]
        excluded = _read(out, "learning_island_search_excluded").set_index("island_id")
        assert str(excluded.loc["booked", "next_free"])[:16] in ("2026-11-24 10:30", "2026-11-24T10:30")
        frame = _read(out, "learning_island_search").set_index("island_id")
        assert not frame.loc["free", "calendar_checked"]
        # the same search at an instant (duration 0) and without calendars
        plain = find_learning_islands(layer, str(tmp_path / "p.gpkg"), when=TUE_10, location=(X0, Y0),
                                      calendars=False)
        assert [i for i, _ in plain.found] == ["free", "booked", "closing", "holiday", "broken", "weird"]
    with pytest.raises(GeoTwinError, match="duration must be from 0"):
        find_learning_islands(layer, str(tmp_path / "x.gpkg"), when=TUE_10, duration=-5, location=(X0, Y0))


def test_summer_holidays_close_the_school_island(tmp_path):
    layer = _layer(tmp_path / "l.gpkg", [{"id": "school", "opening_hours": "Mo-Fr 08:00-16:00; PH,SH off"}])
    summary = find_learning_islands(layer, str(tmp_path / "f.gpkg"), when=datetime(2026, 8, 4, 10), duration=60,
                                    location=(X0, Y0))
    assert summary.found == [] and summary.excluded["school"].startswith("not open the whole time")
    # the first school day is more than 7 days away: no next free slot within the horizon
    assert "school" not in summary.next_free
    summary = find_learning_islands(layer, str(tmp_path / "f.gpkg"), when=datetime(2026, 9, 11, 10), duration=60,
                                    location=(X0, Y0))
    assert summary.excluded["school"].startswith("not open"), summary.excluded
    assert summary.next_free["school"] == datetime(2026, 9, 14, 8, tzinfo=BERLIN)


def test_refresh_writes_busy_and_free_and_reports_broken_calendars(tmp_path):
    feed = ics(("20261124T093000", "20261124T103000", "Klasse 7b"))
    with feed_server({"/a.ics": feed}) as (base, _):
        layer = _layer(tmp_path / "l.gpkg", [
            {"id": "A", "calendar": f"{base}/a.ics", "opening_hours": "Mo-Fr 08:00-12:00"},
            {"id": "B", "calendar": f"{base}/none.ics"},
            {"id": "C"},
        ])
        rep = CollectingReporter()
        out = tmp_path / "avail.gpkg"
        summary = refresh_availability(layer, str(out), datetime(2026, 11, 24), datetime(2026, 11, 25), reporter=rep)
    assert (summary.with_calendar, summary.busy, summary.free) == (2, 1, 2)
    assert list(summary.errors) == ["B"]
    rows = _read(out, "island_availability")
    got = sorted((r.island_id, r.status, str(r.start)[11:16], str(r.end)[11:16]) for r in rows.itertuples())
    assert got == [("A", "busy", "09:30", "10:30"), ("A", "free", "08:00", "09:30"), ("A", "free", "10:30", "12:00")]
    status = _read(out, "island_calendar_status").set_index("island_id")
    assert status["status"].to_dict() == {"A": "ok", "B": "error", "C": "none"}
    assert any("island B" in w and "HTTP 404" in w for w in rep.warnings)
    with pytest.raises(GeoTwinError, match="longer than 31 days"):
        refresh_availability(layer, str(out), datetime(2026, 1, 1), datetime(2026, 3, 1))
    with pytest.raises(GeoTwinError, match="end of the range must be after"):
        refresh_availability(layer, str(out), datetime(2026, 3, 1), datetime(2026, 1, 1))


def test_availability_json_for_the_web_map(tmp_path):
    feed = ics(("20261124T093000", "20261124T103000", "Klasse 7b"), ("20261203T093000", "20261203T103000", "late"))
    with feed_server({"/a.ics": feed}) as (base, _):
        records = [{"id": "A", "opening_hours": "Mo-Fr 08:00-12:00", "calendar": f"{base}/a.ics",
                    "booking_url": "https://b.example/{island}"},
                   {"id": "B", "opening_hours": "24/7", "calendar": f"{base}/gone.ics"},
                   {"id": "C", "opening_hours": None}]
        doc = availability_json(records, tmp_path / "availability.json", now=datetime(2026, 11, 24, 8))
    assert json.loads((tmp_path / "availability.json").read_text()) == doc
    assert doc["generated"] == "2026-11-24T00:00:00+01:00" and doc["timezone"] == "Europe/Berlin"   # midnight
    hours_a = doc["islands"]["A"].pop("hours")   # the hours: tests/twin/islands/test_availability_hours.py
    assert doc["islands"]["A"] == {"opening_hours": "Mo-Fr 08:00-12:00",
                                   "busy": [["2026-11-24T09:30:00+01:00", "2026-11-24T10:30:00+01:00"]],
                                   "booking_url": "https://b.example/{island}", "calendar": "ok"}
    assert hours_a[:3] == [["2026-11-24T00:00:00+01:00", "2026-11-24T08:00:00+01:00", "closed"],
                           ["2026-11-24T08:00:00+01:00", "2026-11-24T12:00:00+01:00", "open"],
                           ["2026-11-24T12:00:00+01:00", "2026-11-25T08:00:00+01:00", "closed"]]
    assert doc["islands"]["B"]["calendar"] == "error" and "HTTP 404" in doc["islands"]["B"]["error"]
    assert doc["islands"]["B"]["hours"] == [["2026-11-24T00:00:00+01:00", "2026-12-01T00:00:00+01:00", "open"]]
    assert doc["islands"]["C"] == {"opening_hours": None, "busy": [], "booking_url": None, "calendar": "none",
                                   "hours": [["2026-11-24T00:00:00+01:00", "2026-12-01T00:00:00+01:00", "unknown"]],
                                   "hours_error": "no opening hours"}
    # a second later, and late that evening: the same document (the file is stable within the day)
    with feed_server({"/a.ics": feed}) as (base, _):
        records[0]["calendar"] = f"{base}/a.ics"
        again = availability_json(records, now=datetime(2026, 11, 24, 23, 59, 59))
    doc["islands"]["A"]["hours"] = hours_a
    again["islands"]["B"].pop("error")
    assert again == {**doc, "islands": {**doc["islands"], "B": {k: v for k, v in doc["islands"]["B"].items()
                                                                if k != "error"}}}


def test_booking_link_fills_the_template():
    url = booking_link("https://b.example/buchen?i={island}&von={start}&bis={end}&n={seats}&w={name}", "LI 1",
                       datetime(2026, 11, 24, 10), datetime(2026, 11, 24, 11, 30), 4, "Klasse 7b")
    assert url == ("https://b.example/buchen?i=LI%201&von=2026-11-24T10%3A00%2B01%3A00"
                   "&bis=2026-11-24T11%3A30%2B01%3A00&n=4&w=Klasse%207b")
    assert booking_link("javascript:{island}", "x", TUE_10, TUE_10, 1) is None


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    with radicale_server(tmp_path_factory.mktemp("radicale")) as url:
        yield url


def test_book_island_on_caldav_with_conflict_and_the_link_fallback(tmp_path, radicale):
    cal = make_calendar(radicale, "li-007", [ics(("20261124T140000", "20261124T150000", "Nachhilfe")).decode()])
    layer = _layer(tmp_path / "l.gpkg", [
        {"id": "dav", "calendar": cal, "calendar_type": "caldav", "seats": 6},
        {"id": "web", "booking_url": "https://b.example/{island}?von={start}"},
        {"id": "none"},
    ])
    creds = Credentials(USER, PASSWORD)
    result = book_island(layer, "dav", datetime(2026, 11, 24, 10), 90, seats=4, name="Klasse 7b",
                         credentials=creds)
    assert result.booked and result.uid and result.url is None
    with pytest.raises(BookingConflict, match=r"island dav is already booked from 2026-11-24 10:00 to "
                                              r"2026-11-24 11:30 \('Klasse 7b \(4 seats\)'\)"):
        book_island(layer, "dav", datetime(2026, 11, 24, 11), 60, seats=1, credentials=creds)
    with pytest.raises(BookingConflict, match="Nachhilfe"):
        book_island(layer, "dav", datetime(2026, 11, 24, 14, 30), 60, seats=1, credentials=creds)
    with pytest.raises(CalendarError, match="access denied"):
        book_island(layer, "dav", datetime(2026, 11, 24, 16), 30, seats=1, credentials=Credentials(USER, "nope"))
    # credentials bound to another host are not sent: the server refuses the anonymous request
    with pytest.raises(CalendarError, match="access denied"):
        book_island(layer, "dav", datetime(2026, 11, 24, 16), 30, seats=1,
                    credentials=Credentials(USER, PASSWORD, "elsewhere.example"))
    with pytest.raises(GeoTwinError, match="has 6 seats, fewer than the 7"):
        book_island(layer, "dav", datetime(2026, 11, 24, 16), 30, seats=7, credentials=creds)
    with pytest.raises(GeoTwinError, match="is not open the whole time 2026-11-24 17:30-18:30"):
        book_island(layer, "dav", datetime(2026, 11, 24, 17, 30), 60, seats=1, credentials=creds)
    link = book_island(layer, "web", datetime(2026, 11, 24, 16), 30, seats=1)
    assert not link.booked and link.url == "https://b.example/web?von=2026-11-24T16%3A00%2B01%3A00"
    with pytest.raises(GeoTwinError, match="island none has no CalDAV calendar and no usable booking_url"):
        book_island(layer, "none", datetime(2026, 11, 24, 16), 30)
    with pytest.raises(GeoTwinError, match="island nowhere is not in the learning islands layer"):
        book_island(layer, "nowhere", datetime(2026, 11, 24, 16), 30)


def test_sample_district_calendars(tmp_path):
    from geotwin.twin.islands.importer import import_learning_islands
    from geotwin.twin.sample.generator import generate_district

    district = generate_district(tmp_path / "d", buildings=10, seed=5, formats=("islands",))
    islands = tmp_path / "islands.gpkg"
    summary = import_learning_islands(district.path("islands"), str(islands), target_crs=CRS)
    assert summary.calendars == 5
    frame = _read(islands, "learning_islands").set_index("id")
    with_cal = frame[frame["calendar"].notna()]
    assert all(p.startswith(str(tmp_path / "d" / "calendars")) for p in with_cal["calendar"])
    doc = availability_json(str(islands), now=datetime(2026, 11, 23, 8))   # the import's GeoPackage
    busy = {i: v["busy"] for i, v in doc["islands"].items() if v["calendar"] == "ok"}
    assert len(busy) == 5 and all(busy.values())
    # every booking is a weekly event inside the school hours Mo-Fr 14:00-18:00
    for spans in busy.values():
        for a, b in spans:
            a, b = datetime.fromisoformat(a), datetime.fromisoformat(b)
            assert a.weekday() < 5 and a.hour >= 14 and (b.hour, b.minute) <= (18, 0)
