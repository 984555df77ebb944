"""GLB writer: one triangle mesh with feature ids and property tables, optionally quantised and meshopt-compressed.

- Positions are given relative to the tile in glTF's y-up frame (float64); the node's
  translation (and the quantisation scale) carry the offset in double precision.
- KHR_mesh_quantization: positions as UNSIGNED_SHORT with one uniform scale (normals stay
  undistorted), normals as normalised BYTE. Used only when the error stays within ``max_error``.
- EXT_meshopt_compression (when the ``meshoptimizer`` package is installed): vertex and index
  streams compressed with meshopt's codecs, version 0 as the extension requires.
- KHR_draco_mesh_compression (``draco``; with DracoPy): positions, normals and the feature id attributes
  in one Draco mesh; the extension is required, so the accessors carry no uncompressed fallback (no
  ``bufferView``) and describe the decoded data (counts and bounds read back from the Draco buffer).
- 3D Tiles 1.1: EXT_mesh_features + EXT_structural_metadata; 3D Tiles 1.0: a ``_BATCHID`` attribute.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel.errors import GeoTwinError
from .frame import bounds
from .metadata import Column
from .metadata import schema as metadata_schema

FLOAT, UBYTE, BYTE, USHORT, SHORT, UINT = 5126, 5121, 5120, 5123, 5122, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
QUANT_STEPS = 65535
DRACO = "KHR_draco_mesh_compression"
DRACO_LEVEL = 7             # Draco's compression level (0..10; 7 is what glTF tools use by default)
DRACO_NORMAL_BITS = 10      # normals: octahedral, 10 bits (under 0.1 degree)
DRACO_MIN_BITS, DRACO_MAX_BITS = 11, 30
DRACO_MISSING = ("KHR_draco_mesh_compression needs the DracoPy package, which is not installed: "
                 "python3 -m pip install --user DracoPy (Windows: in the OSGeo4W Shell, "
                 "python -m pip install DracoPy), or export without Draco")


def meshopt_available() -> bool:
    """Say whether meshoptimizer (EXT_meshopt_compression) can be imported.

    Returns:
        True when the module is installed.

    Example:
        >>> import importlib.util
        >>> meshopt_available() == (importlib.util.find_spec("meshoptimizer") is not None)
        True
    """
    try:
        import meshoptimizer  # noqa: F401
    except ImportError:
        return False
    return True


def draco_available() -> bool:
    """Say whether DracoPy (KHR_draco_mesh_compression) can be imported.

    Returns:
        True when the module is installed.

    Example:
        >>> import importlib.util
        >>> draco_available() == (importlib.util.find_spec("DracoPy") is not None)
        True
    """
    try:
        import DracoPy  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class FeatureSet:
    """One feature id per vertex, and the property table the ids index (None: ids only)."""

    ids: NDArray[Any]
    label: str
    class_name: str | None = None
    columns: list[Column] | None = None
    rows: NDArray[Any] | None = None      # rows of the columns, in feature id order


@dataclass
class GlbResult:
    data: bytes
    quantized: bool
    max_quantization_error: float       # metres (0 when not quantised)
    meshopt: bool
    stats: dict[str, Any] = field(default_factory=dict)
    draco: bool = False                 # KHR_draco_mesh_compression (max_quantization_error: Draco's bound)


class _Builder:
    def __init__(self, meshopt: bool) -> None:
        self.meshopt = meshopt
        self.bin = bytearray()          # buffer 0: the GLB BIN chunk
        self.fallback = 0               # length of the meshopt fallback buffer (buffer 1)
        self.buffer_views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []

    def _append(self, data: bytes, align: int = 8) -> int:
        while len(self.bin) % align:
            self.bin.append(0)
        offset = len(self.bin)
        self.bin += data
        return offset

    def view(self, data: bytes, **extra: Any) -> int:
        if not data:  # glTF forbids empty buffer views; padding one would contradict its offsets
            raise ValueError("empty buffer view")
        offset = self._append(data)
        self.buffer_views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(data), **extra})
        return len(self.buffer_views) - 1

    def vertex_view(self, array: NDArray[Any], target: int, mode: str) -> int:
        """A vertex or index stream; compressed with meshopt when enabled."""
        array = np.ascontiguousarray(array)
        raw = array.tobytes()
        count = len(array)
        stride = len(raw) // max(count, 1)
        extra = {"target": target}
        if target == ARRAY_BUFFER:
            extra["byteStride"] = stride
        if not self.meshopt:
            return self.view(raw, **extra)
        import meshoptimizer as mo

        mo.encode_vertex_version(0)  # EXT_meshopt_compression decoders read version 0 only
        if mode == "TRIANGLES":
            encoded = mo.encode_index_buffer(array.reshape(-1).astype(np.uint32), count, int(array.max()) + 1)
        else:
            encoded = mo.encode_vertex_buffer(array.view(np.uint8).reshape(count, stride), count, stride)
        offset = self._append(bytes(encoded), 4)
        while self.fallback % 4:
            self.fallback += 1
        fb_offset = self.fallback
        self.fallback += len(raw)
        self.buffer_views.append({
            "buffer": 1, "byteOffset": fb_offset, "byteLength": len(raw), **extra,
            "extensions": {"EXT_meshopt_compression": {
                "buffer": 0, "byteOffset": offset, "byteLength": len(encoded),
                "byteStride": stride, "count": count, "mode": mode}}})
        return len(self.buffer_views) - 1

    def accessor(self, view: int | None, component: int, count: int, type_: str, *, normalized: bool = False,
                 minmax: tuple[Any, ...] | None = None) -> int:
        """An accessor of ``view`` (None: data only in a Draco buffer, no uncompressed fallback)."""
        acc: dict[str, Any] = {"componentType": component, "count": count, "type": type_}
        if view is not None:
            acc = {"bufferView": view, **acc}
        if normalized:
            acc["normalized"] = True
        if minmax is not None:
            acc["min"], acc["max"] = [float(v) if component == FLOAT else int(v) for v in minmax[0]], \
                                     [float(v) if component == FLOAT else int(v) for v in minmax[1]]
        self.accessors.append(acc)
        return len(self.accessors) - 1


def _quantize(positions: NDArray[Any], max_error: float) -> tuple[NDArray[Any], NDArray[Any], float, float] | None:
    """UNSIGNED_SHORT positions, offset and uniform scale, and the max 3D error; None if above ``max_error``."""
    lo, hi = bounds(positions)
    extent = float((hi - lo).max())
    scale = max(extent, 1e-6) / QUANT_STEPS
    q = np.clip(np.rint((positions - lo) / scale), 0, QUANT_STEPS).astype(np.uint16)
    error = float(np.linalg.norm(q.astype(np.float64) * scale + lo - positions, axis=1).max())
    if error > max_error:
        return None
    return q, lo, scale, error


def _quantize_normals(normals: NDArray[Any]) -> NDArray[Any]:
    result: NDArray[Any] = np.clip(np.rint(normals * 127.0), -127, 127).astype(np.int8)
    return result


def _vertices(b: _Builder, positions: NDArray[Any], normals: NDArray[Any], translation: NDArray[Any],
              quantize: bool, max_error: float, node: dict[str, Any],
              attributes: dict[str, int]) -> tuple[bool, float]:
    """POSITION and NORMAL (quantised when asked and possible), the node's translation and scale; whether
    the positions are quantised, and their largest error."""
    n = len(positions)
    quant = _quantize(positions, max_error) if quantize else None
    if quant is None:
        p32 = positions.astype(np.float32)
        view = b.vertex_view(p32, ARRAY_BUFFER, "ATTRIBUTES")
        attributes["POSITION"] = b.accessor(view, FLOAT, n, "VEC3", minmax=bounds(p32))
        view = b.vertex_view(normals.astype(np.float32), ARRAY_BUFFER, "ATTRIBUTES")
        attributes["NORMAL"] = b.accessor(view, FLOAT, n, "VEC3")
        node["translation"] = [float(v) for v in translation]
        return False, 0.0
    q, lo, scale, qerror = quant
    padded = np.zeros((n, 4), np.uint16)
    padded[:, :3] = q
    view = b.vertex_view(padded, ARRAY_BUFFER, "ATTRIBUTES")
    attributes["POSITION"] = b.accessor(view, USHORT, n, "VEC3", minmax=bounds(q))
    node["translation"] = [float(v) for v in translation + lo]
    node["scale"] = [scale] * 3
    nq = np.zeros((n, 4), np.int8)
    nq[:, :3] = _quantize_normals(normals)
    view = b.vertex_view(nq, ARRAY_BUFFER, "ATTRIBUTES")
    attributes["NORMAL"] = b.accessor(view, BYTE, n, "VEC3", normalized=True)
    return True, qerror


def _feature_ids(b: _Builder, features: list[FeatureSet], n: int, batch_id: bool,
                 attributes: dict[str, int]) -> list[dict[str, Any]]:
    """One feature id attribute per feature set (``_BATCHID`` for b3dm); their EXT_mesh_features entries."""
    mesh_features = []
    for i, fs in enumerate(features):
        count = int(fs.ids.max()) + 1 if len(fs.ids) else 0
        if count <= 65535:
            ids: NDArray[Any] = np.zeros((n, 2), np.uint16)
            ids[:, 0] = fs.ids
            comp = USHORT
        else:
            ids = fs.ids.astype(np.float32).reshape(-1, 1)
            comp = FLOAT
        view = b.vertex_view(ids, ARRAY_BUFFER, "ATTRIBUTES")
        name = "_BATCHID" if batch_id else f"_FEATURE_ID_{i}"
        attributes[name] = b.accessor(view, comp, n, "SCALAR")
        fid = {"featureCount": len(fs.rows) if fs.rows is not None else count, "attribute": i, "label": fs.label}
        mesh_features.append(fid)
    return mesh_features


def _feature_entry(fs: FeatureSet, i: int) -> dict[str, Any]:
    """The EXT_mesh_features entry of feature set ``i`` (its attribute ``_FEATURE_ID_i``)."""
    count = int(fs.ids.max()) + 1 if len(fs.ids) else 0
    return {"featureCount": len(fs.rows) if fs.rows is not None else count, "attribute": i, "label": fs.label}


def draco_bits(positions: NDArray[Any], max_error: float) -> tuple[int, float]:
    """Choose Draco's position quantisation bits that keep the 3D error within ``max_error``.

    Draco quantises each axis to ``2**bits - 1`` steps over the largest extent, so a vertex moves by at most half
    a step per axis (sqrt(3)/2 steps in 3D), plus float32 rounding.

    Args:
        positions: (N, 3) vertices.
        max_error: the largest allowed displacement (m).

    Returns:
        (bits, at least 11 and at most 30; the error bound they give).

    Example:
        >>> bits, bound = draco_bits(np.array([[0, 0, 0], [100, 50, 20.]]), 0.01)
        >>> bits, bound <= 0.01, 100 / (2 ** 13 - 1) * 3 ** 0.5 / 2 > 0.01      # 13 bits would not do
        (14, True, True)
        >>> draco_bits(np.array([[0, 0, 0], [1, 1, 1.]]), 0.01)[0]                # never fewer than 11
        11
    """
    lo, hi = bounds(positions) if len(positions) else (np.zeros(3), np.zeros(3))
    extent = max(float((hi - lo).max()), 1e-6)
    half_diagonal = np.sqrt(3.0) / 2
    bits = int(np.ceil(np.log2(half_diagonal * extent / max_error + 1)))
    bits = min(max(bits, DRACO_MIN_BITS), DRACO_MAX_BITS)
    rounding = float(np.abs(np.concatenate([lo, hi])).max()) * 2.0 ** -23
    return bits, half_diagonal * extent / (2 ** bits - 1) + rounding


@dataclass
class _DracoMesh:
    """One primitive's Draco buffer and what its accessors must state about the decoded data."""

    data: bytes
    points: int
    faces: int
    lo: NDArray[Any]
    hi: NDArray[Any]
    unique_ids: dict[str, int]       # glTF attribute name -> Draco attribute unique id
    error: float                     # bound of the position error (m)


