"""Availability of learning islands: open (opening hours) and free (booking calendar) for a window.

``Island`` bundles what the checks need; ``check_window`` tells whether an island is open and free for
[start, start + duration) and else the next such window within ``HORIZON``; ``refresh_availability``
writes the ``island_availability`` layer for a date range; ``availability_json`` builds the data the web
map shows (no QGIS needed).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from ..kernel.errors import GeoTwinError, InputError
from ..kernel.progress import Reporter
from .calendar import (
    MAX_FEED_BYTES,
    MAX_OCCURRENCES,
    Busy,
    CalendarRef,
    Credentials,
    busy,
    free_slots,
)
from .opening_hours import MAX_HORIZON, TIMEZONE, OpeningHours, OpeningHoursError, add, local, parse

if TYPE_CHECKING:
    from ..kernel.layers import LayerRef

IslandRecord = dict[str, Any]   # a learning_islands row: field name -> value as read (text, number, None)
# the learning_islands layer (a LayerRef, or the path of the import's GeoPackage) or its records
Islands: TypeAlias = "LayerRef | str | Path | list[IslandRecord]"


class AvailabilityEntry(TypedDict, total=False):
    """One island of availability.json."""

    opening_hours: str | None
    busy: list[list[str]]        # [start ISO, end ISO] of each busy interval
    # [start ISO, end ISO, state (open, closed, unknown)] or, unknown with a comment ("nach Vereinbarung", an open
    # end), [start, end, "unknown", comment]: the opening hours over the same horizon as busy, without gaps
    hours: list[list[str]]
    hours_error: str             # why the hours are unknown as a whole (none, not understood, not evaluated)
    booking_url: str | None
    calendar: str                # ok, none or error
    error: str                   # the calendar's error message (dropped before publishing)


class AvailabilityDoc(TypedDict):
    """The web map's availability.json."""

    generated: str
    timezone: str
    islands: dict[str, AvailabilityEntry]

HORIZON = timedelta(days=7)
MAX_RANGE = timedelta(days=31)


@dataclass
class Window:
    ok: bool
    reason: str = ""
    next_free: datetime | None = None
    busy: list[Busy] = field(default_factory=list)


def next_window(hours: OpeningHours | None, taken: list[Busy], start: datetime, duration: timedelta,
                horizon: timedelta = HORIZON) -> datetime | None:
    """Find the next window of a given length that is open and not busy.

    Args:
        hours: the opening hours; None: always open.
        taken: the busy intervals.
        start: the earliest start (naive = Europe/Berlin).
        duration: the window's length.
        horizon: how far ahead to look.

    Returns:
        The first t >= start (t < start + horizon) with [t, t + duration) open and not busy; None when there
        is none.

    Example:
        >>> from datetime import UTC, datetime, timedelta
        >>> from .opening_hours import parse
        >>> taken = [Busy(datetime(2026, 7, 1, 6, tzinfo=UTC), datetime(2026, 7, 1, 10, tzinfo=UTC))]
        >>> next_window(parse("Mo-Fr 08:00-18:00"), taken, datetime(2026, 7, 1, 9, 0), timedelta(hours=1)).isoformat()
        '2026-07-01T12:00:00+02:00'
        >>> next_window(parse("Mo-Fr 08:00-18:00"), [], datetime(2026, 7, 3, 17, 30), timedelta(hours=1)).isoformat()
        '2026-07-06T08:00:00+02:00'
    """
    start = local(start)
    end = add(start, horizon + duration)
    limit = add(start, horizon)
    spans = hours.spans(start, end) if hours is not None else [(start, end)]
    taken = sorted(taken, key=lambda b: b.start)
    for a, b in spans:
        candidates = sorted({max(a, start), *(local(x.end) for x in taken if a < x.end < b and x.end >= start)},
                            key=lambda t: t.astimezone(UTC))
        for t in candidates:
            stop = add(t, duration)
            if t >= limit or stop > b:
                continue
            if not any(x.start < stop and x.end > t for x in taken):
                return t
    return None


