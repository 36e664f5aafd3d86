"""A channel's screen memory in Redis: every replica pages the same keyboard the same way.

Redis is a convenience here, never a condition of a turn: when it is down, slow or paused,
this replica's own memory stands in (a page press that reaches another replica then finds
nothing and gets the menu again), so a Redis outage costs no citizen their answer."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bots.shared.screens import TTL, MemoryScreens, PagedKeyboard, dump_pages, load_pages

log = logging.getLogger("lifebot.screens")


class RedisScreens:
    def __init__(
        self, redis: Redis, namespace: str, fallback: MemoryScreens | None = None
    ) -> None:
        self._redis = redis
        self._prefix = f"lifebot:{namespace}"  # the channel's name: «lifebot:vk:pages:…»
        self._local = fallback or MemoryScreens()

    async def keep_pages(self, paged: PagedKeyboard) -> str:
        token = secrets.token_hex(4)
        key, value = f"{self._prefix}:pages:{token}", dump_pages(paged)
        if not await self._safely(lambda: self._redis.set(key, value, ex=int(TTL)), False):
            return await self._local.keep_pages(paged)
        return token

    async def pages(self, token: str) -> PagedKeyboard | None:
        raw = await self._safely(lambda: self._redis.get(f"{self._prefix}:pages:{token}"), None)
        return load_pages(raw) if raw else await self._local.pages(token)

    async def keep_choices(self, peer_id: str, choices: Sequence[str]) -> None:
        await self._local.keep_choices(peer_id, choices)
        value = json.dumps(list(choices))
        key = f"{self._prefix}:choices:{peer_id}"
        await self._safely(lambda: self._redis.set(key, value, ex=int(TTL)), False)

    async def choices(self, peer_id: str) -> tuple[str, ...]:
        raw = await self._safely(lambda: self._redis.get(f"{self._prefix}:choices:{peer_id}"), "")
        return tuple(json.loads(raw)) if raw else await self._local.choices(peer_id)

    async def _safely(self, call: Callable[[], Awaitable[Any]], failed: Any) -> Any:
        try:
            return await call()
        except (RedisError, OSError) as error:
            log.warning("Redis unavailable for %s screens (%s): this replica's memory is used",
                        self._prefix, type(error).__name__)  # fmt: skip
            return failed
