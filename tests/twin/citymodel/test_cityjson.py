"""CityJSON 1.1/2.0 and CityJSONSeq reader on the real Den Haag and cjio samples, checked against the raw JSON."""
from __future__ import annotations

import copy
import gzip
import json
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from geotwin.twin.citymodel.cityjson import read_cityjson
from geotwin.twin.citymodel.geometry import areas_3d
from geotwin.twin.citymodel.model import CityObject, Skipped
from geotwin.twin.kernel.crs import crs_override
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter

RD_NAP = crs_override("EPSG:7415")  # the Dutch cjio samples state no CRS; they are RD New + NAP


@pytest.fixture(scope="module")
def denhaag(shared_data) -> Path:
    return shared_data / "cityjson" / "denhaag" / "DenHaag_01_v2.0_derived.city.json"


@pytest.fixture(scope="module")
def denhaag_seq(denhaag, tmp_path_factory) -> Path:
    """Den Haag exported to CityJSONSeq by cjio (an independent writer)."""
    seq = tmp_path_factory.mktemp("seq") / "denhaag.city.jsonl"
    done = subprocess.run(["cjio", "--suppress_msg", str(denhaag), "export", "jsonl", str(seq)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return seq


@pytest.fixture(scope="module")
def cjio_dir(shared_data) -> Path:
    return shared_data / "cityjson" / "cjio"


def _raw(path: Path) -> dict:
    return json.loads(path.read_text())


def _raw_vertices(doc: dict) -> np.ndarray:
    t = doc["transform"]
    return np.asarray(doc["vertices"], dtype=np.float64) * t["scale"] + t["translate"]


def _plane_area(rings: list[np.ndarray]) -> float:
    """Independent area: project onto the best-fit plane (SVD) and measure with shapely."""
    pts = np.vstack(rings)
    centre = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - centre)
    basis = vt[:2].T
    flat = [(r - centre) @ basis for r in rings]
    return Polygon(flat[0], flat[1:]).area


def _raw_surfaces(doc: dict, obj: dict, verts: np.ndarray):
    """(semantic type, rings) of the exterior shell(s) of every geometry of one raw object."""
    for geom in obj.get("geometry", []):
        sem = geom.get("semantics") or {}
        shells = [(geom["boundaries"], sem.get("values"))] if geom["type"] in ("MultiSurface", "CompositeSurface") \
            else [(geom["boundaries"][0], (sem.get("values") or [None])[0])]
        for shell, values in shells:
            for i, polygon in enumerate(shell):
                kind = sem["surfaces"][values[i]]["type"] if values and values[i] is not None else ""
                yield geom["lod"], kind, [verts[np.asarray(r)] for r in polygon]


def _objects(source) -> tuple[dict[str, CityObject], list[Skipped]]:
    objs, skipped = {}, []
    for item in source:
        if isinstance(item, Skipped):
            if not item.quiet:  # quiet rows: object types GeoTwin does not import (checked in test_citymodel_counts)
                skipped.append(item)
        elif isinstance(item, CityObject):
            objs[item.id] = item
    return objs, skipped


def test_denhaag_counts_crs_and_parts(denhaag):
    source = read_cityjson(denhaag)
    assert source.format == "CityJSON 2.0"
    assert (source.crs.horizontal, source.crs.vertical) == ("EPSG:28992", "EPSG:5709")  # RD New + NAP height
    objs, skipped = _objects(source)
    assert skipped == []
    raw = _raw(denhaag)["CityObjects"]
    assert Counter(o.object_class for o in objs.values()) == {"Building": 844, "BuildingPart": 1653}
    for oid, obj in objs.items():
        assert obj.parent_id == (raw[oid]["parents"][0] if obj.object_class == "BuildingPart" else None)
    assert source.ignored == {}  # its TINRelief is read as terrain (tests/twin/citymodel/test_terrain.py)


def test_denhaag_roof_area_and_vertices_against_raw_json(denhaag):
    doc = _raw(denhaag)
    verts = _raw_vertices(doc)
    expected: dict[str, float] = Counter()
    for obj in doc["CityObjects"].values():
        if obj["type"] in ("Building", "BuildingPart"):
            for _, kind, rings in _raw_surfaces(doc, obj, verts):
                expected[kind] += _plane_area(rings)
    objs, _ = _objects(read_cityjson(denhaag))
    got: dict[str, float] = Counter()
    for obj in objs.values():
        for s, area in zip(obj.surfaces, areas_3d([s.rings for s in obj.surfaces])):
            got[s.surface_type] += area
    assert set(got) == {"RoofSurface", "WallSurface", "GroundSurface"}
    for kind in got:  # the two methods agree exactly on planar polygons; a few source polygons are warped
        assert got[kind] == pytest.approx(expected[kind], rel=1e-5)
    assert got["RoofSurface"] > 50_000  # m² of roofs in this part of Den Haag

    # a known vertex, dequantised by hand: vertices[i] * scale + translate
    oid = "GUID_DBDABF53-7DD5-4C2F-BE7F-51F29A0CBA16_1"
    first_index = doc["CityObjects"][oid]["geometry"][0]["boundaries"][0][0][0][0]
    q = doc["vertices"][first_index]
    t = doc["transform"]
    by_hand = [q[k] * t["scale"][k] + t["translate"][k] for k in range(3)]
    assert objs[oid].surfaces[0].rings[0][0] == pytest.approx(by_hand, abs=1e-9)
    assert objs[oid].attributes["roof_type"] == "1000"
    assert objs[oid].attributes["AbsoluteRidgeHeight"] == 7.717


def test_zurich_lod2_parts_in_epsg2056(cjio_dir):
    path = cjio_dir / "zurich_subset_lod2.json"
    source = read_cityjson(path)
    assert source.format == "CityJSON 1.1"
    assert (source.crs.horizontal, source.crs.vertical) == ("EPSG:2056", None)
    objs, skipped = _objects(source)
    assert not skipped
    buildings = [o for o in objs.values() if o.object_class == "Building"]
    parts = [o for o in objs.values() if o.object_class == "BuildingPart"]
    assert (len(buildings), len(parts)) == (49, 161)
    raw = _raw(path)["CityObjects"]
    assert all(not b.surfaces and b.lod is None for b in buildings)  # geometry lives in the parts
    assert all(p.lod == "2" and p.parent_id == raw[p.id]["parents"][0] for p in parts)
    n_surfaces = sum(len(g["boundaries"]) for o in raw.values() for g in o.get("geometry", []))
    assert sum(len(p.surfaces) for p in parts) == n_surfaces
    # every part lies in the Swiss LV95 range, heights above 390 m
    z = np.concatenate([r[:, 2] for p in parts for s in p.surfaces for r in s.rings])
    assert 390 < z.min() < z.max() < 630


def test_multi_lod_choice(cjio_dir):
    path = cjio_dir / "multi_lod.json"
    with pytest.raises(InputError, match="no CRS"):
        read_cityjson(path)
    raw = _raw(path)["CityObjects"]
    for request, expected in (("highest", "2.2"), ("1", "1.3"), ("LoD2", "2.2")):
        objs, skipped = _objects(read_cityjson(path, RD_NAP, lod=request))
        assert not skipped and len(objs) == 10
        for oid, obj in objs.items():
            assert obj.lods_available == ["1.2", "1.3", "2.2"]
            assert obj.lod == expected
            geom = next(g for g in raw[oid]["geometry"] if g["lod"] == expected)
            assert len(obj.surfaces) == len(geom["boundaries"][0])
    fallback = read_cityjson(path, RD_NAP, lod="3")
    objs, _ = _objects(fallback)
    assert {o.lod for o in objs.values()} == {"2.2"} and fallback.lod_fallbacks == 10


def test_delft_lod1_attributes(cjio_dir):
    path = cjio_dir / "delft.json"
    source = read_cityjson(path)
    assert source.crs.horizontal == "EPSG:28992" and source.crs.vertical == "EPSG:5709"
    objs, _ = _objects(source)
    assert len(objs) == 160 and {o.lod for o in objs.values()} == {"1"}
    raw = _raw(path)["CityObjects"]
    for oid, obj in objs.items():
        attrs = raw[oid]["attributes"]
        assert obj.attributes["measured_height"] == pytest.approx(float(attrs["measuredHeight"]))
        assert obj.attributes["identificatiebagpnd"] == attrs["identificatiebagpnd"]
    assert source.ignored["Road"] == 143


def test_small_cjio_samples(cjio_dir):
    objs, _ = _objects(read_cityjson(cjio_dir / "DH_01_subs.city.json", RD_NAP))
    assert Counter(o.object_class for o in objs.values()) == {"Building": 4, "BuildingPart": 8}
    source = read_cityjson(cjio_dir / "rotterdam_subset.json", RD_NAP)
    objs, _ = _objects(source)
    assert source.format == "CityJSON 2.0" and len(objs) == 16 and {o.lod for o in objs.values()} == {"2"}
    assert list(read_cityjson(cjio_dir / "minimal.json", RD_NAP)) == []


def test_cityjsonseq_from_cjio_matches_the_json(denhaag, denhaag_seq, tmp_path):
    seq = denhaag_seq
    source = read_cityjson(seq)
    assert source.format == "CityJSONSeq 2.0" and source.crs.horizontal == "EPSG:28992"
    seq_objs, skipped = _objects(source)
    json_objs, _ = _objects(read_cityjson(denhaag))
    assert not skipped and seq_objs.keys() == json_objs.keys()
    for oid, obj in json_objs.items():
        other = seq_objs[oid]
        assert (other.parent_id, other.lod, len(other.surfaces)) == (obj.parent_id, obj.lod, len(obj.surfaces))
        for a, b in zip(obj.surfaces, other.surfaces):
            assert a.surface_type == b.surface_type
            np.testing.assert_allclose(a.rings[0], b.rings[0], atol=1e-9)
    # gzip-compressed, read line by line as well
    gz = tmp_path / "denhaag.city.jsonl.gz"
    gz.write_bytes(gzip.compress(seq.read_bytes()))
    assert len(_objects(read_cityjson(gz))[0]) == len(seq_objs)


def test_gzipped_cityjson_and_address(denhaag, tmp_path):
    doc = _raw(denhaag)
    oid = "GUID_DBDABF53-7DD5-4C2F-BE7F-51F29A0CBA16_1"
    doc["CityObjects"][oid]["address"] = [{"ThoroughfareName": "Spui", "ThoroughfareNumber": "70",
                                           "PostalCode": "2511 BT", "LocalityName": "Den Haag",
                                           "CountryName": "Nederland"}]
    path = tmp_path / "dh.city.json.gz"
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    objs, _ = _objects(read_cityjson(path))
    attrs = objs[oid].attributes
    assert (attrs["street"], attrs["house_number"], attrs["postal_code"], attrs["city"], attrs["country"]) == \
        ("Spui", "70", "2511 BT", "Den Haag", "Nederland")
    assert len(objs) == 2497


def _broken_doc(path: Path) -> tuple[dict, list[str]]:
    doc = _raw(path)
    ids = [k for k, o in doc["CityObjects"].items() if o.get("geometry")]
    return doc, ids


def test_broken_objects_are_skipped_and_named(cjio_dir, tmp_path):
    doc, ids = _broken_doc(cjio_dir / "rotterdam_subset.json")
    doc["metadata"] = {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/7415"}
    co = doc["CityObjects"]
    co[ids[0]]["geometry"][0]["boundaries"][0][0][0] = 999_999          # vertex index out of range
    n = len(doc["vertices"])
    doc["vertices"].append([float("nan"), 0, 0])                       # NaN coordinate
    co[ids[1]]["geometry"][0]["boundaries"][0][0][0] = n
    ring = co[ids[2]]["geometry"][0]["boundaries"][1][0]
    co[ids[2]]["geometry"][0]["boundaries"][1][0] = [ring[0], ring[1], ring[0]]  # 2 distinct points
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc, allow_nan=True))
    objs, skipped = _objects(read_cityjson(path))
    reasons = {s.object_id: s.reason for s in skipped}
    assert "out of range" in reasons[ids[0]]
    assert "non-finite" in reasons[ids[1]]
    assert "fewer than 3 distinct points" in reasons[f"{ids[2]}#2"]
    assert ids[0] not in objs and ids[1] not in objs
    raw = _raw(cjio_dir / "rotterdam_subset.json")
    usable = _usable_surfaces(raw, raw["CityObjects"][ids[2]])
    assert len(objs[ids[2]].surfaces) == usable - 1  # only the surface made degenerate was dropped
    assert len(objs) == 14