def check_window(island_id: str, hours: OpeningHours, ref: CalendarRef | None, start: datetime,
                 duration: timedelta, *, credentials: Credentials | None = None,
                 max_bytes: int = MAX_FEED_BYTES, max_occurrences: int = MAX_OCCURRENCES,
                 reporter: Reporter | None = None) -> Window:
    """Check whether an island is open for a whole window and free in its calendar.

    Args:
        island_id: the island, for messages.
        hours: its opening hours.
        ref: its calendar, None when it has none (or calendars are not read).
        start: the window's start (naive = Europe/Berlin).
        duration: the window's length (0: open at the instant ``start``).
        credentials: user names and passwords per calendar host.
        max_bytes: the largest feed accepted.
        max_occurrences: the most events expanded.
        reporter: receives retry warnings.

    Returns:
        A Window: ``ok``, else the ``reason`` and ``next_free`` (the start of the next open and free window of
        that length within 7 days).

    Raises:
        GeoTwinError: the calendar cannot be read (its time is unknown, never taken as free).

    Example:
        >>> from datetime import datetime, timedelta
        >>> from .opening_hours import parse
        >>> hours = parse("Mo-Fr 08:00-18:00")
        >>> check_window("LI-7", hours, None, datetime(2026, 7, 1, 10, 0), timedelta(hours=2)).ok
        True
        >>> window = check_window("LI-7", hours, None, datetime(2026, 7, 1, 17, 0), timedelta(hours=2))
        >>> window.ok, window.reason, window.next_free.isoformat()
        (False, 'not open the whole time Wed 17:00-19:00 (Mo-Fr 08:00-18:00)', '2026-07-02T08:00:00+02:00')
    """
    start = local(start)
    end = add(start, duration)
    taken: list[Busy] = []
    if ref is not None:
        user, password = credentials.for_ref(ref) if credentials else (None, None)
        taken = busy(ref, add(start, -timedelta(days=1)), add(start, HORIZON + duration + timedelta(days=1)),
                     user=user, password=password, max_bytes=max_bytes, max_occurrences=max_occurrences,
                     reporter=reporter)
    if duration > timedelta(0):
        is_open = hours.is_open_for(start, end)
    else:
        is_open = hours.is_open(start)
    clash = [b for b in taken if b.start < max(end, add(start, timedelta(seconds=1))) and b.end > start]
    if is_open and not clash:
        return Window(True, busy=taken)
    if not is_open:
        reason = _closed_reason(hours, start, end, duration)
    else:
        first = clash[0]
        reason = (f"booked {local(first.start):%Y-%m-%d %H:%M}-{local(first.end):%H:%M}"
                  + (f" ('{first.summary}')" if first.summary else ""))
    nxt = next_window(hours, taken, start, max(duration, timedelta(minutes=1)))
    return Window(False, reason, nxt, taken)


def _closed_reason(hours: OpeningHours, start: datetime, end: datetime, duration: timedelta) -> str:
    """Why the window is not open: closed, or hours unknown (by arrangement, an open end) from some time on."""
    unknown = hours.unknown_spans(start, max(end, add(start, timedelta(minutes=1))))
    if unknown:
        a, _, comment = unknown[0]
        return (f"opening hours unknown from {max(a, start):%a %H:%M}" + (f" ({comment})" if comment else "")
                + f", never counted as open ({hours.text})")
    return (f"closed at {start:%a %H:%M}" if duration <= timedelta(0) else
            f"not open the whole time {start:%a %H:%M}-{end:%H:%M}") + f" ({hours.text})"


# ---- the island_availability layer ----------------------------------------------------------------

@dataclass
class AvailabilitySummary:
    islands: int = 0
    with_calendar: int = 0
    busy: int = 0
    free: int = 0
    errors: dict[str, str] = field(default_factory=dict)   # island id -> message


