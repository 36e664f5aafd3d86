"""Several real bot processes (`lifebot run telegram`, webhook mode) sharing PostgreSQL and
Redis, against the fake Bot API: one conversation across replicas, one idle survey, metrics,
health, JSON logs without secrets or texts, and a graceful SIGTERM that loses nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.testing.local import free_port
from bots.testing.telegram_api import FakeTelegram, Updates
from storage import models
from tests.conftest import SECRET

LIFEBOT = str(Path(sys.executable).parent / "lifebot")
WEBHOOK_SECRET = "deploy-secret-42"
USER = 8080
SECRET_WORDS = "мандариновый дирижабль"  # a citizen's text that must never reach a log


class Replica:
    def __init__(self, env: dict[str, str]) -> None:
        self.port, self.health = free_port(), free_port()
        self.env = {**env, "WEBHOOK_PORT": str(self.port), "HEALTH_PORT": str(self.health)}
        self.process: asyncio.subprocess.Process | None = None
        self.log = b""

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            LIFEBOT, "run", "telegram", env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    async def ready(self, client: aiohttp.ClientSession) -> dict[str, Any]:
        for _ in range(1200):  # a shared 2-core machine may take a while to start two
            try:
                async with client.get(f"http://127.0.0.1:{self.health}/readyz") as response:
                    if response.status == 200:
                        body: dict[str, Any] = await response.json()
                        await self._listening()
                        return body
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError("the replica did not become ready")

    async def _listening(self) -> None:
        """/readyz turns 200 a moment before the webhook's port listens (see the notes)."""
        if not self.env.get("WEBHOOK_URL"):
            return  # long polling: nothing listens for updates
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise AssertionError("the replica's webhook never listened")

    async def post(self, client: aiohttp.ClientSession, update: dict[str, Any]) -> int:
        url = f"http://127.0.0.1:{self.port}/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        async with client.post(url, json=update, headers=headers) as response:
            return response.status

    async def metrics(self, client: aiohttp.ClientSession) -> str:
        async with client.get(f"http://127.0.0.1:{self.health}/metrics") as response:
            return await response.text()

    async def terminate(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(self.process.communicate(), timeout=60)
        self.log = stderr
        return int(self.process.returncode or 0)


@pytest.fixture
async def env(
    database_url: str, telegram: FakeTelegram, nlu_model: object, nlu_cache_dir: Path,
    database: object,
) -> AsyncIterator[dict[str, str]]:  # fmt: skip
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not database_url.startswith("postgresql") or not redis_url:
        pytest.skip("replicas share PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)")
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    yield {
        **os.environ,
        "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.url,
        "WEBHOOK_URL": "https://bot.example.invalid/telegram/webhook",
        "WEBHOOK_SECRET": WEBHOOK_SECRET, "WEBHOOK_HOST": "127.0.0.1",
        "IDLE_SURVEY_MINUTES": "0.05", "IDLE_CHECK_SECONDS": "0.3",
        "NLU_CACHE_DIR": str(nlu_cache_dir), "PSEUDONYM_SECRET": SECRET.decode(),
        "LOG_LEVEL": "INFO", "LOG_FORMAT": "json",
    }  # fmt: skip
    await redis.flushdb()
    await redis.aclose()


async def _wait_for(fake: FakeTelegram, text: str, count: int = 1) -> None:
    for _ in range(200):
        if sum(text in t for t in fake.texts(USER)) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no «{text}» in {fake.texts(USER)[-3:]}")


async def _button(fake: FakeTelegram, updates: Updates, label: str) -> dict[str, Any]:
    data, message_id = fake.button(USER, label)
    return updates.button(USER, data, message_id)


async def test_replicas_share_a_conversation_send_one_survey_and_stop_gracefully(
    env: dict[str, str], telegram: FakeTelegram, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first, second = Replica(env), Replica(env)
    await first.start()
    await second.start()
    updates = Updates()
    try:
        async with aiohttp.ClientSession() as client:
            readiness = await first.ready(client)
            await second.ready(client)
            assert readiness["checks"] == {"database": "ok", "nlu": "ok", "redis": "ok"}

            await first.post(client, updates.message(USER, "/start child_birth"))
            await _wait_for(telegram, "Когда родился ребёнок?")
            await second.post(client, updates.message(USER, "01.03.2026"))
            await _wait_for(telegram, "Вы состоите в браке")
            await first.post(client, await _button(telegram, updates, "Нет"))
            await _wait_for(telegram, "Кто-то из родителей работает")
            await second.post(client, updates.message(USER, SECRET_WORDS))
            await _wait_for(telegram, "Выберите один из вариантов")
            await first.post(client, updates.message(USER, "/menu"))  # no open question now
            await _wait_for(telegram, "Выберите тему")

            await _wait_for(telegram, "Вы давно не писали")  # the idle survey
            await asyncio.sleep(2)  # both replicas sweep several more times
            surveys = sum("Вы давно не писали" in t for t in telegram.texts(USER))
            assert surveys == 1

            scraped = await first.metrics(client) + await second.metrics(client)
            assert _sum(scraped, 'lifebot_updates_total{channel="telegram"}') == 5
            assert _sum(scraped, 'lifebot_surveys_started_total{channel="telegram"}') == 1
            assert "lifebot_handling_seconds_bucket" in scraped

            burst = [updates.message(USER + n, "/start") for n in range(1, 9)]
            posted = await asyncio.gather(*(second.post(client, u) for u in burst))
            assert posted == [200] * 8
        assert await second.terminate() == 0  # SIGTERM right after the burst was accepted
        assert await first.terminate() == 0
    finally:
        for replica in (first, second):
            if replica.process is not None and replica.process.returncode is None:
                replica.process.kill()
    greeted = {c.params["chat_id"] for c in telegram.calls if c.method == "sendMessage"}
    assert {str(USER + n) for n in range(1, 9)} <= {str(g) for g in greeted}  # none lost
    async with sessions() as session:
        conversations = await session.scalar(select(func.count()).select_from(models.Conversation))
    assert conversations == 1 + 8
    for replica in (first, second):
        lines = [json.loads(line) for line in replica.log.decode().splitlines() if line.strip()]
        assert lines, "the replica logged nothing"
        text = replica.log.decode()
        assert telegram.token not in text
        assert WEBHOOK_SECRET not in text
        assert SECRET_WORDS not in text
    assert any("conversation_id" in json.loads(line) for r in (first, second)
               for line in r.log.decode().splitlines() if line.strip())  # fmt: skip


def _sum(exposition: str, series: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith(series + " ")
    )
