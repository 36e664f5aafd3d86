"""The hand-off end to end: real `lifebot run telegram` replicas (webhook mode) on a fake Bot
API, PostgreSQL and Redis shared with a real `lifebot run desk`. A citizen asks for a person, an
operator (through the desk's API, with a token from `lifebot desk token`) claims the case and
replies, the reply reaches the citizen once although two replicas sweep the outbox, the citizen
answers, the operator closes, the citizen rates the operator's help and the answers are stored
with the case. Off hours the question is taken, the case waits, the later reply arrives."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.testing.local import free_port
from bots.testing.telegram_api import FakeTelegram, Updates
from storage import models
from tests.bots_e2e import press, wait_for
from tests.test_deployment import LIFEBOT, Replica, env
from tests.test_desk import DevTools, chromium_page

__all__ = ["env"]  # the fixture this module uses
USER = 6161
REPLY = "Справка не нужна: загс сам передаёт сведения в Социальный фонд."


class DeskProcess:
    def __init__(self, environment: dict[str, str]) -> None:
        self.port = free_port()
        self.env = {**environment, "DESK_PORT": str(self.port), "DESK_HOST": "127.0.0.1"}
        self.process: asyncio.subprocess.Process | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = ""

    async def start(self, client: aiohttp.ClientSession) -> None:
        self.process = await asyncio.create_subprocess_exec(
            LIFEBOT, "run", "desk", env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(600):
            try:
                async with client.get(f"{self.url}/desk/login") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError("the desk did not start")

    def cli(self, *arguments: str) -> str:
        """The last word a desk command printed: the password or the token."""
        done = subprocess.run([LIFEBOT, "desk", *arguments], env=self.env, capture_output=True,
                              text=True, check=True, timeout=120)  # fmt: skip
        return done.stdout.strip().split()[-1]

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), timeout=30)


class Operator:
    def __init__(self, desk: DeskProcess, client: aiohttp.ClientSession, token: str) -> None:
        self.desk, self.client = desk, client
        self.headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        url = f"{self.desk.url}/desk/api{path}"
        async with self.client.request(method, url, json=body, headers=self.headers) as answer:
            return answer.status, await answer.json()

    async def queued(self) -> list[dict[str, Any]]:
        for _ in range(100):
            status, body = await self.call("GET", "/cases?status=queued")
            assert status == 200
            if body["cases"]:
                return list(body["cases"])
            await asyncio.sleep(0.1)
        raise AssertionError("no case reached the queue")


def _handoff_env(environment: dict[str, str], office_days: str = "1-7") -> dict[str, str]:
    return {**environment, "IDLE_SURVEY_MINUTES": "60", "OUTBOX_CHECK_SECONDS": "0.2",
            "HANDOFF": "true", "OFFICE_DAYS": office_days, "OFFICE_HOURS": "00:00-23:59",
            "DESK_SECURE_COOKIES": "false"}  # fmt: skip


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


async def _operator(desk: DeskProcess, client: aiohttp.ClientSession) -> Operator:
    await desk.start(client)
    desk.password = desk.cli("add-operator", "anna")
    return Operator(desk, client, desk.cli("token", "anna"))


async def test_a_citizen_gets_a_person_and_rates_them_with_two_replicas_delivering_once(
    env: dict[str, str],
    telegram: FakeTelegram,
    client: aiohttp.ClientSession,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    environment = _handoff_env(env)
    first, second = Replica(environment), Replica(environment)
    desk = DeskProcess(environment)
    updates = Updates()
    try:
        for replica in (first, second):
            await replica.start()
            await replica.ready(client)
        operator = await _operator(desk, client)
        for text in ("/start child_birth", "вчера"):
            assert await first.post(client, updates.message(USER, text)) == 200
        ask = "позовите человека, не понимаю нужна ли справка из загса для пособия"
        assert await second.post(client, updates.message(USER, ask)) == 200
        await wait_for(telegram, USER, "в очереди")
        (case,) = await operator.queued()
        assert str(USER) not in str(case)  # the desk never sees the citizen's id
        status, claimed = await operator.call("POST", f"/cases/{case['id']}/claim")
        assert (status, claimed["operator"]) == (200, "anna")
        status, _ = await operator.call("POST", f"/cases/{case['id']}/messages", {"text": REPLY})
        assert status == 200
        await wait_for(telegram, USER, f"Специалист: {REPLY}")
        await asyncio.sleep(1.5)  # both replicas sweep the outbox several times meanwhile
        assert sum(REPLY in text for text in telegram.texts(USER)) == 1
        answer = "спасибо, а если в загсе скажут что нужна?"
        assert await first.post(client, updates.message(USER, answer)) == 200
        status, detail = await operator.call("GET", f"/cases/{case['id']}")
        assert [line["text"] for line in detail["lines"]][-2:] == [REPLY, answer]
        status, _ = await operator.call("POST", f"/cases/{case['id']}/close",
                                        {"resolution": "answered"})  # fmt: skip
        assert status == 200
        await wait_for(telegram, USER, "Специалист завершил разговор")
        await press(second, client, telegram, updates, USER, "5")
        await press(first, client, telegram, updates, USER, "Да")
        assert await first.post(client, updates.message(USER, "всё чётко")) == 200
        await wait_for(telegram, USER, "Спасибо за оценку")
    finally:
        await desk.stop()
        for replica in (first, second):
            if replica.process is not None:
                await replica.terminate()
    async with sessions() as session:
        rated = {a.question: a.value for a in await session.scalars(
            select(models.SurveyAnswer).where(models.SurveyAnswer.case_id == case["id"])
        )}  # fmt: skip
    assert rated == {"csat": "5", "answered": "yes", "comment": "всё чётко"}


async def test_off_hours_the_case_waits_and_the_later_reply_arrives(
    env: dict[str, str], telegram: FakeTelegram, client: aiohttp.ClientSession
) -> None:
    today = dt.datetime.now(ZoneInfo(env.get("TIMEZONE", "Europe/Moscow"))).isoweekday()
    closed_today = str(today % 7 + 1)  # operators work one other day of the week only
    environment = _handoff_env(env, office_days=closed_today)
    bot, desk, updates = Replica(environment), DeskProcess(environment), Updates()
    try:
        await bot.start()
        await bot.ready(client)
        operator = await _operator(desk, client)
        ask = "соедините с оператором, не получается подать заявление на вычет"
        assert await bot.post(client, updates.message(USER, ask)) == 200
        texts = await wait_for(telegram, USER, "не работают")
        assert "ответ придёт" in texts[-1]
        (case,) = await operator.queued()
        assert case["off_hours"] is True
        await operator.call("POST", f"/cases/{case['id']}/claim")  # the next working day
        await operator.call("POST", f"/cases/{case['id']}/messages", {"text": REPLY})
        await wait_for(telegram, USER, f"Специалист: {REPLY}")
    finally:
        await desk.stop()
        if bot.process is not None:
            await bot.terminate()


async def test_an_operator_answers_through_the_desk_page_in_chromium(
    env: dict[str, str], telegram: FakeTelegram, client: aiohttp.ClientSession, tmp_path: Path
) -> None:
    environment = _handoff_env(env)
    bot, desk, updates = Replica(environment), DeskProcess(environment), Updates()
    try:
        await bot.start()
        await bot.ready(client)
        operator = await _operator(desk, client)
        ask = "позовите специалиста, не могу понять куда подать на пособие по уходу"
        assert await bot.post(client, updates.message(USER, ask)) == 200
        (case,) = await operator.queued()
        async with chromium_page(tmp_path / "profile") as page:
            await _claim_and_reply_in_the_page(page, desk, case["id"])
            assert page.problems == []
        await wait_for(telegram, USER, "Специалист: Подать можно в МФЦ или на Госуслугах")
    finally:
        await desk.stop()
        if bot.process is not None:
            await bot.terminate()


async def _claim_and_reply_in_the_page(page: DevTools, desk: DeskProcess, case_id: str) -> None:
    await page.call("Page.navigate", url=desk.url + "/desk/")
    await page.until("location.pathname === '/desk/login'")
    password = json.dumps(desk.password)
    await page.evaluate(
        "document.querySelector('input[name=name]').value = 'anna';"
        f"document.querySelector('input[name=password]').value = {password};"
        "document.querySelector('form.login button').click()"
    )
    # The printed password was one-time: the desk asks for the operator's own first.
    await page.until("location.pathname === '/desk/password'")
    await page.evaluate(
        f"document.querySelector('input[name=current]').value = {password};"
        "document.querySelector('input[name=new]').value = 'свой-пароль-оператора';"
        "document.querySelector('input[name=repeated]').value = 'свой-пароль-оператора';"
        "document.querySelector('form.login button').click()"
    )
    await page.until("document.body.innerText.includes('Пароль изменён')")
    await page.call("Page.navigate", url=desk.url + "/desk/")
    await page.until(f"!!document.querySelector('tr[data-case=\"{case_id}\"] a')")
    await page.evaluate(f"document.querySelector('tr[data-case=\"{case_id}\"] a').click()")
    await page.until(f"location.pathname === '/desk/cases/{case_id}'")
    assert "не могу понять куда подать" in await page.text()  # the question in the card
    await page.evaluate("document.querySelector('button[value=claim]').click()")
    await page.until("!!document.querySelector('form.reply textarea')")
    await page.evaluate(
        "document.querySelector('form.reply textarea').value = "
        "'Подать можно в МФЦ или на Госуслугах';"
        "document.querySelector('button[value=reply]').click()"
    )
    await page.until("document.body.innerText.includes('Ответ отправлен гражданину')")
