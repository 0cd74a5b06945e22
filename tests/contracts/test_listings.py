from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.errors import Conflict, NotFound
from application.queries import ListingQuery, Paging
from domain.listings import ListingStatus
from domain.money import Money, currency
from domain.sites import SITES

from .builders import (
    NOW,
    a_listing,
    a_listing_priced,
    a_plain_listing,
    an_account,
    given_account,
)


async def test_a_listing_reads_back_with_every_field(uow_factory):
    account = await given_account(uow_factory)
    listing = a_listing(account_id=account.id)

    async with uow_factory() as uow:
        await uow.listings.upsert([listing])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.listings.get(listing.item_id)
    assert stored == listing
    assert stored.date_created.utcoffset() is not None
    assert stored.date_created == listing.date_created


@st.composite
def prices(draw: st.DrawFn) -> tuple[str, Money]:
    site = draw(st.sampled_from(sorted(SITES.values(), key=lambda s: s.id)))
    places = currency(site.currency_id).decimal_places
    amount = draw(
        st.decimals(
            min_value=Decimal("-999999999999999999"),
            max_value=Decimal("999999999999999999"),
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    )
    return site.id, Money.of(amount, site.currency_id)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(price=prices())
async def test_prices_read_back_exactly_in_every_currency(uow_factory, price):
    site_id, money = price
    async with uow_factory() as uow:
        account = await uow.accounts.add(an_account(site_id=site_id))
        await uow.listings.upsert([a_listing_priced(money, site_id, account.id)])
        stored = await uow.listings.get(f"{site_id}1")

    assert stored.price == money
    assert str(stored.price) == str(money)
    assert str(stored.variations[0].price) == str(money)


async def test_getting_an_unknown_listing_raises_not_found_and_finding_it_returns_none(
    uow_factory,
):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.listings.get("MLA404")
        assert await uow.listings.find("MLA404") is None


async def test_upsert_replaces_a_stored_listing(uow_factory):
    account = await given_account(uow_factory)
    listing = a_listing(account_id=account.id)
    async with uow_factory() as uow:
        await uow.listings.upsert([listing])
        await uow.commit()

    changed = attrs.evolve(
        listing,
        title="Otro título",
        price=Money.of("1.05", "ARS"),
        variations=(),
        pictures=(),
        health=None,
        seller_sku=None,
        status=ListingStatus.PAUSED,
        sub_status=("out_of_stock",),
    )
    async with uow_factory() as uow:
        await uow.listings.upsert([changed])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.listings.get(listing.item_id) == changed


async def test_the_last_copy_wins_when_a_batch_names_a_listing_twice(uow_factory):
    account = await given_account(uow_factory)
    first = a_plain_listing("MLA1", account.id, title="first")
    second = a_plain_listing("MLA1", account.id, title="second")

    async with uow_factory() as uow:
        await uow.listings.upsert([first, second])
        assert (await uow.listings.get("MLA1")).title == "second"


async def test_a_batch_larger_than_one_statement_is_stored_whole(uow_factory):
    account = await given_account(uow_factory)
    listings = [a_plain_listing(f"MLA{n}", account.id, title=f"item {n}") for n in range(1, 1201)]

    async with uow_factory() as uow:
        await uow.listings.upsert(listings)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.listings.find_many(listing.item_id for listing in listings)
        ids = await uow.listings.item_ids(account.id)
    assert len(found) == 1200
    assert found["MLA777"] == listings[776]
    assert ids == {listing.item_id for listing in listings}


async def test_find_many_leaves_unknown_ids_out(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.listings.upsert([a_plain_listing("MLA1", account.id)])
        assert set(await uow.listings.find_many(["MLA1", "MLA2", "MLA1"])) == {"MLA1"}
        assert await uow.listings.find_many([]) == {}


async def test_a_listing_of_an_unknown_account_is_refused_with_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.listings.upsert([a_plain_listing("MLA1", 404)])


async def _given_catalogue(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    listings = [
        a_plain_listing("MLA9", first.id, title="Mate de calabaza", seller_sku="MATE-1"),
        a_plain_listing("MLA10", first.id, title="MATE IMPERIAL ÁGUILA", seller_sku="MATE-2"),
        a_plain_listing(
            "MLA11", first.id, title="Bombilla 100% alpaca", status=ListingStatus.PAUSED
        ),
        a_plain_listing("MLA12", first.id, title="Termo_acero", removed_at=NOW),
        a_plain_listing("MLA100", second.id, title="Yerba mate", seller_sku="MATE-1"),
    ]
    async with uow_factory() as uow:
        await uow.listings.upsert(listings)
        await uow.commit()
    return first, second


def _ids(page):
    return [listing.item_id for listing in page.items]


async def test_listing_search_returns_newest_item_ids_first_without_removed_ones(uow_factory):
    await _given_catalogue(uow_factory)

    async with uow_factory() as uow:
        page = await uow.listings.search(ListingQuery())
        everything = await uow.listings.search(ListingQuery(include_removed=True))

    assert _ids(page) == ["MLA100", "MLA11", "MLA10", "MLA9"]
    assert page.total == 4
    assert _ids(everything) == ["MLA100", "MLA12", "MLA11", "MLA10", "MLA9"]


async def test_listing_search_filters_by_account_status_and_sku(uow_factory):
    first, second = await _given_catalogue(uow_factory)

    async with uow_factory() as uow:
        by_account = await uow.listings.search(ListingQuery(account_id=second.id))
        paused = await uow.listings.search(ListingQuery(status="paused"))
        by_sku = await uow.listings.search(ListingQuery(sku="MATE-1"))
        both = await uow.listings.search(ListingQuery(account_id=first.id, sku="MATE-1"))

    assert _ids(by_account) == ["MLA100"]
    assert _ids(paused) == ["MLA11"]
    assert _ids(by_sku) == ["MLA100", "MLA9"]
    assert _ids(both) == ["MLA9"]


async def test_the_listings_that_relisted_a_closed_one_are_found_by_it(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.listings.upsert(
            [
                a_plain_listing(
                    "MLA20", account.id, status=ListingStatus.CLOSED, relisted_from=None
                ),
                a_plain_listing("MLA21", account.id, relisted_from="MLA20"),
                a_plain_listing("MLA22", account.id, relisted_from=None),
            ]
        )
        await uow.commit()

    async with uow_factory() as uow:
        relisted = await uow.listings.search(ListingQuery(relisted_from="MLA20"))
        stored = await uow.listings.get("MLA21")

    assert _ids(relisted) == ["MLA21"]
    assert stored.relisted_from == "MLA20"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("mate", ["MLA100", "MLA10", "MLA9"]),
        ("MATE DE", ["MLA9"]),
        ("águila", ["MLA10"]),
        ("100%", ["MLA11"]),
        ("o_a", []),
        ("calabaza", ["MLA9"]),
    ],
)
async def test_listing_search_matches_a_title_substring_ignoring_case(uow_factory, title, expected):
    await _given_catalogue(uow_factory)

    async with uow_factory() as uow:
        page = await uow.listings.search(ListingQuery(title=title))

    assert _ids(page) == expected


async def test_listing_search_pages_and_counts_every_match(uow_factory):
    await _given_catalogue(uow_factory)

    async with uow_factory() as uow:
        page = await uow.listings.search(ListingQuery(paging=Paging(offset=1, limit=2)))
        beyond = await uow.listings.search(ListingQuery(paging=Paging(offset=10, limit=2)))

    assert _ids(page) == ["MLA11", "MLA10"]
    assert (page.total, page.offset, page.limit) == (4, 1, 2)
    assert (list(beyond.items), beyond.total) == ([], 4)


async def test_item_ids_leave_out_removed_listings_and_other_accounts(uow_factory):
    first, _ = await _given_catalogue(uow_factory)

    async with uow_factory() as uow:
        assert await uow.listings.item_ids(first.id) == {"MLA9", "MLA10", "MLA11"}


async def test_described_names_the_listings_whose_description_was_read(uow_factory):
    """Issue 18: what a catalogue sync need not read again (§4.7); "" is read, none."""
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    later = NOW + timedelta(hours=1)
    async with uow_factory() as uow:
        await uow.listings.upsert(
            [
                a_plain_listing("MLA1", first.id, description="Texto", last_updated=NOW),
                a_plain_listing("MLA2", first.id, description="", last_updated=later),
                a_plain_listing("MLA3", first.id, description=None),
                a_plain_listing("MLA4", first.id, description="Sin fecha", last_updated=None),
                a_plain_listing("MLA5", second.id, description="Otra cuenta"),
            ]
        )
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.listings.described(first.id) == {
            "MLA1": NOW,
            "MLA2": later,
            "MLA4": None,
        }


async def test_marking_listings_removed_counts_only_the_ones_that_changed(uow_factory):
    first, _ = await _given_catalogue(uow_factory)
    later = NOW + timedelta(hours=1)

    async with uow_factory() as uow:
        changed = await uow.listings.mark_removed(["MLA9", "MLA12", "MLA404", "MLA9"], later)
        await uow.commit()

    assert changed == 1
    async with uow_factory() as uow:
        assert (await uow.listings.get("MLA9")).removed_at == later
        assert (await uow.listings.get("MLA12")).removed_at == NOW
        assert await uow.listings.item_ids(first.id) == {"MLA10", "MLA11"}


async def test_an_upsert_brings_a_removed_listing_back(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.listings.upsert([a_plain_listing("MLA1", account.id, removed_at=NOW)])
        await uow.listings.upsert([a_plain_listing("MLA1", account.id)])
        assert await uow.listings.item_ids(account.id) == {"MLA1"}


# -- descriptions a sync did not read (§4.7, §4.11) ------------------------------------------


async def test_an_upsert_without_description_keeps_the_stored_one(uow_factory):
    """Multigets leave the description out (§4.11 `attributes=`; it is its own resource,
    §4.7), so None means "not read", never "erased"."""
    account = await given_account(uow_factory)
    listing = a_plain_listing("MLA1", account.id, description="Mate de calabaza.")
    async with uow_factory() as uow:
        await uow.listings.upsert([listing])
        await uow.commit()

    observed = attrs.evolve(listing, title="Mate de calabaza curado", description=None)
    async with uow_factory() as uow:
        await uow.listings.upsert([observed])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.listings.get("MLA1")
    assert stored == attrs.evolve(observed, description="Mate de calabaza.")


async def test_an_upsert_with_a_description_replaces_the_stored_one(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.listings.upsert([a_plain_listing("MLA1", account.id, description="old")])
        await uow.listings.upsert([a_plain_listing("MLA1", account.id, description="new")])
        await uow.commit()

    async with uow_factory() as uow:
        assert (await uow.listings.get("MLA1")).description == "new"


async def test_a_new_listing_without_description_is_stored_without_one(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.listings.upsert([a_plain_listing("MLA1", account.id, description=None)])
        assert (await uow.listings.get("MLA1")).description is None


async def test_a_batch_keeps_the_description_an_earlier_copy_of_the_listing_brought(uow_factory):
    account = await given_account(uow_factory)
    described = a_plain_listing("MLA1", account.id, title="first", description="text")
    undescribed = a_plain_listing("MLA1", account.id, title="second", description=None)

    async with uow_factory() as uow:
        await uow.listings.upsert([described, undescribed])
        stored = await uow.listings.get("MLA1")
    assert (stored.title, stored.description) == ("second", "text")


async def test_a_batch_upsert_keeps_each_stored_description(uow_factory):
    account = await given_account(uow_factory)
    listings = [a_plain_listing(f"MLA{n}", account.id, description=f"d{n}") for n in range(1, 4)]
    async with uow_factory() as uow:
        await uow.listings.upsert(listings)
        await uow.commit()

    observed = [attrs.evolve(listing, description=None) for listing in listings]
    observed.append(a_plain_listing("MLA4", account.id, description=None))
    async with uow_factory() as uow:
        await uow.listings.upsert(observed)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.listings.find_many(["MLA1", "MLA2", "MLA3", "MLA4"])
    assert {item_id: found[item_id].description for item_id in found} == {
        "MLA1": "d1",
        "MLA2": "d2",
        "MLA3": "d3",
        "MLA4": None,
    }


# -- removals that spare listings changed since a moment ----------------------------------


async def test_marking_removed_can_spare_listings_mercadolibre_changed_since_a_moment(
    uow_factory,
):
    account = await given_account(uow_factory)
    started = NOW + timedelta(minutes=10)
    async with uow_factory() as uow:
        await uow.listings.upsert(
            [
                a_plain_listing("MLA1", account.id, last_updated=started - timedelta(seconds=1)),
                a_plain_listing("MLA2", account.id, last_updated=started),
                a_plain_listing("MLA3", account.id, last_updated=started + timedelta(hours=2)),
                a_plain_listing("MLA4", account.id, last_updated=None),
            ]
        )
        await uow.commit()

    later = started + timedelta(hours=3)
    async with uow_factory() as uow:
        changed = await uow.listings.mark_removed(
            ["MLA1", "MLA2", "MLA3", "MLA4"], later, last_updated_before=started
        )
        await uow.commit()

    assert changed == 2
    async with uow_factory() as uow:
        assert await uow.listings.item_ids(account.id) == {"MLA2", "MLA3"}
        assert (await uow.listings.get("MLA4")).removed_at == later
