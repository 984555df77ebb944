"""Public and school holidays of Baden-Württemberg, the ``PH`` and ``SH`` of the opening hours.

Public holidays come from the ``holidays`` package (``holidays.Germany(subdiv="BW")``: it knows
Epiphany, Corpus Christi and All Saints' Day besides the national ones) for any year.

School holidays are not in any maintained package: the table below holds the dates published by the
Kultusministerium Baden-Württemberg (first and last day of each holiday; "schul- und unterrichtsfreie"
days such as 31 October count as holidays; the movable days each school chooses itself are NOT
included). Source: Kultusministerium BW, Ferientermine 2025/26 and 2026/27, as listed on
autokiste.de/verkehr_reise/ferienkalender/01-baden-wuerttemberg.htm (Stand 09.2025), summer 2025 from
the KMK summer holiday schedule 2025-2030. Extend ``SCHOOL_HOLIDAYS`` each school year.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

#: (first day, last day, name) of the BW school holidays, both days included.
SCHOOL_HOLIDAYS: tuple[tuple[date, date, str], ...] = (
    (date(2025, 7, 31), date(2025, 9, 13), "Sommerferien 2025"),
    # school year 2025/26
    (date(2025, 10, 27), date(2025, 10, 31), "Herbstferien 2025"),
    (date(2025, 12, 22), date(2026, 1, 5), "Weihnachtsferien 2025/26"),
    (date(2026, 3, 30), date(2026, 4, 11), "Osterferien 2026"),
    (date(2026, 5, 26), date(2026, 6, 5), "Pfingstferien 2026"),
    (date(2026, 7, 30), date(2026, 9, 12), "Sommerferien 2026"),
    # school year 2026/27
    (date(2026, 10, 26), date(2026, 10, 31), "Herbstferien 2026"),
    (date(2026, 12, 23), date(2027, 1, 9), "Weihnachtsferien 2026/27"),
    (date(2027, 3, 25), date(2027, 3, 25), "Osterferien 2027 (Gründonnerstag)"),
    (date(2027, 3, 30), date(2027, 4, 3), "Osterferien 2027"),
    (date(2027, 5, 18), date(2027, 5, 29), "Pfingstferien 2027"),
    (date(2027, 7, 29), date(2027, 9, 11), "Sommerferien 2027"),
)
#: The school holidays are known for these days (from the first to the last day of the table).
SCHOOL_HOLIDAYS_KNOWN = (SCHOOL_HOLIDAYS[0][0], SCHOOL_HOLIDAYS[-1][1])
#: Years for which public holidays are written into an evaluated expression.
PUBLIC_HOLIDAY_YEARS = range(2024, 2036)


@lru_cache(maxsize=4)
def public_holidays(years: tuple[int, ...] = tuple(PUBLIC_HOLIDAY_YEARS)) -> dict[date, str]:
    """List the public holidays of Baden-Württemberg.

    Args:
        years: the years to list (default: those written into evaluated opening hours).

    Returns:
        date -> holiday name, sorted by date.

    Example:
        >>> from datetime import date
        >>> days = public_holidays((2026,))
        >>> len(days), date(2026, 1, 6) in days, date(2026, 6, 4) in days   # Epiphany, Corpus Christi
        (12, True, True)
    """
    import holidays

    return dict(sorted(holidays.country_holidays("DE", subdiv="BW", years=list(years)).items()))


def is_public_holiday(day: date) -> bool:
    """Tell whether a day is a public holiday in Baden-Württemberg (``PH`` of the opening hours).

    Args:
        day: the day.

    Returns:
        True on a public holiday.

    Example:
        >>> from datetime import date
        >>> is_public_holiday(date(2026, 11, 1)), is_public_holiday(date(2026, 11, 2))
        (True, False)
    """
    import holidays

    return day in holidays.country_holidays("DE", subdiv="BW", years=[day.year])


def is_school_holiday(day: date) -> bool | None:
    """Tell whether a day lies in the school holidays of Baden-Württemberg (``SH`` of the opening hours).

    Args:
        day: the day.

    Returns:
        True or False inside the school years of ``SCHOOL_HOLIDAYS``, None outside them (unknown).

    Example:
        >>> from datetime import date
        >>> [is_school_holiday(date(*day)) for day in ((2026, 8, 3), (2026, 9, 14), (2030, 1, 1))]
        [True, False, None]
    """
    if not SCHOOL_HOLIDAYS_KNOWN[0] <= day <= SCHOOL_HOLIDAYS_KNOWN[1]:
        return None
    return any(first <= day <= last for first, last, _ in SCHOOL_HOLIDAYS)


def school_holiday_ranges(offset_days: int = 0) -> list[tuple[date, date]]:
    """List the school holidays as date ranges, shifted by ``offset_days`` (``SH +1 day`` and the like).

    Args:
        offset_days: days to add to both ends of every range.

    Returns:
        (first day, last day) of each holiday, both included, in table order.

    Example:
        >>> school_holiday_ranges()[1]
        (datetime.date(2025, 10, 27), datetime.date(2025, 10, 31))
        >>> school_holiday_ranges(offset_days=1)[1]
        (datetime.date(2025, 10, 28), datetime.date(2025, 11, 1))
    """
    shift = timedelta(days=offset_days)
    return [(first + shift, last + shift) for first, last, _ in SCHOOL_HOLIDAYS]
