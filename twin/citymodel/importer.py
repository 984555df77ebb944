"""Import CityGML/CityJSON/CityJSONSeq files or folders of tiles into the twin's GeoPackage layers."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import is_, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon

from .. import __version__
from ..kernel.crs import crs_override as parse_crs_override
from ..kernel.errors import InputError
from ..kernel.gpkg import GpkgWriter, gpkg_output
from ..kernel.progress import Reporter
from ..kernel.schema import (
    BUILDING_SURFACES,
    BUILDINGS,
    CITY_MODEL_LAYERS,
    CITY_MODEL_SOURCES,
    FOOTPRINTS,
    SKIPPED,
    TERRAIN,
)
from .cityjson import read_cityjson
from .delivery import CITY_MODEL_SUFFIXES, InputFile, Limits, as_input, collect_delivery
from .geometry import (
    RaggedPolygons,
    convex_outline,
    polygons_2d,
    union_2d,
    union_2d_many,
)
from .model import CityObject, CrsInfo, Relief, Skipped, Surface

if TYPE_CHECKING:
    from .citygml import CityGMLSource
    from .cityjson import CityJSONSource

__all__ = ["CITY_MODEL_SUFFIXES", "ImportResult", "import_citymodel", "open_source", "sha256_of", "sniff_format"]
_TYPED_FIELDS = frozenset(BUILDINGS.fields) - {"attributes"}
_ROW: dict[str, Any] = dict.fromkeys(BUILDINGS.fields)
_ROW_VALUES = itemgetter(*BUILDINGS.fields)
MIN_GROUND_AREA = 1e-4   # m² in plan: a GroundSurface below this is degenerate...
MIN_GROUND_WIDTH = 1e-3  # ...and so is one whose mean width (2 area / perimeter) is below 1 mm (collinear points)


@dataclass
class SourceSummary:
    path: str
    format: str
    crs: CrsInfo
    objects: int = 0
    skipped: int = 0


@dataclass
class ImportResult:
    """What an import wrote; ``crs``/``vertical_crs`` are EPSG codes (vertical None when unknown or mixed)."""

    output: str
    buildings: int = 0
    parts: int = 0
    surfaces: int = 0
    footprints: int = 0
    skipped: int = 0
    not_imported: int = 0      # city objects of types GeoTwin does not import (a skipped_objects row each)
    repaired: int = 0          # self-intersecting ground surfaces repaired for the footprint
    reliefs: int = 0           # TIN relief components
    triangles: int = 0         # terrain triangles
    crs: str | None = None
    vertical_crs: str | None = None
    sources: list[SourceSummary] = field(default_factory=list)


def sniff_format(path: str | os.PathLike[str] | InputFile) -> str | None:
    """Tell the format of a city model file from its (decompressed) first bytes, whatever its name says.

    Args:
        path: the file (gzip-compressed or not), or an InputFile (a zip member).

    Returns:
        "citygml" (XML), "cityjson" (JSON) or None.

    Raises:
        InputError: the file cannot be read.

    Example:
        >>> from geotwin.twin.examples import city_delivery, shared_data
        >>> sniff_format(city_delivery() / "hamburg.xml.gz"), sniff_format(shared_data("cityjson/cjio/multi_lod.json"))
        ('citygml', 'cityjson')
        >>> sniff_format(shared_data("sensors/sensor-community-aberdeen/2017-11-10_sds011_sensor_5331.csv"))
    """
    head = as_input(path).head().lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "citygml"
    if head.startswith(b"{"):
        return "cityjson"
    return None


def open_source(path: str | os.PathLike[str] | InputFile, crs: CrsInfo | None, lod: str,
                reporter: Reporter) -> CityGMLSource | CityJSONSource:
    """Open a reader for one city model file, chosen by its content (see sniff_format).

    Args:
        path: the file, or an InputFile (a zip member).
        crs: the CRS override (None: the file's own CRS).
        lod: "highest", or the LoD to take.
        reporter: receives the reader's warnings and progress.

    Returns:
        The CityGMLSource or CityJSONSource (iterate it for the objects).

    Raises:
        InputError: neither CityGML nor CityJSON, or what the reader raises on opening.

    Example:
        >>> from geotwin.twin.examples import shared_data
        >>> from geotwin.twin.kernel.crs import crs_override
        >>> from geotwin.twin.kernel.progress import Reporter
        >>> source = open_source(shared_data("cityjson/cjio/DH_01_subs.city.json"), crs_override("EPSG:7415"),
        ...                      "highest", Reporter())
        >>> type(source).__name__, source.format, source.crs.horizontal
        ('CityJSONSource', 'CityJSON 1.1', 'EPSG:28992')
        >>> from collections import Counter
        >>> Counter((obj.object_class, obj.parent_id is not None) for obj in source)   # parts have a parent
        Counter({('BuildingPart', True): 8, ('Building', False): 4})
        >>> open_source(shared_data("sensors/sensor-community-aberdeen/2017-11-10_sds011_sensor_5331.csv"), None,
        ...             "highest", Reporter())
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: ...csv: neither CityGML (XML) nor CityJSON: unknown file content
    """
    item = as_input(path)
    kind = sniff_format(item)
    if kind == "citygml":
        from .citygml import read_citygml

        return read_citygml(item, crs_override=crs, lod=lod, reporter=reporter)
    if kind == "cityjson":
        return read_cityjson(item, crs_override=crs, lod=lod, reporter=reporter)
    raise InputError("neither CityGML (XML) nor CityJSON: unknown file content", path=item.display)


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Compute the SHA-256 checksum of a file's bytes, read a megabyte at a time.

    Args:
        path: the file.

    Returns:
        The checksum as 64 hex digits.

    Example:
        >>> from geotwin.twin.examples import shared_data
        >>> sha256_of(shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"))
        '977332fed5174e8998c3705fda8ca613190807412f86b02d2cec167e59a7f340'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def footprint_of(obj: CityObject) -> MultiPolygon | None:
    """Find a building's 2D ground outline: the union in plan of its GroundSurfaces, else of its LoD0 footprint,
    else of all its surfaces, else their convex hull.

    Args:
        obj: the building or building part.

    Returns:
        The outline, None when its surfaces cover no area in plan.

    Example:
        >>> import numpy as np
        >>> from geotwin.twin.examples import shared_data
        >>> from .citygml import read_citygml
        >>> from .model import CityObject, Surface
        >>> (house,) = read_citygml(shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"))
        >>> outline = footprint_of(house)   # its GroundSurface, 12 m by 10 m
        >>> outline.area, outline.bounds
        (120.0, (457842.0, 5439083.0, 457854.0, 5439093.0))
        >>> roof = Surface([np.array([[0.0, 0, 10], [8, 0, 12], [8, 6, 12], [0, 6, 10]])], "RoofSurface")
        >>> wall = Surface([np.array([[0.0, 0, 0], [8, 0, 0], [8, 0, 10], [0, 0, 10]])], "WallSurface")
        >>> footprint_of(CityObject("b1", "Building", None, "b1.gml", "2", surfaces=[roof, wall])).area   # no ground
        48.0
        >>> footprint_of(CityObject("b2", "Building", None, "b2.gml", "2", surfaces=[wall])) is None   # a wall only
        True
    """
    ground = [s.rings for s in obj.surfaces if s.surface_type == "GroundSurface"]
    for candidate in (ground, obj.footprint_rings, [s.rings for s in obj.surfaces]):
        if candidate:
            outline = union_2d(candidate)
            if outline is not None:
                return outline
    return convex_outline([s.rings for s in obj.surfaces])


class _Outline:
    """A footprint that is its building's one valid GroundSurface in plan: that surface's rings and plan area."""

    __slots__ = ("rings", "area")

    def __init__(self, rings: list[NDArray[Any]], area: float) -> None:
        self.rings = rings
        self.area = area

    def shape(self) -> MultiPolygon:
        """The footprint as shapely makes it (what union_2d gives for the ground alone)."""
        return MultiPolygon([shapely.Polygon(self.rings[0][:, :2], [r[:, :2] for r in self.rings[1:]])])


@dataclass
class _PendingParent:
    """A building whose geometry lives in its parts: written at the end with their heights and outline."""

    row: dict[str, Any]
    ground: float | None = None
    roof: float | None = None
    outlines: list[Any] = field(default_factory=list)


def _surface_columns(objects: list[CityObject], surfaces: list[Surface]
                     ) -> tuple[list[str], list[str], list[str], list[str]]:
    """The id, building id, surface type and LoD columns of the surfaces of ``objects`` (``surfaces``: theirs, in
    order); a surface without an id is named by its building and number, one without an LoD takes its building's."""
    ids = [s.id for s in surfaces]
    if None in ids or "" in ids:
        ids = [s.id or f"{obj.id}_{n}" for obj in objects for n, s in enumerate(obj.surfaces, 1)]
    owners = [obj.id for obj in objects for _ in obj.surfaces]
    kinds = [s.surface_type for s in surfaces]
    lods = [s.lod for s in surfaces]
    if "" in lods or None in lods:
        lods = [s.lod or obj.lod or "" for obj in objects for s in obj.surfaces]
    return cast("list[str]", ids), owners, kinds, lods


def _heights(objects: list[CityObject], ragged: RaggedPolygons) -> list[tuple[float | None, float | None]]:
    """The lowest and highest point (ground and roof height) of each object's surfaces, computed over the rings of
    all objects at once (``ragged``: the rings of every surface of ``objects``, in order); (None, None) for an object
    without points."""
    if not len(ragged.lengths):
        return [(None, None)] * len(objects)
    z = ragged.points[:, 2]
    polygon_ends = np.concatenate(([0], np.cumsum(ragged.lengths)))[np.cumsum(ragged.counts)]
    surfaces = np.fromiter(map(len, [obj.surfaces for obj in objects]), dtype=np.int64, count=len(objects))
    point_ends = np.concatenate(([0], polygon_ends))[np.cumsum(surfaces)]
    sizes = np.diff(point_ends, prepend=0)
    starts = (point_ends - sizes)[sizes > 0]
    low = iter(np.minimum.reduceat(z, starts).tolist())
    high = iter(np.maximum.reduceat(z, starts).tolist())
    return [(next(low), next(high)) if size else (None, None) for size in sizes.tolist()]


class _Importer:
    def __init__(self, writer: GpkgWriter, reporter: Reporter, result: ImportResult) -> None:
        self.writer = writer
        self.reporter = reporter
        self.result = result
        self.seen: dict[str, str] = {}                    # object id -> source file
        self.pending: dict[str, _PendingParent] = {}      # building id -> row without geometry
        self.parts: dict[str, _PendingParent] = {}        # parent id -> aggregate of its parts
        self.repaired_area: dict[int, float] = {}         # id(Surface) of a repaired ground -> its area
        self.repaired_outline: dict[str, object] = {}     # object id -> footprint from a repaired ground and its roof
        self._batch: list[tuple[dict[str, Any], CityObject, Any]] = []  # buildings waiting for _flush_batch
        self._queue: list[tuple[CityObject, SourceSummary]] = []  # objects waiting for flush
        # id(ground Surface) -> (plan polygon, valid, area, length)
        self._ground_pre: dict[int, tuple[Any, bool, float, float]] = {}
        self._names: dict[str, str] = {}                  # source file -> its name
        self._ragged: tuple[list[CityObject], RaggedPolygons] | None = None   # the last flush's objects' rings

    def skip(self, item: Skipped, summary: SourceSummary, count: bool = True) -> None:
        if item.quiet:
            self.result.not_imported += 1
        elif count:
            summary.skipped += 1
            self.result.skipped += 1
        if not item.quiet:
            where = f"{Path(item.source_file).name}" + (f" line {item.line}" if item.line else "")
            self.reporter.warning(f"{'skipped' if count else 'note on'} {item.object_id} ({where}): {item.reason}")
        self.writer.add(SKIPPED, {"source_file": item.source_file, "line": item.line,
                                  "object_id": item.object_id, "reason": item.reason})

    def relief(self, relief: Relief, summary: SourceSummary) -> None:
        """One terrain row per triangle: PolygonZ with its heights and 3D area."""
        if relief.id in self.seen:
            first = Path(self.seen[relief.id]).name
            self.skip(Skipped(relief.source_file, relief.id, f"duplicate id (already imported from {first})",
                              relief.line), summary)
            return
        self.seen[relief.id] = relief.source_file
        summary.objects += 1
        tri = relief.triangles
        self.result.reliefs += 1
        self.result.triangles += len(tri)
        for start in range(0, len(tri), 5000):  # in batches: rows of a large TIN are not all held at once
            self._triangles(relief, tri[start:start + 5000])

    def _triangles(self, relief: Relief, tri: NDArray[Any]) -> None:
        z = tri[:, :, 2]
        cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        areas = np.linalg.norm(cross, axis=1) / 2.0
        closed = np.concatenate([tri, tri[:, :1]], axis=1)
        polygons = shapely.polygons(closed)
        base = {"relief_id": relief.id, "feature_id": relief.feature_id,
                "source_file": Path(relief.source_file).name, "lod": relief.lod}
        rows = [base | {"min_height": lo, "mean_height": mean, "max_height": hi, "area": a}
                for lo, mean, hi, a in zip(z.min(axis=1).tolist(), z.mean(axis=1).tolist(),
                                           z.max(axis=1).tolist(), areas.tolist())]
        self.writer.add_many(TERRAIN, rows, list(polygons))

    def _ground(self, obj: CityObject, summary: SourceSummary) -> None:
        """Degenerate GroundSurfaces are left out (a row each); self-intersecting ones are repaired for the
        footprint by make_valid (its polygon parts, every lobe kept) and noted in skipped_objects."""
        kept: list[Surface] = []
        for n, surface in enumerate(obj.surfaces, 1):
            if surface.surface_type != "GroundSurface" or not surface.rings:
                kept.append(surface)
                continue
            sid = surface.id or f"{obj.id}_{n}"
            pre = self._ground_pre.get(id(surface))
            if pre is None:
                flat = shapely.Polygon(surface.rings[0][:, :2], [r[:, :2] for r in surface.rings[1:]])
                valid, area, length = bool(flat.is_valid), float(flat.area), float(flat.length)
            else:
                flat, valid, area, length = pre
            fixed = flat
            if not valid:
                parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(flat)))
                fixed = shapely.multipolygons(parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON])
                area, length = float(fixed.area), float(fixed.length)
            if area < MIN_GROUND_AREA or 2 * area < MIN_GROUND_WIDTH * length:
                self.skip(Skipped(obj.source_file, sid, f"GroundSurface of {obj.id} has no area in plan "
                                                        f"({area:.2g} m²): left out of its surfaces and footprint",
                                  obj.line), summary)
                continue
            if not valid:
                self.result.repaired += 1
                lobes = len(shapely.get_parts(fixed))
                roof = union_2d([s.rings for s in obj.surfaces if s.surface_type == "RoofSurface" and s.rings])
                outline = fixed if roof is None else shapely.make_valid(shapely.union(fixed, roof))
                self.repaired_outline[obj.id] = outline
                joined = (f"joined with the plan outline of its roof surfaces: {float(outline.area):.2f} m²"
                          if roof is not None else "(no roof surfaces to join)")
                self.skip(Skipped(obj.source_file, sid, f"repaired: GroundSurface of {obj.id} is not a valid polygon "
                                                        f"({shapely.is_valid_reason(flat)}); its footprint is the "
                                                        f"{lobes} polygon(s) of make_valid ({area:.2f} m²) {joined} "
                                                        f"(the ring as written encloses {abs(flat.area):.2f} m²)",
                                  obj.line), summary, count=False)
                self.repaired_area[id(surface)] = area  # a ring's own area cancels out where it crosses itself
            kept.append(surface)
        obj.surfaces = kept

    def add(self, obj: CityObject, summary: SourceSummary) -> None:
        """Queue a building or part; queued objects are imported in order, their footprints in one batch."""
        self._queue.append((obj, summary))
        if len(self._queue) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        """Import the queued objects (called before anything else is written, so rows keep their order)."""
        queue, self._queue = self._queue, []
        if not queue:
            return
        self._ground_flats(queue)
        ready = []
        for obj, summary in queue:
            parent_unseen = self._check(obj, summary)
            if parent_unseen is not None:
                ready.append((obj, parent_unseen))
        objects = [obj for obj, _ in ready]
        outlines = self._outlines(objects)
        self._ground_pre.clear()
        ragged = RaggedPolygons([s.rings for obj in objects for s in obj.surfaces])
        self._ragged = (objects, ragged)   # _flush_batch's own when its batch is these objects (the usual case)
        for (obj, parent_unseen), (ground, roof), outline in zip(ready, _heights(objects, ragged), outlines):
            if outline is None and (obj.surfaces or obj.footprint_rings):
                outline = footprint_of(obj)
            self._place(obj, ground, roof, parent_unseen, outline)

    def _outlines(self, objects: list[CityObject]) -> list[Any]:
        """union_2d_many of each object's GroundSurfaces; a single valid ground with area is its own outline (what
        the union gives), kept as its rings and area (_Outline) and written from them."""
        groups: list[list[list[NDArray[Any]]]] = []
        single: dict[int, _Outline] = {}
        for k, obj in enumerate(objects):
            grounds = [s for s in obj.surfaces if s.surface_type == "GroundSurface"]
            if len(grounds) == 1:
                pre = self._ground_pre.get(id(grounds[0]))
                if pre is not None and pre[1] and pre[2] > 1e-6 and grounds[0].rings:
                    single[k] = _Outline(grounds[0].rings, pre[2])
                    groups.append([])
                    continue
            groups.append([s.rings for s in grounds])
        outlines: list[Any] = list(union_2d_many(groups))
        for k, outline in single.items():
            outlines[k] = outline
        return outlines

    def _ground_flats(self, queue: list[tuple[CityObject, SourceSummary]]) -> None:
        """The plan polygons of every GroundSurface of the queue, with validity, area and length, at once."""
        surfaces = [s for obj, _ in queue for s in obj.surfaces if s.surface_type == "GroundSurface" and s.rings]
        if not surfaces:
            return
        flats = polygons_2d([s.rings for s in surfaces])
        valid = shapely.is_valid(flats).tolist()
        area = shapely.area(flats).tolist()
        length = shapely.length(flats).tolist()
        for surface, flat, v, a, n in zip(surfaces, flats, valid, area, length):
            self._ground_pre[id(surface)] = (flat, v, a, n)

    def _check(self, obj: CityObject, summary: SourceSummary) -> bool | None:
        """Duplicate check and ground repair: whether the object's parent is not seen yet; None when the object is
        skipped."""
        if obj.id in self.seen:
            self.skip(Skipped(obj.source_file, obj.id, f"duplicate id (already imported from "
                                                      f"{Path(self.seen[obj.id]).name})", obj.line), summary)
            return None
        parent_unseen = bool(obj.parent_id) and obj.parent_id not in self.seen
        self.seen[obj.id] = obj.source_file
        summary.objects += 1
        if any(s.surface_type == "GroundSurface" for s in obj.surfaces):
            self._ground(obj, summary)
        return parent_unseen

    def _place(self, obj: CityObject, ground: float | None, roof: float | None, parent_unseen: bool,
               outline: Any) -> None:
        repaired = self.repaired_outline.pop(obj.id, None)
        if isinstance(outline, _Outline) and (repaired is not None or obj.object_class == "BuildingPart"):
            outline = outline.shape()
        if repaired is not None and outline is not None:
            # a self-intersecting ground (e.g. two corners swapped) loses area between its lobes: the roof's plan
            # outline gives it back, so the footprint is never silently halved
            parts = shapely.get_parts(shapely.make_valid(shapely.union(outline, repaired)))
            outline = MultiPolygon(list(parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]))
        row = _ROW.copy()   # every field of BUILDINGS, so that rows become columns by itemgetter
        rest: dict[str, Any] = {}   # the attributes that are no field, in their order
        for key, value in obj.attributes.items():
            if key in _TYPED_FIELDS:
                row[key] = value
            else:
                rest[key] = value
        name = self._names.get(obj.source_file)
        if name is None:
            name = self._names[obj.source_file] = Path(obj.source_file).name
        row.update(id=obj.id, parent_id=obj.parent_id or "", object_class=obj.object_class,
                   source_file=name, lod=obj.lod or "",
                   lods_available=",".join(obj.lods_available), ground_height=ground, roof_height=roof,
                   attributes=rest or None)
        if obj.object_class == "BuildingPart":
            self.result.parts += 1
            if obj.parent_id and (obj.parent_id in self.pending or parent_unseen):
                agg = self.parts.setdefault(obj.parent_id, _PendingParent({}))
                if agg.ground is None or (ground is not None and ground < agg.ground):
                    agg.ground = ground
                agg.roof = roof if agg.roof is None or (roof is not None and roof > agg.roof) else agg.roof
                if outline is not None:
                    agg.outlines.append(outline)
        else:
            self.result.buildings += 1
        if not obj.surfaces and obj.object_class == "Building":
            self.pending[obj.id] = _PendingParent(row)
            return
        self.parts.pop(obj.id, None)  # its own geometry gives its heights and outline
        self._write(row, obj, outline)

    BATCH = 256  # buildings whose polygons and areas are computed in one go

    def _write(self, row: dict[str, Any], obj: CityObject, outline: Any) -> None:
        self._batch.append((row, obj, outline))
        if len(self._batch) >= self.BATCH:
            self._flush_batch()

    def _flush_batch(self) -> None:
        """Write the batched buildings, their surfaces and footprints, with their geometry blobs assembled and their
        3D areas computed from the ring arrays of the whole batch at once (rows in the order the buildings came)."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        surfaces = [s for _, obj, _ in batch for s in obj.surfaces]
        made, self._ragged = self._ragged, None
        if made is not None and len(made[0]) == len(batch) and all(map(is_, made[0], [obj for _, obj, _ in batch])):
            ragged = made[1]   # the rings of these objects' surfaces, concatenated by flush for their heights
        else:
            ragged = RaggedPolygons([s.rings for s in surfaces])
        points, ring_points = ragged.closed()
        areas = ragged.areas().tolist()
        counts = [len(obj.surfaces) for _, obj, _ in batch]
        ids, owners, kinds, lods = _surface_columns([obj for _, obj, _ in batch], surfaces)
        footprint_ids: list[str] = []
        footprint_areas: list[float] = []
        rings: list[list[NDArray[Any]]] = []    # the footprints given by their ground's rings (_Outline)
        groups: list[int] = []
        shapes: dict[int, Any] = {}
        repaired = self.repaired_area
        if repaired:
            areas = [repaired.pop(id(surface), area) for surface, area in zip(surfaces, areas)]
        for _row, obj, outline in batch:
            oid = obj.id
            if outline is not None:
                if isinstance(outline, _Outline):
                    rings.append(outline.rings)
                    groups.append(1)
                else:
                    shapes[len(groups)] = outline
                    groups.append(0)
                footprint_ids.append(oid)
                footprint_areas.append(outline.area)
        self.result.surfaces += len(ids)
        self.result.footprints += len(footprint_ids)
        values = zip(*[_ROW_VALUES(row) for row, _, _ in batch])
        self.writer.add_polygons(BUILDINGS, dict(zip(BUILDINGS.fields, map(list, values))),
                                 points, ring_points, ragged.counts, counts)
        self.writer.add_polygons(BUILDING_SURFACES, {"id": ids, "building_id": owners, "surface_type": kinds,
                                                     "lod": lods, "area": areas}, points, ring_points, ragged.counts)
        if footprint_ids:
            plan = RaggedPolygons(rings)
            flat, flat_points = plan.closed(2)
            self.writer.add_polygons(FOOTPRINTS, {"building_id": footprint_ids, "area": footprint_areas}, flat,
                                     flat_points, plan.counts, groups, shapes)

    def finish(self) -> None:
        """Write the buildings whose geometry is in their parts (heights and outline from the parts).

        Called after each source: a building and its parts come from the same file.
        """
        self.flush()
        self._flush_batch()
        for bid, parent in self.pending.items():
            agg = self.parts.get(bid)
            outline = None
            if agg is not None:
                parent.row.update(ground_height=agg.ground, roof_height=agg.roof)
                if agg.outlines:
                    merged = shapely.make_valid(shapely.union_all(agg.outlines))
                    polys = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type == "Polygon"]
                    outline = MultiPolygon(polys) if polys else None
            self.writer.add(BUILDINGS, parent.row, None)
            if outline is not None:
                self.writer.add(FOOTPRINTS, {"building_id": bid, "area": outline.area}, outline)
                self.result.footprints += 1
        self.pending.clear()
        self.parts.clear()


def import_citymodel(inputs: Iterable[str | os.PathLike[str] | InputFile], output_gpkg: str | os.PathLike[str],
                     crs_override: str | None = None, lod: str = "highest",
                     reporter: Reporter | None = None, limits: Limits | None = None) -> ImportResult:
    """Read every city model file in ``inputs`` (files, folders, zip archives: one delivery) into one GeoPackage.

    All files must share one horizontal CRS; each file's vertical CRS is kept in ``sources``.
    ``limits`` bounds what compressed files may inflate to and the size of a CityJSON document.
    The GeoPackage replaces ``output_gpkg`` only when the whole run succeeds.

    Args:
        inputs: files, folders and zip archives (see collect_delivery).
        output_gpkg: the GeoPackage written: buildings, building_surfaces, footprints, terrain, sources and
            skipped_objects.
        crs_override: a CRS for files that state none (or state a wrong one), e.g. "EPSG:25832+7837".
        lod: "highest", or the LoD to take (else the nearest one each object has).
        reporter: receives the log, warnings, progress and cancellation.
        limits: the size limits (None: the defaults).

    Returns:
        The ImportResult: counts of buildings, parts, surfaces, footprints, skipped rows, terrain; the CRS; the
        sources.

    Raises:
        InputError: an unreadable input, files with different horizontal CRSs, no CRS and no override.
        GeoTwinError: ``output_gpkg`` may not be replaced (see gpkg_output).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import city_delivery
        >>> from geotwin.twin.kernel import gpkg
        >>> folder = city_delivery()   # Hamburg's 47 buildings with 71 parts, the FZK-Haus in a zip archive
        >>> tmp = tempfile.TemporaryDirectory()
        >>> result = import_citymodel([folder], Path(tmp.name) / "city.gpkg")
        >>> result.buildings, result.parts, result.surfaces, result.footprints, result.skipped
        (48, 71, 692, 119, 1)
        >>> result.crs, result.vertical_crs   # DHHN2016 and DHHN92 heights: no single vertical CRS
        ('EPSG:25832', None)
        >>> [(s.path.removeprefix(f"{folder}/"), s.format, s.objects) for s in result.sources]
        [('hamburg.xml.gz', 'CityGML 1.0', 118), ('tiles.zip!/lod2/fzk-haus.gml', 'CityGML 2.0', 1)]
        >>> gpkg.count_by(result.output, "buildings", "object_class")
        {'Building': 48, 'BuildingPart': 71}
        >>> gpkg.count_by(result.output, "sources", "vertical_crs")
        {'EPSG:5783': 1, 'EPSG:7837': 1}
        >>> tmp.cleanup()
    """
    reporter = reporter or Reporter()
    override = parse_crs_override(crs_override) if crs_override and crs_override.strip() else None
    delivery = collect_delivery(inputs, limits)
    files = delivery.files
    for line in delivery.ignored:
        reporter.info(f"not a city model file, not read: {line}")
    result = ImportResult(output=str(Path(output_gpkg).resolve()))
    first = open_source(files[0], override, lod, reporter)
    result.crs = first.crs.horizontal
    imported_at = datetime.now(UTC).isoformat(timespec="seconds")
    verticals: set[str | None] = set()
    with gpkg_output(output_gpkg, result.crs, direct=True) as writer:
        for spec in CITY_MODEL_LAYERS:
            writer.ensure_layer(spec)
        importer = _Importer(writer, reporter, result)
        for refused in delivery.skipped:
            importer.skip(refused, SourceSummary(refused.source_file, "", CrsInfo(None, None)))
        for index, path in enumerate(files):
            reporter.check()
            reporter.info(f"reading {path.display} ({index + 1}/{len(files)})")
            source = first if index == 0 else open_source(path, override, lod, reporter)
            if source.crs.horizontal != result.crs:
                raise InputError(f"its horizontal CRS {source.crs.horizontal} differs from {result.crs} of "
                                 f"{files[0].display}; all tiles of one run must share one horizontal CRS",
                                 path=path.display)
            verticals.add(source.crs.vertical)
            summary = SourceSummary(path.display, source.format, source.crs)
            reporter.info(f"{path.name}: {source.format}, {source.crs.horizontal}"
                          f"{' + ' + source.crs.vertical if source.crs.vertical else ' (no vertical CRS)'}"
                          f"{', quasigeoid ' + source.crs.geoid_model if source.crs.geoid_model else ''}")
            items = cast(Iterable[CityObject | Relief | Skipped], source)   # the readers also yield terrain
            for n, item in enumerate(items, 1):
                reporter.check()
                if isinstance(item, Skipped):
                    importer.flush()
                    importer.skip(item, summary)
                elif isinstance(item, Relief):
                    importer.flush()
                    importer.relief(item, summary)
                else:
                    importer.add(item, summary)
                if n % 50 == 0:
                    reporter.progress(100.0 * (index + float(getattr(source, "progress", 0.0))) / len(files))
            importer.finish()
            writer.add(CITY_MODEL_SOURCES, {
                "source_file": path.display, "checksum_sha256": path.sha256(), "format": source.format,
                "horizontal_crs": source.crs.horizontal, "vertical_crs": source.crs.vertical or "",
                "crs_source": source.crs.source_text, "geoid_model": source.crs.geoid_model or "",
                "object_count": summary.objects,
                "skipped_count": summary.skipped, "imported_at": imported_at, "geotwin_version": __version__})
            result.sources.append(summary)
            reporter.progress(100.0 * (index + 1) / len(files))
        reporter.check()
    if len(verticals) > 1:
        reporter.warning("the sources use different vertical CRSs ("
                         + ", ".join(sorted(v or "unknown" for v in verticals))
                         + "); their heights are not directly comparable")
    result.vertical_crs = next(iter(verticals)) if len(verticals) == 1 else None
    reporter.info(f"imported {result.buildings} buildings and {result.parts} building parts, "
                  f"{result.surfaces} surfaces, {result.triangles} terrain triangles, {result.skipped} skipped, "
                  f"{result.not_imported} objects of other types not imported, "
                  f"from {len(files)} files, into {result.output}")
    return result
