from __future__ import annotations

from datetime import date

from application.analytics.scope import DEFAULT_DAYS, scope_of
from application.analytics.views import TopListings
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory

SORTS = ("revenue", "units")
MAX_LISTINGS = 100


class GetTopListings:
    """The listings that sold most over the days (by revenue, less refunds, or units),
    with the visits read from MercadoLibre for those days and the conversion (orders per
    visit) when visits are known."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        account_id: int | None = None,
        first: date | None = None,
        last: date | None = None,
        sort: str = "revenue",
        limit: int = 20,
        currency_id: str | None = None,
        days: int = DEFAULT_DAYS,
    ) -> TopListings:
        async with self._uow() as uow:
            scope = await scope_of(uow, self._clock.now(), account_id, first, last, days)
            listings = await uow.analytics.top_listings(
                list(scope.account_ids),
                scope.first,
                scope.last,
                sort if sort in SORTS else "revenue",
                max(1, min(limit, MAX_LISTINGS)),
                currency_id,
            )
        return TopListings(scope.first, scope.last, listings)
