"""The Telegram bot's parts: Bot, Dispatcher, long polling or a webhook application."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

from aiogram import Bot, Dispatcher
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
from aiogram.types.update import UpdateTypeLookupError
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web

from bots.channels.telegram.delivery import TelegramDelivery
from bots.channels.telegram.handlers import build_router
from bots.channels.telegram.mapping import CHANNEL
from bots.channels.telegram.session import JsonSession
from bots.shared.edge import Edge, log_failure
from bots.shared.intake import unless_stopped
from bots.shared.proactive import IdleSurveys
from bots.shared.web import busy, turned_away, unavailable
from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine
from knowledge_base.errors import StorageUnavailable

log = logging.getLogger("lifebot.telegram")
POLL_SECONDS = 25  # how long one getUpdates waits for news
ALLOWED_UPDATES = ["message", "callback_query"]


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
    session = JsonSession(api=api) if api else JsonSession()
    return Bot(token, session=session)


def build_dispatcher(edge: Edge) -> Dispatcher:
    # The conversation state is the engine's, in SQL: aiogram's FSM (a context and a storage
    # look-up for every update) has nothing to keep.
    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher["edge"] = edge
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
    if int(outgoing.address.chat_id) < 0:  # a group: others would see who asked us what
        log.info("a proactive message for a group chat is not sent")
        return
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
    """Long polling until ``stop`` is set, at least once: a batch is confirmed (by the offset
    of the next getUpdates) only after every update in it was handled, so updates a crash
    interrupts come again; at most ``edge.capacity`` are handled at once."""
    await set_commands(bot, dispatcher["edge"])
    await bot.delete_webhook(drop_pending_updates=False)
    if idle is not None:
        idle.start()
    try:
        await _poll(bot, dispatcher, stop or asyncio.Event())
    finally:
        if idle is not None:
            await idle.stop()


async def _poll(bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    offset: int | None = None
    while not stop.is_set():
        updates = await _next_batch(bot, offset, stop)
        if updates is None:
            return
        await asyncio.gather(*(_handle(bot, dispatcher, update) for update in updates))
        if updates:
            offset = updates[-1].update_id + 1


async def _next_batch(bot: Bot, offset: int | None, stop: asyncio.Event) -> list[Update] | None:
    """The next updates, [] after a failed request, None when told to stop while waiting."""
    request = bot.get_updates(
        offset=offset,
        timeout=POLL_SECONDS,
        allowed_updates=ALLOWED_UPDATES,
        request_timeout=POLL_SECONDS + 10,
    )
    if (fetch := await unless_stopped(request, stop)) is None:
        return None
    try:
        return fetch.result()
    except Exception as error:  # the Bot API or the network: wait a little and ask again
        log.warning("getUpdates failed (%s); retrying", type(error).__name__)
        await asyncio.sleep(1)
        return []


def is_ours(update: Update) -> bool:
    """A message or a button press; anything else (or nothing known at all) is not handled."""
    try:
        return update.event_type in ALLOWED_UPDATES
    except UpdateTypeLookupError:
        return False


async def _handle(bot: Bot, dispatcher: Dispatcher, update: Update) -> None:
    if not is_ours(update):
        return
    edge: Edge = dispatcher["edge"]
    async with edge.slot(), edge.inflight.track():
        try:
            await dispatcher.feed_update(bot, update)
        except Exception as error:  # the router's own error handler already apologised
            log_failure(error, f"telegram update {update.update_id}")


def webhook_app(bot: Bot, dispatcher: Dispatcher, secret: str, path: str) -> web.Application:
    """An aiohttp app whose ``path`` takes updates, at least once: the 200 goes out only after
    the update was handled and committed, so Telegram redelivers whatever a crash interrupts
    (and the update's claim makes a redelivery a no-op). When as many turns run as the
    database can serve, the request waits in line a second at most (``Edge.pushed``), then
    gets 503 and Telegram retries it later.

    While the database is unavailable, the update gets 503 too, and nothing of it is kept.
    A wrong or missing secret header gets 401; a body that is not an update gets 400 (and is
    logged without its content); never a 500."""
    edge: Edge = dispatcher["edge"]
    edge.redelivered = True

    async def receive(request: web.Request) -> web.Response:
        if (refusal := turned_away(edge, request, SECRET_HEADER, secret)) is not None:
            return refusal
        update = await _update_of(request, bot)
        if update is None:
            return web.Response(status=400, text="bad request")
        if not is_ours(update):
            return web.json_response({})  # a kind of update we never asked for: nothing to do
        try:
            async with edge.pushed() as admitted:
                if not admitted:
                    return busy()
                await dispatcher.feed_update(bot, update)
        except StorageUnavailable:  # nothing was kept: Telegram sends the update again
            return unavailable()
        return web.json_response({})

    app = web.Application()
    app.router.add_post(path, receive)
    setup_application(app, dispatcher, bot=bot)
    return app


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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
    await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
