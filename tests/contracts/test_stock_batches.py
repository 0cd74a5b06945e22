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


LEASE = timedelta(minutes=2)


async def a_pending_batch(uow_factory, at=NOW) -> StockBatch:
    async with uow_factory() as uow:
        batch = await uow.stock_batches.add(StockBatch((StockRequest("MLA1000000001", 5),), at))
        await uow.commit()
    return batch


async def test_a_batch_is_claimed_once_until_its_lease_runs_out(uow_factory):
    batch = await a_pending_batch(uow_factory)
    async with uow_factory() as uow:
        first = await uow.stock_batches.claim(batch.id, NOW, NOW + LEASE)
        second = await uow.stock_batches.claim(batch.id, NOW + LEASE / 2, NOW + LEASE)
        await uow.commit()
    assert (first.status, first.lease_until) == (BatchStatus.RUNNING, NOW + LEASE)
    assert second is None

    async with uow_factory() as uow:
        assert await uow.stock_batches.renew(batch.id, NOW + 2 * LEASE)
        assert await uow.stock_batches.claim(batch.id, NOW + LEASE, NOW + 2 * LEASE) is None
        # Its worker stopped renewing: another takes it over.
        taken_over = await uow.stock_batches.claim(batch.id, NOW + 2 * LEASE, NOW + 3 * LEASE)
        await uow.commit()
    assert taken_over.lease_until == NOW + 3 * LEASE

    taken_over.finish((), NOW + 3 * LEASE)
    async with uow_factory() as uow:
        await uow.stock_batches.save(taken_over)
        assert await uow.stock_batches.claim(batch.id, NOW + 9 * LEASE, NOW + 10 * LEASE) is None
        assert not await uow.stock_batches.renew(batch.id, NOW + 10 * LEASE)
        await uow.commit()


async def test_batches_waiting_are_the_pending_and_those_whose_lease_ran_out(uow_factory):
    pending = await a_pending_batch(uow_factory)
    held = await a_pending_batch(uow_factory, NOW + timedelta(seconds=1))
    dead = await a_pending_batch(uow_factory, NOW + timedelta(seconds=2))
    done = await a_pending_batch(uow_factory, NOW + timedelta(seconds=3))
    new = await a_pending_batch(uow_factory, NOW + LEASE)
    async with uow_factory() as uow:
        await uow.stock_batches.claim(held.id, NOW, NOW + 2 * LEASE)
        await uow.stock_batches.claim(dead.id, NOW, NOW + LEASE / 2)
        finished = await uow.stock_batches.claim(done.id, NOW, NOW + LEASE)
        finished.finish((), NOW)
        await uow.stock_batches.save(finished)
        await uow.commit()

    async with uow_factory() as uow:
        [first] = await uow.stock_batches.waiting(NOW + LEASE, 1)
        rest = await uow.stock_batches.waiting(NOW + LEASE, 10, (first.requested_at, first.id))
    assert [first.id, *(batch.id for batch in rest)] == [pending.id, dead.id]
    assert new.id not in {batch.id for batch in rest}
