"""The database goes away in the middle of the conversation: stopped, killed or frozen (through
a fault proxy in front of the real PostgreSQL). Nothing is acknowledged that was not kept, the
citizen gets no apology for a turn that will still be answered, and once the database is back
every update is answered once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.channels.telegram.app import build_bot, build_dispatcher, run_polling
from bots.shared.edge import Edge
from bots.shared.outage import Outage
from bots.testing.fault_proxy import FaultProxy
from bots.testing.max_api import FakeMax
from bots.testing.max_bot import MaxProcess
from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.telegram_bot import BotProcess
from bots.testing.vk_api import Events, FakeVk
from bots.testing.vk_bot import SECRET as VK_SECRET
from bots.testing.vk_bot import VkProcess
from dialogs.contract import IncomingEvent
from dialogs.engine import DialogEngine, EngineConfig
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from storage import models
from storage.database import create_engine, session_factory
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.conftest import SECRET

USER = 4242
QUESTION = "у меня умерла мама что делать"

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


def _through(proxy: FaultProxy, url: str) -> str:
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@127.0.0.1:{proxy.port}"))


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    parts = urlsplit(os.environ["TEST_DATABASE_URL"])
    faulty = FaultProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await faulty.start()
    yield faulty
    await faulty.close()


@pytest.fixture
async def database(proxy: FaultProxy) -> AsyncIterator[AsyncEngine]:
    # migrated_urls has migrated the database; a short statement timeout keeps a frozen
    # server from holding a turn for long.
    engine = create_engine(_through(proxy, os.environ["TEST_DATABASE_URL"]), statement_timeout=1)
    async with engine.begin() as connection:
        for table in reversed(models.Base.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()


@pytest.fixture
def engine(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    database: AsyncEngine,
    migrated_urls: dict[str, str],
) -> DialogEngine:
    units = SqlUnits(session_factory(database), Pseudonymizer(SECRET))
    return DialogEngine(kb, classifier, units, EngineConfig())


async def _messages(database: AsyncEngine) -> int:
    async with database.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(models.Message)))


FAULTS: dict[str, Callable[[FaultProxy], None]] = {
    "stopped": FaultProxy.stop,
    "killed": FaultProxy.kill,
    "frozen": FaultProxy.freeze,
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_webhook_update_is_refused_while_the_database_is_down_then_answered_once(
    fault: str,
    engine: DialogEngine,
    database: AsyncEngine,
    proxy: FaultProxy,
    telegram: FakeTelegram,
    kb: KnowledgeBaseContent,
) -> None:
    process = BotProcess(engine, telegram)
    await process.start()
    update = Updates().message(USER, QUESTION)
    try:
        FAULTS[fault](proxy)
        assert await process.post(update) == 503  # Telegram will send it again
        assert telegram.texts(USER) == []  # no apology for a turn that will be answered
        proxy.resume()
        assert await process.post(update) == 200
        assert await process.post(update) == 200  # a late duplicate: handled once
    finally:
        await process.stop()
    assert await _messages(database) == 1
    texts = telegram.texts(USER)
    assert kb.texts.apology not in texts
    assert any("умер" in text.lower() for text in texts)


async def test_a_max_update_gets_503_while_the_database_is_down_then_200_once(
    engine: DialogEngine, database: AsyncEngine, proxy: FaultProxy, kb: KnowledgeBaseContent
) -> None:
    fake = FakeMax()
    await fake.start()
    process = MaxProcess(engine, fake)
    await process.start()
    update = fake.message_created(USER, QUESTION)
    try:
        proxy.kill()
        assert await process.post(update) == 503  # MAX sends it again without a 200
        assert fake.texts(USER) == []  # no apology for a turn that will be answered
        proxy.resume()
        assert await process.post(update) == 200
        assert await process.post(update) == 200  # a late duplicate: handled once
    finally:
        await process.stop()
        await fake.stop()
    assert await _messages(database) == 1
    assert kb.texts.apology not in fake.texts(USER)


async def test_a_vk_event_gets_no_ok_while_the_database_is_down_then_ok_once(
    engine: DialogEngine, database: AsyncEngine, proxy: FaultProxy
) -> None:
    fake = FakeVk()
    await fake.start()
    process = VkProcess(engine, fake)
    await process.start()
    event = Events(VK_SECRET).message(USER, QUESTION)
    try:
        proxy.kill()
        status, body = await process.post(event)
        assert (status, body) == (503, "unavailable")  # VK sends it again without «ok»
        assert fake.texts(USER) == []
        proxy.resume()
        assert await process.post(event) == (200, "ok")
    finally:
        await process.stop()
        await fake.stop()
    assert await _messages(database) == 1
    assert any("умер" in text.lower() for text in fake.texts(USER))


async def test_a_polled_update_waits_for_the_database_and_is_answered_without_apology(
    engine: DialogEngine,
    database: AsyncEngine,
    proxy: FaultProxy,
    telegram: FakeTelegram,
    kb: KnowledgeBaseContent,
) -> None:
    proxy.stop()
    await telegram.updates.put(Updates().message(USER, QUESTION))
    bot = build_bot(telegram.token, telegram.url)
    polling = asyncio.create_task(run_polling(bot, build_dispatcher(Edge(engine))))
    try:
        await asyncio.sleep(2)  # a few attempts, all refused by the database
        assert telegram.texts(USER) == []
        assert not telegram.updates.empty()  # not confirmed: a crash now would not lose it
        proxy.resume()
        for _ in range(300):
            if telegram.texts(USER):
                break
            await asyncio.sleep(0.05)
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await bot.session.close()
    assert await _messages(database) == 1
    assert kb.texts.apology not in telegram.texts(USER)
    assert any("умер" in text.lower() for text in telegram.texts(USER))


async def test_after_its_patience_an_update_gets_the_apology_and_is_acknowledged(
    engine: DialogEngine, proxy: FaultProxy, telegram: FakeTelegram, kb: KnowledgeBaseContent
) -> None:
    clock = iter([0.0, 0.0, 700.0, 700.0])  # the second attempt comes after the patience
    process = BotProcess(engine, telegram)
    process.dispatcher["edge"].outage = Outage(patience=600, clock=lambda: next(clock))
    await process.start()
    update = Updates().message(USER, QUESTION)
    try:
        proxy.stop()
        assert await process.post(update) == 503
        assert await process.post(update) == 200  # a poison or a long outage: told, not held
    finally:
        await process.stop()
    assert telegram.texts(USER) == [kb.texts.apology]


def test_an_update_without_an_id_is_never_held_for_redelivery() -> None:
    now = dt.datetime.now(dt.UTC)
    console = IncomingEvent("console", "local", "local", at=now, text="привет")
    assert not Outage().keep_trying(console)
