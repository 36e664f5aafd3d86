"""Bot API updates → engine events."""

from __future__ import annotations

import datetime as dt

from aiogram.types import CallbackQuery, Message, Update

from dialogs.contract import IncomingEvent

CHANNEL = "telegram"


def from_message(message: Message, update_id: int | None) -> IncomingEvent:
    sender = message.from_user.id if message.from_user else message.chat.id
    return IncomingEvent(
        channel=CHANNEL,
        user_id=str(sender),
        chat_id=str(message.chat.id),
        at=_aware(message.date),
        text=message.text or message.caption or "",
        event_id=None if update_id is None else str(update_id),
    )


def from_callback(query: CallbackQuery, update_id: int | None) -> IncomingEvent:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    return IncomingEvent(
        channel=CHANNEL,
        user_id=str(query.from_user.id),
        chat_id=str(chat_id),
        at=dt.datetime.now(dt.UTC),  # a button press carries no time of its own
        payload=query.data or "",
        event_id=None if update_id is None else str(update_id),
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def chat_of(update: Update) -> int | None:
    """Where to answer an update whose handling failed."""
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None
