from __future__ import annotations

from datetime import date

import attrs

from application.analytics.scope import scope_of
from application.ports.clock import Clock
from application.ports.repositories.analytics import SELLER_VISITS
from application.ports.unit_of_work import UnitOfWorkFactory


@attrs.define(frozen=True)
class VisitsDay:
    day: date
    total: int  # the sellers' visits to all their listings
    by_listing: dict[str, int]


@attrs.define(frozen=True)
class VisitsReport:
    first_day: date
    last_day: date
    days: list[VisitsDay]


class GetVisits:
    """The visits stored by the daily RecordVisits job, per day: the sellers' total and
    each listing's (optionally one listing's). Days not read yet are left out."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        account_id: int | None = None,
        first: date | None = None,
        last: date | None = None,
        item_id: str | None = None,
    ) -> VisitsReport:
        async with self._uow() as uow:
            scope = await scope_of(uow, self._clock.now(), account_id, first, last)
            rows = await uow.analytics.visits(list(scope.account_ids), scope.first, scope.last)
        days: dict[date, VisitsDay] = {}
        for row in rows:
            day = days.setdefault(row.day, VisitsDay(row.day, 0, {}))
            if row.item_id == SELLER_VISITS:
                days[row.day] = attrs.evolve(day, total=day.total + row.visits)
            elif item_id is None or row.item_id == item_id:
                day.by_listing[row.item_id] = row.visits
        return VisitsReport(scope.first, scope.last, [days[d] for d in sorted(days)])
