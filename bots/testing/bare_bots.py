"""Bare bots, the floor under the assistant: each messenger's library with one handler that
sends one message per update, its webhook server, nothing else (no database, no NLU, no
middlewares). ``benchmarks/ceiling.py`` runs one as a process of its own:

    python -m bots.testing.bare_bots telegram   # aiogram 3: TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL,
                                                 # WEBHOOK_SECRET, WEBHOOK_PORT, WEBHOOK_PATH
    python -m bots.testing.bare_bots vk         # vkbottle 4, Callback API: VK_GROUP_TOKEN,
                                                 # VK_API_URL, VK_GROUP_ID, VK_CALLBACK_*
    python -m bots.testing.bare_bots max        # maxapi: MAX_BOT_TOKEN, MAX_API_URL,
                                                 # MAX_WEBHOOK_SECRET, MAX_WEBHOOK_PORT/PATH
    python -m bots.testing.bare_bots telegram --io   # any of the three, and DATABASE_URL

With ``--io`` a bot does per update what the assistant cannot do without, and nothing else
(``bots.testing.io_floor``): one transaction on PostgreSQL, then two messages, the second
with two buttons (Telegram's through the assistant's own Bot API session).

Telegram's and VK's answer goes out after the reply was sent, as the assistant answers only
after the update was handled; maxapi's own webhook answers at once and handles the update in
a task of its own, as it is written to. ``GET /readyz`` says the bot listens.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bots.channels.telegram.session import JsonSession
from bots.testing.io_floor import BUTTONS, QUESTION, FloorTurns

REPLY = "Здравствуйте! Я получил ваше сообщение."


async def ready(_: web.Request) -> web.Response:
    return web.Response(text="ok")


def bare_telegram_app(
    token: str, api_url: str, secret: str, path: str, floor_of: str | None = None
) -> web.Application:
    """The webhook application: ``path`` takes updates (with ``secret``), ``/readyz`` is 200.
    ``floor_of``: a database URL, for the assistant's I/O (``--io``)."""
    api = TelegramAPIServer.from_base(api_url)
    session = JsonSession(api=api) if floor_of else AiohttpSession(api=api)
    bot = Bot(token, session=session)
    dispatcher = Dispatcher()
    floor = FloorTurns(floor_of) if floor_of else None
    keyboard = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=f"b:{n}")]
        for n, label in enumerate(BUTTONS)
    ])  # fmt: skip

    @dispatcher.message()
    async def answer(message: Message) -> None:
        if floor is None:
            await message.answer(REPLY)
            return
        chat = str(message.chat.id)
        await floor.turn("telegram", f"{chat}:{message.message_id}", chat, message.text or "")
        await message.answer(REPLY)
        await message.answer(QUESTION, reply_markup=keyboard)

    app = web.Application()
    if floor is not None:
        floor.serve_with(app)
    app.router.add_get("/readyz", ready)
    handler = SimpleRequestHandler(
        dispatcher, bot, handle_in_background=False, secret_token=secret
    )
    handler.register(app, path=path)
    setup_application(app, dispatcher, bot=bot)  # closes the bot's session on shutdown
    return app


def bare_vk_app(
    token: str,
    api_url: str,
    group_id: int,
    confirmation: str,
    secret: str,
    path: str,
    floor_of: str | None = None,
) -> web.Application:
    """vkbottle's ``Bot`` fed by a Callback API endpoint, as vkbottle's documentation shows
    for a web framework: the confirmation string, the secret checked, «ok» after handling."""
    from vkbottle import API, Callback, Keyboard  # only this bot needs vkbottle
    from vkbottle.bot import Bot as VkBot
    from vkbottle.bot import Message as VkMessage

    api = API(token)
    api.API_URL = api_url  # vkbottle sends every method to API_URL + name
    bot = VkBot(api=api)
    floor = FloorTurns(floor_of) if floor_of else None
    board = Keyboard(inline=True)
    for n, label in enumerate(BUTTONS):
        if n:
            board.row()
        board.add(Callback(label, payload={"b": n}))
    keyboard = board.get_json()

    @bot.on.message()
    async def answer(message: VkMessage) -> None:
        if floor is None:
            await message.answer(REPLY)
            return
        peer = str(message.peer_id)
        event = f"{peer}:{message.conversation_message_id}"
        await floor.turn("vk", event, peer, message.text)
        await message.answer(REPLY)
        await message.answer(QUESTION, keyboard=keyboard)

    async def receive(request: web.Request) -> web.Response:
        event: dict[str, Any] = await request.json()
        if event.get("type") == "confirmation" and event.get("group_id") == group_id:
            return web.Response(text=confirmation)
        if event.get("secret") != secret:
            return web.Response(status=403, text="wrong secret")
        await bot.process_event(event)
        return web.Response(text="ok")

    app = web.Application()
    if floor is not None:
        floor.serve_with(app)
    app.router.add_get("/readyz", ready)
    app.router.add_post(path, receive)
    return app


