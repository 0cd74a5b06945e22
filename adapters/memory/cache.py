"""ExpiringCache in the process's memory: bounded, entries expire on the clock."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from application.ports.clock import Clock


class InMemoryExpiringCache:
    """At most `max_entries`; the least recently used goes first when full. Each process
    has its own: what it holds is public, rarely changing data, so two processes holding
    copies of different ages costs at most one extra read each."""

    def __init__(self, clock: Clock, max_entries: int = 2048) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._clock = clock
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[datetime, object]] = OrderedDict()

    async def get(self, key: str) -> object | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires_at, value = found
        if self._clock.now() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def put(self, key: str, value: object, ttl: timedelta) -> None:
        if ttl <= timedelta(0):
            self._entries.pop(key, None)
            return
        self._entries[key] = (self._clock.now() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
