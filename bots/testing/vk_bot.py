"""A VK bot under test: the real labeler and Callback API server, a fake VK API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from bots.channels.vk.app import build_api, build_bot, callback_app
from bots.channels.vk.config import CallbackServer
from bots.channels.vk.delivery import VkDelivery
from bots.channels.vk.labeler import build_labeler
from bots.shared.edge import CAPACITY, LINE_LENGTH, Edge
from bots.shared.flood import FloodControl
from bots.shared.screens import MemoryScreens
from bots.testing.local import ChatCitizen, LocalBot
from bots.testing.vk_api import GROUP, Events, FakeVk
from dialogs.engine import DialogEngine

CONFIRMATION = "a1b2c3d4"
SECRET = "vk-callback-secret"
PATH = "/vk/callback"


class VkProcess(LocalBot):
    """One bot process: its own API client, labeler and Callback API server."""

    def __init__(
        self,
        engine: DialogEngine,
        fake: FakeVk,
        flood: FloodControl | None = None,
        port: int | None = None,
        capacity: int = CAPACITY,
        line: int = LINE_LENGTH,
    ) -> None:
        self.engine = engine
        self.fake = fake
        self.api = build_api(fake.token, fake.api_url)
        self.screens = MemoryScreens()
        self.delivery = VkDelivery(self.api, self.screens, engine.knowledge.texts)
        self.edge = Edge(engine, flood, capacity=capacity, line=line)
        labeler = build_labeler(self.edge, self.delivery, self.screens)
        self.bot = build_bot(self.api, labeler, GROUP)
        server = CallbackServer(CONFIRMATION, SecretStr(SECRET), "127.0.0.1", 0, PATH)
        app = callback_app(self.bot, server, GROUP, self.edge)
        super().__init__(app, PATH, port)

    async def close_client(self) -> None:
        await self.api.http_client.close()

    async def post(self, event: dict[str, Any]) -> tuple[int, str]:
        return await self.post_json(event)


class VkCitizen(ChatCitizen):
    """A VK user writing to the community, through one or more bot processes."""

    def __init__(self, fake: FakeVk, user_id: int, events: Events | None = None) -> None:
        super().__init__(fake, user_id)
        self.fake: FakeVk = fake
        self.events = events or Events(SECRET)

    async def say(self, process: VkProcess, text: str, *, keyboards: bool = True) -> int:
        event = self.events.message(self.user_id, text, keyboards=keyboards)
        status, _ = await process.post(event)
        return status

    async def press(self, process: VkProcess, label: str) -> int:
        status, _ = await process.post(self.pressed(label))
        return status

    def typed(self, text: str) -> dict[str, Any]:
        return self.events.message(self.user_id, text)

    def pressed(self, label: str) -> dict[str, Any]:
        payload, message_id = self.fake.button(self.user_id, label)
        return self.events.button(self.user_id, payload, message_id)

    button_event = pressed


FAKE = FakeVk
PROCESS = VkProcess
HEADERS: dict[str, str] = {}  # the Callback API's secret travels in the event itself


def citizens(fake: FakeVk) -> Callable[[int], VkCitizen]:
    events = Events(SECRET)
    return lambda user: VkCitizen(fake, user, events)
