"""What an order adds to the daily sales roll-up, and the periods sales are read by.

An order contributes to the day it was created on, in its seller's site time zone (a
sale at 23:30 in Buenos Aires is that day's, not the next UTC day's), under each of its
listings and its currency. A sold order adds its units, gross amount and MercadoLibre's
fees (§5.1 `order_items[].sale_fee`, per unit) and what was refunded of it (§5.1
`payments[].transaction_amount_refunded`); a cancelled one adds nothing sold, only its
cancelled count and amount. It also adds the same to the day's row of all listings
(ALL_LISTINGS), which the day's totals are read from. The order itself is counted once,
on its first line, so that summing a day's listings gives the day's orders. An order that
changes status moves its contribution: `contribution(new) - contribution(old)` is added
to the roll-up.

Amounts are kept as whole cents (amounts have at most two places, application.storable),
so the roll-up adds integers exactly on every database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

import attrs

from domain.orders import Order, OrderStatus

# Paid, and not (yet) undone: a pending cancellation still holds the buyer's money.
SOLD_STATUSES = frozenset(
    {OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.PENDING_CANCEL}
)
CANCELLED_STATUSES = frozenset({OrderStatus.CANCELLED})
CENTS = Decimal(100)
# The item id of a day's row for all the account's listings together: the day's totals
# are read from one row per account, day and currency, not summed over listings.
ALL_LISTINGS = ""


def to_cents(amount: Decimal) -> int:
    return int((amount * CENTS).to_integral_value())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / CENTS).quantize(Decimal("0.01"))


@attrs.define(frozen=True, order=True)
class DailyKey:
    account_id: int
    day: date
    item_id: str
    currency_id: str


@attrs.define(frozen=True)
class DailyFigures:
    """One day of one listing in one currency; amounts in cents."""

    orders: int = 0
    units: int = 0
    gross: int = 0
    fees: int = 0
    refunded: int = 0
    cancelled_orders: int = 0
    cancelled_amount: int = 0

    def __add__(self, other: DailyFigures) -> DailyFigures:
        return DailyFigures(
            *(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other), strict=True))
        )

    def __neg__(self) -> DailyFigures:
        return DailyFigures(*(-a for a in attrs.astuple(self)))

    @property
    def is_zero(self) -> bool:
        return not any(attrs.astuple(self))


FIGURES = tuple(a.name for a in attrs.fields(DailyFigures))


@attrs.define(frozen=True)
class SaleLine:
    item_id: str
    currency_id: str
    quantity: int
    unit_price: Decimal
    sale_fee: Decimal | None = None


@attrs.define(frozen=True)
class SaleFacts:
    """What of an order the roll-up reads: stored rows give the same as a domain Order."""

    account_id: int
    status: str
    date_created: datetime
    lines: tuple[SaleLine, ...]
    refunded: Decimal = Decimal(0)

    @classmethod
    def of(cls, order: Order) -> SaleFacts:
        return cls(
            account_id=order.account_id,
            status=order.status.value,
            date_created=order.date_created,
            lines=tuple(
                SaleLine(
                    item.item_id,
                    item.unit_price.currency_id,
                    item.quantity,
                    item.unit_price.amount,
                    None if item.sale_fee is None else item.sale_fee.amount,
                )
                for item in order.items
            ),
            refunded=sum(
                (p.refunded_amount.amount for p in order.payments if p.refunded_amount),
                Decimal(0),
            ),
        )


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def contribution(facts: SaleFacts, zone: ZoneInfo) -> dict[DailyKey, DailyFigures]:
    """What the order adds to the roll-up (see the module's docstring)."""
    status = OrderStatus(facts.status)
    sold = status in SOLD_STATUSES
    cancelled = status in CANCELLED_STATUSES
    if not (sold or cancelled) or not facts.lines:
        return {}
    day = local_day(facts.date_created, zone)
    found: dict[DailyKey, DailyFigures] = {}
    for index, line in enumerate(facts.lines):
        first = index == 0
        total = to_cents(line.unit_price * line.quantity)
        if sold:
            figures = DailyFigures(
                orders=int(first),
                units=line.quantity,
                gross=total,
                fees=to_cents((line.sale_fee or Decimal(0)) * line.quantity),
                refunded=to_cents(facts.refunded) if first else 0,
            )
        else:
            figures = DailyFigures(cancelled_orders=int(first), cancelled_amount=total)
        key = DailyKey(facts.account_id, day, line.item_id, line.currency_id)
        found[key] = found.get(key, DailyFigures()) + figures
        whole = DailyKey(facts.account_id, day, ALL_LISTINGS, line.currency_id)
        found[whole] = found.get(whole, DailyFigures()) + figures
    return found


def changes(
    before: Iterable[Mapping[DailyKey, DailyFigures]],
    after: Iterable[Mapping[DailyKey, DailyFigures]],
) -> dict[DailyKey, DailyFigures]:
    """What to add to the roll-up when orders' contributions go from `before` to `after`;
    keys whose change is nil are left out."""
    delta: dict[DailyKey, DailyFigures] = {}
    for sign, group in ((-1, before), (1, after)):
        for part in group:
            for key, figures in part.items():
                change = figures if sign > 0 else -figures
                delta[key] = delta.get(key, DailyFigures()) + change
    return {key: figures for key, figures in delta.items() if not figures.is_zero}


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_start(day: date, interval: Interval) -> date:
    """The first day of the period holding `day`: weeks begin on Monday (ISO 8601)."""
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day