def _records(islands: Islands) -> list[IslandRecord]:
    """Island records from a LayerRef / path (read with the islands reader) or a list of dicts."""
    if isinstance(islands, list):
        return islands
    from ..kernel.layers import LayerRef, read_frame

    if isinstance(islands, (str, Path)):   # a GeoPackage of the import: its learning_islands layer
        islands = LayerRef(str(islands), "learning_islands")
    frame = read_frame(islands)
    if "id" not in frame.columns:
        raise InputError("not a learning_islands layer (no id field)", path=str(islands))
    records: list[IslandRecord] = frame.drop(columns="geometry").to_dict("records")
    return records


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def refresh_availability(islands: Islands, output: str, start: datetime, end: datetime, *,
                         credentials: Credentials | None = None, max_bytes: int = MAX_FEED_BYTES,
                         max_occurrences: int = MAX_OCCURRENCES, reporter: Reporter | None = None
                         ) -> AvailabilitySummary:
    """Write ``island_availability`` (busy events, and the free gaps inside the opening hours) and
    ``island_calendar_status`` for [start, end) to a GeoPackage.

    A calendar that cannot be read is reported (a warning, status ``error``) and the others are still read.

    Args:
        islands: the learning_islands layer (LayerRef, or the import's GeoPackage) or its records.
        output: the GeoPackage to write.
        start: the range's start (naive = Europe/Berlin).
        end: its end (at most 31 days after the start).
        credentials: user names and passwords per calendar host.
        max_bytes: the largest feed accepted.
        max_occurrences: the most events expanded per calendar.
        reporter: receives progress and warnings.

    Returns:
        The AvailabilitySummary: islands, with a calendar, busy and free intervals, errors by island.

    Raises:
        GeoTwinError: an empty or too long range.

    Example:
        >>> import tempfile
        >>> from datetime import datetime
        >>> from pathlib import Path
        >>> island = {"id": "LI-7", "opening_hours": "Mo-Fr 08:00-18:00", "seats": 6,
        ...           "booking_url": "https://buchen.example.org/?insel={island}&ab={start}&min={duration}"}
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     feed = Path(tmp) / "li7.ics"
        ...     _ = feed.write_text("\\r\\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//x//y//EN",
        ...         "BEGIN:VEVENT", "UID:a", "DTSTART;TZID=Europe/Berlin:20260701T100000",
        ...         "DTEND;TZID=Europe/Berlin:20260701T120000", "END:VEVENT", "END:VCALENDAR"]))
        ...     summary = refresh_availability([{**island, "calendar": str(feed)}], str(Path(tmp) / "a.gpkg"),
        ...                                    datetime(2026, 7, 1), datetime(2026, 7, 2))
        >>> summary.with_calendar, summary.busy, summary.free, summary.errors   # free: 8-10 and 12-18 o'clock
        (1, 1, 2, {})
    """
    from ..kernel.gpkg import gpkg_output
    from ..kernel.schema.islands import ISLAND_AVAILABILITY, ISLAND_CALENDAR_STATUS

    reporter = reporter or Reporter()
    start, end = local(start), local(end)
    if end <= start:
        raise GeoTwinError("the end of the range must be after its start")
    if end - start > MAX_RANGE:
        raise GeoTwinError(f"the range is longer than {MAX_RANGE.days} days; refresh it in parts")
    records = _records(islands)
    summary = AvailabilitySummary(islands=len(records))
    refs: dict[str, CalendarRef | None] = {}
    for rec in records:
        iid = str(rec.get("id"))
        try:
            refs[iid] = CalendarRef.from_record(rec)
        except InputError as err:
            refs[iid] = None
            summary.errors[iid] = str(err)
    if credentials is not None:
        credentials = credentials.bound([r for r in refs.values() if r is not None])
    with gpkg_output(output, None, kind="island_availability") as out:
        out.ensure_layer(ISLAND_AVAILABILITY)
        out.ensure_layer(ISLAND_CALENDAR_STATUS)
        for n, rec in enumerate(records):
            reporter.check()
            reporter.progress(100.0 * n / max(1, len(records)))
            iid = str(rec.get("id"))
            ref = refs[iid]
            status = {"island_id": iid, "calendar": ref.shown() if ref else _text(rec.get("calendar")),
                      "calendar_type": ref.kind if ref else None}
            if ref is None:
                message = summary.errors.get(iid)
                out.add(ISLAND_CALENDAR_STATUS, {**status, "status": "error" if message else "none", "busy": 0,
                                                 "message": message})
                if message:
                    reporter.warning(f"island {iid}: {message}")
                continue
            summary.with_calendar += 1
            user, password = credentials.for_ref(ref) if credentials else (None, None)
            try:
                events = busy(ref, start, end, user=user, password=password, max_bytes=max_bytes,
                              max_occurrences=max_occurrences, reporter=reporter)
            except GeoTwinError as err:
                summary.errors[iid] = str(err)
                reporter.warning(f"island {iid}: {err}")
                out.add(ISLAND_CALENDAR_STATUS, {**status, "status": "error", "busy": 0, "message": str(err)})
                continue
            for b in events:
                out.add(ISLAND_AVAILABILITY, {"island_id": iid, "start": local(max(b.start, start)).isoformat(),
                                              "end": local(min(b.end, end)).isoformat(), "status": "busy",
                                              "summary": b.summary, "source": ref.shown()})
            summary.busy += len(events)
            for free_start, free_end in _free_open(rec, events, start, end, iid, reporter):
                out.add(ISLAND_AVAILABILITY, {"island_id": iid, "start": free_start.isoformat(),
                                              "end": free_end.isoformat(),
                                              "status": "free", "summary": None, "source": ref.shown()})
                summary.free += 1
            out.add(ISLAND_CALENDAR_STATUS, {**status, "status": "ok", "busy": len(events), "message": None})
    reporter.progress(100.0)
    reporter.info(f"{summary.with_calendar} of {summary.islands} islands have a calendar: {summary.busy} busy and "
                  f"{summary.free} free intervals from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"
                  + (f"; {len(summary.errors)} calendars could not be read" if summary.errors else ""))
    return summary