def _usable_surfaces(doc: dict, obj: dict) -> int:
    verts = _raw_vertices(doc)
    return sum(1 for _, _, rings in _raw_surfaces(doc, obj, verts) if len({tuple(v) for v in rings[0]}) >= 3)


def test_degenerate_source_surfaces_are_dropped_and_named(cjio_dir):
    """rotterdam_subset.json really holds 2-point rings: each is dropped and named, the rest imported."""
    path = cjio_dir / "rotterdam_subset.json"
    raw = _raw(path)
    verts = _raw_vertices(raw)
    degenerate = {oid: [n for n, (_, _, rings) in enumerate(_raw_surfaces(raw, obj, verts), 1)
                        if len({tuple(v) for v in rings[0]}) < 3]
                  for oid, obj in raw["CityObjects"].items()}
    expected = sorted(f"{oid}#{n}" for oid, ns in degenerate.items() for n in ns)
    objs, skipped = _objects(read_cityjson(path, RD_NAP))
    assert len(expected) == 12 and sorted(s.object_id for s in skipped) == expected
    assert all("fewer than 3 distinct points" in s.reason for s in skipped)
    for oid, obj in objs.items():
        assert len(obj.surfaces) == _usable_surfaces(raw, raw["CityObjects"][oid])


def test_broken_files_fail_with_file_and_line(denhaag, cjio_dir, tmp_path):
    truncated = tmp_path / "truncated.city.json"
    truncated.write_bytes(denhaag.read_bytes()[:100_000])
    with pytest.raises(InputError, match=r"truncated\.city\.json, line \d+: malformed JSON"):
        read_cityjson(truncated)
    doc = _raw(cjio_dir / "minimal.json")
    doc["version"] = "0.9"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="unsupported CityJSON version '0.9'"):
        read_cityjson(old, RD_NAP)
    # a CityJSONSeq whose last feature line is cut off: the earlier features still arrive
    lines = [json.dumps({"type": "CityJSON", "version": "2.0", "transform": doc["transform"],
                         "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/7415"},
                         "CityObjects": {}, "vertices": []})]
    rot = _raw(cjio_dir / "rotterdam_subset.json")
    rot_verts = np.asarray(rot["vertices"])
    for oid, obj in list(rot["CityObjects"].items())[:3]:
        used = sorted({i for s in obj["geometry"][0]["boundaries"] for r in s for i in r})
        remap = {old_i: new_i for new_i, old_i in enumerate(used)}
        feature_obj = copy.deepcopy(obj)
        feature_obj["geometry"][0]["boundaries"] = [[[remap[i] for i in r] for r in s]
                                                    for s in obj["geometry"][0]["boundaries"]]
        shifted = rot_verts[used] + np.asarray(rot["transform"]["translate"]) / 0.001 \
            - np.asarray(doc["transform"]["translate"]) / 0.001
        lines.append(json.dumps({"type": "CityJSONFeature", "id": oid, "CityObjects": {oid: feature_obj},
                                 "vertices": np.rint(shifted).astype(np.int64).tolist()}))
    cut = tmp_path / "cut.city.jsonl"
    cut.write_text("\n".join(lines)[:-50])
    reporter = CollectingReporter()
    objs, skipped = _objects(read_cityjson(cut, reporter=reporter))
    assert len(objs) == 2 and len(skipped) == 1
    assert skipped[0].line == 4 and "malformed CityJSONFeature" in skipped[0].reason
    # the features were re-based onto another translate: coordinates must still be the same
    rot_objs, _ = _objects(read_cityjson(cjio_dir / "rotterdam_subset.json", RD_NAP))
    for oid, obj in objs.items():
        np.testing.assert_allclose(obj.surfaces[0].rings[0], rot_objs[oid].surfaces[0].rings[0], atol=1e-6)
    assert not any("area of use" in w for w in reporter.warnings)  # the Rotterdam extent is fine


