"""Exports that the official 3D Tiles validator accepts (0 errors, 0 warnings).

(a) Always: the independent structural checker of tests/twin/tiles/tiles_structure.py (property table buffer view lengths
    against count / offsets / types, every class property present, subtrees, b3dm batch tables) on the
    district twin (BIM detail tiles, learning islands, sensors; 3D Tiles 1.1 explicit, implicit, per surface,
    1.0), Hamburg, Den Haag, a Den Haag derivative with hostile attribute columns (all-empty strings, all-null,
    a string present in a few tiles only, NaN, booleans, int64, lists of strings, Unicode), and incremental
    re-exports. This is what would have caught METADATA_INVALID_LENGTH (a 0-byte string column padded to 1).
(b) The official validator (CesiumGS/3d-tiles-validator) through scripts/validator.sh on the same exports:
    skipped only when it is not built (scripts/build-validator.sh), which the skip reason says.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from osgeo import ogr

from geotwin.tests.paths import ROOT
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.export import LOD1_CLASS, REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.reader import Tile

VALIDATOR = ROOT / "scripts" / "validator.sh"
HAMBURG = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
DENHAAG = "cityjson/denhaag/DenHaag_01_v2.0_derived.city.json"
SPARSE = 5  # building parts (first by id) that have a "sparse" value; every other part has ""


def _structure():
    spec = importlib.util.spec_from_file_location("tiles_structure", Path(__file__).with_name("tiles_structure.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ts = _structure()


def hostile_cityjson(source: Path, target: Path, edit: bool = False) -> dict:
    """Den Haag with attribute columns that broke or could break property tables; returns the expected
    values of the building parts by id. ``edit``: one more part has an ``external_id`` (a re-export)."""
    doc = json.loads(source.read_text("utf-8"))
    parts = sorted(k for k, o in doc["CityObjects"].items() if o["type"] == "BuildingPart")
    expected = {}
    for i, key in enumerate(parts):
        attrs = doc["CityObjects"][key].setdefault("attributes", {})
        attrs.update({
            "empty_everywhere": "",                       # a string column without any value
            "null_everywhere": None,                      # a column of nulls only
            # STRING (an identifier, as parent_id): present in one or two tiles, all empty in the others
            "external_id": f"Wert {i} ü" if i < SPARSE or (edit and i == SPARSE) else "",
            "sparse": f"code {i}" if i < SPARSE else None,  # ENUM, missing in most tiles
            "flag": i % 2 == 0,                           # BOOLEAN (no missing value)
            "big": 2**40 + i if i % 4 else -(2**62),      # INT64
            "ratio": float("nan") if i % 3 == 0 else i / 7,  # NaN: missing
            "tags": ["a", "b", str(i)],                   # a list of strings: JSON text
            "series": [1.5, float("nan"), float("-inf")],  # a list with NaN: strict JSON text
            "unicode": "Straße 東京 \u00e9",
        })
        expected[key] = attrs
    for obj in doc["CityObjects"].values():
        if obj["type"] == "Building":                     # parents without geometry: containers
            obj.setdefault("attributes", {}).update({"empty_everywhere": "", "null_everywhere": None,
                                                     "flag": False})  # BOOLEAN needs a value everywhere
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc), encoding="utf-8")   # NaN written as the JSON extension NaN
    return expected


@pytest.fixture(scope="module")
def sources(shared_data, tmp_path_factory, run_alg, district_sources) -> dict:
    out = tmp_path_factory.mktemp("validity_src")
    gpkgs = {}
    for name, rel in (("hamburg", HAMBURG), ("denhaag", DENHAAG)):
        gpkgs[name] = out / f"{name}.gpkg"
        import_citymodel([shared_data / rel], gpkgs[name], None, "highest", CollectingReporter())
    expected = hostile_cityjson(shared_data / DENHAAG, out / "hostile.city.json")
    hostile_cityjson(shared_data / DENHAAG, out / "edited" / "hostile.city.json", edit=True)
    for name, path in (("hostile", out / "hostile.city.json"), ("hostile_edited", out / "edited" / "hostile.city.json")):
        gpkgs[name] = out / f"{name}.gpkg"
        import_citymodel([path], gpkgs[name], None, "highest", CollectingReporter())
    inputs = district_sources(out, 40)
    gpkgs["twin"] = Path(run_alg("geotwin:buildtwin", {**inputs, "OUTPUT": str(out / "twin.gpkg")})["OUTPUT"])
    # the twin with NaN / Infinity in the attributes JSON of its islands and sensors (Python's json writes them)
    gpkgs["twin_nan"] = out / "twin_nan.gpkg"
    shutil.copyfile(gpkgs["twin"], gpkgs["twin_nan"])
    nan = json.dumps({"level": float("nan"), "peak": [1.5, float("inf")]}).replace("'", "''")
    ds = ogr.Open(str(gpkgs["twin_nan"]), 1)   # GDAL: the GeoPackage's triggers need its ST_ functions
    for table in ("learning_islands", "sensors"):
        ds.ExecuteSQL(f"UPDATE {table} SET attributes = '{nan}'")
    ds = None
    return {"gpkgs": gpkgs, "hostile": expected}


RUNS = {
    "twin_1.1": ("twin", {}),
    "twin_1.0": ("twin", {"format": "1.0"}),
    "twin_implicit": ("twin", {"implicit": True, "leaf_max_buildings": 10}),
    "twin_surface": ("twin", {"features": "surface", "leaf_max_buildings": 10}),
    "twin_nan": ("twin_nan", {}),
    "hamburg_1.1": ("hamburg", {"leaf_max_buildings": 12}),
    "hamburg_1.0": ("hamburg", {"format": "1.0", "leaf_max_buildings": 12}),
    "hamburg_implicit": ("hamburg", {"implicit": True, "leaf_max_buildings": 20}),
    "hamburg_surface_plain": ("hamburg", {"features": "surface", "compression": False}),
    "denhaag_1.1": ("denhaag", {}),
    "denhaag_1.0": ("denhaag", {"format": "1.0"}),
    "denhaag_implicit": ("denhaag", {"implicit": True, "leaf_max_buildings": 40}),
    "hostile_1.1": ("hostile", {"leaf_max_buildings": 20}),
    "hostile_1.0": ("hostile", {"format": "1.0", "leaf_max_buildings": 20}),
    "hostile_implicit": ("hostile", {"implicit": True, "leaf_max_buildings": 20}),
    "hostile_surface": ("hostile", {"features": "surface", "leaf_max_buildings": 40}),
}
#: re-exports into a folder holding an earlier export: (first source, second source, options)
INCREMENTAL = {
    "hostile_edited": ("hostile", "hostile_edited", {"leaf_max_buildings": 20}),
    "hostile_edited_implicit": ("hostile", "hostile_edited", {"implicit": True, "leaf_max_buildings": 20}),
    "twin_again": ("twin", "twin", {}),
}
NAMES = [*RUNS, *INCREMENTAL]


@pytest.fixture(scope="module")
def exports(sources, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("validity")
    gpkgs = sources["gpkgs"]
    folders = {}
    for name, (src, opts) in RUNS.items():
        folders[name] = export_3dtiles(gpkgs[src], out / name, ExportOptions(viewer=src.startswith("twin"), **opts),
                                       CollectingReporter()).output
    for name, (first, second, opts) in INCREMENTAL.items():
        export_3dtiles(gpkgs[first], out / name, ExportOptions(**opts), CollectingReporter())
        result = export_3dtiles(gpkgs[second], out / name, ExportOptions(**opts), CollectingReporter())
        inc = result.report["incremental"]
        assert inc["reused"] and (inc["rewritten"] or first == second), name  # tiles reused (and rewritten)
        folders[name] = result.output
    return folders


# ---------------------------------------------------------------- (a) structural checker, always

@pytest.mark.parametrize("name", NAMES)
def test_structure_of_every_content_file(exports, name):
    folder = exports[name]
    assert ts.content_count(folder) >= 1
    assert ts.check_export(folder) == []


def test_twin_exports_hold_bim_islands_and_sensors(exports):
    """The district's twin content is in the exports the checker passed (not a city model alone)."""
    for name in ("twin_1.1", "twin_implicit", "twin_surface", "twin_again"):
        report = json.loads((exports[name] / REPORT_NAME).read_text())
        assert report["twin"]["bim_tiles"] and {t["layer"] for t in report["twin"]["point_tiles"]} == \
            {"learning_islands", "sensors"}, name


