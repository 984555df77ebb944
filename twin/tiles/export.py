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

Target client (``ExportOptions.target``, recorded in tileset.json ``asset.extras.geotwin.target`` and the
report): ``cesium`` (the default) quantises positions (KHR_mesh_quantization) and compresses with meshopt;
``qgis`` writes float32 VEC3 positions and float normals without either extension, the only encoding QGIS's
tiled scene layer (3.34+) reads, optionally compressed with KHR_draco_mesh_compression (``draco``, DracoPy;
QGIS decodes it where it was built with Draco). CesiumJS reads both.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import shapely
from numpy.typing import NDArray

from ..kernel import gpkg as gpkg_io
from ..kernel.atomic import atomic_path
from ..kernel.errors import GeoTwinError, InputError
from ..kernel.heights import Georeferencer, HeightModel, resolve_height_model
from ..kernel.jsonfile import write_json
from ..kernel.ownership import check_folder
from ..kernel.progress import Reporter
from ..kernel.schema import BUILDINGS
from . import quadtree
from .buildings import BuildingCollector, BuildingTable, Placement, to_enu
from .frame import georeference
from .glb import DRACO_MISSING, draco_available, meshopt_available
from .incremental import CONTENT_VERSION, Previous, digest
from .mesh import lod1_blocks, merge
from .metadata import Column, build_columns
from .metadata import schema as metadata_schema
from .search_index import write_search_index
from .source import (
    CityModel,
    attribute_rows,
    geoid_model_of,
    layers_of,
    open_source,
    read_city_model,
)
from .terrain import DEFAULT_MAX_LEVEL, DEFAULT_MAX_TILES, TERRAIN_DIR, TerrainResult, TerrainSummary
from .tileset import BIM_GEOMETRIC_ERROR, tileset_json, write_viewer
from .twin_layers import TwinExtras, read_twin_extras, vertical_datum_warnings
from .twin_tiles import TwinTiles, TwinTileWriter, write_availability, write_geojson, write_series
from .viewer import Basemap
from .writer import (
    LOD1_CLASS,
    BuildingContent,
    ContentOptions,
    Encoded,
    TileWriter,
    lod1_columns,
    tile_content,
)

if TYPE_CHECKING:
    from ..store.base import StoreReader

__all__ = ["BIM_GEOMETRIC_ERROR", "LOD1_CLASS", "REPORT_NAME", "TARGETS", "ExportOptions", "ExportReport",
           "ExportResult", "TerrainSummary", "export_3dtiles", "lod1_columns"]

REPORT_NAME = "export_report.json"
SCHEMA_NAME = "metadata_schema.json"  # the EXT_structural_metadata schema all tiles share
# Positions are quantised to 16 bits with one scale per tile: 756 m keeps the error within 1 cm.
LEAF_EXTENT = 600.0
LOD1_EXTENT = 700.0
SQUARE_GRID = 50.0   # m: the quadtree's root square is snapped to it (see quadtree.snapped_square)
VIEWER_LAYERS = {"learning_islands": "Learning islands", "sensors": "Sensors"}
#: the client the tiles are encoded for: CesiumJS (quantised positions, meshopt) or QGIS's tiled scene layer
#: (3.34+; its glTF loader reads FLOAT VEC3 positions only and knows no KHR_mesh_quantization or meshopt)
TARGETS = ("cesium", "qgis")
QGIS_IMPLICIT = ("implicit tiling with target qgis: QGIS's 3D tiles layer (3.34 to 3.44) reads no implicit tiling, "
                 "only an explicit tree of tiles; export without implicit tiling for QGIS")


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
    terrain: str | None = None          # a DGM raster (path), "relief" (the model's TINRelief) or None: no terrain
    terrain_max_tiles: int = DEFAULT_MAX_TILES
    terrain_max_level: int = DEFAULT_MAX_LEVEL
    leaf_max_buildings: int = 250
    lod1_max_buildings: int = 1500
    max_quantization_error: float = 0.01
    target: str = "cesium"              # cesium: quantised + meshopt; qgis: float32 positions (QGIS >= 3.34)
    draco: bool = False                 # target qgis only: KHR_draco_mesh_compression (DracoPy)

    def check(self) -> None:
        """Raise a GeoTwinError for an unknown format, granularity or target, a combination 3D Tiles 1.0 lacks,
        or Draco without target qgis or without DracoPy."""
        if self.format not in ("1.1", "1.0"):
            raise GeoTwinError(f"unknown 3D Tiles version {self.format!r}: use 1.1 or 1.0")
        if self.target not in TARGETS:
            raise GeoTwinError(f"unknown target client {self.target!r}: use {' or '.join(TARGETS)}")
        if self.draco and self.target != "qgis":
            raise GeoTwinError("Draco compression (KHR_draco_mesh_compression) is for target qgis; target cesium "
                               "compresses with quantisation and meshopt")
        if self.draco and not draco_available():
            raise GeoTwinError(DRACO_MISSING)
        if self.features not in ("building", "surface"):
            raise GeoTwinError(f"unknown feature granularity {self.features!r}: use building or surface")
        if self.format == "1.0" and (self.features == "surface" or self.implicit):
            raise GeoTwinError("3D Tiles 1.0 (b3dm) supports neither per-surface features nor implicit tiling; "
                               "use 3D Tiles 1.1")


