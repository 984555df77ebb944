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


def test_district_school_facade_sensor_links_to_the_school_in_the_twin(tmp_path):
    """The sample district: ka-fp-temp-02 ("Schule Nordfassade", 0.5 m from the school) stands on Friedrichsplatz;
    the sensor import links it to the square, the twin to the school's façade."""
    import csv

    from geotwin.twin.kernel.layers import LayerRef
    from geotwin.twin.sample import school
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
