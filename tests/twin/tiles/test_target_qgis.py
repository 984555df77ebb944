"""The target client of the 3D Tiles export, read back from the GLBs with pygltflib and DracoPy: "qgis" writes
what QGIS's tiled scene loader (src/core/tiledscene/qgsgltfutils.cpp, accessorToMapCoordinates: FLOAT VEC3
positions only, no KHR_mesh_quantization, no EXT_meshopt_compression) can read, optionally Draco-compressed;
"cesium" stays quantised and meshopt-compressed. The twin is a generated district built by the real algorithms
(BIM detail, islands and sensors: every kind of tile)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import DracoPy
import numpy as np
import pygltflib
import pytest

from geotwin.tests.paths import ROOT
from geotwin.tests.twin.tiles import tiles_structure as ts
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.export import QGIS_IMPLICIT, REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.glb import FeatureSet, build_glb, draco_bits
from geotwin.twin.tiles.reader import Tile

BUILDINGS = 30
FLOAT, USHORT = 5126, 5123
DRACO = "KHR_draco_mesh_compression"
METADATA = ["EXT_mesh_features", "EXT_structural_metadata"]
#: Draco quantises positions to keep the 3D error within ExportOptions.max_quantization_error (1 cm)
TOLERANCE = 0.01
_DTYPES = {5121: np.uint8, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTH = {"SCALAR": 1, "VEC3": 3}


@pytest.fixture(scope="module")
def twin(run_alg, district_sources, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("target")
    inputs = district_sources(out, BUILDINGS)
    return Path(run_alg("geotwin:buildtwin", {**inputs, "OUTPUT": str(out / "twin.gpkg")})["OUTPUT"])


@pytest.fixture(scope="module")
def exports(twin, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("target_tiles")
    runs = {"cesium": ExportOptions(viewer=False),
            "qgis": ExportOptions(target="qgis", viewer=False),
            "draco": ExportOptions(target="qgis", draco=True, viewer=False),
            "qgis_surface": ExportOptions(target="qgis", features="surface", viewer=False),
            "draco_surface": ExportOptions(target="qgis", draco=True, features="surface", viewer=False),
            "draco_b3dm": ExportOptions(target="qgis", draco=True, format="1.0", viewer=False)}
    for name, options in runs.items():
        export_3dtiles(twin, out / name, options, CollectingReporter())
    return {name: out / name for name in runs}


# ---------------------------------------------------------------- reading GLBs independently of the writer

def glb_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:4] == b"b3dm":   # header: magic, version, length, then the four table lengths
        header = np.frombuffer(data[:28], np.uint32)
        data = data[28 + int(header[3:7].sum()):]
    return data


def load(path: Path) -> pygltflib.GLTF2:
    return pygltflib.GLTF2.load_from_bytes(glb_bytes(path))


def raw_json(path: Path) -> dict:
    """The GLB's JSON chunk as written (pygltflib fills in defaults such as byteOffset 0)."""
    data = glb_bytes(path)
    length = int(np.frombuffer(data[12:16], np.uint32)[0])
    assert data[16:20] == b"JSON"
    return json.loads(data[20:20 + length])


def glbs(folder: Path, ext: str = "glb") -> list[Path]:
    paths = sorted((folder / "tiles").rglob(f"*.{ext}"))
    assert paths, folder
    return paths


def view_bytes(gltf: pygltflib.GLTF2, index: int) -> bytes:
    view = gltf.bufferViews[index]
    start = view.byteOffset or 0
    return gltf.binary_blob()[start:start + view.byteLength]


