"""The edge every channel hands its updates to: the engine's replies, flood control, updates in
flight, and failures turned into the knowledge base's apology, never a trace.

Errors are routed by type here, once for every channel: an expected failure of the project's own
(``LifebotError``: the database, the NLU, the content) is logged as one line; anything else is a
bug and is logged with its traceback. The citizen gets the same apology either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
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
# A pushed update (a webhook) waits this long for a free turn before it is refused, and so
# many wait at most: Telegram posts at most 100 at once (max_connections), VK and MAX fewer.
LINE_SECONDS = 1.0
LINE_LENGTH = 100
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
        line: int = LINE_LENGTH,
    ) -> None:
        self.engine = engine
        self.flood = flood
        self.inflight = inflight or InFlight()
        self.capacity = capacity
        self.outage = outage or Outage()
        self.group_chats = group_chats  # answer in groups too (see bots.shared.ownership)
        self.redelivered = False  # set by a channel the messenger posts to: refuse, it retries
        self.line, self.line_seconds = line, LINE_SECONDS
        self._slots = asyncio.Semaphore(capacity)
        self._in_line = 0

    @property
    def saturated(self) -> bool:
        """As many turns running as the database has connections for, and the line for one
        full: a messenger that redelivers (a webhook) is refused now and retries."""
        return self._slots.locked() and self._in_line >= self.line

    def slot(self) -> asyncio.Semaphore:
        """For intakes that pull (polling): wait for a free slot, the messenger keeps the rest."""
        return self._slots

    @contextlib.asynccontextmanager
    async def pushed(self) -> AsyncIterator[bool]:
        """A pushed update's turn (webhooks): True once a slot is free, within
        ``line_seconds`` and with at most ``line`` waiting; False: refuse it, the messenger
        sends it again. A refusal after a short wait costs both sides less than the retries of
        an immediate one, and the citizen waits less."""
        if self.saturated or not await self._wait_in_line():
            yield False
            return
        try:
            async with self.inflight.track():
                yield True
        finally:
            self._slots.release()

    async def _wait_in_line(self) -> bool:
        self._in_line += 1
        try:
            async with asyncio.timeout(self.line_seconds):
                await self._slots.acquire()
        except TimeoutError:
            return False
        finally:
            self._in_line -= 1
        return True

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
