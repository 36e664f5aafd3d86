"""A typed line to an engine event: a number picks one of the last choices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dialogs.contract import IncomingEvent

CHANNEL = "console"


def to_event(line: str, choices: Sequence[str], user: str, at: dt.datetime) -> IncomingEvent:
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return IncomingEvent(CHANNEL, user, user, at, payload=choices[int(text) - 1])
    return IncomingEvent(CHANNEL, user, user, at, text=text)
