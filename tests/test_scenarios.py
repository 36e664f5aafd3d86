"""Every one of the 24 situations, end to end on a real database: free text, questions,
plan, survey; then the rows an analyst would read."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.plan import personal_steps
from dialogs.state import ConversationState
from knowledge_base.model import KnowledgeBaseContent
from nlu.dates import find_date
from storage import models
from tests.chat import START, Chat

PHRASES = {
    "child_birth": "жена вчера родила сына, что делать с документами",
    "large_family": "у нас родился третий ребёнок, какие льготы многодетным",
    "kindergarten": "как встать в очередь в детский сад",
    "school": "как записать ребёнка в первый класс школы",
    "higher_education": "хочу поступить в университет на бюджет",
    "marriage": "мы хотим пожениться, как подать заявление в загс",
    "divorce": "хочу развестись с мужем",
    "passport": "мне исполнилось 20 лет, надо поменять паспорт",
    "travel_abroad": "хочу оформить загранпаспорт для поездки за границу",
    "relocation": "переезжаю в другой город, как сделать прописку",
    "home_purchase": "покупаем квартиру в ипотеку, как оформить сделку",
    "house_construction": "хочу построить частный дом на своём участке",
    "car_ownership": "купил машину, как поставить на учёт в гаи",
    "job_loss": "меня сократили с работы, что делать",
    "retirement": "скоро выхожу на пенсию по старости, как оформить",
    "disability": "как оформить инвалидность",
    "low_income": "денег не хватает, мы малоимущая семья, какая помощь положена",
    "bereavement": "умер отец, что нужно оформить",
    "military_service": "пришла повестка в армию на срочную службу",
    "business_start": "хочу открыть ип и начать свой бизнес",
    "healthcare": "как прикрепиться к поликлинике и записаться к врачу",
    "tax_deduction": "как получить налоговый вычет за лечение",
    "elderly_care": "пожилой маме нужен уход, как оформить сиделку",
    "lost_documents": "потерял все документы и паспорт, что делать",
    "pregnancy": "я беременна, как встать на учет и оформить декрет",
    "maternity_capital": "на что можно потратить маткапитал",
    "alimony": "бывший муж не платит алименты на ребенка что делать",
    "unpaid_wages": "зп не платят уже два месяца, работаю официально, директор говорит денег нет",
    "consumer_rights": "купил телевизор неделю назад, брак, не включается, магазин не берет",
    "bankruptcy": "долги по микрозаймам и кредитам около 400 тысяч, платить нечем",
}


def test_every_situation_has_a_scenario(kb: KnowledgeBaseContent) -> None:
    assert set(PHRASES) == set(kb.situations)


def _told_date(situation_id: str, kb: KnowledgeBaseContent) -> str | None:
    """The date the opening phrase already gives («вчера»): that question is not asked."""
    first = kb.situations[situation_id].questions[0]
    found = find_date(PHRASES[situation_id], START.date())
    told = found[0] if found else None
    return told.isoformat() if told and first.kind == "date" else None


async def _answer_questions(chat: Chat, kb: KnowledgeBaseContent, situation_id: str) -> int:
    situation = kb.situations[situation_id]
    asked = 0
    understood = "Понял:" in chat.text  # the opening phrase answered some questions
    for question in situation.questions:
        if question.kind == "date" and _told_date(situation_id, kb):
            assert question.text not in chat.text
            continue
        if question.text not in chat.text and understood:
            continue  # the opening phrase already answered it («в первый класс»)
        assert question.text in chat.text, f"{situation_id}: expected «{question.text}»"
        asked += 1
        if question.kind == "date":
            await chat.say("01.03.2026")
        else:
            await chat.press(question.options[0].label)
    return asked


@pytest.mark.parametrize("situation_id", sorted(PHRASES))
async def test_situation_end_to_end(
    situation_id: str,
    kb: KnowledgeBaseContent,
    sql_chat: Chat,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    situation = kb.situations[situation_id]
    await sql_chat.say(PHRASES[situation_id])
    assert situation.title in sql_chat.text, sql_chat.text
    asked = await _answer_questions(sql_chat, kb, situation_id)

    async with sessions() as session:
        (stored,) = (await session.scalars(select(models.DialogSession))).all()
    answers = ConversationState.model_validate_json(stored.state).answers  # told or pressed
    expected_steps = personal_steps(situation, answers)
    assert f"Шагов в плане: {len(expected_steps)}" in sql_chat.text
    for number, step in enumerate(expected_steps, start=1):
        await sql_chat.press("Дальше" if number < len(expected_steps) + 1 else "Готово")
        assert f"Шаг {number} из {len(expected_steps)}. {step.title}" in sql_chat.text
    await sql_chat.press("Готово ✓")
    await sql_chat.press("5")
    await sql_chat.press("4")
    await sql_chat.press("Да")
    await sql_chat.say("Всё понятно, мой телефон +7 916 123-45-67")
    assert "Спасибо!" in sql_chat.text

    async with sessions() as session:
        (conversation,) = (await session.scalars(select(models.Conversation))).all()
        answers_stored = {
            a.question: a.value for a in (await session.scalars(select(models.SurveyAnswer)))
        }
        texts = [m.text for m in await session.scalars(select(models.Message))]
        citizens = (await session.scalars(select(models.Citizen))).all()
    assert conversation.situation_id == situation_id
    assert conversation.category_id == situation.category
    assert conversation.end_reason == "plan_finished"
    assert conversation.ended_at is not None
    assert conversation.ended_at >= conversation.started_at
    assert conversation.actions == 1 + asked + len(expected_steps) + 1
    assert conversation.not_understood == 0
    assert conversation.survey_asked
    assert answers_stored == {
        "csat": "5",
        "effort": "4",
        "answered": "yes",
        "comment": "Всё понятно, мой телефон [телефон]",
    }
    assert PHRASES[situation_id] in texts
    assert len(citizens) == 1
    assert citizens[0].pseudonym != sql_chat.user
