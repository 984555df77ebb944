"""The sample district, checked by independent tools: lxml + numpy, ifcopenshell, cjio, pyproj, shapely."""
from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from geotwin.tests.paths import ROOT
from geotwin.twin.kernel.errors import Cancelled, InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample import generate_district

NS = {
    "core": "http://www.opengis.net/citygml/2.0",
    "bldg": "http://www.opengis.net/citygml/building/2.0",
    "gml": "http://www.opengis.net/gml",
    "xAL": "urn:oasis:names:tc:ciq:xsdschema:xAL:2.0",
    "xlink": "http://www.w3.org/1999/xlink",
}
COUNT = 300
SEED = 7
SCHOOL_CODE = "31001_3021"


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    return generate_district(tmp_path_factory.mktemp("sample") / "district", buildings=COUNT, seed=SEED)


@pytest.fixture(scope="module")
def gml(district):
    from lxml import etree

    return etree.parse(str(district.path("citygml")))


def _pos(text: str) -> np.ndarray:
    return np.array(text.split(), dtype=float).reshape(-1, 3)


def _gml_buildings(tree) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Building id -> [(surface type, closed ring (N, 3))] read with plain XPath."""
    out = {}
    for b in tree.xpath("//bldg:Building", namespaces=NS):
        bid = b.get("{http://www.opengis.net/gml}id")
        rings = []
        for surf in b.xpath("bldg:boundedBy/*", namespaces=NS):
            kind = surf.tag.split("}")[1]
            for pl in surf.xpath(".//gml:LinearRing/gml:posList", namespaces=NS):
                rings.append((kind, _pos(pl.text)))
        out[bid] = rings
    return out


def _sha256(path: Path) -> str:
    if path.is_dir():   # the islands' calendars: names and bytes of every file
        return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in sorted(path.iterdir()))).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_citygml_parses_with_closed_planar_watertight_rings(district, gml):
    buildings = _gml_buildings(gml)
    assert len(gml.xpath("//bldg:Building", namespaces=NS)) == COUNT
    assert len(buildings) == COUNT
    assert gml.getroot().xpath("gml:boundedBy/gml:Envelope/@srsName", namespaces=NS) == [
        "urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH"]
    lower = _pos(gml.xpath("//gml:Envelope/gml:lowerCorner", namespaces=NS)[0].text)[0]
    upper = _pos(gml.xpath("//gml:Envelope/gml:upperCorner", namespaces=NS)[0].text)[0]
    worst = 0.0
    for bid, rings in buildings.items():
        kinds = Counter(k for k, _ in rings)
        assert kinds["GroundSurface"] == 1 and kinds["WallSurface"] >= 4 and kinds["RoofSurface"] >= 1, bid
        edges = Counter()
        volume = 0.0
        origin = rings[0][1][0]
        for kind, ring in rings:
            assert np.array_equal(ring[0], ring[-1]), f"{bid}: ring not closed"
            pts = ring[:-1]
            assert len(pts) >= 3
            assert (pts >= lower - 1e-6).all() and (pts <= upper + 1e-6).all(), f"{bid} outside the envelope"
            centred = pts - pts.mean(axis=0)
            planarity = np.linalg.svd(centred, compute_uv=False)[-1] / np.sqrt(len(pts))
            worst = max(worst, planarity)
            assert planarity < 0.01, f"{bid} {kind}: not planar ({planarity:.4f} m)"
            normal = np.zeros(3)
            for a, b in zip(pts, np.roll(pts, -1, axis=0)):
                normal += np.cross(a - origin, b - origin)
                edges[(tuple(a), tuple(b))] += 1
            if kind == "GroundSurface":
                assert normal[2] < 0, f"{bid}: ground surface faces up"
            if kind == "RoofSurface":
                assert normal[2] > 0, f"{bid}: roof surface faces down"
            for i in range(1, len(pts) - 1):
                volume += np.dot(pts[0] - origin, np.cross(pts[i] - origin, pts[i + 1] - origin)) / 6.0
        # Watertight and consistently oriented: every edge once each way.
        for (a, b), n in edges.items():
            assert n == 1 and edges.get((b, a)) == 1, f"{bid}: edge {a}->{b} not shared by two faces"
        assert volume > 100.0, f"{bid}: solid volume {volume} (normals inwards?)"
    assert worst < 0.001
    # The lod2Solid's shell references exactly the building's boundary polygons; ids are unique.
    ids = gml.xpath("//@gml:id", namespaces=NS)
    assert len(ids) == len(set(ids))
    for b in gml.xpath("//bldg:Building", namespaces=NS):
        hrefs = b.xpath("bldg:lod2Solid//gml:surfaceMember/@xlink:href", namespaces=NS)
        polygons = b.xpath("bldg:boundedBy//gml:Polygon/@gml:id", namespaces=NS)
        assert sorted(h.lstrip("#") for h in hrefs) == sorted(polygons)


def test_citygml_attributes_addresses_and_roofs(district, gml):
    school = gml.xpath(f"//bldg:Building[@gml:id='{district.school['id']}']", namespaces=NS)[0]
    assert school.findtext("bldg:function", namespaces=NS) == SCHOOL_CODE
    assert school.findtext("bldg:storeysAboveGround", namespaces=NS) == "3"
    roofs = Counter(gml.xpath("//bldg:Building/bldg:roofType/text()", namespaces=NS))
    assert set(roofs) == {"1000", "3100", "3200"} and min(roofs.values()) >= 20
    functions = Counter(gml.xpath("//bldg:Building/bldg:function/text()", namespaces=NS))
    assert functions["31001_1000"] > COUNT / 4 and functions[SCHOOL_CODE] == 1
    assert gml.xpath("count(//xAL:PostalCodeNumber[text()='76133'])", namespaces=NS) == COUNT
    assert gml.xpath("count(//xAL:LocalityName[text()='Karlsruhe'])", namespaces=NS) == COUNT
    addresses = set()
    for b in gml.xpath("//bldg:Building", namespaces=NS):
        street = b.findtext(".//xAL:ThoroughfareName", namespaces=NS)
        number = b.findtext(".//xAL:ThoroughfareNumber", namespaces=NS)
        assert street and number
        addresses.add((street, number))
        zs = np.concatenate([_pos(t)[:, 2] for t in b.xpath(".//gml:posList/text()", namespaces=NS)])
        height = float(b.findtext("bldg:measuredHeight", namespaces=NS))
        assert abs(height - (zs.max() - zs.min())) < 0.0015
        storeys = int(b.findtext("bldg:storeysAboveGround", namespaces=NS))
        assert 2.5 * storeys <= height <= 5.0 * storeys + 8.0   # storeys of 2.5..5 m, roofs up to 8 m
        assert 114.0 < zs.min() < 116.0   # DHHN2016 ground near 115 m
    assert len(addresses) == COUNT, "addresses are unique"
    # The district lies around Friedrichsplatz (49.0075 N, 8.4020 E), computed independently.
    from pyproj import Transformer

    e, n = Transformer.from_crs(4326, 25832, always_xy=True).transform(8.4020, 49.0075)
    lower = _pos(gml.xpath("//gml:Envelope/gml:lowerCorner", namespaces=NS)[0].text)[0]
    upper = _pos(gml.xpath("//gml:Envelope/gml:upperCorner", namespaces=NS)[0].text)[0]
    assert lower[0] < e < upper[0] and lower[1] < n < upper[1]
    assert upper[0] - lower[0] < 2000 and upper[1] - lower[1] < 2000


def _ifc_map(mc, x, y):
    """IfcMapConversion, applied with numpy from its attributes (IFC4 formula)."""
    a, o = mc.XAxisAbscissa, mc.XAxisOrdinate
    norm = np.hypot(a, o)
    c, s = a / norm, o / norm
    k = mc.Scale or 1.0
    return mc.Eastings + k * (c * x - s * y), mc.Northings + k * (s * x + c * y)


def _ifc_local(mc, e, n):
    a, o = mc.XAxisAbscissa, mc.XAxisOrdinate
    norm = np.hypot(a, o)
    c, s = a / norm, o / norm
    k = mc.Scale or 1.0
    de, dn = (e - mc.Eastings) / k, (n - mc.Northings) / k
    return c * de + s * dn, -s * de + c * dn


@pytest.fixture(scope="module")
def ifc(district):
    import ifcopenshell

    return ifcopenshell.open(str(district.path("ifc")))


def _shape_xy(product):
    import ifcopenshell.geom

    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    shape = ifcopenshell.geom.create_shape(settings, product)
    return np.array(shape.geometry.verts, dtype=float).reshape(-1, 3)


def test_school_ifc_validates_and_sits_on_its_citygml_footprint(district, gml, ifc):
    import ifcopenshell.util.geolocation
    import ifcopenshell.validate
    import shapely

    logger = ifcopenshell.validate.json_logger()
    ifcopenshell.validate.validate(ifc, logger, express_rules=True)
    assert logger.statements == []
    assert ifc.schema == "IFC4"
    storeys = sorted(ifc.by_type("IfcBuildingStorey"), key=lambda s: s.Elevation)
    assert [round(s.Elevation, 3) for s in storeys] == [0.0, 3.6, 7.2]
    assert len(ifc.by_type("IfcWall")) >= 12 and len(ifc.by_type("IfcSlab")) >= 3
    spaces = ifc.by_type("IfcSpace")
    classrooms = [s for s in spaces if (s.LongName or "").startswith("Klassenzimmer")]
    assert len(classrooms) >= 12
    assert all(s.LongName == f"Klassenzimmer {s.Name}" for s in classrooms)
    assert {s.Name for s in classrooms} >= {"1.01", "2.04"}
    (mc,) = ifc.by_type("IfcMapConversion")
    assert mc.TargetCRS.Name == "EPSG:25832"
    assert abs(np.degrees(np.arctan2(mc.XAxisOrdinate, mc.XAxisAbscissa))) > 1.0   # a real rotation
    # The IFC outline: the base slab's footprint in local coordinates, mapped with our own formula.
    base = next(s for s in ifc.by_type("IfcSlab") if s.PredefinedType == "BASESLAB")
    verts = _shape_xy(base)
    outline = shapely.convex_hull(shapely.MultiPoint(verts[:, :2]))
    local = np.array(outline.exterior.coords)[:-1]
    mapped = np.array([_ifc_map(mc, x, y) for x, y in local])
    # ifcopenshell's own helper agrees with the formula.
    lib = np.array([ifcopenshell.util.geolocation.xyz2enh(
        x, y, 0.0, mc.Eastings, mc.Northings, mc.OrthogonalHeight, mc.XAxisAbscissa, mc.XAxisOrdinate,
        mc.Scale or 1.0)[:2] for x, y in local])
    assert np.abs(lib - mapped).max() < 1e-6
    rings = _gml_buildings(gml)[district.school["id"]]
    (ground,) = [r for k, r in rings if k == "GroundSurface"]
    footprint = ground[:-1, :2]
    assert len(footprint) == len(mapped) == 4
    for p in mapped:
        assert np.min(np.hypot(*(footprint - p).T)) < 0.001
    assert np.allclose(ground[:, 2], mc.OrthogonalHeight, atol=0.001)
    # The LoD2 roof is the top of the IFC's roof slab.
    roof = next(s for s in ifc.by_type("IfcSlab") if s.PredefinedType == "ROOF")
    top = _shape_xy(roof)[:, 2].max() + mc.OrthogonalHeight
    roof_z = max(r[:, 2].max() for k, r in rings if k == "RoofSurface")
    assert abs(top - roof_z) < 0.001


def _cityjson_checks(doc: dict) -> int:
    """What cjval checks beyond the schema, computed here: indices, semantics, transform, types."""
    assert doc["type"] == "CityJSON" and doc["version"] == "2.0"
    assert doc["metadata"]["referenceSystem"] == "https://www.opengis.net/def/crs/EPSG/0/25832"
    assert doc["transform"]["scale"] == [0.001, 0.001, 0.001]
    nv = len(doc["vertices"])
    used = set()
    for obj in doc["CityObjects"].values():
        assert obj["type"] == "Building"
        assert obj["address"][0]["PostalCode"] == "76133"
        (geom,) = obj["geometry"]
        assert geom["type"] == "Solid" and geom["lod"] == "2"
        shells = geom["boundaries"]
        values = geom["semantics"]["values"]
        surfaces = geom["semantics"]["surfaces"]
        assert len(shells) == 1 and len(values) == 1 and len(values[0]) == len(shells[0])
        assert {s["type"] for s in surfaces} == {"GroundSurface", "WallSurface", "RoofSurface"}
        assert all(0 <= v < len(surfaces) for v in values[0])
        for surface in shells[0]:
            assert len(surface) == 1     # no holes
            ring = surface[0]
            assert len(ring) >= 3 and len(set(ring)) == len(ring)
            for i in ring:
                assert 0 <= i < nv
                used.add(i)
    assert len(used) == nv, "no orphan vertices"
    assert len({tuple(v) for v in doc["vertices"]}) == nv, "no duplicate vertices"
    return len(doc["CityObjects"])


@pytest.fixture
def cjio_api():
    """cjio's module, with the json encoder it patches globally at import restored afterwards.

    Importing cjio replaces json's float encoder process-wide (6 decimals); left in place it
    would silently round every later json.dumps in the test session.
    """
    import json.encoder

    saved = json.encoder.c_make_encoder
    from cjio import cityjson

    yield cityjson
    json.encoder.c_make_encoder = saved
    vars(json.encoder).pop("float", None)  # cjio shadows the builtin float there


def test_cityjson_passes_cjio(district, gml, cjio_api):
    cityjson = cjio_api
    path = district.path("cityjson")
    with open(path, encoding="utf-8") as f:
        cm = cityjson.CityJSON(file=f)
    assert cm.get_version() == "2.0" and cm.get_epsg() == 25832
    assert f"|-- Building ({COUNT})" in cm.get_info()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert _cityjson_checks(doc) == COUNT
    # Same coordinates as the CityGML (every vertex of the school and a sample of others).
    t = doc["transform"]
    verts = np.array(doc["vertices"], dtype=float) * t["scale"] + t["translate"]
    gml_rings = _gml_buildings(gml)
    for oid in list(doc["CityObjects"])[::37] + [district.school["id"]]:
        obj = doc["CityObjects"][oid]
        cj = {tuple(np.round(verts[i], 3)) for s in obj["geometry"][0]["boundaries"][0] for i in s[0]}
        cg = {tuple(np.round(p, 3)) for _, r in gml_rings[oid] for p in r}
        assert cj == cg, oid
    # cjio's command line reads the file too.
    cli = Path(sys.executable).with_name("cjio")
    out = subprocess.run([str(cli), str(path), "info"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and f"Building ({COUNT})" in out.stdout


def test_cityjsonseq_has_one_feature_per_building(district, gml):
    lines = district.path("cityjsonseq").read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["type"] == "CityJSON" and header["CityObjects"] == {} and header["vertices"] == []
    ids = []
    for line in lines[1:]:
        feature = json.loads(line)
        assert feature["type"] == "CityJSONFeature" and list(feature["CityObjects"]) == [feature["id"]]
        (geom,) = feature["CityObjects"][feature["id"]]["geometry"]
        n = len(feature["vertices"])
        assert all(0 <= i < n for s in geom["boundaries"][0] for i in s[0])
        ids.append(feature["id"])
    assert len(ids) == COUNT == len(set(ids))
    assert set(ids) == set(gml.xpath("//bldg:Building/@gml:id", namespaces=NS))
    # cjio reads the stream and rebuilds the same city model.
    cli = Path(sys.executable).with_name("cjio")
    out = subprocess.run([str(cli), "stdin", "info"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and f"Building ({COUNT})" in out.stdout, out.stdout + out.stderr


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    """Run b goes through the command line in another process with another hash seed."""
    import os

    a = generate_district(tmp_path / "a", buildings=40, seed=3)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    proc = subprocess.run([sys.executable, "-m", "geotwin.twin.sample", str(tmp_path / "b"), "--buildings", "40",
                           "--seed", "3"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"citygml: {tmp_path / 'b' / 'district.gml'}" in proc.stdout
    c = generate_district(tmp_path / "c", buildings=40, seed=4)
    runs = [a, SimpleNamespace(output_dir=str(tmp_path / "b")), c]
    names = sorted(p.name for p in Path(runs[0].output_dir).iterdir())
    assert names == sorted(p.name for p in Path(runs[2].output_dir).iterdir())
    assert len(names) == 13 and "areas.geojson" in names and "sensors.uplinks.jsonl" in names and "calendars" in names
    assert "dgm.tif" in names
    for name in names:
        a, b, c = (_sha256(Path(r.output_dir) / name) for r in runs)
        assert a == b, f"{name} differs for the same seed"
        if name in ("areas.geojson", "sensors.devices.json"):   # the square and the sensors' places do not
            # depend on the seed
            assert a == c
        elif name == "dgm.tif":   # the ground does not depend on the seed, its extent (the buildings') may
            continue
        else:
            assert a != c, f"{name} is the same for another seed"


def test_learning_islands_lie_in_school_rooms_and_buildings(district, gml, ifc):
    import shapely
    from pyproj import Transformer

    doc = json.loads(district.path("islands").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    (mc,) = ifc.by_type("IfcMapConversion")
    spaces = {}
    for space in ifc.by_type("IfcSpace"):
        storey = space.Decomposes[0].RelatingObject
        verts = _shape_xy(space)
        spaces[space.Name] = (storey, shapely.convex_hull(shapely.MultiPoint(verts[:, :2])))
    levels = sorted({s.Elevation for s, _ in spaces.values()})
    footprints = {}
    for bid, rings in _gml_buildings(gml).items():
        (ground,) = [r for k, r in rings if k == "GroundSurface"]
        footprints[bid] = shapely.Polygon(ground[:, :2])
    in_school = 0
    for f in doc["features"]:
        p = f["properties"]
        for key in ("id", "name", "ssid", "operator", "seats", "opening_hours", "booking_url",
                    "accessibility", "building_id", "floor", "room"):
            assert key in p
        assert p["id"] == f["id"] and p["seats"] > 0 and p["booking_url"].startswith("https://")
        assert p["ssid"] and p["opening_hours"][:2] in {"Mo", "Tu"}
        lon, lat = f["geometry"]["coordinates"]
        assert 8.3 < lon < 8.5 and 48.9 < lat < 49.1
        e, n = to_utm.transform(lon, lat)
        assert footprints[p["building_id"]].contains(shapely.Point(e, n)), p["id"]
        if p["building_id"] == district.school["id"]:
            storey, room = spaces[p["room"]]
            x, y = _ifc_local(mc, e, n)
            assert room.buffer(-0.5).contains(shapely.Point(x, y)), p["id"]
            assert levels.index(storey.Elevation) == p["floor"]
            in_school += 1
    assert in_school >= 3
    assert len({f["properties"]["floor"] for f in doc["features"]
                if f["properties"]["building_id"] == district.school["id"]}) >= 2


def test_sensors_week_of_plausible_observations(district):
    things = json.loads(district.path("sensors_sta").read_text(encoding="utf-8"))
    assert isinstance(things, list) and len(things) >= 4
    ranges = {"dB(A)": (30, 100), "%": (0, 60), "°C": (-30, 50), "1": (0, 1)}
    by_property = {}
    total = 0
    for thing in things:
        (loc,) = thing["Locations"]
        lon, lat = loc["location"]["coordinates"]
        assert loc["encodingType"] == "application/geo+json" and 8.39 < lon < 8.42 and 49.0 < lat < 49.02
        for ds in thing["Datastreams"]:
            unit = ds["unitOfMeasurement"]
            assert set(unit) == {"name", "symbol", "definition"}
            name = ds["ObservedProperty"]["name"]
            assert ds["Sensor"]["name"] and ds["ObservedProperty"]["definition"].startswith("http")
            times = [datetime.strptime(o["phenomenonTime"], "%Y-%m-%dT%H:%M:%SZ") for o in ds["Observations"]]
            assert times == sorted(times) and times[-1] - times[0] == timedelta(days=7) - timedelta(minutes=15)
            assert {b - a for a, b in zip(times, times[1:])} == {timedelta(minutes=15)}
            values = np.array([o["result"] for o in ds["Observations"]], dtype=float)
            low, high = ranges[unit["symbol"]]
            assert low <= values.min() and values.max() <= high, name
            by_property.setdefault(name, []).append(values)
            total += len(values)
    assert len(by_property) == 4
    temps = np.concatenate(by_property["Air temperature"])
    assert 8 < temps.min() and temps.max() < 35 and temps.max() - temps.min() > 8   # June days and nights
    noise = np.concatenate(by_property["Sound pressure level (A-weighted)"])
    assert 35 < noise.mean() < 75
    parking = np.concatenate(by_property["Parking space occupancy"])
    assert set(np.unique(parking)) == {0.0, 1.0}
    with open(district.path("sensors_csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == total
    assert set(rows[0]) == {"device_id", "time", "latitude", "longitude", "noise_dba", "soil_moisture_pct",
                            "air_temperature_c", "parking_occupied"}
    assert len({r["device_id"] for r in rows}) == len(things)
    assert all(r["time"].endswith("Z") and 49.0 < float(r["latitude"]) < 49.02 for r in rows)


def test_manifest_lists_counts_and_files(district):
    data = json.loads(district.path("manifest").read_text(encoding="utf-8"))
    assert data["buildings"] == COUNT and data["seed"] == SEED
    assert data["crs"]["horizontal"] == "EPSG:25832" and data["crs"]["vertical"] == "EPSG:7837"
    assert data["school"]["id"] == "DEBW_KA_0000001"
    for name in data["files"].values():
        assert (Path(district.output_dir) / name).is_file()


def test_bad_input_is_refused_and_nothing_is_left_behind(tmp_path):
    with pytest.raises(InputError, match="between 10 and 1000000"):
        generate_district(tmp_path / "x", buildings=5)
    with pytest.raises(InputError, match="unknown output formats"):
        generate_district(tmp_path / "x", buildings=10, formats=("citygml", "shp"))
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not empty"):
        generate_district(foreign, buildings=10)
    assert (foreign / "notes.txt").read_text() == "keep me"
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        generate_district(tmp_path / "cancelled", buildings=5000, reporter=CollectingReporter(cancel_after=0.0))
    assert not (tmp_path / "cancelled").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    # An earlier sample district is replaced as a whole.
    generate_district(tmp_path / "again", buildings=10, seed=1, formats=("citygml", "islands"))
    generate_district(tmp_path / "again", buildings=12, seed=2, formats=("cityjsonseq",))
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == ["district.city.jsonl", "district.json"]
    assert json.loads((tmp_path / "again" / "district.json").read_text())["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "mine"]


def test_command_line_names_bad_input(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "geotwin.twin.sample", str(tmp_path / "d"), "--buildings", "5"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "between 10 and 1000000, got 5" in proc.stderr
    assert not (tmp_path / "d").exists()


def test_streaming_keeps_memory_flat(tmp_path):
    """20,000 buildings to CityJSONSeq in a child process: peak RSS barely above that of 2,000."""
    script = textwrap.dedent("""
        import resource, sys
        from geotwin.twin.sample import generate_district
        generate_district(sys.argv[1], buildings=int(sys.argv[2]), seed=1, formats=("cityjsonseq",))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    peaks = {}
    for n in (2000, 20000):
        out = subprocess.run([sys.executable, "-c", script, str(tmp_path / f"d{n}"), str(n)],
                             capture_output=True, text=True, timeout=600, check=True)
        peaks[n] = int(out.stdout.split()[-1]) / 1024.0   # MiB
        with open(tmp_path / f"d{n}" / "district.city.jsonl", encoding="utf-8") as f:
            assert sum(1 for _ in f) == n + 1
    assert peaks[20000] - peaks[2000] < 15.0, peaks


