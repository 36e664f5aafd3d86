"""The assistant's I/O and nothing else, for ``bare_bots --io``: the floor under the assistant.

A typed update costs the assistant, whatever it understands: two messages (its answer, and
the question it is asking with two buttons under it) and one transaction that claims the
update and keeps the conversation's state (issue 14: answered only once it is committed).
Here that transaction is as cheap as Python makes it: asyncpg itself, no ORM, four round trips
as a turn's (BEGIN, the claim, the state, COMMIT). A bare bot that does this per update shows
how fast the assistant could be if understanding, masking and recording cost nothing.
"""

from __future__ import annotations

from typing import Self

import asyncpg

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


class FloorTurns:
    """One transaction per update on PostgreSQL through asyncpg."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, dsn: str) -> Self:
        """``dsn``: a SQLAlchemy URL (``postgresql+asyncpg://…``) or asyncpg's own."""
        pool = await asyncpg.create_pool(
            dsn.replace("postgresql+asyncpg://", "postgresql://"), min_size=POOL, max_size=POOL
        )
        await pool.execute(_TABLES)
        return cls(pool)

    async def turn(self, channel: str, event_id: str, key: str, text: str) -> bool:
        """Whether the update was new; its state kept if it was."""
        async with self._pool.acquire() as connection, connection.transaction():
            if await connection.fetchval(_CLAIM, channel, event_id) is None:
                return False
            await connection.execute(_KEEP, f"{channel}:{key}", text)
            return True

    async def state(self, channel: str, key: str) -> str | None:
        return await self._pool.fetchval(_STATE, f"{channel}:{key}")  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self._pool.close()
