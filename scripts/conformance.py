"""Conformance harness: import -> twin -> 3D Tiles (-> official validator) over every real file.

Runs over ../shared/data (city models and IFC) and the fetched corpus (corpus/, see scripts/fetch_corpus.py).
Every file runs in its own subprocess with a timeout, so one crash never stops the run. Per file it records
an independent object count (lxml for CityGML, json for CityJSON, ifcopenshell for IFC), the counts our
importer reports, a placement check (CRS and extent against the file's own coordinates and pyproj; for IFC
with a map conversion our placed origin against ifcopenshell.util.geolocation, < 1 cm), crashes, and the
3D Tiles validator's errors/warnings when scripts/validator.sh is built. It writes a Markdown table and JSON
(conformance/results/latest.md/.json by default) and prints the table. Exit code: 1 when any file crashed
(an uncaught exception, a dead worker or a timeout), else 0.

    scripts/env.sh .venv/bin/python scripts/conformance.py [--only shared|corpus] [--files F ...]
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GEOTWIN_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
CORPUS = ROOT / "corpus"
MANIFEST = ROOT / "conformance" / "corpus.json"
RESULTS = ROOT / "conformance" / "results"
CITYGML_SUFFIXES = (".gml", ".xml")
CITYJSON_SUFFIXES = (".json", ".jsonl")
IFC_SUFFIXES = (".ifc", ".ifczip")
SHARED_FOLDERS = {"citygml": "citygml", "cityjson": "cityjson", "ifc": "ifc"}
SHARED_STATES = {"hamburg": "HH", "fzk-haus": "BW (KIT sample)", "denhaag": "NL", "cjio": "NL/CH (cjio samples)"}
PLACEMENT_TOLERANCE_M = 0.01
MANUAL_ANCHOR = (456000.0, 5429000.0, 115.0, 0.0)   # Karlsruhe, EPSG:25832: for IFC without georeferencing
STATUS_ORDER = ("CRASH", "FAIL", "REJECTED", "WARN", "PASS")


# ----------------------------------------------------------------------------- inputs

@dataclasses.dataclass
class Case:
    path: str
    kind: str            # citygml | cityjson | ifc
    source: str          # "shared/data" or "owner/repo@commit8"
    state: str = ""
    tool: str = ""
    quirk: str = ""
    id: str = ""
    crs_override: str = ""   # city models that state no CRS: what a user would give (manifest "crs_override")


def kind_of(path: Path) -> str | None:
    """citygml, cityjson or ifc from the name, looking into a zip at its members."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(IFC_SUFFIXES):
        return "ifc"
    if name.endswith(CITYGML_SUFFIXES):
        return "citygml"
    if name.endswith(CITYJSON_SUFFIXES):
        return "cityjson"
    if name.endswith(".zip") and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                kind = kind_of(Path(member)) if not member.endswith("/") else None
                if kind:
                    return kind
    return None


def shared_cases(shared: Path = SHARED) -> list[Case]:
    """Every city model and IFC file of shared/data."""
    cases = []
    for folder in SHARED_FOLDERS:
        for path in sorted((shared / folder).rglob("*")):
            if not path.is_file() or path.name.lower() == "readme.md":
                continue
            kind = kind_of(path)
            if kind is None:
                continue
            parts = path.relative_to(shared).parts
            state = next((SHARED_STATES[p] for p in parts if p in SHARED_STATES), "")
            cases.append(Case(str(path), kind, "shared/data", state=state,
                              id=str(path.relative_to(shared))))
    return cases


def corpus_cases(corpus: Path = CORPUS, manifest: Path = MANIFEST) -> list[Case]:
    """The fetched corpus items (corpus/fetched.json), described by the manifest."""
    fetched = corpus / "fetched.json"
    if not fetched.is_file() or not manifest.is_file():
        return []
    items = {i["id"]: i for i in json.loads(manifest.read_text(encoding="utf-8"))["items"]}
    cases = []
    for record in json.loads(fetched.read_text(encoding="utf-8")):
        item = items.get(record["id"])
        path = corpus / record["dest"]
        if item is None or record.get("status") != "fetched" or not path.is_file() or item.get("run") is False:
            continue
        if item.get("derived"):
            source = "derived: " + item["derived"]["type"] + " of " + ", ".join(item["derived"]["members"])
        else:
            source = f"{item['repository']}@{item['commit'][:8]}"
        cases.append(Case(str(path), item["kind"], source, state=item.get("state", ""),
                          tool=item.get("tool", ""), quirk=item.get("quirk", ""), id=item["id"],
                          crs_override=item.get("crs_override", "")))
    return cases


def not_fetched(corpus: Path = CORPUS) -> list[dict]:
    fetched = corpus / "fetched.json"
    if not fetched.is_file():
        return []
    return [r for r in json.loads(fetched.read_text(encoding="utf-8")) if r.get("status") != "fetched"]


# ----------------------------------------------------------------------------- independent counts

