"""``lifebot chat``: the whole assistant in a terminal, or scripted through a pipe."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
from collections.abc import Callable
from typing import TextIO

from bots.channels.console.mappers import CHANNEL, to_event
from bots.shared.edge import answer, send_idle_surveys
from bots.shared.text_choices import Screen, render
from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine

PROMPT = "> "
Clock = Callable[[], dt.datetime]


class ConsoleChat:
    def __init__(
        self,
        engine: DialogEngine,
        user: str,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        clock: Clock = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._engine = engine
        self._user = user
        self._in = stdin
        self._out = stdout
        self._clock = clock
        self._choices: tuple[str, ...] = ()
        self.interactive = stdin.isatty()

    async def run(self, idle_check: dt.timedelta | None = None) -> None:
        sweeper = None
        if self.interactive and idle_check is not None:
            sweeper = asyncio.create_task(
                send_idle_surveys(self._engine, CHANNEL, self._show_outgoing, idle_check)
            )
        try:
            await self._turn("/start")
            while (line := await asyncio.to_thread(self._read_line)) is not None:
                if line.strip():
                    await self._turn(line)
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper

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
        self._show(render(await answer(self._engine, event)))

    async def _show_outgoing(self, outgoing: Outgoing) -> None:
        if outgoing.address.chat_id == self._user:
            self._write("")
            self._show(render(outgoing.replies))
            self._out.write(PROMPT)
            self._out.flush()

    def _show(self, screen: Screen) -> None:
        self._choices = screen.choices or self._choices
        self._write(screen.text + "\n")

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()
