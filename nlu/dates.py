"""Dates as citizens type them, found in free text.

The project's own rules come first, because they are fast and cover what a general parser
misses in Russian messages: «12.03.2025», «2025-03-12», «3 марта», «15-го ноября»,
«пятнадцатого ноября», «в сентябре», «вчера», «3 дня назад», «неделю назад». What is left
goes to dateparser («на прошлой неделе», «в прошлую пятницу»), and only when the text has a
word that can start such a date, since it costs milliseconds.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from dialogs.dates import add_months

Found = tuple[dt.date, int, int]  # the date and where it stands in the text

_MONTH_STEMS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_MONTH_ENDINGS = frozenset({"", "ь", "я", "е", "ю", "ем", "а", "у", "ом"})
_MAY = frozenset({"май", "мая", "мае"})
_ABBREVIATED = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "авг": 8, "сен": 9, "сент": 9, "окт": 10,
    "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip
_ORDINALS = {
    "первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "пятого": 5, "шестого": 6,
    "седьмого": 7, "восьмого": 8, "девятого": 9, "десятого": 10, "одиннадцатого": 11,
    "двенадцатого": 12, "тринадцатого": 13, "четырнадцатого": 14, "пятнадцатого": 15,
    "шестнадцатого": 16, "семнадцатого": 17, "восемнадцатого": 18, "девятнадцатого": 19,
    "двадцатого": 20, "тридцатого": 30,
}  # fmt: skip
_COUNTS = {
    "один": 1, "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
    "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "пару": 2, "несколько": 3,
}  # fmt: skip
_RELATIVE = {"сегодня": 0, "вчера": 1, "позавчера": 2}
_LAST = re.compile(r"\b(?:на|в)\s+(прошлой|позапрошлой)\s+недел[еи]\b|\bв\s+прошлом\s+месяце\b")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[./-](\d{1,2})(?:[./-](\d{4}|\d{2}))?\b")
_ORDINAL_RE = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_DAY_MONTH = re.compile(
    rf"\b(?:(\d{{1,2}})(?:-?го|-?е)?|(?:двадцать|тридцать)\s+({_ORDINAL_RE})|({_ORDINAL_RE}))"
    r"\s+([а-я]{3,})\.?(?:\s+(\d{4}))?"
)
_AGO = re.compile(
    r"\b(?:(\d{1,3})|(" + "|".join(_COUNTS) + r"))?\s*"
    r"(дн|день|дня|дней|сутки|суток|недел[юиья]|недель|месяц|месяца|месяцев|год|года|лет)"
    r"\s+(?:тому\s+)?назад\b"
)
_MONTH_ONLY = re.compile(r"\b(?:в|во|с|со)\s+([а-я]{3,})(?:\s+(\d{4}))?")
_FALLBACK_WORDS = re.compile(
    r"прошл|позапрошл|понедельник|вторник|сред[уеа]|четверг|пятниц|суббот|воскресень"
)
_FUTURE_SLACK = dt.timedelta(days=60)  # «3 марта» this far ahead means last year's


def find_date(text: str, today: dt.date) -> Found | None:
    """The first date in the text, or None."""
    lowered = text.lower().replace("ё", "е")  # same length: spans stay valid
    finders = (_relative, _ago, _last, _iso, _numeric, _day_month, _month_only, _fallback)
    for finder in finders:
        if (found := finder(lowered, today)) is not None:
            return found
    return None


def _relative(text: str, today: dt.date) -> Found | None:
    for word, days_ago in _RELATIVE.items():
        if match := re.search(rf"\b{word}\b", text):
            return today - dt.timedelta(days=days_ago), match.start(), match.end()
    return None


def _ago(text: str, today: dt.date) -> Found | None:
    match = _AGO.search(text)
    if match is None:
        return None
    count = int(match[1]) if match[1] else _COUNTS.get(match[2] or "", 1)
    unit = match[3]
    if unit.startswith(("дн", "ден", "сут")):
        day = today - dt.timedelta(days=count)
    elif unit.startswith("недел"):
        day = today - dt.timedelta(weeks=count)
    elif unit.startswith("месяц"):
        day = add_months(today, -count)
    else:
        day = add_months(today, -12 * count)
    return day, match.start(), match.end()


def _last(text: str, today: dt.date) -> Found | None:
    """«на прошлой неделе» → a week ago; «в прошлом месяце» → the 1st of last month. Rough,
    so the plan errs towards the earlier date: a deadline shown too early, never too late."""
    match = _LAST.search(text)
    if match is None:
        return None
    if match[1] == "прошлой":
        day = today - dt.timedelta(days=today.weekday() + 7)  # Monday of last week
    elif match[1]:
        day = today - dt.timedelta(days=today.weekday() + 14)
    else:
        day = add_months(today, -1).replace(day=1)
    return day, match.start(), match.end()


def _iso(text: str, today: dt.date) -> Found | None:
    match = _ISO.search(text)
    day = _safe(int(match[1]), int(match[2]), int(match[3])) if match else None
    return (day, match.start(), match.end()) if day and match else None


def _numeric(text: str, today: dt.date) -> Found | None:
    match = _NUMERIC.search(text)
    day = _with_year(int(match[1]), int(match[2]), match[3], today) if match else None
    return (day, match.start(), match.end()) if day and match else None


def _day_month(text: str, today: dt.date) -> Found | None:
    for match in _DAY_MONTH.finditer(text):
        month = _month(match[4], abbreviated=True)
        if month is None:
            continue
        if match[1]:
            number = int(match[1])
        elif match[2]:
            number = (30 if match[0].startswith("тридцать") else 20) + _ORDINALS[match[2]]
        else:
            number = _ORDINALS[match[3]]
        day = _with_year(number, month, match[5], today)
        if day is not None:
            return day, match.start(), match.end()
    return None


def _month_only(text: str, today: dt.date) -> Found | None:
    """«в сентябре»: the first day of the latest such month (a plan counts from it)."""
    for match in _MONTH_ONLY.finditer(text):
        month = _month(match[1], abbreviated=False)
        if month is None:
            continue
        day = _with_year(1, month, match[2], today)
        if day is not None:
            return day, match.start(), match.end()
    return None


def _month(word: str, *, abbreviated: bool) -> int | None:
    """«сентября», «сентябре», «сент» (after a day only) → 9; «декрет» is no month."""
    if word in _MAY:
        return 5
    if abbreviated and word in _ABBREVIATED:
        return _ABBREVIATED[word]
    for stem, month in _MONTH_STEMS.items():
        if word.startswith(stem) and word[len(stem) :] in _MONTH_ENDINGS:
            return month
    return None


def _fallback(text: str, today: dt.date) -> Found | None:
    if not _FALLBACK_WORDS.search(text):
        return None
    found = _search(text, today)
    if not found:
        return None
    phrase, moment = found[0]
    start = text.find(phrase)
    return moment.date(), max(start, 0), max(start, 0) + len(phrase)


def _search(text: str, today: dt.date) -> list[tuple[str, dt.datetime]]:
    from dateparser.search import search_dates  # loads its data on first use only

    base = dt.datetime.combine(today, dt.time(12))
    settings: dict[str, Any] = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
    }
    return list(search_dates(text, languages=["ru"], settings=settings) or [])


def _with_year(day: int, month: int, year_text: str | None, today: dt.date) -> dt.date | None:
    if year_text is None:
        guess = _safe(today.year, month, day)
        if guess is not None and guess - today > _FUTURE_SLACK:
            guess = _safe(today.year - 1, month, day)
        return guess
    year = int(year_text)
    if year < 100:
        year += 2000 if 2000 + year <= today.year + 1 else 1900
    return _safe(year, month, day)


@lru_cache(maxsize=1024)
def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
