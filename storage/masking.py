"""Masking personal data before a citizen's words are stored.

Order matters: the most specific patterns go first (e-mail, a card number with a valid Luhn
checksum, passport with its words), then phones in their many spellings, SNILS, INN, and last
any long run of digits, so that nothing that looks like a personal number survives.
"""

from __future__ import annotations

import re

_SEP = r"[\s\-‐–—.]*"  # people type spaces, hyphens, dashes and dots between digit groups
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_CARD = re.compile(rf"(?<!\d)(?:\d{_SEP}){{12,18}}\d(?!\d)")
_SNILS = re.compile(rf"(?<!\d)\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}[\s\-]*\d{{2}}(?!\d)")
_PASSPORT_WORDS = re.compile(
    r"(?i)(серия|паспорт\w*)\s*[:№#]?\s*\d{2}\s?\d{2}\s*(?:(?:номер|№|#|n)\s*)?\d{6}"
)
_PASSPORT = re.compile(r"(?<!\d)\d{2}\s?\d{2}\s?(?:№\s?)?\d{6}(?!\d)")
_PHONE = re.compile(
    rf"(?<![\w+])(?:\+\s?7|8|7)?{_SEP}\(?\s?9\d{{2}}\s?\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}(?!\d)"
    rf"|(?<![\w+])(?:\+\s?7|8){_SEP}\(?\s?\d{{3,5}}\s?\)?{_SEP}\d{{1,3}}{_SEP}\d{{2}}{_SEP}\d{{2}}(?!\d)"
)
_INN = re.compile(r"(?i)(?<!\d)(?:инн\s*:?\s*)?(?:\d{12}|\d{10})(?!\d)")
_LONG_DIGITS = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{8,}}(?!\d)")


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
    text = _PASSPORT_WORDS.sub(lambda m: f"{m.group(1)} [паспорт]", text)
    text = _PHONE.sub("[телефон]", text)
    text = _SNILS.sub("[снилс]", text)
    text = _PASSPORT.sub("[паспорт]", text)
    text = _INN.sub("[инн]", text)
    return _LONG_DIGITS.sub("[номер]", text)
