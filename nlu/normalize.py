"""Russian text normalisation: case, ё, Latin transliteration, lemmas (pymorphy3)."""

from __future__ import annotations

import re
from functools import lru_cache

import pymorphy3

_TOKEN = re.compile(r"[а-яa-z0-9]+")
_LATIN_WORD = re.compile(r"^[a-z']+$")
# Longest first: «shch» before «sh» before «s».
_TRANSLIT = sorted(
    {
        "shch": "щ", "sch": "щ", "zh": "ж", "kh": "х", "ch": "ч", "sh": "ш", "ts": "ц",
        "yu": "ю", "ju": "ю", "ya": "я", "ja": "я", "yo": "е", "jo": "е", "ye": "е",
        "iy": "ий", "yy": "ый", "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е",
        "z": "з", "i": "и", "y": "ы", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
        "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "h": "х", "c": "ц",
        "w": "в", "x": "кс", "j": "й", "q": "к", "'": "ь",
    }.items(),
    key=lambda pair: -len(pair[0]),
)  # fmt: skip
_MORPH = pymorphy3.MorphAnalyzer()


def transliterate(word: str) -> str:
    """«rodilsya» → «родился»; words that are not all Latin stay as they are."""
    if not _LATIN_WORD.match(word):
        return word
    out, index = [], 0
    while index < len(word):
        for latin, cyrillic in _TRANSLIT:
            if word.startswith(latin, index):
                out.append(cyrillic)
                index += len(latin)
                break
        else:
            index += 1
    return "".join(out)


def tokens(text: str) -> list[str]:
    lowered = text.lower().replace("ё", "е")
    return [transliterate(token) for token in _TOKEN.findall(lowered)]


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    if word.isdigit() or len(word) < 2:
        return word
    return str(_MORPH.parse(word)[0].normal_form).replace("ё", "е")
