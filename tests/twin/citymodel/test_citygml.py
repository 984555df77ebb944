"""CityGML reader on the real FZK-Haus and Hamburg files, checked against values computed here from
the raw XML with lxml XPath + numpy; hostile, broken and large inputs."""
from __future__ import annotations

import copy
import gc
import gzip
import json
import re
import subprocess
import sys
import textwrap
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

from geotwin.twin.citymodel.citygml import read_citygml
from geotwin.twin.citymodel.model import CityObject, Skipped
from geotwin.twin.kernel.crs import crs_override
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter

GML_ID = ("{http://www.opengis.net/gml}id", "{http://www.opengis.net/gml/3.2}id")


# -- independent computations on the raw XML -----------------------------------------------------------

def _xml(path: Path):
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))


def _ln(xpath_name: str) -> str:
    return f"*[local-name()='{xpath_name}']"


def _id(el) -> str | None:
    return el.get(GML_ID[0]) or el.get(GML_ID[1])


def _ring_coords(ring) -> np.ndarray:
    pos_list = ring.xpath(_ln("posList"))
    text = pos_list[0].text if pos_list else " ".join(p.text for p in ring.xpath(_ln("pos")))
    return np.array(text.split(), dtype=float).reshape(-1, 3)


def _area(ring: np.ndarray) -> float:
    """3D polygon area (Newell's method) of a ring, closed or not."""
    closed = np.vstack([ring, ring[:1]])
    return 0.5 * float(np.linalg.norm(np.cross(closed[:-1], closed[1:]).sum(axis=0)))


def _polygon_area_xml(polygon) -> float:
    ext = polygon.xpath(f"{_ln('exterior')}/{_ln('LinearRing')}")[0]
    holes = polygon.xpath(f"{_ln('interior')}/{_ln('LinearRing')}")
    return _area(_ring_coords(ext)) - sum(_area(_ring_coords(h)) for h in holes)


def _surface_area(surface) -> float:
    return _area(surface.rings[0]) - sum(_area(r) for r in surface.rings[1:])


def _owner(el) -> str:
    """gml:id of the nearest Building/BuildingPart ancestor."""
    return _id(next(a for a in el.iterancestors() if etree.QName(a).localname in ("Building", "BuildingPart")))


def _xml_roof_area_by_object(tree, lod: str) -> dict[str, float]:
    areas: dict[str, float] = defaultdict(float)
    for roof in tree.xpath(f"//{_ln('RoofSurface')}"):
        for polygon in roof.xpath(f"{_ln(f'lod{lod}MultiSurface')}//{_ln('Polygon')}"):
            areas[_owner(roof)] += _polygon_area_xml(polygon)
    return dict(areas)


def _read(path, **kw) -> tuple[list, CollectingReporter, object]:
    reporter = CollectingReporter()
    source = read_citygml(path, reporter=reporter, **kw)
    return list(source), reporter, source


HAMBURG = {"2016": (46, 72, "EPSG:5783"), "2022": (47, 71, "EPSG:7837")}


