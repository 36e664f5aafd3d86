"""What every channel adapter shares at its edge: errors become the apology, never a trace."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from dialogs.contract import IncomingEvent, Outgoing, Reply
from dialogs.engine import DialogEngine

log = logging.getLogger("lifebot.edge")


async def answer(engine: DialogEngine, event: IncomingEvent) -> list[Reply]:
    """The engine's replies, or the knowledge base's apology if anything failed."""
    try:
        return await engine.handle(event)
    except Exception:
        log.exception(
            "turn failed", extra={"channel": event.channel, "has_payload": bool(event.payload)}
        )
        return [Reply(engine.knowledge.texts.apology)]


Send = Callable[[Outgoing], Awaitable[None]]


async def send_idle_surveys(
    engine: DialogEngine,
    channel: str,
    send: Send,
    every: dt.timedelta,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> None:
    """Forever: close idle conversations and send their surveys through ``send``."""
    while True:
        try:
            for outgoing in await engine.sweep_idle(channel, clock()):
                await send(outgoing)
        except Exception:
            log.exception("idle survey sweep failed; will retry")
        await asyncio.sleep(every.total_seconds())
