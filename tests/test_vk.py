"""The VK adapter end to end: vkbottle's real HTTP client against a fake VK API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.channels.vk.app import idle_surveys, run_long_poll
from bots.channels.vk.rendering import BUTTONS, MESSAGE_LIMIT, ROW_WIDTH, ROWS
from bots.testing.vk_api import Events, FakeVk
from bots.testing.vk_bot import CONFIRMATION, VkCitizen, VkProcess
from dialogs.contract import Reply
from dialogs.engine import DialogEngine
from knowledge_base.model import KnowledgeBaseContent
from storage import models
from tests.conftest import IDLE

USER = 4242


@pytest.fixture
async def vk() -> AsyncIterator[FakeVk]:
    fake = FakeVk()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def process(sql_engine: DialogEngine, vk: FakeVk) -> AsyncIterator[VkProcess]:
    bot_process = VkProcess(sql_engine, vk)
    await bot_process.start()
    yield bot_process
    await bot_process.stop()


def _shown_rows(vk: FakeVk) -> list[list[str]]:
    shown = vk.keyboard(USER)
    assert shown is not None
    return [[b["action"]["label"] for b in row] for row in shown[0]["buttons"]]


async def test_a_whole_conversation_with_text_and_buttons_ends_with_the_survey(
    process: VkProcess, vk: FakeVk, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = VkCitizen(vk, USER)
    assert await citizen.say(process, "Начать") == 200
    assert "Здравствуйте" in citizen.last_text or "Выберите тему" in citizen.all_text()
    await citizen.say(process, "потерял паспорт, что делать?")
    await citizen.say(process, "вчера")
    while "Шагов в плане" not in citizen.all_text():
        board = vk.keyboard(USER)
        assert board is not None
        first = board[0]["buttons"][0][0]["action"]["label"]
        await citizen.press(process, first)
    await citizen.press(process, "Дальше")
    for _ in range(12):
        if any("Готово" in label for row in _shown_rows(vk) for label in row):
            break
        await citizen.press(process, "Дальше")
    await citizen.press(process, "Готово")
    assert "Насколько вы довольны?" in citizen.last_text
    await citizen.press(process, "5")
    await citizen.press(process, "4")
    await citizen.press(process, "Да")
    await citizen.say(process, "Всё ясно")
    assert "Спасибо!" in citizen.last_text
    assert vk.methods().count("messages.sendMessageEventAnswer") == sum(
        1 for c in vk.calls if c.method == "messages.sendMessageEventAnswer"
    )
    async with sessions() as session:
        answers = {a.question: a.value for a in await session.scalars(select(models.SurveyAnswer))}
        (conversation,) = (await session.scalars(select(models.Conversation))).all()
    assert answers == {"csat": "5", "effort": "4", "answered": "yes", "comment": "Всё ясно"}
    assert conversation.channel == "vk"
    assert conversation.situation_id == "lost_documents"


async def test_every_button_is_answered_and_every_send_has_a_random_id(
    process: VkProcess, vk: FakeVk
) -> None:
    citizen = VkCitizen(vk, USER)
    await citizen.say(process, "/start")
    await citizen.press(process, "Документы")
    await citizen.press(process, "Главное меню")
    assert vk.methods().count("messages.sendMessageEventAnswer") == 2
    sends = [c for c in vk.calls if c.method == "messages.send"]
    assert sends
    assert all(int(c.params["random_id"]) > 0 for c in sends)
    assert len({c.params["random_id"] for c in sends}) == len(sends)


async def test_navigation_edits_the_menu_in_place(process: VkProcess, vk: FakeVk) -> None:
    citizen = VkCitizen(vk, USER)
    await citizen.say(process, "/start")
    sends = vk.methods().count("messages.send")
    await citizen.press(process, "Работа и пенсия")
    assert vk.methods().count("messages.send") == sends
    assert vk.methods().count("messages.edit") == 1


async def test_a_keyboard_too_big_for_vk_is_paged(
    process: VkProcess, vk: FakeVk, kb: KnowledgeBaseContent
) -> None:
    citizen = VkCitizen(vk, USER)
    await citizen.say(process, "/start")
    await citizen.press(process, "Семья и дети")  # 10 situations and the menu: 11 rows
    pages = [_shown_rows(vk)]
    assert pages[0][-1] == ["Ещё…"]
    while any("Ещё…" in row for row in pages[-1]):
        await citizen.press(process, "Ещё…")
        pages.append(_shown_rows(vk))
    assert len(pages) >= 2
    for page in pages:
        assert len(page) <= ROWS
        assert sum(map(len, page)) <= BUTTONS
        assert all(len(row) <= ROW_WIDTH for row in page)
    assert pages[-1][-1] == ["← Назад"]
    shown = {label for page in pages for row in page for label in row}
    family = {kb.situations[s].title for s in kb.category("family").situations}  # type: ignore[union-attr]
    assert family <= shown
    await citizen.press(process, "← Назад")  # paging back works too
    last = kb.category("family").situations[-1]  # type: ignore[union-attr]
    await citizen.press(process, kb.situations[last].title)
    assert kb.situations[last].questions[0].text in citizen.last_text


async def test_a_client_without_keyboards_gets_numbered_choices(
    process: VkProcess, vk: FakeVk
) -> None:
    citizen = VkCitizen(vk, USER)
    await citizen.say(process, "/start", keyboards=False)
    assert "  1) Семья и дети" in citizen.last_text
    assert vk.keyboard(USER) is None
    await citizen.say(process, "1", keyboards=False)
    assert "Семья и дети. Выберите ситуацию" in citizen.last_text


def test_long_texts_are_split_below_the_limit() -> None:
    from bots.channels.vk.rendering import render

    messages = render(Reply("\n\n".join(["Абзац. " + "текст " * 300] * 8)))
    assert len(messages) > 1
    assert all(len(m.text) <= MESSAGE_LIMIT for m in messages)


async def test_callback_api_confirmation_and_secret(
    process: VkProcess, vk: FakeVk, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await process.post({"type": "confirmation", "group_id": 777}) == (200, CONFIRMATION)
    forged = Events("not-the-secret").message(USER, "/start")
    status, _ = await process.post(forged)
    assert status == 403
    unsigned = Events(None).message(USER, "/start")
    assert (await process.post(unsigned))[0] == 403
    assert vk.calls == []
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(models.Message)) == 0


async def test_a_repeated_event_is_handled_once(
    process: VkProcess, vk: FakeVk, sessions: async_sessionmaker[AsyncSession]
) -> None:
    event = VkCitizen(vk, USER).events.message(USER, "/start")
    assert (await process.post(event))[1] == "ok"
    assert (await process.post(event))[1] == "ok"
    assert vk.methods().count("messages.send") == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(models.Message)) == 1


async def test_bots_long_poll(sql_engine: DialogEngine, vk: FakeVk) -> None:
    bot_process = VkProcess(sql_engine, vk)
    idle = idle_surveys(bot_process.delivery, sql_engine, dt.timedelta(seconds=30))
    stop = asyncio.Event()
    polling = asyncio.create_task(run_long_poll(bot_process.bot, bot_process.edge, stop, idle))
    await vk.events.put(Events().message(USER, "/start"))
    for _ in range(100):
        if vk.texts(USER):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(polling, 10)
    await bot_process.api.http_client.close()
    assert "Здравствуйте" in vk.texts(USER)[0]


async def test_idle_survey_to_a_citizen_who_forbade_messages_is_recorded(
    process: VkProcess, vk: FakeVk, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await VkCitizen(vk, USER).say(process, "/start child_birth")
    await VkCitizen(vk, USER).say(process, "/menu")  # no open question
    vk.refusing.add(str(USER))
    later = dt.datetime.now(dt.UTC) + IDLE + dt.timedelta(minutes=1)
    (outgoing,) = await process.engine.sweep_idle("vk", later)
    await idle_surveys(process.delivery, process.engine, dt.timedelta(seconds=1)).send(outgoing)
    async with sessions() as session:
        (conversation,) = (await session.scalars(select(models.Conversation))).all()
    assert conversation.citizen_blocked_at is not None


async def test_payloads_are_short_ids(process: VkProcess, vk: FakeVk) -> None:
    await VkCitizen(vk, USER).say(process, "/start")
    board = vk.keyboard(USER)
    assert board is not None
    payloads = [json.dumps(b["action"]["payload"]) for row in board[0]["buttons"] for b in row]
    assert all(len(p) <= 64 for p in payloads)


async def test_a_flooding_citizen_is_told_to_wait(sql_engine: DialogEngine, vk: FakeVk) -> None:
    from bots.shared.flood import MemoryFloodControl

    bot_process = VkProcess(
        sql_engine, vk, MemoryFloodControl(rate=10, burst=2, max_wait=0.2, clock=_frozen)
    )
    await bot_process.start()
    try:
        citizen = VkCitizen(vk, USER)
        await asyncio.gather(*(citizen.say(bot_process, f"сообщение {n}") for n in range(12)))
    finally:
        await bot_process.stop()
    texts = vk.texts(USER)
    assert sum("Вы пишете очень быстро" in t for t in texts) == 1
    assert len(texts) < 12


# Citizens who talk like people, through the real vkbottle client
async def test_a_text_only_client_types_the_survey_and_gets_what_it_meant(
    process: VkProcess, vk: FakeVk, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = VkCitizen(vk, USER)
    for line in ("/start child_birth", "вчера", "да в браке", "работаю официально", "2"):
        await citizen.say(process, line, keyboards=False)
    assert "Вот ваш личный план" in citizen.all_text()
    await citizen.say(process, "спасибо", keyboards=False)
    survey = citizen.last_text
    assert "  1) 1" in survey  # the survey's choices are numbered from 1, nothing before them
    assert "Главное меню" not in survey
    for line in ("5", "4", "да", "пропустить"):
        await citizen.say(process, line, keyboards=False)
    assert "Спасибо!" in citizen.last_text
    async with sessions() as session:
        stored = {a.question: a.value for a in await session.scalars(select(models.SurveyAnswer))}
    assert stored == {"csat": "5", "effort": "4", "answered": "yes"}


async def test_vk_answers_in_words_follow_ups_and_the_plan_back(
    process: VkProcess, vk: FakeVk
) -> None:
    citizen = VkCitizen(vk, USER)
    await citizen.say(process, "уволили 3 дня назад по сокращению, ипотека есть")
    assert "Понял:" in citizen.all_text()
    await citizen.say(process, "нет все в порядке")
    assert "Вот ваш личный план" in citizen.all_text()
    await citizen.say(process, "а если я не успею встать на учет?")
    assert "Вернуться к плану" in [label for row in _shown_rows(vk) for label in row]
    await citizen.say(process, "главное меню")
    assert "Мой план" in [label for row in _shown_rows(vk) for label in row]
    await citizen.press(process, "Мой план")
    assert "Потеря работы. Шагов в плане" in citizen.last_text


async def test_a_proactive_message_first_asks_vk_whether_the_citizen_allows_it(
    process: VkProcess, vk: FakeVk
) -> None:
    from bots.channels.vk.app import MessagesForbidden, deliver_proactively, is_unreachable
    from bots.testing.vk_api import GROUP
    from dialogs.contract import Address, Outgoing

    reminder = Outgoing(Address("vk", str(USER)), (Reply("Напоминаю: срок завтра"),), "c", "d")
    vk.refusing.add(str(USER))
    with pytest.raises(MessagesForbidden) as refused:
        await deliver_proactively(process.delivery, reminder, GROUP)
    assert is_unreachable(refused.value)  # recorded, never retried
    assert "messages.send" not in vk.methods()  # nothing was tried
    vk.refusing.clear()
    await deliver_proactively(process.delivery, reminder, GROUP)
    assert vk.texts(USER) == ["Напоминаю: срок завтра"]


def _frozen() -> float:
    """Flood control's clock, stopped: the burst is one burst however slowly a busy machine
    handles it (a refill in between would make it two, each with its warning)."""
    return 1000.0
