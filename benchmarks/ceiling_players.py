"""How ``ceiling.py`` plays each messenger: its fake API, the update a citizen's message makes,
where it is posted, and the settings of the bare bot and of the assistant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bots.testing.max_api import FakeMax, dialog_of
from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.vk_api import GROUP, Events, FakeVk

SECRET = "ceiling-secret-1"
HOOK = "https://bot.example.invalid"  # the public address a webhook is registered with


@dataclass
class Player:
    """One messenger: ``fake`` its API (started by ``start``), ``update(user, words)`` what a
    message makes, ``chat(user)`` where the reply goes, ``env(port)`` the bot's settings."""

    name: str
    fake: Any
    path: str
    update: Callable[[int, str], dict[str, Any]]
    chat: Callable[[int], str]
    env: Callable[[int], dict[str, str]]
    headers: dict[str, str] = field(default_factory=dict)
    hook: dict[str, str] = field(default_factory=dict)  # the assistant's webhook address

    @staticmethod
    def call_name(call: Any) -> str:
        """A recorded call's method: MAX's ``name`` («POST /messages»), the others' ``method``."""
        return str(getattr(call, "name", None) or call.method)

    async def start(self) -> None:
        await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()


def telegram() -> Player:
    fake, updates, path = FakeTelegram(), Updates(), "/telegram/webhook"
    return Player(
        "telegram", fake, path, updates.message, str,
        lambda port: {
            "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url,
            "WEBHOOK_SECRET": SECRET, "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port),
            "WEBHOOK_PATH": path,
        },
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        hook={"WEBHOOK_URL": HOOK + path},
    )  # fmt: skip


def vk() -> Player:
    fake, events, path = FakeVk(), Events(SECRET), "/vk/callback"
    return Player(
        "vk", fake, path, events.message, str,
        lambda port: {
            "VK_GROUP_TOKEN": fake.token, "VK_API_URL": fake.api_url, "VK_GROUP_ID": str(GROUP),
            "VK_CALLBACK_CONFIRMATION": "c0nf1rm", "VK_CALLBACK_SECRET": SECRET,
            "VK_CALLBACK_HOST": "127.0.0.1", "VK_CALLBACK_PORT": str(port),
            "VK_CALLBACK_PATH": path,
        },
    )  # fmt: skip


def max_() -> Player:
    fake, path = FakeMax(), "/max/webhook"
    return Player(
        "max", fake, path, fake.message_created, lambda user: str(dialog_of(user)),
        lambda port: {
            "MAX_BOT_TOKEN": fake.token, "MAX_API_URL": fake.url, "MAX_WEBHOOK_SECRET": SECRET,
            "MAX_WEBHOOK_HOST": "127.0.0.1", "MAX_WEBHOOK_PORT": str(port),
            "MAX_WEBHOOK_PATH": path,
        },
        headers={"X-Max-Bot-Api-Secret": SECRET},
        # The software's cost, like the bare bot's: unpaced (MAX's own limit is 30 a second).
        hook={"MAX_WEBHOOK_URL": HOOK + path, "MAX_REQUESTS_PER_SECOND": "1000000",
              "MAX_CHAT_GAP_SECONDS": "0"},
    )  # fmt: skip


PLAYERS: dict[str, Callable[[], Player]] = {"telegram": telegram, "vk": vk, "max": max_}
