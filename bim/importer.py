"""Import one IFC file into a GeoPackage: elements, rooms, storeys, buildings and the georeferencing report."""
from __future__ import annotations

import contextlib
import itertools
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

from ..twin.kernel import gpkg
from ..twin.kernel.errors import InputError
from ..twin.kernel.gpkg import GpkgWriter, Row, gpkg_output
from ..twin.kernel.progress import Reporter, Stage
from ..twin.kernel.schema.bim import BIM_BUILDINGS, BIM_ELEMENTS, BIM_LAYERS, BIM_SPACES, BIM_STOREYS, GEOREF_REPORT
from . import attributes, geometry, georef
from .fit import fit_outline
from .reader import MAX_IFC_BYTES, import_products, open_ifc
from .workers import Triangulation

if TYPE_CHECKING:
    import ifcopenshell
    from shapely.geometry.base import BaseGeometry

Array = npt.NDArray[np.float64]
Entity: TypeAlias = "ifcopenshell.entity_instance"
_T = TypeVar("_T")
Units = tuple[float, float, float]   # the project's length, area and volume units in m, m², m³

OUTLINE_CLASSES = ("IfcWall", "IfcColumn", "IfcCurtainWall")
FLOOR_CLASSES = ("IfcSlab",)


@dataclass
class ImportOptions:
    georeferencing: str = georef.AUTO
    target_crs: str = "EPSG:25832"
    manual: tuple[float, float, float, float] | None = None   # easting, northing, height, rotation (deg)
    footprints: list[tuple[str, BaseGeometry]] = field(default_factory=list)  # (id, polygon in target CRS)
    footprint_id: str | None = None
    fit_height: float | None = None
    processes: int = 1    # geometry worker processes (bim/workers.py); 0 triangulates in the import's thread
    max_bytes: int = MAX_IFC_BYTES   # larger .ifc files (or .ifczip contents) are refused


@dataclass
class ImportResult:
    elements: int
    spaces: int
    storeys: int
    buildings: int
    skipped: list[tuple[str, str]]
    placement: georef.Placement


SPACE, OUTLINE, FLOOR, OTHER = "space", "outline", "floor", "other"
BATCH = 500   # meshes triangulated, then transformed and written together


@dataclass
class _Item:
    """What the import keeps of one triangulated product until it is written."""

    product: Entity
    kind: str                      # SPACE, OUTLINE (walls, columns), FLOOR (slabs) or OTHER
    mesh: geometry.Mesh | None      # dropped (None) once the item's row is written
    plan: Array | None = None       # (k, 3, 2) plan triangles, IFC world metres (all kinds but OTHER)
    hull: BaseGeometry | None = None  # OTHER: the plan's convex hull (shapely), the outline of last resort
    z_min: float = 0.0
    z_max: float = 0.0

    @property
    def live_mesh(self) -> geometry.Mesh:
        """The mesh of an item whose row is not written yet."""
        assert self.mesh is not None, "an item's mesh is dropped only once its row is written"
        return self.mesh


class _Kinds:
    """The _Item kind of a product, decided once per IFC class."""

    def __init__(self) -> None:
        self._by_class: dict[str, str] = {}

    def of(self, product: Entity) -> str:
        name = product.is_a()
        if name not in self._by_class:
            self._by_class[name] = (SPACE if product.is_a("IfcSpace")
                                    else OUTLINE if any(product.is_a(c) for c in OUTLINE_CLASSES)
                                    else FLOOR if any(product.is_a(c) for c in FLOOR_CLASSES) else OTHER)
        return self._by_class[name]


def _without_geometry(items: list[_Item], products: list[Entity],
                      skipped: set[str]) -> list[tuple[Entity, list[int]]]:
    """Products that got no mesh of their own (aggregates such as a window of plates or a roof of slabs,
    axis-only or data-only elements), with the ids of their meshed parts. They get a row without geometry;
    parts keep their own geometry and name the aggregate, so no geometry is stored twice."""
    meshed = {i.product.id() for i in items}
    return [(p, [q.id() for q in _parts(p) if q.id() in meshed]) for p in products
            if p.id() not in meshed and p.GlobalId not in skipped]


def _parts(product: Entity) -> list[Entity]:
    """The aggregated parts of an element (IfcRelAggregates), recursively; not the elements filling its voids."""
    import ifcopenshell.util.element as ue

    out: list[Entity] = []
    todo = list(ue.get_parts(product) or ())
    while todo:
        part = todo.pop()
        out.append(part)
        todo.extend(ue.get_parts(part) or ())
    return out


