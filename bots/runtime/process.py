"""A running assistant: one channel, and what every process runs beside it — the proactive
sender, the health server, hourly housekeeping, live reload — until SIGTERM, then a graceful
stop (no new updates, those in flight finished, pending writes flushed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Any

from bots.channels.contract import Channel
from bots.runtime.composition import Assistant
from bots.runtime.health import Readiness, job_state
from bots.runtime.housekeeping import keep_house
from bots.runtime.observability import Metrics
from bots.runtime.settings import Settings
from bots.shared.proactive import IdleSurveys
from bots.shared.stopping import Stopping, stop_gracefully
from dialogs.engine import DialogEngine

log = logging.getLogger("lifebot")
Job = Coroutine[Any, Any, None]


async def run_channel(
    channel: Channel,
    engine: DialogEngine,
    stop: asyncio.Event,
    every: dt.timedelta,
    readiness: Readiness | None = None,
    outbox_every: dt.timedelta | None = None,
    reminders_every: dt.timedelta | None = None,
) -> None:
    """Until the channel stops taking updates; its proactive sender (a sweep ``every`` so
    often) runs beside it, watched by ``readiness``."""
    idle = IdleSurveys(engine, channel.name, channel.deliver, channel.is_unreachable, every,
                       outbox_every=outbox_every, reminders_every=reminders_every)  # fmt: skip
    if channel.proactive:
        idle.start()
        if idle.task is not None:
            _watch("idle_surveys", idle.task, readiness)
    try:
        await channel.receive(stop)
    finally:
        if idle.task is not None:
            idle.task.remove_done_callback(_report_end)  # ending now is what was asked
        await idle.stop()
        await channel.close()


@asynccontextmanager
async def health_server(settings: Settings, metrics: Metrics) -> AsyncIterator[Readiness]:
    """/healthz, /readyz and /metrics from now on; /readyz says «loading» until the
    assistant is built (``Readiness.built``)."""
    from bots.runtime.health import health_app
    from bots.shared.web import serve

    readiness = Readiness(loading=("knowledge_base", "nlu"))
    runner, _ = await serve(
        health_app(metrics, readiness), settings.webhook_host, settings.health_port
    )
    try:
        yield readiness
    finally:
        await runner.cleanup()


@asynccontextmanager
async def bot_services(assistant: Assistant, readiness: Readiness) -> AsyncIterator[None]:
    """What every messenger bot process runs beside its channel: housekeeping, live reload."""
    settings = assistant.settings
    readiness.built(assistant.readiness_checks())
    reloader = assistant.reloader()
    reloader.listen_for_sighup()
    retention = settings.message_retention_days
    hourly = functools.partial(keep_house, assistant.database, retention, dt.timedelta(hours=1))
    async with background({"housekeeping": hourly, "reload": reloader.run}, readiness):
        yield


@asynccontextmanager
async def background(
    jobs: Mapping[str, Callable[[Stopping], Job]], readiness: Readiness | None = None
) -> AsyncIterator[None]:
    """Jobs that loop beside the channel until it stops (each given the ``Stopping`` to obey);
    one that ends earlier is logged at once and makes /readyz fail, naming it."""
    stopping = Stopping()
    tasks = {name: asyncio.create_task(job(stopping), name=name) for name, job in jobs.items()}
    for name, task in tasks.items():
        _watch(name, task, readiness)
    try:
        yield
    finally:
        for task in tasks.values():
            task.remove_done_callback(_report_end)  # ending now is what was asked
        await stop_gracefully(tasks.values(), stopping)


def _watch(name: str, task: asyncio.Task[Any], readiness: Readiness | None) -> None:
    task.set_name(name)
    task.add_done_callback(_report_end)
    if readiness is not None:
        readiness.watch(name, task)


def _report_end(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return  # the process is stopping
    error = task.exception()
    log.error(
        "background job %s ended (%s); the process is not ready",
        task.get_name(),
        job_state(task),
        exc_info=error,
    )
