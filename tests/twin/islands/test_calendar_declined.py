"""Meeting requests and room resources: Outlook's X-MICROSOFT-CDO-INTENDEDSTATUS (MS-OXCICAL 2.1.3.1.1.20.34, used
when X-MICROSOFT-CDO-BUSYSTATUS is absent) and an ATTENDEE PARTSTAT=DECLINED of the island itself (matched by its
calendar_address, else the event's only CUTYPE=ROOM attendee), as Outlook/Exchange, Google Calendar and Nextcloud
write them."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from geotwin.tests.twin.islands.test_calendar import vcal
from geotwin.twin.islands.calendar import CalendarRef, busy, parse_address, parse_feed
from geotwin.twin.kernel.errors import InputError

DAY = (datetime(2026, 11, 24), datetime(2026, 11, 25))   # a Tuesday, CET (UTC+1)
ROOM = "lerninsel-a104@schule.karlsruhe.de"

# An invitation as Outlook sends it (METHOD:REQUEST): no BUSYSTATUS, the organizer's intended status, the room as a
# resource attendee; long lines folded at 75 octets as Outlook folds them.
OUTLOOK_REQUEST = """UID:040000008200E00074C5B7101A82E00800000000A0B3C1D2E3F4
SUMMARY;LANGUAGE=de-DE:Elternsprechtag
DTSTART;TZID=Europe/Berlin:20261124T{h:02d}0000
DTEND;TZID=Europe/Berlin:20261124T{h:02d}3000
ORGANIZER;CN=Sekretariat:mailto:sekretariat@schule.karlsruhe.de
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Frau Mülle
 r:mailto:mueller@schule.karlsruhe.de
ATTENDEE;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;PARTSTAT={room}
 ;RSVP=TRUE;CN=Lerninsel A104:mailto:Lerninsel-A104@Schule.Karlsruhe.de
CLASS:PUBLIC
PRIORITY:5
SEQUENCE:0
{extra}
X-MICROSOFT-CDO-APPT-SEQUENCE:0
X-MICROSOFT-CDO-OWNERAPPTID:2117391726
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-CDO-INSTTYPE:0
X-MICROSOFT-DISALLOW-COUNTER:FALSE"""


def _outlook(hour: int, *extra: str, room: str = "NEEDS-ACTION") -> str:
    return OUTLOOK_REQUEST.format(h=hour, room=room, extra="\n".join(extra) or "X-MICROSOFT-CDO-INSTTYPE:0")


def _request(*events: str) -> str:
    return vcal(*events).replace("PRODID:-//test//EN", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN"
                                 "\r\nMETHOD:REQUEST")


# (extra properties of an Outlook request, busy?): the own BUSYSTATUS first, else the intended status, else TRANSP
INTENDED = [
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:FREE",), False),
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:free", "TRANSP:OPAQUE"), False),          # before TRANSP, any case
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",), True),
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:TENTATIVE", "TRANSP:TRANSPARENT"), True),   # tentative holds the room
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:OOF",), True),
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:WORKINGELSEWHERE",), True),
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:SOMETHING-NEW",), True),                   # unknown: never free
    (("X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "X-MICROSOFT-CDO-INTENDEDSTATUS:FREE"), True),   # BUSYSTATUS decides
    (("X-MICROSOFT-CDO-BUSYSTATUS:FREE", "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY"), False),
    (("X-MICROSOFT-MSNCALENDAR-INTENDEDSTATUS:FREE",), False),                  # the Windows Live synonym
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:FREE", "STATUS:CANCELLED"), False),
    (("X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY", "STATUS:CANCELLED"), False),       # cancelled wins
]


def test_outlook_intended_status_each_case():
    for n, (lines, expected) in enumerate(INTENDED):
        events = parse_feed(_request(_outlook(8 + n, *lines)), *DAY, source="einladung.ics")
        assert (len(events) == 1) is expected, lines
        if expected:
            assert events[0].start == datetime(2026, 11, 24, 7 + n, tzinfo=UTC)
            assert events[0].summary == "Elternsprechtag"


def test_outlook_requests_in_one_feed_give_exactly_the_busy_hours():
    events = parse_feed(_request(*[_outlook(8 + n, *lines).replace("A0B3C1D2E3F4", f"{n:012d}")
                                   for n, (lines, _) in enumerate(INTENDED)]), *DAY, source="einladung.ics")
    want = [8 + n for n, (_, b) in enumerate(INTENDED) if b]
    assert [e.start.hour + 1 for e in events] == want == [10, 11, 12, 13, 14, 15]


def test_declined_by_the_island_by_address_is_free_other_declines_are_not():
    """Exchange/Outlook: the room is a CUTYPE=RESOURCE attendee; the island's address decides (case and mailto
    do not matter), a person declining does not free the room."""
    room = CalendarRef("ical", "/x.ics", parse_address("MAILTO:" + ROOM.upper())).address
    cases = [("DECLINED", room, False), ("ACCEPTED", room, True), ("NEEDS-ACTION", room, True),
             ("TENTATIVE", room, True), ("DECLINED", "andere-insel@schule.karlsruhe.de", True),
             ("DECLINED", None, True)]   # CUTYPE=RESOURCE is not a room without the address
    for n, (partstat, address, expected) in enumerate(cases):
        feed = _request(_outlook(8 + n, "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY", room=partstat))
        assert (len(parse_feed(feed, *DAY, source="t", address=address)) == 1) is expected, (partstat, address)
    person = _outlook(8, "X-MICROSOFT-CDO-BUSYSTATUS:BUSY").replace(
        "PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Frau", "PARTSTAT=DECLINED;RSVP=TRUE;CN=Frau")
    assert len(parse_feed(_request(person), *DAY, source="t", address=room)) == 1


# Google Calendar (resource calendar export): rooms are CUTYPE=RESOURCE attendees at resource.calendar.google.com
GOOGLE = """UID:7kukuqrfedlm2f9t0vb3t1drtn@google.com
DTSTART:20261124T{h:02d}0000Z
DTEND:20261124T{h:02d}4500Z
SUMMARY:Lerngruppe Physik
ORGANIZER;CN=Herr Maier:mailto:maier@schule-ka.de
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Herr Maier
 ;X-NUM-GUESTS=0:mailto:maier@schule-ka.de
