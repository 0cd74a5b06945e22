"""ListingGateway contract (application/ports/listing_gateway.py, mercadolibre-api.md §4):
AiohttpListingGateway on the sandbox over loopback, and FakeListingGateway, the fake the
use-case tests drive. What one does, the other does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import attrs
import pytest
import pytest_asyncio

from application.errors import Forbidden, NotFound, ScrollExpired, ValidationFailed
from application.ports.listing_gateway import (
    ListingChanges,
    Relist,
    RelistedVariation,
    VariationChange,
)
from domain.listings import Attribute, ListingStatus, Picture, Shipping, Variation
from domain.money import Money
from tests.contracts.listing_worlds import (
    PRICE,
    FakeListingWorld,
    ListingWorld,
    SandboxListingWorld,
    combination,
    plain,
    shoes,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "fake"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, object, object]:
    if request.param == "sandbox":
        sandbox = request.getfixturevalue("gateway_sandbox")
        return request.param, sandbox, request.getfixturevalue("gateway_session")
    return request.param, None, None


@pytest_asyncio.fixture(loop_scope="module")
async def world(implementation) -> AsyncIterator[ListingWorld]:
    kind, sandbox, session = implementation
    if kind == "sandbox":
        yield await SandboxListingWorld.start(sandbox, session)
    else:
        yield FakeListingWorld()


async def a_pair(world: ListingWorld, description: str | None = "Primera versión"):
    """A listing without variations (10 units) and shoes with black 5, white 3."""
    simple = await world.listing(plain(description=description))
    sneakers = await world.listing(shoes(await world.picture()))
    return simple, sneakers


# -- scan (§4.11) --------------------------------------------------------------------------


async def test_a_scan_reads_every_listing_once_in_pages_and_ends_with_an_empty_page(world):
    seeded = {(await world.listing(plain(title=f"Item de test {n}"))).item_id for n in range(7)}
    gateway = world.gateway

    pages = [await gateway.scan_item_ids(world.account_id, world.seller_id, limit=3)]
    while pages[-1].scroll_id is not None:
        pages.append(
            await gateway.scan_item_ids(world.account_id, world.seller_id, pages[-1].scroll_id, 3)
        )

    assert [len(page.item_ids) for page in pages] == [3, 3, 1, 0]
    assert {page.total for page in pages} == {7}
    seen = [item_id for page in pages for item_id in page.item_ids]
    assert len(seen) == len(set(seen)) and set(seen) == seeded


async def test_an_unknown_scroll_is_scroll_expired(world):
    with pytest.raises(ScrollExpired):
        await world.gateway.scan_item_ids(world.account_id, world.seller_id, "0" * 32)


@pytest.mark.parametrize("limit", [0, 101])
async def test_a_scan_page_holds_1_to_100_ids(world, limit):
    with pytest.raises(ValueError):
        await world.gateway.scan_item_ids(world.account_id, world.seller_id, limit=limit)


async def test_another_sellers_scan_is_forbidden(world):
    """§2.3: the search is the token owner's own."""
    with pytest.raises(Forbidden):
        await world.gateway.scan_item_ids(world.account_id, await world.other_seller_id())


# -- the most recently changed first (§4.11 orders=last_updated_desc) ----------------------


async def test_the_latest_changed_listings_come_first_in_pages(world):
    first = await world.listing(plain(title="Item de test uno"))
    second = await world.listing(plain(title="Item de test dos"))
    third = await world.listing(plain(title="Item de test tres"))
    gateway = world.gateway
    await gateway.update_listing(
        world.account_id, first.item_id, ListingChanges(price=Money.of("360", "ARS"))
    )
    await world.sell(second.item_id, 1)

    page = await gateway.recently_updated_item_ids(world.account_id, world.seller_id, limit=2)
    rest = await gateway.recently_updated_item_ids(
        world.account_id, world.seller_id, offset=2, limit=2
    )

    assert page.item_ids == (second.item_id, first.item_id)
    assert (page.total, page.offset) == (3, 0)
    assert rest.item_ids == (third.item_id,) and rest.offset == 2
    found = await gateway.get_listings(world.account_id, [*page.item_ids, *rest.item_ids])
    times = [found[i].last_updated for i in (*page.item_ids, *rest.item_ids)]
    assert times == sorted(times, reverse=True)


