"""Busy times of a learning island from its booking calendar: an iCalendar feed or a CalDAV collection.

* ``CalendarRef.parse(value, kind)``: the island's ``calendar`` value (an http(s) URL or a file path) and
  its ``calendar_type`` (``ical``, the default, or ``caldav``; ``caldav+https://...`` is a shorthand).
* ``busy(ref, start, end)``: the busy intervals in a window, RFC 5545 recurrences expanded (RRULE, RDATE,
  EXDATE, RECURRENCE-ID overrides) by ``recurring-ical-events``; ``STATUS:CANCELLED`` events are free, and so
  are events the island itself declined (its ``ATTENDEE`` with ``PARTSTAT=DECLINED``, matched by the island's
  ``calendar_address`` or, without one, the event's only ``CUTYPE=ROOM`` attendee); Outlook's/Exchange's
  ``X-MICROSOFT-CDO-BUSYSTATUS`` decides where present (``FREE`` free; ``TENTATIVE``, ``BUSY``, ``OOF``, others
  busy), else a meeting request's ``X-MICROSOFT-CDO-INTENDEDSTATUS`` (same values), else
  ``TRANSP:TRANSPARENT`` is free (``takes_time``); ``VFREEBUSY`` periods are busy unless ``FBTYPE=FREE``;
  all-day events cover their days in Europe/Berlin.
* ``book(ref, start, end, ...)``: a reservation written to a CalDAV collection after a conflict check.

Limits: a feed larger than ``max_bytes`` and more than ``max_occurrences`` expanded events in the window
are refused with a message naming the calendar. Feeds over HTTP go through the project's SensorThings
client (one timeout for the whole request, the size counted while reading, redirects only within the
feed's origin, credentials only to that origin). Credentials are sent only to the calendar's own host;
plain http with credentials is allowed only to a loopback host.
"""
from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast
from urllib.parse import urlsplit

from ..kernel.errors import GeoTwinError, InputError
from ..kernel.progress import Reporter
from .opening_hours import TIMEZONE, add, local

if TYPE_CHECKING:
    import icalendar
    from caldav.davclient import DAVClient
    from icalendar.prop import vDDDTypes
    from recurring_ical_events import CalendarQuery

_T = TypeVar("_T")

KINDS = ("ical", "caldav")
MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_OCCURRENCES = 10_000
TIMEOUT = 20.0


class CalendarError(GeoTwinError):
    """A calendar could not be read or written (the message names the calendar)."""


class BookingConflict(CalendarError):
    """The requested slot overlaps a busy event."""


@dataclass(frozen=True)
class Busy:
    start: datetime          # aware, UTC (so that comparisons are right in the repeated hour of the DST change)
    end: datetime
    summary: str | None = None
    uid: str | None = None


@dataclass(frozen=True)
class CalendarRef:
    kind: str        # "ical" | "caldav"
    location: str    # URL or absolute path
    #: the island's own address as an attendee of the calendar's events (a room resource's e-mail address,
    #: lower case, without "mailto:"); None when not known
    address: str | None = None

    @property
    def is_url(self) -> bool:
        return self.location.lower().startswith(("http://", "https://"))

    def shown(self) -> str:
        parts = urlsplit(self.location)
        if self.is_url and parts.username:
            return self.location.replace(parts.netloc, parts.hostname or "", 1)
        return self.location

    @classmethod
    def from_record(cls, rec: Mapping[str, object], *, base: str | Path | None = None) -> CalendarRef | None:
        """The reference of an island record's ``calendar``, ``calendar_type`` and ``calendar_address``."""
        return cls.parse(rec.get("calendar"), rec.get("calendar_type"), base=base, address=rec.get("calendar_address"))

    @classmethod
    def parse(cls, value: object, kind: object = None, *, base: str | Path | None = None,
              address: object = None) -> CalendarRef | None:
        """The reference of a ``calendar``/``calendar_type`` pair (and the island's ``calendar_address``); None
        when there is no calendar."""
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None
        mail = parse_address(address)
        kind_text = (kind.strip().lower() if isinstance(kind, str) else "") or None
        if text.lower().startswith("caldav+"):
            text, kind_text = text[len("caldav+"):], kind_text or "caldav"
        kind_text = kind_text or "ical"
        if kind_text in ("ics", "icalendar", "webcal"):
            kind_text = "ical"
        if kind_text not in KINDS:
            raise InputError(f"calendar type '{kind}' is not one of {', '.join(KINDS)}")
        if text.lower().startswith("webcal://"):
            text = "https://" + text[len("webcal://"):]
        if any(ord(c) < 32 for c in text) or len(text) > 2000:
            raise InputError(f"calendar reference {text[:60]!r} contains control characters or is too long")
        parts = urlsplit(text)
        if parts.scheme.lower() in ("http", "https"):
            if not parts.hostname:
                raise InputError(f"calendar URL {text!r} has no host")
            if parts.username or parts.password:
                raise InputError(f"calendar URL of {parts.hostname}: credentials in the URL are refused; "
                                 "use an authentication configuration")
            return cls(kind_text, text, mail)
        if kind_text == "caldav":
            raise InputError(f"a CalDAV calendar needs an http(s) URL, not {text!r}")
        if len(parts.scheme) > 1 and parts.scheme.lower() != "file":
            raise InputError(f"calendar {text!r}: scheme '{parts.scheme}' is not supported (http, https or a file)")
        path = Path(parts.path if parts.scheme.lower() == "file" else text).expanduser()
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        return cls("ical", str(path.resolve()), mail)


