"""BIM ↔ city-model conflation on the FZK-Haus pair (IFC + CityGML), checked against the raw files."""
from __future__ import annotations

import re

import pyogrio
import pytest
import shapely
from lxml import etree
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon

from geotwin.bim import georef
from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.conflation import ConflationOptions, city_outlines, conflate
from geotwin.twin.store import open_store, read_store

NS = {"gml": "http://www.opengis.net/gml", "bldg": "http://www.opengis.net/citygml/building/2.0"}
CITYGML = "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml"
IFC = "ifc/fzk-haus/AC20-FZK-Haus.ifc"


@pytest.fixture(scope="module")
def raw_city(shared_data):
    """Independent facts from the CityGML: building id, street, ground outline and heights."""
    tree = etree.parse(str(shared_data / CITYGML))
    building = tree.find(".//bldg:Building", NS)
    ground = building.find(".//bldg:GroundSurface", NS)
    ring = [tuple(float(v) for v in pos.text.split()) for pos in ground.iterfind(".//gml:pos", NS)]
    zs = [float(pos.text.split()[2]) for pos in building.iterfind(".//gml:pos", NS)]
    return {
        "id": building.get("{http://www.opengis.net/gml}id"),
        "street": building.find(".//{*}ThoroughfareName").text,
        "outline": Polygon([(x, y) for x, y, _ in ring]),
        "ground": min(z for _, _, z in ring),
        "roof": max(zs),
    }


@pytest.fixture(scope="module")
def raw_ifc(shared_data):
    """Independent facts from the IFC's STEP text: the building GlobalId, spaces and the site's lat/lon."""
    text = (shared_data / IFC).read_text(errors="replace")
    building = re.search(r"IFCBUILDING\('([^']+)'", text).group(1)
    site = re.search(r"IFCSITE\([^;]*?\((\d+),(\d+),(\d+),(\d+)\),\((\d+),(\d+),(\d+),(\d+)\)", text)
    lat, lon = ([int(v) for v in site.groups()[:4]], [int(v) for v in site.groups()[4:]])
    dms = [a + b / 60 + (c + d / 1e6) / 3600 for a, b, c, d in (lat, lon)]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(dms[1], dms[0])
    return {"building": building, "spaces": len(re.findall(r"=\s*IFCSPACE\(", text)), "site": shapely.Point(x, y)}


@pytest.fixture(scope="module")
def fzk(tmp_path_factory, shared_data, raw_city):
    """The city model GeoPackage and the IFC imported as shipped (IfcSite) and fitted to the footprint."""
    work = tmp_path_factory.mktemp("fzk")
    city = work / "city.gpkg"
    import_citymodel([shared_data / CITYGML], city)
    footprint = pyogrio.read_dataframe(city, layer="footprints")
    fit = [(footprint.building_id[0], footprint.geometry[0])]
    out = {"city": city, "site": work / "site.gpkg", "fit": work / "fit.gpkg", "fit_own_height": work / "fit0.gpkg"}
    import_ifc(shared_data / IFC, out["site"], ImportOptions(target_crs="EPSG:25832"))
    import_ifc(shared_data / IFC, out["fit"], ImportOptions(georeferencing=georef.FIT, target_crs="EPSG:25832",
                                                            footprints=fit, fit_height=raw_city["ground"]))
    import_ifc(shared_data / IFC, out["fit_own_height"], ImportOptions(georeferencing=georef.FIT,
                                                                       target_crs="EPSG:25832", footprints=fit))
    return out


def _build(tmp_path, fzk, bim: str, **options):
    store = open_store(tmp_path / "twin.gpkg")
    result = build_twin(store, BuildInputs(citymodel=[str(fzk["city"])], ifc=[str(fzk[bim])]),
                        ConflationOptions(**options))
    return result, read_store(store)


