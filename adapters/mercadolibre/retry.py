"""When and how long the gateway waits before trying a MercadoLibre call again.

mercadolibre-api.md §2.4: exponential backoff with jitter, and `Retry-After` when the
answer carries one (MercadoLibre does not document it, some answers may have it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import attrs

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@attrs.define(frozen=True)
class RetryPolicy:
    """Exponential backoff with FULL jitter: before retry n (1, 2, ...) sleep a uniform
    random time in [0, min(cap, base * 2**(n-1))). Full jitter spreads the retries of
    many workers hit by the same 429 storm instead of sending them back in lockstep.

    `max_attempts` counts the first attempt too. A Retry-After longer than `cap` is not
    waited for: the call fails with RateLimited(retry_after) and the caller (a job, with
    its own backoff) decides.

    `rate_limited_attempts` is the same count for answers of 429, and is larger: a 429
    was not processed (§2.4), and the application's quota is shared with every other
    process calling for it, so a burst elsewhere (the API server's backfill while an
    admin runs `meli sync`; processes whose limiters do not see each other without
    Redis) is waited out, with the backoff's ceiling reaching `cap`, rather than turned
    into a failed read. Three more by default; never below `max_attempts`.
    """

    max_attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    rate_limited_attempts: int = attrs.field(
        default=attrs.Factory(lambda policy: policy.max_attempts + 3, takes_self=True)
    )
    base: float = attrs.field(default=0.5, validator=attrs.validators.gt(0))
    cap: float = attrs.field(default=30.0, validator=attrs.validators.gt(0))

    @rate_limited_attempts.validator
    def _not_below_max_attempts(self, attribute: attrs.Attribute, value: int) -> None:
        if value < self.max_attempts:
            raise ValueError(
                f"rate_limited_attempts ({value}) must be at least max_attempts "
                f"({self.max_attempts})"
            )

    def attempts_for(self, rate_limited: bool) -> int:
        """How many attempts a call gets in all, given how its last one failed."""
        return self.rate_limited_attempts if rate_limited else self.max_attempts

    def backoff(self, retry: int, random: Callable[[], float]) -> float:
        """The sleep before retry number `retry` (1 for the first retry)."""
        ceiling = min(self.cap, self.base * 2 ** (retry - 1))
        return random() * ceiling


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110
    §10.2.3). None when absent or unreadable; never negative."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (moment - current).total_seconds())
