"""Facts a citizen gives unasked: «жена вчера родила второго, я работаю официально».

Only what says itself counts here: a date for the event, an option's synonym, a number with
its unit. The shared «да» and «нет» answer only the question that was actually asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from dialogs.ports import Entity
from dialogs.reading.answers import by_number, explicit, first_date
from dialogs.reading.reader import Reader
from dialogs.reading.words import Message
from knowledge_base.model import Situation


def facts(
    reader: Reader,
    situation: Situation,
    message: Message,
    entities: Sequence[Entity],
    today: dt.date,
    skip: Collection[str] = (),
) -> dict[str, str]:
    """Question id → option id (or ISO date) for every question the text answers by itself."""
    found: dict[str, str] = {}
    date = first_date(entities)
    for question in situation.questions:
        if question.id in skip:
            continue
        if question.kind == "date":
            if date is not None and (question.tense != "past" or date <= today):
                found[question.id] = date.isoformat()
            continue
        options = reader.options_of(situation, question)
        hits = explicit(options, message) or by_number(options, message, entities, need_unit=True)
        if len(hits) == 1:
            found[question.id] = hits[0]
    return found