def test_as_shipped_the_pair_is_reported_not_merged(tmp_path, fzk, raw_city, raw_ifc):
    result, twin = _build(tmp_path, fzk, "site")
    assert (result.matched, result.unmatched, result.mismatches) == (0, 0, 1)
    [row] = twin["conflation_report"].to_dict("records")
    assert row["status"] == "mismatch" and row["iou"] == 0.0
    assert row["bim_building_id"] == raw_ifc["building"] and row["city_building_id"] == raw_city["id"]
    # ~1.03 km apart: the distance of the IfcSite point from the CityGML footprint, within the house's size
    independent = raw_ifc["site"].distance(raw_city["outline"].centroid)
    assert 1000 < independent < 1100
    assert row["distance_m"] == pytest.approx(independent, abs=15.0)
    assert "misplaced" in row["reason"] and not row["twin_building_id"]
    # never merged: the city building is untouched, no BIM building was added, no `replaces` link
    assert list(twin["buildings"]["id"]) == [raw_city["id"]]
    assert twin["buildings"]["bim_building_id"].isna().all()
    links = twin["links"]
    assert not (links["relation"] == "replaces").any()
    part_of = links[(links["relation"] == "part_of") & (links["from_layer"] == "bim_spaces")]
    assert len(part_of) == raw_ifc["spaces"] == 7
    assert set(part_of["to_id"]) == {raw_ifc["building"]} and set(part_of["to_layer"]) == {"bim_buildings"}
    # the height report puts the two datums side by side: DHHN92 (srsName ..._DE_DHHN92_NH) and the IfcSite's
    heights = twin["height_report"].set_index("source_kind")
    assert heights.loc["citymodel", "vertical_crs"] == "EPSG:5783"  # DHHN92 height
    assert heights.loc["citymodel", "ground_min"] == pytest.approx(raw_city["ground"])
    assert heights.loc["citymodel", "roof_max"] == pytest.approx(raw_city["roof"])
    assert heights.loc["ifc", "objects"] == 1 and len(heights) == 2


def test_fit_to_footprint_merges(tmp_path, fzk, raw_city, raw_ifc):
    result, twin = _build(tmp_path, fzk, "fit")
    assert (result.matched, result.unmatched, result.mismatches) == (1, 0, 0)
    [row] = twin["conflation_report"].to_dict("records")
    bim_outline = shapely.force_2d(pyogrio.read_dataframe(fzk["fit"], layer="bim_buildings").geometry[0])
    city = raw_city["outline"]
    independent_iou = bim_outline.intersection(city).area / bim_outline.union(city).area
    assert row["status"] == "matched" and row["iou"] == pytest.approx(independent_iou, abs=1e-9)
    assert row["iou"] > 0.99
    assert abs(row["ground_offset_m"]) < 0.01 and abs(row["roof_offset_m"]) < 0.01
    # the city building keeps its id and address; BIM details it
    [building] = twin["buildings"].to_dict("records")
    assert building["id"] == raw_city["id"] and building["street"] == raw_city["street"]
    assert building["roof_height"] == pytest.approx(raw_city["roof"], abs=1e-6)
    assert building["bim_building_id"] == raw_ifc["building"]
    links = twin["links"]
    replaces = links[links["relation"] == "replaces"].to_dict("records")
    assert [(r["from_id"], r["to_id"]) for r in replaces] == [(raw_ifc["building"], raw_city["id"])]
    assert replaces[0]["score"] == pytest.approx(independent_iou, abs=1e-9)
    rooms = links[(links["relation"] == "part_of") & (links["from_layer"] == "bim_spaces")]
    assert len(rooms) == raw_ifc["spaces"] and set(rooms["to_id"]) == {raw_city["id"]}
    elements = links[(links["relation"] == "part_of") & (links["from_layer"] == "bim_elements")]
    assert len(elements) == len(twin["bim_elements"]) > 0 and set(elements["to_id"]) == {raw_city["id"]}


def test_height_offset_beyond_tolerance_is_a_mismatch(tmp_path, fzk, raw_city):
    """Fitted in plan but with the IFC's own site height: 2 m below the city model's DHHN92 ground."""
    bim = pyogrio.read_dataframe(fzk["fit_own_height"], layer="bim_buildings").iloc[0]
    offset = bim["ground_height"] - raw_city["ground"]
    assert abs(offset) > 1.0
    result, twin = _build(tmp_path, fzk, "fit_own_height")
    [row] = twin["conflation_report"].to_dict("records")
    assert row["status"] == "mismatch" and row["iou"] > 0.99
    assert row["ground_offset_m"] == pytest.approx(offset, abs=1e-9)
    assert "height offset" in row["reason"] and twin["buildings"]["bim_building_id"].isna().all()
    result, twin = _build(tmp_path / "tolerant", fzk, "fit_own_height", height_tolerance=abs(offset) + 0.5)
    assert result.matched == 1


