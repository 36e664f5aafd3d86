"""The reminders port in SQL: a reminder or a check-in is a row until it is sent.

The sweep takes due rows with ``FOR UPDATE SKIP LOCKED``, so two replicas never send one
reminder twice: each holds its rows until its unit commits (the row deleted, its message in
the outbox). Nothing here commits: the unit of work does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.contract import Address
from dialogs.reminders import Kind, Reminder
from storage import models
from storage.models import table_of

_REMINDERS = table_of(models.Reminder)
_INSERT = insert(_REMINDERS)
_R = _REMINDERS.c


class SqlReminders:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def plan(self, reminders: Sequence[Reminder]) -> None:
        if not reminders:
            return
        plans = {(r.session_key, r.situation_id) for r in reminders}
        # A plan planned again replaces its unsent reminders: the deadlines may have moved.
        await self._drop(or_(*(_of_plan(key, situation) for key, situation in plans)))
        await self._session.execute(_INSERT, [_values(r) for r in reminders])

    async def pending(self, session_key: str, situation_id: str) -> list[Reminder]:
        query = (
            select(_REMINDERS).where(_of_plan(session_key, situation_id)).order_by(_R.at, _R.id)
        )
        return [_reminder(row) for row in (await self._session.execute(query)).all()]

    async def due(self, channel: str, now: dt.datetime, limit: int) -> list[Reminder]:
        query = (
            select(_REMINDERS)
            .where(_R.channel == channel, _R.at <= now)
            .order_by(_R.at, _R.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_reminder(row) for row in (await self._session.execute(query)).all()]

    async def sent(self, reminder_id: str) -> None:
        await self._drop(_R.id == reminder_id)

    async def stop(self, session_key: str, situation_id: str | None) -> int:
        if situation_id is None:
            return await self._drop(_R.session_key == session_key)
        return await self._drop(_of_plan(session_key, situation_id))

    async def step_done(self, session_key: str, situation_id: str, step_id: str) -> int:
        return await self._drop(and_(_of_plan(session_key, situation_id), _R.step_id == step_id))

    async def unreachable(self, conversation_id: str) -> int:
        return await self._drop(_R.conversation_id == conversation_id)

    async def _drop(self, which: ColumnElement[bool]) -> int:
        result = await self._session.execute(delete(_REMINDERS).where(which))
        return int(getattr(result, "rowcount", 0) or 0)


def _of_plan(session_key: str, situation_id: str) -> ColumnElement[bool]:
    return and_(_R.session_key == session_key, _R.situation_id == situation_id)


def _values(reminder: Reminder) -> dict[str, object]:
    return {
        "id": reminder.reminder_id, "kind": reminder.kind, "session_key": reminder.session_key,
        "channel": reminder.address.channel, "chat_id": reminder.address.chat_id,
        "conversation_id": reminder.conversation_id, "situation_id": reminder.situation_id,
        "step_id": reminder.step_id, "due": reminder.due, "at": reminder.at,
    }  # fmt: skip


def _reminder(row: Row[Any]) -> Reminder:
    r = row._mapping
    kind: Kind = "checkin" if r["kind"] == "checkin" else "reminder"
    return Reminder(
        r["id"], kind, r["session_key"], Address(r["channel"], r["chat_id"]),
        r["conversation_id"], r["situation_id"], r["step_id"], r["due"], r["at"],
    )  # fmt: skip
