"""The fake MAX Bot API answers maxapi's real client as MAX does.

maxapi is pointed at the fake with ``Bot.set_api_url``; its TLS setup (a connector trusting the
bundled Russian Trusted Root CA) is never exercised, the fake being plain HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from maxapi import Bot, Dispatcher
from maxapi.enums.chat_type import ChatType
from maxapi.enums.http_method import HTTPMethod
from maxapi.enums.parse_mode import TextFormat
from maxapi.enums.update import UpdateType
from maxapi.exceptions.max import InvalidToken, MaxApiError
from maxapi.methods.types.getted_updates import process_update_request
from maxapi.types import BotStarted, CallbackButton, LinkButton, MessageCallback, MessageCreated
from maxapi.utils.inline_keyboard import InlineKeyboardBuilder
from maxapi.webhook.aiohttp import AiohttpMaxWebhook

from bots.testing.local import LocalBot
from bots.testing.max_api import BOT_ID, BOT_USERNAME, DIALOG_BASE, FakeMax, dialog_of

USER = 4242
OTHER = 5151
SECRET = "max-webhook-secret"
HOOK = "https://bot.example/max/webhook"


@pytest.fixture
async def fake() -> AsyncIterator[FakeMax]:
    server = FakeMax()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeMax) -> AsyncIterator[Bot]:
    client = Bot(token=fake.token, auto_requests=False)
    client.set_api_url(fake.url)
    yield client
    await client.close_session()


def keyboard(*rows: list[Any]) -> Any:
    builder = InlineKeyboardBuilder()  # type: ignore[no-untyped-call]
    for row in rows:
        builder.row(*row)
    return builder.as_markup()


async def raw_send(bot: Bot, body: dict[str, Any], user: int = USER) -> Any:
    """POST /messages through maxapi's own request path, past its client-side checks."""
    return await bot.request(
        HTTPMethod.POST, "/messages", None, is_return_raw=True, params={"user_id": user}, json=body
    )


@dataclass
class Refused:
    status: int
    body: dict[str, Any]


async def refusal(call: Awaitable[Any]) -> Refused:
    """The HTTP status and MAX's error body maxapi raised ``MaxApiError`` with."""
    with pytest.raises(MaxApiError) as caught:
        await call
    assert isinstance(caught.value.raw, dict)
    return Refused(caught.value.code, caught.value.raw)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_get_me_with_the_token_in_the_authorization_header(fake: FakeMax, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.user_id, me.username, me.is_bot) == (BOT_ID, BOT_USERNAME, True)
    assert fake.methods() == ["GET /me"]


async def test_a_wrong_token_or_one_in_the_query_is_refused(fake: FakeMax) -> None:
    wrong = Bot(token="not-the-token")
    wrong.set_api_url(fake.url)
    with pytest.raises(InvalidToken, match=r"verify\.token"):
        await wrong.get_me()
    await wrong.close_session()
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{fake.url}/me", params={"access_token": fake.token}) as response,
    ):
        assert response.status == 401
        assert await response.json() == {"code": "verify.token", "message": "Invalid access_token"}
    assert [c.status for c in fake.calls] == [401, 401]


async def test_a_message_with_an_inline_keyboard(fake: FakeMax, bot: Bot) -> None:
    markup = keyboard(
        [CallbackButton(text="Да", payload="yes"), CallbackButton(text="Нет", payload="no")],
        [LinkButton(text="Госуслуги", url="https://www.gosuslugi.ru")],
    )
    sent = await bot.send_message(
        user_id=USER, text="<b>Подать заявление?</b>", format=TextFormat.HTML, attachments=[markup]
    )
    assert sent is not None
    message = sent.message
    assert message.recipient.chat_type == ChatType.DIALOG
    assert (message.recipient.chat_id, message.recipient.user_id) == (dialog_of(USER), USER)
    assert message.sender is not None
    assert message.sender.user_id == BOT_ID
    assert message.body is not None
    assert message.body.mid.startswith("mid.")
    assert message.body.text == "<b>Подать заявление?</b>"
    assert fake.texts(USER) == ["<b>Подать заявление?</b>"]
    assert fake.button(USER, "Да") == ("yes", message.body.mid)
    assert fake.has_button(USER, "Нет")
    assert not fake.has_button(USER, "Госуслуги")
    call = fake.sent(USER)[0]
    assert call.query == {"user_id": str(USER)}
    assert call.body["format"] == "html"
    link = call.body["attachments"][0]["payload"]["buttons"][1][0]
    assert link == {"type": "link", "text": "Госуслуги", "url": "https://www.gosuslugi.ru"}
    assert fake.by_chat[dialog_of(USER)] == [call]


