"""Closing without deleting, and relisting, on the in-memory container (§4.3: a closed
listing is final and only relisted, which MercadoLibre answers with a new item id).

MercadoLibre is FakeListingGateway, held to the same contract suite as the real gateway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from dependency_injector import providers

from adapters.system.clock import ManualClock
from application.errors import Conflict, Unavailable, ValidationFailed
from application.listings.relist_listing import RelistCommand, RelistVariationInput
from application.queries import ListingQuery
from domain.accounts import Account
from domain.inventory import StockLevel
from domain.listings import Attribute, Listing, ListingStatus, Variation
from domain.money import Money
from entrypoints.container import build_container, start, stop
from entrypoints.settings import Settings
from tests.fakes import FakeListingGateway

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
SELLER = 202593498
PRICE = Money.of("15000", "ARS")


@attrs.define
class World:
    container: Any
    market: FakeListingGateway
    account_id: int

    async def publish(self, listing: Listing, levels: list[StockLevel]) -> Listing:
        listing = attrs.evolve(listing, account_id=self.account_id)
        self.market.add(attrs.evolve(listing))
        async with self.container.unit_of_work() as uow:
            await uow.listings.upsert([listing])
            await uow.inventory.upsert(levels)
            await uow.commit()
        return listing

    async def stored(self, item_id: str) -> Listing:
        async with self.container.unit_of_work() as uow:
            return await uow.listings.get(item_id)

    async def levels(self, item_id: str) -> list[StockLevel]:
        async with self.container.unit_of_work() as uow:
            return list(await uow.inventory.for_item(item_id))


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    container = build_container(
        Settings.from_mapping({"STORAGE": "memory", "DATA_DIR": str(tmp_path)})
    )
    market = FakeListingGateway()
    container.clock.override(providers.Object(ManualClock(NOW)))
    container.listing_gateway.override(providers.Object(market))
    await start(container)
    async with container.unit_of_work() as uow:
        account = await uow.accounts.add(Account(SELLER, "MLA", "SELLER"))
        await uow.commit()
    assert account.id is not None
    market.connect(account.id, SELLER)
    try:
        yield World(container, market, account.id)
    finally:
        await stop(container)


def plain(item_id: str = "MLA900000001", **changes: Any) -> Listing:
    listing = Listing(item_id, 0, SELLER, "Mate de calabaza", "MLA3530", PRICE, 8)
    return attrs.evolve(listing, **changes)


def shoes(item_id: str = "MLA900000002") -> Listing:
    colour = lambda name: (Attribute("COLOR", value_name=name), Attribute("SIZE", value_name="40"))  # noqa: E731
    return Listing(
        item_id,
        0,
        SELLER,
        "Zapatillas",
        "MLA109027",
        PRICE,
        8,
        variations=(
            Variation(colour("Negro"), PRICE, 5, id=11),
            Variation(colour("Blanco"), PRICE, 3, id=12),
        ),
    )


# -- closing ------------------------------------------------------------------------------


async def test_a_listing_closes_and_the_local_copy_keeps_it_closed(world):
    listing = await world.publish(plain(), [StockLevel("MLA900000001", 10, None, 2, NOW)])

    closed = await world.container.close_listing()(listing.item_id)

    assert closed.listing.status is ListingStatus.CLOSED
    assert (await world.stored(listing.item_id)).status is ListingStatus.CLOSED
    assert world.market.items[listing.item_id].status is ListingStatus.CLOSED
    assert closed.listing.removed_at is None and [s.quantity for s in closed.stock] == [10]


async def test_closing_a_closed_listing_again_calls_nothing(world):
    listing = await world.publish(plain(status=ListingStatus.CLOSED), [])

    again = await world.container.close_listing()(listing.item_id)

    assert again.listing.status is ListingStatus.CLOSED
    assert world.market.calls == {}


async def test_a_listing_removed_from_mercadolibre_cannot_be_closed(world):
    listing = await world.publish(plain(removed_at=NOW), [])

    with pytest.raises(Conflict):
        await world.container.close_listing()(listing.item_id)
    assert world.market.calls == {}


# -- relisting ----------------------------------------------------------------------------


async def test_a_relisted_listing_is_a_new_one_linked_to_the_closed_one(world):
    """The seller's stored count and safety stock carry over: MercadoLibre shows 8."""
    listing = await world.publish(
        plain(status=ListingStatus.CLOSED), [StockLevel("MLA900000001", 10, None, 2, NOW)]
    )

    relisted = await world.container.relist_listing()(
        RelistCommand(listing.item_id, listing_type_id="gold_pro")
    )

    new = relisted.listing
    assert new.item_id != listing.item_id and new.relisted_from == listing.item_id
    assert (new.available_quantity, new.price, new.listing_type_id) == (8, PRICE, "gold_pro")
    assert [(s.quantity, s.safety_stock) for s in relisted.stock] == [(10, 2)]
    assert (await world.stored(new.item_id)).relisted_from == listing.item_id
    assert (await world.stored(listing.item_id)).status is ListingStatus.CLOSED
    async with world.container.unit_of_work() as uow:
        found = await uow.listings.search(ListingQuery(relisted_from=listing.item_id))
    assert [f.item_id for f in found.items] == [new.item_id]


