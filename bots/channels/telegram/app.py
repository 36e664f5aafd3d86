"""The Telegram bot's parts: Bot, Dispatcher, long polling or a webhook application."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetMe,
    GetUpdates,
    SendChatAction,
    SendMessage,
    SetMyCommands,
    SetWebhook,
)
from aiogram.methods.base import Response
from aiogram.types import BotCommand, Update
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web

from bots.channels.telegram.delivery import TelegramDelivery
from bots.channels.telegram.handlers import build_router
from bots.channels.telegram.mapping import CHANNEL
from bots.channels.telegram.middlewares import InFlightMiddleware
from bots.shared.edge import Edge
from bots.shared.proactive import IdleSurveys
from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine

log = logging.getLogger("lifebot.telegram")


# aiogram validates every answer with ``Response[<return type>]``; pydantic keeps such generic
# classes only while something references them, so without these each call rebuilt one
# (a measurable share of every reply). Holding them makes each a one-time cost.
_RESPONSE_MODELS = [
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (SendMessage, EditMessageText, AnswerCallbackQuery, SendChatAction,
                   SetMyCommands, GetMe, GetUpdates, DeleteWebhook, SetWebhook)
]  # fmt: skip


def build_bot(token: str, api_url: str | None = None) -> Bot:
    """``api_url`` points at another Bot API server (self-hosted, or the tests' fake)."""
    api = TelegramAPIServer.from_base(api_url) if api_url else None
    session = AiohttpSession(api=api) if api else AiohttpSession()
    return Bot(token, session=session)


def build_dispatcher(edge: Edge) -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher["edge"] = edge
    dispatcher.update.outer_middleware(InFlightMiddleware(edge.inflight))
    dispatcher.include_router(build_router(edge))
    return dispatcher


async def set_commands(bot: Bot, edge: Edge) -> None:
    described = edge.texts.commands
    await bot.set_my_commands(
        [BotCommand(command=name, description=text) for name, text in described],
        language_code="ru",
    )
    await bot.set_my_commands(
        [BotCommand(command=name, description=text) for name, text in described]
    )


def is_unreachable(error: Exception) -> bool:
    """403 Forbidden: the citizen blocked the bot."""
    return isinstance(error, TelegramForbiddenError)


async def deliver(bot: Bot, outgoing: Outgoing) -> None:
    await TelegramDelivery(bot).send(outgoing.address.chat_id, outgoing.replies)


def idle_surveys(bot: Bot, engine: DialogEngine, every: dt.timedelta) -> IdleSurveys:
    """The shared idle-survey sender, delivering through this bot."""

    async def send(outgoing: Outgoing) -> None:
        await deliver(bot, outgoing)

    return IdleSurveys(engine, CHANNEL, send, is_unreachable, every)


async def run_polling(
    bot: Bot,
    dispatcher: Dispatcher,
    idle: IdleSurveys | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Long polling until ``stop`` is set; then no more updates are fetched."""
    await set_commands(bot, dispatcher["edge"])
    await bot.delete_webhook(drop_pending_updates=False)
    if idle is not None:
        idle.start()
    stopper = asyncio.create_task(_stop_polling_on(dispatcher, stop)) if stop else None
    try:
        await dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    finally:
        if stopper is not None:
            stopper.cancel()
        if idle is not None:
            await idle.stop()


async def _stop_polling_on(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    await stop.wait()
    await dispatcher.stop_polling()


def webhook_app(
    bot: Bot,
    dispatcher: Dispatcher,
    secret: str,
    path: str,
    *,
    background: bool = True,
) -> web.Application:
    """An aiohttp app whose ``path`` takes updates. A wrong or missing secret header gets 401;
    a body that is not an update gets 400 (and is logged without its content); never a 500.

    ``background``: answer Telegram at once and handle the update after (production); tests
    pass False so that a request returns when its update has been handled."""
    tasks: set[asyncio.Task[Any]] = set()

    async def receive(request: web.Request) -> web.Response:
        if not _same(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=401, text="Unauthorized")
        update = await _update_of(request, bot)
        if update is None:
            return web.Response(status=400, text="bad request")
        if background:
            task = asyncio.create_task(dispatcher.feed_update(bot, update))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        else:
            await dispatcher.feed_update(bot, update)
        return web.json_response({})

    app = web.Application()
    app.router.add_post(path, receive)
    setup_application(app, dispatcher, bot=bot)
    return app


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _same(given: str, expected: str) -> bool:
    """Constant-time, and safe for a header that is not ASCII (``compare_digest`` on str
    raises on those, which aiogram's own check turns into a 500)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


async def _update_of(request: web.Request, bot: Bot) -> Update | None:
    try:
        data = await request.json()
        return Update.model_validate(data, context={"bot": bot})
    except (ValueError, UnicodeDecodeError) as error:  # pydantic's ValidationError is one
        kind = "not JSON" if isinstance(error, json.JSONDecodeError) else "not an update"
        log.warning("webhook request refused: %s", kind)  # its content may be personal
        return None


async def register_webhook(bot: Bot, dispatcher: Dispatcher, url: str, secret: str) -> None:
    await set_commands(bot, dispatcher["edge"])
    await bot.set_webhook(url, secret_token=secret, allowed_updates=["message", "callback_query"])
