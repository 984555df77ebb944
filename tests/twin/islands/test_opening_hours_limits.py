"""islands/opening_hours.py at its limits: the 1000-character value, control characters, the 31-day horizon,
the school-holiday table's first and last day, merged and clipped spans, the rewriting of PH/SH with offsets and
separators, and local times across the DST changes (checked against zoneinfo arithmetic).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from geotwin.twin.islands import holidays_bw
from geotwin.twin.islands.opening_hours import (
    MAX_HORIZON,
    TIMEZONE,
    OpeningHoursError,
    _fmt,
    _holiday_selector,
    _rewrite,
    _rewrite_rule,
    _split,
    add,
    local,
    parse,
)

BERLIN = ZoneInfo("Europe/Berlin")
MON = datetime(2026, 11, 23)   # a Monday, no holiday


def test_constants_as_documented():
    assert TIMEZONE.key == "Europe/Berlin" and MAX_HORIZON == timedelta(days=31)
    assert holidays_bw.SCHOOL_HOLIDAYS_KNOWN == (date(2025, 7, 31), date(2027, 9, 11))


def test_length_limit_is_1000_characters():
    head = 'Mo-Fr 08:00-16:00 "'
    at_limit = head + "x" * (1000 - len(head) - 1) + '"'
    assert len(at_limit) == 1000 and parse(at_limit).is_open(MON.replace(hour=9))
    with pytest.raises(OpeningHoursError, match=r"^opening_hours longer than 1000 characters$"):
        parse(head + "x" * (1001 - len(head) - 1) + '"')
    assert parse("  " + "Mo 10:00-12:00" + " " * 990).text == "Mo 10:00-12:00"   # blanks around do not count


@pytest.mark.parametrize("text, match", [
    ("", r"^empty opening_hours$"), ("   ", r"^empty opening_hours$"), (None, r"^empty opening_hours$"),
    ("Mo-Fr\x0108:00-16:00", r"^opening_hours 'Mo-Fr\\x0108:00-16:00' contains control characters$"),
    ("Mo-Fr 08:00-16:00\x1f", None),   # str.strip() takes \x1c-\x1f as blanks: stripped, then accepted
    ("Mo\tTu 10:00-12:00", r"^opening_hours 'Mo\\tTu 10:00-12:00' contains control characters$"),
    (24, r"^'24' is not valid opening_hours syntax"),
    ("Mo 10:00-12:00; Tu 10:00-16:00/01:00+", r"^'Mo 10:00-12:00; Tu 10:00-16:00/01:00\+' is not valid opening_hours "
                                            r"syntax"),
    ("Jan PH off", r"^'Jan PH off': public/school holidays \(PH, SH\) are understood only at the start of a rule, "
                   r"not in 'Jan PH off'$"),
])
def test_refusals_name_the_problem(text, match):
    if match is None:
        assert parse(text).is_open(MON.replace(hour=9))
        return
    with pytest.raises(OpeningHoursError, match=match):
        parse(text)


def test_holidays_twice_in_a_rule():
    """The parser refuses such values itself; the rewriting refuses them too, naming the rule."""
    with pytest.raises(OpeningHoursError, match=r"^'X': holidays \(PH, SH\) appear twice in the rule 'PH Mo,PH off'$"):
        _rewrite_rule(" PH Mo,PH off ", "X")
    assert _rewrite_rule('PH off "not on PH"', "X") == ([f'{_holiday_selector("PH", 0)} off "not on PH"'], {"PH"})


def test_spaces_and_quoted_separators_are_no_problem():
    hours = parse('Mo 10:00-12:00 "ring; then wait || long"')
    assert hours.is_open(MON.replace(hour=11)) and hours.holidays == frozenset() and hours.notes == []
    assert parse('Mo 10:00-12:00 "PH; SH"').holidays == frozenset()   # PH/SH inside a comment is text


def test_horizon_of_31_days():
    hours = parse("24/7")
    start = datetime(2026, 11, 1)   # no DST change within the 31 days
    assert hours.spans(start, start + timedelta(days=31)) == [(local(start), local(start + timedelta(days=31)))]
    with pytest.raises(OpeningHoursError, match=r"^'24/7': spans are evaluated for at most 31 days at once$"):
        hours.spans(start, start + timedelta(days=31, seconds=1))
    # elapsed time counts: 31 days over the autumn change (one hour longer on the wall clock) are still 31 days
    with pytest.raises(OpeningHoursError, match="at most 31 days"):
        hours.spans(datetime(2026, 10, 1), datetime(2026, 11, 1, 0, 30))
    assert len(hours.spans(datetime(2026, 10, 1), datetime(2026, 10, 31, 23))) == 1


@pytest.mark.parametrize("start, end, known", [
    (datetime(2025, 7, 31, 0), datetime(2025, 7, 31, 1), True),
    (datetime(2025, 7, 30, 23), datetime(2025, 7, 31, 1), False),
    (datetime(2027, 9, 11, 10), datetime(2027, 9, 12, 23), True),      # the end may reach the next day
    (datetime(2027, 9, 11, 10), datetime(2027, 9, 13, 0), False),
])
def test_school_holiday_table_edges(start, end, known):
    hours = parse("Mo-Su 08:00-16:00; SH off")
    if known:
        hours.spans(start, end)
    else:
        with pytest.raises(OpeningHoursError, match=r"^'Mo-Su 08:00-16:00; SH off' uses school holidays \(SH\), and "
                                                    r"those of Baden-Württemberg are known only from 2025-07-31 to "
                                                    rf"2027-09-11, not for {start:%Y-%m-%d}$"):
            hours.spans(start, end)
    with pytest.raises(OpeningHoursError, match=r"not for 2025-07-30$"):
        hours.is_open(datetime(2025, 7, 30, 12))
    assert hours.is_open(datetime(2027, 9, 11, 12)) is False and hours.is_open(datetime(2025, 7, 30, 12) + timedelta(
        days=48)) is True   # 2025-09-16: a school day in Baden-Württemberg


def test_spans_are_merged_and_clipped():
    hours = parse("Mo 10:00-12:00,12:00-14:00,15:00-16:00")
    day = MON
    assert hours.spans(day, day + timedelta(days=1)) == [
        (local(day.replace(hour=10)), local(day.replace(hour=14))),
        (local(day.replace(hour=15)), local(day.replace(hour=16)))]
    assert hours.spans(day.replace(hour=11), day.replace(hour=15, minute=30)) == [
        (local(day.replace(hour=11)), local(day.replace(hour=14))),
        (local(day.replace(hour=15)), local(day.replace(hour=15, minute=30)))]
    assert hours.spans(day.replace(hour=14), day.replace(hour=15)) == []      # touching spans give nothing
    assert hours.spans(day.replace(hour=12), day.replace(hour=12)) == []
    overlapping = parse("Mo 10:00-13:00; Mo 11:00-12:00,12:30-14:00")      # a later rule replaces the day
    assert overlapping.spans(day, day + timedelta(days=1)) == [
        (local(day.replace(hour=11)), local(day.replace(hour=12))),
        (local(day.replace(hour=12, minute=30)), local(day.replace(hour=14)))]


@pytest.mark.parametrize("start, end, ok", [
    ((10, 0), (12, 0), True), ((10, 0), (12, 1), False), ((9, 59), (12, 0), False),
    ((12, 0), (12, 30), False), ((11, 59), (12, 0), True),
])
def test_is_open_for_the_whole_window(start, end, ok):
    hours = parse("Mo 10:00-12:00")
    assert hours.is_open_for(MON.replace(hour=start[0], minute=start[1]),
                             MON.replace(hour=end[0], minute=end[1])) is ok


def test_open_at_the_start_not_at_the_end():
    assert parse("Mo 10:00-12:00").is_open(MON.replace(hour=10)) and not parse("Mo 10:00-12:00").is_open(
        MON.replace(hour=12))


def test_rewriting_of_holidays_and_separators():
    ph = _holiday_selector("PH", 0)
    assert ph.split(",")[0] == _fmt(min(holidays_bw.public_holidays()))
    assert _holiday_selector("PH", -1).split(",")[0] == _fmt(min(holidays_bw.public_holidays()) - timedelta(days=1))
    sh = _holiday_selector("SH", 0)
    a, b = holidays_bw.school_holiday_ranges(0)[0]
    assert sh.split(",")[0] == (_fmt(a) if a == b else f"{_fmt(a)}-{_fmt(b)}")
    assert _fmt(date(2026, 1, 6)) == "2026 Jan 06" and _fmt(date(2026, 12, 25)) == "2026 Dec 25"
    def rewrite(text):
        done = _rewrite(text)
        return done.text, done.holidays

    assert rewrite("Mo 10:00-12:00, Tu 10:00-11:00") == ("Mo 10:00-12:00, Tu 10:00-11:00", set())
    assert rewrite("Mo 10:00-12:00 || Tu 10:00-11:00") == ("Mo 10:00-12:00 || Tu 10:00-11:00", set())
    assert rewrite("Mo-Fr 08:00-16:00; PH off") == (f"Mo-Fr 08:00-16:00 ; {ph} off", {"PH"})
    assert rewrite("Mo-Fr,PH 10:00-12:00") == (f"Mo-Fr 10:00-12:00; {ph} 10:00-12:00", {"PH"})
    assert rewrite("SH Mo-Fr 10:00-12:00") == (f"{sh} Mo-Fr 10:00-12:00", {"SH"})
    assert rewrite("Mo-Su 10:00-12:00; PH -2 days off")[0].endswith(f"; {_holiday_selector('PH', -2)} off")
    assert rewrite("Mo-Su 10:00-12:00; PH +1 day off")[0].endswith(f"; {_holiday_selector('PH', 1)} off")
    # an additional rule after a PH selector starts with a date: " , " keeps the parser from reading more times
    assert rewrite("Mo 10:00-12:00, PH off") == (f"Mo 10:00-12:00 , {ph} off", {"PH"})
    assert _split('Mo 10:00-12:00 "a; b"; Tu 09:00-10:00') == [("", 'Mo 10:00-12:00 "a; b"'),
                                                            (";", "Tu 09:00-10:00")]
    assert _split("Mo 10:00-12:00, Tu 10:00-11:00") == [("", "Mo 10:00-12:00"), (",", "Tu 10:00-11:00")]


def test_public_holiday_offsets_shift_both_ways():
    before = parse("Mo-Su 10:00-12:00; PH -1 day off")   # 3 October 2026: Tag der Deutschen Einheit
    assert not before.is_open(datetime(2026, 10, 2, 11)) and before.is_open(datetime(2026, 10, 1, 11))
    assert before.is_open(datetime(2026, 10, 3, 11))   # the holiday itself is open: only the day before is off
    after = parse("Mo-Su 10:00-12:00; PH +2 days off")
    assert not after.is_open(datetime(2026, 10, 5, 11)) and after.is_open(datetime(2026, 10, 4, 11))


def test_local_times_across_dst():
    assert local(datetime(2026, 3, 29, 2, 30)) == datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)   # skipped hour
    assert local(datetime(2026, 3, 29, 2, 30)).utcoffset() == timedelta(hours=2)
    assert local(datetime(2026, 6, 1, 8, tzinfo=UTC)) == datetime(2026, 6, 1, 10, tzinfo=BERLIN)
    assert local(datetime(2026, 6, 1, 8, tzinfo=UTC)).tzinfo is TIMEZONE
    assert add(datetime(2026, 10, 25, 1, 30), timedelta(hours=2)).astimezone(UTC) == \
        datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN).astimezone(UTC) + timedelta(hours=2)
    assert add(datetime(2026, 10, 25, 1, 30), timedelta(hours=2)).hour == 2   # 02:30 the second time


def test_interrupts_are_not_taken_for_syntax_errors(monkeypatch):
    """Ctrl-C (KeyboardInterrupt) and SystemExit pass through the parser's and the evaluator's error handling."""
    import opening_hours

    hours = parse("Mo 10:00-12:00")

    class Interrupting:
        def __init__(self, *args, **kwargs):
            raise KeyboardInterrupt

        def state(self, when):
            raise SystemExit(3)

    with pytest.raises(KeyboardInterrupt, match="^$"):
        hours._evaluate(lambda: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(SystemExit, match="^2$"):
        hours._evaluate(lambda: (_ for _ in ()).throw(SystemExit(2)))
    with pytest.raises(OpeningHoursError, match=r"^'Mo 10:00-12:00' cannot be evaluated: boom$"):
        hours._evaluate(lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    monkeypatch.setattr(opening_hours, "OpeningHours", Interrupting)
    with pytest.raises(KeyboardInterrupt, match="^$"):
        parse("Mo 10:00-12:00")


def test_open_intervals_with_different_comments_are_merged():
    """The parser reports 10-12 ("a") and 12-14 ("b") as two open intervals: one span, 10-14, across both."""
    hours = parse('Mo 10:00-12:00 "a", Mo 12:00-14:00 "b", Mo 15:00-16:00 "c"')
    assert hours.spans(MON, MON + timedelta(days=1)) == [
        (local(MON.replace(hour=10)), local(MON.replace(hour=14))),
        (local(MON.replace(hour=15)), local(MON.replace(hour=16)))]
    assert hours.is_open_for(MON.replace(hour=11), MON.replace(hour=13, minute=30))
    assert not hours.is_open_for(MON.replace(hour=13), MON.replace(hour=15, minute=30))


def test_syntax_error_names_the_users_text_not_the_rewritten_one():
    """'PH off' is rewritten into Baden-Württemberg's holiday dates before evaluation; an invalid value is refused
    naming what the user wrote (the first error position in their own text)."""
    with pytest.raises(OpeningHoursError, match=r"^'Mo-Fr 25:00-26:00; PH off' is not valid opening_hours syntax "
                                                r"\(Failed to parse expression: .*\| Mo-Fr 25:00-26:00; PH off \|"):
        parse("Mo-Fr 25:00-26:00; PH off")
