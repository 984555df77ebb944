"""A structural checker of exported 3D Tiles, written from the specifications only (no twin.tiles code).

``check_export(folder)`` returns every problem found (an empty list when the export is sound):

- GLB (3D Tiles 1.1): chunk layout; every bufferView non-empty (glTF: byteLength >= 1) and inside its buffer;
  EXT_structural_metadata property tables: every class property has values (the 3D Tiles tools, and with
  them the official validator, cannot read a table that leaves one out), and the byteLength of every
  values / arrayOffsets / stringOffsets buffer view equals the length that the table's ``count``, the
  property's type and the offsets imply (the official validator's METADATA_INVALID_LENGTH), offsets
  non-decreasing from 0, views aligned to their component size, strings valid UTF-8, enum values and
  ``noData`` of the property's type; EXT_mesh_features feature counts equal to their table's count.
- b3dm (3D Tiles 1.0): header lengths, feature table BATCH_LENGTH, every batch table property one value per
  feature (JSON arrays) or a binary reference inside the batch table's binary body.
- .subtree files: header, bitstream lengths ceil(n/8) for the tile, content and child-subtree availability
  of ``subtreeLevels`` levels, availableCount equal to the set bits, constants 0 or 1.
- tileset.json: every content file exists; a child's geometricError never exceeds its parent's.
- All JSON strict (no NaN / Infinity, which Python's json writes and reads but no other parser accepts).
"""
from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

COMPONENT_BYTES = {"INT8": 1, "UINT8": 1, "INT16": 2, "UINT16": 2, "INT32": 4, "UINT32": 4, "INT64": 8,
                   "UINT64": 8, "FLOAT32": 4, "FLOAT64": 8}
COMPONENT_DTYPE = {"INT8": "<i1", "UINT8": "<u1", "INT16": "<i2", "UINT16": "<u2", "INT32": "<i4",
                   "UINT32": "<u4", "INT64": "<i8", "UINT64": "<u8", "FLOAT32": "<f4", "FLOAT64": "<f8"}
TYPE_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
INT_RANGES = {k: (np.iinfo(v).min, np.iinfo(v).max) for k, v in COMPONENT_DTYPE.items() if "f" not in v}


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def strict_json(text: str | bytes):
    """json.loads without Python's NaN / Infinity extension (the validators' JSON parsers reject them)."""
    return json.loads(text, parse_constant=_no_constant)


def parse_glb(data: bytes) -> tuple[dict, bytes]:
    """JSON and BIN chunk of a GLB (glTF 2.0 binary), checking the header and chunk lengths."""
    magic, version, total = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2:
        raise ValueError("not a glTF 2.0 binary")
    if total != len(data):
        raise ValueError(f"GLB header length {total} != {len(data)} bytes")
    jlen, jtype = struct.unpack_from("<I4s", data, 12)
    if jtype != b"JSON" or jlen % 4:
        raise ValueError("first GLB chunk is not a 4-byte aligned JSON chunk")
    gltf = strict_json(data[20:20 + jlen])
    binary = b""
    if 20 + jlen < total:
        blen, btype = struct.unpack_from("<I4s", data, 20 + jlen)
        if btype != b"BIN\0":
            raise ValueError("second GLB chunk is not BIN")
        binary = data[28 + jlen:28 + jlen + blen]
    return gltf, binary


def _view_bytes(gltf: dict, binary: bytes, index: int, where: str, problems: list[str]) -> bytes | None:
    views = gltf.get("bufferViews", [])
    if not isinstance(index, int) or not 0 <= index < len(views):
        problems.append(f"{where}: no bufferView {index}")
        return None
    view = views[index]
    if view.get("buffer") != 0 or "extensions" in view:
        problems.append(f"{where}: bufferView {index} is not plain data in the GLB's BIN chunk")
        return None
    start = view.get("byteOffset", 0)
    return binary[start:start + view["byteLength"]]


def _offsets(raw: bytes, kind: str, n: int, where: str, problems: list[str]) -> np.ndarray | None:
    """n + 1 offsets of type ``kind``; None (and a problem) when they are not n + 1 non-decreasing from 0."""
    size = COMPONENT_BYTES.get(kind)
    if kind not in ("UINT8", "UINT16", "UINT32", "UINT64"):
        problems.append(f"{where}: offset type {kind!r} is not an unsigned integer type")
        return None
    if len(raw) != (n + 1) * size:
        problems.append(f"{where}: byteLength {len(raw)}, expected ({n} + 1) * {size} = {(n + 1) * size}")
        return None
    off = np.frombuffer(raw, COMPONENT_DTYPE[kind]).astype(np.int64)
    if off[0] != 0 or (np.diff(off) < 0).any():
        problems.append(f"{where}: offsets do not increase from 0")
        return None
    return off


