"""Export the city model of a GeoTwin GeoPackage, or the whole twin, as an OGC 3D Tiles tileset (1.1 GLB or 1.0 b3dm).

Twin content (a GeoPackage written by ``geotwin:buildtwin``): each twin building with BIM detail gets a
tile of its BIM elements (one feature per element, ``ifc_class`` for styling, schema embedded) as a child
of its LoD2 leaf. Refinement is ADD: the leaf keeps showing its other buildings (and the building's own
LoD2 shell) while the elements are added; the leaf's geometric error ``BIM_GEOMETRIC_ERROR`` makes Cesium
load them only close up. Learning islands and sensors become small octahedron markers (one feature each,
with their properties and ``normal_height`` / ``ellipsoidal_height`` / ``height_source``) in their own
tiles below the root, which is then a tile refining ADD over the city model's tree; they are also written
as ``islands.geojson`` and ``sensors.geojson`` (EPSG:4326) and shown as viewer layers.

Incremental: the frame's origin and the quadtree's root square are snapped to a grid (and the previous
root square is kept while it holds everything), tiles hold their buildings in id order and the metadata
schema has a canonical order, so a tile's bytes depend only on its own content. Exporting into a folder
that holds an earlier export reuses every tile whose content key is unchanged (see ``incremental``).

Georeferencing: source (E, N, normal height) -> ECEF with twin.heights (quasigeoid / EGM96 /
constant, never PROJ's ballpark). The root tile's transform is an east-north-up frame at the
model's centre (float64 in tileset.json); each tile's vertices are stored relative to the tile's
own centre, which the glTF node's translation carries in double precision, so float32 (or the
16-bit quantisation) loses nothing. Every box is given in that ENU frame.

The tileset is written into a temporary folder and moved into place at the end: a failed or
cancelled export leaves an existing tileset untouched. ``export_report.json`` beside
``tileset.json`` records the height model, its expected error, sizes and quantisation error.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import shapely

from ..kernel.atomic import atomic_path
from ..kernel.ownership import check_folder
from ..kernel.errors import GeoTwinError, InputError
from ..kernel.heights import Georeferencer, resolve_height_model
from ..kernel.progress import Reporter
from ..kernel.schema import BUILDINGS
from . import quadtree
from .frame import EnuFrame, bounds, enu_to_gltf, georeference
from .glb import FeatureSet, build_glb, meshopt_available
from .mesh import Mesh, MeshList, block_levels, lod1_blocks, lod1_footprints, lod2_meshes, merge
from .metadata import Column, build_columns, finite, schema as metadata_schema
from .polygons import PolygonSet
from .source import BuildingBatch, _layers, attribute_rows, geoid_model_of, read_city_model
from .incremental import CONTENT_VERSION, Previous, digest, object_digests
from .subtree import subtree_bytes
from .twin_layers import PointLayer, TwinExtras, read_twin_extras, vertical_datum_warnings
from .viewer import Basemap

REPORT_NAME = "export_report.json"
SCHEMA_NAME = "metadata_schema.json"  # the EXT_structural_metadata schema all tiles share
# Positions are quantised to 16 bits with one scale per tile: 756 m keeps the error within 1 cm.
LEAF_EXTENT = 600.0
LOD1_EXTENT = 700.0
#: LoD1 blocks carry a subset of the building attributes, as a class of its own: a property table has values
#: for every property of its class (the 3D Tiles tools cannot read one that leaves properties out)
LOD1_CLASS = "building_lod1"
LOD1_ATTRIBUTES = ("id", "parent_id", "object_class", "name", "function", "usage", "measured_height",
                   "roof_height", "street", "house_number")
FRAME_GRID = 100.0   # m: the frame's origin is snapped to it, so re-exports of a changed model share the frame
SQUARE_GRID = 50.0   # m: the quadtree's root square is snapped to it (see quadtree.snapped_square)
#: Geometric error (m) of a leaf with BIM detail below it: Cesium (maximumScreenSpaceError 16) refines
#: into the BIM elements within about 100 m of the camera in a 1000 px high view.
BIM_GEOMETRIC_ERROR = 2.0
MARKER_RADIUS = 0.5  # m: islands and sensors are small octahedra standing on their position
GEOJSON_NAMES = {"learning_islands": "islands.geojson", "sensors": "sensors.geojson"}
POINT_CLASSES = {"learning_islands": "island", "sensors": "sensor"}
CHUNK = 2000  # buildings meshed (and vertices georeferenced) at a time
VIEWER_LAYERS = {"learning_islands": "Learning islands", "sensors": "Sensors"}


@dataclass
class ExportOptions:
    format: str = "1.1"                 # "1.1" (GLB) or "1.0" (b3dm)
    features: str = "building"          # "building" or "surface"
    compression: bool = True
    implicit: bool = False
    height_method: str = "auto"         # auto | grid | egm96 | constant
    geoid_grid: str | None = None
    geoid_constant: float | None = None
    viewer: bool = True
    cesium_url: str | None = None       # None: CesiumJS copied into viewer/cesium (offline); else linked
    basemap: Basemap | None = None      # viewer imagery; None: CesiumJS's bundled Natural Earth II
    leaf_max_buildings: int = 250
    lod1_max_buildings: int = 1500
    max_quantization_error: float = 0.01


@dataclass
class ExportResult:
    output: Path
    tileset: Path
    tiles: int
    height_method: str
    report: dict = field(default_factory=dict)


def export_3dtiles(gpkg: str | os.PathLike, output: str | os.PathLike, options: ExportOptions | None = None,
                   reporter: Reporter | None = None) -> ExportResult:
    """Export the city model (or the whole twin) of ``gpkg`` into the folder ``output``.

    A twin written by ``geotwin:buildtwin`` adds BIM detail tiles below its buildings' LoD2 leaves and the
    learning islands and sensors as marker features (and as GeoJSON beside the tileset). Exporting into
    a folder that holds an earlier export reuses every tile file whose content is unchanged
    (``incremental``)."""
    options = options or ExportOptions()
    reporter = reporter or Reporter()
    if options.format not in ("1.1", "1.0"):
        raise GeoTwinError(f"unknown 3D Tiles version {options.format!r}: use 1.1 or 1.0")
    if options.features not in ("building", "surface"):
        raise GeoTwinError(f"unknown feature granularity {options.features!r}: use building or surface")
    if options.format == "1.0" and (options.features == "surface" or options.implicit):
        raise GeoTwinError("3D Tiles 1.0 (b3dm) supports neither per-surface features nor implicit tiling; "
                           "use 3D Tiles 1.1")
    output = Path(output)
    check_folder(output, REPORT_NAME)   # the folder is replaced as a whole: only an earlier export's or an empty one

    reporter.info(f"reading {gpkg}")
    per_surface = options.features == "surface"   # the surface table is needed for per-surface features only
    # building id -> mesh fields, its surfaces' rows, digest, LoD1 roof error, ground and roof height, footprint
    # WKB, degenerate polygons: plain tuples of arrays, strings and numbers, which the garbage collector stops
    # tracking (one object per building that every full collection scanned made the export superlinear)
    built: dict[str, tuple] = {}

    def consume(batch: BuildingBatch) -> None:
        """LoD2 meshes (source CRS) of a batch of buildings as they are read; each building's digest and LoD1
        block inputs (footprint, heights, roof error) are taken before its polygons are dropped."""
        reporter.check()
        meshes = lod2_meshes(batch.polygons, batch.offsets)
        solid = [i for i, (m, _) in enumerate(meshes) if len(Mesh(*m).triangles)]
        footprints = dict(zip(solid, lod1_footprints(batch, solid)))
        levels, errors = block_levels(batch)
        digests = object_digests(batch.rows, batch.polygons, batch.offsets, batch.footprints)
        first = batch.offsets.tolist()
        for i, (bid, (mesh, kept)) in enumerate(zip(batch.ids, meshes)):
            surfaces = ()
            if per_surface:
                p0 = first[i]
                surfaces = tuple({"id": batch.polygons.surface_id[p0 + k], "building_id": bid,
                                  "surface_type": batch.polygons.surface_type[p0 + k]} for k in kept)
            lod1 = (float(errors[i]), (float(levels[i, 0]), float(levels[i, 1])), footprints[i]) \
                if i in footprints else (0.0, (0.0, 0.0), None)
            built[bid] = (*mesh, surfaces, digests[i], *lod1, first[i + 1] - first[i] - len(kept))

    # surface ids only go into per-surface tiles (and so into their digests)
    model = read_city_model(gpkg, reporter, consume, surface_ids=per_surface)
    if not model.rows:
        raise InputError("no building with geometry to export", path=str(gpkg))
    # canonical order (by id): a tile's bytes do not depend on the row order of the GeoPackage
    order = sorted(range(len(model.ids)), key=model.ids.__getitem__)
    model.rows, model.ids = [model.rows[i] for i in order], [model.ids[i] for i in order]
    ids = model.ids
    model.containers.sort(key=lambda r: str(r.get("id")))
    extras = read_twin_extras(gpkg, model.rows, reporter)
    model.skipped.extend(extras.skipped)
    for warning in vertical_datum_warnings(gpkg, model.vertical_crs):
        reporter.warning(warning)
    if extras and options.format == "1.0":
        reporter.warning("3D Tiles 1.0: BIM detail, learning islands and sensors are tiled in 3D Tiles 1.1 only; "
                         "they are written as GeoJSON beside the tileset")
    previous = Previous.load(output, REPORT_NAME)
    reporter.check()
    heights = resolve_height_model(model.horizontal_crs, model.vertical_crs, options.height_method,
                                   options.geoid_grid, options.geoid_constant, reporter,
                                   geoid_model=geoid_model_of(Path(gpkg)))
    geo = Georeferencer(model.horizontal_crs, heights)
    if geo.horizontal["missingGrids"]:
        reporter.warning(f"PROJ uses {geo.horizontal['description']} (accuracy {geo.horizontal['accuracyMetres']} m) "
                         f"for the horizontal datum; the grid(s) {', '.join(geo.horizontal['missingGrids'])} "
                         "would make it more accurate")

    meshes = MeshList()
    surface_rows: list[range] = []
    surface_table: list[dict] = []
    building_digests: list[str] = []
    lod1_errors: list[float] = []
    lod1_levels: list[tuple[float, float]] = []
    lod1_wkb: list[bytes | None] = []
    degenerate = 0
    for bid in ids:
        *mesh, surfaces, d, error, levels, footprint, dropped = built.pop(bid)
        degenerate += dropped
        surface_rows.append(range(len(surface_table), len(surface_table) + len(surfaces)))
        surface_table.extend(surfaces)
        meshes.append(Mesh(*mesh))
        building_digests.append(d)
        lod1_errors.append(error)
        lod1_levels.append(levels)
        lod1_wkb.append(footprint)
    reporter.progress(30)
    if degenerate:
        reporter.warning(f"{degenerate} degenerate polygon(s) without area were left out")
    keep = [i for i, t in enumerate(meshes.triangles) if len(t)]
    if len(keep) < len(ids):
        for i in sorted(set(range(len(ids))) - set(keep)):
            model.skipped.append(f"building {ids[i]}: no polygon with an area")
            reporter.warning(f"skipped building {ids[i]}: no polygon with an area")
        model.rows, model.ids = [model.rows[i] for i in keep], [ids[i] for i in keep]
        ids = model.ids
        meshes = meshes.select(keep)
        surface_rows = [surface_rows[i] for i in keep]
        building_digests = [building_digests[i] for i in keep]
        lod1_errors = [lod1_errors[i] for i in keep]
        lod1_levels = [lod1_levels[i] for i in keep]
        lod1_wkb = [lod1_wkb[i] for i in keep]
        if not model.rows:
            raise InputError("no polygon of non-zero area to export", path=str(gpkg))
    # the frame from the extent of all vertices, then the vertices to ENU a chunk at a time
    src_lo, src_hi = np.full(3, np.inf), np.full(3, -np.inf)
    for start in range(0, len(meshes), CHUNK):
        src = np.concatenate(meshes.vertices[start:start + CHUNK])
        a, b = bounds(src)
        src_lo, src_hi = np.minimum(src_lo, a), np.maximum(src_hi, b)
    src_centre = np.round((src_lo + src_hi) / 2 / FRAME_GRID) * FRAME_GRID
    frame_origin = [float(src_centre[0]), float(src_centre[1]), float(np.floor(src_lo[2]))]
    frame = EnuFrame(geo.to_ecef([frame_origin[0]], [frame_origin[1]], [frame_origin[2]])[0])
    lo, hi = np.empty((len(meshes), 3)), np.empty((len(meshes), 3))
    for start in range(0, len(meshes), CHUNK):
        part = meshes.vertices[start:start + CHUNK]
        counts = np.array([len(v) for v in part])
        src = np.concatenate(part)
        enu = georeference(geo, frame, src)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for j, (s, c) in enumerate(zip(starts.tolist(), counts.tolist()), start):
            meshes.vertices[j] = enu[s:s + c].copy()  # its own buffer: freed once its tile is written
        for j in range(3):   # every mesh has vertices
            lo[start:start + len(part), j] = np.minimum.reduceat(enu[:, j], starts)
            hi[start:start + len(part), j] = np.maximum.reduceat(enu[:, j], starts)
        del src, enu
    centres = (lo + hi) / 2
    reporter.check()

    containers = model.container_index()
    building_columns = build_columns(attribute_rows(model), BUILDINGS.fields)
    surface_columns = build_columns(surface_table) if options.features == "surface" else None
    container_digests = {str(r["id"]): digest(r) for r in model.containers}

    square = _square(previous, lo, hi, centres, options.implicit)
    if options.implicit:
        root, _ = quadtree.build_implicit(lo, hi, leaf_max=options.leaf_max_buildings, leaf_extent=LEAF_EXTENT,
                                          square=square)
    else:
        root = quadtree.build_explicit(centres, lo, hi, leaf_max=options.leaf_max_buildings,
                                       leaf_extent=LEAF_EXTENT, lod1_max=options.lod1_max_buildings,
                                       lod1_extent=LOD1_EXTENT, square=square)
    nodes = [n for n in root.walk()]
    with_content = [n for n in nodes if n.content]
    errors_lod1, levels_lod1 = np.array(lod1_errors), np.array(lod1_levels, np.float64).reshape(-1, 2)

    ext = "glb" if options.format == "1.1" else "b3dm"
    quantize = options.compression and options.format == "1.1"
    meshopt = quantize and meshopt_available()
    if options.compression and options.format == "1.1" and not meshopt:
        reporter.warning("the meshoptimizer package is not installed: tiles are quantised "
                         "(KHR_mesh_quantization) but not meshopt-compressed")
    stats = {"tiles": [], "max_quantization_error": 0.0, "quantized_tiles": 0, "float_tiles": 0}
    content_bounds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    classes = {"building": building_columns, **({"surface": surface_columns} if surface_columns else {})}
    if any(n.content == "lod1" for n in with_content):
        classes[LOD1_CLASS] = lod1_columns(building_columns)
    schema_json = json.dumps(metadata_schema(classes), ensure_ascii=False) if options.format == "1.1" else ""
    context = digest(CONTENT_VERSION, {k: getattr(options, k) for k in ("format", "features", "compression",
                                                                         "max_quantization_error")},
                     meshopt, heights.as_dict(), geo.horizontal["description"], frame_origin, schema_json)
    records: dict[str, dict] = {}   # uri -> key, bounds, bytes (the next export's ``previous``)

    def place(uri: str, key: str, tmp: Path, encode) -> tuple[np.ndarray, np.ndarray, int]:
        """Reuse the previous file of ``uri`` when its key is unchanged, else encode and write it."""
        path = tmp / uri
        entry = previous.reuse(uri, key, path)
        if entry is None:
            data, bounds, info = encode()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            pad = info["quantization_error"]  # quantised vertices may move by up to this
            entry = {"key": key, "bytes": len(data), "min": [float(v) for v in bounds[0] - pad],
                     "max": [float(v) for v in bounds[1] + pad], "rewritten": True,
                     "quantization_error": info["quantization_error"], "quantized": info["quantized"],
                     **{k: v for k, v in info.items() if k in ("vertices", "triangles")}}
        else:
            entry = {**entry, "rewritten": False}
        records[uri] = entry
        stats["max_quantization_error"] = max(stats["max_quantization_error"], entry["quantization_error"])
        stats["quantized_tiles" if entry["quantized"] else "float_tiles"] += 1
        return np.array(entry["min"]), np.array(entry["max"]), entry["bytes"]

    with atomic_path(output, directory=True) as tmp:
        tmp.mkdir(parents=True, exist_ok=True)
        if options.format == "1.1":
            (tmp / SCHEMA_NAME).write_text(schema_json, encoding="utf-8")
        for k, node in enumerate(with_content):
            reporter.check()
            reporter.progress(30 + 55 * k / len(with_content))
            node.own = np.array(sorted(node.own, key=ids.__getitem__), dtype=np.int64)
            own_parents = {model.rows[bi].get("parent_id") for bi in node.own}
            extra_rows = sorted((containers[p] for p in own_parents if p in containers),
                                key=lambda i: str(model.containers[i - len(model.rows)]["id"]))
            feature_rows = np.concatenate([node.own, np.array(extra_rows, dtype=np.int64)])
            key = digest(context, node.key, node.content,   # digests: hex strings of one length
                         "".join([building_digests[i] for i in node.own.tolist()]).encode("ascii"),
                         "".join([container_digests[str(model.containers[i - len(model.rows)]["id"])]
                                  for i in extra_rows]).encode("ascii"))

            def encode(node=node, feature_rows=feature_rows):
                if node.content == "lod1":
                    footprints = shapely.from_wkb(np.array([lod1_wkb[bi] for bi in node.own], dtype=object))
                    mesh, sizes = lod1_blocks(footprints, levels_lod1[node.own])
                    mesh = mesh._replace(vertices=georeference(geo, frame, mesh.vertices))
                    tile_surfaces = None
                else:
                    own = node.own.tolist()
                    mesh, sizes = merge([meshes[bi] for bi in own]), [len(meshes.vertices[bi]) for bi in own]
                    tile_surfaces = [surface_rows[bi] for bi in own]
                return _tile_content(mesh, sizes, tile_surfaces, feature_rows, building_columns,
                                     surface_columns, options, quantize, meshopt,
                                     "../" * (node.key.count("/") + 1) + SCHEMA_NAME)

            uri = f"tiles/{node.key}.{ext}"
            bmin, bmax, size = place(uri, key, tmp, encode)
            if node.content == "lod2":  # a building's LoD2 mesh is in one tile only
                for bi in node.own.tolist():
                    meshes.free(bi)
            node.content_bytes = size
            content_bounds[node.key] = (bmin, bmax)
            stats["tiles"].append({"uri": uri, "bytes": size, "kind": node.content,
                                   "buildings": int(len(node.own)), "leaf": not node.children,
                                   **{k: v for k, v in records[uri].items() if k in ("vertices", "triangles")}})

        twin_tiles = _twin_tiles(extras, model, root, options, frame, geo, context, quantize, meshopt, tmp, place,
                                 stats) if extras and options.format == "1.1" else {"bim": [], "points": []}
        details = {t["node"]: (BIM_GEOMETRIC_ERROR, t["min"], t["max"]) for t in twin_tiles["bim"]
                   if t["node"] is not None}
        quadtree.finish(root, errors_lod1, content_bounds, details)
        reporter.check()
        tileset = _tileset_json(root, frame, options, ext, heights.as_dict(), tmp, twin_tiles)
        (tmp / "tileset.json").write_text(json.dumps(tileset, indent=1), encoding="utf-8")
        layers = _write_geojson(extras, geo, tmp)
        stats["tileset_bytes"] = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
        report = _report(model, heights, frame, options, stats, root, quantize, meshopt, degenerate)
        report["horizontal_transformation"] = geo.horizontal
        report["twin"] = {"bim_tiles": [{k: v for k, v in t.items() if k not in ("min", "max")}
                                        for t in twin_tiles["bim"]],
                          "point_tiles": [{k: v for k, v in t.items() if k not in ("min", "max")}
                                          for t in twin_tiles["points"]],
                          "geojson": layers, "changes": _twin_changes(gpkg)}
        rewritten = sorted(u for u, r in records.items() if r["rewritten"])
        report["incremental"] = {
            "version": CONTENT_VERSION, "frame_origin": frame_origin, "square": list(square),
            "previous_tiles": len(previous.tiles), "rewritten": rewritten,
            "reused": sorted(u for u, r in records.items() if not r["rewritten"]),
            "tiles": {u: {k: v for k, v in r.items() if k != "rewritten"} for u, r in records.items()}}
        (tmp / REPORT_NAME).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        if options.viewer:
            _write_viewer(tmp, options, root, frame, {VIEWER_LAYERS[k]: f"../{v}" for k, v in layers.items()})
        reporter.progress(100)
    reporter.info(f"{len(records)} tiles ({len(rewritten)} written, {len(records) - len(rewritten)} unchanged "
                  f"and kept), {report['sizes']['total_bytes']} bytes, "
                  f"{report['sizes']['bytes_per_building']:.0f} bytes per building")
    return ExportResult(output, output / "tileset.json", len(with_content), heights.method, report)


def _to_enu(meshes: list[Mesh], frame: EnuFrame, geo: Georeferencer) -> list[Mesh]:
    """The meshes with their source vertices georeferenced into the ENU frame (one transformation for all)."""
    enu = georeference(geo, frame, np.concatenate([m.vertices for m in meshes]))
    ends = np.cumsum([len(m.vertices) for m in meshes]).tolist()
    return [m._replace(vertices=enu[e - len(m.vertices):e]) for m, e in zip(meshes, ends)]


def _square(previous: Previous, lo: np.ndarray, hi: np.ndarray, centres: np.ndarray,
            implicit: bool) -> tuple[float, float, float]:
    """The quadtree's root square: the previous export's while it still holds everything (and is not more
    than twice too large), else the content's square snapped to ``SQUARE_GRID``."""
    margin = 0.01
    snapped = quadtree.snapped_square(lo - margin, hi + margin, SQUARE_GRID)
    if previous.square:
        x0, y0, size = previous.square
        a, b = (lo - margin, hi + margin) if implicit else (centres, centres)
        inside = (a[:, 0].min() >= x0 and a[:, 1].min() >= y0 and b[:, 0].max() <= x0 + size
                  and b[:, 1].max() <= y0 + size)
        if inside and size <= 2 * snapped[2]:
            return float(x0), float(y0), float(size)
    return snapped


