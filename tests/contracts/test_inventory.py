from __future__ import annotations

from datetime import timedelta

from application.queries import InventoryQuery, Paging
from domain.inventory import REPAIR_SOURCE
from domain.listings import ListingStatus

from .builders import (
    BIG,
    NOW,
    a_listing,
    a_plain_listing,
    a_stock_change,
    a_stock_level,
    given_account,
)


async def test_a_stock_level_without_variation_reads_back_as_stored(uow_factory):
    level = a_stock_level()
    async with uow_factory() as uow:
        await uow.inventory.upsert([level])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.inventory.find(level.item_id) == level
        assert await uow.inventory.find(level.item_id, None) == level


async def test_a_stock_level_of_a_variation_reads_back_as_stored(uow_factory):
    level = a_stock_level(variation_id=BIG + 1, quantity=0, safety_stock=0, updated_at=None)
    async with uow_factory() as uow:
        await uow.inventory.upsert([level])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.inventory.find(level.item_id, BIG + 1) == level
        assert await uow.inventory.find(level.item_id) is None


async def test_finding_an_unknown_stock_level_returns_none(uow_factory):
    async with uow_factory() as uow:
        assert await uow.inventory.find("MLA404") is None
        assert await uow.inventory.for_item("MLA404") == []


async def test_upsert_replaces_the_level_of_an_item_without_variation(uow_factory):
    async with uow_factory() as uow:
        await uow.inventory.upsert([a_stock_level(quantity=5)])
        await uow.commit()
    async with uow_factory() as uow:
        await uow.inventory.upsert([a_stock_level(quantity=3)])
        await uow.inventory.upsert([a_stock_level(quantity=4)])
        await uow.commit()

    async with uow_factory() as uow:
        levels = await uow.inventory.for_item("MLA1000000001")
    assert [level.quantity for level in levels] == [4]


async def test_the_levels_of_an_item_come_without_variation_first_then_by_variation(
    uow_factory,
):
    levels = [
        a_stock_level(variation_id=BIG + 2, quantity=2),
        a_stock_level(variation_id=None, quantity=9),
        a_stock_level(variation_id=BIG + 1, quantity=1),
        a_stock_level(item_id="MLA2", quantity=7),
    ]
    async with uow_factory() as uow:
        await uow.inventory.upsert(levels)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.inventory.for_item("MLA1000000001")
    assert [(level.variation_id, level.quantity) for level in found] == [
        (None, 9),
        (BIG + 1, 1),
        (BIG + 2, 2),
    ]


async def test_recorded_changes_get_distinct_ids(uow_factory):
    async with uow_factory() as uow:
        first = await uow.inventory.record_change(a_stock_change())
        second = await uow.inventory.record_change(a_stock_change())
        await uow.commit()

    assert first.id is not None and second.id is not None and first.id != second.id
    assert first == a_stock_change(id=first.id)


async def test_the_latest_change_is_the_latest_requested_not_the_latest_recorded(uow_factory):
    async with uow_factory() as uow:
        newest = await uow.inventory.record_change(
            a_stock_change(quantity=8, requested_at=NOW + timedelta(seconds=5), source="cli")
        )
        await uow.inventory.record_change(a_stock_change(quantity=3, requested_at=NOW))
        await uow.inventory.record_change(
            a_stock_change(quantity=1, variation_id=BIG + 1, requested_at=NOW + timedelta(days=1))
        )
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.inventory.latest_change("MLA1000000001") == newest
        latest_variation = await uow.inventory.latest_change("MLA1000000001", BIG + 1)
        assert latest_variation.quantity == 1
        assert latest_variation.previous_quantity == 12
        assert await uow.inventory.latest_change("MLA1000000001", BIG + 2) is None
        assert await uow.inventory.latest_change("MLA404") is None


async def test_the_latest_request_leaves_out_the_inventory_syncs_repairs(uow_factory):
    async with uow_factory() as uow:
        request = await uow.inventory.record_change(a_stock_change(quantity=50, source="api"))
        repair = await uow.inventory.record_change(
            a_stock_change(
                quantity=9, requested_at=NOW + timedelta(seconds=30), source=REPAIR_SOURCE
            )
        )
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.inventory.latest_change("MLA1000000001") == repair
        assert await uow.inventory.latest_change("MLA1000000001", requests_only=True) == request


async def test_of_two_changes_requested_at_once_the_later_recorded_is_the_latest(uow_factory):
    async with uow_factory() as uow:
        await uow.inventory.record_change(a_stock_change(quantity=1))
        second = await uow.inventory.record_change(a_stock_change(quantity=2))

        assert await uow.inventory.latest_change("MLA1000000001") == second


