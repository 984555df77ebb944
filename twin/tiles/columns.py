"""The metadata columns of a tileset typed in one streaming pass: ``ColumnStats`` sees the rows one at a time (never
all of them at once) and gives the same types, enums and schema identifiers as ``metadata.build_columns`` over
all rows; ``partition_columns`` then makes the columns of one partition's rows with those global types, so every
partition encodes its property tables as the whole export would.

Exact as long as a STRING column has at most ``DISTINCT_CAP`` distinct raw values (beyond it the column is no ENUM,
as ``build_columns`` decides too, unless thousands of its values collapse into a few texts, e.g. 1 and "1").
"""
from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .metadata import (
    AS_IS,
    ENUM_MAX,
    ENUM_NO_DATA,
    INT32,
    SPEC_TYPES,
    Column,
    as_type,
    flat_row,
    is_id_column,
    json_fields_of,
    unique_identifier,
)

DISTINCT_CAP = 4 * ENUM_MAX   # distinct raw values kept per column (an ENUM has at most ENUM_MAX)
BATCH = 2_000                 # rows typed a column at a time


@dataclass
class _Stats:
    """What one column's typing needs of all its values."""

    present: int = 0                                   # rows with a value that is not None
    types: set[type] = field(default_factory=set)
    imin: int | None = None                            # range of the int values (int() of them for ``int`` fields)
    imax: int | None = None
    empty: bool = False                                # "" among the values
    distinct: set[tuple[str, Any]] = field(default_factory=set)
    overflow: bool = False

    def add(self, values: list[Any], as_int: bool) -> None:
        """A batch of the column's values (None for a row without it)."""
        types = set(map(type, values))
        if float in types:   # NaN and infinities: missing
            values = [None if type(v) is float and not math.isfinite(v) else v for v in values]
            types = set(map(type, values))
        types.discard(type(None))
        present = [v for v in values if v is not None] if None in values else values
        if not present:
            return
        self.present += len(present)
        self.types |= types
        numbers = [int(v) for v in present] if as_int else [v for v in present if type(v) is int] \
            if int in types else []
        if numbers:
            low, high = min(numbers), max(numbers)
            self.imin = low if self.imin is None else min(self.imin, low)
            self.imax = high if self.imax is None else max(self.imax, high)
        if str in types and "" in present:
            self.empty = self.empty or any(v == "" and type(v) is str for v in present)
        if not self.overflow:
            if types & {list, dict}:
                present = [as_type(v, "STRING") if isinstance(v, (list, dict)) else v for v in present]
            self.distinct |= set(zip(map(lambda v: type(v).__name__, present), present))
            self._overflows(len(self.distinct) > DISTINCT_CAP)

    def merge(self, other: _Stats) -> None:
        """The values of ``other`` (rows after this one's) as if added here: the same result in either case."""
        self.present += other.present
        self.types |= other.types
        for value in (other.imin, other.imax):
            if value is not None:
                self.imin = value if self.imin is None else min(self.imin, value)
                self.imax = value if self.imax is None else max(self.imax, value)
        self.empty = self.empty or other.empty
        if not self.overflow:
            self.distinct |= other.distinct   # an equal value already here stays (the first one seen, as ``add``)
            self._overflows(other.overflow or len(self.distinct) > DISTINCT_CAP)

    def _overflows(self, overflow: bool) -> None:
        """Past ``DISTINCT_CAP`` the distinct values are not needed (no ENUM): dropped, so that they neither
        travel with a range's stats nor stay in memory."""
        if overflow:
            self.overflow, self.distinct = True, set()


@dataclass(frozen=True)
class ColumnType:
    """A column's global typing: name, schema identifier, type, ENUM names and whether any value is missing."""

    name: str
    id: str
    type: str
    enum: list[str] | None
    has_missing: bool
    spec: str | None          # the layer's field type (``int`` values are made int first)

    def column(self, values: list[Any]) -> Column:
        """The Column of ``values`` (one per feature, plain as read) typed as the whole export types it."""
        kind = "STRING" if self.type == "ENUM" else self.type
        types = set(map(type, values))
        if float in types:   # NaN and infinities: missing
            values = [None if type(v) is float and not math.isfinite(v) else v for v in values]
            types = set(map(type, values))
        types.discard(type(None))
        if self.spec == "int" or not types <= AS_IS.get(kind, set()):   # else they are typed as they are
            values = [None if v is None else as_type(int(v) if self.spec == "int" else v, kind) for v in values]
        col = Column(self.name, self.id, self.type, values, self.enum)
        col.__dict__["has_missing"] = self.has_missing   # the cached property, as over all rows
        return col