def _tile_content(mesh: Mesh, sizes, tile_surfaces: list[range] | None, buildings: np.ndarray,
                  building_columns: list[Column], surface_columns: list[Column] | None,
                  options: ExportOptions, quantize: bool, meshopt: bool,
                  schema_uri: str | None) -> tuple[bytes, tuple, dict]:
    """One tile's GLB (or b3dm): the ENU ``mesh`` of its buildings, whose vertices are grouped by building
    (``sizes`` of them each), relative to the tile centre."""
    verts, tris, polygon = mesh.vertices, mesh.triangles, mesh.polygon   # polygon numbers over the whole tile
    building_ids = np.repeat(np.arange(len(sizes)), sizes)  # = row in ``buildings`` (containers after)
    lo, hi = bounds(verts)

    gl = enu_to_gltf(verts)
    centre = sum(bounds(gl)) / 2
    local = gl - centre
    normals = _normals(local, tris, polygon, mesh.polygon_count)

    columns, class_name = building_columns, "building"
    if tile_surfaces is None:  # LoD1 blocks: what styling and a first click need; the LoD2 tiles hold all
        columns, class_name = lod1_columns(building_columns), LOD1_CLASS
    features = [FeatureSet(building_ids, "building", class_name, columns, buildings)]
    if tile_surfaces is not None and surface_columns is not None:
        srows = np.array([r for rows in tile_surfaces for r in rows], dtype=np.int64)
        features.append(FeatureSet(polygon, "surface", "surface", surface_columns, srows))
    batch = options.format == "1.0"
    result = build_glb(local, normals, tris, features, translation=centre, metadata=not batch, batch_id=batch,
                       quantize=quantize, meshopt=meshopt, max_error=options.max_quantization_error,
                       schema_uri=schema_uri)
    info = {"quantized": result.quantized, "quantization_error": result.max_quantization_error, **result.stats}
    data = result.data
    if batch:
        data = _b3dm(data, building_columns, buildings)
    return data, (lo, hi), info


