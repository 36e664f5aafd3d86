"""The channel contract: every channel is built by name, runs the same way, writes first when it
may, stops when told without dropping an update, and is refused with a clear Russian line when
its settings are missing. Citizens write to real aiogram and vkbottle clients, fake APIs."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from bots.channels.console.config import ConsoleConfig
from bots.channels.contract import Channel, ChannelServices
from bots.channels.max.config import MaxConfig, MaxWebhook
from bots.channels.telegram.config import TelegramConfig, Webhook
from bots.channels.telegram.rendering import render as render_telegram
from bots.channels.vk.config import CallbackServer, VkConfig
from bots.channels.vk.rendering import render as render_vk
from bots.cli import app
from bots.runtime import channels as registry
from bots.runtime.process import run_channel
from bots.runtime.settings import Settings
from bots.shared.edge import Edge
from bots.testing.local import free_port
from bots.testing.max_api import FakeMax
from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.vk_api import Events, FakeVk
from dialogs.contract import Button, IncomingEvent, Reply
from dialogs.engine import DialogEngine, EngineConfig
from dialogs.memory import MemoryDatabase
from knowledge_base.errors import ConfigurationError, StorageError
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier

USER = 7001
SECRET = "contract-secret"
Fakes = tuple[FakeTelegram, FakeVk, FakeMax]
EVERY = dt.timedelta(milliseconds=50)


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    found = FakeTelegram(), FakeVk(), FakeMax()
    for fake in found:
        await fake.start()
    yield found
    for fake in found:
        await fake.stop()


@pytest.fixture
def engine(kb: KnowledgeBaseContent, classifier: EmbeddedClassifier) -> DialogEngine:
    idle = EngineConfig(idle_timeout=dt.timedelta(seconds=1.5))
    return DialogEngine(kb, classifier, MemoryDatabase().units, idle)


def _config(name: str, fakes: Fakes, pushed: bool) -> Any:
    telegram, vk, max_api = fakes
    port = free_port()
    if name == "max":
        max_hook = MaxWebhook("https://bot.example.invalid/max", SecretStr(SECRET), "127.0.0.1",
                              port, "/max") if pushed else None  # fmt: skip
        return MaxConfig(SecretStr(max_api.token), max_api.url, max_hook)
    if name == "telegram":
        hook = Webhook("https://bot.example.invalid/tg", SecretStr(SECRET), "127.0.0.1", port,
                       "/tg") if pushed else None  # fmt: skip
        return TelegramConfig(SecretStr(telegram.token), telegram.url, hook)
    callback = CallbackServer("c0nf1rm", SecretStr(SECRET), "127.0.0.1", port, "/vk")
    return VkConfig(SecretStr(vk.token), 777, vk.api_url, callback if pushed else None)


class Messenger:
    """One citizen in one messenger, whichever way its updates reach the bot."""

    def __init__(self, name: str, fakes: Fakes, config: Any) -> None:
        self.name, self.config = name, config
        self.telegram, self.vk, self.max = fakes
        self.updates, self.events = Updates(), Events(SECRET)

    async def say(self, text: str) -> None:
        if self.name == "max":
            await self._say_in_max(text)
            return
        if self.name == "telegram":
            update = self.updates.message(USER, text)
            if self.config.webhook is None:
                await self.telegram.updates.put(update)
                return
            hook = self.config.webhook
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            await _post(f"http://{hook.host}:{hook.port}{hook.path}", update, headers)
            return
        event = self.events.message(USER, text)
        if self.config.callback is None:
            await self.vk.events.put(event)
            return
        server = self.config.callback
        await _post(f"http://{server.host}:{server.port}{server.path}", event, {})

    async def _say_in_max(self, text: str) -> None:
        update = self.max.message_created(USER, text)
        if self.config.webhook is None:
            self.max.enqueue(update)
            return
        hook = self.config.webhook
        headers = {"X-Max-Bot-Api-Secret": SECRET}
        await _post(f"http://{hook.host}:{hook.port}{hook.path}", update, headers)

    def texts(self) -> list[str]:
        fakes = {"telegram": self.telegram, "vk": self.vk, "max": self.max}
        return fakes[self.name].texts(USER)

    async def wait_for(self, words: str, count: int = 1) -> None:
        for _ in range(200):
            if sum(words in text for text in self.texts()) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"«{words}» never came; the citizen saw: {self.texts()}")


async def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    for _ in range(100):  # the server may still be starting
        try:
            async with (
                aiohttp.ClientSession() as client,
                client.post(url, json=body, headers=headers) as response,
            ):
                assert response.status == 200
                return
        except aiohttp.ClientConnectorError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"nobody listens on {url}")


def test_every_registered_channel_keeps_the_contract(engine: DialogEngine, fakes: Fakes) -> None:
    services = ChannelServices(Edge(engine))
    configs = {
        "telegram": _config("telegram", fakes, pushed=False),
        "vk": _config("vk", fakes, pushed=False),
        "max": _config("max", fakes, pushed=False),
        "console": ConsoleConfig("me", io.StringIO(), io.StringIO()),
    }
    assert set(configs) == set(registry.CHANNELS)
    for name, config in configs.items():
        channel = registry.build_channel(name, config, services)
        assert isinstance(channel, Channel)
        assert channel.name == name


@pytest.mark.parametrize(
    ("name", "pushed"),
    [
        ("telegram", False),
        ("telegram", True),
        ("vk", False),
        ("vk", True),
        ("max", False),
        ("max", True),
    ],
    ids=[
        "telegram-polling",
        "telegram-webhook",
        "vk-long-poll",
        "vk-callback",
        "max-polling",
        "max-webhook",
    ],
)
async def test_a_channel_answers_writes_first_and_stops_when_told(
    name: str, pushed: bool, engine: DialogEngine, fakes: Fakes
) -> None:
    config = _config(name, fakes, pushed)
    channel = registry.build_channel(name, config, ChannelServices(Edge(engine)))
    citizen, stop = Messenger(name, fakes, config), asyncio.Event()
    running = asyncio.create_task(run_channel(channel, engine, stop, EVERY))
    await citizen.say("привет, мне нужен загранник")
    await citizen.wait_for("Куда вы едете?")  # «загранник» read, the passport answer taken
    await citizen.say("/menu")  # no open question: now the assistant may write first
    await citizen.wait_for("Вы давно не писали")
    stop.set()
    await asyncio.wait_for(running, 10)  # receive returns, the sender and the client close
    assert sum("Вы давно не писали" in text for text in citizen.texts()) == 1


async def test_an_update_in_flight_is_answered_before_the_channel_stops(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    fakes: Fakes,
) -> None:
    class SlowUnits:
        """The database answers slowly: the stop comes while the citizen waits."""

        def __init__(self) -> None:
            self._memory = MemoryDatabase()

        def __call__(self) -> Any:
            return _Slow(self._memory.units())

    engine = DialogEngine(kb, classifier, SlowUnits())
    config = _config("telegram", fakes, pushed=True)
    channel = registry.build_channel("telegram", config, ChannelServices(Edge(engine)))
    citizen, stop = Messenger("telegram", fakes, config), asyncio.Event()
    running = asyncio.create_task(run_channel(channel, engine, stop, EVERY))
    await citizen.say("у меня умер отец, что делать")
    stop.set()  # SIGTERM, with the citizen's update still being handled
    await asyncio.wait_for(running, 10)
    assert citizen.texts(), "the update taken before the stop was not answered"


class _Slow:
    def __init__(self, unit: Any) -> None:
        self._unit = unit

    async def __aenter__(self) -> Any:
        await asyncio.sleep(0.5)
        return await self._unit.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self._unit.__aexit__(*exc)


def test_both_messengers_lay_out_a_long_reply_the_same_way() -> None:
    text = "\n\n".join(["Шаг: " + "подать заявление в МФЦ " * 40] * 12)
    reply = Reply(text, ((Button("Дальше", "n"),),), is_menu=True)
    telegram, vk = render_telegram(reply), render_vk(reply)
    assert len(telegram) == len(vk) > 1
    assert [m.markup is not None for m in telegram] == [m.keyboard is not None for m in vk]
    assert [m.markup is not None for m in telegram] == [False] * (len(telegram) - 1) + [True]
    assert not any(m.is_menu for m in [*telegram, *vk])  # a cut menu is sent anew, not edited


async def test_the_citizen_gets_the_apology_and_the_log_says_why(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    def down() -> Any:
        raise StorageError("база данных не отвечает")

    def bug() -> Any:
        raise KeyError("state")

    caplog.set_level(logging.ERROR, logger="lifebot.edge")
    replies = {}
    for label, units in (("expected", down), ("bug", bug)):
        edge = Edge(DialogEngine(kb, classifier, units))
        event = _event("а пособие на ребенка сколько")
        replies[label] = await edge.answer(event)
    apology = kb.texts.apology
    assert [r.text for r in replies["expected"]] == [apology] == [r.text for r in replies["bug"]]
    expected, unexpected = caplog.records[-2:]
    assert "StorageError: база данных не отвечает" in expected.getMessage()
    assert expected.exc_info is None  # our own failure: one line
    assert unexpected.exc_info is not None  # a bug: the traceback, for whoever fixes it


def _event(text: str) -> IncomingEvent:
    return IncomingEvent("telegram", str(USER), str(USER), dt.datetime.now(dt.UTC), text=text)


def test_an_unknown_channel_is_named_with_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="неизвестный канал «icq»; есть: console, max"):
        registry.registration("icq")


def test_a_channel_whose_extra_is_missing_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, engine: DialogEngine
) -> None:
    missing = registry.Registration("bots.channels.absent.channel", lambda s: None, "absent")
    monkeypatch.setitem(registry.CHANNELS, "absent", missing)
    with pytest.raises(ConfigurationError, match=r"pip install 'lifebot\[absent\]'"):
        registry.build_channel("absent", None, ChannelServices(Edge(engine)))


@pytest.mark.parametrize(
    ("command", "env", "said"),
    [
        ("telegram", {}, "задайте TELEGRAM_BOT_TOKEN (токен от @BotFather)"),
        ("telegram", {"TELEGRAM_BOT_TOKEN": "1:x", "WEBHOOK_URL": "https://b.example/h"},
         "для вебхука задайте WEBHOOK_SECRET"),
        ("vk", {}, "задайте VK_GROUP_TOKEN (ключ доступа сообщества)"),
        ("vk", {"VK_GROUP_TOKEN": "t", "VK_CALLBACK_CONFIRMATION": "abc"},
         "для Callback API задайте VK_CALLBACK_SECRET"),
    ],
)  # fmt: skip
def test_a_missing_setting_is_said_before_anything_starts(
    command: str,
    env: dict[str, str],
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "WEBHOOK_URL",
        "VK_GROUP_TOKEN",
        "VK_CALLBACK_CONFIRMATION",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    result = CliRunner().invoke(app, ["run", command])
    assert result.exit_code == 1
    assert f"Ошибка: {said}" in result.output
    assert not (tmp_path / "bot.db").exists()  # nothing was started, not even the database


def test_the_console_is_configured_like_any_channel() -> None:
    config = registry.channel_config("console", Settings(_env_file=None), user="анна")
    assert config == ConsoleConfig("анна", sys.stdin, sys.stdout)