def test_nan_attributes_of_islands_and_sensors(exports):
    """NaN and infinities in the attributes JSON are missing values in the tiles and null in the GeoJSON the
    viewer loads (a browser's JSON.parse rejects NaN)."""
    folder = exports["twin_nan"]
    for name, cls in (("islands.geojson", "island"), ("sensors.geojson", "sensor")):
        doc = ts.strict_json((folder / name).read_text("utf-8"))
        assert doc["features"]
        for feature in doc["features"]:
            assert feature["properties"]["attributes"] == {"level": None, "peak": [1.5, None]}
        uri = f"tiles/points/{'learning_islands' if cls == 'island' else 'sensors'}.glb"
        table = Tile.open(folder / uri).property_table()   # attributes kept as (strict) JSON text
        assert [ts.strict_json(v) for v in table["attributes"]] == [{"level": None, "peak": [1.5, None]}] * \
            len(doc["features"])


def test_hostile_columns_round_trip(exports, sources):
    """All-empty and all-null columns are in every table (as missing), the sparse string is missing in the
    tiles without it and exact in the others, NaN is missing, the rest typed."""
    expected = sources["hostile"]
    folder = exports["hostile_1.1"]
    report = json.loads((folder / REPORT_NAME).read_text())
    seen = {}
    external_missing_tiles = sparse_missing_tiles = 0
    lod1_tiles = 0
    for t in report["tiles"]:
        tile = Tile.open(folder / t["uri"])
        meta = tile.gltf["extensions"]["EXT_structural_metadata"]
        if meta["propertyTables"][0]["class"] == LOD1_CLASS:
            lod1_tiles += 1
            continue
        table = tile.property_table()
        assert set(table["empty_everywhere"]) == {None} and set(table["null_everywhere"]) == {None}
        external_missing_tiles += set(table["external_id"]) == {None}
        sparse_missing_tiles += set(table["sparse"]) == {None}
        for i, bid in enumerate(table["id"]):
            if bid in expected:
                seen[bid] = {k: v[i] for k, v in table.items()}
    # the cases that broke: LoD1 subsets of the class, a string column all empty in a tile
    assert lod1_tiles >= 1 and external_missing_tiles >= 1 and sparse_missing_tiles >= 1
    assert set(seen) == set(expected)
    for bid, attrs in expected.items():
        got = seen[bid]
        assert got["external_id"] == (attrs["external_id"] or None) and got["sparse"] == attrs["sparse"]
        assert got["flag"] is attrs["flag"] and got["big"] == attrs["big"] and got["unicode"] == attrs["unicode"]
        assert got["ratio"] == (None if math.isnan(attrs["ratio"]) else attrs["ratio"])
        assert json.loads(got["tags"]) == attrs["tags"]
        assert ts.strict_json(got["series"]) == [1.5, None, None]
    schema = json.loads((folder / "metadata_schema.json").read_text())
    props = {p["name"]: p for p in schema["classes"]["building"]["properties"].values()}
    assert props["flag"]["type"] == "BOOLEAN" and props["big"]["componentType"] == "INT64"
    assert props["ratio"]["componentType"] == "FLOAT64" and props["tags"]["type"] == "STRING"
    assert props["external_id"]["type"] == "STRING" and props["sparse"]["type"] == "ENUM"
    assert props["empty_everywhere"]["type"] == props["null_everywhere"]["type"] == "STRING"


