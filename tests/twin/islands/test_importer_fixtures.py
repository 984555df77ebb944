"""A small twin (footprints, buildings, BIM rooms) near Karlsruhe for the island/WLAN tests."""
from __future__ import annotations

from pathlib import Path

from geotwin.twin.kernel.gpkg import GpkgWriter
from geotwin.twin.kernel.schema import BUILDINGS, FOOTPRINTS, LayerSpec

CRS = "EPSG:25832"
X0, Y0 = 456000.0, 5428000.0

#: The fields the IFC importer documents for bim_spaces (geometry: the floor polygon).
BIM_SPACES = LayerSpec("bim_spaces", "PolygonZ", {
    "global_id": "str", "name": "str", "long_name": "str", "number": "str", "storey": "str",
    "storey_elevation": "float", "area": "float", "height": "float"})

# id: (xmin, ymin, xmax, ymax) relative to X0/Y0, function, storeys, name, street, number
BUILDING_TABLE = {
    "B1": ((0, 0, 40, 20), "31001_3021", 2, "Grundschule", "Kaiserstraße", "12"),
    "B2": ((100, 0, 120, 20), "31001_2000", 1, "Bürohaus", "Kaiserstraße", "20"),
    "B3": ((0, 100, 30, 130), "31001_3012", 3, "Rathaus", "Marktplatz", "1"),
    "B4": ((300, 300, 360, 340), "31001_3022", 2, "Berufsschule", "Moltkestraße", "5"),
}
# rooms of B1: (global_id, number, long_name, storey, elevation, (xmin, ymin, xmax, ymax))
ROOM_TABLE = [
    ("R101", "0.01", "Klassenraum 0.01", "EG", 0.0, (0, 0, 20, 20)),
    ("R102", "0.02", "Klassenraum 0.02", "EG", 0.0, (20, 0, 40, 20)),
    ("R201", "1.01", "Klassenraum 1.01", "1.OG", 3.5, (0, 0, 20, 20)),
    ("R202", "1.02", "Klassenraum 1.02", "1.OG", 3.5, (20, 0, 40, 20)),
]


def rect(box, z=None):
    import shapely

    x1, y1, x2, y2 = box
    coords = [(X0 + x1, Y0 + y1), (X0 + x2, Y0 + y1), (X0 + x2, Y0 + y2), (X0 + x1, Y0 + y2)]
    if z is not None:
        coords = [(x, y, z) for x, y in coords]
    return shapely.Polygon(coords)


def write_twin(path: Path, *, rooms: bool = True) -> Path:
    import shapely

    writer = GpkgWriter(path, CRS)
    for bid, (box, function, storeys, name, street, number) in BUILDING_TABLE.items():
        poly = rect(box)
        writer.add(FOOTPRINTS, {"building_id": bid, "area": poly.area}, shapely.MultiPolygon([poly]))
        writer.add(BUILDINGS, {"id": bid, "object_class": "Building", "function": function, "name": name,
                               "storeys_above_ground": storeys, "measured_height": 3.5 * storeys,
                               "street": street, "house_number": number},
                   shapely.MultiPolygon([rect(box, 0.0)]))
    if rooms:
        for gid, number, long_name, storey, elevation, box in ROOM_TABLE:
            poly = rect(box, elevation)
            writer.add(BIM_SPACES, {"global_id": gid, "name": number, "long_name": long_name, "number": number,
                                    "storey": storey, "storey_elevation": elevation, "area": poly.area,
                                    "height": 3.0}, poly)
    writer.close()
    return path


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    """WGS 84 longitude/latitude of X0+dx, Y0+dy (pyproj, independent of the importer)."""
    from pyproj import Transformer

    return Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + dx, Y0 + dy)
