"""What the (fast) city model import writes, checked per real file against independent readings.

For every CityGML / CityJSON file of ../shared/data (and gzip / zip copies of one): each surface's stored area
equals the area computed independently from its stored rings (the plane area from shapely's areas of the
three axis projections), each stored surface polygon with a gml:id has the vertices lxml reads from that
polygon's coordinates, ground/roof heights are the min/max z of the surfaces, and the typed attributes equal
the values lxml / json read. Row-for-row identity with an earlier version's output is checked outside the
repository by scripts/import_identity.py (its references cannot be committed).
"""
from __future__ import annotations

import gzip
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from lxml import etree

from geotwin.tests.paths import SHARED_DATA
from geotwin.twin.citymodel.importer import import_citymodel

from .conftest import import_with_rd_fallback

DATA = SHARED_DATA
if not DATA.exists():
    DATA = Path("/work/shared/data")
CITYGML = sorted((DATA / "citygml").rglob("*.gml")) + sorted((DATA / "citygml").rglob("*.xml"))
CITYJSON = sorted((DATA / "cityjson").rglob("*.json"))
GML_IDS = ("{http://www.opengis.net/gml}id", "{http://www.opengis.net/gml/3.2}id")


def _import(path: Path, tmp_path: Path) -> dict:
    out = tmp_path / "m.gpkg"
    import_with_rd_fallback(path, out)
    return {name: pyogrio.read_dataframe(out, layer=name)
            for name in ("buildings", "building_surfaces", "footprints", "skipped_objects")}


def _plane_area(polygon) -> float:
    """3D area of a planar polygon: the norm of its three axis-projected areas (shapely, holes subtracted)."""
    rings = [np.asarray(polygon.exterior.coords)] + [np.asarray(r.coords) for r in polygon.interiors]
    areas = []
    for a, b in ((0, 1), (1, 2), (2, 0)):
        proj = [r[:, [a, b]] - rings[0][0, [a, b]] for r in rings]
        outer = shapely.Polygon(proj[0]).area
        areas.append(outer - sum(shapely.Polygon(h).area if len(h) >= 4 else 0.0 for h in proj[1:]))
    return math.sqrt(sum(x * x for x in areas))


def _check_surfaces(layers: dict) -> None:
    surfaces = layers["building_surfaces"]
    assert len(surfaces)
    repaired = {r.split(":")[0] for r in layers["skipped_objects"].object_id}
    for sid, geom, area in zip(surfaces["id"], surfaces.geometry, surfaces["area"]):
        if sid in repaired:
            continue
        assert area == pytest.approx(_plane_area(geom), rel=1e-3, abs=1e-4), sid
    buildings = layers["buildings"]
    zs = {}
    for bid, geom in zip(surfaces.building_id, surfaces.geometry):
        z = shapely.get_coordinates(geom, include_z=True)[:, 2]
        lo, hi = zs.get(bid, (math.inf, -math.inf))
        zs[bid] = (min(lo, z.min()), max(hi, z.max()))
    for bid, ground, roof in zip(buildings.id, buildings.ground_height, buildings.roof_height):
        if bid in zs:
            assert (ground, roof) == pytest.approx(zs[bid], abs=1e-9), bid
    footprints = layers["footprints"]
    assert np.allclose(footprints["area"].to_numpy(), shapely.area(footprints.geometry.values), rtol=1e-9)


def _gml_polygons(path: Path) -> dict[str, list[np.ndarray]]:
    """gml:id of each Polygon -> its rings as lxml reads them (posList or pos), closing point dropped."""
    out = {}
    for poly in etree.parse(str(path)).iter("{*}Polygon"):
        gid = poly.get(GML_IDS[0]) or poly.get(GML_IDS[1])
        rings = []
        for ring in poly.iter("{*}LinearRing"):
            texts = [p.text for p in ring.iter("{*}posList")] or [" ".join(p.text for p in ring.iter("{*}pos"))]
            values = np.array(" ".join(texts).split(), dtype=float)
            if values.size % 3:
                break
            pts = values.reshape(-1, 3)
            rings.append(pts[:-1] if len(pts) > 1 and (pts[0] == pts[-1]).all() else pts)
        if gid and rings:
            out[gid] = rings
    return out


@pytest.mark.parametrize("path", CITYGML, ids=lambda p: p.name)
def test_citygml_surfaces_and_attributes(path, tmp_path):
    layers = _import(path, tmp_path)
    _check_surfaces(layers)
    polygons = _gml_polygons(path)
    checked = 0
    for sid, geom in zip(layers["building_surfaces"].id, layers["building_surfaces"].geometry):
        rings = polygons.get(sid)
        if rings is None or len(rings) != 1 + len(geom.interiors):
            continue
        stored = np.asarray(geom.exterior.coords)[:-1]
        expected = rings[0]
        if len(stored) == len(expected):  # rings with repeated points are cleaned by the import
            assert np.array_equal(stored, expected) or np.array_equal(stored, expected[::-1]), sid
            checked += 1
    assert checked or not polygons
    tree = etree.parse(str(path))
    heights = {}
    for el in tree.iter("{*}Building", "{*}BuildingPart"):
        gid = el.get(GML_IDS[0]) or el.get(GML_IDS[1])
        mh = next((c for c in el if etree.QName(c).localname == "measuredHeight"), None)
        if mh is not None and mh.text:
            heights[gid] = float(mh.text)
    buildings = layers["buildings"].set_index("id")
    for gid, h in heights.items():
        if gid in buildings.index:
            assert buildings.at[gid, "measured_height"] == h