async def test_a_deleted_listing_leaves_the_latest_changed(world):
    """§4.4: a deleted item leaves every search."""
    kept = await world.listing(plain(title="Item de test queda"))
    gone = await world.listing(plain(title="Item de test se va"))
    await world.gateway.delete_listing(world.account_id, gone.item_id)

    page = await world.gateway.recently_updated_item_ids(world.account_id, world.seller_id)

    assert page.item_ids == (kept.item_id,) and page.total == 1


@pytest.mark.parametrize(("offset", "limit"), [(0, 0), (0, 101), (-1, 10), (951, 50)])
async def test_the_latest_changed_are_read_within_offset_paging(world, offset, limit):
    """§4.11: pages of 1 to 100, offset + limit up to 1000; refused before any call."""
    with pytest.raises(ValueError):
        await world.gateway.recently_updated_item_ids(
            world.account_id, world.seller_id, offset=offset, limit=limit
        )


async def test_another_sellers_latest_changed_are_forbidden(world):
    """§2.3: the search is the token owner's own."""
    with pytest.raises(Forbidden):
        await world.gateway.recently_updated_item_ids(
            world.account_id, await world.other_seller_id()
        )


# -- multiget (§4.11) and one listing (§4.1, §4.7) -----------------------------------------


async def test_a_multiget_answers_the_listings_without_description_and_skips_unknown_ids(world):
    simple, sneakers = await a_pair(world)
    black, white = sneakers.variations

    found = await world.gateway.get_listings(
        world.account_id, [simple.item_id, sneakers.item_id, "MLA1", "not-an-id", simple.item_id]
    )

    assert sorted(found) == sorted([simple.item_id, sneakers.item_id])
    one, other = found[simple.item_id], found[sneakers.item_id]
    assert (one.account_id, one.seller_id) == (world.account_id, world.seller_id)
    assert (one.title, one.price, one.available_quantity, one.status) == (
        "Item de test - No Ofertar",
        Money.of("350", "ARS"),
        10,
        ListingStatus.ACTIVE,
    )
    assert one.description is None, "descriptions are their own resource (§4.7)"
    assert [(v.id, v.available_quantity, v.seller_sku) for v in other.variations] == [
        (black.id, 5, "NK-N"),
        (white.id, 3, "NK-B"),
    ]
    assert other.total_quantity == 8 and other.variations[0].price == PRICE


async def test_a_multiget_takes_at_most_20_ids_and_none_costs_nothing(world):
    ids = [f"MLA{1000000000 + n}" for n in range(21)]
    with pytest.raises(ValueError, match="at most 20"):
        await world.gateway.get_listings(world.account_id, ids)
    with pytest.raises(ValueError, match="at most 20"):
        await world.gateway.get_stock(world.account_id, ids)
    assert await world.gateway.get_listings(world.account_id, []) == {}
    assert await world.gateway.get_stock(world.account_id, ["not-an-id"]) == {}


async def test_stock_is_read_per_listing_and_per_variation(world):
    simple, sneakers = await a_pair(world)
    black, white = sneakers.variations

    stock = await world.gateway.get_stock(world.account_id, [simple.item_id, sneakers.item_id])

    assert attrs.astuple(stock[simple.item_id]) == (simple.item_id, 10, "active", ())
    assert attrs.astuple(stock[sneakers.item_id]) == (
        sneakers.item_id,
        8,
        "active",
        ((black.id, 5), (white.id, 3)),
    )


async def test_one_listing_comes_with_its_description_and_an_unknown_one_is_not_found(world):
    simple, sneakers = await a_pair(world, description="Línea uno\nLínea dos")
    gateway = world.gateway

    assert (await gateway.get_listing(world.account_id, simple.item_id)).description == (
        "Línea uno\nLínea dos"
    )
    read = await gateway.get_listing(world.account_id, sneakers.item_id)
    assert read.description is None
    assert [v.seller_sku for v in read.variations] == ["NK-N", "NK-B"]
    for unknown in ("MLA1", "not-an-id"):
        with pytest.raises(NotFound):
            await gateway.get_listing(world.account_id, unknown)


async def test_a_description_is_read_alone_and_none_when_the_listing_has_none(world):
    simple, sneakers = await a_pair(world, description="Línea uno\nLínea dos")
    gateway = world.gateway

    assert await gateway.get_description(world.account_id, simple.item_id) == (
        "Línea uno\nLínea dos"
    )
    assert await gateway.get_description(world.account_id, sneakers.item_id) is None
    assert await gateway.get_description(world.account_id, "MLA1") is None


