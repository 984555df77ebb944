"""Import learning islands from any point table and link them to buildings and BIM rooms."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..kernel.errors import InputError
from ..kernel.gpkg import GpkgWriter, gpkg_output
from ..kernel.layers import LayerRef, PointRow, PolygonLookup, polygons_2d, read_frame, read_points
from ..kernel.progress import Reporter
from ..kernel.schema.islands import ISLAND_FIELDS, LEARNING_ISLANDS, LEARNING_ISLANDS_UNLINKED
from .calendar import CalendarRef
from .opening_hours import OpeningHoursError, parse
from .rooms import Room, floor_indices, parse_floor, read_rooms
from .values import check_booking_url

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

#: Column names recognised without a mapping (lower case), per target field.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "island_id", "lerninsel_id", "nr", "fid_source"),
    "name": ("name", "bezeichnung", "titel", "title"),
    "ssid": ("ssid", "wlan", "wifi"),
    "operator": ("operator", "betreiber", "träger", "traeger"),
    "seats": ("seats", "plaetze", "plätze", "sitzplaetze", "sitzplätze", "capacity"),
    "opening_hours": ("opening_hours", "oeffnungszeiten", "öffnungszeiten", "hours"),
    "booking_url": ("booking_url", "buchung", "booking", "url", "website"),
    "accessibility": ("accessibility", "barrierefrei", "barrierefreiheit", "wheelchair"),
    "building_ref": ("building_ref", "building_id", "gebaeude", "gebäude", "gebaeude_id"),
    "floor": ("floor", "etage", "geschoss", "stockwerk", "level", "storey"),
    "room": ("room", "raum", "raumnummer", "room_number"),
    "calendar": ("calendar", "kalender", "ical", "ics", "caldav", "calendar_url"),
    "calendar_type": ("calendar_type", "kalendertyp", "kalender_typ"),
    "calendar_address": ("calendar_address", "kalenderadresse", "kalender_adresse", "room_email", "raum_email",
                         "resource_email"),
}


NO_ROOMS = "no BIM rooms in this building"
MAX_COUNT = 100_000  # largest plausible value of an integer island field (seats)


@dataclass
class IslandSummary:
    output: str
    imported: int = 0
    rejected: int = 0
    linked_building: int = 0
    linked_room: int = 0
    unlinked: list[tuple[str, str]] = field(default_factory=list)  # (island id, reason)
    hours_unknown: list[tuple[str, str]] = field(default_factory=list)   # (island id, opening_hours value)
    #: (island id, comment) of hours that are (partly) only by arrangement, e.g. "nach Vereinbarung": read, with
    #: their state unknown (never counted as open)
    hours_by_arrangement: list[tuple[str, str]] = field(default_factory=list)
    #: (island id, value as written, OSM form read) of hours in everyday German ("Mo-Fr 8-16 Uhr"), read as OSM
    hours_normalised: list[tuple[str, str, str]] = field(default_factory=list)
    booking_refused: list[tuple[str, str]] = field(default_factory=list)  # (island id, reason)
    calendar_refused: list[tuple[str, str]] = field(default_factory=list)  # (island id, reason)
    calendars: int = 0
    crs: str = ""


def parse_mapping(text: str | None) -> dict[str, str]:
    """Read the FIELD_MAPPING parameter of the islands import.

    Args:
        text: ``target=source`` pairs separated by ``;`` or new lines (targets are fields of the islands schema).

    Returns:
        target field (lower case) -> source column.

    Raises:
        InputError: a pair without ``=`` or an unknown target field.

    Example:
        >>> parse_mapping("name=Bezeichnung; Seats = Plaetze")
        {'name': 'Bezeichnung', 'seats': 'Plaetze'}
        >>> parse_mapping("colour=Farbe")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: field mapping: unknown target field 'colour'; known: ...
    """
    mapping: dict[str, str] = {}
    for part in (text or "").replace("\n", ";").split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise InputError(f"field mapping '{part.strip()}' is not of the form target=source")
        target, source = (s.strip() for s in part.split("=", 1))
        if target.lower() not in ISLAND_FIELDS:
            raise InputError(f"field mapping: unknown target field '{target}'; "
                             f"known: {', '.join(ISLAND_FIELDS)}")
        mapping[target.lower()] = source
    return mapping


def resolve_mapping(mapping: dict[str, str], columns: list[str], source: str) -> dict[str, str]:
    """Complete the user's field mapping with the recognised column names (``ALIASES``) and check its sources.

    Args:
        mapping: the user's mapping (``parse_mapping``).
        columns: the source's columns.
        source: the source, for messages.

    Returns:
        target field -> source column (a column is used for one field only).

    Raises:
        InputError: a mapped column the source lacks (its columns are listed).

    Example:
        >>> resolve_mapping({"name": "titel"}, ["Nr", "Titel", "Plätze", "Öffnungszeiten"], "inseln.csv")
        {'name': 'Titel', 'id': 'Nr', 'seats': 'Plätze', 'opening_hours': 'Öffnungszeiten'}
    """
    by_lower = {c.lower().strip(): c for c in columns}
    resolved = {}
    for target, col in mapping.items():
        if col not in columns:
            if col.lower() in by_lower:
                col = by_lower[col.lower()]
            else:
                raise InputError(f"field mapping {target}={col}: no column '{col}'; columns: {', '.join(columns)}",
                                 path=source)
        resolved[target] = col
    used = set(resolved.values())
    for target, names in ALIASES.items():
        if target in resolved:
            continue
        alias = next((by_lower[n] for n in names if n in by_lower and by_lower[n] not in used), None)
        if alias:
            resolved[target] = alias
            used.add(alias)
    return resolved


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


class BuildingIndex(PolygonLookup):
    """2D footprints with an STRtree: inside, nearest within a tolerance, by id."""

    def __init__(self, ref: LayerRef, target_crs: str | None) -> None:
        import shapely

        frame = read_frame(ref)
        if target_crs and frame.crs is not None:
            frame = frame.to_crs(target_crs)
        id_col = "building_id" if "building_id" in frame.columns else "id" if "id" in frame.columns else None
        if id_col is None:
            raise InputError("the buildings layer has no 'building_id' or 'id' field", path=str(ref))
        self.ids: list[str] = []
        self.geoms: list[BaseGeometry] = []
        self.attrs: list[dict[str, Any]] = []
        records = frame.drop(columns="geometry").to_dict("records")
        for rec, geom in zip(records, frame.geometry):
            poly = polygons_2d(geom)
            if poly is None:
                continue
            self.ids.append(str(rec[id_col]))
            self.geoms.append(poly)
            self.attrs.append(rec)
        self.crs = frame.crs
        self.tree = shapely.STRtree(self.geoms)
        self.by_id = {bid: i for i, bid in enumerate(self.ids)}


class RoomIndex:
    """BIM rooms with their floor numbers per building."""

    def __init__(self, ref: LayerRef, target_crs: str | None) -> None:
        import shapely

        frame = read_frame(ref)
        if target_crs and frame.crs is not None:
            frame = frame.to_crs(target_crs)
        self.rooms: list[Room] = read_rooms(frame)
        self.tree = shapely.STRtree([r.geometry for r in self.rooms])

    def near(self, geom: BaseGeometry) -> list[Room]:
        return [self.rooms[int(i)] for i in self.tree.query(geom, predicate="intersects")]

    def floors(self, rooms: list[Room]) -> dict[str, int]:
        storeys: dict[str, float] = {}
        for r in rooms:
            storeys.setdefault(r.storey, r.elevation)
        return floor_indices(storeys)


def _match_room(rooms: list[Room], key: str) -> list[Room]:
    k = key.strip().lower()
    for attr in ("number", "name", "long_name"):
        hits = [r for r in rooms if getattr(r, attr).strip().lower() == k]
        if hits:
            return hits
    return []


def link_room(point: BaseGeometry, building_geom: BaseGeometry | None, floor_value: str | None, room_key: str | None,
              index: RoomIndex) -> tuple[Room | None, str, str]:
    """Find the BIM room an island lies in: by its floor and the point in the room, else by room number or name.

    Args:
        point: the island's position (target CRS).
        building_geom: the footprint of its building, None when it is in none.
        floor_value: the island's floor as given ('1. OG', '2', 'EG'), None when not given.
        room_key: the island's room number or name, None when not given.
        index: the rooms.

    Returns:
        (the room or None, how it was found: ``floor+point``, ``point`` or ``name/number``, why not / a doubt).

    Example:
        >>> import tempfile
        >>> import geopandas as gpd
        >>> from pathlib import Path
        >>> from shapely.geometry import Point, box
        >>> tmp = tempfile.TemporaryDirectory()
        >>> rooms = Path(tmp.name) / "school.gpkg"
        >>> gpd.GeoDataFrame({"global_id": ["r1", "r2", "r3"], "name": ["E01", "101", "102"],
        ...                   "number": ["E01", "101", "102"], "storey": ["EG", "1. OG", "1. OG"],
        ...                   "storey_elevation": [0.0, 3.5, 3.5]},
        ...                  geometry=[box(0, 0, 10, 8), box(0, 0, 5, 8), box(5, 0, 10, 8)],
        ...                  crs="EPSG:25832").to_file(rooms, layer="bim_spaces")
        >>> index = RoomIndex(LayerRef(str(rooms), "bim_spaces"), "EPSG:25832")
        >>> room, how, why = link_room(Point(7, 4), box(0, 0, 10, 8), "1. OG", None, index)
        >>> room.number, how, why
        ('102', 'floor+point', '')
        >>> link_room(Point(7, 4), box(0, 0, 10, 8), "3", None, index)[2]
        "floor '3' matches no storey (storeys: EG=0, 1. OG=1)"
        >>> tmp.cleanup()
    """
    import shapely

    scope = index.near(building_geom if building_geom is not None else point.buffer(1.0))
    if building_geom is not None:
        scope = [r for r in scope if building_geom.buffer(0.5).contains(r.geometry.representative_point())]
    if not scope:
        return None, "", NO_ROOMS
    floors = index.floors(scope)
    wanted_storeys: set[str] | None = None
    if floor_value:
        by_name = {r.storey for r in scope if r.storey.strip().lower() == floor_value.strip().lower()}
        number = parse_floor(floor_value)
        if by_name:
            wanted_storeys = by_name
        elif number is not None:
            wanted_storeys = {s for s, n in floors.items() if n == number}
        if not wanted_storeys:
            known = ", ".join(f"{s}={n}" for s, n in sorted(floors.items(), key=lambda kv: kv[1]))
            return None, "", f"floor '{floor_value}' matches no storey (storeys: {known})"
    on_floor = [r for r in scope if wanted_storeys is None or r.storey in wanted_storeys]
    containing = [r for r in on_floor if shapely.intersects(r.geometry, point)]
    if len(containing) == 1 and (wanted_storeys is not None or len(index.floors(containing)) == 1):
        room = containing[0]
        reason = ""
        if room_key and not _match_room([room], room_key):
            reason = f"room '{room_key}' given, but the point lies in room {room.number or room.name}"
        return room, "floor+point" if wanted_storeys is not None else "point", reason
    if room_key:
        hits = _match_room(on_floor, room_key)
        if len(hits) == 1:
            return hits[0], "name/number", ""
        if len(hits) > 1:
            return None, "", f"room '{room_key}' matches {len(hits)} rooms"
    if not containing:
        where = f"on floor '{floor_value}'" if floor_value else "on any floor"
        return None, "", f"the point lies in no room {where}" + (f" and room '{room_key}' matches none"
                                                                    if room_key else "")
    return None, "", (f"the point lies in {len(containing)} rooms on different storeys; "
                      "give the floor or the room number")


def import_learning_islands(source: str | LayerRef, output: str, *, field_mapping: str = "",
                            buildings: LayerRef | None = None, rooms: LayerRef | None = None,
                            tolerance: float = 25.0, target_crs: str | None = None,
                            source_crs: str | None = None, reporter: Reporter | None = None) -> IslandSummary:
    """Import learning islands: read, validate and link them to their building and BIM room; write
    ``learning_islands`` and ``learning_islands_unlinked`` (rejected rows, islands without a room).

    Only true duplicates are rejected (listed with the row they repeat); opening hours that cannot be read and
    booking links that are not http(s)/mailto/tel are flagged (``opening_hours_error``, ``booking_url_error``).

    Args:
        source: the islands (GeoJSON, CSV with latitude/longitude or easting/northing, GeoPackage).
        output: the GeoPackage to write.
        field_mapping: ``target=source`` pairs for columns not recognised by name.
        buildings: the buildings (footprints) to link to.
        rooms: the BIM rooms (``bim_spaces``) to link to.
        tolerance: metres within which an island outside every building is linked to the nearest one.
        target_crs: the output CRS (default: the buildings', else the rooms', else EPSG:25832).
        source_crs: the CRS of easting/northing columns of a CSV.
        reporter: receives progress and warnings.

    Returns:
        The IslandSummary: imported, rejected, linked and unlinked islands, flagged values.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     csv = Path(tmp) / "inseln.csv"
        ...     _ = csv.write_text("id;name;lat;lon;plaetze;oeffnungszeiten\\n"
        ...                        "LI-1;Bibliothek;49.0094;8.4034;12;Mo-Fr 09:00-18:00\\n"
        ...                        "LI-2;Café;49.0101;8.4012;4;gestern\\n", encoding="utf-8")
        ...     summary = import_learning_islands(str(csv), str(Path(tmp) / "islands.gpkg"))
        >>> summary.imported, summary.rejected, summary.crs, [iid for iid, _ in summary.hours_unknown]
        (2, 0, 'EPSG:25832', ['LI-2'])
    """
    reporter = reporter or Reporter()
    for name, crs_text in (("target CRS", target_crs), ("source CRS", source_crs)):
        _check_crs(name, crs_text)
    building_index = BuildingIndex(buildings, target_crs) if buildings else None
    if target_crs is None:
        target_crs = _default_crs(building_index, rooms)
    room_index = RoomIndex(rooms, target_crs) if rooms else None
    source_name = Path(source.path if isinstance(source, LayerRef) else source).name
    source_folder = Path(source.path if isinstance(source, LayerRef) else source).resolve().parent
    rows, columns = read_points(source, target_crs, source_crs=source_crs, reporter=reporter)
    mapping = resolve_mapping(parse_mapping(field_mapping), columns, str(source))
    reporter.info(f"{len(rows)} rows; field mapping: " + ", ".join(f"{t}={s}" for t, s in mapping.items()))
    summary = IslandSummary(output=output, crs=target_crs)
    seen_ids: dict[str, tuple[int, Content]] = {}
    seen_records: dict[str, tuple[int, str]] = {}
    with gpkg_output(output, target_crs) as out:
        out.ensure_layer(LEARNING_ISLANDS)
        out.ensure_layer(LEARNING_ISLANDS_UNLINKED)
        writer = _IslandWriter(out, summary, reporter, source_name, source_folder, building_index, room_index,
                               tolerance)
        for n, row in enumerate(rows):
            if n % 200 == 0:
                reporter.check()
                reporter.progress(100.0 * n / max(1, len(rows)))
            rec = _island_record(row, mapping)
            island_id = rec["id"] or f"{source_name}:{row.line}"
            rec["id"] = island_id
            for note in row.notes:
                reporter.warning(f"{source_name}, line {row.line}, island {island_id}: {note}")
            problem = row.problem
            content = _content(row) if problem is None else None
            if content is not None:
                problem = _duplicate(island_id, content, seen_ids, seen_records)
            if content is None or problem is not None:   # a row without a problem has its content
                writer.reject(row.line, island_id, problem or "")
                continue
            seen_ids[island_id] = (row.line, content)
            seen_records.setdefault(_record_key(content), (row.line, island_id))
            writer.write(rec, row, island_id)
    _report(summary, reporter)
    return summary


def _default_crs(building_index: BuildingIndex | None, rooms: LayerRef | None) -> str:
    """The twin's CRS when none is given: the buildings', else the rooms', else EPSG:25832."""
    crs = building_index.crs if building_index is not None else None
    if crs is None and rooms is not None:
        crs = read_frame(rooms).crs
    return crs.to_string() if crs is not None else "EPSG:25832"


