"""The school as an IFC4 model made with ifcopenshell.api, georeferenced by an IfcMapConversion.

Project, site, building, storeys with elevations, walls, slabs and one IfcSpace per room. Global
ids are derived from the seed, and the header carries a fixed time stamp, so a seed always gives
the same bytes.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np

from . import school
from .site import HORIZONTAL_EPSG, LOCALITY, POSTAL_CODE, to_lonlat

FIXED_TIME_STAMP = "2025-01-01T00:00:00+00:00"
_GUID_NAMESPACE = uuid.UUID("5f0c1d2e-3b4a-5968-8776-a5b4c3d2e1f0")


def _matrix(x: float, y: float, z: float, angle_deg: float = 0.0) -> np.ndarray:
    a = np.radians(angle_deg)
    m = np.eye(4)
    m[0, 0], m[0, 1], m[1, 0], m[1, 1] = np.cos(a), -np.sin(a), np.sin(a), np.cos(a)
    m[:3, 3] = (x, y, z)
    return m


def write_school_ifc(path: Path, seed: int) -> dict:
    """Write the school; returns counts and the map conversion parameters."""
    import ifcopenshell
    import ifcopenshell.api.aggregate
    import ifcopenshell.api.context
    import ifcopenshell.api.georeference
    import ifcopenshell.api.geometry
    import ifcopenshell.api.project
    import ifcopenshell.api.pset
    import ifcopenshell.api.root
    import ifcopenshell.api.spatial
    import ifcopenshell.api.unit
    import ifcopenshell.guid
    import ifcopenshell.util.geolocation

    f = ifcopenshell.api.project.create_file(version="IFC4")
    f.header.file_name.name = Path(path).name
    f.header.file_name.time_stamp = FIXED_TIME_STAMP
    f.header.file_name.author = ("GeoTwin sample district generator",)
    f.header.file_name.organization = ("GeoTwin",)
    f.header.file_name.authorization = "none"
    f.header.file_description.description = ("ViewDefinition[DesignTransferView]",)

    def create(ifc_class: str, name: str | None = None, **kw):
        return ifcopenshell.api.root.create_entity(f, ifc_class=ifc_class, name=name, **kw)

    project = create("IfcProject", "GeoTwin Beispielquartier Friedrichsplatz")
    ifcopenshell.api.unit.assign_unit(f, length={"is_metric": True, "raw": "METERS"})
    model = ifcopenshell.api.context.add_context(f, context_type="Model")
    body = ifcopenshell.api.context.add_context(f, context_type="Model", context_identifier="Body",
                                                target_view="MODEL_VIEW", parent=model)
    place = school.placement()
    ifcopenshell.api.georeference.add_georeferencing(f)
    ifcopenshell.api.georeference.edit_georeferencing(
        f,
        projected_crs={"Name": f"EPSG:{HORIZONTAL_EPSG}", "Description": "ETRS89 / UTM zone 32N",
                       "GeodeticDatum": "ETRS89", "VerticalDatum": "DHHN2016",
                       "MapProjection": "UTM", "MapZone": "32N",
                       "MapUnit": next(u for u in f.by_type("IfcSIUnit") if u.UnitType == "LENGTHUNIT")},
        coordinate_operation={"Eastings": place.eastings, "Northings": place.northings,
                              "OrthogonalHeight": place.orthogonal_height,
                              "XAxisAbscissa": place.x_axis_abscissa, "XAxisOrdinate": place.x_axis_ordinate,
                              "Scale": 1.0})

    site = create("IfcSite", "Friedrichsplatz")
    lon, lat = to_lonlat().transform(place.eastings, place.northings)
    site.RefLatitude = ifcopenshell.util.geolocation.dd2dms(lat, use_us=True)
    site.RefLongitude = ifcopenshell.util.geolocation.dd2dms(lon, use_us=True)
    site.RefElevation = place.orthogonal_height
    building = create("IfcBuilding", school.SCHOOL_NAME)
    building.BuildingAddress = f.createIfcPostalAddress(
        AddressLines=["Friedrichsplatz 1"], Town=LOCALITY, PostalCode=POSTAL_CODE, Country="Germany")
    ifcopenshell.api.aggregate.assign_object(f, relating_object=project, products=[site])
    ifcopenshell.api.aggregate.assign_object(f, relating_object=site, products=[building])
    for product in (site, building):
        ifcopenshell.api.geometry.edit_object_placement(f, product=product, matrix=_matrix(0, 0, 0))
    pset = ifcopenshell.api.pset.add_pset(f, product=building, name="GeoTwin_CityModel")
    ifcopenshell.api.pset.edit_pset(f, pset=pset, properties={"CityGmlId": school.SCHOOL_ID})

    length, width = school.LENGTH, school.WIDTH
    ext, inner = school.EXTERIOR_WALL, school.INTERIOR_WALL
    wall_h = school.STOREY_HEIGHT - school.SLAB_THICKNESS
    outline = list(school.outline_local())
    counts = {"storeys": 0, "walls": 0, "slabs": 0, "spaces": 0}

    def wall(storey, name, x, y, z, angle, wall_length, thickness):
        w = create("IfcWall", name, predefined_type="SOLIDWALL")
        ifcopenshell.api.spatial.assign_container(f, relating_structure=storey, products=[w])
        rep = ifcopenshell.api.geometry.add_wall_representation(
            f, context=body, length=wall_length, height=wall_h, thickness=thickness)
        ifcopenshell.api.geometry.assign_representation(f, product=w, representation=rep)
        ifcopenshell.api.geometry.edit_object_placement(f, product=w, matrix=_matrix(x, y, z, angle))
        counts["walls"] += 1

    def slab(storey, name, z, predefined):
        s = create("IfcSlab", name, predefined_type=predefined)
        ifcopenshell.api.spatial.assign_container(f, relating_structure=storey, products=[s])
        rep = ifcopenshell.api.geometry.add_slab_representation(
            f, context=body, depth=school.SLAB_THICKNESS, polyline=outline)
        ifcopenshell.api.geometry.assign_representation(f, product=s, representation=rep)
        ifcopenshell.api.geometry.edit_object_placement(f, product=s, matrix=_matrix(0, 0, z))
        counts["slabs"] += 1

    rooms = school.rooms()
    for level in range(school.STOREYS):
        z = level * school.STOREY_HEIGHT
        label = "Erdgeschoss" if level == 0 else f"{level}. Obergeschoss"
        storey = create("IfcBuildingStorey", label)
        storey.Elevation = z
        ifcopenshell.api.aggregate.assign_object(f, relating_object=building, products=[storey])
        ifcopenshell.api.geometry.edit_object_placement(f, product=storey, matrix=_matrix(0, 0, z))
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
            space = create("IfcSpace", room.name, predefined_type="INTERNAL")
            space.LongName = room.long_name
            ifcopenshell.api.aggregate.assign_object(f, relating_object=storey, products=[space])
            rep = ifcopenshell.api.geometry.add_slab_representation(
                f, context=body, depth=wall_h, polyline=list(room.polygon))
            ifcopenshell.api.geometry.assign_representation(f, product=space, representation=rep)
            ifcopenshell.api.geometry.edit_object_placement(f, product=space, matrix=_matrix(0, 0, z))
            counts["spaces"] += 1
    roof_storey = f.by_type("IfcBuildingStorey")[-1]
    slab(roof_storey, "Dachdecke", school.height() - school.SLAB_THICKNESS, "ROOF")

    # The api collects related objects in sets: sort them so the order does not follow hashing.
    for rel in f.by_type("IfcRelationship"):
        for i, value in enumerate(rel):
            if isinstance(value, tuple) and value and all(isinstance(v, ifcopenshell.entity_instance) for v in value):
                rel[i] = sorted(value, key=lambda e: e.id())
    # Deterministic global ids: one per rooted entity, in creation order, derived from the seed.
    for n, entity in enumerate(sorted(f.by_type("IfcRoot"), key=lambda e: e.id())):
        entity.GlobalId = ifcopenshell.guid.compress(uuid.uuid5(_GUID_NAMESPACE, f"{seed}:{n}").hex)
    f.write(str(path))
    counts["map_conversion"] = {
        "Eastings": place.eastings, "Northings": place.northings,
        "OrthogonalHeight": place.orthogonal_height,
        "XAxisAbscissa": place.x_axis_abscissa, "XAxisOrdinate": place.x_axis_ordinate, "Scale": 1.0,
    }
    return counts