def read_accessor(gltf: pygltflib.GLTF2, index: int) -> np.ndarray:
    """An accessor with a bufferView (stride honoured) as float64 (count, width)."""
    acc = gltf.accessors[index]
    view = gltf.bufferViews[acc.bufferView]
    dtype = np.dtype(_DTYPES[acc.componentType])
    width = _WIDTH[acc.type]
    stride = view.byteStride or dtype.itemsize * width
    raw = np.frombuffer(view_bytes(gltf, acc.bufferView), np.uint8)[acc.byteOffset or 0:]
    rows = np.lib.stride_tricks.as_strided(raw, shape=(acc.count, dtype.itemsize * width), strides=(stride, 1))
    return np.ascontiguousarray(rows).view(dtype).reshape(acc.count, width).astype(np.float64)


def nearest(points: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Distance from each query to its nearest point (brute force, in blocks)."""
    out = np.empty(len(queries))
    for start in range(0, len(queries), 512):
        block = queries[start:start + 512]
        out[start:start + 512] = np.sqrt(((block[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    return out


def primitive(gltf: pygltflib.GLTF2) -> pygltflib.Primitive:
    return gltf.meshes[0].primitives[0]


def attributes(gltf: pygltflib.GLTF2) -> dict[str, int]:
    return {k: v for k, v in primitive(gltf).attributes.__dict__.items() if v is not None}


def float_mesh(gltf: pygltflib.GLTF2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (node translation applied), triangles and feature ids (one column per feature set)."""
    attrs = attributes(gltf)
    positions = read_accessor(gltf, attrs["POSITION"]) + np.array(gltf.nodes[0].translation or [0, 0, 0])
    triangles = read_accessor(gltf, primitive(gltf).indices).astype(np.int64).reshape(-1, 3)
    ids = np.column_stack([read_accessor(gltf, attrs[k])[:, 0] for k in sorted(attrs) if k.startswith("_")])
    return positions, triangles, ids


def draco_mesh(gltf: pygltflib.GLTF2) -> tuple[np.ndarray, np.ndarray, np.ndarray, DracoPy.DracoMesh]:
    """The Draco buffer decoded by DracoPy: positions (node translation applied), triangles, feature ids."""
    ext = primitive(gltf).extensions[DRACO]
    mesh = DracoPy.decode(view_bytes(gltf, ext["bufferView"]))
    by_id = {a["unique_id"]: a for a in mesh.attributes}
    positions = np.asarray(mesh.points, np.float64) + np.array(gltf.nodes[0].translation or [0, 0, 0])
    ids = np.column_stack([np.asarray(by_id[ext["attributes"][k]]["data"]).reshape(-1)
                           for k in sorted(ext["attributes"]) if k.startswith("_")])
    return positions, np.asarray(mesh.faces, np.int64).reshape(-1, 3), ids, mesh


# ---------------------------------------------------------------- target qgis: float, no quantisation, no meshopt

def test_qgis_target_has_float_vec3_positions_and_no_compression_extensions(exports):
    for name in ("qgis", "qgis_surface"):
        for path in glbs(exports[name]):
            gltf = load(path)
            attrs = attributes(gltf)
            position, normal = gltf.accessors[attrs["POSITION"]], gltf.accessors[attrs["NORMAL"]]
            # what accessorToMapCoordinates demands, or QGIS draws nothing
            assert (position.componentType, position.type) == (FLOAT, "VEC3"), path
            assert (normal.componentType, normal.type, bool(normal.normalized)) == (FLOAT, "VEC3", False), path
            assert gltf.extensionsUsed == METADATA, path
            assert not gltf.extensionsRequired, path
            assert gltf.nodes[0].scale is None, path    # no dequantisation scale
            assert len(gltf.buffers) == 1 and all(v.extensions in (None, {}) for v in gltf.bufferViews), path
            assert primitive(gltf).extensions.keys() == {"EXT_mesh_features"}, path


def test_cesium_target_stays_quantised_and_meshopt_compressed(exports):
    for path in glbs(exports["cesium"]):
        gltf = load(path)
        position = gltf.accessors[attributes(gltf)["POSITION"]]
        assert (position.componentType, position.type) == (USHORT, "VEC3"), path
        assert gltf.extensionsUsed == ["KHR_mesh_quantization", *METADATA, "EXT_meshopt_compression"], path
        assert gltf.extensionsRequired == ["KHR_mesh_quantization", "EXT_meshopt_compression"], path


def test_targets_give_the_same_geometry_and_properties(exports):
    """Same tiles, same triangles, same feature ids and property tables; the quantised positions within the
    reported quantisation error of the float ones."""
    report = json.loads((exports["cesium"] / REPORT_NAME).read_text())
    qerror = report["compression"]["max_quantization_error_m"]
    assert 0 < qerror <= 0.01
    cesium, qgis = glbs(exports["cesium"]), glbs(exports["qgis"])
    assert [p.relative_to(exports["cesium"]) for p in cesium] == [p.relative_to(exports["qgis"]) for p in qgis]
    for c, q in zip(cesium, qgis):
        quantised, plain = Tile.open(c), Tile.open(q)   # the reader decodes meshopt and the quantisation
        assert np.array_equal(quantised.triangles(), plain.triangles()), q
        assert np.array_equal(quantised.feature_ids(), plain.feature_ids()), q
        assert np.abs(quantised.positions() - plain.positions()).max() <= qerror + 1e-4, q
        assert quantised.property_table() == plain.property_table(), q


def test_target_recorded_in_tileset_and_report(exports):
    for name, target, draco in (("cesium", "cesium", False), ("qgis", "qgis", False), ("draco", "qgis", True)):
        tileset = json.loads((exports[name] / "tileset.json").read_text())
        extras = tileset["asset"]["extras"]["geotwin"]
        assert (extras["target"], extras["draco"]) == (target, draco)
        report = json.loads((exports[name] / REPORT_NAME).read_text())
        assert report["target"] == target and report["options"]["target"] == target
        assert report["compression"]["KHR_draco_mesh_compression"] is draco
        assert report["compression"]["KHR_mesh_quantization"] is (target == "cesium")


def test_qgis_target_glbs_pass_the_khronos_validator(exports):
    paths = [p for name in ("qgis", "draco", "draco_surface") for p in glbs(exports[name])]
    proc = subprocess.run(["node", "-e", VALIDATE_JS], input=json.dumps([str(p) for p in paths]),
                          capture_output=True, text=True, cwd=ROOT, check=True, timeout=300)
    results = json.loads(proc.stdout)
    assert len(results) == len(paths)
    assert {p: r for p, r in results.items() if r["errors"] or r["warnings"]} == {}


VALIDATE_JS = """
const v = require('gltf-validator'); const fs = require('fs');
(async () => { const out = {};
  for (const f of JSON.parse(fs.readFileSync(0, 'utf8'))) {
    const r = await v.validateBytes(new Uint8Array(fs.readFileSync(f)), {maxIssues: 100});
    out[f] = {errors: r.issues.numErrors, warnings: r.issues.numWarnings,
              messages: r.issues.messages.filter(m => m.severity <= 1).map(m => m.code + ' ' + m.message)};
  }
  console.log(JSON.stringify(out)); })();
"""


# ---------------------------------------------------------------- Draco

def test_draco_extension_lists_and_accessors_without_fallback(exports):
    for name in ("draco", "draco_surface"):
        feature_sets = set()
        for path in glbs(exports[name]):
            gltf = load(path)
            assert gltf.extensionsUsed == [DRACO, *METADATA], path
            assert gltf.extensionsRequired == [DRACO], path
            prim = primitive(gltf)
            ext = prim.extensions[DRACO]
            attrs = attributes(gltf)
            # the feature ids EXT_mesh_features names travel in the Draco buffer, with positions and normals
            ids = {f"_FEATURE_ID_{f['attribute']}" for f in prim.extensions["EXT_mesh_features"]["featureIds"]}
            feature_sets.add(len(ids))
            assert set(ext["attributes"]) == set(attrs) == {"POSITION", "NORMAL", *ids}, path
            # required: only compressed data, so no accessor of the primitive has a bufferView or byteOffset
            written = raw_json(path)["accessors"]
            for index in [*attrs.values(), prim.indices]:
                assert "bufferView" not in written[index] and "byteOffset" not in written[index], path
            assert (gltf.accessors[attrs["POSITION"]].componentType, gltf.accessors[attrs["POSITION"]].type) == \
                (FLOAT, "VEC3")
        # buildings only; buildings and their surfaces in the city-model tiles of the per-surface export
        assert feature_sets == ({1, 2} if name == "draco_surface" else {1})


def test_draco_decodes_to_the_float_export(exports):
    """Each Draco tile decoded by DracoPy: the float export's triangle count, every vertex within 1 cm of a
    float vertex of the same feature(s), the same triangles per feature, accessors stating the decoded
    counts and bounds."""
    checked = 0
    for plain_name, draco_name in (("qgis", "draco"), ("qgis_surface", "draco_surface")):
        for p, d in zip(glbs(exports[plain_name]), glbs(exports[draco_name])):
            assert p.relative_to(exports[plain_name]) == d.relative_to(exports[draco_name])
            plain, draco = load(p), load(d)
            positions, triangles, ids = float_mesh(plain)
            d_positions, d_triangles, d_ids, _ = draco_mesh(draco)
            assert len(d_triangles) == len(triangles), d
            assert d_ids.shape[1] == ids.shape[1]
            # nearest float vertex among those of the same feature ids
            keys = [tuple(row) for row in ids.astype(np.int64)]
            for key in set(keys):
                mine = np.array([k == key for k in keys])
                theirs = np.all(d_ids.astype(np.int64) == np.array(key), axis=1)
                assert theirs.any(), (d, key)
                distance = nearest(positions[mine], d_positions[theirs])
                assert distance.max() <= TOLERANCE, (d, key, distance.max())
                # the same number of triangles per feature (a triangle belongs to its first vertex's feature)
                assert (np.all(d_ids[d_triangles[:, 0]].astype(np.int64) == np.array(key), axis=1).sum()
                        == np.array([keys[t] == key for t in triangles[:, 0]]).sum()), (d, key)
            attrs = attributes(draco)
            position = draco.accessors[attrs["POSITION"]]
            assert all(draco.accessors[i].count == len(d_positions) for i in attrs.values())
            assert draco.accessors[primitive(draco).indices].count == 3 * len(d_triangles)
            local = d_positions - np.array(draco.nodes[0].translation)
            assert np.allclose(position.min, local.min(axis=0), atol=1e-4)
            assert np.allclose(position.max, local.max(axis=0), atol=1e-4)
            assert Tile.open(d).property_table() == Tile.open(p).property_table()
            checked += 1
    assert checked >= 6
    report = json.loads((exports["draco"] / REPORT_NAME).read_text())
    assert 0 < report["compression"]["max_quantization_error_m"] <= TOLERANCE


def test_draco_is_smaller(exports):
    size = {n: sum(p.stat().st_size for p in glbs(exports[n])) for n in ("qgis", "draco", "cesium")}
    assert size["draco"] < size["qgis"] / 2, size


def test_draco_b3dm_carries_the_batch_ids(exports):
    for path in glbs(exports["draco_b3dm"], "b3dm"):
        gltf = load(path)
        ext = primitive(gltf).extensions[DRACO]
        assert set(ext["attributes"]) == {"POSITION", "NORMAL", "_BATCHID"} and gltf.extensionsRequired == [DRACO]
        _, triangles, ids, _ = draco_mesh(gltf)
        length = Tile.open(path).batch_length
        assert len(triangles) and set(np.unique(ids).astype(int)) == set(range(length)), path


def test_draco_bits_bound_the_error():
    rng = np.random.default_rng(7)
    points = rng.random((2000, 3)) * np.array([700.0, 40.0, 650.0]) - 350
    bits, bound = draco_bits(points, 0.01)
    assert 11 <= bits <= 30 and bound <= 0.01
    mesh = DracoPy.decode(DracoPy.encode(points, np.arange(1998).reshape(-1, 3), quantization_bits=bits,
                                         preserve_order=True))
    assert np.linalg.norm(np.asarray(mesh.points) - points, axis=1).max() <= bound
    assert draco_bits(points, 1e-9)[0] == 30 and draco_bits(points[:1], 0.01)[0] == 11


# ---------------------------------------------------------------- errors

def test_unknown_target_and_draco_for_cesium_are_refused(twin, tmp_path):
    with pytest.raises(GeoTwinError, match="unknown target client 'web'"):
        export_3dtiles(twin, tmp_path / "a", ExportOptions(target="web"), CollectingReporter())
    with pytest.raises(GeoTwinError, match="Draco compression .* is for target qgis"):
        ExportOptions(draco=True).check()
    assert not (tmp_path / "a").exists()


def test_implicit_tiling_for_qgis_is_warned_about(twin, tmp_path):
    reporter = CollectingReporter()
    export_3dtiles(twin, tmp_path / "implicit", ExportOptions(target="qgis", implicit=True, viewer=False), reporter)
    assert [w for w in reporter.warnings if "reads no implicit tiling" in w] == [QGIS_IMPLICIT]
    reporter = CollectingReporter()
    export_3dtiles(twin, tmp_path / "explicit", ExportOptions(target="qgis", viewer=False), reporter)
    assert not [w for w in reporter.warnings if "implicit" in w]


def test_missing_dracopy_is_named(twin, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "DracoPy", None)   # import DracoPy now raises ImportError, as without it
    with pytest.raises(GeoTwinError, match="needs the DracoPy package.*pip install"):
        export_3dtiles(twin, tmp_path / "a", ExportOptions(target="qgis", draco=True), CollectingReporter())
    positions = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0]])
    with pytest.raises(GeoTwinError, match="needs the DracoPy package"):
        build_glb(positions, np.tile([0.0, 0, 1], (3, 1)), np.arange(3).reshape(1, 3),
                  [FeatureSet(np.zeros(3, np.int64), "building")], translation=np.zeros(3), metadata=False,
                  quantize=False, draco=True)
    ExportOptions(target="qgis").check()   # without Draco the QGIS target needs no DracoPy


