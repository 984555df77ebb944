"""Public open spaces of the sample district as RFC 7946 GeoJSON polygons: Friedrichsplatz and the Schlossplatz.

The square is the block the layout keeps free between ring streets SQUARE_RING and SQUARE_RING + 1
and the two fan rays of the square's sector, up to the kerbs (STREET_HALF_WIDTH from each street's
axis), with the four landmarks' footprints cut out as holes. The park is the Schlossplatz's lawn
inside the Zirkel (ring street 0, where the layout's first blocks begin), from the palace forecourt
to the Zirkel's kerb, over the square's sector and its neighbours.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .jsonfmt import dumps
from .layout import landmarks
from .site import SECTOR_DEG, SQUARE_RING, STREET_HALF_WIDTH, site, to_lonlat

SQUARE_ID = "friedrichsplatz"
SQUARE_NAME = "Friedrichsplatz"
PARK_ID = "schlossplatz"
PARK_NAME = "Schlossplatz"
PARK_SECTORS = 1         # sectors on either side of the square's sector
PALACE_FORECOURT = 100.0  # metres from the tower to the lawn's palace side
ARC_SEGMENTS = 32        # chords per kerb arc: at most 2 mm inside the true arc
DECIMALS = 8             # lon/lat decimals: about 1 mm


def _arc(r: float, side_from: int, sectors: int = 0) -> list[tuple[float, float]]:
    """The arc at radius ``r`` from one ray's kerb (side -1 or +1) to the other's, ``sectors`` beyond the square's.

    A ray's kerb lies STREET_HALF_WIDTH beside the ray, so its angle from the ray shrinks with ``r``."""
    s = site()
    half = math.radians((sectors + 0.5) * SECTOR_DEG) - math.asin(STREET_HALF_WIDTH / r)
    phi0 = math.radians(s.square_bearing) + side_from * half
    step = -2 * side_from * half / ARC_SEGMENTS
    return [(s.tower[0] + r * math.sin(phi0 + i * step), s.tower[1] + r * math.cos(phi0 + i * step))
            for i in range(ARC_SEGMENTS + 1)]


def _mm(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(round(e * 1000) / 1000, round(n * 1000) / 1000) for e, n in points]


def square_polygon() -> Any:
    """Outline Friedrichsplatz: the square's open block minus the landmarks (EPSG:25832, mm-rounded).

    Returns:
        The shapely Polygon.

    Example:
        >>> round(square_polygon().area)
        5411
    """
    import shapely

    s = site()
    inner = s.ring_radius(SQUARE_RING) + STREET_HALF_WIDTH        # kerb of the ring street nearer the tower
    outer = s.ring_radius(SQUARE_RING + 1) - STREET_HALF_WIDTH
    shell = _arc(inner, -1) + _arc(outer, +1)
    block = shapely.Polygon(_mm(shell))
    holes = [[(e / 1000, n / 1000) for e, n in spec.corners] for spec in landmarks()]
    for hole in holes:
        if not block.contains(shapely.Polygon(hole)):
            raise AssertionError("a landmark reaches beyond Friedrichsplatz's block")
    poly = shapely.geometry.polygon.orient(shapely.Polygon(block.exterior.coords, holes), sign=1.0)
    if not poly.is_valid:
        raise AssertionError(f"Friedrichsplatz is not a valid polygon: {shapely.is_valid_reason(poly)}")
    return poly


def park_polygon() -> Any:
    """Outline the Schlossplatz lawn in front of the palace (EPSG:25832, mm-rounded).

    Returns:
        The shapely Polygon.

    Example:
        >>> round(park_polygon().area)
        13345
    """
    import shapely

    zirkel = site().ring_radius(0) - STREET_HALF_WIDTH
    shell = _arc(PALACE_FORECOURT, -1, PARK_SECTORS) + _arc(zirkel, +1, PARK_SECTORS)
    return shapely.geometry.polygon.orient(shapely.Polygon(_mm(shell)), sign=1.0)


def areas() -> list[dict[str, Any]]:
    """Make the district's areas as GeoJSON features (WGS 84; exterior rings counter-clockwise, holes clockwise).

    Returns:
        The features of Friedrichsplatz and Schlossplatz.

    Example:
        >>> [f["properties"] for f in areas()]
        [{'id': 'friedrichsplatz', 'name': 'Friedrichsplatz', 'kind': 'square', 'area_m2': 5411.1},
         {'id': 'schlossplatz', 'name': 'Schlossplatz', 'kind': 'park', 'area_m2': 13344.9}]
    """
    to_ll = to_lonlat()

    def ring(coords: Iterable[tuple[float, float]]) -> list[list[float]]:
        return [[round(c, DECIMALS) for c in to_ll.transform(e, n)] for e, n in coords]

    features = []
    for area_id, name, kind, poly in ((SQUARE_ID, SQUARE_NAME, "square", square_polygon()),
                                      (PARK_ID, PARK_NAME, "park", park_polygon())):
        features.append({
            "type": "Feature",
            "id": area_id,
            "geometry": {"type": "Polygon",
                         "coordinates": [ring(poly.exterior.coords), *(ring(h.coords) for h in poly.interiors)]},
            "properties": {"id": area_id, "name": name, "kind": kind, "area_m2": round(poly.area, 1)},
        })
    return features


def write_areas(path: Path, features: list[dict[str, Any]]) -> None:
    """Write the areas as a GeoJSON FeatureCollection.

    Args:
        path: the file.
        features: the features (``areas()``).

    Example:
        >>> import json, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     write_areas(Path(tmp) / "areas.geojson", areas())
        ...     doc = json.loads((Path(tmp) / "areas.geojson").read_text())
        >>> doc["type"], len(doc["features"])
        ('FeatureCollection', 2)
    """
    doc = {"type": "FeatureCollection", "name": "areas", "features": features}
    Path(path).write_text(dumps(doc, indent=1) + "\n", encoding="utf-8")