def test_algorithm_via_processing(run_alg, tmp_path):
    out = tmp_path / "alg"
    result = run_alg("geotwin:sampledistrict", {"BUILDINGS": 20, "SEED": 2, "OUTPUT": str(out)})
    assert Path(result["OUTPUT"]) == out.resolve()
    for key in ("CITYGML", "CITYJSON", "CITYJSONSEQ", "IFC", "ISLANDS", "SENSORS_STA", "SENSORS_CSV"):
        assert Path(result[key]).is_file() and Path(result[key]).parent == out.resolve()
    lines = Path(result["CITYJSONSEQ"]).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 21


def test_algorithm_via_qgis_process(tmp_path):
    out = tmp_path / "qp"
    proc = subprocess.run([str(ROOT / "scripts" / "qgis_process"), "run", "geotwin:sampledistrict", "--",
                           "BUILDINGS=50", f"OUTPUT={out}"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from lxml import etree

    tree = etree.parse(str(out / "district.gml"))
    assert len(tree.xpath("//bldg:Building", namespaces=NS)) == 50
    for name in ("district.city.json", "district.city.jsonl", "school.ifc", "learning_islands.geojson",
                 "sensors.sta.json", "sensors.csv", "district.json"):
        assert (out / name).is_file(), name


def test_areas_square_is_the_open_block_without_the_landmarks(district, gml):
    """Friedrichsplatz: RFC 7946 polygon; its outline recomputed here from the ring and ray streets."""
    import math

    import shapely
    from pyproj import Transformer

    from geotwin.twin.sample import sensors
    from geotwin.twin.sample.site import SECTOR_DEG, SQUARE_RING, STREET_HALF_WIDTH, site

    doc = json.loads(district.path("areas").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    square, park = doc["features"]
    assert [(f["id"], f["properties"]["id"], f["properties"]["name"], f["properties"]["kind"])
            for f in (square, park)] == [("friedrichsplatz", "friedrichsplatz", "Friedrichsplatz", "square"),
                                         ("schlossplatz", "schlossplatz", "Schlossplatz", "park")]
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    utm = {}
    for f in (square, park):
        lonlat = shapely.geometry.shape(f["geometry"])
        assert lonlat.is_valid and lonlat.exterior.is_ccw and not any(h.is_ccw for h in lonlat.interiors)
        assert 8.39 < lonlat.centroid.x < 8.41 and 49.006 < lonlat.centroid.y < 49.013
        utm[f["id"]] = shapely.transform(lonlat, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))
        assert utm[f["id"]].area == pytest.approx(f["properties"]["area_m2"], abs=0.1)
    poly = utm["friedrichsplatz"]
    s = site()
    tower = shapely.Point(s.tower)

    def fan_block(r_in: float, r_out: float, half_deg: float):
        """Between radii r_in and r_out and the kerbs of the fan rays half_deg either side (8 m half width)."""
        annulus = tower.buffer(r_out, 2048).difference(tower.buffer(r_in, 2048))
        ends = [(s.tower[0] + 2000 * math.sin(math.radians(s.square_bearing + a)),
                 s.tower[1] + 2000 * math.cos(math.radians(s.square_bearing + a))) for a in (-half_deg, 0, half_deg)]
        rays = [shapely.LineString([s.tower, ends[i]]).buffer(STREET_HALF_WIDTH, cap_style="flat") for i in (0, 2)]
        return annulus.intersection(shapely.Polygon([s.tower, *ends])).difference(shapely.union_all(rays))

    # the square's block: between the kerbs of ring streets 4 and 5 and of its sector's two fan rays
    block = fan_block(s.ring_radius(SQUARE_RING) + STREET_HALF_WIDTH,
                      s.ring_radius(SQUARE_RING + 1) - STREET_HALF_WIDTH, SECTOR_DEG / 2)
    footprints = []
    for b in gml.xpath("//bldg:Building", namespaces=NS)[:4]:
        ground = b.xpath(".//bldg:GroundSurface//gml:posList", namespaces=NS)[0].text
        footprints.append(shapely.Polygon(_pos(ground)[:, :2]))
    expected = block.difference(shapely.union_all(footprints))
    assert len(poly.interiors) == 4
    assert poly.symmetric_difference(expected).area < 0.5          # 2 mm chords along 2 x 80 m arcs
    assert shapely.hausdorff_distance(shapely.Polygon(poly.exterior), shapely.Polygon(expected.exterior)) < 0.01
    # the park: inside the Zirkel's kerb, 100 m from the tower on, over three sectors; no building on it
    lawn = fan_block(100.0, s.ring_radius(0) - STREET_HALF_WIDTH, 1.5 * SECTOR_DEG)
    assert utm["schlossplatz"].symmetric_difference(lawn).area < 1.0
    every = [shapely.Polygon(_pos(b.xpath(".//bldg:GroundSurface//gml:posList", namespaces=NS)[0].text)[:, :2])
             for b in gml.xpath("//bldg:Building", namespaces=NS)]
    # the landmarks touch their holes: overlaps only from the 8-decimal lon/lat rounding (about 1 mm)
    assert max(fp.intersection(area).area for fp in every for area in utm.values()) < 0.05
    # the sensors the generator puts on the square stand in it, clear of its edges (lon/lat rounding cannot
    # move them out); the kerbside parking spaces and the street noise meters do not
    stations = {t["properties"]["deviceId"]: shapely.Point(to_utm.transform(*t["Locations"][0]["location"]
                                                                            ["coordinates"]))
                for t in json.loads(district.path("sensors_sta").read_text(encoding="utf-8"))}
    on_square = {d for d, p in stations.items() if poly.contains(p)}
    assert on_square == {"ka-fp-soil-01", "ka-fp-soil-02", "ka-fp-soil-03", "ka-fp-temp-01", "ka-fp-temp-02",
                         "ka-fp-temp-03", "ka-fp-noise-01"}
    assert all(poly.exterior.distance(stations[d]) > 1.0 and
               min(h.distance(stations[d]) for h in poly.interiors) > 0.45 for d in on_square)
    assert {d for d, q, _, _ in sensors.DEVICES if q is sensors.SOIL} <= on_square


def test_dgm_is_the_ground_the_buildings_stand_on(district, gml):
    """dgm.tif, read with GDAL: EPSG:25832, 1 m pixels over every building, and each building's ground height
    (its GroundSurface in the CityGML) the DGM's bilinear height at the footprint's centre within 1 cm."""
    from osgeo import gdal, osr

    ds = gdal.Open(str(district.path("dgm")))
    srs = osr.SpatialReference(wkt=ds.GetProjection())
    assert srs.GetAuthorityCode(None) == "25832"
    x0, px, _, y0, _, py = ds.GetGeoTransform()
    assert px == 1.0 and py == -1.0
    band = ds.GetRasterBand(1)
    assert "DHHN2016" in band.GetDescription()
    values = band.ReadAsArray().astype(float)
    worst = 0.0
    for rings in _gml_buildings(gml).values():
        ground = next(r for kind, r in rings if kind == "GroundSurface")[:-1]
        e, n, h = ground.mean(axis=0)
        c, r = (e - x0) / px - 0.5, (y0 - n) / -py - 0.5
        assert 1 <= c < values.shape[1] - 2 and 1 <= r < values.shape[0] - 2
        c0, r0 = int(c), int(r)
        fc, fr = c - c0, r - r0
        dgm = ((values[r0, c0] * (1 - fc) + values[r0, c0 + 1] * fc) * (1 - fr)
               + (values[r0 + 1, c0] * (1 - fc) + values[r0 + 1, c0 + 1] * fc) * fr)
        worst = max(worst, abs(dgm - h))
        assert np.ptp(ground[:, 2]) == 0.0   # a flat ground surface
    assert worst <= 0.01, worst
    assert district.counts["dgm_pixels"] == values.size
