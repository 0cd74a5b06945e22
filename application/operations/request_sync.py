from __future__ import annotations

from application.accounts.usable import usable_account
from application.jobs import PER_ACCOUNT, Job
from application.ports.jobs import JobQueue
from application.ports.unit_of_work import UnitOfWorkFactory


class RequestSync:
    """Queue a per-account job (application.jobs.PER_ACCOUNT: `SyncCatalogue(account_id,
    SyncTrigger.API)`...) for an account that can be used: the manual trigger of the
    REST API and the CLI."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue) -> None:
        self._uow = uow
        self._queue = queue

    async def __call__(self, job: Job) -> Job:
        """Raises NotFound, ReauthorizationRequired, QueueUnavailable."""
        if type(job) not in PER_ACCOUNT:
            raise ValueError(f"{job} is not a per-account job")
        async with self._uow() as uow:
            await usable_account(uow, job.account_id)  # type: ignore[union-attr]
        await self._queue.enqueue(job)
        return job
