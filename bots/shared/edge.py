"""The edge every channel hands its updates to: the engine's replies, flood control, updates in
flight, and failures turned into the knowledge base's apology, never a trace.

Errors are routed by type here, once for every channel: an expected failure of the project's own
(``LifebotError``: the database, the NLU, the content) is logged as one line; anything else is a
bug and is logged with its traceback. The citizen gets the same apology either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bots.shared.flood import Admission, FloodControl, hold
from bots.shared.inflight import InFlight
from bots.shared.inputs import clean
from bots.shared.outage import Outage
from dialogs.contract import IncomingEvent, Reply
from dialogs.engine import DialogEngine
from knowledge_base.errors import LifebotError, StorageUnavailable
from knowledge_base.model import Texts

log = logging.getLogger("lifebot.edge")
CAPACITY = 15  # turns at once: the default pool (5 connections and 10 more on demand)
Chat = TypeVar("Chat")
ADMITTED = Admission()


def log_failure(error: BaseException, where: str, **context: object) -> None:
    """One line for the project's own failures; the traceback for anything unexpected."""
    extra = {"where": where, **context}
    if isinstance(error, LifebotError):
        log.error("%s failed: %s: %s", where, type(error).__name__, error, extra=extra)
    else:
        log.error("%s failed", where, exc_info=error, extra=extra)


class Edge:
    """What a channel adapter calls for every update; one per process, shared by its handlers."""

    def __init__(
        self,
        engine: DialogEngine,
        flood: FloodControl | None = None,
        inflight: InFlight | None = None,
        capacity: int = CAPACITY,
        outage: Outage | None = None,
        group_chats: bool = False,
    ) -> None:
        self.engine = engine
        self.flood = flood
        self.inflight = inflight or InFlight()
        self.capacity = capacity
        self.outage = outage or Outage()
        self.group_chats = group_chats  # answer in groups too (see bots.shared.ownership)
        self.redelivered = False  # set by a channel the messenger posts to: refuse, it retries
        self._slots = asyncio.Semaphore(capacity)

    @property
    def saturated(self) -> bool:
        """As many turns running as the database has connections for: a messenger that
        redelivers (a webhook) is refused now and retries, instead of every turn timing out."""
        return self.inflight.count >= self.capacity

    def slot(self) -> asyncio.Semaphore:
        """For intakes that pull (polling): wait for a free slot, the messenger keeps the rest."""
        return self._slots

    @property
    def texts(self) -> Texts:
        return self.engine.knowledge.texts

    async def answer(self, event: IncomingEvent) -> list[Reply]:
        """The engine's replies, or the knowledge base's apology if anything failed. While the
        database is unavailable the update is refused (``StorageUnavailable`` reaches the
        intake, which does not acknowledge it) or retried in place; see ``bots.shared.outage``.
        """
        event = clean(event)
        attempt = 0
        while True:
            try:
                replies = await self.engine.handle(event)
            except StorageUnavailable as error:
                if not self.outage.keep_trying(event):
                    return self._apology(error, event)
                log.warning("%s turn not kept: the database is unavailable", event.channel)
                if self.redelivered:
                    raise
                await asyncio.sleep(self.outage.pause(attempt))
                attempt += 1
            except Exception as error:
                return self._apology(error, event)
            else:
                self.outage.kept(event)
                return replies

    def _apology(self, error: Exception, event: IncomingEvent) -> list[Reply]:
        log_failure(error, f"{event.channel} turn", has_payload=bool(event.payload))
        return [Reply(self.texts.apology)]

    async def admit(self, channel: str, user_id: str) -> Admission:
        """Hold a fast citizen's update its turn; ``drop`` and ``warn`` say what to do then."""
        if self.flood is None:
            return ADMITTED
        return await hold(self.flood, channel, user_id)

    def flood_warning(self) -> list[Reply]:
        return [Reply(self.texts.flood_warning)]

    async def apologise(
        self,
        error: BaseException,
        where: str,
        chat: Chat | None,
        send: Callable[[Chat, Sequence[Reply]], Awaitable[None]],
    ) -> None:
        """A handler failed outside the engine: log it by type; apologise in ``chat`` if known."""
        log_failure(error, where)
        if chat is None:
            return
        try:
            await send(chat, [Reply(self.texts.apology)])
        except Exception:  # best effort: the log already has the cause
            log.warning("the apology after a failed %s was not delivered", where)


async def answer(engine: DialogEngine, event: IncomingEvent) -> list[Reply]:
    """One turn through a fresh edge: for a caller without a messenger (the console, tests)."""
    return await Edge(engine).answer(event)