def test_duplicate_ids_are_reported(cjio_dir, tmp_path):
    text = (cjio_dir / "rotterdam_subset.json").read_text()
    doc = json.loads(text)
    first = next(iter(doc["CityObjects"]))
    body = json.dumps(doc["CityObjects"][first])
    dup = text.replace('"CityObjects": {', '"CityObjects": {' + json.dumps(first) + ": " + body + ", ", 1)
    if dup == text:  # the file is compact JSON
        dup = text.replace('"CityObjects":{', '"CityObjects":{' + json.dumps(first) + ":" + body + ",", 1)
    assert dup != text
    path = tmp_path / "dup.json"
    path.write_text(dup)
    objs, skipped = _objects(read_cityjson(path, RD_NAP))
    duplicates = [s for s in skipped if "duplicate" in s.reason]
    assert [s.object_id for s in duplicates] == [first]
    assert len(objs) == 16


def test_area_of_use_is_refused(cjio_dir, tmp_path):
    doc = _raw(cjio_dir / "rotterdam_subset.json")
    doc["transform"]["translate"] = [3_500_000.0, 5_400_000.0, 0.0]  # Karlsruhe-like numbers, RD CRS
    path = tmp_path / "misplaced.json"
    path.write_text(json.dumps(doc))
    source = read_cityjson(path, RD_NAP)
    with pytest.raises(InputError, match=r"vertices: .*outside the area of use of EPSG:28992.*"
                                         r"look like EPSG:31467 \(DHDN / 3-degree Gauss-Kruger zone 3\)"):
        list(source)
    assert source.crs_problem and "outside the area of use of EPSG:28992" in source.crs_problem


