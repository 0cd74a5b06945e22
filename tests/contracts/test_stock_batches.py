"""StockBatchRepository contract: a bulk update and its per-request results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.errors import NotFound
from domain.inventory import (
    BatchStatus,
    StockBatch,
    StockOutcome,
    StockRequest,
    StockResult,
)

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
BIG = 2**40


async def test_a_batch_reads_back_with_its_results(uow_factory):
    batch = StockBatch(
        (
            StockRequest("MLA1000000001", 5),
            StockRequest("MLA1000000002", 0, BIG + 1, 2),
            StockRequest("MLA1000000003", 9),
        ),
        NOW,
    )
    async with uow_factory() as uow:
        added = await uow.stock_batches.add(batch)
        await uow.commit()
    assert added.id is not None and added.status is BatchStatus.PENDING

    added.finish(
        (
            StockResult("MLA1000000001", None, 5, StockOutcome.APPLIED, published=5, observed=5),
            StockResult("MLA1000000002", BIG + 1, 0, StockOutcome.REJECTED, "unknown listing"),
            StockResult("MLA1000000003", None, 9, StockOutcome.FAILED, "Unavailable: 503"),
        ),
        NOW + timedelta(seconds=3),
    )
    async with uow_factory() as uow:
        await uow.stock_batches.save(added)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.stock_batches.get(added.id) == added


async def test_unknown_batches_are_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.stock_batches.get(404)
        with pytest.raises(NotFound):
            await uow.stock_batches.save(StockBatch((StockRequest("MLA1", 1),), NOW, id=404))
