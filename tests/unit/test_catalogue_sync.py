"""The catalogue sync: minimum calls, flat memory, scroll expiry, removals (§4.11)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application.catalogue import SyncCatalogue
from application.queries import ListingQuery
from domain.accounts import Account
from domain.listings import Listing
from domain.money import Money
from domain.sync import SyncStatus, SyncTrigger
from tests.fakes import FakeCatalogue

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def listings(count: int, account_id: int, start: int = 1000000000) -> list[Listing]:
    return [
        Listing(
            f"MLA{start + n}",
            account_id,
            202593498,
            f"Item {n}",
            "MLA1055",
            Money.of(100 + n, "ARS"),
            n % 7,
        )
        for n in range(count)
    ]


class World:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.clock = ManualClock(NOW)

    def uow(self):
        return InMemoryUnitOfWork(self.store, InMemoryJobQueue())

    async def account(self) -> int:
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(202593498, "MLA", "SELLER"))
            await uow.commit()
        return account.id

    def sync(self, catalogue, safety_stock=0):
        return SyncCatalogue(self.uow, catalogue, self.clock, safety_stock=safety_stock)


async def test_a_catalogue_costs_one_scan_page_per_100_and_one_multiget_per_20():
    world = World()
    account_id = await world.account()
    catalogue = FakeCatalogue(listings(1234, account_id))
    progress = []
    log = await world.sync(catalogue)(
        account_id, SyncTrigger.CLI, lambda done, total: progress.append((done, total))
    )
    assert log.status is SyncStatus.SUCCEEDED
    assert catalogue.calls == {"scan": math.ceil(1234 / 100), "multiget": math.ceil(1234 / 20)}
    assert log.api_calls == math.ceil(1234 / 100) + math.ceil(1234 / 20)
    assert log.counts["fetched"] == 1234 and log.counts["created"] == 1234
    assert progress[-1] == (1234, 1234)
    assert sorted(catalogue.fetched_ids) == sorted(catalogue.listings), "each id fetched once"
    async with world.uow() as uow:
        page = await uow.listings.search(ListingQuery(account_id=account_id))
        levels = await uow.inventory.for_items(["MLA1000000006"])
    assert page.total == 1234
    assert levels["MLA1000000006"][0].quantity == 6


async def test_an_expired_scroll_restarts_without_fetching_details_again():
    world = World()
    account_id = await world.account()
    catalogue = FakeCatalogue(listings(950, account_id), expire_after_pages=4)
    log = await world.sync(catalogue)(account_id, SyncTrigger.API)
    assert log.status is SyncStatus.SUCCEEDED
    assert log.counts["scan_restarts"] == 1
    assert sorted(catalogue.fetched_ids) == sorted(catalogue.listings)
    assert catalogue.calls["multiget"] == math.ceil(950 / 20)


async def test_a_second_run_updates_and_marks_listings_that_disappeared():
    world = World()
    account_id = await world.account()
    everything = listings(300, account_id)
    await world.sync(FakeCatalogue(everything))(account_id, SyncTrigger.API)
    log = await world.sync(FakeCatalogue(everything[:250]))(account_id, SyncTrigger.API)
    assert log.counts["updated"] == 250 and log.counts["removed"] == 50
    async with world.uow() as uow:
        gone = await uow.listings.find(everything[-1].item_id)
    assert gone.removed_at == NOW


async def test_failed_multigets_make_a_partial_run_that_removes_nothing_wrongly():
    world = World()
    account_id = await world.account()
    everything = listings(100, account_id)
    await world.sync(FakeCatalogue(everything))(account_id, SyncTrigger.API)
    failing = frozenset({everything[5].item_id})
    log = await world.sync(FakeCatalogue(everything, failing_ids=failing))(
        account_id, SyncTrigger.API
    )
    assert log.status is SyncStatus.PARTIAL
    assert log.counts["errors"] == 1 and "503" in log.errors[0]
    assert log.counts["fetched"] == 80 and log.counts.get("removed", 0) == 0


async def test_new_stock_levels_keep_the_safety_stock_back():
    world = World()
    account_id = await world.account()
    await world.sync(FakeCatalogue(listings(10, account_id)), safety_stock=2)(
        account_id, SyncTrigger.API
    )
    async with world.uow() as uow:
        [level] = (await uow.inventory.for_items(["MLA1000000003"]))["MLA1000000003"]
    assert (level.quantity, level.safety_stock, level.publishable) == (5, 2, 3)


async def test_a_scan_that_keeps_failing_fails_the_run_and_removes_nothing():
    from application.errors import Unavailable

    world = World()
    account_id = await world.account()
    await world.sync(FakeCatalogue(listings(50, account_id)))(account_id, SyncTrigger.API)

    class Down(FakeCatalogue):
        async def scan_item_ids(self, *args, **kwargs):
            raise Unavailable("MercadoLibre is down")

    log = await world.sync(Down([]))(account_id, SyncTrigger.SCHEDULE)
    assert log.status is SyncStatus.FAILED and "down" in log.errors[0]
    async with world.uow() as uow:
        assert len(await uow.listings.item_ids(account_id)) == 50
