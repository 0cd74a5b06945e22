"""No work the service accepted stays pending forever: every kind is in the database first
and the one sweep (RequeueLostWork) puts back what a lost job, a dead worker or a broker
outage left. Runs on the in-memory container, with the handlers the worker runs.

Regression tests: a bulk stock update accepted with 202 while the broker was down once
stayed `pending` forever, and a worker killed mid-sync left its sync log `running`
forever.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from dependency_injector import providers

from adapters.memory import InMemoryJobQueue
from adapters.system.clock import ManualClock
from application import jobs
from application.queries import SyncLogQuery
from domain.accounts import Account
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.inventory import BatchStatus, StockLevel, StockOutcome, StockRequest
from domain.listings import Listing
from domain.money import Money
from domain.sync import MAX_ATTEMPTS, SyncKind, SyncLog, SyncStatus, SyncTrigger
from entrypoints.container import build_container, start, stop
from entrypoints.settings import Settings
from entrypoints.worker.handlers import HANDLERS
from tests.fakes import FakeListingGateway

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
SELLER = 202593498
ITEM = "MLA1000000001"
LEASE = timedelta(seconds=120)  # MELI_SYNC_LEASE below
GRACE = timedelta(seconds=60)  # MELI_INBOX_GRACE: how long work waits before a sweep


class Market(FakeListingGateway):
    """MercadoLibre for these tests: FakeListingGateway, whose multigets `stall` holds
    until it is set."""

    def __init__(self, listings: list[Listing]) -> None:
        super().__init__(listings)
        self.stall: asyncio.Event | None = None
        self.multigets_started = asyncio.Event()

    async def get_listings(self, account_id, item_ids):
        self.multigets_started.set()
        if self.stall is not None:
            await self.stall.wait()
        return await super().get_listings(account_id, item_ids)


def catalogue(count: int, account_id: int) -> list[Listing]:
    return [
        Listing(
            f"MLA{1000000001 + n}",
            account_id,
            SELLER,
            f"Item {n}",
            "MLA1055",
            Money.of(100 + n, "ARS"),
            5,
        )
        for n in range(count)
    ]


@attrs.define
class World:
    container: Any
    clock: ManualClock
    queue: InMemoryJobQueue
    market: Market
    account_id: int

    def uow(self) -> Any:
        return self.container.unit_of_work()

    async def run(self, job: jobs.Job) -> None:
        """Run a job as the worker does (entrypoints/worker/handlers.py)."""
        await HANDLERS[type(job)].run(self.container, job)

    async def run_queued(self) -> None:
        queued, self.queue.queued[:] = list(self.queue.jobs), []
        for job in queued:
            await self.run(job)

    async def sweep(self, *kinds: str) -> dict[str, int]:
        return await self.container.requeue_lost_work()(kinds)

    async def logs(self, kind: SyncKind = SyncKind.PRODUCTS) -> list[SyncLog]:
        async with self.uow() as uow:
            found = await uow.sync_logs.search(
                SyncLogQuery(account_id=self.account_id, kind=kind.value)
            )
        return sorted(found.items, key=lambda log: log.id)


@contextlib.asynccontextmanager
async def running_world(data_dir: Path) -> AsyncIterator[World]:
    settings = Settings.from_mapping(
        {
            "STORAGE": "memory",
            "DATA_DIR": str(data_dir),
            "SYNC_LEASE": str(int(LEASE.total_seconds())),
            "INBOX_GRACE": str(int(GRACE.total_seconds())),
        }
    )
    container = build_container(settings)
    clock = ManualClock(NOW)
    queue = InMemoryJobQueue()
    container.clock.override(providers.Object(clock))
    container.job_queue.override(providers.Object(queue))
    await start(container)
    async with container.unit_of_work() as uow:
        account = await uow.accounts.add(Account(SELLER, "MLA", "SELLER"))
        await uow.commit()
    assert account.id is not None
    market = Market(catalogue(60, account.id))
    container.listing_gateway.override(providers.Object(market))
    try:
        yield World(container, clock, queue, market, account.id)
    finally:
        await stop(container)


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as running:
        yield running


# -- defect 1: a bulk stock update accepted while the broker is down ----------------------


async def given_listing(world: World, quantity: int = 5) -> None:
    listing = world.market.items[ITEM]
    async with world.uow() as uow:
        await uow.listings.upsert([listing])
        await uow.inventory.upsert([StockLevel(ITEM, quantity, None, 0, NOW)])
        await uow.commit()


async def test_a_bulk_update_accepted_while_the_broker_is_down_is_applied_after_a_sweep(world):
    await given_listing(world)
    world.queue.available = False

    accepted = await world.container.submit_stock_batch()([StockRequest(ITEM, 9)])

    assert accepted.status is BatchStatus.PENDING and world.queue.jobs == []
    world.queue.available = True
    world.clock.advance(GRACE.total_seconds() + 1)

    assert (await world.sweep())["stock_batches"] == 1
    assert world.queue.jobs == [jobs.ApplyStockBatch(accepted.id)]
    await world.run_queued()

    batch = await world.container.get_stock_batch()(accepted.id)
    assert batch.status is BatchStatus.DONE
    assert [result.outcome for result in batch.results] == [StockOutcome.APPLIED]
    assert world.market.items[ITEM].available_quantity == 9
    assert (await world.sweep())["stock_batches"] == 0, "nothing left waiting"


async def test_a_batch_whose_worker_died_is_taken_back_once_its_lease_ran_out(world):
    await given_listing(world)
    accepted = await world.container.submit_stock_batch()([StockRequest(ITEM, 3)])
    async with world.uow() as uow:  # a worker claimed it, then died
        await uow.stock_batches.claim(accepted.id, NOW, NOW + LEASE)
        await uow.commit()
    world.queue.clear()

    world.clock.advance(GRACE.total_seconds() + 1)
    assert (await world.sweep())["stock_batches"] == 0, "its lease still runs"
    await world.run(jobs.ApplyStockBatch(accepted.id))  # a second delivery: held, left alone
    assert (await world.container.get_stock_batch()(accepted.id)).status is BatchStatus.RUNNING

    world.clock.advance(LEASE.total_seconds())
    assert (await world.sweep())["stock_batches"] == 1
    await world.run_queued()
    assert (await world.container.get_stock_batch()(accepted.id)).status is BatchStatus.DONE


# -- syncs asked for: stored first, sent again when their job is lost ----------------------


async def test_a_sync_asked_for_while_the_broker_is_down_runs_after_a_sweep(world):
    world.queue.available = False

    requested = await world.container.request_sync()(
        jobs.SyncCatalogue(world.account_id, SyncTrigger.API)
    )

    assert requested.status is SyncStatus.QUEUED and requested.requested_at == NOW
    world.queue.available = True
    world.clock.advance(GRACE.total_seconds() + 1)
    assert (await world.sweep())["syncs"] == 1
    assert world.queue.jobs == [
        jobs.SyncCatalogue(world.account_id, SyncTrigger.API, log_id=requested.id)
    ]
    await world.run_queued()

    [run] = await world.logs()
    assert (run.id, run.status, run.counts["fetched"]) == (requested.id, SyncStatus.SUCCEEDED, 60)


async def test_asking_again_while_a_sync_is_queued_gives_the_same_request(world):
    first = await world.container.request_sync()(
        jobs.SyncCatalogue(world.account_id, SyncTrigger.API)
    )
    await world.container.fan_out()("sync_catalogue", SyncTrigger.SCHEDULE)
    second = await world.container.request_sync()(
        jobs.SyncCatalogue(world.account_id, SyncTrigger.API)
    )

    assert second.id == first.id and len(await world.logs()) == 1
    await world.run_queued()
    assert [log.status for log in await world.logs()] == [SyncStatus.SUCCEEDED]


# -- defect 5: a worker killed mid-sync ---------------------------------------------------


async def killed_mid_sync(world: World) -> SyncLog:
    """A requested catalogue sync a worker claimed and was running when it was killed
    (kill -9: nothing of it ran to its end, not even its finally blocks)."""
    requested = await world.container.request_sync()(
        jobs.SyncCatalogue(world.account_id, SyncTrigger.API)
    )
    world.queue.clear()
    run = await world.container.sync_runs().begin(
        SyncKind.PRODUCTS, SyncTrigger.API, world.account_id, requested.id
    )
    assert run is not None and run.status is SyncStatus.RUNNING
    return run


async def test_a_sync_whose_worker_was_killed_is_abandoned_and_run_again_by_the_sweep(world):
    dead = await killed_mid_sync(world)

    world.clock.advance(GRACE.total_seconds())
    assert (await world.sweep())["syncs"] == 0, "its lease still runs: it may be alive"
    world.clock.advance(LEASE.total_seconds() + 1)
    assert (await world.sweep())["syncs"] == 1
    await world.run_queued()

    abandoned, again = await world.logs()
    assert abandoned.id == dead.id and abandoned.status is SyncStatus.ABANDONED
    assert abandoned.finished_at == dead.lease_until and "lease" in abandoned.errors[-1]
    assert (again.retry_of, again.attempt, again.status) == (dead.id, 2, SyncStatus.SUCCEEDED)
    assert again.counts["fetched"] == 60
    assert (await world.sweep())["syncs"] == 0, "run again once, not on every sweep"


async def test_a_sync_whose_worker_was_killed_is_abandoned_when_its_job_comes_back(world):
    """dramatiq delivers the unacknowledged message of a dead worker again."""
    dead = await killed_mid_sync(world)
    job = jobs.SyncCatalogue(world.account_id, SyncTrigger.API, log_id=dead.id)

    await world.run(job)  # early: the lease still runs, the run may be alive
    assert [log.status for log in await world.logs()] == [SyncStatus.RUNNING]

    world.clock.advance(LEASE.total_seconds() + 1)
    await world.run(job)
    await world.run(job)  # and again: the request is run again once

    abandoned, again = await world.logs()
    assert abandoned.status is SyncStatus.ABANDONED
    assert (again.retry_of, again.status) == (dead.id, SyncStatus.SUCCEEDED)
    assert world.queue.jobs == []


async def test_a_sync_stopped_by_a_shutdown_is_abandoned_and_its_handed_back_job_runs_it(world):
    requested = await world.container.request_sync()(
        jobs.SyncCatalogue(world.account_id, SyncTrigger.API)
    )
    [job] = world.queue.jobs
    world.queue.clear()
    world.market.stall = asyncio.Event()
    running = asyncio.create_task(world.run(job))
    await world.market.multigets_started.wait()

    running.cancel()  # what the worker does to a job it hands back at shutdown
    with pytest.raises(asyncio.CancelledError):
        await running

    [stopped] = await world.logs()
    assert (stopped.id, stopped.status) == (requested.id, SyncStatus.ABANDONED)
    assert "shut down" in stopped.errors[-1]
    world.market.stall = None
    await world.run(job)  # the message handed back, delivered again
    first, again = await world.logs()
    assert first.status is SyncStatus.ABANDONED
    assert (again.retry_of, again.status) == (requested.id, SyncStatus.SUCCEEDED)


async def test_a_request_that_keeps_killing_its_worker_is_not_run_again_forever(world):
    dead = await killed_mid_sync(world)
    for _ in range(MAX_ATTEMPTS + 2):
        world.clock.advance(GRACE.total_seconds() + LEASE.total_seconds() + 1)
        await world.sweep("syncs")
        for job in world.queue.jobs:  # each run again dies too
            await world.container.sync_runs().begin(
                SyncKind.PRODUCTS, SyncTrigger.API, world.account_id, job.log_id
            )
        world.queue.clear()

    runs = await world.logs()
    assert [log.attempt for log in runs] == list(range(1, MAX_ATTEMPTS + 1))
    assert runs[0].id == dead.id
    assert all(log.status is SyncStatus.ABANDONED for log in runs)


async def test_a_sync_that_outlives_its_lease_keeps_it_by_renewing(world):
    """A live worker renews its lease while it works: the sweep leaves it alone."""
    world.market.stall = asyncio.Event()
    requested = await world.container.request_sync()(
        jobs.SyncCatalogue(world.account_id, SyncTrigger.API)
    )
    [job] = world.queue.jobs
    world.queue.clear()
    runs = world.container.sync_runs()
    runs.lease = timedelta(seconds=0.3)  # renewed every 0.1 s of real time
    running = asyncio.create_task(
        world.container.sync_catalogue(runs=runs)(job.account_id, job.trigger, log_id=requested.id)
    )
    await world.market.multigets_started.wait()
    # Long past its first lease (and the sweep's grace) on the service's clock.
    world.clock.advance(GRACE.total_seconds() + 10)
    await asyncio.sleep(0.5)
    [held] = await world.logs()
    assert held.lease_until == world.clock.now() + runs.lease, "renewed meanwhile"

    assert (await world.sweep())["syncs"] == 0
    world.market.stall.set()
    assert (await running).status is SyncStatus.SUCCEEDED


# -- replays ------------------------------------------------------------------------------


async def test_a_replayed_sync_is_a_new_request_the_sweep_finds(world):
    letter = DeadLetter(
        source=DeadLetterSource.JOB,
        reference=world.container.job_codec().encode(
            jobs.ReconcileOrders(world.account_id, SyncTrigger.SCHEDULE, log_id=99)
        ),
        topic="reconcile_orders",
        error="Unavailable: 503",
        attempts=3,
        failed_at=NOW,
        account_id=world.account_id,
    )
    async with world.uow() as uow:
        letter = await uow.dead_letters.add(letter)
        await uow.commit()
    world.queue.available = False

    await world.container.replay_dead_letter()(letter.id)

    [requested] = await world.logs(SyncKind.ORDERS)
    assert requested.status is SyncStatus.QUEUED
    world.queue.available = True
    world.clock.advance(GRACE.total_seconds() + 1)
    await world.sweep()
    assert world.queue.jobs == [
        jobs.ReconcileOrders(world.account_id, SyncTrigger.SCHEDULE, log_id=requested.id)
    ]


async def test_the_replay_a_reconnection_asked_for_is_sent_again_if_its_job_was_lost(world):
    async with world.uow() as uow:
        await uow.dead_letters.add(
            DeadLetter(
                source=DeadLetterSource.NOTIFICATION,
                reference="42",
                topic="orders_v2",
                error="ReauthorizationRequired: ...",
                attempts=1,
                failed_at=NOW,
                account_id=world.account_id,
            )
        )
        account = await uow.accounts.get(world.account_id)
        account.reconnected("SELLER", "MLA", NOW + timedelta(minutes=1))
        await uow.accounts.save(account)
        await uow.commit()

    world.clock.advance(60 + GRACE.total_seconds() + 1)
    queued = await world.sweep()

    assert queued["replays"] == 1
    assert world.queue.jobs == [jobs.ReplayDeadLetters(world.account_id)]
    await world.run_queued()
    assert (await world.sweep())["replays"] == 0
