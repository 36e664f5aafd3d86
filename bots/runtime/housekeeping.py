"""Hourly housekeeping in every bot process: retention of message texts, old update ids."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import session_factory
from storage.retention import purge

log = logging.getLogger("lifebot.housekeeping")


async def keep_house(database: AsyncEngine, keep_days: int | None, every: dt.timedelta) -> None:
    sessions = session_factory(database)
    while True:
        try:
            deleted = await purge(sessions, dt.datetime.now(dt.UTC), keep_days)
            if deleted:
                log.info("retention: %s messages older than %s days deleted", deleted, keep_days)
        except Exception:
            log.exception("housekeeping failed; will retry")
        await asyncio.sleep(every.total_seconds())
