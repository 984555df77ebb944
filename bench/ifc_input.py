"""A generated IFC4 benchmark building with an exact number of elements, made with ifcopenshell.api.

A tower of storeys placed at the sample district's school site (IfcMapConversion to EPSG:25832):
each storey holds one floor slab and a grid of 4 m wall segments with a window in every fourth slot,
all with simple extruded geometry. ``python bench/ifc_input.py OUT.ifc --elements N``.
"""
from __future__ import annotations

import argparse
import math
import uuid
from pathlib import Path

ELEMENTS_PER_STOREY = 400
STOREY_HEIGHT = 3.0
CELL = 4.0
WALL_THICKNESS = 0.2
SLAB_THICKNESS = 0.25
_GUIDS = uuid.UUID("0b6f3a52-8d47-4c1e-9a0b-5b2f6e7d8c91")


def write_bench_ifc(path: str | Path, elements: int) -> dict:
    """Write an IFC4 file holding exactly ``elements`` IfcElements (slabs, walls, windows); returns counts."""
    import ifcopenshell.api.spatial

    from geotwin.twin.sample import school
    from geotwin.twin.sample.ifcmodel import Box, IfcModel, Prism, matrix

    if elements < 1:
        raise ValueError("elements must be at least 1")
    m = IfcModel("GeoTwin benchmark tower")
    place = school.placement()
    m.georeference({"Name": "EPSG:25832", "GeodeticDatum": "ETRS89", "VerticalDatum": "DHHN2016",
                    "MapUnit": m.length_unit},
                   place.eastings, place.northings, place.orthogonal_height, place.x_axis_abscissa,
                   place.x_axis_ordinate)
    _, building = m.site_and_building("Benchmark site", "Benchmark tower")

    storeys = max(1, math.ceil(elements / ELEMENTS_PER_STOREY))
    per_storey = math.ceil(elements / storeys)
    grid = math.ceil(math.sqrt(per_storey))          # wall slots per row
    side = grid * CELL
    floor = Prism(SLAB_THICKNESS, [(0.0, 0.0), (side, 0.0), (side, side), (0.0, side)])
    wall = Box(CELL, STOREY_HEIGHT - SLAB_THICKNESS, WALL_THICKNESS)
    window = Box(1.2, 1.4, 0.08)
    counts = {"storeys": storeys, "IfcSlab": 0, "IfcWall": 0, "IfcWindow": 0}
    made = 0
    for level in range(storeys):
        z = level * STOREY_HEIGHT
        storey = m.add("IfcBuildingStorey", f"Geschoss {level}", matrix(0, 0, z), part_of=building, Elevation=z)
        contained = []
        n = min(per_storey, elements - made)
        for i in range(n):
            if i == 0:
                element = m.add("IfcSlab", f"Decke {level}", matrix(0, 0, z - SLAB_THICKNESS), body=floor,
                                predefined_type="FLOOR")
                counts["IfcSlab"] += 1
            else:
                col, row = i % grid, i // grid
                angle = 0 if (col + row) % 2 == 0 else 90
                x, y = col * CELL, row * CELL
                if i % 4 == 3:
                    dx, dy = (1.4, 0.0) if angle == 0 else (0.0, 1.4)
                    element = m.add("IfcWindow", f"Fenster {level}.{i}", matrix(x + dx, y + dy, z + 0.9, angle),
                                    body=window)
                    counts["IfcWindow"] += 1
                else:
                    element = m.add("IfcWall", f"Wand {level}.{i}", matrix(x, y, z, angle), body=wall,
                                    predefined_type="SOLIDWALL")
                    counts["IfcWall"] += 1
            contained.append(element)
        ifcopenshell.api.spatial.assign_container(m.file, relating_structure=storey, products=contained)
        made += n
    m.write(path, _GUIDS, elements, by_id=False)  # by_type order, as the cached inputs were made
    counts["elements"] = made
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--elements", type=int, default=10_000)
    args = parser.parse_args(argv)
    counts = write_bench_ifc(args.output, args.elements)
    print(counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
