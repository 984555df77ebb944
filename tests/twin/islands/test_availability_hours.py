"""availability.json's opening hours: open / closed / unknown intervals over the horizon of the busy times, checked
against an independent evaluation (the sample district's simple weekday rules evaluated here by hand, the public
holidays of Baden-Württemberg from python-holidays), at fixed times: a Sunday, a BW holiday on a weekday, inside and
outside the hours, over the change to summer time; hours unknown (by arrangement, open ends, none, not understood)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as python_holidays
import pytest

from geotwin.tests.twin.islands.test_importer_fixtures import CRS
from geotwin.twin.islands.availability import availability_json, hours_intervals
from geotwin.twin.islands.opening_hours import OPEN_END_COMMENT, parse
from geotwin.twin.kernel.progress import CollectingReporter

BERLIN = ZoneInfo("Europe/Berlin")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
SUNDAY = datetime(2026, 11, 22, 10, 0)        # Totensonntag: a Sunday, no public holiday in BW
TUESDAY = datetime(2026, 11, 24, 15, 0)       # term time, inside the school's hours
EPIPHANY = datetime(2027, 1, 6, 15, 0)        # Wednesday, a public holiday in BW (not in most other states)
GOOD_FRIDAY = datetime(2027, 3, 26, 9, 0)     # holiday; summer time from Sunday 28th; Easter Monday 29th a holiday
MUNICH = "wlan/muenchen/wlan-standorte-muenchen.geojson"


def _weekdays(selector: str) -> set[int]:
    """Mo-Fr, Sa,Su, Tu-Fr, Sa -> weekday numbers (Monday 0)."""
    out: set[int] = set()
    for part in selector.split(","):
        first, _, last = part.partition("-")
        out |= set(range(DAYS.index(first), DAYS.index(last or first) + 1))
    return out


def expected(text: str, start: datetime, end: datetime) -> list[list[str]]:
    """The rows of a value made of ``DAYS HH:MM-HH:MM`` rules and ``PH off`` (a later rule for a day replaces an
    earlier one), evaluated day by day; public holidays from python-holidays (Germany, BW)."""
    start, end = start.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN)
    rules = [r.strip() for r in text.split(";")]
    holidays = python_holidays.Germany(subdiv="BW", years=range(start.year, end.year + 1))
    spans: list[tuple[datetime, datetime]] = []
    day = start.date() - timedelta(days=1)
    while day <= end.date():
        times = None
        for rule in rules:
            if rule == "PH off":
                times = None if day in holidays else times
                continue
            selector, hours = rule.split(" ")
            if day.weekday() in _weekdays(selector):
                times = hours
        if times is not None:
            a, b = (time.fromisoformat(t) for t in times.split("-"))
            spans.append((datetime.combine(day, a, BERLIN), datetime.combine(day, b, BERLIN)))
        day += timedelta(days=1)
    rows, at = [], start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if b <= a:
            continue
        if a > at:
            rows.append([at.isoformat(), a.isoformat(), "closed"])
        rows.append([a.isoformat(), b.isoformat(), "open"])
        at = b
    if at < end:
        rows.append([at.isoformat(), end.isoformat(), "closed"])
    return rows


def midnight(when: datetime, days: int = 0) -> datetime:
    """Local midnight of the day of ``when`` (plus ``days`` calendar days): where availability.json's intervals
    begin and end."""
    return datetime.combine(when.date() + timedelta(days=days), time(0))


def iso(*args: int) -> str:
    return datetime(*args, tzinfo=BERLIN).isoformat()


def test_the_independent_evaluation_itself():
    """expected() on a week worked out by hand (so that the comparisons below compare with something right)."""
    assert expected("Mo-Fr 14:00-18:00; PH off", SUNDAY, SUNDAY + timedelta(days=2)) == [
        [iso(2026, 11, 22, 10), iso(2026, 11, 23, 14), "closed"], [iso(2026, 11, 23, 14), iso(2026, 11, 23, 18), "open"],
        [iso(2026, 11, 23, 18), iso(2026, 11, 24, 10), "closed"]]
    assert expected("Tu-Fr 09:30-17:00; Sa,Su 10:00-18:00", SUNDAY, SUNDAY + timedelta(hours=12))[:2] == [
        [iso(2026, 11, 22, 10), iso(2026, 11, 22, 18), "open"], [iso(2026, 11, 22, 18), iso(2026, 11, 22, 22), "closed"]]


@pytest.fixture(scope="module")
def sample_islands(tmp_path_factory):
    """The sample district's learning islands through the importer (a GeoPackage, with their calendars)."""
    from geotwin.twin.islands.importer import import_learning_islands
    from geotwin.twin.sample.generator import generate_district

    tmp = tmp_path_factory.mktemp("district")
    district = generate_district(tmp / "d", buildings=10, seed=5, formats=("islands",))
    out = tmp / "islands.gpkg"
    summary = import_learning_islands(district.path("islands"), str(out), target_crs=CRS)
    assert summary.calendars == 5
    return out


