"""A graceful stop for the loops that run beside a channel (idle surveys, housekeeping, live
reload). The work in progress finishes and the loop ends at its next pause: a sweep cancelled
mid-transaction would leave the pool closing a connection while cancelled, which SQLAlchemy
reports as an error with a traceback on every shutdown. Only a loop stuck longer than the
grace period (a frozen database) is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

GRACE_SECONDS = 5.0  # well inside the 10 s a container gets between SIGTERM and SIGKILL


class Stopping:
    def __init__(self) -> None:
        self._requested = asyncio.Event()

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def request(self) -> None:
        self._requested.set()

    async def pause(self, seconds: float, wake: asyncio.Event | None = None) -> bool:
        """Sleep ``seconds`` unless a stop (or ``wake``) comes first; False: end the loop."""
        waits = [asyncio.ensure_future(self._requested.wait())]
        if wake is not None:
            waits.append(asyncio.ensure_future(wake.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return not self.requested


async def stop_gracefully(
    tasks: Collection[asyncio.Task[Any]], stopping: Stopping, grace: float = GRACE_SECONDS
) -> None:
    """Ask the loops to end, give them ``grace`` seconds, then cancel the ones still busy."""
    stopping.request()
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=grace)
    for task in late:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
