"""PUT /products/{item_id}: what the item PUT carries, and stock through the StockWriter
(mercadolibre-api.md §4.3, §4.6, §4.7), on the in-memory container."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import attrs
import pytest

from application.errors import Conflict, Unavailable, ValidationFailed
from application.listings.commands import UpdateListingCommand, VariationInput
from application.listings.observed import store_observed
from application.listings.views import ListingWithStock
from domain.inventory import StockChange, StockLevel
from domain.listings import Attribute, ListingStatus, Variation
from domain.money import Money
from tests.unit.application.test_inventory import (
    BLACK,
    NOW,
    SHOES,
    SIMPLE,
    WHITE,
    World,
    a_listing,
    running_world,
    shoes,
    with_variations,
)


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as running:
        yield running


async def update(world: World, **fields) -> ListingWithStock:
    item_id = fields.pop("item_id", SHOES)
    return await world.container.update_listing()(UpdateListingCommand(item_id, **fields))


def sell_after_the_read(world: World, item_id: str, units: int, variation_id: int | None) -> None:
    """A buyer takes units between our GET of the item and what we send after it."""

    async def sale():
        world.market.sell(item_id, units, variation_id)

    world.market.hooks["get_listing"] = sale


async def test_variations_that_do_not_change_go_by_id_alone_so_sales_meanwhile_are_kept(world):
    """§4.6: the PUT names every variation (those left out are deleted), but sending a
    stored available_quantity back would undo the sales made since it was read. (The
    change is the video: with sales, the title can no longer change, §4.3.)"""
    await world.publish(shoes(black=5, white=3))
    sell_after_the_read(world, SHOES, 2, WHITE)
    updated = await update(world, video_id="RUNPRO2026")
    assert world.market.shown(SHOES, WHITE) == 1
    assert [v.id for v in world.market.items[SHOES].variations] == [BLACK, WHITE]
    for _, body in world.market.bodies:
        assert "available_quantity" not in str(body), body
    assert updated.listing.video_id == "RUNPRO2026"


async def test_a_new_price_goes_to_each_variation_with_its_id_and_price_only(world):
    await world.publish(shoes(black=5, white=3))
    sell_after_the_read(world, SHOES, 1, BLACK)
    await update(world, price=Decimal("17000"))
    [(_, body)] = world.market.bodies
    assert body == {
        "price": 17000,
        "variations": [{"id": BLACK, "price": 17000}, {"id": WHITE, "price": 17000}],
    }
    assert world.market.shown(SHOES, BLACK) == 4
    assert {v.price for v in world.market.items[SHOES].variations} == {Money.of("17000", "ARS")}


async def test_a_quantity_in_the_update_is_a_stock_write_with_safety_stock_and_ledger(world):
    await world.publish(shoes(black=5, white=3), safety_stock=2)
    sell_after_the_read(world, SHOES, 1, WHITE)
    updated = await update(world, variations=(VariationInput(id=BLACK, available_quantity=9),))
    assert world.market.shown(SHOES, BLACK) == 7, "9 minus the safety stock of 2"
    assert world.market.shown(SHOES, WHITE) == 2, "the sale of a white pair is kept"
    assert world.market.calls["update_listing"] == 0, "nothing else changed: no item PUT"
    level = await world.level(SHOES, BLACK)
    assert (level.quantity, level.safety_stock) == (9, 2)
    latest = await world.latest(SHOES, BLACK)
    assert (latest.quantity, latest.source, latest.previous_quantity) == (9, "update", 7)
    assert updated.listing.variation(BLACK).available_quantity == 7
    assert [(level.variation_id, level.quantity) for level in updated.stock] == [
        (BLACK, 9),
        (WHITE, 5),
    ]


async def test_a_quantity_in_the_update_never_overwrites_a_later_stock_request(world):
    """Last request wins, whichever way the stock is written (the StockWriter's rule)."""
    await world.publish(a_listing(quantity=10))
    async with world.uow() as uow:
        later = NOW.replace(hour=13)
        await uow.inventory.record_change(StockChange(SIMPLE, 4, later, "api"))
        await uow.inventory.upsert([StockLevel(SIMPLE, 4, updated_at=later)])
        await uow.commit()
    world.market.items[SIMPLE].set_quantity(4)
    await update(world, item_id=SIMPLE, available_quantity=12)
    assert world.market.shown(SIMPLE) == 4
    assert (await world.level(SIMPLE)).quantity == 4


async def test_a_quantity_mercadolibre_refuses_leaves_the_level_and_the_other_changes(world):
    await world.publish(a_listing(quantity=10))
    world.market.errors[("set_stock", SIMPLE)] = Unavailable("503 from MercadoLibre")
    with pytest.raises(Unavailable):
        await update(world, item_id=SIMPLE, title="Zapatillas Running Pro", available_quantity=12)
    assert (await world.level(SIMPLE)).quantity == 10
    async with world.uow() as uow:
        assert (await uow.listings.get(SIMPLE)).title == "Zapatillas Running Pro"


async def test_the_put_is_stored_before_the_description_so_its_failure_loses_nothing(world):
    """§4.7: the description is its own resource, written after the PUT."""
    await world.publish(a_listing(quantity=10))
    world.market.errors[("set_description", SIMPLE)] = Unavailable("503 from MercadoLibre")
    with pytest.raises(Unavailable):
        await update(world, item_id=SIMPLE, title="Zapatillas Running Pro", description="Nuevas.")
    async with world.uow() as uow:
        assert (await uow.listings.get(SIMPLE)).title == "Zapatillas Running Pro"


async def test_new_variations_are_sent_whole_and_the_others_keep_their_skus(world):
    await world.publish(shoes(black=5, white=3))
    updated = await update(
        world,
        variations=(
            VariationInput(
                attribute_combinations=(("COLOR", "Rojo"),),
                available_quantity=4,
                picture_ids=("p1",),
                seller_sku="NK-R",
            ),
        ),
    )
    [(_, body)] = world.market.bodies
    assert body["variations"][:2] == [{"id": BLACK}, {"id": WHITE}]
    assert body["variations"][2] == {
        "attribute_combinations": [{"id": "COLOR", "value_name": "Rojo"}],
        "price": 15000,
        "available_quantity": 4,
        "picture_ids": ["p1"],
        "attributes": [{"id": "SELLER_SKU", "value_name": "NK-R"}],
    }
    assert [v.seller_sku for v in updated.listing.variations] == ["NK-N", "NK-B", "NK-R"]
    async with world.uow() as uow:
        stored = await uow.listings.get(SHOES)
        levels = await uow.inventory.for_item(SHOES)
    assert [v.seller_sku for v in stored.variations] == ["NK-N", "NK-B", "NK-R"]
    assert len(levels) == 3


# -- the stock follows the listing's shape (§4.6) ----------------------------------------------


def new_variation(color: str, quantity: int) -> VariationInput:
    """§4.6: a new variation comes with its combination, its stock and its pictures."""
    return VariationInput(
        attribute_combinations=(("COLOR", color),),
        available_quantity=quantity,
        picture_ids=("p1",),
    )


async def stock_of(world: World, item_id: str) -> list[tuple[int | None, int]]:
    async with world.uow() as uow:
        return [
            (level.variation_id, level.quantity) for level in await uow.inventory.for_item(item_id)
        ]


async def test_adding_variations_leaves_the_stock_per_variation_only_and_the_ledger_as_it_was(
    world,
):
    """§4.6: a listing with variations has its stock per variation. The item-level level
    goes with the update, and stays gone after a sync; its ledger history is kept."""
    await world.publish(a_listing(quantity=10))
    async with world.uow() as uow:
        entry = await uow.inventory.record_change(StockChange(SIMPLE, 10, NOW, "create"))
        await uow.commit()
    updated = await update(
        world, item_id=SIMPLE, variations=(new_variation("Negro", 4), new_variation("Blanco", 6))
    )
    black, white = (v.id for v in updated.listing.variations)
    assert [(level.variation_id, level.quantity) for level in updated.stock] == [
        (black, 4),
        (white, 6),
    ]
    assert await stock_of(world, SIMPLE) == [(black, 4), (white, 6)]
    await world.container.sync_listing()(world.account_id, SIMPLE)
    assert await stock_of(world, SIMPLE) == [(black, 4), (white, 6)]
    assert await world.latest(SIMPLE) == entry


async def test_a_quantity_for_the_item_with_new_variations_is_refused_before_any_change(world):
    await world.publish(a_listing(quantity=10))
    with pytest.raises(ValidationFailed) as refused:
        await update(
            world, item_id=SIMPLE, available_quantity=12, variations=(new_variation("Negro", 4),)
        )
    assert [p.field for p in refused.value.problems] == ["available_quantity"]
    assert world.market.calls["update_listing"] == world.market.calls["set_stock"] == 0
    assert await stock_of(world, SIMPLE) == [(None, 10)]


async def test_a_listing_that_gained_variations_on_mercadolibre_loses_its_item_level_stock(world):
    await world.publish(a_listing(quantity=10))
    with_variations(world.market.items[SIMPLE], 4, 6)
    await world.container.sync_listing()(world.account_id, SIMPLE)
    assert await stock_of(world, SIMPLE) == [(BLACK, 4), (BLACK + 1, 6)]


async def test_a_listing_whose_variations_are_all_gone_gets_an_item_level_stock_again(world):
    await world.publish(shoes(black=5, white=3))
    listing = world.market.items[SHOES]
    listing.variations = ()
    listing.available_quantity = 8
    await world.container.sync_listing()(world.account_id, SHOES)
    assert await stock_of(world, SHOES) == [(None, 8)]


async def test_a_copy_read_before_an_update_leaves_the_stock_of_the_newer_shape(world):
    """A catalogue sync's multiget overtaken by an update that added variations stores an
    older copy (by MercadoLibre's last_updated): the levels keep the newer shape."""
    read_at = NOW.replace(minute=5)
    old = await world.publish(a_listing(quantity=10, last_updated=read_at))
    price = old.price
    newer = attrs.evolve(
        old,
        last_updated=read_at.replace(minute=6),
        available_quantity=9,
        variations=(Variation((Attribute("COLOR", "Negro"),), price, 9, id=BLACK),),
    )
    for copy in (newer, old):
        async with world.uow() as uow:
            await store_observed(uow, [copy], 0, NOW)
            await uow.commit()
    assert await stock_of(world, SIMPLE) == [(BLACK, 9)]


FINAL_STATES = pytest.mark.parametrize(
    ("overrides", "state"),
    [
        ({"status": ListingStatus.CLOSED}, f"{SIMPLE} is closed (status closed)"),
        (
            {"status": ListingStatus.CLOSED, "sub_status": ("deleted",), "removed_at": NOW},
            f"{SIMPLE} was removed from MercadoLibre on {NOW.isoformat()} "
            "(status closed, sub_status deleted)",
        ),
    ],
    ids=["closed", "deleted"],
)


@FINAL_STATES
async def test_a_closed_or_deleted_listing_refuses_an_update_from_its_local_state(
    world, overrides, state
):
    """§4.3, §4.4: as the stock and status changes do, a 409 naming the state, and
    MercadoLibre is not called (it no longer has a deleted item: a GET would be a 404)."""
    await world.publish(a_listing(quantity=10, **overrides))
    with pytest.raises(Conflict) as refused:
        await update(world, item_id=SIMPLE, price=Decimal("5000"))
    assert str(refused.value) == f"{state}: a closed or removed listing cannot change"
    assert sum(world.market.calls.values()) == 0


@FINAL_STATES
async def test_a_closed_or_deleted_listing_has_no_health_and_mercadolibre_is_not_asked(
    world, overrides, state
):
    """§4.12: MercadoLibre scores live listings only."""
    await world.publish(a_listing(quantity=10, **overrides))
    with pytest.raises(Conflict) as refused:
        await world.container.get_listing_health()(SIMPLE)
    assert str(refused.value) == f"{state}: a closed or removed listing has no health (§4.12)"
    assert sum(world.market.calls.values()) == 0