def _free_open(rec: IslandRecord, events: list[Busy], start: datetime, end: datetime, iid: str,
               reporter: Reporter) -> list[tuple[datetime, datetime]]:
    """The free gaps inside the opening hours (or the whole range when the hours are unknown: then none)."""
    text = _text(rec.get("opening_hours"))
    if not text:
        return []
    try:
        spans = parse(text).spans(start, end)
    except OpeningHoursError as err:
        reporter.warning(f"island {iid}: opening hours not evaluated ({err}); no free intervals written")
        return []
    out: list[tuple[datetime, datetime]] = []
    for a, b in spans:
        out.extend(free_slots(events, a, b))
    return out


# ---- the web map's availability.json --------------------------------------------------------------

def hours_intervals(hours: OpeningHours, start: datetime, end: datetime) -> list[list[str]]:
    """The open, closed and unknown intervals of opening hours between two times, without gaps, for availability.json.

    Evaluated as the search does (``spans``/``unknown_spans``: public and school holidays of Baden-Württemberg,
    by-arrangement rules and open ends unknown, never open), in parts of at most 31 days; neighbours of one state
    (and comment) merged. An unknown interval keeps its comment as a fourth element.

    Args:
        hours: the parsed opening hours.
        start: the first instant (naive = Europe/Berlin).
        end: the end (exclusive).

    Returns:
        ``[start ISO, end ISO, state]`` or ``[start ISO, end ISO, "unknown", comment]`` (ISO with the UTC offset of
        Europe/Berlin), covering [start, end) in order.

    Raises:
        OpeningHoursError: the hours cannot be evaluated then (school holidays outside the known years).

    Example:
        >>> from datetime import datetime
        >>> from .opening_hours import parse
        >>> hours = parse('Mo-Fr 08:00-12:00; Sa "nach Vereinbarung"; PH off')
        >>> for row in hours_intervals(hours, datetime(2026, 5, 14, 10, 0), datetime(2026, 5, 16, 12, 0)):
        ...     print(*row)   # Thursday: Ascension Day, a holiday; Saturday by arrangement
        2026-05-14T10:00:00+02:00 2026-05-15T08:00:00+02:00 closed
        2026-05-15T08:00:00+02:00 2026-05-15T12:00:00+02:00 open
        2026-05-15T12:00:00+02:00 2026-05-16T00:00:00+02:00 closed
        2026-05-16T00:00:00+02:00 2026-05-16T12:00:00+02:00 unknown nach Vereinbarung
    """
    start, end = local(start), local(end)
    found: list[tuple[datetime, datetime, str, str]] = []
    part = start
    while part < end:
        stop = min(end, add(part, MAX_HORIZON))
        found += [(a, b, "open", "") for a, b in hours.spans(part, stop)]
        found += [(a, b, "unknown", c) for a, b, c in hours.unknown_spans(part, stop)]
        part = stop
    found.sort(key=lambda x: x[0])
    rows: list[tuple[datetime, datetime, str, str]] = []

    def put(a: datetime, b: datetime, state: str, comment: str) -> None:
        if rows and rows[-1][1] >= a and rows[-1][2:] == (state, comment):
            rows[-1] = (rows[-1][0], max(rows[-1][1], b), state, comment)
        elif b > a:
            rows.append((a, b, state, comment))

    at = start
    for a, b, state, comment in found:
        a = max(a, at)   # states never overlap; if they did, the earlier one wins
        if a > at:
            put(at, a, "closed", "")
        put(a, b, state, comment)
        at = max(at, b)
    if at < end:
        put(at, end, "closed", "")
    return [[a.isoformat(), b.isoformat(), state] + ([comment] if comment else []) for a, b, state, comment in rows]