def parse_address(value: object) -> str | None:
    """Read an island's calendar address: an e-mail address, with or without ``mailto:``, in lower case.

    Args:
        value: the ``calendar_address`` value.

    Returns:
        The address without ``mailto:``, lower case; None when empty.

    Raises:
        InputError: the value is not an e-mail address.

    Example:
        >>> parse_address("MAILTO:Raum-A104@Schule.Karlsruhe.de")
        'raum-a104@schule.karlsruhe.de'
        >>> parse_address("Raum A104")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: calendar address 'Raum A104' is not an e-mail address ...
    """
    text = value.strip() if isinstance(value, str) else ""
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:"):].strip()
    if not text:
        return None
    local_part, _, domain = text.rpartition("@")
    if (not local_part or "." not in domain or len(text) > 254
            or any(c.isspace() or ord(c) < 32 or c in "<>,;:\"" for c in text)):
        raise InputError(f"calendar address {text[:60]!r} is not an e-mail address (e.g. raum-a104@schule.de)")
    return text.lower()


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_credentials(ref: CalendarRef, user: str | None) -> None:
    if not user:
        return
    parts = urlsplit(ref.location)
    if parts.scheme.lower() == "http" and not _loopback(parts.hostname):
        raise CalendarError(f"calendar {ref.shown()}: credentials are sent only over https (or to this computer)")


# ---- reading --------------------------------------------------------------------------------------

def fetch_feed(ref: CalendarRef, *, user: str | None = None, password: str | None = None,
               max_bytes: int = MAX_FEED_BYTES, timeout: float = TIMEOUT, reporter: Reporter | None = None) -> bytes:
    """Read an iCalendar feed from a file or an http(s) URL, at most ``max_bytes``.

    Feeds over HTTP go through the project's SensorThings client: one timeout for the whole request, the size
    counted while reading, redirects only within the feed's origin, credentials only to that origin.

    Args:
        ref: the calendar (kind ``ical``).
        user: the user name for HTTP Basic authentication, if any.
        password: its password.
        max_bytes: the largest feed accepted.
        timeout: seconds for the whole request.
        reporter: receives retry warnings.

    Returns:
        The feed's bytes.

    Raises:
        CalendarError: the feed is too large, cannot be read or fetched, or credentials would go over plain http.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "insel.ics"
        ...     _ = path.write_bytes(b"BEGIN:VCALENDAR\\r\\nEND:VCALENDAR\\r\\n")
        ...     data = fetch_feed(CalendarRef("ical", str(path)))
        ...     fetch_feed(CalendarRef("ical", str(path)), max_bytes=10)
        Traceback (most recent call last):
        ...
        geotwin.twin.islands.calendar.CalendarError: calendar ... is 32 bytes, larger than the limit of 10 bytes; ...
        >>> data
        b'BEGIN:VCALENDAR\\r\\nEND:VCALENDAR\\r\\n'
    """
    if not ref.is_url:
        path = Path(ref.location)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise CalendarError(f"calendar {path} is {size} bytes, larger than the limit of {max_bytes} bytes; "
                                    "refused")
            with path.open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as err:
            raise CalendarError(f"calendar {path} cannot be read: {err.strerror or err}") from None
        if len(data) > max_bytes:
            raise CalendarError(f"calendar {path} is larger than the limit of {max_bytes} bytes; refused")
        return data
    _check_credentials(ref, user)
    from ..kernel.http import StaClient, StaError

    headers = {}
    if user:
        import base64

        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode()

    class FeedClient(StaClient):
        def _request_headers(self, url: str) -> dict[str, str]:
            out = super()._request_headers(url)
            out["Accept"] = "text/calendar, */*;q=0.5"
            out["User-Agent"] = "GeoTwin-Calendar"
            return out

    client = FeedClient(ref.location, timeout=timeout, retries=1, backoff=0.5, headers=headers,
                        max_page_mb=max_bytes / (1024 * 1024), reporter=reporter)
    try:
        return client.get_body(ref.location, what="calendar feed")[2]
    except StaError as err:
        raise CalendarError(f"calendar {ref.shown()}: {err}".replace("page limit", "feed size limit")
                            .replace(" (MAX_PAGE_MB)", "")) from None


