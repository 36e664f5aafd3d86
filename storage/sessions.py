"""The session-store port in SQL: state survives restarts and is shared by every process."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.contract import Address
from dialogs.ports import StoredSession
from dialogs.state import ConversationState
from storage.models import DialogSession, table_of
from storage.upsert import upsert

_SESSIONS = table_of(DialogSession)


class SqlSessionStore:
    """The only table that keeps a channel's raw ids: replying (the idle survey) needs them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self, key: str) -> ConversationState | None:
        # FOR UPDATE: another process handling the same citizen waits for this turn to commit.
        query = select(_SESSIONS.c.state).where(_SESSIONS.c.key == key).with_for_update()
        data = await self._session.scalar(query)
        return ConversationState.model_validate_json(data) if data else None

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
        await upsert(self._session, _SESSIONS, values, ["key"])

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
        return [
            StoredSession(
                row.key,
                Address(row.channel, row.chat_id),
                ConversationState.model_validate_json(row.state),
            )
            for row in rows
        ]
