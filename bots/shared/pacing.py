"""Requests to a messenger paced to its limits: so many a second per bot, and a gap between
messages into one chat. A throttled request (429) is waited out and tried again, a few times,
longer each time; only then does its error reach the caller.

MAX allows 30 requests a second per bot, and bursts of more than about two messages a second
into one dialog are reported to be throttled. The pace is kept per process: replicas behind one
token each keep their own (a shared limit would need a round trip to Redis per message)."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger("lifebot.pacing")
T = TypeVar("T")
WINDOW = 1.0  # seconds the per-bot rate is counted over
FORGET_AFTER = 10_000  # chats remembered before the stale ones are dropped


@dataclass(frozen=True, slots=True)
class Pace:
    per_second: int = 30  # requests of one bot in any one second
    chat_gap: float = 0.5  # seconds between two messages into one chat
    retries: int = 4  # after a 429
    backoff: float = 1.0  # seconds before the first retry; doubled each time


class Pacer:
    def __init__(
        self,
        pace: Pace,
        throttled: Callable[[Exception], bool],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pace = pace
        self._throttled = throttled
        self._clock = clock
        self._sleep = sleep
        self._recent: collections.deque[float] = collections.deque()  # this second's requests
        self._chat_free: dict[str, float] = {}  # when each chat may get its next message

    async def call(self, chat: str | None, request: Callable[[], Awaitable[T]]) -> T:
        """``request()`` in its turn; ``chat``: the chat a message goes into (None: no gap)."""
        for attempt in range(self.pace.retries + 1):
            await self._turn(chat)
            try:
                return await request()
            except Exception as error:
                if not self._throttled(error) or attempt == self.pace.retries:
                    raise
                pause = self.pace.backoff * 2**attempt
                log.warning("the messenger asked to slow down (429); retrying in %.1f s", pause)
                await self._sleep(pause)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _turn(self, chat: str | None) -> None:
        if chat is not None:
            await self._wait_until(self._reserve_chat(chat))
        while (free_at := self._reserve_bot()) is not None:
            await self._wait_until(free_at)

    def _reserve_chat(self, chat: str) -> float:
        """When this chat's next message may go; the one after it waits a gap more."""
        now = self._clock()
        at = max(now, self._chat_free.get(chat, now))
        self._chat_free[chat] = at + self.pace.chat_gap
        if len(self._chat_free) > FORGET_AFTER:
            self._chat_free = {c: t for c, t in self._chat_free.items() if t > now}
        return at

    def _reserve_bot(self) -> float | None:
        """None: a request may go now (and is counted); else when to look again."""
        now = self._clock()
        while self._recent and self._recent[0] <= now - WINDOW:
            self._recent.popleft()
        if len(self._recent) < self.pace.per_second:
            self._recent.append(now)
            return None
        return self._recent[0] + WINDOW

    async def _wait_until(self, moment: float) -> None:
        delay = moment - self._clock()
        if delay > 0:
            await self._sleep(delay)
