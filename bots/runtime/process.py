"""A running assistant: one channel, and what every process runs beside it — the proactive
sender, the health server, hourly housekeeping, live reload — until SIGTERM, then a graceful
stop (no new updates, those in flight finished, pending writes flushed)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from bots.channels.contract import Channel
from bots.runtime.composition import Assistant
from bots.runtime.housekeeping import keep_house
from bots.shared.proactive import IdleSurveys
from dialogs.engine import DialogEngine


async def run_channel(
    channel: Channel, engine: DialogEngine, stop: asyncio.Event, every: dt.timedelta
) -> None:
    """Until the channel stops taking updates; its proactive sender (a sweep ``every`` so
    often) runs beside it."""
    idle = IdleSurveys(engine, channel.name, channel.deliver, channel.is_unreachable, every)
    if channel.proactive:
        idle.start()
    try:
        await channel.receive(stop)
    finally:
        await idle.stop()
        await channel.close()


@asynccontextmanager
async def bot_services(assistant: Assistant) -> AsyncIterator[None]:
    """What every messenger bot process runs: the health server, housekeeping, live reload."""
    from bots.runtime.health import health_app
    from bots.shared.web import serve

    settings = assistant.settings
    health = health_app(assistant.metrics, assistant.readiness_checks())
    runner, _ = await serve(health, settings.webhook_host, settings.health_port)
    reloader = assistant.reloader()
    reloader.listen_for_sighup()
    retention = settings.message_retention_days
    hourly = keep_house(assistant.database, retention, dt.timedelta(hours=1))
    async with background(hourly, reloader.run()):
        try:
            yield
        finally:
            await runner.cleanup()


@asynccontextmanager
async def background(*jobs: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Jobs that loop forever beside the channel, cancelled when it stops."""
    tasks = [asyncio.create_task(job) for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
