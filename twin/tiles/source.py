"""Read the city model layers of a GeoTwin GeoPackage for tiling: buildings, their surfaces, CRS."""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..kernel import gpkg
from ..kernel.errors import InputError
from ..kernel.progress import Reporter
from ..kernel.schema import BUILDING_SURFACES, BUILDINGS, FOOTPRINTS, SOURCES
from .polygons import PolygonSet

if TYPE_CHECKING:
    from ..store.base import StoreReader


READ_CHUNK = 10_000  # rows (surfaces, building geometries) read and decoded at a time


def row_id(row: dict[str, Any]) -> str:
    """Give a building row's id as text ("" when it has none).

    Args:
        row: an attribute row.

    Returns:
        The id, or "".

    Example:
        >>> row_id({"id": "DEBW_KA_0000001"}), row_id({"id": None}), row_id({})
        ('DEBW_KA_0000001', '', '')
    """
    return str(row.get("id") or "")


@dataclass
class BuildingBatch:
    """Buildings (or parts) whose polygons are complete: their ids, attribute rows, the WKB of their footprints
    and their outer polygons (source CRS), those of building i being ``polygons[offsets[i]:offsets[i + 1]]``."""

    ids: list[str]
    rows: list[dict[str, Any]]
    footprints: list[tuple[bytes, ...]]
    polygons: PolygonSet
    offsets: NDArray[Any]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class CityModel:
    """The buildings with geometry as their attribute rows (plain dicts of column values, which the garbage
    collector does not track however many there are); their geometry went to ``read_city_model``'s
    ``consume``."""

    path: Path
    horizontal_crs: str
    vertical_crs: str | None
    ids: list[str]
    rows: list[dict[str, Any]]
    skipped: list[str]
    containers: list[dict[str, Any]] = field(default_factory=list)  # rows without geometry whose parts have it

    def container_index(self) -> dict[str, int]:
        """Container id -> its row number after the buildings' rows."""
        return {str(r["id"]): len(self.rows) + i for i, r in enumerate(self.containers)}


def layers_of(path: Path) -> set[str]:
    """Name the GeoPackage's layers (its ``gpkg_contents``).

    Args:
        path: the GeoPackage.

    Returns:
        The layer names.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> city = sample_twin().city                   # the sample district's city model
        >>> sorted(layers_of(city))
        ['building_surfaces', 'buildings', 'footprints', 'skipped_objects', 'sources', 'terrain']
    """
    return set(gpkg.list_layers(path))


def rings_of(geom: Any) -> list[list[NDArray[Any]]]:
    """Split a (Multi)PolygonZ into its polygons as lists of unclosed (N, 3) rings (empty parts left out).

    Args:
        geom: a shapely Polygon or MultiPolygon with Z.

    Returns:
        Per polygon: its exterior then its holes, each (N, 3) without the closing vertex.

    Example:
        >>> from shapely import MultiPolygon, Polygon
        >>> square = Polygon([(0, 0, 1), (4, 0, 1), (4, 4, 1), (0, 4, 1)], [[(1, 1, 1), (2, 1, 1), (2, 2, 1)]])
        >>> [[ring.tolist() for ring in rings] for rings in rings_of(MultiPolygon([square]))]
        [[[[0.0, 0.0, 1.0], [4.0, 0.0, 1.0], [4.0, 4.0, 1.0], [0.0, 4.0, 1.0]],
          [[1.0, 1.0, 1.0], [2.0, 1.0, 1.0], [2.0, 2.0, 1.0]]]]
    """
    import shapely

    out = []
    parts = shapely.get_parts(geom) if geom.geom_type.startswith("Multi") else [geom]
    for poly in parts:
        if poly.is_empty:
            continue
        rings = [poly.exterior, *poly.interiors]
        arrays = []
        for ring in rings:
            xyz = shapely.get_coordinates(ring, include_z=True)
            if len(xyz) > 1 and np.array_equal(xyz[0], xyz[-1]):
                xyz = xyz[:-1]
            arrays.append(np.nan_to_num(xyz))
        out.append(arrays)
    return out


