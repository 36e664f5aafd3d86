"""A Telegram bot under test: the real dispatcher and webhook server, a fake Bot API."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from bots.channels.telegram.app import build_bot, build_dispatcher, webhook_app
from bots.shared.flood import FloodControl
from bots.testing.local import free_port
from bots.testing.telegram_api import FakeTelegram, Updates
from dialogs.engine import DialogEngine

SECRET = "webhook-secret-1"
PATH = "/telegram/webhook"


class BotProcess:
    """One bot process: its own Bot, Dispatcher and webhook server, sharing the database."""

    def __init__(
        self,
        engine: DialogEngine,
        fake: FakeTelegram,
        flood: FloodControl | None = None,
        port: int | None = None,
    ) -> None:
        self.engine = engine
        self.fake = fake
        self.bot = build_bot(fake.token, fake.url)
        self.dispatcher = build_dispatcher(engine, flood)
        self.port = port or free_port()
        app = webhook_app(self.bot, self.dispatcher, SECRET, PATH, None, background=False)
        self._runner = web.AppRunner(app)

    async def start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()
        await self.bot.session.close()

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        url = f"http://127.0.0.1:{self.port}{PATH}"
        async with (
            aiohttp.ClientSession() as client,
            client.post(url, json=update, headers=headers) as response,
        ):
            return response.status


class Citizen:
    """A Telegram user talking to one or more bot processes in turn."""

    def __init__(self, fake: FakeTelegram, user_id: int, updates: Updates | None = None) -> None:
        self.fake = fake
        self.user_id = user_id
        self.updates = updates or Updates()

    async def say(self, process: BotProcess, text: str) -> int:
        return await process.post(self.updates.message(self.user_id, text))

    async def press(self, process: BotProcess, label: str) -> int:
        return await process.post(self.button_update(label))

    def button_update(self, label: str) -> dict[str, Any]:
        data, message_id = self.fake.button(self.user_id, label)
        return self.updates.button(self.user_id, data, message_id)

    @property
    def last_text(self) -> str:
        return self.fake.texts(self.user_id)[-1]

    def all_text(self) -> str:
        return "\n\n".join(self.fake.texts(self.user_id))