@dataclass
class _IslandWriter:
    """Writes the rows of one import: the islands, linked, and the rejected or unlinked ones."""

    out: GpkgWriter
    summary: IslandSummary
    reporter: Reporter
    source_name: str
    source_folder: Path
    buildings: BuildingIndex | None
    rooms: RoomIndex | None
    tolerance: float

    def reject(self, line: int, island_id: str, problem: str) -> None:
        self.reporter.warning(f"{self.source_name}, line {line}, island {island_id}: {problem}; not imported")
        self.out.add(LEARNING_ISLANDS_UNLINKED, {"island_id": island_id, "source_file": self.source_name,
                                                 "source_line": line, "status": "rejected", "reason": problem})
        self.summary.rejected += 1
        self.summary.unlinked.append((island_id, problem))

    def write(self, rec: dict[str, Any], row: PointRow, island_id: str) -> None:
        import shapely

        summary = self.summary
        _check_values(rec, f"{self.source_name}, line {row.line}, island {_label(island_id)}"
                      + (f" ({_label(rec['name'])})" if rec.get("name") and rec["name"] != island_id else ""),
                      summary, self.reporter, base=self.source_folder)
        point = shapely.Point(row.x, row.y)
        _link(rec, point, self.buildings, self.rooms, self.tolerance)
        if row.notes:
            rec["link_reason"] = "; ".join(filter(None, [rec.get("link_reason"), *row.notes]))
        rec.update(source_file=self.source_name, source_line=row.line)
        self.out.add(LEARNING_ISLANDS, rec, point)
        summary.imported += 1
        summary.linked_building += bool(rec.get("building_id"))
        summary.linked_room += bool(rec.get("room_id"))
        if rec["link_status"] in ("unlinked", "building_only"):
            self.out.add(LEARNING_ISLANDS_UNLINKED, {"island_id": island_id, "source_file": self.source_name,
                                                     "source_line": row.line, "status": rec["link_status"],
                                                     "reason": rec["link_reason"]})
            summary.unlinked.append((island_id, rec["link_reason"]))


