"""Streaming, typed, atomic GeoPackage output (numpy columns written with pyogrio)."""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_path
from .errors import GeoTwinError
from .schema import LayerSpec


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


def preload() -> None:
    """Import the writer's pyogrio (which pulls in geopandas and pandas, about half a second) in a
    background thread, while the caller parses its input; the writer then finds it imported."""
    threading.Thread(target=importlib.import_module, args=("pyogrio.raw",), name="preload pyogrio",
                     daemon=True).start()


class GpkgWriter:
    """Buffers rows per layer and appends them in batches, so memory stays flat."""

    def __init__(self, path: str | os.PathLike, crs: str | None, batch_size: int = 5000) -> None:
        from pyogrio.raw import write   # imported now (it pulls in geopandas), not at the first flush

        self._write = write
        self.path = Path(path)
        self.crs = crs
        self.batch_size = batch_size
        self._buffers: dict[str, tuple[LayerSpec, list[dict], list]] = {}
        self._created: set[str] = set()
        self.counts: dict[str, int] = {}
        self._crs_cache: str | None = None

    def add(self, spec: LayerSpec, row: dict, geometry=None) -> None:
        """Queue one row (a dict of spec.fields) and its geometry (shapely, or WKB bytes)."""
        _, rows, geoms = self._buffers.setdefault(spec.name, (spec, [], []))
        rows.append(row)
        geoms.append(geometry)
        if len(rows) >= self.batch_size:
            self._flush(spec.name)

    def add_many(self, spec: LayerSpec, rows: Sequence[dict], geometries: Sequence | None = None) -> None:
        """Queue many rows at once (the same as ``add`` for each, without its per-row cost)."""
        _, buffered, geoms = self._buffers.setdefault(spec.name, (spec, [], []))
        start = 0
        while start < len(rows):
            end = min(len(rows), start + self.batch_size - len(buffered))
            buffered.extend(rows[start:end])
            geoms.extend([None] * (end - start) if geometries is None else geometries[start:end])
            start = end
            if len(buffered) >= self.batch_size:
                self._flush(spec.name)

    def ensure_layer(self, spec: LayerSpec) -> None:
        """Create the layer even if it receives no rows."""
        self._buffers.setdefault(spec.name, (spec, [], []))

    def _columns(self, spec: LayerSpec, rows: list[dict]) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Each field as a numpy array, with a null mask for integers and booleans."""
        data: list[np.ndarray] = []
        masks: list[np.ndarray | None] = []
        for name, kind in spec.fields.items():
            values = [r.get(name) for r in rows]
            if kind in ("int", "bool"):
                mask = np.fromiter((v is None or v != v for v in values), dtype=bool, count=len(values))  # NaN
                masks.append(mask)
                data.append(np.array([0 if null else v for v, null in zip(values, mask)],
                                     dtype=np.int64 if kind == "int" else bool))
            elif kind == "float":
                data.append(np.array([np.nan if v is None else v for v in values], dtype=np.float64))
                masks.append(None)   # NaN is written as null
            else:
                column = np.empty(len(values), dtype=object)
                if kind == "str" and all(v is None or type(v) is str for v in values):
                    column[:] = values  # already what _cell would make of them
                else:
                    column[:] = [_cell(v, kind) for v in values]
                data.append(column)
                masks.append(None)   # None is written as null
        return data, masks

    def _crs_text(self) -> str | None:
        """The CRS as GDAL takes it: ``EPSG:n`` when it has a code, else WKT."""
        if self._crs_cache is None and self.crs:
            from pyproj import CRS

            crs = CRS.from_user_input(self.crs)
            epsg = crs.to_epsg()
            self._crs_cache = f"EPSG:{epsg}" if epsg else crs.to_wkt("WKT1_GDAL")
        return self._crs_cache

    def _flush(self, name: str) -> None:
        spec, rows, geoms = self._buffers[name]
        if not rows and name in self._created:
            return
        data, masks = self._columns(spec, rows)
        kwargs: dict[str, Any] = {"layer": spec.name, "driver": "GPKG", "fields": list(spec.fields),
                                  "field_data": data, "field_mask": masks, "geometry": None}
        if spec.geometry_type is not None:
            import shapely

            wkb = np.empty(len(geoms), dtype=object)
            wkb[:] = geoms
            shaped = np.fromiter((g is not None and not isinstance(g, bytes) for g in geoms), dtype=bool,
                                 count=len(geoms))
            if shaped.any():
                wkb[shaped] = shapely.to_wkb(wkb[shaped])
            kwargs["geometry"] = wkb
            kwargs["geometry_type"] = (spec.geometry_type.replace("Z", " Z") if spec.geometry_type.endswith("Z")
                                       else spec.geometry_type)
            kwargs["crs"] = self._crs_text()
        if name in self._created:
            kwargs["append"] = True
        self._write(self.path, **kwargs)
        self._created.add(name)
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        rows.clear()
        geoms.clear()

    def close(self) -> None:
        """Write every buffered row."""
        for name in list(self._buffers):
            self._flush(name)


@contextlib.contextmanager
def gpkg_output(target: str | os.PathLike, crs: str | None, batch_size: int = 5000,
                kind: str | None = None) -> Iterator[GpkgWriter]:
    """A GpkgWriter on a temporary file that replaces ``target`` only when the block succeeds.

    An existing ``target`` is replaced only when GeoTwin wrote it as the same kind of output (``kind``, else
    told by the layers written), when it is empty, or when an older GeoTwin wrote it (no marker, and no layer
    that this run does not write). A foreign or unreadable file or a twin is refused before any work, another
    kind of GeoTwin output once the run knows its own kind; a refused ``target`` is never touched. The output
    gets the marker (see ``ownership``).
    """
    from .ownership import LEGACY, OURS, check_gpkg, geotwin_layer_names, gpkg_marker, gpkg_tables, \
        kind_of_layers, listing, mark_gpkg

    state = check_gpkg(target, kind, lambda _, tables: set(tables) <= geotwin_layer_names())
    if state == OURS and kind is None and (gpkg_marker(target) or {}).get("kind") == "twin":
        raise GeoTwinError("the output is a GeoTwin twin GeoPackage, which only Build digital twin updates: choose "
                           "another file name", path=str(target))
    with atomic_path(target) as tmp:
        writer = GpkgWriter(tmp, crs, batch_size)
        yield writer
        writer.close()
        written = kind or kind_of_layers(writer._buffers)
        if state == OURS and (gpkg_marker(target) or {}).get("kind") != written:
            raise GeoTwinError(f"the output holds GeoTwin's {gpkg_marker(target).get('kind')} output, and this run "
                               f"writes {written} output: choose another file name (or delete it first)",
                               path=str(target))
        if state == LEGACY:
            extra = sorted(set(gpkg_tables(target)) - set(writer._buffers))
            if extra:
                raise GeoTwinError(f"the output exists and holds layers this run does not write: {listing(extra)}; "
                                   "choose another file name (or delete it first)", path=str(target))
        if tmp.exists():
            mark_gpkg(tmp, written)
