"""In-memory implementations of the ports: fakes for tests, and nothing more.

Writes are staged in the unit of work and applied on commit, like a database transaction,
so tests see the same all-or-nothing behaviour as with SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from dialogs.cases import (
    CaseDetail,
    CaseLine,
    CaseOpened,
    CaseStatus,
    CaseSummary,
    Resolution,
)
from dialogs.contract import Address, Outgoing, Reply
from dialogs.ports import MAX_ATTEMPTS, StoredSession
from dialogs.records import (
    ConversationOpened,
    ConversationSnapshot,
    MessageRecord,
    StepDone,
    SurveyAnswer,
)
from dialogs.reminders import Reminder
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
    cases: dict[str, CaseDetail] = field(default_factory=dict)
    reminders: dict[str, Reminder] = field(default_factory=dict)
    steps_done: list[StepDone] = field(default_factory=list)
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
        self.steps_done: list[StepDone] = []

    async def step_done(self, record: StepDone) -> None:
        self.steps_done.append(record)

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


class MemoryCases:
    """The cases of one unit of work: changes are staged, and kept only on commit."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.staged: dict[str, CaseDetail] = {}

    def _all(self) -> dict[str, CaseDetail]:
        return {**self._db.cases, **self.staged}

    async def open(self, case: CaseOpened) -> None:
        summary = CaseSummary(
            case.case_id, case.kind, "queued", case.address.channel, case.situation_id,
            case.opened_at, off_hours=case.off_hours,
        )  # fmt: skip
        self.staged[case.case_id] = CaseDetail(
            summary, case.conversation_id, case.session_key, case.address, case.question,
            case.step_title, case.answers, case.recent,
        )  # fmt: skip

    async def get(self, case_id: str) -> CaseDetail | None:
        return self._all().get(case_id)

    async def add_line(self, case_id: str, line: CaseLine) -> None:
        found = self._all()[case_id]
        self.staged[case_id] = dataclasses.replace(found, lines=(*found.lines, line))

    async def queued_ahead(self, case_id: str) -> int:
        cases = self._all()
        mine = cases[case_id].summary.opened_at
        return sum(
            1
            for c in cases.values()
            if c.summary.status == "queued" and c.summary.opened_at < mine
        )

    async def recent_waits(self, now: dt.datetime, limit: int) -> list[dt.timedelta]:
        claimed = [c.summary for c in self._all().values() if c.summary.claimed_at is not None]
        claimed.sort(key=lambda s: s.claimed_at or now, reverse=True)
        return [(s.claimed_at or now) - s.opened_at for s in claimed[:limit]]

    def _change(self, case_id: str, **changes: object) -> None:
        found = self._all()[case_id]
        summary = dataclasses.replace(found.summary, **changes)  # type: ignore[arg-type]
        self.staged[case_id] = dataclasses.replace(found, summary=summary)

    async def claim(self, case_id: str, operator: str, at: dt.datetime) -> bool:
        found = self._all().get(case_id)
        if found is None or found.summary.status != "queued":
            return False
        self._change(case_id, status="claimed", operator=operator, claimed_at=at)
        return True

    async def release(self, case_id: str, operator: str) -> bool:
        found = self._all().get(case_id)
        if found is None or found.summary.status != "claimed":
            return False
        if found.summary.operator != operator:
            return False
        self._change(case_id, status="queued", operator=None)
        return True

    async def close(
        self, case_id: str, operator: str | None, resolution: Resolution, at: dt.datetime
    ) -> bool:
        found = self._all().get(case_id)
        if found is None or found.summary.status == "closed":
            return False
        holder = found.summary.operator
        if operator is not None and holder is not None and holder != operator:
            return False
        self._change(case_id, status="closed", resolution=resolution, closed_at=at,
                     operator=holder or operator)  # fmt: skip
        return True

    async def citizen_unreachable(self, case_id: str, at: dt.datetime) -> None:
        if case_id in self._all():
            self._change(case_id, citizen_blocked=True)

    async def listing(self, status: CaseStatus, limit: int) -> list[CaseSummary]:
        found = [c.summary for c in self._all().values() if c.summary.status == status]
        found.sort(key=lambda s: s.opened_at, reverse=status == "closed")
        return found[:limit]


class MemoryReminders:
    """The reminders of one unit of work: staged, kept only on commit."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.staged: dict[str, Reminder | None] = {}  # None: deleted

    def _all(self) -> dict[str, Reminder]:
        merged: dict[str, Reminder | None] = {**self._db.reminders, **self.staged}
        return {k: v for k, v in merged.items() if v is not None}

    def _drop(self, keep: Callable[[Reminder], bool]) -> int:
        gone = [k for k, r in self._all().items() if not keep(r)]
        self.staged.update(dict.fromkeys(gone))
        return len(gone)

    async def plan(self, reminders: Sequence[Reminder]) -> None:
        plans = {(r.session_key, r.situation_id) for r in reminders}
        self._drop(lambda r: (r.session_key, r.situation_id) not in plans)
        self.staged.update({r.reminder_id: r for r in reminders})

    async def pending(self, session_key: str, situation_id: str) -> list[Reminder]:
        mine = [r for r in self._all().values()
                if (r.session_key, r.situation_id) == (session_key, situation_id)]  # fmt: skip
        return sorted(mine, key=lambda r: r.at)

    async def due(self, channel: str, now: dt.datetime, limit: int) -> list[Reminder]:
        found = [r for r in self._all().values() if r.address.channel == channel and r.at <= now]
        return sorted(found, key=lambda r: r.at)[:limit]

    async def sent(self, reminder_id: str) -> None:
        self.staged[reminder_id] = None

    async def stop(self, session_key: str, situation_id: str | None) -> int:
        return self._drop(lambda r: not (r.session_key == session_key and
                                         situation_id in (None, r.situation_id)))  # fmt: skip

    async def step_done(self, session_key: str, situation_id: str, step_id: str) -> int:
        target = (session_key, situation_id, step_id)
        return self._drop(lambda r: (r.session_key, r.situation_id, r.step_id) != target)

    async def unreachable(self, conversation_id: str) -> int:
        return self._drop(lambda r: r.conversation_id != conversation_id)


class MemoryUnitOfWork:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.sessions = MemorySessionStore(db)
        self.recorder = MemoryRecorder()
        self.deliveries = MemoryDeliveries(db)
        self.cases = MemoryCases(db)
        self.reminders = MemoryReminders(db)
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
        self.cases = MemoryCases(self._db)
        self.reminders = MemoryReminders(self._db)

    async def claim_event(self, channel: str, event_id: str, at: dt.datetime) -> bool:
        key = (channel, event_id)
        if key in self._db.events or key in self._events:
            return False
        self._events.add(key)
        return True

    async def claim_and_load(
        self, channel: str, event_id: str, at: dt.datetime, key: str
    ) -> tuple[bool, ConversationState | None]:
        return await self.claim_event(channel, event_id, at), await self.sessions.load(key)

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
        db.cases.update(self.cases.staged)
        self.cases = MemoryCases(db)
        for key, reminder in self.reminders.staged.items():
            if reminder is None:
                db.reminders.pop(key, None)
            else:
                db.reminders[key] = reminder
        self.reminders = MemoryReminders(db)
        db.steps_done += recorder.steps_done
        db.commits += 1
        self.sessions.staged.clear()
        self.sessions.forgotten.clear()
        self.recorder = MemoryRecorder()