def _open_members(path: Path, suffixes: tuple[str, ...]):
    """(name, binary file object) of the file, of a .gz, or of each matching member of a zip."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                name = member.lower()[:-3] if member.lower().endswith(".gz") else member.lower()
                if name.endswith(suffixes):
                    data = zf.read(member)
                    if member.lower().endswith(".gz"):
                        data = gzip.decompress(data)
                    yield member, io.BytesIO(data)
        return
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        with gzip.open(path, "rb") as fh:
            yield path.name, fh
    else:
        with open(path, "rb") as fh:
            yield path.name, fh


_EPSG_PATTERNS = (re.compile(r"EPSG:[\d.]*:(\d+)", re.I), re.compile(r"EPSG:+(\d+)", re.I),
                  re.compile(r"/EPSG/\d+/(\d+)", re.I))
_ADV = {"ETRS89_UTM32": 25832, "ETRS89_UTM33": 25833, "DE_DHDN_3GK2": 31466, "DE_DHDN_3GK3": 31467,
        "DE_DHDN_3GK4": 31468, "DE_DHDN_3GK5": 31469}


def horizontal_epsg(srs: str | None) -> int | None:
    """Independent reading of a srsName / referenceSystem: the EPSG code of its horizontal part."""
    if not srs:
        return None
    code = None
    for key, value in _ADV.items():
        if f"urn:adv:crs:{key}".lower() in srs.lower():
            code = value
    if code is None:
        for pattern in _EPSG_PATTERNS:
            match = pattern.search(srs)
            if match:
                code = int(match.group(1))
                break
    if code is None:
        return None
    import pyproj

    try:
        crs = pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError:
        return code
    if crs.is_compound:
        return crs.sub_crs_list[0].to_epsg() or code
    return code


def count_citygml(path: Path) -> dict:
    """lxml: Building / BuildingPart elements, top-level cityObjectMembers, srsName, bbox of all coordinates."""
    from lxml import etree

    out = {"Building": 0, "BuildingPart": 0, "cityObjectMember": 0, "members": 0, "srs": None,
           "bbox": [math.inf, math.inf, -math.inf, -math.inf]}
    bbox = out["bbox"]
    for _name, fh in _open_members(path, CITYGML_SUFFIXES):
        out["members"] += 1
        depth = 0
        dims: list[int | None] = []
        for event, el in etree.iterparse(fh, events=("start", "end"), huge_tree=True, resolve_entities=False,
                                         no_network=True, remove_comments=True):
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            if event == "start":
                depth += 1
                dim = el.get("srsDimension")
                dims.append(int(dim) if dim and dim.isdigit() else None)
                if out["srs"] is None and el.get("srsName"):
                    out["srs"] = el.get("srsName")
                ns = etree.QName(el).namespace or ""
                if local in ("Building", "BuildingPart") and "/building/" in ns:
                    out[local] += 1
                elif local == "cityObjectMember" and depth == 2:
                    out["cityObjectMember"] += 1
                continue
            if local in ("posList", "pos", "lowerCorner", "upperCorner") and el.text and \
                    "Envelope" not in etree.QName(el.getparent()).localname:
                dim = next((d for d in reversed(dims) if d), 3)
                try:
                    values = [float(v) for v in el.text.split()]
                except ValueError:
                    values = []
                for i in range(0, len(values) - dim + 1, dim):
                    x, y = values[i], values[i + 1]
                    bbox[0], bbox[1] = min(bbox[0], x), min(bbox[1], y)
                    bbox[2], bbox[3] = max(bbox[2], x), max(bbox[3], y)
            depth -= 1
            dims.pop()
            if depth > 2:
                continue
            el.clear()   # members are done: keep memory flat
    out["expected"] = out["Building"] + out["BuildingPart"]
    out["epsg"] = horizontal_epsg(out["srs"])
    return out


def count_cityjson(path: Path) -> dict:
    """json: CityObjects of type Building / BuildingPart, referenceSystem, bbox of the (transformed) vertices."""
    out = {"Building": 0, "BuildingPart": 0, "cityObjects": 0, "members": 0, "srs": None,
           "bbox": [math.inf, math.inf, -math.inf, -math.inf]}
    for _name, fh in _open_members(path, CITYJSON_SUFFIXES):
        out["members"] += 1
        text = fh.read().decode("utf-8-sig")
        stripped = text.lstrip()
        docs = [json.loads(line) for line in text.splitlines() if line.strip()] \
            if stripped.startswith("{") and "\n{" in stripped.rstrip() and not _is_single_json(text) \
            else [json.loads(text)]
        transform = None
        for doc in docs:
            if doc.get("type") == "CityJSON":
                transform = doc.get("transform")
                ref = (doc.get("metadata") or {}).get("referenceSystem")
                out["srs"] = out["srs"] or (ref if isinstance(ref, str) else None)
            for obj in (doc.get("CityObjects") or {}).values():
                out["cityObjects"] += 1
                if obj.get("type") in ("Building", "BuildingPart"):
                    out[obj["type"]] += 1
            verts = doc.get("vertices") or []
            t = doc.get("transform") or transform
            scale, translate = (t["scale"], t["translate"]) if t else ([1, 1, 1], [0, 0, 0])
            for v in verts:
                x, y = v[0] * scale[0] + translate[0], v[1] * scale[1] + translate[1]
                b = out["bbox"]
                b[0], b[1], b[2], b[3] = min(b[0], x), min(b[1], y), max(b[2], x), max(b[3], y)
    out["expected"] = out["Building"] + out["BuildingPart"]
    out["epsg"] = horizontal_epsg(out["srs"])
    return out


def _is_single_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except json.JSONDecodeError:
        return False


_PRERELEASE = re.compile(rb"FILE_SCHEMA\s*\(\s*\(\s*'(IFC4X3|IFC4X2|IFC4X1|IFC4)_?[A-Z0-9_]*'", re.I)


def _open_ifc_independently(path: Path):
    """ifcopenshell's own reading; a pre-release schema (IFC4X3_RC2, ...) is read as its release."""
    import ifcopenshell

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            member = next(m for m in zf.namelist() if m.lower().endswith(".ifc"))
            data = zf.read(member)
    else:
        data = path.read_bytes()
    for attempt in (0, 1):
        if attempt:
            release = b"IFC4X3_ADD2" if b"IFC4X" in data[:4000].upper() else b"IFC4"
            data = _PRERELEASE.sub(b"FILE_SCHEMA(('" + release + b"'", data, count=1)
        try:
            model = ifcopenshell.file.from_string(data.decode("utf-8", "replace"))
            model.by_type("IfcProject")      # an unknown schema only shows here ("No schema loaded")
            return model
        except (ifcopenshell.SchemaError, RuntimeError):
            if attempt:
                raise
    raise AssertionError("unreachable")


