"""3D Tiles export on real city models (FZK-Haus, Hamburg): validity, placement, attributes, sizes, atomicity."""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import jsonschema
import numpy as np
import pyogrio
import pytest
from lxml import etree
from pyproj import Transformer

from geotwin.tests.paths import ROOT
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import Cancelled
from geotwin.twin.kernel.heights import Georeferencer, resolve_height_model
from geotwin.twin.kernel.progress import CollectingReporter, Reporter
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.frame import gltf_to_enu
from geotwin.twin.tiles.reader import Tile
from geotwin.twin.tiles.subtree import morton, read_subtree

FZK_LOD2 = "citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"
HAMBURG = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
VALIDATE_JS = """
const v = require('gltf-validator'); const fs = require('fs');
(async () => { const out = {};
  for (const f of JSON.parse(fs.readFileSync(0, 'utf8'))) {
    const r = await v.validateBytes(new Uint8Array(fs.readFileSync(f)), {maxIssues: 100});
    out[f] = {errors: r.issues.numErrors,
              messages: r.issues.messages.filter(m => m.severity === 0).map(m => m.code + ' ' + m.message + ' ' + (m.pointer || ''))};
  }
  console.log(JSON.stringify(out)); })();
"""


# ---------------------------------------------------------------- helpers

def gltf_validate(paths: list[Path]) -> dict:
    """The Khronos glTF validator (npm gltf-validator) on each file: {path: {errors, messages}}."""
    proc = subprocess.run(["node", "-e", VALIDATE_JS], input=json.dumps([str(p) for p in paths]),
                          capture_output=True, text=True, cwd=ROOT, check=True, timeout=300)
    return json.loads(proc.stdout)


def schema_validator(shared: Path, name: str) -> jsonschema.Draft202012Validator:
    folder = shared / "3dtiles-schema"
    store = {p.as_uri(): json.loads(p.read_text()) for p in folder.rglob("*.json")}
    schema = store[(folder / name).as_uri()]
    resolver = jsonschema.RefResolver(base_uri=(folder / name).as_uri(), referrer=schema, store=store)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def tiles_of(tileset: dict) -> list[tuple[dict, list[dict]]]:
    """Every explicit tile with the chain of its ancestors."""
    out = []

    def walk(tile, chain):
        out.append((tile, chain))
        for c in tile.get("children", []):
            walk(c, chain + [tile])

    walk(tileset["root"], [])
    return out


def root_matrix(tileset: dict) -> np.ndarray:
    return np.array(tileset["root"]["transform"]).reshape(4, 4).T


def enu_of(tile: Tile) -> np.ndarray:
    return gltf_to_enu(tile.positions())


def to_ecef(tileset: dict, enu: np.ndarray) -> np.ndarray:
    m = root_matrix(tileset)
    return enu @ m[:3, :3].T + m[:3, 3]


def in_box(box: list[float], pts: np.ndarray, tol: float = 1e-4) -> bool:
    c = np.array(box[:3])
    axes = np.array(box[3:]).reshape(3, 3)
    d = pts - c
    for a in axes:
        half = np.linalg.norm(a)
        if np.any(np.abs(d @ (a / half)) > half + tol):
            return False
    return True


def gml_coordinates(path: Path) -> np.ndarray:
    """Every posList/pos coordinate of a CityGML file, read independently of the importer."""
    tree = etree.parse(str(path))
    values = []
    for el in tree.iter("{http://www.opengis.net/gml}posList", "{http://www.opengis.net/gml}pos"):
        values.extend(float(v) for v in el.text.split())
    return np.array(values).reshape(-1, 3)


