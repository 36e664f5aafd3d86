"""INSERT … ON CONFLICT for the two dialects we support, behind one function.

Statements are built once per (dialect, table, columns) and executed with parameters:
building a SQLAlchemy statement costs more than running it on a hot path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


@lru_cache(maxsize=64)
def upsert_statement(
    dialect: str,
    table: Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    update: bool,
    returning: str | None = None,
) -> Executable:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    base = insert(table)
    changes = [c for c in columns if c not in keys]
    if update and changes:
        excluded = {c: base.excluded[c] for c in changes}
        statement = base.on_conflict_do_update(index_elements=list(keys), set_=excluded)
    else:
        statement = base.on_conflict_do_nothing(index_elements=list(keys))
    return statement.returning(table.c[returning]) if returning else statement


async def upsert(
    session: AsyncSession,
    table: Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    *,
    update: bool = True,
) -> None:
    statement = upsert_statement(dialect_of(session), table, tuple(values), tuple(keys), update)
    await session.execute(statement, dict(values))
