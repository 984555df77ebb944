"""Synthetic, georeferenced IFC files of any size, for benchmarks and scale tests."""
from __future__ import annotations

import math
import os
from typing import Any

import ifcopenshell.api.aggregate
import ifcopenshell.api.geometry

from .ifcmodel import Box, IfcModel, matrix

KARLSRUHE = (456500.0, 5429500.0, 115.0)  # an EPSG:25832 anchor in the city (E, N, DHHN2016 height)


def generate_ifc(path: str | os.PathLike[str], elements: int, *, storeys: int = 10, rotation_deg: float = 12.5,
                 anchor: tuple[float, float, float] = KARLSRUHE) -> dict[str, Any]:
    """Write an IFC4 building of ``elements`` walls for benchmarks and tests: 4 m x 0.25 m x 3 m boxes on a grid,
    spread over ``storeys`` storeys, placed by an IfcMapConversion to EPSG:25832.

    Args:
        path: the .ifc file.
        elements: the number of walls.
        storeys: the number of storeys.
        rotation_deg: the model's rotation from grid east.
        anchor: the map conversion's (E, N, height).

    Returns:
        The numbers a benchmark or test checks: walls, storeys, anchor, rotation.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     generate_ifc(Path(tmp) / "walls.ifc", 20, storeys=2)
        {'walls': 20, 'storeys': 2, 'anchor': (456500.0, 5429500.0, 115.0), 'rotation_deg': 12.5}
    """
    m = IfcModel("GeoTwin synthetic", units=("LENGTHUNIT",))
    _, building = m.site_and_building("Site", "Synthetic building", placed=False)
    levels = [m.create("IfcBuildingStorey", f"Level {i}") for i in range(storeys)]
    ifcopenshell.api.aggregate.assign_object(m.file, relating_object=building, products=levels)
    for i, storey in enumerate(levels):
        ifcopenshell.api.geometry.edit_object_placement(m.file, product=storey, matrix=matrix(0, 0, 3.0 * i))
    angle = math.radians(rotation_deg)
    m.georeference({"Name": "EPSG:25832"}, *anchor, math.cos(angle), math.sin(angle))
    per_storey = math.ceil(elements / storeys)
    columns = max(1, math.ceil(math.sqrt(per_storey)))
    wall = Box(4.0, 3.0, 0.25)
    for n in range(elements):
        level, k = divmod(n, per_storey)
        m.add("IfcWall", f"Wall {n}", matrix(5.0 * (k % columns), 2.0 * (k // columns), 3.0 * level), body=wall,
              container=levels[level])
    m.file.write(str(path))
    return {"walls": elements, "storeys": storeys, "anchor": anchor, "rotation_deg": rotation_deg}