def _outline(items: list[_Item], elevations: dict[int, float], building: Entity | None,
             hierarchy: attributes.Hierarchy) -> BaseGeometry | None:
    """The building's (or facility's, see ``Hierarchy.facility_of``) ground outline (IFC world metres):
    walls/columns of its ground storey, else all its walls, slabs..., else the convex hulls of its other
    elements (pipes, earthworks, courses), holes filled. ``building`` None: of all items."""
    import shapely

    mine = [i for i in items if i.kind != SPACE
            and (building is None or hierarchy.facility_of(i.product) == building)]
    own = [i for i in mine if i.plan is not None]
    if not own:
        hulls = [i.hull for i in mine if i.hull is not None]
        if not hulls:
            return None
        union = shapely.union_all(hulls)
        parts = [shapely.Polygon(p.exterior) for p in getattr(union, "geoms", [union]) if p.geom_type == "Polygon"]
        return shapely.union_all(parts) if parts else None
    by_storey: dict[int | None, list[_Item]] = {}
    for item in own:
        storey = hierarchy.parent_of(item.product, "IfcBuildingStorey")
        by_storey.setdefault(storey.id() if storey else None, []).append(item)
    walls = {k: [i for i in v if i.kind == OUTLINE] for k, v in by_storey.items()}
    candidates = [k for k, v in walls.items() if v and k in elevations]
    if candidates:
        ground = min(candidates, key=lambda k: abs(elevations[k]))
        chosen = walls[ground]
    else:
        chosen = [i for v in walls.values() for i in v] or own
    if not chosen:
        return None
    union = geometry.union_of_triangles([i.plan for i in chosen if i.plan is not None], grid_size=1e-4)
    if union is None:
        return None
    parts = [shapely.Polygon(p.exterior) for p in getattr(union, "geoms", [union]) if p.geom_type == "Polygon"]
    parts = [p for p in parts if p.area > 0.01]
    if not parts:
        return None
    return shapely.union_all(parts)


def storey_elevations(model: ifcopenshell.file, unit_m: float) -> dict[int, float]:
    """Find each storey's height in IFC world metres: its placement, else its Elevation attribute.

    Args:
        model: the IFC model.
        unit_m: the project's length unit in metres.

    Returns:
        storey id -> height in metres.

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> storey = ifcopenshell.api.root.create_entity(model, ifc_class="IfcBuildingStorey")
        >>> storey.Elevation = 3500.0   # no placement: the attribute, in millimetres
        >>> storey_elevations(model, unit_m=0.001) == {storey.id(): 3.5}
        True
    """
    import ifcopenshell.util.placement

    out: dict[int, float] = {}
    for storey in model.by_type("IfcBuildingStorey"):
        if storey.ObjectPlacement is not None:
            matrix = ifcopenshell.util.placement.get_local_placement(storey.ObjectPlacement)
            out[storey.id()] = float(matrix[2, 3]) * unit_m
        else:
            out[storey.id()] = float(storey.Elevation or 0.0) * unit_m
    return out


def _polygon_z(poly2d: BaseGeometry, placement: georef.Placement, z_local: float) -> list[BaseGeometry]:
    """A 2D IFC-world polygon/multipolygon as target-CRS polygons at height z_local."""
    import shapely

    def ring(coords: npt.ArrayLike) -> Array:
        xy = np.asarray(coords)[:, :2]
        return placement.apply(np.column_stack([xy, np.full(len(xy), z_local)]))

    def poly(p: BaseGeometry) -> BaseGeometry:
        return shapely.Polygon(ring(p.exterior.coords), [ring(h.coords) for h in p.interiors])

    polys = [poly(p) for p in getattr(poly2d, "geoms", [poly2d]) if p.geom_type == "Polygon"]
    return polys


def _choose_footprint(options: ImportOptions, approx_xy: Array | None) -> tuple[str, BaseGeometry]:
    import shapely

    footprints = options.footprints
    if not footprints:
        raise InputError("fit to footprint needs a FOOTPRINTS layer with at least one polygon")
    if options.footprint_id:
        chosen = [f for f in footprints if str(f[0]) == str(options.footprint_id)]
        if not chosen:
            raise InputError(f"no footprint has the id {options.footprint_id!r}")
        return chosen[0]
    if len(footprints) == 1:
        return footprints[0]
    if approx_xy is None:
        raise InputError(f"{len(footprints)} footprints and the IFC has no approximate position: set FOOTPRINT_ID")
    point = shapely.Point(approx_xy)
    return min(footprints, key=lambda f: f[1].distance(point))