# -- delete (§4.4) -------------------------------------------------------------------------


async def test_a_deleted_listing_is_gone_from_scans_multigets_and_reads(world):
    simple, sneakers = await a_pair(world)
    gateway = world.gateway

    await gateway.delete_listing(world.account_id, simple.item_id)

    page = await gateway.scan_item_ids(world.account_id, world.seller_id)
    assert (page.item_ids, page.total) == ((sneakers.item_id,), 1)
    ids = [simple.item_id, sneakers.item_id]
    assert list(await gateway.get_listings(world.account_id, ids)) == [sneakers.item_id]
    assert list(await gateway.get_stock(world.account_id, ids)) == [sneakers.item_id]
    with pytest.raises(NotFound):
        await gateway.get_listing(world.account_id, simple.item_id)


async def test_a_delete_is_idempotent_and_a_closed_listing_can_be_deleted(world):
    simple, sneakers = await a_pair(world)
    gateway = world.gateway
    await gateway.update_listing(
        world.account_id, sneakers.item_id, ListingChanges(status=ListingStatus.CLOSED)
    )

    for item_id in (simple.item_id, simple.item_id, sneakers.item_id, "MLA1"):
        await gateway.delete_listing(world.account_id, item_id)

    assert await gateway.get_listings(world.account_id, [simple.item_id, sneakers.item_id]) == {}
    with pytest.raises(NotFound):
        await gateway.delete_listing(world.account_id, "not-an-id")


# -- stock (§4.3, §4.6) --------------------------------------------------------------------


async def stock_of(world: ListingWorld, item_id: str):
    return (await world.gateway.get_stock(world.account_id, [item_id]))[item_id]


async def test_stock_at_zero_pauses_a_listing_and_a_restock_reactivates_it(world):
    simple = await world.listing(plain())
    gateway = world.gateway

    await gateway.set_stock(world.account_id, simple.item_id, {None: 0})
    assert attrs.astuple(await stock_of(world, simple.item_id))[1:3] == (0, "paused")
    await gateway.set_stock(world.account_id, simple.item_id, {None: 7})
    assert attrs.astuple(await stock_of(world, simple.item_id))[1:3] == (7, "active")


async def test_stock_at_zero_on_every_variation_pauses_the_listing(world):
    sneakers = await world.listing(shoes(await world.picture()))
    black, white = (v.id for v in sneakers.variations)
    gateway = world.gateway

    await gateway.set_stock(
        world.account_id, sneakers.item_id, {black: 0, white: 0}, [black, white]
    )
    assert attrs.astuple(await stock_of(world, sneakers.item_id))[1:3] == (0, "paused")
    await gateway.set_stock(world.account_id, sneakers.item_id, {white: 1}, [black, white])
    assert attrs.astuple(await stock_of(world, sneakers.item_id))[1:] == (
        1,
        "active",
        ((black, 0), (white, 1)),
    )


async def test_stock_is_set_per_variation_and_the_others_keep_theirs_sales_included(world):
    sneakers = await world.listing(shoes(await world.picture()))
    black, white = (v.id for v in sneakers.variations)
    await world.sell(sneakers.item_id, 1, white)

    await world.gateway.set_stock(world.account_id, sneakers.item_id, {black: 9}, [black, white])

    stock = await stock_of(world, sneakers.item_id)
    assert (stock.available_quantity, stock.variations) == (11, ((black, 9), (white, 2)))
    read = await world.gateway.get_listing(world.account_id, sneakers.item_id)
    assert (read.sold_quantity, [v.sold_quantity for v in read.variations]) == (1, [0, 1])


async def test_a_listing_with_sales_keeps_its_title_and_takes_other_changes(world):
    """§4.3: with sales, the title can no longer change."""
    simple = await world.listing(plain())
    await world.sell(simple.item_id, 1)
    gateway = world.gateway

    with pytest.raises(ValidationFailed):
        await gateway.update_listing(
            world.account_id, simple.item_id, ListingChanges(title="Item de test nuevo")
        )
    updated = await gateway.update_listing(
        world.account_id, simple.item_id, ListingChanges(price=Money.of("400", "ARS"))
    )

    assert (updated.title, updated.price, updated.sold_quantity) == (
        "Item de test - No Ofertar",
        Money.of("400", "ARS"),
        1,
    )