# Release-candidate IFC4X3 strata that IFC4X3_ADD2 dropped (read by GeoTwin as IfcGeotechnicalStratum).
_RC_STRATA = re.compile(rb"=\s*(IFCSOLIDSTRATUM|IFCVOIDSTRATUM|IFCWATERSTRATUM)\s*\((.*?)\)\s*;", re.I | re.S)


def _step_attributes(text: bytes) -> list[bytes]:
    """Top-level attributes of one STEP instance's argument list (quotes and nested lists respected)."""
    out, depth, quoted, start = [], 0, False, 0
    for i, c in enumerate(text):
        if c == 0x27:
            quoted = not quoted
        elif not quoted and c == 0x28:
            depth += 1
        elif not quoted and c == 0x29:
            depth -= 1
        elif not quoted and depth == 0 and c == 0x2C:
            out.append(text[start:i].strip())
            start = i + 1
    out.append(text[start:].strip())
    return out


def _rc_strata(path: Path) -> tuple[int, int]:
    """(instances, with a representation) of release-candidate strata, counted in the STEP text itself."""
    if zipfile.is_zipfile(path):
        return 0, 0
    data = path.read_bytes()
    found = [_step_attributes(m.group(2)) for m in _RC_STRATA.finditer(data)]
    return len(found), sum(1 for a in found if len(a) > 6 and a[6] not in (b"$", b"*"))


def count_ifc(path: Path) -> dict:
    """ifcopenshell: elements (no openings/virtual) and spaces, with and without representation; header tool.

    Earthworks cuts count as elements (the excavated body is content, not an opening); release-candidate
    strata, which ifcopenshell cannot read, are counted in the STEP text."""
    model = _open_ifc_independently(path)
    products = [e for e in model.by_type("IfcElement")
                if (not e.is_a("IfcFeatureElement") or e.is_a("IfcEarthworksCut")) and not e.is_a("IfcVirtualElement")]
    products += list(model.by_type("IfcSpace"))
    strata, strata_with_body = _rc_strata(path)
    name = model.header.file_name
    tool = " / ".join(s for s in (str(name.originating_system or "").strip(),
                                  str(name.preprocessor_version or "").strip()) if s)
    apps = sorted({f"{a.ApplicationFullName} {a.Version}".strip() for a in model.by_type("IfcApplication")
                   if a.ApplicationFullName})
    with open(path, "rb") as fh:
        head = fh.read(4000)
    declared = re.search(rb"FILE_SCHEMA\s*\(\s*\(\s*'([^']+)'", head)
    schema = model.schema_identifier if hasattr(model, "schema_identifier") else model.schema
    if declared and declared.group(1).decode("ascii", "replace").upper() != str(schema).upper():
        schema = f"{declared.group(1).decode('ascii', 'replace')} (counted as {schema})"
    return {"products": len(products) + strata,
            "expected": sum(1 for p in products if p.Representation) + strata_with_body,
            "schema": schema,
            "tool": tool, "applications": apps[:3]}


# ----------------------------------------------------------------------------- placement

def _target_for_ifc(path: Path) -> tuple[str, bool]:
    """Target CRS for the import: the map conversion's own CRS when pyproj knows it, else a UTM zone from the
    site's latitude/longitude, else EPSG:25832. Returns (target, whether ifcopenshell finds any georeferencing);
    a file ifcopenshell cannot read counts as georeferenced, so the importer itself decides."""
    import ifcopenshell.util.geolocation as geo
    import pyproj

    try:
        model = _open_ifc_independently(path)
    except Exception:  # noqa: BLE001 - unreadable here: the importer reports it
        return "EPSG:25832", True
    crs_name, has_conversion = None, False
    try:
        if geo.get_helmert_transformation_parameters(model) is not None:
            has_conversion = True
            info = geo.get_crs(model) or {}
            crs_name = info.get("Name") if isinstance(info, dict) else None
    except Exception:  # noqa: BLE001 - a broken conversion: the importer decides
        has_conversion = True
    if crs_name:
        try:
            crs = pyproj.CRS.from_user_input(crs_name)
            if crs.is_compound:
                crs = crs.sub_crs_list[0]
            if crs.is_projected and crs.to_epsg():
                return f"EPSG:{crs.to_epsg()}", True
        except pyproj.exceptions.CRSError:
            pass
    site = next(iter(model.by_type("IfcSite")), None)
    has_site = site is not None and site.RefLatitude is not None and site.RefLongitude is not None
    if has_site:
        try:
            lat, lon = geo.dms2dd(*site.RefLatitude), geo.dms2dd(*site.RefLongitude)
        except (TypeError, ValueError):
            lat, lon = 0.0, 0.0
        if 47 <= lat <= 56 and 5 <= lon <= 16:
            return ("EPSG:25832" if lon < 12 else "EPSG:25833"), True
        if (lat, lon) == (0, 0):  # an authoring tool's default, not a position: a user places it by hand
            has_site = False
        elif -80 <= lat <= 84 and -180 <= lon <= 180:
            zone = int((lon + 180) // 6) + 1
            return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}", True
    return "EPSG:25832", has_conversion or has_site


