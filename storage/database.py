"""Engine and session factory for any SQLAlchemy async URL (SQLite file or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from knowledge_base.errors import ConfigurationError

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


def create_engine(url: str, **options: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ConfigurationError(
            f"DATABASE_URL: драйвер «{parsed.drivername}» не поддерживается; "
            f"используйте {' или '.join(SUPPORTED_DRIVERS)}"
        )
    if parsed.drivername.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets the bot and an export read and write at once; foreign keys are off by default.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