async def test_stock_keys_that_do_not_fit_are_a_value_error_and_change_nothing(world):
    simple, sneakers = await a_pair(world)
    black, white = (v.id for v in sneakers.variations)
    set_stock = world.gateway.set_stock

    for item_id, quantities, variation_ids in [
        (sneakers.item_id, {None: 1}, [black, white]),
        (sneakers.item_id, {123: 1}, [black, white]),
        (simple.item_id, {black: 1}, []),
        (simple.item_id, {}, []),
        (sneakers.item_id, {}, [black, white]),
    ]:
        with pytest.raises(ValueError):
            await set_stock(world.account_id, item_id, quantities, variation_ids)

    assert (await stock_of(world, sneakers.item_id)).variations == ((black, 5), (white, 3))
    assert (await stock_of(world, simple.item_id)).available_quantity == 10


async def test_stock_of_an_unknown_listing_is_not_found(world):
    with pytest.raises(NotFound):
        await world.gateway.set_stock(world.account_id, "MLA1", {None: 3})


# -- update (§4.3, §4.6) -------------------------------------------------------------------


async def test_an_update_changes_what_it_names_and_answers_the_whole_listing(world):
    simple = await world.listing(plain(description="Primera versión"))

    updated = await world.gateway.update_listing(
        world.account_id,
        simple.item_id,
        ListingChanges(title="Item de test nuevo", price=Money.of("420.5", "ARS")),
    )

    for listing in (updated, await world.gateway.get_listing(world.account_id, simple.item_id)):
        assert (listing.title, listing.price, listing.available_quantity) == (
            "Item de test nuevo",
            Money.of("420.50", "ARS"),
            10,
        )
        assert listing.description == "Primera versión"


async def test_an_update_replaces_pictures_merges_attributes_and_sets_shipping_and_video(world):
    """§4.3, §4.8: the pictures sent are the listing's pictures; attributes sent replace
    those of their id and leave the others."""
    simple = await world.listing(plain())
    picture = await world.picture()

    await world.gateway.update_listing(
        world.account_id,
        simple.item_id,
        ListingChanges(
            pictures=(Picture(id=picture), Picture(source="https://example.com/b.jpg")),
            attributes=(Attribute("MODEL", value_name="X1"),),
            shipping=Shipping(mode="me2", free_shipping=True),
            video_id="RUNPRO2026",
        ),
    )

    read = await world.gateway.get_listing(world.account_id, simple.item_id)
    assert len(read.pictures) == 2 and read.pictures[0].id == picture
    assert {(a.id, a.value_name) for a in read.attributes} >= {
        ("BRAND", "Marca del producto"),
        ("MODEL", "X1"),
    }
    assert (read.shipping.mode, read.shipping.free_shipping) == ("me2", True)
    assert read.video_id == "RUNPRO2026"


async def test_an_update_keeps_variations_named_by_id_alone_adds_new_ones_drops_the_rest(world):
    picture = await world.picture()
    sneakers = await world.listing(shoes(picture))
    black, white = (v.id for v in sneakers.variations)
    await world.sell(sneakers.item_id, 1, white)
    red = Variation(combination("Rojo"), PRICE, 4, picture_ids=(picture,), seller_sku="NK-R")

    updated = await world.gateway.update_listing(
        world.account_id,
        sneakers.item_id,
        ListingChanges(
            variations=(VariationChange(black, available_quantity=9), VariationChange(white), red)
        ),
    )

    assert [v.id for v in updated.variations][:2] == [black, white]
    added = updated.variations[2].id
    assert added not in (None, black, white)
    assert [v.available_quantity for v in updated.variations] == [9, 2, 4], "the sale is kept"
    read = await world.gateway.get_listing(world.account_id, sneakers.item_id)
    assert [(v.id, v.seller_sku) for v in read.variations] == [
        (black, "NK-N"),
        (white, "NK-B"),
        (added, "NK-R"),
    ]

    trimmed = await world.gateway.update_listing(
        world.account_id,
        sneakers.item_id,
        ListingChanges(variations=(VariationChange(black), VariationChange(added))),
    )

    assert [v.id for v in trimmed.variations] == [black, added]
    assert (await stock_of(world, sneakers.item_id)).variations == ((black, 9), (added, 4))


