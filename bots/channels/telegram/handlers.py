"""The router: messages and button presses to the shared edge, replies back, failures to it too."""

from __future__ import annotations

import dataclasses

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, ErrorEvent, Message, Update

from bots.channels.telegram import mapping
from bots.channels.telegram.delivery import TelegramDelivery
from bots.channels.telegram.middlewares import FloodMiddleware
from bots.channels.telegram.typing import typing_after
from bots.shared import ownership
from bots.shared.edge import Edge
from dialogs.contract import IncomingEvent
from knowledge_base.errors import StorageUnavailable

TYPING_AFTER = 0.4  # seconds: a quick answer needs no «typing…»


def build_router(edge: Edge) -> Router:
    router = Router(name="lifebot")
    if edge.flood is not None:
        router.message.outer_middleware(FloodMiddleware(edge))
        router.callback_query.outer_middleware(FloodMiddleware(edge))
    router.message.register(on_message)
    router.callback_query.register(on_button)
    router.errors.register(on_error)
    return router


async def on_message(message: Message, bot: Bot, edge: Edge, event_update: Update) -> None:
    username = (await bot.me()).username
    text = message.text or ""
    if mapping.for_another_bot(text, username):
        return
    group = not mapping.is_private(message.chat)
    if group and not edge.group_chats:
        await _invite_to_private(message, edge, username)
        return
    event = mapping.from_message(message, event_update.update_id, username)
    chat = message.chat.id
    async with typing_after(bot, chat, TYPING_AFTER):
        replies = await edge.answer(event)
    if group:  # several people see these buttons: each works only for this citizen
        replies = ownership.owned(replies, event.user_id)
    await TelegramDelivery(bot).send(chat, replies)


async def on_button(query: CallbackQuery, bot: Bot, edge: Edge, event_update: Update) -> None:
    event = mapping.from_callback(query, event_update.update_id)
    group = query.message is not None and not mapping.is_private(query.message.chat)
    if group:
        claimed = await _claimed_in_group(query, edge, event)
        if claimed is None:
            return  # someone else's button, or groups are not served: nothing changes
        event = claimed
    await query.answer()  # stops the button's spinner at once
    replies = await edge.answer(event)
    if group:
        replies = ownership.owned(replies, event.user_id)
    source = query.message.message_id if query.message else None
    await TelegramDelivery(bot).send(event.chat_id, replies, edit_message_id=source)


async def _claimed_in_group(
    query: CallbackQuery, edge: Edge, event: IncomingEvent
) -> IncomingEvent | None:
    payload = ownership.claimed(event.payload or "", event.user_id)
    if not edge.group_chats or payload is None:
        await query.answer(edge.texts.not_your_button if edge.group_chats else None)
        return None
    return dataclasses.replace(event, payload=payload)


async def _invite_to_private(message: Message, edge: Edge, username: str | None) -> None:
    """One line, and only when the group spoke to us: a command or a mention."""
    text = message.text or ""
    if text.startswith("/") or (username and f"@{username}".lower() in text.lower()):
        await message.answer(edge.texts.private_only)


async def on_error(error: ErrorEvent, bot: Bot, edge: Edge) -> None:
    if isinstance(error.exception, StorageUnavailable):
        raise error.exception  # not kept: the webhook refuses it and Telegram redelivers
    update = error.update
    chat = mapping.chat_of(update)
    where = f"telegram update {update.update_id} ({update.event_type})"
    await edge.apologise(error.exception, where, chat, TelegramDelivery(bot).send)
