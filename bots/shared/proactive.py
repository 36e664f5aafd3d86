"""Messages the assistant sends first (today: the survey after an idle conversation), the same
for every channel: sweep, deliver through the channel, record a citizen who cannot be reached."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine

log = logging.getLogger("lifebot.idle")
Deliver = Callable[[Outgoing], Awaitable[None]]
Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def send_idle_surveys(
    engine: DialogEngine, channel: str, send: Deliver, every: dt.timedelta, clock: Clock = _utc_now
) -> None:
    """Forever: close idle conversations and send their surveys through ``send``."""
    while True:
        try:
            for outgoing in await engine.sweep_idle(channel, clock()):
                await _send_one(send, outgoing)
        except Exception:
            log.exception("idle survey sweep failed; will retry")
        await asyncio.sleep(every.total_seconds())


async def _send_one(send: Deliver, outgoing: Outgoing) -> None:
    """One citizen's failed delivery never keeps the others of the batch from theirs."""
    try:
        await send(outgoing)
    except Exception as error:
        log.error("idle survey of conversation %s not delivered: %s",
                  outgoing.conversation_id, type(error).__name__)  # fmt: skip


@dataclass
class IdleSurveys:
    """The idle-survey sender a channel runs beside itself."""

    engine: DialogEngine
    channel: str
    deliver: Deliver
    unreachable: Callable[[Exception], bool]  # «the citizen blocked us»: record, never retry
    every: dt.timedelta
    task: asyncio.Task[None] | None = None

    async def send(self, outgoing: Outgoing) -> None:
        """Deliver, then confirm: a crash in between means the survey comes again, later."""
        try:
            await self.deliver(outgoing)
        except Exception as error:
            if not self.unreachable(error):
                raise
            log.info(
                "%s: the citizen of conversation %s refuses messages; survey not delivered",
                self.channel,
                outgoing.conversation_id,
            )  # never the chat id: it is personal
            await self.engine.citizen_unreachable(outgoing, _utc_now())
            return
        await self.engine.delivered(outgoing)

    def start(self) -> None:
        self.task = asyncio.create_task(
            send_idle_surveys(self.engine, self.channel, self.send, self.every)
        )

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
