"""A small evaluator for the common subset of the OSM ``opening_hours`` syntax.

Supported: ``24/7``; rules separated by ``;`` (a later rule replaces earlier ones for the
days it names) or by ``,`` before a weekday (an additional rule, added to earlier ones);
weekday selectors (``Mo-Fr``, ``Mo,We``, ``Sa-Mo``); time spans (``08:00-12:00,13:00-17:00``,
spans past midnight such as ``22:00-02:00``, end ``24:00``); ``off``/``closed``; ``open``;
a trailing ``"comment"``. Public/school holidays (``PH``/``SH``) are ignored with a note,
because the twin has no holiday calendar. Anything else (months, dates, weeks, sunrise,
open ends ``10:00+``, ``||`` fallbacks, ``8-16 Uhr``, a rule that is only a comment, a span
starting at 24:00 or later or ending after 48:00) raises ``OpeningHoursError`` (an
``InputError``) rather than guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..kernel.errors import InputError

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY = "(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)"
_DAY_SELECTOR = re.compile(rf"^{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*(?=\s|$|:)")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class OpeningHoursError(InputError, ValueError):
    """The value is not in the supported opening_hours syntax."""


@dataclass
class OpeningHours:
    """Weekly open spans in minutes from Monday 00:00 of each weekday (end may pass 24:00)."""

    text: str
    week: dict[int, list[tuple[int, int]]]
    notes: list[str] = field(default_factory=list)

    def is_open(self, when: datetime) -> bool:
        day, minute = when.weekday(), when.hour * 60 + when.minute
        if any(start <= minute < end for start, end in self.week[day]):
            return True
        previous = self.week[(day - 1) % 7]
        return any(start <= minute + 1440 < end for start, end in previous if end > 1440)


def _days(selector: str, notes: list[str]) -> list[int]:
    days: list[int] = []
    for part in selector.split(","):
        if part in ("PH", "SH") or "PH" in part.split("-") or "SH" in part.split("-"):
            note = f"'{part}' (holidays) ignored: no holiday calendar"
            if note not in notes:
                notes.append(note)
            continue
        if "-" in part:
            first, last = (DAYS.index(d) for d in part.split("-"))
            span = range(first, (last if last >= first else last + 7) + 1)
            days.extend(d % 7 for d in span)
        else:
            days.append(DAYS.index(part))
    return days


def _spans(text: str, rule: str) -> list[tuple[int, int]]:
    spans = []
    for part in text.split(","):
        m = _SPAN.match(part.strip())
        if not m:
            raise OpeningHoursError(f"unsupported time span '{part.strip()}' in rule '{rule}'")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start >= 1440 or end > 2880:
            raise OpeningHoursError(f"invalid time in '{part.strip()}' (a span starts before 24:00 "
                                    "and ends by 48:00)")
        if end <= start:
            end += 1440
        spans.append((start, end))
    return spans


def _split_rules(text: str) -> list[tuple[str, bool]]:
    """(rule, additional) pairs: ';' starts a normal rule, ', <weekday>' an additional one."""
    out: list[tuple[str, bool]] = []
    for chunk in text.split(";"):
        pieces = re.split(rf",\s+(?={_DAY})", chunk.strip())
        out.extend((p.strip(), i > 0) for i, p in enumerate(pieces) if p.strip())
    return out


def parse(text: str) -> OpeningHours:
    """Parse ``text``; raises OpeningHoursError on anything outside the supported subset."""
    value = (text or "").strip()
    if not value:
        raise OpeningHoursError("empty opening_hours")
    if "||" in value:
        raise OpeningHoursError("fallback rules ('||') are not supported")
    week: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    notes: list[str] = []
    for rule, additional in _split_rules(value):
        without_comment = re.sub(r'\s*"[^"]*"\s*$', "", rule).strip()
        if not without_comment:
            raise OpeningHoursError(f"rule '{rule}' is only a comment: the hours are unknown")
        rule = without_comment
        if rule == "24/7":
            for d in week:
                week[d] = [(0, 1440)]
            continue
        m = _DAY_SELECTOR.match(rule)
        if m:
            days = _days(m.group(0), notes)
            rest = rule[m.end():].lstrip(": ").strip()
            if not days:
                continue  # a holiday-only rule
        else:
            days, rest = list(range(7)), rule
        if rest in ("off", "closed"):
            spans: list[tuple[int, int]] = []
        elif rest in ("", "open"):
            spans = [(0, 1440)]
        else:
            spans = _spans(rest, rule)
        for d in days:
            week[d] = (week[d] + spans) if additional and spans else spans
    return OpeningHours(value, week, notes)
