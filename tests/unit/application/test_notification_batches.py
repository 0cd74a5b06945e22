"""A batch of notifications (the `process_notifications` job) ends each entry exactly as
processing it alone would, at a fraction of the cost: claims in one step, the listings of
`items` notifications read by multigets of 20 (§4.11) with their descriptions (§4.7) and
stored together, other topics read one by one (§9.3)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import attrs
import pytest

from application.errors import Forbidden, Unavailable
from application.listings.sync_listing import SyncListing
from application.listings.sync_listings import SyncListings
from application.notifications.process_notification import ProcessNotification, ProcessOutcome
from application.notifications.process_notifications import ProcessNotifications
from application.notifications.receive_notification import RECOVERED
from application.notifications.record_resource import RecordResource
from domain.listings import Listing
from domain.money import Money
from domain.notifications import InboxStatus, Notification
from tests.unit.application.test_notification_pipeline import APP_ID, SELLER, World

OTHER_SELLER = 999


class ItemsMarket:
    """The listing reads of ListingGateway over items in memory, counting each call:
    multigets (§4.11: absent ids are gone), one item, descriptions (§4.7)."""

    def __init__(self) -> None:
        self.items: dict[str, Listing] = {}
        self.descriptions: dict[str, str] = {}
        self.calls: Counter[str] = Counter()
        self.refuse_multiget_with: str | None = None  # an item id whose presence fails it
        self.description_errors: dict[str, Exception] = {}

    def add(self, item_id: str, seller_id: int = SELLER, title: str = "Mate") -> None:
        self.items[item_id] = Listing(
            item_id, 1, seller_id, title, "MLA1055", Money.of(100, "ARS"), 3
        )
        self.descriptions[item_id] = f"Descripción de {item_id}"

    async def get_listings(self, account_id, item_ids):
        self.calls["multiget"] += 1
        assert len(item_ids) <= 20
        if self.refuse_multiget_with in item_ids:
            raise Forbidden("403 for one item refuses the whole multiget")
        return {i: attrs.evolve(self.items[i]) for i in item_ids if i in self.items}

    async def get_description(self, account_id, item_id):
        self.calls["description"] += 1
        if item_id in self.description_errors:
            raise self.description_errors[item_id]
        return self.descriptions.get(item_id)

    async def get_listing(self, account_id, item_id):
        from application.errors import NotFound

        self.calls["item"] += 1
        if item_id == self.refuse_multiget_with:
            raise Forbidden(f"403 for {item_id}")
        if item_id not in self.items:
            raise NotFound("listing", item_id)
        listing = attrs.evolve(self.items[item_id])
        listing.description = await self.get_description(account_id, item_id)
        return listing


class Batches(World):
    def __init__(self) -> None:
        super().__init__()
        self.market = ItemsMarket()
        sync = SyncListing(self.uow, self.market, self.clock)
        self.process = ProcessNotification(
            self.uow,
            RecordResource(self.uow, self.marketplace, sync),
            self.clock,
            lease=timedelta(minutes=5),
        )
        self.batch = ProcessNotifications(
            self.process, self.uow, self.clock, SyncListings(self.uow, self.market, self.clock)
        )
        self.alone = ProcessNotifications(self.process)

    async def notify(self, topic: str, resource: str, n: int, seller: int = SELLER) -> int:
        receipt = await self.receive(
            Notification(
                id=f"n-{n}",
                topic=topic,
                resource=resource,
                user_id=seller,
                application_id=APP_ID,
                attempts=1,
            )
        )
        assert receipt.entry_id is not None
        return receipt.entry_id

    async def listing(self, item_id: str):
        async with self.uow() as uow:
            return await uow.listings.find(item_id)


@pytest.fixture
async def world() -> Batches:
    batches = Batches()
    await batches.account()
    return batches


async def test_a_batch_of_items_costs_one_multiget_per_20_and_one_description_each(world):
    ids = [f"MLA{1000000001 + n}" for n in range(45)]
    for item_id in ids:
        world.market.add(item_id)
    entries = [await world.notify("items", f"/items/{item_id}", n) for n, item_id in enumerate(ids)]

    outcomes = await world.batch(entries)

    assert outcomes == [ProcessOutcome.PROCESSED] * 45
    assert world.market.calls == {"multiget": math.ceil(45 / 20), "description": 45}
    assert "item" not in world.market.calls, "no listing read alone"
    stored = await world.listing(ids[7])
    assert stored.title == "Mate" and stored.description == f"Descripción de {ids[7]}"
    assert {e.status for e in await world.entries()} == {InboxStatus.PROCESSED}


async def scenario(world: Batches) -> list[int]:
    """One of everything a batch meets."""
    for n in range(1, 6):
        world.market.add(f"MLA100000000{n}")
    world.market.add("MLA1000000009", seller_id=OTHER_SELLER)  # another seller's
    world.market.description_errors["MLA1000000004"] = Unavailable("503 after 5 attempts")
    world.marketplace.bodies["/questions/77"] = {"id": 77, "seller_id": SELLER, "status": "X"}
    # MLA1000000002 was read and stored already; what MercadoLibre's missed feeds (§9.5)
    # give back for it afterwards happened before that read: coalesced, never read again.
    assert await world.alone([await world.notify("items", "/items/MLA1000000002", 0)])
    recovered = await world.receive(
        Notification(
            id="n-2",
            topic="items",
            resource="/items/MLA1000000002",
            user_id=SELLER,
            application_id=APP_ID,
            attempts=1,
            received=world.clock.now() - timedelta(minutes=10),
        ),
        origin=RECOVERED,
    )
    assert recovered.entry_id is not None
    entries = [
        await world.notify("items", "/items/MLA1000000001", 1),
        recovered.entry_id,
        await world.notify("items", "/items/MLA1000000008", 3),  # gone from MercadoLibre
        await world.notify("items", "/items/MLA1000000009", 4),  # another seller's
        await world.notify("items", "/items/MLA1000000004", 5),  # its description fails
        await world.notify("questions", "/questions/77", 6),
    ]
    return entries


async def test_a_batch_ends_every_entry_as_processing_it_alone_would(world):
    batch_world = world
    alone_world = Batches()
    await alone_world.account()
    in_batch = await scenario(batch_world)
    one_by_one = await scenario(alone_world)

    batched = await batch_world.batch(in_batch)
    alone = await alone_world.alone(one_by_one)

    assert batched == alone
    assert batched == [
        ProcessOutcome.PROCESSED,
        ProcessOutcome.COALESCED,
        ProcessOutcome.PROCESSED,  # gone: SyncListing's read found none and says so
        ProcessOutcome.DEAD,  # Forbidden: another seller's listing is never stored
        ProcessOutcome.RETRY,
        ProcessOutcome.PROCESSED,
    ]

    def state(entries):
        return [(e.status, e.failures, e.last_error) for e in entries]

    assert state(await batch_world.entries()) == state(await alone_world.entries())
    assert await batch_world.listing("MLA1000000009") is None
    assert (await batch_world.snapshot("/questions/77")).body["id"] == 77
    [letter] = await batch_world.letters()
    assert "seller 999's listing" in letter.error


async def test_a_multiget_refused_as_a_whole_is_read_again_item_by_item(world):
    for n in range(1, 4):
        world.market.add(f"MLA100000000{n}")
    world.market.refuse_multiget_with = "MLA1000000002"
    entries = [await world.notify("items", f"/items/MLA100000000{n}", n) for n in range(1, 4)]

    outcomes = await world.batch(entries)

    assert outcomes == [ProcessOutcome.PROCESSED, ProcessOutcome.DEAD, ProcessOutcome.PROCESSED]
    assert world.market.calls["multiget"] == 1 and world.market.calls["item"] == 3
    assert (await world.listing("MLA1000000003")).title == "Mate"


async def test_entries_claimed_elsewhere_are_skipped_and_a_batch_twice_changes_nothing(world):
    world.market.add("MLA1000000001")
    entry = await world.notify("items", "/items/MLA1000000001", 1)

    assert await world.batch([entry]) == [ProcessOutcome.PROCESSED]
    assert await world.batch([entry]) == [ProcessOutcome.SKIPPED]
    assert world.market.calls["multiget"] == 1
