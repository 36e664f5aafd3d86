"""Operators' accounts in memory: a fake for tests, and nothing more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from knowledge_base.errors import DeskError, OperatorExists

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class MemoryOperator:
    name: str
    password_hash: str
    created_at: dt.datetime
    password_is_temporary: bool = False


@dataclass
class MemoryAccounts:
    operators: dict[str, MemoryOperator] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token hash → operator
    sessions: dict[str, tuple[str, str, dt.datetime]] = field(default_factory=dict)

    async def add(self, name: str, password_hash: str, *, temporary: bool = False) -> None:
        if name in self.operators:
            raise OperatorExists(f"оператор «{name}» уже есть")
        now = dt.datetime.now(dt.UTC)
        self.operators[name] = MemoryOperator(name, password_hash, now, temporary)

    async def get(self, name: str) -> MemoryOperator | None:
        return self.operators.get(name)

    async def set_password(
        self, name: str, password_hash: str, *, temporary: bool = False
    ) -> None:
        found = self._operator(name)
        self.operators[name] = MemoryOperator(name, password_hash, found.created_at, temporary)

    async def add_token(self, name: str, token_hash: str) -> None:
        self._operator(name)
        self.tokens[token_hash] = name

    async def by_token(self, token_hash: str) -> str | None:
        return self.tokens.get(token_hash)

    async def open_session(
        self, session_hash: str, name: str, csrf: str, expires_at: dt.datetime
    ) -> None:
        self._operator(name)
        self.sessions[session_hash] = (name, csrf, expires_at)

    async def session(self, session_hash: str, now: dt.datetime) -> tuple[str, str, bool] | None:
        found = self.sessions.get(session_hash)
        if found is None or found[2] <= now or found[0] not in self.operators:
            return None
        return found[0], found[1], self.operators[found[0]].password_is_temporary

    async def close_session(self, session_hash: str) -> None:
        self.sessions.pop(session_hash, None)

    async def close_sessions_of(self, name: str) -> int:
        return _drop(self.sessions, lambda value: value[0] == name)

    async def revoke_tokens(self, name: str) -> int:
        return _drop(self.tokens, lambda operator: operator == name)

    async def purge_sessions(self, now: dt.datetime) -> int:
        return _drop(self.sessions, lambda value: value[2] <= now)

    def _operator(self, name: str) -> MemoryOperator:
        found = self.operators.get(name)
        if found is None:  # as the database's foreign key refuses it
            raise DeskError(f"оператора «{name}» нет")
        return found


def _drop(entries: dict[str, V], doomed: Callable[[V], bool]) -> int:
    keys = [key for key, value in entries.items() if doomed(value)]
    for key in keys:
        del entries[key]
    return len(keys)
