"""A fake VK API and Bots Long Poll server on 127.0.0.1.

The bot reaches it through vkbottle's real HTTP client (``VK_API_URL`` → ``API.API_URL``); the
long-poll server's address comes from ``groups.getLongPollServer``, as with VK itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bots.testing.local import free_port, serve_locally

GROUP = 777
BUTTON_ACTIONS = ["text", "vkpay", "open_app", "location", "open_link", "callback"]


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    message_id: int


@dataclass
class FakeVk:
    token: str = "vk-group-token"
    calls: list[Sent] = field(default_factory=list)
    by_peer: dict[str, list[Sent]] = field(default_factory=dict)
    refusing: set[str] = field(default_factory=set)  # peers that forbade messages (error 901)
    events: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    on_message: Callable[[str], None] | None = None  # told the peer of every messages.send
    port: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(2))
    _runner: web.AppRunner | None = None
    _random_ids: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/method/"

    async def start(self, port: int | None = None) -> None:
        self.port = port or free_port()
        app = web.Application()
        app.router.add_post("/method/{name}", self._method)
        app.router.add_route("*", "/lp", self._long_poll)
        self._runner = await serve_locally(app, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # What the tests look at
    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def texts(self, peer: int | str) -> list[str]:
        return [str(c.params.get("message", "")) for c in self.by_peer.get(str(peer), [])]

    def keyboard(self, peer: int | str) -> tuple[dict[str, Any], int] | None:
        """The newest keyboard shown to the peer and the message it is on."""
        for sent in reversed(self.by_peer.get(str(peer), [])):
            if sent.params.get("keyboard"):
                return json.loads(sent.params["keyboard"]), sent.message_id
        return None

    def button(self, peer: int | str, label: str) -> tuple[str, int]:
        shown = self.keyboard(peer)
        if shown is None:
            raise AssertionError(f"no keyboard in chat {peer}")
        board, message_id = shown
        for row in board["buttons"]:
            for button in row:
                action = button["action"]
                if action["label"] == label or action["label"].startswith(label):
                    return action["payload"]["p"], message_id
        labels = [b["action"]["label"] for row in board["buttons"] for b in row]
        raise AssertionError(f"no button {label!r} in chat {peer}; shown: {labels}")

    def has_button(self, peer: int | str, label: str) -> bool:
        shown = self.keyboard(peer)
        board = shown[0]["buttons"] if shown else []
        return any(b["action"]["label"].startswith(label) for row in board for b in row)

    async def _method(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        params = dict(await request.post())
        if request.query.get("access_token") != self.token:
            return web.json_response({"error": {"error_code": 5, "error_msg": "auth failed"}})
        if name == "groups.getLongPollServer":
            server = {"key": "lp-key", "server": f"{self.url}/lp", "ts": "1"}
            return web.json_response({"response": server})
        if name == "groups.getById":
            group = {"id": GROUP, "name": "Помощник", "screen_name": "lifebot", "type": "group"}
            return web.json_response({"response": {"groups": [group], "profiles": []}})
        if name == "messages.isMessagesFromGroupAllowed":  # VK: {"is_allowed": 0 | 1}
            allowed = 0 if str(params.get("user_id", "")) in self.refusing else 1
            return web.json_response({"response": {"is_allowed": allowed}})
        # messages.send takes one peer_id, or peer_ids (comma-separated) and then answers
        # with an object for each: {peer_id, message_id, conversation_message_id}.
        many = "peer_ids" in params
        peer = str(params.get("peer_id") or str(params.get("peer_ids", "")).split(",")[0])
        if not str(params.get("conversation_message_id", "0")).isdecimal():
            message = "One of the parameters specified was missing or invalid"
            error = {"error_code": 100, "error_msg": message, "request_params": []}
            return web.json_response({"error": error})
        if name == "messages.send" and peer in self.refusing:
            error = {"error_code": 901, "error_msg": "Can't send messages for users without "
                     "permission", "request_params": []}  # fmt: skip
            return web.json_response({"error": error})
        result = self._record(name, params, peer)
        if many and name == "messages.send":
            sent = {"peer_id": int(peer), "message_id": result, "conversation_message_id": result}
            return web.json_response({"response": [sent]})
        return web.json_response({"response": result})

    def _record(self, name: str, params: dict[str, Any], peer: str) -> int:
        # VK: a random_id already used by this sender is not sent again; the first id returns.
        repeat = (peer, str(params.get("random_id") or ""))
        if name == "messages.send" and repeat[1] not in ("", "0") and repeat in self._random_ids:
            return self._random_ids[repeat]
        if name == "messages.edit":
            sent = Sent(name, params, int(params["conversation_message_id"]))
        else:
            sent = Sent(name, params, next(self._ids))
        self.calls.append(sent)
        if name in ("messages.send", "messages.edit"):
            self.by_peer.setdefault(peer, []).append(sent)
        if name == "messages.send" and self.on_message is not None:
            self.on_message(peer)
        if name == "messages.send" and repeat[1] not in ("", "0"):
            self._random_ids[repeat] = sent.message_id
        return sent.message_id if name == "messages.send" else 1

    async def _long_poll(self, request: web.Request) -> web.Response:
        params = {**request.query, **dict(await request.post())}
        wait = min(float(str(params.get("wait") or 1)), 1.0)
        updates = []
        try:
            updates.append(await asyncio.wait_for(self.events.get(), timeout=wait))
            while not self.events.empty():
                updates.append(self.events.get_nowait())
        except TimeoutError:
            pass
        return web.json_response({"ts": str(next(self._ts)), "updates": updates})


class Events:
    """VK event objects, as Bots Long Poll and the Callback API deliver them."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret
        self._ids = itertools.count(1)

    def _wrap(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        event = {"type": kind, "event_id": secrets.token_hex(20), "v": "5.199",
                 "group_id": GROUP, "object": body}  # fmt: skip
        if self.secret is not None:
            event["secret"] = self.secret
        return event

    def message(
        self, user: int, text: str, *, keyboards: bool = True, peer: int | None = None
    ) -> dict[str, Any]:
        """``peer``: a group conversation (2000000001 and up) the message was written in."""
        number = next(self._ids)
        message = {
            "date": int(time.time()), "from_id": user, "id": number, "out": 0,
            "peer_id": peer or user,
            "text": text, "conversation_message_id": number, "fwd_messages": [],
            "important": False, "random_id": 0, "attachments": [], "is_hidden": False,
            "version": number,  # required in VK's schema (messages_base_message)
        }  # fmt: skip
        client = {"button_actions": BUTTON_ACTIONS if keyboards else ["text"],
                  "keyboard": keyboards, "inline_keyboard": keyboards, "carousel": False,
                  "lang_id": 0}  # fmt: skip
        return self._wrap("message_new", {"message": message, "client_info": client})

    def button(
        self, user: int, payload: str, message_id: int, peer: int | None = None
    ) -> dict[str, Any]:
        body = {"user_id": user, "peer_id": peer or user, "event_id": secrets.token_hex(6),
                "payload": {"p": payload}, "conversation_message_id": message_id}  # fmt: skip
        return self._wrap("message_event", body)