async def test_sending_to_a_chat_id_and_a_group(fake: FakeMax, bot: Bot) -> None:
    await bot.send_message(chat_id=dialog_of(USER), text="в диалог")
    sent = await bot.send_message(chat_id=-70801090403050, text="в группу")
    assert sent is not None
    assert sent.message.recipient.chat_type == ChatType.CHAT
    assert fake.texts(USER) == ["в диалог"]
    assert fake.texts(-70801090403050) == ["в группу"]
    error = await refusal(raw_send(bot, {"text": ""}))
    assert (error.status, error.body["code"]) == (400, "proto.payload")


async def test_an_edit_replaces_text_and_an_empty_attachment_list_drops_the_keyboard(
    fake: FakeMax, bot: Bot
) -> None:
    sent = await bot.send_message(
        user_id=USER, text="Меню", attachments=[keyboard([CallbackButton(text="A", payload="a")])]
    )
    assert sent is not None
    assert sent.message.body is not None
    mid = sent.message.body.mid
    same = keyboard([CallbackButton(text="B", payload="b")])
    edited = await bot.edit_message(mid, text="Меню 2", attachments=[same])
    assert edited is not None
    assert edited.success
    assert fake.button(USER, "B") == ("b", mid)
    # maxapi always sends "attachments": [] — MAX reads it as "remove every attachment".
    await bot.edit_message(mid, text="Готово")
    assert fake.keyboard(USER) is None
    assert fake.texts(USER) == ["Меню", "Меню 2", "Готово"]
    assert [c.name for c in fake.by_chat[dialog_of(USER)]] == [
        "POST /messages",
        *["PUT /messages"] * 2,
    ]
    error = await refusal(bot.edit_message("mid.unknown", text="x"))
    assert error.body == {"code": "proto.payload", "message": "Invalid message_id: mid.unknown"}
    deleted = await bot.delete_message(mid)
    assert deleted.success
    assert fake.shown(USER) == []


async def test_answering_a_callback(fake: FakeMax, bot: Bot) -> None:
    markup = keyboard([CallbackButton(text="Да", payload="yes")])
    await bot.send_message(user_id=USER, text="Подать?", attachments=[markup])
    fake.enqueue(fake.press(USER, "Да"))
    [event] = await process_update_request(await bot.get_updates(timeout=0), bot)
    assert isinstance(event, MessageCallback)
    assert (event.callback.payload, event.callback.user.user_id) == ("yes", USER)
    answered = await event.answer(notification="Принято", new_text="Подано")
    assert answered.success
    answer = fake.answers()[-1]
    assert answer.query == {"callback_id": event.callback.callback_id}
    assert answer.body["notification"] == "Принято"
    assert answer.body["message"]["text"] == "Подано"
    assert fake.texts(USER) == ["Подать?", "Подано"]
    assert fake.has_button(USER, "Да")  # the answer sent the original keyboard back
    # MAX refuses an empty answer; maxapi's ack() without a notification sends just that.
    error = await refusal(event.ack())
    assert (error.status, error.body["code"]) == (400, "proto.payload")
    assert answer is not fake.answers()[-1]
    assert fake.answers()[-1].body == {}
    error = await refusal(bot.send_callback("forged", notification="x"))
    assert error.body["message"] == "callback_id: Callback identifier is invalid"


async def test_long_polling_returns_all_three_kinds_until_a_marker_confirms_them(
    fake: FakeMax, bot: Bot
) -> None:
    markup = keyboard([CallbackButton(text="Да", payload="yes")])
    await bot.send_message(user_id=USER, text="Вопрос", attachments=[markup])
    fake.name_user(USER, "Мария", "Иванова")
    fake.enqueue(
        fake.bot_started(USER, payload="ref-42"),
        fake.message_created(USER, "Потерял паспорт"),
        fake.press(USER, "Да"),
    )
    first = await bot.get_updates()
    assert [u["update_type"] for u in first["updates"]] == [
        "bot_started", "message_created", "message_callback"
    ]  # fmt: skip
    again = await bot.get_updates()  # no marker: nothing was confirmed
    assert again["updates"] == first["updates"]
    started, created, pressed = await process_update_request(first, bot)

    assert isinstance(started, BotStarted)
    assert (started.chat_id, started.user.user_id, started.payload) == (
        dialog_of(USER), USER, "ref-42"
    )  # fmt: skip
    assert started.user.first_name == "Мария"
    assert started.user_locale == "ru"
    assert isinstance(created, MessageCreated)
    assert created.message.body is not None
    assert created.message.body.text == "Потерял паспорт"
    assert created.message.recipient.chat_type == ChatType.DIALOG
    assert created.get_ids() == (dialog_of(USER), USER)
    assert created.message.recipient.user_id == BOT_ID  # in a dialog: the other party
    assert isinstance(pressed, MessageCallback)
    assert pressed.message is not None
    assert pressed.message.body is not None
    assert pressed.message.body.text == "Вопрос"
    assert pressed.get_ids() == (dialog_of(USER), USER)

    assert (await bot.get_updates(marker=first["marker"], timeout=0))["updates"] == []
    fake.enqueue(fake.message_created(USER, "ещё"))
    later = await bot.get_updates(marker=first["marker"], timeout=0)
    assert [u["message"]["body"]["text"] for u in later["updates"]] == ["ещё"]
    assert later["marker"] == first["marker"] + 1
    await bot.get_updates(marker=later["marker"], timeout=0)
    assert fake.pending() == []


