"""Issue 14 at import: a ground sensor (soil, parking space, groundwater) outside every building and area goes to
the nearest façade only when named for one; else to the nearest area within the tolerance, else to none, with a
reason. One sensor per branch; the school S is 20 m x 10 m at the origin, the park P spans y 30..60."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shapely

from geotwin.twin.kernel.gpkg import GpkgWriter
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.kernel.schema import FOOTPRINTS, LayerSpec
from geotwin.twin.sensors.importer import write_sensors
from geotwin.twin.sensors.series import Series

CRS = "EPSG:25832"
AREAS = LayerSpec("areas", "MultiPolygon", {"id": "str", "name": "str"})
SCHOOL = shapely.box(0, 0, 20, 10)
PARK = shapely.box(0, 30, 40, 60)
# key: (name, observed property, x, y, description)
SENSORS = {
    "kerb_area": ("Stellplatz 1", "Parking occupancy", 10.0, 20.0, None),     # S 10 m, P 10 m
    "kerb_none": ("Stellplatz 2", "Parking occupancy", -5.0, 5.0, None),      # S 5 m, P 25.5 m
    "lawn_area": ("Bodenfeuchte 1", "Soil moisture", 50.0, 45.0, None),       # S 46 m, P 10 m
    "lawn_far": ("Bodenfeuchte 2", "Soil moisture", 70.0, 45.0, None),        # S 61 m, P 30 m
    "named": ("Stellplatz an der Fassade", "Parking occupancy", -5.0, 5.0, None),
    "described": ("GW 7", "Groundwater level", 10.0, -6.0, "Pegel vor der Schulfassade"),
    "air": ("Lufttemperatur 1", "Temperature", -5.0, 5.0, None),
    "in_park": ("Bodenfeuchte 3", "Soil moisture", 20.0, 45.0, None),
    "in_school": ("Stellplatz Hof", "Parking occupancy", 5.0, 5.0, None),
}


def _layers(path):
    w = GpkgWriter(path, CRS)
    w.add(FOOTPRINTS, {"building_id": "S", "area": SCHOOL.area}, shapely.MultiPolygon([SCHOOL]))
    w.add(AREAS, {"id": "P", "name": "Park"}, shapely.MultiPolygon([PARK]))
    w.close()
    return path


def _series():
    out = []
    for key, (name, prop, x, y, description) in SENSORS.items():
        s = Series(source="test", sensor_id=key, sensor_name=name, datastream_id="d", datastream_name=prop,
                   observed_property=prop, x=x, y=y, attributes={"description": description} if description else {})
        s.add(datetime(2026, 7, 1, 8, tzinfo=UTC), 1.0)
        out.append(s)
    return out


def _links(tmp_path, areas=True):
    import pyogrio

    layers = _layers(tmp_path / "layers.gpkg")
    out = tmp_path / ("sensors.gpkg" if areas else "sensors_no_areas.gpkg")
    summary = write_sensors(_series(), [], str(out), CRS, buildings=LayerRef(str(layers), "footprints"),
                            areas=LayerRef(str(layers), "areas") if areas else None, tolerance=15.0)
    frame = pyogrio.read_dataframe(out, layer="sensors").set_index("sensor_id")
    assert summary.links == {
        f"test#{k}#d": (frame.loc[k, "link_type"], frame.loc[k, "link_id"]) for k in SENSORS}
    return frame


def _distance(key, shape):
    _, _, x, y, _ = SENSORS[key]
    return shapely.Point(x, y).distance(shape)


def test_ground_sensor_not_named_goes_to_the_nearest_area_with_the_facade_in_its_reason(tmp_path):
    frame = _links(tmp_path)
    row = frame.loc["kerb_area"]
    assert (row["link_type"], row["link_id"], row["link_name"]) == ("area", "P", "Park")
    assert row["link_distance"] == pytest.approx(_distance("kerb_area", PARK)) == pytest.approx(10.0)
    assert row["link_reason"] == ("ground sensor (Parking occupancy): nearest façade S at 10.0 m, not named for "
                                  "it; nearest area within 15 m")
    row = frame.loc["lawn_area"]                           # no façade near at all: the area all the same
    assert (row["link_type"], row["link_id"]) == ("area", "P")
    assert row["link_distance"] == pytest.approx(_distance("lawn_area", PARK)) == pytest.approx(10.0)
    assert row["link_reason"] == "ground sensor (Soil moisture): no façade within 15 m; nearest area within 15 m"


def test_ground_sensor_without_an_area_near_is_not_linked(tmp_path):
    frame = _links(tmp_path)
    assert _distance("kerb_none", SCHOOL) == pytest.approx(5.0) and _distance("kerb_none", PARK) > 15.0
    row = frame.loc["kerb_none"]
    assert row["link_type"] == "none" and row["link_id"] is None
    assert row["link_reason"] == ("ground sensor (Parking occupancy): nearest façade S at 5.0 m, not named for it; "
                                  "no area within 15 m")
    assert frame.loc["lawn_far", "link_type"] == "none"
    assert frame.loc["lawn_far", "link_reason"] == ("ground sensor (Soil moisture): no façade within 15 m; "
                                                    "no area within 15 m")
    no_areas = _links(tmp_path, areas=False)
    assert (no_areas.loc["kerb_area", "link_type"], no_areas.loc["kerb_area", "link_reason"]) == (
        "none", "ground sensor (Parking occupancy): nearest façade S at 10.0 m, not named for it; no areas layer given")


def test_ground_sensor_named_for_a_facade_goes_to_it(tmp_path):
    frame = _links(tmp_path)
    for key, prop in (("named", "Parking occupancy"), ("described", "Groundwater level")):   # name; description
        row = frame.loc[key]
        assert (row["link_type"], row["link_id"], row["link_name"]) == ("facade", "S", None)
        assert row["link_distance"] == pytest.approx(_distance(key, SCHOOL))
        assert row["link_reason"] == f"ground sensor ({prop}) named for a façade"
    assert frame.loc["described", "link_distance"] == pytest.approx(6.0)


def test_other_sensors_and_sensors_inside_keep_their_links(tmp_path):
    frame = _links(tmp_path)
    row = frame.loc["air"]                                 # at the kerb sensor's place: the façade, as before
    assert (row["link_type"], row["link_id"], row["link_distance"]) == ("facade", "S", pytest.approx(5.0))
    assert row["link_reason"] is None
    row = frame.loc["in_park"]
    assert (row["link_type"], row["link_id"], row["link_distance"], row["link_reason"]) == ("area", "P", 0.0, None)
    assert (frame.loc["in_school", "link_type"], frame.loc["in_school", "link_id"]) == ("building", "S")
