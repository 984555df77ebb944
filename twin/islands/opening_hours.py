"""Opening hours in the full OSM ``opening_hours`` syntax, with the holidays of Baden-Württemberg.

The expression is parsed and evaluated by ``opening_hours_py`` (the maintained parser of the whole
syntax: months, dates, weeks, nth weekdays, sunrise/sunset, open ends, ``||`` fallbacks ...). That
parser knows public holidays only per country (no German state) and no school holidays, so before
evaluation every ``PH``/``SH`` at the start of a rule is replaced by the explicit dates of Baden-
Württemberg (``holidays_bw``): ``Mo-Fr 08:00-16:00; PH,SH off`` becomes ``Mo-Fr 08:00-16:00; <public
holiday dates> off; <school holiday ranges> off``. A weekday list that includes a holiday is split into
one rule per part (``Mo-Fr,PH 10:00-12:00`` -> ``Mo-Fr 10:00-12:00; <dates> 10:00-12:00``), a holiday
followed by weekdays (``SH Mo-Fr``) means both, an offset (``PH +1 day``) shifts the dates.
PH/SH anywhere else (after a month or date selector) is refused rather than guessed.

Times are local wall-clock times in Europe/Berlin (naive datetimes are taken as such; DST is handled
by the zone). A rule that is only a comment is refused: its hours are unknown, not 24/7. Anything the
parser rejects raises ``OpeningHoursError`` (an ``InputError``); an unknown state (``unknown``, open
ends) never counts as open. School holidays are known only for the years in ``holidays_bw``:
evaluating an ``SH`` rule outside them raises ``OpeningHoursError``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from ..kernel.errors import InputError
from . import holidays_bw

if TYPE_CHECKING:
    import opening_hours

_T = TypeVar("_T")

TIMEZONE = ZoneInfo("Europe/Berlin")
MAX_LENGTH = 1000            # characters of an opening_hours value
MAX_HORIZON = timedelta(days=31)   # the longest span evaluated at once
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WD = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_WD_ITEM = rf"{_WD}(?:-{_WD})?(?:\[[^\]]*\])?"
_ITEM = rf"(?:PH|SH|{_WD_ITEM})"
_SELECTOR = re.compile(rf"^{_ITEM}(?:,{_ITEM})*(?=\s|$|:)")
_AND_WEEKDAYS = re.compile(rf"^\s+({_WD_ITEM}(?:,{_WD_ITEM})*)(?=\s|$)")
_OFFSET = re.compile(r"^\s*([+-])\s*(\d{1,3})\s+days?\b")
_HOLIDAY_WORD = re.compile(r"\b(?:PH|SH)\b", re.IGNORECASE)
_SEPARATOR = re.compile(r'("[^"]*")|(\s*;\s*|\s*\|\|\s*|,\s+(?=[A-Z"]))')


class OpeningHoursError(InputError, ValueError):
    """The value is not in the opening_hours syntax (or cannot be evaluated at the asked time)."""


def local(when: datetime) -> datetime:
    """Make a time an aware Europe/Berlin time.

    A naive time is a local wall-clock time there; a time that does not exist (inside the hour skipped in
    spring) moves forward by that hour.

    Args:
        when: a naive or aware datetime.

    Returns:
        The same instant as an aware Europe/Berlin datetime.

    Example:
        >>> from datetime import UTC, datetime
        >>> local(datetime(2026, 7, 1, 12, 0)).isoformat()
        '2026-07-01T12:00:00+02:00'
        >>> local(datetime(2026, 1, 15, 8, 30, tzinfo=UTC)).isoformat()
        '2026-01-15T09:30:00+01:00'
    """
    aware = when.replace(tzinfo=TIMEZONE) if when.tzinfo is None else when
    return aware.astimezone(UTC).astimezone(TIMEZONE)


def add(when: datetime, delta: timedelta) -> datetime:
    """Add a duration in elapsed time, so that a window over a change of daylight saving time keeps its length.

    Args:
        when: the start (naive = Europe/Berlin wall-clock time).
        delta: the duration.

    Returns:
        The end as an aware Europe/Berlin datetime.

    Example:
        >>> from datetime import datetime, timedelta
        >>> add(datetime(2026, 3, 29, 1, 30), timedelta(minutes=60)).isoformat()   # clocks go forward at 2:00
        '2026-03-29T03:30:00+02:00'
    """
    return (local(when).astimezone(UTC) + delta).astimezone(TIMEZONE)


def _fmt(day: date) -> str:
    return f"{day.year} {_MONTHS[day.month - 1]} {day.day:02d}"


def _holiday_selector(kind: str, offset: int) -> str:
    if kind == "PH":
        shift = timedelta(days=offset)
        return ",".join(_fmt(d + shift) for d in holidays_bw.public_holidays())
    return ",".join(_fmt(a) if a == b else f"{_fmt(a)}-{_fmt(b)}"
                    for a, b in holidays_bw.school_holiday_ranges(offset))


def _split(text: str) -> list[tuple[str, str]]:
    """(separator before the rule, rule) pairs; separators inside quoted comments are ignored."""
    out: list[tuple[str, str]] = []
    sep, start = "", 0
    for m in _SEPARATOR.finditer(text):
        if m.group(1):
            continue
        out.append((sep, text[start:m.start()]))
        sep, start = m.group(2).strip() or ",", m.end()
    out.append((sep, text[start:]))
    return out


def _rewrite_rule(rule: str, source: str) -> tuple[list[str], set[str]]:
    """The rule with PH/SH replaced by dates (possibly several rules), and the holiday kinds used."""
    body = rule.strip()
    m = _SELECTOR.match(body)
    items = m.group(0).split(",") if m else []
    kinds = [i for i in items if i in ("PH", "SH")]
    if m is None or not kinds:  # no selector means no holiday kinds
        if _HOLIDAY_WORD.search(re.sub(r'"[^"]*"', "", body)):
            raise OpeningHoursError(f"'{source}': public/school holidays (PH, SH) are understood only at the start "
                                    f"of a rule, not in '{body}'")
        return [body], set()
    rest = body[m.end():]
    weekdays = [i for i in items if i not in ("PH", "SH")]
    and_days = ""
    offset = 0
    o = _OFFSET.match(rest)
    if o:
        offset = int(o.group(2)) * (1 if o.group(1) == "+" else -1)
        rest = rest[o.end():]
    a = _AND_WEEKDAYS.match(rest)
    if a and not weekdays:
        and_days, rest = " " + a.group(1), rest[a.end():]
    if _HOLIDAY_WORD.search(re.sub(r'"[^"]*"', "", rest)):
        raise OpeningHoursError(f"'{source}': holidays (PH, SH) appear twice in the rule '{body}'")
    rules = [",".join(weekdays) + rest] if weekdays else []
    rules += [_holiday_selector(kind, offset) + and_days + rest for kind in dict.fromkeys(kinds)]
    return rules, set(kinds)


def _rewrite(text: str) -> tuple[str, set[str]]:
    parts: list[str] = []
    used: set[str] = set()
    for sep, rule in _split(text):
        rules, kinds = _rewrite_rule(rule, text)
        used |= kinds
        joiner = "; " if sep in ("", ";", "||") else ", "
        parts.append((f" {sep} " if sep in (";", "||") else (", " if sep else "")) + joiner.join(rules))
    return "".join(parts).strip(), used


def _compile(text: str) -> opening_hours.OpeningHours:
    import opening_hours

    try:
        return opening_hours.OpeningHours(text, timezone=TIMEZONE, auto_country=False, auto_timezone=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # noqa: BLE001 - the Rust parser raises ParserError, or a PanicException
        first = str(err).strip().splitlines()
        raise OpeningHoursError(f"'{text[:120]}' is not valid opening_hours syntax"
                                + (f" ({' '.join(line.strip() for line in first[:4])})" if first else "")) from None


@dataclass
class OpeningHours:
    """A parsed opening_hours value; times are Europe/Berlin (naive = local wall-clock time)."""

    text: str
    expression: opening_hours.OpeningHours = field(repr=False)
    holidays: frozenset[str] = frozenset()   # "PH", "SH" used by the value
    notes: list[str] = field(default_factory=list)

    def _check_known(self, start: datetime, end: datetime) -> None:
        if "SH" not in self.holidays:
            return
        first, last = holidays_bw.SCHOOL_HOLIDAYS_KNOWN
        if start.date() < first or end.date() > last + timedelta(days=1):
            raise OpeningHoursError(f"'{self.text}' uses school holidays (SH), and those of Baden-Württemberg are "
                                    f"known only from {first} to {last}, not for {start:%Y-%m-%d}")

    def is_open(self, when: datetime) -> bool:
        """Open at ``when`` (an unknown state is not open)."""
        import opening_hours

        when = local(when)
        self._check_known(when, when)
        return self._evaluate(lambda: self.expression.state(when)[0] == opening_hours.State.OPEN)

    def _evaluate(self, func: Callable[[], _T]) -> _T:
        try:
            return func()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # noqa: BLE001 - the Rust evaluator's errors and panics
            raise OpeningHoursError(f"'{self.text[:120]}' cannot be evaluated: {str(err)[:200]}") from None

    def spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open spans between ``start`` and ``end`` (aware, Europe/Berlin), merged."""
        import opening_hours

        start, end = local(start), local(end)
        if end.astimezone(UTC) - start.astimezone(UTC) > MAX_HORIZON:
            raise OpeningHoursError(f"'{self.text}': spans are evaluated for at most {MAX_HORIZON.days} days at once")
        self._check_known(start, end)
        out: list[tuple[datetime, datetime]] = []
        for a, b, state, _ in self._evaluate(lambda: list(self.expression.intervals(start, end))):
            if state != opening_hours.State.OPEN:
                continue
            a, b = local(a), local(b) if b is not None else end
            if out and out[-1][1] >= a:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        return [(max(a, start), min(b, end)) for a, b in out if min(b, end) > max(a, start)]

    def is_open_for(self, start: datetime, end: datetime) -> bool:
        """Open during the whole window [start, end)."""
        start, end = local(start), local(end)
        return any(a <= start and end <= b for a, b in self.spans(start, end))