@dataclass(frozen=True)
class ExportReport:
    """What an export did (the typed summary of ``export_report.json``)."""

    source: str                 # the GeoPackage, or the store (never with a password)
    buildings: int              # buildings tiled
    tiles: int                  # city-model tiles with content
    content_bytes: int          # bytes of all tile files
    total_bytes: int            # bytes of the whole tileset folder
    bytes_per_building: float
    height_method: str
    height_description: str
    rewritten: list[str]        # tile files written by this export
    reused: list[str]           # tile files kept from the previous export (unchanged content)
    skipped: list[str]          # objects not tiled, with the reason
    terrain: TerrainSummary | None = None   # the terrain tiles written (ExportOptions.terrain), else None


@dataclass
class ExportResult:
    output: Path
    tileset: Path
    tiles: int
    height_method: str
    summary: ExportReport
    report: dict[str, Any] = field(default_factory=dict)   # export_report.json as written


def export_3dtiles(source: str | os.PathLike[str] | StoreReader, output: str | os.PathLike[str],
                   options: ExportOptions | None = None, reporter: Reporter | None = None) -> ExportResult:
    """Export the city model (or the whole twin) of ``source`` into the folder ``output``.

    ``source``: a GeoPackage (from ``geotwin:importcitymodel``, or a twin from ``geotwin:buildtwin``), or a twin
    store (``StoreReader``, e.g. a PostGIS schema, or a PostgreSQL connection string of the schema ``geotwin``),
    which exports exactly as the same twin in a GeoPackage. A twin adds BIM detail tiles below its buildings' LoD2
    leaves and the learning islands and sensors as marker features (and as GeoJSON beside the tileset).
    Exporting into a folder that holds an earlier export reuses every tile file whose content is unchanged
    (``incremental``).

    Args:
        source: a GeoPackage path, a StoreReader or a connection string.
        output: the tileset folder (empty, new, or an earlier export's).
        options: format, compression, tiling, heights, viewer, terrain, target client.
        reporter: progress, cancel and messages.

    Returns:
        The ExportResult: the tileset's path, the tile count, the height model and the typed report.

    Raises:
        InputError: no buildings, a folder that is not an earlier export, bad options; Cancelled.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import sample_twin
        >>> city = sample_twin().city                   # the sample district's city model
        >>> folder = Path(tempfile.mkdtemp())
        >>> result = export_3dtiles(city, folder / "tiles")
        >>> result.summary.buildings, result.tiles, result.summary.rewritten
        (12, 1, ['tiles/0/0/0.glb'])
        >>> tileset = json.loads(result.tileset.read_text())
        >>> tileset["asset"]["version"], tileset["root"]["content"]["uri"]
        ('1.1', 'tiles/0/0/0.glb')
        >>> export_3dtiles(city, folder / "tiles").summary.reused       # unchanged: kept
        ['tiles/0/0/0.glb']
    """
    options = options or ExportOptions()
    reporter = reporter or Reporter()
    options.check()
    if options.target == "qgis" and options.implicit:
        reporter.warning(QGIS_IMPLICIT)
    target = Path(output)
    check_folder(target, REPORT_NAME)   # the folder is replaced as a whole: only an earlier export's or an empty one
    with open_source(source, reporter) as (gpkg, label):
        reporter.info(f"reading {label}")
        return _Export(gpkg, label, target, options, reporter).run()