def _check_alignment(gltf: dict, index: int, size: int, where: str, problems: list[str]) -> None:
    view = gltf["bufferViews"][index]
    if view.get("byteOffset", 0) % size:
        problems.append(f"{where}: bufferView {index} byteOffset {view.get('byteOffset', 0)} "
                        f"not aligned to {size} bytes")


def check_property(gltf: dict, binary: bytes, schema: dict, prop: dict, entry: dict, count: int,
                   where: str) -> list[str]:
    """The buffer views of one property table property against the length its type and offsets imply."""
    problems: list[str] = []
    kind = prop.get("type")
    enums = schema.get("enums", {})
    if kind == "ENUM":
        enum = enums.get(prop.get("enumType"))
        if enum is None:
            return [f"{where}: enumType {prop.get('enumType')!r} is not in the schema"]
        component = enum.get("valueType", "UINT16")
    else:
        component = prop.get("componentType")
    if kind in TYPE_COMPONENTS and component not in COMPONENT_BYTES:
        return [f"{where}: {kind} without a valid componentType"]
    if kind not in TYPE_COMPONENTS and kind not in ("STRING", "BOOLEAN", "ENUM"):
        return [f"{where}: unknown type {kind!r}"]

    # number of elements (array elements; one per feature for non-arrays)
    elements = count
    array_offsets = None
    if prop.get("array"):
        if "count" in prop:
            elements = count * int(prop["count"])
        else:
            if "arrayOffsets" not in entry:
                return [f"{where}: variable-length array without arrayOffsets"]
            raw = _view_bytes(gltf, binary, entry["arrayOffsets"], where + "/arrayOffsets", problems)
            if raw is None:
                return problems
            kind_off = entry.get("arrayOffsetType", "UINT32")
            array_offsets = _offsets(raw, kind_off, count, where + "/arrayOffsets", problems)
            if array_offsets is None:
                return problems
            _check_alignment(gltf, entry["arrayOffsets"], COMPONENT_BYTES[kind_off], where + "/arrayOffsets", problems)
            elements = int(array_offsets[-1])     # array offsets count elements, not bytes
    values = _view_bytes(gltf, binary, entry.get("values"), where + "/values", problems)
    if values is None:
        return problems
    if kind == "STRING":
        if "stringOffsets" not in entry:
            return problems + [f"{where}: STRING without stringOffsets"]
        raw = _view_bytes(gltf, binary, entry["stringOffsets"], where + "/stringOffsets", problems)
        if raw is None:
            return problems
        kind_off = entry.get("stringOffsetType", "UINT32")
        off = _offsets(raw, kind_off, elements, where + "/stringOffsets", problems)
        if off is None:
            return problems
        _check_alignment(gltf, entry["stringOffsets"], COMPONENT_BYTES[kind_off], where + "/stringOffsets", problems)
        if len(values) != off[-1]:
            problems.append(f"{where}/values: byteLength {len(values)}, but the last string offset is {off[-1]} "
                            "(METADATA_INVALID_LENGTH)")
            return problems
        for i in range(elements):
            try:
                values[off[i]:off[i + 1]].decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"{where}: string {i} is not UTF-8")
                break
        if "noData" in prop and not isinstance(prop["noData"], str):
            problems.append(f"{where}: STRING noData {prop['noData']!r} is not a string")
        return problems
    if kind == "BOOLEAN":
        expected = math.ceil(elements / 8)
        if len(values) != expected:
            problems.append(f"{where}/values: byteLength {len(values)}, expected ceil({elements} / 8) = {expected}")
        return problems
    components = TYPE_COMPONENTS.get(kind, 1)
    size = COMPONENT_BYTES[component]
    expected = elements * components * size
    if len(values) != expected:
        problems.append(f"{where}/values: byteLength {len(values)}, expected {elements} * {components} * {size} "
                        f"= {expected} (METADATA_INVALID_LENGTH)")
        return problems
    _check_alignment(gltf, entry["values"], size, where + "/values", problems)
    data = np.frombuffer(values, COMPONENT_DTYPE[component])
    nodata = prop.get("noData")
    if kind == "ENUM":
        names = {v["name"]: v["value"] for v in enum["values"]}
        lo, hi = INT_RANGES[component]
        if not all(lo <= v <= hi for v in names.values()):
            problems.append(f"{where}: enum values outside {component}")
        if not set(data.tolist()) <= set(names.values()):
            problems.append(f"{where}: values {sorted(set(data.tolist()) - set(names.values()))} not in the enum")
        if nodata is not None and nodata not in names:
            problems.append(f"{where}: noData {nodata!r} is not a name of the enum")
        return problems
    if nodata is not None:
        for value in (nodata if isinstance(nodata, list) else [nodata]):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(f"{where}: noData {nodata!r} is not a number")
            elif component in INT_RANGES and not (INT_RANGES[component][0] <= value <= INT_RANGES[component][1]):
                problems.append(f"{where}: noData {value} outside {component}")
    return problems


