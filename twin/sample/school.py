"""The school on Friedrichsplatz: one definition shared by the IFC, the city model and the islands.

The school's local (IFC) frame has its origin at the south-west corner of its outline and its
x axis along the fan's ring street. The map conversion uses the exact rational rotation
cos = 0.96, sin = -0.28 (about -16.26 degrees), so integer-metre local coordinates map onto the
millimetre grid of the city model without rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .site import ground_height, site

SCHOOL_ID = "DEBW_KA_0000001"
SCHOOL_NAME = "Friedrichsplatz-Schule"

# Local frame of the whole Friedrichsplatz block: u along the ring street (east-south-east),
# v towards the palace tower. (u, v) are the IfcMapConversion's X axis and Y axis.
AXIS_U = (0.96, -0.28)
AXIS_V = (0.28, 0.96)

LENGTH = 60.0          # local x extent of the outline (outer wall faces), metres
WIDTH = 18.0           # local y extent
ORIGIN_UV = (-30.0, 18.0)   # the outline's local origin in the square's (u, v) frame
STOREYS = 3
STOREY_HEIGHT = 3.6
SLAB_THICKNESS = 0.3
EXTERIOR_WALL = 0.3
INTERIOR_WALL = 0.2
CELL = 10.0            # classroom grid along x
SOUTH_ROW = (0.0, 8.0)   # y range of the south room row (grid lines)
NORTH_ROW = (10.0, 18.0)
STAIR_CELL = 5         # the north row's last cell is the staircase on every storey


def uv_to_en(u: float, v: float) -> tuple[float, float]:
    """Turn the square's local frame (u along the square's axis, v across it, metres) into EPSG:25832.

    Args:
        u: metres along the square's axis.
        v: metres across it.

    Returns:
        (easting, northing), mm-exact for multiples of 0.5 m.

    Example:
        >>> uv_to_en(0.0, 0.0) == site().square
        True
    """
    cx, cy = site().square
    return (round((cx + u * AXIS_U[0] + v * AXIS_V[0]) * 1000) / 1000,
            round((cy + u * AXIS_U[1] + v * AXIS_V[1]) * 1000) / 1000)


@dataclass(frozen=True)
class Room:
    name: str              # room number, IfcSpace.Name, e.g. "1.01"
    long_name: str         # IfcSpace.LongName, e.g. "Klassenzimmer 1.01"
    storey: int
    polygon: tuple[tuple[float, float], ...]   # net floor outline in the local frame, CCW
    is_classroom: bool

    @property
    def centre(self) -> tuple[float, float]:
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return ((min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0)


@dataclass(frozen=True)
class SchoolPlacement:
    eastings: float        # EPSG:25832 of the local origin
    northings: float
    orthogonal_height: float   # DHHN2016 height of local z = 0 (ground floor level)
    x_axis_abscissa: float
    x_axis_ordinate: float

    def to_map(self, x: float, y: float) -> tuple[float, float]:
        a, o = self.x_axis_abscissa, self.x_axis_ordinate
        return (round((self.eastings + a * x - o * y) * 1000) / 1000,
                round((self.northings + o * x + a * y) * 1000) / 1000)


@lru_cache(maxsize=1)
def placement() -> SchoolPlacement:
    """Give the school's IfcMapConversion: where its local origin lies and how it is turned.

    Returns:
        The SchoolPlacement (Eastings, Northings, OrthogonalHeight, XAxisAbscissa, XAxisOrdinate).

    Example:
        >>> p = placement()
        >>> p.eastings, p.northings, p.orthogonal_height
        (456243.688, 5428487.463, 115.0)
    """
    e, n = uv_to_en(*ORIGIN_UV)
    ce, cn = uv_to_en(ORIGIN_UV[0] + LENGTH / 2, ORIGIN_UV[1] + WIDTH / 2)
    return SchoolPlacement(e, n, ground_height(ce, cn), AXIS_U[0], AXIS_U[1])


def outline_local() -> tuple[tuple[float, float], ...]:
    """Give the school's outer wall faces in its local frame, counter-clockwise.

    Returns:
        The corners (x, y) in metres.

    Example:
        >>> outline_local()
        ((0.0, 0.0), (60.0, 0.0), (60.0, 18.0), (0.0, 18.0))
    """
    return ((0.0, 0.0), (LENGTH, 0.0), (LENGTH, WIDTH), (0.0, WIDTH))


def height() -> float:
    """Give the top of the school's roof slab above its ground floor.

    Returns:
        Metres.

    Example:
        >>> height()
        10.8
    """
    return STOREYS * STOREY_HEIGHT


def _cell_x(i: int) -> tuple[float, float]:
    x0 = i * CELL + (EXTERIOR_WALL if i == 0 else INTERIOR_WALL / 2)
    x1 = (i + 1) * CELL - (EXTERIOR_WALL if (i + 1) * CELL >= LENGTH else INTERIOR_WALL / 2)
    return round(x0, 3), round(x1, 3)


def _rect(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


@lru_cache(maxsize=1)
def rooms() -> tuple[Room, ...]:
    """List every room of every storey of the school: classrooms numbered ``<storey>.<nn>``, corridor, staircase.

    Returns:
        The Rooms with their local polygons.

    Example:
        >>> first = rooms()[0]
        >>> len(rooms()), first.long_name, first.storey, first.is_classroom
        (39, 'Klassenzimmer 0.01', 0, True)
    """
    cells = int(LENGTH // CELL)
    south = (SOUTH_ROW[0] + EXTERIOR_WALL, SOUTH_ROW[1] - INTERIOR_WALL / 2)
    north = (NORTH_ROW[0] + INTERIOR_WALL / 2, NORTH_ROW[1] - EXTERIOR_WALL)
    out: list[Room] = []
    for storey in range(STOREYS):
        number = 0
        for row in (south, north):
            for i in range(cells):
                x0, x1 = _cell_x(i)
                poly = _rect(x0, row[0], x1, row[1])
                number += 1
                name = f"{storey}.{number:02d}"
                if row is north and i == STAIR_CELL:
                    out.append(Room(name, f"Treppenhaus {name}", storey, poly, False))
                else:
                    out.append(Room(name, f"Klassenzimmer {name}", storey, poly, True))
        name = f"{storey}.{number + 1:02d}"
        corridor = _rect(EXTERIOR_WALL, SOUTH_ROW[1] + INTERIOR_WALL / 2,
                         LENGTH - EXTERIOR_WALL, NORTH_ROW[0] - INTERIOR_WALL / 2)
        out.append(Room(name, f"Flur {name}", storey, corridor, False))
    return tuple(out)