ATTENDEE;CUTYPE=RESOURCE;ROLE=REQ-PARTICIPANT;PARTSTAT={room};CN=Schule-1-Lern
 insel B (12);X-NUM-GUESTS=0:mailto:c_1883k2e4ht9v8g@resource.calendar.google.com
STATUS:CONFIRMED
TRANSP:OPAQUE"""

# Nextcloud with a room backend: CUTYPE=ROOM and SCHEDULE-STATUS
NEXTCLOUD = """UID:3f1e9c52-7a47-4b60-9f21-0c1d2e3f4a5b
DTSTART;TZID=Europe/Berlin:20261124T{h:02d}0000
DTEND;TZID=Europe/Berlin:20261124T{h:02d}3000
SUMMARY:AG Robotik
ORGANIZER;CN=Admin:mailto:admin@cloud.schule-ka.de
ATTENDEE;CN=Lerninsel C;CUTYPE=ROOM;PARTSTAT={room};ROLE=REQ-PARTICIPANT;SCHEDULE-STA
 TUS=1.2:mailto:lerninsel-c@cloud.schule-ka.de
{second}"""


def test_google_resource_declined_only_with_its_address():
    address = "c_1883k2e4ht9v8g@resource.calendar.google.com"
    for partstat, given, expected in [("DECLINED", address, False), ("ACCEPTED", address, True),
                                      ("DECLINED", None, True)]:   # RESOURCE, not ROOM: no guess without address
        feed = vcal(GOOGLE.format(h=9, room=partstat))
        events = parse_feed(feed, *DAY, source="google.ics", address=given)
        assert [(e.start, e.end) for e in events] == ([(datetime(2026, 11, 24, 9, tzinfo=UTC),
                                                        datetime(2026, 11, 24, 9, 45, tzinfo=UTC))]
                                                      if expected else []), (partstat, given)


def test_nextcloud_room_declined_without_an_address_when_it_is_the_only_room():
    second_room = ("ATTENDEE;CN=Lerninsel D;CUTYPE=ROOM;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:lerninsel-d@"
                   "cloud.schule-ka.de")
    cases = [("DECLINED", "", None, False),               # the only ROOM attendee declined
             ("ACCEPTED", "", None, True),
             ("DECLINED", second_room, None, True),      # two rooms: which one is this island? stays busy
             ("DECLINED", second_room, "lerninsel-c@cloud.schule-ka.de", False),   # the address tells
             ("DECLINED", second_room, "lerninsel-d@cloud.schule-ka.de", True),    # the other room accepted
             ("DECLINED", "", "lerninsel-x@cloud.schule-ka.de", True)]             # the address is not invited
    for n, (partstat, second, address, expected) in enumerate(cases):
        feed = vcal(NEXTCLOUD.format(h=8 + n, room=partstat, second=second or "TRANSP:OPAQUE"))
        events = parse_feed(feed, *DAY, source="nextcloud.ics", address=address)
        assert [e.start.hour for e in events] == ([7 + n] if expected else []), (partstat, second, address)


def test_a_declined_occurrence_of_a_series_is_free_the_others_stay_busy():
    series = NEXTCLOUD.format(h=14, room="ACCEPTED", second="RRULE:FREQ=DAILY;COUNT=3")
    series = series.replace("20261124T14", "20261123T14")
    moved = NEXTCLOUD.format(h=14, room="DECLINED", second="RECURRENCE-ID;TZID=Europe/Berlin:20261124T140000")
    events = parse_feed(vcal(series, moved), datetime(2026, 11, 23), datetime(2026, 11, 26), source="t")
    assert [e.start for e in events] == [datetime(2026, 11, 23, 13, tzinfo=UTC), datetime(2026, 11, 25, 13, tzinfo=UTC)]


def test_the_island_record_carries_its_address_to_busy(tmp_path):
    path = tmp_path / "a104.ics"
    path.write_text(_request(_outlook(8, "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", room="DECLINED"),
                             _outlook(9, "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", room="ACCEPTED").replace("A0B3", "ffff")))
    plain = CalendarRef.from_record({"calendar": str(path)})
    mine = CalendarRef.from_record({"calendar": str(path), "calendar_address": f"mailto:{ROOM}"})
    assert plain is not None and mine is not None and mine.address == ROOM and plain.address is None
    assert [e.start.hour for e in busy(plain, *DAY)] == [7, 8]
    assert [e.start.hour for e in busy(mine, *DAY)] == [8]
    with pytest.raises(InputError, match=r"^calendar address 'Raum A104' is not an e-mail address"):
        CalendarRef.from_record({"calendar": str(path), "calendar_address": "Raum A104"})
    assert CalendarRef.from_record({"calendar": "", "calendar_address": ROOM}) is None


def test_the_import_stores_the_address_and_refuses_a_bad_one(tmp_path):
    from geotwin.twin.islands.importer import import_learning_islands

    from .test_availability import _read

    source = tmp_path / "inseln.geojson"
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [8.40 + k / 1000, 49.01]},
                 "properties": {"id": iid, "name": iid, "kalender": "a104.ics", "Raum_Email": mail}}
                for k, (iid, mail) in enumerate([("ok", "MAILTO:Lerninsel-A104@Schule.Karlsruhe.de"),
                                                 ("bad", "A104"), ("none", "")])]
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = tmp_path / "i.gpkg"
    summary = import_learning_islands(str(source), str(out), target_crs="EPSG:25832")
    assert summary.calendars == 2
    assert summary.calendar_refused == [("bad", "calendar address 'A104' is not an e-mail address (e.g. "
                                                "raum-a104@schule.de)")]
    frame = _read(out, "learning_islands").set_index("id")
    assert frame.loc["ok", "calendar_address"] == ROOM
    assert frame.loc["ok", "calendar"] == str(tmp_path / "a104.ics")
    assert frame.loc["none", "calendar_address"] is None and frame.loc["bad", "calendar"] is None
