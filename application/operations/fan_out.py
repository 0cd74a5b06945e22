from __future__ import annotations

from application.jobs import for_account
from application.ports.jobs import JobQueue
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import AccountStatus
from domain.sync import SyncTrigger


class FanOut:
    """Queue a per-account job once for every active account (the periodic syncs)."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue) -> None:
        self._uow = uow
        self._queue = queue

    async def __call__(self, job: str, trigger: SyncTrigger) -> int:
        """`job`: a per-account job's name (application.jobs.PER_ACCOUNT). Returns how
        many accounts it was queued for."""
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
        for account in accounts:
            assert account.id is not None
            await self._queue.enqueue(for_account(job, account.id, trigger))
        return len(accounts)
