"""A cache of values that expire: for reads of MercadoLibre that change rarely and are the
same for every caller (categories, §4.9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol


class ExpiringCache(Protocol):
    async def get(self, key: str) -> object | None:
        """The value stored under `key`, or None when there is none or it has expired."""
        ...

    async def put(self, key: str, value: object, ttl: timedelta) -> None:
        """Store `value` under `key` for `ttl` (replacing what was there). Values are
        immutable read models; a cache may drop any entry early (it is only a cache)."""
        ...
