"""3D Tiles export in partitions: flat memory however large the city, the partitions on any mapper (Dask or serial).

``export_partitioned(store, output)`` gives the tiles ``export_3dtiles`` gives for the same store, in three steps:

1. ``plan_export``: two streaming passes over the ``buildings`` layer (``StoreReader.iter_rows``), never the whole
   layer at once: the attributes of every building (typed as the whole export types them, ``columns.ColumnStats``)
   and the bounds of its geometry; the frame and the height model; then the ENU bounds of every building. Each
   pass runs on the mapper in ranges of rows (``planscan``: on the workers with Dask), its results taken in the
   rows' order. Per building nothing stays in memory: its id, source box and ENU box go into a scratch SQLite table
   (``plantable.PlanRows``, also the ids already seen: duplicates), with its quadtree cell as a Morton code (the
   same comparisons as the single-process export's quadtree). A partition is a subtree of that quadtree (the
   topmost nodes with at most ``partition_buildings`` buildings, at least ``lod1_max_buildings``: an LoD1 block
   tile lies within one partition): the tree above the partitions is built from SQL aggregates of the cells
   (count, extent), each partition's subtree from its own buildings, read one partition at a time; the result
   is the single-process export's tree. Implicit tiling also has a ``top`` task for the buildings that lie
   across the borders of the tiles above the partitions (they stay in those tiles' content). It pickles: each
   task carries its subtree and its buildings' ids (both compressed: the coordinator holds every task until the
   root, and no quadtree node of a partition), the boxes to read, and the rows no box read finds: its parts'
   containers and its buildings with surfaces but no geometry of their own.
2. ``export_subtree`` (one task, in a Dask worker or serially): reads only its buildings from the store (bounding
   box reads, kept by id: a building is in exactly one task, the one its reference point, the centre of its ENU
   box, gave it in the quadtree), meshes and georeferences them in the plan's frame, writes their tiles (and, for
   implicit tiling, the subtree files rooted in the partition; with the viewer, its buildings' search index rows,
   ``search_index.write_part_rows``) and returns a ``SubtreeSummary``.
3. ``write_root``: the tiles above the partitions (bounds and geometric errors from the summaries), tileset.json,
   the top subtree files, the metadata schema, the viewer with its sharded search index ``search/`` (the
   partitions' rows merged in id order into the shards, streaming: ``search_index.merge_search_index``) and
   ``export_report.json``; the folder is moved into place atomically (``atomic_path``) and replaces only an empty
   folder or an earlier export (``check_folder``).

Same tiles: every tile file, tileset.json, the subtree files and the metadata schema are byte for byte those of
``export_3dtiles`` (tests/twin/tiles/test_partitioned.py), because the plan gives the tree the same ENU boxes and
every partition encodes with the same frame, height model, column types and content options. Where that rests on
the input: a building's box is taken from its geometry in ``buildings`` (documented as its outer surfaces, which
``building_surfaces`` holds one by one; the export meshes the latter): a twin whose building geometry differs
from its surfaces could get another tree (every building is still in exactly one tile). A building whose polygons
all lack area is skipped by its partition after the plan counted it in the tree, and a duplicate id is only seen
within one read. Not covered (a GeoTwinError says so): per-surface features, the twin's BIM detail, learning
islands and sensors (export those with ``export_3dtiles``).

Exporting again into the same folder (after a changed delivery tile was re-imported and its cells rebuilt): as
``export_3dtiles`` does, every tile gets its content key (``incremental``), and a tile whose key the earlier
export's report holds is hard-linked from the earlier export instead of encoded again; the plan hands each task
the earlier records of its own tiles. A partition whose buildings did not change writes no tile (it still reads
them to know that, and meshes none); ``export_report.json`` counts per partition the tiles written and kept.
With the viewer, each partition's search index rows stay in the tileset (``PARTS_DIR``, their sha256 in the
report): a reused partition links the earlier rows file instead of meshing its buildings again for their boxes.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import os
import pickle
import shutil
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import shapely
from numpy.typing import NDArray

from ..kernel.atomic import atomic_path, discard_folder, make_parents, temp_prefix
from ..kernel.errors import Cancelled, GeoTwinError, InputError
from ..kernel.heights import Georeferencer, resolve_height_model
from ..kernel.jsonfile import PackedJSON, write_json
from ..kernel.memory import release_memory
from ..kernel.ownership import check_folder
from ..kernel.progress import Reporter
from ..kernel.schema import BUILDING_SURFACES, BUILDINGS, FOOTPRINTS, SOURCES, LayerSpec
from . import quadtree
from .buildings import Placement, frame_origin_of, to_enu
from .columns import ColumnStats, ColumnType, partition_columns, schema_columns
from .export import (
    LEAF_EXTENT,
    LOD1_EXTENT,
    REPORT_NAME,
    SCHEMA_NAME,
    CityModelData,
    CityTiles,
    ExportOptions,
    ExportReport,
    ExportResult,
    content_setup,
    drop_empty_buildings,
    export_square,
    read_export_data,
)
from .frame import EnuFrame, georeference
from .glb import meshopt_available
from .incremental import CONTENT_VERSION, Previous, digest
from .planscan import EnuPass, RangeScan, ScanRange, boxes, parsed, rescan, scan_range
from .plantable import Aggregate, PlanRows
from .resume import WorkFolder, kept_summary, part_name, save_part
from .search_index import PART_SUFFIX, PARTS_DIR, merge_search_index, write_part_rows
from .source import attribute_rows
from .subtree import subtree_bytes
from .tilerows import TileRows
from .tileset import explicit_tile, tileset_json, write_viewer
from .twin_layers import BIM_ELEMENTS, BIM_SPACES, ISLANDS, SENSORS
from .writer import ContentOptions, TileWriter

if TYPE_CHECKING:
    from ..store.base import BBox, StoreReader

__all__ = ["PARTITION_BUILDINGS", "ExportPlan", "SubtreeSummary", "Task", "export_partitioned", "export_subtree",
           "plan_export", "task_digest", "twin_extras", "write_root"]

PARTITION_BUILDINGS = 5_000    # buildings per partition at most (unless a quadtree leaf holds more)
SCAN_BATCH = 2_000             # rows per store read of the plan's passes
SCAN_RANGE_BATCHES = 5         # store reads per range of the plan's passes (a task each: 10,000 rows)
READ_MARGIN = 0.01             # m added around a read box (the store's index may round it)
TOP_CELL = 1_000.0             # m: the top task reads its buildings cell by cell
SUBTREE_LEVELS = 6             # subtreeLevels at most (as tileset.write_subtrees)
TWIN_EXTRAS = (BIM_ELEMENTS, BIM_SPACES, ISLANDS, SENSORS)
_VIEWER_ONLY = ("viewer", "cesium_url", "basemap")   # options that change no tile
_SUMMARY_OWN = ("name", "key", "tiles", "records", "seconds", "digest", "reused", "resumed")   # not in summary
_LAYERS = (BUILDINGS.name, BUILDING_SURFACES.name, FOOTPRINTS.name)
_EMPTY_ROOTS = zlib.compress(pickle.dumps([], protocol=pickle.HIGHEST_PROTOCOL))   # a dropped task's subtree

Box = tuple[list[float], list[float]]
#: the rows without geometry a task carries: a part's container id, the containers' rows, the rows of buildings
#: with surfaces only (each by id)
_Rowless = tuple[dict[str, str], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]
Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


@dataclass
class Task:
    """One unit of work: the tiles of ``roots`` (a partition's subtree, or the top tiles' own content), the ids
    of their buildings (nodes' ``own`` index into them) and the boxes to read them from (each with its ids).
    The ids travel compressed: sorted, UTF-8, NUL-separated, zlib (``packed``, a few bytes per building: the
    plan holds every task, and the scheduler every pending one); ``keys`` gives them as one numpy bytes array, and
    no Python string per building exists until a worker asks for ``ids``. So does the subtree: pickled and
    compressed (``tree``, about a tenth of its nodes in memory); ``roots`` unpacks a fresh copy each time."""

    name: str
    key: str                                  # the partition root's tile key, "top" for the top task
    tree: bytes                               # the roots, packed (``_packed_roots``)
    packed: bytes                             # the buildings' ids in the plan's id order, compressed (``keys``)
    reads: list[tuple[BBox, range | NDArray[Any]]]   # a box and the indices into keys of its buildings (compact)
    containers: list[dict[str, Any]] = field(default_factory=list)   # rows without geometry of the parts' parents
    loose: list[dict[str, Any]] = field(default_factory=list)   # its buildings' rows without own geometry (surfaces)
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)   # the earlier export's records of its tiles
    earlier: dict[str, Any] | None = None     # the earlier export's report of this partition (digest, summary)

    def __str__(self) -> str:
        return self.name   # how a mapper names the task in a message

    def drop(self) -> None:
        """Let go of what the task carries besides its name and key (once its result is in)."""
        self.tree, self.packed, self.reads = _EMPTY_ROOTS, b"", []
        self.containers, self.loose, self.previous, self.earlier = [], [], {}, None

    @property
    def roots(self) -> list[quadtree.Node]:
        """The task's subtree roots, unpacked (a new copy at every call: changing it changes not the task)."""
        return cast(list[quadtree.Node], pickle.loads(zlib.decompress(self.tree)))

    @property
    def keys(self) -> NDArray[Any]:
        """The ids of the task's buildings as UTF-8 (numpy bytes), sorted."""
        if not self.packed:
            return np.empty(0, "S1")
        return np.array(zlib.decompress(self.packed).split(b"\0"), dtype=bytes)

    @property
    def ids(self) -> list[str]:
        """The ids of the task's buildings (``own`` and ``reads`` index into them)."""
        return _decoded(self.keys)


def _packed(keys: NDArray[Any]) -> bytes:
    """Ids (numpy bytes, none with a NUL) compressed for a Task."""
    return zlib.compress(b"\0".join(keys.tolist()), 6) if len(keys) else b""


def _packed_roots(roots: list[quadtree.Node]) -> bytes:
    """A task's subtree roots pickled and compressed (``Task.roots`` unpacks them)."""
    return zlib.compress(pickle.dumps(roots, protocol=pickle.HIGHEST_PROTOCOL), 6)


def _decoded(keys: NDArray[Any]) -> list[str]:
    """UTF-8 bytes ids (a numpy bytes array) as strings."""
    return [k.decode("utf-8") for k in keys.tolist()]


def _encoded(ids: Iterable[str]) -> NDArray[Any]:
    """Ids as one numpy array of their UTF-8 bytes (bytes order is the strings' code point order)."""
    out: NDArray[Any] = np.array([i.encode("utf-8") for i in ids], dtype=bytes)
    return out if len(out) else np.empty(0, dtype="S1")


@dataclass
class ExportPlan:
    """Everything a partition needs besides its task, and what the root needs; picklable."""

    target: str                               # the store (a GeoPackage path or a PostgreSQL DSN)
    schema: str                               # the PostGIS schema
    label: str                                # the store for messages (never with a password)
    options: ExportOptions
    crs: str | None
    horizontal_crs: str
    vertical_crs: str | None
    geoid_model: str | None
    heights: dict[str, Any]
    horizontal: dict[str, Any]
    frame_origin: list[float]
    frame: EnuFrame
    square: tuple[float, float, float]
    context: str
    quantize: bool
    meshopt: bool
    schema_json: str
    column_types: list[ColumnType]
    specs: dict[str, LayerSpec]               # the layers to read, as stored
    top: quadtree.Node                        # the tree above the partitions (their roots without children)
    partitions: list[str]                     # the partition roots' keys
    layout: tuple[int, int] | None            # implicit: availableLevels, subtreeLevels
    tiles: set[tuple[int, int, int]]          # implicit: every tile and those with content
    contents: set[tuple[int, int, int]]
    buildings: int
    containers: int
    skipped: list[str]
    tasks: list[Task] = field(default_factory=list)
    previous_folder: str | None = None        # an earlier export in the output folder whose tiles may be reused
    previous_tiles: int = 0

    @property
    def ext(self) -> str:
        return "glb" if self.options.format == "1.1" else "b3dm"

    def shared(self) -> ExportPlan:
        """The plan without its tasks (what every task is sent with)."""
        return replace(self, tasks=[])


@dataclass
class SubtreeSummary:
    """What a task wrote: its tiles' bounds (the partition root's box with its subtree, or each top tile's
    content box), the partition root's geometric error and tile JSON (explicit tiling), counts and records."""

    name: str
    key: str
    buildings: int
    bounds: dict[str, Box]
    geometric_error: float
    fragment: dict[str, Any] | PackedJSON | None   # packed once the coordinator has it
    contents: list[str]                       # tile keys with content it wrote (availability)
    tiles: list[dict[str, Any]]               # the report's per-tile entries
    records: dict[str, dict[str, Any]]        # uri -> content key, bounds, bytes
    max_quantization_error: float
    quantized_tiles: int
    float_tiles: int
    skipped: list[str]
    degenerate: int
    seconds: float
    digest: str = ""                          # task_digest: what the task was made from
    reused: bool = False                      # the earlier export's files, unchanged (nothing read was new)
    search: str = ""                          # with the viewer: the sha256 of its search index rows file
    resumed: bool = False                     # its folder kept from the unfinished export (``resume``)


@dataclass
class Failure:
    """A task that failed: its name and the message."""

    name: str
    message: str


# ------------------------------------------------------------------------------------------------- the plan

@dataclass
class _Scan:
    """The plan's first pass over ``buildings``, taken from its ranges in the rows' order (``planscan``): per
    kept building (own geometry) only counts and bounds stay here (its id and boxes come again from the second
    pass); every id kept so far in the scratch table ``seen`` (with its range): a duplicate id is found however
    large the city."""

    columns: list[str]
    stats: ColumnStats
    rows: PlanRows
    src_min: NDArray[Any] = field(default_factory=lambda: np.full(3, np.inf))    # the source boxes' bounds
    src_max: NDArray[Any] = field(default_factory=lambda: np.full(3, -np.inf))
    parents: set[str] = field(default_factory=set)
    no_geometry: dict[str, dict[str, Any]] = field(default_factory=dict)
    loose: dict[str, dict[str, Any]] = field(default_factory=dict)   # rows without own geometry, with surfaces
    part_of: dict[str, str] = field(default_factory=dict)   # a part's id -> its parent's id
    skipped: list[str] = field(default_factory=list)
    ranges: list[ScanRange] = field(default_factory=list)   # as scanned (with the ids of earlier ranges excluded)
    expected: list[tuple[int, str]] = field(default_factory=list)   # per range: kept buildings and their digest

    @property
    def seen(self) -> sqlite3.Connection:
        return self.rows.con


def _ranges(store: StoreReader, target: str, schema: str, label: str, columns: list[str]) -> list[ScanRange]:
    """The ``buildings`` rows in ranges of ``SCAN_RANGE_BATCHES`` read batches (a task each)."""
    out, row = [], 0
    for index, (first, last, count) in enumerate(store.row_ranges(BUILDINGS.name, SCAN_BATCH * SCAN_RANGE_BATCHES)):
        out.append(ScanRange(index, target, schema, label, tuple(columns), SCAN_BATCH, first, last, row, count))
        row += count
    return out


def _in_order(results: Iterable[Any]) -> Generator[Any, None, None]:
    """``results`` (each with its range's ``index``, in any order) in the ranges' order, each as soon as those
    before it are in; closes ``results`` (a mapper's iterator: its outstanding tasks are cancelled) when left."""
    waiting: dict[int, Any] = {}
    at = 0
    try:
        for result in results:
            waiting[result.index] = result
            while at in waiting:
                yield waiting.pop(at)
                at += 1
    finally:
        getattr(results, "close", lambda: None)()


def _failed(item: ScanRange, message: str, bad_input: bool = False) -> GeoTwinError:
    """A range's failure, naming its rows."""
    return (InputError if bad_input else GeoTwinError)(f"{item}: {message}")


def _earlier_ids(seen: sqlite3.Connection, ids: NDArray[Any], index: int) -> set[str]:
    """Those of ``ids`` (a range's, each once) that an earlier range kept; every new one recorded in ``seen``."""
    before = seen.total_changes
    seen.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", zip(_decoded(ids), itertools.repeat(index)))
    if seen.total_changes - before == len(ids):
        return set()
    found: set[str] = set()
    for at in range(0, len(ids), 500):
        chunk = _decoded(ids[at:at + 500])
        found.update(r[0] for r in seen.execute(
            f"SELECT id FROM seen WHERE r < ? AND id IN ({', '.join('?' * len(chunk))})", (index, *chunk)))
    return found


def _take_scan(scan: _Scan, item: ScanRange, result: RangeScan) -> None:
    """A range's first pass into ``scan`` (scanned again here without the ids an earlier range kept)."""
    if result.error:
        raise _failed(item, result.error, result.bad_input)
    earlier = _earlier_ids(scan.seen, result.ids, item.index)
    if earlier:
        item = replace(item, exclude=frozenset(item.exclude | earlier))
        result = rescan(item, set())
        if result.error:
            raise _failed(item, result.error, result.bad_input)
    scan.ranges.append(item)
    scan.expected.append((len(result.keys), result.digest))
    scan.skipped.extend(f"building row {item.row + n}: {why}" for n, why in result.skipped)
    scan.no_geometry.update(result.no_geometry)
    for bid, parent in result.part_of:
        scan.parents.add(parent)
        scan.part_of[bid] = parent
    scan.stats.merge(result.stats)
    scan.rows.scanned += len(result.keys)
    scan.src_min = np.minimum(scan.src_min, result.src_min)
    scan.src_max = np.maximum(scan.src_max, result.src_max)


def _surface_coords(store: StoreReader, ids: set[str]) -> dict[str, NDArray[Any]]:
    """The coordinates of the boundary surfaces of the buildings ``ids`` (those without geometry of their own)."""
    found: dict[str, list[NDArray[Any]]] = {}
    for rows, wkbs in store.iter_rows(BUILDING_SURFACES.name, ["building_id"], SCAN_BATCH):
        pick = [(r[0], w) for r, w in zip(rows, wkbs) if r[0] in ids and w is not None]
        if pick:
            ok, _, _, xyz = boxes([w for _, w in pick])
            sizes = shapely.get_num_coordinates(shapely.from_wkb(np.array([w for _, w in pick], dtype=object)))
            ends = np.cumsum(sizes[ok])
            for (bid, _), end, size in zip([p for p, k in zip(pick, ok.tolist()) if k], ends, sizes[ok]):
                found.setdefault(bid, []).append(xyz[end - size:end])
    return {bid: np.concatenate(parts) for bid, parts in found.items()}


def _scan(store: StoreReader, where: tuple[str, str, str], layers: set[str], rows: PlanRows, mapper: Mapper,
          reporter: Reporter) -> tuple[_Scan, dict[str, NDArray[Any]], list[dict[str, Any]]]:
    """First pass (``where``: the store's target, schema and label): ids, attributes, source boxes, its ranges
    run by ``mapper``; then the buildings with surfaces only and the containers."""
    target, schema, label = where
    columns = list(store.stored_spec(BUILDINGS.name).fields)
    rows.con.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, r INTEGER) WITHOUT ROWID")
    scan = _Scan(columns, ColumnStats(BUILDINGS.fields), rows)
    ranges = _ranges(store, target, schema, label, columns)
    with contextlib.closing(_in_order(mapper(scan_range, ranges))) as results:   # a cancel: the cluster's tasks too
        for result in results:
            reporter.check()
            _take_scan(scan, ranges[result.index], result)
            reporter.progress(10 * len(scan.ranges) / len(ranges))
    rows.con.execute("DROP TABLE seen")
    surfaces: dict[str, NDArray[Any]] = {}
    if scan.no_geometry and BUILDING_SURFACES.name in layers:
        surfaces = _surface_coords(store, set(scan.no_geometry))
    for bid in sorted(surfaces):
        row = scan.loose[bid] = scan.no_geometry.pop(bid)
        if row.get("parent_id"):
            scan.parents.add(str(row["parent_id"]))
            scan.part_of[bid] = str(row["parent_id"])
        scan.stats.add(parsed(row, label))
        scan.src_min = np.minimum(scan.src_min, surfaces[bid].min(axis=0))
        scan.src_max = np.maximum(scan.src_max, surfaces[bid].max(axis=0))
    containers = []
    for bid, row in scan.no_geometry.items():
        if bid in scan.parents:   # a building made of parts: its attributes travel with its parts' tiles
            containers.append(row)
            scan.stats.add(parsed(row, label))
        else:
            scan.skipped.append(f"building {bid}: no geometry")
    containers.sort(key=lambda r: str(r.get("id")))
    return scan, surfaces, containers


