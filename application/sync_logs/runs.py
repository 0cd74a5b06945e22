"""Running a sync: taking the request, holding it under a lease, ending it whatever
happens (domain.sync tells the life of a run)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from application.cancellation import run_stages
from application.errors import ApplicationError, Conflict, NotFound
from application.leases import Lease, renewed
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.sync_logs.recording import describe
from application.sync_logs.requests import read_slice, slice_counts
from domain.sync import SyncKind, SyncLog, SyncStatus, SyncTrigger

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)
DEFAULT_TIMEOUT = 3600.0

LEASE_RAN_OUT = "abandoned: its worker stopped renewing its lease (killed, or cut off)"
STOPPED = (
    "abandoned: stopped before it ended (its worker shut down, or it was cancelled); it runs again"
)


class SyncRuns:
    """The lease (MELI_SYNC_LEASE) and the time limit (MELI_SYNC_TIMEOUT) of every sync
    run, and the steps each takes to begin, stay alive and end."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        lease: timedelta = DEFAULT_LEASE,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.lease = lease
        self.timeout = timeout

    async def begin(
        self,
        kind: SyncKind,
        trigger: SyncTrigger,
        account_id: int | None,
        log_id: int | None = None,
    ) -> SyncLog | None:
        """The run to do now, running under this worker's lease; None when there is
        none (another worker holds it, it ended, or a successor runs it again).

        Without `log_id` the run starts here (a direct call, a job queued before runs
        were requested). With it, the requested run is claimed; one whose worker died
        (its lease ran out) is closed as abandoned and a successor runs it again."""
        now = self._clock.now()
        lease_until = now + self.lease
        async with self._uow() as uow:
            if log_id is None:
                started = await uow.sync_logs.add(
                    SyncLog(kind, trigger, now, account_id=account_id, lease_until=lease_until)
                )
            else:
                started = await uow.sync_logs.claim(log_id, now, lease_until)
                if started is None:
                    started = await self._run_again(uow, log_id)
            if started is None:
                return None
            await uow.commit()
        return started

    async def _run_again(self, uow: UnitOfWork, log_id: int) -> SyncLog | None:
        now = self._clock.now()
        try:
            stored = await uow.sync_logs.get(log_id)
        except NotFound:
            return None
        if stored.lease_expired(now):
            abandoned = await uow.sync_logs.abandon(log_id, LEASE_RAN_OUT, now)
            if abandoned is None:
                return None
            log.warning("sync log %s was abandoned by its worker; running it again", log_id)
            stored = abandoned
        if not stored.may_run_again:
            return None
        successor = SyncLog(
            stored.kind,
            stored.trigger,
            now,
            account_id=stored.account_id,
            requested_at=stored.requested_at,
            lease_until=now + self.lease,
            retry_of=stored.id,
            attempt=stored.attempt + 1,
            counts=slice_counts(read_slice(stored)),
        )
        try:
            return await uow.sync_logs.add(successor)
        except Conflict:
            return None  # another worker, or the sweep, runs it again

    @contextlib.asynccontextmanager
    async def kept(self, run: SyncLog) -> AsyncIterator[Lease]:
        """Renew the run's lease while the block runs."""
        assert run.id is not None
        run_id = run.id

        async def renew() -> bool:
            until = self._clock.now() + self.lease
            async with self._uow() as uow:
                held = await uow.sync_logs.renew(run_id, until)
                await uow.commit()
            if held:
                run.lease_until = until
            return held

        async with renewed(renew, self.lease.total_seconds() / 3, f"sync log {run_id}") as lease:
            yield lease

    async def save(self, run: SyncLog) -> bool:
        """Store the run's progress or end while this worker still holds it; False (and
        logged) when it was taken back meanwhile (its lease had run out)."""
        async with self._uow() as uow:
            held = await uow.sync_logs.save_running(run)
            await uow.commit()
        if not held:
            log.warning(
                "sync log %s was closed by someone else (its lease ran out); its end (%s) "
                "is not recorded",
                run.id,
                run.status.value,
            )
        return held

    async def finish(self, run: SyncLog, failure: str | None = None) -> SyncLog:
        run.finish(self._clock.now(), failure)
        await self.save(run)
        return run

    async def run_logged(self, run: SyncLog, body: Callable[[], Awaitable[None]]) -> SyncLog:
        """Run `body` under the run's lease and within the time limit, and end the run
        whatever happens. An ApplicationError (MercadoLibre unavailable, the account
        disconnected, the time limit) fails the run and is only recorded; anything else
        (a bug, the database, cancellation) ends it too (close_after) and is raised."""
        failure: str | None = None
        try:
            async with self.kept(run):
                try:
                    await run_stages([body()], self.timeout, what=f"{run.kind.value} sync")
                except* ApplicationError as group:
                    failure = describe(group)
                    log.warning(
                        "%s sync of account %s failed: %s",
                        run.kind.value,
                        run.account_id,
                        failure,
                    )
        except BaseException as error:
            log.warning(
                "%s sync of account %s broke: %s", run.kind.value, run.account_id, describe(error)
            )
            await self.close_after(run, _single(error), failure)
            raise _single(error) from None
        return await self.finish(run, failure)

    async def close_after(self, run: SyncLog, error: BaseException, failure: str | None) -> None:
        """End a run that stopped on `error` outside its own control: a cancelled run
        asked for through the queue is abandoned (the request stands and runs again);
        anything else fails with the error. Shielded: a second cancellation must not
        leave the log running either."""
        if run.status is not SyncStatus.RUNNING:
            return
        now = self._clock.now()
        if isinstance(error, asyncio.CancelledError) and run.requested_at is not None:
            run.abandon(now, STOPPED)
        else:
            run.finish(now, "; ".join(part for part in (failure, describe(error)) if part))
        await asyncio.shield(self.save(run))


def _single(error: BaseException) -> BaseException:
    """The one error of a one-stage group (run_logged runs one body), as it was raised."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error
