"""Masking personal data before a citizen's words are stored.

Order matters: the most specific patterns (e-mail, card with a valid checksum, SNILS) go
first, then phones and document numbers, then any long run of digits as a safety net.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_SNILS = re.compile(r"(?<!\d)\d{3}[- ]?\d{3}[- ]?\d{3}[- ]\d{2}(?!\d)")
_PHONE = re.compile(
    r"(?<![\w])(?:\+\s?7|8|7)?[\s\-(]*\d{3}[\s\-)]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)"
)
_PASSPORT = re.compile(r"(?<!\d)\d{2}\s?\d{2}\s?(?:№\s?)?\d{6}(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{9,}(?!\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[карта]" if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group()


def mask_personal_data(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(_card, text)
    text = _SNILS.sub("[снилс]", text)
    text = _PHONE.sub("[телефон]", text)
    text = _PASSPORT.sub("[паспорт]", text)
    return _LONG_DIGITS.sub("[номер]", text)
