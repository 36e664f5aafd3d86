"""The assistant's I/O and nothing else, for ``bare_bots --io``: the floor under the assistant.

A typed update costs the assistant, whatever it understands: two messages (its answer, and
the question it is asking with two buttons under it) and one transaction that claims the
update and keeps the conversation's state (issue 14: answered only once it is committed).
Here that transaction is as cheap as Python makes it: asyncpg itself, no ORM, four round trips
as a turn's (BEGIN, the claim, the state, COMMIT). A bare bot that does this per update shows
how fast the assistant could be if understanding, masking and recording cost nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web
from sqlalchemy.engine import make_url

QUESTION = "Когда родился ребёнок?\nНапишите дату, например 12.03.2025, «вчера» или «3 марта»."
BUTTONS = ("Пропустить", "Главное меню")
POOL = 15  # the assistant's pool: MAX_CONCURRENT_TURNS
_TABLES = """
CREATE TABLE IF NOT EXISTS io_floor_claims (
    channel text, event_id text, PRIMARY KEY (channel, event_id)
);
CREATE TABLE IF NOT EXISTS io_floor_states (key text PRIMARY KEY, state text);
"""
_CLAIM = "INSERT INTO io_floor_claims VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id"
_KEEP = (
    "INSERT INTO io_floor_states VALUES ($1, $2) "
    "ON CONFLICT (key) DO UPDATE SET state = excluded.state"
)
_STATE = "SELECT state FROM io_floor_states WHERE key = $1"
_DROP = "DROP TABLE IF EXISTS io_floor_claims, io_floor_states"


class FloorTurns:
    """One transaction per update on PostgreSQL through asyncpg, while ``open``."""

    def __init__(self, url: str) -> None:
        """``url``: a SQLAlchemy URL (``postgresql+asyncpg://…``), as ``DATABASE_URL``."""
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._pool: asyncpg.Pool | None = None

    def serve_with(self, app: web.Application) -> None:
        """Open while ``app`` runs."""

        async def lifetime(_: web.Application) -> AsyncIterator[None]:
            await self.open()
            yield
            await self.close()

        app.cleanup_ctx.append(lifetime)

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(self._dsn, min_size=POOL, max_size=POOL)
        await self._pool.execute(_TABLES)

    async def turn(self, channel: str, event_id: str, key: str, text: str) -> bool:
        """Whether the update was new; its state kept if it was."""
        async with self._opened().acquire() as connection, connection.transaction():
            if await connection.fetchval(_CLAIM, channel, event_id) is None:
                return False
            await connection.execute(_KEEP, f"{channel}:{key}", text)
            return True

    async def state(self, channel: str, key: str) -> str | None:
        found = await self._opened().fetchval(_STATE, f"{channel}:{key}")
        return None if found is None else str(found)

    async def drop(self) -> None:
        """The floor's tables gone: they are not the project's (its migrations' test)."""
        await self._opened().execute(_DROP)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    def _opened(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the floor's pool is not open")
        return self._pool
