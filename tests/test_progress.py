"""The citizen's progress in the engine (memory database): steps marked done, reminders of
the deadlines they asked for (kept as rows, sent once into the outbox), stopping them, the
check-in on the result and «Возникла проблема» handed to a person."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bots.runtime.observability import Metrics
from dialogs.engine import DialogEngine, EngineConfig
from dialogs.handoff import HandoffPolicy
from dialogs.memory import MemoryDatabase
from dialogs.reminders import ReminderPolicy
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from tests.chat import Chat
from tests.conftest import IDLE

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def engine(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, memory: MemoryDatabase
) -> DialogEngine:
    config = EngineConfig(idle_timeout=IDLE, handoff=HandoffPolicy(), reminders=ReminderPolicy())
    return DialogEngine(kb, classifier, memory.units, config)


async def _plan(chat: Chat) -> None:
    await chat.say("/start child_birth")
    await chat.say("вчера")
    while "Вот ваш личный план" not in chat.text:
        await chat.press(chat.labels[0])


def _sent(memory: MemoryDatabase) -> list[str]:
    return [r.text for outgoing, _, _ in memory.outbox.values() for r in outgoing.replies]


async def test_a_citizen_asks_for_reminders_and_sees_what_and_when(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await _plan(chat)
    assert "Напомнить о сроках" in chat.labels
    await chat.press("Напомнить о сроках")
    assert "Напомню о сроках" in chat.text
    assert "в 10:00" in chat.text
    reminders = sorted(memory.reminders.values(), key=lambda r: r.at)
    assert {r.kind for r in reminders} == {"reminder", "checkin"}
    assert all(r.at.astimezone(MSK).hour == 10 for r in reminders)
    await chat.press("Вернуться к плану")
    assert "Больше не напоминать" in chat.labels  # the overview now offers to stop them


async def test_a_due_reminder_goes_into_the_outbox_once_with_its_buttons(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await _plan(chat)
    await chat.say("напомни о сроках")  # in words, not the button
    first = min((r for r in memory.reminders.values() if r.kind == "reminder"),
                key=lambda r: r.at)  # fmt: skip
    await engine.sweep_reminders("test", first.at + dt.timedelta(seconds=1))
    texts = _sent(memory)
    assert any(t.startswith("Напоминаю:") and "осталось" in t for t in texts)
    (outgoing,) = [o for o, _, _ in memory.outbox.values()]
    labels = [b.label for b in outgoing.replies[0].all_buttons]
    assert labels == ["Открыть шаг", "Сделано ✓", "Больше не напоминать"]
    await engine.sweep_reminders("test", first.at + dt.timedelta(seconds=2))
    assert len(memory.outbox) == 1  # sent once


async def test_a_step_marked_done_shows_done_and_loses_its_reminders(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await _plan(chat)
    await chat.press("Напомнить о сроках")
    await chat.say("дальше")
    await chat.press("Сделано ✓")
    assert "сделано" in chat.text.lower()
    assert "✓" in chat.text  # the overview marks it
    (done,) = memory.steps_done
    assert done.situation_id == "child_birth"
    assert all(r.step_id != done.step_id for r in memory.reminders.values())


async def test_reminders_stop_by_button_command_or_words(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await _plan(chat)
    await chat.press("Напомнить о сроках")
    await chat.press("Вернуться к плану")
    await chat.press("Больше не напоминать")
    assert memory.reminders == {}
    assert "больше не буду напоминать" in chat.text
    await chat.say("напомни о сроках")
    assert memory.reminders
    await chat.say("/stop")
    assert memory.reminders == {}


async def test_the_check_in_and_a_problem_handed_to_a_person(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await _plan(chat)
    await chat.press("Напомнить о сроках")
    checkin = next(r for r in memory.reminders.values() if r.kind == "checkin")
    await engine.sweep_reminders("test", checkin.at + dt.timedelta(minutes=1))
    message = next(o for o, _, _ in memory.outbox.values() if "Получилось ли" in o.replies[0].text)
    chat.replies = list(message.replies)
    await chat.press("Возникла проблема")
    assert "одним сообщением" in chat.text  # a person: what is the problem?
    assert [(a.question, a.value) for a in memory.answers] == [("result", "problem")]
    await chat.press("Вернуться к помощнику")
    await chat.say("напомни о сроках")  # reminders again, but the result was told: no check-in
    assert {r.kind for r in memory.reminders.values()} == {"reminder"}


async def test_forget_and_a_blocked_citizen_end_the_reminders(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await _plan(chat)
    await chat.press("Напомнить о сроках")
    first = min(memory.reminders.values(), key=lambda r: r.at)
    await engine.sweep_reminders("test", first.at + dt.timedelta(seconds=1))
    (outgoing,) = [o for o, _, _ in memory.outbox.values()]
    await engine.citizen_unreachable(outgoing, first.at)
    assert memory.reminders == {}  # they blocked the bot: nothing more is tried
    other = Chat(engine, user="citizen-2")
    await _plan(other)
    await other.press("Напомнить о сроках")
    await other.say("/forget")
    assert memory.reminders == {}


async def test_reminders_sent_stopped_and_failed_are_counted(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, memory: MemoryDatabase
) -> None:
    metrics = Metrics()
    config = EngineConfig(idle_timeout=IDLE, reminders=ReminderPolicy())
    engine = DialogEngine(kb, classifier, memory.units, config, observer=metrics)
    chat = Chat(engine)
    await _plan(chat)
    await chat.press("Напомнить о сроках")
    first = min(memory.reminders.values(), key=lambda r: r.at)
    await engine.sweep_reminders("test", first.at + dt.timedelta(seconds=1))
    await chat.say("/stop")
    other = Chat(engine, user="citizen-2")
    await _plan(other)
    await other.press("Напомнить о сроках")
    (outgoing,) = [o for o, _, _ in memory.outbox.values()]
    await engine.citizen_unreachable(
        dataclasses.replace(outgoing, conversation_id=other_conversation(memory)), first.at
    )
    shown = metrics.exposition().decode()
    for outcome in ("sent", "stopped", "failed"):
        assert f'lifebot_reminders_total{{channel="test",outcome="{outcome}"}}' in shown


def other_conversation(memory: MemoryDatabase) -> str:
    """The second citizen's conversation: the one whose reminders are still planned."""
    return next(iter(memory.reminders.values())).conversation_id