def _draco_encode(positions: NDArray[Any], normals: NDArray[Any], triangles: NDArray[Any],
                  generic: dict[str, NDArray[Any]], max_error: float) -> _DracoMesh:
    """Encode a triangle mesh with DracoPy and read it back: the decoded point and face counts, position bounds
    and the unique id of every attribute (POSITION, NORMAL and the ``generic`` ones by name)."""
    try:
        import DracoPy
    except ImportError as err:
        raise GeoTwinError(DRACO_MISSING) from err
    bits, error = draco_bits(positions, max_error)
    data = bytes(DracoPy.encode(np.ascontiguousarray(positions, np.float32), np.ascontiguousarray(triangles, np.uint32),
                                quantization_bits=bits, compression_level=DRACO_LEVEL,
                                normals=np.ascontiguousarray(normals, np.float64),
                                normal_quantization_bits=DRACO_NORMAL_BITS, generic_attributes=generic or None))
    decoded = DracoPy.decode(data)
    by_type = {0: "POSITION", 1: "NORMAL"}   # Draco's GeometryAttribute::Type
    unique_ids: dict[str, int] = {}
    for attribute in decoded.attributes:
        name = attribute["name"] if attribute["name"] in generic else by_type.get(attribute["attribute_type"])
        if name is not None:
            unique_ids[name] = int(attribute["unique_id"])
    missing = {"POSITION", "NORMAL", *generic} - set(unique_ids)
    if missing:  # DracoPy wrote a buffer without them: never seen, but a tile without its ids is no tile
        raise GeoTwinError(f"Draco buffer lacks the attribute(s) {', '.join(sorted(missing))}")
    points = np.asarray(decoded.points, np.float32).reshape(-1, 3)
    lo, hi = bounds(points)
    return _DracoMesh(data, len(points), len(np.asarray(decoded.faces).reshape(-1, 3)), lo, hi, unique_ids, error)


