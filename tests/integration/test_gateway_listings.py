"""AiohttpMarketplace as ListingGateway against the sandbox over real HTTP on loopback:
scan, multiget, create, update, variations, the optimistic-locking 409, pause and
delete, descriptions, health and the category predictor (ref: mercadolibre-api.md §0.3,
§2.1, §2.5, §4.1-§4.12)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import attrs
import pytest
from aiohttp import FormData, web

from adapters.local.ratelimit import LocalRateLimiter
from adapters.mercadolibre import (
    AccountCalls,
    AiohttpListingGateway,
    MercadoLibreClient,
    RetryPolicy,
    create_session,
)
from adapters.mercadolibre.listings import LISTING_ATTRIBUTES, ConflictPolicy
from application.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ScrollExpired,
    ValidationFailed,
)
from application.ports.listing_gateway import ListingChanges, NewListing
from application.ports.rate_limiter import RateLimits
from domain.listings import Attribute, ListingStatus, Picture, Shipping, Variation
from domain.money import Money
from sandbox.testing import RunningSandbox, running_sandbox
from tests.sandbox.images import png

MLA, MCO = 1, 2  # our account ids of the sandbox's first two sellers (MLA, MCO)
ITEMS = 2_500


class SellerTokens:
    """An AccessTokenSource over the sandbox's OAuth: one token per account's seller."""

    def __init__(self, sandbox: RunningSandbox, sellers: dict[int, int]) -> None:
        self.sandbox = sandbox
        self.sellers = sellers
        self.tokens: dict[int, str] = {}
        self.asked: list[int] = []

    async def access_token(self, account_id: int) -> str:
        self.asked.append(account_id)
        if account_id not in self.tokens:
            answer = await self.sandbox.token_for(self.sellers[account_id])
            self.tokens[account_id] = answer["access_token"]
        return self.tokens[account_id]

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        self.tokens.pop(account_id, None)
        return await self.access_token(account_id)


class ClockSleep(list):
    """The conflict policy's sleep: records the delay and moves the sandbox's clock by
    it, so the optimistic-lock window (§2.5) passes without waiting."""

    def __init__(self, sandbox: RunningSandbox, advance: bool = True) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.advance = advance

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.advance:
            self.sandbox.advance_clock(seconds)


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(
        rate_limit=0,
        optimistic_lock_window=0,
        items_per_seller=ITEMS,
        orders_per_seller=0,
        questions_per_seller=0,
    ) as sb:
        yield sb


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    session = create_session()
    yield session
    await session.close()


def client_for(sandbox: RunningSandbox, session: aiohttp.ClientSession) -> MercadoLibreClient:
    async def no_wait(seconds: float) -> None:
        return None

    return MercadoLibreClient(
        session,
        LocalRateLimiter(RateLimits(per_second=0)),
        api_url=sandbox.url,
        retry=RetryPolicy(max_attempts=3),
        sleep=no_wait,
    )


@pytest.fixture
def tokens(sandbox) -> SellerTokens:
    return SellerTokens(sandbox, {MLA: sandbox.sellers[0]["id"], MCO: sandbox.sellers[1]["id"]})


@pytest.fixture
def sleeps(sandbox) -> ClockSleep:
    return ClockSleep(sandbox)


@pytest.fixture
def gateway(sandbox, session, tokens, sleeps) -> AiohttpListingGateway:
    return AiohttpListingGateway(
        AccountCalls(client_for(sandbox, session), tokens),
        ConflictPolicy(delays=(1.0, 2.0, 4.0), sleep=sleeps),
    )


@pytest.fixture
def seller_id(sandbox) -> int:
    return sandbox.sellers[0]["id"]


async def calls(sandbox: RunningSandbox, route: str | None = None) -> int:
    stats = await sandbox.admin("GET", "/stats")
    return stats["total"] if route is None else stats["calls"].get(route, 0)


async def reset_calls(sandbox: RunningSandbox) -> None:
    await sandbox.admin("POST", "/stats/reset")


async def stored(sandbox: RunningSandbox, item_id: str) -> dict[str, Any]:
    return await sandbox.admin("GET", f"/items/{item_id}")  # type: ignore[no-any-return]


async def first_ids(gateway: AiohttpListingGateway, seller_id: int, count: int = 20) -> list[str]:
    page = await gateway.scan_item_ids(MLA, seller_id, limit=count)
    return list(page.item_ids)


async def upload_picture(sandbox: RunningSandbox, tokens: SellerTokens, account: int) -> str:
    """§4.8: variations point at uploaded pictures by id."""
    token = await tokens.access_token(account)
    form = FormData()
    form.add_field("file", png(800, 800), filename="photo.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{sandbox.url}/pictures/items/upload",
            data=form,
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        assert response.status == 201, await response.text()
        return (await response.json())["id"]  # type: ignore[no-any-return]


def combination(color: str, size: str) -> tuple[Attribute, ...]:
    return (Attribute("COLOR", value_name=color), Attribute("SIZE", value_name=size))


def sneakers(picture_id: str, **changes: Any) -> NewListing:
    """A valid MLA109027 listing (BRAND, GENDER and the condition are required there)
    with two COLOR x SIZE variations."""
    price = Money.of("89999.90", "ARS")
    listing = NewListing(
        site_id="MLA",
        title="Zapatillas Nike Revolution 6 Hombre",
        category_id="MLA109027",
        price=price,
        available_quantity=8,
        pictures=(Picture(source="https://example.com/a.jpg"), Picture(id=picture_id)),
        description="Zapatillas nuevas.\nTalles 40 y 41.",
        attributes=(Attribute("BRAND", value_name="Nike"), Attribute("GENDER", value_id="339666")),
        variations=(
            Variation(
                combination("Negro", "40"), price, 5, picture_ids=(picture_id,), seller_sku="NK-40"
            ),
            Variation(
                combination("Negro", "41"), price, 3, picture_ids=(picture_id,), seller_sku="NK-41"
            ),
        ),
        shipping=Shipping(mode="me2", free_shipping=True),
        seller_sku="NK-REV6",
    )
    return attrs.evolve(listing, **changes)


def simple_listing(**changes: Any) -> NewListing:
    """§4.2's official example category (MLA3530), without variations."""
    listing = NewListing(
        site_id="MLA",
        title="Item de test - No Ofertar",
        category_id="MLA3530",
        price=Money.of("350", "ARS"),
        available_quantity=10,
        pictures=(
            Picture(source="http://mla-s2-p.mlstatic.com/968521-MLA20805195516_072016-O.jpg"),
        ),
        attributes=(Attribute("BRAND", value_name="Marca del producto"),),
    )
    return attrs.evolve(listing, **changes)


