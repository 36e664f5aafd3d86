"""Masking personal data before a citizen's words are stored.

``mask_personal_data(text)`` returns the text to store: every piece of personal data replaced
by a bracketed tag, everything else byte for byte as typed. Messages longer than
``MAX_CHARS`` (16,384 characters) are cut to that length first; the cut text is what is stored.

How: the patterns read a normalised copy (NFKC; zero-width and invisible characters — U+200B–
U+200D, U+2060, U+FEFF, the soft hyphen — and stress marks removed; every dash and minus made
«-»), and what they find is replaced in the original, so that nothing else of it changes.
Detectors run in this order, and what one has taken the next ones cannot see:

1. ``[email]`` — «ivan@mail.ru», and spelled or spaced: «ivan @ mail.ru», «ivan(at)mail.ru»,
   «ivan [at] mail [dot] ru», «ivan собака mail ru», «ivan точка petrov собака mail.ru».
2. ``[профиль]`` — links to a profile («vk.com/id12345», «t.me/ivanpetrov»,
   «https://ok.ru/profile/123») and @handles («@ivan_petrov»).
3. ``[свидетельство]`` — a birth certificate's series and number: «II-МЮ № 654321»
   (lower-case letters only after «свидетельство» or «серия»).
4. ``[паспорт]`` — «серия 4510, номер 123456», «паспорт 45 10 123456».
5. ``[дата рождения]`` — a date (12.03.1985, 1985-03-12, 12 марта 1985) labelled a birth date
   («дата рождения», «д.р.», «д/р», before it; «г.р.», «года рождения» after it): always;
   after «родился», «родилась», «рождён(а)»: only when its year is at least 14 years before
   today, i.e. the birth date of someone old enough for a passport. A recent birth («ребёнок
   родился 12.03.2025») is the life situation itself, which the analysts need, and stays; so
   does every date without a birth word («уволили 01.03.2026», «родила 01.12.2026») and a
   year of birth alone («я 1964 года рождения»: the retirement age depends on it, and a year
   names no one). The engine is not affected either way: it reads the unmasked text.
6. ``[адрес]`` — a street word with a name and a house number, with the postcode and town
   before it and the flat after it («ул. Садовая 5 кв 3», «улица Ленина, д. 10, кв. 25»,
   «проспект Мира 12-45», «г. Казань, ул. Баумана 1»), and «дом 5, кв. 12». A street without a
   house number is a place («в мфц на улице ленина очередь?») and stays.
   ``[индекс]`` — six digits starting with 1–6 after «индекс» or before a town or street.
7. Runs of digits with any separators (space, «-», «/», «_», «.», «,», brackets), read once:
   ``[карта]`` (13–19 digits with a valid Luhn checksum, or after «карта»), ``[снилс]``
   (11 digits with a valid checksum, or after «снилс»), ``[телефон]`` (11 digits from 7 or 8,
   10 from 9, «+» and 11–12 digits, or 5–11 digits after «тел», «телефон», «звоните», «мой
   номер»…: «234-56-78» too), ``[паспорт]`` (4+6 or 2+2+6 digits, or 6 or 10 after
   «паспорт»), ``[инн]`` (10 or 12 digits after «инн» or with a valid checksum), ``[номер]``
   (any other run of 9 or more digits). A run that is none of these whole but splits into one
   and a rest («звоните 89161234567 2 раза») is split. Thousands followed by a currency («1 000
   000 000 рублей») stay.
8. ``[имя]`` — full names and their parts: the rules are in ``storage.masking.names``.

What stays: ordinary questions, amounts, counts, years, short numbers («номер заявления
12345»), dates without a birth word, streets without a house number, ambiguous name words used
as ordinary words («вера», «надежда», «роман» at a sentence start without a verb after).

Every pattern is linear in the text: separators are bounded («\\s{0,2}»), no repetition is
nested over a separator that can be empty, and each pattern can start only where its thing
can (a look-behind refuses the middle of a word). ``benchmarks/masking.py`` prints the times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from storage.masking.addresses import find_addresses, find_postcodes
from storage.masking.contacts import find_emails, find_profiles
from storage.masking.dates import find_birth_dates
from storage.masking.documents import find_certificates, find_passports
from storage.masking.names import find_names
from storage.masking.normalise import normalise
from storage.masking.numbers import find_numbers
from storage.masking.work import Span, Work

__all__ = ["MAX_CHARS", "mask_personal_data", "mask_uncut"]

MAX_CHARS = 16_384

_DETECTORS: tuple[Callable[[str, dt.date], Iterable[Span]], ...] = (
    lambda text, _: find_emails(text),
    lambda text, _: find_profiles(text),
    lambda text, _: find_certificates(text),
    lambda text, _: find_passports(text),
    find_birth_dates,
    lambda text, _: find_addresses(text),
    lambda text, _: find_postcodes(text),
    lambda text, _: find_numbers(text),
    lambda text, _: find_names(text),
)


def mask_personal_data(text: str, today: dt.date | None = None) -> str:
    """The text to store: cut to ``MAX_CHARS``, personal data replaced by tags."""
    return mask_uncut(text[:MAX_CHARS], today or dt.date.today())


def mask_uncut(text: str, today: dt.date) -> str:
    """The masking itself on a text of any length (the benchmark measures it on 100 KB)."""
    work = Work(normalise(text))
    for detect in _DETECTORS:
        work.apply(detect(work.text, today))
    return work.masked(text)