def check_glb(gltf: dict, binary: bytes, base: Path, name: str) -> list[str]:
    """Buffer views and the EXT_structural_metadata / EXT_mesh_features of one glTF."""
    problems: list[str] = []
    buffers = gltf.get("buffers", [])
    if buffers and buffers[0].get("byteLength", 0) > len(binary):
        problems.append(f"{name}: buffer 0 byteLength {buffers[0]['byteLength']} > BIN chunk {len(binary)}")
    for i, view in enumerate(gltf.get("bufferViews", [])):
        if view.get("byteLength", 0) < 1:
            problems.append(f"{name}: bufferView {i} byteLength {view.get('byteLength')} (glTF requires >= 1)")
        buffer = buffers[view["buffer"]] if 0 <= view.get("buffer", -1) < len(buffers) else None
        if buffer is None or view.get("byteOffset", 0) + view.get("byteLength", 0) > buffer["byteLength"]:
            problems.append(f"{name}: bufferView {i} outside its buffer")
    meta = gltf.get("extensions", {}).get("EXT_structural_metadata")
    if meta is None:
        return problems
    if "schema" in meta:
        schema = meta["schema"]
    else:
        schema_path = base / meta["schemaUri"]
        if not schema_path.is_file():
            return problems + [f"{name}: schemaUri {meta['schemaUri']} does not exist"]
        schema = strict_json(schema_path.read_text("utf-8"))
    tables = meta.get("propertyTables", [])
    for t, table in enumerate(tables):
        where = f"{name}: propertyTables[{t}]"
        cls = schema.get("classes", {}).get(table.get("class"))
        if cls is None:
            problems.append(f"{where}: class {table.get('class')!r} is not in the schema")
            continue
        count = table.get("count", 0)
        if not isinstance(count, int) or count < 1:
            problems.append(f"{where}: count {count!r} (must be >= 1)")
            continue
        props = table.get("properties", {})
        for pid in props:
            if pid not in cls.get("properties", {}):
                problems.append(f"{where}: property {pid!r} is not in class {table['class']!r}")
        for pid, prop in cls.get("properties", {}).items():
            if pid not in props:
                problems.append(f"{where}: class property {pid!r} has no values in the table")
                continue
            problems += check_property(gltf, binary, schema, prop, props[pid], count,
                                       f"{where}/properties/{pid}")
    for m, mesh in enumerate(gltf.get("meshes", [])):
        for p, prim in enumerate(mesh.get("primitives", [])):
            fids = prim.get("extensions", {}).get("EXT_mesh_features", {}).get("featureIds", [])
            for f, fid in enumerate(fids):
                where = f"{name}: meshes[{m}].primitives[{p}] featureIds[{f}]"
                if "attribute" in fid and f"_FEATURE_ID_{fid['attribute']}" not in prim.get("attributes", {}):
                    problems.append(f"{where}: no attribute _FEATURE_ID_{fid['attribute']}")
                if "propertyTable" in fid:
                    if not 0 <= fid["propertyTable"] < len(tables):
                        problems.append(f"{where}: no property table {fid['propertyTable']}")
                    elif fid.get("featureCount") != tables[fid["propertyTable"]].get("count"):
                        problems.append(f"{where}: featureCount {fid.get('featureCount')} != table count "
                                        f"{tables[fid['propertyTable']].get('count')}")
    return problems