def _fit_placement(model: ifcopenshell.file, items: list[_Item], elevations: dict[int, float],
                   options: ImportOptions, warnings: list[str],
                   hierarchy: attributes.Hierarchy) -> georef.Placement:
    outline = _outline(items, elevations, None, hierarchy)
    if outline is None:
        raise InputError("the IFC has no walls, columns or slabs to derive a ground outline for the fit")
    approx = None
    approx_warnings: list[str] = []
    try:
        approx = georef.resolve(model, georef.AUTO, options.target_crs, warnings=approx_warnings)
    except InputError:
        approx = None
    centroid = np.array(outline.centroid.coords[0])
    approx_xy = approx.apply(np.array([[*centroid, 0.0]]))[0, :2] if approx is not None else None
    footprint_id, footprint = _choose_footprint(options, approx_xy)
    similarity = fit_outline(outline, footprint, prior_rotation_deg=approx.rotation_deg if approx else None)
    if similarity.alternatives_deg:
        others = ", ".join(f"{a:.2f}°" for a in similarity.alternatives_deg)
        warnings.append(f"fit: the outline is symmetric, rotations {others} fit as well; "
                        f"chose {similarity.rotation_deg:.2f}°"
                        + (" (nearest the IFC's own orientation)" if approx else ""))
    ground_local = min((i.z_min for i in items), default=0.0)
    height = options.fit_height
    coords_z = np.asarray(footprint.exterior.coords if footprint.geom_type == "Polygon"
                          else max(footprint.geoms, key=lambda g: g.area).exterior.coords)
    if height is None and coords_z.shape[1] == 3 and np.isfinite(coords_z[:, 2]).all():
        height = float(coords_z[:, 2].min())
    if height is None and approx is not None:
        height = float(approx.apply(np.array([[0.0, 0.0, ground_local]]))[0, 2])
        warnings.append(f"fit: ground height {height:.3f} m from the IFC's own {approx.method} georeferencing")
    if height is None:
        height = 0.0
        warnings.append("fit: no height given and none in the footprint or the IFC: the ground is at 0 m")
    matrix = np.eye(4)
    m2 = similarity.matrix2d()
    matrix[:2, :2], matrix[:2, 3] = m2[:2, :2], m2[:2, 2]
    matrix[2, 3] = height - ground_local
    if abs(similarity.scale - 1.0) > 0.01:
        warnings.append(f"fit: scale {similarity.scale:.4f} differs from 1 by more than 1 %: the outline and the "
                        "footprint may not describe the same building")
    warnings.append(f"fit to footprint {footprint_id}: RMS residual {similarity.residual_m:.3f} m, "
                    f"max deviation {similarity.max_deviation_m:.3f} m")
    return georef.Placement(
        method=georef.FIT, target_crs=options.target_crs, matrix=matrix, source_crs=options.target_crs,
        vertical_datum="footprint height" if options.fit_height is None else "given height",
        eastings=float(m2[0, 2]), northings=float(m2[1, 2]), orthogonal_height=height,
        rotation_deg=similarity.rotation_deg, scale=similarity.scale, residual_m=similarity.residual_m,
        expected_accuracy_m=max(similarity.residual_m, similarity.max_deviation_m), warnings=warnings,
        parameters={"footprint_id": footprint_id, "max_deviation_m": similarity.max_deviation_m,
                    "approximate_method": approx.method if approx else None},
    )


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Name the file in input errors raised without one."""
    try:
        yield
    except InputError as err:
        if err.path:
            raise
        raise InputError(str(err), path=str(path), obj=err.obj) from None


def import_ifc(path: str | os.PathLike[str], output: str | os.PathLike[str], options: ImportOptions,
               reporter: Reporter | None = None) -> ImportResult:
    """Import one IFC file into a GeoPackage: ``bim_elements``, ``bim_spaces``, ``bim_storeys``, ``bim_buildings``
    and the ``georef_report``; the GeoPackage appears only when everything succeeded.

    The geometry workers start first and read the file while the import reads it too. Elements that cannot be
    triangulated are skipped and listed; elements without geometry of their own are written without it.

    Args:
        path: the .ifc or .ifczip.
        output: the GeoPackage to write.
        options: the georeferencing method, target CRS, manual placement or footprints, worker processes.
        reporter: receives progress and warnings.

    Returns:
        The ImportResult: elements, rooms, storeys, buildings written, the skipped, the placement.

    Raises:
        InputError: an unusable file or georeferencing, no product with geometry, or a placement outside the
            target CRS's area of use (naming the file).

    Example:
        >>> import tempfile, ifcopenshell, ifcopenshell.api.root, ifcopenshell.api.unit, ifcopenshell.api.context
        >>> import ifcopenshell.api.geometry, ifcopenshell.api.aggregate, ifcopenshell.api.spatial
        >>> from pathlib import Path
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> project = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject")
        >>> metre = ifcopenshell.api.unit.add_si_unit(model, unit_type="LENGTHUNIT")
        >>> _ = ifcopenshell.api.unit.assign_unit(model, units=[metre])
        >>> body = ifcopenshell.api.context.add_context(model, context_type="Model", context_identifier="Body",
        ...     target_view="MODEL_VIEW", parent=ifcopenshell.api.context.add_context(model, context_type="Model"))
        >>> site, building, storey = (ifcopenshell.api.root.create_entity(model, ifc_class=c)
        ...                           for c in ("IfcSite", "IfcBuilding", "IfcBuildingStorey"))
        >>> for parent, child in ((project, site), (site, building), (building, storey)):
        ...     _ = ifcopenshell.api.aggregate.assign_object(model, relating_object=parent, products=[child])
        >>> wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall", name="Wand 1")
        >>> _ = ifcopenshell.api.spatial.assign_container(model, relating_structure=storey, products=[wall])
        >>> _ = ifcopenshell.api.geometry.edit_object_placement(model, product=wall)
        >>> ifcopenshell.api.geometry.assign_representation(model, product=wall, representation=
        ...     ifcopenshell.api.geometry.add_wall_representation(model, context=body, length=5.0, height=3.0,
        ...                                                       thickness=0.25))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     model.write(str(Path(tmp) / "school.ifc"))
        ...     options = ImportOptions(georeferencing="manual", manual=(456500.0, 5429500.0, 115.0, 0.0), processes=0)
        ...     result = import_ifc(Path(tmp) / "school.ifc", Path(tmp) / "school.gpkg", options)
        ...     rows = gpkg.read_table(Path(tmp) / "school.gpkg", "bim_elements", columns=["name", "z_min", "z_max"])
        >>> result.elements, result.storeys, result.buildings, result.placement.method
        (1, 1, 1, 'manual')
        >>> rows[1], rows[2][0].bounds   # placed at (456500, 5429500), 115 m
        ([('Wand 1', 115.0, 118.0)], (456500.0, 5429500.0, 456505.0, 5429500.25))
    """
    path = Path(path)
    with Triangulation(path, options.processes, max_bytes=options.max_bytes) as triangulation:
        return _import(path, output, options, reporter or Reporter(), triangulation)


class _Warnings(list[str]):
    """The import's warnings: each is sent to the reporter (``<file>: <message>``) as it is added, and kept
    (the placement and the georef report hold them)."""

    def __init__(self, reporter: Reporter, source: str) -> None:
        super().__init__()
        self._reporter = reporter
        self._source = source

    def append(self, message: str) -> None:
        super().append(message)
        self._reporter.warning(f"{self._source}: {message}")

    def extend(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.append(message)


def _import(path: Path, output: str | os.PathLike[str], options: ImportOptions, reporter: Reporter,
            triangulation: Triangulation) -> ImportResult:
    source = path.name
    warnings = _Warnings(reporter, source)
    reporter.info(f"reading {path}")
    gpkg.preload()
    model = open_ifc(path, warnings, max_bytes=options.max_bytes)
    reporter.check()
    units = _units(model)
    placement = _given_placement(model, path, options, warnings, reporter)
    storeys = {s.id(): s for s in model.by_type("IfcBuildingStorey")}
    elevations = storey_elevations(model, units[0])
    products = import_products(model)
    reporter.info(f"triangulating {len(products)} elements and rooms")
    skipped: list[tuple[str, str]] = []
    with gpkg_output(output, _crs_text(options.target_crs), batch_size=2000) as writer:
        for spec in BIM_LAYERS:
            writer.ensure_layer(spec)
        rows = _Rows(model, writer, source, units, elevations)
        rows.placement = placement
        items, unwritten = _triangulate(triangulation, model, products, rows, skipped, reporter)
        if not items:
            with _naming(path):
                raise InputError(_no_geometry(products, skipped))
        if rows.placement is None:   # a fit: placed once every item is known
            with _naming(path):
                rows.placement = _fit_placement(model, items, elevations, options, warnings, rows.hierarchy)
        placement = rows.placement
        _write_remaining(rows, unwritten, path, placement, reporter)
        _write_bare(rows, items, products, skipped, reporter)
        _write_storeys(writer, items, storeys, elevations, placement, source, rows.hierarchy)
        n_buildings = _write_buildings(writer, model, items, elevations, placement, rows.building_z, source,
                                       rows.hierarchy)
        writer.add(GEOREF_REPORT, _report_row(model, source, options, placement, rows.counts, skipped))
        reporter.check()
    reporter.progress(100)
    return ImportResult(rows.counts["elements"], rows.counts["spaces"], len(storeys), n_buildings, skipped, placement)


def _units(model: ifcopenshell.file) -> Units:
    """The project's length, area and volume units in m, m², m³."""
    import ifcopenshell.util.unit as unit

    return (georef.project_unit_m(model), float(unit.calculate_unit_scale(model, "AREAUNIT")),
            float(unit.calculate_unit_scale(model, "VOLUMEUNIT")))


