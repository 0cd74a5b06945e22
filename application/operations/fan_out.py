from __future__ import annotations

import logging

from application import jobs
from application.jobs import for_account
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.quota.plan_periodic_work import PlanPeriodicWork, misfit_warning
from application.sync_logs.requests import request_sync_in
from domain.accounts import AccountStatus
from domain.quota_plan import BULK, PRODUCTS_TICKS, WHOLE, PlannedKind
from domain.sync import SyncTrigger

log = logging.getLogger(__name__)

# The planned kind of each per-account job.
PLANNED = {
    jobs.SyncCatalogue: PlannedKind.PRODUCTS,
    jobs.SyncInventory: PlannedKind.INVENTORY,
    jobs.ReconcileOrders: PlannedKind.ORDERS,
    jobs.ReconcileQuestions: PlannedKind.QUESTIONS,
}


class FanOut:
    """Ask for a per-account sync of every active account the quota plan has due (the
    periodic syncs): one queued sync log each, its job sent after the commit (see
    RequestSync), accounts with a gap first. A sliced read asks for the slice of the
    slot; without a plan every account reads everything at every slot (the catalogue,
    scheduled on a finer tick for the plan, at every PRODUCTS_TICKS-th)."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, planner: PlanPeriodicWork | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._planner = planner

    async def __call__(self, job: str, trigger: SyncTrigger, slot: int | None = None) -> int:
        """`job`: a per-account job's name (application.jobs.PER_ACCOUNT); `slot`: the
        scheduled slot it serves (None: the slot of now). Returns how many accounts it was
        asked for. Raises ValueError for another name."""
        plan = await self._planner.plan() if self._planner is not None else None
        catalogue = job == jobs.job_name(jobs.SyncCatalogue)
        if plan is None and catalogue and slot is not None and slot % PRODUCTS_TICKS:
            return 0
        async with self._uow() as uow:
            accounts = {a.id: a for a in await uow.accounts.list(AccountStatus.ACTIVE)}
            order = [a.account_id for a in plan.accounts] if plan is not None else []
            order += [i for i in accounts if i not in order]
            now = self._clock.now()
            asked = 0
            for account_id in order:
                if account_id not in accounts:
                    continue  # disconnected since the plan was made
                assert account_id is not None
                job_type = type(for_account(job, account_id, trigger))
                kind = PLANNED.get(job_type)
                planned = None if plan is None or kind is None else plan.job(account_id, kind)
                part = WHOLE
                if planned is not None:
                    at = slot if slot is not None else int(now.timestamp()) // planned.every_seconds
                    # A run by hand (no slot) runs now, on the slice of the current slot.
                    if slot is not None and not planned.due(at):
                        continue
                    if kind in BULK:
                        part = planned.slice_at(at)
                await request_sync_in(uow, job_type, account_id, trigger, now, part)
                asked += 1
            await uow.commit()
        if plan is not None and catalogue:
            warning = misfit_warning(plan)
            if warning is not None:
                log.warning("quota plan: %s", warning)
        return asked