def ifc_placement_check(path: Path, placement, target: str) -> dict:
    """Our placed points against ifcopenshell.util.geolocation (map conversion) or pyproj (site lat/lon)."""
    import ifcopenshell.util.geolocation as geo
    import ifcopenshell.util.placement
    import ifcopenshell.util.unit
    import numpy as np
    import pyproj

    model = _open_ifc_independently(path)
    unit_m = float(ifcopenshell.util.unit.calculate_unit_scale(model))
    method = getattr(placement, "method", "")
    if method.startswith("map conversion"):
        params = geo.get_helmert_transformation_parameters(model)
        if params is None:
            return {"ok": False, "text": f"importer used {method} but ifcopenshell finds no map conversion"}
        info = geo.get_crs(model) or {}
        source = info.get("Name") if isinstance(info, dict) else None
        to_target = None
        if source:
            try:
                src = pyproj.CRS.from_user_input(source)
                if src.is_compound:
                    src = src.sub_crs_list[0]
                if src != pyproj.CRS.from_user_input(target):
                    to_target = pyproj.Transformer.from_crs(src, target, always_xy=True)
            except pyproj.exceptions.CRSError:
                return {"ok": None, "text": f"map conversion CRS {source!r} unknown to pyproj: not compared"}
        theirs, ours = [], []
        for local in ((0.0, 0.0, 0.0), (10.0, 0.0, 0.0)):
            e, n, h = geo.auto_xyz2enh(model, *[c / unit_m for c in local])
            if to_target is not None:
                e, n = to_target.transform(e, n)
            theirs.append(np.array([e, n, h], dtype=float))
            ours.append(placement.apply(np.array([local]))[0])
        dev = float(np.linalg.norm(ours[0] - theirs[0]))
        ok = dev < PLACEMENT_TOLERANCE_M
        text = f"origin vs ifcopenshell.geolocation: {dev * 100:.2f} cm" + ("" if ok else " (> 1 cm)")
        # the x axis direction must agree too; its length may not (ifcopenshell applies Scale literally)
        a, b = ours[1][:2] - ours[0][:2], theirs[1][:2] - theirs[0][:2]
        angle = math.degrees(math.atan2(a[0] * b[1] - a[1] * b[0], float(a @ b)))
        if abs(angle) > 0.01:
            ok = False
            text += f"; x axis differs by {angle:.3f} deg"
        ratio = float(np.linalg.norm(a) / np.linalg.norm(b)) if np.linalg.norm(b) else float("nan")
        if abs(ratio - 1) > 1e-6:
            text += f"; scale ours/ifcopenshell {ratio:.6g} (map conversion Scale {params.scale:g}, unit {unit_m:g} m)"
        return {"ok": ok, "deviation_m": dev, "axis_deg": angle, "scale_ratio": ratio, "text": text}
    if method.startswith("site"):
        site = next(iter(model.by_type("IfcSite")), None)
        if site is None or not site.RefLatitude or not site.RefLongitude:
            return {"ok": False, "text": "importer used site but IfcSite has no RefLatitude/RefLongitude"}
        lat, lon = geo.dms2dd(*site.RefLatitude), geo.dms2dd(*site.RefLongitude)
        origin = ifcopenshell.util.placement.get_local_placement(site.ObjectPlacement)[:3, 3] * unit_m \
            if site.ObjectPlacement else np.zeros(3)
        e, n = pyproj.Transformer.from_crs("EPSG:4326", target, always_xy=True).transform(lon, lat)
        ours = placement.apply(np.array([origin]))[0]
        dev = float(math.hypot(ours[0] - e, ours[1] - n))
        ok = dev < PLACEMENT_TOLERANCE_M
        return {"ok": ok, "deviation_m": dev,
                "text": f"site lat/lon vs pyproj: {dev * 100:.2f} cm" + ("" if ok else " (> 1 cm)")}
    if method.startswith("manual"):
        ours = placement.apply(np.zeros((1, 3)))[0]
        dev = float(math.hypot(ours[0] - MANUAL_ANCHOR[0], ours[1] - MANUAL_ANCHOR[1]))
        return {"ok": dev < PLACEMENT_TOLERANCE_M, "deviation_m": dev,
                "text": f"no georeferencing in the file: manual anchor, {dev * 100:.2f} cm"}
    return {"ok": None, "text": f"method {method!r}: not compared"}


def citymodel_placement_check(counts: dict, result, gpkg: Path) -> dict:
    """The imported CRS against the file's srsName (pyproj), the buildings' extent inside the file's coordinates."""
    import pyogrio

    notes, ok = [], True
    ours = str(getattr(result, "crs", "") or "")
    expected = counts.get("epsg")
    if expected is not None:
        if ours.upper() != f"EPSG:{expected}":
            ok = False
            notes.append(f"CRS {ours or '?'} != EPSG:{expected} from {counts.get('srs')!r}")
        else:
            notes.append(f"CRS {ours} ok")
    else:
        notes.append(f"CRS {ours or '?'} (srsName {counts.get('srs')!r} not independently resolvable)")
    bbox = counts.get("bbox")
    try:
        layers = [name for name, _ in pyogrio.list_layers(str(gpkg))]
        layer = "buildings" if "buildings" in layers else None
        bounds = pyogrio.read_info(str(gpkg), layer=layer, force_total_bounds=True)["total_bounds"] if layer else None
    except Exception as err:  # noqa: BLE001 - reported, not fatal
        bounds, notes = None, notes + [f"extent not readable: {err}"]
    if bounds is not None and bbox and math.isfinite(bbox[0]) and all(math.isfinite(float(b)) for b in bounds):
        tol = 0.01
        inside = (bounds[0] >= bbox[0] - tol and bounds[1] >= bbox[1] - tol and
                  bounds[2] <= bbox[2] + tol and bounds[3] <= bbox[3] + tol)
        if not inside:
            ok = False
            notes.append("building extent outside the file's coordinates "
                         f"({[round(float(b), 2) for b in bounds]} vs {[round(b, 2) for b in bbox]})")
        else:
            notes.append("extent inside the file's coordinates")
    return {"ok": ok, "text": "; ".join(notes), "bounds": [float(b) for b in bounds] if bounds is not None else None}