def _as_datetime(value: object, end: bool = False) -> datetime:
    """An iCalendar DATE-TIME (floating = Europe/Berlin) or DATE (local midnight) as UTC."""
    if isinstance(value, datetime):
        return local(value).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), TIMEZONE).astimezone(UTC)
    raise ValueError(f"not a date: {value!r}")


#: Outlook/Exchange's busy status of an event (MS-OXCICAL: X-MICROSOFT-CDO-BUSYSTATUS, and its synonym from
#: Windows Live): only FREE leaves the time free; TENTATIVE, BUSY, OOF (out of office), WORKINGELSEWHERE and any
#: other value keep it busy. Where present it decides, before TRANSP (as Exchange reads it on import).
BUSYSTATUS_PROPERTIES = ("X-MICROSOFT-CDO-BUSYSTATUS", "X-MICROSOFT-MSNCALENDAR-BUSYSTATUS")
#: the busy status the organizer of a meeting request intends the attendee's copy to have (MS-OXCICAL
#: 2.1.3.1.1.20.34 and its Windows Live synonym 2.1.3.1.1.20.44; the values of BUSYSTATUS): read when no
#: BUSYSTATUS is present, as in the invitations Outlook sends (METHOD:REQUEST).
INTENDEDSTATUS_PROPERTIES = ("X-MICROSOFT-CDO-INTENDEDSTATUS", "X-MICROSOFT-MSNCALENDAR-INTENDEDSTATUS")


def _attendees(event: icalendar.Component) -> list[object]:
    value = event.get("ATTENDEE")
    return value if isinstance(value, list) else [value] if value is not None else []


def _param(attendee: object, name: str) -> str:
    params = getattr(attendee, "params", None)
    return str(params.get(name, "")).strip().upper() if params is not None else ""


def room_declined(event: icalendar.Component, address: str | None = None) -> bool:
    """Tell whether the island (a room resource) declined an event.

    With the island's ``address`` its ``ATTENDEE`` is the one with that address (``mailto:`` and case do not
    matter); without, the event's only ``CUTYPE=ROOM`` attendee (several rooms: which one is this island is
    not known, so none counts). The event is declined when that attendee has ``PARTSTAT=DECLINED``.

    Args:
        event: a VEVENT.
        address: the island's calendar address (``parse_address``), or None.

    Returns:
        True when the island's attendee declined.

    Example:
        >>> import icalendar
        >>> event = icalendar.Event()
        >>> event.add("attendee", "mailto:lehrer@schule.de", parameters={"PARTSTAT": "ACCEPTED"})
        >>> event.add("attendee", "mailto:raum-a104@schule.de", parameters={"CUTYPE": "ROOM", "PARTSTAT": "DECLINED"})
        >>> room_declined(event), room_declined(event, "raum-a104@schule.de"), room_declined(event, "raum-b2@schule.de")
        (True, True, False)
    """
    people = _attendees(event)
    if address:
        mine = [a for a in people if parse_address_or_none(a) == address]
    else:
        mine = [a for a in people if _param(a, "CUTYPE") == "ROOM"]
        if len(mine) != 1:
            return False
    return any(_param(a, "PARTSTAT") == "DECLINED" for a in mine)


def parse_address_or_none(value: object) -> str | None:
    """``parse_address`` of an attendee's address, None when it is none (``urn:uuid:...``, a typo).

    Example:
        >>> parse_address_or_none("mailto:Raum@Schule.de"), parse_address_or_none("urn:uuid:1234")
        ('raum@schule.de', None)
    """
    try:
        return parse_address(str(value) if value is not None else None)
    except InputError:
        return None