@dataclass
class CityModelData:
    """What the export reads (``read_export_data``): the model's rows, the building table in id order, the surface
    table, the twin's extras and the number of degenerate polygons left out."""

    model: CityModel
    table: BuildingTable
    surface_table: list[dict[str, Any]]
    extras: TwinExtras
    degenerate: int


def read_export_data(gpkg: Path, options: ExportOptions, reporter: Reporter) -> CityModelData:
    """Read what the export tiles: the buildings (meshed as they are read), in id order, and the twin's extras
    (the partitioned export's subtrees read the same).

    Args:
        gpkg: the city model or twin GeoPackage.
        options: the export options (per-building or per-surface features, 3D Tiles version).
        reporter: messages (vertical datums, what 3D Tiles 1.0 leaves out) and cancel.

    Returns:
        The CityModelData.

    Raises:
        InputError: no building has geometry.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> data = read_export_data(sample_twin().city, ExportOptions(), Reporter())
        >>> len(data.table), data.table.ids == sorted(data.table.ids), data.degenerate
        (12, True, 0)
    """
    collector = BuildingCollector(options.features == "surface", reporter)
    # surface ids only go into per-surface tiles (and so into their digests)
    model = read_city_model(gpkg, reporter, collector, surface_ids=options.features == "surface")
    if not model.rows:
        raise InputError("no building with geometry to export", path=str(gpkg))
    # canonical order (by id): a tile's bytes do not depend on the row order of the GeoPackage
    order = sorted(range(len(model.ids)), key=model.ids.__getitem__)
    model.rows, model.ids = [model.rows[i] for i in order], [model.ids[i] for i in order]
    model.containers.sort(key=lambda r: str(r.get("id")))
    extras = read_twin_extras(gpkg, model.rows, reporter)
    model.skipped.extend(extras.skipped)
    for warning in vertical_datum_warnings(gpkg, model.vertical_crs):
        reporter.warning(warning)
    if extras and options.format == "1.0":
        reporter.warning("3D Tiles 1.0: BIM detail, learning islands and sensors are tiled in 3D Tiles 1.1 only; "
                         "they are written as GeoJSON beside the tileset")
    table, surface_table, degenerate = collector.table(model.ids, model.rows)
    return CityModelData(model, table, surface_table, extras, degenerate)


def drop_empty_buildings(data: CityModelData, gpkg: Path, reporter: Reporter) -> None:
    """Skip the buildings whose polygons have no area: each is warned about and listed in ``model.skipped``.

    Args:
        data: what ``read_export_data`` read (changed in place).
        gpkg: the GeoPackage it was read from (named in the error).
        reporter: the warnings.

    Raises:
        InputError: no building is left.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> data = read_export_data(sample_twin().city, ExportOptions(), Reporter())
        >>> drop_empty_buildings(data, sample_twin().city, Reporter()); len(data.table), data.model.skipped
        (12, [])
    """
    if data.degenerate:
        reporter.warning(f"{data.degenerate} degenerate polygon(s) without area were left out")
    table, model = data.table, data.model
    keep = [i for i, t in enumerate(table.meshes.triangles) if t is not None and len(t)]
    if len(keep) == len(table):
        return
    for i in sorted(set(range(len(table))) - set(keep)):
        model.skipped.append(f"building {table.ids[i]}: no polygon with an area")
        reporter.warning(f"skipped building {table.ids[i]}: no polygon with an area")
    data.table = table.select(keep)
    model.rows, model.ids = data.table.rows, data.table.ids
    if not model.rows:
        raise InputError("no polygon of non-zero area to export", path=str(gpkg))