def tileset_contains(tileset: Path, lon: float, lat: float, height: float) -> tuple[bool | None, str]:
    """Does the root bounding volume contain the point (pyproj: EPSG:4979 -> ECEF for boxes)?"""
    import numpy as np
    import pyproj

    doc = json.loads(tileset.read_text(encoding="utf-8"))
    root = doc.get("root", {})
    volume = root.get("boundingVolume", {})
    if "region" in volume:
        w, s, e, n = volume["region"][:4]
        lo, la = math.radians(lon), math.radians(lat)
        eps = 1e-7
        inside = w - eps <= lo <= e + eps and s - eps <= la <= n + eps
        return inside, "region"
    if "box" in volume:
        box = np.array(volume["box"], dtype=float)
        transform = np.array(root.get("transform", np.eye(4).flatten(order="F")), dtype=float).reshape(4, 4, order="F")
        x, y, z = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True).transform(lon, lat, height)
        local = np.linalg.inv(transform) @ np.array([x, y, z, 1.0])
        axes = box[3:].reshape(3, 3)
        offset = local[:3] - box[:3]
        # horizontal containment only: the box is in the root transform's local (east-north-up) frame
        horizontal = [a for a in axes if abs(a[2]) < 0.5 * float(np.linalg.norm(a))]
        inside = all(abs(float(offset @ a)) <= float(a @ a) + 1.0 for a in horizontal)
        return inside, "box"
    return None, "no region/box"


# ----------------------------------------------------------------------------- one file (worker)

def _options(cls, **wanted):
    """A dataclass instance with only the fields it has (tolerates options that other branches add or drop)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in wanted.items() if k in names})


class _Record:
    """The worker's result, rewritten after every stage so a hard crash still leaves what was known."""

    def __init__(self, path: Path, out: Path):
        self.out = out
        self.data: dict = {"file": str(path), "stages": {}, "crash": False}

    def stage(self, name: str, **values) -> None:
        self.data["stages"].setdefault(name, {}).update(values)
        self.save()

    def save(self) -> None:
        tmp = self.out.with_name(self.out.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, self.out)


def _error(err: BaseException) -> dict:
    from geotwin.twin.kernel.errors import GeoTwinError

    tb = traceback.format_exception(type(err), err, err.__traceback__)
    return {"ok": False, "error": f"{type(err).__name__}: {err}", "clean": isinstance(err, GeoTwinError),
            "traceback": "".join(tb[-6:])[-3000:]}


