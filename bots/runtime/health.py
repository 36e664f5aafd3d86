"""The health server every bot process runs: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bots.runtime.observability import Metrics

Check = Callable[[], Awaitable[None]]


def health_app(metrics: Metrics, checks: dict[str, Check]) -> web.Application:
    """/healthz: the process answers; /readyz: every dependency answers; /metrics."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        results = {name: await _run(check) for name, check in checks.items()}
        ready = all(result == "ok" for result in results.values())
        return web.json_response({"ready": ready, "checks": results}, status=200 if ready else 503)

    async def exposition(_: web.Request) -> web.Response:
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", exposition)
    return app


async def _run(check: Check) -> str:
    try:
        await asyncio.wait_for(check(), timeout=3)
    except Exception as error:
        return f"failed: {type(error).__name__}"
    return "ok"