def _draco_primitive(b: _Builder, positions: NDArray[Any], normals: NDArray[Any], triangles: NDArray[Any],
                     features: list[FeatureSet], batch_id: bool, max_error: float,
                     attributes: dict[str, int]) -> tuple[int, dict[str, Any], list[dict[str, Any]], float]:
    """POSITION, NORMAL, the feature id attributes and the indices in one Draco buffer (KHR_draco_mesh_compression,
    required: the accessors have no bufferView). Returns the indices accessor, the primitive's extension
    object, the EXT_mesh_features entries and the bound of the position error."""
    generic: dict[str, NDArray[Any]] = {}
    id_types: dict[str, int] = {}
    mesh_features = []
    for i, fs in enumerate(features):
        name = "_BATCHID" if batch_id else f"_FEATURE_ID_{i}"
        small = (int(fs.ids.max()) + 1 if len(fs.ids) else 0) <= 65535
        generic[name] = fs.ids.astype(np.uint16 if small else np.float32).reshape(-1, 1)
        id_types[name] = USHORT if small else FLOAT
        mesh_features.append(_feature_entry(fs, i))
    draco = _draco_encode(positions, normals, triangles, generic, max_error)
    view = b.view(draco.data)
    attributes["POSITION"] = b.accessor(None, FLOAT, draco.points, "VEC3", minmax=(draco.lo, draco.hi))
    attributes["NORMAL"] = b.accessor(None, FLOAT, draco.points, "VEC3")
    for name, comp in id_types.items():
        attributes[name] = b.accessor(None, comp, draco.points, "SCALAR")
    indices = b.accessor(None, USHORT if draco.points <= 65535 else UINT, 3 * draco.faces, "SCALAR")
    extension = {"bufferView": view, "attributes": {k: draco.unique_ids[k] for k in attributes}}
    return indices, extension, mesh_features, draco.error


