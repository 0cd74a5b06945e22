"""An asyncio event loop on virtual time, for benchmarks that simulate hours in minutes.

Its clock (`loop.time()`) only moves when the loop has nothing to do: when no callback
is ready and no socket has anything to read or write, it jumps to the next timer instead
of waiting for it. Every `asyncio.sleep`, timeout and `call_later` of the process (the
rate limiter's pacing, aiohttp's timeouts, the sandbox's notification retries) thus
takes no real time, while real I/O between tasks of the process (HTTP over loopback to
an in-process sandbox) runs as fast as it can at a frozen virtual instant. Nothing may
run in threads: a loop that jumps ahead while a thread works would not wait for it.
"""

from __future__ import annotations

import asyncio
import math
import selectors
from typing import Any


class _IdleJumpSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[Any]:
        events = super().select(0)
        if events or timeout == 0:
            return events
        assert self.loop is not None
        if timeout is None:
            # No timer at all: only I/O can wake the loop (nothing else is left).
            return super().select(None)
        self.loop.jump(timeout)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """`time()` starts at `start` and advances only by jumps over idle time. Keep
    `start` small (0): the larger the number, the coarser the float's steps."""

    def __init__(self, start: float = 0.0) -> None:
        selector = _IdleJumpSelector()
        super().__init__(selector)
        selector.loop = self
        self._virtual = start
        self.jumps = 0

    def time(self) -> float:
        return self._virtual

    def jump(self, seconds: float) -> None:
        # A jump too small for the float to hold still moves the clock, or the loop
        # would spin on a timer that never falls due.
        self._virtual = max(self._virtual + seconds, math.nextafter(self._virtual, math.inf))
        self.jumps += 1