# -- scan (§4.11) ---------------------------------------------------------------------------


async def test_a_scan_reads_every_item_id_once_in_pages_of_100(gateway, sandbox, seller_id):
    """§4.11: search_type=scan, 100 ids a page, `paging.total`, and an empty page with a
    null scroll_id at the end."""
    await reset_calls(sandbox)
    seen: list[str] = []
    sizes = []
    page = await gateway.scan_item_ids(MLA, seller_id)
    while page.scroll_id is not None:
        assert page.total == ITEMS
        seen.extend(page.item_ids)
        sizes.append(len(page.item_ids))
        page = await gateway.scan_item_ids(MLA, seller_id, page.scroll_id)
    assert page.item_ids == ()
    assert len(seen) == len(set(seen)) == ITEMS
    assert all(item_id.startswith("MLA") for item_id in seen)
    assert sizes == [100] * 25
    assert await calls(sandbox, "GET /users/{user_id}/items/search") == 26


async def test_an_expired_scroll_is_scroll_expired(gateway, sandbox, seller_id):
    """§4.11: a scroll lives 5 minutes; the sandbox answers 400 for a dead one [INF]."""
    page = await gateway.scan_item_ids(MLA, seller_id)
    await sandbox.admin("POST", "/clock/advance", {"seconds": 301})
    with pytest.raises(ScrollExpired):
        await gateway.scan_item_ids(MLA, seller_id, page.scroll_id)


