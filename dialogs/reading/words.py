"""Words and phrases: normalised tokens, a crude Russian stemmer, phrase search with negation.

The stemmer is deliberately simple: it cuts a common ending and keeps six letters, so that
«работаю», «работает» and «работу» meet; a one-letter typo in a long word is forgiven.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[а-яa-z0-9]+")
_ENDING_WORDS = (
    "ями ами ого его ому ему ыми ими ой ей ий ый ая яя ое ее ую юю ов ев ам ям ах ях "
    "ом ем ым им ешь ете ет ут ют ит ат ят ишь ал ала али ило ил ила или ть ться тся "
    "ась ись аю яю ает яет аем яем ают яют ует уют ешься ется ьте ите ью ия ие ья ье "
    "ию ии ией иям иях а я о е ы и у ю ь й"
)
_ENDINGS = frozenset(_ENDING_WORDS.split())
# Longest first: of the endings a word has, the longest is cut (at most one of each length).
_ENDING_LENGTHS = tuple(sorted({len(e) for e in _ENDINGS}, reverse=True))
NEGATIONS = frozenset({"не", "ни"})
DENIALS = frozenset({"нет", "нету"})
STEM_LENGTH = 6
PREFIX_MIN = 5  # «работ» meets «работа»; «един» does not meet «единов(ременное)»


def normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def as_number(word: str, digits: int = 6) -> int | None:
    """A number a person could mean: decimal digits only («²» and «③» are not), and short
    (a pasted run of thousands of digits is no answer, and too long for ``int``)."""
    return int(word) if word.isdecimal() and len(word) <= digits else None


@lru_cache(maxsize=1 << 16)  # citizens use the same words: each is cut once
def stem(word: str) -> str:
    if word.isdigit() or len(word) <= 3:
        return word
    for length in _ENDING_LENGTHS:
        if len(word) - length >= 3 and word[-length:] in _ENDINGS:
            return word[:-length][:STEM_LENGTH]
    return word[:STEM_LENGTH]


def stems(text: str) -> list[str]:
    return [stem(word) for word in words(text)]


@lru_cache(maxsize=1 << 16)  # the same pairs of stems meet turn after turn
def same(a: str, b: str) -> bool:
    """Two stems of one word: equal, one a prefix of the other, or one typo apart."""
    if a == b:
        return True
    if min(len(a), len(b)) >= PREFIX_MIN and (a.startswith(b) or b.startswith(a)):
        return True
    return min(len(a), len(b)) >= 5 and _one_edit(a, b)


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@dataclass(frozen=True, slots=True)
class Message:
    """A citizen's text, tokenised once per turn."""

    text: str
    words: tuple[str, ...]
    stems: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Message:
        found = words(text)
        return cls(text, tuple(found), tuple(stem(word) for word in found))


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase to look for: its stems in order, a little slack between them allowed."""

    text: str
    stems: tuple[str, ...]
    negative: bool  # the phrase itself says «не …»: a «не» before it is part of it
    gap: int = 2

    @classmethod
    def of(cls, text: str) -> Phrase:
        found = words(text)
        return cls(text, tuple(stem(w) for w in found), bool(found) and found[0] in NEGATIONS)

    @property
    def size(self) -> int:
        return len(self.stems)

    def find(self, message: Message, *, from_start: int | None = None) -> int | None:
        """Where the phrase starts in the message, or None; a match right after «не» does not
        count unless the phrase is negative itself. ``from_start``: only within the first N
        words."""
        if not self.stems:
            return None
        limit = len(message.stems) if from_start is None else min(from_start, len(message.stems))
        for start in range(limit):
            if not same(message.stems[start], self.stems[0]):
                continue
            if not self.negative and start and message.words[start - 1] in NEGATIONS:
                continue
            end = self._end(message, start)
            if end is None:
                continue
            after = message.words[end + 1] if end + 1 < len(message.words) else ""
            if not self.negative and after in DENIALS:
                continue  # «ипотеки нет», «детей нету»
            return start
        return None

    def _end(self, message: Message, start: int) -> int | None:
        """The index of the phrase's last word in the message, if the rest follows."""
        position = start
        for wanted in self.stems[1:]:
            window = message.stems[position + 1 : position + 2 + self.gap]
            step = next((i for i, s in enumerate(window) if same(s, wanted)), None)
            if step is None:
                return None
            position += step + 1
        return position

    def equals(self, message: Message) -> bool:
        return len(message.stems) == len(self.stems) and all(
            same(a, b) for a, b in zip(message.stems, self.stems, strict=True)
        )


def phrases(texts: Iterable[str]) -> tuple[Phrase, ...]:
    return tuple(p for p in (Phrase.of(t) for t in texts) if p.stems)


def best(found: Sequence[tuple[int, str]]) -> list[str]:
    """The ids with the highest score (several when tied)."""
    if not found:
        return []
    top = max(score for score, _ in found)
    return sorted({key for score, key in found if score == top})
