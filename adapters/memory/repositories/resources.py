from __future__ import annotations

from adapters.memory.repositories.base import InMemoryRepository, page_of
from adapters.memory.store import (
    RESOURCES,
)
from application.queries import (
    Page,
    ResourceQuery,
)
from domain.resources import ResourceSnapshot


class InMemoryResourceSnapshotRepository(InMemoryRepository):
    async def upsert(self, snapshot: ResourceSnapshot) -> bool:
        self._require_account(snapshot.account_id)
        stored = self._staged.get(RESOURCES, snapshot.path)
        if stored is not None and not snapshot.supersedes(stored):
            return False
        self._staged.put(RESOURCES, snapshot.path, snapshot)
        return True

    async def find(self, path: str) -> ResourceSnapshot | None:
        return self._find(RESOURCES, path)

    async def search(self, query: ResourceQuery) -> Page[ResourceSnapshot]:
        found = [
            snapshot
            for snapshot in self._staged.values(RESOURCES)
            if (query.topic is None or snapshot.topic == query.topic)
            and (query.account_id is None or snapshot.account_id == query.account_id)
        ]
        found.sort(key=lambda snapshot: snapshot.path)
        return page_of(found, query.paging)
