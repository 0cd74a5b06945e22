from __future__ import annotations

from application.jobs import for_account
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.sync_logs.requests import request_sync_in
from domain.accounts import AccountStatus
from domain.sync import SyncTrigger


class FanOut:
    """Ask for a per-account sync of every active account (the periodic syncs): one
    queued sync log each, its job sent after the commit (see RequestSync)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, job: str, trigger: SyncTrigger) -> int:
        """`job`: a per-account job's name (application.jobs.PER_ACCOUNT). Returns how
        many accounts it was asked for. Raises ValueError for another name."""
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
            now = self._clock.now()
            for account in accounts:
                assert account.id is not None
                job_type = type(for_account(job, account.id, trigger))
                await request_sync_in(uow, job_type, account.id, trigger, now)
            await uow.commit()
        return len(accounts)