def _property_tables(b: _Builder, features: list[FeatureSet],
                     mesh_features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """EXT_structural_metadata property tables of the feature sets with a class (linked from their ids)."""
    tables: list[dict[str, Any]] = []
    for i, fs in enumerate(features):
        if not fs.class_name:
            continue
        if fs.rows is None or not len(fs.rows):
            raise ValueError(f"property table {fs.class_name!r} without features (count must be >= 1)")
        props = {}
        for col in fs.columns or []:  # every property, even one without any value (see metadata)
            bufs, keys = col.encode(fs.rows)
            entry = {"values": b.view(bufs[0])}
            if len(bufs) > 1:
                entry["stringOffsets"] = b.view(bufs[1])
            props[col.id] = {**entry, **keys}
        mesh_features[i]["propertyTable"] = len(tables)
        tables.append({"class": fs.class_name, "count": len(fs.rows), "properties": props})
    return tables


def build_glb(positions: NDArray[Any], normals: NDArray[Any], triangles: NDArray[Any], features: list[FeatureSet],
              *, translation: NDArray[Any], metadata: bool = True, batch_id: bool = False,
              quantize: bool = True, meshopt: bool = False, max_error: float = 0.01,
              schema_uri: str | None = None, extras: dict[str, Any] | None = None,
              draco: bool = False) -> GlbResult:
    """Build a GLB of one mesh with its feature ids (EXT_mesh_features) and property tables.

    ``positions`` (N, 3) are y-up, relative to ``translation`` (the node's offset). ``schema_uri``: the metadata
    schema as a shared file (relative to the GLB) instead of embedded. ``draco``: float positions and normals,
    compressed with KHR_draco_mesh_compression (required; no quantisation, no meshopt); ``max_error`` bounds
    Draco's position quantisation.

    Args:
        positions, normals: (N, 3) per vertex.
        triangles: (T, 3) vertex indices.
        features: the feature id sets (one per vertex each) with their property tables.
        translation: the node's offset.
        metadata, batch_id, quantize, meshopt, max_error, schema_uri, extras, draco: the encoding choices.

    Returns:
        The GlbResult: bytes, whether quantised, the quantisation error bound, meshopt/Draco flags, statistics.

    Raises:
        GeoTwinError: Draco asked for but DracoPy is not installed.

    Example:
        >>> positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0.]])
        >>> result = build_glb(positions, np.array([[0, 0, 1.]] * 3), np.array([[0, 1, 2]]),
        ...                    [FeatureSet(np.zeros(3, int), "building")], translation=np.zeros(3), metadata=False)
        >>> gltf, _ = unpack_glb(result.data)
        >>> result.quantized, gltf["meshes"][0]["primitives"][0]["attributes"], gltf["extensionsUsed"]
        (True, {'POSITION': 0, 'NORMAL': 1, '_FEATURE_ID_0': 2}, ['KHR_mesh_quantization'])
    """
    meshopt = meshopt and meshopt_available() and not draco
    b = _Builder(meshopt)
    n = len(positions)
    node: dict[str, Any] = {"mesh": 0}
    attributes: dict[str, int] = {}
    if draco:
        node["translation"] = [float(v) for v in translation]
        indices, draco_ext, mesh_features, qerror = _draco_primitive(b, positions, normals, triangles, features,
                                                                     batch_id, max_error, attributes)
        quantized, extensions_used = False, [DRACO]
    else:
        quantized, qerror = _vertices(b, positions, normals, translation, quantize, max_error, node, attributes)
        extensions_used = ["KHR_mesh_quantization"] if quantized else []
        mesh_features = _feature_ids(b, features, n, batch_id, attributes)
        idx = triangles.reshape(-1)
        idx_arr = idx.astype(np.uint16 if n <= 65535 else np.uint32)
        view = b.vertex_view(idx_arr, ELEMENT_ARRAY_BUFFER, "TRIANGLES")
        indices = b.accessor(view, USHORT if idx_arr.dtype == np.uint16 else UINT, len(idx_arr), "SCALAR")

    primitive: dict[str, Any] = {"attributes": attributes, "indices": indices, "material": 0, "mode": 4}
    if draco:
        primitive["extensions"] = {DRACO: draco_ext}
    gltf: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "GeoTwin"},
        "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [node],
        "meshes": [{"primitives": [primitive]}],
        "materials": [{"pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0.0,
                                                "roughnessFactor": 1.0}, "doubleSided": True}],
    }
    if extras:
        gltf["asset"]["extras"] = extras

    if metadata and not batch_id:
        classes = {fs.class_name: fs.columns or [] for fs in features if fs.class_name}
        tables = _property_tables(b, features, mesh_features)
        primitive["extensions"] = {**primitive.get("extensions", {}),
                                   "EXT_mesh_features": {"featureIds": mesh_features}}
        schema_ref = {"schemaUri": schema_uri} if schema_uri else {"schema": metadata_schema(classes)}
        gltf["extensions"] = {"EXT_structural_metadata": {**schema_ref, "propertyTables": tables}}
        extensions_used += ["EXT_mesh_features", "EXT_structural_metadata"]

    buffers: list[dict[str, Any]] = [{"byteLength": 0}]
    if meshopt:
        buffers.append({"byteLength": b.fallback, "extensions": {"EXT_meshopt_compression": {"fallback": True}}})
        extensions_used.append("EXT_meshopt_compression")
    gltf["bufferViews"] = b.buffer_views
    gltf["accessors"] = b.accessors
    gltf["buffers"] = buffers
    if extensions_used:
        gltf["extensionsUsed"] = extensions_used
        required = [e for e in extensions_used if e in ("KHR_mesh_quantization", "EXT_meshopt_compression", DRACO)]
        if required:
            gltf["extensionsRequired"] = required
    while len(b.bin) % 4:
        b.bin.append(0)
    buffers[0]["byteLength"] = len(b.bin)
    return GlbResult(pack_glb(gltf, bytes(b.bin)), quantized, qerror, meshopt,
                     {"vertices": n, "triangles": len(triangles)}, draco)