@pytest.mark.parametrize("path", CITYJSON, ids=lambda p: p.name)
def test_cityjson_surfaces_and_attributes(path, tmp_path):
    layers = _import(path, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    objects = doc.get("CityObjects", {})
    buildings = layers["buildings"]
    kinds = {oid: o.get("type") for oid, o in objects.items()}
    assert set(buildings.id) <= {oid for oid, k in kinds.items() if k in ("Building", "BuildingPart")}
    if not len(buildings):
        return
    _check_surfaces(layers)
    by_id = buildings.set_index("id")
    for oid in by_id.index:
        attrs = objects[oid].get("attributes") or {}
        for key, column in (("measuredHeight", "measured_height"), ("yearOfConstruction", "year_of_construction")):
            value = attrs.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert by_id.at[oid, column] == pytest.approx(value), (oid, key)
    # vertices: every stored surface vertex is a vertex of the file (after the transform)
    scale = doc.get("transform", {}).get("scale", [1, 1, 1])
    shift = doc.get("transform", {}).get("translate", [0, 0, 0])
    vertices = np.asarray(doc["vertices"], dtype=float) * scale + shift
    known = {tuple(np.round(v, 6)) for v in vertices}
    coords = shapely.get_coordinates(layers["building_surfaces"].geometry.values, include_z=True)
    assert all(tuple(np.round(c, 6)) in known for c in coords[:: max(1, len(coords) // 2000)])


def test_compressed_copies_import_as_the_plain_file(tmp_path):
    source = DATA / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
    (tmp_path / "plain").mkdir()
    plain = _import(source, tmp_path / "plain")
    gz = tmp_path / "tile.xml.gz"
    gz.write_bytes(gzip.compress(source.read_bytes()))
    zp = tmp_path / "tiles.zip"
    with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(source, "x/LoD2_576_5950_1_HH.xml")
    for packed in (gz, zp):
        folder = tmp_path / packed.suffix.strip(".")
        folder.mkdir()
        other = _import(packed, folder)
        for name in ("buildings", "building_surfaces", "footprints"):
            a, b = plain[name], other[name]
            assert len(a) == len(b)
            columns = [c for c in a.columns if c not in ("geometry", "source_file")]
            assert a[columns].equals(b[columns]), name
            assert all((x is None and y is None) or shapely.equals_exact(x, y, tolerance=1e-9)
                       for x, y in zip(a.geometry, b.geometry)), name


def test_an_empty_poslist_leaves_out_its_polygon_with_a_reason(tmp_path):
    """An empty gml:posList used to end the import with numpy's 'zero-size array' ValueError."""
    gml = tmp_path / "empty.gml"
    gml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" '
        'xmlns:bldg="http://www.opengis.net/citygml/building/2.0" xmlns:gml="http://www.opengis.net/gml">\n'
        '<gml:boundedBy><gml:Envelope srsName="EPSG:25832" srsDimension="3"><gml:lowerCorner>456243 5428487 115'
        '</gml:lowerCorner><gml:upperCorner>456306 5428504 125</gml:upperCorner></gml:Envelope></gml:boundedBy>\n'
        '<core:cityObjectMember><bldg:Building gml:id="B1"><bldg:lod2MultiSurface><gml:MultiSurface>\n'
        '<gml:surfaceMember><gml:Polygon gml:id="P0"><gml:exterior><gml:LinearRing>'
        '<gml:posList srsDimension="3"></gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n'
        '<gml:surfaceMember><gml:Polygon gml:id="P1"><gml:exterior><gml:LinearRing><gml:posList srsDimension="3">'
        '456243.5 5428487.5 115 456248.5 5428504.5 115 456306.5 5428487.5 115 456243.5 5428487.5 115'
        '</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n'
        '</gml:MultiSurface></bldg:lod2MultiSurface></bldg:Building></core:cityObjectMember>\n</core:CityModel>\n',
        encoding="utf-8")
    from geotwin.twin.kernel.progress import CollectingReporter

    reporter = CollectingReporter()
    result = import_citymodel([gml], tmp_path / "m.gpkg", reporter=reporter)
    assert (result.buildings, result.surfaces) == (1, 1)
    surfaces = pyogrio.read_dataframe(tmp_path / "m.gpkg", layer="building_surfaces")
    assert list(surfaces["id"]) == ["P1"]
    assert any("P0" in w and "without coordinate values" in w for w in reporter.warnings)
