"""Find the nearest learning islands that are open at a given time and have enough seats."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..kernel.errors import GeoTwinError, InputError
from ..kernel.gpkg import gpkg_output
from ..kernel.layers import LayerRef, polygons_2d, read_frame
from ..kernel.progress import Reporter
from ..kernel.schema.islands import SEARCH_EXCLUDED, SEARCH_RESULTS
from .availability import Window, check_window
from .calendar import CalendarRef, Credentials
from .opening_hours import OpeningHours, OpeningHoursError, add, local, parse
from .values import check_booking_url

if TYPE_CHECKING:
    from pathlib import Path

    from pyproj import CRS
    from shapely.geometry.base import BaseGeometry


@dataclass
class SearchSummary:
    found: list[tuple[str, float]] = field(default_factory=list)  # (island id, distance m), nearest first
    excluded: dict[str, str] = field(default_factory=dict)        # island id -> reason
    next_free: dict[str, datetime] = field(default_factory=dict)  # excluded island id -> next free window start
    hours_unknown: dict[str, str] = field(default_factory=dict)   # excluded as hours unknown (by arrangement,
    #                                                               open end) -> the reason
    calendars_read: int = 0
    origin: tuple[float, float] = (0.0, 0.0)


def _normalise_address(text: str) -> str:
    t = text.lower().replace("ß", "ss")
    t = re.sub(r"strasse\b|str\.", "str", t)
    return re.sub(r"[\s.,\-]+", "", t)


def locate_address(address: str, buildings: LayerRef, crs: CRS | str | None) -> tuple[float, float]:
    """Find the position of an address: the centroid of the building whose street and house number match.

    Street names are compared without case, spaces and punctuation, ``ß`` as ``ss`` and ``Str.`` as ``straße``.

    Args:
        address: street and house number.
        buildings: the buildings layer (``street``, ``house_number``).
        crs: the CRS to give the position in (None: the layer's).

    Returns:
        (x, y) of the building's centroid.

    Raises:
        InputError: the layer has no street or house number.
        GeoTwinError: no building has the address (close matches are suggested).

    Example:
        >>> import tempfile
        >>> import geopandas as gpd
        >>> from pathlib import Path
        >>> from shapely.geometry import Point, box
        >>> tmp = tempfile.TemporaryDirectory()
        >>> twin = str(Path(tmp.name) / "twin.gpkg")
        >>> gpd.GeoDataFrame({"id": ["B1", "B2"], "street": ["Karlstraße", "Hebelstraße"], "house_number": ["10", "3"]},
        ...                  geometry=[box(0, 0, 20, 10), box(100, 0, 120, 10)],
        ...                  crs="EPSG:25832").to_file(twin, layer="buildings")
        >>> gpd.GeoDataFrame({"id": ["LI-1", "LI-2", "LI-3"], "name": ["Bibliothek", "Café", "Rathaus"],
        ...                   "seats": [12, 4, 20],
        ...                   "opening_hours": ["Mo-Fr 09:00-18:00", "Mo-Su 08:00-22:00", "Sa 10:00-14:00"]},
        ...                  geometry=[Point(10, 5), Point(110, 5), Point(50, 50)],
        ...                  crs="EPSG:25832").to_file(twin, layer="learning_islands")
        >>> locate_address("Karlstr. 10", LayerRef(twin, "buildings"), None)
        (10.0, 5.0)
        >>> locate_address("Karlstraße 11", LayerRef(twin, "buildings"), None)
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: address 'Karlstraße 11' not found ...; did you mean: Karlstraße 10?
        >>> tmp.cleanup()
    """
    frame = read_frame(buildings)
    for col in ("street", "house_number"):
        if col not in frame.columns:
            raise InputError(f"the buildings layer has no '{col}' field for the address search", path=str(buildings))
    if crs is not None and frame.crs is not None:
        frame = frame.to_crs(crs)
    wanted = _normalise_address(address)
    keys = [_normalise_address(f"{s or ''} {h or ''}") for s, h in zip(frame["street"], frame["house_number"])]
    hits = [i for i, k in enumerate(keys) if k == wanted and k]
    if not hits:
        close = difflib.get_close_matches(wanted, [k for k in keys if k], n=3)
        labels = list(dict.fromkeys(f"{frame['street'].iloc[keys.index(c)]} {frame['house_number'].iloc[keys.index(c)]}"
                                    for c in close))
        raise GeoTwinError(f"address '{address}' not found in the buildings layer"
                           + (f"; did you mean: {', '.join(labels)}?" if labels else ""))
    import shapely

    geoms = [polygons_2d(frame.geometry.iloc[i]) for i in hits]
    union = shapely.unary_union([g for g in geoms if g is not None])
    if union.is_empty:
        raise GeoTwinError(f"address '{address}': the building has no usable geometry")
    c = union.centroid
    return c.x, c.y


def _example_twin(folder: Path) -> str:
    """The GeoPackage of locate_address' example, written into ``folder``: the buildings B1 (Karlstraße 10) and
    B2 (Hebelstraße 3) and the learning islands LI-1 (Bibliothek), LI-2 (Café) and LI-3 (Rathaus)."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    twin = str(folder / "twin.gpkg")
    gpd.GeoDataFrame({"id": ["B1", "B2"], "street": ["Karlstraße", "Hebelstraße"], "house_number": ["10", "3"]},
                     geometry=[box(0, 0, 20, 10), box(100, 0, 120, 10)],
                     crs="EPSG:25832").to_file(twin, layer="buildings")
    gpd.GeoDataFrame({"id": ["LI-1", "LI-2", "LI-3"], "name": ["Bibliothek", "Café", "Rathaus"],
                      "seats": [12, 4, 20],
                      "opening_hours": ["Mo-Fr 09:00-18:00", "Mo-Su 08:00-22:00", "Sa 10:00-14:00"]},
                     geometry=[Point(10, 5), Point(110, 5), Point(50, 50)],
                     crs="EPSG:25832").to_file(twin, layer="learning_islands")
    return twin

def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _seats(value: str | float | None) -> int | None:
    """A seat count from the layer (int, float or text), None when missing or not a number."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number == number and abs(number) < 1e9 else None


def find_learning_islands(islands: LayerRef, output: str, *, when: datetime, seats: int = 1,
                          location: tuple[float, float] | None = None, address: str | None = None,
                          buildings: LayerRef | None = None, max_results: int = 10,
                          duration: int | None = None, calendars: bool = True,
                          credentials: Credentials | None = None,
                          reporter: Reporter | None = None) -> SearchSummary:
    """Find the nearest learning islands that are open for a whole window, have enough seats and are free in their
    booking calendar.

    Writes ``learning_island_search`` (nearest first, with the booking link) and
    ``learning_island_search_excluded`` (the others, with the reason and, where the time was the reason,
    ``next_free``: the start of the next open and free window of that length within 7 days). A calendar that
    cannot be read excludes its island (its time is unknown, never taken as free).

    Args:
        islands: the learning_islands layer.
        output: the GeoPackage to write.
        when: the start of the window (local time at the islands; naive = Europe/Berlin).
        seats: the seats needed.
        location: the search origin in the islands layer's CRS; else ``address``.
        address: street and house number, found in ``buildings``.
        buildings: the twin's buildings layer (for an address).
        max_results: the most islands listed.
        duration: the window's length in minutes (None or 0: open at the instant ``when``).
        calendars: read the islands' calendars.
        credentials: user names and passwords per calendar host.
        reporter: receives progress and warnings.

    Returns:
        The SearchSummary: found (id, distance) nearest first, excluded with reasons, next free windows.

    Raises:
        InputError: not a learning_islands layer.
        GeoTwinError: no location and no address, or a duration beyond 7 days.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> tmp = tempfile.TemporaryDirectory()
        >>> twin = _example_twin(Path(tmp.name))   # locate_address' example: Karlstraße 10, Hebelstraße 3, LI-1..3
        >>> from datetime import datetime
        >>> summary = find_learning_islands(LayerRef(twin, "learning_islands"), str(Path(tmp.name) / "found.gpkg"),
        ...                                 when=datetime(2026, 7, 1, 17, 0), duration=90, seats=2,
        ...                                 address="Hebelstraße 3", buildings=LayerRef(twin, "buildings"))
        >>> summary.found, summary.excluded["LI-1"], summary.next_free["LI-1"].isoformat()
        ([('LI-2', 0.0)], 'not open the whole time Wed 17:00-18:30 (Mo-Fr 09:00-18:00)', '2026-07-02T09:00:00+02:00')
        >>> tmp.cleanup()
    """
    import shapely

    reporter = reporter or Reporter()
    frame = read_frame(islands)
    if "opening_hours" not in frame.columns or "seats" not in frame.columns:
        raise InputError("not a learning_islands layer (no opening_hours/seats fields)", path=str(islands))
    if location is None:
        location = _address_location(address, buildings, frame.crs, reporter)
    origin = shapely.Point(*location)
    summary = SearchSummary(origin=location)
    if duration is not None and not 0 <= duration <= 7 * 24 * 60:
        raise GeoTwinError(f"the duration must be from 0 to {7 * 24 * 60} minutes, not {duration}")
    span = timedelta(minutes=duration or 0)
    when = local(when)
    records: list[dict[str, Any]] = frame.drop(columns="geometry").to_dict("records")
    if credentials is not None and calendars:
        credentials = credentials.bound(_calendar_refs(records))
    search = _Search(origin, when, span, seats, calendars, credentials, reporter, summary)
    candidates: list[_Candidate] = []
    for i, rec in enumerate(records):
        if i % 200 == 0:
            reporter.check()
        candidate = search.candidate(rec, frame.geometry.iloc[i])
        if candidate is not None:
            candidates.append(candidate)
    for iid, reason in summary.excluded.items():
        if reason.startswith(("opening hours", "calendar")) and iid not in summary.hours_unknown:
            reporter.warning(f"island {iid}: {reason}")
    candidates.sort(key=lambda c: (c[0], c[1]))
    _write_results(output, frame.crs.to_string() if frame.crs is not None else None, candidates[:max_results],
                   search)
    reporter.info(f"{len(summary.found)} islands open at {when:%Y-%m-%d %H:%M}"
                  + (f" for {duration} minutes" if duration else "") + f" with at least {seats} seats "
                  f"({len(candidates)} candidates, {len(summary.excluded)} excluded"
                  + (f", {len(summary.hours_unknown)} of them with opening hours unknown then (by arrangement or "
                     "an open end)" if summary.hours_unknown else "") + ")")
    return summary


def _address_location(address: str | None, buildings: LayerRef | None, crs: CRS | None,
                      reporter: Reporter) -> tuple[float, float]:
    """The search origin of an address search (see locate_address)."""
    if not address:
        raise GeoTwinError("give a location point or an address")
    if buildings is None:
        raise GeoTwinError("an address search needs the twin's buildings layer")
    location = locate_address(address, buildings, crs)
    reporter.info(f"address '{address}' found at {location[0]:.2f}, {location[1]:.2f}")
    return location


def _calendar_refs(records: list[dict[str, Any]]) -> list[CalendarRef]:
    """The calendars the islands name (unusable references left out: their islands are excluded later)."""
    refs = []
    for rec in records:
        try:
            ref = CalendarRef.from_record(rec)
        except InputError:
            continue
        if ref is not None:
            refs.append(ref)
    return refs


# distance (m), island id, its record, its geometry, the note of the result row
_Candidate = tuple[float, str, dict[str, Any], "BaseGeometry", str]


@dataclass
class _Search:
    """One search's window and demands; ``candidate`` checks an island against them."""

    origin: BaseGeometry
    when: datetime
    span: timedelta
    seats: int
    calendars: bool
    credentials: Credentials | None
    reporter: Reporter
    summary: SearchSummary

    def candidate(self, rec: dict[str, Any], geom: BaseGeometry | None) -> _Candidate | None:
        """The island as a search result, or None with the reason in ``summary.excluded``."""
        import shapely

        summary = self.summary
        iid = str(rec.get("id"))
        if geom is None or geom.is_empty:
            summary.excluded[iid] = "no position"
            return None
        hours, text, reason = _hours_and_seats(rec, self.seats)
        if hours is None:
            summary.excluded[iid] = reason
            return None
        window = self._window(iid, rec, hours, text)
        if window is None:
            return None
        dist = float(self.origin.distance(shapely.force_2d(geom)))
        notes = list(hours.notes)
        url = rec.get("booking_url")
        url, why = check_booking_url(url if isinstance(url, str) else None)
        rec["booking_url"] = url
        if why:
            notes.append(why)
            self.reporter.warning(f"island {iid}: {why}")
        return dist, iid, rec, geom, "; ".join(notes)

    def _window(self, iid: str, rec: dict[str, Any], hours: OpeningHours, text: object) -> Window | None:
        """The island's window when it is open and free, else None with the reason (and the next free start)."""
        summary = self.summary
        ref = None
        if self.calendars:
            try:
                ref = CalendarRef.from_record(rec)
            except InputError as err:
                summary.excluded[iid] = f"calendar not usable: {err}"
                return None
        try:
            window = check_window(iid, hours, ref, self.when, self.span, credentials=self.credentials,
                                  reporter=self.reporter)
        except OpeningHoursError as err:
            summary.excluded[iid] = f"opening hours '{text}' not evaluated: {err}"
            return None
        except GeoTwinError as err:
            summary.excluded[iid] = f"calendar not readable: {err}"
            return None
        summary.calendars_read += ref is not None
        if not window.ok:
            summary.excluded[iid] = window.reason
            if window.reason.startswith("opening hours unknown"):
                summary.hours_unknown[iid] = window.reason
            if window.next_free is not None:
                summary.next_free[iid] = window.next_free
            return None
        return window


def _hours_and_seats(rec: dict[str, Any], seats: int) -> tuple[OpeningHours | None, object, str]:
    """(the parsed opening hours, their text, "") when the island has the seats and readable hours, else
    (None, the text, the reason)."""
    have = _seats(rec.get("seats"))
    if have is None:
        return None, None, "number of seats unknown"
    if have < seats:
        return None, None, f"{have} seats < {seats}"
    text = rec.get("opening_hours")
    if not text or text != text:
        return None, text, "no opening hours"
    # the stored value is read again rather than its opening_hours_error trusted: a flag set by an older import
    # goes stale when the parser learns a form (everyday German, "Mo-Fr 8-16 Uhr"); the value is kept as written
    try:
        return parse(str(text)), text, ""
    except OpeningHoursError as err:
        return None, text, f"opening hours '{text}' not understood: {err}"


def _write_results(output: str, crs: str | None, found: list[_Candidate], search: _Search) -> None:
    """The result rows (nearest first) and the excluded islands with their reasons."""
    summary, when, span = search.summary, search.when, search.span
    with gpkg_output(output, crs) as out:
        out.ensure_layer(SEARCH_RESULTS)
        for rank, (dist, iid, rec, geom, note) in enumerate(found, start=1):
            out.add(SEARCH_RESULTS, {
                "rank": rank, "island_id": iid, "name": rec.get("name"), "distance_m": round(dist, 2),
                "seats": _seats(rec["seats"]), "opening_hours": rec.get("opening_hours"),
                "open_at": when.isoformat(timespec="minutes"), "booking_url": rec.get("booking_url"),
                "free_until": add(when, span).isoformat(timespec="minutes"),
                "calendar_checked": bool(search.calendars and _str(rec.get("calendar"))),
                "building_id": rec.get("building_id"), "floor": rec.get("floor"), "room": rec.get("room"),
                "note": note or None,
            }, geom)
            summary.found.append((iid, dist))
        out.ensure_layer(SEARCH_EXCLUDED)
        for iid, reason in summary.excluded.items():
            nxt = summary.next_free.get(iid)
            out.add(SEARCH_EXCLUDED, {"island_id": iid, "reason": reason,
                                      "next_free": nxt.isoformat(timespec="minutes") if nxt else None})
