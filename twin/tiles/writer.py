"""Tile content: the GLB (or b3dm) bytes of a tile, and the writer that places tile files into the new
tileset (reusing the previous export's file when its content key is unchanged)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel.heights import Georeferencer
from .frame import EnuFrame, bounds, enu_to_gltf
from .glb import FeatureSet, build_glb
from .incremental import Previous
from .mesh import Mesh
from .metadata import Column

#: LoD1 blocks carry a subset of the building attributes, as a class of its own: a property table has values
#: for every property of its class (the 3D Tiles tools cannot read one that leaves properties out)
LOD1_CLASS = "building_lod1"
LOD1_ATTRIBUTES = ("id", "parent_id", "object_class", "name", "function", "usage", "measured_height",
                   "roof_height", "street", "house_number")
MARKER_RADIUS = 0.5  # m: islands and sensors are small octahedra standing on their position

Bounds = tuple[NDArray[Any], NDArray[Any]]
#: what encoding a tile gives: its bytes, its ENU bounds and facts (quantized, quantization_error, sizes)
Encoded = tuple[bytes, Bounds, dict[str, Any]]


@dataclass(frozen=True)
class ContentOptions:
    """How every tile of one export is encoded, and the key part they all share."""

    format: str                  # "1.1" (GLB) or "1.0" (b3dm)
    max_quantization_error: float
    quantize: bool
    meshopt: bool
    context: str                 # digest of everything a tile's bytes depend on besides its own content
    frame: EnuFrame
    geo: Georeferencer
    draco: bool = False          # KHR_draco_mesh_compression (float positions; the QGIS target)


@dataclass(frozen=True)
class Placed:
    """A tile file in the new tileset: its padded ENU bounds and size."""

    lo: NDArray[Any]
    hi: NDArray[Any]
    size: int


@dataclass
class TileWriter:
    """Writes tile files into ``folder`` (the temporary tileset): reuses the previous export's file of a uri
    whose content key is unchanged, else encodes it. ``records`` (uri -> key, bounds, bytes) become the next
    export's ``previous``; ``tiles`` are the report's per-tile entries."""

    folder: Path
    previous: Previous
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    tiles: list[dict[str, Any]] = field(default_factory=list)
    max_quantization_error: float = 0.0
    quantized_tiles: int = 0
    float_tiles: int = 0

    def place(self, uri: str, key: str, encode: Callable[[], Encoded]) -> Placed:
        """Reuse the previous file of ``uri`` when its key is unchanged, else encode and write it."""
        path = self.folder / uri
        entry = self.previous.reuse(uri, key, path)
        if entry is None:
            data, box, info = encode()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            pad = info["quantization_error"]  # quantised vertices may move by up to this
            entry = {"key": key, "bytes": len(data), "min": [float(v) for v in box[0] - pad],
                     "max": [float(v) for v in box[1] + pad], "rewritten": True,
                     "quantization_error": info["quantization_error"], "quantized": info["quantized"],
                     **{k: v for k, v in info.items() if k in ("vertices", "triangles")}}
        else:
            entry = {**entry, "rewritten": False}
        self.records[uri] = entry
        self.max_quantization_error = max(self.max_quantization_error, entry["quantization_error"])
        if entry["quantized"]:
            self.quantized_tiles += 1
        else:
            self.float_tiles += 1
        return Placed(np.array(entry["min"]), np.array(entry["max"]), entry["bytes"])

    def sizes(self, uri: str) -> dict[str, Any]:
        """The vertex and triangle counts recorded for ``uri`` (when it was encoded in an earlier run too)."""
        return {k: v for k, v in self.records[uri].items() if k in ("vertices", "triangles")}

    def rewritten(self) -> list[str]:
        return sorted(u for u, r in self.records.items() if r["rewritten"])

    def reused(self) -> list[str]:
        return sorted(u for u, r in self.records.items() if not r["rewritten"])


def normals(local: NDArray[Any], tris: NDArray[Any], polygon: NDArray[Any], polygons: int) -> NDArray[Any]:
    """Per-vertex normals: the area-weighted normal of the vertex's polygon."""
    a, b, c = local[tris[:, 0]], local[tris[:, 1]], local[tris[:, 2]]
    face = np.cross(b - a, c - a)
    owner = polygon[tris[:, 0]]   # summed in triangle order, as np.add.at would (bincount is much faster)
    poly_normal = np.column_stack([np.bincount(owner, face[:, j], minlength=polygons) for j in range(3)])
    length = np.linalg.norm(poly_normal, axis=1, keepdims=True)
    poly_normal = np.divide(poly_normal, length, out=np.tile([0.0, 1.0, 0.0], (len(poly_normal), 1)),
                            where=length > 0)
    result: NDArray[Any] = poly_normal[polygon]
    return result


def _centre(points: NDArray[Any]) -> NDArray[Any]:
    """The centre of the points' bounding box."""
    lo, hi = bounds(points)
    result: NDArray[Any] = (lo + hi) / 2
    return result


def _info(quantized: bool, error: float, stats: dict[str, Any]) -> dict[str, Any]:
    return {"quantized": quantized, "quantization_error": error, **stats}


