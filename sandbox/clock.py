from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import attrs


@attrs.define
class SimulatedClock:
    """Real time plus an offset that the admin API can advance.

    Everything that expires in the sandbox (tokens, codes, scrolls, rate-limit buckets,
    the optimistic-lock window, notification retries, missed feeds) reads this clock, so a
    test can jump hours ahead in no time instead of sleeping. Listeners hear every jump:
    the notification sender wakes up on it to make the retries that fell due.
    """

    offset: float = 0.0
    listeners: list[Callable[[], None]] = attrs.field(factory=list, repr=False, eq=False)

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
        for listener in list(self.listeners):
            listener()

    def now_iso(self) -> str:
        return iso(self.now())


def iso(timestamp: float) -> str:
    """ISO-8601 with milliseconds and `Z`, one of the two forms of §0.3."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# §0.3: order dates carry the site's UTC offset (`2024-11-01T09:34:59.000-04:00`). One
# fixed offset per site, without daylight saving [INF].
SITE_UTC_OFFSETS: dict[str, int] = {
    "MLA": -3,
    "MLB": -3,
    "MLU": -3,
    "MPY": -3,
    "MLC": -4,
    "MLV": -4,
    "MBO": -4,
    "MRD": -4,
    "MCO": -5,
    "MPE": -5,
    "MEC": -5,
    "MPA": -5,
    "MCU": -5,
    "MLM": -6,
    "MCR": -6,
    "MGT": -6,
    "MHN": -6,
    "MNI": -6,
    "MSV": -6,
    "MPT": 0,
}


def local_iso(timestamp: float, site_id: str) -> str:
    """ISO-8601 with milliseconds and the site's offset, as orders show dates (§5.1)."""
    zone = timezone(timedelta(hours=SITE_UTC_OFFSETS.get(site_id, -4)))
    moment = datetime.fromtimestamp(timestamp, zone)
    return moment.isoformat(timespec="milliseconds")


def parse_iso(text: str) -> float | None:
    """Seconds since the epoch of an ISO-8601 date with or without offset (no offset:
    UTC [INF]); None when the text is not a date."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
