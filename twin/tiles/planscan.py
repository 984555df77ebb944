"""The partitioned export plan's two passes over ``buildings`` in ranges of rows, run by any mapper (Dask or serial).

The plan (``partitioned.plan_export``) reads every building twice: its id, attributes and source box (the
first pass: the frame is the centre of all boxes), then its ENU box in that frame (the second pass: the
quadtree). Both read whole geometries, most of the plan's time; here a pass is one task per ``ScanRange`` (a
run of consecutive rows, ``StoreReader.row_ranges``; a whole number of the plan's read batches, so every batch
holds the rows it holds when the layer is read at once), run where the mapper runs it; each returns compact
arrays, and the coordinator takes them in the rows' order:

- ``scan_range`` (first pass): the range's buildings with own geometry (ids as numpy bytes, source boxes), the
  rows without geometry, parts and their parents, the attributes' ``ColumnStats``, the rows skipped (no id, an
  id twice within the range) and a digest of the kept ids. An id the coordinator saw in an earlier range (its
  scratch table of ids) is a duplicate: the range is scanned again with those ids excluded (``exclude``), so
  the first row of an id is kept as a scan of the whole layer keeps it.
- ``EnuPass`` (second pass): the same buildings (selected by the same rules; the digest shows that the layer did
  not change in between), their vertices georeferenced into the plan's frame, per building its source box (x, y)
  and ENU box.

A range that fails is named by its rows (``str(range)``: ``buildings rows 20001..30000``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from ..kernel.errors import GeoTwinError, InputError
from ..kernel.heights import Georeferencer, resolve_height_model
from ..kernel.progress import Reporter
from ..kernel.schema import BUILDINGS
from .columns import ColumnStats
from .frame import EnuFrame, georeference
from .source import row_id

__all__ = ["EnuPass", "RangeEnu", "RangeScan", "ScanRange", "boxes", "parsed", "rescan", "scan_range"]


@dataclass(frozen=True)
class ScanRange:
    """Rows ``row + 1 .. row + rows`` of the store's ``buildings`` (feature ids ``first..last``), read ``batch``
    rows at a time; ``exclude``: ids seen in earlier ranges (their rows here are duplicates)."""

    index: int
    target: str
    schema: str
    label: str
    columns: tuple[str, ...]
    batch: int
    first: int
    last: int
    row: int
    rows: int
    exclude: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return f"buildings rows {self.row + 1}..{self.row + self.rows}"   # how a mapper names the task

    def read(self, columns: list[str]) -> Any:
        """The range's rows: (row tuples of ``columns``, WKBs) a batch at a time."""
        from ..store.open import open_store

        return open_store(self.target, self.schema).iter_rows(BUILDINGS.name, columns, self.batch,
                                                              fids=(self.first, self.last))


@dataclass
class RangeScan:
    """The first pass over one range (see the module's description); ``error`` instead when it failed."""

    index: int
    rows: int = 0                                  # rows read
    keys: NDArray[Any] = field(default_factory=lambda: np.empty(0, "S1"))   # own geometry, row order
    ids: NDArray[Any] = field(default_factory=lambda: np.empty(0, "S1"))    # every id it kept (also no geometry)
    src_min: NDArray[Any] = field(default_factory=lambda: np.full(3, np.inf))
    src_max: NDArray[Any] = field(default_factory=lambda: np.full(3, -np.inf))
    stats: ColumnStats = field(default_factory=lambda: ColumnStats(BUILDINGS.fields))
    no_geometry: list[tuple[str, dict[str, Any]]] = field(default_factory=list)   # in the order a whole scan finds
    part_of: list[tuple[str, str]] = field(default_factory=list)   # a part's id, its parent's id
    skipped: list[tuple[int, str]] = field(default_factory=list)   # row number within the range (1-based), why
    digest: str = ""                               # sha1 of ``keys``
    error: str = ""
    bad_input: bool = False


@dataclass
class RangeEnu:
    """The second pass over one range: per kept building its id, source box (x0, y0, x1, y1) and ENU box."""

    index: int
    keys: NDArray[Any]
    src: NDArray[Any]
    lo: NDArray[Any]
    hi: NDArray[Any]
    digest: str = ""
    error: str = ""