def test_b3dm_batch_tables_hold_the_hostile_columns(exports, sources):
    folder = exports["hostile_1.0"]
    expected = sources["hostile"]
    found = 0
    for path in sorted((folder / "tiles").rglob("*.b3dm")):
        table = Tile.open(path).batch_table
        for i, bid in enumerate(table["id"]):
            if bid in expected:
                found += 1
                assert table["empty_everywhere"][i] == "" and table["null_everywhere"][i] is None  # as given
                assert table["ratio"][i] is None if math.isnan(expected[bid]["ratio"]) else \
                    table["ratio"][i] == expected[bid]["ratio"]
    assert found >= len(expected)   # LoD2 leaves hold each part once (LoD1 blocks add more)


def test_checker_finds_the_reported_faults(exports, tmp_path):
    """The checker is not vacuous: the two faults the official validator reported on earlier exports,
    rebuilt in a copy of a real tile, are found."""
    folder = tmp_path / "broken"
    shutil.copytree(exports["hostile_1.1"], folder)
    path = next(p for p in sorted((folder / "tiles").rglob("*.glb")))
    gltf, binary = ts.parse_glb(path.read_bytes())
    table = gltf["extensions"]["EXT_structural_metadata"]["propertyTables"][0]
    schema = json.loads((folder / "metadata_schema.json").read_text())
    pid = next(k for k, p in schema["classes"][table["class"]]["properties"].items() if p["type"] == "STRING")
    entry = table["properties"][pid]
    count = table["count"]
    # (1) METADATA_INVALID_LENGTH: a string column whose strings are all empty, its values view padded to 1 byte
    offsets_view = gltf["bufferViews"][entry["stringOffsets"]]
    size = 2 if entry.get("stringOffsetType") == "UINT16" else 4
    binary = bytearray(binary)
    start = offsets_view.get("byteOffset", 0)
    binary[start:start + (count + 1) * size] = bytes((count + 1) * size)
    gltf["bufferViews"][entry["values"]]["byteLength"] = 1
    # (2) a class property left out of the table (the 3D Tiles tools cannot read it)
    dropped = next(k for k in table["properties"] if k != pid)
    del table["properties"][dropped]
    js = json.dumps(gltf).encode()
    js += b" " * (-len(js) % 4)
    body = bytes(binary)
    data = (b"glTF" + (2).to_bytes(4, "little") + (28 + len(js) + len(body)).to_bytes(4, "little")
            + len(js).to_bytes(4, "little") + b"JSON" + js + len(body).to_bytes(4, "little") + b"BIN\0" + body)
    path.write_bytes(data)
    problems = ts.check_export(folder)
    name = str(path.relative_to(folder))
    assert any(p.startswith(f"{name}: propertyTables[0]/properties/{pid}/values: byteLength 1, but the last "
                            "string offset is 0") for p in problems), problems
    assert f"{name}: propertyTables[0]: class property {dropped!r} has no values in the table" in problems


