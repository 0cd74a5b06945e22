from __future__ import annotations

import attrs

from application.errors import (
    ApplicationError,
    Forbidden,
    ReauthorizationRequired,
    UndecryptableToken,
    ValidationFailed,
)


@attrs.define(frozen=True)
class RetryPolicy:
    """After the n-th failure, the next attempt comes `delays[n - 1]` seconds later (or
    after MercadoLibre's Retry-After, if longer); failure `len(delays) + 1` makes the
    notification a dead letter. Defaults: 5 failures, 10 s, 1 min, 5 min, 30 min between.
    Failures, not claims: re-arms and lease takeovers are no failed reads."""

    delays: tuple[float, ...] = (10, 60, 300, 1800)

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, failures: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after `failures` failed attempts, or None to give up."""
        if failures >= self.max_attempts:
            return None
        delay = self.delays[max(failures, 1) - 1]
        return max(delay, retry_after or 0.0)


# Errors that no retry can fix: the seller must reconnect, or MercadoLibre refuses this
# request as it is. They go straight to the dead letters, from where an operator replays
# them once the cause is fixed.
PERMANENT_ERRORS: tuple[type[ApplicationError], ...] = (
    ReauthorizationRequired,
    Forbidden,
    ValidationFailed,
    UndecryptableToken,
)
