"""The fast CityGML reader (per-batch plans, parse_rings) gives what the element-by-element reader gives (issue 16).

Every object of real files and of a generated district is read twice: as delivered (fast path where it applies)
and with planning switched off (every object read element by element); objects, surfaces, rings, attributes,
statistics and messages must be equal. parse_rings' refusals are checked against GeometryReader.ring."""
from __future__ import annotations

import re

import numpy as np
import pytest

from geotwin.twin.citymodel import citygml
from geotwin.twin.citymodel.gml_geometry import GeometryError, GeometryReader, XlinkResolver, parse_rings
from geotwin.twin.kernel.progress import CollectingReporter


def _read(path, monkeypatch=None):
    if monkeypatch is not None:
        monkeypatch.setattr(citygml._Prepared, "_plan", lambda self, building, el, idx: None)
    reporter = CollectingReporter()
    source = citygml.read_citygml(path, reporter=reporter)
    rows = []
    for obj in source:
        if isinstance(obj, citygml.CityObject):
            rows.append((obj.id, obj.object_class, obj.parent_id, obj.lod, obj.lods_available, obj.attributes,
                         [(s.surface_type, s.id, s.lod, [r.tolist() for r in s.rings]) for s in obj.surfaces],
                         [[r.tolist() for r in f] for f in obj.footprint_rings]))
        else:
            rows.append(repr(obj))
    stats = source.geometry_stats
    return rows, (stats.closed_rings, stats.skipped_polygons, stats.dangling_xlinks), (reporter.infos, reporter.warnings)


@pytest.mark.parametrize("name", ["hamburg/2022/LoD2_576_5950_1_HH.xml", "fzk-haus/citygml2/fzk_haus_lod3_v2.gml",
                                  "fzk-haus/citygml3/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1__v3.gml",
                                  "hamburg/2016/LoD2_576_5950_1_HH.xml", "fzk-haus/citygml2/fzk_haus_lod0_v2.gml",
                                  "fzk-haus/citygml2/fzk_haus_lod1_v2.gml",
                                  "fzk-haus/citygml2/FZK-Haus-LoD0-KIT-IAI-KHH-B36-V1.gml",
                                  "fzk-haus/citygml3/FZK-Haus-LoD3-KIT-IAI-KHH-B36-V1__v3.gml"])
def test_fast_equals_slow_on_real_files(shared_data, monkeypatch, name):
    path = shared_data / "citygml" / name
    fast = _read(path)
    assert fast == _read(path, monkeypatch)
    assert fast[0]


def test_fast_equals_slow_on_the_district(tmp_path, monkeypatch):
    from geotwin.twin.sample.generator import generate_district  # noqa: PLC0415
    generate_district(tmp_path, buildings=300, seed=3, formats=("citygml",))
    path = tmp_path / "district.gml"
    calls = []
    original = citygml._Plan.geometry
    monkeypatch.setattr(citygml._Plan, "geometry", lambda self, *a: calls.append(1) or original(self, *a))
    fast = _read(path)
    assert len(calls) == 300  # every building took the fast path
    monkeypatch.undo()
    assert fast == _read(path, monkeypatch)


@pytest.mark.parametrize("texts, message", [
    (["0 0 0 1 0 0 0 0 0"], r"fewer than 3 distinct points \(2 given\)"),
    (["0 0 0 1 0 0 nan 1 0"], "NaN or infinite"), (["0 0 0 1 0 0 1 1 1e9"], r"absurd coordinate \(1.0, 1.0, 1000000000.0\)"),
    (["0 0 0 1 0 0 x 1 0"], "not a number"), (["0 0 0 1 0 0 1 1"], "not 3D"),
    (["0 0 0 1 0 0 0 0 0 1 0 0"], r"fewer than 3 distinct points \(4 given\)"),
    (["5 5 5 5 5 5 5 5 5"], r"fewer than 3 distinct points \(1 given\)"), ([""], "ring without coordinate values")])
