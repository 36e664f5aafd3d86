"""Faults injected into the real `lifebot run telegram` process: what it acknowledged survives a
kill -9, what it did not is redelivered (as Telegram does) and handled once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.vk_api import GROUP, Events, FakeVk
from storage import models
from tests.test_deployment import LIFEBOT, Replica, env

__all__ = ["env"]  # the fixture this module uses
BURST = 150
KILL_AFTER = 40  # acknowledged updates before the process is killed


async def _deliver(replica: Replica, client: aiohttp.ClientSession, update: Any) -> int | None:
    try:
        return await replica.post(client, update)
    except (TimeoutError, aiohttp.ClientError):
        return None  # the connection died with the process: not acknowledged


@pytest.fixture
async def replicas() -> AsyncIterator[list[Replica]]:
    """Every replica a test starts is gone afterwards, whatever the test did."""
    started: list[Replica] = []
    yield started
    for replica in started:
        if replica.process is not None and replica.process.returncode is None:
            replica.process.kill()
            await replica.process.wait()


async def _kill_mid_burst(
    start: Callable[[], Replica], burst: list[dict[str, Any]], replicas: list[Replica]
) -> set[int]:
    """Post ``burst`` as the messenger does (a 503 is retried, unevenly), kill -9 the bot once
    KILL_AFTER are acknowledged, start it again and redeliver what got no acknowledgement, and
    ten acknowledged ones besides (messengers repeat themselves). Returns what was acknowledged
    before the kill."""
    acknowledged: set[int] = set()
    enough = asyncio.Event()
    first = start()
    replicas.append(first)
    await first.start()
    async with aiohttp.ClientSession() as client:
        await first.ready(client)

        async def send(number: int) -> None:
            while (status := await _deliver(first, client, burst[number])) == 503:  # noqa: ASYNC110
                await asyncio.sleep(0.2 + number % 7 / 10)
            if status == 200:
                acknowledged.add(number)
                if len(acknowledged) >= KILL_AFTER:
                    enough.set()

        posting = [asyncio.create_task(send(n)) for n in range(len(burst))]
        await asyncio.wait_for(enough.wait(), 120)
        assert first.process is not None
        first.process.kill()  # SIGKILL: nothing graceful runs
        await asyncio.gather(*posting)
        await first.process.wait()
        before_kill = set(acknowledged)
        second = start()  # the restarted bot
        replicas.append(second)
        await second.start()
        await second.ready(client)
        again = [n for n in range(len(burst)) if n not in before_kill] + sorted(before_kill)[:10]
        for number in again:
            assert await _deliver(second, client, burst[number]) == 200
        await second.terminate()
    return before_kill


async def _count(sessions: async_sessionmaker[AsyncSession], table: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_kill_9_during_a_webhook_burst_loses_and_doubles_nothing(
    env: dict[str, str],
    telegram: FakeTelegram,
    sessions: async_sessionmaker[AsyncSession],
    replicas: list[Replica],
) -> None:
    updates = Updates()
    burst = [
        updates.message(20_000 + n, "сколько платят пособие на ребенка") for n in range(BURST)
    ]
    before_kill = await _kill_mid_burst(lambda: Replica(env), burst, replicas)
    redelivered = BURST - len(before_kill)
    print(f"\n[faults] webhook kill -9: sent {BURST}, acknowledged before the kill "
          f"{len(before_kill)}, redelivered {redelivered} + 10 duplicates")  # fmt: skip
    assert len(before_kill) < BURST  # the kill really interrupted the burst
    assert await _count(sessions, models.Message) == BURST  # none lost, none doubled
    assert await _count(sessions, models.Conversation) == BURST


async def test_kill_9_during_long_polling_loses_and_doubles_nothing(
    env: dict[str, str],
    telegram: FakeTelegram,
    sessions: async_sessionmaker[AsyncSession],
    replicas: list[Replica],
) -> None:
    polling = {k: v for k, v in env.items() if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET")}
    updates = Updates()
    for number in range(BURST):
        await telegram.updates.put(updates.message(30_000 + number, "нужен загранник срочно"))
    first = Replica(polling)
    replicas.append(first)
    await first.start()
    async with aiohttp.ClientSession() as client:
        await first.ready(client)
        while await _count(sessions, models.Message) < KILL_AFTER:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        assert first.process is not None
        first.process.kill()  # mid-batch: some handled, some not, the batch unconfirmed
        await first.process.wait()
        handled_before = await _count(sessions, models.Message)
        second = Replica(polling)
        replicas.append(second)
        await second.start()
        await second.ready(client)
        for _ in range(600):
            if await _count(sessions, models.Message) >= BURST and telegram.updates.empty():
                break
            await asyncio.sleep(0.1)
        await second.terminate()
    print(f"\n[faults] polling kill -9: {BURST} pending, {handled_before} handled before the "
          f"kill, the rest redelivered by getUpdates")  # fmt: skip
    assert handled_before < BURST
    assert await _count(sessions, models.Message) == BURST  # none lost, none doubled
    answered = {u for u in range(30_000, 30_000 + BURST) if telegram.sent(u)}
    assert len(answered) == BURST  # every citizen got an answer


class VkReplica(Replica):
    """`lifebot run vk` with the Callback API: it answers «ok» once an event is kept."""

    async def start(self) -> None:
        env = {**self.env, "VK_CALLBACK_PORT": self.env["WEBHOOK_PORT"]}
        self.process = await asyncio.create_subprocess_exec(
            LIFEBOT, "run", "vk", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    async def post(self, client: aiohttp.ClientSession, update: dict[str, Any]) -> int:
        url = f"http://127.0.0.1:{self.port}/vk/callback"
        async with client.post(url, json=update) as response:
            text = await response.text()
            return 200 if response.status == 200 and text == "ok" else response.status


@pytest.fixture
async def vk() -> AsyncIterator[FakeVk]:
    fake = FakeVk()
    await fake.start()
    yield fake
    await fake.stop()


async def test_kill_9_during_a_vk_callback_burst_loses_and_doubles_nothing(
    env: dict[str, str],
    vk: FakeVk,
    sessions: async_sessionmaker[AsyncSession],
    replicas: list[Replica],
) -> None:
    callback = {
        **env, "VK_GROUP_TOKEN": vk.token, "VK_GROUP_ID": str(GROUP), "VK_API_URL": vk.api_url,
        "VK_CALLBACK_CONFIRMATION": "c0nf", "VK_CALLBACK_SECRET": "vk-fault-secret",
        "VK_CALLBACK_HOST": "127.0.0.1",
    }  # fmt: skip
    events = Events("vk-fault-secret")
    burst = [events.message(40_000 + n, "у меня умер отец что делать") for n in range(BURST)]
    before_kill = await _kill_mid_burst(lambda: VkReplica(callback), burst, replicas)
    again = BURST - len(before_kill)
    print(f"\n[faults] VK Callback kill -9: sent {BURST}, «ok» before the kill "
          f"{len(before_kill)}, redelivered {again} + 10 duplicates")  # fmt: skip
    assert len(before_kill) < BURST
    assert await _count(sessions, models.Message) == BURST  # none lost, none doubled
    assert len({u for u in range(40_000, 40_000 + BURST) if vk.texts(u)}) == BURST


async def test_kill_9_during_an_idle_sweep_loses_no_survey(
    env: dict[str, str],
    telegram: FakeTelegram,
    sessions: async_sessionmaker[AsyncSession],
    replicas: list[Replica],
) -> None:
    quick = {**env, "DELIVERY_RETRY_SECONDS": "2"}  # IDLE_SURVEY_MINUTES=0.05: 3 s of silence
    citizens = range(50_000, 50_040)
    telegram.send_delay = 0.02  # a sweep's sends take a while, as over a real network
    updates = Updates()
    first = Replica(quick)
    replicas.append(first)
    await first.start()

    def surveyed() -> dict[int, int]:
        return {u: sum("Вы давно не писали" in t for t in telegram.texts(u)) for u in citizens}

    async with aiohttp.ClientSession() as client:
        await first.ready(client)
        for user in citizens:  # each leaves with no question open: a survey is due
            assert await first.post(client, updates.message(user, "/start child_birth")) == 200
            assert await first.post(client, updates.message(user, "/menu")) == 200
        while sum(1 for n in surveyed().values() if n) < 10:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        assert first.process is not None
        first.process.kill()  # in the middle of the sweep's deliveries
        await first.process.wait()
        before = sum(1 for n in surveyed().values() if n)
        second = Replica(quick)
        replicas.append(second)
        await second.start()
        await second.ready(client)
        for _ in range(300):
            if all(surveyed().values()) and await _count(sessions, models.Delivery) == 0:
                break
            await asyncio.sleep(0.1)
        await second.terminate()
    counts = surveyed()
    doubled = sum(1 for n in counts.values() if n > 1)
    lost = sum(1 for n in counts.values() if not n)
    print(f"\n[faults] idle sweep kill -9: {len(counts)} surveys due, {before} delivered before "
          f"the kill, lost {lost}, doubled {doubled}")  # fmt: skip
    assert before < len(counts)  # the kill interrupted the sweep
    assert all(counts.values())  # every survey arrived
    assert await _count(sessions, models.Delivery) == 0  # nothing left in the outbox
    assert doubled <= 1  # at most the one being sent when the process died
