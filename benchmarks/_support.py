"""Shared pieces of the channel benchmarks: a scratch PostgreSQL database, an engine on it,
latency figures."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bots.testing.local import ChatCitizen, free_port  # noqa: E402
from dialogs.engine import DialogEngine  # noqa: E402
from knowledge_base.loader import load_knowledge_base  # noqa: E402
from nlu.embedded import EmbeddedClassifier, load_or_train  # noqa: E402
from nlu.entities import EntityExtractor  # noqa: E402
from nlu.training_data import training_examples  # noqa: E402
from storage.database import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import SurveyAnswer  # noqa: E402
from storage.pseudonyms import Pseudonymizer  # noqa: E402
from storage.uow import SqlUnits  # noqa: E402

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SCRIPT = ["/start child_birth", "01.03.2026"]
BUTTONS = ["Да, в браке", "Да", "Нет, выше", "Дальше"]
SURVEY = ["Готово ✓", "5", "4", "Да"]  # four survey answers a citizen: none may be lost


def conversation(citizen: ChatCitizen) -> Iterator[dict[str, Any]]:
    """What one citizen sends, update by update: each is built after the previous reply."""
    for words in SCRIPT:
        yield citizen.typed(words)
    for label in BUTTONS:
        yield citizen.pressed(label)
    while not citizen.sees("Готово ✓"):
        yield citizen.pressed("Дальше")
    for label in SURVEY:
        yield citizen.pressed(label)
    yield citizen.typed("Спасибо, всё понятно")


@dataclass(frozen=True)
class ChannelBench:
    """One channel's benchmark, from its driver in ``bots.testing``: the fake API, the bot
    under test, its citizens, where the bot takes requests."""

    label: str  # "telegram"
    noun: str  # what one request carries: "updates", "events"
    driver: ModuleType

    def fake(self, port: int) -> Any:
        return self.driver.FAKE(port=port)

    def bot(self, engine: DialogEngine, fake: Any, port: int) -> Any:
        return self.driver.PROCESS(engine, fake, port=port)

    def citizens(self, fake: Any) -> Callable[[int], ChatCitizen]:
        made: Callable[[int], ChatCitizen] = self.driver.citizens(fake)
        return made

    @property
    def path(self) -> str:
        return str(self.driver.PATH)

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.driver.HEADERS)


async def play(bench: ChannelBench, api_port: int, bot_port: int, count: int, gate: int) -> None:
    """The child process: the fake API and ``count`` citizens, ``gate`` at a time, posting to
    the bot; prints every request's latency as JSON."""
    import aiohttp

    fake = bench.fake(api_port)
    await fake.start(port=api_port)
    citizen = bench.citizens(fake)
    print("ready", flush=True)
    sys.stdin.readline()  # the bot is up
    url, limit = f"http://127.0.0.1:{bot_port}{bench.path}", asyncio.Semaphore(gate)
    latencies: list[float] = []
    refused: list[int] = []  # 503s: the bot said «busy, send it again»
    connector = aiohttp.TCPConnector(limit=gate)
    async with aiohttp.ClientSession(connector=connector, headers=bench.headers) as session:

        async def one(number: int) -> None:
            async with limit:
                for body in conversation(citizen(10_000 + number)):
                    while True:  # as the messenger does: a 503 (the bot is busy) is retried
                        started = time.perf_counter()
                        async with session.post(url, json=body) as response:
                            await response.read()
                        if response.status != 503:
                            break
                        refused.append(1)
                        await asyncio.sleep(0.05)
                    latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        elapsed = time.perf_counter() - started
    await fake.stop()
    print(json.dumps({"latencies": latencies, "elapsed": elapsed, "refused": len(refused)}),
          flush=True)  # fmt: skip


async def measure(bench: ChannelBench, script: str, citizens: int, concurrency: int) -> None:
    """This process is the bot; a child plays the messenger and its citizens."""

    async def start_bot(engine: DialogEngine, api_port: int, bot_port: int) -> Any:
        bot = bench.bot(engine, bench.fake(api_port), bot_port)
        await bot.start()
        return bot

    flag = f"--{bench.label}"
    result, stored = await two_processes(script, flag, citizens, concurrency, start_bot)
    lost = citizens * len(SURVEY) - stored
    report(bench.label, result["latencies"], result["elapsed"], lost, noun=bench.noun)
    print(f"[{bench.label}] refused as busy (503, retried): {result['refused']}")


def main(bench: ChannelBench, script: str) -> None:
    """``script [CITIZENS] [CONCURRENCY]`` runs the bot; ``script --<label> …`` is the child."""
    if sys.argv[1:2] == [f"--{bench.label}"]:
        ports_and_load = (int(a) for a in sys.argv[2:6])
        asyncio.run(play(bench, *ports_and_load))
    else:
        arguments = [int(a) for a in sys.argv[1:3]]
        asyncio.run(measure(bench, script, *(arguments + [300, 50][len(arguments) :])))


@asynccontextmanager
async def scratch_database(server: str = SERVER) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    name = f"lifebot_bench_{uuid.uuid4().hex[:8]}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await connection.close()


def build_engine(url: str) -> tuple[DialogEngine, object]:
    kb = load_knowledge_base()
    model = load_or_train(training_examples(kb), Path.home() / ".cache" / "lifebot")
    classifier = EmbeddedClassifier(model, EntityExtractor.from_rasa_data())
    database = create_engine(url, pool_size=20, max_overflow=10)
    units = SqlUnits(session_factory(database), Pseudonymizer(b"benchmark-secret-0123456789"))
    return DialogEngine(kb, classifier, units), database


def report(
    label: str, latencies: Sequence[float], elapsed: float, lost: int, noun: str = "updates"
) -> None:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99)] * 1000
    print(f"[{label}] {noun}: {len(ordered)} in {elapsed:.1f} s")
    print(f"[{label}] {noun} per second: {len(ordered) / elapsed:,.0f}")
    print(f"[{label}] handling latency p50: {p50:.1f} ms, p99: {p99:.1f} ms")
    print(f"[{label}] lost survey answers: {lost}")


async def two_processes(
    script: str,
    flag: str,
    citizens: int,
    concurrency: int,
    start_bot: Callable[[DialogEngine, int, int], Awaitable[Any]],
) -> tuple[dict[str, Any], int]:
    """Run the bot here and the channel (fake API and citizens) in a child process.

    ``start_bot(engine, api_port, bot_port)`` starts the bot and returns it (it has ``stop``).
    Returns the child's figures and how many survey answers were stored."""
    async with scratch_database() as url:
        engine, database = build_engine(url)
        api_port, bot_port = free_port(), free_port()
        child = await asyncio.create_subprocess_exec(
            sys.executable, script, flag, str(api_port), str(bot_port), str(citizens),
            str(concurrency), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )  # fmt: skip
        assert child.stdin is not None
        assert child.stdout is not None
        await child.stdout.readline()  # "ready": the fake API listens
        bot = await start_bot(engine, api_port, bot_port)
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        result: dict[str, Any] = json.loads(await child.stdout.readline())
        await child.wait()
        async with database.connect() as connection:  # type: ignore[attr-defined]
            stored = await connection.scalar(select(func.count()).select_from(SurveyAnswer))
        await bot.stop()
        await database.dispose()  # type: ignore[attr-defined]
    return result, int(stored or 0)
