from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

from application.inventory.stock_writer import Key, StockWriter, failed_result
from application.leases import renewed
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.inventory import (
    StockBatch,
    StockRequest,
    StockResult,
)

log = logging.getLogger(__name__)


CONCURRENT_ITEMS = 4


DEFAULT_LEASE = timedelta(minutes=2)


class ApplyStockBatch:
    """The job behind a bulk update. Idempotent: a finished batch, or one another worker
    holds, is left alone.

    The batch is claimed under a lease renewed while it is applied, so that a worker
    that dies leaves it to the sweep once the lease runs out (a second application is
    harmless: each request is applied once, last request wins). Items are written
    concurrently and apart: an item whose write fails, even unexpectedly, gets FAILED
    results and the others carry on. A batch that cannot be finished at all is marked
    failed (never left pending) and the error propagates.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        writer: StockWriter,
        clock: Clock,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._uow = uow
        self._writer = writer
        self._clock = clock
        self._lease = lease

    async def __call__(self, batch_id: int) -> StockBatch:
        now = self._clock.now()
        async with self._uow() as uow:
            batch = await uow.stock_batches.claim(batch_id, now, now + self._lease)
            if batch is None:
                return await uow.stock_batches.get(batch_id)  # finished, or held
            await uow.commit()
        try:
            async with renewed(
                lambda: self._renew(batch_id),
                self._lease.total_seconds() / 3,
                f"stock batch {batch_id}",
            ):
                results = await self._apply(batch)
            batch.finish(results, self._clock.now())
            await self._save(batch)
        except Exception as error:
            log.exception("stock batch %s gave up", batch_id)
            batch.fail(f"{type(error).__name__}: {error}", self._clock.now())
            await self._save(batch)
            raise
        return batch

    async def _renew(self, batch_id: int) -> bool:
        async with self._uow() as uow:
            held = await uow.stock_batches.renew(batch_id, self._clock.now() + self._lease)
            await uow.commit()
        return held

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