def export_square(previous: Previous, lo: NDArray[Any], hi: NDArray[Any], centres: NDArray[Any],
                  implicit: bool) -> tuple[float, float, float]:
    """Give the quadtree's root square: the previous export's while it still holds everything (and is not more
    than twice too large), else the content's square snapped to ``SQUARE_GRID``.

    Args:
        previous: what the previous export in the output folder recorded.
        lo: the buildings' lower ENU bounds (n x 3).
        hi: their upper ENU bounds.
        centres: their centres.
        implicit: implicit tiling (the whole boxes must fit, not only the centres).

    Returns:
        (x0, y0, size) of the square.

    Example:
        >>> lo, hi = np.array([[10.0, 20.0, 0.0]]), np.array([[30.0, 35.0, 12.0]])
        >>> export_square(Previous(Path(".")), lo, hi, (lo + hi) / 2, True)
        (0.0, 0.0, 50.0)
        >>> export_square(Previous(Path("."), square=[-50.0, -50.0, 100.0]), lo, hi, (lo + hi) / 2, True)
        (-50.0, -50.0, 100.0)
    """
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


def export_tree(placement: Placement, square: tuple[float, float, float], options: ExportOptions) -> quadtree.Node:
    """Build the export's quadtree over the buildings' ENU bounds: implicit or explicit, as ``options`` say.

    Args:
        placement: the buildings' ENU bounds.
        square: the root square (``export_square``).
        options: the export options (tiling, buildings per leaf).

    Returns:
        The root node.

    Example:
        >>> from geotwin.twin.tiles.frame import EnuFrame
        >>> lo = np.array([[0.0, 0.0, 0.0], [60.0, 60.0, 0.0]])
        >>> placement = Placement(EnuFrame(np.array([4.1e6, 0.6e6, 4.85e6])), [0.0, 0.0, 0.0], lo, lo + 10.0)
        >>> root = export_tree(placement, (0.0, 0.0, 100.0), ExportOptions(leaf_max_buildings=1))
        >>> sum(len(n.content) for n in root.walk() if n.content) >= 2
        True
    """
    if options.implicit:
        root, _ = quadtree.build_implicit(placement.lo, placement.hi, leaf_max=options.leaf_max_buildings,
                                          leaf_extent=LEAF_EXTENT, square=square)
        return root
    return quadtree.build_explicit(placement.centres, placement.lo, placement.hi,
                                   leaf_max=options.leaf_max_buildings, leaf_extent=LEAF_EXTENT,
                                   lod1_max=options.lod1_max_buildings, lod1_extent=LOD1_EXTENT, square=square)


@dataclass
class CityTiles:
    """Encodes the city model's tiles: LoD2 leaves (the buildings' meshes) and LoD1 blocks above them (the
    single-process export and the partitioned export's subtrees)."""

    model: CityModel
    table: BuildingTable
    building_columns: list[Column]
    surface_columns: list[Column] | None
    content: ContentOptions
    ext: str

    def __post_init__(self) -> None:
        self.containers = self.model.container_index()
        self.container_digests = {str(r["id"]): digest(r) for r in self.model.containers}

    def write(self, node: quadtree.Node, writer: TileWriter) -> tuple[NDArray[Any], NDArray[Any]]:
        """Place the tile of ``node`` (its ``own`` buildings then sorted by id); its content bounds."""
        table, model = self.table, self.model
        assert node.own is not None, "a tile with content has its buildings"
        node.own = np.array(sorted(node.own, key=table.ids.__getitem__), dtype=np.int64)
        own_parents = {table.rows[bi].get("parent_id") for bi in node.own}
        extra_rows = sorted((self.containers[p] for p in own_parents if p in self.containers),
                            key=lambda i: str(model.containers[i - len(table.rows)]["id"]))
        feature_rows = np.concatenate([node.own, np.array(extra_rows, dtype=np.int64)])
        key = digest(self.content.context, node.key, node.content,   # digests: hex strings of one length
                     "".join([table.digests[i] for i in node.own.tolist()]).encode("ascii"),
                     "".join([self.container_digests[str(model.containers[i - len(table.rows)]["id"])]
                              for i in extra_rows]).encode("ascii"))
        uri = f"tiles/{node.key}.{self.ext}"
        placed = writer.place(uri, key, lambda: self.encode(node, feature_rows))
        if node.content == "lod2":  # a building's LoD2 mesh is in one tile only
            for bi in node.own.tolist():
                table.meshes.free(bi)
        node.content_bytes = placed.size
        writer.tiles.append({"uri": uri, "bytes": placed.size, "kind": node.content,
                             "buildings": len(node.own), "leaf": not node.children, **writer.sizes(uri)})
        return placed.lo, placed.hi

    def encode(self, node: quadtree.Node, feature_rows: NDArray[Any]) -> Encoded:
        table, content = self.table, self.content
        assert node.own is not None
        schema_uri = "../" * (node.key.count("/") + 1) + SCHEMA_NAME
        if node.content == "lod1":
            footprints = shapely.from_wkb(np.array([table.lod1_wkb[bi] for bi in node.own], dtype=object))
            mesh, sizes = lod1_blocks(footprints, table.lod1_levels[node.own])
            mesh = mesh._replace(vertices=georeference(content.geo, content.frame, mesh.vertices))
            tile = BuildingContent(mesh, sizes, None, feature_rows, schema_uri)
        else:
            own = node.own.tolist()
            tile = BuildingContent(merge([table.meshes[bi] for bi in own]),
                                   [len(table.meshes[bi].vertices) for bi in own],
                                   [table.surfaces[bi] for bi in own], feature_rows, schema_uri)
        return tile_content(tile, self.building_columns, self.surface_columns, content)