def run_one(path: Path, kind: str, work: Path, out: Path, validator: Path | None, crs_override: str = "") -> dict:
    """Every stage for one file; exceptions are recorded per stage, never raised."""
    from geotwin.twin.kernel.progress import CollectingReporter

    rec = _Record(path, out)
    work.mkdir(parents=True, exist_ok=True)
    counts: dict = {}
    t0 = time.monotonic()
    try:
        counts = {"citygml": count_citygml, "cityjson": count_cityjson, "ifc": count_ifc}[kind](path)
        if crs_override:   # the user's override wins over the file's srsName (which may be absent or wrong)
            counts["epsg_in_file"], counts["epsg"] = counts.get("epsg"), horizontal_epsg(crs_override)
        rec.stage("count", ok=True, **counts)
    except Exception as err:  # noqa: BLE001 - independent count failing is itself a finding
        rec.stage("count", **_error(err), independent=True)

    gpkg = work / "import.gpkg"
    reporter = CollectingReporter()
    result = None
    try:
        if kind == "ifc":
            from geotwin.bim.importer import ImportOptions, import_ifc

            target, georeferenced = _target_for_ifc(path)
            manual = dict(georeferencing="manual", target_crs="EPSG:25832", manual=MANUAL_ANCHOR, processes=1)
            if georeferenced:
                method = "auto"
                result = import_ifc(path, gpkg, _options(ImportOptions, georeferencing="auto", target_crs=target,
                                                         processes=1), reporter)
            else:   # ifcopenshell finds neither a map conversion nor a site latitude/longitude
                method, target = "manual (no georeferencing in the file)", "EPSG:25832"
                result = import_ifc(path, gpkg, _options(ImportOptions, **manual), reporter)
            imported = result.elements + result.spaces
            rec.stage("import", ok=True, imported=imported, elements=result.elements, spaces=result.spaces,
                      skipped=len(result.skipped), skipped_examples=[s[1] for s in result.skipped[:5]],
                      buildings=result.buildings, georeferencing=method, target_crs=target,
                      placement_method=result.placement.method, warnings=reporter.warnings[:20],
                      seconds=round(time.monotonic() - t0, 1))
        else:
            from geotwin.twin.citymodel.importer import import_citymodel

            result = import_citymodel([str(path)], gpkg, crs_override or None, "highest", reporter)
            rec.stage("import", ok=True, imported=result.buildings + result.parts, buildings=result.buildings,
                      parts=result.parts, surfaces=result.surfaces, skipped=result.skipped, crs=result.crs,
                      vertical_crs=result.vertical_crs, crs_override=crs_override or None,
                      warnings=reporter.warnings[:20],
                      seconds=round(time.monotonic() - t0, 1))
    except Exception as err:  # noqa: BLE001
        rec.stage("import", **_error(err), warnings=reporter.warnings[:20])
        return rec.data

    try:
        if kind == "ifc":
            check = ifc_placement_check(path, result.placement, rec.data["stages"]["import"]["target_crs"])
        else:
            check = citymodel_placement_check(counts, result, gpkg)
        rec.stage("placement", **check)
    except Exception as err:  # noqa: BLE001
        rec.stage("placement", **_error(err))

    twin = work / "twin.gpkg"
    try:
        from geotwin.twin.build import BuildInputs, build_twin
        from geotwin.twin.store import open_store

        inputs = _options(BuildInputs, citymodel=[] if kind == "ifc" else [str(gpkg)],
                          ifc=[str(gpkg)] if kind == "ifc" else [])
        built = build_twin(open_store(str(twin)), inputs, None, CollectingReporter())
        rec.stage("twin", ok=True, buildings=built.buildings, matched=built.matched, unmatched=built.unmatched)
    except Exception as err:  # noqa: BLE001
        rec.stage("twin", **_error(err))
        return rec.data

    tiles = work / "tiles"
    try:
        from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

        exported = export_3dtiles(twin, tiles, _options(ExportOptions, viewer=False), CollectingReporter())
        rec.stage("tiles", ok=True, tiles=exported.tiles, tileset=str(exported.tileset),
                  buildings=(exported.report or {}).get("buildings"), height_method=exported.height_method)
    except Exception as err:  # noqa: BLE001
        rec.stage("tiles", **_error(err))
        return rec.data

    bounds = rec.data["stages"].get("placement", {}).get("bounds")
    crs = getattr(result, "crs", None)
    if kind != "ifc" and bounds and crs:
        try:
            import pyproj

            cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
            lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(cx, cy)
            inside, how = tileset_contains(Path(exported.tileset), lon, lat, 50.0)
            rec.stage("placement", tileset_contains_centre=inside, tileset_volume=how)
            if inside is False:
                rec.stage("placement", ok=False,
                          text=rec.data["stages"]["placement"]["text"] + "; tileset bounding volume misses the "
                          "pyproj-transformed centre of the buildings")
        except Exception as err:  # noqa: BLE001
            rec.stage("placement", tileset_check_error=f"{type(err).__name__}: {err}")

    rec.stage("validator", **run_validator(Path(exported.tileset), work / "validator.json", validator))
    return rec.data


def find_validator() -> Path | None:
    env = os.environ.get("GEOTWIN_VALIDATOR_SH")
    for candidate in ([Path(env)] if env else []) + [ROOT / "scripts" / "validator.sh"]:
        if candidate.is_file():
            return candidate
    return None


def _leaf_issues(issues: list[dict]) -> list[str]:
    """The validator's innermost errors and warnings ("TYPE: message"), each distinct one once, in order."""
    out: list[str] = []

    def walk(issue: dict) -> None:
        causes = issue.get("causes") or []
        if causes:
            for cause in causes:
                walk(cause)
        elif issue.get("severity", "ERROR") in ("ERROR", "WARNING"):
            message = re.sub(r"index [0-9]+", "index N", issue.get("message", ""))   # one line per kind
            text = f"{issue.get('type')}: {message[:200]}"
            if text not in out:
                out.append(text)

    for issue in issues:
        walk(issue)
    return out


def run_validator(tileset: Path, report: Path, script: Path | None) -> dict:
    """scripts/validator.sh TILESET REPORT: exit 3 = not built; the report has numErrors/numWarnings."""
    if script is None:
        return {"ran": False, "text": "no scripts/validator.sh"}
    try:
        proc = subprocess.run(["bash", str(script), str(tileset), str(report)], capture_output=True, text=True,
                              timeout=600, check=False)
    except subprocess.TimeoutExpired:
        return {"ran": False, "text": "validator timed out"}
    if proc.returncode == 3:
        return {"ran": False, "text": "validator not built"}
    if not report.is_file():
        return {"ran": False, "text": f"validator exited {proc.returncode} without a report: "
                                      f"{(proc.stderr or proc.stdout).strip()[-300:]}"}
    doc = json.loads(report.read_text(encoding="utf-8"))
    issues = _leaf_issues(doc.get("issues", []))[:10]
    return {"ran": True, "errors": int(doc.get("numErrors", 0)), "warnings": int(doc.get("numWarnings", 0)),
            "infos": int(doc.get("numInfos", 0)), "issues": issues, "exit": proc.returncode}


# ----------------------------------------------------------------------------- driver

