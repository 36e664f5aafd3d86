"""Storage: migrations, state shared across processes, pseudonyms, failures at the edge."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bots.shared.edge import answer
from dialogs.contract import IncomingEvent
from dialogs.engine import DialogEngine
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from storage import models
from storage.database import create_engine, session_factory
from storage.migrate import downgrade, upgrade
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.chat import START, Chat
from tests.conftest import IDLE, SECRET

TABLES = {"citizens", "conversations", "messages", "survey_answers", "dialog_sessions",
          "app_secrets", "processed_events", "deliveries", "alembic_version", "cases",
          "case_lines", "operators", "operator_tokens", "desk_sessions", "reminders",
          "steps_done"}  # fmt: skip


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(read())


def _stairway(url: str) -> None:
    upgrade(url)
    assert _tables(url) == TABLES
    downgrade(url, "base")
    assert _tables(url) == {"alembic_version"}
    upgrade(url)
    assert _tables(url) == TABLES


def test_migrations_stairway_on_sqlite(tmp_path: Path) -> None:
    _stairway(f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}")


def test_migrations_stairway_on_postgresql() -> None:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"stairway_{uuid.uuid4().hex[:8]}"
    server = make_url(base).set(drivername="postgresql", database="postgres")
    dsn = server.render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        _stairway(make_url(base).set(database=name).render_as_string(hide_password=False))
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}"'))


async def test_migration_matches_the_models(database: AsyncEngine) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, models.Base.metadata))

    async with database.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_a_conversation_survives_a_restart_and_moves_between_processes(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    database_url: str,
    database: AsyncEngine,
) -> None:
    def process() -> tuple[DialogEngine, AsyncEngine]:
        db = create_engine(database_url)
        units = SqlUnits(session_factory(db), Pseudonymizer(SECRET))
        return DialogEngine(kb, classifier, units), db

    first, first_db = process()
    chat = Chat(first)
    await chat.say("/start child_birth")
    await chat.say("01.03.2026")
    await first_db.dispose()  # the first process stops

    second, second_db = process()
    chat.engine = second
    await chat.press("Да, в браке")
    assert "Кто-то из родителей работает" in chat.text
    await second_db.dispose()


async def test_raw_channel_ids_are_stored_only_where_replies_need_them(
    sql_chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    sql_chat.user = "telegram-user-777000"
    await sql_chat.say("/start child_birth")
    await sql_chat.say("01.03.2026")
    async with sessions() as session:
        found = []
        for table in models.Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                found += [(table.name, v) for v in row if "777000" in str(v)]
    assert found == [
        ("dialog_sessions", "test:telegram-user-777000"),
        ("dialog_sessions", "chat-telegram-user-777000"),
    ]


async def test_the_idle_survey_is_sent_once_and_answered_later(
    sql_chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sql_chat.say("/start child_birth")
    await sql_chat.say("/menu")  # no open question: the idle survey may come
    later = sql_chat.now + IDLE + dt.timedelta(seconds=1)
    (outgoing,) = await sql_chat.engine.sweep_idle("test", later)
    assert outgoing.address.chat_id == "chat-citizen-1"
    await sql_chat.engine.delivered(outgoing)  # the channel sent it
    for minutes in (1, 20, 60):
        moment = later + dt.timedelta(minutes=minutes)
        assert await sql_chat.engine.sweep_idle("test", moment) == []
    sql_chat.replies = list(outgoing.replies)
    sql_chat.now = later + dt.timedelta(hours=2)
    await sql_chat.press("3")
    assert "Спасибо!" in sql_chat.text
    async with sessions() as session:
        idle = await session.scalar(
            select(models.Conversation).where(models.Conversation.end_reason == "idle")
        )
        answers = (await session.scalars(select(models.SurveyAnswer))).all()
    assert idle is not None
    assert [(a.conversation_id, a.question, a.value) for a in answers] == [(idle.id, "csat", "3")]


async def test_a_database_failure_reaches_the_citizen_as_the_apology(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, tmp_path: Path
) -> None:
    broken = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    engine = DialogEngine(kb, classifier, SqlUnits(session_factory(broken), Pseudonymizer(SECRET)))
    replies = await answer(engine, IncomingEvent("test", "u", "u", START, text="привет"))
    assert [r.text for r in replies] == [kb.texts.apology]
    await broken.dispose()


async def test_a_failed_turn_leaves_no_half_written_state(
    sql_chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sql_chat.say("/start child_birth")

    class Exploding:
        async def classify(self, text: str) -> None:
            raise RuntimeError("classifier crashed")

    sql_chat.engine._dialogue._classifier = Exploding()  # type: ignore[assignment]
    replies = await answer(sql_chat.engine, IncomingEvent(
        "test", sql_chat.user, "c", sql_chat.tick(), text="что-то непонятное"
    ))  # fmt: skip
    assert [r.text for r in replies] == [sql_chat.engine.knowledge.texts.apology]
    async with sessions() as session:
        count = await session.scalar(text("SELECT count(*) FROM messages"))
    assert count == 1  # only the /start; the failed turn wrote nothing