def lod1_columns(building_columns: list[Column]) -> list[Column]:
    """The building columns that LoD1 block tiles carry (class ``LOD1_CLASS``)."""
    return [c for c in building_columns if c.name in LOD1_ATTRIBUTES]


def _b3dm(glb: bytes, columns: list[Column], rows: np.ndarray) -> bytes:
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
    b3dm = B3dm.from_gltf(pygltflib.GLTF2.load_from_bytes(glb), table, features)
    return b3dm.to_array().tobytes()


def _box(lo: np.ndarray, hi: np.ndarray) -> list[float]:
    c = (lo + hi) / 2
    h = np.maximum((hi - lo) / 2, 0.01)
    return [float(c[0]), float(c[1]), float(c[2]), float(h[0]), 0.0, 0.0, 0.0, float(h[1]), 0.0, 0.0, 0.0, float(h[2])]


def _tileset_json(root: quadtree.Node, frame: EnuFrame, options: ExportOptions, ext: str, height: dict,
                  tmp: Path, twin_tiles: dict | None = None) -> dict:
    """tileset.json. With twin content, the root is a tile (refine ADD) whose children are the city model's
    tree, the islands' and sensors' marker tiles and (implicit tiling) the BIM detail tiles; in an explicit
    tree each BIM tile is a child of its building's LoD2 leaf, which refines ADD into it."""
    extras = {"geotwin": {"heightModel": height, "crs": "EPSG:4978",
                          "frame": {"type": "ENU", "longitude": frame.lon, "latitude": frame.lat,
                                    "originEcef": [float(v) for v in frame.origin]}}}
    asset = {"version": options.format, "generator": "GeoTwin", "extras": extras}
    if options.format == "1.0":
        asset["gltfUpAxis"] = "Y"
    twin_tiles = twin_tiles or {"bim": [], "points": []}
    below = {}
    for t in twin_tiles["bim"]:
        if t["node"] is not None and not options.implicit:
            below.setdefault(t["node"], []).append(t)

    def leaf_tile(t: dict) -> dict:
        return {"boundingVolume": {"box": _box(t["min"], t["max"])}, "geometricError": 0.0,
                "content": {"uri": t["uri"]}}

    if options.implicit:
        available, levels = _write_subtrees(root, tmp)
        t = _implicit_tile(root, frame, ext, available, levels)
        lo = np.array([root.x0, root.y0, root.box_min[2]])
        hi = np.array([root.x0 + root.size, root.y0 + root.size, root.box_max[2]])
    else:
        def tile(node: quadtree.Node) -> dict:
            t: dict = {"boundingVolume": {"box": _box(node.box_min, node.box_max)},
                       "geometricError": node.geometric_error}
            if node.content:
                t["content"] = {"uri": f"tiles/{node.key}.{ext}"}
            if node.children:
                t["children"] = [tile(c) for c in node.children]
            if node.key in below:       # BIM detail: added to the leaf's LoD2 when close
                t["refine"] = "ADD"
                t["children"] = [leaf_tile(d) for d in below[node.key]]
            return t

        t = tile(root)
        t.setdefault("refine", "REPLACE")
        t["transform"] = frame.transform()
        lo, hi = root.box_min, root.box_max
    error = max(float(np.linalg.norm(hi - lo)), t["geometricError"])
    others = [d for d in twin_tiles["bim"] if d["node"] is None or options.implicit]
    if not (twin_tiles["points"] or others):
        return {"asset": asset, "geometricError": error * 2 if options.implicit else error, "root": t}
    t.pop("transform")
    children = [t] + [leaf_tile(p) for p in twin_tiles["points"]]
    for d in others:  # a group whose error makes Cesium load the BIM elements only when close
        children.append({"boundingVolume": {"box": _box(d["min"], d["max"])},
                         "geometricError": BIM_GEOMETRIC_ERROR, "refine": "ADD", "children": [leaf_tile(d)]})
    boxes = [(lo, hi)] + [(d["min"], d["max"]) for d in twin_tiles["points"] + twin_tiles["bim"]]
    all_lo, all_hi = np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)
    error = max(error, float(np.linalg.norm(all_hi - all_lo)))
    wrapper = {"boundingVolume": {"box": _box(all_lo, all_hi)}, "geometricError": error, "refine": "ADD",
               "transform": frame.transform(), "children": children}
    return {"asset": asset, "geometricError": error * 2, "root": wrapper}


