from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.sync import SyncLog


class GetSyncLog:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, log_id: int) -> SyncLog:
        """Raises NotFound."""
        async with self._uow() as uow:
            return await uow.sync_logs.get(log_id)