@pytest.mark.parametrize("name", ["cesium", "qgis", "draco", "qgis_surface", "draco_surface", "draco_b3dm"])
def test_structure_of_the_qgis_and_draco_exports(exports, name):
    """The checks of tests/twin/tiles/tiles_structure.py (what CI has where the official validator is not built)
    on every target's tileset: buffer views inside their buffers, property tables of the right lengths, feature
    counts equal to their table's."""
    assert ts.content_count(exports[name]) >= 1
    assert ts.check_export(exports[name]) == []


@pytest.mark.parametrize("name", ["qgis", "draco", "draco_surface", "draco_b3dm"])
def test_official_3dtiles_validator_accepts_the_qgis_and_draco_exports(exports, name, tmp_path):
    """The official 3D Tiles validator (scripts/validator.sh, .tools/3d-tiles-validator) on the QGIS target's
    tilesets, Draco ones included: 0 errors, 0 warnings; skipped, with the reason, only when it is not built."""
    validator = ROOT / "scripts" / "validator.sh"
    report = tmp_path / "report.json"
    proc = subprocess.run([str(validator), str(exports[name] / "tileset.json"), str(report)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode == 3:
        pytest.skip(f"the official 3D Tiles validator is not built (scripts/build-validator.sh): {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(report.read_text())
    assert (result["numErrors"], result["numWarnings"]) == (0, 0), json.dumps(result["issues"], indent=1)[:4000]