def _report(summary: IslandSummary, reporter: Reporter) -> None:
    reporter.progress(100.0)
    reporter.info(f"{summary.imported} islands imported, {summary.rejected} rejected; "
                  f"{summary.linked_building} linked to a building, {summary.linked_room} to a room")
    if summary.hours_unknown:
        reporter.warning(f"{len(summary.hours_unknown)} islands have opening_hours that are not understood "
                         "(see opening_hours_error); they are imported, and the search treats their hours as "
                         "unknown")
    if summary.hours_normalised:
        reporter.info(f"{len(summary.hours_normalised)} islands have opening hours in everyday German, read as "
                      "opening_hours (" + ", ".join(f"{i}: '{a}' as '{b}'" for i, a, b in summary.hours_normalised[:5])
                      + (", ..." if len(summary.hours_normalised) > 5 else "") + ")")
    if summary.hours_by_arrangement:
        reporter.info(f"{len(summary.hours_by_arrangement)} islands have opening hours by arrangement ("
                      + ", ".join(f"{i}: '{c}'" for i, c in summary.hours_by_arrangement[:5])
                      + (", ..." if len(summary.hours_by_arrangement) > 5 else "")
                      + "); their hours are unknown then, and the search never offers them as open")
    if summary.booking_refused:
        reporter.warning(f"{len(summary.booking_refused)} booking_url values refused (see booking_url_error); "
                         "only http(s), mailto and tel links are kept")


