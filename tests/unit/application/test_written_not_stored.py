"""A change MercadoLibre took is never answered as "nothing happened": when storing it
fails all the same (the database went away), the listing is read again and stored; when
that fails too, the answer says what MercadoLibre shows (503, `meli_shows`). Updates,
status changes, creations and stock writes (ARCHITECTURE §3)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from adapters.memory.repositories.inventory import InMemoryInventoryRepository
from adapters.memory.repositories.listings import InMemoryListingRepository
from application.errors import Unavailable
from application.listings.commands import CreateListingCommand, UpdateListingCommand
from application.listings.errors import WrittenNotStored
from domain.inventory import StockOutcome, StockRequest
from domain.listings import Listing, ListingStatus
from domain.money import Money
from entrypoints.http.problems import problem_for
from tests.unit.application.test_inventory import SIMPLE, World, a_listing, running_world


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as running:
        yield running


class FailingWrites:
    """The database refusing the next `times` listing upserts, as a lost connection
    would (the first of them after MercadoLibre took the change)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, times: int) -> None:
        self.left = times
        upsert = InMemoryListingRepository.upsert

        async def failing(repository: Any, listings: Any) -> None:
            if self.left > 0:
                self.left -= 1
                raise Unavailable("database unavailable: connection lost")
            await upsert(repository, listings)

        monkeypatch.setattr(InMemoryListingRepository, "upsert", failing)


async def stored(world: World, item_id: str = SIMPLE) -> Listing:
    async with world.uow() as uow:
        return await uow.listings.get(item_id)


async def test_an_update_whose_storing_failed_is_read_again_and_stored(world, monkeypatch):
    await world.publish(a_listing(quantity=10))
    FailingWrites(monkeypatch, times=1)

    result = await world.container.update_listing()(
        UpdateListingCommand(SIMPLE, price=Decimal("18000"))
    )

    assert result.listing.price == Money.of("18000", "ARS")
    assert (await stored(world)).price == Money.of("18000", "ARS")
    assert world.market.calls["get_listing"] == 2, "read again after the failed store"


async def test_an_update_that_cannot_be_stored_at_all_says_what_mercadolibre_shows(
    world, monkeypatch
):
    await world.publish(a_listing(quantity=10))
    FailingWrites(monkeypatch, times=2)

    with pytest.raises(WrittenNotStored) as caught:
        await world.container.update_listing()(UpdateListingCommand(SIMPLE, price=Decimal("18000")))

    assert world.market.items[SIMPLE].price == Money.of("18000", "ARS")
    assert (await stored(world)).price == Money.of("15000", "ARS"), "the local copy is behind"
    answer = problem_for(caught.value)
    body = json.loads(answer.text)
    assert answer.status == 503
    assert body["meli_shows"]["price"] == "18000.00"
    assert body["item_id"] == SIMPLE and "connection lost" in body["detail"]


async def test_a_status_change_whose_storing_failed_is_read_again_and_stored(world, monkeypatch):
    await world.publish(a_listing(quantity=10))
    FailingWrites(monkeypatch, times=1)

    result = await world.container.change_listing_status()(SIMPLE, ListingStatus.PAUSED)

    assert result.listing.status is ListingStatus.PAUSED
    assert (await stored(world)).status is ListingStatus.PAUSED


class CreatingMarket:
    """FakeListings with a create: the new item is kept, so that it can be read again."""

    def __init__(self, market: Any) -> None:
        self.market = market

    async def create_listing(self, account_id: int, draft: Any) -> Listing:
        created = a_listing(
            "MLA1000000777",
            draft.available_quantity,
            account_id=account_id,
            title=draft.title,
            price=draft.price,
        )
        self.market.add(created)
        return created


async def test_a_created_listing_whose_storing_failed_is_read_again_and_stored(world, monkeypatch):
    creating = CreatingMarket(world.market)
    monkeypatch.setattr(world.market, "create_listing", creating.create_listing, raising=False)
    FailingWrites(monkeypatch, times=1)

    result = await world.container.create_listing()(
        CreateListingCommand(
            world.account_id,
            "Mate de calabaza",
            "MLA1055",
            Decimal("1000"),
            5,
            pictures=("https://example.com/a.jpg",),
        )
    )

    assert result.listing.item_id == "MLA1000000777"
    assert (await stored(world, "MLA1000000777")).title == "Mate de calabaza"
    assert [level.quantity for level in result.stock] == [5]


async def test_a_stock_write_whose_storing_failed_once_is_stored_on_the_second_try(
    world, monkeypatch
):
    await world.publish(a_listing(quantity=10))
    upsert = InMemoryInventoryRepository.upsert
    failures = [Unavailable("database unavailable: connection lost")]

    async def failing_once(repository: Any, levels: Any) -> None:
        if failures:
            raise failures.pop()
        await upsert(repository, levels)

    monkeypatch.setattr(InMemoryInventoryRepository, "upsert", failing_once)

    result = await world.container.update_stock()(StockRequest(SIMPLE, 4))

    assert (result.outcome, result.reason) == (StockOutcome.APPLIED, None)
    assert (await world.level(SIMPLE)).quantity == 4


async def test_a_stock_write_that_cannot_be_stored_says_mercadolibre_has_it(world, monkeypatch):
    await world.publish(a_listing(quantity=10))

    async def down(repository: Any, levels: Any) -> None:
        raise Unavailable("database unavailable: connection lost")

    monkeypatch.setattr(InMemoryInventoryRepository, "upsert", down)

    result = await world.container.update_stock()(StockRequest(SIMPLE, 4))

    assert result.outcome is StockOutcome.APPLIED, "published: never a FAILED that was not"
    assert result.observed == 4 and world.market.shown(SIMPLE) == 4
    assert "MercadoLibre shows 4; the local copy could not store it" in result.reason