def crs_of(path: Path) -> tuple[str, str | None]:
    """Give the horizontal and vertical CRS recorded in ``sources`` (falling back to the layer's CRS).

    Args:
        path: a city model or twin GeoPackage.

    Returns:
        (horizontal CRS, vertical CRS or None).

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> city = sample_twin().city                   # the sample district's city model
        >>> crs_of(city)
        ('EPSG:25832', 'EPSG:7837')
    """
    layers = layers_of(path)
    horizontal, vertical = None, None
    if SOURCES.name in layers:
        names, rows, _ = gpkg.read_table(path, SOURCES.name, geometry=False)
        src = [dict(zip(names, r)) for r in rows]
        if "source_kind" in names:  # a twin: the buildings' CRS is the city model's
            src = [r for r in src if (r["source_kind"] or "") in ("citymodel", "")]
        hs = sorted({h for r in src if isinstance(h := r.get("horizontal_crs"), str) and h})
        vs = sorted({v for r in src if isinstance(v := r.get("vertical_crs"), str) and v})
        if len(hs) > 1 or len(vs) > 1:
            raise InputError(f"the sources mix CRSs ({', '.join(hs + vs)}); export one CRS at a time",
                             path=str(path))
        horizontal = hs[0] if hs else None
        vertical = vs[0] if vs else None
    if horizontal is None:
        horizontal = gpkg.layer_crs(path, BUILDINGS.name)
    if not horizontal:
        raise InputError("the buildings layer has no CRS", path=str(path))
    return horizontal, vertical


def geoid_model_of(path: Path) -> str | None:
    """Give the one quasigeoid the city model's ``sources`` name (column ``geoid_model``).

    Args:
        path: a city model or twin GeoPackage.

    Returns:
        The quasigeoid's name, or None when none or several are named.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> city = sample_twin().city                   # the sample district's city model
        >>> geoid_model_of(city) is None       # the sample district names none
        True
    """
    if SOURCES.name not in layers_of(path):
        return None
    names, rows, _ = gpkg.read_table(path, SOURCES.name, geometry=False)
    models = {v for r in rows if isinstance(v := dict(zip(names, r)).get("geoid_model"), str) and v}
    return next(iter(models)) if len(models) == 1 else None


