"""The MAX adapter end to end: maxapi's real client against a fake MAX Bot API that answers as
MAX's schema says, through the webhook and long polling, to the stored survey."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from maxapi.client.ssl import RUSSIAN_TRUSTED_CA_BUNDLE
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.channels.max.app import (
    build_bot,
    close_bot,
    deliver_proactively,
    is_unreachable,
    run_polling,
    use_webhook,
)
from bots.channels.max.delivery import MaxDelivery
from bots.channels.max.rendering import BUTTONS, MESSAGE_LIMIT, ROW_WIDTH, ROWS, render
from bots.runtime.channels import max_config
from bots.runtime.settings import Settings
from bots.shared.flood import MemoryFloodControl
from bots.shared.pacing import Pace, Pacer
from bots.shared.proactive import IdleSurveys
from bots.shared.screens import MemoryScreens
from bots.testing.max_api import FakeMax, Subscription, now_ms
from bots.testing.max_bot import SECRET, MaxCitizen, MaxProcess
from dialogs import payloads
from dialogs.contract import Address, Button, Outgoing, Reply
from dialogs.engine import DialogEngine
from knowledge_base.errors import ConfigurationError
from knowledge_base.model import KnowledgeBaseContent
from storage import models
from tests.conftest import IDLE

USER = 4242
HOOK = "https://bot.example.invalid/max/webhook"


@pytest.fixture
async def fake() -> AsyncIterator[FakeMax]:
    server = FakeMax()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def process(sql_engine: DialogEngine, fake: FakeMax) -> AsyncIterator[MaxProcess]:
    bot_process = MaxProcess(sql_engine, fake)
    await bot_process.start()
    yield bot_process
    await bot_process.stop()


def _rows(fake: FakeMax, user: int = USER) -> list[list[str]]:
    shown = fake.keyboard(user)
    assert shown is not None
    return [[str(b["text"]) for b in row] for row in shown[0]]


def _labels(fake: FakeMax) -> list[str]:
    return [label for row in _rows(fake) for label in row]


async def _count(sessions: async_sessionmaker[AsyncSession], table: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def test_a_deep_link_conversation_in_words_and_buttons_ends_with_the_stored_survey(
    process: MaxProcess, fake: FakeMax, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = MaxCitizen(fake, USER)
    assert await citizen.start(process, "child_birth") == 200  # max.ru/<bot>?start=child_birth
    assert "Рождение ребёнка" in citizen.all_text()
    await citizen.say(process, "родился вчера")
    await citizen.say(process, "да мы в браке")  # answered in words, not with the button
    while "Вот ваш личный план" not in citizen.all_text():
        await citizen.press(process, _labels(fake)[0])
    await citizen.say(process, "а если я не успею?")  # a follow-up in the middle of the plan
    await citizen.press(process, "Вернуться к плану")
    for _ in range(15):
        if fake.has_button(USER, "Готово"):
            break
        await citizen.press(process, "Дальше")
    await citizen.press(process, "Готово")
    assert "Насколько вы довольны?" in citizen.last_text
    for label in ("5", "4", "Да"):
        assert await citizen.press(process, label) == 200
    await citizen.say(process, "всё понятно, спасибо")
    assert "Спасибо!" in citizen.last_text
    async with sessions() as session:
        answers = {a.question: a.value for a in await session.scalars(select(models.SurveyAnswer))}
        (conversation,) = (await session.scalars(select(models.Conversation))).all()
    assert answers == {"csat": "5", "effort": "4", "answered": "yes",
                       "comment": "всё понятно, спасибо"}  # fmt: skip
    assert (conversation.channel, conversation.situation_id) == ("max", "child_birth")
    assert all(len(text) < 4000 for text in fake.texts(USER))


async def test_every_press_is_answered_once_and_never_empty(
    process: MaxProcess, fake: FakeMax
) -> None:
    citizen = MaxCitizen(fake, USER)
    await citizen.say(process, "/start")
    presses = 0
    for label in ("Семья и дети", "Главное меню", "Работа и пенсия"):
        await citizen.press(process, label)
        presses += 1
    answers = fake.answers()
    assert len(answers) == presses
    assert all(call.ok for call in answers)  # MAX refuses an answer with nothing in it


async def test_navigation_edits_the_menu_in_place_through_the_answer(
    process: MaxProcess, fake: FakeMax
) -> None:
    citizen = MaxCitizen(fake, USER)
    await citizen.say(process, "/start")
    sent = len(fake.sent(USER))
    await citizen.press(process, "Работа и пенсия")
    assert len(fake.sent(USER)) == sent  # no new message: the menu became the category
    (answer,) = fake.answers()
    assert "Выберите ситуацию" in answer.body["message"]["text"]
    assert "Потеря работы" in _labels(fake)


async def test_a_bare_start_greets_and_so_does_a_deep_link_too_long_for_max(
    process: MaxProcess, fake: FakeMax
) -> None:
    await MaxCitizen(fake, USER).start(process)
    assert "Здравствуйте" in fake.texts(USER)[0]
    await MaxCitizen(fake, USER + 1).start(process, "x" * 600)  # MAX drops the payload
    assert "Здравствуйте" in fake.texts(USER + 1)[0]


async def test_a_plan_longer_than_a_message_is_split_on_paragraphs_below_the_limit(
    process: MaxProcess, fake: FakeMax
) -> None:
    paragraphs = [f"Шаг {n}. " + "подробности шага " * 40 for n in range(12)]
    long_plan = Reply("\n\n".join(paragraphs), buttons=((Button("Дальше", payloads.NEXT),),))
    await process.delivery.send(str(fake.chat(USER)), [long_plan])
    texts = fake.texts(USER)
    assert len(texts) >= 2
    assert all(len(text) <= MESSAGE_LIMIT for text in texts)
    assert all(text.endswith("шага ") or text.rstrip().endswith("шага") for text in texts)
    assert "\n\n".join(texts).count("Шаг ") == 12  # nothing lost at the cuts
    assert fake.shown(USER)[-1].keyboard() is not None  # the buttons go with the last piece
    escaped = render(Reply("<b>" * 1500))
    assert all(len(m.text) <= MESSAGE_LIMIT for m in escaped)  # counted after escaping


async def test_a_menu_longer_than_max_shows_is_paged_in_place(
    process: MaxProcess, fake: FakeMax, kb: KnowledgeBaseContent
) -> None:
    situations = list(kb.situations.values())
    rows = tuple((Button(s.title, payloads.situation(s.id)),) for s in situations * 2)[:45]
    await process.delivery.send(str(fake.chat(USER)), [Reply("Выберите ситуацию", rows)])
    citizen = MaxCitizen(fake, USER)
    pages = [_rows(fake)]
    while ["Ещё…"] in pages[-1] or any("Ещё…" in row for row in pages[-1]):
        assert await citizen.press(process, "Ещё…") == 200
        pages.append(_rows(fake))
    assert len(pages) == 2
    for page in pages:
        assert len(page) <= ROWS
        assert sum(map(len, page)) <= BUTTONS
        assert all(len(row) <= ROW_WIDTH for row in page)
    assert len(fake.sent(USER)) == 1  # pages turn in the same message
    await citizen.press(process, "← Назад")
    assert _rows(fake) == pages[0]
    await citizen.press(process, situations[0].title)
    assert situations[0].questions[0].text in citizen.last_text


async def test_a_forged_or_unsigned_update_gets_401_and_is_not_handled(
    process: MaxProcess, fake: FakeMax, sessions: async_sessionmaker[AsyncSession]
) -> None:
    update = fake.message_created(USER, "/start")
    assert await process.post(update, secret="not-the-secret") == 401
    assert await process.post(update, secret=None) == 401
    assert await process.post(update, secret="секрет") == 401  # not ASCII: still no 500
    assert fake.methods() == []
    assert await _count(sessions, models.Message) == 0
    status, _ = await process.post_json("[1, 2]", {"X-Max-Bot-Api-Secret": SECRET})
    assert status == 400
    broken = {"update_type": "message_created", "message": {"body": 5}}
    assert await process.post(broken) == 400
    assert await process.post({"update_type": "chat_title_changed", "timestamp": 1}) == 200


async def test_a_redelivered_update_is_handled_once(
    process: MaxProcess, fake: FakeMax, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await MaxCitizen(fake, USER).start(process, "child_birth")
    update = fake.message_created(USER, "вчера")
    assert await process.post(update) == 200
    first = fake.texts(USER)[-1]
    assert await process.post(update) == 200  # MAX retries when our 200 was late
    assert await _count(sessions, models.Message) == 2  # the start and «вчера», once
    # The same answer again (it may never have left), not the next question.
    assert fake.texts(USER)[-1] == first


async def test_long_polling_takes_over_from_a_left_over_webhook_and_confirms_each_batch(
    sql_engine: DialogEngine, fake: FakeMax
) -> None:
    fake.subscriptions[HOOK] = Subscription(HOOK, now_ms(), None, "old-secret")
    bot_process = MaxProcess(sql_engine, fake)
    stop = asyncio.Event()
    polling = asyncio.create_task(run_polling(bot_process.bot, bot_process.router, stop))
    fake.enqueue(fake.bot_started(USER, "passport"), fake.message_created(USER + 1, "загранник"))
    for _ in range(200):
        if fake.texts(USER) and fake.texts(USER + 1) and not fake.pending():
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(polling, 10)
    await bot_process.stop()
    assert fake.subscriptions == {}
    assert "паспорт" in "\n".join(fake.texts(USER)).lower()
    assert "загран" in "\n".join(fake.texts(USER + 1)).lower()
    assert fake.pending() == []  # every update handled was confirmed by the next marker


async def test_the_webhook_subscribes_with_its_secret_and_drops_other_addresses(
    fake: FakeMax,
) -> None:
    fake.subscriptions["https://old.example/hook"] = Subscription(
        "https://old.example/hook", now_ms(), None, None
    )
    bot = build_bot(fake.token, fake.url)
    try:
        await use_webhook(bot, HOOK, SECRET)
    finally:
        await close_bot(bot)
    assert list(fake.subscriptions) == [HOOK]
    assert fake.subscriptions[HOOK].secret == SECRET
    assert set(fake.subscriptions[HOOK].update_types or ()) == {
        "message_created", "message_callback", "bot_started",
    }  # fmt: skip


async def test_a_citizen_who_blocked_the_bot_is_recorded_and_not_retried(
    process: MaxProcess, fake: FakeMax, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = MaxCitizen(fake, USER)
    await citizen.start(process, "child_birth")
    await citizen.say(process, "/menu")  # no open question: the idle survey may come
    fake.blocked.add(USER)
    later = dt.datetime.now(dt.UTC) + IDLE + dt.timedelta(minutes=1)
    (outgoing,) = await process.engine.sweep_idle("max", later)

    async def deliver(message: Outgoing) -> None:
        await deliver_proactively(process.delivery, message)

    await IdleSurveys(process.engine, "max", deliver, is_unreachable, IDLE).send(outgoing)
    async with sessions() as session:
        (conversation,) = (await session.scalars(select(models.Conversation))).all()
    assert conversation.citizen_blocked_at is not None
    assert await process.engine.sweep_idle("max", later + IDLE) == []  # never again


async def test_the_idle_survey_is_sent_once_and_never_into_a_group(
    process: MaxProcess, fake: FakeMax
) -> None:
    citizen = MaxCitizen(fake, USER)
    await citizen.start(process, "child_birth")
    await citizen.say(process, "/menu")
    later = dt.datetime.now(dt.UTC) + IDLE + dt.timedelta(minutes=1)
    (outgoing,) = await process.engine.sweep_idle("max", later)
    await deliver_proactively(process.delivery, outgoing)
    assert "Вы давно не писали" in citizen.last_text
    group = Outgoing(Address("max", "-70801234"), outgoing.replies)
    calls = len(fake.calls)
    await deliver_proactively(process.delivery, group)
    assert len(fake.calls) == calls


async def test_a_429_is_waited_out_and_the_message_still_arrives(
    sql_engine: DialogEngine, fake: FakeMax
) -> None:
    bot_process = MaxProcess(sql_engine, fake, pace=Pace(chat_gap=0.0, backoff=0.01))
    await bot_process.start()
    try:
        fake.throttled["POST /messages"] = 2
        assert await MaxCitizen(fake, USER).say(bot_process, "/start") == 200
    finally:
        await bot_process.stop()
    refused = [c for c in fake.calls if c.name == "POST /messages" and c.status == 429]
    assert len(refused) == 2
    assert "Здравствуйте" in fake.texts(USER)[0]


async def test_sends_are_paced_per_dialog_and_per_bot() -> None:
    now = [0.0]
    sent: list[tuple[str, float]] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(Pace(per_second=3, chat_gap=0.5), lambda _: False, lambda: now[0], sleep)

    async def send(chat: str) -> None:
        async def request() -> None:
            sent.append((chat, now[0]))

        await pacer.call(chat, request)

    for chat in ("a", "a", "a", "b"):
        await send(chat)
    times = {chat: [t for c, t in sent if c == chat] for chat in ("a", "b")}
    assert times["a"] == [0.0, 0.5, 1.0]  # two a second into one dialog at most
    assert times["b"] == [1.0]  # another dialog waits only for the bot's own rate
    burst = Pacer(Pace(per_second=3, chat_gap=0.0), lambda _: False, lambda: now[0], sleep)
    start = now[0]
    moments = []
    for _ in range(7):
        await burst.call(None, lambda: asyncio.sleep(0))
        moments.append(now[0] - start)
    assert moments == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]  # 3 in any one second


async def test_a_flooding_citizen_is_told_to_wait(sql_engine: DialogEngine, fake: FakeMax) -> None:
    flood = MemoryFloodControl(rate=10, burst=2, max_wait=0.2, clock=_frozen)
    bot_process = MaxProcess(sql_engine, fake, flood)
    await bot_process.start()
    try:
        citizen = MaxCitizen(fake, USER)
        await asyncio.gather(*(citizen.say(bot_process, f"сообщение {n}") for n in range(12)))
    finally:
        await bot_process.stop()
    texts = fake.texts(USER)
    assert sum("Вы пишете очень быстро" in t for t in texts) == 1
    assert len(texts) < 12


async def test_forget_removes_the_citizen_and_answers_in_max(
    process: MaxProcess, fake: FakeMax, sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = MaxCitizen(fake, USER)
    await citizen.start(process, "child_birth")
    await citizen.say(process, "вчера")
    await citizen.say(process, "/forget")
    assert await _count(sessions, models.Message) == 0
    assert "удал" in citizen.last_text.lower()


async def test_a_group_chat_gets_one_line_pointing_to_a_dialog(
    process: MaxProcess, fake: FakeMax
) -> None:
    group = -70801234
    await process.post(fake.message_created(USER, "у нас в чате обсуждаем садик", chat=group))
    assert fake.texts(group) == []  # not spoken to: silence
    await process.post(fake.message_created(USER, "@lifebot как оформить пособие", chat=group))
    (only,) = fake.texts(group)
    assert "личных сообщениях" in only


def test_the_ca_bundle_setting_is_checked_and_the_mintsifry_root_is_trusted(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigurationError, match="MAX_CA_BUNDLE"):
        max_config(Settings(max_bot_token=SecretStr("t"), max_ca_bundle=tmp_path / "нет.pem"))
    with pytest.raises(ConfigurationError, match="https"):
        max_config(Settings(max_bot_token=SecretStr("t"), max_webhook_url="http://x/hook",
                            max_webhook_secret=SecretStr(SECRET)))  # fmt: skip
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=str(RUSSIAN_TRUSTED_CA_BUNDLE))
    subjects = [str(cert["subject"]) for cert in context.get_ca_certs()]
    assert any("Russian Trusted Root CA" in subject for subject in subjects)


def test_maxs_limits_are_settings_an_operator_can_follow_when_max_changes_them() -> None:
    default = max_config(Settings(max_bot_token=SecretStr("t")))
    assert (default.per_second, default.chat_gap) == (30, 0.5)  # MAX's documented limits
    changed = max_config(Settings(max_bot_token=SecretStr("t"), max_requests_per_second=50,
                                  max_chat_gap_seconds=0.2))  # fmt: skip
    assert (changed.per_second, changed.chat_gap) == (50, 0.2)


async def test_a_ca_bundle_given_is_what_the_client_trusts(fake: FakeMax) -> None:
    bot = build_bot(fake.token, fake.url, RUSSIAN_TRUSTED_CA_BUNDLE)
    try:
        connector = bot.default_connection.kwargs["connector"]
        trusted = [str(c["subject"]) for c in connector._ssl.get_ca_certs()]
        assert any("Russian Trusted Root CA" in subject for subject in trusted)
        assert (await bot.get_me()).username == "lifebot"
    finally:
        await close_bot(bot)
    assert connector.closed


async def test_an_unknown_button_still_gets_its_answer(process: MaxProcess, fake: FakeMax) -> None:
    citizen = MaxCitizen(fake, USER)
    await citizen.say(process, "/start")
    _, mid = fake.button(USER, "Семья и дети")
    assert await process.post(fake.message_callback(USER, "mxp:gone:1", mid)) == 200
    assert await process.post(fake.message_callback(USER, "no-such-button", mid)) == 200
    assert [c.ok for c in fake.answers()] == [True, True]


def test_delivery_keeps_the_screens_it_was_given(fake: FakeMax, kb: KnowledgeBaseContent) -> None:
    screens = MemoryScreens()
    delivery = MaxDelivery(build_bot(fake.token, fake.url), screens, kb.texts)
    assert delivery.screens is screens


async def test_in_an_allowed_group_a_button_works_only_for_its_citizen(
    process: MaxProcess, fake: FakeMax, kb: KnowledgeBaseContent
) -> None:
    process.edge.group_chats = True
    group, other = -70805555, USER + 7
    await process.post(fake.message_created(USER, "/start", chat=group))
    payload, mid = fake.button(group, "Семья и дети")
    shown = fake.texts(group)
    assert await process.post(fake.message_callback(other, payload, mid)) == 200
    assert fake.answers()[-1].body == {"notification": kb.texts.not_your_button}
    assert fake.texts(group) == shown  # nothing changed for the first citizen
    assert await process.post(fake.message_callback(USER, payload, mid)) == 200
    assert "Выберите ситуацию" in fake.texts(group)[-1]


async def test_what_clients_and_forgers_send_never_breaks_a_turn(
    process: MaxProcess, fake: FakeMax, kb: KnowledgeBaseContent
) -> None:
    for text in ("\x00привет", "паспорт \ud800 поменять", "²³", "9" * 5000):
        assert await process.post(fake.message_created(USER, text)) == 200
    texts = fake.texts(USER)
    assert len(texts) >= 4
    assert kb.texts.apology not in texts


async def test_a_failing_turn_gets_the_apology_and_a_failing_send_no_trace(
    process: MaxProcess, fake: FakeMax, kb: KnowledgeBaseContent
) -> None:
    class Broken:
        async def classify(self, text: str) -> None:
            raise RuntimeError("classifier down")

    process.engine._dialogue._classifier = Broken()  # type: ignore[assignment]
    citizen = MaxCitizen(fake, USER)
    assert await citizen.say(process, "что-нибудь про пособие") == 200
    assert citizen.last_text == kb.texts.apology
    fake.blocked.add(USER + 1)  # every send fails: the update is still answered, quietly
    assert await MaxCitizen(fake, USER + 1).say(process, "/start") == 200


def _frozen() -> float:
    """Flood control's clock, stopped: the burst is one burst however slowly a busy machine
    handles it (a refill in between would make it two, each with its warning)."""
    return 1000.0
