"""Calendar arithmetic of the plan. Reading dates from text is the NLU's job (``nlu.dates``)."""

from __future__ import annotations

import datetime as dt


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        if (result := _safe_date(year, month, min(day.day, candidate))) is not None:
            return result
    raise AssertionError("every month has a 28th day")
