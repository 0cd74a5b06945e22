"""Sync logs: one row per sync run. Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from typing import Protocol

from application.queries import (
    Page,
    SyncLogQuery,
)
from domain.sync import SyncLog


class SyncLogRepository(Protocol):
    async def add(self, log: SyncLog) -> SyncLog:
        """Store a new run and return it with its id."""
        ...

    async def save(self, log: SyncLog) -> None: ...

    async def get(self, log_id: int) -> SyncLog: ...

    async def search(self, query: SyncLogQuery) -> Page[SyncLog]:
        """Runs matching the query, newest first."""
        ...
