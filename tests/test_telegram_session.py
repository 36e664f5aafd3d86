"""Bot API calls go as JSON bodies (``bots.channels.telegram.session``) and keep aiogram's
meaning: the same parameters, the same errors, files still uploaded as forms."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError
from aiogram.methods import SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from bots.channels.telegram.session import JsonSession
from bots.testing.local import free_port, serve_locally
from bots.testing.telegram_api import FakeTelegram

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Пропустить", callback_data="q:skip")]]
)


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    api = TelegramAPIServer.from_base(telegram.url)
    made = Bot(telegram.token, session=JsonSession(api=api),
               default=DefaultBotProperties(parse_mode="HTML"))  # fmt: skip
    yield made
    await made.session.close()


def test_the_body_is_the_methods_parameters_with_nested_values_as_json(bot: Bot) -> None:
    method = SendMessage(chat_id=7, text="Когда родился ребёнок?", reply_markup=KEYBOARD)
    body = json.loads(JsonSession().json_body(bot, method, {}))
    assert body == {
        "chat_id": 7,
        "text": "Когда родился ребёнок?",
        "parse_mode": "HTML",  # the bot's default, as aiogram applies it
        "reply_markup": {"inline_keyboard": [[{"text": "Пропустить", "callback_data": "q:skip"}]]},
    }


async def test_a_message_and_its_buttons_reach_the_bot_api(
    bot: Bot, telegram: FakeTelegram
) -> None:
    sent = await bot.send_message(7, "Когда родился ребёнок?", reply_markup=KEYBOARD)
    assert sent.text == "Когда родился ребёнок?"
    assert telegram.texts(7) == ["Когда родился ребёнок?"]
    assert telegram.last_keyboard(7) == [[{"text": "Пропустить", "callback_data": "q:skip"}]]


async def test_the_bot_apis_refusals_are_aiograms_errors(bot: Bot, telegram: FakeTelegram) -> None:
    telegram.blocked_chats.add("7")
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(7, "привет")


async def test_an_unreachable_bot_api_is_a_network_error(telegram: FakeTelegram) -> None:
    api = TelegramAPIServer.from_base(f"http://127.0.0.1:{free_port()}")  # nobody listens
    bot = Bot(telegram.token, session=JsonSession(api=api))
    try:
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(7, "привет")
    finally:
        await bot.session.close()


async def test_a_file_still_goes_as_a_form() -> None:
    seen: list[str] = []

    async def send_document(request: web.Request) -> web.Response:
        seen.append(request.content_type)
        result = {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}}
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/sendDocument", send_document)
    port = free_port()
    runner = await serve_locally(app, port)
    bot = Bot(
        "42:T", session=JsonSession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{port}"))
    )
    try:
        await bot.send_document(7, BufferedInputFile(b"%PDF", filename="plan.pdf"))
    finally:
        await bot.session.close()
        await runner.cleanup()
    assert seen == ["multipart/form-data"]
