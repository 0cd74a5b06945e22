from __future__ import annotations

import attrs

from adapters.memory.repositories.base import InMemoryRepository, page_of
from adapters.memory.store import (
    SYNC_LOGS,
    private_copy,
)
from application.errors import NotFound
from application.queries import (
    Page,
    SyncLogQuery,
)
from domain.sync import SyncLog


class InMemorySyncLogRepository(InMemoryRepository):
    async def add(self, log: SyncLog) -> SyncLog:
        self._require_account(log.account_id)
        stored = attrs.evolve(log, id=self._store.next_id(SYNC_LOGS))
        self._staged.put(SYNC_LOGS, stored.id, stored)
        return private_copy(stored)

    async def save(self, log: SyncLog) -> None:
        if log.id is None or self._staged.get(SYNC_LOGS, log.id) is None:
            raise NotFound("sync log", log.id)
        self._require_account(log.account_id)
        self._staged.put(SYNC_LOGS, log.id, log)

    async def get(self, log_id: int) -> SyncLog:
        return self._get(SYNC_LOGS, log_id, "sync log")

    async def search(self, query: SyncLogQuery) -> Page[SyncLog]:
        found = [
            log
            for log in self._staged.values(SYNC_LOGS)
            if (query.account_id is None or log.account_id == query.account_id)
            and (query.kind is None or log.kind == query.kind)
        ]
        found.sort(key=lambda log: (log.started_at, log.id), reverse=True)
        return page_of(found, query.paging)