@dataclass
class _Bounds:
    """The ENU boxes' bounds, and their centres': what the quadtree's square is chosen from."""

    lo: NDArray[Any] = field(default_factory=lambda: np.full(3, np.inf))
    hi: NDArray[Any] = field(default_factory=lambda: np.full(3, -np.inf))
    centre_lo: NDArray[Any] = field(default_factory=lambda: np.full(3, np.inf))
    centre_hi: NDArray[Any] = field(default_factory=lambda: np.full(3, -np.inf))

    def add(self, lo: NDArray[Any], hi: NDArray[Any]) -> None:
        centres = (lo + hi) / 2   # as Placement.centres
        self.lo, self.hi = np.minimum(self.lo, lo.min(axis=0)), np.maximum(self.hi, hi.max(axis=0))
        self.centre_lo = np.minimum(self.centre_lo, centres.min(axis=0))
        self.centre_hi = np.maximum(self.centre_hi, centres.max(axis=0))

    def square(self, previous: Previous, implicit: bool) -> tuple[float, float, float]:
        """``export_square`` of the boxes (it takes only their bounds)."""
        return export_square(previous, self.lo[None], self.hi[None], np.stack([self.centre_lo, self.centre_hi]),
                             implicit)


def _enu_boxes(scan: _Scan, surfaces: dict[str, NDArray[Any]], enu_pass: EnuPass, geo: Georeferencer,
               mapper: Mapper, where: tuple[str, Reporter]) -> _Bounds:
    """Second pass, its ranges run by ``mapper`` (``where``: the store's label, progress and cancel): every kept
    building's vertices into the frame; their ENU boxes into the table (the scan's order, then ``surfaces``'
    buildings by id), and the bounds of them all."""
    label, reporter = where
    bounds, rows = _Bounds(), scan.rows
    with contextlib.closing(_in_order(mapper(enu_pass, scan.ranges))) as results:
        for result in results:
            reporter.check()
            item = scan.ranges[result.index]
            if result.error:
                raise _failed(item, result.error)
            if (len(result.keys), result.digest) != scan.expected[item.index]:
                raise GeoTwinError(f"the buildings layer changed while the export was planned ({item}): export "
                                   "again", path=label)
            if len(result.keys):
                rows.add_placed(result.keys, result.src, result.lo, result.hi)
                bounds.add(result.lo, result.hi)
            reporter.progress(10 + 10 * (item.index + 1) / len(scan.ranges))
    if rows.placed != rows.scanned:
        raise GeoTwinError("the buildings layer changed while the export was planned: export again", path=label)
    for bid in sorted(surfaces):
        enu = georeference(geo, enu_pass.frame, surfaces[bid])
        src_lo, src_hi = surfaces[bid].min(axis=0), surfaces[bid].max(axis=0)
        lo, hi = enu.min(axis=0, keepdims=True), enu.max(axis=0, keepdims=True)
        rows.add_enu([(bid.encode("utf-8"), float(src_lo[0]), float(src_lo[1]), float(src_hi[0]), float(src_hi[1]))],
                     lo, hi)
        bounds.add(lo, hi)
    return bounds