def parsed(row: dict[str, Any], label: str) -> dict[str, Any]:
    """The row with its ``attributes`` JSON parsed (as ``source.attribute_rows``).

    Example:
        >>> parsed({"id": "a", "attributes": '{"storeys": 2}'}, "city.gpkg")["attributes"]
        {'storeys': 2}
    """
    raw = row.get("attributes")
    if not (isinstance(raw, str) and raw.strip()):
        return row
    try:
        return {**row, "attributes": json.loads(raw)}
    except json.JSONDecodeError as err:
        raise InputError(f"attributes is not valid JSON: {err}", path=label, obj=str(row.get("id"))) from err


def boxes(wkbs: list[bytes]) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Per geometry: whether it has coordinates, and the min/max of its (x, y, z) (NaN z as 0); the coordinates.

    Example:
        >>> from shapely.geometry import Point, Polygon
        >>> ok, lo, hi, _ = boxes([Polygon([(0, 0, 1), (2, 0, 1), (2, 3, 5)]).wkb, Point().wkb])
        >>> ok.tolist(), lo.tolist(), hi.tolist()
        ([True, False], [[0.0, 0.0, 1.0]], [[2.0, 3.0, 5.0]])
    """
    geoms = shapely.from_wkb(np.array(wkbs, dtype=object))
    ok = ~shapely.is_empty(geoms)
    xyz, index = shapely.get_coordinates(geoms[ok], include_z=True, return_index=True)
    xyz = np.nan_to_num(xyz)
    starts = np.searchsorted(index, np.arange(int(ok.sum())))
    lo = np.column_stack([np.minimum.reduceat(xyz[:, j], starts) for j in range(3)]) if len(starts) else \
        np.empty((0, 3))
    hi = np.column_stack([np.maximum.reduceat(xyz[:, j], starts) for j in range(3)]) if len(starts) else \
        np.empty((0, 3))
    return ok, lo, hi, xyz


def _keys(ids: list[str]) -> NDArray[Any]:
    out: NDArray[Any] = np.array([i.encode("utf-8") for i in ids], dtype=bytes)
    return out if len(out) else np.empty(0, dtype="S1")


def _digest(keys: list[str]) -> str:
    return hashlib.sha1("\0".join(keys).encode("utf-8")).hexdigest()


def _candidates(item: ScanRange, seen: set[str], rows: list[dict[str, Any]], wkbs: list[bytes | None],
                out: RangeScan | None) -> list[int]:
    """The batch's rows that a whole scan keeps (an id, first of it, not excluded), those with a WKB by index;
    the others recorded in ``out`` (skipped, or without geometry)."""
    picked = []
    for n, (row, wkb) in enumerate(zip(rows, wkbs)):
        bid = row_id(row)
        if out is not None:
            out.rows += 1
        if not bid or bid in seen or bid in item.exclude:
            if out is not None:
                out.skipped.append((out.rows, f"duplicate id {bid}" if bid else "no id"))
            continue
        seen.add(bid)
        if wkb is None:
            if out is not None:
                out.no_geometry.append((bid, row))
            continue
        picked.append(n)
    return picked


def _scan_batch(item: ScanRange, out: RangeScan, seen: set[str], batch: list[tuple[Any, ...]],
                wkbs: list[bytes | None], own: list[str], ids: list[str]) -> None:
    rows = [dict(zip(item.columns, values)) for values in batch]
    first = len(out.no_geometry)
    picked = _candidates(item, seen, rows, wkbs, out)
    ids.extend(bid for bid, _ in out.no_geometry[first:])
    if not picked:
        return
    ok, lo, hi, _ = boxes([wkbs[n] for n in picked])   # type: ignore[misc]   # picked rows have a WKB
    kept = []
    for n, has in zip(picked, ok.tolist()):
        row, bid = rows[n], row_id(rows[n])
        ids.append(bid)
        if not has:
            out.no_geometry.append((bid, row))
            continue
        kept.append(bid)
        if row.get("parent_id"):
            out.part_of.append((bid, str(row["parent_id"])))
        out.stats.add(parsed(row, item.label))
    if kept:
        own.extend(kept)
        out.src_min = np.minimum(out.src_min, lo.min(axis=0))
        out.src_max = np.maximum(out.src_max, hi.max(axis=0))


def scan_range(item: ScanRange) -> RangeScan:
    """The first pass over the rows of ``item`` (see the module's description); a failure as ``error``.

    Args:
        item: the range.

    Returns:
        Its RangeScan.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> item = ScanRange(0, str(folder / "city.gpkg"), "", "city", ("id", "parent_id"), 5, 3, 9, 2, 7)
        >>> str(item), scan_range(item).rows, len(scan_range(item).keys)
        ('buildings rows 3..9', 7, 7)
    """
    out = RangeScan(item.index)
    seen: set[str] = set()
    own: list[str] = []
    ids: list[str] = []
    try:
        for batch, wkbs in item.read(list(item.columns)):
            _scan_batch(item, out, seen, batch, wkbs, own, ids)
    except GeoTwinError as err:
        return RangeScan(item.index, error=str(err), bad_input=isinstance(err, InputError))
    out.keys, out.ids, out.digest = _keys(own), _keys(ids), _digest(own)
    out.stats.flush()   # its pending rows typed before it travels
    return out


def rescan(item: ScanRange, exclude: set[str]) -> RangeScan:
    """``scan_range`` of ``item`` with ``exclude`` (ids of earlier ranges) skipped as duplicates.

    Example:
        >>> "cannot read the twin" in rescan(ScanRange(0, "none.gpkg", "", "none", ("id",), 5, 1, 5, 0, 5), {"a"}).error
        True
    """
    return scan_range(replace(item, exclude=frozenset(item.exclude | exclude)))


@dataclass(frozen=True)
class EnuPass:
    """The second pass as a function of the range (what a mapper calls; pickles with the frame and the height
    model's description, resolved again where it runs)."""

    horizontal: str
    vertical: str | None
    geoid_model: str | None
    options: dict[str, Any]                        # height_method, geoid_grid, geoid_constant
    heights: dict[str, Any]                        # the plan's height model (as_dict)
    frame: EnuFrame

    def georeferencer(self) -> Georeferencer:
        """The plan's georeferencer (a GeoTwinError where this process resolves another height model)."""
        heights = resolve_height_model(self.horizontal, self.vertical, self.options["height_method"],
                                       self.options["geoid_grid"], self.options["geoid_constant"], Reporter(),
                                       geoid_model=self.geoid_model)
        if heights.as_dict() != self.heights:
            raise GeoTwinError(f"this worker resolves another height model ({heights.description}) than the plan "
                               f"({self.heights.get('description')}): it lacks the plan's grid")
        return Georeferencer(self.horizontal, heights)

    def __call__(self, item: ScanRange) -> RangeEnu:
        empty = np.empty((0, 3))
        try:
            return self._run(item, self.georeferencer())
        except GeoTwinError as err:
            return RangeEnu(item.index, np.empty(0, "S1"), np.empty((0, 4)), empty, empty, error=str(err))

    def _run(self, item: ScanRange, geo: Georeferencer) -> RangeEnu:
        keys: list[str] = []
        parts: list[tuple[NDArray[Any], NDArray[Any], NDArray[Any]]] = []
        seen: set[str] = set()
        for batch, wkbs in item.read(["id"]):
            rows = [{"id": values[0]} for values in batch]
            picked = _candidates(item, seen, rows, wkbs, None)
            if not picked:
                continue
            pick = [wkbs[n] for n in picked]
            ok, src_lo, src_hi, xyz = boxes(pick)
            if not ok.any():
                continue
            keys.extend(row_id(rows[n]) for n, has in zip(picked, ok.tolist()) if has)
            sizes = shapely.get_num_coordinates(shapely.from_wkb(np.array(pick, dtype=object)[ok]))
            enu = georeference(geo, self.frame, xyz)
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            lo = np.column_stack([np.minimum.reduceat(enu[:, j], starts) for j in range(3)])
            hi = np.column_stack([np.maximum.reduceat(enu[:, j], starts) for j in range(3)])
            parts.append((np.column_stack([src_lo[:, :2], src_hi[:, :2]]), lo, hi))
        if not parts:
            return RangeEnu(item.index, np.empty(0, "S1"), np.empty((0, 4)), np.empty((0, 3)), np.empty((0, 3)),
                            _digest(keys))
        src, lo, hi = (np.concatenate([p[i] for p in parts]) for i in range(3))
        return RangeEnu(item.index, _keys(keys), src, lo, hi, _digest(keys))