def bare_max_app(
    token: str, api_url: str, secret: str, path: str, floor_of: str | None = None
) -> web.Application:
    """maxapi's ``Dispatcher`` behind its own aiohttp webhook (``AiohttpMaxWebhook``)."""
    from maxapi import Bot as MaxBot  # only this bot needs maxapi
    from maxapi import Dispatcher as MaxDispatcher
    from maxapi.enums.attachment import AttachmentType
    from maxapi.types import CallbackButton, MessageCreated
    from maxapi.types.attachments.attachment import ButtonsPayload
    from maxapi.types.attachments.buttons.attachment_button import AttachmentButton
    from maxapi.webhook.aiohttp import AiohttpMaxWebhook

    bot = MaxBot(token, auto_requests=False)  # as the assistant: no GET /chats per update
    bot.set_api_url(api_url)
    dispatcher = MaxDispatcher()
    floor = FloorTurns(floor_of) if floor_of else None
    rows = [[CallbackButton(text=label, payload=f"b:{n}")] for n, label in enumerate(BUTTONS)]
    keyboard = AttachmentButton(  # type: ignore[call-arg]  # «bot» is maxapi's own, optional
        type=AttachmentType.INLINE_KEYBOARD, payload=ButtonsPayload(buttons=rows)
    )

    @dispatcher.message_created()
    async def answer(event: MessageCreated) -> None:
        if floor is None:
            await event.message.answer(REPLY)
            return
        chat, body = str(event.message.recipient.chat_id), event.message.body
        mid, text = (body.mid, body.text or "") if body else ("", "")
        await floor.turn("max", mid, chat, text)
        await event.message.answer(REPLY)
        await event.message.answer(QUESTION, attachments=[keyboard])

    app = AiohttpMaxWebhook(dp=dispatcher, bot=bot, secret=secret).create_app(path=path)
    if floor is not None:
        floor.serve_with(app)
    app.router.add_get("/readyz", ready)

    async def close(_: web.Application) -> None:
        await bot.close_session()

    app.on_cleanup.append(close)
    return app


def _floor() -> str | None:
    """``--io``: the database the assistant's I/O goes to (``DATABASE_URL``)."""
    return os.environ["DATABASE_URL"] if "--io" in sys.argv else None


def _telegram() -> tuple[web.Application, str]:
    env = os.environ
    path = env.get("WEBHOOK_PATH", "/telegram/webhook")
    app = bare_telegram_app(env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"],
                            env["WEBHOOK_SECRET"], path, _floor())  # fmt: skip
    return app, env["WEBHOOK_PORT"]


def _vk() -> tuple[web.Application, str]:
    env = os.environ
    app = bare_vk_app(env["VK_GROUP_TOKEN"], env["VK_API_URL"], int(env["VK_GROUP_ID"]),
                      env["VK_CALLBACK_CONFIRMATION"], env["VK_CALLBACK_SECRET"],
                      env.get("VK_CALLBACK_PATH", "/vk/callback"), _floor())  # fmt: skip
    return app, env["VK_CALLBACK_PORT"]


def _max() -> tuple[web.Application, str]:
    env = os.environ
    app = bare_max_app(env["MAX_BOT_TOKEN"], env["MAX_API_URL"], env["MAX_WEBHOOK_SECRET"],
                       env.get("MAX_WEBHOOK_PATH", "/max/webhook"), _floor())  # fmt: skip
    return app, env["MAX_WEBHOOK_PORT"]


BARE: dict[str, Callable[[], tuple[web.Application, str]]] = {
    "telegram": _telegram,
    "vk": _vk,
    "max": _max,
}


def main() -> None:
    """Serve until SIGTERM or SIGINT (``web.run_app`` stops gracefully on either)."""
    channel = sys.argv[1] if len(sys.argv) > 1 else "telegram"
    app, port = BARE[channel]()
    web.run_app(app, host="127.0.0.1", port=int(port), print=None)


if __name__ == "__main__":
    main()
