"""A VK bot under test: the real labeler and Callback API server, a fake VK API."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from bots.channels.vk.app import build_api, build_bot, callback_app
from bots.channels.vk.delivery import VkDelivery
from bots.channels.vk.labeler import build_labeler
from bots.channels.vk.screens import MemoryScreens
from bots.shared.flood import FloodControl
from bots.testing.local import free_port
from bots.testing.vk_api import GROUP, Events, FakeVk
from dialogs.engine import DialogEngine

CONFIRMATION = "a1b2c3d4"
SECRET = "vk-callback-secret"
PATH = "/vk/callback"


class VkProcess:
    def __init__(
        self,
        engine: DialogEngine,
        fake: FakeVk,
        flood: FloodControl | None = None,
        port: int | None = None,
    ) -> None:
        self.engine = engine
        self.fake = fake
        self.api = build_api(fake.token, fake.api_url)
        self.screens = MemoryScreens()
        self.delivery = VkDelivery(self.api, self.screens, engine.knowledge.texts)
        labeler = build_labeler(engine, self.delivery, self.screens, flood)
        self.bot = build_bot(self.api, labeler, GROUP)
        self.port = port or free_port()
        app = callback_app(self.bot, CONFIRMATION, SECRET, PATH, None, background=False)
        self._runner = web.AppRunner(app)

    async def start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()
        await self.api.http_client.close()

    async def post(self, event: dict[str, Any]) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.port}{PATH}"
        async with aiohttp.ClientSession() as client, client.post(url, json=event) as response:
            return response.status, await response.text()


class VkCitizen:
    def __init__(self, fake: FakeVk, user_id: int, events: Events | None = None) -> None:
        self.fake = fake
        self.user_id = user_id
        self.events = events or Events(SECRET)

    async def say(self, process: VkProcess, text: str, *, keyboards: bool = True) -> int:
        status, _ = await process.post(
            self.events.message(self.user_id, text, keyboards=keyboards)
        )
        return status

    async def press(self, process: VkProcess, label: str) -> int:
        status, _ = await process.post(self.button_event(label))
        return status

    def button_event(self, label: str) -> dict[str, Any]:
        payload, message_id = self.fake.button(self.user_id, label)
        return self.events.button(self.user_id, payload, message_id)

    @property
    def last_text(self) -> str:
        return self.fake.texts(self.user_id)[-1]

    def all_text(self) -> str:
        return "\n\n".join(self.fake.texts(self.user_id))
