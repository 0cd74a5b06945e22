from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from application.cancellation import cancellation_kept
from application.errors import QuotaExhausted, Unavailable
from application.ports.rate_limiter import API_CALLS, RateLimits

# One atomic step per acquire: check the key's quota window, then reserve the next slot
# of the GCRA token bucket (the stored value is the theoretical arrival time of the next
# call). Time comes from Redis itself, so processes on machines with skewed clocks agree.
# Floats travel as strings: Redis truncates Lua numbers to integers.
#
# KEYS[1] bucket key, KEYS[2] quota key prefix
# ARGV: interval (0 = unpaced), bucket size, cost, quota limit (0 = none), quota window
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local size = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local quota_key = nil
if limit > 0 then
  local index = math.floor(now / window)
  quota_key = KEYS[2] .. ':' .. string.format('%d', index)
  local used = tonumber(redis.call('GET', quota_key) or '0')
  if used + cost > limit then
    return {'quota', string.format('%.6f', (index + 1) * window - now)}
  end
end
local wait = 0
if interval > 0 then
  local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
  if tat < now then tat = now end
  tat = tat + interval * cost
  local allowed_at = tat - size * interval
  if allowed_at > now then wait = allowed_at - now end
  redis.call('SET', KEYS[1], string.format('%.6f', tat),
             'PX', math.ceil((tat - now) * 1000) + 1000)
end
if quota_key then
  redis.call('INCRBY', quota_key, cost)
  redis.call('PEXPIRE', quota_key, math.ceil(window * 1000) + 1000)
end
return {'ok', string.format('%.6f', wait)}
"""


class RedisRateLimiter:
    """RateLimiter shared by every process of the application through Redis (§2.4:
    MercadoLibre limits per application, not per process).

    Same limits and arithmetic as LocalRateLimiter: a Lua script reserves the caller's
    slot atomically and answers how long to sleep, so waiting costs one round trip and
    one sleep, never a polling loop. Raises QuotaExhausted, and Unavailable when Redis
    does not answer.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        limits: RateLimits | None = None,
        namespace: str = "meli",
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._limits = limits or RateLimits()
        self._namespace = namespace
        self._sleep = sleep
        self._script = client.register_script(_ACQUIRE)

    async def acquire(self, key: str = API_CALLS, cost: int = 1) -> float:
        if cost < 1:
            raise ValueError(f"cost must be at least 1, got {cost}")
        limits = self._limits
        quota = limits.quotas.get(key)
        paced = key == API_CALLS and limits.per_second > 0
        if quota is None and not paced:
            return 0.0
        keys = [f"{self._namespace}:rate:{key}", f"{self._namespace}:quota:{key}"]
        args = [
            1.0 / limits.per_second if paced else 0,
            limits.bucket_size,
            cost,
            quota.limit if quota else 0,
            quota.window_seconds if quota else 1,
        ]
        try:
            # redis-py's socket writes lose a cancellation on Python 3.11 (wait_for).
            with cancellation_kept():
                verdict, seconds = await self._script(keys=keys, args=args)
        except RedisError as error:
            raise Unavailable(f"redis did not answer the rate limiter: {error}") from error
        value = float(seconds)
        if verdict in (b"quota", "quota"):
            assert quota is not None
            raise QuotaExhausted(
                f"the {key!r} quota of {quota.limit} per {quota.window_seconds:g}s is used up",
                retry_after=value,
            )
        if value > 0:
            await self._sleep(value)
        return value
