"""GeoPackage backend of the twin store (every file access through ``kernel.gpkg``)."""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from operator import itemgetter
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import pandas as pd

from ..kernel import gpkg
from ..kernel.atomic import atomic_path, failure_reason, is_storage_error
from ..kernel.errors import GeoTwinError
from ..kernel.gpkg import check_gpkg, gpkg_tables, legacy_twin, mark_gpkg
from ..kernel.ownership import LEGACY, TWIN
from ..kernel.progress import Reporter
from ..kernel.schema import LayerSpec
from .base import BBox, RowRange, StoreWriter, TwinStore, WhereIn, column_spec, where_values
from .frames import conform, empty, spec_from_info

_COPY_BLOCK = 16 << 20
_WHERE_CHUNK = 500      # values per OGR SQL filter of a read(where_in=)
_P = ParamSpec("_P")
_R = TypeVar("_R")
_S = TypeVar("_S", bound="GpkgStore")


def _copy(source: Path, target: Path, reporter: Reporter) -> None:
    """shutil.copyfile that sees a cancel every 16 MiB."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        while block := src.read(_COPY_BLOCK):
            reporter.check()
            dst.write(block)


class GpkgStoreWriter(StoreWriter):
    """The changes of one build, written into the copy of the twin GeoPackage at ``path``."""


    def __init__(self, path: Path, crs: str | None, reporter: Reporter) -> None:
        self.path = path
        self.crs = crs
        self.reporter = reporter
        # per layer: the R-tree leaves of append_from(index=False)'s entries, packed as each partition comes in, for
        # build_index (which builds the levels above them)
        self._gathered: dict[str, gpkg.RtreeLeaves] = {}

    def _write(self, spec: LayerSpec, frame: pd.DataFrame, append: bool) -> None:
        gpkg.write_frame(self.path, spec, conform(frame, spec, self.crs), append, self.ROWS_PER_CHECK,
                         self.reporter.check)   # a cancel is seen between chunks

    def replace(self, spec: LayerSpec, frame: pd.DataFrame) -> None:
        self._write(spec, frame, append=False)

    def append(self, spec: LayerSpec, frame: pd.DataFrame) -> None:
        self._write(spec, frame, append=True)

    def append_from(self, spec: LayerSpec, source: str, where: tuple[str, Any] | None = None,
                    values: dict[str, Any] | None = None, index: bool = True, table: str | None = None) -> bool:
        self.reporter.check()
        # self.path is the transaction's temporary file (atomic_path), moved into place when complete
        count = gpkg.append_rows(self.path, source, spec, where, values, index, durable=False, table=table)
        if count is not None and not index:
            self._pack(spec)
        return count is not None

    def append_layers(self, specs: Sequence[LayerSpec], source: str, index: bool = True) -> list[bool]:
        self.reporter.check()
        counts = gpkg.append_layers(self.path, source, specs, index, durable=False)   # the source attached once
        for spec, count in zip(specs, counts):
            if count is not None and not index:
                self._pack(spec)
        return [count is not None for count in counts]

    def _pack(self, spec: LayerSpec) -> None:
        if spec.geometry_type:
            # the partition's entries packed into leaves now (a cell is spatially compact): the coordinator holds
            # one partition's entries and a box per leaf (flat memory at state scale); build_index adds the rest
            leaves = self._gathered.setdefault(spec.name, gpkg.RtreeLeaves("", fresh=False))   # named at once
            gpkg.pack_pending(self.path, spec.name, leaves, durable=False)

    def build_index(self, spec: LayerSpec) -> None:
        self.reporter.check()
        gathered = self._gathered.pop(spec.name, None)
        gpkg.bulk_index(self.path, spec.name, durable=False,   # the transaction's temporary file
                        leaves=gathered)

    def close(self) -> None:
        """Drop the R-tree leaves gathered for layers whose index was not built (a failed or cancelled build)."""
        self._gathered.clear()

    def delete(self, spec: LayerSpec, column: str, values: Sequence[str]) -> int:
        return gpkg.delete_rows(self.path, spec.name, column, values)


def _in_filter(column: str, values: Sequence[Any]) -> str:
    """The OGR SQL filter ``"column" IN ('v1', ...)`` (quotes doubled; the column is one of the layer's)."""
    texts = ", ".join(str(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                      else "'" + str(v).replace("'", "''") + "'" for v in values)
    return f'"{column}" IN ({texts})'


def _read_faults(method: Callable[Concatenate[_S, _P], _R]) -> Callable[Concatenate[_S, _P], _R]:
    """OS, SQLite and GDAL errors while reading the store become one GeoTwinError naming the file."""
    def guarded(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except Exception as err:  # noqa: BLE001 - storage faults become one message; bugs keep their traceback
            if not is_storage_error(err):
                raise
            raise GeoTwinError(f"cannot read the twin: {failure_reason(err, self.path, shown=self.path)}",
                               path=str(self.path)) from None
    functools.update_wrapper(guarded, method)   # as functools.wraps, keeping guarded's own type for mypy
    return guarded


class GpkgStore(TwinStore):
    """A twin in one GeoPackage; every build writes a copy that replaces the file on success."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @_read_faults
    def layer_names(self) -> list[str]:
        if not self.path.exists() or not gpkg_tables(self.path):
            return []   # an empty file or a GeoPackage without layers: no twin yet
        return gpkg.list_layers(self.path)

    @_read_faults
    def stored_spec(self, name: str) -> LayerSpec:
        return spec_from_info(name, gpkg.layer_info(self.path, name))

    @_read_faults
    def read(self, spec: LayerSpec, columns: Sequence[str] | None = None, bbox: BBox | None = None,
             rows: RowRange | None = None, where_in: WhereIn | None = None) -> pd.DataFrame:
        values = None if where_in is None else where_values(spec, where_in)
        spec = column_spec(spec, columns)
        names = None if columns is None else list(spec.fields)
        if values is None:
            frame = gpkg.read_frame(self.path, spec.name, columns=names, bbox=bbox, rows=rows, fid_as_index=True)
        else:   # OGR SQL filters, a bounded number of values each; the row range applies to their union
            assert where_in is not None
            parts = [gpkg.read_frame(self.path, spec.name, columns=names, bbox=bbox, fid_as_index=True,
                                     where=_in_filter(where_in[0], values[i:i + _WHERE_CHUNK]))
                     for i in range(0, len(values), _WHERE_CHUNK)]
            if not parts:
                return empty(spec, self.crs() if spec.geometry_type is not None else None)
            frame = (pd.concat(parts) if len(parts) > 1 else parts[0]).sort_index()
            if rows is not None:
                frame = frame.iloc[max(0, int(rows[0])):max(0, int(rows[1]))]
        frame = frame.sort_index()
        return conform(frame, spec, self.crs() if spec.geometry_type is not None else None)

    def iter_rows(self, name: str, columns: Sequence[str], batch: int,
                  fids: tuple[int, int] | None = None) -> Iterator[tuple[list[tuple[Any, ...]], list[bytes | None]]]:
        columns = list(columns)
        values = itemgetter(slice(0, len(columns)))
        try:   # not _read_faults: that would guard only the creation of the generator, not its reading
            for chunk, blobs in gpkg.iter_table(self.path, name, columns, batch, fids):
                yield list(map(values, chunk)), gpkg.wkbs_of(blobs)
        except Exception as err:  # noqa: BLE001 - storage faults become one message; bugs keep their traceback
            if not is_storage_error(err):
                raise
            raise GeoTwinError(f"cannot read the twin: {failure_reason(err, self.path, shown=self.path)}",
                               path=str(self.path)) from None

    @_read_faults
    def row_ranges(self, name: str, size: int) -> list[tuple[int, int, int]]:
        return gpkg.row_ranges(self.path, name, size)

    @_read_faults
    def count_by(self, name: str, column: str) -> dict[Any, int]:
        return gpkg.count_by(self.path, name, column)

    @_read_faults
    def crs(self) -> str | None:
        for name in ("buildings", "bim_buildings", "learning_islands"):
            if name in self.layer_names():
                crs = gpkg.layer_info(self.path, name).get("crs")
                if crs:
                    return str(crs)
        return None

    @contextlib.contextmanager
    def exclusive(self, reporter: Reporter) -> Iterator[None]:
        if check_gpkg(self.path, TWIN, legacy_twin) == LEGACY:
            reporter.info(f"{self.path}: a twin of an older GeoTwin (no ownership marker): it is updated and "
                          "marked as GeoTwin's")
        yield

    @contextlib.contextmanager
    def transaction(self, crs: str | None, reporter: Reporter | None = None) -> Iterator[StoreWriter]:
        reporter = reporter or Reporter()
        with atomic_path(self.path) as tmp:
            if self.path.exists() and gpkg_tables(self.path):
                _copy(self.path, tmp, reporter)
            with closing(GpkgStoreWriter(tmp, crs, reporter)) as writer:
                yield writer
            reporter.check()
            mark_gpkg(tmp, TWIN)

    def describe(self) -> str:
        return str(self.path)

    def local_geopackage(self) -> Path | None:
        return self.path