# -- real data ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("year", sorted(HAMBURG))
def test_hamburg_counts_crs_attributes_and_roof_area(shared_data, year):
    path = shared_data / "citygml" / "hamburg" / year / "LoD2_576_5950_1_HH.xml"
    tree = _xml(path)
    buildings = tree.xpath(f"//{_ln('Building')}")
    parts = tree.xpath(f"//{_ln('BuildingPart')}")
    n_buildings, n_parts, vertical = HAMBURG[year]
    assert (len(buildings), len(parts)) == (n_buildings, n_parts)  # published counts = XPath counts

    objects, reporter, source = _read(path)
    assert source.format == "CityGML 1.0"
    assert (source.crs.horizontal, source.crs.vertical) == ("EPSG:25832", vertical)
    assert source.crs.source_text == tree.xpath(f"//{_ln('Envelope')}/@srsName")[0]
    assert not reporter.warnings
    assert all(isinstance(o, CityObject) for o in objects)
    kinds = Counter(o.object_class for o in objects)
    assert kinds == {"Building": n_buildings, "BuildingPart": n_parts}
    by_id = {o.id: o for o in objects}
    assert set(by_id) == {_id(b) for b in buildings + parts}

    # parent ids: each part points at the building that contains it
    for part in parts:
        assert by_id[_id(part)].parent_id == _owner(part)
    # measuredHeight, storeys and function of every object, from XPath
    for el in buildings + parts:
        obj = by_id[_id(el)]
        mh = el.xpath(f"{_ln('measuredHeight')}/text()")
        assert obj.attributes.get("measured_height") == (float(mh[0]) if mh else None)
        st = el.xpath(f"{_ln('storeysAboveGround')}/text()")
        assert obj.attributes.get("storeys_above_ground") == (int(st[0]) if st else None)
        fn = el.xpath(f"{_ln('function')}/text()")
        assert obj.attributes.get("function") == (fn[0] if fn else None)
        for gen in el.xpath(f"{_ln('stringAttribute')}"):
            assert obj.attributes[gen.get("name")] == gen.xpath(f"{_ln('value')}/text()")[0]
    # addresses (xAL)
    streets = {_owner(a): a.xpath(f".//{_ln('ThoroughfareName')}/text()")[0]
               for a in tree.xpath(f"//{_ln('address')}")}
    assert streets and all(by_id[oid].attributes["street"] == s for oid, s in streets.items())

    # roof area per object: reader's RoofSurface polygons vs. posList/pos of every RoofSurface in the XML
    expected = _xml_roof_area_by_object(tree, "2")
    got: dict[str, float] = defaultdict(float)
    for obj in objects:
        for s in obj.surfaces:
            if s.surface_type == "RoofSurface":
                got[obj.id] += _surface_area(s)
    assert set(got) == set(expected)
    for oid, area in expected.items():
        assert got[oid] == pytest.approx(area, rel=1e-9)
    # every semantic polygon arrives once: polygon count per type equals the XML's
    for kind in ("RoofSurface", "WallSurface", "GroundSurface"):
        n_xml = len(tree.xpath(f"//{_ln(kind)}//{_ln('Polygon')}"))
        assert sum(s.surface_type == kind for o in objects for s in o.surfaces) == n_xml
    # heights: lowest/highest z per object equal the XML's gml:pos of its solid's polygons
    for part in parts[:10]:
        zs = [float(p.split()[2]) for p in part.xpath(f".//{_ln('boundedBy')}//{_ln('pos')}/text()")]
        obj = by_id[_id(part)]
        z = np.vstack([s.rings[0] for s in obj.surfaces])[:, 2]
        assert (z.min(), z.max()) == (min(zs), max(zs))


def test_hamburg_two_vertical_datums_same_footprints(shared_data):
    """2016 (DHHN92) and 2022 (DHHN2016) tiles: same tile envelope in x/y, datums kept apart."""
    sources = {y: read_citygml(shared_data / "citygml" / "hamburg" / y / "LoD2_576_5950_1_HH.xml") for y in HAMBURG}
    assert sources["2016"].crs.vertical == "EPSG:5783" and sources["2022"].crs.vertical == "EPSG:7837"
    assert "DHHN92" in sources["2016"].crs.compound_wkt and "DHHN2016" in sources["2022"].crs.compound_wkt