def _island_hours(rec: IslandRecord, iid: str, start: datetime, end: datetime,
                  reporter: Reporter) -> tuple[list[list[str]], str | None]:
    """The island's hours intervals for availability.json, and why they are unknown as a whole (then one unknown
    interval): no opening hours, not understood or not evaluated (a warning). The stored value is read again, not
    its ``opening_hours_error`` trusted (a flag of an older import goes stale when the parser learns a form)."""
    unknown = [[start.isoformat(), end.isoformat(), "unknown"]]
    text = _text(rec.get("opening_hours"))
    if text is None:
        return unknown, "no opening hours"
    try:
        return hours_intervals(parse(text), start, end), None
    except OpeningHoursError as err:
        message = f"opening hours '{text}' not evaluated: {err}"
        reporter.warning(f"island {iid}: {message}; shown as unknown")
        return unknown, message



def availability_json(islands: Islands, path: str | Path | None = None, *, now: datetime | None = None,
                      days: int = 7, credentials: Credentials | None = None,
                      reporter: Reporter | None = None) -> AvailabilityDoc:
    """Build the web map's availability data (no QGIS needed), and write it to ``path`` when given.

    Per island: its busy times and its opening hours as open, closed and unknown intervals (``hours_intervals``;
    unknown over the whole horizon, with ``hours_error``, when it has none or they cannot be read), both from local
    midnight (Europe/Berlin) of the day of ``now`` for ``days`` days, so the map can say "closed (opens ...)" or
    "free now until ... (closes ...)". ``generated`` is that midnight too, not the second of the export: two
    exports of one day with unchanged calendars and hours give the same file.

    A calendar that cannot be read gives ``"calendar": "error"`` with the message and an empty busy list
    (never an invented free time); it is also reported as a warning.

    Args:
        islands: the learning_islands layer (LayerRef or path) or a list of island records (dicts with id,
            opening_hours, booking_url, calendar, calendar_type).
        path: the availability.json to write (atomically), None to only return it.
        now: when it is generated (default: now); the busy times and hours start at local midnight of its day.
        days: how many days of busy times and hours (to local midnight ``days`` days later).
        credentials: user names and passwords per calendar host.
        reporter: receives warnings.

    Returns:
        ``{"generated", "timezone", "islands": {id: {"opening_hours", "busy", "hours", "hours_error"?, "booking_url",
        "calendar", "error"?}}}``.

    Example:
        >>> from datetime import datetime
        >>> island = {"id": "LI-7", "opening_hours": "Mo-Fr 08:00-18:00", "seats": 6,
        ...           "booking_url": "https://buchen.example.org/?insel={island}&ab={start}&min={duration}"}
        >>> doc = availability_json([island], now=datetime(2026, 7, 1, 9, 0, 17))
        >>> doc["generated"], doc["islands"]["LI-7"]["calendar"], doc["islands"]["LI-7"]["busy"]
        ('2026-07-01T00:00:00+02:00', 'none', [])
        >>> doc["islands"]["LI-7"]["hours"][:2]   # Wednesday from midnight: closed until 08:00, open until 18:00
        [['2026-07-01T00:00:00+02:00', '2026-07-01T08:00:00+02:00', 'closed'], \
['2026-07-01T08:00:00+02:00', '2026-07-01T18:00:00+02:00', 'open']]
        >>> doc == availability_json([island], now=datetime(2026, 7, 1, 23, 59, 59))   # the same all day
        True
    """
    from ..kernel.atomic import atomic_path

    reporter = reporter or Reporter()
    today = local(now or datetime.now(TIMEZONE)).date()
    now = datetime.combine(today, time(0), TIMEZONE)   # midnight exists every day in Europe/Berlin
    end = datetime.combine(today + timedelta(days=days), time(0), TIMEZONE)
    doc: AvailabilityDoc = {"generated": now.isoformat(), "timezone": "Europe/Berlin", "islands": {}}
    for rec in _records(islands):
        iid = str(rec.get("id"))
        entry: AvailabilityEntry = {"opening_hours": _text(rec.get("opening_hours")), "busy": [], "hours": [],
                                    "booking_url": _text(rec.get("booking_url")), "calendar": "none"}
        entry["hours"], why = _island_hours(rec, iid, now, end, reporter)
        if why is not None:
            entry["hours_error"] = why
        try:
            ref = CalendarRef.from_record(rec)
            if ref is not None:
                user, password = credentials.for_ref(ref) if credentials else (None, None)
                events = busy(ref, now, end, user=user, password=password, reporter=reporter)
                entry["busy"] = [[local(max(b.start, now)).isoformat(), local(min(b.end, end)).isoformat()]
                                 for b in events]
                entry["calendar"] = "ok"
        except GeoTwinError as err:
            entry["calendar"] = "error"
            entry["error"] = str(err)
            reporter.warning(f"island {iid}: {err}")
        doc["islands"][iid] = entry
    if path is not None:
        with atomic_path(Path(path)) as tmp:
            Path(tmp).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return doc


