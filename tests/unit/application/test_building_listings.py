"""Building a listing on the in-memory container: categories read through the cache,
and a listing validated without publishing (mercadolibre-api.md §4.2, §4.9, §4.1).

MercadoLibre is FakeCategoryGateway and FakeListingGateway (tests/fakes/), held to the
same contract suites as the real gateways on the sandbox.
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
from application.errors import NotFound, ValidationFailed
from application.listings.commands import CreateListingCommand, VariationInput
from domain.accounts import Account
from entrypoints.container import build_container, start, stop
from entrypoints.settings import Settings
from tests.fakes import FakeCategoryGateway, FakeListingGateway

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
SELLER = 202593498
PICTURE = "http://mla-s2-p.mlstatic.com/968521-MLA20805195516_072016-O.jpg"


@attrs.define
class World:
    container: Any
    clock: ManualClock
    categories: FakeCategoryGateway
    market: FakeListingGateway
    account_id: int


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    settings = Settings.from_mapping(
        {"STORAGE": "memory", "DATA_DIR": str(tmp_path), "CATEGORY_CACHE_TTL": "600"}
    )
    container = build_container(settings)
    clock = ManualClock(NOW)
    categories = FakeCategoryGateway()
    market = FakeListingGateway()
    container.clock.override(providers.Object(clock))
    container.category_gateway.override(providers.Object(categories))
    container.listing_gateway.override(providers.Object(market))
    await start(container)
    async with container.unit_of_work() as uow:
        account = await uow.accounts.add(Account(SELLER, "MLA", "SELLER"))
        await uow.commit()
    assert account.id is not None
    market.connect(account.id, SELLER)
    try:
        yield World(container, clock, categories, market, account.id)
    finally:
        await stop(container)


def sneakers(account_id: int, **changes: Any) -> CreateListingCommand:
    command = CreateListingCommand(
        account_id=account_id,
        title="Zapatillas Nike Revolution 6 Hombre",
        category_id="MLA109027",
        price=Decimal("15000"),
        available_quantity=8,
        pictures=(PICTURE,),
        attributes=(("BRAND", "Nike"), ("GENDER", "Hombre")),
        variations=(
            VariationInput((("COLOR", "Negro"), ("SIZE", "40")), None, 5, ()),
            VariationInput((("COLOR", "Blanco"), ("SIZE", "40")), None, 3, ()),
        ),
    )
    return attrs.evolve(command, **changes)


# -- categories ---------------------------------------------------------------------------


async def test_a_category_comes_with_the_listing_types_the_seller_may_use(world):
    details = await world.container.get_category()("MLA109027")

    assert [r.id for r in details.category.path_from_root] == ["MLA1430", "MLA109027"]
    assert "gold_special" in details.listing_types
    assert details.account_id == world.account_id


async def test_a_parent_category_has_no_listing_types_and_they_are_not_asked_for(world):
    details = await world.container.get_category()("MLA1430")

    assert details.listing_types == ()
    assert world.categories.calls["listing_types"] == 0


async def test_categories_are_read_once_until_the_cache_expires(world):
    get = world.container.get_category()
    attributes = world.container.get_category_attributes()
    for _ in range(3):
        await get("MLA109027")
        await attributes("MLA109027")
    assert world.categories.calls == {"get_category": 1, "get_attributes": 1, "listing_types": 1}

    world.clock.advance(600)  # CATEGORY_CACHE_TTL
    await get("MLA109027")
    assert world.categories.calls["get_category"] == 2


async def test_an_unknown_category_is_not_found_and_not_cached(world):
    get = world.container.get_category()
    for _ in range(2):
        with pytest.raises(NotFound):
            await get("MLA999999")
    assert world.categories.calls["get_category"] == 2


async def test_attributes_come_required_first_then_recommended_then_optional(world):
    attributes = await world.container.get_category_attributes()("MLA109027")

    order = [a.requirement.value for a in attributes]
    assert order == sorted(order, key=["required", "recommended", "optional"].index)
    assert {a.id for a in attributes if a.requirement.value == "required"} == {
        "BRAND",
        "GENDER",
        "ITEM_CONDITION",
    }


async def test_without_a_connected_account_categories_cannot_be_read(tmp_path):
    container = build_container(
        Settings.from_mapping({"STORAGE": "memory", "DATA_DIR": str(tmp_path)})
    )
    container.category_gateway.override(providers.Object(FakeCategoryGateway()))
    await start(container)
    try:
        with pytest.raises(ValidationFailed) as caught:
            await container.get_category()("MLA3530")
        assert caught.value.problems[0].field == "account_id"
    finally:
        await stop(container)


# -- validation without publishing ---------------------------------------------------------


async def test_a_valid_listing_is_checked_by_mercadolibre_and_nothing_is_published(world):
    result = await world.container.validate_listing()(sneakers(world.account_id))

    assert result.valid and result.mercadolibre_checked
    assert result.problems == () and result.warnings == ()
    assert world.market.calls["validate_listing"] == 1
    assert world.market.items == {}
    async with world.container.unit_of_work() as uow:
        assert await uow.listings.item_ids(world.account_id) == set()


async def test_every_problem_is_answered_at_once_with_who_found_it(world):
    """The local checks (a negative price), the category's (a title over 60, GENDER
    missing, a variation differing in BRAND) in one answer; MercadoLibre is not asked
    about a body the service would not send."""
    command = sneakers(
        world.account_id,
        title="Zapatillas " * 7,
        price=Decimal("-1"),
        attributes=(("BRAND", "Nike"),),
        variations=(VariationInput((("COLOR", "Negro"), ("BRAND", "Nike")), None, 5, ()),),
    )

    result = await world.container.validate_listing()(command)

    assert not result.valid and not result.mercadolibre_checked
    found = {(p.source, p.field) for p in result.problems}
    assert ("local", "price") in found
    assert ("category", "title") in found
    assert ("category", "attributes") in found
    assert ("category", "variations[0].attribute_combinations[1]") in found
    assert world.market.calls["validate_listing"] == 0


async def test_what_only_mercadolibre_refuses_comes_back_with_its_causes(world):
    """The category's rules pass on a cached copy; MercadoLibre's dry run still has the
    last word (§4.2)."""
    world.categories.attributes["MLA109027"] = tuple(
        a for a in world.categories.attributes["MLA109027"] if a.id != "GENDER"
    )
    command = sneakers(world.account_id, attributes=(("BRAND", "Nike"),))

    result = await world.container.validate_listing()(command)

    assert not result.valid and result.mercadolibre_checked
    [problem] = result.problems
    assert problem.source == "mercadolibre"
    assert problem.code == "item.attributes.missing_required"


async def test_a_parent_category_or_an_unknown_one_is_a_category_problem(world):
    validate = world.container.validate_listing()
    parent = await validate(sneakers(world.account_id, category_id="MLA1430"))
    unknown = await validate(sneakers(world.account_id, category_id="MLA999999"))

    assert (parent.problems[0].source, parent.problems[0].field) == ("category", "category_id")
    assert "MLA109027" in parent.problems[0].reason
    assert ("category", "category_id") in {(p.source, p.field) for p in unknown.problems}


async def test_a_value_outside_an_attributes_list_is_only_a_warning(world):
    command = sneakers(world.account_id, attributes=(("BRAND", "Nike"), ("GENDER", "Unisex")))

    result = await world.container.validate_listing()(command)

    assert result.valid
    assert [w.field for w in result.warnings] == ["attributes[1]"]
