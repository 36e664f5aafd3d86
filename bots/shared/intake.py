"""Pulling updates (long polling) the same way in every channel: wait for the next batch or
for the stop, whichever comes first, and take the batch only after the previous one was
handled, which is what makes polling at least once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def unless_stopped(request: Awaitable[T], stop: asyncio.Event) -> asyncio.Future[T] | None:
    """The finished request (its result or its error), or None if ``stop`` came first: then
    the request is cancelled and whatever it would have fetched stays unconfirmed."""
    fetch = asyncio.ensure_future(request)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if fetch.done():
        return fetch
    fetch.cancel()
    return None