def test_seq_is_read_line_by_line(denhaag_seq, tmp_path):
    """The sequence reader yields per line, a batch of buildings at a time (BATCH, their rings cleaned at once):
    with batches of one building, the first object arrives before later lines are read."""
    lines = denhaag_seq.read_text().splitlines()
    broken = tmp_path / "tail-broken.city.jsonl"
    broken.write_text("\n".join(lines[:4] + ["{not json"] * 3) + "\n")
    source = read_cityjson(broken)
    source.BATCH = 1
    it = iter(source)
    first = next(it)
    assert isinstance(first, CityObject)
    assert source.progress < 0.5  # only the first lines were consumed
    rest = list(it)
    assert [s.line for s in rest if isinstance(s, Skipped)] == [5, 6, 7]


def _repeated_seq(seq: Path, target: Path, copies: int) -> Path:
    """The features of ``seq`` ``copies`` times, each copy with its own ids."""
    lines = seq.read_text().splitlines()[:151]  # the header and 150 features
    with target.open("w") as out:
        out.write(lines[0] + "\n")
        for n in range(copies):
            for line in lines[1:]:
                feature = json.loads(line)
                feature["CityObjects"] = {f"{k}-{n}": v for k, v in feature["CityObjects"].items()}
                out.write(json.dumps(feature) + "\n")
    return target


