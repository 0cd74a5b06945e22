"""ProcessLock: the Lock port inside one process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from application.errors import LockTimeout


class ProcessLock:
    """Lock port inside one process (the real adapters add other processes)."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def hold(self, name: str, timeout: float = 30.0) -> AsyncIterator[None]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        try:
            await asyncio.wait_for(lock.acquire(), timeout)
        except TimeoutError:
            raise LockTimeout(name, timeout) from None
        try:
            yield
        finally:
            lock.release()