def takes_time(event: icalendar.Component, address: str | None = None) -> bool:
    """Tell whether an event makes its island busy.

    ``STATUS:CANCELLED`` never does, nor an event the island declined (``room_declined``: its attendee has
    ``PARTSTAT=DECLINED``). Outlook's and Exchange's ``X-MICROSOFT-CDO-BUSYSTATUS`` decides where present
    (``FREE``: free; ``TENTATIVE``, ``BUSY``, ``OOF`` and anything else: busy, so an unknown value is never
    taken as free); without it a meeting request's ``X-MICROSOFT-CDO-INTENDEDSTATUS`` decides the same way;
    otherwise ``TRANSP:TRANSPARENT`` (Google's and Nextcloud's "show as free") is free and ``OPAQUE`` or no
    TRANSP is busy.

    Args:
        event: a VEVENT.
        address: the island's calendar address, to find its attendee (``room_declined``).

    Returns:
        True when the event's time is busy.

    Example:
        >>> import icalendar
        >>> event = icalendar.Event()
        >>> event.add("transp", "OPAQUE")
        >>> takes_time(event)
        True
        >>> event.add("x-microsoft-cdo-intendedstatus", "FREE")   # an invitation meant as "free"
        >>> takes_time(event)
        False
        >>> event.add("x-microsoft-cdo-busystatus", "BUSY")       # the own status comes first
        >>> takes_time(event)
        True
    """
    if str(event.get("STATUS", "")).strip().upper() == "CANCELLED" or room_declined(event, address):
        return False
    for name in BUSYSTATUS_PROPERTIES + INTENDEDSTATUS_PROPERTIES:
        if name in event:
            return str(event.get(name)).strip().upper() != "FREE"
    return str(event.get("TRANSP", "")).strip().upper() != "TRANSPARENT"


def _freebusy_periods(cal: icalendar.Calendar, start: datetime, end: datetime) -> list[Busy]:
    """The busy periods of the calendar's VFREEBUSY components overlapping [start, end) (RFC 5545 3.8.2.6:
    FBTYPE=FREE is free; BUSY, the default, BUSY-UNAVAILABLE, BUSY-TENTATIVE and unknown types are busy)."""
    out: list[Busy] = []
    for component in cal.walk("VFREEBUSY"):
        values = component.get("FREEBUSY")
        for period in values if isinstance(values, list) else [values] if values is not None else []:
            kind = str(period.params.get("FBTYPE", "BUSY")).strip().upper()
            if kind == "FREE":
                continue
            first, second = period.dt
            first = _as_datetime(first)
            last = first + second if isinstance(second, timedelta) else _as_datetime(second)
            if last <= start or first >= end:
                continue
            out.append(Busy(first, last, f"free/busy: {kind}", str(component.get("UID")) if component.get("UID")
                            else None))
    return out


