"""Learning islands: import (real Munich WLAN sites, a small twin), linking, bad input, search."""
from __future__ import annotations

import csv
import json
import math
from datetime import datetime

import pytest

from geotwin.tests.twin.islands.test_importer_fixtures import CRS, X0, Y0, lonlat, write_twin
from geotwin.twin.islands.importer import import_learning_islands
from geotwin.twin.islands.opening_hours import OpeningHoursError, parse
from geotwin.twin.islands.search import find_learning_islands
from geotwin.twin.kernel.errors import GeoTwinError, InputError
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.kernel.progress import CollectingReporter

MUNICH = "wlan/muenchen/wlan-standorte-muenchen.geojson"


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


# --- Munich WLAN sites (real data) -------------------------------------------------------------

def test_munich_wlan_sites_imported_with_exact_coordinates(shared_data, tmp_path):
    from pyproj import Transformer

    raw = json.loads((shared_data / MUNICH).read_text(encoding="utf-8"))["features"]
    out = tmp_path / "islands.gpkg"
    summary = import_learning_islands(shared_data / MUNICH, str(out), field_mapping="name=adresse;operator=typ",
                                      target_crs=CRS)
    assert (summary.imported, summary.rejected) == (171, 0)
    frame = _read(out, "learning_islands")
    assert len(frame) == 171
    assert frame.crs.to_epsg() == 25832
    back = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    for feature, (_, row) in zip(raw, frame.sort_values("source_line").iterrows()):
        lon, lat = back.transform(row.geometry.x, row.geometry.y)
        assert lon == pytest.approx(feature["geometry"]["coordinates"][0], abs=1e-9)
        assert lat == pytest.approx(feature["geometry"]["coordinates"][1], abs=1e-9)
        assert row["name"] == feature["properties"]["adresse"]
        assert row["operator"] == feature["properties"]["typ"]
        assert json.loads(row["attributes"])["anzahl"] == feature["properties"]["anzahl"]
    # unmapped columns are kept: the access point counts add up to the published 329
    assert sum(json.loads(a)["anzahl"] for a in frame["attributes"]) == 329
    assert set(frame["link_status"]) == {"not_checked"}


def test_munich_swapped_lat_lon_in_csv_is_detected(shared_data, tmp_path):
    raw = json.loads((shared_data / MUNICH).read_text(encoding="utf-8"))["features"][:20]
    path = tmp_path / "swapped.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Standort", "lat", "lon"])
        for i, f in enumerate(raw):
            lon, lat = f["geometry"]["coordinates"]
            w.writerow([f["properties"]["adresse"], *((lon, lat) if i % 4 == 0 else (lat, lon))])
    rep = CollectingReporter()
    out = tmp_path / "o.gpkg"
    summary = import_learning_islands(str(path), str(out), field_mapping="name=Standort", target_crs=CRS,
                                      reporter=rep)
    assert summary.imported == 20
    swapped = [w for w in rep.warnings if "swapped" in w]
    assert len(swapped) == 5 and all("line" in w for w in swapped)
    direct = import_learning_islands(shared_data / MUNICH, str(tmp_path / "d.gpkg"), target_crs=CRS)
    assert direct.imported == 171
    a = _read(out, "learning_islands").geometry
    b = _read(tmp_path / "d.gpkg", "learning_islands").geometry[:20]
    assert max(p.distance(q) for p, q in zip(a, b)) < 1e-6


# --- a small twin: linking to buildings and rooms ----------------------------------------------