async def test_an_unknown_scroll_is_scroll_expired(gateway, seller_id):
    with pytest.raises(ScrollExpired):
        await gateway.scan_item_ids(MLA, seller_id, "0" * 32)


async def test_other_scan_errors_are_not_scroll_expired(gateway, sandbox):
    """Another seller's search is 403 (§2.3), whatever the scroll."""
    with pytest.raises(Forbidden):
        await gateway.scan_item_ids(MLA, sandbox.sellers[1]["id"], "0" * 32)


async def test_a_scan_page_beyond_100_is_refused_before_any_call(gateway, sandbox, seller_id):
    await reset_calls(sandbox)
    with pytest.raises(ValueError, match="1 to 100"):
        await gateway.scan_item_ids(MLA, seller_id, limit=101)
    assert await calls(sandbox) == 0


# -- multiget (§4.11, §0.3) -----------------------------------------------------------------


async def test_a_multiget_of_20_is_one_call_and_maps_every_listing(gateway, sandbox, seller_id):
    ids = await first_ids(gateway, seller_id)
    await reset_calls(sandbox)
    listings = await gateway.get_listings(MLA, ids)
    assert await calls(sandbox) == 1
    assert await calls(sandbox, "GET /items") == 1
    assert sorted(listings) == sorted(ids)
    for item_id in ids:
        item = await stored(sandbox, item_id)
        listing = listings[item_id]
        assert listing.account_id == MLA
        assert listing.seller_id == seller_id
        assert listing.price == Money.of(str(item["price"]), "ARS")
        assert listing.price.amount.as_tuple().exponent == -2
        assert listing.status == ListingStatus(item["status"])
        assert listing.available_quantity == item["available_quantity"]
        assert [p.id for p in listing.pictures] == [p["id"] for p in item["pictures"]]
        assert listing.seller_sku == next(
            a["value_name"] for a in item["attributes"] if a["id"] == "SELLER_SKU"
        )
        assert listing.description is None
        assert listing.date_created is not None and listing.date_created.utcoffset() is not None
        assert [v.id for v in listing.variations] == [v["id"] for v in item["variations"]]
    with_variations = [listing for listing in listings.values() if listing.variations]
    assert with_variations, "the demo catalogue has listings with variations"
    for listing in with_variations:
        item = await stored(sandbox, listing.item_id)
        for variation, raw in zip(listing.variations, item["variations"], strict=True):
            assert variation.id == raw["id"] > 2**31  # §4.6: beyond Int32
            assert variation.price == Money.of(str(raw["price"]), "ARS")
            assert variation.available_quantity == raw["available_quantity"]
            assert variation.picture_ids == tuple(raw["picture_ids"])
            # include_attributes=all brings the variations' SELLER_SKU (§4.6).
            assert variation.seller_sku == raw["attributes"][0]["value_name"]
            assert {(a.id, a.value_id) for a in variation.attribute_combinations} == {
                (c["id"], c["value_id"]) for c in raw["attribute_combinations"]
            }


async def test_an_mco_multiget_has_whole_pesos(gateway, sandbox):
    """§4.10 / §10: COP has no decimals."""
    mco = sandbox.sellers[1]["id"]
    page = await gateway.scan_item_ids(MCO, mco, limit=20)
    listings = await gateway.get_listings(MCO, page.item_ids)
    assert len(listings) == 20
    for listing in listings.values():
        assert listing.item_id.startswith("MCO")
        assert listing.price.currency_id == "COP"
        assert listing.price.amount.as_tuple().exponent == 0
        item = await stored(sandbox, listing.item_id)
        assert listing.price.amount == Decimal(str(item["price"]))


async def test_unknown_and_deleted_ids_are_absent(gateway, sandbox, seller_id):
    ids = await first_ids(gateway, seller_id, 18)
    await sandbox.admin(
        "PATCH", f"/items/{ids[0]}", {"status": "closed", "sub_status": ["deleted"]}
    )
    await reset_calls(sandbox)
    listings = await gateway.get_listings(MLA, [*ids, "MLA1", "not-an-id"])
    assert sorted(listings) == sorted(ids[1:])
    assert await calls(sandbox) == 1