def test_seq_peak_memory_does_not_grow_with_the_file(denhaag_seq, tmp_path):
    import tracemalloc

    peaks, counts = [], []
    for copies in (1, 5):
        path = _repeated_seq(denhaag_seq, tmp_path / f"x{copies}.city.jsonl", copies)
        tracemalloc.start()
        counts.append(sum(1 for item in read_cityjson(path) if isinstance(item, CityObject)))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert counts[1] == 5 * counts[0] > 300
    assert peaks[1] < 1.5 * peaks[0]  # five times the features, about the same peak


def test_duplicate_vertices_are_compared_by_coordinates(cjio_dir, tmp_path):
    """Rings cleaned by coordinates when distinct indices share a point (CityJSON allows duplicate vertices)."""
    doc = _raw(cjio_dir / "DH_01_subs.city.json")
    n = len(doc["vertices"])
    doc["vertices"] += doc["vertices"]  # vertex i + n is vertex i again
    oid, obj = next((k, o) for k, o in doc["CityObjects"].items() if o.get("geometry"))
    shell = obj["geometry"][0]["boundaries"][0]
    a, b, c, d = shell[0][0][:4]
    shell[0][0] = [a, b, b + n, c, d]            # a repeated point under another index
    shell[1][0] = [a, b, a + n]                  # closes on itself: 2 distinct points
    path = tmp_path / "dups.city.json"
    path.write_text(json.dumps(doc))
    objs, skipped = _objects(read_cityjson(path, RD_NAP))
    assert [s.object_id for s in skipped] == [f"{oid}#2"]
    assert "fewer than 3 distinct points" in skipped[0].reason
    ring = objs[oid].surfaces[0].rings[0]
    verts = _raw_vertices(doc)
    np.testing.assert_allclose(ring, verts[[a, b, c, d]], atol=1e-9)
    assert len(objs[oid].surfaces) == len(shell) - 1


