"""Dates a citizen types: «12.03.2025», «12.03.25», «2025-03-12», «вчера», «3 марта»."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6,
    "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}  # fmt: skip
_RELATIVE = {"сегодня": 0, "вчера": 1, "позавчера": 2}
_NUMERIC = re.compile(r"\b(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?\b")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_WORDS = re.compile(r"\b(\d{1,2})\s+([а-яё]{3,})\.?(?:\s+(\d{4}))?")
# A date typed without a year is taken from the past year if it would be this far ahead.
_FUTURE_SLACK = dt.timedelta(days=60)


def parse_date(text: str, today: dt.date) -> dt.date | None:
    found = find_date(text, today)
    return found[0] if found else None


def find_date(text: str, today: dt.date) -> tuple[dt.date, int, int] | None:
    """The first date in the text and where it stands (start, end)."""
    lowered = text.lower().replace("ё", "е")  # same length: spans stay valid
    for word, days_ago in _RELATIVE.items():
        if match := re.search(rf"\b{word}\b", lowered):
            return today - dt.timedelta(days=days_ago), match.start(), match.end()
    day: dt.date | None = None
    if match := _ISO.search(lowered):
        day = _safe_date(int(match[1]), int(match[2]), int(match[3]))
    elif match := _NUMERIC.search(lowered):
        day = _with_year(int(match[1]), int(match[2]), match[3], today)
    elif (match := _WORDS.search(lowered)) and (month := _MONTHS.get(match[2][:3])):
        day = _with_year(int(match[1]), month, match[3], today)
    return (day, match.start(), match.end()) if day is not None and match else None


def _with_year(day: int, month: int, year_text: str | None, today: dt.date) -> dt.date | None:
    if year_text is None:
        guess = _safe_date(today.year, month, day)
        if guess is not None and guess - today > _FUTURE_SLACK:
            guess = _safe_date(today.year - 1, month, day)
        return guess
    year = int(year_text)
    if year < 100:
        year += 2000 if 2000 + year <= today.year + 1 else 1900
    return _safe_date(year, month, day)


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
