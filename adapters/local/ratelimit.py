from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

from application.errors import QuotaExhausted
from application.ports.rate_limiter import API_CALLS, RateLimits


class LocalRateLimiter:
    """RateLimiter for one process (the embedded default, without Redis).

    Pacing is a GCRA token bucket: each `acquire` atomically reserves the next free slot
    and then sleeps until it, once. Reservations are handed out in call order, so the
    limiter is fair and never polls. Quotas are fixed windows aligned to the epoch, the
    same arithmetic as RedisRateLimiter, so both adapters behave alike.
    """

    def __init__(
        self,
        limits: RateLimits | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = limits or RateLimits()
        self._monotonic = monotonic
        self._wall = wall
        self._sleep = sleep
        # Theoretical arrival time of the next call: the bucket is full when it lies in
        # the past, and each permit pushes it one interval further.
        self._tat = -math.inf
        self._used: dict[str, tuple[int, int]] = {}

    async def acquire(self, key: str = API_CALLS, cost: int = 1) -> float:
        if cost < 1:
            raise ValueError(f"cost must be at least 1, got {cost}")
        self._take_quota(key, cost)
        wait = self._reserve(cost) if key == API_CALLS else 0.0
        if wait > 0:
            await self._sleep(wait)
        return wait

    def _take_quota(self, key: str, cost: int) -> None:
        quota = self._limits.quotas.get(key)
        if quota is None:
            return
        now = self._wall()
        window = math.floor(now / quota.window_seconds)
        seen_window, used = self._used.get(key, (window, 0))
        if seen_window != window:
            used = 0
        if used + cost > quota.limit:
            retry_after = (window + 1) * quota.window_seconds - now
            raise QuotaExhausted(
                f"the {key!r} quota of {quota.limit} per {quota.window_seconds:g}s is used up",
                retry_after=retry_after,
            )
        self._used[key] = (window, used + cost)

    def _reserve(self, cost: int) -> float:
        rate = self._limits.per_second
        if rate <= 0:
            return 0.0
        interval = 1.0 / rate
        now = self._monotonic()
        tat = max(self._tat, now) + interval * cost
        self._tat = tat
        return max(0.0, tat - self._limits.bucket_size * interval - now)