def _store_of(store: str | os.PathLike[str] | StoreReader, schema: str) -> tuple[StoreReader, str, str]:
    """The store, its target (path or DSN) and schema."""
    from ..store.open import open_store

    if isinstance(store, (str, os.PathLike)):
        return open_store(str(store), schema), str(store), schema
    target = getattr(store, "dsn", None) or getattr(store, "path", None)
    if target is None:
        raise GeoTwinError(f"{store.describe()}: a partitioned export needs a store its workers can open "
                           "(a GeoPackage or a PostGIS schema)")
    return store, str(target), str(getattr(store, "schema", schema))


def _specs(store: StoreReader, layers: set[str]) -> dict[str, LayerSpec]:
    """The layers a partition reads, with the columns the store has (typed as GeoTwin types them)."""
    specs = {}
    for name in (*_LAYERS, SOURCES.name):
        if name in layers:
            known, stored = store.spec(name), store.stored_spec(name)
            specs[name] = LayerSpec(name, known.geometry_type or stored.geometry_type,
                                    {k: known.fields.get(k, v) for k, v in stored.fields.items()}, known.description)
    return specs


def twin_extras(store: StoreReader, layers: set[str] | None = None) -> list[str]:
    """The twin's layers with rows that the partitioned export does not tile (BIM detail, learning islands,
    sensors); a twin built from a city model alone has them empty, and is exported as a city model.

    Args:
        store: the twin or city model store.
        layers: its layer names, when known.

    Returns:
        The names of those layers that hold rows, sorted.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> from geotwin.twin.store.open import open_store
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> store = open_store(folder / "city.gpkg")
        >>> twin_extras(store), "buildings" in store.layer_names()     # a city model: nothing beyond buildings
        ([], True)
    """
    present = set(store.layer_names()) if layers is None else layers
    return [name for name in sorted(present.intersection(TWIN_EXTRAS))
            if len(store.read(store.spec(name), rows=(0, 1)))]


def _check(store: StoreReader, label: str, options: ExportOptions) -> set[str]:
    """The store's layers; a GeoTwinError for what the partitioned export does not cover."""
    options.check()
    if options.features != "building":
        raise GeoTwinError("the partitioned export writes one feature per building: export per-surface "
                           "features with export_3dtiles")
    if options.terrain:
        raise GeoTwinError("the partitioned export writes no terrain tiles: export the terrain with export_3dtiles")
    layers = set(store.layer_names())
    if BUILDINGS.name not in layers:
        raise InputError(f"no '{BUILDINGS.name}' layer: import a city model or build the twin into it first",
                         path=label)
    extras = twin_extras(store, layers)
    if extras:
        raise GeoTwinError(f"the partitioned export tiles the city model; the twin's {', '.join(extras)} are "
                           "tiled by export_3dtiles: export this twin with it", path=label)
    return layers


