from __future__ import annotations

from application.accounts.usable import usable_account
from application.jobs import PER_ACCOUNT, Job
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.sync_logs.requests import request_sync_in
from domain.sync import SyncLog


class RequestSync:
    """Ask for a per-account sync (application.jobs.PER_ACCOUNT: `SyncCatalogue(account_id,
    SyncTrigger.API)`...) of an account that can be used: the manual trigger of the REST
    API and the CLI.

    The request is stored first (a `queued` sync log) and its job sent after the commit:
    with the broker down it waits there and the sweep sends it later, so an accepted
    request is never lost. A run of that kind already queued for the account is the
    answer instead of a second one."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, job: Job) -> SyncLog:
        """The queued run. Raises NotFound, ReauthorizationRequired."""
        if type(job) not in PER_ACCOUNT:
            raise ValueError(f"{job} is not a per-account job")
        account_id: int = job.account_id  # type: ignore[union-attr]
        async with self._uow() as uow:
            await usable_account(uow, account_id)
            requested = await request_sync_in(
                uow,
                type(job),
                account_id,
                job.trigger,  # type: ignore[union-attr]
                self._clock.now(),
            )
            await uow.commit()
        return requested