def content_setup(options: ExportOptions, reporter: Reporter, heights: HeightModel, geo: Georeferencer,
                  placement: Placement, building_columns: list[Column], surface_columns: list[Column] | None,
                  lod1: bool) -> tuple[ContentOptions, str]:
    """Decide how the tiles of an export are encoded, and give its metadata schema.

    The columns need only their types (a partitioned export gives them without values). Quantisation and meshopt
    are for the Cesium target with compression and 3D Tiles 1.1; the context digest covers everything a tile's
    bytes depend on besides its own content (so that unchanged tiles are reused).

    Args:
        options: the export options.
        reporter: told when meshoptimizer is missing.
        heights: the height model.
        geo: the georeferencer.
        placement: the ENU frame and its origin.
        building_columns: the building property columns.
        surface_columns: the surface property columns (None: no surface features).
        lod1: the tree has LoD1 block tiles (their class is in the schema).

    Returns:
        (the ContentOptions, the metadata schema as JSON text; empty for 3D Tiles 1.0).

    Example:
        >>> from geotwin.twin.tiles.frame import EnuFrame
        >>> heights = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> geo = Georeferencer("EPSG:25832", heights)
        >>> origin = [456300.0, 5428500.0, 115.0]
        >>> frame = EnuFrame(geo.to_ecef(*([v] for v in origin))[0])
        >>> placement = Placement(frame, origin, np.zeros((0, 3)), np.zeros((0, 3)))
        >>> columns = build_columns([{"id": "B1", "name": "School"}])
        >>> cesium, schema = content_setup(ExportOptions(), Reporter(), heights, geo, placement, columns, None, True)
        >>> cesium.quantize, cesium.draco, sorted(json.loads(schema)["classes"])
        (True, False, ['building', 'building_lod1'])
        >>> qgis, _ = content_setup(ExportOptions(target="qgis"), Reporter(), heights, geo, placement, columns, None,
        ...                         False)
        >>> qgis.quantize, qgis.context != cesium.context
        (False, True)
        >>> content_setup(ExportOptions(format="1.0"), Reporter(), heights, geo, placement, columns, None, False)[1]
        ''
    """
    cesium = options.target == "cesium"
    quantize = cesium and options.compression and options.format == "1.1"
    meshopt = quantize and meshopt_available()
    if quantize and not meshopt:
        reporter.warning("the meshoptimizer package is not installed: tiles are quantised "
                         "(KHR_mesh_quantization) but not meshopt-compressed")
    classes = {"building": building_columns, **({"surface": surface_columns} if surface_columns else {})}
    if lod1:
        classes[LOD1_CLASS] = lod1_columns(building_columns)
    schema_json = json.dumps(metadata_schema(classes), ensure_ascii=False) if options.format == "1.1" else ""
    keyed = {k: getattr(options, k) for k in ("format", "features", "compression", "max_quantization_error")}
    if not cesium:  # the cesium target's keys stay as before targets existed: its earlier tiles are reused
        keyed.update(target=options.target, draco=options.draco)
    context = digest(CONTENT_VERSION, keyed, meshopt, heights.as_dict(), geo.horizontal["description"],
                     placement.frame_origin, schema_json)
    return ContentOptions(options.format, options.max_quantization_error, quantize, meshopt, context,
                          placement.frame, geo, options.draco), schema_json


