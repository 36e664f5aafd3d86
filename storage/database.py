"""Engine and session factory for any SQLAlchemy async URL (SQLite file or PostgreSQL)."""

from __future__ import annotations

import contextlib
import logging
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
from storage.batch import BatchingSession

log = logging.getLogger("lifebot.database")
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
# A turn that cannot finish in time is refused, not hung: a frozen server, a lock held too long.
STATEMENT_TIMEOUT = 10.0  # seconds one SQL statement may run
CONNECT_TIMEOUT = 5.0  # seconds to open a connection, or to wait for a pooled one
# No ping before each checkout (three round trips a turn, a tenth of its time): a connection
# lost with a restarted server fails its first statement, the turn is refused as an outage
# and retried, and SQLAlchemy replaces every pooled connection older than the loss.
POOL_RECYCLE = 600  # seconds: a connection a firewall may have dropped quietly is renewed


def create_engine(
    url: str, *, statement_timeout: float = STATEMENT_TIMEOUT, **options: Any
) -> AsyncEngine:
    """Statement parameters never reach an error message or a log (they hold what citizens
    wrote and their pseudonymous keys): ``hide_parameters``."""
    parsed = make_url(url)
    options = {"hide_parameters": True, **options}
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ConfigurationError(
            f"DATABASE_URL: драйвер «{parsed.drivername}» не поддерживается; "
            f"используйте {' или '.join(SUPPORTED_DRIVERS)}"
        )
    if parsed.drivername.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    milliseconds = str(int(statement_timeout * 1000))
    idle = str(int(statement_timeout * 3000))  # a transaction left open by a stuck turn
    server = {"statement_timeout": milliseconds, "lock_timeout": milliseconds,
              "idle_in_transaction_session_timeout": idle}  # fmt: skip
    connect = {"timeout": CONNECT_TIMEOUT, "command_timeout": statement_timeout * 2,
               "server_settings": server}  # fmt: skip
    options.setdefault("pool_timeout", CONNECT_TIMEOUT)
    options.setdefault("pool_recycle", POOL_RECYCLE)
    return create_async_engine(url, connect_args=connect, **options)


async def warm(engine: AsyncEngine, connections: int) -> None:
    """Open ``connections`` of the pool now, while the rest of the bot starts: a PostgreSQL
    connection takes tens of milliseconds to open, and the first citizens would wait for it.
    Best effort: a connection that fails now is opened by the turn that needs it."""
    if engine.dialect.name != "postgresql":
        return
    try:
        async with contextlib.AsyncExitStack() as held:
            for _ in range(connections):
                await held.enter_async_context(engine.connect())
    except Exception as error:  # the turns will see the outage, and say so
        log.warning("the database pool was not opened ahead: %s", type(error).__name__)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets the bot and an export read and write at once; foreign keys are off by default.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that hold a turn's last writes until they can go as one (``storage.batch``)."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=BatchingSession)