# ---- booking ----------------------------------------------------------------------------------------

PLACEHOLDERS = ("island", "start", "end", "seats", "name", "date", "duration")


@dataclass
class BookingResult:
    island_id: str
    booked: bool                 # a reservation was written to the island's CalDAV calendar
    uid: str | None = None       # its UID
    url: str | None = None       # else: the booking link with island and time filled in
    message: str = ""


def booking_link(template: str | None, island_id: str, start: datetime, end: datetime, seats: int,
                 name: str = "") -> str | None:
    """Fill in the placeholders of an island's booking link.

    ``{island}``, ``{start}``, ``{end}`` (ISO local times), ``{date}``, ``{duration}`` (minutes), ``{seats}`` and
    ``{name}`` are replaced, URL-encoded.

    Args:
        template: the island's ``booking_url``.
        island_id: the island.
        start: the booking's start (naive = Europe/Berlin).
        end: its end.
        seats: the seats booked.
        name: who books.

    Returns:
        The link; None without a template or when the result is not a safe link.

    Example:
        >>> from datetime import datetime
        >>> booking_link("https://buchen.example.org/?insel={island}&ab={start}&min={duration}", "LI 7",
        ...              datetime(2026, 7, 1, 10, 0), datetime(2026, 7, 1, 11, 30), 2)
        'https://buchen.example.org/?insel=LI%207&ab=2026-07-01T10%3A00%2B02%3A00&min=90'
    """
    from urllib.parse import quote

    from .values import check_booking_url

    if not template:
        return None
    start, end = local(start), local(end)
    minutes = int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60)
    values = {"island": island_id, "start": start.isoformat(timespec="minutes"),
              "end": end.isoformat(timespec="minutes"), "seats": str(seats), "name": name or "",
              "date": start.date().isoformat(), "duration": str(minutes)}
    url = template
    for key in PLACEHOLDERS:
        url = url.replace("{" + key + "}", quote(values[key], safe=""))
    checked, _ = check_booking_url(url)
    return checked


