"""The rate limiter every MercadoLibre call goes through, and the quotas it keeps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, Protocol

import attrs

# The limiter keys of the product's API limits table. Every MercadoLibre call takes one
# API_CALLS permit; creating a listing and sending a message also take one of their quota.
API_CALLS = "api"


LISTING_CREATE = "listing_create"


MESSAGE_SEND = "message_send"


HOUR = 3600.0


DAY = 86400.0


class Quota(NamedTuple):
    """At most `limit` permits per fixed window of `window_seconds` (aligned to the epoch,
    so an hourly quota resets on the hour and a daily one at 00:00 UTC)."""

    limit: int
    window_seconds: float


def _default_quotas() -> dict[str, Quota]:
    return {
        API_CALLS: Quota(10_000, HOUR),
        LISTING_CREATE: Quota(1_000, DAY),
        MESSAGE_SEND: Quota(500, HOUR),
    }


def _quotas(value: Mapping[str, tuple[int, float]]) -> dict[str, Quota]:
    return {key: Quota(int(limit), float(window)) for key, (limit, window) in value.items()}


def _positive_quotas(instance: object, attribute: attrs.Attribute, value: dict) -> None:
    for key, quota in value.items():
        if quota.limit < 1 or quota.window_seconds <= 0:
            raise ValueError(f"quota {key!r} needs a positive limit and window, got {quota}")


@attrs.define(frozen=True)
class RateLimits:
    """What every RateLimiter adapter enforces, described once.

    `per_second` and `burst` pace the API_CALLS key (a token bucket: `burst` calls at
    once, then `per_second`; 0 per second means unpaced). `quotas` cap any key over a
    fixed window; acquiring past one raises QuotaExhausted instead of waiting for hours.
    A key with neither is never limited.
    """

    per_second: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))
    burst: int | None = attrs.field(default=None)
    quotas: dict[str, Quota] = attrs.field(
        factory=_default_quotas, converter=_quotas, validator=_positive_quotas
    )

    @burst.validator
    def _positive_burst(self, attribute: attrs.Attribute, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError(f"burst must be at least 1, got {value}")

    @property
    def bucket_size(self) -> int:
        """The burst, or one second's worth of calls when none was given."""
        return self.burst if self.burst is not None else max(1, round(self.per_second))


class RateLimiter(Protocol):
    """A limiter shared by every process that calls MercadoLibre for one application."""

    async def acquire(self, key: str = "api", cost: int = 1) -> float:
        """Wait until `cost` calls are allowed under `key`; return the seconds waited.

        Raises QuotaExhausted when a quota that does not refill soon is used up.
        """
        ...
