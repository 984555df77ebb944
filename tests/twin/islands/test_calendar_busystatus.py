"""Which calendar entries make an island busy: Outlook's/Exchange's X-MICROSOFT-CDO-BUSYSTATUS, TRANSP, STATUS and
VFREEBUSY periods, as Outlook, Exchange, Google Calendar and Nextcloud write them (MS-OXCICAL, RFC 5545)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geotwin.tests.calendar_servers import feed_server
from geotwin.tests.twin.islands.test_calendar import vcal
from geotwin.twin.islands.calendar import CalendarError, CalendarRef, busy, parse_feed
from geotwin.twin.kernel.errors import InputError

DAY = (datetime(2026, 11, 24), datetime(2026, 11, 25))   # a Tuesday, CET (UTC+1)


def _event(hour: int, *lines: str) -> str:
    return "\n".join([f"UID:e{hour}", f"DTSTART;TZID=Europe/Berlin:20261124T{hour:02d}0000",
                      f"DTEND;TZID=Europe/Berlin:20261124T{hour:02d}3000", f"SUMMARY:at {hour}", *lines])


# (the event's properties, busy?) - the Outlook/Exchange status decides where present, before TRANSP
CASES = [
    ((), True),                                                              # RFC 5545 default: OPAQUE
    (("TRANSP:OPAQUE",), True),
    (("TRANSP:TRANSPARENT",), False),                                        # Google / Nextcloud "free"
    (("STATUS:CANCELLED",), False),
    (("STATUS:TENTATIVE",), True),
    (("STATUS:CONFIRMED",), True),
    (("X-MICROSOFT-CDO-BUSYSTATUS:FREE",), False),                           # Outlook "show as: free"
    (("X-MICROSOFT-CDO-BUSYSTATUS:FREE", "TRANSP:OPAQUE"), False),           # the status decides
    (("X-MICROSOFT-CDO-BUSYSTATUS:free",), False),                           # case does not matter
    (("X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE", "TRANSP:TRANSPARENT"), True),  # tentative still holds the room
    (("X-MICROSOFT-CDO-BUSYSTATUS:BUSY",), True),
    (("X-MICROSOFT-CDO-BUSYSTATUS:OOF",), True),                             # out of office: not bookable
    (("X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE",), True),
    (("X-MICROSOFT-CDO-BUSYSTATUS:SOMETHING-NEW",), True),                   # unknown values: never free
    (("X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "STATUS:CANCELLED"), False),        # cancelled wins
    (("X-MICROSOFT-MSNCALENDAR-BUSYSTATUS:FREE",), False),                   # the Windows Live synonym
]


def test_each_status_alone():
    for n, (lines, expected) in enumerate(CASES):
        events = parse_feed(vcal(_event(8 + n % 12, *lines)), *DAY, source="t")
        assert (len(events) == 1) is expected, lines


def test_an_outlook_export_with_every_status_at_once():
    """One feed as Outlook publishes it: every event carries X-MICROSOFT-CDO-BUSYSTATUS (and TRANSP); the busy ones
    are exactly the expected hours, with their instants in UTC."""
    parts = [_event(8 + k, *lines) for k, (lines, _) in enumerate(CASES[:12])]
    events = parse_feed(vcal(*parts), *DAY, source="outlook.ics")
    want = [8 + k for k, (_, busy_) in enumerate(CASES[:12]) if busy_]
    assert [e.start for e in events] == [datetime(2026, 11, 24, h - 1, tzinfo=UTC) for h in want]
    assert [e.summary for e in events] == [f"at {h}" for h in want]
    assert len(events) == 7   # of 12: the default, OPAQUE, two STATUS, TENTATIVE, BUSY, OOF


def test_a_recurring_free_event_stays_free_in_every_occurrence_and_an_override_can_make_one_busy():
    series = ("UID:s\nDTSTART;TZID=Europe/Berlin:20261123T100000\nDTEND;TZID=Europe/Berlin:20261123T110000\n"
              "RRULE:FREQ=DAILY;COUNT=5\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\nTRANSP:OPAQUE\nSUMMARY:Sprechstunde")
    moved = ("UID:s\nRECURRENCE-ID;TZID=Europe/Berlin:20261125T100000\nDTSTART;TZID=Europe/Berlin:20261125T140000\n"
             "DTEND;TZID=Europe/Berlin:20261125T150000\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\nSUMMARY:Pruefung")
    events = parse_feed(vcal(series, moved), datetime(2026, 11, 23), datetime(2026, 11, 30), source="t")
    assert [(e.start, e.summary) for e in events] == [(datetime(2026, 11, 25, 13, tzinfo=UTC), "Pruefung")]


VFREEBUSY = """BEGIN:VFREEBUSY
UID:fb-1
DTSTART:20261124T000000Z
DTEND:20261125T000000Z
FREEBUSY;FBTYPE=BUSY:20261124T080000Z/20261124T090000Z,20261124T100000Z/PT30M
FREEBUSY;FBTYPE=FREE:20261124T120000Z/20261124T130000Z
FREEBUSY:20261124T140000Z/20261124T150000Z
FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261124T150000Z/20261124T153000Z
FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20261124T160000Z/20261124T170000Z
FREEBUSY;FBTYPE=X-SOMETHING:20261124T200000Z/20261124T210000Z
FREEBUSY:20261126T080000Z/20261126T090000Z
END:VFREEBUSY"""


def _freebusy_feed() -> str:
    text = vcal(_event(7))   # one ordinary event, 07:00-07:30 local = 06:00 UTC
    return text.replace("END:VCALENDAR", VFREEBUSY.replace("\n", "\r\n") + "\r\nEND:VCALENDAR")


def test_vfreebusy_periods_are_busy_unless_fbtype_free():
    with feed_server({"/fb.ics": _freebusy_feed().encode()}) as (base, _):
        events = busy(CalendarRef.parse(f"{base}/fb.ics"), *DAY)
    got = [(e.start.hour, e.start.minute, e.end.hour, e.end.minute, e.summary) for e in events]
    assert got == [(6, 0, 6, 30, "at 7"),
                   (8, 0, 9, 0, "free/busy: BUSY"), (10, 0, 10, 30, "free/busy: BUSY"),   # duration form
                   (14, 0, 15, 0, "free/busy: BUSY"),                                     # FBTYPE missing: BUSY
                   (15, 0, 15, 30, "free/busy: BUSY-TENTATIVE"), (16, 0, 17, 0, "free/busy: BUSY-UNAVAILABLE"),
                   (20, 0, 21, 0, "free/busy: X-SOMETHING")]                              # unknown type: busy
    assert all(e.uid == "fb-1" for e in events[1:])   # 12-13 FREE and the 26th (outside the window) are left out


def test_vfreebusy_periods_count_towards_the_limit_and_bad_periods_name_the_calendar():
    with pytest.raises(CalendarError, match=r"^calendar fb\.ics has more than 5 events and free/busy periods"):
        parse_feed(_freebusy_feed(), *DAY, source="fb.ics", max_occurrences=5)
    assert len(parse_feed(_freebusy_feed(), *DAY, source="fb.ics", max_occurrences=7)) == 7
    broken = _freebusy_feed().replace("FREEBUSY:20261124T140000Z/20261124T150000Z", "FREEBUSY:gestern")
    with pytest.raises(InputError, match=r"^calendar fb\.ics"):
        parse_feed(broken, *DAY, source="fb.ics")