def plan_export(store: str | os.PathLike[str] | StoreReader, options: ExportOptions | None = None,
                reporter: Reporter | None = None, *, partition_buildings: int = PARTITION_BUILDINGS,
                output: str | os.PathLike[str] | None = None, schema: str = "geotwin",
                mapper: Mapper = map) -> ExportPlan:
    """Plan the partitioned export of the city model in ``store`` (see the module's description).

    Args:
        store: a ``StoreReader`` (GeoPackage or PostGIS store), a GeoPackage path or a PostgreSQL DSN (of ``schema``).
        options: the export options.
        reporter: progress, cancel and messages.
        partition_buildings: buildings per partition at most.
        output: the export's folder (an earlier export's quadtree square is kept while it holds everything, as
            ``export_3dtiles`` does).
        schema: the PostGIS schema of a DSN.
        mapper: runs the two passes' ranges of rows (``planscan``; the built-in ``map``: in this process).

    Returns:
        The picklable ExportPlan; its ``tasks`` are the partitions.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> plan = plan_export(folder / "city.gpkg", ExportOptions(leaf_max_buildings=4), partition_buildings=5)
        >>> plan.buildings, plan.partitions, [(t.name, len(t.ids)) for t in plan.tasks]
        (12, ['0/0/0'], [('partition 0/0/0', 12)])
    """
    options = options or ExportOptions()
    reporter = reporter or Reporter()
    reader, target, schema = _store_of(store, schema)
    label = reader.describe()
    layers = _check(reader, label, options)
    reporter.info(f"planning the partitioned export of {label}")
    specs = _specs(reader, layers)
    horizontal, vertical, geoid_model = _crs(reader, specs)
    with tempfile.TemporaryDirectory(prefix="geotwin-plan-") as folder:
        rows = PlanRows(Path(folder) / "plan.sqlite")
        try:
            scan, surfaces, containers = _scan(reader, (target, schema, label), layers, rows, mapper, reporter)
            if not rows.scanned and not surfaces:
                raise InputError("no building with geometry to export", path=label)
            origin = frame_origin_of(scan.src_min, scan.src_max)
            heights = resolve_height_model(horizontal, vertical, options.height_method, options.geoid_grid,
                                           options.geoid_constant, reporter, geoid_model=geoid_model)
            geo = Georeferencer(horizontal, heights)
            frame = EnuFrame(geo.to_ecef([origin[0]], [origin[1]], [origin[2]])[0])
            reporter.progress(10)
            enu_pass = EnuPass(horizontal, vertical, geoid_model, {"height_method": options.height_method,
                               "geoid_grid": options.geoid_grid, "geoid_constant": options.geoid_constant},
                               heights.as_dict(), frame)
            bounds = _enu_boxes(scan, surfaces, enu_pass, geo, mapper, (label, reporter))
            previous = Previous.load(Path(output), REPORT_NAME) if output is not None else Previous(Path("."))
            square = bounds.square(previous, options.implicit)
            rows.code(square, options.implicit)
            containers_of = {b: p for b, p in scan.part_of.items() if p in {str(c.get("id")) for c in containers}}
            cut = _Cut(rows, options, max(1, partition_buildings),
                       (containers_of, {str(c.get("id")): c for c in containers}, scan.loose), reporter)
            root = cut.run(square)
        finally:
            rows.close()
    types = scan.stats.types()
    placement = Placement(frame, origin, np.empty((0, 3)), np.empty((0, 3)))   # content_setup takes the frame
    content, schema_json = content_setup(options, reporter, heights, geo, placement, schema_columns(types), None,
                                         cut.lod1)
    plan = ExportPlan(target, schema, label, options, reader.crs(), horizontal, vertical, geoid_model,
                      heights.as_dict(), dict(geo.horizontal), origin, frame, square, content.context,
                      content.quantize, content.meshopt, schema_json, types, specs, root, cut.partitions,
                      cut.layout(), cut.tiles, cut.contents, rows.placed, len(containers), scan.skipped, cut.tasks)
    _attach_previous(plan, previous)
    reporter.info(f"{plan.buildings} buildings in {len(plan.tasks)} partition(s)")
    reporter.progress(20)
    return plan


