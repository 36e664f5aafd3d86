"""``lifebot chat``: the whole assistant in a terminal, or scripted through a pipe.

The console is a channel like the others: it satisfies ``bots.channels.contract.Channel`` and
the runtime runs it the same way. Buttons are shown as numbered choices (``bots.shared``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from typing import TextIO

from bots.channels.console.config import ConsoleConfig
from bots.channels.console.mapping import CHANNEL, to_event
from bots.channels.contract import Channel, ChannelServices
from bots.shared.edge import Edge
from bots.shared.text_choices import Screen, render
from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine

PROMPT = "> "
Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ConsoleChat:
    """``engine``: an edge, or an engine to give an edge of its own."""

    name = CHANNEL

    def __init__(
        self,
        engine: DialogEngine | Edge,
        user: str,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        clock: Clock = _utc_now,
    ) -> None:
        self._edge = engine if isinstance(engine, Edge) else Edge(engine)
        self._user = user
        self._in = stdin
        self._out = stdout
        self._clock = clock
        self._choices: tuple[str, ...] = ()
        self.interactive = stdin.isatty()

    @property
    def proactive(self) -> bool:
        """Only a person at a terminal gets the idle survey; a script stays as typed."""
        return self.interactive

    async def run(self) -> None:
        """Until the input ends."""
        await self.receive(asyncio.Event())

    async def receive(self, stop: asyncio.Event) -> None:
        await self._turn("/start")
        while not stop.is_set():
            line = await asyncio.to_thread(self._read_line)
            if line is None:
                return
            if line.strip():
                await self._turn(line)

    async def deliver(self, outgoing: Outgoing) -> None:
        if outgoing.address.chat_id == self._user:
            self._write("")
            self._show(render(outgoing.replies))
            self._out.write(PROMPT)
            self._out.flush()

    def is_unreachable(self, error: Exception) -> bool:
        return False  # a terminal never blocks us

    async def close(self) -> None:
        self._out.flush()

    def _read_line(self) -> str | None:
        if self.interactive:
            self._out.write(PROMPT)
            self._out.flush()
        line = self._in.readline()
        return line if line else None

    async def _turn(self, line: str) -> None:
        event = to_event(line, self._choices, self._user, self._clock())
        if not self.interactive:
            self._write(f"{PROMPT}{line.strip()}")  # a scripted transcript shows both sides
        self._show(render(await self._edge.answer(event)))

    def _show(self, screen: Screen) -> None:
        self._choices = screen.choices or self._choices
        self._write(screen.text + "\n")

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


def build(config: ConsoleConfig, services: ChannelServices) -> Channel:
    return ConsoleChat(services.edge, config.user, config.stdin, config.stdout)
