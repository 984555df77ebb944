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
by the zone). Anything the parser rejects raises ``OpeningHoursError`` (an ``InputError``); an unknown
state never counts as open. As in opening_hours.js, the reference evaluator of the OSM specification:

* a rule that is only a comment, alone or after day selectors (``"nach Vereinbarung"``,
  ``Mo-Fr "by appointment"``, ``Mo-Fr 08:00-12:00 || "sonst nach Absprache"``), has the state ``unknown``
  with its comment (the parser alone would read it as open around the clock); it is kept in
  ``OpeningHours.arrangements`` and in the notes. A comment after times (``Mo-Fr 08:00-18:00 "Schlüssel an
  der Pforte"``) stays a remark on open hours.
* an open end (``08:00+``: open from 08:00, closing time unknown; ``14:00-17:00+``: open 14-17, then open
  end) is ``unknown`` from its start until the end of that day (the parser alone would count it open until
  midnight). So at a time T after 08:00 an ``08:00+`` island is not "free": nobody knows whether it is
  still open; a window is offered only where every minute is surely open. Kept in ``OpeningHours.open_ends``.

Typographic forms that office web sites and word processors produce are read as their ASCII form outside
quoted comments: dashes (en/em dash, minus sign, non-breaking hyphen ...) as ``-``, typographic double
quotes (``„…“``, ``“…”``, ``«…»``) as ``"``, no-break, thin and other Unicode spaces as a blank, zero-width
characters dropped, and blanks around a range dash between weekdays, months or times removed
(``Mo – Fr 08:00 – 18:00`` is ``Mo-Fr 08:00-18:00``); a note says so.

The everyday German forms schools write are read as the OSM form where they are unambiguous (``german``):
``8–18 Uhr`` (``08:00-18:00``), ``Mo–Fr 8–16 Uhr``, ``Mo-Fr 8.00-16.00 Uhr``, ``8:00 - 18:00 Uhr``, ``8-18 h``,
German weekdays (``Di``, ``Mi``, ``Do``, ``So``, ``Mo.``), ``bis`` and ``und`` between times. Hours without
minutes need ``Uhr`` or ``h`` (``Mo 10-12`` alone stays refused: it could be a date or week range). Ranges
that could be read two ways are refused with a message saying how to write them: an end before the start
within 12 hours (``8-4 Uhr``: 16:00, or past midnight?), a range at night that could be the afternoon on a
12-hour clock (``1-5 Uhr``), ``ab 8 Uhr`` / ``bis 16 Uhr`` (no other end). The value as written is kept;
``OpeningHours.normalised`` holds the OSM form read and a note says so. School holidays are known only for
the years in ``holidays_bw``: evaluating an ``SH`` rule outside them raises ``OpeningHoursError``.
"""
from __future__ import annotations

import functools
import re
import unicodedata
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
_SEPARATOR = re.compile(r'("[^"]*")|(\s*;\s*|\s*\|\|\s*|\s+,\s*|,\s+(?=[A-Z"]))')
_QUOTED = re.compile(r'("[^"]*")')
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e\uff02"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_TYPOGRAPHY = {**dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_QUOTES, '"'), **dict.fromkeys(_INVISIBLE, ""),
               "\uff1a": ":"}
_NAMES = r"(?:Mo|Tu|We|Th|Fr|Sa|Su|" + "|".join(_MONTHS) + ")"
_SPACED_RANGE = re.compile(rf"(?i)\b({_NAMES})\s*-\s*({_NAMES})\b|(\d:\d\d)\s*-\s*(?=\d{{1,2}}:\d\d)")
_STATE = re.compile(r"\b(?:open|closed|off|unknown)\b", re.IGNORECASE)
_TIME_WORD = re.compile(r"\d{1,2}:\d{2}|\b(?:sunrise|sunset|dawn|dusk)\b|24/7", re.IGNORECASE)
_TIME = r"(?:\d{1,2}:\d{2}|(?:sunrise|sunset|dawn|dusk)|\((?:sunrise|sunset|dawn|dusk)\s*[+-]\s*\d{1,2}:\d{2}\))"
_SPAN = rf"{_TIME}(?:-{_TIME}(?:/\d{{1,2}}(?::\d{{2}})?)?)?\+?"
_OPEN_END = re.compile(rf"{_TIME}\+(?!\d)", re.IGNORECASE)
_TIMES = re.compile(rf"(?<![\w:(]){_SPAN}(?:,\s*{_SPAN})*(?![\w:])", re.IGNORECASE)
_GRAMMAR_HINT = re.compile(r"\bUhr\b|\bh\b|(?<![\d:.])\d{1,2}\s*-\s*\d{1,2}(?![\d:.])|\d\.\d\d", re.IGNORECASE)
OPEN_END_COMMENT = "open end, closing time unknown"
_DE_DAYS = {"mo": "Mo", "di": "Tu", "mi": "We", "do": "Th", "fr": "Fr", "sa": "Sa", "so": "Su"}
_DE_DAY = re.compile(r"(?<![\w.])(Mo|Di|Mi|Do|Fr|Sa|So)\b(\.?)(?=\s*(?:-|,|\d|$|\s))", re.IGNORECASE)
_DE_CLOCK = r"(\d{1,2})(?:([.:])(\d{2}))?"
_DE_RANGE = re.compile(rf"(?<![\w.:+/-]){_DE_CLOCK}\s*(?:-|\bbis\b)\s*{_DE_CLOCK}(?![\w.:+/]|-\d)"
                       r"(?:\s*(Uhr|h)\b)?", re.IGNORECASE)
_DE_MARK = re.compile(r"(?<=\d)\s*(?:Uhr|h)\b", re.IGNORECASE)
_DE_AND = re.compile(r"(?<=\d)(?:\s*(?:Uhr|h)\s*,|\s*(?:\bund\b|&|\bu\.))\s*(?=\d)", re.IGNORECASE)
_DE_LONE = re.compile(r"\b(?:ab|bis|von)\s+\d{1,2}(?:[.:]\d{2})?\s*(?:Uhr|h)\b|\b\d{1,2}(?:[.:]\d{2})?\s*(?:Uhr|h)\b",
                      re.IGNORECASE)
_BEFORE_NUMBERS = re.compile(rf"(?i)(?:\b(?:{'|'.join(_MONTHS)}|week)\s*)$")


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


@functools.lru_cache(maxsize=64)
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


def plain(text: str) -> tuple[str, list[str]]:
    """Read the typographic forms of an opening_hours value as ASCII, outside its quoted comments.

    Dashes become ``-``, typographic double quotes ``"``, Unicode spaces a blank, zero-width characters
    nothing, and blanks around a range dash between weekdays, months or times go.

    Args:
        text: the value as written.

    Returns:
        (the value in ASCII form, the names of the characters replaced, in order of appearance).

    Example:
        >>> plain("Mo\u2013Fr 08:00\u00a0\u2013\u00a012:00; Sa \u201enach Vereinbarung\u201c")
        ('Mo-Fr 08:00-12:00; Sa "nach Vereinbarung"', ['en dash', 'no-break space', 'double low-9 quotation mark', \
'left double quotation mark'])
    """
    seen: dict[str, None] = {}
    out = []
    for piece in _QUOTED.split(text):
        if piece.startswith('"') and piece.endswith('"') and len(piece) > 1:
            out.append(piece)
            continue
        chars = []
        for c in piece if not piece.isascii() else ():
            new = _TYPOGRAPHY.get(c, " " if c != " " and unicodedata.category(c) == "Zs" else c)
            if new != c:
                seen[unicodedata.name(c, f"U+{ord(c):04X}").lower()] = None
            chars.append(new)
        joined = re.sub(r" {2,}", " ", "".join(chars) if chars else piece)
        out.append(_SPACED_RANGE.sub(lambda m: f"{m.group(1)}-{m.group(2)}" if m.group(1) else f"{m.group(3)}-",
                                     joined))
    return "".join(out), list(seen)


def _german_day(m: re.Match[str]) -> str:
    name = m.group(1).lower()
    return _DE_DAYS[name] if m.group(2) or name in ("di", "mi", "do", "so") else m.group(0)


def _german_range(m: re.Match[str], *, text: str, marked: bool) -> str:
    """One ``8-16 Uhr`` / ``8.00-16.00`` / ``8:00 bis 16:00`` range as ``08:00-16:00``, or unchanged where it is
    no German time range (bare numbers without Uhr/h, after a month or ``week``); ambiguous ones raise."""
    h1, s1, m1, h2, s2, m2, mark = m.groups()
    german_form = "." in (s1 or "", s2 or "") or mark or marked or "bis" in m.group(0).lower()
    if not german_form or _BEFORE_NUMBERS.search(m.string[:m.start()]):
        return m.group(0)   # OSM already (08:00-16:00), or numbers that need not be times (Jan 10-12, week 1-5)
    a, am, b, bm = int(h1), int(m1 or 0), int(h2), int(m2 or 0)
    shown = m.group(0).strip()
    if a > 24 or b > 24 or am > 59 or bm > 59 or (a == 24 and am) or (b == 24 and bm):
        raise OpeningHoursError(f"'{text}' is not valid: '{shown}' is no time of day")
    if (b, bm) <= (a, am) and a <= 12:
        raise OpeningHoursError(f"'{text}' is ambiguous: '{shown}' ends before it starts: on a 12-hour clock it "
                                f"could mean until {b + 12:02d}:{bm:02d}, or it runs past midnight; write "
                                f"{a:02d}:{am:02d}-{(b + 12) % 24:02d}:{bm:02d} or {a:02d}:{am:02d}-{b:02d}:{bm:02d}")
    if a < 6 and (b, bm) <= (12, 0) and (a, am) < (b, bm):
        raise OpeningHoursError(f"'{text}' is ambiguous: '{shown}' is at night or, on a 12-hour clock, in the "
                                f"afternoon; write {a:02d}:{am:02d}-{b:02d}:{bm:02d} or "
                                f"{a + 12:02d}:{am:02d}-{b + 12:02d}:{bm:02d}")
    return f"{a:02d}:{am:02d}-{b:02d}:{bm:02d}"


def german(text: str) -> tuple[str, bool]:
    """Read the everyday German forms of opening hours as OSM syntax, outside quoted comments.

    ``8-16 Uhr``, ``8.00-16.00``, ``8:00 - 16:00 Uhr``, ``8 bis 16 h``, German weekdays (``Di``, ``Mi``, ``Do``,
    ``So``, a dot after a day) and ``und`` between times; hours without minutes need ``Uhr``/``h`` in the value.

    Args:
        text: the value in ASCII form (``plain``).

    Returns:
        (the OSM form, whether anything was rewritten).

    Raises:
        OpeningHoursError: a form that could be read two ways (``8-4 Uhr``, ``1-5 Uhr``, ``ab 8 Uhr``), with how
            to write it.

    Example:
        >>> german("Mo-Fr 8-16 Uhr"), german("Di.-Do. 8.00-12.30 und 13-16 Uhr")
        (('Mo-Fr 08:00-16:00', True), ('Tu-Th 08:00-12:30,13:00-16:00', True))
        >>> german("Mo-Fr 08:00-16:00")
        ('Mo-Fr 08:00-16:00', False)
        >>> german("Mo-Fr 8-4 Uhr")
        Traceback (most recent call last):
        ...
        geotwin.twin.islands.opening_hours.OpeningHoursError: 'Mo-Fr 8-4 Uhr' is ambiguous: '8-4 Uhr' ends before ...
    """
    out = []
    for piece in _QUOTED.split(text):
        if piece.startswith('"') and piece.endswith('"') and len(piece) > 1:
            out.append(piece)
            continue
        marked = bool(_DE_MARK.search(piece))
        new = _DE_DAY.sub(_german_day, piece)
        new = _DE_AND.sub(",", new)
        new = _DE_RANGE.sub(functools.partial(_german_range, text=text, marked=marked), new)
        new = re.sub(r"(\d:\d\d)\s*(?:Uhr|h)\b", r"\1", new, flags=re.IGNORECASE)
        new = _SPACED_RANGE.sub(lambda m: f"{m.group(1)}-{m.group(2)}" if m.group(1) else f"{m.group(3)}-", new)
        lone = _DE_LONE.search(new)
        if lone:
            raise OpeningHoursError(f"'{text}' is incomplete: '{lone.group(0)}' has no other end; write a range "
                                    "such as Mo-Fr 08:00-16:00 (or 08:00+ for an open end)")
        out.append(new)
    result = "".join(out)
    return result, result != text


def _by_arrangement(rule: str) -> tuple[str, str | None]:
    """A rule that is only a comment (alone or after day selectors) with the state ``unknown`` made explicit,
    and the comment; other rules unchanged (None)."""
    m = re.fullmatch(r'(\s*)([^"]*?)\s*("[^"]*")\s*', rule)
    if m is None or _STATE.search(m.group(2)) or _TIME_WORD.search(m.group(2)):
        return rule, None
    head = m.group(2)
    return f"{m.group(1)}{head}{' ' if head else ''}unknown {m.group(3)}", m.group(3)[1:-1]


def _open_ends(rule: str) -> tuple[list[str], list[str], int]:
    """The rule split so that its open ends (``08:00+``, the end of ``14:00-17:00+``) have the state ``unknown``
    in an additional rule; the open ends rewritten; how many open ends the rule has that are not open (rewritten, or
    in a rule that is closed or unknown anyway)."""
    quote = rule.find('"')
    head, comment = (rule, "") if quote < 0 else (rule[:quote], rule[quote:].strip())
    state = _STATE.search(head)
    times = _TIMES.search(head)
    if times is None:
        return [rule], [], 0
    if state is not None and state.group(0).lower() != "open":
        return [rule], [], len(_OPEN_END.findall(head))
    fixed, ends = [], []
    for span in re.split(r",\s*", times.group(0)):
        if not span.endswith("+"):
            fixed.append(span)
        elif (cut := _range_dash(span)) > 0:
            fixed.append(span[:-1])
            ends.append(span[cut + 1:])
        else:
            ends.append(span)
    if not ends:
        return [rule], [], 0
    prefix = head[:times.start()]
    rules = [prefix + ",".join(fixed) + head[times.end():] + comment] if fixed else []
    note = comment or f'"{OPEN_END_COMMENT}"'
    rules.append(f"{prefix}{','.join(ends)} unknown {note}".strip())
    return [r.strip() for r in rules], ends, len(ends)


def _range_dash(span: str) -> int:
    """The position of the dash between a timespan's start and end (not one inside ``(sunset-01:00)``), or -1."""
    depth, cut = 0, -1
    for i, c in enumerate(span):
        depth += (c == "(") - (c == ")")
        if c == "-" and depth == 0:
            cut = i
    return cut


def _additional(rule: str) -> str:
    """``rule`` after an additional-rule separator: ``", "``, or ``" , "`` before a rule that starts with a time or a
    date (after ``", "`` the parser would read it as more times of the rule before)."""
    return (", " if re.match(r'[A-Za-z"]', rule) and not re.match(r"(?i)(sunrise|sunset|dawn|dusk)\b", rule)
            else " , ") + rule


@dataclass
class _Rewritten:
    text: str
    holidays: set[str] = field(default_factory=set)
    arrangements: list[str] = field(default_factory=list)
    open_ends: list[str] = field(default_factory=list)
    open_end_count: int = 0


def _rewrite(text: str) -> _Rewritten:
    done = _Rewritten("")
    parts: list[str] = []
    for sep, rule in _split(text):
        rule, comment = _by_arrangement(rule)
        if comment is not None:
            done.arrangements.append(comment)
        pieces, ends, handled = _open_ends(rule)   # before PH/SH become long date lists
        done.open_ends += [e for e in ends if e not in done.open_ends]
        done.open_end_count += handled
        first, *extra = [_rewrite_rule(piece, text) for piece in pieces]
        for _, kinds in (first, *extra):
            done.holidays |= kinds
        if sep in ("", ";", "||"):   # the rule's own separator; its PH/SH parts as normal rules after it
            parts.append((f" {sep} " if sep else "") + "; ".join(first[0]))
        else:
            parts.append("".join(_additional(one) for one in first[0]))
        # the open ends after it: additional rules, so that they do not replace the day's known hours
        parts += [_additional(one) for rules, _ in extra for one in rules]
    done.text = "".join(parts).strip()
    written = len(_OPEN_END.findall(_QUOTED.sub("", text)))
    if written > done.open_end_count:   # never let the parser count an open end we did not find as open
        raise OpeningHoursError(f"'{text}': an open end ('+') is not where a time selector allows it; its hours "
                                "cannot be read safely")
    return done


def _compile(text: str, shown: str | None = None) -> opening_hours.OpeningHours:
    """The parsed expression; an error names ``shown`` (the user's own text), with a hint where the value uses
    forms outside the grammar (hours without minutes, ``Uhr``, ``08.00``)."""
    import opening_hours

    try:
        return opening_hours.OpeningHours(text, timezone=TIMEZONE, auto_country=False, auto_timezone=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # noqa: BLE001 - the Rust parser raises ParserError, or a PanicException
        first = str(err).strip().splitlines()
        shown = text if shown is None else shown
        hint = ("; times need hours and minutes with a colon, as in Mo-Fr 08:00-16:00 (or 'Mo-Fr 8-16 Uhr')"
                if _GRAMMAR_HINT.search(_QUOTED.sub("", shown)) else "")
        raise OpeningHoursError(f"'{shown[:120]}' is not valid opening_hours syntax"
                                + (f" ({' '.join(line.strip() for line in first[:4])})" if first else "")
                                + hint) from None


@dataclass
class OpeningHours:
    """A parsed opening_hours value; times are Europe/Berlin (naive = local wall-clock time)."""

    text: str
    expression: opening_hours.OpeningHours = field(repr=False)
    holidays: frozenset[str] = frozenset()   # "PH", "SH" used by the value
    notes: list[str] = field(default_factory=list)
    arrangements: list[str] = field(default_factory=list)   # comments of rules that are only a comment (unknown)
    open_ends: list[str] = field(default_factory=list)      # open ends ("08:00+"): unknown from their start
    normalised: str | None = None   # the OSM form read from everyday German ("8-16 Uhr"), None when written in OSM

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

    def _intervals(self, start: datetime, end: datetime, state: str) -> list[tuple[datetime, datetime, str]]:
        """The intervals of one state ("OPEN", "UNKNOWN") between ``start`` and ``end`` with their comments,
        neighbours merged (an open comment is a remark: open spans merge across different comments)."""
        import opening_hours

        start, end = local(start), local(end)
        if end.astimezone(UTC) - start.astimezone(UTC) > MAX_HORIZON:
            raise OpeningHoursError(f"'{self.text}': spans are evaluated for at most {MAX_HORIZON.days} days at once")
        self._check_known(start, end)
        wanted = getattr(opening_hours.State, state)
        out: list[tuple[datetime, datetime, str]] = []
        for a, b, found, comment in self._evaluate(lambda: list(self.expression.intervals(start, end))):
            if found != wanted:
                continue
            a, b = local(a), local(b) if b is not None else end
            if out and out[-1][1] >= a and (state == "OPEN" or out[-1][2] == comment):
                out[-1] = (out[-1][0], max(out[-1][1], b), out[-1][2])
            else:
                out.append((a, b, str(comment or "")))
        return [(max(a, start), min(b, end), c) for a, b, c in out if min(b, end) > max(a, start)]

    def spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open spans between ``start`` and ``end`` (aware, Europe/Berlin), merged."""
        return [(a, b) for a, b, _ in self._intervals(start, end, "OPEN")]

    def unknown_spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
        """The spans between ``start`` and ``end`` whose state is unknown (by arrangement, open ends, ``unknown``),
        with their comments; never counted as open."""
        return self._intervals(start, end, "UNKNOWN")

    def is_open_for(self, start: datetime, end: datetime) -> bool:
        """Open during the whole window [start, end)."""
        start, end = local(start), local(end)
        return any(a <= start and end <= b for a, b in self.spans(start, end))


def parse(text: object) -> OpeningHours:
    """Parse an OSM ``opening_hours`` value, with PH and SH meaning the holidays of Baden-Württemberg.

    Typographic dashes, quotes and spaces are read as ASCII; everyday German (``Mo-Fr 8-16 Uhr``) as OSM where it
    is unambiguous (``german``); a rule that is only a comment (``"nach Vereinbarung"``) and an open end
    (``08:00+``) have the state unknown, never open (see the module).

    Args:
        text: the value (the full opening_hours syntax; PH/SH at the start of a rule).

    Returns:
        The parsed OpeningHours (``is_open``, ``is_open_for``, ``spans``, ``unknown_spans``; ``arrangements``,
        ``open_ends``, ``normalised`` and ``notes`` say what was read as unknown or normalised).

    Raises:
        OpeningHoursError: the value is empty, too long, contains control characters or is not valid syntax.

    Example:
        >>> from datetime import datetime
        >>> hours = parse("Mo-Fr 08:00-18:00; PH off")
        >>> hours.is_open(datetime(2026, 7, 1, 9, 0)), hours.is_open(datetime(2026, 7, 4, 9, 0))   # Wed, Sat
        (True, False)
        >>> hours.is_open(datetime(2026, 10, 3, 9, 0))   # German Unity Day, a Saturday anyway
        False
        >>> late = parse("Mo\u2013Fr 08:00\u201312:00, 14:00+")   # en dashes; open end in the afternoon
        >>> late.is_open(datetime(2026, 7, 1, 9, 0)), late.is_open(datetime(2026, 7, 1, 15, 0)), late.open_ends
        (True, False, ['14:00+'])
        >>> parse('"nach Vereinbarung"').arrangements
        ['nach Vereinbarung']
        >>> parse("Mo\u2013Fr 8\u201316 Uhr").normalised   # everyday German, read as OSM
        'Mo-Fr 08:00-16:00'
        >>> parse("Mo-Fr 8-4 Uhr")
        Traceback (most recent call last):
        ...
        geotwin.twin.islands.opening_hours.OpeningHoursError: 'Mo-Fr 8-4 Uhr' is ambiguous: '8-4 Uhr' ends before ...
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
    ascii_value, replaced = plain(value)
    ascii_value, rewritten = german(ascii_value)
    _compile(ascii_value, value)  # the error names the user's own text, not the rewritten one
    done = _rewrite(ascii_value)
    notes = []
    if replaced:
        notes.append(f"read as plain text: {', '.join(replaced)}")
    if rewritten:
        notes.append(f"read as opening_hours '{ascii_value}'")
    if done.holidays:
        first, last = holidays_bw.SCHOOL_HOLIDAYS_KNOWN
        notes.append("holidays of Baden-Württemberg: " + ", ".join(
            {"PH": "public (PH)", "SH": f"school (SH, known {first} to {last})"}[k] for k in sorted(done.holidays)))
    if done.arrangements:
        notes.append("hours by arrangement, unknown (never counted as open): "
                     + ", ".join(f'"{c}"' for c in done.arrangements))
    if done.open_ends:
        notes.append(f"open end {', '.join(done.open_ends)}: the closing time is unknown, so from then on the hours "
                     "are unknown (never counted as open)")
    return OpeningHours(value, _compile(done.text, value), frozenset(done.holidays), notes,
                        list(done.arrangements), list(done.open_ends), ascii_value if rewritten else None)
