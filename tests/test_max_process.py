"""The real ``lifebot run max`` process against the fake MAX Bot API, in both of its modes.

Long polling: a webhook subscription left over from an earlier deployment is removed at start
(while one is active MAX gives long polling nothing), then a citizen is answered through
``GET /updates``. Webhook: the bot subscribes exactly its MAX_WEBHOOK_URL with its secret and
takes the updates MAX posts; a post with a wrong secret gets 401 and no answer.

In each mode a tired citizen comes through the «child_birth» deep link, types the date, answers
one question in words and the others with buttons, walks the plan, and answers the survey. The
tests prove that every press was answered (``POST /answers``) without error, that no message
is longer than MAX allows, that all four survey answers reach the SQLite database, and that
SIGTERM stops the process cleanly (exit code 0).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.testing.local import free_port
from bots.testing.max_api import FakeMax
from nlu.model import IntentModel
from tests.conftest import SECRET

LIFEBOT = str(Path(sys.executable).parent / "lifebot")
USER = 7301
HOOK_URL = "https://bot.example.invalid/max/webhook"
HOOK_SECRET = "max-deploy-secret"
LEFT_OVER = "https://old-deployment.example.invalid/max/webhook"
WAIT_SECONDS = 20.0  # for one reply: a turn of several messages is paced 0.5 s apart
READY_SECONDS = 120.0  # a loaded machine may take long to build the assistant
MESSAGE_LIMIT = 4000  # characters MAX allows in a message's text
LEAKED = ("REDIS_URL",)  # never taken from the outer environment, nor any of these:
LEAKED_PREFIXES = ("TEST_", "WEBHOOK_", "MAX_")
STORED = [("answered", "yes"), ("comment", "всё понятно, спасибо"), ("csat", "5"),
          ("effort", "4")]  # fmt: skip

Send = Callable[[dict[str, Any]], Awaitable[None]]


class BotProcess:
    """``lifebot run max`` as a child process, its stderr in a file."""

    def __init__(self, env: dict[str, str], log: Path, health: int) -> None:
        self.env, self.log, self.health = env, log, health
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, cwd: Path) -> None:
        with self.log.open("wb") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                LIFEBOT, "run", "max", env=self.env, cwd=cwd,
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def failure(self, what: str) -> str:
        return f"{what}\n--- lifebot stderr (tail) ---\n{self.tail()}"

    def exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None

    async def ready(self) -> None:
        url = f"http://127.0.0.1:{self.health}/readyz"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_SECONDS
        async with aiohttp.ClientSession() as client:
            while loop.time() < deadline:
                assert not self.exited(), self.failure("lifebot exited before it was ready")
                try:
                    async with client.get(url) as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(self.failure("lifebot did not become ready"))

    async def terminate(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=60)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def until(condition: Callable[[], bool], failure: Callable[[], str]) -> None:
    """Wait for ``condition``, up to WAIT_SECONDS; else fail with ``failure()``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(failure())
        await asyncio.sleep(0.05)


class Citizen:
    """A tired person in a dialog with the bot: each step waits for the bot's answer."""

    def __init__(self, fake: FakeMax, bot: BotProcess, send: Send, user: int = USER) -> None:
        self.fake, self.bot, self.send, self.user = fake, bot, send, user
        self.presses = 0

    def texts(self) -> list[str]:
        return self.fake.texts(self.user)

    async def start(self, payload: str, expect: str) -> None:
        await self._turn(self.fake.bot_started(self.user, payload), expect)

    async def say(self, text: str, expect: str) -> None:
        await self._turn(self.fake.message_created(self.user, text), expect)

    async def press(self, label: str, expect: str) -> None:
        self.presses += 1
        await self._turn(self.fake.press(self.user, label), expect)

    def sees_button(self, label: str) -> bool:
        return self.fake.has_button(self.user, label)

    async def _turn(self, update: dict[str, Any], expect: str) -> None:
        before = len(self.texts())
        await self.send(update)
        await until(
            lambda: any(expect in text for text in self.texts()[before:]),
            lambda: self.bot.failure(f"no «{expect}» in {self.texts()[max(before - 1, 0) :]}"),
        )


