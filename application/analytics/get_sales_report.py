from __future__ import annotations

from datetime import date

from application.analytics.scope import DEFAULT_DAYS, scope_of
from application.analytics.views import SalesPeriod, SalesReport
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.analytics import DailyFigures, Interval, period_start


class GetSalesReport:
    """Sales per day, week (from Monday) or month and currency, from the daily roll-up:
    orders, units, gross, cancelled orders and amounts, refunds, MercadoLibre's fees
    (§5.1 sale_fee), net and the average ticket. Periods without sales are left out."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        account_id: int | None = None,
        first: date | None = None,
        last: date | None = None,
        interval: Interval = Interval.DAY,
        currency_id: str | None = None,
        days: int = DEFAULT_DAYS,
    ) -> SalesReport:
        async with self._uow() as uow:
            scope = await scope_of(uow, self._clock.now(), account_id, first, last, days)
            days = await uow.analytics.daily_totals(
                list(scope.account_ids), scope.first, scope.last, currency_id
            )
        periods: dict[tuple[date, str], DailyFigures] = {}
        for day in days:
            key = (period_start(day.day, interval), day.currency_id)
            periods[key] = periods.get(key, DailyFigures()) + day.figures
        return SalesReport(
            scope.first,
            scope.last,
            [
                SalesPeriod.of(start, currency, figures)
                for (start, currency), figures in sorted(periods.items())
                if not figures.is_zero
            ],
        )
