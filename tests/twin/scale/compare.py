"""Compare two twin stores or city model GeoPackages independently of row order (tests of the partitioned chain)."""
from __future__ import annotations

import pandas as pd
import shapely

from geotwin.twin.kernel import gpkg

# Columns that say when or by which run a row was written, not what it holds.
WHEN = {"imported_at", "built_at", "fid"}


def _member(value):
    """A zip member's name without the archive's path (tests zip the same tiles in different folders)."""
    return value.rpartition("!/")[2] if isinstance(value, str) and ".zip!/" in value else value


def table(path, layer: str, drop: tuple[str, ...] = ()) -> list[tuple]:
    """The layer's rows as sorted tuples (WKB hex for the geometry), without the WHEN and ``drop`` columns."""
    names, rows, geoms = gpkg.read_table(path, layer)
    keep = [i for i, n in enumerate(names) if n not in WHEN and n not in drop]
    out = []
    for n, row in enumerate(rows):
        values = tuple(_member(row[i]) for i in keep)
        if geoms is not None:
            g = geoms[n]
            values += (None if g is None else shapely.to_wkb(g, hex=True, output_dimension=3),)
        out.append(values)
    return sorted(out, key=repr)


def frame_rows(frame: pd.DataFrame) -> list[tuple]:
    """A store frame's rows as sorted tuples (geometry as WKB hex)."""
    cols = [c for c in frame.columns if c not in WHEN]
    out = []
    for row in frame[cols].itertuples(index=False):
        out.append(tuple(shapely.to_wkb(v, hex=True, output_dimension=3) if hasattr(v, "geom_type") else
                         (None if v is None or (isinstance(v, float) and v != v) else v) for v in row))
    return sorted(out, key=repr)
