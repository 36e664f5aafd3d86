"""Reminders end to end: two real `lifebot run telegram` replicas (webhook mode) on a fake Bot
API, PostgreSQL and Redis. A citizen whose child was born 29 days ago gets the plan, asks for
reminders, and receives the registration reminder at the next check — once, with two replicas
sweeping; not again after the bots restart; «Сделано ✓» under it ends that step's reminders."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.runtime.settings import Settings
from bots.testing.telegram_api import FakeTelegram, Updates
from storage import models
from tests.bots_e2e import press, wait_for
from tests.test_deployment import Replica, env

__all__ = ["env"]  # the fixture this module uses
USER = 7272
ANSWERS = ["Да, в браке", "Да", "Нет, выше"]


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


async def _reminders(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(select(models.Reminder.kind, models.Reminder.step_id))
        return [(kind, step) for kind, step in rows.all()]


async def _count(sessions: async_sessionmaker[AsyncSession], table: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_reminder_comes_once_across_replicas_and_restarts_and_done_ends_it(
    env: dict[str, str],
    telegram: FakeTelegram,
    client: aiohttp.ClientSession,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    environment = {**env, "IDLE_SURVEY_MINUTES": "60", "REMINDER_CHECK_SECONDS": "0.3",
                   "OUTBOX_CHECK_SECONDS": "0.2", "QUIET_HOURS": "off"}  # fmt: skip
    replicas = [Replica(environment), Replica(environment)]
    updates = Updates()
    # 29 days ago in the bot's time zone: from 21:00 UTC on, Moscow is a day ahead already.
    today = dt.datetime.now(ZoneInfo(Settings.model_fields["timezone"].default)).date()
    born = (today - dt.timedelta(days=29)).strftime("%d.%m.%Y")
    try:
        for replica in replicas:
            await replica.start()
            await replica.ready(client)
        first, second = replicas
        for text in ("/start child_birth", born):
            assert await first.post(client, updates.message(USER, text)) == 200
        for label in ANSWERS:
            if telegram.has_button(USER, label):
                await press(second, client, telegram, updates, USER, label)
        await wait_for(telegram, USER, "Вот ваш личный план")
        await press(first, client, telegram, updates, USER, "Напомнить о сроках")
        await wait_for(telegram, USER, "Напомню о сроках")
        await wait_for(telegram, USER, "Напоминаю:")
        await asyncio.sleep(1.5)  # both replicas look for due reminders several times
        reminded = sum("Напоминаю:" in t for t in telegram.texts(USER))
        assert reminded == 1
        for replica in replicas:
            await replica.terminate()
        replicas = [Replica(environment)]
        await replicas[0].start()
        await replicas[0].ready(client)
        await asyncio.sleep(1.5)  # a restarted bot does not send it again
        assert sum("Напоминаю:" in t for t in telegram.texts(USER)) == reminded
        reminded_step = _step_of_last_reminder(telegram)
        await press(replicas[0], client, telegram, updates, USER, "Сделано ✓")
        await wait_for(telegram, USER, "сделано.")
    finally:
        for replica in replicas:
            if replica.process is not None and replica.process.returncode is None:
                await replica.terminate()
    left = await _reminders(sessions)
    assert all(step != reminded_step for kind, step in left if kind == "reminder")
    assert await _count(sessions, models.StepDone) == 1


def _step_of_last_reminder(fake: FakeTelegram) -> str:
    """The step id the newest reminder's «Сделано ✓» button is about («rd:<sit>:<step>»)."""
    data, _ = fake.button(USER, "Сделано ✓")
    return data.split(":")[2]