async def test_an_update_naming_a_variation_not_of_the_listing_is_refused_whole(world):
    sneakers = await world.listing(shoes(await world.picture()))
    black, white = (v.id for v in sneakers.variations)

    with pytest.raises(ValidationFailed):
        await world.gateway.update_listing(
            world.account_id,
            sneakers.item_id,
            ListingChanges(
                title="Zapatillas Nike Otro Modelo",
                variations=(VariationChange(black, available_quantity=1), VariationChange(123)),
            ),
        )

    read = await world.gateway.get_listing(world.account_id, sneakers.item_id)
    assert read.title == "Zapatillas Nike Revolution 6 Hombre", "nothing of it was applied"
    assert (await stock_of(world, sneakers.item_id)).variations == ((black, 5), (white, 3))


async def test_a_new_variation_without_its_pictures_is_refused(world):
    """§4.6: a new variation needs attribute_combinations, available_quantity and
    picture_ids."""
    sneakers = await world.listing(shoes(await world.picture()))
    black, white = (v.id for v in sneakers.variations)
    red = VariationChange(
        attribute_combinations=combination("Rojo"), price=PRICE, available_quantity=2
    )

    with pytest.raises(ValidationFailed):
        await world.gateway.update_listing(
            world.account_id,
            sneakers.item_id,
            ListingChanges(variations=(VariationChange(black), VariationChange(white), red)),
        )

    assert (await stock_of(world, sneakers.item_id)).variations == ((black, 5), (white, 3))


async def test_an_update_with_nothing_to_change_or_of_an_unknown_listing_is_refused(world):
    simple = await world.listing(plain())
    with pytest.raises(ValueError):
        await world.gateway.update_listing(world.account_id, simple.item_id, ListingChanges())
    with pytest.raises(NotFound):
        await world.gateway.update_listing(world.account_id, "MLA1", ListingChanges(title="x"))


async def test_a_listing_is_paused_activated_and_closed_and_a_closed_one_changes_no_more(world):
    simple = await world.listing(plain())
    gateway, account = world.gateway, world.account_id

    for status in (ListingStatus.PAUSED, ListingStatus.ACTIVE, ListingStatus.CLOSED):
        answered = await gateway.update_listing(
            account, simple.item_id, ListingChanges(status=status)
        )
        assert answered.status is status
        assert (await stock_of(world, simple.item_id)).status == status.value

    for change in (
        gateway.update_listing(account, simple.item_id, ListingChanges(title="Otro título")),
        gateway.update_listing(
            account, simple.item_id, ListingChanges(status=ListingStatus.ACTIVE)
        ),
        gateway.set_stock(account, simple.item_id, {None: 3}),
    ):
        with pytest.raises(ValidationFailed):
            await change
    read = await gateway.get_listing(account, simple.item_id)
    assert (read.status, read.title, read.available_quantity) == (
        ListingStatus.CLOSED,
        "Item de test - No Ofertar",
        10,
    )


# -- descriptions (§4.7) -------------------------------------------------------------------


async def test_a_description_is_set_in_plain_text_and_html_is_refused(world):
    simple, sneakers = await a_pair(world, description=None)
    gateway = world.gateway

    await gateway.set_description(world.account_id, sneakers.item_id, "Nuevas.\nTalle 40.")
    await gateway.set_description(world.account_id, simple.item_id, "Primera")
    await gateway.set_description(world.account_id, simple.item_id, "Segunda")
    with pytest.raises(ValidationFailed) as caught:
        await gateway.set_description(world.account_id, simple.item_id, "<p>Oferta</p>")

    assert caught.value.problems[0].code == "item.description.type.invalid"
    assert (await gateway.get_listing(world.account_id, simple.item_id)).description == "Segunda"
    read = await gateway.get_listing(world.account_id, sneakers.item_id)
    assert read.description == "Nuevas.\nTalle 40."
    with pytest.raises(NotFound):
        await gateway.set_description(world.account_id, "MLA1", "Texto")


# -- create (§4.2) -------------------------------------------------------------------------


