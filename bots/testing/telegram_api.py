"""A fake Bot API server on 127.0.0.1: records every call and answers like Telegram.

The bot under test reaches it through aiogram's real HTTP client
(``TELEGRAM_API_URL`` → ``TelegramAPIServer.from_base``), so requests, serialisation and
error handling are the real ones; only Telegram is not called.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bots.testing.local import free_port, serve_locally

BLOCKED = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-TOKEN"
    calls: list[Call] = field(default_factory=list)
    by_chat: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    blocked_chats: set[str] = field(default_factory=set)
    send_delay: float = 0.0  # seconds a sendMessage takes, as over a real network
    on_message: Callable[[str], None] | None = None  # told the chat of every sendMessage
    updates: PendingUpdates = field(default_factory=lambda: PendingUpdates())
    port: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int | None = None) -> None:
        self.port = port or free_port()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = await serve_locally(app, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # What the tests look at
    def sent(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        if chat_id is not None:
            return self.by_chat.get(str(chat_id), [])
        return [c.params for c in self.calls if c.method in ("sendMessage", "editMessageText")]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def last_keyboard(self, chat_id: int | str) -> list[list[dict[str, str]]]:
        for params in reversed(self.sent(chat_id)):
            if params.get("reply_markup"):
                markup = params["reply_markup"]
                markup = json.loads(markup) if isinstance(markup, str) else markup
                return list(markup["inline_keyboard"])
        return []

    def button(self, chat_id: int | str, label: str) -> tuple[str, int]:
        """(callback data, message id) of the newest button with this label (or label start)."""
        for params in reversed(self.sent(chat_id)):
            markup = params.get("reply_markup")
            if not markup:
                continue
            rows = (json.loads(markup) if isinstance(markup, str) else markup)["inline_keyboard"]
            for button in (b for row in rows for b in row):
                if button["text"] == label or button["text"].startswith(label):
                    return button["callback_data"], int(params["_message_id"])
        raise AssertionError(f"no button {label!r} in chat {chat_id}")

    def has_button(self, chat_id: int | str, label: str) -> bool:
        try:
            self.button(chat_id, label)
        except AssertionError:
            return False
        return True

    def texts(self, chat_id: int | str) -> list[str]:
        return [str(params.get("text", "")) for params in self.sent(chat_id)]

    def last_message_id(self, chat_id: int | str) -> int:
        for call in reversed(self.calls):
            if call.method == "sendMessage" and str(call.params["chat_id"]) == str(chat_id):
                return int(call.params["_message_id"])
        raise AssertionError("no message sent to this chat")

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            unauthorized = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return web.json_response(unauthorized)
        method = request.match_info["method"]
        params = await _parameters(request)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._updates(params)})
        if method == "sendMessage" and self.send_delay:
            await asyncio.sleep(self.send_delay)
        call = Call(method, params)
        self.calls.append(call)
        if method in ("sendMessage", "editMessageText"):
            self.by_chat.setdefault(str(params.get("chat_id")), []).append(params)
        if method == "sendMessage" and self.on_message is not None:
            self.on_message(str(params.get("chat_id")))
        if str(params.get("chat_id")) in self.blocked_chats and method == "sendMessage":
            return web.json_response(BLOCKED, status=403)
        return web.json_response({"ok": True, "result": self._result(call)})

    def _result(self, call: Call) -> Any:
        if call.method == "getMe":
            return {"id": 42, "is_bot": True, "first_name": "Помощник", "username": "lifebot"}
        if call.method in ("sendMessage", "editMessageText"):
            message_id = int(call.params.get("message_id") or next(self._ids))
            call.params["_message_id"] = message_id
            chat_id = int(call.params["chat_id"])
            return {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": {"id": 42, "is_bot": True, "first_name": "Помощник"},
                "text": call.params.get("text", ""),
            }
        return True

    async def _updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates as the Bot API does it: ``offset`` confirms (forgets) every update below
        it; the unconfirmed ones come again, up to ``limit`` (100) at a time."""
        if params.get("offset") not in (None, ""):
            self.updates.confirm(int(params["offset"]))
        limit = int(params.get("limit") or 100)
        return await self.updates.batch(float(params.get("timeout") or 0), limit)


class PendingUpdates:
    """The updates Telegram keeps for a bot until they are confirmed."""

    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()

    async def put(self, update: dict[str, Any]) -> None:
        self._items.append(update)
        self._arrived.set()

    def confirm(self, offset: int) -> None:
        self._items = [u for u in self._items if int(u["update_id"]) >= offset]

    def empty(self) -> bool:
        return not self._items

    async def batch(self, wait: float, limit: int) -> list[dict[str, Any]]:
        if not self._items:
            self._arrived.clear()
            try:
                # At most a second: a stopped bot's request is not held open for long.
                await asyncio.wait_for(self._arrived.wait(), timeout=min(max(wait, 0.01), 1.0))
            except TimeoutError:
                return []
        return self._items[:limit]


class Updates:
    """Builds Bot API update objects as Telegram sends them."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def message(self, user: int, text: str, group: int | None = None) -> dict[str, Any]:
        """``group``: the id of a group chat (negative, as Telegram's) the user wrote in."""
        update_id = next(self._ids)
        chat = {"id": group, "type": "group", "title": "Соседи"} if group else None
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": chat or {"id": user, "type": "private"},
                "from": {"id": user, "is_bot": False, "first_name": "Иван", "language_code": "ru"},
                "text": text,
                **_command_entities(text),
            },
        }

    def button(
        self, user: int, data: str, message_id: int, group: int | None = None
    ) -> dict[str, Any]:
        """``group``: the group chat whose message carried the button."""
        update_id = next(self._ids)
        chat = {"id": group, "type": "group", "title": "Соседи"} if group else None
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb{update_id}",
                "from": {"id": user, "is_bot": False, "first_name": "Иван"},
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": chat or {"id": user, "type": "private"},
                    "from": {"id": 42, "is_bot": True, "first_name": "Помощник"},
                    "text": "…",
                },
            },
        }


def _command_entities(text: str) -> dict[str, Any]:
    if not text.startswith("/"):
        return {}
    length = len(text.split(" ")[0])
    return {"entities": [{"type": "bot_command", "offset": 0, "length": length}]}


async def _parameters(request: web.Request) -> dict[str, Any]:
    """A call's parameters, from a form or a JSON body (the Bot API takes both), kept in the
    form's shape: each a string, a nested one (a keyboard) as its JSON."""
    if request.content_type != "application/json":
        return dict(await request.post()) if request.can_read_body else {}
    given = await request.json()
    return {
        name: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for name, value in given.items()
    }