def check_b3dm(data: bytes, name: str) -> tuple[list[str], bytes | None]:
    """The b3dm header, feature table and batch table; the embedded GLB."""
    problems: list[str] = []
    magic, version, total, ftj, ftb, btj, btb = struct.unpack_from("<4sIIIIII", data, 0)
    if magic != b"b3dm" or version != 1:
        return [f"{name}: not a b3dm version 1"], None
    if total != len(data) or 28 + ftj + ftb + btj + btb > total:
        return [f"{name}: b3dm lengths inconsistent"], None
    if (28 + ftj) % 8 or (28 + ftj + ftb + btj) % 8 or (28 + ftj + ftb + btj + btb) % 8:
        problems.append(f"{name}: b3dm sections not 8-byte aligned")
    try:
        features = strict_json(data[28:28 + ftj])
        pos = 28 + ftj + ftb
        batch = strict_json(data[pos:pos + btj]) if btj else {}
    except ValueError as err:
        return [f"{name}: feature or batch table: {err}"], None
    batch_length = features.get("BATCH_LENGTH")
    if not isinstance(batch_length, int) or batch_length < 0:
        problems.append(f"{name}: BATCH_LENGTH {batch_length!r}")
        batch_length = None
    for key, value in batch.items():
        if key in ("extensions", "extras"):
            continue
        if isinstance(value, list):
            if batch_length is not None and len(value) != batch_length:
                problems.append(f"{name}: batch table {key!r} has {len(value)} values for {batch_length} features")
        elif isinstance(value, dict) and "byteOffset" in value:
            if value["byteOffset"] > btb:
                problems.append(f"{name}: batch table {key!r} points outside the binary body")
        else:
            problems.append(f"{name}: batch table {key!r} is neither an array nor a binary reference")
    return problems, data[pos + btj + btb:total]


def check_subtree(data: bytes, levels: int, name: str) -> list[str]:
    problems: list[str] = []
    magic, version, jlen, blen = struct.unpack_from("<4sIQQ", data, 0)
    if magic != b"subt" or version != 1:
        return [f"{name}: not a subtree version 1"]
    if jlen % 8 or 24 + jlen + blen != len(data):
        problems.append(f"{name}: subtree lengths inconsistent")
    doc = strict_json(data[24:24 + jlen])
    binary = data[24 + jlen:24 + jlen + blen]
    views = doc.get("bufferViews", [])
    tiles = (4 ** levels - 1) // 3
    parts = [("tileAvailability", doc.get("tileAvailability"), tiles),
             ("childSubtreeAvailability", doc.get("childSubtreeAvailability"), 4 ** levels)]
    parts += [(f"contentAvailability[{i}]", a, tiles) for i, a in enumerate(doc.get("contentAvailability", []))]
    for label, avail, bits in parts:
        if avail is None:
            problems.append(f"{name}: no {label}")
        elif "constant" in avail:
            if avail["constant"] not in (0, 1):
                problems.append(f"{name}: {label} constant {avail['constant']}")
        elif "bitstream" in avail:
            view = views[avail["bitstream"]]
            if view["byteLength"] != math.ceil(bits / 8):
                problems.append(f"{name}: {label} byteLength {view['byteLength']}, expected ceil({bits} / 8)")
            raw = binary[view.get("byteOffset", 0):view.get("byteOffset", 0) + view["byteLength"]]
            set_bits = int(np.unpackbits(np.frombuffer(raw, np.uint8), bitorder="little")[:bits].sum())
            if "availableCount" in avail and avail["availableCount"] != set_bits:
                problems.append(f"{name}: {label} availableCount {avail['availableCount']} != {set_bits} set bits")
        else:
            problems.append(f"{name}: {label} neither constant nor bitstream")
    return problems


def check_export(folder: Path) -> list[str]:
    """Every problem in the export in ``folder`` (tileset.json, its content and subtree files)."""
    folder = Path(folder)
    tileset = strict_json((folder / "tileset.json").read_text("utf-8"))
    problems: list[str] = []

    def walk(tile: dict, parent_error: float) -> None:
        if tile["geometricError"] > parent_error:
            problems.append(f"tile geometricError {tile['geometricError']} > its parent's {parent_error}")
        implicit = tile.get("implicitTiling")
        if implicit:
            for path in sorted((folder / Path(implicit["subtrees"]["uri"]).parts[0]).rglob("*.subtree")):
                problems.extend(check_subtree(path.read_bytes(), implicit["subtreeLevels"],
                                              str(path.relative_to(folder))))
        uri = tile.get("content", {}).get("uri")
        if uri and "{" not in uri and not (folder / uri).is_file():
            problems.append(f"content {uri} does not exist")
        for child in tile.get("children", []):
            walk(child, tile["geometricError"])

    walk(tileset["root"], tileset["geometricError"])
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.suffix == ".glb":
            data = path.read_bytes()
        elif path.suffix == ".b3dm":
            found, data = check_b3dm(path.read_bytes(), name)
            problems.extend(found)
            if data is None:
                continue
        else:
            continue
        try:
            gltf, binary = parse_glb(data)
        except ValueError as err:
            problems.append(f"{name}: {err}")
            continue
        problems.extend(check_glb(gltf, binary, path.parent, name))
    return problems


def content_count(folder: Path) -> int:
    return sum(1 for p in Path(folder).rglob("*") if p.suffix in (".glb", ".b3dm"))
