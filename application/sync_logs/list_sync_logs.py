from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import Page, SyncLogQuery
from domain.sync import SyncLog


class ListSyncLogs:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: SyncLogQuery) -> Page[SyncLog]:
        async with self._uow() as uow:
            return await uow.sync_logs.search(query)