def _given_placement(model: ifcopenshell.file, path: Path, options: ImportOptions, warnings: _Warnings,
                     reporter: Reporter) -> georef.Placement | None:
    """The placement the file or the options give; None for a fit to footprint (decided after triangulation)."""
    placement = None
    if options.georeferencing != georef.FIT:
        with _naming(path):
            try:
                placement = georef.resolve(model, options.georeferencing, options.target_crs,
                                           manual=options.manual, warnings=warnings)
            except georef.NoGeoreferencing:
                if not options.footprints:
                    raise
                warnings.append("the file carries no georeferencing: fitted to the given footprints")
        if placement is not None:
            reporter.info(f"georeferencing: {placement.method} ({placement.source_crs} -> {options.target_crs})")
    return placement


def _crs_text(target_crs: str) -> str:
    """The horizontal target CRS as the GeoPackage takes it: ``EPSG:n`` or WKT."""
    crs = georef.target_horizontal(target_crs)
    return f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.to_wkt()


def _triangulate(triangulation: Triangulation, model: ifcopenshell.file, products: list[Entity],
                 rows: _Rows, skipped: list[tuple[str, str]], reporter: Reporter) -> tuple[list[_Item], list[_Item]]:
    """Every product's mesh as an _Item, with its plan triangles or hull; the rows are written as the meshes
    arrive when the placement is known. Returns (all items, items whose rows wait for the placement)."""
    items: list[_Item] = []
    kinds = _Kinds()
    planned_facilities: set[Entity | None] = set()
    unwritten: list[_Item] = []   # triangulated items whose rows wait for the placement (a fit needs them all)
    meshes = triangulation.results(model, products, Stage(reporter, 0, 85))
    for batch in _batched(meshes, BATCH):
        ready: list[_Item] = []
        for result in batch:
            product = model.by_id(result.product_id)
            if isinstance(result, geometry.Failure):
                skipped.append((product.GlobalId, f"{product.is_a()}: {result.reason}"))
                reporter.warning(f"{rows.source}: skipped {product.is_a()} {product.GlobalId} "
                                 f"({product.Name or ''}): {result.reason}")
                continue
            z = result.verts[:, 2]
            ready.append(_Item(product, kinds.of(product), result, z_min=float(z.min()), z_max=float(z.max())))
        _plan(ready, rows.hierarchy, planned_facilities)
        items.extend(ready)
        unwritten.extend(ready)
        if rows.placement is not None:   # streamed: the meshes are dropped once written
            rows.write(unwritten)
            unwritten = []
    return items, unwritten


