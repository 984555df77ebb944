"""The buildings to tile as one table: per building its id, attribute row, LoD2 mesh, surface rows, content
digest and LoD1 block inputs, kept and filtered together; and their georeferencing into the ENU frame."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel.heights import Georeferencer
from ..kernel.progress import Reporter
from .frame import EnuFrame, bounds, georeference
from .incremental import object_digests
from .mesh import Mesh, MeshList, block_levels, lod1_footprints, lod2_meshes
from .source import BuildingBatch

CHUNK = 2000  # buildings meshed (and vertices georeferenced) at a time
FRAME_GRID = 100.0   # m: the frame's origin is snapped to it, so re-exports of a changed model share the frame


@dataclass
class BuildingTable:
    """One row per building, in id order: ``rows[i]`` is the attribute row of ``ids[i]``, ``meshes[i]`` its
    LoD2 mesh (source CRS, then ENU after ``to_enu``), ``surfaces[i]`` its rows in the surface table,
    ``digests[i]`` its content digest, ``lod1_errors[i]`` / ``lod1_levels[i]`` / ``lod1_wkb[i]`` the roof
    error, ground and roof height and the footprint (WKB, None without one) of its LoD1 block."""

    ids: list[str]
    rows: list[dict[str, Any]]
    meshes: MeshList
    surfaces: list[range]
    digests: list[str]
    lod1_errors: NDArray[Any]
    lod1_levels: NDArray[Any]
    lod1_wkb: list[bytes | None]

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, keep: list[int]) -> BuildingTable:
        """The rows ``keep`` (in that order)."""
        index = np.array(keep, dtype=np.int64)
        return BuildingTable([self.ids[i] for i in keep], [self.rows[i] for i in keep], self.meshes.select(keep),
                             [self.surfaces[i] for i in keep], [self.digests[i] for i in keep],
                             self.lod1_errors[index], self.lod1_levels[index], [self.lod1_wkb[i] for i in keep])


@dataclass
class BuildingCollector:
    """Takes the batches of buildings ``read_city_model`` hands over: each building's LoD2 mesh (source
    CRS), digest and LoD1 block inputs are taken before its polygons are dropped.

    Per building one plain tuple of arrays, strings and numbers, which the garbage collector stops tracking
    (one object per building that every full collection scanned made the export superlinear)."""

    per_surface: bool        # the surface table is needed for per-surface features only
    reporter: Reporter
    built: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def __call__(self, batch: BuildingBatch) -> None:
        self.reporter.check()
        meshes = lod2_meshes(batch.polygons, batch.offsets)
        solid = [i for i, (m, _) in enumerate(meshes) if len(Mesh(*m).triangles)]
        footprints = dict(zip(solid, lod1_footprints(batch, solid)))
        levels, errors = block_levels(batch)
        digests = object_digests(batch.rows, batch.polygons, batch.offsets, batch.footprints)
        first = batch.offsets.tolist()
        for i, (bid, (mesh, kept)) in enumerate(zip(batch.ids, meshes)):
            surfaces: tuple[dict[str, Any], ...] = ()
            if self.per_surface:
                p0 = first[i]
                surfaces = tuple({"id": batch.polygons.surface_id[p0 + k], "building_id": bid,
                                  "surface_type": batch.polygons.surface_type[p0 + k]} for k in kept)
            lod1 = (float(errors[i]), (float(levels[i, 0]), float(levels[i, 1])), footprints[i]) \
                if i in footprints else (0.0, (0.0, 0.0), None)
            self.built[bid] = (*mesh, surfaces, digests[i], *lod1, first[i + 1] - first[i] - len(kept))

    def table(self, ids: list[str], rows: list[dict[str, Any]]) -> tuple[BuildingTable, list[dict[str, Any]], int]:
        """The table of the buildings ``ids`` (with their attribute ``rows``), the surface table and the number
        of degenerate polygons left out; what was collected is released."""
        meshes = MeshList()
        surface_rows: list[range] = []
        surface_table: list[dict[str, Any]] = []
        digests: list[str] = []
        errors: list[float] = []
        levels: list[tuple[float, float]] = []
        wkb: list[bytes | None] = []
        degenerate = 0
        for bid in ids:
            *mesh, surfaces, d, error, level, footprint, dropped = self.built.pop(bid)
            degenerate += dropped
            surface_rows.append(range(len(surface_table), len(surface_table) + len(surfaces)))
            surface_table.extend(surfaces)
            meshes.append(Mesh(*mesh))
            digests.append(d)
            errors.append(error)
            levels.append(level)
            wkb.append(footprint)
        table = BuildingTable(ids, rows, meshes, surface_rows, digests, np.array(errors, np.float64),
                              np.array(levels, np.float64).reshape(-1, 2), wkb)
        return table, surface_table, degenerate


@dataclass(frozen=True)
class Placement:
    """The ENU frame of the export and every building's ENU bounds."""

    frame: EnuFrame
    frame_origin: list[float]
    lo: NDArray[Any]
    hi: NDArray[Any]

    @property
    def centres(self) -> NDArray[Any]:
        result: NDArray[Any] = (self.lo + self.hi) / 2
        return result


