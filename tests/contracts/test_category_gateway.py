"""CategoryGateway contract (application/ports/category_gateway.py, mercadolibre-api.md
§4.9, §4.1, §4.10): AiohttpCategoryGateway on the sandbox over loopback, and
FakeCategoryGateway, the fake the use-case tests drive. What one does, the other does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import attrs
import pytest
import pytest_asyncio

from adapters.mercadolibre import AccountCalls
from adapters.mercadolibre.categories import AiohttpCategoryGateway
from application.errors import NotFound
from application.ports.category_gateway import CategoryGateway, Requirement
from tests.contracts.sandbox_sellers import SandboxSellers, gateway_client
from tests.fakes import FakeCategoryGateway

pytestmark = pytest.mark.asyncio(loop_scope="module")


@attrs.define
class CategoryWorld:
    gateway: CategoryGateway
    account_id: int
    seller_id: int


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "fake"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, object, object]:
    if request.param == "sandbox":
        sandbox = request.getfixturevalue("gateway_sandbox")
        return request.param, sandbox, request.getfixturevalue("gateway_session")
    return request.param, None, None


@pytest_asyncio.fixture(loop_scope="module")
async def world(implementation) -> AsyncIterator[CategoryWorld]:
    kind, sandbox, session = implementation
    if kind == "fake":
        yield CategoryWorld(FakeCategoryGateway(), 1, 202593498)
        return
    sellers = SandboxSellers(sandbox)
    account_id, user = await sellers.new_seller("MLA")
    gateway = AiohttpCategoryGateway(AccountCalls(gateway_client(sandbox, session), sellers))
    yield CategoryWorld(gateway, account_id, int(user["id"]))


async def test_a_leaf_category_has_its_path_from_the_root_and_takes_listings(world):
    """§4.9: path_from_root starts at the root and ends with the category itself."""
    category = await world.gateway.get_category(world.account_id, "MLA109027")

    assert category.id == "MLA109027"
    assert [ref.id for ref in category.path_from_root] == ["MLA1430", "MLA109027"]
    assert category.children == ()
    assert category.settings.listing_allowed
    assert category.settings.max_title_length == 60
    assert category.settings.max_pictures_per_item == 12
    assert category.settings.max_variations_allowed == 250  # §4.6: Fashion
    assert category.settings.currencies == ("ARS",)
    assert category.settings.minimum_price == Decimal(100)
    assert "new" in category.settings.item_conditions
    assert category.domain_id == "MLA-SNEAKERS"


async def test_a_root_category_names_its_children_and_takes_no_listings(world):
    category = await world.gateway.get_category(world.account_id, "MLA1430")

    assert [ref.id for ref in category.path_from_root] == ["MLA1430"]
    assert "MLA109027" in {ref.id for ref in category.children}
    assert not category.settings.listing_allowed
    assert await world.gateway.get_attributes(world.account_id, "MLA1430") == ()


async def test_attributes_say_what_is_required_recommended_and_their_allowed_values(world):
    """§4.1 schema, §4.2: `required` tags; relevance 1 are the main attributes."""
    attributes = {
        a.id: a for a in await world.gateway.get_attributes(world.account_id, "MLA109027")
    }

    required = {i for i, a in attributes.items() if a.requirement is Requirement.REQUIRED}
    assert required == {"BRAND", "GENDER", "ITEM_CONDITION"}
    assert attributes["MODEL"].requirement is Requirement.RECOMMENDED
    assert attributes["SELLER_SKU"].requirement is Requirement.OPTIONAL
    gender = attributes["GENDER"]
    assert gender.value_type == "list"
    assert ("339666", "Hombre") in {(v.id, v.name) for v in gender.values}
    assert attributes["COLOR"].allow_variations and attributes["SIZE"].allow_variations
    assert not attributes["BRAND"].allow_variations
    assert attributes["ITEM_CONDITION"].hidden


async def test_the_seller_may_use_the_listing_types_in_current_use(world):
    """§4.10: free, gold_special and gold_pro."""
    types = await world.gateway.listing_types(world.account_id, world.seller_id, "MLA3530")

    assert {"free", "gold_special", "gold_pro"} <= set(types)


@pytest.mark.parametrize("category_id", ["MLA999999999", "XXX1", "MLA", "../items"])
async def test_an_unknown_category_is_not_found(world, category_id):
    with pytest.raises(NotFound):
        await world.gateway.get_category(world.account_id, category_id)
    with pytest.raises(NotFound):
        await world.gateway.get_attributes(world.account_id, category_id)
    with pytest.raises(NotFound):
        await world.gateway.listing_types(world.account_id, world.seller_id, category_id)
