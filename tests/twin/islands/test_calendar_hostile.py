"""Hostile booking calendars: random and mutated iCalendar text, a redirect to another host with credentials,
an endless recurrence; only GeoTwin errors escape, nothing hangs, credentials stay with their host."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geotwin.tests.calendar_servers import feed_server
from geotwin.twin.islands.calendar import CalendarError, CalendarRef, busy, parse_feed
from geotwin.twin.kernel.errors import GeoTwinError

BASE = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=Europe/Berlin:20261123T100000\r\nDTEND;TZID=Europe/Berlin:20261123T110000\r\n"
        "RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20261125T100000\r\nSUMMARY:Kurs\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n")
LINES = BASE.split("\r\n")
TOKENS = ["RRULE:FREQ=SECONDLY", "RRULE:FREQ=DAILY;COUNT=-1", "DTSTART:99991231T235959", "DTSTART:0",
          "DTEND;VALUE=DATE:20261122", "EXDATE:garbage", "RECURRENCE-ID:20261124T100000", "DURATION:P-1D",
          "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VCALENDAR", "TZID=Mars/Olympus", "DTSTART;TZID=Nowhere:20261123T1",
          "RRULE:FREQ=YEARLY;BYMONTH=13", "RRULE:FREQ=DAILY;UNTIL=20261101", "\x00", "ä", ""]


def _check(text: str) -> None:
    try:
        events = parse_feed(text, datetime(2026, 11, 23), datetime(2026, 11, 30), source="fuzz", max_occurrences=2000)
    except GeoTwinError:
        return
    assert all(e.start <= e.end for e in events)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.sampled_from(TOKENS)), max_size=6))
def test_mutated_feeds_raise_only_geotwin_errors(edits):
    lines = list(LINES)
    for index, token in edits:
        lines.insert(index, token)
    _check("\r\n".join(lines))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_geotwin_errors(data):
    _check(data)


def test_secondly_recurrence_is_capped_not_expanded_forever():
    storm = BASE.replace("RRULE:FREQ=DAILY;COUNT=5", "RRULE:FREQ=SECONDLY")
    with pytest.raises(CalendarError, match="more than 1000 events"):
        parse_feed(storm, datetime(2026, 11, 23), datetime(2027, 11, 23), source="storm", max_occurrences=1000)


def test_redirect_to_another_host_is_refused_and_credentials_stay():
    with feed_server({"/x.ics": BASE.encode()}) as (other, other_handler):
        with feed_server({}, {"/cal.ics": f"{other}/x.ics"}) as (base, handler):
            with pytest.raises(CalendarError, match="to another host"):
                busy(CalendarRef.parse(f"{base}/cal.ics"), datetime(2026, 11, 23), datetime(2026, 11, 30),
                     user="u", password="secret")
    assert handler.requests == [("/cal.ics", "Basic dTpzZWNyZXQ=")]
    assert other_handler.requests == []        # the other host never saw a request, let alone the password
