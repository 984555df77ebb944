"""Everyday German opening hours as schools write them ("Mo–Fr 8–16 Uhr", "8.00-16.00"): read as the OSM form where
unambiguous (and evaluated exactly as that form), refused with a message saying how to write them where they could be
read two ways."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from geotwin.twin.islands.opening_hours import OpeningHoursError, german, parse

WEEK = (datetime(2026, 11, 22), datetime(2026, 12, 20))   # four weeks from a Sunday, a holiday-free stretch in BW

# (as written, the OSM form it is read as)
FORMS = [
    ("8\u201318 Uhr", "08:00-18:00"),
    ("8-18 Uhr", "08:00-18:00"),
    ("Mo\u2013Fr 8\u201316 Uhr", "Mo-Fr 08:00-16:00"),
    ("Mo-Fr 8.00-16.00 Uhr", "Mo-Fr 08:00-16:00"),
    ("Mo-Fr 08.00-16.00", "Mo-Fr 08:00-16:00"),              # dotted minutes: a time without "Uhr"
    ("8:00 - 18:00 Uhr", "08:00-18:00"),
    ("Mo-Fr 8 - 16 h", "Mo-Fr 08:00-16:00"),
    ("Mo-Fr 8 bis 16", "Mo-Fr 08:00-16:00"),
    ("Mo-Fr 7.30-12.45 Uhr", "Mo-Fr 07:30-12:45"),
    ("Mo.-Fr. 8-16 Uhr", "Mo-Fr 08:00-16:00"),
    ("Di-Do 8-12 und 13-16 Uhr", "Tu-Th 08:00-12:00,13:00-16:00"),
    ("Mo-Fr 8-12 Uhr, 14-16 Uhr; Sa 10-13 Uhr", "Mo-Fr 08:00-12:00,14:00-16:00; Sa 10:00-13:00"),
    ("Mo,Mi,Fr 14-18 Uhr; So off", "Mo,We,Fr 14:00-18:00; Su off"),
    ("Mo-Fr 0-24 Uhr", "Mo-Fr 00:00-24:00"),
    ("Fr 22-2 Uhr", "Fr 22:00-02:00"),                       # after 12: past midnight, no other reading
    ("Mo-Fr 8-16 Uhr; PH off", "Mo-Fr 08:00-16:00; PH off"),
    ('Mo-Fr 8-16 Uhr "Schl\u00fcssel 12-13 Uhr im Sekretariat"', 'Mo-Fr 08:00-16:00 "Schl\u00fcssel 12-13 Uhr im '
                                                                 'Sekretariat"'),   # the comment stays as written
]


@pytest.mark.parametrize("written, osm", FORMS, ids=[w for w, _ in FORMS])
def test_each_german_form_is_read_as_its_osm_form_and_evaluates_the_same(written, osm):
    hours, reference = parse(written), parse(osm)
    assert hours.normalised == osm and hours.text == written
    assert f"read as opening_hours '{osm}'" in hours.notes
    assert reference.normalised is None
    assert hours.spans(*WEEK) == reference.spans(*WEEK) and hours.spans(*WEEK)
    assert hours.unknown_spans(*WEEK) == reference.unknown_spans(*WEEK)


def test_the_forms_open_exactly_the_hours_they_say():
    hours = parse("Mo\u2013Fr 8\u201316 Uhr")
    monday = [(a.isoformat(), b.isoformat()) for a, b in hours.spans(datetime(2026, 11, 23), datetime(2026, 11, 24))]
    assert monday == [("2026-11-23T08:00:00+01:00", "2026-11-23T16:00:00+01:00")]
    assert not hours.is_open(datetime(2026, 11, 28, 10))   # Saturday
    split = parse("Di-Do 8-12 und 13-16 Uhr").spans(datetime(2026, 11, 24), datetime(2026, 11, 25))
    assert [(a.hour, b.hour) for a, b in split] == [(8, 12), (13, 16)]


@pytest.mark.parametrize("written", ["Mo-Fr 08:00-16:00", "mo-fr 08:00-16:00", "Mo-Fr 08:00-12:00, 14:00-16:00",
                                     "24/7", "Mo-Fr 08:00+", "Jan-Mar Mo 10:00-12:00", '"nach Vereinbarung"',
                                     "Mo-Fr 8:00-16:00"])
def test_osm_values_are_not_rewritten(written):
    assert german(written) == (written, False)
    assert parse(written).normalised is None


@pytest.mark.parametrize("written, message", [
    ("Mo-Fr 8-4 Uhr", r"^'Mo-Fr 8-4 Uhr' is ambiguous: '8-4 Uhr' ends before it starts: on a 12-hour clock it could mean until "
                      r"16:00, or it runs past midnight; write 08:00-16:00 or 08:00-04:00$"),
    ("Mo-Fr 9.30-5.30", r"^'Mo-Fr 9\.30-5\.30' is ambiguous: '9\.30-5\.30' ends before it starts"),
    ("1-5 Uhr", r"^'1-5 Uhr' is ambiguous: '1-5 Uhr' is at night or, on a 12-hour clock, in the afternoon; write 01:00-05:00 "
                r"or 13:00-17:00$"),
    ("ab 8 Uhr", r"^'ab 8 Uhr' is incomplete: 'ab 8 Uhr' has no other end; write a range such as Mo-Fr 08:00-16:00 "
                 r"\(or 08:00\+ for an open end\)$"),
    ("Mo-Fr bis 16 Uhr", r"^'Mo-Fr bis 16 Uhr' is incomplete: 'bis 16 Uhr' has no other end"),
    ("Mo-Fr 8-25 Uhr", r"^'Mo-Fr 8-25 Uhr' is not valid: '8-25 Uhr' is no time of day$"),
    ("Mo-Fr 8.75-16.00", r"^'Mo-Fr 8\.75-16\.00' is not valid: '8\.75-16\.00' is no time of day$"),
])
def test_ambiguous_forms_stay_refused_saying_how_to_write_them(written, message):
    with pytest.raises(OpeningHoursError, match=message):
        parse(written)


@pytest.mark.parametrize("written", ["Mo 10-12", "Mo-Fr 8-16"])
def test_bare_numbers_without_uhr_stay_refused_with_the_hint(written):
    """Without "Uhr" or minutes, "10-12" could be a day or week range: not guessed."""
    with pytest.raises(OpeningHoursError, match=rf"^'{written}' is not valid opening_hours syntax .*; times need "
                                                r"hours and minutes with a colon, as in Mo-Fr 08:00-16:00 \(or "
                                                r"'Mo-Fr 8-16 Uhr'\)$"):
        parse(written)


def test_the_import_counts_the_normalised_values(tmp_path):
    from geotwin.twin.islands.importer import import_learning_islands
    from geotwin.twin.kernel.progress import CollectingReporter

    from .test_availability import _read

    values = [("de", "Mo\u2013Fr 8\u201316 Uhr"), ("dots", "Mo-Fr 8.00-16.00 Uhr"), ("osm", "Mo-Fr 08:00-16:00"),
              ("twice", "Mo-Fr 8-4 Uhr")]
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [8.40 + k / 1000, 49.01]},
                 "properties": {"id": iid, "name": iid, "opening_hours": text}} for k, (iid, text) in enumerate(values)]
    source = tmp_path / "inseln.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    rep = CollectingReporter()
    summary = import_learning_islands(str(source), str(tmp_path / "i.gpkg"), target_crs="EPSG:25832", reporter=rep)
    assert summary.hours_normalised == [("de", "Mo\u2013Fr 8\u201316 Uhr", "Mo-Fr 08:00-16:00"),
                                        ("dots", "Mo-Fr 8.00-16.00 Uhr", "Mo-Fr 08:00-16:00")]
    assert summary.hours_unknown == [("twice", "Mo-Fr 8-4 Uhr")]
    assert any(m.startswith("2 islands have opening hours in everyday German, read as opening_hours (de: ")
               for m in rep.infos)
    frame = _read(tmp_path / "i.gpkg", "learning_islands").set_index("id")
    assert frame.loc["de", "opening_hours"] == "Mo\u2013Fr 8\u201316 Uhr"   # kept as written
    assert frame.loc["de", "opening_hours_error"] is None
    assert frame.loc["twice", "opening_hours_error"].startswith("'Mo-Fr 8-4 Uhr' is ambiguous: '8-4 Uhr' ends before it starts")
