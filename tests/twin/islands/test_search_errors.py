"""islands/search.py pinned down through find_learning_islands: every input-validation error, every exclusion
reason, the result cap and the order (distances checked against plain Pythagoras)."""
from __future__ import annotations

import math
from datetime import datetime

import pytest

from geotwin.tests.twin.islands.test_importer_fixtures import CRS, X0, Y0, write_twin
from geotwin.twin.islands.search import find_learning_islands
from geotwin.twin.kernel.errors import Cancelled, GeoTwinError, InputError
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.kernel.progress import CollectingReporter

MON_10 = datetime(2026, 11, 23, 10, 0)  # a Monday
HOURS = "Mo-Fr 08:00-18:00"


def _layer(path, rows, *, columns=("id", "name", "seats", "opening_hours", "opening_hours_error", "booking_url")):
    """A learning_islands layer written with geopandas (not our writer): rows are dicts with dx/dy or None."""
    import geopandas
    import shapely

    data = {c: [r.get(c) for r in rows] for c in columns}
    geoms = [None if r.get("dx") is None else shapely.Point(X0 + r["dx"], Y0 + r["dy"]) for r in rows]
    geopandas.GeoDataFrame(data, geometry=geoms, crs=CRS).to_file(path, layer="learning_islands", driver="GPKG")
    return LayerRef(str(path), "learning_islands")


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(str(path), layer=layer)


def _island(iid, dx=0.0, dy=0.0, seats="8", hours=HOURS, **extra):
    return {"id": iid, "name": f"Insel {iid}", "dx": dx, "dy": dy, "seats": seats, "opening_hours": hours,
            "booking_url": f"https://example.org/{iid}", **extra}


def test_every_exclusion_reason(tmp_path):
    rows = [
        _island("ok", 30, 40),
        _island("nogeom", None, None),
        _island("seats-text", 1, 1, seats="acht"),
        _island("seats-nan", 1, 1, seats="nan"),
        _island("seats-huge", 1, 1, seats="1e9"),
        _island("few", 2, 2, seats="3"),
        _island("exact", 6, 8, seats="4.0"),
        _island("nohours", 1, 1, hours=None),
        _island("emptyhours", 1, 1, hours=""),
        _island("flagged", 1, 1, hours="Mo-Fr 8-16", opening_hours_error="bad day name"),   # read again
        _island("sun", 1, 1, hours="8-4 Uhr"),
        _island("weekend", 1, 1, hours="Sa,Su 10:00-16:00"),
        _island("ftp", 0, 5, booking_url="ftp://example.org/x"),
        _island("nourl", 300, 400, booking_url=None),
    ]
    islands = _layer(tmp_path / "i.gpkg", rows)
    out = tmp_path / "o.gpkg"
    rep = CollectingReporter()
    origin = (X0, Y0)
    summary = find_learning_islands(islands, str(out), when=MON_10, seats=4, location=origin, reporter=rep)
    assert summary.origin == origin
    assert summary.found == [("ftp", 5.0), ("exact", 10.0), ("ok", 50.0), ("nourl", 500.0)]
    ex = summary.excluded
    assert ex["nogeom"] == "no position"
    assert ex["seats-text"] == ex["seats-nan"] == ex["seats-huge"] == "number of seats unknown"
    assert ex["few"] == "3 seats < 4"
    assert ex["nohours"] == ex["emptyhours"] == "no opening hours"
    assert ex["flagged"].startswith("opening hours 'Mo-Fr 8-16' not understood: 'Mo-Fr 8-16' is not valid "
                                    "opening_hours syntax") and "bad day name" not in ex["flagged"]
    assert ex["sun"].startswith("opening hours '8-4 Uhr' not understood: '8-4 Uhr' is ambiguous")
    assert ex["weekend"] == "closed at Mon 10:00 (Sa,Su 10:00-16:00)"
    assert len(ex) == 10
    # warnings: the refused link and both opening-hours problems, nothing else
    assert sorted(rep.warnings) == sorted([
        "island ftp: " + _read(out, "learning_island_search").set_index("island_id").loc["ftp", "note"],
        f"island flagged: {ex['flagged']}", f"island sun: {ex['sun']}"])
    assert "scheme 'ftp' is not allowed" in rep.warnings[0] or any("scheme 'ftp'" in w for w in rep.warnings)
    found = _read(out, "learning_island_search")
    assert found["rank"].tolist() == [1, 2, 3, 4]
    assert found["island_id"].tolist() == ["ftp", "exact", "ok", "nourl"]
    assert found["distance_m"].tolist() == [5.0, 10.0, 50.0, 500.0]
    assert found["seats"].tolist() == [8, 4, 8, 8]
    assert found["booking_url"].tolist()[1:] == ["https://example.org/exact", "https://example.org/ok", None]
    assert found["booking_url"].isna().tolist()[0]
    assert found["open_at"].tolist() == ["2026-11-23T10:00+01:00"] * 4  # local time with its offset
    assert found["note"].isna().tolist() == [False, True, True, True]
    assert [(g.x, g.y) for g in found.geometry] == [(X0, Y0 + 5), (X0 + 6, Y0 + 8), (X0 + 30, Y0 + 40),
                                                    (X0 + 300, Y0 + 400)]
    excluded = _read(out, "learning_island_search_excluded")
    assert dict(zip(excluded["island_id"], excluded["reason"])) == ex
    assert rep.infos[-1] == ("4 islands open at 2026-11-23 10:00 with at least 4 seats "
                             "(4 candidates, 10 excluded)")


