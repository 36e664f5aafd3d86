"""Hourly housekeeping in every bot process: retention of message texts, old update ids."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.shared.stopping import Stopping
from storage.database import session_factory
from storage.failures import is_outage
from storage.retention import purge

log = logging.getLogger("lifebot.housekeeping")


async def keep_house(
    database: AsyncEngine, keep_days: int | None, every: dt.timedelta, stopping: Stopping
) -> None:
    """Until ``stopping``; a purge under way when the stop comes is finished first."""
    sessions = session_factory(database)
    while True:
        try:
            deleted = await purge(sessions, dt.datetime.now(dt.UTC), keep_days)
            if deleted:
                log.info("retention: %s messages older than %s days deleted", deleted, keep_days)
        except Exception as error:
            if not is_outage(error):
                log.exception("housekeeping failed; will retry")
            else:  # the database is down for everyone: one line, no traceback
                log.warning("housekeeping: database unavailable (%s); will retry",
                            type(error).__name__)  # fmt: skip
        if not await stopping.pause(every.total_seconds()):
            return