def _plan(ready: list[_Item], hierarchy: attributes.Hierarchy,
          planned_facilities: set[Entity | None]) -> None:
    """The plan triangles of rooms, walls and slabs; the convex hull of other elements, but only where no wall
    or slab of the same facility has given a plan yet (memory: one polygon per pipe of a large MEP model would
    otherwise be kept to the end)."""
    planned = [i for i in ready if i.kind != OTHER]
    for item, plan in zip(planned, geometry.plan_triangles([i.live_mesh for i in planned])):
        item.plan = plan
    for item in planned:
        if item.kind != SPACE and item.plan is not None:
            planned_facilities.add(hierarchy.facility_of(item.product))
    others = [i for i in ready if i.kind == OTHER and hierarchy.facility_of(i.product) not in planned_facilities]
    for item, hull in zip(others, geometry.plan_hulls([i.live_mesh for i in others])):
        item.hull = hull


def _write_remaining(rows: _Rows, unwritten: list[_Item], path: Path, placement: georef.Placement,
                     reporter: Reporter) -> None:
    """The rows that waited for a fit's placement; then the area check of the placed model."""
    for batch in _batched(unwritten, BATCH):
        reporter.check()
        rows.write(batch)
    rows.flush()
    with _naming(path):
        rows.check_area(placement)
    reporter.progress(90)


def _write_bare(rows: _Rows, items: list[_Item], products: list[Entity],
                skipped: list[tuple[str, str]], reporter: Reporter) -> None:
    """Rows without geometry for the products that got no mesh of their own; the unnamed sets warning."""
    bare = _without_geometry(items, products, {gid for gid, _ in skipped})
    for product, parts in bare:
        reporter.check()
        rows.write_without_geometry(product, parts)
    if bare:
        reporter.info(f"{len(bare)} elements without 3D geometry of their own (aggregates whose parts carry it, "
                      "axis or data only) were written without geometry")
    unnamed_sets, unnamed_props = rows.typed.unnamed_counts()
    if unnamed_sets or unnamed_props:
        reporter.warning(f"{rows.source}: {unnamed_sets} property/quantity sets and {unnamed_props} properties/"
                         f"quantities without a Name were kept as {attributes.UNNAMED_SET.format('<id>')} and "
                         f"{attributes.UNNAMED_PROPERTY.format('<id>')}")


