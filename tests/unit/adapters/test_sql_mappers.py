"""The SQL mappers and column types, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sql.repositories.inventory import variation_key
from adapters.sql.repositories.listings import item_number, title_search_key
from adapters.sql.repositories.orders import (
    item_rows,
    item_to_domain,
    order_to_domain,
    order_to_row,
    payment_rows,
    payment_to_domain,
)
from adapters.sql.types import Amount, UtcDateTime
from domain.money import CURRENCIES, Money
from domain.orders import Buyer, Order, OrderItem, OrderStatus, Payment

SQLITE = sqlite.dialect()
POSTGRESQL = postgresql.dialect()


@st.composite
def money(draw: st.DrawFn) -> Money:
    found = draw(st.sampled_from(sorted(CURRENCIES.values(), key=lambda c: c.id)))
    amount = draw(
        st.decimals(
            min_value=Decimal("-999999999999999999"),
            max_value=Decimal("999999999999999999"),
            places=found.decimal_places,
            allow_nan=False,
            allow_infinity=False,
        )
    )
    return Money.of(amount, found.id)


def _through_amount_column(value: Decimal, dialect) -> Decimal:
    column = Amount()
    stored = column.process_bind_param(value, dialect)
    if dialect is POSTGRESQL:
        # PostgreSQL hands NUMERIC(20, 2) back at the column's scale.
        stored = stored.quantize(Decimal("0.01"))
    return column.process_result_value(stored, dialect)


@given(money())
def test_money_survives_the_amount_column_exactly_on_every_database(price):
    for dialect in (SQLITE, POSTGRESQL):
        back = Money.of(_through_amount_column(price.amount, dialect), price.currency_id)
        assert back == price
        assert str(back) == str(price)


def test_amounts_are_stored_as_plain_decimal_text_on_sqlite():
    assert Amount().process_bind_param(Decimal("1E+3"), SQLITE) == "1000"
    assert Amount().process_bind_param(Decimal("-0.50"), SQLITE) == "-0.50"


def test_the_amount_column_refuses_floats():
    with pytest.raises(TypeError):
        Amount().process_bind_param(0.1, SQLITE)


@given(money(), st.integers(min_value=1, max_value=50))
def test_an_order_survives_its_row_with_every_amount_exact(price, quantity):
    order = Order(
        id=2**40,
        account_id=1,
        seller_id=2**41,
        status=OrderStatus.PAID,
        items=(OrderItem("MLA1", "Mate", quantity, price),),
        total_amount=price.times(quantity),
        buyer=Buyer(2**42),
        date_created=datetime(2024, 1, 1, tzinfo=UTC),
        paid_amount=price.times(quantity),
        payments=(Payment(1, "approved", price.times(quantity), order_id=2**40),),
    )
    row = order_to_row(order)

    back = order_to_domain(
        row,
        [item_to_domain(r) for r in item_rows(order)],
        [payment_to_domain(r, row["raw"]) for r in payment_rows(order)],
    )

    assert back == order
    assert str(back.items[0].unit_price) == str(price)
    assert str(back.payments[0].amount) == str(order.payments[0].amount)


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRESQL], ids=["sqlite", "postgresql"])
def test_datetimes_are_stored_in_utc_and_read_back_aware(dialect):
    column = UtcDateTime()
    local = datetime(2024, 5, 17, 9, 30, 0, 123456, tzinfo=timezone(timedelta(hours=-3)))

    stored = column.process_bind_param(local, dialect)
    back = column.process_result_value(stored, dialect)

    assert back == local
    assert back.tzinfo is UTC
    assert back.hour == 12
    if dialect is SQLITE:
        assert stored.tzinfo is None and stored.hour == 12


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2024, 1, 1), SQLITE)


def test_the_title_search_key_folds_accented_capitals():
    assert title_search_key("MATE ÁGUILA Ñandú") == "mate águila ñandú"


def test_item_numbers_order_item_ids_numerically():
    assert item_number("MLA10") > item_number("MLA9")


def test_a_stock_level_without_variation_is_keyed_by_zero():
    assert variation_key(None) == 0
    assert variation_key(2**40) == 2**40