def _write_subtrees(root: quadtree.Node, tmp: Path) -> tuple[int, int]:
    """Write the .subtree files; return availableLevels and subtreeLevels."""
    nodes = list(root.walk())
    tiles = {(n.level, n.x, n.y) for n in nodes}
    contents = {(n.level, n.x, n.y) for n in nodes if n.content}
    available = max(n.level for n in nodes) + 1
    levels = min(available, 6)
    for n in nodes:
        if n.level % levels == 0:
            data, _ = subtree_bytes(n.level, n.x, n.y, levels, tiles, contents)
            path = tmp / "subtrees" / f"{n.key}.subtree"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return available, levels


def _implicit_tile(root: quadtree.Node, frame: EnuFrame, ext: str, available: int, levels: int) -> dict:
    """The implicit root: its box is the root square (split in x and y by the implied tiles) with the
    content's heights; each level halves the geometric error."""
    lo = np.array([root.x0, root.y0, root.box_min[2]])
    hi = np.array([root.x0 + root.size, root.y0 + root.size, root.box_max[2]])
    return {"boundingVolume": {"box": _box(lo, hi)}, "geometricError": float(np.linalg.norm(hi - lo)),
            "refine": "ADD", "transform": frame.transform(), "content": {"uri": f"tiles/{{level}}/{{x}}/{{y}}.{ext}"},
            "implicitTiling": {"subdivisionScheme": "QUADTREE", "subtreeLevels": levels,
                               "availableLevels": available,
                               "subtrees": {"uri": "subtrees/{level}/{x}/{y}.subtree"}}}


