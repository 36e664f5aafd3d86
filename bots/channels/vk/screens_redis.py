"""VK's screen memory in Redis: every replica pages the same keyboard the same way."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence

from redis.asyncio import Redis

from bots.channels.vk.screens import TTL, PagedKeyboard, dump_pages, load_pages


class RedisScreens:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def keep_pages(self, paged: PagedKeyboard) -> str:
        token = secrets.token_hex(4)
        await self._redis.set(f"lifebot:vk:pages:{token}", dump_pages(paged), ex=int(TTL))
        return token

    async def pages(self, token: str) -> PagedKeyboard | None:
        raw = await self._redis.get(f"lifebot:vk:pages:{token}")
        return load_pages(raw) if raw else None

    async def keep_choices(self, peer_id: str, choices: Sequence[str]) -> None:
        value = json.dumps(list(choices))
        await self._redis.set(f"lifebot:vk:choices:{peer_id}", value, ex=int(TTL))

    async def choices(self, peer_id: str) -> tuple[str, ...]:
        raw = await self._redis.get(f"lifebot:vk:choices:{peer_id}")
        return tuple(json.loads(raw)) if raw else ()
