"""Stock writes, bulk batches and the inventory sync on the in-memory container.

MercadoLibre is FakeListingGateway (tests/fakes/listings.py): items in memory with the
rules of a PUT /items/{id} (mercadolibre-api.md §4.3, §4.6), failures and pauses injected
per call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from dependency_injector import providers

from adapters.memory.repositories.inventory import InMemoryStockBatchRepository
from adapters.system.clock import ManualClock
from application.errors import (
    Conflict,
    LockTimeout,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
)
from application.queries import SyncLogQuery
from domain.accounts import Account
from domain.inventory import (
    BatchStatus,
    StockChange,
    StockLevel,
    StockOutcome,
    StockRequest,
)
from domain.listings import Attribute, Listing, ListingStatus, Variation
from domain.money import Money
from domain.sync import SyncStatus, SyncTrigger
from entrypoints.container import build_container, start, stop
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.fakes import FakeListingGateway

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
API_KEY = "test-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
SELLER = 202593498
SIMPLE = "MLA1000000001"
OTHER = "MLA1000000002"
SHOES = "MLA1000000003"
BLACK, WHITE = 170000000010, 170000000011


def combination(color: str) -> tuple[Attribute, ...]:
    return (Attribute("COLOR", color),)


def a_listing(item_id: str = SIMPLE, quantity: int = 10, **overrides: Any) -> Listing:
    values: dict[str, Any] = dict(
        item_id=item_id,
        account_id=1,
        seller_id=SELLER,
        title="Zapatillas Running",
        category_id="MLA109027",
        price=Money.of("15000", "ARS"),
        available_quantity=quantity,
    )
    values.update(overrides)
    return Listing(**values)


def shoes(black: int = 5, white: int = 3) -> Listing:
    price = Money.of("15000", "ARS")
    return a_listing(
        SHOES,
        black + white,
        variations=(
            Variation(combination("Negro"), price, black, id=BLACK, seller_sku="NK-N"),
            Variation(combination("Blanco"), price, white, id=WHITE, seller_sku="NK-B"),
        ),
    )


@attrs.define
class World:
    container: Any
    clock: ManualClock
    market: FakeListingGateway
    account_id: int

    def uow(self):
        return self.container.unit_of_work()

    async def publish(self, listing: Listing, safety_stock: int = 0) -> Listing:
        """The listing on MercadoLibre and in the local copy, with a stock level per
        variation that MercadoLibre shows exactly (net of the safety stock)."""
        listing = attrs.evolve(listing, account_id=self.account_id)
        self.market.add(attrs.evolve(listing))
        slots = [(v.id, v.available_quantity) for v in listing.variations] or [
            (None, listing.available_quantity)
        ]
        async with self.uow() as uow:
            await uow.listings.upsert([listing])
            await uow.inventory.upsert(
                [
                    StockLevel(listing.item_id, shown + safety_stock, vid, safety_stock, NOW)
                    for vid, shown in slots
                ]
            )
            await uow.commit()
        return listing

    async def level(self, item_id: str, variation_id: int | None = None) -> StockLevel | None:
        async with self.uow() as uow:
            return await uow.inventory.find(item_id, variation_id)

    async def latest(self, item_id: str, variation_id: int | None = None) -> StockChange | None:
        async with self.uow() as uow:
            return await uow.inventory.latest_change(item_id, variation_id)

    async def bulk(self, *requests: StockRequest):
        batch = await self.container.submit_stock_batch()(list(requests))
        return await self.container.apply_stock_batch()(batch.id)


@contextlib.asynccontextmanager
async def running_world(data_dir: Path) -> AsyncIterator[World]:
    """The service on in-memory storage, its clock stopped at NOW, FakeListingGateway as
    MercadoLibre, and one connected account."""
    settings = Settings.from_mapping(
        {"STORAGE": "memory", "DATA_DIR": str(data_dir), "API_KEYS": API_KEY}
    )
    container = build_container(settings)
    clock = ManualClock(NOW)
    market = FakeListingGateway()
    container.clock.override(providers.Object(clock))
    container.listing_gateway.override(providers.Object(market))
    await start(container)
    async with container.unit_of_work() as uow:
        account = await uow.accounts.add(Account(SELLER, "MLA", "SELLER"))
        await uow.commit()
    assert account.id is not None
    try:
        yield World(container, clock, market, account.id)
    finally:
        await stop(container)


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as running:
        yield running


# -- one stock write (PATCH /products/{id}/stock) -----------------------------------------


async def test_a_stock_write_is_published_net_of_safety_stock_read_back_and_recorded(world):
    await world.publish(a_listing(quantity=10))
    result = await world.container.update_stock()(StockRequest(SIMPLE, 20, safety_stock=3))
    assert (result.outcome, result.published, result.observed) == (StockOutcome.APPLIED, 17, 17)
    assert world.market.shown(SIMPLE) == 17
    level = await world.level(SIMPLE)
    assert (level.quantity, level.safety_stock) == (20, 3)
    assert (await world.latest(SIMPLE)).quantity == 20


@pytest.mark.parametrize(
    "error",
    [
        Conflict("item optimistic locking error: conflict (after 4 attempts)"),
        RateLimited("Too Many Requests", retry_after=3),
        Unavailable("503 from MercadoLibre (after 5 attempts)"),
    ],
    ids=type,
)
async def test_a_write_mercadolibre_refuses_propagates_and_the_local_level_keeps_its_figure(
    world, error
):
    """The local level says a new quantity only once MercadoLibre took it; the caller
    gets the port error (409, 429, 503), not a 422 'rejected'."""
    await world.publish(a_listing(quantity=10))
    world.market.errors[("set_stock", SIMPLE)] = error
    with pytest.raises(type(error)):
        await world.container.update_stock()(StockRequest(SIMPLE, 20))
    assert (await world.level(SIMPLE)).quantity == 10
    assert await world.latest(SIMPLE) is None
    assert world.market.shown(SIMPLE) == 10


async def test_a_listing_mercadolibre_no_longer_has_is_not_found(world):
    await world.publish(a_listing(quantity=10))
    del world.market.items[SIMPLE]
    with pytest.raises(NotFound):
        await world.container.update_stock()(StockRequest(SIMPLE, 20))
    assert (await world.level(SIMPLE)).quantity == 10


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("listing", SIMPLE), 404),
        (Conflict("item optimistic locking error: conflict"), 409),
        (RateLimited("Too Many Requests", retry_after=3), 429),
        (Unavailable("503 from MercadoLibre"), 503),
    ],
    ids=lambda value: str(value) if isinstance(value, int) else type(value).__name__,
)
async def test_the_rest_caller_gets_the_status_of_mercadolibres_failure(
    world, aiohttp_client, error, status
):
    await world.publish(a_listing(quantity=10))
    world.market.errors[("set_stock", SIMPLE)] = error
    client = await aiohttp_client(create_app(world.container))
    response = await client.patch(f"/products/{SIMPLE}/stock", json={"quantity": 20}, headers=AUTH)
    assert response.status == status, await response.text()
    assert (await world.level(SIMPLE)).quantity == 10


async def test_quantities_above_mercadolibres_maximum_are_refused_before_any_call(world):
    """§4.10: max_stock_per_item is 99999."""
    await world.publish(a_listing(quantity=10))
    with pytest.raises(ValidationFailed) as single:
        await world.container.update_stock()(StockRequest(SIMPLE, 100_000))
    assert [p.field for p in single.value.problems] == ["quantity"]
    with pytest.raises(ValidationFailed) as bulk:
        await world.container.submit_stock_batch()(
            [StockRequest(SIMPLE, 99_999), StockRequest(OTHER, 100_000)]
        )
    assert [p.field for p in bulk.value.problems] == ["updates[1].quantity"]
    assert sum(world.market.calls.values()) == 0


async def test_a_variation_deleted_on_mercadolibre_is_rejected_with_the_reason(world):
    await world.publish(shoes())
    # Deleted on MercadoLibre since the local copy was read.
    listing = world.market.items[SHOES]
    listing.variations = listing.variations[:1]
    result = await world.container.update_stock()(StockRequest(SHOES, 4, WHITE))
    assert result.outcome is StockOutcome.REJECTED
    assert f"variation {WHITE} no longer exists on MercadoLibre" in result.reason
    assert (await world.level(SHOES, WHITE)).quantity == 3


# -- bulk updates ----------------------------------------------------------------------------


async def test_one_failing_item_leaves_the_results_of_the_others_in_a_batch(world):
    await world.publish(a_listing(quantity=10))
    await world.publish(shoes())
    async with world.uow() as uow:
        # A later request for the black shoes is already recorded: that one is superseded.
        await uow.inventory.record_change(StockChange(SHOES, 9, NOW.replace(hour=13), "api", BLACK))
        await uow.commit()
    world.market.errors[("set_stock", SHOES)] = Unavailable("503 from MercadoLibre")
    batch = await world.bulk(
        StockRequest(SIMPLE, 7), StockRequest(SHOES, 1, BLACK), StockRequest(SHOES, 2, WHITE)
    )
    assert batch.status is BatchStatus.DONE
    outcomes = [(r.item_id, r.variation_id, r.outcome) for r in batch.results]
    assert outcomes == [
        (SIMPLE, None, StockOutcome.APPLIED),
        (SHOES, BLACK, StockOutcome.SUPERSEDED),
        (SHOES, WHITE, StockOutcome.FAILED),
    ]
    assert "Unavailable: 503 from MercadoLibre" in batch.results[2].reason
    assert (await world.level(SHOES, WHITE)).quantity == 3


async def test_a_variation_gone_stays_rejected_when_the_write_of_another_fails(world):
    await world.publish(shoes())
    listing = world.market.items[SHOES]
    listing.variations = listing.variations[:1]
    world.market.errors[("set_stock", SHOES)] = Conflict("item optimistic locking error")
    batch = await world.bulk(StockRequest(SHOES, 4, WHITE), StockRequest(SHOES, 1, BLACK))
    assert [r.outcome for r in batch.results] == [StockOutcome.REJECTED, StockOutcome.FAILED]
    assert (await world.level(SHOES, BLACK)).quantity == 5


async def test_a_batch_with_a_variation_that_no_longer_exists_finishes(world):
    await world.publish(a_listing(quantity=10))
    await world.publish(shoes())
    listing = world.market.items[SHOES]
    listing.variations = listing.variations[:1]
    batch = await world.bulk(StockRequest(SHOES, 4, WHITE), StockRequest(SIMPLE, 7))
    assert batch.status is BatchStatus.DONE
    assert [r.outcome for r in batch.results] == [StockOutcome.REJECTED, StockOutcome.APPLIED]
    assert "no longer exists on MercadoLibre" in batch.results[0].reason


async def test_an_unexpected_error_on_one_item_does_not_abandon_the_others(world):
    await world.publish(a_listing(quantity=10))
    await world.publish(a_listing(OTHER, quantity=10))
    world.market.errors[("get_stock", OTHER)] = RuntimeError("a bug")
    batch = await world.bulk(StockRequest(OTHER, 3), StockRequest(SIMPLE, 7))
    assert batch.status is BatchStatus.DONE
    assert [r.outcome for r in batch.results] == [StockOutcome.FAILED, StockOutcome.APPLIED]
    assert batch.results[0].reason == "RuntimeError: a bug"
    assert world.market.shown(SIMPLE) == 7


class BusyLock:
    """A lock some other process holds for one name."""

    def __init__(self, busy: str) -> None:
        self.busy = busy

    @contextlib.asynccontextmanager
    async def hold(self, name: str, timeout: float = 30.0) -> AsyncIterator[None]:
        if name == self.busy:
            raise LockTimeout(name, timeout)
        yield


async def test_an_item_whose_lock_cannot_be_taken_fails_alone(world):
    world.container.lock.override(providers.Object(BusyLock(f"stock:{OTHER}")))
    await world.publish(a_listing(quantity=10))
    await world.publish(a_listing(OTHER, quantity=10))
    batch = await world.bulk(StockRequest(OTHER, 3), StockRequest(SIMPLE, 7))
    assert batch.status is BatchStatus.DONE
    assert [r.outcome for r in batch.results] == [StockOutcome.FAILED, StockOutcome.APPLIED]
    assert batch.results[0].reason.startswith("LockTimeout")


async def test_a_batch_that_gives_up_is_marked_failed_never_left_pending(world, monkeypatch):
    await world.publish(a_listing(quantity=10))
    save = InMemoryStockBatchRepository.save

    async def save_but_not_results(self, batch):
        if batch.status is BatchStatus.DONE:
            raise RuntimeError("the results could not be stored")
        await save(self, batch)

    monkeypatch.setattr(InMemoryStockBatchRepository, "save", save_but_not_results)
    batch = await world.container.submit_stock_batch()([StockRequest(SIMPLE, 7)])
    with pytest.raises(RuntimeError):
        await world.container.apply_stock_batch()(batch.id)
    stored = await world.container.get_stock_batch()(batch.id)
    assert stored.status is BatchStatus.FAILED
    assert stored.error == "RuntimeError: the results could not be stored"
    assert stored.finished_at is not None


# -- the inventory sync ----------------------------------------------------------------------


async def sync(world: World):
    return await world.container.sync_inventory()(world.account_id, SyncTrigger.API)


async def test_the_sync_follows_sales_and_publishes_our_lower_figure(world):
    await world.publish(a_listing(quantity=10))
    await world.publish(a_listing(OTHER, quantity=10))
    world.market.sell(SIMPLE, 4)
    world.market.items[OTHER].set_quantity(25)
    world.clock.advance(60)
    log = await sync(world)
    assert (log.counts["adopted"], log.counts["pushed"]) == (1, 1)
    level = await world.level(SIMPLE)
    assert (level.quantity, level.updated_at) == (6, NOW.replace(minute=1))
    assert world.market.shown(OTHER) == 10


async def test_a_seller_request_queued_before_a_sync_repair_still_applies(world):
    """Last request wins among the seller's requests; what the inventory sync adopted or
    republished is an observation, not a later request."""
    await world.publish(a_listing(quantity=10))
    batch = await world.container.submit_stock_batch()([StockRequest(SIMPLE, 50)])
    world.clock.advance(30)
    world.market.sell(SIMPLE, 1)
    log = await sync(world)
    assert log.counts["adopted"] == 1 and (await world.level(SIMPLE)).quantity == 9

    applied = await world.container.apply_stock_batch()(batch.id)

    (result,) = applied.results
    assert result.outcome is StockOutcome.APPLIED, result.reason
    assert world.market.shown(SIMPLE) == 50 and (await world.level(SIMPLE)).quantity == 50


async def test_the_sync_never_adopts_over_a_write_made_after_its_snapshot(world):
    """A restock written while the multiget was on its way back wins: MercadoLibre's
    figure in the snapshot is older than it."""
    await world.publish(a_listing(quantity=10))
    world.market.sell(SIMPLE, 4)  # MercadoLibre shows 6

    async def restock():
        world.clock.advance(1)
        result = await world.container.update_stock()(StockRequest(SIMPLE, 20))
        assert result.outcome is StockOutcome.APPLIED

    world.market.hooks["get_stock"] = restock
    log = await sync(world)
    assert log.counts["adopted"] == 0 and log.counts["changed_meanwhile"] == 1
    assert (await world.level(SIMPLE)).quantity == 20
    assert world.market.shown(SIMPLE) == 20
    assert (await world.latest(SIMPLE)).quantity == 20


async def write_in_flight(world: World, quantity: int):
    """Start a stock write that holds the item's lock, paused while publishing (before
    MercadoLibre has the new figure); returns the write and what lets it go on."""
    publishing = asyncio.Event()
    go_on = asyncio.Event()

    async def slow_publish():
        publishing.set()
        await go_on.wait()

    world.market.hooks["set_stock"] = slow_publish
    write = asyncio.create_task(world.container.update_stock()(StockRequest(SIMPLE, quantity)))
    await publishing.wait()
    return write, go_on


async def until_the_sync_has_read(world: World) -> None:
    """Until the sync's multiget is answered, and the sync is on to the item's lock."""
    answered = asyncio.Event()

    async def snapshot_taken():
        answered.set()

    world.market.hooks["get_stock"] = snapshot_taken
    await answered.wait()
    for _ in range(50):
        await asyncio.sleep(0)


async def test_the_sync_waits_for_a_write_in_flight_and_does_not_adopt_over_it(world):
    """The adoption takes the item's stock lock: a write requested before the snapshot
    but published after it is waited for, then left alone."""
    await world.publish(a_listing(quantity=10))
    world.market.sell(SIMPLE, 4)  # MercadoLibre shows 6
    write, go_on = await write_in_flight(world, 20)
    world.clock.advance(1)
    syncing = asyncio.create_task(sync(world))
    await until_the_sync_has_read(world)
    world.clock.advance(1)
    go_on.set()
    assert (await write).outcome is StockOutcome.APPLIED
    log = await syncing
    assert log.counts["adopted"] == 0
    assert (await world.level(SIMPLE)).quantity == 20
    assert world.market.shown(SIMPLE) == 20


async def test_the_sync_waits_for_a_write_in_flight_and_does_not_push_over_it(world):
    await world.publish(a_listing(quantity=10))
    world.market.items[SIMPLE].set_quantity(25)  # MercadoLibre shows more than we would
    write, go_on = await write_in_flight(world, 30)
    world.clock.advance(1)
    syncing = asyncio.create_task(sync(world))
    await until_the_sync_has_read(world)
    world.clock.advance(1)
    go_on.set()
    assert (await write).outcome is StockOutcome.APPLIED
    log = await syncing
    assert log.status is SyncStatus.SUCCEEDED, log.errors
    assert (await world.level(SIMPLE)).quantity == 30
    assert world.market.shown(SIMPLE) == 30


async def test_a_push_superseded_by_a_write_after_the_snapshot_counts_as_changed_meanwhile(
    world,
):
    """The repair is counted from what the writer did: a seller's write landed between
    the snapshot and the push, so nothing was pushed."""
    await world.publish(a_listing(quantity=10))
    world.market.items[SIMPLE].set_quantity(25)  # MercadoLibre shows more than we would

    async def restock():
        world.clock.advance(1)
        result = await world.container.update_stock()(StockRequest(SIMPLE, 30))
        assert result.outcome is StockOutcome.APPLIED

    world.market.hooks["get_stock"] = restock
    log = await sync(world)
    assert log.status is SyncStatus.SUCCEEDED, log.errors
    assert (log.counts["pushed"], log.counts["changed_meanwhile"]) == (0, 1)
    assert world.market.shown(SIMPLE) == 30 and (await world.level(SIMPLE)).quantity == 30


async def test_a_push_mercadolibre_refuses_is_an_error_in_the_sync_log_not_a_push(world):
    await world.publish(a_listing(quantity=10))
    world.market.items[SIMPLE].set_quantity(25)
    world.market.errors[("set_stock", SIMPLE)] = Unavailable("503 from MercadoLibre")
    log = await sync(world)
    assert (log.counts["pushed"], log.counts["errors"]) == (0, 1)
    assert log.errors == [f"{SIMPLE}/None: Unavailable: 503 from MercadoLibre"]
    assert world.market.shown(SIMPLE) == 25


async def test_a_sync_stopped_by_an_unexpected_error_is_finished_as_failed(world):
    await world.publish(a_listing(quantity=10))
    world.market.errors[("get_stock", SIMPLE)] = RuntimeError("a bug")
    with pytest.raises(RuntimeError, match="a bug"):
        await sync(world)
    async with world.uow() as uow:
        [log] = (await uow.sync_logs.search(SyncLogQuery())).items
    assert log.status is SyncStatus.FAILED
    assert log.finished_at is not None
    assert "RuntimeError: a bug" in log.errors


# -- listings whose state takes no stock write -----------------------------------------------


async def test_a_closed_listing_refuses_a_stock_write_as_a_conflict_naming_its_status(world):
    """§4.3: closed is final. The listing's state refuses the write, not the input: a
    Conflict (409), before any MercadoLibre call, and nothing is recorded."""
    await world.publish(a_listing(quantity=10, status=ListingStatus.CLOSED))
    with pytest.raises(Conflict) as refused:
        await world.container.update_stock()(StockRequest(SIMPLE, 3))
    assert str(refused.value) == (
        f"{SIMPLE} is closed (status closed): the stock of a closed listing cannot change (§4.3)"
    )
    assert sum(world.market.calls.values()) == 0
    assert await world.latest(SIMPLE) is None
    assert (await world.level(SIMPLE)).quantity == 10


async def test_a_removed_listing_refuses_a_stock_write_saying_when_it_was_removed(world):
    """§4.4: a deleted listing stays closed with sub_status `deleted`."""
    await world.publish(
        a_listing(quantity=10, status=ListingStatus.CLOSED, sub_status=("deleted",), removed_at=NOW)
    )
    with pytest.raises(Conflict) as refused:
        await world.container.update_stock()(StockRequest(SIMPLE, 3))
    assert str(refused.value) == (
        f"{SIMPLE} was removed from MercadoLibre on {NOW.isoformat()} "
        "(status closed, sub_status deleted): its stock cannot change"
    )
    assert sum(world.market.calls.values()) == 0


async def test_a_stock_write_for_a_listing_not_in_the_local_copy_is_not_found(world):
    with pytest.raises(NotFound):
        await world.container.update_stock()(StockRequest(OTHER, 3))


async def test_a_bulk_update_names_the_state_of_closed_and_removed_listings(world):
    """Not the misleading "unknown listing" of a listing never synced."""
    await world.publish(a_listing(quantity=10, status=ListingStatus.CLOSED))
    await world.publish(a_listing(OTHER, quantity=10, removed_at=NOW))
    await world.publish(shoes())
    batch = await world.bulk(
        StockRequest(SIMPLE, 3),
        StockRequest(OTHER, 3),
        StockRequest("MLA1000000404", 3),
        StockRequest(SHOES, 4, BLACK),
    )
    assert [r.outcome for r in batch.results] == [
        StockOutcome.REJECTED,
        StockOutcome.REJECTED,
        StockOutcome.REJECTED,
        StockOutcome.APPLIED,
    ]
    closed, removed, unknown, _ = (r.reason for r in batch.results)
    assert closed.startswith(f"{SIMPLE} is closed (status closed)")
    assert removed.startswith(f"{OTHER} was removed from MercadoLibre on {NOW.isoformat()}")
    assert "(status active)" in removed
    assert unknown == "unknown listing: sync the catalogue first"


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"status": ListingStatus.CLOSED}, 409),
        ({"status": ListingStatus.CLOSED, "sub_status": ("deleted",), "removed_at": NOW}, 409),
        (None, 404),
    ],
    ids=["closed", "deleted", "unknown"],
)
async def test_the_rest_caller_gets_409_for_a_closed_or_removed_listing_and_404_for_none(
    world, aiohttp_client, overrides, status
):
    """As other state conflicts (a closed listing's PUT, pause or activate) map."""
    if overrides is not None:
        await world.publish(a_listing(quantity=10, **overrides))
    client = await aiohttp_client(create_app(world.container))
    response = await client.patch(f"/products/{SIMPLE}/stock", json={"quantity": 3}, headers=AUTH)
    assert response.status == status, await response.text()
    problem = await response.json()
    if status == 409:
        assert "cannot change" in problem["detail"] and "status closed" in problem["detail"]


# -- the shape of the stock follows the listing's (§4.6) --------------------------------------


def with_variations(listing: Listing, *quantities: int) -> None:
    """MercadoLibre now has variations on a listing that had none (added there)."""
    price = listing.price
    listing.variations = tuple(
        Variation(combination(f"C{n}"), price, quantity, id=BLACK + n)
        for n, quantity in enumerate(quantities)
    )
    listing.available_quantity = listing.total_quantity


async def test_the_inventory_sync_retires_the_item_level_once_the_listing_has_variations(
    world,
):
    await world.publish(a_listing(quantity=10))
    async with world.uow() as uow:
        await uow.inventory.record_change(StockChange(SIMPLE, 10, NOW, "api"))
        await uow.commit()
    with_variations(world.market.items[SIMPLE], 4, 6)
    world.clock.advance(60)
    log = await sync(world)
    assert log.status is SyncStatus.SUCCEEDED, log.errors
    assert log.counts["retired"] == 1
    assert log.counts["without_local_level"] == 2, "the catalogue sync creates them"
    assert await world.level(SIMPLE) is None
    assert (await world.latest(SIMPLE)).quantity == 10, "the ledger keeps the history"


async def test_the_inventory_sync_retires_variation_levels_once_the_variations_are_gone(world):
    await world.publish(shoes(black=5, white=3))
    listing = world.market.items[SHOES]
    listing.variations = ()
    listing.available_quantity = 8
    world.clock.advance(60)
    log = await sync(world)
    assert log.counts["retired"] == 2
    async with world.uow() as uow:
        assert await uow.inventory.for_item(SHOES) == []


async def test_the_inventory_sync_leaves_a_level_written_after_its_snapshot(world):
    """A level stored while the multiget was on its way back belongs to a newer shape."""
    await world.publish(a_listing(quantity=10))
    with_variations(world.market.items[SIMPLE], 4, 6)

    async def rewritten():
        world.clock.advance(1)
        async with world.uow() as uow:
            await uow.inventory.upsert([StockLevel(SIMPLE, 10, None, 0, world.clock.now())])
            await uow.commit()

    world.market.hooks["get_stock"] = rewritten
    log = await sync(world)
    assert (log.counts["retired"], log.counts["changed_meanwhile"]) == (0, 1)
    assert await world.level(SIMPLE) is not None