async def test_a_created_listing_is_active_with_new_variation_ids_skus_and_description(world):
    new = shoes(await world.picture(), description="Zapatillas nuevas.")

    created = await world.gateway.create_listing(world.account_id, new)

    assert created.item_id.startswith("MLA") and created.status is ListingStatus.ACTIVE
    assert (created.seller_id, created.account_id) == (world.seller_id, world.account_id)
    ids = [v.id for v in created.variations]
    assert None not in ids and len(set(ids)) == 2
    assert [(v.seller_sku, v.available_quantity) for v in created.variations] == [
        ("NK-N", 5),
        ("NK-B", 3),
    ]
    assert created.description == "Zapatillas nuevas."
    read = await world.gateway.get_listing(world.account_id, created.item_id)
    assert ([v.id for v in read.variations], read.description) == (ids, "Zapatillas nuevas.")


async def test_a_listing_is_created_without_the_description_mercadolibre_refuses(world):
    created = await world.gateway.create_listing(world.account_id, plain(description="<b>x</b>"))
    assert created.description is None
    assert (await world.gateway.get_listing(world.account_id, created.item_id)).description is None


async def test_a_listing_in_another_currency_than_its_sites_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        await world.gateway.create_listing(world.account_id, plain(price=Money.of("10", "USD")))
    assert caught.value.problems[0].field == "price"
    page = await world.gateway.scan_item_ids(world.account_id, world.seller_id)
    assert page.total == 0


# -- health (§4.12) and the predictor (§4.9) -----------------------------------------------


async def test_the_health_of_a_listing_scores_its_goals(world):
    simple = await world.listing(plain())
    gateway = world.gateway

    before = await gateway.listing_health(world.account_id, simple.item_id)
    await gateway.set_description(world.account_id, simple.item_id, "Una descripción.")
    await gateway.update_listing(
        world.account_id, simple.item_id, ListingChanges(status=ListingStatus.PAUSED)
    )
    after = await gateway.listing_health(world.account_id, simple.item_id)

    for health in (before, after):
        assert health.item_id == simple.item_id
        assert health.health is not None and 0 <= health.health <= 1
        assert health.level in ("basic", "standard", "professional")
        assert {g.id for g in health.goals} >= {"picture", "description", "video"}
        assert all(0 <= g.progress <= 1 and g.completed == (g.progress >= 1) for g in health.goals)
    goal = {g.id: g for g in before.goals}, {g.id: g for g in after.goals}
    assert (goal[0]["description"].completed, goal[1]["description"].completed) == (False, True)
    assert after.health > before.health


async def test_a_closed_or_unknown_listing_has_no_health(world):
    simple = await world.listing(plain())
    await world.gateway.update_listing(
        world.account_id, simple.item_id, ListingChanges(status=ListingStatus.CLOSED)
    )
    with pytest.raises(NotFound, match="listing health"):
        await world.gateway.listing_health(world.account_id, simple.item_id)
    with pytest.raises(NotFound):
        await world.gateway.listing_health(world.account_id, "MLA1")


async def test_the_predictor_answers_categories_of_the_site_most_likely_first(world):
    predict = world.gateway.predict_category
    [first, *_] = await predict(world.account_id, "MLA", "Zapatillas Nike Air Max 90", limit=2)
    assert (first.category_id, first.domain_id) == ("MLA109027", "MLA-SNEAKERS")
    assert first.category_name and first.domain_name
    assert len(await predict(world.account_id, "MLA", "Celular Samsung Zapatillas", 1)) == 1
    assert await predict(world.account_id, "MLA", "qwertyuiop asdfgh") == []


async def test_the_predictor_refuses_what_it_cannot_answer(world):
    predict = world.gateway.predict_category
    for limit in (0, 9):
        with pytest.raises(ValueError):
            await predict(world.account_id, "MLA", "Zapatillas", limit=limit)
    for site_id, title in (("XXX", "Zapatillas"), ("MLA", "  ")):
        with pytest.raises(ValidationFailed):
            await predict(world.account_id, site_id, title)


# -- the dry run (§4.2 POST /items/validate) ---------------------------------------------


async def test_a_valid_listing_validates_and_nothing_is_published(world):
    before = await world.gateway.scan_item_ids(world.account_id, world.seller_id)

    await world.gateway.validate_listing(world.account_id, plain())
    await world.gateway.validate_listing(world.account_id, shoes(await world.picture()))

    after = await world.gateway.scan_item_ids(world.account_id, world.seller_id)
    assert after.total == before.total


