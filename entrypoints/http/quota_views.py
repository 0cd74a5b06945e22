"""The JSON shape of the quota plan (GET /jobs/plan); `meli jobs plan` prints the same."""

from __future__ import annotations

import attrs

from application.quota.plan_periodic_work import PeriodicWorkPlan, misfit_warning
from domain.quota_plan import AccountPlan, PlannedJob


@attrs.define(frozen=True)
class PlannedJobView:
    """One periodic job as planned: it fires on one scheduled slot out of `runs_every`
    of `every_seconds`, each run reads one slice of `slices`, costing `calls_per_hour`
    on average; every slice takes its turn within `round_seconds`, a run takes at most
    `run_seconds`, and whatever it reads is re-read within `staleness_seconds` (the
    two added)."""

    job: str
    every_seconds: int
    runs_every: int
    slices: int
    calls_per_hour: float
    round_seconds: int
    run_seconds: int
    staleness_seconds: int


@attrs.define(frozen=True)
class AccountPlanView:
    """An account's periodic work: `listings` stored, `gap` when it has open dead
    letters (planned first), and the bound within which every listing is read again
    whole (`staleness_seconds`, the catalogue read's)."""

    account_id: int
    listings: int
    gap: bool
    calls_per_hour: float
    staleness_seconds: int
    jobs: list[PlannedJobView]


@attrs.define(frozen=True)
class QuotaPlanView:
    """The plan of the periodic reads within the hourly quota.

    `periodic_budget_per_hour` is MELI_PERIODIC_BUDGET of `quota_per_hour`;
    `periodic_demand_per_hour` what the configured intervals would take reading whole
    catalogues; `left_for_people_per_hour` what the plan leaves for people's writes and
    notifications; `used_this_hour` the calls each class took in the current hour of the
    quota (null when the shared limiter could not say); `warning` is set when the
    configured intervals do not fit the budget. `shared` jobs run once for all accounts.
    """

    quota_per_hour: int
    periodic_budget_per_hour: int
    periodic_demand_per_hour: float
    periodic_planned_per_hour: float
    left_for_people_per_hour: float
    fits_as_configured: bool
    warning: str | None
    used_this_hour: dict[str, int] | None
    accounts: list[AccountPlanView]
    shared: list[PlannedJobView]


def _job_view(job: PlannedJob) -> PlannedJobView:
    return PlannedJobView(
        job.kind.value,
        job.every_seconds,
        job.runs_every,
        job.slices,
        round(job.calls_per_hour, 2),
        job.round_seconds,
        job.run_seconds,
        job.staleness_seconds,
    )


def _account_view(account: AccountPlan) -> AccountPlanView:
    return AccountPlanView(
        account.account_id,
        account.listings,
        account.gap,
        round(account.calls_per_hour, 2),
        account.staleness_seconds,
        [_job_view(job) for job in account.jobs],
    )


def plan_view(planned: PeriodicWorkPlan) -> QuotaPlanView:
    plan = planned.plan
    used = planned.used_this_hour
    return QuotaPlanView(
        quota_per_hour=plan.quota_per_hour,
        periodic_budget_per_hour=plan.budget_per_hour,
        periodic_demand_per_hour=round(plan.demand_per_hour, 2),
        periodic_planned_per_hour=round(plan.planned_per_hour, 2),
        left_for_people_per_hour=round(plan.left_for_people, 2),
        fits_as_configured=plan.fits_as_configured,
        warning=misfit_warning(plan),
        used_this_hour=None if used is None else {c.value: n for c, n in used.items()},
        accounts=[_account_view(a) for a in plan.accounts],
        shared=[_job_view(job) for job in plan.shared],
    )