def test_parse_rings_refuses_what_the_ring_reader_refuses(texts, message):
    assert parse_rings(texts) is None
    reader = GeometryReader(XlinkResolver(), lambda el, reason: None)
    values = texts[0].split()
    with pytest.raises(GeometryError, match=message):
        try:
            coords = np.array(values, dtype=np.float64)
        except ValueError:
            raise GeometryError("not a number") from None
        if coords.size % 3:
            raise GeometryError("not 3D")
        reader._clean_ring(coords.reshape(-1, 3))


def test_parse_rings_equals_the_ring_reader():
    rng = np.random.default_rng(5)
    texts, expected, opened = [], [], []
    reader = GeometryReader(XlinkResolver(), lambda el, reason: None)
    for k in range(200):
        pts = rng.integers(0, 4, size=(int(rng.integers(3, 9)), 3)).astype(float)
        if k % 3 == 0:
            pts = np.vstack([pts, pts[:1]])
        try:
            before = reader.stats.closed_rings
            ring = reader._clean_ring(pts)
        except GeometryError:
            continue
        texts.append(" ".join(f"{v:g}" for v in pts.ravel()))
        expected.append(ring)
        opened.append(reader.stats.closed_rings > before)
    rings, open_ = parse_rings(texts)
    assert len(rings) == len(expected) > 50
    assert all(np.array_equal(a, b) for a, b in zip(rings, expected))
    assert open_.tolist() == opened



