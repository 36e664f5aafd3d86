"""Housekeeping: message texts and case lines older than the retention period, and old
update ids."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import CaseLine, Message, ProcessedEvent, table_of

# A channel re-delivers an update within minutes; two days is far beyond any retry.
EVENT_MEMORY = dt.timedelta(days=2)


async def purge(
    sessions: async_sessionmaker[AsyncSession], now: dt.datetime, keep_days: int | None
) -> int:
    """Delete messages older than ``keep_days`` (if set) and forgotten update ids.

    Conversations and survey answers stay: the figures analysts use do not depend on texts."""
    deleted = 0
    async with sessions() as session:
        if keep_days is not None:
            messages = table_of(Message)
            cutoff = now - dt.timedelta(days=keep_days)
            result = await session.execute(delete(messages).where(messages.c.at < cutoff))
            deleted = int(getattr(result, "rowcount", 0) or 0)
            lines = table_of(CaseLine)  # what citizens and operators wrote in cases
            await session.execute(delete(lines).where(lines.c.at < cutoff))
        events = table_of(ProcessedEvent)
        await session.execute(delete(events).where(events.c.at < now - EVENT_MEMORY))
        await session.commit()
    return deleted
