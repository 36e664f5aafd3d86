"""What citizens type, masked before it is stored: ordinary questions stay byte for byte,
planted personal data comes out exactly as the corpus says; comments too; /forget erases them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import models
from storage.masking import MAX_CHARS, mask_personal_data
from tests.chat import Chat

CORPUS = Path(__file__).parent / "fixtures" / "masking"
TODAY = dt.date(2026, 3, 10)  # the date the planted corpus was masked as of
ORDINARY: list[str] = yaml.safe_load((CORPUS / "ordinary.yml").read_text(encoding="utf-8"))
PLANTED: list[dict[str, str]] = yaml.safe_load(
    (CORPUS / "planted.yml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_question_is_stored_byte_for_byte(text: str) -> None:
    assert mask_personal_data(text, TODAY) == text


@pytest.mark.parametrize(("text", "masked"), [(p["text"], p["masked"]) for p in PLANTED])
def test_planted_personal_data_is_masked_exactly(text: str, masked: str) -> None:
    assert mask_personal_data(text, TODAY) == masked


def test_the_corpora_are_large_enough_to_mean_something() -> None:
    assert len(set(ORDINARY)) >= 150
    assert len({p["text"] for p in PLANTED}) >= 150
    assert all(p["text"] != p["masked"] for p in PLANTED)


def test_a_birth_date_after_born_is_masked_from_passport_age() -> None:
    # 14 on 10 March 2026: old enough for a passport, the date identifies the citizen.
    assert mask_personal_data("родился 12.03.2012", TODAY) == "родился [дата рождения]"
    # A child's birth is the life situation the analysts need.
    assert mask_personal_data("родился 12.03.2013", TODAY) == "родился 12.03.2013"
    # Labelled a birth date: masked whatever the age.
    assert mask_personal_data("д.р. 12.03.2013", TODAY) == "д.р. [дата рождения]"


def test_a_long_message_is_cut_before_it_is_masked() -> None:
    text = "Иванов Пётр, звоните 89161234567. " + "очередь в мфц " * 2000
    stored = mask_personal_data(text, TODAY)
    assert stored == "[имя], звоните [телефон]. " + text[34:MAX_CHARS]
    tail = "а" * (MAX_CHARS - 4) + " 89161234567"  # cut inside the phone: three digits left
    assert mask_personal_data(tail, TODAY) == tail[:MAX_CHARS]


async def _survey_with_comment(chat: Chat, comment: str) -> None:
    await chat.say("/start child_birth")
    await chat.say("01.03.2026")
    await chat.press("Да, в браке")
    await chat.press("Нет")
    await chat.press("Нет, выше")
    while "Готово ✓" not in chat.labels:
        await chat.press("Дальше")
    await chat.press("Готово ✓")
    for label in ("5", "4", "Да"):
        await chat.press(label)
    await chat.say(comment)


async def _answers(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = (await session.scalars(select(models.SurveyAnswer))).all()
    return {row.question: row.value for row in rows}


async def test_a_survey_comment_is_stored_masked(
    sql_chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    comment = "спасибо, помог Роман. Иванова А.С., ул. Садовая 5 кв 3, тел 8/912/345/67/89"
    await _survey_with_comment(sql_chat, comment)
    answers = await _answers(sessions)
    assert answers["comment"] == "спасибо, помог [имя]. [имя], [адрес], тел [телефон]"


async def test_forget_erases_the_comment_text_and_keeps_the_scores(
    sql_chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _survey_with_comment(sql_chat, "всё понятно, но долго, вера в людей вернулась")
    other = Chat(sql_chat.engine, user="citizen-2")
    await _survey_with_comment(other, "оставьте мой комментарий")
    await sql_chat.say("/forget")
    async with sessions() as session:
        rows = (await session.scalars(select(models.SurveyAnswer))).all()
    kept = sorted((row.question, row.value) for row in rows)
    assert kept == [
        ("answered", "yes"), ("answered", "yes"), ("comment", "[удалено]"),
        ("comment", "оставьте мой комментарий"), ("csat", "5"), ("csat", "5"),
        ("effort", "4"), ("effort", "4"),
    ]  # fmt: skip