def test_result_cap_and_tie_order(tmp_path):
    # twelve open islands; two pairs at equal distance are ordered by id
    rows = [_island(f"I{k:02d}", 3.0 * (k // 2 + 1), 4.0 * (k // 2 + 1)) for k in range(12)]
    islands = _layer(tmp_path / "i.gpkg", rows[::-1])
    want = sorted((5.0 * (k // 2 + 1), f"I{k:02d}") for k in range(12))
    for cap, n in ((3, 3), (10, 10), (12, 12), (50, 12), (0, 0)):
        out = tmp_path / f"o{cap}.gpkg"
        summary = find_learning_islands(islands, str(out), when=MON_10, location=(X0, Y0), max_results=cap)
        assert summary.found == [(iid, d) for d, iid in want[:n]]
        assert len(_read(out, "learning_island_search")) == n
    # the default cap is ten
    summary = find_learning_islands(islands, str(tmp_path / "d.gpkg"), when=MON_10, location=(X0, Y0))
    assert len(summary.found) == 10 and summary.found[-1] == ("I09", 25.0)


def test_default_one_seat_and_seat_limit(tmp_path):
    islands = _layer(tmp_path / "i.gpkg", [_island("one", 1, 0, seats="1"), _island("zero", 2, 0, seats="0"),
                                            _island("neg", 3, 0, seats="-2")])
    summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0))
    assert summary.found == [("one", 1.0)]
    assert summary.excluded == {"zero": "0 seats < 1", "neg": "-2 seats < 1"}


def test_not_an_islands_layer(tmp_path):
    for missing in ("opening_hours", "seats"):
        cols = tuple(c for c in ("id", "seats", "opening_hours") if c != missing)
        ref = _layer(tmp_path / f"{missing}.gpkg", [_island("a")], columns=cols)
        with pytest.raises(InputError, match=r"not a learning_islands layer \(no opening_hours/seats fields\)") \
                as info:
            find_learning_islands(ref, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0))
        assert str(tmp_path / f"{missing}.gpkg") in str(info.value)


def test_location_or_address_required(tmp_path):
    islands = _layer(tmp_path / "i.gpkg", [_island("a")])
    with pytest.raises(GeoTwinError, match="^give a location point or an address$"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10)
    with pytest.raises(GeoTwinError, match="^give a location point or an address$"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address="")
    with pytest.raises(GeoTwinError, match="^an address search needs the twin's buildings layer$"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address="Kaiserstr. 20")
    assert not (tmp_path / "o.gpkg").exists()


def test_address_errors_and_normalisation(tmp_path):
    twin = write_twin(tmp_path / "twin.gpkg")
    buildings = LayerRef(str(twin), "buildings")
    islands = _layer(tmp_path / "i.gpkg", [_island("a", 110, 10)])
    rep = CollectingReporter()
    # street spelling variants all match "Kaiserstraße 20" (B1, centre X0+110, Y0+10)
    for address in ("Kaiserstr. 20", "KAISERSTRASSE 20", "kaiser-straße, 20", "Kaiserstr 20"):
        summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address=address,
                                        buildings=buildings, reporter=rep)
        assert summary.origin == pytest.approx((X0 + 110, Y0 + 10))
        assert summary.found == [("a", pytest.approx(0.0, abs=1e-6))]
    assert rep.infos[0] == f"address 'Kaiserstr. 20' found at {X0 + 110:.2f}, {Y0 + 10:.2f}"
    with pytest.raises(GeoTwinError, match=r"^address 'Nowhere 1' not found in the buildings layer$"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address="Nowhere 1",
                              buildings=buildings)
    with pytest.raises(GeoTwinError, match=r"not found in the buildings layer; did you mean: Kaiserstraße 20, Kaiserstraße 12\?$"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address="Kaiserstrasse 21",
                              buildings=buildings)


def test_buildings_layer_without_address_fields(tmp_path):
    import geopandas
    import shapely

    islands = _layer(tmp_path / "i.gpkg", [_island("a")])
    for cols in ({"house_number": ["1"]}, {"street": ["A"]}):
        path = tmp_path / f"b{len(cols)}{next(iter(cols))}.gpkg"
        geopandas.GeoDataFrame(cols, geometry=[shapely.box(X0, Y0, X0 + 1, Y0 + 1)], crs=CRS).to_file(
            path, layer="buildings")
        missing = "street" if "street" not in cols else "house_number"
        with pytest.raises(InputError, match=f"the buildings layer has no '{missing}' field for the address search"):
            find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address="A 1",
                                  buildings=LayerRef(str(path), "buildings"))


def test_address_building_without_geometry(tmp_path):
    import geopandas

    islands = _layer(tmp_path / "i.gpkg", [_island("a")])
    path = tmp_path / "b.gpkg"
    geopandas.GeoDataFrame({"street": ["Weg"], "house_number": ["1"]}, geometry=[None], crs=CRS).to_file(
        path, layer="buildings")
    with pytest.raises(GeoTwinError, match=r"^address 'Weg 1': the building has no usable geometry$"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address="Weg 1",
                              buildings=LayerRef(str(path), "buildings"))


def test_address_in_another_crs_is_reprojected(tmp_path):
    """A buildings layer in EPSG:4326: the address point comes back in the islands' CRS."""
    import geopandas
    import shapely
    from pyproj import Transformer

    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    ring = [to_ll.transform(X0 + x, Y0 + y) for x, y in ((90, -10), (130, -10), (130, 30), (90, 30))]
    path = tmp_path / "b.gpkg"
    geopandas.GeoDataFrame({"street": ["Weg"], "house_number": ["2"]}, geometry=[shapely.Polygon(ring)],
                           crs="EPSG:4326").to_file(path, layer="buildings")
    islands = _layer(tmp_path / "i.gpkg", [_island("a", 110, 10)])
    summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address="Weg 2",
                                    buildings=LayerRef(str(path), "buildings"))
    assert summary.origin == pytest.approx((X0 + 110, Y0 + 10), abs=0.05)