def book_island(islands: Islands, island_id: str, when: datetime, duration: int, *, seats: int = 1, name: str = "",
                credentials: Credentials | None = None, reporter: Reporter | None = None) -> BookingResult:
    """Book an island for [when, when + duration minutes).

    The seats and the opening hours are checked (refused when closed for part of the window). With a CalDAV
    calendar: a reservation after a conflict check (an overlapping busy event refuses the booking, naming it);
    otherwise the booking link (``booking_url`` with placeholders filled in) to open in the browser, after a
    check of a read-only feed.

    Args:
        islands: the learning_islands layer or its records.
        island_id: the island.
        when: the start (naive = Europe/Berlin).
        duration: minutes (1 to 1440).
        seats: the seats to book.
        name: who books.
        credentials: user names and passwords per calendar host (sent only to the calendar's own host).
        reporter: receives the result message.

    Returns:
        The BookingResult: ``booked`` with the UID, or the ``url`` to open.

    Raises:
        GeoTwinError: an unknown island, too few seats, closed hours, or no way to book.
        BookingConflict: the slot overlaps a busy event.

    Example:
        >>> from datetime import datetime
        >>> island = {"id": "LI-7", "opening_hours": "Mo-Fr 08:00-18:00", "seats": 6,
        ...           "booking_url": "https://buchen.example.org/?insel={island}&ab={start}&min={duration}"}
        >>> book_island([island], "LI-7", datetime(2026, 7, 1, 10, 0), 90, seats=2).url
        'https://buchen.example.org/?insel=LI-7&ab=2026-07-01T10%3A00%2B02%3A00&min=90'
        >>> book_island([island], "LI-7", datetime(2026, 7, 4, 10, 0), 90)
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: island LI-7 is not open the whole time 2026-07-04 10:00-11:30 (...)
    """
    from .calendar import book

    reporter = reporter or Reporter()
    if not 1 <= duration <= 24 * 60:
        raise GeoTwinError(f"the duration must be from 1 to {24 * 60} minutes, not {duration}")
    if seats < 1:
        raise GeoTwinError("at least one seat must be booked")
    records = [r for r in _records(islands) if str(r.get("id")) == str(island_id)]
    if not records:
        raise GeoTwinError(f"island {island_id} is not in the learning islands layer")
    rec = records[0]
    start = local(when)
    end = add(start, timedelta(minutes=duration))
    have = rec.get("seats")
    if isinstance(have, (int, float)) and have == have and seats > have:
        raise GeoTwinError(f"island {island_id} has {int(have)} seats, fewer than the {seats} asked for")
    text = _text(rec.get("opening_hours"))
    if text:
        try:
            open_ = parse(text).is_open_for(start, end)
        except OpeningHoursError as err:
            raise GeoTwinError(f"island {island_id}: opening hours not understood: {err}") from None
        if not open_:
            raise GeoTwinError(f"island {island_id} is not open the whole time {start:%Y-%m-%d %H:%M}-{end:%H:%M} "
                               f"({text})")
    ref = CalendarRef.from_record(rec)
    if ref is not None and ref.kind == "caldav":
        bound = credentials.bound([ref]) if credentials is not None else None
        user, password = bound.for_ref(ref) if bound else (None, None)
        uid = book(ref, island_id, start, end, seats=seats, name=name, user=user, password=password)
        message = f"island {island_id} booked {start:%Y-%m-%d %H:%M}-{end:%H:%M} for {seats} seats (UID {uid})"
        reporter.info(message)
        return BookingResult(island_id, True, uid=uid, message=message)
    if ref is not None:   # a read-only feed: check it, so the link is not offered for a taken slot
        taken = [b for b in busy(ref, add(start, -timedelta(days=1)), add(end, timedelta(days=1)), reporter=reporter)
                 if b.start < end and b.end > start]
        if taken:
            from .calendar import BookingConflict

            first = taken[0]
            raise BookingConflict(f"island {island_id} is already booked from {local(first.start):%Y-%m-%d %H:%M} to "
                                  f"{local(first.end):%Y-%m-%d %H:%M}; the requested slot "
                                  f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} is refused")
    url = booking_link(_text(rec.get("booking_url")), island_id, start, end, seats, name)
    if url is None:
        raise GeoTwinError(f"island {island_id} has no CalDAV calendar and no usable booking_url: it cannot be "
                           "booked from here")
    message = f"island {island_id}: book it at {url}"
    reporter.info(message)
    return BookingResult(island_id, False, url=url, message=message)


