"""Dates of birth: masked when labelled, or after «родился» when the person is 14 or older.

Every other date is the situation's (when the child was born, when the citizen was fired) and
is what analysts need; it is kept, and hidden from the number detection that follows so that
«01.03.2026, 12.03.2025» is not read as one long number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from storage.masking.work import Span

BIRTH_DATE = "[дата рождения]"
ADULT_YEARS = 14  # the age of a passport: a birth date this old is an identity document's

_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
_NUMERIC = re.compile(
    r"(?<![0-9])(?<![0-9][-./_,])"
    r"(?:(?P<d>[0-9]{1,2})(?P<s>[./-])(?P<m>[0-9]{1,2})(?P=s)(?P<y>[0-9]{4}|[0-9]{2})"
    r"|(?P<iy>[0-9]{4})-(?P<im>[0-9]{1,2})-(?P<id>[0-9]{1,2}))"
    r"(?![0-9])(?![-./_,][0-9])"
)
_WORDED = re.compile(
    rf"(?<![0-9])(?P<d>[0-9]{{1,2}})\s{{1,2}}(?P<m>{_MONTHS})\s{{1,2}}(?P<y>[0-9]{{4}})"
    r"(?:\s{0,2}(?:г\.|года|год|г)(?!\w))?",
    re.IGNORECASE,
)
# Up to two words may stand between the label and the date: «дата рождения ребенка: 1.2.2020».
_GAP = r"[\s:,.-]{0,4}(?:[а-яё]+[\s:,.-]{1,4}){0,2}$"
_LABEL_BEFORE = re.compile(
    r"(?:(?:дата|дату|даты|датой)\s{1,2}(?:\w+\s{1,2})?рождения|д\.\s?р\.?|д/р|\bдр\.)" + _GAP,
    re.IGNORECASE,
)
_LABEL_AFTER = re.compile(r"\s{0,2}(?:г\.?\s{0,2}р\.|года?\s{1,2}рождения)", re.IGNORECASE)
_BORN_BEFORE = re.compile(r"(?:родил(?:ся|ась|ись)|рожд[её]н[аы]?|рождения)" + _GAP, re.IGNORECASE)


def find_birth_dates(text: str, today: dt.date) -> Iterator[Span]:
    for match in _NUMERIC.finditer(text):
        year = _full_year(match.group("y") or match.group("iy"), today)
        day, month = _day_month(match)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        yield match.start(), match.end(), _verdict(text, match, year, today)
    for match in _WORDED.finditer(text):
        tag = _verdict(text, match, int(match.group("y")), today)
        if tag is not None:
            yield match.start(), match.end(), tag


def _verdict(text: str, match: re.Match[str], year: int, today: dt.date) -> str | None:
    before = text[max(0, match.start() - 48) : match.start()]
    after = text[match.end() : match.end() + 16]
    if _LABEL_BEFORE.search(before) or _LABEL_AFTER.match(after):
        return BIRTH_DATE
    if _BORN_BEFORE.search(before) and today.year - year >= ADULT_YEARS:
        return BIRTH_DATE
    return None


def _day_month(match: re.Match[str]) -> tuple[int, int]:
    if match.group("d") is not None:
        return int(match.group("d")), int(match.group("m"))
    return int(match.group("id")), int(match.group("im"))


def _full_year(digits: str, today: dt.date) -> int:
    if len(digits) == 4:
        return int(digits)
    year = 2000 + int(digits)
    return year if year <= today.year else year - 100
