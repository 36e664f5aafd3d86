"""A fake MAX Bot API on 127.0.0.1: records every call and answers as MAX does.

Shapes and limits follow the official OpenAPI schema, ``schema_2026_07_01.yaml`` (API 0.0.32)
of github.com/max-messenger-bot/max-bot-api-schemas, and the captured responses of MAX's own Go
client (github.com/max-messenger/max-bot-api-client-go, ``stabs/``). The bot under test reaches
it through maxapi's real HTTP client (``Bot.set_api_url(fake.url)``), so requests,
serialisation and error handling are the real ones; only MAX is not called.

As MAX does today, the token is read from the ``Authorization`` header only (a token in the
``access_token`` query parameter is no longer accepted). Errors have MAX's shape,
``{"code": ..., "message": ...}``: 401 ``verify.token``; 400 ``proto.payload`` for a request
that breaks the schema or a limit; 403 ``chat.denied`` ("Key: error.dialog.suspended") for a
user who blocked the bot; 429 ``too.many.requests`` when ``throttled`` says so. The message
texts of the limit errors are this fake's, except ``errors.maxRows``, which MAX is known to send.

A dialog with user U is chat ``DIALOG_BASE + U`` (in MAX too a dialog's chat id differs from
the user's id); group chats have negative ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bots.testing.local import free_port, serve_locally
from bots.testing.max_rules import (
    SECRET,
    START_PAYLOAD_MAX,
    UPDATES_LIMIT,
    UPDATES_TIMEOUT,
    Refusal,
    bad_request,
    blocked,
    int_param,
    new_message_body,
    too_many,
    unauthorized,
)

SCHEMA = "max-bot-api-schemas/schema_2026_07_01.yaml (Max Bot API 0.0.32)"
BOT_ID = 229229229
BOT_NAME = "Помощник"
BOT_USERNAME = "lifebot"
DIALOG_BASE = 10**12
SECRET_HEADER = "X-Max-Bot-Api-Secret"


def now_ms() -> int:
    return int(time.time() * 1000)


def dialog_of(user_id: int) -> int:
    return DIALOG_BASE + user_id


def user_of(chat_id: int) -> int | None:
    """The user a dialog chat is with; None for a group chat."""
    return chat_id - DIALOG_BASE if chat_id > DIALOG_BASE else None


@dataclass
class Call:
    """One request as the bot sent it, and how it was answered."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 200
    chat_id: int | None = None  # the chat it concerned, when it concerned one
    mid: str | None = None  # the message it created, edited, deleted or answered for

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Posted:
    """A message in a chat as it stands now (edits and callback answers applied)."""

    mid: str
    seq: int
    chat_id: int
    timestamp: int
    sender: dict[str, Any]
    recipient: dict[str, Any]
    text: str | None
    attachments: list[dict[str, Any]]
    format: str | None = None
    deleted: bool = False

    def as_json(self) -> dict[str, Any]:
        """The Message object: sender, recipient, timestamp, body (mid, seq, text, attachments)."""
        body: dict[str, Any] = {"mid": self.mid, "seq": self.seq, "text": self.text}
        if self.attachments:
            body["attachments"] = self.attachments
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "timestamp": self.timestamp,
            "body": body,
        }

    def keyboard(self) -> list[list[dict[str, Any]]] | None:
        for attachment in self.attachments:
            if attachment.get("type") == "inline_keyboard":
                return list(attachment["payload"]["buttons"])
        return None


@dataclass
class Subscription:
    url: str
    time: int
    update_types: list[str] | None
    secret: str | None

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "time": self.time, "update_types": self.update_types}


