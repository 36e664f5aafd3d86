"""Serving an aiohttp application on a port (webhooks, the health server), and the one way a
webhook channel stops: no new requests, then the updates in flight are finished, then the
application is closed (which also closes the bot's HTTP session)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bots.shared.inflight import InFlight

log = logging.getLogger("lifebot")


async def serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, web.TCPSite]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.warning("listening on %s:%s", host, port)
    return runner, site


async def serve_until(
    app: web.Application, host: str, port: int, stop: asyncio.Event, inflight: InFlight
) -> None:
    """Take requests until ``stop`` is set; return when the last update taken is answered."""
    runner, site = await serve(app, host, port)
    try:
        await stop.wait()
        await site.stop()
        await inflight.drained()
    finally:
        await runner.cleanup()
