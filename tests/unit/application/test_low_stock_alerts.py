"""Low-stock alerts (issue 18): a threshold per account or listing; a `stock.low` event
to subscribers once per crossing, re-armed when the stock is back up."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application import jobs
from application.errors import NotFound
from application.inventory.delete_stock_threshold import DeleteStockThreshold
from application.inventory.list_stock_thresholds import ListStockThresholds
from application.inventory.low_stock import CheckLowStock
from application.inventory.set_stock_threshold import SetStockThreshold
from application.inventory.stock_writer import StockWriter
from application.inventory.update_stock import UpdateStock
from application.listings.sync_catalogue import SyncCatalogue
from domain.accounts import Account
from domain.errors import InvalidValue
from domain.inventory import StockLevel, StockRequest
from domain.listings import Attribute, Listing, Variation
from domain.money import Money
from domain.subscriptions import Subscription
from domain.sync import SyncTrigger
from tests.fakes import FakeListingGateway
from tests.fakes.lock import ProcessLock

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def listing(n: int, account_id: int, quantity: int, **changes) -> Listing:
    return Listing(
        f"MLA{1000000000 + n}",
        account_id,
        202593498,
        f"Item {n}",
        "MLA1055",
        Money.of(100, "ARS"),
        quantity,
        seller_sku=f"SKU-{n}",
        **changes,
    )


def size(value: str, quantity: int, variation_id: int, sku: str) -> Variation:
    combination = (Attribute("SIZE", value, name="Talle"),)
    return Variation(combination, Money.of(100, "ARS"), quantity, id=variation_id, seller_sku=sku)


class World:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.clock = ManualClock(NOW)
        self.gateway = FakeListingGateway()

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.queue)

    async def start(self, *listings_of: tuple[int, int]) -> int:
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(202593498, "MLA", "SELLER"))
            for topic in ("stock.low", "*", "orders_v2"):
                await uow.subscriptions.add(
                    Subscription(topic, "https://hooks.example.com/x", "sealed", NOW)
                )
            await uow.commit()
        self.gateway.connect(account.id, 202593498)
        for n, quantity in listings_of:
            await self.listing(listing(n, account.id, quantity))
        return account.id

    async def listing(self, new: Listing, safety_stock: int = 0) -> None:
        self.gateway.add(new)
        levels = (
            [
                StockLevel(new.item_id, v.available_quantity + safety_stock, v.id, safety_stock)
                for v in new.variations
            ]
            if new.variations
            else [
                StockLevel(new.item_id, new.available_quantity + safety_stock, None, safety_stock)
            ]
        )
        async with self.uow() as uow:
            await uow.listings.upsert([new])
            await uow.inventory.upsert(levels)
            await uow.commit()

    def update_stock(self) -> UpdateStock:
        writer = StockWriter(self.uow, self.gateway, ProcessLock(), self.clock)
        return UpdateStock(writer, self.clock)

    async def events(self) -> list[tuple[str, dict]]:
        """The stock.low deliveries queued, as (topic of the subscription, payload)."""
        found = []
        async with self.uow() as uow:
            for job in self.queue.jobs:
                if isinstance(job, jobs.DeliverWebhook):
                    delivery = await uow.deliveries.get(job.delivery_id)
                    subscription = await uow.subscriptions.get(delivery.subscription_id)
                    found.append((subscription.topic, dict(delivery.payload)))
        return found


async def test_a_level_under_the_accounts_threshold_raises_one_event_per_crossing():
    world = World()
    account_id = await world.start((1, 3), (2, 10))
    set_threshold = SetStockThreshold(world.uow, world.clock)

    await set_threshold(5, account_id=account_id)

    events = await world.events()
    assert [topic for topic, _ in events] == ["stock.low", "*"], "both subscribers, once"
    payload = events[0][1]
    assert payload["topic"] == "stock.low" and payload["account_id"] == account_id
    assert payload["data"] == {
        "item_id": "MLA1000000001",
        "variation_id": None,
        "title": "Item 1",
        "seller_sku": "SKU-1",
        "publishable": 3,
        "threshold": 5,
    }
    assert events[1][1]["id"] == payload["id"], "one event, one id for every subscriber"

    # Checked again (a sync, another write under the threshold): nothing new.
    world.queue.clear()
    world.clock.advance(1800)
    assert (await CheckLowStock(world.uow, world.clock)(account_id)).raised == ()
    await world.update_stock()(StockRequest("MLA1000000001", 2))
    assert await world.events() == []

    # Back above: re-armed; under again: a new crossing, a new event id.
    await world.update_stock()(StockRequest("MLA1000000001", 8))
    async with world.uow() as uow:
        assert await uow.stock_alerts.raised(account_id) == {}
    await world.update_stock()(StockRequest("MLA1000000001", 1))
    (again, _) = await world.events()
    assert again[1]["data"]["publishable"] == 1 and again[1]["id"] != payload["id"]


async def test_a_listings_own_threshold_wins_and_variations_alert_one_by_one():
    world = World()
    account_id = await world.start((1, 3))
    shoes = listing(
        2,
        account_id,
        0,
        variations=(
            size("40", 2, 17000000001, "S-40"),
            size("41", 9, 17000000002, "S-41"),
        ),
    )
    await world.listing(shoes, safety_stock=1)
    set_threshold = SetStockThreshold(world.uow, world.clock)
    await set_threshold(2, account_id=account_id)
    await set_threshold(4, item_id=shoes.item_id)

    data = [payload["data"] for topic, payload in await world.events() if topic == "stock.low"]
    assert data == [
        {
            "item_id": shoes.item_id,
            "variation_id": 17000000001,
            "title": "Item 2",
            "seller_sku": "S-40",
            "publishable": 2,
            "threshold": 4,
        }
    ], "item 1 (3) is not under the account's 2; size 40 shows 2 of 3 counted"
    listed = await ListStockThresholds(world.uow)(account_id)
    assert [(t.item_id, t.threshold) for t in listed.thresholds] == [(None, 2), (shoes.item_id, 4)]
    assert [(a.item_id, a.variation_id) for a in listed.alerts] == [(shoes.item_id, 17000000001)]

    # Without its own threshold, the listing falls back on the account's: 2 is not under 2.
    await DeleteStockThreshold(world.uow, world.clock)(item_id=shoes.item_id)
    assert (await ListStockThresholds(world.uow)(account_id)).alerts == ()
    with pytest.raises(NotFound):
        await DeleteStockThreshold(world.uow, world.clock)(item_id=shoes.item_id)


async def test_bad_thresholds_are_refused_and_change_nothing():
    world = World()
    account_id = await world.start((1, 3))
    set_threshold = SetStockThreshold(world.uow, world.clock)
    for bad in (0, -1, 2**31, True):
        with pytest.raises(InvalidValue):
            await set_threshold(bad, account_id=account_id)
    with pytest.raises(NotFound):
        await set_threshold(3, account_id=999)
    with pytest.raises(NotFound):
        await set_threshold(3, item_id="MLA1")
    assert (await ListStockThresholds(world.uow)(account_id)).thresholds == ()
    assert await world.events() == []


async def test_a_sync_raises_the_alerts_of_new_listings_and_rearms_those_of_removed_ones():
    world = World()
    account_id = await world.start((1, 1))
    await SetStockThreshold(world.uow, world.clock)(5, account_id=account_id)
    world.queue.clear()
    world.gateway.items.pop("MLA1000000001")
    world.gateway.add(listing(2, account_id, 2))

    log = await SyncCatalogue(world.uow, world.gateway, world.clock)(account_id, SyncTrigger.API)

    assert log.counts["removed"] == 1 and log.counts["low_stock_alerts"] == 1
    async with world.uow() as uow:
        assert set(await uow.stock_alerts.raised(account_id)) == {("MLA1000000002", None)}
    assert [p["data"]["item_id"] for t, p in await world.events() if t == "stock.low"] == [
        "MLA1000000002"
    ]
    again = await SyncCatalogue(world.uow, world.gateway, world.clock)(account_id, SyncTrigger.API)
    assert "low_stock_alerts" not in again.counts, "not raised on every sync"


async def test_an_account_without_thresholds_raises_nothing():
    world = World()
    account_id = await world.start((1, 0))
    found = await CheckLowStock(world.uow, world.clock)(account_id)
    assert (found.raised, found.rearmed) == ((), ())
    assert await world.events() == []
    assert attrs.asdict(found) == {"raised": (), "rearmed": ()}
