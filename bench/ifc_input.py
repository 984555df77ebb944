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

import numpy as np

ELEMENTS_PER_STOREY = 400
STOREY_HEIGHT = 3.0
CELL = 4.0
WALL_THICKNESS = 0.2
SLAB_THICKNESS = 0.25
_GUIDS = uuid.UUID("0b6f3a52-8d47-4c1e-9a0b-5b2f6e7d8c91")


def _matrix(x: float, y: float, z: float, angle_deg: float = 0.0) -> np.ndarray:
    a = math.radians(angle_deg)
    m = np.eye(4)
    m[0, 0], m[0, 1], m[1, 0], m[1, 1] = math.cos(a), -math.sin(a), math.sin(a), math.cos(a)
    m[:3, 3] = (x, y, z)
    return m


def write_bench_ifc(path: str | Path, elements: int) -> dict:
    """Write an IFC4 file holding exactly ``elements`` IfcElements (slabs, walls, windows); returns counts."""
    import ifcopenshell
    import ifcopenshell.api.aggregate
    import ifcopenshell.api.context
    import ifcopenshell.api.georeference
    import ifcopenshell.api.geometry
    import ifcopenshell.api.project
    import ifcopenshell.api.root
    import ifcopenshell.api.spatial
    import ifcopenshell.api.unit
    import ifcopenshell.guid

    from geotwin.twin.sample import school

    if elements < 1:
        raise ValueError("elements must be at least 1")
    f = ifcopenshell.api.project.create_file(version="IFC4")
    f.header.file_name.name = Path(path).name
    f.header.file_name.time_stamp = "2025-01-01T00:00:00+00:00"

    def create(ifc_class: str, name: str | None = None, **kw):
        return ifcopenshell.api.root.create_entity(f, ifc_class=ifc_class, name=name, **kw)

    project = create("IfcProject", "GeoTwin benchmark tower")
    ifcopenshell.api.unit.assign_unit(f, length={"is_metric": True, "raw": "METERS"})
    model = ifcopenshell.api.context.add_context(f, context_type="Model")
    body = ifcopenshell.api.context.add_context(f, context_type="Model", context_identifier="Body",
                                                target_view="MODEL_VIEW", parent=model)
    place = school.placement()
    ifcopenshell.api.georeference.add_georeferencing(f)
    ifcopenshell.api.georeference.edit_georeferencing(
        f,
        projected_crs={"Name": "EPSG:25832", "GeodeticDatum": "ETRS89", "VerticalDatum": "DHHN2016",
                       "MapUnit": next(u for u in f.by_type("IfcSIUnit") if u.UnitType == "LENGTHUNIT")},
        coordinate_operation={"Eastings": place.eastings, "Northings": place.northings,
                              "OrthogonalHeight": place.orthogonal_height,
                              "XAxisAbscissa": place.x_axis_abscissa, "XAxisOrdinate": place.x_axis_ordinate,
                              "Scale": 1.0})
    site = create("IfcSite", "Benchmark site")
    building = create("IfcBuilding", "Benchmark tower")
    ifcopenshell.api.aggregate.assign_object(f, relating_object=project, products=[site])
    ifcopenshell.api.aggregate.assign_object(f, relating_object=site, products=[building])
    for product in (site, building):
        ifcopenshell.api.geometry.edit_object_placement(f, product=product, matrix=_matrix(0, 0, 0))

    storeys = max(1, math.ceil(elements / ELEMENTS_PER_STOREY))
    per_storey = math.ceil(elements / storeys)
    grid = math.ceil(math.sqrt(per_storey))          # wall slots per row
    side = grid * CELL
    outline = [(0.0, 0.0), (side, 0.0), (side, side), (0.0, side)]
    wall_h = STOREY_HEIGHT - SLAB_THICKNESS
    counts = {"storeys": storeys, "IfcSlab": 0, "IfcWall": 0, "IfcWindow": 0}
    made = 0
    for level in range(storeys):
        z = level * STOREY_HEIGHT
        storey = create("IfcBuildingStorey", f"Geschoss {level}")
        storey.Elevation = z
        ifcopenshell.api.aggregate.assign_object(f, relating_object=building, products=[storey])
        ifcopenshell.api.geometry.edit_object_placement(f, product=storey, matrix=_matrix(0, 0, z))
        contained = []
        n = min(per_storey, elements - made)
        for i in range(n):
            if i == 0:
                element = create("IfcSlab", f"Decke {level}", predefined_type="FLOOR")
                rep = ifcopenshell.api.geometry.add_slab_representation(
                    f, context=body, depth=SLAB_THICKNESS, polyline=outline)
                matrix = _matrix(0, 0, z - SLAB_THICKNESS)
                counts["IfcSlab"] += 1
            else:
                col, row = i % grid, i // grid
                angle = 0 if (col + row) % 2 == 0 else 90
                x, y = col * CELL, row * CELL
                if i % 4 == 3:
                    element = create("IfcWindow", f"Fenster {level}.{i}")
                    rep = ifcopenshell.api.geometry.add_wall_representation(
                        f, context=body, length=1.2, height=1.4, thickness=0.08)
                    dx, dy = (1.4, 0.0) if angle == 0 else (0.0, 1.4)
                    matrix = _matrix(x + dx, y + dy, z + 0.9, angle)
                    counts["IfcWindow"] += 1
                else:
                    element = create("IfcWall", f"Wand {level}.{i}", predefined_type="SOLIDWALL")
                    rep = ifcopenshell.api.geometry.add_wall_representation(
                        f, context=body, length=CELL, height=wall_h, thickness=WALL_THICKNESS)
                    matrix = _matrix(x, y, z, angle)
                    counts["IfcWall"] += 1
            ifcopenshell.api.geometry.assign_representation(f, product=element, representation=rep)
            ifcopenshell.api.geometry.edit_object_placement(f, product=element, matrix=matrix)
            contained.append(element)
        ifcopenshell.api.spatial.assign_container(f, relating_structure=storey, products=contained)
        made += n
    for n, entity in enumerate(f.by_type("IfcRoot")):
        entity.GlobalId = ifcopenshell.guid.compress(uuid.uuid5(_GUIDS, f"{elements}:{n}").hex)
    f.write(str(path))
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