async def test_21_ids_are_refused_before_any_call(gateway, sandbox, seller_id):
    """§4.11: a multiget takes at most 20 ids."""
    ids = await first_ids(gateway, seller_id, 21)
    await reset_calls(sandbox)
    with pytest.raises(ValueError, match="at most 20"):
        await gateway.get_listings(MLA, ids)
    with pytest.raises(ValueError, match="at most 20"):
        await gateway.get_stock(MLA, ids)
    assert await calls(sandbox) == 0


async def test_no_ids_make_no_call(gateway, sandbox):
    await reset_calls(sandbox)
    assert await gateway.get_listings(MLA, []) == {}
    assert await gateway.get_stock(MLA, []) == {}
    assert await calls(sandbox) == 0


async def test_the_multiget_asks_only_for_the_fields_a_listing_keeps(
    gateway, sandbox, seller_id, tokens
):
    """§0.3 attributes=: nothing the Listing does not read travels."""
    ids = await first_ids(gateway, seller_id, 1)
    token = await tokens.access_token(MLA)
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{sandbox.url}/items",
            params={"ids": ids[0], "attributes": ",".join(LISTING_ATTRIBUTES)},
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        body = (await response.json())[0]["body"]
    assert set(body) <= set(LISTING_ATTRIBUTES)
    assert {"seller_address", "sale_terms", "descriptions", "channels"}.isdisjoint(body)


async def test_stock_is_read_for_20_ids_in_one_call(gateway, sandbox, seller_id):
    ids = await first_ids(gateway, seller_id)
    await reset_calls(sandbox)
    stock = await gateway.get_stock(MLA, ids)
    assert await calls(sandbox) == 1
    assert sorted(stock) == sorted(ids)
    for item_id, snapshot in stock.items():
        item = await stored(sandbox, item_id)
        assert snapshot.available_quantity == item["available_quantity"]
        assert snapshot.status == item["status"]
        assert snapshot.variations == tuple(
            (v["id"], v["available_quantity"]) for v in item["variations"]
        )
    assert any(s.variations for s in stock.values())
    assert any(s.status == "paused" for s in stock.values())


# -- one listing (§4.1, §4.7) -----------------------------------------------------------------


async def test_one_listing_comes_with_its_description(gateway, sandbox, seller_id):
    ids = await first_ids(gateway, seller_id, 4)
    await reset_calls(sandbox)
    listing = await gateway.get_listing(MLA, ids[0])
    assert listing.description is not None
    assert listing.description.startswith(listing.title)
    assert await calls(sandbox) == 2
    # Demo item 3 has no description (§4.7: 404).
    assert (await gateway.get_listing(MLA, ids[3])).description is None


async def test_an_unknown_or_deleted_listing_is_not_found(gateway, sandbox, seller_id):
    with pytest.raises(NotFound, match="listing MLA1 "):
        await gateway.get_listing(MLA, "MLA1")
    with pytest.raises(NotFound):
        await gateway.get_listing(MLA, "../users/me")
    item_id = (await first_ids(gateway, seller_id, 1))[0]
    await sandbox.admin(
        "PATCH", f"/items/{item_id}", {"status": "closed", "sub_status": ["deleted"]}
    )
    with pytest.raises(NotFound):
        await gateway.get_listing(MLA, item_id)


# -- create (§4.2, §4.6, §4.7) ------------------------------------------------------------------


