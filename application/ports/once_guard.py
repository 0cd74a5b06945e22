"""Once per key across replicas: the scheduler's slot guard."""

from __future__ import annotations

from typing import Protocol


class OnceGuard(Protocol):
    """Lets exactly one of many processes act on a key (e.g. one scheduler replica per tick)."""

    async def first(self, key: str, ttl_seconds: float) -> bool:
        """True for the first caller of `key` within `ttl_seconds`, False for the rest."""
        ...
