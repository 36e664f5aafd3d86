"""What the end-to-end tests with real bot processes share: waiting for what a citizen sees
in the fake Bot API, and pressing a button of theirs through a replica."""

from __future__ import annotations

import asyncio
from typing import Any

from bots.testing.telegram_api import FakeTelegram, Updates
from tests.test_deployment import Replica


async def wait_for(fake: FakeTelegram, user: int, words: str, count: int = 1) -> list[str]:
    """The citizen's texts once ``words`` were shown ``count`` times (20 s at most)."""
    for _ in range(400):
        texts = fake.texts(user)
        if sum(words in text for text in texts) >= count:
            return texts
        await asyncio.sleep(0.05)
    raise AssertionError(f"no «{words}» in {fake.texts(user)[-3:]}")


async def press(
    replica: Replica, client: Any, fake: FakeTelegram, updates: Updates, user: int, label: str
) -> None:
    data, message_id = fake.button(user, label)
    assert await replica.post(client, updates.button(user, data, message_id)) == 200
