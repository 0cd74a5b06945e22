from __future__ import annotations

from collections.abc import Sequence

from application import jobs
from application.inventory.requests import check_requests
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.inventory import (
    StockBatch,
    StockRequest,
)


class SubmitStockBatch:
    """Accept up to 100 stock updates as one job; the results are read later."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, requests: Sequence[StockRequest], source: str = "api") -> StockBatch:
        check_requests(requests)
        async with self._uow() as uow:
            batch = await uow.stock_batches.add(
                StockBatch(tuple(requests), self._clock.now(), source)
            )
            assert batch.id is not None
            uow.enqueue_after_commit(jobs.ApplyStockBatch(batch.id))
            await uow.commit()
        return batch