class _Export:
    """One export, step by step: read, georeference, tile, write, report."""

    def __init__(self, gpkg: Path, label: str, output: Path, options: ExportOptions, reporter: Reporter) -> None:
        self.gpkg, self.label, self.output, self.options, self.reporter = gpkg, label, output, options, reporter

    def run(self) -> ExportResult:
        options, reporter = self.options, self.reporter
        data = read_export_data(self.gpkg, options, reporter)
        self.previous = Previous.load(self.output, REPORT_NAME)
        reporter.check()
        heights = resolve_height_model(data.model.horizontal_crs, data.model.vertical_crs, options.height_method,
                                       options.geoid_grid, options.geoid_constant, reporter,
                                       geoid_model=geoid_model_of(self.gpkg))
        geo = Georeferencer(data.model.horizontal_crs, heights)
        if geo.horizontal["missingGrids"]:
            grids = ", ".join(str(g) for g in cast(list[Any], geo.horizontal["missingGrids"]))
            reporter.warning(f"PROJ uses {geo.horizontal['description']} (accuracy "
                             f"{geo.horizontal['accuracyMetres']} m) for the horizontal datum; the grid(s) "
                             f"{grids} would make it more accurate")
        reporter.progress(30)
        drop_empty_buildings(data, self.gpkg, reporter)
        placement = to_enu(data.table.meshes, geo)
        reporter.check()
        building_columns = build_columns(attribute_rows(data.model), BUILDINGS.fields)
        surface_columns = build_columns(data.surface_table) if options.features == "surface" else None
        square = export_square(self.previous, placement.lo, placement.hi, placement.centres, options.implicit)
        root = export_tree(placement, square, options)
        with_content = [n for n in root.walk() if n.content]
        content, schema_json = self._content_options(heights, geo, placement, building_columns, surface_columns,
                                                     with_content)
        city = CityTiles(data.model, data.table, building_columns, surface_columns, content, self._ext)
        with atomic_path(self.output, directory=True) as tmp:
            tmp.mkdir(parents=True, exist_ok=True)
            report, terrain = self._write(tmp, data, city, root, with_content, schema_json, heights, placement,
                                          square)
            reporter.progress(100)
        summary = _summary(self.label, report, len(with_content), heights, terrain)
        reporter.info(f"{len(summary.rewritten) + len(summary.reused)} tiles ({len(summary.rewritten)} written, "
                      f"{len(summary.reused)} unchanged and kept), {summary.total_bytes} bytes, "
                      f"{summary.bytes_per_building:.0f} bytes per building")
        return ExportResult(self.output, self.output / "tileset.json", len(with_content), heights.method, summary,
                            report)

    @property
    def _ext(self) -> str:
        return "glb" if self.options.format == "1.1" else "b3dm"

    def _content_options(self, heights: HeightModel, geo: Georeferencer, placement: Placement,
                         building_columns: list[Column], surface_columns: list[Column] | None,
                         with_content: list[quadtree.Node]) -> tuple[ContentOptions, str]:
        """How the tiles are encoded, and the metadata schema (JSON text; empty for 3D Tiles 1.0)."""
        return content_setup(self.options, self.reporter, heights, geo, placement, building_columns,
                             surface_columns, any(n.content == "lod1" for n in with_content))

    def _write(self, tmp: Path, data: CityModelData, city: CityTiles, root: quadtree.Node,
               with_content: list[quadtree.Node], schema_json: str, heights: HeightModel, placement: Placement,
               square: tuple[float, float, float]) -> tuple[dict[str, Any], TerrainSummary | None]:
        """Every file of the tileset into ``tmp``; the report (as written into ``export_report.json``) and the
        summary of the terrain tiles (None without terrain)."""
        options, reporter, content = self.options, self.reporter, city.content
        if options.format == "1.1":
            (tmp / SCHEMA_NAME).write_text(schema_json, encoding="utf-8")
        writer = TileWriter(tmp, self.previous)
        content_bounds: dict[str, tuple[NDArray[Any], NDArray[Any]]] = {}
        for k, node in enumerate(with_content):
            reporter.check()
            reporter.progress(30 + 55 * k / len(with_content))
            content_bounds[node.key] = city.write(node, writer)
        twin_tiles = TwinTiles()
        if data.extras and options.format == "1.1":
            twin_tiles = TwinTileWriter(content, writer, data.table.ids, data.model.skipped).write(
                data.extras, root, options.implicit)
        details = {t.node: (BIM_GEOMETRIC_ERROR, t.min, t.max) for t in twin_tiles.bim if t.node is not None}
        quadtree.finish(root, data.table.lod1_errors, content_bounds, details)
        reporter.check()
        tileset = tileset_json(root, content.frame, options.format, options.implicit, self._ext, heights.as_dict(),
                               tmp, twin_tiles, {"target": options.target, "draco": options.draco})
        write_json(tmp / "tileset.json", tileset, indent=1)
        layers = write_geojson(data.extras, content.geo, tmp)
        series = write_series(self.gpkg, data.extras, tmp) if data.extras else None
        availability = write_availability(self.gpkg, data.extras, tmp, reporter) if data.extras else None
        search = (write_search_index(tmp, data.table.rows, placement.lo, placement.hi, placement.frame)
                  if options.viewer else None)
        total = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
        report = _report(self.label, data, heights, content, options, writer, total)
        report["horizontal_transformation"] = content.geo.horizontal
        report["twin"] = {"bim_tiles": [t.record() for t in twin_tiles.bim],
                          "point_tiles": [t.record() for t in twin_tiles.points],
                          "geojson": layers, "series": series, "availability": availability,
                          "changes": _twin_changes(self.gpkg)}
        terrain = self._terrain(tmp, data, content.geo, placement).summary() if options.terrain else None
        report["terrain"] = terrain.record() if terrain else None
        report["search"] = search
        report["incremental"] = {
            "version": CONTENT_VERSION, "frame_origin": placement.frame_origin, "square": list(square),
            "previous_tiles": len(self.previous.tiles), "rewritten": writer.rewritten(), "reused": writer.reused(),
            "tiles": {u: {k: v for k, v in r.items() if k != "rewritten"} for u, r in writer.records.items()}}
        write_json(tmp / REPORT_NAME, report, indent=1, ensure_ascii=False)
        if options.viewer:
            write_viewer(tmp, root, content.frame, options.cesium_url,
                         {VIEWER_LAYERS[k]: f"../{v}" for k, v in layers.items()}, options.basemap,
                         f"../{TERRAIN_DIR}" if terrain else None)
        return report, terrain

    def _terrain(self, tmp: Path, data: CityModelData, geo: Georeferencer, placement: Placement) -> TerrainResult:
        """Quantized-mesh terrain from the DGM (or the TIN relief) under the buildings, heights through ``geo``."""
        from .terrain import RELIEF, TerrainOptions, read_dgm, relief_field, write_terrain

        options, model = self.options, data.model
        terrain_options = TerrainOptions(max_tiles=options.terrain_max_tiles, max_level=options.terrain_max_level)
        corners = placement.frame.to_ecef(np.array([[placement.lo[:, 0].min(), placement.lo[:, 1].min(), 0.0],
                                                    [placement.hi[:, 0].max(), placement.lo[:, 1].min(), 0.0],
                                                    [placement.lo[:, 0].min(), placement.hi[:, 1].max(), 0.0],
                                                    [placement.hi[:, 0].max(), placement.hi[:, 1].max(), 0.0]]))
        xy = geo.from_ecef(corners)
        m = terrain_options.margin
        area = (float(xy[:, 0].min() - m), float(xy[:, 1].min() - m), float(xy[:, 0].max() + m),
                float(xy[:, 1].max() + m))
        if str(options.terrain) == RELIEF:
            field = relief_field(_relief_triangles(self.gpkg), model.horizontal_crs, area)
        else:
            field = read_dgm(str(options.terrain), model.horizontal_crs, area, model.vertical_crs)
        lon, lat, _ = geo.to_geographic([area[0], area[2], area[0], area[2]], [area[1], area[1], area[3], area[3]],
                                        np.zeros(4))
        bounds = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
        return write_terrain(field, geo, tmp / TERRAIN_DIR, bounds, terrain_options, self.reporter)