async def test_long_polling_limit_types_waiting_and_the_start_payload_limit(
    fake: FakeMax, bot: Bot
) -> None:
    fake.enqueue(*(fake.message_created(USER, str(n)) for n in range(3)))
    fake.enqueue(fake.bot_started(OTHER, payload="x" * 513), fake.bot_started(USER, "y" * 512))
    two = await bot.get_updates(limit=2)
    assert [u["message"]["body"]["text"] for u in two["updates"]] == ["0", "1"]
    started = await bot.get_updates(marker=two["marker"], types=[UpdateType.BOT_STARTED])
    assert [u.get("payload") for u in started["updates"]] == [None, "y" * 512]
    assert started["marker"] == 6
    fake.max_wait = 5.0
    waiting = asyncio.create_task(bot.get_updates(marker=started["marker"], timeout=3))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    fake.enqueue(fake.message_created(USER, "пришло", chat=-1001))
    arrived = await waiting
    assert arrived["updates"][0]["message"]["recipient"] == {"chat_id": -1001, "chat_type": "chat"}
    error = await refusal(bot.request(HTTPMethod.GET, "/updates", params={"limit": 0}))
    assert error.status == 400


async def test_a_dispatcher_polls_handles_and_answers(fake: FakeMax) -> None:
    bot = Bot(token=fake.token)  # auto_requests on: maxapi fetches GET /chats/{id} per update
    bot.set_api_url(fake.url)
    dp = Dispatcher()
    seen: list[Any] = []

    @dp.bot_started()
    async def started(event: BotStarted) -> None:
        seen.append(event)
        markup = keyboard([CallbackButton(text="Начать", payload="go")])
        await bot.send_message(chat_id=event.chat_id, text="Привет", attachments=[markup])

    @dp.message_created()
    async def created(event: MessageCreated) -> None:
        seen.append(event)
        assert event.message.body is not None
        await event.message.answer(f"Эхо: {event.message.body.text}")

    @dp.message_callback()
    async def pressed(event: MessageCallback) -> None:
        seen.append(event)
        await event.answer(notification="Поехали", new_text="Начинаем")

    polling = asyncio.create_task(dp.start_polling(bot))
    fake.enqueue(fake.bot_started(USER, payload="promo"), fake.message_created(USER, "паспорт"))
    await until(lambda: len(fake.texts(USER)) == 2)
    fake.enqueue(fake.press(USER, "Начать"))
    await until(lambda: len(fake.answers()) == 1 and fake.pending() == [])
    await dp.stop_polling()
    await polling
    await bot.close_session()

    assert fake.texts(USER) == ["Привет", "Эхо: паспорт", "Начинаем"]
    assert [type(e) for e in seen] == [BotStarted, MessageCreated, MessageCallback]
    assert seen[1].chat is not None
    assert seen[1].chat.type == ChatType.DIALOG
    assert fake.methods()[:2] == ["GET /subscriptions", "GET /me"]
    assert f"GET /chats/{dialog_of(USER)}" in fake.methods()


async def test_webhook_subscriptions(fake: FakeMax, bot: Bot) -> None:
    subscribed = await bot.subscribe_webhook(
        HOOK, update_types=[UpdateType.MESSAGE_CREATED], secret=SECRET
    )
    assert subscribed.success
    [subscription] = (await bot.get_subscriptions()).subscriptions
    assert (subscription.url, subscription.update_types) == (HOOK, ["message_created"])
    assert fake.calls[0].body == {
        "url": HOOK,
        "update_types": ["message_created"],
        "secret": SECRET,
    }
    error = await refusal(bot.get_updates(timeout=0))  # both at once are not allowed
    assert error.status == 405
    with pytest.warns(UserWarning, match="HTTPS"):  # maxapi warns; MAX refuses outright
        error = await refusal(bot.subscribe_webhook("http://127.0.0.1:8080/hook"))
    assert error.body["code"] == "proto.payload"
    error = await refusal(bot.subscribe_webhook("https://bot.example:8443/hook"))
    assert error.status == 400
    error = await refusal(bot.subscribe_webhook(HOOK, secret="bad secret!"))
    assert error.body["message"].startswith("secret")
    assert (await bot.unsubscribe_webhook(HOOK)).success
    assert not (await bot.unsubscribe_webhook(HOOK)).success
    assert (await bot.get_subscriptions()).subscriptions == []
    assert (await bot.get_updates(timeout=0))["updates"] == []


