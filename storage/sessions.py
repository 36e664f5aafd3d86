"""The session-store port in SQL: state survives restarts and is shared by every process.

A state that cannot be read (corrupt JSON, a shape this version does not know, a newer
``schema_version``) is quarantined rather than allowed to fail every turn and every idle sweep:
the citizen's next message starts a fresh conversation, and the idle sweep takes the row out of
its queue (``idle_due_at`` emptied, the row kept for inspection). Logs never carry its content.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.contract import Address
from dialogs.ports import StoredSession
from dialogs.state import ConversationState
from knowledge_base.errors import StorageError
from storage.batch import Write, write_later
from storage.models import DialogSession, table_of

_SESSIONS = table_of(DialogSession)
# FOR UPDATE: another process handling the same citizen waits for this turn to commit.
LOCKED_STATE = (
    select(_SESSIONS.c.state).where(_SESSIONS.c.key == bindparam("key")).with_for_update()
)
SCHEMA_VERSION: int = ConversationState.model_fields["schema_version"].default
log = logging.getLogger("lifebot.sessions")


class UnreadableState(StorageError):
    """A stored conversation state this version cannot continue; ``reason`` names no data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_state(data: str | bytes | Mapping[str, Any]) -> ConversationState:
    """The state stored as JSON text (SQL) or as decoded JSON (Redis), or ``UnreadableState``."""
    try:
        if isinstance(data, Mapping):
            state = ConversationState.model_validate(data)
        else:
            state = ConversationState.model_validate_json(data)
    except ValidationError as error:
        raise UnreadableState(_why(error)) from None  # the error quotes the data: not chained
    if state.schema_version > SCHEMA_VERSION:
        raise UnreadableState(
            f"schema_version {state.schema_version} is newer than {SCHEMA_VERSION}"
        )
    return state


def _why(error: ValidationError) -> str:
    problems = error.errors(include_input=False, include_url=False, include_context=False)
    if any(problem["type"].startswith("json") for problem in problems):
        return "not valid JSON"
    fields = sorted({".".join(map(str, problem["loc"])) or "(whole)" for problem in problems})
    return "does not fit the model: " + ", ".join(fields[:5])


def quarantined(channel: str, reason: str, what: str) -> None:
    log.warning("conversation state in %s unreadable (%s): %s", channel, reason, what)


class SqlSessionStore:
    """The only table that keeps a channel's raw ids: replying (the idle survey) needs them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self, key: str) -> ConversationState | None:
        return self.state_of(key, await self._session.scalar(LOCKED_STATE, {"key": key}))

    def state_of(self, key: str, data: str | None) -> ConversationState | None:
        """The stored ``data`` of ``key`` read; an unreadable one quarantined (``None``)."""
        if not data:
            return None
        try:
            return read_state(data)
        except UnreadableState as error:
            quarantined(key.split(":", 1)[0], error.reason, "the citizen starts afresh")
            return None

    async def save(
        self, key: str, address: Address, state: ConversationState, idle_due_at: dt.datetime | None
    ) -> None:
        values = {
            "key": key,
            "channel": address.channel,
            "chat_id": address.chat_id,
            "state": state.model_dump_json(),
            "updated_at": state.last_event_at,
            "idle_due_at": idle_due_at,
        }
        await write_later(self._session, Write(_SESSIONS, values, conflict=("key",)))

    async def forget(self, key: str) -> None:
        await self._session.execute(delete(_SESSIONS).where(_SESSIONS.c.key == key))

    async def due_for_idle(
        self, channel: str, now: dt.datetime, limit: int
    ) -> list[StoredSession]:
        query = (
            select(DialogSession)
            .where(DialogSession.channel == channel, DialogSession.idle_due_at <= now)
            .order_by(DialogSession.idle_due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)  # each replica takes different sessions
        )
        rows = (await self._session.scalars(query)).all()
        due = []
        for row in rows:
            try:
                state = read_state(row.state)
            except UnreadableState as error:
                await self._set_aside(row, error.reason)
                continue
            due.append(StoredSession(row.key, Address(row.channel, row.chat_id), state))
        return due

    async def _set_aside(self, row: DialogSession, reason: str) -> None:
        """Out of the idle queue, committed with the sweep; the row stays for inspection."""
        await self._session.execute(
            update(_SESSIONS).where(_SESSIONS.c.key == row.key).values(idle_due_at=None)
        )
        last = row.updated_at.isoformat()
        quarantined(row.channel, reason, f"taken out of the idle queue (updated_at {last})")