def _islands_csv(path, rows):
    header = ["Kennung", "Titel", "SSID", "Plaetze", "Zeiten", "Buchung", "Etage", "Raum", "breite", "laenge"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        for r in rows:
            w.writerow(r)
    return path


MAPPING = "id=Kennung;name=Titel;seats=Plaetze;opening_hours=Zeiten;booking_url=Buchung;floor=Etage;room=Raum"


def _island(iid, dx, dy, floor="", room="", seats="8", hours="Mo-Fr 08:00-18:00", swap=False):
    lon, lat = lonlat(dx, dy)
    coords = (f"{lon:.9f}", f"{lat:.9f}") if swap else (f"{lat:.9f}", f"{lon:.9f}")
    return [iid, f"Insel {iid}", "KA-WLAN", seats, hours, f"https://example.org/book/{iid}", floor, room, *coords]


@pytest.fixture
def twin(tmp_path):
    return write_twin(tmp_path / "twin.gpkg")


def test_islands_link_to_buildings_and_rooms(twin, tmp_path):
    rows = [
        _island("I1", 30, 10, floor="1"),              # B1, room R202 by floor + point
        _island("I2", 10, 10, room="0.01"),            # B1, stacked rooms: room number decides -> R101
        _island("I3", 110, 30),                        # 10 m north of B2 -> nearest, B2 has no rooms
        _island("I4", 200, 200),                       # nowhere near a building
        ["I5", "Insel I5", "", "4", "", "", "", "", "", ""],   # no coordinates
        _island("I1", 5, 5),                           # duplicate id
        _island("I7", 15, 115, floor="EG", swap=True),  # B3, lat/lon swapped in the file
        _island("I8", 10, 10, floor="0"),              # B1 ground floor -> R101
        _island("I9", 10, 10),                         # B1, point in R101 and R201, no floor, no room
    ]
    src = _islands_csv(tmp_path / "inseln.csv", rows)
    rep = CollectingReporter()
    out = tmp_path / "islands.gpkg"
    summary = import_learning_islands(str(src), str(out), field_mapping=MAPPING,
                                      buildings=LayerRef(str(twin), "footprints"),
                                      rooms=LayerRef(str(twin), "bim_spaces"), reporter=rep)
    assert (summary.imported, summary.rejected) == (7, 2)
    frame = _read(out, "learning_islands").set_index("id")
    assert frame.loc["I1", ["building_id", "building_method", "room_id", "room_method"]].tolist() == \
        ["B1", "inside", "R202", "floor+point"]
    assert frame.loc["I2", ["building_id", "room_id", "room_method"]].tolist() == ["B1", "R101", "name/number"]
    assert frame.loc["I3", ["building_id", "building_method", "link_status"]].tolist() == \
        ["B2", "nearest", "linked"]
    assert frame.loc["I3", "building_distance"] == pytest.approx(10.0, abs=1e-3)
    assert "no BIM rooms" in frame.loc["I3", "link_reason"]
    assert frame.loc["I4", "link_status"] == "unlinked"
    assert "within 25 m" in frame.loc["I4", "link_reason"]
    assert frame.loc["I7", ["building_id", "link_status"]].tolist() == ["B3", "linked"]
    assert "swapped" in frame.loc["I7", "link_reason"]
    assert frame.loc["I8", ["room_id", "room_storey"]].tolist() == ["R101", "EG"]
    assert frame.loc["I9", "link_status"] == "building_only"
    assert "different storeys" in frame.loc["I9", "link_reason"]
    # positions: independent of the importer, back to the local grid
    assert frame.loc["I1"].geometry.x == pytest.approx(X0 + 30, abs=1e-3)
    assert frame.loc["I1"].geometry.y == pytest.approx(Y0 + 10, abs=1e-3)
    assert (frame.loc["I7"].geometry.x, frame.loc["I7"].geometry.y) == pytest.approx((X0 + 15, Y0 + 115), abs=1e-3)
    unlinked = _read(out, "learning_islands_unlinked")
    by_status = {s: sorted(g["island_id"]) for s, g in unlinked.groupby("status")}
    assert by_status["rejected"] == ["I1", "I5"]
    assert by_status["unlinked"] == ["I4"]
    assert by_status["building_only"] == ["I9"]
    reasons = dict(zip(unlinked["source_line"], unlinked["reason"]))
    assert "missing or non-numeric coordinates" in reasons[6]
    # I1 again, other floor and position: the first is kept, the second named with the fields that differ
    assert reasons[7] == "same id 'I1' as line 2 but different values: fields Etage, geometry"
    assert any("line 6" in w and "I5" in w for w in rep.warnings)


def test_bad_field_mapping_names_the_column(twin, tmp_path):
    src = _islands_csv(tmp_path / "i.csv", [_island("I1", 1, 1)])
    with pytest.raises(InputError, match="no column 'Sitze'"):
        import_learning_islands(str(src), str(tmp_path / "o.gpkg"), field_mapping="seats=Sitze")
    with pytest.raises(InputError, match="unknown target field 'plaetze'"):
        import_learning_islands(str(src), str(tmp_path / "o.gpkg"), field_mapping="plaetze=Plaetze")
    assert not (tmp_path / "o.gpkg").exists()


def test_non_numeric_seats_are_reported_not_lost(tmp_path):
    src = _islands_csv(tmp_path / "i.csv", [_island("I1", 1, 1, seats="viele")])
    rep = CollectingReporter()
    import_learning_islands(str(src), str(tmp_path / "o.gpkg"), field_mapping=MAPPING, reporter=rep)
    row = _read(tmp_path / "o.gpkg", "learning_islands").iloc[0]
    assert math.isnan(row["seats"])
    assert any("seats 'viele' is not a number" in w for w in rep.warnings)


# --- opening hours -----------------------------------------------------------------------------

MON_10 = datetime(2026, 11, 23, 10, 0)  # a Monday


@pytest.mark.parametrize("text, when, expected", [
    ("24/7", datetime(2026, 11, 29, 3, 0), True),
    ("Mo-Fr 08:00-18:00", MON_10, True),
    ("Mo-Fr 08:00-18:00", datetime(2026, 11, 28, 10, 0), False),          # Saturday
    ("Mo-Fr 08:00-18:00", datetime(2026, 11, 23, 18, 0), False),          # end is exclusive
    ("Mo-Fr 08:00-12:00,13:00-17:00", datetime(2026, 11, 24, 12, 30), False),
    ("Mo-Fr 08:00-12:00,13:00-17:00", datetime(2026, 11, 24, 13, 0), True),
    ("Mo-Sa 09:00-20:00; We off", datetime(2026, 11, 25, 10, 0), False),
    ("Mo-Sa 09:00-20:00; We 12:00-14:00", datetime(2026, 11, 25, 10, 0), False),
    ("Mo-Sa 09:00-20:00; We 12:00-14:00", datetime(2026, 11, 25, 13, 0), True),
    ("Mo-Fr 08:00-12:00, Sa 10:00-14:00", datetime(2026, 11, 28, 11, 0), True),
    ("Fr-Mo 10:00-16:00", datetime(2026, 11, 29, 11, 0), True),            # Sunday inside the wrap
    ("Fr-Mo 10:00-16:00", datetime(2026, 11, 25, 11, 0), False),
    ("Fr 22:00-02:00", datetime(2026, 11, 28, 1, 30), True),               # Saturday 01:30, spill-over
    ("Fr 22:00-02:00", datetime(2026, 11, 28, 2, 30), False),
    ("Mo-Fr 08:00-18:00; PH off", MON_10, True),
    ("Sa,Su 10:00-24:00", datetime(2026, 11, 29, 23, 59), True),
    ("Mo-Su 07:00-22:00 \"Schlüssel an der Pforte\"", MON_10, True),
    ("10:00-12:00", datetime(2026, 11, 29, 11, 0), True),
])
def test_opening_hours(text, when, expected):
    assert parse(text).is_open(when) is expected


def test_opening_hours_holidays_noted_and_invalid_refused():
    assert parse("Mo-Fr 08:00-18:00; PH off").notes == ["holidays of Baden-Württemberg: public (PH)"]
    # the full syntax (months, open ends, sunrise, fallbacks) is understood since opening_hours_py
    assert not parse("Jan-Mar Mo 10:00-12:00").is_open(datetime(2026, 4, 6, 11, 0))
    assert parse("Jan-Mar Mo 10:00-12:00").is_open(datetime(2026, 3, 30, 11, 0))
    for bad in ("Mo 10-12", "Mo-Fr 08:00-18:00 ||", "", "Jan PH off"):
        with pytest.raises(OpeningHoursError, match=r"\S"):  # any message: the forms fail differently
            parse(bad)


# --- search ------------------------------------------------------------------------------------

def test_find_orders_by_distance_and_filters(twin, tmp_path):
    # eleven islands on a spiral around B1, with varied seats and hours
    rows, expected_pos = [], {}
    for k in range(11):
        dx, dy = 20 + 17.0 * k * math.cos(k), 10 + 17.0 * k * math.sin(k)
        seats = str(2 + k % 5)
        hours = "Mo-Fr 08:00-18:00" if k % 3 else "Sa,Su 10:00-16:00"
        rows.append(_island(f"S{k}", dx, dy, seats=seats, hours=hours))
        expected_pos[f"S{k}"] = (X0 + dx, Y0 + dy, int(seats), k % 3 != 0)
    rows.append(_island("S-bad", 21, 11, hours="Mo-Fr 8-4 Uhr"))   # ambiguous
    src = _islands_csv(tmp_path / "i.csv", rows)
    islands = tmp_path / "islands.gpkg"
    import_learning_islands(str(src), str(islands), field_mapping=MAPPING, target_crs=CRS)
    out = tmp_path / "found.gpkg"
    rep = CollectingReporter()
    origin = (X0 + 100.0, Y0 - 50.0)
    summary = find_learning_islands(LayerRef(str(islands), "learning_islands"), str(out), when=MON_10, seats=4,
                                    location=origin, max_results=5, reporter=rep)
    want = sorted(((math.hypot(x - origin[0], y - origin[1]), iid)
                   for iid, (x, y, seats, weekday) in expected_pos.items() if seats >= 4 and weekday))
    assert [iid for iid, _ in summary.found] == [iid for _, iid in want[:5]]
    assert len(want) >= 4
    frame = _read(out, "learning_island_search")
    assert frame["rank"].tolist() == list(range(1, len(want[:5]) + 1))
    assert frame["distance_m"].tolist() == pytest.approx([d for d, _ in want[:5]], abs=0.01)
    assert frame["booking_url"].tolist() == [f"https://example.org/book/{iid}" for _, iid in want[:5]]
    assert "not understood" in summary.excluded["S-bad"]
    excluded = dict(zip(*_read(out, "learning_island_search_excluded")[["island_id", "reason"]].T.values))
    assert len(excluded) + len(want) == 12
    assert all(("closed at Mon 10:00" in excluded[i]) or ("seats <" in excluded[i])
               for i in expected_pos if i not in dict(want).values() and i in excluded)
    assert any("S-bad" in w for w in rep.warnings)


def test_find_by_address(twin, tmp_path):
    src = _islands_csv(tmp_path / "i.csv", [_island("near", 130, 10), _island("far", 500, 500),
                                              _island("full", 121, 10, seats="2")])
    islands = tmp_path / "islands.gpkg"
    import_learning_islands(str(src), str(islands), field_mapping=MAPPING, target_crs=CRS)
    out = tmp_path / "found.gpkg"
    summary = find_learning_islands(LayerRef(str(islands), "learning_islands"), str(out), when=MON_10, seats=3,
                                    address="Kaiserstr. 20", buildings=LayerRef(str(twin), "buildings"))
    assert summary.origin == pytest.approx((X0 + 110, Y0 + 10))
    assert [iid for iid, _ in summary.found] == ["near", "far"]
    assert summary.found[0][1] == pytest.approx(20.0, abs=1e-3)
    with pytest.raises(GeoTwinError, match="did you mean: Kaiserstraße 20"):
        find_learning_islands(LayerRef(str(islands), "learning_islands"), str(out), when=MON_10,
                              address="Kaiserstrasse 21", buildings=LayerRef(str(twin), "buildings"))


def test_easting_northing_columns_in_another_crs(twin, tmp_path):
    """Gauss-Krüger (EPSG:31467) Rechtswert/Hochwert, one row swapped, linked in the EPSG:25832 twin."""
    from pyproj import Transformer

    to_gk = Transformer.from_crs(CRS, "EPSG:31467", always_xy=True)
    rows = [("GK1", 30.0, 10.0, False), ("GK2", 15.0, 115.0, True), ("GK3", 110.0, 10.0, False)]
    path = tmp_path / "gk.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["id", "Rechtswert", "Hochwert"])
        for iid, dx, dy, swap in rows:
            e, n = to_gk.transform(X0 + dx, Y0 + dy)
            w.writerow([iid, *((f"{n:.3f}", f"{e:.3f}") if swap else (f"{e:.3f}", f"{n:.3f}"))])
    rep = CollectingReporter()
    out = tmp_path / "o.gpkg"
    summary = import_learning_islands(str(path), str(out), source_crs="EPSG:31467",
                                      buildings=LayerRef(str(twin), "footprints"), reporter=rep)
    assert summary.imported == 3
    frame = _read(out, "learning_islands").set_index("id")
    for iid, dx, dy, _ in rows:
        assert (frame.loc[iid].geometry.x, frame.loc[iid].geometry.y) == pytest.approx((X0 + dx, Y0 + dy), abs=2e-3)
    assert frame["building_id"].tolist() == ["B1", "B3", "B2"]
    assert [w for w in rep.warnings if "easting/northing swapped" in w and "line 3" in w]
