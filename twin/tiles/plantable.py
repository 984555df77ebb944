"""The partitioned export plan's per-building rows in a scratch SQLite file: flat memory however large the city.

The plan needs per building its id, its source box (x, y: the partitions' read boxes) and its ENU box (the
quadtree). ``PlanRows`` keeps them on disk, not in memory: the scan appends them, and once the quadtree's square
is known every building gets its cell: the path the quadtree would take it (explicit tiling: the quadrants of its
centre down to the deepest level; implicit tiling: the tiles that contain its whole box, with the same margin),
with exactly the comparisons ``quadtree.build_explicit`` and ``quadtree.build_implicit`` make, as one Morton code
of the deepest level (``m``) and, implicit, the depth it reaches (``d``). A tile's buildings are then one range of
codes: the tree above the partitions is built from SQL aggregates of those ranges (count, extent), and a
partition's buildings are read as one range, sorted by id, to grow its subtree from its root alone.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel.gpkg import scratch_database
from . import quadtree

__all__ = ["Aggregate", "PlanRows", "Rows", "descend_explicit", "descend_implicit"]

CHUNK = 20_000   # rows per read or write of the table
CODE_CHUNK = 2_000   # rows whose cells are computed at a time (code)
_BOX = ("lx", "ly", "lz", "hx", "hy", "hz")
_SRC = ("sx0", "sy0", "sx1", "sy1")


@dataclass
class Aggregate:
    """What the quadtree asks of a tile: how many buildings its subtree holds and their extent in x and y."""

    count: int
    lo_x: float
    lo_y: float
    hi_x: float
    hi_y: float

    @property
    def extent(self) -> float:
        """The larger side of their box, as ``build_explicit`` computes it."""
        return float(max(self.hi_x - self.lo_x, self.hi_y - self.lo_y))


@dataclass
class Rows:
    """Buildings read from the table, sorted by id (UTF-8 bytes order: the plan's id order)."""

    keys: NDArray[Any]        # ids, numpy bytes
    lo: NDArray[Any]          # ENU box (n x 3)
    hi: NDArray[Any]
    src_lo: NDArray[Any]      # source box in x, y (n x 2)
    src_hi: NDArray[Any]


def descend_explicit(centres: NDArray[Any], square: tuple[float, float, float], levels: int) -> NDArray[Any]:
    """The Morton code (2 bits a level, quadrant ``2 * dy + dx``) of the cell of level ``levels`` that the
    explicit quadtree takes each centre to (``c >= x0 + half``, ``x0 + dx * half``, as ``build_explicit``).

    Args:
        centres: (n, 3) the buildings' ENU centres.
        square: the root square (x0, y0, size).
        levels: the deepest level.

    Returns:
        int64 codes.

    Example:
        >>> descend_explicit(np.array([[1.0, 1.0, 0.0], [3.0, 1.0, 0.0], [3.0, 3.0, 0.0]]), (0.0, 0.0, 4.0), 1)
        array([0, 1, 3])
    """
    x0, y0 = np.full(len(centres), square[0]), np.full(len(centres), square[1])
    size = square[2]
    code: NDArray[Any] = np.zeros(len(centres), np.int64)
    for _ in range(levels):
        half = size / 2
        qx = centres[:, 0] >= x0 + half
        qy = centres[:, 1] >= y0 + half
        x0, y0 = x0 + qx * half, y0 + qy * half
        code = code * 4 + 2 * qy.astype(np.int64) + qx.astype(np.int64)
        size = half
    return code


def descend_implicit(lo: NDArray[Any], hi: NDArray[Any], square: tuple[float, float, float], levels: int,
                     margin: float = quadtree.IMPLICIT_MARGIN) -> tuple[NDArray[Any], NDArray[Any]]:
    """The deepest tile (down to ``levels``) of the implicit quadtree that contains each box with ``margin`` (the
    comparisons of ``build_implicit``): its Morton code, shifted to the deepest level, and its level.

    Args:
        lo: (n, 3) the buildings' lower ENU bounds.
        hi: (n, 3) their upper bounds.
        square: the root square (x0, y0, size).
        levels: the deepest level.
        margin: metres around each box.

    Returns:
        (int64 codes of level ``levels``, int64 depths).

    Example:
        >>> lo = np.array([[0.5, 0.5, 0.0], [1.8, 0.5, 0.0], [2.5, 2.5, 0.0]])   # the second lies across x = 2
        >>> codes, depths = descend_implicit(lo, lo + 0.4, (0.0, 0.0, 4.0), 2)
        >>> codes.tolist(), depths.tolist()
        ([0, 0, 12], [2, 0, 2])
    """
    n = len(lo)
    x0, y0 = np.full(n, square[0]), np.full(n, square[1])
    size = square[2]
    code: NDArray[Any] = np.zeros(n, np.int64)
    depth: NDArray[Any] = np.zeros(n, np.int64)
    active: NDArray[Any] = np.ones(n, bool)
    for _ in range(levels):
        half = size / 2
        fits_x = [(lo[:, 0] - margin >= x0 + dx * half) & (hi[:, 0] + margin <= x0 + dx * half + half) for dx in (0, 1)]
        fits_y = [(lo[:, 1] - margin >= y0 + dy * half) & (hi[:, 1] + margin <= y0 + dy * half + half) for dy in (0, 1)]
        qx, qy = fits_x[1], fits_y[1]
        active &= (fits_x[0] | qx) & (fits_y[0] | qy)
        x0, y0 = np.where(active, x0 + qx * half, x0), np.where(active, y0 + qy * half, y0)
        code = np.where(active, code * 4 + 2 * qy.astype(np.int64) + qx.astype(np.int64), code)
        depth += active
        size = half
    return code << (2 * (levels - depth)), depth


class PlanRows:
    """The plan's buildings in a scratch SQLite file at ``path``: appended in scan order (``add``), their ENU boxes
    in the same order (``add_enu``), then coded (``code``) and read by tile (``aggregate``, ``rows``)."""

    def __init__(self, path: Path) -> None:
        self.con: sqlite3.Connection = scratch_database(path)
        self.con.execute("CREATE TABLE scan (id BLOB, sx0 REAL, sy0 REAL, sx1 REAL, sy1 REAL)")
        self.con.execute("CREATE TABLE enu (id BLOB, sx0 REAL, sy0 REAL, sx1 REAL, sy1 REAL, lx REAL, ly REAL, "
                         "lz REAL, hx REAL, hy REAL, hz REAL)")
        self.scanned = 0
        self.placed = 0
        self.levels = 0
        self.implicit = False

    def close(self) -> None:
        self.con.close()

    def add(self, keys: NDArray[Any], lo: NDArray[Any], hi: NDArray[Any]) -> None:
        """Append buildings of the scan: ids (bytes) and source boxes (x, y)."""
        self.con.executemany("INSERT INTO scan VALUES (?, ?, ?, ?, ?)",
                             zip(keys.tolist(), lo[:, 0].tolist(), lo[:, 1].tolist(), hi[:, 0].tolist(),
                                 hi[:, 1].tolist()))
        self.scanned += len(keys)

    def scanned_ids(self) -> Iterator[tuple[bytes, float, float, float, float]]:
        """The scan's rows in their order, a chunk at a time."""
        last = 0
        while True:
            chunk = self.con.execute("SELECT rowid, id, sx0, sy0, sx1, sy1 FROM scan WHERE rowid > ? ORDER BY rowid "
                                     "LIMIT ?", (last, CHUNK)).fetchall()
            if not chunk:
                return
            last = chunk[-1][0]
            for row in chunk:
                yield row[1:]

    def add_enu(self, rows: list[tuple[bytes, float, float, float, float]], lo: NDArray[Any],
                hi: NDArray[Any]) -> None:
        """Append buildings with their ENU boxes (``rows``: id and source box, as ``scanned_ids`` gives them)."""
        self.con.executemany("INSERT INTO enu VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [(*r, *a, *b) for r, a, b in zip(rows, lo.tolist(), hi.tolist())])
        self.placed += len(rows)

    def add_placed(self, keys: NDArray[Any], src: NDArray[Any], lo: NDArray[Any], hi: NDArray[Any]) -> None:
        """Append buildings with their source boxes (n x 4: x0, y0, x1, y1) and ENU boxes (the scan's order)."""
        self.con.executemany("INSERT INTO enu VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             zip(keys.tolist(), *src.T.tolist(), *lo.T.tolist(), *hi.T.tolist()))
        self.placed += len(keys)

    def code(self, square: tuple[float, float, float], implicit: bool) -> None:
        """Give every building its cell in the quadtree of ``square`` (the table ``b``, indexed by code).

        Only the ENU boxes pass through Python, ``CODE_CHUNK`` rows at a time; the rows themselves are copied by
        SQLite (a coordinator that holds 20,000 rows' tuples at a time beside a Dask client's thread kept the
        heap they fragmented: +18 MB at 300,000 buildings)."""
        self.con.execute("DROP TABLE scan")
        self.implicit = implicit
        self.levels = quadtree.IMPLICIT_MAX_LEVEL if implicit else quadtree.EXPLICIT_MAX_LEVEL
        self.con.execute("CREATE TABLE c (r INTEGER PRIMARY KEY, m INTEGER, d INTEGER)")
        last = 0
        while chunk := self.con.execute("SELECT rowid, lx, ly, lz, hx, hy, hz FROM enu WHERE rowid > ? ORDER BY "
                                        "rowid LIMIT ?", (last, CODE_CHUNK)).fetchall():
            last = chunk[-1][0]
            values = np.array(chunk, np.float64).reshape(-1, 7)
            lo, hi = values[:, 1:4], values[:, 4:7]
            if implicit:
                codes, depths = descend_implicit(lo, hi, square, self.levels)
            else:
                codes, depths = descend_explicit((lo + hi) / 2, square, self.levels), np.zeros(len(lo), np.int64)
            self.con.executemany("INSERT INTO c VALUES (?, ?, ?)",
                                 zip((r[0] for r in chunk), codes.tolist(), depths.tolist()))
            del chunk
        self.con.execute("CREATE TABLE b (m INTEGER, d INTEGER, id BLOB, sx0 REAL, sy0 REAL, sx1 REAL, sy1 REAL, "
                         "lx REAL, ly REAL, lz REAL, hx REAL, hy REAL, hz REAL)")
        self.con.execute(f"INSERT INTO b SELECT c.m, c.d, e.id, {', '.join('e.' + n for n in _SRC + _BOX)} "
                         "FROM enu e JOIN c ON c.r = e.rowid ORDER BY e.rowid")
        self.con.execute("DROP TABLE c")
        self.con.execute("DROP TABLE enu")
        self.con.execute("CREATE INDEX b_m ON b (m, d, lx, ly, hx, hy)")
        self.con.commit()

    def _range(self, level: int, prefix: int) -> tuple[str, tuple[int, ...]]:
        """The condition of the buildings in the subtree of the tile of Morton ``prefix`` at ``level``."""
        shift = 2 * (self.levels - level)
        where = "m >= ? AND m < ?" + (" AND d >= ?" if self.implicit else "")
        return where, (prefix << shift, (prefix + 1) << shift, *((level,) if self.implicit else ()))

    def aggregate(self, level: int, prefix: int) -> Aggregate:
        """Count and x, y extent of the buildings in the subtree of a tile."""
        where, args = self._range(level, prefix)
        row = self.con.execute(f"SELECT count(*), min(lx), min(ly), max(hx), max(hy) FROM b WHERE {where}",
                               args).fetchone()
        return Aggregate(int(row[0]), *(float(v) if v is not None else 0.0 for v in row[1:]))

    def own_count(self, level: int, prefix: int) -> int:
        """Implicit tiling: the buildings a split tile keeps (those that fit in none of its children)."""
        where, args = self._range(level, prefix)
        return int(self.con.execute(f"SELECT count(*) FROM b WHERE {where} AND d = ?", (*args, level)).fetchone()[0])

    def rows(self, level: int, prefix: int, own: bool = False) -> Rows:
        """The buildings in the subtree of a tile (``own``: only those the tile keeps), sorted by id."""
        where, args = self._range(level, prefix)
        if own:
            where, args = where + " AND d = ?", (*args, level)
        found = self.con.execute(f"SELECT id, {', '.join(_BOX + _SRC)} FROM b WHERE {where}", args).fetchall()
        return rows_of(found)


def rows_of(found: list[tuple[Any, ...]]) -> Rows:
    """Rows (id, ENU box, source box) sorted by id.

    Example:
        >>> rows_of([(b"b", 0, 0, 0, 1, 1, 1, 5, 5, 6, 6), (b"a", 2, 2, 0, 3, 3, 1, 7, 7, 8, 8)]).keys.tolist()
        [b'a', b'b']
    """
    keys: NDArray[Any] = np.array([r[0] for r in found], dtype=bytes) if found else np.empty(0, "S1")
    values = np.array([r[1:] for r in found], np.float64).reshape(-1, 10)
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    return Rows(keys, values[:, 0:3], values[:, 3:6], values[:, 6:8], values[:, 8:10])