def test_no_lookalike_within_search_distance_is_added(tmp_path, fzk, raw_city, raw_ifc):
    result, twin = _build(tmp_path, fzk, "site", search_distance=500.0)
    assert (result.matched, result.unmatched, result.mismatches) == (0, 1, 0)
    buildings = twin["buildings"].set_index("id")
    assert list(buildings.index) == [raw_city["id"], raw_ifc["building"]]
    added = buildings.loc[raw_ifc["building"]]
    assert added["origin"] == "bim" and added["bim_building_id"] == raw_ifc["building"]
    assert raw_ifc["building"] in set(twin["footprints"]["building_id"])
    assert result.buildings == 2


@pytest.mark.parametrize(("shift", "expected_iou", "status"), [(2.0, 100 / 140, "matched"), (6.0, 60 / 180, "mismatch")])
def test_iou_threshold_on_shifted_outlines(fzk, raw_city, shift, expected_iou, status):
    """A BIM outline derived from the CityGML footprint (12 m x 10 m), shifted east: IoU by hand."""
    import geopandas as gpd

    minx, miny, maxx, maxy = raw_city["outline"].bounds
    assert (maxx - minx, maxy - miny) == pytest.approx((12.0, 10.0))
    outline = shapely.affinity.translate(raw_city["outline"], xoff=shift)
    bim = gpd.GeoDataFrame({"global_id": ["derived"], "name": ["derived"], "source_file": ["test"],
                            "ground_height": [raw_city["ground"]], "roof_height": [raw_city["roof"]]},
                           geometry=[MultiPolygon([outline])], crs="EPSG:25832")
    city = city_outlines(pyogrio.read_dataframe(fzk["city"], layer="buildings"),
                         pyogrio.read_dataframe(fzk["city"], layer="footprints"))
    [row] = conflate(bim, city, ConflationOptions())
    assert row["iou"] == pytest.approx(expected_iou, abs=1e-9) and row["status"] == status


def test_a_basement_below_the_city_ground_still_matches(fzk, raw_city):
    """Lowest BIM element 3 m below the CityGML ground: a mismatch, unless a storey lies at the ground."""
    import geopandas as gpd
    import pandas as pd

    bim = gpd.GeoDataFrame({"global_id": ["derived"], "name": ["derived"], "source_file": ["test"],
                            "ground_height": [raw_city["ground"] - 3.0], "roof_height": [raw_city["roof"]]},
                           geometry=[MultiPolygon([raw_city["outline"]])], crs="EPSG:25832")
    city = city_outlines(pyogrio.read_dataframe(fzk["city"], layer="buildings"),
                         pyogrio.read_dataframe(fzk["city"], layer="footprints"))
    [alone] = conflate(bim, city, ConflationOptions())
    assert alone["status"] == "mismatch" and alone["ground_offset_m"] == pytest.approx(-3.0)
    storeys = pd.DataFrame({"building_global_id": ["derived", "derived"],
                            "elevation": [raw_city["ground"] - 2.8, raw_city["ground"] + 0.05]})
    [with_storeys] = conflate(bim, city, ConflationOptions(), storeys)
    assert with_storeys["status"] == "matched" and "basement" in with_storeys["reason"]


# -- sensors on a façade ------------------------------------------------------------------------------------------

def _sensor_frame(rows: list[tuple[str, str, str, str | None, float, float, str | None]]):
    """Sensors (key, name, link type, link id, x, y, description) as the twin's conformed sensors frame."""
    import geopandas as gpd
    import pandas as pd

    from geotwin.twin.kernel.schema.sensors import SENSORS
    from geotwin.twin.store.frames import conform

    records = [{"sensor_key": k, "sensor_name": name, "link_type": kind, "link_id": link,
                "attributes": {"description": desc} if desc else None}
               for k, name, kind, link, _, _, desc in rows]
    geoms = gpd.GeoSeries([shapely.Point(x, y) for *_, x, y, _ in rows], crs="EPSG:25832")
    return conform(gpd.GeoDataFrame(pd.DataFrame(records), geometry=geoms), SENSORS, "EPSG:25832")


