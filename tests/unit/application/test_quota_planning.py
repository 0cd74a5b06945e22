"""The periodic reads follow the quota plan (domain.quota_plan): a sliced catalogue or
stock read covers its slice only, one round of slices covers the whole catalogue at the
cost of one whole read (§4.11), and the fan-out asks each account for what the plan has
due, accounts with a gap first."""

from __future__ import annotations

import math
from collections import Counter

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from application import jobs
from application.inventory.stock_writer import StockWriter
from application.inventory.sync_inventory import SyncInventory
from application.operations.check_health import CheckHealth
from application.operations.fan_out import FanOut
from application.quota.plan_periodic_work import PlanPeriodicWork, QuotaSettings, misfit_warning
from application.sync_logs.requests import read_slice, request_sync_in
from domain.accounts import Account
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.quota_plan import PlannedKind, ReadSlice
from domain.sync import SyncKind, SyncStatus, SyncTrigger
from tests.fakes import FakeListingGateway
from tests.fakes.lock import ProcessLock
from tests.unit.application.test_catalogue_sync import NOW, World, listings

INTERVALS = {
    PlannedKind.PRODUCTS: 1800,
    PlannedKind.INVENTORY: 3600,
    PlannedKind.ORDERS: 600,
    PlannedKind.QUESTIONS: 900,
    PlannedKind.MISSED_FEEDS: 3600,
}


async def requested(world: World, job_type, account_id: int, part: ReadSlice) -> int:
    async with world.uow() as uow:
        log = await request_sync_in(uow, job_type, account_id, SyncTrigger.SCHEDULE, NOW, part)
        await uow.commit()
    assert log.id is not None
    return log.id


async def test_a_round_of_slices_reads_every_listing_once_at_the_cost_of_one_whole_read():
    world = World()
    account_id = await world.account()
    everything = listings(1000, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)
    catalogue = FakeListingGateway(everything)
    slices = 4
    for index in range(slices):
        log_id = await requested(world, jobs.SyncCatalogue, account_id, ReadSlice(index, slices))
        log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE, log_id=log_id)
        assert log.status is SyncStatus.SUCCEEDED
        assert read_slice(log) == ReadSlice(index, slices)
    assert Counter(catalogue.fetched_ids) == Counter({i: 1 for i in catalogue.items})
    # The scan once per round; the multigets of each slice round up on their own.
    assert catalogue.calls["scan_item_ids"] == math.ceil(1000 / 100)
    assert catalogue.calls["get_listings"] <= math.ceil(1000 / 20) + slices


async def test_the_scanning_slice_fetches_new_listings_and_marks_the_disappeared():
    world = World()
    account_id = await world.account()
    everything = listings(200, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)
    newcomers = listings(30, account_id, start=2000000000)
    catalogue = FakeListingGateway(everything[:150] + newcomers)
    log_id = await requested(world, jobs.SyncCatalogue, account_id, ReadSlice(0, 3))
    log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE, log_id=log_id)
    assert log.counts["created"] == 30
    assert log.counts["removed"] == 50
    fetched = set(catalogue.fetched_ids)
    assert {n.item_id for n in newcomers} <= fetched
    old = fetched - {n.item_id for n in newcomers}
    assert old and all(ReadSlice(0, 3).holds(i) for i in old)


async def test_a_slice_that_does_not_scan_marks_nothing_removed():
    world = World()
    account_id = await world.account()
    everything = listings(200, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)
    catalogue = FakeListingGateway(everything[:100])
    log_id = await requested(world, jobs.SyncCatalogue, account_id, ReadSlice(1, 2))
    log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE, log_id=log_id)
    assert catalogue.calls["scan_item_ids"] == 0
    assert "removed" not in log.counts
    assert all(ReadSlice(1, 2).holds(i) for i in catalogue.fetched_ids)


async def test_a_sliced_stock_check_reads_its_slice_only():
    world = World()
    account_id = await world.account()
    everything = listings(400, account_id)
    catalogue = FakeListingGateway(everything)
    await world.sync(catalogue)(account_id, SyncTrigger.API)
    part = ReadSlice(2, 5)
    log_id = await requested(world, jobs.SyncInventory, account_id, part)
    sync = SyncInventory(
        world.uow,
        catalogue,
        StockWriter(world.uow, catalogue, ProcessLock(), world.clock),
        world.clock,
    )
    log = await sync(account_id, SyncTrigger.SCHEDULE, log_id=log_id)
    assert log.status is SyncStatus.SUCCEEDED
    in_slice = [i for i in catalogue.items if part.holds(i)]
    assert log.counts["checked"] == len(in_slice)
    assert log.api_calls == math.ceil(len(in_slice) / 20)


