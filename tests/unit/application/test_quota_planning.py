"""The periodic reads follow the quota plan (domain.quota_plan): a sliced catalogue or
stock read covers its slice only, one round of slices covers the whole catalogue at the
cost of one whole read (§4.11), and the fan-out asks each account for what the plan has
due, accounts with a gap first."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from application import jobs
from application.inventory.stock_writer import StockWriter
from application.inventory.sync_inventory import SyncInventory
from application.operations.check_health import CheckHealth
from application.operations.fan_out import FanOut
from application.quota.plan_periodic_work import (
    RECENT_GAP,
    PlanPeriodicWork,
    QuotaSettings,
    misfit_warning,
)
from application.sync_logs.requests import read_slice, request_sync_in
from domain.accounts import Account
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.notifications import RECOVERED, InboxEntry, InboxStatus, Notification
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
    PlannedKind.MESSAGES: 900,
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
        self.settings = QuotaSettings(quota, 0.5, INTERVALS, 10.0)

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
        return FanOut(
            self.uow, self.world.clock, PlanPeriodicWork(self.uow, self.settings, self.world.clock)
        )


async def test_a_requested_slice_keeps_its_passes():
    """The part a run reads is stored with the request (so a run again reads the same):
    the passes over the detail slices too."""
    world = World()
    account_id = await world.account()
    part = ReadSlice(5, 7, scan_first=True, passes=3)
    log_id = await requested(world, jobs.SyncCatalogue, account_id, part)
    async with world.uow() as uow:
        log = await uow.sync_logs.get(log_id)
    assert read_slice(log) == part and read_slice(log).detail_slices == 2


async def test_the_fan_out_asks_a_large_account_for_a_slice_and_the_small_one_for_all():
    place = Installation(quota=2_000)
    large = await place.account(1, 20_000)
    small = await place.account(2, 50)
    plan = await PlanPeriodicWork(place.uow, place.settings, place.world.clock).plan()
    assert misfit_warning(plan) is not None
    products = plan.job(large, PlannedKind.PRODUCTS)
    whole = plan.job(small, PlannedKind.PRODUCTS)
    assert products.slices > 1 and whole.slices == 1
    slot = 3 * products.runs_every * whole.runs_every  # both due, the large one past its scan
    asked = await place.fan_out()("sync_catalogue", SyncTrigger.SCHEDULE, slot=slot)
    assert asked == 2
    async with place.uow() as uow:
        logs = {a: await uow.sync_logs.find_queued(a, SyncKind.PRODUCTS) for a in (large, small)}
    assert read_slice(logs[large]) == products.slice_at(slot)
    assert read_slice(logs[small]) == ReadSlice()


async def test_a_fan_out_run_by_hand_asks_every_account_even_between_due_slots():
    place = Installation(quota=2_900)
    large = await place.account(1, 20_000)
    plan = await PlanPeriodicWork(place.uow, place.settings, place.world.clock).plan()
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


async def test_a_small_installation_fans_out_whole_reads_on_the_slots_due():
    place = Installation()
    ids = [await place.account(n, 100) for n in (1, 2, 3)]
    plan = await PlanPeriodicWork(place.uow, place.settings, place.world.clock).plan()
    assert plan.fits_as_configured and misfit_warning(plan) is None
    every = {plan.job(i, PlannedKind.PRODUCTS).runs_every for i in ids}
    assert every == {14}, "whole reads every 14 ticks of 90 s: within the 30 minutes"
    assert await place.fan_out()("sync_catalogue", SyncTrigger.SCHEDULE, slot=5) == 0
    assert await place.fan_out()("sync_catalogue", SyncTrigger.SCHEDULE, slot=14 * 4) == 3
    async with place.uow() as uow:
        for account_id in ids:
            log = await uow.sync_logs.find_queued(account_id, SyncKind.PRODUCTS)
            assert read_slice(log) == ReadSlice() and "slices" not in log.counts


async def test_health_tells_when_the_configured_intervals_do_not_fit():
    place = Installation(quota=2_000)
    planner = PlanPeriodicWork(place.uow, place.settings, place.world.clock)
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


async def test_accounts_with_notifications_recovered_from_the_missed_feeds_come_first():
    """A missed feed is a notification gap like a dead letter (§9.5): the account whose
    notification was recovered lately is planned (and asked) first, until RECENT_GAP."""
    place = Installation()
    first = await place.account(1, 10)
    second = await place.account(2, 10)
    notification = Notification("m-1", "items", "/items/MLA1", 2, 1)
    async with place.uow() as uow:
        await uow.inbox.add(InboxEntry(notification, InboxStatus.PROCESSED, NOW, origin=RECOVERED))
        await uow.commit()
    planner = PlanPeriodicWork(place.uow, place.settings, place.world.clock)
    plan = await planner.plan()
    assert [(a.account_id, a.gap) for a in plan.accounts] == [(second, True), (first, False)]
    await place.fan_out()("reconcile_orders", SyncTrigger.SCHEDULE, slot=0)
    assert [job.account_id for job in place.queue.jobs] == [second, first]
    place.world.clock.advance((RECENT_GAP + timedelta(seconds=1)).total_seconds())
    plan = await planner.plan()
    assert [(a.account_id, a.gap) for a in plan.accounts] == [(first, False), (second, False)]


async def test_without_a_plan_the_catalogue_is_read_whole_once_per_interval():
    """The catalogue's fan-out ticks twenty times an interval for the plan; without one,
    every account reads everything on one tick in twenty (once per interval)."""
    place = Installation()
    await place.account(1, 10)
    fan_out = FanOut(place.uow, place.world.clock)
    assert await fan_out("sync_catalogue", SyncTrigger.SCHEDULE, slot=3) == 0
    assert await fan_out("sync_catalogue", SyncTrigger.SCHEDULE, slot=40) == 1
    assert await fan_out("reconcile_orders", SyncTrigger.SCHEDULE, slot=3) == 1


async def test_a_run_reads_first_what_notifications_announced_since_the_last_run():
    """Freshness without full reads: whatever slice a run covers, it first reads the
    listings the seller's `items` notifications (live or recovered, §9.5) announced
    since the last run that succeeded; each listing once."""
    world = World()
    account_id = await world.account()
    everything = listings(1000, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)
    world.clock.advance(60)
    part = ReadSlice(1, 4)
    outside = [x.item_id for x in everything if not part.holds(x.item_id)][:3]
    inside = next(x.item_id for x in everything if part.holds(x.item_id))
    async with world.uow() as uow:
        for n, (item_id, origin) in enumerate(
            [(outside[0], "live"), (outside[1], RECOVERED), (outside[2], "live"), (inside, "live")]
        ):
            notification = Notification(f"n-{n}", "items", f"/items/{item_id}", 202593498, 1)
            received = world.clock.now() + timedelta(seconds=n)
            await uow.inbox.add(
                InboxEntry(notification, InboxStatus.PROCESSED, received, origin=origin)
            )
        await uow.commit()
    world.clock.advance(10)
    catalogue = FakeListingGateway(everything)
    log_id = await requested(world, jobs.SyncCatalogue, account_id, part)
    log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE, log_id=log_id)
    assert log.status is SyncStatus.SUCCEEDED
    assert log.counts["changed_first"] == 4
    # The first multiget holds the changed listings, the latest announced first.
    assert catalogue.fetched_ids[:4] == [inside, outside[2], outside[1], outside[0]]
    in_slice = {x.item_id for x in everything if part.holds(x.item_id)}
    assert Counter(catalogue.fetched_ids) == Counter(in_slice | set(outside))
    # Nothing announced since that run began: the next one reads its slice only.
    again = FakeListingGateway(everything)
    log_id = await requested(world, jobs.SyncCatalogue, account_id, part)
    log = await world.sync(again)(account_id, SyncTrigger.SCHEDULE, log_id=log_id)
    assert "changed_first" not in log.counts
    assert sorted(again.fetched_ids) == sorted(in_slice)
