"""A sliced catalogue run the plan marks `fresh` first reads the seller's latest changed
listings (mercadolibre-api.md §4.11 `orders=last_updated_desc`) and stores those newer
than the local copy, stopping at the first that is not (application.listings.latest_changed)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import attrs

from application import jobs
from application.errors import Unavailable
from domain.money import Money
from domain.quota_plan import FRESHNESS_EVERY, ReadSlice
from domain.sync import SyncStatus, SyncTrigger
from tests.fakes import FakeListingGateway
from tests.unit.application.test_catalogue_sync import NOW, World, listings
from tests.unit.application.test_quota_planning import requested

FRESH_SLICE = ReadSlice(1, 4, fresh=True)


async def stored_catalogue(world: World, count: int = 200):
    """An account whose `count` listings are stored, each changed a second after the
    one before; and MercadoLibre's copy of them."""
    account_id = await world.account()
    everything = [
        attrs.evolve(listing, last_updated=NOW - timedelta(days=1, seconds=-n))
        for n, listing in enumerate(listings(count, account_id))
    ]
    await world.sync(FakeListingGateway(everything))(account_id, SyncTrigger.API)
    return account_id, FakeListingGateway(everything)


def change(catalogue: FakeListingGateway, item_id: str, price: str, minutes_ago: int) -> None:
    listing = catalogue.items[item_id]
    listing.price = Money.of(price, "ARS")
    listing.last_updated = NOW - timedelta(minutes=minutes_ago)


async def stored_price(world: World, item_id: str) -> Money:
    async with world.uow() as uow:
        return (await uow.listings.get(item_id)).price


async def run_slice(
    world: World,
    catalogue,
    account_id: int,
    part: ReadSlice = FRESH_SLICE,
    status: SyncStatus = SyncStatus.SUCCEEDED,
):
    log_id = await requested(world, jobs.SyncCatalogue, account_id, part)
    log = await world.sync(catalogue)(account_id, SyncTrigger.SCHEDULE, log_id=log_id)
    assert log.status is status
    return log


async def test_the_latest_changed_listings_newer_than_the_local_copy_are_stored_first():
    world = World()
    account_id, catalogue = await stored_catalogue(world)
    ids = list(catalogue.items)
    changed = {ids[7]: "901", ids[120]: "902", ids[33]: "903"}
    for minutes, (item_id, price) in enumerate(changed.items()):
        change(catalogue, item_id, price, minutes_ago=10 - minutes)

    log = await run_slice(world, catalogue, account_id)

    for item_id, price in changed.items():
        assert await stored_price(world, item_id) == Money.of(price, "ARS")
    assert log.counts["latest_changed"] == 3
    assert log.counts["latest_changed_pages"] == 1
    assert catalogue.calls["recently_updated_item_ids"] == 1
    # One page and one multiget found them and the first listing not newer: the pass
    # stopped there. The slice reads its own listings, the changed ones not again; a
    # changed listing's description is read again (§4.7).
    in_slice = [i for i in ids if FRESH_SLICE.holds(i) and i not in changed]
    assert log.counts["description_calls"] == 3
    assert log.api_calls == 2 + -(-len(in_slice) // 20) + 3
    fetched = Counter(catalogue.fetched_ids)
    assert all(fetched[item_id] == 1 for item_id in changed)


async def test_a_listing_not_stored_yet_counts_as_newer():
    world = World()
    account_id, catalogue = await stored_catalogue(world, 50)
    newcomer = listings(1, account_id, start=2000000000)[0]
    catalogue.add(attrs.evolve(newcomer, last_updated=NOW - timedelta(minutes=1)))

    log = await run_slice(world, catalogue, account_id)

    assert log.counts["latest_changed"] == 1
    async with world.uow() as uow:
        assert await uow.listings.find(newcomer.item_id) is not None


async def test_the_pass_reads_further_pages_only_while_every_listing_is_newer():
    world = World()
    account_id, catalogue = await stored_catalogue(world, 150)
    for n, item_id in enumerate(list(catalogue.items)[:70]):
        change(catalogue, item_id, str(500 + n), minutes_ago=100 - n)

    log = await run_slice(world, catalogue, account_id)

    assert log.counts["latest_changed"] == 70
    assert catalogue.calls["recently_updated_item_ids"] == 2


async def test_the_pass_is_made_once_every_freshness_period_and_only_on_fresh_slices():
    world = World()
    account_id, catalogue = await stored_catalogue(world, 100)

    await run_slice(world, catalogue, account_id)
    again = await run_slice(world, catalogue, account_id, ReadSlice(2, 4, fresh=True))
    plain = await run_slice(world, catalogue, account_id, ReadSlice(3, 4))
    assert catalogue.calls["recently_updated_item_ids"] == 1
    assert "latest_changed_pages" not in again.counts | plain.counts

    world.clock.advance(FRESHNESS_EVERY + 1)
    later = await run_slice(world, catalogue, account_id)
    assert catalogue.calls["recently_updated_item_ids"] == 2
    assert later.counts["latest_changed_pages"] == 1
    assert later.counts["latest_changed"] == 0


async def test_a_failing_pass_is_an_error_of_the_run_and_the_slice_is_read():
    world = World()
    account_id, catalogue = await stored_catalogue(world, 100)

    async def down():
        raise Unavailable("MercadoLibre is down")

    catalogue.hooks["recently_updated_item_ids"] = down

    log = await run_slice(world, catalogue, account_id, status=SyncStatus.PARTIAL)

    assert any("latest changed" in error for error in log.errors)
    in_slice = {i for i in catalogue.items if FRESH_SLICE.holds(i)}
    assert set(catalogue.fetched_ids) == in_slice


async def test_a_lost_change_behind_stored_ones_is_found_down_to_the_last_complete_pass():
    world = World()
    account_id, catalogue = await stored_catalogue(world, 100)
    first = await run_slice(world, catalogue, account_id)
    assert first.counts["latest_changed_complete"] == 1
    world.clock.advance(FRESHNESS_EVERY + 1)
    ids = list(catalogue.items)
    lost, notified = ids[40], ids[60]
    change(catalogue, lost, "777", minutes_ago=-2)
    change(catalogue, notified, "888", minutes_ago=-4)
    # The notified change is stored already (its notification was processed).
    async with world.uow() as uow:
        stored = await uow.listings.get(notified)
        stored.price, stored.last_updated = (
            catalogue.items[notified].price,
            catalogue.items[notified].last_updated,
        )
        await uow.listings.upsert([stored])
        await uow.commit()

    log = await run_slice(world, catalogue, account_id)

    assert await stored_price(world, lost) == Money.of("777", "ARS")
    assert log.counts["latest_changed"] == 1
    assert log.counts["latest_changed_complete"] == 1
    # One page, one multiget: the listings after the two changed before the last pass.
    assert catalogue.calls["recently_updated_item_ids"] == 2


async def test_without_a_complete_pass_before_the_pass_stops_at_the_first_stored_change():
    world = World()
    account_id, catalogue = await stored_catalogue(world, 100)
    ids = list(catalogue.items)
    change(catalogue, ids[40], "777", minutes_ago=4)
    change(catalogue, ids[60], "888", minutes_ago=2)
    async with world.uow() as uow:
        stored = await uow.listings.get(ids[60])
        stored.last_updated = catalogue.items[ids[60]].last_updated
        await uow.listings.upsert([stored])
        await uow.commit()

    log = await run_slice(world, catalogue, account_id)

    # The stored change heads the order: the older lost one waits for its slice.
    assert log.counts["latest_changed"] == 0
    assert log.counts["latest_changed_complete"] == 1