def _report(label: str, data: CityModelData, heights: HeightModel, content: ContentOptions,
            options: ExportOptions, writer: TileWriter, total_bytes: int) -> dict[str, Any]:
    """export_report.json without its twin and incremental parts."""
    model, frame = data.model, content.frame
    sizes = np.array([t["bytes"] for t in writer.tiles])
    leaves = [t["bytes"] for t in writer.tiles if t["leaf"]]
    leaf = np.array(leaves) if leaves else sizes
    return {
        "source": label, "horizontal_crs": model.horizontal_crs, "vertical_crs": model.vertical_crs,
        "height_model": heights.as_dict(),
        "frame": {"longitude": frame.lon, "latitude": frame.lat, "origin_ecef": [float(v) for v in frame.origin]},
        "options": asdict(options),
        "buildings": len(model.rows), "containers": len(model.containers), "skipped": model.skipped,
        "degenerate_polygons": data.degenerate,
        "target": options.target,
        "compression": {"KHR_mesh_quantization": content.quantize, "EXT_meshopt_compression": content.meshopt,
                        "KHR_draco_mesh_compression": content.draco,
                        "max_quantization_error_m": writer.max_quantization_error,
                        "quantized_tiles": writer.quantized_tiles, "float_tiles": writer.float_tiles},
        "sizes": {"tiles": len(sizes), "content_bytes": int(sizes.sum()), "total_bytes": total_bytes,
                  "bytes_per_building": total_bytes / len(model.rows),
                  "leaf_p95_bytes": float(np.percentile(leaf, 95)), "leaf_max_bytes": int(leaf.max()),
                  "max_bytes": int(sizes.max())},
        "tiles": writer.tiles,
    }