def parse_feed(data: bytes | str, start: datetime, end: datetime, *, source: str,
               max_occurrences: int = MAX_OCCURRENCES, address: str | None = None) -> list[Busy]:
    """Read the busy times of an iCalendar text in a window.

    Recurrences are expanded (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides); cancelled events, events the
    island declined, events shown as free (``X-MICROSOFT-CDO-BUSYSTATUS:FREE``, else
    ``X-MICROSOFT-CDO-INTENDEDSTATUS:FREE``, else ``TRANSP:TRANSPARENT``; see ``takes_time``) and ``VFREEBUSY``
    periods of ``FBTYPE=FREE`` are free; all-day events cover their days in Europe/Berlin.

    Args:
        data: the iCalendar text.
        start: the window's start (naive = Europe/Berlin).
        end: the window's end.
        source: the calendar's name for messages.
        max_occurrences: the most events expanded in the window.
        address: the island's calendar address (``CalendarRef.address``), to find the events it declined.

    Returns:
        The busy occurrences overlapping [start, end), sorted, in UTC.

    Raises:
        InputError: the text is not valid iCalendar or its events cannot be expanded.
        CalendarError: more than ``max_occurrences`` events (and free/busy periods) in the window.

    Example:
        >>> from datetime import datetime
        >>> ics = "\\r\\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//x//y//EN", "BEGIN:VEVENT",
        ...     "UID:kurs-1", "SUMMARY:Mathe-AG", "DTSTART;TZID=Europe/Berlin:20260701T140000",
        ...     "DTEND;TZID=Europe/Berlin:20260701T153000", "RRULE:FREQ=WEEKLY;COUNT=3", "END:VEVENT", "END:VCALENDAR"])
        >>> busy_times = parse_feed(ics, datetime(2026, 7, 1), datetime(2026, 7, 31), source="insel.ics")
        >>> [(b.start.isoformat(), b.summary) for b in busy_times]
        [('2026-07-01T12:00:00+00:00', 'Mathe-AG'), ('2026-07-08T12:00:00+00:00', 'Mathe-AG'),
         ('2026-07-15T12:00:00+00:00', 'Mathe-AG')]
    """
    import icalendar
    import recurring_ical_events

    start, end = local(start).astimezone(UTC), local(end).astimezone(UTC)
    try:
        cal = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError, RecursionError) as err:
        raise InputError(f"calendar {source} is not valid iCalendar: {str(err)[:200]}") from None
    out: list[Busy] = []
    try:
        query = recurring_ical_events.of(cal, components=["VEVENT"])
        for count, event in enumerate(_iterate(query, start, end), 1):
            if count > max_occurrences:
                raise CalendarError(f"calendar {source} has more than {max_occurrences} events between "
                                    f"{local(start):%Y-%m-%d %H:%M} and {local(end):%Y-%m-%d %H:%M}; refused "
                                    "(shorten the range)")
            if not takes_time(event, address):
                continue
            first = _as_datetime(_dt(event, "DTSTART"))
            if "DTEND" in event:
                last = _as_datetime(_dt(event, "DTEND"), end=True)
            elif "DURATION" in event:
                duration = _dt(event, "DURATION")
                if not isinstance(duration, timedelta):
                    raise TypeError(f"DURATION {duration!r} is not a duration")
                last = first + duration   # first is UTC: elapsed time
            else:
                last = first + (timedelta(days=1) if not isinstance(_dt(event, "DTSTART"), datetime) else timedelta(0))
            if last <= start or first >= end:
                continue
            out.append(Busy(first, last, str(event.get("SUMMARY")) if event.get("SUMMARY") else None,
                            str(event.get("UID")) if event.get("UID") else None))
        out.extend(_freebusy_periods(cal, start, end))
        if len(out) > max_occurrences:
            raise CalendarError(f"calendar {source} has more than {max_occurrences} events and free/busy periods "
                                f"between {local(start):%Y-%m-%d %H:%M} and {local(end):%Y-%m-%d %H:%M}; refused "
                                "(shorten the range)")
    except CalendarError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError,
            recurring_ical_events.InvalidCalendar) as err:
        raise InputError(f"calendar {source}: cannot expand its events: {str(err)[:200]}") from None
    out.sort(key=lambda b: (b.start, b.end))
    return out


def _dt(event: icalendar.Event, name: str) -> object:
    """``event[name].dt``: the date, datetime or timedelta of DTSTART, DTEND or DURATION (KeyError when the
    event lacks it, AttributeError when the property is no date/time)."""
    return cast("vDDDTypes", event[name]).dt


def _iterate(query: CalendarQuery, start: datetime, end: datetime) -> Iterator[icalendar.Event]:
    """Occurrences starting before ``end`` and ending after ``start``, lazily (a hostile RRULE cannot
    expand without bound: the caller counts)."""
    for event in query.after(start - timedelta(days=1)):
        first = _as_datetime(_dt(event, "DTSTART"))
        if first >= end:
            return
        yield event


def _caldav_client(ref: CalendarRef, user: str | None, password: str | None, timeout: float) -> DAVClient:
    from caldav.davclient import DAVClient

    _check_credentials(ref, user)
    parts = urlsplit(ref.location)
    return DAVClient(url=ref.location, username=user or None, password=password or None,
                     timeout=int(timeout), require_tls=not _loopback(parts.hostname),
                     enable_rfc6764=False)


def _caldav_call(ref: CalendarRef, what: str, func: Callable[[], _T]) -> _T:
    try:
        return func()
    except GeoTwinError:
        raise
    except Exception as err:  # noqa: BLE001 - caldav raises its own errors, niquests' and lxml's
        name = type(err).__name__
        text = str(err).strip().splitlines()[0][:200] if str(err).strip() else name
        if "Authoriz" in name or "Unauthorized" in text or "401" in text or "403" in text or "Forbidden" in name:
            raise CalendarError(f"CalDAV calendar {ref.shown()}: access denied while {what}; check the user name "
                                "and password (authentication configuration)") from None
        raise CalendarError(f"CalDAV calendar {ref.shown()}: {what} failed: {name}: {text}") from None


