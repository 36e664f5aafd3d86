"""2,000+ hostile updates and events of every kind through the real webhooks: each gets a 2xx
or a 4xx, never a 5xx, and no turn ends in a traceback."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.telegram_bot import BotProcess
from bots.testing.vk_api import Events, FakeVk
from bots.testing.vk_bot import SECRET as VK_SECRET
from bots.testing.vk_bot import VkProcess
from dialogs.engine import DialogEngine
from dialogs.memory import MemoryDatabase
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier

ROUNDS = 1100  # per channel
ODD = ["\x00", "\ud83d", "²", "③", "９" * 50, "9" * 5000, "-1e309", "/start@otherbot",
       "/start " + "x" * 300, "‮", "\u200b" * 20, "<b>жирный</b> & «кавычки»", "",
       "сколько платят пособие?", "а если я не успею?", "5", "нет", "да", "🙂" * 400,
       "ул. Садовая 5 кв 3, Иванов Пётр", "/forget", "/menu", "/plan", "назад"]  # fmt: skip


def _text(rng: random.Random) -> str:
    pieces = rng.sample(ODD, rng.randint(1, 3))
    return "".join(pieces)[: rng.choice([10, 100, 4096, 20_000])]


def _mutate(rng: random.Random, body: dict[str, Any]) -> Any:
    """Sometimes a sound update, sometimes one with a part removed, retyped or replaced."""
    roll = rng.random()
    if roll < 0.6:
        return body
    if roll < 0.7:
        return [body]
    if roll < 0.8:
        return {k: v for k, v in body.items() if rng.random() < 0.5}
    inner = next((v for v in body.values() if isinstance(v, dict)), {})
    if inner:
        key = rng.choice(list(inner))
        inner[key] = rng.choice([None, 12, "x", [], {"a": 1}, "\x00", 10**30])
    return body


@pytest.fixture
def engine(kb: KnowledgeBaseContent, classifier: EmbeddedClassifier) -> DialogEngine:
    return DialogEngine(kb, classifier, MemoryDatabase().units)


@pytest.fixture
async def telegram_bot(engine: DialogEngine) -> AsyncIterator[BotProcess]:
    fake = FakeTelegram()
    await fake.start()
    process = BotProcess(engine, fake)
    await process.start()
    yield process
    await process.stop()
    await fake.stop()


@pytest.fixture
async def vk_bot(engine: DialogEngine) -> AsyncIterator[VkProcess]:
    fake = FakeVk()
    await fake.start()
    process = VkProcess(engine, fake)
    await process.start()
    yield process
    await process.stop()
    await fake.stop()


async def test_fuzzed_telegram_updates_never_get_a_5xx_or_a_traceback(
    telegram_bot: BotProcess, caplog: pytest.LogCaptureFixture
) -> None:
    rng, updates = random.Random(14), Updates()
    statuses: dict[int, int] = {}
    caplog.set_level(logging.ERROR)
    for number in range(ROUNDS):
        user = 1 + number % 40
        if rng.random() < 0.7:
            body = updates.message(user, _text(rng))
        else:
            body = updates.button(user, _text(rng)[:80], rng.randint(1, 99))
        status, _ = await telegram_bot.post_json(
            _mutate(rng, body), {"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-1"}
        )
        statuses[status] = statuses.get(status, 0) + 1
    print(f"\n[fuzz] telegram: {ROUNDS} updates, statuses {sorted(statuses.items())}")
    assert all(200 <= s < 500 for s in statuses)
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_fuzzed_vk_events_never_get_a_5xx_or_a_traceback(
    vk_bot: VkProcess, caplog: pytest.LogCaptureFixture
) -> None:
    rng, events = random.Random(15), Events(VK_SECRET)
    statuses: dict[int, int] = {}
    caplog.set_level(logging.ERROR)
    for number in range(ROUNDS):
        user = 1 + number % 40
        if rng.random() < 0.7:
            body = events.message(user, _text(rng), keyboards=rng.random() < 0.7)
        else:
            body = events.button(user, _text(rng)[:80], rng.randint(1, 99))
        status, _ = await vk_bot.post(_mutate(rng, body))
        statuses[status] = statuses.get(status, 0) + 1
    print(f"\n[fuzz] vk: {ROUNDS} events, statuses {sorted(statuses.items())}")
    assert all(200 <= s < 500 for s in statuses)
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
