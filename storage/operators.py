"""Desk operators: accounts, API tokens and browser sessions, each call its own short
transaction.

Storage never sees a secret: the desk hashes passwords (argon2), tokens and session cookies
(SHA-256) before they get here, and compares what it is given against what comes back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Delete, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge_base.errors import DeskError, OperatorExists
from storage import models
from storage.models import table_of

_OPERATORS = table_of(models.OperatorAccount)
_TOKENS = table_of(models.OperatorToken)
_SESSIONS = table_of(models.DeskSession)


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    password_hash: str
    created_at: dt.datetime
    password_is_temporary: bool = False  # issued by the desk: to be replaced at the first login


class OperatorAccounts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, name: str, password_hash: str, *, temporary: bool = False) -> None:
        row = {"name": name, "password_hash": password_hash, "created_at": _now(),
               "password_is_temporary": temporary}  # fmt: skip
        async with self._sessions() as session:
            try:
                await session.execute(insert(_OPERATORS), row)
                await session.commit()
            except IntegrityError as taken:  # the name is the key: a race still ends here
                raise OperatorExists(f"оператор «{name}» уже есть") from taken

    async def get(self, name: str) -> Operator | None:
        async with self._sessions() as session:
            query = select(_OPERATORS).where(_OPERATORS.c.name == name)
            row = (await session.execute(query)).first()
        if row is None:
            return None
        return Operator(row.name, row.password_hash, row.created_at, row.password_is_temporary)

    async def set_password(
        self, name: str, password_hash: str, *, temporary: bool = False
    ) -> None:
        statement = (
            update(_OPERATORS)
            .where(_OPERATORS.c.name == name)
            .values(password_hash=password_hash, password_is_temporary=temporary)
        )
        async with self._sessions() as session:
            result = await session.execute(statement)
            if not getattr(result, "rowcount", 0):
                raise _unknown(name)
            await session.commit()

    async def add_token(self, name: str, token_hash: str) -> None:
        row = {"token_hash": token_hash, "operator": name, "created_at": _now()}
        async with self._sessions() as session:
            try:
                await session.execute(insert(_TOKENS), row)
                await session.commit()
            except IntegrityError as refused:  # no such operator (a repeated hash is not made)
                raise _unknown(name) from refused

    async def by_token(self, token_hash: str) -> str | None:
        query = select(_TOKENS.c.operator).where(_TOKENS.c.token_hash == token_hash)
        async with self._sessions() as session:
            return await session.scalar(query)

    async def open_session(
        self, session_hash: str, name: str, csrf: str, expires_at: dt.datetime
    ) -> None:
        row = {"session_hash": session_hash, "operator": name, "csrf": csrf,
               "expires_at": expires_at}  # fmt: skip
        async with self._sessions() as session:
            try:
                await session.execute(insert(_SESSIONS), row)
                await session.commit()
            except IntegrityError as refused:
                raise _unknown(name) from refused

    async def session(self, session_hash: str, now: dt.datetime) -> tuple[str, str, bool] | None:
        """(operator, csrf token, whether the operator's password is temporary) of a live
        session; None if it is unknown or has expired."""
        query = (
            select(_SESSIONS.c.operator, _SESSIONS.c.csrf, _OPERATORS.c.password_is_temporary)
            .join(_OPERATORS, _OPERATORS.c.name == _SESSIONS.c.operator)
            .where(_SESSIONS.c.session_hash == session_hash, _SESSIONS.c.expires_at > now)
        )
        async with self._sessions() as session:
            row = (await session.execute(query)).first()
        return (row.operator, row.csrf, bool(row.password_is_temporary)) if row else None

    async def close_session(self, session_hash: str) -> None:
        await self._delete(delete(_SESSIONS).where(_SESSIONS.c.session_hash == session_hash))

    async def close_sessions_of(self, name: str) -> int:
        """End every desk session of the operator; how many there were."""
        return await self._delete(delete(_SESSIONS).where(_SESSIONS.c.operator == name))

    async def revoke_tokens(self, name: str) -> int:
        """Delete every API token of the operator; how many there were."""
        return await self._delete(delete(_TOKENS).where(_TOKENS.c.operator == name))

    async def purge_sessions(self, now: dt.datetime) -> int:
        """Delete expired sessions; how many were deleted."""
        return await self._delete(delete(_SESSIONS).where(_SESSIONS.c.expires_at <= now))

    async def _delete(self, statement: Delete) -> int:
        async with self._sessions() as session:
            result = await session.execute(statement)
            await session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


def _unknown(name: str) -> DeskError:
    return DeskError(f"оператора «{name}» нет")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
