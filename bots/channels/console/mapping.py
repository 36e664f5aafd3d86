"""A typed line to an engine event: a number picks one of the last choices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bots.shared.text_choices import chosen
from dialogs.contract import IncomingEvent

CHANNEL = "console"


def to_event(line: str, choices: Sequence[str], user: str, at: dt.datetime) -> IncomingEvent:
    text = line.strip()
    if (payload := chosen(text, choices)) is not None:
        return IncomingEvent(CHANNEL, user, user, at, payload=payload)
    return IncomingEvent(CHANNEL, user, user, at, text=text)
