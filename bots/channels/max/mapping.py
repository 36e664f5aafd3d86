"""MAX updates (long polling or the webhook, the same objects) → engine events.

In a dialog MAX's chat id is not the user's id: replies go to the chat, the conversation is the
user's. A button press on a message since deleted comes without the message, and so without
its chat: such a chat is addressed by the user («user:<id>»), which MAX also accepts."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from maxapi.enums.chat_type import ChatType
from maxapi.types import BotStarted, MessageCallback, MessageCreated
from maxapi.types.updates import UpdateUnion, UpdateUnionAdapter

from dialogs.contract import IncomingEvent

CHANNEL = "max"
HANDLED = ("message_created", "message_callback", "bot_started")
USER_CHAT = "user:"
EVENT_ID_LIMIT = 64  # what the table of handled updates keeps


def parse(raw: dict[str, Any]) -> UpdateUnion | None:
    """maxapi's model of an update, or None if it is not one MAX's schema describes."""
    try:
        update: UpdateUnion = UpdateUnionAdapter.validate_python(raw)
    except ValueError:  # pydantic's ValidationError is one
        return None
    return update


def ours(raw: dict[str, Any]) -> bool:
    """A kind of update the assistant answers (others are acknowledged and left alone)."""
    return raw.get("update_type") in HANDLED


def from_message(update: MessageCreated) -> IncomingEvent:
    message = update.message
    body = message.body
    sender = message.sender.user_id if message.sender else message.recipient.user_id
    return IncomingEvent(
        channel=CHANNEL,
        user_id=str(sender),
        chat_id=str(message.recipient.chat_id),
        at=_moment(message.timestamp),
        text=((body.text if body else None) or "").strip(),
        event_id=_event_id("m", body.mid if body else f"{sender}:{message.timestamp}"),
    )


def from_callback(update: MessageCallback) -> IncomingEvent:
    callback = update.callback
    return IncomingEvent(
        channel=CHANNEL,
        user_id=str(callback.user.user_id),
        chat_id=chat_of_callback(update),
        at=_moment(callback.timestamp),
        payload=callback.payload or "",
        event_id=_event_id("c", callback.callback_id),
    )


def from_started(update: BotStarted) -> IncomingEvent:
    """Start, maybe through a deep link ``max.ru/<bot>?start=<situation>``: like «/start …»."""
    payload = (update.payload or "").strip()
    return IncomingEvent(
        channel=CHANNEL,
        user_id=str(update.user.user_id),
        chat_id=str(update.chat_id),
        at=_moment(update.timestamp),
        text=f"/start {payload}" if payload else "/start",
        event_id=_event_id("s", f"{update.user.user_id}:{update.timestamp}"),
    )


def chat_of_callback(update: MessageCallback) -> str:
    message = update.message
    if message is None or message.recipient.chat_id is None:
        return f"{USER_CHAT}{update.callback.user.user_id}"
    return str(message.recipient.chat_id)


def is_private(update: UpdateUnion) -> bool:
    """A dialog with the bot; group chats («chat») and channels are not."""
    if isinstance(update, BotStarted):
        return True
    message = update.message if isinstance(update, MessageCreated | MessageCallback) else None
    return message is None or message.recipient.chat_type == ChatType.DIALOG


def is_group_chat(chat: str) -> bool:
    """MAX numbers group chats below zero; a dialog's id is positive."""
    return chat.startswith("-")


def speaks_to_us(update: MessageCreated, username: str | None) -> bool:
    """In a group: a command, or a mention of the bot («@name»)."""
    text = (update.message.body.text if update.message.body else None) or ""
    return text.startswith("/") or bool(username and f"@{username}".lower() in text.lower())


def chat_of(update: UpdateUnion) -> str | None:
    """Where to answer an update whose handling failed."""
    if isinstance(update, MessageCreated):
        return str(update.message.recipient.chat_id)
    if isinstance(update, MessageCallback):
        return chat_of_callback(update)
    if isinstance(update, BotStarted):
        return str(update.chat_id)
    return None


def _moment(milliseconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC)


def _event_id(kind: str, value: str) -> str:
    """Unique per update; a long callback id is hashed to fit what is kept."""
    event_id = f"{kind}:{value}"
    if len(event_id) <= EVENT_ID_LIMIT:
        return event_id
    return f"{kind}#{hashlib.sha256(value.encode()).hexdigest()[:48]}"
