"""Entities the engine and analysts use: region of Russia, dates, small numbers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from dialogs.ports import Classification, Entity
from nlu.dates import find_date
from nlu.normalize import lemma, transliterate
from nlu.training_data import DATA_DIR

_WORD = re.compile(r"[а-яa-z0-9]+")
_DIGITS = re.compile(r"(?<![\d.,:/-])\d{1,3}(?![\d.,:/-]*\d)")
_NUMBER_WORDS = {
    "один": 1, "одна": 1, "два": 2, "две": 2, "двое": 2, "три": 3, "трое": 3, "четыре": 4,
    "четверо": 4, "пять": 5, "пятеро": 5, "шесть": 6, "шестеро": 6, "семь": 7, "семеро": 7,
    "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Token:
    lemma: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    lowered = text.lower().replace("ё", "е")
    return [
        _Token(lemma(transliterate(m.group())), m.start(), m.end())
        for m in _WORD.finditer(lowered)
    ]


class EntityExtractor:
    def __init__(self, regions: Mapping[str, str]) -> None:
        """``regions``: any way of naming a region → its official name."""
        self._regions: dict[tuple[str, ...], str] = {}
        for variant, canonical in regions.items():
            for form in (variant, variant.split(" — ")[0]):  # «… автономный округ — Югра»
                if key := tuple(token.lemma for token in _tokens(form)):
                    self._regions[key] = canonical
        self._longest = max((len(key) for key in self._regions), default=0)

    @classmethod
    def from_rasa_data(cls, data_dir: Path = DATA_DIR) -> EntityExtractor:
        return cls(read_regions(data_dir / "regions.yml"))

    def extract(self, text: str, today: dt.date) -> tuple[Entity, ...]:
        found = list(self._find_regions(text))
        if date := find_date(text, today):
            found.append(Entity("date", date[0].isoformat(), date[1], date[2]))
        taken = [(e.start, e.end) for e in found]
        found += [n for n in self._find_numbers(text) if not _overlaps((n.start, n.end), taken)]
        return tuple(sorted(found, key=lambda e: e.start))

    def _find_regions(self, text: str) -> Iterable[Entity]:
        tokens = _tokens(text)
        index = 0
        while index < len(tokens):
            for size in range(min(self._longest, len(tokens) - index), 0, -1):
                key = tuple(t.lemma for t in tokens[index : index + size])
                if key in self._regions:
                    start, end = tokens[index].start, tokens[index + size - 1].end
                    yield Entity("region", self._regions[key], start, end)
                    index += size
                    break
            else:
                index += 1

    @staticmethod
    def _find_numbers(text: str) -> Iterable[Entity]:
        for match in _DIGITS.finditer(text):
            yield Entity("number", match.group(), match.start(), match.end())
        for token in _tokens(text):
            if (value := _NUMBER_WORDS.get(token.lemma)) is not None:
                yield Entity("number", str(value), token.start, token.end)


def _overlaps(span: tuple[int, int], taken: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def read_regions(path: Path) -> dict[str, str]:
    """Official names (the lookup table) and synonyms from a Rasa NLU file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names: dict[str, str] = {}
    for item in document.get("nlu") or []:
        lines = [line.strip()[2:] for line in str(item.get("examples", "")).splitlines()]
        variants = [line.strip() for line in lines if line.strip()]
        if item.get("lookup") == "region":
            names |= {name: name for name in variants}
        elif "synonym" in item:
            names |= {variant: str(item["synonym"]) for variant in variants}
    return names


class EntitiesOnly:
    """A classifier that knows no intent and reads only dates and numbers, as from a citizen:
    the editors' preview presses buttons and types dates, and needs no trained model."""

    def __init__(self, extractor: EntityExtractor | None = None) -> None:
        self._extractor = extractor or EntityExtractor.from_rasa_data()

    async def classify(self, text: str, today: dt.date | None = None) -> Classification:
        return Classification((), self._extractor.extract(text, today or dt.date.today()))