def files_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def gpkgs(shared_data, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("gpkg")
    paths = {}
    for name, rel in (("fzk", FZK_LOD2), ("hamburg", HAMBURG)):
        paths[name] = out / f"{name}.gpkg"
        import_citymodel([shared_data / rel], paths[name], None, "2", CollectingReporter())
    return paths


@pytest.fixture(scope="module")
def exports(gpkgs, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("tiles")
    runs = {
        "fzk": (gpkgs["fzk"], ExportOptions(viewer=False)),
        "hamburg": (gpkgs["hamburg"], ExportOptions()),
        "hamburg_plain": (gpkgs["hamburg"], ExportOptions(compression=False, viewer=False)),
        "hamburg_surface": (gpkgs["hamburg"], ExportOptions(features="surface", viewer=False)),
        "hamburg_b3dm": (gpkgs["hamburg"], ExportOptions(format="1.0", viewer=False)),
        "hamburg_implicit": (gpkgs["hamburg"], ExportOptions(implicit=True, viewer=False, leaf_max_buildings=20)),
        # small leaves so that LoD1 parents and several levels appear on one real tile
        "hamburg_deep": (gpkgs["hamburg"], ExportOptions(viewer=False, leaf_max_buildings=12)),
    }
    return {name: export_3dtiles(src, out / name, opts, CollectingReporter()).output
            for name, (src, opts) in runs.items()}


def content_files(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "tiles").rglob("*") if p.suffix in (".glb", ".b3dm"))


# ---------------------------------------------------------------- tests

def test_every_glb_passes_the_gltf_validator(exports, tmp_path):
    files = []
    for name, folder in exports.items():
        for i, path in enumerate(content_files(folder)):
            if path.suffix == ".b3dm":  # the embedded GLB
                plain = tmp_path / f"{name}_{i}_b3dm.glb"
                plain.write_bytes(Tile.open(path).plain_glb())
                files.append(plain)
                continue
            files.append(path)
            tile = Tile.open(path)
            if tile.compressed:  # the validator cannot decode meshopt: also check the decoded data
                plain = tmp_path / f"{name}_{i}_decoded.glb"
                plain.write_bytes(tile.plain_glb())
                files.append(plain)
    assert len(files) > 20
    report = gltf_validate(files)
    failures = {f: r["messages"] for f, r in report.items() if r["errors"]}
    assert not failures
    assert len(report) == len(files)


def test_tileset_and_subtrees_valid_against_3dtiles_schemas(exports, shared_data):
    tileset_v = schema_validator(shared_data, "tileset.schema.json")
    subtree_v = schema_validator(shared_data, "Subtree/subtree.schema.json")
    for name, folder in exports.items():
        tileset = json.loads((folder / "tileset.json").read_text())
        assert not [e.message for e in tileset_v.iter_errors(tileset)], name
        for sub in (folder / "subtrees").rglob("*.subtree") if (folder / "subtrees").exists() else []:
            doc, _ = read_subtree(sub.read_bytes())
            assert not [e.message for e in subtree_v.iter_errors(doc)], sub
    # py3dtiles reads the explicit tilesets back
    from py3dtiles.tileset.tileset import TileSet

    for name in ("hamburg", "hamburg_deep", "hamburg_b3dm"):
        parsed = TileSet.from_file(exports[name] / "tileset.json")
        report = json.loads((exports[name] / REPORT_NAME).read_text())
        assert sum(1 for t in parsed.root_tile.get_all_children() if t.has_content()) + \
            parsed.root_tile.has_content() == report["sizes"]["tiles"]
    # the validator really checks: a broken tileset fails
    broken = json.loads((exports["hamburg"] / "tileset.json").read_text())
    broken["root"]["geometricError"] = -1
    assert list(tileset_v.iter_errors(broken))


def test_bounding_volumes_contain_content_and_errors_decrease(exports):
    for name in ("fzk", "hamburg", "hamburg_plain", "hamburg_deep", "hamburg_b3dm", "hamburg_surface"):
        folder = exports[name]
        tileset = json.loads((folder / "tileset.json").read_text())
        levels = set()
        for tile, chain in tiles_of(tileset):
            kids = tile.get("children", [])
            if not kids:
                assert tile["geometricError"] == 0
            for c in kids:
                assert tile["geometricError"] >= c["geometricError"]
            assert tileset["geometricError"] >= tileset["root"]["geometricError"]
            if "content" in tile:
                pts = enu_of(Tile.open(folder / tile["content"]["uri"]))
                for holder in [tile, *chain]:
                    assert in_box(holder["boundingVolume"]["box"], pts), (name, tile["content"]["uri"])
                levels.add(tile["content"]["uri"].split("/")[1])
        if name == "hamburg_deep":
            assert len(levels) >= 2


def test_lod1_blocks_at_coarse_levels_lod2_at_leaves(exports, gpkgs):
    folder = exports["hamburg_deep"]
    report = json.loads((folder / REPORT_NAME).read_text())
    kinds = {t["kind"] for t in report["tiles"]}
    assert kinds == {"lod1", "lod2"}
    assert all(t["leaf"] == (t["kind"] == "lod2") for t in report["tiles"])
    # every building is in exactly one leaf, and in at most one LoD1 tile (those up to 700 m wide)
    n = report["buildings"]
    assert sum(t["buildings"] for t in report["tiles"] if t["kind"] == "lod2") == n
    assert 0 < sum(t["buildings"] for t in report["tiles"] if t["kind"] == "lod1") <= n
    # a LoD1 block of a box-like building: 2 triangles per wall + the top
    for t in report["tiles"]:
        if t["kind"] == "lod1":
            tile = Tile.open(folder / t["uri"])
            ids = tile.feature_ids()
            assert len(np.unique(ids)) == t["buildings"]


def test_fzk_haus_lands_at_kit_campus_north_within_a_centimetre(exports, gpkgs, shared_data):
    folder = exports["fzk"]
    tileset = json.loads((folder / "tileset.json").read_text())
    [path] = content_files(folder)
    ecef = to_ecef(tileset, enu_of(Tile.open(path)))
    lon, lat, h = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(*ecef.T)
    # KIT Campus North, Eggenstein-Leopoldshafen: about 49.10 N, 8.43 E
    assert 49.09 < lat.mean() < 49.11 and 8.41 < lon.mean() < 8.44
    # independently: the GML's own coordinates (ETRS89 / UTM 32N) to geographic
    src = gml_coordinates(shared_data / FZK_LOD2)
    glon, glat = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform(src[:, 0], src[:, 1])
    assert abs(lat.mean() - glat.mean()) < 2e-4 and abs(lon.mean() - glon.mean()) < 2e-4
    # every tile vertex transforms back onto a source vertex within 1 cm
    report = json.loads((folder / REPORT_NAME).read_text())
    assert report["height_model"]["method"] in ("egm96", "grid", "proj")
    model = resolve_height_model("EPSG:25832", "EPSG:5783", report["height_model"]["method"]
                                 if report["height_model"]["method"] != "proj" else "auto")
    back = Georeferencer("EPSG:25832", model).from_ecef(ecef)
    dist = np.linalg.norm(back[:, None, :] - src[None, :, :], axis=2).min(axis=1)
    assert dist.max() < 0.01
    # the ellipsoidal height is the normal height plus the undulation (not the ballpark's 0)
    assert 150 < h.min() < 160  # about 110 m DHHN92 + 48 m


def test_hamburg_vertices_round_trip_to_source_within_a_centimetre(exports, gpkgs):
    folder = exports["hamburg"]
    tileset = json.loads((folder / "tileset.json").read_text())
    report = json.loads((folder / REPORT_NAME).read_text())
    geo = Georeferencer("EPSG:25832", resolve_height_model("EPSG:25832", "EPSG:7837",
                                                           report["height_model"]["method"]))
    frame = pyogrio.read_dataframe(gpkgs["hamburg"], layer="building_surfaces")
    import shapely

    src = shapely.get_coordinates(frame.geometry.values, include_z=True)
    for t in report["tiles"]:
        if t["kind"] != "lod2":
            continue
        back = geo.from_ecef(to_ecef(tileset, enu_of(Tile.open(folder / t["uri"]))))
        for chunk in np.array_split(back, max(1, len(back) // 500)):
            d = np.linalg.norm(chunk[:, None, :] - src[None, :, :], axis=2).min(axis=1)
            assert d.max() < 0.01


def test_quantisation_error_within_a_centimetre(exports):
    compressed, plain = exports["hamburg"], exports["hamburg_plain"]
    report = json.loads((compressed / REPORT_NAME).read_text())
    assert report["compression"]["KHR_mesh_quantization"]
    assert report["compression"]["max_quantization_error_m"] <= 0.01
    compared = 0
    for path in content_files(compressed):
        a = Tile.open(path)
        b = Tile.open(plain / path.relative_to(compressed))
        assert "KHR_mesh_quantization" in a.gltf["extensionsUsed"] or report["compression"]["float_tiles"]
        np.testing.assert_array_equal(canonical(a.triangles()), canonical(b.triangles()))
        err = np.linalg.norm(a.positions() - b.positions(), axis=1).max()
        assert err <= 0.01
        na = a.accessor(a.primitive()["attributes"]["NORMAL"])
        nb = b.accessor(b.primitive()["attributes"]["NORMAL"])
        assert np.abs(na - nb).max() < 0.01
        compared += 1
    assert compared == report["sizes"]["tiles"]
    assert sum(p.stat().st_size for p in content_files(compressed)) < \
        0.7 * sum(p.stat().st_size for p in content_files(plain))


def canonical(tris: np.ndarray) -> np.ndarray:
    """Triangles rotated to start at their smallest index (meshopt's index codec may rotate them)."""
    k = np.argmin(tris, axis=1)
    return np.stack([tris[np.arange(len(tris)), (k + i) % 3] for i in range(3)], axis=1)


def _gpkg_rows(path: Path) -> dict[str, dict]:
    df = pyogrio.read_dataframe(path, layer="buildings", read_geometry=False)
    return {r["id"]: r for r in df.to_dict("records")}


def _same(expected, got) -> bool:
    if expected is None or expected == "" or (isinstance(expected, float) and np.isnan(expected)):
        return got in (None, "")
    if isinstance(expected, (list, dict)):
        return json.loads(got) == expected
    if isinstance(expected, float) and isinstance(got, int):
        return expected == got
    if isinstance(expected, bool):
        return got == expected
    if isinstance(expected, (int, float)) and not isinstance(got, str):
        return float(expected) == float(got)
    return str(expected) == str(got)


def test_attributes_round_trip_gpkg_to_tiles(exports, gpkgs):
    expected = _gpkg_rows(gpkgs["hamburg"])
    for name in ("hamburg", "hamburg_b3dm", "hamburg_deep"):
        folder = exports[name]
        report = json.loads((folder / REPORT_NAME).read_text())
        seen: dict[str, dict] = {}
        blocks: dict[str, dict] = {}
        for t in report["tiles"]:
            table = Tile.open(folder / t["uri"]).property_table()
            for i, bid in enumerate(table["id"]):
                (blocks if t["kind"] == "lod1" else seen)[bid] = {k: v[i] for k, v in table.items()}
        # LoD1 blocks carry the attributes for styling and a first click, equal to the LoD2 tiles' values
        for bid, row in blocks.items():
            assert {k: v for k, v in row.items() if v is not None}.items() <= seen[bid].items()
            assert row["function"] == seen[bid]["function"]
        assert set(seen) == set(expected), name  # every building and part, incl. parts-only buildings
        checked = 0
        for bid, row in expected.items():
            got = seen[bid]
            for key, value in row.items():
                if key == "attributes":
                    attrs = json.loads(value) if value else {}
                    for k, v in attrs.items():
                        assert _same(v, got[k if k not in row else f"attributes.{k}"]), (bid, k)
                        checked += 1
                else:
                    assert _same(value, got[key]), (name, bid, key, value, got[key])
                    checked += 1
        assert checked > 118 * 20


def test_property_types_in_schema(exports):
    tile = Tile.open(content_files(exports["hamburg"])[0])
    assert tile.gltf["extensions"]["EXT_structural_metadata"]["schemaUri"].endswith("metadata_schema.json")
    props = tile.schema["classes"]["building"]["properties"]
    by_name = {p["name"]: p for p in props.values()}
    assert by_name["id"]["type"] == "STRING"
    assert by_name["function"]["type"] == "ENUM"  # few distinct codes: one byte per building
    assert {v["name"] for v in tile.schema["enums"][by_name["function"]["enumType"]]["values"]} >= {"31001_1010", "31001_2460"}
    assert by_name["roof_height"]["componentType"] == "FLOAT64"
    assert by_name["storeys_above_ground"]["componentType"] == "INT32"
    assert by_name["creationDate"]["type"] in ("STRING", "ENUM")  # a key of the attributes JSON
    assert by_name["externalReference"]["type"] == "STRING"  # a JSON list, kept as JSON text (all distinct)
    assert by_name["Gemeindeschluessel"]["type"] in ("STRING", "ENUM")
    features = tile.primitive()["extensions"]["EXT_mesh_features"]["featureIds"]
    assert features[0]["propertyTable"] == 0
    assert features[0]["featureCount"] == tile.gltf["extensions"]["EXT_structural_metadata"]["propertyTables"][0]["count"]


def test_per_surface_features(exports, gpkgs):
    folder = exports["hamburg_surface"]
    surfaces = pyogrio.read_dataframe(gpkgs["hamburg"], layer="building_surfaces", read_geometry=False)
    types = dict(zip(surfaces["id"], surfaces["surface_type"]))
    report = json.loads((folder / REPORT_NAME).read_text())
    total = 0
    for t in report["tiles"]:
        tile = Tile.open(folder / t["uri"])
        if t["kind"] == "lod1":  # blocks: building features only
            assert len(tile.primitive()["extensions"]["EXT_mesh_features"]["featureIds"]) == 1
            continue
        st = tile.property_table(1)
        ids = tile.feature_ids(1)
        assert ids.max() < len(st["id"])
        for sid, stype in zip(st["id"], st["surface_type"]):
            assert types[sid] == stype
        buildings = tile.property_table(0)
        # each surface feature's vertices belong to the building its row names
        b_ids = tile.feature_ids(0)
        for f in np.unique(ids)[:50]:
            owners = {buildings["id"][b] for b in np.unique(b_ids[ids == f])}
            assert owners == {st["building_id"][f]}
        total += len(st["id"])
    assert total == len(surfaces)


def test_b3dm_batch_table(exports, gpkgs):
    from py3dtiles.tileset.content import B3dm

    folder = exports["hamburg_b3dm"]
    tileset = json.loads((folder / "tileset.json").read_text())
    assert tileset["asset"]["version"] == "1.0"
    for path in content_files(folder):
        b3dm = B3dm.from_bytes(path.read_bytes())
        n = b3dm.body.feature_table.get_batch_length()
        tile = Tile.open(path)
        assert tile.feature_ids().max() < n
        assert len(tile.batch_table["id"]) == n


def test_implicit_tiling_subtrees(exports):
    folder = exports["hamburg_implicit"]
    tileset = json.loads((folder / "tileset.json").read_text())
    implicit = tileset["root"]["implicitTiling"]
    assert implicit["subdivisionScheme"] == "QUADTREE" and implicit["availableLevels"] >= 2
    root_box = tileset["root"]["boundingVolume"]["box"]
    doc, blob = read_subtree((folder / "subtrees/0/0/0.subtree").read_bytes())
    levels = implicit["subtreeLevels"]

    def bits(av, n):
        if "constant" in av:
            return np.full(n, av["constant"], np.uint8)
        v = doc["bufferViews"][av["bitstream"]]
        return np.unpackbits(np.frombuffer(blob[v["byteOffset"]:v["byteOffset"] + v["byteLength"]], np.uint8),
                             bitorder="little")[:n]

    n_tiles = (4 ** levels - 1) // 3
    content = bits(doc["contentAvailability"][0], n_tiles)
    tile_av = bits(doc["tileAvailability"], n_tiles)
    files = {p.relative_to(folder / "tiles").as_posix() for p in content_files(folder)}
    expected = set()
    for level in range(min(levels, implicit["availableLevels"])):
        for x in range(2 ** level):
            for y in range(2 ** level):
                i = (4 ** level - 1) // 3 + morton(x, y)
                if content[i]:
                    assert tile_av[i]
                    expected.add(f"{level}/{x}/{y}.glb")
                    # the implied box: the root box split in x and y
                    c, h = np.array(root_box[:3]), np.array([root_box[3], root_box[7], root_box[11]])
                    size = 2 * h[:2] / 2 ** level
                    lo = c[:2] - h[:2] + size * [x, y]
                    pts = enu_of(Tile.open(folder / "tiles" / f"{level}/{x}/{y}.glb"))
                    assert (pts[:, :2] >= lo - 1e-4).all() and (pts[:, :2] <= lo + size + 1e-4).all()
                    assert (pts[:, 2] >= c[2] - h[2] - 1e-4).all() and (pts[:, 2] <= c[2] + h[2] + 1e-4).all()
    assert expected == files


def test_report_and_asset_extras_name_the_height_method(exports):
    tileset = json.loads((exports["hamburg"] / "tileset.json").read_text())
    height = tileset["asset"]["extras"]["geotwin"]["heightModel"]
    assert height["method"] in ("egm96", "grid", "proj") and "ballpark" not in height["description"].lower()
    assert height["expectedErrorMetres"] > 0
    report = json.loads((exports["hamburg"] / REPORT_NAME).read_text())
    assert report["height_model"] == height
    assert (exports["hamburg"] / "viewer" / "index.html").is_file()


class _CancelAfter(Reporter):
    """Asks to stop after ``n`` cancel checks (the user pressing Cancel mid-export)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def is_cancelled(self) -> bool:
        self.n -= 1
        return self.n < 0


def test_cancelled_or_failed_export_leaves_previous_tileset_untouched(gpkgs, tmp_path):
    out = tmp_path / "tileset"
    export_3dtiles(gpkgs["hamburg"], out, ExportOptions(viewer=False, leaf_max_buildings=12))
    before = files_digest(out)
    assert "tileset.json" in before
    # cancelled while tiles are being written
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        export_3dtiles(gpkgs["hamburg"], out, ExportOptions(viewer=False, features="surface", leaf_max_buildings=12),
                       _CancelAfter(6))
    assert files_digest(out) == before
    # failed: the constant height method without a constant
    from geotwin.twin.kernel.errors import GeoTwinError

    with pytest.raises(GeoTwinError, match="^the constant height method needs a constant undulation in metres$"):
        export_3dtiles(gpkgs["hamburg"], out, ExportOptions(height_method="constant"))
    assert files_digest(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folders left
