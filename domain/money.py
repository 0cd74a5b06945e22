"""Money: a Decimal amount in a currency, always at the currency's precision."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

import attrs

from domain.errors import CurrencyMismatch, InvalidValue, UnknownCurrency


@attrs.define(frozen=True)
class Currency:
    id: str
    description: str
    symbol: str
    decimal_places: int

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimal_places)


# Decimal places follow what MercadoLibre lists prices in (mercadolibre-api.md §4.10, §10):
# Chilean, Colombian and Paraguayan pesos are priced in whole units on the marketplace.
CURRENCIES: Final[dict[str, Currency]] = {
    c.id: c
    for c in (
        Currency("ARS", "Peso argentino", "$", 2),
        Currency("BRL", "Real", "R$", 2),
        Currency("MXN", "Peso mexicano", "$", 2),
        Currency("COP", "Peso colombiano", "$", 0),
        Currency("CLP", "Peso chileno", "$", 0),
        Currency("UYU", "Peso uruguayo", "$", 2),
        Currency("PEN", "Sol", "S/", 2),
        Currency("VES", "Bolívar", "Bs.", 2),
        Currency("USD", "Dólar", "US$", 2),
        Currency("BOB", "Boliviano", "Bs", 2),
        Currency("PYG", "Guaraní", "₲", 0),
        Currency("CRC", "Colón", "₡", 2),
        Currency("DOP", "Peso dominicano", "RD$", 2),
        Currency("PAB", "Balboa", "B/.", 2),
        Currency("GTQ", "Quetzal", "Q", 2),
        Currency("HNL", "Lempira", "L", 2),
        Currency("NIO", "Córdoba", "C$", 2),
        Currency("CUP", "Peso cubano", "$", 2),
        Currency("EUR", "Euro", "€", 2),
    )
}


def currency(currency_id: str) -> Currency:
    try:
        return CURRENCIES[currency_id]
    except KeyError:
        raise UnknownCurrency(currency_id) from None


def _to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise InvalidValue("amount", "floats are not accepted for money; pass a Decimal or str")
    if isinstance(value, bool):
        raise InvalidValue("amount", "a boolean is not an amount")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValue("amount", f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise InvalidValue("amount", "must be a finite number")
    return amount


def _exact_amount(instance: Money, attribute: attrs.Attribute, value: Decimal) -> None:
    places = currency(instance.currency_id).decimal_places
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidValue("amount", "must be a finite Decimal")
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        raise InvalidValue(
            "amount", f"{value} has more than {places} decimal places for {instance.currency_id}"
        )


@attrs.define(frozen=True, order=False)
class Money:
    """An amount of one currency, exact at that currency's precision.

    Build with `Money.of`, which rounds half-up to the currency's decimal places; the
    plain constructor refuses amounts that would need rounding, so no value silently
    changes on its way through the system.
    """

    amount: Decimal = attrs.field(validator=_exact_amount)
    currency_id: str = attrs.field()

    @currency_id.validator
    def _known_currency(self, attribute: attrs.Attribute, value: str) -> None:
        currency(value)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency_id: str) -> Money:
        quantum = currency(currency_id).quantum
        value = _to_decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)
        # Normalise -0 so equal amounts compare and hash the same.
        if value == 0:
            value = abs(value)
        return cls(value, currency_id)

    @classmethod
    def zero(cls, currency_id: str) -> Money:
        return cls.of(0, currency_id)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency_id != self.currency_id:
            raise CurrencyMismatch(f"{self.currency_id} and {other.currency_id} do not mix")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money.of(self.amount + other.amount, self.currency_id)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money.of(self.amount - other.amount, self.currency_id)

    def __neg__(self) -> Money:
        return Money.of(-self.amount, self.currency_id)

    def times(self, quantity: int) -> Money:
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidValue("quantity", "must be a whole number")
        return Money.of(self.amount * quantity, self.currency_id)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency_id}"