async def converse(citizen: Citizen, date: str, in_words: str) -> None:
    """The whole conversation; ``in_words``: which question is answered by typing (the
    marriage, or the parents' work and then the effort rating)."""
    await citizen.start("child_birth", "Когда родился ребёнок?")
    await citizen.say(date, "Вы состоите в браке")
    if in_words == "married":
        await citizen.say("да мы расписаны", "Кто-то из родителей работает")
        await citizen.press("Да", "Доход семьи на одного человека")
    else:
        await citizen.press("Да, в браке", "Кто-то из родителей работает")
        await citizen.say("муж работает официально", "Доход семьи на одного человека")
    await citizen.press("Нет, выше", "Вот ваш личный план")
    for _ in range(20):  # the plan, step by step, until its last step offers «Готово ✓»
        if citizen.sees_button("Готово ✓"):
            break
        await citizen.press("Дальше", "Шаг")
    await citizen.press("Готово ✓", "Насколько вы довольны")
    await citizen.press("5", "Насколько легко было разобраться")
    if in_words == "married":
        await citizen.press("4", "Получили ли вы ответ")
    else:
        await citizen.say("на 4 наверное", "Получили ли вы ответ")
    await citizen.press("Да", "Что нам улучшить")
    await citizen.say("всё понятно, спасибо", "Спасибо! Ваши ответы")


def stored_answers(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT question, value FROM survey_answers").fetchall()
    return sorted((str(question), str(value)) for question, value in rows)


def outer_environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if name not in LEAKED and not name.startswith(LEAKED_PREFIXES)
    }


@pytest.fixture
async def fake() -> AsyncIterator[FakeMax]:
    server = FakeMax()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def launch(
    fake: FakeMax, tmp_path: Path, nlu_model: IntentModel, nlu_cache_dir: Path
) -> AsyncIterator[Callable[[dict[str, str]], Awaitable[BotProcess]]]:
    """Start ``lifebot run max`` with these settings on top; killed at the end if still up."""
    started: list[BotProcess] = []

    async def start(extra: dict[str, str]) -> BotProcess:
        health = free_port()
        env = {
            **outer_environment(),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "MAX_BOT_TOKEN": fake.token, "MAX_API_URL": fake.url,
            "HEALTH_PORT": str(health), "NLU_CACHE_DIR": str(nlu_cache_dir),
            "PSEUDONYM_SECRET": SECRET.decode(), "IDLE_SURVEY_MINUTES": "60",
            "LOG_LEVEL": "INFO", "LOG_FORMAT": "json",
            **extra,
        }  # fmt: skip
        bot = BotProcess(env, tmp_path / "lifebot.stderr", health)
        started.append(bot)
        await bot.start(tmp_path)
        return bot

    yield start
    for bot in started:
        await bot.kill()


async def subscribe_left_over(fake: FakeMax) -> None:
    """What an earlier webhook deployment left behind, subscribed as MAX's API takes it."""
    body = {"url": LEFT_OVER, "secret": "old-deploy-secret"}
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            f"{fake.url}/subscriptions", json=body, headers={"Authorization": fake.token}
        ) as response,
    ):
        assert response.status == 200, await response.text()
    assert list(fake.subscriptions) == [LEFT_OVER]


def long_polling(fake: FakeMax, bot: BotProcess) -> Send:
    """MAX keeps the update for ``GET /updates``; handled once the next poll confirms it."""

    async def send(update: dict[str, Any]) -> None:
        fake.enqueue(update)
        await until(lambda: not fake.pending(), lambda: bot.failure("an update was not taken"))

    return send


def local_hook(port: int) -> str:
    """Where the bot's webhook server really listens (MAX_WEBHOOK_URL is its public name)."""
    return f"http://127.0.0.1:{port}/max/webhook"


