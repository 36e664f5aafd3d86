"""Updates in flight: every channel counts the updates it is handling, so that a stopping
process finishes them before it exits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

log = logging.getLogger("lifebot.lifecycle")


class InFlight:
    """Counts updates being handled, so shutdown can wait until there are none."""

    def __init__(self, grace: float = 30.0) -> None:
        self.grace = grace  # seconds a stopping process waits for them
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def drained(self, within: float | None = None) -> bool:
        within = self.grace if within is None else within
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            log.error("shutdown: %s updates still in flight after %.0f s", self._count, within)
            return False
        return True
