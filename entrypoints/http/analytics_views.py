"""What the analytics routes answer, as JSON: amounts as decimal strings, per currency."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from application.analytics.get_reputation import AccountReputation
from application.analytics.get_visits import VisitsReport
from application.analytics.views import DashboardStats, ListingSales, SalesPeriod


@attrs.define(frozen=True)
class DashboardStatsView:
    account_id: int | None
    from_date: str
    to_date: str
    active_products: int
    pending_orders: int
    unanswered_questions: int
    total_sales: Mapping[str, Decimal]
    orders_to_ship_today: int
    labels_to_print: int
    paused_out_of_stock: int
    median_answer_minutes: float | None


def dashboard_stats_view(stats: DashboardStats) -> DashboardStatsView:
    return DashboardStatsView(
        account_id=stats.account_id,
        from_date=stats.first_day.isoformat(),
        to_date=stats.last_day.isoformat(),
        active_products=stats.active_products,
        pending_orders=stats.pending_orders,
        unanswered_questions=stats.unanswered_questions,
        # Two places always: "1250000.00", as the seed shows.
        total_sales={
            c: amount.quantize(Decimal("0.01")) for c, amount in stats.total_sales.items()
        },
        orders_to_ship_today=stats.orders_to_ship_today,
        labels_to_print=stats.labels_to_print,
        paused_out_of_stock=stats.paused_out_of_stock,
        median_answer_minutes=stats.median_answer_minutes,
    )


@attrs.define(frozen=True)
class SalesPeriodView:
    start: str
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


@attrs.define(frozen=True)
class SalesReportView:
    interval: str
    from_date: str
    to_date: str
    periods: list[SalesPeriodView]


def sales_period_view(period: SalesPeriod) -> SalesPeriodView:
    return SalesPeriodView(
        start=period.start.isoformat(),
        currency_id=period.currency_id,
        orders=period.orders,
        units=period.units,
        gross=period.gross,
        cancelled_orders=period.cancelled_orders,
        cancelled_amount=period.cancelled_amount,
        refunded=period.refunded,
        fees=period.fees,
        net=period.net,
        average_ticket=period.average_ticket,
    )


@attrs.define(frozen=True)
class ListingSalesView:
    item_id: str
    title: str | None
    currency_id: str
    units: int
    revenue: Decimal
    orders: int
    visits: int | None
    conversion: float | None


@attrs.define(frozen=True)
class TopListingsView:
    sort: str
    from_date: str
    to_date: str
    items: list[ListingSalesView]


def listing_sales_view(sales: ListingSales) -> ListingSalesView:
    return ListingSalesView(
        item_id=sales.item_id,
        title=sales.title,
        currency_id=sales.currency_id,
        units=sales.units,
        revenue=sales.revenue,
        orders=sales.orders,
        visits=sales.visits,
        conversion=None if sales.conversion is None else round(sales.conversion, 4),
    )


@attrs.define(frozen=True)
class RateView:
    name: str
    rate: Decimal | None
    value: int | None
    period: str | None
    limit: Decimal
    within_limit: bool | None


@attrs.define(frozen=True)
class ReputationView:
    account_id: int
    nickname: str
    level_id: str | None
    level: int | None
    power_seller_status: str | None
    completed_sales: int | None
    metrics: list[RateView]
    error: str | None


@attrs.define(frozen=True)
class ReputationsView:
    accounts: list[ReputationView]


def reputation_view(found: AccountReputation) -> ReputationView:
    reputation = found.reputation
    return ReputationView(
        account_id=found.account_id,
        nickname=found.nickname,
        level_id=None if reputation is None else reputation.level_id,
        level=None if reputation is None else reputation.level,
        power_seller_status=None if reputation is None else reputation.power_seller_status,
        completed_sales=None if reputation is None else reputation.completed_sales,
        metrics=[]
        if reputation is None
        else [
            RateView(m.name, m.rate, m.value, m.period, m.limit, m.within_limit)
            for m in reputation.metrics
        ],
        error=found.error,
    )


@attrs.define(frozen=True)
class VisitsDayView:
    day: str
    total: int
    by_listing: Mapping[str, int]


@attrs.define(frozen=True)
class VisitsView:
    from_date: str
    to_date: str
    days: list[VisitsDayView]


def visits_view(report: VisitsReport) -> VisitsView:
    return VisitsView(
        from_date=report.first_day.isoformat(),
        to_date=report.last_day.isoformat(),
        days=[VisitsDayView(d.day.isoformat(), d.total, d.by_listing) for d in report.days],
    )
