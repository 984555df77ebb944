"""The twin build in partitions: a partition is a square cell of a grid over the city model.

Ownership: every building belongs to the cell that holds its *reference point*, the centre of its
footprint's bounding box (of its geometry's when it has no footprint); a building part belongs where its
building does. A worker reads its cell widened by the *halo* (``halo`` metres on every side) from the city
model GeoPackages, keeps the buildings it owns with their parts, surfaces and footprints (a building that
reaches beyond the halo is refused, naming it: no building is cut), and builds them with the single-process
builder into a twin GeoPackage of its own (``WORK/build/parts``). The coordinator then writes the cells'
rows into the target store (a GeoPackage, or PostGIS: the shared store) in one transaction, cell by cell in
key order, with the ``sources`` of the inputs, the skipped objects and the terrain (read whole: they are not
per building), the object hashes and the ``changes`` against what the store held; it checks that the cells
together hold exactly the inputs' buildings, surfaces and footprints (nothing lost or doubled).
The coordinator appends each cell's rows as soon as it and every cell before it is built, while the workers build
the rest (the tasks start in key order); the store's rows and feature ids are the same whatever order the cells
finish in.

Order, as in the single-process build: the twin's CRS is fixed first from all inputs and reported
(``build.common_crs``; inputs in different CRSs are refused naming both, since the cells read the inputs by
their coordinates). With several inputs, the rows of objects that an earlier input already has are skipped,
with the single-process build's warnings (the first input wins): ``find_repeats`` finds their ids by SQL into
``WORK/build/earlier_ids.sqlite``, and each worker leaves them out of its cell.

Scope: city model inputs (GeoPackages of the city model import). BIM, learning islands and sensors are
added by the single-process build afterwards (``geotwin:buildtwin`` into the same store with the same city
model: its inputs are unchanged, so it is taken from the store and only the others are read and linked).

``WORK/build/manifest.json`` records each cell with a fingerprint of its content (the grid, the options and
the checksums of the source files its buildings come from): a re-run rebuilds only the cells whose source
files changed, failed or are missing.
"""
from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import __version__
from ..build import (
    CITYMODEL,
    BuildInputs,
    BuildResult,
    build_city_frames,
    build_twin,
    common_crs,
    crs_parameter,
    drop_repeated,
    read_layer,
    repeated_message,
    same_crs,
    source_rows,
)
from ..citymodel.importer import sha256_of
from ..conflation import ConflationOptions
from ..kernel import gpkg
from ..kernel.errors import GeoTwinError, InputError
from ..kernel.memory import release_memory
from ..kernel.progress import Reporter, Stage
from ..kernel.schema import SKIPPED, TERRAIN
from ..kernel.schema.twin import (
    BUILDS,
    CHANGES,
    CONFLATION_REPORT,
    HEIGHT_REPORT,
    LINKS,
    OBJECT_HASHES,
    SOURCE_KINDS,
    TWIN_BUILDINGS,
    TWIN_SOURCES,
    Keyed,
)
from ..store.base import StoreWriter, TwinStore
from ..store.frames import conform, empty
from ..store.geopackage import GpkgStore
from ..store.hashing import diff, object_hashes
from .cluster import Mapper
from .imports import PartitionsFailed
from .manifest import Manifest, fingerprint

DEFAULT_BUILDINGS_PER_PARTITION = 4000
DEFAULT_HALO = 250.0   # m: wider than any one building's footprint
_PER_BUILDING = ("buildings", "building_surfaces", "footprints")   # the layers the cells hold
_WHOLE = (SKIPPED.name, TERRAIN.name)                             # read whole by the coordinator
_IN_CHUNK = 500
_EARLIER = "earlier_ids.sqlite"   # WORK/build: the ids of later inputs' rows that an earlier input has
_STAGING = "staging.sqlite"       # WORK/build: the cells' object hashes, changes and links, gathered as they come in
_KEYED = tuple(k for k in SOURCE_KINDS[CITYMODEL] if k.spec.name in _PER_BUILDING)


