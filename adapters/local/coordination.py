"""Coordination for a single process (the embedded default, without Redis)."""

from __future__ import annotations

import time


class LocalOnceGuard:
    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}

    async def first(self, key: str, ttl_seconds: float) -> bool:
        now = time.monotonic()
        self._expiry = {k: t for k, t in self._expiry.items() if t > now}
        if key in self._expiry:
            return False
        self._expiry[key] = now + ttl_seconds
        return True