def webhook(fake: FakeMax, port: int) -> Send:
    """MAX posts the update with the subscription's secret; 200 once it was handled."""

    async def send(update: dict[str, Any]) -> None:
        status, body = await fake.deliver(update, url=local_hook(port))
        assert status == 200, body

    return send


async def accepting(port: int, bot: BotProcess) -> None:
    """Wait until the webhook server takes connections."""

    async def probe() -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    for _ in range(int(WAIT_SECONDS / 0.05)):
        if await probe():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(bot.failure(f"nothing listens on the webhook port {port}"))


def assert_well_behaved(fake: FakeMax, bot: BotProcess, citizen: Citizen) -> None:
    """Every press answered once and without error, no text too long, no secret logged."""
    answers = fake.answers()
    failed = [(c.query, c.status, c.body) for c in answers if not c.ok]
    assert not failed, bot.failure(f"POST /answers refused: {failed}")
    assert len(answers) == citizen.presses, [c.query for c in answers]
    longest = max(len(text) for text in citizen.texts())
    assert longest <= MESSAGE_LIMIT, f"a message of {longest} characters"
    log = bot.log.read_text()
    assert fake.token not in log
    assert HOOK_SECRET not in log


async def finish(bot: BotProcess, database: Path) -> list[tuple[str, str]]:
    """SIGTERM: a clean stop; then what the database kept of the survey."""
    code = await bot.terminate()
    assert code == 0, bot.failure(f"lifebot exited with {code}")
    return stored_answers(database)


async def test_long_polling_removes_a_left_over_webhook_and_answers_a_citizen(
    fake: FakeMax, launch: Callable[[dict[str, str]], Awaitable[BotProcess]], tmp_path: Path
) -> None:
    await subscribe_left_over(fake)
    bot = await launch({})
    await bot.ready()
    await until(lambda: not fake.subscriptions, lambda: bot.failure("the webhook stayed"))
    [removed] = [c for c in fake.calls if c.name == "DELETE /subscriptions"]
    assert removed.query == {"url": LEFT_OVER}

    citizen = Citizen(fake, bot, long_polling(fake, bot))
    await converse(citizen, "родился 1 марта 2026", in_words="married")

    assert_well_behaved(fake, bot, citizen)
    assert "removed to use long polling" in bot.log.read_text()
    assert await finish(bot, tmp_path / "bot.db") == STORED
    assert fake.subscriptions == {}


async def test_webhook_subscribes_with_its_secret_and_refuses_a_wrong_one(
    fake: FakeMax, launch: Callable[[dict[str, str]], Awaitable[BotProcess]], tmp_path: Path
) -> None:
    port = free_port()
    bot = await launch({
        "MAX_WEBHOOK_URL": HOOK_URL, "MAX_WEBHOOK_SECRET": HOOK_SECRET,
        "MAX_WEBHOOK_HOST": "127.0.0.1", "MAX_WEBHOOK_PORT": str(port),
    })  # fmt: skip
    await bot.ready()
    # /readyz turns 200 once the assistant is built; the subscription comes just after it.
    await until(lambda: bool(fake.subscriptions), lambda: bot.failure("no subscription"))
    assert list(fake.subscriptions) == [HOOK_URL]
    assert fake.subscriptions[HOOK_URL].secret == HOOK_SECRET
    await accepting(port, bot)

    citizen = Citizen(fake, bot, webhook(fake, port))
    url = local_hook(port)
    forged = fake.bot_started(USER, "child_birth")
    assert (await fake.deliver(forged, url=url, secret="wrong-secret"))[0] == 401
    assert (await fake.deliver(forged, url=url, secret=""))[0] == 401  # no header at all
    assert citizen.texts() == []
    await converse(citizen, "01.03.2026", in_words="employed")
    shown = len(citizen.texts())
    forged = fake.message_created(USER, "/start")
    assert (await fake.deliver(forged, url=url, secret="wrong-secret"))[0] == 401
    assert len(citizen.texts()) == shown

    assert_well_behaved(fake, bot, citizen)
    assert "GET /updates" not in [c.name for c in fake.calls]  # never long polling
    assert await finish(bot, tmp_path / "bot.db") == STORED
