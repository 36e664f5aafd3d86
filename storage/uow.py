"""The SQL unit of work: one database session per update; it alone commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from types import TracebackType
from typing import Self

from sqlalchemy import Executable, bindparam, exists, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.contract import Reply
from dialogs.ports import SessionStore
from dialogs.state import ConversationState
from knowledge_base.errors import StorageError, StorageUnavailable
from storage.batch import Write, write_later
from storage.cases import SqlCases
from storage.deliveries import SqlDeliveries, dump_replies, load_replies
from storage.failures import is_outage
from storage.masking import mask_personal_data
from storage.models import ProcessedEvent, table_of
from storage.pseudonyms import Pseudonymizer
from storage.recorder import SqlRecorder
from storage.reminders import SqlReminders
from storage.sessions import LOCKED_STATE, SqlSessionStore
from storage.upsert import dialect_of, upsert_statement

_EVENTS = table_of(ProcessedEvent)
CLAIM_COLUMNS = ("channel", "event_id", "at")


@lru_cache(maxsize=1)
def _claim_and_lock() -> Executable:
    """``INSERT … ON CONFLICT DO NOTHING`` of the update's claim in ``WITH``, and the citizen's
    state ``FOR UPDATE``: whether it was claimed, and the state, in one row."""
    values = {c: bindparam(f"claim_{c}", type_=_EVENTS.c[c].type) for c in CLAIM_COLUMNS}
    claim = (
        postgresql.insert(_EVENTS)
        .values(values)
        .on_conflict_do_nothing(index_elements=["channel", "event_id"])
        .returning(_EVENTS.c.event_id)
        .cte("claimed")
    )
    claimed = exists(select(claim.c.event_id)).label("claimed")
    return select(claimed, LOCKED_STATE.scalar_subquery().label("state"))


class SqlUnitOfWork:
    """Records, conversation state, the update's claim, the outbox, the cases handed to
    operators and the plans' reminders: one SQL transaction."""

    sessions: SessionStore
    recorder: SqlRecorder
    deliveries: SqlDeliveries
    cases: SqlCases
    reminders: SqlReminders

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        pseudonymizer: Pseudonymizer,
    ) -> None:
        self._factory = factory
        self._pseudonymizer = pseudonymizer
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._factory()
        self._states = SqlSessionStore(self._session)
        self.sessions = self._states
        self.recorder = SqlRecorder(self._session, self._pseudonymizer)
        self.deliveries = SqlDeliveries(self._session)
        self.cases = SqlCases(self._session, mask_personal_data)  # masked like the messages
        self.reminders = SqlReminders(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.rollback()  # a no-op after commit; drops half a turn otherwise
            await session.close()
        except Exception as lost:  # the connection died with the turn: nothing was kept
            await session.invalidate()
            exc = exc or lost
        if exc is not None and is_outage(exc):
            raise StorageUnavailable("the database is unavailable; nothing was kept") from exc
        if isinstance(exc, SQLAlchemyError):
            raise StorageError("the database rejected this turn") from exc

    async def claim_event(self, channel: str, event_id: str, at: dt.datetime) -> bool:
        if self._session is None:
            raise StorageError("claim outside a unit of work")
        statement = upsert_statement(
            dialect_of(self._session),
            _EVENTS,
            CLAIM_COLUMNS,
            ("channel", "event_id"),
            update=False,
            returning="event_id",
        )
        values = {"channel": channel, "event_id": event_id, "at": at}
        return (await self._session.execute(statement, values)).first() is not None

    async def claim_and_load(
        self, channel: str, event_id: str, at: dt.datetime, key: str
    ) -> tuple[bool, ConversationState | None]:
        """PostgreSQL claims and locks in one statement: a round trip less for every turn."""
        session = self._open()
        if dialect_of(session) != "postgresql":
            return await self.claim_event(channel, event_id, at), await self.sessions.load(key)
        values = {"claim_channel": channel, "claim_event_id": event_id, "claim_at": at, "key": key}
        row = (await session.execute(_claim_and_lock(), values)).one()
        return bool(row.claimed), self._states.state_of(key, row.state)

    async def keep_replies(self, channel: str, event_id: str, replies: Sequence[Reply]) -> None:
        """Sent with the turn's other last writes (``storage.batch``)."""
        kept = {"channel": channel, "event_id": event_id, "replies": dump_replies(tuple(replies))}
        await write_later(self._open(), Write(_EVENTS, kept, match=("channel", "event_id")))

    async def replies_of(self, channel: str, event_id: str) -> tuple[Reply, ...]:
        claimed = (_EVENTS.c.channel == channel, _EVENTS.c.event_id == event_id)
        raw = await self._open().scalar(select(_EVENTS.c.replies).where(*claimed))
        return load_replies(raw) if raw else ()

    def _open(self) -> AsyncSession:
        if self._session is None:
            raise StorageError("outside a unit of work")
        return self._session

    async def commit(self) -> None:
        if self._session is None:
            raise StorageError("commit outside a unit of work")
        try:
            await self._session.commit()
        except Exception as exc:
            if is_outage(exc):
                raise StorageUnavailable("the database could not commit this turn") from exc
            if isinstance(exc, SQLAlchemyError):
                raise StorageError("the database could not commit this turn") from exc
            raise


class SqlUnits:
    """A unit-of-work factory bound to one database."""

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], pseudonymizer: Pseudonymizer
    ) -> None:
        self._factory = factory
        self._pseudonymizer = pseudonymizer

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._factory, self._pseudonymizer)
