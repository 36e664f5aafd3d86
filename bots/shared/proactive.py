"""Messages the assistant sends first (today: the survey after an idle conversation), the same
for every channel: sweep, deliver through the channel, record a citizen who cannot be reached."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bots.shared.edge import log_failure
from bots.shared.stopping import Stopping, stop_gracefully
from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine

log = logging.getLogger("lifebot.idle")
Deliver = Callable[[Outgoing], Awaitable[None]]
Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def send_idle_surveys(
    engine: DialogEngine,
    channel: str,
    send: Deliver,
    every: dt.timedelta,
    clock: Clock = _utc_now,
    stopping: Stopping | None = None,
    outbox_every: dt.timedelta | None = None,
    reminders_every: dt.timedelta | None = None,
) -> None:
    """Until ``stopping``: close idle conversations every ``every`` and send their surveys
    through ``send``; what else the outbox holds (an operator's reply) every ``outbox_every``.
    A sweep under way when the stop comes is finished first."""
    stopping = stopping or Stopping()
    pause = min(outbox_every or every, every).total_seconds()
    idle_due = reminders_due = 0.0
    while True:
        try:
            if reminders_every is not None and time.monotonic() >= reminders_due:
                reminders_due = time.monotonic() + reminders_every.total_seconds()
                await engine.sweep_reminders(channel, clock())  # into the outbox, sent below
            if time.monotonic() >= idle_due:
                idle_due = time.monotonic() + every.total_seconds()
                outgoing = await engine.sweep_idle(channel, clock())
            else:
                outgoing = await engine.claim_outbox(channel, clock())
            for message in outgoing:
                await _send_one(send, message)
        except Exception as error:  # a database outage is one line; a bug has its traceback
            log_failure(error, "outbox sweep (will retry)")
        if not await stopping.pause(pause):
            return


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
    outbox_every: dt.timedelta | None = None  # operators' replies: seconds, not minutes
    reminders_every: dt.timedelta | None = None  # None: reminders are not looked for
    stopping: Stopping = field(default_factory=Stopping)

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
            send_idle_surveys(
                self.engine,
                self.channel,
                self.send,
                self.every,
                stopping=self.stopping,
                outbox_every=self.outbox_every,
                reminders_every=self.reminders_every,
            )
        )

    async def stop(self) -> None:
        if self.task is not None:
            await stop_gracefully([self.task], self.stopping)
            self.task = None
