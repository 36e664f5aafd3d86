"""A test driver that talks to the engine the way a citizen would: text and button labels."""

from __future__ import annotations

import datetime as dt
import uuid

from bots.channels.console.mapping import CHANNEL as CONSOLE
from bots.channels.console.mapping import to_event
from bots.shared.edge import answer
from bots.shared.text_choices import render
from dialogs.contract import Button, IncomingEvent, Reply
from dialogs.engine import DialogEngine

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Chat:
    def __init__(
        self, engine: DialogEngine, user: str = "citizen-1", channel: str = "test"
    ) -> None:
        self.engine = engine
        self.user = user
        self.channel = channel
        self.now = START
        self.replies: list[Reply] = []

    def tick(self, seconds: float = 5) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now

    async def say(self, text: str) -> list[Reply]:
        event = IncomingEvent(
            self.channel, self.user, f"chat-{self.user}", self.tick(), text=text,
            event_id=uuid.uuid4().hex,  # as a messenger numbers its updates: claimed once
        )  # fmt: skip
        self.replies = await self.engine.handle(event)
        return self.replies

    async def press(self, label: str) -> list[Reply]:
        """Press the button with this label (or label start) among the last replies."""
        return await self.press_payload(self.button(label).payload)

    async def press_payload(self, payload: str) -> list[Reply]:
        event = IncomingEvent(
            self.channel, self.user, f"chat-{self.user}", self.tick(), payload=payload,
            event_id=uuid.uuid4().hex,
        )  # fmt: skip
        self.replies = await self.engine.handle(event)
        return self.replies

    def button(self, label: str) -> Button:
        for reply in reversed(self.replies):
            for button in reply.all_buttons:
                if button.label == label or button.label.startswith(label):
                    return button
        shown = [b.label for r in self.replies for b in r.all_buttons]
        raise AssertionError(f"no button {label!r}; shown: {shown}")

    @property
    def text(self) -> str:
        return "\n\n".join(reply.text for reply in self.replies)

    @property
    def labels(self) -> list[str]:
        return [b.label for r in self.replies for b in r.all_buttons]


class ConsoleTyping(Chat):
    """The same citizen typing into ``lifebot chat``: a press is the button's number, typed.

    Replies go through the console's own mapping and numbered rendering, so a behaviour
    tested with it holds in numbered-choice mode (the console, VK clients without keyboards).
    """

    def __init__(self, engine: DialogEngine, user: str = "citizen-1") -> None:
        super().__init__(engine, user, channel=CONSOLE)
        self.choices: tuple[str, ...] = ()
        self.screen = ""

    async def say(self, text: str) -> list[Reply]:
        event = to_event(text, self.choices, self.user, self.tick())
        self.replies = await answer(self.engine, event)
        shown = render(self.replies)
        self.choices = shown.choices or self.choices
        self.screen = shown.text
        return self.replies

    async def press_payload(self, payload: str) -> list[Reply]:
        if payload not in self.choices:
            raise AssertionError(f"no numbered choice for {payload!r}: {self.choices}")
        return await self.say(str(self.choices.index(payload) + 1))
