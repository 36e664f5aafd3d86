"""Whatever arrives gets a sensible reply and is stored safely: NUL bytes, lone surrogates,
digits that are not digits, pasted novels, double taps and forged buttons."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.shared.edge import answer
from bots.shared.inputs import TEXT_LIMIT
from dialogs.contract import IncomingEvent
from dialogs.engine import DialogEngine
from dialogs.memory import MemoryDatabase
from storage import models
from tests.chat import START, Chat
from tests.test_dialogue import _finish_plan


def _said(text: str, user: str = "hostile", at: dt.datetime = START) -> IncomingEvent:
    return IncomingEvent("telegram", user, user, at, text=text)


async def _stored_texts(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list((await session.scalars(select(models.Message.text))).all())


async def test_a_nul_byte_or_a_lone_surrogate_is_answered_and_stored_clean(
    sql_engine: DialogEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await answer(sql_engine, _said("жена родила\x00 вчера"))
    second = await answer(sql_engine, _said("мы в браке \ud83d", at=START + dt.timedelta(1)))
    apology = sql_engine.knowledge.texts.apology
    assert apology not in {r.text for r in [*first, *second]}
    assert "Рождение ребёнка" in first[0].text
    stored = await _stored_texts(sessions)
    assert stored == ["жена родила вчера", "мы в браке \ufffd"]


async def test_a_pasted_novel_is_cut_to_what_a_messenger_delivers(
    sql_engine: DialogEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    novel = "помогите с пособием " * 10_000
    replies = await answer(sql_engine, _said(novel))
    assert replies
    assert replies[0].text != sql_engine.knowledge.texts.apology
    (stored,) = await _stored_texts(sessions)
    assert len(stored) == TEXT_LIMIT


async def test_a_forged_button_that_is_too_long_is_an_unknown_button(
    memory_chat: Chat,
) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.press_payload("a:married:" + "x" * 500)
    assert "Когда родился ребёнок?" in memory_chat.text  # where the citizen is


async def test_digits_that_are_not_numbers_never_break_the_survey(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    for number, typed in enumerate(("9" * 5000, "²", "③", "５", "4" * 30)):
        chat = Chat(memory_chat.engine, user=f"typist-{number}")
        await _finish_plan(chat)
        await chat.say(typed)
        assert chat.engine.knowledge.texts.apology not in chat.text
    assert memory.answers == []  # none of them is a rating from 1 to 5


async def test_a_double_tap_on_a_rating_asks_the_next_question_once(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _finish_plan(memory_chat)
    five = memory_chat.button("5").payload
    await memory_chat.press_payload(five)
    assert "Насколько легко" in memory_chat.text
    await memory_chat.press_payload(five)  # the second tap of a double tap
    assert memory_chat.replies == []  # the question on screen stays; nothing is asked twice
    assert [(a.question, a.value) for a in memory.answers] == [("csat", "5")]


async def test_a_forged_survey_button_neither_records_nor_ends_the_survey(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _finish_plan(memory_chat)
    four = memory_chat.button("4").payload
    token = four.rsplit(":", 1)[1]
    await memory_chat.press_payload(f"v:comment:skip:{token}")  # the csat question is on screen
    await memory_chat.press_payload(f"v:answered:no:{token}")
    assert memory.answers == []
    await memory_chat.press_payload(four)
    assert [(a.question, a.value) for a in memory.answers] == [("csat", "4")]
    assert "Насколько легко" in memory_chat.text  # the survey goes on in order
