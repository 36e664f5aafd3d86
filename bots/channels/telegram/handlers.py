"""The router: messages and button presses to the engine, replies back, errors to the log."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, ErrorEvent, Message, Update
from aiogram.utils.chat_action import ChatActionSender

from bots.channels.telegram import mappers
from bots.channels.telegram.delivery import TelegramDelivery
from bots.channels.telegram.middlewares import FloodMiddleware
from bots.shared.edge import answer
from bots.shared.flood import FloodControl
from dialogs.contract import Reply
from dialogs.engine import DialogEngine

log = logging.getLogger("lifebot.telegram")
TYPING_AFTER = 0.4  # seconds: a quick answer needs no «typing…»


def build_router(flood: FloodControl | None = None) -> Router:
    router = Router(name="lifebot")
    if flood is not None:
        router.message.outer_middleware(FloodMiddleware(flood))
        router.callback_query.outer_middleware(FloodMiddleware(flood))
    router.message.register(on_message)
    router.callback_query.register(on_button)
    router.errors.register(on_error)
    return router


async def on_message(
    message: Message, bot: Bot, engine: DialogEngine, event_update: Update
) -> None:
    event = mappers.from_message(message, event_update.update_id)
    chat = message.chat.id
    async with ChatActionSender.typing(bot=bot, chat_id=chat, initial_sleep=TYPING_AFTER):
        replies = await answer(engine, event)
    await TelegramDelivery(bot).send(message.chat.id, replies)


async def on_button(
    query: CallbackQuery, bot: Bot, engine: DialogEngine, event_update: Update
) -> None:
    await query.answer()  # stops the button's spinner at once
    event = mappers.from_callback(query, event_update.update_id)
    replies = await answer(engine, event)
    source = query.message.message_id if query.message else None
    await TelegramDelivery(bot).send(event.chat_id, replies, edit_message_id=source)


async def on_error(error: ErrorEvent, bot: Bot, engine: DialogEngine) -> None:
    update = error.update
    chat = _chat_id(update)
    log.error(
        "update %s (%s) failed: %r", update.update_id, update.event_type, error.exception,
        exc_info=error.exception,
    )  # fmt: skip
    if chat is not None:
        try:
            await TelegramDelivery(bot).send(chat, [Reply(engine.knowledge.texts.apology)])
        except Exception:  # the apology is best effort; the log already has the cause
            log.warning("apology to chat %s not delivered", chat)


def _chat_id(update: Update) -> int | None:
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None