async def test_a_dry_run_names_every_cause_mercadolibre_finds(world):
    """§4.2: a title over the category's max_title_length and the required attributes
    missing come back together, as causes."""
    refused = plain(category_id="MLA109027", title="Zapatillas " * 7, attributes=())

    with pytest.raises(ValidationFailed) as caught:
        await world.gateway.validate_listing(world.account_id, refused)

    codes = {p.code for p in caught.value.problems}
    assert {"item.title.length.invalid", "item.attributes.missing_required"} <= codes
    missing = next(p for p in caught.value.problems if p.code == "item.attributes.missing_required")
    assert "BRAND" in missing.reason and "GENDER" in missing.reason


async def test_a_dry_run_in_an_unknown_category_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        await world.gateway.validate_listing(world.account_id, plain(category_id="MLA999999"))

    assert [p.code for p in caught.value.problems] == ["item.category_id.invalid"]


# -- relisting (§4.3: a closed listing is only relisted; §4.1 parent_item_id) -------------


async def closed(world: ListingWorld, item_id: str) -> None:
    await world.gateway.update_listing(
        world.account_id, item_id, ListingChanges(status=ListingStatus.CLOSED)
    )


async def test_a_closed_listing_is_relisted_as_a_new_listing_that_names_it(world):
    simple, _ = await a_pair(world)
    await world.sell(simple.item_id, 2)
    await closed(world, simple.item_id)

    new = await world.gateway.relist_listing(
        world.account_id, simple.item_id, Relist("gold_pro", Money.of("400", "ARS"), 5)
    )

    assert new.item_id != simple.item_id and new.relisted_from == simple.item_id
    assert (new.status, new.price, new.available_quantity) == (
        ListingStatus.ACTIVE,
        Money.of("400", "ARS"),
        5,
    )
    assert (new.sold_quantity, new.listing_type_id) == (0, "gold_pro")
    assert (new.title, new.description) == (simple.title, "Primera versión")
    read = await world.gateway.get_listings(world.account_id, [new.item_id, simple.item_id])
    assert read[new.item_id].relisted_from == simple.item_id
    assert read[simple.item_id].status is ListingStatus.CLOSED


async def test_only_a_closed_listing_that_is_not_deleted_is_relisted(world):
    simple, _ = await a_pair(world)
    relist = Relist("gold_special", Money.of("400", "ARS"), 5)

    with pytest.raises(ValidationFailed) as active:
        await world.gateway.relist_listing(world.account_id, simple.item_id, relist)
    await world.gateway.delete_listing(world.account_id, simple.item_id)
    with pytest.raises(ValidationFailed) as deleted:
        await world.gateway.relist_listing(world.account_id, simple.item_id, relist)

    assert [p.code for p in active.value.problems] == ["item.relist.invalid"]
    assert [p.code for p in deleted.value.problems] == ["item.relist.invalid"]
    with pytest.raises(NotFound):
        await world.gateway.relist_listing(world.account_id, "MLA1", relist)


async def test_a_listing_with_variations_is_relisted_with_the_variations_named(world):
    _, sneakers = await a_pair(world)
    await closed(world, sneakers.item_id)
    black = sneakers.variations[0]

    new = await world.gateway.relist_listing(
        world.account_id,
        sneakers.item_id,
        Relist("gold_special", variations=(RelistedVariation(black.id, PRICE, 4),)),
    )

    [variation] = new.variations
    assert variation.id != black.id
    assert variation.attribute_combinations == black.attribute_combinations
    assert (variation.available_quantity, new.available_quantity) == (4, 4)
    with pytest.raises(ValidationFailed) as refused:
        await world.gateway.relist_listing(
            world.account_id,
            sneakers.item_id,
            Relist("gold_special", variations=(RelistedVariation(1, PRICE, 4),)),
        )
    assert [p.code for p in refused.value.problems] == ["item.variations.id.invalid"]


async def test_a_relist_names_its_bad_values_together(world):
    simple, _ = await a_pair(world)
    await closed(world, simple.item_id)

    with pytest.raises(ValidationFailed) as refused:
        await world.gateway.relist_listing(
            world.account_id, simple.item_id, Relist("oro", Money.of("-1", "ARS"), 0)
        )

    assert {p.code for p in refused.value.problems} == {
        "item.listing_type_id.invalid",
        "item.price.invalid",
        "item.quantity.invalid",
    }