class Installation:
    def __init__(self, quota: int = 10_000) -> None:
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.world = World()
        self.world.store = self.store
        self.settings = QuotaSettings(quota, 0.5, INTERVALS)

    def uow(self):
        return InMemoryUnitOfWork(self.store, self.queue)

    async def account(self, seller_id: int, size: int, gap: bool = False) -> int:
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(seller_id, "MLA", f"SELLER{seller_id}"))
            await uow.listings.upsert(listings(size, account.id, start=seller_id * 1_000_000))
            if gap:
                await uow.dead_letters.add(
                    DeadLetter(
                        DeadLetterSource.NOTIFICATION, "7", "items", "failed", 3, NOW, account.id
                    )
                )
            await uow.commit()
        return account.id

    def fan_out(self) -> FanOut:
        return FanOut(self.uow, self.world.clock, PlanPeriodicWork(self.uow, self.settings))


async def test_the_fan_out_asks_a_large_account_for_a_slice_and_the_small_one_for_all():
    place = Installation(quota=2_000)
    large = await place.account(1, 20_000)
    small = await place.account(2, 50)
    plan = await PlanPeriodicWork(place.uow, place.settings).plan()
    assert misfit_warning(plan) is not None
    products = plan.job(large, PlannedKind.PRODUCTS)
    assert products.slices > 1 and plan.job(small, PlannedKind.PRODUCTS).slices == 1
    asked = await place.fan_out()("sync_catalogue", SyncTrigger.SCHEDULE, slot=7)
    assert asked == 2
    async with place.uow() as uow:
        logs = {a: await uow.sync_logs.find_queued(a, SyncKind.PRODUCTS) for a in (large, small)}
    assert read_slice(logs[large]) == products.slice_at(7)
    assert read_slice(logs[small]) == ReadSlice()


async def test_a_fan_out_run_by_hand_asks_every_account_even_between_due_slots():
    place = Installation(quota=2_900)
    large = await place.account(1, 20_000)
    plan = await PlanPeriodicWork(place.uow, place.settings).plan()
    products = plan.job(large, PlannedKind.PRODUCTS)
    assert products.runs_every > 1
    not_due = next(s for s in range(10) if not products.due(s))
    assert await place.fan_out()("sync_catalogue", SyncTrigger.SCHEDULE, slot=not_due) == 0
    assert await place.fan_out()("sync_catalogue", SyncTrigger.CLI) == 1


async def test_accounts_with_a_gap_are_asked_first():
    place = Installation()
    first = await place.account(1, 10)
    second = await place.account(2, 10, gap=True)
    await place.fan_out()("reconcile_orders", SyncTrigger.SCHEDULE, slot=0)
    queued = [job.account_id for job in place.queue.jobs]
    assert queued == [second, first]


async def test_a_small_installation_fans_out_exactly_as_before():
    place = Installation()
    ids = [await place.account(n, 100) for n in (1, 2, 3)]
    plan = await PlanPeriodicWork(place.uow, place.settings).plan()
    assert plan.fits_as_configured and misfit_warning(plan) is None
    assert await place.fan_out()("sync_catalogue", SyncTrigger.SCHEDULE, slot=5) == 3
    async with place.uow() as uow:
        for account_id in ids:
            log = await uow.sync_logs.find_queued(account_id, SyncKind.PRODUCTS)
            assert read_slice(log) == ReadSlice() and "slices" not in log.counts


async def test_health_tells_when_the_configured_intervals_do_not_fit():
    place = Installation(quota=2_000)
    planner = PlanPeriodicWork(place.uow, place.settings)
    health = CheckHealth([], place.world.clock, planner=planner)
    assert (await health()).checks == ()
    await place.account(1, 20_000)
    report = await health()
    assert report.ok, "a plan that slices is a warning, not an outage"
    (check,) = report.checks
    assert check.name == "quota_plan" and check.ok
    assert "read in slices" in check.detail and "1000" in check.detail


async def test_a_round_that_scans_first_reads_every_listing_once_and_scans_alone():
    world = World()
    account_id = await world.account()
    everything = listings(600, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)
    newcomers = listings(10, account_id, start=2000000000)
    catalogue = FakeListingGateway(everything + newcomers)
    calls = []
    for index in range(4):
        before = sum(catalogue.calls.values())
        part = ReadSlice(index, 4, scan_first=True)
        log_id = await requested(world, jobs.SyncCatalogue, account_id, part)
        log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE, log_id=log_id)
        assert read_slice(log) == part
        calls.append(sum(catalogue.calls.values()) - before)
    # The scan-only part fetches only what is not stored yet, with their descriptions.
    assert calls[0] == math.ceil(610 / 100) + 1 + len(newcomers)
    fetched = Counter(catalogue.fetched_ids)
    # Every listing once; a newcomer again with its detail slice, now that it is stored.
    assert all(fetched[listing.item_id] == 1 for listing in everything)
    assert all(1 <= fetched[listing.item_id] <= 2 for listing in newcomers)
    assert sum(calls[1:]) <= math.ceil(610 / 20) + 3
