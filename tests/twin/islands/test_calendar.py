"""Island calendars: iCalendar feeds over HTTP (loopback) and from files, a real CalDAV server (Radicale)."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from geotwin.tests.calendar_servers import (
    PASSWORD,
    USER,
    feed_server,
    make_calendar,
    radicale_server,
)
from geotwin.twin.islands.calendar import (
    BookingConflict,
    CalendarError,
    CalendarRef,
    Credentials,
    book,
    busy,
    free_slots,
    parse_feed,
)
from geotwin.twin.kernel.errors import GeoTwinError, InputError

BERLIN = ZoneInfo("Europe/Berlin")
VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def vcal(*events: str, tz: bool = True) -> str:
    body = "".join(f"BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + (VTIMEZONE if tz else "") + body
            + "END:VCALENDAR\r\n").replace("\r\n", "\n").replace("\n", "\r\n")


# A daily course across the spring DST change, one day cut out (EXDATE), one moved (RECURRENCE-ID),
# an all-day event, a transparent and a cancelled one (both free).
COURSE_PARTS = (
    """UID:course
DTSTART;TZID=Europe/Berlin:20260323T100000
DTEND;TZID=Europe/Berlin:20260323T120000
RRULE:FREQ=DAILY;COUNT=10
EXDATE;TZID=Europe/Berlin:20260325T100000
SUMMARY:Kurs""",
    """UID:course
RECURRENCE-ID;TZID=Europe/Berlin:20260326T100000
DTSTART;TZID=Europe/Berlin:20260326T140000
DTEND;TZID=Europe/Berlin:20260326T150000
SUMMARY:Kurs verlegt""",
    """UID:allday
DTSTART;VALUE=DATE:20260401
DTEND;VALUE=DATE:20260402
SUMMARY:Projekttag""",
    """UID:transparent
DTSTART;TZID=Europe/Berlin:20260324T130000
DTEND;TZID=Europe/Berlin:20260324T140000
TRANSP:TRANSPARENT
SUMMARY:nur Info""",
    """UID:cancelled
