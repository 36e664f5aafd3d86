"""A free-text answer to the question the bot asked: an option, a date, «не знаю», or unclear.

Context first: the text is read against the open question before anything else. Its options'
labels and synonyms come first, then numbers in an option's range, then the shared words
(«да», «нет», «не знаю», «пропустить»). Two equally good options are never guessed between.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dialogs.ports import Entity
from dialogs.reading.reader import OptionPhrases, Reader, Word
from dialogs.reading.words import Message, as_number, best, same
from knowledge_base.model import Question, Situation

Kind = Literal["option", "date", "future_date", "skip", "ambiguous", "none"]
_AGE_UNIT = re.compile(r"\s*(лет|год|годик|годков|мес)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reading:
    kind: Kind
    value: str | None = None  # the option id, or the date in ISO form
    candidates: tuple[str, ...] = ()  # option ids, when ambiguous

    @property
    def answered(self) -> bool:
        return self.kind in ("option", "date")


NOTHING = Reading("none")


def read_answer(
    reader: Reader,
    situation: Situation,
    question: Question,
    message: Message,
    entities: Sequence[Entity],
    today: dt.date,
) -> Reading:
    if question.kind == "date" and (date := first_date(entities)) is not None:
        return _dated(question, date, today)
    options = reader.options_of(situation, question)
    for found in (
        _labels(options, message),
        explicit(options, message),
        by_number(options, message, entities, need_unit=False),
        _label_starts(options, message),
    ):
        if len(found) == 1:
            return Reading("option", found[0])
        if len(found) > 1:
            return Reading("ambiguous", candidates=tuple(found))
    return _shared_word(reader, question, options, message)


def first_date(entities: Sequence[Entity]) -> dt.date | None:
    found = next((e.value for e in entities if e.entity == "date"), None)
    return dt.date.fromisoformat(found) if found else None


def _dated(question: Question, date: dt.date, today: dt.date) -> Reading:
    if question.tense == "past" and date > today:
        return Reading("future_date", date.isoformat())
    return Reading("date", date.isoformat())


def _labels(options: Sequence[OptionPhrases], message: Message) -> list[str]:
    """The whole label typed (the buttons' words, as a citizen copies them)."""
    return [o.option.id for o in options if o.label.equals(message)]


def explicit(options: Sequence[OptionPhrases], message: Message) -> list[str]:
    """Synonyms that say the option by themselves: the longest match wins."""
    scored = [
        (phrase.size, o.option.id)
        for o in options
        for phrase in o.explicit
        if phrase.find(message) is not None
    ]
    return best(scored)


def by_number(
    options: Sequence[OptionPhrases],
    message: Message,
    entities: Sequence[Entity],
    *,
    need_unit: bool,
) -> list[str]:
    """«85» or «бабушке 85 лет» → the option whose range holds it. Out of context a number
    counts only with its unit, so that «второй ребёнок» is not an age."""
    ranged = [o.option for o in options if o.option.numbers is not None]
    if not ranged:
        return []
    values = [
        value
        for e in entities
        if e.entity == "number"
        and (value := as_number(e.value)) is not None
        and (not need_unit or _AGE_UNIT.match(message.text[e.end :]))
    ]
    hits = {
        o.id for o in ranged for v in values if o.numbers is not None and o.numbers.contains(v)
    }
    return sorted(hits)


def _label_starts(options: Sequence[OptionPhrases], message: Message) -> list[str]:
    """The beginning of a label («стоим в очереди» for «Стоим в очереди»), at least a word."""
    if not message.stems:
        return []
    return [
        o.option.id for o in options if len(message.stems) <= o.label.size and _prefix(message, o)
    ]


def _prefix(message: Message, option: OptionPhrases) -> bool:
    return all(same(a, b) for a, b in zip(message.stems, option.label.stems, strict=False))


def _shared_word(
    reader: Reader, question: Question, options: Sequence[OptionPhrases], message: Message
) -> Reading:
    if reader.says(message, "unknown"):
        unknown = [o.option.id for o in options if o.option.meaning == "unknown"]
        return Reading("option", unknown[0]) if len(unknown) == 1 else Reading("skip")
    if reader.says_exactly(message, "skip") or reader.says(message, "skip"):
        return Reading("skip")
    order: tuple[Word, ...] = ("no", "yes")  # «нет» first: «да нет» means no
    for word in order:
        if reader.says(message, word):
            meant = [o.option.id for o in options if o.option.meaning == word]
            if len(meant) == 1:
                return Reading("option", meant[0])
            if len(meant) > 1:
                return Reading("ambiguous", candidates=tuple(meant))
    return NOTHING
