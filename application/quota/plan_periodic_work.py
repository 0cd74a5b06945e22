from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

import attrs

from application.errors import Unavailable
from application.ports.clock import Clock
from application.ports.rate_limiter import API_CALLS, CallClass, RateLimiter
from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import DeadLetterQuery, ListingQuery, Paging
from domain.accounts import AccountStatus
from domain.quota_plan import AccountLoad, PlannedKind, QuotaPlan, plan_periodic_work

log = logging.getLogger(__name__)

# A notification recovered from the missed feeds within this long puts its account first:
# MercadoLibre gave up delivering it, so what it changed was read late, and more may be
# missing (a missed feed only keeps two days, §9.5).
RECENT_GAP = timedelta(hours=6)


@attrs.define(frozen=True)
class QuotaSettings:
    """The figures the plan starts from: MELI_QUOTA_CALLS_PER_HOUR, MELI_PERIODIC_BUDGET,
    the MELI_*_INTERVAL of each planned job and MELI_RATE_LIMIT_PER_SECOND (how long a
    run takes)."""

    quota_per_hour: int
    budget_share: float
    intervals: Mapping[PlannedKind, int]
    calls_per_second: float


@attrs.define(frozen=True)
class PeriodicWorkPlan:
    """The plan, and the calls each class took in the current hour of the quota (None
    when the shared limiter could not say)."""

    plan: QuotaPlan
    used_this_hour: Mapping[CallClass, int] | None


def misfit_warning(plan: QuotaPlan) -> str | None:
    """What an operator should read when the configured intervals do not fit the
    periodic budget; None when they do."""
    if plan.fits_as_configured:
        return None
    largest = max((a.staleness_seconds for a in plan.accounts), default=0)
    return (
        f"the configured intervals need {plan.demand_per_hour:.0f} periodic calls an hour, "
        f"the budget is {plan.budget_per_hour}: large catalogues are read in slices, every "
        f"listing within {largest / 3600:.1f} h at most"
    )


class PlanPeriodicWork:
    """Size every active account's periodic reads within the periodic budget
    (domain.quota_plan), from the listings stored for it and whether it had a recent
    notification gap: open dead letters (a notification it could not process), or a
    notification recovered from the missed feeds within RECENT_GAP (one MercadoLibre
    gave up delivering). Its data may be behind, so it is planned first. GET /jobs/plan,
    `meli jobs plan`, and the fan-out of the periodic syncs all read this plan."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        settings: QuotaSettings,
        clock: Clock,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._uow = uow
        self._settings = settings
        self._clock = clock
        self._limiter = limiter

    async def plan(self) -> QuotaPlan:
        """The plan for the active accounts now. Raises Unavailable (the database)."""
        loads = []
        async with self._uow() as uow:
            recovered = await uow.inbox.recovered_since(self._clock.now() - RECENT_GAP)
            for account in await uow.accounts.list(AccountStatus.ACTIVE):
                assert account.id is not None
                listings = await uow.listings.search(
                    ListingQuery(account_id=account.id, paging=Paging(limit=1))
                )
                letters = await uow.dead_letters.search(
                    DeadLetterQuery(replayed=False, account_id=account.id, paging=Paging(limit=1))
                )
                gap = letters.total > 0 or account.seller_id in recovered
                loads.append(AccountLoad(account.id, listings.total, gap=gap))
        settings = self._settings
        return plan_periodic_work(
            loads,
            quota_per_hour=settings.quota_per_hour,
            budget_share=settings.budget_share,
            intervals=settings.intervals,
            calls_per_second=settings.calls_per_second,
        )

    async def __call__(self) -> PeriodicWorkPlan:
        """The plan and the quota used this hour. Raises Unavailable (the database)."""
        plan = await self.plan()
        used: Mapping[CallClass, int] | None = None
        if self._limiter is not None:
            try:
                counted = await self._limiter.used(API_CALLS)
                used = {call_class: counted.get(call_class, 0) for call_class in CallClass}
            except Unavailable as error:
                log.warning("the quota used this hour is unknown: %s", error)
        return PeriodicWorkPlan(plan, used)