DTSTART;TZID=Europe/Berlin:20260324T150000
DTEND;TZID=Europe/Berlin:20260324T160000
STATUS:CANCELLED
SUMMARY:abgesagt""",
)
COURSE = vcal(*COURSE_PARTS)
# a CalDAV object holds one UID: the course with its override, then one object per other event
COURSE_OBJECTS = [vcal(*COURSE_PARTS[:2])] + [vcal(p) for p in COURSE_PARTS[2:]]


def _utc(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def test_http_feed_recurrences_exceptions_all_day_and_dst():
    with feed_server({"/li.ics": COURSE.encode()}) as (base, handler):
        ref = CalendarRef.parse(f"{base}/li.ics")
        events = busy(ref, datetime(2026, 3, 23), datetime(2026, 4, 3))
    starts = [(b.start, b.end, b.summary) for b in events]
    # expected instants computed by hand: 10:00 CET = 09:00 UTC until 28 Mar, 10:00 CEST = 08:00 UTC from 29 Mar
    expected = [(_utc(2026, 3, 23, 9), _utc(2026, 3, 23, 11), "Kurs"),
                (_utc(2026, 3, 24, 9), _utc(2026, 3, 24, 11), "Kurs"),
                (_utc(2026, 3, 26, 13), _utc(2026, 3, 26, 14), "Kurs verlegt"),
                (_utc(2026, 3, 27, 9), _utc(2026, 3, 27, 11), "Kurs"),
                (_utc(2026, 3, 28, 9), _utc(2026, 3, 28, 11), "Kurs"),
                (_utc(2026, 3, 29, 8), _utc(2026, 3, 29, 10), "Kurs"),
                (_utc(2026, 3, 30, 8), _utc(2026, 3, 30, 10), "Kurs"),
                (_utc(2026, 3, 31, 8), _utc(2026, 3, 31, 10), "Kurs"),
                (_utc(2026, 3, 31, 22), _utc(2026, 4, 1, 22), "Projekttag"),   # local midnight to midnight
                (_utc(2026, 4, 1, 8), _utc(2026, 4, 1, 10), "Kurs")]
    assert starts == expected
    assert handler.requests == [("/li.ics", None)]


def test_free_slots_between_the_busy_events():
    events = parse_feed(COURSE, datetime(2026, 3, 24), datetime(2026, 3, 25), source="t")
    assert free_slots(events, datetime(2026, 3, 24, 8), datetime(2026, 3, 24, 16)) == [
        (datetime(2026, 3, 24, 8, tzinfo=BERLIN), datetime(2026, 3, 24, 10, tzinfo=BERLIN)),
        (datetime(2026, 3, 24, 12, tzinfo=BERLIN), datetime(2026, 3, 24, 16, tzinfo=BERLIN))]


def test_file_feed_and_relative_reference(tmp_path):
    (tmp_path / "cal").mkdir()
    (tmp_path / "cal" / "r.ics").write_text(COURSE)
    ref = CalendarRef.parse("cal/r.ics", None, base=tmp_path)
    assert ref == CalendarRef("ical", str(tmp_path / "cal" / "r.ics"))
    assert len(busy(ref, datetime(2026, 3, 23), datetime(2026, 3, 24))) == 1
    with pytest.raises(CalendarError, match="cannot be read"):
        busy(CalendarRef.parse(str(tmp_path / "missing.ics")), datetime(2026, 3, 23), datetime(2026, 3, 24))


def test_too_large_feeds_are_refused(tmp_path):
    big = COURSE.replace("SUMMARY:Kurs\r\n", "SUMMARY:" + "x" * 70 + "\r\n" + "COMMENT:" + "y" * 70 + "\r\n" * 1)
    path = tmp_path / "big.ics"
    path.write_text(big)
    with pytest.raises(CalendarError, match="larger than the limit of 1000 bytes"):
        busy(CalendarRef.parse(str(path)), datetime(2026, 3, 23), datetime(2026, 3, 24), max_bytes=1000)
    with feed_server({"/big.ics": big.encode()}) as (base, _):
        with pytest.raises(CalendarError, match=r"feed size limit.*refused"):
            busy(CalendarRef.parse(f"{base}/big.ics"), datetime(2026, 3, 23), datetime(2026, 3, 24), max_bytes=1000)


def test_too_many_occurrences_are_refused():
    storm = vcal("UID:storm\nDTSTART:20260301T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY\nSUMMARY:x", tz=False)
    with feed_server({"/storm.ics": storm.encode()}) as (base, _):
        with pytest.raises(CalendarError, match="more than 500 events between 2026-03-02 00:00 and 2026-03-09"):
            busy(CalendarRef.parse(f"{base}/storm.ics"), datetime(2026, 3, 2), datetime(2026, 3, 9),
                 max_occurrences=500)


def test_broken_feeds_name_the_calendar():
    with feed_server({"/x.ics": b"this is not a calendar"}) as (base, _):
        with pytest.raises(InputError, match=r"/x.ics is not valid iCalendar"):
            busy(CalendarRef.parse(f"{base}/x.ics"), datetime(2026, 3, 2), datetime(2026, 3, 9))
        with pytest.raises(CalendarError, match="HTTP 404"):
            busy(CalendarRef.parse(f"{base}/missing.ics"), datetime(2026, 3, 2), datetime(2026, 3, 9))


@pytest.mark.parametrize("value, kind, message", [
    ("https://user:pw@cal.example/x.ics", None, "credentials in the URL are refused"),
    ("https://cal.example/x.ics", "outlook", "not one of ical, caldav"),
    ("ftp://cal.example/x.ics", None, "scheme 'ftp' is not supported"),
    ("/tmp/x.ics", "caldav", "needs an http"),
    ("https:///x.ics", None, "has no host"),
])
def test_bad_references_are_refused(value, kind, message):
    with pytest.raises(InputError, match=message):
        CalendarRef.parse(value, kind)


def test_reference_shorthands():
    assert CalendarRef.parse("") is None
    assert CalendarRef.parse("caldav+https://dav.example/u/c/") == CalendarRef("caldav", "https://dav.example/u/c/")
    assert CalendarRef.parse("webcal://cal.example/a.ics").location == "https://cal.example/a.ics"


def test_credentials_go_only_to_their_own_host():
    creds = Credentials("u", "p", "dav.example")
    assert creds.for_ref(CalendarRef("caldav", "https://dav.example/u/c/")) == ("u", "p")
    assert creds.for_ref(CalendarRef("ical", "https://other.example/a.ics")) == (None, None)
    unbound = Credentials("u", "p")
    with pytest.raises(CalendarError, match="several hosts"):
        unbound.bound([CalendarRef("caldav", "https://a.example/c/"), CalendarRef("caldav", "https://b.example/c/")])
    bound = unbound.bound([CalendarRef("caldav", "https://a.example/c/"), CalendarRef("ical", "https://b.example/x")])
    assert bound.for_ref(CalendarRef("ical", "https://b.example/x")) == (None, None)
    assert bound.for_ref(CalendarRef("caldav", "https://a.example/d/")) == ("u", "p")
    with pytest.raises(CalendarError, match="only over https"):
        busy(CalendarRef("ical", "http://cal.example/x.ics"), datetime(2026, 3, 2), datetime(2026, 3, 3), user="u",
             password="p")


def test_basic_auth_to_the_feed_host(tmp_path):
    with feed_server({"/p.ics": COURSE.encode()}) as (base, handler):
        busy(CalendarRef.parse(f"{base}/p.ics"), datetime(2026, 3, 23), datetime(2026, 3, 24), user="u", password="p")
    assert handler.requests == [("/p.ics", "Basic dTpw")]


# ---- CalDAV (Radicale) ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    with radicale_server(tmp_path_factory.mktemp("radicale")) as url:
        yield url


def test_caldav_read_book_conflict_and_wrong_password(radicale):
    import caldav

    url = make_calendar(radicale, "li-003", COURSE_OBJECTS)
    ref = CalendarRef.parse(url, "caldav")
    events = busy(ref, datetime(2026, 3, 23), datetime(2026, 3, 25), user=USER, password=PASSWORD)
    assert [(b.start, b.summary) for b in events] == [(_utc(2026, 3, 23, 9), "Kurs"), (_utc(2026, 3, 24, 9), "Kurs")]
    uid = book(ref, "LI-003", datetime(2026, 3, 24, 12), datetime(2026, 3, 24, 13, 30), seats=6, name="AG Robotik",
               user=USER, password=PASSWORD)
    # read back independently with the caldav library
    client = caldav.DAVClient(url=radicale, username=USER, password=PASSWORD, require_tls=False,
                              enable_rfc6764=False)
    stored = [e.icalendar_component for e in client.calendar(url=url).events()]
    mine = [e for e in stored if str(e["UID"]) == uid]
    assert len(mine) == 1 and str(mine[0]["SUMMARY"]) == "AG Robotik (6 seats)"
    assert mine[0]["DTSTART"].dt == datetime(2026, 3, 24, 12, tzinfo=BERLIN)
    assert mine[0]["DTEND"].dt == datetime(2026, 3, 24, 13, 30, tzinfo=BERLIN)
    with pytest.raises(BookingConflict, match=r"island LI-003 is already booked from 2026-03-24 10:00 to "
                                              r"2026-03-24 12:00 \('Kurs'\).*11:30-12:30 is refused"):
        book(ref, "LI-003", datetime(2026, 3, 24, 11, 30), datetime(2026, 3, 24, 12, 30), seats=2, name="x",
             user=USER, password=PASSWORD)
    with pytest.raises(BookingConflict, match="AG Robotik"):
        book(ref, "LI-003", datetime(2026, 3, 24, 13), datetime(2026, 3, 24, 14), seats=2, name="x",
             user=USER, password=PASSWORD)
    assert len(client.calendar(url=url).events()) == len(stored)          # nothing written by a refusal
    # back to back is no conflict
    book(ref, "LI-003", datetime(2026, 3, 24, 13, 30), datetime(2026, 3, 24, 14), seats=2, name="y",
         user=USER, password=PASSWORD)
    with pytest.raises(CalendarError, match=r"li-003/: access denied while reading the events; check the user"):
        busy(ref, datetime(2026, 3, 23), datetime(2026, 3, 25), user=USER, password="wrong")
    with pytest.raises(CalendarError, match="is an iCalendar feed, not a CalDAV collection"):
        book(CalendarRef("ical", "/tmp/x.ics"), "LI-1", datetime(2026, 3, 24, 13), datetime(2026, 3, 24, 14),
             seats=1, name="x")
    with pytest.raises(GeoTwinError, match="must end after it starts"):
        book(ref, "LI-003", datetime(2026, 3, 24, 13), datetime(2026, 3, 24, 13), seats=1, name="x")


def test_an_event_that_began_days_before_the_window_still_blocks_it():
    long = vcal("UID:x\nDTSTART;VALUE=DATE:20261120\nDTEND;VALUE=DATE:20261130\nSUMMARY:Renovierung", tz=False)
    (event,) = parse_feed(long, datetime(2026, 11, 24), datetime(2026, 11, 25), source="t")
    assert (event.start, event.end) == (_utc(2026, 11, 19, 23), _utc(2026, 11, 29, 23))
