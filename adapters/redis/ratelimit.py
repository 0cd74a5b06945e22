from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from application.cancellation import cancellation_kept
from application.errors import QuotaExhausted, Unavailable
from application.ports.rate_limiter import API_CALLS, CallClass, RateLimits

# One atomic step per acquire: check the key's quota window (and the caller's class share
# of it), then take a slot of the GCRA token bucket (the stored value is the theoretical
# arrival time of the next call). A queueing caller reserves the next slot; any other
# takes one only when it is free now and `headroom` permits stay, else it is answered
# 'later' with the seconds until it might be. Each class's use of the window is counted
# under its own key; the window's total is their sum. Time comes from Redis itself, so
# processes on machines with skewed clocks agree. Floats travel as strings: Redis
# truncates Lua numbers to integers.
#
# KEYS[1] bucket key, KEYS[2] quota key prefix (one per class follows: ':<class>')
# ARGV: interval (0 = unpaced), bucket size, cost, quota limit (0 = none), quota window,
#       caller's class, class share (0 = none), queueing (1/0), headroom, every class...
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local size = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local class = ARGV[6]
local share = tonumber(ARGV[7])
local queueing = ARGV[8] == '1'
local headroom = tonumber(ARGV[9])
local class_key = nil
local expire_ms = 0
if limit > 0 then
  local index = math.floor(now / window)
  local suffix = ':' .. string.format('%d', index)
  local retry = string.format('%.6f', (index + 1) * window - now)
  local used = 0
  local mine = 0
  for i = 10, #ARGV do
    local n = tonumber(redis.call('GET', KEYS[2] .. ':' .. ARGV[i] .. suffix) or '0')
    used = used + n
    if ARGV[i] == class then mine = n end
  end
  if used + cost > limit then
    return {'quota', retry}
  end
  if share > 0 and mine + cost > share then
    return {'share', retry}
  end
  class_key = KEYS[2] .. ':' .. class .. suffix
  expire_ms = math.ceil(window * 1000) + 1000
end
local wait = 0
if interval > 0 then
  local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
  if tat < now then tat = now end
  if not queueing then
    local slack = math.max(0, size - headroom - cost) * interval
    if tat > now + slack then
      return {'later', string.format('%.6f', tat - now - slack)}
    end
  end
  tat = tat + interval * cost
  local allowed_at = tat - size * interval
  if allowed_at > now then wait = allowed_at - now end
  redis.call('SET', KEYS[1], string.format('%.6f', tat),
             'PX', math.ceil((tat - now) * 1000) + 1000)
end
if class_key then
  redis.call('INCRBY', class_key, cost)
  redis.call('PEXPIRE', class_key, expire_ms)
end
return {'ok', string.format('%.6f', wait)}
"""

_USED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local index = math.floor(now / tonumber(ARGV[1]))
local answer = {}
for i = 2, #ARGV do
  local key = KEYS[1] .. ':' .. ARGV[i] .. ':' .. string.format('%d', index)
  answer[#answer + 1] = redis.call('GET', key) or '0'
end
return answer
"""


class RedisRateLimiter:
    """RateLimiter shared by every process of the application through Redis (§2.4:
    MercadoLibre limits per application, not per process).

    Same limits and arithmetic as LocalRateLimiter: a Lua script reserves the caller's
    slot atomically and answers how long to sleep, so waiting costs one round trip and
    one sleep, never a polling loop (a NOTIFICATION or PERIODIC call that found no free
    slot sleeps until one may be free and asks again). Raises QuotaExhausted, and
    Unavailable when Redis does not answer.
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
        self._used = client.register_script(_USED)

    async def acquire(
        self, key: str = API_CALLS, cost: int = 1, call_class: CallClass = CallClass.INTERACTIVE
    ) -> float:
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
            call_class.value,
            limits.class_limit(key, call_class) or 0,
            1 if limits.queues(call_class) else 0,
            limits.headroom(call_class),
            *(c.value for c in CallClass),
        ]
        waited = 0.0
        while True:
            verdict, value = await self._run(self._script, keys, args)
            if verdict == "share" and value <= limits.periodic_wait_seconds:
                # The next window opens soon: a run crossing the hour finishes in it.
                await self._sleep(value)
                waited += value
                continue
            if verdict in ("quota", "share"):
                assert quota is not None
                what = (
                    f"the {key!r} quota of {quota.limit}"
                    if verdict == "quota"
                    else f"the {call_class} share of the {key!r} quota ("
                    f"{limits.class_limit(key, call_class)}"
                )
                closing = "" if verdict == "quota" else ")"
                raise QuotaExhausted(
                    f"{what} per {quota.window_seconds:g}s{closing} is used up",
                    retry_after=value,
                )
            if value > 0:
                await self._sleep(value)
            waited += value
            if verdict == "ok":
                return waited

    async def used(self, key: str = API_CALLS) -> dict[CallClass, int]:
        quota = self._limits.quotas.get(key)
        if quota is None:
            return {}
        classes = list(CallClass)
        try:
            with cancellation_kept():
                counts = await self._used(
                    keys=[f"{self._namespace}:quota:{key}"],
                    args=[quota.window_seconds, *(c.value for c in classes)],
                )
        except RedisError as error:
            raise Unavailable(f"redis did not answer the rate limiter: {error}") from error
        return {c: int(n) for c, n in zip(classes, counts, strict=True) if int(n)}

    async def _run(self, script: Any, keys: list[str], args: list[Any]) -> tuple[str, float]:
        try:
            # redis-py's socket writes lose a cancellation on Python 3.11 (wait_for).
            with cancellation_kept():
                verdict, seconds = await script(keys=keys, args=args)
        except RedisError as error:
            raise Unavailable(f"redis did not answer the rate limiter: {error}") from error
        if isinstance(verdict, bytes):
            verdict = verdict.decode()
        return verdict, float(seconds)