def test_checker_passes_the_validator_reference_tileset(shared_data):
    """The reference implicit tileset of the official validator's own specs (valid) passes the checker."""
    folder = shared_data / "3dtiles-reference" / "SparseImplicitQuadtree"
    assert ts.content_count(folder) > 5
    assert ts.check_export(folder) == []


# ---------------------------------------------------------------- (b) the official validator

def run_validator(tileset: Path, report: Path) -> dict:
    proc = subprocess.run([str(VALIDATOR), str(tileset), str(report)], capture_output=True, text=True, timeout=600)
    if proc.returncode == 3:
        pytest.skip("the official 3D Tiles validator is not built (scripts/build-validator.sh, or set "
                    f"GEOTWIN_VALIDATOR_DIR): {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    return json.loads(report.read_text())


def _issues(report: dict) -> list[str]:
    out = []

    def walk(issues, depth=0):
        for i in issues:
            if i["severity"] in ("ERROR", "WARNING"):
                out.append(f"{'  ' * depth}{i['severity']} {i['type']} {i.get('path', '')}: {i['message']}")
            walk(i.get("causes", []), depth + 1)

    walk(report.get("issues", []))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_official_validator_accepts_the_export(exports, name, tmp_path):
    report = run_validator(exports[name] / "tileset.json", tmp_path / "report.json")
    assert (report["numErrors"], report["numWarnings"]) == (0, 0), "\n".join(_issues(report))


def test_official_validator_reports_errors_in_the_invalid_reference(shared_data, tmp_path):
    """The harness is not vacuous: the validator's own invalid reference tileset gives errors."""
    report = run_validator(shared_data / "3dtiles-reference" / "TilesetOfTilesetsWithError" / "tileset.json",
                           tmp_path / "report.json")
    assert report["numErrors"] > 0


def test_validator_script_exits_3_when_not_built(tmp_path):
    env = {**os.environ, "GEOTWIN_VALIDATOR_DIR": str(tmp_path / "nothing")}
    (tmp_path / "tileset.json").write_text("{}")
    proc = subprocess.run([str(VALIDATOR), str(tmp_path / "tileset.json"), str(tmp_path / "r.json")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 3
    assert "not built" in proc.stderr and "build-validator.sh" in proc.stderr
    assert not (tmp_path / "r.json").exists()
    proc = subprocess.run([str(VALIDATOR), str(tmp_path / "tileset.json")], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "usage" in proc.stderr
