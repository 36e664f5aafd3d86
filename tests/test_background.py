"""Background work survives: editors' lock files, a reload that blows up, a loop that ends, a
conversation state that cannot be read, and retention on a large table."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bots.runtime.health import Readiness, health_app
from bots.runtime.observability import Metrics
from bots.runtime.process import background
from bots.runtime.reload import KnowledgeReloader
from bots.shared.stopping import Stopping, stop_gracefully
from dialogs.engine import DialogEngine
from dialogs.memory import MemoryDatabase
from knowledge_base.loader import load_knowledge_base
from knowledge_base.model import KnowledgeBaseContent
from knowledge_base.validate import validate
from nlu.embedded import EmbeddedClassifier
from nlu.training_data import DATA_DIR
from storage import models
from tests.chat import Chat
from tests.conftest import IDLE

PHONE = "+7 916 555-01-02"  # personal data inside a broken state: must never reach a log
BROKEN = {
    "truncated JSON": '{"schema_version": 2, "answers": {"phone": "' + PHONE + '"',
    "a newer schema_version": (
        '{"schema_version": 99, "started_at": "2026-03-02T09:00:00Z", '
        '"last_event_at": "2026-03-02T09:00:10Z", "answers": {"phone": "' + PHONE + '"}}'
    ),
    "an unknown shape": '{"phase": "somewhere", "answers": {"phone": "' + PHONE + '"}}',
}


def _lock_files(root: Path) -> None:
    """What Emacs, Vim and backups leave while an editor works in the knowledge base."""
    (root / ".#texts.yml").symlink_to("editor@host.4242:1700000000")  # dangling, as Emacs does
    (root / "situations" / ".#child_birth.yml").symlink_to("editor@host.4242:1700000000")
    (root / "situations" / "#divorce.yml#").write_text("title: [", encoding="utf-8")
    (root / "situations" / ".divorce.yml.swp").write_bytes(b"\x00\x01b0VIM 9.0")
    (root / "situations" / "divorce.yml~").write_text("id: [", encoding="utf-8")
    (root / "situations" / "divorce.yml.tmp").write_text("id: [", encoding="utf-8")
    (root / "situations" / "gone.yml").symlink_to(root / "nowhere.yml")  # a link to nothing


def _retitle(root: Path, situation: str, title: str) -> None:
    path = root / "situations" / f"{situation}.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[at] = f"title: {title}\n"
    path.write_text("".join(lines), encoding="utf-8")


async def _until(condition: Callable[[], bool], seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition was not reached")


def _title(engine: DialogEngine, situation: str) -> str | None:
    found = engine.knowledge.situation(situation)
    return found.title if found is not None else None


# Editors' lock files


def test_the_knowledge_base_loads_beside_editors_lock_files(content_copy: Path) -> None:
    before = load_knowledge_base(content_copy)
    _lock_files(content_copy)
    after = load_knowledge_base(content_copy)
    assert set(after.situations) == set(before.situations)
    assert after.version == before.version  # debris is not content: same version


async def test_live_reload_goes_on_serving_edits_beside_lock_files(
    content_copy: Path, classifier: EmbeddedClassifier
) -> None:
    engine = DialogEngine(load_knowledge_base(content_copy), classifier, MemoryDatabase().units)
    reloader = KnowledgeReloader(
        engine, lambda: (load_knowledge_base(content_copy), classifier), [content_copy], 0.01
    )
    loop = asyncio.create_task(reloader.run())
    try:
        (content_copy / ".#texts.yml").symlink_to("editor@host.4242:1700000000")
        _retitle(content_copy, "child_birth", "Родился малыш")
        await _until(lambda: _title(engine, "child_birth") == "Родился малыш")
        (content_copy / "situations" / ".#divorce.yml").symlink_to("editor@host.4242:17")
        _retitle(content_copy, "divorce", "Расторжение брака")
        await _until(lambda: _title(engine, "divorce") == "Расторжение брака")
        assert not loop.done()
        assert reloader.failures == 0
    finally:
        loop.cancel()


async def test_live_reload_outlives_an_unexpected_error(
    content_copy: Path, classifier: EmbeddedClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    engine = DialogEngine(load_knowledge_base(content_copy), classifier, MemoryDatabase().units)
    calls = 0

    def build() -> tuple[KnowledgeBaseContent, EmbeddedClassifier]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise MemoryError("the retraining did not fit")  # not a content problem
        return load_knowledge_base(content_copy), classifier

    reloader = KnowledgeReloader(engine, build, [content_copy], every=0.01)
    loop = asyncio.create_task(reloader.run())
    try:
        with caplog.at_level(logging.ERROR, logger="lifebot.reload"):
            _retitle(content_copy, "child_birth", "Родился малыш")
            await _until(lambda: reloader.failures == 1 or loop.done())
        assert not loop.done()
        assert "previous version keeps serving" in caplog.text
        _retitle(content_copy, "child_birth", "Рождение малыша")
        await _until(lambda: _title(engine, "child_birth") == "Рождение малыша")
    finally:
        loop.cancel()


# A background loop that ended


async def test_a_background_loop_that_ended_makes_the_replica_not_ready(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def forever(stopping: Stopping) -> None:
        while await stopping.pause(1.0):
            pass

    async def broken(_: Stopping) -> None:
        raise RuntimeError("a bug outside any retry")

    async def answers() -> None:
        return None

    readiness = Readiness(loading=("nlu",))
    async with TestClient(TestServer(health_app(Metrics(), readiness))) as client:
        loading = await client.get("/readyz")
        assert loading.status == 503
        assert (await loading.json())["checks"] == {"nlu": "loading"}
        assert (await client.get("/healthz")).status == 200

        readiness.built({"database": answers, "nlu": answers})
        with caplog.at_level(logging.ERROR, logger="lifebot"):
            async with background({"reload": forever, "housekeeping": broken}, readiness):
                await asyncio.sleep(0.05)
                response = await client.get("/readyz")
                body: dict[str, Any] = await response.json()
        assert response.status == 503
        assert body["checks"] == {"database": "ok", "nlu": "ok"}
        assert body["background"] == {"reload": "running", "housekeeping": "stopped: RuntimeError"}
        assert "background job housekeeping ended" in caplog.text


async def test_a_replica_with_its_loops_running_is_ready() -> None:
    async def forever(stopping: Stopping) -> None:
        while await stopping.pause(1.0):
            pass

    async def answers() -> None:
        return None

    readiness = Readiness(loading=("nlu",))
    readiness.built({"database": answers})
    async with (
        TestClient(TestServer(health_app(Metrics(), readiness))) as client,
        background({"reload": forever}, readiness),
    ):
        response = await client.get("/readyz")
        assert response.status == 200
        assert await response.json() == {
            "ready": True, "checks": {"database": "ok"}, "background": {"reload": "running"},
        }  # fmt: skip


async def test_a_stop_lets_the_work_under_way_finish_and_cancels_only_a_stuck_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SIGTERM in the middle of a sweep: the sweep's transaction is finished, not cancelled
    (a cancelled one logs the pool's error with a traceback); a loop stuck on a frozen
    database is cancelled after the grace period, so the process still stops."""
    under_way, finished = asyncio.Event(), []

    async def sweeping(stopping: Stopping) -> None:
        while True:
            under_way.set()
            await asyncio.sleep(0.2)  # the sweep's statements
            finished.append(True)
            if not await stopping.pause(60):
                return

    with caplog.at_level(logging.ERROR, logger="lifebot"):
        async with background({"idle_surveys": sweeping}):
            await under_way.wait()
    assert finished == [True]
    assert "ended" not in caplog.text  # a loop that ends when asked is not reported

    stuck = asyncio.create_task(asyncio.Event().wait())
    await stop_gracefully([stuck], Stopping(), grace=0.05)
    assert stuck.cancelled()


