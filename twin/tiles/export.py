"""Export the city model of a GeoTwin GeoPackage as an OGC 3D Tiles tileset (1.1 GLB or 1.0 b3dm).

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

from ..atomic import atomic_path
from ..errors import GeoTwinError, InputError
from ..heights import Georeferencer, resolve_height_model
from ..progress import Reporter
from ..schema import BUILDINGS
from . import quadtree
from .frame import EnuFrame, enu_to_gltf
from .glb import FeatureSet, build_glb, meshopt_available
from .mesh import Mesh, lod1_blocks, lod1_error, lod2_meshes
from .metadata import Column, build_columns, schema as metadata_schema
from .source import attribute_rows, read_city_model
from .subtree import subtree_bytes

REPORT_NAME = "export_report.json"
SCHEMA_NAME = "metadata_schema.json"  # the EXT_structural_metadata schema all tiles share
# Positions are quantised to 16 bits with one scale per tile: 756 m keeps the error within 1 cm.
LEAF_EXTENT = 600.0
LOD1_EXTENT = 700.0
LOD1_ATTRIBUTES = ("id", "parent_id", "object_class", "name", "function", "usage", "measured_height",
                   "roof_height", "street", "house_number")


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
    cesium_url: str | None = None
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

    reporter.info(f"reading {gpkg}")
    model = read_city_model(gpkg, reporter)
    if not model.buildings:
        raise InputError("no building with geometry to export", path=str(gpkg))
    reporter.check()
    heights = resolve_height_model(model.horizontal_crs, model.vertical_crs, options.height_method,
                                   options.geoid_grid, options.geoid_constant, reporter)
    geo = Georeferencer(model.horizontal_crs, heights)
    if geo.horizontal["missingGrids"]:
        reporter.warning(f"PROJ uses {geo.horizontal['description']} (accuracy {geo.horizontal['accuracyMetres']} m) "
                         f"for the horizontal datum; the grid(s) {', '.join(geo.horizontal['missingGrids'])} "
                         "would make it more accurate")

    # LoD2 meshes in source coordinates, then all vertices to ECEF in one go
    meshes: list[Mesh] = []
    surface_rows: list[list[int]] = []
    surface_table: list[dict] = []
    degenerate = 0
    reporter.progress(5)
    for i, (b, (mesh, kept)) in enumerate(zip(model.buildings, lod2_meshes(model.buildings))):
        degenerate += len(b.polygons) - len(kept)
        rows = []
        for k in kept:
            p = b.polygons[k]
            rows.append(len(surface_table))
            surface_table.append({"id": p.surface_id, "building_id": b.id, "surface_type": p.surface_type})
        meshes.append(mesh)
        surface_rows.append(rows)
        if i % 500 == 0:
            reporter.check()
            reporter.progress(5 + 25 * i / len(model.buildings))
    if degenerate:
        reporter.warning(f"{degenerate} degenerate polygon(s) without area were left out")
    empty = [b.id for b, m in zip(model.buildings, meshes) if not len(m.triangles)]
    if empty:
        for bid in empty:
            model.skipped.append(f"building {bid}: no polygon with an area")
            reporter.warning(f"skipped building {bid}: no polygon with an area")
        keep = [i for i, m in enumerate(meshes) if len(m.triangles)]
        model.buildings = [model.buildings[i] for i in keep]
        meshes = [meshes[i] for i in keep]
        surface_rows = [surface_rows[i] for i in keep]
        if not model.buildings:
            raise InputError("no building with a polygon of non-zero area to export", path=str(gpkg))
    counts = np.array([len(m.vertices) for m in meshes])
    src = np.vstack([m.vertices for m in meshes])
    src_centre = (src.min(axis=0) + src.max(axis=0)) / 2
    frame = EnuFrame(geo.to_ecef([src_centre[0]], [src_centre[1]], [src[:, 2].min()])[0])
    enu = frame.to_enu(geo.to_ecef(src[:, 0], src[:, 1], src[:, 2]))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for m, s, c in zip(meshes, starts, counts):
        m.vertices = enu[s:s + c]
    del src, enu
    lo = np.array([m.vertices.min(axis=0) for m in meshes])
    hi = np.array([m.vertices.max(axis=0) for m in meshes])
    centres = (lo + hi) / 2
    reporter.check()

    rows = attribute_rows(model)
    containers = model.container_index()
    building_columns = build_columns(rows, BUILDINGS.fields)
    surface_columns = build_columns(surface_table) if options.features == "surface" else None

    if options.implicit:
        root, _ = quadtree.build_implicit(lo, hi, leaf_max=options.leaf_max_buildings, leaf_extent=LEAF_EXTENT)
    else:
        root = quadtree.build_explicit(centres, lo, hi, leaf_max=options.leaf_max_buildings,
                                       leaf_extent=LEAF_EXTENT, lod1_max=options.lod1_max_buildings,
                                       lod1_extent=LOD1_EXTENT)
    nodes = [n for n in root.walk()]
    with_content = [n for n in nodes if n.content]
    errors_lod1 = np.array([lod1_error(b) for b in model.buildings]) if any(
        n.content == "lod1" for n in with_content) else np.zeros(len(model.buildings))

    ext = "glb" if options.format == "1.1" else "b3dm"
    quantize = options.compression and options.format == "1.1"
    meshopt = quantize and meshopt_available()
    if options.compression and options.format == "1.1" and not meshopt:
        reporter.warning("the meshoptimizer package is not installed: tiles are quantised "
                         "(KHR_mesh_quantization) but not meshopt-compressed")
    stats = {"tiles": [], "max_quantization_error": 0.0, "quantized_tiles": 0, "float_tiles": 0}
    content_bounds: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    with atomic_path(output, directory=True) as tmp:
        tmp.mkdir(parents=True, exist_ok=True)
        if options.format == "1.1":
            classes = {"building": building_columns, **({"surface": surface_columns} if surface_columns else {})}
            (tmp / SCHEMA_NAME).write_text(json.dumps(metadata_schema(classes), ensure_ascii=False),
                                           encoding="utf-8")
        for k, node in enumerate(with_content):
            reporter.check()
            reporter.progress(30 + 60 * k / len(with_content))
            if node.content == "lod1":
                blocks = lod1_blocks([model.buildings[bi] for bi in node.own])
                src = np.vstack([blk.vertices for blk in blocks])
                enu = frame.to_enu(geo.to_ecef(src[:, 0], src[:, 1], src[:, 2]))
                start = 0
                for blk in blocks:
                    blk.vertices, start = enu[start:start + len(blk.vertices)], start + len(blk.vertices)
                tile_meshes, tile_surfaces = blocks, None
            else:
                tile_meshes = [meshes[bi] for bi in node.own]
                tile_surfaces = [surface_rows[bi] for bi in node.own]
            own_parents = {model.buildings[bi].row.get("parent_id") for bi in node.own}
            extra_rows = sorted(containers[p] for p in own_parents if p in containers)
            feature_rows = np.concatenate([node.own, np.array(extra_rows, dtype=np.int64)])
            data, bounds, info = _tile_content(tile_meshes, tile_surfaces, feature_rows, building_columns,
                                               surface_columns, options, quantize, meshopt,
                                               "../" * (node.key.count("/") + 1) + SCHEMA_NAME)
            path = tmp / "tiles" / f"{node.key}.{ext}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            node.content_bytes = len(data)
            pad = info["quantization_error"]  # quantised vertices may move by up to this
            content_bounds[node.key] = (bounds[0] - pad, bounds[1] + pad)
            stats["max_quantization_error"] = max(stats["max_quantization_error"], info["quantization_error"])
            stats["quantized_tiles" if info["quantized"] else "float_tiles"] += 1
            stats["tiles"].append({"uri": f"tiles/{node.key}.{ext}", "bytes": len(data), "kind": node.content,
                                   "buildings": int(len(node.own)), "leaf": not node.children,
                                   **{k: v for k, v in info.items() if k in ("vertices", "triangles")}})

        quadtree.finish(root, errors_lod1, content_bounds)
        reporter.check()
        tileset = _tileset_json(root, frame, options, ext, heights.as_dict(), tmp)
        (tmp / "tileset.json").write_text(json.dumps(tileset, indent=1), encoding="utf-8")
        stats["tileset_bytes"] = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
        report = _report(model, heights, frame, options, stats, root, quantize, meshopt, degenerate)
        report["horizontal_transformation"] = geo.horizontal
        (tmp / REPORT_NAME).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        if options.viewer:
            _write_viewer(tmp, options, root, frame)
        reporter.progress(100)
    reporter.info(f"{len(with_content)} tiles, {report['sizes']['total_bytes']} bytes, "
                  f"{report['sizes']['bytes_per_building']:.0f} bytes per building")
    return ExportResult(output, output / "tileset.json", len(with_content), heights.method, report)


def _tile_content(tile_meshes: list[Mesh], tile_surfaces: list[list[int]] | None, buildings: np.ndarray,
                  building_columns: list[Column], surface_columns: list[Column] | None,
                  options: ExportOptions, quantize: bool, meshopt: bool,
                  schema_uri: str | None) -> tuple[bytes, tuple, dict]:
    """One tile's GLB (or b3dm): its buildings' meshes relative to the tile centre."""
    verts = np.vstack([m.vertices for m in tile_meshes])
    sizes = np.array([len(m.vertices) for m in tile_meshes])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    tris = np.vstack([m.triangles + o for m, o in zip(tile_meshes, offsets)])
    building_ids = np.repeat(np.arange(len(tile_meshes)), sizes)  # = row in ``buildings`` (containers after)
    # polygon numbers over the whole tile, for normals and surface ids
    poly_counts = np.array([m.polygon_count for m in tile_meshes])
    poly_offsets = np.concatenate([[0], np.cumsum(poly_counts)[:-1]])
    polygon = np.concatenate([m.polygon + o for m, o in zip(tile_meshes, poly_offsets)])
    lo, hi = verts.min(axis=0), verts.max(axis=0)

    gl = enu_to_gltf(verts)
    centre = (gl.min(axis=0) + gl.max(axis=0)) / 2
    local = gl - centre
    a, b, c = local[tris[:, 0]], local[tris[:, 1]], local[tris[:, 2]]
    face = np.cross(b - a, c - a)
    poly_normal = np.zeros((int(poly_counts.sum()), 3))
    np.add.at(poly_normal, polygon[tris[:, 0]], face)
    length = np.linalg.norm(poly_normal, axis=1, keepdims=True)
    poly_normal = np.divide(poly_normal, length, out=np.tile([0.0, 1.0, 0.0], (len(poly_normal), 1)),
                            where=length > 0)
    normals = poly_normal[polygon]

    columns = building_columns
    if tile_surfaces is None:  # LoD1 blocks: what styling and a first click need; the LoD2 tiles hold all
        columns = [c for c in building_columns if c.name in LOD1_ATTRIBUTES]
    features = [FeatureSet(building_ids, "building", "building", columns, buildings, building_columns)]
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
                  tmp: Path) -> dict:
    extras = {"geotwin": {"heightModel": height, "crs": "EPSG:4978",
                          "frame": {"type": "ENU", "longitude": frame.lon, "latitude": frame.lat,
                                    "originEcef": [float(v) for v in frame.origin]}}}
    asset = {"version": options.format, "generator": "GeoTwin", "extras": extras}
    if options.format == "1.0":
        asset["gltfUpAxis"] = "Y"
    if options.implicit:
        available, levels = _write_subtrees(root, tmp)
        tile = _implicit_tile(root, frame, ext, available, levels)
        return {"asset": asset, "geometricError": tile["geometricError"] * 2, "root": tile}

    def tile(node: quadtree.Node) -> dict:
        t: dict = {"boundingVolume": {"box": _box(node.box_min, node.box_max)},
                   "geometricError": node.geometric_error}
        if node.content:
            t["content"] = {"uri": f"tiles/{node.key}.{ext}"}
        if node.children:
            t["children"] = [tile(c) for c in node.children]
        return t

    t = tile(root)
    t["refine"] = "REPLACE"
    t["transform"] = frame.transform()
    diag = float(np.linalg.norm(root.box_max - root.box_min))
    return {"asset": asset, "geometricError": max(diag, root.geometric_error), "root": t}


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
        "buildings": len(model.buildings), "containers": len(model.containers), "skipped": model.skipped,
        "degenerate_polygons": degenerate,
        "compression": {"KHR_mesh_quantization": quantize, "EXT_meshopt_compression": meshopt,
                        "max_quantization_error_m": stats["max_quantization_error"],
                        "quantized_tiles": stats["quantized_tiles"], "float_tiles": stats["float_tiles"]},
        "sizes": {"tiles": len(sizes), "content_bytes": total, "total_bytes": stats["tileset_bytes"],
                  "bytes_per_building": stats["tileset_bytes"] / len(model.buildings),
                  "leaf_p95_bytes": float(np.percentile(leaf, 95)), "leaf_max_bytes": int(leaf.max()),
                  "max_bytes": int(sizes.max())},
        "tiles": stats["tiles"],
    }


def _write_viewer(tmp: Path, options: ExportOptions, root: quadtree.Node, frame: EnuFrame) -> None:
    from . import viewer

    kwargs = {"tileset_url": "../tileset.json", "title": "GeoTwin"}
    if options.cesium_url:
        kwargs["cesium_url"] = options.cesium_url
    ground = frame.to_ecef(root.box_min.reshape(1, 3))
    from pyproj import Transformer

    _, _, h = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(*ground[0])
    kwargs["ground_height"] = float(h)
    viewer.write_viewer(tmp, **kwargs)
