"""What the analytics use cases answer: read models, amounts as Decimals per currency
(amounts in different currencies are never added)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import attrs

from application.ports.repositories.analytics import DailyTotal, ListingSales, WorkCounts
from domain.analytics import DailyFigures, from_cents

__all__ = [
    "DailyTotal",
    "DashboardStats",
    "ListingSales",
    "SalesPeriod",
    "SalesReport",
    "TopListings",
    "WorkCounts",
]


@attrs.define(frozen=True)
class DashboardStats:
    """The seed's dashboard figures, for one account or every one, over [first, last]."""

    first_day: date
    last_day: date
    active_products: int
    pending_orders: int
    unanswered_questions: int
    total_sales: Mapping[str, Decimal]
    orders_to_ship_today: int
    labels_to_print: int
    paused_out_of_stock: int
    median_answer_minutes: float | None
    account_id: int | None = None


@attrs.define(frozen=True)
class SalesPeriod:
    """One period of sales in one currency (domain.analytics explains what counts)."""

    start: date
    currency_id: str
    orders: int
    units: int
    gross: Decimal
    cancelled_orders: int
    cancelled_amount: Decimal
    refunded: Decimal
    fees: Decimal
    net: Decimal
    average_ticket: Decimal | None

    @classmethod
    def of(cls, start: date, currency_id: str, figures: DailyFigures) -> SalesPeriod:
        gross = from_cents(figures.gross)
        refunded = from_cents(figures.refunded)
        fees = from_cents(figures.fees)
        return cls(
            start=start,
            currency_id=currency_id,
            orders=figures.orders,
            units=figures.units,
            gross=gross,
            cancelled_orders=figures.cancelled_orders,
            cancelled_amount=from_cents(figures.cancelled_amount),
            refunded=refunded,
            fees=fees,
            net=gross - refunded - fees,
            average_ticket=(
                (gross / figures.orders).quantize(Decimal("0.01")) if figures.orders else None
            ),
        )


@attrs.define(frozen=True)
class SalesReport:
    first_day: date
    last_day: date
    periods: list[SalesPeriod]


@attrs.define(frozen=True)
class TopListings:
    first_day: date
    last_day: date
    listings: list[ListingSales]