def _report(model, heights, frame, options, stats, root, quantize, meshopt, degenerate) -> dict:
    sizes = np.array([t["bytes"] for t in stats["tiles"]])
    leaf = np.array([t["bytes"] for t in stats["tiles"] if t["leaf"]]) if any(t["leaf"] for t in stats["tiles"]) else sizes
    total = int(sizes.sum())
    return {
        "source": str(model.path), "horizontal_crs": model.horizontal_crs, "vertical_crs": model.vertical_crs,
        "height_model": heights.as_dict(),
        "frame": {"longitude": frame.lon, "latitude": frame.lat, "origin_ecef": [float(v) for v in frame.origin]},
        "options": asdict(options),
        "buildings": len(model.rows), "containers": len(model.containers), "skipped": model.skipped,
        "degenerate_polygons": degenerate,
        "compression": {"KHR_mesh_quantization": quantize, "EXT_meshopt_compression": meshopt,
                        "max_quantization_error_m": stats["max_quantization_error"],
                        "quantized_tiles": stats["quantized_tiles"], "float_tiles": stats["float_tiles"]},
        "sizes": {"tiles": len(sizes), "content_bytes": total, "total_bytes": stats["tileset_bytes"],
                  "bytes_per_building": stats["tileset_bytes"] / len(model.rows),
                  "leaf_p95_bytes": float(np.percentile(leaf, 95)), "leaf_max_bytes": int(leaf.max()),
                  "max_bytes": int(sizes.max())},
        "tiles": stats["tiles"],
    }