def main(argv: list[str] | None = None) -> int:
    """Rewrite an export's ``availability.json`` from the twin (for cron next to a published web map).

    ``python -m geotwin.twin.islands.availability TWIN.gpkg EXPORT/availability.json [--days 7]``. As in the 3D
    Tiles export, a calendar's error text (which may name its location) is not published.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 written, 1 an error (printed to stderr); wrong arguments exit with 2.

    Example:
        >>> import json, tempfile
        >>> from geotwin.twin.examples import sample_twin
        >>> twin, folder = sample_twin().twin, Path(tempfile.mkdtemp())
        >>> main([str(twin), str(folder / "availability.json"), "--days", "2"])
        /.../availability.json: 11 islands, ... busy intervals
        0
        >>> doc = json.loads((folder / "availability.json").read_text())
        >>> len(doc["islands"]), doc["timezone"]
        (11, 'Europe/Berlin')
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m geotwin.twin.islands.availability", description=main.__doc__)
    parser.add_argument("twin", help="the twin GeoPackage (its learning_islands layer)")
    parser.add_argument("output", help="the availability.json to (re)write, e.g. beside an export's tileset.json")
    parser.add_argument("--days", type=int, default=7, help="busy times of this many days from now (default 7)")
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 31:
        parser.error("--days must be between 1 and 31")

    class _Print(Reporter):
        def warning(self, message: str) -> None:
            print(f"warning: {message}", file=sys.stderr)

    try:
        doc = availability_json(args.twin, days=args.days, reporter=_Print())
        for entry in doc["islands"].values():
            entry.pop("error", None)
        from ..kernel.atomic import atomic_path

        with atomic_path(Path(args.output)) as tmp:
            Path(tmp).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except GeoTwinError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{args.output}: {len(doc['islands'])} islands, "
          f"{sum(len(e['busy']) for e in doc['islands'].values())} busy intervals")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
