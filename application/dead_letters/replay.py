"""Putting a dead letter's work back: the step every replay shares."""

from __future__ import annotations

from datetime import datetime

import attrs

from application import jobs
from application.errors import Conflict, NotFound
from application.jobs import Job
from application.ports.jobs import JobCodec
from application.ports.unit_of_work import UnitOfWork
from application.sync_logs.requests import SYNC_KINDS, request_sync_in
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.notifications import InboxStatus

REPLAY_BATCH = 200


@attrs.define(frozen=True)
class Replay:
    """What a replay did: `action` is `requeued` (the work runs again), `coalesced` (a
    newer notification of the same resource is already waiting and brings it up to
    date), or `nothing` (the work had been put back another way meanwhile)."""

    letter: DeadLetter
    action: str


async def _requeue_job(uow: UnitOfWork, job: Job, now: datetime) -> None:
    """Put a job's work back where the sweep finds it if the job is lost: a sync as a new
    request (its old run ended), a stock batch reopened; other jobs (the periodic ones)
    are queued as they are, their schedule runs them anyway."""
    if type(job) in SYNC_KINDS:
        await request_sync_in(
            uow,
            type(job),
            job.account_id,  # type: ignore[union-attr]
            job.trigger,  # type: ignore[union-attr]
            now,
        )
        return
    if isinstance(job, jobs.ApplyStockBatch):
        try:
            batch = await uow.stock_batches.get(job.batch_id)
        except NotFound:
            return
        if batch.finished_at is not None:
            batch.reopen()
            await uow.stock_batches.save(batch)
    uow.enqueue_after_commit(job)


def job_of(letter: DeadLetter, codec: JobCodec) -> Job | None:
    """The job a dead letter of a job names (None for a notification's). Raises Conflict
    when its reference names no job this version runs: it cannot be replayed."""
    if letter.source is not DeadLetterSource.JOB:
        return None
    try:
        return codec.decode(letter.reference)
    except ValueError as error:
        raise Conflict(
            f"dead letter {letter.id} names a job that cannot be run ({error}); it cannot "
            "be replayed"
        ) from None


async def replay_in(uow: UnitOfWork, letter: DeadLetter, now: datetime, codec: JobCodec) -> str:
    """Put the letter's work back inside `uow`; the caller commits. Raises Conflict
    (job_of) before anything is written for a job that cannot be run."""
    job = job_of(letter, codec)
    if job is not None:
        await _requeue_job(uow, job, now)
        return "requeued"
    try:
        entry = await uow.inbox.get(int(letter.reference))
    except NotFound:
        return "nothing"
    if entry.status is not InboxStatus.DEAD:
        return "nothing"
    entry.move_to(InboxStatus.RECEIVED, now)
    # A full retry budget again. `attempts` keeps growing: it is what tells a claim still
    # running from before from the claims of the replay (NotificationInbox.finish).
    entry.failures = 0
    entry.next_attempt_at = None
    try:
        await uow.inbox.save(entry)
    except Conflict:
        # A newer notification of the resource is pending: when it runs it reads the
        # resource as it is then, which covers this one. It never read it itself, so it
        # gets no processed_at (that time must always be a real read, see
        # ProcessNotification).
        entry.move_to(InboxStatus.PROCESSED, now)
        entry.processed_at = None
        await uow.inbox.save(entry)
        return "coalesced"
    assert entry.id is not None
    uow.enqueue_after_commit(jobs.ProcessNotification(entry.id))
    return "requeued"
