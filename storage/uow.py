"""The SQL unit of work: one database session per update; it alone commits."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.errors import StorageError
from storage.pseudonyms import Pseudonymizer
from storage.recorder import SqlRecorder
from storage.sessions import SqlSessionStore


class SqlUnitOfWork:
    sessions: SqlSessionStore
    recorder: SqlRecorder

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], pseudonymizer: Pseudonymizer
    ) -> None:
        self._factory = factory
        self._pseudonymizer = pseudonymizer
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._factory()
        self.sessions = SqlSessionStore(self._session)
        self.recorder = SqlRecorder(self._session, self._pseudonymizer)
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
        finally:
            await session.close()
        if isinstance(exc, SQLAlchemyError):
            raise StorageError("the database rejected this turn") from exc

    async def commit(self) -> None:
        if self._session is None:
            raise StorageError("commit outside a unit of work")
        try:
            await self._session.commit()
        except SQLAlchemyError as exc:
            raise StorageError("the database could not commit this turn") from exc


class SqlUnits:
    """A unit-of-work factory bound to one database."""

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], pseudonymizer: Pseudonymizer
    ) -> None:
        self._factory = factory
        self._pseudonymizer = pseudonymizer

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._factory, self._pseudonymizer)
