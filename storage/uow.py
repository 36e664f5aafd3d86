"""The SQL unit of work: one database session per update; it alone commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.contract import Reply
from dialogs.ports import SessionStore
from knowledge_base.errors import StorageError, StorageUnavailable
from storage.cases import SqlCases
from storage.deliveries import SqlDeliveries, dump_replies, load_replies
from storage.failures import is_outage
from storage.masking import mask_personal_data
from storage.models import ProcessedEvent, table_of
from storage.pseudonyms import Pseudonymizer
from storage.recorder import SqlRecorder
from storage.reminders import SqlReminders
from storage.sessions import SqlSessionStore
from storage.upsert import dialect_of, upsert_statement


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
        self.sessions = SqlSessionStore(self._session)
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
            table_of(ProcessedEvent),
            ("channel", "event_id", "at"),
            ("channel", "event_id"),
            update=False,
            returning="event_id",
        )
        values = {"channel": channel, "event_id": event_id, "at": at}
        return (await self._session.execute(statement, values)).first() is not None

    async def keep_replies(self, channel: str, event_id: str, replies: Sequence[Reply]) -> None:
        events = table_of(ProcessedEvent)
        claimed = (events.c.channel == channel, events.c.event_id == event_id)
        kept = {"replies": dump_replies(tuple(replies))}
        await self._open().execute(update(events).where(*claimed).values(kept))

    async def replies_of(self, channel: str, event_id: str) -> tuple[Reply, ...]:
        events = table_of(ProcessedEvent)
        claimed = (events.c.channel == channel, events.c.event_id == event_id)
        raw = await self._open().scalar(select(events.c.replies).where(*claimed))
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
