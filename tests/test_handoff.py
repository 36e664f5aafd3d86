"""Hand-off to a person, in the engine and the desk service (memory database): the case and
its context, the place in the queue and the wait measured from recent cases, office hours,
the relay while the case is open, the way back, and the survey about the operator's help."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.cases import CaseLine, CaseOpened
from dialogs.contract import Address
from dialogs.desk import Desk
from dialogs.engine import DialogEngine, EngineConfig
from dialogs.handoff import HandoffPolicy, duration
from dialogs.memory import MemoryDatabase
from dialogs.office import OfficeHours, parse_days, parse_hours
from knowledge_base.errors import CaseNotYours, CaseTaken, InvalidReply
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.chat import START, Chat
from tests.conftest import IDLE, SECRET

MSK = dt.timezone(dt.timedelta(hours=3))


@pytest.fixture
def engine(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, memory: MemoryDatabase
) -> DialogEngine:
    policy = HandoffPolicy(OfficeHours())
    return DialogEngine(kb, classifier, memory.units, EngineConfig(idle_timeout=IDLE,
                                                                   handoff=policy))  # fmt: skip


@pytest.fixture
def desk(kb: KnowledgeBaseContent, memory: MemoryDatabase) -> Desk:
    return Desk(kb, memory.units, clock=lambda: START + dt.timedelta(minutes=30))


async def _in_a_plan(chat: Chat) -> None:
    await chat.say("/start child_birth")
    await chat.say("вчера")
    while "Вот ваш личный план" not in chat.text:
        await chat.press(chat.labels[0])


async def test_a_person_asked_for_mid_plan_gets_the_question_asked_and_the_case_its_context(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await _in_a_plan(chat)
    await chat.press("Дальше")
    await chat.say("позовите человека")
    assert "одним сообщением" in chat.text
    await chat.say("не понимаю, нужна ли справка о рождении для пособия, если отец не вписан")
    assert "1-й в очереди" in chat.text
    assert "Вернуться к помощнику" in chat.labels
    (case,) = memory.cases.values()
    assert case.summary.status == "queued"
    assert case.summary.kind == "question"
    assert case.summary.situation_id == "child_birth"
    assert "отец не вписан" in case.question
    assert case.step_title is not None
    assert case.answers  # the answers given in the situation go with the case


async def test_a_request_that_says_what_it_is_about_opens_the_case_at_once(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await chat.say("хочу поговорить с оператором, не могу разобраться какие документы нужны")
    assert "в очереди" in chat.text
    (case,) = memory.cases.values()
    assert "какие документы" in case.question


async def test_a_complaint_is_a_complaint_case(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await chat.say("хочу пожаловаться, в поликлинике вымогают деньги за справку")
    (case,) = memory.cases.values()
    assert case.summary.kind == "complaint"


async def test_two_misunderstandings_offer_a_person_and_the_press_is_consent(
    engine: DialogEngine, memory: MemoryDatabase
) -> None:
    chat = Chat(engine)
    await chat.say("/start")
    await chat.say("бзвыщ хрмф")
    await chat.say("кукареку пфф")
    await chat.press("Связаться с человеком")
    assert "одним сообщением" in chat.text
    await chat.say("мне нужно оформить опеку над братом, не нашёл такого в меню")
    assert len(memory.cases) == 1


async def test_the_wait_is_measured_from_recent_cases(
    engine: DialogEngine, memory: MemoryDatabase, desk: Desk
) -> None:
    for minutes in (10, 20, 30):
        await _claimed_case(memory, waited=dt.timedelta(minutes=minutes))
    chat = Chat(engine)
    await chat.say("соедините со специалистом, вопрос про выплату на ребёнка до трёх лет")
    assert "примерно через 20 минут" in chat.text


async def test_off_hours_the_question_is_taken_and_the_hours_are_said(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, memory: MemoryDatabase
) -> None:
    engine = DialogEngine(kb, classifier, memory.units,
                          EngineConfig(handoff=HandoffPolicy(OfficeHours())))  # fmt: skip
    chat = Chat(engine)
    chat.now = dt.datetime(2026, 12, 5, 20, 0, tzinfo=MSK)  # a Saturday evening
    await chat.say("позовите оператора пожалуйста, вопрос про налоговый вычет за лечение")
    assert "не работают" in chat.text
    assert "пн–пт с 09:00 до 18:00" in chat.text
    assert "пн, 07.12, 09:00" in chat.text
    (case,) = memory.cases.values()
    assert case.summary.off_hours


async def test_while_the_case_is_open_messages_go_to_it_and_the_operator_answers_in_the_chat(
    engine: DialogEngine, memory: MemoryDatabase, desk: Desk
) -> None:
    chat = Chat(engine)
    await _in_a_plan(chat)
    await chat.say("позовите человека, не пойму куда идти с документами на пособие")
    await chat.say("и ещё: мы живём не по прописке")
    assert "Добавил" in chat.text
    (case_id,) = memory.cases
    await desk.claim(case_id, "Анна")
    assert await chat.say("алло, вы тут?") == []  # the operator has it: the bot is silent
    await desk.reply(case_id, "Анна", "Подать можно в любом МФЦ, прописка не важна.")
    (outgoing, _, _) = next(iter(memory.outbox.values()))
    assert "Специалист: Подать можно в любом МФЦ" in outgoing.replies[0].text
    labels = [b.label for b in outgoing.replies[0].all_buttons]
    assert labels == ["Вернуться к помощнику"]
    lines = [line.author for line in memory.cases[case_id].lines]
    assert lines == ["citizen", "citizen", "operator"]
    await chat.press_payload("hb")
    assert "Вы снова с помощником" in chat.text
    assert memory.cases[case_id].summary.resolution == "withdrawn"


async def test_after_the_close_the_citizen_rates_the_operator_and_is_back_at_the_plan(
    engine: DialogEngine, memory: MemoryDatabase, desk: Desk
) -> None:
    chat = Chat(engine)
    await _in_a_plan(chat)
    await chat.say("позовите человека, вопрос по материнскому капиталу на второго")
    (case_id,) = memory.cases
    await desk.claim(case_id, "Анна")
    await desk.close(case_id, "Анна", "answered")
    closing = [o for o, _, _ in memory.outbox.values()][-1]
    assert "Специалист завершил разговор" in closing.replies[0].text
    chat.replies = list(closing.replies)
    await chat.press("5")
    await chat.say("да")
    await chat.press("Пропустить")
    assert "Спасибо за оценку" in chat.text
    assert "план" in chat.text.lower()
    rated = [(a.question, a.value, a.case_id) for a in memory.answers]
    assert rated == [("csat", "5", case_id), ("answered", "yes", case_id)]
    assert memory.cases[case_id].summary.resolution == "answered"


async def test_the_desk_refuses_what_an_operator_may_not_do(
    engine: DialogEngine, memory: MemoryDatabase, desk: Desk
) -> None:
    chat = Chat(engine)
    await chat.say("позовите оператора, не могу записаться к врачу через госуслуги")
    (case_id,) = memory.cases
    await desk.claim(case_id, "Анна")
    with pytest.raises(CaseTaken, match="Анна"):
        await desk.claim(case_id, "Борис")
    with pytest.raises(CaseNotYours, match="Анна"):
        await desk.reply(case_id, "Борис", "Здравствуйте")
    with pytest.raises(InvalidReply):
        await desk.reply(case_id, "Анна", "   ")
    with pytest.raises(InvalidReply, match="итог"):
        await desk.close(case_id, "Анна", "whatever")
    await desk.release(case_id, "Анна")
    await desk.claim(case_id, "Борис")
    assert (await desk.case(case_id)).summary.operator == "Борис"


async def test_without_operators_the_contact_centre_is_given(memory_chat: Chat) -> None:
    await memory_chat.say("позовите человека")
    assert "8 800 100-70-10" in memory_chat.text


def test_office_hours_follow_the_production_calendar() -> None:
    office = OfficeHours()
    assert office.is_open(dt.datetime(2026, 12, 2, 10, 0, tzinfo=MSK))
    assert not office.is_open(dt.datetime(2027, 1, 5, 10, 0, tzinfo=MSK))  # New Year holidays
    assert not office.is_open(dt.datetime(2026, 12, 31, 10, 0, tzinfo=MSK))  # moved day off
    friday_evening = dt.datetime(2026, 12, 4, 19, 0, tzinfo=MSK)
    assert office.next_opening(friday_evening) == dt.datetime(2026, 12, 7, 9, 0, tzinfo=MSK)
    assert parse_days("1-5,7") == frozenset({1, 2, 3, 4, 5, 7})
    assert parse_hours("08:30-17:00") == (dt.time(8, 30), dt.time(17, 0))
    for wrong in ("0-5", "5-1", "пн-пт"):
        with pytest.raises(ValueError, match="office days"):
            parse_days(wrong)
    with pytest.raises(ValueError, match="office hours"):
        parse_hours("18:00-09:00")


def test_waits_are_said_as_people_say_them(kb: KnowledgeBaseContent) -> None:
    assert duration(61, kb.texts) == "2 минуты"
    assert duration(20 * 60, kb.texts) == "20 минут"
    assert duration(21 * 60, kb.texts) == "21 минуту"
    assert duration(3 * 3600, kb.texts) == "3 часа"


async def _claimed_case(memory: MemoryDatabase, waited: dt.timedelta) -> None:
    opened = START - dt.timedelta(hours=2)
    async with memory.units() as uow:
        case_id = f"old{int(waited.total_seconds())}"
        await uow.cases.open(CaseOpened(
            case_id, "conv", "test:old", Address("test", "chat-old"), "question", "вопрос",
            None, None, (), (CaseLine("citizen", "вопрос", opened),), opened, False,
        ))  # fmt: skip
        await uow.cases.claim(case_id, "Анна", opened + waited)
        await uow.commit()


async def test_waiting_for_an_operator_is_not_being_idle(
    engine: DialogEngine, memory: MemoryDatabase, desk: Desk
) -> None:
    chat = Chat(engine)
    await _in_a_plan(chat)
    await chat.say("позовите человека, вопрос по материнскому капиталу на второго")
    days_later = chat.now + dt.timedelta(days=2)
    assert await engine.sweep_idle("test", days_later) == []  # no «Вы давно не писали»
    (case_id,) = memory.cases
    await desk.claim(case_id, "Анна")
    await desk.close(case_id, "Анна", "answered")
    later = dt.datetime.now(dt.UTC) + IDLE + dt.timedelta(minutes=1)
    await engine.sweep_idle("test", later)  # after the close the conversation idles again
    again = await engine.sweep_idle("test", later + IDLE)
    texts = [r.text for o in again for r in o.replies]
    texts += [r.text for o, _, _ in memory.outbox.values() for r in o.replies]
    assert not any("Вы давно не писали" in text for text in texts)  # one survey is enough


async def test_on_sql_storage_a_blocked_citizen_shows_at_the_desk_and_the_case_keeps_context(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    units = SqlUnits(sessions, Pseudonymizer(SECRET))
    config = EngineConfig(idle_timeout=IDLE, handoff=HandoffPolicy(OfficeHours()))
    engine, desk = DialogEngine(kb, classifier, units, config), Desk(kb, units)
    chat = Chat(engine)
    await chat.say("/start child_birth")
    await chat.say("вчера, звоните мне 8 912 345-67-89")
    await chat.say("позовите человека, не понимаю нужна ли справка из загса")
    (case,) = await desk.listing("queued")
    detail = await desk.case(case.case_id)
    citizen_lines = [line.text for line in detail.lines if line.author == "citizen"]
    assert any("вчера" in text for text in citizen_lines)  # the turns before the case
    assert not any("345-67-89" in text for text in citizen_lines)  # masked as stored
    await desk.claim(case.case_id, "Анна")
    await desk.reply(case.case_id, "Анна", "Справка не нужна.")
    (outgoing,) = await engine.claim_outbox("test", dt.datetime.now(dt.UTC))
    await engine.citizen_unreachable(outgoing, dt.datetime.now(dt.UTC))  # they blocked us
    assert (await desk.case(case.case_id)).summary.citizen_blocked