def test_geometry_templates_are_instantiated(cjio_dir, tmp_path):
    """A building's solid moved into geometry-templates and placed by a GeometryInstance keeps its coordinates."""
    doc = _raw(cjio_dir / "DH_01_subs.city.json")
    verts = _raw_vertices(doc)
    oid, obj = next((k, o) for k, o in doc["CityObjects"].items() if o.get("geometry"))
    geom = obj["geometry"][0]
    used = sorted({i for s in geom["boundaries"][0] for r in s for i in r})
    anchor = used[0]
    local = {i: (verts[i] - verts[anchor]).tolist() for i in used}
    remap = {i: n for n, i in enumerate(used)}
    template = dict(geom, boundaries=[[[[remap[i] for i in r] for r in s] for s in geom["boundaries"][0]]])
    doc["geometry-templates"] = {"templates": [template], "vertices-templates": [local[i] for i in used]}
    quarter_turn = [0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]  # 90° about z, row-major
    obj["geometry"] = [{"type": "GeometryInstance", "template": 0, "boundaries": [anchor],
                        "transformationMatrix": quarter_turn}]
    path = tmp_path / "templated.city.json"
    path.write_text(json.dumps(doc))
    objs, skipped = _objects(read_cityjson(path, RD_NAP))
    assert not skipped
    original, _ = _objects(read_cityjson(cjio_dir / "DH_01_subs.city.json", RD_NAP))
    assert objs[oid].lod == geom["lod"] and len(objs[oid].surfaces) == len(original[oid].surfaces)
    for mine, theirs in zip(objs[oid].surfaces, original[oid].surfaces):
        offset = theirs.rings[0] - verts[anchor]
        rotated = np.c_[-offset[:, 1], offset[:, 0], offset[:, 2]] + verts[anchor]
        np.testing.assert_allclose(mine.rings[0], rotated, atol=1e-9)
        assert mine.surface_type == theirs.surface_type


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_damaged_gzip_is_a_clear_error(cjio_dir, tmp_path, damage):
    data = gzip.compress((cjio_dir / "rotterdam_subset.json").read_bytes())
    data = data[: len(data) // 2] if damage == "truncated" else data[:20] + bytes(200) + data[220:]
    path = tmp_path / f"{damage}.city.json.gz"
    path.write_bytes(data)
    with pytest.raises(InputError, match=rf"{damage}\.city\.json\.gz: (cannot read the file|malformed JSON)"):
        read_cityjson(path, RD_NAP)


def test_cancel_interrupts_the_parse_of_a_large_cityjson(shared_data, tmp_path):
    """A cancel takes effect while a large single-document CityJSON is still being parsed."""
    import threading

    from geotwin.twin.citymodel.importer import import_citymodel
    from geotwin.twin.kernel.errors import Cancelled
    from geotwin.twin.kernel.progress import CollectingReporter

    doc = json.loads((shared_data / "cityjson" / "denhaag" / "DenHaag_01_v2.0_derived.city.json")
                     .read_text(encoding="utf-8"))
    big = {}
    for k in range(30):  # 74,940 city objects sharing Den Haag's vertices: seconds of parsing
        for oid, obj in doc["CityObjects"].items():
            copy = dict(obj)
            for rel in ("parents", "children"):
                if rel in copy:
                    copy[rel] = [f"{x}_{k}" for x in copy[rel]]
            big[f"{oid}_{k}"] = copy
    doc["CityObjects"] = big
    src = tmp_path / "big.city.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"earlier output")

    class CancelWhileParsing(CollectingReporter):
        """Presses cancel as soon as the document is being parsed."""

        def is_cancelled(self) -> bool:
            return any(t.name.startswith("parse ") and t.is_alive() for t in threading.enumerate())

    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        import_citymodel([src], out, None, "highest", CancelWhileParsing())
    assert out.read_bytes() == b"earlier output"


def test_gc_paused_while_a_document_is_parsed_and_restored_after(tmp_path):
    """The whole-document parse runs with the cyclic collector paused; it is enabled again afterwards, stays
    disabled when it was disabled before, and an error inside the pause still restores it."""
    import gc

    from geotwin.twin.citymodel import cityjson as cj

    seen = []
    real_loads = cj.json.loads

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_loads(*args, **kwargs)

    doc = {"type": "CityJSON", "version": "2.0", "metadata": {"referenceSystem": "EPSG:25832"},
           "CityObjects": {}, "vertices": []}
    path = tmp_path / "empty.city.json"
    path.write_text(json.dumps(doc))
    cj.json.loads = spy
    try:
        assert gc.isenabled()
        list(cj.read_cityjson(path))
        gc.disable()
        try:
            list(cj.read_cityjson(path))
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        cj.json.loads = real_loads
    assert seen[1] is False and seen[-1] is False   # [0]: the sniffing of the first line, collector on
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="inside"), cj.gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("inside")
    assert gc.isenabled()


