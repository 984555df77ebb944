"""The generated sample district end to end: islands in the school's classrooms, search, WLAN, sensors."""
from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest

from geotwin.tests.sta_server import start
from geotwin.twin.islands.coverage import wlan_coverage
from geotwin.twin.islands.importer import import_learning_islands
from geotwin.twin.islands.search import find_learning_islands
from geotwin.twin.kernel.gpkg import GpkgWriter
from geotwin.twin.kernel.http import StaClient
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.kernel.schema import LayerSpec
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.importer import write_sensors
from geotwin.twin.sensors.sta_source import fetch_series

CRS = "EPSG:25832"


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """20-building district; city model and school IFC imported by their own importers."""
    from geotwin.bim.importer import ImportOptions, import_ifc
    from geotwin.twin.citymodel.importer import import_citymodel
    from geotwin.twin.sample.generator import generate_district

    root = tmp_path_factory.mktemp("district")
    folder = root / "district"
    generate_district(folder, buildings=20, seed=0, formats=("cityjson", "ifc", "islands", "sensors"))
    import_citymodel([folder / "district.city.json"], root / "city.gpkg")
    import_ifc(folder / "school.ifc", root / "school.gpkg", ImportOptions())
    islands = root / "islands.gpkg"
    summary = import_learning_islands(str(folder / "learning_islands.geojson"), str(islands),
                                      buildings=LayerRef(str(root / "city.gpkg"), "footprints"),
                                      rooms=LayerRef(str(root / "school.gpkg"), "bim_spaces"))
    return {"root": root, "folder": folder, "islands": islands, "summary": summary}


def test_school_islands_link_to_exactly_their_rooms(district):
    from geotwin.twin.sample import islands as sample_islands
    from geotwin.twin.sample import school

    raw = json.loads((district["folder"] / "learning_islands.geojson").read_text(encoding="utf-8"))["features"]
    summary = district["summary"]
    assert (summary.imported, summary.rejected) == (len(raw), 0)
    frame = _read(district["islands"], "learning_islands").set_index("id")
    spaces = _read(district["root"] / "school.gpkg", "bim_spaces").set_index("global_id")
    in_rooms = [f for f in raw if f["properties"]["room"]]
    assert [f["properties"]["room"] for f in in_rooms] == list(sample_islands.SCHOOL_ROOMS)
    import shapely

    place = school.placement()
    rooms = {r.name: r for r in school.rooms()}
    for f in in_rooms:
        p = f["properties"]
        row = frame.loc[p["id"]]
        assert row["building_id"] == school.SCHOOL_ID and row["room_method"] == "floor+point"
        space = spaces.loc[row["room_id"]]
        assert space["number"] == p["room"] and space["long_name"] == f"Klassenzimmer {p['room']}"
        # independent: the generator's own room outline, placed on the map, contains the island
        outline = shapely.Polygon([place.to_map(x, y) for x, y in rooms[p["room"]].polygon])
        assert outline.contains(row.geometry)
        assert rooms[p["room"]].storey == p["floor"]
    linked = set(frame["room_id"].dropna())
    wanted = set(spaces.index[spaces["number"].isin(sample_islands.SCHOOL_ROOMS)])
    assert linked == wanted and len(wanted) == 5
    # every island is linked to the building the generator put it in
    assert (frame["building_id"] == frame["building_ref"]).all()
    assert set(frame["link_status"]) == {"linked"}
    assert len(_read(district["islands"], "learning_islands_unlinked")) == 0


def test_find_a_free_island_in_the_district(district, tmp_path):
    from pyproj import Transformer

    raw = json.loads((district["folder"] / "learning_islands.geojson").read_text(encoding="utf-8"))["features"]
    to_utm = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    origin = to_utm.transform(8.4020, 49.0080)
    when = datetime(2025, 6, 3, 15, 30)   # a Tuesday afternoon: school islands open (Mo-Fr 14:00-18:00)
    out = tmp_path / "found.gpkg"
    summary = find_learning_islands(LayerRef(str(district["islands"]), "learning_islands"), str(out), when=when,
                                    seats=8, location=origin, max_results=20)
    from geotwin.twin.islands.opening_hours import parse

    expected = []
    for f in raw:
        p = f["properties"]
        if p["seats"] >= 8 and parse(p["opening_hours"]).is_open(when):
            x, y = to_utm.transform(*f["geometry"]["coordinates"])
            expected.append((float(np.hypot(x - origin[0], y - origin[1])), p["id"]))
    expected.sort()
    assert [i for i, _ in summary.found] == [i for _, i in expected]
    assert [d for _, d in summary.found] == pytest.approx([d for d, _ in expected], abs=1e-3)
    assert len(expected) >= 3
    frame = _read(out, "learning_island_search")
    assert frame["booking_url"].str.startswith("https://lerninseln.karlsruhe.example/buchen/").all()


