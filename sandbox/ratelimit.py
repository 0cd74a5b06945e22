from __future__ import annotations

import math
from collections.abc import Callable

import attrs


@attrs.define
class TokenBucket:
    rate: float
    capacity: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take one token; answer 0 when granted, else the seconds until one is free."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class CallThrottle:
    """Token buckets per application and endpoint group (§2.4, §12.3).

    Limits apply per client id; `group` lets a module give some endpoints their own
    bucket (the messaging limits of §8 are per endpoint group). Time comes from the
    simulated clock's monotonic reading, so advancing the clock refills the buckets.
    """

    def __init__(self, now: Callable[[], float], rate: float, burst: int) -> None:
        self._now = now
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        """Change the default limit; 0 requests per second means unlimited."""
        self.rate = rate
        self.burst = burst
        self._buckets.clear()

    def check(
        self,
        client_id: str,
        group: str = "default",
        rate: float | None = None,
        burst: int | None = None,
    ) -> float:
        """Answer 0 if the call may proceed, else the seconds to wait before retrying."""
        rate = self.rate if rate is None else rate
        if rate <= 0:
            return 0.0
        capacity = float(self.burst if burst is None else burst)
        key = (client_id, group)
        now = self._now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, capacity, capacity, now)
        return bucket.take(now)

    def reset(self) -> None:
        self._buckets.clear()


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
