"""A Telegram bot under test: the real dispatcher and webhook server, a fake Bot API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots.channels.telegram.app import build_bot, build_dispatcher, webhook_app
from bots.shared.edge import CAPACITY, LINE_LENGTH, Edge
from bots.shared.flood import FloodControl
from bots.testing.local import ChatCitizen, LocalBot
from bots.testing.telegram_api import FakeTelegram, Updates
from dialogs.engine import DialogEngine

SECRET = "webhook-secret-1"
PATH = "/telegram/webhook"


class BotProcess(LocalBot):
    """One bot process: its own Bot, Dispatcher and webhook server, sharing the database."""

    def __init__(
        self,
        engine: DialogEngine,
        fake: FakeTelegram,
        flood: FloodControl | None = None,
        port: int | None = None,
        capacity: int = CAPACITY,
        line: int = LINE_LENGTH,
    ) -> None:
        self.engine = engine
        self.fake = fake
        self.bot = build_bot(fake.token, fake.url)
        self.dispatcher = build_dispatcher(Edge(engine, flood, capacity=capacity, line=line))
        app = webhook_app(self.bot, self.dispatcher, SECRET, PATH)
        super().__init__(app, PATH, port)

    async def close_client(self) -> None:
        await self.bot.session.close()

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        status, _ = await self.post_json(update, headers)
        return status


class Citizen(ChatCitizen):
    """A Telegram user talking to one or more bot processes in turn."""

    def __init__(self, fake: FakeTelegram, user_id: int, updates: Updates | None = None) -> None:
        super().__init__(fake, user_id)
        self.fake: FakeTelegram = fake
        self.updates = updates or Updates()

    async def say(self, process: BotProcess, text: str) -> int:
        return await process.post(self.typed(text))

    async def press(self, process: BotProcess, label: str) -> int:
        return await process.post(self.pressed(label))

    def typed(self, text: str) -> dict[str, Any]:
        return self.updates.message(self.user_id, text)

    def pressed(self, label: str) -> dict[str, Any]:
        data, message_id = self.fake.button(self.user_id, label)
        return self.updates.button(self.user_id, data, message_id)

    button_update = pressed


FAKE = FakeTelegram
PROCESS = BotProcess
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def citizens(fake: FakeTelegram) -> Callable[[int], Citizen]:
    """Citizens of one Bot API: one sequence of update ids for all of them."""
    updates = Updates()
    return lambda user: Citizen(fake, user, updates)
