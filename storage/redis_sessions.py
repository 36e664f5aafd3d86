"""The session-store port in Redis (``REDIS_URL``): state shared by every replica.

Each turn holds a per-citizen lock from ``load`` until the unit of work ends, so two replicas
never interleave one citizen's turns. Writes are staged and applied after the SQL records are
committed; idle conversations sit in a sorted set per channel, scored by when they fall due.
A state that cannot be read is moved aside (``lifebot:quarantine:<key>``, out of the idle set):
the citizen starts afresh and the sweep goes on with the others (see ``storage.sessions``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from dialogs.contract import Address
from dialogs.ports import StoredSession
from dialogs.state import ConversationState
from knowledge_base.errors import StorageError
from storage.sessions import UnreadableState, quarantined, read_state

PREFIX = "lifebot"
LOCK_TTL_MS = 15_000
LOCK_WAIT = 10.0
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@dataclass
class _Staged:
    address: Address
    state: ConversationState
    idle_due_at: dt.datetime | None


@dataclass
class RedisSessionStore:
    redis: Redis
    held: dict[str, str] = field(default_factory=dict)  # session key → lock token
    staged: dict[str, _Staged] = field(default_factory=dict)
    forgotten: list[str] = field(default_factory=list)

    async def load(self, key: str) -> ConversationState | None:
        await self._lock(key, wait=LOCK_WAIT)
        stored = await self._read(key)
        return stored.state if stored else None

    async def save(
        self, key: str, address: Address, state: ConversationState, idle_due_at: dt.datetime | None
    ) -> None:
        self.staged[key] = _Staged(address, state, idle_due_at)

    async def due_for_idle(
        self, channel: str, now: dt.datetime, limit: int
    ) -> list[StoredSession]:
        keys = await self.redis.zrangebyscore(
            _idle(channel), "-inf", now.timestamp(), start=0, num=limit
        )
        found = []
        for raw in keys:
            key = raw.decode() if isinstance(raw, bytes) else str(raw)
            if await self._lock(key, wait=0):  # another replica has it: skip, as SKIP LOCKED
                stored = await self._read(key)
                if stored is not None:
                    found.append(stored)
                else:  # gone or set aside: nothing to sweep, and no place in the next batch
                    await self.redis.zrem(_idle(channel), key)
        return found

    async def forget(self, key: str) -> None:
        self.staged.pop(key, None)
        self.forgotten.append(key)

    async def after_commit(self) -> None:
        """Apply the staged states once the turn's SQL records are safely committed."""
        try:
            await self._write_staged()
        except RedisError as error:
            raise StorageError("Redis did not take the conversation state") from error

    async def _write_staged(self) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in self.forgotten:
                pipe.delete(_session(key), _quarantine(key))
                pipe.zrem(_idle(key.split(":", 1)[0]), key)
            for key, item in self.staged.items():
                document = {
                    "address": {"channel": item.address.channel, "chat_id": item.address.chat_id},
                    "state": item.state.model_dump(mode="json"),
                }
                pipe.set(_session(key), json.dumps(document, ensure_ascii=False))
                if item.idle_due_at is None:
                    pipe.zrem(_idle(item.address.channel), key)
                else:
                    pipe.zadd(_idle(item.address.channel), {key: item.idle_due_at.timestamp()})
            await pipe.execute()
        self.staged.clear()
        self.forgotten.clear()

    async def release(self) -> None:
        held, self.held = self.held, {}
        self.staged.clear()
        for key, token in held.items():
            await self.redis.eval(_RELEASE, 1, _lock(key), token)

    async def _lock(self, key: str, wait: float) -> bool:
        if key in self.held:
            return True
        token = secrets.token_hex(8)
        deadline = asyncio.get_running_loop().time() + wait
        while not await self._try_lock(key, token):
            if asyncio.get_running_loop().time() >= deadline:
                if wait:
                    raise StorageError("this citizen's previous message is still being handled")
                return False
            await asyncio.sleep(0.01)
        self.held[key] = token
        return True

    async def _try_lock(self, key: str, token: str) -> bool:
        try:
            return bool(await self.redis.set(_lock(key), token, nx=True, px=LOCK_TTL_MS))
        except RedisError as error:
            raise StorageError("Redis is unreachable") from error

    async def _read(self, key: str) -> StoredSession | None:
        raw = await self.redis.get(_session(key))
        if raw is None:
            return None
        try:
            return _decode(key, raw)
        except UnreadableState as error:
            await self._set_aside(key, error.reason)
            return None

    async def _set_aside(self, key: str, reason: str) -> None:
        channel = key.split(":", 1)[0]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rename(_session(key), _quarantine(key))
            pipe.zrem(_idle(channel), key)
            await pipe.execute()
        quarantined(channel, reason, "moved aside; the citizen starts afresh")


def _decode(key: str, raw: bytes | str) -> StoredSession:
    try:
        document = json.loads(raw)
        address = Address(document["address"]["channel"], document["address"]["chat_id"])
        state = document["state"]
    except (ValueError, KeyError, TypeError):
        raise UnreadableState("not a stored session document") from None
    if not isinstance(state, dict):
        raise UnreadableState("the state is not an object")
    return StoredSession(key, address, read_state(state))


def _session(key: str) -> str:
    return f"{PREFIX}:session:{key}"


def _quarantine(key: str) -> str:
    return f"{PREFIX}:quarantine:{key}"


def _lock(key: str) -> str:
    return f"{PREFIX}:lock:{key}"


def _idle(channel: str) -> str:
    return f"{PREFIX}:idle:{channel}"
