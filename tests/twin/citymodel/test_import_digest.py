"""Row-for-row identity of the CityJSON / CityJSONSeq import with a reference kept in the repository.

The rows every layer of the import holds (every column but ``imported_at`` and ``source_file``, the geometry blob
byte for byte, floats to 10 significant digits) are hashed per input; ``import_digests.json`` holds the hashes of
the output of main at 492def8 (written before the writer's speed-ups; checked equal to main's GeoPackages with
scripts/import_identity.py). The inputs: every CityJSON file of ../shared/data and a generated 300-building sample
district as CityJSON and as CityJSONSeq. Independently of any reference, the district's two formats must give the
same rows, and its surfaces the vertices and polygons the JSON holds.
After an intended change of the output: ``python tests/twin/citymodel/test_import_digest.py`` prints the new digests
(check the change with scripts/import_identity.py first).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import shapely

from geotwin.tests.paths import SHARED_DATA

from .conftest import import_with_rd_fallback

DATA = SHARED_DATA if SHARED_DATA.exists() else Path("/work/shared/data")
CITYJSON = sorted((DATA / "cityjson").rglob("*.json"))
DIGESTS = json.loads((Path(__file__).with_name("import_digests.json")).read_text(encoding="utf-8"))
LAYERS = ("buildings", "building_surfaces", "footprints", "skipped_objects", "terrain")
IGNORED = {"imported_at", "source_file"}


def _import(path: Path, out: Path) -> Path:
    import_with_rd_fallback(path, out)
    return out


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"f{value:.10g}"
    if isinstance(value, bytes):
        return "b" + value.hex()
    return type(value).__name__ + repr(value)


def _rows(gpkg: Path) -> dict[str, list[list[str]]]:
    """Each layer's rows in fid order, every column but IGNORED as text (see _cell)."""
    out = {}
    with sqlite3.connect(gpkg) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
        for layer in LAYERS:
            if layer not in tables:
                continue
            names = [r[1] for r in con.execute(f'PRAGMA table_info("{layer}")') if r[1] not in IGNORED]
            query = "SELECT " + ", ".join(f'"{n}"' for n in names) + f' FROM "{layer}" ORDER BY fid'
            out[layer] = [[_cell(v) for v in row] for row in con.execute(query)]
    return out


def _digest(rows: dict[str, list[list[str]]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    from geotwin.twin.sample.generator import generate_district  # noqa: PLC0415

    folder = tmp_path_factory.mktemp("district")
    generate_district(folder, buildings=300, seed=3, formats=("cityjson", "cityjsonseq"))
    return folder


@pytest.mark.parametrize("path", CITYJSON, ids=lambda p: p.name)
def test_shared_cityjson_rows_equal_the_reference(path, tmp_path):
    rows = _rows(_import(path, tmp_path / "m.gpkg"))
    assert _digest(rows) == DIGESTS[f"cityjson/{path.relative_to(DATA / 'cityjson')}"]


def test_district_rows_equal_the_reference_and_both_formats_agree(district, tmp_path):
    json_rows = _rows(_import(district / "district.city.json", tmp_path / "a.gpkg"))
    seq_rows = _rows(_import(district / "district.city.jsonl", tmp_path / "b.gpkg"))
    assert _digest(json_rows) == DIGESTS["district-300-seed-3/district.city.json"]
    assert _digest(seq_rows) == DIGESTS["district-300-seed-3/district.city.jsonl"]
    assert len(json_rows["buildings"]) == len(json_rows["footprints"]) == 300
    assert len(json_rows["building_surfaces"]) > 300
    assert json_rows == seq_rows   # the same rows (source_file aside) from either format


def test_district_surfaces_are_the_polygons_of_the_json(district, tmp_path):
    """Independent of the import: each surface row is a polygon of the object's geometry in the file, in order,
    with the file's vertices (scaled and translated) as its exterior ring, and its type from the semantics."""
    doc = json.loads((district / "district.city.json").read_text(encoding="utf-8"))
    scale, shift = np.array(doc["transform"]["scale"]), np.array(doc["transform"]["translate"])
    vertices = np.array(doc["vertices"], dtype=float) * scale + shift
    expected = []
    for oid, obj in doc["CityObjects"].items():
        geom = max(obj["geometry"], key=lambda g: float(g["lod"]))
        shells = geom["boundaries"] if geom["type"] == "Solid" else [geom["boundaries"]]
        values = geom["semantics"]["values"] if geom["type"] == "Solid" else [geom["semantics"]["values"]]
        kinds = [s["type"] for s in geom["semantics"]["surfaces"]]
        polygons = [(p, kinds[v]) for shell, vals in zip(shells[:1], values[:1]) for p, v in zip(shell, vals)]
        expected += [(f"{oid}_{geom['lod']}_{n}", oid, kind, vertices[p[0]]) for n, (p, kind) in enumerate(polygons, 1)]
    with sqlite3.connect(_import(district / "district.city.json", tmp_path / "m.gpkg")) as con:
        stored = con.execute("SELECT id, building_id, surface_type, geom FROM building_surfaces ORDER BY fid").fetchall()
    assert len(stored) == len(expected) > 300
    for (sid, bid, kind, blob), (eid, eoid, ekind, ring) in zip(stored, expected):
        assert (sid, bid, kind) == (eid, eoid, ekind)
        exterior = shapely.get_coordinates(shapely.from_wkb(blob[56:]).exterior, include_z=True)
        np.testing.assert_allclose(exterior, np.vstack([ring, ring[:1]]), rtol=0, atol=1e-9)


if __name__ == "__main__":   # the digests of the current code, for import_digests.json
    import tempfile

    from geotwin.twin.sample.generator import generate_district

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate_district(folder / "d", buildings=300, seed=3, formats=("cityjson", "cityjsonseq"))
        inputs = {f"cityjson/{p.relative_to(DATA / 'cityjson')}": p for p in CITYJSON}
        inputs |= {f"district-300-seed-3/{n}": folder / "d" / n for n in ("district.city.json", "district.city.jsonl")}
        found = {key: _digest(_rows(_import(path, folder / f"{n}.gpkg"))) for n, (key, path) in enumerate(inputs.items())}
        print(json.dumps(found, indent=1, sort_keys=True))
