from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.inventory import (
    StockBatch,
)


class GetStockBatch:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, batch_id: int) -> StockBatch:
        async with self._uow() as uow:
            return await uow.stock_batches.get(batch_id)
