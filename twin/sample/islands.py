"""The WLAN learning islands (Lerninseln) as RFC 7946 GeoJSON, several in the school's classrooms."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from . import school
from .jsonfmt import dumps
from .layout import BuildingSpec, building_id
from .site import to_lonlat

SSID = "KA-WLAN"
OPERATOR = "Stadt Karlsruhe"
BOOKING_URL = "https://lerninseln.karlsruhe.example/buchen/{id}?von={{start}}&bis={{end}}&plaetze={{seats}}"
SCHOOL_ROOMS = ("0.03", "1.02", "1.05", "2.04", "2.09")   # classrooms that host an island
SCHOOL_HOURS = "Mo-Fr 14:00-18:00; PH off"
CALENDAR_DIR = "calendars"            # the classroom islands' booking calendars (.ics), next to the islands file
BOOKINGS_FROM = "20260105"            # a Monday: the weekly bookings recur from here to the end of 2027
BOOKING_SLOTS = (("1400", "1530"), ("1600", "1730"))   # early and late slot of each school day
BOOKERS = ("AG Robotik", "Hausaufgabenbetreuung", "Lerngruppe Mathe", "Klasse 7b", "Medienkurs", "Nachhilfe Englisch",
           "Schülerzeitung", "Klasse 9a")
VTIMEZONE = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
             "TZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
             "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n"
             "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
LANDMARK_ISLANDS = (
    # (landmark index, floor, name, opening hours, accessibility, (du, dv) offset in the square frame)
    (2, 0, "Lerninsel Stadtbibliothek Lesesaal", "Tu-Fr 10:00-19:00; Sa 10:00-14:00", "yes", (-40.0, -8.0)),
    (2, 2, "Lerninsel Stadtbibliothek Galerie", "Tu-Fr 10:00-19:00; Sa 10:00-14:00", "yes", (-40.0, 6.0)),
    (1, 1, "Lerninsel Rathaus Bürgerbüro", "Mo-Fr 08:00-18:00; Sa 10:00-14:00", "yes", (40.0, -3.0)),
    (3, 0, "Lerninsel Naturkundemuseum Foyer", "Tu-Fr 09:30-17:00; Sa,Su 10:00-18:00", "limited", (0.0, -29.0)),
)
CAFE_HOURS = "Mo-Sa 08:00-20:00"


def _feature(island_id: str, name: str, lon: float, lat: float, seats: int, hours: str,
             accessibility: str, bid: str, floor: int, room: str | None, calendar: str | None = None) -> dict[str, Any]:
    props = {
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
    }
    if calendar:
        props["calendar"] = calendar
        props["calendar_type"] = "ical"
    return {
        "type": "Feature",
        "id": island_id,
        "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        "properties": props,
    }


def islands(seed: int, extra_buildings: list[BuildingSpec]) -> list[dict[str, Any]]:
    """Make the district's learning islands as GeoJSON features: classrooms of the school, the library, the town
    hall, the museum and cafés in ``extra_buildings``.

    Args:
        seed: the district's seed.
        extra_buildings: the café buildings present in the district.

    Returns:
        The features (WGS 84) with the islands' attributes (seats, opening hours, booking link, room, calendar).

    Example:
        >>> features = islands(0, [])
        >>> first = features[0]["properties"]
        >>> len(features), first["id"], first["room"], first["opening_hours"]
        (9, 'LI-001', '0.03', 'Mo-Fr 14:00-18:00; PH off')
    """
    rng = random.Random(f"geotwin-islands:{seed}")
    to_ll = to_lonlat()
    place = school.placement()
    rooms = {r.name: r for r in school.rooms()}
    out: list[dict[str, Any]] = []

    def next_id() -> str:
        return f"LI-{len(out) + 1:03d}"

    for number in SCHOOL_ROOMS:
        room = rooms[number]
        e, n = place.to_map(*room.centre)
        lon, lat = to_ll.transform(e, n)
        out.append(_feature(next_id(), f"Lerninsel {school.SCHOOL_NAME} Raum {number}", lon, lat,
                            rng.choice((8, 10, 12, 16, 24)), SCHOOL_HOURS, "yes", school.SCHOOL_ID,
                            room.storey, room.name, f"{CALENDAR_DIR}/{next_id()}.ics"))
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


def calendar_text(island_id: str, seed: int) -> str:
    """Write the booking calendar of a sample island: a weekly recurring booking and single ones (iCalendar).

    Args:
        island_id: the island.
        seed: the district's seed.

    Returns:
        The iCalendar text.

    Example:
        >>> text = calendar_text("LI-001", 0)
        >>> text.startswith("BEGIN:VCALENDAR"), "RRULE:" in text
        (True, True)
    """
    rng = random.Random(f"geotwin-calendar:{seed}:{island_id}")
    days = ("MO", "TU", "WE", "TH", "FR")
    k = int("".join(c for c in island_id if c.isdigit()) or 0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//GeoTwin//sample district//DE", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:Lerninsel {island_id}"]
    text = "\r\n".join(lines) + "\r\n" + VTIMEZONE
    monday = int(BOOKINGS_FROM[-2:])
    # every school day: the early slot, the late one or both (varying with island and seed), so each day of
    # the week shows bookings and free time
    chosen = [(day, *BOOKING_SLOTS[i]) for day in range(5)
              for i in {0: (0,), 1: (1,), 2: (0, 1)}[(k + day + seed) % 3]]
    for n, (day, start, end) in enumerate(chosen):
        date = f"{BOOKINGS_FROM[:6]}{monday + day:02d}"
        text += "\r\n".join([
            "BEGIN:VEVENT", f"UID:{island_id}-{n}@sample.geotwin", "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/Berlin:{date}T{start}00", f"DTEND;TZID=Europe/Berlin:{date}T{end}00",
            f"RRULE:FREQ=WEEKLY;BYDAY={days[day]};UNTIL=20271231T230000Z",
            f"SUMMARY:{rng.choice(BOOKERS)}", "END:VEVENT"]) + "\r\n"
    return text + "END:VCALENDAR\r\n"


def write_islands(path: Path, features: list[dict[str, Any]], seed: int = 0) -> None:
    """Write the islands file and, next to it, the booking calendar of every island that names one.

    Args:
        path: the GeoJSON file.
        features: the features (``islands``).
        seed: the district's seed (for the calendars).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     write_islands(Path(tmp) / "islands.geojson", islands(0, []))
        ...     names = sorted(p.name for p in Path(tmp).rglob("*") if p.is_file())
        >>> names[-1], all(n.endswith(".ics") for n in names[:-1]), len(names) > 1
        ('islands.geojson', True, True)
    """
    doc = {"type": "FeatureCollection", "name": "learning_islands", "features": features}
    Path(path).write_text(dumps(doc, indent=1) + "\n", encoding="utf-8")
    for f in features:
        ref = f["properties"].get("calendar")
        if ref:
            target = Path(path).parent / ref
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(calendar_text(f["properties"]["id"], seed).encode("utf-8"))