async def test_levels_of_many_items_are_read_at_once_grouped_by_item(uow_factory):
    async with uow_factory() as uow:
        await uow.inventory.upsert(
            [
                a_stock_level(item_id="MLA1000000001", variation_id=BIG + 2),
                a_stock_level(item_id="MLA1000000001", variation_id=BIG + 1),
                a_stock_level(item_id="MLA1000000002"),
                a_stock_level(item_id="MLA1000000003"),
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.inventory.for_items(["MLA1000000001", "MLA1000000002", "MLA404"])
    assert list(found) == ["MLA1000000001", "MLA1000000002"]
    assert [level.variation_id for level in found["MLA1000000001"]] == [BIG + 1, BIG + 2]


async def test_removed_levels_are_gone_and_the_others_and_the_ledger_stay(uow_factory):
    """A listing that gained variations loses its item-level count (§4.6); the ledger
    keeps the history of the removed level."""
    async with uow_factory() as uow:
        await uow.inventory.upsert(
            [
                a_stock_level(variation_id=None, quantity=10),
                a_stock_level(variation_id=BIG + 1, quantity=4),
                a_stock_level(variation_id=BIG + 2, quantity=6),
                a_stock_level(item_id="MLA1000000002", variation_id=None),
            ]
        )
        entry = await uow.inventory.record_change(a_stock_change(quantity=10))
        await uow.commit()
    async with uow_factory() as uow:
        removed = await uow.inventory.remove(
            [
                ("MLA1000000001", None),
                ("MLA1000000001", BIG + 2),
                ("MLA1000000001", BIG + 2),
                ("MLA1000000001", BIG + 9),
                ("MLA404", None),
            ]
        )
        await uow.commit()

    assert removed == 2
    async with uow_factory() as uow:
        found = await uow.inventory.for_items(["MLA1000000001", "MLA1000000002"])
        assert await uow.inventory.latest_change("MLA1000000001") == entry
    assert [level.variation_id for level in found["MLA1000000001"]] == [BIG + 1]
    assert [level.variation_id for level in found["MLA1000000002"]] == [None]


async def test_removing_nothing_or_unknown_levels_changes_nothing(uow_factory):
    async with uow_factory() as uow:
        await uow.inventory.upsert([a_stock_level()])
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inventory.remove([]) == 0
        assert await uow.inventory.remove([("MLA1000000001", BIG + 1)]) == 0
        await uow.commit()
    async with uow_factory() as uow:
        assert len(await uow.inventory.for_item("MLA1000000001")) == 1


async def test_a_removal_rolled_back_keeps_the_level(uow_factory):
    async with uow_factory() as uow:
        await uow.inventory.upsert([a_stock_level()])
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inventory.remove([("MLA1000000001", None)]) == 1
        assert await uow.inventory.find("MLA1000000001") is None
    async with uow_factory() as uow:
        assert await uow.inventory.find("MLA1000000001") is not None


# -- the stock view (GET /inventory) -------------------------------------------------------


async def _given_stock(uow_factory):
    first = await given_account(uow_factory)
    second = await given_account(uow_factory, seller_id=BIG + 77)
    shoes = a_listing("MLA30", first.id)  # variations BIG + 1 (SKU ZAP-AZ-42) and BIG + 2
    async with uow_factory() as uow:
        await uow.listings.upsert(
            [
                shoes,
                a_plain_listing("MLA4", first.id, seller_sku="MATE-1", status=ListingStatus.PAUSED),
                a_plain_listing("MLA5", second.id, seller_sku="MATE-1"),
                a_plain_listing("MLA6", first.id, seller_sku="GONE", removed_at=NOW),
            ]
        )
        await uow.inventory.upsert(
            [
                a_stock_level(item_id="MLA30", variation_id=BIG + 2, quantity=3, safety_stock=0),
                a_stock_level(item_id="MLA30", variation_id=BIG + 1, quantity=6, safety_stock=2),
                a_stock_level(item_id="MLA4", variation_id=None, quantity=1, safety_stock=3),
                a_stock_level(item_id="MLA5", variation_id=None, quantity=50, safety_stock=0),
                a_stock_level(item_id="MLA6", variation_id=None, quantity=0, safety_stock=0),
            ]
        )
        await uow.commit()
    return first, second


def _keys(page):
    return [(line.level.item_id, line.level.variation_id) for line in page.items]


async def test_the_stock_view_lists_levels_by_account_listing_and_variation(uow_factory):
    first, second = await _given_stock(uow_factory)

    async with uow_factory() as uow:
        everything = await uow.inventory.search_levels(InventoryQuery())
        of_first = await uow.inventory.search_levels(InventoryQuery(account_id=first.id))

    assert _keys(everything) == [
        ("MLA4", None),
        ("MLA30", BIG + 1),
        ("MLA30", BIG + 2),
        ("MLA5", None),
    ]
    assert everything.total == 4 and everything.items[3].account_id == second.id
    assert _keys(of_first) == _keys(everything)[:3]
    shoe = of_first.items[1]
    assert (shoe.account_id, shoe.seller_sku, shoe.level.publishable) == (first.id, "ZAP-AZ-42", 4)
    paused = of_first.items[0]
    assert (paused.status, paused.seller_sku, paused.level.publishable) == ("paused", "MATE-1", 0)


async def test_the_stock_view_filters_by_publishable_quantity_and_sku(uow_factory):
    first, _ = await _given_stock(uow_factory)

    async with uow_factory() as uow:
        low = await uow.inventory.search_levels(InventoryQuery(below=4))
        by_sku = await uow.inventory.search_levels(InventoryQuery(sku="MATE-1"))
        both = await uow.inventory.search_levels(InventoryQuery(account_id=first.id, sku="MATE-1"))
        paged = await uow.inventory.search_levels(InventoryQuery(paging=Paging(1, 2)))

    assert _keys(low) == [("MLA4", None), ("MLA30", BIG + 2)]
    assert _keys(by_sku) == [("MLA4", None), ("MLA5", None)]
    assert _keys(both) == [("MLA4", None)]
    assert _keys(paged) == [("MLA30", BIG + 1), ("MLA30", BIG + 2)] and paged.total == 4
