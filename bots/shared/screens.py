"""What a channel needs to remember between updates: pages of keyboards longer than the
messenger shows (VK, MAX), and the numbered choices shown to clients without keyboards (VK).
In memory here; in Redis (``bots.shared.screens_redis``) for several replicas."""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dialogs.contract import Button

Rows = tuple[tuple[Button, ...], ...]
TTL = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class PagedKeyboard:
    text: str
    pages: tuple[Rows, ...]


class ScreenMemory(Protocol):
    async def keep_pages(self, paged: PagedKeyboard) -> str: ...

    async def pages(self, token: str) -> PagedKeyboard | None: ...

    async def keep_choices(self, peer_id: str, choices: Sequence[str]) -> None: ...

    async def choices(self, peer_id: str) -> tuple[str, ...]: ...


class MemoryScreens:
    """Bounded and expiring, so a long-running process does not grow."""

    def __init__(self, limit: int = 50_000) -> None:
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._limit = limit

    async def keep_pages(self, paged: PagedKeyboard) -> str:
        token = secrets.token_hex(4)
        self._put(f"pages:{token}", paged)
        return token

    async def pages(self, token: str) -> PagedKeyboard | None:
        found = self._get(f"pages:{token}")
        return found if isinstance(found, PagedKeyboard) else None

    async def keep_choices(self, peer_id: str, choices: Sequence[str]) -> None:
        self._put(f"choices:{peer_id}", tuple(choices))

    async def choices(self, peer_id: str) -> tuple[str, ...]:
        found = self._get(f"choices:{peer_id}")
        return found if isinstance(found, tuple) else ()

    def _put(self, key: str, value: Any) -> None:
        self._items[key] = (time.monotonic() + TTL, value)
        self._items.move_to_end(key)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)

    def _get(self, key: str) -> Any:
        item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]


def dump_pages(paged: PagedKeyboard) -> str:
    return json.dumps(
        {
            "text": paged.text,
            "pages": [
                [[[b.label, b.payload] for b in row] for row in page] for page in paged.pages
            ],
        },
        ensure_ascii=False,
    )


def load_pages(raw: str | bytes) -> PagedKeyboard:
    data = json.loads(raw)
    pages = tuple(
        tuple(tuple(Button(label, payload) for label, payload in row) for row in page)
        for page in data["pages"]
    )
    return PagedKeyboard(data["text"], pages)


def screen_memory(redis: Any, namespace: str) -> ScreenMemory:
    """In Redis when replicas share it (``redis`` is its client), else in this process."""
    if redis is None:
        return MemoryScreens()
    from bots.shared.screens_redis import RedisScreens

    return RedisScreens(redis, namespace)
