"""Starting the assistant in a channel: what every ``lifebot`` command that talks to citizens
calls. Settings are checked first, then the database is readied, then the slow parts (the
knowledge base, the NLU) are built, then the channel runs until it stops."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.engine import make_url

from bots.channels.contract import ChannelServices
from bots.runtime.channels import build_channel, channel_config, registration
from bots.runtime.composition import Assistant, build_assistant
from bots.runtime.lifecycle import stop_signal
from bots.runtime.process import background, bot_services, run_channel
from bots.runtime.settings import Settings
from bots.shared.edge import Edge
from bots.shared.inflight import InFlight
from storage.migrate import upgrade


def prepare(name: str, settings: Settings, **options: Any) -> Any:
    """The channel's checked config; the embedded SQLite database migrated.

    PostgreSQL is migrated by its own job (``lifebot db upgrade``), so that replicas starting
    together do not race; the console migrates whatever it is given (a fresh machine must work).
    """
    config = channel_config(name, settings, **options)
    sqlite = make_url(settings.database_url).drivername.startswith("sqlite")
    if sqlite or not registration(name).messenger:
        upgrade(settings.database_url)
    return config


async def run(name: str, settings: Settings, config: Any) -> None:
    """Until SIGTERM (a bot) or the end of the input (the console)."""
    async with _assistant(settings) as assistant:
        edge = Edge(assistant.engine, assistant.flood, InFlight(settings.shutdown_grace_seconds))
        services = ChannelServices(edge, assistant.redis)
        channel = build_channel(name, config, services)
        every = dt.timedelta(seconds=settings.idle_check_seconds)
        if registration(name).messenger:
            async with bot_services(assistant):
                await run_channel(channel, assistant.engine, stop_signal(), every)
            return
        # A person at a terminal (not a script) may edit the content and try it at once.
        reloading = [assistant.reloader().run()] if channel.proactive else []
        async with background(*reloading):
            await run_channel(channel, assistant.engine, asyncio.Event(), every)


@contextlib.asynccontextmanager
async def _assistant(settings: Settings) -> AsyncIterator[Assistant]:
    assistant = await build_assistant(settings)
    try:
        yield assistant
    finally:
        await assistant.close()  # pending writes are flushed, connections closed