def feature_content(meshes: list[Mesh], columns: list[Column], class_name: str, options: ContentOptions) -> Encoded:
    """A GLB with one feature per mesh (ENU vertices) and its property table; the schema is embedded."""
    verts = np.concatenate([m.vertices for m in meshes])
    sizes = np.array([len(m.vertices) for m in meshes])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    tris = np.concatenate([m.triangles + o for m, o in zip(meshes, offsets)])
    poly_counts = np.array([m.polygon_count for m in meshes])
    poly_offsets = np.concatenate([[0], np.cumsum(poly_counts)[:-1]])
    polygon = np.concatenate([m.polygon + o for m, o in zip(meshes, poly_offsets)])
    gl = enu_to_gltf(verts)
    centre = _centre(gl)
    local = gl - centre
    vertex_normals = normals(local, tris, polygon, int(poly_counts.sum()))
    ids = np.repeat(np.arange(len(meshes)), sizes)
    features = [FeatureSet(ids, class_name, class_name, columns, np.arange(len(meshes)))]
    result = build_glb(local, vertex_normals, tris, features, translation=centre, quantize=options.quantize,
                       meshopt=options.meshopt, max_error=options.max_quantization_error, draco=options.draco)
    return result.data, bounds(verts), _info(result.quantized, result.max_quantization_error, result.stats)


def lod1_columns(building_columns: list[Column]) -> list[Column]:
    """The building columns that LoD1 block tiles carry (class ``LOD1_CLASS``)."""
    return [c for c in building_columns if c.name in LOD1_ATTRIBUTES]


@dataclass(frozen=True)
class BuildingContent:
    """One city-model tile to encode: the ENU ``mesh`` of its buildings, whose vertices are grouped by
    building (``sizes`` of them each); ``rows`` are the feature rows (buildings, then containers) in the
    columns; ``surfaces`` the surface rows of each building (None: LoD1 blocks)."""

    mesh: Mesh
    sizes: list[int] | NDArray[Any]
    surfaces: list[range] | None
    rows: NDArray[Any]
    schema_uri: str | None


def tile_content(tile: BuildingContent, building_columns: list[Column], surface_columns: list[Column] | None,
                 options: ContentOptions) -> Encoded:
    """One tile's GLB (or b3dm), its vertices relative to the tile centre."""
    mesh = tile.mesh
    verts, tris, polygon = mesh.vertices, mesh.triangles, mesh.polygon   # polygon numbers over the whole tile
    building_ids = np.repeat(np.arange(len(tile.sizes)), tile.sizes)  # = row in ``rows`` (containers after)
    lo, hi = bounds(verts)

    gl = enu_to_gltf(verts)
    centre = _centre(gl)
    local = gl - centre
    vertex_normals = normals(local, tris, polygon, mesh.polygon_count)

    columns, class_name = building_columns, "building"
    if tile.surfaces is None:  # LoD1 blocks: what styling and a first click need; the LoD2 tiles hold all
        columns, class_name = lod1_columns(building_columns), LOD1_CLASS
    features = [FeatureSet(building_ids, "building", class_name, columns, tile.rows)]
    if tile.surfaces is not None and surface_columns is not None:
        srows = np.array([r for rows in tile.surfaces for r in rows], dtype=np.int64)
        features.append(FeatureSet(polygon, "surface", "surface", surface_columns, srows))
    batch = options.format == "1.0"
    result = build_glb(local, vertex_normals, tris, features, translation=centre, metadata=not batch,
                       batch_id=batch, quantize=options.quantize, meshopt=options.meshopt,
                       max_error=options.max_quantization_error, schema_uri=tile.schema_uri, draco=options.draco)
    data = result.data
    if batch:
        data = b3dm(data, building_columns, tile.rows)
    return data, (lo, hi), _info(result.quantized, result.max_quantization_error, result.stats)


def b3dm(glb: bytes, columns: list[Column], rows: NDArray[Any]) -> bytes:
    """Wrap the GLB into a b3dm with a JSON batch table (py3dtiles' content classes)."""
    import pygltflib
    from py3dtiles.tileset.content import B3dm
    from py3dtiles.tileset.content.b3dm_feature_table import B3dmFeatureTable
    from py3dtiles.tileset.content.batch_table import BatchTable

    table = BatchTable()
    for col in columns:
        table.add_property_as_json(col.name, [col.values[i] for i in rows])
    features = B3dmFeatureTable()
    features.set_batch_length(len(rows))
    gltf = pygltflib.GLTF2.load_from_bytes(glb)
    for accessor in gltf.accessors:
        if accessor.bufferView is None:  # Draco-only data: KHR_draco_mesh_compression says no byteOffset
            accessor.byteOffset = None
    content = B3dm.from_gltf(gltf, table, features)
    data: bytes = content.to_array().tobytes()
    return data


def marker(centre: NDArray[Any], radius: float = MARKER_RADIUS) -> Mesh:
    """An octahedron (ENU) standing on ``centre``: 8 flat faces."""
    top, bottom = np.array([0, 0, 2 * radius]), np.array([0, 0, 0.0])
    ring = [np.array([radius, 0, radius]), np.array([0, radius, radius]),
            np.array([-radius, 0, radius]), np.array([0, -radius, radius])]
    faces = []
    for i in range(4):
        a, b = ring[i], ring[(i + 1) % 4]
        faces.append((a, b, top))       # anticlockwise seen from outside
        faces.append((b, a, bottom))
    verts = np.array([v for f in faces for v in f], np.float64) + centre
    return Mesh(verts, np.arange(24).reshape(8, 3), np.repeat(np.arange(8), 3), 8)