def run_case(case: Case, work_root: Path, timeout: float, validator: Path | None = None) -> dict:
    """Run one file in a subprocess; a dead or hung worker becomes a crash record."""
    work = Path(tempfile.mkdtemp(prefix="case-", dir=work_root))
    out = work / "result.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", case.path, "--kind", case.kind,
           "--work", str(work), "--result", str(out), "--validator", str(validator) if validator else "",
           "--worker-crs", case.crs_override]
    started = time.monotonic()
    crash_reason = None
    # its own session, so a timeout ends the worker and the geometry processes it started, and nothing else
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            crash_reason = f"worker exited {proc.returncode}: {(stderr or '').strip()[-1500:]}"
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        crash_reason = f"timeout after {timeout:.0f} s"
    text = out.read_text(encoding="utf-8") if out.is_file() else json.dumps({"file": case.path, "stages": {}})
    # machine-independent results: no temporary folder names, paths relative to the repository
    for local, portable in ((str(work), "<work>"), (str(work_root), "<work>"), (str(SHARED), "../shared/data"),
                            (str(ROOT), ".")):
        text = text.replace(local, portable)
    data = json.loads(text)
    data["seconds"] = round(time.monotonic() - started, 1)
    if crash_reason:
        data["crash"] = True
        data["crash_reason"] = crash_reason
    data.update(case=dataclasses.asdict(case))
    data["case"]["path"] = case.path.replace(str(SHARED), "../shared/data").replace(str(ROOT), ".")
    classify(data)
    shutil.rmtree(work, ignore_errors=True)
    return data


def classify(data: dict) -> None:
    """status (CRASH, FAIL, REJECTED, WARN, PASS), the failing stage and the reasons."""
    stages = data.get("stages", {})
    reasons, failed_stage, notes = [], None, []
    empty = stages.get("count", {}).get("expected") == 0 and stages.get("import", {}).get("imported") == 0
    for name in ("import", "placement", "twin", "tiles"):
        stage = stages.get(name, {})
        if stage.get("error") and stage.get("clean") and empty and name in ("twin", "tiles"):
            notes.append(f"{name}: nothing to build from a file without objects ({stage['error']})")
            continue
        if stage.get("error"):
            failed_stage = failed_stage or name
            if not stage.get("clean"):
                data["crash"] = True
            reasons.append(f"{name}: {stage['error']}")
    count, imp = stages.get("count", {}), stages.get("import", {})
    if count.get("error"):
        reasons.append(f"independent count: {count['error']}")
    expected = count.get("expected")
    if expected is not None and imp.get("ok"):
        imported, skipped = imp.get("imported", 0), imp.get("skipped", 0)
        if data["case"]["kind"] == "ifc":
            # every product is written (with or without geometry) or skipped with a reason
            if imported + skipped != count.get("products"):
                reasons.append(f"count: {imported} imported + {skipped} skipped != {count.get('products')} products")
                failed_stage = failed_stage or "count"
        elif imported > expected or imported + skipped < expected:
            # a city model's skipped count also holds dropped surfaces of imported objects: objects missing
            # from the import must at least be covered by it, or they were dropped silently
            reasons.append(f"count: {imported} imported (+ {skipped} skipped objects or surfaces) "
                           f"for {expected} expected")
            failed_stage = failed_stage or "count"
    placement = stages.get("placement", {})
    if placement.get("ok") is False and not placement.get("error"):
        reasons.append(f"placement: {placement.get('text')}")
        failed_stage = failed_stage or "placement"
    validator = stages.get("validator", {})
    if validator.get("ran") and validator.get("errors"):
        first = validator.get("issues") or []
        reasons.append(f"validator: {validator['errors']} errors" + (f" ({'; '.join(first[:3])})" if first else ""))
        failed_stage = failed_stage or "validator"
    if data.get("crash"):
        status = "CRASH"
        if data.get("crash_reason"):
            reasons.insert(0, data["crash_reason"])
            failed_stage = failed_stage or next((s for s in ("count", "import", "placement", "twin", "tiles",
                                                             "validator") if s not in stages), "validator")
    elif imp.get("error"):
        status = "REJECTED"
    elif reasons:
        status = "FAIL"
    elif notes or imp.get("skipped") or (validator.get("ran") and validator.get("warnings")) \
            or placement.get("ok") is None:
        status = "WARN"
    else:
        status = "PASS"
    data.update(status=status, failed_stage=failed_stage, reasons=reasons, notes=notes)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(results: list[dict], missing: list[dict], meta: dict) -> str:
    """The results table, then every failure with its stage, message and traceback excerpt."""
    lines = [f"# Conformance results ({meta['date']})", "",
             f"{meta['files']} files: " + ", ".join(f"{meta['by_status'].get(s, 0)} {s}" for s in STATUS_ORDER)
             + f"; validator: {meta['validator']}; code: {meta['commit']}", "",
             "| file | source | format/tool | state | objects expected/imported/skipped | placement check | crash? "
             "| tiles validator errors/warnings | status |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        case, st = r["case"], r.get("stages", {})
        count, imp, val = st.get("count", {}), st.get("import", {}), st.get("validator", {})
        fmt = case["kind"]
        if case["kind"] == "ifc":
            fmt = f"IFC {count.get('schema', '?')}: {count.get('tool') or case.get('tool') or '?'}"
        elif count.get("srs"):
            fmt = f"{case['kind']} ({count['srs']})"
        if case.get("crs_override"):
            fmt += f" [CRS override {case['crs_override']}]"
        expected = count.get("expected", "?")
        if case["kind"] == "ifc" and "products" in count:
            expected = f"{count['expected']} ({count['products']} products)"
        objects = f"{expected} / {imp.get('imported', '-')} / {imp.get('skipped', '-')}"
        placement = st.get("placement", {})
        ptext = placement.get("text") or placement.get("error") or "-"
        if val.get("ran"):
            vtext = f"{val['errors']} / {val['warnings']}"
            kinds = sorted({i.split(":")[0] for i in val.get("issues", [])})
            if kinds:
                vtext += f" ({', '.join(kinds)})"
        else:
            vtext = val.get("text", "-") if val else "-"
        name = Path(case["path"]).name
        lines.append("| " + " | ".join(_cell(c) for c in (
            name, case["source"], fmt, case.get("state") or "-", objects, ptext,
            "yes" if r.get("crash") else "no", vtext, r["status"])) + " |")
    if missing:
        lines += ["", "## Not fetched", ""] + [f"- {m['id']} ({m['dest']}): {m.get('reason', '')}" for m in missing]
    warned = [r for r in results if r["status"] == "WARN"]
    if warned:
        lines += ["", "## Warnings", ""]
        for r in warned:
            st = r.get("stages", {})
            why = list(r.get("notes", []))
            if st.get("import", {}).get("skipped"):
                examples = st["import"].get("skipped_examples") or [w for w in st["import"].get("warnings", [])
                                                                    if "skipped" in w]
                why.append(f"{st['import']['skipped']} skipped" + (f", e.g. {examples[0][:200]}" if examples else ""))
            if st.get("validator", {}).get("warnings"):
                why.append(f"validator: {st['validator']['warnings']} warnings")
            if st.get("placement", {}).get("ok") is None and st.get("placement", {}).get("text"):
                why.append(f"placement: {st['placement']['text']}")
            lines.append(f"- {Path(r['case']['path']).name}: " + _cell("; ".join(why)))
    failures = [r for r in results if r["status"] in ("CRASH", "FAIL", "REJECTED")]
    if failures:
        lines += ["", "## Failures", ""]
        for r in failures:
            case = r["case"]
            lines.append(f"### {Path(case['path']).name} ({r['status']}, stage {r.get('failed_stage') or '?'})")
            lines.append("")
            lines.append(f"- source: {case['source']}" + (f"; quirk: {case['quirk']}" if case.get("quirk") else ""))
            for reason in r.get("reasons", []):
                lines.append(f"- {_cell(reason)[:600]}")
            tb = next((s.get("traceback") for s in r.get("stages", {}).values()
                       if isinstance(s, dict) and s.get("traceback") and not s.get("clean")), None)
            if tb:
                lines += ["", "```", tb.strip()[-1500:], "```"]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=False).stdout.strip() or "?"
    except OSError:
        return "?"


