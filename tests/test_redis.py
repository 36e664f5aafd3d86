"""Redis shared by several bot processes: flood control; conversation state stays in SQL."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.shared.flood_redis import RedisFloodControl
from bots.testing.local import free_port
from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.telegram_bot import BotProcess
from dialogs.engine import DialogEngine, EngineConfig
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from storage import models
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.chat import Chat
from tests.conftest import IDLE, SECRET


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set: Redis tests need a server")
    client = Redis.from_url(url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


def _replica(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    sessions: async_sessionmaker[AsyncSession],
) -> DialogEngine:
    units = SqlUnits(sessions, Pseudonymizer(SECRET))
    return DialogEngine(kb, classifier, units, EngineConfig(idle_timeout=IDLE))


async def test_two_replicas_share_one_conversation_kept_in_the_database(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
) -> None:
    first, second = (_replica(kb, classifier, sessions) for _ in range(2))
    chat = Chat(first)
    await chat.say("/start child_birth")
    chat.engine = second
    await chat.say("01.03.2026")
    chat.engine = first
    await chat.press("Да, в браке")
    assert "Кто-то из родителей работает" in chat.text
    async with sessions() as session:
        assert len((await session.scalars(select(models.DialogSession))).all()) == 1
    assert await redis.keys("lifebot:session:*") == []  # state is never Redis's


async def test_the_idle_survey_is_sent_once_across_replicas(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = (_replica(kb, classifier, sessions) for _ in range(2))
    chat = Chat(first)
    await chat.say("/start child_birth")
    await chat.say("/menu")  # no open question: the idle survey may come
    later = chat.now + IDLE + dt.timedelta(seconds=1)
    sent = await first.sweep_idle("test", later) + await second.sweep_idle("test", later)
    assert len(sent) == 1
    await first.delivered(sent[0])
    assert await second.sweep_idle("test", later + IDLE * 3) == []


async def test_a_lost_redis_neither_fails_nor_doubles_a_turn(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    gone = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2)
    telegram = FakeTelegram()
    await telegram.start()
    bot = BotProcess(_replica(kb, classifier, sessions), telegram, RedisFloodControl(gone))
    await bot.start()
    try:
        assert await bot.post(Updates().message(4242, "жена родила вчера")) == 200
    finally:
        await bot.stop()
        await telegram.stop()
        await gone.aclose()
    (reply, *_) = telegram.texts(4242)
    assert "Рождение ребёнка" in reply  # not the apology: Redis is not in the turn
    async with sessions() as session:
        assert len((await session.scalars(select(models.Message))).all()) == 1


async def test_flood_control_in_redis_is_per_citizen(redis: Redis) -> None:
    moments = iter([100.0] * 12 + [100.0])
    flood = RedisFloodControl(redis, rate=2, burst=3, max_wait=1.0, clock=lambda: next(moments))
    flooder = [await flood.admit("telegram", "1") for _ in range(12)]
    other = await flood.admit("telegram", "2")
    assert [a.wait for a in flooder[:3]] == [0.0, 0.0, 0.0]
    assert flooder[3].wait == pytest.approx(0.5)
    assert flooder[4].wait == pytest.approx(1.0)
    assert flooder[5].drop
    assert flooder[5].warn
    assert not flooder[6].warn  # one warning per burst
    assert other.wait == 0.0
    assert not other.drop