def pack_glb(gltf: dict[str, Any], binary: bytes) -> bytes:
    """Pack a glTF JSON and its binary buffer into a GLB (header, JSON chunk, BIN chunk, 4-byte aligned).

    Args:
        gltf: the glTF JSON.
        binary: the BIN chunk's content.

    Returns:
        The GLB bytes.

    Example:
        >>> data = pack_glb({"asset": {"version": "2.0"}}, b"abc")
        >>> data[:4], len(data) % 4, unpack_glb(data)
        (b'glTF', 0, ({'asset': {'version': '2.0'}}, b'abc\\x00'))
    """
    js = json.dumps(gltf, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    js += b" " * (-len(js) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(js) + (8 + len(binary) if binary else 0)
    out = struct.pack("<4sII", b"glTF", 2, total) + struct.pack("<I4s", len(js), b"JSON") + js
    if binary:
        out += struct.pack("<I4s", len(binary), b"BIN\0") + binary
    return out


def unpack_glb(data: bytes) -> tuple[dict[str, Any], bytes]:
    """Split a GLB into its JSON and BIN chunk.

    Args:
        data: the GLB bytes.

    Returns:
        (the glTF JSON, the BIN chunk, padded to 4 bytes; empty without one).

    Example:
        >>> unpack_glb(pack_glb({"asset": {"version": "2.0"}, "scene": 0}, b"\\x01\\x02\\x03\\x04"))
        ({'asset': {'version': '2.0'}, 'scene': 0}, b'\\x01\\x02\\x03\\x04')
    """
    magic, version, total = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2:
        raise ValueError("not a glTF 2.0 binary")
    jlen, _ = struct.unpack_from("<I4s", data, 12)
    gltf = json.loads(data[20:20 + jlen])
    binary = b""
    if 20 + jlen < total:
        blen, _ = struct.unpack_from("<I4s", data, 20 + jlen)
        binary = data[28 + jlen:28 + jlen + blen]
    return gltf, binary
