"""A city of N buildings replicated from an imported district, for the export planner's memory (bench/plan_rss.py).

``python bench/replicate_city.py DISTRICT.gpkg N OUT.gpkg``: the district's ``buildings`` (and ``sources``) copied
side by side on a square grid of copies (each copy moved by the district's extent plus 50 m), ids suffixed with the
copy's number, until N buildings; the same input gives the same file.
"""
from __future__ import annotations

import argparse
import math
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("district")
    parser.add_argument("buildings", type=int)
    parser.add_argument("output")
    args = parser.parse_args(argv)

    import shapely

    from geotwin.twin.kernel.schema import BUILDINGS, SOURCES
    from geotwin.twin.store.open import open_store

    source = open_store(args.district)
    spec = source.spec(BUILDINGS.name)
    frame = source.read(spec)
    x0, y0, x1, y1 = shapely.total_bounds(frame.geometry.values)
    step = max(x1 - x0, y1 - y0) + 50.0
    copies = math.ceil(args.buildings / len(frame))
    side = math.ceil(math.sqrt(copies))
    out = open_store(args.output)
    with out.transaction(source.crs()) as writer:
        writer.replace(source.spec(SOURCES.name), source.read(source.spec(SOURCES.name)))
        left = args.buildings
        for k in range(copies):
            part = frame.iloc[:left].copy()
            dx, dy = (k % side) * step, (k // side) * step
            part["geometry"] = shapely.transform(part.geometry.values, lambda xyz, dx=dx, dy=dy: xyz + [dx, dy, 0.0],
                                                 include_z=True)
            part["id"] = part["id"].astype(str) + f"_{k}"
            if "parent_id" in part:
                named = part["parent_id"].notna() & (part["parent_id"].astype(str) != "")
                part.loc[named, "parent_id"] = part.loc[named, "parent_id"].astype(str) + f"_{k}"
            (writer.replace if k == 0 else writer.append)(spec, part)
            left -= len(part)
    print(f"{args.buildings} buildings in {copies} copies -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
