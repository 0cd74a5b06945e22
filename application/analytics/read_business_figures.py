from __future__ import annotations

from datetime import timedelta

from application.analytics.scope import scope_of
from application.ports.clock import Clock
from application.ports.events import BusinessFigures
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.analytics import from_cents

SALES_DAYS = 30
ANSWER_DAYS = 7


class ReadBusinessFigures:
    """The figures the metrics scrape shows for every connected account (see
    BusinessFigures), from the roll-up, indexed counts and the stored reputations: cheap
    enough for every scrape."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> BusinessFigures:
        now = self._clock.now()
        async with self._uow() as uow:
            scope = await scope_of(uow, now, None, None, None, SALES_DAYS)
            ids = list(scope.account_ids)
            statuses = await uow.analytics.orders_by_status(ids, now - timedelta(days=SALES_DAYS))
            days = await uow.analytics.daily_totals(ids, scope.first, scope.last)
            counts = await uow.analytics.work_counts(ids, {})
            waits = await uow.analytics.answer_waits(ids, now - timedelta(days=ANSWER_DAYS), now)
            levels = await uow.analytics.reputation_levels(ids)
        sales: dict[str, int] = {}
        for day in days:
            sales[day.currency_id] = (
                sales.get(day.currency_id, 0) + day.figures.gross - day.figures.refunded
            )
        return BusinessFigures(
            orders_by_status=statuses,
            sales_by_currency={c: from_cents(v) for c, v in sales.items()},
            unanswered_questions=counts.unanswered_questions,
            answer_waits_seconds=tuple(waits),
            labels_to_print=counts.labels_to_print,
            reputation_levels=levels,
        )
