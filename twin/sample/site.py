"""Where the sample district stands: Karlsruhe's fan city around Friedrichsplatz, in EPSG:25832 + DHHN2016.

Coordinates are computed once with pyproj from the published WGS 84 positions and then rounded
to the millimetre, so every output of the generator starts from the same integer grid.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import Transformer

# Published positions (WGS 84): Karlsruhe palace tower, the fan's centre; the Friedrichsplatz square.
PALACE_TOWER_LONLAT = (8.40444, 49.01361)
FRIEDRICHSPLATZ_LONLAT = (8.4020, 49.0075)

HORIZONTAL_EPSG = 25832          # ETRS89 / UTM zone 32N
VERTICAL_EPSG = 7837             # DHHN2016 height
CITYGML_SRS = "urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH"
CITYJSON_SRS = "https://www.opengis.net/def/crs/EPSG/0/25832"
COMPOUND_PROJ = "EPSG:25832+7837"

GROUND_HEIGHT = 115.0            # DHHN2016 metres at Friedrichsplatz
# The Upper Rhine plain falls gently towards the Rhine (west) and north: metres per metre.
GROUND_SLOPE_E = 0.0004
GROUND_SLOPE_N = -0.0003

POSTAL_CODE = "76133"
LOCALITY = "Karlsruhe"
COUNTRY = "Germany"

RING_SPACING = 95.0              # metres between ring streets
STREET_HALF_WIDTH = 8.0          # half the width of ring and ray streets
SECTOR_DEG = 10.0                # angle between fan rays
SECTORS_WEST = 8                 # sectors west of the square's sector (towards the palace's west wing)
SECTORS_EAST = 7                 # sectors east of it: 16 sectors, bearings about 115..265 degrees
SQUARE_RING = 4                  # ring index of the block that holds Friedrichsplatz


@dataclass(frozen=True)
class Site:
    tower: tuple[float, float]       # palace tower, EPSG:25832 metres (mm-rounded)
    square: tuple[float, float]      # Friedrichsplatz centre, EPSG:25832 metres (mm-rounded)
    square_bearing: float            # bearing of the square seen from the tower, degrees
    ring0: float                     # radius of ring street 0

    def ring_radius(self, k: int) -> float:
        return self.ring0 + k * RING_SPACING

    def sector_bearing(self, j: int) -> float:
        """Bearing (degrees, clockwise from grid north) of the centre of sector j (0 = the square's)."""
        return self.square_bearing + j * SECTOR_DEG


def _mm(value: float) -> float:
    return round(value * 1000.0) / 1000.0


@lru_cache(maxsize=1)
def site() -> Site:
    """Lay out the sample district's frame: Karlsruhe's palace tower, the Friedrichsplatz square and the bearing and
    radius of the fan of ring streets, in EPSG:25832 (computed from their WGS 84 positions).

    Returns:
        The Site.

    Example:
        >>> s = site()
        >>> s.tower, s.square
        ((456451.217, 5429139.596), (456267.448, 5428461.783))
    """
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", f"EPSG:{HORIZONTAL_EPSG}", always_xy=True)
    tx, ty = to_utm.transform(*PALACE_TOWER_LONLAT)
    sx, sy = to_utm.transform(*FRIEDRICHSPLATZ_LONLAT)
    tower, square = (_mm(tx), _mm(ty)), (_mm(sx), _mm(sy))
    de, dn = square[0] - tower[0], square[1] - tower[1]
    bearing = math.degrees(math.atan2(de, dn)) % 360.0
    radius = math.hypot(de, dn)
    # Ring streets are spaced so that the square sits in the middle of its block.
    ring0 = radius - (SQUARE_RING + 0.5) * RING_SPACING
    return Site(tower=tower, square=square, square_bearing=bearing, ring0=ring0)


def ground_height(e: float, n: float) -> float:
    """Give the sample terrain's DHHN2016 height at a position: a gently sloping plane through Friedrichsplatz.

    Args:
        e: easting (EPSG:25832).
        n: northing.

    Returns:
        The height in metres, rounded to the centimetre.

    Example:
        >>> ground_height(*site().square)
        115.0
    """
    s = site()
    z = GROUND_HEIGHT + GROUND_SLOPE_E * (e - s.square[0]) + GROUND_SLOPE_N * (n - s.square[1])
    return round(z, 2)


def to_lonlat() -> Transformer:
    """Make the transformer from EPSG:25832 to WGS 84 longitude/latitude (x = longitude).

    Returns:
        The pyproj Transformer.

    Example:
        >>> [round(v, 4) for v in to_lonlat().transform(*site().square)]   # Friedrichsplatz
        [8.402, 49.0075]
    """
    from pyproj import Transformer

    return Transformer.from_crs(f"EPSG:{HORIZONTAL_EPSG}", "EPSG:4326", always_xy=True)