def test_facade_sensors_link_to_the_building_before_the_square():
    """Two 10 m squares A (0..10) and B (30..40); sensors around them, distances known by construction."""
    import geopandas as gpd
    import pandas as pd

    from geotwin.twin.conflation import link_facade_sensors

    footprints = gpd.GeoDataFrame(pd.DataFrame({"building_id": ["A", "B"]}), geometry=gpd.GeoSeries(
        [shapely.box(0, 0, 10, 10), shapely.box(30, 0, 40, 10)], crs="EPSG:25832"))
    sensors = _sensor_frame([
        ("on_a", "Temperatur", "area", "square", 5.0, 10.5, None),          # 0.5 m north of A, on the square
        ("near_a", "Temperatur", "area", "square", 5.0, 15.0, None),        # 5 m: stays on the square
        ("named_b", "Temperatur Nordfassade", "area", "square", 35.0, 18.0, None),  # 8 m, named façade
        ("desc_b", "T3", "none", None, 45.0, 5.0, "Sensor an der Fassade"),  # 5 m east of B, description
        ("far_named", "Temperatur Fassade", "area", "square", 20.0, 40.0, None),    # 30 m: too far
        ("inside", "Innen", "building", "A", 5.0, 5.0, None),                # inside A: kept
        ("untied", "Lärm", "none", None, 10.9, 5.0, None),                    # 0.9 m east of A
    ])
    moved = link_facade_sensors(sensors, footprints, {"A": "Schule", "B": None}, ConflationOptions())
    got = {k: (t, i, d) for k, t, i, d in zip(sensors["sensor_key"], sensors["link_type"], sensors["link_id"],
                                               sensors["link_distance"])}
    assert got["on_a"] == ("facade", "A", pytest.approx(0.5))
    assert got["near_a"][:2] == ("area", "square")
    assert got["named_b"] == ("facade", "B", pytest.approx(8.0))
    assert got["desc_b"] == ("facade", "B", pytest.approx(5.0))
    assert got["far_named"][:2] == ("area", "square")
    assert got["inside"][:2] == ("building", "A")
    assert got["untied"] == ("facade", "A", pytest.approx(0.9))
    assert moved == 4
    reasons = dict(zip(sensors["sensor_key"], sensors["link_reason"]))
    assert reasons["on_a"] == "within 1 m of the façade; was area square"
    assert reasons["named_b"] == "named for a façade, 8.0 m from it; was area square"
    assert dict(zip(sensors["sensor_key"], sensors["link_name"]))["on_a"] == "Schule"
    # a second pass changes nothing; a tighter tolerance leaves the 0.9 m sensor alone
    assert link_facade_sensors(sensors, footprints, {}, ConflationOptions()) == 0
    again = _sensor_frame([("untied", "Lärm", "none", None, 10.9, 5.0, None)])
    assert link_facade_sensors(again, footprints, {}, ConflationOptions(facade_tolerance=0.5)) == 0
    assert link_facade_sensors(again.iloc[0:0], footprints, {}, ConflationOptions()) == 0
    # a LoRaWAN listener's row stored unlinked stays so (its next run with the layers links it), 0.9 m east of A
    from geotwin.twin.sensors.linkrules import UNLINKED_REASON

    listened = _sensor_frame([("lorawan#n1#noise", "Lärm", "none", None, 10.9, 5.0, None)])
    listened["link_reason"] = UNLINKED_REASON
    assert link_facade_sensors(listened, footprints, {}, ConflationOptions()) == 0
    assert (listened["link_type"][0], listened["link_id"][0], listened["link_reason"][0]) == (
        "none", None, UNLINKED_REASON)


def _district_sensors(tmp_path):
    """The sample district (20 buildings, seed 0) generated into tmp_path/district, its city model imported into
    city.gpkg and its sensors into sensors.gpkg (linked with its areas, 15 m); the district folder."""
    from geotwin.twin.kernel.layers import LayerRef
    from geotwin.twin.sample.generator import generate_district
    from geotwin.twin.sensors.export_source import read_exports
    from geotwin.twin.sensors.importer import write_sensors

    folder = tmp_path / "district"
    generate_district(folder, buildings=20, seed=0, formats=("citygml", "sensors", "areas"))
    import_citymodel([folder / "district.gml"], tmp_path / "city.gpkg")
    series, issues = read_exports([folder / "sensors.csv"], "EPSG:25832")
    write_sensors(series, issues, str(tmp_path / "sensors.gpkg"), "EPSG:25832",
                  buildings=LayerRef(str(tmp_path / "city.gpkg"), "footprints"),
                  areas=LayerRef(str(folder / "areas.geojson")), tolerance=15.0)
    return folder


