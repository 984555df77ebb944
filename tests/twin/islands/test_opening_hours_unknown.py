"""Opening hours as office web sites and OSM write them: typographic dashes, quotes and spaces; open ends
(``08:00+``, OSM opening_hours specification; unknown from their start as in opening_hours.js); rules that are only
a comment ("nach Vereinbarung": unknown, by arrangement). Unknown hours are never counted as open: not in
``spans``, not free in the search or the booking, and reported with their comment."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from geotwin.tests.twin.islands.test_availability import _layer
from geotwin.twin.islands.availability import book_island, check_window, next_window
from geotwin.twin.islands.opening_hours import OPEN_END_COMMENT, OpeningHoursError, local, parse, plain
from geotwin.twin.islands.search import find_learning_islands
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter

MON = datetime(2026, 11, 23)   # a Monday in term time, no holiday
WEEKDAYS = "Mo-Fr 08:00-18:00"


def _at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return MON + timedelta(days=day, hours=hour, minutes=minute)


def _week(text: str) -> list[tuple[datetime, datetime]]:
    return parse(text).spans(MON, MON + timedelta(days=7))


@pytest.mark.parametrize("text", [
    "Mo\u2013Fr 08:00\u201318:00",                    # en dashes (word processors)
    "Mo\u2014Fr 08:00\u201418:00",                    # em dashes
    "Mo-Fr 08:00 \u2013 18:00",                       # a spaced en dash between the times
    "Mo \u2013 Fr 08:00 - 18:00",                     # spaced dashes between weekdays too
    "Mo\u2212Fr 08:00\u221218:00",                    # minus signs
    "Mo\u2011Fr\u00a008:00\u201118:00",               # non-breaking hyphens and a no-break space
    "Mo-Fr\u202f08:00\u2009-\u200918:00",             # narrow no-break and thin spaces
    "\ufeffMo-Fr 08:00-18:00\u200b",                  # a byte-order mark and a zero-width space pasted along
    "Mo-Fr  08:00-18:00",                             # two blanks
    "mo\u2013fr 08:00\u201318:00",                    # lower case
])
def test_typographic_forms_mean_the_same_hours(text):
    assert _week(text) == _week(WEEKDAYS)
    assert len(_week(WEEKDAYS)) == 5 and _week(WEEKDAYS)[0] == (local(_at(8)), local(_at(18)))
    hours = parse(text)
    assert hours.text == text.strip()                     # the user's value is kept as written
    assert (hours.notes[:1] and hours.notes[0].startswith("read as plain text: ")) or text == "Mo-Fr  08:00-18:00"


def test_typographic_quotes_make_a_comment_and_comments_keep_their_own_characters():
    assert plain("Sa \u201enach Vereinbarung\u201c") == ('Sa "nach Vereinbarung"', ["double low-9 quotation mark",
                                                                                   "left double quotation mark"])
    assert plain("Sa \u00absur rendez-vous\u00bb")[0] == 'Sa "sur rendez-vous"'
    # inside a straight-quoted comment nothing is touched: "Pause 12–13" keeps its en dash and its no-break space
    assert plain('Mo 08:00\u201312:00 "Pause\u00a012\u201313"') == ('Mo 08:00-12:00 "Pause\u00a012\u201313"',
                                                                  ["en dash"])
    hours = parse('Mo-Fr 08:00\u201312:00; Sa \u201enach Vereinbarung\u201c')
    assert hours.arrangements == ["nach Vereinbarung"]
    assert hours.unknown_spans(_at(0, day=5), _at(24, day=5)) == [
        (local(_at(0, day=5)), local(_at(24, day=5)), "nach Vereinbarung")]


@pytest.mark.parametrize("text", ["Mo-Fr 8-16", "Mo 10-12", "Sa 9 - 13"])
def test_forms_outside_the_grammar_stay_refused_with_a_hint(text):
    """Hours without minutes and without "Uhr" are not in the opening_hours grammar and not read as everyday German
    (tests/twin/islands/test_opening_hours_german.py): refused (guessing could invent open hours), the message names
    the value as written and says how to write it."""
    with pytest.raises(OpeningHoursError, match=rf"^'{text}' is not valid opening_hours syntax \(.*\); times need "
                                                r"hours and minutes with a colon, as in Mo-Fr 08:00-16:00 \(or "
                                                r"'Mo-Fr 8-16 Uhr'\)$"):
        parse(text)


# ---- open ends --------------------------------------------------------------------------------------

def test_an_open_end_is_unknown_from_its_start_never_open():
    hours = parse("Mo-Fr 08:00+")
    assert hours.open_ends == ["08:00+"]
    assert not hours.is_open(_at(8)) and not hours.is_open(_at(9)) and not hours.is_open(_at(23, 59))
    assert hours.spans(MON, MON + timedelta(days=7)) == []
    unknown = hours.unknown_spans(MON, MON + timedelta(days=7))
    assert [(a, b) for a, b, _ in unknown] == [(local(_at(8, day=d)), local(_at(24, day=d))) for d in range(5)]
    assert {c for _, _, c in unknown} == {OPEN_END_COMMENT}
    assert any("open end 08:00+" in n and "never counted as open" in n for n in hours.notes)


@pytest.mark.parametrize("text, open_, unknown_from", [
    ("Mo-Fr 10:00-12:00,14:00+", [(10, 12)], 14),     # open end after a break
    ("Mo-Fr 10:00-12:00, 14:00+", [(10, 12)], 14),    # the same, with a blank after the comma
    ("Mo-Fr 14:00-17:00+", [(14, 17)], 17),           # fixed time followed by an open end (OSM extension)
    ("Mo-Fr 10:00-12:00 , 14:00+", [(10, 12)], 14),   # " , ": an additional rule for every day
    ("Mo-Fr 07:00+ open \"Schluss nach Bedarf\"", [], 7),   # an explicit "open" does not make it known
])
def test_open_ends_after_known_hours(text, open_, unknown_from):
    hours = parse(text)
    assert hours.spans(MON, _at(24)) == [(local(_at(a)), local(_at(b))) for a, b in open_]
    (a, b, _), = hours.unknown_spans(MON, _at(24))
    assert (a, b) == (local(_at(unknown_from)), local(_at(24)))
    assert hours.is_open_for(_at(10), _at(12)) is bool(open_ and open_[0] == (10, 12))
    assert not hours.is_open(_at(unknown_from, 30))


def test_the_open_end_comment_is_the_users_when_given_and_other_states_are_left_alone():
    (_, _, comment), = parse('Mo 18:00+ "Ende je nach Veranstaltung"').unknown_spans(MON, _at(24))
    assert comment == "Ende je nach Veranstaltung"
    assert parse("Mo 18:00+ off").open_ends == [] and not parse("Mo 18:00+ off").is_open(_at(19))
    assert parse("Mo-Fr sunset+").open_ends == ["sunset+"]
    assert parse("Mo-Fr (sunrise+01:00)-12:00").open_ends == []   # "+" inside a variable time: no open end


def test_a_search_at_an_open_end_excludes_the_island_and_says_why(tmp_path):
    islands = _layer(tmp_path / "i.gpkg", [{"id": "late", "opening_hours": "Mo-Fr 10:00-12:00,14:00+"},
                                           {"id": "fixed", "opening_hours": WEEKDAYS}])
    rep = CollectingReporter()
    found = find_learning_islands(islands, str(tmp_path / "f.gpkg"), when=_at(15, day=1), duration=60,
                                  location=(0.0, 0.0), reporter=rep)
    assert [iid for iid, _ in found.found] == ["fixed"]
    assert found.excluded["late"] == ("opening hours unknown from Tue 15:00 (open end, closing time unknown), never "
                                      "counted as open (Mo-Fr 10:00-12:00,14:00+)")
    assert found.next_free["late"] == local(_at(10, day=2))   # the next surely open hour: Wednesday 10:00
    assert found.hours_unknown == {"late": found.excluded["late"]}
    assert not any("late" in w for w in rep.warnings)          # a normal state, not a data problem
    assert "1 of them with opening hours unknown then" in rep.infos[-1]
    # 11:00-13:00 starts open, runs into the break: closed, not unknown
    window = check_window("late", parse("Mo-Fr 10:00-12:00,14:00+"), None, _at(11), timedelta(hours=2))
    assert window.reason == "not open the whole time Mon 11:00-13:00 (Mo-Fr 10:00-12:00,14:00+)"
    with pytest.raises(GeoTwinError, match=r"^island late is not open the whole time 2026-11-24 14:30-15:00"):
        book_island([{"id": "late", "opening_hours": "Mo-Fr 10:00-12:00,14:00+", "seats": 4,
                      "booking_url": "https://buchen.example.org/?i={island}"}], "late", _at(14, 30, day=1), 30)


# ---- rules that are only a comment --------------------------------------------------------------------

@pytest.mark.parametrize("text, arrangements, open_monday, unknown_saturday", [
    ('"nach Vereinbarung"', ["nach Vereinbarung"], [], True),
    ('Mo-Fr "by appointment"', ["by appointment"], [], False),
    ('Mo-Fr 08:00-12:00; Sa "nach Vereinbarung"', ["nach Vereinbarung"], [(8, 12)], True),
    ('Mo-Fr 08:00-12:00 || "sonst nach Absprache"', ["sonst nach Absprache"], [(8, 12)], True),   # fallback
    ('PH "nach Absprache"; Mo-Fr 08:00-12:00', ["nach Absprache"], [(8, 12)], False),
    ('Mo-Fr 08:00-12:00 "Schlüssel an der Pforte"', [], [(8, 12)], False),   # a remark on open hours
])
def test_comment_only_rules_are_unknown_with_their_comment(text, arrangements, open_monday, unknown_saturday):
    hours = parse(text)
    assert hours.arrangements == arrangements
    assert hours.spans(MON, _at(24)) == [(local(_at(a)), local(_at(b))) for a, b in open_monday]
    saturday = hours.unknown_spans(_at(0, day=5), _at(24, day=5))
    assert bool(saturday) is unknown_saturday
    if unknown_saturday:
        assert saturday == [(local(_at(0, day=5)), local(_at(24, day=5)), arrangements[0])]
    assert bool([n for n in hours.notes if n.startswith("hours by arrangement")]) is bool(arrangements)


def test_by_arrangement_on_public_holidays():
    """PH rules are rewritten into Baden-Württemberg's dates; a comment-only PH rule stays unknown on those dates:
    Mo-Fr hours on a Thursday holiday (Fronleichnam, 4 June 2026) become unknown, the Thursday after is open."""
    hours = parse('Mo-Fr 08:00-12:00; PH "nach Absprache"')
    assert not hours.is_open(datetime(2026, 6, 4, 9)) and hours.is_open(datetime(2026, 6, 11, 9))
    (a, b, c), = hours.unknown_spans(datetime(2026, 6, 4), datetime(2026, 6, 5))
    assert (a, b, c) == (local(datetime(2026, 6, 4)), local(datetime(2026, 6, 5)), "nach Absprache")


def test_a_by_arrangement_island_is_imported_counted_and_never_found_free(tmp_path):
    islands = _layer(tmp_path / "i.gpkg", [{"id": "ask", "opening_hours": '"nach Vereinbarung"'},
                                           {"id": "fixed", "opening_hours": WEEKDAYS}])
    found = find_learning_islands(islands, str(tmp_path / "f.gpkg"), when=_at(10), duration=30, location=(0.0, 0.0))
    assert [iid for iid, _ in found.found] == ["fixed"]
    assert found.excluded["ask"] == ('opening hours unknown from Mon 10:00 (nach Vereinbarung), never counted as '
                                     'open ("nach Vereinbarung")')
    assert "ask" not in found.next_free
    assert next_window(parse('"nach Vereinbarung"'), [], _at(10), timedelta(minutes=30)) is None


def test_open_ends_the_rewriting_cannot_place_are_refused_rather_than_counted_open():
    """Every open end outside a comment must be rewritten as unknown (or stand in a closed/unknown rule); a '+' the
    rewriting does not place is refused, never left for the parser to count as open until midnight."""
    from geotwin.twin.islands.opening_hours import _rewrite

    with pytest.raises(OpeningHoursError, match=r"^'Mo 10:00-12:00 x 14:00\+': an open end \('\+'\) is not where a "
                                                r"time selector allows it; its hours cannot be read safely$"):
        _rewrite("Mo 10:00-12:00 x 14:00+")
    assert _rewrite('Mo 10:00-12:00 "bis 18:00+"').open_ends == []   # inside a comment: text
    assert _rewrite("Mo 18:00+ unknown").open_end_count == 1


def test_an_open_end_on_public_holidays_and_weekdays():
    """'Mo-Fr,PH 10:00-12:00,14:00+': on Saturday 3 Oct 2026 (German Unity Day) open 10-12, unknown from 14:00; on
    the Saturday after closed all day."""
    hours = parse("Mo-Fr,PH 10:00-12:00,14:00+")
    unity, later = datetime(2026, 10, 3), datetime(2026, 10, 10)
    assert hours.spans(unity, unity + timedelta(days=1)) == [(local(unity.replace(hour=10)), local(unity.replace(hour=12)))]
    assert [(a, b) for a, b, _ in hours.unknown_spans(unity, unity + timedelta(days=1))] == [
        (local(unity.replace(hour=14)), local(unity + timedelta(days=1)))]
    assert hours.spans(later, later + timedelta(days=1)) == [] == hours.unknown_spans(later, later + timedelta(days=1))
    assert hours.holidays == frozenset({"PH"}) and hours.open_ends == ["14:00+"]