# A conversation state that cannot be read


async def _two_idle_citizens(engine: DialogEngine) -> tuple[Chat, Chat]:
    first, second = Chat(engine, user="citizen-1"), Chat(engine, user="citizen-2")
    for chat in (first, second):
        await chat.say("/start child_birth")
        await chat.say("/menu")  # no open question: the idle survey may come
    return first, second


async def _row(
    sessions: async_sessionmaker[AsyncSession], key: str
) -> models.DialogSession | None:
    async with sessions() as session:
        found: models.DialogSession | None = await session.get(models.DialogSession, key)
        return found


@pytest.mark.parametrize("broken", list(BROKEN.values()), ids=list(BROKEN))
async def test_an_unreadable_state_does_not_hold_up_the_idle_sweep(
    sql_engine: DialogEngine,
    sessions: async_sessionmaker[AsyncSession],
    broken: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, second = await _two_idle_citizens(sql_engine)
    async with sessions() as session:
        table = models.table_of(models.DialogSession)
        await session.execute(update(table).where(table.c.key == "test:citizen-1")
                              .values(state=broken))  # fmt: skip
        await session.commit()
    later = second.now + IDLE + dt.timedelta(seconds=1)
    with caplog.at_level(logging.WARNING, logger="lifebot.sessions"):
        sent = await sql_engine.sweep_idle("test", later)
    assert [o.address.chat_id for o in sent] == ["chat-citizen-2"]
    assert "Вы давно не писали" in sent[0].replies[0].text
    kept = await _row(sessions, "test:citizen-1")
    assert kept is not None  # kept for inspection…
    assert kept.state == broken
    assert kept.idle_due_at is None  # …out of the idle queue
    assert "unreadable" in caplog.text
    assert "916" not in caplog.text  # not even part of the phone
    await sql_engine.delivered(sent[0])
    assert await sql_engine.sweep_idle("test", later + IDLE) == []


async def test_a_citizen_whose_state_cannot_be_read_starts_afresh(
    sql_engine: DialogEngine,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = Chat(sql_engine)
    await chat.say("/start child_birth")
    async with sessions() as session:
        table = models.table_of(models.DialogSession)
        await session.execute(update(table).values(state=BROKEN["truncated JSON"]))
        await session.commit()
    with caplog.at_level(logging.WARNING, logger="lifebot.sessions"):
        await chat.say("/start child_birth")
    assert "Когда родился ребёнок?" in chat.text
    await chat.say("01.03.2026")
    assert "Вы состоите в браке" in chat.text  # the fresh conversation goes on normally
    async with sessions() as session:
        opened = (await session.scalars(select(models.Conversation))).all()
    assert len(opened) == 2
    assert PHONE not in caplog.text


# Retention on a large table


def _indexed_columns(connection: Connection) -> list[list[str | None]]:
    return [index["column_names"] for index in inspect(connection).get_indexes("messages")]


async def test_retention_finds_old_messages_by_an_index(database: AsyncEngine) -> None:
    async with database.connect() as connection:
        assert ["at"] in await connection.run_sync(_indexed_columns)
        if connection.dialect.name != "postgresql":
            return
        await connection.execute(text("SET enable_seqscan = off"))  # as on a large table
        plan = await connection.execute(
            text("EXPLAIN DELETE FROM messages WHERE at < now() - interval '30 days'")
        )
        assert "ix_messages_at" in "\n".join(row[0] for row in plan)


def test_lock_files_beside_figures_and_nlu_data_are_not_content(
    content_copy: Path, tmp_path: Path
) -> None:
    figures = content_copy / "figures"
    (figures / ".#money.yml").symlink_to("editor@host.4242:1700000000")  # Emacs' lock
    (figures / "money.yml~").write_text("figures: [", encoding="utf-8")  # a backup, broken
    nlu = tmp_path / "nlu"
    shutil.copytree(DATA_DIR, nlu)
    (nlu / ".#regions.yml").symlink_to("editor@host.4242:1700000000")
    load_knowledge_base(content_copy)  # no «файл не читается» for what is not content
    assert validate(content_copy, nlu) == []
