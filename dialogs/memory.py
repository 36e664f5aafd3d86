"""In-memory implementations of the ports: fakes for tests, and nothing more.

Writes are staged in the unit of work and applied on commit, like a database transaction,
so tests see the same all-or-nothing behaviour as with SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from dialogs.contract import Address, Outgoing, Reply
from dialogs.ports import MAX_ATTEMPTS, StoredSession
from dialogs.records import ConversationOpened, ConversationSnapshot, MessageRecord, SurveyAnswer
from dialogs.state import ConversationState


@dataclass
class MemoryDatabase:
    sessions: dict[str, tuple[Address, str, dt.datetime | None]] = field(default_factory=dict)
    opened: list[ConversationOpened] = field(default_factory=list)
    conversations: dict[str, ConversationSnapshot] = field(default_factory=dict)
    messages: list[MessageRecord] = field(default_factory=list)
    answers: list[SurveyAnswer] = field(default_factory=list)
    events: set[tuple[str, str]] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    outbox: dict[str, tuple[Outgoing, dt.datetime | None, int]] = field(default_factory=dict)
    answered: dict[tuple[str, str], tuple[Reply, ...]] = field(default_factory=dict)
    forgotten: list[tuple[str, str]] = field(default_factory=list)
    commits: int = 0

    def units(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemorySessionStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.staged: dict[str, tuple[Address, str, dt.datetime | None]] = {}
        self.forgotten: list[str] = []

    async def load(self, key: str) -> ConversationState | None:
        row = self.staged.get(key) or self._db.sessions.get(key)
        return ConversationState.model_validate_json(row[1]) if row else None

    async def save(
        self, key: str, address: Address, state: ConversationState, idle_due_at: dt.datetime | None
    ) -> None:
        self.staged[key] = (address, state.model_dump_json(), idle_due_at)

    async def due_for_idle(
        self, channel: str, now: dt.datetime, limit: int
    ) -> list[StoredSession]:
        due = [
            StoredSession(key, address, ConversationState.model_validate_json(data))
            for key, (address, data, due_at) in self._db.sessions.items()
            if address.channel == channel and due_at is not None and due_at <= now
        ]
        return due[:limit]

    async def forget(self, key: str) -> None:
        self.staged.pop(key, None)
        self.forgotten.append(key)


class MemoryRecorder:
    """Keeps what it is told; ``forgotten`` lists (channel, user) pairs asked to be forgotten."""

    def __init__(self) -> None:
        self.opened: list[ConversationOpened] = []
        self.snapshots: list[ConversationSnapshot] = []
        self.messages: list[MessageRecord] = []
        self.answers: list[SurveyAnswer] = []
        self.unreachable: set[str] = set()
        self.forgotten: list[tuple[str, str]] = []

    async def conversation_opened(self, record: ConversationOpened) -> None:
        self.opened.append(record)

    async def conversation_changed(self, snapshot: ConversationSnapshot) -> None:
        self.snapshots.append(snapshot)

    async def message(self, record: MessageRecord) -> None:
        self.messages.append(record)

    async def survey_answer(self, answer: SurveyAnswer) -> None:
        self.answers.append(answer)

    async def citizen_unreachable(self, conversation_id: str, at: dt.datetime) -> None:
        self.unreachable.add(conversation_id)

    async def forget_citizen(self, channel: str, user_id: str) -> int:
        self.forgotten.append((channel, user_id))
        return 0


class MemoryDeliveries:
    """The outbox; claims take effect at once (a claim is its own small transaction)."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.added: dict[str, Outgoing] = {}
        self.finished: set[str] = set()

    async def add(self, outgoing: Outgoing, at: dt.datetime) -> None:
        self.added[outgoing.delivery_id] = outgoing

    async def claim(
        self, channel: str, now: dt.datetime, lease: dt.timedelta, limit: int
    ) -> list[Outgoing]:
        claimed = []
        for key, (outgoing, since, attempts) in list(self._db.outbox.items()):
            if outgoing.address.channel != channel or (since and since + lease > now):
                continue
            if attempts >= MAX_ATTEMPTS:
                del self._db.outbox[key]
                continue
            self._db.outbox[key] = (outgoing, now, attempts + 1)
            claimed.append(outgoing)
            if len(claimed) == limit:
                break
        return claimed

    async def done(self, delivery_id: str) -> None:
        self.finished.add(delivery_id)


class MemoryUnitOfWork:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.sessions = MemorySessionStore(db)
        self.recorder = MemoryRecorder()
        self.deliveries = MemoryDeliveries(db)
        self._events: set[tuple[str, str]] = set()
        self._answered: dict[tuple[str, str], tuple[Reply, ...]] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.sessions.staged.clear()  # anything not committed is dropped
        self.deliveries = MemoryDeliveries(self._db)

    async def claim_event(self, channel: str, event_id: str, at: dt.datetime) -> bool:
        key = (channel, event_id)
        if key in self._db.events or key in self._events:
            return False
        self._events.add(key)
        return True

    async def keep_replies(self, channel: str, event_id: str, replies: Sequence[Reply]) -> None:
        self._answered[(channel, event_id)] = tuple(replies)

    async def replies_of(self, channel: str, event_id: str) -> tuple[Reply, ...]:
        return self._db.answered.get((channel, event_id), ())

    async def commit(self) -> None:
        db, recorder = self._db, self.recorder
        db.answered.update(self._answered)
        self._answered.clear()
        for key in self.sessions.forgotten:
            db.sessions.pop(key, None)
        db.sessions.update(self.sessions.staged)
        db.forgotten += recorder.forgotten
        db.opened += recorder.opened
        db.conversations.update({s.conversation_id: s for s in recorder.snapshots})
        db.messages += recorder.messages
        db.answers += recorder.answers
        db.unreachable |= recorder.unreachable
        db.events |= self._events
        db.outbox.update({k: (o, None, 0) for k, o in self.deliveries.added.items()})
        for key in self.deliveries.finished:
            db.outbox.pop(key, None)
        self.deliveries = MemoryDeliveries(db)
        db.commits += 1
        self.sessions.staged.clear()
        self.sessions.forgotten.clear()
        self.recorder = MemoryRecorder()