def parse(text: object) -> OpeningHours:
    """Parse an OSM ``opening_hours`` value, with PH and SH meaning the holidays of Baden-Württemberg.

    Args:
        text: the value (the full opening_hours syntax; PH/SH at the start of a rule).

    Returns:
        The parsed OpeningHours (``is_open``, ``is_open_for``, ``spans``).

    Raises:
        OpeningHoursError: the value is empty, too long, not valid syntax, or only a comment.

    Example:
        >>> from datetime import datetime
        >>> hours = parse("Mo-Fr 08:00-18:00; PH off")
        >>> hours.is_open(datetime(2026, 7, 1, 9, 0)), hours.is_open(datetime(2026, 7, 4, 9, 0))   # Wed, Sat
        (True, False)
        >>> hours.is_open(datetime(2026, 10, 3, 9, 0))   # German Unity Day, a Saturday anyway
        False
        >>> parse("Mo-Fr 25:00-26:00")
        Traceback (most recent call last):
        ...
        geotwin.twin.islands.opening_hours.OpeningHoursError: 'Mo-Fr 25:00-26:00' is not valid opening_hours syntax...
    """
    value = (text or "").strip() if isinstance(text, str) or text is None else str(text).strip()
    if not value:
        raise OpeningHoursError("empty opening_hours")
    if len(value) > MAX_LENGTH:
        raise OpeningHoursError(f"opening_hours longer than {MAX_LENGTH} characters")
    if any(ord(c) < 32 for c in value):
        raise OpeningHoursError(f"opening_hours {value[:60]!r} contains control characters")
    _compile(value)  # the error names the user's own text, not the rewritten one
    for _, rule in _split(value):
        if re.fullmatch(r'\s*"[^"]*"\s*', rule):
            raise OpeningHoursError(f"rule '{rule.strip()}' is only a comment: the hours are unknown")
    rewritten, used = _rewrite(value)
    notes = []
    if used:
        first, last = holidays_bw.SCHOOL_HOLIDAYS_KNOWN
        notes.append("holidays of Baden-Württemberg: " + ", ".join(
            {"PH": "public (PH)", "SH": f"school (SH, known {first} to {last})"}[k] for k in sorted(used)))
    return OpeningHours(value, _compile(rewritten), frozenset(used), notes)
