"""The sample district's sensors imported with its areas.geojson: on the square linked to it, the kerbside
parking sensors (ground sensors, not named for a façade) to the nearest area, the rest to façades."""
from __future__ import annotations

import csv
import json

import pytest

from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.importer import write_sensors

CRS = "EPSG:25832"
TOLERANCE = 15.0
GML = {"bldg": "http://www.opengis.net/citygml/building/2.0", "gml": "http://www.opengis.net/gml"}
ON_SQUARE = {"ka-fp-soil-01", "ka-fp-soil-02", "ka-fp-soil-03", "ka-fp-temp-01", "ka-fp-temp-02",
             "ka-fp-temp-03", "ka-fp-noise-01"}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A 20-building district: city model imported, sensors (LoRaWAN CSV) imported with BUILDINGS and AREAS."""
    from geotwin.twin.citymodel.importer import import_citymodel
    from geotwin.twin.sample.generator import generate_district

    root = tmp_path_factory.mktemp("sensors_district")
    folder = root / "district"
    generate_district(folder, buildings=20, seed=0, formats=("citygml", "sensors", "areas"))
    import_citymodel([folder / "district.gml"], root / "city.gpkg")
    series, issues = read_exports([folder / "sensors.csv"], CRS)
    out = root / "sensors.gpkg"
    summary = write_sensors(series, issues, str(out), CRS,
                            buildings=LayerRef(str(root / "city.gpkg"), "footprints"),
                            areas=LayerRef(str(folder / "areas.geojson")), tolerance=TOLERANCE)
    return folder, out, summary


def _raw_geometry(folder):
    """Footprints from the GML ground surfaces, the square from areas.geojson, sensors from the CSV: EPSG:25832."""
    import numpy as np
    import shapely
    from lxml import etree
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    footprints = {}
    for b in etree.parse(str(folder / "district.gml")).xpath("//bldg:Building", namespaces=GML):
        pos = b.xpath(".//bldg:GroundSurface//gml:posList", namespaces=GML)[0].text
        footprints[b.get("{http://www.opengis.net/gml}id")] = shapely.Polygon(
            np.array(pos.split(), dtype=float).reshape(-1, 3)[:, :2])
    feature = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))["features"][0]
    square = shapely.transform(shapely.geometry.shape(feature["geometry"]),
                               lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))
    with open(folder / "sensors.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    stations = {r["device_id"]: shapely.Point(to_utm.transform(float(r["longitude"]), float(r["latitude"])))
                for r in rows}
    return footprints, feature["properties"], square, stations, rows


def test_square_sensors_link_to_the_square_parking_to_the_nearest_area_the_others_to_facades(imported):
    import pyogrio

    folder, out, summary = imported
    footprints, props, square, stations, _ = _raw_geometry(folder)
    sensors = pyogrio.read_dataframe(out, layer="sensors").set_index("sensor_id")
    assert sorted(sensors.index) == sorted(stations) and len(stations) == 13
    assert not summary.issues
    for device, point in stations.items():
        row = sensors.loc[device]
        inside = [bid for bid, fp in footprints.items() if fp.contains(point)]
        assert not inside, device                      # no sensor stands inside a building
        bid, dist = min(((b, fp.distance(point)) for b, fp in footprints.items()), key=lambda t: t[1])
        if square.contains(point):
            assert (row["link_type"], row["link_id"], row["link_name"]) == ("area", props["id"], props["name"])
            assert row["link_distance"] == 0.0
        elif device.startswith("ka-fp-park-"):
            # a ground sensor not named for a façade: not on the façade, on the nearest area within 15 m
            assert dist <= TOLERANCE and 0.0 < square.distance(point) <= TOLERANCE, device
            assert (row["link_type"], row["link_id"], row["link_name"]) == ("area", props["id"], props["name"])
            assert row["link_distance"] == pytest.approx(square.distance(point), abs=0.02)
            assert row["link_reason"] == (f"ground sensor (Parking occupancy): nearest façade {bid} at {dist:.1f} m, "
                                          f"not named for it; nearest area within {TOLERANCE:g} m")
        else:
            assert dist <= TOLERANCE, device
            assert (row["link_type"], row["link_id"]) == ("facade", bid), device
            assert row["link_distance"] == pytest.approx(dist, abs=0.02)
    on_square = {d for d, p in stations.items() if square.contains(p)}
    assert on_square == ON_SQUARE
    links = {d: (sensors.loc[d, "link_type"], sensors.loc[d, "link_id"]) for d in stations}
    # the kerbside parking spaces on Erbprinzenstraße are 5 m in front of the school's north façade: not linked to it
    for i in range(1, 5):
        device = f"ka-fp-park-0{i}"
        assert links[device] == ("area", props["id"])
        assert f"nearest façade DEBW_KA_0000001 at {footprints['DEBW_KA_0000001'].distance(stations[device]):.1f} m" \
            in sensors.loc[device, "link_reason"]
    assert sum(t == "area" for t, _ in links.values()) == 11 and sum(t == "facade" for t, _ in links.values()) == 2


def test_square_sensors_carry_their_latest_values(imported):
    import pandas as pd
    import pyogrio

    folder, out, _ = imported
    *_, rows = _raw_geometry(folder)
    sensors = pyogrio.read_dataframe(out, layer="sensors").set_index("sensor_id")
    for device in ON_SQUARE:
        mine = sorted((r for r in rows if r["device_id"] == device), key=lambda r: r["time"])
        column = next(c for c in ("soil_moisture_pct", "air_temperature_c", "noise_dba") if mine[-1][c])
        values = [float(r[column]) for r in mine]
        row = sensors.loc[device]
        assert row["latest_value"] == values[-1] and row["count"] == len(values) == 7 * 24 * 4
        assert (row["min"], row["max"]) == (min(values), max(values))
        assert pd.Timestamp(row["latest_time"]) == pd.Timestamp(mine[-1]["time"])
