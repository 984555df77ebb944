"""Row-for-row identity of city model imports against reference GeoPackages made by an earlier version.

``scripts/env.sh .venv/bin/python scripts/import_identity.py make REF_DIR``: import every input into REF_DIR.
``scripts/env.sh .venv/bin/python scripts/import_identity.py check REF_DIR``: import again with the current
code and compare with the references: every layer, every row in order, every column equal (``imported_at``
excepted), geometries byte-equal or equal within 1e-9 per coordinate; the schema, spatial reference systems, every
spatial index entry, feature count, extent and geometry column equal. Exit 1 on the first differing file.

Inputs: the benchmark district (``REF_DIR/inputs/district-10000``: CityGML, CityJSON, CityJSONSeq), every
city model file in ../shared/data, and gzip/zip copies of two of them (made in REF_DIR/inputs).
"""
from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")
SUFFIXES = (".gml", ".xml", ".json", ".jsonl", ".zip", ".gz")
IGNORED_COLUMNS = {"imported_at"}


def inputs(ref: Path) -> list[Path]:
    found = []
    for folder in ("citygml", "cityjson"):
        found += sorted(p for p in (SHARED / folder).rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
    extra = ref / "inputs"
    extra.mkdir(parents=True, exist_ok=True)
    gz = extra / "LoD2_576_5950_1_HH.xml.gz"
    if not gz.exists():
        gz.write_bytes(gzip.compress((SHARED / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml").read_bytes()))
    zp = extra / "hamburg-and-fzk.zip"
    if not zp.exists():
        with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(SHARED / "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml", "a/LoD2_576_5950_1_HH.xml")
            z.write(SHARED / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml", "b/fzk_haus_lod2_v2.gml")
    found += [gz, zp]
    district = extra / "district-10000"
    if district.exists():
        found += [district / "district.gml", district / "district.city.json", district / "district.city.jsonl"]
    return found


def ref_name(path: Path) -> str:
    try:
        rel = path.relative_to(SHARED)
    except ValueError:
        rel = Path("inputs") / path.name
    return str(rel).replace("/", "__") + ".gpkg"


def run_import(path: Path, target: Path, crs: str | None = None) -> dict:
    from geotwin.twin.citymodel.importer import import_citymodel
    from geotwin.twin.kernel.errors import GeoTwinError
    from geotwin.twin.kernel.progress import CollectingReporter

    if target.exists():
        target.unlink()
    reporter = CollectingReporter()
    start = time.process_time()
    try:
        result = import_citymodel([path], target, crs_override=crs, reporter=reporter)
    except GeoTwinError as err:
        if crs is None and "states no CRS" in str(err):  # the cjio samples without one: Dutch RD New + NAP
            return run_import(path, target, "EPSG:7415")
        return {"error": str(err).replace(str(target), "<out>")}
    return {"buildings": result.buildings, "parts": result.parts, "surfaces": result.surfaces,
            "footprints": result.footprints, "skipped": result.skipped, "not_imported": result.not_imported,
            "repaired": result.repaired, "reliefs": result.reliefs, "triangles": result.triangles,
            "cpu": round(time.process_time() - start, 3)}


def _wkb(blob: bytes | None) -> bytes | None:
    if blob is None:
        return None
    flags = blob[3]
    env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    return blob[8 + env:]


def _tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name")]


def _close_rows(x: tuple, y: tuple) -> bool:
    """Rows equal, floats within 1e-12 relative (GDAL prints an extent after appends with 15-16 digits)."""
    return len(x) == len(y) and all(
        u == v or (isinstance(u, float) and isinstance(v, float) and abs(u - v) <= 1e-12 * max(abs(u), abs(v)))
        for u, v in zip(x, y))


def _index_and_contents(a: sqlite3.Connection, b: sqlite3.Connection) -> str | None:
    """The schema (every table, index and trigger), the spatial reference systems, the spatial indexes (every
    R-tree entry), feature counts and extents, as GDAL reads them."""
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING rtree%' ORDER BY name"
    ia, ib = [r[0] for r in a.execute(query)], [r[0] for r in b.execute(query)]
    if ia != ib:
        return f"spatial indexes differ: {ia} vs {ib}"
    for rtree in ia:
        ra = sorted(a.execute(f'SELECT * FROM "{rtree}"').fetchall())
        rb = sorted(b.execute(f'SELECT * FROM "{rtree}"').fetchall())
        if ra != rb:
            return f"{rtree}: {len(ra)} vs {len(rb)} entries, or different boxes"
    schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    if a.execute(schema).fetchall() != b.execute(schema).fetchall():
        return "schema (tables, indexes, triggers) differs"
    for query in ("SELECT * FROM gpkg_spatial_ref_sys ORDER BY srs_id", "PRAGMA application_id", "PRAGMA user_version",
                  "SELECT * FROM gpkg_ogr_contents ORDER BY table_name",
                  "SELECT table_name, data_type, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents ORDER BY 1",
                  "SELECT * FROM gpkg_geometry_columns ORDER BY table_name",
                  "SELECT * FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index' ORDER BY table_name"):
        ra, rb = a.execute(query).fetchall(), b.execute(query).fetchall()
        if ra != rb and not (len(ra) == len(rb) and all(_close_rows(x, y) for x, y in zip(ra, rb))):
            return f"{query}: {ra} vs {rb}"
    return None


def compare(ref: Path, new: Path) -> str | None:
    """None when identical, else the first difference."""
    a, b = sqlite3.connect(ref), sqlite3.connect(new)
    try:
        ta, tb = _tables(a), _tables(b)
        if ta != tb:
            return f"layers differ: {ta} vs {tb}"
        for table in ta:
            cols_a = [r[1] for r in a.execute(f'PRAGMA table_info("{table}")')]
            cols_b = [r[1] for r in b.execute(f'PRAGMA table_info("{table}")')]
            types_a = [r[2] for r in a.execute(f'PRAGMA table_info("{table}")')]
            types_b = [r[2] for r in b.execute(f'PRAGMA table_info("{table}")')]
            if cols_a != cols_b or types_a != types_b:
                return f"{table}: columns differ: {list(zip(cols_a, types_a))} vs {list(zip(cols_b, types_b))}"
            geom = [c for c, t in zip(cols_a, types_a) if t.upper() in (
                "GEOMETRY", "POINT", "POLYGON", "MULTIPOLYGON", "LINESTRING", "MULTILINESTRING")]
            ra = a.execute(f'SELECT * FROM "{table}" ORDER BY fid').fetchall()
            rb = b.execute(f'SELECT * FROM "{table}" ORDER BY fid').fetchall()
            if len(ra) != len(rb):
                return f"{table}: {len(ra)} rows vs {len(rb)}"
            for n, (x, y) in enumerate(zip(ra, rb)):
                for col, va, vb in zip(cols_a, x, y):
                    if col in IGNORED_COLUMNS or va == vb:
                        continue
                    if col in geom:
                        ga, gb = _wkb(va), _wkb(vb)
                        if ga == gb:
                            continue
                        if ga is None or gb is None:
                            return f"{table} row {n} {col}: {ga is None} vs {gb is None} null"
                        sa, sb = shapely.from_wkb(ga), shapely.from_wkb(gb)
                        ca = shapely.get_coordinates(sa, include_z=True)
                        cb = shapely.get_coordinates(sb, include_z=True)
                        if (sa.geom_type != sb.geom_type or ca.shape != cb.shape
                                or not np.allclose(ca, cb, rtol=0, atol=1e-9)
                                or not shapely.equals_exact(sa, sb, tolerance=1e-9)):
                            return f"{table} row {n} {col}: geometry differs"
                        continue
                    if isinstance(va, float) and isinstance(vb, float) and abs(va - vb) <= 1e-9 * max(1, abs(va)):
                        continue
                    return f"{table} row {n} {col}: {va!r} vs {vb!r}"
        return _index_and_contents(a, b)
    finally:
        a.close()
        b.close()


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("make", "check"):
        print(__doc__)
        return 2
    mode, ref = argv[0], Path(argv[1])
    only = argv[2:]
    ref.mkdir(parents=True, exist_ok=True)
    summary_path = ref / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    failed = 0
    work = ref / "check"
    work.mkdir(exist_ok=True)
    for path in inputs(ref):
        if only and not any(o in str(path) for o in only):
            continue
        name = ref_name(path)
        if mode == "make":
            info = run_import(path, ref / name)
            summary[name] = info
            print(f"made {name}: {info}", flush=True)
            continue
        target = work / name
        info = run_import(path, target)
        expected = summary.get(name, {})
        keys = set(expected) - {"cpu"}
        problem = None
        if {k: expected.get(k) for k in keys} != {k: info.get(k) for k in keys}:
            problem = f"result differs: {expected} vs {info}"
        elif "error" not in info:
            problem = compare(ref / name, target)
        old = expected.get("cpu")
        speed = f"cpu {info.get('cpu')} s (ref {old} s)" if old else ""
        print(f"{'OK  ' if problem is None else 'DIFF'} {name} {speed}" + (f": {problem}" if problem else ""),
              flush=True)
        failed += problem is not None
        if target.exists() and problem is None:
            target.unlink()
    if mode == "make":
        summary_path.write_text(json.dumps(summary, indent=1))
    shutil.rmtree(work, ignore_errors=True) if not failed else None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