def _summary(label: str, report: dict[str, Any], tiles: int, heights: HeightModel,
             terrain: TerrainSummary | None) -> ExportReport:
    """The typed report of the export whose ``export_report.json`` is ``report``."""
    sizes, incremental = report["sizes"], report["incremental"]
    return ExportReport(label, report["buildings"], tiles, sizes["content_bytes"], sizes["total_bytes"],
                        sizes["bytes_per_building"], heights.method, report["height_model"]["description"],
                        incremental["rewritten"], incremental["reused"], list(report["skipped"]), terrain)


def _relief_triangles(gpkg: Path) -> NDArray[Any]:
    """The corner points (N, 3, 3) of the ``terrain`` layer's triangles (TINRelief); InputError when there are none."""
    from ..kernel.schema import TERRAIN

    if TERRAIN.name not in layers_of(gpkg):
        raise InputError("the city model has no TIN relief (no terrain layer): give a DGM raster instead",
                         path=str(gpkg))
    _, _, geoms = gpkg_io.read_table(gpkg, TERRAIN.name, columns=[])
    geoms = np.array([g for g in (geoms if geoms is not None else []) if g is not None], dtype=object)
    if len(geoms):
        geoms = geoms[shapely.get_num_coordinates(geoms) == 4]
    if not len(geoms) or not shapely.has_z(geoms).all():
        raise InputError("the city model's terrain layer holds no triangles with heights: give a DGM raster",
                         path=str(gpkg))
    corners: NDArray[Any] = shapely.get_coordinates(geoms, include_z=True).reshape(-1, 4, 3)[:, :3]
    return corners


def _twin_changes(gpkg: Path) -> dict[str, Any] | None:
    """The buildings changed by the twin's latest build (``changes``), for the report."""
    if "changes" not in layers_of(gpkg):
        return None
    try:
        frame = gpkg_io.read_frame(gpkg, "changes")
    except Exception:  # noqa: BLE001 - a changes table GDAL cannot read: the report just has no changes
        return None
    if frame.empty:
        return None
    last = int(frame["build_id"].max())
    latest = frame[(frame["build_id"] == last) & (frame["layer"] == "buildings")]
    return {"build_id": last, **{c: sorted(latest[latest["change"] == c]["object_id"])
                                 for c in ("added", "removed", "modified")}}
