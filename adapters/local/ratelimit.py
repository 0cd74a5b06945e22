from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from application.errors import QuotaExhausted
from application.ports.rate_limiter import API_CALLS, CallClass, RateLimits

log = logging.getLogger(__name__)


class _ShareUsedUp(Exception):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LocalRateLimiter:
    """RateLimiter for one process (the embedded default, without Redis).

    Pacing is a GCRA token bucket: each `acquire` atomically reserves the next free slot
    and then sleeps until it, once. Reservations are handed out in call order, so the
    limiter is fair and never polls. Quotas are fixed windows aligned to the epoch, the
    same arithmetic as RedisRateLimiter, so both adapters behave alike.

    Only INTERACTIVE calls reserve a slot ahead; a NOTIFICATION or PERIODIC call sleeps
    until a slot would be free for it and then tries again (see RateLimits), so a queue
    of them never delays a person's call by more than one slot.
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
        self._used: dict[tuple[str, str], tuple[int, int]] = {}

    async def acquire(
        self, key: str = API_CALLS, cost: int = 1, call_class: CallClass = CallClass.INTERACTIVE
    ) -> float:
        if cost < 1:
            raise ValueError(f"cost must be at least 1, got {cost}")
        waited = 0.0
        while True:
            try:
                with self._shared():
                    self._check_quota(key, cost, call_class)
                    wait, granted = (
                        self._reserve(cost, call_class) if key == API_CALLS else (0.0, True)
                    )
                    if granted:
                        self._count(key, cost, call_class)
            except _ShareUsedUp as used_up:
                if used_up.retry_after > self._limits.periodic_wait_seconds:
                    raise QuotaExhausted(str(used_up), retry_after=used_up.retry_after) from None
                await self._sleep(used_up.retry_after)
                waited += used_up.retry_after
                continue
            if wait > 0:
                await self._sleep(wait)
            waited += wait
            if granted:
                return waited

    async def used(self, key: str = API_CALLS) -> dict[CallClass, int]:
        quota = self._limits.quotas.get(key)
        if quota is None:
            return {}
        window = math.floor(self._wall() / quota.window_seconds)
        with self._shared():
            return {
                call_class: used
                for call_class in CallClass
                for seen, used in [self._used.get((key, call_class), (window, 0))]
                if seen == window and used > 0
            }

    @contextlib.contextmanager
    def _shared(self) -> Iterator[None]:
        """Around every read and change of the bucket and the quota counts: nothing for
        one process, the shared state for SharedFileRateLimiter."""
        yield

    def _check_quota(self, key: str, cost: int, call_class: CallClass) -> None:
        quota = self._limits.quotas.get(key)
        if quota is None:
            return
        now = self._wall()
        window = math.floor(now / quota.window_seconds)
        retry_after = (window + 1) * quota.window_seconds - now
        total = sum(self._window_used(key, c, window) for c in CallClass)
        if total + cost > quota.limit:
            raise QuotaExhausted(
                f"the {key!r} quota of {quota.limit} per {quota.window_seconds:g}s is used up",
                retry_after=retry_after,
            )
        share = self._limits.class_limit(key, call_class)
        if share is not None and self._window_used(key, call_class, window) + cost > share:
            raise _ShareUsedUp(
                f"the {call_class} share of the {key!r} quota ({share} per "
                f"{quota.window_seconds:g}s) is used up",
                retry_after=retry_after,
            )

    def _window_used(self, key: str, call_class: CallClass, window: int) -> int:
        seen, used = self._used.get((key, call_class), (window, 0))
        return used if seen == window else 0

    def _count(self, key: str, cost: int, call_class: CallClass) -> None:
        quota = self._limits.quotas.get(key)
        if quota is None:
            return
        window = math.floor(self._wall() / quota.window_seconds)
        self._used[(key, call_class)] = (
            window,
            self._window_used(key, call_class, window) + cost,
        )

    def _reserve(self, cost: int, call_class: CallClass) -> tuple[float, bool]:
        """The seconds to sleep, and whether a slot was taken (else: try again after)."""
        limits = self._limits
        rate = limits.per_second
        if rate <= 0:
            return 0.0, True
        interval = 1.0 / rate
        now = self._monotonic()
        start = max(self._tat, now)
        if not limits.queues(call_class):
            slack = max(0, limits.bucket_size - limits.headroom(call_class) - cost) * interval
            if start > now + slack:
                return start - now - slack, False
        tat = start + interval * cost
        self._tat = tat
        return max(0.0, tat - limits.bucket_size * interval - now), True


class SharedFileRateLimiter(LocalRateLimiter):
    """RateLimiter for the processes of one machine without Redis (the embedded
    default): the API server, `meli` commands and workers started on the same data
    directory draw from one bucket and one set of quota counts, as §2.4's per-application
    limit wants, instead of each pacing alone and together going past it.

    The state is a small JSON file read and written under an exclusive flock for the
    instant of each reservation (never while sleeping). The bucket is kept in wall-clock
    seconds in the file and in this process's monotonic clock in memory, so a reboot
    (which restarts the monotonic clock) or another process's clock origin changes
    nothing; a bucket more than an hour ahead (a wall clock set back) is started afresh,
    as is a file that cannot be read.
    """

    FAR_AHEAD = 3600.0

    def __init__(
        self,
        limits: RateLimits | None = None,
        path: Path | str = "rate-limiter.json",
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(limits, monotonic=monotonic, wall=wall, sleep=sleep)
        self._path = Path(path)

    @contextlib.contextmanager
    def _shared(self) -> Iterator[None]:
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._load(os.pread(fd, 1 << 16, 0))
            yield
            data = self._dump()
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _load(self, raw: bytes) -> None:
        mono, wall = self._monotonic(), self._wall()
        self._tat, self._used = -math.inf, {}
        if not raw.strip():
            return
        try:
            state = json.loads(raw)
            tat = state["tat"]
            used = {
                (str(key), str(call_class)): (int(window), int(count))
                for key, call_class, window, count in state["used"]
            }
        except (ValueError, KeyError, TypeError) as error:
            log.warning("%s is unreadable (%s): the rate limiter starts afresh", self._path, error)
            return
        if isinstance(tat, int | float) and math.isfinite(tat) and tat - wall <= self.FAR_AHEAD:
            self._tat = tat - wall + mono
        self._used = {
            (key, CallClass(call_class)): value
            for (key, call_class), value in used.items()
            if call_class in {c.value for c in CallClass}
        }

    def _dump(self) -> bytes:
        tat = self._tat - self._monotonic() + self._wall() if math.isfinite(self._tat) else None
        used = [[key, str(c), window, n] for (key, c), (window, n) in self._used.items()]
        return json.dumps({"tat": tat, "used": used}).encode()