def _write_viewer(tmp: Path, options: ExportOptions, root: quadtree.Node, frame: EnuFrame,
                  layers: dict[str, str] | None = None) -> None:
    from . import viewer

    kwargs = {"tileset_url": "../tileset.json", "title": "GeoTwin", "extra_layers": layers or None,
              "basemap": options.basemap}
    if options.cesium_url:
        kwargs["cesium_url"] = options.cesium_url
    ground = frame.to_ecef(root.box_min.reshape(1, 3))
    from pyproj import Transformer

    _, _, h = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(*ground[0])
    kwargs["ground_height"] = float(h)
    viewer.write_viewer(tmp, **kwargs)


def _normals(local: np.ndarray, tris: np.ndarray, polygon: np.ndarray, polygons: int) -> np.ndarray:
    """Per-vertex normals: the area-weighted normal of the vertex's polygon."""
    a, b, c = local[tris[:, 0]], local[tris[:, 1]], local[tris[:, 2]]
    face = np.cross(b - a, c - a)
    owner = polygon[tris[:, 0]]   # summed in triangle order, as np.add.at would (bincount is much faster)
    poly_normal = np.column_stack([np.bincount(owner, face[:, j], minlength=polygons) for j in range(3)])
    length = np.linalg.norm(poly_normal, axis=1, keepdims=True)
    poly_normal = np.divide(poly_normal, length, out=np.tile([0.0, 1.0, 0.0], (len(poly_normal), 1)),
                            where=length > 0)
    return poly_normal[polygon]