async def test_a_listing_with_variations_and_a_description_round_trips(gateway, sandbox, tokens):
    picture = await upload_picture(sandbox, tokens, MLA)
    await reset_calls(sandbox)
    created = await gateway.create_listing(MLA, sneakers(picture))
    assert await calls(sandbox, "POST /items") == 1
    assert await calls(sandbox, "POST /items/{id}/description") == 1
    assert created.item_id.startswith("MLA")
    assert created.status is ListingStatus.ACTIVE
    assert created.price == Money.of("89999.90", "ARS")
    assert created.description == "Zapatillas nuevas.\nTalles 40 y 41."
    assert created.seller_sku == "NK-REV6"
    assert created.shipping.mode == "me2" and created.shipping.free_shipping
    assert [(v.seller_sku, v.available_quantity) for v in created.variations] == [
        ("NK-40", 5),
        ("NK-41", 3),
    ]
    assert all(v.id is not None for v in created.variations)
    assert created.total_quantity == 8

    item = await stored(sandbox, created.item_id)
    assert item["price"] == 89999.9
    assert item["currency_id"] == "ARS"
    assert {"id": "SELLER_SKU", "value_name": "NK-REV6"}.items() <= next(
        a for a in item["attributes"] if a["id"] == "SELLER_SKU"
    ).items()
    assert [v["attributes"][0]["value_name"] for v in item["variations"]] == ["NK-40", "NK-41"]
    assert [v["picture_ids"] for v in item["variations"]] == [[picture], [picture]]
    assert len(item["pictures"]) == 2

    again = await gateway.get_listing(MLA, created.item_id)
    assert again.description == created.description
    assert [v.seller_sku for v in again.variations] == ["NK-40", "NK-41"]
    assert [v.id for v in again.variations] == [v.id for v in created.variations]


async def test_an_mco_listing_is_priced_in_whole_pesos(gateway, sandbox):
    created = await gateway.create_listing(
        MCO,
        simple_listing(site_id="MCO", category_id="MCO3530", price=Money.of("150000", "COP")),
    )
    assert created.price == Money.of("150000", "COP")
    assert (await stored(sandbox, created.item_id))["price"] == 150000


async def test_a_listing_in_the_wrong_currency_is_refused_before_any_call(gateway, sandbox):
    await reset_calls(sandbox)
    with pytest.raises(ValidationFailed) as caught:
        await gateway.create_listing(MLA, simple_listing(price=Money.of("10", "USD")))
    assert caught.value.problems[0].field == "price"
    assert await calls(sandbox) == 0


async def test_a_refused_listing_carries_mercadolibres_causes(gateway, sandbox):
    """§4.2 / §2.1: wrong category; title beyond the category's max_title_length."""
    await reset_calls(sandbox)
    with pytest.raises(ValidationFailed) as caught:
        await gateway.create_listing(MLA, simple_listing(category_id="MLA999999"))
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("item.category_id", "item.category_id.invalid")
    ]
    assert "Category MLA999999 does not exist." in caught.value.problems[0].reason
    with pytest.raises(ValidationFailed) as caught:
        await gateway.create_listing(MLA, simple_listing(title="x" * 61, description="never"))
    assert [p.code for p in caught.value.problems] == ["item.title.length.invalid"]
    assert await calls(sandbox, "POST /items") == 2
    assert await calls(sandbox, "POST /items/{id}/description") == 0


async def test_a_refused_description_does_not_lose_the_created_listing(gateway, sandbox):
    """§4.7: HTML is refused; the item exists by then, so it is returned (without
    description) rather than raised as if nothing had been published."""
    created = await gateway.create_listing(MLA, simple_listing(description="<b>Oferta</b>"))
    assert created.description is None
    assert (await gateway.get_listing(MLA, created.item_id)).description is None
    assert (await stored(sandbox, created.item_id))["status"] == "active"


# -- update (§4.3, §4.6, §2.5) -------------------------------------------------------------------


async def test_price_quantity_and_title_are_updated(gateway, sandbox):
    created = await gateway.create_listing(MLA, simple_listing(description="Primera versión"))
    await reset_calls(sandbox)
    updated = await gateway.update_listing(
        MLA,
        created.item_id,
        ListingChanges(
            title="Item de test nuevo", price=Money.of("420.5", "ARS"), available_quantity=3
        ),
    )
    assert await calls(sandbox, "PUT /items/{id}") == 1
    assert (updated.title, updated.price, updated.available_quantity) == (
        "Item de test nuevo",
        Money.of("420.50", "ARS"),
        3,
    )
    assert updated.description == "Primera versión"
    item = await stored(sandbox, created.item_id)
    assert (item["title"], item["price"], item["available_quantity"]) == (
        "Item de test nuevo",
        420.5,
        3,
    )


async def test_empty_changes_are_refused_before_any_call(gateway, sandbox):
    await reset_calls(sandbox)
    with pytest.raises(ValueError):
        await gateway.update_listing(MLA, "MLA1", ListingChanges())
    assert await calls(sandbox) == 0


