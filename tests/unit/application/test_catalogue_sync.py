"""The catalogue sync: minimum calls, flat memory, scroll expiry, removals (§4.11)."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.memory.repositories.listings import InMemoryListingRepository
from adapters.system.clock import ManualClock
from application.errors import Unavailable
from application.listings.sync_catalogue import SyncCatalogue
from application.listings.sync_listing import SyncListing
from application.queries import ListingQuery, SyncLogQuery
from domain.accounts import Account
from domain.listings import Listing
from domain.money import Money
from domain.sync import SyncLog, SyncStatus, SyncTrigger
from tests.fakes import FakeListingGateway

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


def described(catalogue) -> list[Listing]:
    """The listings as a sync that read their descriptions stored them: "" for none."""
    return [attrs.evolve(listing, description=listing.description or "") for listing in catalogue]


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
    catalogue = FakeListingGateway(listings(1234, account_id))
    await given_stored(world, *described(catalogue.items.values()))
    progress = []
    log = await world.sync(catalogue)(
        account_id, SyncTrigger.CLI, lambda done, total: progress.append((done, total))
    )
    assert log.status is SyncStatus.SUCCEEDED
    assert catalogue.calls == {
        "scan_item_ids": math.ceil(1234 / 100),
        "get_listings": math.ceil(1234 / 20),
    }, "descriptions stored: none is read again"
    assert log.api_calls == math.ceil(1234 / 100) + math.ceil(1234 / 20)
    assert log.counts["fetched"] == 1234 and log.counts["unchanged"] == 1234
    assert progress[-1] == (1234, 1234)
    assert sorted(catalogue.fetched_ids) == sorted(catalogue.items), "each id fetched once"
    async with world.uow() as uow:
        page = await uow.listings.search(ListingQuery(account_id=account_id))
        levels = await uow.inventory.for_items(["MLA1000000006"])
    assert page.total == 1234
    assert levels["MLA1000000006"][0].quantity == 6


async def test_an_expired_scroll_restarts_without_fetching_details_again():
    world = World()
    account_id = await world.account()
    catalogue = FakeListingGateway(listings(950, account_id))
    catalogue.expire_scroll_after_pages = 4
    log = await world.sync(catalogue)(account_id, SyncTrigger.API)
    assert log.status is SyncStatus.SUCCEEDED
    assert log.counts["scan_restarts"] == 1
    assert sorted(catalogue.fetched_ids) == sorted(catalogue.items)
    assert catalogue.calls["get_listings"] == math.ceil(950 / 20)


async def test_a_second_run_updates_and_marks_listings_that_disappeared():
    world = World()
    account_id = await world.account()
    everything = listings(300, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)
    changed = [attrs.evolve(listing, title=f"{listing.title} v2") for listing in everything[:10]]
    log = await world.sync(FakeListingGateway(changed + everything[10:250]))(
        account_id, SyncTrigger.API
    )
    assert (log.counts["updated"], log.counts["unchanged"]) == (10, 240)
    assert log.counts["removed"] == 50
    assert (await stored_listing(world, changed[0].item_id)).title == "Item 0 v2"
    async with world.uow() as uow:
        gone = await uow.listings.find(everything[-1].item_id)
    assert gone.removed_at == NOW


async def test_failed_multigets_make_a_partial_run_that_removes_nothing_wrongly():
    world = World()
    account_id = await world.account()
    everything = listings(100, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)
    failing = FakeListingGateway(everything)
    failing.errors[("get_listings", everything[5].item_id)] = Unavailable(
        "503 from MercadoLibre (after 5 attempts)"
    )
    log = await world.sync(failing)(account_id, SyncTrigger.API)
    assert log.status is SyncStatus.PARTIAL
    assert log.counts["errors"] == 1 and "503" in log.errors[0]
    assert log.counts["fetched"] == 80 and log.counts.get("removed", 0) == 0


async def test_new_stock_levels_keep_the_safety_stock_back():
    world = World()
    account_id = await world.account()
    await world.sync(FakeListingGateway(listings(10, account_id)), safety_stock=2)(
        account_id, SyncTrigger.API
    )
    async with world.uow() as uow:
        [level] = (await uow.inventory.for_items(["MLA1000000003"]))["MLA1000000003"]
    assert (level.quantity, level.safety_stock, level.publishable) == (5, 2, 3)


async def test_a_scan_that_keeps_failing_fails_the_run_and_removes_nothing():
    world = World()
    account_id = await world.account()
    await world.sync(FakeListingGateway(listings(50, account_id)))(account_id, SyncTrigger.API)

    class Down(FakeListingGateway):
        async def scan_item_ids(self, *args, **kwargs):
            raise Unavailable("MercadoLibre is down")

    log = await world.sync(Down([]))(account_id, SyncTrigger.SCHEDULE)
    assert log.status is SyncStatus.FAILED and "down" in log.errors[0]
    async with world.uow() as uow:
        assert len(await uow.listings.item_ids(account_id)) == 50


# -- review findings: descriptions, concurrent writes, short pages, unexpected errors ------


async def given_stored(world: World, *stored: Listing) -> None:
    async with world.uow() as uow:
        await uow.listings.upsert(stored)
        await uow.commit()


async def stored_listing(world: World, item_id: str) -> Listing:
    async with world.uow() as uow:
        return await uow.listings.get(item_id)


async def test_a_catalogue_sync_keeps_the_descriptions_it_does_not_read():
    """Multigets come without description (§4.11 `attributes=`, §4.7: its own resource),
    so a sync must not erase the one stored."""
    world = World()
    account_id = await world.account()
    catalogue = listings(30, account_id)
    described = attrs.evolve(catalogue[3], description="Mate de calabaza.\nHecho a mano.")
    await given_stored(world, described)

    log = await world.sync(FakeListingGateway(catalogue))(account_id, SyncTrigger.API)

    assert log.status is SyncStatus.SUCCEEDED and log.counts["unchanged"] == 1
    stored = await stored_listing(world, described.item_id)
    assert stored.description == "Mate de calabaza.\nHecho a mano."


async def test_the_first_sync_reads_every_description_and_the_next_only_the_changed_ones():
    """Issue 18: multigets leave descriptions out (§4.7), so the first sync reads each
    one (GET /items/{id}/description) and counts the calls; the next costs the scan and
    the multigets only, plus one read per listing MercadoLibre changed since
    (`last_updated`). A listing without description is stored with "" and not read
    again."""
    world = World()
    account_id = await world.account()
    catalogue = [attrs.evolve(listing, last_updated=NOW) for listing in listings(130, account_id)]
    for listing in catalogue[::2]:
        listing.description = f"Descripción de {listing.title}.\nEnvío gratis."
    gateway = FakeListingGateway(catalogue)

    first = await world.sync(gateway)(account_id, SyncTrigger.API)

    assert first.status is SyncStatus.SUCCEEDED
    assert gateway.calls["get_description"] == 130
    assert first.counts["description_calls"] == 130
    assert first.api_calls == math.ceil(130 / 100) + math.ceil(130 / 20) + 130
    stored = await stored_listing(world, catalogue[0].item_id)
    assert stored.description == "Descripción de Item 0.\nEnvío gratis."
    assert (await stored_listing(world, catalogue[1].item_id)).description == ""

    gateway.calls.clear()
    second = await world.sync(gateway)(account_id, SyncTrigger.SCHEDULE)

    assert second.api_calls == math.ceil(130 / 100) + math.ceil(130 / 20)
    assert "get_description" not in gateway.calls and "description_calls" not in second.counts
    assert second.counts["unchanged"] == 130

    changed = gateway.items[catalogue[4].item_id]
    changed.title, changed.last_updated = "Item 4 v2", NOW + timedelta(minutes=1)
    gateway.descriptions[changed.item_id] = "Nueva descripción."
    gateway.calls.clear()
    third = await world.sync(gateway)(account_id, SyncTrigger.SCHEDULE)

    assert gateway.calls["get_description"] == 1 and third.counts["description_calls"] == 1
    assert (await stored_listing(world, changed.item_id)).description == "Nueva descripción."


async def test_a_description_that_fails_is_the_listings_error_and_is_read_next_time():
    world = World()
    account_id = await world.account()
    catalogue = listings(25, account_id)
    catalogue[7].description = "Texto."
    gateway = FakeListingGateway(catalogue)
    gateway.errors[("get_description", catalogue[7].item_id)] = Unavailable("503 from MercadoLibre")

    first = await world.sync(gateway)(account_id, SyncTrigger.API)

    assert first.status is SyncStatus.PARTIAL and first.counts["created"] == 25
    (error,) = first.errors
    assert error.startswith(f"{catalogue[7].item_id}: description not read: ")
    assert (await stored_listing(world, catalogue[7].item_id)).description is None

    del gateway.errors[("get_description", catalogue[7].item_id)]
    gateway.calls.clear()
    second = await world.sync(gateway)(account_id, SyncTrigger.API)

    assert second.status is SyncStatus.SUCCEEDED and gateway.calls["get_description"] == 1
    assert (await stored_listing(world, catalogue[7].item_id)).description == "Texto."


async def test_a_copy_older_than_the_stored_listing_does_not_undo_it():
    """A sync that read a listing just before a PUT stored MercadoLibre's newer answer
    (later `last_updated`, §4.3) must not put the old price back."""
    world = World()
    account_id = await world.account()
    catalogue = listings(3, account_id)
    read_before = attrs.evolve(catalogue[1], last_updated=NOW)
    newer = attrs.evolve(
        catalogue[1], price=Money.of(999, "ARS"), last_updated=NOW + timedelta(seconds=5)
    )
    await given_stored(world, newer)

    log = await world.sync(FakeListingGateway([catalogue[0], read_before, catalogue[2]]))(
        account_id, SyncTrigger.API
    )

    assert log.status is SyncStatus.SUCCEEDED
    assert (await stored_listing(world, newer.item_id)).price == Money.of(999, "ARS")
    assert log.counts["created"] == 2 and log.counts.get("updated", 0) == 0


async def test_a_single_listing_sync_stores_the_description_it_reads_and_keeps_a_missing_one():
    """SyncListing reads GET /items/{id}/description (§4.7): a description read replaces
    the stored one; none (404) keeps it, as descriptions cannot be deleted (§4.7)."""
    world = World()
    account_id = await world.account()
    first, second = listings(2, account_id)
    await given_stored(
        world,
        attrs.evolve(first, description="old text"),
        attrs.evolve(second, description="kept text"),
    )
    gateway = FakeListingGateway([attrs.evolve(first, description="new text"), second])
    sync = SyncListing(world.uow, gateway, world.clock)

    assert (await sync(account_id, first.item_id)).description == "new text"
    await sync(account_id, second.item_id)

    assert (await stored_listing(world, first.item_id)).description == "new text"
    assert (await stored_listing(world, second.item_id)).description == "kept text"


async def test_a_listing_stored_while_the_sync_runs_is_not_marked_removed():
    """POST /products (or a notification's SyncListing) may store a listing the scan
    has already passed; only listings stored before the run started can have
    disappeared."""
    world = World()
    account_id = await world.account()
    old = listings(20, account_id)
    await world.sync(FakeListingGateway(old))(account_id, SyncTrigger.API)
    [created] = listings(1, account_id, start=2000000000)

    async def create_listing_meanwhile():
        world.clock.advance(5)
        await given_stored(world, created)

    catalogue = FakeListingGateway(old[:15])
    catalogue.hooks["scan_item_ids"] = create_listing_meanwhile
    log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE)

    assert log.counts["removed"] == 5
    assert (await stored_listing(world, created.item_id)).removed_at is None
    assert (await stored_listing(world, old[-1].item_id)).removed_at is not None


async def test_a_listing_mercadolibre_changed_during_the_run_is_not_marked_removed():
    """A stored listing the scan missed but that a notification re-read during the run,
    changed on MercadoLibre (last_updated) after the run started, is alive."""
    world = World()
    account_id = await world.account()
    old = listings(20, account_id)
    await world.sync(FakeListingGateway(old))(account_id, SyncTrigger.API)
    changed = attrs.evolve(old[-1], last_updated=NOW + timedelta(seconds=3))

    async def notification_meanwhile():
        world.clock.advance(5)
        await SyncListing(world.uow, FakeListingGateway([changed]), world.clock)(
            account_id, changed.item_id
        )

    catalogue = FakeListingGateway(old[:15])
    catalogue.hooks["scan_item_ids"] = notification_meanwhile
    log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE)

    assert log.counts["removed"] == 4
    assert (await stored_listing(world, changed.item_id)).removed_at is None
    assert (await stored_listing(world, old[-2].item_id)).removed_at is not None


class ShortPages(FakeListingGateway):
    """A scan that answers fewer ids than asked before its end: only an empty page or a
    null scroll ends it (§4.11)."""

    def __init__(self, listings, page_size: int, announced_total: int | None = None) -> None:
        super().__init__(listings)
        self.page_size = page_size
        self.announced_total = announced_total

    async def scan_item_ids(self, account_id, seller_id, scroll_id=None, limit=100):
        page = await super().scan_item_ids(account_id, seller_id, scroll_id, self.page_size)
        total = page.total if self.announced_total is None else self.announced_total
        return attrs.evolve(page, total=total)


async def test_a_short_scan_page_is_not_taken_for_the_end_of_the_catalogue():
    world = World()
    account_id = await world.account()
    everything = listings(250, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)

    catalogue = ShortPages(everything, page_size=60)
    log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE)

    assert log.status is SyncStatus.SUCCEEDED
    assert log.counts["fetched"] == 250 and log.counts.get("removed", 0) == 0
    # Every announced id came with the fifth page, so no empty page is asked for.
    assert catalogue.calls["scan_item_ids"] == math.ceil(250 / 60)


async def test_a_scan_that_announces_too_few_ids_still_runs_to_its_empty_page():
    world = World()
    account_id = await world.account()
    everything = listings(250, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)

    catalogue = ShortPages(everything, page_size=60, announced_total=300)
    log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE)

    assert log.counts["fetched"] == 250 and log.counts.get("removed", 0) == 0
    assert catalogue.calls["scan_item_ids"] == math.ceil(250 / 60) + 1, "the empty page ends it"


class Stuck(FakeListingGateway):
    """A scroll that keeps answering its first page."""

    async def scan_item_ids(self, account_id, seller_id, scroll_id=None, limit=100):
        page = await super().scan_item_ids(account_id, seller_id, None, limit)
        return attrs.evolve(page, scroll_id="stuck", total=page.total * 10)


async def test_a_scan_that_stops_advancing_fails_the_run_instead_of_looping():
    world = World()
    account_id = await world.account()
    everything = listings(250, account_id)
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)

    catalogue = Stuck(everything)
    log = await asyncio.wait_for(world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE), 5)

    assert log.status is SyncStatus.FAILED and "pages for 2500 listings" in log.errors[-1]
    assert log.counts.get("removed", 0) == 0
    assert catalogue.calls["scan_item_ids"] == 2500 // 100 + 3 + 1


class Broken(FakeListingGateway):
    async def get_listings(self, account_id, item_ids):
        raise RuntimeError("a bug in the gateway")


async def only_log(world: World) -> SyncLog:
    async with world.uow() as uow:
        page = await uow.sync_logs.search(SyncLogQuery())
    [sync_log] = page.items
    return sync_log


async def test_an_unexpected_error_finishes_the_log_as_failed_and_is_raised():
    world = World()
    account_id = await world.account()
    await given_stored(world, *listings(5, account_id))

    # Three multigets fail at once, so the group holds three RuntimeErrors.
    with pytest.raises(ExceptionGroup) as caught:
        await world.sync(Broken(listings(50, account_id)))(account_id, SyncTrigger.SCHEDULE)

    assert caught.group_contains(RuntimeError, match="a bug in the gateway")

    sync_log = await only_log(world)
    assert sync_log.status is SyncStatus.FAILED and sync_log.finished_at == NOW
    assert sync_log.errors == ["RuntimeError: a bug in the gateway"]
    async with world.uow() as uow:
        assert len(await uow.listings.item_ids(account_id)) == 5, "nothing marked removed"


async def test_a_cancelled_sync_finishes_its_log_as_failed():
    world = World()
    account_id = await world.account()
    scanning = asyncio.Event()

    class Stuck(FakeListingGateway):
        async def scan_item_ids(self, *args, **kwargs):
            scanning.set()
            await asyncio.Event().wait()

    run = asyncio.create_task(world.sync(Stuck([]))(account_id, SyncTrigger.CLI))
    await scanning.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    sync_log = await only_log(world)
    assert sync_log.status is SyncStatus.FAILED
    assert sync_log.errors == ["CancelledError"]


async def test_a_sync_with_nothing_changed_counts_every_listing_unchanged_and_writes_none(
    monkeypatch,
):
    """The 30-minute sync mostly sees what it stored last time: `updated` counts real
    changes only, and an unchanged row is not written again."""
    world = World()
    account_id = await world.account()
    catalogue = listings(50, account_id)
    await world.sync(FakeListingGateway(catalogue))(account_id, SyncTrigger.API)
    written: list[str] = []
    upsert = InMemoryListingRepository.upsert

    async def recording(self, listings):
        listings = list(listings)
        written.extend(listing.item_id for listing in listings)
        await upsert(self, listings)

    monkeypatch.setattr(InMemoryListingRepository, "upsert", recording)

    log = await world.sync(FakeListingGateway(catalogue))(account_id, SyncTrigger.SCHEDULE)

    assert log.status is SyncStatus.SUCCEEDED
    assert (log.counts["created"], log.counts["updated"], log.counts["unchanged"]) == (0, 0, 50)
    assert written == []


async def test_a_listing_back_on_mercadolibre_is_updated_not_unchanged():
    """`removed_at` is ours, but clearing it is a change: the listing is back."""
    world = World()
    account_id = await world.account()
    catalogue = listings(3, account_id)
    catalogue = described(catalogue)
    await given_stored(world, *catalogue[:2], attrs.evolve(catalogue[2], removed_at=NOW))

    log = await world.sync(FakeListingGateway(catalogue))(account_id, SyncTrigger.API)

    assert (log.counts["updated"], log.counts["unchanged"]) == (1, 2)
    assert (await stored_listing(world, catalogue[2].item_id)).removed_at is None


async def test_a_listing_the_database_cannot_store_is_its_error_and_the_others_are_stored(
    monkeypatch,
):
    """Issue 13: one listing the database refuses (a lone surrogate in its title, which
    PostgreSQL's driver cannot encode) no longer fails the whole catalogue sync: it is that
    listing's error in the log, and every other listing is stored."""
    world = World()
    account_id = await world.account()
    catalogue = listings(60, account_id)
    catalogue[33] = attrs.evolve(catalogue[33], title="Zapatilla \ud800")
    upsert = InMemoryListingRepository.upsert

    async def like_postgresql(self, batch):
        batch = list(batch)
        for listing in batch:
            listing.title.encode("utf-8")
        await upsert(self, batch)

    monkeypatch.setattr(InMemoryListingRepository, "upsert", like_postgresql)

    log = await world.sync(FakeListingGateway(catalogue))(account_id, SyncTrigger.API)

    assert log.status is SyncStatus.PARTIAL
    assert log.counts["errors"] == 1 and log.counts["created"] == 59
    (error,) = log.errors
    assert error.startswith(f"{catalogue[33].item_id}: not stored: UnicodeEncodeError")
    assert "\ud800" not in error, "the log itself must be storable"
    async with world.uow() as uow:
        stored = await uow.listings.search(ListingQuery(account_id=account_id))
        saved = await uow.sync_logs.get(log.id)
    assert stored.total == 59
    assert saved.status is SyncStatus.PARTIAL


async def test_the_database_unavailable_still_fails_the_catalogue_sync(monkeypatch):
    from application.errors import Unavailable

    world = World()
    account_id = await world.account()

    async def down(self, batch):
        raise Unavailable("database unavailable: connection refused")

    monkeypatch.setattr(InMemoryListingRepository, "upsert", down)

    log = await world.sync(FakeListingGateway(listings(30, account_id)))(
        account_id, SyncTrigger.API
    )

    assert log.status is SyncStatus.FAILED
    assert any("database unavailable" in error for error in log.errors)
