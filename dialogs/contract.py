"""The engine's contract with every channel: frozen value objects, nothing channel-specific.

In the spirit of Rasa's ``UserMessage`` (what came in) and ``CollectingOutputChannel``
(what goes out): adapters map their updates to ``IncomingEvent`` and render ``Reply``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """One thing a citizen did: typed text or pressed a button (``payload``)."""

    channel: str
    user_id: str
    chat_id: str
    at: dt.datetime
    text: str | None = None
    payload: str | None = None
    event_id: str | None = None  # the channel's update id: the same update is handled once

    @property
    def session_key(self) -> str:
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str  # a short id, never content: Telegram allows 64 bytes of callback data


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to show. ``buttons`` are rows of buttons.

    ``is_menu`` marks navigation screens a channel may show by editing its previous menu
    message instead of stacking a new one.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    is_menu: bool = False

    @property
    def all_buttons(self) -> tuple[Button, ...]:
        return tuple(button for row in self.buttons for button in row)


@dataclass(frozen=True, slots=True)
class Address:
    """Where a proactive message goes: the channel and its chat."""

    channel: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Replies the engine sends on its own initiative (the idle survey)."""

    address: Address
    replies: tuple[Reply, ...]
    conversation_id: str = ""
    delivery_id: str = ""  # its row in the outbox: deleted once delivered