@dataclass
class FakeMax:
    token: str = "max-bot-token"
    calls: list[Call] = field(default_factory=list)
    by_chat: dict[int, list[Call]] = field(default_factory=dict)  # every call about a chat
    messages: dict[str, Posted] = field(default_factory=dict)  # by mid
    subscriptions: dict[str, Subscription] = field(default_factory=dict)  # by url
    blocked: set[int] = field(default_factory=set)  # users who blocked the bot
    # "POST /messages" (or "*" for any call) → how many of the next such calls get a 429.
    throttled: dict[str, int] = field(default_factory=dict)
    max_wait: float = 1.0  # a long poll is held at most this long, whatever its timeout
    on_message: Callable[[str], None] | None = None  # told the chat of every POST /messages
    port: int = 0
    _pending: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (number, update)
    _next_update: int = 1
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _seq: Iterator[int] = field(default_factory=lambda: itertools.count(116328147937082001))
    _callback_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _callbacks: dict[str, str] = field(default_factory=dict)  # callback_id → mid
    _names: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int | None = None) -> None:
        self.port = port or free_port()
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = await serve_locally(app, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # What the tests look at
    def methods(self) -> list[str]:
        """``"POST /messages"`` and so on, long polls left out."""
        return [c.name for c in self.calls if c.name != "GET /updates"]

    def chat(self, peer: int | str) -> int:
        """The chat of a peer: a user's id stands for the dialog with them."""
        peer = int(peer)
        return peer if peer < 0 or peer > DIALOG_BASE else dialog_of(peer)

    def sent(self, peer: int | str) -> list[Call]:
        """The messages the bot posted to this chat or user (answered 200)."""
        chat = self.by_chat.get(self.chat(peer), [])
        return [c for c in chat if c.ok and c.name == "POST /messages"]

    def texts(self, peer: int | str) -> list[str]:
        """Every text the bot showed there: sent, edited, or put by a callback answer."""
        texts = []
        for call in self.by_chat.get(self.chat(peer), []):
            body = call.body if isinstance(call.body, dict) else {}
            if call.ok and call.name == "POST /answers":
                body = body.get("message") or {}
            elif not (call.ok and call.name in ("POST /messages", "PUT /messages")):
                continue
            if body.get("text") is not None:
                texts.append(str(body["text"]))
        return texts

    def shown(self, peer: int | str) -> list[Posted]:
        """The bot's messages in the chat as they stand now, oldest first, deleted left out."""
        chat = self.chat(peer)
        posted = [m for m in self.messages.values() if m.chat_id == chat and not m.deleted]
        return sorted((m for m in posted if m.sender["user_id"] == BOT_ID), key=lambda m: m.seq)

    def keyboard(self, peer: int | str) -> tuple[list[list[dict[str, Any]]], str] | None:
        """The newest inline keyboard shown in the chat and the mid of its message."""
        for message in reversed(self.shown(peer)):
            if (rows := message.keyboard()) is not None:
                return rows, message.mid
        return None

    def button(self, peer: int | str, label: str) -> tuple[str, str]:
        """(payload, mid) of the newest callback button with this label (or label start)."""
        shown = self.keyboard(peer)
        if shown is None:
            raise AssertionError(f"no keyboard in chat {peer}")
        rows, mid = shown
        for button in (b for row in rows for b in row):
            text = str(button.get("text", ""))
            if button.get("type") == "callback" and (text == label or text.startswith(label)):
                return str(button.get("payload") or ""), mid
        labels = [b.get("text") for row in rows for b in row]
        raise AssertionError(f"no button {label!r} in chat {peer}; shown: {labels}")

    def has_button(self, peer: int | str, label: str) -> bool:
        try:
            self.button(peer, label)
        except AssertionError:
            return False
        return True

    def answers(self) -> list[Call]:
        return [c for c in self.calls if c.name == "POST /answers"]

    # Incoming updates, shaped as MAX sends them
    def user(self, user_id: int) -> dict[str, Any]:
        first, last = self._names.get(user_id, ("Иван", "Петров"))
        person: dict[str, Any] = {"user_id": user_id, "first_name": first}
        if last is not None:
            person["last_name"] = last
        name = f"{first} {last}" if last else first
        activity = now_ms() - 5000
        return {**person, "is_bot": False, "last_activity_time": activity, "name": name}

    def name_user(self, user_id: int, first_name: str, last_name: str | None = None) -> None:
        self._names[user_id] = (first_name, last_name)

    def bot_user(self) -> dict[str, Any]:
        return {"user_id": BOT_ID, "first_name": BOT_NAME, "username": BOT_USERNAME,
                "is_bot": True, "last_activity_time": now_ms(), "name": BOT_NAME}  # fmt: skip

    def message_created(
        self, user: int, text: str, *, chat: int | None = None, locale: str = "ru"
    ) -> dict[str, Any]:
        """A user's message: in the dialog with the bot, or in group ``chat`` (negative id)."""
        if chat is None:
            recipient = {"chat_id": dialog_of(user), "chat_type": "dialog", "user_id": BOT_ID}
        else:
            recipient = {"chat_id": chat, "chat_type": "chat"}
        stamp = now_ms()
        posted = self._post(recipient, self.user(user), stamp, text, [])
        update: dict[str, Any] = {"message": posted.as_json(), "timestamp": stamp,
                                  "update_type": "message_created"}  # fmt: skip
        if chat is None:
            update["user_locale"] = locale  # MAX sends it in dialogs only
        return update

    def message_callback(
        self, user: int, payload: str, mid: str, *, locale: str = "ru"
    ) -> dict[str, Any]:
        """A press on a callback button of the bot's message ``mid``."""
        message = self.messages.get(mid)
        if message is None:
            raise AssertionError(f"no message {mid}")
        callback_id = f"f9LH{next(self._callback_ids):012d}cb"
        self._callbacks[callback_id] = mid
        stamp = now_ms()
        callback = {"timestamp": stamp, "callback_id": callback_id, "user": self.user(user),
                    "payload": payload}  # fmt: skip
        return {
            "callback": callback,
            "message": None if message.deleted else message.as_json(),
            "timestamp": stamp,
            "user_locale": locale,
            "update_type": "message_callback",
        }

    def press(self, user: int, label: str) -> dict[str, Any]:
        """The message_callback update for the newest button with this label in the dialog."""
        payload, mid = self.button(user, label)
        return self.message_callback(user, payload, mid)

    def bot_started(
        self, user: int, payload: str | None = None, *, locale: str = "ru"
    ) -> dict[str, Any]:
        """The user pressed Start, maybe through a deep link ``max.ru/<bot>?start=<payload>``.
        As MAX does, a payload longer than 512 characters is dropped, not passed on."""
        update: dict[str, Any] = {"timestamp": now_ms(), "chat_id": dialog_of(user),
                                  "user": self.user(user), "user_locale": locale,
                                  "user_id": user, "update_type": "bot_started"}  # fmt: skip
        if payload is not None and len(payload) <= START_PAYLOAD_MAX:
            update["payload"] = payload
        return update

    def enqueue(self, *updates: dict[str, Any]) -> None:
        """Keep updates for ``GET /updates``, each numbered in the order they happened."""
        for update in updates:
            self._pending.append((self._next_update, update))
            self._next_update += 1
        self._arrived.set()

    def pending(self) -> list[dict[str, Any]]:
        """The updates MAX still keeps (not yet confirmed by a marker)."""
        return [update for _, update in self._pending]

    async def deliver(
        self, update: dict[str, Any], url: str | None = None, secret: str | None = None
    ) -> tuple[int, str]:
        """POST an update as MAX's webhook does: to ``url`` (default: the subscribed URL), with
        the subscription's secret in ``X-Max-Bot-Api-Secret``, or ``secret`` instead ("" for no
        header at all)."""
        subscription = self._subscription_for(url)
        target = url or (subscription.url if subscription else None)
        if target is None:
            raise AssertionError("no webhook subscription and no url to deliver to")
        if secret is None:
            secret = subscription.secret if subscription else None
        headers = {SECRET_HEADER: secret} if secret else {}
        async with (
            aiohttp.ClientSession() as client,
            client.post(target, json=update, headers=headers) as response,
        ):
            return response.status, await response.text()

    def _subscription_for(self, url: str | None) -> Subscription | None:
        if url in self.subscriptions:
            return self.subscriptions[url]
        subscriptions = list(self.subscriptions.values())
        return subscriptions[0] if len(subscriptions) == 1 else None

    # The API
    async def _handle(self, request: web.Request) -> web.Response:
        call = Call(request.method, request.path, dict(request.query), None)
        self.calls.append(call)
        try:
            call.body = await _json_body(request)
            if request.headers.get("Authorization") != self.token:
                raise unauthorized()
            self._throttle(call)
            answer = await self._route(call)
        except Refusal as refusal:
            call.status = refusal.status
            error = {"code": refusal.code, "message": refusal.message}
            return web.json_response(error, status=refusal.status)
        finally:
            if call.chat_id is not None:
                self.by_chat.setdefault(call.chat_id, []).append(call)
        return web.json_response(answer)

    def _throttle(self, call: Call) -> None:
        for key in (call.name, "*"):
            if self.throttled.get(key, 0) > 0:
                self.throttled[key] -= 1
                raise too_many()

    async def _route(self, call: Call) -> dict[str, Any]:
        match call.name:
            case "GET /me":
                return self._me()
            case "GET /updates":
                return await self._updates(call.query)
            case "POST /messages":
                return self._send(call)
            case "PUT /messages":
                return self._edit(call)
            case "DELETE /messages":
                return self._delete(call)
            case "POST /answers":
                return self._answer(call)
            case "GET /subscriptions":
                return {"subscriptions": [s.as_json() for s in self.subscriptions.values()]}
            case "POST /subscriptions":
                return self._subscribe(call.body)
            case "DELETE /subscriptions":
                return self._unsubscribe(call.query)
        if call.method == "GET" and (chat := re.fullmatch(r"/chats/(-?\d+)", call.path)):
            return self._chat(int(chat.group(1)))
        if call.path in ("/me", "/updates", "/messages", "/answers", "/subscriptions"):
            raise Refusal(405, "method.not.allowed", f"Method {call.method} is not allowed")
        raise Refusal(404, "not.found", f"Path {call.path} not found")

    def _me(self) -> dict[str, Any]:
        return {**self.bot_user(), "description": "Помощник в жизненных ситуациях",
                "commands": None}  # fmt: skip

    def _chat(self, chat_id: int) -> dict[str, Any]:
        user = user_of(chat_id)
        chat: dict[str, Any] = {"chat_id": chat_id, "status": "active", "icon": None,
                                "last_event_time": now_ms(), "is_public": False,
                                "description": None}  # fmt: skip
        if user is None:
            return {**chat, "type": "chat", "title": "Соседи", "participants_count": 3}
        return {**chat, "type": "dialog", "title": None, "participants_count": 2,
                "dialog_with_user": self.user(user)}  # fmt: skip

    async def _updates(self, query: dict[str, str]) -> dict[str, Any]:
        """Long polling as MAX does it: ``marker`` confirms (forgets) every update before it;
        without one, every update not yet confirmed comes again. Not while a webhook is set."""
        if self.subscriptions:
            raise Refusal(405, "method.not.allowed", "Long polling is not available while "
                          "the bot has a webhook subscription")  # fmt: skip
        limit = int_param(query, "limit", *UPDATES_LIMIT)
        timeout = int_param(query, "timeout", *UPDATES_TIMEOUT)
        if query.get("marker") not in (None, "", "null"):
            marker = int_param(query, "marker", 0, 2**63 - 1, 0)
            self._pending = [(n, u) for n, u in self._pending if n >= marker]
        kinds = {kind for kind in query.get("types", "").split(",") if kind} or None
        batch = self._batch(kinds, limit)
        if not batch and timeout > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(timeout, self.max_wait))
            batch = self._batch(kinds, limit)
        marker = batch[-1][0] + 1 if batch else self._next_update
        return {"updates": [update for _, update in batch], "marker": marker}

    def _batch(self, kinds: set[str] | None, limit: int) -> list[tuple[int, dict[str, Any]]]:
        wanted = [(n, u) for n, u in self._pending if kinds is None or u["update_type"] in kinds]
        return wanted[:limit]

    def _target(self, query: dict[str, str]) -> int:
        if query.get("chat_id"):
            return int_param(query, "chat_id", -(2**63), 2**63 - 1, 0)
        if query.get("user_id"):
            return dialog_of(int_param(query, "user_id", 1, 2**63 - 1, 0))
        raise bad_request("chat_id or user_id is required")

    def _refuse_blocked(self, chat_id: int) -> None:
        if user_of(chat_id) in self.blocked:
            raise blocked(chat_id)

    def _send(self, call: Call) -> dict[str, Any]:
        call.chat_id = chat_id = self._target(call.query)
        body = new_message_body(call.body)
        if body.get("text") in (None, "") and not body.get("attachments"):
            raise bad_request("text or attachments are required")
        self._refuse_blocked(chat_id)
        user = user_of(chat_id)
        recipient: dict[str, Any] = {"chat_id": chat_id, "chat_type": "chat"}
        if user is not None:
            recipient = {"chat_id": chat_id, "chat_type": "dialog", "user_id": user}
        posted = self._post(recipient, self.bot_user(), now_ms(), body.get("text"),
                            list(body.get("attachments") or []))  # fmt: skip
        posted.format = body.get("format")
        call.mid = posted.mid
        if self.on_message is not None:
            self.on_message(str(chat_id))
        return {"message": posted.as_json()}

    def _post(
        self,
        recipient: dict[str, Any],
        sender: dict[str, Any],
        stamp: int,
        text: str | None,
        attachments: list[dict[str, Any]],
    ) -> Posted:
        seq = next(self._seq)
        mid = f"mid.{BOT_ID:016x}{seq % 16**16:016x}"
        posted = Posted(mid, seq, int(recipient["chat_id"]), stamp, sender, recipient, text,
                        attachments)  # fmt: skip
        self.messages[mid] = posted
        return posted

    def _posted(self, call: Call) -> Posted:
        mid = call.query.get("message_id", "")
        posted = self.messages.get(mid)
        if not mid or posted is None or posted.deleted or posted.sender["user_id"] != BOT_ID:
            raise bad_request(f"Invalid message_id: {mid}")
        call.chat_id, call.mid = posted.chat_id, mid
        return posted

    def _edit(self, call: Call) -> dict[str, Any]:
        posted = self._posted(call)
        body = new_message_body(call.body)
        self._refuse_blocked(posted.chat_id)
        _apply(posted, body)
        return {"success": True}

    def _delete(self, call: Call) -> dict[str, Any]:
        self._posted(call).deleted = True
        return {"success": True}

    def _answer(self, call: Call) -> dict[str, Any]:
        mid = self._callbacks.get(call.query.get("callback_id", ""))
        if mid is None:
            raise bad_request("callback_id: Callback identifier is invalid")
        posted = self.messages[mid]
        call.chat_id, call.mid = posted.chat_id, mid
        body = call.body if isinstance(call.body, dict) else None
        if body is None or (body.get("message") is None and not body.get("notification")):
            raise bad_request("message or notification is required")
        if not isinstance(body.get("notification") or "", str):
            raise bad_request("notification: must be a string")
        if body.get("message") is not None:
            _apply(posted, new_message_body(body["message"]))
        return {"success": True}

    def _subscribe(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("url"), str):
            raise bad_request("url: must not be null")
        url = body["url"]
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or parts.port not in (None, 443):
            raise bad_request("url: must be an HTTPS URL on port 443")
        kinds = body.get("update_types")
        if kinds is not None and not (
            isinstance(kinds, list) and all(isinstance(k, str) and k for k in kinds)
        ):
            raise bad_request("update_types: must be a list of update types")
        secret = body.get("secret")
        if secret is not None and not (isinstance(secret, str) and SECRET.fullmatch(secret)):
            raise bad_request("secret: must match ^[a-zA-Z0-9_-]{5,256}$")
        self.subscriptions[url] = Subscription(url, now_ms(), kinds, secret)
        return {"success": True}

    def _unsubscribe(self, query: dict[str, str]) -> dict[str, Any]:
        if not query.get("url"):
            raise bad_request("url: must not be null")
        if self.subscriptions.pop(query["url"], None) is None:
            return {"success": False, "message": "Subscription not found"}
        return {"success": True}


async def _json_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as error:
        raise bad_request(f"Invalid JSON: {error}") from error


def _apply(posted: Posted, body: dict[str, Any]) -> None:
    """An edit as PUT /messages does it: ``attachments: null`` keeps them, ``[]`` removes all."""
    if body.get("text") is not None:
        posted.text = body["text"]
    if body.get("attachments") is not None:
        posted.attachments = list(body["attachments"])
    if body.get("format") is not None:
        posted.format = body["format"]
