"""Flood control in Redis: the shared token bucket, one limit across every replica."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bots.shared.flood import Admission

log = logging.getLogger("lifebot.flood")

_BUCKET = """
local rate, burst, max_wait, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4])
local state = redis.call('hmget', KEYS[1], 'tokens', 'updated', 'warned')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
local warned = tonumber(state[3]) or -1e18
tokens = math.min(burst, tokens + (now - updated) * rate)
local wait = math.max(0, (1 - tokens) / rate)
local ttl = math.ceil((burst / rate + max_wait) * 1000) + 1000
if wait > max_wait then
  local warn = 0
  if now - warned > max_wait then warned = now; warn = 1 end
  redis.call('hset', KEYS[1], 'tokens', tokens, 'updated', now, 'warned', warned)
  redis.call('pexpire', KEYS[1], ttl)
  return {'-1', tostring(warn)}
end
redis.call('hset', KEYS[1], 'tokens', tokens - 1, 'updated', now, 'warned', warned)
redis.call('pexpire', KEYS[1], ttl)
return {tostring(wait), '0'}
"""


class RedisFloodControl:
    """The same token bucket kept in Redis, atomic in a script: one limit across replicas."""

    def __init__(
        self,
        redis: Redis,
        rate: float = 2.0,
        burst: int = 6,
        max_wait: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis, self._rate, self._burst, self._max_wait = redis, rate, burst, max_wait
        self._clock = clock

    async def admit(self, channel: str, user_id: str) -> Admission:
        key = f"lifebot:flood:{channel}:{user_id}"
        args = (self._rate, self._burst, self._max_wait, self._clock())
        try:
            wait, warn = await self._redis.eval(_BUCKET, 1, key, *args)
        except (RedisError, OSError) as error:
            # Flood control protects; it must not silence everyone while Redis is away.
            log.warning("flood control unavailable (%s): the update is let through",
                        type(error).__name__)  # fmt: skip
            return Admission()
        seconds = float(wait)
        if seconds < 0:
            return Admission(drop=True, warn=warn in (b"1", "1"))
        return Admission(wait=seconds)