async def test_the_full_variation_set_keeps_them_and_new_ones_are_added(gateway, sandbox, tokens):
    """§4.6: a PUT replaces the set; existing variations go with their id, new ones
    without; the ones left out are deleted."""
    picture = await upload_picture(sandbox, tokens, MLA)
    created = await gateway.create_listing(MLA, sneakers(picture))
    first, second = created.variations
    price = first.price
    kept = await gateway.update_listing(
        MLA,
        created.item_id,
        ListingChanges(
            variations=(
                attrs.evolve(first, available_quantity=9),
                second,
                Variation(
                    combination("Negro", "42"), price, 4, picture_ids=(picture,), seller_sku="NK-42"
                ),
            )
        ),
    )
    assert [v.id for v in kept.variations][:2] == [first.id, second.id]
    assert [(v.seller_sku, v.available_quantity) for v in kept.variations] == [
        ("NK-40", 9),
        ("NK-41", 3),
        ("NK-42", 4),
    ]
    added = kept.variations[2].id
    assert added is not None and added not in (first.id, second.id)
    assert kept.total_quantity == 16

    trimmed = await gateway.update_listing(
        MLA, created.item_id, ListingChanges(variations=(kept.variations[0], kept.variations[2]))
    )
    assert [v.id for v in trimmed.variations] == [first.id, added]
    item = await stored(sandbox, created.item_id)
    assert [v["id"] for v in item["variations"]] == [first.id, added]
    assert [v["attributes"][0]["value_name"] for v in item["variations"]] == ["NK-40", "NK-42"]


async def test_the_optimistic_lock_409_is_ridden_out(gateway, sandbox, sleeps):
    """§2.5: two PUTs in a row; the second gets 409 once, waits, and goes through."""
    created = await gateway.create_listing(MLA, simple_listing())
    await sandbox.admin("PATCH", "/config", {"optimistic_lock_window": 1.0})
    await gateway.update_listing(MLA, created.item_id, ListingChanges(available_quantity=4))
    await reset_calls(sandbox)
    updated = await gateway.update_listing(
        MLA, created.item_id, ListingChanges(available_quantity=5)
    )
    assert updated.available_quantity == 5
    assert sleeps == [1.0]
    assert await calls(sandbox, "PUT /items/{id}") == 2


async def test_a_409_that_does_not_clear_ends_in_conflict(sandbox, session, tokens):
    gateway = AiohttpListingGateway(AccountCalls(client_for(sandbox, session), tokens))
    created = await gateway.create_listing(MLA, simple_listing())
    frozen = ClockSleep(sandbox, advance=False)
    gateway.conflict_policy = ConflictPolicy(delays=(0.5, 0.5), sleep=frozen)
    await sandbox.admin("PATCH", "/config", {"optimistic_lock_window": 3600})
    await gateway.update_listing(MLA, created.item_id, ListingChanges(available_quantity=4))
    await reset_calls(sandbox)
    with pytest.raises(Conflict, match=r"optimistic locking.*after 3 attempts"):
        await gateway.update_listing(MLA, created.item_id, ListingChanges(available_quantity=5))
    assert frozen == [0.5, 0.5]
    assert await calls(sandbox, "PUT /items/{id}") == 3


async def test_a_listing_is_paused_and_activated(gateway, sandbox):
    """§4.3: `{"status":"paused"}` / `{"status":"active"}`."""
    created = await gateway.create_listing(MLA, simple_listing())
    paused = await gateway.update_listing(
        MLA, created.item_id, ListingChanges(status=ListingStatus.PAUSED)
    )
    assert paused.status is ListingStatus.PAUSED
    assert (await stored(sandbox, created.item_id))["status"] == "paused"
    active = await gateway.update_listing(
        MLA, created.item_id, ListingChanges(status=ListingStatus.ACTIVE)
    )
    assert active.status is ListingStatus.ACTIVE


