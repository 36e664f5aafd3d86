"""A MAX bot under test: the real router, delivery and webhook server, a fake MAX Bot API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots.channels.max.app import build_bot, close_bot, webhook_app
from bots.channels.max.delivery import MaxDelivery
from bots.channels.max.handlers import MaxRouter
from bots.shared.edge import CAPACITY, LINE_LENGTH, Edge
from bots.shared.flood import FloodControl
from bots.shared.pacing import Pace
from bots.shared.screens import MemoryScreens
from bots.testing.local import ChatCitizen, LocalBot
from bots.testing.max_api import BOT_USERNAME, SECRET_HEADER, FakeMax
from dialogs.engine import DialogEngine

SECRET = "max-webhook-secret"
PATH = "/max/webhook"
UNPACED = Pace(per_second=1_000_000, chat_gap=0.0)  # pacing is tested on its own; here it
# would only slow the tests down (and cap a benchmark at MAX's 30 requests a second)


class MaxProcess(LocalBot):
    """One bot process: its own maxapi Bot, router and webhook server, sharing the database."""

    def __init__(
        self,
        engine: DialogEngine,
        fake: FakeMax,
        flood: FloodControl | None = None,
        port: int | None = None,
        capacity: int = CAPACITY,
        line: int = LINE_LENGTH,
        pace: Pace = UNPACED,
    ) -> None:
        self.engine = engine
        self.fake = fake
        self.bot = build_bot(fake.token, fake.url)
        self.edge = Edge(engine, flood, capacity=capacity, line=line)
        self.delivery = MaxDelivery(self.bot, MemoryScreens(), engine.knowledge.texts, pace)
        self.router = MaxRouter(self.edge, self.delivery, BOT_USERNAME)  # as GET /me says
        super().__init__(webhook_app(self.router, SECRET, PATH), PATH, port)

    async def close_client(self) -> None:
        await close_bot(self.bot)

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        status, _ = await self.post_json(update, headers)
        return status


class MaxCitizen(ChatCitizen):
    """A MAX user in a dialog with the bot, through one or more bot processes."""

    def __init__(self, fake: FakeMax, user_id: int) -> None:
        super().__init__(fake, user_id)
        self.fake: FakeMax = fake

    async def say(self, process: MaxProcess, text: str) -> int:
        return await process.post(self.typed(text))

    async def press(self, process: MaxProcess, label: str) -> int:
        return await process.post(self.pressed(label))

    async def start(self, process: MaxProcess, payload: str | None = None) -> int:
        return await process.post(self.fake.bot_started(self.user_id, payload))

    def typed(self, text: str) -> dict[str, Any]:
        return self.fake.message_created(self.user_id, text)

    def pressed(self, label: str) -> dict[str, Any]:
        return self.fake.press(self.user_id, label)


FAKE = FakeMax
PROCESS = MaxProcess
HEADERS = {SECRET_HEADER: SECRET}


def citizens(fake: FakeMax) -> Callable[[int], MaxCitizen]:
    return lambda user: MaxCitizen(fake, user)
