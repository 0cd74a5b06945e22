"""Listings: stock pauses and reactivates, variations stay unique (§4.3, §4.6)."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidTransition, InvalidValue
from domain.inventory import StockLevel
from domain.listings import (
    OUT_OF_STOCK,
    PAUSED_BY_SELLER,
    Attribute,
    Listing,
    ListingStatus,
    Variation,
    check_title,
    check_variations,
)
from domain.money import Money

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def listing(**overrides) -> Listing:
    values = dict(
        item_id="MLA1136716168",
        account_id=1,
        seller_id=202593498,
        title="Zapatillas Running",
        category_id="MLA109027",
        price=Money.of("15000", "ARS"),
        available_quantity=2,
    )
    values.update(overrides)
    return Listing(**values)


def variation(color: str, quantity: int, vid: int) -> Variation:
    return Variation((Attribute("COLOR", color),), Money.of("15000", "ARS"), quantity, id=vid)


def test_stock_at_zero_pauses_with_out_of_stock_and_a_restock_reactivates():
    """ref: mercadolibre-api.md §4.3 (available_quantity 0 -> paused + out_of_stock)."""
    item = listing()
    item.set_quantity(0)
    assert item.status is ListingStatus.PAUSED and OUT_OF_STOCK in item.sub_status
    item.set_quantity(5)
    assert item.status is ListingStatus.ACTIVE and OUT_OF_STOCK not in item.sub_status


def test_a_listing_the_seller_paused_stays_paused_after_a_restock():
    """ref: mercadolibre-api.md §4.5 (paused_by_seller)."""
    item = listing()
    item.pause()
    item.set_quantity(0)
    item.set_quantity(3)
    assert item.status is ListingStatus.PAUSED and PAUSED_BY_SELLER in item.sub_status


def test_activating_without_stock_is_refused_with_mercadolibres_message():
    """ref: mercadolibre-api.md §2.1 (item.status.invalid cause)."""
    item = listing(available_quantity=0, status=ListingStatus.PAUSED)
    with pytest.raises(InvalidValue, match="without stock"):
        item.activate()


def test_closed_is_final():
    item = listing()
    item.close()
    with pytest.raises(InvalidTransition):
        item.activate()
    with pytest.raises(InvalidValue):
        item.set_quantity(1)


def test_variation_stock_moves_the_listing_total():
    item = listing(variations=(variation("Negro", 1, 1), variation("Blanco", 2, 2)))
    item.set_quantity(0, variation_id=1)
    assert item.total_quantity == 2 and item.status is ListingStatus.ACTIVE
    item.set_quantity(0, variation_id=2)
    assert item.status is ListingStatus.PAUSED
    with pytest.raises(InvalidValue, match="name one"):
        item.set_quantity(1)
    with pytest.raises(InvalidValue, match="not a variation"):
        item.set_quantity(1, variation_id=99)


def test_variation_combinations_must_not_repeat_nor_exceed_the_limit():
    """ref: mercadolibre-api.md §4.6 (unique combinations, max 100)."""
    with pytest.raises(InvalidValue, match="repeat"):
        check_variations([variation("Negro", 1, 1), variation("Negro", 2, 2)])
    many = [variation(f"C{i}", 1, i) for i in range(101)]
    with pytest.raises(InvalidValue, match="Variations should not exceed max size of 100"):
        check_variations(many)
    mixed = [
        variation("Negro", 1, 1),
        Variation((Attribute("SIZE", "42"),), Money.of(1, "ARS"), 1, id=2),
    ]
    with pytest.raises(InvalidValue, match="same attributes"):
        check_variations(mixed)


def test_price_must_be_in_the_site_currency_and_category_of_the_site():
    with pytest.raises(InvalidValue, match="ARS"):
        listing(price=Money.of(10, "BRL"))
    assert listing(price=Money.of(10, "USD")).price.currency_id == "USD"
    with pytest.raises(InvalidValue, match="category"):
        listing(category_id="MLB1055")
    with pytest.raises(InvalidValue):
        listing(item_id="MLAxyz")


def test_titles_are_limited_by_length():
    assert check_title("a" * 60) == "a" * 60
    with pytest.raises(InvalidValue, match="limit is 60"):
        check_title("a" * 61)
    with pytest.raises(InvalidValue, match="empty"):
        check_title("   ")


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.lists(st.integers(-500, 500)))
def test_stock_never_goes_negative_and_publishes_net_of_safety_stock(start, safety, deltas):
    level = StockLevel("MLA1", start, safety_stock=safety)
    for delta in deltas:
        try:
            level = level.adjust(delta, NOW)
        except InvalidValue:
            assert level.quantity + delta < 0
        assert level.quantity >= 0
        assert level.publishable == max(0, level.quantity - safety)
