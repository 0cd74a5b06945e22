from __future__ import annotations

from application.accounts.usable import usable_account
from application.jobs import PER_ACCOUNT
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.sync_logs.requests import request_sync_in
from domain.sync import SyncLog, SyncTrigger


class RequestAccountSync:
    """Ask for every per-account sync of one account at once (issue 18: listings, stock,
    orders, questions; application.jobs.PER_ACCOUNT, in that order): one queued sync
    log each, stored in one transaction before their jobs are sent, so either all four
    are accepted or none is. A run of a kind already queued for the account is that
    kind's answer instead of a second one (see RequestSync)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, account_id: int, trigger: SyncTrigger = SyncTrigger.API
    ) -> list[SyncLog]:
        """The queued runs, one per kind. Raises NotFound, ReauthorizationRequired."""
        now = self._clock.now()
        async with self._uow() as uow:
            await usable_account(uow, account_id)
            requested = [
                await request_sync_in(uow, job_type, account_id, trigger, now)
                for job_type in PER_ACCOUNT
            ]
            await uow.commit()
        return requested