def read_city_model(path: str | os.PathLike[str], reporter: Reporter | None = None,
                    consume: Callable[[BuildingBatch], None] | None = None, surface_ids: bool = True) -> CityModel:
    """Read the buildings with their polygons: from ``building_surfaces`` where present, else the building geometry.

    ``consume`` is called with each batch of buildings whose polygons are complete (every building with polygons
    exactly once, with its footprints): the batch is all that is held of the model's geometry.

    Args:
        path: a city model or twin GeoPackage.
        reporter: progress and cancel.
        consume: receives each BuildingBatch.
        surface_ids: read the polygons' surface ids (else left empty).

    Returns:
        The CityModel: CRSs, ids and attribute rows, skipped objects, containers.

    Raises:
        InputError: no buildings layer, or no building with geometry.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> city = sample_twin().city                   # the sample district's city model
        >>> batches = []
        >>> model = read_city_model(city, consume=batches.append)
        >>> model.horizontal_crs, len(model.ids), sum(len(b) for b in batches), model.rows[0]["name"]
        ('EPSG:25832', 12, 12, 'Friedrichsplatz-Schule')
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("GeoPackage not found", path=str(path))
    layers = layers_of(path)    # an InputError naming the file when it is no readable GeoPackage
    if BUILDINGS.name not in layers:
        raise InputError(f"no '{BUILDINGS.name}' layer: write it with geotwin:importcitymodel first",
                         path=str(path))
    horizontal, vertical = crs_of(path)
    reader = _CityModelReader(path, consume)
    if FOOTPRINTS.name in layers:   # before the polygons: ``consume`` takes the footprints with them
        reader.read_footprints()
    if BUILDING_SURFACES.name in layers:
        reader.read_surfaces(surface_ids)
    # the buildings' own geometry is read (second pass) only for those without boundary surfaces
    if not reader.with_polygons.issuperset(reader.by_id):
        reader.read_own_geometry()
    ids, kept, containers = reader.result()
    if reporter is not None:
        for s in reader.skipped:
            reporter.warning(f"skipped {s}")
    return CityModel(path, horizontal, vertical, ids, kept, reader.skipped, containers)


class _CityModelReader:
    """The passes of ``read_city_model`` over one GeoPackage: building rows, footprints, boundary surfaces
    (streamed), the buildings' own geometry."""

    def __init__(self, path: Path, consume: Callable[[BuildingBatch], None] | None) -> None:
        self.path, self.consume = path, consume
        columns, records, _ = gpkg.read_table(path, BUILDINGS.name, geometry=False)
        self.by_id: dict[str, dict[str, Any]] = {}   # the first row of every id, in table order
        self.skipped: list[str] = []
        self.accepted: list[bool] = []   # per table row: the first row of its id
        for i, values in enumerate(records):
            row = dict(zip(columns, values))
            bid = row_id(row)
            self.accepted.append(bool(bid) and bid not in self.by_id)
            if not self.accepted[-1]:
                self.skipped.append(f"building row {i + 1}: {'duplicate id ' + bid if bid else 'no id'}")
                continue
            self.by_id[bid] = row
        self.footprints: dict[str, tuple[bytes, ...]] = {}   # as WKB: decoded batch-wise when consumed
        self.with_polygons: set[str] = set()

    def read_footprints(self) -> None:
        _, fp, blobs = gpkg.read_table(self.path, FOOTPRINTS.name, columns=["building_id"], decode=False)
        for (bid,), wkb in zip(fp, gpkg.wkbs_of(list(blobs or []))):
            if wkb is not None and bid in self.by_id:
                self.footprints[bid] = (*self.footprints.get(bid, ()), wkb)

    def complete(self, done: list[str], polygons: PolygonSet, counts: Any) -> None:
        """The buildings ``done`` have all their polygons (``counts`` of them each, in order)."""
        self.with_polygons.update(done)
        if self.consume is not None and done:
            offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
            self.consume(BuildingBatch(done, [self.by_id[b] for b in done],
                                       [self.footprints.pop(b, ()) for b in done], polygons, offsets))

    def read_surfaces(self, surface_ids: bool) -> None:
        """Streamed: a building's polygons are complete (and consumed) once all its surface rows are read."""
        path, by_id = self.path, self.by_id
        remaining = {bid: n for bid, n in gpkg.count_by(path, BUILDING_SURFACES.name, "building_id").items()
                     if bid in by_id}
        pool, owners = PolygonSet.empty(), list[str]()   # polygons of the buildings not complete yet, and their ids
        columns = ["building_id", "surface_type", "id"] if surface_ids else ["building_id", "surface_type"]
        for surf, blobs in gpkg.iter_table(path, BUILDING_SURFACES.name, columns, READ_CHUNK):
            chunk, source = PolygonSet.from_wkb(gpkg.wkbs_of(blobs), [r[1] or "" for r in surf],
                                                [r[2] or "" for r in surf] if surface_ids else [""] * len(surf))
            done = []
            for bid, n in Counter(map(itemgetter(0), surf)).items():
                if bid in remaining:
                    remaining[bid] -= n
                    if not remaining[bid]:
                        done.append(bid)
                        del remaining[bid]
            pool = PolygonSet.concat([pool, chunk])
            owners += map(itemgetter(0), map(surf.__getitem__, source.tolist()))
            rank = {bid: i for i, bid in enumerate(done)}
            key = np.fromiter(map(rank.get, owners, itertools.repeat(-1)), np.int64, len(owners))
            ready = np.flatnonzero(key >= 0)
            counts = np.bincount(key[ready], minlength=len(done))
            rest = np.flatnonzero((key < 0) & np.fromiter(map(remaining.__contains__, owners), np.bool_, len(owners)))
            batch = pool.take(ready[np.argsort(key[ready], kind="stable")])  # by building, in reading order
            pool, owners = pool.take(rest), [owners[i] for i in rest.tolist()]
            has = counts > 0   # a building whose surfaces have no polygon: its own geometry (below)
            self.complete([b for b, h in zip(done, has.tolist()) if h], batch, counts[has])

    def read_own_geometry(self) -> None:
        """The buildings' own geometry, for those without boundary surfaces."""
        first = 0
        for chunk_ids, blobs in gpkg.iter_table(self.path, BUILDINGS.name, ["id"], READ_CHUNK):
            take = [k for k in range(len(chunk_ids))
                    if self.accepted[first + k] and str(chunk_ids[k][0] or "") not in self.with_polygons]
            first += len(chunk_ids)
            done, polygons = list[str](), list[list[list[NDArray[Any]]]]()
            for k, geom in zip(take, gpkg.decode_geometries([blobs[k] for k in take])):
                if geom is not None and not geom.is_empty:  # no boundary surfaces: the building's own geometry
                    done.append(str(chunk_ids[k][0] or ""))
                    polygons.append(rings_of(geom))
            self.complete(done, PolygonSet.from_rings([p for rings in polygons for p in rings]),
                          [len(p) for p in polygons])

    def result(self) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
        """The ids and rows of the buildings with polygons, and the containers (rows without geometry whose
        parts have it), in table order; the others are skipped."""
        parents = {r.get("parent_id") for bid, r in self.by_id.items() if bid in self.with_polygons}
        ids: list[str] = []
        kept: list[dict[str, Any]] = []
        containers: list[dict[str, Any]] = []
        for bid, r in self.by_id.items():    # table order
            if bid not in self.with_polygons:
                if bid in parents:  # a building made of parts: its attributes travel with its parts' tiles
                    containers.append(r)
                else:
                    self.skipped.append(f"building {bid}: no geometry")
                continue
            ids.append(bid)
            kept.append(r)
        return ids, kept, containers


