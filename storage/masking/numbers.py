"""Runs of digits joined by what people type between groups: phones, cards, SNILS, INN,
passports typed as digits, and any other long number.

One pattern finds each run once (a separator is one or two punctuation marks with up to two
spaces around, or one or two spaces: never nothing, so the run is read in one pass); then
the run's digits, their grouping, its checksums and the word just before it decide the tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from storage.masking.work import Span

PHONE, CARD, SNILS, INN, PASSPORT, NUMBER = (
    "[телефон]", "[карта]", "[снилс]", "[инн]", "[паспорт]", "[номер]",
)  # fmt: skip
LONG = 9  # a number this long is masked whatever it is
_SHORTEST = 5  # a local phone after «тел»: nothing shorter is masked
_MAX_SPLIT = 12  # groups beyond this are one number: never try to split them

_SEP = r"(?:[ \t]{0,2}[-/_.,()\\|]{1,2}[ \t]{0,2}|[ \t]{1,2})"
_RUN = re.compile(rf"[0-9]+(?:{_SEP}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_CONTEXT = re.compile(
    r"(?P<snils>снилс|страхов\w*)|(?P<inn>\bинн)|(?P<passport>паспорт\w*)"
    r"|(?P<card>\bкарт[аыуеоё]\w*)"
    r"|(?P<phone>\bтел\b|телеф\w*|\bмоб\b|мобил\w*|сотов\w*|\bзвон\w*|позвон\w*|набер\w*"
    r"|whats\s?app|ват[с]?ап\w*|вотсап\w*|вацап\w*|viber|вайбер\w*|\bмой\s{1,2}номер"
    r"|номер\s{1,2}для\s{1,2}связи|для\s{1,2}связи)",
    re.IGNORECASE,
)
_AMOUNT_AFTER = re.compile(
    r"\s{0,2}(?:руб|р\.|р\b|₽|тыс|млн|млрд|\$|usd|долл|евро|€)", re.IGNORECASE
)


def find_numbers(text: str) -> Iterator[Span]:
    for match in _RUN.finditer(text):
        if match.end() - match.start() < _SHORTEST:
            continue  # most runs: «3 ребенка», «2026 год», «10:30»
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, *match.span())]
        if sum(e - s for s, e in groups) < _SHORTEST:
            continue
        before = text[max(0, match.start() - 32) : match.start()]
        context = _context(before)
        if len(groups) > 1 and _is_amount(text, groups):
            continue
        for start, end, tag in _spans(text, groups, context):
            if start == match.start():
                start = _with_prefix(text, start)
            yield start, end, tag


def _spans(text: str, groups: list[tuple[int, int]], context: str | None) -> list[Span]:
    """The whole run if it reads as one thing; else the first cut into two parts of which one
    does («звоните 89161234567 2 раза»); else a long number."""
    tag = _tag(text, groups, context)
    if tag not in (None, NUMBER) or not 1 < len(groups) <= _MAX_SPLIT:
        return [(groups[0][0], groups[-1][1], tag)] if tag else []
    for cut in range(len(groups) - 1, 0, -1):
        parts = (groups[:cut], context), (groups[cut:], None)
        found = [(g[0][0], g[-1][1], _tag(text, g, c)) for g, c in parts]
        if any(t not in (None, NUMBER) for *_, t in found):
            return [span for span in found if span[2] is not None]
    return [(groups[0][0], groups[-1][1], tag)] if tag else []


def _tag(text: str, groups: list[tuple[int, int]], context: str | None) -> str | None:
    digits = "".join(text[s:e] for s, e in groups)
    sizes = [e - s for s, e in groups]
    plus = text[max(0, groups[0][0] - 2) : groups[0][0]].rstrip().endswith("+")
    return classify(digits, sizes, context, plus)


def classify(digits: str, sizes: list[int], context: str | None, plus: bool = False) -> str | None:
    count = len(digits)
    by_context = {
        "snils": SNILS if count == 11 else None,
        "inn": INN if count in (10, 12) else None,
        "passport": PASSPORT if count in (6, 10) else None,
        "card": CARD if 13 <= count <= 19 else None,
        "phone": PHONE if 5 <= count <= 11 else None,
    }.get(context or "")
    if by_context:
        return by_context
    if 13 <= count <= 19 and luhn_ok(digits):
        return CARD
    phone = _looks_like_phone(digits, plus)
    if count == 11 and snils_ok(digits) and (sizes == [3, 3, 3, 2] or not phone):
        return SNILS
    if phone:
        return PHONE
    if count == 10 and sizes in ([4, 6], [2, 2, 6]):
        return PASSPORT
    if count in (10, 12) and inn_ok(digits):
        return INN
    return NUMBER if count >= LONG else None


def _looks_like_phone(digits: str, plus: bool) -> bool:
    if len(digits) == 11 and digits[0] in "78":
        return True
    if len(digits) == 10 and digits[0] == "9":
        return True
    return plus and 11 <= len(digits) <= 12


def _context(before: str) -> str | None:
    """The kind of the last keyword before the number, if any."""
    kinds = [match.lastgroup for match in _CONTEXT.finditer(before)]
    return kinds[-1] if kinds else None


def _is_amount(text: str, groups: list[tuple[int, int]]) -> bool:
    """«1 000 000 000 рублей»: thousands with a currency after them are money, not a number."""
    sizes = [e - s for s, e in groups]
    if not (1 <= sizes[0] <= 3 and all(size == 3 for size in sizes[1:])):
        return False
    return _AMOUNT_AFTER.match(text, groups[-1][1]) is not None


def _with_prefix(text: str, start: int) -> int:
    """«+7 (912) …» and «(495) …»: the plus and the bracket go with the number."""
    for prefix in ("+ ", "+", "("):
        if text.startswith(prefix, start - len(prefix)):
            return start - len(prefix)
    return start


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def snils_ok(digits: str) -> bool:
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    check = total if total < 100 else 0 if total in (100, 101) else total % 101 % 100
    return check == int(digits[9:])


def inn_ok(digits: str) -> bool:
    def check(part: str, weights: tuple[int, ...]) -> int:
        return sum(int(d) * w for d, w in zip(part, weights, strict=True)) % 11 % 10

    if len(digits) == 10:
        return check(digits[:9], (2, 4, 10, 3, 5, 9, 4, 6, 8)) == int(digits[9])
    return check(digits[:10], (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) == int(digits[10]) and check(
        digits[:11], (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    ) == int(digits[11])