def _earlier_partitions(folder: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The earlier partitioned export's partitions (by key: digest and summary) and its tiles' report entries
    (by uri); empty when there is none or the report is not one of a partitioned export."""
    try:
        report = json.loads((folder / REPORT_NAME).read_text(encoding="utf-8"))
        partitions = {str(e["key"]): e for e in report.get("partitions", [])
                      if isinstance(e, dict) and e.get("digest") and isinstance(e.get("summary"), dict)}
        return partitions, {str(t["uri"]): t for t in report.get("tiles", [])} if partitions else {}
    except (OSError, KeyError, TypeError, ValueError, AttributeError):
        return {}, {}


def _attach_previous(plan: ExportPlan, previous: Previous) -> None:
    """Give every task the earlier export's records of its tiles (their files may be reused) and, after a
    partitioned export, its report of the same partition (a task with the same digest reuses all of it)."""
    if not previous.tiles:
        return
    plan.previous_folder, plan.previous_tiles = str(previous.folder.resolve()), len(previous.tiles)
    partitions, tiles = _earlier_partitions(previous.folder)
    for task in plan.tasks:
        uris = [f"tiles/{n.key}.{plan.ext}" for r in task.roots for n in r.walk() if n.content]
        task.previous = {u: previous.tiles[u] for u in uris if u in previous.tiles}
        entry = partitions.get(task.key)
        if entry is not None:
            summary = entry["summary"]
            written = [f"tiles/{k}.{plan.ext}" for k in summary.get("contents", [])]
            task.earlier = {"digest": entry["digest"], "summary": summary,
                            "tiles": [tiles[u] for u in written if u in tiles]}


# ------------------------------------------------------------------------------------------ the partitions

@dataclass
class _Cut:
    """The quadtree cut into partitions from the scratch table: the tiles above the partitions from SQL aggregates
    (count and extent of a tile's subtree, as ``quadtree.build_explicit`` and ``build_implicit`` see them), each
    partition's subtree grown from its root with its buildings alone (read one partition at a time), the
    tasks; implicit tiling: the tiles above the partitions with content of their own (the top task), every tile
    and those with content (the layout). A partition root is a topmost tile with at most ``limit`` buildings or
    without children, as in the whole tree."""

    rows: PlanRows
    options: ExportOptions
    limit: int
    parents: _Rowless                         # a part's container id, the containers' rows, the loose rows
    reporter: Reporter
    tasks: list[Task] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)
    top: list[tuple[quadtree.Node, int]] = field(default_factory=list)   # the top tiles with content, their codes
    tiles: set[tuple[int, int, int]] = field(default_factory=set)
    contents: set[tuple[int, int, int]] = field(default_factory=set)
    lod1: bool = False

    def run(self, square: tuple[float, float, float]) -> quadtree.Node:
        """The tree above the partitions (their roots without children); the tasks (the top task last)."""
        if not self.options.implicit:
            self.limit = max(self.limit, self.options.lod1_max_buildings)   # an LoD1 tile is within one partition
        root = quadtree.Node(0, 0, 0, *square, np.empty(0, np.int64))
        self._visit(root, 0, self.rows.aggregate(0, 0))
        if self.top:
            self.tasks.append(self._top_task())
        return root

    def _visit(self, node: quadtree.Node, code: int, agg: Aggregate) -> None:
        self.reporter.check()
        children = self._children(node, code, agg) if agg.count > self.limit else []
        if not children:
            self._partition(node, code)
            return
        self._tile(node)
        if self.options.implicit:
            node.own = np.empty(0, np.int64)
            if self.rows.own_count(node.level, code):
                node.content = "lod2"
                self.contents.add((node.level, node.x, node.y))
                self.top.append((node, code))
        for child, child_code, child_agg in children:
            node.children.append(child)
            self._visit(child, child_code, child_agg)

    def _tile(self, node: quadtree.Node) -> None:
        if self.options.implicit:
            self.tiles.add((node.level, node.x, node.y))

    def _children(self, node: quadtree.Node,
                  code: int, agg: Aggregate) -> list[tuple[quadtree.Node, int, Aggregate]]:
        """The children the whole tree gives ``node`` (one with more than ``limit`` buildings)."""
        levels = self.rows.levels
        if self.options.implicit:
            split = node.level < levels and (agg.count > self.options.leaf_max_buildings or node.size > LEAF_EXTENT)
        else:
            split = node.level < levels and agg.count > 1 and (agg.count > self.options.leaf_max_buildings
                                                                or agg.extent > LEAF_EXTENT)
        if not split:
            return []
        half = node.size / 2
        out = []
        for dy in (0, 1):
            for dx in (0, 1):
                child_code = code * 4 + 2 * dy + dx
                child_agg = self.rows.aggregate(node.level + 1, child_code)
                if child_agg.count:
                    out.append((quadtree.Node(node.level + 1, node.x * 2 + dx, node.y * 2 + dy, node.x0 + dx * half,
                                              node.y0 + dy * half, half, np.empty(0, np.int64)), child_code, child_agg))
        if len(out) == 1 and node.level + 1 >= levels and not self.options.implicit:
            return []
        return out

    def _partition(self, stub: quadtree.Node, code: int) -> None:
        """The task of the partition rooted at ``stub`` (which stays in the plan's tree without children)."""
        found = self.rows.rows(stub.level, code)
        start = quadtree.Node(stub.level, stub.x, stub.y, stub.x0, stub.y0, stub.size, np.arange(len(found.keys)))
        options = self.options
        if options.implicit:
            quadtree.build_implicit(found.lo, found.hi, leaf_max=options.leaf_max_buildings,
                                    leaf_extent=LEAF_EXTENT, start=start)
            for n in start.walk():
                self.tiles.add((n.level, n.x, n.y))
                if n.content:
                    self.contents.add((n.level, n.x, n.y))
        else:
            quadtree.build_explicit((found.lo + found.hi) / 2, found.lo, found.hi,
                                    leaf_max=options.leaf_max_buildings, leaf_extent=LEAF_EXTENT,
                                    lod1_max=options.lod1_max_buildings, lod1_extent=LOD1_EXTENT, start=start)
            self.lod1 = self.lod1 or any(n.content == "lod1" for n in start.walk())
        self.tasks.append(_task(f"partition {stub.key}", stub.key, [start], found.keys,
                                (found.src_lo, found.src_hi), self.parents, False))
        self.partitions.append(stub.key)

    def _top_task(self) -> Task:
        """The top task: the buildings the tiles above the partitions keep (implicit tiling), read cell by cell."""
        parts = [self.rows.rows(node.level, code, own=True) for node, code in self.top]
        keys = np.concatenate([p.keys for p in parts])
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        src = (np.concatenate([p.src_lo for p in parts])[order], np.concatenate([p.src_hi for p in parts])[order])
        singles = []
        for (node, _), part in zip(self.top, parts):
            node.own = np.searchsorted(keys, part.keys).astype(np.int64)
            singles.append(replace(node, children=[]))
        return _task("top", "top", singles, keys, src, self.parents, True)

    def layout(self) -> tuple[int, int] | None:
        """Implicit tiling: availableLevels and subtreeLevels."""
        if not self.options.implicit:
            return None
        available = max(level for level, _, _ in self.tiles) + 1
        return available, min(available, SUBTREE_LEVELS)


def _read_box(lo: NDArray[Any], hi: NDArray[Any]) -> BBox:
    return (float(lo[:, 0].min()) - READ_MARGIN, float(lo[:, 1].min()) - READ_MARGIN,
            float(hi[:, 0].max()) + READ_MARGIN, float(hi[:, 1].max()) + READ_MARGIN)


def _task(name: str, key: str, roots: list[quadtree.Node], keys: NDArray[Any], src: tuple[NDArray[Any], NDArray[Any]],
          containers: _Rowless, cells: bool) -> Task:
    """The task of ``roots`` (copies whose ``own`` index the task's ids); one read box, or one per cell.
    ``containers``: building id -> its container's id, the containers' rows by id and the rows of the buildings
    without own geometry (surfaces only: a box read cannot find them) by id."""
    members = np.unique(np.concatenate([n.own for r in roots for n in r.walk() if n.content and n.own is not None]))
    nothing = np.empty(0, np.int64)   # one array for every node's ``buildings`` (pickled once)
    for r in roots:
        for n in r.walk():
            n.buildings = nothing
            if n.content and n.own is not None:
                n.own = np.searchsorted(members, n.own).astype(np.int32)
    lo, hi = src[0][members], src[1][members]
    if cells:
        cell = np.floor((lo[:, :2] + hi[:, :2]) / 2 / TOP_CELL).astype(np.int64)
        _, group = np.unique(cell, axis=0, return_inverse=True)
        group = group.ravel()
        reads: list[tuple[BBox, range | NDArray[Any]]] = [
            (_read_box(lo[group == g], hi[group == g]), np.flatnonzero(group == g).astype(np.int32))
            for g in range(int(group.max()) + 1)]
    else:
        reads = [(_read_box(lo, hi), range(len(members)))]
    task_keys = keys[members]
    ids = _decoded(task_keys) if containers[0] or containers[2] else []
    parents = sorted({p for b in ids if (p := containers[0].get(b))})
    return Task(name, key, _packed_roots(roots), _packed(task_keys), reads, [containers[1][p] for p in parents],
                loose=[containers[2][b] for b in ids if b in containers[2]])


def _crs(store: StoreReader, specs: dict[str, LayerSpec]) -> tuple[str, str | None, str | None]:
    """The horizontal and vertical CRS and the quasigeoid, as ``source.crs_of`` / ``geoid_model_of`` read them
    (from the store's ``sources`` and the buildings layer's CRS, in a small GeoPackage of those)."""
    from ..store.open import open_store
    from .source import crs_of, geoid_model_of

    with tempfile.TemporaryDirectory(prefix="geotwin-plan-") as folder:
        snapshot = open_store(Path(folder) / "crs.gpkg")
        with snapshot.transaction(store.crs()) as writer:
            if SOURCES.name in specs:
                writer.replace(specs[SOURCES.name], store.read(specs[SOURCES.name]))
            empty = store.read(specs[BUILDINGS.name], rows=(0, 0))
            writer.replace(specs[BUILDINGS.name], empty)
        path = Path(folder) / "crs.gpkg"
        horizontal, vertical = crs_of(path)
        return horizontal, vertical, geoid_model_of(path)


# ------------------------------------------------------------------------------------------------ a task

def _task_frames(store: StoreReader, plan: ExportPlan, task: Task) -> dict[str, Any]:
    """The task's buildings (kept by id: each read box gives those of its ids), their surfaces and footprints
    (each sorted stably by building id: the same content gives the same frames whatever the store's row order)
    and ``sources``, as the store reads them."""
    import pandas as pd

    parts: dict[str, list[Any]] = {name: [] for name in _LAYERS if name in plan.specs}
    found: set[str] = set()
    ids = task.ids
    for bbox, members in task.reads:
        wanted = {ids[i] for i in members}
        for name in parts:
            column = "id" if name == BUILDINGS.name else "building_id"
            frame = store.read(plan.specs[name], bbox=bbox)
            frame = frame[frame[column].isin(wanted)]
            if name == BUILDINGS.name:
                frame = frame.drop_duplicates("id")
                found.update(frame["id"])
            parts[name].append(frame)
    if task.loose and BUILDINGS.name in parts:   # buildings with surfaces only: no box read finds them
        from ..store.frames import conform

        loose = conform(pd.DataFrame(task.loose), plan.specs[BUILDINGS.name], plan.crs)
        parts[BUILDINGS.name].append(loose)
        found.update(loose["id"])
    missing = sorted(set(ids) - found)
    if missing:
        raise GeoTwinError(f"{len(missing)} building(s) of the plan are not in the store (it changed since the "
                           f"plan was made: export again), e.g. {missing[0]}", path=plan.label)
    frames: dict[str, Any] = {}
    for name, chunks in parts.items():
        frame = pd.concat(chunks, ignore_index=True)
        column = "id" if name == BUILDINGS.name else "building_id"
        frames[name] = frame.sort_values(column, kind="stable", ignore_index=True)
    if SOURCES.name in plan.specs:
        frames[SOURCES.name] = store.read(plan.specs[SOURCES.name])
    return frames


def _write_snapshot(frames: dict[str, Any], plan: ExportPlan, task: Task, path: Path) -> None:
    """The task's frames and the containers of its parts into a GeoPackage at ``path`` (the form
    ``export_3dtiles`` reads)."""
    import pandas as pd

    from ..kernel import gpkg
    from ..store.frames import conform

    # the frames are canonical (as the store read them): written as they are, whole, without an R-tree
    for name, frame in frames.items():
        if name != SOURCES.name:
            gpkg.write_frame(path, plan.specs[name], frame, False, max(len(frame), 1), spatial_index=False)
    if task.containers:
        spec = plan.specs[BUILDINGS.name]
        gpkg.write_frame(path, spec, conform(pd.DataFrame(task.containers), spec, plan.crs), True,
                         len(task.containers))
    if SOURCES.name in frames:
        gpkg.write_frame(path, plan.specs[SOURCES.name], frames[SOURCES.name], False)


def _frame_parts(frame: Any) -> list[Any]:
    """What a frame holds, for a digest: its columns, every column's values (geometries as 3D WKB)."""
    parts: list[Any] = [list(map(str, frame.columns)), len(frame)]
    for column in frame.columns:
        values = frame[column]
        if getattr(values.dtype, "name", "") == "geometry":
            wkbs = shapely.to_wkb(np.asarray(values, dtype=object), output_dimension=3)
            parts.append(b"".join(b"\x00" if w is None else b"\x01" + len(w).to_bytes(8, "little") + w
                                  for w in wkbs.tolist()))
        else:
            parts.append([None if v is None or (isinstance(v, float) and v != v) else v for v in values.tolist()])
    return parts


def task_digest(plan: ExportPlan, task: Task, frames: dict[str, Any]) -> str:
    """The digest of everything a task's files and summary are made from: the plan's encoding (options but
    the viewer's, CRS and height model, frame, quadtree square, metadata schema, layout), the task's subtree
    (tile keys, content kinds, the ids of each tile's buildings), the containers of its parts and the rows of
    buildings, surfaces and footprints it read (not ``sources``: their checksums change with every import, and
    the tiles take only the CRS from them).

    Args:
        plan: the export's plan.
        task: one of its tasks.
        frames: what ``_task_frames`` read for it.

    Returns:
        A SHA-256 hex digest; equal digests give byte-identical tiles, subtree files and summaries.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> from geotwin.twin.store.open import open_store
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> store = open_store(folder / "city.gpkg")
        >>> plan, other = (plan_export(folder / "city.gpkg", ExportOptions(leaf_max_buildings=n)) for n in (4, 2))
        >>> first = task_digest(plan, plan.tasks[0], _task_frames(store, plan, plan.tasks[0]))
        >>> again = task_digest(plan, plan.tasks[0], _task_frames(store, plan, plan.tasks[0]))
        >>> len(first), first == again, first == task_digest(other, other.tasks[0],
        ...                                                   _task_frames(store, other, other.tasks[0]))
        (64, True, False)
    """
    options = {k: v for k, v in asdict(plan.options).items() if k not in _VIEWER_ONLY}
    ids = task.ids
    tree = [(n.key, n.content, [ids[i] for i in n.own.tolist()] if n.content and n.own is not None else None)
            for r in task.roots for n in r.walk()]
    parts: list[Any] = [CONTENT_VERSION, options, plan.context, plan.quantize, plan.meshopt, plan.heights,
                        plan.horizontal, plan.horizontal_crs, plan.vertical_crs, plan.geoid_model, plan.frame_origin,
                        list(plan.square), plan.layout, plan.schema_json, [str(t) for t in plan.column_types],
                        task.key, tree, task.containers]
    for name in sorted(set(frames) - {SOURCES.name}):   # sources: only their CRS counts (the plan's, above)
        parts += [name, *_frame_parts(frames[name])]
    return digest(*parts)


def _subtree_names(task: Task, layout: tuple[int, int] | None) -> list[str]:
    """The subtree files a partition writes (implicit tiling; the top task writes none)."""
    if layout is None or task.key == "top":
        return []
    return [f"subtrees/{n.key}.subtree" for r in task.roots for n in r.walk() if n.level % layout[1] == 0]


def _reuse(plan: ExportPlan, task: Task, key: str, work_dir: Path) -> SubtreeSummary | None:
    """The earlier export's summary of this task, its files linked into ``work_dir``, when the task's digest is
    the earlier one and every file is still there as it was written; else None (nothing linked)."""
    earlier = task.earlier
    if not earlier or earlier.get("digest") != key or plan.previous_folder is None:
        return None
    folder = Path(plan.previous_folder)
    previous = Previous(folder, tiles=task.previous)
    uris = [f"tiles/{k}.{plan.ext}" for k in earlier["summary"].get("contents", [])]
    names = _subtree_names(task, plan.layout)
    linked: list[Path] = []
    for uri in uris:
        if uri not in task.previous:
            break
        make_parents(work_dir / uri, work_dir)
        if previous.reuse(uri, task.previous[uri].get("key", ""), work_dir / uri) is None:
            break
        linked.append(work_dir / uri)
    else:
        if all((folder / n).is_file() for n in names):
            for name in names:
                linked.append(work_dir / name)
                _link(folder / name, work_dir / name, work_dir)
            records = {u: {**task.previous[u], "rewritten": False} for u in uris}
            return SubtreeSummary(task.name, task.key, tiles=list(earlier.get("tiles", [])), records=records,
                                  seconds=0.0, digest=key, reused=True, **earlier["summary"])
    for path in linked:
        path.unlink(missing_ok=True)
    return None


def _link(source: Path, target: Path, root: Path) -> None:
    make_parents(target, root)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _local(roots: list[quadtree.Node], task: Task, table_ids: list[str]) -> list[quadtree.Node]:
    """The task's nodes with ``own`` as rows of the partition's building table (buildings it skipped left
    out; a tile left without buildings has no content)."""
    local = {bid: i for i, bid in enumerate(table_ids)}
    ids = task.ids
    for r in roots:
        for n in r.walk():
            if n.content and n.own is not None:
                rows = [local[b] for b in (ids[i] for i in n.own.tolist()) if b in local]
                n.own = np.array(rows, dtype=np.int64)
                if not rows:
                    n.content, n.own = None, None
    return roots


def _subtree_files(root: quadtree.Node, folder: Path, layout: tuple[int, int]) -> None:
    """The subtree files rooted in this partition (as ``tileset.write_subtrees`` writes them)."""
    nodes = list(root.walk())
    tiles = {(n.level, n.x, n.y) for n in nodes}
    contents = {(n.level, n.x, n.y) for n in nodes if n.content}
    for n in nodes:
        if n.level % layout[1] == 0:
            data, _ = subtree_bytes(n.level, n.x, n.y, layout[1], tiles, contents)
            path = folder / "subtrees" / f"{n.key}.subtree"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _run_task(store_target: str, plan: ExportPlan, task: Task, work_dir: Path) -> SubtreeSummary:
    """Read the task's rows; reuse the earlier export's files of an unchanged task, else encode them."""
    from ..store.open import open_store

    started = time.monotonic()
    if plan.meshopt and not meshopt_available():
        raise GeoTwinError("this worker lacks the meshoptimizer package the plan compresses with")
    frames = _task_frames(open_store(store_target, plan.schema), plan, task)
    key = task_digest(plan, task, frames)
    summary = _tile_task(plan, task, key, frames, work_dir)
    summary.digest = key
    summary.seconds = time.monotonic() - started
    return summary


def _search_part(task: Task) -> str:
    """The task's search index rows file (``search_index.write_part_rows``), relative to its folder."""
    return f"{PARTS_DIR}/{part_name(task.key)}{PART_SUFFIX}"


def _tile_task(plan: ExportPlan, task: Task, key: str, frames: dict[str, Any], work_dir: Path) -> SubtreeSummary:
    """The earlier export's files of an unchanged task (with the viewer, its search rows too: the earlier
    export's rows file when it is there as written, else from its meshes), else its tiles encoded."""
    summary = _reuse(plan, task, key, work_dir)
    if summary is None:
        return _encode_task(plan, task, frames, work_dir)
    if plan.options.viewer and not _reuse_search_part(plan, task, summary.search, work_dir):
        data, _, placement = _read_task(plan, task, frames)
        summary.search = _write_search_part(work_dir / _search_part(task), data, placement)
    return summary


def _write_search_part(path: Path, data: CityModelData, placement: Placement) -> str:
    """Write the partition's search index rows file (``write_part_rows``); its sha256."""
    write_part_rows(path, data.table.rows, placement.lo, placement.hi, placement.frame)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reuse_search_part(plan: ExportPlan, task: Task, sha256: str, work_dir: Path) -> bool:
    """Link the earlier export's search rows file of a reused task into ``work_dir`` when it is there with the
    sha256 its report recorded; else False (nothing linked)."""
    earlier = Path(str(plan.previous_folder)) / _search_part(task)
    try:
        if not sha256 or hashlib.sha256(earlier.read_bytes()).hexdigest() != sha256:
            return False
    except OSError:
        return False
    _link(earlier, work_dir / _search_part(task), work_dir)
    return True


def _read_task(plan: ExportPlan, task: Task, frames: dict[str, Any]) -> tuple[CityModelData, Georeferencer, Placement]:
    """The task's buildings meshed (as ``export_3dtiles`` reads them), the plan's georeferencer and their
    placement in the plan's frame."""
    reporter = Reporter()
    options = plan.options
    with tempfile.TemporaryDirectory(prefix="geotwin-part-") as folder:
        snapshot = Path(folder) / "partition.gpkg"
        _write_snapshot(frames, plan, task, snapshot)
        data = read_export_data(snapshot, options, reporter)
        drop_empty_buildings(data, snapshot, reporter)
    heights = resolve_height_model(plan.horizontal_crs, plan.vertical_crs, options.height_method, options.geoid_grid,
                                   options.geoid_constant, reporter, geoid_model=plan.geoid_model)
    if heights.as_dict() != plan.heights:
        raise GeoTwinError(f"this worker resolves another height model ({heights.description}) than the plan "
                           f"({plan.heights.get('description')}): it lacks the plan's grid")
    geo = Georeferencer(plan.horizontal_crs, heights)
    return data, geo, to_enu(data.table.meshes, geo, plan.frame_origin)


def _encode_task(plan: ExportPlan, task: Task, frames: dict[str, Any], work_dir: Path) -> SubtreeSummary:
    """Mesh the task's buildings and write its tiles (reusing unchanged tile files of the earlier export) and,
    with the viewer, its search index rows."""
    options = plan.options
    data, geo, placement = _read_task(plan, task, frames)
    search = _write_search_part(work_dir / _search_part(task), data, placement) if options.viewer else ""
    columns = partition_columns(plan.column_types, attribute_rows(data.model), BUILDINGS.fields)
    content = ContentOptions(options.format, options.max_quantization_error, plan.quantize, plan.meshopt,
                             plan.context, placement.frame, geo)
    city = CityTiles(data.model, data.table, columns, None, content, plan.ext)
    earlier = Previous(Path(plan.previous_folder), tiles=task.previous) if plan.previous_folder else \
        Previous(work_dir / "-")
    writer = TileWriter(work_dir, earlier)
    bounds: dict[str, tuple[NDArray[Any], NDArray[Any]]] = {}
    roots = _local(task.roots, task, data.table.ids)
    for r in roots:
        for node in r.walk():
            if node.content:
                bounds[node.key] = city.write(node, writer)
    summary = SubtreeSummary(task.name, task.key, len(data.table), {}, 0.0, None, sorted(bounds), writer.tiles,
                             writer.records, writer.max_quantization_error, writer.quantized_tiles,
                             writer.float_tiles, data.model.skipped, data.degenerate, 0.0, search=search)
    if task.key == "top":
        summary.bounds = {k: (lo.tolist(), hi.tolist()) for k, (lo, hi) in bounds.items()}
    else:
        root = roots[0]
        quadtree.finish(root, data.table.lod1_errors, bounds)
        summary.bounds = {root.key: (root.bounds()[0].tolist(), root.bounds()[1].tolist())}
        summary.geometric_error = root.geometric_error
        if plan.layout is not None:
            _subtree_files(root, work_dir, plan.layout)
        else:
            summary.fragment = explicit_tile(root, plan.ext, {})
    return summary


def export_subtree(store_target: str, plan: ExportPlan, task: Task, work_dir: str | os.PathLike[str]) -> SubtreeSummary:
    """Export one task of ``plan``: its buildings' tiles (and implicit subtree files) into ``work_dir``.

    The buildings are read from the store ``store_target`` (a GeoPackage path or a PostgreSQL DSN; the plan names
    the schema). Runs in any process (a Dask worker): the arguments pickle, the store is opened here.

    Args:
        store_target: the store.
        plan: the plan (``plan.shared()``: without the tasks).
        task: one of ``plan.tasks``.
        work_dir: the existing folder the partitions write into (a task never creates it: once a cancelled
            run has removed it, the task fails instead of leaving files behind).

    Returns:
        The task's SubtreeSummary (its tiles, bounds, geometric error and tileset JSON fragment).

    Raises:
        GeoTwinError: any failure, naming the partition.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> plan = plan_export(folder / "city.gpkg", ExportOptions(leaf_max_buildings=4), partition_buildings=5)
        >>> (folder / "work").mkdir()
        >>> summary = export_subtree(plan.target, plan.shared(), plan.tasks[0], folder / "work")
        >>> summary.buildings, summary.contents, [t["kind"] for t in summary.tiles]
        (12, ['0/0/0', '1/0/0', '1/1/0', '1/1/1'], ['lod1', 'lod2', 'lod2', 'lod2'])
    """
    try:
        return _run_task(store_target, plan, task, Path(work_dir))
    except Cancelled:
        raise
    except Exception as err:  # noqa: BLE001 - whatever failed, the message names the partition
        raise GeoTwinError(f"{task.name} ({len(task.keys)} buildings) failed: {err}") from err


@dataclass(frozen=True)
class _Run:
    """``export_subtree`` as a function of the task alone (what a mapper calls); a failure is returned as a
    ``Failure`` so that the other tasks complete."""

    store_target: str
    plan: ExportPlan
    work_dir: str
    done: dict[str, str] | None = None        # resumable (work_dir: WORK/parts): the finished partitions' digests

    def __call__(self, task: Task) -> SubtreeSummary | Failure:
        try:
            if self.done is not None:
                return _resume_subtree(self.store_target, self.plan, task, Path(self.work_dir),
                                       self.done.get(task.key))
            return export_subtree(self.store_target, self.plan, task, self.work_dir)
        except GeoTwinError as err:
            return Failure(task.name, str(err))


def _resume_subtree(store_target: str, plan: ExportPlan, task: Task, parts: Path, done: str | None) -> SubtreeSummary:
    """``export_subtree`` into the resumable work folder (``resume``): the partition's files go into
    ``parts/<key>``; a partition finished by an earlier run with the digest it has now is kept as it is."""
    from ..store.open import open_store

    try:
        started = time.monotonic()
        if plan.meshopt and not meshopt_available():
            raise GeoTwinError("this worker lacks the meshoptimizer package the plan compresses with")
        frames = _task_frames(open_store(store_target, plan.schema), plan, task)
        key = task_digest(plan, task, frames)
        folder = parts / part_name(task.key)
        kept = kept_summary(folder, key) if done == key else None
        if kept is not None and (not plan.options.viewer or (folder / _search_part(task)).is_file()):
            return replace(SubtreeSummary(**kept), resumed=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{part_name(task.key)}.", suffix=".tmp", dir=parts))  # parts must exist
        try:
            summary = _tile_task(plan, task, key, frames, tmp)
            summary.digest, summary.seconds = key, time.monotonic() - started
            save_part(tmp, folder, asdict(summary))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)   # gone once renamed into place
        return summary
    except Cancelled:
        raise
    except Exception as err:  # noqa: BLE001 - whatever failed, the message names the partition
        raise GeoTwinError(f"{task.name} ({len(task.keys)} buildings) failed: {err}") from err


# -------------------------------------------------------------------------------------------------- the root

def _finish_top(node: quadtree.Node, stubs: dict[str, tuple[Box, float]], content: dict[str, Box]) -> None:
    """Bounds and geometric errors of the tiles above the partitions, as ``quadtree.finish`` gives them: a
    partition root's from its summary; above, the union of content and children, and the larger of the box's
    diagonal and the children's errors (no tile above a partition has LoD1 content)."""
    if node.key in stubs:
        (lo, hi), error = stubs[node.key]
        node.box_min, node.box_max, node.geometric_error = np.array(lo), np.array(hi), error
        return
    for c in node.children:
        _finish_top(c, stubs, content)
    boxes: list[tuple[Any, Any]] = []
    if node.key in content:
        boxes.append((np.array(content[node.key][0]), np.array(content[node.key][1])))
    boxes += [(c.box_min, c.box_max) for c in node.children]
    node.box_min = np.min([b[0] for b in boxes], axis=0)
    node.box_max = np.max([b[1] for b in boxes], axis=0)
    child_max = max((c.geometric_error for c in node.children), default=0.0)
    if node.children:
        node.geometric_error = max(float(np.linalg.norm(node.box_max - node.box_min)), child_max)
    else:
        node.geometric_error = 0.0


def _top_subtrees(plan: ExportPlan, folder: Path) -> None:
    """The subtree files rooted above the partitions (from the plan's availability)."""
    assert plan.layout is not None, "implicit tiling has a layout"
    levels = plan.layout[1]
    inside = set(plan.partitions)
    for n in plan.top.walk():
        if n.key not in inside and n.level % levels == 0:
            data, _ = subtree_bytes(n.level, n.x, n.y, levels, plan.tiles, plan.contents)
            path = folder / "subtrees" / f"{n.key}.subtree"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _summary_fields(summary: SubtreeSummary) -> dict[str, Any]:
    """The fields of ``summary`` a report keeps, not copied (``asdict`` would copy its tiles, records and
    fragment first: at a million buildings, a second copy of everything the partitions reported)."""
    return {f.name: getattr(summary, f.name) for f in fields(summary) if f.name not in _SUMMARY_OWN}


def _report(plan: ExportPlan, summaries: list[SubtreeSummary], total: int, rows: TileRows) -> dict[str, Any]:
    """export_report.json: what ``export_3dtiles`` reports of the city model, and the partitions; the tiles'
    entries and records streamed from ``rows`` as it is written (``write_json``)."""
    sizes, leaf = rows.sizes()
    buildings = sum(s.buildings for s in summaries)
    frame = plan.frame
    return {
        "source": plan.label, "horizontal_crs": plan.horizontal_crs, "vertical_crs": plan.vertical_crs,
        "height_model": plan.heights, "horizontal_transformation": plan.horizontal,
        "frame": {"longitude": frame.lon, "latitude": frame.lat, "origin_ecef": [float(v) for v in frame.origin]},
        "options": asdict(plan.options), "buildings": buildings, "containers": plan.containers,
        "skipped": plan.skipped + [m for s in summaries for m in s.skipped],
        "degenerate_polygons": sum(s.degenerate for s in summaries),
        "compression": {"KHR_mesh_quantization": plan.quantize, "EXT_meshopt_compression": plan.meshopt,
                        "max_quantization_error_m": max(s.max_quantization_error for s in summaries),
                        "quantized_tiles": sum(s.quantized_tiles for s in summaries),
                        "float_tiles": sum(s.float_tiles for s in summaries)},
        "sizes": {"tiles": len(sizes), "content_bytes": int(sizes.sum()), "total_bytes": total,
                  "bytes_per_building": total / max(buildings, 1),
                  "leaf_p95_bytes": float(np.percentile(leaf, 95)), "leaf_max_bytes": int(leaf.max()),
                  "max_bytes": int(sizes.max())},
        "tiles": rows.tiles(),
        "partitions": [{"name": s.name, "key": s.key, "buildings": s.buildings, "tiles": rows.counts[s.key][0],
                        "rewritten": rows.counts[s.key][1],
                        "reused": s.reused, "resumed": s.resumed, "seconds": round(s.seconds, 3), "digest": s.digest,
                        "summary": _summary_fields(s)}
                       for s in summaries],
        "incremental": {"version": CONTENT_VERSION, "frame_origin": plan.frame_origin, "square": list(plan.square),
                        "previous_tiles": plan.previous_tiles, "rewritten": rows.rewritten(),
                        "reused": rows.reused(), "tiles": rows.records()},
    }


def _root_search(plan: ExportPlan, folder: Path) -> dict[str, Any] | None:
    """With the viewer, the sharded search index (``search/``) merged from the partitions' rows files, which stay
    in the tileset (an export into the same folder reads those of the partitions it reuses instead of meshing them
    again); without, none."""
    if not plan.options.viewer:
        shutil.rmtree(folder / PARTS_DIR, ignore_errors=True)
        return None
    files = [folder / _search_part(t) for t in plan.tasks]
    lacking = [t.name for t, f in zip(plan.tasks, files) if not f.is_file()]
    if lacking:
        raise GeoTwinError(f"no search index rows of {', '.join(lacking)}: export those partitions again")
    return merge_search_index(folder, files)


def _spilled(stack: contextlib.ExitStack, summaries: list[SubtreeSummary]) -> TileRows:
    """The summaries' tile entries and records in a scratch ``TileRows`` (closed and removed with ``stack``)."""
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="geotwin-root-"))
    rows = TileRows(Path(folder) / "tiles.sqlite")
    stack.callback(rows.close)
    for s in summaries:
        rows.add(s.key, s.tiles, s.records)
    return rows


def _root_files(plan: ExportPlan, summaries: list[SubtreeSummary], top: quadtree.Node, tmp: Path,
                rows: TileRows) -> tuple[dict[str, Any], int]:
    """The root's files in the new tileset folder ``tmp``: the search index, the metadata schema, the top subtree
    files, tileset.json, the viewer and the report, written last; the report (without its per-tile lists, which
    only the file holds) and the folder's size."""
    search = _root_search(plan, tmp)
    if plan.options.format == "1.1":
        (tmp / SCHEMA_NAME).write_text(plan.schema_json, encoding="utf-8")
    if plan.layout is not None:
        _top_subtrees(plan, tmp)
    fragments = {s.key: s.fragment for s in summaries if s.fragment is not None}
    tileset = tileset_json(top, plan.frame, plan.options.format, plan.options.implicit, plan.ext, plan.heights,
                           tmp, None, {"target": plan.options.target, "draco": plan.options.draco},
                           fragments=fragments, layout=plan.layout)
    write_json(tmp / "tileset.json", tileset, indent=1)
    del tileset, fragments
    if plan.options.viewer:
        write_viewer(tmp, top, plan.frame, plan.options.cesium_url, {}, plan.options.basemap)
    total = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    report = _report(plan, summaries, total, rows)
    report["search"] = search
    total = _write_report(tmp / REPORT_NAME, report, total)
    del report["tiles"], report["incremental"]["tiles"]   # streamed from ``rows``, which is closed after this
    return report, total


def _write_report(path: Path, report: dict[str, Any], files: int) -> int:
    """Write ``report`` whose ``sizes.total_bytes`` is ``files`` (the other files' bytes) plus its own size as
    written with that figure; that total. Encoded once: the total is patched into the file in place when it has as
    many digits (else the report is written again)."""
    size = write_json(path, report, indent=1, ensure_ascii=False)
    total = report["sizes"]["total_bytes"] = files + size
    old, new = f'"total_bytes": {files},'.encode(), f'"total_bytes": {total},'.encode()
    with open(path, "r+b") as out:
        head = out.read(1 << 20)
        while (at := head.find(old)) < 0 and len(head) < size:   # the first, in "sizes" (before the lists)
            head += out.read(1 << 20)
        if at >= 0 and len(old) == len(new):
            out.seek(at)
            out.write(new)
            return total
    write_json(path, report, indent=1, ensure_ascii=False)
    return total


def write_root(plan: ExportPlan, summaries: list[SubtreeSummary], output: str | os.PathLike[str],
               work_dir: str | os.PathLike[str], reporter: Reporter | None = None,
               rows: TileRows | None = None) -> ExportResult:
    """Write the root of the tileset, last, and put the finished folder in place of ``output``.

    The tiles above the partitions come from the ``summaries``, then tileset.json, the top subtree files, the
    metadata schema, the viewer and ``export_report.json``, beside the partitions' tiles in ``work_dir``; the whole
    folder then replaces ``output`` atomically. ``work_dir`` must be on ``output``'s file system
    (``export_partitioned`` makes it a sibling of ``output``). The report's per-tile lists (``tiles``,
    ``incremental.tiles``) are streamed into the file from ``rows`` (the summaries' entries, kept there as they
    came in; without it, from the summaries), never held whole: the returned report leaves them out.

    Args:
        plan: the plan.
        summaries: every task's SubtreeSummary.
        output: the tileset folder.
        work_dir: the folder the partitions wrote into.
        reporter: progress, cancel and messages.
        rows: the summaries' tile entries and records (``TileRows.add``), their own lists then left empty.

    Returns:
        The ExportResult, as export_3dtiles gives it (its report without the per-tile lists).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> plan = plan_export(folder / "city.gpkg", ExportOptions(leaf_max_buildings=4), partition_buildings=5)
        >>> work = folder / "work"
        >>> work.mkdir()
        >>> summaries = [export_subtree(plan.target, plan.shared(), task, work) for task in plan.tasks]
        >>> result = write_root(plan, summaries, folder / "tiles", work)
        >>> result.tiles, result.summary.buildings, (folder / "tiles" / "tileset.json").is_file()
        (4, 12, True)
    """
    reporter = reporter or Reporter()
    target = Path(output)
    check_folder(target, REPORT_NAME)
    done = {s.key for s in summaries}
    lacking = [t.name for t in plan.tasks if t.key not in done] or [k for k in plan.partitions if k not in done]
    if lacking:
        raise GeoTwinError(f"no summary of {', '.join(lacking)}: every partition must be exported first")
    top = copy.deepcopy(plan.top)
    stubs = {s.key: (s.bounds[s.key], s.geometric_error) for s in summaries if s.key != "top"}
    content = {k: b for s in summaries if s.key == "top" for k, b in s.bounds.items()}
    _finish_top(top, stubs, content)
    with contextlib.ExitStack() as stack:
        if rows is None:   # the summaries' entries into a scratch file, as ``export_partitioned`` keeps them
            rows = _spilled(stack, summaries)
        with atomic_path(target, directory=True) as tmp:
            os.rename(work_dir, tmp)   # tmp is an empty folder: the partitions' tiles become the new tileset
            report, total = _root_files(plan, summaries, top, tmp, rows)
    tiles = int(report["sizes"]["tiles"])
    summary = ExportReport(plan.label, report["buildings"], tiles, report["sizes"]["content_bytes"], total,
                           report["sizes"]["bytes_per_building"], str(plan.heights.get("method")),
                           str(plan.heights.get("description")), report["incremental"]["rewritten"],
                           report["incremental"]["reused"], list(report["skipped"]))
    reporter.progress(100.0)
    reporter.info(f"{tiles} tiles from {len(summaries)} partition(s) ({len(summary.rewritten)} written, "
                  f"{len(summary.reused)} unchanged and kept), {total} bytes, "
                  f"{summary.bytes_per_building:.0f} bytes per building")
    return ExportResult(target, target / "tileset.json", tiles, str(plan.heights.get("method")), summary, report)


def export_partitioned(store: str | os.PathLike[str] | StoreReader, output: str | os.PathLike[str],
                       options: ExportOptions | None = None, reporter: Reporter | None = None,
                       mapper: Mapper = map, *, partition_buildings: int = PARTITION_BUILDINGS,
                       schema: str = "geotwin") -> ExportResult:
    """Export the city model of ``store`` into the folder ``output`` in partitions.

    The tiles are those ``export_3dtiles`` writes, with memory bounded by the partition size. ``mapper(fn, tasks)``
    runs the partitions and yields their results (the built-in ``map`` runs them one after another here; a Dask
    mapper runs them on a cluster: the function and the tasks pickle, and the workers must reach the store and
    ``output``'s folder). A failed partition does not stop the others; then a GeoTwinError names every failed
    partition and ``output`` is left as it was; the finished partitions are kept in ``OUT.geotwin-work`` (see
    ``resume``) and exporting again tiles only the others. The work folder is removed once the tileset is in place.

    Args:
        store: a ``StoreReader``, a GeoPackage path or a PostgreSQL DSN.
        output: the tileset folder.
        options: the export options.
        reporter: progress, cancel and messages.
        mapper: runs the partitions.
        partition_buildings: buildings per partition at most.
        schema: the PostGIS schema of a DSN.

    Returns:
        The ExportResult.

    Raises:
        GeoTwinError: partitions failed (named); InputError for bad input.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> import filecmp
        >>> from geotwin.twin.tiles.export import export_3dtiles
        >>> options = ExportOptions(leaf_max_buildings=4, viewer=False)
        >>> export_partitioned(folder / "city.gpkg", folder / "parts", options, partition_buildings=5).tiles
        4
        >>> _ = export_3dtiles(folder / "city.gpkg", folder / "whole", options)
        >>> glbs = sorted(p.relative_to(folder / "parts") for p in (folder / "parts").rglob("*.glb"))
        >>> len(glbs), all(filecmp.cmp(folder / "parts" / g, folder / "whole" / g, shallow=False) for g in glbs)
        (4, True)
    """
    options = options or ExportOptions()
    reporter = reporter or Reporter()
    options.check()
    target = Path(output)
    check_folder(target, REPORT_NAME)   # before the plan: a foreign folder is refused at once
    work = WorkFolder(target)   # before the plan: a foreign folder of its name is refused at once
    plan = plan_export(store, options, reporter, partition_buildings=partition_buildings, output=target,
                       schema=schema, mapper=mapper)
    target.parent.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent))
    try:
        with tempfile.TemporaryDirectory(prefix="geotwin-root-") as scratch, \
                contextlib.closing(TileRows(Path(scratch) / "tiles.sqlite")) as rows:
            results = _map(plan, work, mapper, reporter, rows)
            failed = [r for r in results if isinstance(r, Failure)]
            if failed:
                raise GeoTwinError(f"{len(failed)} of {len(plan.tasks)} partitions failed; the output is unchanged: "
                                   + "; ".join(f.message for f in failed) + f" ({_kept_note(work)})",
                                   path=str(target))
            work.assemble([t.key for t in plan.tasks], work_dir)
            result = write_root(plan, cast(list[SubtreeSummary], results), target, work_dir, reporter, rows)
        work.discard()
        del plan, results
        release_memory()   # the plan's freed C heap back to the system
        return result
    except BaseException:
        if not work.entries:
            work.discard()   # nothing finished: nothing to resume
        raise
    finally:
        discard_folder(work_dir)   # renamed aside first: a cancelled task still running cannot recreate it