#: What makes two rows the same record: every source column (normalised text) and the position.
Content = tuple[dict[str, str | None], tuple[float, float]]


def _content(row: PointRow) -> Content:
    return ({str(k): _text(v) for k, v in row.attrs.items()},
            (round(float(row.x), 6), round(float(row.y), 6)))  # type: ignore[arg-type]


def _record_key(content: Content) -> str:
    return json.dumps([sorted(content[0].items()), content[1]], ensure_ascii=False)


def _duplicate(island_id: str, content: Content, seen_ids: dict[str, tuple[int, Content]],
               seen_records: dict[str, tuple[int, str]]) -> str | None:
    """Why the row is rejected as a duplicate: only a true duplicate (every field and the position
    equal) or a second row with an id already imported; rows that merely share a name and a
    position (two access points of one site) are different records and both kept."""
    first = seen_records.get(_record_key(content))
    if first is not None:
        return f"duplicate of island '{first[1]}' (line {first[0]}): every field and the position are equal"
    if island_id in seen_ids:
        line, (attrs, position) = seen_ids[island_id]
        fields = [k for k in dict.fromkeys([*attrs, *content[0]]) if attrs.get(k) != content[0].get(k)]
        if position != content[1]:
            fields.append("geometry")
        return f"same id '{island_id}' as line {line} but different values: fields {', '.join(fields)}"
    return None


