"""Partial ISO dates (``2018``, ``2018-05``, ``2018-05-01``) as the periods they stand for."""

from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial_date(value: str) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) of a partial ISO date, or None when VALUE is not one."""
    match = _DATE.match(value)
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    return year, month, day


def period_start(value: str) -> date:
    """First day of the period VALUE names (VALUE already validated)."""
    year, month, day = parse_partial_date(value)  # type: ignore[misc]
    return date(year, month or 1, day or 1)


def period_end(value: str) -> date:
    """First day after the period VALUE names."""
    year, month, day = parse_partial_date(value)  # type: ignore[misc]
    if day is not None:
        return date.fromordinal(date(year, month, day).toordinal() + 1)
    if month is not None:
        return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year + 1, 1, 1)


def range_bounds(
    lower: str | None, upper: str | None, include_lower: bool, include_upper: bool
) -> tuple[date | None, date | None]:
    """The half-open interval [start, end) of dates a range covers (None: unbounded)."""
    start = None if lower is None else (period_start(lower) if include_lower else period_end(lower))
    end = None if upper is None else (period_end(upper) if include_upper else period_start(upper))
    return start, end