def attribute_rows(model: CityModel) -> Iterator[dict[str, Any]]:
    """Give the attributes of the buildings, then of the containers: typed columns, ``attributes`` JSON parsed.

    One row at a time: the whole model's parsed rows are never held at once.

    Args:
        model: what read_city_model returned.

    Yields:
        One dict per building, then per container.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> city = sample_twin().city                   # the sample district's city model
        >>> rows = list(attribute_rows(read_city_model(city)))
        >>> len(rows), rows[0]["street"], rows[0]["attributes"]
        (12, 'Friedrichsplatz', {'Funktion': 'Allgemein bildende Schule'})
    """
    for src in itertools.chain(model.rows, model.containers):
        row = dict(src)
        raw = row.get("attributes")
        if isinstance(raw, str) and raw.strip():
            try:
                row["attributes"] = json.loads(raw)
            except json.JSONDecodeError as err:
                raise InputError(f"attributes is not valid JSON: {err}", path=str(model.path),
                                 obj=str(src.get("id"))) from err
        yield row


def _is_dsn(text: str) -> bool:
    """A PostgreSQL connection string rather than a file path (as ``store.open.is_dsn``, without importing
    the store, and pandas with it, for a GeoPackage)."""
    text = text.strip()
    return text.startswith(("postgresql://", "postgres://")) or ("dbname=" in text and not Path(text).suffix)


@contextlib.contextmanager
def open_source(source: str | os.PathLike[str] | StoreReader, reporter: Reporter | None = None,
                schema: str = "geotwin") -> Iterator[tuple[Path, str]]:
    """Give the GeoPackage to read the export from, and how to name the source in the report.

    A GeoPackage path (city model or twin) is read directly. A twin store (a ``StoreReader``, or a PostgreSQL
    connection string for the store in ``schema``) is read through the store interface: its layers, as the store
    reads them, are written into a temporary GeoPackage with the GeoPackage store's writer (the form a GeoPackage
    twin has), so a PostGIS twin exports exactly as the same twin built into a GeoPackage. A store that is a
    GeoPackage on this computer (``StoreReader.local_geopackage()``) is read directly.

    Args:
        source: a GeoPackage path, a StoreReader or a connection string.
        reporter: progress and cancel of the copy.
        schema: the PostGIS schema of a connection string.

    Yields:
        (the GeoPackage, the source's name); a temporary copy is removed afterwards.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> city = sample_twin().city                   # the sample district's city model
        >>> with open_source(city) as (path, name):
        ...     path == city, name == str(city)
        (True, True)
    """
    if isinstance(source, (str, os.PathLike)) and not _is_dsn(str(source)):
        yield Path(source), str(Path(source))
        return
    from ..store.open import open_store

    store = source if not isinstance(source, (str, os.PathLike)) else open_store(str(source), schema)
    local = store.local_geopackage()
    if local is not None:
        yield local, str(local)
        return
    label = store.describe()
    names = store.layer_names()
    if BUILDINGS.name not in names:
        raise InputError(f"no '{BUILDINGS.name}' layer: build the twin into it with geotwin:buildtwin first",
                         path=label)
    with tempfile.TemporaryDirectory(prefix="geotwin-tiles-") as folder:
        path = Path(folder) / "twin.gpkg"
        with open_store(path).transaction(store.crs(), reporter) as writer:   # a path: a GeoPackage store
            for name in names:
                if reporter is not None:
                    reporter.check()
                spec = store.spec(name)
                writer.replace(spec, store.read(spec))
        yield path, label