async def test_stock_alone_is_set_per_variation_keeping_the_others(gateway, sandbox, tokens):
    picture = await upload_picture(sandbox, tokens, MLA)
    created = await gateway.create_listing(MLA, sneakers(picture))
    first, second = (v.id for v in created.variations)
    await gateway.set_stock(MLA, created.item_id, {second: 0}, [first, second])
    item = await stored(sandbox, created.item_id)
    assert [(v["id"], v["available_quantity"]) for v in item["variations"]] == [
        (first, 5),
        (second, 0),
    ]
    plain = await gateway.create_listing(MLA, simple_listing())
    await gateway.set_stock(MLA, plain.item_id, {None: 7})
    assert (await stored(sandbox, plain.item_id))["available_quantity"] == 7
    with pytest.raises(ValueError):
        await gateway.set_stock(MLA, plain.item_id, {123: 1})


# -- delete (§4.4) ---------------------------------------------------------------------------------


async def test_a_delete_closes_then_deletes_riding_out_the_409(gateway, sandbox, sleeps):
    created = await gateway.create_listing(MLA, simple_listing())
    await sandbox.admin("PATCH", "/config", {"optimistic_lock_window": 1.0})
    await reset_calls(sandbox)
    await gateway.delete_listing(MLA, created.item_id)
    item = await stored(sandbox, created.item_id)
    assert (item["status"], item["sub_status"]) == ("closed", ["deleted"])
    # close, 409, deleted: the second step came too fast once.
    assert await calls(sandbox, "PUT /items/{id}") == 3
    assert sleeps == [1.0]
    with pytest.raises(NotFound):
        await gateway.get_listing(MLA, created.item_id)


async def test_a_second_delete_is_a_no_op(gateway, sandbox):
    created = await gateway.create_listing(MLA, simple_listing())
    await gateway.delete_listing(MLA, created.item_id)
    await reset_calls(sandbox)
    await gateway.delete_listing(MLA, created.item_id)
    await gateway.delete_listing(MLA, "MLA1")
    assert await calls(sandbox, "PUT /items/{id}") == 0


async def test_a_closed_listing_is_only_marked_deleted(gateway, sandbox):
    created = await gateway.create_listing(MLA, simple_listing())
    await gateway.update_listing(MLA, created.item_id, ListingChanges(status=ListingStatus.CLOSED))
    await reset_calls(sandbox)
    await gateway.delete_listing(MLA, created.item_id)
    assert await calls(sandbox, "PUT /items/{id}") == 1
    assert (await stored(sandbox, created.item_id))["sub_status"] == ["deleted"]


# -- descriptions (§4.7) ------------------------------------------------------------------------


async def test_a_description_is_replaced_in_plain_text(gateway, sandbox, seller_id):
    item_id = (await first_ids(gateway, seller_id, 1))[0]
    await reset_calls(sandbox)
    await gateway.set_description(MLA, item_id, "Línea uno\nLínea dos")
    assert await calls(sandbox, "PUT /items/{id}/description") == 1
    assert (await gateway.get_listing(MLA, item_id)).description == "Línea uno\nLínea dos"
    with pytest.raises(ValidationFailed) as caught:
        await gateway.set_description(MLA, item_id, "<p>HTML</p>")
    assert caught.value.problems[0].code == "item.description.type.invalid"


class DescriptionStub:
    """A stand-in for MercadoLibre's description resource where the sandbox differs: its
    PUT creates a missing description, MercadoLibre's may answer 404 (§4.7)."""

    def __init__(self, post_finds_one: bool) -> None:
        self.post_finds_one = post_finds_one
        self.seen: list[str] = []

    async def put(self, request: web.Request) -> web.Response:
        self.seen.append(f"PUT {request.query_string}")
        if len(self.seen) == 1:
            body = {"message": "Description not found", "error": "not_found", "status": 404}
            return web.json_response(body, status=404)
        return web.json_response({"plain_text": (await request.json())["plain_text"]})

    async def post(self, request: web.Request) -> web.Response:
        self.seen.append("POST")
        if self.post_finds_one:
            cause = {
                "code": "item.description.already_exists",
                "message": "The item already has a description; use PUT to change it.",
                "references": ["item.description"],
            }
            body = {"message": "Validation error", "status": 400, "cause": [cause]}
            return web.json_response(body, status=400)
        return web.json_response({"plain_text": (await request.json())["plain_text"]}, status=201)