def run_all(cases: list[Case], out_dir: Path, timeout: float, missing: list[dict] | None = None,
            echo: bool = True, validator: Path | None | str = "auto") -> tuple[list[dict], str]:
    """Run every case, write latest.md and latest.json into ``out_dir``; returns (results, markdown).

    ``validator``: the validator script ("auto": $GEOTWIN_VALIDATOR_SH or scripts/validator.sh; None: not run).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    validator = find_validator() if validator == "auto" else validator
    results = []
    with tempfile.TemporaryDirectory(prefix="geotwin-conformance-") as work_root:
        for i, case in enumerate(cases, 1):
            result = run_case(case, Path(work_root), timeout, validator)
            results.append(result)
            if echo:
                print(f"[{i}/{len(cases)}] {result['status']:8} {result['seconds']:7.1f} s  {case.path}"
                      + (f"  <- {result['reasons'][0][:160]}" if result.get("reasons") else ""), flush=True)
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    vals = [r["stages"].get("validator", {}) for r in results]
    validator_text = "ran" if any(v.get("ran") for v in vals) else \
        next((v.get("text") for v in vals if v.get("text")), "no scripts/validator.sh" if validator is None else "-")
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "files": len(results),
            "by_status": by_status, "validator": validator_text, "commit": _commit()}
    text = markdown(results, missing or [], meta)
    (out_dir / "latest.md").write_text(text, encoding="utf-8")
    (out_dir / "latest.json").write_text(json.dumps({"meta": meta, "not_fetched": missing or [],
                                                     "results": results}, indent=1, default=str), encoding="utf-8")
    return results, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("shared", "corpus"), help="run only shared/data or only corpus/")
    parser.add_argument("--files", nargs="*", help="run these files (kind from the name) instead")
    parser.add_argument("--crs", dest="files_crs", default="",
                        help="with --files: the CRS override for city models that state none (e.g. EPSG:25832+7837)")
    parser.add_argument("--out-dir", default=str(RESULTS))
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("GEOTWIN_CONFORMANCE_TIMEOUT", 900)))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--validator", help=argparse.SUPPRESS)
    parser.add_argument("--worker-crs", dest="crs", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        run_one(Path(args.one), args.kind, Path(args.work), Path(args.result),
                Path(args.validator) if args.validator else None, args.crs)
        return 0
    if args.files:
        cases = []
        for f in args.files:
            kind = kind_of(Path(f))
            if kind is None:
                print(f"skipped (not a city model or IFC file): {f}", file=sys.stderr)
                continue
            cases.append(Case(str(Path(f).resolve()), kind, "command line", id=f,
                              crs_override=args.files_crs if kind != "ifc" else ""))
        missing = []
    else:
        cases = ([] if args.only == "corpus" else shared_cases()) + ([] if args.only == "shared" else corpus_cases())
        missing = [] if args.only == "shared" else not_fetched()
        if args.only != "shared" and not (CORPUS / "fetched.json").is_file():
            print("corpus/ not fetched: run scripts/fetch_corpus.py first (shared/data only)", file=sys.stderr)
    results, text = run_all(cases, Path(args.out_dir), args.timeout, missing)
    print()
    print(text)
    return 1 if any(r.get("crash") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