def caldav_feed(ref: CalendarRef, start: datetime, end: datetime, *, user: str | None = None,
                password: str | None = None, timeout: float = TIMEOUT, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """Read the events of a CalDAV collection touching [start, end) as one iCalendar text (as an iCalendar feed
    would give them; ``busy`` expands it).

    Args:
        ref: the CalDAV calendar (kind "caldav").
        start: the window's start (naive = Europe/Berlin).
        end: the window's end.
        user: the user name, if the calendar needs one.
        password: its password.
        timeout: seconds per request.
        max_bytes: the most bytes of events accepted.

    Returns:
        One VCALENDAR with every VEVENT (and VTIMEZONE) found, as bytes.

    Raises:
        CalendarError: access denied, the server fails or cannot be reached, or more than ``max_bytes`` of events.

    Example:
        >>> import icalendar
        >>> from datetime import datetime
        >>> from geotwin.twin.examples import CALDAV_PASSWORD, CALDAV_USER, caldav_server
        >>> with caldav_server("insel-a") as urls:   # Radicale on 127.0.0.1
        ...     ref = CalendarRef.parse("caldav+" + urls["insel-a"])
        ...     uid = book(ref, "A", datetime(2026, 7, 8, 14), datetime(2026, 7, 8, 15, 30), seats=12, name="Mathe-AG",
        ...                user=CALDAV_USER, password=CALDAV_PASSWORD)
        ...     feed = caldav_feed(ref, datetime(2026, 7, 8), datetime(2026, 7, 9), user=CALDAV_USER,
        ...                        password=CALDAV_PASSWORD)
        ...     later = caldav_feed(ref, datetime(2026, 7, 9), datetime(2026, 7, 10), user=CALDAV_USER,
        ...                         password=CALDAV_PASSWORD)
        >>> events = [c for c in icalendar.Calendar.from_ical(feed).walk("VEVENT")]
        >>> [(str(e["UID"]) == uid, str(e["SUMMARY"]), e["DTSTART"].dt.isoformat()) for e in events]
        [(True, 'Mathe-AG (12 seats)', '2026-07-08T14:00:00+02:00')]
        >>> icalendar.Calendar.from_ical(later).walk("VEVENT")
        []
    """
    def run() -> bytes:
        client = _caldav_client(ref, user, password, timeout)
        cal = client.calendar(url=ref.location)
        found = cal.search(start=local(start), end=local(end), event=True, expand=False)
        chunks, size = [], 0
        for obj in found:
            data = obj.data if isinstance(obj.data, str) else str(obj.data)
            size += len(data)
            if size > max_bytes:
                raise CalendarError(f"CalDAV calendar {ref.shown()}: more than {max_bytes} bytes of events in the "
                                    "range; refused (shorten the range)")
            chunks.append(data)
        return _merge(chunks)

    return _caldav_call(ref, "reading the events", run)


def _merge(texts: list[str]) -> bytes:
    """One VCALENDAR holding every VEVENT and VTIMEZONE of ``texts``."""
    import icalendar

    merged = icalendar.Calendar()
    merged.add("prodid", "-//GeoTwin//calendar merge//EN")
    merged.add("version", "2.0")
    zones: set[str] = set()
    for text in texts:
        for comp in icalendar.Calendar.from_ical(text).subcomponents:
            if comp.name == "VTIMEZONE":
                if str(comp.get("TZID")) in zones:
                    continue
                zones.add(str(comp.get("TZID")))
            merged.add_component(comp)
    ical: bytes = merged.to_ical()
    return ical


def busy(ref: CalendarRef, start: datetime, end: datetime, *, user: str | None = None, password: str | None = None,
         max_bytes: int = MAX_FEED_BYTES, max_occurrences: int = MAX_OCCURRENCES,
         reporter: Reporter | None = None) -> list[Busy]:
    """Read the busy intervals of an island's calendar (an iCalendar file or URL, or a CalDAV collection).

    Args:
        ref: the calendar.
        start: the window's start (naive = Europe/Berlin).
        end: the window's end.
        user: the user name, if the calendar needs one.
        password: its password.
        max_bytes: the largest feed accepted.
        max_occurrences: the most events expanded in the window.
        reporter: receives retry warnings.

    Returns:
        The busy intervals overlapping [start, end), sorted, in UTC.

    Example:
        >>> import tempfile
        >>> from datetime import datetime
        >>> from pathlib import Path
        >>> ics = "\\r\\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//x//y//EN", "BEGIN:VEVENT",
        ...     "UID:kurs-1", "SUMMARY:Mathe-AG", "DTSTART;TZID=Europe/Berlin:20260701T140000",
        ...     "DTEND;TZID=Europe/Berlin:20260701T153000", "RRULE:FREQ=WEEKLY;COUNT=3", "END:VEVENT", "END:VCALENDAR"])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "insel.ics"
        ...     _ = path.write_text(ics)
        ...     busy_times = busy(CalendarRef.parse(str(path)), datetime(2026, 7, 8), datetime(2026, 7, 9))
        >>> [(b.start.isoformat(), b.end.isoformat()) for b in busy_times]
        [('2026-07-08T12:00:00+00:00', '2026-07-08T13:30:00+00:00')]
    """
    if ref.kind == "caldav":
        data = caldav_feed(ref, start, end, user=user, password=password, max_bytes=max_bytes)
    else:
        data = fetch_feed(ref, user=user, password=password, max_bytes=max_bytes, reporter=reporter)
    return parse_feed(data, start, end, source=ref.shown(), max_occurrences=max_occurrences, address=ref.address)


def free_slots(busy_list: list[Busy], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Find the gaps between busy intervals inside a window.

    Args:
        busy_list: the busy intervals.
        start: the window's start (naive = Europe/Berlin).
        end: the window's end.

    Returns:
        The free (start, end) pairs, as Europe/Berlin times.

    Example:
        >>> from datetime import UTC, datetime
        >>> taken = [Busy(datetime(2026, 7, 1, 8, tzinfo=UTC), datetime(2026, 7, 1, 9, tzinfo=UTC))]
        >>> [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in
        ...  free_slots(taken, datetime(2026, 7, 1, 8, 0), datetime(2026, 7, 1, 14, 0))]   # local times
        [('08:00', '10:00'), ('11:00', '14:00')]
    """
    start, end = local(start).astimezone(UTC), local(end).astimezone(UTC)
    out, cursor = [], start
    for b in sorted(busy_list, key=lambda x: x.start):
        if b.start > cursor:
            out.append((cursor, min(b.start, end)))
        cursor = max(cursor, b.end)
        if cursor >= end:
            break
    if cursor < end:
        out.append((cursor, end))
    return [(local(a), local(b)) for a, b in out if b > a]


def overlapping(busy_list: list[Busy], start: datetime, end: datetime) -> list[Busy]:
    """Select the busy intervals that overlap a window.

    Args:
        busy_list: the busy intervals.
        start: the window's start (naive = Europe/Berlin).
        end: the window's end.

    Returns:
        The intervals with start < end of the window and end > its start, in their order.

    Example:
        >>> from datetime import UTC, datetime
        >>> taken = [Busy(datetime(2026, 7, 1, 8, tzinfo=UTC), datetime(2026, 7, 1, 9, tzinfo=UTC), "AG")]
        >>> [b.summary for b in overlapping(taken, datetime(2026, 7, 1, 10, 30), datetime(2026, 7, 1, 12))]
        ['AG']
        >>> overlapping(taken, datetime(2026, 7, 1, 11, 0), datetime(2026, 7, 1, 12))   # 11:00 local = 9:00 UTC
        []
    """
    start, end = local(start), local(end)
    return [b for b in busy_list if b.start < end and b.end > start]


# ---- booking --------------------------------------------------------------------------------------

def book(ref: CalendarRef, island: str, start: datetime, end: datetime, *, seats: int, name: str,
         user: str | None = None, password: str | None = None, timeout: float = TIMEOUT) -> str:
    """Write a reservation VEVENT to a CalDAV collection; the UID. Refuses (BookingConflict) when any busy
    event overlaps [start, end).

    Args:
        ref: the island's calendar (a CalDAV collection).
        island: the island's id (for the event's description and the messages).
        start: the booking's start (naive = Europe/Berlin).
        end: its end.
        seats: the seats booked.
        name: who or what books (the event's summary).
        user: the user name, if the calendar needs one.
        password: its password.
        timeout: seconds per request.

    Returns:
        The new event's UID.

    Raises:
        BookingConflict: a busy event overlaps the slot (nothing is written).
        CalendarError: an iCalendar feed (not CalDAV), an end not after the start, access denied or a server
            failure.

    Example:
        >>> from datetime import datetime
        >>> from geotwin.twin.examples import CALDAV_PASSWORD, CALDAV_USER, caldav_server
        >>> login = {"user": CALDAV_USER, "password": CALDAV_PASSWORD}
        >>> with caldav_server("insel-a") as urls:   # Radicale on 127.0.0.1
        ...     ref = CalendarRef.parse("caldav+" + urls["insel-a"])
        ...     uid = book(ref, "A", datetime(2026, 7, 8, 14), datetime(2026, 7, 8, 15, 30), seats=12, name="Mathe-AG",
        ...                **login)
        ...     taken = [(b.start.isoformat(), b.summary) for b in busy(ref, datetime(2026, 7, 8), datetime(2026, 7, 9),
        ...                                                             **login)]
        ...     book(ref, "A", datetime(2026, 7, 8, 15), datetime(2026, 7, 8, 16), seats=5, name="Chor", **login)
        Traceback (most recent call last):
        ...
        geotwin.twin.islands.calendar.BookingConflict: island A is already booked from 2026-07-08 14:00 to 2026-07-08 \
15:30 ('Mathe-AG (12 seats)'); the requested slot 2026-07-08 15:00-16:00 is refused
        >>> uid.endswith("@geotwin"), taken
        (True, [('2026-07-08T12:00:00+00:00', 'Mathe-AG (12 seats)')])
        >>> book(CalendarRef.parse("/tmp/insel.ics"), "A", datetime(2026, 7, 8, 14), datetime(2026, 7, 8, 15), seats=1,
        ...      name="")
        Traceback (most recent call last):
        ...
        geotwin.twin.islands.calendar.CalendarError: island A: its calendar /tmp/insel.ics is an iCalendar feed, not a \
CalDAV collection; it cannot take a booking
    """
    import icalendar

    if ref.kind != "caldav":
        raise CalendarError(f"island {island}: its calendar {ref.shown()} is an iCalendar feed, not a CalDAV "
                            "collection; it cannot take a booking")
    start, end = local(start), local(end)
    if end <= start:
        raise CalendarError(f"island {island}: the booking must end after it starts")
    taken = overlapping(busy(ref, add(start, -timedelta(days=1)), add(end, timedelta(days=1)), user=user,
                             password=password), start, end)
    if taken:
        first = taken[0]
        raise BookingConflict(f"island {island} is already booked from {local(first.start):%Y-%m-%d %H:%M} to "
                              f"{local(first.end):%Y-%m-%d %H:%M}" + (f" ('{first.summary}')" if first.summary else "")
                              + f"; the requested slot {start:%Y-%m-%d %H:%M}-{end:%H:%M} is refused")
    uid = f"{uuid.uuid4()}@geotwin"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//GeoTwin//booking//EN")
    cal.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(TIMEZONE))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"{name} ({seats} seats)" if name else f"Booking ({seats} seats)")
    event.add("description", f"Learning island {island}, {seats} seats, booked with GeoTwin")
    event.add("transp", "OPAQUE")
    cal.add_component(event)

    def run() -> None:
        client = _caldav_client(ref, user, password, timeout)
        client.calendar(url=ref.location).save_event(cal.to_ical().decode("utf-8"))

    _caldav_call(ref, "saving the booking", run)
    return uid


@dataclass(frozen=True)
class Credentials:
    """A user name and password for calendars, sent only to one host.

    ``host`` (``name`` or ``name:port``): the host they belong to; None: the single host of the CalDAV
    calendars they are used with (several hosts are refused rather than guessed).
    """

    user: str
    password: str
    host: str | None = None

    def bound(self, refs: list[CalendarRef]) -> Credentials:
        """These credentials with their host fixed from ``refs`` when it was not given."""
        if self.host:
            return self
        hosts = sorted({_host(r) for r in refs if r.kind == "caldav"})
        if len(hosts) > 1:
            raise CalendarError("the CalDAV calendars are on several hosts (" + ", ".join(hosts) + "); give the "
                                "authentication configuration the URL of the one its credentials belong to")
        return Credentials(self.user, self.password, hosts[0] if hosts else "")

    def for_ref(self, ref: CalendarRef) -> tuple[str | None, str | None]:
        if not ref.is_url or not self.host:
            return None, None
        host = _host(ref)
        wanted = self.host.lower()
        if host == wanted or (":" not in wanted and host.split(":")[0] == wanted):
            return self.user, self.password
        return None, None


def _host(ref: CalendarRef) -> str:
    parts = urlsplit(ref.location)
    default = 443 if parts.scheme.lower() == "https" else 80
    return f"{(parts.hostname or '').lower()}:{parts.port or default}"