def _kept_note(work: WorkFolder) -> str:
    return (f"{len(work.entries)} finished partition(s) are kept in {work.folder}: export again to tile only the "
            "failed ones" if work.entries else "no partition finished")


def _map(plan: ExportPlan, work: WorkFolder, mapper: Mapper, reporter: Reporter,
         rows: TileRows) -> list[SubtreeSummary | Failure]:
    """Every task's result through ``mapper``, with progress; each finished partition recorded in ``work``, its
    tile entries and records kept in ``rows`` (the summary's own lists emptied) and its task's payload dropped:
    what the coordinator holds per partition until the root is its summary's few fields."""
    done = work.open([t.key for t in plan.tasks])
    run = _Run(plan.target, plan.shared(), str(work.parts), done)
    names = {t.name: t.key for t in plan.tasks}
    results: list[SubtreeSummary | Failure] = []
    kept = 0
    tasks = {t.name: t for t in plan.tasks}
    results_iter: Iterator[Any] = iter(mapper(run, plan.tasks))
    for result in results_iter:
        if isinstance(result, SubtreeSummary):
            if result.fragment is not None:
                result.fragment = PackedJSON(result.fragment)   # unpacked as tileset.json is written: a 13th
            rows.add(result.key, result.tiles, result.records)
            result.tiles, result.records = [], {}
        if (task := tasks.get(result.name)) is not None:
            task.drop()   # its name and key stay (the root's checks)
        results.append(result)
        if isinstance(result, Failure):
            work.forget(names.get(result.name, ""))
            reporter.warning(result.message)
        else:
            kept += result.resumed
            work.record_part(result.key, result.digest)
        reporter.check()
        reporter.progress(20 + 75 * len(results) / len(plan.tasks))
    if kept:
        reporter.info(f"{kept} of {len(plan.tasks)} partition(s) kept from the unfinished export in {work.folder}")
    return results
