"""A turn's last writes, sent to PostgreSQL as one statement.

A turn ends with a few single-row writes to different tables: the citizen's message, the
conversation's figures, the answer kept with the update's claim, the conversation state. One
by one they are a round trip each. PostgreSQL runs data-modifying statements in ``WITH``
together with the statement they precede: one round trip for all of them. SQLite, local and
in-process, gets them one by one.

The writes wait in the session (a ``BatchingSession``) until its next statement or its commit,
whichever comes first, as the ORM's autoflush does: a read in the same turn never misses one,
a commit never leaves one behind, and a rollback drops them. Two writes to one table are never
in one statement (PostgreSQL leaves the order of such writes undefined): the first ones are
sent before the second joins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, Insert, Table, Update, and_, bindparam, event, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

PENDING = "lifebot.pending_writes"  # where a session keeps its writes: Session.info


@dataclass(frozen=True, slots=True)
class Write:
    """One row written: an INSERT; an UPDATE of the row whose ``match`` columns hold their
    values; or, with ``conflict``, an INSERT that updates the other columns of a row that
    exists already (``ON CONFLICT``)."""

    table: Table
    values: Mapping[str, Any]
    match: tuple[str, ...] = ()
    conflict: tuple[str, ...] = ()

    @property
    def shape(self) -> Shape:
        return self.table, tuple(self.values), self.match, self.conflict


Shape = tuple[Table, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


class BatchingSession(Session):
    """A session that sends its queued writes (``write_later``) before anything else it runs
    and at its commit, and drops them at a rollback or close: the unit of work's sessions
    (``storage.database.session_factory``)."""

    def rollback(self) -> None:
        self.info.pop(PENDING, None)
        super().rollback()

    def close(self) -> None:
        self.info.pop(PENDING, None)
        super().close()


async def write_later(session: AsyncSession, write: Write) -> None:
    """Queue ``write`` in the session; a write to a table already queued sends the queue
    first. A session of another kind runs it at once."""
    if not isinstance(session.sync_session, BatchingSession):
        statement, parameters = batched(dialect_of(session.sync_session), [write])
        await session.execute(statement, parameters)
        return
    pending: list[Write] = session.sync_session.info.setdefault(PENDING, [])
    if any(queued.table is write.table for queued in pending):
        await flush(session)
        pending = session.sync_session.info.setdefault(PENDING, [])
    pending.append(write)


async def flush(session: AsyncSession) -> None:
    """Send the queued writes now."""
    for statement, parameters in _take(session.sync_session):
        await session.execute(statement, parameters)


@event.listens_for(BatchingSession, "do_orm_execute")
def _send_queued_first(state: ORMExecuteState) -> None:
    for statement, parameters in _take(state.session):
        state.session.execute(statement, parameters)  # inside the session's greenlet: sync


@event.listens_for(BatchingSession, "before_commit")
def _send_queued_before_commit(session: Session) -> None:
    for statement, parameters in _take(session):
        session.execute(statement, parameters)


def dialect_of(session: Session) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


def _take(session: Session) -> list[tuple[Executable, dict[str, Any]]]:
    """The queue emptied, as statements: one for PostgreSQL, one a write for SQLite."""
    pending: list[Write] = session.info.pop(PENDING, None) or []
    dialect = dialect_of(session)
    if dialect == "postgresql" and pending:
        return [batched(dialect, pending)]
    return [batched(dialect, [write]) for write in pending]


def batched(dialect: str, writes: Sequence[Write]) -> tuple[Executable, dict[str, Any]]:
    """One statement for ``writes``: in PostgreSQL all but the last go in ``WITH``."""
    if len(writes) > 1 and dialect != "postgresql":
        raise ValueError("only PostgreSQL takes several writes in one statement")
    statement = _statement(dialect, tuple(w.shape for w in writes))
    parameters = {
        _name(n, column): value
        for n, write in enumerate(writes)
        for column, value in write.values.items()
    }
    return statement, parameters


@lru_cache(maxsize=128)
def _statement(dialect: str, shapes: tuple[Shape, ...]) -> Executable:
    """Built once per combination of writes: building costs more than running."""
    *earlier, last = (_one(dialect, n, shape) for n, shape in enumerate(shapes))
    if not earlier:
        return last
    return last.add_cte(*(s.cte(f"w{n}") for n, s in enumerate(earlier)))


def _one(dialect: str, n: int, shape: Shape) -> Insert | Update:
    table, columns, match, conflict = shape
    values = {c: bindparam(_name(n, c), type_=table.c[c].type) for c in columns if c not in match}
    if match:
        where = and_(*(table.c[c] == bindparam(_name(n, c), type_=table.c[c].type) for c in match))
        return update(table).where(where).values(values)
    if not conflict:
        return insert(table).values(values)
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(table).values(values)
    changed = {c: statement.excluded[c] for c in columns if c not in conflict}
    return statement.on_conflict_do_update(index_elements=list(conflict), set_=changed)


def _name(n: int, column: str) -> str:
    return f"w{n}_{column}"