def _no_geometry(products: list[Entity], skipped: list[tuple[str, str]]) -> str:
    """Why an import that triangulated nothing is refused: no product at all, none with a body, or all failed."""
    if skipped:
        return (f"the file holds no product with geometry that could be triangulated: all {len(skipped)} products "
                f"with a body failed (e.g. {skipped[0][0]}: {skipped[0][1]})")
    if products:
        return (f"the file holds no product with geometry: its {len(products)} elements and rooms have no 3D "
                "body (only axes, footprints or data)")
    return "the file holds no product with geometry (no element and no room)"


class _Rows:
    """Writes element and room rows as their meshes arrive, keeping only heights and footprints."""

    BATCH = 1000   # element rows whose geometries are built together

    def __init__(self, model: ifcopenshell.file, writer: GpkgWriter, source: str, units: Units,
                 elevations: dict[int, float]) -> None:
        self.writer, self.source, self.units, self.elevations = writer, source, units, elevations
        self.counts = {"elements": 0, "spaces": 0}
        self.building_z: dict[int, list[float]] = {}
        self.z_range: dict[int, tuple[float, float]] = {}
        self.placement: georef.Placement | None = None
        self.bbox: tuple[tuple[Array, Array], tuple[Array, Array]] | None = None  # local, placed
        self.hierarchy = attributes.Hierarchy(model)
        self.typed = attributes.TypedAttributes(model)
        self._pending: list[tuple[Row, Array, npt.NDArray[np.int64]]] = []
        self._containers: dict[tuple[int, int], Row] = {}

    def write(self, items: list[_Item]) -> None:
        """Write the items' rows, placed by ``self.placement`` (decided before any row is written); their
        vertices are transformed in one call."""
        if not items:
            return
        placement = self.placement
        assert placement is not None, "rows are written only once the placement is decided"
        sizes = [len(i.live_mesh.verts) for i in items]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        local = np.concatenate([i.live_mesh.verts for i in items])
        xyz_all = placement.apply(local)
        self._extend_bbox(local, xyz_all)
        z_min = np.minimum.reduceat(xyz_all[:, 2], starts)
        z_max = np.maximum.reduceat(xyz_all[:, 2], starts)
        for n, item in enumerate(items):
            xyz = xyz_all[starts[n]:starts[n] + sizes[n]]
            self._write_one(item, xyz, (float(z_min[n]), float(z_max[n])), placement)
        if len(self._pending) >= self.BATCH:
            self.flush()

    def _extend_bbox(self, local: Array, placed: Array) -> None:
        boxes = [(local.min(axis=0), local.max(axis=0)), (placed.min(axis=0), placed.max(axis=0))]
        if self.bbox is not None:
            boxes = [(np.minimum(a[0], b[0]), np.maximum(a[1], b[1])) for a, b in zip(self.bbox, boxes)]
        self.bbox = (boxes[0], boxes[1])

    def check_area(self, placement: georef.Placement) -> None:
        """Refuse the import when the placed model (its origin, without geometry) leaves the target CRS's area."""
        if self.bbox is None:
            origin = np.zeros((1, 3))
            placed = placement.apply(origin)
            self.bbox = ((origin[0], origin[0]), (placed[0], placed[0]))
        georef.check_model_area(placement, *self.bbox)

    def _write_one(self, item: _Item, xyz: Array, z_range: tuple[float, float],
                   placement: georef.Placement) -> None:
        product = item.product
        storey, building = self.hierarchy.storey_and_building(product)
        building = building or self.hierarchy.facility_of(product)
        psets = self.typed.property_sets(product)
        if building is not None:
            zs = self.building_z.setdefault(building.id(), [math.inf, -math.inf])
            zs[0], zs[1] = min(zs[0], z_range[0]), max(zs[1], z_range[1])
        if item.kind == SPACE:
            _write_space(self.writer, item, z_range[0], psets, storey, building, placement, self.source, self.units,
                         self.elevations)
            self.counts["spaces"] += 1
        else:
            self.z_range[product.id()] = z_range
            row = _element_row(self.typed, self.hierarchy, product, self._container(storey, building), psets,
                               z_range, self.source, *self.units[1:])
            self._pending.append((row, xyz, item.live_mesh.faces))
            self.counts["elements"] += 1
        item.mesh = None

    def _container(self, storey: Entity | None, building: Entity | None) -> Row:
        """The storey and building columns of an element row, read once per storey."""
        key = (storey.id() if storey else 0, building.id() if building else 0)
        if key not in self._containers:
            self._containers[key] = {
                "storey": storey.Name if storey else None, "storey_global_id": storey.GlobalId if storey else None,
                "building_global_id": building.GlobalId if building else None}
        return self._containers[key]

    def flush(self) -> None:
        """Write the queued element rows, their triangles turned into geometries in one call."""
        if self._pending:
            shapes = geometry.triangle_wkb([(xyz, faces) for _, xyz, faces in self._pending])
            for (row, _, _), shape in zip(self._pending, shapes):
                self.writer.add(BIM_ELEMENTS, row, shape)
            self._pending = []

    def write_without_geometry(self, product: Entity, parts: list[int]) -> None:
        psets = self.typed.property_sets(product)
        storey = self.hierarchy.parent_of(product, "IfcBuildingStorey")
        building = self.hierarchy.facility_of(product)
        if product.is_a("IfcSpace"):
            _write_space(self.writer, _Item(product, SPACE, None), None, psets, storey, building, self.placement,
                         self.source, self.units, self.elevations)
            self.counts["spaces"] += 1
            return
        ranges = [self.z_range[i] for i in parts]
        zs = (min(r[0] for r in ranges), max(r[1] for r in ranges)) if ranges else (None, None)
        row = _element_row(self.typed, self.hierarchy, product, self._container(storey, building), psets, zs,
                           self.source, *self.units[1:])
        row["parts"] = len(parts)
        self.writer.add(BIM_ELEMENTS, row, None)
        self.counts["elements"] += 1