@pytest.mark.parametrize("now", [SUNDAY, TUESDAY, EPIPHANY, GOOD_FRIDAY], ids=["sunday", "tuesday", "epiphany",
                                                                                "good-friday-dst"])
def test_sample_islands_hours_equal_an_independent_evaluation(sample_islands, now):
    rep = CollectingReporter()
    doc = availability_json(str(sample_islands), now=now, reporter=rep)
    assert rep.warnings == []
    islands = doc["islands"]
    assert len(islands) >= 9
    for iid, entry in islands.items():
        assert entry["hours"] == expected(entry["opening_hours"], midnight(now), midnight(now, 7)), iid
        assert entry["hours"][0][0] == midnight(now).replace(tzinfo=BERLIN).isoformat()
        assert "hours_error" not in entry
    assert sum(1 for e in islands.values() if e["calendar"] == "ok" and e["busy"]) == 5   # the busy times stay


def test_sample_islands_on_a_sunday_and_on_a_bw_holiday(sample_islands):
    """The cases the web map's text comes from, spelled out: closed and when it opens, open and when it closes."""
    sunday = availability_json(str(sample_islands), now=SUNDAY)["islands"]
    school, library, town_hall, museum = (sunday[i] for i in ("LI-001", "LI-006", "LI-008", "LI-009"))
    assert school["opening_hours"] == "Mo-Fr 14:00-18:00; PH off"
    assert school["hours"][0] == [iso(2026, 11, 22), iso(2026, 11, 23, 14), "closed"]   # opens Mo 14:00
    assert library["hours"][0] == [iso(2026, 11, 22), iso(2026, 11, 24, 10), "closed"]  # opens Tu 10:00
    assert museum["opening_hours"] == "Tu-Fr 09:30-17:00; Sa,Su 10:00-18:00"
    assert museum["hours"][:2] == [[iso(2026, 11, 22), iso(2026, 11, 22, 10), "closed"],
                                   [iso(2026, 11, 22, 10), iso(2026, 11, 22, 18), "open"]]     # closes 18:00
    assert town_hall["hours"][0] == [iso(2026, 11, 22), iso(2026, 11, 23, 8), "closed"]
    epiphany = availability_json(str(sample_islands), now=EPIPHANY)["islands"]
    # Wednesday 15:00 is inside the school's hours, but a holiday in BW: closed until Thursday 14:00
    assert epiphany["LI-001"]["hours"][0] == [iso(2027, 1, 6), iso(2027, 1, 7, 14), "closed"]
    # the town hall's hours have no "PH off": open until 18:00
    assert epiphany["LI-008"]["hours"][1] == [iso(2027, 1, 6, 8), iso(2027, 1, 6, 18), "open"]
    good_friday = availability_json(str(sample_islands), now=GOOD_FRIDAY)["islands"]["LI-001"]["hours"]
    # Good Friday, the weekend and Easter Monday closed; Tuesday in summer time (+02:00)
    assert good_friday[:2] == [["2027-03-26T00:00:00+01:00", "2027-03-30T14:00:00+02:00", "closed"],
                               ["2027-03-30T14:00:00+02:00", "2027-03-30T18:00:00+02:00", "open"]]