def test_district_school_facade_sensor_links_to_the_school_in_the_twin(tmp_path):
    """The sample district: ka-fp-temp-02 ("Schule Nordfassade", 0.5 m from the school) stands on Friedrichsplatz;
    the sensor import links it to the square, the twin to the school's façade."""
    import csv

    from geotwin.twin.sample import school

    folder = _district_sensors(tmp_path)
    imported = pyogrio.read_dataframe(tmp_path / "sensors.gpkg", layer="sensors").set_index("sensor_id")
    assert (imported.loc["ka-fp-temp-02", "link_type"], imported.loc["ka-fp-temp-02", "link_id"]) == (
        "area", "friedrichsplatz")
    # independent: the school's ground surface from the GML and the station from the CSV
    transformer = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    with open(folder / "sensors.csv", encoding="utf-8", newline="") as f:
        station = next(shapely.Point(transformer.transform(float(r["longitude"]), float(r["latitude"])))
                       for r in csv.DictReader(f) if r["device_id"] == "ka-fp-temp-02")
    tree = etree.parse(str(folder / "district.gml"))
    ground = tree.xpath(f"//bldg:Building[@gml:id='{school.SCHOOL_ID}']//bldg:GroundSurface//gml:posList",
                        namespaces=NS)[0].text.split()
    outline = Polygon([(float(ground[i]), float(ground[i + 1])) for i in range(0, len(ground), 3)])
    distance = outline.exterior.distance(station)
    assert distance < 1.0

    store = open_store(tmp_path / "twin.gpkg")
    build_twin(store, BuildInputs(citymodel=[str(tmp_path / "city.gpkg")], sensors=[str(tmp_path / "sensors.gpkg")]))
    twin = pyogrio.read_dataframe(tmp_path / "twin.gpkg", layer="sensors").set_index("sensor_id")
    row = twin.loc["ka-fp-temp-02"]
    assert (row["link_type"], row["link_id"]) == ("facade", school.SCHOOL_ID)
    assert row["link_distance"] == pytest.approx(distance, abs=0.02)
    assert row["link_reason"] == "within 1 m of the façade; was area friedrichsplatz"
    assert (twin.loc["ka-fp-temp-01", "link_type"], twin.loc["ka-fp-temp-01", "link_id"]) == ("area", "friedrichsplatz")
    links = pyogrio.read_dataframe(tmp_path / "twin.gpkg", layer="links")
    observes = links[(links["from_layer"] == "sensors") & (links["relation"] == "observes")]
    assert observes.set_index("from_id").loc[row["sensor_key"], "to_id"] == school.SCHOOL_ID


# -- ground sensors (soil, parking space, groundwater) stay on their area unless named for a façade ---------------

def _ground_frame(rows):
    """Sensors (key, name, observed property, link type, link id, x, y, description), conformed like the twin's."""
    import geopandas as gpd
    import pandas as pd

    from geotwin.twin.kernel.schema.sensors import SENSORS
    from geotwin.twin.store.frames import conform

    records = [{"sensor_key": k, "sensor_name": name, "observed_property": prop, "datastream_name": "",
                "link_type": kind, "link_id": link, "attributes": {"description": desc} if desc else None}
               for k, name, prop, kind, link, _, _, desc in rows]
    geoms = gpd.GeoSeries([shapely.Point(x, y) for *_, x, y, _ in rows], crs="EPSG:25832")
    return conform(gpd.GeoDataFrame(pd.DataFrame(records), geometry=geoms), SENSORS, "EPSG:25832")


def _school_footprints():
    import geopandas as gpd
    import pandas as pd

    return gpd.GeoDataFrame(pd.DataFrame({"building_id": ["S", "T"]}), geometry=gpd.GeoSeries(
        [shapely.box(0, 0, 10, 10), shapely.box(30, 0, 40, 10)], crs="EPSG:25832"))


