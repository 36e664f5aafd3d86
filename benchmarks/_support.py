"""Shared pieces of the channel benchmarks: a scratch PostgreSQL database, an engine on it,
latency figures."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bots.testing.local import free_port  # noqa: E402
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
