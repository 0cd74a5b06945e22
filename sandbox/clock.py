from __future__ import annotations

import time
from datetime import UTC, datetime

import attrs


@attrs.define
class SimulatedClock:
    """Real time plus an offset that the admin API can advance.

    Everything that expires in the sandbox (tokens, codes, scrolls, rate-limit buckets,
    the optimistic-lock window) reads this clock, so a test can jump hours ahead in no
    time instead of sleeping.
    """

    offset: float = 0.0

    def now(self) -> float:
        """Wall-clock seconds since the epoch, shifted by the offset."""
        return time.time() + self.offset

    def monotonic(self) -> float:
        """Monotonic seconds, shifted by the same offset (for intervals)."""
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forwards")
        self.offset += seconds

    def now_iso(self) -> str:
        return iso(self.now())


def iso(timestamp: float) -> str:
    """ISO-8601 with milliseconds and `Z`, one of the two forms of §0.3."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
