"""Tile content: the GLB (or b3dm) bytes of a tile, and the writer that places tile files into the new
tileset (reusing the previous export's file when its content key is unchanged)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel.atomic import make_parents
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
        make_parents(path, self.folder)   # never the folder itself: a cancelled run has removed it
        entry = self.previous.reuse(uri, key, path)
        if entry is None:
            data, box, info = encode()
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
    """Give per-vertex normals: the area-weighted normal of the vertex's polygon.

    Args:
        local: (N, 3) vertices.
        tris: (T, 3) triangles.
        polygon: (N,) the polygon each vertex belongs to.
        polygons: the number of polygons.

    Returns:
        (N, 3) unit normals.

    Example:
        >>> square = [[0, 0, 0], [2, 0, 0], [2, 2, 0], [0, 2, 0]]
        >>> wall = [[0, 0, 0], [2, 0, 0], [2, 0, 3]]
        >>> out = normals(np.array(square + wall, float), np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6]]),
        ...               np.array([0, 0, 0, 0, 1, 1, 1]), 2)
        >>> out[[0, 4]].round(3).tolist()
        [[0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]
    """
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
    """Encode a GLB with one feature per mesh (ENU vertices) and its property table; the schema is embedded.

    Args:
        meshes: one mesh per feature (ENU).
        columns: the features' property columns.
        class_name: the metadata class.
        options: how the export encodes tiles.

    Returns:
        (the GLB, its ENU bounds, facts: quantized, quantization error, vertices, triangles).

    Example:
        >>> from geotwin.twin.kernel.heights import Georeferencer, resolve_height_model
        >>> from geotwin.twin.tiles.glb import unpack_glb
        >>> from geotwin.twin.tiles.metadata import build_columns
        >>> model = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> geo = Georeferencer("EPSG:25832", model)
        >>> frame = EnuFrame(geo.to_ecef([456300.0], [5428500.0], [115.0])[0])
        >>> options = ContentOptions("1.1", 0.01, True, False, "context", frame, geo)
        >>> data, (low, high), facts = feature_content([marker(np.array([10.0, 20.0, 5.0])), marker(np.zeros(3))],
        ...                                            build_columns([{"id": "I1"}, {"id": "I2"}]), "island", options)
        >>> low.tolist(), high.tolist(), facts["vertices"], facts["triangles"]
        ([-0.5, -0.5, 0.0], [10.5, 20.5, 6.0], 48, 16)
        >>> gltf, _ = unpack_glb(data)
        >>> gltf["meshes"][0]["primitives"][0]["attributes"], list(gltf["extensions"])
        ({'POSITION': 0, 'NORMAL': 1, '_FEATURE_ID_0': 2}, ['EXT_structural_metadata'])
    """
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


def _example_options() -> ContentOptions:
    """The options of feature_content's example: 3D Tiles 1.1 (GLB), quantized to 1 cm, no meshopt, the
    Karlsruhe frame (456300, 5428500, 115 m in EPSG:25832, the geoid a constant 47.5 m)."""
    from ..kernel.heights import resolve_height_model

    geo = Georeferencer("EPSG:25832", resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5))
    frame = EnuFrame(geo.to_ecef([456300.0], [5428500.0], [115.0])[0])
    return ContentOptions("1.1", 0.01, True, False, "context", frame, geo)

def lod1_columns(building_columns: list[Column]) -> list[Column]:
    """Pick the building columns that LoD1 block tiles carry (class ``LOD1_CLASS``).

    Args:
        building_columns: the export's building columns.

    Returns:
        Those named in ``LOD1_ATTRIBUTES``, in their order.

    Example:
        >>> from geotwin.twin.tiles.metadata import build_columns
        >>> columns = build_columns([{"id": "B1", "name": "School", "storeys": 3, "roof_height": 12.0}])
        >>> [c.name for c in lod1_columns(columns)]
        ['id', 'name', 'roof_height']
    """
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
    """Encode one tile's GLB (or b3dm), its vertices relative to the tile centre.

    Args:
        tile: the tile's buildings: mesh, vertices per building, surface rows, feature rows.
        building_columns: the building property columns.
        surface_columns: the surface property columns (None for LoD1 blocks).
        options: how the export encodes tiles.

    Returns:
        (the content's bytes, its ENU bounds, facts: quantized, quantization error, vertices, triangles).

    Example:
        >>> from geotwin.twin.tiles.metadata import build_columns
        >>> options = _example_options()   # feature_content's: 3D Tiles 1.1, 1 cm, a frame at Karlsruhe
        >>> blocks = [marker(np.array([10.0, 20.0, 5.0])), marker(np.zeros(3))]
        >>> mesh = Mesh(np.concatenate([m.vertices for m in blocks]),
        ...             np.concatenate([blocks[0].triangles, blocks[1].triangles + 24]),
        ...             np.concatenate([blocks[0].polygon, blocks[1].polygon + 8]), 16)
        >>> tile = BuildingContent(mesh, [24, 24], None, np.arange(2), None)
        >>> data, (low, high), facts = tile_content(tile, build_columns([{"id": "B1"}, {"id": "B2"}]), None, options)
        >>> data[:4], low.tolist(), high.tolist(), facts["vertices"]
        (b'glTF', [-0.5, -0.5, 0.0], [10.5, 20.5, 6.0], 48)
    """
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
    """Wrap the GLB into a b3dm (3D Tiles 1.0) with a JSON batch table (py3dtiles' content classes).

    Args:
        glb: the GLB (with _BATCHID).
        columns: the batch table's columns.
        rows: the features' rows in the columns.

    Returns:
        The b3dm bytes.

    Example:
        >>> import struct
        >>> from geotwin.twin.tiles.glb import pack_glb
        >>> from geotwin.twin.tiles.metadata import build_columns
        >>> data = b3dm(pack_glb({"asset": {"version": "2.0"}}, b""), build_columns([{"id": "B1"}, {"id": "B2"}]),
        ...             np.arange(2))
        >>> magic, version, length = struct.unpack_from("<4sII", data)
        >>> magic, version, length == len(data)
        (b'b3dm', 1, True)
    """
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
    """Make an octahedron (ENU) standing on ``centre``: 8 flat faces.

    Args:
        centre: its foot point (ENU).
        radius: half its width and height.

    Returns:
        The Mesh (24 vertices: each face has its own, for flat normals).

    Example:
        >>> m = marker(np.array([10.0, 20.0, 5.0]))
        >>> m.vertices.shape, m.triangles.shape, m.polygon_count
        ((24, 3), (8, 3), 8)
        >>> m.vertices.min(axis=0).tolist(), m.vertices.max(axis=0).tolist()
        ([9.5, 19.5, 5.0], [10.5, 20.5, 6.0])
    """
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
