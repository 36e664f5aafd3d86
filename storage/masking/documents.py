"""Documents whose number has words or letters in it: birth certificates, passports.

Bare digit runs (a passport typed as «4510 123456», SNILS, INN, cards, phones) are the
business of ``numbers``; here are the forms that number detection cannot see whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from storage.masking.work import Span

CERTIFICATE = "[свидетельство]"
PASSPORT = "[паспорт]"

# «II-МЮ № 654321», «I-АБ 123456», «IV МЮ 654321», «ІІ-МЮ» with the Ukrainian І, «11-МЮ».
_CERTIFICATE = re.compile(
    r"(?<![\w-])(?:[ivxі]{1,4}|1[0-9]?|[2-9])\s?-?\s?([а-яё]{2})\s{0,2}(?:№|n|no|#)?\s{0,2}"
    r"[0-9]{6}(?![0-9])",
    re.IGNORECASE,
)
# Lower-case letters are a certificate's only when the citizen says what it is.
_CERTIFICATE_WORDS = re.compile(r"свидетельств|св-в|серия|серии", re.IGNORECASE)

# «серия 4510, номер 123456», «серия 45 10 № 123456», «паспорт 4510 № 123456».
_PASSPORT_WORDS = re.compile(
    r"(?<!\w)(?:серия|серии|сер\.|паспорт\w{0,3})\s{0,3}[:№#]?\s{0,3}"
    r"([0-9]{2}\s?[0-9]{2})\s{0,3}[,;]?\s{0,3}"
    r"(?:(?:номер|ном\.|№|#|n|no)\s{0,3}[:.]?\s{0,3})?([0-9]{6})(?![0-9])",
    re.IGNORECASE,
)


def find_certificates(text: str) -> Iterator[Span]:
    for match in _CERTIFICATE.finditer(text):
        letters = match.group(1)
        window = text[max(0, match.start() - 40) : match.start()]
        if letters.isupper() or _CERTIFICATE_WORDS.search(window):
            yield match.start(), match.end(), CERTIFICATE


def find_passports(text: str) -> Iterator[Span]:
    for match in _PASSPORT_WORDS.finditer(text):
        yield match.start(1), match.end(2), PASSPORT