async def test_a_relist_takes_a_new_price_and_quantity(world):
    listing = await world.publish(plain(status=ListingStatus.CLOSED), [])

    relisted = await world.container.relist_listing()(
        RelistCommand(listing.item_id, price=Decimal("17500"), quantity=4)
    )

    assert relisted.listing.price == Money.of("17500", "ARS")
    assert relisted.listing.available_quantity == 4
    assert [s.quantity for s in relisted.stock] == [4]


async def test_an_open_listing_is_not_relisted_and_mercadolibre_is_not_written(world):
    listing = await world.publish(plain(), [StockLevel("MLA900000001", 10, None, 0, NOW)])

    with pytest.raises(Conflict, match="close it first"):
        await world.container.relist_listing()(RelistCommand(listing.item_id))
    assert world.market.calls["relist_listing"] == 0


async def test_every_problem_of_a_relist_is_named_before_any_write(world):
    listing = await world.publish(
        plain(status=ListingStatus.CLOSED), [StockLevel("MLA900000001", 2, None, 2, NOW)]
    )

    with pytest.raises(ValidationFailed) as refused:
        await world.container.relist_listing()(
            RelistCommand(listing.item_id, listing_type_id="oro", price=Decimal("1.234"))
        )

    assert {p.field for p in refused.value.problems} == {"listing_type_id", "price", "quantity"}
    assert world.market.calls["relist_listing"] == 0


async def test_variations_are_relisted_with_their_counts_and_safety_stock(world):
    listing = await world.publish(
        attrs.evolve(shoes(), status=ListingStatus.CLOSED),
        [
            StockLevel("MLA900000002", 6, 11, 1, NOW),
            StockLevel("MLA900000002", 3, 12, 0, NOW),
        ],
    )

    relisted = await world.container.relist_listing()(
        RelistCommand(listing.item_id, variations=(RelistVariationInput(11, quantity=9),))
    )

    [variation] = relisted.listing.variations
    assert variation.available_quantity == 8  # 9 minus the safety stock of 1
    assert [(s.variation_id, s.quantity, s.safety_stock) for s in relisted.stock] == [
        (variation.id, 9, 1)
    ]


async def test_a_relist_that_fails_is_not_repeated(world):
    """Not idempotent: one call, whatever the failure (§4.3 creates an item)."""
    listing = await world.publish(plain(status=ListingStatus.CLOSED), [])
    world.market.errors[("relist_listing", listing.item_id)] = Unavailable("timed out")

    with pytest.raises(Unavailable):
        await world.container.relist_listing()(RelistCommand(listing.item_id, quantity=3))
    assert world.market.calls["relist_listing"] == 1
