"""The WLAN learning islands (Lerninseln) as RFC 7946 GeoJSON, several in the school's classrooms."""
from __future__ import annotations

import random
from pathlib import Path

from . import school
from .jsonfmt import dumps
from .layout import BuildingSpec, building_id
from .site import to_lonlat

SSID = "KA-WLAN"
OPERATOR = "Stadt Karlsruhe"
BOOKING_URL = "https://lerninseln.karlsruhe.example/buchen/{id}"
SCHOOL_ROOMS = ("0.03", "1.02", "1.05", "2.04", "2.09")   # classrooms that host an island
SCHOOL_HOURS = "Mo-Fr 14:00-18:00"
LANDMARK_ISLANDS = (
    # (landmark index, floor, name, opening hours, accessibility, (du, dv) offset in the square frame)
    (2, 0, "Lerninsel Stadtbibliothek Lesesaal", "Tu-Fr 10:00-19:00; Sa 10:00-14:00", "yes", (-40.0, -8.0)),
    (2, 2, "Lerninsel Stadtbibliothek Galerie", "Tu-Fr 10:00-19:00; Sa 10:00-14:00", "yes", (-40.0, 6.0)),
    (1, 1, "Lerninsel Rathaus Bürgerbüro", "Mo-Fr 08:00-18:00; Sa 10:00-14:00", "yes", (40.0, -3.0)),
    (3, 0, "Lerninsel Naturkundemuseum Foyer", "Tu-Fr 09:30-17:00; Sa,Su 10:00-18:00", "limited", (0.0, -29.0)),
)
CAFE_HOURS = "Mo-Sa 08:00-20:00"


def _feature(island_id: str, name: str, lon: float, lat: float, seats: int, hours: str,
             accessibility: str, bid: str, floor: int, room: str | None) -> dict:
    return {
        "type": "Feature",
        "id": island_id,
        "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        "properties": {
            "id": island_id,
            "name": name,
            "ssid": SSID,
            "operator": OPERATOR,
            "seats": seats,
            "opening_hours": hours,
            "booking_url": BOOKING_URL.format(id=island_id),
            "accessibility": accessibility,
            "building_id": bid,
            "floor": floor,
            "room": room,
        },
    }


def islands(seed: int, extra_buildings: list[BuildingSpec]) -> list[dict]:
    """Island features: the school's classrooms, the library, the town hall, the museum, two cafés."""
    rng = random.Random(f"geotwin-islands:{seed}")
    to_ll = to_lonlat()
    place = school.placement()
    rooms = {r.name: r for r in school.rooms()}
    out: list[dict] = []

    def next_id() -> str:
        return f"LI-{len(out) + 1:03d}"

    for number in SCHOOL_ROOMS:
        room = rooms[number]
        e, n = place.to_map(*room.centre)
        lon, lat = to_ll.transform(e, n)
        out.append(_feature(next_id(), f"Lerninsel {school.SCHOOL_NAME} Raum {number}", lon, lat,
                            rng.choice((8, 10, 12, 16, 24)), SCHOOL_HOURS, "yes", school.SCHOOL_ID,
                            room.storey, room.name))
    for index, floor, name, hours, access, (du, dv) in LANDMARK_ISLANDS:
        e, n = school.uv_to_en(du, dv)
        lon, lat = to_ll.transform(e, n)
        out.append(_feature(next_id(), name, lon, lat, rng.choice((6, 8, 12, 20)), hours, access,
                            building_id(index), floor, None))
    for spec in extra_buildings:
        e = sum(c[0] for c in spec.corners) / 4000
        n = sum(c[1] for c in spec.corners) / 4000
        lon, lat = to_ll.transform(e, n)
        out.append(_feature(next_id(), f"Lerninsel Café {spec.street} {spec.number}", lon, lat,
                            rng.choice((4, 6, 8)), CAFE_HOURS, "no", spec.id, 0, None))
    return out


def write_islands(path: Path, features: list[dict]) -> None:
    doc = {"type": "FeatureCollection", "name": "learning_islands", "features": features}
    Path(path).write_text(dumps(doc, indent=1) + "\n", encoding="utf-8")