async def test_a_webhook_update_reaches_maxapis_aiohttp_endpoint(fake: FakeMax, bot: Bot) -> None:
    await bot.subscribe_webhook(HOOK, secret=SECRET)
    dp = Dispatcher()
    got: list[MessageCreated] = []

    @dp.message_created()
    async def created(event: MessageCreated) -> None:
        got.append(event)

    local = LocalBot(AiohttpMaxWebhook(dp=dp, bot=bot, secret=SECRET).create_app("/max"), "/max")
    await local.start()
    try:
        assert await fake.deliver(fake.message_created(USER, "по вебхуку"), local.url) == (
            200, '{"ok": true}'
        )  # fmt: skip
        assert (await fake.deliver(fake.message_created(USER, "чужой"), local.url, "wrong"))[
            0
        ] == 403
        assert (await fake.deliver(fake.message_created(USER, "без"), local.url, ""))[0] == 403
    finally:
        await local.stop()
    assert [e.message.body.text for e in got if e.message.body] == ["по вебхуку"]


async def test_text_limit_and_maxapis_off_by_one(fake: FakeMax, bot: Bot) -> None:
    assert (await raw_send(bot, {"text": "я" * 4000}))["message"]["body"]["text"] == "я" * 4000
    error = await refusal(raw_send(bot, {"text": "я" * 4001}))
    assert (error.status, error.body["code"]) == (400, "proto.payload")
    with pytest.raises(ValueError, match="4000"):  # maxapi refuses what MAX accepts
        await bot.send_message(user_id=USER, text="я" * 4000)
    assert fake.texts(USER) == ["я" * 4000]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[CallbackButton(text="т" * 129, payload="p")]], "buttons.text"),
        ([[CallbackButton(text="", payload="p")]], "buttons.text"),
        ([[CallbackButton(text="t", payload="p" * 1025)]], "buttons.payload"),
        ([[LinkButton(text="t", url="https://x.ru/" + "a" * 2048)]], "buttons.url"),
        ([[CallbackButton(text="t", payload="p")]] * 31, "errors.maxRows"),
        ([[CallbackButton(text="t", payload="p")] * 8], "errors.maxButtonsInRow"),
        ([[LinkButton(text="t", url="https://x.ru")] * 4], "errors.maxButtonsInRow"),
        ([[CallbackButton(text="t", payload="p")] * 7] * 31, "errors.maxButtons"),
    ],
)
async def test_keyboard_limits(fake: FakeMax, bot: Bot, rows: list[Any], message: str) -> None:
    error = await refusal(bot.send_message(user_id=USER, text="x", attachments=[keyboard(*rows)]))
    assert error.status == 400
    assert error.body["code"] == "proto.payload"
    assert error.body["message"].startswith(message)
    assert fake.sent(USER) == []
    assert not fake.by_chat[dialog_of(USER)][0].ok


async def test_the_largest_keyboards_max_allows(fake: FakeMax, bot: Bot) -> None:
    full = [[CallbackButton(text="т" * 128, payload="p" * 1024)] * 7] * 30
    links = [[LinkButton(text="t", url="https://x.ru/" + "a" * 2035)] * 3]
    for rows in (full, links):
        assert await bot.send_message(user_id=USER, text="x", attachments=[keyboard(*rows)])
    assert len(fake.sent(USER)) == 2


async def test_a_user_who_blocked_the_bot(fake: FakeMax, bot: Bot) -> None:
    sent = await bot.send_message(user_id=USER, text="до")
    fake.blocked.add(USER)
    error = await refusal(bot.send_message(user_id=USER, text="после"))
    assert error.status == 403
    suspended = f"Key: error.dialog.suspended, args: [{DIALOG_BASE + USER},]."
    assert error.body == {"code": "chat.denied", "message": suspended}
    assert sent is not None
    assert sent.message.body is not None
    assert (await refusal(bot.edit_message(sent.message.body.mid, text="x"))).status == 403
    assert await bot.send_message(user_id=OTHER, text="другому")
    assert fake.texts(USER) == ["до"]
    assert [c.status for c in fake.by_chat[dialog_of(USER)]] == [200, 403, 403]


async def test_throttling_answers_429(fake: FakeMax, bot: Bot) -> None:
    fake.throttled["POST /messages"] = 2
    for _ in range(2):
        error = await refusal(bot.send_message(user_id=USER, text="x"))
        assert (error.status, error.body["code"]) == (429, "too.many.requests")
    assert await bot.send_message(user_id=USER, text="x")
    fake.throttled["*"] = 1
    assert (await refusal(bot.get_me())).status == 429
    assert (await bot.get_me()).user_id == BOT_ID
