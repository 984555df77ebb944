"""Fuzzing the CityGML and CityJSON readers (and the importer) with mutations of real files: whatever the
bytes, nothing but GeoTwin's own errors (GeoTwinError subclasses) escapes."""
from __future__ import annotations

import gzip
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geotwin.tests.paths import SHARED_DATA
from geotwin.twin.citymodel.citygml import read_citygml
from geotwin.twin.citymodel.cityjson import read_cityjson
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter

DATA = SHARED_DATA
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])
TOKENS = [b"<", b">", b"/>", b'"', b"'", b"&amp;", b"&x;", b"<!DOCTYPE a>", b"<![CDATA[", b"]]>", b"<!--",
          b'gml:id="dup"', b'xlink:href="#dup"', b'xlink:href="#', b"NaN", b"inf", b"-1e308", b"1e400", b" ",
          b"\x00", b"\xff\xfe", b"</gml:posList>", b"<gml:posList>", b"<gml:pos>1 2</gml:pos>", b"srsDimension=\"2\"",
          b"<gml:Triangle>", b"<dem:TINRelief>", b"orientation=\"-\"", b"\n", b"9" * 40]

_TIN = (b'<core:cityObjectMember><dem:ReliefFeature xmlns:dem="http://www.opengis.net/citygml/relief/2.0" '
        b'gml:id="R"><dem:lod>2</dem:lod><dem:reliefComponent><dem:TINRelief gml:id="T"><dem:lod>2</dem:lod>'
        b"<dem:tin><gml:TriangulatedSurface><gml:trianglePatches>"
        + b"".join(b"<gml:Triangle><gml:exterior><gml:LinearRing><gml:posList>458000 5439000 100 "
                   b"458010 5439000 101 458000 5439010 102 458000 5439000 100</gml:posList></gml:LinearRing>"
                   b"</gml:exterior></gml:Triangle>" for _ in range(3))
        + b"</gml:trianglePatches></gml:TriangulatedSurface></dem:tin></dem:TINRelief></dem:reliefComponent>"
          b"</dem:ReliefFeature></core:cityObjectMember>")


def _citygml_seed() -> bytes:
    """The FZK-Haus LoD2 (CityGML 2.0) with a TIN relief member: buildings, semantics, xlinks and terrain."""
    data = (DATA / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml").read_bytes()
    end = data.rindex(b"</core:CityModel>")
    return data[:end] + _TIN + data[end:]


def _cityjson_seed() -> bytes:
    """cjio's Den Haag subset (CityJSON, buildings and parts) with its CRS stated, so the fuzz gets past it."""
    doc = json.loads((DATA / "cityjson/cjio/DH_01_subs.city.json").read_text())
    doc.setdefault("metadata", {})["referenceSystem"] = "https://www.opengis.net/def/crs/EPSG/0/7415"
    return json.dumps(doc).encode()


CITYGML_SEED = _citygml_seed()
CITYJSON_SEED = _cityjson_seed()
_SCRATCH = tempfile.TemporaryDirectory(prefix="geotwin-fuzz")


@st.composite
def byte_mutations(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=20))
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 400))]
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:6]):
            yield from _paths(v, prefix + (i,))


@st.composite
def json_mutations(draw) -> bytes:
    """CityJSON with values at random places replaced, deleted or given the wrong type."""
    doc = json.loads(CITYJSON_SEED)
    paths = [p for p in _paths(doc) if p]
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()):
                parent[path[-1]] = draw(JSON_VALUES)
            elif isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = -1 if draw(st.booleans()) else 10**9
        except (KeyError, IndexError, TypeError):
            continue
    return json.dumps(doc).encode()


def _consume(source) -> None:
    for _ in source:
        pass