def test_unknown_hours_are_never_open(tmp_path):
    now, end = midnight(TUESDAY), midnight(TUESDAY, 7)
    records = [{"id": "arr", "opening_hours": "\u201enach Vereinbarung\u201c"},
               {"id": "open-end", "opening_hours": "Mo-Fr 08:00+"},
               {"id": "mixed", "opening_hours": 'Mo-Fr 08:00-12:00; Sa "nach Vereinbarung"'},
               {"id": "none", "opening_hours": None},
               {"id": "bad", "opening_hours": "Mo-Fr 8-16"},
               {"id": "flagged", "opening_hours": "Mo-Fr 08:00-12:00", "opening_hours_error": "two values"},
               {"id": "sh", "opening_hours": "Mo-Fr 08:00-16:00; SH off"}]
    rep = CollectingReporter()
    islands = availability_json(records, now=datetime(2027, 11, 23, 7), reporter=rep)["islands"]
    whole = [[iso(2027, 11, 23), iso(2027, 11, 30), "unknown"]]
    # school holidays of BW are known until 2027-09-11: unknown as a whole, with the reason and a warning
    assert islands["sh"]["hours"] == whole and "known only from" in islands["sh"]["hours_error"]
    assert sorted(w.split(":")[0] for w in rep.warnings) == ["island bad", "island sh"]
    rep = CollectingReporter()
    islands = availability_json(records, now=TUESDAY.replace(hour=7), reporter=rep)["islands"]
    assert islands["arr"]["hours"] == [[now.replace(tzinfo=BERLIN).isoformat(), end.replace(tzinfo=BERLIN).isoformat(),
                                        "unknown", "nach Vereinbarung"]]
    assert "hours_error" not in islands["arr"]
    # an open end: closed before 08:00, unknown from then to midnight, never open
    assert islands["open-end"]["hours"][:3] == [
        [iso(2026, 11, 24), iso(2026, 11, 24, 8), "closed"],
        [iso(2026, 11, 24, 8), iso(2026, 11, 25, 0), "unknown", OPEN_END_COMMENT],
        [iso(2026, 11, 25, 0), iso(2026, 11, 25, 8), "closed"]]
    assert {row[2] for row in islands["open-end"]["hours"]} == {"closed", "unknown"}
    # Mo-Fr as evaluated by hand; the weekend's closed interval split by Saturday, by arrangement
    weekdays = expected("Mo-Fr 08:00-12:00", now, end)
    weekend = weekdays.index([iso(2026, 11, 27, 12), iso(2026, 11, 30, 8), "closed"])
    weekdays[weekend:weekend + 1] = [[iso(2026, 11, 27, 12), iso(2026, 11, 28, 0), "closed"],
                                     [iso(2026, 11, 28, 0), iso(2026, 11, 29, 0), "unknown", "nach Vereinbarung"],
                                     [iso(2026, 11, 29, 0), iso(2026, 11, 30, 8), "closed"]]
    assert islands["mixed"]["hours"] == weekdays
    whole = [[iso(2026, 11, 24), iso(2026, 12, 1), "unknown"]]
    assert islands["none"]["hours"] == whole and islands["none"]["hours_error"] == "no opening hours"
    assert islands["bad"]["hours"] == whole and "not valid opening_hours syntax" in islands["bad"]["hours_error"]
    # a flag of the import is not trusted: the stored value is read again (a stale flag never hides good hours)
    assert islands["flagged"]["hours"] == expected("Mo-Fr 08:00-12:00", now, end)
    assert "hours_error" not in islands["flagged"]
    assert islands["sh"]["hours"] == expected("Mo-Fr 08:00-16:00", now, end)   # no school holidays that week
    assert sorted(w.split(":")[0] for w in rep.warnings) == ["island bad"]


def test_intervals_cover_the_horizon_without_gaps_beyond_31_days():
    start = datetime(2026, 10, 20, 12, 0)       # over the change to winter time (25 October)
    end = start + timedelta(days=45)
    assert hours_intervals(parse("24/7"), start, end) == [[iso(2026, 10, 20, 12), iso(2026, 12, 4, 12), "open"]]
    rows = hours_intervals(parse("Mo-Fr 14:00-18:00; PH off"), start, end)
    assert rows == expected("Mo-Fr 14:00-18:00; PH off", start, end)
    assert all(a[1] == b[0] for a, b in zip(rows, rows[1:])) and all(a[2] != b[2] for a, b in zip(rows, rows[1:]))
    assert rows[0][0].endswith("+02:00") and rows[-1][1].endswith("+01:00")
    winter = hours_intervals(parse("Mo-Fr 14:00-18:00; PH off"), datetime(2026, 12, 10), datetime(2027, 1, 24))
    assert winter == expected("Mo-Fr 14:00-18:00; PH off", datetime(2026, 12, 10), datetime(2027, 1, 24))
    opened = {r[0][:10] for r in winter if r[2] == "open"}
    assert len(opened) == 32 - 3 and not opened & {"2026-12-25", "2027-01-01", "2027-01-06"}   # Fri, Fri, Wed


def test_munich_wlan_sites_have_unknown_hours(shared_data, tmp_path):
    """Real data without opening hours: every site unknown for the whole horizon, none shown as free."""
    from geotwin.twin.islands.importer import import_learning_islands

    out = tmp_path / "islands.gpkg"
    import_learning_islands(shared_data / MUNICH, str(out), field_mapping="name=adresse;operator=typ", target_crs=CRS)
    doc = availability_json(str(out), now=SUNDAY, days=3)
    assert len(doc["islands"]) == 171
    whole = [[iso(2026, 11, 22), iso(2026, 11, 25), "unknown"]]
    assert all(e["hours"] == whole and e["hours_error"] == "no opening hours" for e in doc["islands"].values())
    assert doc["generated"] == iso(2026, 11, 22)