def test_wlan_coverage_ranks_the_district(district, tmp_path):
    out = tmp_path / "wlan.gpkg"
    summary = wlan_coverage(LayerRef(str(district["islands"]), "learning_islands"),
                            LayerRef(str(district["root"] / "city.gpkg"), "footprints"), str(out),
                            rooms=LayerRef(str(district["root"] / "school.gpkg"), "bim_spaces"))
    cov = _read(out, "wlan_building_coverage")
    assert len(cov) == summary.buildings >= 20
    ranking = _read(out, "wlan_priorities")
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    assert ranking["priority_class"].is_monotonic_increasing
    buildings = _read(district["root"] / "city.gpkg", "buildings").set_index("id")
    for _, row in ranking.iterrows():
        assert row["function"] == buildings.loc[row["building_id"], "function"]
    rooms = _read(out, "wlan_room_coverage")
    assert summary.rooms == len(rooms) == len(_read(district["root"] / "school.gpkg", "bim_spaces"))
    # the classrooms hosting an island (the AP) are covered
    from geotwin.twin.sample import islands as sample_islands

    assert rooms[rooms["number"].isin(sample_islands.SCHOOL_ROOMS)]["covered"].all()


def test_district_sensors_latest_values_and_links(district, tmp_path):
    import shapely

    from geotwin.twin.sample import school

    folder = district["folder"]
    doc = json.loads((folder / "sensors.sta.json").read_text(encoding="utf-8"))
    areas = tmp_path / "areas.gpkg"
    w = GpkgWriter(areas, CRS)
    lawn = shapely.Polygon([school.uv_to_en(u, v) for u, v in ((-25, -12), (25, -12), (25, 12), (-25, 12))])
    w.add(LayerSpec("areas", "MultiPolygon", {"id": "str", "name": "str"}),
          {"id": "friedrichsplatz", "name": "Friedrichsplatz"}, shapely.MultiPolygon([lawn]))
    w.close()
    server = start([folder / "sensors.sta.json"], page_size=100, max_top=500)
    try:
        series, issues = fetch_series(StaClient(server.base_url(), timeout=10, retries=0), CRS)
    finally:
        server.stop()
    out = tmp_path / "sensors.gpkg"
    write_sensors(series, issues, str(out), CRS, buildings=LayerRef(str(district["root"] / "city.gpkg"), "footprints"),
                  areas=LayerRef(str(areas), "areas"))
    sensors = _read(out, "sensors").set_index("datastream_name")
    assert len(sensors) == sum(len(t["Datastreams"]) for t in doc)
    for thing in doc:
        for ds in thing["Datastreams"]:
            obs = sorted(ds["Observations"], key=lambda o: o["phenomenonTime"])
            values = np.array([o["result"] for o in obs], dtype=float)
            row = sensors.loc[ds["name"]]
            assert row["latest_value"] == values[-1] and row["count"] == len(values)
            assert (row["min"], row["max"]) == (values.min(), values.max())
            assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
    links = {name.rsplit(" ", 1)[-1]: (r["link_type"], r["link_id"]) for name, r in sensors.iterrows()}
    for device in ("ka-fp-soil-01", "ka-fp-soil-02", "ka-fp-soil-03", "ka-fp-temp-01"):
        assert links[device] == ("area", "friedrichsplatz")
    assert links["ka-fp-noise-01"] == ("facade", school.SCHOOL_ID)       # 2.5 m south of the school
    assert links["ka-fp-temp-02"] == ("facade", school.SCHOOL_ID)        # on the north façade
    # the LoRaWAN CSV export of the same week gives the same latest values
    csv_series, _ = read_exports([folder / "sensors.csv"], CRS)
    by_device = {(s.sensor_id, s.observed_property): s.stats()["latest_value"] for s in csv_series}
    assert len(csv_series) == len(series)
    for thing in doc:
        device = thing["properties"]["deviceId"]
        latest = [v for (d, _), v in by_device.items() if d == device]
        ds = thing["Datastreams"][0]
        assert latest == [max(ds["Observations"], key=lambda o: o["phenomenonTime"])["result"]]
