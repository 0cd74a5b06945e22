from __future__ import annotations

import pytest

from adapters.memory.jobs import Queued
from application import jobs
from application.errors import Conflict

from .builders import a_listing, an_account, given_account

WAKE_UP = jobs.ProcessNotification(1)
SYNC = jobs.ApplyStockBatch(7)


async def _seller_ids(uow_factory) -> list[int]:
    async with uow_factory() as uow:
        return [account.seller_id for account in await uow.accounts.list()]


async def test_work_left_without_commit_is_rolled_back(uow_factory):
    async with uow_factory() as uow:
        await uow.accounts.add(an_account(seller_id=1))

    assert await _seller_ids(uow_factory) == []


async def test_an_error_inside_the_block_rolls_the_work_back(uow_factory):
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.accounts.add(an_account(seller_id=1))
            raise RuntimeError("boom")

    assert await _seller_ids(uow_factory) == []


async def test_committed_work_is_visible_to_later_units_of_work(uow_factory):
    async with uow_factory() as uow:
        await uow.accounts.add(an_account(seller_id=1))
        await uow.commit()

    assert await _seller_ids(uow_factory) == [1]


async def test_a_unit_of_work_reads_its_own_uncommitted_writes(uow_factory):
    async with uow_factory() as uow:
        account = await uow.accounts.add(an_account(seller_id=1))
        assert await uow.accounts.get(account.id) == account


async def test_uncommitted_work_is_invisible_to_other_units_of_work(uow_factory):
    async with uow_factory() as reader:
        async with uow_factory() as writer:
            await writer.accounts.add(an_account(seller_id=1))
            # The reader has not touched the store yet; on SQLite a reader that had
            # would hold the write lock and the writer would wait for it.
        assert await reader.accounts.list() == []


async def test_an_explicit_rollback_discards_the_work_and_its_jobs(uow_factory, job_queue):
    async with uow_factory() as uow:
        await uow.accounts.add(an_account(seller_id=1))
        uow.enqueue_after_commit(WAKE_UP)
        await uow.rollback()
        await uow.accounts.add(an_account(seller_id=2))
        await uow.commit()

    assert await _seller_ids(uow_factory) == [2]
    assert job_queue.jobs == []


async def test_work_after_a_commit_needs_its_own_commit(uow_factory):
    async with uow_factory() as uow:
        await uow.accounts.add(an_account(seller_id=1))
        await uow.commit()
        await uow.accounts.add(an_account(seller_id=2))

    assert await _seller_ids(uow_factory) == [1]


async def test_changing_a_read_aggregate_without_saving_changes_nothing(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.listings.upsert([a_listing(account_id=account.id)])
        await uow.commit()

    async with uow_factory() as uow:
        listing = await uow.listings.get("MLA1000000001")
        listing.pause()
        stored = await uow.accounts.get(account.id)
        stored.nickname = "CHANGED"
        assert (await uow.listings.get("MLA1000000001")).status == "active"
        await uow.commit()

    async with uow_factory() as uow:
        assert (await uow.listings.get("MLA1000000001")).status == "active"
        assert (await uow.accounts.get(account.id)).nickname == account.nickname


async def test_changing_an_aggregate_after_writing_it_changes_nothing_stored(uow_factory):
    account = await given_account(uow_factory)
    listing = a_listing(account_id=account.id)
    async with uow_factory() as uow:
        await uow.listings.upsert([listing])
        listing.pause()
        await uow.commit()

    async with uow_factory() as uow:
        assert (await uow.listings.get(listing.item_id)).status == "active"


async def test_jobs_are_sent_in_order_only_after_the_commit(uow_factory, job_queue):
    async with uow_factory() as uow:
        await uow.accounts.add(an_account(seller_id=1))
        uow.enqueue_after_commit(WAKE_UP)
        uow.enqueue_after_commit(SYNC, delay_seconds=2.5)
        assert job_queue.jobs == []
        await uow.commit()
        assert job_queue.queued == [Queued(WAKE_UP), Queued(SYNC, 2.5)]

    assert job_queue.jobs == [WAKE_UP, SYNC]


async def test_jobs_are_sent_once_even_if_the_unit_of_work_commits_again(uow_factory, job_queue):
    async with uow_factory() as uow:
        uow.enqueue_after_commit(WAKE_UP)
        await uow.commit()
        await uow.commit()

    assert job_queue.jobs == [WAKE_UP]


async def test_jobs_of_work_left_without_commit_are_dropped(uow_factory, job_queue):
    async with uow_factory() as uow:
        await uow.accounts.add(an_account(seller_id=1))
        uow.enqueue_after_commit(WAKE_UP)

    assert job_queue.jobs == []


async def test_jobs_of_work_that_raised_are_dropped(uow_factory, job_queue):
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            uow.enqueue_after_commit(WAKE_UP)
            raise RuntimeError("boom")

    assert job_queue.jobs == []


async def test_a_broker_outage_after_commit_loses_no_data(uow_factory, job_queue):
    job_queue.available = False

    async with uow_factory() as uow:
        await uow.accounts.add(an_account(seller_id=1))
        uow.enqueue_after_commit(WAKE_UP)
        uow.enqueue_after_commit(SYNC)
        await uow.commit()

    assert await _seller_ids(uow_factory) == [1]
    assert job_queue.jobs == []


async def test_a_conflict_leaves_earlier_work_of_the_unit_of_work_committable(uow_factory):
    await given_account(uow_factory, seller_id=1)

    async with uow_factory() as uow:
        await uow.accounts.add(an_account(seller_id=2))
        with pytest.raises(Conflict):
            await uow.accounts.add(an_account(seller_id=1))
        await uow.commit()

    assert await _seller_ids(uow_factory) == [1, 2]


async def test_a_unit_of_work_can_be_used_again_after_it_ended(uow_factory):
    uow = uow_factory()
    async with uow:
        await uow.accounts.add(an_account(seller_id=1))
        await uow.commit()
    async with uow:
        await uow.accounts.add(an_account(seller_id=2))

    assert await _seller_ids(uow_factory) == [1]


async def test_a_refused_write_leaves_the_rest_of_the_work_committable(uow_factory):
    async with uow_factory() as uow:
        account = await uow.accounts.add(an_account(seller_id=1))
        with pytest.raises(Conflict):
            await uow.listings.upsert([a_listing(account_id=404)])
        await uow.listings.upsert([a_listing(account_id=account.id)])
        await uow.commit()

    assert await _seller_ids(uow_factory) == [1]
    async with uow_factory() as uow:
        assert (await uow.listings.get("MLA1000000001")).account_id == account.id
