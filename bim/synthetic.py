"""Synthetic, georeferenced IFC files of any size, for benchmarks and scale tests."""
from __future__ import annotations

import math
import os

import numpy as np

KARLSRUHE = (456500.0, 5429500.0, 115.0)  # an EPSG:25832 anchor in the city (E, N, DHHN2016 height)


def generate_ifc(path: str | os.PathLike, elements: int, *, storeys: int = 10, rotation_deg: float = 12.5,
                 anchor: tuple[float, float, float] = KARLSRUHE) -> dict:
    """Write an IFC4 building of ``elements`` walls (metres, IfcMapConversion to EPSG:25832).

    Walls are 4 m x 0.25 m x 3 m boxes on a grid, spread over ``storeys`` storeys.
    Returns the numbers a benchmark or test checks: walls, storeys and the map conversion.
    """
    import ifcopenshell.api.aggregate
    import ifcopenshell.api.context
    import ifcopenshell.api.geometry
    import ifcopenshell.api.georeference
    import ifcopenshell.api.project
    import ifcopenshell.api.root
    import ifcopenshell.api.spatial
    import ifcopenshell.api.unit

    api = ifcopenshell.api
    f = api.project.create_file(version="IFC4")
    project = api.root.create_entity(f, ifc_class="IfcProject", name="GeoTwin synthetic")
    api.unit.assign_unit(f, units=[api.unit.add_si_unit(f, unit_type="LENGTHUNIT")])
    model = api.context.add_context(f, context_type="Model")
    body = api.context.add_context(f, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW",
                                   parent=model)
    site = api.root.create_entity(f, ifc_class="IfcSite", name="Site")
    building = api.root.create_entity(f, ifc_class="IfcBuilding", name="Synthetic building")
    api.aggregate.assign_object(f, relating_object=project, products=[site])
    api.aggregate.assign_object(f, relating_object=site, products=[building])
    levels = [api.root.create_entity(f, ifc_class="IfcBuildingStorey", name=f"Level {i}") for i in range(storeys)]
    api.aggregate.assign_object(f, relating_object=building, products=levels)
    for i, level in enumerate(levels):
        matrix = np.eye(4)
        matrix[2, 3] = 3.0 * i
        api.geometry.edit_object_placement(f, product=level, matrix=matrix)
    api.georeference.add_georeferencing(f)
    angle = math.radians(rotation_deg)
    api.georeference.edit_georeferencing(
        f, projected_crs={"Name": "EPSG:25832"},
        coordinate_operation={"Eastings": anchor[0], "Northings": anchor[1], "OrthogonalHeight": anchor[2],
                              "XAxisAbscissa": math.cos(angle), "XAxisOrdinate": math.sin(angle), "Scale": 1.0})
    per_storey = math.ceil(elements / storeys)
    columns = max(1, math.ceil(math.sqrt(per_storey)))
    for n in range(elements):
        level, k = divmod(n, per_storey)
        wall = api.root.create_entity(f, ifc_class="IfcWall", name=f"Wall {n}")
        api.spatial.assign_container(f, relating_structure=levels[level], products=[wall])
        representation = api.geometry.add_wall_representation(f, context=body, length=4.0, height=3.0,
                                                              thickness=0.25)
        api.geometry.assign_representation(f, product=wall, representation=representation)
        matrix = np.eye(4)
        matrix[:3, 3] = [5.0 * (k % columns), 2.0 * (k // columns), 3.0 * level]
        api.geometry.edit_object_placement(f, product=wall, matrix=matrix)
    f.write(str(path))
    return {"walls": elements, "storeys": storeys, "anchor": anchor, "rotation_deg": rotation_deg}
