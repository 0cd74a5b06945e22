"""The rate limiter every MercadoLibre call goes through, and the quotas it keeps."""

from __future__ import annotations

import enum
import math
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


class CallClass(enum.StrEnum):
    """Who a MercadoLibre call is for, in the order the limiter serves them.

    INTERACTIVE: a write or read a person or another service asked for (stock, listings,
    answers, messages); it queues for its slot and never waits behind the others.
    NOTIFICATION: reading what a notification announced. PERIODIC: the scheduled reads
    (catalogue, stock, orders, questions, missed feeds), held to the periodic budget.
    """

    INTERACTIVE = "interactive"
    NOTIFICATION = "notification"
    PERIODIC = "periodic"


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

    `periodic_budget` is the share of the API_CALLS quota PERIODIC calls may use in one
    window (MELI_PERIODIC_BUDGET); the rest is kept for people and notifications. A
    PERIODIC call past it waits for the next window if that opens within
    `periodic_wait_seconds`, else raises QuotaExhausted. Only
    INTERACTIVE calls queue for a slot of the bucket: the other classes take a slot only
    when one is free now, and PERIODIC ones only while `periodic_headroom` permits stay
    in the bucket, so neither ever stands in front of a person's write.
    """

    per_second: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))
    burst: int | None = attrs.field(default=None)
    quotas: dict[str, Quota] = attrs.field(
        factory=_default_quotas, converter=_quotas, validator=_positive_quotas
    )
    periodic_budget: float = attrs.field(
        default=0.5, converter=float, validator=[attrs.validators.gt(0), attrs.validators.le(1)]
    )
    # A PERIODIC call that finds the budget used up waits for the next window when it
    # opens within this many seconds (a run that crosses the hour finishes); further
    # away, QuotaExhausted.
    periodic_wait_seconds: float = attrs.field(default=300.0, validator=attrs.validators.ge(0))

    @burst.validator
    def _positive_burst(self, attribute: attrs.Attribute, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError(f"burst must be at least 1, got {value}")

    @property
    def bucket_size(self) -> int:
        """The burst, or one second's worth of calls when none was given."""
        return self.burst if self.burst is not None else max(1, round(self.per_second))

    def class_limit(self, key: str, call_class: CallClass) -> int | None:
        """The most calls of `call_class` under `key` in one window; None: only the
        key's own quota applies."""
        quota = self.quotas.get(key)
        if quota is None or key != API_CALLS or call_class is not CallClass.PERIODIC:
            return None
        return max(1, math.floor(quota.limit * self.periodic_budget))

    def headroom(self, call_class: CallClass) -> int:
        """Permits a call of `call_class` must leave in the bucket: none for people and
        notifications, the people's share of the bucket for periodic calls (always less
        than the bucket, so they still run when nobody else calls)."""
        if call_class is not CallClass.PERIODIC:
            return 0
        size = self.bucket_size
        return max(0, min(size - 1, round(size * (1 - self.periodic_budget))))

    def queues(self, call_class: CallClass) -> bool:
        """Whether a call of `call_class` reserves the next slot (and waits for it) rather
        than waiting until a slot is free now and taking it then."""
        return call_class is CallClass.INTERACTIVE


class RateLimiter(Protocol):
    """A limiter shared by every process that calls MercadoLibre for one application."""

    async def acquire(
        self, key: str = "api", cost: int = 1, call_class: CallClass = CallClass.INTERACTIVE
    ) -> float:
        """Wait until `cost` calls of `call_class` are allowed under `key`; return the
        seconds waited.

        Raises QuotaExhausted when a quota that does not refill soon is used up, or when
        PERIODIC calls have used their budget of the window.
        """
        ...

    async def used(self, key: str = "api") -> dict[CallClass, int]:
        """Permits taken under `key` in its current quota window, per class (a class
        that took none may be missing); empty for a key without a quota. Raises
        Unavailable when the shared store does not answer."""
        ...
