"""The health server every bot process runs: liveness, readiness, Prometheus metrics.

It starts before the slow build (the knowledge base, the NLU), so an orchestrator sees the
process alive at once and not ready until the assistant can answer; afterwards a background
loop that ended (it never should) makes the process not ready, by name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bots.runtime.observability import Metrics

if TYPE_CHECKING:  # aiohttp comes with a messenger's extra; the console runs without it
    from aiohttp import web

Check = Callable[[], Awaitable[None]]
RUNNING = "running"


class Readiness:
    """What /readyz answers: parts still being built, the dependencies' checks once built,
    and the background loops watched."""

    def __init__(self, loading: Iterable[str] = ()) -> None:
        self._loading = tuple(loading)
        self._checks: dict[str, Check] = {}
        self._jobs: dict[str, asyncio.Task[Any]] = {}

    def built(self, checks: Mapping[str, Check]) -> None:
        """The assistant is built: from now on its dependencies are asked."""
        self._loading = ()
        self._checks = dict(checks)

    def watch(self, name: str, task: asyncio.Task[Any]) -> None:
        self._jobs[name] = task

    async def report(self) -> tuple[bool, dict[str, Any]]:
        checks = {name: "loading" for name in self._loading}
        checks |= {name: await _run(check) for name, check in self._checks.items()}
        jobs = {name: job_state(task) for name, task in self._jobs.items()}
        ready = all(v == "ok" for v in checks.values()) and all(
            v == RUNNING for v in jobs.values()
        )
        return ready, {"ready": ready, "checks": checks, "background": jobs}


def job_state(task: asyncio.Task[Any]) -> str:
    """«running», or how a loop that should run forever ended."""
    if not task.done():
        return RUNNING
    if task.cancelled():
        return "stopped"
    error = task.exception()
    return f"stopped: {type(error).__name__}" if error is not None else "stopped"


def health_app(metrics: Metrics, readiness: Readiness) -> web.Application:
    """/healthz: the process answers; /readyz: built, every dependency answers, every
    background loop runs; /metrics."""
    from aiohttp import web

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        ready, body = await readiness.report()
        return web.json_response(body, status=200 if ready else 503)

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