def _element_row(typed: attributes.TypedAttributes, hierarchy: attributes.Hierarchy, product: Entity, container: Row,
                 psets: dict[str, dict[str, Any]], z_range: tuple[float, float] | tuple[None, None], source: str,
                 area_m2: float, volume_m3: float) -> Row:
    aggregate = hierarchy.aggregate_of(product)
    return {
        "global_id": product.GlobalId, "ifc_class": product.is_a(),
        "predefined_type": typed.predefined_type(product), "name": product.Name,
        "object_type": getattr(product, "ObjectType", None), "tag": getattr(product, "Tag", None),
        **container,
        "aggregate_global_id": aggregate.GlobalId if aggregate is not None and aggregate.is_a("IfcElement") else None,
        "parts": 0, "material": typed.material_names(product) or None,
        "z_min": z_range[0], "z_max": z_range[1], "psets": psets, "source_file": source,
        **attributes.common_attributes(psets, area_m2, volume_m3),
    }


def _write_space(writer: GpkgWriter, item: _Item, z_floor: float | None, psets: dict[str, dict[str, Any]],
                 storey: Entity | None, building: Entity | None, placement: georef.Placement | None, source: str,
                 units: Units, elevations: dict[int, float]) -> None:
    """One room row; ``z_floor`` is its lowest point in the target datum (None without geometry)."""
    length_m, area_m2, volume_m3 = units
    product = item.product
    quantities = attributes.space_quantities(psets, length_m, area_m2, volume_m3)
    floor = geometry.union_of_triangles([item.plan]) if item.plan is not None else None
    if floor is not None and floor.geom_type != "Polygon":
        floor = max(floor.geoms, key=lambda g: g.area)
    geometry2 = (_polygon_z(floor, placement, item.z_min)[0]   # a floor only for a placed, triangulated room
                 if floor is not None and placement is not None else None)
    area = quantities["area"]
    row = {
        "global_id": product.GlobalId, "name": product.Name, "long_name": product.LongName,
        "number": quantities["reference"] or product.Name,
        "storey": storey.Name if storey else None, "storey_global_id": storey.GlobalId if storey else None,
        "storey_elevation": _target_height(placement, elevations[storey.id()]) if storey and placement else None,
        "building_global_id": building.GlobalId if building else None, "floor_elevation": z_floor,
        "area": area if area is not None else attributes.round_quantity(floor.area if floor is not None else None,
                                                                        attributes.AREA_DECIMALS),
        "area_source": quantities["area_source"] or ("computed" if floor is not None else None),
        "height": (quantities["height"] if quantities["height"] is not None or z_floor is None
                   else attributes.round_quantity(item.z_max - item.z_min, attributes.LENGTH_DECIMALS)),
        "volume": quantities["volume"], "psets": psets, "source_file": source,
    }
    writer.add(BIM_SPACES, row, geometry2)


def _target_height(placement: georef.Placement, z_local: float) -> float:
    return float(placement.apply(np.array([[0.0, 0.0, z_local]]))[0, 2])


