"""What the REST API answers about one listing after a change, and deleting a listing
(mercadolibre-api.md §4.3, §4.4, §4.5), on the in-memory container."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from domain.listings import ListingStatus
from entrypoints.http.app import create_app
from tests.unit.application.test_inventory import (
    AUTH,
    NOW,
    SHOES,
    SIMPLE,
    World,
    a_listing,
    running_world,
    shoes,
)


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as running:
        yield running


@pytest.fixture
async def client(world, aiohttp_client):
    return await aiohttp_client(create_app(world.container))


async def answer(client, method: str, path: str, body=None, status: int = 200) -> dict:
    response = await client.request(method, path, json=body, headers=AUTH)
    assert response.status == status, await response.text()
    return await response.json()


async def test_every_answer_about_one_listing_has_its_stock_as_get_does(world, client):
    await world.publish(shoes(black=5, white=3))
    got = await answer(client, "GET", f"/products/{SHOES}")
    assert [level["variation_id"] for level in got["stock"]] == [v["id"] for v in got["variations"]]
    answers = [
        await answer(client, "PUT", f"/products/{SHOES}", {"title": "Zapatillas Running Pro"}),
        await answer(client, "POST", f"/products/{SHOES}/pause"),
        await answer(client, "POST", f"/products/{SHOES}/activate"),
        await answer(client, "DELETE", f"/products/{SHOES}"),
    ]
    for changed in answers:
        assert changed.keys() == got.keys()
        assert changed["stock"] == got["stock"]
    assert (await answer(client, "GET", f"/products/{SHOES}"))["stock"] == got["stock"]


async def test_a_deleted_listing_is_stored_closed_with_mercadolibres_deleted_sub_status(world):
    """§4.4 step 2 leaves the item closed with sub_status `deleted` (§4.5)."""
    await world.publish(a_listing(quantity=10))
    deleted = await world.container.delete_listing()(SIMPLE)
    assert world.market.items[SIMPLE].sub_status == ("deleted",)
    listing = deleted.listing
    assert (listing.status, listing.sub_status, listing.removed_at) == (
        ListingStatus.CLOSED,
        ("deleted",),
        NOW,
    )
    assert (await world.container.get_listing()(SIMPLE)).listing == listing


async def test_deleting_again_keeps_the_first_removal_and_calls_mercadolibre_no_more(world, client):
    await world.publish(a_listing(quantity=10))
    first = await answer(client, "DELETE", f"/products/{SIMPLE}")
    world.clock.advance(3600)
    again = await answer(client, "DELETE", f"/products/{SIMPLE}")
    assert again == first
    assert world.market.calls["delete_listing"] == 1
    assert (await world.container.get_listing()(SIMPLE)).listing.removed_at == NOW


async def test_a_listing_the_sync_marked_removed_is_still_deleted_and_keeps_its_removal(world):
    """A listing gone from a scan is marked removed, not deleted: DELETE still makes sure
    MercadoLibre deletes it (idempotent there), and the first removal time stands."""
    await world.publish(a_listing(quantity=10, removed_at=NOW))
    world.clock.advance(3600)
    deleted = await world.container.delete_listing()(SIMPLE)
    assert world.market.calls["delete_listing"] == 1
    assert (deleted.listing.sub_status, deleted.listing.removed_at) == (("deleted",), NOW)


async def test_a_delete_retried_while_the_first_waits_on_mercadolibre_keeps_one_removal(world):
    await world.publish(a_listing(quantity=10))
    retried = []

    async def retry_meanwhile():
        world.clock.advance(60)
        retried.append(await world.container.delete_listing()(SIMPLE))
        world.clock.advance(60)

    world.market.hooks["delete_listing"] = retry_meanwhile
    first = await world.container.delete_listing()(SIMPLE)
    assert first.listing.removed_at == retried[0].listing.removed_at == NOW + timedelta(minutes=1)
    assert (
        await world.container.get_listing()(SIMPLE)
    ).listing.removed_at == first.listing.removed_at