@pytest.mark.parametrize(("prop", "datastream", "expected"), [
    ("Soil moisture", "", "Soil moisture"),
    ("Soil temperature", "", "Soil temperature"),
    ("Parking occupancy", "", "Parking occupancy"),
    ("Parking space occupancy", "", "Parking space occupancy"),
    ("Groundwater level", "", "Groundwater level"),
    ("Grundwasserstand", "", "Grundwasserstand"),
    ("Bodenfeuchte", "", "Bodenfeuchte"),
    ("", "Stellplatz 3: Belegung", "Stellplatz 3: Belegung"),    # no property: the datastream name decides
    (None, "Soil moisture ka-fp-soil-02", "Soil moisture ka-fp-soil-02"),
    ("Temperature", "Bodenfeuchte Rasen", None),                  # the property decides over the datastream name
    ("Noise level", "", None),
    ("PM10", "", None),
    ("", "", None),
])
def test_ground_property_by_observed_property(prop, datastream, expected):
    from geotwin.twin.sensors.linkrules import ground_property

    assert ground_property({"observed_property": prop, "datastream_name": datastream}) == expected


def test_ground_sensors_stay_on_their_area_unless_named_for_a_facade():
    """One branch per sensor; S is the 10 m square at 0..10, T at 30..40; distances by construction."""
    from geotwin.twin.conflation import link_facade_sensors

    sensors = _ground_frame([
        ("soil_near", "Bodenfeuchte Rasen", "Soil moisture", "area", "lawn", 5.0, 10.4, None),     # 0.4 m: stays
        ("soil_named", "Bodenfeuchte Fassade", "Soil moisture", "area", "lawn", 5.0, 10.4, None),  # named: moves
        ("soil_desc", "B7", "Soil moisture", "area", "lawn", 35.0, 18.0, "Beet vor der Fassade"),  # 8 m, named
        ("park_unlinked", "P1", "Parking occupancy", "none", None, 10.7, 5.0, None),               # 0.7 m: stays
        ("park_on_t", "P2", "Parking occupancy", "facade", "T", 29.5, 5.0, None),   # importer: T; 0.5 m from T
        ("park_other", "P3", "Parking occupancy", "facade", "T", 10.5, 5.0, None),  # importer: T; 0.5 m from S
        ("water_far", "GW1", "Groundwater level", "area", "lawn", 5.0, 13.0, None),                # 3 m: untouched
        ("noise", "Lärm Schule", "Noise level", "area", "lawn", 5.0, -0.5, None),                  # 0.5 m: moves
    ])
    moved = link_facade_sensors(sensors, _school_footprints(), {"S": "Schule"}, ConflationOptions())
    got = {k: (t, i, r) for k, t, i, r in zip(sensors["sensor_key"], sensors["link_type"], sensors["link_id"],
                                               sensors["link_reason"])}
    assert got["soil_near"] == ("area", "lawn", "ground sensor (Soil moisture): stays on area lawn, not moved to "
                                                "the façade of S 0.4 m away (not named for a façade)")
    assert got["soil_named"] == ("facade", "S", "named for a façade, 0.4 m from it; was area lawn")
    assert got["soil_desc"] == ("facade", "T", "named for a façade, 8.0 m from it; was area lawn")
    assert got["park_unlinked"] == ("none", None, "ground sensor (Parking occupancy): stays unlinked, not moved "
                                                  "to the façade of S 0.7 m away (not named for a façade)")
    assert got["park_on_t"][:2] == ("facade", "T") and got["park_on_t"][2] is None   # already there: untouched
    assert got["park_other"] == ("facade", "T", "ground sensor (Parking occupancy): stays on facade T, not moved "
                                                "to the façade of S 0.5 m away (not named for a façade)")
    assert got["water_far"] == ("area", "lawn", None)
    assert got["noise"] == ("facade", "S", "within 1 m of the façade; was area lawn")
    assert moved == 3
    distances = dict(zip(sensors["sensor_key"], sensors["link_distance"]))
    assert distances["soil_named"] == pytest.approx(0.4) and distances["soil_desc"] == pytest.approx(8.0)
    assert dict(zip(sensors["sensor_key"], sensors["link_name"]))["soil_named"] == "Schule"
    # idempotent: a second pass moves nothing and keeps the reasons
    reasons = sensors["link_reason"].tolist()
    assert link_facade_sensors(sensors, _school_footprints(), {}, ConflationOptions()) == 0
    assert sensors["link_reason"].tolist() == reasons


def _district_twin(tmp_path, **options):
    """The sample district (20 buildings) imported with its areas and built into a twin; the twin's sensors."""
    folder = _district_sensors(tmp_path)
    store = open_store(tmp_path / "twin.gpkg")
    build_twin(store, BuildInputs(citymodel=[str(tmp_path / "city.gpkg")], sensors=[str(tmp_path / "sensors.gpkg")]),
               ConflationOptions(**options))
    twin = pyogrio.read_dataframe(tmp_path / "twin.gpkg", layer="sensors").set_index("sensor_id")
    return folder, twin


