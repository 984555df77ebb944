"""The school as an IFC4 model made with ifcopenshell.api, georeferenced by an IfcMapConversion.

Project, site, building, storeys with elevations, walls, slabs and one IfcSpace per room. Global
ids are derived from the seed, and the header carries a fixed time stamp, so a seed always gives
the same bytes.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api.pset
import ifcopenshell.util.geolocation

from . import school
from .ifcmodel import Box, IfcModel, Prism, matrix
from .site import HORIZONTAL_EPSG, LOCALITY, POSTAL_CODE, to_lonlat

_GUID_NAMESPACE = uuid.UUID("5f0c1d2e-3b4a-5968-8776-a5b4c3d2e1f0")


def write_school_ifc(path: Path, seed: int) -> dict[str, Any]:
    """Write the district's school as IFC4: three storeys of classrooms, corridor and staircase, walls and slabs,
    placed by an IfcMapConversion to EPSG:25832.

    Args:
        path: the .ifc file.
        seed: the district's seed.

    Returns:
        The counts (storeys, walls, slabs, spaces) and the map conversion's parameters.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     info = write_school_ifc(Path(tmp) / "school.ifc", 0)
        >>> info["storeys"], info["walls"], info["spaces"], info["map_conversion"]["Eastings"]
        (3, 48, 39, 456243.688)
    """
    m = IfcModel("GeoTwin Beispielquartier Friedrichsplatz")
    place = school.placement()
    map_conversion = m.georeference(
        {"Name": f"EPSG:{HORIZONTAL_EPSG}", "Description": "ETRS89 / UTM zone 32N", "GeodeticDatum": "ETRS89",
         "VerticalDatum": "DHHN2016", "MapProjection": "UTM", "MapZone": "32N", "MapUnit": m.length_unit},
        place.eastings, place.northings, place.orthogonal_height, place.x_axis_abscissa, place.x_axis_ordinate)
    site, building = m.site_and_building("Friedrichsplatz", school.SCHOOL_NAME, address={
        "AddressLines": ["Friedrichsplatz 1"], "Town": LOCALITY, "PostalCode": POSTAL_CODE, "Country": "Germany"})
    lon, lat = to_lonlat().transform(place.eastings, place.northings)
    site.RefLatitude = ifcopenshell.util.geolocation.dd2dms(lat, use_us=True)
    site.RefLongitude = ifcopenshell.util.geolocation.dd2dms(lon, use_us=True)
    site.RefElevation = place.orthogonal_height
    pset = ifcopenshell.api.pset.add_pset(m.file, product=building, name="GeoTwin_CityModel")
    ifcopenshell.api.pset.edit_pset(m.file, pset=pset, properties={"CityGmlId": school.SCHOOL_ID})

    length, width = school.LENGTH, school.WIDTH
    ext, inner = school.EXTERIOR_WALL, school.INTERIOR_WALL
    wall_h = school.STOREY_HEIGHT - school.SLAB_THICKNESS
    floor = Prism(school.SLAB_THICKNESS, list(school.outline_local()))
    counts: dict[str, Any] = {"storeys": 0, "walls": 0, "slabs": 0, "spaces": 0}

    def wall(storey: ifcopenshell.entity_instance, name: str, x: float, y: float, z: float, angle: float,
             wall_length: float, thickness: float) -> None:
        m.add("IfcWall", name, matrix(x, y, z, angle), body=Box(wall_length, wall_h, thickness),
              predefined_type="SOLIDWALL", container=storey)
        counts["walls"] += 1

    def slab(storey: ifcopenshell.entity_instance, name: str, z: float, predefined: str) -> None:
        m.add("IfcSlab", name, matrix(0, 0, z), body=floor, predefined_type=predefined, container=storey)
        counts["slabs"] += 1

    rooms = school.rooms()
    for level in range(school.STOREYS):
        z = level * school.STOREY_HEIGHT
        label = "Erdgeschoss" if level == 0 else f"{level}. Obergeschoss"
        storey = m.add("IfcBuildingStorey", label, matrix(0, 0, z), part_of=building, Elevation=z)
        counts["storeys"] += 1
        slab(storey, f"Bodenplatte {label}" if level == 0 else f"Decke über {level - 1}",
             z - school.SLAB_THICKNESS, "BASESLAB" if level == 0 else "FLOOR")
        # Exterior walls: outer face on the outline, thickness inwards (to the wall's left).
        wall(storey, "Außenwand Süd", 0, 0, z, 0, length, ext)
        wall(storey, "Außenwand Ost", length, 0, z, 90, width, ext)
        wall(storey, "Außenwand Nord", length, width, z, 180, length, ext)
        wall(storey, "Außenwand West", 0, width, z, 270, width, ext)
        # Corridor walls and partitions between the classrooms.
        wall(storey, "Flurwand Süd", ext, school.SOUTH_ROW[1] - inner / 2, z, 0, length - 2 * ext, inner)
        wall(storey, "Flurwand Nord", ext, school.NORTH_ROW[0] - inner / 2, z, 0, length - 2 * ext, inner)
        cells = int(length // school.CELL)
        for i in range(1, cells):
            x = i * school.CELL + inner / 2
            wall(storey, f"Trennwand S{i}", x, ext, z, 90, school.SOUTH_ROW[1] - inner / 2 - ext, inner)
            wall(storey, f"Trennwand N{i}", x, school.NORTH_ROW[0] + inner / 2, z, 90,
                 school.NORTH_ROW[1] - ext - school.NORTH_ROW[0] - inner / 2, inner)
        for room in (r for r in rooms if r.storey == level):
            m.add("IfcSpace", room.name, matrix(0, 0, z), body=Prism(wall_h, list(room.polygon)),
                  predefined_type="INTERNAL", part_of=storey, LongName=room.long_name)
            counts["spaces"] += 1
    roof_storey = m.file.by_type("IfcBuildingStorey")[-1]
    slab(roof_storey, "Dachdecke", school.height() - school.SLAB_THICKNESS, "ROOF")

    m.sort_relationships()
    m.write(path, _GUID_NAMESPACE, seed, author=("GeoTwin sample district generator",),
            organization=("GeoTwin",), authorization="none")
    counts["map_conversion"] = map_conversion
    return counts