@dataclass(frozen=True)
class Grid:
    """Square cells of ``size`` metres from ``origin``; cell (col, row) holds x in [x0 + col size, ...)."""

    origin: tuple[float, float]
    size: float

    def cell_of(self, x: NDArray[Any], y: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        """The (col, row) of each point."""
        return (np.floor((x - self.origin[0]) / self.size).astype(np.int64),
                np.floor((y - self.origin[1]) / self.size).astype(np.int64))

    def bounds(self, col: int, row: int) -> tuple[float, float, float, float]:
        """The cell's bounding box."""
        x0, y0 = self.origin
        return (x0 + col * self.size, y0 + row * self.size, x0 + (col + 1) * self.size, y0 + (row + 1) * self.size)


@dataclass(frozen=True)
class BuildPartition:
    """One cell of the grid: what its worker reads, and where it writes."""

    key: str
    col: int
    row: int
    grid: Grid
    halo: float
    inputs: tuple[str, ...]
    crs: str
    options: tuple[float, float, float]
    output: str
    previous: str | None = None     # the fingerprint of an earlier run's output at ``output``
    earlier: str | None = None      # the EarlierIds file when inputs repeat objects of earlier ones
    earlier_digest: str = ""        # its content's fingerprint (a cell's content depends on it)

    def __str__(self) -> str:
        return self.key


@dataclass
class BuildOutcome:
    """What one cell did: ``error`` is empty when it succeeded; ``reused`` when its content was unchanged."""

    key: str
    error: str = ""
    reused: bool = False
    fingerprint: str = ""
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class ScaleBuildResult:
    """What a partitioned build did."""

    store: str
    partitions: int = 0
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    buildings: int = 0
    added: Sequence[str] = field(default_factory=list)   # building ids, as BuildResult has them (sorted)
    removed: Sequence[str] = field(default_factory=list)
    modified: Sequence[str] = field(default_factory=list)
    grid_size: float = 0.0
    crs: str | None = None      # the twin's CRS: the city model's


class StoredIds(Sequence[str]):
    """The sorted object ids of one build's ``changes`` rows (a layer, a kind of change) in a twin GeoPackage,
    read when asked for (length, items, slices, iteration): a build of a million buildings returns them without
    holding a million strings. The rows of a build stay in the twin's ``changes`` history. ``length`` is their
    number when the caller knows it (else counted: a scan of the whole history).

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_twin
        >>> from geotwin.twin.store.geopackage import GpkgStore
        >>> path = Path(tempfile.mkdtemp()) / "twin.gpkg"
        >>> _ = build_twin(GpkgStore(path), BuildInputs(citymodel=[str(sample_twin().city)]))
        >>> ids = StoredIds(path, 1, "buildings", "added")
        >>> every = sorted(GpkgStore(path).read(TWIN_BUILDINGS)["id"])
        >>> len(ids), ids[0] == every[0], ids[-1] == every[-1], ids[1:] == every[1:], list(ids) == every
        (12, True, True, True, True)
        >>> ids == every, ids == every[:1], len(StoredIds(path, 2, "buildings", "added"))
        (True, False, 0)
        >>> list(StoredIds(path, 1, "buildings", "added", length=12)) == every   # the number known: not counted
        True
        >>> ids[12]
        Traceback (most recent call last):
        ...
        IndexError: 12 of 12 ids
    """

    CHUNK = 10_000   # rows fetched at a time while iterating

    def __init__(self, path: str | os.PathLike[str], build_id: int, layer: str, change: str,
                 length: int | None = None) -> None:
        self.path = Path(path)
        self.key = (build_id, layer, change)
        self._where = f"FROM \"{CHANGES.name}\" WHERE build_id = ? AND layer = ? AND change = ?"
        if length is None:
            with closing(gpkg.connect(self.path)) as con:
                length = int(con.execute(f"SELECT count(*) {self._where}", self.key).fetchone()[0])
        self._len = length

    def __len__(self) -> int:
        return self._len

    def _rows(self, start: int, count: int) -> list[str]:
        with closing(gpkg.connect(self.path)) as con:
            return [str(r[0]) for r in con.execute(f"SELECT object_id {self._where} ORDER BY object_id LIMIT ? "
                                                   "OFFSET ?", (*self.key, count, start))]

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._len)
            rows = self._rows(start, max(0, stop - start)) if step > 0 else list(self)[index]
            return rows[::step] if step > 1 else rows
        at = index + self._len if index < 0 else index
        if not 0 <= at < self._len:
            raise IndexError(f"{index} of {self._len} ids")
        return self._rows(at, 1)[0]

    def __iter__(self) -> Iterator[str]:
        with closing(gpkg.connect(self.path)) as con:
            cursor = con.execute(f"SELECT object_id {self._where} ORDER BY object_id", self.key)
            while rows := cursor.fetchmany(self.CHUNK):
                yield from (str(r[0]) for r in rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(other) == self._len and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StoredIds({str(self.path)!r}, {self.key}, {self._len} ids)"


class _Quiet(Reporter):
    """A worker's reporter: warnings are kept for the outcome."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, message: str) -> None:
        self.warnings.append(message)


@dataclass
class Repeats:
    """What ``find_repeats`` found: the rows of later inputs whose object an earlier input has."""

    path: str | None = None   # the EarlierIds file; None when no input repeats an earlier one's objects
    digest: str = ""          # the fingerprint of its content
    skipped: list[tuple[str, str, int, str]] = field(default_factory=list)  # (input, layer, rows, an id)

    def rows(self, layer: str) -> int:
        """The rows of ``layer`` skipped over all inputs."""
        return sum(n for _, name, n, _ in self.skipped if name == layer)


class EarlierIds:
    """The ids a worker leaves out of one input's rows of a layer (``find_repeats`` wrote them).

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_twin
        >>> city = str(sample_twin().city)
        >>> repeats = find_repeats([city, city], Path(tempfile.mkdtemp()) / "earlier.sqlite")
        >>> earlier = EarlierIds(repeats.path)
        >>> len(earlier.ids(0, "buildings")), len(earlier.ids(1, "buildings")), len(earlier.ids(1, "footprints"))
        (0, 12, 12)
        >>> first = sorted(earlier.ids(1, "buildings"))[0]
        >>> earlier.among(1, "buildings", [first, "no such id"]) == {first}, earlier.among(0, "buildings", [first])
        (True, set())
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def among(self, number: int, layer: str, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` (a cell's rows, with its halo) that are among ``ids(number, layer)``: read by key, so a
        cell reads no more of the file than its own rows however many objects an input repeats."""
        wanted = sorted(set(ids))
        found: set[str] = set()
        with closing(gpkg.scratch_database(self.path, read_only=True)) as con:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start:start + _IN_CHUNK]
                found.update(str(r[0]) for r in con.execute(
                    f"SELECT id FROM earlier WHERE input = ? AND layer = ? AND id IN ({', '.join('?' * len(chunk))})",
                    (number, layer, *chunk)))
        return found

    def ids(self, number: int, layer: str) -> set[str]:
        """The ids of the ``number``-th input's rows of ``layer`` that an earlier input has."""
        with closing(gpkg.scratch_database(self.path, read_only=True)) as con:
            return {str(r[0]) for r in con.execute("SELECT id FROM earlier WHERE input = ? AND layer = ?",
                                                   (number, layer))}


def find_repeats(inputs: Sequence[str], path: str | os.PathLike[str]) -> Repeats:
    """Find the rows of the per-building layers whose object (``Keyed.key``) an earlier input has: the
    single-process build skips them (the first input wins), so the cells do too. Their ids go into the SQLite file
    ``path`` for the workers; the ids seen are kept there too, not in memory (the inputs may hold millions).

    Args:
        inputs: the city model GeoPackages, in the build's order.
        path: the file to write (replaced; removed when no input repeats an earlier one's objects).

    Returns:
        The Repeats: the file, its fingerprint, and (input, layer, rows, the first row's id) per input and layer.

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_twin
        >>> city = str(sample_twin().city)
        >>> path = Path(tempfile.mkdtemp()) / "earlier.sqlite"
        >>> find_repeats([city], path).path, path.exists()
        (None, False)
        >>> repeats = find_repeats([city, city], path)
        >>> [(layer, rows) for _, layer, rows, _ in repeats.skipped], len(repeats.digest)
        ([('buildings', 12), ('building_surfaces', 85), ('footprints', 12)], 64)
    """
    target = Path(path)
    target.unlink(missing_ok=True)
    if len(inputs) < 2:
        return Repeats()
    digest = hashlib.sha256()
    skipped: list[tuple[str, str, int, str]] = []
    with closing(gpkg.scratch_database(target)) as con:
        con.execute("CREATE TABLE earlier (input INTEGER, layer TEXT, id TEXT, PRIMARY KEY (input, layer, id)) "
                    "WITHOUT ROWID")
        for keyed in _KEYED:
            con.execute(f'CREATE TABLE "seen_{keyed.spec.name}" (id TEXT PRIMARY KEY) WITHOUT ROWID')
        for number, source in enumerate(inputs):
            con.execute("ATTACH DATABASE ? AS part", (str(source),))
            try:
                present = {r[0] for r in con.execute("SELECT table_name FROM part.gpkg_contents")}
                for keyed in (k for k in _KEYED if k.spec.name in present):
                    skipped += _repeated_rows(con, number, source, keyed, number == len(inputs) - 1)
                con.commit()
            finally:
                con.execute("DETACH DATABASE part")
        for row in con.execute("SELECT input, layer, id FROM earlier ORDER BY input, layer, id"):
            digest.update(repr(row).encode())
    if not skipped:
        target.unlink(missing_ok=True)
        return Repeats()
    return Repeats(str(target), digest.hexdigest(), skipped)


def _repeated_rows(con: Any, number: int, source: str, keyed: Keyed, last: bool) -> list[tuple[str, str, int, str]]:
    """Note the ids of the attached input's rows of ``keyed`` that an earlier input has, then its ids as seen
    (unless it is the ``last`` input); returns (input, layer, rows, the first row's id) when it has such rows."""
    name, key = keyed.spec.name, keyed.key
    again = f'FROM part."{name}" WHERE "{key}" IN (SELECT id FROM "seen_{name}")'
    found: list[tuple[str, str, int, str]] = []
    if number:
        rows = int(con.execute(f"SELECT count(*) {again}").fetchone()[0])
        if rows:
            first = con.execute(f'SELECT "{key}" {again} ORDER BY rowid LIMIT 1').fetchone()[0]
            found.append((source, name, rows, str(first)))
            con.execute(f'INSERT OR IGNORE INTO earlier SELECT ?, ?, "{key}" {again}', (number, name))
    if not last:
        con.execute(f'INSERT OR IGNORE INTO "seen_{name}" SELECT "{key}" FROM part."{name}" WHERE "{key}" IS NOT NULL')
    return found


def _centres(geoms: Any) -> tuple[NDArray[Any], NDArray[Any]]:
    b = np.asarray(geoms.bounds, dtype=float).reshape(-1, 4)
    return (b[:, 0] + b[:, 2]) / 2.0, (b[:, 1] + b[:, 3]) / 2.0


def _by_ids(path: str, layer: str, column: str, ids: Sequence[str]) -> pd.DataFrame | None:
    """The rows of ``layer`` whose ``column`` is one of ``ids`` (read in chunks), None when there are none."""
    frames = []
    ids = sorted(set(ids))
    for start in range(0, len(ids), _IN_CHUNK):
        quoted = ",".join("'" + str(i).replace("'", "''") + "'" for i in ids[start:start + _IN_CHUNK])
        frames.append(gpkg.read_frame(path, layer, where=f'"{column}" IN ({quoted})', fid_as_index=True))
    frames = [f for f in frames if len(f)]
    return pd.concat(frames) if frames else None   # indexed by feature id


def _owned(part: BuildPartition, path: str) -> tuple[dict[str, pd.DataFrame], set[str]]:
    """The cell's own rows of one input GeoPackage (buildings, surfaces, footprints) and their source files."""
    x0, y0, x1, y1 = part.grid.bounds(part.col, part.row)
    h = part.halo
    box = (x0 - h, y0 - h, x1 + h, y1 + h)
    buildings = _in_order(gpkg.read_frame(path, "buildings", bbox=box, fid_as_index=True))
    footprints = _in_order(gpkg.read_frame(path, "footprints", bbox=box, fid_as_index=True))
    known = set(buildings["id"])
    missing = (set(footprints["building_id"]) | {p for p in buildings["parent_id"] if p}) - known
    extra = _by_ids(path, "buildings", "id", sorted(missing)) if missing else None
    if extra is not None:
        buildings = _in_order(pd.concat([buildings.set_index(buildings.attrs["fid"]), extra]))
    ref: dict[str, tuple[float, float]] = {}
    has = ~buildings.geometry.isna() & ~buildings.geometry.is_empty
    bx, by = _centres(buildings.geometry[has])
    ref.update(zip(buildings["id"][has], zip(bx.tolist(), by.tolist())))
    fx, fy = _centres(footprints.geometry)
    ref.update(zip(footprints["building_id"], zip(fx.tolist(), fy.tolist())))   # a footprint wins
    parent = dict(zip(buildings["id"], buildings["parent_id"].fillna("")))
    roots = [_root(b, parent) for b in buildings["id"]]
    points = np.array([ref.get(r, (np.nan, np.nan)) for r in roots], dtype=float).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        cols, rows = part.grid.cell_of(points[:, 0], points[:, 1])
    mine = (cols == part.col) & (rows == part.row) & ~np.isnan(points[:, 0])
    owned = set(buildings["id"][mine])
    _check_halo(footprints[footprints["building_id"].isin(owned)], box, h)
    surfaces = _in_order(gpkg.read_frame(path, "building_surfaces", bbox=box, fid_as_index=True))
    frames = {"buildings": buildings[mine], "footprints": footprints[footprints["building_id"].isin(owned)],
              "building_surfaces": surfaces[surfaces["building_id"].isin(owned)]}
    for frame in frames.values():
        frame.attrs = {}   # the feature ids are this function's: frames of two inputs concatenate without them
    return frames, set(buildings["source_file"][mine].fillna(""))


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame read by feature id (a spatial filter may give the rows in the R-tree's order) in the input's row
    order, with a plain index; ``attrs["fid"]`` keeps the feature ids. The cells keep the input's order of a
    building's rows (e.g. the footprints a LoD1 block is the union of), as the single-process build does."""
    frame = frame.sort_index(kind="stable")
    fids = frame.index.to_numpy()
    frame = frame.reset_index(drop=True)
    frame.attrs["fid"] = fids
    return frame


def _root(building: str, parent: dict[str, str]) -> str:
    for _ in range(8):   # parts of parts: follow the chain a few levels
        up = parent.get(building) or ""
        if not up:
            return building
        building = up
    return building


def _check_halo(footprints: pd.DataFrame, box: tuple[float, float, float, float], halo: float) -> None:
    if not len(footprints):
        return
    b = np.asarray(footprints.geometry.bounds, dtype=float).reshape(-1, 4)
    out = (b[:, 0] < box[0]) | (b[:, 1] < box[1]) | (b[:, 2] > box[2]) | (b[:, 3] > box[3])
    if out.any():
        first = footprints["building_id"].iloc[int(np.argmax(out))]
        raise InputError(f"the building reaches beyond its partition's halo of {halo:g} m: raise the halo", obj=first)


def build_partition(part: BuildPartition) -> BuildOutcome:
    """Build one cell's twin into its own GeoPackage (runs on a worker).

    Args:
        part: the cell: its grid position, halo, city model inputs, CRS, conflation options and output.

    Returns:
        The BuildOutcome: rows per layer and the output's fingerprint; bad input is its ``error``.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> grid, cells = plan_grid([str(folder / "city.gpkg")], 5)
        >>> part = BuildPartition("cell_0_0", 0, 0, grid, 50.0, (str(folder / "city.gpkg"),), "EPSG:25832",
        ...                       (0.5, 1.0, 2000.0), str(folder / "cell_0_0.gpkg"))
        >>> outcome = build_partition(part)
        >>> outcome.error, outcome.rows
        ('', {'buildings': 4, 'building_surfaces': 28, 'footprints': 4})
    """
    try:
        frames: dict[str, list[pd.DataFrame]] = {name: [] for name in _PER_BUILDING}
        files: set[str] = set()
        checksums: dict[str, str] = {}
        earlier = EarlierIds(part.earlier) if part.earlier else None
        for number, path in enumerate(part.inputs):
            owned, names = _owned(part, path)
            for keyed in _KEYED:
                frame = owned[keyed.spec.name]
                if earlier is not None:   # the first input wins, as in the single-process build
                    keys = frame[keyed.key].astype(str)
                    frame = frame[~keys.isin(earlier.among(number, keyed.spec.name, keys))]
                frames[keyed.spec.name].append(frame)
            files |= names
            _, rows, _ = gpkg.read_table(path, "sources", ["source_file", "checksum_sha256"], geometry=False)
            checksums.update((Path(str(f)).name.rpartition("!/")[2], str(c)) for f, c in rows)
        print_ = fingerprint(part.grid, part.halo, part.crs, part.options, part.inputs,
                             sorted((f, checksums.get(f, "")) for f in files),
                             *((part.earlier_digest,) if part.earlier_digest else ()))
        if print_ == part.previous and Path(part.output).exists():
            return BuildOutcome(part.key, reused=True, fingerprint=print_)
        counts = _build_cell(part, {k: v for k, v in frames.items()})
    except GeoTwinError as err:
        return BuildOutcome(part.key, error=str(err))
    return BuildOutcome(part.key, fingerprint=print_, rows=counts)


def _build_cell(part: BuildPartition, parts: dict[str, list[pd.DataFrame]]) -> dict[str, int]:
    """The single-process builder on the cell's rows, written into the cell's own twin GeoPackage."""
    output = Path(part.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.exists():
        output.unlink()   # the cell's own earlier output: rebuilt from scratch
    nonempty = {name: [f for f in found if len(f)] for name, found in parts.items()}
    frames = {name: pd.concat(found, ignore_index=True) for name, found in nonempty.items() if found}
    rows = build_city_frames(GpkgStore(output), frames, part.crs, ConflationOptions(*part.options), _Quiet(),
                             {"partition": part.key})
    return {name: rows[name] for name in _PER_BUILDING}


def _count(path: str, layer: str) -> int:
    with closing(gpkg.connect(path)) as con:
        return int(con.execute(f'SELECT count(*) FROM "{layer}"').fetchone()[0])


def plan_grid(inputs: Sequence[str], buildings_per_partition: int) -> tuple[Grid, list[tuple[int, int]]]:
    """Plan the grid of a partitioned build: cells of about ``buildings_per_partition`` buildings on average.

    Args:
        inputs: the city model GeoPackages.
        buildings_per_partition: the buildings a cell should hold on average.

    Returns:
        (the Grid, the (col, row) cells that the inputs' buildings and footprints may fall in).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> grid, cells = plan_grid([str(folder / "city.gpkg")], 5)
        >>> grid.size, cells
        (110.0, [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)])
    """
    bounds = []
    total = 0
    for path in inputs:
        total += _count(path, "buildings")
        for layer in ("footprints", "buildings"):
            tb = gpkg.layer_info(path, layer).get("total_bounds")
            if tb is not None and all(math.isfinite(v) for v in tb):
                bounds.append(tb)
    if not bounds:
        raise InputError("the city model holds no buildings with a position", path=inputs[0])
    x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
    x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
    cells = max(1, math.ceil(total / max(1, buildings_per_partition)))
    size = max(10.0, math.ceil(math.sqrt(max((x1 - x0) * (y1 - y0), 1.0) / cells) / 10.0) * 10.0)
    grid = Grid((math.floor(x0), math.floor(y0)), size)
    cols = int((x1 - grid.origin[0]) // size) + 1
    rows = int((y1 - grid.origin[1]) // size) + 1
    return grid, [(c, r) for r in range(rows) for c in range(cols)]


def build_partitioned(store: TwinStore, citymodel: Sequence[str | os.PathLike[str]], work: str | os.PathLike[str],
                      mapper: Mapper, reporter: Reporter | None = None, options: ConflationOptions | None = None,
                      buildings_per_partition: int = DEFAULT_BUILDINGS_PER_PARTITION,
                      halo: float = DEFAULT_HALO, crs: str | None = None) -> ScaleBuildResult:
    """Build the twin of the city model GeoPackages ``citymodel`` into ``store`` in cells run by ``mapper``.

    See the module docstring: each cell is built into its own GeoPackage in ``work`` and merged into the store; a
    re-run reuses the cells whose inputs did not change.

    Args:
        store: the twin store.
        citymodel: the city model GeoPackages.
        work: the folder of the cells and the manifest.
        mapper: runs the cells (serial_mapper, dask_mapper).
        reporter: progress, cancel and messages.
        options: the conflation options.
        buildings_per_partition: buildings per cell on average.
        halo: how far around a cell its worker reads (m).
        crs: the twin's CRS as asked for (the CRS parameter), or None: the cells are cut in the city model's
            CRS, so it must be that one.

    Returns:
        The ScaleBuildResult.

    Raises:
        PartitionsFailed: cells failed (the others are kept for a re-run).
        InputError: ``crs`` is not the city model's CRS (a build in one process transforms the inputs).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> from geotwin.twin.scale.cluster import serial_mapper
        >>> from geotwin.twin.store.geopackage import GpkgStore
        >>> def run():
        ...     return build_partitioned(GpkgStore(folder / "twin.gpkg"), [str(folder / "city.gpkg")], folder / "work",
        ...                              serial_mapper(), buildings_per_partition=12)
        >>> first = run()
        >>> first.partitions, first.buildings, len(first.added), len(first.ran)
        (2, 12, 12, 2)
        >>> second = run()                   # nothing changed: every cell is reused
        >>> second.ran, len(second.reused), second.added
        ([], 2, [])
    """
    reporter = reporter or Reporter()
    options = options or ConflationOptions()
    inputs = tuple(str(Path(p).resolve()) for p in citymodel)
    if not inputs:
        raise GeoTwinError("the partitioned build needs at least one city model GeoPackage")
    for path in inputs:
        if Path(path).suffix.lower() != ".gpkg" or not Path(path).is_file():
            raise InputError("the partitioned build reads GeoPackages of the city model import (import raw files "
                             "first: python -m geotwin.twin.scale import)", path=path)
        if "buildings" not in gpkg.list_layers(path):
            raise InputError("no buildings layer: not a city model import", path=path)
    asked = crs
    crs = _fix_crs(inputs, reporter)
    if asked and not same_crs(crs_parameter(asked), crs):
        raise InputError(f"the partitioned build keeps the city model's CRS {crs} and cannot transform it into "
                         f"{crs_parameter(asked)} (the CRS parameter): build in one process, without a scheduler "
                         "and workers, to transform the inputs", path=inputs[0])
    grid, cells = plan_grid(inputs, buildings_per_partition)
    folder = Path(work) / "build"
    manifest = Manifest(folder, "build")
    folder.mkdir(parents=True, exist_ok=True)
    repeats = find_repeats(inputs, folder / _EARLIER)
    for source, layer, rows, example in repeats.skipped:
        reporter.warning(repeated_message(source, rows, layer, CITYMODEL, example))
    opts = (options.iou_threshold, options.height_tolerance, options.search_distance)
    parts = [BuildPartition(f"cell_{c}_{r}", c, r, grid, float(halo), inputs, crs, opts,
                            str((folder / "parts" / f"cell_{c}_{r}.gpkg").resolve()),
                            (manifest.entries.get(f"cell_{c}_{r}") or {}).get("fingerprint"), repeats.path,
                            repeats.digest)
             for c, r in sorted(cells, key=lambda cell: (cell[1], cell[0]))]   # the merge's order: row by row
    result = ScaleBuildResult(store.describe(), partitions=len(parts), grid_size=grid.size, crs=crs)
    reporter.info(f"{len(parts)} partitions: cells of {grid.size:g} m, halo {halo:g} m; the twin's CRS is {crs}")
    ready = _cells_in_order(parts, mapper, manifest, Stage(reporter, 0.0, 70.0), result)
    _merge(store, inputs, ready, manifest, crs, options, len(parts), Stage(reporter, 70.0, 100.0), result,
           repeats)
    return result


def _fix_crs(inputs: Sequence[str], reporter: Reporter) -> str:
    """Step one, as in the single-process build: the twin's CRS, the one CRS of all city model inputs, reported;
    inputs in different CRSs are refused naming both (the cells read the inputs by their coordinates)."""
    common = common_crs([(p, p) for p in inputs], SOURCE_KINDS[CITYMODEL], "city model",
                        "the partitioned build reads the inputs in their own CRS: import them into one CRS, or build "
                        "the twin without a scheduler and workers with the CRS parameter")
    if common is None:
        raise InputError("the city model has no CRS", path=inputs[0])
    reporter.info(f"the twin's CRS is {common[0]}, the city model input's ({common[1]})")
    return common[0]


def _cells_in_order(parts: list[BuildPartition], mapper: Mapper, manifest: Manifest, reporter: Reporter,
                    result: ScaleBuildResult) -> Iterator[str]:
    """Run the cells (started in their key order, row by row) and yield the output of each cell that holds rows as
    soon as it and every cell before it is done: the coordinator writes them into the store while the workers
    build the rest, in the same order whatever order the cells finish in. After a failure nothing more is
    yielded, the others still run (and are recorded), then PartitionsFailed names the failures."""
    failed: list[tuple[str, str]] = []
    done: set[str] = set()
    at = 0
    outcomes = mapper(build_partition, parts)
    try:
        for n, outcome in enumerate(outcomes, start=1):
            reporter.progress(100.0 * n / len(parts))
            if outcome.error:
                reporter.warning(f"partition {outcome.key} failed: {outcome.error}")
                failed.append((outcome.key, outcome.error))
                manifest.forget(outcome.key)
                continue
            if outcome.reused:
                result.reused.append(outcome.key)
            else:
                result.ran.append(outcome.key)
                manifest.record(outcome.key, {"fingerprint": outcome.fingerprint, "rows": outcome.rows,
                                              "output": f"parts/{outcome.key}.gpkg"})
            done.add(outcome.key)
            while not failed and at < len(parts) and parts[at].key in done:
                if any(manifest.entries.get(parts[at].key, {}).get("rows", {}).values()):
                    yield parts[at].output
                at += 1
    finally:
        getattr(outcomes, "close", lambda: None)()   # an error or cancel in the merge: cancel the cluster's tasks
    if failed:
        raise PartitionsFailed("build", sorted(failed), len(parts))
    reporter.info(f"partitions: {len(result.ran)} built, {len(result.reused)} unchanged since the last run")


def _check_complete(expected: dict[str, int], entries: list[dict[str, Any]]) -> None:
    """Each of the per-building layers: the cells hold exactly the ``expected`` rows (the inputs' less the rows of
    objects an earlier input has: nothing lost or doubled); a GeoTwinError naming the layer otherwise."""
    for layer in _PER_BUILDING:
        got = sum(int(e.get("rows", {}).get(layer, 0)) for e in entries)
        if got != expected[layer]:
            raise GeoTwinError(f"the partitions hold {got} {layer} rows, the inputs {expected[layer]} (without the "
                               "rows of objects an earlier input has): rows without a position; build this twin with "
                               "geotwin:buildtwin")


class _Staged:
    """What the merge gathers of each cell as it comes in, while the workers build the rest: the cells, their
    height report rows and root buildings; with a staging ``path`` (a GeoPackage store) also their links and, when
    ``keyed`` (into a new store), the object hashes and changes of the per-building layers, copied into a SQLite
    file, one table each (``hashes_LAYER``, ``changes_LAYER``, ``links``, and ``heights``: the height report rows)
    in the cells' order and their rows' order. The merge copies each table into the store at once, in that order:
    the same rows and feature ids as copying them cell by cell, without opening every cell again. A cell without one
    of these tables (or columns) ends the staging: the merge then copies cell by cell (the staged height report
    rows are kept)."""

    def __init__(self, path: Path | None, keyed: bool) -> None:
        self.cells: list[str] = []
        self.reports: list[pd.DataFrame] = []
        self.roots = 0
        self.rows: dict[str, int] = {}   # rows staged per table
        self.path = path
        self._tables = ([(f"{kind}_{name}", spec, name) for kind, spec in (("hashes", OBJECT_HASHES),
                                                                           ("changes", CHANGES))
                         for name in _PER_BUILDING] if keyed else []) + [("links", LINKS, None),
                                                                         ("heights", HEIGHT_REPORT, None)]   # last
        self._con = None
        if path is not None:
            path.unlink(missing_ok=True)
            self._con = gpkg.scratch_database(path)
            for table, spec, _ in self._tables:
                columns = ", ".join(f'"{c}"' for c in spec.fields)
                self._con.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY, {columns})')
                self.rows[table] = 0

    def add(self, cell: str) -> None:
        """Gather the cell's rows."""
        if self._con is None:
            self.reports.append(GpkgStore(cell).read(HEIGHT_REPORT))
            with closing(gpkg.connect(cell)) as con:
                self.roots += _roots(con, "main")
        else:
            con = self._con
            con.execute("ATTACH DATABASE ? AS part", (cell,))
            try:
                self.roots += _roots(con, "part")
                staged = self._stage(con)
                con.commit()
            finally:
                con.execute("DETACH DATABASE part")
            if not staged:   # the merge copies cell by cell; the height report rows staged (no row of this cell's:
                fields = list(HEIGHT_REPORT.fields)   # its table is the last) are kept
                rows = self._con.execute(f"SELECT {', '.join(map(_quoted, fields))} FROM heights ORDER BY fid")
                self.reports.append(conform(pd.DataFrame(rows.fetchall(), columns=fields), HEIGHT_REPORT, None))
                self.reports.append(GpkgStore(cell).read(HEIGHT_REPORT))
                self.close()
        self.cells.append(cell)

    def heights(self) -> pd.DataFrame:
        """The height report rows of all cells, summed per source file and kind (without the vertical CRS)."""
        if self._con is not None:   # a group without a file or kind left out, as pandas leaves it out
            frame = pd.DataFrame(self._con.execute(
                "SELECT source_file, source_kind, coalesce(sum(objects), 0), min(ground_min), max(ground_max), "
                "max(roof_max) FROM heights WHERE source_file IS NOT NULL AND source_kind IS NOT NULL GROUP BY "
                "source_file, source_kind ORDER BY source_file, source_kind").fetchall(),
                columns=["source_file", "source_kind", "objects", "ground_min", "ground_max", "roof_max"])
            return frame if len(frame) else empty(HEIGHT_REPORT, None)
        heights = pd.concat(self.reports, ignore_index=True) if self.reports else empty(HEIGHT_REPORT, None)
        if len(heights):
            heights = heights.groupby(["source_file", "source_kind"], as_index=False, sort=True).agg(
                objects=("objects", "sum"), ground_min=("ground_min", "min"), ground_max=("ground_max", "max"),
                roof_max=("roof_max", "max"))
        return heights

    def _stage(self, con: Any) -> bool:
        for table, spec, layer in self._tables:
            fid = gpkg.fid_column(con, "part", spec.name, spec.fields)
            if fid is None:
                return False
            self.rows[table] += gpkg.copy_rows(con, table, spec.name, list(spec.fields), fid,
                                               ("layer", layer) if layer else None)
        return True

    def close(self) -> None:
        """Remove the staging file; the merge copies what is left cell by cell."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _roots(con: Any, db: str) -> int:
    """The buildings without a parent in the cell attached as ``db``."""
    return int(con.execute(f"SELECT count(*) FROM {db}.buildings WHERE coalesce(parent_id, '') = ''").fetchone()[0])


def _merge(store: TwinStore, inputs: Sequence[str], ready: Iterator[str], manifest: Manifest, crs: str,
           options: ConflationOptions, partitions: int, reporter: Reporter, result: ScaleBuildResult,
           repeats: Repeats) -> None:
    """Write the cells' twins into the store in one transaction (see the module docstring). The cells' rows of the
    per-building layers are appended as ``ready`` yields the cells (in key order, while the workers build the
    rest), and their other rows gathered (``_Staged``; into a GeoPackage the R-tree entries too); the object hashes,
    changes, links and reports of all cells follow in the same order as before, so the store's rows and feature ids
    do not depend on the order the cells finish in. Into an existing twin the object
    hashes are compared with the store's to record what changed."""
    with store.exclusive(reporter):
        exists = store.exists()
        old = store.read(OBJECT_HASHES) if exists else None
        old_builds = store.read(BUILDS) if exists else empty(BUILDS, None)
        build_id = int(old_builds["build_id"].max()) + 1 if len(old_builds) else 1
        stored = set(store.layer_names())
        local = store.local_geopackage()
        with store.transaction(crs, reporter) as writer, closing(_Staged(
                manifest.folder / _STAGING if local is not None else None, old is None)) as staged:
            writer.replace(OBJECT_HASHES, empty(OBJECT_HASHES, None))
            if CHANGES.name not in stored:
                writer.replace(CHANGES, empty(CHANGES, None))
            early = _FromInputs(inputs, crs, repeats)
            cells = _append_cells(writer, ready, reporter, staged, lambda: early.read(writer, reporter))
            _check_complete(early.expected, [manifest.entries[Path(c).stem] for c in cells])
            keyed_layers = [k for layers in SOURCE_KINDS.values() for k in layers]
            for n, keyed in enumerate(keyed_layers):
                reporter.progress(90.0 * n / len(keyed_layers))
                reporter.check()
                new = _merge_layer(writer, keyed, early, staged, old is not None)
                ids = _changes(writer, keyed.spec.name, old, new, staged, build_id)
                if keyed.spec.name == TWIN_BUILDINGS.name:
                    result.added, result.removed, result.modified = ids
            _derived(writer, early, staged)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            row: dict[str, Any] = {
                "build_id": build_id, "built_at": now, "geotwin_version": __version__,
                "parameters": {"iou_threshold": options.iou_threshold, "height_tolerance": options.height_tolerance,
                               "search_distance": options.search_distance, "crs": crs, "partitions": partitions,
                               "inputs": {"citymodel": [Path(p).name for p in inputs]}},
                "buildings": staged.roots, "added": len(result.added), "removed": len(result.removed),
                "modified": len(result.modified)}
            (writer.append if BUILDS.name in stored else writer.replace)(BUILDS, conform(pd.DataFrame([row]), BUILDS,
                                                                                         None))
    result.buildings = int(row["buildings"])
    if isinstance(result.added, _Unread) and local is not None:
        result.added = StoredIds(local, build_id, TWIN_BUILDINGS.name, "added",   # as many: from the store
                                 len(result.added))
    release_memory()   # the merge's freed C heap back to the system before the next phase
    reporter.progress(100.0)
    reporter.info(f"twin in {result.store}: {result.buildings} buildings from {len(cells)} partitions; "
                  f"{len(result.added)} added, {len(result.removed)} removed, {len(result.modified)} modified building "
                  "rows")


def _append_cells(writer: StoreWriter, ready: Iterator[str], reporter: Reporter, staged: _Staged,
                  first: Callable[[], None]) -> list[str]:
    """Append the per-building layers' rows of each cell ``ready`` yields (the layers are created empty at the first
    cell, or after the last when there is none), and stage the rest of its rows (``_Staged``); ``first`` runs once
    the first cell is in (or after the last when there is none), while the workers build the rest. The first cell's
    spatial index entries are inserted one by one, in feature id order (as writing its rows would), the others'
    wait for ``_merge_layer``. Returns the cells."""
    specs = [k.spec for k in SOURCE_KINDS[CITYMODEL] if k.spec.name in _PER_BUILDING]
    cells = staged.cells
    for cell in ready:
        reporter.check()
        if not cells:
            for spec in specs:
                writer.replace(spec, empty(spec, None))
        for spec, done in zip(specs, writer.append_layers(specs, cell, index=not cells)):   # the cell opened once
            if not done:
                writer.append(spec, GpkgStore(cell).read(spec))
        staged.add(cell)
        if len(cells) == 1:
            first()
    if not cells:
        for spec in specs:
            writer.replace(spec, empty(spec, None))
        first()
    return cells


class _FromInputs:
    """What the merge takes from the inputs alone, not from the cells, read once the first cell is in (``read``: while
    the workers build the rest): the other city model layers (those read whole, skipping the rows of objects an
    earlier input has, as the single-process build does; the other sources' empty) with their object hashes, the
    ``sources`` rows of the inputs (with their checksums), and the rows the cells must hold (``_check_complete``).
    The layers are written in the order the store's tables are created in: those before the first that has rows
    at once (creating an empty table adds no row anywhere else), the rest after the cells (``_merge_layer``), where
    the rows' AUTOINCREMENT counters are noted in the order they always were."""

    def __init__(self, inputs: Sequence[str], crs: str, repeats: Repeats) -> None:
        self.inputs, self.crs, self.repeats = inputs, crs, repeats
        self.frames: dict[str, pd.DataFrame] = {}     # per layer not yet written: its rows
        self.hashes: dict[str, dict[str, str]] = {}   # per layer: its object hashes by object id
        self.sources = empty(TWIN_SOURCES, None)
        self.expected: dict[str, int] = {}             # per-building layer: the rows the cells must hold

    def read(self, writer: StoreWriter, reporter: Reporter) -> None:
        """Read the inputs' layers and sources, and write the layers before the first with rows (see the class)."""
        for keyed in (k for layers in SOURCE_KINDS.values() for k in layers if k.spec.name not in _PER_BUILDING):
            reporter.check()
            frame = empty(keyed.spec, self.crs)
            if keyed.spec.name in _WHOLE:
                frames, seen = [], set[str]()
                for path in self.inputs:
                    kept, skipped = drop_repeated(read_layer(path, keyed.spec, self.crs), keyed.key, seen)
                    if len(skipped):
                        reporter.warning(repeated_message(path, len(skipped), keyed.spec.name, CITYMODEL,
                                                          skipped.iloc[0]))
                    frames.append(kept)
                frame = conform(pd.concat(frames, ignore_index=True), keyed.spec, self.crs)
            self.hashes[keyed.spec.name] = object_hashes(frame, keyed.spec, keyed.key)
            if len(frame) or self.frames:
                self.frames[keyed.spec.name] = frame
            else:
                writer.replace(keyed.spec, frame)
        reporter.check()
        sources = [source_rows(CITYMODEL, p, sha256_of(p), p) for p in self.inputs]
        self.sources = conform(pd.concat(sources, ignore_index=True), TWIN_SOURCES, None)
        self.expected = {layer: sum(_count(p, layer) for p in self.inputs if layer in gpkg.list_layers(p))
                         - self.repeats.rows(layer) for layer in _PER_BUILDING}


def _merge_layer(writer: StoreWriter, keyed: Keyed, early: _FromInputs, staged: _Staged,
                 collect: bool) -> dict[str, str] | None:
    """Write one layer's object hashes, and its rows when ``_FromInputs`` did not (the per-building layers' rows
    are in: ``_append_cells``); the hashes by object id when ``collect`` or the layer is not per building (else
    None)."""
    name = keyed.spec.name
    if name in _PER_BUILDING:
        return _copy_cells(writer, keyed.spec, staged, collect)
    if name in early.frames:
        writer.replace(keyed.spec, early.frames.pop(name))
    new = early.hashes[name]
    writer.append(OBJECT_HASHES, conform(pd.DataFrame({"layer": name, "object_id": list(new),
                                                       "object_hash": list(new.values())}), OBJECT_HASHES, None))
    return new


def _changes(writer: StoreWriter, name: str, old: pd.DataFrame | None, new: dict[str, str] | None,
             staged: _Staged, build_id: int) -> tuple[Sequence[str], list[str], list[str]]:
    """Append the layer's ``changes`` rows; returns (added, removed, modified) object ids.

    Into a new store every object is added: the cells' own ``changes`` rows (all ``added``) are copied in the
    cells' order for the per-building layers (from the staging file at once when it holds them)."""
    if old is None and name in _PER_BUILDING:
        added: list[str] = []
        copied = 0   # rows copied by SQL (a GeoPackage store): the ids are read from the store after the build
        table = f"changes_{name}"
        if staged.path is not None and writer.append_from(CHANGES, str(staged.path), values={"build_id": build_id},
                                                          table=table):
            copied = staged.rows[table] if name == TWIN_BUILDINGS.name else 0
            return (_Unread(copied) if copied else []), [], []
        for cell in staged.cells:
            if writer.append_from(CHANGES, cell, ("layer", name), {"build_id": build_id}):
                if name == TWIN_BUILDINGS.name:
                    with closing(gpkg.connect(cell)) as con:
                        copied += int(con.execute("SELECT count(*) FROM changes WHERE layer = ?",
                                                  (name,)).fetchone()[0])
                continue
            rows = GpkgStore(cell).read(CHANGES)
            rows = rows[rows["layer"] == name].copy()
            rows["build_id"] = build_id
            writer.append(CHANGES, conform(rows, CHANGES, None))
            if name == TWIN_BUILDINGS.name:
                added += [str(i) for i in rows["object_id"]]
        return (_Unread(copied + len(added)) if copied else sorted(added)), [], []
    before = {} if old is None else dict(zip(old["object_id"][old["layer"] == name],
                                             old["object_hash"][old["layer"] == name]))
    added, removed, modified = diff(before, new or {})
    rows = [{"build_id": build_id, "layer": name, "object_id": k, "change": c}
            for c, ids in (("added", added), ("removed", removed), ("modified", modified)) for k in ids]
    writer.append(CHANGES, conform(pd.DataFrame(rows), CHANGES, None))
    return added, removed, modified


class _Unread(Sequence[str]):
    """The ids of rows copied into the store's ``changes`` within the build's transaction: only their number is
    known until the store is written; then they are StoredIds."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: Any) -> Any:
        raise GeoTwinError("the added ids are read from the store once the build is written")


def _copy_cells(writer: StoreWriter, spec: Any, staged: _Staged, collect: bool) -> dict[str, str] | None:
    """Write the layer's object hashes of every cell, in the cells' order (its rows are in: ``_append_cells``), and
    its spatial index; the hashes by object id when ``collect``."""
    new: dict[str, str] | None = {} if collect else None
    if staged.path is not None and new is None and writer.append_from(OBJECT_HASHES, str(staged.path),
                                                                      table=f"hashes_{spec.name}"):
        writer.build_index(spec)
        return None
    for cell in staged.cells:
        if new is None and writer.append_from(OBJECT_HASHES, cell, ("layer", spec.name)):
            continue
        mine = GpkgStore(cell).read(OBJECT_HASHES)
        mine = mine[mine["layer"] == spec.name]
        writer.append(OBJECT_HASHES, mine)
        if new is not None:
            new.update(zip(mine["object_id"], mine["object_hash"]))
    writer.build_index(spec)   # the R-tree of all cells in one pass (row-by-row inserts cost more as it grows)
    return new


def _derived(writer: StoreWriter, early: _FromInputs, staged: _Staged) -> None:
    """Sources (of the inputs, as the single-process build records them: ``_FromInputs``), links, reports of all
    cells."""
    writer.replace(TWIN_SOURCES, early.sources)
    vertical = {Path(str(f)).name: v for f, v in zip(early.sources["source_file"], early.sources["vertical_crs"])}
    writer.replace(LINKS, empty(LINKS, None))
    if staged.path is None or not writer.append_from(LINKS, str(staged.path), table="links"):
        for cell in staged.cells:
            if not writer.append_from(LINKS, cell):
                writer.append(LINKS, GpkgStore(cell).read(LINKS))
    writer.replace(CONFLATION_REPORT, empty(CONFLATION_REPORT, None))
    heights = staged.heights()
    if len(heights):
        heights["vertical_crs"] = [vertical.get(n) for n in heights["source_file"]]
    writer.replace(HEIGHT_REPORT, conform(heights, HEIGHT_REPORT, None))


def build_twin_scaled(store: TwinStore, inputs: BuildInputs, work: str | os.PathLike[str], mapper: Mapper,
                      reporter: Reporter | None = None, options: ConflationOptions | None = None,
                      buildings_per_partition: int = DEFAULT_BUILDINGS_PER_PARTITION,
                      halo: float = DEFAULT_HALO, crs: str | None = None) -> BuildResult:
    """Build the twin of ``inputs`` in ``store``: the city model in partitions, then the other sources.

    The city model is built by ``build_partitioned``; when there are BIM, learning island or sensor inputs, the
    single-process build over all inputs follows, which takes the unchanged city model from the store and links
    the others to it.

    Args:
        store: the twin store.
        inputs: the input files per source kind.
        work: the folder of the cells and the manifest.
        mapper: runs the cells.
        reporter: progress, cancel and messages.
        options: the conflation options.
        buildings_per_partition: buildings per cell on average.
        halo: how far around a cell its worker reads (m).
        crs: the twin's CRS as asked for, or None; it must be the city model's (see ``build_partitioned``).

    Returns:
        The build's BuildResult.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> from geotwin.twin.build import BuildInputs
        >>> from geotwin.twin.scale.cluster import serial_mapper
        >>> from geotwin.twin.store.geopackage import GpkgStore
        >>> inputs = BuildInputs(citymodel=[str(folder / "city.gpkg")])
        >>> result = build_twin_scaled(GpkgStore(folder / "twin.gpkg"), inputs, folder / "work", serial_mapper(),
        ...                            buildings_per_partition=12)
        >>> result.buildings, len(result.added), result.crs
        (12, 12, 'EPSG:25832')
    """
    reporter = reporter or Reporter()
    options = options or ConflationOptions()
    if not inputs.citymodel:
        raise GeoTwinError("the partitioned build needs a city model: without one, build the twin without a "
                           "scheduler and workers")
    extras = bool(inputs.ifc or inputs.islands or inputs.sensors)
    scaled = build_partitioned(store, inputs.citymodel, work, mapper,
                               Stage(reporter, 0.0, 70.0 if extras else 100.0), options, buildings_per_partition,
                               halo, crs)
    if extras:
        reporter.info("linking BIM, learning islands and sensors to the city model in this process")
        return build_twin(store, inputs, options, Stage(reporter, 70.0, 100.0), crs)
    return BuildResult(scaled.store, buildings=scaled.buildings, added=scaled.added, removed=scaled.removed,
                       modified=scaled.modified, crs=scaled.crs)
