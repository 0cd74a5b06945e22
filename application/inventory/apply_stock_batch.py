from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from application.inventory.stock_writer import Key, StockWriter, failed_result
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.inventory import (
    StockBatch,
    StockRequest,
    StockResult,
)

log = logging.getLogger(__name__)


CONCURRENT_ITEMS = 4


class ApplyStockBatch:
    """The job behind a bulk update. Idempotent: a finished batch is left alone.

    Items are written concurrently and apart: an item whose write fails, even
    unexpectedly, gets FAILED results and the others carry on. A batch that cannot be
    finished at all is marked failed (never left pending) and the error propagates.
    """

    def __init__(self, uow: UnitOfWorkFactory, writer: StockWriter, clock: Clock) -> None:
        self._uow = uow
        self._writer = writer
        self._clock = clock

    async def __call__(self, batch_id: int) -> StockBatch:
        async with self._uow() as uow:
            batch = await uow.stock_batches.get(batch_id)
        if batch.finished_at is not None:
            return batch
        try:
            batch.finish(await self._apply(batch), self._clock.now())
            await self._save(batch)
        except Exception as error:
            log.exception("stock batch %s gave up", batch_id)
            batch.fail(f"{type(error).__name__}: {error}", self._clock.now())
            await self._save(batch)
            raise
        return batch

    async def _apply(self, batch: StockBatch) -> tuple[StockResult, ...]:
        by_item: dict[str, list[StockRequest]] = defaultdict(list)
        for request in batch.requests:
            by_item[request.item_id].append(request)
        gate = asyncio.Semaphore(CONCURRENT_ITEMS)

        async def one(item_id: str, requests: list[StockRequest]) -> tuple[StockResult, ...]:
            async with gate:
                write = await self._writer.apply(
                    item_id, requests, batch.requested_at, batch.source
                )
                return write.results

        outcomes = await asyncio.gather(
            *(one(i, r) for i, r in by_item.items()), return_exceptions=True
        )
        by_key: dict[tuple[str, Key], StockResult] = {}
        for (item_id, requests), outcome in zip(by_item.items(), outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                log.error("stock batch %s: %s failed", batch.id, item_id, exc_info=outcome)
                outcome = tuple(failed_result(r, outcome) for r in requests)
            by_key.update({(r.item_id, r.variation_id): r for r in outcome})
        return tuple(by_key[(r.item_id, r.variation_id)] for r in batch.requests)

    async def _save(self, batch: StockBatch) -> None:
        async with self._uow() as uow:
            await uow.stock_batches.save(batch)
            await uow.commit()
