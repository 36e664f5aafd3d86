"""At least once, never twice: what the bot acknowledged is kept, what a crash interrupted
comes again and is handled once, and a burst beyond what the database can serve is refused
for the messenger to retry, instead of being accepted and apologised for."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from bots.channels.telegram.app import build_bot, build_dispatcher, run_polling
from bots.shared.edge import Edge
from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.telegram_bot import BotProcess
from bots.testing.vk_api import Events, FakeVk
from bots.testing.vk_bot import SECRET as VK_SECRET
from bots.testing.vk_bot import VkProcess
from dialogs.contract import IncomingEvent
from dialogs.engine import DialogEngine, EngineConfig
from dialogs.memory import MemoryDatabase
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from tests.chat import Chat

USER = 90210


class Slow:
    """The database takes ``seconds`` to open every turn: turns overlap as in a burst."""

    def __init__(self, memory: MemoryDatabase, seconds: float) -> None:
        self.memory, self.seconds = memory, seconds

    def __call__(self) -> Any:
        return _SlowUnit(self.memory.units(), self.seconds)


class _SlowUnit:
    def __init__(self, unit: Any, seconds: float) -> None:
        self._unit, self._seconds = unit, seconds

    async def __aenter__(self) -> Any:
        await asyncio.sleep(self._seconds)
        return await self._unit.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self._unit.__aexit__(*exc)


def _texts(memory: MemoryDatabase) -> list[str]:
    return [m.text for m in memory.messages]


async def test_an_update_a_crash_interrupted_comes_again_and_is_handled_once(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, telegram: FakeTelegram
) -> None:
    memory = MemoryDatabase()
    engine = DialogEngine(kb, classifier, Slow(memory, 0.5))
    await telegram.updates.put(Updates().message(USER, "у меня умерла мама что делать"))
    first = asyncio.create_task(_poll(engine, telegram))
    await asyncio.sleep(0.3)  # the update is being handled…
    first.cancel()  # …when the process dies (kill -9: nothing graceful runs)
    await asyncio.gather(first, return_exceptions=True)
    assert _texts(memory) == []  # the turn never committed
    second = asyncio.create_task(_poll(engine, telegram))  # the restarted process
    for _ in range(100):
        if telegram.sent(USER):
            break
        await asyncio.sleep(0.05)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    assert _texts(memory) == ["у меня умерла мама что делать"]  # once
    assert any("Смерть близкого" in t or "умер" in t.lower() for t in telegram.texts(USER))


async def _poll(engine: DialogEngine, fake: FakeTelegram) -> None:
    bot = build_bot(fake.token, fake.url)
    try:
        await run_polling(bot, build_dispatcher(Edge(engine)))
    finally:
        await bot.session.close()


async def test_a_webhook_burst_beyond_capacity_is_refused_for_retry_not_apologised(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, telegram: FakeTelegram
) -> None:
    memory = MemoryDatabase()
    engine = DialogEngine(kb, classifier, Slow(memory, 0.3))
    process = BotProcess(engine, telegram, capacity=2, line=0)  # no line: refused at once
    await process.start()
    updates = Updates()
    burst = [updates.message(USER + n, "пособие на ребенка сколько") for n in range(8)]
    try:
        statuses = await asyncio.gather(*(process.post(u) for u in burst))
        assert sorted(set(statuses)) == [200, 503]
        acknowledged = statuses.count(200)
        assert len(memory.messages) == acknowledged  # 200 only for what was kept
        for update, status in zip(burst, statuses, strict=True):  # Telegram retries the rest
            if status == 503:
                assert await process.post(update) == 200
    finally:
        await process.stop()
    assert len(memory.messages) == len(burst)
    apology = kb.texts.apology
    assert all(apology not in text for n in range(8) for text in telegram.texts(USER + n))


async def test_a_burst_waits_in_line_for_a_turn_and_what_cannot_get_one_in_time_is_refused(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, telegram: FakeTelegram
) -> None:
    """Two turns at once, each 0.6 s: six more wait in line (a second at most), so two of them
    get a turn in time; four are refused, and Telegram sends them again."""
    memory = MemoryDatabase()
    process = BotProcess(DialogEngine(kb, classifier, Slow(memory, 0.6)), telegram, capacity=2)
    await process.start()
    updates = Updates()
    burst = [updates.message(USER + n, "декрет когда выплаты") for n in range(8)]
    try:
        statuses = await asyncio.gather(*(process.post(u) for u in burst))
        assert sorted(statuses) == [200] * 4 + [503] * 4  # two running, two from the line
        for update, status in zip(burst, statuses, strict=True):
            if status == 503:
                assert await process.post(update) == 200
    finally:
        await process.stop()
    assert len(memory.messages) == len(burst)


async def test_vk_says_ok_only_for_a_kept_event_and_busy_beyond_capacity(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier
) -> None:
    fake = FakeVk()
    await fake.start()
    memory = MemoryDatabase()
    engine = DialogEngine(kb, classifier, Slow(memory, 0.3))
    process = VkProcess(engine, fake, capacity=1, line=0)
    await process.start()
    events = Events(VK_SECRET)
    try:
        answers = await asyncio.gather(
            *(process.post(events.message(USER + n, "нужен загранник")) for n in range(3))
        )
        assert sorted(status for status, _ in answers) == [200, 503, 503]
        assert len(memory.messages) == 1  # the one «ok» is a kept event
    finally:
        await process.stop()
        await fake.stop()


class Watched:
    """Units of work that say whether one is open right now."""

    def __init__(self, memory: MemoryDatabase) -> None:
        self.memory, self.open = memory, 0

    def __call__(self) -> Any:
        return _WatchedUnit(self, self.memory.units())


class _WatchedUnit:
    def __init__(self, owner: Watched, unit: Any) -> None:
        self._owner, self._unit = owner, unit

    async def __aenter__(self) -> Any:
        self._owner.open += 1
        return await self._unit.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        self._owner.open -= 1
        await self._unit.__aexit__(*exc)


async def test_the_nlu_never_runs_while_the_citizens_state_is_locked(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier
) -> None:
    units = Watched(MemoryDatabase())
    seen: list[int] = []

    class Remote:
        """A Rasa-like classifier: it notes whether a transaction waits on it."""

        async def classify(self, text: str, today: Any = None) -> Any:
            seen.append(units.open)
            return await classifier.classify(text, today)

    chat = Chat(DialogEngine(kb, Remote(), units))
    await chat.say("жена вчера родила, я работаю официально")
    await chat.say("да мы расписаны")
    await chat.say("а сколько платят пособие?")
    assert seen
    assert set(seen) == {0}  # never inside the unit of work that holds the state's lock


async def test_a_survey_a_crashed_sender_never_delivered_comes_again_once(
    sql_chat: Chat, sessions: Any
) -> None:
    engine = sql_chat.engine
    await sql_chat.say("/start child_birth")
    await sql_chat.say("/menu")  # no open question: the idle survey may come
    later = sql_chat.now + dt.timedelta(minutes=16)
    (claimed,) = await engine.sweep_idle("test", later)
    # The sender dies here (SIGKILL, a lost connection): nothing confirmed the delivery.
    assert await engine.sweep_idle("test", later + dt.timedelta(minutes=1)) == []  # held
    (again,) = await engine.sweep_idle("test", later + dt.timedelta(minutes=3))  # lease over
    assert again.delivery_id == claimed.delivery_id
    assert "Вы давно не писали" in again.replies[0].text
    assert again.replies == claimed.replies  # the same message, buttons and all
    await engine.delivered(again)
    assert await engine.sweep_idle("test", later + dt.timedelta(hours=1)) == []  # once


async def test_a_survey_that_never_gets_through_is_given_up_after_five_tries(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    engine = memory_chat.engine
    await memory_chat.say("/start child_birth")
    await memory_chat.say("/menu")
    moment = memory_chat.now + dt.timedelta(minutes=16)
    tries = 0
    while await engine.sweep_idle("test", moment):
        tries += 1
        moment += dt.timedelta(minutes=3)  # every try fails: the lease runs out each time
    assert tries == 5
    assert memory.outbox == {}


async def test_forgetting_a_citizen_takes_their_unsent_survey_out_of_the_outbox(
    sql_chat: Chat,
) -> None:
    engine = sql_chat.engine
    await sql_chat.say("/start child_birth")
    await sql_chat.say("/menu")
    later = sql_chat.now + dt.timedelta(minutes=16)
    assert len(await engine.sweep_idle("test", later)) == 1  # claimed; the sender dies
    sql_chat.now = later + dt.timedelta(minutes=1)
    await sql_chat.say("/forget")
    assert await engine.sweep_idle("test", later + dt.timedelta(minutes=10)) == []


async def test_after_an_outage_the_idle_clock_counts_from_the_answer_not_the_message(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier
) -> None:
    memory = MemoryDatabase()
    back_at = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)  # the bot is up again
    config = EngineConfig(idle_timeout=dt.timedelta(minutes=15), clock=lambda: back_at)
    engine = DialogEngine(kb, classifier, memory.units, config)
    chat = Chat(engine)
    chat.now = back_at - dt.timedelta(hours=2)  # written two hours ago, during the outage
    await chat.say("/start child_birth")
    await chat.say("/menu")  # delivered only now, and answered now
    assert await engine.sweep_idle("test", back_at + dt.timedelta(minutes=1)) == []
    (survey,) = await engine.sweep_idle("test", back_at + dt.timedelta(minutes=16))
    assert "Вы давно не писали" in survey.replies[0].text


async def test_a_redelivered_update_gets_its_answer_although_the_first_never_left(
    sql_engine: DialogEngine,
) -> None:
    at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    event = IncomingEvent("telegram", "77", "77", at, text="нужен загранник", event_id="501")
    first = await sql_engine.handle(event)  # committed… and the process died before sending
    again = await sql_engine.handle(event)  # Telegram delivers it again: no 200 came
    assert again == first
    assert "Куда вы едете?" in "\n".join(r.text for r in again)
