"""Streaming, typed, atomic GeoPackage output (geopandas + pyogrio)."""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .atomic import atomic_path
from .schema import LayerSpec

_PANDAS_DTYPES = {"str": "object", "int": "Int64", "float": "float64", "bool": "boolean",
                  "datetime": "object", "json": "object"}


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if kind == "str":
        return str(value)
    if kind == "datetime":
        return value if isinstance(value, str) else value.isoformat()
    return value


class GpkgWriter:
    """Buffers rows per layer and appends them in batches, so memory stays flat."""

    def __init__(self, path: str | os.PathLike, crs: str | None, batch_size: int = 5000) -> None:
        self.path = Path(path)
        self.crs = crs
        self.batch_size = batch_size
        self._buffers: dict[str, tuple[LayerSpec, list[dict], list]] = {}
        self._created: set[str] = set()
        self.counts: dict[str, int] = {}

    def add(self, spec: LayerSpec, row: dict, geometry=None) -> None:
        """Queue one row (a dict of spec.fields) and its shapely geometry."""
        _, rows, geoms = self._buffers.setdefault(spec.name, (spec, [], []))
        rows.append(row)
        geoms.append(geometry)
        if len(rows) >= self.batch_size:
            self._flush(spec.name)

    def add_many(self, spec: LayerSpec, rows: Sequence[dict], geometries: Sequence | None = None) -> None:
        for i, row in enumerate(rows):
            self.add(spec, row, None if geometries is None else geometries[i])

    def ensure_layer(self, spec: LayerSpec) -> None:
        """Create the layer even if it receives no rows."""
        self._buffers.setdefault(spec.name, (spec, [], []))

    def _frame(self, spec: LayerSpec, rows: list[dict], geoms: list):
        import geopandas as gpd
        import pandas as pd

        data = {
            name: pd.Series([_cell(r.get(name), kind) for r in rows], dtype=_PANDAS_DTYPES[kind])
            for name, kind in spec.fields.items()
        }
        if spec.geometry_type is None:
            return pd.DataFrame(data)
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)

    def _flush(self, name: str) -> None:
        import pyogrio

        spec, rows, geoms = self._buffers[name]
        if not rows and name in self._created:
            return
        frame = self._frame(spec, rows, geoms)
        kwargs: dict[str, Any] = {"layer": spec.name, "driver": "GPKG"}
        if spec.geometry_type is not None:
            kwargs["geometry_type"] = spec.geometry_type.replace("Z", " Z") if spec.geometry_type.endswith("Z") else spec.geometry_type
        if name in self._created:
            kwargs["append"] = True
        pyogrio.write_dataframe(frame, self.path, **kwargs)
        self._created.add(name)
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        rows.clear()
        geoms.clear()

    def close(self) -> None:
        """Write every buffered row."""
        for name in list(self._buffers):
            self._flush(name)


@contextlib.contextmanager
def gpkg_output(target: str | os.PathLike, crs: str | None, batch_size: int = 5000) -> Iterator[GpkgWriter]:
    """A GpkgWriter on a temporary file that replaces ``target`` only when the block succeeds."""
    with atomic_path(target) as tmp:
        writer = GpkgWriter(tmp, crs, batch_size)
        yield writer
        writer.close()
