"""Per-citizen flood control, shared by every channel: a token bucket per citizen.

Someone sending far faster than a person types is slowed down (their updates wait their turn),
and past a limit their extra updates are dropped with one polite warning. Others never wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Admission:
    wait: float = 0.0  # seconds to hold the update before handling it
    drop: bool = False  # far too fast: do not handle it
    warn: bool = False  # tell the citizen to slow down (once per burst)


class FloodControl(Protocol):
    async def admit(self, channel: str, user_id: str) -> Admission: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned_at: float = float("-inf")


class MemoryFloodControl:
    """One process's view; with several replicas use the Redis implementation."""

    def __init__(
        self,
        rate: float = 2.0,
        burst: int = 6,
        max_wait: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate, self._burst, self._max_wait, self._clock = rate, burst, max_wait, clock
        self._buckets: dict[str, _Bucket] = {}

    async def admit(self, channel: str, user_id: str) -> Admission:
        now = self._clock()
        bucket = self._buckets.setdefault(f"{channel}:{user_id}", _Bucket(self._burst, now))
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        wait = max(0.0, (1 - bucket.tokens) / self._rate)
        if wait > self._max_wait:
            warn = now - bucket.warned_at > self._max_wait
            if warn:
                bucket.warned_at = now
            return Admission(drop=True, warn=warn)
        bucket.tokens -= 1  # reserved: the next one waits behind it
        if len(self._buckets) > 100_000:
            self._forget_idle(now)
        return Admission(wait=wait)

    def _forget_idle(self, now: float) -> None:
        full_after = self._burst / self._rate
        for key in [k for k, b in self._buckets.items() if now - b.updated > full_after]:
            del self._buckets[key]


async def hold(flood: FloodControl, channel: str, user_id: str) -> Admission:
    """Wait as long as the citizen's bucket asks; the caller drops the update if told to."""
    admission = await flood.admit(channel, user_id)
    if admission.wait and not admission.drop:
        await asyncio.sleep(admission.wait)
    return admission