class OneToken:
    async def access_token(self, account_id: int) -> str:
        return "token"

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        return "token"


@pytest.mark.parametrize(
    ("post_finds_one", "expected"),
    [
        (False, ["PUT api_version=2", "POST"]),
        (True, ["PUT api_version=2", "POST", "PUT api_version=2"]),
    ],
)
async def test_a_missing_description_is_created_with_a_post(session, post_finds_one, expected):
    """§4.7: when the PUT finds no description (404), a POST creates it; a POST that
    finds one created meanwhile ("already exists") falls back to the PUT."""
    stub = DescriptionStub(post_finds_one)
    app = web.Application()
    app.router.add_put("/items/{id}/description", stub.put)
    app.router.add_post("/items/{id}/description", stub.post)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        client = MercadoLibreClient(
            session, LocalRateLimiter(RateLimits(per_second=0)), api_url=url
        )
        await AiohttpListingGateway(AccountCalls(client, OneToken())).set_description(
            MLA, "MLA123", "Texto"
        )
    finally:
        await runner.cleanup()
    assert stub.seen == expected


# -- health (§4.12) and the predictor (§4.9) -------------------------------------------------------


async def test_the_health_of_an_active_listing(gateway, seller_id):
    item_id = (await first_ids(gateway, seller_id, 1))[0]
    health = await gateway.listing_health(MLA, item_id)
    assert health.item_id == item_id
    assert health.health is not None and 0 <= health.health <= 1
    assert health.level in ("basic", "standard", "professional")
    assert {g.id for g in health.goals} >= {"picture", "description", "video"}
    assert all(0 <= g.progress <= 1 for g in health.goals)
    video = next(g for g in health.goals if g.id == "video")
    assert (video.progress, video.completed) == (0.0, False)


async def test_the_health_of_a_listing_with_met_goals_reads_when_they_were_met(gateway):
    """§4.12: a met goal carries `completed` as a timestamp, not a boolean; the listing
    created with a description has met its description goal."""
    created = await gateway.create_listing(MLA, simple_listing(description="Plain text"))
    health = await gateway.listing_health(MLA, created.item_id)
    description = next(g for g in health.goals if g.id == "description")
    assert (description.completed, description.progress) == (True, 1.0)
    assert description.completed_at is not None and description.completed_at.tzinfo is not None
    video = next(g for g in health.goals if g.id == "video")
    assert (video.completed, video.completed_at) == (False, None)


async def test_a_listing_without_health_is_not_found(gateway, sandbox):
    """§4.12: "health is not supported for this item" (closed, inactive...)."""
    created = await gateway.create_listing(MLA, simple_listing())
    await gateway.update_listing(MLA, created.item_id, ListingChanges(status=ListingStatus.CLOSED))
    with pytest.raises(NotFound, match="listing health"):
        await gateway.listing_health(MLA, created.item_id)
    with pytest.raises(NotFound):
        await gateway.listing_health(MLA, "MLA1")


async def test_the_predictor_answers_with_the_sandbox_categories(gateway):
    """§4.9: domain_discovery/search, most likely first, at most `limit` answers."""
    predictions = await gateway.predict_category(MLA, "MLA", "Zapatillas Nike Air Max 90", limit=2)
    assert predictions[0].category_id == "MLA109027"
    assert predictions[0].domain_id == "MLA-SNEAKERS"
    assert predictions[0].category_name == "Zapatillas"
    assert len(predictions) <= 2


async def test_the_predictor_refuses_what_it_cannot_answer(gateway, sandbox):
    await reset_calls(sandbox)
    with pytest.raises(ValueError):
        await gateway.predict_category(MLA, "MLA", "Zapatillas", limit=9)
    with pytest.raises(ValidationFailed):
        await gateway.predict_category(MLA, "XXX", "Zapatillas")
    with pytest.raises(ValidationFailed):
        await gateway.predict_category(MLA, "MLA", "  ")
    assert await calls(sandbox) == 0
