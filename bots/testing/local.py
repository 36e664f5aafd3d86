"""What every fake server and bot under test shares: a free loopback port, serving an app on it."""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from typing import Any, Protocol

import aiohttp
from aiohttp import web


class _Ports:
    """Free loopback ports, never the same one twice in a process: the OS may hand out a port
    again as soon as the probe closes, and two servers told the same port (one starting a
    moment later) would answer each other's requests."""

    def __init__(self) -> None:
        self._given: set[int] = set()

    def free(self) -> int:
        while True:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = int(probe.getsockname()[1])
            if port not in self._given:
                self._given.add(port)
                return port


_PORTS = _Ports()


def free_port() -> int:
    return _PORTS.free()


async def serve_locally(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


class LocalBot:
    """A bot's webhook application on a loopback port, and a client that posts to it."""

    def __init__(self, app: web.Application, path: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}{path}"
        self._app = app
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = await serve_locally(self._app, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.close_client()

    async def close_client(self) -> None:
        """The bot's own HTTP client to the messenger's API."""

    async def post_json(self, body: Any, headers: dict[str, str] | None = None) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as client,
            client.post(self.url, json=body, headers=headers or {}) as response,
        ):
            return response.status, await response.text()


class FakeMessenger(Protocol):
    def texts(self, chat: int | str) -> list[str]: ...

    def has_button(self, chat: int | str, label: str) -> bool: ...


class ChatCitizen(ABC):
    """A citizen in a fake messenger: what they typed or pressed, as the update to post, and
    what they see. A channel's citizen builds the updates its messenger would send."""

    def __init__(self, fake: FakeMessenger, user_id: int) -> None:
        self.fake = fake
        self.user_id = user_id

    @abstractmethod
    def typed(self, text: str) -> dict[str, Any]: ...

    @abstractmethod
    def pressed(self, label: str) -> dict[str, Any]: ...

    def sees(self, label: str) -> bool:
        return self.fake.has_button(self.user_id, label)

    @property
    def last_text(self) -> str:
        return self.fake.texts(self.user_id)[-1]

    def all_text(self) -> str:
        return "\n\n".join(self.fake.texts(self.user_id))