@pytest.mark.parametrize("solid", [
    # a Solid with a cavity: the interior shell is left out by the element-by-element reader
    lambda text: re.sub(r"</gml:exterior>\s*</gml:Solid>",
                        "</gml:exterior><gml:interior><gml:CompositeSurface/></gml:interior></gml:Solid>", text, count=1),
    # a Solid without shells (by reference or empty)
    lambda text: re.sub(r"<gml:Solid [^>]*>.*?</gml:Solid>", "<gml:Solid/>", text, count=1, flags=re.S),
], ids=["interior-shell", "empty-solid"])
def test_unusual_solids_are_read_element_by_element(tmp_path, monkeypatch, solid):
    from geotwin.twin.sample.generator import generate_district  # noqa: PLC0415
    generate_district(tmp_path, buildings=10, seed=3, formats=("citygml",))
    path = tmp_path / "district.gml"
    text = path.read_text(encoding="utf-8")
    calls: list[int] = []
    original = citygml._Plan.geometry
    monkeypatch.setattr(citygml._Plan, "geometry", lambda self, *a: calls.append(1) or original(self, *a))
    assert len(_read(path)[0]) == 10 and len(calls) == 10  # as generated, every building takes the fast path
    calls.clear()
    changed = solid(text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    fast = _read(path)
    assert len(calls) == 9  # the first building was left to the element-by-element reader
    monkeypatch.undo()
    assert fast == _read(path, monkeypatch)
    assert all(len(row[6]) >= 6 for row in fast[0])  # its boundary surfaces are read all the same


def _district(tmp_path, buildings=12):
    from geotwin.twin.sample.generator import generate_district  # noqa: PLC0415
    generate_district(tmp_path, buildings=buildings, seed=3, formats=("citygml",))
    return tmp_path / "district.gml"


def _first(pattern, replace, text, flags=re.S):
    changed = re.sub(pattern, replace, text, count=1, flags=flags)
    assert changed != text, pattern
    return changed


_PART = ('<bldg:consistsOfBuildingPart><bldg:BuildingPart gml:id="PART1"><bldg:function>x</bldg:function>'
         '<bldg:lod1Solid><gml:Solid><gml:exterior><gml:CompositeSurface><gml:surfaceMember><gml:Polygon gml:id="PP1">'
         '<gml:exterior><gml:LinearRing><gml:posList srsDimension="3">456243.688 5428487.463 115 456248.728 '
         '5428504.743 115 456306.328 5428487.943 115 456243.688 5428487.463 115</gml:posList></gml:LinearRing>'
         '</gml:exterior></gml:Polygon></gml:surfaceMember></gml:CompositeSurface></gml:exterior></gml:Solid>'
         '</bldg:lod1Solid></bldg:BuildingPart></bldg:consistsOfBuildingPart>')
_HOLE = ('</gml:exterior><gml:interior><gml:LinearRing><gml:posList srsDimension="3">456250 5428480 115 456260 '
         '5428480 115 456260 5428485 115 456250 5428480 115</gml:posList></gml:LinearRing></gml:interior></gml:Polygon>')

# Each changes the district's first building (or file) in one way the fast reader must meet exactly as the
# element-by-element reader does: read the same, or hand the object over to it.
MUTATIONS = {
    "building-part": lambda t: _first(r"(<bldg:lod2Solid>)", _PART + r"\1", t),
    "polygon-with-hole": lambda t: _first(r"</gml:exterior>\s*</gml:Polygon>", _HOLE, t),
    "interior-before-exterior": lambda t: _first(r"<gml:Polygon ([^>]*)>\s*<gml:exterior>(.*?)</gml:exterior>",
                                                 r"<gml:Polygon \1><gml:interior>\2</gml:interior>", t),
    "two-dimensional": lambda t: _first(r'<gml:posList srsDimension="3">([^<]*)</gml:posList>',
                                        '<gml:posList srsDimension="2">456250 5428480 456251 5428480 456251 5428481 456250 5428480'
                                        '</gml:posList>', t),
    "dimension-on-ancestor": lambda t: _first(r'<gml:MultiSurface>(\s*<gml:surfaceMember>\s*<gml:Polygon[^>]*>\s*'
                                              r'<gml:exterior>\s*<gml:LinearRing>\s*)<gml:posList srsDimension="3">',
                                              r'<gml:MultiSurface srsDimension="3">\1<gml:posList>', t),
    "orientable-surface": lambda t: _first(r"<gml:surfaceMember>(\s*<gml:Polygon.*?</gml:Polygon>\s*)"
                                           r"</gml:surfaceMember>", r'<gml:surfaceMember><gml:OrientableSurface '
                                           r'orientation="-"><gml:baseSurface>\1</gml:baseSurface>'
                                           r"</gml:OrientableSurface></gml:surfaceMember>", t),
    "container-with-id": lambda t: _first(r"<gml:MultiSurface>", '<gml:MultiSurface gml:id="MS1">', t),
    "dangling-xlink": lambda t: _first(r'xlink:href="#[^"]*"', 'xlink:href="#nowhere"', t),
    "xlink-to-earlier-building": lambda t: re.sub(r'(<bldg:Building gml:id="DEBW_KA_0000002">.*?)'
                                                  r'xlink:href="#[^"]*"', r'\1xlink:href="#DEBW_KA_0000001_WS2_poly"',
                                                  t, count=1, flags=re.S),
    "duplicate-ids": lambda t: _first(r'gml:id="(DEBW_KA_0000001_WS3_poly)"', 'gml:id="DEBW_KA_0000001_WS2_poly"', t),
    "broken-ring": lambda t: _first(r'<gml:posList srsDimension="3">([^<]*)</gml:posList>',
                                    '<gml:posList srsDimension="3">1 2 3 1 2 3 1 2 3</gml:posList>', t),
    "not-a-number": lambda t: _first(r'<gml:posList srsDimension="3">([^ <]*)', '<gml:posList srsDimension="3">x', t),
    "empty-posList": lambda t: _first(r'<gml:posList srsDimension="3">[^<]*</gml:posList>',
                                      '<gml:posList srsDimension="3"/>', t),
    "pos-instead-of-posList": lambda t: _first(r'<gml:posList srsDimension="3">([^ ]+ [^ ]+ [^ ]+) ([^ ]+ [^ ]+ [^ ]+) '
                                               r'([^ ]+ [^ ]+ [^ ]+) ([^<]*)</gml:posList>',
                                               r"<gml:pos>\1</gml:pos><gml:pos>\2</gml:pos><gml:pos>\3</gml:pos>", t),
    "opening": lambda t: _first(r"(<bldg:WallSurface [^>]*>)", r'\1<bldg:opening><bldg:Window gml:id="W1">'
                                r"<bldg:lod3MultiSurface><gml:MultiSurface><gml:surfaceMember>"
                                r'<gml:Polygon gml:id="W1p"><gml:exterior><gml:LinearRing><gml:posList '
                                r'srsDimension="3">456250 5428480 116 456251 5428480 116 456251 5428480 117 456250 5428480 116'
                                r"</gml:posList></gml:LinearRing>"
                                r"</gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>"
                                r"</bldg:lod3MultiSurface></bldg:Window></bldg:opening>", t),
    "installation": lambda t: _first(r"(<bldg:lod2Solid>)", r'<bldg:outerBuildingInstallation>'
                                     r'<bldg:BuildingInstallation><bldg:lod2Geometry><gml:MultiSurface>'
                                     r'<gml:surfaceMember xlink:href="#DEBW_KA_0000001_RS6_poly"/></gml:MultiSurface>'
                                     r"</bldg:lod2Geometry></bldg:BuildingInstallation>"
                                     r"</bldg:outerBuildingInstallation>\1", t),
    "lod0-footprint": lambda t: _first(r"(<bldg:lod2Solid>)", r"<bldg:lod0FootPrint><gml:MultiSurface>"
                                       r'<gml:surfaceMember xlink:href="#DEBW_KA_0000001_GS1_poly"/>'
                                       r"</gml:MultiSurface></bldg:lod0FootPrint>\1", t),
    "surfaces-by-reference": lambda t: _first(r"<bldg:boundedBy>\s*<bldg:GroundSurface .*?</bldg:boundedBy>",
                                              '<bldg:boundedBy xlink:href="#elsewhere"/>', t),
    "no-geometry": lambda t: _first(r'(<bldg:Building gml:id="DEBW_KA_0000001">).*?(</bldg:Building>)',
                                    r"\1<bldg:function>x</bldg:function>\2", t),
    "citygml-1.0": lambda t: t.replace("http://www.opengis.net/citygml/2.0", "http://www.opengis.net/citygml/1.0")
                              .replace("http://www.opengis.net/citygml/building/2.0",
                                       "http://www.opengis.net/citygml/building/1.0"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_fast_equals_slow_on_unusual_buildings(tmp_path, monkeypatch, name):
    path = _district(tmp_path)
    text = path.read_text(encoding="utf-8")
    changed = MUTATIONS[name](text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    fast = _read(path)
    assert fast == _read(path, monkeypatch)
    assert len(fast[0]) >= 10


def test_the_lazy_xlink_cache_equals_remembering_one_by_one():
    from geotwin.twin.citymodel.gml_geometry import Polygon  # noqa: PLC0415
    rng = np.random.default_rng(11)
    eager, lazy = XlinkResolver(cache_size=8), XlinkResolver(cache_size=8)
    for step in range(400):
        pairs = [(f"p{int(rng.integers(0, 20))}", Polygon([], None, step)) for _ in range(int(rng.integers(0, 6)))]
        for gid, polygon in pairs:
            eager.remember(gid, [polygon])
        lazy.remember_each(pairs)
        if step % 7 == 0:  # a direct remember (the element-by-element reader) between lazy ones
            eager.remember("direct", [Polygon([], "direct", step)])
            lazy.remember("direct", [Polygon([], "direct", step)])
        if step % 5 == 0:
            href = f"#p{int(rng.integers(0, 20))}"
            assert lazy.cached(href) == eager.cached(href)
            assert list(lazy._cache.items()) == list(eager._cache.items())
    lazy._fold()
    assert list(lazy._cache.items()) == list(eager._cache.items()) and len(eager._cache) == 8
