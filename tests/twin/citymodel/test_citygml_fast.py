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
                                  "fzk-haus/citygml3/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1__v3.gml"])
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
