"""GeoPackage backend of the twin store (pyogrio for layers, sqlite3 for row deletes)."""
from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from ..kernel.atomic import atomic_path, failure_reason, is_storage_error
from ..kernel.errors import GeoTwinError
from ..kernel.ownership import LEGACY, TWIN, check_gpkg, gpkg_tables, legacy_twin, mark_gpkg
from ..kernel.progress import Reporter
from ..kernel.schema import LayerSpec
from .base import StoreWriter, TwinStore
from .frames import conform, spec_from_info

_CHUNK = 500
_COPY_BLOCK = 16 << 20


def _copy(source: Path, target: Path, reporter: Reporter) -> None:
    """shutil.copyfile that sees a cancel every 16 MiB."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        while block := src.read(_COPY_BLOCK):
            reporter.check()
            dst.write(block)


def _geometry_type(spec: LayerSpec) -> str | None:
    gt = spec.geometry_type
    if gt is None:
        return None
    return gt[:-1] + " Z" if gt.endswith("Z") else gt


class _GpkgWriter(StoreWriter):
    def __init__(self, path: Path, crs: str | None, reporter: Reporter) -> None:
        self.path = path
        self.crs = crs
        self.reporter = reporter

    def _write(self, spec: LayerSpec, frame: pd.DataFrame, append: bool) -> None:
        import pyogrio

        frame = conform(frame, spec, self.crs)
        kwargs = {"layer": spec.name, "driver": "GPKG", "append": append}
        if spec.geometry_type is not None:
            kwargs["geometry_type"] = _geometry_type(spec)
        if append and frame.empty:
            return
        step = self.ROWS_PER_CHECK
        for start in range(0, max(1, len(frame)), step):   # a cancel is seen between chunks
            self.reporter.check()
            pyogrio.write_dataframe(frame.iloc[start:start + step], self.path, **kwargs)
            kwargs["append"] = True

    def replace(self, spec: LayerSpec, frame: pd.DataFrame) -> None:
        self._write(spec, frame, append=False)

    def append(self, spec: LayerSpec, frame: pd.DataFrame) -> None:
        self._write(spec, frame, append=True)

    def delete(self, spec: LayerSpec, column: str, values: Sequence[str]) -> int:
        values = list(values)
        if not values:
            return 0
        deleted = 0
        with contextlib.closing(sqlite3.connect(self.path)) as con:
            for i in range(0, len(values), _CHUNK):
                chunk = values[i:i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                cur = con.execute(f'DELETE FROM "{spec.name}" WHERE "{column}" IN ({marks})', chunk)
                deleted += cur.rowcount
            con.commit()
        return deleted


def _read_faults(method):
    """OS, SQLite and GDAL errors while reading the store become one GeoTwinError naming the file."""
    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as err:  # noqa: BLE001 - storage faults become one message; bugs keep their traceback
            if not is_storage_error(err):
                raise
            raise GeoTwinError(f"cannot read the twin: {failure_reason(err, self.path, shown=self.path)}",
                               path=str(self.path)) from None
    return guarded


class GpkgStore(TwinStore):
    """A twin in one GeoPackage; every build writes a copy that replaces the file on success."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @_read_faults
    def layer_names(self) -> list[str]:
        import pyogrio

        if not self.path.exists() or not gpkg_tables(self.path):
            return []   # GDAL does not open a GeoPackage without layers (nor an empty file)
        return [str(n) for n in pyogrio.list_layers(self.path)[:, 0]]

    @_read_faults
    def stored_spec(self, name: str) -> LayerSpec:
        import pyogrio

        return spec_from_info(name, pyogrio.read_info(self.path, layer=name))

    @_read_faults
    def read(self, spec: LayerSpec) -> pd.DataFrame:
        import pyogrio

        frame = pyogrio.read_dataframe(self.path, layer=spec.name, fid_as_index=True)
        frame = frame.sort_index()
        return conform(frame, spec, self.crs() if spec.geometry_type is not None else None)

    @_read_faults
    def crs(self) -> str | None:
        import pyogrio

        for name in ("buildings", "bim_buildings", "learning_islands"):
            if name in self.layer_names():
                crs = pyogrio.read_info(self.path, layer=name).get("crs")
                if crs:
                    return crs
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
            yield _GpkgWriter(tmp, crs, reporter)
            reporter.check()
            mark_gpkg(tmp, TWIN)

    def describe(self) -> str:
        return str(self.path)
