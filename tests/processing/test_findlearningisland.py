"""geotwin:importlearningislands + geotwin:findlearningisland on the sample district: calendars, DURATION,
next_free."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


@pytest.fixture(scope="module")
def imported(tmp_path_factory, qgis_processing):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from geotwin.twin.sample.generator import generate_district

    tmp = tmp_path_factory.mktemp("find")
    district = generate_district(tmp / "d", buildings=10, seed=2, formats=("islands",))
    out = tmp / "islands.gpkg"
    res = qgis_processing.run("geotwin:importlearningislands", {
        "INPUT": str(district.path("islands")), "TARGET_CRS": "EPSG:25832", "OUTPUT": str(out)},
        context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
    return tmp, out, res


def test_import_stores_the_calendars(imported):
    tmp, out, res = imported
    assert res["CALENDARS"] == 5
    frame = _read(out, "learning_islands")
    cal = frame[frame["calendar"].notna()]
    assert len(cal) == 5 and set(cal["calendar_type"]) == {"ical"}
    assert all((tmp / "d" / "calendars" / f"{i}.ics").samefile(p) for i, p in zip(cal["id"], cal["calendar"]))


def test_find_with_a_window_leaves_booked_islands_out_with_next_free(imported, run_alg):
    from geotwin.twin.islands.calendar import CalendarRef, busy

    tmp, out, _ = imported
    frame = _read(out, "learning_islands").set_index("id")
    when = datetime(2026, 11, 24, 14, 30)        # Tuesday in term time
    # the independent expectation: the islands whose calendar has an event overlapping 14:30-15:30
    booked = set()
    for iid, rec in frame[frame["calendar"].notna()].iterrows():
        events = busy(CalendarRef("ical", rec["calendar"]), when.replace(hour=0), when.replace(hour=23))
        if any(e.start < datetime(2026, 11, 24, 15, 30, tzinfo=BERLIN) and e.end > when.replace(tzinfo=BERLIN)
               for e in events):
            booked.add(iid)
    assert booked, "the sample week should book some classroom at Tuesday 14:30"
    result = tmp / "found.gpkg"
    res = run_alg("geotwin:findlearningisland", {
        "INPUT": f"{out}|layername=learning_islands", "LOCATION": "456268.0,5428517.0 [EPSG:25832]",
        "TIME": "2026-11-24T14:30:00", "DURATION": 60, "SEATS": 1, "MAX_RESULTS": 50, "OUTPUT": str(result)})
    found = set(_read(result, "learning_island_search")["island_id"])
    excluded = _read(result, "learning_island_search_excluded").set_index("island_id")
    assert booked <= set(excluded.index) and not booked & found
    for iid in booked:
        assert excluded.loc[iid, "reason"].startswith("booked 2026-11-24")
        assert excluded.loc[iid, "next_free"] is not None
    assert res["FOUND"] == len(found)
    # without calendars the booked classrooms are found again
    again = run_alg("geotwin:findlearningisland", {
        "INPUT": f"{out}|layername=learning_islands", "LOCATION": "456268.0,5428517.0 [EPSG:25832]",
        "TIME": "2026-11-24T14:30:00", "DURATION": 60, "CALENDARS": False, "MAX_RESULTS": 50,
        "OUTPUT": str(tmp / "plain.gpkg")})
    assert again["FOUND"] == len(found) + len(booked)