def _check_values(rec: dict[str, Any], where: str, summary: IslandSummary, reporter: Reporter,
                  base: Path | None = None) -> None:
    """Flag opening_hours the search cannot read; clear a booking_url that is not a safe link; normalise the
    calendar reference (a relative path is taken from the islands file's folder)."""
    if rec.get("calendar") or rec.get("calendar_type"):
        try:
            ref = CalendarRef.from_record(rec, base=base)
        except InputError as err:
            ref = None
            rec["calendar_error"] = str(err)
            summary.calendar_refused.append((rec["id"], str(err)))
            reporter.warning(f"{where}: {err}; the island has no calendar")
        rec["calendar"], rec["calendar_type"] = (ref.location, ref.kind) if ref else (None, None)
        rec["calendar_address"] = ref.address if ref else None
        summary.calendars += ref is not None
    hours = rec.get("opening_hours")
    if hours:
        try:
            parsed = parse(hours)
            if parsed.normalised is not None:
                summary.hours_normalised.append((rec["id"], hours, parsed.normalised))
            if parsed.arrangements:
                summary.hours_by_arrangement.append((rec["id"], "; ".join(parsed.arrangements)))
        except OpeningHoursError as err:
            rec["opening_hours_error"] = str(err)
            summary.hours_unknown.append((rec["id"], hours))
            reporter.warning(f"{where}: opening_hours {hours!r} not understood ({err}); imported, "
                             "the search treats its hours as unknown")
    url, why = check_booking_url(rec.get("booking_url"))
    rec["booking_url"] = url
    if why:
        rec["booking_url_error"] = why
        summary.booking_refused.append((rec["id"], why))
        reporter.warning(f"{where}: {why}; the field is left empty")


