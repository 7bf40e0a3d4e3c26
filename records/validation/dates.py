"""Dates: EDTF level 0 dates and intervals, and plain ISO days.

A record date is an EDTF level 0 date (``2020``, ``2020-05``, ``2020-05-17``) or
interval (``2019/2020-06``). Stricter than the ``edtf`` library's level 0 grammar:
no surrounding or inner whitespace, no negative years and no significant digits
(both are level 1/2 features the library parses at level 0), the day must exist
in that month (``2021-02-29`` does not), and an interval may not end before it
starts. Two implementations give the same answer for every string: the
reference one asks the ``edtf`` library (slow: a pyparsing grammar), the fast
one is a regular expression plus arithmetic. The equivalence tests compare them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from edtf import Date, EDTFParseException, Interval, parse_edtf

INVALID_EDTF = "Not a valid EDTF level 0 date or interval (e.g. 2020, 2020-05, 2020-05-17, 2019/2020-06)."
REVERSED_INTERVAL = "The interval ends before it starts."
INVALID_DAY = "Not a valid date (YYYY-MM-DD)."

_DATE = r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?"
_LEVEL0 = re.compile(rf"{_DATE}(?:/{_DATE})?")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_LEVEL0_CHARACTERS = frozenset("0123456789-/")

YearMonthDay = tuple[int, int | None, int | None]


def days_in_month(year: int, month: int) -> int:
    """Days of ``month`` in the proleptic Gregorian calendar (year 0 is a leap year)."""
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _exists(year: int, month: int | None, day: int | None) -> bool:
    if month is None:
        return True
    if not 1 <= month <= 12:
        return False
    return day is None or 1 <= day <= days_in_month(year, month)


def _earliest(date: YearMonthDay) -> tuple[int, int, int]:
    year, month, day = date
    return year, month or 1, day or 1


def _latest(date: YearMonthDay) -> tuple[int, int, int]:
    year, month, day = date
    month = month or 12
    return year, month, day or days_in_month(year, month)


def _verdict(dates: list[YearMonthDay]) -> str | None:
    if not all(_exists(*date) for date in dates):
        return INVALID_EDTF
    if len(dates) == 2 and _earliest(dates[0]) > _latest(dates[1]):
        return REVERSED_INTERVAL
    return None


@lru_cache(maxsize=8192)
def edtf_error(value: str) -> str | None:
    """Why ``value`` is not an EDTF level 0 date or interval (``None`` if it is), asking ``edtf``."""
    if not value or not _LEVEL0_CHARACTERS.issuperset(value):
        # Level 0 needs no other characters. Whitespace must be refused here: the library skips it.
        return INVALID_EDTF
    try:
        parsed = parse_edtf(value)
    except (EDTFParseException, TypeError, ValueError):  # the parser's own errors and its crashes
        return INVALID_EDTF
    if type(parsed) is Date:
        parts = [parsed]
    elif type(parsed) is Interval:
        parts = [parsed.lower, parsed.upper]
    else:  # a level 1 or 2 expression, or a date and time
        return INVALID_EDTF
    dates: list[YearMonthDay] = []
    for part in parts:
        if type(part) is not Date or part.significant_digits is not None or part.year.startswith("-"):
            return INVALID_EDTF
        dates.append((int(part.year), _int_or_none(part.month), _int_or_none(part.day)))
    return _verdict(dates)


@lru_cache(maxsize=8192)
def edtf_error_fast(value: str) -> str | None:
    """Same answer as :func:`edtf_error`, without the ``edtf`` parser."""
    match = _LEVEL0.fullmatch(value)
    if match is None:
        return INVALID_EDTF
    y1, m1, d1, y2, m2, d2 = match.groups()
    dates = [(int(y1), _int_or_none(m1), _int_or_none(d1))]
    if y2 is not None:
        dates.append((int(y2), _int_or_none(m2), _int_or_none(d2)))
    return _verdict(dates)


def day_error(value: str) -> str | None:
    """Why ``value`` is not a calendar day written ``YYYY-MM-DD`` (``None`` if it is)."""
    match = _DAY.fullmatch(value)
    if match is None:
        return INVALID_DAY
    year, month, day = (int(group) for group in match.groups())
    return None if _exists(year, month, day) else INVALID_DAY


def _int_or_none(value: str | None) -> int | None:
    return None if value is None else int(value)