def _feature_content(meshes: list[Mesh], columns: list[Column], class_name: str, options: ExportOptions,
                     quantize: bool, meshopt: bool) -> tuple[bytes, tuple, dict]:
    """A GLB with one feature per mesh (ENU vertices) and its property table; the schema is embedded."""
    verts = np.concatenate([m.vertices for m in meshes])
    sizes = np.array([len(m.vertices) for m in meshes])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    tris = np.concatenate([m.triangles + o for m, o in zip(meshes, offsets)])
    poly_counts = np.array([m.polygon_count for m in meshes])
    poly_offsets = np.concatenate([[0], np.cumsum(poly_counts)[:-1]])
    polygon = np.concatenate([m.polygon + o for m, o in zip(meshes, poly_offsets)])
    gl = enu_to_gltf(verts)
    centre = sum(bounds(gl)) / 2
    local = gl - centre
    normals = _normals(local, tris, polygon, int(poly_counts.sum()))
    ids = np.repeat(np.arange(len(meshes)), sizes)
    features = [FeatureSet(ids, class_name, class_name, columns, np.arange(len(meshes)))]
    result = build_glb(local, normals, tris, features, translation=centre, quantize=quantize, meshopt=meshopt,
                       max_error=options.max_quantization_error)
    info = {"quantized": result.quantized, "quantization_error": result.max_quantization_error, **result.stats}
    return result.data, bounds(verts), info


def _marker(centre: np.ndarray, radius: float = MARKER_RADIUS) -> Mesh:
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


def _safe_name(text: str) -> str:
    clean = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)
    return f"{clean[:48]}-{digest(text)[:8]}"


def _json_text(raw):
    """Attributes JSON text as strict JSON: Python's NaN / Infinity (which no other parser reads) as null."""
    if isinstance(raw, str) and ("NaN" in raw or "Infinity" in raw):
        try:
            return json.dumps(finite(json.loads(raw)), ensure_ascii=False, allow_nan=False)
        except (ValueError, TypeError):  # not JSON: kept as text
            return raw
    return raw


def _point_rows(layer: PointLayer, geo: Georeferencer) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """Rows with the placement heights added (attributes JSON made strict), and lon/lat, ellipsoidal heights."""
    lon, lat, h = geo.to_geographic(layer.xyz[:, 0], layer.xyz[:, 1], layer.xyz[:, 2])
    rows = []
    for row, z, eh, source in zip(layer.rows, layer.xyz[:, 2], h, layer.height_source):
        extra = {"attributes": _json_text(row["attributes"])} if "attributes" in row else {}
        rows.append({**row, **extra, "normal_height": float(z), "ellipsoidal_height": round(float(eh), 4),
                     "height_source": source})
    return rows, np.column_stack([lon, lat]), h


