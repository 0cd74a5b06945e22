"""Money is exact at each currency's precision (mercadolibre-api.md §4.10, §10)."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import CurrencyMismatch, InvalidValue, UnknownCurrency
from domain.money import CURRENCIES, Money
from domain.sites import SITES

currencies = st.sampled_from(sorted(CURRENCIES))
amounts = st.decimals(
    min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False, places=6
)


@given(amounts, currencies)
def test_of_rounds_half_up_to_the_currency_precision(amount, currency_id):
    places = CURRENCIES[currency_id].decimal_places
    money = Money.of(amount, currency_id)
    assert money.amount.as_tuple().exponent == -places
    assert abs(money.amount - amount) <= Decimal(1).scaleb(-places) / 2
    assert money.amount == amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@given(amounts, currencies)
def test_rounding_is_idempotent(amount, currency_id):
    once = Money.of(amount, currency_id)
    assert Money.of(once.amount, currency_id) == once


@given(amounts, amounts, currencies)
def test_addition_and_subtraction_are_exact_inverses(a, b, currency_id):
    x, y = Money.of(a, currency_id), Money.of(b, currency_id)
    assert (x + y) - y == x
    assert x + y == y + x


@given(amounts, st.integers(min_value=0, max_value=10_000), currencies)
def test_times_equals_repeated_addition_in_value(amount, quantity, currency_id):
    unit = Money.of(amount, currency_id)
    assert unit.times(quantity).amount == unit.amount * quantity


def test_whole_unit_currencies_have_no_cents():
    assert Money.of("1500.5", "COP").amount == Decimal("1501")
    assert Money.of("999.49", "CLP").amount == Decimal("999")
    assert Money.of("10.005", "ARS").amount == Decimal("10.01")


def test_constructor_refuses_amounts_that_would_need_rounding():
    with pytest.raises(InvalidValue, match="decimal places"):
        Money(Decimal("10.001"), "BRL")


def test_floats_are_refused_because_they_cannot_hold_cents_exactly():
    with pytest.raises(InvalidValue, match="float"):
        Money.of(0.1, "ARS")


def test_currencies_do_not_mix():
    with pytest.raises(CurrencyMismatch):
        Money.of(1, "ARS") + Money.of(1, "BRL")
    with pytest.raises(CurrencyMismatch):
        assert Money.of(1, "ARS") < Money.of(2, "BRL")


def test_unknown_currency_and_garbage_amounts_are_refused():
    with pytest.raises(UnknownCurrency):
        Money.of(1, "XXX")
    with pytest.raises(InvalidValue):
        Money.of("ten", "ARS")
    with pytest.raises(InvalidValue):
        Money.of("NaN", "ARS")


def test_negative_zero_equals_zero():
    assert Money.of("-0.001", "ARS") == Money.zero("ARS")
    assert hash(Money.of("-0.001", "ARS")) == hash(Money.zero("ARS"))


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_site_currency_is_known(site):
    assert SITES[site].currency.id in CURRENCIES
