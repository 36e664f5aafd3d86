"""What one turn costs the database: the update's claim and the citizen's state in one
statement, the turn's last writes in one more (PostgreSQL), and nothing lost or half-kept
on the way."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogs.contract import Address, IncomingEvent
from dialogs.engine import DialogEngine
from dialogs.records import ConversationOpened, ConversationSnapshot, MessageRecord
from dialogs.state import ConversationState
from storage import models
from storage.batch import Write, batched, write_later
from storage.database import create_engine, warm
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.chat import START, Chat

SECRET = b"test-secret-0123456789abcdef0123"
KEY, ADDRESS = "test:citizen-1", Address("test", "chat-citizen-1")


@contextmanager
def statements(database: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements sent while inside, BEGIN and COMMIT included."""
    sent: list[str] = []

    def executed(*args: object) -> None:
        sent.append(str(args[2]).split()[0])

    listeners = [("before_cursor_execute", executed),
                 ("begin", lambda *_: sent.append("BEGIN")),
                 ("commit", lambda *_: sent.append("COMMIT"))]  # fmt: skip
    for name, listener in listeners:
        event.listen(database.sync_engine, name, listener)
    try:
        yield sent
    finally:
        for name, listener in listeners:
            event.remove(database.sync_engine, name, listener)


def update(n: int, words: str, user: str = "citizen-1") -> IncomingEvent:
    at = START + dt.timedelta(seconds=5 * n)
    return IncomingEvent("test", user, f"chat-{user}", at, text=words, event_id=f"{user}-{n}")


async def test_a_typed_turn_is_two_statements_on_postgresql_and_its_records_are_all_kept(
    sql_engine: DialogEngine, database: AsyncEngine, database_url: str
) -> None:
    await sql_engine.handle(update(1, "у меня родился сын"))
    with statements(database) as sent:
        replies = await sql_engine.handle(update(2, "какие документы нужны"))
    assert replies
    if database_url.startswith("postgresql"):
        assert sent == ["BEGIN", "WITH", "WITH", "COMMIT"]  # claim+lock, the writes
    else:
        assert len(sent) == 8  # SQLite: one statement each, in-process
    async with database.connect() as connection:
        messages = await connection.scalar(select(func.count()).select_from(models.Message))
        kept = await connection.scalar(
            select(func.count(models.ProcessedEvent.replies)).select_from(models.ProcessedEvent)
        )
        actions = await connection.scalar(select(models.Conversation.actions))
        state = await connection.scalar(select(models.DialogSession.state))
    assert (messages, kept, actions) == (2, 2, 2)
    assert ConversationState.model_validate_json(state or "").actions == 2


async def test_a_redelivered_update_is_answered_again_and_recorded_once(
    sql_engine: DialogEngine, database: AsyncEngine
) -> None:
    first = await sql_engine.handle(update(1, "у меня родился сын"))
    again = await sql_engine.handle(update(1, "у меня родился сын"))
    assert [r.text for r in again] == [r.text for r in first]
    async with database.connect() as connection:
        messages = await connection.scalar(select(func.count()).select_from(models.Message))
    assert messages == 1