def test_fzk_lod2_v2_and_v3_agree_with_xml(shared_data):
    v2 = shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml"
    v3 = shared_data / "citygml/fzk-haus/citygml3/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1__v3.gml"
    results = {}
    for path, fmt in ((v2, "CityGML 2.0"), (v3, "CityGML 3.0")):
        tree = _xml(path)
        (obj,), reporter, source = _read(path)
        assert source.format == fmt and not reporter.warnings
        assert (source.crs.horizontal, source.crs.vertical) == ("EPSG:25832", "EPSG:5783")
        assert obj.id == _id(tree.xpath(f"//{_ln('Building')}")[0]) and obj.lod == "2"
        assert Counter(s.surface_type for s in obj.surfaces) == {"WallSurface": 4, "RoofSurface": 2,
                                                                 "GroundSurface": 1}
        roof = sum(_surface_area(s) for s in obj.surfaces if s.surface_type == "RoofSurface")
        assert roof == pytest.approx(sum(_xml_roof_area_by_object(tree, "2").values()), rel=1e-12)
        # gable roof 12 m x 2 * hypot(5, 2.8867...) as published for the FZK-Haus (12 m x 10 m, 30 degree pitch)
        assert roof == pytest.approx(12 * 2 * np.hypot(5, 118.317691453624 - 115.430940107676), rel=1e-9)
        results[fmt] = obj
    a, b = results["CityGML 2.0"].attributes, results["CityGML 3.0"].attributes
    for key, value in {"measured_height": 6.52, "storeys_above_ground": 2, "storeys_below_ground": 0,
                       "year_of_construction": 2020, "function": "1000", "usage": "1000", "roof_type": "1030",
                       "street": "Spöcker Straße", "house_number": "4711", "postal_code": "76344",
                       "city": "Eggenstein-Leopoldshafen", "name": "AC14-FZK-Haus",
                       "GrossPlannedArea": 120.0, "ConstructionMethod": "New Building"}.items():
        assert a[key] == value and b[key] == value, key


def test_fzk_lod0_lod1_lod3(shared_data):
    base = shared_data / "citygml/fzk-haus"
    (lod0,), _, _ = _read(base / "citygml2/fzk_haus_lod0_v2.gml")
    assert lod0.lod == "0" and len(lod0.footprint_rings) == 1
    tree = _xml(base / "citygml2/fzk_haus_lod0_v2.gml")
    fp = _ring_coords(tree.xpath(f"//{_ln('lod0FootPrint')}//{_ln('LinearRing')}")[0])
    assert _area(lod0.footprint_rings[0][0]) == pytest.approx(_area(fp)) == pytest.approx(120.0)
    assert {s.surface_type for s in lod0.surfaces} == {"GroundSurface", "RoofSurface"}

    for path in (base / "citygml2/fzk_haus_lod1_v2.gml", base / "citygml3/FZK-Haus-LoD1-KIT-IAI-KHH-B36-V1__v3.gml"):
        (lod1,), _, _ = _read(path)
        assert lod1.lod == "1" and len(lod1.surfaces) == 6  # a box
        z = np.vstack([s.rings[0] for s in lod1.surfaces])[:, 2]
        assert z.min() == pytest.approx(111.8)

    for path in (base / "citygml2/fzk_haus_lod3_v2.gml", base / "citygml3/FZK-Haus-LoD3-KIT-IAI-KHH-B36-V1__v3.gml"):
        tree = _xml(path)
        (lod3,), reporter, _ = _read(path)
        assert lod3.lod == "3" and not reporter.warnings
        polygons = tree.xpath(f"//{_ln('boundary') if 'v3' in path.name else _ln('boundedBy')}//{_ln('Polygon')}")
        assert len(lod3.surfaces) == len(polygons)
        # interior rings (wall openings) arrive as holes
        assert sum(len(s.rings) - 1 for s in lod3.surfaces) == len(tree.xpath(f"//{_ln('interior')}")) == 13
        total = sum(_surface_area(s) for s in lod3.surfaces)
        assert total == pytest.approx(sum(_polygon_area_xml(p) for p in polygons), rel=1e-9)
        types = Counter(s.surface_type for s in lod3.surfaces)
        assert types["Window"] == 11 and types["Door"] == 2