class ColumnStats:
    """Streaming ``build_columns``: ``add`` each row (``attributes`` parsed), then ``types()``."""

    def __init__(self, spec_fields: dict[str, str] | None = None) -> None:
        self.spec_fields = spec_fields or {}
        self.json_fields = json_fields_of(self.spec_fields)
        self.rows = 0
        self.stats: dict[str, _Stats] = {}
        self._pending: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        self._pending.append(flat_row(row, self.spec_fields, self.json_fields))
        if len(self._pending) >= BATCH:
            self._flush()

    def add_all(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def merge(self, other: ColumnStats) -> None:
        """Take in the rows ``other`` saw (after those seen here, in the same ``spec_fields``): ``types()`` is then
        what one ColumnStats that saw them all gives (the plan's ranges of rows, typed on the workers).

        Example:
            >>> rows = [{"id": "a", "storeys": 2}, {"id": "b", "storeys": "x"}, {"id": "c"}]
            >>> whole, first, second = ColumnStats(), ColumnStats(), ColumnStats()
            >>> whole.add_all(rows), first.add_all(rows[:1]), second.add_all(rows[1:])
            (None, None, None)
            >>> first.merge(second)
            >>> first.types() == whole.types()
            True
        """
        self._flush()
        other.flush()
        self.rows += other.rows
        for name, stats in other.stats.items():
            if name in self.stats:
                self.stats[name].merge(stats)
            else:
                self.stats[name] = copy.deepcopy(stats)

    def flush(self) -> None:
        """Type the rows added so far (before the stats are sent elsewhere: they travel without pending rows).

        Example:
            >>> stats = ColumnStats()
            >>> stats.add({"id": "a"}); stats.flush(); sorted(stats.stats)
            ['id']
        """
        self._flush()

    def _flush(self) -> None:
        """The pending rows into each column's stats, a column at a time."""
        pending, self._pending = self._pending, []
        names: set[str] = set()
        for flat in pending:
            names.update(flat)
        for name in names:
            stats = self.stats.get(name)
            if stats is None:
                stats = self.stats[name] = _Stats()
            stats.add(list(map(dict.get, pending, itertools.repeat(name))), self.spec_fields.get(name) == "int")

    def types(self) -> list[ColumnType]:
        """The columns in ``build_columns``' order with its types, enums and identifiers."""
        self._flush()
        spec = self.spec_fields
        names = [n for n in spec if n in self.stats] + sorted(n for n in self.stats if n not in spec)
        taken: set[str] = set()
        return [self._type(name, unique_identifier(name, taken)) for name in names]

    def _type(self, name: str, ident: str) -> ColumnType:
        s, spec = self.stats[name], self.spec_fields.get(name)
        missing = s.present < self.rows
        types: set[type] = {int} if spec == "int" and s.types else set(s.types)
        kind = SPEC_TYPES.get(spec or "") if spec != "int" else None
        if kind is None:
            kind = _infer(types, missing, s.imin, s.imax)
        if kind == "BOOLEAN" and missing:
            kind = "STRING"
        enum = None
        empty = s.empty and kind == "STRING"
        if kind == "STRING" and not is_id_column(name) and not s.overflow:
            as_is = types <= AS_IS["STRING"]
            distinct = {v if as_is else as_type(v, "STRING") for _, v in s.distinct} - {None, ""}
            if distinct and ENUM_NO_DATA not in distinct and len(distinct) <= min(ENUM_MAX, self.rows / 4):
                kind, enum = "ENUM", [ENUM_NO_DATA, *sorted(distinct)]
        return ColumnType(name, ident, kind, enum, missing or empty, spec)


def _infer(types: set[type], missing: bool, imin: int | None, imax: int | None) -> str:
    """``metadata._infer`` from the column's value types, whether any is missing and the range of its ints."""
    if not types:
        return "STRING"
    if types == {bool}:
        return "BOOLEAN" if not missing else "STRING"
    if types == {int}:
        assert imin is not None and imax is not None, "int values have a range"
        return "INT32" if INT32[0] < imin and imax <= INT32[1] else "INT64"
    if types <= {int, float}:
        return "FLOAT64"
    return "STRING"


def partition_columns(types: list[ColumnType], rows: Iterable[dict[str, Any]],
                      spec_fields: dict[str, str]) -> list[Column]:
    """Type one partition's rows with the export's global column types.

    Args:
        types: the global ColumnTypes (``ColumnStats.types()`` over the whole export).
        rows: the partition's buildings then containers, ``attributes`` parsed.
        spec_fields: the layer's field name -> type.

    Returns:
        One Column per type, its values those of ``rows`` (None where a row has none).

    Example:
        >>> spec = {"id": "str", "storeys": "int"}
        >>> stats = ColumnStats(spec)
        >>> stats.add_all([{"id": "B1", "storeys": 3}, {"id": "B2", "storeys": None}])
        >>> [(c.name, c.type, c.values) for c in partition_columns(stats.types(), [{"id": "B2"}], spec)]
        [('id', 'STRING', ['B2']), ('storeys', 'INT32', [None])]
    """
    json_fields = json_fields_of(spec_fields)
    flat = [flat_row(r, spec_fields, json_fields) for r in rows]
    return [t.column([f.get(t.name) for f in flat]) for t in types]


def schema_columns(types: list[ColumnType]) -> list[Column]:
    """Give columns without values, for the metadata schema (type, enum, noData) of the whole export.

    Args:
        types: the global ColumnTypes.

    Returns:
        One empty Column per type.

    Example:
        >>> stats = ColumnStats({"id": "str", "storeys": "int"})
        >>> stats.add_all([{"id": "B1", "storeys": 3}, {"id": "B2", "storeys": None}])
        >>> [(c.name, c.type, c.values, c.has_missing) for c in schema_columns(stats.types())]
        [('id', 'STRING', [], False), ('storeys', 'INT32', [], True)]
    """
    return [t.column([]) for t in types]