def _write(data: bytes, name: str, compress: bool) -> Path:
    path = Path(_SCRATCH.name) / (name + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@FUZZ
@given(data=byte_mutations(CITYGML_SEED), compress=st.booleans())
def test_citygml_reader_raises_only_geotwin_errors(data, compress):
    path = _write(data, "tile.gml", compress)
    try:
        _consume(read_citygml(path, reporter=CollectingReporter()))
    except GeoTwinError:
        pass


@FUZZ
@given(data=st.one_of(byte_mutations(CITYJSON_SEED), json_mutations()), compress=st.booleans())
def test_cityjson_reader_raises_only_geotwin_errors(data, compress):
    path = _write(data, "tile.city.json", compress)
    try:
        _consume(read_cityjson(path, reporter=CollectingReporter()))
    except GeoTwinError:
        pass


@FUZZ
@given(data=json_mutations(), lines=st.integers(1, 3))
def test_cityjsonseq_reader_raises_only_geotwin_errors(data, lines):
    try:
        doc = json.loads(data)
    except ValueError:
        return
    if not isinstance(doc, dict):
        return
    header = {k: v for k, v in doc.items() if k not in ("CityObjects", "vertices")}
    feature = {"type": "CityJSONFeature", "id": "f", "CityObjects": doc.get("CityObjects"),
               "vertices": doc.get("vertices")}
    text = json.dumps(header) + "\n" + "\n".join(json.dumps(feature) for _ in range(lines)) + "\n"
    path = _write(text.encode(), "tiles.city.jsonl", False)
    try:
        _consume(read_cityjson(path, reporter=CollectingReporter()))
    except GeoTwinError:
        pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(gml=byte_mutations(CITYGML_SEED), cj=json_mutations(), zipped=st.booleans())
def test_importer_raises_only_geotwin_errors(gml, cj, zipped):
    """The whole chain (delivery, readers, ground repair, terrain, GeoPackage) on mutated tiles."""
    folder = Path(_SCRATCH.name) / "import"
    folder.mkdir(exist_ok=True)
    if zipped:
        target = folder / "delivery.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("a/tile.gml", gml)
            z.writestr("b/tile.city.json.gz", gzip.compress(cj))
        inputs = [target]
    else:
        (folder / "tile.gml").write_bytes(gml)
        inputs = [folder / "tile.gml"]
    try:
        import_citymodel(inputs, folder / "out.gpkg", reporter=CollectingReporter())
    except GeoTwinError:
        pass


def test_seeds_are_read_unmutated():
    """The seeds themselves import: the fuzzing starts from working input."""
    path = _write(CITYGML_SEED, "tile.gml", False)
    items = list(read_citygml(path))
    assert sum(type(i).__name__ == "Relief" for i in items) == 1 and len(items) == 2
    items = list(read_cityjson(_write(CITYJSON_SEED, "x.city.json", False)))
    assert sum(type(i).__name__ == "CityObject" for i in items) == 12


@pytest.mark.parametrize("mutation", ["extent_null", "metadata_list", "transform_list", "templates_list"])
def test_found_by_fuzzing_malformed_cityjson_header_members(mutation):
    """Cases the fuzzing found: header members of the wrong type are a clear error or ignored, never a crash."""
    doc = json.loads(CITYJSON_SEED)
    if mutation == "extent_null":  # geographicalExtent with a null: the area check is skipped
        doc["metadata"]["geographicalExtent"] = [None, 457782.1, 3.4, 78695.7, 458155.0, 14.7]
    elif mutation == "metadata_list":
        doc["metadata"] = [1]
    elif mutation == "transform_list":  # no usable transform: identity
        doc["transform"] = [1]
    else:
        doc["geometry-templates"] = [1]
    path = _write(json.dumps(doc).encode(), "x.city.json", False)
    if mutation == "extent_null":
        assert sum(type(i).__name__ == "CityObject" for i in read_cityjson(path)) == 12
    elif mutation == "transform_list":  # identity: the raw integers are no RD coordinates, and the area check says so
        with pytest.raises(GeoTwinError, match="outside the area of use of EPSG:28992"):
            _consume(read_cityjson(path))
    else:
        with pytest.raises(GeoTwinError, match="states no CRS|malformed geometry-templates"):
            _consume(read_cityjson(path))


def test_found_by_fuzzing_empty_cityjson_polygon(tmp_path):
    """A Solid whose GroundSurface polygon is [] (no rings): that surface is dropped with a row, the rest kept."""
    doc = json.loads(CITYJSON_SEED)
    oid, obj = next((k, o) for k, o in doc["CityObjects"].items() if o.get("geometry"))
    geom = obj["geometry"][0]
    shell = geom["boundaries"][0]
    n_surfaces = len(shell)
    shell[-1] = []
    path = tmp_path / "empty_polygon.city.json"
    path.write_bytes(json.dumps(doc).encode())
    items = list(read_cityjson(path))
    kept = next(i for i in items if getattr(i, "id", None) == oid)
    assert len(kept.surfaces) == n_surfaces - 1
    row = next(i for i in items if type(i).__name__ == "Skipped" and i.object_id.startswith(f"{oid}#"))
    assert "empty polygon" in row.reason
    result = import_citymodel([path], tmp_path / "x.gpkg")
    assert result.buildings + result.parts == 12


def _zip_seed() -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("tiles/a.gml", CITYGML_SEED)
        z.writestr("tiles/b.gml.gz", gzip.compress(CITYGML_SEED.replace(b'gml:id="', b'gml:id="b_')))
        z.writestr("readme.txt", b"Lieferung")
    return buffer.getvalue()


ZIP_SEED = _zip_seed()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=byte_mutations(ZIP_SEED))
def test_mutated_zip_archives_raise_only_geotwin_errors(data):
    """Broken central directories, headers, CRCs and deflate streams: a clear error, never a crash."""
    folder = Path(_SCRATCH.name) / "zip"
    folder.mkdir(exist_ok=True)
    target = folder / "delivery.zip"
    target.write_bytes(data)
    try:
        import_citymodel([target], folder / "out.gpkg", reporter=CollectingReporter())
    except GeoTwinError:
        pass


def test_found_by_fuzzing_nameless_zip_entry(tmp_path):
    """A central directory entry without a name (zipfile's is_dir() fails on it) is passed over."""
    target = tmp_path / "nameless.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("tiles/a.gml", CITYGML_SEED)
        z.writestr(zipfile.ZipInfo(""), b"x")
    assert "" in zipfile.ZipFile(target).namelist()
    result = import_citymodel([target], tmp_path / "n.gpkg")
    assert result.buildings == 1 and result.triangles == 3