def _fzk_lod2_tree(shared_data):
    return _xml(shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml")


def test_lod_choice_on_a_two_lod_building(shared_data, tmp_path):
    """LoD1 solid of the lod1 file added to the LoD2 building: highest -> 2, '1' -> 1, '0' -> nearest."""
    tree = _fzk_lod2_tree(shared_data)
    lod1 = _xml(shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod1_v2.gml")
    building = tree.xpath(f"//{_ln('Building')}")[0]
    building.append(copy.deepcopy(lod1.xpath(f"//{_ln('lod1Solid')}")[0]))
    path = tmp_path / "two_lods.gml"
    tree.write(str(path))
    (obj,), _, _ = _read(path)
    assert (obj.lod, obj.lods_available, len(obj.surfaces)) == ("2", ["1", "2"], 7)
    (obj,), _, _ = _read(path, lod="1")
    assert (obj.lod, len(obj.surfaces)) == ("1", 6)
    assert {s.surface_type for s in obj.surfaces} == {""}
    objects, reporter, source = _read(path, lod="0")
    assert objects[0].lod == "1" and source.lod_fallbacks == 1
    assert any("nearest LoD" in w for w in reporter.warnings)


def test_gzip(shared_data, tmp_path):
    src = shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
    gz = tmp_path / "tile.xml.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    objects, _, source = _read(gz)
    assert source.crs.vertical == "EPSG:7837"
    assert Counter(o.object_class for o in objects) == {"Building": 47, "BuildingPart": 71}


# -- hostile XML --------------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE core:CityModel [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
"""
DTD_FETCH = """<?xml version="1.0"?>
<!DOCTYPE core:CityModel SYSTEM "http://203.0.113.1/citygml.dtd">
"""


def _hostile(shared_data, prolog: str, entity: str, filler: str = "") -> str:
    body = (shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml").read_text("utf-8")
    body = body[body.index("<core:CityModel"):]
    body = body.replace("<gml:name>AC14-FZK-Haus</gml:name>", f"<gml:name>{entity}</gml:name>", 1)
    return prolog.replace('<?xml version="1.0"?>\n', '<?xml version="1.0"?>\n' + filler) + body


@pytest.mark.parametrize("prolog, entity", [(BILLION_LAUGHS, "&lol9;"), (XXE, "&xxe;"), (DTD_FETCH, "x")],
                         ids=["billion-laughs", "external-entity", "dtd-fetch"])
@pytest.mark.parametrize("hidden", [False, True], ids=["plain", "after-1MB-comment"])
def test_hostile_xml_refused(shared_data, tmp_path, prolog, entity, hidden):
    # hidden: the DOCTYPE comes after a comment longer than the prolog the reader pre-checks (1 MB)
    filler = f"<!-- {'x' * 1_100_000} -->\n" if hidden else ""
    path = tmp_path / "hostile.gml"
    path.write_text(_hostile(shared_data, prolog, entity, filler), "utf-8")
    with pytest.raises(InputError, match="no XML root element in the first 1 MB|refused: the XML declares a DOCTYPE") \
            as err:
        source = read_citygml(path, crs_override=crs_override("EPSG:25832"))
        list(source)
    assert str(path) in str(err.value)
    assert ("no XML root element in the first 1 MB" if hidden else "refused: the XML declares a DOCTYPE") in str(err.value)


# -- broken input ---------------------------------------------------------------------------------------

def test_truncated_file_names_file_and_line(shared_data, tmp_path):
    data = (shared_data / "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) // 2])
    source = read_citygml(path)
    seen = []
    with pytest.raises(InputError, match=r"line \d+: malformed or truncated XML") as err:
        for obj in source:
            seen.append(obj)
    assert re.search(rf"{re.escape(str(path))}, line \d+: malformed or truncated XML", str(err.value))
    assert err.value.line > data[: len(data) // 2].count(b"\n") - 2
    assert 0 < len(seen) < 118  # the complete buildings before the cut were read


def test_truncated_file_restores_the_collector(shared_data, tmp_path):
    """The reader's gc_frozen (freeze, young generation's threshold raised) is undone when the file breaks."""
    data = (shared_data / "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) // 2])
    before = gc.get_threshold()
    seen = 0
    with pytest.raises(InputError, match=r"malformed or truncated XML"):
        for _ in read_citygml(path):
            seen += 1
            assert gc.get_threshold()[0] >= 20000 and gc.get_freeze_count() > 0
    assert seen > 0 and gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_truncated_gzip(shared_data, tmp_path):
    data = gzip.compress((shared_data / "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml").read_bytes())
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.xml.gz"):
        list(read_citygml(path))


def test_unknown_namespace_refused(shared_data, tmp_path):
    text = (shared_data / "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml").read_text("utf-8")
    path = tmp_path / "future.xml"
    path.write_text(re.sub(r"http://www.opengis.net/citygml/(\w+/)?1\.0", r"http://www.opengis.net/citygml/\g<1>9.0",
                           text), "utf-8")
    with pytest.raises(InputError, match="not CityGML 1.0, 2.0 or 3.0"):
        read_citygml(path)


def test_no_crs_refused_unless_overridden(shared_data, tmp_path):
    text = (shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml").read_text("utf-8")
    path = tmp_path / "nocrs.gml"
    path.write_text(re.sub(r'\s*srsName="[^"]*"', "", text), "utf-8")
    with pytest.raises(InputError, match="no CRS"):
        read_citygml(path)
    source = read_citygml(path, crs_override=crs_override("EPSG:25832+7837"))
    assert source.crs.vertical == "EPSG:7837" and len(list(source)) == 1


def test_coordinates_outside_area_of_use_refused(shared_data):
    """A wrong CRS (here a wrong override) is an error for the file, naming the CRS the numbers fit."""
    reporter = CollectingReporter()
    source = read_citygml(shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml",
                          crs_override=crs_override("EPSG:7415"), reporter=reporter)
    assert any("gml:Envelope: coordinates" in w and "EPSG:28992" in w for w in reporter.warnings)
    with pytest.raises(InputError, match=r"outside the area of use of EPSG:28992.*"
                                         r"look like EPSG:25832 \(ETRS89 / UTM zone 32N\)"):
        list(source)


def _edit_fzk(shared_data, tmp_path, edit) -> Path:
    tree = _fzk_lod2_tree(shared_data)
    edit(tree)
    path = tmp_path / "edited.gml"
    tree.write(str(path))
    return path


def _roof_ring(tree, index=0):
    return tree.xpath(f"//{_ln('RoofSurface')}//{_ln('LinearRing')}")[index]


def test_unclosed_ring_is_closed(shared_data, tmp_path):
    def drop_closing_point(tree):
        ring = _roof_ring(tree)
        ring.remove(ring.xpath(_ln("pos"))[-1])
    path = _edit_fzk(shared_data, tmp_path, drop_closing_point)
    (obj,), reporter, source = _read(path)
    assert len(obj.surfaces) == 7 and source.geometry_stats.closed_rings == 1
    roof = [s for s in obj.surfaces if s.surface_type == "RoofSurface"]
    assert sum(_surface_area(s) for s in roof) == pytest.approx(
        sum(_xml_roof_area_by_object(_fzk_lod2_tree(shared_data), "2").values()))


@pytest.mark.parametrize("edit, reason", [
    (lambda pos: [p.getparent().remove(p) for p in pos[2:-1]], "fewer than 3 distinct points"),
    (lambda pos: setattr(pos[1], "text", "457854.0 NaN 118.3"), "NaN"),
    (lambda pos: setattr(pos[1], "text", "4.5e12 5439088.0 118.3"), "absurd coordinate"),
    (lambda pos: setattr(pos[1], "text", "457854.0 five 118.3"), "not a number"),
], ids=["two-points", "nan", "absurd", "text"])
def test_broken_polygon_skipped_and_named(shared_data, tmp_path, edit, reason):
    tree = _fzk_lod2_tree(shared_data)
    polygon_id = _id(_roof_ring(tree).getparent().getparent())
    path = _edit_fzk(shared_data, tmp_path, lambda t: edit(_roof_ring(t).xpath(_ln("pos"))))
    (obj,), reporter, source = _read(path)
    assert len(obj.surfaces) == 6 and source.geometry_stats.skipped_polygons == 1
    assert polygon_id not in {s.id for s in obj.surfaces}
    warning = next(w for w in reporter.warnings if reason in w)
    assert str(path) in warning and polygon_id in warning and re.search(r"line \d+", warning)


def test_dangling_xlink_counted(shared_data, tmp_path):
    def break_xlink(tree):
        member = tree.xpath("//*[@xlink:href]", namespaces={"xlink": "http://www.w3.org/1999/xlink"})[0]
        member.set("{http://www.w3.org/1999/xlink}href", "#does-not-exist")
    path = _edit_fzk(shared_data, tmp_path, break_xlink)
    (obj,), reporter, source = _read(path)
    assert source.geometry_stats.dangling_xlinks == 1
    assert len(obj.surfaces) == 7  # the polygon is still there through its semantic surface
    assert any("does-not-exist" in w for w in reporter.warnings)


def test_duplicate_building_id_skipped(shared_data, tmp_path):
    def duplicate(tree):
        member = tree.xpath(f"//{_ln('cityObjectMember')}")[0]
        member.addnext(copy.deepcopy(member))
    path = _edit_fzk(shared_data, tmp_path, duplicate)
    objects, reporter, source = _read(path)
    assert [type(o) for o in objects] == [CityObject, Skipped]
    assert "duplicate gml:id" in objects[1].reason and objects[1].object_id == objects[0].id
    assert objects[1].line > objects[0].line
    assert source.skipped == 1


# -- streaming ----------------------------------------------------------------------------------------

def _replicate(src: Path, dst: Path, copies: int) -> int:
    """The tile with every cityObjectMember repeated ``copies`` times under new gml:ids (xlinks renamed)."""
    tree = _xml(src)
    root = tree.getroot()
    members = root.xpath(_ln("cityObjectMember"))
    href = "{http://www.w3.org/1999/xlink}href"
    for k in range(1, copies):
        for member in members:
            clone = copy.deepcopy(member)
            for el in clone.iter():
                for attr in GML_ID:
                    if el.get(attr):
                        el.set(attr, f"{el.get(attr)}_c{k}")
                if el.get(href, "").startswith("#"):
                    el.set(href, f"{el.get(href)}_c{k}")
            root.append(clone)
    tree.write(str(dst), xml_declaration=True, encoding="utf-8")
    return len(root.xpath(f"//{_ln('Building')}"))


MEASURE = textwrap.dedent("""
    import json, sys, psutil, tracemalloc
    from geotwin.twin.citymodel.citygml import read_citygml
    proc = psutil.Process()
    source = read_citygml(sys.argv[1])
    base_rss = proc.memory_info().rss
    tracemalloc.start()
    peak_rss, n = base_rss, 0
    for obj in source:
        n += 1
        if n % 10 == 0:
            peak_rss = max(peak_rss, proc.memory_info().rss)
    peak_rss = max(peak_rss, proc.memory_info().rss)
    print(json.dumps({"objects": n, "py_peak": tracemalloc.get_traced_memory()[1],
                      "rss_growth": peak_rss - base_rss}))
""")


def test_peak_memory_does_not_grow_with_file(shared_data, tmp_path):
    src = shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
    small, large = tmp_path / "x1.xml", tmp_path / "x20.xml"
    assert _replicate(src, small, 1) == 47
    assert _replicate(src, large, 20) == 47 * 20
    assert large.stat().st_size > 19 * small.stat().st_size

    def measure(path):
        out = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)
    one, twenty = measure(small), measure(large)
    print("memory 1x / 20x:", one, twenty)
    assert one["objects"] == 118 and twenty["objects"] == 118 * 20
    # Python-level peak (tracemalloc) and process RSS growth while reading: not proportional to the file
    assert twenty["py_peak"] < 3 * one["py_peak"], (one, twenty)
    assert twenty["rss_growth"] < 3 * max(one["rss_growth"], 4 << 20), (one, twenty)


# -- GML geometry forms ---------------------------------------------------------------------------------

# Small numbers declared as WGS 84 lon/lat: coordinates outside their CRS's area of use are refused.
SYNTHETIC = """<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:bldg="http://www.opengis.net/citygml/building/2.0"
 xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:gen="http://www.opengis.net/citygml/generics/2.0">
<gml:boundedBy><gml:Envelope srsName="EPSG:4326"><gml:lowerCorner>0 0 100</gml:lowerCorner>
<gml:upperCorner>20 20 120</gml:upperCorner></gml:Envelope></gml:boundedBy>
<core:cityObjectMember><bldg:Building gml:id="B1">
 <gen:intAttribute name="floors"><gen:value>3</gen:value></gen:intAttribute>
 <gen:doubleAttribute name="volume"><gen:value>812.5</gen:value></gen:doubleAttribute>
 <gen:dateAttribute name="surveyed"><gen:value>2024-05-01</gen:value></gen:dateAttribute>
 <gen:genericAttributeSet name="energy">
  <gen:doubleAttribute name="demand"><gen:value>41.5</gen:value></gen:doubleAttribute>
 </gen:genericAttributeSet>
 <bldg:lod2MultiSurface><gml:MultiSurface srsDimension="3">
  <gml:surfaceMember><gml:OrientableSurface orientation="-"><gml:baseSurface>
   <gml:Polygon gml:id="P-flipped"><gml:exterior><gml:LinearRing>
    <gml:posList>0 0 100 10 0 100 10 10 100 0 10 100 0 0 100</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>
  </gml:baseSurface></gml:OrientableSurface></gml:surfaceMember>
  <gml:surfaceMember><gml:CompositeSurface><gml:surfaceMember>
   <gml:Polygon gml:id="P-holed"><gml:exterior><gml:LinearRing>
    <gml:coordinates>0,0,110 20,0,110 20,20,110 0,20,110 0,0,110</gml:coordinates></gml:LinearRing></gml:exterior>
    <gml:interior><gml:LinearRing><gml:pos>5 5 110</gml:pos><gml:pos>5 15 110</gml:pos><gml:pos>15 15 110</gml:pos>
     <gml:pos>15 5 110</gml:pos><gml:pos>5 5 110</gml:pos></gml:LinearRing></gml:interior></gml:Polygon>
  </gml:surfaceMember></gml:CompositeSurface></gml:surfaceMember>
  <gml:surfaceMember><gml:Polygon gml:id="P-2d"><gml:exterior><gml:LinearRing>
   <gml:posList srsDimension="2">0 0 4 0 4 3 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
  <gml:surfaceMember xlink:href="#P-holed"/>
 </gml:MultiSurface></bldg:lod2MultiSurface>
</bldg:Building></core:cityObjectMember>
</core:CityModel>
"""


def test_gml_geometry_forms(tmp_path):
    path = tmp_path / "forms.gml"
    path.write_text(SYNTHETIC, "utf-8")
    (obj,), reporter, source = _read(path)
    by_id = {s.id: s for s in obj.surfaces}
    assert set(by_id) == {"P-flipped", "P-holed", "P-2d"}  # the xlink to P-holed does not duplicate it
    flipped = by_id["P-flipped"].rings[0]
    # orientation="-": the ring runs the other way, so its normal points down
    normal = np.cross(np.vstack([flipped, flipped[:1]])[:-1], np.vstack([flipped, flipped[:1]])[1:]).sum(axis=0)
    assert normal[2] < 0 and _area(flipped) == pytest.approx(100.0)
    holed = by_id["P-holed"]
    assert len(holed.rings) == 2 and _surface_area(holed) == pytest.approx(400 - 100)
    assert by_id["P-2d"].rings[0].shape == (3, 3) and source.geometry_stats.padded_2d == 1
    assert any("2D coordinates" in w for w in reporter.warnings)
    assert obj.attributes["floors"] == 3 and obj.attributes["volume"] == 812.5
    assert obj.attributes["surveyed"] == "2024-05-01" and obj.attributes["energy"] == {"demand": 41.5}


def test_xlink_to_an_earlier_building(shared_data, tmp_path):
    """A shared wall: the second building's solid references a polygon of the first building."""
    src = shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
    tree = _xml(src)
    ns = {"xlink": "http://www.w3.org/1999/xlink"}
    buildings = tree.xpath(f"//{_ln('Building')}")
    first_wall = buildings[0].xpath(f".//{_ln('WallSurface')}//{_ln('Polygon')}")[0]
    member = buildings[1].xpath(f".//{_ln('lod2Solid')}//{_ln('surfaceMember')}[@xlink:href]", namespaces=ns)[0]
    member.addnext(copy.deepcopy(member))
    member.getnext().set("{http://www.w3.org/1999/xlink}href", f"#{_id(first_wall)}")
    owner = _owner(member)
    path = tmp_path / "shared.xml"
    tree.write(str(path))
    plain = {o.id: len(o.surfaces) for o in _read(src)[0]}
    objects, reporter, source = _read(path)
    assert source.geometry_stats.dangling_xlinks == 0 and not reporter.warnings
    got = {o.id: o for o in objects}
    assert len(got[owner].surfaces) == plain[owner] + 1
    shared = [s for s in got[owner].surfaces if s.id == _id(first_wall)]
    assert len(shared) == 1 and shared[0].surface_type == ""
    np.testing.assert_array_equal(shared[0].rings[0][:, 2], _ring_coords(first_wall.xpath(
        f".//{_ln('LinearRing')}")[0])[:-1, 2])


def test_other_srs_name_inside_is_flagged(shared_data, tmp_path):
    text = (shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml").read_text("utf-8")
    path = tmp_path / "mixed.gml"
    path.write_text(text.replace("<gml:Solid>", '<gml:Solid srsName="EPSG:31467">', 1), "utf-8")
    (obj,), reporter, _ = _read(path)
    assert len(obj.surfaces) == 7
    assert any("EPSG:31467" in w and "differs" in w for w in reporter.warnings)


def test_outer_installation_belongs_to_building(shared_data, tmp_path):
    dormer = """<bldg:outerBuildingInstallation xmlns:bldg="http://www.opengis.net/citygml/building/2.0"
      xmlns:gml="http://www.opengis.net/gml"><bldg:BuildingInstallation gml:id="dormer">
      <bldg:boundedBy><bldg:RoofSurface gml:id="dormer-roof"><bldg:lod2MultiSurface><gml:MultiSurface>
      <gml:surfaceMember><gml:Polygon gml:id="dormer-roof-poly"><gml:exterior><gml:LinearRing><gml:posList>
      457845 5439085 117 457847 5439085 117 457847 5439086 117.5 457845 5439086 117.5 457845 5439085 117
      </gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:RoofSurface></bldg:boundedBy></bldg:BuildingInstallation>
      </bldg:outerBuildingInstallation>"""

    def add_dormer(tree):
        tree.xpath(f"//{_ln('Building')}")[0].append(etree.fromstring(dormer))
    path = _edit_fzk(shared_data, tmp_path, add_dormer)
    (obj,), _, _ = _read(path)
    roofs = [s for s in obj.surfaces if s.surface_type == "RoofSurface"]
    assert len(obj.surfaces) == 8 and "dormer-roof-poly" in {s.id for s in roofs}
    added = next(s for s in roofs if s.id == "dormer-roof-poly")
    assert _surface_area(added) == pytest.approx(2 * np.hypot(1, 0.5))


def test_line_numbers_beyond_65535(shared_data, tmp_path):
    """Lines past libxml2's 16-bit line counter are still reported right (checked against a line count here)."""
    text = (shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml").read_text("utf-8")
    text = text.replace("<core:cityObjectMember>", "<core:cityObjectMember>" + "\n" * 70_000, 1)
    path = tmp_path / "long.gml"
    path.write_text(text, "utf-8")
    expected = next(i for i, line in enumerate(text.splitlines(), 1) if "<bldg:Building " in line)
    assert expected > 70_000
    (obj,), _, _ = _read(path)
    assert obj.line == expected
