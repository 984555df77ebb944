"""Opening hours in the full OSM syntax with the public and school holidays of Baden-Württemberg."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geotwin.twin.islands import holidays_bw
from geotwin.twin.islands.opening_hours import OpeningHoursError, add, local, parse

SCHOOL = "Mo-Fr 08:00-16:00; PH,SH off"


def test_corpus_christi_2026_is_a_bw_public_holiday_and_closes_the_school():
    # independent check: Fronleichnam is a holiday in BW, not nationwide
    assert date(2026, 6, 4) in holidays.Germany(subdiv="BW", years=2026)
    assert date(2026, 6, 4) not in holidays.Germany(years=2026)
    hours = parse("Mo-Fr 08:00-16:00; PH off")
    assert not hours.is_open(datetime(2026, 6, 4, 10, 0))        # Thursday, Fronleichnam
    assert hours.is_open(datetime(2026, 6, 11, 10, 0))           # the Thursday after
    assert not hours.is_open(datetime(2026, 1, 6, 10, 0))        # Heilige Drei Könige (BW only)
    assert hours.is_open(datetime(2026, 11, 2, 10, 0))


@pytest.mark.parametrize("when, expected", [
    (datetime(2026, 7, 29, 10), True),    # Wednesday before the summer holidays
    (datetime(2026, 7, 30, 10), False),   # first day of the BW summer holidays 2026
    (datetime(2026, 8, 4, 10), False),
    (datetime(2026, 9, 11, 10), False),   # Friday, still holidays (last day 12 Sep)
    (datetime(2026, 9, 14, 10), True),    # first school day
    (datetime(2026, 6, 3, 10), False),    # Pfingstferien 26 May - 5 Jun 2026
    (datetime(2026, 6, 8, 10), True),
    (datetime(2026, 10, 30, 10), False),  # Herbstferien
    (datetime(2026, 12, 23, 10), False),  # Weihnachtsferien 2026/27 start
    (datetime(2026, 12, 22, 10), True),
    (datetime(2026, 11, 23, 10), True),
])
def test_school_hours_with_public_and_school_holidays(when, expected):
    assert parse(SCHOOL).is_open(when) is expected


def test_holiday_table_is_consistent():
    rows = holidays_bw.SCHOOL_HOLIDAYS
    assert all(a <= b for a, b, _ in rows)
    assert all(rows[i][1] < rows[i + 1][0] for i in range(len(rows) - 1))
    # the summer holidays of the KMK schedule: 30 Jul - 12 Sep 2026, 29 Jul - 11 Sep 2027
    assert (date(2026, 7, 30), date(2026, 9, 12)) in [(a, b) for a, b, _ in rows]
    assert (date(2027, 7, 29), date(2027, 9, 11)) in [(a, b) for a, b, _ in rows]
    assert holidays_bw.is_school_holiday(date(2030, 1, 1)) is None
    assert holidays_bw.is_school_holiday(date(2026, 8, 1)) is True
    assert holidays_bw.is_public_holiday(date(2026, 6, 4))


def test_holiday_selectors_or_and_offset():
    either = parse("Mo-Fr,PH 10:00-12:00")
    assert either.is_open(datetime(2026, 10, 3, 11))      # Saturday, Tag der Deutschen Einheit
    assert not either.is_open(datetime(2026, 10, 10, 11))  # an ordinary Saturday
    assert either.is_open(datetime(2026, 10, 5, 11))
    both = parse("SH Mo-Fr 10:00-12:00")                   # school holiday AND weekday
    assert both.is_open(datetime(2026, 8, 4, 11))
    assert not both.is_open(datetime(2026, 8, 8, 11))      # Saturday in the holidays
    assert not both.is_open(datetime(2026, 9, 15, 11))     # a school day
    after = parse("Mo-Su 10:00-12:00; PH +1 day off")
    assert after.is_open(datetime(2026, 6, 4, 11)) and not after.is_open(datetime(2026, 6, 5, 11))
    assert parse("PH off; Mo-Fr 09:00-10:00").is_open(datetime(2026, 6, 4, 9, 30))  # a later rule wins
    assert parse(SCHOOL).notes == ["holidays of Baden-Württemberg: public (PH), school (SH, known 2025-07-31 to "
                                   "2027-09-11)"]


def test_full_syntax_beyond_the_old_subset():
    assert parse("Jan-Mar Mo 10:00-12:00").is_open(datetime(2026, 3, 30, 11))
    assert not parse("Jan-Mar Mo 10:00-12:00").is_open(datetime(2026, 4, 6, 11))
    assert parse("Mo[1] 10:00-12:00").is_open(datetime(2026, 12, 7, 11))       # first Monday of December
    assert not parse("Mo[1] 10:00-12:00").is_open(datetime(2026, 12, 14, 11))
    assert parse("Mo-Fr 08:00-12:00 || Sa 10:00-11:00").is_open(datetime(2026, 11, 28, 10, 30))
    assert not parse("Mo-Fr 10:00-12:00 unknown").is_open(datetime(2026, 11, 23, 11))  # unknown is not open


@pytest.mark.parametrize("bad, message", [
    ("", "empty"),
    ("Mo 10-12", "not valid opening_hours syntax"),
    ("Mo-Fr 8-16", "times need hours and minutes with a colon"),
    ("Mo-Fr 8-4 Uhr", "is ambiguous: '8-4 Uhr' ends before it starts"),
    ("Jan PH off", "only at the start of a rule"),
    ("PH,SH PH off", "not valid|twice"),
    ("Mo-Fr 08:00-16:00\x00", "control characters"),
    ("Mo " * 400, "longer than 1000"),
])
def test_refused_values_name_the_problem(bad, message):
    with pytest.raises(OpeningHoursError, match=message):
        parse(bad)


def test_school_holidays_outside_the_table_are_unknown_not_guessed():
    with pytest.raises(OpeningHoursError, match="known only from 2025-07-31 to 2027-09-11"):
        parse(SCHOOL).is_open(datetime(2028, 3, 1, 10))
    assert parse("Mo-Fr 08:00-16:00; PH off").is_open(datetime(2028, 3, 1, 10))   # PH alone: any year


def test_dst_change_spring_and_autumn():
    night = parse("Mo-Su 01:00-04:00")
    spans = night.spans(datetime(2026, 3, 29, 0), datetime(2026, 3, 29, 6))
    assert len(spans) == 1
    a, b = spans[0]
    assert b.astimezone(UTC) - a.astimezone(UTC) == timedelta(hours=2)   # 02:00-03:00 skipped
    # a 90-minute window from 01:30 on the spring night ends at 04:00 local time
    assert add(datetime(2026, 3, 29, 1, 30), timedelta(minutes=90)) == local(datetime(2026, 3, 29, 4, 0))
    assert night.is_open_for(datetime(2026, 3, 29, 1, 30), add(datetime(2026, 3, 29, 1, 30), timedelta(minutes=90)))
    autumn = night.spans(datetime(2026, 10, 25, 0), datetime(2026, 10, 25, 6))
    a, b = autumn[0]
    assert b.astimezone(UTC) - a.astimezone(UTC) == timedelta(hours=4)   # 02:00-03:00 twice


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("MoTuWeThFrSaSuPHSHJan0123456789:-,; +[]\"|offclosedunknown/\u2013")),
               max_size=50))
def test_hostile_strings_raise_only_geotwin_errors(text):
    try:
        hours = parse(text)
    except OpeningHoursError:
        return
    for when in (datetime(2026, 6, 4, 10), datetime(2026, 8, 4, 23, 59), datetime(2026, 3, 29, 2, 30)):
        try:
            assert hours.is_open(when) in (True, False)
            assert isinstance(hours.spans(when, when + timedelta(days=2)), list)
        except OpeningHoursError:
            pass
