"""Pseudonymous citizen ids: a keyed hash, stable for one secret, useless without it."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge_base.errors import ConfigurationError, StorageError
from storage.models import AppSecret, table_of
from storage.upsert import upsert


class Pseudonymizer:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ConfigurationError("PSEUDONYM_SECRET: секрет должен быть не короче 16 байт")
        self._secret = secret

    def pseudonym(self, channel: str, user_id: str) -> str:
        message = f"{channel}:{user_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


async def stored_secret(sessions: async_sessionmaker[AsyncSession], name: str) -> bytes:
    """The instance's own secret, generated once and kept in the database (embedded default)."""
    async with sessions() as session:
        fresh = {"name": name, "value": secrets.token_hex(32)}
        await upsert(session, table_of(AppSecret), fresh, ["name"], update=False)
        value = await session.scalar(select(AppSecret.value).where(AppSecret.name == name))
        await session.commit()
    if value is None:
        raise StorageError(f"secret {name!r} was not stored")
    return value.encode()
