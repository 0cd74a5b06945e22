from __future__ import annotations

from datetime import date, datetime, time, timedelta

from application.analytics.scope import DEFAULT_DAYS, scope_of
from application.analytics.views import DashboardStats
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.analytics import from_cents


class GetDashboardStats:
    """The seed's dashboard figures for one account or every connected one: listings
    active, paid orders whose shipment has not left, unanswered questions, sales over
    the days asked (gross less refunds, per currency: amounts in different currencies are
    never added), shipments to hand over today (ready to ship, printable by the end of
    the seller's day), labels to print, listings paused for want of stock, and the
    median minutes to answer the questions answered in those days."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        account_id: int | None = None,
        first: date | None = None,
        last: date | None = None,
        days: int = DEFAULT_DAYS,
    ) -> DashboardStats:
        """Over [first, last], by default the `days` up to the seller's today."""
        now = self._clock.now()
        async with self._uow() as uow:
            scope = await scope_of(uow, now, account_id, first, last, days)
            ids = list(scope.account_ids)
            # Printable by the end of each seller's own day.
            ship_by = {
                account_id: datetime.combine(
                    now.astimezone(zone).date() + timedelta(days=1), time(), zone
                )
                for account_id, zone in scope.zones.items()
            }
            counts = await uow.analytics.work_counts(ids, ship_by)
            days = await uow.analytics.daily_totals(ids, scope.first, scope.last)
            median = await uow.analytics.median_answer_seconds(ids, scope.start(), scope.end())
        sales: dict[str, int] = {}
        for day in days:
            sales[day.currency_id] = (
                sales.get(day.currency_id, 0) + day.figures.gross - day.figures.refunded
            )
        return DashboardStats(
            first_day=scope.first,
            last_day=scope.last,
            account_id=account_id,
            active_products=counts.active_products,
            pending_orders=counts.pending_orders,
            unanswered_questions=counts.unanswered_questions,
            total_sales={c: from_cents(v) for c, v in sorted(sales.items())},
            orders_to_ship_today=counts.to_ship,
            labels_to_print=counts.labels_to_print,
            paused_out_of_stock=counts.paused_out_of_stock,
            median_answer_minutes=None if median is None else round(median / 60, 1),
        )