def _twin_tiles(extras: TwinExtras, model, root: quadtree.Node, options: ExportOptions, frame: EnuFrame,
                geo: Georeferencer, context: str, quantize: bool, meshopt: bool, tmp: Path, place,
                stats: dict) -> dict:
    """BIM detail tiles (one per twin building with BIM, below its LoD2 tile) and marker tiles of the
    islands and sensors."""
    from ..kernel.schema.bim import BIM_ELEMENTS as BIM_SPEC

    index = {bid: i for i, bid in enumerate(model.ids)}
    leaf_of: dict[int, str] = {}
    for node in root.walk():
        if node.content == "lod2" and not (options.implicit and node.children):
            for i in node.own:
                leaf_of[int(i)] = node.key
    out: dict = {"bim": [], "points": []}
    for detail in extras.bim:
        polygons = PolygonSet.from_rings([p for element in detail.polygons for p in element])
        offsets = np.concatenate([[0], np.cumsum([len(e) for e in detail.polygons], dtype=np.int64)])
        built = lod2_meshes(polygons, offsets)
        keep = [k for k, (m, _) in enumerate(built) if len(Mesh(*m).triangles)]
        if not keep:
            model.skipped.append(f"BIM building {detail.bim_building_id}: no element with triangles")
            continue
        bim_meshes = [Mesh(*built[k][0]) for k in keep]
        bim_rows = [detail.rows[k] for k in keep]
        uri = f"tiles/bim/{_safe_name(detail.bim_building_id)}.glb"
        digests = object_digests(detail.rows, polygons, offsets)
        key = digest(context, "bim", uri, [digests[k] for k in keep])

        def encode(bim_meshes=bim_meshes, bim_rows=bim_rows):
            return _feature_content(_to_enu(bim_meshes, frame, geo), build_columns(bim_rows, BIM_SPEC.fields),
                                    "bim_element", options, quantize, meshopt)

        lo, hi, size = place(uri, key, tmp, encode)
        i = index.get(detail.building_id)
        out["bim"].append({"uri": uri, "node": leaf_of.get(i) if i is not None else None,
                           "building_id": detail.building_id, "bim_building_id": detail.bim_building_id,
                           "elements": len(keep), "bytes": size, "min": lo, "max": hi})
        stats["tiles"].append({"uri": uri, "bytes": size, "kind": "bim", "buildings": 1, "leaf": True})
    for layer in extras.points:
        rows, _, _ = _point_rows(layer, geo)
        uri = f"tiles/points/{layer.name}.glb"
        key = digest(context, "points", uri, rows, layer.xyz)

        def encode(rows=rows, layer=layer):
            enu = frame.to_enu(geo.to_ecef(layer.xyz[:, 0], layer.xyz[:, 1], layer.xyz[:, 2]))
            return _feature_content([_marker(p) for p in enu], build_columns(rows), POINT_CLASSES[layer.name],
                                    options, quantize, meshopt)

        lo, hi, size = place(uri, key, tmp, encode)
        out["points"].append({"uri": uri, "layer": layer.name, "features": len(rows), "bytes": size,
                              "min": lo, "max": hi})
        stats["tiles"].append({"uri": uri, "bytes": size, "kind": "points", "buildings": 0, "leaf": True})
    return out


def _write_geojson(extras: TwinExtras, geo: Georeferencer, tmp: Path) -> dict[str, str]:
    """islands.geojson and sensors.geojson (EPSG:4326, RFC 7946) beside the tileset; layer -> file name."""
    written = {}
    for layer in extras.points:
        rows, lonlat, _ = _point_rows(layer, geo)
        features = []
        for row, (lon, lat) in zip(rows, lonlat):
            props = dict(row)
            raw = props.get("attributes")
            if isinstance(raw, str) and raw.strip():
                try:
                    props["attributes"] = json.loads(raw)
                except json.JSONDecodeError:
                    pass
            fid = props.get("id") or props.get("sensor_key")
            features.append({"type": "Feature", "id": fid,
                             "geometry": {"type": "Point", "coordinates": [round(float(lon), 9), round(float(lat), 9)]},
                             "properties": props})
        name = GEOJSON_NAMES[layer.name]
        doc = {"type": "FeatureCollection", "name": layer.name, "features": finite(features)}
        (tmp / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str, allow_nan=False),
                                encoding="utf-8")
        written[layer.name] = name
    return written


def _twin_changes(gpkg) -> dict | None:
    """The buildings changed by the twin's latest build (``changes``), for the report."""
    if "changes" not in _layers(Path(gpkg)):
        return None
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(gpkg, layer="changes", read_geometry=False)
    except Exception:  # not a twin (no changes table)
        return None
    if frame.empty:
        return None
    last = int(frame["build_id"].max())
    latest = frame[(frame["build_id"] == last) & (frame["layer"] == "buildings")]
    return {"build_id": last, **{c: sorted(latest[latest["change"] == c]["object_id"])
                                 for c in ("added", "removed", "modified")}}
