"""VK events (Bots Long Poll or Callback API, the same objects) → engine events."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from bots.shared.text_choices import chosen
from dialogs.contract import IncomingEvent

CHANNEL = "vk"
PAYLOAD_KEY = "p"
CHATS_FROM = 2_000_000_000


def from_message_new(event: dict[str, Any], choices: Sequence[str] = ()) -> IncomingEvent:
    """A typed message; a number picks one of ``choices`` (text-only clients)."""
    message = event["object"]["message"]
    text = str(message.get("text") or "").strip()
    if _is_start_button(message, text):
        text = "/start"
    payload = _payload(message.get("payload"))
    if payload is None:
        payload = chosen(text, choices)
    return IncomingEvent(
        channel=CHANNEL,
        user_id=str(message["from_id"]),
        chat_id=str(message["peer_id"]),
        at=dt.datetime.fromtimestamp(int(message["date"]), dt.UTC),
        text=None if payload else text,
        payload=payload,
        event_id=_event_id(event),
    )


def from_message_event(event: dict[str, Any]) -> IncomingEvent:
    """A callback button press."""
    pressed = event["object"]
    return IncomingEvent(
        channel=CHANNEL,
        user_id=str(pressed["user_id"]),
        chat_id=str(pressed["peer_id"]),
        at=dt.datetime.now(dt.UTC),
        payload=_payload(pressed.get("payload")) or "",
        event_id=_event_id(event),
    )


def shows_inline_keyboards(event: dict[str, Any]) -> bool:
    """The client says whether it can show inline keyboards; old clients cannot."""
    client = event["object"].get("client_info") or {}
    return bool(client.get("inline_keyboard", True)) and "callback" in client.get(
        "button_actions", ["callback"]
    )


def _is_start_button(message: dict[str, Any], text: str) -> bool:
    """VK's own «Начать» button that opens a chat with a community sends this."""
    data = _json(message.get("payload"))
    return (isinstance(data, dict) and data.get("command") == "start") or text.lower() == "начать"


def _payload(raw: Any) -> str | None:
    data = _json(raw)
    value = data.get(PAYLOAD_KEY) if isinstance(data, dict) else None
    return str(value) if value is not None else None


def _json(raw: Any) -> Any:
    """A payload is JSON in a string (or already an object); a broken one means nothing."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _event_id(event: dict[str, Any]) -> str | None:
    value = event.get("event_id")
    return str(value) if value else None


def peer_of(event: dict[str, Any]) -> str | None:
    """Where to answer an event whose handling failed."""
    body = event.get("object") or {}
    peer = (body.get("message") or body).get("peer_id")
    return None if peer is None else str(peer)


def is_private(peer_id: str) -> bool:
    """VK numbers group conversations from 2,000,000,001; a person's peer is their user id."""
    return peer_id.isdecimal() and int(peer_id) < CHATS_FROM


def speaks_to_us(event: dict[str, Any]) -> bool:
    """In a group conversation: a command, or a mention of the community («[club1|…]»)."""
    text = str(event["object"]["message"].get("text") or "")
    return text.startswith("/") or "[club" in text or "@club" in text


def well_formed(event: dict[str, Any]) -> bool:
    """The parts of an event the assistant reads have the types VK's schema gives them; a
    forged or broken one is refused before anything reads it."""
    kind, body = event.get("type"), event.get("object")
    if kind == "message_new":
        message = body.get("message") if isinstance(body, dict) else None
        return (
            isinstance(message, dict)
            and _ints(message, "peer_id", "from_id", "date")
            and isinstance(message.get("text", ""), str)
            and isinstance(body.get("client_info", {}), dict)  # type: ignore[union-attr]
        )
    if kind == "message_event":
        return (
            isinstance(body, dict)
            and _ints(body, "peer_id", "user_id")
            and type(body.get("conversation_message_id", 0)) is int
            and isinstance(body.get("event_id", ""), str)
        )
    return isinstance(kind, str)  # other kinds the labeler does not handle


def _ints(fields: dict[str, Any], *names: str) -> bool:
    return all(type(fields.get(name)) is int for name in names)
