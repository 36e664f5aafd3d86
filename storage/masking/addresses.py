"""Street addresses with a house number, and postcodes.

A street without a house number («в мфц на улице ленина очередь?») is a place, not where
someone lives, and stays. An address is masked from its postcode or town (when they stand
right before it) to its flat: «г. Казань, ул. Баумана 1» → «[адрес]».
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from storage.masking.work import Span

ADDRESS = "[адрес]"
POSTCODE = "[индекс]"

# Nouns that are also ordinary words («проезд» is a fare, «площадь» a flat's area) count only
# as abbreviations with a dot.
_STREET_WORD = (
    r"(?:ул(?:иц[аеуы]|ицей)?|пр-к?т|пр-д|просп(?:ект[еау]?)?|пр\.|пер(?:еул(?:ок|ке|ка))?"
    r"|б-р|бульвар[еа]?|ш\.|шоссе|наб(?:ережн(?:ая|ой|ую))?|пл\.|мкрн?|микрорайон[еа]?"
    r"|тупик[еа]?|тракт[еа]?)"
)
# Most messages name no street: one quick search spares the address patterns.
_STREET_HINT = re.compile(
    r"ул|пр|пер|б-р|бульвар|ш\.|шоссе|наб|пл\.|мкр|микрорайон|тупик|тракт", re.IGNORECASE
)
_AFTER_WORD = r"(?:\.\s{0,2}|\s{1,2})"
_NAME = r"[\w][\w-]{0,39}"
# The first word of a street's name is a word, or a number that reads as one: «1-я», «8 марта».
_FIRST = (
    r"(?:[^\W\d_][\w-]{0,39}|[0-9]{1,3}-?(?:я|й|ая|ий|ой)(?!\w)"
    r"|[0-9]{1,2}\s{1,2}(?:марта|мая|лет)(?!\w))"
)
_STREET_NAME = rf"{_FIRST}(?:\.?\s{{1,2}}{_NAME}){{0,3}}"
_HOUSE = r"[0-9]{1,4}(?:[а-яa-z](?!\w))?(?:\s{0,2}[/-]\s{0,2}[0-9]{1,4}[а-яa-z]?)?"
_COMMA = r"\s{0,2},?\s{0,2}"
_HOUSE_TAIL = (
    rf"{_COMMA}(?:(?:д|дом)\.?\s{{0,2}}(?:№\s{{0,2}})?)?{_HOUSE}"
    rf"(?:{_COMMA}(?:к|корп|корпус|стр|строение)\.?\s{{0,2}}[0-9]{{1,3}})?"
    rf"(?:{_COMMA}(?:кв|квартира|кв-ра|комн|комната|офис|оф)\.?\s{{0,2}}[0-9]{{1,4}})?(?!\w)"
)
_TOWN = rf"(?:(?:г|гор|город){_AFTER_WORD}{_NAME}{_COMMA})"
_POSTCODE = rf"(?:[1-6][0-9]{{5}}{_COMMA})"
_ADDRESS = re.compile(
    rf"(?<![\w-]){_POSTCODE}?{_TOWN}?{_STREET_WORD}{_AFTER_WORD}{_STREET_NAME}{_HOUSE_TAIL}",
    re.IGNORECASE,
)
# «Садовая улица, дом 5»: the street word after the name.
_NAME_FIRST = re.compile(
    rf"(?<![\w-]){_NAME}\s{{1,2}}(?:улица|ул\.|проспект|переулок|бульвар|шоссе){_HOUSE_TAIL}",
    re.IGNORECASE,
)
# «дом 5, кв. 12» without a street: a house with a flat is still where someone lives.
_HOUSE_AND_FLAT = re.compile(
    rf"(?<![\w-])(?:д|дом[еау]?)\.?\s{{0,2}}(?:№\s{{0,2}})?{_HOUSE}{_COMMA}"
    r"(?:кв|квартира|квартире)\.?\s{0,2}[0-9]{1,4}(?!\w)",
    re.IGNORECASE,
)
_INDEX = re.compile(
    r"(?<!\w)(?:почтовый\s{1,2})?индекс\w{0,2}\s{0,2}[:№-]?\s{0,2}([1-6][0-9]{5})(?![0-9])",
    re.IGNORECASE,
)
# A postcode standing before a town, region or street.
_LEADING_POSTCODE = re.compile(
    rf"(?<![0-9])[1-6][0-9]{{5}}(?![0-9])(?={_COMMA}(?:г\.|г\s|город|ул|обл|респ|край|р-н"
    r"|район|пос|с\.|д\.|мкр|пр\.|просп))",
    re.IGNORECASE,
)


def find_addresses(text: str) -> Iterator[Span]:
    lower = text.lower()
    patterns = [_ADDRESS, _NAME_FIRST] if _STREET_HINT.search(text) else []
    if "д" in lower and "кв" in lower:
        patterns.append(_HOUSE_AND_FLAT)
    for pattern in patterns:
        for match in pattern.finditer(text):
            yield match.start(), match.end(), ADDRESS


def find_postcodes(text: str) -> Iterator[Span]:
    if "индекс" in text.lower():
        for match in _INDEX.finditer(text):
            yield match.start(1), match.end(1), POSTCODE
    for match in _LEADING_POSTCODE.finditer(text):
        yield match.start(), match.end(), POSTCODE
