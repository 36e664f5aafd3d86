"""Starting the assistant in a channel: what every ``lifebot`` command that talks to citizens
calls. Settings are checked first (``Settings`` validates them as they are read), then the
database is readied; a bot then opens its health server, and only then are the slow parts (the
knowledge base, the NLU) built; then the channel runs until it stops."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import importlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.engine import make_url

from bots.channels.contract import Channel, ChannelServices
from bots.runtime.channels import build_channel, channel_config, registration
from bots.runtime.composition import Assistant, build_assistant, configure
from bots.runtime.lifecycle import stop_signal
from bots.runtime.observability import Metrics
from bots.runtime.process import background, bot_services, health_server, run_channel
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
    configure(settings)
    every = dt.timedelta(seconds=settings.idle_check_seconds)
    if registration(name).messenger:
        await _run_bot(name, settings, config, every)
        return
    async with _assistant(settings) as assistant:
        channel = _channel(name, config, assistant)
        # A person at a terminal (not a script) may edit the content and try it at once.
        reloading = {"reload": assistant.reloader().run} if channel.proactive else {}
        async with background(reloading):
            await run_channel(channel, assistant.engine, asyncio.Event(), every,
                              outbox_every=_outbox_every(settings),
                              reminders_every=_reminders_every(settings))  # fmt: skip


async def _run_bot(name: str, settings: Settings, config: Any, every: dt.timedelta) -> None:
    """The health server answers while the assistant is being built (/readyz: «loading»)."""
    metrics = Metrics()
    async with health_server(settings, metrics) as readiness:
        # The messenger's framework takes seconds to import: beside the build, off the loop.
        framework = asyncio.create_task(asyncio.to_thread(_import_quietly, name))
        try:
            async with _assistant(settings, metrics) as assistant:
                await framework
                channel = _channel(name, config, assistant)
                async with bot_services(assistant, readiness):
                    await run_channel(channel, assistant.engine, stop_signal(), every,
                                      readiness, _outbox_every(settings),
                                      _reminders_every(settings))  # fmt: skip
        finally:
            framework.cancel()  # the build failed: nothing waits for the import any more


def _outbox_every(settings: Settings) -> dt.timedelta:
    return dt.timedelta(seconds=settings.outbox_check_seconds)


def _reminders_every(settings: Settings) -> dt.timedelta:
    return dt.timedelta(seconds=settings.reminder_check_seconds)


def _import_quietly(name: str) -> None:
    """Import the channel's module now; if it cannot be, ``build_channel`` will say why."""
    with contextlib.suppress(ImportError):
        importlib.import_module(registration(name).module)


def _channel(name: str, config: Any, assistant: Assistant) -> Channel:
    settings = assistant.settings
    inflight = InFlight(settings.shutdown_grace_seconds)
    edge = Edge(assistant.engine, assistant.flood, inflight, settings.max_concurrent_turns,
                group_chats=settings.allow_group_chats)  # fmt: skip
    return build_channel(name, config, ChannelServices(edge, assistant.redis))


@contextlib.asynccontextmanager
async def _assistant(
    settings: Settings, metrics: Metrics | None = None
) -> AsyncIterator[Assistant]:
    assistant = await build_assistant(settings, metrics)
    # The knowledge base, the NLU model and the libraries are hundreds of thousands of objects
    # that live as long as the process: out of the collector's sight, its full passes (which
    # a citizen waits through) look only at what turns make.
    gc.collect()
    gc.freeze()
    try:
        yield assistant
    finally:
        await assistant.close()  # pending writes are flushed, connections closed