def _per_ring(geom: dict, verts) -> tuple[list, list[str]] | str:
    """The per-ring cleaner (``_ring``) over every ring: the surfaces' rings and the dropped messages, or the
    message of the corrupt object."""
    from geotwin.twin.citymodel.cityjson import _BadObject, _ring
    rings_out, dropped = [], []
    try:
        for number, polygon in enumerate(geom["boundaries"], 1):
            rings = []
            for k, ring in enumerate(polygon):
                coords, problem = _ring(ring, verts, number)
                if problem is None:
                    rings.append(coords.tolist())
                elif k == 0:
                    dropped.append(f"surface {number}: {problem}")
                    break
            else:
                rings_out.append(rings)
    except _BadObject as err:
        return str(err)
    return rings_out, dropped


_INDEX = st.one_of(st.integers(-1, 6), st.integers(0, 5), st.integers(0, 5), st.just(1.0), st.just([0]),
                   st.just(True))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.lists(_INDEX, min_size=0, max_size=7), min_size=1, max_size=2), min_size=1, max_size=4))
def test_building_cleaner_equals_the_per_ring_cleaner(polygons):
    """The all-rings-at-once cleaner (_clean_surfaces, with its distinct-index check) gives exactly what the
    per-ring cleaner gives on adversarial rings: repeats, closing indices, < 3 distinct indices, out-of-range,
    float, bool and unhashable indices (those fall back to the per-ring path and name the same problem)."""
    from geotwin.twin.citymodel.cityjson import _BadObject, _surfaces, _Vertices
    verts = _Vertices(np.array([[0., 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]]))
    geom = {"type": "MultiSurface", "boundaries": polygons}
    expected = _per_ring(geom, verts)
    try:
        surfaces, dropped = _surfaces("b", geom, verts, "2")
    except _BadObject as err:
        assert str(err) == expected
        return
    assert ([[r.tolist() for r in s.rings] for s in surfaces], dropped) == expected
    assert [s.id for s in surfaces] == [f"b_2_{n}" for n, p in enumerate(polygons, 1)
                                        if f"surface {n}:" not in " ".join(dropped)]


def test_unhashable_index_falls_back_to_the_per_ring_message():
    from geotwin.twin.citymodel.cityjson import _BadObject, _distinct, _surfaces, _Vertices
    assert _distinct([0, [1], 2]) == 0 and _distinct([0, 1, 1, 0]) == 2
    verts = _Vertices(np.array([[0., 0, 0], [1, 0, 0], [1, 1, 0]]))
    with pytest.raises(_BadObject, match="surface 1: vertex indices are not integers"):
        _surfaces("b", {"type": "MultiSurface", "boundaries": [[[0, [1], 2]]]}, verts, "2")
    surfaces, dropped = _surfaces("b", {"type": "MultiSurface", "boundaries": [[[0, 1, 1, 0]], [[0, 1, 2]]]},
                                  verts, "2")
    assert dropped == ["surface 1: ring with fewer than 3 distinct points (2 vertices)"]
    assert [s.id for s in surfaces] == ["b_2_2"]