def _present(arrays: list[NDArray[Any] | None]) -> list[NDArray[Any]]:
    """``arrays``, none of which may have been freed."""
    assert all(a is not None for a in arrays), "a mesh was freed before it was georeferenced"
    return [a for a in arrays if a is not None]


def frame_origin_of(src_lo: NDArray[Any], src_hi: NDArray[Any]) -> list[float]:
    """Choose the ENU frame's origin (source CRS) for vertices spanning ``src_lo``..``src_hi``.

    The centre is snapped to ``FRAME_GRID`` at the lowest height (rounded down to the metre), so re-exports of a
    changed model share the frame.

    Args:
        src_lo: the lowest x, y, z of the vertices.
        src_hi: the highest x, y, z.

    Returns:
        [x, y, z] of the origin.

    Example:
        >>> frame_origin_of(np.array([456012.3, 5429001.0, 112.7]), np.array([456390.0, 5429380.0, 140.0]))
        [456200.0, 5429200.0, 112.0]
    """
    src_centre = np.round((src_lo + src_hi) / 2 / FRAME_GRID) * FRAME_GRID
    return [float(src_centre[0]), float(src_centre[1]), float(np.floor(src_lo[2]))]


def to_enu(meshes: MeshList, geo: Georeferencer, frame_origin: list[float] | None = None) -> Placement:
    """Place meshes in one ENU frame: the frame from the extent of all vertices, then the vertices into it.

    The frame's origin is snapped to ``FRAME_GRID`` (or ``frame_origin`` when given, e.g. a partition of a larger
    export). The vertices are converted a chunk at a time, each mesh getting its own buffer (freed once its tile
    is written); ``meshes`` is changed in place.

    Args:
        meshes: the meshes, vertices in the source CRS.
        geo: the source CRS's georeferencer.
        frame_origin: the frame's origin in the source CRS, or None to derive it.

    Returns:
        The Placement: the frame, its origin and every mesh's ENU bounds.

    Example:
        >>> from geotwin.twin.kernel.heights import resolve_height_model
        >>> model = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> geo = Georeferencer("EPSG:25832", model)
        >>> xyz = np.array([[456300.0, 5428500.0, 115.0], [456400.0, 5428500.0, 115.0], [456300.0, 5428500.0, 125.0]])
        >>> mesh = Mesh(xyz, np.array([[0, 1, 2]]), np.zeros(3, np.int64), 1)
        >>> meshes = MeshList()
        >>> meshes.append(mesh)
        >>> placement = to_enu(meshes, geo)
        >>> placement.frame_origin, placement.lo.round(2).tolist(), placement.hi.round(2).tolist()
        ([456400.0, 5428500.0, 115.0], [[-100.04, -0.79, -0.0]], [[0.0, 0.0, 10.0]])
    """
    if frame_origin is None:
        src_lo, src_hi = np.full(3, np.inf), np.full(3, -np.inf)
        for start in range(0, len(meshes), CHUNK):
            src: NDArray[Any] = np.concatenate(_present(meshes.vertices[start:start + CHUNK]))
            a, b = bounds(src)
            src_lo, src_hi = np.minimum(src_lo, a), np.maximum(src_hi, b)
        frame_origin = frame_origin_of(src_lo, src_hi)
    frame = EnuFrame(geo.to_ecef([frame_origin[0]], [frame_origin[1]], [frame_origin[2]])[0])
    lo, hi = np.empty((len(meshes), 3)), np.empty((len(meshes), 3))
    for start in range(0, len(meshes), CHUNK):
        part = _present(meshes.vertices[start:start + CHUNK])
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
    return Placement(frame, frame_origin, lo, hi)


def meshes_to_enu(meshes: list[Mesh], frame: EnuFrame, geo: Georeferencer) -> list[Mesh]:
    """Georeference the meshes' source vertices into the ENU frame (one transformation for all).

    Args:
        meshes: the meshes, vertices in the source CRS.
        frame: the ENU frame.
        geo: the source CRS's georeferencer.

    Returns:
        New meshes with ENU vertices (triangles and polygons unchanged).

    Example:
        >>> from geotwin.twin.kernel.heights import resolve_height_model
        >>> model = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> geo = Georeferencer("EPSG:25832", model)
        >>> xyz = np.array([[456300.0, 5428500.0, 115.0], [456400.0, 5428500.0, 115.0], [456300.0, 5428500.0, 125.0]])
        >>> mesh = Mesh(xyz, np.array([[0, 1, 2]]), np.zeros(3, np.int64), 1)
        >>> frame = EnuFrame(geo.to_ecef([456300.0], [5428500.0], [115.0])[0])
        >>> out = meshes_to_enu([mesh, mesh], frame, geo)
        >>> len(out), out[1].vertices.round(3).tolist(), out[1].triangles.tolist()
        (2, [[0.0, 0.0, 0.0], [100.037, 0.788, -0.001], [-0.0, -0.0, 10.0]], [[0, 1, 2]])
    """
    enu = georeference(geo, frame, np.concatenate([m.vertices for m in meshes]))
    ends = np.cumsum([len(m.vertices) for m in meshes]).tolist()
    return [m._replace(vertices=enu[e - len(m.vertices):e]) for m, e in zip(meshes, ends)]
