"""Bot API updates → engine events."""

from __future__ import annotations

import datetime as dt
import re

from aiogram.types import CallbackQuery, Chat, Message, Update

from dialogs.contract import IncomingEvent

CHANNEL = "telegram"
_ADDRESSED = re.compile(r"^/\w+@(\w+)")


def from_message(
    message: Message, update_id: int | None, username: str | None = None
) -> IncomingEvent:
    sender = message.from_user.id if message.from_user else message.chat.id
    return IncomingEvent(
        channel=CHANNEL,
        user_id=str(sender),
        chat_id=str(message.chat.id),
        at=_aware(message.date),
        text=without_our_name(message.text or message.caption or "", username),
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


def is_private(chat: Chat | None) -> bool:
    """Plans and answers are personal: the assistant talks only in a private chat."""
    return chat is not None and chat.type == "private"


def for_another_bot(text: str, username: str | None) -> bool:
    """«/start@otherbot»: a command addressed to some other bot in the chat."""
    found = _ADDRESSED.match(text)
    return found is not None and found[1].lower() != (username or "").lower()


def without_our_name(text: str, username: str | None) -> str:
    """«/start@lifebot child_birth» is «/start child_birth» for us."""
    if username and (found := _ADDRESSED.match(text)) and found[1].lower() == username.lower():
        return text[: found.start(1) - 1] + text[found.end(1) :]
    return text
