"""What a channel adapter provides. ``bots.runtime.channels`` starts any of them by name.

A channel is a folder under ``bots/channels/`` with
- ``mapping.py``: the messenger's updates → ``IncomingEvent`` (and short button payloads back);
- ``rendering.py``: ``bots.shared.layout.Piece`` → the messenger's markup, within its limits;
- ``channel.py``: a class satisfying ``Channel`` below, and ``build(config, services)``.

Everything else (the engine call, the apology, flood control, updates in flight, splitting, the
order of messages and which one edits a menu, numbered choices, proactive delivery, health,
reload, graceful stop) is shared and written once.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from bots.shared.edge import Edge
from dialogs.contract import Outgoing


@dataclass(frozen=True, slots=True)
class ChannelServices:
    """What the composition root hands every channel it builds."""

    edge: Edge
    redis: Any = None  # the shared Redis client when REDIS_URL is set (memory shared by replicas)


@runtime_checkable
class Channel(Protocol):
    @property
    def name(self) -> str:
        """As in ``IncomingEvent.channel``, and the registry's key."""

    @property
    def proactive(self) -> bool:
        """Can it write to a citizen unprompted (an idle survey)?"""

    async def receive(self, stop: asyncio.Event) -> None:
        """Take updates and answer each through the edge, until ``stop`` is set or the source
        ends; return only when every update taken has been answered."""

    async def deliver(self, outgoing: Outgoing) -> None:
        """Send a message the assistant starts (no update to answer)."""

    def is_unreachable(self, error: Exception) -> bool:
        """Did ``deliver`` fail because the citizen blocked us? Recorded, never retried."""

    async def close(self) -> None:
        """Release the messenger's client."""


@dataclass(frozen=True, slots=True)
class Listener:
    """A server the messenger posts updates to (a webhook, a callback API)."""

    app: Any  # an aiohttp application
    host: str
    port: int


class MessengerChannel(ABC):
    """A messenger that either is polled for updates or posts them to a server of ours; the
    stop (no new updates, those in flight finished) is the same for every messenger."""

    name: str
    proactive = True

    def __init__(self, services: ChannelServices) -> None:
        self.edge = services.edge

    async def receive(self, stop: asyncio.Event) -> None:
        listener = await self.listener()
        if listener is None:
            await self.poll(stop)
            await self.edge.inflight.drained()
            return
        from bots.shared.web import serve_until  # aiohttp: only with a messenger's extra

        await serve_until(listener.app, listener.host, listener.port, stop, self.edge.inflight)

    @abstractmethod
    async def listener(self) -> Listener | None:
        """The server to take updates on, registered with the messenger; None: poll."""

    @abstractmethod
    async def poll(self, stop: asyncio.Event) -> None:
        """Fetch updates until ``stop`` is set."""