async def test_a_write_waiting_for_the_commit_is_seen_by_a_read_in_the_same_turn(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    units = SqlUnits(sessions, Pseudonymizer(SECRET))
    async with units() as uow:
        opened = ConversationOpened("c1", "test", "citizen-1", START)
        await uow.recorder.conversation_opened(opened)
        await uow.recorder.message(MessageRecord("c1", START, "text", "привет", None, True))
        await uow.sessions.save(KEY, ADDRESS, ConversationState.start(START), None)
        session = uow._open()
        assert await session.scalar(text("SELECT count(*) FROM messages")) == 1
        assert await session.scalar(text("SELECT count(*) FROM dialog_sessions")) == 1
        await uow.commit()


async def test_writes_of_a_turn_that_never_commits_are_not_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    units = SqlUnits(sessions, Pseudonymizer(SECRET))

    async def failing_turn() -> None:
        async with units() as uow:
            await uow.sessions.save(KEY, ADDRESS, ConversationState.start(START), None)
            raise RuntimeError("the turn failed after its last write")

    with pytest.raises(RuntimeError):
        await failing_turn()
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM dialog_sessions")) == 0


async def test_a_rollback_drops_the_writes_waiting_in_the_session(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        values = {"key": KEY, "channel": "test", "chat_id": "c", "state": "{}",
                  "updated_at": START, "idle_due_at": None}  # fmt: skip
        await write_later(session, Write(models.table_of(models.DialogSession), values))
        await session.rollback()
        await session.commit()  # nothing left to send
        assert await session.scalar(text("SELECT count(*) FROM dialog_sessions")) == 0


async def test_two_rows_of_one_table_in_one_turn_are_both_written(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A restart closes one conversation and opens another: two updates of one table."""
    units = SqlUnits(sessions, Pseudonymizer(SECRET))
    async with units() as uow:
        for cid in ("old", "new"):
            await uow.recorder.conversation_opened(ConversationOpened(cid, "test", "u", START))
        await uow.commit()
    async with units() as uow:
        for cid, actions in (("old", 7), ("new", 1)):
            await uow.recorder.conversation_changed(_snapshot(cid, actions))
        await uow.commit()
    async with sessions() as session:
        rows = await session.execute(select(models.Conversation.id, models.Conversation.actions))
        assert {cid: actions for cid, actions in rows.all()} == {"old": 7, "new": 1}


async def test_a_stored_state_this_version_cannot_read_starts_the_citizen_afresh(
    sql_chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sql_chat.say("у меня родился сын")
    async with sessions.begin() as session:
        await session.execute(text("UPDATE dialog_sessions SET state = '{\"broken\": '"))
    replies = await sql_chat.say("какие документы нужны")
    assert replies
    assert sql_chat.engine.knowledge.texts.apology not in sql_chat.text


async def test_a_second_turn_of_one_citizen_waits_for_the_first_and_sees_its_state(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite takes one writer at a time anyway")
    units = SqlUnits(sessions, Pseudonymizer(SECRET))
    async with units() as uow:
        await uow.sessions.save(KEY, ADDRESS, ConversationState.start(START), None)
        await uow.commit()
    first_has_it, second_done = asyncio.Event(), asyncio.Event()

    async def second() -> ConversationState | None:
        await first_has_it.wait()
        async with units() as uow:
            _, state = await uow.claim_and_load("test", "e2", START, KEY)
            second_done.set()
            return state

    waiting = asyncio.create_task(second())
    async with units() as uow:
        claimed, state = await uow.claim_and_load("test", "e1", START, KEY)
        assert claimed
        assert state is not None
        state.actions = 41
        first_has_it.set()
        await asyncio.sleep(0.3)
        assert not second_done.is_set()  # held by the lock until this turn commits
        await uow.sessions.save(KEY, ADDRESS, state, None)
        await uow.commit()
    seen = await asyncio.wait_for(waiting, 10)
    assert seen is not None
    assert seen.actions == 41


async def test_the_pool_is_opened_ahead_so_the_first_citizens_do_not_wait_for_it(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite opens no connections ahead")
    engine = create_engine(database_url, pool_size=4)
    try:
        await warm(engine, 4)
        assert engine.pool.checkedin() == 4  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
    unreachable = create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none")
    await warm(unreachable, 2)  # best effort: the turns will meet the outage themselves
    await unreachable.dispose()
    assert "not opened ahead" in caplog.text


def test_only_postgresql_takes_several_writes_in_one_statement() -> None:
    table = models.table_of(models.Message)
    writes = [Write(table, {"text": "a"}), Write(table, {"text": "b"})]
    with pytest.raises(ValueError, match="PostgreSQL"):
        batched("sqlite", writes)
    statement, parameters = batched("postgresql", writes)
    assert parameters == {"w0_text": "a", "w1_text": "b"}
    assert str(statement).startswith("WITH w0 AS")


def _snapshot(cid: str, actions: int) -> ConversationSnapshot:
    return ConversationSnapshot(
        conversation_id=cid, situation_id=None, category_id=None, actions=actions,
        not_understood=0, human_requested=False, ended_at=None, end_reason=None,
        last_step_id=None, survey_asked=False, situations=(),
    )  # fmt: skip