def test_cancel_is_seen(tmp_path):
    islands = _layer(tmp_path / "i.gpkg", [_island("a")])
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0),
                              reporter=CollectingReporter(cancel_after=0))
    assert not (tmp_path / "o.gpkg").exists()



def test_did_you_mean_names_at_most_three(tmp_path):
    import geopandas
    import shapely

    path = tmp_path / "b.gpkg"
    numbers = ["10", "11", "12", "13", "14"]
    geopandas.GeoDataFrame({"street": ["Weg"] * 5, "house_number": numbers},
                           geometry=[shapely.box(X0 + i, Y0, X0 + i + 1, Y0 + 1) for i in range(5)], crs=CRS).to_file(
        path, layer="buildings")
    islands = _layer(tmp_path / "i.gpkg", [_island("a")])
    with pytest.raises(GeoTwinError, match=r"; did you mean: Weg 1\d, Weg 1\d, Weg 1\d\?$") as info:
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, address="Weg 15",
                              buildings=LayerRef(str(path), "buildings"))
    assert str(info.value).split("did you mean: ")[1].count("Weg 1") == 3


class _CancelOnSecondCheck(CollectingReporter):
    """Cancelled from the second check on: shows how often the search looks."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0

    def is_cancelled(self) -> bool:
        self.checks += 1
        return self.checks >= 2


@pytest.mark.parametrize("count, cancelled", [(200, False), (201, True)])
def test_cancel_is_checked_every_200_islands(tmp_path, count, cancelled):
    islands = _layer(tmp_path / "i.gpkg", [_island(f"I{k}", k, 0) for k in range(count)])
    reporter = _CancelOnSecondCheck()
    if cancelled:
        with pytest.raises(Cancelled, match="^cancelled by the user$"):
            find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0),
                                  reporter=reporter)
    else:
        summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0),
                                        reporter=reporter)
        assert len(summary.found) == 10
    assert reporter.checks == (2 if cancelled else 1)


def test_output_layers_crs_rounding_and_empty_exclusions(tmp_path):
    import pyogrio

    islands = _layer(tmp_path / "i.gpkg", [_island("a", 1.0, 1.0), _island("b", 2.0, 3.0)])
    out = tmp_path / "o.gpkg"
    summary = find_learning_islands(islands, str(out), when=MON_10, location=(X0, Y0))
    assert summary.excluded == {}
    layers = dict(pyogrio.list_layers(str(out)))
    assert set(layers) == {"learning_island_search", "learning_island_search_excluded"}
    assert len(_read(out, "learning_island_search_excluded")) == 0
    assert pyogrio.read_info(str(out), layer="learning_island_search")["crs"] == CRS
    assert _read(out, "learning_island_search")["distance_m"].tolist() == [1.41, 3.61]
    assert [d for _, d in summary.found] == pytest.approx([math.sqrt(2), math.sqrt(13)])


@pytest.mark.parametrize("duration", [-1, 10081, 7 * 24 * 60 + 60])
def test_duration_beyond_a_week_is_refused(tmp_path, duration):
    islands = _layer(tmp_path / "i.gpkg", [_island("a", hours="24/7")])
    with pytest.raises(GeoTwinError, match=rf"^the duration must be from 0 to 10080 minutes, not {duration}$"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0), duration=duration)
    assert not (tmp_path / "o.gpkg").exists()


@pytest.mark.parametrize("duration, until", [(0, "2026-11-23T10:00+01:00"), (None, "2026-11-23T10:00+01:00"),
                                             (90, "2026-11-23T11:30+01:00"), (10080, "2026-11-30T10:00+01:00")])
def test_duration_limits_are_accepted(tmp_path, duration, until):
    """0 and a whole week (10080 minutes) are accepted; an island open 24/7 is free for all of it."""
    islands = _layer(tmp_path / "i.gpkg", [_island("a", 3.0, 4.0, hours="24/7")])
    rep = CollectingReporter()
    summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0),
                                    duration=duration, reporter=rep)
    assert summary.found == [("a", 5.0)] and summary.calendars_read == 0 and summary.next_free == {}
    assert _read(tmp_path / "o.gpkg", "learning_island_search")["free_until"].tolist() == [until]
    assert rep.infos[-1] == ("1 islands open at 2026-11-23 10:00" + (f" for {duration} minutes" if duration else "")
                             + " with at least 1 seats (1 candidates, 0 excluded)")


def test_address_without_a_target_crs_keeps_the_buildings_coordinates(tmp_path):
    """No target CRS: the address point is not reprojected (there is nothing to reproject to); with one, it is."""
    from pyproj import Transformer

    from geotwin.twin.islands.search import locate_address

    buildings = LayerRef(str(write_twin(tmp_path / "twin.gpkg")), "buildings")
    assert locate_address("Kaiserstr. 20", buildings, None) == pytest.approx((X0 + 110, Y0 + 10))
    assert locate_address("Kaiserstr. 20", buildings, CRS) == pytest.approx((X0 + 110, Y0 + 10))
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + 110, Y0 + 10)
    # the centroid of the reprojected footprint: within a few centimetres of the reprojected centroid
    assert locate_address("Kaiserstr. 20", buildings, "EPSG:4326") == pytest.approx((lon, lat), abs=1e-6)


_CAL_COLUMNS = ("id", "name", "seats", "opening_hours", "calendar", "calendar_type")


def test_credentials_are_bound_to_the_one_caldav_host(tmp_path):
    """With credentials, the CalDAV hosts of all islands are looked at first: islands without a calendar or with
    a broken one are left out of that (the broken one is excluded later, naming the problem)."""
    from geotwin.twin.islands.calendar import Credentials

    islands = _layer(tmp_path / "i.gpkg", [_island("badtype", 1.0, 0.0, calendar="x.ics", calendar_type="fax"),
                                            _island("plain", 3.0, 4.0)], columns=_CAL_COLUMNS)
    summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0),
                                    credentials=Credentials("user", "secret"))
    assert summary.found == [("plain", 5.0)] and summary.calendars_read == 0
    assert summary.excluded == {"badtype": "calendar not usable: calendar type 'fax' is not one of ical, caldav"}


def test_credentials_for_caldav_calendars_on_two_hosts_are_refused(tmp_path):
    from geotwin.twin.islands.calendar import Credentials

    islands = _layer(tmp_path / "i.gpkg", [
        _island("a", 1.0, 0.0, calendar="caldav+https://cal.example.org/a/"),
        _island("b", 2.0, 0.0, calendar="https://dav.example.com/b/", calendar_type="caldav")], columns=_CAL_COLUMNS)
    with pytest.raises(GeoTwinError, match=r"^the CalDAV calendars are on several hosts \(cal\.example\.org:443, "
                                           r"dav\.example\.com:443\); give the authentication configuration the URL"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0),
                              credentials=Credentials("user", "secret"))
    # without reading calendars the hosts do not matter
    summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0),
                                    credentials=Credentials("user", "secret"), calendars=False)
    assert summary.found == [("a", 1.0), ("b", 2.0)]
    assert _read(tmp_path / "o.gpkg", "learning_island_search")["calendar_checked"].tolist() == [False, False]


def test_calendars_read_and_unreadable(tmp_path):
    """A readable (empty) iCalendar file counts as read and leaves its island free; an unreadable one excludes its
    island and the search goes on with the next."""
    ics = tmp_path / "free.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//GeoTwin tests//EN\r\nEND:VCALENDAR\r\n")
    islands = _layer(tmp_path / "i.gpkg", [
        _island("gone", 1.0, 0.0, calendar=str(tmp_path / "missing.ics")),
        _island("closed", 1.5, 0.0, hours="Sa 10:00-12:00", calendar=str(ics)),
        _island("free", 3.0, 4.0, calendar=str(ics)),
        _island("nocal", 6.0, 8.0)], columns=_CAL_COLUMNS)
    summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0))
    assert summary.found == [("free", 5.0), ("nocal", 10.0)]
    assert summary.excluded["gone"].startswith("calendar not readable: ")
    assert summary.excluded["closed"] == "closed at Mon 10:00 (Sa 10:00-12:00)"
    assert set(summary.excluded) == {"gone", "closed"}
    assert summary.calendars_read == 2   # closed and free: each calendar read once it was asked
    found = _read(tmp_path / "o.gpkg", "learning_island_search")
    assert found["calendar_checked"].tolist() == [True, False]


def test_summary_defaults():
    """A SearchSummary made without arguments is empty, with its origin at (0, 0)."""
    from geotwin.twin.islands.search import SearchSummary

    summary = SearchSummary()
    assert (summary.found, summary.excluded, summary.next_free, summary.calendars_read) == ([], {}, {}, 0)
    assert summary.origin == (0.0, 0.0) and SearchSummary().found is not summary.found


def test_next_free_window_only_where_one_exists(tmp_path):
    """Closed now but open on Saturday: next_free is Saturday 10:00 (the calendar's next opening); open only on
    Christmas Day, beyond the 7 days looked ahead: no next_free."""
    from zoneinfo import ZoneInfo

    islands = _layer(tmp_path / "i.gpkg", [_island("weekend", 1, 1, hours="Sa,Su 10:00-16:00"),
                                            _island("xmas", 2, 2, hours="Dec 25 10:00-12:00"), _island("ok", 3, 4)])
    summary = find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0))
    assert summary.found == [("ok", 5.0)] and set(summary.excluded) == {"weekend", "xmas"}
    assert summary.next_free == {"weekend": datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))}
    excluded = _read(tmp_path / "o.gpkg", "learning_island_search_excluded").set_index("island_id")
    assert excluded.loc["weekend", "next_free"] == "2026-11-28T10:00+01:00"
    assert excluded["next_free"].isna().tolist() == [False, True]


def test_credentials_look_past_an_unusable_calendar(tmp_path):
    """An island with an unusable calendar reference comes first: the CalDAV calendars after it are still looked at
    (and here found on two hosts, which credentials cannot serve)."""
    from geotwin.twin.islands.calendar import Credentials

    islands = _layer(tmp_path / "i.gpkg", [
        _island("badtype", 1.0, 0.0, calendar="x.ics", calendar_type="fax"),
        _island("a", 1.0, 0.0, calendar="caldav+https://cal.example.org/a/"),
        _island("b", 2.0, 0.0, calendar="https://dav.example.com/b/", calendar_type="caldav")], columns=_CAL_COLUMNS)
    with pytest.raises(GeoTwinError, match=r"^the CalDAV calendars are on several hosts \(cal\.example\.org:443, "
                                           r"dav\.example\.com:443\)"):
        find_learning_islands(islands, str(tmp_path / "o.gpkg"), when=MON_10, location=(X0, Y0),
                              credentials=Credentials("user", "secret"))
