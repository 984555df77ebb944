"""Incremental export: content keys of tiles, and reuse of unchanged tile files from the previous export.

Every content file gets a key: SHA-256 over what its bytes depend on: the export options, height
model, frame and metadata schema (the ``context``), the tile's place in the tree, and the digest of
every object it holds (attribute row and coordinates). ``export_report.json`` keeps the keys, the
frame, the quadtree's root square and each tile's bounds. Exporting again into the same folder
hard-links (or copies, keeping the mtime) a file whose key is unchanged into the new tileset instead
of encoding it again, so an unchanged tile stays byte-identical and keeps its mtime; only tiles whose
set of objects or whose objects changed are rewritten.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .polygons import PolygonSet

#: bump when the encoding of tile content changes, so that old tiles are not reused
CONTENT_VERSION = 3


def digest(*parts: Any) -> str:
    """Fingerprint values for the incremental export: SHA-256 over the parts, arrays by their bytes (floats as
    float64), bytes as they are, anything else as sorted JSON.

    Args:
        parts: the values.

    Returns:
        The hex digest.

    Example:
        >>> import numpy as np
        >>> digest({"b": 1, "a": 2}) == digest({"a": 2, "b": 1}), digest("ab", "c") == digest("a", "bc")
        (True, False)
        >>> digest(np.array([1.0], dtype=np.float32)) == digest(np.array([1.0]))
        True
    """
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(np.ascontiguousarray(p, dtype=np.float64 if p.dtype.kind == "f" else p.dtype).tobytes())
        elif isinstance(p, bytes):
            h.update(p)
        else:
            h.update(json.dumps(p, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def object_digests(rows: list[dict[str, Any]], polygons: PolygonSet, offsets: NDArray[Any],
                   extras: list[tuple[bytes, ...]] | None = None) -> list[str]:
    """Digest every object for the incremental export: what changes when the object's tile content would.

    The digest covers its attribute row (repr of its keys and values: sqlite values), the semantics and ring sizes
    of its polygons (``offsets[i]:offsets[i + 1]``) and all their coordinates, then its ``extras`` bytes.

    Args:
        rows: the objects' attribute rows.
        polygons: their polygons.
        offsets: object i's polygons are ``offsets[i]:offsets[i + 1]``.
        extras: more bytes per object (e.g. its footprint WKB).

    Returns:
        One hex digest per object.

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_twin
        >>> from geotwin.twin.tiles.source import read_city_model
        >>> city = sample_twin().city                   # the sample district's city model
        >>> batches = []
        >>> _ = read_city_model(city, consume=batches.append)
        >>> b = batches[0]
        >>> digests = object_digests(b.rows, b.polygons, b.offsets)
        >>> len(digests), len(set(digests)), digests == object_digests(b.rows, b.polygons, b.offsets)
        (12, 12, True)
        >>> b.rows[0]["name"] = "Renamed"
        >>> changed = object_digests(b.rows, b.polygons, b.offsets)
        >>> [i for i in range(12) if changed[i] != digests[i]]
        [0]
    """
    po, ro = polygons.poly_offsets, polygons.ring_offsets
    sizes = np.diff(ro).astype(np.int64)
    coords = np.ascontiguousarray(polygons.coords, dtype=np.float64)
    semantics = [f"{t}\x1f{i}\x1f{n}" for t, i, n in zip(polygons.surface_type, polygons.surface_id,
                                                         np.diff(po).tolist())]
    at, ring_at, vertex_at = offsets.tolist(), (po[offsets] * 8).tolist(), (ro[po[offsets]] * 24).tolist()
    size_bytes, coord_bytes = memoryview(sizes.data).cast("B"), memoryview(coords.data).cast("B")
    key_reprs: dict[tuple[Any, ...], str] = {}    # rows of one table share their keys
    out = []
    for k, row in enumerate(rows):
        keys = tuple(row)
        if keys not in key_reprs:
            key_reprs[keys] = repr(keys)
        semantic = "\x1e".join(semantics[at[k]:at[k + 1]])
        h = hashlib.sha256(f"{key_reprs[keys]}\x1f{tuple(row.values())!r}\x1f{semantic}".encode())
        h.update(size_bytes[ring_at[k]:ring_at[k + 1]])
        h.update(coord_bytes[vertex_at[k]:vertex_at[k + 1]])
        for part in extras[k] if extras else ():
            h.update(b"\x1f")
            h.update(part)
        out.append(h.hexdigest())
    return out


@dataclass
class Previous:
    """What the previous export in the output folder recorded (empty when there is none)."""

    folder: Path
    frame_origin: list[float] | None = None
    square: list[float] | None = None
    tiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, output: Path, report_name: str) -> Previous:
        try:
            report = json.loads((output / report_name).read_text(encoding="utf-8"))
            inc = report["incremental"]
            if inc.get("version") != CONTENT_VERSION:
                return cls(output)
            return cls(output, inc.get("frame_origin"), inc.get("square"), inc.get("tiles", {}))
        except (OSError, KeyError, TypeError, ValueError):
            return cls(output)

    def reuse(self, uri: str, key: str, target: Path) -> dict[str, Any] | None:
        """Link the previous file of ``uri`` into ``target`` (whose folder exists) when its key is ``key``;
        its record, else None."""
        entry = self.tiles.get(uri)
        source = self.folder / uri
        if not entry or entry.get("key") != key or not source.is_file() \
                or source.stat().st_size != entry.get("bytes"):
            return None
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)    # another file system: a copy with the same bytes and mtime
        return entry
