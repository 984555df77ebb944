"""Invalid GroundSurfaces in a copy of the real Hamburg tile: a bow-tie ring is repaired for the footprint (every
lobe kept, reported), a degenerate ring is left out with a row; the areas against an independent computation."""
from __future__ import annotations

import numpy as np
import pyogrio
import pytest
import shapely
from lxml import etree

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter

BLDG = "http://www.opengis.net/citygml/building/1.0"
GML = "http://www.opengis.net/gml"
NS = {"bldg": BLDG, "gml": GML}


def _shoelace(points: np.ndarray) -> float:
    local = points - points[0]  # no cancellation with map coordinates
    x, y = local[:, 0], local[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2.0


def _crossing(p, q, r, s) -> np.ndarray | None:
    """Where segments pq and rs cross (strictly inside both), else None."""
    d1, d2 = q - p, s - r
    den = d1[0] * d2[1] - d1[1] * d2[0]
    if den == 0:
        return None
    t = ((r - p)[0] * d2[1] - (r - p)[1] * d2[0]) / den
    u = ((r - p)[0] * d1[1] - (r - p)[1] * d1[0]) / den
    return p + t * d1 if 0 < t < 1 and 0 < u < 1 else None


def bow_tie_area(q: np.ndarray) -> float:
    """Area enclosed by the two lobes of a 4-point self-crossing ring, from its crossing point."""
    x = _crossing(q[1], q[2], q[3], q[0])
    if x is not None:
        return _shoelace(np.array([q[0], q[1], x])) + _shoelace(np.array([x, q[2], q[3]]))
    x = _crossing(q[0], q[1], q[2], q[3])
    assert x is not None, "not a bow-tie"
    return _shoelace(np.array([x, q[1], q[2]])) + _shoelace(np.array([q[0], x, q[3]]))


class Ring:
    """The gml:pos elements of a closed exterior ring (the Hamburg tiles write one gml:pos per point)."""

    def __init__(self, positions: list) -> None:
        self.positions = positions

    @property
    def points(self) -> np.ndarray:
        return np.array([p.text.split() for p in self.positions], float)

    @points.setter
    def points(self, corners: np.ndarray) -> None:
        for el, point in zip(self.positions, np.vstack([corners, corners[:1]])):
            el.text = " ".join(f"{v:.3f}" for v in point)


def _single_quad_grounds(tree) -> list:
    """(object, Ring) of buildings/parts with exactly one GroundSurface, a closed ring of 4 corners."""
    out = []
    for obj in tree.iter(f"{{{BLDG}}}Building", f"{{{BLDG}}}BuildingPart"):
        grounds = [g for g in obj.findall("bldg:boundedBy/bldg:GroundSurface", NS)]
        if len(grounds) != 1 or obj.find("bldg:consistsOfBuildingPart", NS) is not None:
            continue
        rings = grounds[0].findall(".//gml:LinearRing", NS)
        if len(rings) == 1 and len(rings[0].findall("gml:pos", NS)) == 5:
            out.append((obj, Ring(rings[0].findall("gml:pos", NS))))
    return out


@pytest.fixture(scope="module")
def broken_tile(shared_data, tmp_path_factory):
    tree = etree.parse(str(shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"))
    candidates = _single_quad_grounds(tree)
    assert len(candidates) >= 2
    (bow_obj, bow_pos), (flat_obj, flat_pos) = candidates[0], candidates[1]
    quad = bow_pos.points[:4]
    original_area = _shoelace(quad)
    bow = quad[[0, 1, 3, 2]]  # corners 3 and 4 swapped: the diagonals become edges
    bow_pos.points = bow
    line = flat_pos.points[:4]
    a, b = line[0], line[1]
    degenerate = np.array([a, a + (b - a) * 0.5, b, a + (b - a) * 0.25])  # 4 distinct points on one line
    flat_pos.points = degenerate
    path = tmp_path_factory.mktemp("broken") / "LoD2_broken.xml"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    gid = lambda el: el.get(f"{{{GML}}}id")  # noqa: E731
    roofs = []
    for roof in bow_obj.findall("bldg:boundedBy/bldg:RoofSurface", NS):
        for ring in roof.findall(".//gml:exterior/gml:LinearRing", NS):
            pts = np.array([p.text.split() for p in ring.findall("gml:pos", NS)], float)
            roofs.append(shapely.make_valid(shapely.Polygon(pts[:, :2])))
    roof_plan = shapely.union_all([r for r in roofs if r.area > 1e-6])
    return path, gid(bow_obj), bow, original_area, gid(flat_obj), roof_plan


def test_bow_tie_ground_is_repaired_with_every_lobe_and_its_roof_and_reported(broken_tile, tmp_path):
    """Two corners swapped: make_valid alone keeps only the two lobes (less than half of the building); joined
    with the roof's plan outline the footprint is whole again (the Hamburg roofs do not overhang)."""
    path, bow_id, bow, original_area, _, roof_plan = broken_tile
    reporter = CollectingReporter()
    out = tmp_path / "b.gpkg"
    result = import_citymodel([path], out, reporter=reporter)
    assert result.repaired == 1
    footprints = pyogrio.read_dataframe(out, layer="footprints").set_index("building_id")
    lobes = bow_tie_area(bow[:, :2])
    assert 0 < lobes < original_area and roof_plan.area > lobes
    expected = shapely.union(shapely.make_valid(shapely.Polygon(bow[:, :2])), roof_plan).area
    assert footprints.loc[bow_id, "area"] == pytest.approx(expected, rel=1e-6)
    assert footprints.loc[bow_id].geometry.area == pytest.approx(expected, rel=1e-6)
    assert footprints.loc[bow_id, "area"] == pytest.approx(original_area, rel=1e-3)  # the building's real ground
    assert shapely.is_valid(footprints.loc[bow_id].geometry)
    skipped = pyogrio.read_dataframe(out, layer="skipped_objects")
    note = skipped[skipped.reason.str.startswith("repaired: ")]
    assert len(note) == 1 and f"GroundSurface of {bow_id}" in note.reason.iloc[0]
    assert f"({lobes:.2f} m²)" in note.reason.iloc[0] and "Self-intersection" in note.reason.iloc[0]
    assert f"roof surfaces: {expected:.2f} m²" in note.reason.iloc[0]
    assert any("repaired" in w and bow_id in w for w in reporter.warnings)
    surfaces = pyogrio.read_dataframe(out, layer="building_surfaces")
    ground = surfaces[(surfaces.building_id == bow_id) & (surfaces.surface_type == "GroundSurface")]
    assert len(ground) == 1  # kept as written, its area that of the repaired lobes (a flat ground: plan = 3D)
    assert ground["area"].iloc[0] == pytest.approx(lobes, rel=1e-9)


def test_zero_area_ground_is_left_out_with_a_row(broken_tile, tmp_path):
    path, _, _, _, flat_id, _ = broken_tile
    out = tmp_path / "f.gpkg"
    result = import_citymodel([path], out, reporter=CollectingReporter())
    assert result.skipped == 1 and result.buildings + result.parts == 47 + 71
    skipped = pyogrio.read_dataframe(out, layer="skipped_objects")
    row = skipped[skipped.reason.str.contains("has no area in plan")]
    assert len(row) == 1 and f"GroundSurface of {flat_id}" in row.reason.iloc[0]
    surfaces = pyogrio.read_dataframe(out, layer="building_surfaces")
    mine = surfaces[surfaces.building_id == flat_id]
    assert "GroundSurface" not in set(mine.surface_type) and len(mine) > 0
    # its footprint falls back to the plan outline of its other surfaces (walls vanish in plan)
    footprints = pyogrio.read_dataframe(out, layer="footprints").set_index("building_id")
    polys = [shapely.Polygon(np.asarray(g.exterior.coords)[:, :2]) for g in mine.geometry]
    expected = shapely.union_all([shapely.make_valid(p) for p in polys if p.area > 1e-6]).area
    assert footprints.loc[flat_id, "area"] == pytest.approx(expected, rel=1e-6)


def test_valid_grounds_are_untouched(shared_data, tmp_path):
    """The unedited tile: no repair notes, no skipped rows, footprints equal the ground rings' shoelace areas."""
    path = shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
    out = tmp_path / "ok.gpkg"
    result = import_citymodel([path], out)
    assert (result.repaired, result.skipped) == (0, 0)
    tree = etree.parse(str(path))
    footprints = pyogrio.read_dataframe(out, layer="footprints").set_index("building_id")
    for obj, ring in _single_quad_grounds(tree):
        ring = ring.points[:4, :2]
        assert footprints.loc[obj.get(f"{{{GML}}}id"), "area"] == pytest.approx(_shoelace(ring), rel=1e-9)