def _nearest_footprint(folder, device):
    """Independent: (building id, distance) of the GML ground surface nearest to the CSV station of ``device``."""
    import csv

    transformer = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    with open(folder / "sensors.csv", encoding="utf-8", newline="") as f:
        station = next(shapely.Point(transformer.transform(float(r["longitude"]), float(r["latitude"])))
                       for r in csv.DictReader(f) if r["device_id"] == device)
    tree = etree.parse(str(folder / "district.gml"))
    best = None
    for building in tree.iterfind(".//bldg:Building", NS):
        for pos in building.iterfind(".//bldg:GroundSurface//gml:posList", NS):
            v = [float(t) for t in pos.text.split()]
            distance = Polygon([(v[i], v[i + 1]) for i in range(0, len(v), 3)]).exterior.distance(station)
            if best is None or distance < best[1]:
                best = (building.get("{http://www.opengis.net/gml}id"), distance)
    return best


def _square_distance(folder, device):
    """Independent: metres from the CSV station of ``device`` to the square of areas.geojson (EPSG:25832)."""
    import csv
    import json

    import numpy as np

    transformer = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    with open(folder / "sensors.csv", encoding="utf-8", newline="") as f:
        station = next(shapely.Point(transformer.transform(float(r["longitude"]), float(r["latitude"])))
                       for r in csv.DictReader(f) if r["device_id"] == device)
    feature = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))["features"][0]
    square = shapely.transform(shapely.geometry.shape(feature["geometry"]),
                               lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    return square.distance(station)


def test_district_links_and_reasons_of_every_sensor(tmp_path):
    """Default tolerances: only the school's façade sensor moves; soil sensors stay on Friedrichsplatz, the
    kerbside parking sensors are on it from the import (the nearest area, not the school's façade)."""
    from geotwin.twin.sample import school

    folder, twin = _district_twin(tmp_path)
    got = {d: (r["link_type"], r["link_id"]) for d, r in twin.iterrows()}
    square = ("area", "friedrichsplatz")
    assert {d for d, link in got.items() if link == square} == {
        "ka-fp-soil-01", "ka-fp-soil-02", "ka-fp-soil-03", "ka-fp-temp-01", "ka-fp-temp-03", "ka-fp-noise-01",
        "ka-fp-park-01", "ka-fp-park-02", "ka-fp-park-03", "ka-fp-park-04"}
    assert got["ka-fp-temp-02"] == ("facade", school.SCHOOL_ID)
    assert twin.loc["ka-fp-temp-02", "link_reason"] == "within 1 m of the façade; was area friedrichsplatz"
    # the parking spaces 5 m from the school: ground sensors not named for a façade, so the import links them
    # to the nearest area (the square), not to the school's façade, and the build leaves them there
    for device in ("ka-fp-park-01", "ka-fp-park-02", "ka-fp-park-03", "ka-fp-park-04"):
        bid, distance = _nearest_footprint(folder, device)
        assert bid == school.SCHOOL_ID and distance == pytest.approx(5.0, abs=0.02)
        assert got[device] == square
        assert twin.loc[device, "link_distance"] == pytest.approx(_square_distance(folder, device), abs=0.02)
        assert twin.loc[device, "link_reason"] == (f"ground sensor (Parking occupancy): nearest façade {bid} at "
                                                   f"{distance:.1f} m, not named for it; nearest area within 15 m")
    # soil-02 on the southern lawn: its nearest façade is far beyond the 1 m tolerance, its reason the import's
    bid, distance = _nearest_footprint(folder, "ka-fp-soil-02")
    assert distance > 1.0
    assert twin.loc["ka-fp-soil-02", "link_reason"] == f"nearest façade: {bid} at {distance:.1f} m"


def test_district_wide_tolerance_moves_air_sensors_but_not_soil_sensors(tmp_path):
    """A 15 m façade tolerance reaches the lawn: the soil probes stay on the square and say why; the air
    temperature and noise sensors on the square move to their nearest façade."""
    folder, twin = _district_twin(tmp_path, facade_tolerance=15.0)
    for device in ("ka-fp-soil-01", "ka-fp-soil-02", "ka-fp-soil-03"):
        bid, distance = _nearest_footprint(folder, device)
        row = twin.loc[device]
        assert (row["link_type"], row["link_id"], row["link_distance"]) == ("area", "friedrichsplatz", 0.0)
        if distance <= 15.0:
            assert row["link_reason"] == (f"ground sensor (Soil moisture): stays on area friedrichsplatz, not moved "
                                          f"to the façade of {bid} {distance:.1f} m away (not named for a façade)")
    assert twin.loc["ka-fp-soil-02", "link_reason"].startswith("ground sensor (Soil moisture): stays on area")
    for device in ("ka-fp-temp-01", "ka-fp-temp-03", "ka-fp-noise-01"):
        bid, distance = _nearest_footprint(folder, device)
        row = twin.loc[device]
        assert distance <= 15.0
        assert (row["link_type"], row["link_id"]) == ("facade", bid)
        assert row["link_distance"] == pytest.approx(distance, abs=0.02)
        assert row["link_reason"] == "within 15 m of the façade; was area friedrichsplatz"


def test_real_station_air_datastreams_move_a_soil_datastream_stays(shared_data, tmp_path):
    """The real sensor.community DHT22 day (Aberdeen) on a square, 0.6 m west of a building: temperature and
    humidity move to the façade; the same readings relabelled soil_moisture (a ground probe there) stay."""
    import csv

    from pyproj import Transformer as T

    from geotwin.twin.conflation import link_facade_sensors
    from geotwin.twin.kernel.gpkg import GpkgWriter
    from geotwin.twin.kernel.layers import LayerRef
    from geotwin.twin.kernel.schema import FOOTPRINTS, LayerSpec
    from geotwin.twin.sensors.export_source import read_exports
    from geotwin.twin.sensors.importer import write_sensors

    crs = "EPSG:32630"
    real = shared_data / "sensors/sensor-community-aberdeen/2017-11-15_dht22_sensor_5332.csv"
    with open(real, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    soil = tmp_path / "soil.csv"
    with open(soil, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["sensor_id", "sensor_type", "location", "lat", "lon", "timestamp", "soil_moisture"])
        writer.writerows([["5332-soil", r["sensor_type"], r["location"], r["lat"], r["lon"], r["timestamp"],
                           r["humidity"]] for r in rows])
    x, y = T.from_crs("EPSG:4326", crs, always_xy=True).transform(float(rows[0]["lon"]), float(rows[0]["lat"]))
    twin = tmp_path / "twin.gpkg"
    writer = GpkgWriter(twin, crs)
    wall = shapely.box(x + 0.6, y - 10, x + 20.6, y + 10)
    writer.add(FOOTPRINTS, {"building_id": "library", "area": wall.area}, MultiPolygon([wall]))
    writer.add(LayerSpec("areas", "MultiPolygon", {"id": "str", "name": "str"}), {"id": "square", "name": "Square"},
               MultiPolygon([shapely.box(x - 30, y - 30, x + 0.5, y + 30)]))
    writer.close()
    series, issues = read_exports([real, soil], crs)
    write_sensors(series, issues, str(tmp_path / "sensors.gpkg"), crs, buildings=LayerRef(str(twin), "footprints"),
                  areas=LayerRef(str(twin), "areas"))
    sensors = pyogrio.read_dataframe(tmp_path / "sensors.gpkg", layer="sensors")
    assert sorted(sensors["observed_property"]) == ["Relative humidity", "Soil moisture", "Temperature"]
    assert set(sensors["link_type"]) == {"area"}
    footprints = pyogrio.read_dataframe(twin, layer="footprints")
    assert link_facade_sensors(sensors, footprints, {"library": "Bibliothek"}, ConflationOptions()) == 2
    got = {p: (t, i, r) for p, t, i, r in zip(sensors["observed_property"], sensors["link_type"],
                                               sensors["link_id"], sensors["link_reason"])}
    for prop in ("Temperature", "Relative humidity"):
        assert got[prop] == ("facade", "library", "within 1 m of the façade; was area square")
    assert got["Soil moisture"] == ("area", "square", "ground sensor (Soil moisture): stays on area square, not "
                                                      "moved to the façade of library 0.6 m away (not named for a "
                                                      "façade)")
    assert sensors["link_distance"][sensors["link_type"] == "facade"].tolist() == [pytest.approx(0.6, abs=1e-6)] * 2