def _island_record(row: PointRow, mapping: dict[str, str]) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    for target, kind in ISLAND_FIELDS.items():
        value = _text(row.attrs.get(mapping[target])) if target in mapping else None
        if kind == "int" and value is not None:
            try:
                number = float(value.replace(",", "."))
                rec[target] = int(number) if number.is_integer() and 0 <= number <= MAX_COUNT else None
                if rec[target] is None:
                    row.notes.append(f"{target} '{value}' is not a whole number from 0 to {MAX_COUNT}; left empty")
            except ValueError:
                row.notes.append(f"{target} '{value}' is not a number; left empty")
                rec[target] = None
        else:
            rec[target] = value
    used = set(mapping.values())
    extra = {k: v for k, v in row.attrs.items() if k not in used and _text(v) is not None}
    rec["attributes"] = json.dumps(_finite(extra), ensure_ascii=False, default=str) if extra else None
    return rec


def _check_crs(name: str, crs: str | None) -> None:
    """A clear InputError for a CRS that pyproj does not know."""
    if crs is None:
        return
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(crs)
    except (CRSError, TypeError, ValueError) as err:
        raise InputError(f"the {name} '{crs}' is not a known CRS: {err}") from None


def _finite(value: Any) -> Any:
    """``value`` with non-finite floats as text: JSON has no NaN or Infinity."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _label(text: str) -> str:
    """A source value for a message line: as is when printable, else with its escapes shown."""
    return text if text.isprintable() else repr(text)


def _link(rec: dict[str, Any], point: BaseGeometry, buildings: BuildingIndex | None, rooms: RoomIndex | None,
          tolerance: float) -> None:
    reasons: list[str] = []
    building_geom = None
    if buildings is None:
        rec["link_status"] = "not_checked"
        rec["link_reason"] = "no buildings layer given"
    else:
        idx = buildings.containing(point)
        if idx is not None:
            rec.update(building_id=buildings.ids[idx], building_method="inside", building_distance=0.0)
        else:
            near = buildings.nearest(point, tolerance)
            if near is not None:
                idx, dist = near
                rec.update(building_id=buildings.ids[idx], building_method="nearest",
                           building_distance=round(dist, 3))
        ref = rec.get("building_ref")
        if ref and ref in buildings.by_id and rec.get("building_id") != ref:
            if rec.get("building_id"):
                reasons.append(f"building_ref '{ref}' given, but the point lies "
                               f"{'in' if idx is not None and rec['building_method'] == 'inside' else 'near'} "
                               f"{rec['building_id']}; building_ref used")
            idx = buildings.by_id[ref]
            rec.update(building_id=ref, building_method="building_ref",
                       building_distance=round(buildings.geoms[idx].distance(point), 3))
        if rec.get("building_id"):
            building_geom = buildings.geoms[buildings.by_id[rec["building_id"]]]
        else:
            reasons.append(f"no building footprint contains the point and none lies within {tolerance:g} m"
                           + (f"; building_ref '{ref}' is unknown" if ref else ""))
    rooms_apply = False
    if rooms is not None and (building_geom is not None or buildings is None):
        room, method, why = link_room(point, building_geom, rec.get("floor"), rec.get("room"), rooms)
        rooms_apply = why != NO_ROOMS
        if room is not None:
            rec.update(room_id=room.room_id, room_name=room.long_name or room.name, room_storey=room.storey,
                       room_method=method)
        if why:
            reasons.append(why)
    if buildings is not None:
        if not rec.get("building_id"):
            rec["link_status"] = "unlinked"
        elif rooms_apply and not rec.get("room_id"):
            rec["link_status"] = "building_only"
        else:
            rec["link_status"] = "linked"
    elif rooms is not None:
        rec["link_status"] = "linked" if rec.get("room_id") else "unlinked"
    if reasons:
        rec["link_reason"] = "; ".join(filter(None, [rec.get("link_reason") if buildings is None else None,
                                                     *reasons]))