def _write_storeys(writer: GpkgWriter, items: list[_Item], storeys: dict[int, Entity], elevations: dict[int, float],
                   placement: georef.Placement, source: str, hierarchy: attributes.Hierarchy) -> None:
    import shapely

    members: dict[int, list[_Item]] = {}
    for item in items:
        storey = hierarchy.parent_of(item.product, "IfcBuildingStorey")
        if storey is not None:
            members.setdefault(storey.id(), []).append(item)
    for storey_id, storey in storeys.items():
        own = members.get(storey_id, [])
        local_z = elevations[storey_id]
        union = geometry.union_of_triangles([i.plan for i in own if i.kind != SPACE and i.plan is not None],
                                            grid_size=1e-4)
        polys = _polygon_z(union, placement, local_z) if union is not None else []
        building = hierarchy.parent_of(storey, "IfcBuilding")
        writer.add(BIM_STOREYS, {
            "global_id": storey.GlobalId, "name": storey.Name, "long_name": storey.LongName,
            "building_global_id": building.GlobalId if building else None,
            "elevation": _target_height(placement, local_z), "local_elevation": local_z,
            "element_count": sum(i.kind != SPACE for i in own),
            "space_count": sum(i.kind == SPACE for i in own), "source_file": source,
        }, shapely.MultiPolygon(polys) if polys else None)


def _write_buildings(writer: GpkgWriter, model: ifcopenshell.file, items: list[_Item], elevations: dict[int, float],
                     placement: georef.Placement, building_z: dict[int, list[float]], source: str,
                     hierarchy: attributes.Hierarchy) -> int:
    """One row per IfcBuilding, and one per facility, site or project holding elements outside any building
    (infrastructure, site works, files without a building): its class is in ``ifc_class``."""
    import shapely

    buildings = list(model.by_type("IfcBuilding"))
    known = {b.id() for b in buildings}
    by_facility: dict[int, list[_Item]] = {}
    for item in items:
        facility = hierarchy.facility_of(item.product)
        if facility is not None:
            by_facility.setdefault(facility.id(), []).append(item)
            if facility.id() not in known and item.kind != SPACE:
                known.add(facility.id())
                buildings.append(facility)
    for building in buildings:
        outline = _outline(items, elevations, building if len(buildings) > 1 else None, hierarchy)
        own = by_facility.get(building.id(), [])
        z_min, z_max = building_z.get(building.id(), [None, None])
        geom = None
        if outline is not None:
            ground_local = min((i.z_min for i in own), default=0.0)
            polys = _polygon_z(outline, placement, ground_local)
            geom = shapely.MultiPolygon(polys) if polys else None
        site = building if building.is_a("IfcSite") else hierarchy.parent_of(building, "IfcSite")
        writer.add(BIM_BUILDINGS, {
            "global_id": building.GlobalId, "ifc_class": building.is_a(), "name": building.Name,
            "long_name": getattr(building, "LongName", None),
            "site_global_id": site.GlobalId if site else None, "site_name": site.Name if site else None,
            "address": (attributes.address_text(building) or None) if building.is_a("IfcBuilding") else None,
            "ground_height": z_min, "roof_height": z_max,
            "storey_count": sum(1 for s in model.by_type("IfcBuildingStorey")
                                if hierarchy.parent_of(s, "IfcBuilding") == building),
            "element_count": sum(i.kind != SPACE for i in own),
            "space_count": sum(i.kind == SPACE for i in own),
            "georef_method": placement.method, "source_file": source,
        }, geom)
    return len(buildings)


def _report_row(model: ifcopenshell.file, source: str, options: ImportOptions, placement: georef.Placement,
                counts: dict[str, int], skipped: list[tuple[str, str]]) -> Row:
    return {
        "source_file": source, "ifc_schema": model.schema_identifier, "method": placement.method,
        "requested": options.georeferencing, "source_crs": placement.source_crs,
        "target_crs": options.target_crs, "vertical_datum": placement.vertical_datum,
        "eastings": placement.eastings, "northings": placement.northings,
        "orthogonal_height": placement.orthogonal_height, "rotation_deg": placement.rotation_deg,
        "scale": placement.scale, "unit_scale": placement.unit_scale,
        "grid_convergence_deg": placement.grid_convergence_deg, "residual_m": placement.residual_m,
        "expected_accuracy_m": placement.expected_accuracy_m, "elements": counts["elements"],
        "spaces": counts["spaces"], "skipped": len(skipped),
        "skipped_ids": ", ".join(gid for gid, _ in skipped) or None,
        "warnings": "\n".join(placement.warnings) or None, "parameters": placement.parameters,
    }


def _batched(values: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """Consecutive lists of ``size`` values (the last may be shorter)."""
    iterator = iter(values)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
