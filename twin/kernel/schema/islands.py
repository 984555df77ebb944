"""The learning-island and WLAN-coverage layers of the twin."""
from __future__ import annotations

from . import LayerSpec

#: The documented target schema of a learning island (input columns are mapped onto it).
ISLAND_FIELDS: dict[str, str] = {
    "id": "str",
    "name": "str",
    "ssid": "str",
    "operator": "str",
    "seats": "int",
    "opening_hours": "str",   # OSM opening_hours syntax, e.g. "Mo-Fr 08:00-18:00; Sa 10:00-14:00"
    "booking_url": "str",
    "accessibility": "str",
    "building_ref": "str",    # building id as given in the source (optional)
    "floor": "str",           # storey: 0 = ground floor, 1, -1 ... or a storey name
    "room": "str",            # room number or name as given in the source
    "calendar": "str",        # booking calendar: an iCalendar feed (http(s) URL or absolute file path) or a
                              # CalDAV collection URL
    "calendar_type": "str",   # ical | caldav
    "calendar_address": "str",  # the island's own address in its calendar's events (a room resource's e-mail
                                # address): events whose ATTENDEE with this address declined leave it free
}

LEARNING_ISLANDS = LayerSpec(
    "learning_islands", "Point",
    {
        **ISLAND_FIELDS,
        "building_id": "str",      # linked building/part id of the twin
        "building_method": "str",  # inside | nearest | building_ref
        "building_distance": "float",  # m from the footprint (0 inside)
        "room_id": "str",          # bim_spaces.global_id
        "room_name": "str",
        "room_storey": "str",
        "room_method": "str",      # floor+point | point | name/number
        "link_status": "str",      # linked (to the building, and to a room where the building has BIM rooms)
                                   # | building_only (BIM rooms exist, none matched) | unlinked | not_checked
        "link_reason": "str",      # why a link is missing, or notes on the link
        "opening_hours_error": "str",  # why opening_hours was not understood at the import (for the user; the
                                       # search and availability read opening_hours again, never trust this
                                       # flag, so an older import's flag cannot go stale); empty when it parses
        "booking_url_error": "str",    # why the source's booking_url was refused (the field is then empty)
        "calendar_error": "str",       # why the source's calendar reference was refused (the field is then empty)
        "source_file": "str",
        "source_line": "int",      # CSV line / feature number in the source
        "attributes": "json",      # every unmapped source column
    },
    "One point per learning island, linked to its building and room.",
)

LEARNING_ISLANDS_UNLINKED = LayerSpec(
    "learning_islands_unlinked", None,
    {"island_id": "str", "source_file": "str", "source_line": "int", "status": "str", "reason": "str"},
    "Islands not imported (rejected) or imported without a building or room link, with the reason.",
)

SEARCH_RESULTS = LayerSpec(
    "learning_island_search", "Point",
    {
        "rank": "int",
        "island_id": "str",
        "name": "str",
        "distance_m": "float",
        "seats": "int",
        "opening_hours": "str",
        "open_at": "datetime",
        "booking_url": "str",
        "building_id": "str",
        "floor": "str",
        "room": "str",
        "free_until": "datetime",   # end of the requested window (TIME + DURATION)
        "calendar_checked": "bool",  # the island's calendar was read (False: it has none)
        "note": "str",
    },
    "Learning islands open and free for the requested window with enough seats, nearest first.",
)

SEARCH_EXCLUDED = LayerSpec(
    "learning_island_search_excluded", None,
    {"island_id": "str", "reason": "str",
     "next_free": "datetime"},  # start of the next window of the requested length that is open and free
                                # (within 7 days; empty when none or when seats/position/hours rule it out)
    "Islands left out of the search result and why (closed, too few seats, hours not understood...).",
)

ISLAND_AVAILABILITY = LayerSpec(
    "island_availability", None,
    {
        "island_id": "str",
        "start": "datetime",   # local time Europe/Berlin, stored with its UTC offset
        "end": "datetime",
        "status": "str",       # busy | free (free = a gap between busy events inside the opening hours)
        "summary": "str",      # the event's SUMMARY (busy) or empty
        "source": "str",       # the calendar (URL or file) the interval comes from
    },
    "Busy and free intervals of every island with a calendar, for a date range.",
)

ISLAND_CALENDAR_STATUS = LayerSpec(
    "island_calendar_status", None,
    {"island_id": "str", "calendar": "str", "calendar_type": "str", "status": "str", "busy": "int",
     "message": "str"},
    "Per island: whether its calendar was read (ok / error / none), the busy events, the error.",
)

WLAN_BUILDING_COVERAGE = LayerSpec(
    "wlan_building_coverage", "MultiPolygon",
    {
        "building_id": "str",
        "name": "str",
        "function": "str",
        "storeys": "int",
        "covered_storeys": "int",
        "covered_share": "float",   # mean over storeys of the covered share of the footprint
        "covered": "bool",
        "access_points": "int",     # access points contributing to any storey
        "nearest_ap_m": "float",    # nearest AP that can serve it: outdoor APs and its own indoor APs
        "priority_class": "int",
        "priority_label": "str",
    },
    "WLAN coverage of every building, storey by storey.",
)

WLAN_ROOM_COVERAGE = LayerSpec(
    "wlan_room_coverage", "MultiPolygon",
    {
        "room_id": "str",
        "name": "str",
        "number": "str",
        "storey": "str",
        "floor_index": "int",
        "building_id": "str",
        "covered_share": "float",
        "covered": "bool",
        "nearest_ap_m": "float",
    },
    "WLAN coverage of every BIM room.",
)

WLAN_PRIORITIES = LayerSpec(
    "wlan_priorities", "MultiPolygon",
    {
        "rank": "int",
        "building_id": "str",
        "name": "str",
        "function": "str",
        "priority_class": "int",
        "priority_label": "str",
        "is_public": "bool",
        "gross_floor_area": "float",
        "covered_share": "float",
    },
    "Buildings not fully covered by WLAN, ranked for planning (schools first).",
)

#: island fields never published (web map, 3D Tiles metadata): where the booking calendar lives (a local path,
#: a CalDAV collection, the room's address) and why a reference was refused
PRIVATE_FIELDS = ("calendar", "calendar_type", "calendar_address", "calendar_error")
