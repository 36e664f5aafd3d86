"""The idle-survey sender every channel runs: sweep, deliver, record who cannot be reached."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bots.shared.edge import send_idle_surveys
from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine

log = logging.getLogger("lifebot.idle")


@dataclass
class IdleSurveys:
    engine: DialogEngine
    channel: str
    deliver: Callable[[Outgoing], Awaitable[None]]
    unreachable: Callable[[Exception], bool]  # «the citizen blocked us»: record, never retry
    every: dt.timedelta
    task: asyncio.Task[None] | None = None

    async def send(self, outgoing: Outgoing) -> None:
        try:
            await self.deliver(outgoing)
        except Exception as error:
            if not self.unreachable(error):
                raise
            log.info("%s chat %s refuses messages; survey not delivered",
                     self.channel, outgoing.address.chat_id)  # fmt: skip
            await self.engine.citizen_unreachable(outgoing, dt.datetime.now(dt.UTC))

    def start(self) -> None:
        self.task = asyncio.create_task(
            send_idle_surveys(self.engine, self.channel, self.send, self.every)
        )

    def attach(self, app: Any) -> None:
        """Run beside an aiohttp application: start with it, stop with it."""

        async def start(_: Any) -> None:
            self.start()

        async def stop(_: Any) -> None:
            await self.stop()

        app.on_startup.append(start)
        app.on_shutdown.append(stop)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
