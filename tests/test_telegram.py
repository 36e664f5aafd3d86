"""The Telegram adapter end to end: aiogram's real HTTP client against a fake Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bots.channels.telegram.app import build_bot, build_dispatcher, idle_surveys, run_polling
from bots.channels.telegram.rendering import MESSAGE_LIMIT, render
from bots.channels.telegram.typing import typing_after
from bots.shared.edge import Edge
from bots.shared.flood import MemoryFloodControl
from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.telegram_bot import BotProcess, Citizen
from dialogs.contract import Button, Reply
from dialogs.engine import DialogEngine
from knowledge_base.loader import load_knowledge_base
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from storage import models
from storage.database import create_engine, session_factory
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.conftest import IDLE, SECRET

USER = 5550001


@pytest.fixture
async def process(sql_engine: DialogEngine, telegram: FakeTelegram) -> AsyncIterator[BotProcess]:
    bot_process = BotProcess(sql_engine, telegram)
    await bot_process.start()
    yield bot_process
    await bot_process.stop()


async def _count(sessions: async_sessionmaker[AsyncSession], model: type[models.Base]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_whole_conversation_ends_with_the_survey_stored(
    process: BotProcess, telegram: FakeTelegram, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = Citizen(telegram, USER)
    assert await citizen.say(process, "/start") == 200
    assert "Здравствуйте" in citizen.last_text
    await citizen.say(process, "у нас родился ребёнок, что делать?")
    assert "Когда родился ребёнок?" in citizen.last_text
    await citizen.say(process, "01.03.2026")
    await citizen.press(process, "Да, в браке")
    await citizen.press(process, "Да")
    await citizen.press(process, "Нет, выше")
    assert "Шагов в плане: 6" in citizen.all_text()

    await citizen.press(process, "Дальше")
    edits_before = telegram.methods().count("editMessageText")
    while "Готово ✓" not in json.dumps(telegram.last_keyboard(USER), ensure_ascii=False):
        await citizen.press(process, "Дальше")
    assert telegram.methods().count("editMessageText") == edits_before  # steps stay in the chat
    await citizen.press(process, "Готово ✓")
    assert "Насколько вы довольны?" in citizen.last_text
    await citizen.press(process, "5")
    await citizen.press(process, "4")
    await citizen.press(process, "Частично")
    await citizen.say(process, "Хорошо бы адрес ЗАГСа")
    assert "Спасибо!" in citizen.last_text

    presses = sum(1 for m in telegram.methods() if m == "answerCallbackQuery")
    callbacks = sum(1 for c in telegram.calls if c.method == "answerCallbackQuery")
    assert presses == callbacks >= 10
    async with sessions() as session:
        answers = {a.question: a.value for a in await session.scalars(select(models.SurveyAnswer))}
        (conversation,) = (await session.scalars(select(models.Conversation))).all()
    assert answers == {
        "csat": "5", "effort": "4", "answered": "partly", "comment": "Хорошо бы адрес ЗАГСа"
    }  # fmt: skip
    assert conversation.channel == "telegram"
    assert conversation.end_reason == "plan_finished"


async def test_every_button_press_is_answered(
    process: BotProcess, telegram: FakeTelegram, kb: KnowledgeBaseContent
) -> None:
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "/start")
    await citizen.press(process, "Документы")
    title = kb.situations["passport"].title
    await citizen.press(process, title)
    assert telegram.methods().count("answerCallbackQuery") == 2
    assert title in citizen.last_text or title in citizen.all_text()


async def test_deep_link_opens_the_situation(process: BotProcess, telegram: FakeTelegram) -> None:
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "/start job_loss")
    assert "Когда вас уволили?" in citizen.last_text


async def test_texts_are_escaped_for_html(process: BotProcess, telegram: FakeTelegram) -> None:
    (message,) = render(Reply("Сроки <важно> & «кавычки»"))
    assert message.text == "Сроки &lt;важно&gt; &amp; «кавычки»"
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "/start")
    assert all(p.get("parse_mode") == "HTML" for p in telegram.sent(USER))


def test_a_long_reply_is_split_on_paragraphs_with_the_keyboard_last() -> None:
    paragraphs = [f"Абзац {n}. " + "слово " * 120 for n in range(20)]
    reply = Reply("\n\n".join(paragraphs), ((Button("Дальше →", "n:next"),),))
    messages = render(reply)
    assert len(messages) > 1
    assert all(len(m.text) <= MESSAGE_LIMIT for m in messages)
    assert all(m.text.startswith("Абзац") for m in messages)  # cut between paragraphs
    assert [m.markup is not None for m in messages] == [False] * (len(messages) - 1) + [True]


async def test_a_long_plan_arrives_in_several_messages(
    telegram: FakeTelegram,
    content_copy: Path,
    classifier: EmbeddedClassifier,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    path = content_copy / "situations" / "child_birth.yml"
    long_summary = "  " + " ".join(["Длинное пояснение о сроках и документах."] * 40)
    text = path.read_text(encoding="utf-8").replace(
        "без заявления.\n", "без заявления.\n\n" + "\n\n".join([long_summary] * 12) + "\n", 1
    )
    path.write_text(text, encoding="utf-8")
    kb = load_knowledge_base(content_copy)
    engine = DialogEngine(kb, classifier, SqlUnits(sessions, Pseudonymizer(SECRET)))
    bot_process = BotProcess(engine, telegram)
    await bot_process.start()
    try:
        await Citizen(telegram, USER).say(bot_process, "/start child_birth")
    finally:
        await bot_process.stop()
    texts = telegram.texts(USER)
    assert len(texts) >= 4
    assert all(len(t) <= MESSAGE_LIMIT for t in texts)
    assert "Когда родился ребёнок?" in texts[-1]


async def test_webhook_rejects_a_wrong_or_missing_secret(
    process: BotProcess, telegram: FakeTelegram, sessions: async_sessionmaker[AsyncSession]
) -> None:
    update = Updates().message(USER, "/start")
    assert await process.post(update, secret="wrong") == 401
    assert await process.post(update, secret=None) == 401
    assert telegram.sent() == []
    assert await _count(sessions, models.Message) == 0


async def test_a_duplicate_update_is_handled_once(
    process: BotProcess, telegram: FakeTelegram, sessions: async_sessionmaker[AsyncSession]
) -> None:
    update = Updates().message(USER, "/start")
    assert await process.post(update) == 200
    assert await process.post(update) == 200
    # Handled once; the redelivery gets the same answer again (the first may never have left).
    first, again = telegram.texts(USER)
    assert first == again
    assert await _count(sessions, models.Message) == 1


async def test_two_bot_processes_continue_one_conversation(
    telegram: FakeTelegram,
    kb: object,
    classifier: EmbeddedClassifier,
    database_url: str,
    database: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    def engine() -> tuple[DialogEngine, AsyncEngine]:
        db = create_engine(database_url)
        units = SqlUnits(session_factory(db), Pseudonymizer(SECRET))
        return DialogEngine(kb, classifier, units), db  # type: ignore[arg-type]

    (first_engine, first_db), (second_engine, second_db) = engine(), engine()
    first, second = BotProcess(first_engine, telegram), BotProcess(second_engine, telegram)
    await first.start()
    await second.start()
    citizen = Citizen(telegram, USER)
    try:
        await citizen.say(first, "/start child_birth")
        await citizen.say(second, "01.03.2026")
        assert "Вы состоите в браке" in citizen.last_text
        await citizen.press(first, "Нет")
        assert "Кто-то из родителей работает" in citizen.last_text
        await citizen.press(second, "Да")
        assert "Доход семьи" in citizen.last_text
    finally:
        await first.stop()
        await second.stop()
        await first_db.dispose()
        await second_db.dispose()
    assert await _count(sessions, models.Conversation) == 1


async def test_idle_survey_to_a_citizen_who_blocked_the_bot_is_recorded_not_retried(
    process: BotProcess, telegram: FakeTelegram, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "/start child_birth")
    await citizen.say(process, "/menu")  # no open question: the idle survey may come
    telegram.blocked_chats.add(str(USER))
    idle = idle_surveys(process.bot, process.engine, dt.timedelta(seconds=1))
    later = dt.datetime.now(dt.UTC) + IDLE + dt.timedelta(minutes=1)
    (outgoing,) = await process.engine.sweep_idle("telegram", later)
    await idle.send(outgoing)  # the Bot API answers 403
    assert await process.engine.sweep_idle("telegram", later + IDLE * 3) == []
    async with sessions() as session:
        (conversation,) = (await session.scalars(select(models.Conversation))).all()
    assert conversation.citizen_blocked_at is not None
    assert conversation.end_reason == "idle"


async def test_the_idle_survey_is_delivered_by_the_background_task(
    process: BotProcess, telegram: FakeTelegram
) -> None:
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "/start child_birth")
    await citizen.say(process, "/menu")  # no open question: the idle survey may come

    class Future:
        def __call__(self) -> dt.datetime:
            return dt.datetime.now(dt.UTC) + IDLE * 2

    from bots.shared.proactive import send_idle_surveys

    task = asyncio.create_task(
        send_idle_surveys(process.engine, "telegram", idle_surveys(
            process.bot, process.engine, dt.timedelta(seconds=1)
        ).send, dt.timedelta(milliseconds=50), clock=Future())
    )  # fmt: skip
    for _ in range(100):
        if "Вы давно не писали" in citizen.last_text:
            break
        await asyncio.sleep(0.05)
    task.cancel()
    assert "Вы давно не писали" in citizen.last_text
    assert sum("Вы давно не писали" in t for t in telegram.texts(USER)) == 1


async def test_long_polling_mode(telegram: FakeTelegram, sql_engine: DialogEngine) -> None:
    bot = build_bot(telegram.token, telegram.url)
    dispatcher = build_dispatcher(Edge(sql_engine))
    idle = idle_surveys(bot, sql_engine, dt.timedelta(seconds=30))
    stop = asyncio.Event()
    polling = asyncio.create_task(run_polling(bot, dispatcher, idle, stop))
    await telegram.updates.put(Updates().message(USER, "/start"))
    for _ in range(200):
        if telegram.sent(USER):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await polling
    await bot.session.close()
    assert "Здравствуйте" in telegram.texts(USER)[0]
    commands = [c for c in telegram.calls if c.method == "setMyCommands"]
    assert commands
    described = json.loads(commands[0].params["commands"])
    assert {"command": "start", "description": "Начать сначала"} in described


async def test_a_flooding_citizen_is_slowed_down_and_others_are_not(
    sql_engine: DialogEngine, telegram: FakeTelegram
) -> None:
    flood = MemoryFloodControl(rate=10, burst=3, max_wait=1.0)
    bot_process = BotProcess(sql_engine, telegram, flood)
    await bot_process.start()
    updates = Updates()
    flooder, other = Citizen(telegram, 1001, updates), Citizen(telegram, 2002, updates)
    try:
        burst = [flooder.say(bot_process, f"сообщение {n}") for n in range(20)]
        flooding = asyncio.gather(*burst)
        await asyncio.sleep(0.05)
        await other.say(bot_process, "/start")
        await flooding
    finally:
        await bot_process.stop()
    order = [str(c.params.get("chat_id")) for c in telegram.calls if c.method == "sendMessage"]
    other_at = order.index("2002")
    assert order[other_at + 1 :].count("1001") > 0  # the flooder's later messages waited
    flooder_texts = telegram.texts(1001)
    assert any("Вы пишете очень быстро" in t for t in flooder_texts)
    assert len([t for t in flooder_texts if "быстро" not in t]) < 20  # excess was dropped


async def test_a_failing_turn_gets_the_apology(
    process: BotProcess, telegram: FakeTelegram
) -> None:
    class Broken:
        async def classify(self, text: str) -> None:
            raise RuntimeError("classifier down")

    process.engine._dialogue._classifier = Broken()  # type: ignore[assignment]
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "что-нибудь")
    assert citizen.last_text == process.engine.knowledge.texts.apology


# Citizens who talk like people, through the real aiogram client
async def test_free_text_answers_facts_and_follow_ups_in_telegram(
    process: BotProcess, telegram: FakeTelegram, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "жена вчера родила второго, я работаю официально")
    assert "Понял:" in citizen.all_text()
    assert "Доход семьи" in citizen.last_text  # married and employed were told: not asked
    await citizen.say(process, "пока не знаю")
    assert "Вот ваш личный план" in citizen.all_text()
    await citizen.say(process, "а сколько платят пособие?")
    assert "₽" in citizen.last_text
    assert telegram.has_button(USER, "Вернуться к плану")
    async with sessions() as session:
        asked = await session.scalar(
            select(models.Message.follow_up).where(models.Message.follow_up.is_not(None))
        )
    assert asked is not None
    assert asked.startswith("faq:")


async def test_the_plan_overview_stays_in_the_chat(
    process: BotProcess, telegram: FakeTelegram
) -> None:
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "/start child_birth")
    await citizen.say(process, "позавчера")
    await citizen.press(process, "Да, в браке")
    await citizen.press(process, "Да")
    await citizen.press(process, "Нет, выше")
    overview = next(
        c.params["_message_id"]
        for c in telegram.calls
        if c.method == "sendMessage" and "Шагов в плане" in str(c.params.get("text"))
    )
    await citizen.press(process, "Дальше")
    await citizen.press(process, "Дальше")
    await citizen.say(process, "дальше")
    edits = [c.params for c in telegram.calls if c.method == "editMessageText"]
    assert all(int(e["message_id"]) != int(overview) for e in edits)
    assert any("Шаг 3 из" in text for text in telegram.texts(USER))
    await citizen.press(process, "Все шаги")
    await citizen.press(process, "Весь план одним сообщением")
    assert "ваш план целиком" in citizen.all_text()
    assert "Оформите ребёнку полис ОМС" in citizen.last_text or "полис ОМС" in citizen.all_text()


async def test_an_old_survey_keyboard_does_not_overwrite_the_answer(
    process: BotProcess, telegram: FakeTelegram, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = Citizen(telegram, USER)
    await citizen.say(process, "/start child_birth")
    await citizen.say(process, "вчера")
    await citizen.press(process, "Нет")
    await citizen.press(process, "Нет")
    await citizen.press(process, "Нет, выше")
    await citizen.say(process, "спасибо")
    assert "Насколько вы довольны" in citizen.last_text
    await citizen.press(process, "5")
    old_effort = citizen.button_update("4")
    await citizen.press(process, "4")
    await citizen.say(process, "да")
    await citizen.say(process, "пропустить")
    assert "Спасибо!" in citizen.last_text
    old_effort["update_id"] += 1000  # the same old keyboard, tapped again later
    old_effort["callback_query"]["data"] = old_effort["callback_query"]["data"].replace(
        ":4:", ":1:"
    )
    await process.post(old_effort)
    async with sessions() as session:
        stored = {a.question: a.value for a in await session.scalars(select(models.SurveyAnswer))}
    assert stored == {"csat": "5", "effort": "4", "answered": "yes"}


async def test_typing_shows_only_while_a_slow_answer_is_prepared(telegram: FakeTelegram) -> None:
    bot = build_bot(telegram.token, telegram.url)
    try:
        async with typing_after(bot, USER, 0.3):
            await asyncio.sleep(0.05)  # a quick answer: no «печатает…»
        assert "sendChatAction" not in telegram.methods()
        async with typing_after(bot, USER, 0.05):
            await asyncio.sleep(0.3)
        (shown,) = [c for c in telegram.calls if c.method == "sendChatAction"]
        assert (shown.params["action"], shown.params["chat_id"]) == ("typing", str(USER))
        await asyncio.sleep(0.1)
        assert telegram.methods().count("sendChatAction") == 1  # stopped with the answer
    finally:
        await bot.session.close()
