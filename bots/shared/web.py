"""Serving an aiohttp application on a port (webhooks, the health server), and the one way a
webhook channel stops: no new requests, then the updates in flight are finished, then the
application is closed (which also closes the bot's HTTP session)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from aiohttp import web

from bots.shared.edge import Edge
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


def same_secret(given: Any, expected: str) -> bool:
    """Constant-time, for any value a forger sends: a header that is not ASCII (on which
    ``compare_digest`` of str raises), a number or a list in a JSON body."""
    return hmac.compare_digest(str(given).encode("utf-8", "replace"), expected.encode())


def turned_away(edge: Edge, request: web.Request, header: str, secret: str) -> web.Response | None:
    """What a webhook answers before reading the body: 401 without the secret (nothing is
    handled), 503 while as many turns run as the database can serve and as many wait for
    one (refusing must cost next to nothing; the messenger sends the update again). None: go
    on, to ``Edge.pushed``."""
    if not same_secret(request.headers.get(header, ""), secret):
        return web.Response(status=401, text="Unauthorized")
    if edge.saturated:
        return busy()
    return None


def busy() -> web.Response:
    """No turn free in time: the messenger sends the update again."""
    return web.Response(status=503, text="busy", headers={"Retry-After": "1"})


def unavailable() -> web.Response:
    """The database did not keep the update: without a 200 the messenger sends it again."""
    return web.Response(status=503, text="unavailable", headers={"Retry-After": "5"})
