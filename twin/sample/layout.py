"""The district's buildings, one at a time: four landmarks on Friedrichsplatz, then the fan's blocks.

Blocks lie between the palace's fan rays (sectors) and its ring streets. They are filled in rings of
blocks around the square's block, so a small district clusters around Friedrichsplatz and a large
one grows outward. Each block row draws from its own seeded random stream, so a building never
depends on how many buildings were requested, and nothing is held beyond the current row.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from . import school
from .site import SECTOR_DEG, SECTORS_EAST, SECTORS_WEST, SQUARE_RING, STREET_HALF_WIDTH, ground_height, site

ROOF_FLAT, ROOF_GABLE, ROOF_HIP = "flat", "gable", "hip"
# AdV roof type codes (CityGML bldg:roofType as used in German LoD2 data).
ROOF_CODES = {ROOF_FLAT: "1000", ROOF_GABLE: "3100", ROOF_HIP: "3200"}

# ALKIS building function codes (GebaeudefunktionListe), as written in German CityGML.
FUNCTION_RESIDENTIAL = "31001_1000"
FUNCTION_MIXED = "31001_1100"
FUNCTION_COMMERCIAL = "31001_2000"
FUNCTION_OFFICE = "31001_2020"
FUNCTION_TOWN_HALL = "31001_3012"
FUNCTION_SCHOOL = "31001_3021"
FUNCTION_MUSEUM = "31001_3034"
FUNCTION_LIBRARY = "31001_3037"
FUNCTION_NAMES = {
    FUNCTION_RESIDENTIAL: "Wohngebäude",
    FUNCTION_MIXED: "Gemischt genutztes Gebäude mit Wohnen",
    FUNCTION_COMMERCIAL: "Gebäude für Wirtschaft oder Gewerbe",
    FUNCTION_OFFICE: "Bürogebäude",
    FUNCTION_TOWN_HALL: "Rathaus",
    FUNCTION_SCHOOL: "Allgemein bildende Schule",
    FUNCTION_MUSEUM: "Museum",
    FUNCTION_LIBRARY: "Bibliothek, Bücherei",
}
_FAN_FUNCTIONS = ((FUNCTION_RESIDENTIAL, 55), (FUNCTION_MIXED, 25), (FUNCTION_COMMERCIAL, 10),
                  (FUNCTION_OFFICE, 10))

RING_STREETS = ("Zirkel", "Hebelstraße", "Zähringerstraße", "Kaiserstraße", "Erbprinzenstraße",
                "Kriegsstraße", "Sophienstraße", "Kaiserallee")
SLOT_TARGET_WIDTH = 18.0   # metres of street front per building
GAP = 1.0                  # metres between neighbouring buildings
DEPTH_RANGE = (10.0, 15.0)
ID_PREFIX = "DEBW_KA_"


@dataclass(frozen=True)
class BuildingSpec:
    """One LoD2 building: a rectangular footprint (mm, counter-clockwise) and its roof."""

    index: int
    id: str
    corners: tuple[tuple[int, int], ...]   # EPSG:25832 millimetres, CCW seen from above
    ground: int                            # DHHN2016 millimetres
    eave: int                              # absolute eave height, mm
    ridge: int                             # absolute ridge height, mm (== eave for flat roofs)
    roof: str
    storeys: int
    function: str
    street: str
    number: str
    name: str | None = None

    @property
    def measured_height(self) -> int:
        return self.ridge - self.ground


def building_id(index: int) -> str:
    """Name the n-th building of the sample district (ALKIS-like ids).

    Args:
        index: the building's index, from 0.

    Returns:
        The id.

    Example:
        >>> building_id(0), building_id(41)
        ('DEBW_KA_0000001', 'DEBW_KA_0000042')
    """
    return f"{ID_PREFIX}{index + 1:07d}"


def ring_street(k: int) -> str:
    """Name the k-th ring street of the fan (Karlsruhe's names, then numbered ones).

    Args:
        k: the ring, from 0 (nearest the palace).

    Returns:
        The street name.

    Example:
        >>> ring_street(0), ring_street(99)
        ('Zirkel', 'Fächerring 99')
    """
    return RING_STREETS[k] if k < len(RING_STREETS) else f"Fächerring {k}"


def _mm(v: float) -> int:
    return int(round(v * 1000.0))


def _ccw(corners: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    area2 = sum(corners[i][0] * corners[(i + 1) % 4][1] - corners[(i + 1) % 4][0] * corners[i][1]
                for i in range(4))
    return tuple(corners if area2 > 0 else corners[::-1])


def _landmark(index: int, u0: float, v0: float, u1: float, v1: float, storeys: int,
              eave: float, ridge: float, roof: str, function: str, name: str, number: str) -> BuildingSpec:
    pts = [school.uv_to_en(u, v) for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))]
    ce, cn = school.uv_to_en((u0 + u1) / 2, (v0 + v1) / 2)
    g = _mm(ground_height(ce, cn))
    return BuildingSpec(index, building_id(index), _ccw([(_mm(e), _mm(n)) for e, n in pts]), g,
                        g + _mm(eave), g + _mm(ridge), roof, storeys, function,
                        "Friedrichsplatz", number, name)


def landmarks() -> list[BuildingSpec]:
    """Lay out the district's four landmarks: the school (from its IFC definition), the town hall, the library and
    the museum, around Friedrichsplatz.

    Returns:
        Their BuildingSpecs, the first buildings of every district.

    Example:
        >>> [(b.name, b.function) for b in landmarks()][:2]
        [('Friedrichsplatz-Schule', '31001_3021'), ('Rathaus am Friedrichsplatz', '31001_3012')]
    """
    p = school.placement()
    corners = [school.placement().to_map(x, y) for x, y in school.outline_local()]
    g = _mm(p.orthogonal_height)
    top = g + _mm(school.height())
    school_spec = BuildingSpec(0, school.SCHOOL_ID, _ccw([(_mm(e), _mm(n)) for e, n in corners]), g,
                               top, top, ROOF_FLAT, school.STOREYS, FUNCTION_SCHOOL,
                               "Friedrichsplatz", "1", school.SCHOOL_NAME)
    assert school_spec.id == building_id(0)
    return [
        school_spec,
        _landmark(1, 32.0, -20.0, 48.0, 14.0, 3, 13.5, 19.5, ROOF_HIP, FUNCTION_TOWN_HALL,
                  "Rathaus am Friedrichsplatz", "2"),
        _landmark(2, -48.0, -20.0, -32.0, 14.0, 4, 14.0, 14.0, ROOF_FLAT, FUNCTION_LIBRARY,
                  "Stadtbibliothek", "3"),
        _landmark(3, -30.0, -36.0, 30.0, -22.0, 3, 15.0, 22.0, ROOF_GABLE, FUNCTION_MUSEUM,
                  "Naturkundemuseum", "4"),
    ]


def block_order() -> Iterator[tuple[int, int]]:
    """Walk the blocks (ring k, sector j) of the fan in growing rings around the square's block, which stays open.

    Yields:
        (ring, sector) of each block, endlessly.

    Example:
        >>> import itertools
        >>> list(itertools.islice(block_order(), 3))
        [(3, -1), (3, 0), (3, 1)]
    """
    g = 1
    while True:
        for k in range(max(0, SQUARE_RING - g), SQUARE_RING + g + 1):
            for j in range(-SECTORS_WEST, SECTORS_EAST + 1):
                if max(abs(k - SQUARE_RING), abs(j)) == g:
                    yield k, j
        g += 1


def _row_slots(k: int, outer: bool) -> tuple[float, int, float, float]:
    """(narrowest distance from the tower, slots per sector, slot angle, shrink angle) of a block row."""
    s = site()
    if outer:
        front = s.ring_radius(k + 1) - STREET_HALF_WIDTH
        narrow = front - DEPTH_RANGE[1]
    else:
        front = s.ring_radius(k) + STREET_HALF_WIDTH
        narrow = front
    shrink = math.asin(STREET_HALF_WIDTH / narrow)
    usable = math.radians(SECTOR_DEG) - 2 * shrink
    n = max(1, int(usable * narrow // SLOT_TARGET_WIDTH))
    return narrow, n, usable / n, shrink


def _choose(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    total = sum(w for _, w in weighted)
    x = rng.randrange(total)
    for value, w in weighted:
        if x < w:
            return value
        x -= w
    raise AssertionError("unreachable")


def _row(index: int, seed: int, k: int, j: int, outer: bool) -> Iterator[BuildingSpec]:
    s = site()
    rng = random.Random(f"geotwin-sample:{seed}:{k}:{j}:{int(outer)}")
    narrow, n, alpha, shrink = _row_slots(k, outer)
    half_width = narrow * math.tan(alpha / 2) - GAP / 2
    start = math.radians(s.sector_bearing(j) - SECTOR_DEG / 2) + shrink
    street = ring_street(k + 1 if outer else k)
    front = s.ring_radius(k + 1) - STREET_HALF_WIDTH if outer else s.ring_radius(k) + STREET_HALF_WIDTH
    # Odd numbers on a ring street's outer side, even on its inner side, counted along the ring.
    first_slot = (j + SECTORS_WEST) * n
    tx, ty = s.tower
    for i in range(n):
        depth = round(rng.uniform(*DEPTH_RANGE), 2)
        storeys = rng.choice((2, 3, 3, 4, 4, 4, 5, 5, 6))
        storey_h = rng.choice((2.9, 3.0, 3.1, 3.2, 3.3))
        roof = _choose(rng, ((ROOF_FLAT, 30), (ROOF_GABLE, 45), (ROOF_HIP, 25)))
        pitch = math.radians(rng.uniform(30.0, 48.0))
        function = _choose(rng, _FAN_FUNCTIONS)
        phi = start + (i + 0.5) * alpha
        rx, ry = math.sin(phi), math.cos(phi)          # away from the tower
        px, py = math.cos(phi), -math.sin(phi)         # along the ring
        x0, x1 = (front - depth, front) if outer else (front, front + depth)
        pts = [(tx + x * rx + y * px, ty + x * ry + y * py)
               for x, y in ((x0, -half_width), (x1, -half_width), (x1, half_width), (x0, half_width))]
        corners = _ccw([(_mm(e), _mm(n_)) for e, n_ in pts])
        ce = sum(p[0] for p in pts) / 4
        cn = sum(p[1] for p in pts) / 4
        g = _mm(ground_height(ce, cn))
        eave = g + _mm(round(storeys * storey_h, 2))
        short = min(depth, 2 * half_width)
        if roof == ROOF_HIP and abs(depth - 2 * half_width) < 1.0:
            roof = ROOF_GABLE
        ridge = eave if roof == ROOF_FLAT else eave + _mm(round(math.tan(pitch) * short / 2, 2))
        number = 2 * (first_slot + i) + (2 if outer else 1)
        yield BuildingSpec(index, building_id(index), corners, g, eave, ridge, roof, storeys,
                           function, street, str(number))
        index += 1


def buildings(count: int, seed: int) -> Iterator[BuildingSpec]:
    """Generate the first ``count`` buildings of the district for ``seed``, lazily (the landmarks first).

    Args:
        count: how many.
        seed: the seed (the same seed gives the same district).

    Yields:
        The BuildingSpecs: footprint (mm), heights, roof, storeys, function, address.

    Example:
        >>> [(b.id, b.roof, b.storeys) for b in buildings(6, seed=0)][4:]
        [('DEBW_KA_0000005', 'hip', 5), ('DEBW_KA_0000006', 'hip', 5)]
    """
    produced = 0
    for spec in landmarks():
        if produced == count:
            return
        yield spec
        produced += 1
    for k, j in block_order():
        for outer in (False, True):
            for spec in _row(produced, seed, k, j, outer):
                if produced == count:
                    return
                yield spec
                produced += 1
